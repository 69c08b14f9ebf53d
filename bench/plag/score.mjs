// SPDX-License-Identifier: MIT
// score.mjs LABELS TOOL=SCORES... - ranking quality of each tool on labelled
// pairs. LABELS: "left<TAB>right<TAB>label(1|0)<TAB>level" lines; SCORES:
// "left<TAB>right<TAB>score" lines in either order (a labelled pair a tool
// did not report scores 0). Prints a Markdown table: ROC-AUC (ties count
// half), average precision, and per level the recall at the tool's best-F1
// threshold over all labelled pairs; then per level the ROC-AUC of that
// level's positives against all the negatives (how well a tool ranks each
// kind of disguise above independent solutions).
import { readFileSync } from "node:fs";

const key = (a, b) => (a < b ? a + "\t" + b : b + "\t" + a);
const lines = f => readFileSync(f, "utf8").split("\n").filter(Boolean).map(l => l.split("\t"));
const [labelsFile, ...tools] = process.argv.slice(2);
const labels = lines(labelsFile).map(([a, b, y, level]) => ({ k: key(a, b), y: +y, level }));
const levels = [...new Set(labels.filter(l => l.y).map(l => l.level))].sort();

function auc(s, keep = () => true) {
    // Mann-Whitney U over the sorted scores, ties averaged.
    const v = s.map((x, i) => [x, labels[i].y, i]).filter(p => keep(p[2])).sort((p, q) => p[0] - q[0]);
    let rankSum = 0, npos = 0;
    for (let i = 0; i < v.length;) {
        let j = i;
        while (j < v.length && v[j][0] === v[i][0]) j++;
        const rank = (i + 1 + j) / 2;
        for (let t = i; t < j; t++) if (v[t][1]) { rankSum += rank; npos++; }
        i = j;
    }
    const nneg = v.length - npos;
    return (rankSum - (npos * (npos + 1)) / 2) / (npos * nneg);
}

function ap(s) {
    // Average precision, ties broken pessimistically (negatives first).
    const v = s.map((x, i) => [x, labels[i].y]).sort((p, q) => q[0] - p[0] || p[1] - q[1]);
    const npos = v.filter(p => p[1]).length;
    let tp = 0, sum = 0;
    v.forEach((p, i) => { if (p[1]) { tp++; sum += tp / (i + 1); } });
    return sum / npos;
}

function bestF1(s) {
    let best = { f1: -1, t: 0 };
    for (const t of [...new Set(s)]) {
        let tp = 0, fp = 0, fn = 0;
        s.forEach((x, i) => { if (x >= t) labels[i].y ? tp++ : fp++; else if (labels[i].y) fn++; });
        const f1 = (2 * tp) / (2 * tp + fp + fn);
        if (f1 > best.f1) best = { f1, t };
    }
    return best;
}

const npos = labels.filter(l => l.y).length;
console.log(`${labels.length} labelled pairs: ${npos} positive, ${labels.length - npos} negative`);
console.log(`| tool | ROC-AUC | AP | best F1 (threshold) | ` +
    levels.map(l => `recall ${l}`).join(" | ") + " |");
console.log("|---|---|---|---|" + levels.map(() => "---|").join(""));
const scores = tools.map(spec => {
    const [name, file] = spec.split("=");
    const m = new Map();
    for (const [a, b, x] of lines(file)) {
        const k = key(a, b);
        m.set(k, Math.max(m.get(k) ?? 0, +x));
    }
    const s = labels.map(l => m.get(l.k) ?? 0);
    const f = bestF1(s);
    const rec = levels.map(lv => {
        const idx = labels.map((l, i) => i).filter(i => labels[i].y && labels[i].level === lv);
        return (idx.filter(i => s[i] >= f.t).length / idx.length).toFixed(2);
    });
    console.log(`| ${name} | ${auc(s).toFixed(3)} | ${ap(s).toFixed(3)} | ` +
        `${f.f1.toFixed(3)} (${(+f.t).toFixed(3)}) | ${rec.join(" | ")} |`);
    return [name, s];
});
console.log("");
console.log("| tool | " + levels.map(l => `ROC-AUC ${l}`).join(" | ") + " |");
console.log("|---|" + levels.map(() => "---|").join(""));
for (const [name, s] of scores)
    console.log(`| ${name} | ` + levels.map(lv =>
        auc(s, i => !labels[i].y || labels[i].level === lv).toFixed(3)).join(" | ") + " |");
