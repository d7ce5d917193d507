/* The Leaflet set-up shared by the portal's maps (dashboards/map.js, provinces/map.js): loaded
   after leaflet.js and before the page's own script. SVMap.start(options) reads the page's
   configuration from a <script type="application/json"> (CSP-safe), draws the map with the
   attribution control off (it writes HTML) and the tile credit as text below, fetches
   config.dataUrl and hands the JSON to options.draw(map, data, config), which returns the count
   written to the box's data-loaded attribute ("error" when the fetch fails).
   Data only ever reaches the page as text nodes: SVMap.textNode(...) is a tooltip's content
   (Leaflet appends a Node as it is; never an HTML string; docs/security.md, finding 1). The
   pages run under `require-trusted-types-for 'script'`. */
(function () {
  "use strict";

  /* One <span> holding the joined parts as a single text node. */
  function textNode() {
    var span = document.createElement("span");
    span.textContent = Array.prototype.join.call(arguments, "");
    return span;
  }

  function start(options) {
    var node = document.getElementById(options.configId);
    var box = document.getElementById(options.boxId);
    if (!node || !box || typeof L === "undefined") { return; }
    var config = JSON.parse(node.textContent);
    var map = L.map(box, { zoomControl: true, attributionControl: false });
    if (config.tileUrl) {
      L.tileLayer(config.tileUrl, { maxZoom: options.maxZoom }).addTo(map);
      var credit = document.createElement("p");
      credit.className = options.creditClass || "small text-muted mb-0";
      credit.textContent = "© OpenStreetMap";
      box.insertAdjacentElement("afterend", credit);
    }
    map.setView(options.center, options.zoom);
    fetch(config.dataUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (data) {
        box.setAttribute("data-loaded", String(options.draw(map, data, config)));
      })
      .catch(function () { box.setAttribute("data-loaded", "error"); });
  }

  window.SVMap = { start: start, textNode: textNode };
})();
