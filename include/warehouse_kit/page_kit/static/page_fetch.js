// What every page's script shares (loaded before it by the kit's head): the query string of a
// view's parameters, and its JSON from api/<route>. While a request is out,
// document.body.dataset.ready is "0"; it is "1" once every request is answered (the browser
// tests wait on it).
"use strict";

let pageRequests = 0;

function searchParams(params) {
  const out = new URLSearchParams();
  for (const [key, value] of Object.entries(params || {})) {
    if (value !== "" && value !== null && value !== undefined) out.append(key, value);
  }
  return out.toString();
}

async function getJSON(route, params) {
  pageRequests += 1;
  document.body.dataset.ready = "0";
  try {
    const response = await fetch(`api/${route}?${searchParams(params)}`, { credentials: "same-origin" });
    const body = await response.json();
    if (response.status === 401 || response.status === 403) throw new Error("Sign in to Airflow to see this page.");
    if (!response.ok) throw new Error(body.detail || response.statusText);
    return body;
  } finally {
    pageRequests -= 1;
    if (pageRequests === 0) document.body.dataset.ready = "1";
  }
}
