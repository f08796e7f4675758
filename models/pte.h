/*
 * pte.h - the ARMv7 short-descriptor translation table format, defined once.
 *
 * Shared by the hardware walker (models/walker.c), which decodes these words, and
 * the driver's page-table writer (vcm/smmu_driver.c), which encodes them. Bit
 * positions follow the ARM Architecture Reference Manual (ARMv7-A, short-descriptor
 * format) as summarised in docs/hardware.md; names follow Linux's io-pgtable-arm-v7s.c
 * where one exists.
 *
 * Two levels: a 16 KiB first-level (L1) table of 4096 entries indexed by VA[31:20],
 * and 1 KiB second-level (L2) tables of 256 entries indexed by VA[19:12].
 */
#ifndef IOMMUSIM_MODELS_PTE_H
#define IOMMUSIM_MODELS_PTE_H

#include <stdbool.h>
#include <stdint.h>

/* ---- Page sizes the SMMU supports ------------------------------------------ */
#define SZ_4K   0x00001000u
#define SZ_64K  0x00010000u
#define SZ_1M   0x00100000u
#define SZ_16M  0x01000000u

enum page_size {
    PAGE_4K = 0,
    PAGE_64K = 1,
    PAGE_1M = 2,
    PAGE_16M = 3,
    PAGE_SIZES = 4
};

static inline unsigned page_shift(enum page_size ps)
{
    static const unsigned shift[PAGE_SIZES] = { 12, 16, 20, 24 };
    return shift[ps];
}

static inline uint32_t page_bytes(enum page_size ps) { return 1u << page_shift(ps); }

/* ---- Table geometry --------------------------------------------------------- */
#define PTE_L1_ENTRIES      4096u
#define PTE_L2_ENTRIES      256u
#define PTE_L1_TABLE_SIZE   (PTE_L1_ENTRIES * 4u)      /* 16 KiB, 16 KiB aligned */
#define PTE_L2_TABLE_SIZE   (PTE_L2_ENTRIES * 4u)      /* 1 KiB, 1 KiB aligned */
#define PTE_L1_INDEX(va)    (((uint32_t)(va)) >> 20)
#define PTE_L2_INDEX(va)    ((((uint32_t)(va)) >> 12) & 0xFFu)
#define PTE_CONT_ENTRIES    16u    /* a supersection or large page repeats 16 times */

/* ---- First-level descriptors ------------------------------------------------ */
#define PTE_L1_TYPE_MASK    0x3u
#define PTE_L1_TYPE_FAULT   0x0u
#define PTE_L1_TYPE_TABLE   0x1u
#define PTE_L1_TYPE_SECT    0x2u
/* 0x3 is reserved in the short format without LPAE PXN: it decodes as a fault. */

#define PTE_L1_TABLE_BASE_MASK  0xFFFFFC00u     /* page table base, bits [31:10] */
#define PTE_L1_TABLE_NS         (1u << 3)
#define PTE_L1_TABLE_DOMAIN(d)  (((uint32_t)(d) & 0xFu) << 5)

#define PTE_SECT_BASE_MASK      0xFFF00000u     /* section base, bits [31:20] */
#define PTE_SSECT_BASE_MASK     0xFF000000u     /* supersection base, bits [31:24] */
#define PTE_SECT_B              (1u << 2)
#define PTE_SECT_C              (1u << 3)
#define PTE_SECT_XN             (1u << 4)
#define PTE_SECT_DOMAIN(d)      (((uint32_t)(d) & 0xFu) << 5)
#define PTE_SECT_AP0            (1u << 10)      /* access flag when SCTLR.AFE = 1 */
#define PTE_SECT_AP1            (1u << 11)      /* user access */
#define PTE_SECT_TEX_SHIFT      12
#define PTE_SECT_TEX_MASK       (7u << PTE_SECT_TEX_SHIFT)
#define PTE_SECT_AP2            (1u << 15)      /* read-only */
#define PTE_SECT_S              (1u << 16)
#define PTE_SECT_NG             (1u << 17)
#define PTE_SECT_SUPER          (1u << 18)
#define PTE_SECT_NS             (1u << 19)

/* ---- Second-level descriptors ----------------------------------------------- */
#define PTE_L2_TYPE_MASK        0x3u
#define PTE_L2_TYPE_FAULT       0x0u
#define PTE_L2_TYPE_LARGE       0x1u
#define PTE_L2_TYPE_SMALL       0x2u    /* bit 1 set; bit 0 is then XN */

#define PTE_LARGE_BASE_MASK     0xFFFF0000u     /* large page base, bits [31:16] */
#define PTE_SMALL_BASE_MASK     0xFFFFF000u     /* small page base, bits [31:12] */
#define PTE_L2_B                (1u << 2)
#define PTE_L2_C                (1u << 3)
#define PTE_L2_AP0              (1u << 4)
#define PTE_L2_AP1              (1u << 5)
#define PTE_L2_AP2              (1u << 9)
#define PTE_L2_S                (1u << 10)
#define PTE_L2_NG               (1u << 11)
#define PTE_SMALL_XN            (1u << 0)
#define PTE_SMALL_TEX_SHIFT     6
#define PTE_SMALL_TEX_MASK      (7u << PTE_SMALL_TEX_SHIFT)
#define PTE_LARGE_TEX_SHIFT     12
#define PTE_LARGE_TEX_MASK      (7u << PTE_LARGE_TEX_SHIFT)
#define PTE_LARGE_XN            (1u << 15)

/* ---- Decoded attributes ------------------------------------------------------
 * What a TLB entry keeps of a descriptor, independent of the level it came from.
 * The AP bits are kept as the 3-bit AP[2:0] field of the architecture.
 */
#define PTE_AP_AP0      (1u << 0)
#define PTE_AP_AP1      (1u << 1)
#define PTE_AP_AP2      (1u << 2)

struct pte_attrs {
    uint8_t ap;         /* AP[2:0] */
    uint8_t tex;        /* TEX[2:0] */
    bool xn, ng, ns, s, b, c;
};

/* ---- Accesses and the permission check ---------------------------------------- */
#define ACCESS_WRITE    (1u << 0)   /* else read */
#define ACCESS_PRIV     (1u << 1)   /* privileged, else user */
#define ACCESS_INSTR    (1u << 2)   /* instruction fetch */

enum pte_check {
    PTE_OK = 0,
    PTE_ACCESS_FLAG_FAULT,      /* FSR.AFF: AP0 clear with SCTLR.AFE = 1 */
    PTE_PERMISSION_FAULT,       /* FSR.APF */
};

/*
 * Checks an access against AP[2:0] and XN.
 *
 * With AFE = 1 (the simplified access model, which the drivers use) AP0 is the
 * access flag, AP1 grants user access and AP2 makes the page read-only:
 *   AP2 AP1   privileged   user
 *    0   0    read/write   none
 *    0   1    read/write   read/write
 *    1   0    read-only    none
 *    1   1    read-only    read-only
 * With AFE = 0 the full AP[2:0] encoding applies: 000 none; 001 privileged RW;
 * 010 privileged RW, user RO; 011 RW for both; 100 reserved (none); 101 privileged
 * RO; 110 and 111 RO for both.
 * An instruction fetch from an XN page is a permission fault.
 */
static inline enum pte_check pte_check_access(const struct pte_attrs *a,
                                              unsigned access, bool afe)
{
    bool write = access & ACCESS_WRITE, priv = access & ACCESS_PRIV;
    bool can_read, can_write;

    if (afe) {
        if (!(a->ap & PTE_AP_AP0))
            return PTE_ACCESS_FLAG_FAULT;
        bool user_ok = a->ap & PTE_AP_AP1;
        bool ro = a->ap & PTE_AP_AP2;
        can_read = priv || user_ok;
        can_write = can_read && !ro;
    } else {
        switch (a->ap & 7u) {
        case 1: can_read = priv;  can_write = priv;  break;
        case 2: can_read = true;  can_write = priv;  break;
        case 3: can_read = true;  can_write = true;  break;
        case 5: can_read = priv;  can_write = false; break;
        case 6:
        case 7: can_read = true;  can_write = false; break;
        default: can_read = false; can_write = false; break;
        }
    }
    if ((access & ACCESS_INSTR) && a->xn)
        return PTE_PERMISSION_FAULT;
    if (write ? !can_write : !can_read)
        return PTE_PERMISSION_FAULT;
    return PTE_OK;
}

#endif
