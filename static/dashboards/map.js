/* Officials' map (dashboards:map): households coloured by status and village assets.
   Set-up, configuration (<script id="dash-map-config">) and fetch: js/map_base.js. Data from
   /dashboard/map/data.json is plain text: it only ever reaches the page as text nodes
   (tooltips get DOM nodes, never HTML strings; docs/security.md, finding 1). */
(function () {
  "use strict";
  if (typeof SVMap === "undefined") { return; }
  var colours = { complete: "#009E73", missing: "#D55E00" };
  /* A tooltip's content: one text node (Leaflet appends a Node as it is). */
  var textContent = SVMap.textNode;

  function setCount(name, value) {
    var el = document.getElementById("dash-count-" + name);
    if (el) { el.textContent = String(value); }
  }

  function text(value) { return value === null || value === undefined ? "" : String(value); }

  SVMap.start({
    configId: "dash-map-config",
    boxId: "dash-map",
    maxZoom: 19,
    creditClass: "dash-map-credit small text-muted mb-0",
    center: [21.3, 107.6],
    zoom: 13,
    draw: function (map, data, config) {
      var bounds = [];
      // Background without tiles: each village's settled area, named (text nodes only).
      (data.areas || []).forEach(function (area) {
        var shape = L.polygon(area.outline, {
          color: area.current ? "#0f5132" : "#6c757d", weight: area.current ? 2 : 1,
          fillColor: area.current ? "#d1e7dd" : "#e9ecef", fillOpacity: 0.5,
          dashArray: area.current ? null : "4 4", interactive: false,
          className: "dash-area" + (area.current ? " dash-area-current" : "")
        }).addTo(map);
        shape.bindTooltip(textContent(text(area.name)), {
          permanent: true, direction: "center", className: "dash-area-label"
        });
      });
      data.households.forEach(function (h) {
        var status = colours[h.status] ? h.status : "other";
        var marker = L.circleMarker([h.lat, h.lon], {
          radius: 7, weight: 1, color: "#212529",
          fillColor: colours[status] || "#6c757d", fillOpacity: 0.9,
          className: "dash-point dash-point-" + status
        });
        marker.bindTooltip(textContent(
          config.labels.household, " ", text(h.number), ": ", config.labels[status] || ""
        ));
        marker.addTo(map);
        bounds.push([h.lat, h.lon]);
      });
      data.assets.forEach(function (a) {
        var icon = L.divIcon({
          className: "dash-asset-icon " + (a.working ? "dash-asset-working" : "dash-asset-broken"),
          iconSize: [14, 14],
          html: document.createElement("span") // a Node: Leaflet appends it (no innerHTML)
        });
        var marker = L.marker([a.lat, a.lon], { icon: icon, keyboard: false, title: text(a.label) });
        marker.bindTooltip(textContent(
          text(a.label), ": ", text(a.name),
          " (", a.working ? config.labels.working : config.labels.broken, ")"
        ));
        marker.addTo(map);
        bounds.push([a.lat, a.lon]);
      });
      Object.keys(data.counts).forEach(function (name) { setCount(name, data.counts[name]); });
      if (bounds.length) { map.fitBounds(bounds, { padding: [24, 24], maxZoom: 18, animate: false }); }
      return data.households.length;
    }
  });
})();
