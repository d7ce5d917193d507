/* Service worker of the field portal (scope /field/). Served by core.views.field_service_worker
 * so that its scope can be /field/ and its cache names carry the deployed version.
 * - Pages under /field/: network first; a copy of each page opened is kept for offline use.
 * - Static files: cache first (they are versioned by the deploy).
 * - A POST that cannot reach the server is stored in the outbox (IndexedDB) instead of failing,
 *   and the member is sent to the outbox page, which resends it when the signal returns.
 * - Background Sync ("sv-outbox"): sends the current account's waiting items without a page.
 * - After a logout on this phone (state "logout", set by field-offline.js) no portal page is
 *   served, from the cache or the network, until the server has logged that account out: when
 *   a page of the same account comes back from the server, the worker logs it out first.
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
var MANIFEST = "{{ manifest_url }}";
var LOGOUT_URL = "{{ logout_url }}";

// Shown instead of any portal page after a local logout (no script, no data).
function loggedOutPage() {
  var html = "<!doctype html><html lang=\"{{ lang }}\"><head><meta charset=\"utf-8\">" +
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">" +
    "<meta http-equiv=\"refresh\" content=\"20\"><title>{{ logged_out_title|escapejs }}</title></head>" +
    "<body style=\"font-family:sans-serif;margin:1rem\"><main><h1>{{ logged_out_title|escapejs }}</h1>" +
    "<p id=\"sv-logged-out\">{{ logged_out_text|escapejs }}</p>" +
    "<p><a href=\"/accounts/login/\">{{ login_text|escapejs }}</a></p></main></body></html>";
  return new Response(html, { status: 200, headers: { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" } });
}

function ownerOf(response) {
  return response.clone().text().then(function (text) {
    var m = text.match(/data-sv-owner="([0-9a-f]*)"/);
    return m ? m[1] : "";
  });
}

// The page of a navigation while a local logout is not yet done on the server.
function afterLogout(request, flag) {
  return fetch(request).then(function (response) {
    return ownerOf(response).then(function (pageOwner) {
      if (!pageOwner || pageOwner !== flag.owner) {
        // Logged out on the server already (or another account logged in): done.
        return SVOutbox.writeState("logout", null).then(function () { return response; });
      }
      var body = new URLSearchParams(); body.append("csrfmiddlewaretoken", flag.csrf || "");
      return fetch(LOGOUT_URL, { method: "POST", body: body, credentials: "same-origin", redirect: "manual",
                                 headers: { "X-CSRFToken": flag.csrf || "" } })
        .then(function (answer) {
          if (answer.type !== "opaqueredirect" && !answer.ok) { return loggedOutPage(); }
          return SVOutbox.writeState("logout", null).then(function () { return Response.redirect("/", 303); });
        }, loggedOutPage);
    });
  }, loggedOutPage);
}

function sendWaiting() {
  // Only the account the phone is logged in with (state "owner"); the server checks it too.
  return SVOutbox.readState("logout").then(function (flag) {
    if (flag) { return null; }
    return SVOutbox.readState("owner");
  }).then(function (state) {
    if (!state || !state.owner) { return; }
    return SVOutbox.exclusive(function () { return SVOutbox.all().then(function (items) {
      var queue = items.filter(function (i) { return i.owner === state.owner && i.status === "pending"; });
      return queue.reduce(function (p, item) {
        return p.then(function () { return SVOutbox.send(item, state.csrf || "", function () { return ""; }); });
      }, Promise.resolve());
    }); }).then(function () {
      return self.clients.matchAll().then(function (list) { list.forEach(function (c) { c.postMessage({ type: "synced" }); }); });
    });
  });
}

self.addEventListener("sync", function (event) {
  if (event.tag === "sv-outbox") { event.waitUntil(sendWaiting()); }
});

self.addEventListener("install", function (event) {
  // Kept without the session cookie: the shell pages name no account (field-offline.js).
  var requests = PRECACHE.map(function (u) { return new Request(u, { credentials: "omit" }); });
  event.waitUntil(caches.open(SHELL).then(function (c) { return c.addAll(requests); }).then(function () { return self.skipWaiting(); }));
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
    // The account the phone is logged in with (set by each page): the item is that account's.
    return SVOutbox.readState("owner").then(function (state) {
      item.owner = state && state.owner ? state.owner : undefined;
      return SVOutbox.put(item);
    }).then(function () { return Response.redirect("/field/outbox/?saved=" + encodeURIComponent(item.key), 303); });
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

  if (url.pathname === MANIFEST) {
    event.respondWith(fetch(request).then(function (response) {
      if (response.ok) { var clone = response.clone(); caches.open(SHELL).then(function (c) { c.put(MANIFEST, clone); }); }
      return response;
    }).catch(function () { return caches.match(MANIFEST); }));
    return;
  }

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
    event.respondWith(SVOutbox.readState("logout").then(function (flag) {
      return flag ? afterLogout(request, flag) : pageFromNetworkOrCache(request, url);
    }));
  }
});

function pageFromNetworkOrCache(request, url) {
    return fetch(request).then(function (response) {
      // A page marked no-store (e.g. a resident's form showing the full ID number) is never kept.
      var noStore = (response.headers.get("Cache-Control") || "").indexOf("no-store") !== -1;
      if (response.ok && !response.redirected && !noStore && (response.headers.get("Content-Type") || "").indexOf("text/html") === 0) {
        var clone = response.clone();
        caches.open(PAGES).then(function (c) {
          c.put(request, clone);
          // The outbox page as this account sees it (menu, logout), for use without a signal.
          return c.match("/field/outbox/").then(function (hit) {
            if (!hit && url.pathname !== "/field/outbox/") {
              return fetch("/field/outbox/", { credentials: "same-origin" }).then(function (r) {
                if (r.ok && !r.redirected) { return c.put("/field/outbox/", r); }
              });
            }
          });
        }).catch(function () {});
      }
      return response;
    }).catch(function () {
      // This account's copies (PAGES) first; the shell's are kept without an account.
      return caches.open(PAGES).then(function (c) {
        return c.match(request).then(function (hit) {
          return hit || (url.pathname === "/field/outbox/" ? c.match("/field/outbox/") : null);
        });
      }).then(function (hit) {
        return hit || caches.match(request).then(function (shellHit) {
          return shellHit || (url.pathname === "/field/outbox/" ? caches.match("/field/outbox/") : caches.match("/field/offline/"));
        });
      });
    });
}
