/*
 * fuzz_vcm_api.c - libFuzzer harness for the VCM API (vcm/vcm.c) and what lies
 * under it: the IOVA allocator, the physical pools, the SMMU driver and the SMMU
 * models of the MSM8960 (the platform of tests/lib/platform.h, as for tests/test_vcm.c).
 *
 * The input is a program of API calls on small handle tables: VCMs, reservations,
 * physical allocations, devices and associations. A handle stays in its table
 * after it is freed, so later calls use freed handles too; the API promises to
 * refuse those with -EINVAL (or NULL) and to change nothing. Beside the API's own
 * answers the harness keeps a small model (what backs what, what is associated or
 * active). Fault hooks may be installed that terminate, retry every other fault, or
 * back the faulting reservation from inside the interrupt and retry (which the API
 * allows). After every call it checks:
 *   - the answer is a valid result or a negative errno, and the ones the model
 *     predicts (-EBUSY for freeing what is in use, -EINVAL for a freed handle,
 *     unbacking what is not backed, deactivating what is not active ..., and
 *     success for a back with no reason to fail);
 *   - a new reservation lies inside its VCM, 4 KiB aligned, aligned as asked, and
 *     overlaps no live reservation of the same address space; a new allocation's
 *     blocks lie in the memory target and overlap no live allocation's blocks;
 *   - a backed reservation's recorded PA (vcm_res_phys_addr) is the allocation's
 *     byte at that offset, counted through its blocks in order;
 *   - for every association that is active on an SMMU context, the first, last and
 *     one middle byte of each backed reservation translate to that PA both through
 *     the driver (smmu_translate, a V2P walk)
 *     and through the SMMU's functional path (smmu_access with one of the
 *     context's MIDs, which goes through the TLB and so catches a missing
 *     invalidation), and an unbacked reservation's page faults; a one-to-one
 *     context passes addresses through;
 *   - a device's page tables hold exactly the pages of the backed reservations of
 *     its VCMs (the driver's map and unmap counts), and no L2 table once empty;
 *   - a backed VMM reservation reads back what was written through it, at the PA
 *     the VCM recorded;
 *   - at the end vcm_platform_free releases every allocation and page table (the
 *     memory targets' statistics show nothing live) and LeakSanitizer finds no leak.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/physmem.h"
#include "models/pte.h"
#include "models/smmu.h"
#include "models/smmu_regs.h"
#include "tests/lib/fuzz.h"
#include "tests/lib/platform.h"
#include "vcm/msm8960.h"
#include "vcm/phys_pool.h"
#include "vcm/smmu_driver.h"
#include "vcm/vcm.h"

#define MAX_OPS     256
#define N_VCM       6
#define N_RES       12
#define N_PHYS      12
#define N_DEV       8
#define N_AVCM      12
#define ERRNO_MAX   4095

/* ---- Handle tables ------------------------------------------------------------------ */

enum slot_state { EMPTY = 0, LIVE, DEAD };

struct vcm_slot {
    enum slot_state st;
    struct vcm *h;
    enum vcm_type type;
    uint64_t start, len;
};

struct res_slot {
    enum slot_state st;
    struct res *h;
    int vcm;                        /* slot of its VCM */
    uint32_t addr;
    uint64_t len;
    int phys;                       /* slot of the backing allocation, -1 if none */
    bool prefix;
    uint32_t attr;
};

struct phys_slot {
    enum slot_state st;
    struct vcm_physmem *h;
    uint64_t len;
    unsigned backings;
    bool cont;
};

struct dev_slot {
    enum slot_state st;
    struct vcm_dev *h;
    enum vcm_dev_type type;
    int ctx;                        /* index into ctx_names, -1 for none */
    unsigned nassoc;
    bool cpu;                       /* the platform's CPU device: never put */
};

struct avcm_slot {
    enum slot_state st;
    struct avcm *h;
    int vcm, dev;
    bool active;
};

/* Contexts the program may name (with the SMMU and a MID of each), and one unknown. */
static const struct {
    const char *name;
    unsigned smmu, mid;
} ctxs[] = {
    { "vcodec_a_mm1", MSM8960_SMMU_VCODEC_A, 0 },
    { "vcodec_a_stream", MSM8960_SMMU_VCODEC_A, 2 },
    { "rot_src", MSM8960_SMMU_ROT, 0 },
    { "rot_dst", MSM8960_SMMU_ROT, 1 },
    { "gfx3d_user", MSM8960_SMMU_GFX3D, 3 },
    { "no_such_context", 0, 0 },
};
#define N_CTX (sizeof(ctxs) / sizeof(ctxs[0]))

struct fx {
    struct test_platform tp;        /* tests/lib/platform.h */
    struct vcm_platform *p;         /* tp.p */

    struct vcm_slot vcm[N_VCM];
    struct res_slot res[N_RES];
    struct phys_slot phys[N_PHYS];
    struct dev_slot dev[N_DEV];
    struct avcm_slot avcm[N_AVCM];
    unsigned hook_calls;
    enum { HOOK_TERMINATE, HOOK_ALTERNATE, HOOK_BACK } hook_mode;
};

/* ---- Platform ----------------------------------------------------------------------- */

static void platform_new(struct fx *f)
{
    char err[256];

    FUZZ_CHECK(test_platform_init(&f->tp, VCM_MAP_BEST, err, sizeof(err)) == 0, "%s", err);
    f->p = f->tp.p;
    f->dev[0] = (struct dev_slot){ LIVE, vcm_dev_cpu(f->p), VCM_DEV_CPU, -1, 0, true };
}

static void platform_free(struct fx *f)
{
    struct phys_target_stats st;

    vcm_platform_free(f->p);
    f->p = f->tp.p = NULL;
    phys_target_stats(f->tp.mem, &st);
    FUZZ_CHECK(st.live_allocs == 0 && st.cont.live == 0, "after vcm_platform_free: %u allocations, "
          "%u contiguous ranges live", st.live_allocs, st.cont.live);
    for (unsigned i = 0; i < PHYS_NPOOLS; i++)
        FUZZ_CHECK(st.pool[i].used == 0, "pool %u: %u blocks still used", i, st.pool[i].used);
    /* The platform freed every context instance it made, and with them their tables. */
    phys_target_stats(f->tp.ptmem, &st);
    FUZZ_CHECK(st.cont.live == 0, "%u page tables still live after vcm_platform_free", st.cont.live);
    test_platform_fini(&f->tp);
}

/* ---- Answers -------------------------------------------------------------------------- */

static void check_rc(int rc, const char *call)
{
    FUZZ_CHECK(rc <= 0 && rc >= -ERRNO_MAX, "%s returned %d", call, rc);
}

/* A failure on a live platform leaves a sentence for vcm_last_error. */
static void check_failed(const struct fx *f, const char *call)
{
    const char *e = vcm_last_error(f->p);

    FUZZ_CHECK(e && e[0], "%s failed without a message", call);
}

/*
 * A call on a freed handle: refused, and nothing changes (the platform's message
 * and the memory targets stay as they were).
 */
struct quiet {
    char err[256];
    struct phys_target_stats mem;
};

static void quiet_begin(const struct fx *f, struct quiet *q)
{
    snprintf(q->err, sizeof(q->err), "%s", vcm_last_error(f->p));
    phys_target_stats(f->tp.mem, &q->mem);
}

static void quiet_end(const struct fx *f, const struct quiet *q, const char *call)
{
    struct phys_target_stats now;

    phys_target_stats(f->tp.mem, &now);
    FUZZ_CHECK(!strcmp(q->err, vcm_last_error(f->p)), "%s on a freed handle set a message: %s",
          call, vcm_last_error(f->p));
    FUZZ_CHECK(!memcmp(&q->mem, &now, sizeof(now)), "%s on a freed handle changed the memory", call);
}

/* A freed handle may share its address with a live one of the same kind: skip those. */
static bool res_alias(const struct fx *f, int i)
{
    for (int j = 0; j < N_RES; j++)
        if (j != i && f->res[j].st == LIVE && f->res[j].h == f->res[i].h)
            return true;
    return false;
}

static bool vcm_alias(const struct fx *f, int i)
{
    for (int j = 0; j < N_VCM; j++)
        if (j != i && f->vcm[j].st == LIVE && f->vcm[j].h == f->vcm[i].h)
            return true;
    return false;
}

static bool phys_alias(const struct fx *f, int i)
{
    for (int j = 0; j < N_PHYS; j++)
        if (j != i && f->phys[j].st == LIVE && f->phys[j].h == f->phys[i].h)
            return true;
    return false;
}

static bool dev_alias(const struct fx *f, int i)
{
    for (int j = 0; j < N_DEV; j++)
        if (j != i && f->dev[j].st == LIVE && f->dev[j].h == f->dev[i].h)
            return true;
    return false;
}

static bool avcm_alias(const struct fx *f, int i)
{
    for (int j = 0; j < N_AVCM; j++)
        if (j != i && f->avcm[j].st == LIVE && f->avcm[j].h == f->avcm[i].h)
            return true;
    return false;
}

static int free_slot_vcm(const struct fx *f)
{
    for (int i = 0; i < N_VCM; i++)
        if (f->vcm[i].st != LIVE)
            return i;
    return -1;
}

/* ---- Physical layout of an allocation ------------------------------------------------- */

/* The PA of byte `off` of an allocation, counting through its blocks in order. */
static bool alloc_pa(const struct phys_alloc *a, uint64_t off, uint32_t *pa)
{
    for (uint32_t i = 0; i < a->nblocks; i++) {
        if (off < a->blocks[i].size) {
            *pa = a->blocks[i].pa + (uint32_t)off;
            return true;
        }
        off -= a->blocks[i].size;
    }
    return false;
}

static bool ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
    return a < b + blen && b < a + alen;
}

static void check_new_alloc(const struct fx *f, int slot, uint64_t len, uint32_t attr)
{
    const struct phys_alloc *a = vcm_phys_blocks(f->phys[slot].h);
    uint64_t total = 0;

    FUZZ_CHECK(a && a->nblocks > 0, "allocation without blocks");
    FUZZ_CHECK(vcm_phys_len(f->phys[slot].h) == ((len + SZ_4K - 1) & ~(uint64_t)(SZ_4K - 1)),
          "vcm_phys_len");
    if (attr & VCM_PHYS_CONT)
        FUZZ_CHECK(a->nblocks == 1 && a->blocks[0].pa >= TP_CONT_BASE &&
              (uint64_t)a->blocks[0].pa + a->blocks[0].size <= (uint64_t)TP_CONT_BASE + TP_CONT_SIZE,
              "contiguous allocation outside the pool");
    for (uint32_t i = 0; i < a->nblocks; i++) {
        const struct phys_block *b = &a->blocks[i];

        FUZZ_CHECK(b->size && !(b->size & (SZ_4K - 1)) && !(b->pa & (SZ_4K - 1)), "block %u", i);
        FUZZ_CHECK((uint64_t)b->pa >= TP_RAM_BASE &&
              (uint64_t)b->pa + b->size <= (uint64_t)TP_CONT_BASE + TP_CONT_SIZE,
              "block 0x%x+0x%x outside the memory target", b->pa, b->size);
        total += b->size;
        for (int j = 0; j < N_PHYS; j++) {
            if (j == slot || f->phys[j].st != LIVE)
                continue;
            const struct phys_alloc *o = vcm_phys_blocks(f->phys[j].h);
            for (uint32_t k = 0; k < o->nblocks; k++)
                FUZZ_CHECK(!ranges_overlap(b->pa, b->size, o->blocks[k].pa, o->blocks[k].size),
                      "block 0x%x overlaps a block of another live allocation", b->pa);
        }
    }
    FUZZ_CHECK(total >= len, "blocks total 0x%llx for 0x%llx bytes", (unsigned long long)total,
          (unsigned long long)len);
}

static void check_new_res(const struct fx *f, int slot, size_t len, uint32_t attr)
{
    const struct res_slot *r = &f->res[slot];
    const struct vcm_slot *v = &f->vcm[r->vcm];
    unsigned order = VCM_ALIGN_ORDER(attr);

    FUZZ_CHECK(!(r->addr & (SZ_4K - 1)), "reservation at 0x%x", r->addr);
    FUZZ_CHECK(r->len == ((len + SZ_4K - 1) & ~(uint64_t)(SZ_4K - 1)), "reservation length");
    FUZZ_CHECK(r->addr >= v->start && r->addr + r->len <= v->start + v->len,
          "reservation 0x%x+0x%llx outside its VCM 0x%llx+0x%llx", r->addr,
          (unsigned long long)r->len, (unsigned long long)v->start,
          (unsigned long long)v->len);
    if (order)
        FUZZ_CHECK(!(r->addr & ((1ull << order) - 1)), "0x%x is not aligned to order %u", r->addr,
              order);
    FUZZ_CHECK(vcm_get_vcm_from_res(r->h) == v->h && vcm_get_res_attr(r->h) == attr,
          "reservation accessors");
    FUZZ_CHECK(vcm_find_res(v->h, r->addr) == r->h &&
          vcm_find_res(v->h, r->addr + (uint32_t)r->len - 1) == r->h, "vcm_find_res");
    for (int j = 0; j < N_RES; j++) {
        const struct res_slot *o = &f->res[j];

        if (j == slot || o->st != LIVE)
            continue;
        /* one VCM is one space; every VMM VCM shares the platform's space */
        bool same = o->vcm == r->vcm ||
                    (v->type == VCM_TYPE_VMM && f->vcm[o->vcm].type == VCM_TYPE_VMM);
        if (same)
            FUZZ_CHECK(!ranges_overlap(r->addr, r->len, o->addr, o->len),
                  "reservation 0x%x overlaps the one at 0x%x", r->addr, o->addr);
    }
}

/* ---- Translations --------------------------------------------------------------------- */

static enum smmu_status device_access(struct fx *f, int ctx, uint32_t iova, uint32_t *pa)
{
    struct smmu_txn t;
    enum smmu_status st = test_platform_access(&f->tp, ctxs[ctx].smmu, ctxs[ctx].mid, iova,
                                               ACCESS_PRIV, &t);

    *pa = t.pa;
    return st;
}

/* The offsets of a reservation worth looking at: first and last page, one between. */
static unsigned sample_offsets(uint64_t len, uint64_t salt, uint64_t out[3])
{
    out[0] = 0;
    out[1] = len - 1;
    out[2] = (salt * 0x9E3779B97F4A7C15ull >> 20) % len;
    return 3;
}

static void check_res_on_dev(struct fx *f, const struct res_slot *r, const struct dev_slot *d,
                             const struct avcm_slot *a)
{
    struct smmu_dev *sd = vcm_dev_smmu(d->h);
    uint64_t offs[3];
    unsigned n = sample_offsets(r->len, r->addr ^ (uint64_t)a->vcm, offs);

    if (!sd || vcm_is_active(a->h) != 1)
        return;
    for (unsigned i = 0; i < n; i++) {
        uint32_t va = r->addr + (uint32_t)offs[i], want = 0, got = 0, pa = 0;
        /* first the access: its fault hook may back the reservation */
        enum smmu_status st = device_access(f, d->ctx, va, &pa);
        bool mapped = r->phys >= 0 && vcm_res_phys_addr(r->h, offs[i], &want) == 0;

        if (d->type == VCM_DEV_ONE_TO_ONE) {
            /* the context is in bypass: device address = physical address */
            FUZZ_CHECK(st == SMMU_DONE && pa == va, "one-to-one %s: 0x%x -> status %d pa 0x%x",
                  ctxs[d->ctx].name, va, st, pa);
            if (mapped)
                FUZZ_CHECK(want == va, "one-to-one reservation at 0x%x backed at 0x%x", va, want);
            continue;
        }
        int rc = smmu_translate(sd, va, &got);
        if (mapped) {
            FUZZ_CHECK(rc == 0 && got == want, "%s: 0x%x translates to 0x%x (rc %d), VCM says 0x%x",
                  ctxs[d->ctx].name, va, got, rc, want);
            FUZZ_CHECK(st == SMMU_DONE && pa == want, "%s: device access 0x%x -> status %d pa 0x%x, "
                  "VCM says 0x%x", ctxs[d->ctx].name, va, st, pa, want);
        } else {
            FUZZ_CHECK(rc == -EFAULT, "%s: 0x%x is not backed but translates (rc %d, 0x%x)",
                  ctxs[d->ctx].name, va, rc, got);
            FUZZ_CHECK(st == SMMU_FAULTED, "%s: device access to unbacked 0x%x -> status %d pa 0x%x",
                  ctxs[d->ctx].name, va, st, pa);
        }
    }
}

static void check_backing(struct fx *f, const struct res_slot *r)
{
    const struct phys_alloc *a = vcm_phys_blocks(f->phys[r->phys].h);
    uint64_t offs[3], plen = f->phys[r->phys].len;
    unsigned n = sample_offsets(r->len, r->addr, offs);

    FUZZ_CHECK(vcm_res_is_backed(r->h) && vcm_res_physmem(r->h) == f->phys[r->phys].h,
          "reservation at 0x%x: backing", r->addr);
    for (unsigned i = 0; i < n; i++) {
        uint32_t want, got;
        int rc = vcm_res_phys_addr(r->h, offs[i], &got);

        if (offs[i] >= plen) {      /* past a prefix backing */
            FUZZ_CHECK(rc == -EINVAL, "offset 0x%llx past the backing: rc %d",
                  (unsigned long long)offs[i], rc);
            continue;
        }
        FUZZ_CHECK(alloc_pa(a, offs[i], &want), "offset inside the allocation");
        FUZZ_CHECK(rc == 0 && got == want, "reservation 0x%x + 0x%llx: VCM says 0x%x (rc %d), "
              "the blocks say 0x%x", r->addr, (unsigned long long)offs[i], got, rc, want);
    }
}

static void check_vmm_copy(struct fx *f, const struct res_slot *r, uint8_t salt)
{
    uint8_t out[48], back[48];
    uint64_t plen = f->phys[r->phys].len;
    size_t off = (size_t)((salt * 977u) % plen), len = sizeof(out);
    uint32_t pa;

    if (len > plen - off)
        len = (size_t)(plen - off);
    for (size_t i = 0; i < len; i++)
        out[i] = (uint8_t)(salt + 31 * i);
    FUZZ_CHECK(vcm_vmm_write(r->h, off, out, len) == 0, "vcm_vmm_write");
    memset(back, 0, sizeof(back));
    FUZZ_CHECK(vcm_vmm_read(r->h, off, back, len) == 0 && !memcmp(out, back, len), "vcm_vmm_read");
    FUZZ_CHECK(vcm_res_phys_addr(r->h, off, &pa) == 0 && physmem_read8(f->tp.pm, pa) == out[0],
          "the byte written through the VMM is not at the recorded PA");
    FUZZ_CHECK(vcm_vmm_read(r->h, (size_t)plen, back, 1) == -EINVAL, "read past the backing");
}

/*
 * The pages in a device's tables are exactly those of the backed reservations of
 * the VCMs associated with it; with none left, no L2 table is left either.
 */
static void check_dev_tables(const struct fx *f, int ds)
{
    const struct dev_slot *d = &f->dev[ds];
    struct smmu_dev *sd = vcm_dev_smmu(d->h);
    const struct smmu_dev_stats *st = smmu_dev_stats(sd);
    uint64_t live = 0, want = 0;

    if (d->type != VCM_DEV_IOMMU || !sd)
        return;
    for (unsigned i = 0; i < PAGE_SIZES; i++)
        live += st->maps[i] - st->unmaps[i];
    for (int j = 0; j < N_AVCM; j++) {
        if (f->avcm[j].st != LIVE || f->avcm[j].dev != ds)
            continue;
        for (int i = 0; i < N_RES; i++) {
            struct vcm_map_mix mix;

            if (f->res[i].st != LIVE || f->res[i].vcm != f->avcm[j].vcm || f->res[i].phys < 0)
                continue;
            FUZZ_CHECK(vcm_res_mix(f->res[i].h, &mix) == 0, "vcm_res_mix");
            want += mix.total;
        }
    }
    FUZZ_CHECK(live == want, "%s holds %llu mappings, its VCMs' backed reservations %llu",
          ctxs[d->ctx].name, (unsigned long long)live, (unsigned long long)want);
    if (!want)
        FUZZ_CHECK(st->l2_tables == 0, "%s keeps %u L2 tables with nothing mapped",
              ctxs[d->ctx].name, st->l2_tables);
}

static void check_all(struct fx *f, uint8_t salt)
{
    for (int i = 0; i < N_RES; i++) {
        const struct res_slot *r = &f->res[i];

        if (r->st != LIVE)
            continue;
        FUZZ_CHECK(vcm_get_dev_addr(r->h) == r->addr && vcm_get_res_len(r->h) == r->len,
              "reservation accessors changed");
        if (r->phys >= 0)
            check_backing(f, r);
        else
            FUZZ_CHECK(!vcm_res_is_backed(r->h), "reservation at 0x%x backed", r->addr);
        if (r->phys >= 0 && f->vcm[r->vcm].type == VCM_TYPE_VMM)
            check_vmm_copy(f, r, salt);
        for (int j = 0; j < N_AVCM; j++)
            if (f->avcm[j].st == LIVE && f->avcm[j].vcm == r->vcm)
                check_res_on_dev(f, r, &f->dev[f->avcm[j].dev], &f->avcm[j]);
    }
    for (int i = 0; i < N_DEV; i++)
        if (f->dev[i].st == LIVE)
            check_dev_tables(f, i);
    for (int j = 0; j < N_AVCM; j++) {
        const struct avcm_slot *a = &f->avcm[j];
        int act;

        if (a->st != LIVE)
            continue;
        act = vcm_is_active(a->h);
        /* an active association may have had its bank taken by another instance */
        FUZZ_CHECK(a->active ? act == 1 || act == 0 : act == 0, "vcm_is_active %d, model %d", act,
              a->active);
    }
}

/* ---- Operations ------------------------------------------------------------------------- */

static const uint64_t lens[] = {
    1, SZ_4K, SZ_4K + 1, 3 * SZ_4K, SZ_64K, SZ_64K + SZ_4K, SZ_1M, SZ_1M + SZ_4K,
    2 * SZ_1M, 5 * SZ_1M + SZ_4K, SZ_16M, 2 * SZ_16M,
};
#define N_LENS (sizeof(lens) / sizeof(lens[0]))

static uint64_t pick_len(struct fuzz_in *in)
{
    uint8_t b = fuzz_u8(in);

    if (b < 0xF0)
        return lens[b % N_LENS];
    return fuzz_u32(in) >> (b & 0xF);
}

static void op_vcm_create(struct fx *f, struct fuzz_in *in)
{
    static const uint64_t starts[] = {
        0, 0x400, SZ_1M, SZ_16M, 0x10000000, 0x7FF00000, 0x80000000, 0xFFF00000,
    };
    static const uint64_t vlens[] = {
        SZ_4K, SZ_1M, SZ_16M, 0x10000000, 0x40000000, 0x80000000, 0x100000000ull,
    };
    uint8_t how = fuzz_u8(in), a = fuzz_u8(in), b = fuzz_u8(in);
    int slot = free_slot_vcm(f);
    uint64_t start = 0, len = 0;
    struct vcm *v;

    if (slot < 0)
        return;
    switch (how % 4) {
    case 0:
        start = starts[a % 8];
        len = vlens[b % 7];
        if (how & 0x80 && start + len > 0x100000000ull)
            len = 0x100000000ull - start;
        v = vcm_create(f->p, start, len);
        break;
    case 1: {                       /* one-to-one over a live contiguous allocation */
        const struct phys_slot *ps = &f->phys[a % N_PHYS];
        if (ps->st != LIVE)
            return;
        start = vcm_phys_blocks(ps->h)->blocks[0].pa;
        len = ps->len;
        v = vcm_create(f->p, start, len);
        if (v)
            FUZZ_CHECK(vcm_get_type(v) == (ps->cont ? VCM_TYPE_ONE_TO_ONE : VCM_TYPE_IOMMU),
                  "type of a VCM over an allocation");
        break;
    }
    case 2:
        v = vcm_create_from_prebuilt(f->p, a & 1 ? VCM_PREBUILT_KERNEL : a);
        if (v) {
            FUZZ_CHECK(a & 1 || a == VCM_PREBUILT_KERNEL, "unknown prebuilt id accepted");
            start = TP_VMM_START;
            len = TP_VMM_LEN;
        }
        break;
    default:
        start = fuzz_u32(in) >> (a & 0xF);
        len = (uint64_t)fuzz_u32(in) << (b & 1);
        v = vcm_create(f->p, start, len);
        if (v)
            FUZZ_CHECK(len && start + len <= 0x100000000ull, "accepted [0x%llx, +0x%llx)",
                  (unsigned long long)start, (unsigned long long)len);
        break;
    }
    if (!v) {
        check_failed(f, "vcm_create");
        return;
    }
    for (int i = 0; i < N_VCM; i++)
        FUZZ_CHECK(f->vcm[i].st != LIVE || f->vcm[i].h != v, "a new VCM with a live VCM's handle");
    FUZZ_CHECK(vcm_get_start_addr(v) == start && vcm_get_len(v) == len, "VCM range");
    f->vcm[slot] = (struct vcm_slot){ LIVE, v, vcm_get_type(v), start, len };
}

static bool vcm_busy(const struct fx *f, int slot)
{
    for (int i = 0; i < N_RES; i++)
        if (f->res[i].st == LIVE && f->res[i].vcm == slot)
            return true;
    for (int i = 0; i < N_AVCM; i++)
        if (f->avcm[i].st == LIVE && f->avcm[i].vcm == slot)
            return true;
    return false;
}

static void op_vcm_free(struct fx *f, struct fuzz_in *in)
{
    int slot = fuzz_u8(in) % N_VCM;
    struct vcm_slot *v = &f->vcm[slot];
    struct quiet q;
    int rc;

    if (v->st == EMPTY || (v->st == DEAD && vcm_alias(f, slot)))
        return;
    if (v->st == DEAD) {
        quiet_begin(f, &q);
        FUZZ_CHECK(vcm_free(v->h) == -EINVAL, "vcm_free of a freed VCM");
        FUZZ_CHECK(vcm_reserve(v->h, SZ_4K, VCM_READ) == NULL, "vcm_reserve on a freed VCM");
        FUZZ_CHECK(vcm_set_guard(v->h, true) == -EINVAL, "vcm_set_guard on a freed VCM");
        FUZZ_CHECK(vcm_get_len(v->h) == 0, "vcm_get_len of a freed VCM");
        quiet_end(f, &q, "vcm_free");
        return;
    }
    rc = vcm_free(v->h);
    check_rc(rc, "vcm_free");
    FUZZ_CHECK(rc == (vcm_busy(f, slot) ? -EBUSY : 0), "vcm_free: %d", rc);
    if (!rc)
        v->st = DEAD;
}

static void op_reserve(struct fx *f, struct fuzz_in *in)
{
    static const uint32_t attrs[] = {
        VCM_READ | VCM_WRITE, VCM_READ, VCM_WRITE, VCM_READ | VCM_WRITE | VCM_EXECUTE,
        VCM_READ | VCM_USER, VCM_READ | VCM_SUPERVISOR, VCM_WRITE | VCM_SECURE,
        VCM_READ | VCM_WRITE | VCM_ALIGN_ATTR(24), VCM_READ | VCM_ALIGN_ATTR(16),
        VCM_READ | VCM_WRITE | VCM_WT, VCM_READ | VCM_ALIGN_ATTR(20) | VCM_WB_NWA, 0,
    };
    int vs = fuzz_u8(in) % N_VCM, slot = -1;
    uint64_t len = pick_len(in);
    uint8_t ab = fuzz_u8(in);
    uint32_t attr = ab < 0xF0 ? attrs[ab % 12] : fuzz_u32(in) & 0xFFFFu;
    struct vcm_slot *v = &f->vcm[vs];
    struct quiet q;
    struct res *r;

    for (int i = 0; i < N_RES && slot < 0; i++)
        if (f->res[i].st != LIVE)
            slot = i;
    if (slot < 0 || v->st == EMPTY || (v->st == DEAD && vcm_alias(f, vs)))
        return;
    if (v->st == DEAD) {
        quiet_begin(f, &q);
        FUZZ_CHECK(vcm_reserve(v->h, (size_t)len, attr) == NULL, "vcm_reserve on a freed VCM");
        quiet_end(f, &q, "vcm_reserve");
        return;
    }
    r = vcm_reserve(v->h, (size_t)len, attr);
    if (!r) {
        check_failed(f, "vcm_reserve");
        return;
    }
    FUZZ_CHECK(len && len <= v->len && (attr & (VCM_READ | VCM_WRITE)), "accepted len 0x%llx "
          "attr 0x%x", (unsigned long long)len, attr);
    f->res[slot] = (struct res_slot){ LIVE, r, vs, vcm_get_dev_addr(r), vcm_get_res_len(r),
                                      -1, false, attr };
    check_new_res(f, slot, (size_t)len, attr);
}

static void op_unreserve(struct fx *f, struct fuzz_in *in)
{
    int slot = fuzz_u8(in) % N_RES;
    struct res_slot *r = &f->res[slot];
    struct quiet q;
    int rc;

    if (r->st == EMPTY || (r->st == DEAD && res_alias(f, slot)))
        return;
    if (r->st == DEAD) {
        uint32_t pa;

        quiet_begin(f, &q);
        FUZZ_CHECK(vcm_unreserve(r->h) == -EINVAL, "vcm_unreserve of a freed reservation");
        FUZZ_CHECK(vcm_unback(r->h) == -EINVAL, "vcm_unback of a freed reservation");
        FUZZ_CHECK(vcm_res_phys_addr(r->h, 0, &pa) == -EINVAL, "phys_addr of a freed reservation");
        FUZZ_CHECK(vcm_res_set_policy(r->h, VCM_MAP_4K) == -EINVAL, "set_policy of a freed one");
        FUZZ_CHECK(vcm_get_dev_addr(r->h) == 0 && !vcm_res_is_backed(r->h), "accessors");
        quiet_end(f, &q, "vcm_unreserve");
        return;
    }
    rc = vcm_unreserve(r->h);
    check_rc(rc, "vcm_unreserve");
    FUZZ_CHECK(rc == (r->phys >= 0 ? -EBUSY : 0), "vcm_unreserve: %d", rc);
    if (!rc)
        r->st = DEAD;
}

static void op_phys_alloc(struct fx *f, struct fuzz_in *in)
{
    static const uint32_t attrs[] = {
        VCM_ALL, VCM_4KB, VCM_64KB, VCM_1MB, VCM_PHYS_CONT, VCM_PHYS_CONT | VCM_ALIGN_ATTR(20),
        VCM_4KB | VCM_64KB, VCM_1MB | VCM_4KB | VCM_COHERENT, 0, VCM_ALL | VCM_ALIGN_ATTR(16),
        /* contiguous ranges aligned below their size: pages limited by the PA */
        VCM_PHYS_CONT | VCM_ALIGN_ATTR(12), VCM_PHYS_CONT | VCM_ALIGN_ATTR(16),
    };
    uint8_t mt = fuzz_u8(in), ab;
    uint64_t len = pick_len(in);
    uint32_t attr;
    int slot = -1;
    struct vcm_physmem *m;

    ab = fuzz_u8(in);
    attr = ab < 0xF0 ? attrs[ab % (sizeof(attrs) / sizeof(attrs[0]))] : fuzz_u32(in) & 0x7FFFu;
    for (int i = 0; i < N_PHYS && slot < 0; i++)
        if (f->phys[i].st != LIVE)
            slot = i;
    if (slot < 0)
        return;
    m = vcm_phys_alloc(f->p, (enum memtype_t)(mt % 4), (size_t)len, attr);
    if (!m) {
        check_failed(f, "vcm_phys_alloc");
        return;
    }
    FUZZ_CHECK(mt % 4 == VCM_MEMTYPE_0, "memtype %u has no target but allocated", mt % 4);
    f->phys[slot] = (struct phys_slot){ LIVE, m, vcm_phys_len(m), 0, attr & VCM_PHYS_CONT };
    check_new_alloc(f, slot, len, attr);
}

static void op_phys_free(struct fx *f, struct fuzz_in *in)
{
    int slot = fuzz_u8(in) % N_PHYS;
    struct phys_slot *m = &f->phys[slot];
    struct quiet q;
    int rc;

    if (m->st == EMPTY || (m->st == DEAD && phys_alias(f, slot)))
        return;
    if (m->st == DEAD) {
        quiet_begin(f, &q);
        FUZZ_CHECK(vcm_phys_free(m->h) == -EINVAL, "vcm_phys_free of a freed allocation");
        FUZZ_CHECK(vcm_phys_len(m->h) == 0 && vcm_phys_blocks(m->h) == NULL, "accessors");
        quiet_end(f, &q, "vcm_phys_free");
        return;
    }
    rc = vcm_phys_free(m->h);
    check_rc(rc, "vcm_phys_free");
    FUZZ_CHECK(rc == (m->backings ? -EBUSY : 0), "vcm_phys_free: %d with %u backings", rc,
          m->backings);
    if (!rc)
        m->st = DEAD;
}

/*
 * Small and large pages take their NS bit from the L1 descriptor of their L2 table,
 * so a device's 1 MiB of addresses cannot hold secure and non-secure pages
 * (docs/driver.md): backing may be refused when a backed reservation of the other
 * security shares a 1 MiB region with this one on a device of its VCM.
 */
static bool ns_conflict(const struct fx *f, int rs)
{
    const struct res_slot *r = &f->res[rs];

    for (int a = 0; a < N_AVCM; a++) {
        if (f->avcm[a].st != LIVE || f->avcm[a].vcm != r->vcm)
            continue;
        for (int b = 0; b < N_AVCM; b++) {
            if (f->avcm[b].st != LIVE || f->avcm[b].dev != f->avcm[a].dev)
                continue;
            for (int i = 0; i < N_RES; i++) {
                const struct res_slot *q = &f->res[i];

                if (i == rs || q->st != LIVE || q->phys < 0 || q->vcm != f->avcm[b].vcm ||
                    !((q->attr ^ r->attr) & VCM_SECURE))
                    continue;
                if (ranges_overlap(r->addr & ~(uint64_t)(SZ_1M - 1),
                                   ((r->addr + r->len + SZ_1M - 1) & ~(uint64_t)(SZ_1M - 1)) -
                                       (r->addr & ~(uint64_t)(SZ_1M - 1)),
                                   q->addr, q->len))
                    return true;
            }
        }
    }
    return false;
}

/* A one-to-one reservation can only be backed by the memory at its own address. */
static bool at_own_address(const struct fx *f, const struct res_slot *r,
                           const struct phys_slot *m)
{
    const struct phys_alloc *a = vcm_phys_blocks(m->h);
    uint64_t off = 0;

    (void)f;
    for (uint32_t i = 0; i < a->nblocks && off < m->len; off += a->blocks[i].size, i++)
        if (a->blocks[i].pa != r->addr + off)
            return false;
    return true;
}

static void op_back(struct fx *f, struct fuzz_in *in)
{
    uint8_t a = fuzz_u8(in), b = fuzz_u8(in);
    int rs = a % N_RES, ms = b % N_PHYS;
    bool prefix = a & 0x80;
    struct res_slot *r = &f->res[rs];
    struct phys_slot *m = &f->phys[ms];
    struct quiet q;
    int rc;

    if (r->st == EMPTY || m->st == EMPTY || (r->st == DEAD && res_alias(f, rs)) ||
        (m->st == DEAD && phys_alias(f, ms)))
        return;
    if (r->st == DEAD) {
        quiet_begin(f, &q);
        rc = prefix ? vcm_back_prefix(r->h, m->h) : vcm_back(r->h, m->h);
        FUZZ_CHECK(rc == -EINVAL, "vcm_back of a freed reservation: %d", rc);
        quiet_end(f, &q, "vcm_back");
        return;
    }
    rc = prefix ? vcm_back_prefix(r->h, m->h) : vcm_back(r->h, m->h);
    check_rc(rc, "vcm_back");
    if (m->st == DEAD)
        FUZZ_CHECK(rc == -EINVAL, "vcm_back with a freed allocation: %d", rc);
    else if (r->phys >= 0)
        FUZZ_CHECK(rc == -EBUSY, "vcm_back of a backed reservation: %d", rc);
    else if (prefix ? m->len > r->len : m->len != r->len)
        FUZZ_CHECK(rc == -EINVAL, "vcm_back with 0x%llx bytes for 0x%llx: %d",
              (unsigned long long)m->len, (unsigned long long)r->len, rc);
    else if (f->vcm[r->vcm].type == VCM_TYPE_ONE_TO_ONE && !at_own_address(f, r, m))
        FUZZ_CHECK(rc == -EINVAL, "one-to-one reservation at 0x%x backed elsewhere: %d", r->addr, rc);
    else if (!ns_conflict(f, rs))
        /* the VCMs of a device never overlap and the table pool is large: it must map */
        FUZZ_CHECK(rc == 0, "vcm_back of 0x%llx bytes at 0x%x failed: %d (%s)",
              (unsigned long long)m->len, r->addr, rc, vcm_last_error(f->p));
    else
        FUZZ_CHECK(rc == 0 || rc == -EINVAL, "vcm_back next to a reservation of the other "
              "security: %d", rc);
    if (rc) {
        check_failed(f, "vcm_back");
        return;
    }
    r->phys = ms;
    r->prefix = prefix;
    m->backings++;
    check_backing(f, r);
}

static void op_unback(struct fx *f, struct fuzz_in *in)
{
    int slot = fuzz_u8(in) % N_RES;
    struct res_slot *r = &f->res[slot];
    int rc;

    if (r->st != LIVE)
        return;
    rc = vcm_unback(r->h);
    check_rc(rc, "vcm_unback");
    FUZZ_CHECK(rc == (r->phys >= 0 ? 0 : -EINVAL), "vcm_unback: %d", rc);
    if (!rc) {
        f->phys[r->phys].backings--;
        r->phys = -1;
    }
}

static void op_dev_get(struct fx *f, struct fuzz_in *in, bool one_to_one)
{
    uint8_t a = fuzz_u8(in);
    int ctx = a % (int)N_CTX, slot = -1;
    struct vcm_dev *d;

    for (int i = 1; i < N_DEV && slot < 0; i++)
        if (f->dev[i].st != LIVE)
            slot = i;
    if (slot < 0)
        return;
    if (one_to_one && (a & 0x80))
        ctx = -1;                   /* a device with no SMMU */
    d = one_to_one ? vcm_dev_one_to_one(f->p, ctx >= 0 ? ctxs[ctx].name : NULL)
                   : vcm_dev_get(f->p, ctxs[ctx].name);
    if (!d) {
        FUZZ_CHECK(ctx == (int)N_CTX - 1, "no device for context %d", ctx);
        check_failed(f, "vcm_dev_get");
        return;
    }
    FUZZ_CHECK(ctx != (int)N_CTX - 1, "a device for an unknown context");
    FUZZ_CHECK(vcm_dev_type(d) == (one_to_one ? VCM_DEV_ONE_TO_ONE : VCM_DEV_IOMMU), "device type");
    FUZZ_CHECK(!vcm_dev_smmu(d) == (ctx < 0), "device SMMU");
    f->dev[slot] = (struct dev_slot){ LIVE, d, vcm_dev_type(d), ctx, 0, false };
}

static void op_dev_put(struct fx *f, struct fuzz_in *in)
{
    int slot = fuzz_u8(in) % N_DEV;
    struct dev_slot *d = &f->dev[slot];
    struct quiet q;
    int rc;

    if (d->st == EMPTY || (d->st == DEAD && dev_alias(f, slot)))
        return;
    if (d->st == DEAD) {
        quiet_begin(f, &q);
        FUZZ_CHECK(vcm_dev_put(d->h) == -EINVAL, "vcm_dev_put of a freed device");
        FUZZ_CHECK(vcm_hook(d->h, NULL, NULL) == -EINVAL, "vcm_hook of a freed device");
        FUZZ_CHECK(vcm_dev_name(d->h) == NULL && vcm_dev_smmu(d->h) == NULL, "accessors");
        quiet_end(f, &q, "vcm_dev_put");
        return;
    }
    rc = vcm_dev_put(d->h);
    check_rc(rc, "vcm_dev_put");
    FUZZ_CHECK(rc == (d->cpu ? -EINVAL : d->nassoc ? -EBUSY : 0), "vcm_dev_put: %d", rc);
    if (!rc)
        d->st = DEAD;
}

static void op_assoc(struct fx *f, struct fuzz_in *in)
{
    static const uint32_t attrs[] = {
        0, 0, VCM_SPLIT | VCM_USE_LOW_BASE, VCM_SPLIT | VCM_USE_HIGH_BASE, VCM_SPLIT,
        VCM_USE_LOW_BASE, VCM_SPLIT | VCM_USE_LOW_BASE | VCM_USE_HIGH_BASE, 1u << 7,
    };
    uint8_t a = fuzz_u8(in), b = fuzz_u8(in), c = fuzz_u8(in);
    int vs = a % N_VCM, ds = b % N_DEV, slot = -1;
    struct vcm_slot *v = &f->vcm[vs];
    struct dev_slot *d = &f->dev[ds];
    struct avcm *h;

    for (int i = 0; i < N_AVCM && slot < 0; i++)
        if (f->avcm[i].st != LIVE)
            slot = i;
    if (slot < 0 || v->st != LIVE || d->st == EMPTY || (d->st == DEAD && dev_alias(f, ds)))
        return;
    h = vcm_assoc(v->h, d->h, attrs[c % 8]);
    if (d->st == DEAD) {
        FUZZ_CHECK(h == NULL, "vcm_assoc with a freed device");
        return;
    }
    if (!h) {
        check_failed(f, "vcm_assoc");
        return;
    }
    for (int i = 0; i < N_AVCM; i++)
        FUZZ_CHECK(!(f->avcm[i].st == LIVE && f->avcm[i].vcm == vs && f->avcm[i].dev == ds),
              "a VCM associated twice with one device");
    f->avcm[slot] = (struct avcm_slot){ LIVE, h, vs, ds, false };
    d->nassoc++;
}

static void op_avcm(struct fx *f, struct fuzz_in *in, int what)
{
    int slot = fuzz_u8(in) % N_AVCM;
    struct avcm_slot *a = &f->avcm[slot];
    struct quiet q;
    int rc;

    if (a->st == EMPTY || (a->st == DEAD && avcm_alias(f, slot)))
        return;
    if (a->st == DEAD) {
        quiet_begin(f, &q);
        FUZZ_CHECK(vcm_activate(a->h) == -EINVAL && vcm_deactivate(a->h) == -EINVAL &&
              vcm_deassoc(a->h) == -EINVAL && vcm_is_active(a->h) == -EINVAL,
              "calls on a freed association");
        quiet_end(f, &q, "association calls");
        return;
    }
    switch (what) {
    case 0:
        rc = vcm_activate(a->h);
        check_rc(rc, "vcm_activate");
        if (a->active)
            FUZZ_CHECK(rc == -EBUSY, "vcm_activate of an active association: %d", rc);
        if (!rc)
            a->active = true;
        else
            check_failed(f, "vcm_activate");
        break;
    case 1:
        rc = vcm_deactivate(a->h);
        check_rc(rc, "vcm_deactivate");
        FUZZ_CHECK(rc == (a->active ? 0 : -EINVAL), "vcm_deactivate: %d", rc);
        a->active = false;
        break;
    default:
        rc = vcm_deassoc(a->h);
        check_rc(rc, "vcm_deassoc");
        FUZZ_CHECK(rc == (a->active ? -EBUSY : 0), "vcm_deassoc: %d", rc);
        if (!rc) {
            a->st = DEAD;
            f->dev[a->dev].nassoc--;
        }
        break;
    }
}

static bool vcm_on_dev(const struct fx *f, int vs, const struct vcm_dev *dev)
{
    for (int j = 0; j < N_AVCM; j++)
        if (f->avcm[j].st == LIVE && f->avcm[j].vcm == vs && f->dev[f->avcm[j].dev].h == dev)
            return true;
    return false;
}

/*
 * The fault hook: terminate, retry every other fault, or back the faulting
 * reservation with an allocation of its size and retry (the API allows backing
 * from the hook; the SMMU is in the middle of smmu_access then).
 */
static int hook(struct vcm_dev *dev, void *data, const struct smmu_fault *fault)
{
    struct fx *f = data;

    FUZZ_CHECK(fault != NULL && fault->fsr != 0, "a fault without FSR bits");
    f->hook_calls++;
    if (f->hook_mode == HOOK_ALTERNATE)
        return (int)(f->hook_calls & 1);
    if (f->hook_mode != HOOK_BACK)
        return 0;
    for (int i = 0; i < N_RES; i++) {
        struct res_slot *r = &f->res[i];

        if (r->st != LIVE || r->phys >= 0 || fault->far < r->addr ||
            fault->far - r->addr >= r->len || !vcm_on_dev(f, r->vcm, dev))
            continue;
        for (int j = 0; j < N_PHYS; j++) {
            struct phys_slot *m = &f->phys[j];

            if (m->st != LIVE || m->len != r->len || vcm_back(r->h, m->h) != 0)
                continue;
            r->phys = j;
            r->prefix = false;
            m->backings++;
            return 1;
        }
    }
    return 0;
}

static void op_misc(struct fx *f, struct fuzz_in *in)
{
    uint8_t what = fuzz_u8(in), a = fuzz_u8(in);
    int rc;

    switch (what % 6) {
    case 0: {
        struct vcm_slot *v = &f->vcm[a % N_VCM];
        if (v->st != LIVE)
            return;
        rc = vcm_set_guard(v->h, a & 0x80);
        FUZZ_CHECK(rc == (v->type == VCM_TYPE_VMM ? -EINVAL : 0), "vcm_set_guard: %d", rc);
        break;
    }
    case 1: {
        struct vcm_slot *v = &f->vcm[a % N_VCM];
        uint64_t start = v->start + (uint64_t)(fuzz_u8(in)) * SZ_64K, len = pick_len(in);
        if (v->st != LIVE)
            return;
        rc = vcm_reserve_hole(v->h, start, len);
        check_rc(rc, "vcm_reserve_hole");
        if (v->type != VCM_TYPE_IOMMU)
            FUZZ_CHECK(rc == -EINVAL, "a hole in a %d VCM", v->type);
        /* a hole must not cover a live reservation */
        for (int i = 0; !rc && i < N_RES; i++)
            if (f->res[i].st == LIVE && f->res[i].vcm == a % N_VCM)
                FUZZ_CHECK(!ranges_overlap(start, len, f->res[i].addr, f->res[i].len),
                      "hole 0x%llx+0x%llx over the reservation at 0x%x",
                      (unsigned long long)start, (unsigned long long)len, f->res[i].addr);
        break;
    }
    case 2: {
        struct res_slot *r = &f->res[a % N_RES];
        if (r->st != LIVE)
            return;
        rc = vcm_res_set_policy(r->h, (enum vcm_map_policy)(fuzz_u8(in) % (VCM_MAP_NPOLICIES + 1)));
        check_rc(rc, "vcm_res_set_policy");
        if (r->phys >= 0)
            FUZZ_CHECK(rc == -EBUSY || rc == -EINVAL, "set_policy of a backed reservation: %d", rc);
        break;
    }
    case 3:
        rc = vcm_platform_set_policy(f->p, (enum vcm_map_policy)(a % (VCM_MAP_NPOLICIES + 1)));
        FUZZ_CHECK(rc == (a % (VCM_MAP_NPOLICIES + 1) < VCM_MAP_NPOLICIES ? 0 : -EINVAL),
              "vcm_platform_set_policy: %d", rc);
        break;
    case 4: {
        struct dev_slot *d = &f->dev[a % N_DEV];
        if (d->st != LIVE)
            return;
        f->hook_mode = (a >> 4) % 3;
        rc = vcm_hook(d->h, a & 0x80 ? NULL : hook, f);
        FUZZ_CHECK(rc == (d->type == VCM_DEV_IOMMU && vcm_dev_smmu(d->h) ? 0 : -ENODEV),
              "vcm_hook: %d", rc);
        break;
    }
    default: {
        struct vcm_slot *v = &f->vcm[a % N_VCM];
        struct vcm_map_mix mix;
        if (v->st != LIVE)
            return;
        FUZZ_CHECK(vcm_mix(v->h, &mix) == 0, "vcm_mix");
        uint32_t total = 0;
        for (unsigned i = 0; i < PAGE_SIZES; i++)
            total += mix.count[i];
        FUZZ_CHECK(total == mix.total, "page-size mix does not add up");
        break;
    }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct fx f;
    struct fuzz_in in = { data, size };

    memset(&f, 0, sizeof(f));
    platform_new(&f);
    for (unsigned n = 0; n < MAX_OPS && in.n; n++) {
        uint8_t op = fuzz_u8(&in);

        switch (op % 17) {
        case 0: op_vcm_create(&f, &in); break;
        case 1: op_vcm_free(&f, &in); break;
        case 2:
        case 3: op_reserve(&f, &in); break;
        case 4: op_unreserve(&f, &in); break;
        case 5: op_phys_alloc(&f, &in); break;
        case 6: op_phys_free(&f, &in); break;
        case 7:
        case 8: op_back(&f, &in); break;
        case 9: op_unback(&f, &in); break;
        case 10: op_dev_get(&f, &in, op & 0x80); break;
        case 11: op_dev_put(&f, &in); break;
        case 12: op_assoc(&f, &in); break;
        case 13: op_avcm(&f, &in, 0); break;
        case 14: op_avcm(&f, &in, 1); break;
        case 15: op_avcm(&f, &in, 2); break;
        default: op_misc(&f, &in); break;
        }
        check_all(&f, op);
    }
    platform_free(&f);
    return 0;
}
