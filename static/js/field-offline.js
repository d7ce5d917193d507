/* Field portal offline mode (page side). See README "Offline field work".
 * - registers the service worker (scope /field/);
 * - gives every POST form an idempotency key, so a resend is never applied twice;
 * - while offline, a submitted form goes to the outbox (IndexedDB) instead of failing;
 * - sends the outbox in order, one item at a time: at every page load, on the `online` event,
 *   with "Send now", and by itself every few seconds (backoff 5 s -> 30 s) while items wait,
 *   since a server coming back sends no event (Background Sync too, where the browser has it);
 * - the outbox belongs to the account that filled it (owner key): another account on the same
 *   phone neither sees nor sends it, and it stays until its owner logs in again or discards it;
 * - an edit refused as stale comes back merged field by field (core/merge.py): only the fields
 *   both sides changed are asked, original / theirs / yours side by side, one choice per field;
 * - logout ends the session on the phone for sure (the service worker refuses portal pages
 *   until the server has logged out too, which it completes when the signal returns).
 * DOM is built with text nodes only (Trusted Types, docs/security.md).
 */
(function () {
  "use strict";
  var body = document.body;
  var owner = body.getAttribute("data-sv-owner") || "";
  var msgNode = document.getElementById("sv-outbox-messages");
  var MSG = msgNode ? JSON.parse(msgNode.textContent) : {};
  var syncing = false;
  var retryTimer = null;
  var retryDelay = 5000;
  var MAX_DELAY = 30000;
  var SAVED_KEPT_MS = 60000;  // a sent item is shown as sent, then cleared at a later page load
  var sentThisPage = 0;

  function t(name, n) { return (MSG[name] || name).replace("%(n)s", n); }

  function csrfToken() {
    var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }

  function mine(items) { return items.filter(function (i) { return owner && i.owner === owner; }); }
  function others(items) { return items.filter(function (i) { return i.owner && i.owner !== owner && i.status !== "saved"; }); }
  function pending(items) { return items.filter(function (i) { return i.status === "pending"; }); }
  function toCorrect(items) { return items.filter(function (i) { return ["invalid", "conflict", "refused", "error"].indexOf(i.status) !== -1; }); }

  function forgetPages() {
    if (navigator.serviceWorker && navigator.serviceWorker.controller) {
      navigator.serviceWorker.controller.postMessage({ type: "forget" });
    }
    return window.caches ? caches.delete("sv-pages") : Promise.resolve();
  }

  function removeMine() {
    return SVOutbox.all().then(function (items) {
      return Promise.all(mine(items).map(function (i) { return SVOutbox.remove(i.key); }));
    });
  }

  function isOutboxForm(form) {
    return (form.method || "").toLowerCase() === "post" && !form.hasAttribute("data-no-outbox") &&
      new URL(form.action || location.href, location.href).pathname.indexOf("/field/") === 0;
  }

  function fieldsOf(form, submitter) {
    var fd = new FormData(form);
    if (submitter && submitter.name) { fd.append(submitter.name, submitter.value); }
    var fields = [];
    fd.forEach(function (value, name) { if (typeof value === "string") { fields.push([name, value]); } });
    return fields;
  }

  function updateBadge() {
    var badge = document.getElementById("sv-outbox-status");
    if (!badge) { return Promise.resolve(); }
    return SVOutbox.all().then(function (all) {
      var items = mine(all);
      var n = pending(items).length;
      var c = toCorrect(items).length;
      var parts = [];
      if (!navigator.onLine) { parts.push(t("offline")); }
      if (n) { parts.push(t("waiting", n)); }
      if (c) { parts.push(t("to_correct", c)); }
      if (sentThisPage) { parts.push(t("sent", sentThisPage)); }
      badge.hidden = parts.length === 0;
      badge.querySelector("[data-outbox-text]").textContent = parts.join(" · ");
      badge.classList.toggle("alert-warning", !navigator.onLine || n > 0 || c > 0);
      badge.classList.toggle("alert-success", navigator.onLine && !n && !c && sentThisPage > 0);
    });
  }

  function registerBackgroundSync() {
    if (!navigator.serviceWorker) { return; }
    navigator.serviceWorker.ready.then(function (reg) {
      if (reg.sync && reg.sync.register) { return reg.sync.register("sv-outbox"); }
    }).catch(function () {});
  }

  function scheduleRetry() {
    if (retryTimer) { return; }
    retryTimer = setTimeout(function () { retryTimer = null; sync(); }, retryDelay);
    retryDelay = Math.min(retryDelay * 2, MAX_DELAY);
  }

  function sync() {
    if (syncing || !owner) { return Promise.resolve(); }
    syncing = true;
    var reached = true;
    return SVOutbox.exclusive(function () { return SVOutbox.all().then(function (items) {
      var queue = pending(mine(items));
      if (queue.length && !navigator.onLine) { reached = false; return; }
      return queue.reduce(function (p, item) {
        return p.then(function (go) {
          if (go === false) { return false; }
          return SVOutbox.send(item, csrfToken(), t).then(function (sent) {
            if (sent.status === "saved") { sentThisPage += 1; }
            render(); return true;
          }, function () { reached = false; return false; });
        });
      }, Promise.resolve(true));
    }); }).then(function () {
      syncing = false;
      return SVOutbox.all();
    }, function () { syncing = false; reached = false; return SVOutbox.all(); }).then(function (items) {
      if (reached) { retryDelay = 5000; }
      if (pending(mine(items)).length) { scheduleRetry(); registerBackgroundSync(); }
      render(); updateBadge();
    });
  }

  function saveForm(form, submitter) {
    var fields = fieldsOf(form, submitter);
    var key = (form.querySelector("input[name='" + SVOutbox.KEY_FIELD + "']") || {}).value || SVOutbox.uuid();
    var url = new URL(form.action || location.href, location.href);
    var item = {
      key: key, seq: Date.now(), url: url.pathname + url.search, fields: fields,
      title: form.getAttribute("data-outbox-title") || document.title, status: "pending",
      message: "", createdAt: new Date().toISOString(), owner: owner
    };
    return SVOutbox.put(item).then(function () {
      registerBackgroundSync();
      location.href = "/field/outbox/?saved=" + encodeURIComponent(key);
    });
  }

  // Logout: the phone forgets this account at once (pages, outbox after a warning) and refuses
  // portal pages (service worker, flag "logout") until the server has logged out as well.
  function logout(form) {
    SVOutbox.all().then(function (items) {
      var n = pending(mine(items)).length + toCorrect(mine(items)).length;
      if (n && !window.confirm(t("logout_confirm", n))) { return; }
      var flag = { owner: owner, csrf: csrfToken(), at: Date.now() };
      SVOutbox.writeState("logout", flag).then(function () {
        return Promise.all([removeMine(), forgetPages(), SVOutbox.writeState("owner", null)]);
      }).then(function () {
        return fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin", redirect: "manual" });
      }).then(function (response) {
        if (response.type !== "opaqueredirect" && !response.ok) { throw new Error("logout refused"); }
        return SVOutbox.writeState("logout", null).then(function () { location.href = "/"; });
      }).catch(function () {
        location.href = "/field/";  // the service worker answers with the "logged out" page
      });
    });
  }

  function prepareForms() {
    var params = new URLSearchParams(location.search);
    var fromOutbox = params.get("outbox");
    Array.prototype.forEach.call(document.querySelectorAll("form"), function (form) {
      if (form.action && /\/accounts\/logout\/?$/.test(new URL(form.action, location.href).pathname)) {
        form.addEventListener("submit", function (event) { event.preventDefault(); logout(form); });
        return;
      }
      if (!isOutboxForm(form)) { return; }
      var input = document.createElement("input");
      input.type = "hidden"; input.name = SVOutbox.KEY_FIELD; input.value = SVOutbox.uuid();
      form.appendChild(input);
      form.addEventListener("submit", function (event) {
        var done = fromOutbox ? SVOutbox.remove(fromOutbox) : Promise.resolve();
        if (!navigator.onLine) {
          event.preventDefault();
          done.then(function () { saveForm(form, event.submitter); });
        }
      });
    });
    if (fromOutbox) { fillFromOutbox(fromOutbox); }
  }

  function fillFromOutbox(key) {
    SVOutbox.get(key).then(function (item) {
      if (!item || item.owner !== owner) { return; }
      var form = Array.prototype.filter.call(document.querySelectorAll("form"), isOutboxForm)[0];
      if (!form) { return; }
      var byName = {};
      item.fields.forEach(function (f) { (byName[f[0]] = byName[f[0]] || []).push(f[1]); });
      Array.prototype.forEach.call(form.elements, function (el) {
        // The record's version and snapshot (_base) stay the ones the member started from, so
        // the server merges field by field and never reverts a field the member did not touch.
        if (!el.name || el.name === "csrfmiddlewaretoken" || el.name === SVOutbox.KEY_FIELD) { return; }
        var values = byName[el.name] || [];
        if (el.type === "checkbox" || el.type === "radio") { el.checked = values.indexOf(el.value) !== -1; }
        else if (el.tagName === "SELECT" && el.multiple) {
          Array.prototype.forEach.call(el.options, function (o) { o.selected = values.indexOf(o.value) !== -1; });
        } else if (values.length && el.type !== "file" && el.type !== "submit") { el.value = values[0]; }
      });
      var note = document.getElementById("sv-outbox-edit-note");
      if (note) { note.hidden = false; note.querySelector("[data-outbox-message]").textContent = item.message || ""; }
    });
  }

  // A conflict: per field the original, theirs and yours side by side, and the member's choice.
  function renderConflict(tpl, item) {
    var box = tpl.querySelector("[data-merge-box]");
    var conflict = item.conflict;
    if (!conflict || !conflict.rows || !conflict.rows.length) { return; }
    box.hidden = false;
    var rowsNode = box.querySelector("[data-conflict-rows]");
    conflict.rows.forEach(function (row, index) {
      var r = document.getElementById("sv-outbox-conflict-row").content.cloneNode(true);
      r.querySelector("[data-label]").textContent = row.label;
      r.querySelector("[data-original]").textContent = row.original;
      r.querySelector("[data-theirs]").textContent = row.theirs;
      r.querySelector("[data-yours]").textContent = row.yours;
      Array.prototype.forEach.call(r.querySelectorAll("input[type=radio]"), function (radio) {
        radio.name = "choice-" + item.key + "-" + index;
        radio.setAttribute("data-field", row.name);
        radio.id = radio.name + "-" + radio.value;
        radio.parentNode.querySelector("label").htmlFor = radio.id;
      });
      rowsNode.appendChild(r);
    });
    var send = box.querySelector("[data-conflict-send]");
    var note = box.querySelector("[data-conflict-note]");
    send.addEventListener("click", function () {
      var choices = {};
      Array.prototype.forEach.call(rowsNode.querySelectorAll("input[type=radio]:checked"), function (radio) {
        choices[radio.getAttribute("data-field")] = radio.value;
      });
      if (Object.keys(choices).length < conflict.rows.length) { note.textContent = t("choose_each"); return; }
      item.fields = item.fields.filter(function (f) {
        return f[0].indexOf(conflict.choice_prefix) !== 0 && f[0] !== conflict.version_field;
      });
      Object.keys(choices).forEach(function (name) { item.fields.push([conflict.choice_prefix + name, choices[name]]); });
      item.fields.push([conflict.version_field, String(conflict.version)]);
      item.status = "pending"; item.message = ""; item.conflict = null;
      SVOutbox.put(item).then(function () { render(); updateBadge(); return sync(); });
    });
  }

  // The outbox page: one card per submission of this account, with its values and result.
  function render() {
    var list = document.getElementById("sv-outbox-list");
    if (!list) { return; }
    SVOutbox.all().then(function (all) {
      var items = mine(all);
      list.textContent = "";
      var empty = document.getElementById("sv-outbox-empty");
      if (empty) { empty.hidden = items.length > 0; }
      var otherNote = document.getElementById("sv-outbox-others");
      if (otherNote) {
        var m = others(all).length;
        otherNote.hidden = m === 0;
        otherNote.textContent = m ? t("others", m) : "";
      }
      items.forEach(function (item) {
        var tpl = document.getElementById("sv-outbox-item").content.cloneNode(true);
        var card = tpl.querySelector("[data-item]");
        card.setAttribute("data-key", item.key);
        card.setAttribute("data-status", item.status);
        card.classList.add("outbox-" + item.status);
        tpl.querySelector("[data-title]").textContent = item.title || item.url;
        tpl.querySelector("[data-when]").textContent = new Date(item.createdAt).toLocaleString("vi-VN");
        tpl.querySelector("[data-status-text]").textContent = t("status_" + item.status);
        var fallback = ["refused", "error", "conflict", "invalid"].indexOf(item.status) !== -1 ? t(item.status) : "";
        tpl.querySelector("[data-message]").textContent = item.message || fallback;
        var values = tpl.querySelector("[data-values]");
        item.fields.forEach(function (f) {
          if (f[0] === "csrfmiddlewaretoken" || f[0].charAt(0) === "_" || f[0] === "version" || /-version$/.test(f[0]) ||
              f[0].indexOf("-TOTAL_FORMS") > 0 || f[0].indexOf("-INITIAL_FORMS") > 0 || f[0].indexOf("-MIN_NUM") > 0 ||
              f[0].indexOf("-MAX_NUM") > 0 || !f[1]) { return; }
          var dt = document.createElement("dt"); dt.textContent = f[0];
          var dd = document.createElement("dd"); dd.textContent = f[1];
          values.appendChild(dt); values.appendChild(dd);
        });
        if (item.status === "conflict") { renderConflict(tpl, item); }
        var fix = tpl.querySelector("[data-fix]");
        var open = tpl.querySelector("[data-open]");
        var discard = tpl.querySelector("[data-discard]");
        fix.hidden = ["invalid", "refused", "error"].indexOf(item.status) === -1;
        fix.href = item.url + (item.url.indexOf("?") === -1 ? "?" : "&") + "outbox=" + encodeURIComponent(item.key);
        open.hidden = item.status !== "saved" || !item.location;
        open.href = item.location || "#";
        discard.textContent = item.status === "saved" ? t("clear") : discard.textContent;
        discard.addEventListener("click", function () {
          if (item.status === "saved" || window.confirm(t("discard_confirm"))) {
            SVOutbox.remove(item.key).then(function () { render(); updateBadge(); });
          }
        });
        list.appendChild(tpl);
      });
    });
  }

  // Items of this account: the ones stored by the service worker get their owner; sent items
  // shown earlier are cleared. Another account's items are kept, hidden (not deleted).
  function checkOwner() {
    if (!owner) {
      // The precached outbox and "no signal" pages carry no account: they show the outbox of
      // the account last seen on a live page (none after a logout).
      return SVOutbox.readState("owner").then(function (state) { owner = state && state.owner ? state.owner : ""; });
    }
    var previous = localStorage.getItem("sv-owner");
    var p = previous && previous !== owner ? forgetPages() : Promise.resolve();
    localStorage.setItem("sv-owner", owner);
    return p.then(function () { return SVOutbox.readState("logout"); }).then(function (flag) {
      // A page of the account that logged out on this phone (opened without the service
      // worker): finish that logout instead of forgetting it.
      if (flag && flag.owner === owner) {
        var form = new URLSearchParams(); form.append("csrfmiddlewaretoken", csrfToken());
        fetch("/accounts/logout/", { method: "POST", body: form, credentials: "same-origin", redirect: "manual" })
          .then(function () { return SVOutbox.writeState("logout", null); })
          .then(function () { location.replace("/"); }, function () { location.replace("/"); });
        throw new Error("logged out");
      }
      return Promise.all([SVOutbox.writeState("owner", { owner: owner, csrf: csrfToken() }), SVOutbox.writeState("logout", null)]);
    }).then(function () { return SVOutbox.all(); }).then(function (items) {
      var now = Date.now();
      return Promise.all(items.map(function (item) {
        if (!item.owner) { item.owner = owner; return SVOutbox.put(item); }
        if (item.owner === owner && item.status === "saved" && item.sentAt && now - item.sentAt > SAVED_KEPT_MS) {
          return SVOutbox.remove(item.key);
        }
        return null;
      }));
    }).catch(function () {});
  }

  if ("serviceWorker" in navigator) {
    // Under require-trusted-types-for 'script' a worker's address must be a TrustedScriptURL:
    // this policy creates exactly one, the portal's own service worker (docs/security.md).
    var SW_URL = "/field/sw.js";
    var swUrl = SW_URL;
    if (window.trustedTypes && window.trustedTypes.createPolicy) {
      swUrl = window.trustedTypes.createPolicy("sv-worker", {
        createScriptURL: function (url) { return url === SW_URL ? url : null; }
      }).createScriptURL(SW_URL);
    }
    navigator.serviceWorker.register(swUrl, { scope: "/field/" }).catch(function () {});
    navigator.serviceWorker.addEventListener("message", function (event) {
      if (event.data && event.data.type === "synced") { render(); updateBadge(); }
    });
  }
  checkOwner().then(function () {
    prepareForms();
    render();
    updateBadge();
    sync();
  });
  window.addEventListener("online", function () { retryDelay = 5000; updateBadge(); sync(); });
  window.addEventListener("offline", updateBadge);
  var sendNow = document.getElementById("sv-outbox-send");
  if (sendNow) { sendNow.addEventListener("click", function () { retryDelay = 5000; sync(); }); }
})();
