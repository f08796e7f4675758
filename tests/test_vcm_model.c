/*
 * test_vcm_model.c - a model-based random test of the VCM layer (vcm/vcm.c).
 *
 * Long random call sequences (reserve, phys_alloc, back, back_prefix, unback,
 * unreserve, phys_free, policies, guard pages, activation changes, and a second
 * VCM on the same contexts that comes and goes) run against a small reference
 * model kept in this file. The reference predicts every call's result from the
 * rules of docs/vcm.md and docs/allocators.md alone, never from the code under
 * test:
 *   - the device address of a reservation: the lowest address aligned as the
 *     order or the default rule asks at which the span (length rounded to 4 KiB,
 *     plus the guard page) fits between the live spans of the VCM;
 *   - the blocks of a physical allocation: largest first while the remainder
 *     allows and the pool has blocks, the tail rounded up to the smallest allowed
 *     size that still has enough blocks, the lowest free blocks of each pool;
 *     a VCM_PHYS_CONT range first fit at the default or asked alignment;
 *   - the errno of each refused call (backing a backed reservation, sizes that
 *     differ, unreserving a backed reservation, freeing a VCM that is in use...);
 *   - the page plan of a backing: each block cut from its start into the largest
 *     page that the device address and physical address are aligned to, that the
 *     block's remaining length and the mapping policy allow.
 * A length that is not a whole number of pages is rounded up to 4 KiB first: the
 * rounded length chooses the default alignment and the blocks, and is what is
 * reserved, allocated and mapped (1 MiB - 100 bytes is one 1M block and section).
 * After every step the whole state is compared with the reference: handles and
 * their getters, the reservations (disjoint, inside their VCM, guard pages
 * included), the physical blocks (disjoint, inside their pool regions) and the
 * pool counters, the page-size mixes, the driver's net mapping counts and L2
 * table counts per context, and the hardware itself: sampled pages of every
 * reservation (all pages of small ones) go through the SMMU's functional path
 * (smmu_access with the device's MID) and through V2P (smmu_translate) on every
 * context, and must give block base + offset where the reference says the page
 * is backed and fault everywhere else (unbacked reservations, guard pages, the
 * tail of a prefix backing, random addresses between reservations). Before an
 * unback or a deassociation the pages are touched so that they sit in the TLB;
 * afterwards the same pages must fault. The same holds for a reservation unbacked
 * while its context was deactivated, once the context is active again.
 *
 * A failed call must change nothing: the same full comparison runs after it.
 * test_reference_rules first checks the reference's own rules against the
 * worked examples of docs/vcm.md and docs/allocators.md, so that the model is
 * not just a copy of whatever the layer does.
 *
 * Fixture (tests/lib/platform.h, as for tests/test_vcm.c): a 64 MiB block region at
 * 0x80000000 with the default shares (2 x 16M at 0x80000000, 16 x 1M at 0x82000000,
 * 128 x 64K at 0x83000000, 2048 x 4K at 0x83800000), a 16 MiB contiguous pool at
 * 0x84000000, page tables from a separate target at 0x90000000. VCM A is
 * [0x00380000, 0x20000000), large enough that 16 MiB aligned holes stay free for
 * supersections; the second VCM B is the small [0x00100000, 0x00380000) just below
 * it. Their boundary is not 1 MiB aligned: the small pages at the top of B and at
 * the bottom of A (both often used, placement being lowest first) share the L2
 * table of L1 entry 3.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
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

/* The reference's own view of the contiguous pool (platform_new checks the target's). */
#define CONT_BASE   0x84000000u
#define CONT_SIZE   0x01000000u

#define B_START     0x00100000u
#define B_END       0x00380000u
#define A_START     B_END
#define A_END       0x20000000u
#define PROBE_END   0x20100000u     /* uniform probes cover both VCMs and a little around */

#define MAX_DEV     2u
#define NVCM        2u              /* A and B */
#define VCM_A       0u
#define VCM_B       1u
#define MAX_RES     40u
#define MAX_PHYS    40u
#define POOL_MAX    2048u           /* blocks of the largest pool (4K) */
#define MAX_BLOCKS  (2048u + 128u + 16u + 2u)
#define L1_WORDS    (PTE_L1_ENTRIES / 64u)

#define SAMPLE_ALL_PAGES    8u      /* backed reservations this small: every page, every step */
#define UNBACKED_ALL_PAGES  3u      /* the same for unbacked ones (they only fault) */
#define THOROUGH_ALL_PAGES  64u     /* the reservation a step touched: every page up to this */
#define SAMPLE_MAX          160u
#define PROBES_PER_DEV      3u

#define STEPS       3000u           /* per seed: about 0.6 s at -O2, 2 s under ASan */

/* ---- The rules of docs/allocators.md: pool layout, default alignment ---------------------- */

/* The default shares of a 64 MiB region at 0x80000000 (docs/allocators.md, "Layout"). */
static const struct pool_desc {
    uint32_t base;
    unsigned shift;
    unsigned n;
} pool_desc[PHYS_NPOOLS] = {
    [PHYS_POOL_4K] = { 0x83800000u, 12, 2048 },
    [PHYS_POOL_64K] = { 0x83000000u, 16, 128 },
    [PHYS_POOL_1M] = { 0x82000000u, 20, 16 },
    [PHYS_POOL_16M] = { 0x80000000u, 24, 2 },
};

static uint64_t round_page(uint64_t len)
{
    return (len + SZ_4K - 1) & ~(uint64_t)(SZ_4K - 1);
}

static uint64_t align_up(uint64_t x, uint64_t a)
{
    return (x + a - 1) & ~(a - 1);
}

/* >= 1 MiB -> 1 MiB, >= 64 KiB -> 64 KiB, else 4 KiB, on the length as given. */
static uint64_t default_align(uint64_t len)
{
    return len >= SZ_1M ? SZ_1M : len >= SZ_64K ? SZ_64K : SZ_4K;
}

struct span {
    uint64_t start, end;
};

static void sort_spans(struct span *s, unsigned n)
{
    for (unsigned i = 1; i < n; i++) {
        struct span x = s[i];
        unsigned j = i;
        while (j && s[j - 1].start > x.start) {
            s[j] = s[j - 1];
            j--;
        }
        s[j] = x;
    }
}

/*
 * Lowest address aligned to align at which [a, a + len) lies inside [lo, hi) and
 * clear of every (disjoint) span: the IOVA allocator's placement and the contiguous
 * pool's first fit. The spans are sorted in place.
 */
static bool ref_fit(uint64_t lo, uint64_t hi, struct span *sp, unsigned n, uint64_t len,
                    uint64_t align, uint64_t *out)
{
    uint64_t gap = lo;

    sort_spans(sp, n);
    for (unsigned i = 0; i <= n; i++) {
        uint64_t gap_end = i < n ? sp[i].start : hi;
        uint64_t a = align_up(gap, align);
        if (a < gap_end && gap_end - a >= len) {
            *out = a;
            return true;
        }
        if (i < n && sp[i].end > gap)
            gap = sp[i].end;
    }
    return false;
}

struct ref_pools {
    uint8_t used[PHYS_NPOOLS][POOL_MAX];
    unsigned nused[PHYS_NPOOLS];
};

static unsigned pool_free(const struct ref_pools *rp, unsigned id)
{
    return pool_desc[id].n - rp->nused[id];
}

/*
 * The block rule: for each allowed size from 16M down, blocks while the
 * remainder is at least the size and the pool has one; a remainder left is
 * covered by ceil(r / s) blocks of the smallest allowed size s whose pool still
 * has that many; otherwise -ENOMEM and nothing taken. Within a pool the lowest
 * free blocks; the list by decreasing size, then increasing address.
 */
static int ref_alloc_blocks(struct ref_pools *rp, uint64_t len, unsigned mask,
                            struct phys_block *out, uint32_t *nout)
{
    uint64_t cnt[PHYS_NPOOLS] = { 0 };
    uint64_t rem = len;

    for (int id = PHYS_NPOOLS - 1; id >= 0; id--) {
        uint64_t sz = 1ull << pool_desc[id].shift;
        if (!(mask & (1u << id)))
            continue;
        while (rem >= sz && cnt[id] < pool_free(rp, (unsigned)id)) {
            cnt[id]++;
            rem -= sz;
        }
    }
    if (rem) {
        bool covered = false;
        for (unsigned id = 0; id < PHYS_NPOOLS && !covered; id++) {
            uint64_t sz = 1ull << pool_desc[id].shift;
            uint64_t need = (rem + sz - 1) / sz;
            if ((mask & (1u << id)) && pool_free(rp, id) - cnt[id] >= need) {
                cnt[id] += need;
                covered = true;
            }
        }
        if (!covered)
            return -ENOMEM;
    }
    uint32_t n = 0;
    for (int id = PHYS_NPOOLS - 1; id >= 0; id--) {
        for (unsigned i = 0; cnt[id] && i < pool_desc[id].n; i++) {
            if (rp->used[id][i])
                continue;
            rp->used[id][i] = 1;
            rp->nused[id]++;
            out[n].pa = pool_desc[id].base + (i << pool_desc[id].shift);
            out[n].size = 1u << pool_desc[id].shift;
            out[n].pool = (uint8_t)id;
            n++;
            cnt[id]--;
        }
    }
    *nout = n;
    return 0;
}

static void ref_free_blocks(struct ref_pools *rp, const struct phys_block *b, uint32_t n)
{
    for (uint32_t k = 0; k < n; k++) {
        if (b[k].pool >= PHYS_NPOOLS)
            continue;
        unsigned i = (b[k].pa - pool_desc[b[k].pool].base) >> pool_desc[b[k].pool].shift;
        rp->used[b[k].pool][i] = 0;
        rp->nused[b[k].pool]--;
    }
}

/* ---- The page plan of docs/vcm.md, "Largest-page mapping" -------------------------------- */

static uint32_t policy_cap_bytes(enum vcm_map_policy pol)
{
    switch (pol) {
    case VCM_MAP_4K:    return SZ_4K;
    case VCM_MAP_64K:   return SZ_64K;
    case VCM_MAP_1M:    return SZ_1M;
    default:            return SZ_16M;      /* best and 16m */
    }
}

static enum page_size size_index(uint32_t bytes)
{
    return bytes == SZ_16M ? PAGE_16M : bytes == SZ_1M ? PAGE_1M
         : bytes == SZ_64K ? PAGE_64K : PAGE_4K;
}

/*
 * The first len bytes of the blocks, laid at va in list order, each block cut on its
 * own: the largest of 16M, 1M, 64K, 4K not above the cap that divides both addresses
 * and is not longer than what is left of the block. l2 (may be NULL) gets the L1
 * entries that hold small pages, i.e. an L2 table.
 */
static void ref_plan(uint32_t va, const struct phys_block *b, uint32_t nb, uint64_t len,
                     enum vcm_map_policy pol, struct vcm_map_mix *mix, uint64_t *l2)
{
    const uint32_t cap = policy_cap_bytes(pol);
    uint64_t done = 0;

    memset(mix, 0, sizeof(*mix));
    if (l2)
        memset(l2, 0, L1_WORDS * sizeof(*l2));
    for (uint32_t i = 0; i < nb && done < len; i++) {
        uint64_t left = b[i].size < len - done ? b[i].size : len - done;
        uint32_t pa = b[i].pa;
        while (left) {
            uint32_t v = va + (uint32_t)done;
            uint32_t pg = cap;
            while (pg > SZ_4K && ((v | pa) & (pg - 1) || pg > left))
                pg >>= 4;                   /* 16M -> 1M -> 64K -> 4K */
            mix->count[size_index(pg)]++;
            mix->total++;
            if (l2 && pg < SZ_1M)
                l2[PTE_L1_INDEX(v) / 64] |= 1ull << (PTE_L1_INDEX(v) % 64);
            pa += pg;
            done += pg;
            left -= pg;
        }
    }
}

/* ---- The platform, the reference and the scenario ------------------------------------------ */

struct dev_desc {
    const char *ctx;
    unsigned smmu;
    uint16_t mid;                   /* one of the MIDs msm8960.c routes to the context */
};

static const struct dev_desc DEV_MM1 = { "vcodec_a_mm1", MSM8960_SMMU_VCODEC_A, 0 };
static const struct dev_desc DEV_STREAM = { "vcodec_a_stream", MSM8960_SMMU_VCODEC_A, 2 };
static const struct dev_desc DEV_MM2 = { "vcodec_b_mm2", MSM8960_SMMU_VCODEC_B, 0 };

struct scenario {
    uint64_t seed;
    unsigned ndev;
    const struct dev_desc *dev[MAX_DEV];
    enum vcm_map_policy policy;     /* the platform's at the start */
    bool guard_a;                   /* VCM A starts with guard pages */
    bool vary_policy;               /* the platform policy changes during the run */
};

struct mvcm {
    bool live;
    struct vcm *h;
    uint64_t start, len;
    bool guard;                     /* for reservations made from now on */
    struct avcm *av[MAX_DEV];       /* NULL: not associated with that device */
    bool active[MAX_DEV];
};

struct mres {
    bool live;
    struct res *h;
    unsigned vcm;
    uint32_t addr;
    uint64_t raw_len, len;          /* as asked; rounded to 4 KiB */
    bool guard;
    uint32_t attr;
    int policy;                     /* -1: the platform's */
    int phys;                       /* backing allocation, -1: not backed */
    struct vcm_map_mix mix;         /* the expected plan's mix, while backed */
    uint64_t l2[L1_WORDS];          /* L1 entries holding its small pages, while backed */
};

struct mphys {
    bool live;
    struct vcm_physmem *h;
    uint64_t len;                   /* rounded to 4 KiB */
    bool cont;
    unsigned backers;
    uint32_t nblocks;
    struct phys_block *blk;
    uint64_t *at;                   /* offset of each block in the buffer */
};

enum op {
    OP_RESERVE, OP_RESERVE_BAD, OP_PHYS_ALLOC, OP_BACK, OP_BACK_PREFIX, OP_UNBACK,
    OP_UNRESERVE, OP_PHYS_FREE, OP_RES_POLICY, OP_PLAT_POLICY, OP_GUARD, OP_ACTIVATION,
    OP_VCM_B, OP_FREE_A, OP_ASSOC_BAD, NOPS,
};

static const char *const op_name[NOPS] = {
    "reserve", "reserve(bad)", "phys_alloc", "back", "back_prefix", "unback", "unreserve",
    "phys_free", "res_set_policy", "platform_policy", "guard", "activation", "vcm_b",
    "free_a", "assoc(bad)",
};

/* Out of 1000. */
static const unsigned op_weight[NOPS] = {
    [OP_RESERVE] = 170, [OP_RESERVE_BAD] = 15, [OP_PHYS_ALLOC] = 170, [OP_BACK] = 200,
    [OP_BACK_PREFIX] = 30, [OP_UNBACK] = 120, [OP_UNRESERVE] = 110, [OP_PHYS_FREE] = 100,
    [OP_RES_POLICY] = 25, [OP_PLAT_POLICY] = 10, [OP_GUARD] = 10, [OP_ACTIVATION] = 15,
    [OP_VCM_B] = 15, [OP_FREE_A] = 5, [OP_ASSOC_BAD] = 5,
};

struct model {
    const struct scenario *sc;

    struct test_platform tp;                /* tests/lib/platform.h */
    struct vcm_platform *p;                 /* tp.p */
    struct vcm_dev *dev[MAX_DEV];

    uint64_t rng;
    unsigned step;
    enum op op;
    enum vcm_map_policy policy;
    struct mvcm vcm[NVCM];
    struct mres res[MAX_RES];
    struct mphys phys[MAX_PHYS];
    struct ref_pools pools;
    unsigned ok[NOPS], refused[NOPS];
    uint64_t translations, faults;
    uint64_t mapped[PAGE_SIZES];            /* pages of each size the backings mapped */
    uint64_t shared_l2;                     /* checks that met an L2 table of A and B */
    struct phys_block scratch[MAX_BLOCKS];
    struct span spans[MAX_PHYS];
    uint8_t seen[PHYS_NPOOLS][POOL_MAX];    /* blocks met while checking */
    uint64_t warm[MAX_RES][SAMPLE_MAX];     /* pages touched before a deassociation */
};

/* ---- Checking helpers ---------------------------------------------------------------------- */

static void expect_eq_(const struct model *m, uint64_t got, uint64_t want, const char *what,
                       int line)
{
    if (got == want)
        return;
    print_error("seed %llu step %u op %s (line %d): %s = 0x%llx, expected 0x%llx\n",
                m ? (unsigned long long)m->sc->seed : 0ull, m ? m->step : 0u,
                m ? op_name[m->op] : "-", line, what, (unsigned long long)got,
                (unsigned long long)want);
    fail();
}

#define EXPECT_EQ(got, want) expect_eq_(m, (uint64_t)(got), (uint64_t)(want), #got, __LINE__)
#define EXPECT_TRUE(c) expect_eq_(m, (uint64_t)!!(c), 1u, #c, __LINE__)

static uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint32_t rnd(struct model *m, uint32_t n)
{
    return n ? (uint32_t)(splitmix64(&m->rng) % n) : 0;
}

static bool chance(struct model *m, unsigned percent)
{
    return rnd(m, 100) < percent;
}

/* A failed call leaves a sentence for vcm_last_error. */
static void expect_message(struct model *m)
{
    EXPECT_TRUE(vcm_last_error(m->p)[0] != '\0');
}

/* ---- The platform ------------------------------------------------------------------------ */

static void platform_new(struct model *m)
{
    char err[256];

    if (test_platform_init(&m->tp, m->sc->policy, err, sizeof(err)))
        fail_msg("%s", err);
    m->p = m->tp.p;
    m->policy = m->sc->policy;

    /* The pool layout the reference assumes is the one the target built. */
    struct phys_target_stats st;
    phys_target_stats(m->tp.mem, &st);
    for (unsigned id = 0; id < PHYS_NPOOLS; id++) {
        assert_int_equal(st.pool[id].base, pool_desc[id].base);
        assert_int_equal(st.pool[id].total, pool_desc[id].n);
    }
    assert_int_equal(st.cont.base, CONT_BASE);
    assert_int_equal(st.cont.size, CONT_SIZE);
}

static void phys_forget(struct mphys *ph)
{
    free(ph->blk);
    free(ph->at);
    memset(ph, 0, sizeof(*ph));
}

static void model_free(struct model *m)
{
    if (!m)
        return;
    test_platform_fini(&m->tp);
    for (unsigned i = 0; i < MAX_PHYS; i++)
        phys_forget(&m->phys[i]);
    free(m);
}

/* ---- Reference queries ---------------------------------------------------------------------- */

static unsigned count_res(const struct model *m)
{
    unsigned n = 0;

    for (unsigned i = 0; i < MAX_RES; i++)
        n += m->res[i].live;
    return n;
}

static unsigned count_phys(const struct model *m)
{
    unsigned n = 0;

    for (unsigned i = 0; i < MAX_PHYS; i++)
        n += m->phys[i].live;
    return n;
}

static int free_res_slot(const struct model *m)
{
    for (unsigned i = 0; i < MAX_RES; i++)
        if (!m->res[i].live)
            return (int)i;
    return -1;
}

static int free_phys_slot(const struct model *m)
{
    for (unsigned i = 0; i < MAX_PHYS; i++)
        if (!m->phys[i].live)
            return (int)i;
    return -1;
}

/* A random live reservation; with want >= 0, one that is backed (1) or not (0) if any. */
static int pick_res(struct model *m, int want)
{
    unsigned start = rnd(m, MAX_RES);
    int any = -1;

    for (unsigned k = 0; k < MAX_RES; k++) {
        unsigned i = (start + k) % MAX_RES;
        if (!m->res[i].live)
            continue;
        if (want < 0 || (m->res[i].phys >= 0) == (want == 1))
            return (int)i;
        if (any < 0)
            any = (int)i;
    }
    return any;
}

/* A random live allocation; with want >= 0, one that backs something (1) or not (0) if any. */
static int pick_phys(struct model *m, int want)
{
    unsigned start = rnd(m, MAX_PHYS);
    int any = -1;

    for (unsigned k = 0; k < MAX_PHYS; k++) {
        unsigned i = (start + k) % MAX_PHYS;
        if (!m->phys[i].live)
            continue;
        if (want < 0 || (m->phys[i].backers > 0) == (want == 1))
            return (int)i;
        if (any < 0)
            any = (int)i;
    }
    return any;
}

static unsigned res_of_vcm(const struct model *m, unsigned v)
{
    unsigned n = 0;

    for (unsigned i = 0; i < MAX_RES; i++)
        n += m->res[i].live && m->res[i].vcm == v;
    return n;
}

static bool vcm_has_assoc(const struct model *m, unsigned v)
{
    for (unsigned d = 0; d < m->sc->ndev; d++)
        if (m->vcm[v].av[d])
            return true;
    return false;
}

static bool dev_active(const struct model *m, unsigned d)
{
    for (unsigned v = 0; v < NVCM; v++)
        if (m->vcm[v].live && m->vcm[v].av[d] && m->vcm[v].active[d])
            return true;
    return false;
}

/* Physical address behind offset off of an allocation (off < its length). */
static uint32_t phys_pa_at(const struct mphys *ph, uint64_t off)
{
    uint32_t lo = 0, hi = ph->nblocks;

    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (ph->at[mid] <= off)
            lo = mid;
        else
            hi = mid;
    }
    return ph->blk[lo].pa + (uint32_t)(off - ph->at[lo]);
}

/* Is offset off of the reservation mapped, and to what. */
static bool res_maps(const struct model *m, const struct mres *r, uint64_t off, uint32_t *pa)
{
    if (r->phys < 0)
        return false;
    const struct mphys *ph = &m->phys[r->phys];
    if (off >= ph->len)
        return false;
    *pa = phys_pa_at(ph, off);
    return true;
}

/* ---- Hardware checks --------------------------------------------------------------------- */

enum acc_kind { ACC_READ, ACC_WRITE, ACC_USER_READ, ACC_USER_WRITE, ACC_INSTR, ACC_KINDS };

/* Each kind as the ACCESS_* bits of models/pte.h: all but the user ones privileged. */
static const unsigned acc_bits[ACC_KINDS] = {
    [ACC_READ] = ACCESS_PRIV,
    [ACC_WRITE] = ACCESS_PRIV | ACCESS_WRITE,
    [ACC_USER_READ] = 0,
    [ACC_USER_WRITE] = ACCESS_WRITE,
    [ACC_INSTR] = ACCESS_PRIV | ACCESS_INSTR,
};

/*
 * docs/vcm.md attribute table and docs/walker.md permission table: every mapping is
 * readable by privileged accesses; WRITE clears AP2 (read-only otherwise); SUPERVISOR
 * alone clears AP1 (no user access); EXECUTE clears XN.
 */
static bool access_allowed(uint32_t attr, enum acc_kind k)
{
    bool user_ok = !((attr & VCM_SUPERVISOR) && !(attr & VCM_USER));
    bool write_ok = attr & VCM_WRITE;

    switch (k) {
    case ACC_READ:          return true;
    case ACC_WRITE:         return write_ok;
    case ACC_USER_READ:     return user_ok;
    case ACC_USER_WRITE:    return user_ok && write_ok;
    case ACC_INSTR:         return attr & VCM_EXECUTE;
    default:                return false;
    }
}

/*
 * One device address on device d (active): V2P and a functional access must give pa
 * when mapped and fault when not. Mostly privileged reads; sometimes another kind of
 * access, checked against the reservation's attributes.
 */
static void check_page(struct model *m, unsigned d, uint32_t va, bool mapped, uint32_t pa,
                       uint32_t attr)
{
    struct smmu_dev *sd = vcm_dev_smmu(m->dev[d]);
    uint32_t got = 0;
    int ret = smmu_translate(sd, va, &got);

    if (mapped) {
        EXPECT_EQ(ret, 0);
        EXPECT_EQ(got, pa);
    } else {
        EXPECT_EQ(ret, -EFAULT);
    }

    enum acc_kind k = chance(m, 70) ? ACC_READ : (enum acc_kind)rnd(m, ACC_KINDS);
    struct smmu_txn t;
    enum smmu_status st = test_platform_access(&m->tp, m->sc->dev[d]->smmu, m->sc->dev[d]->mid,
                                               va, acc_bits[k], &t);
    if (!mapped) {
        EXPECT_EQ(st, SMMU_FAULTED);
        EXPECT_TRUE(t.fsr & FSR_TF);
        m->faults++;
    } else if (access_allowed(attr, k)) {
        EXPECT_EQ(st, SMMU_DONE);
        EXPECT_EQ(t.pa, pa);
        EXPECT_TRUE(!t.bypassed);
        m->translations++;
    } else {
        EXPECT_EQ(st, SMMU_FAULTED);
        EXPECT_TRUE(t.fsr & FSR_APF);
        m->faults++;
    }
}

/*
 * Device d has no active association: its context is off. Its MIDs are unrouted (a
 * global fault), or, under a profile that routes MIDs when the SMMU is probed
 * (msm-3.4), still routed to the bank, which passes them through untranslated.
 */
static void check_dev_off(struct model *m, unsigned d, uint32_t va)
{
    struct smmu_dev *sd = vcm_dev_smmu(m->dev[d]);
    uint32_t got;

    EXPECT_EQ(smmu_is_active(sd), 0);
    EXPECT_EQ(smmu_translate(sd, va, &got), -ENODEV);
    struct smmu_txn t;
    if (smmu_driver_profile(smmu_dev_driver(sd))->route_at_probe) {
        EXPECT_EQ(test_platform_access(&m->tp, m->sc->dev[d]->smmu, m->sc->dev[d]->mid, va,
                                       ACCESS_PRIV, &t), SMMU_DONE);
        EXPECT_TRUE(t.bypassed);
        EXPECT_EQ(t.pa, va);
        return;
    }
    EXPECT_EQ(test_platform_access(&m->tp, m->sc->dev[d]->smmu, m->sc->dev[d]->mid, va,
                                   ACCESS_PRIV, &t), SMMU_GLOBAL_FAULTED);
    EXPECT_EQ(smmu_poll_global_fault(smmu_dev_driver(sd)), 1);
}

/*
 * Offsets to look at in a reservation: every page of a small one; else the first and
 * last page, a few random pages (fewer when unbacked), and the first and last page of
 * some blocks of its backing (all blocks, up to a limit, when thorough). Each with a random 4-byte
 * aligned offset inside the page.
 */
static unsigned res_samples(struct model *m, const struct mres *r, bool thorough, uint64_t *off)
{
    const bool backed = r->phys >= 0;
    uint64_t pages = r->len / SZ_4K;
    unsigned n = 0;

    if (pages <= (thorough ? THOROUGH_ALL_PAGES : backed ? SAMPLE_ALL_PAGES
                                                          : UNBACKED_ALL_PAGES)) {
        for (uint64_t pg = 0; pg < pages; pg++)
            off[n++] = pg * SZ_4K;
    } else {
        off[n++] = 0;
        off[n++] = (pages - 1) * SZ_4K;
        for (unsigned k = 0; k < (thorough ? 16u : backed ? 3u : 1u); k++)
            off[n++] = rnd(m, (uint32_t)pages) * (uint64_t)SZ_4K;
        if (r->phys >= 0) {
            const struct mphys *ph = &m->phys[r->phys];
            unsigned nb = thorough ? (ph->nblocks < 48u ? ph->nblocks : 48u) : 1u;
            for (unsigned k = 0; k < nb; k++) {
                unsigned b = thorough && ph->nblocks <= 48u ? k : rnd(m, ph->nblocks);
                if (ph->at[b] >= ph->len)
                    continue;
                uint64_t end = ph->at[b] + ph->blk[b].size;
                if (end > ph->len)
                    end = ph->len;
                off[n++] = ph->at[b];
                off[n++] = end - SZ_4K;
            }
            if (ph->len < r->len)           /* the first unmapped page of a prefix backing */
                off[n++] = ph->len;
        }
    }
    for (unsigned k = 0; k < n; k++)
        off[k] += rnd(m, SZ_4K / 4) * 4u;
    return n;
}

/* The given offsets of reservation ri, on every device, against the reference. */
static void check_res_offsets(struct model *m, unsigned ri, const uint64_t *off, unsigned n)
{
    const struct mres *r = &m->res[ri];

    for (unsigned k = 0; k < n; k++) {
        uint32_t pa = 0, got = 0;
        bool mapped = res_maps(m, r, off[k], &pa);
        /* The software view agrees with the reference too. */
        int ret = vcm_res_phys_addr(r->h, (size_t)off[k], &got);
        EXPECT_EQ(ret, mapped ? 0 : -EINVAL);
        if (mapped)
            EXPECT_EQ(got, pa);
        for (unsigned d = 0; d < m->sc->ndev; d++) {
            if (!dev_active(m, d))
                continue;
            check_page(m, d, r->addr + (uint32_t)off[k], mapped && m->vcm[r->vcm].av[d], pa,
                       r->attr);
        }
    }
    if (r->guard)
        for (unsigned d = 0; d < m->sc->ndev; d++)
            if (dev_active(m, d))
                check_page(m, d, r->addr + (uint32_t)r->len + rnd(m, SZ_4K / 4) * 4u, false,
                           0, r->attr);
}

/*
 * A random device address on device d, anywhere or around a random reservation (its
 * neighbours, its guard page): mapped only where a backed reservation says.
 */
static void check_probe(struct model *m, unsigned d, bool near)
{
    uint32_t va = rnd(m, PROBE_END / 4) * 4u;
    uint32_t pa = 0, attr = 0;
    int ri = pick_res(m, -1);

    if (near && ri >= 0) {
        const struct mres *r = &m->res[ri];
        uint32_t lo = r->addr > SZ_64K ? r->addr - SZ_64K : 0;
        va = lo + rnd(m, (uint32_t)(r->addr - lo + r->len + SZ_64K) / 4) * 4u;
    }
    bool mapped = false;

    for (unsigned i = 0; i < MAX_RES; i++) {
        const struct mres *r = &m->res[i];
        if (!r->live || !m->vcm[r->vcm].av[d] || va < r->addr || va - r->addr >= r->len)
            continue;
        mapped = res_maps(m, r, va - r->addr, &pa);
        attr = r->attr;
    }
    check_page(m, d, va, mapped, pa, attr);
}

/* ---- The full comparison after each step ------------------------------------------------- */

static void check_vcms(struct model *m)
{
    for (unsigned v = 0; v < NVCM; v++) {
        const struct mvcm *mv = &m->vcm[v];
        if (!mv->live)
            continue;
        EXPECT_EQ(vcm_get_type(mv->h), VCM_TYPE_IOMMU);
        EXPECT_EQ(vcm_get_start_addr(mv->h), mv->start);
        EXPECT_EQ(vcm_get_len(mv->h), mv->len);

        struct span sp[MAX_RES];
        unsigned n = 0;
        struct vcm_map_mix want = { { 0 }, 0 }, got;
        for (unsigned i = 0; i < MAX_RES; i++) {
            const struct mres *r = &m->res[i];
            if (!r->live || r->vcm != v)
                continue;
            /* The layer's own view of the reservation. */
            uint32_t addr = vcm_get_dev_addr(r->h);
            EXPECT_EQ(addr, r->addr);
            EXPECT_EQ(vcm_get_res_len(r->h), r->len);
            EXPECT_EQ(vcm_get_res_attr(r->h), r->attr);
            EXPECT_TRUE(vcm_get_vcm_from_res(r->h) == mv->h);
            EXPECT_EQ(vcm_res_is_backed(r->h), r->phys >= 0);
            EXPECT_TRUE(vcm_res_physmem(r->h) == (r->phys >= 0 ? m->phys[r->phys].h : NULL));
            EXPECT_TRUE(vcm_find_res(mv->h, addr) == r->h);
            EXPECT_TRUE(vcm_find_res(mv->h, addr + (uint32_t)r->len - 1) == r->h);
            if (r->guard)
                EXPECT_TRUE(vcm_find_res(mv->h, addr + (uint32_t)r->len) == NULL);
            /* Inside the VCM, guard page included. */
            EXPECT_TRUE(addr >= mv->start);
            EXPECT_TRUE(addr + r->len + (r->guard ? SZ_4K : 0) <= mv->start + mv->len);
            sp[n].start = addr;
            sp[n].end = addr + r->len + (r->guard ? SZ_4K : 0);
            n++;
            struct vcm_map_mix mx;
            EXPECT_EQ(vcm_res_mix(r->h, &mx), 0);
            for (unsigned ps = 0; ps < PAGE_SIZES; ps++) {
                EXPECT_EQ(mx.count[ps], r->phys >= 0 ? r->mix.count[ps] : 0);
                want.count[ps] += r->phys >= 0 ? r->mix.count[ps] : 0;
            }
            EXPECT_EQ(mx.total, r->phys >= 0 ? r->mix.total : 0);
            want.total += r->phys >= 0 ? r->mix.total : 0;
        }
        /* No two live reservations (with their guard pages) overlap. */
        sort_spans(sp, n);
        for (unsigned k = 1; k < n; k++)
            EXPECT_TRUE(sp[k - 1].end <= sp[k].start);
        EXPECT_EQ(vcm_mix(mv->h, &got), 0);
        for (unsigned ps = 0; ps < PAGE_SIZES; ps++)
            EXPECT_EQ(got.count[ps], want.count[ps]);
        EXPECT_EQ(got.total, want.total);
    }
}

/*
 * Every block inside its pool's region (the regions are disjoint by the layout) and
 * taken by one allocation only; contiguous ranges inside the contiguous pool and
 * pairwise disjoint; the target's counters agree with the reference.
 */
static void check_phys(struct model *m)
{
    unsigned used[PHYS_NPOOLS] = { 0 }, ncont = 0, live = 0;
    struct span *cont = m->spans;

    memset(m->seen, 0, sizeof(m->seen));
    for (unsigned i = 0; i < MAX_PHYS; i++) {
        const struct mphys *ph = &m->phys[i];
        if (!ph->live)
            continue;
        live++;
        EXPECT_EQ(vcm_phys_len(ph->h), ph->len);
        const struct phys_alloc *a = vcm_phys_blocks(ph->h);
        EXPECT_TRUE(a != NULL);
        EXPECT_EQ(a->nblocks, ph->nblocks);
        for (uint32_t k = 0; k < ph->nblocks; k++) {
            const struct phys_block *b = &a->blocks[k];
            EXPECT_EQ(b->pa, ph->blk[k].pa);
            EXPECT_EQ(b->size, ph->blk[k].size);
            EXPECT_EQ(b->pool, ph->blk[k].pool);
            if (b->pool == PHYS_POOL_CONT) {
                EXPECT_TRUE(b->pa >= CONT_BASE && (uint64_t)b->pa + b->size <= CONT_BASE +
                            (uint64_t)CONT_SIZE);
                EXPECT_EQ(b->pa % SZ_4K, 0);
                for (unsigned c = 0; c < ncont; c++)
                    EXPECT_TRUE(b->pa >= cont[c].end || b->pa + (uint64_t)b->size <= cont[c].start);
                cont[ncont].start = b->pa;
                cont[ncont].end = (uint64_t)b->pa + b->size;
                ncont++;
                continue;
            }
            EXPECT_TRUE(b->pool < PHYS_NPOOLS);
            const struct pool_desc *pd = &pool_desc[b->pool];
            EXPECT_EQ(b->size, 1u << pd->shift);
            EXPECT_EQ(b->pa % b->size, 0);
            EXPECT_TRUE(b->pa >= pd->base &&
                        (uint64_t)b->pa + b->size <= pd->base + ((uint64_t)pd->n << pd->shift));
            unsigned idx = (b->pa - pd->base) >> pd->shift;
            EXPECT_EQ(m->seen[b->pool][idx], 0);        /* not handed out twice */
            m->seen[b->pool][idx] = 1;
            used[b->pool]++;
        }
    }

    struct phys_target_stats st;
    phys_target_stats(m->tp.mem, &st);
    for (unsigned id = 0; id < PHYS_NPOOLS; id++) {
        EXPECT_EQ(st.pool[id].used, used[id]);
        EXPECT_EQ(st.pool[id].used, m->pools.nused[id]);
    }
    EXPECT_EQ(st.cont.live, ncont);
    EXPECT_EQ(st.live_allocs, live);
}

/*
 * Per context: the driver's net mapping counts per page size and its L2 tables are
 * those of the backed reservations of the VCMs associated with it; activation as
 * the reference says; then every reservation's sampled pages (the one the step
 * touched in more detail) and a few random addresses.
 */
static void check_hw(struct model *m, int touched)
{
    uint64_t off[SAMPLE_MAX];

    for (unsigned d = 0; d < m->sc->ndev; d++) {
        struct smmu_dev *sd = vcm_dev_smmu(m->dev[d]);
        const struct smmu_dev_stats *st = smmu_dev_stats(sd);
        uint64_t want[PAGE_SIZES] = { 0 }, l2[L1_WORDS] = { 0 }, l2v[NVCM][L1_WORDS];
        unsigned tables = 0;

        memset(l2v, 0, sizeof(l2v));
        for (unsigned i = 0; i < MAX_RES; i++) {
            const struct mres *r = &m->res[i];
            if (!r->live || r->phys < 0 || !m->vcm[r->vcm].av[d])
                continue;
            for (unsigned ps = 0; ps < PAGE_SIZES; ps++)
                want[ps] += r->mix.count[ps];
            for (unsigned w = 0; w < L1_WORDS; w++) {
                l2[w] |= r->l2[w];
                l2v[r->vcm][w] |= r->l2[w];
            }
        }
        /* Counted to show the run reached it: one L2 table holding pages of A and B. */
        for (unsigned w = 0; w < L1_WORDS; w++)
            if (l2v[VCM_A][w] & l2v[VCM_B][w]) {
                m->shared_l2++;
                break;
            }
        for (unsigned ps = 0; ps < PAGE_SIZES; ps++)
            EXPECT_EQ(st->maps[ps] - st->unmaps[ps], want[ps]);
        for (unsigned w = 0; w < L1_WORDS; w++)
            tables += (unsigned)__builtin_popcountll(l2[w]);
        EXPECT_EQ(st->l2_tables, tables);

        for (unsigned v = 0; v < NVCM; v++)
            if (m->vcm[v].live && m->vcm[v].av[d])
                EXPECT_EQ(vcm_is_active(m->vcm[v].av[d]), m->vcm[v].active[d]);
        if (dev_active(m, d)) {
            EXPECT_EQ(smmu_is_active(sd), 1);
            for (unsigned k = 0; k < PROBES_PER_DEV; k++)
                check_probe(m, d, k > 0);
        } else {
            check_dev_off(m, d, A_START + rnd(m, (A_END - A_START) / 4) * 4u);
        }
    }
    for (unsigned i = 0; i < MAX_RES; i++) {
        if (!m->res[i].live)
            continue;
        unsigned n = res_samples(m, &m->res[i], (int)i == touched, off);
        check_res_offsets(m, i, off, n);
    }
}

static void check_all(struct model *m, int touched)
{
    check_vcms(m);
    check_phys(m);
    check_hw(m, touched);
}

/* ---- Random arguments ------------------------------------------------------------------------ */

/* Mostly whole pages; one in five not a whole number of pages. */
static uint64_t gen_len(struct model *m)
{
    unsigned k = rnd(m, 100);
    uint64_t len;

    if (k < 40)
        len = (1 + rnd(m, 16)) * (uint64_t)SZ_4K;
    else if (k < 65)
        len = (1 + rnd(m, 15)) * (uint64_t)SZ_64K + rnd(m, 3) * (uint64_t)SZ_4K;
    else if (k < 85)
        len = (1 + rnd(m, 5)) * (uint64_t)SZ_1M + rnd(m, 4) * (uint64_t)SZ_64K +
              rnd(m, 2) * (uint64_t)SZ_4K;
    else if (k < 93)
        len = SZ_16M + rnd(m, 2) * (uint64_t)SZ_1M;
    else
        len = (1 + rnd(m, 64)) * (uint64_t)SZ_4K + rnd(m, 8) * (uint64_t)SZ_64K;
    if (chance(m, 20))
        len -= 1 + rnd(m, SZ_4K - 1);
    return len;
}

static uint32_t gen_res_attr(struct model *m, uint64_t len)
{
    static const uint32_t perm[] = { VCM_READ, VCM_WRITE, VCM_READ | VCM_WRITE,
                                     VCM_READ | VCM_WRITE };
    static const uint32_t priv[] = { 0, VCM_USER, VCM_SUPERVISOR, VCM_USER | VCM_SUPERVISOR };
    static const unsigned orders[] = { 12, 13, 16, 18, 20, 21, 24 };
    uint32_t attr = perm[rnd(m, 4)] | priv[rnd(m, 4)] | rnd(m, VCM_WT + 1);

    if (chance(m, 25))
        attr |= VCM_EXECUTE;
    if (len >= SZ_16M && chance(m, 90))
        attr |= VCM_ALIGN_ATTR(24);     /* default alignment stops at 1 MiB */
    else if (chance(m, 25))
        attr |= VCM_ALIGN_ATTR(orders[rnd(m, sizeof(orders) / sizeof(orders[0]))]);
    return attr;
}

/* ---- Operations ------------------------------------------------------------------------------ */

static void op_reserve(struct model *m)
{
    unsigned v = m->vcm[VCM_B].live && chance(m, 35) ? VCM_B : VCM_A;
    struct mvcm *mv = &m->vcm[v];
    int slot = free_res_slot(m);
    uint64_t len = gen_len(m);
    uint32_t attr = gen_res_attr(m, len);
    unsigned order = VCM_ALIGN_ORDER(attr);
    uint64_t align = order ? 1ull << order : default_align(round_page(len));
    uint64_t span = round_page(len) + (mv->guard ? SZ_4K : 0);
    struct span sp[MAX_RES];
    unsigned n = 0;
    uint64_t want = 0;

    assert_true(slot >= 0);
    for (unsigned i = 0; i < MAX_RES; i++) {
        const struct mres *r = &m->res[i];
        if (r->live && r->vcm == v) {
            sp[n].start = r->addr;
            sp[n].end = r->addr + r->len + (r->guard ? SZ_4K : 0);
            n++;
        }
    }
    bool fits = ref_fit(mv->start, mv->start + mv->len, sp, n, span, align, &want);
    struct res *h = vcm_reserve(mv->h, (size_t)len, attr);
    if (!fits) {
        EXPECT_TRUE(h == NULL);
        expect_message(m);
        m->refused[m->op]++;
        return;
    }
    EXPECT_TRUE(h != NULL);
    EXPECT_EQ(vcm_get_dev_addr(h), want);
    struct mres *r = &m->res[slot];
    memset(r, 0, sizeof(*r));
    r->live = true;
    r->h = h;
    r->vcm = v;
    r->addr = (uint32_t)want;
    r->raw_len = len;
    r->len = round_page(len);
    r->guard = mv->guard;
    r->attr = attr;
    r->policy = -1;
    r->phys = -1;
    /* Some reservations get their own mapping policy before they are backed. */
    if (chance(m, 25)) {
        enum vcm_map_policy pol = (enum vcm_map_policy)rnd(m, VCM_MAP_NPOLICIES);
        EXPECT_EQ(vcm_res_set_policy(h, pol), 0);
        r->policy = (int)pol;
    }
    m->ok[m->op]++;
}

/* Arguments every reservation must refuse, whatever the state. */
static void op_reserve_bad(struct model *m)
{
    unsigned v = m->vcm[VCM_B].live && chance(m, 35) ? VCM_B : VCM_A;
    const uint32_t rw = VCM_READ | VCM_WRITE;
    uint64_t len = SZ_4K;
    uint32_t attr = rw;

    switch (rnd(m, 6)) {
    case 0: len = 0; break;
    case 1: len = m->vcm[v].len + (1 + rnd(m, 16)) * (uint64_t)SZ_4K; break;   /* > the VCM */
    case 2: attr = VCM_EXECUTE | VCM_USER; break;                   /* neither R nor W */
    case 3: attr = rw | (VCM_WT + 1 + rnd(m, VCM_CACHE_POLICY_MASK - VCM_WT)); break;
    case 4: attr = rw | VCM_ALIGN_ATTR(1 + rnd(m, 11)); break;      /* orders 1..11 */
    default: attr = rw | (1u << (15 + rnd(m, 17))); break;          /* unknown bits */
    }
    EXPECT_TRUE(vcm_reserve(m->vcm[v].h, (size_t)len, attr) == NULL);
    expect_message(m);
    m->refused[m->op]++;
}

/* Mostly the length of an unbacked reservation (or less), so that backing can follow. */
static uint64_t gen_phys_len(struct model *m)
{
    int ri = pick_res(m, 0);
    unsigned k = rnd(m, 100);

    if (ri >= 0 && k < 65)
        return chance(m, 50) ? m->res[ri].len : m->res[ri].raw_len;
    if (ri >= 0 && k < 75 && m->res[ri].len > SZ_4K)
        return (1 + rnd(m, (uint32_t)(m->res[ri].len / SZ_4K) - 1)) * (uint64_t)SZ_4K;
    return gen_len(m);
}

static uint32_t gen_phys_attr(struct model *m, uint64_t len)
{
    static const uint32_t block_attrs[] = {
        VCM_ALL, VCM_ALL | VCM_COHERENT, VCM_1MB | VCM_64KB, VCM_64KB | VCM_4KB, VCM_4KB,
        VCM_1MB | VCM_4KB, VCM_ALL | VCM_4KB, VCM_64KB, VCM_1MB,
    };
    static const unsigned cont_orders[] = { 12, 16, 20, 24 };

    if (len >= SZ_16M && chance(m, 80))
        return VCM_ALL;         /* the only way to a 16M block, hence to supersections */
    if (chance(m, 22))
        return VCM_PHYS_CONT | (chance(m, 30) ? VCM_ALIGN_ATTR(cont_orders[rnd(m, 4)]) : 0);
    return block_attrs[rnd(m, sizeof(block_attrs) / sizeof(block_attrs[0]))];
}

/*
 * The reference's allocation: 0 and the blocks in m->scratch (pool blocks marked
 * taken), or -ENOMEM with nothing taken.
 */
static int ref_phys_alloc(struct model *m, uint64_t len, uint32_t attr, uint32_t *nb)
{
    if (attr & VCM_PHYS_CONT) {
        struct span sp[MAX_PHYS];
        unsigned n = 0, order = VCM_ALIGN_ORDER(attr);
        uint64_t pa = 0;

        for (unsigned i = 0; i < MAX_PHYS; i++) {
            if (m->phys[i].live && m->phys[i].cont) {
                sp[n].start = m->phys[i].blk[0].pa;
                sp[n].end = sp[n].start + m->phys[i].blk[0].size;
                n++;
            }
        }
        if (!ref_fit(CONT_BASE, CONT_BASE + (uint64_t)CONT_SIZE, sp, n, round_page(len),
                     order ? 1ull << order : default_align(round_page(len)), &pa))
            return -ENOMEM;
        m->scratch[0].pa = (uint32_t)pa;
        m->scratch[0].size = (uint32_t)round_page(len);
        m->scratch[0].pool = PHYS_POOL_CONT;
        *nb = 1;
        return 0;
    }
    unsigned mask = 0;
    if (attr & VCM_ALL)
        mask |= PHYS_SZ_ALL;
    if (attr & VCM_1MB)
        mask |= PHYS_SZ_1M;
    if (attr & VCM_64KB)
        mask |= PHYS_SZ_64K;
    if (attr & VCM_4KB)
        mask |= PHYS_SZ_4K;
    return ref_alloc_blocks(&m->pools, round_page(len), mask, m->scratch, nb);
}

static void op_phys_alloc(struct model *m)
{
    int slot = free_phys_slot(m);
    uint64_t len = gen_phys_len(m);
    uint32_t attr = gen_phys_attr(m, len);
    uint32_t nb = 0;

    assert_true(slot >= 0);
    int want = ref_phys_alloc(m, len, attr, &nb);
    struct vcm_physmem *h = vcm_phys_alloc(m->p, VCM_MEMTYPE_0, (size_t)len, attr);
    if (want) {
        EXPECT_TRUE(h == NULL);
        expect_message(m);
        m->refused[m->op]++;
        return;
    }
    EXPECT_TRUE(h != NULL);
    const struct phys_alloc *a = vcm_phys_blocks(h);
    EXPECT_TRUE(a != NULL);
    EXPECT_EQ(vcm_phys_len(h), round_page(len));
    EXPECT_EQ(a->len, round_page(len));   /* the rounded length is what is asked of the pools */
    EXPECT_EQ(a->nblocks, nb);
    uint64_t total = 0;
    for (uint32_t i = 0; i < nb; i++) {
        EXPECT_EQ(a->blocks[i].pa, m->scratch[i].pa);
        EXPECT_EQ(a->blocks[i].size, m->scratch[i].size);
        EXPECT_EQ(a->blocks[i].pool, m->scratch[i].pool);
        total += m->scratch[i].size;
    }
    EXPECT_EQ(a->total, total);

    struct mphys *ph = &m->phys[slot];
    memset(ph, 0, sizeof(*ph));
    ph->live = true;
    ph->h = h;
    ph->len = round_page(len);
    ph->cont = attr & VCM_PHYS_CONT;
    ph->nblocks = nb;
    ph->blk = malloc(nb * sizeof(*ph->blk));
    ph->at = malloc(nb * sizeof(*ph->at));
    assert_non_null(ph->blk);
    assert_non_null(ph->at);
    memcpy(ph->blk, m->scratch, nb * sizeof(*ph->blk));
    for (uint32_t i = 0, at = 0; i < nb; at += ph->blk[i].size, i++)
        ph->at[i] = at;
    m->ok[m->op]++;
}

/* Records a backing the layer accepted, with the plan the reference expects. */
static void ref_back(struct model *m, unsigned ri, unsigned pi)
{
    struct mres *r = &m->res[ri];
    struct mphys *ph = &m->phys[pi];
    enum vcm_map_policy pol = r->policy >= 0 ? (enum vcm_map_policy)r->policy : m->policy;

    r->phys = (int)pi;
    ph->backers++;
    ref_plan(r->addr, ph->blk, ph->nblocks, ph->len, pol, &r->mix, r->l2);
    for (unsigned ps = 0; ps < PAGE_SIZES; ps++)
        m->mapped[ps] += r->mix.count[ps];
}

static void ref_unback(struct model *m, unsigned ri)
{
    struct mres *r = &m->res[ri];

    m->phys[r->phys].backers--;
    r->phys = -1;
    memset(&r->mix, 0, sizeof(r->mix));
    memset(r->l2, 0, sizeof(r->l2));
}

/* Returns the reservation the step backed, or -1. */
static int op_back(struct model *m, bool prefix)
{
    int ri, pi = -1;

    if (chance(m, 75)) {
        /* An unbacked reservation and an allocation that fits it, if there is a pair. */
        unsigned rs = rnd(m, MAX_RES), ps = rnd(m, MAX_PHYS);
        ri = -1;
        for (unsigned j = 0; j < MAX_RES && pi < 0; j++) {
            const struct mres *r = &m->res[(rs + j) % MAX_RES];
            if (!r->live || r->phys >= 0)
                continue;
            for (unsigned k = 0; k < MAX_PHYS && pi < 0; k++) {
                const struct mphys *ph = &m->phys[(ps + k) % MAX_PHYS];
                if (ph->live && (prefix ? ph->len <= r->len : ph->len == r->len)) {
                    ri = (int)((rs + j) % MAX_RES);
                    pi = (int)((ps + k) % MAX_PHYS);
                }
            }
        }
        if (pi < 0) {
            ri = pick_res(m, 0);
            pi = pick_phys(m, -1);
        }
    } else {
        ri = pick_res(m, -1);
        pi = pick_phys(m, -1);
    }
    if (ri < 0 || pi < 0)
        return -1;

    struct mres *r = &m->res[ri];
    struct mphys *ph = &m->phys[pi];
    bool busy = r->phys >= 0;
    bool size_bad = prefix ? ph->len > r->len : ph->len != r->len;
    int ret = prefix ? vcm_back_prefix(r->h, ph->h) : vcm_back(r->h, ph->h);
    if (busy || size_bad) {
        /* Both wrong: the documentation does not say which check comes first. */
        if (busy && size_bad)
            EXPECT_TRUE(ret == -EBUSY || ret == -EINVAL);
        else
            EXPECT_EQ(ret, busy ? -EBUSY : -EINVAL);
        expect_message(m);
        m->refused[m->op]++;
        return -1;
    }
    EXPECT_EQ(ret, 0);
    ref_back(m, (unsigned)ri, (unsigned)pi);
    m->ok[m->op]++;
    return ri;
}

/*
 * Unback: the pages are touched first (they are in the TLBs), and after the call the
 * same pages must fault: the invalidation reached every context.
 */
static int op_unback(struct model *m)
{
    int ri = pick_res(m, chance(m, 80) ? 1 : 0);
    uint64_t off[SAMPLE_MAX];

    if (ri < 0)
        return -1;
    struct mres *r = &m->res[ri];
    if (r->phys < 0) {
        EXPECT_EQ(vcm_unback(r->h), -EINVAL);
        expect_message(m);
        m->refused[m->op]++;
        return ri;
    }
    unsigned n = res_samples(m, r, true, off);
    check_res_offsets(m, (unsigned)ri, off, n);
    EXPECT_EQ(vcm_unback(r->h), 0);
    ref_unback(m, (unsigned)ri);
    check_res_offsets(m, (unsigned)ri, off, n);
    if (chance(m, 20))
        EXPECT_EQ(vcm_unback(r->h), -EINVAL);
    m->ok[m->op]++;
    return ri;
}

static void op_unreserve(struct model *m)
{
    int ri = pick_res(m, chance(m, 75) ? 0 : 1);

    if (ri < 0)
        return;
    struct mres *r = &m->res[ri];
    if (r->phys >= 0) {
        EXPECT_EQ(vcm_unreserve(r->h), -EBUSY);
        expect_message(m);
        m->refused[m->op]++;
        return;
    }
    EXPECT_EQ(vcm_unreserve(r->h), 0);
    /* The handle is dead and nothing was allocated since: a second call is refused. */
    if (chance(m, 30))
        EXPECT_EQ(vcm_unreserve(r->h), -EINVAL);
    memset(r, 0, sizeof(*r));
    m->ok[m->op]++;
}

static void op_phys_free(struct model *m)
{
    int pi = pick_phys(m, chance(m, 75) ? 0 : 1);

    if (pi < 0)
        return;
    struct mphys *ph = &m->phys[pi];
    if (ph->backers) {
        EXPECT_EQ(vcm_phys_free(ph->h), -EBUSY);
        expect_message(m);
        m->refused[m->op]++;
        return;
    }
    EXPECT_EQ(vcm_phys_free(ph->h), 0);
    if (chance(m, 30))
        EXPECT_EQ(vcm_phys_free(ph->h), -EINVAL);
    if (!ph->cont)
        ref_free_blocks(&m->pools, ph->blk, ph->nblocks);
    phys_forget(ph);
    m->ok[m->op]++;
}

static void op_res_policy(struct model *m)
{
    int ri = pick_res(m, -1);

    if (ri < 0)
        return;
    struct mres *r = &m->res[ri];
    if (chance(m, 10)) {
        EXPECT_EQ(vcm_res_set_policy(r->h, VCM_MAP_NPOLICIES), -EINVAL);
        expect_message(m);
        m->refused[m->op]++;
        return;
    }
    enum vcm_map_policy pol = (enum vcm_map_policy)rnd(m, VCM_MAP_NPOLICIES);
    int ret = vcm_res_set_policy(r->h, pol);
    if (r->phys >= 0) {
        EXPECT_EQ(ret, -EBUSY);
        expect_message(m);
        m->refused[m->op]++;
        return;
    }
    EXPECT_EQ(ret, 0);
    r->policy = (int)pol;
    m->ok[m->op]++;
}

/* Only later backings see a new platform policy. */
static void op_plat_policy(struct model *m)
{
    enum vcm_map_policy pol = (enum vcm_map_policy)rnd(m, VCM_MAP_NPOLICIES);

    EXPECT_EQ(vcm_platform_set_policy(m->p, pol), 0);
    EXPECT_EQ(vcm_platform_policy(m->p), pol);
    m->policy = pol;
    m->ok[m->op]++;
}

static void op_guard(struct model *m)
{
    unsigned v = m->vcm[VCM_B].live && chance(m, 50) ? VCM_B : VCM_A;

    EXPECT_EQ(vcm_set_guard(m->vcm[v].h, !m->vcm[v].guard), 0);
    m->vcm[v].guard = !m->vcm[v].guard;
    m->ok[m->op]++;
}

/* A random association (VCM v, device d); false if there is none. */
static bool pick_assoc(struct model *m, unsigned *v, unsigned *d)
{
    unsigned start = rnd(m, NVCM * MAX_DEV);

    for (unsigned k = 0; k < NVCM * MAX_DEV; k++) {
        unsigned i = (start + k) % (NVCM * MAX_DEV);
        *v = i / MAX_DEV;
        *d = i % MAX_DEV;
        if (*d < m->sc->ndev && m->vcm[*v].live && m->vcm[*v].av[*d])
            return true;
    }
    return false;
}

/*
 * Take device d down (every active association deactivated), unback a reservation
 * that was mapped in it while it was down, bring it up again: the pages touched
 * before must fault now (the deactivation emptied the TLB of the context).
 */
static bool bounce(struct model *m, unsigned d)
{
    uint64_t off[SAMPLE_MAX];
    int ri = -1;
    bool was[NVCM];

    for (unsigned i = 0; i < MAX_RES && ri < 0; i++)
        if (m->res[i].live && m->res[i].phys >= 0 && m->vcm[m->res[i].vcm].av[d])
            ri = (int)i;
    if (ri < 0 || !dev_active(m, d))
        return false;
    unsigned n = res_samples(m, &m->res[ri], false, off);
    check_res_offsets(m, (unsigned)ri, off, n);
    for (unsigned v = 0; v < NVCM; v++) {
        was[v] = m->vcm[v].live && m->vcm[v].av[d] && m->vcm[v].active[d];
        if (was[v]) {
            EXPECT_EQ(vcm_deactivate(m->vcm[v].av[d]), 0);
            m->vcm[v].active[d] = false;
        }
    }
    check_dev_off(m, d, m->res[ri].addr);
    EXPECT_EQ(vcm_unback(m->res[ri].h), 0);
    ref_unback(m, (unsigned)ri);
    for (unsigned v = 0; v < NVCM; v++) {
        if (was[v]) {
            EXPECT_EQ(vcm_activate(m->vcm[v].av[d]), 0);
            m->vcm[v].active[d] = true;
        }
    }
    check_res_offsets(m, (unsigned)ri, off, n);
    return true;
}

static void op_activation(struct model *m)
{
    unsigned v, d;

    if (!pick_assoc(m, &v, &d))
        return;
    struct mvcm *mv = &m->vcm[v];
    unsigned k = rnd(m, 10);
    if (k == 0) {
        /* Activating an active association, deactivating an inactive one. */
        if (mv->active[d])
            EXPECT_EQ(vcm_activate(mv->av[d]), -EBUSY);
        else
            EXPECT_EQ(vcm_deactivate(mv->av[d]), -EINVAL);
        expect_message(m);
        m->refused[m->op]++;
        return;
    }
    if (k < 4 && bounce(m, d)) {
        m->ok[m->op]++;
        return;
    }
    if (mv->active[d]) {
        EXPECT_EQ(vcm_deactivate(mv->av[d]), 0);
        mv->active[d] = false;
    } else {
        EXPECT_EQ(vcm_activate(mv->av[d]), 0);
        mv->active[d] = true;
    }
    m->ok[m->op]++;
}

static void assoc_b(struct model *m, unsigned d)
{
    struct mvcm *mv = &m->vcm[VCM_B];

    /* B's backed reservations are written into the context as it joins. */
    mv->av[d] = vcm_assoc(mv->h, m->dev[d], 0);
    EXPECT_TRUE(mv->av[d] != NULL);
    if (chance(m, 75)) {
        EXPECT_EQ(vcm_activate(mv->av[d]), 0);
        mv->active[d] = true;
    }
}

/* Deassociate B from d, checking B's pages fault there afterwards. */
static void deassoc_b(struct model *m, unsigned d)
{
    struct mvcm *mv = &m->vcm[VCM_B];
    uint64_t (*off)[SAMPLE_MAX] = m->warm;
    unsigned n[MAX_RES] = { 0 };

    for (unsigned i = 0; i < MAX_RES; i++)
        if (m->res[i].live && m->res[i].vcm == VCM_B && m->res[i].phys >= 0) {
            n[i] = res_samples(m, &m->res[i], false, off[i]);
            check_res_offsets(m, i, off[i], n[i]);
        }
    if (mv->active[d]) {
        EXPECT_EQ(vcm_deactivate(mv->av[d]), 0);
        mv->active[d] = false;
    }
    EXPECT_EQ(vcm_deassoc(mv->av[d]), 0);
    mv->av[d] = NULL;
    for (unsigned i = 0; i < MAX_RES; i++)
        if (n[i])
            check_res_offsets(m, i, off[i], n[i]);
}

/* The second VCM: created, associated, deassociated, freed, over the run. */
static void op_vcm_b(struct model *m)
{
    struct mvcm *mv = &m->vcm[VCM_B];

    if (!mv->live) {
        memset(mv, 0, sizeof(*mv));
        mv->h = vcm_create(m->p, B_START, B_END - B_START);
        EXPECT_TRUE(mv->h != NULL);
        mv->live = true;
        mv->start = B_START;
        mv->len = B_END - B_START;
        if (chance(m, 50)) {
            EXPECT_EQ(vcm_set_guard(mv->h, true), 0);
            mv->guard = true;
        }
        for (unsigned d = 0; d < m->sc->ndev; d++)
            if (chance(m, 60) || (d == m->sc->ndev - 1 && !vcm_has_assoc(m, VCM_B)))
                assoc_b(m, d);
        m->ok[m->op]++;
        return;
    }
    unsigned k = rnd(m, 10);
    if (k < 5) {
        unsigned d = rnd(m, m->sc->ndev);
        if (!mv->av[d]) {
            assoc_b(m, d);
        } else if (mv->active[d] && chance(m, 30)) {
            EXPECT_EQ(vcm_deassoc(mv->av[d]), -EBUSY);
            expect_message(m);
            m->refused[m->op]++;
            return;
        } else {
            deassoc_b(m, d);
        }
        m->ok[m->op]++;
    } else if (k < 8) {
        bool busy = res_of_vcm(m, VCM_B) || vcm_has_assoc(m, VCM_B);
        int ret = vcm_free(mv->h);
        EXPECT_EQ(ret, busy ? -EBUSY : 0);
        if (busy) {
            expect_message(m);
            m->refused[m->op]++;
            return;
        }
        EXPECT_EQ(vcm_free(mv->h), -EINVAL);
        memset(mv, 0, sizeof(*mv));
        m->ok[m->op]++;
    } else {
        /* Tear B down in order, each call checked. */
        for (unsigned i = 0; i < MAX_RES; i++) {
            struct mres *r = &m->res[i];
            if (!r->live || r->vcm != VCM_B)
                continue;
            if (r->phys >= 0) {
                EXPECT_EQ(vcm_unback(r->h), 0);
                ref_unback(m, i);
            }
            EXPECT_EQ(vcm_unreserve(r->h), 0);
            memset(r, 0, sizeof(*r));
        }
        for (unsigned d = 0; d < m->sc->ndev; d++)
            if (mv->av[d])
                deassoc_b(m, d);
        EXPECT_EQ(vcm_free(mv->h), 0);
        memset(mv, 0, sizeof(*mv));
        m->ok[m->op]++;
    }
}

/* A is associated for the whole run: freeing it is always refused. */
static void op_free_a(struct model *m)
{
    EXPECT_EQ(vcm_free(m->vcm[VCM_A].h), -EBUSY);
    expect_message(m);
    m->refused[m->op]++;
}

/* Associations the layer must refuse: twice the same, an overlap, a bad side. */
static void op_assoc_bad(struct model *m)
{
    unsigned d = rnd(m, m->sc->ndev);
    struct vcm *tmp = NULL;

    switch (rnd(m, 3)) {
    case 0:
        EXPECT_TRUE(vcm_assoc(m->vcm[VCM_A].h, m->dev[d], 0) == NULL);
        break;
    case 1:
        /* [B_END - 1M, B_END + 1M) overlaps A (and B's range). */
        tmp = vcm_create(m->p, B_END - SZ_1M, 2 * SZ_1M);
        EXPECT_TRUE(tmp != NULL);
        EXPECT_TRUE(vcm_assoc(tmp, m->dev[d], 0) == NULL);
        expect_message(m);
        EXPECT_EQ(vcm_free(tmp), 0);
        break;
    default:
        EXPECT_TRUE(vcm_assoc(m->vcm[VCM_A].h, m->dev[d], VCM_USE_LOW_BASE) == NULL);
        break;
    }
    expect_message(m);
    m->refused[m->op]++;
}

/* ---- The run ------------------------------------------------------------------------------- */

static enum op pick_op(struct model *m)
{
    unsigned r = rnd(m, 1000), acc = 0;

    for (unsigned op = 0; op < NOPS; op++) {
        acc += op_weight[op];
        if (r < acc)
            return (enum op)op;
    }
    return OP_RESERVE;
}

static void run_step(struct model *m)
{
    int touched = -1;

    m->op = pick_op(m);
    if (m->op == OP_RESERVE && count_res(m) >= MAX_RES)
        m->op = OP_UNRESERVE;
    if (m->op == OP_PHYS_ALLOC && count_phys(m) >= MAX_PHYS)
        m->op = OP_PHYS_FREE;
    if (m->op == OP_PLAT_POLICY && !m->sc->vary_policy)
        m->op = OP_RES_POLICY;

    switch (m->op) {
    case OP_RESERVE:        op_reserve(m); break;
    case OP_RESERVE_BAD:    op_reserve_bad(m); break;
    case OP_PHYS_ALLOC:     op_phys_alloc(m); break;
    case OP_BACK:           touched = op_back(m, false); break;
    case OP_BACK_PREFIX:    touched = op_back(m, true); break;
    case OP_UNBACK:         touched = op_unback(m); break;
    case OP_UNRESERVE:      op_unreserve(m); break;
    case OP_PHYS_FREE:      op_phys_free(m); break;
    case OP_RES_POLICY:     op_res_policy(m); break;
    case OP_PLAT_POLICY:    op_plat_policy(m); break;
    case OP_GUARD:          op_guard(m); break;
    case OP_ACTIVATION:     op_activation(m); break;
    case OP_VCM_B:          op_vcm_b(m); break;
    case OP_FREE_A:         op_free_a(m); break;
    default:                op_assoc_bad(m); break;
    }
    check_all(m, touched);
}

/* VCM A, associated with and activated on every device of the scenario. */
static void start(struct model *m)
{
    struct mvcm *a = &m->vcm[VCM_A];

    for (unsigned d = 0; d < m->sc->ndev; d++) {
        m->dev[d] = vcm_dev_get(m->p, m->sc->dev[d]->ctx);
        assert_non_null(m->dev[d]);
        assert_int_equal(vcm_dev_type(m->dev[d]), VCM_DEV_IOMMU);
    }
    a->h = vcm_create(m->p, A_START, A_END - A_START);
    assert_non_null(a->h);
    a->live = true;
    a->start = A_START;
    a->len = A_END - A_START;
    if (m->sc->guard_a) {
        assert_int_equal(vcm_set_guard(a->h, true), 0);
        a->guard = true;
    }
    for (unsigned d = 0; d < m->sc->ndev; d++) {
        a->av[d] = vcm_assoc(a->h, m->dev[d], 0);
        assert_non_null(a->av[d]);
        assert_int_equal(vcm_activate(a->av[d]), 0);
        a->active[d] = true;
    }
    check_all(m, -1);
}

/*
 * Everything given back through the API: afterwards no block is in use, no mapping
 * and no L2 table is left in any context.
 */
static void drain(struct model *m)
{
    m->op = OP_UNRESERVE;
    for (unsigned i = 0; i < MAX_RES; i++) {
        struct mres *r = &m->res[i];
        if (!r->live)
            continue;
        if (r->phys >= 0) {
            EXPECT_EQ(vcm_unback(r->h), 0);
            ref_unback(m, i);
        }
        EXPECT_EQ(vcm_unreserve(r->h), 0);
        memset(r, 0, sizeof(*r));
    }
    for (unsigned i = 0; i < MAX_PHYS; i++) {
        struct mphys *ph = &m->phys[i];
        if (!ph->live)
            continue;
        EXPECT_EQ(vcm_phys_free(ph->h), 0);
        if (!ph->cont)
            ref_free_blocks(&m->pools, ph->blk, ph->nblocks);
        phys_forget(ph);
    }
    check_all(m, -1);

    struct phys_target_stats st;
    phys_target_stats(m->tp.mem, &st);
    for (unsigned id = 0; id < PHYS_NPOOLS; id++)
        EXPECT_EQ(st.pool[id].used, 0);
    EXPECT_EQ(st.cont.live, 0);
    EXPECT_EQ(st.live_allocs, 0);
    for (unsigned d = 0; d < m->sc->ndev; d++) {
        const struct smmu_dev_stats *ds = smmu_dev_stats(vcm_dev_smmu(m->dev[d]));
        EXPECT_EQ(ds->l2_tables, 0);
        for (unsigned ps = 0; ps < PAGE_SIZES; ps++)
            EXPECT_EQ(ds->maps[ps], ds->unmaps[ps]);
    }
}

static int setup(void **state)
{
    const struct scenario *sc = *state;
    struct model *m = calloc(1, sizeof(*m));

    assert_non_null(m);
    m->sc = sc;
    m->rng = sc->seed;
    *state = m;
    platform_new(m);
    return 0;
}

static int teardown(void **state)
{
    model_free(*state);
    return 0;
}

static void test_random_sequence(void **state)
{
    struct model *m = *state;

    start(m);
    for (m->step = 1; m->step <= STEPS; m->step++)
        run_step(m);
    drain(m);

    print_message("seed %llu, %u steps, %u device(s): ok/refused",
                  (unsigned long long)m->sc->seed, STEPS, m->sc->ndev);
    for (unsigned op = 0; op < NOPS; op++)
        print_message(" %s %u/%u", op_name[op], m->ok[op], m->refused[op]);
    print_message("; pages mapped 4K %llu 64K %llu 1M %llu 16M %llu",
                  (unsigned long long)m->mapped[PAGE_4K], (unsigned long long)m->mapped[PAGE_64K],
                  (unsigned long long)m->mapped[PAGE_1M], (unsigned long long)m->mapped[PAGE_16M]);
    print_message("; %llu translations and %llu faults checked; %llu checks with an L2 "
                  "table shared by A and B\n", (unsigned long long)m->translations,
                  (unsigned long long)m->faults, (unsigned long long)m->shared_l2);

    /* The run did what it is for: many backings, refusals, unbackings, faults. */
    assert_true(m->ok[OP_BACK] >= STEPS / 20);
    assert_true(m->refused[OP_BACK] >= STEPS / 100);
    assert_true(m->ok[OP_UNBACK] >= STEPS / 40);
    assert_true(m->ok[OP_PHYS_ALLOC] >= STEPS / 20);
    assert_true(m->refused[OP_PHYS_ALLOC] >= 1);
    assert_true(m->ok[OP_VCM_B] >= 3);
    for (unsigned ps = 0; ps < PAGE_SIZES; ps++)
        assert_true(m->mapped[ps] >= 1);
    assert_true(m->shared_l2 >= 1);
    assert_true(m->translations >= 20u * STEPS);
    assert_true(m->faults >= 5u * STEPS);
}

/* ---- The reference's rules against the documented worked examples ------------------------- */

static unsigned count_size(const struct phys_block *b, uint32_t n, uint32_t size)
{
    unsigned c = 0;

    for (uint32_t i = 0; i < n; i++)
        c += b[i].size == size;
    return c;
}

static void test_reference_rules(void **state)
{
    static struct ref_pools pools;
    static struct phys_block b[MAX_BLOCKS];
    struct span sp[8];
    uint64_t a = 0;
    uint32_t n = 0;
    struct vcm_map_mix mix;
    uint64_t l2[L1_WORDS];

    (void)state;
    /* docs/allocators.md, IOVA examples in [0x100000, 0x1100000). */
    assert_true(ref_fit(0x100000, 0x1100000, sp, 0, SZ_4K, default_align(SZ_4K), &a));
    assert_int_equal(a, 0x100000);
    sp[0] = (struct span){ 0x100000, 0x101000 };
    assert_true(ref_fit(0x100000, 0x1100000, sp, 1, SZ_64K, default_align(SZ_64K), &a));
    assert_int_equal(a, 0x110000);          /* 0x101000 rounded up to 64K */
    sp[1] = (struct span){ 0x110000, 0x120000 };
    assert_true(ref_fit(0x100000, 0x1100000, sp, 2, SZ_1M, default_align(SZ_1M), &a));
    assert_int_equal(a, 0x200000);
    sp[2] = (struct span){ 0x200000, 0x300000 };
    assert_true(ref_fit(0x100000, 0x1100000, sp, 3, SZ_4K, default_align(SZ_4K), &a));
    assert_int_equal(a, 0x101000);          /* the gap below the 64K */
    /* With guards in [0x100000, 0x200000): spans of 8K, 8K, 12K, then an unguarded 4K. */
    assert_true(ref_fit(0x100000, 0x200000, sp, 0, 2 * SZ_4K, SZ_4K, &a));
    assert_int_equal(a, 0x100000);
    sp[0] = (struct span){ 0x100000, 0x102000 };
    assert_true(ref_fit(0x100000, 0x200000, sp, 1, 2 * SZ_4K, SZ_4K, &a));
    assert_int_equal(a, 0x102000);
    sp[1] = (struct span){ 0x102000, 0x104000 };
    assert_true(ref_fit(0x100000, 0x200000, sp, 2, 3 * SZ_4K, SZ_4K, &a));
    assert_int_equal(a, 0x104000);
    sp[2] = (struct span){ 0x104000, 0x107000 };
    assert_true(ref_fit(0x100000, 0x200000, sp, 3, SZ_4K, SZ_4K, &a));
    assert_int_equal(a, 0x107000);
    /* Contiguous pool: 2 MiB + 4 KiB in a 4 MiB pool at 0x90000000, then 64K. */
    assert_true(ref_fit(0x90000000u, 0x90400000u, sp, 0, 0x201000, default_align(0x201000),
                        &a));
    assert_int_equal(a, 0x90000000u);
    sp[0] = (struct span){ 0x90000000u, 0x90201000u };
    assert_true(ref_fit(0x90000000u, 0x90400000u, sp, 1, SZ_64K, default_align(SZ_64K), &a));
    assert_int_equal(a, 0x90210000u);
    assert_false(ref_fit(0x90000000u, 0x90400000u, sp, 1, 0x200000, SZ_1M, &a));

    /* docs/allocators.md, block examples on the unfragmented 64 MiB target, 5 MiB + 4 KiB. */
    const uint64_t len = 5 * SZ_1M + SZ_4K;
    assert_int_equal(ref_alloc_blocks(&pools, len, PHYS_SZ_ALL, b, &n), 0);
    assert_int_equal(n, 6);
    assert_int_equal(b[0].pa, 0x82000000u);
    assert_int_equal(b[4].pa, 0x82400000u);
    assert_int_equal(b[5].pa, 0x83800000u);
    assert_int_equal(b[5].size, SZ_4K);
    /* Mapped at IOVA 0x100000: best 5 x 1M + 1 x 4K; 64k 80 x 64K + 1 x 4K; 4k 1281. */
    ref_plan(0x100000, b, n, len, VCM_MAP_BEST, &mix, l2);
    assert_int_equal(mix.count[PAGE_1M], 5);
    assert_int_equal(mix.count[PAGE_4K], 1);
    assert_int_equal(mix.total, 6);
    /* The one small page is at 0x600000: one L2 table, under L1 entry 6. */
    assert_int_equal(l2[0], 1ull << 6);
    ref_plan(0x100000, b, n, len, VCM_MAP_64K, &mix, NULL);
    assert_int_equal(mix.count[PAGE_64K], 80);
    assert_int_equal(mix.count[PAGE_4K], 1);
    ref_plan(0x100000, b, n, len, VCM_MAP_4K, &mix, NULL);
    assert_int_equal(mix.count[PAGE_4K], 1281);
    assert_int_equal(mix.total, 1281);
    ref_free_blocks(&pools, b, n);

    /* 1M | 64K: the tail rounded up to one 64K block, of which 4 KiB is mapped. */
    assert_int_equal(ref_alloc_blocks(&pools, len, PHYS_SZ_1M | PHYS_SZ_64K, b, &n), 0);
    assert_int_equal(n, 6);
    assert_int_equal(b[5].pa, 0x83000000u);
    assert_int_equal(b[5].size, SZ_64K);
    ref_plan(0x100000, b, n, len, VCM_MAP_BEST, &mix, NULL);
    assert_int_equal(mix.count[PAGE_1M], 5);
    assert_int_equal(mix.count[PAGE_4K], 1);
    assert_int_equal(mix.total, 6);
    ref_free_blocks(&pools, b, n);

    /* 64K | 4K: 80 x 64K (0x83000000 .. 0x834F0000) + 1 x 4K. */
    assert_int_equal(ref_alloc_blocks(&pools, len, PHYS_SZ_64K | PHYS_SZ_4K, b, &n), 0);
    assert_int_equal(count_size(b, n, SZ_64K), 80);
    assert_int_equal(b[79].pa, 0x834F0000u);
    assert_int_equal(count_size(b, n, SZ_4K), 1);
    ref_free_blocks(&pools, b, n);

    /* 4K only: 1281 blocks, 0x83800000 .. 0x83D00000. */
    assert_int_equal(ref_alloc_blocks(&pools, len, PHYS_SZ_4K, b, &n), 0);
    assert_int_equal(n, 1281);
    assert_int_equal(b[1280].pa, 0x83D00000u);
    ref_free_blocks(&pools, b, n);

    /* 40 MiB, all sizes: 2 x 16M + 8 x 1M. 1 MiB + 100 bytes: 1 x 1M + 1 x 4K. */
    assert_int_equal(ref_alloc_blocks(&pools, 40 * (uint64_t)SZ_1M, PHYS_SZ_ALL, b, &n), 0);
    assert_int_equal(count_size(b, n, SZ_16M), 2);
    assert_int_equal(count_size(b, n, SZ_1M), 8);
    assert_int_equal(n, 10);
    /* A 16M block at IOVA 16M is one supersection; at 1M alignment only, 16 sections. */
    ref_plan(0x1000000, b, 1, SZ_16M, VCM_MAP_BEST, &mix, NULL);
    assert_int_equal(mix.count[PAGE_16M], 1);
    assert_int_equal(mix.total, 1);
    ref_plan(0x100000, b, 1, SZ_16M, VCM_MAP_BEST, &mix, NULL);
    assert_int_equal(mix.count[PAGE_1M], 16);
    ref_free_blocks(&pools, b, n);
    assert_int_equal(ref_alloc_blocks(&pools, SZ_1M + 100, PHYS_SZ_ALL, b, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(b[0].size, SZ_1M);
    assert_int_equal(b[1].size, SZ_4K);
    ref_free_blocks(&pools, b, n);

    /* The 1M pool exhausted: 5 MiB falls back to 80 x 64K; the tail is one 4K block. */
    static struct phys_block hog[16];
    uint32_t nh = 0;
    assert_int_equal(ref_alloc_blocks(&pools, SZ_16M, PHYS_SZ_1M, hog, &nh), 0);
    assert_int_equal(nh, 16);
    assert_int_equal(ref_alloc_blocks(&pools, len, PHYS_SZ_ALL, b, &n), 0);
    assert_int_equal(count_size(b, n, SZ_64K), 80);
    assert_int_equal(count_size(b, n, SZ_4K), 1);
    assert_int_equal(b[0].pa, 0x83000000u);
    ref_plan(0x100000, b, n, len, VCM_MAP_BEST, &mix, NULL);
    assert_int_equal(mix.count[PAGE_64K], 80);
    assert_int_equal(mix.count[PAGE_4K], 1);
    ref_free_blocks(&pools, b, n);
    ref_free_blocks(&pools, hog, nh);

    /* 64K | 4K cannot cover 0x1001000 bytes (16 MiB in those pools): nothing taken. */
    assert_int_equal(ref_alloc_blocks(&pools, 0x1001000, PHYS_SZ_64K | PHYS_SZ_4K, b, &n),
                     -ENOMEM);
    for (unsigned id = 0; id < PHYS_NPOOLS; id++)
        assert_int_equal(pools.nused[id], 0);

    /* docs/vcm.md: 2 MiB + 4 KiB contiguous at 0x84000000, IOVA 0x100000: 2 x 1M + 1 x 4K. */
    struct phys_block c = { 0x84000000u, 0x201000, PHYS_POOL_CONT };
    ref_plan(0x100000, &c, 1, 0x201000, VCM_MAP_BEST, &mix, NULL);
    assert_int_equal(mix.count[PAGE_1M], 2);
    assert_int_equal(mix.count[PAGE_4K], 1);
    assert_int_equal(mix.total, 3);
}

/* ---- Scenarios ------------------------------------------------------------------------------ */

/* One context; the default policy. */
static const struct scenario sc_one = {
    .seed = 1, .ndev = 1, .dev = { &DEV_MM1 }, .policy = VCM_MAP_BEST,
};
/* Two contexts on two SMMUs; guard pages on A. */
static const struct scenario sc_two_smmus = {
    .seed = 2, .ndev = 2, .dev = { &DEV_MM1, &DEV_MM2 }, .policy = VCM_MAP_BEST,
    .guard_a = true,
};
/* Two banks of one SMMU (one TLB); capped at 64K, then changing policies. */
static const struct scenario sc_two_banks = {
    .seed = 3, .ndev = 2, .dev = { &DEV_MM1, &DEV_STREAM }, .policy = VCM_MAP_64K,
    .vary_policy = true,
};
/* Two SMMUs the other way round; capped at 1M, changing policies, guards. */
static const struct scenario sc_policies = {
    .seed = 4, .ndev = 2, .dev = { &DEV_MM2, &DEV_MM1 }, .policy = VCM_MAP_1M,
    .guard_a = true, .vary_policy = true,
};

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference_rules),
        cmocka_unit_test_prestate_setup_teardown(test_random_sequence, setup, teardown,
                                                 (void *)&sc_one),
        cmocka_unit_test_prestate_setup_teardown(test_random_sequence, setup, teardown,
                                                 (void *)&sc_two_smmus),
        cmocka_unit_test_prestate_setup_teardown(test_random_sequence, setup, teardown,
                                                 (void *)&sc_two_banks),
        cmocka_unit_test_prestate_setup_teardown(test_random_sequence, setup, teardown,
                                                 (void *)&sc_policies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
