/*
 * test_hardening_input.c - regression tests for the defects that hostile use of the
 * program found in reading its inputs (issue 13): rates and units, names, lists and
 * addresses the loader accepted, a leak on a failed load, a misleading pool error, a
 * failed run said to be complete, and docs/scenarios.md's own table.
 * tests/test_hardening.c has those of its outputs.
 *
 * Most tests write a small scenario file into the scratch directory and run the
 * program on it as a subprocess (tests/lib/proc.h), from the repository root; the
 * leak test loads scenarios in-process.
 */
#define _GNU_SOURCE                     /* mallinfo2 */
#include <errno.h>
#include <malloc.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "sim/core/kernel.h"
#include "sim/scenario/scenario.h"
#include "tests/lib/proc.h"

static struct proc res;

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}

static void assert_contains(const char *text, const char *part)
{
    if (!strstr(text, part))
        fail_msg("'%s' does not contain '%s'", text, part);
}

/* ------------------------------------------------------------ scenario files */

static char root[4096];                 /* the repository root: the tests run from it */

/*
 * Writes NAME.yaml in the scratch directory: the lines of `body` after a header that
 * names the scenario and includes the MSM8960 SoC file, "%R" in body standing for the
 * repository root. Line 1 is "name: t", line 2 the soc line, body starts on line 3.
 * Returns the path (in a static buffer, valid until the next call).
 */
static const char *scenario_file(const char *name, const char *body)
{
    static char path[700];
    char text[8192];
    size_t at;

    if (!root[0])
        assert_non_null(getcwd(root, sizeof(root)));
    at = (size_t)snprintf(text, sizeof(text), "name: t\nsoc: !include %s/configs/msm8960.yaml\n",
                          root);
    for (const char *b = body; *b; b++) {
        assert_true(at + sizeof(root) + 2 < sizeof(text));
        if (b[0] == '%' && b[1] == 'R') {
            at += (size_t)snprintf(text + at, sizeof(text) - at, "%s", root);
            b++;
        } else {
            text[at++] = *b;
        }
    }
    text[at] = '\0';
    snprintf(path, sizeof(path), "%s/%s.yaml", tmp_dir(), name);
    write_text(path, text);
    return path;
}

/* The small trace master, with `extra` (lines of 4-space-indented keys) on line 9 on. */
#define MASTER_BODY(extra) \
    "buffers:\n" \
    "  fb: {size: 1M, domain: display_read, policy: 4k}\n" \
    "masters:\n" \
    "  mdp0:\n" \
    "    context: mdp_port0_cb0\n" \
    "    trace: %R/tests/data/scenarios/small.trc\n" \
    extra

/* `iommusim run FILE` must fail with exit 1 and a message starting "FILE:LOC: error: ". */
static void expect_load_error(const char *file, const char *loc, const char *part)
{
    char prefix[800];

    proc_run(&res, "run %s --quiet", file);
    snprintf(prefix, sizeof(prefix), "%s:%s: error: ", file, loc);
    if (res.status != 1 || strncmp(res.err, prefix, strlen(prefix)) || !strstr(res.err, part))
        fail_msg("run %s: status %d, stderr: %s  expected 1, '%s...%s'", file, res.status,
                 res.err, prefix, part);
}

/* ------------------------------------------------------------ 2: run.complete */

/*
 * A run that fails part way writes its statistics so far with run.error and
 * run.complete 0 (docs/cli.md). Timing mode wrote run.complete 1. Three failures, in
 * both modes: a malformed trace line, a buffer the scenario does not have, and an
 * access past the end of its buffer (fb is 1M = 0x100000 bytes, the read is at
 * fb+0x100000).
 */
static void test_failed_run_not_complete(void **state)
{
    static const char *const modes[] = { "timing", "functional" };
    const char *files[3];
    char out[600], oob[700], trc[700];

    (void)state;
    snprintf(trc, sizeof(trc), "%s/oob.trc", tmp_dir());
    write_text(trc, "0 R fb+0x0 64\n10 R fb+0x100000 64\n");
    snprintf(oob, sizeof(oob), "%s", scenario_file("oob",
             "buffers:\n"
             "  fb: {size: 1M, domain: display_read, policy: 4k}\n"
             "masters:\n"
             "  mdp0:\n"
             "    context: mdp_port0_cb0\n"
             "    trace: oob.trc\n"));
    files[0] = "tests/data/scenarios/bad_trace_line.yaml";
    files[1] = "tests/data/scenarios/bad_trace_buffer.yaml";
    files[2] = oob;
    snprintf(out, sizeof(out), "%s", tmp_path("incomplete"));
    for (int f = 0; f < 3; f++)
        for (int m = 0; m < 2; m++) {
            char *csv, path[700];

            proc_run(&res, "run %s --mode %s --out %s --quiet", files[f], modes[m], out);
            if (res.status != 1)
                fail_msg("run %s --mode %s: status %d", files[f], modes[m], res.status);
            assert_int_equal(stats_u64(out, "run.complete"), 0);
            snprintf(path, sizeof(path), "%s/stats.csv", out);
            csv = slurp(path, NULL);
            assert_non_null(csv);
            assert_non_null(strstr(csv, "\nrun.error,"));
            free(csv);
        }
}

/* ------------------------------------------------------------ 3: rates and units */

/*
 * A rate is checked after its unit: the largest is 1000 GB/s = 10^12 B/s, so
 * 999999GB/s is out of range; 1e12GB/s (an exponent), nanMB/s and infGB/s are not
 * numbers; 1e-9B/s is not a number either, and 0.4B/s rounds to 0 B/s, which would
 * mean "no limit"; -5MB/s is negative and 5MB not a rate unit. The rate is line 9 of
 * the file, its value at column 11. Then 1000GB/s, and 0.5B/s which rounds up to
 * 1 B/s, load and run.
 */
static void test_rate_checked_after_unit(void **state)
{
    static const struct {
        const char *rate, *part;
    } cases[] = {
        { "999999GB/s", "999999GB/s is out of range 0..1000GB/s" },
        { "1000.000001GB/s", "1000.000001GB/s is out of range 0..1000GB/s" },
        { "1e12GB/s", "unknown unit 'e12GB/s'" },
        { "nanMB/s", "expected a rate" },
        { "infGB/s", "expected a rate" },
        { "1e-9B/s", "unknown unit 'e-9B/s'" },
        { "0.4B/s", "rounds to 0" },
        { "-5MB/s", "negative" },
        { "5MB", "unknown unit 'MB'" },
    };
    char body[1024];

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        snprintf(body, sizeof(body), "%s", MASTER_BODY("    rate: "));
        strncat(body, cases[i].rate, sizeof(body) - strlen(body) - 2);
        strcat(body, "\n");
        expect_load_error(scenario_file("rate", body), "9:11", cases[i].part);
    }
    expect_load_error(scenario_file("rate", MASTER_BODY("    rate: 0.4ps\n")), "9:11",
                      "unknown unit 'ps'");
    assert_int_equal(proc_run(&res, "run %s --quiet", scenario_file("rate", MASTER_BODY(
                     "    rate: 1000GB/s\n"))), 0);
    assert_int_equal(proc_run(&res, "run %s --quiet", scenario_file("rate", MASTER_BODY(
                     "    rate: 0.5B/s\n    loop: open\n"))), 0);
}

/* ------------------------------------------------------------ 5: names */

/*
 * A buffer or master whose name is not 1..64 letters, digits, '_' and '-' (starting
 * with a letter or '_') is refused when the file is loaded, at the name's line and
 * column, and the name is shown with its control characters escaped (\xNN). Before,
 * "a,b\"c" and "fé x" loaded and ran, and only --out failed, naming nothing.
 */
static void test_names_checked_at_load(void **state)
{
    const char *f;

    (void)state;
    /* Line 3 "buffers:", line 4 the buffer: its key starts at column 3. */
    f = scenario_file("name1", "buffers:\n"
                               "  \"a,b\\\"c\": {size: 1M, domain: display_read}\n"
                               "masters:\n"
                               "  mdp0:\n"
                               "    context: mdp_port0_cb0\n"
                               "    trace: %R/tests/data/scenarios/small.trc\n"
                               "    buffers: {fb: \"a,b\\\"c\"}\n");
    expect_load_error(f, "4:3", "buffer name 'a,b\"c' is not allowed: a name is 1 to 64 "
                                "letters, digits, '_' and '-', starting with a letter or '_'");
    /* A master, line 6 "  fé x:". */
    f = scenario_file("name2", "buffers:\n"
                               "  fb: {size: 1M, domain: display_read}\n"
                               "masters:\n"
                               "  f\xc3\xa9 x:\n"
                               "    context: mdp_port0_cb0\n"
                               "    trace: %R/tests/data/scenarios/small.trc\n");
    expect_load_error(f, "6:3", "master name 'f\xc3\xa9 x' is not allowed");
    /* An escape sequence in a name: refused, and no raw ESC reaches the terminal. */
    f = scenario_file("name3", "buffers:\n"
                               "  \"fb\\e[2J\": {size: 1M, domain: display_read}\n");
    expect_load_error(f, "4:3", "buffer name 'fb\\x1b[2J' is not allowed");
    assert_null(strchr(res.err, 0x1b));
    /* Too long: 65 characters. */
    f = scenario_file("name4", "buffers:\n"
                               "  b2345678901234567890123456789012345678901234567890123456789012345:"
                               " {size: 1M, domain: display_read}\n");
    expect_load_error(f, "4:3", "is not allowed");
}

/*
 * The scenario's own name is free text (it is run.scenario, quoted in the files), but
 * the report escapes its control characters: "t" ESC "[31m" prints as t\x1b[31m.
 */
static void test_report_escapes_control_characters(void **state)
{
    const char *f;
    char body[1024];

    (void)state;
    snprintf(body, sizeof(body), "%s", MASTER_BODY(""));
    f = scenario_file("esc", body);
    /* Replace line 1, "name: t", by a name with an escape sequence and a tab. */
    assert_int_equal(proc_sh(&res, "sed -i '1s/.*/name: \"t\\\\e[31m\\\\tx\"/' '%s'", f), 0);
    proc_run(&res, "run %s", f);
    assert_int_equal(res.status, 0);
    assert_contains(res.out, "scenario t\\x1b[31m\\x09x (timing mode");
    assert_null(strchr(res.out, 0x1b));
    assert_null(strchr(res.out, '\t'));
}

/* ------------------------------------------------------------ 6: the pool that ran out */

/*
 * A page-table pool of 4K to 300K cannot hold a 16K first-level table (4096 short
 * descriptors of 4 bytes) for every context the domains attach: that was reported as
 * "vcm_dev_get: no SMMU context named 'vcodec_a_stream'", a context that exists. With
 * 4K not even the first table fits. The message must name the pool.
 */
static void test_page_table_pool_named(void **state)
{
    (void)state;
    proc_run(&res, "run configs/scenarios/video_playback_1080p30.yaml --mode functional "
                   "--quiet --set soc.memory.page_tables.size=4K");
    assert_int_equal(res.status, 1);
    assert_null(strstr(res.err, "no SMMU context named"));
    assert_contains(res.err, "context 'vcodec_a_stream': the page-table pool has no room for "
                             "its 16K first-level table (memory.page_tables is too small)");
}

/* ------------------------------------------------------------ 9: caught at load time */

/*
 * What was accepted and failed later (or never): a buffer in no domain (`domain: []`,
 * which failed only at the trace, without a position), a context named twice in
 * no_resume, a step that unmaps (or maps) one buffer twice (caught only at run time),
 * and two SMMUs whose 1 MiB register windows coincide or overlap RAM or the
 * page-table pool. Each is an error when the file is loaded, at the value.
 */
static void test_load_time_checks(void **state)
{
    const char *f;

    (void)state;
    f = scenario_file("nodom", "buffers:\n"
                               "  fb: {size: 1M, domain: []}\n"
                               "masters:\n"
                               "  mdp0:\n"
                               "    context: mdp_port0_cb0\n"
                               "    trace: %R/tests/data/scenarios/small.trc\n");
    expect_load_error(f, "4:26", "buffers.fb.domain: a buffer needs at least one domain");

    f = scenario_file("noresume", "no_resume: [mdp_port0_cb0, rot_src, mdp_port0_cb0]\n"
                                  MASTER_BODY(""));
    expect_load_error(f, "3:37", "no_resume.2: context 'mdp_port0_cb0' is named twice");

    f = scenario_file("unmap2", MASTER_BODY("") "steps:\n"
                                "  - {at: 1ms, unmap: [fb, fb]}\n");
    expect_load_error(f, "10:27", "steps.0.unmap.1: buffer 'fb' is named twice");
    f = scenario_file("map2", MASTER_BODY("") "steps:\n"
                              "  - {at: 1ms, unmap: [fb]}\n"
                              "  - {at: 2ms, map: [fb, fb]}\n");
    expect_load_error(f, "11:25", "steps.1.map.1: buffer 'fb' is named twice");

    /* The first SMMU, jpegd, is at 0x07300000; vpe at 0x07400000. */
    proc_run(&res, "run tests/data/scenarios/small_trace.yaml --quiet "
                   "--set soc.smmus.vpe.base=0x07300000");
    assert_int_equal(res.status, 1);
    assert_contains(res.err, "soc.smmus.vpe.base: the registers of SMMU vpe [0x7300000, "
                             "0x7400000) overlap those of SMMU jpegd [0x7300000, 0x7400000)");
    proc_run(&res, "run tests/data/scenarios/small_trace.yaml --quiet "
                   "--set soc.smmus.vpe.base=0x073f0000");
    assert_int_equal(res.status, 1);
    assert_contains(res.err, "overlap those of SMMU jpegd");
    /* RAM is [0x80000000, 0xc0000000), the page-table pool [0xc0000000, 0xc1000000). */
    proc_run(&res, "run tests/data/scenarios/small_trace.yaml --quiet "
                   "--set soc.smmus.vpe.base=0x9ff00000");
    assert_int_equal(res.status, 1);
    assert_contains(res.err, "soc.smmus.vpe.base: the registers of SMMU vpe [0x9ff00000, "
                             "0xa0000000) overlap memory.ram [0x80000000, 0xc0000000)");
    proc_run(&res, "run tests/data/scenarios/small_trace.yaml --quiet "
                   "--set soc.smmus.vpe.base=0xc0f00000");
    assert_int_equal(res.status, 1);
    assert_contains(res.err, "overlap memory.page_tables [0xc0000000, 0xc1000000)");
}

/* ------------------------------------------------------------ 10: policy 16m */

/*
 * What docs/scenarios.md now says of `policy: 16m`: the IOVA of a buffer of 1 MiB or
 * more is aligned to 1 MiB only (vcm/iova.c, as the MSM kernels' IOVA allocator), so a
 * 16 MiB buffer gets one 16M page only when its IOVA happens to be 16 MiB aligned.
 * display_read's gen partition starts at 128K: the first 1 MiB-aligned IOVA is
 * 0x100000, which is not 16M-aligned, so 16 MiB = 16 x 1M pages. With the partition
 * moved to start at 16M the IOVA is 0x1000000 and the buffer is one 16M page.
 */
static void test_policy_16m_alignment(void **state)
{
    char out[600];

    (void)state;
    snprintf(out, sizeof(out), "%s", tmp_path("p16"));
    assert_int_equal(proc_run(&res, "run tests/data/scenarios/small_trace.yaml --quiet "
                                    "--mode functional --out %s --set buffers.fb.size=16M "
                                    "--set buffers.fb.policy=16m", out), 0);
    assert_int_equal(stats_u64(out, "buffer.fb.display_read.iova"), 0x100000);
    assert_int_equal(stats_u64(out, "buffer.fb.display_read.pages_1m"), 16);
    assert_int_equal(stats_u64(out, "buffer.fb.display_read.pages_16m"), 0);
    assert_int_equal(proc_run(&res, "run tests/data/scenarios/small_trace.yaml --quiet "
                                    "--mode functional --out %s --set buffers.fb.size=16M "
                                    "--set buffers.fb.policy=16m "
                                    "--set soc.domains.display_read.partitions.gen.start=16M",
                              out), 0);
    assert_int_equal(stats_u64(out, "buffer.fb.display_read.iova"), 0x1000000);
    assert_int_equal(stats_u64(out, "buffer.fb.display_read.pages_1m"), 0);
    assert_int_equal(stats_u64(out, "buffer.fb.display_read.pages_16m"), 1);
}

/*
 * docs/scenarios.md listed display_split, no_resume, access, privileged_only and
 * isolation_check twice each. In every table of the file (a run of lines starting
 * with '|') whose rows are keys (a first cell in backquotes), no key may appear twice.
 */
static void test_scenarios_doc_rows_unique(void **state)
{
    char *text = slurp("docs/scenarios.md", NULL), *save = NULL;
    char keys[64][64];
    int nkeys = 0;

    (void)state;
    assert_non_null(text);
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        size_t n;

        if (line[0] != '|') {
            nkeys = 0;                  /* strtok_r skips blank lines: a heading ends it */
            continue;
        }
        n = strcspn(line + 1, "|");
        if (n >= sizeof(keys[0]) || strncmp(line + 1, " `", 2))
            continue;                   /* the header, its rule, or a row of figures */
        for (int k = 0; k < nkeys; k++)
            if (strlen(keys[k]) == n && !strncmp(keys[k], line + 1, n))
                fail_msg("docs/scenarios.md: row%.*s appears twice in one table", (int)n,
                         line + 1);
        assert_true(nkeys < 64);
        memcpy(keys[nkeys], line + 1, n);
        keys[nkeys++][n] = '\0';
    }
    free(text);
}

/* ------------------------------------------------------------ 4: a leak in the loader */

/*
 * Bytes the program holds from malloc now (glibc's count of bytes in use). Exact only
 * without glibc's per-thread cache and fast bins, whose free chunks count as in use:
 * main() turns both off (the cache through GLIBC_TUNABLES, before the program starts).
 */
static size_t heap_in_use(void)
{
    return mallinfo2().uordblks;
}

/*
 * A trace master whose trace path was resolved (one malloc'd string, here about 60
 * bytes) and then a later key of the same master invalid (`outstanding: 0`): the path
 * leaked on every failed load. The load fails each time with the key's position, and
 * after two (which fill the allocator's bins) 100 more leave the heap where it was.
 * Without the fix it grows by 100 x the path's chunk (64 to 80 bytes here).
 */
static void test_trace_path_not_leaked(void **state)
{
    const char *file = scenario_file("leak", MASTER_BODY("    outstanding: 0\n"));
    struct config_err err = { 0 };
    size_t before;
    char path[700];

    (void)state;
    snprintf(path, sizeof(path), "%s", file);
    for (int i = 0; i < 2; i++)         /* the first loads fill the allocator's bins */
        assert_null(scenario_load(path, NULL, &err));
    assert_non_null(strstr(err.msg, "leak.yaml:9:18: error: masters.mdp0.outstanding: "));
    before = heap_in_use();
    for (int i = 0; i < 100; i++)
        assert_null(scenario_load(path, NULL, &err));
    assert_int_equal(heap_in_use(), before);
}

/* ------------------------------------------------------------ a leak in the kernel */

static void nothing(void *arg)
{
    (void)arg;
}

/*
 * Found by fuzz_scenario: a timing run stopped at its duration while work was still
 * pending, then the kernel reset (as soc_free does), leaked SystemC's timed
 * notification of the wakeup event. A cancelled timed notification stays in
 * SystemC's queue until the kernel looks past it, and deleting the context does not
 * free it; SystemC hands them out from 1 KiB blocks of 64. 300 such runs leak about
 * 300 x 16 bytes, 4 blocks (LeakSanitizer reported 3 KiB after 300 fuzz inputs).
 * After the first runs (which fill the allocator), the heap must stay where it was.
 */
static void test_kernel_reset_frees_pending_wakeup(void **state)
{
    size_t before = 0;

    (void)state;
    for (int i = 0; i < 310; i++) {
        if (i == 10)
            before = heap_in_use();
        sim_reset();
        sim_schedule(10 * SIM_US, nothing, NULL);
        sim_schedule(20 * SIM_US, nothing, NULL);
        assert_int_equal(sim_run(15 * SIM_US), 1);      /* stops with 20 us pending */
        sim_reset();
    }
    assert_int_equal(heap_in_use(), before);
}

#define TUNABLES        "glibc.malloc.tcache_count=0"

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_failed_run_not_complete),
        cmocka_unit_test(test_rate_checked_after_unit),
        cmocka_unit_test(test_trace_path_not_leaked),
        cmocka_unit_test(test_kernel_reset_frees_pending_wakeup),
        cmocka_unit_test(test_names_checked_at_load),
        cmocka_unit_test(test_page_table_pool_named),
        cmocka_unit_test(test_load_time_checks),
        cmocka_unit_test(test_policy_16m_alignment),
        cmocka_unit_test(test_scenarios_doc_rows_unique),
        cmocka_unit_test(test_report_escapes_control_characters),
    };
    const char *tun = getenv("GLIBC_TUNABLES");
    int rc;

    (void)argc;
    if (!tun || !strstr(tun, TUNABLES)) {
        setenv("GLIBC_TUNABLES", TUNABLES, 1);
        execv("/proc/self/exe", argv);  /* again, without the cache; else go on */
    }
    mallopt(M_MXFAST, 0);
    rc = cmocka_run_group_tests(tests, NULL, NULL);

    proc_free(&res);
    return rc;
}
