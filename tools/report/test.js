// The access report in headless Chromium (tools/report/run.sh): search, follow, check, screenshot,
// JavaScript off, and no request but the page itself.
"use strict";
const path = require("path");
const fs = require("fs");
const { chromium } = require(path.join(process.env.REPORT_NODE, "node_modules", "playwright-core"));

const [reportPath, work] = process.argv.slice(2);
const pageUrl = "file://" + path.resolve(reportPath);
const flags = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];
const failures = [];
function check(ok, what) {
  if (!ok) failures.push(what);
  console.log((ok ? "ok   " : "FAIL ") + what);
}

async function open(profile, javaScriptEnabled) {
  // A fresh profile folder (Chromium's --user-data-dir) for each run.
  fs.rmSync(profile, { recursive: true, force: true });
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: flags,
    javaScriptEnabled,
    viewport: { width: 1280, height: 900 },
    serviceWorkers: "block",
  });
  const requests = [];
  // Every request is routed: the page itself goes through, anything else fails the test.
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (url.split("#")[0] === pageUrl) return route.continue();
    requests.push(url);
    return route.abort();
  });
  context.on("request", (r) => {
    if (r.url().split("#")[0] !== pageUrl) requests.push(r.url());
  });
  const page = context.pages()[0] || (await context.newPage());
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  return { context, page, requests, errors };
}

async function main() {
  // With JavaScript.
  {
    const { context, page, requests, errors } = await open(path.join(work, "profile"), true);
    await page.goto(pageUrl);
    check(await page.isVisible("#q"), "the search box is shown");
    check((await page.textContent("label[for=q]")).includes("Search"), "the search box has a label");
    await page.locator("#q").pressSequentially("tenant-reader", { delay: 20 });
    await page.waitForFunction(() => document.getElementById("count").textContent !== "");
    const visible = await page.$$eval("#principals tbody tr", (rows) =>
      rows.filter((r) => !r.hidden).map((r) => r.textContent));
    check(visible.length === 1 && visible[0].includes("tenant-reader"),
      "searching tenant-reader leaves its row only: " + JSON.stringify(visible));
    check(!(await page.isVisible("text=acme/billing >> nth=0")), "other principals are filtered out");
    // Keyboard: Enter moves to the first match, Enter follows it.
    await page.keyboard.press("Enter");
    const focused = await page.evaluate(() => document.activeElement.textContent);
    check(focused === "tenant-reader", "Enter focuses the first match: " + focused);
    await page.keyboard.press("Enter");
    await page.waitForFunction(() => location.hash === "#o0");
    const h3 = await page.textContent("#o0 h3");
    check(h3 === "role tenant-reader", "the role's section is the target: " + h3);
    check(await page.isVisible("#o0 figure.graph svg"), "the role's picture (SVG) is shown");
    const members = await page.$$eval("#o0 a[href^='#a']", (a) => a.map((x) => x.textContent));
    check(["acme/reader", "globex/reader", "initech/reader"].every((m) => members.includes(m)),
      "the role lists its members: " + members.join(", "));
    await page.screenshot({ path: path.join(work, "role.png") });
    // Mouse: follow the role to one of its resources.
    const link = page.locator("#o0 a[href^='#r']", { hasText: "arn:aws:s3:::tenant-data" }).first();
    const href = await link.getAttribute("href");
    await link.click();
    await page.waitForFunction((h) => location.hash === h, href);
    const row = page.locator(href);
    check(await row.isVisible(), "the resource's row is shown although the search hid it");
    const label = await page.evaluate((id) => {
      const r = document.getElementById(id);
      const g = r.parentNode.rows[0];
      return g.textContent.replace("…", "").trim() + r.cells[0].textContent.trim();
    }, href.slice(1));
    check(label === "arn:aws:s3:::tenant-data", "the row is the bucket's: " + label);
    const reach = await row.locator("a[href^='#a']").allTextContents();
    check(reach.includes("acme/reader") && reach.includes("globex/reader"),
      "the row links back to who reaches it: " + reach.join(", "));
    check((await row.textContent()).includes("resource policy"), "the row shows the bucket's policy");
    check(await page.isVisible(href + " figure.graph svg"), "the script drew the resource's neighbourhood");
    // Its focus is visible and the page looks right.
    await page.screenshot({ path: path.join(work, "resource.png") });
    // Lint findings and file:line places.
    const lint = await page.textContent("#lint");
    check(lint.includes("W203") && /tenants\.access:\d+/.test(lint), "the lint finding with its place");
    check(errors.length === 0, "no script or policy errors: " + errors.join("; "));
    check(requests.length === 0, "no request but the page: " + requests.join(", "));
    await context.close();
  }
  // Without JavaScript: the tables are there and readable.
  {
    const { context, page, requests } = await open(path.join(work, "profile-nojs"), false);
    await page.goto(pageUrl);
    check(!(await page.isVisible("#q")), "without JavaScript the search box is hidden");
    const principals = await page.$$eval("#principals tbody tr", (rows) => rows.filter((r) => r.offsetParent).length);
    check(principals === 6, "all 6 principals are listed: " + principals);
    const resources = await page.$$eval("table.arn tr[id]", (rows) => rows.filter((r) => r.offsetParent).length);
    check(resources === 6, "all 6 AWS resources are listed: " + resources);
    const app = await page.textContent("#a1");
    check(app.includes("app acme/reader") && app.includes("s3:ListBucket") && /tenants\.access:\d+/.test(app),
      "an app's effective permissions and places are in the page");
    check(await page.isVisible("#o0 figure.graph svg"), "the inline pictures need no script");
    await page.screenshot({ path: path.join(work, "nojs.png"), fullPage: false });
    check(requests.length === 0, "no request but the page (JavaScript off): " + requests.join(", "));
    await context.close();
  }
  console.log("screenshots: " + ["role.png", "resource.png", "nojs.png"].map((f) => path.join(work, f)).join(" "));
  if (failures.length) {
    console.error("report: " + failures.length + " check(s) failed");
    process.exit(1);
  }
  console.log("report: every browser check passed");
}

main().catch((e) => { console.error(e); process.exit(1); });
