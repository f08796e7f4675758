/*
 * bench_trace.c - end-to-end speed of `iommusim tlb` on large traces.
 *
 * The trace-driven TLB study reads traces of 10^7 references and more, so the
 * whole path counts: reading and parsing the trace (sim/trace/trace.c), the command's
 * loop (sim/cli/cmd_tlb.c) and the TLB model (models/tlb.c). This program writes
 * two din traces of TRACE_LINES references into $BENCH_DIR (default
 * /tmp/iommusim-bench):
 *   hit-heavy:  4-byte-stride reads cycling over 64 KiB (16 pages of 4 KiB), so
 *               after 16 compulsory misses every reference hits;
 *   miss-heavy: page-aligned addresses drawn by splitmix64 from the 4 GiB above
 *               4 GiB (2^20 pages of 4 KiB, 64-bit addresses), so nearly every
 *               reference misses and fills.
 * Beside the command it times, in this process, the readers alone (records per
 * second through trace_next_batch: the streaming rates) and the plain O(1) LRU
 * baseline of tests/bench/plain_lru.h reading the din files with a parser of its
 * own (read(), then label and hex digits per line): the miss-heavy one at 32 and
 * 1024 entries, the hit-heavy one at 32.
 * It converts both to bin and cbin with `$IOMMUSIM convert`, then times `$IOMMUSIM tlb`
 * as a subprocess (wall clock around fork, exec and waitpid, output to
 * /dev/null: process start-up is part of what a user waits for) on each case,
 * fastest of ROUNDS runs since the machine is shared; the rounds of all cases
 * are interleaved.
 *
 * Targets: 30 M references/s from din and 100 M/s from bin on the hit-heavy
 * trace, 300 M/s from a binary trace through its reader; on the miss-heavy trace
 * 30 M/s at 1024 entries (din and binary), at most 2x the time at 1024 entries
 * that it takes at 32, and never slower than the baseline. A missed target is reported, not an error: the exit status is
 * non-zero only when something cannot be run. The generated files are removed
 * at the end.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sim/trace/trace.h"
#include "tests/bench/plain_lru.h"
#include "tests/bench/bench_util.h"

#define TRACE_LINES         10000000u
#define ROUNDS              5
#define DEFAULT_DIR         "/tmp/iommusim-bench"
#define DEFAULT_PROG        "build/iommusim"
#define HIT_BASE            0x10000000u
#define HIT_SPAN            (64u * 1024)        /* bytes cycled over by the hit-heavy trace */
#define HIT_STRIDE          4u
#define MISS_BASE           (1ull << 32)
#define MISS_PAGES          (1u << 20)          /* 4 GiB of 4 KiB pages */
#define MISS_SEED           0x5eedu
#define TARGET_DIN_HIT      30.0                /* M references/s */
#define TARGET_BIN_HIT      100.0
#define TARGET_RATIO        2.0
#define TARGET_MISS         30.0                /* M references/s, 1024 entries */
#define TARGET_STREAM       300.0               /* M records/s through a binary reader */
#define READ_BATCH          4096u
#define WRITE_CHUNK         (1u << 20)
#define PATH_LEN            1024

static const char *prog;
static char dir[PATH_LEN];
static bool dir_created;                /* remove the directory too at the end */

enum trace_id { HIT_DIN, HIT_BIN, HIT_CBIN, MISS_DIN, MISS_BIN, MISS_CBIN, NTRACES };
#define PER_PATTERN 3           /* din, then its bin and cbin conversions */

static const char *const trace_names[NTRACES] = {
    "hit.din", "hit.bin", "hit.cbin", "miss.din", "miss.bin", "miss.cbin",
};

static char paths[NTRACES][PATH_LEN + 16];

/* ------------------------------------------------------------------ trace files */

static uint64_t hit_addr(uint32_t i, uint64_t *state)
{
    (void)state;
    return HIT_BASE + (uint32_t)((uint64_t)i * HIT_STRIDE % HIT_SPAN);
}

static uint64_t miss_addr(uint32_t i, uint64_t *state)
{
    (void)i;
    return MISS_BASE + (bench_splitmix64(state) % MISS_PAGES) * 4096u;
}

static int write_din(const char *path, uint64_t (*addr)(uint32_t, uint64_t *))
{
    char *buf = malloc(WRITE_CHUNK + 32), *p;
    uint64_t state = MISS_SEED;
    FILE *f = fopen(path, "wb");
    bool ok = f && buf;

    for (uint32_t i = 0; ok && i < TRACE_LINES;) {
        for (p = buf; i < TRACE_LINES && p < buf + WRITE_CHUNK; i++)
            p = bench_din_line(p, addr(i, &state));
        ok = fwrite(buf, 1, (size_t)(p - buf), f) == (size_t)(p - buf);
    }
    if (f && fclose(f))
        ok = false;
    free(buf);
    if (!ok)
        fprintf(stderr, "bench_trace: cannot write %s: %s\n", path, strerror(errno));
    return ok ? 0 : -1;
}

/* ------------------------------------------------------------------ running */

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

        if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0)
            _exit(126);
        execv(prog, (char *const *)argv);
        _exit(127);
    }
    if (waitpid(pid, &st, 0) != pid)
        return -1;
    if (!WIFEXITED(st) || WEXITSTATUS(st)) {
        fprintf(stderr, "bench_trace: %s %s ... failed (status %d)\n", prog, args[0], st);
        return -1;
    }
    return bench_now() - t0;
}

struct tlb_case {
    const char *label;
    enum trace_id trace;
    const char *entries;
    double seconds;             /* fastest round */
};

/* One run of a case; keeps the fastest. */
static int time_case(struct tlb_case *c)
{
    const char *args[] = { "tlb", "--trace", paths[c->trace], "--page-size", "4k",
                           "--entries", c->entries, NULL };
    double t = run_timed(args);

    if (t < 0)
        return -1;
    if (!c->seconds || t < c->seconds)
        c->seconds = t;
    return 0;
}

/*
 * Round r runs every case once, so a burst of load from elsewhere hits all the
 * cases alike rather than one of them (the 32 / 1024 ratio depends on that).
 */
static int time_cases(struct tlb_case *cases, size_t n)
{
    for (int r = 0; r < ROUNDS; r++)
        for (size_t i = 0; i < n; i++)
            if (time_case(&cases[i]))
                return -1;
    for (size_t i = 0; i < n; i++)
        printf("%-30s %7.3f s  %7.1f M references/s\n", cases[i].label, cases[i].seconds,
               TRACE_LINES / cases[i].seconds / 1e6);
    return 0;
}

static const char *verdict(bool met)
{
    return met ? "met" : "NOT met";
}

static int make_traces(void)
{
    double t0 = bench_now();

    if (write_din(paths[HIT_DIN], hit_addr) || write_din(paths[MISS_DIN], miss_addr))
        return -1;
    printf("wrote 2 din traces of %u references in %.1f s\n", TRACE_LINES, bench_now() - t0);
    for (int i = HIT_DIN; i < NTRACES; i += PER_PATTERN) {
        for (int j = 1; j < PER_PATTERN; j++) {
            const char *args[] = { "convert", paths[i], "-o", paths[i + j], NULL };
            double t = run_timed(args);
            struct stat st;

            if (t < 0 || stat(paths[i + j], &st))
                return -1;
            printf("convert %s -> %s: %.3f s (%.1f M records/s), %.1f bytes/record\n",
                   trace_names[i], trace_names[i + j], t, TRACE_LINES / t / 1e6,
                   (double)st.st_size / TRACE_LINES);
        }
    }
    return 0;
}

static void remove_traces(void)
{
    for (int i = 0; i < NTRACES; i++)
        unlink(paths[i]);
    if (dir_created)
        rmdir(dir);
}

/* ------------------------------------------------------------------ in-process */

/* Records per second through trace_next_batch alone, fastest of ROUNDS; 0 on error. */
static double read_rate(const char *path, enum trace_format f)
{
    static struct trace_rec recs[READ_BATCH];
    struct trace_reader_opts opts = { .format = f };
    double best = 0;

    for (int r = 0; r < ROUNDS; r++) {
        char err[TRACE_ERR_MAX];
        struct trace_reader *tr = trace_open(path, &opts, err, sizeof(err));
        uint64_t n = 0, sum = 0;
        long k;

        if (!tr) {
            fprintf(stderr, "bench_trace: %s\n", err);
            return 0;
        }
        double t0 = bench_now();
        while ((k = trace_next_batch(tr, recs, READ_BATCH)) > 0) {
            n += (uint64_t)k;
            sum += recs[k - 1].addr;
        }
        double dt = bench_now() - t0;
        trace_close(tr);
        if (k < 0 || n != TRACE_LINES)
            return 0;
        if (n / dt / 1e6 > best)
            best = n / dt / 1e6;
        if (sum == 1)
            printf(" ");        /* keeps the loop's loads */
    }
    return best;
}

/*
 * The baseline's whole run on a din file: read() in 1 MiB chunks, each line's label
 * skipped and its hex digits parsed, one plain_access per line; references per
 * second (fastest of ROUNDS) and its misses.
 */
static double baseline_din(const char *path, unsigned entries, uint64_t *misses)
{
    enum { CHUNK = 1 << 20 };
    char *buf = malloc(CHUNK + 64);
    double best = 0;

    for (int r = 0; buf && r < ROUNDS; r++) {
        struct plain_lru l;
        int fd = open(path, O_RDONLY);
        uint64_t m = 0, lines = 0, a = 0;
        size_t keep = 0;
        ssize_t got;
        bool in_addr = false;

        if (fd < 0 || plain_init(&l, entries))
            break;
        double t0 = bench_now();
        while ((got = read(fd, buf + keep, CHUNK)) > 0) {
            const char *p = buf, *end = buf + keep + got;
            for (; p < end; p++) {
                char c = *p;
                if (c == '\n') {
                    m += !plain_access(&l, a & ~4095ull);
                    lines++;
                    a = 0;
                    in_addr = false;
                } else if (c == ' ') {
                    in_addr = true;
                } else if (in_addr) {
                    a = a << 4 | (uint64_t)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
                }
            }
            keep = 0;
        }
        double dt = bench_now() - t0;
        close(fd);
        plain_free(&l);
        *misses = m;
        if (lines == TRACE_LINES && lines / dt / 1e6 > best)
            best = lines / dt / 1e6;
    }
    free(buf);
    return best;
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
    if (!mkdir(buf, 0755))
        dir_created = true;
    else if (errno != EEXIST)
        return -1;
    return 0;
}

int main(void)
{
    struct tlb_case cases[] = {
        { "din hit-heavy, 32 entries", HIT_DIN, "32", 0 },
        { "bin hit-heavy, 32 entries", HIT_BIN, "32", 0 },
        { "din miss-heavy, 32 entries", MISS_DIN, "32", 0 },
        { "din miss-heavy, 1024 entries", MISS_DIN, "1024", 0 },
        { "bin miss-heavy, 32 entries", MISS_BIN, "32", 0 },
        { "bin miss-heavy, 1024 entries", MISS_BIN, "1024", 0 },
        { "cbin hit-heavy, 32 entries", HIT_CBIN, "32", 0 },
        { "cbin miss-heavy, 32 entries", MISS_CBIN, "32", 0 },
        { "cbin miss-heavy, 1024 entries", MISS_CBIN, "1024", 0 },
    };
    const char *d = getenv("BENCH_DIR");
    double din_hit, bin_hit, din_ratio, bin_ratio;
    int rc = 0;

    prog = getenv("IOMMUSIM");
    if (!prog || !*prog)
        prog = DEFAULT_PROG;
    if (access(prog, X_OK)) {
        fprintf(stderr, "bench_trace: %s is not an executable program (set IOMMUSIM)\n", prog);
        return 1;
    }
    snprintf(dir, sizeof(dir), "%s", d && *d ? d : DEFAULT_DIR);
    if (make_dir(dir)) {
        fprintf(stderr, "bench_trace: cannot create %s: %s\n", dir, strerror(errno));
        return 1;
    }
    for (int i = 0; i < NTRACES; i++)
        snprintf(paths[i], sizeof(paths[i]), "%s/%s", dir, trace_names[i]);
    setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1);

    printf("bench_trace: iommusim tlb, 4k pages, lru, fully associative, %u references, "
           "fastest of %d runs\n", TRACE_LINES, ROUNDS);
    if (make_traces())
        rc = 1;
    if (!rc && time_cases(cases, sizeof(cases) / sizeof(cases[0])))
        rc = 1;
    if (!rc) {
        din_hit = TRACE_LINES / cases[0].seconds / 1e6;
        bin_hit = TRACE_LINES / cases[1].seconds / 1e6;
        din_ratio = cases[3].seconds / cases[2].seconds;
        bin_ratio = cases[5].seconds / cases[4].seconds;
        printf("miss-heavy time 1024 / 32 entries: din %.2f, bin %.2f\n", din_ratio, bin_ratio);
        printf("target din hit-heavy >= %.0f M/s: %s (%.1f)\n", TARGET_DIN_HIT,
               verdict(din_hit >= TARGET_DIN_HIT), din_hit);
        printf("target bin hit-heavy >= %.0f M/s: %s (%.1f)\n", TARGET_BIN_HIT,
               verdict(bin_hit >= TARGET_BIN_HIT), bin_hit);
        printf("target miss-heavy 1024/32 <= %.0f: %s (din %.2f, bin %.2f)\n", TARGET_RATIO,
               verdict(din_ratio <= TARGET_RATIO && bin_ratio <= TARGET_RATIO), din_ratio,
               bin_ratio);
        double miss_din = TRACE_LINES / cases[3].seconds / 1e6;
        double miss_bin = TRACE_LINES / cases[5].seconds / 1e6;
        double miss_cbin = TRACE_LINES / cases[8].seconds / 1e6;
        printf("target random miss, 1024 entries >= %.0f M/s: %s (din %.1f, bin %.1f, "
               "cbin %.1f)\n", TARGET_MISS,
               verdict(miss_din >= TARGET_MISS && miss_bin >= TARGET_MISS), miss_din,
               miss_bin, miss_cbin);

        static const struct { const char *label; enum trace_id id; enum trace_format f; }
            readers[] = {
                { "din", HIT_DIN, TRACE_FMT_DIN },
                { "bin", HIT_BIN, TRACE_FMT_BIN },
                { "cbin", HIT_CBIN, TRACE_FMT_CBIN },
                { "cbin, random addresses", MISS_CBIN, TRACE_FMT_CBIN },
            };
        double best_bin = 0;
        for (size_t i = 0; i < sizeof(readers) / sizeof(readers[0]); i++) {
            double rate = read_rate(paths[readers[i].id], readers[i].f);
            printf("reader alone, %-24s %7.1f M records/s\n", readers[i].label, rate);
            if (readers[i].f != TRACE_FMT_DIN && rate > best_bin)
                best_bin = rate;
        }
        printf("target binary streaming >= %.0f M records/s: %s (%.1f)\n", TARGET_STREAM,
               verdict(best_bin >= TARGET_STREAM), best_bin);
        /* the baseline beside the command's case of the same file and size */
        static const struct { const char *label; enum trace_id id; unsigned entries, c; }
            against[] = {
                { "miss-heavy", MISS_DIN, 32, 2 },
                { "miss-heavy", MISS_DIN, 1024, 3 },
                { "hit-heavy", HIT_DIN, 32, 0 },
            };
        double worst = 0;
        for (size_t i = 0; i < sizeof(against) / sizeof(against[0]); i++) {
            uint64_t m = 0;
            double base = baseline_din(paths[against[i].id], against[i].entries, &m);
            double model = TRACE_LINES / cases[against[i].c].seconds / 1e6;
            printf("plain O(1) LRU baseline, din %s, %4u entries: %5.1f M references/s "
                   "(%llu misses, in-process); iommusim tlb %5.1f (%.2fx)\n",
                   against[i].label, against[i].entries, base, (unsigned long long)m, model,
                   model / base);
            if (!i || model / base < worst)
                worst = model / base;
        }
        printf("target never slower than the plain O(1) LRU baseline, whole command on din: "
               "%s (%.2fx at the least)\n", verdict(worst >= 1), worst);
    }
    remove_traces();
    return rc;
}
