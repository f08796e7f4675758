/*
 * smmu_driver.h - the driver for the Qualcomm SMMU v1 (MSM8960 "msm_iommu").
 *
 * The VCM layer's only way to the IOMMU hardware. It follows the SMMU interface of
 * the VCM documentation (seeds/000: "IOMMU Hardware Control", "Qualcomm SMMU Device
 * Tree"), adapted to C and to the simulator: it touches the hardware only through
 * smmu_mmio_read/smmu_mmio_write at the offsets of models/smmu_regs.h, and writes
 * page tables (models/pte.h) into simulated physical memory (models/physmem.h).
 *
 * Objects:
 *  - struct smmu_driver: one per SMMU instance (global registers, the IRQ line, the
 *    fault log). Caller-allocated, as in the source API; its fields are private.
 *  - struct smmu_dev: an abstract (virtual) context: page tables, ASID, the MIDs
 *    it serves and a fault hook. It is bound to a context bank of one SMMU, and
 *    activating it programs that bank (a context switch when another abstract
 *    context held the bank).
 *  - struct smmu_tree: the device tree of SMMUs and their named contexts;
 *    smmu_get_ctx_instance(tree, "vcodec_a_mm1") returns a bound smmu_dev.
 *
 * Typical use (the VCM layer):
 *     dev = smmu_get_ctx_instance(tree, "vcodec_a_mm1");
 *     smmu_update_start(dev);
 *     smmu_map(dev, pa, iova, SZ_64K, SMMU_ATTR_READ | SMMU_ATTR_WRITE);
 *     smmu_update_done(dev);
 *     smmu_activate(dev);
 *     ...
 *     smmu_deactivate(dev);
 *     smmu_free_ctx_instance(dev);
 *
 * Errors are negative errno values. A call that fails leaves every structure (and
 * the hardware) as it was. docs/driver.md describes the bring-up sequence, the
 * invalidation policy, the attribute encoding and the fault log.
 */
#ifndef IOMMUSIM_VCM_SMMU_DRIVER_H
#define IOMMUSIM_VCM_SMMU_DRIVER_H

#include <stdbool.h>
#include <stdint.h>

#include "models/physmem.h"
#include "models/pte.h"
#include "models/smmu.h"
#include "models/smmu_regs.h"
#include "sim/core/kernel.h"
#include "vcm/smmu_profile.h"

/* ---- Page-table memory ----------------------------------------------------------
 * Where the driver gets the memory for its tables: an L1 table is 16 KiB aligned to
 * 16 KiB, an L2 table 1 KiB aligned to 1 KiB. alloc returns the physical address of
 * a block of `size` bytes aligned to `align`, or 0 when there is no memory (physical
 * address 0 is never handed out for tables). The driver zeroes what it gets through
 * pm before using it. The struct is copied by the calls that take it.
 */
struct smmu_pt_allocator {
    struct physmem *pm;             /* where the tables live (also read back by the walker) */
    uint32_t (*alloc)(void *arg, uint32_t size, uint32_t align);
    void (*free)(void *arg, uint32_t pa, uint32_t size);
    void *arg;
};

/* ---- Mapping attributes ----------------------------------------------------------
 * Driver-level attribute bits for smmu_map; the VCM layer translates its reservation
 * attributes into these. Encoding (SCTLR.AFE = 1, the simplified access model):
 *   AP0 (access flag)  always set
 *   AP1 (user access)  set unless SMMU_ATTR_PRIV is given without SMMU_ATTR_USER
 *   AP2 (read-only)    set unless SMMU_ATTR_WRITE
 *   XN                 set unless SMMU_ATTR_EXEC
 *   nG                 set unless SMMU_ATTR_GLOBAL (entries are tagged by the ASID)
 *   NS                 set unless SMMU_ATTR_SECURE (the SMMUs route MIDs non-secure)
 *   S                  SMMU_ATTR_SHARED
 *   TEX[0], C, B       the cache policy index (TEX remap, SCTLR.TRE = 1), below
 * At least one of READ and WRITE is required (-EINVAL otherwise). The access model
 * cannot express write-only, so WRITE implies read. Privileged accesses are always
 * allowed on a mapped page; user (non-privileged) accesses are allowed too unless
 * the mapping asks for PRIV alone (as Linux's io-pgtable-arm-v7s without IOMMU_PRIV):
 *   neither, USER, or USER|PRIV: privileged and user;  PRIV: privileged only.
 * An instruction fetch needs read permission as well as EXEC.
 */
#define SMMU_ATTR_READ          (1u << 0)
#define SMMU_ATTR_WRITE         (1u << 1)
#define SMMU_ATTR_EXEC          (1u << 2)
#define SMMU_ATTR_USER          (1u << 3)
#define SMMU_ATTR_PRIV          (1u << 4)
#define SMMU_ATTR_SECURE        (1u << 5)
#define SMMU_ATTR_GLOBAL        (1u << 6)
#define SMMU_ATTR_SHARED        (1u << 7)
#define SMMU_ATTR_CACHE_SHIFT   8
#define SMMU_ATTR_CACHE_MASK    (7u << SMMU_ATTR_CACHE_SHIFT)
#define SMMU_ATTR_CACHE(idx)    (((uint32_t)(idx) & 7u) << SMMU_ATTR_CACHE_SHIFT)
#define SMMU_ATTR_ALL           0x7FFu

/*
 * Cache policy indexes: the TEX remap index TEX[0]:C:B, whose meaning the driver
 * programs into PRRR/NMRR at activation (SMMU_PRRR_VALUE / SMMU_NMRR_VALUE).
 */
#define SMMU_CACHE_NONCACHED    0u  /* normal, non-cacheable (the default) */
#define SMMU_CACHE_WB_WA        1u  /* normal, write-back write-allocate */
#define SMMU_CACHE_WT           2u  /* normal, write-through */
#define SMMU_CACHE_WB_NWA       3u  /* normal, write-back no write-allocate */
#define SMMU_CACHE_DEVICE       4u  /* device memory */
#define SMMU_CACHE_SO           5u  /* strongly ordered (6 and 7 as well) */

/*
 * PRRR: TR0..3 = normal (0b10), TR4 = device (0b01), TR5..7 = strongly ordered;
 * DS1 and NS1 make S=1 device and normal mappings shareable.
 * NMRR: IRn = ORn = 00 (non-cacheable), 01 (WB-WA), 10 (WT), 11 (WB no WA) for
 * indexes 0..3.
 */
#define SMMU_PRRR_VALUE         0x000A01AAu
#define SMMU_NMRR_VALUE         0x00E400E4u

/* ---- Faults -------------------------------------------------------------------- */
struct smmu_dev;

/* What the ISR read for one context fault. */
struct smmu_fault {
    const char *smmu;               /* SMMU name, e.g. "vcodec_a" */
    const char *ctx;                /* context name, e.g. "vcodec_a_mm1" ("bankN" if none) */
    unsigned bank;                  /* context bank that faulted */
    unsigned mid;                   /* FSYNR0.AMID */
    uint32_t fsr, far, fsynr0, fsynr1;
    bool write, priv, instr;        /* from FSYNR1 */
    bool stalled;                   /* FSR.SS: the transaction waits for RESUME */
    unsigned level;                 /* 1 or 2 (FSR.SL) for context faults */
    bool global;                    /* a global fault (ESR: unrouted MID); bank unused */
    uint64_t seq;                   /* 1, 2, ... per driver */
};

/*
 * A context's fault hook: returns 1 to retry the stalled transaction (RESUME.TNR =
 * 0), 0 to terminate it (TNR = 1; the master sees an error), or SMMU_FAULT_HOOK_LEAVE
 * to take the fault away without resuming: the ISR writes neither FSR nor RESUME, and
 * the bank stays stalled until someone writes RESUME (a driver that defers its fault
 * handling, or one that hangs; scenarios use it to model the latter). It runs inside the ISR,
 * which runs inside the SMMU model: it may map pages (smmu_update_start, smmu_map,
 * smmu_update_done) but must not deactivate or free the context.
 */
typedef int (*smmu_fault_handler_fn)(struct smmu_dev *dev, void *data,
                                     const struct smmu_fault *fault);
#define SMMU_FAULT_HOOK_LEAVE 2

enum smmu_fault_action {
    SMMU_FAULT_RETRIED = 0,         /* RESUME with TNR = 0 */
    SMMU_FAULT_TERMINATED,          /* RESUME with TNR = 1 */
    SMMU_FAULT_NOT_STALLED,         /* FSR.SS clear: the hardware had already terminated it */
    SMMU_FAULT_LEFT_STALLED,        /* the hook took it away: no RESUME written */
};

/*
 * One line of the fault log, in the style of the VT-d DMAR reports:
 *   SMMU vcodec_a ctx vcodec_a_mm1 [DMA Write] Request device mid 6 fault addr
 *   0x12345000 reason: translation fault level 2; terminated
 * (one line; reasons: "translation fault level N", "access flag fault level N",
 * "permission fault level N", "TLB multi-hit fault", "table walk decode error",
 * "table walk slave error", "MHF fault", "multiple faults", joined by ", "; the
 * outcome is "retried", "terminated" or "not stalled"). A global fault (reported
 * by the SMMU's interrupt in the timed mode) reads
 *   SMMU vcodec_a [DMA Read] Request device mid 20 fault addr 0x00100000
 *   reason: unrouted MID (global configuration fault); terminated
 */
#define SMMU_FAULT_MSG_LEN      192u
#define SMMU_NAME_LEN           32u

struct smmu_fault_record {
    struct smmu_fault fault;        /* fault.smmu/ctx point into this record */
    enum smmu_fault_action action;
    bool hooked;                    /* a hook was called */
    char smmu_name[SMMU_NAME_LEN];
    char ctx_name[SMMU_NAME_LEN];
    char msg[SMMU_FAULT_MSG_LEN];
};

/* The log keeps the first SMMU_FAULT_LOG_SIZE faults; later ones are counted as dropped. */
#define SMMU_FAULT_LOG_SIZE     64u

/*
 * A hook that keeps returning 1 for the same address would stall the master
 * forever; after this many consecutive retries of one FAR on one bank that left the
 * access still failing (checked through V2P), the ISR terminates the transaction
 * whatever the hook says. A retry the hook made good starts the count again.
 */
#define SMMU_FAULT_RETRY_LIMIT  16u

struct smmu_driver_stats {
    uint64_t irqs;                  /* ISR invocations */
    uint64_t faults;                /* context faults seen (logged or dropped) */
    uint64_t retried, terminated, not_stalled;
    uint64_t left_stalled;          /* the hook took the fault away (SMMU_FAULT_HOOK_LEAVE) */
    uint64_t unhooked;              /* faults on a bank with no hook (reported, terminated) */
    uint64_t retry_limit_hits;      /* terminations forced by SMMU_FAULT_RETRY_LIMIT */
    uint64_t global_faults;         /* ESR faults seen by the ISR */
    /* what the driver's work costs (struct smmu_driver_costs) */
    uint64_t mmio_reads, mmio_writes;   /* register accesses over the configuration port */
    uint64_t tlbi_writes;           /* TLBIVA, TLBIASID, CTX_TLBIALL, GLOBAL_TLBIALL written */
    uint64_t clean_lines;           /* cache lines of table memory cleaned */
    uint64_t clean_alls;            /* whole-cache cleans */
    sim_time_t mmio_ps;             /* time on the configuration port, every access */
    sim_time_t maint_ps;            /* of that, the TLB maintenance writes */
    sim_time_t clean_ps;            /* time cleaning table memory out of the CPU's cache */
};

/*
 * What the driver's own work takes, for its statistics and for when its register
 * writes reach the SMMU: every register access crosses the configuration port
 * (mmio_ps), and a table update in memory the walker reads uncached is followed by a
 * cache clean, of the lines written (clean_line_ps per clean_line_bytes line) or of
 * the whole data cache (clean_all_ps), as the profile says. All 0: the driver takes
 * no time (the default). configs/msm8960.yaml gives the values it uses, with sources.
 */
struct smmu_driver_costs {
    sim_time_t mmio_ps;
    sim_time_t clean_line_ps;
    unsigned clean_line_bytes;      /* a power of two; 0 is taken as 64 */
    sim_time_t clean_all_ps;
};

/* ---- One SMMU instance ---------------------------------------------------------- */
#define SMMU_NUM_ASIDS          256u

/*
 * Caller-allocated (as in the source API); every field is private to the driver.
 * It must stay at its address while initialized: the SMMU's interrupt handler and
 * the fault records point into it.
 */
struct smmu_driver {
    struct smmu *hw;
    char name[SMMU_NAME_LEN];
    uint32_t base;
    unsigned irq;
    unsigned ncb;                   /* IDR.NCB + 1 */
    unsigned nmids;                 /* M2VCBR entries */
    unsigned tlbsize;               /* IDR.TLBSIZE field, as read */
    unsigned nirpt;                 /* IDR.NIRPT field, as read */
    bool htw;                       /* IDR.HTW */
    bool initialized;
    const struct smmu_profile *profile;
    struct smmu_driver_costs costs;
    int bfb;                        /* BFBCR.BFBDFE: -1 as the profile says, else 0 or 1 */
    sim_time_t port_free;           /* the configuration port is busy until then */
    uint32_t m2vcbr[SMMU_MAX_MIDS]; /* what the driver last wrote to each M2VCBR_N */
    struct smmu_dev *bound;         /* list of bound abstract contexts */
    struct smmu_dev *active[SMMU_MAX_CTX];      /* who holds each bank */
    struct smmu_dev *mid_owner[SMMU_MAX_MIDS];  /* who routed each MID */
    uint8_t asid_used[SMMU_NUM_ASIDS / 8];
    uint32_t retry_far[SMMU_MAX_CTX];
    unsigned retry_count[SMMU_MAX_CTX];
    uint64_t fault_seq;
    unsigned log_count;
    uint64_t log_dropped;
    struct smmu_driver_stats stats;
    struct smmu_fault_record log[SMMU_FAULT_LOG_SIZE];
};

/*
 * Initializes drv for the SMMU hw (base and irq are the window's physical address
 * and the interrupt number, kept for reports): reads IDR (banks = NCB + 1, TLBSIZE,
 * NM2VCBMT), resets the global state (CR = 0: translation on, stalls allowed;
 * every bank disabled and cleared; every M2VCBR entry cleared, so every MID is
 * unrouted; GLOBAL_TLBIALL) and installs the driver's ISR as the SMMU's interrupt
 * handler. -EINVAL for NULL arguments or an IDR the driver cannot use.
 */
int smmu_drvdata_init(struct smmu_driver *drv, struct smmu *hw, uint32_t base, unsigned irq);

/* Detaches the ISR. -EBUSY while abstract contexts are still bound. */
int smmu_drvdata_deinit(struct smmu_driver *drv);

/*
 * The driver profile to follow (vcm/smmu_profile.h; NULL: the default, msm-3.4), the
 * costs of its work (NULL: none) and whether BFBCR.BFBDFE is set at bring-up (-1: as
 * the profile says). -EBUSY while abstract contexts are bound. The SMMU is brought up
 * again (smmu_drvdata_init's reset) under the new profile.
 */
int smmu_drvdata_set_profile(struct smmu_driver *drv, const struct smmu_profile *profile,
                             const struct smmu_driver_costs *costs, int bfb);
const struct smmu_profile *smmu_driver_profile(const struct smmu_driver *drv);

/*
 * What the driver did so far happened before now (bring-up and the mappings made
 * before a run starts): the configuration port is idle from now and the SMMU has seen
 * every write (smmu_settle). The statistics keep the time it took.
 */
void smmu_drvdata_port_sync(struct smmu_driver *drv);

const char *smmu_driver_name(const struct smmu_driver *drv);
unsigned smmu_driver_num_banks(const struct smmu_driver *drv);
const struct smmu_driver_stats *smmu_driver_stats(const struct smmu_driver *drv);

/* Fault log: records 0 .. count-1 in order of arrival; NULL past the end. */
unsigned smmu_fault_log_count(const struct smmu_driver *drv);
const struct smmu_fault_record *smmu_fault_log_entry(const struct smmu_driver *drv,
                                                     unsigned i);
uint64_t smmu_fault_log_dropped(const struct smmu_driver *drv);
void smmu_fault_log_clear(struct smmu_driver *drv);

/* ---- Abstract contexts ------------------------------------------------------------ */
#define SMMU_DEV_MAX_MIDS       32u

/*
 * Creates an abstract context for context bank `ctx` (0 .. SMMU_MAX_CTX - 1) with a
 * zeroed 16 KiB L1 table (the TTBR0 table) from the allocator pt. NULL for a bad
 * ctx or pt, or when memory runs out.
 */
struct smmu_dev *smmu_ctx_init(int ctx, const struct smmu_pt_allocator *pt);

/*
 * Frees the context, its page tables and its ASID (unbinding it). -EBUSY while it is
 * active. Mappings left in the tables are discarded with the tables.
 */
int smmu_ctx_deinit(struct smmu_dev *dev);

/*
 * Binds the context to an SMMU and gives it an ASID unique on that SMMU (the lowest
 * free one from 1). -EINVAL when the bank does not exist there or a MID is out of the
 * SMMU's range; -EBUSY when bound to another SMMU; -ENOSPC when no ASID is left.
 * Binding again to the same SMMU does nothing.
 */
int smmu_ctx_bind(struct smmu_dev *dev, struct smmu_driver *drv);

/* The MIDs that activation routes to the bank (replaces the list). -EBUSY while active. */
int smmu_ctx_set_mids(struct smmu_dev *dev, const unsigned *mids, unsigned n);

/* Name for fault reports (copied, up to SMMU_NAME_LEN - 1 characters). */
int smmu_ctx_set_name(struct smmu_dev *dev, const char *name);

/*
 * One page table for several contexts, as the kernels keep one per IOMMU domain: dev
 * gives up its own (empty) table and uses owner's, so a map or unmap through either
 * writes the one table, and the profile's TLB invalidations go to every active
 * context that uses it (on whichever SMMU). -EBUSY when dev is active or its table
 * holds mappings; -EINVAL when the split (TTBCR.N) differs or dev is owner.
 */
int smmu_ctx_share_table(struct smmu_dev *dev, struct smmu_dev *owner);

/*
 * The table's memory is cacheable (msm-3.4 MSM_IOMMU_DOMAIN_PT_CACHEABLE): bring-up
 * sets TTBR0/1 SH, NOS, IRGN and ORGN, so the SMMU's walks go through the L2 cache,
 * and table updates need no cache clean. A property of the (shared) table. -EBUSY
 * while a context using the table is active.
 */
int smmu_ctx_set_pt_cacheable(struct smmu_dev *dev, bool cacheable);

/*
 * The VMID this context's bank and MIDs get, whatever the profile says: the secure
 * path, where TrustZone reprograms the VMID of a content-protection context (seeds/001).
 * -1 goes back to the profile's VMID. -EINVAL out of 0..31; -EBUSY while active.
 */
int smmu_ctx_set_vmid(struct smmu_dev *dev, int vmid);

/*
 * Split address space (TTBCR.N = n, 0..7). With n > 0, VAs below 2^(32-n) use the
 * TTBR0 table and the others a second 16 KiB table (TTBR1), allocated here; with
 * n = 0 the TTBR1 table is freed and TTBR0 covers everything. smmu_map/unmap pick
 * the table from the VA by the same rule as the hardware, so the VCM layer's
 * USE_LOW_BASE / USE_HIGH_BASE associations map below / above the boundary.
 * -EBUSY while active, or when mappings would change table (a mapping in the TTBR0
 * table at or above the new boundary, or in the TTBR1 table below it); -ENOMEM.
 */
int smmu_set_split(struct smmu_dev *dev, unsigned n);
unsigned smmu_get_split(const struct smmu_dev *dev);

/*
 * Programs the bound bank with this context (bring-up sequence in docs/driver.md):
 * SCTLR TRE|AFE, ACTLR (TLBMCFG = 3, V2PCFG = 3), TTBCR, TTBR0/TTBR1, PRRR/NMRR,
 * CTX_TLBIALL, CBACR (IRPTNDX, CBVMID), ACTLR fault bits (CFERE, CFEIE, CFCFG: stall
 * on fault), CONTEXTIDR.ASID, M2VCBR of each MID (CBNDX = bank, VMID), SCTLR.M = 1.
 * If another abstract context holds the bank it is deactivated first (context
 * switch). -EINVAL when not bound; -EBUSY when one of the MIDs is routed by a context
 * active on another bank. Activating an active context does nothing.
 */
int smmu_activate(struct smmu_dev *dev);
/*
 * The same bring-up with translation left off (SCTLR.M clear): the context's MIDs
 * are routed to its bank, which passes device addresses through as physical ones.
 * This is how a one-to-one (direct-mapped) device is attached.
 */
int smmu_activate_bypass(struct smmu_dev *dev);

/*
 * Unroutes the MIDs (their traffic then faults globally instead of bypassing),
 * clears SCTLR.M and invalidates the context's TLB entries (TLBIASID, plus
 * CTX_TLBIALL when it has global mappings). Deactivating an inactive context does
 * nothing.
 */
int smmu_deactivate(struct smmu_dev *dev);

/* 1 when active, 0 when not, -EINVAL for NULL. */
int smmu_is_active(const struct smmu_dev *dev);

/*
 * Bracket map/unmap calls. update_done issues the TLB invalidation the updates need
 * (nothing for maps alone; for unmaps, one TLBIVA (VA | ASID) per unmapped mapping,
 * which also removes a global entry of that VA, or, when more than SMMU_TLBI_BATCH
 * mappings were unmapped, one TLBIASID, or CTX_TLBIALL if one of them was global)
 * if the context is active. Brackets nest; the
 * outermost done invalidates. An unmap outside a bracket invalidates at once, so an
 * unmap never leaves a stale TLB entry behind. update_done without start: -EINVAL.
 */
#define SMMU_TLBI_BATCH         32u
int smmu_update_start(struct smmu_dev *dev);
int smmu_update_done(struct smmu_dev *dev);

/*
 * Maps [va, va + len) to [pa, pa + len). len is SZ_4K, SZ_64K, SZ_1M or SZ_16M and
 * va and pa are aligned to it (-EINVAL otherwise, or for bad attr bits). Writes:
 *   16M: a supersection, in 16 consecutive L1 entries;
 *   1M:  a section in one L1 entry;
 *   64K: a large page, in 16 consecutive L2 entries;
 *   4K:  a small page in one L2 entry;
 * allocating a zeroed L2 table (1 KiB) when the L1 entry is a fault entry.
 * -EBUSY when any descriptor it would write is not a fault entry (no overwriting;
 * a section is refused over an L2 table); -ENOMEM when no L2 table can be had.
 */
int smmu_map(struct smmu_dev *dev, uint32_t pa, uint32_t va, uint32_t len, uint32_t attr);

/*
 * Removes the mapping of size len that starts at va (same size rules). -ENOENT
 * when nothing is mapped at va; -EINVAL when what is mapped there is not one
 * mapping of exactly len starting at va. Frees an L2 table that becomes empty.
 */
int smmu_unmap(struct smmu_dev *dev, uint32_t va, uint32_t len);

/*
 * Hardware translation: writes va to the bank's V2PPR (privileged read) and reads
 * PAR. Returns 0 and *pa, -EFAULT when PAR.FAULT is set (nothing mapped, or the
 * mapping forbids a privileged read), -ENODEV when the context is not active.
 */
int smmu_translate(struct smmu_dev *dev, uint32_t va, uint32_t *pa);

/* The fault hook of this context (NULL to remove). */
int smmu_hook_irpt(struct smmu_dev *dev, smmu_fault_handler_fn handler, void *data);

/*
 * Reads and clears the SMMU's global fault (ESR; the functional path raises no
 * interrupt for it) into the fault log. Returns 1 when there was one, else 0.
 */
int smmu_poll_global_fault(struct smmu_driver *drv);

/* Accessors (0 / NULL for a NULL dev). */
struct smmu_driver *smmu_dev_driver(const struct smmu_dev *dev);
unsigned smmu_dev_bank(const struct smmu_dev *dev);
unsigned smmu_dev_asid(const struct smmu_dev *dev);     /* 0 while unbound */
unsigned smmu_dev_vmid(const struct smmu_dev *dev);     /* VMID the bank's MIDs get */
const char *smmu_dev_name(const struct smmu_dev *dev);
uint32_t smmu_dev_ttbr0(const struct smmu_dev *dev);    /* PA of the TTBR0 L1 table */
uint32_t smmu_dev_ttbr1(const struct smmu_dev *dev);    /* PA of the TTBR1 table, 0 if none */

/*
 * A context's work. A table shared by several contexts counts its maps and unmaps (and
 * reports its L2 tables) on the first of them; invalidations are each bank's own.
 */
struct smmu_dev_stats {
    uint64_t maps[PAGE_SIZES], unmaps[PAGE_SIZES];
    unsigned l2_tables;             /* L2 tables held now */
    uint64_t l2_allocs, l2_frees;
    uint64_t tlbi_va, tlbi_asid, tlbi_ctx;  /* invalidations written to this bank */
    uint64_t activations;
};
const struct smmu_dev_stats *smmu_dev_stats(const struct smmu_dev *dev);

/* ---- Device tree -------------------------------------------------------------------
 * A description of SMMUs and their contexts (data; vcm/msm8960.c holds the MSM8960
 * one), and the tree of drivers built from it.
 */
#define SMMU_DESC_MAX_CTX       4u

struct smmu_ctx_desc {
    const char *name;               /* unique across the whole tree */
    unsigned bank;                  /* context bank */
    unsigned nmids;
    uint8_t mids[SMMU_DEV_MAX_MIDS];
};

struct smmu_desc {
    const char *name;
    uint32_t base;                  /* 1 MiB register window */
    unsigned irq;                   /* non-secure context interrupt */
    unsigned irq_secure;
    unsigned nbanks;                /* context banks (IDR.NCB + 1) */
    unsigned nmids;                 /* M2VCBR entries the SMMU needs: highest MID + 1 */
    unsigned nctx;
    struct smmu_ctx_desc ctx[SMMU_DESC_MAX_CTX];
};

/*
 * Fills the fields of an SMMU model configuration that the description fixes
 * (name, base, nbanks, nmids, irq) and leaves the others alone.
 */
void smmu_desc_fill_config(const struct smmu_desc *d, struct smmu_config *cfg);

/* Checks a description: -EINVAL and a sentence naming the field when it is wrong. */
int smmu_desc_check(const struct smmu_desc *descs, unsigned n, char *err, unsigned errlen);

struct smmu_tree;

/*
 * Builds the tree: one driver per description, initialized (smmu_drvdata_init) on
 * hw[i], which the caller created from the same description (its IDR bank count
 * must match nbanks). pt is where every context's tables come from. NULL (and err)
 * on a bad description, a mismatched SMMU or no memory.
 */
struct smmu_tree *smmu_tree_new(const struct smmu_desc *descs, unsigned n,
                                struct smmu *const *hw, const struct smmu_pt_allocator *pt,
                                char *err, unsigned errlen);

/*
 * Every driver of the tree follows profile (smmu_drvdata_set_profile); MIDs are routed
 * at once when the profile routes them at probe. -EBUSY while context instances exist.
 * smmu_tree_new starts with the default profile, no costs and the profile's BFB.
 */
int smmu_tree_set_profile(struct smmu_tree *tree, const struct smmu_profile *profile,
                          const struct smmu_driver_costs *costs, int bfb);

/* Frees the tree, deactivating and freeing any context instances still held. */
void smmu_tree_free(struct smmu_tree *tree);

unsigned smmu_tree_num_smmus(const struct smmu_tree *tree);
struct smmu_driver *smmu_tree_driver(struct smmu_tree *tree, unsigned i);
struct smmu_driver *smmu_tree_find_driver(struct smmu_tree *tree, const char *smmu_name);

/*
 * A new abstract context for the named context: created on its bank, named, given
 * the context's MIDs and bound to its SMMU (not activated). NULL when the name is
 * unknown or memory runs out. Several instances of one context may exist (context
 * muxing); the one activated last holds the bank.
 */
struct smmu_dev *smmu_get_ctx_instance(struct smmu_tree *tree, const char *ctx_name);
/* The same, saying why in *rc when it fails: -ENOENT no context of that name, -ENOSPC
 * no room for the context's first-level table (16K) in the page-table pool, or the
 * error of naming or binding it. */
struct smmu_dev *smmu_get_ctx_instance_rc(struct smmu_tree *tree, const char *ctx_name,
                                          int *rc);

/* Deactivates (if active) and frees an instance. */
int smmu_free_ctx_instance(struct smmu_dev *dev);

/* Base of the register window of the SMMU the context is bound to; 0 if unbound. */
uint32_t smmu_get_base_addr(const struct smmu_dev *dev);

#endif
