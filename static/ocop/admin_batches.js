// Stamp batches in the admin: while a batch is queued or rendering, reload to show progress.
(function () {
  "use strict";
  if (document.querySelector(".ocop-rendering") && !document.querySelector("input.action-select:checked")) {
    window.setTimeout(function () { window.location.reload(); }, 4000);
  }
})();
