/* rescore: a small sortable-table script (no dependencies, served by the site itself).
 * Click or press Enter on a header of a table[data-sortable] to sort by that column; a cell's
 * data-sort attribute (numbers) wins over its text; th[data-sort-type="number"] sorts
 * numerically with empty cells last. Sorting is stable. MIT licence, part of rescore. */
(function () {
  "use strict";
  function value(row, index, numeric) {
    var cell = row.cells[index];
    if (!cell) return numeric ? null : "";
    var raw = cell.getAttribute("data-sort");
    if (raw === null) raw = cell.textContent.trim();
    if (!numeric) return raw.toLowerCase();
    var n = parseFloat(raw);
    return isNaN(n) ? null : n;
  }
  function compare(a, b, numeric) {
    if (numeric) {
      if (a === null && b === null) return 0;
      if (a === null) return 1;
      if (b === null) return -1;
      return a - b;
    }
    return a.localeCompare(b, undefined, { numeric: true });
  }
  function sort(table, index, th) {
    var numeric = th.getAttribute("data-sort-type") === "number";
    var descending = th.getAttribute("aria-sort") === "ascending" ||
      (numeric && th.getAttribute("aria-sort") === null);
    table.querySelectorAll("thead th").forEach(function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", descending ? "descending" : "ascending");
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows).map(function (row, i) {
      return { row: row, i: i, v: value(row, index, numeric) };
    });
    rows.sort(function (a, b) {
      var nullLast = numeric && (a.v === null || b.v === null);
      var c = compare(a.v, b.v, numeric);
      if (!nullLast && descending) c = -c;
      return c || a.i - b.i;
    });
    rows.forEach(function (r) { body.appendChild(r.row); });
  }
  function init(table) {
    if (table.getAttribute("data-sortable-ready")) return;
    table.setAttribute("data-sortable-ready", "1");
    table.querySelectorAll("thead th").forEach(function (th, index) {
      th.tabIndex = 0;
      th.addEventListener("click", function () { sort(table, index, th); });
      th.addEventListener("keydown", function (e) {
        if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sort(table, index, th); }
      });
    });
  }
  function start() {
    document.querySelectorAll("table[data-sortable]").forEach(init);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
