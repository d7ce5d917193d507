// "Use my location": fills the latitude/longitude fields from the browser's geolocation.
(function () {
  "use strict";
  var button = document.getElementById("use-location");
  if (!button) return;
  var status = document.getElementById("location-status");
  var lat = document.getElementById("id_latitude");
  var lon = document.getElementById("id_longitude");
  function say(text) { if (status) status.textContent = text; }
  if (!("geolocation" in navigator)) { button.disabled = true; return; }
  button.addEventListener("click", function () {
    say(button.dataset.busy);
    button.disabled = true;
    navigator.geolocation.getCurrentPosition(function (pos) {
      lat.value = pos.coords.latitude.toFixed(6);
      lon.value = pos.coords.longitude.toFixed(6);
      say((button.dataset.done || "").replace("{m}", Math.round(pos.coords.accuracy)));
      button.disabled = false;
    }, function () {
      say(button.dataset.failed);
      button.disabled = false;
    }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  });
})();
