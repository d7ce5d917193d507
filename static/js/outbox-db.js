/* The field outbox in IndexedDB, shared by the page (field-offline.js) and the service worker.
 * One store "items", keyed by the submission's idempotency key, ordered by `seq` (creation time).
 * Item: {key, seq, url, fields: [[name, value], ...], title, status, message, createdAt, owner,
 *        location, conflict, sentAt}
 * status: pending | invalid | conflict | refused | error | saved
 * owner: the opaque key of the account that made it (data-sv-owner); only that account sees it,
 * sends it, and the server refuses it from any other account (X-Outbox-Owner).
 * A small "state" cache (sv-state) holds the current owner and the local-logout flag.
 */
(function (root) {
  "use strict";
  var DB_NAME = "sv-field-outbox";
  var STORE = "items";

  function open() {
    return new Promise(function (resolve, reject) {
      var req = indexedDB.open(DB_NAME, 1);
      req.onupgradeneeded = function () {
        var store = req.result.createObjectStore(STORE, { keyPath: "key" });
        store.createIndex("seq", "seq");
      };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }

  function run(mode, fn) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode);
        var result = fn(tx.objectStore(STORE));
        tx.oncomplete = function () { db.close(); resolve(result && result.result !== undefined ? result.result : result); };
        tx.onerror = function () { db.close(); reject(tx.error); };
      });
    });
  }

  function all() {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var items = [];
        var tx = db.transaction(STORE, "readonly");
        var cursor = tx.objectStore(STORE).index("seq").openCursor();
        cursor.onsuccess = function () {
          var c = cursor.result;
          if (c) { items.push(c.value); c.continue(); }
        };
        tx.oncomplete = function () { db.close(); resolve(items); };
        tx.onerror = function () { db.close(); reject(tx.error); };
      });
    });
  }

  function uuid() {
    if (root.crypto && root.crypto.randomUUID) { return root.crypto.randomUUID(); }
    var a = new Uint8Array(16); root.crypto.getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  var STATE = "sv-state";
  function readState(name) {
    return caches.open(STATE).then(function (c) { return c.match("/field/__state__/" + name); })
      .then(function (r) { return r ? r.json() : null; }).catch(function () { return null; });
  }
  function writeState(name, value) {
    return caches.open(STATE).then(function (c) {
      var url = "/field/__state__/" + name;
      return value === null ? c.delete(url) :
        c.put(url, new Response(JSON.stringify(value), { headers: { "Content-Type": "application/json" } }));
    });
  }

  // The answer is stored only while the item is still there (a logout or discard meanwhile wins).
  function keep(item) {
    return root.SVOutbox.get(item.key).then(function (still) {
      return still ? root.SVOutbox.put(item) : null;
    }).then(function () { return item; });
  }

  // Sends one item; `token` is the CSRF token, `t(name)` a message text. Resolves with the item
  // (stored with its new status), rejects when the server cannot be reached (stays pending).
  function send(item, token, t) {
    var params = new URLSearchParams();
    item.fields.forEach(function (f) {
      if (f[0] === "csrfmiddlewaretoken") { return; }
      params.append(f[0], f[1]);
    });
    params.append("csrfmiddlewaretoken", token);
    if (!item.fields.some(function (f) { return f[0] === root.SVOutbox.KEY_FIELD; })) {
      params.append(root.SVOutbox.KEY_FIELD, item.key);
    }
    return fetch(item.url, {
      method: "POST", body: params, credentials: "same-origin",
      headers: { "X-Outbox": "1", "X-Idempotency-Key": item.key, "X-CSRFToken": token,
                 "X-Outbox-Owner": item.owner || "" }
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (type.indexOf("application/json") !== 0) {
        if (response.status >= 500) { throw new Error("server unavailable"); }  // retried later
        item.status = response.status === 403 ? "refused" : "error";
        item.message = response.status === 403 ? t("refused") : t("error");
        return keep(item);
      }
      return response.json().then(function (answer) {
        if (answer.result === "not_owner") { throw new Error("not the owner"); }
        item.status = answer.result;
        item.location = answer.location || "";
        item.conflict = answer.conflict || null;
        item.sentAt = answer.result === "saved" ? Date.now() : null;
        item.message = answer.result === "invalid" ? (answer.errors || []).map(String).join("\n") || t("invalid") :
          answer.result === "conflict" ? t("conflict") :
          answer.result === "refused" ? t("refused") : answer.result === "error" ? t("error") : "";
        return keep(item);
      });
    });
  }

  // One sender at a time (the page or the service worker's Background Sync): the other skips.
  function exclusive(fn) {
    var locks = root.navigator && root.navigator.locks;
    if (!locks || !locks.request) { return Promise.resolve().then(fn); }
    return locks.request("sv-outbox-send", { ifAvailable: true }, function (lock) { return lock ? fn() : null; });
  }

  root.SVOutbox = {
    send: send,
    exclusive: exclusive,
    readState: readState,
    writeState: writeState,
    put: function (item) { return run("readwrite", function (s) { s.put(item); }); },
    get: function (key) { return run("readonly", function (s) { return s.get(key); }); },
    remove: function (key) { return run("readwrite", function (s) { s.delete(key); }); },
    clear: function () { return run("readwrite", function (s) { s.clear(); }); },
    all: all,
    uuid: uuid,
    KEY_FIELD: "_idempotency_key"
  };
})(self);
