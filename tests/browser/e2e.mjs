// SPDX-License-Identifier: MIT
// e2e.mjs - the Gavel web client end to end in Debian's headless Chromium,
// driven by playwright-core: sign up, sign out, sign in, the problem list
// (sorting), a problem page (statement, samples, like), an accepted and a
// wrong submission whose verdicts (AC, WA) arrive live with per-test
// progress, and the submissions list. Exits 0 when every check passed, 1
// otherwise (a screenshot and the page's HTML go to GAVEL_E2E_OUT).
//
// Environment:
//   GAVEL_E2E_URL       the server, e.g. http://127.0.0.1:8080/ (required)
//   GAVEL_E2E_EXAMPLES  examples/problems of the source tree (required)
//   GAVEL_E2E_OUT       where failure screenshots go (default: a temp dir)
//   GAVEL_ARTIFACTS     where each main page's screenshots go, 1280 and 360 px
//                       wide (web-client/README.md lists them; none if unset)
//   CHROMIUM            the browser (default /usr/bin/chromium)
//   GAVEL_E2E_HEADED=1  show the browser (needs a display)

import { chromium } from "playwright-core";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";

const BASE = process.env.GAVEL_E2E_URL;
const EXAMPLES = process.env.GAVEL_E2E_EXAMPLES;
const OUT = process.env.GAVEL_E2E_OUT || fs.mkdtempSync(path.join(os.tmpdir(), "gavel-e2e-"));
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const VERDICT_TIMEOUT_MS = Number(process.env.GAVEL_E2E_VERDICT_TIMEOUT_MS || 150000);
const ARTIFACTS = process.env.GAVEL_ARTIFACTS || "";

if (!BASE || !EXAMPLES) {
  console.error("usage: GAVEL_E2E_URL=http://host:port/ GAVEL_E2E_EXAMPLES=examples/problems node e2e.mjs");
  process.exit(2);
}

let passes = 0;
let step = "start";
const log = (...a) => console.log(...a);
function ok(what) { passes++; log(`ok - ${what}`); }
class CheckFailed extends Error {}
function check(cond, what, detail = "") {
  if (!cond) throw new CheckFailed(`${what}${detail ? `: ${detail}` : ""}`);
  ok(what);
}

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: process.env.GAVEL_E2E_HEADED !== "1",
  // Root has no user namespace sandbox for Chromium here; the rest keeps
  // Chromium from reaching for Google's hosts on this closed network.
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage"],
  timeout: 60000,
});
const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
const page = await context.newPage();
page.setDefaultTimeout(20000);

const pageErrors = [];
const consoleLines = [];
page.on("pageerror", (err) => pageErrors.push(String(err && err.stack || err)));
page.on("console", (msg) => consoleLines.push(`[${msg.type()}] ${msg.text()}`));
page.on("requestfailed", (req) => consoleLines.push(`[requestfailed] ${req.url()} ${req.failure()?.errorText}`));

// Every judging status the page ever shows, per submission, read from the
// nodes as they are added (they may be replaced within the same task).
await page.addInitScript(() => {
  window.__gavelSeen = {};
  const record = (el) => {
    if (!(el instanceof Element)) return;
    const nodes = el.matches(".judging[data-submission]") ? [el] : [...el.querySelectorAll(".judging[data-submission]")];
    for (const n of nodes) {
      const id = n.dataset.submission;
      const progress = n.querySelector("[data-progress]");
      const text = progress ? progress.textContent.replace(/\s+/g, " ").trim() : `verdict ${n.dataset.verdict || "?"}`;
      const seen = (window.__gavelSeen[id] ||= []);
      if (seen[seen.length - 1] !== text) seen.push(text);
    }
  };
  new MutationObserver((records) => {
    for (const r of records) for (const n of r.addedNodes) record(n);
  }).observe(document, { childList: true, subtree: true });
});

const failures = [];
let shots = 0;
async function failure(err) {
  failures.push(step);
  console.error(`not ok - ${step}: ${err instanceof CheckFailed ? err.message : err && err.stack || err}`);
  try {
    fs.mkdirSync(OUT, { recursive: true });
    const shot = path.join(OUT, `failure-${++shots}.png`);
    await page.screenshot({ path: shot, fullPage: true });
    fs.writeFileSync(shot.replace(/\.png$/, ".html"), await page.content());
    console.error(`screenshot: ${shot} (page HTML beside it)`);
  } catch (e) {
    console.error(`could not take a screenshot: ${e}`);
  }
  console.error(`url: ${page.url()}`);
  console.error("--- browser console ---");
  for (const l of consoleLines.splice(0).slice(-40)) console.error(l);
  for (const e of pageErrors) console.error(`[pageerror] ${e}`);
}

// A step that the later ones do not depend on: a failure is reported (with
// its screenshot) and counted, and the run goes on.
async function soft(name, fn) {
  step = name;
  try {
    await fn();
  } catch (err) {
    await failure(err);
  }
}

const url = (hash) => new URL(hash, BASE).toString();

// axe-core's rules on each main page: serious and critical violations are
// collected and checked at the end ("accessibility"). The script goes in
// through the DevTools protocol, which the page's CSP does not govern.
let AXE = null;
try {
  AXE = fs.readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
} catch {
  // Reported by the "accessibility" step; the rest runs.
}
const a11yFindings = [];
async function a11y(name, p = page) {
  if (!AXE) return;
  if (!(await p.evaluate(() => !!window.axe))) await p.evaluate(AXE);
  const found = await p.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ["violations"] });
    return r.violations.filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")}`);
  });
  for (const f of found) a11yFindings.push(`${name}: ${f}`);
  log(`# axe on ${name}: ${found.length} serious or critical`);
}

// Keyboard only, on each main page: Tab from the top reaches every visible
// control in turn, each with a visible focus ring, and the code editor lets
// go with Escape then Tab (its Tab indents, as CodeMirror documents); no
// control is skipped and none traps the focus. Checked at the end
// ("keyboard").
const keyboardFindings = [];
async function keyboardWalk(name, p = page) {
  const total = await p.evaluate(() => {
    const sel = 'a[href], button, input, select, textarea, summary, [tabindex]:not([tabindex="-1"]), .cm-host';
    const groups = new Set();
    let n = 0;
    for (const el of document.querySelectorAll("[data-kw]")) delete el.dataset.kw;
    for (const el of document.querySelectorAll(sel)) {
      if (el.parentElement?.closest(".cm-host")) continue;
      if (el.disabled || el.type === "hidden" || el.closest("[hidden], [inert]")) continue;
      const r = el.getBoundingClientRect(), cs = getComputedStyle(el);
      if (!r.width || !r.height || cs.visibility === "hidden") continue;
      if (el.type === "radio") { // one stop per group
        if (groups.has(el.name)) continue;
        groups.add(el.name);
      }
      el.dataset.kw = String(n++);
    }
    document.activeElement?.blur?.();
    window.scrollTo(0, 0);
    return n;
  });
  const reached = new Set(), noRing = [];
  let inEditor = false, presses = 0;
  const limit = Math.min(total * 2 + 10, 400);
  while (reached.size < total && presses < limit) {
    if (inEditor) await p.keyboard.press("Escape");
    await p.keyboard.press("Tab");
    presses++;
    const st = await p.evaluate(() => {
      const el = document.activeElement;
      if (!el || el === document.body) return null;
      const editor = el.classList.contains("cm-host");
      const cs = getComputedStyle(editor ? el.shadowRoot.activeElement || el : el);
      const ring = (cs.outlineStyle !== "none" && parseFloat(cs.outlineWidth) > 0) || cs.boxShadow !== "none";
      const label = (el.getAttribute("aria-label") || el.textContent || el.name || el.id || "").trim().slice(0, 30);
      return { kw: el.dataset.kw ?? null, editor, ring, what: `${el.tagName.toLowerCase()} "${label}"` };
    });
    if (!st) continue;
    inEditor = st.editor;
    if (st.kw !== null) reached.add(st.kw);
    if (!st.ring && !st.editor && !noRing.includes(st.what)) noRing.push(st.what);
  }
  const missed = await p.evaluate((got) => [...document.querySelectorAll("[data-kw]")]
    .filter((el) => !got.includes(el.dataset.kw))
    .map((el) => `${el.tagName.toLowerCase()} "${(el.getAttribute("aria-label") || el.textContent || el.name || "").trim().slice(0, 30)}"`), [...reached]);
  if (missed.length) keyboardFindings.push(`${name}: not reached with Tab: ${missed.slice(0, 5).join(", ")}`);
  if (noRing.length) keyboardFindings.push(`${name}: no focus ring on ${noRing.slice(0, 5).join(", ")}`);
  log(`# keyboard on ${name}: ${reached.size} of ${total} controls in ${presses} presses`);
  await p.evaluate(() => { document.activeElement?.blur?.(); window.scrollTo(0, 0); });
}

// Each main page at 1280 and 360 px wide, full length, into ARTIFACTS; at
// 360 px the page must not scroll sideways (checked in "every page fits");
// and axe's check of it.
const narrowOverflows = [];
async function shoot(name, p = page) {
  await a11y(name, p);
  await keyboardWalk(name, p);
  // The dark theme too: its colours must keep their contrast.
  await p.emulateMedia({ colorScheme: "dark" });
  await a11y(`${name} (dark)`, p);
  await p.emulateMedia({ colorScheme: "light" });
  for (const [w, hgt] of [[1280, 900], [360, 740]]) {
    await p.setViewportSize({ width: w, height: hgt });
    await p.waitForTimeout(200);
    if (ARTIFACTS) {
      fs.mkdirSync(ARTIFACTS, { recursive: true });
      await p.screenshot({ path: path.join(ARTIFACTS, `${name}-${w}.png`), fullPage: true });
    }
    if (w === 360) {
      const sw = await p.evaluate(() => document.documentElement.scrollWidth);
      if (sw > 362) narrowOverflows.push(`${name}: ${sw} px`);
    }
  }
  await p.setViewportSize({ width: 1200, height: 900 });
  if (ARTIFACTS) log(`# screenshots ${name}-1280.png, ${name}-360.png`);
}
const stamp = Date.now().toString(36) + Math.floor(Math.random() * 1e4).toString(36);
const username = `e2e_${stamp}`;
const displayName = `E2E ${stamp}`;
const password = `pw-${stamp}-long-enough`;

async function waitLive() {
  await page.waitForSelector('#conn-state[data-state="open"]', { timeout: 20000 });
}

// The problem page's editor, set through its interface as a paste would
// (typing is tested on its own, below).
async function setSource(p, text) {
  await p.waitForSelector('.editor-box[data-editor="codemirror"]');
  await p.evaluate((t) => document.querySelector(".editor-box").gavelEditor.setValue(t), text);
}
const editorValue = (p) => p.evaluate(() => document.querySelector(".editor-box")?.gavelEditor?.getValue() ?? null);

// Submits `file` from the example package as `language`; waits for the
// verdict; returns {id, verdict, seen, chips}.
async function submitAndWait(file, language, wantVerdict) {
  const source = fs.readFileSync(path.join(EXAMPLES, "circle-area", "submissions", file), "utf8");
  const before = await page.locator(".recent-item").count();
  await page.selectOption("#language", language);
  await setSource(page, source);
  await page.click('form.submit-form button[type="submit"]');
  const item = page.locator(".recent-item").first();
  await page.waitForFunction((n) => document.querySelectorAll(".recent-item").length > n, before, { timeout: 20000 })
    .catch(async () => {
      const msg = await page.locator(".form-msg").textContent().catch(() => "");
      throw new CheckFailed(`${file}: the submission did not appear (${msg.trim() || "no message"})`);
    });
  const id = await item.getAttribute("data-submission");
  check(/^\d+$/.test(id || ""), `${file}: submitted, got submission #${id}`);
  await item.locator(".judging[data-verdict]").waitFor({ timeout: VERDICT_TIMEOUT_MS }).catch(async () => {
    const now = await item.textContent().catch(() => "");
    throw new CheckFailed(`${file}: no verdict within ${VERDICT_TIMEOUT_MS / 1000} s (showing "${now.replace(/\s+/g, " ").trim()}")`);
  });
  const verdict = await item.locator(".judging").getAttribute("data-verdict");
  const seen = await page.evaluate((sid) => window.__gavelSeen[sid] || [], id);
  const chips = await item.locator(".chip").evaluateAll((els) => els.map((e) => e.getAttribute("aria-label")));
  log(`# ${file}: statuses seen: ${seen.join(" | ")}`);
  log(`# ${file}: tests: ${chips.join(", ")}`);
  check(verdict === wantVerdict, `${file}: verdict ${wantVerdict} arrived live`, `got ${verdict}`);
  return { id, verdict, seen, chips };
}

try {
  step = "open the sign-up page";
  await page.goto(url("#/signup"));
  await waitLive();
  ok("the page connects (connection state: live)");
  check(/Gavel/.test(await page.title()), "the page has a title");

  step = "sign up";
  await page.fill("#username", username);
  await page.fill("#display-name", displayName);
  await page.fill("#password", password);
  await page.click('form.auth button[type="submit"]');
  await page.waitForSelector("#current-user", { timeout: 20000 }).catch(async () => {
    throw new CheckFailed(`sign-up did not sign in: ${(await page.locator(".form-msg").textContent().catch(() => "")).trim()}`);
  });
  check((await page.textContent("#current-user")) === displayName, `signed up and signed in as ${displayName}`);
  check(await page.evaluate(() => !!localStorage.getItem("gavel.token")), "the session token is kept in localStorage");

  step = "sign out";
  await page.click("#sign-out");
  await page.waitForSelector('#user-box a[href="#/signin"]');
  check(await page.evaluate(() => !localStorage.getItem("gavel.token")), "signing out forgets the token");
  // The sign-out ends by going to the problem list on a fresh connection:
  // a form filled before that would be rendered away under the test.
  await page.waitForFunction(() => location.hash === "#/problems");
  await page.waitForSelector('#conn-state[data-state="open"]', { timeout: 20000 });

  await soft("sign up again with the same name", async () => {
    await page.goto(url("#/signup"));
    await page.waitForSelector("#display-name");
    await page.fill("#username", username);
    await page.fill("#password", password);
    await page.click('form.auth button[type="submit"]');
    const dup = page.locator(".form-msg .error");
    await dup.waitFor();
    check(/conflict/.test(await dup.textContent()), "a taken username is refused with a clear error",
      await dup.textContent());
  });

  await soft("sign in with a wrong password", async () => {
    await page.goto(url("#/signin"));
    await page.fill("#username", username);
    await page.fill("#password", "not-the-password");
    await page.click('form.auth button[type="submit"]');
    const bad = page.locator(".form-msg .error");
    await bad.waitFor();
    check(/unauthenticated/.test(await bad.textContent()), "a wrong password is refused (unauthenticated)",
      await bad.textContent());
  });

  step = "sign in";
  await page.goto(url("#/signin"));
  await page.waitForSelector("#username");
  await shoot("signin");
  await page.fill("#username", username);
  await page.fill("#password", password);
  await page.click('form.auth button[type="submit"]');
  await page.waitForSelector("#current-user").catch(async () => {
    throw new CheckFailed(`sign-in failed: ${(await page.locator(".form-msg").textContent().catch(() => "")).trim()}`);
  });
  check((await page.textContent("#current-user")) === displayName, "signed in again");
  const cookie = (await context.cookies()).find((c) => c.name === "gavel_session");
  if (cookie) check(cookie.httpOnly, "HTTP sign-in set an HttpOnly session cookie");
  else log("# no gavel_session cookie (the server answered sign-in over the WebSocket)");

  await soft("sign-in survives a reload (token sent in hello)", async () => {
    await page.reload();
    await waitLive();
    await page.waitForSelector("#current-user");
    ok("a reload stays signed in");
  });

  step = "the problem list";
  await page.goto(url("#/problems"));
  await page.waitForSelector("table.problems tbody tr").catch(async () => {
    throw new CheckFailed(`no problem rows: ${(await page.locator(".results").textContent().catch(() => "")).trim()}`);
  });
  const slugs = await page.locator("table.problems tbody tr").evaluateAll((rows) => rows.map((r) => r.dataset.slug));
  check(["circle-area", "pair-sum", "distinct-count", "subtask-sum"].every((s) => slugs.includes(s)),
    "the problem list shows the four example problems", slugs.join(","));
  await shoot("problems");

  let diffs = [];
  await soft("sort the problem list by difficulty", async () => {
    await page.click('table.problems th a[href*="sort=difficulty"]');
    await page.waitForFunction(() => location.hash.includes("sort=difficulty"));
    await page.waitForSelector('table.problems th[aria-sort] a[href*="sort=difficulty"]');
    diffs = await page.locator("table.problems tbody tr td:nth-child(2)").evaluateAll((tds) => tds.map((t) => Number(t.textContent)));
    const order = (await page.getAttribute("table.problems th[aria-sort]", "aria-sort")) === "ascending" ? 1 : -1;
    check(diffs.length >= 4 && diffs.every((d, i) => i === 0 || (d - diffs[i - 1]) * order >= 0),
      "sorting by difficulty orders the rows", diffs.join(","));
  });

  await soft("filter the problem list by difficulty", async () => {
    const want = Math.max(...diffs, 1000);
    await page.goto(url(`#/problems?min=${want}&max=${want}`));
    await page.waitForSelector("table.problems tbody tr, .results .empty, .results .error");
    const filtered = await page.locator("table.problems tbody tr td:nth-child(2)").evaluateAll((tds) => tds.map((t) => Number(t.textContent)));
    check(filtered.length >= 1 && filtered.every((d) => d === want), `the difficulty filter keeps only ${want}`, filtered.join(","));
  });

  step = "open a problem";
  await page.goto(url("#/problems"));
  await page.click('table.problems tr[data-slug="circle-area"] a');
  await page.waitForSelector("#problem-title").catch(async () => {
    throw new CheckFailed(`the problem page did not load: ${(await page.locator("#view").textContent().catch(() => "")).trim()}`);
  });
  check((await page.textContent("#problem-title")) === "Circle Areas", "the problem page shows its name");
  check(await page.locator(".statement h4", { hasText: "Input" }).count() === 1, "the statement is rendered from Markdown");
  await page.waitForSelector(".statement[data-math]");
  check(await page.getAttribute(".statement", "data-math") === "katex", "KaTeX rendered the statement's math");
  check(await page.locator(".statement .math .katex").count() > 0, "KaTeX's markup is in the statement");
  await soft("the samples are shown once, each with copy buttons", async () => {
    const dir = path.join(EXAMPLES, "circle-area", "data", "sample");
    const ins = fs.readdirSync(dir).filter((f) => f.endsWith(".in")).map((f) => fs.readFileSync(path.join(dir, f), "utf8"));
    check(await page.locator(".sample").count() === ins.length, `the ${ins.length} samples are shown`);
    const pres = await page.locator("#view pre").evaluateAll((els) => els.map((e) => e.textContent));
    check(ins.every((t) => pres.filter((p) => p.trim() === t.trim()).length === 1), "each sample's input appears once on the page",
      `${pres.length} pre blocks`);
    check(await page.locator(".sample button.copy").count() === 2 * ins.length, "each sample's input and output has a copy button");
    await context.grantPermissions(["clipboard-read", "clipboard-write"]).catch(() => {});
    await page.click(".sample button.copy >> nth=0");
    await page.waitForSelector(".sample .copy-msg:text('Copied')", { timeout: 5000 });
    const copied = await page.evaluate(() => navigator.clipboard.readText()).catch(() => null);
    check(copied === null || copied.trim() === ins[0].trim() || ins.some((t) => t.trim() === copied.trim()),
      "the copy button copies the sample", String(copied).slice(0, 40));
    const line = await page.locator("dl.limits").boundingBox();
    check(line && line.height < 40, "limits, difficulty, solves and likes sit in one line", JSON.stringify(line));
  });
  const limits = (await page.textContent("dl.limits")).replace(/\s+/g, " ");
  check(/Time limit ?1 s/.test(limits), "the time limit is shown", limits);

  await soft("screenshots of the problem page, light and dark", async () => {
    await page.waitForSelector('.editor-box[data-editor="codemirror"]');
    await shoot("problem");
    await page.emulateMedia({ colorScheme: "dark" });
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    check(bg !== "rgb(245, 246, 248)", "the dark theme follows the system setting", bg);
    await shoot("problem-dark");
    await page.emulateMedia({ colorScheme: "light" });
  });

  await soft("no raw TeX on any example problem's page", async () => {
    for (const slug of ["circle-area", "pair-sum", "distinct-count", "subtask-sum"]) {
      await page.goto(url(`#/problem/${slug}`));
      await page.waitForSelector(".statement[data-math]");
      const text = await page.evaluate(() => {
        const st = document.querySelector(".statement").cloneNode(true);
        // KaTeX's MathML copy carries the TeX as an annotation, by design.
        for (const a of st.querySelectorAll(".katex-mathml")) a.remove();
        return st.textContent;
      });
      const raw = await page.locator(".statement .math-raw").count();
      check(!text.includes("$") && raw === 0, `${slug}: no $ left in the statement text`, text.slice(0, 200));
    }
    await page.goto(url("#/problem/circle-area"));
    await page.waitForSelector("#problem-title");
  });

  await soft("like the problem", async () => {
    const like = page.locator("button.like");
    const likesBefore = Number((await like.textContent()).match(/(\d+)\s*$/)[1]);
    await like.click();
    await page.waitForSelector('button.like[aria-pressed="true"], .like-msg .error');
    const msg = await page.locator(".like-msg").textContent();
    check(!msg.trim(), "problem.like answers without an error", msg.trim());
    const likesAfter = Number((await like.textContent()).match(/(\d+)\s*$/)[1]);
    check(likesAfter === likesBefore + 1, "the like button likes the problem", `${likesBefore} -> ${likesAfter}`);
  });

  step = "submit an accepted solution";
  const ac = await submitAndWait("accepted/area.py", "python", "AC");
  check(ac.seen.some((t) => /test \d+\/\d+ AC/.test(t)), "per-test progress (\"test i/n AC\") was shown before the verdict",
    ac.seen.join(" | "));
  check(ac.chips.length >= 1 && ac.chips.every((c) => / AC$/.test(c)), "every test shown for the accepted solution is AC", ac.chips.join(","));

  step = "submit a wrong solution";
  const waSource = fs.readFileSync(path.join(EXAMPLES, "circle-area", "submissions", "wrong_answer", "two_decimals.c"), "utf8");
  const wa = await submitAndWait("wrong_answer/two_decimals.c", "c", "WA");
  check(wa.seen.some((t) => /test \d+\/\d+ [A-Z]+/.test(t)), "per-test progress was shown for the wrong solution", wa.seen.join(" | "));
  check(wa.chips.some((c) => / WA$/.test(c)), "a test of the wrong solution is marked WA", wa.chips.join(","));

  await soft("the submission page: every test's row, the source, submit again", async () => {
    await page.click(`.recent-item[data-submission="${wa.id}"] a.sub-link`);
    await page.waitForSelector("#submission-title");
    await page.waitForSelector("table.tests tbody tr");
    const rows = await page.locator("table.tests tbody tr").evaluateAll((trs) =>
      trs.map((tr) => ({ n: tr.dataset.test, verdict: tr.dataset.verdict, cells: [...tr.cells].map((c) => c.textContent.trim()) })));
    log(`# submission ${wa.id}: ${rows.map((r) => `${r.n}:${r.verdict}`).join(" ")}`);
    check(rows.length === wa.chips.length && rows.length > 0, "the submission page has a row for every test",
      `${rows.length} rows, ${wa.chips.length} tests`);
    check(rows.some((r) => r.verdict === "WA"), "a row shows the WA", JSON.stringify(rows.map((r) => r.verdict)));
    check(rows.filter((r) => r.verdict).every((r) => /\d+ ms|\d(\.\d+)? s/.test(r.cells[3]) && /[KMG]iB/.test(r.cells[4])),
      "each judged test shows its time and memory", JSON.stringify(rows.slice(0, 3).map((r) => r.cells)));
    const sampleRows = page.locator("table.tests tbody tr .sample-data");
    check(await sampleRows.count() >= 1, "sample tests show their input and expected output");
    const secretData = await page.locator("table.tests tbody tr").evaluateAll((trs) =>
      trs.filter((tr) => !tr.querySelector(".tag")).some((tr) => tr.querySelector(".sample-data")));
    check(!secretData, "secret tests show no data");
    await page.waitForSelector('.source-box[data-editor="codemirror"]');
    const src = await page.locator(".source-box .cm-content").textContent();
    check(await page.locator('.source-box .cm-content[aria-readonly="true"]').count() === 1, "the source is marked read-only");
    await page.click(".source-box .cm-content");
    await page.keyboard.type("zz");
    check((await page.locator(".source-box .cm-content").textContent()) === src, "typing does not change the source");
    check(/printf|scanf/.test(src), "the source is shown");
    await shoot("submission");
    await page.click("#submit-again");
    await page.waitForSelector("#problem-title");
    const value = await page.evaluate(() => document.querySelector(".editor-box")?.gavelEditor?.getValue() ?? "");
    check(value === waSource, "submit again opens the editor with this source");
    check(await page.inputValue("#language") === "c", "submit again picks the submission's language");
  });

  await soft("the editor: typed on the keyboard, kept over a reload, Ctrl-Enter submits", async () => {
    await page.goto(url("#/problem/circle-area"));
    await page.waitForSelector('.editor-box[data-editor="codemirror"]');
    ok("the CodeMirror editor loaded");
    await page.selectOption("#language", "python");
    await page.click(".editor-box .cm-content");
    await page.keyboard.press("Control+A");
    await page.keyboard.press("Delete");
    // Typed line by line; Escape closes a completion list before Enter, and
    // the body of the loop is indented by the editor, not by us.
    const lines = ["import math", "n = int(input())", "for _ in range(n):", "r = float(input())", 'print("%.9f" % (math.pi * r * r))'];
    for (const [i, l] of lines.entries()) {
      await page.keyboard.type(l, { delay: 5 });
      await page.keyboard.press("Escape");
      if (i < lines.length - 1) await page.keyboard.press("Enter");
    }
    const want = "import math\nn = int(input())\nfor _ in range(n):\n    r = float(input())\n    print(\"%.9f\" % (math.pi * r * r))";
    const typed = await editorValue(page);
    check(typed === want, "typing in the editor gives the program, the loop body auto-indented", JSON.stringify(typed));
    check(await page.locator(".editor-box .cm-line span").count() > 5, "the source is highlighted (token spans)");
    await page.waitForTimeout(600); // the draft is saved a moment after typing stops
    await page.reload();
    await waitLive();
    await page.waitForSelector('.editor-box[data-editor="codemirror"]');
    check(await page.inputValue("#language") === "python", "the language is kept over a reload");
    check(await editorValue(page) === want, "the draft is back after a reload");
    const before = await page.locator(".recent-item").count();
    await page.click(".editor-box .cm-content");
    await page.keyboard.press("Control+Enter");
    await page.waitForFunction((n) => document.querySelectorAll(".recent-item").length > n, before, { timeout: 20000 });
    ok("Ctrl-Enter submits");
    check(await editorValue(page) === want, "the editor keeps the source after submitting");
    // Straight to its page, to watch it being judged there.
    const id = await page.locator(".recent-item").first().getAttribute("data-submission");
    await page.click(`.recent-item[data-submission="${id}"] a.sub-link`);
    await page.waitForSelector("#submission-title");
    const firstLook = await page.evaluate(() => ({
      judging: !document.querySelector(".sub-status .judging[data-verdict]"),
      progress: !!document.querySelector(".tests-box progress, #tests-empty"),
    }));
    log(`# submission ${id} on opening: ${JSON.stringify(firstLook)}`);
    await page.waitForSelector('.sub-status .judging[data-verdict]', { timeout: VERDICT_TIMEOUT_MS });
    check(await page.getAttribute(".sub-status .judging", "data-verdict") === "AC", "the typed solution is accepted, on its own page");
    if (firstLook.judging) check(firstLook.progress, "its page showed the judging in progress before the verdict");
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll("table.tests tbody tr")];
      return rows.length > 0 && rows.every((r) => r.dataset.verdict === "AC");
    }, null, { timeout: 20000 });
    ok("every test's row turned AC on the submission page, live");
    await page.goBack();
    await page.waitForSelector('.editor-box[data-editor="codemirror"]');
  });

  await soft("another contestant: a compilation error's page, and my submission is forbidden to them", async () => {
    // A user of their own, so that the rate limit of the first stays as the
    // later steps expect it.
    const other = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    const p = await other.newPage();
    try {
      await p.goto(url("#/signup"));
      await p.waitForSelector('#conn-state[data-state="open"]', { timeout: 20000 });
      await p.fill("#username", `${username}_b`);
      await p.fill("#password", password);
      await p.click('form.auth button[type="submit"]');
      await p.waitForSelector("#current-user");
      await p.goto(url("#/problem/circle-area"));
      await p.waitForSelector("#problem-title");
      await p.selectOption("#language", "c");
      await setSource(p, "int main(void) { return missing; }\n");
      await p.click('form.submit-form button[type="submit"]');
      const item = p.locator(".recent-item").first();
      await item.waitFor();
      const id = await item.getAttribute("data-submission");
      await item.locator(".judging[data-verdict]").waitFor({ timeout: VERDICT_TIMEOUT_MS });
      await p.click(`.recent-item[data-submission="${id}"] a.sub-link`);
      await p.waitForSelector('.sub-status .judging[data-verdict="CE"]');
      await p.waitForSelector(".compile details[open] .compile-output");
      const out = await p.textContent(".compile-output");
      check(/missing/.test(out), "a CE's page shows the compiler's output, open", out.slice(0, 120));
      check(await p.locator("#tests-empty").count() === 1, "no test rows for a CE, and it says why");
      await p.goto(url(`#/submission/${wa.id}`));
      await p.waitForSelector("#view .error");
      check(/forbidden/.test(await p.textContent("#view .error")), "another contestant's submission page is forbidden",
        await p.textContent("#view .error"));
      check(await p.locator("#view pre, #view .cm-content, table.tests").count() === 0, "and shows nothing of it");
    } finally {
      await other.close();
    }
  });

  let resumed = null;
  await soft("the connection drops while judging; resume brings the verdict", async () => {
    await page.selectOption("#language", "c");
    await setSource(page, fs.readFileSync(path.join(EXAMPLES, "circle-area", "submissions", "accepted", "area.c"), "utf8"));
    const before = await page.locator(".recent-item").count();
    // Stay away for 3 s right after submitting, so that events are missed.
    await page.evaluate(() => {
      const l = window.gavel.live;
      const orig = l.connect;
      let first = true;
      const wait = (ev) => {
        if (!first || !ev.detail?.data) return;
        first = false;
        l.removeEventListener("push", wait);
        l.connect = function delayed() { setTimeout(() => { l.connect = orig; orig.call(l); }, 3000); };
        l.ws.close(1000, "e2e: drop");
      };
      l.addEventListener("push", wait);
    });
    await page.click('form.submit-form button[type="submit"]');
    await page.waitForFunction((n) => document.querySelectorAll(".recent-item").length > n, before);
    await page.waitForSelector('#conn-state[data-state="closed"]', { timeout: 20000 });
    ok("the page shows the connection as offline");
    await waitLive();
    ok("the page reconnected by itself");
    const item = page.locator(".recent-item").first();
    await item.locator(".judging[data-verdict]").waitFor({ timeout: VERDICT_TIMEOUT_MS });
    const verdict = await item.locator(".judging").getAttribute("data-verdict");
    resumed = await page.evaluate(() => window.gavel.live.lastResume);
    log(`# resume: ${JSON.stringify(resumed)}`);
    check(resumed && resumed.from && !resumed.error, "the page sent resume with the last event id it saw", JSON.stringify(resumed));
    check(verdict === "AC", "the verdict of a submission judged while offline arrives after the reconnect", verdict);
    check(await page.textContent("#current-user") === displayName, "still signed in after the reconnect");
  });

  await soft("my submissions", async () => {
    await page.click('a[data-nav="submissions"]');
    await page.waitForSelector("table.submissions tbody tr, #view .error");
    const rows = await page.locator("table.submissions tbody tr").evaluateAll((trs) =>
      trs.map((tr) => ({ id: tr.dataset.submission, verdict: tr.querySelector(".judging")?.dataset.verdict })));
    const byId = Object.fromEntries(rows.map((r) => [r.id, r.verdict]));
    check(byId[ac.id] === "AC" && byId[wa.id] === "WA", "my submissions lists both with their verdicts", JSON.stringify(rows));
    await shoot("submissions");
  });

  await soft("the problem list shows my status", async () => {
    await page.goto(url("#/problems"));
    await page.waitForSelector('table.problems tr[data-slug="circle-area"]');
    const status = (await page.textContent('table.problems tr[data-slug="circle-area"] td:last-child')).trim();
    check(/Solved/.test(status), "circle-area is marked solved for me", status);
  });

  await soft("a contest: register, the board follows a verdict live, announcements arrive", async () => {
    const cid = Number(process.env.GAVEL_E2E_CONTEST);
    check(cid > 0, "run_e2e.sh made a contest", process.env.GAVEL_E2E_CONTEST);
    await page.goto(url("#/contests"));
    await page.waitForSelector(`table.contests tr[data-contest="${cid}"]`);
    await shoot("contests");
    const phase = await page.getAttribute(`table.contests tr[data-contest="${cid}"] .badge`, "data-phase");
    check(phase === "running", "the contest list shows the contest running", phase);
    await page.click(`table.contests tr[data-contest="${cid}"] a`);
    await page.waitForSelector("#contest-title");
    const clock = await page.textContent("#countdown");
    check(/^\d\d:\d\d:\d\d$/.test(clock.trim()), "a countdown to the end is shown", clock);
    await page.waitForTimeout(1100);
    check((await page.textContent("#countdown")).trim() !== clock.trim(), "the countdown ticks");
    await page.click("#register");
    await page.waitForSelector("#registered");
    ok("registered from the contest page");
    const me = await page.evaluate(() => window.gavel.session.user.id);
    await page.waitForSelector(`table.board tr[data-user="${me}"]`);
    ok("I am on the scoreboard after registering");

    // Submit from a second tab (same session) while this one watches the board.
    const tab = await context.newPage();
    await tab.goto(url(`#/problem/circle-area?contest=${cid}`));
    await tab.waitForSelector('#conn-state[data-state="open"]', { timeout: 20000 });
    await tab.waitForSelector("#problem-title");
    await tab.selectOption("#language", "c");
    await setSource(tab, fs.readFileSync(path.join(EXAMPLES, "circle-area", "submissions", "accepted", "area.c"), "utf8"));
    await tab.click('form.submit-form button[type="submit"]');
    await tab.waitForSelector(".recent-item .judging[data-verdict]", { timeout: VERDICT_TIMEOUT_MS });
    check(await tab.getAttribute(".recent-item .judging", "data-verdict") === "AC", "the contest submission is accepted");
    await page.waitForSelector(`table.board tr[data-user="${me}"] td.cell.solved`, { timeout: 20000 });
    ok("the scoreboard row turned solved live, without a reload");
    await tab.close();
    check(await page.locator(`table.board tr.me[data-user="${me}"]`).count() === 1, "my row is highlighted");
    await page.click("#jump-to-me");
    ok("the jump-to-me button works");
    check(await page.locator('table.board thead a.problem-label[href*="circle-area"]').count() === 1, "the problem column links to the problem");
    check(await page.locator(`table.board tr[data-user="${me}"] td.cell.solved .first-mark`).count() === 1,
      "the first solve is marked");

    // An organizer announces from another browser.
    const orgContext = await browser.newContext();
    const org = await orgContext.newPage();
    await org.goto(url("#/contests"));
    await org.waitForSelector('#conn-state[data-state="open"]', { timeout: 20000 });
    const text = `E2E announcement ${stamp}`;
    const reply = await org.evaluate(async ([u, p, c, t]) => {
      await window.gavel.live.request("login", { username: u, password: p });
      return window.gavel.live.request("contest.announce", { contest: c, text: t });
    }, [process.env.GAVEL_E2E_ORG_USER, process.env.GAVEL_E2E_ORG_PASSWORD, cid, text]);
    check(reply && reply.announcement_id > 0, "the organizer's announcement is stored", JSON.stringify(reply));
    await page.waitForFunction((t) => [...document.querySelectorAll(".announcements li")].some((li) => li.textContent.includes(t)), text, { timeout: 20000 });
    ok("the announcement appears on the contestant's contest page live");
    await shoot("contest");
    await orgContext.close();
  });

  await soft("a windowed board of 100 000 rows: pages fetched, never loaded whole", async () => {
    const m = await page.evaluate(async () => {
      const { Board, PAGE_SIZE } = await import("/js/board.js");
      const host = document.createElement("section");
      document.querySelector("#view").append(host);
      const total = 100000, me = 73456;
      // The server's contest.board_window, for a board where user u is at
      // position u - 1: what the page asks for is recorded.
      const asked = [];
      const row = (pos) => ({ user_id: pos + 1, username: `u${pos + 1}`, solved: 0, penalty: 0, score: 0, rank: pos + 1,
        cells: [{ label: "A", solved: false, tries: 0, pending: 0, score: 0 }] });
      const fetch = async (from, count) => {
        asked.push([from, count]);
        const rows = [];
        for (let p = from; p < Math.min(total, from + count); p++) rows.push(row(p));
        return { total, from, rows };
      };
      const b = new Board(host, { me, contestId: 1, fetch });
      const first = await fetch(0, PAGE_SIZE);
      asked.length = 0;
      b.set({ scoring: "icpc", problems: [{ label: "A", slug: "a" }], frozen: false, ...first }, me - 1);
      const pageText = () => host.querySelector("#board-page")?.textContent;
      const out = { pages: pageText(), domRows: host.querySelectorAll("tbody tr").length };
      host.querySelectorAll(".board-pager button")[1].click(); // Next
      await new Promise((r) => setTimeout(r, 50));
      out.next = pageText();
      out.nextFirst = host.querySelector("tbody tr")?.dataset.user;
      await b.jumpToMe();
      out.mePage = pageText();
      out.meRow = host.querySelectorAll(`tbody tr.me[data-user="${me}"]`).length;
      out.asked = asked;
      out.held = b.board.rows.length;
      host.remove();
      return out;
    });
    check(m.pages === "Page 1 of 1000", "the pager counts the whole board's pages", m.pages);
    check(m.domRows === 100, "one page of rows in the DOM", String(m.domRows));
    check(m.next === "Page 2 of 1000" && m.nextFirst === "101", "Next fetched rows 101..200", `${m.next} ${m.nextFirst}`);
    check(m.mePage === "Page 735 of 1000" && m.meRow === 1, "jump to me fetched my page", `${m.mePage} ${m.meRow}`);
    check(JSON.stringify(m.asked) === JSON.stringify([[100, 100], [73400, 100]]), "only the pages shown were asked for",
      JSON.stringify(m.asked));
    check(m.held === 100, "the page holds one window, not the board", String(m.held));
  });

  await soft("a scoreboard of 10 000 rows: render and one update timed against the goals", async () => {
    const m = await page.evaluate(async () => {
      const { Board, rankRows } = await import("/js/board.js");
      const host = document.createElement("section");
      host.className = "card";
      document.querySelector("#view").append(host);
      const problems = "ABCDEFGHIJ".split("").map((l, i) => ({ label: l, slug: `p${i}`, color: i % 2 ? "#1e88e5" : "#fdd835" }));
      const rows = [];
      for (let u = 1; u <= 10000; u++) {
        const solved = u % 11;
        rows.push({ user_id: u, username: `u${u}`, display_name: `Team ${u}`, solved, penalty: (u * 37) % 900, score: 0,
          cells: problems.map((p, i) => ({ label: p.label, solved: i < solved, first: false, tries: i < solved ? 1 + ((u + i) % 3) : (u + i) % 2,
            pending: 0, score: 0, time_min: i < solved ? (u * 7 + i) % 300 : 0 })) });
      }
      rankRows(rows, "icpc");
      const frame = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
      const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
      // A few runs of each: the best one is the code's own cost, the median
      // shows what this (shared, often loaded) machine added; both printed.
      const renders = [];
      let b = null;
      for (let k = 0; k < 3; k++) {
        host.replaceChildren();
        const t0 = performance.now();
        b = new Board(host, { me: rows[5000].user_id, contestId: 1 });
        b.set({ scoring: "icpc", problems, rows, frozen: false });
        host.offsetHeight; // layout included
        renders.push(performance.now() - t0);
        await frame();
      }
      // A row on my page gains a solve and moves up (the animated path).
      const updates = [];
      let up = null;
      for (let k = 0; k < 5; k++) {
        const mine = b.board.rows[5000 + k];
        up = { ...mine, solved: mine.solved + 1, cells: mine.cells.map((c, i) => (i === mine.solved ? { ...c, solved: true, tries: 1, time_min: 5 } : c)) };
        const t1 = performance.now();
        b.update(up);
        host.offsetHeight;
        updates.push(performance.now() - t1);
        await frame();
      }
      const renderMs = Math.min(...renders), updateMs = Math.min(...updates);
      const renderMedian = median(renders), updateMedian = median(updates);
      const moved = b.board.rows.findIndex((r) => r.user_id === up.user_id);
      const domRows = host.querySelectorAll("tbody tr").length;
      b.update({ ...b.board.rows[5001], solved: 10, penalty: 0 });
      const animating = host.getAnimations({ subtree: true }).length;
      host.remove();
      return { renderMs, updateMs, renderMedian, updateMedian, moved, domRows, animating, renders, updates };
    });
    const ms = (a) => a.map((x) => x.toFixed(1)).join(", ");
    log(`# board of 10 000 rows: render best ${m.renderMs.toFixed(1)} ms, median ${m.renderMedian.toFixed(1)} (${ms(m.renders)}); ` +
      `one update best ${m.updateMs.toFixed(1)} ms, median ${m.updateMedian.toFixed(1)} (${ms(m.updates)}); ${m.domRows} rows in the DOM, ${m.animating} animations`);
    check(m.domRows <= 100, "the board draws one page of rows", String(m.domRows));
    check(m.moved < 5004, "the updated row moved up", String(m.moved));
    check(m.animating > 0, "rows glide to their new place (FLIP animations running)", String(m.animating));
    // The goals (200 ms, 16 ms) are reported, not asserted: a timed check
    // flakes on a loaded CI host. What is asserted is ten times the goal,
    // which only a real regression (a layout per row, say) would cross.
    log(`# goals: render < 200 ms ${m.renderMs < 200 ? "met" : "MISSED"}, one update < 16 ms ${m.updateMs < 16 ? "met" : "MISSED"} (best runs)`);
    check(m.renderMs < 2000, "10 000 rows render within ten times the 200 ms goal (best of 3)", `${m.renderMs.toFixed(1)} ms`);
    check(m.updateMs < 160, "one row update within ten times the 16 ms goal (best of 5)", `${m.updateMs.toFixed(1)} ms`);
  });

  await soft("the rate limit says when to retry", async () => {
    // Free tier: 6 a minute; 3 were used above. Cheap wrong programs until refused.
    await page.goto(url("#/problem/circle-area"));
    await page.waitForSelector("#problem-title");
    await page.selectOption("#language", "python");
    let text = "";
    for (let i = 0; i < 8 && !text; i++) {
      const before = await page.locator(".recent-item").count();
      await setSource(page, `print(${i})\n`);
      await page.click('form.submit-form button[type="submit"]');
      await page.waitForFunction((n) => document.querySelectorAll(".recent-item").length > n ||
        document.querySelector(".form-msg .error"), before);
      text = await page.evaluate(() => document.querySelector(".form-msg .error")?.textContent || "");
    }
    log(`# refusal: ${text}`);
    check(/rate_limited/.test(text) && /(retry|try again) in \d+ s/.test(text) && /\(at \d|, at \d/.test(text), "a submission over the rate limit is refused, saying when to retry", text);
  });

  await soft("an unknown path: our own 404 page, no missing stylesheet", async () => {
    const failed = [];
    const onFail = (req) => failed.push(req.url());
    const target = new URL("no-such-page", BASE).toString();
    const on404 = (res) => { if (res.status() === 404 && res.url() !== target) failed.push(res.url()); };
    page.on("requestfailed", onFail);
    page.on("response", on404);
    const before = consoleLines.length;
    const res = await page.goto(target);
    check(res && res.status() === 404, "an unknown path answers with status 404", String(res && res.status()));
    await page.waitForSelector("#nf-title");
    // The browser logs the document's own 404 once: provoked on purpose.
    const mine = consoleLines.slice(before).findIndex((l) => /status of 404/.test(l));
    if (mine >= 0) consoleLines.splice(before + mine, 1);
    check(/Page not found/.test(await page.textContent("#nf-title")), "the server's unknown path shows our 404 page");
    check(await page.locator('a[href="/#/problems"]').count() > 0, "the 404 page links back");
    await shoot("404");
    await page.goto(url("#/no/such/view"));
    await page.waitForSelector("#view h2");
    check(/not found/i.test(await page.textContent("#view h2")), "an unknown view shows the app's not-found page");
    await shoot("not-found");
    page.off("requestfailed", onFail);
    page.off("response", on404);
    check(!failed.length, "nothing failed to load (no error.css)", failed.join(", "));
  });

  await soft("without the built files: TeX source and a plain text box, with a note", async () => {
    // As after a build without npm: vendor/ is not there.
    const bare = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    await bare.route("**/vendor/**", (r) => r.fulfill({ status: 404, body: "" }));
    const p = await bare.newPage();
    const errors = [];
    p.on("pageerror", (e) => errors.push(String(e)));
    await p.goto(url("#/problem/circle-area"));
    await p.waitForSelector(".statement[data-math]");
    check(await p.getAttribute(".statement", "data-math") === "source", "math stays as TeX source without KaTeX");
    check((await p.textContent(".statement")).includes("$n$"), "the TeX is readable", (await p.textContent(".statement")).slice(0, 80));
    await p.waitForSelector(".editor-box .editor-note");
    check(await p.isVisible("#source"), "the editor is a plain textarea, with a note saying so");
    await p.click("#source");
    await p.keyboard.type("print(1)");
    check(await p.inputValue("#source") === "print(1)", "the textarea takes typing");
    check(errors.length === 0, "no script error without the built files", errors.join("; "));
    await bare.close();
  });

  await soft("accessibility: no serious or critical axe violation on the main pages", async () => {
    check(AXE, "axe-core is installed (tests/browser/node_modules, scripts/install-deps)");
    check(a11yFindings.length === 0, "axe finds no serious or critical violation", a11yFindings.join("; "));
  });

  await soft("keyboard: every control reachable with Tab, each with a focus ring", async () => {
    check(keyboardFindings.length === 0, "every main page can be used from the keyboard", keyboardFindings.join("; "));
  });

  await soft("every page fits 360 px", async () => {
    check(narrowOverflows.length === 0, "no page scrolls sideways at 360 px", narrowOverflows.join("; "));
  });

  await soft("no unexpected errors in the browser console", async () => {
    // Expected: the HTTP refusals this test provokes on purpose (a taken
    // name, a wrong password) and the connection it drops.
    const expected = /status of (409|401|429)|WebSocket|ERR_CONNECTION|e2e: drop/;
    const errors = consoleLines.filter((l) => /^\[(error|requestfailed)\]/.test(l) && !expected.test(l));
    check(errors.length === 0, "no errors in the browser console", errors.slice(0, 5).join(" | "));
  });

  await soft("no script errors", async () => {
    check(pageErrors.length === 0, "the page threw no uncaught errors", pageErrors.join("; "));
  });
} catch (err) {
  await failure(err);
}
await browser.close().catch(() => {});
if (failures.length) {
  console.error(`# ${passes} checks passed; failed: ${failures.join("; ")}`);
  process.exit(1);
}
log(`# ${passes} checks passed`);
process.exit(0);
