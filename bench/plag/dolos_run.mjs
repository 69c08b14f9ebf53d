// SPDX-License-Identifier: MIT
// dolos_run.mjs LANG LIST - runs Dolos (@dodona/dolos-lib, installed here by
// `npm ci`) on the files named in LIST (one path a line) and prints every
// pair it reports as "left<TAB>right<TAB>similarity": the peer's figures for
// bench/plag/run.sh, which joins them with the labels.
import { readFileSync } from "node:fs";
import { Dolos } from "@dodona/dolos-lib";

const [lang, list] = process.argv.slice(2);
if (!lang || !list) {
    process.stderr.write("usage: node dolos_run.mjs LANG LIST\n");
    process.exit(2);
}
const paths = readFileSync(list, "utf8").split("\n").filter(Boolean);
// Every pair, whatever its similarity: the ranking metrics need them all.
const dolos = new Dolos({ language: lang, minSimilarity: 0, limitResults: null });
const report = await dolos.analyzePaths(paths);
const out = [];
for (const p of report.allPairs())
    out.push(`${p.leftFile.path}\t${p.rightFile.path}\t${p.similarity}`);
process.stdout.write(out.join("\n") + (out.length ? "\n" : ""));
