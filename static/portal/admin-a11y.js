/* Django's tabular inlines render their inputs without labels (the column header is
   the only caption). Give each field the accessible name of its column, on load and
   for rows added with "Add another". */
(function () {
  "use strict";
  function labelRows(root) {
    root.querySelectorAll(".tabular table").forEach(function (table) {
      var headers = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
        return th.textContent.replace(/\s+/g, " ").trim();
      });
      table.querySelectorAll("tbody tr").forEach(function (row) {
        Array.prototype.forEach.call(row.children, function (cell, index) {
          var name = headers[index] || "";
          cell.querySelectorAll("input:not([type=hidden]), select, textarea").forEach(function (field) {
            if (field.labels && field.labels.length) { return; }
            if (field.getAttribute("aria-label")) { return; }
            var label = name;
            if (field.type === "checkbox" && field.name.endsWith("-DELETE")) { label = "Delete"; }
            if (label) { field.setAttribute("aria-label", label); }
          });
        });
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { labelRows(document); });
  document.addEventListener("formset:added", function (event) { labelRows(event.target.closest(".inline-group") || document); });
})();
