// Data quality page: reads api/pipelines and api/pipeline (getJSON: the kit's page_fetch.js), draws
// tables and sparklines; every value goes in as text, never as HTML.
"use strict";

const el = (id) => document.getElementById(id);
const whole = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
const percent = new Intl.NumberFormat("en-US", { style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1 });
const decimal = new Intl.NumberFormat("en-US", { maximumFractionDigits: 2 });
const SVG = "http://www.w3.org/2000/svg";

function report(error) {
  el("status").textContent = String(error.message || error);
  el("status").className = "error";
}

function cell(row, value, className = "") {
  const td = document.createElement("td");
  td.textContent = value === null || value === undefined ? "" : String(value);
  if (className) td.className = className;
  row.appendChild(td);
  return td;
}

function badge(row, status) {
  const td = cell(row, "", "label");
  const span = document.createElement("span");
  span.className = `badge ${status}`;
  span.textContent = status;
  td.appendChild(span);
}

function fill(tableId, rows, draw, empty) {
  const body = el(tableId).querySelector("tbody");
  body.replaceChildren();
  if (!rows.length) {
    const tr = body.insertRow();
    const td = cell(tr, empty, "label empty");
    td.colSpan = el(tableId).querySelectorAll("thead th").length;
    return;
  }
  for (const row of rows) draw(body.insertRow(), row);
}

function sparkline(values) {
  const width = 120, height = 24, pad = 2;
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("class", "spark");
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", `null rate of the last ${values.length} profiles`);
  svg.dataset.values = JSON.stringify(values);
  const top = Math.max(...values, 0.01);
  const x = (i) => (values.length === 1 ? width / 2 : pad + (i * (width - 2 * pad)) / (values.length - 1));
  const y = (v) => height - pad - (v / top) * (height - 2 * pad);
  const line = document.createElementNS(SVG, "polyline");
  line.setAttribute("points", values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(" "));
  svg.appendChild(line);
  const last = document.createElementNS(SVG, "circle");
  last.setAttribute("cx", x(values.length - 1).toFixed(1));
  last.setAttribute("cy", y(values[values.length - 1]).toFixed(1));
  last.setAttribute("r", "2");
  svg.appendChild(last);
  return svg;
}

const PROFILE_HEADINGS = [["column", "label"], ["kind", "label"], ["rows", ""], ["nulls", ""], ["null rate", ""],
  ["last 30", "label"], ["distinct", ""], ["min", "label"], ["max", "label"], ["mean", ""], ["top values", "label"]];

function drawProfiles(profiles) {
  const holder = el("profiles");
  holder.replaceChildren();
  if (!profiles.length) {
    holder.textContent = "No profile yet: the pipeline has not validated a batch.";
    return;
  }
  const tables = [...new Set(profiles.map((p) => p.table_name))];
  for (const name of tables) {
    const columns = profiles.filter((p) => p.table_name === name);
    const heading = document.createElement("h3");
    heading.textContent = name;
    const note = document.createElement("small");
    note.textContent = ` ${whole.format(columns[0].rows)} rows, run ${columns[0].run_id}`;
    heading.appendChild(note);
    const table = document.createElement("table");
    table.className = "profile";
    table.dataset.table = name;
    const head = table.createTHead().insertRow();
    for (const [text, className] of PROFILE_HEADINGS) {
      const th = document.createElement("th");
      th.textContent = text;
      if (className) th.className = className;
      head.appendChild(th);
    }
    const body = table.createTBody();
    for (const p of columns) {
      const tr = body.insertRow();
      tr.dataset.column = p.column_name;
      cell(tr, p.column_name, "label");
      cell(tr, p.kind, "label");
      cell(tr, whole.format(p.rows));
      cell(tr, whole.format(p.nulls));
      cell(tr, percent.format(p.null_rate), "null-rate");
      cell(tr, "", "label").appendChild(sparkline(p.null_rates));
      cell(tr, (p.distinct_exact ? "" : "≈ ") + whole.format(p.distinct_count));
      cell(tr, p.min_value, "label");
      cell(tr, p.max_value, "label");
      cell(tr, p.mean === null ? "" : decimal.format(p.mean));
      cell(tr, (p.top_values || []).map((t) => `${t.value} (${whole.format(t.count)})`).join(", "), "label");
    }
    holder.append(heading, table);
  }
}

function exportLink(dagId, sourceTable) {
  const params = new URLSearchParams({ dag_id: dagId });
  if (sourceTable) params.set("source_table", sourceTable);
  return `export/quarantine.csv?${params}`;
}

function draw(data) {
  const run = data.run;
  el("run").textContent = `business day ${run.business_date}, run ${run.run_id}: ${run.status}`;
  const counts = data.checks.reduce((acc, c) => ({ ...acc, [c.status]: (acc[c.status] || 0) + 1 }), {});
  el("checks-count").textContent = Object.entries(counts).map(([s, n]) => `${n} ${s}`).join(", ");
  fill("checks", data.checks, (tr, c) => {
    cell(tr, c.check, "label");
    badge(tr, c.status);
    cell(tr, c.observed, "label");
    cell(tr, c.expected, "label");
  }, "No check logged for this run.");
  fill("freshness", data.freshness, (tr, c) => {
    cell(tr, c.check.replace(/\.freshness$/, ""), "label");
    badge(tr, c.status);
    cell(tr, c.observed, "label");
    cell(tr, c.expected, "label");
  }, "No source freshness judged in this run.");
  fill("reconciliation", data.reconciliation, (tr, c) => {
    cell(tr, c.check.replace(/\.amount_reconciliation$/, " amounts").replace(/\.reconciliation$/, ""), "label");
    badge(tr, c.status);
    cell(tr, c.observed);
    cell(tr, c.expected, "label");
  }, "Not reconciled in this run (it stopped before, or the pipeline declares no reconciliation).");
  drawProfiles(data.profiles);
  fill("quarantine", data.quarantine, (tr, q) => {
    cell(tr, q.source_table, "label");
    cell(tr, q.reason, "label");
    cell(tr, whole.format(q.rows));
    const link = document.createElement("a");
    link.className = "csv";
    link.href = exportLink(run.dag_id, q.source_table);
    link.textContent = "CSV of the table's open rows";
    cell(tr, "", "label").appendChild(link);
  }, "Nothing open in quarantine.");
  el("quarantine-csv").href = exportLink(run.dag_id);
}

async function show(dagId) {
  try {
    el("status").textContent = "";
    draw(await getJSON("pipeline", { dag_id: dagId }));
  } catch (error) {
    report(error);
  }
}

async function start() {
  try {
    const runs = await getJSON("pipelines");
    const select = el("dag_id");
    for (const run of runs) select.add(new Option(run.dag_id, run.dag_id));
    if (!runs.length) throw new Error("No pipeline has run yet.");
    select.addEventListener("change", () => show(select.value));
    await show(runs[0].dag_id);
  } catch (error) {
    report(error);
  }
}

document.addEventListener("DOMContentLoaded", start);
