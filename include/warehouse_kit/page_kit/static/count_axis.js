// Shared by the pages (loaded before each page's own script, see head.html).
"use strict";

// A count axis: whole-number ticks from 0 in steps of 1, 2 or 5 × 10^n (never below 1), so small
// counts never read 0.5 (Plotly's own choice) and large ones keep about five ticks. `extra` adds
// to or overrides the axis' other settings.
function countAxis(values, extra = {}) {
  const top = values.reduce((a, b) => Math.max(a, b), 0);
  const rough = Math.max(top, 1) / 5;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = Math.max(1, [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough));
  return { tickmode: "linear", tick0: 0, dtick: step, tickformat: ",d", rangemode: "tozero", ...extra };
}
