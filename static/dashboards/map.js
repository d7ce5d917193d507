/* Officials' map (dashboards:map): households coloured by status and village assets.
   Configuration comes from <script type="application/json" id="dash-map-config"> (CSP-safe).
   Data from /dashboard/map/data.json is plain text: it only ever reaches the page as text nodes
   (tooltips get DOM nodes, never HTML strings; docs/security.md, finding 1). The page runs under
   `require-trusted-types-for 'script'`: an HTML string given to a sink throws instead. */
(function () {
  "use strict";
  var node = document.getElementById("dash-map-config");
  var box = document.getElementById("dash-map");
  if (!node || !box || typeof L === "undefined") { return; }
  var config = JSON.parse(node.textContent);
  var colours = { complete: "#009E73", missing: "#D55E00" };
  // Leaflet's attribution control writes HTML: the attribution is drawn as text below instead.
  var map = L.map(box, { zoomControl: true, attributionControl: false });
  if (config.tileUrl) {
    L.tileLayer(config.tileUrl, { maxZoom: 19 }).addTo(map);
    var credit = document.createElement("p");
    credit.className = "dash-map-credit small text-muted mb-0";
    credit.textContent = "© OpenStreetMap";
    box.insertAdjacentElement("afterend", credit);
  }
  map.setView([21.3, 107.6], 13);

  function setCount(name, value) {
    var el = document.getElementById("dash-count-" + name);
    if (el) { el.textContent = String(value); }
  }

  /* A tooltip's content: one text node (Leaflet appends a Node as it is). */
  function textContent() {
    var span = document.createElement("span");
    span.textContent = Array.prototype.join.call(arguments, "");
    return span;
  }

  function text(value) { return value === null || value === undefined ? "" : String(value); }

  fetch(config.dataUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.json();
    })
    .then(function (data) {
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
      box.setAttribute("data-loaded", String(data.households.length));
    })
    .catch(function () {
      box.setAttribute("data-loaded", "error");
    });
})();
