// Every portal page: after a form comes back with errors, focus goes to the first field in
// error (or the error message) instead of the top of the page, so keyboard and screen-reader
// users land where they must act (WCAG 3.3.1). No HTML is built here (trusted types).
(function () {
  "use strict";
  function focusFirstError() {
    var main = document.getElementById("main");
    if (!main) return;
    var field = main.querySelector(".is-invalid, [aria-invalid='true']");
    if (field && typeof field.focus === "function") {
      field.focus();
      return;
    }
    var message = main.querySelector(".alert-danger, .errorlist, .invalid-feedback");
    if (message) {
      message.setAttribute("tabindex", "-1");
      message.focus();
    }
  }
  // A table wider than the phone scrolls sideways: keyboard users must reach it too (WCAG 2.1.1).
  function focusableScrollers() {
    var boxes = document.querySelectorAll(".table-responsive:not([tabindex])");
    Array.prototype.forEach.call(boxes, function (box) {
      if (box.scrollWidth > box.clientWidth) { box.setAttribute("tabindex", "0"); }
    });
  }
  function ready() { focusableScrollers(); focusFirstError(); }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
