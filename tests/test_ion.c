/*
 * test_ion.c - the MSM8960 IOMMU domains, partitions and ion_map_iommu (vcm/ion.c).
 *
 * Partition ranges and attachments are checked against the msm8960 kernel's values
 * (docs/hardware.md "Domains and partitions", seeds/001); mapped IOVAs are derived by hand
 * from the partition starts and the VCM's alignment rule, and every mapping is
 * checked through the SMMU models of the contexts attached to the domain.
 *
 * Physical layout (tests/lib/platform.h; docs/allocators.md, default shares of 64 MiB
 * at 0x80000000):
 * 1M blocks from 0x82000000, 64K blocks from 0x83000000, 4K blocks from 0x83800000.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "models/physmem.h"
#include "models/pte.h"
#include "models/smmu.h"
#include "models/smmu_regs.h"
#include "tests/lib/platform.h"
#include "vcm/ion.h"
#include "vcm/msm8960.h"
#include "vcm/phys_pool.h"
#include "vcm/smmu_driver.h"
#include "vcm/vcm.h"

#define SZ_128K     0x20000u
#define SZ_256M     0x10000000u
#define SZ_2G       0x80000000ull

/* The platform of tests/lib/platform.h, and the ION layer on it. */
struct fx {
    struct test_platform tp;
    struct ion_iommu *ion;
};

static int setup_bare(void **state)
{
    static struct fx f;
    char err[256];

    memset(&f, 0, sizeof(f));
    if (test_platform_init(&f.tp, VCM_MAP_BEST, err, sizeof(err)))
        fail_msg("%s", err);
    *state = &f;
    return 0;
}

static int setup(void **state)
{
    struct fx *f;
    char err[256];

    setup_bare(state);
    f = *state;
    f->ion = ion_iommu_new(f->tp.p, NULL, err, sizeof(err));
    assert_non_null(f->ion);
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;

    ion_iommu_free(f->ion);
    test_platform_fini(&f->tp);
    return 0;
}

/* A functional device access of the given kind (ACCESS_* of models/pte.h). */
static enum smmu_status dev_access_as(struct fx *f, unsigned smmu, unsigned mid, uint32_t iova,
                                      bool write, bool priv, uint32_t *fsr)
{
    struct smmu_txn t;
    enum smmu_status st = test_platform_access(&f->tp, smmu, mid, iova,
                                               (write ? ACCESS_WRITE : 0) |
                                               (priv ? ACCESS_PRIV : 0), &t);

    *fsr = t.fsr;
    return st;
}

/* A user read. */
static enum smmu_status dev_access(struct fx *f, unsigned smmu, unsigned mid, uint32_t iova,
                                   uint32_t *pa)
{
    struct smmu_txn t;
    enum smmu_status st = test_platform_access(&f->tp, smmu, mid, iova, 0, &t);

    *pa = t.pa;
    return st;
}

static struct vcm_dev *dev_named(struct fx *f, int domain, const char *name)
{
    for (unsigned i = 0; i < ion_domain_num_devs(f->ion, domain); i++) {
        struct vcm_dev *d = ion_domain_dev(f->ion, domain, i);
        if (!strcmp(vcm_dev_name(d), name))
            return d;
    }
    return NULL;
}

/* ---- Partitions -------------------------------------------------------------------------- */

static void test_partitions(void **state)
{
    struct fx *f = *state;
    static const struct {
        int domain, part;
        uint64_t start, end;
    } want[] = {
        { VIDEO_DOMAIN, VIDEO_FIRMWARE_POOL, SZ_128K, SZ_16M },
        { VIDEO_DOMAIN, VIDEO_MAIN_POOL, SZ_16M, SZ_256M },
        { VIDEO_DOMAIN, GEN_POOL, SZ_256M, SZ_2G },
        { CAMERA_DOMAIN, GEN_POOL, SZ_128K, SZ_2G },
        { DISPLAY_READ_DOMAIN, GEN_POOL, SZ_128K, SZ_2G },
        { DISPLAY_WRITE_DOMAIN, GEN_POOL, SZ_128K, SZ_2G },
        { ROTATOR_SRC_DOMAIN, GEN_POOL, SZ_128K, SZ_2G },
        { ROTATOR_DST_DOMAIN, GEN_POOL, SZ_128K, SZ_2G },
    };

    for (unsigned i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        struct vcm *v = ion_domain_vcm(f->ion, want[i].domain, want[i].part);
        assert_non_null(v);
        assert_int_equal(vcm_get_type(v), VCM_TYPE_IOMMU);
        assert_int_equal(vcm_get_start_addr(v), want[i].start);
        assert_int_equal(vcm_get_start_addr(v) + vcm_get_len(v), want[i].end);
    }
    /* Only VIDEO has the firmware and main pools. */
    for (int d = CAMERA_DOMAIN; d < MAX_DOMAINS; d++) {
        assert_null(ion_domain_vcm(f->ion, d, VIDEO_FIRMWARE_POOL));
        assert_null(ion_domain_vcm(f->ion, d, VIDEO_MAIN_POOL));
    }
    assert_null(ion_domain_vcm(f->ion, MAX_DOMAINS, GEN_POOL));
}

/* ---- Attachments ---------------------------------------------------------------------------- */

static void test_attachments(void **state)
{
    struct fx *f = *state;

    /* Counts per domain from the table: 3 video, 8 camera, 4 mdp (unsplit), 2 rot. */
    assert_int_equal(ion_domain_num_devs(f->ion, VIDEO_DOMAIN), 3);
    assert_int_equal(ion_domain_num_devs(f->ion, CAMERA_DOMAIN), 8);
    assert_int_equal(ion_domain_num_devs(f->ion, DISPLAY_READ_DOMAIN), 4);
    assert_int_equal(ion_domain_num_devs(f->ion, DISPLAY_WRITE_DOMAIN), 0);
    assert_int_equal(ion_domain_num_devs(f->ion, ROTATOR_SRC_DOMAIN), 2);
    assert_int_equal(ion_domain_num_devs(f->ion, ROTATOR_DST_DOMAIN), 0);
    assert_string_equal(vcm_dev_name(ion_domain_dev(f->ion, VIDEO_DOMAIN, 0)), "vcodec_a_stream");

    assert_int_equal(ion_ctx_domain(f->ion, "vcodec_b_mm2"), VIDEO_DOMAIN);
    assert_int_equal(ion_ctx_domain(f->ion, "vfe_imgwr"), CAMERA_DOMAIN);
    assert_int_equal(ion_ctx_domain(f->ion, "jpegd_dst"), CAMERA_DOMAIN);
    assert_int_equal(ion_ctx_domain(f->ion, "rot_dst"), ROTATOR_SRC_DOMAIN);
    assert_int_equal(ion_ctx_domain(f->ion, "mdp_port1_cb1"), DISPLAY_READ_DOMAIN);
    assert_int_equal(ion_ctx_domain(f->ion, "gfx3d_user"), -ENOENT);

    /* Every attached context is active (programmed and routing its MIDs). */
    for (int d = 0; d < MAX_DOMAINS; d++)
        for (unsigned i = 0; i < ion_domain_num_devs(f->ion, d); i++)
            assert_int_equal(smmu_is_active(vcm_dev_smmu(ion_domain_dev(f->ion, d, i))), 1);

    /* Split mode: the cb1 contexts move to DISPLAY_WRITE. */
    char err[256];
    ion_iommu_free(f->ion);
    struct ion_iommu_cfg cfg = { .display_split = true };
    f->ion = ion_iommu_new(f->tp.p, &cfg, err, sizeof(err));
    assert_non_null(f->ion);
    assert_int_equal(ion_domain_num_devs(f->ion, DISPLAY_READ_DOMAIN), 2);
    assert_int_equal(ion_domain_num_devs(f->ion, DISPLAY_WRITE_DOMAIN), 2);
    assert_int_equal(ion_ctx_domain(f->ion, "mdp_port0_cb1"), DISPLAY_WRITE_DOMAIN);
    assert_int_equal(ion_ctx_domain(f->ion, "mdp_port0_cb0"), DISPLAY_READ_DOMAIN);
}

/* The attachment table is data: another table gives another topology. */
static void test_custom_table(void **state)
{
    struct fx *f = *state;
    char err[256];
    static const struct ion_attach mine[] = {
        { "gfx2d0_2d0", CAMERA_DOMAIN, ION_ATTACH_ALWAYS },
        { "vcodec_a_mm1", ROTATOR_DST_DOMAIN, ION_ATTACH_ALWAYS },
    };
    struct ion_iommu_cfg cfg = { .attach = mine, .nattach = 2 };

    f->ion = ion_iommu_new(f->tp.p, &cfg, err, sizeof(err));
    assert_non_null(f->ion);
    assert_int_equal(ion_domain_num_devs(f->ion, VIDEO_DOMAIN), 0);
    assert_int_equal(ion_ctx_domain(f->ion, "gfx2d0_2d0"), CAMERA_DOMAIN);
    assert_int_equal(ion_ctx_domain(f->ion, "vcodec_a_mm1"), ROTATOR_DST_DOMAIN);
    ion_iommu_free(f->ion);

    static const struct ion_attach twice[] = {
        { "rot_src", CAMERA_DOMAIN, ION_ATTACH_ALWAYS },
        { "rot_src", VIDEO_DOMAIN, ION_ATTACH_ALWAYS },
    };
    struct ion_iommu_cfg bad = { .attach = twice, .nattach = 2 };
    f->ion = ion_iommu_new(f->tp.p, &bad, err, sizeof(err));
    assert_null(f->ion);
    assert_non_null(strstr(err, "rot_src"));

    static const struct ion_attach unknown[] = { { "no_such_ctx", CAMERA_DOMAIN, ION_ATTACH_ALWAYS } };
    struct ion_iommu_cfg bad2 = { .attach = unknown, .nattach = 1 };
    assert_null(ion_iommu_new(f->tp.p, &bad2, err, sizeof(err)));
    assert_non_null(strstr(err, "no_such_ctx"));
}

/* ---- ion_map_iommu ---------------------------------------------------------------------------- */

static void test_map_firmware_pool(void **state)
{
    struct fx *f = *state;
    struct vcm_physmem *fw = vcm_phys_alloc(f->tp.p, VCM_MEMTYPE_0, SZ_4K, VCM_4KB);
    uint32_t iova, pa;
    unsigned long size;

    /* The text's call: VIDEO_DOMAIN, VIDEO_FIRMWARE_POOL, SZ_4K alignment, length 0. */
    assert_int_equal(ion_map_iommu(f->ion, fw, VIDEO_DOMAIN, VIDEO_FIRMWARE_POOL, SZ_4K, 0,
                                   &iova, &size, VCM_NOTCACHED), 0);
    /* The partition's first page, 128 KiB; inside [128K, 16M) as the video core needs. */
    assert_int_equal(iova, SZ_128K);
    assert_true(iova >= SZ_128K && iova < SZ_16M);
    assert_int_equal(size, SZ_4K);

    /* Every VIDEO context sees the firmware at its first 4K block, 0x83800000:
     * vcodec_a_mm1 (MID 0), vcodec_a_stream (MID 2), vcodec_b_mm2 (MID 0). */
    assert_int_equal(dev_access(f, MSM8960_SMMU_VCODEC_A, 0, iova + 0x10, &pa), SMMU_DONE);
    assert_int_equal(pa, 0x83800010u);
    assert_int_equal(dev_access(f, MSM8960_SMMU_VCODEC_A, 2, iova + 0x20, &pa), SMMU_DONE);
    assert_int_equal(pa, 0x83800020u);
    assert_int_equal(dev_access(f, MSM8960_SMMU_VCODEC_B, 0, iova + 0x30, &pa), SMMU_DONE);
    assert_int_equal(pa, 0x83800030u);

    /* A second map is a reference on the same IOVA. */
    uint32_t again;
    assert_int_equal(ion_map_iommu(f->ion, fw, VIDEO_DOMAIN, VIDEO_FIRMWARE_POOL, SZ_4K, 0,
                                   &again, &size, 0), 0);
    assert_int_equal(again, iova);
    /* Mapped buffers cannot be freed. */
    assert_int_equal(vcm_phys_free(fw), -EBUSY);

    struct vcm_dev *mm1 = dev_named(f, VIDEO_DOMAIN, "vcodec_a_mm1");
    assert_int_equal(ion_unmap_iommu(f->ion, fw, VIDEO_DOMAIN, VIDEO_FIRMWARE_POOL), 0);
    assert_int_equal(smmu_translate(vcm_dev_smmu(mm1), iova, &pa), 0);
    assert_int_equal(ion_unmap_iommu(f->ion, fw, VIDEO_DOMAIN, VIDEO_FIRMWARE_POOL), 0);
    assert_int_equal(smmu_translate(vcm_dev_smmu(mm1), iova, &pa), -EFAULT);
    assert_int_equal(ion_unmap_iommu(f->ion, fw, VIDEO_DOMAIN, VIDEO_FIRMWARE_POOL), -EINVAL);
    assert_int_equal(vcm_phys_free(fw), 0);
}

static void test_map_other_domains(void **state)
{
    struct fx *f = *state;
    uint32_t iova, pa;
    unsigned long size;

    /* 1 MiB buffer (first 1M block 0x82000000) in CAMERA's GEN_POOL, default alignment:
     * 1 MiB, the first 1 MiB boundary at or above 128 KiB is 0x100000. */
    struct vcm_physmem *img = vcm_phys_alloc(f->tp.p, VCM_MEMTYPE_0, SZ_1M, VCM_1MB);
    assert_int_equal(ion_map_iommu(f->ion, img, CAMERA_DOMAIN, GEN_POOL, 0, 0, &iova, &size,
                                   0), 0);
    assert_int_equal(iova, 0x100000u);
    /* vpe_src (vpe MID 0) and jpegd_dst (jpegd MID 1) both reach it. */
    assert_int_equal(dev_access(f, MSM8960_SMMU_VPE, 0, 0x100040, &pa), SMMU_DONE);
    assert_int_equal(pa, 0x82000040u);
    assert_int_equal(dev_access(f, MSM8960_SMMU_JPEGD, 1, 0x1FFFFC, &pa), SMMU_DONE);
    assert_int_equal(pa, 0x820FFFFCu);
    /* The VIDEO domain's tables do not have it. */
    struct vcm_dev *mm1 = dev_named(f, VIDEO_DOMAIN, "vcodec_a_mm1");
    assert_int_equal(smmu_translate(vcm_dev_smmu(mm1), 0x100040, &pa), -EFAULT);

    /* iova_length past the buffer: 64 KiB reserved (64 KiB aligned, first at 16 MiB in
     * VIDEO_MAIN_POOL), the 4 KiB buffer (first 4K block) mapped, the rest faults. */
    struct vcm_physmem *small = vcm_phys_alloc(f->tp.p, VCM_MEMTYPE_0, SZ_4K, VCM_4KB);
    assert_int_equal(ion_map_iommu(f->ion, small, VIDEO_DOMAIN, VIDEO_MAIN_POOL, 0, SZ_64K,
                                   &iova, &size, 0), 0);
    assert_int_equal(iova, SZ_16M);
    assert_int_equal(size, SZ_4K);
    assert_int_equal(smmu_translate(vcm_dev_smmu(mm1), SZ_16M + 0x10, &pa), 0);
    assert_int_equal(pa, 0x83800010u);
    assert_int_equal(smmu_translate(vcm_dev_smmu(mm1), SZ_16M + SZ_4K, &pa), -EFAULT);
    assert_int_equal(vcm_get_res_len(ion_iommu_res(f->ion, small, VIDEO_DOMAIN,
                                                   VIDEO_MAIN_POOL)), SZ_64K);

    /* A mapping policy through the flags: a 1 MiB buffer (second 1M block, 0x82100000)
     * capped at 64K in ROTATOR_SRC is 16 large pages. Its IOVA: 0x100000, as in
     * CAMERA, since every partition is its own address space. */
    struct vcm_physmem *frame = vcm_phys_alloc(f->tp.p, VCM_MEMTYPE_0, SZ_1M, VCM_1MB);
    assert_int_equal(ion_map_iommu(f->ion, frame, ROTATOR_SRC_DOMAIN, GEN_POOL, 0, 0, &iova,
                                   &size, VCM_WB_WA | ION_IOMMU_POLICY(VCM_MAP_64K)), 0);
    assert_int_equal(iova, 0x100000u);
    struct vcm_map_mix mix;
    assert_int_equal(vcm_res_mix(ion_iommu_res(f->ion, frame, ROTATOR_SRC_DOMAIN, GEN_POOL),
                                 &mix), 0);
    assert_int_equal(mix.count[PAGE_64K], 16);
    assert_int_equal(mix.total, 16);
    /* rot_dst is MID 1 of the rot SMMU. */
    assert_int_equal(dev_access(f, MSM8960_SMMU_ROT, 1, 0x1ABCDE, &pa), SMMU_DONE);
    assert_int_equal(pa, 0x821ABCDEu);
}

static void test_map_errors(void **state)
{
    struct fx *f = *state;
    struct vcm_physmem *buf = vcm_phys_alloc(f->tp.p, VCM_MEMTYPE_0, SZ_64K, VCM_64KB);
    uint32_t iova;
    unsigned long size;

    assert_int_equal(ion_map_iommu(f->ion, buf, MAX_DOMAINS, GEN_POOL, 0, 0, &iova, &size, 0),
                     -EINVAL);
    assert_non_null(strstr(ion_last_error(f->ion), "domain_num"));
    assert_int_equal(ion_map_iommu(f->ion, buf, CAMERA_DOMAIN, VIDEO_MAIN_POOL, 0, 0, &iova,
                                   &size, 0), -EINVAL);
    assert_non_null(strstr(ion_last_error(f->ion), "no partition"));
    assert_int_equal(ion_map_iommu(f->ion, buf, VIDEO_DOMAIN, VIDEO_FIRMWARE_POOL, 3000, 0,
                                   &iova, &size, 0), -EINVAL);
    assert_int_equal(ion_map_iommu(f->ion, buf, VIDEO_DOMAIN, VIDEO_FIRMWARE_POOL, 0, SZ_4K,
                                   &iova, &size, 0), -EINVAL);       /* shorter than buffer */
    assert_int_equal(ion_map_iommu(f->ion, buf, VIDEO_DOMAIN, VIDEO_FIRMWARE_POOL, 0, 0,
                                   &iova, &size, 0x9), -EINVAL);      /* cache policy 9 */
    assert_int_equal(ion_map_iommu(f->ion, buf, VIDEO_DOMAIN, VIDEO_FIRMWARE_POOL, 0, SZ_16M,
                                   &iova, &size, 0), -EINVAL);       /* > the partition */
    assert_int_equal(ion_map_iommu(f->ion, NULL, VIDEO_DOMAIN, VIDEO_FIRMWARE_POOL, 0, 0,
                                   &iova, &size, 0), -EINVAL);
    assert_int_equal(ion_unmap_iommu(f->ion, buf, VIDEO_DOMAIN, VIDEO_FIRMWARE_POOL), -EINVAL);

    /* Nothing was taken: the first valid map gets the partition's first 64 KiB
     * boundary at or above 128 KiB, which is 128 KiB itself. */
    assert_int_equal(ion_map_iommu(f->ion, buf, VIDEO_DOMAIN, VIDEO_FIRMWARE_POOL, 0, 0,
                                   &iova, &size, 0), 0);
    assert_int_equal(iova, SZ_128K);
    /* Mapping it again with another length is refused; the mapping stays. */
    assert_int_equal(ion_map_iommu(f->ion, buf, VIDEO_DOMAIN, VIDEO_FIRMWARE_POOL, 0, SZ_1M,
                                   &iova, &size, 0), -EINVAL);
    assert_non_null(ion_iommu_res(f->ion, buf, VIDEO_DOMAIN, VIDEO_FIRMWARE_POOL));
}

/*
 * The protection flags. Two 64 KiB buffers in CAMERA's GEN_POOL (64 KiB-aligned from
 * 128 KiB: 0x20000 and 0x30000), seen by vpe_src (vpe MID 0): the read-only one
 * takes reads from user and privileged accesses and a permission fault (FSR.APF) on
 * any write; the privileged-only one takes privileged reads and writes and a
 * permission fault on any user access.
 */
static void test_map_protection(void **state)
{
    struct fx *f = *state;
    struct vcm_physmem *ro = vcm_phys_alloc(f->tp.p, VCM_MEMTYPE_0, SZ_64K, VCM_64KB);
    struct vcm_physmem *pr = vcm_phys_alloc(f->tp.p, VCM_MEMTYPE_0, SZ_64K, VCM_64KB);
    unsigned long size;
    uint32_t iova, fsr;

    assert_int_equal(ion_map_iommu(f->ion, ro, CAMERA_DOMAIN, GEN_POOL, 0, 0, &iova, &size,
                                   ION_IOMMU_READ_ONLY), 0);
    assert_int_equal(iova, SZ_128K);
    assert_int_equal(ion_map_iommu(f->ion, pr, CAMERA_DOMAIN, GEN_POOL, 0, 0, &iova, &size,
                                   ION_IOMMU_PRIV_ONLY), 0);
    assert_int_equal(iova, SZ_128K + SZ_64K);

    assert_int_equal(dev_access_as(f, MSM8960_SMMU_VPE, 0, 0x20010, false, false, &fsr),
                     SMMU_DONE);
    assert_int_equal(dev_access_as(f, MSM8960_SMMU_VPE, 0, 0x20010, false, true, &fsr),
                     SMMU_DONE);
    assert_int_equal(dev_access_as(f, MSM8960_SMMU_VPE, 0, 0x20010, true, true, &fsr),
                     SMMU_FAULTED);
    assert_true(fsr & FSR_APF);
    assert_int_equal(dev_access_as(f, MSM8960_SMMU_VPE, 0, 0x20010, true, false, &fsr),
                     SMMU_FAULTED);
    assert_true(fsr & FSR_APF);

    assert_int_equal(dev_access_as(f, MSM8960_SMMU_VPE, 0, 0x30010, false, true, &fsr),
                     SMMU_DONE);
    assert_int_equal(dev_access_as(f, MSM8960_SMMU_VPE, 0, 0x30010, true, true, &fsr),
                     SMMU_DONE);
    assert_int_equal(dev_access_as(f, MSM8960_SMMU_VPE, 0, 0x30010, false, false, &fsr),
                     SMMU_FAULTED);
    assert_true(fsr & FSR_APF);
    assert_int_equal(dev_access_as(f, MSM8960_SMMU_VPE, 0, 0x30010, true, false, &fsr),
                     SMMU_FAULTED);
    assert_true(fsr & FSR_APF);

    /* Flags outside the defined ones are refused. */
    assert_int_equal(ion_map_iommu(f->ion, ro, VIDEO_DOMAIN, GEN_POOL, 0, 0, &iova, &size,
                                   1ul << 12), -EINVAL);
    assert_non_null(strstr(ion_last_error(f->ion), "ION_IOMMU_READ_ONLY"));
}

/* ion_iommu_new's checks of the tables it is given. */
static void test_new_errors(void **state)
{
    struct fx *f = *state;
    struct ion_domain_desc doms[2] = {
        { .name = "a", .part = { [GEN_POOL] = { SZ_128K, SZ_1M } } },
        { .name = "b", .part = { [GEN_POOL] = { 0x1000, 0x800 } } },  /* not 4 KiB long */
    };
    struct ion_attach at[2] = {
        { "vpe_src", 0, ION_ATTACH_ALWAYS },
        { "vpe_src", 1, ION_ATTACH_ALWAYS },                   /* attached twice */
    };
    struct ion_iommu_cfg cfg = { .domains = doms, .ndomains = 2, .attach = at, .nattach = 1 };
    char err[256];

    assert_null(ion_iommu_new(f->tp.p, &cfg, err, sizeof(err)));
    assert_non_null(strstr(err, "domain 1 partition 2"));
    doms[1].part[GEN_POOL].size = SZ_1M;
    cfg.nattach = 2;
    assert_null(ion_iommu_new(f->tp.p, &cfg, err, sizeof(err)));
    assert_non_null(strstr(err, "context vpe_src is attached to two domains (0 and 1)"));
    cfg.ndomains = ION_MAX_DOMAINS + 1;
    assert_null(ion_iommu_new(f->tp.p, &cfg, err, sizeof(err)));
    assert_non_null(strstr(err, "ndomains 9 is out of range (1..8)"));
    at[1].domain = 5;
    cfg.ndomains = 2;
    assert_null(ion_iommu_new(f->tp.p, &cfg, err, sizeof(err)));
    assert_non_null(strstr(err, "attachment 1 needs a context name and a domain in 0..1"));
}

/*
 * ION_IOMMU_FIXED: a captured trace's buffer at the IOVA it was captured at. A 1 MiB
 * buffer (first 1M block, 0x82000000) at 0x10000000 in CAMERA's GEN_POOL [128K, 2G):
 * vpe (MID 0) reaches it there; the allocator's next 1 MiB goes to 0x100000, below
 * it; a second buffer pinned over it is -EBUSY; remapping the first at another IOVA
 * is -EINVAL, at the same one a reference; a fixed map with an alignment is -EINVAL.
 */
static void test_map_fixed(void **state)
{
    struct fx *f = *state;
    uint32_t iova = 0x10000000, pa;
    unsigned long size;
    struct vcm_physmem *img = vcm_phys_alloc(f->tp.p, VCM_MEMTYPE_0, SZ_1M, VCM_1MB);
    struct vcm_physmem *other = vcm_phys_alloc(f->tp.p, VCM_MEMTYPE_0, SZ_1M, VCM_1MB);
    struct vcm_physmem *free_one = vcm_phys_alloc(f->tp.p, VCM_MEMTYPE_0, SZ_1M, VCM_1MB);

    assert_int_equal(ion_map_iommu(f->ion, img, CAMERA_DOMAIN, GEN_POOL, 0, 0, &iova, &size,
                                   ION_IOMMU_FIXED), 0);
    assert_int_equal(iova, 0x10000000u);
    assert_int_equal(dev_access(f, MSM8960_SMMU_VPE, 0, 0x10000040, &pa), SMMU_DONE);
    assert_int_equal(pa, 0x82000040u);
    assert_int_equal(ion_map_iommu(f->ion, free_one, CAMERA_DOMAIN, GEN_POOL, 0, 0, &iova,
                                   &size, 0), 0);
    assert_int_equal(iova, 0x100000u);
    iova = 0x10080000;
    assert_int_equal(ion_map_iommu(f->ion, other, CAMERA_DOMAIN, GEN_POOL, 0, 0, &iova, &size,
                                   ION_IOMMU_FIXED), -EBUSY);
    iova = 0x20000000;
    assert_int_equal(ion_map_iommu(f->ion, img, CAMERA_DOMAIN, GEN_POOL, 0, 0, &iova, &size,
                                   ION_IOMMU_FIXED), -EINVAL);
    iova = 0x10000000;
    assert_int_equal(ion_map_iommu(f->ion, img, CAMERA_DOMAIN, GEN_POOL, 0, 0, &iova, &size,
                                   ION_IOMMU_FIXED), 0);
    assert_int_equal(ion_map_iommu(f->ion, other, CAMERA_DOMAIN, GEN_POOL, SZ_1M, 0, &iova,
                                   &size, ION_IOMMU_FIXED), -EINVAL);
    assert_int_equal(ion_unmap_iommu(f->ion, img, CAMERA_DOMAIN, GEN_POOL), 0);
    assert_int_equal(ion_unmap_iommu(f->ion, img, CAMERA_DOMAIN, GEN_POOL), 0);
    assert_int_equal(dev_access(f, MSM8960_SMMU_VPE, 0, 0x10000040, &pa), SMMU_FAULTED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_partitions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_attachments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_custom_table, setup_bare, teardown),
        cmocka_unit_test_setup_teardown(test_map_firmware_pool, setup, teardown),
        cmocka_unit_test_setup_teardown(test_map_other_domains, setup, teardown),
        cmocka_unit_test_setup_teardown(test_map_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_map_fixed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_map_protection, setup, teardown),
        cmocka_unit_test_setup_teardown(test_new_errors, setup_bare, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
