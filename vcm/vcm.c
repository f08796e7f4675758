/*
 * vcm.c - the Virtual Contiguous Memory Manager (see vcm.h and docs/vcm.md).
 *
 * Bookkeeping of VCMs, reservations, associations, devices and physical
 * allocations, and the one piece of policy that matters for the SMMU's small TLB:
 * how a backed reservation is cut into pages. Device addresses come from
 * vcm/iova.c, physical memory from vcm/phys_pool.c, and every page-table write,
 * TLB invalidation and context programming goes through vcm/smmu_driver.c.
 *
 * Every call checks all its arguments before it changes anything, and a step that
 * can still fail afterwards (writing page tables into several contexts) is undone
 * on failure, so that a failed call leaves everything as it was.
 */
#include "vcm/vcm.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/smmu_regs.h"
#include "vcm/iova.h"

#define VCM_ERR_LEN             256u
#define VCM_PAGE_SIZE           SZ_4K
#define VCM_SPACE_END           (1ull << 32)
#define VCM_MIN_ALIGN_ORDER     12u
#define VCM_CPU_NAME            "cpu"
#define VCM_DIRECT_NAME         "direct"

#define RES_ATTR_ALL    (VCM_READ | VCM_WRITE | VCM_EXECUTE | VCM_USER | VCM_SUPERVISOR | \
                         VCM_SECURE | VCM_CACHE_POLICY_MASK | \
                         (VCM_ALIGN_MASK << VCM_ALIGN_SHIFT))
#define PHYS_ATTR_ALL   (VCM_4KB | VCM_64KB | VCM_1MB | VCM_ALL | VCM_PHYS_CONT | \
                         VCM_COHERENT | (VCM_ALIGN_MASK << VCM_ALIGN_SHIFT))
#define ASSOC_ATTR_ALL  (VCM_SPLIT | VCM_USE_LOW_BASE | VCM_USE_HIGH_BASE)

/* ---- Objects ------------------------------------------------------------------------ */

/* One page-table mapping of a backed reservation (the same in every context). */
struct vcm_map {
    uint32_t va, pa;
    enum page_size ps;
};

struct vcm_platform {
    struct physmem *pm;
    struct smmu_tree *tree;
    struct phys_target *target[VCM_NUM_MEMTYPES];
    struct iova_space *vmm_space;       /* shared by every VMM VCM */
    uint64_t vmm_start, vmm_len;
    enum vcm_map_policy policy;
    struct vcm_dev *cpu;
    struct vcm *vcms;
    struct vcm_dev *devs;
    struct vcm_physmem *phys;
    char err[VCM_ERR_LEN];
};

struct vcm {
    struct vcm_platform *plat;
    enum vcm_type type;
    uint64_t start, len;
    struct iova_space *space;           /* the platform's for VMM VCMs */
    bool guard;
    struct res *res;
    struct avcm *assoc;
    struct vcm *next;
};

struct res {
    struct vcm *vcm;
    uint32_t dev_addr;
    uint64_t len;                       /* rounded to 4 KiB */
    uint32_t attr;
    bool has_policy;
    enum vcm_map_policy policy;
    struct vcm_physmem *backing;
    struct vcm_map *maps;               /* by increasing va */
    uint32_t nmaps;
    struct vcm_map_mix mix;
    struct res *next;
};

struct avcm {
    struct vcm *vcm;
    struct vcm_dev *dev;
    uint32_t attr;
    bool active;
    struct avcm *next_in_vcm, *next_in_dev;
};

struct vcm_dev {
    struct vcm_platform *plat;
    enum vcm_dev_type type;
    struct smmu_dev *smmu;
    char name[SMMU_NAME_LEN];
    struct avcm *assoc;
    unsigned nassoc, nsplit, nactive;
    vcm_handler handler;
    void *data;
    struct vcm_dev *next;
};

struct vcm_physmem {
    struct vcm_platform *plat;
    enum memtype_t memtype;
    struct phys_target *target;
    struct phys_alloc *alloc;
    uint64_t len;                       /* rounded to 4 KiB */
    uint32_t attr;
    unsigned backings;
    struct vcm_physmem *next;
};

/* ---- The table of live handles ------------------------------------------------------
 * Open addressing over pointer values. A handle that is not in the table (freed,
 * never created, or of another kind) is refused without being dereferenced.
 */
enum obj_kind {
    OBJ_PLATFORM = 1,
    OBJ_VCM,
    OBJ_RES,
    OBJ_AVCM,
    OBJ_DEV,
    OBJ_PHYS,
};

struct reg_slot {
    const void *ptr;                    /* NULL: empty; REG_TOMB: deleted */
    enum obj_kind kind;
};

static const char reg_tomb_mark;
#define REG_TOMB ((const void *)&reg_tomb_mark)

static struct {
    struct reg_slot *slot;
    size_t cap;                         /* power of two, or 0 */
    size_t used;                        /* live + tombstones */
    size_t live;
} reg;

static size_t reg_hash(const void *p, size_t cap)
{
    uint64_t x = (uint64_t)(uintptr_t)p;

    x ^= x >> 33;
    x *= 0xFF51AFD7ED558CCDull;
    x ^= x >> 33;
    return (size_t)x & (cap - 1);
}

static int reg_resize(size_t cap)
{
    struct reg_slot *s = calloc(cap, sizeof(*s));

    if (!s)
        return -ENOMEM;
    for (size_t i = 0; i < reg.cap; i++) {
        const void *p = reg.slot[i].ptr;
        if (!p || p == REG_TOMB)
            continue;
        size_t j = reg_hash(p, cap);
        while (s[j].ptr)
            j = (j + 1) & (cap - 1);
        s[j] = reg.slot[i];
    }
    free(reg.slot);
    reg.slot = s;
    reg.cap = cap;
    reg.used = reg.live;
    return 0;
}

static int reg_add(const void *p, enum obj_kind kind)
{
    if ((reg.used + 1) * 4 >= reg.cap * 3) {
        size_t cap = 64;
        while (cap < (reg.live + 1) * 4)
            cap *= 2;
        int ret = reg_resize(cap);
        if (ret)
            return ret;
    }
    size_t j = reg_hash(p, reg.cap);
    while (reg.slot[j].ptr && reg.slot[j].ptr != REG_TOMB)
        j = (j + 1) & (reg.cap - 1);
    if (!reg.slot[j].ptr)
        reg.used++;
    reg.slot[j].ptr = p;
    reg.slot[j].kind = kind;
    reg.live++;
    return 0;
}

static struct reg_slot *reg_find(const void *p)
{
    if (!p || !reg.cap)
        return NULL;
    for (size_t j = reg_hash(p, reg.cap); reg.slot[j].ptr; j = (j + 1) & (reg.cap - 1))
        if (reg.slot[j].ptr == p)
            return &reg.slot[j];
    return NULL;
}

static bool reg_has(const void *p, enum obj_kind kind)
{
    const struct reg_slot *s = reg_find(p);

    return s && s->kind == kind;
}

static void reg_del(const void *p)
{
    struct reg_slot *s = reg_find(p);

    if (!s)
        return;
    s->ptr = REG_TOMB;
    reg.live--;
    if (!reg.live) {
        free(reg.slot);
        reg.slot = NULL;
        reg.cap = reg.used = 0;
    }
}

/* Allocates a zeroed object and registers it. */
static void *obj_new(size_t size, enum obj_kind kind)
{
    void *o = calloc(1, size);

    if (o && reg_add(o, kind)) {
        free(o);
        o = NULL;
    }
    return o;
}

static void obj_free(void *o)
{
    reg_del(o);
    free(o);
}

/* ---- Small helpers ---------------------------------------------------------------------- */

static int set_err(struct vcm_platform *p, int ret, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(p->err, sizeof(p->err), fmt, ap);
    va_end(ap);
    return ret;
}

static uint64_t round_up_page(uint64_t len)
{
    return (len + VCM_PAGE_SIZE - 1) & ~(uint64_t)(VCM_PAGE_SIZE - 1);
}

static enum page_size policy_cap(enum vcm_map_policy pol)
{
    switch (pol) {
    case VCM_MAP_4K:  return PAGE_4K;
    case VCM_MAP_64K: return PAGE_64K;
    case VCM_MAP_1M:  return PAGE_1M;
    default:          return PAGE_16M;
    }
}

static const char *const policy_names[VCM_MAP_NPOLICIES] = {
    [VCM_MAP_BEST] = "best",
    [VCM_MAP_4K] = "4k",
    [VCM_MAP_64K] = "64k",
    [VCM_MAP_1M] = "1m",
    [VCM_MAP_16M] = "16m",
};

const char *vcm_map_policy_name(enum vcm_map_policy pol)
{
    return (unsigned)pol < VCM_MAP_NPOLICIES ? policy_names[pol] : NULL;
}

int vcm_map_policy_parse(const char *s, enum vcm_map_policy *out)
{
    if (!s || !out)
        return -EINVAL;
    for (unsigned i = 0; i < VCM_MAP_NPOLICIES; i++) {
        if (!strcmp(s, policy_names[i])) {
            *out = (enum vcm_map_policy)i;
            return 0;
        }
    }
    return -EINVAL;
}

/* VCM reservation attributes to the driver's smmu_map attributes. */
static uint32_t smmu_attr_of(uint32_t attr)
{
    static const uint32_t cache[] = {
        [VCM_NOTCACHED] = SMMU_CACHE_NONCACHED,
        [VCM_WB_WA] = SMMU_CACHE_WB_WA,
        [VCM_WB_NWA] = SMMU_CACHE_WB_NWA,
        [VCM_WT] = SMMU_CACHE_WT,
    };
    uint32_t a = SMMU_ATTR_CACHE(cache[attr & VCM_CACHE_POLICY_MASK]);

    if (attr & VCM_READ)
        a |= SMMU_ATTR_READ;
    if (attr & VCM_WRITE)
        a |= SMMU_ATTR_WRITE;
    if (attr & VCM_EXECUTE)
        a |= SMMU_ATTR_EXEC;
    if (attr & VCM_USER)
        a |= SMMU_ATTR_USER;
    if (attr & VCM_SUPERVISOR)
        a |= SMMU_ATTR_PRIV;
    if (attr & VCM_SECURE)
        a |= SMMU_ATTR_SECURE;
    return a;
}

static const char *vcm_type_name(enum vcm_type t)
{
    switch (t) {
    case VCM_TYPE_IOMMU:      return "IOMMU";
    case VCM_TYPE_ONE_TO_ONE: return "one-to-one";
    default:                  return "VMM";
    }
}

static const char *dev_type_name(enum vcm_dev_type t)
{
    switch (t) {
    case VCM_DEV_IOMMU:      return "SMMU";
    case VCM_DEV_ONE_TO_ONE: return "one-to-one";
    default:                 return "CPU";
    }
}

/* ---- Platform ------------------------------------------------------------------------- */

static struct vcm_dev *dev_new(struct vcm_platform *p, enum vcm_dev_type type,
                               struct smmu_dev *sd, const char *name)
{
    struct vcm_dev *d = obj_new(sizeof(*d), OBJ_DEV);

    if (!d)
        return NULL;
    d->plat = p;
    d->type = type;
    d->smmu = sd;
    snprintf(d->name, sizeof(d->name), "%s", name);
    return d;
}

static int cfg_err(char *err, size_t errlen, const char *msg)
{
    if (err && errlen)
        snprintf(err, errlen, "%s", msg);
    return -EINVAL;
}

struct vcm_platform *vcm_platform_new(const struct vcm_platform_cfg *cfg, char *err,
                                      size_t errlen)
{
    if (!cfg) {
        cfg_err(err, errlen, "vcm_platform_new: cfg is NULL");
        return NULL;
    }
    if (!cfg->pm) {
        cfg_err(err, errlen, "vcm_platform_new: pm (the physical memory) is required");
        return NULL;
    }
    if ((unsigned)cfg->policy >= VCM_MAP_NPOLICIES) {
        cfg_err(err, errlen, "vcm_platform_new: policy must be one of best, 4k, 64k, 1m, 16m");
        return NULL;
    }
    if (cfg->vmm_len && (cfg->vmm_start % VCM_PAGE_SIZE || cfg->vmm_len % VCM_PAGE_SIZE ||
                         cfg->vmm_start + cfg->vmm_len > VCM_SPACE_END)) {
        cfg_err(err, errlen, "vcm_platform_new: the VMM area (vmm_start, vmm_len) must be "
                "4 KiB aligned and end at or below 2^32");
        return NULL;
    }

    struct vcm_platform *p = obj_new(sizeof(*p), OBJ_PLATFORM);
    if (!p) {
        cfg_err(err, errlen, "vcm_platform_new: out of memory");
        return NULL;
    }
    p->pm = cfg->pm;
    p->tree = cfg->tree;
    memcpy(p->target, cfg->target, sizeof(p->target));
    p->vmm_start = cfg->vmm_start;
    p->vmm_len = cfg->vmm_len;
    p->policy = cfg->policy;
    if (cfg->vmm_len) {
        p->vmm_space = iova_create(cfg->vmm_start, cfg->vmm_len, err, errlen);
        if (!p->vmm_space) {
            obj_free(p);
            return NULL;
        }
    }
    p->cpu = dev_new(p, VCM_DEV_CPU, NULL, VCM_CPU_NAME);
    if (!p->cpu) {
        iova_destroy(p->vmm_space);
        obj_free(p);
        cfg_err(err, errlen, "vcm_platform_new: out of memory");
        return NULL;
    }
    return p;
}

int vcm_platform_set_policy(struct vcm_platform *p, enum vcm_map_policy pol)
{
    if (!reg_has(p, OBJ_PLATFORM))
        return -EINVAL;
    if ((unsigned)pol >= VCM_MAP_NPOLICIES)
        return set_err(p, -EINVAL, "vcm_platform_set_policy: policy %d is out of range "
                       "(best, 4k, 64k, 1m, 16m)", (int)pol);
    p->policy = pol;
    return 0;
}

enum vcm_map_policy vcm_platform_policy(const struct vcm_platform *p)
{
    return reg_has(p, OBJ_PLATFORM) ? p->policy : VCM_MAP_BEST;
}

struct physmem *vcm_platform_physmem(const struct vcm_platform *p)
{
    return reg_has(p, OBJ_PLATFORM) ? p->pm : NULL;
}

const char *vcm_last_error(const struct vcm_platform *p)
{
    return reg_has(p, OBJ_PLATFORM) ? p->err : "";
}

/* ---- Devices ------------------------------------------------------------------------------ */

static struct vcm_dev *dev_from_ctx(struct vcm_platform *p, const char *fn,
                                    enum vcm_dev_type type, const char *ctx_name)
{
    struct smmu_dev *sd = NULL;

    if (ctx_name) {
        if (!p->tree) {
            set_err(p, -ENODEV, "%s: the platform has no SMMU tree, so no context '%s'",
                    fn, ctx_name);
            return NULL;
        }
        int rc;

        sd = smmu_get_ctx_instance_rc(p->tree, ctx_name, &rc);
        if (!sd) {
            if (rc == -ENOENT)
                set_err(p, -ENODEV, "%s: no SMMU context named '%s'", fn, ctx_name);
            else if (rc == -ENOSPC)
                set_err(p, -ENOSPC, "%s: context '%s': the page-table pool has no room for "
                        "its 16K first-level table (memory.page_tables is too small)", fn,
                        ctx_name);
            else
                set_err(p, rc, "%s: context '%s': cannot bind it to its SMMU: %s", fn,
                        ctx_name, strerror(-rc));
            return NULL;
        }
    }
    struct vcm_dev *d = dev_new(p, type, sd, ctx_name ? ctx_name : VCM_DIRECT_NAME);
    if (!d) {
        if (sd)
            smmu_free_ctx_instance(sd);
        set_err(p, -ENOMEM, "%s: out of memory", fn);
        return NULL;
    }
    d->next = p->devs;
    p->devs = d;
    return d;
}

struct vcm_dev *vcm_dev_get(struct vcm_platform *p, const char *ctx_name)
{
    if (!reg_has(p, OBJ_PLATFORM))
        return NULL;
    if (!ctx_name) {
        set_err(p, -EINVAL, "vcm_dev_get: ctx_name is NULL");
        return NULL;
    }
    return dev_from_ctx(p, "vcm_dev_get", VCM_DEV_IOMMU, ctx_name);
}

struct vcm_dev *vcm_dev_one_to_one(struct vcm_platform *p, const char *ctx_name)
{
    if (!reg_has(p, OBJ_PLATFORM))
        return NULL;
    return dev_from_ctx(p, "vcm_dev_one_to_one", VCM_DEV_ONE_TO_ONE, ctx_name);
}

struct vcm_dev *vcm_dev_cpu(struct vcm_platform *p)
{
    return reg_has(p, OBJ_PLATFORM) ? p->cpu : NULL;
}

static void dev_destroy(struct vcm_dev *d)
{
    if (d->smmu)
        smmu_free_ctx_instance(d->smmu);
    obj_free(d);
}

int vcm_dev_put(struct vcm_dev *dev)
{
    if (!reg_has(dev, OBJ_DEV))
        return -EINVAL;
    struct vcm_platform *p = dev->plat;
    if (dev == p->cpu)
        return set_err(p, -EINVAL, "vcm_dev_put: the CPU device belongs to the platform");
    if (dev->nassoc)
        return set_err(p, -EBUSY, "vcm_dev_put: device %s still has %u association(s)",
                       dev->name, dev->nassoc);
    for (struct vcm_dev **pp = &p->devs; *pp; pp = &(*pp)->next) {
        if (*pp == dev) {
            *pp = dev->next;
            break;
        }
    }
    dev_destroy(dev);
    return 0;
}

enum vcm_dev_type vcm_dev_type(const struct vcm_dev *dev)
{
    return reg_has(dev, OBJ_DEV) ? dev->type : VCM_DEV_CPU;
}

const char *vcm_dev_name(const struct vcm_dev *dev)
{
    return reg_has(dev, OBJ_DEV) ? dev->name : NULL;
}

struct smmu_dev *vcm_dev_smmu(const struct vcm_dev *dev)
{
    return reg_has(dev, OBJ_DEV) ? dev->smmu : NULL;
}

/* ---- VCMs ------------------------------------------------------------------------------- */

/* A live contiguous allocation whose range is exactly [start, start + len). */
static bool matches_contiguous(const struct vcm_platform *p, uint64_t start, uint64_t len)
{
    for (const struct vcm_physmem *m = p->phys; m; m = m->next) {
        if (!(m->alloc->flags & PHYS_CONT) || m->alloc->nblocks != 1)
            continue;
        if (m->alloc->blocks[0].pa == start && (len == m->len || len == m->alloc->len))
            return true;
    }
    return false;
}

static struct vcm *vcm_new(struct vcm_platform *p, enum vcm_type type, uint64_t start,
                           uint64_t len, struct iova_space *space)
{
    struct vcm *v = obj_new(sizeof(*v), OBJ_VCM);

    if (!v)
        return NULL;
    v->plat = p;
    v->type = type;
    v->start = start;
    v->len = len;
    v->space = space;
    v->guard = (type == VCM_TYPE_VMM);
    v->next = p->vcms;
    p->vcms = v;
    return v;
}

struct vcm *vcm_create(struct vcm_platform *p, uint64_t start_addr, uint64_t len)
{
    if (!reg_has(p, OBJ_PLATFORM))
        return NULL;
    if (!len || start_addr >= VCM_SPACE_END || len > VCM_SPACE_END - start_addr) {
        set_err(p, -EINVAL, "vcm_create: [start_addr 0x%llx, + len 0x%llx) must be non-empty "
                "and end at or below 2^32", (unsigned long long)start_addr,
                (unsigned long long)len);
        return NULL;
    }
    enum vcm_type type = matches_contiguous(p, start_addr, len) ? VCM_TYPE_ONE_TO_ONE
                                                                : VCM_TYPE_IOMMU;
    struct iova_space *s = iova_create(start_addr, len, p->err, sizeof(p->err));
    if (!s)
        return NULL;
    struct vcm *v = vcm_new(p, type, start_addr, len, s);
    if (!v) {
        iova_destroy(s);
        set_err(p, -ENOMEM, "vcm_create: out of memory");
    }
    return v;
}

struct vcm *vcm_create_from_prebuilt(struct vcm_platform *p, size_t ext_vcm_id)
{
    if (!reg_has(p, OBJ_PLATFORM))
        return NULL;
    if (ext_vcm_id != VCM_PREBUILT_KERNEL) {
        set_err(p, -EINVAL, "vcm_create_from_prebuilt: ext_vcm_id %zu is unknown (the "
                "platform has one VMM, VCM_PREBUILT_KERNEL = %u)", ext_vcm_id,
                VCM_PREBUILT_KERNEL);
        return NULL;
    }
    if (!p->vmm_space) {
        set_err(p, -ENODEV, "vcm_create_from_prebuilt: the platform has no VMM area "
                "(vmm_len is 0)");
        return NULL;
    }
    struct vcm *v = vcm_new(p, VCM_TYPE_VMM, p->vmm_start, p->vmm_len, p->vmm_space);
    if (!v)
        set_err(p, -ENOMEM, "vcm_create_from_prebuilt: out of memory");
    return v;
}

int vcm_free(struct vcm *vcm)
{
    if (!reg_has(vcm, OBJ_VCM))
        return -EINVAL;
    struct vcm_platform *p = vcm->plat;
    if (vcm->res)
        return set_err(p, -EBUSY, "vcm_free: the VCM still has reservations");
    if (vcm->assoc)
        return set_err(p, -EBUSY, "vcm_free: the VCM is still associated with a device");
    for (struct vcm **pp = &p->vcms; *pp; pp = &(*pp)->next) {
        if (*pp == vcm) {
            *pp = vcm->next;
            break;
        }
    }
    if (vcm->type != VCM_TYPE_VMM)
        iova_destroy(vcm->space);
    obj_free(vcm);
    return 0;
}

enum vcm_type vcm_get_type(const struct vcm *vcm)
{
    return reg_has(vcm, OBJ_VCM) ? vcm->type : VCM_TYPE_IOMMU;
}

uint64_t vcm_get_start_addr(const struct vcm *vcm)
{
    return reg_has(vcm, OBJ_VCM) ? vcm->start : 0;
}

uint64_t vcm_get_len(const struct vcm *vcm)
{
    return reg_has(vcm, OBJ_VCM) ? vcm->len : 0;
}

int vcm_set_guard(struct vcm *vcm, bool on)
{
    if (!reg_has(vcm, OBJ_VCM))
        return -EINVAL;
    if (vcm->type == VCM_TYPE_VMM)
        return set_err(vcm->plat, -EINVAL, "vcm_set_guard: a VMM VCM always has guard pages");
    vcm->guard = on;
    return 0;
}

int vcm_reserve_hole(struct vcm *vcm, uint64_t start, uint64_t len)
{
    if (!reg_has(vcm, OBJ_VCM))
        return -EINVAL;
    if (vcm->type != VCM_TYPE_IOMMU)
        return set_err(vcm->plat, -EINVAL, "vcm_reserve_hole: only IOMMU VCMs have holes");
    return iova_reserve_hole(vcm->space, start, len, vcm->plat->err, sizeof(vcm->plat->err));
}

/* ---- Reservations ------------------------------------------------------------------------- */

static int check_res_attr(struct vcm_platform *p, uint32_t attr)
{
    if (attr & ~RES_ATTR_ALL)
        return set_err(p, -EINVAL, "vcm_reserve: attr 0x%x has unknown bits 0x%x", attr,
                       attr & ~RES_ATTR_ALL);
    if (!(attr & (VCM_READ | VCM_WRITE)))
        return set_err(p, -EINVAL, "vcm_reserve: attr 0x%x must include VCM_READ or VCM_WRITE",
                       attr);
    if ((attr & VCM_CACHE_POLICY_MASK) > VCM_WT)
        return set_err(p, -EINVAL, "vcm_reserve: cache policy %u is out of range (0 not cached, "
                       "1 WB-WA, 2 WB-NWA, 3 WT)", attr & VCM_CACHE_POLICY_MASK);
    unsigned order = VCM_ALIGN_ORDER(attr);
    if (order && order < VCM_MIN_ALIGN_ORDER)
        return set_err(p, -EINVAL, "vcm_reserve: alignment order %u is out of range (0 for "
                       "the default, or 12..31)", order);
    return 0;
}

/*
 * The reservation record for IOVA space [addr, addr + len rounded up) already taken
 * from the VCM's allocator: NULL (the space given back, the error set as fn's) when
 * out of memory.
 */
static struct res *res_new(struct vcm *vcm, uint32_t addr, size_t len, uint32_t attr,
                           const char *fn)
{
    struct res *r = obj_new(sizeof(*r), OBJ_RES);

    if (!r) {
        iova_free(vcm->space, addr);
        set_err(vcm->plat, -ENOMEM, "%s: out of memory", fn);
        return NULL;
    }
    r->vcm = vcm;
    r->dev_addr = addr;
    r->len = round_up_page(len);
    r->attr = attr;
    r->next = vcm->res;
    vcm->res = r;
    return r;
}

struct res *vcm_reserve(struct vcm *vcm, size_t len, uint32_t attr)
{
    if (!reg_has(vcm, OBJ_VCM))
        return NULL;
    struct vcm_platform *p = vcm->plat;
    if (!len || len > vcm->len) {
        set_err(p, -EINVAL, "vcm_reserve: len 0x%zx is out of range (1 .. the VCM's length "
                "0x%llx)", len, (unsigned long long)vcm->len);
        return NULL;
    }
    if (check_res_attr(p, attr))
        return NULL;

    unsigned order = VCM_ALIGN_ORDER(attr);
    uint64_t align = order ? (1ull << order) : (vcm->type == VCM_TYPE_IOMMU ? 0 : VCM_PAGE_SIZE);
    unsigned flags = vcm->guard ? IOVA_GUARD : 0;
    uint32_t addr;
    /* The rounded length chooses the alignment, as it does the physical blocks. */
    if (iova_alloc(vcm->space, round_up_page(len), align, flags, &addr, p->err,
                   sizeof(p->err)))
        return NULL;

    return res_new(vcm, addr, len, attr, "vcm_reserve");
}

struct res *vcm_reserve_at(struct vcm *vcm, uint32_t dev_addr, size_t len, uint32_t attr)
{
    if (!reg_has(vcm, OBJ_VCM))
        return NULL;
    struct vcm_platform *p = vcm->plat;
    if (vcm->type != VCM_TYPE_IOMMU) {
        set_err(p, -EINVAL, "vcm_reserve_at: only IOMMU VCMs place reservations at a fixed "
                "address");
        return NULL;
    }
    if (!len || len > vcm->len) {
        set_err(p, -EINVAL, "vcm_reserve_at: len 0x%zx is out of range (1 .. the VCM's length "
                "0x%llx)", len, (unsigned long long)vcm->len);
        return NULL;
    }
    if (check_res_attr(p, attr))
        return NULL;
    if (iova_alloc_fixed(vcm->space, dev_addr, round_up_page(len), vcm->guard ? IOVA_GUARD : 0,
                         p->err, sizeof(p->err)))
        return NULL;

    return res_new(vcm, dev_addr, len, attr, "vcm_reserve_at");
}

int vcm_unreserve(struct res *res)
{
    if (!reg_has(res, OBJ_RES))
        return -EINVAL;
    struct vcm *vcm = res->vcm;
    if (res->backing)
        return set_err(vcm->plat, -EBUSY, "vcm_unreserve: the reservation at 0x%x is backed; "
                       "vcm_unback it first", res->dev_addr);
    iova_free(vcm->space, res->dev_addr);
    for (struct res **pp = &vcm->res; *pp; pp = &(*pp)->next) {
        if (*pp == res) {
            *pp = res->next;
            break;
        }
    }
    obj_free(res);
    return 0;
}

uint32_t vcm_get_dev_addr(const struct res *res)
{
    return reg_has(res, OBJ_RES) ? res->dev_addr : 0;
}

size_t vcm_get_res_len(const struct res *res)
{
    return reg_has(res, OBJ_RES) ? (size_t)res->len : 0;
}

uint32_t vcm_get_res_attr(const struct res *res)
{
    return reg_has(res, OBJ_RES) ? res->attr : 0;
}

struct vcm *vcm_get_vcm_from_res(const struct res *res)
{
    return reg_has(res, OBJ_RES) ? res->vcm : NULL;
}

struct res *vcm_find_res(const struct vcm *vcm, uint32_t dev_addr)
{
    if (!reg_has(vcm, OBJ_VCM))
        return NULL;
    for (struct res *r = vcm->res; r; r = r->next)
        if (dev_addr >= r->dev_addr && dev_addr - r->dev_addr < r->len)
            return r;
    return NULL;
}

int vcm_res_set_policy(struct res *res, enum vcm_map_policy pol)
{
    if (!reg_has(res, OBJ_RES))
        return -EINVAL;
    struct vcm_platform *p = res->vcm->plat;
    if ((unsigned)pol >= VCM_MAP_NPOLICIES)
        return set_err(p, -EINVAL, "vcm_res_set_policy: policy %d is out of range (best, 4k, "
                       "64k, 1m, 16m)", (int)pol);
    if (res->backing)
        return set_err(p, -EBUSY, "vcm_res_set_policy: the reservation at 0x%x is backed",
                       res->dev_addr);
    res->policy = pol;
    res->has_policy = true;
    return 0;
}

/* ---- Page-table writes into the contexts of a VCM ------------------------------------------- */

/* Writes a mapping plan into one context, all or nothing, inside one update bracket. */
static int ctx_map(struct smmu_dev *sd, const struct vcm_map *m, uint32_t n, uint32_t attr)
{
    int ret = 0;
    uint32_t i;

    smmu_update_start(sd);
    for (i = 0; i < n; i++) {
        ret = smmu_map(sd, m[i].pa, m[i].va, page_bytes(m[i].ps), attr);
        if (ret)
            break;
    }
    if (ret)
        while (i--)
            smmu_unmap(sd, m[i].va, page_bytes(m[i].ps));
    smmu_update_done(sd);
    return ret;
}

/* Removes a plan from one context; the bracket's end invalidates the TLB entries. */
static void ctx_unmap(struct smmu_dev *sd, const struct vcm_map *m, uint32_t n)
{
    smmu_update_start(sd);
    for (uint32_t i = 0; i < n; i++)
        smmu_unmap(sd, m[i].va, page_bytes(m[i].ps));
    smmu_update_done(sd);
}

static bool dev_translates(const struct vcm_dev *d)
{
    return d->type == VCM_DEV_IOMMU && d->smmu;
}

/*
 * Whether another association of vcm, before `upto` in its list, writes the same page
 * table as dev (contexts of one domain share a table): the table then holds the
 * VCM's pages already, and they are written and removed once.
 */
static bool table_written_before(const struct vcm *vcm, const struct avcm *upto,
                                 const struct smmu_dev *sd)
{
    for (const struct avcm *a = vcm->assoc; a && a != upto; a = a->next_in_vcm)
        if (dev_translates(a->dev) && a->dev->smmu != sd &&
            smmu_dev_ttbr0(a->dev->smmu) == smmu_dev_ttbr0(sd))
            return true;
    return false;
}

/* Maps a plan into every page table of the VCM's devices; undoes it all on failure. */
static int vcm_map_all(struct vcm *vcm, const struct vcm_map *m, uint32_t n, uint32_t attr,
                       struct smmu_dev **failed)
{
    for (struct avcm *a = vcm->assoc; a; a = a->next_in_vcm) {
        if (!dev_translates(a->dev) || table_written_before(vcm, a, a->dev->smmu))
            continue;
        int ret = ctx_map(a->dev->smmu, m, n, smmu_attr_of(attr));
        if (ret) {
            *failed = a->dev->smmu;
            for (struct avcm *b = vcm->assoc; b != a; b = b->next_in_vcm)
                if (dev_translates(b->dev) && !table_written_before(vcm, b, b->dev->smmu))
                    ctx_unmap(b->dev->smmu, m, n);
            return ret;
        }
    }
    return 0;
}

static void vcm_unmap_all(struct vcm *vcm, const struct vcm_map *m, uint32_t n)
{
    for (struct avcm *a = vcm->assoc; a; a = a->next_in_vcm)
        if (dev_translates(a->dev) && !table_written_before(vcm, a, a->dev->smmu))
            ctx_unmap(a->dev->smmu, m, n);
}

/* ---- Physical memory ---------------------------------------------------------------------- */

struct vcm_physmem *vcm_phys_alloc(struct vcm_platform *p, enum memtype_t memtype,
                                   size_t len, uint32_t attr)
{
    if (!reg_has(p, OBJ_PLATFORM))
        return NULL;
    if ((unsigned)memtype >= VCM_NUM_MEMTYPES || !p->target[memtype]) {
        set_err(p, -EINVAL, "vcm_phys_alloc: memtype %d has no memory target on this "
                "platform", (int)memtype);
        return NULL;
    }
    if (!len) {
        set_err(p, -EINVAL, "vcm_phys_alloc: len must be > 0");
        return NULL;
    }
    if (attr & ~PHYS_ATTR_ALL) {
        set_err(p, -EINVAL, "vcm_phys_alloc: attr 0x%x has unknown bits 0x%x", attr,
                attr & ~PHYS_ATTR_ALL);
        return NULL;
    }
    unsigned order = VCM_ALIGN_ORDER(attr);
    unsigned sz_mask = 0, flags = 0;
    uint64_t align = 0;
    if (attr & VCM_PHYS_CONT) {
        if (order && order < VCM_MIN_ALIGN_ORDER) {
            set_err(p, -EINVAL, "vcm_phys_alloc: alignment order %u is out of range (0 for "
                    "the default, or 12..31)", order);
            return NULL;
        }
        flags = PHYS_CONT;
        align = order ? (1ull << order) : 0;
    } else {
        if (order) {
            set_err(p, -EINVAL, "vcm_phys_alloc: an alignment order needs VCM_PHYS_CONT "
                    "(blocks are naturally aligned)");
            return NULL;
        }
        if (attr & VCM_ALL)
            sz_mask = PHYS_SZ_ALL;
        if (attr & VCM_1MB)
            sz_mask |= PHYS_SZ_1M;
        if (attr & VCM_64KB)
            sz_mask |= PHYS_SZ_64K;
        if (attr & VCM_4KB)
            sz_mask |= PHYS_SZ_4K;
        if (!sz_mask) {
            set_err(p, -EINVAL, "vcm_phys_alloc: attr 0x%x names no block size (VCM_4KB, "
                    "VCM_64KB, VCM_1MB, VCM_ALL) and not VCM_PHYS_CONT", attr);
            return NULL;
        }
    }

    struct vcm_physmem *m = obj_new(sizeof(*m), OBJ_PHYS);
    if (!m) {
        set_err(p, -ENOMEM, "vcm_phys_alloc: out of memory");
        return NULL;
    }
    struct phys_alloc *a;
    /* The rounded length chooses the blocks: 1 MiB - 100 bytes is one 1M block. */
    if (phys_alloc(p->target[memtype], round_up_page(len), sz_mask, flags, align, &a, p->err,
                   sizeof(p->err))) {
        obj_free(m);
        return NULL;
    }
    m->plat = p;
    m->memtype = memtype;
    m->target = p->target[memtype];
    m->alloc = a;
    m->len = round_up_page(len);
    m->attr = attr;
    m->next = p->phys;
    p->phys = m;
    return m;
}

int vcm_phys_free(struct vcm_physmem *physmem)
{
    if (!reg_has(physmem, OBJ_PHYS))
        return -EINVAL;
    struct vcm_platform *p = physmem->plat;
    if (physmem->backings)
        return set_err(p, -EBUSY, "vcm_phys_free: the allocation backs %u reservation(s)",
                       physmem->backings);
    phys_free(physmem->target, physmem->alloc);
    for (struct vcm_physmem **pp = &p->phys; *pp; pp = &(*pp)->next) {
        if (*pp == physmem) {
            *pp = physmem->next;
            break;
        }
    }
    obj_free(physmem);
    return 0;
}

size_t vcm_phys_len(const struct vcm_physmem *physmem)
{
    return reg_has(physmem, OBJ_PHYS) ? (size_t)physmem->len : 0;
}

const struct phys_alloc *vcm_phys_blocks(const struct vcm_physmem *physmem)
{
    return reg_has(physmem, OBJ_PHYS) ? physmem->alloc : NULL;
}

/* ---- Backing -------------------------------------------------------------------------------- */

/*
 * The largest page, up to cap, that starts at va and pa (both aligned to it) and
 * fits in the rem bytes left of the current block.
 */
static enum page_size pick_page(uint32_t va, uint32_t pa, uint64_t rem, enum page_size cap)
{
    for (int ps = (int)cap; ps > PAGE_4K; ps--) {
        uint32_t sz = page_bytes((enum page_size)ps);
        if (!((va | pa) & (sz - 1)) && rem >= sz)
            return (enum page_size)ps;
    }
    return PAGE_4K;
}

/*
 * Cuts the first len bytes of the allocation into pages at dev_addr. Blocks are
 * never merged: each is mapped on its own, so the page-size mix shows what the
 * pools gave. Counts the pages when out is NULL.
 */
static uint32_t plan_pages(uint32_t dev_addr, const struct phys_alloc *a, uint64_t len,
                           enum page_size cap, struct vcm_map *out)
{
    uint64_t off = 0;
    uint32_t n = 0;

    for (uint32_t i = 0; i < a->nblocks && off < len; i++) {
        uint64_t rem = a->blocks[i].size;
        if (rem > len - off)
            rem = len - off;
        uint32_t pa = a->blocks[i].pa;
        while (rem) {
            uint32_t va = dev_addr + (uint32_t)off;
            enum page_size ps = pick_page(va, pa, rem, cap);
            uint32_t sz = page_bytes(ps);
            if (out) {
                out[n].va = va;
                out[n].pa = pa;
                out[n].ps = ps;
            }
            n++;
            pa += sz;
            off += sz;
            rem -= sz;
        }
    }
    return n;
}

static int back(struct res *res, struct vcm_physmem *physmem, bool prefix, const char *fn)
{
    if (!reg_has(res, OBJ_RES))
        return -EINVAL;
    struct vcm *vcm = res->vcm;
    struct vcm_platform *p = vcm->plat;
    if (!reg_has(physmem, OBJ_PHYS))
        return set_err(p, -EINVAL, "%s: physmem is not a live physical allocation", fn);
    if (physmem->plat != p)
        return set_err(p, -EINVAL, "%s: physmem belongs to another platform", fn);
    if (res->backing)
        return set_err(p, -EBUSY, "%s: the reservation at 0x%x is already backed", fn,
                       res->dev_addr);
    if (prefix ? physmem->len > res->len : physmem->len != res->len)
        return set_err(p, -EINVAL, "%s: physmem of 0x%llx bytes cannot back a reservation of "
                       "0x%llx bytes (%s)", fn, (unsigned long long)physmem->len,
                       (unsigned long long)res->len, prefix ? "it must not be longer"
                                                            : "the sizes must be equal");

    const struct phys_alloc *a = physmem->alloc;
    if (vcm->type == VCM_TYPE_ONE_TO_ONE) {
        uint64_t off = 0;
        for (uint32_t i = 0; i < a->nblocks && off < physmem->len; off += a->blocks[i].size, i++)
            if (a->blocks[i].pa != res->dev_addr + off)
                return set_err(p, -EINVAL, "%s: a one-to-one reservation at 0x%x can only be "
                               "backed by the memory at that address (block %u is at 0x%x, "
                               "not 0x%llx)", fn, res->dev_addr, i, a->blocks[i].pa,
                               (unsigned long long)(res->dev_addr + off));
    }

    enum page_size cap = policy_cap(res->has_policy ? res->policy : p->policy);
    uint32_t n = plan_pages(res->dev_addr, a, physmem->len, cap, NULL);
    struct vcm_map *m = calloc(n, sizeof(*m));
    if (!m)
        return set_err(p, -ENOMEM, "%s: out of memory", fn);
    plan_pages(res->dev_addr, a, physmem->len, cap, m);

    struct smmu_dev *failed = NULL;
    int ret = vcm_map_all(vcm, m, n, res->attr, &failed);
    if (ret) {
        free(m);
        return set_err(p, ret, "%s: mapping 0x%x (+0x%llx) into context %s failed (%d); "
                       "nothing is mapped", fn, res->dev_addr,
                       (unsigned long long)physmem->len, smmu_dev_name(failed), ret);
    }

    memset(&res->mix, 0, sizeof(res->mix));
    for (uint32_t i = 0; i < n; i++)
        res->mix.count[m[i].ps]++;
    res->mix.total = n;
    res->maps = m;
    res->nmaps = n;
    res->backing = physmem;
    physmem->backings++;
    return 0;
}

int vcm_back(struct res *res, struct vcm_physmem *physmem)
{
    return back(res, physmem, false, "vcm_back");
}

int vcm_back_prefix(struct res *res, struct vcm_physmem *physmem)
{
    return back(res, physmem, true, "vcm_back_prefix");
}

int vcm_unback(struct res *res)
{
    if (!reg_has(res, OBJ_RES))
        return -EINVAL;
    if (!res->backing)
        return set_err(res->vcm->plat, -EINVAL, "vcm_unback: the reservation at 0x%x is not "
                       "backed", res->dev_addr);
    vcm_unmap_all(res->vcm, res->maps, res->nmaps);
    free(res->maps);
    res->maps = NULL;
    res->nmaps = 0;
    memset(&res->mix, 0, sizeof(res->mix));
    res->backing->backings--;
    res->backing = NULL;
    return 0;
}

bool vcm_res_is_backed(const struct res *res)
{
    return reg_has(res, OBJ_RES) && res->backing;
}

struct vcm_physmem *vcm_res_physmem(const struct res *res)
{
    return reg_has(res, OBJ_RES) ? res->backing : NULL;
}

/* The mapping covering dev_addr + offset, by binary search over the sorted plan. */
static const struct vcm_map *find_map(const struct res *res, uint64_t offset)
{
    uint64_t va = res->dev_addr + offset;
    uint32_t lo = 0, hi = res->nmaps;

    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        const struct vcm_map *m = &res->maps[mid];
        if (va < m->va)
            hi = mid;
        else if (va - m->va >= page_bytes(m->ps))
            lo = mid + 1;
        else
            return m;
    }
    return NULL;
}

int vcm_res_phys_addr(const struct res *res, size_t offset, uint32_t *pa)
{
    if (!reg_has(res, OBJ_RES) || !pa)
        return -EINVAL;
    const struct vcm_map *m = res->backing ? find_map(res, offset) : NULL;
    if (!m)
        return set_err(res->vcm->plat, -EINVAL, "vcm_res_phys_addr: offset 0x%zx of the "
                       "reservation at 0x%x is not backed", offset, res->dev_addr);
    *pa = m->pa + (res->dev_addr + (uint32_t)offset - m->va);
    return 0;
}

int vcm_res_mix(const struct res *res, struct vcm_map_mix *mix)
{
    if (!reg_has(res, OBJ_RES) || !mix)
        return -EINVAL;
    *mix = res->mix;
    return 0;
}

int vcm_mix(const struct vcm *vcm, struct vcm_map_mix *mix)
{
    if (!reg_has(vcm, OBJ_VCM) || !mix)
        return -EINVAL;
    memset(mix, 0, sizeof(*mix));
    for (const struct res *r = vcm->res; r; r = r->next) {
        for (unsigned i = 0; i < PAGE_SIZES; i++)
            mix->count[i] += r->mix.count[i];
        mix->total += r->mix.total;
    }
    return 0;
}

/* ---- CPU access through the VMM ------------------------------------------------------------- */

static int vmm_copy(const struct res *res, size_t offset, void *rbuf, const void *wbuf,
                    size_t len, const char *fn)
{
    if (!reg_has(res, OBJ_RES) || (!rbuf && !wbuf))
        return -EINVAL;
    struct vcm_platform *p = res->vcm->plat;
    if (res->vcm->type != VCM_TYPE_VMM || !res->backing)
        return set_err(p, -EINVAL, "%s: the reservation at 0x%x is not a backed VMM "
                       "reservation", fn, res->dev_addr);
    if (offset > res->backing->len || len > res->backing->len - offset)
        return set_err(p, -EINVAL, "%s: [0x%zx, + 0x%zx) is outside the 0x%llx backed bytes",
                       fn, offset, len, (unsigned long long)res->backing->len);
    while (len) {
        const struct vcm_map *m = find_map(res, offset);
        uint32_t in_page = res->dev_addr + (uint32_t)offset - m->va;
        size_t chunk = page_bytes(m->ps) - in_page;
        if (chunk > len)
            chunk = len;
        if (rbuf) {
            physmem_read(p->pm, m->pa + in_page, rbuf, chunk);
            rbuf = (uint8_t *)rbuf + chunk;
        } else {
            physmem_write(p->pm, m->pa + in_page, wbuf, chunk);
            wbuf = (const uint8_t *)wbuf + chunk;
        }
        offset += chunk;
        len -= chunk;
    }
    return 0;
}

int vcm_vmm_read(const struct res *res, size_t offset, void *buf, size_t len)
{
    return vmm_copy(res, offset, buf, NULL, len, "vcm_vmm_read");
}

int vcm_vmm_write(struct res *res, size_t offset, const void *buf, size_t len)
{
    return vmm_copy(res, offset, NULL, buf, len, "vcm_vmm_write");
}

/* ---- Associations --------------------------------------------------------------------------- */

static bool types_match(enum vcm_type vt, enum vcm_dev_type dt)
{
    return (vt == VCM_TYPE_IOMMU && dt == VCM_DEV_IOMMU) ||
           (vt == VCM_TYPE_ONE_TO_ONE && dt == VCM_DEV_ONE_TO_ONE) ||
           (vt == VCM_TYPE_VMM && dt == VCM_DEV_CPU);
}

static int check_assoc(struct vcm *vcm, struct vcm_dev *dev, uint32_t attr)
{
    struct vcm_platform *p = vcm->plat;
    bool split = attr & VCM_SPLIT;
    bool low = attr & VCM_USE_LOW_BASE, high = attr & VCM_USE_HIGH_BASE;

    if (dev->plat != p)
        return set_err(p, -EINVAL, "vcm_assoc: the device belongs to another platform");
    if (!types_match(vcm->type, dev->type))
        return set_err(p, -EINVAL, "vcm_assoc: a %s VCM cannot be associated with a %s "
                       "device (%s)", vcm_type_name(vcm->type), dev_type_name(dev->type),
                       dev->name);
    if (attr & ~ASSOC_ATTR_ALL)
        return set_err(p, -EINVAL, "vcm_assoc: attr 0x%x has unknown bits 0x%x", attr,
                       attr & ~ASSOC_ATTR_ALL);
    if ((low || high) && !split)
        return set_err(p, -EINVAL, "vcm_assoc: VCM_USE_LOW_BASE and VCM_USE_HIGH_BASE need "
                       "VCM_SPLIT");
    if (split && low == high)
        return set_err(p, -EINVAL, "vcm_assoc: VCM_SPLIT needs exactly one of "
                       "VCM_USE_LOW_BASE and VCM_USE_HIGH_BASE");
    if (split && vcm->type != VCM_TYPE_IOMMU)
        return set_err(p, -EINVAL, "vcm_assoc: VCM_SPLIT applies to IOMMU VCMs only");
    if (low && vcm->start + vcm->len > VCM_SPLIT_BOUNDARY)
        return set_err(p, -EINVAL, "vcm_assoc: a VCM_USE_LOW_BASE VCM must end at or below "
                       "0x%llx (TTBCR.N = %u); this one ends at 0x%llx",
                       VCM_SPLIT_BOUNDARY, VCM_SPLIT_N,
                       (unsigned long long)(vcm->start + vcm->len));
    if (high && vcm->start < VCM_SPLIT_BOUNDARY)
        return set_err(p, -EINVAL, "vcm_assoc: a VCM_USE_HIGH_BASE VCM must start at or above "
                       "0x%llx (TTBCR.N = %u); this one starts at 0x%llx",
                       VCM_SPLIT_BOUNDARY, VCM_SPLIT_N, (unsigned long long)vcm->start);

    for (struct avcm *a = dev->assoc; a; a = a->next_in_dev) {
        if (a->vcm == vcm)
            return set_err(p, -EEXIST, "vcm_assoc: the VCM is already associated with %s",
                           dev->name);
        if (dev->type != VCM_DEV_IOMMU)
            continue;
        if (split != !!(a->attr & VCM_SPLIT))
            return set_err(p, -EINVAL, "vcm_assoc: %s already has %s associations; split and "
                           "unsplit VCMs cannot share a context (TTBCR.N)", dev->name,
                           split ? "unsplit" : "split");
        const struct vcm *o = a->vcm;
        if (vcm->start < o->start + o->len && o->start < vcm->start + vcm->len)
            return set_err(p, -EBUSY, "vcm_assoc: [0x%llx, 0x%llx) overlaps the VCM "
                           "[0x%llx, 0x%llx) already associated with %s (one page table)",
                           (unsigned long long)vcm->start,
                           (unsigned long long)(vcm->start + vcm->len),
                           (unsigned long long)o->start, (unsigned long long)(o->start + o->len),
                           dev->name);
    }
    return 0;
}

struct avcm *vcm_assoc(struct vcm *vcm, struct vcm_dev *dev, uint32_t attr)
{
    if (!reg_has(vcm, OBJ_VCM))
        return NULL;
    struct vcm_platform *p = vcm->plat;
    if (!reg_has(dev, OBJ_DEV)) {
        set_err(p, -EINVAL, "vcm_assoc: dev is not a live device");
        return NULL;
    }
    if (check_assoc(vcm, dev, attr))
        return NULL;

    struct avcm *a = obj_new(sizeof(*a), OBJ_AVCM);
    if (!a) {
        set_err(p, -ENOMEM, "vcm_assoc: out of memory");
        return NULL;
    }
    bool split = attr & VCM_SPLIT;
    bool set_split = split && dev->nsplit == 0;
    int ret = 0;
    if (set_split) {
        ret = smmu_set_split(dev->smmu, VCM_SPLIT_N);
        if (ret) {
            set_err(p, ret, "vcm_assoc: cannot set TTBCR.N = %u on %s (%d)", VCM_SPLIT_N,
                    dev->name, ret);
            goto fail;
        }
    }
    /* Reservations backed before the association: their pages go into this context too,
     * unless its table is one the VCM's other devices already fill. */
    if (dev_translates(dev) && !table_written_before(vcm, NULL, dev->smmu)) {
        for (struct res *r = vcm->res; r; r = r->next) {
            if (!r->backing)
                continue;
            ret = ctx_map(dev->smmu, r->maps, r->nmaps, smmu_attr_of(r->attr));
            if (ret) {
                for (struct res *q = vcm->res; q != r; q = q->next)
                    if (q->backing)
                        ctx_unmap(dev->smmu, q->maps, q->nmaps);
                set_err(p, ret, "vcm_assoc: mapping the backed reservation at 0x%x into %s "
                        "failed (%d)", r->dev_addr, dev->name, ret);
                if (set_split)
                    smmu_set_split(dev->smmu, 0);
                goto fail;
            }
        }
    }

    a->vcm = vcm;
    a->dev = dev;
    a->attr = attr;
    a->next_in_vcm = vcm->assoc;
    vcm->assoc = a;
    a->next_in_dev = dev->assoc;
    dev->assoc = a;
    dev->nassoc++;
    if (split)
        dev->nsplit++;
    return a;
fail:
    obj_free(a);
    return NULL;
}

int vcm_deassoc(struct avcm *avcm)
{
    if (!reg_has(avcm, OBJ_AVCM))
        return -EINVAL;
    struct vcm *vcm = avcm->vcm;
    struct vcm_dev *dev = avcm->dev;
    if (avcm->active)
        return set_err(vcm->plat, -EBUSY, "vcm_deassoc: the association with %s is active; "
                       "vcm_deactivate it first", dev->name);
    for (struct avcm **pp = &vcm->assoc; *pp; pp = &(*pp)->next_in_vcm) {
        if (*pp == avcm) {
            *pp = avcm->next_in_vcm;
            break;
        }
    }
    for (struct avcm **pp = &dev->assoc; *pp; pp = &(*pp)->next_in_dev) {
        if (*pp == avcm) {
            *pp = avcm->next_in_dev;
            break;
        }
    }
    /* The pages leave the table with the last of its devices the VCM is associated with. */
    if (dev_translates(dev) && !table_written_before(vcm, NULL, dev->smmu))
        for (struct res *r = vcm->res; r; r = r->next)
            if (r->backing)
                ctx_unmap(dev->smmu, r->maps, r->nmaps);
    dev->nassoc--;
    if (avcm->attr & VCM_SPLIT && --dev->nsplit == 0)
        smmu_set_split(dev->smmu, 0);
    obj_free(avcm);
    return 0;
}

/*
 * A one-to-one device behind an SMMU: its MIDs are routed to its bank and the bank
 * translates nothing (SCTLR.M = 0), so device address = physical address. The
 * driver has no call for this; activation routes the MIDs, then the bank's M bit
 * is cleared through the SMMU's registers.
 */
int vcm_activate(struct avcm *avcm)
{
    if (!reg_has(avcm, OBJ_AVCM))
        return -EINVAL;
    struct vcm_dev *dev = avcm->dev;
    struct vcm_platform *p = dev->plat;
    int ret = 0;

    if (avcm->active)
        return set_err(p, -EBUSY, "vcm_activate: the association with %s is already active",
                       dev->name);
    if (dev->type == VCM_DEV_IOMMU)
        ret = smmu_activate(dev->smmu);     /* also switches the bank back if it was taken */
    else if (dev->type == VCM_DEV_ONE_TO_ONE && dev->smmu && !dev->nactive)
        ret = smmu_activate_bypass(dev->smmu);
    if (ret)
        return set_err(p, ret, "vcm_activate: the SMMU driver refused to activate %s (%d)",
                       dev->name, ret);
    avcm->active = true;
    dev->nactive++;
    return 0;
}

int vcm_deactivate(struct avcm *avcm)
{
    if (!reg_has(avcm, OBJ_AVCM))
        return -EINVAL;
    struct vcm_dev *dev = avcm->dev;
    if (!avcm->active)
        return set_err(dev->plat, -EINVAL, "vcm_deactivate: the association with %s is not "
                       "active", dev->name);
    avcm->active = false;
    if (--dev->nactive == 0 && dev->smmu)
        smmu_deactivate(dev->smmu);
    return 0;
}

int vcm_is_active(const struct avcm *avcm)
{
    if (!reg_has(avcm, OBJ_AVCM))
        return -EINVAL;
    if (!avcm->active)
        return 0;
    return avcm->dev->smmu ? smmu_is_active(avcm->dev->smmu) : 1;
}

/* ---- Faults ------------------------------------------------------------------------------- */

/*
 * A VCM handler answers in the RFC's convention (1 retry, 0 terminate); the driver
 * profile may read its hook's value the other way round (vcm-2010: 0 retries), so the
 * answer is translated to what the driver will understand.
 */
static int fault_trampoline(struct smmu_dev *sd, void *data, const struct smmu_fault *fault)
{
    struct vcm_dev *dev = data;
    int ret = dev->handler ? dev->handler(dev, dev->data, fault) : 0;
    const struct smmu_profile *p = smmu_driver_profile(smmu_dev_driver(sd));

    if (ret == SMMU_FAULT_HOOK_LEAVE || !p || p->hook == SMMU_HOOK_RETRY_ON_1)
        return ret;
    return ret == 1 ? 0 : 1;
}

int vcm_hook(struct vcm_dev *dev, vcm_handler handler, void *data)
{
    if (!reg_has(dev, OBJ_DEV))
        return -EINVAL;
    if (!dev_translates(dev))
        return set_err(dev->plat, -ENODEV, "vcm_hook: %s has no translating SMMU context, so "
                       "no faults", dev->name);
    int ret = smmu_hook_irpt(dev->smmu, handler ? fault_trampoline : NULL, dev);
    if (ret)
        return set_err(dev->plat, ret, "vcm_hook: smmu_hook_irpt failed (%d)", ret);
    dev->handler = handler;
    dev->data = handler ? data : NULL;
    return 0;
}

/* ---- Tear-down ------------------------------------------------------------------------------ */

void vcm_platform_free(struct vcm_platform *p)
{
    if (!reg_has(p, OBJ_PLATFORM))
        return;
    while (p->vcms) {
        struct vcm *v = p->vcms;
        while (v->assoc) {
            if (v->assoc->active)
                vcm_deactivate(v->assoc);
            vcm_deassoc(v->assoc);
        }
        while (v->res) {
            if (v->res->backing)
                vcm_unback(v->res);
            vcm_unreserve(v->res);
        }
        vcm_free(v);
    }
    while (p->phys)
        vcm_phys_free(p->phys);
    while (p->devs) {
        struct vcm_dev *d = p->devs;
        p->devs = d->next;
        dev_destroy(d);
    }
    dev_destroy(p->cpu);
    iova_destroy(p->vmm_space);
    obj_free(p);
}
