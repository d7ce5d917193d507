// "Another resident": adds one more resident form to the formset (clones the empty form).
// The <template> is cloned as nodes and only attribute values are renamed: no HTML string is
// ever parsed (the page runs under require-trusted-types-for 'script').
(function () {
  "use strict";
  var button = document.getElementById("add-resident");
  var template = document.getElementById("resident-empty");
  var list = document.getElementById("resident-forms");
  var total = document.getElementById("id_residents-TOTAL_FORMS");
  if (!button || !template || !list || !total) return;
  button.addEventListener("click", function () {
    var index = String(parseInt(total.value, 10));
    var copy = template.content.cloneNode(true);
    Array.prototype.forEach.call(copy.querySelectorAll("*"), function (el) {
      Array.prototype.forEach.call(el.attributes, function (attr) {
        if (attr.value.indexOf("__prefix__") !== -1) {
          attr.value = attr.value.replace(/__prefix__/g, index);
        }
      });
    });
    list.appendChild(copy);
    total.value = String(parseInt(index, 10) + 1);
    var first = list.lastElementChild.querySelector("input[type=text]");
    if (first) first.focus();
  });
})();
