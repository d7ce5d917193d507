/*
 * A filter for a long list of checkboxes (the plate order's households): typing hides the rows
 * whose search key does not contain the text (accents dropped, đ = d, as the server's
 * core.text.fold), ticks are kept while rows are hidden, and a button ticks every row shown.
 * Markup: <input data-tick-filter="LIST_ID" data-status-template="{shown} ... {total}"
 * data-select-radio="RADIO_ID">, <button data-tick-shown="LIST_ID">, rows [data-search] in
 * #LIST_ID, a status line #LIST_ID-status. Text only (textContent), never HTML.
 */
(function () {
  "use strict";

  function fold(text) {
    return text
      .normalize("NFD")
      .replace(/[\u0300-\u036f]/g, "")
      .replace(/[đĐ]/g, "d")
      .toLowerCase()
      .replace(/\s+/g, " ")
      .trim();
  }

  function rowsOf(listId) {
    var list = document.getElementById(listId);
    return list ? Array.prototype.slice.call(list.querySelectorAll("[data-search]")) : [];
  }

  function selectRadio(input) {
    var radio = input && document.getElementById(input.dataset.selectRadio || "");
    if (radio) radio.checked = true;
  }

  document.querySelectorAll("[data-tick-filter]").forEach(function (input) {
    var listId = input.dataset.tickFilter;
    var rows = rowsOf(listId);
    var status = document.getElementById(listId + "-status");
    var template = input.dataset.statusTemplate || "{shown} / {total}";

    function apply() {
      var wanted = fold(input.value);
      var shown = 0;
      rows.forEach(function (row) {
        var hit = !wanted || row.dataset.search.indexOf(wanted) !== -1;
        row.hidden = !hit;
        if (hit) shown += 1;
      });
      if (status) {
        status.textContent = wanted
          ? template.replace("{shown}", shown).replace("{total}", rows.length)
          : "";
      }
    }

    input.addEventListener("input", apply);
    // Enter in the filter must not send the order.
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") event.preventDefault();
    });
    var list = document.getElementById(listId);
    if (list) {
      list.addEventListener("change", function () {
        selectRadio(input);
      });
    }
    apply();
  });

  document.querySelectorAll("[data-tick-shown]").forEach(function (button) {
    button.addEventListener("click", function () {
      var listId = button.dataset.tickShown;
      rowsOf(listId).forEach(function (row) {
        var box = row.querySelector("input[type=checkbox]");
        if (box && !row.hidden) box.checked = true;
      });
      selectRadio(document.querySelector('[data-tick-filter="' + listId + '"]'));
    });
  });
})();
