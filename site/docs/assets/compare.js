/* rescore: the compare view. Reads ?configs=a,b, fetches the JSON written at build time
 * (assets/compare/index.json and one file per config) and shows the answers side by side.
 * Everything shown is inserted as text (textContent), never as HTML. */
(function () {
  "use strict";
  var root = document.getElementById("rescore-compare");
  if (!root) return;
  var base = root.getAttribute("data-base") || "./";
  var data = base + "assets/compare/";
  var index = [], bySlug = {}, byConfig = {}, answers = {};
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }
  function chosen() {
    var p = new URLSearchParams(window.location.search).get("configs") || "";
    return p.split(",").map(function (s) { return s.trim(); }).filter(function (c) {
      return byConfig[c];
    });
  }
  function setChosen(list) {
    var url = new URL(window.location.href);
    url.searchParams.set("configs", list.join(","));
    history.replaceState(null, "", url.toString());
    load();
  }
  function load() {
    var list = chosen();
    Promise.all(list.map(function (c) {
      var slug = byConfig[c].slug;
      if (answers[slug]) return Promise.resolve();
      return fetch(data + slug + ".json").then(function (r) { return r.json(); })
        .then(function (j) { answers[slug] = j; });
    })).then(function () { render(list); });
  }
  function render(list) {
    var chosenEl = root.querySelector(".rescore-compare-chosen");
    chosenEl.textContent = "";
    list.forEach(function (c) {
      var b = el("button", "\u00d7 " + byConfig[c].label + " (" + c + ")", "rescore-badge");
      b.type = "button";
      b.addEventListener("click", function () {
        setChosen(list.filter(function (x) { return x !== c; }));
      });
      chosenEl.appendChild(b);
    });
    var grid = root.querySelector(".rescore-compare-grid");
    grid.textContent = "";
    if (list.length < 2) {
      grid.appendChild(el("p", "Pick at least two configs to compare."));
      return;
    }
    var disagree = root.querySelector(".rescore-compare-disagree").checked;
    var fail = root.querySelector(".rescore-compare-fail").checked;
    var keys = {};
    list.forEach(function (c) { Object.keys(answers[byConfig[c].slug]).forEach(function (k) { keys[k] = 1; }); });
    var table = el("table", null, "rescore-table rescore-compare-table");
    var head = el("tr");
    head.appendChild(el("th", "Question"));
    list.forEach(function (c) { head.appendChild(el("th", byConfig[c].label + " (" + c + ")")); });
    var thead = el("thead"); thead.appendChild(head); table.appendChild(thead);
    var tbody = el("tbody"), rows = 0;
    Object.keys(keys).sort().forEach(function (k) {
      var cells = list.map(function (c) { return answers[byConfig[c].slug][k]; });
      var scores = cells.map(function (a) { return a ? a.score : undefined; });
      var distinct = scores.filter(function (s, i) { return scores.indexOf(s) === i; });
      if (disagree && distinct.length < 2) return;
      if (fail && !scores.some(function (s) { return s !== null && s !== undefined && s < 2; })) return;
      var tr = el("tr");
      tr.appendChild(el("td", k));
      cells.forEach(function (a) {
        var td = el("td");
        if (!a) { td.textContent = "no answer"; tr.appendChild(td); return; }
        var s = el("strong", a.score === null ? "not judged" : "score " + a.score);
        td.appendChild(s);
        if (a.flags && a.flags.length) td.appendChild(el("div", "flags: " + a.flags.join(", "), "rescore-flags"));
        if (a.reason) td.appendChild(el("div", a.reason, "rescore-reason"));
        var det = el("details"), sum = el("summary", "answer");
        det.appendChild(sum);
        det.appendChild(el("pre", a.answer + (a.truncated ? "\u2026" : "")));
        td.appendChild(det);
        var link = el("a", "full answer");
        link.href = base + a.page + "#" + a.anchor;
        td.appendChild(link);
        tr.appendChild(td);
      });
      tbody.appendChild(tr);
      rows += 1;
    });
    table.appendChild(tbody);
    grid.appendChild(el("p", rows + " questions shown.", "rescore-compare-count"));
    grid.appendChild(table);
  }
  fetch(data + "index.json").then(function (r) { return r.json(); }).then(function (list) {
    index = list;
    var dl = document.getElementById("rescore-compare-configs");
    index.forEach(function (c) {
      bySlug[c.slug] = c; byConfig[c.config] = c;
      var o = document.createElement("option");
      o.value = c.config;
      o.label = c.label + " \u2014 " + (c.role || "");
      dl.appendChild(o);
    });
    var pick = root.querySelector(".rescore-compare-pick");
    pick.addEventListener("change", function () {
      var c = pick.value.trim();
      if (byConfig[c]) {
        var list = chosen();
        if (list.indexOf(c) < 0) list.push(c);
        pick.value = "";
        setChosen(list);
      }
    });
    root.querySelectorAll("input[type=checkbox]").forEach(function (cb) {
      cb.addEventListener("change", function () { render(chosen()); });
    });
    load();
  });
})();
