/* Service worker of the field portal (scope /field/). Served by core.views.field_service_worker
 * so that its scope can be /field/ and its cache names carry the deployed version.
 * - Pages under /field/: network first; a copy of each page opened is kept for offline use.
 * - Static files: cache first (they are versioned by the deploy).
 * - A POST that cannot reach the server is stored in the outbox (IndexedDB) instead of failing,
 *   and the member is sent to the outbox page, which resends it when the signal returns.
 */
"use strict";
// Trusted types (docs/security.md): the only script this worker imports is the outbox store.
var OUTBOX_DB_URL = "{{ outbox_db_url }}";
importScripts(self.trustedTypes && self.trustedTypes.createPolicy
  ? self.trustedTypes.createPolicy("sv-worker", {
      createScriptURL: function (url) { return url === OUTBOX_DB_URL ? url : null; }
    }).createScriptURL(OUTBOX_DB_URL)
  : OUTBOX_DB_URL);
var VERSION = "{{ version }}";
var SHELL = "sv-shell-" + VERSION;
var PAGES = "sv-pages";
var PRECACHE = {{ precache|safe }};

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(SHELL).then(function (c) { return c.addAll(PRECACHE); }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k.indexOf("sv-shell-") === 0 && k !== SHELL; }).map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("message", function (event) {
  if (event.data && event.data.type === "forget") {
    // Logout or another account: nothing cached may be shown to the next person.
    event.waitUntil(caches.delete(PAGES));
  }
});

function formToFields(request) {
  return request.formData().then(function (fd) {
    var fields = [];
    fd.forEach(function (value, name) { if (typeof value === "string") { fields.push([name, value]); } });
    return fields;
  });
}

function saveOffline(request) {
  return formToFields(request).then(function (fields) {
    var key = null;
    fields.forEach(function (f) { if (f[0] === SVOutbox.KEY_FIELD) { key = f[1]; } });
    var item = {
      key: key || SVOutbox.uuid(), seq: Date.now(), url: new URL(request.url).pathname + new URL(request.url).search,
      fields: fields, title: "", status: "pending", message: "", createdAt: new Date().toISOString()
    };
    return SVOutbox.put(item).then(function () { return Response.redirect("/field/outbox/?saved=" + encodeURIComponent(item.key), 303); });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }

  if (request.method === "POST" && url.pathname.indexOf("/field/") === 0 && request.mode === "navigate") {
    var copy = request.clone();
    event.respondWith(fetch(request).catch(function () { return saveOffline(copy); }));
    return;
  }
  if (request.method !== "GET") { return; }

  if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(caches.match(request).then(function (hit) {
      return hit || fetch(request).then(function (response) {
        if (response.ok) { var clone = response.clone(); caches.open(SHELL).then(function (c) { c.put(request, clone); }); }
        return response;
      });
    }));
    return;
  }

  if (request.mode === "navigate" && url.pathname.indexOf("/field/") === 0) {
    event.respondWith(fetch(request).then(function (response) {
      // A page marked no-store (e.g. a resident's form showing the full ID number) is never kept.
      var noStore = (response.headers.get("Cache-Control") || "").indexOf("no-store") !== -1;
      if (response.ok && !response.redirected && !noStore && (response.headers.get("Content-Type") || "").indexOf("text/html") === 0) {
        var clone = response.clone();
        caches.open(PAGES).then(function (c) { c.put(request, clone); });
      }
      return response;
    }).catch(function () {
      return caches.match(request, { ignoreSearch: false }).then(function (hit) {
        return hit || caches.match("/field/outbox/").then(function (outbox) {
          return url.pathname === "/field/outbox/" && outbox ? outbox : caches.match("/field/offline/");
        });
      });
    }));
  }
});
