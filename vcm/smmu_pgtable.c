/*
 * smmu_pgtable.c - ARMv7 short-descriptor page tables in simulated physical memory:
 * allocation, descriptor encoding, map and unmap (smmu_pgtable.h).
 *
 * The encoding of the driver's attribute bits is described at SMMU_ATTR_* in
 * vcm/smmu_driver.h; docs/driver.md has the descriptor words worked out.
 */
#include "vcm/smmu_pgtable.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "models/pte.h"

#define L1_TABLES               2u      /* TTBR0 and TTBR1 */

/* One L1 table and, per L1 entry, how many L2 descriptors its L2 table holds. */
struct smmu_l1 {
    uint32_t pa;                        /* 0: no table */
    uint16_t *l2_used;
};

struct smmu_pgtable {
    struct smmu_pt_allocator pt;
    struct smmu_l1 l1[L1_TABLES];
    unsigned split;                     /* TTBCR.N */
    struct smmu_pgtable_stats stats;
};

static void note_write(struct smmu_pt_writes *w, uint32_t pa, uint32_t bytes)
{
    if (w && w->n < SMMU_PT_MAX_WRITES) {
        w->w[w->n].pa = pa;
        w->w[w->n].bytes = bytes;
        w->n++;
    }
}

/* ---- Page-table memory ---------------------------------------------------------------- */

static uint32_t pt_alloc(struct smmu_pgtable *pg, uint32_t size)
{
    uint32_t pa = pg->pt.alloc(pg->pt.arg, size, size);

    if (!pa)
        return 0;
    if (pa & (size - 1)) {      /* an allocator that ignores alignment is a bug: refuse */
        if (pg->pt.free)
            pg->pt.free(pg->pt.arg, pa, size);
        return 0;
    }
    physmem_fill(pg->pt.pm, pa, 0, size);
    return pa;
}

static void pt_free(struct smmu_pgtable *pg, uint32_t pa, uint32_t size)
{
    if (pg->pt.free)
        pg->pt.free(pg->pt.arg, pa, size);
}

static int l1_table_new(struct smmu_pgtable *pg, struct smmu_l1 *t)
{
    uint16_t *used = calloc(PTE_L1_ENTRIES, sizeof(*used));

    if (!used)
        return -ENOMEM;
    uint32_t pa = pt_alloc(pg, PTE_L1_TABLE_SIZE);
    if (!pa) {
        free(used);
        return -ENOMEM;
    }
    t->pa = pa;
    t->l2_used = used;
    return 0;
}

/* Frees an L1 table with the L2 tables it points to. */
static void l1_table_free(struct smmu_pgtable *pg, struct smmu_l1 *t)
{
    /* The table is read a chunk at a time: a domain's teardown scans all 4096
     * descriptors, and a word at a time that was most of a short run's exit. */
    enum { CHUNK = 256 };
    uint8_t b[4 * CHUNK];

    if (!t->pa)
        return;
    for (unsigned base = 0; base < PTE_L1_ENTRIES; base += CHUNK) {
        if (physmem_read(pg->pt.pm, t->pa + 4 * base, b, sizeof(b)))
            memset(b, 0, sizeof(b));    /* as physmem_read32 reads outside memory */
        for (unsigned i = 0; i < CHUNK; i++) {
            const uint8_t *p = b + 4 * i;   /* descriptors are little-endian */
            uint32_t d = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                         (uint32_t)p[3] << 24;

            if ((d & PTE_L1_TYPE_MASK) == PTE_L1_TYPE_TABLE) {
                pt_free(pg, d & PTE_L1_TABLE_BASE_MASK, PTE_L2_TABLE_SIZE);
                pg->stats.l2_frees++;
                pg->stats.l2_tables--;
            }
        }
    }
    pt_free(pg, t->pa, PTE_L1_TABLE_SIZE);
    free(t->l2_used);
    t->pa = 0;
    t->l2_used = NULL;
}

/* ---- Descriptors ------------------------------------------------------------------------ */

static bool size_ok(uint32_t len, enum page_size *ps)
{
    switch (len) {
    case SZ_4K:  *ps = PAGE_4K;  return true;
    case SZ_64K: *ps = PAGE_64K; return true;
    case SZ_1M:  *ps = PAGE_1M;  return true;
    case SZ_16M: *ps = PAGE_16M; return true;
    }
    return false;
}

static bool attr_ok(uint32_t attr)
{
    return !(attr & ~SMMU_ATTR_ALL) && (attr & (SMMU_ATTR_READ | SMMU_ATTR_WRITE));
}

/* TEX remap index TEX[0]:C:B from the cache policy field. */
static unsigned cache_index(uint32_t attr)
{
    return (attr & SMMU_ATTR_CACHE_MASK) >> SMMU_ATTR_CACHE_SHIFT;
}

/* AP1: user access unless the mapping is for privileged accesses only. */
static bool user_ok(uint32_t attr)
{
    return (attr & SMMU_ATTR_USER) || !(attr & SMMU_ATTR_PRIV);
}

static uint32_t sect_desc(uint32_t pa, uint32_t attr, bool super)
{
    unsigned idx = cache_index(attr);
    uint32_t d = PTE_L1_TYPE_SECT | PTE_SECT_AP0;

    d |= super ? (pa & PTE_SSECT_BASE_MASK) | PTE_SECT_SUPER : pa & PTE_SECT_BASE_MASK;
    if (user_ok(attr))
        d |= PTE_SECT_AP1;
    if (!(attr & SMMU_ATTR_WRITE))
        d |= PTE_SECT_AP2;
    if (!(attr & SMMU_ATTR_EXEC))
        d |= PTE_SECT_XN;
    if (!(attr & SMMU_ATTR_GLOBAL))
        d |= PTE_SECT_NG;
    if (!(attr & SMMU_ATTR_SECURE))
        d |= PTE_SECT_NS;
    if (attr & SMMU_ATTR_SHARED)
        d |= PTE_SECT_S;
    if (idx & 1)
        d |= PTE_SECT_B;
    if (idx & 2)
        d |= PTE_SECT_C;
    if (idx & 4)
        d |= 1u << PTE_SECT_TEX_SHIFT;
    return d;
}

/* Small and large pages; NS is not here but in the L1 table descriptor. */
static uint32_t page_desc(uint32_t pa, uint32_t attr, bool large)
{
    unsigned idx = cache_index(attr);
    uint32_t d = PTE_L2_AP0;

    if (large)
        d |= PTE_L2_TYPE_LARGE | (pa & PTE_LARGE_BASE_MASK);
    else
        d |= PTE_L2_TYPE_SMALL | (pa & PTE_SMALL_BASE_MASK);
    if (user_ok(attr))
        d |= PTE_L2_AP1;
    if (!(attr & SMMU_ATTR_WRITE))
        d |= PTE_L2_AP2;
    if (!(attr & SMMU_ATTR_EXEC))
        d |= large ? PTE_LARGE_XN : PTE_SMALL_XN;
    if (!(attr & SMMU_ATTR_GLOBAL))
        d |= PTE_L2_NG;
    if (attr & SMMU_ATTR_SHARED)
        d |= PTE_L2_S;
    if (idx & 1)
        d |= PTE_L2_B;
    if (idx & 2)
        d |= PTE_L2_C;
    if (idx & 4)
        d |= 1u << (large ? PTE_LARGE_TEX_SHIFT : PTE_SMALL_TEX_SHIFT);
    return d;
}

static uint32_t table_desc(uint32_t l2_pa, bool ns)
{
    return (l2_pa & PTE_L1_TABLE_BASE_MASK) | PTE_L1_TYPE_TABLE | (ns ? PTE_L1_TABLE_NS : 0);
}

/* The table the hardware walks for va (TTBR1 when VA[31:32-N] is not zero). */
static struct smmu_l1 *table_for(struct smmu_pgtable *pg, uint32_t va)
{
    unsigned n = pg->split;

    return &pg->l1[(n && (va >> (32u - n))) ? 1 : 0];
}

static uint32_t l1_addr(const struct smmu_l1 *t, uint32_t va)
{
    return t->pa + 4u * PTE_L1_INDEX(va);
}

static uint32_t l2_addr(uint32_t l1_desc, uint32_t va)
{
    return (l1_desc & PTE_L1_TABLE_BASE_MASK) + 4u * PTE_L2_INDEX(va);
}

static bool l1_is_table(uint32_t d) { return (d & PTE_L1_TYPE_MASK) == PTE_L1_TYPE_TABLE; }
static bool l1_is_sect(uint32_t d) { return (d & PTE_L1_TYPE_MASK) == PTE_L1_TYPE_SECT; }

/* nG of a leaf descriptor, whatever its level. */
static bool desc_global(uint32_t d, bool l2)
{
    return !(d & (l2 ? PTE_L2_NG : PTE_SECT_NG));
}

/* ---- Map / unmap ---------------------------------------------------------------------------- */

static int map_l1(struct smmu_pgtable *pg, struct smmu_l1 *t, uint32_t pa, uint32_t va,
                  uint32_t attr, bool super, struct smmu_pt_writes *w)
{
    struct physmem *pm = pg->pt.pm;
    unsigned count = super ? PTE_CONT_ENTRIES : 1;
    uint32_t addr = l1_addr(t, va);

    for (unsigned i = 0; i < count; i++)
        if (physmem_read32(pm, addr + 4 * i) != 0)
            return -EBUSY;      /* a mapping, or an L2 table (which always holds entries) */
    uint32_t d = sect_desc(pa, attr, super);
    for (unsigned i = 0; i < count; i++)
        physmem_write32(pm, addr + 4 * i, d);
    note_write(w, addr, 4 * count);
    return 0;
}

static int map_l2(struct smmu_pgtable *pg, struct smmu_l1 *t, uint32_t pa, uint32_t va,
                  uint32_t attr, bool large, struct smmu_pt_writes *w)
{
    struct physmem *pm = pg->pt.pm;
    unsigned count = large ? PTE_CONT_ENTRIES : 1;
    bool ns = !(attr & SMMU_ATTR_SECURE);
    uint32_t l1a = l1_addr(t, va);
    uint32_t l1d = physmem_read32(pm, l1a);
    bool new_table = false;

    if (l1d != 0) {
        if (!l1_is_table(l1d))
            return -EBUSY;
        /* NS of L2 pages is a property of the whole table */
        if (!!(l1d & PTE_L1_TABLE_NS) != ns)
            return -EINVAL;
        for (unsigned i = 0; i < count; i++)
            if (physmem_read32(pm, l2_addr(l1d, va) + 4 * i) != 0)
                return -EBUSY;
    } else {
        uint32_t l2 = pt_alloc(pg, PTE_L2_TABLE_SIZE);
        if (!l2)
            return -ENOMEM;
        l1d = table_desc(l2, ns);
        new_table = true;
    }
    uint32_t d = page_desc(pa, attr, large);
    for (unsigned i = 0; i < count; i++)
        physmem_write32(pm, l2_addr(l1d, va) + 4 * i, d);
    /* A new table is zeroed whole, so all of it is written. */
    if (new_table)
        note_write(w, l1d & PTE_L1_TABLE_BASE_MASK, PTE_L2_TABLE_SIZE);
    else
        note_write(w, l2_addr(l1d, va), 4 * count);
    /* The table descriptor goes last: the walker never sees a table being filled. */
    if (new_table) {
        physmem_write32(pm, l1a, l1d);
        note_write(w, l1a, 4);
        pg->stats.l2_allocs++;
        pg->stats.l2_tables++;
    }
    t->l2_used[PTE_L1_INDEX(va)] += count;
    return 0;
}

int smmu_pgtable_map(struct smmu_pgtable *pg, uint32_t pa, uint32_t va, uint32_t len,
                     uint32_t attr, struct smmu_pt_writes *w)
{
    enum page_size ps;

    if (w)
        w->n = 0;
    if (!pg || !size_ok(len, &ps) || (pa & (len - 1)) || (va & (len - 1)) || !attr_ok(attr))
        return -EINVAL;
    struct smmu_l1 *t = table_for(pg, va);
    if (!t->pa)
        return -EINVAL;
    int ret;
    switch (ps) {
    case PAGE_16M: ret = map_l1(pg, t, pa, va, attr, true, w); break;
    case PAGE_1M:  ret = map_l1(pg, t, pa, va, attr, false, w); break;
    case PAGE_64K: ret = map_l2(pg, t, pa, va, attr, true, w); break;
    default:       ret = map_l2(pg, t, pa, va, attr, false, w); break;
    }
    if (ret)
        return ret;
    pg->stats.mappings++;
    if (attr & SMMU_ATTR_GLOBAL)
        pg->stats.global_mappings++;
    return 0;
}

/* Checks that `count` descriptors from addr are one mapping; returns its first word. */
static int same_run(const struct physmem *pm, uint32_t addr, unsigned count, uint32_t *first)
{
    uint32_t d = physmem_read32(pm, addr);

    for (unsigned i = 1; i < count; i++)
        if (physmem_read32(pm, addr + 4 * i) != d)
            return -EINVAL;
    *first = d;
    return 0;
}

/*
 * Clears the `count` descriptors of one mapping from addr (a supersection or large
 * page is 16 identical words); -EINVAL, with nothing cleared, when they are not one
 * run. *d is the mapping's descriptor.
 */
static int clear_run(struct physmem *pm, uint32_t addr, unsigned count, uint32_t *d)
{
    if (count > 1 && same_run(pm, addr, count, d))
        return -EINVAL;
    for (unsigned i = 0; i < count; i++)
        physmem_write32(pm, addr + 4 * i, 0);
    return 0;
}

static int unmap_l1(struct smmu_pgtable *pg, struct smmu_l1 *t, uint32_t va, bool super,
                    bool *global, struct smmu_pt_writes *w)
{
    struct physmem *pm = pg->pt.pm;
    uint32_t addr = l1_addr(t, va), d = physmem_read32(pm, addr);
    unsigned count = super ? PTE_CONT_ENTRIES : 1;

    if (d == 0)
        return -ENOENT;
    if (!l1_is_sect(d) || !!(d & PTE_SECT_SUPER) != super)
        return -EINVAL;
    if (clear_run(pm, addr, count, &d))
        return -EINVAL;
    note_write(w, addr, 4 * count);
    *global = desc_global(d, false);
    return 0;
}

static int unmap_l2(struct smmu_pgtable *pg, struct smmu_l1 *t, uint32_t va, bool large,
                    bool *global, struct smmu_pt_writes *w)
{
    struct physmem *pm = pg->pt.pm;
    uint32_t l1a = l1_addr(t, va), l1d = physmem_read32(pm, l1a);
    unsigned count = large ? PTE_CONT_ENTRIES : 1;

    if (l1d == 0)
        return -ENOENT;
    if (!l1_is_table(l1d))
        return -EINVAL;
    uint32_t addr = l2_addr(l1d, va), d = physmem_read32(pm, addr);
    if (d == 0)
        return -ENOENT;
    bool is_large = (d & PTE_L2_TYPE_MASK) == PTE_L2_TYPE_LARGE;
    if (is_large != large)
        return -EINVAL;
    if (clear_run(pm, addr, count, &d))
        return -EINVAL;
    note_write(w, addr, 4 * count);
    *global = desc_global(d, true);

    uint16_t *used = &t->l2_used[PTE_L1_INDEX(va)];
    *used = (uint16_t)(*used - count);
    if (*used == 0) {
        physmem_write32(pm, l1a, 0);
        note_write(w, l1a, 4);
        pt_free(pg, l1d & PTE_L1_TABLE_BASE_MASK, PTE_L2_TABLE_SIZE);
        pg->stats.l2_frees++;
        pg->stats.l2_tables--;
    }
    return 0;
}

int smmu_pgtable_unmap(struct smmu_pgtable *pg, uint32_t va, uint32_t len, bool *global,
                       struct smmu_pt_writes *w)
{
    enum page_size ps;
    bool g = false;

    if (w)
        w->n = 0;
    if (!pg || !size_ok(len, &ps) || (va & (len - 1)))
        return -EINVAL;
    struct smmu_l1 *t = table_for(pg, va);
    if (!t->pa)
        return -EINVAL;
    int ret;
    switch (ps) {
    case PAGE_16M: ret = unmap_l1(pg, t, va, true, &g, w); break;
    case PAGE_1M:  ret = unmap_l1(pg, t, va, false, &g, w); break;
    case PAGE_64K: ret = unmap_l2(pg, t, va, true, &g, w); break;
    default:       ret = unmap_l2(pg, t, va, false, &g, w); break;
    }
    if (ret)
        return ret;
    pg->stats.mappings--;
    if (g)
        pg->stats.global_mappings--;
    if (global)
        *global = g;
    return 0;
}

/* Whether L1 entries [from, to) of a table are all fault entries. */
static bool l1_range_empty(const struct smmu_pgtable *pg, const struct smmu_l1 *t,
                           unsigned from, unsigned to)
{
    if (!t->pa)
        return true;
    for (unsigned i = from; i < to; i++)
        if (physmem_read32(pg->pt.pm, t->pa + 4 * i) != 0)
            return false;
    return true;
}

int smmu_pgtable_set_split(struct smmu_pgtable *pg, unsigned n)
{
    if (!pg || n > TTBCR_N_MASK)
        return -EINVAL;
    if (n == pg->split)
        return 0;
    /* first L1 index that TTBR1 translates with the new N */
    unsigned boundary = n ? PTE_L1_ENTRIES >> n : PTE_L1_ENTRIES;
    if (!l1_range_empty(pg, &pg->l1[0], boundary, PTE_L1_ENTRIES) ||
        !l1_range_empty(pg, &pg->l1[1], 0, boundary))
        return -EBUSY;
    if (n && !pg->l1[1].pa) {
        int ret = l1_table_new(pg, &pg->l1[1]);
        if (ret)
            return ret;
    } else if (!n) {
        l1_table_free(pg, &pg->l1[1]);
    }
    pg->split = n;
    return 0;
}

unsigned smmu_pgtable_split(const struct smmu_pgtable *pg) { return pg ? pg->split : 0; }

uint32_t smmu_pgtable_l1(const struct smmu_pgtable *pg, unsigned i)
{
    return pg && i < L1_TABLES ? pg->l1[i].pa : 0;
}

const struct smmu_pgtable_stats *smmu_pgtable_stats(const struct smmu_pgtable *pg)
{
    return pg ? &pg->stats : NULL;
}

struct smmu_pgtable *smmu_pgtable_new(const struct smmu_pt_allocator *pt)
{
    if (!pt || !pt->pm || !pt->alloc)
        return NULL;
    struct smmu_pgtable *pg = calloc(1, sizeof(*pg));
    if (!pg)
        return NULL;
    pg->pt = *pt;
    if (l1_table_new(pg, &pg->l1[0])) {
        free(pg);
        return NULL;
    }
    return pg;
}

void smmu_pgtable_free(struct smmu_pgtable *pg)
{
    if (!pg)
        return;
    for (unsigned i = 0; i < L1_TABLES; i++)
        l1_table_free(pg, &pg->l1[i]);
    free(pg);
}
