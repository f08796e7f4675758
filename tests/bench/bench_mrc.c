/*
 * bench_mrc.c - a whole miss-ratio curve against one TLB size: `iommusim tlb` with
 * --entries 1-4096 (every size, one pass of models/mrc.c) against --entries 1024
 * and 4096 (one TLB model), on two traces of about 20 million references written
 * into $BENCH_DIR/mrc (default /tmp/iommusim-bench/mrc):
 *   video:  `iommusim gen video_decode --frames 45` (1080p, 444,852 references a
 *           frame): a decoder's streams over its bitstream and frame buffers;
 *   random: byte addresses drawn by splitmix64 from 1 GiB (262,144 pages of 4 KiB),
 *           nearly every reference a miss at 4 KiB.
 * Each case is the command as a subprocess (output to /dev/null), fastest of ROUNDS
 * runs, the rounds of all cases interleaved so that load from elsewhere hits them
 * alike. Targets: every size at one page size in at most 2x the time of the
 * 1024-entry run, and at three page sizes (4k,64k,1m) in at most 4x. A missed target
 * is reported, not an error; the exit status is non-zero only when something cannot
 * be run. The files are removed at the end.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/bench/bench_util.h"

#define RANDOM_LINES        20000000u
#define VIDEO_FRAMES        "45"
#define ROUNDS              3
#define DEFAULT_DIR         "/tmp/iommusim-bench"
#define DEFAULT_PROG        "build/iommusim"
#define RANDOM_BASE         0x40000000u
#define RANDOM_SPAN         (1u << 30)
#define RANDOM_SEED         0x5eedu
#define TARGET_ONE          2.0
#define TARGET_THREE        4.0
#define WRITE_CHUNK         (1u << 20)
#define PATH_LEN            1024

static const char *prog;
static char dir[PATH_LEN];

enum trace_id { VIDEO, RANDOM, NTRACES };
static const char *const trace_names[NTRACES] = { "video.din", "random.din" };
static char paths[NTRACES][PATH_LEN + 16];
static uint64_t refs[NTRACES];

static int write_random(const char *path)
{
    char *buf = malloc(WRITE_CHUNK + 32), *p;
    uint64_t state = RANDOM_SEED;
    FILE *f = fopen(path, "wb");
    bool ok = f && buf;

    for (uint32_t i = 0; ok && i < RANDOM_LINES;) {
        for (p = buf; i < RANDOM_LINES && p < buf + WRITE_CHUNK; i++)
            p = bench_din_line(p, RANDOM_BASE + (uint32_t)(bench_splitmix64(&state) % RANDOM_SPAN));
        ok = fwrite(buf, 1, (size_t)(p - buf), f) == (size_t)(p - buf);
    }
    if (f && fclose(f))
        ok = false;
    free(buf);
    if (!ok)
        fprintf(stderr, "bench_mrc: cannot write %s: %s\n", path, strerror(errno));
    return ok ? 0 : -1;
}

/* Runs prog with args, stdout to /dev/null; the wall time, or a negative value on failure. */
static double run_timed(const char *const args[])
{
    const char *argv[16];
    int n = 0, st;
    double t0;
    pid_t pid;

    argv[n++] = prog;
    for (; args[n - 1]; n++)
        argv[n] = args[n - 1];
    argv[n] = NULL;
    fflush(NULL);
    t0 = bench_now();
    pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int fd = open("/dev/null", O_WRONLY);

        if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0 || dup2(fd, STDERR_FILENO) < 0)
            _exit(126);
        execv(prog, (char *const *)argv);
        _exit(127);
    }
    if (waitpid(pid, &st, 0) != pid)
        return -1;
    if (!WIFEXITED(st) || WEXITSTATUS(st)) {
        fprintf(stderr, "bench_mrc: %s %s ... failed (status %d)\n", prog, args[0], st);
        return -1;
    }
    return bench_now() - t0;
}

/* Lines of a file (the din traces have one reference a line). */
static uint64_t count_lines(const char *path)
{
    char buf[1 << 16];
    uint64_t n = 0;
    size_t got;
    FILE *f = fopen(path, "rb");

    if (!f)
        return 0;
    while ((got = fread(buf, 1, sizeof(buf), f)) > 0)
        for (size_t i = 0; i < got; i++)
            n += buf[i] == '\n';
    fclose(f);
    return n;
}

struct mrc_case {
    const char *label;
    const char *page_sizes, *entries;
    double seconds[NTRACES];            /* fastest round */
};

enum { SINGLE_1024, SINGLE_4096, CURVE_ONE, CURVE_THREE, NCASES };

static struct mrc_case cases[NCASES] = {
    { "one size, 1024 entries, 4k", "4k", "1024", { 0 } },
    { "one size, 4096 entries, 4k", "4k", "4096", { 0 } },
    { "curve 1-4096 (4096 sizes), 4k", "4k", "1-4096", { 0 } },
    { "curve 1-4096, 4k,64k,1m", "4k,64k,1m", "1-4096", { 0 } },
};

static int time_case(struct mrc_case *c, enum trace_id t)
{
    const char *args[] = { "tlb", "--trace", paths[t], "--page-size", c->page_sizes,
                           "--entries", c->entries, NULL };
    double s = run_timed(args);

    if (s < 0)
        return -1;
    if (!c->seconds[t] || s < c->seconds[t])
        c->seconds[t] = s;
    return 0;
}

static int make_traces(void)
{
    const char *gen[] = { "gen", "video_decode", "--frames", VIDEO_FRAMES, "-o", paths[VIDEO],
                          NULL };
    double t0 = bench_now();

    if (run_timed(gen) < 0 || write_random(paths[RANDOM]))
        return -1;
    for (int t = 0; t < NTRACES; t++)
        refs[t] = count_lines(paths[t]);
    printf("wrote video.din (%llu references) and random.din (%llu) in %.1f s\n",
           (unsigned long long)refs[VIDEO], (unsigned long long)refs[RANDOM], bench_now() - t0);
    return 0;
}

static void remove_traces(void)
{
    for (int i = 0; i < NTRACES; i++)
        unlink(paths[i]);
    rmdir(dir);
}

/* mkdir -p */
static int make_dir(const char *path)
{
    char buf[PATH_LEN];

    snprintf(buf, sizeof(buf), "%s", path);
    for (char *p = buf + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            if (mkdir(buf, 0755) && errno != EEXIST)
                return -1;
            *p = '/';
        }
    return mkdir(buf, 0755) && errno != EEXIST ? -1 : 0;
}

int main(void)
{
    const char *base = getenv("BENCH_DIR");
    int rc = 0;

    prog = getenv("IOMMUSIM") ? getenv("IOMMUSIM") : DEFAULT_PROG;
    snprintf(dir, sizeof(dir), "%s/mrc", base && *base ? base : DEFAULT_DIR);
    if (make_dir(dir)) {
        fprintf(stderr, "bench_mrc: cannot create %s: %s\n", dir, strerror(errno));
        return 1;
    }
    for (int t = 0; t < NTRACES; t++)
        snprintf(paths[t], sizeof(paths[t]), "%s/%s", dir, trace_names[t]);
    printf("bench_mrc: iommusim tlb, lru, fully associative: one size against every size "
           "1-4096, fastest of %d runs\n", ROUNDS);
    if (make_traces()) {
        rc = 1;
        goto out;
    }
    for (int r = 0; r < ROUNDS; r++)
        for (int t = 0; t < NTRACES; t++)
            for (int c = 0; c < NCASES; c++)
                if (time_case(&cases[c], (enum trace_id)t)) {
                    rc = 1;
                    goto out;
                }
    for (int t = 0; t < NTRACES; t++) {
        const double *s1 = cases[SINGLE_1024].seconds;
        double one = cases[CURVE_ONE].seconds[t] / s1[t];
        double three = cases[CURVE_THREE].seconds[t] / s1[t];

        for (int c = 0; c < NCASES; c++)
            printf("%-7s %-32s %7.3f s  %7.1f M references/s\n", trace_names[t],
                   cases[c].label, cases[c].seconds[t], refs[t] / cases[c].seconds[t] / 1e6);
        printf("%-7s curve / one size (1024): 1 page size %.2fx (target <= %.0f: %s), "
               "3 page sizes %.2fx (target <= %.0f: %s)\n", trace_names[t], one, TARGET_ONE,
               one <= TARGET_ONE ? "met" : "NOT met", three, TARGET_THREE,
               three <= TARGET_THREE ? "met" : "NOT met");
    }
out:
    remove_traces();
    return rc;
}
