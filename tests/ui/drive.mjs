// Drives sluice's dashboard in headless Chromium for tests/e2e/test_ui.py
// (issue 18). One page stays open for the whole run, as a person watching
// would keep it; the test sends one JSON command per line on stdin and
// reads one JSON answer per line on stdout:
//   {"cmd":"open","url":U}                 load the page
//   {"cmd":"wait","expr":JS,"timeout_ms":N} until JS (run in the page) is true
//   {"cmd":"snapshot","path":P}           screenshot to P, and the figures the page shows
//   {"cmd":"theme","theme":"dark"|"light"} click the toggle until it is that theme
//   {"cmd":"quit"}
// Every answer carries "errors": the console errors and page errors so far.
// Chromium: $SLUICE_CHROMIUM, else /usr/bin/chromium (Debian's package).
import { chromium } from "playwright-core";
import readline from "node:readline";

const executablePath = process.env.SLUICE_CHROMIUM || "/usr/bin/chromium";
const errors = [];

function figures() {
  // Runs in the page: what it shows, read back from its data-* attributes.
  const txt = (e) => (e ? e.textContent.trim() : null);
  const functions = [...document.querySelectorAll("#functions tbody tr")].map((tr) => {
    const m = {};
    for (const td of tr.querySelectorAll("td[data-metric]")) m[td.dataset.metric] = td.firstChild ? td.firstChild.textContent.trim() : "";
    return { fn: tr.dataset.fn, qualifier: tr.dataset.qualifier, cells: m };
  });
  const mappings = [...document.querySelectorAll("#mappings [data-uuid]")].map((c) => {
    const f = {};
    for (const b of c.querySelectorAll("[data-field]")) f[b.dataset.field] = txt(b);
    return { uuid: c.dataset.uuid, fields: f };
  });
  const streams = [...document.querySelectorAll("#streams [data-stream]")].map((c) => {
    const f = {};
    for (const b of c.querySelectorAll(".kv [data-field]")) f[b.dataset.field] = txt(b);
    const by = {};
    for (const tr of c.querySelectorAll("tr[data-uuid]")) {
      const r = {};
      for (const td of tr.querySelectorAll("[data-field]")) r[td.dataset.field] = txt(td);
      by[tr.dataset.uuid] = r;
    }
    return { stream_arn: c.dataset.stream, fields: f, by_mapping: by };
  });
  const invocations = [...document.querySelectorAll("#invocations tr[data-request-id]")].map((tr) => (
    { request_id: tr.dataset.requestId, href: tr.querySelector("a").getAttribute("href") }));
  return { invocations, clock_ms: Number(document.body.dataset.clock || 0), polls: Number(document.body.dataset.polls || 0),
           functions, mappings, streams, charts: document.querySelectorAll(".uplot").length };
}

async function main() {
  const browser = await chromium.launch({ executablePath, headless: true,
                                          args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"] });
  const page = await browser.newPage({ viewport: { width: 1600, height: 1000 }, colorScheme: "light" });
  page.on("console", (m) => { if (m.type() === "error") errors.push("console: " + m.text()); });
  page.on("pageerror", (e) => errors.push("page error: " + e.message));
  page.on("requestfailed", (r) => errors.push("request failed: " + r.url() + " " + (r.failure()?.errorText || "")));
  const rl = readline.createInterface({ input: process.stdin });
  const say = (o) => process.stdout.write(JSON.stringify({ ...o, errors }) + "\n");
  for await (const line of rl) {
    let c;
    try {
      c = JSON.parse(line);
      if (c.cmd === "open") {
        await page.goto(c.url, { waitUntil: "load" });
        say({ ok: true });
      } else if (c.cmd === "wait") {
        await page.waitForFunction(c.expr, null, { timeout: c.timeout_ms || 30000, polling: 200 });
        say({ ok: true });
      } else if (c.cmd === "snapshot") {
        const fig = await page.evaluate(figures);
        if (c.path) await page.screenshot({ path: c.path, fullPage: !!c.full });
        say({ ok: true, figures: fig });
      } else if (c.cmd === "theme") {
        for (let i = 0; i < 2 && (await page.evaluate(() => document.documentElement.dataset.theme)) !== c.theme; i++)
          await page.click("#theme");
        say({ ok: true });
      } else if (c.cmd === "quit") {
        say({ ok: true });
        break;
      } else {
        say({ ok: false, error: "unknown command " + c.cmd });
      }
    } catch (e) {
      say({ ok: false, error: String(e && e.message ? e.message : e) });
    }
  }
  await browser.close();
}

main().catch((e) => {
  process.stdout.write(JSON.stringify({ ok: false, fatal: true, error: String(e && e.message ? e.message : e), errors }) + "\n");
  process.exit(1);
});
