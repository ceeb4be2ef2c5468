"""The report's inline style and script (no network: nothing is fetched)."""

from __future__ import annotations

CSS = """
:root { --ok: #1a7f37; --bad: #cf222e; --muted: #57606a; --line: #d0d7de; --bar: #4c78a8; }
* { box-sizing: border-box; }
body { font: 14px/1.5 system-ui, -apple-system, "Segoe UI", "Noto Sans KR", sans-serif;
       margin: 0 auto; max-width: 1320px; padding: 1.5rem; color: #1f2328; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
h2 { font-size: 1.2rem; border-bottom: 1px solid var(--line); padding-bottom: .25rem; margin-top: 2rem; }
.meta, .note { color: var(--muted); }
table { border-collapse: collapse; width: 100%; margin: .5rem 0; }
.wide { overflow-x: auto; }
th, td { border: 1px solid var(--line); padding: .3rem .5rem; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.passed { color: var(--ok); font-weight: 600; }
.failed { color: var(--bad); font-weight: 600; }
pre { white-space: pre-wrap; word-break: break-word; margin: 0; max-height: 16rem; overflow: auto; }
figure { margin: 1rem 0; }
figcaption { font-weight: 600; }
svg text { font: 12px system-ui, sans-serif; fill: #1f2328; }
svg .bar { fill: var(--bar); }
svg .ci, svg .range { stroke: #1f2328; stroke-width: 1.5; fill: none; }
.controls { display: flex; flex-wrap: wrap; gap: 1rem; align-items: center; margin: .5rem 0; }
tr.sample[data-error="1"] td:first-child { border-left: 4px solid var(--bad); }
tr.sample[data-wrong="1"] td:first-child { border-left: 4px solid #bf8700; }
.legend { display: flex; flex-wrap: wrap; gap: .25rem 1rem; margin: .25rem 0; }
.key i { display: inline-block; width: .8rem; height: .8rem; margin-right: .3rem; vertical-align: -1px; }
svg .picked, .key i.picked { fill: #4c78a8; background: #4c78a8; }
svg .gold, .key i.gold { fill: #bab0ac; background: #bab0ac; }
svg .box { opacity: .8; }
svg .median { stroke: #1f2328; stroke-width: 2; }
svg .axis { stroke: var(--muted); fill: none; }
svg .line { fill: none; stroke-width: 2; }
svg .value { fill: var(--muted); }
.cards { display: flex; flex-wrap: wrap; gap: 1rem; }
.cards figure { border: 1px solid var(--line); border-radius: 6px; padding: .5rem .75rem; margin: 0;
                max-width: 380px; }
.cards ul { padding-left: 1.2rem; margin: .25rem 0; }
td.disagree a.item { margin-right: .4rem; white-space: nowrap; }
table.options { width: auto; margin: 0; }
table.options td { border: 0; padding: 0 .4rem 0 0; }
tr.option.gold td:first-child { font-weight: 700; color: var(--ok); }
tr.option.chosen td:nth-child(2) { text-decoration: underline; }
span.prob { display: inline-block; height: .6rem; background: var(--bar); }
tr.lb[data-rank="1"] td.name { font-weight: 700; }
"""

#: filters the sample table; the initial filter may come from the URL, e.g.
#: ``report.html#filter=wrong``, and ``#item=<sample id>`` (the links of the
#: paired comparisons) shows one item in every evaluation. Rows are only
#: shown or hidden: their text was escaped when the page was written and is
#: never parsed as HTML here.
SCRIPT = """
(function () {
  var kind = document.getElementById("filter");
  var which = document.getElementById("result-filter");
  var search = document.getElementById("search");
  var shown = document.getElementById("shown");
  var clear = document.getElementById("clear-item");
  if (!kind) { return; }
  var rows = Array.prototype.slice.call(document.querySelectorAll("#sample-table tbody tr"));
  var item = null;
  function apply() {
    var term = search.value.toLowerCase();
    var count = 0;
    rows.forEach(function (row) {
      var ok = (kind.value === "all" || row.getAttribute("data-" + kind.value) === "1")
        && (which.value === "" || row.getAttribute("data-result") === which.value)
        && (item === null || row.getAttribute("data-id") === item)
        && (term === "" || row.textContent.toLowerCase().indexOf(term) >= 0);
      row.hidden = !ok;
      if (ok) { count += 1; }
    });
    shown.textContent = count + " of " + rows.length + " shown";
    clear.hidden = item === null;
  }
  function fromHash() {
    var hash = window.location.hash;
    var wanted = /filter=(\\w+)/.exec(hash);
    if (wanted && kind.querySelector('option[value="' + wanted[1] + '"]')) { kind.value = wanted[1]; }
    var one = /item=([^&]+)/.exec(hash);
    item = null;
    if (one) {
      try { item = decodeURIComponent(one[1]); } catch (e) { item = null; }
    }
    apply();
    if (item !== null) { document.getElementById("samples").scrollIntoView(); }
  }
  kind.addEventListener("change", apply);
  which.addEventListener("change", apply);
  search.addEventListener("input", apply);
  window.addEventListener("hashchange", fromHash);
  fromHash();
})();
"""
