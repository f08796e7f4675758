/*
 * test_sweep.c - `iommusim sweep`: grids of runs, their results.csv, resume, failed
 * points, the job list for GNU parallel and Slurm, and usage errors.
 *
 * The program runs as a subprocess (IOMMUSIM names it), on the small display scan
 * of tests/data/scenarios/display_scan.yaml cut to 64 lines, which runs in a few
 * milliseconds. Every statistic of a sweep point is checked against a separate
 * `iommusim run` with the same options, parsed here by this file's own reader of
 * the name,value format (docs/stats.md), and a few against counts worked out by
 * hand from the scan's geometry.
 *
 * The hand counts: 64 lines of 1920 pixels at 4 bytes are 491520 bytes read in
 * order from the start of the 8 MiB buffer fb, in 64-byte bursts: 7680 lookups.
 * With 4 KiB pages that is 491520 / 4096 = 120 pages, each missed once (the scan
 * never returns to a page): 120 misses, 120 fills, and with an LRU TLB of E
 * entries 120 - E evictions (104 for 16, 88 for 32). With 1 MiB pages the whole
 * frame is in the first page: 1 miss, no eviction.
 */
#define _XOPEN_SOURCE 700        /* POSIX.1-2008 with realpath */
#include <limits.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/lib/proc.h"

#define SCENARIO    "tests/data/scenarios/display_scan.yaml"
#define SMALL       "--set masters.mdp0.generator.height=64"
#define GRID        "--param buffers.fb.policy=4k,1m --param smmus.mdp0.tlb.entries=16,32"

static const char *work;                /* the scratch directory (tests/lib/file.h) */
static char scenario_abs[PATH_MAX];
static struct proc pr;                  /* the last command's status, stdout and stderr */

static char *slurpf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *slurpf(const char *fmt, ...)
{
    char path[PATH_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(path, sizeof(path), fmt, ap);
    va_end(ap);
    return slurp(path, NULL);
}

static bool existsf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static bool existsf(const char *fmt, ...)
{
    char path[PATH_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(path, sizeof(path), fmt, ap);
    va_end(ap);
    return file_exists(path);
}

/* `iommusim sweep SCENARIO ARGS`. */
static int sweep(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sweep(const char *fmt, ...)
{
    char args[4096];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(args, sizeof(args), fmt, ap);
    va_end(ap);
    return proc_run(&pr, "sweep " SCENARIO " %s", args);
}

/* ------------------------------------------------------------------ CSV, read here */

struct table {
    char *text;
    char ***cell;                       /* cell[row][col]; row 0 is the header */
    size_t nrows, *ncols;
};

/* Splits a CSV without quoted fields (none of these files has one) in place. */
static struct table *table_read(const char *path)
{
    struct table *t = calloc(1, sizeof(*t));
    size_t lines = 0;

    assert_non_null(t);
    t->text = slurp(path, NULL);
    if (!t->text)
        fail_msg("cannot read %s", path);
    for (char *s = t->text; *s; s++)
        lines += *s == '\n';
    t->cell = calloc(lines + 1, sizeof(*t->cell));
    t->ncols = calloc(lines + 1, sizeof(*t->ncols));
    assert_true(t->cell && t->ncols);
    for (char *s = t->text; *s; t->nrows++) {
        char *eol = strchr(s, '\n');
        assert_non_null(eol);           /* every line ends with LF */
        *eol = 0;
        size_t fields = 1;
        for (char *f = s; *f; f++)
            fields += *f == ',';
        t->cell[t->nrows] = calloc(fields, sizeof(char *));
        assert_non_null(t->cell[t->nrows]);
        for (char *f = s;; f++) {
            char *comma = strchr(f, ',');
            t->cell[t->nrows][t->ncols[t->nrows]++] = f;
            if (!comma)
                break;
            *comma = 0;
            f = comma;
        }
        s = eol + 1;
    }
    return t;
}

static void table_free(struct table *t)
{
    for (size_t r = 0; r < t->nrows; r++)
        free(t->cell[r]);
    free(t->cell);
    free(t->ncols);
    free(t->text);
    free(t);
}

static long column(const struct table *t, const char *name)
{
    for (size_t c = 0; c < t->ncols[0]; c++)
        if (!strcmp(t->cell[0][c], name))
            return (long)c;
    return -1;
}

/* The numeric rows of a run's stats.csv: -?[0-9]+(.[0-9]+)? values, as docs/stats.md
 * says u64 and f64 values are written; string values are not columns of a sweep. */
static bool numeric(const char *v)
{
    size_t i = v[0] == '-';

    if (!(v[i] >= '0' && v[i] <= '9'))
        return false;
    while (v[i] >= '0' && v[i] <= '9')
        i++;
    if (v[i] == '.') {
        i++;
        if (!(v[i] >= '0' && v[i] <= '9'))
            return false;
        while (v[i] >= '0' && v[i] <= '9')
            i++;
    }
    return v[i] == 0;
}

/*
 * Row `row` of results.csv must hold exactly the numeric statistics of the single
 * run whose stats.csv is at path: the same bytes under the same name, and every
 * other STAT column empty.
 */
static void expect_same_stats(const struct table *res, size_t row, size_t first_stat,
                              const char *path)
{
    struct table *single = table_read(path);
    size_t found = 0, filled = 0;

    assert_string_equal(single->cell[0][0], "name");
    for (size_t r = 1; r < single->nrows; r++) {
        const char *name = single->cell[r][0], *value = single->cell[r][1];
        if (!numeric(value)) {
            assert_int_equal(column(res, name), -1);    /* run.scenario, run.mode, ... */
            continue;
        }
        long c = column(res, name);
        if (c < 0)
            fail_msg("%s: no column %s in results.csv", path, name);
        if (strcmp(res->cell[row][c], value))
            fail_msg("point %zu, %s: results.csv has '%s', the single run '%s'", row - 1, name,
                     res->cell[row][c], value);
        found++;
    }
    for (size_t c = first_stat; c < res->ncols[row]; c++)
        filled += res->cell[row][c][0] != 0;
    assert_int_equal(filled, found);    /* nothing else in the row */
    assert_true(found > 100);           /* the scan reports about 130 numbers */
    table_free(single);
}

static const char *cell(const struct table *t, size_t row, const char *name)
{
    long c = column(t, name);

    if (c < 0)
        fail_msg("no column %s", name);
    return t->cell[row][c];
}

/* ------------------------------------------------------------------ the tests */

static const char *const policies[] = { "4k", "4k", "1m", "1m" };
static const char *const entries[] = { "16", "32", "16", "32" };

/*
 * Row `row` (point row - 1) of a 2 x 2 grid: its index, status and the values of
 * both parameters, the last parameter varying fastest.
 */
static void expect_point(const struct table *res, size_t row, const char *status)
{
    char index[16];

    snprintf(index, sizeof(index), "%zu", row - 1);
    assert_int_equal(res->ncols[row], res->ncols[0]);
    assert_string_equal(res->cell[row][0], index);
    assert_string_equal(res->cell[row][1], status);
    assert_string_equal(res->cell[row][2], policies[row - 1]);
    assert_string_equal(res->cell[row][3], entries[row - 1]);
}

static void expect_grid_header(const struct table *res)
{
    assert_true(res->ncols[0] > 4);
    assert_string_equal(res->cell[0][0], "point");
    assert_string_equal(res->cell[0][1], "status");
    assert_string_equal(res->cell[0][2], "param:buffers.fb.policy");
    assert_string_equal(res->cell[0][3], "param:smmus.mdp0.tlb.entries");
}

/* 2 x 2 in functional mode: order, values, and every number against single runs. */
static void test_grid_matches_single_runs(void **state)
{
    static const char *const misses[] = { "120", "120", "1", "1" };
    static const char *const evictions[] = { "104", "88", "0", "0" };
    char expect[PATH_MAX + 1024], path[PATH_MAX], *text;
    struct table *res;

    (void)state;
    assert_int_equal(sweep("--mode functional " SMALL " " GRID " -j 2 --out %s/grid", work), 0);
    snprintf(expect, sizeof(expect), "4 points: 4 run, 0 skipped (already done), 0 failed; "
             "results in %s/grid/results.csv\n", work);
    assert_string_equal(pr.out, expect);
    assert_string_equal(pr.err, "");

    text = slurpf("%s/grid/sweep.txt", work);
    snprintf(expect, sizeof(expect), "scenario=%s\nmode=functional\nseed=\n"
             "set=masters.mdp0.generator.height=64\nparam=buffers.fb.policy=4k,1m\n"
             "param=smmus.mdp0.tlb.entries=16,32\npoints=4\n", scenario_abs);
    assert_non_null(text);
    assert_string_equal(text, expect);
    free(text);

    snprintf(path, sizeof(path), "%s/grid/results.csv", work);
    res = table_read(path);
    assert_int_equal(res->nrows, 5);     /* the header and 4 points */
    expect_grid_header(res);
    for (size_t row = 1; row <= 4; row++) {
        expect_point(res, row, "ok");
        assert_true(existsf("%s/grid/points/%04zu/log", work, row - 1));
        assert_int_equal(proc_run(&pr, "run " SCENARIO " --quiet --mode functional " SMALL
                                       " --set buffers.fb.policy=%s --set smmus.mdp0.tlb.entries=%s"
                                       " --out %s/single%zu", policies[row - 1],
                               entries[row - 1], work, row - 1), 0);
        snprintf(path, sizeof(path), "%s/single%zu/stats.csv", work, row - 1);
        expect_same_stats(res, row, 4, path);
        /* The hand counts of the header comment. */
        assert_string_equal(cell(res, row, "smmu.mdp0.tlb.lookups"), "7680");
        assert_string_equal(cell(res, row, "smmu.mdp0.tlb.misses"), misses[row - 1]);
        assert_string_equal(cell(res, row, "smmu.mdp0.tlb.evictions"), evictions[row - 1]);
    }
    table_free(res);
}

/* Two points in timing mode, where the walker and fabric statistics exist too. */
static void test_timing_points_match_single_runs(void **state)
{
    char path[PATH_MAX];
    struct table *res;

    (void)state;
    assert_int_equal(sweep("--mode timing " SMALL " --param smmus.mdp0.tlb.entries=16,32 "
                           "--out %s/timing", work), 0);
    snprintf(path, sizeof(path), "%s/timing/results.csv", work);
    res = table_read(path);
    assert_int_equal(res->nrows, 3);
    assert_string_equal(res->cell[0][2], "param:smmus.mdp0.tlb.entries");
    assert_true(column(res, "fabric.mdp0.requests") > 2);
    for (size_t row = 1; row <= 2; row++) {
        assert_string_equal(res->cell[row][1], "ok");
        assert_string_equal(res->cell[row][2], row == 1 ? "16" : "32");
        assert_int_equal(proc_run(&pr, "run " SCENARIO " --quiet --mode timing " SMALL
                                       " --set smmus.mdp0.tlb.entries=%s --out %s/tsingle%zu",
                               row == 1 ? "16" : "32", work, row), 0);
        snprintf(path, sizeof(path), "%s/tsingle%zu/stats.csv", work, row);
        expect_same_stats(res, row, 3, path);
    }
    table_free(res);
}

/*
 * Points with different statistics: a functional run has no walker, fabric or L2
 * numbers. The columns are the functional point's numeric names in its order,
 * then the names only the timing point has, in its order.
 */
static void test_columns_are_the_union_in_first_appearance_order(void **state)
{
    char path[PATH_MAX];
    struct table *res, *fun, *tim;
    size_t c = 3, timing_only = 0;

    (void)state;
    assert_int_equal(sweep(SMALL " --param mode=functional,timing --out %s/modes", work), 0);
    assert_int_equal(proc_run(&pr, "run " SCENARIO " --quiet " SMALL " --set mode=functional "
                                   "--out %s/mfun", work), 0);
    assert_int_equal(proc_run(&pr, "run " SCENARIO " --quiet " SMALL " --set mode=timing "
                                   "--out %s/mtim", work), 0);
    snprintf(path, sizeof(path), "%s/modes/results.csv", work);
    res = table_read(path);
    snprintf(path, sizeof(path), "%s/mfun/stats.csv", work);
    fun = table_read(path);
    snprintf(path, sizeof(path), "%s/mtim/stats.csv", work);
    tim = table_read(path);
    for (size_t r = 1; r < fun->nrows; r++)
        if (numeric(fun->cell[r][1]))
            assert_string_equal(res->cell[0][c++], fun->cell[r][0]);
    for (size_t r = 1; r < tim->nrows; r++) {
        bool in_fun = false;
        for (size_t f = 1; f < fun->nrows; f++)
            in_fun |= !strcmp(fun->cell[f][0], tim->cell[r][0]);
        if (numeric(tim->cell[r][1]) && !in_fun) {
            assert_string_equal(res->cell[0][c++], tim->cell[r][0]);
            timing_only++;
        }
    }
    assert_int_equal(c, res->ncols[0]);
    /* 13 walker counters (walker_register_stats), 3 fabric ones, 6 of the L2 */
    assert_int_equal(timing_only, 22);
    snprintf(path, sizeof(path), "%s/mfun/stats.csv", work);
    expect_same_stats(res, 1, 3, path);        /* its 22 timing columns are empty */
    snprintf(path, sizeof(path), "%s/mtim/stats.csv", work);
    expect_same_stats(res, 2, 3, path);
    table_free(res);
    table_free(fun);
    table_free(tim);
}

/* The results do not depend on how many points run at once. */
static void test_jobs_do_not_change_results(void **state)
{
    char *one, *four;

    (void)state;
    assert_int_equal(sweep("--mode functional " SMALL " " GRID " -j 1 --out %s/j1", work), 0);
    assert_int_equal(sweep("--mode functional " SMALL " " GRID " -j 4 --out %s/j4", work), 0);
    one = slurpf("%s/j1/results.csv", work);
    four = slurpf("%s/j4/results.csv", work);
    assert_non_null(one);
    assert_non_null(four);
    assert_string_equal(one, four);
    free(one);
    free(four);
}

static void test_resume_runs_only_missing_points(void **state)
{
    char expect[2048], *before, *after;

    (void)state;
    assert_int_equal(sweep("--mode functional " SMALL " " GRID " --out %s/resume", work), 0);
    before = slurpf("%s/resume/results.csv", work);
    assert_non_null(before);
    assert_int_equal(proc_sh(&pr, "rm -r %s/resume/points/0002", work), 0);
    assert_int_equal(sweep("--mode functional " SMALL " " GRID " --out %s/resume", work), 0);
    snprintf(expect, sizeof(expect), "4 points: 1 run, 3 skipped (already done), 0 failed; "
             "results in %s/resume/results.csv\n", work);
    assert_string_equal(pr.out, expect);
    assert_true(existsf("%s/resume/points/0002/stats.json", work));
    after = slurpf("%s/resume/results.csv", work);
    assert_non_null(after);
    assert_string_equal(after, before);

    /* Another definition into the same directory is refused, naming the difference. */
    assert_int_equal(sweep("--mode functional " SMALL " --param buffers.fb.policy=4k,1m "
                           "--param smmus.mdp0.tlb.entries=16,64 --out %s/resume", work), 2);
    snprintf(expect, sizeof(expect), "iommusim sweep: %s/resume holds another sweep: its "
             "sweep.txt has 'param=smmus.mdp0.tlb.entries=16,32' where this sweep has "
             "'param=smmus.mdp0.tlb.entries=16,64' (use another --out, or remove %s/resume "
             "to start over)\n", work, work);
    assert_string_equal(pr.err, expect);
    assert_int_equal(sweep("--mode functional " SMALL " --set smmus.mdp0.tlb.ways=4 " GRID
                           " --out %s/resume", work), 2);
    snprintf(expect, sizeof(expect), "iommusim sweep: %s/resume holds another sweep: this "
             "sweep has 'set=smmus.mdp0.tlb.ways=4', which its sweep.txt has not (use "
             "another --out, or remove %s/resume to start over)\n", work, work);
    assert_string_equal(pr.err, expect);
    assert_int_equal(sweep(SMALL " " GRID " --out %s/resume", work), 2);
    snprintf(expect, sizeof(expect), "iommusim sweep: %s/resume holds another sweep: its "
             "sweep.txt has 'mode=functional' where this sweep has 'mode=' (the scenario's) "
             "(use another --out, or remove %s/resume to start over)\n", work, work);
    assert_string_equal(pr.err, expect);
    free(after);
    after = slurpf("%s/resume/results.csv", work);
    assert_non_null(after);
    assert_string_equal(after, before);         /* nothing was touched */
    free(before);
    free(after);
}

/*
 * A value the schema accepts but the run cannot use fails its point's run: a 64K
 * frame buffer is too small for the 1920x64x4 = 480K frame the generator reads
 * (the SoC builder sizes the generators, after the loader that sweep_check runs).
 * The point is recorded as failed with the run's error in its log, the other point
 * is done, the exit status is 1. A point runs the scenario by its absolute path.
 */
#define TOO_SMALL   "error: buffers.fb.size: 64K is too small; the generator of master " \
                    "mdp0 needs 480K"
static void test_failed_point(void **state)
{
    char expect[2 * PATH_MAX + 512], path[PATH_MAX], cwd[PATH_MAX], *log, *local, *collected;
    struct table *res;

    (void)state;
    assert_non_null(getcwd(cwd, sizeof(cwd)));
    assert_int_equal(sweep("--mode functional " SMALL " --param buffers.fb.size=8M,64K "
                           "--out %s/fail", work), 1);
    snprintf(expect, sizeof(expect), "iommusim sweep: point 1 (buffers.fb.size=64K) "
             "failed: exit status 1: %s/tests/data/scenarios/display_scan.yaml:7:7: "
             TOO_SMALL "; log: %s/fail/points/0001/log\n", cwd, work);
    assert_string_equal(pr.err, expect);
    snprintf(expect, sizeof(expect), "2 points: 2 run, 0 skipped (already done), 1 failed; "
             "results in %s/fail/results.csv\n", work);
    assert_string_equal(pr.out, expect);
    log = slurpf("%s/fail/points/0001/log", work);
    assert_non_null(log);
    snprintf(expect, sizeof(expect), "%s/tests/data/scenarios/display_scan.yaml:7:7: "
             TOO_SMALL "\n", cwd);
    assert_string_equal(log, expect);
    free(log);
    assert_false(existsf("%s/fail/points/0001/stats.json", work));

    snprintf(path, sizeof(path), "%s/fail/results.csv", work);
    res = table_read(path);
    assert_int_equal(res->nrows, 3);
    assert_string_equal(res->cell[1][1], "ok");
    assert_string_equal(res->cell[1][2], "8M");
    assert_string_equal(res->cell[2][0], "1");
    assert_string_equal(res->cell[2][1], "failed");
    assert_string_equal(res->cell[2][2], "64K");
    assert_int_equal(res->ncols[2], res->ncols[0]);
    for (size_t c = 3; c < res->ncols[2]; c++)
        assert_string_equal(res->cell[2][c], "");
    table_free(res);

    /* A failed point is not done: the next run of the sweep tries it again. */
    assert_int_equal(sweep("--mode functional " SMALL " --param buffers.fb.size=8M,64K "
                           "--out %s/fail", work), 1);
    snprintf(expect, sizeof(expect), "2 points: 1 run, 1 skipped (already done), 1 failed; "
             "results in %s/fail/results.csv\n", work);
    assert_string_equal(pr.out, expect);

    /* The same sweep through jobs.txt and parallel fails the same way. */
    assert_int_equal(sweep("--mode functional " SMALL " --param buffers.fb.size=8M,64K "
                           "--out %s/pfail --emit-jobs", work), 0);
    assert_int_equal(proc_sh(&pr, "parallel < %s/pfail/jobs.txt", work), 1);  /* 1 job failed */
    assert_int_equal(proc_run(&pr, "sweep --collect %s/pfail", work), 1);
    snprintf(expect, sizeof(expect), "iommusim sweep: point 1 (buffers.fb.size=64K) "
             "failed: no stats.json; log: %s/pfail/points/0001/log\n", work);
    assert_string_equal(pr.err, expect);
    snprintf(expect, sizeof(expect), "2 points: 1 done, 1 failed; results in "
             "%s/pfail/results.csv\n", work);
    assert_string_equal(pr.out, expect);
    local = slurpf("%s/fail/results.csv", work);
    collected = slurpf("%s/pfail/results.csv", work);
    assert_non_null(local);
    assert_non_null(collected);
    assert_string_equal(collected, local);
    free(local);
    free(collected);
}

/*
 * --timeout: 600 frames of the full 1080-line scan take seconds (about 20 ms of run
 * time per frame); cut to 1 ms of simulated time, they take a few milliseconds.
 */
static void test_timeout_kills_a_point(void **state)
{
    char expect[1024], *log;

    (void)state;
    assert_int_equal(sweep("--set masters.mdp0.generator.frames=600 --param duration=1ms,20s "
                           "--timeout 1 --out %s/slow", work), 1);
    snprintf(expect, sizeof(expect), "iommusim sweep: point 1 (duration=20s) failed: killed "
             "after --timeout 1 s; log: %s/slow/points/0001/log\n", work);
    assert_string_equal(pr.err, expect);
    log = slurpf("%s/slow/points/0001/log", work);
    assert_non_null(log);
    assert_string_equal(log, "iommusim sweep: killed after --timeout 1 s\n");
    free(log);
    assert_true(existsf("%s/slow/points/0000/stats.json", work));
    assert_false(existsf("%s/slow/points/0001/stats.json", work));
}

/* Count of lines in a text. */
static size_t lines(const char *s)
{
    size_t n = 0;

    for (; *s; s++)
        n += *s == '\n';
    return n;
}

/*
 * --emit-jobs, GNU parallel, --collect: the same results.csv as a sweep run here.
 * The key has a '*', which must reach the run quoted from the shell.
 */
static void test_parallel_jobs_and_collect(void **state)
{
    char expect[4096], prefix[PATH_MAX + 64], *jobs, *slurm, *local, *collected;

    (void)state;
    assert_int_equal(sweep("--mode functional " SMALL " --param 'buffers.*.policy=4k,1m' "
                           "--param smmus.mdp0.tlb.entries=16,32 --out %s/local", work), 0);
    assert_int_equal(sweep("--mode functional " SMALL " --param 'buffers.*.policy=4k,1m' "
                           "--param smmus.mdp0.tlb.entries=16,32 --out %s/par --emit-jobs",
                           work), 0);
    snprintf(expect, sizeof(expect),
             "wrote 4 jobs, one command line per point: %s/par/jobs.txt\n"
             "run them on this machine:\n"
             "  parallel < %s/par/jobs.txt\n"
             "or on the hosts listed in HOSTS, which share %s/par:\n"
             "  parallel --sshloginfile HOSTS --workdir %s/par < %s/par/jobs.txt\n"
             "or as a Slurm job array:\n"
             "  sbatch %s/par/slurm.sh\n"
             "then write %s/par/results.csv:\n"
             "  iommusim sweep --collect %s/par\n", work, work, work, work, work, work, work,
             work);
    assert_string_equal(pr.out, expect);
    assert_false(existsf("%s/par/points/0000/stats.json", work));      /* nothing ran */

    jobs = slurpf("%s/par/jobs.txt", work);
    assert_non_null(jobs);
    assert_int_equal(lines(jobs), 4);
    snprintf(prefix, sizeof(prefix), "mkdir -p %s/par/points/0000 && ", work);
    assert_memory_equal(jobs, prefix, strlen(prefix));
    assert_non_null(strstr(jobs, " --set 'buffers.*.policy=1m' --set smmus.mdp0.tlb.entries=32"
                                 " > "));
    slurm = slurpf("%s/par/slurm.sh", work);
    assert_non_null(slurm);
    assert_non_null(strstr(slurm, "\n#SBATCH --array=0-3\n"));

    assert_int_equal(proc_sh(&pr, "parallel < %s/par/jobs.txt", work), 0);
    assert_int_equal(proc_run(&pr, "sweep --collect %s/par", work), 0);
    snprintf(expect, sizeof(expect), "4 points: 4 done, 0 failed; results in "
             "%s/par/results.csv\n", work);
    assert_string_equal(pr.out, expect);
    local = slurpf("%s/local/results.csv", work);
    collected = slurpf("%s/par/results.csv", work);
    assert_non_null(local);
    assert_non_null(collected);
    assert_string_equal(collected, local);
    free(collected);

    /* Array task 2 of the Slurm script is point 2. */
    assert_int_equal(proc_sh(&pr, "rm -r %s/par/points/0002", work), 0);
    assert_int_equal(proc_run(&pr, "sweep --collect %s/par", work), 1);
    snprintf(expect, sizeof(expect), "iommusim sweep: point 2 (buffers.*.policy=1m, "
             "smmus.mdp0.tlb.entries=16) failed: no stats.json; log: "
             "%s/par/points/0002/log\n", work);
    assert_string_equal(pr.err, expect);
    assert_int_equal(proc_sh(&pr, "SLURM_ARRAY_TASK_ID=2 sh %s/par/slurm.sh", work), 0);
    assert_int_equal(proc_run(&pr, "sweep --collect %s/par", work), 0);
    collected = slurpf("%s/par/results.csv", work);
    assert_string_equal(collected, local);
    free(collected);
    free(local);
    free(jobs);
    free(slurm);
}

/*
 * A misspelt key or a malformed value is found by loading the scenario as the points
 * would, before anything runs or is written: exit 2, the --param (or --set) argument
 * named, no directory made, no jobs.txt. The loader's messages are config.c's: an
 * unknown key with the closest known one, an integer that is not one. A point's
 * --set comes after the shared ones, so the second value of the second parameter is
 * checked with the first value of the first.
 */
static void test_params_checked_before_running(void **state)
{
    static const struct {
        const char *args, *err;
    } cases[] = {
        { "--param smmus.mdp0.tlb.entriez=16,32",
          "iommusim sweep: --param smmus.mdp0.tlb.entriez=16,32 (value '16'): unknown key "
          "'entriez' in soc.smmus.mdp0.tlb; did you mean 'entries'?\n" },
        { "--param buffers.fb.policy=4k --param smmus.mdp0.tlb.entries=16,3x2",
          "iommusim sweep: --param smmus.mdp0.tlb.entries=16,3x2 (value '3x2'): "
          "soc.smmus.mdp0.tlb.entries: expected an integer (decimal or 0x-hex), found '3x2'\n" },
        { "--param smmus.mdp0.tlb.entries=16,999",
          "iommusim sweep: --param smmus.mdp0.tlb.entries=16,999 (value '999'): "
          "soc.smmus.mdp0.tlb.entries: 999 is out of range 1..256\n" },
        { "--param buffers.fb.policy=4k,2k",
          "iommusim sweep: --param buffers.fb.policy=4k,2k (value '2k'): buffers.fb.policy: "
          "'2k' is not one of best, 4k, 64k, 1m, 16m; did you mean '4k'?\n" },
        { "--set smmus.mdp0.tlb.waysz=2 --param buffers.fb.policy=4k",
          "iommusim sweep: --set smmus.mdp0.tlb.waysz=2: unknown key 'waysz' in "
          "soc.smmus.mdp0.tlb; did you mean 'ways'?\n" },
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        for (int jobs = 0; jobs < 2; jobs++) {
            assert_int_equal(sweep("--mode functional " SMALL " %s --out %s/checked%zu%s",
                                   cases[i].args, work, i, jobs ? " --emit-jobs" : ""), 2);
            assert_string_equal(pr.out, "");
            assert_string_equal(pr.err, cases[i].err);
            assert_false(existsf("%s/checked%zu", work, i));
        }
    }
}

/*
 * A run that fails part way (a malformed trace line) still writes its statistics,
 * with run.error; the sweep counts it failed and removes its stats.json, and so
 * does each line of jobs.txt, so that --collect agrees.
 */
static void test_point_failing_part_way(void **state)
{
    char *local, *collected;

    (void)state;
    assert_int_equal(proc_run(&pr, "sweep tests/data/scenarios/bad_trace_line.yaml "
                                   "--param mode=functional,timing --out %s/partway", work), 1);
    for (int i = 0; i < 2; i++) {
        assert_true(existsf("%s/partway/points/%04d/stats.csv", work, i));
        assert_false(existsf("%s/partway/points/%04d/stats.json", work, i));
    }
    assert_int_equal(proc_run(&pr, "sweep tests/data/scenarios/bad_trace_line.yaml "
                                   "--param mode=functional,timing --out %s/ppartway --emit-jobs",
                              work), 0);
    assert_int_equal(proc_sh(&pr, "parallel < %s/ppartway/jobs.txt", work), 2); /* 2 failed */
    assert_false(existsf("%s/ppartway/points/0000/stats.json", work));
    assert_int_equal(proc_run(&pr, "sweep --collect %s/ppartway", work), 1);
    local = slurpf("%s/partway/results.csv", work);
    collected = slurpf("%s/ppartway/results.csv", work);
    assert_non_null(local);
    assert_non_null(collected);
    /* No point is done, so there are no statistics columns. */
    assert_string_equal(local, "point,status,param:mode\n0,failed,functional\n1,failed,timing\n");
    assert_string_equal(collected, local);
    free(local);
    free(collected);
}

/*
 * String statistics are not columns, however they are quoted: a scenario named
 * `display "scan",<newline>two lines` gives a run.scenario field with doubled
 * quotes, a comma and a line break. Its results equal those of the same scan under
 * its plain name, which differs in that string only.
 */
static void test_quoted_strings_are_skipped(void **state)
{
    char soc[PATH_MAX], path[PATH_MAX], *plain, *quoted;
    FILE *f;

    (void)state;
    assert_non_null(realpath("configs/msm8960.yaml", soc));
    snprintf(path, sizeof(path), "%s/quoted.yaml", work);
    f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "name: \"display \\\"scan\\\",\\ntwo lines\"\n"
               "soc: !include %s\n"
               "duration: 100ms\n"
               "buffers:\n"
               "  fb: {size: 8M, domain: display_read, policy: best}\n"
               "masters:\n"
               "  mdp0:\n"
               "    context: mdp_port0_cb0\n"
               "    generator: {kind: display, width: 1920, height: 64, bpp: 4, frames: 1, "
               "fps: 60}\n"
               "    buffers: {layer0: fb}\n"
               "    burst: 64B\n"
               "    outstanding: 16\n", soc);
    fclose(f);
    assert_int_equal(proc_run(&pr, "sweep %s/quoted.yaml --mode functional --param "
                                   "smmus.mdp0.tlb.entries=16,32 --out %s/quoted", work, work),
                     0);
    quoted = slurpf("%s/quoted/points/0000/stats.csv", work);
    assert_non_null(quoted);
    assert_non_null(strstr(quoted, "\nrun.scenario,\"display \"\"scan\"\",\ntwo lines\"\n"));
    free(quoted);
    assert_int_equal(sweep("--mode functional " SMALL " --param smmus.mdp0.tlb.entries=16,32 "
                           "--out %s/plain", work), 0);
    plain = slurpf("%s/plain/results.csv", work);
    quoted = slurpf("%s/quoted/results.csv", work);
    assert_non_null(plain);
    assert_non_null(quoted);
    assert_string_equal(quoted, plain);
    free(plain);
    free(quoted);
}

/*
 * Rewrites DIR/stats.done for the files it lists as they are now, as a run does after
 * writing them (docs/stats.md): "NAME BYTES HASH", HASH the 64-bit FNV-1a of the bytes
 * (offset basis 14695981039346656037, prime 1099511628211), 16 hex digits.
 */
static void rewrite_manifest(const char *dir)
{
    char path[PATH_MAX], *old, *line, *save = NULL;
    FILE *out;

    snprintf(path, sizeof(path), "%s/stats.done", dir);
    old = slurp(path, NULL);
    assert_non_null(old);
    out = fopen(path, "w");
    assert_non_null(out);
    for (line = strtok_r(old, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char name[64];
        uint64_t h = 14695981039346656037ull;
        char *text;
        size_t n;

        assert_int_equal(sscanf(line, "%63s", name), 1);
        text = slurpf("%s/%s", dir, name);
        assert_non_null(text);
        n = strlen(text);
        for (size_t k = 0; k < n; k++)
            h = (h ^ (unsigned char)text[k]) * 1099511628211ull;
        fprintf(out, "%s %zu %016llx\n", name, n, (unsigned long long)h);
        free(text);
    }
    assert_int_equal(fclose(out), 0);
    free(old);
}

/*
 * A done point whose stats.csv was damaged is reported with its line, and failed:
 * damaged with its manifest rewritten to match (a file written so by a run), since
 * a file that does not match its manifest is not read at all.
 */
static void test_malformed_stats_csv(void **state)
{
    char expect[1024], *csv;
    struct table *res;
    size_t n;

    (void)state;
    assert_int_equal(sweep("--mode functional " SMALL " --param smmus.mdp0.tlb.entries=16,32 "
                           "--out %s/damaged", work), 0);
    csv = slurpf("%s/damaged/points/0001/stats.csv", work);
    assert_non_null(csv);
    n = lines(csv);
    free(csv);
    assert_int_equal(proc_sh(&pr, "echo 'no comma here' >> %s/damaged/points/0001/stats.csv",
                             work), 0);
    snprintf(expect, sizeof(expect), "%s/damaged/points/0001", work);
    rewrite_manifest(expect);
    assert_int_equal(proc_run(&pr, "sweep --collect %s/damaged", work), 1);
    snprintf(expect, sizeof(expect),
             "iommusim sweep: %s/damaged/points/0001/stats.csv:%zu: malformed record "
             "(expected NAME,VALUE)\n"
             "iommusim sweep: point 1 (smmus.mdp0.tlb.entries=32) failed: its stats.csv "
             "cannot be read; log: %s/damaged/points/0001/log\n", work, n + 1, work);
    assert_string_equal(pr.err, expect);
    snprintf(expect, sizeof(expect), "%s/damaged/results.csv", work);
    res = table_read(expect);
    assert_string_equal(res->cell[1][1], "ok");
    assert_string_equal(res->cell[2][1], "failed");
    table_free(res);
}

static void expect_usage(const char *args, const char *message)
{
    char expect[1024];

    snprintf(expect, sizeof(expect), "iommusim sweep: %s\n", message);
    if (proc_run(&pr, "sweep %s", args) != 2 || strcmp(pr.err, expect))
        fail_msg("iommusim sweep %s\n  stderr:   %s  expected: %s", args, pr.err, expect);
}

static void test_usage_errors(void **state)
{
    (void)state;
    expect_usage(SCENARIO " --param a=1",
                 "missing --out DIR (the directory the points and results.csv go to)");
    expect_usage(SCENARIO " --out x", "no --param: give at least one --param KEY=V1,V2,...");
    expect_usage(SCENARIO " --param a --out x", "--param a: expected KEY=V1,V2,...");
    expect_usage(SCENARIO " --param a= --out x",
                 "--param a=: no values (expected KEY=V1,V2,...)");
    expect_usage(SCENARIO " --param a=1,,2 --out x", "--param a=1,,2: value 2 is empty");
    expect_usage(SCENARIO " --param a=1, --out x", "--param a=1,: value 2 is empty");
    expect_usage(SCENARIO " --param =1 --out x", "--param =1: the key is empty");
    expect_usage(SCENARIO " --param a=1 --param a=2 --out x",
                 "--param a given twice (list all its values in one --param)");
    expect_usage(SCENARIO " --param a=1 --out x -j 0",
                 "-j 0 is out of range: must be 1 .. 1024");
    expect_usage(SCENARIO " --param a=1 --out x -j two",
                 "-j 'two' is not an integer: must be 1 .. 1024");
    expect_usage(SCENARIO " --param a=1 --out x --bogus",
                 "unknown option '--bogus' (options: --param, --set, --mode, --seed, -j, "
                 "--timeout, --out, --emit-jobs, --collect, --help)");
    expect_usage(SCENARIO " --param a=1 --out x --timeout soon",
                 "--timeout 'soon' is not a number of seconds: must be 0 (no limit) .. "
                 "1000000");
    expect_usage(SCENARIO " --param a=1 --out x --mode fast",
                 "--mode fast: expected timing or functional");
    expect_usage(SCENARIO " --param a=1 --out x --set b",
                 "--set b: expected KEY=VALUE");
    expect_usage(SCENARIO " --param a=1 --out x --emit-jobs -j 2",
                 "-j does not go with --emit-jobs (parallel -j or the Slurm array decides how "
                 "many points run at once)");
    expect_usage("--param a=1 --out x", "missing the scenario file (iommusim sweep "
                 "SCENARIO.yaml --param KEY=V1,V2,... --out DIR)");
    expect_usage("--collect x --out y", "--collect takes the sweep directory and nothing else "
                 "(iommusim sweep --collect DIR)");
    expect_usage("--collect x " SCENARIO, "--collect takes the sweep directory and nothing "
                 "else (iommusim sweep --collect DIR)");
    expect_usage(SCENARIO " --param a=1 --out", "option '--out' needs a value (see iommusim "
                 "sweep --help)");
    /* 1001 x 1000 points */
    expect_usage(SCENARIO " --param a=$(seq -s, 1001) --param b=$(seq -s, 1000) --out x",
                 "the --param lists give more than 1000000 points");
    assert_false(existsf("x"));         /* no usage error creates the directory */

    assert_int_equal(proc_run(&pr, "sweep --help"), 0);
    assert_memory_equal(pr.out, "usage: iommusim sweep SCENARIO.yaml", 35);
}

/* --collect needs a readable, well-formed sweep.txt: exit status 1 and the place. */
static void test_collect_errors(void **state)
{
    char expect[1024];

    (void)state;
    assert_int_equal(proc_run(&pr, "sweep --collect %s/nothing", work), 1);
    snprintf(expect, sizeof(expect), "iommusim sweep: cannot read %s/nothing/sweep.txt: No "
             "such file or directory\n", work);
    assert_string_equal(pr.err, expect);

    assert_int_equal(proc_sh(&pr, "mkdir %s/bad && printf 'scenario=/s.yaml\\nparam=a=1,2\\n"
                                  "colour=red\\n' > %s/bad/sweep.txt", work, work), 0);
    assert_int_equal(proc_run(&pr, "sweep --collect %s/bad", work), 1);
    snprintf(expect, sizeof(expect), "iommusim sweep: %s/bad/sweep.txt:3: error: unknown key "
             "'colour' (expected scenario, mode, seed, set, param or points)\n", work);
    assert_string_equal(pr.err, expect);

    assert_int_equal(proc_sh(&pr, "printf 'scenario=/s.yaml\\nparam=a=1,2\\npoints=3\\n' > "
                                  "%s/bad/sweep.txt", work), 0);
    assert_int_equal(proc_run(&pr, "sweep --collect %s/bad", work), 1);
    snprintf(expect, sizeof(expect), "iommusim sweep: %s/bad/sweep.txt: error: points=3, but "
             "the params give 2 points\n", work);
    assert_string_equal(pr.err, expect);
}

static int setup(void **state)
{
    (void)state;
    work = tmp_dir();
    return realpath(SCENARIO, scenario_abs) ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grid_matches_single_runs),
        cmocka_unit_test(test_timing_points_match_single_runs),
        cmocka_unit_test(test_columns_are_the_union_in_first_appearance_order),
        cmocka_unit_test(test_jobs_do_not_change_results),
        cmocka_unit_test(test_resume_runs_only_missing_points),
        cmocka_unit_test(test_failed_point),
        cmocka_unit_test(test_timeout_kills_a_point),
        cmocka_unit_test(test_parallel_jobs_and_collect),
        cmocka_unit_test(test_params_checked_before_running),
        cmocka_unit_test(test_point_failing_part_way),
        cmocka_unit_test(test_quoted_strings_are_skipped),
        cmocka_unit_test(test_malformed_stats_csv),
        cmocka_unit_test(test_usage_errors),
        cmocka_unit_test(test_collect_errors),
    };

    return cmocka_run_group_tests(tests, setup, NULL);
}
