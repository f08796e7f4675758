/*
 * test_scenarios.c - the shipped scenarios end to end, through the iommusim command.
 *
 * Runs build/iommusim (path in $IOMMUSIM) as a user would and checks:
 *   - every scenario in configs/scenarios/ (the six multimedia ones and the three
 *     security ones) runs and its stats.json equals the
 *     committed tests/golden/NAME.json byte for byte (regenerate them with
 *     tests/golden/update.sh after a deliberate model change, and say why in the
 *     commit);
 *   - the same seed gives identical bytes twice; another seed changes the results;
 *   - for one master with one outstanding request, timing and functional modes count
 *     the same TLB hits and misses;
 *   - the analytic display scan: a linear 1920x1080x4 frame costs 2025 walks in every
 *     frame with 4 KiB pages and a 32-entry TLB, and 8 walks in all with 1 MiB pages;
 *     under the fetch buffer its 4 KiB walks read 2025 + 127 descriptors a frame;
 *   - --set on SoC values and on every buffer at once.
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim/core/kernel.h"
#include "sim/scenario/soc.h"
#include "tests/lib/proc.h"

/* Each run's --out directory is TAG in the scratch directory (tests/lib/file.h). */
static struct proc pr;

/* `iommusim ARGS --out TMP/TAG`: the exit status. */
static int run(const char *tag, const char *args)
{
    return proc_run(&pr, "%s --out %s", args, tmp_path("%s", tag));
}

/* A statistic of the run written to TMP/TAG. */
static uint64_t stat_of(const char *tag, const char *name)
{
    return stats_u64(tmp_path("%s", tag), name);
}

static void assert_same_file(const char *a, const char *b)
{
    size_t la, lb;
    char *ta = slurp(a, &la), *tb = slurp(b, &lb);

    if (!ta || !tb)
        fail_msg("cannot read %s or %s", a, b);
    if (la != lb || memcmp(ta, tb, la))
        fail_msg("%s differs from %s", a, b);
    free(ta);
    free(tb);
}

/* ---- Golden files ------------------------------------------------------------------------ */

static void golden(const char *name)
{
    char args[1024], gold[512];

    snprintf(args, sizeof(args), "run configs/scenarios/%s.yaml --quiet", name);
    assert_int_equal(run(name, args), 0);
    snprintf(gold, sizeof(gold), "tests/golden/%s.json", name);
    assert_same_file(tmp_path("%s/stats.json", name), gold);
}

static void test_golden_video_playback(void **state) { (void)state; golden("video_playback_1080p30"); }
static void test_golden_camera_record(void **state) { (void)state; golden("camera_record_1080p30"); }
static void test_golden_rotate_90(void **state) { (void)state; golden("rotate_90_1080p"); }
static void test_golden_jpeg_snapshot(void **state) { (void)state; golden("jpeg_snapshot_8mp"); }
static void test_golden_gpu2d_blit(void **state) { (void)state; golden("gpu2d_blit"); }
static void test_golden_concurrent(void **state) { (void)state; golden("concurrent"); }
static void test_golden_security_rogue(void **state)
{
    (void)state;
    golden("security_rogue_camera");
}
static void test_golden_security_permissions(void **state)
{
    (void)state;
    golden("security_permissions");
}
static void test_golden_security_secure_playback(void **state)
{
    (void)state;
    golden("security_secure_playback");
}

/* ---- Determinism --------------------------------------------------------------------------- */

static void test_same_seed_same_bytes(void **state)
{
    (void)state;
    assert_int_equal(run("seed7a",
                         "run configs/scenarios/video_playback_1080p30.yaml --quiet --seed 7 "
                         "--set masters.vdec.generator.frames=1"), 0);
    assert_int_equal(run("seed7b",
                         "run configs/scenarios/video_playback_1080p30.yaml --quiet --seed 7 "
                         "--set masters.vdec.generator.frames=1"), 0);
    assert_same_file(tmp_path("seed7a/stats.json"), tmp_path("seed7b/stats.json"));
    assert_same_file(tmp_path("seed7a/stats.csv"), tmp_path("seed7b/stats.csv"));
}

/*
 * Frame 1 of the decode reads its reference displaced by random motion vectors, so
 * another seed gives other reference pages: the vdec context's TLB misses change.
 */
static void test_other_seed_other_results(void **state)
{
    (void)state;
    assert_int_equal(run("seed8",
                         "run configs/scenarios/video_playback_1080p30.yaml --quiet --seed 8 "
                         "--set masters.vdec.generator.frames=2 "
                         "--set masters.mdp0.generator.frames=1"), 0);
    assert_int_equal(run("seed9",
                         "run configs/scenarios/video_playback_1080p30.yaml --quiet --seed 9 "
                         "--set masters.vdec.generator.frames=2 "
                         "--set masters.mdp0.generator.frames=1"), 0);
    assert_true(stat_of("seed8", "smmu.vcodec_a.ctx.vcodec_a_mm1.misses") !=
                stat_of("seed9", "smmu.vcodec_a.ctx.vcodec_a_mm1.misses"));
}

/* ---- Timing and functional modes ------------------------------------------------------------ */

/*
 * With one outstanding request the timing model looks the TLB up in trace order, as
 * the functional mode does, so hits and misses must be equal (docs/timing.md). The
 * descriptor fetch buffer belongs to the timed walker only (docs/walker.md), so it is
 * turned off for the descriptor reads to agree too.
 */
static void test_modes_agree_with_one_outstanding(void **state)
{
    static const char *const names[] = {
        "smmu.rot.ctx.rot_src.translations", "smmu.rot.ctx.rot_src.hits",
        "smmu.rot.ctx.rot_src.misses", "smmu.rot.ctx.rot_src.walks",
        "smmu.rot.ctx.rot_src.desc_reads", "smmu.rot.tlb.evictions",
    };
    (void)state;
    assert_int_equal(run("mode_t",
                         "run configs/scenarios/rotate_90_1080p.yaml --quiet --mode timing "
                         "--set masters.rot.outstanding=1 --set masters.rot.generator.frames=1 "
                         "--set buffers.*.policy=4k --set soc.driver.bfb=false"), 0);
    assert_int_equal(run("mode_f",
                         "run configs/scenarios/rotate_90_1080p.yaml --quiet --mode functional "
                         "--set masters.rot.outstanding=1 --set masters.rot.generator.frames=1 "
                         "--set buffers.*.policy=4k --set soc.driver.bfb=false"), 0);
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        assert_int_equal(stat_of("mode_t", names[i]), stat_of("mode_f", names[i]));
    /* One 1088x1920 frame read in 16x16 tiles: 8160 tiles x 16 rows, every 32-byte row
     * one burst; written as 16 rows of 32 bytes per tile: 2 x 130560 bursts. */
    assert_int_equal(stat_of("mode_t", "smmu.rot.ctx.rot_src.translations"), 261120);
}

/* ---- The analytic display scan --------------------------------------------------------------- */

/*
 * tests/data/scenarios/display_scan.yaml: one display master reading a linear
 * 1920x1080x4 frame (8294400 bytes = 2025 pages of 4 KiB exactly) from an 8 MiB
 * buffer at a 1 MiB-aligned IOVA, nothing else on its SMMU. With 4 KiB pages the
 * 2025 pages cycle through a 32-entry LRU TLB: every page is walked once per frame
 * and evicted before the next frame reaches it again. With 1 MiB pages the frame
 * spans 8 sections (8294400 / 2^20 = 7.9): 8 walks in the first frame, after which
 * the 8 entries stay in the TLB.
 */
static void display_scan(const char *policy, unsigned frames, uint64_t walks)
{
    char args[1024], tag[64];

    snprintf(tag, sizeof(tag), "scan_%s_%u", policy, frames);
    snprintf(args, sizeof(args), "run tests/data/scenarios/display_scan.yaml --quiet "
             "--set buffers.fb.policy=%s --set masters.mdp0.generator.frames=%u",
             policy, frames);
    assert_int_equal(run(tag, args), 0);
    assert_int_equal(stat_of(tag, "smmu.mdp0.walker.walks"), walks);
    assert_int_equal(stat_of(tag, "smmu.mdp0.ctx.mdp_port0_cb0.walks"), walks);
    assert_int_equal(stat_of(tag, "master.mdp0.bytes_read"), 8294400ull * frames);
}

static void test_display_scan_4k_pages(void **state)
{
    (void)state;
    display_scan("4k", 1, 2025);
    display_scan("4k", 2, 4050);
    display_scan("4k", 3, 6075);
}

/*
 * The same scan with 4 KiB pages under the fetch buffer (docs/walker.md). Every walk
 * reads its L1 descriptor; its L2 descriptor comes in 64-byte lines of 16, so the
 * 2025 pages of a frame (from page 0 of an L2 table: the IOVA is 1 MiB aligned) read
 * ceil(2025 / 16) = 127 lines and take the other 1898 descriptors from the buffer:
 * 2025 + 127 = 2152 reads a frame. The buffer keeps the last 16 lines, so the second
 * frame finds page 0's line gone and reads its 127 lines again: 4304 for two. With
 * BFBDFE clear (driver.bfb: false) every walk reads two words: 4050 and 8100.
 */
static void display_scan_bfb(bool bfb, unsigned frames, uint64_t reads, uint64_t hits)
{
    char args[1024], tag[64];

    snprintf(tag, sizeof(tag), "scan_bfb%d_%u", bfb, frames);
    snprintf(args, sizeof(args), "run tests/data/scenarios/display_scan.yaml --quiet "
             "--set buffers.fb.policy=4k --set masters.mdp0.generator.frames=%u "
             "--set soc.driver.bfb=%s", frames, bfb ? "true" : "false");
    assert_int_equal(run(tag, args), 0);
    assert_int_equal(stat_of(tag, "smmu.mdp0.walker.walks"), 2025ull * frames);
    assert_int_equal(stat_of(tag, "smmu.mdp0.walker.desc_reads"), reads);
    assert_int_equal(stat_of(tag, "smmu.mdp0.walker.bfb_hits"), hits);
    assert_int_equal(stat_of(tag, "smmu.mdp0.ctx.mdp_port0_cb0.desc_reads"), reads);
}

static void test_display_scan_fetch_buffer(void **state)
{
    (void)state;
    display_scan_bfb(true, 1, 2152, 1898);
    display_scan_bfb(true, 2, 4304, 3796);
    display_scan_bfb(false, 1, 4050, 0);
    display_scan_bfb(false, 2, 8100, 0);
}

static void test_display_scan_1m_pages(void **state)
{
    (void)state;
    display_scan("1m", 1, 8);
    display_scan("1m", 3, 8);
}

/*
 * tests/data/scenarios/remap_during_scan.yaml: the 1 MiB display scan above for three
 * frames (8 walks alone), and ui mapped into the same domain at 20 ms, inside the
 * second frame (frames start every 16.67 ms). msm-3.4 ends the map_range with one
 * TLBIASID per attached context, and the display's contexts share the domain's ASID:
 * the 8 sections leave mdp0's TLB and each is walked once more, the ones after the
 * scan position in frame 2, the others in frame 3: 16 walks. mdp_port0_cb0 got a
 * TLBIASID for fb's map at build and one for ui's. Under lazy the map writes nothing
 * to the TLB: 8 walks.
 *
 * The driver's time in that step (run.driver.steps_ps): ui's one 64K page goes into a
 * new 1 MiB region, so its table write is a fresh L2 table (1 KiB: 16 lines of 64 B,
 * its 16 descriptors among them) and the L1 entry (1 line), each line cleaned in
 * 20 ns. msm-3.4: the display_read domain's one table (17 lines, 340 ns) and a
 * TLBIASID to each of its 4 contexts over the 100 ns port (400 ns): 740 ns. lazy:
 * every context has its own table, 4 x 17 lines (1360 ns), and no TLB write.
 */
static void remap_during_scan(const char *profile, uint64_t walks, uint64_t tlbi_asid,
                              uint64_t steps_ps)
{
    char args[1024], tag[64];

    snprintf(tag, sizeof(tag), "remap_%s", profile);
    snprintf(args, sizeof(args), "run tests/data/scenarios/remap_during_scan.yaml --quiet "
             "--set driver.profile=%s", profile);
    assert_int_equal(run(tag, args), 0);
    assert_int_equal(stat_of(tag, "smmu.mdp0.ctx.mdp_port0_cb0.walks"), walks);
    assert_int_equal(stat_of(tag, "driver.mdp_port0_cb0.tlbi_asid"), tlbi_asid);
    assert_int_equal(stat_of(tag, "buffer.ui.maps"), 1);
    assert_int_equal(stat_of(tag, "run.driver.steps_ps"), steps_ps);
    assert_int_equal(stat_of(tag, "master.mdp0.bytes_read"), 8294400ull * 3);
}

static void test_remap_during_scan(void **state)
{
    (void)state;
    remap_during_scan("msm-3.4", 16, 2, 740000);
    remap_during_scan("lazy", 8, 0, 1360000);
}

/*
 * Cacheable tables on every domain (MSM_IOMMU_DOMAIN_PT_CACHEABLE): the domains with two
 * contexts share one table under msm-3.4, so the second attaches to a table already
 * cacheable and active. No table write then needs a clean (clean_pte is skipped for
 * cacheable tables), so the driver spends no time in cleans; with the default
 * non-cacheable tables it does.
 */
static void test_every_domain_cacheable(void **state)
{
    (void)state;
    assert_int_equal(run("cacheable", "run configs/scenarios/video_playback_1080p30.yaml "
                         "--quiet --set domains.*.pt_cacheable=true"), 0);
    assert_int_equal(stat_of("cacheable", "run.driver.clean_ps"), 0);
    assert_int_equal(run("noncacheable", "run configs/scenarios/video_playback_1080p30.yaml "
                         "--quiet"), 0);
    assert_true(stat_of("noncacheable", "run.driver.clean_ps") > 0);
}

/* ---- Overrides ------------------------------------------------------------------------------- */

static void test_set_soc_value_and_every_buffer(void **state)
{
    char *out;

    (void)state;
    assert_int_equal(run("set", "run configs/scenarios/rotate_90_1080p.yaml --quiet "
                         "--set smmus.rot.tlb.entries=64 --set buffers.*.policy=4k "
                         "--set masters.rot.generator.frames=1"), 0);
    out = slurp(tmp_path("set/stats.json"), NULL);
    assert_non_null(out);
    /* Both rotator buffers report the 4k policy, and the 4 MiB of each (1920x1088x2
     * = 4177920 bytes, 1020 pages) are mapped with 1020 4 KiB pages. */
    assert_non_null(strstr(out, "\"rot_in\": {\n      \"size\": 4177920,\n      \"policy\": \"4k\""));
    assert_non_null(strstr(out, "\"rot_out\": {\n      \"size\": 4177920,\n      \"policy\": \"4k\""));
    assert_int_equal(stat_of("set", "buffer.rot_in.rotator_src.pages_4k"), 1020);
    free(out);
}

/*
 * soc_run runs the kernel with a quantum of its own (soc.c) and gives the caller's
 * back; here the run is cut at its duration, with work still pending.
 */
static void test_run_gives_back_the_quantum(void **state)
{
    static const char *const sets[] = { "duration=20us" };
    struct scenario_overrides ov = { .sets = sets, .nsets = 1, .mode = -1 };
    struct config_err cerr = { 0 };
    char err[SOC_ERR_MAX] = "";
    struct scenario *scn = scenario_load("configs/scenarios/gpu2d_blit.yaml", &ov, &cerr);
    struct soc *s;

    (void)state;
    assert_non_null(scn);
    s = soc_build(scn, err, sizeof(err));
    assert_non_null(s);
    sim_set_quantum(7 * SIM_NS);
    assert_int_equal(soc_run(s, err, sizeof(err)), 0);
    assert_int_equal(sim_quantum(), 7 * SIM_NS);
    soc_free(s);
    scenario_free(scn);
    sim_set_quantum(SIM_QUANTUM_DEFAULT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden_video_playback),
        cmocka_unit_test(test_golden_camera_record),
        cmocka_unit_test(test_golden_rotate_90),
        cmocka_unit_test(test_golden_jpeg_snapshot),
        cmocka_unit_test(test_golden_gpu2d_blit),
        cmocka_unit_test(test_golden_concurrent),
        cmocka_unit_test(test_golden_security_rogue),
        cmocka_unit_test(test_golden_security_permissions),
        cmocka_unit_test(test_golden_security_secure_playback),
        cmocka_unit_test(test_same_seed_same_bytes),
        cmocka_unit_test(test_other_seed_other_results),
        cmocka_unit_test(test_modes_agree_with_one_outstanding),
        cmocka_unit_test(test_display_scan_4k_pages),
        cmocka_unit_test(test_display_scan_1m_pages),
        cmocka_unit_test(test_display_scan_fetch_buffer),
        cmocka_unit_test(test_remap_during_scan),
        cmocka_unit_test(test_set_soc_value_and_every_buffer),
        cmocka_unit_test(test_every_domain_cacheable),
        cmocka_unit_test(test_run_gives_back_the_quantum),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
