/*
 * test_hardening.c - regression tests for the defects that hostile use of the program
 * found in its outputs (issue 13): devices and symlinks as outputs, runs killed while
 * writing their results, a full disk, repeated options. Each test is the smallest
 * command that showed the defect, and checks the exact outcome the fix promises.
 * tests/test_hardening_input.c has those of its inputs (scenario files).
 *
 * The program runs as a subprocess (tests/lib/proc.h) from the repository root, with
 * its files in the test program's scratch directory.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

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

/*
 * Replacing an existing output through a temporary and a rename must keep the old
 * file's permission bits: a trace kept private (0600) stays private, and one made
 * read-only for others (0644) does not become writable by the umask's default.
 */
static void test_replaced_output_keeps_mode(void **state)
{
    char out[600];
    struct stat st;

    (void)state;
    snprintf(out, sizeof(out), "%s", tmp_path("private.txt"));
    write_text(out, "OLD\n");
    assert_int_equal(chmod(out, 0600), 0);
    assert_int_equal(proc_run(&res, "convert tests/data/cli/named.txt -o %s", out), 0);
    assert_int_equal(stat(out, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    assert_int_equal(chmod(out, 0640), 0);
    assert_int_equal(proc_run(&res, "gen display --width 64 --height 4 --frames 1 -o %s", out),
                     0);
    assert_int_equal(stat(out, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0640);
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

/* text with every "tests/data" written as "ROOT/tests/data". */
static void absolute_fixtures(char *out, size_t len, const char *text, const char *root)
{
    size_t at = 0;

    for (const char *t = text; *t && at + 1 < len;) {
        if (!strncmp(t, "tests/data", 10)) {
            at += (size_t)snprintf(out + at, len - at, "%s/", root);
            if (at >= len)
                break;
        }
        out[at++] = *t++;
    }
    out[at < len ? at : len - 1] = '\0';
}

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

    char work[600], cwd[4096], args[8192], message[8192];

    (void)state;
    /* In a directory of its own, so that a regression writes A, B or a.txt there; the
     * fixtures by absolute path ("tests/data" becomes "ROOT/tests/data"). */
    snprintf(work, sizeof(work), "%s", tmp_path("repeated"));
    mkdir(work, 0777);
    assert_non_null(getcwd(cwd, sizeof(cwd)));
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        absolute_fixtures(args, sizeof(args), cases[i].args, cwd);
        absolute_fixtures(message, sizeof(message), cases[i].message, cwd);
        proc_sh(&res, "cd '%s' && exec '%s%s%s' %s", work, proc_prog()[0] == '/' ? "" : cwd,
                proc_prog()[0] == '/' ? "" : "/", proc_prog(), args);
        if (res.status != 2 || strcmp(res.err, message))
            fail_msg("iommusim %s\n  status %d, stderr: %s  expected 2: %s", args,
                     res.status, res.err, message);
        assert_string_equal(res.out, "");
    }
    assert_int_equal(count_entries(work, ""), 0);
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
 * a quiet run leaves empty, and the tests' own filler, empty when the disk was already
 * full): the count, and the names on stderr. */
static int empty_files(const char *dir)
{
    struct proc sh = { 0 };
    int n = 0;

    proc_sh(&sh, "find '%s' -type f -empty ! -name log ! -name filler", dir);
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
    /* 128 KiB: room for the first sweep's point with its run description (config.yaml
     * and config.json, about 25 KiB) before the filler takes the rest */
    if (!full_dir_begin(&fd, "sweepfull", 128))
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gen_full_device_not_removed),
        cmocka_unit_test(test_convert_error_keeps_old_output),
        cmocka_unit_test(test_gen_missing_dir),
        cmocka_unit_test(test_replaced_output_keeps_mode),
        cmocka_unit_test(test_collect_half_replaced_point),
        cmocka_unit_test(test_killed_runs_all_or_nothing),
        cmocka_unit_test(test_repeated_options),
        cmocka_unit_test(test_plot_full_disk),
        cmocka_unit_test(test_sweep_full_disk_reports_failures),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);

    proc_free(&res);
    return rc;
}
