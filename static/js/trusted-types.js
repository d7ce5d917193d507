/* Trusted Types "default" policy, loaded only on pages whose vendored libraries write HTML
   strings themselves: the officials' map (Leaflet: its zoom buttons and an "<svg/>" feature
   test) and the Django admin (jQuery and its plugins). Our own scripts never write HTML: they
   build nodes and set textContent (docs/security.md, finding 1).

   The policy parses each string in an inert document (DOMParser: no script runs, nothing loads)
   and accepts it only when it holds no active content: no script, frame, object, embed, base,
   meta, link or style element, no event-handler attribute (on*), no htmx attribute (hx-*,
   data-hx-*), no srcdoc, and no URL other than a relative, http(s), mailto or tel one. Anything
   else is refused (htmx pages: see data-htmx below): the sink throws and the browser reports a CSP violation. Script texts and
   script URLs are always refused (no createScript / createScriptURL). */
(function () {
  "use strict";
  var tt = window.trustedTypes;
  if (!tt || !tt.createPolicy || tt.defaultPolicy) { return; }

  var BLOCKED_TAGS = /^(script|iframe|frame|frameset|object|embed|applet|base|meta|link|style|portal|noscript|foreignobject|animate|set|handler|listener)$/i;
  var URL_ATTRS = /^(href|src|action|formaction|xlink:href|poster|data|background|cite|srcset|ping|lowsrc|dynsrc|manifest|codebase)$/i;
  var BLOCKED_ATTRS = /^(on|hx-|data-hx-)|^(srcdoc|is|ev:event)$/i;
  // Pages that use htmx (the import page) load this file with data-htmx: htmx swaps our own
  // server-rendered fragments, whose hx-get / hx-trigger / hx-swap it needs. hx-on (script) is
  // refused even there, and htmx runs with selfRequestsOnly and allowEval off.
  var script = document.currentScript;
  var htmx = Boolean(script && script.hasAttribute("data-htmx"));
  var HTMX_ATTRS = /^(data-)?hx-(get|trigger|swap|target|select|indicator|push-url|sync)$/i;
  var SAFE_URL = /^(?:[a-z][a-z0-9+.-]*:)?/i;
  var SAFE_SCHEMES = /^(https?|mailto|tel):$/i;

  // Only this module holds the parser's input type: it is never used to put HTML in the page.
  var inert = tt.createPolicy("sv-inert", { createHTML: function (s) { return s; } });
  var parser = new DOMParser();

  function safeUrl(value) {
    var v = String(value).replace(/[\u0000-\u0020\u007f-\u009f]/g, "");
    var scheme = (v.match(SAFE_URL) || [""])[0];
    return scheme === "" || SAFE_SCHEMES.test(scheme);
  }

  function isSafeTree(root) {
    var all = root.querySelectorAll("*");
    for (var i = 0; i < all.length; i += 1) {
      var el = all[i];
      if (BLOCKED_TAGS.test(el.localName)) { return false; }
      for (var j = 0; j < el.attributes.length; j += 1) {
        var attr = el.attributes[j];
        if (BLOCKED_ATTRS.test(attr.name) && !(htmx && HTMX_ATTRS.test(attr.name))) { return false; }
        if (URL_ATTRS.test(attr.name) && !safeUrl(attr.value)) { return false; }
      }
      // A template's content is a separate tree (a library may take it out): check it too.
      if (el.content && el.content.nodeType === 11 && !isSafeTree(el.content)) { return false; }
    }
    return true;
  }

  function isSafe(html) {
    if (html.indexOf("<") === -1) { return true; } // text only (or "")
    var doc = parser.parseFromString(inert.createHTML(html), "text/html");
    return isSafeTree(doc);
  }

  tt.createPolicy("default", {
    createHTML: function (html) {
      var text = String(html);
      return isSafe(text) ? text : null;
    }
  });
})();
