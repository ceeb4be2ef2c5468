"""The report's inline style and script (no network: nothing is fetched)."""

from __future__ import annotations

CSS = """
:root { --ok: #1a7f37; --bad: #cf222e; --muted: #57606a; --line: #d0d7de; --bar: #4c78a8; }
* { box-sizing: border-box; }
body { font: 14px/1.5 system-ui, -apple-system, "Segoe UI", "Noto Sans KR", sans-serif;
       margin: 0 auto; max-width: 1200px; padding: 1.5rem; color: #1f2328; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
h2 { font-size: 1.2rem; border-bottom: 1px solid var(--line); padding-bottom: .25rem; margin-top: 2rem; }
.meta, .note { color: var(--muted); }
table { border-collapse: collapse; width: 100%; margin: .5rem 0; }
th, td { border: 1px solid var(--line); padding: .3rem .5rem; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.passed { color: var(--ok); font-weight: 600; }
.failed { color: var(--bad); font-weight: 600; }
pre { white-space: pre-wrap; word-break: break-word; margin: 0; max-height: 16rem; overflow: auto; }
figure { margin: 1rem 0; }
figcaption { font-weight: 600; }
svg text { font: 12px system-ui, sans-serif; fill: #1f2328; }
svg .bar { fill: var(--bar); }
svg .ci { stroke: #1f2328; stroke-width: 1.5; }
.controls { display: flex; flex-wrap: wrap; gap: 1rem; align-items: center; margin: .5rem 0; }
tr.sample[data-error="1"] td:first-child { border-left: 4px solid var(--bad); }
tr.sample[data-wrong="1"] td:first-child { border-left: 4px solid #bf8700; }
"""

#: filters the sample table; the initial filter may come from the URL, e.g.
#: ``report.html#filter=wrong``. Rows are only shown or hidden: their text was
#: escaped when the page was written and is never parsed as HTML here.
SCRIPT = """
(function () {
  var kind = document.getElementById("filter");
  var which = document.getElementById("result-filter");
  var search = document.getElementById("search");
  var shown = document.getElementById("shown");
  if (!kind) { return; }
  var rows = Array.prototype.slice.call(document.querySelectorAll("#sample-table tbody tr"));
  function apply() {
    var term = search.value.toLowerCase();
    var count = 0;
    rows.forEach(function (row) {
      var ok = (kind.value === "all" || row.getAttribute("data-" + kind.value) === "1")
        && (which.value === "" || row.getAttribute("data-result") === which.value)
        && (term === "" || row.textContent.toLowerCase().indexOf(term) >= 0);
      row.hidden = !ok;
      if (ok) { count += 1; }
    });
    shown.textContent = count + " of " + rows.length + " shown";
  }
  var wanted = /filter=(\\w+)/.exec(window.location.hash);
  if (wanted && kind.querySelector('option[value="' + wanted[1] + '"]')) { kind.value = wanted[1]; }
  kind.addEventListener("change", apply);
  which.addEventListener("change", apply);
  search.addEventListener("input", apply);
  apply();
})();
"""
