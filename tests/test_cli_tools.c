/*
 * test_cli_tools.c - the tlb, gen and convert subcommands of the iommusim
 * program, run as a user runs them.
 *
 * Each test starts the program ($IOMMUSIM, which the Makefile sets to the built
 * program) as a subprocess with its standard output and error sent to files in a
 * private temporary directory, and checks the exit status and the exact text.
 * The TLB counts come from small hand-made traces under tests/data/cli/, traced
 * by hand reference by reference in the comments; the rules of each replacement
 * policy are those of docs/tlb.md. Messages written by this program's commands
 * are compared whole; messages that come from the trace or configuration layers
 * are checked for the file, line or option they must name.
 *
 * Run from the repository root: fixture paths appear verbatim in the output.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
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

#include "tests/lib/proc.h"

#define DATA            "tests/data/cli/"
#define MAX_ARGS        32

/* The outcome of the last run (tests/lib/proc.h): exit status and both streams. */
static struct proc res;

/* run("tlb", "--trace", ..., NULL) */
static void run(const char *first, ...)
{
    const char *args[MAX_ARGS + 1];
    va_list ap;
    int n = 0;

    va_start(ap, first);
    for (const char *a = first; a; a = va_arg(ap, const char *)) {
        assert_true(n < MAX_ARGS);
        args[n++] = a;
    }
    va_end(ap);
    args[n] = NULL;
    proc_runv(&res, args);
}

static void expect(int status, const char *out, const char *err)
{
    assert_string_equal(res.err, err);
    assert_string_equal(res.out, out);
    assert_int_equal(res.status, status);
}

/* A failure whose message comes from another layer: check its start and a part of it. */
static void expect_failure(int status, const char *err_prefix, const char *err_part)
{
    assert_int_equal(res.status, status);
    assert_string_equal(res.out, "");
    if (strncmp(res.err, err_prefix, strlen(err_prefix)))
        fail_msg("stderr '%s' does not start with '%s'", res.err, err_prefix);
    if (!strstr(res.err, err_part))
        fail_msg("stderr '%s' does not contain '%s'", res.err, err_part);
    /* One line, ended by its newline. */
    assert_ptr_equal(strchr(res.err, '\n'), res.err + strlen(res.err) - 1);
}

static void expect_start(const char *out_prefix)
{
    assert_int_equal(res.status, 0);
    assert_string_equal(res.err, "");
    if (strncmp(res.out, out_prefix, strlen(out_prefix)))
        fail_msg("stdout '%s' does not start with '%s'", res.out, out_prefix);
}

/* ------------------------------------------------------------------ tlb: replacement */

/*
 * policy.din: 24 references, two to each page in the order
 *     A B C D A E B C A D E B      (A = 0x10000 .. E = 0x14000, 4 KiB pages)
 * The second reference of each pair always hits (the page was just looked up or
 * filled), so every miss is the first of a pair. 4 entries, one set of 4 ways;
 * ways fill 0, 1, 2, 3 in order (the lowest invalid way first).
 *
 * Reads and writes: labels 0 and 2 read, 1 writes; the file has 5 writes (the
 * first of pairs 2 B, 6 E and 11 E, the second of pairs 4 and 8), so 19 reads, and
 * a miss (the first of a pair) is a write at pairs 2, 6 and 11 only.
 * The 3C causes: pairs 1-4 and 6 are the first references to A-E, the 5
 * compulsory misses. A fully associative lru TLB of 4 entries (test_tlb_lru) misses
 * at every pair but 5 and 9 (the As), so a later miss at pair 5 or 9 is a conflict
 * miss, and any other a capacity miss.
 */
#define POLICY_HEAD(pol) \
    "trace tests/data/cli/policy.din (din), 4k pages, 4 entries, 4 ways (1 set), " pol "\n"

static void test_tlb_lru(void **state)
{
    (void)state;
    /*
     * Recency order after each step, most recent first:
     *  A miss [A]  B miss [B A]  C miss [C B A]  D miss [D C B A]
     *  A hit  [A D C B]
     *  E miss, evicts B [E A D C]     B miss, evicts C [B E A D]
     *  C miss, evicts D [C B E A]     A hit            [A C B E]
     *  D miss, evicts E [D A C B]     E miss, evicts B [E D A C]
     *  B miss, evicts C [B E D A]
     * 10 misses, 24 - 10 = 14 hits; 10 / 24 = 0.416667. Misses at pairs 2, 6, 11
     * write: 7 read misses, 3 write misses; 5 compulsory, the other 5 capacity (this
     * TLB is the fully associative lru one: no conflict misses).
     */
    run("tlb", "--trace", DATA "policy.din", "--page-size", "4k", "--entries", "4", NULL);
    expect(0, POLICY_HEAD("lru") "references 24\nhits 14\nmisses 10\nmiss rate 0.416667\n"
              "read references 19\nread misses 7\nwrite references 5\nwrite misses 3\n"
              "compulsory misses 5\ncapacity misses 5\nconflict misses 0\n", "");
}

static void test_tlb_plru(void **state)
{
    (void)state;
    /*
     * Tree bits n1 (0: ways 0-1, 1: ways 2-3), n2 (way 0 / 1), n3 (way 2 / 3); a
     * touch points the path away from the way. Ways shown as w0 w1 w2 w3.
     *  A B C D miss, fill w0..w3; the touches leave n1 n2 n3 = 0 0 0
     *  A hit (w0): n1 = 1, n2 = 1
     *  E miss: n1 = 1 -> n3 = 0 -> w2 (C); E in w2, n1 = 0, n3 = 1   [A B E D]
     *  B hit (w1): n1 = 1, n2 = 0
     *  C miss: n1 = 1 -> n3 = 1 -> w3 (D); C in w3, n1 = 0, n3 = 0   [A B E C]
     *  A hit (w0): n1 = 1, n2 = 1
     *  D miss: n1 = 1 -> n3 = 0 -> w2 (E); D in w2, n1 = 0, n3 = 1   [A B D C]
     *  E miss: n1 = 0 -> n2 = 1 -> w1 (B); E in w1, n1 = 1, n2 = 0   [A E D C]
     *  B miss: n1 = 1 -> n3 = 1 -> w3 (C); B in w3                   [A E D B]
     * 9 misses, 15 hits; 9 / 24 = 0.375. Misses at pairs 1-4, 6, 8, 10, 11, 12:
     * writes at 2, 6, 11 (3), reads 6; beyond the 5 compulsory, pairs 8, 10, 11, 12
     * are misses of the fully associative lru TLB too: 4 capacity, no conflict.
     */
    run("tlb", "--trace", DATA "policy.din", "--page-size", "4k", "--entries", "4",
        "--replacement", "plru", NULL);
    expect(0, POLICY_HEAD("plru") "references 24\nhits 15\nmisses 9\nmiss rate 0.375000\n"
              "read references 19\nread misses 6\nwrite references 5\nwrite misses 3\n"
              "compulsory misses 5\ncapacity misses 4\nconflict misses 0\n", "");
}

static void test_tlb_round_robin(void **state)
{
    (void)state;
    /*
     * The pointer starts at way 0 and moves only when it picks a victim (FIFO
     * order here, since the ways were filled in order):
     *  A B C D miss, fill w0..w3                     [A B C D] ptr 0
     *  A hit
     *  E miss, victim w0 (A)                         [E B C D] ptr 1
     *  B hit, C hit
     *  A miss, victim w1 (B)                         [E A C D] ptr 2
     *  D hit, E hit
     *  B miss, victim w2 (C)                         [E A B D] ptr 3
     * 7 misses, 17 hits; 7 / 24 = 0.291667. Misses at pairs 1-4, 6, 9 (A), 12 (B):
     * writes at 2 and 6, reads 5; pair 9 is an lru hit (a conflict miss), pair 12
     * an lru miss (a capacity miss).
     */
    run("tlb", "--trace", DATA "policy.din", "--page-size", "4k", "--entries", "4",
        "--replacement", "round-robin", NULL);
    expect(0, POLICY_HEAD("round-robin")
              "references 24\nhits 17\nmisses 7\nmiss rate 0.291667\n"
              "read references 19\nread misses 5\nwrite references 5\nwrite misses 2\n"
              "compulsory misses 5\ncapacity misses 1\nconflict misses 1\n", "");
}

static void test_tlb_direct_mapped(void **state)
{
    static const char *const policies[] = { "lru", "plru", "round-robin", "random" };
    char want[512];

    (void)state;
    /*
     * 4 entries of 1 way: 4 sets, set = page number mod 4: A (0x10) 0, B 1, C 2,
     * D 3, E (0x14) 0. With one way every policy, random included, must evict the
     * one entry of the set:
     *  A B C D miss; A hit; E miss (evicts A); B hit; C hit; A miss (evicts E);
     *  D hit; E miss (evicts A); B hit.
     * 7 misses, 17 hits, whatever the policy. Misses at pairs 1-4, 6, 9 (A) and
     * 11 (E): writes at 2, 6, 11, reads 4; pair 9 is a fully associative lru hit (a
     * conflict miss), pair 11 not (a capacity miss).
     */
    for (unsigned i = 0; i < 4; i++) {
        run("tlb", "--trace", DATA "policy.din", "--page-size", "4k", "--entries", "4",
            "--ways", "1", "--replacement", policies[i], NULL);
        snprintf(want, sizeof(want),
                 "trace tests/data/cli/policy.din (din), 4k pages, 4 entries, 1 way (4 sets), "
                 "%s%s\nreferences 24\nhits 17\nmisses 7\nmiss rate 0.291667\n"
                 "read references 19\nread misses 4\nwrite references 5\nwrite misses 3\n"
                 "compulsory misses 5\ncapacity misses 1\nconflict misses 1\n", policies[i],
                 i == 3 ? " (seed 1)" : "");
        expect(0, want, "");
    }
}

static void test_tlb_random_any_choice(void **state)
{
    static const char *const seeds[] = { "1", "2", "3", "0xdeadbeef" };
    char want[512];

    (void)state;
    /*
     * random.din, 12 references, 4 entries fully associative:
     *  A B C D miss (no eviction yet); A hit; D hit;
     *  E miss (evicts one of A-D), E hit; F miss, F hit; G miss, G hit.
     * After the first eviction each page is referenced only right after its own
     * fill, so no choice of victims can turn a hit into a miss or back: 7 misses
     * and 5 hits for every seed. The one write (26040) is a hit; the 7 misses are
     * the first references to A-G: all compulsory.
     */
    for (unsigned i = 0; i < 4; i++) {
        run("tlb", "--trace", DATA "random.din", "--page-size", "4k", "--entries", "4",
            "--replacement", "random", "--seed", seeds[i], NULL);
        snprintf(want, sizeof(want),
                 "trace tests/data/cli/random.din (din), 4k pages, 4 entries, 4 ways (1 set), "
                 "random (seed %s)\nreferences 12\nhits 5\nmisses 7\nmiss rate 0.583333\n"
                 "read references 11\nread misses 7\nwrite references 1\nwrite misses 0\n"
                 "compulsory misses 7\ncapacity misses 0\nconflict misses 0\n",
                 i == 3 ? "3735928559" : seeds[i]);
        expect(0, want, "");
    }
}

/* ------------------------------------------------------------------ tlb: page size, formats */

static void test_tlb_page_sizes(void **state)
{
    static const struct { const char *size; const char *out; } cases[] = {
        { "4k",  "references 20\nhits 6\nmisses 14\nmiss rate 0.700000\n"
                 "read references 17\nread misses 12\nwrite references 3\nwrite misses 2\n"
                 "compulsory misses 14\ncapacity misses 0\nconflict misses 0\n" },
        { "64k", "references 20\nhits 9\nmisses 11\nmiss rate 0.550000\n"
                 "read references 17\nread misses 9\nwrite references 3\nwrite misses 2\n"
                 "compulsory misses 11\ncapacity misses 0\nconflict misses 0\n" },
        { "1m",  "references 20\nhits 12\nmisses 8\nmiss rate 0.400000\n"
                 "read references 17\nread misses 8\nwrite references 3\nwrite misses 0\n"
                 "compulsory misses 8\ncapacity misses 0\nconflict misses 0\n" },
        { "16m", "references 20\nhits 15\nmisses 5\nmiss rate 0.250000\n"
                 "read references 17\nread misses 5\nwrite references 3\nwrite misses 0\n"
                 "compulsory misses 5\ncapacity misses 0\nconflict misses 0\n" },
    };
    char want[512];

    (void)state;
    /*
     * pagesize.din, 20 references; 16 entries hold every page at every size, so
     * the misses are the distinct pages (compulsory misses only). Page numbers:
     *   address     4k       64k     1m     16m
     *   00000000    0        0       0      0
     *   00000ffc    0        0       0      0
     *   00001000    1        0       0      0
     *   0000f000    f        0       0      0
     *   00010000    10       1       0      0
     *   0001ff00    1f       1       0      0
     *   00080000    80       8       0      0
     *   00100000    100      10      1      0
     *   00100800    100      10      1      0
     *   00ff0000    ff0      ff      f      0
     *   01000000    1000     100     10     1
     *   01234567    1234     123     12     1
     *   40000000    40000    4000    400    40
     *   40000004    40000    4000    400    40
     *   00000010    0        0       0      0
     *   0000f800    f        0       0      0
     *   00110000    110      11      1      0
     *   fffff000    fffff    ffff    fff    ff
     *   00001ffc    1        0       0      0
     *   0f000000    f000     f00     f0     f
     * Distinct: 4k 14; 64k 11 (0 1 8 10 ff 100 123 4000 11 ffff f00);
     * 1m 8 (0 1 f 10 12 400 fff f0); 16m 5 (0 1 40 ff f). All compulsory.
     * The 3 writes (00010000, 00100800, 00110000) miss where their page is new:
     * at 4k and 64k the first and third (pages 10, 110 and 1, 11; 00100800 follows
     * 00100000 in page 100 / 10), at 1m and 16m none (pages 0 and 1, 0 seen before).
     */
    for (unsigned i = 0; i < 4; i++) {
        run("tlb", "--trace", DATA "pagesize.din", "--page-size", cases[i].size,
            "--entries", "16", NULL);
        snprintf(want, sizeof(want),
                 "trace tests/data/cli/pagesize.din (din), %s pages, 16 entries, 16 ways "
                 "(1 set), lru\n%s", cases[i].size, cases[i].out);
        expect(0, want, "");
    }
}

static void test_tlb_json(void **state)
{
    (void)state;
    /*
     * 2 sets of 2 ways (set = page number mod 2); 2-way plru is exact lru.
     *  set 1 sees B D B D B: B miss, D miss, then hits: 2 misses.
     *  set 0 sees A C A E C A E: A miss [A], C miss [C A], A hit [A C],
     *  E miss, evicts C [E A]; C miss, evicts A [C E]; A miss, evicts E [A C];
     *  E miss, evicts C [E A]: 6 misses.
     * 8 misses, 16 hits; 8 / 24 = 0.333333. Misses at pairs 1, 2, 3, 4, 6, 8, 9, 11:
     * writes at 2, 6, 11 (3), reads 5; beyond the 5 compulsory, pair 9 (A) is a
     * fully associative lru hit (conflict), pairs 8 and 11 are not (capacity).
     */
    run("tlb", "--trace", DATA "policy.din", "--page-size", "4k", "--entries", "4",
        "--ways", "2", "--replacement", "plru", "--json", NULL);
    expect(0, "{\"trace\": \"tests/data/cli/policy.din\", \"page_size\": \"4k\", \"entries\": 4, "
              "\"ways\": 2, \"replacement\": \"plru\", \"references\": 24, \"hits\": 16, "
              "\"misses\": 8, \"miss_rate\": 0.333333, \"reads\": 19, \"read_misses\": 5, "
              "\"writes\": 5, \"write_misses\": 3, \"compulsory\": 5, \"capacity\": 2, "
              "\"conflict\": 1}\n", "");
}

static void test_tlb_text_markers_skipped(void **state)
{
    (void)state;
    /*
     * markers.txt (format from the .txt name): 5 accesses among 5 markers.
     * 0x20000 miss, 0x20040 hit (page 0x20), 0x21000 miss, 0x20080 hit,
     * 0x22000 miss: 3 misses, 2 hits; the markers are not references. The write
     * (0x21000) is one of the misses; all three are first references (compulsory).
     */
    run("tlb", "--trace", DATA "markers.txt", "--page-size", "4k", "--entries", "4", NULL);
    expect(0, "trace tests/data/cli/markers.txt (text), 4k pages, 4 entries, 4 ways (1 set), "
              "lru\nreferences 5\nhits 2\nmisses 3\nmiss rate 0.600000\n"
              "read references 4\nread misses 2\nwrite references 1\nwrite misses 1\n"
              "compulsory misses 3\ncapacity misses 0\nconflict misses 0\n", "");
}

static void test_tlb_bin_same_as_din(void **state)
{
    char want[512];

    (void)state;
    run("convert", DATA "policy.din", "-o", tmp_path("policy.bin"), NULL);
    snprintf(want, sizeof(want), "converted 24 records: tests/data/cli/policy.din (din) -> "
             "%s (bin)\n", tmp_path("policy.bin"));
    expect(0, want, "");
    /* The records, not the format, decide the counts: lru as in test_tlb_lru. */
    run("tlb", "--trace", tmp_path("policy.bin"), "--page-size", "4k", "--entries", "4", "--json",
        NULL);
    snprintf(want, sizeof(want), "{\"trace\": \"%s\", \"page_size\": \"4k\", \"entries\": 4, "
             "\"ways\": 4, \"replacement\": \"lru\", \"references\": 24, \"hits\": 14, "
             "\"misses\": 10, \"miss_rate\": 0.416667, \"reads\": 19, \"read_misses\": 7, "
             "\"writes\": 5, \"write_misses\": 3, \"compulsory\": 5, \"capacity\": 5, "
             "\"conflict\": 0}\n", tmp_path("policy.bin"));
    expect(0, want, "");
    /* --format overrides the name: the din file read as bin has no magic. */
    run("tlb", "--trace", DATA "policy.din", "--format", "bin", "--page-size", "4k",
        "--entries", "4", NULL);
    expect_failure(1, "iommusim tlb: tests/data/cli/policy.din", "");
}

/* ------------------------------------------------------------------ tlb: errors */

static void test_tlb_usage_errors(void **state)
{
    static const struct {
        const char *args[14];
        const char *err;
    } cases[] = {
        { { "tlb", "--page-size", "4k", "--entries", "4" },
          "iommusim tlb: missing --trace FILE (usage: iommusim tlb --trace FILE --page-size "
          "4k|64k|1m|16m --entries N [--ways W] ...)\n" },
        { { "tlb", "--trace", DATA "policy.din", "--entries", "4" },
          "iommusim tlb: missing --page-size SIZE (usage: iommusim tlb --trace FILE --page-size "
          "4k|64k|1m|16m --entries N [--ways W] ...)\n" },
        { { "tlb", "--trace", DATA "policy.din", "--page-size", "4k" },
          "iommusim tlb: missing --entries N (usage: iommusim tlb --trace FILE --page-size "
          "4k|64k|1m|16m --entries N [--ways W] ...)\n" },
        { { "tlb", "--trace", DATA "policy.din", "--page-size", "8k", "--entries", "4" },
          "iommusim tlb: --page-size '8k' is not a page size: must be 4k, 64k, 1m or 16m\n" },
        { { "tlb", "--trace", DATA "policy.din", "--page-size", "4k", "--entries", "0" },
          "iommusim tlb: --entries 0 is out of range: must be 1 .. 1048576\n" },
        { { "tlb", "--trace", DATA "policy.din", "--page-size", "4k", "--entries", "four" },
          "iommusim tlb: --entries 'four' is not an integer: must be 1 .. 1048576\n" },
        { { "tlb", "--trace", DATA "policy.din", "--page-size", "4k", "--entries", "8",
            "--ways", "3" },
          "iommusim tlb: --entries 8 --ways 3: tlb ways = 3 does not divide entries = 8: ways "
          "must be a divisor of entries\n" },
        { { "tlb", "--trace", DATA "policy.din", "--page-size", "4k", "--entries", "12",
            "--ways", "4" },
          "iommusim tlb: --entries 12 --ways 4: tlb ways = 4 gives entries / ways = 3 sets: the "
          "number of sets must be a power of two (1, 2, 4, ...)\n" },
        { { "tlb", "--trace", DATA "policy.din", "--page-size", "4k", "--entries", "4",
            "--replacement", "fifo" },
          "iommusim tlb: --replacement 'fifo' is not a policy: must be lru, plru, round-robin "
          "or random\n" },
        { { "tlb", "--trace", DATA "policy.din", "--page-size", "4k", "--entries", "4",
            "--format", "csv" },
          "iommusim tlb: --format 'csv' is not a trace format: must be din, text or bin\n" },
        { { "tlb", "--trace", DATA "policy.din", "--page-size", "4k", "--entries", "4",
            "--bogus" },
          "iommusim tlb: unknown option '--bogus' (options: --trace, --format, --page-size, "
          "--entries, --ways, --sets, --replacement, --seed, --json, --csv, --help)\n" },
        { { "tlb", "--trace", DATA "policy.din", "--page-size", "4k", "--entries" },
          "iommusim tlb: option '--entries' needs a value (see iommusim tlb --help)\n" },
        { { "tlb", "--trace", DATA "policy.din", "--page-size", "4k", "--entries", "4",
            "--json=yes" },
          "iommusim tlb: option '--json=yes' takes no value\n" },
        { { "tlb", DATA "policy.din", "--page-size", "4k", "--entries", "4" },
          "iommusim tlb: unexpected argument 'tests/data/cli/policy.din': the trace is given "
          "with --trace FILE\n" },
    };

    (void)state;
    for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        proc_runv(&res, cases[i].args);
        expect(2, "", cases[i].err);
    }
}

static void test_tlb_malformed_din(void **state)
{
    (void)state;
    /* bad.din line 3 has the label 3 (0, 1 and 2 are the din labels). */
    run("tlb", "--trace", DATA "bad.din", "--page-size", "4k", "--entries", "4", NULL);
    expect_failure(1, "iommusim tlb: tests/data/cli/bad.din:3: error: ", "'3'");
}

static void test_tlb_refuses_buffer_names(void **state)
{
    (void)state;
    /* names.txt: line 2 is a raw IOVA, line 3 the first buffer name. */
    run("tlb", "--trace", DATA "names.txt", "--page-size", "4k", "--entries", "4", NULL);
    expect_failure(1, "iommusim tlb: tests/data/cli/names.txt:3: error: ",
                   "'fb0' (the tlb command needs raw IOVAs such as 0x10000, not buffer names)\n");
}

static void test_tlb_missing_file(void **state)
{
    (void)state;
    run("tlb", "--trace", DATA "absent.din", "--page-size", "4k", "--entries", "4", NULL);
    expect_failure(1, "iommusim tlb: tests/data/cli/absent.din", "");
}

static void test_tlb_help(void **state)
{
    (void)state;
    run("tlb", "--help", NULL);
    expect_start("usage: iommusim tlb --trace FILE --page-size SIZE --entries N [OPTIONS]\n");
    assert_non_null(strstr(res.out, "\n  --replacement POL "));
}

/* ------------------------------------------------------------------ gen */

static void test_gen_display_text(void **state)
{
    char want[512], *file;

    (void)state;
    /*
     * 64 pixels x 4 bytes = 256-byte lines, 4 lines: each layer is 1024 bytes.
     * 50 frames/s with vtotal 5: a 20 ms frame period of 4 ms line times, the
     * vtotal - height = 1 blanking line first, so active line y is scanned out at
     * (1 + y) * 4 ms (traces/README.md). Per line: an L marker at that time, then
     * a read of the line of each layer (line y at y * 256 = 0x100 * y), carrying
     * the same time. One frame: F, then 4 x (L + 2 R) = 13 records.
     */
    run("gen", "display", "--width", "64", "--height=4", "--frames", "1", "--fps", "50",
        "--vtotal", "5", "--layers", "2", "-o", tmp_path("display.txt"), NULL);
    snprintf(want, sizeof(want), "wrote 13 records to %s (text)\n"
             "buffer layer0: 1024 bytes\nbuffer layer1: 1024 bytes\n", tmp_path("display.txt"));
    expect(0, want, "");
    file = slurp(tmp_path("display.txt"), NULL);
    assert_non_null(file);
    assert_string_equal(file,
                        "# iommusim trace v1: time_ns op target bytes\n"
                        "0 F\n"
                        "4000000 L\n"
                        "4000000 R layer0+0x0 256\n"
                        "4000000 R layer1+0x0 256\n"
                        "8000000 L\n"
                        "8000000 R layer0+0x100 256\n"
                        "8000000 R layer1+0x100 256\n"
                        "12000000 L\n"
                        "12000000 R layer0+0x200 256\n"
                        "12000000 R layer1+0x200 256\n"
                        "16000000 L\n"
                        "16000000 R layer0+0x300 256\n"
                        "16000000 R layer1+0x300 256\n");
    free(file);
}

/* The N of the first "wrote N records" or "converted N records" line of stdout. */
static unsigned long records_reported(void)
{
    const char *p = strstr(res.out, " records");

    assert_non_null(p);
    while (p > res.out && p[-1] >= '0' && p[-1] <= '9')
        p--;
    return strtoul(p, NULL, 10);
}

static void test_gen_convert_round_trip(void **state)
{
    char *a, *b;
    size_t la, lb;
    unsigned long n;

    (void)state;
    /* A kind with several buffers and motion vectors: every field kind is exercised. */
    run("gen", "video_decode", "--width", "64", "--height", "32", "--frames", "2",
        "-o", tmp_path("video.txt"), NULL);
    assert_int_equal(res.status, 0);
    n = records_reported();
    assert_true(n > 100);
    run("convert", tmp_path("video.txt"), "-o", tmp_path("video.bin"), NULL);
    assert_int_equal(res.status, 0);
    assert_int_equal(records_reported(), n);
    run("convert", tmp_path("video.bin"), "-o", tmp_path("video2.txt"), NULL);
    assert_int_equal(res.status, 0);
    assert_int_equal(records_reported(), n);
    a = slurp(tmp_path("video.txt"), &la);
    b = slurp(tmp_path("video2.txt"), &lb);
    assert_non_null(a);
    assert_non_null(b);
    assert_int_equal(la, lb);
    assert_memory_equal(a, b, strlen(a));
    free(b);
    /* The same generator written as bin directly reads back as the same text. */
    run("gen", "video_decode", "--width", "64", "--height", "32", "--frames", "2",
        "--format", "bin", "-o", tmp_path("video.trace"), NULL);
    assert_int_equal(res.status, 0);
    assert_int_equal(records_reported(), n);
    run("convert", tmp_path("video.trace"), "--from", "bin", "-o", tmp_path("video3.txt"), NULL);
    assert_int_equal(res.status, 0);
    b = slurp(tmp_path("video3.txt"), &lb);
    assert_non_null(b);
    assert_int_equal(lb, strlen(a));
    assert_memory_equal(a, b, strlen(a));
    free(a);
    free(b);
}

static void test_gen_list_and_help(void **state)
{
    (void)state;
    run("gen", "--list", NULL);
    expect(0, "video_decode\ndisplay\ncamera\nrotator\njpeg\nblit\nscan\n", "");
    run("gen", "display", "--help", NULL);
    expect_start("usage: iommusim gen display [--PARAM VALUE ...] [--format text|bin|din] -o "
                 "FILE\n\n");
    assert_non_null(strstr(res.out, "\n  width "));
    assert_non_null(strstr(res.out, "\n  layers "));
    run("gen", "--help", NULL);
    expect_start("usage: iommusim gen KIND ");
    run("convert", "--help", NULL);
    expect_start("usage: iommusim convert IN -o OUT ");
}

static void test_gen_parameter_errors(void **state)
{
    (void)state;
    run("gen", "display", "--widht", "64", "-o", tmp_path("typo.txt"), NULL);
    expect(2, "", "iommusim gen: --widht: display has no parameter 'widht'; did you mean "
                  "--width?\n");
    assert_false(file_exists(tmp_path("typo.txt")));
    run("gen", "video_decode", "--mv-dst", "normal", "-o", tmp_path("typo.txt"), NULL);
    expect(2, "", "iommusim gen: --mv-dst: video_decode has no parameter 'mv_dst'; did you "
                  "mean --mv_dist?\n");
    /* Range and cross checks are the generator's: the option they blame is named. */
    run("gen", "display", "--width", "0", "-o", tmp_path("typo.txt"), NULL);
    expect_failure(2, "iommusim gen: --width: ", "16384");
    run("gen", "display", "--height", "4", "--vtotal", "2", "-o", tmp_path("typo.txt"), NULL);
    expect_failure(2, "iommusim gen: --vtotal: ", "height 4");
    run("gen", "camera", "--set", "format=rgb", "-o", tmp_path("typo.txt"), NULL);
    expect_failure(2, "iommusim gen: --set format: ", "'rgb'");
    assert_false(file_exists(tmp_path("typo.txt")));
}

static void test_gen_usage_errors(void **state)
{
    static const struct {
        const char *args[10];
        const char *err;
    } cases[] = {
        { { "gen" }, "iommusim gen: missing the generator KIND (iommusim gen --list shows them)\n" },
        { { "gen", "hdmi", "-o", "x.txt" },
          "iommusim gen: unknown kind 'hdmi': the first argument is the generator kind: one of "
          "video_decode, display, camera, rotator, jpeg, blit, scan\n" },
        { { "gen", "--width", "64", "display" },
          "iommusim gen: expected KIND before options, found '--width': the first argument is "
          "the generator kind: one of video_decode, display, camera, rotator, jpeg, blit, scan\n" },
        { { "gen", "display", "--width", "64" },
          "iommusim gen: missing -o FILE (usage: iommusim gen KIND [--PARAM VALUE ...] "
          "[--format text|bin|din] -o FILE)\n" },
        { { "gen", "display", "--base", "layer0=0x10000000", "-o", "x.txt" },
          "iommusim gen: --base applies to din output only (text and bin keep the buffer "
          "names; give -o FILE.din or --format din)\n" },
        { { "gen", "display", "--format", "din", "--base", "fb=0", "-o", "x.txt" },
          "iommusim gen: --base fb=...: the display generator has no buffer fb\n" },
        { { "gen", "camera", "--format", "yuyv", "-o", "x.txt" },
          "iommusim gen: --format 'yuyv' is not a trace format: must be text, bin, cbin or din (the "
          "camera's pixel format is given as --set format=yuyv)\n" },
        { { "gen", "display", "--width", "64", "--width=32", "-o", "x.txt" },
          "iommusim gen: --width: parameter 'width' is given twice\n" },
        { { "gen", "display", "--width" },
          "iommusim gen: option '--width' needs a value (see iommusim gen display --help)\n" },
        { { "gen", "display", "64", "-o", "x.txt" },
          "iommusim gen: unexpected argument '64': parameters are given as --PARAM VALUE "
          "(see iommusim gen display --help)\n" },
        { { "gen", "display", "--set", "width", "-o", "x.txt" },
          "iommusim gen: --set 'width': expected PARAM=VALUE\n" },
        { { "gen", "display", "--kind", "blit", "-o", "x.txt" },
          "iommusim gen: --kind: the kind is the first argument (iommusim gen KIND ...)\n" },
    };

    (void)state;
    for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        proc_runv(&res, cases[i].args);
        expect(2, "", cases[i].err);
    }
    assert_false(file_exists("x.txt"));
}

/* ------------------------------------------------------------------ convert */

static void test_convert_din_to_text(void **state)
{
    char want[512], *file;

    (void)state;
    /* din: label 0 and 2 read, 1 write; every access at time 0, of --din-bytes bytes. */
    run("convert", DATA "policy.din", "--din-bytes", "4", "-o", tmp_path("policy.txt"), NULL);
    snprintf(want, sizeof(want), "converted 24 records: tests/data/cli/policy.din (din) -> "
             "%s (text)\n", tmp_path("policy.txt"));
    expect(0, want, "");
    file = slurp(tmp_path("policy.txt"), NULL);
    assert_non_null(file);
    assert_string_equal(file,
                        "# iommusim trace v1: time_ns op target bytes\n"
                        "0 R 0x10000 4\n0 R 0x10ffc 4\n0 W 0x11040 4\n0 R 0x11044 4\n"
                        "0 R 0x12000 4\n0 R 0x12004 4\n0 R 0x13100 4\n0 W 0x13200 4\n"
                        "0 R 0x10008 4\n0 R 0x1000c 4\n0 W 0x14000 4\n0 R 0x14fff 4\n"
                        "0 R 0x11000 4\n0 R 0x11800 4\n0 R 0x12010 4\n0 W 0x12020 4\n"
                        "0 R 0x10abc 4\n0 R 0x10abd 4\n0 R 0x13000 4\n0 R 0x13ff0 4\n"
                        "0 W 0x14100 4\n0 R 0x14200 4\n0 R 0x11f00 4\n0 R 0x11f04 4\n");
    free(file);
}

static void test_convert_names_round_trip(void **state)
{
    char *file;
    struct stat st;

    (void)state;
    run("convert", DATA "named.txt", "-o", tmp_path("named.bin"), NULL);
    assert_int_equal(res.status, 0);
    /*
     * Each buffer is defined once, before its first use: 8 bytes of magic, two
     * DEFINE records of 24 bytes, each followed by its name padded to 8 bytes
     * ("fb0", "cursor"), and 6 records of 24 bytes: 8 + 2 * 32 + 6 * 24 = 216.
     */
    assert_int_equal(stat(tmp_path("named.bin"), &st), 0);
    assert_int_equal(st.st_size, 216);
    run("convert", tmp_path("named.bin"), "--to", "text", "-o", tmp_path("named.out"), NULL);
    assert_int_equal(res.status, 0);
    file = slurp(tmp_path("named.out"), NULL);
    assert_non_null(file);
    /* The writer spells a bare NAME as NAME+0x0. */
    assert_string_equal(file,
                        "# iommusim trace v1: time_ns op target bytes\n"
                        "0 F\n"
                        "5 R fb0+0x40 64\n"
                        "6 W cursor+0x0 16\n"
                        "7.5 R fb0+0x0 4096\n"
                        "8 R 0x1000 8\n"
                        "16666.667 F\n");
    free(file);
}

static void test_convert_errors(void **state)
{
    static const struct {
        const char *args[10];
        const char *err;
    } cases[] = {
        { { "convert", DATA "policy.din" },
          "iommusim convert: missing -o OUT (usage: iommusim convert IN -o OUT [--from FMT] "
          "[--to FMT] [--din-bytes N])\n" },
        { { "convert", "-o", "x.txt" },
          "iommusim convert: missing the input file IN (usage: iommusim convert IN -o OUT "
          "[--from FMT] [--to FMT] [--din-bytes N])\n" },
        { { "convert", DATA "policy.din", DATA "bad.din", "-o", "x.txt" },
          "iommusim convert: unexpected argument 'tests/data/cli/bad.din': convert takes one "
          "input file\n" },
        { { "convert", DATA "policy.din", "-o", "x.txt", "--names" },
          "iommusim convert: --names needs --scenario FILE: the pinned buffers "
          "(buffers.NAME.iova) whose names the raw IOVAs get\n" },
        { { "convert", DATA "policy.din", "-o", "x.din", "--names", "--scenario", "s.yaml" },
          "iommusim convert: --names with din output: din carries raw IOVAs only, not buffer "
          "names\n" },
        { { "convert", DATA "policy.din", "-o", "x.txt", "--from", "csv" },
          "iommusim convert: --from 'csv' is not a trace format: must be text, bin, cbin or din\n" },
        { { "convert", DATA "markers.txt", "-o", "x.bin", "--din-bytes", "4" },
          "iommusim convert: --din-bytes applies to din input only, and "
          "tests/data/cli/markers.txt is read as text\n" },
        { { "convert", DATA "policy.din", "-o", "x.txt", "--din-bytes", "0" },
          "iommusim convert: --din-bytes '0' is not allowed: must be an integer 1 .. 16777216\n" },
        { { "convert", DATA "policy.din", "-o", "x.txt", "--strict" },
          "iommusim convert: unknown option '--strict' (options: -o/--output, --from, --to, "
          "--din-bytes, --base, --scenario, --names, --help)\n" },
    };

    (void)state;
    for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        proc_runv(&res, cases[i].args);
        expect(2, "", cases[i].err);
    }
    assert_false(file_exists("x.txt"));
    assert_false(file_exists("x.bin"));
}

static void test_convert_input_errors(void **state)
{
    char want[512], *text, *after;
    size_t len;
    FILE *f;

    (void)state;
    /* Writing the input over itself is refused before anything is opened. */
    text = slurp(DATA "policy.din", NULL);
    assert_non_null(text);
    f = fopen(tmp_path("same.din"), "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
    run("convert", tmp_path("same.din"), "-o", tmp_path("same.din"), "--to", "text", NULL);
    snprintf(want, sizeof(want), "iommusim convert: -o %s is the input file itself: writing "
             "it would destroy the input\n", tmp_path("same.din"));
    expect(2, "", want);
    after = slurp(tmp_path("same.din"), &len);
    assert_non_null(after);
    assert_int_equal(len, strlen(text));
    assert_string_equal(after, text);
    free(text);
    free(after);

    /* A bad line stops the conversion and leaves no partial output behind. */
    run("convert", DATA "bad.din", "-o", tmp_path("bad.txt"), NULL);
    expect_failure(1, "iommusim convert: tests/data/cli/bad.din:3: error: ", "'3'");
    assert_false(file_exists(tmp_path("bad.txt")));
    run("convert", DATA "absent.txt", "-o", tmp_path("absent.bin"), NULL);
    expect_failure(1, "iommusim convert: tests/data/cli/absent.txt", "");
    assert_false(file_exists(tmp_path("absent.bin")));
    run("convert", DATA "policy.din", "-o", tmp_path("no/such/dir/x.txt"), NULL);
    expect_failure(1, "iommusim convert: ", "no/such/dir/x.txt");
}

/* ------------------------------------------------------------------ setup */

static int setup(void **state)
{
    (void)state;
    if (access(proc_prog(), X_OK)) {
        fprintf(stderr, "test_cli_tools: %s is not an executable program (set IOMMUSIM to "
                        "the iommusim program; the Makefile sets build/iommusim)\n",
                proc_prog());
        return -1;
    }
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tlb_lru),
        cmocka_unit_test(test_tlb_plru),
        cmocka_unit_test(test_tlb_round_robin),
        cmocka_unit_test(test_tlb_direct_mapped),
        cmocka_unit_test(test_tlb_random_any_choice),
        cmocka_unit_test(test_tlb_page_sizes),
        cmocka_unit_test(test_tlb_json),
        cmocka_unit_test(test_tlb_text_markers_skipped),
        cmocka_unit_test(test_tlb_bin_same_as_din),
        cmocka_unit_test(test_tlb_usage_errors),
        cmocka_unit_test(test_tlb_malformed_din),
        cmocka_unit_test(test_tlb_refuses_buffer_names),
        cmocka_unit_test(test_tlb_missing_file),
        cmocka_unit_test(test_tlb_help),
        cmocka_unit_test(test_gen_display_text),
        cmocka_unit_test(test_gen_convert_round_trip),
        cmocka_unit_test(test_gen_list_and_help),
        cmocka_unit_test(test_gen_parameter_errors),
        cmocka_unit_test(test_gen_usage_errors),
        cmocka_unit_test(test_convert_din_to_text),
        cmocka_unit_test(test_convert_names_round_trip),
        cmocka_unit_test(test_convert_errors),
        cmocka_unit_test(test_convert_input_errors),
    };

    return cmocka_run_group_tests(tests, setup, NULL);
}
