/* The field outbox in IndexedDB, shared by the page (field-offline.js) and the service worker.
 * One store "items", keyed by the submission's idempotency key, ordered by `seq` (creation time).
 * Item: {key, seq, url, fields: [[name, value], ...], title, status, message, createdAt, owner}
 * status: pending | sending | invalid | refused | error | saved
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

  root.SVOutbox = {
    put: function (item) { return run("readwrite", function (s) { s.put(item); }); },
    get: function (key) { return run("readonly", function (s) { return s.get(key); }); },
    remove: function (key) { return run("readwrite", function (s) { s.delete(key); }); },
    clear: function () { return run("readwrite", function (s) { s.clear(); }); },
    all: all,
    uuid: uuid,
    KEY_FIELD: "_idempotency_key"
  };
})(self);
