/* Province map (provinces:overview): one point per commune, coloured by criteria met.
   Set-up, configuration (<script id="province-map-config">) and fetch: js/map_base.js; points
   from provinces:map_data. Names and numbers only ever reach the page as text nodes (tooltips
   get DOM nodes, never HTML strings; docs/security.md, finding 1). */
(function () {
  "use strict";
  if (typeof SVMap === "undefined") { return; }
  var colours = { all: "#009E73", some: "#E69F00", none: "#D55E00" };

  function kind(c) {
    if (c.total > 0 && c.met === c.total) { return "all"; }
    return c.met > 0 ? "some" : "none";
  }

  SVMap.start({
    configId: "province-map-config",
    boxId: "province-map",
    maxZoom: 18,
    center: [21.1, 107.3],
    zoom: 9,
    draw: function (map, data, config) {
      var bounds = [];
      // A few communes: their names stay on the map; many: on hover (they would overlap).
      var named = data.communes.length <= 15;
      data.communes.forEach(function (c) {
        var k = kind(c);
        var marker = L.circleMarker([c.lat, c.lon], {
          radius: 9, weight: 1, color: "#212529", fillColor: colours[k], fillOpacity: 0.9,
          className: "prov-point prov-point-" + k
        });
        marker.bindTooltip(SVMap.textNode(
          String(c.name), ": ", String(c.met), "/", String(c.total), " ", config.labels.met
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
      return data.communes.length;
    }
  });
})();
