/*
 * test_vcm.c - the VCM API (vcm/vcm.c) on the MSM8960 SMMU models.
 *
 * The two call sequences of the source text (seeds/000, vcm.txt: "A Detailed Walk
 * Through" and "Mapping IOMMU, one-to-one and VMM Reservations") run as written,
 * then: translations for each page size through the driver (V2P) and through the
 * SMMU's functional path, the page-size mix of a 5 MiB + 4 KiB buffer under each
 * mapping policy and with the 1M pool exhausted, TLB invalidation on unback, the
 * fault paths, split tables, associations, and misuse.
 *
 * Every expected address is worked out by hand from the allocation rules in the
 * comments; descriptor words from the ARMv7 short-descriptor format and the
 * driver's documented attribute encoding (smmu_driver.h).
 *
 * Physical layout of the fixture (tests/lib/platform.h; docs/allocators.md, default
 * shares of a 64 MiB block region at 0x80000000):
 *   16M blocks 0x80000000, 0x81000000
 *   1M  blocks 0x82000000 .. 0x82F00000 (16)
 *   64K blocks 0x83000000 .. 0x837F0000 (128)
 *   4K  blocks 0x83800000 .. 0x83FFF000 (2048)
 *   contiguous pool [0x84000000, 0x85000000), first fit
 *   page tables: a second target's contiguous pool at 0x90000000
 *   VMM area [0xE0000000, 0xF0000000)
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "models/physmem.h"
#include "models/pte.h"
#include "models/smmu.h"
#include "models/smmu_regs.h"
#include "tests/lib/platform.h"
#include "vcm/msm8960.h"
#include "vcm/phys_pool.h"
#include "vcm/smmu_driver.h"
#include "vcm/vcm.h"

#define SZ_1K       0x400u
#define SZ_2M       0x200000u
#define SZ_256M     0x10000000u
#define SZ_1G       0x40000000u
#define RW          (VCM_READ | VCM_WRITE)

/* The platform of tests/lib/platform.h, with the best-fit mapping policy. */
static int setup(void **state)
{
    static struct test_platform tp;
    char err[256];

    if (test_platform_init(&tp, VCM_MAP_BEST, err, sizeof(err)))
        fail_msg("%s", err);
    *state = &tp;
    return 0;
}

static int teardown(void **state)
{
    test_platform_fini(*state);
    return 0;
}

/* A functional device access, privileged: status, the PA in *pa, the TLB hit in *hit. */
static enum smmu_status access(struct test_platform *f, unsigned smmu, unsigned mid,
                               uint32_t iova, bool write, uint32_t *pa, bool *hit)
{
    struct smmu_txn t;
    enum smmu_status st = test_platform_access(f, smmu, mid, iova,
                                               ACCESS_PRIV | (write ? ACCESS_WRITE : 0), &t);

    if (pa)
        *pa = t.pa;
    if (hit)
        *hit = t.tlb_hit;
    return st;
}

static uint32_t translate(struct vcm_dev *dev, uint32_t va)
{
    uint32_t pa = 0;

    assert_int_equal(smmu_translate(vcm_dev_smmu(dev), va, &pa), 0);
    return pa;
}

/* vcodec_a_mm1 is bank 1 of the vcodec_a SMMU; MID 0 is one of its MIDs. */
#define VCODEC_A    MSM8960_SMMU_VCODEC_A
#define VCODEC_B    MSM8960_SMMU_VCODEC_B
#define ROT         MSM8960_SMMU_ROT

/* ---- The source text's "A Detailed Walk Through" ------------------------------------------ */

static void test_walkthrough(void **state)
{
    struct test_platform *f = *state;

    /* Stage 1: Map and Allocate Memory for a Device. */
    struct vcm *vcm = vcm_create(f->p, SZ_1M, SZ_256M);
    assert_non_null(vcm);
    assert_int_equal(vcm_get_type(vcm), VCM_TYPE_IOMMU);
    struct vcm_dev *dev = vcm_dev_get(f->p, "vcodec_a_mm1");
    assert_non_null(dev);
    struct avcm *avcm = vcm_assoc(vcm, dev, 0);
    assert_non_null(avcm);
    assert_int_equal(vcm_activate(avcm), 0);
    assert_int_equal(vcm_is_active(avcm), 1);
    struct res *res = vcm_reserve(vcm, SZ_1M, RW);
    assert_non_null(res);
    /* 1 MiB reservation: aligned to 1 MiB; the VCM starts at 1 MiB -> 0x100000. */
    assert_int_equal(vcm_get_dev_addr(res), 0x100000);
    struct vcm_physmem *physmem = vcm_phys_alloc(f->p, VCM_MEMTYPE_0, SZ_1M, VCM_ALL);
    assert_non_null(physmem);
    /* Largest first: no 16M block fits 1 MiB, so the first 1M block, 0x82000000. */
    assert_int_equal(vcm_phys_blocks(physmem)->nblocks, 1);
    assert_int_equal(vcm_phys_blocks(physmem)->blocks[0].pa, 0x82000000u);
    assert_int_equal(vcm_back(res, physmem), 0);

    /*
     * One section in L1 entry 0x100000 >> 20 = 1: base 0x82000000 | NS (bit 19) |
     * nG (bit 17) | AP1 (bit 11: neither USER nor SUPERVISOR asked, so user access is
     * allowed) | AP0 (bit 10) | XN (bit 4, no EXECUTE) | type 0b10 = 0x820A0C12.
     */
    uint32_t ttbr0 = smmu_dev_ttbr0(vcm_dev_smmu(dev));
    assert_int_equal(physmem_read32(f->pm, ttbr0 + 4 * 1), 0x820A0C12u);
    assert_int_equal(translate(dev, 0x123456), 0x82023456u);

    /* Stage 2: Map the Device's Memory into the VMM's VCM region. */
    struct vcm *vcm_vmm = vcm_create_from_prebuilt(f->p, VCM_PREBUILT_KERNEL);
    assert_non_null(vcm_vmm);
    assert_int_equal(vcm_get_type(vcm_vmm), VCM_TYPE_VMM);
    struct avcm *avcm_vmm = vcm_assoc(vcm_vmm, vcm_dev_cpu(f->p), 0);
    assert_non_null(avcm_vmm);
    assert_int_equal(vcm_activate(avcm_vmm), 0);
    struct res *res_vmm = vcm_reserve(vcm_vmm, SZ_1M, RW);
    assert_non_null(res_vmm);
    /* The first page of the VMM area. */
    assert_int_equal(vcm_get_dev_addr(res_vmm), TP_VMM_START);
    assert_int_equal(vcm_back(res_vmm, physmem), 0);

    /* The CPU writes through its view; the device reads the same bytes at its IOVA. */
    char buf[16];
    assert_int_equal(vcm_vmm_write(res_vmm, 0x23456, "stage2", 7), 0);
    uint32_t pa;
    assert_int_equal(access(f, VCODEC_A, 0, 0x123456, false, &pa, NULL), SMMU_DONE);
    assert_int_equal(pa, 0x82023456u);
    physmem_read(f->pm, pa, buf, 7);
    assert_string_equal(buf, "stage2");

    /* The device writes (data goes to the PA the SMMU produced); the CPU reads it. */
    assert_int_equal(access(f, VCODEC_A, 0, 0x100800, true, &pa, NULL), SMMU_DONE);
    assert_int_equal(pa, 0x82000800u);
    physmem_write(f->pm, pa, "device", 7);
    memset(buf, 0, sizeof(buf));
    assert_int_equal(vcm_vmm_read(res_vmm, 0x800, buf, 7), 0);
    assert_string_equal(buf, "device");
}

/* ---- The source text's "Mapping IOMMU, one-to-one and VMM Reservations" ------------------ */

static void test_iommu_onetoone_vmm(void **state)
{
    struct test_platform *f = *state;
    const size_t len = SZ_2M + SZ_4K;

    struct vcm_physmem *physmem = vcm_phys_alloc(f->p, VCM_MEMTYPE_0, len, VCM_PHYS_CONT);
    assert_non_null(physmem);
    /* Contiguous, default alignment for >= 1 MiB is 1 MiB: the pool's first byte. */
    uint32_t phys_addr = vcm_phys_blocks(physmem)->blocks[0].pa;
    size_t phys_size = vcm_phys_len(physmem);
    assert_int_equal(phys_addr, TP_CONT_BASE);
    assert_int_equal(phys_size, len);

    /* The text's vcm_create(SZ_1K, SZ_16M): a start that is not page aligned. */
    struct vcm *vcm_iommu = vcm_create(f->p, SZ_1K, SZ_16M);
    assert_non_null(vcm_iommu);
    assert_int_equal(vcm_get_type(vcm_iommu), VCM_TYPE_IOMMU);
    /* Start and length of a live contiguous allocation: a one-to-one VCM. */
    struct vcm *vcm_onetoone = vcm_create(f->p, phys_addr, phys_size);
    assert_non_null(vcm_onetoone);
    assert_int_equal(vcm_get_type(vcm_onetoone), VCM_TYPE_ONE_TO_ONE);
    struct vcm *vcm_vmm = vcm_create_from_prebuilt(f->p, VCM_PREBUILT_KERNEL);
    assert_non_null(vcm_vmm);

    struct vcm_dev *dev_iommu = vcm_dev_get(f->p, "vcodec_a_mm1");
    struct vcm_dev *dev_onetoone = vcm_dev_one_to_one(f->p, "rot_src");
    struct vcm_dev *dev_cpu = vcm_dev_cpu(f->p);
    assert_non_null(dev_iommu);
    assert_non_null(dev_onetoone);

    struct avcm *avcm_iommu = vcm_assoc(vcm_iommu, dev_iommu, 0);
    struct avcm *avcm_onetoone = vcm_assoc(vcm_onetoone, dev_onetoone, 0);
    struct avcm *avcm_vmm = vcm_assoc(vcm_vmm, dev_cpu, 0);
    assert_non_null(avcm_iommu);
    assert_non_null(avcm_onetoone);
    assert_non_null(avcm_vmm);
    assert_int_equal(vcm_activate(avcm_iommu), 0);
    assert_int_equal(vcm_activate(avcm_onetoone), 0);
    assert_int_equal(vcm_activate(avcm_vmm), 0);

    struct res *res_iommu = vcm_reserve(vcm_iommu, len, RW);
    struct res *res_onetoone = vcm_reserve(vcm_onetoone, len, RW);
    struct res *res_vmm = vcm_reserve(vcm_vmm, len, RW);
    assert_non_null(res_iommu);
    assert_non_null(res_onetoone);
    assert_non_null(res_vmm);
    /*
     * IOMMU: 2 MiB + 4 KiB >= 1 MiB -> 1 MiB aligned; the first 1 MiB boundary in
     * [0x400, 0x1000400) is 0x100000, and 0x100000 + 0x201000 fits.
     * One-to-one: its only place is the physical address. VMM: the area's start.
     */
    assert_int_equal(vcm_get_dev_addr(res_iommu), 0x100000);
    assert_int_equal(vcm_get_dev_addr(res_onetoone), phys_addr);
    assert_int_equal(vcm_get_dev_addr(res_vmm), TP_VMM_START);
    assert_int_equal(vcm_back(res_iommu, physmem), 0);
    assert_int_equal(vcm_back(res_onetoone, physmem), 0);
    assert_int_equal(vcm_back(res_vmm, physmem), 0);

    /*
     * IOVA 0x100000 -> PA 0x84000000: both 1 MiB aligned (the IOVA not 16 MiB), so
     * 1M, 1M, then the last 4 KiB as a small page: 2 x 1M + 1 x 4K.
     */
    struct vcm_map_mix mix;
    assert_int_equal(vcm_res_mix(res_iommu, &mix), 0);
    assert_int_equal(mix.count[PAGE_1M], 2);
    assert_int_equal(mix.count[PAGE_4K], 1);
    assert_int_equal(mix.count[PAGE_64K], 0);
    assert_int_equal(mix.total, 3);

    /* All three views reach the same bytes: offset 0x200010 is PA 0x84200010. */
    char buf[16];
    uint32_t pa;
    bool hit;
    assert_int_equal(vcm_vmm_write(res_vmm, 0x200010, "same", 5), 0);
    assert_int_equal(access(f, VCODEC_A, 0, 0x300010, false, &pa, &hit), SMMU_DONE);
    assert_int_equal(pa, 0x84200010u);
    physmem_read(f->pm, pa, buf, 5);
    assert_string_equal(buf, "same");
    /* rot_src (MID 0 of the rot SMMU) runs in bypass: device address = PA. */
    struct smmu_txn t;
    assert_int_equal(test_platform_access(f, ROT, 0, 0x84200010u, ACCESS_PRIV, &t), SMMU_DONE);
    assert_true(t.bypassed);
    assert_int_equal(t.pa, 0x84200010u);

    /* A device write through the IOMMU at 0x101000 lands at 0x84001000. */
    assert_int_equal(access(f, VCODEC_A, 0, 0x101000, true, &pa, NULL), SMMU_DONE);
    assert_int_equal(pa, 0x84001000u);
    physmem_write(f->pm, pa, "dma", 4);
    memset(buf, 0, sizeof(buf));
    assert_int_equal(vcm_vmm_read(res_vmm, 0x1000, buf, 4), 0);
    assert_string_equal(buf, "dma");
    /* And the one-to-one device sees it at its own address. */
    memset(buf, 0, sizeof(buf));
    assert_int_equal(vcm_res_phys_addr(res_onetoone, 0x1000, &pa), 0);
    assert_int_equal(pa, 0x84001000u);
    physmem_read(f->pm, pa, buf, 4);
    assert_string_equal(buf, "dma");
}

/* ---- Each page size, through the driver's V2P and the SMMU's functional path ------------ */

static void test_translate_each_page_size(void **state)
{
    struct test_platform *f = *state;
    struct vcm *vcm = vcm_create(f->p, SZ_16M, SZ_256M);
    struct vcm_dev *dev = vcm_dev_get(f->p, "vcodec_a_mm1");
    struct avcm *av = vcm_assoc(vcm, dev, 0);
    assert_non_null(av);
    assert_int_equal(vcm_activate(av), 0);

    static const struct {
        size_t len;
        uint32_t res_attr, phys_attr;
        uint32_t iova, pa;          /* expected */
        enum page_size ps;
        uint32_t off;
    } c[] = {
        /* Alignment order 24: the VCM's first byte 0x1000000; the first 16M block. */
        { SZ_16M, RW | VCM_ALIGN_ATTR(24), VCM_ALL, 0x01000000u, 0x80000000u, PAGE_16M, 0xABCDEF },
        /* Next 1 MiB boundary after 0x2000000 (the 16 MiB reservation's end). */
        { SZ_1M, RW, VCM_1MB, 0x02000000u, 0x82000000u, PAGE_1M, 0x54321 },
        /* 64 KiB aligned: right after the 1 MiB reservation. */
        { SZ_64K, RW, VCM_64KB, 0x02100000u, 0x83000000u, PAGE_64K, 0xFEDC },
        /* 4 KiB aligned: right after the 64 KiB reservation. */
        { SZ_4K, RW, VCM_4KB, 0x02110000u, 0x83800000u, PAGE_4K, 0x123 },
    };

    for (unsigned i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
        struct res *r = vcm_reserve(vcm, c[i].len, c[i].res_attr);
        assert_non_null(r);
        assert_int_equal(vcm_get_dev_addr(r), c[i].iova);
        struct vcm_physmem *m = vcm_phys_alloc(f->p, VCM_MEMTYPE_0, c[i].len, c[i].phys_attr);
        assert_non_null(m);
        assert_int_equal(vcm_phys_blocks(m)->blocks[0].pa, c[i].pa);
        assert_int_equal(vcm_back(r, m), 0);
        struct vcm_map_mix mix;
        vcm_res_mix(r, &mix);
        assert_int_equal(mix.total, 1);
        assert_int_equal(mix.count[c[i].ps], 1);

        uint32_t va = c[i].iova + c[i].off, pa;
        assert_int_equal(translate(dev, va), c[i].pa + c[i].off);
        bool hit;
        assert_int_equal(access(f, VCODEC_A, 0, va, false, &pa, &hit), SMMU_DONE);
        assert_int_equal(pa, c[i].pa + c[i].off);
        /* The last byte of the page, again: a hit on the entry the first access filled. */
        uint32_t last = c[i].iova + (uint32_t)c[i].len - 4;
        assert_int_equal(access(f, VCODEC_A, 0, last, false, &pa, &hit), SMMU_DONE);
        assert_int_equal(pa, c[i].pa + (uint32_t)c[i].len - 4);
        assert_true(hit);
    }

    uint32_t ttbr0 = smmu_dev_ttbr0(vcm_dev_smmu(dev));
    /*
     * Supersection: L1 entries 0x10..0x1F all hold 0x80000000 | bit 18 (supersection)
     * | NS 0x80000 | nG 0x20000 | AP1 0x800 | AP0 0x400 | XN 0x10 | 0b10 = 0x800E0C12.
     */
    for (unsigned i = 0x10; i < 0x20; i++)
        assert_int_equal(physmem_read32(f->pm, ttbr0 + 4 * i), 0x800E0C12u);
    /* L1 entry 0x21 is a table; large page at L2 index 0..15, small page at 0x10. */
    uint32_t l1 = physmem_read32(f->pm, ttbr0 + 4 * 0x21);
    assert_int_equal(l1 & 3u, 1u);
    uint32_t l2 = l1 & 0xFFFFFC00u;
    /* Large: 0x83000000 | XN bit 15 | nG bit 11 | AP1 bit 5 | AP0 bit 4 | 0b01 = 0x83008831. */
    for (unsigned i = 0; i < 16; i++)
        assert_int_equal(physmem_read32(f->pm, l2 + 4 * i), 0x83008831u);
    /* Small: 0x83800000 | nG 0x800 | AP1 0x20 | AP0 0x10 | 0b1x | XN bit 0 = 0x83800833. */
    assert_int_equal(physmem_read32(f->pm, l2 + 4 * 0x10), 0x83800833u);
}

/* ---- The page-size mix of a 5 MiB + 4 KiB buffer ----------------------------------------- */

struct mix_case {
    uint32_t phys_attr;
    enum vcm_map_policy pol;
    uint32_t n4k, n64k, n1m;
};

/* Reserve, allocate, back, check the mix and two translations, undo. */
static void run_mix(struct test_platform *f, struct vcm *vcm, struct vcm_dev *dev,
                    const struct mix_case *c, uint32_t first_pa, uint32_t tail_pa)
{
    const size_t len = 5 * SZ_1M + SZ_4K;
    struct res *r = vcm_reserve(vcm, len, RW);
    assert_non_null(r);
    /* >= 1 MiB: 1 MiB aligned; the VCM starts at 1 MiB and is empty. */
    assert_int_equal(vcm_get_dev_addr(r), 0x100000);
    assert_int_equal(vcm_res_set_policy(r, c->pol), 0);
    struct vcm_physmem *m = vcm_phys_alloc(f->p, VCM_MEMTYPE_0, len, c->phys_attr);
    assert_non_null(m);
    const struct smmu_dev_stats *st = smmu_dev_stats(vcm_dev_smmu(dev));
    uint64_t before[PAGE_SIZES];
    memcpy(before, st->maps, sizeof(before));
    assert_int_equal(vcm_back(r, m), 0);

    struct vcm_map_mix mix;
    assert_int_equal(vcm_res_mix(r, &mix), 0);
    assert_int_equal(mix.count[PAGE_4K], c->n4k);
    assert_int_equal(mix.count[PAGE_64K], c->n64k);
    assert_int_equal(mix.count[PAGE_1M], c->n1m);
    assert_int_equal(mix.count[PAGE_16M], 0);
    assert_int_equal(mix.total, c->n4k + c->n64k + c->n1m);
    /* The driver wrote exactly those mappings (its own count, per page size). */
    assert_int_equal(st->maps[PAGE_4K] - before[PAGE_4K], c->n4k);
    assert_int_equal(st->maps[PAGE_64K] - before[PAGE_64K], c->n64k);
    assert_int_equal(st->maps[PAGE_1M] - before[PAGE_1M], c->n1m);

    /* First byte, and the tail page at 0x100000 + 5 MiB = 0x600000. */
    assert_int_equal(translate(dev, 0x100010), first_pa + 0x10);
    assert_int_equal(translate(dev, 0x600ABC), tail_pa + 0xABC);
    uint32_t pa;
    assert_int_equal(access(f, VCODEC_A, 0, 0x600ABC, false, &pa, NULL), SMMU_DONE);
    assert_int_equal(pa, tail_pa + 0xABC);

    assert_int_equal(vcm_unback(r), 0);
    assert_int_equal(vcm_unreserve(r), 0);
    assert_int_equal(vcm_phys_free(m), 0);
}

static void test_mix_5m_4k(void **state)
{
    struct test_platform *f = *state;
    struct vcm *vcm = vcm_create(f->p, SZ_1M, SZ_256M);
    struct vcm_dev *dev = vcm_dev_get(f->p, "vcodec_a_mm1");
    struct avcm *av = vcm_assoc(vcm, dev, 0);
    assert_non_null(av);
    assert_int_equal(vcm_activate(av), 0);

    /*
     * Unfragmented pools, all sizes: 16M does not fit, 5 x 1M (0x82000000..0x82400000)
     * and the 4 KiB tail from the 4K pool (0x83800000). Each is freed again before the
     * next case, and pools hand out their lowest free blocks, so the addresses repeat.
     */
    const struct mix_case best = { VCM_ALL, VCM_MAP_BEST, 1, 0, 5 };
    run_mix(f, vcm, dev, &best, 0x82000000u, 0x83800000u);
    /* Capped at 64K: each 1 MiB block becomes 16 large pages, 5 x 16 = 80. */
    const struct mix_case cap64 = { VCM_ALL, VCM_MAP_64K, 1, 80, 0 };
    run_mix(f, vcm, dev, &cap64, 0x82000000u, 0x83800000u);
    /* Capped at 4K: (5 MiB + 4 KiB) / 4 KiB = 1280 + 1 = 1281 small pages. */
    const struct mix_case cap4 = { VCM_ALL, VCM_MAP_4K, 1281, 0, 0 };
    run_mix(f, vcm, dev, &cap4, 0x82000000u, 0x83800000u);
    /*
     * 1M and 64K only: the 4 KiB tail is rounded up to one 64K block (0x83000000),
     * of which only the first 4 KiB is mapped, as a small page: 5 x 1M + 1 x 4K.
     */
    const struct mix_case no4k = { VCM_1MB | VCM_64KB, VCM_MAP_BEST, 1, 0, 5 };
    run_mix(f, vcm, dev, &no4k, 0x82000000u, 0x83000000u);

    /* The 1M pool exhausted (16 blocks taken): the 5 MiB fall back to 80 x 64K
     * (0x83000000..0x834F0000), the tail is the first 4K block. */
    struct vcm_physmem *hog = vcm_phys_alloc(f->p, VCM_MEMTYPE_0, SZ_16M, VCM_1MB);
    assert_non_null(hog);
    assert_int_equal(vcm_phys_blocks(hog)->nblocks, 16);
    const struct mix_case fallback = { VCM_ALL, VCM_MAP_BEST, 1, 80, 0 };
    run_mix(f, vcm, dev, &fallback, 0x83000000u, 0x83800000u);
}

/* ---- Unback invalidates the TLB ----------------------------------------------------------- */

static void test_unback_invalidates(void **state)
{
    struct test_platform *f = *state;
    struct vcm *vcm = vcm_create(f->p, SZ_1M, SZ_256M);
    struct vcm_dev *dev = vcm_dev_get(f->p, "vcodec_a_mm1");
    struct avcm *av = vcm_assoc(vcm, dev, 0);
    assert_int_equal(vcm_activate(av), 0);
    struct res *r = vcm_reserve(vcm, SZ_64K, RW);
    struct vcm_physmem *m = vcm_phys_alloc(f->p, VCM_MEMTYPE_0, SZ_64K, VCM_64KB);
    assert_int_equal(vcm_back(r, m), 0);

    /* 64 KiB aligned in a VCM at 1 MiB: 0x100000, backed by 0x83000000. */
    uint32_t pa;
    bool hit;
    assert_int_equal(access(f, VCODEC_A, 0, 0x100000, false, &pa, &hit), SMMU_DONE);
    assert_false(hit);
    assert_int_equal(access(f, VCODEC_A, 0, 0x100040, false, &pa, &hit), SMMU_DONE);
    assert_true(hit);
    assert_int_equal(pa, 0x83000040u);

    struct smmu_driver *drv = smmu_dev_driver(vcm_dev_smmu(dev));
    unsigned logged = smmu_fault_log_count(drv);
    assert_int_equal(vcm_unback(r), 0);
    /* The entry that hit is gone: the access walks, finds nothing and faults. */
    assert_int_equal(access(f, VCODEC_A, 0, 0x100040, false, &pa, &hit), SMMU_FAULTED);
    assert_false(hit);
    assert_int_equal(smmu_fault_log_count(drv), logged + 1);
    const struct smmu_fault_record *rec = smmu_fault_log_entry(drv, logged);
    assert_int_equal(rec->fault.far, 0x100040u);
    assert_true(rec->fault.fsr & FSR_TF);
    assert_int_equal(rec->action, SMMU_FAULT_TERMINATED);
    assert_false(rec->hooked);
}

/* ---- Faults --------------------------------------------------------------------------------- */

struct on_demand {
    struct vcm_platform *p;
    struct vcm *vcm;
    int ret;                        /* what the handler returns */
    unsigned calls;
    uint32_t far;
    struct vcm_physmem *backing;
};

/* Backs the faulting reservation with a fresh 4 KiB page, then asks for a retry. */
static int back_on_demand(struct vcm_dev *dev, void *data, const struct smmu_fault *fault)
{
    struct on_demand *od = data;

    (void)dev;
    od->calls++;
    od->far = fault->far;
    if (od->ret == 0)
        return 0;
    struct res *r = vcm_find_res(od->vcm, fault->far);
    if (!r)
        return 0;
    od->backing = vcm_phys_alloc(od->p, VCM_MEMTYPE_0, SZ_4K, VCM_4KB);
    if (!od->backing || vcm_back(r, od->backing))
        return 0;
    return 1;
}

static void test_fault_no_handler(void **state)
{
    struct test_platform *f = *state;
    struct vcm *vcm = vcm_create(f->p, SZ_1M, SZ_256M);
    struct vcm_dev *dev = vcm_dev_get(f->p, "vcodec_a_mm1");
    struct avcm *av = vcm_assoc(vcm, dev, 0);
    assert_int_equal(vcm_activate(av), 0);
    assert_non_null(vcm_reserve(vcm, SZ_4K, RW));

    struct smmu_driver *drv = smmu_dev_driver(vcm_dev_smmu(dev));
    assert_int_equal(access(f, VCODEC_A, 6, 0x100020, true, NULL, NULL), SMMU_FAULTED);
    assert_int_equal(smmu_fault_log_count(drv), 1);
    const struct smmu_fault_record *rec = smmu_fault_log_entry(drv, 0);
    assert_false(rec->hooked);
    assert_int_equal(rec->action, SMMU_FAULT_TERMINATED);
    assert_int_equal(rec->fault.far, 0x100020u);
    assert_int_equal(rec->fault.mid, 6);
    assert_true(rec->fault.write);
    assert_non_null(strstr(rec->msg, "terminated"));
    assert_int_equal(smmu_driver_stats(drv)->unhooked, 1);
}

static void test_fault_handler_retry(void **state)
{
    struct test_platform *f = *state;
    struct vcm *vcm = vcm_create(f->p, SZ_1M, SZ_256M);
    struct vcm_dev *dev = vcm_dev_get(f->p, "vcodec_a_mm1");
    struct avcm *av = vcm_assoc(vcm, dev, 0);
    assert_int_equal(vcm_activate(av), 0);
    struct res *r = vcm_reserve(vcm, SZ_4K, RW);
    assert_int_equal(vcm_get_dev_addr(r), 0x100000);
    struct on_demand od = { .p = f->p, .vcm = vcm, .ret = 1 };
    assert_int_equal(vcm_hook(dev, back_on_demand, &od), 0);

    /* The stalled write completes after the handler backed the page with the first
     * 4K block, 0x83800000. */
    uint32_t pa;
    assert_int_equal(access(f, VCODEC_A, 0, 0x100ABC, true, &pa, NULL), SMMU_DONE);
    assert_int_equal(od.calls, 1);
    assert_int_equal(od.far, 0x100ABCu);
    assert_int_equal(pa, 0x83800ABCu);
    assert_true(vcm_res_is_backed(r));
    /* The data goes where the CPU's view of that page will read it. */
    physmem_write32(f->pm, pa, 0xC0FFEEu);
    uint32_t v;
    assert_int_equal(vcm_res_phys_addr(r, 0xABC, &v), 0);
    assert_int_equal(physmem_read32(f->pm, v), 0xC0FFEEu);

    struct smmu_driver *drv = smmu_dev_driver(vcm_dev_smmu(dev));
    assert_int_equal(smmu_fault_log_count(drv), 1);
    assert_true(smmu_fault_log_entry(drv, 0)->hooked);
    assert_int_equal(smmu_fault_log_entry(drv, 0)->action, SMMU_FAULT_RETRIED);
}

static void test_fault_handler_terminate(void **state)
{
    struct test_platform *f = *state;
    struct vcm *vcm = vcm_create(f->p, SZ_1M, SZ_256M);
    struct vcm_dev *dev = vcm_dev_get(f->p, "vcodec_a_mm1");
    struct avcm *av = vcm_assoc(vcm, dev, 0);
    assert_int_equal(vcm_activate(av), 0);
    struct res *r = vcm_reserve(vcm, SZ_4K, RW);
    struct on_demand od = { .p = f->p, .vcm = vcm, .ret = 0 };
    assert_int_equal(vcm_hook(dev, back_on_demand, &od), 0);

    assert_int_equal(access(f, VCODEC_A, 0, 0x100000, false, NULL, NULL), SMMU_FAULTED);
    assert_int_equal(od.calls, 1);
    assert_false(vcm_res_is_backed(r));
    struct smmu_driver *drv = smmu_dev_driver(vcm_dev_smmu(dev));
    assert_true(smmu_fault_log_entry(drv, 0)->hooked);
    assert_int_equal(smmu_fault_log_entry(drv, 0)->action, SMMU_FAULT_TERMINATED);

    /* Hooks exist only where there is a translating context. */
    assert_int_equal(vcm_hook(vcm_dev_cpu(f->p), back_on_demand, &od), -ENODEV);
    /* Removing the hook: the next fault is reported and terminated unhooked. */
    assert_int_equal(vcm_hook(dev, NULL, NULL), 0);
    assert_int_equal(access(f, VCODEC_A, 0, 0x100000, false, NULL, NULL), SMMU_FAULTED);
    assert_int_equal(od.calls, 1);
    assert_false(smmu_fault_log_entry(drv, 1)->hooked);
}

/* ---- Associations ------------------------------------------------------------------------- */

static void test_split_low_high(void **state)
{
    struct test_platform *f = *state;
    struct vcm *low = vcm_create(f->p, SZ_1M, SZ_1G - SZ_1M);
    struct vcm *high = vcm_create(f->p, 0x80000000ull + SZ_1M, SZ_256M);
    struct vcm_dev *dev = vcm_dev_get(f->p, "vcodec_a_mm1");
    struct avcm *al = vcm_assoc(low, dev, VCM_SPLIT | VCM_USE_LOW_BASE);
    struct avcm *ah = vcm_assoc(high, dev, VCM_SPLIT | VCM_USE_HIGH_BASE);
    assert_non_null(al);
    assert_non_null(ah);
    struct smmu_dev *sd = vcm_dev_smmu(dev);
    assert_int_equal(smmu_get_split(sd), VCM_SPLIT_N);
    assert_int_not_equal(smmu_dev_ttbr1(sd), 0);

    /* An unsplit VCM cannot join (TTBCR.N is per context). */
    struct vcm *plain = vcm_create(f->p, SZ_1G, SZ_256M);
    assert_null(vcm_assoc(plain, dev, 0));
    /* A low VCM must end at or below 2 GiB: [1 GiB, 2.5 GiB) does not. */
    struct vcm *wide = vcm_create(f->p, SZ_1G, 3ull * SZ_1G / 2);
    assert_null(vcm_assoc(wide, vcm_dev_get(f->p, "vcodec_b_mm2"),
                          VCM_SPLIT | VCM_USE_LOW_BASE));
    /* SPLIT without a side, and a side without SPLIT. */
    assert_null(vcm_assoc(plain, vcm_dev_get(f->p, "vcodec_b_mm2"), VCM_SPLIT));
    assert_null(vcm_assoc(plain, vcm_dev_get(f->p, "vcodec_b_mm2"), VCM_USE_HIGH_BASE));

    assert_int_equal(vcm_activate(al), 0);
    assert_int_equal(vcm_activate(ah), 0);
    /* TTBCR.N as programmed into bank 1 of vcodec_a. */
    assert_int_equal(smmu_mmio_read(f->hw[VCODEC_A], SMMU_CTX_REG(1, SMMU_TTBCR)) &
                     TTBCR_N_MASK, 1);

    struct res *rl = vcm_reserve(low, SZ_1M, RW);
    struct res *rh = vcm_reserve(high, SZ_1M, RW);
    struct vcm_physmem *ml = vcm_phys_alloc(f->p, VCM_MEMTYPE_0, SZ_1M, VCM_1MB);
    struct vcm_physmem *mh = vcm_phys_alloc(f->p, VCM_MEMTYPE_0, SZ_1M, VCM_1MB);
    assert_int_equal(vcm_get_dev_addr(rl), 0x00100000u);
    assert_int_equal(vcm_get_dev_addr(rh), 0x80100000u);
    assert_int_equal(vcm_back(rl, ml), 0);
    assert_int_equal(vcm_back(rh, mh), 0);

    /* Low: L1 entry 1 of the TTBR0 table. High: entry 0x801 of the TTBR1 table
     * (1M blocks 0x82000000 and 0x82100000), and nothing at 0x801 in TTBR0's. */
    uint32_t t0 = smmu_dev_ttbr0(sd), t1 = smmu_dev_ttbr1(sd);
    assert_int_equal(physmem_read32(f->pm, t0 + 4 * 1), 0x820A0C12u);
    assert_int_equal(physmem_read32(f->pm, t1 + 4 * 0x801), 0x821A0C12u);
    assert_int_equal(physmem_read32(f->pm, t0 + 4 * 0x801), 0);

    assert_int_equal(translate(dev, 0x00100123), 0x82000123u);
    assert_int_equal(translate(dev, 0x80100123), 0x82100123u);
    uint32_t pa;
    assert_int_equal(access(f, VCODEC_A, 0, 0x80100456, false, &pa, NULL), SMMU_DONE);
    assert_int_equal(pa, 0x82100456u);
}

static void test_many_devices_and_vcms(void **state)
{
    struct test_platform *f = *state;
    struct vcm *vcm = vcm_create(f->p, SZ_1M, SZ_256M);
    struct vcm_dev *da = vcm_dev_get(f->p, "vcodec_a_mm1");
    struct vcm_dev *db = vcm_dev_get(f->p, "vcodec_b_mm2");
    struct avcm *aa = vcm_assoc(vcm, da, 0);
    struct avcm *ab = vcm_assoc(vcm, db, 0);
    assert_int_equal(vcm_activate(aa), 0);
    assert_int_equal(vcm_activate(ab), 0);
    struct res *r = vcm_reserve(vcm, SZ_1M, RW);
    struct vcm_physmem *m = vcm_phys_alloc(f->p, VCM_MEMTYPE_0, SZ_1M, VCM_1MB);
    assert_int_equal(vcm_back(r, m), 0);
    uint32_t pa;
    assert_int_equal(access(f, VCODEC_A, 0, 0x100010, false, &pa, NULL), SMMU_DONE);
    assert_int_equal(pa, 0x82000010u);
    assert_int_equal(access(f, VCODEC_B, 0, 0x100010, false, &pa, NULL), SMMU_DONE);
    assert_int_equal(pa, 0x82000010u);

    /* Associated after backing: the existing mapping is written into it too. */
    struct vcm_dev *dc = vcm_dev_get(f->p, "vcodec_a_stream");
    struct avcm *ac = vcm_assoc(vcm, dc, 0);
    assert_non_null(ac);
    assert_int_equal(vcm_activate(ac), 0);
    assert_int_equal(access(f, VCODEC_A, 2, 0x100010, false, &pa, NULL), SMMU_DONE);
    assert_int_equal(pa, 0x82000010u);

    /* The same VCM twice on one device, and an overlapping VCM: refused. */
    assert_null(vcm_assoc(vcm, da, 0));
    struct vcm *over = vcm_create(f->p, SZ_256M - SZ_1M, SZ_16M);
    assert_null(vcm_assoc(over, da, 0));

    /* Many VCMs on one device: activation is counted per device. */
    struct vcm *vcm2 = vcm_create(f->p, SZ_256M + SZ_1M, SZ_256M);
    struct avcm *a2 = vcm_assoc(vcm2, da, 0);
    assert_non_null(a2);
    assert_int_equal(vcm_activate(a2), 0);
    assert_int_equal(vcm_deactivate(a2), 0);
    assert_int_equal(smmu_is_active(vcm_dev_smmu(da)), 1);     /* aa still holds it */
    assert_int_equal(vcm_deactivate(aa), 0);
    assert_int_equal(smmu_is_active(vcm_dev_smmu(da)), 0);
    assert_int_equal(vcm_is_active(aa), 0);
    assert_int_equal(vcm_is_active(ab), 1);

    /* Unback removes the page from every context: V2P faults on b and c. */
    assert_int_equal(vcm_unback(r), 0);
    uint32_t x;
    assert_int_equal(smmu_translate(vcm_dev_smmu(db), 0x100010, &x), -EFAULT);
    assert_int_equal(smmu_translate(vcm_dev_smmu(dc), 0x100010, &x), -EFAULT);
    /* Deassociation removes mappings: re-back, deassociate b, b faults, c does not. */
    assert_int_equal(vcm_back(r, m), 0);
    assert_int_equal(vcm_deassoc(ab), -EBUSY);                  /* still active */
    assert_int_equal(vcm_deactivate(ab), 0);
    assert_int_equal(vcm_deassoc(ab), 0);
    assert_int_equal(vcm_activate(aa), 0);
    /* msm-3.4 routes the MIDs when the SMMU is probed and only resets the bank on
     * detach: a detached context's traffic passes untranslated, PA = IOVA */
    uint32_t bypass_pa = 0;
    assert_int_equal(access(f, VCODEC_B, 0, 0x100010, false, &bypass_pa, NULL), SMMU_DONE);
    assert_int_equal(bypass_pa, 0x100010u);
    assert_int_equal(translate(dc, 0x100010), 0x82000010u);
    assert_int_equal(translate(da, 0x100010), 0x82000010u);
}

/* Backing is all or nothing across contexts. */
static void test_back_all_or_nothing(void **state)
{
    struct test_platform *f = *state;
    struct vcm *vcm = vcm_create(f->p, SZ_1M, SZ_256M);
    struct vcm_dev *da = vcm_dev_get(f->p, "vcodec_a_mm1");
    struct vcm_dev *db = vcm_dev_get(f->p, "vcodec_b_mm2");
    /* b first, a second: a is mapped first (newest association first), then b fails. */
    struct avcm *ab = vcm_assoc(vcm, db, 0);
    struct avcm *aa = vcm_assoc(vcm, da, 0);
    assert_int_equal(vcm_activate(aa), 0);
    assert_int_equal(vcm_activate(ab), 0);
    /* Something else already maps a 4 KiB page at 0x100000 in b's tables. */
    struct smmu_dev *sb = vcm_dev_smmu(db);
    assert_int_equal(smmu_map(sb, 0x83FFF000u, 0x100000, SZ_4K, SMMU_ATTR_READ), 0);

    struct res *r = vcm_reserve(vcm, SZ_1M, RW);
    struct vcm_physmem *m = vcm_phys_alloc(f->p, VCM_MEMTYPE_0, SZ_1M, VCM_1MB);
    const struct smmu_dev_stats *sa = smmu_dev_stats(vcm_dev_smmu(da));
    /* A section cannot go over b's L2 table: -EBUSY, and a's section is taken back. */
    assert_int_equal(vcm_back(r, m), -EBUSY);
    assert_int_equal(sa->maps[PAGE_1M], 1);
    assert_int_equal(sa->unmaps[PAGE_1M], 1);
    uint32_t x;
    assert_int_equal(smmu_translate(vcm_dev_smmu(da), 0x100000, &x), -EFAULT);
    assert_false(vcm_res_is_backed(r));
    assert_non_null(strstr(vcm_last_error(f->p), "vcodec_b_mm2"));
    /* The foreign page in b is untouched. */
    assert_int_equal(translate(db, 0x100000), 0x83FFF000u);
    /* Nothing holds the allocation: it frees at once. */
    assert_int_equal(vcm_phys_free(m), 0);
}

/* ---- Reservation placement ---------------------------------------------------------------- */

static void test_alignment_guard_hole(void **state)
{
    struct test_platform *f = *state;

    /* Guard pages: a 4 KiB reservation takes 8 KiB of address space. */
    struct vcm *g = vcm_create(f->p, SZ_1M, SZ_16M);
    assert_int_equal(vcm_set_guard(g, true), 0);
    assert_int_equal(vcm_get_dev_addr(vcm_reserve(g, SZ_4K, RW)), 0x100000);
    assert_int_equal(vcm_get_dev_addr(vcm_reserve(g, SZ_4K, RW)), 0x102000);

    /* A hole over the first MiB: the next reservation starts after it. */
    struct vcm *h = vcm_create(f->p, SZ_1M, SZ_16M);
    assert_int_equal(vcm_reserve_hole(h, SZ_1M, SZ_1M), 0);
    assert_int_equal(vcm_get_dev_addr(vcm_reserve(h, SZ_4K, RW)), 0x200000);
    /* Order 20 asks for 1 MiB alignment of a 4 KiB reservation: 0x300000. */
    assert_int_equal(vcm_get_dev_addr(vcm_reserve(h, SZ_4K, RW | VCM_ALIGN_ATTR(20))),
                     0x300000);
    /*
     * 64 KiB <= 128 KiB < 1 MiB: 64 KiB aligned, lowest address first: the free range
     * [0x201000, 0x300000) left below the 1 MiB-aligned page takes it at 0x210000.
     */
    assert_int_equal(vcm_get_dev_addr(vcm_reserve(h, 2 * SZ_64K, RW)), 0x210000);

    /* Order 16 asks for less than the default: a 2 MiB reservation at 64 KiB. */
    struct vcm *s = vcm_create(f->p, SZ_64K, SZ_16M);
    assert_int_equal(vcm_get_dev_addr(vcm_reserve(s, SZ_2M, RW | VCM_ALIGN_ATTR(16))),
                     0x10000);
    /* Default: 1 MiB aligned, after [0x10000, 0x210000): 0x300000. */
    assert_int_equal(vcm_get_dev_addr(vcm_reserve(s, SZ_2M, RW)), 0x300000);
    /* Orders 1..11 are invalid. */
    assert_null(vcm_reserve(s, SZ_4K, RW | VCM_ALIGN_ATTR(5)));
    assert_non_null(strstr(vcm_last_error(f->p), "alignment order"));

    /* A VMM VCM leaves a guard page after each reservation, as vmalloc does. */
    struct vcm *vmm = vcm_create_from_prebuilt(f->p, VCM_PREBUILT_KERNEL);
    assert_int_equal(vcm_get_dev_addr(vcm_reserve(vmm, SZ_4K, RW)), TP_VMM_START);
    assert_int_equal(vcm_get_dev_addr(vcm_reserve(vmm, SZ_4K, RW)), TP_VMM_START + 2 * SZ_4K);
}

/* ---- Misuse: a clear error and nothing changes --------------------------------------------- */

static void test_misuse(void **state)
{
    struct test_platform *f = *state;
    struct vcm *vcm = vcm_create(f->p, SZ_1M, SZ_16M);
    struct vcm_dev *dev = vcm_dev_get(f->p, "vcodec_a_mm1");
    struct avcm *av = vcm_assoc(vcm, dev, 0);
    assert_int_equal(vcm_activate(av), 0);

    /* Reserve more than the VCM holds. */
    assert_null(vcm_reserve(vcm, SZ_16M + SZ_4K, RW));
    assert_non_null(strstr(vcm_last_error(f->p), "len"));
    assert_null(vcm_reserve(vcm, 0, RW));
    assert_null(vcm_reserve(vcm, SZ_4K, VCM_EXECUTE));              /* neither R nor W */
    assert_null(vcm_reserve(vcm, SZ_4K, RW | 0x7));                 /* cache policy 7 */
    assert_null(vcm_reserve(vcm, SZ_4K, RW | (1u << 20)));          /* unknown bit */
    /* Nothing was taken: the whole VCM is still free. */
    struct res *whole = vcm_reserve(vcm, SZ_16M, RW);
    assert_non_null(whole);
    assert_int_equal(vcm_get_dev_addr(whole), 0x100000);
    assert_int_equal(vcm_unreserve(whole), 0);

    struct res *r = vcm_reserve(vcm, SZ_64K, RW);
    struct vcm_physmem *m4 = vcm_phys_alloc(f->p, VCM_MEMTYPE_0, SZ_4K, VCM_4KB);
    struct vcm_physmem *m64 = vcm_phys_alloc(f->p, VCM_MEMTYPE_0, SZ_64K, VCM_64KB);
    assert_non_null(m4);
    assert_non_null(m64);
    const struct smmu_dev_stats *st = smmu_dev_stats(vcm_dev_smmu(dev));

    /* Back with a physmem of the wrong size. */
    assert_int_equal(vcm_back(r, m4), -EINVAL);
    assert_non_null(strstr(vcm_last_error(f->p), "sizes must be equal"));
    assert_false(vcm_res_is_backed(r));
    assert_int_equal(st->maps[PAGE_4K] + st->maps[PAGE_64K], 0);

    assert_int_equal(vcm_back(r, m64), 0);
    /* Back twice. */
    assert_int_equal(vcm_back(r, m64), -EBUSY);
    /* Unreserve while backed: refused, the mapping stays. */
    assert_int_equal(vcm_unreserve(r), -EBUSY);
    assert_true(vcm_res_is_backed(r));
    assert_int_equal(translate(dev, 0x100010), 0x83000010u);
    /* Free the physmem while it backs something. */
    assert_int_equal(vcm_phys_free(m64), -EBUSY);
    /* Free a VCM that has reservations and associations. */
    assert_int_equal(vcm_free(vcm), -EBUSY);
    /* Activate twice: refused, still active. */
    assert_int_equal(vcm_activate(av), -EBUSY);
    assert_int_equal(vcm_is_active(av), 1);
    assert_int_equal(translate(dev, 0x100010), 0x83000010u);
    /* Deactivate twice. */
    assert_int_equal(vcm_deactivate(av), 0);
    assert_int_equal(vcm_deactivate(av), -EINVAL);
    assert_int_equal(vcm_activate(av), 0);

    /* Double frees. */
    assert_int_equal(vcm_phys_free(m4), 0);
    assert_int_equal(vcm_phys_free(m4), -EINVAL);
    assert_int_equal(vcm_unback(r), 0);
    assert_int_equal(vcm_unback(r), -EINVAL);
    assert_int_equal(vcm_unreserve(r), 0);
    assert_int_equal(vcm_unreserve(r), -EINVAL);
    assert_int_equal(vcm_deactivate(av), 0);
    assert_int_equal(vcm_deassoc(av), 0);
    assert_int_equal(vcm_deassoc(av), -EINVAL);
    assert_int_equal(vcm_free(vcm), 0);
    assert_int_equal(vcm_free(vcm), -EINVAL);
    assert_null(vcm_reserve(vcm, SZ_4K, RW));                      /* a freed VCM */

    /* Wrong pairings and bad arguments. */
    struct vcm *v2 = vcm_create(f->p, SZ_1M, SZ_16M);
    assert_null(vcm_assoc(v2, vcm_dev_cpu(f->p), 0));              /* IOMMU VCM on the CPU */
    assert_non_null(strstr(vcm_last_error(f->p), "CPU"));
    assert_null(vcm_dev_get(f->p, "no_such_ctx"));
    assert_null(vcm_create(f->p, 0xFFFFF000u, SZ_16M));             /* past 2^32 */
    assert_null(vcm_create(f->p, SZ_1M, 0));
    assert_null(vcm_create_from_prebuilt(f->p, 7));
    assert_null(vcm_phys_alloc(f->p, VCM_MEMTYPE_0, SZ_4K, 0));     /* no block size */
    assert_null(vcm_phys_alloc(f->p, VCM_MEMTYPE_1, SZ_4K, VCM_4KB)); /* no such target */
    assert_null(vcm_phys_alloc(f->p, VCM_MEMTYPE_0, SZ_4K, VCM_4KB | VCM_ALIGN_ATTR(16)));
    assert_int_equal(vcm_dev_put(vcm_dev_cpu(f->p)), -EINVAL);
}

/* One-to-one reservations only take the memory at their own address. */
static void test_one_to_one_rules(void **state)
{
    struct test_platform *f = *state;
    struct vcm_physmem *m = vcm_phys_alloc(f->p, VCM_MEMTYPE_0, SZ_64K, VCM_PHYS_CONT);
    struct vcm_physmem *other = vcm_phys_alloc(f->p, VCM_MEMTYPE_0, SZ_64K, VCM_PHYS_CONT);
    /* 64 KiB aligned first fit: 0x84000000, then 0x84010000. */
    assert_int_equal(vcm_phys_blocks(m)->blocks[0].pa, 0x84000000u);
    assert_int_equal(vcm_phys_blocks(other)->blocks[0].pa, 0x84010000u);
    struct vcm *v = vcm_create(f->p, 0x84000000u, SZ_64K);
    assert_int_equal(vcm_get_type(v), VCM_TYPE_ONE_TO_ONE);
    struct res *r = vcm_reserve(v, SZ_64K, RW);
    assert_int_equal(vcm_get_dev_addr(r), 0x84000000u);
    assert_int_equal(vcm_back(r, other), -EINVAL);
    assert_false(vcm_res_is_backed(r));
    assert_int_equal(vcm_back(r, m), 0);
    /* A one-to-one VCM goes with a one-to-one device only. */
    assert_null(vcm_assoc(v, vcm_dev_get(f->p, "rot_dst"), 0));
    /* With no SMMU in front, activation only counts. */
    struct vcm_dev *direct = vcm_dev_one_to_one(f->p, NULL);
    struct avcm *a = vcm_assoc(v, direct, 0);
    assert_non_null(a);
    assert_int_equal(vcm_activate(a), 0);
    assert_int_equal(vcm_is_active(a), 1);
    assert_int_equal(vcm_activate(a), -EBUSY);
    assert_string_equal(vcm_dev_name(direct), "direct");
    /* A VMM view of a reservation that is not VMM is refused. */
    char b[4];
    assert_int_equal(vcm_vmm_read(r, 0, b, sizeof(b)), -EINVAL);
}

static void test_policy_names(void **state)
{
    (void)state;
    enum vcm_map_policy p;

    assert_int_equal(vcm_map_policy_parse("64k", &p), 0);
    assert_int_equal(p, VCM_MAP_64K);
    assert_int_equal(vcm_map_policy_parse("best", &p), 0);
    assert_int_equal(p, VCM_MAP_BEST);
    assert_int_equal(vcm_map_policy_parse("2m", &p), -EINVAL);
    assert_int_equal(vcm_map_policy_parse(NULL, &p), -EINVAL);
    assert_int_equal(vcm_map_policy_parse("4k", NULL), -EINVAL);
    assert_int_equal(p, VCM_MAP_BEST);                  /* unchanged by the failures */
    assert_string_equal(vcm_map_policy_name(VCM_MAP_16M), "16m");
    assert_null(vcm_map_policy_name(VCM_MAP_NPOLICIES));
}

/* ---- Platforms: configuration errors, a platform without SMMUs or VMM ---------------- */

static void test_platform_config_errors(void **state)
{
    struct test_platform *f = *state;
    char err[256];
    struct vcm_platform_cfg c = { .pm = f->pm };

    assert_null(vcm_platform_new(NULL, err, sizeof(err)));
    assert_string_equal(err, "vcm_platform_new: cfg is NULL");
    c.pm = NULL;
    assert_null(vcm_platform_new(&c, err, sizeof(err)));
    assert_string_equal(err, "vcm_platform_new: pm (the physical memory) is required");
    c.pm = f->pm;
    c.policy = VCM_MAP_NPOLICIES;
    assert_null(vcm_platform_new(&c, err, sizeof(err)));
    assert_string_equal(err, "vcm_platform_new: policy must be one of best, 4k, 64k, 1m, 16m");
    c.policy = VCM_MAP_BEST;
    /* A VMM area that starts off a page, and one that runs past 2^32. */
    c.vmm_start = TP_VMM_START + 0x800;
    c.vmm_len = SZ_1M;
    assert_null(vcm_platform_new(&c, err, sizeof(err)));
    assert_string_equal(err, "vcm_platform_new: the VMM area (vmm_start, vmm_len) must be "
                             "4 KiB aligned and end at or below 2^32");
    c.vmm_start = 0xFFF00000u;
    c.vmm_len = SZ_2M;
    assert_null(vcm_platform_new(&c, NULL, 0));         /* no message buffer: no crash */
    assert_null(vcm_platform_new(&c, err, sizeof(err)));
    assert_non_null(strstr(err, "end at or below 2^32"));
}

/*
 * A second platform on the same memory target, with no SMMU tree and no VMM area:
 * the calls that need either are refused with a sentence, and objects of one
 * platform are refused by the other.
 */
static void test_platform_without_tree_or_vmm(void **state)
{
    struct test_platform *f = *state;
    char err[256];
    struct vcm_platform_cfg c = { .pm = f->pm, .target = { f->mem } };
    struct vcm_platform *p2 = vcm_platform_new(&c, err, sizeof(err));

    assert_non_null(p2);
    assert_ptr_equal(vcm_platform_physmem(p2), f->pm);
    assert_string_equal(vcm_last_error(p2), "");
    assert_string_equal(vcm_last_error(NULL), "");

    assert_null(vcm_dev_get(p2, "vcodec_a_mm1"));
    assert_string_equal(vcm_last_error(p2), "vcm_dev_get: the platform has no SMMU tree, "
                                            "so no context 'vcodec_a_mm1'");
    assert_null(vcm_dev_get(p2, NULL));
    assert_string_equal(vcm_last_error(p2), "vcm_dev_get: ctx_name is NULL");
    assert_null(vcm_dev_one_to_one(p2, "rot_src"));
    assert_string_equal(vcm_last_error(p2), "vcm_dev_one_to_one: the platform has no SMMU "
                                            "tree, so no context 'rot_src'");
    assert_null(vcm_create_from_prebuilt(p2, VCM_PREBUILT_KERNEL));
    assert_string_equal(vcm_last_error(p2), "vcm_create_from_prebuilt: the platform has no "
                                            "VMM area (vmm_len is 0)");
    /* Calls on something that is not a platform create nothing. */
    assert_null(vcm_dev_get(NULL, "vcodec_a_mm1"));
    assert_null(vcm_dev_one_to_one(NULL, NULL));
    assert_null(vcm_dev_cpu(NULL));
    assert_null(vcm_create(NULL, SZ_1M, SZ_1M));
    assert_null(vcm_create_from_prebuilt(NULL, VCM_PREBUILT_KERNEL));
    assert_null(vcm_phys_alloc(NULL, VCM_MEMTYPE_0, SZ_4K, VCM_4KB));
    vcm_platform_free(NULL);

    /* A physical allocation of p2 cannot back a reservation of the fixture's platform. */
    struct vcm_physmem *m2 = vcm_phys_alloc(p2, VCM_MEMTYPE_0, SZ_4K, VCM_4KB);
    assert_non_null(m2);
    struct vcm *v = vcm_create(f->p, SZ_1M, SZ_16M);
    struct res *r = vcm_reserve(v, SZ_4K, RW);
    assert_int_equal(vcm_back(r, m2), -EINVAL);
    assert_string_equal(vcm_last_error(f->p), "vcm_back: physmem belongs to another platform");
    assert_false(vcm_res_is_backed(r));
    /* Nor can p2's direct device take the fixture's one-to-one VCM. */
    struct vcm_physmem *cont = vcm_phys_alloc(f->p, VCM_MEMTYPE_0, SZ_64K, VCM_PHYS_CONT);
    struct vcm *v11 = vcm_create(f->p, vcm_phys_blocks(cont)->blocks[0].pa, SZ_64K);
    assert_int_equal(vcm_get_type(v11), VCM_TYPE_ONE_TO_ONE);
    struct vcm_dev *d2 = vcm_dev_one_to_one(p2, NULL);
    assert_non_null(d2);
    assert_int_equal(vcm_dev_type(d2), VCM_DEV_ONE_TO_ONE);
    assert_null(vcm_dev_smmu(d2));
    assert_null(vcm_assoc(v11, d2, 0));
    assert_string_equal(vcm_last_error(f->p), "vcm_assoc: the device belongs to another "
                                              "platform");

    /*
     * The platform's mapping policy applies to reservations without their own. p2 has
     * no devices, but backing still plans the pages: a 64 KiB reservation (64 KiB
     * aligned) on one 64K block is 16 small pages under "4k", one large page once
     * the reservation asks for "best".
     */
    assert_int_equal(vcm_platform_set_policy(p2, VCM_MAP_NPOLICIES), -EINVAL);
    assert_string_equal(vcm_last_error(p2), "vcm_platform_set_policy: policy 5 is out of "
                                            "range (best, 4k, 64k, 1m, 16m)");
    assert_int_equal(vcm_platform_policy(p2), VCM_MAP_BEST);
    assert_int_equal(vcm_platform_set_policy(p2, VCM_MAP_4K), 0);
    assert_int_equal(vcm_platform_policy(p2), VCM_MAP_4K);
    assert_int_equal(vcm_platform_set_policy(NULL, VCM_MAP_4K), -EINVAL);
    assert_int_equal(vcm_platform_policy(NULL), VCM_MAP_BEST);
    struct vcm *pv = vcm_create(p2, SZ_1M, SZ_16M);
    struct res *pr = vcm_reserve(pv, SZ_64K, RW);
    struct vcm_physmem *pm64 = vcm_phys_alloc(p2, VCM_MEMTYPE_0, SZ_64K, VCM_64KB);
    struct vcm_map_mix mix;
    assert_int_equal(vcm_back(pr, pm64), 0);
    assert_int_equal(vcm_res_mix(pr, &mix), 0);
    assert_int_equal(mix.count[PAGE_4K], 16);
    assert_int_equal(mix.total, 16);
    assert_int_equal(vcm_unback(pr), 0);
    assert_int_equal(vcm_res_set_policy(pr, VCM_MAP_BEST), 0);
    assert_int_equal(vcm_back(pr, pm64), 0);
    assert_int_equal(vcm_res_mix(pr, &mix), 0);
    assert_int_equal(mix.count[PAGE_64K], 1);
    assert_int_equal(mix.total, 1);

    /* Freeing p2 frees what it still holds (backed reservation, allocations, device). */
    vcm_platform_free(p2);
    assert_int_equal(vcm_phys_len(m2), 0);              /* a dead handle */
    assert_int_equal(vcm_get_len(pv), 0);
}

/* ---- Mapping attributes and the 1M cap, in the descriptors ----------------------------- */

static void test_attributes_and_1m_policy(void **state)
{
    struct test_platform *f = *state;
    struct vcm *vcm = vcm_create(f->p, SZ_1M, SZ_256M);
    struct vcm_dev *dev = vcm_dev_get(f->p, "vcodec_a_mm1");
    struct avcm *av = vcm_assoc(vcm, dev, 0);
    assert_non_null(av);
    assert_int_equal(vcm_dev_type(dev), VCM_DEV_IOMMU);
    assert_int_equal(vcm_dev_type(vcm_dev_cpu(f->p)), VCM_DEV_CPU);
    uint32_t ttbr0 = smmu_dev_ttbr0(vcm_dev_smmu(dev));

    static const struct {
        uint32_t attr;
        uint32_t desc;              /* the section descriptor, worked out below */
    } c[] = {
        /*
         * EXECUTE: XN clear; SECURE: NS clear; WB-WA is TEX remap index 1 = B (bit 2).
         * 0x82000000 | nG 0x20000 | AP1 0x800 | AP0 0x400 | B 0x4 | 0b10 = 0x82020C06.
         */
        { RW | VCM_EXECUTE | VCM_SECURE | VCM_WB_WA, 0x82020C06u },
        /*
         * SUPERVISOR alone: privileged only, AP1 clear; WT is index 2 = C (bit 3).
         * 0x82100000 | NS 0x80000 | nG 0x20000 | AP0 0x400 | XN 0x10 | C 0x8 | 0b10
         * = 0x821A041Au.
         */
        { RW | VCM_SUPERVISOR | VCM_WT, 0x821A041Au },
        /*
         * Read-only (AP2, bit 15) for user and kernel; WB-NWA is index 3 = C | B.
         * 0x82200000 | NS 0x80000 | nG 0x20000 | AP2 0x8000 | AP1 0x800 | AP0 0x400 |
         * XN 0x10 | CB 0xC | 0b10 = 0x822A8C1Eu.
         */
        { VCM_READ | VCM_USER | VCM_WB_NWA, 0x822A8C1Eu },
    };
    for (unsigned i = 0; i < 3; i++) {
        struct res *r = vcm_reserve(vcm, SZ_1M, c[i].attr);
        /* 1 MiB reservations one after another from 1 MiB: 0x100000, 0x200000, ... */
        assert_int_equal(vcm_get_dev_addr(r), 0x100000u * (i + 1));
        assert_int_equal(vcm_get_res_attr(r), c[i].attr);
        assert_ptr_equal(vcm_get_vcm_from_res(r), vcm);
        struct vcm_physmem *m = vcm_phys_alloc(f->p, VCM_MEMTYPE_0, SZ_1M, VCM_1MB);
        /* The 1M pool's blocks in order: 0x82000000, 0x82100000, 0x82200000. */
        assert_int_equal(vcm_phys_blocks(m)->blocks[0].pa, 0x82000000u + 0x100000u * i);
        assert_int_equal(vcm_back(r, m), 0);
        assert_ptr_equal(vcm_res_physmem(r), m);
        assert_int_equal(physmem_read32(f->pm, ttbr0 + 4 * (i + 1)), c[i].desc);
    }

    /*
     * The "1m" cap on a 16 MiB reservation at 16 MiB backed by the first 16M block
     * (0x80000000): 16 sections instead of one supersection, L1 entries 0x10..0x1F,
     * each 0x80000000 + n MiB | NS | nG | AP1 | AP0 | XN | 0b10 (0xA0C12).
     */
    struct res *big = vcm_reserve(vcm, SZ_16M, RW | VCM_ALIGN_ATTR(24));
    assert_int_equal(vcm_get_dev_addr(big), 0x01000000u);
    assert_int_equal(vcm_res_set_policy(big, VCM_MAP_1M), 0);
    struct vcm_physmem *m16 = vcm_phys_alloc(f->p, VCM_MEMTYPE_0, SZ_16M, VCM_ALL);
    assert_int_equal(vcm_phys_blocks(m16)->blocks[0].pa, 0x80000000u);
    assert_int_equal(vcm_back(big, m16), 0);
    struct vcm_map_mix mix;
    assert_int_equal(vcm_res_mix(big, &mix), 0);
    assert_int_equal(mix.count[PAGE_1M], 16);
    assert_int_equal(mix.count[PAGE_16M], 0);
    assert_int_equal(mix.total, 16);
    for (unsigned i = 0; i < 16; i++)
        assert_int_equal(physmem_read32(f->pm, ttbr0 + 4 * (0x10 + i)),
                         (0x80000000u + i * SZ_1M) | 0xA0C12u);
    /* The VCM's mix is the sum over its reservations: 3 + 16 sections. */
    assert_int_equal(vcm_mix(vcm, &mix), 0);
    assert_int_equal(mix.count[PAGE_1M], 19);
    assert_int_equal(mix.total, 19);
    assert_int_equal(vcm_mix(NULL, &mix), -EINVAL);
    assert_int_equal(vcm_mix(vcm, NULL), -EINVAL);
    assert_int_equal(vcm_res_mix(NULL, &mix), -EINVAL);
    /* A backed reservation keeps its policy. */
    assert_int_equal(vcm_res_set_policy(big, VCM_MAP_4K), -EBUSY);
    assert_string_equal(vcm_last_error(f->p), "vcm_res_set_policy: the reservation at "
                                              "0x1000000 is backed");
    assert_int_equal(vcm_res_set_policy(big, VCM_MAP_NPOLICIES), -EINVAL);
    assert_string_equal(vcm_last_error(f->p), "vcm_res_set_policy: policy 5 is out of range "
                                              "(best, 4k, 64k, 1m, 16m)");
    assert_int_equal(vcm_res_set_policy(NULL, VCM_MAP_4K), -EINVAL);
}

/* ---- Reservations: lookups, a full VCM, prefix backing, CPU copies ---------------------- */

static void test_reservation_queries_and_limits(void **state)
{
    struct test_platform *f = *state;

    /* A 64 KiB VCM holds one 64 KiB reservation and then nothing. */
    struct vcm *small = vcm_create(f->p, SZ_1M, SZ_64K);
    struct res *all = vcm_reserve(small, SZ_64K, RW);
    assert_non_null(all);
    assert_null(vcm_reserve(small, SZ_4K, RW));
    assert_string_equal(vcm_last_error(f->p),
                        "iova: no room for len 0x1000 (span 0x1000, align 0x1000) in "
                        "[0x100000, 0x110000): 0 bytes free, largest free range 0x0");
    assert_ptr_equal(vcm_find_res(small, 0x10FFFFu), all);
    assert_null(vcm_find_res(small, 0x110000u));
    assert_null(vcm_find_res(NULL, 0x100000u));
    /* A VCM with a reservation and no device still frees only once empty. */
    assert_int_equal(vcm_free(small), -EBUSY);
    assert_int_equal(vcm_unreserve(all), 0);
    assert_int_equal(vcm_free(small), 0);

    /*
     * Prefix backing: a 64 KiB reservation (64 KiB aligned: 0x100000 in a VCM at
     * 1 MiB) with one 4 KiB page at its start (the first 4K block, 0x83800000). The
     * rest of the reservation has no physical address.
     */
    struct vcm *vcm = vcm_create(f->p, SZ_1M, SZ_16M);
    struct res *r = vcm_reserve(vcm, SZ_64K, RW);
    assert_int_equal(vcm_get_dev_addr(r), 0x100000u);
    struct vcm_physmem *m4 = vcm_phys_alloc(f->p, VCM_MEMTYPE_0, SZ_4K, VCM_4KB);
    struct vcm_physmem *m8 = vcm_phys_alloc(f->p, VCM_MEMTYPE_0, 2 * SZ_4K, VCM_4KB);
    uint32_t pa;
    assert_int_equal(vcm_res_phys_addr(r, 0, &pa), -EINVAL);
    assert_string_equal(vcm_last_error(f->p), "vcm_res_phys_addr: offset 0x0 of the "
                                              "reservation at 0x100000 is not backed");
    assert_int_equal(vcm_back(NULL, m4), -EINVAL);
    assert_int_equal(vcm_back(r, NULL), -EINVAL);
    assert_string_equal(vcm_last_error(f->p), "vcm_back: physmem is not a live physical "
                                              "allocation");
    struct res *tiny = vcm_reserve(vcm, SZ_4K, RW);
    assert_int_equal(vcm_back_prefix(tiny, m8), -EINVAL);
    assert_string_equal(vcm_last_error(f->p), "vcm_back_prefix: physmem of 0x2000 bytes "
                                              "cannot back a reservation of 0x1000 bytes "
                                              "(it must not be longer)");
    assert_int_equal(vcm_back_prefix(r, m4), 0);
    assert_int_equal(vcm_res_phys_addr(r, 0x10, &pa), 0);
    assert_int_equal(pa, 0x83800010u);
    assert_int_equal(vcm_res_phys_addr(r, 0x1000, &pa), -EINVAL);
    assert_string_equal(vcm_last_error(f->p), "vcm_res_phys_addr: offset 0x1000 of the "
                                              "reservation at 0x100000 is not backed");
    assert_int_equal(vcm_res_phys_addr(NULL, 0, &pa), -EINVAL);
    assert_int_equal(vcm_res_phys_addr(r, 0, NULL), -EINVAL);
    assert_null(vcm_res_physmem(NULL));
    assert_null(vcm_res_physmem(tiny));
    assert_int_equal(vcm_unback(NULL), -EINVAL);

    /* Guard and hole calls: only where they mean something. */
    struct vcm *vmm = vcm_create_from_prebuilt(f->p, VCM_PREBUILT_KERNEL);
    assert_int_equal(vcm_set_guard(vmm, false), -EINVAL);
    assert_string_equal(vcm_last_error(f->p), "vcm_set_guard: a VMM VCM always has guard "
                                              "pages");
    assert_int_equal(vcm_set_guard(NULL, true), -EINVAL);
    assert_int_equal(vcm_reserve_hole(vmm, TP_VMM_START, SZ_4K), -EINVAL);
    assert_string_equal(vcm_last_error(f->p), "vcm_reserve_hole: only IOMMU VCMs have holes");
    assert_int_equal(vcm_reserve_hole(NULL, TP_VMM_START, SZ_4K), -EINVAL);
}

/*
 * CPU copies through a VMM reservation whose two 4 KiB pages are not physically
 * adjacent. The 4K pool hands out its lowest free blocks: take 0x83800000 and
 * 0x83801000, give the first back, and an 8 KiB allocation gets 0x83800000 and
 * 0x83802000.
 */
static void test_vmm_copy_across_pages(void **state)
{
    struct test_platform *f = *state;
    struct vcm_physmem *a = vcm_phys_alloc(f->p, VCM_MEMTYPE_0, SZ_4K, VCM_4KB);
    struct vcm_physmem *hold = vcm_phys_alloc(f->p, VCM_MEMTYPE_0, SZ_4K, VCM_4KB);
    assert_int_equal(vcm_phys_blocks(hold)->blocks[0].pa, 0x83801000u);
    assert_int_equal(vcm_phys_free(a), 0);
    struct vcm_physmem *m = vcm_phys_alloc(f->p, VCM_MEMTYPE_0, 2 * SZ_4K, VCM_4KB);
    assert_int_equal(vcm_phys_blocks(m)->nblocks, 2);
    assert_int_equal(vcm_phys_blocks(m)->blocks[0].pa, 0x83800000u);
    assert_int_equal(vcm_phys_blocks(m)->blocks[1].pa, 0x83802000u);

    struct vcm *vmm = vcm_create_from_prebuilt(f->p, VCM_PREBUILT_KERNEL);
    struct res *r = vcm_reserve(vmm, 2 * SZ_4K, RW);
    assert_int_equal(vcm_back(r, m), 0);
    /* 8 bytes at offset 0xFFC: 4 at the end of the first page, 4 at the start of the
     * second, which is 0x83802000. */
    assert_int_equal(vcm_vmm_write(r, 0xFFC, "abcdefgh", 8), 0);
    char b[9] = "";
    physmem_read(f->pm, 0x83800FFCu, b, 4);
    physmem_read(f->pm, 0x83802000u, b + 4, 4);
    assert_memory_equal(b, "abcdefgh", 8);
    memset(b, 0, sizeof(b));
    assert_int_equal(vcm_vmm_read(r, 0xFFE, b, 4), 0);
    assert_memory_equal(b, "cdef", 4);

    /* Out of range, no buffer, not a reservation. */
    assert_int_equal(vcm_vmm_read(r, 0x1FFE, b, 4), -EINVAL);
    assert_string_equal(vcm_last_error(f->p), "vcm_vmm_read: [0x1ffe, + 0x4) is outside the "
                                              "0x2000 backed bytes");
    assert_int_equal(vcm_vmm_write(r, 0x3000, b, 1), -EINVAL);
    assert_int_equal(vcm_vmm_write(r, 0, NULL, 4), -EINVAL);
    assert_int_equal(vcm_vmm_read(NULL, 0, b, 4), -EINVAL);

    /* Two VMM VCMs share the one VMM area and may both be on the CPU. */
    struct vcm *vmm2 = vcm_create_from_prebuilt(f->p, VCM_PREBUILT_KERNEL);
    assert_non_null(vcm_assoc(vmm, vcm_dev_cpu(f->p), 0));
    assert_non_null(vcm_assoc(vmm2, vcm_dev_cpu(f->p), 0));
    /* r took [TP_VMM_START, + 8 KiB) and its guard page: the next one starts 12 KiB in. */
    assert_int_equal(vcm_get_dev_addr(vcm_reserve(vmm2, SZ_4K, RW)), TP_VMM_START + 0x3000u);
}

/* ---- Physical allocation and device misuse ------------------------------------------------ */

static void test_phys_alloc_and_device_misuse(void **state)
{
    struct test_platform *f = *state;

    assert_null(vcm_phys_alloc(f->p, VCM_MEMTYPE_0, 0, VCM_4KB));
    assert_string_equal(vcm_last_error(f->p), "vcm_phys_alloc: len must be > 0");
    assert_null(vcm_phys_alloc(f->p, VCM_MEMTYPE_0, SZ_4K, VCM_4KB | (1u << 20)));
    assert_string_equal(vcm_last_error(f->p), "vcm_phys_alloc: attr 0x100020 has unknown "
                                              "bits 0x100000");
    assert_null(vcm_phys_alloc(f->p, VCM_MEMTYPE_0, SZ_4K, VCM_PHYS_CONT | VCM_ALIGN_ATTR(5)));
    assert_string_equal(vcm_last_error(f->p), "vcm_phys_alloc: alignment order 5 is out of "
                                              "range (0 for the default, or 12..31)");
    /* 32 MiB from a 16 MiB contiguous pool: the pool's own sentence. */
    assert_null(vcm_phys_alloc(f->p, VCM_MEMTYPE_0, 2 * SZ_16M, VCM_PHYS_CONT));
    assert_string_equal(vcm_last_error(f->p),
                        "phys_alloc PHYS_CONT: cannot allocate 0x2000000 bytes aligned to "
                        "0x100000 from the contiguous pool [0x84000000, 0x85000000): "
                        "0x1000000 bytes free, largest free range 0x1000000");
    /* An order with VCM_PHYS_CONT aligns the range: 64 KiB at 1 MiB (order 20). */
    struct vcm_physmem *pad = vcm_phys_alloc(f->p, VCM_MEMTYPE_0, SZ_4K, VCM_PHYS_CONT);
    struct vcm_physmem *al = vcm_phys_alloc(f->p, VCM_MEMTYPE_0, SZ_64K,
                                            VCM_PHYS_CONT | VCM_ALIGN_ATTR(20));
    assert_int_equal(vcm_phys_blocks(pad)->blocks[0].pa, TP_CONT_BASE);
    assert_int_equal(vcm_phys_blocks(al)->blocks[0].pa, TP_CONT_BASE + SZ_1M);

    /* A device with an association cannot be put; after deassociation it can. */
    struct vcm *vcm = vcm_create(f->p, SZ_1M, SZ_16M);
    struct vcm_dev *dev = vcm_dev_get(f->p, "vcodec_a_mm1");
    struct avcm *av = vcm_assoc(vcm, dev, 0);
    assert_int_equal(vcm_dev_put(dev), -EBUSY);
    assert_string_equal(vcm_last_error(f->p), "vcm_dev_put: device vcodec_a_mm1 still has 1 "
                                              "association(s)");
    assert_int_equal(vcm_free(vcm), -EBUSY);
    assert_string_equal(vcm_last_error(f->p), "vcm_free: the VCM is still associated with a "
                                              "device");
    assert_int_equal(vcm_deassoc(av), 0);
    assert_int_equal(vcm_dev_put(dev), 0);
    assert_int_equal(vcm_dev_put(dev), -EINVAL);
    assert_null(vcm_dev_name(dev));
    assert_int_equal(vcm_free(vcm), 0);

    /* Handles that are not (or no longer) associations. */
    assert_int_equal(vcm_activate(av), -EINVAL);
    assert_int_equal(vcm_deactivate(av), -EINVAL);
    assert_int_equal(vcm_is_active(av), -EINVAL);
    assert_int_equal(vcm_hook(NULL, NULL, NULL), -EINVAL);
}

/* ---- Associations: every refusal names its reason ----------------------------------------- */

static void test_assoc_refusals(void **state)
{
    struct test_platform *f = *state;
    struct vcm *vcm = vcm_create(f->p, SZ_1M, SZ_16M);
    struct vcm *vmm = vcm_create_from_prebuilt(f->p, VCM_PREBUILT_KERNEL);
    struct vcm_dev *dev = vcm_dev_get(f->p, "vcodec_a_mm1");
    struct vcm_physmem *cont = vcm_phys_alloc(f->p, VCM_MEMTYPE_0, SZ_64K, VCM_PHYS_CONT);
    struct vcm *v11 = vcm_create(f->p, TP_CONT_BASE, SZ_64K);
    struct vcm_dev *d11 = vcm_dev_one_to_one(f->p, "rot_src");
    assert_non_null(cont);
    assert_int_equal(vcm_get_type(v11), VCM_TYPE_ONE_TO_ONE);

    assert_null(vcm_assoc(NULL, dev, 0));
    assert_null(vcm_assoc(vcm, NULL, 0));
    assert_string_equal(vcm_last_error(f->p), "vcm_assoc: dev is not a live device");
    assert_null(vcm_assoc(vmm, dev, 0));
    assert_string_equal(vcm_last_error(f->p), "vcm_assoc: a VMM VCM cannot be associated with "
                                              "a SMMU device (vcodec_a_mm1)");
    assert_null(vcm_assoc(v11, vcm_dev_cpu(f->p), 0));
    assert_string_equal(vcm_last_error(f->p), "vcm_assoc: a one-to-one VCM cannot be "
                                              "associated with a CPU device (cpu)");
    assert_null(vcm_assoc(vcm, d11, 0));
    assert_non_null(strstr(vcm_last_error(f->p), "cannot be associated with a one-to-one "
                                                 "device (rot_src)"));
    assert_null(vcm_assoc(vcm, dev, 1u << 5));
    assert_string_equal(vcm_last_error(f->p), "vcm_assoc: attr 0x20 has unknown bits 0x20");
    assert_null(vcm_assoc(v11, d11, VCM_SPLIT | VCM_USE_LOW_BASE));
    assert_string_equal(vcm_last_error(f->p), "vcm_assoc: VCM_SPLIT applies to IOMMU VCMs "
                                              "only");
    assert_null(vcm_assoc(vcm, dev, VCM_SPLIT | VCM_USE_HIGH_BASE));
    assert_string_equal(vcm_last_error(f->p), "vcm_assoc: a VCM_USE_HIGH_BASE VCM must start "
                                              "at or above 0x80000000 (TTBCR.N = 1); this one "
                                              "starts at 0x100000");
    /* Nothing was associated by any of them. */
    assert_int_equal(vcm_dev_put(d11), 0);
    assert_int_equal(vcm_dev_put(dev), 0);
}

/*
 * A split association needs TTBCR.N = 1, which the driver refuses while the
 * context's TTBR0 table maps something at or above 2 GiB (it would move to TTBR1).
 */
static void test_assoc_split_refused_by_driver(void **state)
{
    struct test_platform *f = *state;
    struct vcm *low = vcm_create(f->p, SZ_1M, SZ_16M);
    struct vcm_dev *dev = vcm_dev_get(f->p, "vcodec_b_mm2");
    struct smmu_dev *sd = vcm_dev_smmu(dev);

    assert_int_equal(smmu_map(sd, 0x83FFF000u, 0x90000000u, SZ_4K, SMMU_ATTR_READ), 0);
    assert_null(vcm_assoc(low, dev, VCM_SPLIT | VCM_USE_LOW_BASE));
    assert_string_equal(vcm_last_error(f->p), "vcm_assoc: cannot set TTBCR.N = 1 on "
                                              "vcodec_b_mm2 (-16)");
    assert_int_equal(smmu_get_split(sd), 0);
    assert_int_equal(vcm_free(low), 0);                 /* no association was left behind */
}

/*
 * Associating a VCM whose reservations are already backed writes their mappings into
 * the new context; when one cannot be written (a foreign page sits where a section
 * must go) the ones already written are removed and the split is undone.
 */
static void test_assoc_after_backing_rolls_back(void **state)
{
    struct test_platform *f = *state;
    struct vcm *vcm = vcm_create(f->p, SZ_1M, SZ_256M);
    struct res *r1 = vcm_reserve(vcm, SZ_1M, RW);
    struct res *r2 = vcm_reserve(vcm, SZ_1M, RW);
    struct vcm_physmem *m1 = vcm_phys_alloc(f->p, VCM_MEMTYPE_0, SZ_1M, VCM_1MB);
    struct vcm_physmem *m2 = vcm_phys_alloc(f->p, VCM_MEMTYPE_0, SZ_1M, VCM_1MB);
    assert_int_equal(vcm_get_dev_addr(r1), 0x100000u);
    assert_int_equal(vcm_get_dev_addr(r2), 0x200000u);
    assert_int_equal(vcm_back(r1, m1), 0);
    assert_int_equal(vcm_back(r2, m2), 0);

    struct vcm_dev *dev = vcm_dev_get(f->p, "vcodec_b_mm2");
    struct smmu_dev *sd = vcm_dev_smmu(dev);
    /* A 4 KiB page inside r1's MiB: r1's section cannot go in. */
    assert_int_equal(smmu_map(sd, 0x83FFF000u, 0x100000u, SZ_4K, SMMU_ATTR_READ), 0);
    /* Newest reservation first: r2's section is written (L1 entry 2), then r1 fails. */
    assert_null(vcm_assoc(vcm, dev, VCM_SPLIT | VCM_USE_LOW_BASE));
    assert_string_equal(vcm_last_error(f->p), "vcm_assoc: mapping the backed reservation at "
                                              "0x100000 into vcodec_b_mm2 failed (-16)");
    uint32_t ttbr0 = smmu_dev_ttbr0(sd);
    assert_int_equal(physmem_read32(f->pm, ttbr0 + 4 * 2), 0);
    assert_int_equal(physmem_read32(f->pm, ttbr0 + 4 * 1) & 3u, 1u);   /* the foreign table */
    assert_int_equal(smmu_dev_stats(sd)->maps[PAGE_1M], 1);
    assert_int_equal(smmu_dev_stats(sd)->unmaps[PAGE_1M], 1);
    assert_int_equal(smmu_get_split(sd), 0);

    /* Without the foreign page the same association writes both sections. */
    assert_int_equal(smmu_unmap(sd, 0x100000u, SZ_4K), 0);
    struct avcm *a = vcm_assoc(vcm, dev, VCM_SPLIT | VCM_USE_LOW_BASE);
    assert_non_null(a);
    assert_int_equal(smmu_get_split(sd), 1);
    /* Section 0x82000000 | NS | nG | AP1 | AP0 | XN | 0b10 at L1 entry 1. */
    assert_int_equal(physmem_read32(f->pm, ttbr0 + 4 * 1), 0x820A0C12u);
    assert_int_equal(vcm_deassoc(a), 0);
    assert_int_equal(smmu_get_split(sd), 0);
}

/* A plan that fails half-way in one context is taken out of that context. */
static void test_back_rolls_back_in_one_context(void **state)
{
    struct test_platform *f = *state;
    struct vcm *vcm = vcm_create(f->p, SZ_1M, SZ_16M);
    struct vcm_dev *dev = vcm_dev_get(f->p, "vcodec_a_mm1");
    struct smmu_dev *sd = vcm_dev_smmu(dev);
    assert_non_null(vcm_assoc(vcm, dev, 0));

    /* 128 KiB: 64 KiB aligned at 0x100000; two 64K blocks 0x83000000, 0x83010000. */
    struct res *r = vcm_reserve(vcm, 2 * SZ_64K, RW);
    struct vcm_physmem *m = vcm_phys_alloc(f->p, VCM_MEMTYPE_0, 2 * SZ_64K, VCM_64KB);
    assert_int_equal(vcm_get_dev_addr(r), 0x100000u);
    assert_int_equal(vcm_phys_blocks(m)->nblocks, 2);
    /* A foreign small page in the second 64 KiB. */
    assert_int_equal(smmu_map(sd, 0x83FFF000u, 0x118000u, SZ_4K, SMMU_ATTR_READ), 0);
    assert_int_equal(vcm_back(r, m), -EBUSY);
    assert_string_equal(vcm_last_error(f->p), "vcm_back: mapping 0x100000 (+0x20000) into "
                                              "context vcodec_a_mm1 failed (-16); nothing is "
                                              "mapped");
    assert_int_equal(smmu_dev_stats(sd)->maps[PAGE_64K], 1);
    assert_int_equal(smmu_dev_stats(sd)->unmaps[PAGE_64K], 1);
    /* L2 entries 0x00..0x0F of the table for MiB 1 are fault entries again. */
    uint32_t l2 = physmem_read32(f->pm, smmu_dev_ttbr0(sd) + 4 * 1) & 0xFFFFFC00u;
    for (unsigned i = 0; i < 16; i++)
        assert_int_equal(physmem_read32(f->pm, l2 + 4 * i), 0);
    assert_false(vcm_res_is_backed(r));
}

/*
 * The driver refuses to activate a context one of whose MIDs is routed by a context
 * active on another bank; the association stays inactive.
 */
static void test_activate_refused_by_driver(void **state)
{
    struct test_platform *f = *state;
    struct vcm *va = vcm_create(f->p, SZ_1M, SZ_16M);
    struct vcm *vs = vcm_create(f->p, SZ_1M, SZ_16M);
    struct vcm_dev *mm1 = vcm_dev_get(f->p, "vcodec_a_mm1");      /* bank 1, MID 6 */
    struct vcm_dev *stream = vcm_dev_get(f->p, "vcodec_a_stream"); /* bank 0 */
    const unsigned mids[] = { 5, 6 };

    assert_int_equal(smmu_ctx_set_mids(vcm_dev_smmu(stream), mids, 2), 0);
    struct avcm *aa = vcm_assoc(va, mm1, 0);
    struct avcm *as = vcm_assoc(vs, stream, 0);
    assert_int_equal(vcm_activate(aa), 0);
    assert_int_equal(vcm_activate(as), -EBUSY);
    assert_string_equal(vcm_last_error(f->p), "vcm_activate: the SMMU driver refused to "
                                              "activate vcodec_a_stream (-16)");
    assert_int_equal(vcm_is_active(as), 0);
    assert_int_equal(vcm_deactivate(as), -EINVAL);
    assert_string_equal(vcm_last_error(f->p), "vcm_deactivate: the association with "
                                              "vcodec_a_stream is not active");
    /* Once mm1 lets go of MID 6, stream can have it. */
    assert_int_equal(vcm_deactivate(aa), 0);
    assert_int_equal(vcm_activate(as), 0);
    assert_int_equal(vcm_is_active(as), 1);
}

/*
 * vcm_reserve_at: a captured trace's buffer placed at the IOVA it was captured at. A
 * VCM [16M, 16M + 256M): a 64K reservation at 0x1230000 is there (and translates
 * once backed), the allocator then goes around it, and a fixed range that overlaps
 * it, is not page aligned or leaves the VCM is refused.
 */
static void test_reserve_at(void **state)
{
    struct test_platform *f = *state;
    struct vcm *vcm = vcm_create(f->p, SZ_16M, SZ_256M);
    struct vcm_dev *dev = vcm_dev_get(f->p, "vcodec_a_mm1");
    struct avcm *avcm = vcm_assoc(vcm, dev, 0);
    struct res *pin, *other;
    struct vcm_physmem *pm;

    assert_non_null(avcm);
    assert_int_equal(vcm_activate(avcm), 0);
    pin = vcm_reserve_at(vcm, 0x1230000, SZ_64K, RW);
    assert_non_null(pin);
    assert_int_equal(vcm_get_dev_addr(pin), 0x1230000);
    assert_int_equal(vcm_get_res_len(pin), SZ_64K);
    pm = vcm_phys_alloc(f->p, VCM_MEMTYPE_0, SZ_64K, VCM_ALL);
    assert_non_null(pm);
    assert_int_equal(vcm_back(pin, pm), 0);
    assert_int_equal(translate(dev, 0x1230000 + 0x1234) & 0xFFFF, 0x1234);
    /* Overlaps the pin's last page; not 4K aligned; past the end (0x11000000). */
    assert_null(vcm_reserve_at(vcm, 0x123f000, SZ_4K * 2, RW));
    assert_null(vcm_reserve_at(vcm, 0x1300800, SZ_4K, RW));
    assert_null(vcm_reserve_at(vcm, 0x10ff0000, SZ_1M, RW));
    /* 16M below the VCM's start. */
    assert_null(vcm_reserve_at(vcm, 0, SZ_4K, RW));
    /* The allocator's first 64K-aligned 64K from 16M is 0x1000000, below the pin. */
    other = vcm_reserve(vcm, SZ_64K, RW);
    assert_non_null(other);
    assert_int_equal(vcm_get_dev_addr(other), 0x1000000);
    assert_int_equal(vcm_unreserve(other), 0);
    assert_int_equal(vcm_unback(pin), 0);
    assert_int_equal(vcm_unreserve(pin), 0);
    assert_int_equal(vcm_phys_free(pm), 0);
    assert_int_equal(vcm_deactivate(avcm), 0);
    assert_int_equal(vcm_deassoc(avcm), 0);
    assert_int_equal(vcm_free(vcm), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_walkthrough, setup, teardown),
        cmocka_unit_test_setup_teardown(test_iommu_onetoone_vmm, setup, teardown),
        cmocka_unit_test_setup_teardown(test_translate_each_page_size, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mix_5m_4k, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unback_invalidates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fault_no_handler, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fault_handler_retry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fault_handler_terminate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_split_low_high, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_devices_and_vcms, setup, teardown),
        cmocka_unit_test_setup_teardown(test_back_all_or_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alignment_guard_hole, setup, teardown),
        cmocka_unit_test_setup_teardown(test_misuse, setup, teardown),
        cmocka_unit_test_setup_teardown(test_one_to_one_rules, setup, teardown),
        cmocka_unit_test(test_policy_names),
        cmocka_unit_test_setup_teardown(test_platform_config_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_platform_without_tree_or_vmm, setup, teardown),
        cmocka_unit_test_setup_teardown(test_attributes_and_1m_policy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reservation_queries_and_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vmm_copy_across_pages, setup, teardown),
        cmocka_unit_test_setup_teardown(test_phys_alloc_and_device_misuse, setup, teardown),
        cmocka_unit_test_setup_teardown(test_assoc_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_assoc_split_refused_by_driver, setup, teardown),
        cmocka_unit_test_setup_teardown(test_assoc_after_backing_rolls_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_back_rolls_back_in_one_context, setup, teardown),
        cmocka_unit_test_setup_teardown(test_activate_refused_by_driver, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reserve_at, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
