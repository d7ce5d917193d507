/* Officials' map (dashboards:map): households coloured by status and village assets.
   Configuration comes from <script type="application/json" id="dash-map-config"> (CSP-safe). */
(function () {
  "use strict";
  var node = document.getElementById("dash-map-config");
  var box = document.getElementById("dash-map");
  if (!node || !box || typeof L === "undefined") { return; }
  var config = JSON.parse(node.textContent);
  var colours = { complete: "#009E73", missing: "#D55E00" };
  var map = L.map(box, { zoomControl: true, attributionControl: Boolean(config.tileUrl) });
  if (config.tileUrl) {
    L.tileLayer(config.tileUrl, { maxZoom: 19, attribution: "© OpenStreetMap" }).addTo(map);
  }
  map.setView([21.3, 107.6], 13);

  function setCount(name, value) {
    var el = document.getElementById("dash-count-" + name);
    if (el) { el.textContent = String(value); }
  }

  fetch(config.dataUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.json();
    })
    .then(function (data) {
      var bounds = [];
      data.households.forEach(function (h) {
        var marker = L.circleMarker([h.lat, h.lon], {
          radius: 7, weight: 1, color: "#212529",
          fillColor: colours[h.status] || "#6c757d", fillOpacity: 0.9,
          className: "dash-point dash-point-" + h.status
        });
        marker.bindTooltip(config.labels.household + " " + h.number + ": " + (config.labels[h.status] || ""));
        marker.addTo(map);
        bounds.push([h.lat, h.lon]);
      });
      data.assets.forEach(function (a) {
        var icon = L.divIcon({
          className: "dash-asset-icon " + (a.working ? "dash-asset-working" : "dash-asset-broken"),
          iconSize: [14, 14]
        });
        var marker = L.marker([a.lat, a.lon], { icon: icon, keyboard: false, title: a.label });
        marker.bindTooltip(a.label + ": " + a.name + " (" + (a.working ? config.labels.working : config.labels.broken) + ")");
        marker.addTo(map);
        bounds.push([a.lat, a.lon]);
      });
      Object.keys(data.counts).forEach(function (name) { setCount(name, data.counts[name]); });
      if (bounds.length) { map.fitBounds(bounds, { padding: [24, 24], maxZoom: 18, animate: false }); }
      box.setAttribute("data-loaded", String(data.households.length));
    })
    .catch(function () {
      box.setAttribute("data-loaded", "error");
    });
})();
