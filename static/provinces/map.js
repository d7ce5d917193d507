/* Province map (provinces:overview): one point per commune, coloured by criteria met.
   Configuration from <script type="application/json" id="province-map-config"> (CSP-safe);
   points from provinces:map_data. Names and numbers only ever reach the page as text nodes
   (tooltips get DOM nodes, never HTML strings; docs/security.md, finding 1); the page runs
   under `require-trusted-types-for 'script'`. */
(function () {
  "use strict";
  var node = document.getElementById("province-map-config");
  var box = document.getElementById("province-map");
  if (!node || !box || typeof L === "undefined") { return; }
  var config = JSON.parse(node.textContent);
  var colours = { all: "#009E73", some: "#E69F00", none: "#D55E00" };
  // Leaflet's attribution control writes HTML: the credit is drawn as text below instead.
  var map = L.map(box, { zoomControl: true, attributionControl: false });
  if (config.tileUrl) {
    L.tileLayer(config.tileUrl, { maxZoom: 18 }).addTo(map);
    var credit = document.createElement("p");
    credit.className = "small text-muted mb-0";
    credit.textContent = "© OpenStreetMap";
    box.insertAdjacentElement("afterend", credit);
  }
  map.setView([21.1, 107.3], 9);

  function label(text) {
    var span = document.createElement("span");
    span.textContent = text;
    return span;
  }

  function kind(c) {
    if (c.total > 0 && c.met === c.total) { return "all"; }
    return c.met > 0 ? "some" : "none";
  }

  fetch(config.dataUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.json();
    })
    .then(function (data) {
      var bounds = [];
      // A few communes: their names stay on the map; many: on hover (they would overlap).
      var named = data.communes.length <= 15;
      data.communes.forEach(function (c) {
        var k = kind(c);
        var marker = L.circleMarker([c.lat, c.lon], {
          radius: 9, weight: 1, color: "#212529", fillColor: colours[k], fillOpacity: 0.9,
          className: "prov-point prov-point-" + k
        });
        marker.bindTooltip(label(
          String(c.name) + ": " + String(c.met) + "/" + String(c.total) + " " + config.labels.met
        ), { permanent: named, direction: "right", className: "prov-point-label" });
        // Only our own checklist path (provinces:commune_checklist) is followed.
        if (typeof c.url === "string" && c.url.charAt(0) === "/" && c.url.charAt(1) !== "/") {
          marker.on("click", function () { window.location.assign(c.url); });
        }
        marker.addTo(map);
        bounds.push([c.lat, c.lon]);
      });
      if (bounds.length) { map.fitBounds(bounds, {
        paddingTopLeft: [24, 24], paddingBottomRight: [named ? 200 : 24, 24], maxZoom: 13, animate: false
      }); }
      box.setAttribute("data-loaded", String(data.communes.length));
    })
    .catch(function () { box.setAttribute("data-loaded", "error"); });
})();
