/* rescore: render the report's Vega-Lite charts with the locally served vega-embed bundle.
 * Specs are inline JSON (script type="application/json"), so pages work offline; charts are
 * re-rendered with the dark theme when the reader switches mkdocs-material's palette. */
(function () {
  "use strict";
  function isDark() {
    return document.body.getAttribute("data-md-color-scheme") === "slate";
  }
  function render(el) {
    var source = el.querySelector('script[type="application/json"]');
    if (!source || typeof window.vegaEmbed !== "function") {
      el.setAttribute("data-error", "vega-embed not loaded");
      return;
    }
    var target = el.querySelector(".rescore-chart-view");
    if (!target) {
      target = document.createElement("div");
      target.className = "rescore-chart-view";
      el.appendChild(target);
    }
    if (el._rescoreView) {
      el._rescoreView.finalize();
      el._rescoreView = null;
    }
    var options = {
      renderer: "svg",
      actions: { export: true, source: false, compiled: false, editor: false },
    };
    if (isDark()) {
      options.theme = "dark";
    }
    window.vegaEmbed(target, JSON.parse(source.textContent), options)
      .then(function (result) {
        el._rescoreView = result.view;
        el.setAttribute("data-rendered", isDark() ? "dark" : "light");
      })
      .catch(function (err) {
        el.setAttribute("data-error", String(err));
        console.error("rescore chart", el.getAttribute("data-chart"), err);
      });
  }
  function renderAll() {
    document.querySelectorAll(".rescore-chart").forEach(render);
  }
  function start() {
    renderAll();
    new MutationObserver(renderAll).observe(document.body, {
      attributes: true,
      attributeFilter: ["data-md-color-scheme"],
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
