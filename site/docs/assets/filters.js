/* rescore: the filter bar above a table.rescore-filterable (rescore/site/widgets.py).
 * Free text matches the row's text; the other controls match the row's data-* attributes:
 * data-variant="1" (hide variants), data-ranked="0" (hide below the coverage rule),
 * data-family, data-quant, data-size (billions), data-score. Served locally, no network. */
(function () {
  "use strict";
  function value(bar, cls) {
    var el = bar.querySelector("." + cls);
    if (!el) return null;
    if (el.type === "checkbox") return el.checked;
    return el.value;
  }
  function apply(bar, table) {
    var text = (value(bar, "rescore-filter-text") || "").toLowerCase().trim();
    var words = text ? text.split(/\s+/) : [];
    var hideVariants = value(bar, "rescore-filter-variants");
    var hideUnranked = value(bar, "rescore-filter-ranked");
    var family = value(bar, "rescore-filter-family");
    var quant = value(bar, "rescore-filter-quant");
    var score = value(bar, "rescore-filter-score");
    var min = parseFloat(value(bar, "rescore-filter-size-min"));
    var max = parseFloat(value(bar, "rescore-filter-size-max"));
    var shown = 0, total = 0;
    table.querySelectorAll("tbody tr").forEach(function (tr) {
      total += 1;
      var d = tr.dataset, ok = true;
      if (words.length) {
        var hay = (tr.textContent + " " + (d.search || "")).toLowerCase();
        ok = words.every(function (w) { return hay.indexOf(w) >= 0; });
      }
      if (ok && hideVariants && d.variant === "1") ok = false;
      if (ok && hideUnranked && d.ranked === "0") ok = false;
      if (ok && family && d.family !== family) ok = false;
      if (ok && quant && d.quant !== quant) ok = false;
      if (ok && score && d.score !== score) ok = false;
      var size = parseFloat(d.size);
      if (ok && !isNaN(min) && !(size >= min)) ok = false;
      if (ok && !isNaN(max) && !(size <= max)) ok = false;
      tr.hidden = !ok;
      if (ok) shown += 1;
    });
    var count = bar.querySelector(".rescore-filter-count");
    if (count) count.textContent = shown === total ? total + " rows" : shown + " of " + total + " rows";
  }
  function init(bar) {
    var sel = "table.rescore-filterable", table = null, n = bar.nextElementSibling;
    while (n && !table) {
      table = n.matches(sel) ? n : n.querySelector(sel);
      n = n.nextElementSibling;
    }
    if (!table || bar.getAttribute("data-ready")) return;
    bar.setAttribute("data-ready", "1");
    var run = function () { apply(bar, table); };
    bar.querySelectorAll("input, select").forEach(function (el) {
      el.addEventListener("input", run);
      el.addEventListener("change", run);
    });
    var params = new URLSearchParams(window.location.search);
    if (params.get("q")) {
      bar.querySelector(".rescore-filter-text").value = params.get("q");
    }
    run();
  }
  function start() { document.querySelectorAll(".rescore-filters").forEach(init); }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
