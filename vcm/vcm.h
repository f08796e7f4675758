/*
 * vcm.h - the Virtual Contiguous Memory Manager API (seeds/000, vcm.txt).
 *
 * The public face of the driver layer. Users create VCMs (device address spaces),
 * associate them with devices, reserve device-address ranges from them, allocate
 * physical memory separately and back reservations with it. Below this API sit the
 * IOVA allocator (vcm/iova.h), the memory targets (vcm/phys_pool.h) and the SMMU
 * driver (vcm/smmu_driver.h); through the driver the layer touches the hardware
 * only with register accesses and page-table writes into physical memory.
 *
 * Three kinds of VCM, as in the source text:
 *   - IOMMU VCM   (vcm_create): reservations get IOVAs from the VCM's own space;
 *                 backing writes page tables of every associated SMMU context;
 *   - one-to-one  (vcm_create with the start and length of a live physically
 *                 contiguous allocation): device address = physical address; its
 *                 device runs untranslated (an SMMU context in bypass, SCTLR.M = 0,
 *                 or a device with no SMMU);
 *   - VMM VCM     (vcm_create_from_prebuilt): the CPU's kernel virtual address area;
 *                 backing records the CPU mapping, read and written through
 *                 vcm_vmm_read / vcm_vmm_write.
 *
 * Platform. The kernel kept the physical pools, the SMMU device tree and the VMM in
 * globals. Here they live in a struct vcm_platform that the caller builds once and
 * passes, as an extra first argument, to the three calls that create objects from
 * nothing: vcm_create, vcm_create_from_prebuilt and vcm_phys_alloc (and to the
 * device lookups). Every other call finds the platform through its object. Several
 * platforms can live side by side; nothing is global except the table of live
 * handles described next.
 *
 * Handles. Every object the API returns is registered while it lives, so that a
 * call on a freed or foreign handle (a double free, an unreserve after the VCM was
 * freed) returns -EINVAL and changes nothing instead of touching freed memory. The
 * layer is single-threaded, like the simulator.
 *
 * Errors. Calls return a negative errno (or NULL) and leave every structure, the
 * page tables and the hardware as they were. When the platform is known, a
 * sentence naming the argument and its valid range is kept for vcm_last_error().
 *
 * docs/vcm.md gives every rule with the source text's call sequences as examples.
 */
#ifndef IOMMUSIM_VCM_VCM_H
#define IOMMUSIM_VCM_VCM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "models/physmem.h"
#include "models/pte.h"
#include "vcm/phys_pool.h"
#include "vcm/smmu_driver.h"

/* ---- Reservation attributes (vcm_reserve) ------------------------------------------ */
#define VCM_READ                (1u << 9)
#define VCM_WRITE               (1u << 8)
#define VCM_EXECUTE             (1u << 7)
#define VCM_USER                (1u << 6)
#define VCM_SUPERVISOR          (1u << 5)
#define VCM_SECURE              (1u << 4)

/* Cache policy, bits [3:0]: the four the source text lists; other values are invalid. */
#define VCM_CACHE_POLICY_MASK   0xFu
#define VCM_NOTCACHED           0x0u
#define VCM_WB_WA               0x1u    /* write-back, write-allocate */
#define VCM_WB_NWA              0x2u    /* write-back, no write-allocate */
#define VCM_WT                  0x3u    /* write-through */

/*
 * Alignment order, bits [14:10]: 0 asks for the default rule (reservations of 1 MiB
 * or more aligned to 1 MiB, 64 KiB up to 1 MiB to 64 KiB, smaller ones to 4 KiB);
 * 12..31 asks for an alignment of 1 << order bytes, larger or smaller than the
 * default. 1..11 are invalid. The same field in vcm_phys_alloc's attr aligns a
 * VCM_PHYS_CONT allocation.
 */
#define VCM_ALIGN_SHIFT         10
#define VCM_ALIGN_MASK          0x1Fu
#define VCM_ALIGN_ATTR(order)   ((((uint32_t)(order)) & VCM_ALIGN_MASK) << VCM_ALIGN_SHIFT)
#define VCM_ALIGN_ORDER(attr)   ((((uint32_t)(attr)) >> VCM_ALIGN_SHIFT) & VCM_ALIGN_MASK)

/* ---- Physical allocation attributes (vcm_phys_alloc) -------------------------------- */
#define VCM_4KB                 (1u << 5)
#define VCM_64KB                (1u << 4)
#define VCM_1MB                 (1u << 3)
#define VCM_ALL                 (1u << 2)   /* every block size, 16 MiB included */
#define VCM_PHYS_CONT           (1u << 1)   /* one range from the contiguous pool */
#define VCM_COHERENT            (1u << 0)   /* recorded only: the model has no CPU caches */

/* ---- Association attributes (vcm_assoc) ----------------------------------------------- */
#define VCM_SPLIT               (1u << 3)
#define VCM_USE_LOW_BASE        (1u << 2)
#define VCM_USE_HIGH_BASE       (1u << 1)

/*
 * With VCM_SPLIT the context uses TTBCR.N = VCM_SPLIT_N: TTBR0 translates device
 * addresses below VCM_SPLIT_BOUNDARY (2 GiB), TTBR1 the rest. A USE_LOW_BASE VCM
 * must lie below the boundary, a USE_HIGH_BASE VCM at or above it.
 */
#define VCM_SPLIT_N             1u
#define VCM_SPLIT_BOUNDARY      (1ull << (32 - VCM_SPLIT_N))

/* ---- Memory types: which memory target of the platform serves an allocation --------- */
enum memtype_t {
    VCM_MEMTYPE_0 = 0,
    VCM_MEMTYPE_1,
    VCM_MEMTYPE_2,
    VCM_NUM_MEMTYPES,
};

/* ext_vcm_id of vcm_create_from_prebuilt: the one VMM the platform has. */
#define VCM_PREBUILT_KERNEL     0u

/*
 * ---- Mapping policy --------------------------------------------------------------------
 * The largest page size vcm_back may use: "best" (up to 16 MiB, whatever alignment
 * and the blocks allow) or a cap, for page-size studies. Set per platform and
 * optionally per reservation.
 */
enum vcm_map_policy {
    VCM_MAP_BEST = 0,
    VCM_MAP_4K,
    VCM_MAP_64K,
    VCM_MAP_1M,
    VCM_MAP_16M,
    VCM_MAP_NPOLICIES,
};

/* "best", "4k", "64k", "1m", "16m"; NULL for a value out of range. */
const char *vcm_map_policy_name(enum vcm_map_policy pol);
/* -EINVAL for an unknown name. */
int vcm_map_policy_parse(const char *s, enum vcm_map_policy *out);

/* ---- Objects --------------------------------------------------------------------------- */
struct vcm_platform;
struct vcm;                 /* a Virtual Contiguous Memory region */
struct res;                 /* a reservation */
struct avcm;                /* an association of a VCM with a device */
struct vcm_dev;             /* a device: SMMU context, one-to-one device or the CPU */
struct vcm_physmem;         /* a physical memory allocation ("struct physmem" of the text) */

enum vcm_type {
    VCM_TYPE_IOMMU = 0,
    VCM_TYPE_ONE_TO_ONE,
    VCM_TYPE_VMM,
};

enum vcm_dev_type {
    VCM_DEV_IOMMU = 0,      /* an SMMU context that translates */
    VCM_DEV_ONE_TO_ONE,     /* direct-mapped: an SMMU context in bypass, or no SMMU */
    VCM_DEV_CPU,            /* the CPU, for VMM VCMs */
};

/* ---- Platform ------------------------------------------------------------------------- */
struct vcm_platform_cfg {
    struct physmem *pm;             /* the memory devices and the CPU see (required) */
    struct smmu_tree *tree;         /* SMMU driver tree; NULL: no SMMU devices */
    struct phys_target *target[VCM_NUM_MEMTYPES];   /* memory targets; NULL: none */
    uint64_t vmm_start, vmm_len;    /* the CPU's VMM area; vmm_len 0: no VMM VCMs */
    enum vcm_map_policy policy;     /* default mapping policy */
};

/*
 * The platform keeps pointers to pm, tree and targets (it does not own them; they
 * must outlive it). NULL and a message in err on a bad configuration.
 */
struct vcm_platform *vcm_platform_new(const struct vcm_platform_cfg *cfg, char *err,
                                      size_t errlen);

/*
 * Frees the platform and every object still live in it, in dependency order:
 * associations deactivated and removed, reservations unbacked and freed, VCMs,
 * physical allocations, devices (their SMMU context instances are freed).
 */
void vcm_platform_free(struct vcm_platform *p);

int vcm_platform_set_policy(struct vcm_platform *p, enum vcm_map_policy pol);
enum vcm_map_policy vcm_platform_policy(const struct vcm_platform *p);
struct physmem *vcm_platform_physmem(const struct vcm_platform *p);

/* The sentence describing the last failed call on this platform ("" if none). */
const char *vcm_last_error(const struct vcm_platform *p);

/* ---- Devices --------------------------------------------------------------------------- */

/*
 * An SMMU context that translates: a new context instance of the named context
 * (smmu_get_ctx_instance), e.g. "vcodec_a_mm1". NULL for an unknown name.
 */
struct vcm_dev *vcm_dev_get(struct vcm_platform *p, const char *ctx_name);

/*
 * A one-to-one (direct-mapped) device. With a context name, an instance of that
 * SMMU context which, while activated, routes its MIDs to its bank with translation
 * off (SCTLR.M = 0): device address = physical address. With NULL, a device with no
 * SMMU in front of it.
 */
struct vcm_dev *vcm_dev_one_to_one(struct vcm_platform *p, const char *ctx_name);

/* The platform's CPU device (one per platform, owned by it). */
struct vcm_dev *vcm_dev_cpu(struct vcm_platform *p);

/* Frees a device from vcm_dev_get / vcm_dev_one_to_one. -EBUSY while associated. */
int vcm_dev_put(struct vcm_dev *dev);

enum vcm_dev_type vcm_dev_type(const struct vcm_dev *dev);
const char *vcm_dev_name(const struct vcm_dev *dev);        /* "cpu", "direct", or the context */
struct smmu_dev *vcm_dev_smmu(const struct vcm_dev *dev);   /* NULL for the CPU and SMMU-less */

/* ---- VCMs ------------------------------------------------------------------------------ */

/*
 * [start_addr, start_addr + len), len > 0, ending at or below 2^32. The start need
 * not be page aligned (the source text creates one at SZ_1K): reservations start on
 * 4 KiB boundaries inside the range, so the first usable page of a VCM at 0x400 is
 * 0x1000. If the range is exactly that of a live VCM_PHYS_CONT allocation of this
 * platform, the VCM is one-to-one.
 */
struct vcm *vcm_create(struct vcm_platform *p, uint64_t start_addr, uint64_t len);

/* A VMM VCM over the platform's VMM area; ext_vcm_id must be VCM_PREBUILT_KERNEL. */
struct vcm *vcm_create_from_prebuilt(struct vcm_platform *p, size_t ext_vcm_id);

/* -EBUSY while the VCM has reservations or associations. */
int vcm_free(struct vcm *vcm);

enum vcm_type vcm_get_type(const struct vcm *vcm);
uint64_t vcm_get_start_addr(const struct vcm *vcm);
uint64_t vcm_get_len(const struct vcm *vcm);

/*
 * Reservations made from now on get a 4 KiB unmapped guard page after them (an
 * overrun faults instead of reaching the next buffer). VMM VCMs always have one,
 * as vmalloc areas do. -EINVAL for a VMM VCM.
 */
int vcm_set_guard(struct vcm *vcm, bool on);

/* Takes [start, start + len) out of an IOMMU VCM for good. -EINVAL / -EBUSY. */
int vcm_reserve_hole(struct vcm *vcm, uint64_t start, uint64_t len);

/* ---- Reservations ---------------------------------------------------------------------- */

/*
 * len bytes (rounded up to 4 KiB), up to the VCM's length. attr: VCM_READ and/or
 * VCM_WRITE (at least one), VCM_EXECUTE, VCM_USER, VCM_SUPERVISOR, VCM_SECURE, a
 * cache policy and an alignment order. Alignment: the order if given; otherwise
 * the default rule on IOMMU VCMs and 4 KiB on one-to-one and VMM VCMs.
 */
struct res *vcm_reserve(struct vcm *vcm, size_t len, uint32_t attr);

/*
 * The same at a fixed device address (IOMMU VCMs only): dev_addr 4 KiB aligned, the
 * range [dev_addr, dev_addr + len rounded up to 4 KiB) inside the VCM and free. A
 * captured trace's buffers are placed so, at the IOVAs they were captured at. NULL
 * with -EINVAL (bad address, outside the VCM) or -EBUSY (overlaps a reservation or a
 * hole) in the platform's last error.
 */
struct res *vcm_reserve_at(struct vcm *vcm, uint32_t dev_addr, size_t len, uint32_t attr);

/* -EBUSY while backed. */
int vcm_unreserve(struct res *res);

/* The text's res->dev_addr: IOVA, CPU virtual address or physical address. */
uint32_t vcm_get_dev_addr(const struct res *res);
size_t vcm_get_res_len(const struct res *res);
uint32_t vcm_get_res_attr(const struct res *res);
struct vcm *vcm_get_vcm_from_res(const struct res *res);

/* The reservation of vcm containing dev_addr, or NULL. */
struct res *vcm_find_res(const struct vcm *vcm, uint32_t dev_addr);

/* Mapping policy of this reservation (instead of the platform's); -EBUSY while backed. */
int vcm_res_set_policy(struct res *res, enum vcm_map_policy pol);

/* ---- Associations ---------------------------------------------------------------------- */

/*
 * Links vcm to dev. IOMMU VCMs go with SMMU devices, one-to-one VCMs with
 * one-to-one devices, VMM VCMs with the CPU. attr: 0, or VCM_SPLIT with exactly one
 * of VCM_USE_LOW_BASE / VCM_USE_HIGH_BASE (IOMMU only). One VCM may be associated
 * with many devices and one device with many VCMs; on an SMMU device the VCMs must
 * not overlap and must all be split or all unsplit. Mappings of reservations the
 * VCM has already backed are written into the device's tables. NULL on failure.
 */
struct avcm *vcm_assoc(struct vcm *vcm, struct vcm_dev *dev, uint32_t attr);

/* Removes the VCM's mappings from the device. -EBUSY while active. */
int vcm_deassoc(struct avcm *avcm);

/*
 * SMMU device: programs the context (smmu_activate: TTBRs, TTBCR, MID routing,
 * SCTLR.M = 1). One-to-one device: the first activation puts its context, if any,
 * in bypass; later ones only count. CPU: counts. -EBUSY when already active (and
 * when the driver refuses, e.g. a MID held by another active context).
 */
int vcm_activate(struct avcm *avcm);

/* The last active association of a device deactivates its context. -EINVAL if inactive. */
int vcm_deactivate(struct avcm *avcm);

/*
 * 1 when active, 0 when not (also when another instance of the same context bank
 * was activated since: the bank was switched away), -EINVAL for a bad handle.
 */
int vcm_is_active(const struct avcm *avcm);

/* ---- Physical memory ------------------------------------------------------------------- */

/*
 * len bytes (> 0, rounded up to 4 KiB) from the platform's memory target of memtype.
 * attr: VCM_PHYS_CONT for one contiguous range (alignment order allowed; size bits
 * ignored), else at least one of VCM_4KB, VCM_64KB, VCM_1MB, VCM_ALL: blocks of the
 * allowed sizes, largest first, falling back to smaller sizes when a pool runs out.
 * VCM_COHERENT is accepted and recorded.
 */
struct vcm_physmem *vcm_phys_alloc(struct vcm_platform *p, enum memtype_t memtype,
                                   size_t len, uint32_t attr);

/* -EBUSY while it backs a reservation. */
int vcm_phys_free(struct vcm_physmem *physmem);

size_t vcm_phys_len(const struct vcm_physmem *physmem);      /* rounded to 4 KiB */
/* The blocks, in the order they are mapped at increasing device addresses. */
const struct phys_alloc *vcm_phys_blocks(const struct vcm_physmem *physmem);

/*
 * Maps physmem behind res. The sizes must match (after rounding to 4 KiB). Each
 * physical block is mapped by the largest pages that the device-address and
 * physical alignment, the block's remaining length and the mapping policy allow,
 * into every SMMU context associated with the VCM, inside one
 * smmu_update_start / smmu_update_done bracket per context. All or nothing: on a
 * failure every mapping already written is removed. One-to-one reservations can
 * only be backed by memory at their own address. -EBUSY when already backed.
 */
int vcm_back(struct res *res, struct vcm_physmem *physmem);

/*
 * Like vcm_back for a physmem shorter than the reservation: maps it at the start;
 * the rest stays unmapped (ion_map_iommu's iova_length padding).
 */
int vcm_back_prefix(struct res *res, struct vcm_physmem *physmem);

/* Unmaps (TLB invalidation through smmu_update_done). -EINVAL when not backed. */
int vcm_unback(struct res *res);

bool vcm_res_is_backed(const struct res *res);
struct vcm_physmem *vcm_res_physmem(const struct res *res);

/* The physical address behind res at offset, from the mapping the VCM recorded. */
int vcm_res_phys_addr(const struct res *res, size_t offset, uint32_t *pa);

/* The page-size mix: mappings of each size per backed reservation (per context). */
struct vcm_map_mix {
    uint32_t count[PAGE_SIZES];     /* indexed by enum page_size */
    uint32_t total;
};
int vcm_res_mix(const struct res *res, struct vcm_map_mix *mix);
int vcm_mix(const struct vcm *vcm, struct vcm_map_mix *mix);   /* sum over its reservations */

/* ---- CPU access through a VMM reservation ------------------------------------------------ */

/*
 * Copy between buf and the memory behind a backed VMM reservation, offset bytes
 * from its start, following the recorded CPU mapping into physical memory.
 * -EINVAL for a reservation that is not a backed VMM one or a range outside it.
 */
int vcm_vmm_read(const struct res *res, size_t offset, void *buf, size_t len);
int vcm_vmm_write(struct res *res, size_t offset, const void *buf, size_t len);

/* ---- Faults -------------------------------------------------------------------------------- */

/*
 * Called from the SMMU driver's interrupt handler for a context fault on dev.
 * Return 1 to retry the stalled transaction (e.g. after backing the page), 0 to
 * terminate it (the master gets an error response), SMMU_FAULT_HOOK_LEAVE to leave
 * it stalled (nobody resumes it). The handler may back and unback
 * reservations but must not deactivate, deassociate or free.
 */
typedef int (*vcm_handler)(struct vcm_dev *dev, void *data, const struct smmu_fault *fault);

/*
 * Registers handler (NULL removes it) for faults of dev's SMMU context. Without a
 * handler the driver logs the fault and terminates the transaction. -ENODEV for a
 * device without a translating SMMU context.
 */
int vcm_hook(struct vcm_dev *dev, vcm_handler handler, void *data);

#endif
