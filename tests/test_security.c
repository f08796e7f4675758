/*
 * test_security.c - isolation, shown by the security scenarios (configs/scenarios/
 * security_*.yaml) through the iommusim command.
 *
 * Every expected count is worked out by hand from the scenario, the partition starts
 * of configs/msm8960.yaml (every non-video partition starts at 128K, so the first
 * buffer of 1 MiB or more of a domain lands at IOVA 0x100000, the first 1 MiB-aligned
 * address) and the architecture's rules. The isolation check (docs/security.md)
 * follows each burst of a checked master to its physical address and compares the
 * other domains' memory, filled with a pattern at the start, with a snapshot.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/lib/proc.h"

/* Runs are tests/lib/proc.h's; each writes its statistics to a directory TAG of the
 * scratch directory. */
static struct proc pr;

/* `iommusim ARGS --quiet --out TMP/TAG`: the exit status. */
static int run(const char *args, const char *tag)
{
    return proc_run(&pr, "%s --quiet --out %s", args, tmp_path("%s", tag));
}

static uint64_t stat_u64(const char *tag, const char *name)
{
    return stats_u64(tmp_path("%s", tag), name);
}

/*
 * The rogue camera sweeps 4 GiB every 64 KiB (65536 addresses), a read then a write
 * at each: 131072 bursts. Its own buffer cam0 (1 MiB at IOVA 0x100000) holds 16 of
 * the addresses: 32 bursts translate, 131040 take translation faults (level 1: the
 * rest of the L1 table is empty). The three other buffers (2M + 2M + 1M) and the
 * page tables are unchanged, and no burst reached memory outside cam0.
 */
static void test_rogue_camera(void **state)
{
    const char *d = "rogue";

    (void)state;
    assert_int_equal(run("run configs/scenarios/security_rogue_camera.yaml", d), 0);
    assert_int_equal(stat_u64(d, "smmu.vfe.ctx.vfe_misc.translations"), 131072);
    assert_int_equal(stat_u64(d, "smmu.vfe.ctx.vfe_misc.faults_translation"), 131040);
    assert_int_equal(stat_u64(d, "smmu.vfe.ctx.vfe_misc.faults_permission"), 0);
    assert_int_equal(stat_u64(d, "master.rogue.errors"), 131040);
    assert_int_equal(stat_u64(d, "master.rogue.bytes_read"), 16 * 64);
    assert_int_equal(stat_u64(d, "master.rogue.bytes_written"), 16 * 64);
    assert_int_equal(stat_u64(d, "master.rogue.isolation.checked"), 32);
    assert_int_equal(stat_u64(d, "master.rogue.isolation.foreign_reads"), 0);
    assert_int_equal(stat_u64(d, "master.rogue.isolation.foreign_writes"), 0);
    assert_int_equal(stat_u64(d, "isolation.victim_buffers"), 3);
    assert_int_equal(stat_u64(d, "isolation.victim_bytes"), 5u << 20);
    assert_int_equal(stat_u64(d, "isolation.victims_changed"), 0);
    assert_int_equal(stat_u64(d, "isolation.page_tables_changed"), 0);
    /* The fault storm keeps a bounded log: the first 64 faults the driver saw. */
    assert_int_equal(stat_u64(d, "faults.vfe.logged"), 64);
    assert_true(stat_u64(d, "faults.vfe.dropped") > 0);
}

/*
 * The same sweep with the SMMU left in global bypass (CR.CLIENTPD) and a 1 MiB
 * stride: 4096 addresses, 8192 bursts, all bypassed, none translated or faulted.
 * Exactly one address (cam0's 1 MiB-aligned block base) is inside cam0's memory, so
 * 4095 reads and 4095 writes land elsewhere; every victim buffer (1 MiB-aligned
 * blocks) and the page-table region take writes. The checks must see all of it.
 */
static void test_bypass_is_caught(void **state)
{
    const char *d = "bypass";

    (void)state;
    assert_int_equal(run("run configs/scenarios/security_rogue_camera.yaml "
                         "--set smmus.vfe.bypass=true --set masters.rogue.generator.stride=1M",
                         d), 0);
    assert_int_equal(stat_u64(d, "smmu.vfe.ctx.vfe_misc.bypassed"), 8192);
    assert_int_equal(stat_u64(d, "smmu.vfe.ctx.vfe_misc.translations"), 0);
    assert_int_equal(stat_u64(d, "master.rogue.isolation.foreign_reads"), 4095);
    assert_int_equal(stat_u64(d, "master.rogue.isolation.foreign_writes"), 4095);
    assert_int_equal(stat_u64(d, "isolation.victims_changed"), 3);
    assert_int_equal(stat_u64(d, "isolation.page_tables_changed"), 1);
}

/*
 * A 64x16 rectangle of 256-byte rows (4 bursts each): 64 read and 64 write bursts per
 * master. priv_buf is privileged-only, ro_buf read-only. `user` (unprivileged):
 * 64 + 64 permission faults, nothing moved. `kernel` (privileged): its 64 reads move
 * 4096 bytes; its 64 writes fault.
 */
static void test_permissions(void **state)
{
    const char *d = "perm";

    (void)state;
    assert_int_equal(run("run configs/scenarios/security_permissions.yaml", d), 0);
    assert_int_equal(stat_u64(d, "smmu.vfe.ctx.vfe_imgwr.faults_permission"), 128);
    assert_int_equal(stat_u64(d, "smmu.vfe.ctx.vfe_imgwr.faults_translation"), 0);
    assert_int_equal(stat_u64(d, "smmu.vfe.ctx.vfe_misc.faults_permission"), 64);
    assert_int_equal(stat_u64(d, "master.user.bytes_read"), 0);
    assert_int_equal(stat_u64(d, "master.user.errors"), 128);
    assert_int_equal(stat_u64(d, "master.kernel.bytes_read"), 4096);
    assert_int_equal(stat_u64(d, "master.kernel.bytes_written"), 0);
    assert_int_equal(stat_u64(d, "master.kernel.errors"), 64);
    assert_int_equal(stat_u64(d, "master.kernel.isolation.foreign_reads"), 0);
    assert_int_equal(stat_u64(d, "isolation.victims_changed"), 0);
}

/*
 * Secure playback: secure_fb (display_write, mdp0 bank 1) and ns_fb (display_read,
 * mdp0 bank 0) are both at IOVA 0x100000, and both banks share mdp0's TLB. The
 * non-secure sweep (65536 reads) succeeds only inside ns_fb: 2 MiB / 64 KiB = 32
 * reads, 65504 faults; none of its reads reach secure_fb's memory although the
 * protected scan-out (4 frames of 512x256x4 = 2 MiB) keeps that buffer's translations
 * in the shared TLB.
 */
static void test_secure_playback(void **state)
{
    const char *d = "secure";

    (void)state;
    assert_int_equal(run("run configs/scenarios/security_secure_playback.yaml", d), 0);
    assert_int_equal(stat_u64(d, "buffer.secure_fb.display_write.iova"), 0x100000);
    assert_int_equal(stat_u64(d, "buffer.ns_fb.display_read.iova"), 0x100000);
    assert_int_equal(stat_u64(d, "master.protected.bytes_read"), 2u << 20);
    assert_int_equal(stat_u64(d, "smmu.mdp0.ctx.mdp_port0_cb0.faults_translation"), 65504);
    assert_int_equal(stat_u64(d, "master.rogue.bytes_read"), 32 * 64);
    assert_int_equal(stat_u64(d, "master.rogue.isolation.foreign_reads"), 0);
    assert_int_equal(stat_u64(d, "isolation.victim_buffers"), 1);
    assert_int_equal(stat_u64(d, "isolation.victims_changed"), 0);
}

/* The functional mode gives the same isolation verdicts and fault counts. */
static void test_functional_mode_agrees(void **state)
{
    const char *d = "rogue_f";

    (void)state;
    assert_int_equal(run("run configs/scenarios/security_rogue_camera.yaml --mode functional",
                         d), 0);
    assert_int_equal(stat_u64(d, "smmu.vfe.ctx.vfe_misc.faults_translation"), 131040);
    assert_int_equal(stat_u64(d, "master.rogue.isolation.checked"), 32);
    assert_int_equal(stat_u64(d, "master.rogue.isolation.foreign_writes"), 0);
    assert_int_equal(stat_u64(d, "isolation.victims_changed"), 0);
}

/* Runs `iommusim ARGS` and returns its peak resident memory in KiB (exit must be 0). */
static long run_rss(const char *args, const char *tag)
{
    assert_int_equal(run(args, tag), 0);
    return pr.max_rss_kib;
}

/*
 * A fault storm: the sweep at a 4 KiB stride is 2^20 addresses, 2^21 bursts; cam0's
 * 256 pages take 512 of them, the other 2,096,640 fault. The counts are exact, the
 * driver's log stays at 64 lines with the rest counted as dropped, and the peak memory
 * is within 4 MiB of the 64 KiB-stride sweep's, which faults 16 times less: nothing
 * grows with the number of faults.
 */
static void test_fault_storm(void **state)
{
    const char *big = "storm", *small = "storm_small";
    long rss_small, rss_big;

    (void)state;
    rss_small = run_rss("run configs/scenarios/security_rogue_camera.yaml", small);
    rss_big = run_rss("run configs/scenarios/security_rogue_camera.yaml "
                      "--set masters.rogue.generator.stride=4K", big);
    assert_int_equal(stat_u64(big, "smmu.vfe.ctx.vfe_misc.translations"), 2097152);
    assert_int_equal(stat_u64(big, "smmu.vfe.ctx.vfe_misc.faults_translation"), 2096640);
    assert_int_equal(stat_u64(big, "master.rogue.errors"), 2096640);
    assert_int_equal(stat_u64(big, "master.rogue.isolation.checked"), 512);
    assert_int_equal(stat_u64(big, "faults.vfe.logged"), 64);
    assert_int_equal(stat_u64(big, "isolation.victims_changed"), 0);
    if (rss_big > rss_small + 4096)
        fail_msg("peak memory grew from %ld KiB to %ld KiB with 16 times the faults",
                 rss_small, rss_big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rogue_camera),
        cmocka_unit_test(test_bypass_is_caught),
        cmocka_unit_test(test_permissions),
        cmocka_unit_test(test_secure_playback),
        cmocka_unit_test(test_functional_mode_agrees),
        cmocka_unit_test(test_fault_storm),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
