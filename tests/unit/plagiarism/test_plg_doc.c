/* SPDX-License-Identifier: MIT
 * test_plg_doc.c - winnowing's guarantee and density, and the stored form:
 * round trips, and refusal of anything that is not one. */
#include "../test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gv_alloc.h"
#include "gv_err.h"
#include "gv_time.h"
#include "plg.h"

static uint32_t rng = 2463534242u;

static uint32_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

static void random_tokens(struct plg_tokens *t, size_t n, uint32_t alphabet)
{
    t->v = gv_malloc((n ? n : 1) * sizeof(*t->v));
    assert_non_null(t->v);
    t->len = t->cap = n;
    for (size_t i = 0; i < n; i++) {
        t->v[i].kind = 1 + next() % alphabet;
        t->v[i].line = 1 + (uint32_t)i / 8;
    }
}

static bool share_hash(const struct plg_doc *a, const struct plg_doc *b)
{
    for (size_t i = 0; i < a->nfp; i++)
        for (size_t j = 0; j < b->nfp; j++)
            if (a->fp[i].hash == b->fp[j].hash)
                return true;
    return false;
}

/* Any shared run of w + k - 1 tokens yields a shared fingerprint, even with
 * an alphabet of two (many equal hashes, where robust winnowing's tie rule
 * matters). */
static void shared_run_gives_shared_fingerprint(void **state)
{
    static const uint32_t kw[][2] = {{1, 1}, {3, 4}, {5, 8}, {12, 8}, {10, 16}, {20, 30}};
    static const uint32_t alphabets[] = {2, 40};

    for (size_t c = 0; c < sizeof(kw) / sizeof(kw[0]); c++) {
        for (size_t al = 0; al < 2; al++) {
            for (int round = 0; round < 100; round++) {
                uint32_t k = kw[c][0], w = kw[c][1], run = w + k - 1;
                struct plg_tokens a, b;
                struct plg_doc da, db;
                size_t na = run + next() % 300, nb = run + next() % 300;
                size_t pa = next() % (na - run + 1), pb = next() % (nb - run + 1);

                random_tokens(&a, na, alphabets[al]);
                random_tokens(&b, nb, alphabets[al]);
                for (size_t i = 0; i < run; i++)
                    b.v[pb + i].kind = a.v[pa + i].kind;
                assert_int_equal(plg_doc_build(&da, &a, k, w), 0);
                assert_int_equal(plg_doc_build(&db, &b, k, w), 0);
                if (!share_hash(&da, &db))
                    fail_msg("k=%u w=%u: no shared fingerprint for a shared run", k, w);
                plg_doc_release(&da);
                plg_doc_release(&db);
                plg_tokens_release(&a);
                plg_tokens_release(&b);
            }
        }
    }
}

/* About 2/(w + 1) of the k-grams are kept, positions increase, and no gap
 * between fingerprints exceeds a window. */
static void density_and_order(void **state)
{
    struct plg_tokens t;
    struct plg_doc d;
    size_t n = 100000;
    double density;

    random_tokens(&t, n, 60);
    assert_int_equal(plg_doc_build(&d, &t, 12, 8), 0);
    density = (double)d.nfp / (double)(n - 11);
    assert_true(density > 0.8 * 2.0 / 9 && density < 1.2 * 2.0 / 9);
    for (size_t i = 1; i < d.nfp; i++) {
        assert_true(d.fp[i].pos > d.fp[i - 1].pos);
        assert_true(d.fp[i].pos - d.fp[i - 1].pos <= 8);
    }
    assert_true(d.fp[d.nfp - 1].pos + 12 <= n);
    plg_doc_release(&d);
    plg_tokens_release(&t);
}

static void short_documents(void **state)
{
    struct plg_tokens t;
    struct plg_doc d;

    random_tokens(&t, 5, 10);
    assert_int_equal(plg_doc_build(&d, &t, 12, 8), 0);
    assert_int_equal(d.ntokens, 5);
    assert_int_equal(d.nfp, 0);
    plg_doc_release(&d);
    plg_tokens_release(&t);
    /* Fewer k-grams than a window: the smallest one is kept. */
    random_tokens(&t, 14, 10);
    assert_int_equal(plg_doc_build(&d, &t, 12, 8), 0);
    assert_int_equal(d.nfp, 1);
    plg_doc_release(&d);
    assert_int_equal(plg_doc_build(&d, &t, 0, 8), GV_EINVAL);
    assert_int_equal(plg_doc_build(&d, &t, 12, PLG_W_MAX + 1), GV_EINVAL);
    plg_tokens_release(&t);
}

static void same_docs(const struct plg_doc *a, const struct plg_doc *b)
{
    assert_int_equal(a->k, b->k);
    assert_int_equal(a->w, b->w);
    assert_int_equal(a->ntokens, b->ntokens);
    assert_int_equal(a->nfp, b->nfp);
    if (a->ntokens)
        assert_memory_equal(a->lines, b->lines, a->ntokens * sizeof(*a->lines));
    for (size_t i = 0; i < a->nfp; i++) {
        assert_int_equal(a->fp[i].pos, b->fp[i].pos);
        assert_true(a->fp[i].hash == b->fp[i].hash);
    }
}

static const char *solution = "#include <stdio.h>\n"
                              "int main(void) {\n"
                              "    long n, s = 0;\n"
                              "    if (scanf(\"%ld\", &n) != 1) return 1;\n"
                              "    for (long i = 1; i <= n; i++)\n"
                              "        s += i * i;\n"
                              "    printf(\"%ld\\n\", s);\n"
                              "    return 0;\n"
                              "}\n";

static void encode_decode_round_trip(void **state)
{
    struct plg_doc d, back;
    char *blob = NULL;
    size_t len = 0;
    char big[40000];

    assert_int_equal(plg_doc_from_source(&d, PLG_LANG_C, solution, strlen(solution), 5, 4), 0);
    assert_true(d.nfp > 0);
    assert_int_equal(plg_doc_encode(&blob, &len, &d), 0);
    assert_int_equal(plg_doc_decode(&back, blob, len), 0);
    same_docs(&d, &back);
    plg_doc_release(&back);
    gv_free(blob);
    plg_doc_release(&d);

    /* An empty document too. */
    assert_int_equal(plg_doc_from_source(&d, PLG_LANG_C, "", 0, 12, 8), 0);
    assert_int_equal(plg_doc_encode(&blob, &len, &d), 0);
    assert_int_equal(plg_doc_decode(&back, blob, len), 0);
    same_docs(&d, &back);
    plg_doc_release(&back);
    gv_free(blob);
    plg_doc_release(&d);

    /* A 200-line file: compact, and fast to fingerprint and encode. */
    big[0] = '\0';
    for (int i = 0; i < 25; i++)
        strncat(big, solution, sizeof(big) - strlen(big) - 1);
    {
        int64_t t0 = gv_time_mono_ms();

        for (int i = 0; i < 100; i++) {
            assert_int_equal(plg_doc_from_source(&d, PLG_LANG_C, big, strlen(big), PLG_K_DEFAULT,
                                                 PLG_W_DEFAULT),
                             0);
            assert_int_equal(plg_doc_encode(&blob, &len, &d), 0);
            if (i < 99) {
                gv_free(blob);
                plg_doc_release(&d);
            }
        }
        printf("# 225 lines: %u tokens, %zu fingerprints, %zu bytes stored; "
               "100 x (fingerprint + encode) in %lld ms\n",
               d.ntokens, d.nfp, len, (long long)(gv_time_mono_ms() - t0));
    }
    assert_true(len < 16 * d.nfp + 600);
    assert_int_equal(plg_doc_decode(&back, blob, len), 0);
    same_docs(&d, &back);
    plg_doc_release(&back);
    gv_free(blob);
    plg_doc_release(&d);
}

static void decode_refuses_garbage(void **state)
{
    struct plg_doc d, back;
    char *blob = NULL;
    size_t len = 0;
    unsigned char junk[64];

    memset(junk, 0xab, sizeof(junk));
    assert_int_equal(plg_doc_decode(&back, junk, sizeof(junk)), GV_EPARSE);
    assert_int_equal(plg_doc_decode(&back, junk, 0), GV_EPARSE);
    assert_int_equal(plg_doc_from_source(&d, PLG_LANG_C, solution, strlen(solution), 5, 4), 0);
    assert_int_equal(plg_doc_encode(&blob, &len, &d), 0);
    /* Every truncation and every single flipped byte is refused or decodes
     * to a document the comparison can use (zstd has no checksum here). */
    for (size_t cut = 0; cut < len; cut++)
        assert_int_equal(plg_doc_decode(&back, blob, cut), GV_EPARSE);
    for (size_t i = 0; i < len; i++) {
        for (int bit = 0; bit < 8; bit++) {
            blob[i] ^= (char)(1 << bit);
            if (plg_doc_decode(&back, blob, len) == 0) {
                for (size_t f = 0; f < back.nfp; f++)
                    assert_true(back.fp[f].pos + back.k <= back.ntokens);
                plg_doc_release(&back);
            }
            blob[i] ^= (char)(1 << bit);
        }
    }
    gv_free(blob);
    plg_doc_release(&d);
}

static void lines_of_tokens(void **state)
{
    struct plg_doc d;
    uint32_t from, to;

    assert_int_equal(plg_doc_from_source(&d, PLG_LANG_C, solution, strlen(solution), 5, 4), 0);
    plg_doc_lines(&from, &to, &d, 0, 5);
    assert_int_equal(from, 2); /* "int main(void) {" after the dropped #include */
    assert_int_equal(to, 2);
    plg_doc_lines(&from, &to, &d, 0, 1000000);
    assert_int_equal(to, 9);
    plg_doc_release(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(shared_run_gives_shared_fingerprint),
        cmocka_unit_test(density_and_order),
        cmocka_unit_test(short_documents),
        cmocka_unit_test(encode_decode_round_trip),
        cmocka_unit_test(decode_refuses_garbage),
        cmocka_unit_test(lines_of_tokens),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
