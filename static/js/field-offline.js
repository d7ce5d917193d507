/* Field portal offline mode (page side). See README "Offline field work".
 * - registers the service worker (scope /field/);
 * - gives every POST form an idempotency key, so a resend is never applied twice;
 * - while offline, a submitted form goes to the outbox (IndexedDB) instead of failing;
 * - when the signal returns, sends the outbox in order, one item at a time, and shows each result;
 * - the outbox page lists the items; an item refused by the server (validation error, edit
 *   conflict) keeps its values and can be corrected and sent again, or discarded explicitly;
 * - logout (or another account on this phone) clears the outbox and the cached pages.
 */
(function () {
  "use strict";
  var body = document.body;
  var owner = body.getAttribute("data-sv-owner") || "";
  var msgNode = document.getElementById("sv-outbox-messages");
  var MSG = msgNode ? JSON.parse(msgNode.textContent) : {};
  var syncing = false;

  function t(name, n) { return (MSG[name] || name).replace("%(n)s", n); }

  function csrfToken() {
    var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }

  function forget() {
    if (navigator.serviceWorker && navigator.serviceWorker.controller) {
      navigator.serviceWorker.controller.postMessage({ type: "forget" });
    }
    if (window.caches) { caches.delete("sv-pages"); }
    return SVOutbox.clear();
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

  function waiting(items) {
    return items.filter(function (i) { return i.status !== "saved"; });
  }

  function updateBadge() {
    var badge = document.getElementById("sv-outbox-status");
    if (!badge) { return Promise.resolve(); }
    return SVOutbox.all().then(function (items) {
      var n = waiting(items).length;
      badge.hidden = n === 0 && navigator.onLine;
      var text = badge.querySelector("[data-outbox-text]");
      var parts = [];
      if (!navigator.onLine) { parts.push(t("offline")); }
      if (n) { parts.push(t("waiting", n)); }
      text.textContent = parts.join(" · ");
      badge.classList.toggle("alert-warning", !navigator.onLine || n > 0);
    });
  }

  // The server sends the error messages as plain text (core/offline.py): no HTML is parsed here.
  function errorsFrom(errors) {
    var out = (errors || []).map(function (s) { return String(s); });
    return out.join("\n") || t("invalid");
  }

  function sendOne(item) {
    var params = new URLSearchParams();
    item.fields.forEach(function (f) {
      if (f[0] === "csrfmiddlewaretoken") { return; }
      params.append(f[0], f[1]);
    });
    params.append("csrfmiddlewaretoken", csrfToken());
    if (!item.fields.some(function (f) { return f[0] === SVOutbox.KEY_FIELD; })) {
      params.append(SVOutbox.KEY_FIELD, item.key);
    }
    return fetch(item.url, {
      method: "POST", body: params, credentials: "same-origin",
      headers: { "X-Outbox": "1", "X-Idempotency-Key": item.key, "X-CSRFToken": csrfToken() }
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (type.indexOf("application/json") !== 0) {
        item.status = response.status === 403 ? "refused" : "error";
        item.message = response.status === 403 ? t("refused") : t("error");
        return SVOutbox.put(item);
      }
      return response.json().then(function (answer) {
        item.status = answer.result;
        item.location = answer.location || "";
        item.message = answer.result === "invalid" ? errorsFrom(answer.errors) :
          answer.result === "refused" ? t("refused") : answer.result === "error" ? t("error") : "";
        return SVOutbox.put(item);
      });
    });
  }

  function sync() {
    if (syncing || !navigator.onLine) { return Promise.resolve(); }
    syncing = true;
    return SVOutbox.all().then(function (items) {
      var queue = items.filter(function (i) { return i.status === "pending"; });
      return queue.reduce(function (p, item) {
        return p.then(function (go) {
          if (go === false) { return false; }
          return sendOne(item).then(function () { render(); return true; }, function () { return false; });
        });
      }, Promise.resolve(true));
    }).then(function () { syncing = false; render(); updateBadge(); }, function () { syncing = false; });
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
      location.href = "/field/outbox/?saved=" + encodeURIComponent(key);
    });
  }

  function prepareForms() {
    var params = new URLSearchParams(location.search);
    var fromOutbox = params.get("outbox");
    Array.prototype.forEach.call(document.querySelectorAll("form"), function (form) {
      if (form.action && /\/accounts\/logout\/?$/.test(new URL(form.action, location.href).pathname)) {
        form.addEventListener("submit", function (event) {
          event.preventDefault();
          SVOutbox.all().then(function (items) {
            var n = waiting(items).length;
            if (n && !window.confirm(t("logout_confirm", n))) { return; }
            localStorage.removeItem("sv-owner");
            forget().then(function () { form.submit(); });
          });
        });
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
      if (!item) { return; }
      var form = Array.prototype.filter.call(document.querySelectorAll("form"), isOutboxForm)[0];
      if (!form) { return; }
      var byName = {};
      item.fields.forEach(function (f) { (byName[f[0]] = byName[f[0]] || []).push(f[1]); });
      Array.prototype.forEach.call(form.elements, function (el) {
        // The record's version stays as the page loaded it: the member corrects on top of the
        // current record, so a conflict is not sent a second time.
        if (!el.name || el.name === "csrfmiddlewaretoken" || el.name === SVOutbox.KEY_FIELD ||
            el.name === "version" || /-version$/.test(el.name)) { return; }
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

  // The outbox page: one card per submission, with its values and result.
  function render() {
    var list = document.getElementById("sv-outbox-list");
    if (!list) { return; }
    SVOutbox.all().then(function (items) {
      list.textContent = "";
      var empty = document.getElementById("sv-outbox-empty");
      if (empty) { empty.hidden = items.length > 0; }
      items.forEach(function (item) {
        var tpl = document.getElementById("sv-outbox-item").content.cloneNode(true);
        var card = tpl.querySelector("[data-item]");
        card.setAttribute("data-key", item.key);
        card.setAttribute("data-status", item.status);
        card.classList.add("outbox-" + item.status);
        tpl.querySelector("[data-title]").textContent = item.title || item.url;
        tpl.querySelector("[data-when]").textContent = new Date(item.createdAt).toLocaleString("vi-VN");
        tpl.querySelector("[data-status-text]").textContent = t("status_" + item.status);
        tpl.querySelector("[data-message]").textContent = item.message || "";
        var values = tpl.querySelector("[data-values]");
        item.fields.forEach(function (f) {
          if (f[0] === "csrfmiddlewaretoken" || f[0] === SVOutbox.KEY_FIELD || f[0].indexOf("-TOTAL_FORMS") > 0 ||
              f[0].indexOf("-INITIAL_FORMS") > 0 || f[0].indexOf("-MIN_NUM") > 0 || f[0].indexOf("-MAX_NUM") > 0 || !f[1]) { return; }
          var dt = document.createElement("dt"); dt.textContent = f[0];
          var dd = document.createElement("dd"); dd.textContent = f[1];
          values.appendChild(dt); values.appendChild(dd);
        });
        var fix = tpl.querySelector("[data-fix]");
        var open = tpl.querySelector("[data-open]");
        var discard = tpl.querySelector("[data-discard]");
        fix.hidden = ["invalid", "refused", "error"].indexOf(item.status) === -1;
        fix.href = item.url + (item.url.indexOf("?") === -1 ? "?" : "&") + "outbox=" + encodeURIComponent(item.key);
        open.hidden = item.status !== "saved" || !item.location;
        open.href = item.location || "#";
        discard.addEventListener("click", function () {
          if (item.status === "saved" || window.confirm(t("discard_confirm"))) {
            SVOutbox.remove(item.key).then(function () { render(); updateBadge(); });
          }
        });
        list.appendChild(tpl);
      });
    });
  }

  function checkOwner() {
    var previous = localStorage.getItem("sv-owner");
    var p = Promise.resolve();
    if (previous && owner && previous !== owner) { p = forget(); }
    if (owner) { localStorage.setItem("sv-owner", owner); }
    return p;
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
  }
  checkOwner().then(function () {
    prepareForms();
    render();
    updateBadge();
    sync();
  });
  window.addEventListener("online", function () { updateBadge(); sync(); });
  window.addEventListener("offline", updateBadge);
  var sendNow = document.getElementById("sv-outbox-send");
  if (sendNow) { sendNow.addEventListener("click", function () { sync(); }); }
})();
