// SPDX-License-Identifier: MIT
// gen_synth.mjs DIR N - writes N synthetic C++ solutions of about 100 lines
// into DIR for the speed benchmark: each file draws its own functions from
// a small grammar (loops, conditions, arithmetic over random names), so
// pairs share the idioms real solutions share, and every 50th file is a
// renamed copy of the one before it. Deterministic (fixed seed).
import { mkdirSync, writeFileSync } from "node:fs";

const [dir, nArg] = process.argv.slice(2);
const n = +nArg || 1000;
// mulberry32: a plain LCG's low bits cycle, and `% 2` would alternate.
let seed = 12345;
const rnd = k => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) % k;
};
const pick = a => a[rnd(a.length)];
const names = ["a", "b", "c", "n", "m", "k", "x", "y", "sum", "cnt", "best", "cur", "lo", "hi",
    "ans", "tmp", "val", "idx", "len", "res", "acc", "step", "p", "q", "dp", "cost"];
const types = ["int", "long long", "double", "size_t"];
const ops = ["+", "-", "*", "/", "%", "^", "&", "|"];
const cmps = ["<", "<=", ">", ">=", "==", "!="];

const calls = ["min", "max", "abs", "sqrt", "gcd", "f0", "pow", "lower_bound", "swap"];
function expr(d) {
    const r = rnd(d > 2 ? 3 : 9);
    if (r === 0) return pick(names);
    if (r === 1) return String(rnd(1000));
    if (r === 2) return `${pick(names)}[${pick(names)}]`;
    if (r === 3) return `(${expr(d + 1)})`;
    if (r === 4) return `${pick(calls)}(${expr(d + 1)}${rnd(2) ? ", " + expr(d + 1) : ""})`;
    if (r === 5) return `${expr(d + 1)} ${pick(cmps)} ${expr(d + 1)} ? ${expr(d + 1)} : ${expr(d + 1)}`;
    if (r === 6) return `${pick(["-", "!", "~", "++", "--"])}${pick(names)}`;
    if (r === 7) return `${pick(names)}.${pick(["size()", "first", "second", "back()"])}`;
    return `${expr(d + 1)} ${pick(ops)} ${expr(d + 1)}`;
}
function stmt(ind, d) {
    const r = rnd(d > 2 ? 3 : 10), s = " ".repeat(ind);
    if (r === 7) return [`${s}if (${expr(1)}) ${pick(["break", "continue", "return " + expr(1)])};`];
    if (r === 8) return [`${s}${pick(["vector<int>", "string", "map<int, int>", "pair<int, int>", "auto"])} ${pick(names)}${rnd(2) ? "(" + expr(1) + ")" : ""};`];
    if (r === 9) return [`${s}${pick(names)}.${pick(["push_back", "insert", "resize", "assign"])}(${expr(1)});`];
    if (r === 0) return [`${s}${pick(types)} ${pick(names)} = ${expr(0)};`];
    if (r === 1) return [`${s}${pick(names)} ${pick(["+=", "-=", "="])} ${expr(0)};`];
    if (r === 2) return [`${s}v[${pick(names)}] = ${expr(0)};`];
    const body = [];
    for (let i = 0, m = 1 + rnd(4); i < m; i++) body.push(...stmt(ind + 4, d + 1));
    if (r === 3) return [`${s}for (int ${pick(names)} = 0; ${pick(names)} < ${pick(names)}; ++${pick(names)}) {`, ...body, `${s}}`];
    if (r === 4) return [`${s}while (${pick(names)} ${pick(cmps)} ${expr(1)}) {`, ...body, `${s}}`];
    if (r === 5) return [`${s}if (${expr(1)} ${pick(cmps)} ${expr(1)}) {`, ...body, `${s}} else {`, ...stmt(ind + 4, d + 1), `${s}}`];
    return [`${s}${pick(names)} = std::max(${expr(1)}, ${expr(1)});`];
}
function program() {
    const lines = ["#include <bits/stdc++.h>", "using namespace std;", "static long long v[1000];", ""];
    let f = 0;
    while (lines.length < 90) {
        lines.push(`long long f${f++}(long long ${pick(names)}, long long ${pick(names)}) {`);
        for (let i = 0, m = 3 + rnd(4); i < m; i++) lines.push(...stmt(4, 0));
        lines.push(`    return ${expr(0)};`, "}", "");
    }
    lines.push("int main() {", "    long long n;", "    cin >> n;",
        `    cout << f0(n, n) + f${f - 1}(n, 1) << endl;`, "    return 0;", "}");
    return lines.join("\n") + "\n";
}
mkdirSync(dir, { recursive: true });
let prev = "";
for (let i = 0; i < n; i++) {
    const src = i % 50 === 49 ? prev.replace(/\bcnt\b/g, "counter").replace(/\bbest\b/g, "top") : program();
    writeFileSync(`${dir}/s${String(i).padStart(4, "0")}.cpp`, src);
    prev = src;
}
