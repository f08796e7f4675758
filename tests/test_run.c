/*
 * test_run.c - `iommusim run` and `iommusim info` on bad and on small inputs.
 *
 * Each kind of bad input gives one exact message on stderr (file:line:column for
 * YAML, file:line for traces, the argument for the command line) and a non-zero exit
 * status: 1 for a bad file, 2 for bad usage. The fixtures are in
 * tests/data/scenarios/; their line and column numbers were counted by hand.
 *
 * Hand-made traces are replayed and their TLB, fault and driver counts checked
 * against counts done by hand: tests/data/scenarios/small.trc, and steps.trc, which
 * reads a buffer before, during and after a driver step unmaps it.
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/lib/proc.h"

/* The last run's status and output (tests/lib/proc.h); its --out directories go in the
 * scratch directory. */
static struct proc pr;

static void expect(const char *args, int status, const char *message)
{
    proc_run(&pr, "%s", args);
    if (strcmp(pr.err, message))
        fail_msg("iommusim %s\n  stderr:   %s  expected: %s", args, pr.err, message);
    assert_int_equal(pr.status, status);
}

#define D "tests/data/scenarios/"

static void test_yaml_syntax(void **state)
{
    (void)state;
    expect("run " D "bad_syntax.yaml", 1,
           D "bad_syntax.yaml:5:8: error: expected ',' or '}' in a {...} map (while parsing a "
           "flow mapping that starts at 4:7)\n");
}

static void test_unknown_key(void **state)
{
    (void)state;
    expect("run " D "bad_key.yaml", 1,
           D "bad_key.yaml:10:5: error: unknown key 'outstandnig' in masters.mdp0; did you "
           "mean 'outstanding'?\n");
    expect("run configs/scenarios/gpu2d_blit.yaml --set smmus.gfx2d0.tlb.entrie=4", 1,
           "<command line>:--set 1: error: unknown key 'entrie' in soc.smmus.gfx2d0.tlb; did "
           "you mean 'entries'?\n");
}

static void test_out_of_range(void **state)
{
    (void)state;
    expect("run " D "bad_range.yaml", 1,
           D "bad_range.yaml:10:18: error: masters.mdp0.outstanding: 1000 is out of range "
           "1..256\n");
    expect("run configs/scenarios/gpu2d_blit.yaml --set smmus.gfx2d0.tlb.entries=300", 1,
           "<command line>:--set 1: error: soc.smmus.gfx2d0.tlb.entries: 300 is out of range "
           "1..256\n");
    expect("run configs/scenarios/gpu2d_blit.yaml --set smmus.rot.bfb_lines=65", 1,
           "<command line>:--set 1: error: soc.smmus.rot.bfb_lines: 65 is out of range "
           "0..64\n");
    expect("run configs/scenarios/gpu2d_blit.yaml --set l2.hit_latency=5s", 1,
           "<command line>:--set 1: error: soc.l2.hit_latency: 5s is out of range 0..1ms\n");
    expect("run configs/scenarios/gpu2d_blit.yaml --set l2.sise=1MiB", 1,
           "<command line>:--set 1: error: unknown key 'sise' in soc.l2; did you mean "
           "'size'?\n");
}

static void test_missing_files(void **state)
{
    (void)state;
    expect("run " D "no_such_scenario.yaml", 1,
           D "no_such_scenario.yaml: error: cannot open: No such file or directory\n");
    expect("run " D "bad_missing_trace.yaml", 1,
           D "bad_missing_trace.yaml:7:5: error: masters.mdp0.trace: " D "no_such_file.trc: "
           "error: cannot open: No such file or directory\n");
}

static void test_malformed_trace_line(void **state)
{
    (void)state;
    assert_int_equal(proc_run(&pr, "run " D "bad_trace_line.yaml --quiet"), 1);
    assert_string_equal(pr.err, D "bad_line.trc:4: error: unknown op 'X' (expected R, W, F or "
                                "L)\n");
    /* The functional mode stops at the same line with the same message. */
    assert_int_equal(proc_run(&pr, "run " D "bad_trace_line.yaml --quiet --mode functional"),
                     1);
    assert_string_equal(pr.err, D "bad_line.trc:4: error: unknown op 'X' (expected R, W, F or "
                                "L)\n");
    /* The report says why the run stopped: the error, not the duration limit. */
    assert_int_equal(proc_run(&pr, "run " D "bad_trace_line.yaml --mode timing"), 1);
    assert_non_null(strstr(pr.out, " ms (stopped by the error above), wall time "));
}

static void test_unknown_buffer_in_trace(void **state)
{
    (void)state;
    expect("run " D "bad_trace_buffer.yaml --quiet", 1,
           D "unknown_buffer.trc:2: error: unknown buffer 'overlay'; master mdp0: the scenario "
           "has no buffer 'overlay' (add it to buffers, or bind the name under "
           "masters.mdp0.buffers)\n");
}

static void test_usage_errors(void **state)
{
    (void)state;
    expect("run configs/scenarios/gpu2d_blit.yaml --bogus", 2,
           "iommusim run: unknown option '--bogus' (options: --set, --mode, --seed, --out, "
           "--quiet, --json, --stats-interval, --vcd, --timeline, --timeline-window, --help)\n");
    expect("run configs/scenarios/gpu2d_blit.yaml --mode fast", 2,
           "iommusim run: --mode fast: expected timing or functional\n");
    expect("run configs/scenarios/gpu2d_blit.yaml --seed x1", 2,
           "iommusim run: --seed x1: expected an unsigned integer\n");
    expect("run", 2, "iommusim run: missing the scenario file (iommusim run SCENARIO.yaml)\n");
    expect("frobnicate", 2, "iommusim: unknown command 'frobnicate' (commands: run, tlb, gen, "
                            "convert, import, info, sweep, plot, stats; see iommusim --help)\n");
    expect("info", 2, "iommusim info: missing the SoC file (iommusim info "
                      "configs/msm8960.yaml)\n");
}

/*
 * small.trc through mdp0 with 4 KiB pages, one request outstanding:
 *   0x0    64 B   miss (page 0), walk: L1 + L2 read
 *   0x40   64 B   hit
 *   0x1000 128 B  two bursts: miss (page 1) then hit
 *   0x3000 64 B   write, miss (page 3)
 * = 5 translations, 2 hits, 3 misses, 3 walks, 320 bytes. The msm-3.4 profile sets
 * BFBCR.BFBDFE: the first walk reads its L1 descriptor and the 64-byte line of L2
 * descriptors of pages 0..15; pages 1 and 3 are in that line, so their walks read
 * only the L1 descriptor: 2 + 1 + 1 = 4 descriptor reads from memory, 2 buffer hits.
 */
static void test_small_trace_hand_count(void **state)
{
    char *csv;

    (void)state;
    assert_int_equal(proc_run(&pr, "run " D "small_trace.yaml --quiet --out %s/small",
                              tmp_dir()), 0);
    csv = slurp(tmp_path("small/stats.csv"), NULL);
    assert_non_null(csv);
    assert_non_null(strstr(csv, "\nsmmu.mdp0.ctx.mdp_port0_cb0.translations,5\n"));
    assert_non_null(strstr(csv, "\nsmmu.mdp0.ctx.mdp_port0_cb0.hits,2\n"));
    assert_non_null(strstr(csv, "\nsmmu.mdp0.ctx.mdp_port0_cb0.misses,3\n"));
    assert_non_null(strstr(csv, "\nsmmu.mdp0.ctx.mdp_port0_cb0.walks,3\n"));
    assert_non_null(strstr(csv, "\nsmmu.mdp0.ctx.mdp_port0_cb0.desc_reads,4\n"));
    assert_non_null(strstr(csv, "\nsmmu.mdp0.walker.desc_reads,4\n"));
    assert_non_null(strstr(csv, "\nsmmu.mdp0.walker.bfb_hits,2\n"));
    /*
     * The driver cleans what it writes into the non-cacheable table (the count of
     * test_driver_profiles.c): the first of the 256 page maps cleans the new 1 KiB L2
     * table (16 lines of 64 B) and its L1 entry (1 line), each of the other 255 the
     * line of its descriptor: 17 + 255 = 272 lines of 20 ns = 5.44 us.
     */
    assert_non_null(strstr(csv, "\nrun.driver.clean_ps,5440000\n"));
    assert_non_null(strstr(csv, "\nmaster.mdp0.bytes_read,256\n"));
    assert_non_null(strstr(csv, "\nmaster.mdp0.bytes_written,64\n"));
    free(csv);
}

/*
 * The same trace with display_read's page tables cacheable (the driver sets TTBR SH,
 * NOS, IRGN/ORGN WB-WA and msm-3.4 sets ACTLR.RC*SH): every walk reads the same L1
 * descriptor (VA[31:20] is the same for all four accesses), and the first walk's L2
 * line lands in the fetch buffer. Walk 1: L1 read misses the L2, line read misses
 * (2 misses); walks 2 and 3: the L1 read hits the L2 (2 hits) and the L2 descriptor is
 * in the buffer. L2: 4 lookups, 2 hits, 2 misses, 2 lines filled.
 */
static void test_small_trace_cacheable_tables(void **state)
{
    static const char *const rows[] = {
        "smmu.mdp0.walker.desc_reads,4", "smmu.mdp0.walker.bfb_hits,2",
        "smmu.mdp0.walker.l2_hits,2", "smmu.mdp0.walker.l2_misses,2",
        "l2.lookups,4", "l2.hits,2", "l2.misses,2", "l2.fills,2", "l2.evictions,0",
        "run.driver.clean_ps,0",    /* a cacheable table's updates need no clean */
    };
    char *csv;

    (void)state;
    assert_int_equal(proc_run(&pr, "run " D "small_trace.yaml --quiet --out %s/small_c "
                              "--set soc.domains.display_read.pt_cacheable=true",
                              tmp_dir()), 0);
    csv = slurp(tmp_path("small_c/stats.csv"), NULL);
    assert_non_null(csv);
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        char want[128];
        snprintf(want, sizeof(want), "\n%s\n", rows[i]);
        assert_non_null(strstr(csv, want));
    }
    free(csv);
}

/*
 * The same run's histograms.csv: master mdp0's translation latencies bucket by
 * bucket. The two hits take one TLB lookup, 1 cycle of mdp0's 200 MHz clock = 5000
 * ps; 5000 has its highest bit at 12, so its bucket is 64 ps wide, 4992..5055,
 * narrowed to the minimum 5000. Of the three misses, the first reads the L1
 * descriptor and the 64-byte line of its L2 descriptor (BFB is on under msm-3.4), the
 * other two find that line in the fetch buffer and read only their L1 descriptor:
 * those two take 86 ns, in the bucket 86016..87039 (highest bit 16, so 2^(16 - 6) =
 * 1024 ps wide, 86016 = 84 x 1024); the first is the maximum, alone in its bucket,
 * narrowed to it; its low bound is the maximum rounded down to the bucket width,
 * 2^(k - 6) for a highest bit k (docs/stats.md). Nothing else: 2 + 2 + 1 = the 5
 * translations.
 */
static void test_small_trace_histograms(void **state)
{
    char *hist, want[256];
    double max_ns = 0;
    uint64_t max_ps, width = 1;
    char *csv;
    const char *row;

    (void)state;
    assert_int_equal(proc_run(&pr, "run " D "small_trace.yaml --quiet --out %s/small_hist",
                              tmp_dir()), 0);
    csv = slurp(tmp_path("small_hist/stats.csv"), NULL);
    assert_non_null(csv);
    row = strstr(csv, "\nmaster.mdp0.translation_ns.max,");
    assert_non_null(row);
    max_ns = strtod(row + strlen("\nmaster.mdp0.translation_ns.max,"), NULL);
    free(csv);
    max_ps = (uint64_t)(max_ns * 1000.0 + 0.5);
    assert_true(max_ps > 128);
    while ((width << 7) <= max_ps)          /* width = 2^(k - 6), k the highest bit */
        width <<= 1;
    hist = slurp(tmp_path("small_hist/histograms.csv"), NULL);
    assert_non_null(hist);
    snprintf(want, sizeof(want), "name,low,high,count\n"
             "master.mdp0.translation_ps,5000,5055,2\n"
             "master.mdp0.translation_ps,86016,87039,2\n"
             "master.mdp0.translation_ps,%llu,%llu,1\n",
             (unsigned long long)(max_ps & ~(width - 1)), (unsigned long long)max_ps);
    assert_string_equal(hist, want);
    free(hist);
}

/* Every row ("\nNAME,VALUE\n") must be in the CSV file at path. */
static void expect_csv_rows(const char *path, const char *const *rows, size_t n)
{
    char *csv = slurp(path, NULL);

    assert_non_null(csv);
    for (size_t i = 0; i < n; i++)
        if (!strstr(csv, rows[i]))
            fail_msg("%s has no row %s", path, rows[i] + 1);
    free(csv);
}

/*
 * steps.yaml: fb (64 KiB, 16 pages of 4 KiB at IOVA 0x20000, the partition start)
 * in display_read, whose four mdp contexts share its one page table (msm-3.4: one
 * table per domain; its maps are counted on the first context, mdp_port0_cb0); one
 * read at 0, 2 and 4 us; unmapped at 1 us, mapped again at 3 us. Every map and unmap
 * of the buffer is a range (ion_map_iommu): one TLBIASID per attached context each,
 * at build, at 1 us and at 3 us = 3 TLBIASID per context and no TLBIVA.
 *   0 us  miss, walk L1 + L2 (2 reads), done
 *   1 us  unmap: 16 pages, the L2 table freed with its last page
 *   2 us  miss, walk reads L1 only (a fault entry): translation fault, terminated
 *   4 us  (mapped again at 3 us, new L2 table) miss, walk L1 + L2
 * = 3 translations, 3 misses, 3 walks, 5 descriptor reads, 1 fault, 128 bytes read,
 * 1 error; the functional mode gives the same counts.
 */
static void check_steps(const char *dir)
{
    char path[256];
    static const char *const expect_rows[] = {
        "\nsmmu.mdp0.ctx.mdp_port0_cb0.translations,3\n",
        "\nsmmu.mdp0.ctx.mdp_port0_cb0.misses,3\n",
        "\nsmmu.mdp0.ctx.mdp_port0_cb0.walks,3\n",
        "\nsmmu.mdp0.ctx.mdp_port0_cb0.desc_reads,5\n",
        "\nsmmu.mdp0.ctx.mdp_port0_cb0.faults_translation,1\n",
        "\nsmmu.mdp0.ctx.mdp_port0_cb0.terminated,1\n",
        "\ndriver.mdp_port0_cb0.unmaps_4k,16\n",
        "\ndriver.mdp_port0_cb0.maps_4k,32\n",
        "\ndriver.mdp_port0_cb0.tlbi_va,0\n",
        "\ndriver.mdp_port0_cb0.tlbi_asid,3\n",
        "\ndriver.mdp_port1_cb1.tlbi_asid,3\n",
        "\nrun.driver.profile,msm-3.4\n",
        "\nmaster.mdp0.bytes_read,128\n",
        "\nmaster.mdp0.errors,1\n",
        "\nbuffer.fb.display_read.iova,131072\n",
        "\nbuffer.fb.unmaps,1\n",
        "\nfaults.mdp0.logged,1\n",
        "\nfaults.mdp0.dropped,0\n",
        "\nfaults.mdp0.log.00,SMMU mdp0 ctx mdp_port0_cb0 [DMA Read] Request device mid 0 "
        "fault addr 0x00020000 reason: translation fault level 1; terminated\n",
    };

    snprintf(path, sizeof(path), "%s/stats.csv", dir);
    expect_csv_rows(path, expect_rows, sizeof(expect_rows) / sizeof(expect_rows[0]));
}

static void test_driver_steps(void **state)
{
    (void)state;
    assert_int_equal(proc_run(&pr, "run " D "steps.yaml --quiet --out %s/steps",
                              tmp_dir()), 0);
    check_steps(tmp_path("steps"));
    assert_int_equal(proc_run(&pr, "run " D "steps.yaml --quiet --mode functional --out "
                                   "%s/steps_f", tmp_dir()), 0);
    check_steps(tmp_path("steps_f"));
}

/*
 * The same steps under the lazy profile (a table per context, nothing on map): each
 * of the four contexts writes its own copy of fb's 16 pages twice, and the unmap at
 * 1 us costs 16 TLBIVA per context (<= 32 pages: by VA).
 * Timing on mdp0's configuration port (100 ns an access, 20 ns a cleaned line): each
 * context's unmap clears 16 PTEs and then the L1 entry of the freed L2 table, one
 * cleaned line each (17 x 20 ns = 340 ns), then writes its 16 TLBIVA. So cb0's arrive
 * at 1.0 + 0.34 + 0.1 k us (1.44 .. 2.94 us), cb1's at 2.94 + 0.34 + 0.1 k (3.38 ..
 * 4.88 us). Each keeps mdp0 busy 32 cycles at 200 MHz = 160 ns, longer than the
 * 100 ns between arrivals, so the periods run back to back from 1.44 us: cb0's end
 * at 1.44 + 16 x 0.16 = 4.0 us, cb1's (the first arrived at 3.38 < 4.0) at
 * 4.0 + 2.56 = 6.56 us. The read at 2 us waits 4.56 us; by 6.56 us fb is mapped
 * again (3 us) and cb0's TLBIVA removed the old entry, so it walks L1 + L2 and
 * succeeds. The third read (issued when the second completes: one outstanding)
 * hits. = 2 walks, 1 delayed translation, 4560000 ps of delay, 32 TLBIVA on mdp0;
 * busy 36 x 160 ns = 5760000 ps with the 2 GLOBAL_TLBIALL of bring-up (driver init,
 * then again under the profile) and the CTX_TLBIALL of each of the 2 attaches.
 */
static void test_driver_steps_lazy(void **state)
{
    static const char *const expect_rows[] = {
        "\nrun.driver.profile,lazy\n",
        "\nsmmu.mdp0.ctx.mdp_port0_cb0.walks,2\n",
        "\nsmmu.mdp0.ctx.mdp_port0_cb0.faults,0\n",
        "\nsmmu.mdp0.maint.tlbiva,32\n",
        "\nsmmu.mdp0.maint.delayed,1\n",
        "\nsmmu.mdp0.maint.delay_ps,4560000\n",
        "\nsmmu.mdp0.maint.busy_ps,5760000\n",
        "\ndriver.mdp_port0_cb0.unmaps_4k,16\n",
        "\ndriver.mdp_port0_cb0.maps_4k,32\n",
        "\ndriver.mdp_port1_cb1.maps_4k,32\n",
        "\ndriver.mdp_port0_cb0.tlbi_va,16\n",
        "\ndriver.mdp_port1_cb1.tlbi_va,16\n",
        "\ndriver.mdp_port0_cb0.tlbi_asid,0\n",
    };

    (void)state;
    assert_int_equal(proc_run(&pr, "run " D "steps.yaml --quiet --set driver.profile=lazy "
                                   "--out %s/steps_lazy", tmp_dir()), 0);
    expect_csv_rows(tmp_path("steps_lazy/stats.csv"), expect_rows,
                    sizeof(expect_rows) / sizeof(expect_rows[0]));
}

/*
 * concurrent needs about 42 MiB of buffers; with the pools cut to 256 MiB and 80% of
 * every pool taken (16M 6 of 8 blocks, 1M 51 of 64, 64K 409 of 512, 4K 6553 of 8192)
 * they run dry at cam2. The message names the buffer, the request and what was left;
 * the statistics say the run did not complete, and why.
 */
static void test_pools_exhausted(void **state)
{
    char *json;
    static const char msg[] =
        "configs/scenarios/concurrent.yaml:20:9: error: buffers.cam2: cannot allocate 3040K "
        "of physical memory: phys_alloc: cannot allocate 0x2f8000 bytes from 16M|1M|64K|4K "
        "blocks (0x2f8000 bytes could not be covered); free/total blocks: 16M 0/8, 1M 0/64, "
        "64K 0/512, 4K 0/8192 (0 bytes left in the pools)";

    (void)state;
    assert_int_equal(proc_run(&pr, "run configs/scenarios/concurrent.yaml --quiet "
                                   "--set memory.ram.size=256M --set memory.ram.fragmentation=0.8 "
                                   "--out %s/exhausted", tmp_dir()), 1);
    assert_true(strncmp(pr.err, msg, sizeof(msg) - 1) == 0);
    json = slurp(tmp_path("exhausted/stats.json"), NULL);
    assert_non_null(json);
    assert_non_null(strstr(json, "\"complete\": 0,\n"));
    assert_non_null(strstr(json, "\"error\": \"configs/scenarios/concurrent.yaml:20:9: error: "
                                 "buffers.cam2: cannot allocate 3040K"));
    free(json);
}

/*
 * stalled.yaml: vfe_misc's faults are never resumed. The first read of cam0 misses
 * and walks (L1 + L2: 2 descriptor reads) and completes; the read of unmapped
 * 0x40000000 walks (L1 only: a fault entry) and stalls; with one burst outstanding the
 * third never issues. The run ends with 1 burst done, 1 stalled, the context and the
 * master named, and run.complete 0.
 */
static void test_stall_nobody_resumes(void **state)
{
    char *csv;

    (void)state;
    assert_int_equal(proc_run(&pr, "run " D "stalled.yaml --out %s/stalled", tmp_dir()),
                     0);
    assert_non_null(strstr(pr.out, "\nstalled: SMMU vfe context vfe_misc is stalled (FSR.SS) and "
                                   "nobody resumed it; master cam waits with 1 bursts in "
                                   "flight;\n"));
    assert_non_null(strstr(pr.out, "(stopped: masters still wait but nothing is left to "
                                   "happen)"));
    assert_non_null(strstr(pr.out, "translation fault level 1; left stalled\n"));
    csv = slurp(tmp_path("stalled/stats.csv"), NULL);
    assert_non_null(csv);
    assert_non_null(strstr(csv, "\nrun.complete,0\n"));
    assert_non_null(strstr(csv, "\nrun.transactions,1\n"));
    assert_non_null(strstr(csv, "\nrun.stalled.vfe.vfe_misc.waiting_bursts,1\n"));
    assert_non_null(strstr(csv, "\nsmmu.vfe.ctx.vfe_misc.desc_reads,3\n"));
    assert_non_null(strstr(csv, "\nsmmu.vfe.ctx.vfe_misc.stalls,1\n"));
    assert_non_null(strstr(csv, "\nsmmu.vfe.ctx.vfe_misc.terminated,0\n"));
    free(csv);
}

/*
 * IOVA space exhausted: a 20 MiB frame does not fit in the video firmware partition
 * (128K .. 16M: 0xfe0000 bytes). The message names the buffer, the domain and the room
 * there was; the statistics say the run did not complete.
 */
static void test_iova_exhausted(void **state)
{
    char *json;

    (void)state;
    assert_int_equal(proc_run(&pr, "run configs/scenarios/video_playback_1080p30.yaml --quiet "
                                   "--set buffers.frame0.partition=video_firmware "
                                   "--set buffers.frame0.size=20M --out %s/iova",
                              tmp_dir()), 1);
    assert_string_equal(pr.err, "configs/scenarios/video_playback_1080p30.yaml:12:11: error: "
                                "buffers.frame0: cannot map into domain video: ion_map_iommu: "
                                "0x1400000 bytes do not fit in domain video partition 0 "
                                "(0xfe0000 bytes)\n");
    json = slurp(tmp_path("iova/stats.json"), NULL);
    assert_non_null(json);
    assert_non_null(strstr(json, "\"complete\": 0,\n"));
    free(json);
}

/* info lists what docs/hardware.md's table says: vcodec_a at 0x07A00000, IRQ 58, MIDs. */
static void test_info(void **state)
{
    (void)state;
    assert_int_equal(proc_run(&pr, "info configs/msm8960.yaml"), 0);
    assert_non_null(strstr(pr.out, "soc msm8960: 12 SMMUs, 7 domains\n"));
    assert_non_null(strstr(pr.out, "vcodec_a  0x07A00000    58     2 32/lru   vcodec_a_stream     "
                                   "0  2,5\n"));
    assert_non_null(strstr(pr.out, "                                         vcodec_a_mm1        "
                                   "1  0,1,6-15\n"));
    assert_non_null(strstr(pr.out, "mdp_port0_cb1       1  1,3-10\n"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_yaml_syntax),
        cmocka_unit_test(test_unknown_key),
        cmocka_unit_test(test_out_of_range),
        cmocka_unit_test(test_missing_files),
        cmocka_unit_test(test_malformed_trace_line),
        cmocka_unit_test(test_unknown_buffer_in_trace),
        cmocka_unit_test(test_usage_errors),
        cmocka_unit_test(test_small_trace_hand_count),
        cmocka_unit_test(test_small_trace_cacheable_tables),
        cmocka_unit_test(test_small_trace_histograms),
        cmocka_unit_test(test_driver_steps),
        cmocka_unit_test(test_driver_steps_lazy),
        cmocka_unit_test(test_pools_exhausted),
        cmocka_unit_test(test_iova_exhausted),
        cmocka_unit_test(test_stall_nobody_resumes),
        cmocka_unit_test(test_info),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
