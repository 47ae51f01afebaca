/* sluice dashboard (issue 18): polls GET /_sluice/ui/state every second and
 * renders it; no framework, no build step. Figures are shown as the
 * server sends them (the same totals as /_sluice/metrics and the audit);
 * the charts are samples this page keeps while it is open, over the last
 * minutes of the virtual clock. Elements carry data-* attributes that the
 * browser test (tests/e2e/test_ui.py) reads. */
"use strict";

const POLL_MS = 1000;          // how often the state is read
const WINDOW_S = 300;          // the charts show the last 5 minutes of the virtual clock
const STATE_URL = "/_sluice/ui/state";

let paused = false;
let last = null;               // the last state read
let polls = 0;
const samples = [];            // {t, throttles:{fn:n}, running:{fn:n}, lag:{uuid:n}, delivered:{key:n}}
const charts = {};

// ---- small helpers ------------------------------------------------------

function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") e.className = v;
    else if (k.startsWith("data-")) e.setAttribute(k, v);
    else e[k] = v;
  }
  for (const kid of kids) {
    if (kid === null || kid === undefined) continue;
    e.append(kid instanceof Node ? kid : String(kid));
  }
  return e;
}

function num(v) {
  return typeof v === "number" ? v : 0;
}

// A metric as /_sluice/metrics words it: a number, or for times an object.
function metric(m, name) {
  const v = m ? m[name] : undefined;
  if (typeof v === "number") return v;
  if (v && typeof v === "object") return num(v.max);
  return 0;
}

function seconds(ms) {
  return (ms / 1000).toFixed(1) + " s";
}

function short(uuid) {
  return uuid.slice(0, 8);
}

function replace(parent, ...kids) {
  parent.replaceChildren(...kids.filter((k) => k));
}

// ---- the header ---------------------------------------------------------

function renderClock(s) {
  document.getElementById("clock-now").textContent = s.clock.now.replace("T", " ").replace(/\.\d+Z$/, "Z");
  const off = s.clock.offset_ms / 1000;
  document.getElementById("clock-offset").textContent =
    off >= 3600 ? (off / 3600).toFixed(1) + " h" : off >= 60 ? (off / 60).toFixed(1) + " min" : off.toFixed(0) + " s";
  document.getElementById("scope").textContent = "(account " + s.account + ", " + s.region + ")";
  const c = s.concurrency;
  document.getElementById("account-line").textContent =
    "Account limit " + c.account_limit + ", reserved " + c.reserved_total + ", unreserved pool " +
    c.unreserved_pool + ", running now " + c.running + ".";
  document.body.dataset.clock = String(s.clock.now_ms);
}

// ---- functions ----------------------------------------------------------

function fnRow(f, q, m, cls) {
  const cell = (name, text, c) => el("td", { "data-metric": name, class: c }, text);
  const throttles = metric(m, "Throttles");
  return el("tr", { class: cls, "data-fn": f.name, "data-qualifier": q },
    el("td", {}, q ? f.name + ":" + q : f.name),
    q ? el("td", {}, "") : cell("running", String(f.running)),
    q ? el("td", {}, "") : cell("reserved", f.reserved === null ? "—" : String(f.reserved)),
    cell("provisioned", q ? pcText(f, q) : String(f.pc_total || 0)),
    q ? el("td", {}, "") : cell("on_demand_limit", String(f.on_demand_limit)),
    cell("Invocations", String(metric(m, "Invocations"))),
    el("td", { "data-metric": "Throttles", class: throttles > 0 ? "bad" : "",
               title: throttles > 0 ? f.throttle_reason : "" },
       String(throttles), throttles > 0 && !q ? el("div", { class: "muted reason" }, ...wrappable(f.throttle_reason)) : null),
    cell("ProvisionedConcurrencyInvocations", String(metric(m, "ProvisionedConcurrencyInvocations"))),
    cell("ProvisionedConcurrencySpilloverInvocations", String(metric(m, "ProvisionedConcurrencySpilloverInvocations"))),
    cell("ProvisionedConcurrencyUtilization", metric(m, "ProvisionedConcurrencyUtilization").toFixed(2)),
    cell("IteratorAge", seconds(metric(m, "IteratorAge"))));
}

// A CamelCase reason, with a line-break opportunity before each word.
function wrappable(text) {
  return text.split(/(?=[A-Z])/).flatMap((w, i) => (i ? [el("wbr"), w] : [w]));
}

function pcText(f, q) {
  const pc = f.provisioned.find((p) => p.qualifier === q);
  return pc ? pc.allocated + " / " + pc.requested + " " + pc.status : "—";
}

function renderFunctions(s) {
  const body = document.querySelector("#functions tbody");
  const rows = [];
  for (const f of s.functions) {
    rows.push(fnRow(f, "", f.metrics, "fn"));
    const quals = new Set(Object.keys(f.qualifiers));
    for (const a of f.aliases) quals.add(a.name);
    for (const p of f.provisioned) quals.add(p.qualifier);
    for (const q of [...quals].sort()) {
      const a = f.aliases.find((x) => x.name === q);
      const r = fnRow(f, q, f.qualifiers[q] || {}, "sub");
      if (a) r.firstChild.append(el("span", { class: "badge" }, "alias → " + a.version));
      rows.push(r);
    }
  }
  replace(body, ...rows);
  document.getElementById("functions-empty").hidden = s.functions.length > 0;
}

// ---- recent invocations -------------------------------------------------

function renderInvocations(s) {
  const rows = s.invocations.map((v) => {
    const log = "/_sluice/ui/log?" + new URLSearchParams({ group: v.log_group, stream: v.log_stream });
    const bad = v.status && v.status !== "success";
    // Lambda names a stream YYYY/MM/DD/[VERSION]id: the version that ran.
    const version = (/\[([^\]]*)\]/.exec(v.log_stream) || [])[1];
    return el("tr", { "data-request-id": v.request_id },
      el("td", {}, v.time.replace("T", " ").replace(/Z$/, "")),
      el("td", { class: "left" }, v.function + (version ? ":" + version : "")),
      el("td", { class: "mono left" }, v.request_id),
      el("td", {}, v.duration_ms.toFixed(1) + " ms"),
      el("td", {}, v.init_duration_ms === undefined ? "" : v.init_duration_ms.toFixed(1) + " ms"),
      el("td", { class: bad ? "bad left" : "left" }, v.status ? v.status + (v.error_type ? " (" + v.error_type + ")" : "") : "completed"),
      el("td", {}, el("a", { href: log, target: "_blank", rel: "noopener" }, "log stream")));
  });
  replace(document.querySelector("#invocations tbody"), ...rows);
  document.getElementById("invocations-empty").hidden = s.invocations.length > 0;
}

// ---- CloudFormation stack events --------------------------------------

function renderStackEvents(s) {
  const events = s.stack_events || [];
  const rows = events.map((e) => {
    const bad = /FAILED|ROLLBACK/.test(e.status);
    return el("tr", {},
      el("td", {}, e.time.replace("T", " ").replace(/Z$/, "")),
      el("td", { class: "left" }, e.stack),
      el("td", { class: "left" }, e.logical_id),
      el("td", { class: "left" }, e.type),
      el("td", { class: bad ? "bad left" : "left" }, e.status),
      el("td", { class: "left" }, e.reason || ""));
  });
  replace(document.querySelector("#stack-events tbody"), ...rows);
  document.getElementById("stack-events-empty").hidden = events.length > 0;
}

// ---- mappings -----------------------------------------------------------

function field(name, value, cls) {
  return el("span", {}, name + " ", el("b", { "data-field": name, class: cls }, String(value)));
}

// Shards in lineage order: each parent followed by its children, indented.
function lineage(shards) {
  const ids = new Set(shards.map((s) => s.shard_id));
  const kids = {};
  const roots = [];
  for (const s of shards) {
    if (s.parent_shard_id && ids.has(s.parent_shard_id)) (kids[s.parent_shard_id] ||= []).push(s);
    else roots.push(s);
  }
  const out = [];
  const walk = (s, depth) => {
    out.push([s, depth]);
    for (const k of kids[s.shard_id] || []) walk(k, depth + 1);
  };
  roots.forEach((r) => walk(r, 0));
  return out;
}

function shardTable(m) {
  const rows = lineage(m.shards).map(([s, depth]) => el("tr", { "data-shard": s.shard_id },
    el("td", { class: "mono", style: "padding-left:" + (0.6 + depth * 1.6) + "rem" },
       (depth ? "↳ " : "") + s.shard_id, s.parent_shard_id ? el("div", { class: "muted" }, "parent " + s.parent_shard_id) : null),
    el("td", { class: "mono" }, s.checkpoint === null ? "—" : s.checkpoint),
    el("td", { class: s.lag > 0 ? "warn" : "" }, String(s.lag)),
    el("td", {}, seconds(s.oldest_pending_age_ms)),
    el("td", {}, String(s.batches)), el("td", {}, String(s.records)), el("td", {}, String(s.retries)),
    el("td", { class: s.throttles > 0 ? "bad" : "" }, String(s.throttles)),
    el("td", { class: "left" }, s.done ? "closed, read to its end" : s.last_result)));
  return el("table", {},
    el("thead", {}, el("tr", {}, ...["shard", "checkpoint", "lag", "oldest pending", "batches", "records",
      "retries", "throttles", "last result"].map((h) => el("th", {}, h)))),
    el("tbody", {}, ...rows));
}

function renderMappings(s) {
  const cards = s.mappings.map((m) => {
    const onLatest = m.target === "unqualified" || m.target === "$LATEST";
    return el("div", { class: "card", "data-uuid": m.UUID },
      el("h3", {}, "mapping ", el("span", { class: "mono" }, short(m.UUID)), " → ",
         el("span", { "data-field": "target" }, m.function + ":" + m.qualifier),
         el("span", { class: "badge " + (onLatest ? "warn" : "good") }, m.target)),
      el("div", { class: "kv" },
        field("State", m.State, m.State === "Enabled" ? "good" : ""),
        field("StartingPosition", m.StartingPosition),
        field("BatchSize", m.BatchSize ?? "—"),
        field("LastProcessingResult", m.LastProcessingResult, m.LastProcessingResult.startsWith("PROBLEM") ? "bad" : "")),
      el("div", { class: "kv" },
        field("batches", m.batches), field("records", m.records), field("retries", m.retries),
        field("throttles", m.throttles, m.throttles > 0 ? "bad" : ""),
        field("lag", m.lag, m.lag > 0 ? "warn" : ""),
        field("oldest pending", seconds(m.oldest_pending_age_ms))),
      el("div", { class: "muted mono" }, m.EventSourceArn),
      m.shards.length ? shardTable(m) : el("p", { class: "empty" }, "no shard read yet"));
  });
  replace(document.getElementById("mappings"), ...cards);
  document.getElementById("mappings-empty").hidden = s.mappings.length > 0;
}

// ---- the audit ----------------------------------------------------------

function renderStreams(s) {
  const live = new Map(s.mappings.map((m) => [m.UUID, m]));
  const cards = s.streams.map((a) => {
    const rows = Object.entries(a.by_mapping).map(([uuid, b]) => {
      const m = live.get(uuid);
      return el("tr", { "data-uuid": uuid, class: b.deleted ? "deleted-row" : "" },
        el("td", { class: "mono " + (b.deleted ? "deleted" : "") }, short(uuid),
           b.deleted ? el("span", { class: "badge" }, "deleted") : null,
           m ? el("span", { class: "muted" }, " → " + m.function + ":" + m.qualifier) : null),
        el("td", { "data-field": "delivered" }, String(b.delivered)),
        el("td", { "data-field": "delivered_more_than_once", class: b.delivered_more_than_once ? "bad" : "" },
           String(b.delivered_more_than_once)),
        el("td", { "data-field": "deliveries" }, String(b.deliveries)),
        el("td", { "data-field": "interrupted" }, String(b.interrupted)),
        el("td", { "data-field": "pending", class: b.pending ? "warn" : "" }, String(b.pending)));
    });
    return el("div", { class: "card", "data-stream": a.stream_arn },
      el("h3", {}, "table ", a.table, " ", el("span", { class: "muted mono" }, a.stream_arn.split("/stream/")[1] || "")),
      el("div", { class: "kv" },
        field("records", a.records), field("delivered_once", a.delivered_once, "good"),
        field("duplicates", a.duplicates, a.duplicates ? "bad" : ""),
        field("duplicates_after_crash", a.duplicates_after_crash),
        field("duplicates_by_several_mappings", a.duplicates_by_several_mappings),
        field("never_delivered", a.never_delivered, a.never_delivered ? "bad" : ""),
        field("pending", a.pending, a.pending ? "warn" : "")),
      el("table", {},
        el("thead", {}, el("tr", {}, ...["mapping", "delivered", "more than once", "deliveries", "interrupted",
          "pending"].map((h) => el("th", {}, h)))),
        el("tbody", {}, ...rows)));
  });
  replace(document.getElementById("streams"), ...cards);
  document.getElementById("streams-empty").hidden = s.streams.length > 0;
}

// ---- charts -------------------------------------------------------------

function sample(s) {
  const t = s.clock.now_ms / 1000;
  const x = { t, throttles: {}, running: {}, lag: {}, delivered: {} };
  for (const f of s.functions) {
    x.throttles[f.name] = metric(f.metrics, "Throttles");
    x.running[f.name] = f.running;
  }
  for (const m of s.mappings) x.lag[short(m.UUID)] = m.lag;
  for (const a of s.streams)
    for (const [uuid, b] of Object.entries(a.by_mapping)) x.delivered[a.table + " " + short(uuid)] = b.delivered;
  // A clock that went back (reset) starts the charts again.
  if (samples.length && t < samples[samples.length - 1].t) samples.length = 0;
  samples.push(x);
  while (samples.length > 2 && samples[0].t < t - WINDOW_S) samples.shift();
}

const PALETTE = ["#d1495b", "#0b57d0", "#1b9e3e", "#edae49", "#8e44ad", "#00798c", "#e67e22", "#7f8c8d"];

function drawChart(id, key, rate) {
  const names = [...new Set(samples.flatMap((x) => Object.keys(x[key])))].sort();
  const xs = samples.map((x) => x.t);
  const ys = names.map((n) => samples.map((x, i) => {
    const v = x[key][n];
    if (v === undefined) return null;
    if (!rate) return v;
    const p = i > 0 ? samples[i - 1] : null;
    if (!p || p[key][n] === undefined || x.t - p.t <= 0 || x.t - p.t > 60) return 0;
    return Math.max(0, (v - p[key][n]) / (x.t - p.t));
  }));
  plot(id, names, xs, ys);
}

// The server's per-minute points (series[dims][metric]) of the metrics
// METRICS, one line per (dims, metric), over the minutes of the window.
function drawMinutes(id, s, metrics, label) {
  const end = Math.floor(s.clock.now_ms / 60000) * 60000;
  const xs = [];
  for (let t = end - (s.minutes - 1) * 60000; t <= end; t += 60000) xs.push(t / 1000);
  const names = [], ys = [];
  for (const [dims, byMetric] of Object.entries(s.series).sort()) {
    const res = /Resource=([^,]*)/.exec(dims), fn = /FunctionName=([^,]*)/.exec(dims);
    for (const m of metrics) {
      const pts = byMetric[m];
      if (!pts || !fn) continue;
      const at = new Map(pts.map(([t, v]) => [t / 1000, v]));
      names.push(label(m, res ? res[1] : fn[1]));
      ys.push(xs.map((t) => (at.has(t) ? at.get(t) : 0)));
    }
  }
  plot(id, names, xs, ys);
}

function plot(id, names, xs, ys) {
  const box = document.getElementById(id);
  const sig = names.join("|");
  let c = charts[id];
  if (!c || c.sig !== sig || c.width !== box.clientWidth) {
    if (c) c.plot.destroy();
    const style = getComputedStyle(document.documentElement);
    const fg = style.getPropertyValue("--fg").trim(), line = style.getPropertyValue("--line").trim();
    const axis = { stroke: fg, grid: { stroke: line }, ticks: { stroke: line }, font: "15px system-ui, sans-serif" };
    const opts = {
      width: Math.max(300, box.clientWidth - 8), height: 220,
      scales: { x: { time: true }, y: { range: (u, min, max) => [0, Math.max(1, max * 1.1)] } },
      axes: [axis, { ...axis, size: 60 }],
      series: [{}, ...names.map((n, i) => ({ label: n, stroke: PALETTE[i % PALETTE.length], width: 3,
                                              spanGaps: false, points: { show: false } }))],
    };
    c = charts[id] = { plot: new uPlot(opts, [xs, ...ys], box), sig, width: box.clientWidth };
  } else {
    c.plot.setData([xs, ...ys]);
  }
}

function drawCharts() {
  drawChart("chart-throttles", "throttles", true);
  drawChart("chart-running", "running", false);
  drawChart("chart-lag", "lag", false);
  drawChart("chart-delivered", "delivered", false);
  if (last) {
    drawMinutes("chart-pc", last, ["ProvisionedConcurrencyUtilization"], (m, who) => who);
    drawMinutes("chart-minutes", last, ["Throttles", "ProvisionedConcurrencySpilloverInvocations"],
                (m, who) => who + (m === "Throttles" ? " throttles" : " spillover"));
  }
}

// ---- polling ------------------------------------------------------------

async function poll() {
  if (!paused) {
    try {
      const r = await fetch(STATE_URL, { cache: "no-store" });
      if (!r.ok) throw new Error(STATE_URL + " answered " + r.status);
      const s = await r.json();
      last = s;
      renderClock(s);
      renderFunctions(s);
      renderInvocations(s);
      renderStackEvents(s);
      renderMappings(s);
      renderStreams(s);
      sample(s);
      drawCharts();
      polls++;
      document.body.dataset.polls = String(polls);
      document.getElementById("status").textContent = "live, every " + POLL_MS / 1000 + " s";
    } catch (e) {
      document.getElementById("status").textContent = "no answer from sluice (" + e.message + "); retrying";
    }
  }
  setTimeout(poll, POLL_MS);
}

async function advance(secs) {
  const r = await fetch("/_sluice/clock", { method: "POST", headers: { "Content-Type": "application/json" },
                                            body: JSON.stringify({ advance_seconds: secs }) });
  document.getElementById("status").textContent =
    r.ok ? "clock advanced by " + secs + " s" : "could not advance the clock (" + r.status + ")";
}

function setTheme(t) {
  document.documentElement.dataset.theme = t;
  try { localStorage.setItem("sluice-theme", t); } catch (e) { /* private mode: not kept */ }
  for (const id of Object.keys(charts)) { charts[id].plot.destroy(); delete charts[id]; }
  if (samples.length) drawCharts();
}

function init() {
  let saved = null;
  try { saved = localStorage.getItem("sluice-theme"); } catch (e) { /* not kept */ }
  if (saved === "light" || saved === "dark") document.documentElement.dataset.theme = saved;
  for (const b of document.querySelectorAll("[data-advance]"))
    b.addEventListener("click", () => advance(Number(b.dataset.advance)));
  document.getElementById("pause").addEventListener("click", (ev) => {
    paused = !paused;
    ev.target.setAttribute("aria-pressed", String(paused));
    ev.target.textContent = paused ? "resume" : "pause";
  });
  document.getElementById("theme").addEventListener("click", () => {
    const dark = document.documentElement.dataset.theme
      ? document.documentElement.dataset.theme === "dark"
      : matchMedia("(prefers-color-scheme: dark)").matches;
    setTheme(dark ? "light" : "dark");
  });
  poll();
}

init();
