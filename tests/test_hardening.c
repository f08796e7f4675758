/*
 * test_hardening.c - regression tests for the defects that hostile use of the program
 * found (inputs and environments nobody meant: devices and symlinks as outputs, runs
 * killed half-way, repeated options, odd names and units). Each test is the smallest
 * command that showed the defect, and checks the exact outcome the fix promises.
 *
 * The program runs as a subprocess (tests/lib/proc.h) from the repository root, with
 * its files in the test program's scratch directory.
 */
#define _GNU_SOURCE                     /* mallinfo2 */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

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

/* How many entries of a directory (less . and ..) have names starting with prefix. */
static int count_entries(const char *dir, const char *prefix)
{
    struct proc ls = { 0 };
    int n = 0;

    proc_sh(&ls, "ls -A '%s'", dir);
    for (char *line = strtok(ls.out, "\n"); line; line = strtok(NULL, "\n"))
        n += !strncmp(line, prefix, strlen(prefix));
    proc_free(&ls);
    return n;
}

static void assert_contains(const char *text, const char *part)
{
    if (!strstr(text, part))
        fail_msg("'%s' does not contain '%s'", text, part);
}

/* ------------------------------------------------------------ 1: gen/convert outputs */

/*
 * The output is a symlink to /dev/full: every write fails with ENOSPC. Before the fix
 * the command unlinked the path it was given, here the symlink (as root, given
 * /dev/full itself, the device node). The link must stay a link to the device, and the
 * device a character device.
 */
static void test_gen_full_device_not_removed(void **state)
{
    char link[512];
    struct stat st;

    (void)state;
    snprintf(link, sizeof(link), "%s", tmp_path("full-link.txt"));
    if (access("/dev/full", W_OK))
        skip();
    unlink(link);
    assert_int_equal(symlink("/dev/full", link), 0);
    proc_run(&res, "gen display --width 64 --height 4 --frames 1 -o %s", link);
    assert_int_equal(res.status, 1);
    assert_contains(res.err, "No space left on device");
    assert_int_equal(lstat(link, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    assert_int_equal(stat("/dev/full", &st), 0);
    assert_true(S_ISCHR(st.st_mode));

    /* convert, the same: then later a regular file appeared at the device's path. */
    proc_run(&res, "convert tests/data/cli/named.txt -o %s", link);
    assert_int_equal(res.status, 1);
    assert_contains(res.err, "No space left on device");
    assert_int_equal(lstat(link, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    assert_int_equal(stat("/dev/full", &st), 0);
    assert_true(S_ISCHR(st.st_mode));
}

/*
 * convert of a trace whose line 3 is wrong, onto an existing file: the old file was
 * truncated, half-written and then unlinked. It must be left as it was, and no
 * temporary left beside it.
 */
static void test_convert_error_keeps_old_output(void **state)
{
    char dir[512], in[600], out[600];
    char *text;

    (void)state;
    snprintf(dir, sizeof(dir), "%s", tmp_path("conv-old"));
    mkdir(dir, 0777);
    snprintf(in, sizeof(in), "%s/in.txt", dir);
    snprintf(out, sizeof(out), "%s/out.txt", dir);
    write_text(in, "0 R 0x1000 64\n1 W 0x2000 64\n2 X 0x3000 64\n");
    write_text(out, "OLD\n");
    proc_run(&res, "convert %s -o %s", in, out);
    assert_int_equal(res.status, 1);
    assert_contains(res.err, "in.txt:3:");
    text = slurp(out, NULL);
    assert_non_null(text);
    assert_string_equal(text, "OLD\n");
    free(text);
    assert_int_equal(count_entries(dir, "out.txt"), 1);
    assert_int_equal(count_entries(dir, ".out.txt"), 0);

    /* A good conversion replaces it whole, and leaves nothing else. */
    write_text(in, "0 R 0x1000 64\n");
    proc_run(&res, "convert %s -o %s", in, out);
    assert_int_equal(res.status, 0);
    text = slurp(out, NULL);
    assert_non_null(text);
    assert_non_null(strstr(text, "0 R 0x1000 64\n"));
    free(text);
    assert_int_equal(count_entries(dir, ""), 2);
}

/* gen with an output in a directory that does not exist: an error, nothing created. */
static void test_gen_missing_dir(void **state)
{
    char out[512];

    (void)state;
    snprintf(out, sizeof(out), "%s", tmp_path("no-such-dir/t.txt"));
    proc_run(&res, "gen display --width 64 --height 4 --frames 1 -o %s", out);
    assert_int_equal(res.status, 1);
    assert_contains(res.err, "no-such-dir/t.txt");
    assert_false(file_exists(out));
}

/* ------------------------------------------------------------ 7: a point's results */

#define SWEEP_SMALL "sweep tests/data/scenarios/display_scan.yaml --mode functional " \
                    "--set masters.mdp0.generator.height=64 --param buffers.fb.policy=4k,1m"

/* The status column ("ok"/"failed") of point `point` in DIR/results.csv. */
static void assert_point_status(const char *dir, int point, const char *status)
{
    char path[700], want[64], *text, *line;

    snprintf(path, sizeof(path), "%s/results.csv", dir);
    text = slurp(path, NULL);
    assert_non_null(text);
    snprintf(want, sizeof(want), "\n%d,%s,", point, status);
    line = strstr(text, want);
    if (!line)
        fail_msg("results.csv has no row '%d,%s,...': %s", point, status, text);
    free(text);
}

/*
 * A run into point 0 killed half-way: its new stats.json is in place (here point 1's,
 * whose values differ: the buffer in 1M pages instead of 4K), the old stats.csv is still
 * there, and a stray stats.csv.tmp.PID of the dead run beside them. `sweep --collect`
 * reported point 0 `ok`, with the old run's values. It must be failed, and resuming
 * the sweep must run it again.
 */
static void test_collect_half_replaced_point(void **state)
{
    char dir[512];
    struct proc sh = { 0 };

    (void)state;
    snprintf(dir, sizeof(dir), "%s", tmp_path("half"));
    assert_int_equal(proc_run(&res, SWEEP_SMALL " --out %s", dir), 0);
    assert_int_equal(proc_run(&res, "sweep --collect %s", dir), 0);
    assert_point_status(dir, 0, "ok");

    /* What the killed run left (the manifest of the new scheme went first). */
    assert_int_equal(proc_sh(&sh, "cd '%s/points' && cp 0001/stats.json 0000/stats.json && "
                                  "cp 0001/stats.csv 0000/stats.csv.tmp.99999 && "
                                  "rm -f 0000/stats.done", dir), 0);
    proc_run(&res, "sweep --collect %s", dir);
    assert_int_equal(res.status, 1);
    assert_contains(res.err, "point 0 (buffers.fb.policy=4k) failed: ");
    assert_point_status(dir, 0, "failed");
    assert_point_status(dir, 1, "ok");

    /* Resuming runs it again, and then it is done with its own values. */
    assert_int_equal(proc_run(&res, SWEEP_SMALL " --out %s", dir), 0);
    assert_contains(res.out, "2 points: 1 run, 1 skipped (already done), 0 failed");
    assert_point_status(dir, 0, "ok");

    /* A stats.json replaced by another run's under a complete manifest: not done. */
    assert_int_equal(proc_sh(&sh, "cp '%s/points/0001/stats.json' '%s/points/0000/stats.json'",
                             dir, dir), 0);
    proc_run(&res, "sweep --collect %s", dir);
    assert_int_equal(res.status, 1);
    assert_contains(res.err, "point 0 (buffers.fb.policy=4k) failed: ");
    assert_point_status(dir, 0, "failed");

    /* The latency histograms belong to the set: the manifest lists them, and another
     * run's histograms.csv under a complete manifest is not done either. */
    assert_int_equal(proc_run(&res, SWEEP_SMALL " --out %s", dir), 0);
    assert_point_status(dir, 0, "ok");
    char path[700], *done;
    snprintf(path, sizeof(path), "%s/points/0000/stats.done", dir);
    done = slurp(path, NULL);
    assert_non_null(done);
    assert_non_null(strstr(done, "\nhistograms.csv "));
    free(done);
    assert_int_equal(proc_sh(&sh, "printf 'name,low,high,count\\n"
                                  "master.mdp0.translation_ps,1,1,1\\n' > "
                                  "'%s/points/0000/histograms.csv'", dir), 0);
    proc_run(&res, "sweep --collect %s", dir);
    assert_int_equal(res.status, 1);
    assert_contains(res.err, "point 0 (buffers.fb.policy=4k) failed: ");
    proc_free(&sh);
}

/*
 * Runs killed at many moments while they replace a point's results: afterwards the
 * point is either done with one run's files whole (both stats.json and stats.csv of
 * the 4k run, or both of the 1m run), or not done at all; never a mix. The kill
 * times are spread over the last half of a run (measured first), where the files
 * are written, in 64 steps.
 */
#define SCEN_SMALL "tests/data/scenarios/display_scan.yaml"

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* `iommusim run` into dir with the given policy, killed after `delay` seconds (never
 * when delay < 0). */
static void run_killed(const char *dir, const char *policy, double delay)
{
    char set[64];
    const char *argv[] = { proc_prog(), "run", SCEN_SMALL, "--mode", "functional", "--quiet",
                           "--set", "masters.mdp0.generator.height=64", "--set", set,
                           "--out", dir, NULL };
    struct timespec ts = { (time_t)delay, (long)((delay - (double)(time_t)delay) * 1e9) };
    int st;
    pid_t pid;

    snprintf(set, sizeof(set), "buffers.fb.policy=%s", policy);
    pid = fork();
    assert_true(pid >= 0);
    if (!pid) {
        int nul = open("/dev/null", O_WRONLY);

        dup2(nul, STDOUT_FILENO);
        dup2(nul, STDERR_FILENO);
        execv(argv[0], (char **)argv);
        _exit(127);
    }
    if (delay >= 0) {
        nanosleep(&ts, NULL);
        kill(pid, SIGKILL);
    }
    assert_int_equal(waitpid(pid, &st, 0), pid);
}

static char *point_file(const char *dir, const char *name)
{
    char path[800];

    snprintf(path, sizeof(path), "%s/points/0000/%s", dir, name);
    return slurp(path, NULL);
}

static void test_killed_runs_all_or_nothing(void **state)
{
    char dir[600], pdir[700], ref[600];
    char *want_json[2], *want_csv[2];
    static const char *const policies[] = { "4k", "1m" };
    double t0, span;
    int done = 0, undone = 0;

    (void)state;
    snprintf(dir, sizeof(dir), "%s", tmp_path("killed"));
    snprintf(ref, sizeof(ref), "%s", tmp_path("killed-ref"));
    assert_int_equal(proc_run(&res, "sweep " SCEN_SMALL " --mode functional --set "
                                    "masters.mdp0.generator.height=64 --param "
                                    "buffers.fb.policy=4k --out %s", dir), 0);
    snprintf(pdir, sizeof(pdir), "%s/points/0000", dir);
    /* The two complete sets, and how long a run takes. */
    for (int k = 0; k < 2; k++) {
        char path[700];

        t0 = now_s();
        run_killed(ref, policies[k], -1);
        span = now_s() - t0;
        snprintf(path, sizeof(path), "%s/stats.json", ref);
        want_json[k] = slurp(path, NULL);
        snprintf(path, sizeof(path), "%s/stats.csv", ref);
        want_csv[k] = slurp(path, NULL);
        assert_non_null(want_json[k]);
        assert_non_null(want_csv[k]);
    }
    assert_string_not_equal(want_csv[0], want_csv[1]);
    for (int i = 0; i < 64; i++) {
        char *json, *csv;

        run_killed(pdir, policies[i % 2], span * (0.5 + 0.6 * i / 64.0));
        proc_run(&res, "sweep --collect %s", dir);
        assert_true(res.status == 0 || res.status == 1);
        if (res.status == 1) {          /* not done: run it whole again */
            undone++;
            run_killed(pdir, policies[i % 2], -1);
            continue;
        }
        done++;
        json = point_file(dir, "stats.json");
        csv = point_file(dir, "stats.csv");
        assert_non_null(json);
        assert_non_null(csv);
        if (!((!strcmp(json, want_json[0]) && !strcmp(csv, want_csv[0])) ||
              (!strcmp(json, want_json[1]) && !strcmp(csv, want_csv[1]))))
            fail_msg("kill %d: the point is done with stats.json and stats.csv of "
                     "different runs", i);
        free(json);
        free(csv);
    }
    print_message("killed runs: %d left the point done (one run's files), %d not done\n",
                  done, undone);
    for (int k = 0; k < 2; k++) {
        free(want_json[k]);
        free(want_csv[k]);
    }
}

/* ------------------------------------------------------------ 9: repeated options */

/*
 * A single-valued option given twice kept the last value silently. Each line gives
 * one option twice with otherwise valid arguments; each must be a usage error (2)
 * naming the option and both values, before anything is read or written.
 */
static void test_repeated_options(void **state)
{
    static const struct {
        const char *args, *message;
    } cases[] = {
        { "run tests/data/scenarios/small_trace.yaml --out A --out B",
          "iommusim run: --out is given twice ('A', then 'B'): it takes one value\n" },
        { "run tests/data/scenarios/small_trace.yaml --mode timing --mode=functional",
          "iommusim run: --mode is given twice ('timing', then 'functional'): it takes one "
          "value\n" },
        { "run tests/data/scenarios/small_trace.yaml --seed 1 --seed 2",
          "iommusim run: --seed is given twice ('1', then '2'): it takes one value\n" },
        { "tlb --trace tests/data/cli/random.din --page-size 4k --entries 4 --entries 8",
          "iommusim tlb: --entries is given twice ('4', then '8'): it takes one value\n" },
        { "tlb --trace tests/data/cli/random.din --trace x.din --page-size 4k --entries 4",
          "iommusim tlb: --trace is given twice ('tests/data/cli/random.din', then 'x.din'): "
          "it takes one value\n" },
        { "tlb --trace tests/data/cli/random.din --page-size 4k --page-size 1m --entries 4",
          "iommusim tlb: --page-size is given twice ('4k', then '1m'): it takes one value\n" },
        { "tlb --trace tests/data/cli/random.din --page-size 4k --entries 4 --ways 2 --ways 4",
          "iommusim tlb: --ways is given twice ('2', then '4'): it takes one value\n" },
        { "tlb --trace tests/data/cli/random.din --page-size 4k --entries 4 --seed 1 --seed 1",
          "iommusim tlb: --seed is given twice ('1', then '1'): it takes one value\n" },
        { "tlb --trace tests/data/cli/random.din --page-size 4k --entries 4 "
          "--replacement lru --replacement plru",
          "iommusim tlb: --replacement is given twice ('lru', then 'plru'): it takes one "
          "value\n" },
        { "tlb --trace tests/data/cli/random.din --page-size 4k --entries 4 --format din "
          "--format din",
          "iommusim tlb: --format is given twice ('din', then 'din'): it takes one value\n" },
        { "convert tests/data/cli/named.txt -o a.txt -o b.txt",
          "iommusim convert: -o/--output is given twice ('a.txt', then 'b.txt'): it takes "
          "one value\n" },
        { "convert tests/data/cli/named.txt --output=a.txt -o b.txt",
          "iommusim convert: -o/--output is given twice ('a.txt', then 'b.txt'): it takes "
          "one value\n" },
        { "convert tests/data/cli/named.txt -o a.txt --to text --to bin",
          "iommusim convert: --to is given twice ('text', then 'bin'): it takes one value\n" },
        { "convert tests/data/cli/bad.din -o a.txt --from din --from din",
          "iommusim convert: --from is given twice ('din', then 'din'): it takes one value\n" },
        { "convert tests/data/cli/bad.din -o a.txt --din-bytes 4 --din-bytes 8",
          "iommusim convert: --din-bytes is given twice ('4', then '8'): it takes one "
          "value\n" },
        { "gen display --width 64 -o a.txt --output b.txt",
          "iommusim gen: -o/--output is given twice ('a.txt', then 'b.txt'): it takes one "
          "value\n" },
        { "gen display --width 64 -o a.txt --format text --format bin",
          "iommusim gen: --format is given twice ('text', then 'bin'): it takes one value\n" },
        { "sweep tests/data/scenarios/small_trace.yaml --param seed=1,2 --out A --out B",
          "iommusim sweep: --out is given twice ('A', then 'B'): it takes one value\n" },
        { "sweep tests/data/scenarios/small_trace.yaml --param seed=1,2 --out A -j 1 -j 2",
          "iommusim sweep: -j/--jobs is given twice ('1', then '2'): it takes one value\n" },
        { "sweep tests/data/scenarios/small_trace.yaml --param seed=1,2 --out A --jobs 1 -j 2",
          "iommusim sweep: -j/--jobs is given twice ('1', then '2'): it takes one value\n" },
        { "sweep tests/data/scenarios/small_trace.yaml --param seed=1,2 --out A "
          "--timeout 5 --timeout 6",
          "iommusim sweep: --timeout is given twice ('5', then '6'): it takes one value\n" },
        { "sweep tests/data/scenarios/small_trace.yaml --param seed=1,2 --out A "
          "--mode timing --mode functional",
          "iommusim sweep: --mode is given twice ('timing', then 'functional'): it takes one "
          "value\n" },
        { "sweep tests/data/scenarios/small_trace.yaml --param seed=1,2 --out A "
          "--seed 3 --seed 4",
          "iommusim sweep: --seed is given twice ('3', then '4'): it takes one value\n" },
        { "sweep --collect A --collect B",
          "iommusim sweep: --collect is given twice ('A', then 'B'): it takes one value\n" },
        { "plot A --out B --out C",
          "iommusim plot: --out is given twice ('B', then 'C'): it takes one value\n" },
        { "plot A --title x --title=y",
          "iommusim plot: --title is given twice ('x', then 'y'): it takes one value\n" },
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        proc_run(&res, "%s", cases[i].args);
        if (res.status != 2 || strcmp(res.err, cases[i].message))
            fail_msg("iommusim %s\n  status %d, stderr: %s  expected 2: %s", cases[i].args,
                     res.status, res.err, cases[i].message);
        assert_string_equal(res.out, "");
    }
    assert_false(file_exists("A"));
    assert_false(file_exists("a.txt"));
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

/* ------------------------------------------------------------ 8: a full disk */

/*
 * A full disk, two ways. As root (CI runs as root): a tmpfs of `kib` KiB mounted on a
 * fresh directory, unmounted at the end of the test (full_dir_end). Otherwise: the
 * command runs under a file-size limit (`ulimit -f`, in 512-byte blocks, with SIGXFSZ
 * ignored so that the write fails with EFBIG, as a full disk fails with ENOSPC). With
 * neither, the test is skipped with a message.
 */
struct full_disk {
    char dir[600];
    bool mounted;
    char prefix[64];                    /* prepended to the command: the limit, or "" */
};

/* The tmpfs mounts still in place: unmounted at exit too, should a test fail first. */
#define MAX_MOUNTS 8
static char mounts[MAX_MOUNTS][600];

static void unmount_all(void)
{
    for (int i = 0; i < MAX_MOUNTS; i++)
        if (mounts[i][0]) {
            umount2(mounts[i], MNT_DETACH);
            mounts[i][0] = '\0';
        }
}

static bool full_dir_begin(struct full_disk *fd, const char *name, unsigned kib)
{
    static bool registered;
    struct proc sh = { 0 };
    char opts[32];

    snprintf(fd->dir, sizeof(fd->dir), "%s", tmp_path("%s", name));
    mkdir(fd->dir, 0777);
    fd->mounted = false;
    fd->prefix[0] = '\0';
    snprintf(opts, sizeof(opts), "size=%uk", kib);
    if (!registered) {
        atexit(unmount_all);            /* runs before the scratch directory goes */
        registered = true;
    }
    if (geteuid() == 0 && mount("tmpfs", fd->dir, "tmpfs", 0, opts) == 0) {
        fd->mounted = true;
        for (int i = 0; i < MAX_MOUNTS; i++)
            if (!mounts[i][0]) {
                snprintf(mounts[i], sizeof(mounts[i]), "%s", fd->dir);
                break;
            }
    } else if (proc_sh(&sh, "ulimit -f %u && trap '' XFSZ", kib * 2) == 0) {
        snprintf(fd->prefix, sizeof(fd->prefix), "ulimit -f %u; trap '' XFSZ; ", kib * 2);
    } else {
        fprintf(stderr, "test_hardening: no tmpfs (not root) and no file-size limit: "
                        "disk-full test skipped\n");
        proc_free(&sh);
        return false;
    }
    proc_free(&sh);
    return true;
}

static void full_dir_end(struct full_disk *fd)
{
    if (!fd->mounted)
        return;
    umount2(fd->dir, MNT_DETACH);
    for (int i = 0; i < MAX_MOUNTS; i++)
        if (!strcmp(mounts[i], fd->dir))
            mounts[i][0] = '\0';
    fd->mounted = false;
}

/* Runs `iommusim ARGS` on the full disk (the limit applied when there is no tmpfs). */
static int run_full(const struct full_disk *fd, const char *args)
{
    return proc_sh(&res, "%sexec '%s' %s", fd->prefix, proc_prog(), args);
}

/* Every regular file under dir, recursively, that is empty (but a point's log, which
 * a quiet run leaves empty): the count, and the names on stderr. */
static int empty_files(const char *dir)
{
    struct proc sh = { 0 };
    int n = 0;

    proc_sh(&sh, "find '%s' -type f -empty ! -name log", dir);
    for (char *line = strtok(sh.out, "\n"); line; line = strtok(NULL, "\n")) {
        fprintf(stderr, "  empty: %s\n", line);
        n++;
    }
    proc_free(&sh);
    return n;
}

/* A sweep of two points, done (the input of plot). */
static const char *small_sweep(void)
{
    static char dir[600];

    if (!dir[0]) {
        snprintf(dir, sizeof(dir), "%s", tmp_path("plotsrc"));
        assert_int_equal(proc_run(&res, SWEEP_SMALL " --out %s", dir), 0);
    }
    return dir;
}

/*
 * plot into a disk with room for about one figure: before, it left 0-byte .png, .svg,
 * .dat and index.md files and said it wrote them. It must fail (status 1) with the
 * write error, claim in "wrote ..." only files that are there and not empty, and
 * leave no empty file and no temporary. Each of 4 sizes stops it at another file.
 */
static void test_plot_full_disk(void **state)
{
    static const unsigned sizes[] = { 8, 24, 40, 64 };
    const char *src = small_sweep();
    struct full_disk fd;

    (void)state;
    for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
        char args[1400];

        if (!full_dir_begin(&fd, "plotfull", sizes[k]))
            skip();
        snprintf(args, sizeof(args), "plot %s --out %s/plots", src, fd.dir);
        run_full(&fd, args);
        if (res.status == 0) {          /* it all fitted: then it is all there */
            assert_int_equal(empty_files(fd.dir), 0);
            full_dir_end(&fd);
            continue;
        }
        assert_int_equal(res.status, 1);
        if (!strstr(res.err, "No space left on device") && !strstr(res.err, "File too large") &&
            !strstr(res.err, "gnuplot left it"))
            fail_msg("plot on a %u KiB disk: stderr '%s' names no write error", sizes[k],
                     res.err);
        assert_int_equal(empty_files(fd.dir), 0);
        for (char *line = strtok(res.out, "\n"); line; line = strtok(NULL, "\n")) {
            char path[1200], *comma;
            struct stat st;

            if (strncmp(line, "wrote ", 6))
                continue;
            snprintf(path, sizeof(path), "%s", line + 6);
            if ((comma = strpbrk(path, ", ")))
                *comma = '\0';
            if (stat(path, &st) || !st.st_size)
                fail_msg("plot said '%s' but %s is missing or empty", line, path);
        }
        {
            struct proc sh = { 0 };

            proc_sh(&sh, "find '%s' -name '*.tmp.*'", fd.dir);
            assert_string_equal(sh.out, "");
            proc_free(&sh);
        }
        full_dir_end(&fd);
    }
}

/*
 * sweep whose results.csv cannot be written (a full disk for the sweep's directory,
 * here made after the points ran: the sweep is resumed, every point skipped, point 1
 * failed): it reported the write error but dropped the line saying point 1 failed.
 * Both lines must be there.
 */
static void test_sweep_full_disk_reports_failures(void **state)
{
    struct full_disk fd;
    char args[1400];

    (void)state;
    if (!full_dir_begin(&fd, "sweepfull", 64))
        skip();
    snprintf(args, sizeof(args), "sweep tests/data/scenarios/display_scan.yaml --mode functional "
             "--set masters.mdp0.generator.height=64 --param buffers.fb.size=8M,64K "
             "--out %s/s", fd.dir);
    run_full(&fd, args);
    assert_int_equal(res.status, 1);
    /* Fill what is left, then resume: results.csv cannot be written. */
    if (fd.mounted) {
        struct proc sh = { 0 };

        proc_sh(&sh, "cat /dev/zero > '%s/filler' 2>/dev/null; true", fd.dir);
        proc_free(&sh);
        run_full(&fd, args);
        assert_int_equal(res.status, 1);
        assert_contains(res.err, "results.csv: No space left on device");
        assert_contains(res.err, "point 1 (buffers.fb.size=64K) failed: ");
        assert_int_equal(empty_files(fd.dir), 0);
    }
    full_dir_end(&fd);
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

#define TUNABLES        "glibc.malloc.tcache_count=0"

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gen_full_device_not_removed),
        cmocka_unit_test(test_convert_error_keeps_old_output),
        cmocka_unit_test(test_gen_missing_dir),
        cmocka_unit_test(test_collect_half_replaced_point),
        cmocka_unit_test(test_killed_runs_all_or_nothing),
        cmocka_unit_test(test_repeated_options),
        cmocka_unit_test(test_failed_run_not_complete),
        cmocka_unit_test(test_rate_checked_after_unit),
        cmocka_unit_test(test_trace_path_not_leaked),
        cmocka_unit_test(test_names_checked_at_load),
        cmocka_unit_test(test_page_table_pool_named),
        cmocka_unit_test(test_load_time_checks),
        cmocka_unit_test(test_policy_16m_alignment),
        cmocka_unit_test(test_scenarios_doc_rows_unique),
        cmocka_unit_test(test_plot_full_disk),
        cmocka_unit_test(test_sweep_full_disk_reports_failures),
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
