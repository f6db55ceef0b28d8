/* rescore: render the report's Vega-Lite charts with the locally served vega-embed bundle.
 * Specs are inline JSON (script type="application/json"), so pages work offline; a big spec
 * (data-spec-src: the suite heatmap of many runs) is fetched from its file instead, once.
 * Charts are re-rendered with the dark theme when the reader switches mkdocs-material's
 * palette. */
(function () {
  "use strict";
  function isDark() {
    return document.body.getAttribute("data-md-color-scheme") === "slate";
  }
  var specs = {};
  function spec(el) {
    var source = el.querySelector('script[type="application/json"]');
    if (source) return Promise.resolve(JSON.parse(source.textContent));
    var src = el.getAttribute("data-spec-src");
    if (!src) return null;
    if (!specs[src]) {
      specs[src] = fetch(src).then(function (r) {
        if (!r.ok) throw new Error("HTTP " + r.status);
        return r.json();
      });
    }
    return specs[src];
  }
  function render(el) {
    var loaded = spec(el);
    if (!loaded || typeof window.vegaEmbed !== "function") {
      el.setAttribute("data-error", loaded ? "vega-embed not loaded" : "no chart spec");
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
    loaded
      .then(function (json) {
        return window.vegaEmbed(target, json, options);
      })
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
  // A config page's prompt and reference answer come, when opened, from the suite's JSON
  // (one file shared by every config page); the text goes in as textContent, never as HTML.
  var texts = {};
  function fill(d) {
    if (d.getAttribute("data-filled")) return;
    d.setAttribute("data-filled", "loading");
    var src = d.getAttribute("data-src");
    if (!texts[src]) {
      texts[src] = fetch(src).then(function (r) {
        if (!r.ok) throw new Error("HTTP " + r.status);
        return r.json();
      });
    }
    texts[src].then(function (all) {
      var q = all[d.getAttribute("data-key")];
      var text = q && q[d.getAttribute("data-field")];
      if (typeof text !== "string") throw new Error("no text");
      var pre = document.createElement("pre");
      pre.textContent = text;
      d.appendChild(pre);
      var note = d.querySelector(".rescore-lazy-note");
      if (note) note.hidden = true;
      d.setAttribute("data-filled", "1");
    }).catch(function () {
      delete texts[src];  // e.g. opened from file://: the question page link stays
      d.removeAttribute("data-filled");
    });
  }
  // A chart drawn while its <details> was closed had no width: draw it again when opened.
  function onToggle(e) {
    var d = e.target;
    if (d.tagName === "DETAILS" && d.open) {
      if (d.classList.contains("rescore-lazy")) fill(d);
      d.querySelectorAll(".rescore-chart").forEach(render);
    }
  }
  // A link to a section whose body is collapsed (#role on Acceleration) opens it.
  function openTarget() {
    var id = decodeURIComponent(location.hash.slice(1));
    var el = id && document.getElementById(id);
    if (!el) return;
    var d = el.tagName === "DETAILS" ? el : el.nextElementSibling;
    while (d && d.tagName !== "DETAILS" && !/^H[1-6]$/.test(d.tagName)) d = d.nextElementSibling;
    if (d && d.tagName === "DETAILS") d.open = true;
  }
  function start() {
    renderAll();
    document.addEventListener("toggle", onToggle, true);
    window.addEventListener("hashchange", openTarget);
    openTarget();
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
