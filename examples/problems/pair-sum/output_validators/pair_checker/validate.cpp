// SPDX-License-Identifier: MIT
// Output validator for Pair Sum (problem package convention):
//   validate input_file answer_file feedback_dir < contestant_output
// Exit 42 accepts, 43 rejects (with a reason in feedback_dir/judgemessage.txt).
// Any other exit status means the package itself is broken (judge error).
//
// The answer file holds either a valid pair or -1; only whether a pair
// exists is taken from it, the contestant may print any valid pair.
#include <cctype>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

static const int AC = 42, WA = 43;
static std::string feedback_dir;

[[noreturn]] static void verdict(int code, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    std::string path = feedback_dir + "/judgemessage.txt";
    if (FILE *f = fopen(path.c_str(), "a")) {
        fprintf(f, "%s\n", msg);
        fclose(f);
    }
    if (code != AC && code != WA)
        fprintf(stderr, "pair_checker: %s\n", msg);
    exit(code);
}

// Reads one whitespace-separated token; false at end of file.
static bool token(FILE *f, std::string &tok)
{
    int c;
    tok.clear();
    while ((c = getc(f)) != EOF && isspace(c))
        ;
    while (c != EOF && !isspace(c)) {
        if (tok.size() < 64)
            tok.push_back((char)c);
        c = getc(f);
    }
    return !tok.empty();
}

// A token that is a plain decimal integer within [lo, hi].
static bool parse(const std::string &tok, long long lo, long long hi, long long &v)
{
    if (tok.empty() || tok.size() > 20)
        return false;
    size_t i = tok[0] == '-' ? 1 : 0;
    if (i == tok.size())
        return false;
    for (size_t k = i; k < tok.size(); k++)
        if (!isdigit((unsigned char)tok[k]))
            return false;
    errno = 0;
    char *end;
    v = strtoll(tok.c_str(), &end, 10);
    return errno == 0 && *end == '\0' && v >= lo && v <= hi;
}

static long long read_int(FILE *f, const char *what, long long lo, long long hi)
{
    std::string tok;
    long long v;
    if (!token(f, tok) || !parse(tok, lo, hi, v))
        verdict(1, "bad %s: '%s'", what, tok.c_str());
    return v;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: %s input answer feedback_dir < output\n", argv[0]);
        return 1;
    }
    feedback_dir = argv[3];
    FILE *in = fopen(argv[1], "r"), *ans = fopen(argv[2], "r");
    if (!in || !ans)
        verdict(1, "cannot open the input or the answer file");

    long long n = read_int(in, "n in the input", 2, 100000);
    long long t = read_int(in, "t in the input", -2000000000LL, 2000000000LL);
    std::vector<long long> a(n + 1);
    for (long long i = 1; i <= n; i++)
        a[i] = read_int(in, "a_i in the input", -1000000000LL, 1000000000LL);

    // The jury's answer: -1, or a pair that must itself be valid.
    long long ji = read_int(ans, "first number of the answer file", -1, n);
    bool exists = ji != -1;
    if (exists) {
        long long jj = read_int(ans, "second number of the answer file", 1, n);
        if (ji < 1 || ji == jj || a[ji] + a[jj] != t)
            verdict(1, "the answer file's pair %lld %lld is not valid", ji, jj);
    }

    std::string tok, extra;
    long long i, j;
    if (!token(stdin, tok))
        verdict(WA, "empty output");
    if (tok == "-1") {
        if (exists)
            verdict(WA, "printed -1, but a pair exists");
    } else {
        if (!parse(tok, 1, n, i))
            verdict(WA, "first index '%s' is not an integer in [1, %lld]", tok.c_str(), n);
        if (!token(stdin, tok))
            verdict(WA, "only one index printed");
        if (!parse(tok, 1, n, j))
            verdict(WA, "second index '%s' is not an integer in [1, %lld]", tok.c_str(), n);
        if (i == j)
            verdict(WA, "both indices are %lld; they must differ", i);
        if (a[i] + a[j] != t)
            verdict(WA, "a[%lld] + a[%lld] = %lld + %lld = %lld, not %lld", i, j, a[i], a[j],
                    a[i] + a[j], t);
        if (!exists)
            verdict(1, "contestant found a valid pair %lld %lld, but the answer file says -1",
                    i, j);
    }
    if (token(stdin, extra))
        verdict(WA, "trailing output: '%s'", extra.c_str());
    verdict(AC, "ok");
}
