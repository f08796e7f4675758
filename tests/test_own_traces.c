/*
 * test_own_traces.c - replaying traces of one's own: 64-bit addresses through
 * `iommusim tlb` and into a scenario, buffers pinned at the IOVAs a captured trace
 * uses, the conversions between buffer+offset and raw IOVAs (din included), and the
 * README's commands, run as written.
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
#include <unistd.h>

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

/* ------------------------------------------------------------------ pinned buffers */

/*
 * pinned_replay.yaml: fb (192K, 4K pages) pinned at 0x10000000 and overlay (64K, one
 * 64K page) at 0x10030000 in display_read; pinned.din's 10 accesses, all inside them:
 *   fb pages (4K):  0x10000 (3 accesses), 0x10001 (2), 0x10002, 0x1000f, 0x10010,
 *                   0x1001f: 6 distinct pages
 *   overlay (64K):  0x1003 (1 access): 1 page
 * mdp0's TLB (32 entries, configs/msm8960.yaml) holds all 7, nothing invalidates
 * during the run, and outstanding 1 lets no two misses merge: 7 misses (each a walk
 * of 2 descriptors, L1 then L2, for 4K and 64K pages alike), 3 hits, no fault.
 * The walker reads memory 10 times: the 7 L1 descriptors, and the L2 descriptors
 * through the BFB fetch buffer (on under msm-3.4), which reads their 64-byte line of
 * 16: fb's pages 0x00, 0x01, 0x02, 0x0f of the 1 MiB region share line 0 (1 read),
 * 0x10 and 0x1f line 1 (1 read), overlay's descriptors 0x30..0x3f line 3 (1 read).
 */
static void test_pinned_replay(void **state)
{
    char out[4096];

    snprintf(out, sizeof(out), "%s", tmp_path("pinned"));      /* tmp_path's buffers rotate */

    (void)state;
    assert_int_equal(proc_run(&res, "run " SCN "pinned_replay.yaml --quiet --out %s", out), 0);
    assert_string_equal(res.err, "");
    assert_int_equal(stats_u64(out, "buffer.fb.display_read.iova"), 0x10000000);
    assert_int_equal(stats_u64(out, "buffer.overlay.display_read.iova"), 0x10030000);
    assert_int_equal(stats_u64(out, "smmu.mdp0.ctx.mdp_port0_cb0.translations"), 10);
    assert_int_equal(stats_u64(out, "smmu.mdp0.ctx.mdp_port0_cb0.faults"), 0);
    assert_int_equal(stats_u64(out, "smmu.mdp0.ctx.mdp_port0_cb0.misses"), 7);
    assert_int_equal(stats_u64(out, "smmu.mdp0.ctx.mdp_port0_cb0.hits"), 3);
    assert_int_equal(stats_u64(out, "smmu.mdp0.tlb.fills_4k"), 6);
    assert_int_equal(stats_u64(out, "smmu.mdp0.tlb.fills_64k"), 1);
    assert_int_equal(stats_u64(out, "smmu.mdp0.walker.desc_reads"), 10);
    assert_int_equal(stats_u64(out, "master.mdp0.errors"), 0);
    /* The trace gzip-compressed (by the writer, from its name): the same counts. */
    {
        char cwd[4096], *yaml = slurp(SCN "pinned_replay.yaml", NULL), *p;
        FILE *f;

        assert_non_null(getcwd(cwd, sizeof(cwd)));
        assert_int_equal(proc_run(&res, "convert " SCN "pinned.din -o %s",
                                  tmp_path("pinned.din.gz")), 0);
        f = fopen(tmp_path("gz.yaml"), "w");
        assert_non_null(f);
        for (p = strtok(yaml, "\n"); p; p = strtok(NULL, "\n")) {
            if (strstr(p, "!include"))
                fprintf(f, "soc: !include %s/configs/msm8960.yaml\n", cwd);
            else if (strstr(p, "trace: pinned.din"))
                fprintf(f, "    trace: %s\n", tmp_path("pinned.din.gz"));
            else
                fprintf(f, "%s\n", p);
        }
        assert_int_equal(fclose(f), 0);
        free(yaml);
        assert_int_equal(proc_run(&res, "run %s --quiet --out %s", tmp_path("gz.yaml"), out), 0);
        assert_int_equal(stats_u64(out, "smmu.mdp0.ctx.mdp_port0_cb0.misses"), 7);
        assert_int_equal(stats_u64(out, "smmu.mdp0.ctx.mdp_port0_cb0.hits"), 3);
        assert_int_equal(stats_u64(out, "smmu.mdp0.ctx.mdp_port0_cb0.faults"), 0);
    }
    /* The same in functional mode: the same lookups, in the same order. */
    assert_int_equal(proc_run(&res, "run " SCN "pinned_replay.yaml --quiet --mode functional "
                              "--out %s", out), 0);
    assert_int_equal(stats_u64(out, "smmu.mdp0.ctx.mdp_port0_cb0.misses"), 7);
    assert_int_equal(stats_u64(out, "smmu.mdp0.ctx.mdp_port0_cb0.faults"), 0);
}

/*
 * Without the pins the allocator puts fb and overlay at the bottom of the partition
 * (0x20000 up), so all 10 accesses at 0x10000000.. fault: the run completes (a fault
 * is what the hardware does) but says so on stderr, in the report and in the stats.
 */
static void test_unpinned_replay_all_faults_loudly(void **state)
{
    static const char warning[] = "WARNING: every access of master mdp0 faulted (10 of 10 "
        "bursts): context mdp_port0_cb0 translates none of its addresses or allows none of its "
        "accesses; to replay a captured trace, pin its buffers at the IOVAs it uses "
        "(buffers.NAME.iova, docs/scenarios.md)";
    char want[1024], out[4096];

    (void)state;
    snprintf(out, sizeof(out), "%s", tmp_path("unpinned"));    /* tmp_path's buffers rotate */
    assert_int_equal(proc_run(&res, "run " SCN "unpinned_replay.yaml --out %s", out), 0);
    snprintf(want, sizeof(want), SCN "unpinned_replay.yaml: %s\n", warning);
    assert_string_equal(res.err, want);
    snprintf(want, sizeof(want), "\n%s\n", warning);
    assert_non_null(strstr(res.out, want));
    assert_int_equal(stats_u64(out, "master.mdp0.errors"), 10);
    assert_int_equal(stats_u64(out, "master.mdp0.all_faulted"), 1);
    assert_int_equal(stats_u64(out, "smmu.mdp0.ctx.mdp_port0_cb0.faults_translation"), 10);
    /* --quiet drops the report, not the warning. */
    assert_int_equal(proc_run(&res, "run " SCN "unpinned_replay.yaml --quiet --out %s", out), 0);
    snprintf(want, sizeof(want), SCN "unpinned_replay.yaml: %s\n", warning);
    assert_string_equal(res.err, want);
    /* The pinned run has no such key and no warning. */
    assert_int_equal(proc_run(&res, "run " SCN "pinned_replay.yaml --out %s", out), 0);
    assert_null(strstr(res.out, "WARNING"));
    assert_int_equal(proc_sh(&res, "grep -c all_faulted %s/stats.csv", out), 1);
}

static void test_pin_errors(void **state)
{
    static const struct { const char *file, *msg; } cases[] = {
        /* 64K pages need 64K alignment: 0x10001000 lies between 0x10000000 and 0x10010000 */
        { "bad_pin_misaligned.yaml", ":5:61: error: buffers.fb.iova: 0x10001000 is not aligned "
          "to 64K, the page size of policy 64k (the nearest are 0x10000000 and 0x10010000)" },
        /* 192K from 0x7fff0000 ends at 0x80020000, past the gen partition's 2G end */
        { "bad_pin_outside.yaml", ":5:60: error: buffers.fb.iova: [0x7fff0000, 0x80020000) is "
          "outside partition gen of domain display_read, [0x20000, 0x80000000)" },
        /* below the partition's 128K start */
        { "bad_pin_below.yaml", ":5:60: error: buffers.fb.iova: [0x1000, 0x31000) is outside "
          "partition gen of domain display_read, [0x20000, 0x80000000)" },
        { "bad_pin_wide.yaml", ":5:60: error: buffers.fb.iova: 0x100000000 is beyond the SMMU "
          "v1's 32-bit IOVA space (at most 0xfffff000)" },
        /* other's 8K from 0x1002f000 shares fb's last 4K page, in display_read only */
        { "bad_pin_overlap.yaml", ":6:59: error: buffers.other.iova: [0x1002f000, 0x10031000) "
          "overlaps buffer fb, pinned at [0x10000000, 0x10030000) "
          "(tests/data/scenarios/bad_pin_overlap.yaml:5:60), in domain display_read" },
        /* the display generator sizes layer0 at 1920 x 1080 x 4 = 0x7e9000 bytes */
        { "bad_pin_generated.yaml", ":6:40: error: buffers.layer0.iova: [0x7ff00000, "
          "0x806e9000) is outside partition gen of domain display_read, [0x20000, 0x80000000)" },
    };
    char want[1024];

    (void)state;
    for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(proc_run(&res, "run " SCN "%s --quiet", cases[i].file), 1);
        snprintf(want, sizeof(want), SCN "%s%s\n", cases[i].file, cases[i].msg);
        assert_string_equal(res.err, want);
        assert_string_equal(res.out, "");
    }
}

/* ------------------------------------------------------------------ conversions */

/*
 * display 64 x 4, 4 bytes a pixel, 1 frame: F, then per line an L and a read of the
 * line's 256 bytes at layer0 + 256 y (traces/README.md): 9 records, 4 accesses.
 */
#define DISPLAY_SMALL "gen display --width 64 --height 4 --frames 1"

static void test_convert_bases_and_din(void **state)
{
    char want[1024], *text;

    (void)state;
    assert_int_equal(proc_run(&res, DISPLAY_SMALL " -o %s", tmp_path("d.trc")), 0);
    /* Buffer+offset to raw, into din: the 5 markers have no din form. */
    assert_int_equal(proc_run(&res, "convert %s --base layer0=0x10000000 -o %s",
                              tmp_path("d.trc"), tmp_path("d.din")), 0);
    snprintf(want, sizeof(want), "converted 4 records: %s (text) -> %s (din); 5 markers "
             "dropped (din has none)\n", tmp_path("d.trc"), tmp_path("d.din"));
    assert_string_equal(res.out, want);
    text = slurp(tmp_path("d.din"), NULL);
    assert_string_equal(text, "0 10000000\n0 10000100\n0 10000200\n0 10000300\n");
    free(text);
    /* Into text: the same IOVAs, times and markers kept. */
    assert_int_equal(proc_run(&res, "convert %s --base layer0=0xfff0000000 -o %s",
                              tmp_path("d.trc"), tmp_path("raw.trc")), 0);
    text = slurp(tmp_path("raw.trc"), NULL);
    assert_non_null(strstr(text, " L\n15306122.448 R 0xfff0000000 256\n"));
    assert_non_null(strstr(text, " R 0xfff0000300 256\n"));
    free(text);
    /* gen writes din itself, laying layer0 out at 0x10000000. */
    assert_int_equal(proc_run(&res, DISPLAY_SMALL " -o %s", tmp_path("g.din")), 0);
    snprintf(want, sizeof(want), "wrote 4 records to %s (din: accesses only, at raw IOVAs)\n"
             "buffer layer0: 1024 bytes at 0x10000000\n", tmp_path("g.din"));
    assert_string_equal(res.out, want);
    text = slurp(tmp_path("g.din"), NULL);
    assert_string_equal(text, "0 10000000\n0 10000100\n0 10000200\n0 10000300\n");
    free(text);
    /* gen --base, compressed: rotator's dst at 1 GiB, src laid out after it on the next
     * 1 MiB boundary: dst is 1920 x 1088 x 2 = 4177920 bytes (0x3fc000), so 0x40400000. */
    assert_int_equal(proc_run(&res, "gen rotator --frames 1 --base dst=0x40000000 -o %s",
                              tmp_path("r.din.zst")), 0);
    assert_non_null(strstr(res.out, "buffer dst: 4177920 bytes at 0x40000000\n"));
    assert_non_null(strstr(res.out, "buffer src: 4177920 bytes at 0x40400000\n"));
}

static void test_convert_errors(void **state)
{
    static const struct { const char *args, *err; int status; } cases[] = {
        { "convert " DATA "named.txt -o OUT.din", "iommusim convert: " DATA "named.txt: record "
          "2: an access to buffer fb0: din carries raw IOVAs only (give its base: --base "
          "fb0=ADDR, or --scenario FILE with the buffer pinned)\n", 1 },
        { "convert " DATA "named.txt --base other=0 -o OUT.din", "iommusim convert: " DATA
          "named.txt:3: error: unknown buffer 'fb0' (every buffer a relocated trace names needs "
          "a base: give --base NAME=ADDR)\n", 1 },
        { "convert " DATA "named.txt --base fb0 -o OUT.din", "iommusim convert: --base 'fb0' is "
          "not NAME=ADDR (a buffer name and its base IOVA, e.g. layer0=0x10000000)\n", 2 },
        { "convert " DATA "named.txt --base fb0=1 --base fb0=2 -o OUT.din", "iommusim convert: "
          "--base buffer fb0 is given a base twice (0x1 and 0x2)\n", 2 },
        { "convert " DATA "named.txt --base fb0=zz -o OUT.din", "iommusim convert: --base "
          "'fb0=zz': the base 'zz' is not an address (decimal or 0x-hex, below 2^64)\n", 2 },
        /* fb0+0x40 (named.txt line 3, record 2 after the F) of 64 bytes at base
         * 2^64 - 64 starts at 2^64 exactly: past the end */
        { "convert " DATA "named.txt --base fb0=0xffffffffffffffc0 -o OUT.trc", "iommusim "
          "convert: " DATA "named.txt: record 2: fb0+0x40 of 64 bytes at base "
          "0xffffffffffffffc0 passes the end of the 64-bit address space\n", 1 },
        { "convert " DATA "named.txt --names -o OUT.trc", "iommusim convert: --names needs "
          "--scenario FILE: the pinned buffers (buffers.NAME.iova) whose names the raw IOVAs "
          "get\n", 2 },
    };
    char args[512], err[1024];

    (void)state;
    for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *p = strstr(cases[i].args, "OUT");

        snprintf(args, sizeof(args), "%.*s%s%s", (int)(p - cases[i].args), cases[i].args,
                 tmp_path("out"), p + 3);
        proc_run(&res, "%s", args);
        snprintf(err, sizeof(err), "%s", cases[i].err);
        assert_string_equal(res.err, err);
        assert_int_equal(res.status, cases[i].status);
        assert_string_equal(res.out, "");
    }
}

/*
 * The reverse: pinned.din named by pinned_replay.yaml's pins (fb [0x10000000,
 * 0x10030000), overlay [0x10030000, 0x10040000)), then back to raw with the same
 * scenario: the din file again, byte for byte. An access in no pinned buffer stays raw.
 */
static void test_convert_names_round_trip(void **state)
{
    char *text, *orig;

    (void)state;
    assert_int_equal(proc_run(&res, "convert " SCN "pinned.din --scenario " SCN
                              "pinned_replay.yaml --names -o %s", tmp_path("named.trc")), 0);
    text = slurp(tmp_path("named.trc"), NULL);
    assert_string_equal(text, "# iommusim trace v1: time_ns op target bytes\n"
                        "0 R fb+0x0 64\n0 R fb+0x40 64\n0 R fb+0x1000 64\n0 W fb+0x80 64\n"
                        "0 R fb+0x2000 64\n0 R fb+0xf000 64\n0 R fb+0x10000 64\n"
                        "0 R fb+0x1040 64\n0 R fb+0x1f000 64\n0 W overlay+0x0 64\n");
    free(text);
    assert_int_equal(proc_run(&res, "convert %s --scenario " SCN "pinned_replay.yaml -o %s",
                              tmp_path("named.trc"), tmp_path("back.din")), 0);
    text = slurp(tmp_path("back.din"), NULL);
    orig = slurp(SCN "pinned.din", NULL);
    assert_string_equal(text, orig);
    free(text);
    free(orig);
    /* 0x1003ffc0 + 64 ends overlay exactly; 0x1003ffe0 + 64 runs past it: stays raw. */
    assert_int_equal(proc_sh(&res, "printf '0 1003ffc0\\n1 1003ffe0\\n0 20000\\n' > %s",
                             tmp_path("edge.din")), 0);
    assert_int_equal(proc_run(&res, "convert %s --scenario " SCN "pinned_replay.yaml --names "
                              "-o %s", tmp_path("edge.din"), tmp_path("edge.trc")), 0);
    text = slurp(tmp_path("edge.trc"), NULL);
    assert_string_equal(text, "# iommusim trace v1: time_ns op target bytes\n"
                        "0 R overlay+0xffc0 64\n0 W 0x1003ffe0 64\n0 R 0x20000 64\n");
    free(text);
}

/*
 * The README's "Running scenarios" block, each line run as written from a scratch
 * directory holding build/iommusim (the program under test) and configs/. The last
 * line's counts: 1080 lines of 7680 bytes from 0x10000000 start in 64K pages 0..126
 * (1079 * 7680 = 8286720 < 127 * 65536), 127 pages a frame, each holding a line's
 * start; the second frame sweeps the same 127 pages through 32 lru entries, so every
 * page misses again: 254 misses of 2160 references, all reads (a display only
 * reads); the first frame's 127 are compulsory, the second's capacity misses (the
 * TLB is fully associative lru: no conflicts).
 */
static void test_readme_commands(void **state)
{
    char *readme = slurp("README.md", NULL), *p, *end, cwd[4096], dir[4096];
    unsigned lines = 0;

    snprintf(dir, sizeof(dir), "%s", tmp_path("readme"));     /* tmp_path's buffers rotate */
    (void)state;
    assert_non_null(readme);
    assert_non_null(getcwd(cwd, sizeof(cwd)));
    assert_int_equal(proc_sh(&res, "mkdir -p %s/build && ln -sf %s%s%s %s/build/iommusim && "
                             "ln -sf %s/configs %s/configs", dir,
                             proc_prog()[0] == '/' ? "" : cwd, proc_prog()[0] == '/' ? "" : "/",
                             proc_prog(), dir, cwd, dir), 0);
    p = strstr(readme, "## Running scenarios\n\n```sh\n");
    assert_non_null(p);
    p += strlen("## Running scenarios\n\n```sh\n");
    end = strstr(p, "```\n");
    assert_non_null(end);
    while (p < end) {
        char *nl = strchr(p, '\n');

        *nl = '\0';
        if (proc_sh(&res, "cd %s && %s", dir, p))
            fail_msg("README line '%s' exited %d: %s", p, res.status, res.err);
        lines++;
        p = nl + 1;
    }
    assert_int_equal(lines, 5);
    assert_string_equal(res.out, "trace fb.din (din), 64k pages, 32 entries, 32 ways (1 set), "
                        "lru\nreferences 2160\nhits 1906\nmisses 254\nmiss rate 0.117593\n"
                        "read references 2160\nread misses 254\nwrite references 0\n"
                        "write misses 0\ncompulsory misses 127\ncapacity misses 127\n"
                        "conflict misses 0\n");
    free(readme);
}

/* ------------------------------------------------------------------ 3C */

/*
 * 3c.din, ten references to 4K pages p0..p3 (p = address >> 12), in 2-entry TLBs:
 *   #   1    2    3    4    5    6    7    8    9        10
 *       R p0 R p2 W p0 R p1 W p2 R p1 R p3 R p1 W p1+40  R p0
 * 7 reads, 3 writes; first references (compulsory if missed, which they must be):
 * 1, 2, 4, 7. The fully associative lru TLB of 2 entries (most recent first):
 *   1 m [0]  2 m [2 0]  3 h [0 2]  4 m [1 0]  5 m [2 1]  6 h [1 2]  7 m [3 1]
 *   8 h [1 3]  9 h (same page)  10 m [0 1]: 6 misses, at 1 2 4 5 7 10.
 * Direct mapped (2 sets of 1 way, set = p mod 2):
 *   set 0: 1 p0 m, 2 p2 m, 3 p0 m, 5 p2 m, 10 p0 m; set 1: 4 p1 m, 6 p1 h, 7 p3 m,
 *   8 p1 m, 9 h: 8 misses. Beyond compulsory 1 2 4 7: 3 and 8 are lru hits
 *   (conflict), 5 and 10 lru misses (capacity). Read misses 1 2 4 7 8 10, write 3 5.
 * Fully associative lru: its own misses; 5 and 10 capacity, no conflict; write
 *   misses: 5.
 * Fully associative round-robin (ways fill 0, 1; the pointer starts at way 0):
 *   1 m w0=p0, 2 m w1=p2, 3 h, 4 m victim w0 -> [p1 p2], 5 h, 6 h, 7 m victim w1 ->
 *   [p1 p3], 8 h, 9 h, 10 m victim w0 -> [p0 p3]: 5 misses, 1 2 4 7 compulsory and
 *   10 capacity (an lru miss too); it hits at 5, where lru misses, and that is no miss
 *   to classify. Writes all hit.
 */
static void test_tlb_3c(void **state)
{
    static const struct { const char *ways, *repl, *want; } cases[] = {
        { "1", "lru", "\"references\": 10, \"hits\": 2, \"misses\": 8, \"miss_rate\": 0.800000, "
          "\"reads\": 7, \"read_misses\": 6, \"writes\": 3, \"write_misses\": 2, "
          "\"compulsory\": 4, \"capacity\": 2, \"conflict\": 2}\n" },
        { "2", "lru", "\"references\": 10, \"hits\": 4, \"misses\": 6, \"miss_rate\": 0.600000, "
          "\"reads\": 7, \"read_misses\": 5, \"writes\": 3, \"write_misses\": 1, "
          "\"compulsory\": 4, \"capacity\": 2, \"conflict\": 0}\n" },
        { "2", "round-robin", "\"references\": 10, \"hits\": 5, \"misses\": 5, "
          "\"miss_rate\": 0.500000, \"reads\": 7, \"read_misses\": 5, \"writes\": 3, "
          "\"write_misses\": 0, \"compulsory\": 4, \"capacity\": 1, \"conflict\": 0}\n" },
    };

    (void)state;
    for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *args[] = { "tlb", "--trace", DATA "3c.din", "--page-size", "4k", "--entries",
                               "2", "--ways", cases[i].ways, "--replacement", cases[i].repl,
                               "--json", NULL };

        assert_int_equal(proc_runv(&res, args), 0);
        assert_string_equal(counts_of(res.out), cases[i].want);
    }
    /* The text report: the same counts, one per line, after the four of before. */
    assert_int_equal(proc_run(&res, "tlb --trace " DATA "3c.din --page-size 4k --entries 2 "
                              "--ways 1"), 0);
    assert_string_equal(res.out, "trace tests/data/cli/3c.din (din), 4k pages, 2 entries, 1 way "
                        "(2 sets), lru\nreferences 10\nhits 2\nmisses 8\nmiss rate 0.800000\n"
                        "read references 7\nread misses 6\nwrite references 3\nwrite misses 2\n"
                        "compulsory misses 4\ncapacity misses 2\nconflict misses 2\n");
    /* Moved above 4 GiB (by a multiple of 16M), the same causes. */
    shift_din(DATA "3c.din", tmp_path("3c_hi.din"), 0xabc000000000ull, false);
    assert_int_equal(proc_run(&res, "tlb --trace %s --page-size 4k --entries 2 --ways 1 --json",
                              tmp_path("3c_hi.din")), 0);
    assert_string_equal(counts_of(res.out), cases[0].want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tlb_above_4g_same_counts),
        cmocka_unit_test(test_tlb_above_4g_bin),
        cmocka_unit_test(test_scenario_wide_iova_is_an_error),
        cmocka_unit_test(test_pinned_replay),
        cmocka_unit_test(test_unpinned_replay_all_faults_loudly),
        cmocka_unit_test(test_pin_errors),
        cmocka_unit_test(test_convert_bases_and_din),
        cmocka_unit_test(test_convert_errors),
        cmocka_unit_test(test_convert_names_round_trip),
        cmocka_unit_test(test_readme_commands),
        cmocka_unit_test(test_tlb_3c),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);

    proc_free(&res);
    return rc;
}
