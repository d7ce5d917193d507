// "Another resident": adds one more resident form to the formset (clones the empty form).
(function () {
  "use strict";
  var button = document.getElementById("add-resident");
  var template = document.getElementById("resident-empty");
  var list = document.getElementById("resident-forms");
  var total = document.getElementById("id_residents-TOTAL_FORMS");
  if (!button || !template || !list || !total) return;
  button.addEventListener("click", function () {
    var index = parseInt(total.value, 10);
    var html = template.innerHTML.replace(/__prefix__/g, String(index));
    list.insertAdjacentHTML("beforeend", html);
    total.value = String(index + 1);
    var first = list.lastElementChild.querySelector("input[type=text]");
    if (first) first.focus();
  });
})();
