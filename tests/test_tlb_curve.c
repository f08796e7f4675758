/*
 * test_tlb_curve.c - `iommusim tlb` with a list of sizes and page sizes: the whole
 * curve in one pass (sim/cli/tlb_curve.c, models/mrc.c).
 *
 * The reference is the command itself run once per size: every row of a curve's CSV
 * must equal, field for field, the CSV row of the single-size run of that TLB (which
 * replays the TLB model, models/tlb.c, with its own shadow TLB for the 3C split). The
 * traces: a pseudo-random din trace with locality and jumps above 4 GiB, written
 * here, and the video_decode generator's trace (`iommusim gen`); organisations:
 * fully associative and fixed sets (stack distances), and the policies without the
 * stack property (plru, round-robin, random) and lru at fixed ways (one model per
 * size). Also: the curve by hand on policy.din, the CSV read by `iommusim plot
 * --mrc`, the list syntax and its errors.
 */
#define _DEFAULT_SOURCE
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
#define HEADER  "entries,page_size,ways,sets,replacement,references,hits,misses,miss_rate," \
                "reads,read_misses,writes,write_misses,compulsory,capacity,conflict\n"

static struct proc res;

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);

    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Small steps, jumps within 64 MiB and jumps anywhere in 2^40: distances of every depth. */
static const char *random_trace(void)
{
    static char path[512];
    uint64_t s = 42, a = 0x100000;
    FILE *f;

    snprintf(path, sizeof(path), "%s", tmp_path("random.din"));
    assert_non_null(f = fopen(path, "w"));
    for (unsigned i = 0; i < 6000; i++) {
        uint64_t x = splitmix(&s);
        switch (x & 7) {
        case 0:
            a = (x >> 8) & ((1ull << 40) - 1);
            break;
        case 1: case 2:
            a = 0x40000000ull + ((x >> 8) & ((64ull << 20) - 1));
            break;
        default:
            a += (x >> 8) & 0x3FFF;
            break;
        }
        fprintf(f, "%u %llx\n", (unsigned)((x >> 60) & 1), (unsigned long long)a);
    }
    assert_int_equal(fclose(f), 0);
    return path;
}

/* The CSV line of `entries` at page size ps in a curve's CSV (NULL if none). */
static char *find_row(const char *csv, const char *prefix)
{
    static char line[512];
    const char *p = csv;

    while (p && *p) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p + 1) : strlen(p);
        if (!strncmp(p, prefix, strlen(prefix)) && len < sizeof(line)) {
            memcpy(line, p, len);
            line[len] = 0;
            return line;
        }
        p = nl ? nl + 1 : NULL;
    }
    return NULL;
}

/*
 * Runs the curve `opts` --entries list, then each size alone with `single` options
 * (the organisation of one size: "--ways W", "--sets S" ...), and compares the rows.
 */
static void check_curve(const char *trace, const char *opts, const char *list,
                        const char *sizes, const unsigned *entries, unsigned n,
                        const char *single)
{
    char *curve, *list_ps, *save = NULL;

    proc_run(&res, "tlb --trace %s --page-size %s --entries %s %s --csv -", trace, sizes, list,
             opts);
    if (res.status)
        fail_msg("curve: status %d: %s", res.status, res.err);
    assert_non_null(curve = strdup(res.out));
    assert_int_equal(strncmp(curve, HEADER, strlen(HEADER)), 0);
    assert_non_null(list_ps = strdup(sizes));
    for (const char *ps = strtok_r(list_ps, ",", &save); ps; ps = strtok_r(NULL, ",", &save)) {
        for (unsigned k = 0; k < n; k++) {
            char prefix[32];
            const char *row;

            proc_run(&res, "tlb --trace %s --page-size %s --entries %u %s --csv -", trace,
                     ps, entries[k], single);
            if (res.status)
                fail_msg("single %u %s: status %d: %s", entries[k], ps, res.status, res.err);
            assert_int_equal(strncmp(res.out, HEADER, strlen(HEADER)), 0);
            snprintf(prefix, sizeof(prefix), "%u,%s,", entries[k], ps);
            row = find_row(curve, prefix);
            if (!row)
                fail_msg("no row %s in the curve:\n%s", prefix, curve);
            if (strcmp(row, res.out + strlen(HEADER)))
                fail_msg("%s %s: curve %s single %s", opts, prefix, row,
                         res.out + strlen(HEADER));
        }
    }
    free(list_ps);
    free(curve);
}

/* ------------------------------------------------------------------ stack distances */

static void test_fully_associative_random(void **state)
{
    unsigned e[40];

    (void)state;
    for (unsigned k = 0; k < 40; k++)
        e[k] = k + 1;
    check_curve(random_trace(), "", "1-40", "4k,64k,1m,16m", e, 40, "");
}

static void test_set_associative_random(void **state)
{
    unsigned e[16];

    (void)state;
    for (unsigned k = 0; k < 16; k++)
        e[k] = 4 * (k + 1);
    /* 4-64 with 4 sets: every multiple of 4, 1 to 16 ways. */
    check_curve(random_trace(), "--sets 4", "4-64", "4k,64k,1m,16m", e, 16, "--sets 4");
}

static void test_generated_trace(void **state)
{
    static const unsigned e[] = { 1, 2, 4, 8, 16, 24, 32, 64 };
    char trace[512];

    (void)state;
    snprintf(trace, sizeof(trace), "%s", tmp_path("video.din"));  /* tmp_path's buffer is reused */
    proc_run(&res, "gen video_decode --width 320 --height 240 --frames 2 -o %s", trace);
    assert_int_equal(res.status, 0);
    check_curve(trace, "", "1..32,24,64", "4k,64k,1m,16m", e, 8, "");
    check_curve(trace, "--sets 8", "8..64,24", "4k,1m", (const unsigned[]){ 8, 16, 24, 32, 64 },
                5, "--sets 8");
}

/* ------------------------------------------------------------------ one model per size */

static void test_fallback_policies(void **state)
{
    static const unsigned pow2[] = { 1, 2, 4, 8, 16, 32 };
    static const unsigned few[] = { 1, 2, 3, 5, 8, 12 };
    const char *trace = random_trace();

    (void)state;
    check_curve(trace, "--replacement plru", "1..32", "4k,64k", pow2, 6, "--replacement plru");
    check_curve(trace, "--replacement plru --sets 2", "2..32", "4k",
                (const unsigned[]){ 2, 4, 8, 16, 32 }, 5, "--replacement plru --sets 2");
    check_curve(trace, "--replacement round-robin", "1,2,3,5,8,12", "4k,1m", few, 6,
                "--replacement round-robin");
    check_curve(trace, "--replacement random --seed 5", "1,2,3,5,8,12", "4k", few, 6,
                "--replacement random --seed 5");
    check_curve(trace, "--ways 2", "2..32", "4k,64k", (const unsigned[]){ 2, 4, 8, 16, 32 }, 5,
                "--ways 2");
}

static void test_fallback_note(void **state)
{
    (void)state;
    proc_run(&res, "tlb --trace " DATA "policy.din --page-size 4k --entries 2,4 "
             "--replacement plru --csv -");
    assert_int_equal(res.status, 0);
    assert_string_equal(res.err, "iommusim tlb: note: this policy has no stack property: one "
                        "TLB model per size and page size (2), fed in the same pass\n");
}

/* ------------------------------------------------------------------ by hand */

/*
 * policy.din at 4 KiB (tests/test_cli_tools.c traces it): pages A B C D A B E A B C D E
 * and so on; its fully associative lru TLB of 4 entries misses 10 times of 24, 5 of
 * them compulsory (docs/cli.md). The curve must give that row, and the text table
 * its line.
 */
static void test_policy_by_hand(void **state)
{
    (void)state;
    proc_run(&res, "tlb --trace " DATA "policy.din --page-size 4k --entries 4,8");
    assert_int_equal(res.status, 0);
    assert_string_equal(res.err, "");
    assert_non_null(strstr(res.out, "trace tests/data/cli/policy.din (din), lru, fully "
                            "associative, 2 sizes x 1 page size, one pass (stack distances)\n"
                            "references 24 (reads 19, writes 5)\n"));
    assert_non_null(strstr(res.out, "\n4k               4        4           10  0.416667   "
                            "         7            3            5            5            0\n"));
}

/* ------------------------------------------------------------------ outputs */

static void test_json(void **state)
{
    (void)state;
    proc_run(&res, "tlb --trace " DATA "policy.din --page-size 4k --entries 4 --sets 2 "
             "--page-size 4k --json");
    /* --page-size twice is refused as any option given twice. */
    assert_int_equal(res.status, 2);
    proc_run(&res, "tlb --trace " DATA "policy.din --page-size 4k,64k --entries 4 --json");
    assert_int_equal(res.status, 0);
    /* 64 KiB: the whole trace is in one page, so 1 compulsory miss and 23 hits. */
    assert_string_equal(res.out,
        "{\"trace\": \"tests/data/cli/policy.din\", \"replacement\": \"lru\", \"sets\": 1, "
        "\"method\": \"stack\", \"references\": 24, \"reads\": 19, \"writes\": 5, \"curve\": ["
        "{\"page_size\": \"4k\", \"entries\": 4, \"ways\": 4, \"hits\": 14, \"misses\": 10, "
        "\"miss_rate\": 0.416667, \"read_misses\": 7, \"write_misses\": 3, \"compulsory\": 5, "
        "\"capacity\": 5, \"conflict\": 0}, "
        "{\"page_size\": \"64k\", \"entries\": 4, \"ways\": 4, \"hits\": 23, \"misses\": 1, "
        "\"miss_rate\": 0.041667, \"read_misses\": 1, \"write_misses\": 0, \"compulsory\": 1, "
        "\"capacity\": 0, \"conflict\": 0}]}\n");
}

static void test_csv_plots(void **state)
{
    char csv[512], dir[512], *dat;

    (void)state;
    snprintf(csv, sizeof(csv), "%s", tmp_path("curve.csv"));
    snprintf(dir, sizeof(dir), "%s", tmp_path("mrcplot"));
    proc_run(&res, "tlb --trace " DATA "policy.din --page-size 4k,64k --entries 1-6 --csv %s",
             csv);
    assert_int_equal(res.status, 0);
    assert_true(file_exists(csv));
    proc_run(&res, "plot --mrc %s --out %s", csv, dir);
    if (res.status)
        fail_msg("plot: %d %s", res.status, res.err);
    assert_non_null(dat = slurp(tmp_path("mrcplot/mrc.dat"), NULL));
    /* 4 entries at 4 KiB: 10 / 24 = 41.67 %; at 64 KiB 1 / 24 = 4.17 %. */
    assert_non_null(strstr(dat, "41.6"));
    assert_non_null(strstr(dat, "4.16"));
    free(dat);
    /* A CSV that cannot be written leaves no file and fails. */
    proc_run(&res, "tlb --trace " DATA "policy.din --page-size 4k --entries 1-6 --csv "
             "/nonexistent/dir/x.csv");
    assert_int_equal(res.status, 1);
    assert_non_null(strstr(res.err, "iommusim tlb: --csv"));
}

/* ------------------------------------------------------------------ errors */

static void test_list_errors(void **state)
{
    static const struct { const char *args, *err; } cases[] = {
        { "--entries 8,x", "iommusim tlb: --entries '8,x': 'x' is not an integer: must be "
                           "1 .. 1048576\n" },
        { "--entries 8-4", "iommusim tlb: --entries '8-4': the range '8-4' ends below its "
                           "start\n" },
        { "--entries 8.16", "iommusim tlb: --entries '8.16': '8.16' is not a size or a range "
                            "(N, A-B or A..B)\n" },
        { "--entries 4,0", "iommusim tlb: --entries '4,0': 0 is out of range: must be "
                           "1 .. 1048576\n" },
        { "--entries 4,,8", "iommusim tlb: --entries '4,,8': '' is not an integer: must be "
                            "1 .. 1048576\n" },
        { "--entries 4,8 --ways 2 --sets 2", "iommusim tlb: --ways and --sets both given: the "
                                             "one fixes the other at each size (give one)\n" },
        { "--entries 4,8 --sets 3", "iommusim tlb: --sets 3 is not a power of two "
                                    "(1, 2, 4, ...)\n" },
        { "--entries 4,6 --sets 4", "iommusim tlb: --entries 6 --sets 4: 6 entries do not "
                                    "divide into 4 sets\n" },
        { "--entries 5-7 --sets 8", "iommusim tlb: --entries '5-7' --sets 8: no size of the "
                                    "range is a multiple of the sets\n" },
        { "--entries 4,6 --replacement plru", "iommusim tlb: --entries 6: tlb ways = 6 with "
          "replacement plru: plru needs ways to be a power of two (1, 2, 4, ...) up to "
          "entries (6)\n" },
        { "--entries 2,8 --ways 4", "iommusim tlb: --entries 2 --ways 4: more ways than "
                                    "entries\n" },
        /* 1 + 2 + ... + 8192 = 33558528 entries of models, above 2^24. */
        { "--entries 1-8192 --replacement round-robin", "iommusim tlb: --entries: one TLB "
          "model per size and page size would hold 33558528 entries in all, more than "
          "16777216: give fewer sizes (or lru at fixed sets, one pass for any number)\n" },
        { "--page-size 4k,8k --entries 4", "iommusim tlb: --page-size '8k' is not a page "
                                           "size: must be 4k, 64k, 1m or 16m\n" },
    };

    (void)state;
    for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        proc_run(&res, "tlb --trace " DATA "policy.din %s%s", strstr(cases[i].args,
                 "--page-size") ? "" : "--page-size 4k ", cases[i].args);
        if (strcmp(res.err, cases[i].err))
            fail_msg("%s: stderr '%s', want '%s'", cases[i].args, res.err, cases[i].err);
        assert_int_equal(res.status, 2);
        assert_string_equal(res.out, "");
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fully_associative_random),
        cmocka_unit_test(test_set_associative_random),
        cmocka_unit_test(test_generated_trace),
        cmocka_unit_test(test_fallback_policies),
        cmocka_unit_test(test_fallback_note),
        cmocka_unit_test(test_policy_by_hand),
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_csv_plots),
        cmocka_unit_test(test_list_errors),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);

    proc_free(&res);
    return rc;
}
