// Customer segments page: reads api/*, draws with Plotly (served locally), builds CSV links.
"use strict";
// countAxis(counts), getJSON and searchParams come from the kit (static/count_axis.js, page_fetch.js).

const COLUMNS = ["customer_id", "segment", "recency_days", "frequency", "monetary", "r_score", "f_score", "m_score"];
const state = { asOf: "", country: "", channel: "", dateFrom: "", dateTo: "", segment: "",
                sort: "monetary", direction: "desc", page: 1, pageSize: 50, segments: [], latest: "" };
const num = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const money = new Intl.NumberFormat(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const $ = (id) => document.getElementById(id);

function showError(error) {
  $("status").textContent = String(error.message || error);
  $("status").className = "error";
}

function fill(select, values, keepFirst = true) {
  if (!keepFirst) select.innerHTML = "";
  for (const value of values) select.append(new Option(value.replaceAll("_", " "), value));
}

const salesParams = () => ({ as_of_date: state.asOf, country: state.country, channel: state.channel,
                             date_from: state.dateFrom, date_to: state.dateTo });
const customerParams = () => ({ as_of_date: state.asOf, segment: state.segment, sort: state.sort,
                                direction: state.direction });
const EXPORT_PARAMS = {
  segment_summary: () => ({ as_of_date: state.asOf }),
  segment_movement: () => ({ as_of_date: state.asOf }),
  daily_sales: salesParams,
  customer_segments: customerParams,
  segment_contacts: () => ({ segment: state.segment }),
};

function updateDownloads() {
  for (const link of document.querySelectorAll("a.download")) {
    const view = link.dataset.view;
    link.href = `export/${view}.csv?${searchParams(EXPORT_PARAMS[view]())}`;
    const stale = view === "segment_contacts" && state.asOf !== state.latest;
    link.classList.toggle("disabled", stale);
    if (stale) link.title = "Contacts exist only for the latest snapshot (consent is current).";
  }
}

const layout = (extra) => ({ margin: { l: 60, r: 20, t: 10, b: 90 }, font: { size: 12 }, ...extra });
const config = { displaylogo: false, responsive: true, displayModeBar: false };
const bySegment = (rows) => rows.slice().sort((a, b) => state.segments.indexOf(a.segment) - state.segments.indexOf(b.segment));

async function loadKpis() {
  const k = await getJSON("kpis", { as_of_date: state.asOf });
  $("kpi-customers").textContent = num.format(k.customers);
  $("kpi-active").textContent = num.format(k.active_customers);
  $("kpi-revenue").textContent = money.format(k.revenue);
  $("kpi-aov").textContent = k.avg_order_value === null ? "–" : money.format(k.avg_order_value);
}

async function loadSummary() {
  const rows = bySegment((await getJSON("segment_summary", { as_of_date: state.asOf })).rows);
  const x = rows.map((r) => r.segment.replaceAll("_", " "));
  const customers = rows.map((r) => r.customers);
  Plotly.react("chart-size", [{ type: "bar", x, y: customers, marker: { color: "#017cee" },
    hovertemplate: "%{x}: %{y:,} customers<extra></extra>" }], layout({ yaxis: countAxis(customers) }), config);
  Plotly.react("chart-revenue", [{ type: "bar", x, y: rows.map((r) => r.revenue), marker: { color: "#00a884" },
    hovertemplate: "%{x}: %{y:,.2f}<extra></extra>" }], layout({}), config);
}

async function loadMovement() {
  const body = await getJSON("segment_movement", { as_of_date: state.asOf });
  $("movement-since").textContent = body.previous_as_of_date
    ? `since ${body.previous_as_of_date}: customers who changed segment` : "(no earlier snapshot)";
  const present = (key) => state.segments.filter((s) => body.rows.some((r) => r[key] === s));
  const from = present("from_segment"), to = present("to_segment");
  const z = from.map((f) => to.map((t) => (body.rows.find((r) => r.from_segment === f && r.to_segment === t) || {}).customers || null));
  const { rangemode, ...countBar } = countAxis(z.flat().filter((n) => n !== null));  // a colour bar has no rangemode
  Plotly.react("chart-movement", [{ type: "heatmap", x: to.map((s) => s.replaceAll("_", " ")),
    y: from.map((s) => s.replaceAll("_", " ")), z, colorscale: [[0, "#dbeafe"], [1, "#1e3a8a"]], texttemplate: "%{z:,}",
    colorbar: countBar,
    hovertemplate: "%{y} → %{x}: %{z:,}<extra></extra>" }],
    layout({ xaxis: { title: { text: "to" } }, yaxis: { title: { text: "from" }, autorange: "reversed" },
             margin: { l: 130, r: 20, t: 10, b: 110 } }), config);
}

async function loadSales() {
  const body = await getJSON("daily_sales", salesParams());
  Object.assign(state, { dateFrom: body.date_from, dateTo: body.date_to });
  $("date_from").value = body.date_from;
  $("date_to").value = body.date_to;
  updateDownloads();
  // One row per day (0 without a sale), so the line never joins points across an empty day.
  const x = body.rows.map((r) => r.sale_date);
  const orders = body.rows.map((r) => r.orders);
  Plotly.react("chart-sales", [
    { type: "scatter", mode: "lines", name: "net revenue", x, y: body.rows.map((r) => r.net_revenue), line: { color: "#017cee" } },
    { type: "bar", name: "orders", x, y: orders, yaxis: "y2", marker: { color: "#c9d6e3" },
      hovertemplate: "%{x}: %{y:,d} orders<extra></extra>" },
  ], layout({ xaxis: { type: "date" }, yaxis: { title: { text: "net revenue" }, rangemode: "tozero" },
              legend: { orientation: "h" }, margin: { l: 70, r: 60, t: 10, b: 40 },
              yaxis2: { title: { text: "orders" }, overlaying: "y", side: "right", showgrid: false, ...countAxis(orders) } }),
  config);
}

async function loadCustomers() {
  const body = await getJSON("customer_segments", { ...customerParams(), page: state.page, page_size: state.pageSize });
  const head = $("customers").querySelector("thead tr");
  head.innerHTML = "";
  for (const column of COLUMNS) {
    const th = document.createElement("th");
    th.textContent = column.replaceAll("_", " ");
    th.dataset.column = column;
    if (column === "segment") th.classList.add("text");
    if (column === state.sort) th.classList.add("sorted", state.direction);
    head.append(th);
  }
  const tbody = $("customers").querySelector("tbody");
  tbody.innerHTML = "";
  for (const row of body.rows) {
    const tr = document.createElement("tr");
    for (const column of COLUMNS) {
      const td = document.createElement("td");
      const value = row[column];
      td.textContent = value === null ? "–" : column === "monetary" ? money.format(value)
        : column === "segment" ? value.replaceAll("_", " ") : String(value);
      if (column === "segment") td.classList.add("text");
      tr.append(td);
    }
    tbody.append(tr);
  }
  const pages = Math.max(1, Math.ceil(body.total / state.pageSize));
  $("customers-count").textContent = `${num.format(body.total)} customers`;
  $("page-label").textContent = `page ${state.page} of ${num.format(pages)}`;
  $("prev").disabled = state.page <= 1;
  $("next").disabled = state.page >= pages;
}

function run(...loads) {
  updateDownloads();
  $("status").textContent = "";
  $("status").className = "";
  return Promise.all(loads.map((load) => load().catch(showError)));
}

async function init() {
  let choices;
  try {
    choices = await getJSON("choices", {});
  } catch (error) {
    showError(error);
    return;
  }
  state.segments = choices.segments;
  if (!choices.as_of_dates.length) {
    $("status").textContent = "No segment snapshot yet: run crm_nightly first.";
    return;
  }
  state.asOf = state.latest = choices.as_of_dates[0];
  fill($("as_of_date"), choices.as_of_dates, false);
  fill($("country"), choices.countries);
  fill($("channel"), choices.channels);
  fill($("segment"), choices.segments);

  $("as_of_date").addEventListener("change", (e) => {
    Object.assign(state, { asOf: e.target.value, dateFrom: "", dateTo: "", page: 1 });
    run(loadKpis, loadSummary, loadMovement, loadSales, loadCustomers);
  });
  for (const id of ["country", "channel", "date_from", "date_to"]) {
    $(id).addEventListener("change", (e) => {
      state[{ date_from: "dateFrom", date_to: "dateTo" }[id] || id] = e.target.value;
      run(loadSales);
    });
  }
  $("segment").addEventListener("change", (e) => { Object.assign(state, { segment: e.target.value, page: 1 }); run(loadCustomers); });
  $("customers").querySelector("thead").addEventListener("click", (e) => {
    const column = e.target.dataset && e.target.dataset.column;
    if (!column) return;
    state.direction = state.sort === column && state.direction === "desc" ? "asc" : "desc";
    Object.assign(state, { sort: column, page: 1 });
    run(loadCustomers);
  });
  $("prev").addEventListener("click", () => { state.page -= 1; run(loadCustomers); });
  $("next").addEventListener("click", () => { state.page += 1; run(loadCustomers); });
  await run(loadKpis, loadSummary, loadMovement, loadSales, loadCustomers);
}

document.addEventListener("DOMContentLoaded", init);
