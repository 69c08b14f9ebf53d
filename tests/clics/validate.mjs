// SPDX-License-Identifier: MIT
// validate.mjs BASE USER:PASSWORD [DEF...] - every answer of a running
// gavel-server's CLICS API (BASE, e.g. http://127.0.0.1:8080/api/clics)
// against schema.json: the API information, every contest, each of its
// collections (the first ten objects of each also by their own URL: the
// same object as in the list), the state, the scoreboard, and every notification of the
// event feed with its data. Both views: the public's, and the jury's (USER
// logged in; a session cookie). DEFs name the schemas that must have checked at
// least one object (a test that checked nothing proves nothing). First the
// schemas must refuse a few broken objects, so that they can fail at all.
import { readFileSync } from "node:fs";
import { isDeepStrictEqual } from "node:util";
import Ajv2020 from "ajv/dist/2020.js";

const [base, cred, ...mustHave] = process.argv.slice(2);
if (!base || !cred) {
  console.error("usage: node validate.mjs BASE USER:PASSWORD [DEF...]");
  process.exit(2);
}
const schema = JSON.parse(readFileSync(new URL("./schema.json", import.meta.url), "utf8"));
const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
ajv.addSchema(schema);
const validators = {};
const v = (def) =>
  (validators[def] ??= ajv.getSchema(`${schema.$id}#/$defs/${def}`));

const collections = {
  "judgement-types": "judgementType",
  languages: "language",
  problems: "problem",
  teams: "team",
  organizations: "organization",
  groups: "group",
  submissions: "submission",
  judgements: "judgement",
  runs: "run",
  clarifications: "clarification",
  awards: "award",
};
const feedTypes = { ...collections, contest: "contest", state: "state" };

let fails = 0;
const counts = {};
const fail = (what, detail) => {
  fails++;
  console.log(`not ok - ${what}: ${detail}`);
};
function check(def, obj, where) {
  const validate = v(def);
  if (!validate) return fail(where, `no schema ${def}`);
  if (validate(obj)) {
    counts[def] = (counts[def] ?? 0) + 1;
    return true;
  }
  fail(`${where} is a valid ${def}`, ajv.errorsText(validate.errors) + " in " + JSON.stringify(obj).slice(0, 300));
  return false;
}

// The schemas can fail: each of these is refused.
const broken = [
  ["contest", { id: 7, name: "x", duration: "5:00:00.000", scoreboard_type: "pass-fail" }],
  ["contest", { id: "c", name: "x", duration: "5 hours", scoreboard_type: "pass-fail" }],
  ["judgement", { id: "1", submission_id: "1", judgement_type_id: "AC", start_time: "2024-01-01T10:00:00.000+00:00",
                  start_contest_time: "0:00:00.000", end_time: null, end_contest_time: null }],
  ["judgement", { id: "1", submission_id: "1", judgement_type_id: "XX", start_time: "2024-01-01T10:00:00.000+00:00",
                  start_contest_time: "0:00:00.000", end_time: "2024-01-01T10:00:00.000+00:00", end_contest_time: "0:00:00.000" }],
  ["scoreboard", { time: "2024-01-01T10:00:00.000+00:00", contest_time: "0:00:00.000",
                   state: { started: null, frozen: null, ended: null, thawed: null, finalized: null, end_of_updates: null },
                   rows: [{ team_id: "1", score: { num_solved: 0, total_time: 0 }, problems: [] }] }],
  ["notification", { type: "teams", id: "1", op: "create", data: {} }],
  ["team", { id: "has space", label: "x", name: "x" }],
];
for (const [def, obj] of broken) {
  if (v(def)(obj)) fail(`the ${def} schema refuses ${JSON.stringify(obj).slice(0, 80)}`, "it accepted it");
}
const brokenRefused = fails === 0;

async function get(path, cookie) {
  const headers = cookie ? { Cookie: cookie } : {};
  const res = await fetch(base + path, { headers });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`GET ${path}: HTTP ${res.status}: ${text.slice(0, 200)}`);
  return text;
}
async function view(name, cookie) {
  const getJSON = async (path) => JSON.parse(await get(path, cookie));
  check("apiInfo", await getJSON(""), `${name} GET /`);
  const contests = await getJSON("/contests");
  if (!Array.isArray(contests)) return fail(`${name} /contests`, "not an array");
  for (const c of contests) {
    const at = `${name} /contests/${c.id}`;
    check("contest", c, at + " (in the list)");
    const one = await getJSON(`/contests/${c.id}`);
    check("contest", one, at);
    if (!isDeepStrictEqual(one, c)) fail(at, "differs from its element of /contests");
    for (const [coll, def] of Object.entries(collections)) {
      const list = await getJSON(`/contests/${c.id}/${coll}`);
      if (!Array.isArray(list)) {
        fail(`${at}/${coll}`, "not an array");
        continue;
      }
      for (const [i, o] of list.entries()) {
        // Each object by its own URL too: the first few of a collection.
        if (!check(def, o, `${at}/${coll}/${o.id}`) || i >= 10) continue;
        const single = await getJSON(`/contests/${c.id}/${coll}/${encodeURIComponent(o.id)}`);
        if (!isDeepStrictEqual(single, o)) fail(`${at}/${coll}/${o.id}`, "differs from its element of the list");
      }
    }
    check("state", await getJSON(`/contests/${c.id}/state`), `${at}/state`);
    check("scoreboard", await getJSON(`/contests/${c.id}/scoreboard`), `${at}/scoreboard`);
    const feed = await get(`/contests/${c.id}/event-feed?stream=false`, cookie);
    let n = 0;
    for (const line of feed.split("\n")) {
      if (!line.trim()) continue;
      n++;
      const ev = JSON.parse(line);
      if (!check("notification", ev, `${at}/event-feed line ${n}`)) continue;
      const def = feedTypes[ev.type];
      if (!def || ev.data === null) continue;
      if (Array.isArray(ev.data)) ev.data.forEach((o, i) => check(def, o, `${at}/event-feed line ${n}[${i}]`));
      else check(def, ev.data, `${at}/event-feed line ${n} (${ev.type})`);
    }
  }
}

try {
  await view("public", null);
  // The jury's view by a session cookie: basic auth would hash the
  // password (argon2id) on every one of these requests.
  const [username, password] = [cred.slice(0, cred.indexOf(":")), cred.slice(cred.indexOf(":") + 1)];
  // The login hashes it once; a few tries, for a loaded machine.
  let cookie = "", status = 0;
  for (let i = 0; i < 5 && !cookie.startsWith("gavel_session="); i++) {
    try {
      const login = await fetch(new URL("/api/login", base), {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ username, password }),
      });
      status = login.status;
      cookie = (login.headers.get("set-cookie") ?? "").split(";")[0];
    } catch (e) {
      status = e.message;
    }
  }
  if (!cookie.startsWith("gavel_session=")) throw new Error(`login as ${username}: ${status}`);
  await view("jury", cookie);
} catch (e) {
  fail("reading the API", e.message);
}
for (const def of mustHave) if (!counts[def]) fail(`at least one ${def} checked`, "none was");
console.log(`# objects checked: ${Object.entries(counts).map(([k, n]) => `${k} ${n}`).join(", ")}`);
console.log(`${brokenRefused ? "ok" : "not ok"} - the schemas refuse ${broken.length} broken objects`);
console.log(`${fails ? "not ok" : "ok"} - every answer of the CLICS API matches its schema (${fails} failures)`);
process.exit(fails ? 1 : 0);
