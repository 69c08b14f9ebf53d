#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test_judge_verdicts.sh GAVEL - `gavel judge` (jdg_judge, the worker's own
# judging) on small packages built here: how run results become verdicts,
# which test's verdict the submission gets, and that a judge error is never
# reported as the contestant's verdict. Needs the sandbox, hence root.
. "$(dirname "$0")/lib.sh"
GAVEL=$1
if [ "$(id -u)" != 0 ]; then
    echo "gavel judge runs the sandbox, which needs root" >&2
    exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# summary JSON: "VERDICT SCORE TESTS_RUN" of a judging.
summary() {
    python3 -c 'import json,sys; d=json.load(sys.stdin)
print(d["verdict"], "%g" % d["score"], d["tests_run"])' <<<"$1" 2>/dev/null || echo "unparsed: $1"
}
judge() { # judge PACKAGE SOURCE: the judging's summary in $got
    local rc=0
    out=$("$GAVEL" judge --problem "$work/$1" "$work/$2" 2>/dev/null) || rc=$?
    got="$(summary "$out") rc=$rc"
}
src() { cat >"$work/$1"; }

# A pass-fail problem: x -> x + 1; tests sample/1, then secret 1, 10, 2
# (bytewise order, as docs/JUDGING.md says).
pf=$work/pf
mkdir -p "$pf/data/sample" "$pf/data/secret"
printf 'name: PF\nlimits:\n  time_limit: 1\n  output: 1\n' >"$pf/problem.yaml"
printf '1\n' >"$pf/data/sample/1.in"
printf '2\n' >"$pf/data/sample/1.ans"
for i in 1 2 10; do
    printf '%d\n' "$i" >"$pf/data/secret/$i.in"
    printf '%d\n' $((i + 1)) >"$pf/data/secret/$i.ans"
done

src ok.c <<'EOF'
#include <stdio.h>
int main(void) { long x; if (scanf("%ld", &x) != 1) return 1; printf("%ld\n", x + 1); return 0; }
EOF
src crash_after.c <<'EOF'
#include <stdio.h>
#include <stdlib.h>
int main(void) { long x; scanf("%ld", &x); printf("%ld\n", x + 1); fflush(stdout); abort(); }
EOF
src exit3.c <<'EOF'
#include <stdio.h>
int main(void) { long x; scanf("%ld", &x); printf("%ld\n", x + 1); return 3; }
EOF
src spin_after.c <<'EOF'
#include <stdio.h>
int main(void) {
    long x; scanf("%ld", &x); printf("%ld\n", x + 1); fflush(stdout);
    for (volatile unsigned long i = 0;; i++) ;
}
EOF
src stderr_flood.c <<'EOF'
#include <stdio.h>
#include <string.h>
int main(void) {
    static char b[1 << 16]; long x; scanf("%ld", &x); memset(b, 'e', sizeof b);
    for (int i = 0; i < 40; i++) fwrite(b, 1, sizeof b, stderr);
    printf("%ld\n", x + 1); return 0;
}
EOF
src always2.c <<'EOF'
#include <stdio.h>
int main(void) { puts("2"); return 0; }
EOF

judge pf ok.c
check "the right program is AC ($got)" [ "$got" = "AC 1 4 rc=0" ]
judge pf crash_after.c
check "the right answer, then abort(), is RE ($got)" [ "$got" = "RE 0 1 rc=0" ]
judge pf exit3.c
check "the right answer with exit code 3 is RE ($got)" [ "$got" = "RE 0 1 rc=0" ]
judge pf spin_after.c
check "the right answer, then spinning past the CPU limit, is TLE ($got)" \
    [ "$got" = "TLE 0 1 rc=0" ]
judge pf stderr_flood.c
check "stderr counts against the output limit: OLE ($got)" [ "$got" = "OLE 0 1 rc=0" ]
judge pf always2.c
check "the verdict is the first failing test's, in bytewise order: 10 before 2 ($got)" \
    [ "$got" = "WA 0 3 rc=0" ]
check "and it is secret/10" contains "$out" '"name":"secret/10","verdict":"WA"'

# A scored problem with a custom validator that crashes (exit 1, neither 42
# nor 43) on the test of group g2: whatever failed before it, the judging
# is a judge error, not the contestant's WA with g2's points lost. The
# worker retries only a JE, so a WA here would be committed for good.
sc=$work/sc
mkdir -p "$sc/data/sample" "$sc/data/secret/g1" "$sc/data/secret/g2" "$sc/output_validators/v"
printf 'name: SC\ntype: scoring\nvalidation: custom\nlimits:\n  time_limit: 1\n' >"$sc/problem.yaml"
printf 'score: 40\n' >"$sc/data/secret/g1/testdata.yaml"
printf 'score: 60\n' >"$sc/data/secret/g2/testdata.yaml"
printf '1\n' >"$sc/data/sample/1.in"
printf '2\n' >"$sc/data/sample/1.ans"
printf '5\n' >"$sc/data/secret/g1/1.in"
printf '6\n' >"$sc/data/secret/g1/1.ans"
printf '7\n' >"$sc/data/secret/g2/1.in"
printf '8\n' >"$sc/data/secret/g2/1.ans"
cat >"$sc/output_validators/v/v.c" <<'EOF'
#include <stdio.h>
int main(int argc, char **argv)
{
    FILE *a = fopen(argv[2], "r");
    long want, got;
    if (!a || fscanf(a, "%ld", &want) != 1 || want == 8)
        return 1; /* the jury's bug: crashes on g2's test */
    return scanf("%ld", &got) == 1 && got == want ? 42 : 43;
}
EOF
src wrong_sample.c <<'EOF'
#include <stdio.h>
int main(void) { long x; scanf("%ld", &x); printf("%ld\n", x == 1 ? 0 : x + 1); return 0; }
EOF
src wrong_g1.c <<'EOF'
#include <stdio.h>
int main(void) { long x; scanf("%ld", &x); printf("%ld\n", x == 5 ? 0 : x + 1); return 0; }
EOF
judge sc ok.c
check "scored: a validator crash is JE ($got)" contains "$got" "^JE .* rc=1$"
judge sc wrong_sample.c
check "scored: a validator crash after a failed sample is still JE ($got)" \
    contains "$got" "^JE .* rc=1$"
judge sc wrong_g1.c
check "scored: a validator crash after a failed group is still JE ($got)" \
    contains "$got" "^JE .* rc=1$"
check "and the message names the test" contains "$out" '"message":"test secret/g2/1: validator failed'

# The same package with a working validator: IOI points per group.
cat >"$sc/output_validators/v/v.c" <<'EOF'
#include <stdio.h>
int main(int argc, char **argv)
{
    FILE *a = fopen(argv[2], "r");
    long want, got;
    if (!a || fscanf(a, "%ld", &want) != 1)
        return 1;
    return scanf("%ld", &got) == 1 && got == want ? 42 : 43;
}
EOF
judge sc ok.c
check "scored: all groups pass: AC 100 ($got)" [ "$got" = "AC 100 3 rc=0" ]
judge sc wrong_sample.c
check "scored: a failed sample is WA with every group's points ($got)" [ "$got" = "WA 100 3 rc=0" ]
judge sc wrong_g1.c
check "scored: a failed group is WA with the other group's points ($got)" [ "$got" = "WA 60 3 rc=0" ]

finish
