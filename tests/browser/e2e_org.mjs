// SPDX-License-Identifier: MIT
// e2e_org.mjs - the organizer console and the contestant's side of a contest
// in headless Chromium (playwright-core), three browser contexts at once:
//
//   organizer  creates a contest from the console (a refused definition
//              first, its line named), edits it, answers a clarification,
//              broadcasts, watches operations, runs the reveal, unfreezes,
//              rejudges the contest and reads the report; and on a seeded
//              contest, reads the plagiarism report (ranked pairs, a
//              cluster), opens a pair, marks it and finds the mark again
//              after a reload;
//   contestant registers before the start, sees the countdown reach zero and
//              the problems appear without a reload, submits, asks a
//              clarification and gets the answer pushed live; also tries
//              the console's pages and sees the server's refusal;
//   admin      sets the contestant's tier on the users page.
//
// A PNG of every console page goes to GAVEL_ARTIFACTS, and each page is
// checked for content that proves it worked. Exits 0 when every check
// passed, 1 otherwise.
//
// Environment (run_e2e.sh sets them):
//   GAVEL_E2E_URL, GAVEL_E2E_EXAMPLES      as for e2e.mjs
//   GAVEL_E2E_CONSOLE_USER/_PASSWORD       an organizer (role jury)
//   GAVEL_E2E_ADMIN_USER/_PASSWORD         an admin
//   GAVEL_E2E_CONTEST                      a running contest (for the hostile checks)
//   GAVEL_E2E_PLAG_CONTEST                 a contest with four accepted, fingerprinted
//                                          solutions to circle-area: plag_alice's, two
//                                          disguised copies (plag_bob, plag_dave) and
//                                          plag_carol's own in C
//   GAVEL_ARTIFACTS                        where the screenshots go
//   CHROMIUM                               the browser (default /usr/bin/chromium)

import { chromium } from "playwright-core";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const env = process.env;
const BASE = env.GAVEL_E2E_URL;
const EXAMPLES = env.GAVEL_E2E_EXAMPLES;
const ART = env.GAVEL_ARTIFACTS || fs.mkdtempSync(path.join(os.tmpdir(), "gavel-e2e-org-"));
const VERDICT_TIMEOUT_MS = 120000;
// The contest: the start this far after it is created, then the freeze
// (seconds after the start). The end is far at first, and the organizer
// brings it forward with contest.update once the steps that need a running
// contest are done: on a loaded host those steps take long, and a fixed end
// came before them (the "refused before the end" step then found it ended).
const START_IN_S = 15, FREEZE_AT_S = 20, END_AT_S = 1800;
const hms = (s) => `${Math.floor(s / 3600)}:${String(Math.floor(s / 60) % 60).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;

for (const k of ["GAVEL_E2E_URL", "GAVEL_E2E_EXAMPLES", "GAVEL_E2E_CONSOLE_USER", "GAVEL_E2E_CONSOLE_PASSWORD",
  "GAVEL_E2E_ADMIN_USER", "GAVEL_E2E_ADMIN_PASSWORD", "GAVEL_E2E_CONTEST", "GAVEL_E2E_PLAG_CONTEST"]) {
  if (!env[k]) { console.error(`e2e_org.mjs: ${k} is not set (run it from run_e2e.sh)`); process.exit(2); }
}
fs.mkdirSync(ART, { recursive: true });

let passes = 0;
let step = "start";
const failures = [];
const log = (...a) => console.log(...a);
function ok(what) { passes++; log(`ok - ${what}`); }
class CheckFailed extends Error {}
function check(cond, what, detail = "") {
  if (!cond) throw new CheckFailed(`${what}${detail ? `: ${detail}` : ""}`);
  ok(what);
}

const browser = await chromium.launch({
  executablePath: env.CHROMIUM || "/usr/bin/chromium",
  headless: env.GAVEL_E2E_HEADED !== "1",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage"],
  timeout: 60000,
});

const pages = {};
const pageErrors = [];
async function newPage(name) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(20000);
  page.on("pageerror", (err) => pageErrors.push(`${name}: ${err && err.stack || err}`));
  pages[name] = page;
  return page;
}

async function failure(err) {
  failures.push(step);
  console.error(`not ok - ${step}: ${err instanceof CheckFailed ? err.message : err && err.stack || err}`);
  for (const [name, page] of Object.entries(pages)) {
    try {
      const shot = path.join(ART, `failure-${failures.length}-${name}.png`);
      await page.screenshot({ path: shot, fullPage: true });
      fs.writeFileSync(shot.replace(/\.png$/, ".html"), await page.content());
      console.error(`screenshot: ${shot} (${page.url()})`);
    } catch (e) {
      console.error(`could not take a screenshot of ${name}: ${e}`);
    }
  }
}

async function soft(name, fn) {
  step = name;
  try { await fn(); } catch (err) { await failure(err); }
}

// A screenshot of a console page, kept as the test's artifact.
async function artifact(page, name) {
  const file = path.join(ART, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  check(fs.statSync(file).size > 1000, `screenshot ${name}.png saved`);
}

const url = (hash) => new URL(hash, BASE).toString();
const text = async (page, sel) => ((await page.textContent(sel)) || "").replace(/\s+/g, " ").trim();
const stamp = Date.now().toString(36) + Math.floor(Math.random() * 1e4).toString(36);
const source = (problem, file) => fs.readFileSync(path.join(EXAMPLES, problem, "submissions", file), "utf8");

async function signIn(page, username, password) {
  await page.goto(url("#/signin"));
  await page.waitForSelector('#conn-state[data-state="open"]', { timeout: 20000 });
  await page.fill("#username", username);
  await page.fill("#password", password);
  await page.click('form.auth button[type="submit"]');
  await page.waitForSelector("#current-user").catch(async () => {
    throw new CheckFailed(`sign-in of ${username} failed: ${await text(page, ".form-msg").catch(() => "")}`);
  });
}

async function signUp(page, username, password) {
  await page.goto(url("#/signup"));
  await page.waitForSelector('#conn-state[data-state="open"]', { timeout: 20000 });
  await page.fill("#username", username);
  await page.fill("#password", password);
  await page.click('form.auth button[type="submit"]');
  await page.waitForSelector("#current-user");
}

// The problem page's editor (CodeMirror once its bundle loads, a textarea
// before): set through its interface, as a paste would.
async function setSource(page, text) {
  await page.waitForSelector('.editor-box[data-editor="codemirror"]', { timeout: 10000 }).catch(() => {});
  await page.evaluate((t) => document.querySelector(".editor-box").gavelEditor.setValue(t), text);
}

// Submits from `page` to the contest and waits for the verdict.
async function submit(page, cid, problem, language, file, want) {
  await page.goto(url(`#/problem/${problem}?contest=${cid}`));
  await page.waitForSelector("#problem-title");
  await page.selectOption("#language", language);
  await setSource(page, source(problem, file));
  const before = await page.locator(".recent-item").count();
  await page.click('form.submit-form button[type="submit"]');
  await page.waitForFunction((n) => document.querySelectorAll(".recent-item").length > n || document.querySelector(".form-msg .error"), before);
  const refused = await page.locator(".form-msg .error").count();
  if (refused) throw new CheckFailed(`${problem}/${file} refused: ${await text(page, ".form-msg")}`);
  const item = page.locator(".recent-item").first();
  await item.locator(".judging[data-verdict]").waitFor({ timeout: VERDICT_TIMEOUT_MS });
  const verdict = await item.locator(".judging").getAttribute("data-verdict");
  check(verdict === want, `${problem}/${file}: ${want} in the contest`, verdict);
}

// Waits until the contest is at least `s` seconds past its start.
async function until(startMs, s) {
  const wait = startMs + s * 1000 - Date.now();
  if (wait > 0) { log(`# waiting ${(wait / 1000).toFixed(1)} s for start+${s} s`); await new Promise((r) => setTimeout(r, wait)); }
}

const t0 = Date.now();
let cid = null;
let startMs = 0;
const org = await newPage("organizer");
const user = await newPage("contestant");
const contestant = `e2e_c_${stamp}`;
const question = `Is n at most 10^5? (${stamp})`;
const answer = `Yes: 1 <= n <= 10^5 (${stamp}).`;

try {
  step = "sign in: organizer and contestant";
  await signIn(org, env.GAVEL_E2E_CONSOLE_USER, env.GAVEL_E2E_CONSOLE_PASSWORD);
  check(await org.isVisible("#nav-org"), "the organizer's header has the Organize link");
  await signUp(user, contestant, `pw-${stamp}-long-enough`);
  check(!(await user.isVisible("#nav-org")), "the contestant's header has no Organize link");

  await soft("a contestant on the console's pages gets the server's refusal", async () => {
    // Record every request the page sends, to prove the refusal is the
    // server's and not only a hidden link.
    for (const hash of ["#/org", "#/org/ops", "#/org/users", `#/org/contest/${env.GAVEL_E2E_CONTEST}`,
      `#/org/clar/${env.GAVEL_E2E_CONTEST}`, `#/org/reveal/${env.GAVEL_E2E_CONTEST}`, "#/org/rejudges"]) {
      await user.goto(url(hash));
      const err = user.locator("#view .error").first();
      await err.waitFor();
      const msg = await err.textContent();
      check(/forbidden/.test(msg), `${hash}: the contestant sees forbidden`, msg);
      check(await user.locator("#view table tbody tr, #view textarea#org-definition, #view .clar").count() === 0,
        `${hash}: and no data`);
    }
    await artifact(user, "contestant-forbidden");
  });

  await soft("plagiarism: pairs, a cluster, a pair side by side, a mark kept", async () => {
    const pc = env.GAVEL_E2E_PLAG_CONTEST;
    const copiers = ["plag_alice", "plag_bob", "plag_dave"];
    const users = (s) => (s.match(/plag_[a-z]+/g) || []).sort();
    const compute = async () => {
      await org.waitForSelector("#plag-compute");
      await org.click("#plag-compute");
      await org.waitForSelector("#plag-pairs table.plag-pairs tbody tr");
    };
    await org.goto(url(`#/org/plag/${pc}`));
    await compute();
    const summary = await text(org, "#plag-summary");
    check(/4 accepted submissions compared in 1 problem/.test(summary), "the report compares the four accepted submissions", summary);
    const rows = await org.locator("table.plag-pairs tbody tr").evaluateAll((trs) => trs.map((tr) =>
      [...tr.querySelectorAll("td")].map((td) => td.textContent.trim())));
    // Columns: #, problem, left, right, similarity, longest, review, button.
    check(rows.length >= 3, "at least the three copy pairs are listed", JSON.stringify(rows));
    const top3 = rows.slice(0, 3).map((r) => users(`${r[2]} ${r[3]}`).join("+"));
    check(top3.every((p) => p.split("+").every((u) => copiers.includes(u))), "the three pairs among the copies rank first", top3.join(", "));
    check(rows.slice(0, 3).every((r) => parseFloat(r[4]) >= 90), "with a similarity of at least 90%", rows.map((r) => r[4]).join(", "));
    check(rows.every((r) => parseFloat(r[4]) >= 30), "every listed pair reaches the 30% asked for");
    const carol = rows.filter((r) => /plag_carol/.test(r[2] + r[3]));
    check(carol.every((r) => parseFloat(r[4]) < parseFloat(rows[2][4])), "carol's own solution ranks below the copies",
      carol.map((r) => r[4]).join(", "));

    // The cluster: alice's and the two copies, with its strongest pairs.
    check(await org.locator("#plag-clusters .plag-cluster").count() === 1, "one cluster", await text(org, "#plag-clusters"));
    const members = users(await text(org, "#plag-clusters .plag-members"));
    check(members.join() === copiers.join(), "its members: alice, bob and dave", members.join());
    const inside = org.locator("#plag-clusters .plag-cluster-pair");
    check(await inside.count() === 3, "its three pairs are listed inside it", String(await inside.count()));
    await artifact(org, "org-plag-report");

    // Keyboard: Tab from the button that computed the report reaches the
    // first cluster's strongest pair, with a focus ring; Enter opens it.
    await org.focus("#plag-compute");
    for (let n = 0; n < 10 && !(await inside.first().evaluate((el) => el === document.activeElement)); n++)
      await org.keyboard.press("Tab");
    check(await inside.first().evaluate((el) => el === document.activeElement), "Tab reaches the cluster's first pair");
    const ring = await inside.first().evaluate((el) => getComputedStyle(el).outlineStyle);
    check(ring !== "none", "a focused cluster pair shows a focus ring", ring);
    const label = users(await inside.first().textContent());
    await org.keyboard.press("Enter");
    await org.waitForSelector("#plag-pair-title");
    check(users(await text(org, "#plag-pair-title")).join() === label.join(), "Enter on the cluster's pair opens that pair", label.join());
    check(await org.evaluate(() => document.activeElement?.id) === "plag-pair-title", "focus moves to the opened pair");
    const left = org.locator('.plag-code[data-side="left"]'), right = org.locator('.plag-code[data-side="right"]');
    await left.locator(".ln").first().waitFor();
    check(/numbers::pi/.test(await left.textContent()) && /numbers::pi/.test(await right.textContent()), "both sources side by side");
    const marked = async (side) => side.locator(".ln.m").count();
    check(await marked(left) > 3 && await marked(right) > 3, "matched lines are highlighted on both sides",
      `${await marked(left)} / ${await marked(right)}`);
    const colours = await org.evaluate(() => {
      const c = (side, g) => {
        const el = document.querySelector(`.plag-code[data-side="${side}"] [data-region="${g}"]`);
        return el ? getComputedStyle(el).backgroundColor : null;
      };
      const n = document.querySelectorAll(".plag-region").length;
      return [...Array(n).keys()].map((g) => [c("left", g), c("right", g)]);
    });
    check(colours.length > 0 && colours.every(([l, r]) => l && l === r && !/rgba\(0, 0, 0, 0\)|transparent/.test(l)),
      "each region has one colour on both sides", JSON.stringify(colours));
    await artifact(org, "org-plag-pair");
    // The dark theme: the cluster cards and the regions take its colours
    // (--card, and --region-l's dark lightness behind light text).
    const looks = () => org.evaluate(() => {
      const lum = (c) => { const [r, g, b] = c.match(/\d+/g).map(Number); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
      return {
        card: getComputedStyle(document.querySelector(".plag-cluster")).backgroundColor,
        region: lum(getComputedStyle(document.querySelector('.plag-code [data-region="0"]')).backgroundColor),
        text: lum(getComputedStyle(document.querySelector('.plag-code [data-region="0"]')).color),
      };
    });
    await org.emulateMedia({ colorScheme: "dark" });
    const dark = await looks();
    check(dark.card === "rgb(27, 31, 39)", "dark theme: the cluster card takes --card", dark.card);
    check(dark.region < dark.text, "dark theme: a region is darker than its text", JSON.stringify(dark));
    await artifact(org, "org-plag-pair-dark");
    await org.emulateMedia({ colorScheme: "light" });
    const light = await looks();
    check(light.region > light.text, "light theme: a region is lighter than its text", JSON.stringify(light));

    // The mark: confirmed, then kept across a reload and a new report.
    await org.fill("#plag-note", `same code, renamed (${stamp})`);
    await org.click("#plag-confirm");
    await org.waitForFunction(() => /confirmed by/.test(document.getElementById("plag-mark")?.textContent || ""));
    ok("the pair is marked confirmed");
    await org.reload();
    await compute();
    const row = org.locator("table.plag-pairs tbody tr", { hasText: "confirmed by" });
    check(await row.count() === 1, "after a reload, the report shows the mark on that pair", await text(org, "table.plag-pairs tbody"));
    check(users(await row.first().textContent()).join() === label.join(), "on the same pair", await row.first().textContent());
    check(/confirmed by/.test(await text(org, "#plag-clusters")), "and in the cluster's list");
    await row.first().locator("button").click();
    await org.waitForSelector("#plag-pair-title");
    check(/confirmed by/.test(await text(org, "#plag-mark")) && (await org.inputValue("#plag-note")).includes(stamp),
      "the opened pair shows the mark and its note");
    await artifact(org, "org-plag-marked");

    // A contestant: the server refuses the report.
    await user.goto(url(`#/org/plag/${pc}`));
    await user.waitForSelector("#plag-compute");
    await user.click("#plag-compute");
    const err = user.locator("#view .error").first();
    await err.waitFor();
    check(/forbidden/.test(await err.textContent()), "a contestant asking for the report gets forbidden", await err.textContent());
    check(await user.locator("#plag-pairs table, #plag-clusters .plag-cluster").count() === 0, "and sees no pair and no cluster");
    await artifact(user, "contestant-plag-forbidden");
  });

  step = "the organizer creates a contest from the console";
  await org.click("#nav-org");
  await org.waitForSelector("table.org-contests tbody tr");
  check((await text(org, "#org-title")) === "Contests", "the console opens on the contest list");
  await org.click("#org-new-contest");
  await org.waitForSelector("#org-definition");
  const template = await org.inputValue("#org-definition");
  check(/start_time:/.test(template) && /problems:/.test(template), "the new-contest form is prefilled with a template");
  // A mistake first: the server's message, naming the line, shown as is.
  await org.fill("#org-definition", `${template}freeze: 1:00:00\n`);
  await org.click("#org-save");
  await org.waitForSelector("#org-def-msg .error");
  const refusal = await text(org, "#org-def-msg .error");
  const badLine = template.split("\n").length;
  check(new RegExp(`contest\\.yaml:${badLine}: freeze: unknown key`).test(refusal), "a wrong key is refused with its line and key", refusal);
  await artifact(org, "org-contest-new");
  startMs = Math.ceil((Date.now() + START_IN_S * 1000) / 1000) * 1000;
  const iso = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
  const title = `E2E Console ${stamp}`;
  const definition = [`name: ${title}`, `slug: e2e-console-${stamp}`, `start_time: ${iso(startMs)}`,
    `duration: ${hms(END_AT_S)}`, `scoreboard_freeze_duration: ${hms(END_AT_S - FREEZE_AT_S)}`, "penalty_time: 20",
    "scoring: icpc", "unfreeze: manual", "problems:",
    "  - slug: circle-area", "    label: A", '    color: "#2e86de"',
    "  - slug: pair-sum", "    label: B", '    color: "#e74c3c"',
    "  - slug: distinct-count", "    label: C", '    color: "#27ae60"',
    "participants: open", ""].join("\n");
  await org.fill("#org-definition", definition);
  await org.click("#org-save");
  await org.waitForFunction(() => /^#\/org\/contest\/\d+$/.test(location.hash));
  cid = Number(org.url().match(/contest\/(\d+)$/)[1]);
  await org.waitForSelector("#org-contest-name");
  check((await text(org, "#org-contest-name")) === title, `contest ${cid} created; its page shows it`);
  check(await org.getAttribute(".org-contest-head .badge", "data-phase") === "scheduled", "the new contest is scheduled");
  log(`# contest ${cid} starts at ${iso(startMs)} (in ${((startMs - Date.now()) / 1000).toFixed(1)} s)`);

  step = "the contestant registers and watches the countdown";
  await user.goto(url(`#/contest/${cid}`));
  await user.waitForSelector("#contest-title");
  await user.click("#register");
  await user.waitForSelector("#registered");
  ok("the contestant registered before the start");
  check(await user.isVisible("#no-problems"), "no problems are shown before the start");
  await user.evaluate(() => {
    window.__noReload = true;
    window.__countdown = [];
    const el = document.getElementById("countdown");
    new MutationObserver(() => window.__countdown.push([document.querySelector("#contest-title + .badge")?.dataset.phase, el.dataset.left]))
      .observe(el, { childList: true, characterData: true, subtree: true });
  });

  await soft("the organizer edits the contest (a refusal, then a change)", async () => {
    const def = await org.inputValue("#org-definition");
    check(/slug: e2e-console-/.test(def) && /label: C/.test(def), "the edit form loads the stored definition");
    await org.fill("#org-definition", def.replace(/^duration: .*$/m, "duration: 5h"));
    await org.click("#org-save");
    await org.waitForSelector("#org-def-msg .error");
    const msg = await text(org, "#org-def-msg .error");
    check(/contest\.yaml:\d+: duration:/.test(msg), "a bad duration is refused naming the line", msg);
    await org.fill("#org-definition", def.replace(/^name: .*$/m, `name: ${title} (edited)`));
    await org.click("#org-save");
    await org.waitForSelector("#org-def-msg .ok");
    await org.waitForFunction((t) => document.getElementById("org-contest-name")?.textContent === t, `${title} (edited)`);
    ok("contest.update saved the new name");
    await artifact(org, "org-contest-edit");
    await org.goto(url("#/org"));
    await org.waitForSelector(`table.org-contests tr[data-contest="${cid}"]`);
    check(/edited/.test(await text(org, `table.org-contests tr[data-contest="${cid}"]`)), "the console's list shows the contest");
    await artifact(org, "org-contests");
  });

  step = "the problems appear at the start without a reload";
  await user.waitForSelector("#contest-problems li", { timeout: (START_IN_S + 15) * 1000 });
  const shownAt = Date.now();
  const labels = await user.locator("#contest-problems li").evaluateAll((lis) => lis.map((li) => li.dataset.label));
  check(labels.join() === "A,B,C", "the problems A, B, C appear on the contest page", labels.join());
  check(shownAt - startMs < 3000, "within 3 s of the start", `${shownAt - startMs} ms`);
  check(await user.evaluate(() => window.__noReload === true), "the page was not reloaded");
  const seen = await user.evaluate(() => window.__countdown);
  const lastBefore = seen.filter(([p]) => p === "scheduled").map(([, s]) => Number(s)).pop();
  check(lastBefore != null && lastBefore <= 1, "the countdown reached zero before the problems appeared", JSON.stringify(seen.slice(-4)));
  await user.waitForSelector('#contest-title + .badge[data-phase="running"]');
  ok("the contest page shows the contest running");

  step = "the contestant submits and asks a clarification";
  const tab = await user.context().newPage();
  await submit(tab, cid, "circle-area", "c", "accepted/area.c", "AC");
  await user.selectOption("#clar-problem", "A");
  await user.fill("#clar-text", question);
  await user.click("#clar-ask");
  await user.waitForSelector(".clar-form .ok");
  await user.waitForSelector(`#clar-list li[data-answered="no"]`);
  check((await text(user, "#clar-list")).includes(question), "the question is listed as unanswered");

  step = "the organizer answers from the queue";
  await org.goto(url(`#/org/clar/${cid}`));
  await org.waitForSelector("#clar-open li");
  const item = org.locator("#clar-open li", { hasText: question });
  check(await item.count() === 1, "the question is in the jury's queue of unanswered ones");
  check(/1 waiting/.test(await text(org, "#clar-counts")), "the queue counts it", await text(org, "#clar-counts"));
  await artifact(org, "org-clarifications");
  await item.locator("textarea").fill(answer);
  await item.locator('button[type="submit"]').click();
  await org.waitForSelector(`#clar-done li:has-text("${answer}")`);
  ok("the answered question moves to the answered list");

  step = "the contestant gets the answer live";
  await user.waitForFunction((a) => document.getElementById("clar-news")?.textContent.includes(a), answer, { timeout: 10000 });
  check(/answered your question/.test(await text(user, "#clar-news")), "a notice says the jury answered");
  check((await text(user, '#clar-list li[data-answered="yes"]')).includes(answer), "the answer is shown under the question");
  check(await user.evaluate(() => window.__noReload === true), "still without a reload");

  await soft("a broadcast reaches the contestant", async () => {
    const news = `Broadcast ${stamp}: problem C limits unchanged.`;
    await org.selectOption("#bc-problem", "C");
    await org.fill("#bc-text", news);
    await org.click("#bc-send");
    await user.waitForFunction((t) => document.getElementById("clar-list")?.textContent.includes(t), news, { timeout: 10000 });
    ok("the broadcast appears on the contest page live");
  });
  await artifact(user, "contestant-contest");

  await soft("operations page", async () => {
    await org.goto(url("#/org/ops"));
    await org.waitForSelector("table.ops-queue tbody tr");
    check(await org.locator("table.ops-queue tbody tr").count() === 5, "the queue shows five priority levels");
    check(await org.locator("table.ops-judges tbody tr").count() >= 1, "one judge is alive", await text(org, "#view"));
    const first = await text(org, "#ops-updated");
    await org.waitForFunction((t) => document.getElementById("ops-updated")?.textContent.trim() !== t, first, { timeout: 6000 });
    ok("the operations page refreshes by itself");
    await artifact(org, "org-ops");
  });

  await soft("users: an organizer is refused, an admin sets a tier", async () => {
    await org.goto(url("#/org/users"));
    await org.waitForSelector("#view .error");
    check(/forbidden.*admins only/.test(await text(org, "#view .error")), "users.list is for admins only", await text(org, "#view .error"));
    check(!(await org.isVisible('.org-tabs a[href="#/org/users"]')), "the organizer's console offers no Users tab");
    const admin = await newPage("admin");
    await signIn(admin, env.GAVEL_E2E_ADMIN_USER, env.GAVEL_E2E_ADMIN_PASSWORD);
    check(await admin.isVisible("#nav-org"), "the admin's header has the Organize link");
    await admin.goto(url("#/org/users"));
    await admin.waitForSelector("table.users tbody tr");
    check(await admin.isVisible('.org-tabs a[href="#/org/users"]'), "the admin's console has the Users tab");
    check(/Page 1 of \d+ · \d+ users/.test(await text(admin, ".pager")), "the users page is paginated", await text(admin, ".pager"));
    const row = admin.locator(`table.users tr[data-user="${contestant}"]`);
    check(await row.count() === 1, "the contestant is listed");
    await row.locator("select").nth(1).selectOption("paid");
    await row.locator("button").click();
    await row.locator(".ok").waitFor();
    check((await row.getAttribute("data-tier")) === "paid" && /contestant, paid/.test(await text(admin, `table.users tr[data-user="${contestant}"] .ok`)),
      "user.set made the contestant paid");
    await artifact(admin, "org-users");
    await admin.context().close();
    delete pages.admin;
  });

  step = "submissions during the freeze";
  await until(startMs, FREEZE_AT_S + 1);
  await submit(tab, cid, "pair-sum", "python", "accepted/first_pair.py", "AC");
  await submit(tab, cid, "distinct-count", "python", "wrong_answer/adjacent_only.py", "WA");
  await tab.close();
  await user.waitForSelector('#board-title .badge.phase-frozen');
  check(/frozen/i.test(await text(user, "#frozen-banner")), "a banner says the board is frozen", await text(user, "#frozen-banner"));
  check(await user.locator("table.board td.cell.pending").count() === 2, "the contestant's board shows both frozen attempts as pending");

  await soft("unfreezing before the end is refused", async () => {
    await org.goto(url(`#/org/contest/${cid}`));
    await org.waitForSelector("#org-unfreeze");
    await org.click("#org-unfreeze");
    await org.waitForSelector("#org-unfreeze-msg .error");
    check(/forbidden.*not ended/.test(await text(org, "#org-unfreeze-msg")), "the server says the contest has not ended", await text(org, "#org-unfreeze-msg"));
  });

  step = "the organizer ends the contest now (contest.update)";
  const endAt = Math.ceil((Date.now() + 3000 - startMs) / 1000);
  await org.goto(url(`#/org/contest/${cid}`));
  await org.waitForSelector("#org-definition");
  {
    const def = await org.inputValue("#org-definition");
    check(/^duration: /m.test(def) && /^scoreboard_freeze_duration: /m.test(def), "the stored definition has the end and the freeze");
    await org.fill("#org-definition", def.replace(/^duration: .*$/m, `duration: ${hms(endAt)}`)
      .replace(/^scoreboard_freeze_duration: .*$/m, `scoreboard_freeze_duration: ${hms(endAt - FREEZE_AT_S)}`));
    await org.evaluate(() => { const m = document.getElementById("org-def-msg"); if (m) m.textContent = ""; });
    await org.click("#org-save");
    await org.waitForSelector("#org-def-msg .ok");
    ok("a running contest's end brought forward");
  }
  await until(startMs, endAt + 1);
  await user.waitForSelector('#contest-title + .badge[data-phase="ended"]', { timeout: 15000 });
  ok("the contestant's page turns ended by the push");

  step = "after the end: the reveal";
  await org.goto(url(`#/org/reveal/${cid}`));
  await org.waitForSelector("#reveal-status");
  check(/Frozen board · 2 cells to resolve/.test(await text(org, "#reveal-status")), "the reveal starts at the frozen board with 2 steps", await text(org, "#reveal-status"));
  check(await org.locator(".reveal-board td.cell.pending").count() === 2 && await org.locator(".reveal-board td.resolving").count() === 1,
    "two pending cells, the next one highlighted");
  await org.keyboard.press("Space");
  await org.waitForSelector('#reveal-status[data-step="1"]');
  check(await org.locator(".reveal-board td.resolved-now.solved").count() === 1, "Space resolves a cell (B: solved)");
  check(/problem B solved/.test(await text(org, "#reveal-said")), "the step is announced", await text(org, "#reveal-said"));
  await org.keyboard.press("ArrowLeft");
  await org.waitForSelector('#reveal-status[data-step="0"]');
  ok("Left goes back to the frozen board");
  await org.keyboard.press("ArrowRight");
  await org.keyboard.press("Space");
  await org.waitForSelector('#reveal-status[data-final="true"]');
  check(await org.locator(".reveal-board td.cell.pending").count() === 0, "the last step shows the final board, nothing pending");
  check((await text(org, ".reveal-board tbody tr")).includes(contestant), "the contestant's row is on the board");
  await artifact(org, "org-reveal");

  step = "the organizer unfreezes";
  await org.goto(url(`#/org/contest/${cid}`));
  await org.waitForSelector("#org-unfreeze");
  await org.click("#org-unfreeze");
  await org.waitForSelector("#org-unfreeze-msg .ok");
  ok("contest.unfreeze accepted after the end");
  // The unfreeze's own phase push redraws the head; the answer must stay.
  await org.waitForSelector('.org-contest-head .badge[data-phase="finalized"]', { timeout: 10000 });
  check(await org.isVisible("#org-unfreeze-msg .ok"), "the answer is still shown after the head turned finalized");
  await user.waitForSelector('#contest-title + .badge[data-phase="finalized"]', { timeout: 10000 });
  ok("the contestant's page turns finalized by the push");
  await user.waitForFunction(() => document.querySelectorAll("table.board td.cell.pending").length === 0);
  check(await user.locator("table.board td.cell.solved").count() === 2, "the public board is the final one (A and B solved)");

  step = "rejudge the contest and read the report";
  await org.goto(url(`#/org/rejudges?contest=${cid}`));
  await org.waitForSelector("#rj-start");
  await org.check("#rj-scope-contest");
  check(await org.inputValue("#rj-contest") === String(cid), "the rejudge form is prefilled with the contest");
  await org.click("#rj-start");
  await org.waitForFunction(() => /^#\/org\/rejudge\/\d+$/.test(location.hash));
  await org.waitForFunction(() => /complete/.test(document.getElementById("rj-summary")?.textContent || ""), null, { timeout: VERDICT_TIMEOUT_MS });
  const summary = await text(org, "#rj-summary");
  check(/3 of 3 judged again/.test(summary) && /0 verdicts changed/.test(summary), "the report: 3 rejudged, none changed", summary);
  const pairs = await org.locator("table.rejudge-items tbody tr").evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll(".verdict")].map((v) => v.textContent).join("->")));
  check(pairs.sort().join() === "AC->AC,AC->AC,WA->WA", "old -> new verdicts listed", pairs.join());
  check(/no row changed/.test(await text(org, "#view")), "no board row changed");
  await artifact(org, "org-rejudge-report");
  await org.goto(url(`#/org/rejudges?contest=${cid}`));
  await org.waitForSelector("table.rejudges tbody tr");
  check(/contest \d+/.test(await text(org, "table.rejudges tbody tr")) && /3\/3/.test(await text(org, "table.rejudges tbody tr")),
    "the batch is listed, done");
  await artifact(org, "org-rejudges");

  await soft("no script errors", async () => {
    check(pageErrors.length === 0, "no page threw an uncaught error", pageErrors.join("; "));
  });
} catch (err) {
  await failure(err);
}
await browser.close().catch(() => {});
log(`# console test took ${((Date.now() - t0) / 1000).toFixed(1)} s; screenshots in ${ART}`);
if (failures.length) {
  console.error(`# ${passes} checks passed; failed: ${failures.join("; ")}`);
  process.exit(1);
}
log(`# ${passes} checks passed`);
process.exit(0);
