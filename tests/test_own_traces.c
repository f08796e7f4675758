/*
 * test_own_traces.c - replaying traces of one's own: 64-bit addresses through
 * `iommusim tlb` and into a scenario.
 *
 * The program runs as a subprocess (tests/lib/proc.h), on the hand-made traces of
 * tests/data/cli/ whose counts test_cli_tools.c derives by hand, and on copies of
 * them written here: moved above 4 GiB, or in another format. The counts of a
 * moved trace must be those of the original, because every page number at every
 * size moves by the same amount when the shift is a multiple of the largest page
 * (16 MiB), so hits, misses and the sets they fall in are the same.
 */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/lib/proc.h"

#define DATA    "tests/data/cli/"
#define SCN     "tests/data/scenarios/"

static struct proc res;

/* Writes the din file `in` with every address plus `shift` to `out`, as text or din. */
static void shift_din(const char *in, const char *out, uint64_t shift, bool text)
{
    FILE *f = fopen(in, "r"), *o = fopen(out, "w");
    char line[256];
    unsigned label;
    uint64_t a;

    assert_non_null(f);
    assert_non_null(o);
    while (fgets(line, sizeof(line), f)) {
        /* LABEL HEXADDR [anything]: the address may have 0x, and a size may follow */
        assert_int_equal(sscanf(line, "%u %" SCNx64, &label, &a), 2);
        if (text)
            fprintf(o, "0 %c 0x%" PRIx64 " 64\n", label == 1 ? 'W' : 'R', a + shift);
        else
            fprintf(o, "%u %" PRIx64 "\n", label, a + shift);
    }
    fclose(f);
    assert_int_equal(fclose(o), 0);
}

/* The counts part of `iommusim tlb --json` output (from "references"). */
static const char *counts_of(const char *json)
{
    const char *p = strstr(json, "\"references\"");

    assert_non_null(p);
    return p;
}

static char *tlb_json(const char *trace, const char *size, const char *entries,
                      const char *ways)
{
    const char *args[] = { "tlb", "--trace", trace, "--page-size", size, "--entries", entries,
                           "--ways", ways, "--json", NULL };

    proc_runv(&res, args);
    assert_string_equal(res.err, "");
    assert_int_equal(res.status, 0);
    return strdup(counts_of(res.out));
}

/* ------------------------------------------------------------------ 64-bit */

static void test_tlb_above_4g_same_counts(void **state)
{
    /*
     * pagesize.din with 16 entries: the distinct pages at each size, as derived in
     * test_cli_tools.c (test_tlb_page_sizes): 14, 11, 8 and 5 misses of 20.
     */
    static const struct { const char *size, *counts; } cases[] = {
        { "4k",  "\"references\": 20, \"hits\": 6, \"misses\": 14" },
        { "64k", "\"references\": 20, \"hits\": 9, \"misses\": 11" },
        { "1m",  "\"references\": 20, \"hits\": 12, \"misses\": 8" },
        { "16m", "\"references\": 20, \"hits\": 15, \"misses\": 5" },
    };
    /* 2^47 - 2^40 (a user address of a 48-bit VA space) and a kernel one near 2^64 */
    static const uint64_t shifts[] = { 0x7f0000000000ull, 0xffff800000000000ull };
    char *low, *high;

    (void)state;
    for (unsigned s = 0; s < 2; s++) {
        shift_din(DATA "pagesize.din", tmp_path("wide%u.din", s), shifts[s], false);
        shift_din(DATA "pagesize.din", tmp_path("wide%u.trc", s), shifts[s], true);
        for (unsigned i = 0; i < 4; i++) {
            low = tlb_json(DATA "pagesize.din", cases[i].size, "16", "16");
            assert_memory_equal(low, cases[i].counts, strlen(cases[i].counts));
            high = tlb_json(tmp_path("wide%u.din", s), cases[i].size, "16", "16");
            assert_string_equal(high, low);
            free(high);
            high = tlb_json(tmp_path("wide%u.trc", s), cases[i].size, "16", "16");
            assert_string_equal(high, low);
            free(high);
            free(low);
        }
    }
    /*
     * policy.din in 2 sets of 2 ways under lru: the set is the page number's low
     * bit, unchanged by the shift; test_cli_tools.c's test_tlb_json traces plru
     * (the same as lru at 2 ways) by hand to 8 misses of 24.
     */
    shift_din(DATA "policy.din", tmp_path("policy_hi.din"), 0x100000000ull * 0x4321, false);
    low = tlb_json(DATA "policy.din", "4k", "4", "2");
    assert_memory_equal(low, "\"references\": 24, \"hits\": 16, \"misses\": 8", 40);
    high = tlb_json(tmp_path("policy_hi.din"), "4k", "4", "2");
    assert_string_equal(high, low);
    free(high);
    free(low);
}

static void test_tlb_above_4g_bin(void **state)
{
    char *low, *high;

    (void)state;
    shift_din(DATA "pagesize.din", tmp_path("wide.din"), 0x123000000000ull, false);
    assert_int_equal(proc_run(&res, "convert %s -o %s", tmp_path("wide.din"),
                              tmp_path("wide.bin")), 0);
    low = tlb_json(DATA "pagesize.din", "64k", "4", "1");
    high = tlb_json(tmp_path("wide.bin"), "64k", "4", "1");
    assert_string_equal(high, low);
    free(high);
    free(low);
}

static void test_scenario_wide_iova_is_an_error(void **state)
{
    (void)state;
    /*
     * wide_iova.trc: record 1 at 0x40000000 (inside 4 GiB: a fault, the buffer is
     * not there), record 2 at 0x100000040, above the SMMU v1's 32-bit IOVA space.
     */
    assert_int_equal(proc_run(&res, "run " SCN "bad_wide_iova.yaml --quiet --out %s",
                              tmp_path("wide")), 1);
    assert_string_equal(res.err, SCN "wide_iova.trc: record 2: error: master mdp0: access at "
                        "IOVA 0x100000040 of 64 bytes passes the 32-bit IOVA space of the "
                        "SMMU v1 (it translates IOVAs below 0x100000000 only)\n");
    assert_int_equal(proc_run(&res, "run " SCN "bad_wide_iova.yaml --quiet --mode functional "
                              "--out %s", tmp_path("wide")), 1);
    assert_string_equal(res.err, SCN "wide_iova.trc: record 2: error: master mdp0: access at "
                        "IOVA 0x100000040 of 64 bytes passes the 32-bit IOVA space of the "
                        "SMMU v1 (it translates IOVAs below 0x100000000 only)\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tlb_above_4g_same_counts),
        cmocka_unit_test(test_tlb_above_4g_bin),
        cmocka_unit_test(test_scenario_wide_iova_is_an_error),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);

    proc_free(&res);
    return rc;
}
