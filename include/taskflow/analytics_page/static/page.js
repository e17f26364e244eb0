// Task analytics page: reads api/*, draws with Plotly (served by the page itself), keeps every
// "Download CSV" link in step with what is on screen.
"use strict";

const HEALTH_COLUMNS = [
  ["as_of_date", "snapshot", "label"], ["project_id", "id", ""], ["name", "project", "label"],
  ["category", "category", "label"], ["team", "team", "label"], ["open_tasks", "open", ""],
  ["overdue_tasks", "overdue", ""], ["completed_30d", "completed 30d", ""], ["on_time_rate_30d", "on time 30d", ""],
];
const COLORS = { created: "#0b6bcb", completed: "#12a150", onTime: "#12a150", late: "#e5484d", noDue: "#a3b1c2" };
const view = { night: "", team: "", category: "", dateFrom: "", dateTo: "", sort: "overdue_tasks",
               direction: "desc", page: 1, pageSize: 25 };
const el = (id) => document.getElementById(id);
const whole = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
const percent = new Intl.NumberFormat("en-US", { style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1 });
const plotConfig = { displaylogo: false, displayModeBar: false, responsive: true };

function report(error) {
  el("status").textContent = String(error.message || error);
  el("status").className = "error";
}

// countAxis(values, extra), getJSON and searchParams come from the kit (static/count_axis.js, page_fetch.js).

const nightOnly = () => ({ as_of_date: view.night });
const healthFilters = () => ({ as_of_date: view.night, team: view.team, category: view.category,
                               date_from: view.dateFrom, date_to: view.dateTo });
const CSV_PARAMS = {
  kpis: nightOnly, created_vs_completed: nightOnly, completion_by_project: nightOnly, top_users: nightOnly,
  project_health: () => ({ ...healthFilters(), sort: view.sort, direction: view.direction }),
};

function refreshLinks() {
  for (const link of document.querySelectorAll("a.csv")) {
    link.href = `export/${link.dataset.view}.csv?${searchParams(CSV_PARAMS[link.dataset.view]())}`;
  }
}

function change(now, before, what) {
  const diff = now - before;
  const sign = diff > 0 ? "+" : diff < 0 ? "−" : "±";
  return { text: `${sign}${whole.format(Math.abs(diff))} vs the 7 days before (${whole.format(before)})`,
           trend: diff > 0 ? what : diff < 0 ? (what === "up" ? "down" : "up") : "" };
}

function setNote(id, note) {
  el(id).textContent = note.text;
  el(id).className = `kpi-note ${note.trend}`;
}

async function showKpis() {
  const k = await getJSON("kpis", nightOnly());
  el("kpi-window").textContent = `the night of ${k.as_of_date}`;
  el("kpi-created").textContent = whole.format(k.created_7d);
  setNote("kpi-created-delta", change(k.created_7d, k.created_prev_7d, ""));
  el("kpi-completed").textContent = whole.format(k.completed_7d);
  setNote("kpi-completed-delta", change(k.completed_7d, k.completed_prev_7d, "up"));
  el("kpi-on-time").textContent = k.on_time_rate_30d === null ? "–" : percent.format(k.on_time_rate_30d);
  el("kpi-on-time-note").textContent = `done by the due date, of those that had one (${whole.format(k.completed_30d)} done in all)`;
  el("kpi-open").textContent = whole.format(k.open_tasks);
  el("kpi-open-note").textContent = `in ${whole.format(k.live_projects)} live projects`;
  el("kpi-overdue").textContent = whole.format(k.overdue_tasks);
}

async function showTrend() {
  const body = await getJSON("created_vs_completed", nightOnly());
  el("trend-window").textContent = `${body.date_from} to ${body.date_to}, a day without events is 0`;
  const x = body.rows.map((r) => r.metric_date);
  const created = body.rows.map((r) => r.tasks_created), completed = body.rows.map((r) => r.tasks_completed);
  const line = (name, y, color) => ({ type: "scatter", mode: "lines", name, x, y, line: { color, width: 2 },
                                      hovertemplate: `%{x}: %{y:,d} ${name}<extra></extra>` });
  Plotly.react("chart-trend", [line("created", created, COLORS.created), line("completed", completed, COLORS.completed)],
    { margin: { l: 60, r: 20, t: 10, b: 40 }, legend: { orientation: "h", y: 1.12 }, xaxis: { type: "date" },
      yaxis: countAxis([...created, ...completed], { title: { text: "tasks" } }) }, plotConfig);
}

function splits(rows, label) {
  const part = (key, name, color) => ({ type: "bar", orientation: "h", name, y: rows.map(label),
    x: rows.map((r) => r[key]), marker: { color }, hovertemplate: `%{y}: %{x:,d} ${name}<extra></extra>` });
  return [part("completed_on_time", "on time", COLORS.onTime), part("completed_late", "late", COLORS.late),
          part("completed_without_due_date", "no due date", COLORS.noDue)];
}

function byTeam(rows) {
  const teams = new Map();
  for (const r of rows) {
    const name = r.team === null ? "(no team)" : r.team;
    const t = teams.get(name) || { team: name, tasks_completed: 0, completed_on_time: 0, completed_late: 0,
                                   completed_without_due_date: 0 };
    for (const key of ["tasks_completed", "completed_on_time", "completed_late", "completed_without_due_date"]) t[key] += r[key];
    teams.set(name, t);
  }
  return [...teams.values()].sort((a, b) => b.tasks_completed - a.tasks_completed || a.team.localeCompare(b.team));
}

async function showCompletion() {
  const body = await getJSON("completion_by_project", nightOnly());
  el("completion-window").textContent = `${body.date_from} to ${body.date_to}`;
  const teams = byTeam(body.rows), projects = body.rows.slice(0, 15);
  const layout = (rows) => ({ barmode: "stack", margin: { l: 10, r: 20, t: 30, b: 40 },
    legend: { orientation: "h", x: 0, y: 1.02, yanchor: "bottom", traceorder: "normal" },
    yaxis: { automargin: true, autorange: "reversed", type: "category" },
    xaxis: countAxis(rows.map((r) => r.tasks_completed), { title: { text: "tasks completed" } }) });
  Plotly.react("chart-teams", splits(teams, (r) => r.team), layout(teams), plotConfig);
  Plotly.react("chart-projects", splits(projects, (r) => r.name ?? `project ${r.project_id}`), layout(projects), plotConfig);
}

async function showUsers() {
  const body = await getJSON("top_users", nightOnly());
  el("users-window").textContent = `tasks completed ${body.date_from} to ${body.date_to}`;
  const who = body.rows.map((r) => `${r.full_name ?? `user ${r.user_id}`}${r.team ? ` (${r.team})` : ""}`);
  const done = body.rows.map((r) => r.completed_7d);
  Plotly.react("chart-users", [{ type: "bar", orientation: "h", y: who, x: done, marker: { color: COLORS.created },
    customdata: body.rows.map((r) => r.completed_30d),
    hovertemplate: "%{y}: %{x:,d} in 7 days, %{customdata:,d} in 30<extra></extra>" }],
    { margin: { l: 10, r: 20, t: 10, b: 40 }, yaxis: { automargin: true, autorange: "reversed", type: "category" },
      xaxis: countAxis(done, { title: { text: "tasks completed, 7 days" } }) }, plotConfig);
}

function cell(column, value) {
  if (value === null) return "–";
  if (column === "on_time_rate_30d") return percent.format(value);
  return typeof value === "number" && column !== "project_id" ? whole.format(value) : String(value);
}

async function showHealth() {
  const body = await getJSON("project_health", { ...healthFilters(), sort: view.sort, direction: view.direction,
                                                 page: view.page, page_size: view.pageSize });
  Object.assign(view, { dateFrom: body.date_from, dateTo: body.date_to });
  el("date_from").value = body.date_from;
  el("date_to").value = body.date_to;
  refreshLinks();
  const head = el("health").querySelector("thead tr");
  head.replaceChildren(...HEALTH_COLUMNS.map(([column, title, kind]) => {
    const th = document.createElement("th");
    Object.assign(th, { textContent: title, className: kind });
    th.dataset.column = column;
    if (column === view.sort) th.setAttribute("aria-sort", view.direction === "asc" ? "ascending" : "descending");
    return th;
  }));
  el("health").querySelector("tbody").replaceChildren(...body.rows.map((row) => {
    const tr = document.createElement("tr");
    for (const [column, , kind] of HEALTH_COLUMNS) {
      const td = document.createElement("td");
      Object.assign(td, { textContent: cell(column, row[column]), className: kind });
      tr.append(td);
    }
    return tr;
  }));
  const pages = Math.max(1, Math.ceil(body.total / view.pageSize));
  el("health-count").textContent = `${whole.format(body.total)} project snapshots`;
  el("page-label").textContent = `page ${view.page} of ${whole.format(pages)}`;
  el("prev").disabled = view.page <= 1;
  el("next").disabled = view.page >= pages;
}

function load(...parts) {
  refreshLinks();
  el("status").textContent = "";
  el("status").className = "";
  return Promise.all(parts.map((part) => part().catch(report)));
}

function options(select, values) {
  for (const value of values) select.append(new Option(value, value));
}

async function start() {
  let choices;
  try {
    choices = await getJSON("choices", {});
  } catch (error) {
    report(error);
    return;
  }
  if (!choices.as_of_dates.length) {
    el("status").textContent = "No task analytics yet: run taskflow_nightly first.";
    return;
  }
  view.night = choices.as_of_dates[0];
  options(el("as_of_date"), choices.as_of_dates);
  options(el("team"), choices.teams);
  options(el("category"), choices.categories);
  const all = [showKpis, showTrend, showCompletion, showUsers, showHealth];

  el("as_of_date").addEventListener("change", (event) => {
    Object.assign(view, { night: event.target.value, dateFrom: "", dateTo: "", page: 1 });
    load(...all);
  });
  for (const [id, key] of [["team", "team"], ["category", "category"], ["date_from", "dateFrom"], ["date_to", "dateTo"]]) {
    el(id).addEventListener("change", (event) => {
      Object.assign(view, { [key]: event.target.value, page: 1 });
      load(showHealth);
    });
  }
  el("health").querySelector("thead").addEventListener("click", (event) => {
    const column = event.target.dataset && event.target.dataset.column;
    if (!column) return;
    const direction = view.sort === column && view.direction === "desc" ? "asc" : "desc";
    Object.assign(view, { sort: column, direction, page: 1 });
    load(showHealth);
  });
  el("prev").addEventListener("click", () => { view.page -= 1; load(showHealth); });
  el("next").addEventListener("click", () => { view.page += 1; load(showHealth); });
  await load(...all);
}

document.addEventListener("DOMContentLoaded", start);
