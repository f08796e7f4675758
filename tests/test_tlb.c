/*
 * test_tlb.c - unit tests of the TLB model (models/tlb.c).
 *
 * The replacement policies are checked against access sequences traced by hand on
 * 4-entry TLBs (one set of 4 ways, two sets of 2 ways); the traces, with the recency
 * order or tree bits after every step, are written next to the tests. Page sizes are
 * checked by the page numbers each entry must cover (a 1 MiB entry covers 256 pages
 * of 4 KiB, a 16 MiB one 4096, a 64 KiB one 16), lockdown and invalidation by the
 * rules of docs/tlb.md, and the whole structure (hash index, recency lists, free map)
 * against a deliberately naive reference model that scans every way, over a long
 * pseudo-random sequence of fills, lookups, invalidations and lockdown changes.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "models/tlb.h"

/* ------------------------------------------------------------------ helpers */

static struct tlb *mk(unsigned entries, unsigned ways, enum tlb_replacement r, uint64_t seed)
{
    struct tlb_config cfg = { .entries = entries, .ways = ways, .replacement = r, .seed = seed };
    struct tlb *t = tlb_new(&cfg);

    assert_non_null(t);
    return t;
}

/* An entry whose PA is recognisable: the VA with bit 31 flipped, aligned to its size. */
static struct tlb_entry ent(uint32_t va, enum page_size size, uint8_t vmid, uint8_t asid,
                            bool ng)
{
    struct tlb_entry e = {
        .va = va, .pa = (va ^ 0x80000000u) & ~(page_bytes(size) - 1), .size = size,
        .vmid = vmid, .asid = asid,
        .attrs = { .ap = 3, .ng = ng },
    };
    return e;
}

static void fill(struct tlb *t, uint32_t va, enum page_size size, uint8_t vmid,
                 uint8_t asid, bool ng)
{
    struct tlb_entry e = ent(va, size, vmid, asid, ng);

    assert_int_equal(tlb_fill(t, &e), 0);
}

/* The read-back index (set * ways + way) holding a 4 KiB page of vmid 1 asid 1, or -1. */
static int index_of(const struct tlb *t, uint32_t vpn)
{
    struct tlb_entry e;

    for (unsigned i = 0; i < tlb_config(t)->entries; i++)
        if (tlb_read_entry(t, i, &e) && e.size == PAGE_4K && e.va == vpn << 12 &&
            e.vmid == 1 && e.asid == 1)
            return (int)i;
    return -1;
}

/*
 * Runs a sequence of 4 KiB page accesses (vmid 1, asid 1): a lookup, and on a miss a
 * fill. Writes 'H' or 'M' per access into hm, and the index filled (or -1 on a hit)
 * into filled.
 */
static void run_trace(struct tlb *t, const uint32_t *vpn, unsigned n, char *hm, int *filled)
{
    for (unsigned i = 0; i < n; i++) {
        if (tlb_lookup(t, 1, 1, vpn[i] << 12)) {
            hm[i] = 'H';
            filled[i] = -1;
        } else {
            hm[i] = 'M';
            fill(t, vpn[i] << 12, PAGE_4K, 1, 1, true);
            filled[i] = index_of(t, vpn[i]);
        }
    }
    hm[n] = '\0';
}

/* Pages A..F of the one-set traces. */
enum { A = 1, B = 2, C = 3, D = 4, E = 5, F = 6 };
static const uint32_t seq1[] = { A, B, C, D, A, E, A, C, F, B };
#define SEQ1_LEN (sizeof(seq1) / sizeof(seq1[0]))

/* ------------------------------------------------------------------ one set, 4 ways */

/*
 * lru, 4 entries fully associative. Recency after each step (most recent first):
 *   1 A  M  way 0 (lowest invalid)   A
 *   2 B  M  way 1                    B A
 *   3 C  M  way 2                    C B A
 *   4 D  M  way 3                    D C B A
 *   5 A  H                           A D C B
 *   6 E  M  evicts B, way 1          E A D C
 *   7 A  H                           A E D C
 *   8 C  H                           C A E D
 *   9 F  M  evicts D, way 3          F C A E
 *  10 B  M  evicts E, way 1          B F C A
 */
static void test_lru_one_set(void **state)
{
    (void)state;
    struct tlb *t = mk(4, 4, TLB_LRU, 0);
    char hm[16];
    int filled[16];
    static const int want[] = { 0, 1, 2, 3, -1, 1, -1, -1, 3, 1 };

    run_trace(t, seq1, SEQ1_LEN, hm, filled);
    assert_string_equal(hm, "MMMMHMHHMM");
    assert_memory_equal(filled, want, sizeof(want));
    /* Final contents: way 0 A, 1 B, 2 C, 3 F. */
    assert_int_equal(index_of(t, A), 0);
    assert_int_equal(index_of(t, B), 1);
    assert_int_equal(index_of(t, C), 2);
    assert_int_equal(index_of(t, F), 3);
    const struct tlb_stats *st = tlb_stats(t);
    assert_int_equal(st->lookups, 10);
    assert_int_equal(st->hits, 3);
    assert_int_equal(st->misses, 7);
    assert_int_equal(st->fills, 7);
    assert_int_equal(st->evictions, 3);        /* steps 6, 9, 10 */
    tlb_free(t);
}

/*
 * plru, 4 ways: node 1 is the root (0: victim among ways 0-1, 1: among ways 2-3),
 * node 2 chooses between ways 0 and 1, node 3 between ways 2 and 3 (0 = the lower
 * way). A touch points every node on the way's path away from it:
 *   way 0: n1=1 n2=1   way 1: n1=1 n2=0   way 2: n1=0 n3=1   way 3: n1=0 n3=0
 * Bits (n1 n2 n3) after each step, starting from 000:
 *   1 A  M  way 0                    1 1 0
 *   2 B  M  way 1                    1 0 0
 *   3 C  M  way 2                    0 0 1
 *   4 D  M  way 3                    0 0 0
 *   5 A  H  way 0                    1 1 0
 *   6 E  M  n1=1 -> n3=0 -> way 2: evicts C, then touch way 2    0 1 1
 *   7 A  H  way 0                    1 1 1
 *   8 C  M  n1=1 -> n3=1 -> way 3: evicts D                      0 1 0
 *   9 F  M  n1=0 -> n2=1 -> way 1: evicts B                      1 0 0
 *  10 B  M  n1=1 -> n3=0 -> way 2: evicts E                      0 0 1
 * Step 6 is where it parts from true lru, which evicts B.
 */
static void test_plru_one_set(void **state)
{
    (void)state;
    struct tlb *t = mk(4, 4, TLB_PLRU, 0);
    char hm[16];
    int filled[16];
    static const int want[] = { 0, 1, 2, 3, -1, 2, -1, 3, 1, 2 };

    run_trace(t, seq1, SEQ1_LEN, hm, filled);
    assert_string_equal(hm, "MMMMHMHMMM");
    assert_memory_equal(filled, want, sizeof(want));
    /* Final contents: way 0 A, 1 F, 2 B, 3 C. */
    assert_int_equal(index_of(t, A), 0);
    assert_int_equal(index_of(t, F), 1);
    assert_int_equal(index_of(t, B), 2);
    assert_int_equal(index_of(t, C), 3);
    assert_int_equal(tlb_stats(t)->evictions, 4);   /* steps 6, 8, 9, 10 */
    tlb_free(t);
}

/*
 * round-robin, 4 ways: the pointer starts at way 0 and moves only when it picks a
 * victim (fills of invalid ways leave it alone).
 *   1-4 A B C D  M  ways 0-3 (invalid first)      pointer 0
 *   5 A  H
 *   6 E  M  victim way 0: evicts A                 pointer 1
 *   7 A  M  victim way 1: evicts B                 pointer 2
 *   8 C  H
 *   9 F  M  victim way 2: evicts C                 pointer 3
 *  10 B  M  victim way 3: evicts D                 pointer 0 (wraps)
 */
static void test_round_robin_one_set(void **state)
{
    (void)state;
    struct tlb *t = mk(4, 4, TLB_ROUND_ROBIN, 0);
    char hm[16];
    int filled[16];
    static const int want[] = { 0, 1, 2, 3, -1, 0, 1, -1, 2, 3 };

    run_trace(t, seq1, SEQ1_LEN, hm, filled);
    assert_string_equal(hm, "MMMMHMMHMM");
    assert_memory_equal(filled, want, sizeof(want));
    assert_int_equal(tlb_stats(t)->evictions, 4);
    /* The pointer wrapped to way 0: the next miss evicts E from way 0. */
    assert_int_equal(index_of(t, E), 0);
    fill(t, 0x7000, PAGE_4K, 1, 1, true);
    assert_int_equal(index_of(t, 7), 0);
    assert_int_equal(index_of(t, E), -1);
    tlb_free(t);
}

/* ------------------------------------------------------------------ two sets, 2 ways */

/*
 * 4 entries, 2 ways, so 2 sets: set = vpn & 1, index = set * 2 + way. Sequence
 * 0 1 2 3 0 4 1 5 2 0 (even pages in set 0, odd in set 1).
 * lru (recency per set, most recent first):
 *   1 p0 M  set 0 way 0 (index 0)        s0: 0
 *   2 p1 M  set 1 way 0 (index 2)        s1: 1
 *   3 p2 M  set 0 way 1 (index 1)        s0: 2 0
 *   4 p3 M  set 1 way 1 (index 3)        s1: 3 1
 *   5 p0 H                               s0: 0 2
 *   6 p4 M  evicts p2 (index 1)          s0: 4 0
 *   7 p1 H                               s1: 1 3
 *   8 p5 M  evicts p3 (index 3)          s1: 5 1
 *   9 p2 M  evicts p0 (index 0)          s0: 2 4
 *  10 p0 M  evicts p4 (index 1)          s0: 0 2
 * plru with 2 ways is one node per set pointing away from the last touched way, which
 * is exactly lru: the same trace.
 */
static const uint32_t seq2[] = { 0, 1, 2, 3, 0, 4, 1, 5, 2, 0 };
#define SEQ2_LEN (sizeof(seq2) / sizeof(seq2[0]))

static void check_two_set_lru_trace(enum tlb_replacement r)
{
    struct tlb *t = mk(4, 2, r, 0);
    char hm[16];
    int filled[16];
    static const int want[] = { 0, 2, 1, 3, -1, 1, -1, 3, 0, 1 };

    run_trace(t, seq2, SEQ2_LEN, hm, filled);
    assert_string_equal(hm, "MMMMHMHMMM");
    assert_memory_equal(filled, want, sizeof(want));
    assert_int_equal(index_of(t, 2), 0);
    assert_int_equal(index_of(t, 0), 1);
    assert_int_equal(index_of(t, 1), 2);
    assert_int_equal(index_of(t, 5), 3);
    assert_int_equal(tlb_stats(t)->evictions, 4);
    tlb_free(t);
}

static void test_lru_two_sets(void **state)
{
    (void)state;
    check_two_set_lru_trace(TLB_LRU);
}

static void test_plru_two_sets(void **state)
{
    (void)state;
    check_two_set_lru_trace(TLB_PLRU);
}

/*
 * round-robin, 2 sets of 2 ways, one pointer per set:
 *   1-4 p0 p1 p2 p3  M  indices 0 2 1 3
 *   5 p0 H
 *   6 p4 M  set 0 pointer 0: evicts p0 (index 0)     s0 pointer 1
 *   7 p1 H
 *   8 p5 M  set 1 pointer 0: evicts p1 (index 2)     s1 pointer 1
 *   9 p2 H  (p2 is still in set 0 way 1)
 *  10 p0 M  set 0 pointer 1: evicts p2 (index 1)     s0 pointer 0
 */
static void test_round_robin_two_sets(void **state)
{
    (void)state;
    struct tlb *t = mk(4, 2, TLB_ROUND_ROBIN, 0);
    char hm[16];
    int filled[16];
    static const int want[] = { 0, 2, 1, 3, -1, 0, -1, 2, -1, 1 };

    run_trace(t, seq2, SEQ2_LEN, hm, filled);
    assert_string_equal(hm, "MMMMHMHMHM");
    assert_memory_equal(filled, want, sizeof(want));
    assert_int_equal(index_of(t, 4), 0);
    assert_int_equal(index_of(t, 0), 1);
    assert_int_equal(index_of(t, 5), 2);
    assert_int_equal(index_of(t, 3), 3);
    assert_int_equal(tlb_stats(t)->evictions, 3);
    tlb_free(t);
}

/* ------------------------------------------------------------------ random */

/*
 * What does not depend on the generator: invalid ways fill first and in order, a
 * victim is always a valid unlocked way, locked entries stay, and the same seed
 * gives the same choices.
 */
static void test_random_policy(void **state)
{
    (void)state;
    struct tlb *t = mk(8, 8, TLB_RANDOM, 42);
    struct tlb *u = mk(8, 8, TLB_RANDOM, 42);
    struct tlb *v = mk(8, 8, TLB_RANDOM, 43);
    unsigned chosen[8] = { 0 };
    bool differs = false;

    /* Pages 0..7 take ways 0..7 in order whatever the generator says. */
    for (uint32_t p = 0; p < 8; p++) {
        fill(t, p << 12, PAGE_4K, 1, 1, true);
        fill(u, p << 12, PAGE_4K, 1, 1, true);
        fill(v, p << 12, PAGE_4K, 1, 1, true);
        assert_int_equal(index_of(t, p), (int)p);
    }
    assert_int_equal(tlb_stats(t)->evictions, 0);

    /* Lock ways 0-2 (pages 0-2), then stream 400 new pages. */
    assert_int_equal(tlb_set_lockdown(t, false, 3, 0), 0);
    assert_int_equal(tlb_set_lockdown(u, false, 3, 0), 0);
    assert_int_equal(tlb_set_lockdown(v, false, 3, 0), 0);
    for (uint32_t p = 100; p < 500; p++) {
        fill(t, p << 12, PAGE_4K, 1, 1, true);
        fill(u, p << 12, PAGE_4K, 1, 1, true);
        fill(v, p << 12, PAGE_4K, 1, 1, true);
        int it = index_of(t, p), iu = index_of(u, p), iv = index_of(v, p);
        assert_true(it >= 3 && it < 8);        /* never a locked way */
        assert_int_equal(it, iu);              /* same seed, same victim */
        differs |= it != iv;
        chosen[it]++;
    }
    for (uint32_t p = 0; p < 3; p++)
        assert_int_equal(index_of(t, p), (int)p);
    /* Every fill evicted (the set was full): 400 evictions. */
    assert_int_equal(tlb_stats(t)->evictions, 400);
    /* 400 draws over 5 ways: a generator stuck on few ways would leave one unused. */
    for (unsigned w = 3; w < 8; w++)
        assert_true(chosen[w] > 0);
    assert_true(differs);                      /* seeds 42 and 43 choose differently */

    /* After an invalidation the hole is filled first, not a random way. */
    tlb_inv_va(t, 1, 1, 499u << 12);
    int hole = -1;
    for (unsigned i = 0; i < 8; i++)
        if (!tlb_read_entry(t, i, NULL))
            hole = (int)i;
    assert_true(hole >= 3);
    fill(t, 1000u << 12, PAGE_4K, 1, 1, true);
    assert_int_equal(index_of(t, 1000), hole);
    tlb_free(t);
    tlb_free(u);
    tlb_free(v);
}

/* ------------------------------------------------------------------ page sizes */

/*
 * 32 entries, 4 ways, 8 sets. A 1 MiB entry at 0x12300000 has 1M page number 0x123,
 * set 0x123 & 7 = 3, and is the set's first fill: index 3 * 4 + 0 = 12. It must hit
 * for all 256 pages of 4 KiB from 0x12300000 to 0x123FF000, and for no address
 * outside it.
 */
static void test_section_hits_all_small_pages(void **state)
{
    (void)state;
    struct tlb *t = mk(32, 4, TLB_LRU, 0);
    struct tlb_entry e;

    fill(t, 0x12345678u, PAGE_1M, 1, 1, true);  /* aligned down to 0x12300000 */
    assert_true(tlb_read_entry(t, 12, &e));
    assert_int_equal(e.va, 0x12300000u);
    assert_int_equal(e.pa, 0x92300000u);
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t va = 0x12300000u + (i << 12) + 0xABCu;
        const struct tlb_entry *h = tlb_lookup(t, 1, 1, va);

        assert_non_null(h);
        assert_int_equal(h->size, PAGE_1M);
        assert_int_equal(h->pa | (va & 0xFFFFFu), 0x92300000u + (i << 12) + 0xABCu);
    }
    assert_null(tlb_lookup(t, 1, 1, 0x122FFFFFu));
    assert_null(tlb_lookup(t, 1, 1, 0x12400000u));
    const struct tlb_stats *st = tlb_stats(t);
    assert_int_equal(st->hits, 256);
    assert_int_equal(st->hits_by_size[PAGE_1M], 256);
    assert_int_equal(st->misses, 2);
    tlb_free(t);
}

/*
 * 16 MiB at 0x45000000: 16M page number 0x45, set 0x45 & 7 = 5, index 20; it covers
 * 4096 pages of 4 KiB. 64 KiB at 0x00AB0000: 64K page number 0xAB, set 3, index 12;
 * it covers 16 pages of 4 KiB.
 */
static void test_supersection_and_large_page(void **state)
{
    (void)state;
    struct tlb *t = mk(32, 4, TLB_LRU, 0);
    struct tlb_entry e;

    fill(t, 0x45000000u, PAGE_16M, 1, 1, true);
    fill(t, 0x00AB0000u, PAGE_64K, 1, 1, true);
    assert_true(tlb_read_entry(t, 20, &e));
    assert_int_equal(e.size, PAGE_16M);
    assert_true(tlb_read_entry(t, 12, &e));
    assert_int_equal(e.size, PAGE_64K);
    for (uint32_t i = 0; i < 4096; i++) {
        const struct tlb_entry *h = tlb_lookup(t, 1, 1, 0x45000000u + (i << 12));
        assert_non_null(h);
        assert_int_equal(h->size, PAGE_16M);
    }
    for (uint32_t i = 0; i < 16; i++) {
        const struct tlb_entry *h = tlb_lookup(t, 1, 1, 0x00AB0000u + (i << 12) + 4);
        assert_non_null(h);
        assert_int_equal(h->size, PAGE_64K);
        assert_int_equal(h->pa, 0x80AB0000u);
    }
    assert_null(tlb_probe(t, 1, 1, 0x44FFF000u));
    assert_null(tlb_probe(t, 1, 1, 0x46000000u));
    assert_null(tlb_probe(t, 1, 1, 0x00AAF000u));
    assert_null(tlb_probe(t, 1, 1, 0x00AC0000u));
    assert_int_equal(tlb_stats(t)->hits_by_size[PAGE_16M], 4096);
    assert_int_equal(tlb_stats(t)->hits_by_size[PAGE_64K], 16);
    tlb_free(t);
}

/*
 * 32 entries, 4 ways, 8 sets; one entry of each size, each in the set of its own
 * page number and taking the set's lowest free way:
 *   4K  0x10000000  vpn 0x10000 -> set 0, index 0
 *   64K 0x10010000  vpn 0x1001  -> set 1, index 4
 *   1M  0x10100000  vpn 0x101   -> set 1, index 5
 *   16M 0x11000000  vpn 0x11    -> set 1, index 6
 */
static void test_mixed_sizes_coexist(void **state)
{
    (void)state;
    struct tlb *t = mk(32, 4, TLB_LRU, 0);
    struct tlb_entry e;

    fill(t, 0x10000000u, PAGE_4K, 1, 1, true);
    fill(t, 0x10010000u, PAGE_64K, 1, 1, true);
    fill(t, 0x10100000u, PAGE_1M, 1, 1, true);
    fill(t, 0x11000000u, PAGE_16M, 1, 1, true);
    assert_int_equal(tlb_valid_entries(t), 4);
    assert_true(tlb_read_entry(t, 0, &e) && e.size == PAGE_4K);
    assert_true(tlb_read_entry(t, 4, &e) && e.size == PAGE_64K);
    assert_true(tlb_read_entry(t, 5, &e) && e.size == PAGE_1M);
    assert_true(tlb_read_entry(t, 6, &e) && e.size == PAGE_16M);

    assert_int_equal(tlb_lookup(t, 1, 1, 0x10000FFFu)->size, PAGE_4K);
    assert_null(tlb_lookup(t, 1, 1, 0x10001000u));     /* in none of the four */
    assert_int_equal(tlb_lookup(t, 1, 1, 0x1001F000u)->size, PAGE_64K);
    assert_int_equal(tlb_lookup(t, 1, 1, 0x101FFFFFu)->size, PAGE_1M);
    assert_int_equal(tlb_lookup(t, 1, 1, 0x11FFFFFFu)->size, PAGE_16M);
    assert_null(tlb_lookup(t, 1, 1, 0x12000000u));
    const struct tlb_stats *st = tlb_stats(t);
    for (unsigned s = 0; s < PAGE_SIZES; s++) {
        assert_int_equal(st->hits_by_size[s], 1);
        assert_int_equal(st->fills_by_size[s], 1);
    }
    assert_int_equal(st->misses, 2);
    tlb_free(t);
}

/*
 * The one-entry cache after a hit on an entry larger than 4 KiB covers the entry's
 * whole page only while no smaller entry of its VMID lies in that page (docs/tlb.md):
 * a smaller entry there is searched first, so a lookup at its address must return it
 * even right after a hit elsewhere in the big page. Each case brings the smaller
 * entry in by another path (a fill while the counts are kept, a fill before sizes
 * were mixed, tlb_access's replacement of an LRU victim of another size and of its
 * own size); each lookup pair is a hit
 * on the 64 KiB entry E (0x00010000) and then one at the 4 KiB entry F (0x00013000).
 */
static void expect_f_inside_e(struct tlb *t, uint8_t vmid, uint8_t asid)
{
    assert_int_equal(tlb_lookup(t, vmid, asid, 0x00010000u)->size, PAGE_64K);
    assert_int_equal(tlb_lookup(t, vmid, asid, 0x00013000u)->size, PAGE_4K);
    assert_int_equal(tlb_lookup(t, vmid, asid, 0x00014000u)->size, PAGE_64K);
    assert_int_equal(tlb_lookup(t, vmid, asid, 0x00013ffcu)->size, PAGE_4K);
}

static void test_fast_cache_whole_page(void **state)
{
    (void)state;

    /* F filled after sizes were mixed (G is a 4 KiB entry far away), so F is
     * counted when it comes, not by the count taken when sizes became mixed. */
    struct tlb *t = mk(16, 16, TLB_LRU, 0);
    fill(t, 0x00800000u, PAGE_4K, 1, 1, true);
    fill(t, 0x00010000u, PAGE_64K, 1, 1, true);
    assert_int_equal(tlb_lookup(t, 1, 1, 0x00011000u)->size, PAGE_64K);
    assert_int_equal(tlb_lookup(t, 1, 1, 0x00013000u)->size, PAGE_64K);
    fill(t, 0x00013000u, PAGE_4K, 1, 1, true);
    expect_f_inside_e(t, 1, 1);
    /* A global F is found by ASID 1's search as well, before the ASID-tagged E. */
    fill(t, 0x00015000u, PAGE_4K, 1, 0, false);
    assert_int_equal(tlb_lookup(t, 1, 1, 0x00010000u)->size, PAGE_64K);
    assert_int_equal(tlb_lookup(t, 1, 1, 0x00015000u)->size, PAGE_4K);
    /* Another VMID's 4 KiB entry in the same page hides nothing from VMID 1. */
    fill(t, 0x00017000u, PAGE_4K, 2, 1, true);
    assert_int_equal(tlb_lookup(t, 1, 1, 0x00010000u)->size, PAGE_64K);
    assert_int_equal(tlb_lookup(t, 1, 1, 0x00017000u)->size, PAGE_64K);
    assert_int_equal(tlb_lookup(t, 2, 1, 0x00017000u)->size, PAGE_4K);
    /* A TLBIVA at F's address takes F and E (E covers it too); both refilled. */
    tlb_inv_va(t, 1, 1, 0x00013000u);
    assert_int_equal(tlb_lookup(t, 1, 1, 0x00013000u), NULL);
    fill(t, 0x00010000u, PAGE_64K, 1, 1, true);
    fill(t, 0x00013000u, PAGE_4K, 1, 1, true);
    expect_f_inside_e(t, 1, 1);
    tlb_free(t);

    /* F filled first, while only 4 KiB entries were valid; E then mixes the sizes. */
    t = mk(16, 16, TLB_LRU, 0);
    fill(t, 0x00013000u, PAGE_4K, 1, 1, true);
    fill(t, 0x00010000u, PAGE_64K, 1, 1, true);
    expect_f_inside_e(t, 1, 1);
    tlb_free(t);

    /* F comes by tlb_access's replacement of the LRU victim, in a full two-entry
     * TLB whose sizes are already mixed (H, 1 MiB, and G, 4 KiB); E then replaces G. */
    t = mk(2, 2, TLB_LRU, 0);
    struct tlb_entry h = ent(0x10000000u, PAGE_1M, 1, 1, true);
    struct tlb_entry g = ent(0x00800000u, PAGE_4K, 1, 1, true);
    struct tlb_entry f = ent(0x00013000u, PAGE_4K, 1, 1, true);
    assert_int_equal(tlb_access(t, 1, 1, h.va, &h), 0);
    assert_int_equal(tlb_access(t, 1, 1, g.va, &g), 0);
    assert_int_equal(tlb_access(t, 1, 1, f.va, &f), 0);     /* H, the LRU, goes */
    assert_int_equal(tlb_stats(t)->evictions_by_size[PAGE_1M], 1);
    fill(t, 0x00010000u, PAGE_64K, 1, 1, true);             /* G, now the LRU, goes */
    assert_int_equal(tlb_stats(t)->evictions_by_size[PAGE_4K], 1);
    expect_f_inside_e(t, 1, 1);
    tlb_free(t);

    /* The same, F replacing an entry of its own size and kind (G). */
    t = mk(2, 2, TLB_LRU, 0);
    assert_int_equal(tlb_access(t, 1, 1, h.va, &h), 0);
    assert_int_equal(tlb_access(t, 1, 1, g.va, &g), 0);
    assert_int_equal(tlb_access(t, 1, 1, h.va, &h), 1);     /* G is the LRU now */
    assert_int_equal(tlb_access(t, 1, 1, f.va, &f), 0);
    assert_int_equal(tlb_stats(t)->evictions_by_size[PAGE_4K], 1);
    fill(t, 0x00010000u, PAGE_64K, 1, 1, true);             /* H goes */
    assert_int_equal(tlb_stats(t)->evictions_by_size[PAGE_1M], 1);
    expect_f_inside_e(t, 1, 1);
    tlb_free(t);
}

/*
 * Overlapping entries (software changed a mapping without invalidating): the lookup
 * takes the smallest size first, and within a size the ASID-tagged entry before the
 * global one; the cached last lookup must not hide an entry filled after it.
 */
static void test_overlap_priority(void **state)
{
    (void)state;
    struct tlb *t = mk(16, 16, TLB_LRU, 0);
    struct tlb_entry e;

    fill(t, 0x10100000u, PAGE_1M, 1, 1, true);
    assert_int_equal(tlb_lookup(t, 1, 1, 0x10105000u)->size, PAGE_1M);
    fill(t, 0x10105000u, PAGE_4K, 1, 1, true);
    assert_int_equal(tlb_lookup(t, 1, 1, 0x10105000u)->size, PAGE_4K);
    assert_int_equal(tlb_match_count(t, 1, 1, 0x10105000u), 2);
    /* tlb_lookup_matches says so too, on the cached repeat as well (the SMMU's MHF) */
    unsigned m = 0;
    assert_int_equal(tlb_lookup_matches(t, 1, 1, 0x10105000u, &m)->size, PAGE_4K);
    assert_int_equal(m, 2);
    assert_int_equal(tlb_lookup_matches(t, 1, 1, 0x10105000u, &m)->size, PAGE_4K);
    assert_int_equal(m, 2);
    assert_null(tlb_lookup_matches(t, 1, 1, 0x30000000u, &m));
    assert_int_equal(m, 0);
    assert_int_equal(tlb_lookup(t, 1, 1, 0x10106000u)->size, PAGE_1M);
    assert_int_equal(tlb_match_count(t, 1, 1, 0x10106000u), 1);

    /* Same 4 KiB page, once global (PA 0xA...) and once for ASID 1 (PA 0xB...). */
    e = ent(0x20007000u, PAGE_4K, 1, 9, false);
    e.pa = 0xA0007000u;
    assert_int_equal(tlb_fill(t, &e), 0);
    e = ent(0x20007000u, PAGE_4K, 1, 1, true);
    e.pa = 0xB0007000u;
    assert_int_equal(tlb_fill(t, &e), 0);
    assert_int_equal(tlb_lookup(t, 1, 1, 0x20007000u)->pa, 0xB0007000u);
    assert_int_equal(tlb_lookup(t, 1, 2, 0x20007000u)->pa, 0xA0007000u);
    assert_int_equal(tlb_match_count(t, 1, 1, 0x20007000u), 2);

    /* TLBIVA for ASID 1 at 0x10105000 removes the 4K and the 1M entry covering it. */
    tlb_inv_va(t, 1, 1, 0x10105000u);
    assert_null(tlb_lookup(t, 1, 1, 0x10105000u));
    assert_int_equal(tlb_stats(t)->invalidations, 2);
    /* 0x20007000 still has its global and its ASID-1 entry: both match ASID 1. A
     * TLBIVA for ASID 2 takes the global one only (as TLBIMVA), leaving one match. */
    assert_int_equal(tlb_lookup_matches(t, 1, 1, 0x20007000u, &m)->pa, 0xB0007000u);
    assert_int_equal(m, 2);
    tlb_inv_va(t, 1, 2, 0x20007000u);
    assert_int_equal(tlb_lookup_matches(t, 1, 1, 0x20007000u, &m)->pa, 0xB0007000u);
    assert_int_equal(m, 1);
    tlb_free(t);
}

/*
 * The count of matching entries is remembered per entry (tlb.c, memo_matches): it
 * must follow every fill and invalidation, and the lookup's context. Each lookup
 * below goes to another 4 KiB page than the one before, so the one-entry cache
 * never answers; the expected counts are the entries covering the address that
 * the context may use.
 */
static void test_match_count_remembered(void **state)
{
    (void)state;
    struct tlb *t = mk(16, 16, TLB_LRU, 0);
    unsigned m = 0;

    fill(t, 0x00010000u, PAGE_64K, 1, 1, true);           /* E: 0x10000-0x1FFFF, ASID 1 */
    fill(t, 0x00013000u, PAGE_4K, 1, 1, true);            /* F: inside E */
    assert_int_equal(tlb_lookup_matches(t, 1, 1, 0x00012000u, &m)->size, PAGE_64K);
    assert_int_equal(m, 1);                                /* E only */
    assert_int_equal(tlb_lookup_matches(t, 1, 1, 0x00013000u, &m)->size, PAGE_4K);
    assert_int_equal(m, 2);                                /* F and E */
    assert_int_equal(tlb_lookup_matches(t, 1, 1, 0x00014000u, &m)->size, PAGE_64K);
    assert_int_equal(m, 1);
    /* G, a global 1 MiB entry over all of E: E's remembered count is out of date */
    fill(t, 0x00000000u, PAGE_1M, 1, 7, false);
    assert_int_equal(tlb_lookup_matches(t, 1, 1, 0x00012000u, &m)->size, PAGE_64K);
    assert_int_equal(m, 2);                                /* E and G */
    assert_int_equal(tlb_lookup_matches(t, 1, 1, 0x00013000u, &m)->size, PAGE_4K);
    assert_int_equal(m, 3);                                /* F, E and G */
    /* ASID 2 sees G alone; then ASID 1 again, on another page of E */
    assert_int_equal(tlb_lookup_matches(t, 1, 2, 0x00012000u, &m)->size, PAGE_1M);
    assert_int_equal(m, 1);
    assert_int_equal(tlb_lookup_matches(t, 1, 1, 0x0001A000u, &m)->size, PAGE_64K);
    assert_int_equal(m, 2);
    /* G invalidated (TLBIMVA for ASID 2 takes global entries): back to E alone */
    tlb_inv_va(t, 1, 2, 0x00012000u);
    assert_int_equal(tlb_lookup_matches(t, 1, 1, 0x00012000u, &m)->size, PAGE_64K);
    assert_int_equal(m, 1);
    assert_int_equal(tlb_lookup_matches(t, 1, 1, 0x00013000u, &m)->size, PAGE_4K);
    assert_int_equal(m, 2);
    tlb_free(t);
}

/* ------------------------------------------------------------------ invalidation */

/*
 * Five entries in a 32-entry TLB:
 *   P1 vmid 1 asid 1 non-global 4K 0x1000     P2 vmid 1 asid 1 non-global 1M 0x100000
 *   P3 vmid 1 asid 2 non-global 4K 0x3000     P4 vmid 1 global 4K 0x4000 (filled as asid 1)
 *   P5 vmid 2 asid 1 non-global 4K 0x5000
 * TLBIASID (1, 1) removes P1 and P2 only: P4 is global, P5 another VMID. TLBIVMID 1
 * then removes P3 and P4.
 */
static void test_inv_asid_and_vmid(void **state)
{
    (void)state;
    struct tlb *t = mk(32, 32, TLB_LRU, 0);

    fill(t, 0x1000u, PAGE_4K, 1, 1, true);
    fill(t, 0x100000u, PAGE_1M, 1, 1, true);
    fill(t, 0x3000u, PAGE_4K, 1, 2, true);
    fill(t, 0x4000u, PAGE_4K, 1, 1, false);
    fill(t, 0x5000u, PAGE_4K, 2, 1, true);

    tlb_inv_asid(t, 1, 1);
    assert_int_equal(tlb_valid_entries(t), 3);
    assert_int_equal(tlb_stats(t)->invalidations, 2);
    assert_null(tlb_probe(t, 1, 1, 0x1000u));
    assert_null(tlb_probe(t, 1, 1, 0x180000u));
    assert_non_null(tlb_probe(t, 1, 2, 0x3000u));
    assert_non_null(tlb_probe(t, 1, 1, 0x4000u));      /* global survives */
    assert_non_null(tlb_probe(t, 2, 1, 0x5000u));      /* other VMID survives */

    /* A global entry carries no ASID in its tag, not even ASID 0. */
    tlb_inv_asid(t, 1, 0);
    assert_non_null(tlb_probe(t, 1, 0, 0x4000u));
    assert_int_equal(tlb_stats(t)->invalidations, 2);

    tlb_inv_vmid(t, 1);
    assert_int_equal(tlb_valid_entries(t), 1);
    assert_int_equal(tlb_stats(t)->invalidations, 4);
    assert_null(tlb_probe(t, 1, 2, 0x3000u));
    assert_null(tlb_probe(t, 1, 7, 0x4000u));
    assert_non_null(tlb_probe(t, 2, 1, 0x5000u));

    tlb_inv_vmid(t, 2);
    assert_int_equal(tlb_valid_entries(t), 0);
    tlb_free(t);
}

/*
 * Around VA 0x20003000, vmid 1 unless said:
 *   a 4K asid 1 non-global        b 4K asid 2 non-global      c 1M global (asid 7)
 *   d 4K 0x20004000 asid 1        e 4K asid 1 in vmid 2
 * TLBIVA (vmid 1, asid 1, 0x20003ABC) removes a and c (the global entry covering the
 * VA, as ARMv7 TLBIMVA does); TLBIVAA (vmid 1, 0x20003000) then removes b. d and e
 * stay throughout. A second TLBIVAA removes a global 1M and a 64K of asid 3 covering
 * the VA.
 */
static void test_inv_va(void **state)
{
    (void)state;
    struct tlb *t = mk(32, 4, TLB_LRU, 0);

    fill(t, 0x20003000u, PAGE_4K, 1, 1, true);         /* a */
    fill(t, 0x20003000u, PAGE_4K, 1, 2, true);         /* b */
    fill(t, 0x20000000u, PAGE_1M, 1, 7, false);        /* c */
    fill(t, 0x20004000u, PAGE_4K, 1, 1, true);         /* d */
    fill(t, 0x20003000u, PAGE_4K, 2, 1, true);         /* e */
    assert_int_equal(tlb_valid_entries(t), 5);

    tlb_inv_va(t, 1, 1, 0x20003ABCu);
    assert_int_equal(tlb_valid_entries(t), 3);
    assert_int_equal(tlb_stats(t)->invalidations, 2);
    /* a and c gone: asid 1 at 0x20003000 now misses entirely */
    assert_null(tlb_probe(t, 1, 1, 0x20003000u));
    assert_null(tlb_probe(t, 1, 5, 0x20050000u));      /* c covered this */
    assert_int_equal(tlb_probe(t, 1, 2, 0x20003000u)->asid, 2);    /* b */
    assert_non_null(tlb_probe(t, 1, 1, 0x20004000u));             /* d */
    assert_non_null(tlb_probe(t, 2, 1, 0x20003000u));             /* e */

    tlb_inv_va_all_asid(t, 1, 0x20003000u);
    assert_int_equal(tlb_valid_entries(t), 2);
    assert_int_equal(tlb_stats(t)->invalidations, 3);
    assert_null(tlb_probe(t, 1, 2, 0x20003000u));
    assert_non_null(tlb_probe(t, 1, 1, 0x20004000u));
    assert_non_null(tlb_probe(t, 2, 1, 0x20003000u));

    fill(t, 0x20000000u, PAGE_1M, 1, 7, false);
    fill(t, 0x20000000u, PAGE_64K, 1, 3, true);
    tlb_inv_va_all_asid(t, 1, 0x20003000u);
    assert_int_equal(tlb_valid_entries(t), 2);
    assert_int_equal(tlb_stats(t)->invalidations, 5);
    assert_null(tlb_probe(t, 1, 3, 0x20003000u));
    tlb_free(t);
}

/* ------------------------------------------------------------------ lockdown */

/*
 * 4 entries, one set, lru. A and B fill ways 0 and 1, then floor = 2 locks them;
 * C and D take ways 2 and 3. TLBIALL removes C and D only. The next fill takes way 2
 * (the lowest invalid unlocked way). TLBIASID removes locked entries too; after it the
 * invalid locked ways 0 and 1 are still not used by ordinary fills: F and G take ways
 * 2 and 3 and H evicts the older of them, F.
 */
static void test_inv_all_spares_locked(void **state)
{
    (void)state;
    struct tlb *t = mk(4, 4, TLB_LRU, 0);

    fill(t, A << 12, PAGE_4K, 1, 1, true);
    fill(t, B << 12, PAGE_4K, 1, 1, true);
    assert_int_equal(tlb_set_lockdown(t, false, 2, 0), 0);
    fill(t, C << 12, PAGE_4K, 1, 1, true);
    fill(t, D << 12, PAGE_4K, 1, 1, true);
    assert_int_equal(index_of(t, C), 2);
    assert_int_equal(index_of(t, D), 3);

    tlb_inv_all(t);
    assert_int_equal(tlb_valid_entries(t), 2);
    assert_int_equal(tlb_stats(t)->invalidations, 2);
    assert_int_equal(index_of(t, A), 0);
    assert_int_equal(index_of(t, B), 1);
    fill(t, E << 12, PAGE_4K, 1, 1, true);
    assert_int_equal(index_of(t, E), 2);

    tlb_inv_asid(t, 1, 1);
    assert_int_equal(tlb_valid_entries(t), 0);
    assert_int_equal(tlb_stats(t)->invalidations, 5);
    fill(t, F << 12, PAGE_4K, 1, 1, true);
    fill(t, 7u << 12, PAGE_4K, 1, 1, true);
    assert_int_equal(index_of(t, F), 2);
    assert_int_equal(index_of(t, 7), 3);
    fill(t, 8u << 12, PAGE_4K, 1, 1, true);
    assert_int_equal(index_of(t, 8), 2);
    assert_int_equal(index_of(t, F), -1);
    tlb_free(t);
}

/*
 * lke = 1, floor = 2, victim = 0: fills go to way 0, way 1, then the victim wraps
 * below floor back to way 0 (X, Y, then Z evicting X). With lke = 0 the ordinary fills
 * use ways 2 and 3 only. lke with victim at or above floor cycles through floor .. 3.
 * With lke, a tag already in the set is moved to the victim way.
 */
static void test_lockdown_victim(void **state)
{
    (void)state;
    struct tlb *t = mk(4, 4, TLB_LRU, 0);

    assert_int_equal(tlb_set_lockdown(t, true, 2, 0), 0);
    fill(t, 0x10000u, PAGE_4K, 1, 1, true);            /* X -> way 0 */
    fill(t, 0x11000u, PAGE_4K, 1, 1, true);            /* Y -> way 1 */
    fill(t, 0x12000u, PAGE_4K, 1, 1, true);            /* Z -> way 0 */
    assert_int_equal(index_of(t, 0x11), 1);
    assert_int_equal(index_of(t, 0x12), 0);
    assert_int_equal(index_of(t, 0x10), -1);
    assert_int_equal(tlb_stats(t)->evictions, 1);
    /* Three lke fills from victim 0 with floor 2: 0 -> 1 -> 0 -> 1. */
    bool lke;
    unsigned floor, victim;
    tlb_get_lockdown(t, &lke, &floor, &victim);
    assert_true(lke);
    assert_int_equal(floor, 2);
    assert_int_equal(victim, 1);

    assert_int_equal(tlb_set_lockdown(t, false, 2, 0), 0);
    fill(t, 0x20000u, PAGE_4K, 1, 1, true);            /* P -> way 2 */
    fill(t, 0x21000u, PAGE_4K, 1, 1, true);            /* Q -> way 3 */
    fill(t, 0x22000u, PAGE_4K, 1, 1, true);            /* R evicts P (lru of 2, 3) */
    assert_int_equal(index_of(t, 0x22), 2);
    assert_int_equal(index_of(t, 0x21), 3);
    assert_int_equal(index_of(t, 0x12), 0);
    assert_int_equal(index_of(t, 0x11), 1);
    assert_int_equal(tlb_stats(t)->evictions, 2);

    /* R is in way 2; with lke and victim 0 a refill of R moves it to way 0 (Z out). */
    assert_int_equal(tlb_set_lockdown(t, true, 2, 0), 0);
    fill(t, 0x22000u, PAGE_4K, 1, 1, true);
    assert_int_equal(index_of(t, 0x22), 0);
    assert_false(tlb_read_entry(t, 2, NULL));
    assert_int_equal(tlb_valid_entries(t), 3);
    assert_int_equal(tlb_stats(t)->evictions, 3);

    /* floor 0, victim 2: 2, 3, then wraps to floor = 0, then 1. */
    assert_int_equal(tlb_set_lockdown(t, true, 0, 2), 0);
    for (uint32_t p = 0x30; p < 0x34; p++)
        fill(t, p << 12, PAGE_4K, 1, 1, true);
    assert_int_equal(index_of(t, 0x30), 2);
    assert_int_equal(index_of(t, 0x31), 3);
    assert_int_equal(index_of(t, 0x32), 0);
    assert_int_equal(index_of(t, 0x33), 1);

    /* Out of range: nothing changes (lke stays on, victim continues at 2). */
    assert_int_equal(tlb_set_lockdown(t, false, 5, 0), -EINVAL);
    assert_int_equal(tlb_set_lockdown(t, false, 0, 4), -EINVAL);
    fill(t, 0x40000u, PAGE_4K, 1, 1, true);
    assert_int_equal(index_of(t, 0x40), 2);

    /* All ways locked and lke off: an ordinary fill has nowhere to go. */
    assert_int_equal(tlb_set_lockdown(t, false, 4, 0), 0);
    struct tlb_entry e = ent(0x50000u, PAGE_4K, 1, 1, true);
    assert_int_equal(tlb_fill(t, &e), -ENOSPC);
    assert_int_equal(tlb_valid_entries(t), 4);
    assert_non_null(tlb_lookup(t, 1, 1, 0x40000u));
    tlb_free(t);
}

/*
 * lru recency survives a floor change. Fill A B C D (ways 0-3), then look up B, A, D,
 * C: recency C D A B. floor = 1 locks A; E evicts the lru unlocked way, B (way 1):
 * recency E C D A. floor = 0 unlocks A, which is the least recent: F evicts A (way 0),
 * then G evicts D (way 3).
 */
static void test_lru_floor_change_keeps_order(void **state)
{
    (void)state;
    struct tlb *t = mk(4, 4, TLB_LRU, 0);
    static const uint32_t order[] = { B, A, D, C };

    for (uint32_t p = A; p <= D; p++)
        fill(t, p << 12, PAGE_4K, 1, 1, true);
    for (unsigned i = 0; i < 4; i++)
        assert_non_null(tlb_lookup(t, 1, 1, order[i] << 12));
    assert_int_equal(tlb_set_lockdown(t, false, 1, 0), 0);
    fill(t, E << 12, PAGE_4K, 1, 1, true);
    assert_int_equal(index_of(t, E), 1);
    assert_int_equal(tlb_set_lockdown(t, false, 0, 0), 0);
    fill(t, F << 12, PAGE_4K, 1, 1, true);
    assert_int_equal(index_of(t, F), 0);
    fill(t, 7u << 12, PAGE_4K, 1, 1, true);
    assert_int_equal(index_of(t, 7), 3);
    tlb_free(t);
}

/*
 * plru with floor = 2 on 4 ways. After A B C D in ways 0-3 the bits (n1 n2 n3) are
 * 0 0 0 (see test_plru_one_set). The root's left half (ways 0-1) lies wholly below
 * floor, so the search goes right:
 *   E: n3=0 -> way 2 (evicts C)   bits 0 0 1
 *   F: n3=1 -> way 3 (evicts D)   bits 0 0 0
 *   G: n3=0 -> way 2 (evicts E)   bits 0 0 1
 * floor = 1: the left half is allowed again (mid 2 > floor), but at node 2 the left
 * way 0 is locked (mid 1 <= floor), so
 *   H: n1=0 -> node 2 -> way 1 (evicts B)
 */
static void test_plru_lockdown(void **state)
{
    (void)state;
    struct tlb *t = mk(4, 4, TLB_PLRU, 0);

    for (uint32_t p = A; p <= D; p++)
        fill(t, p << 12, PAGE_4K, 1, 1, true);
    assert_int_equal(tlb_set_lockdown(t, false, 2, 0), 0);
    fill(t, E << 12, PAGE_4K, 1, 1, true);
    assert_int_equal(index_of(t, E), 2);
    fill(t, F << 12, PAGE_4K, 1, 1, true);
    assert_int_equal(index_of(t, F), 3);
    fill(t, 7u << 12, PAGE_4K, 1, 1, true);
    assert_int_equal(index_of(t, 7), 2);
    assert_int_equal(index_of(t, A), 0);
    assert_int_equal(index_of(t, B), 1);
    assert_int_equal(tlb_set_lockdown(t, false, 1, 0), 0);
    fill(t, 8u << 12, PAGE_4K, 1, 1, true);
    assert_int_equal(index_of(t, 8), 1);
    assert_int_equal(index_of(t, A), 0);
    tlb_free(t);
}

/*
 * A set of 256 ways spans four words of the free-way map. Pages 0..255 fill ways
 * 0..255 in order. Invalidating the pages in ways 200, 70 and 130 leaves holes that
 * the next fills take lowest first: 70, 130, 200. With floor = 100, a hole at way 50
 * is locked and skipped: the fill takes the hole at 150; with no hole left the lru
 * unlocked way is evicted: page 100 (way 100), the oldest page at or above floor.
 */
static void test_large_set_free_ways(void **state)
{
    (void)state;
    struct tlb *t = mk(256, 256, TLB_LRU, 0);
    static const uint32_t holes[] = { 200, 70, 130 };

    for (uint32_t p = 0; p < 256; p++) {
        fill(t, p << 12, PAGE_4K, 1, 1, true);
        assert_int_equal(index_of(t, p), (int)p);
    }
    for (unsigned i = 0; i < 3; i++)
        tlb_inv_va(t, 1, 1, holes[i] << 12);
    for (uint32_t p = 1000; p < 1003; p++)
        fill(t, p << 12, PAGE_4K, 1, 1, true);
    assert_int_equal(index_of(t, 1000), 70);
    assert_int_equal(index_of(t, 1001), 130);
    assert_int_equal(index_of(t, 1002), 200);

    assert_int_equal(tlb_set_lockdown(t, false, 100, 0), 0);
    tlb_inv_va(t, 1, 1, 50u << 12);
    tlb_inv_va(t, 1, 1, 150u << 12);
    fill(t, 2000u << 12, PAGE_4K, 1, 1, true);
    assert_int_equal(index_of(t, 2000), 150);
    fill(t, 2001u << 12, PAGE_4K, 1, 1, true);
    assert_int_equal(index_of(t, 2001), 100);
    assert_false(tlb_read_entry(t, 50, NULL));
    assert_int_equal(tlb_valid_entries(t), 255);
    tlb_free(t);
}

/* ------------------------------------------------------------------ tags */

/* A global entry answers every ASID of its VMID and none of another VMID. */
static void test_global_matches_any_asid(void **state)
{
    (void)state;
    struct tlb *t = mk(8, 8, TLB_LRU, 0);
    struct tlb_entry e = ent(0x9000u, PAGE_4K, 1, 5, false);

    assert_int_equal(tlb_fill(t, &e), 0);
    assert_non_null(tlb_lookup(t, 1, 5, 0x9000u));
    assert_non_null(tlb_lookup(t, 1, 9, 0x9FFFu));
    assert_non_null(tlb_lookup(t, 1, 255, 0x9000u));
    assert_null(tlb_lookup(t, 2, 5, 0x9000u));
    /* The ASID is not part of a global tag: a refill with ASID 6 replaces it. */
    e = ent(0x9000u, PAGE_4K, 1, 6, false);
    e.pa = 0x12345000u;
    assert_int_equal(tlb_fill(t, &e), 0);
    assert_int_equal(tlb_valid_entries(t), 1);
    assert_int_equal(tlb_lookup(t, 1, 0, 0x9000u)->pa, 0x12345000u);
    assert_int_equal(tlb_lookup(t, 1, 0, 0x9000u)->asid, 6);
    tlb_free(t);
}

/*
 * A fill of an existing tag rewrites it in place (no duplicate, no eviction) and makes
 * it most recent: in a 2-entry lru TLB, A B, refill A, then C evicts B. Differing in
 * ASID (non-global), size or VMID makes a different tag.
 */
static void test_same_tag_refill(void **state)
{
    (void)state;
    struct tlb *t = mk(2, 2, TLB_LRU, 0);
    struct tlb_entry e;

    fill(t, A << 12, PAGE_4K, 1, 1, true);
    fill(t, B << 12, PAGE_4K, 1, 1, true);
    e = ent(A << 12, PAGE_4K, 1, 1, true);
    e.pa = 0x77777000u;
    e.attrs.ap = 7;
    assert_int_equal(tlb_fill(t, &e), 0);
    assert_int_equal(tlb_valid_entries(t), 2);
    assert_int_equal(index_of(t, A), 0);
    assert_true(tlb_read_entry(t, 0, &e));
    assert_int_equal(e.pa, 0x77777000u);
    assert_int_equal(e.attrs.ap, 7);
    assert_int_equal(tlb_stats(t)->evictions, 0);
    assert_int_equal(tlb_stats(t)->fills, 3);
    fill(t, C << 12, PAGE_4K, 1, 1, true);
    assert_int_equal(index_of(t, A), 0);
    assert_int_equal(index_of(t, C), 1);
    tlb_free(t);

    t = mk(8, 8, TLB_LRU, 0);
    fill(t, 0x1000u, PAGE_4K, 1, 1, true);
    fill(t, 0x1000u, PAGE_4K, 1, 2, true);
    fill(t, 0x0000u, PAGE_64K, 1, 1, true);
    fill(t, 0x1000u, PAGE_4K, 2, 1, true);
    fill(t, 0x1FFFu, PAGE_4K, 1, 1, true);             /* aligns to 0x1000: same tag */
    assert_int_equal(tlb_valid_entries(t), 4);
    tlb_free(t);
}

/* A probe changes neither counters nor recency; a lookup does. */
static void test_probe_has_no_side_effects(void **state)
{
    (void)state;
    struct tlb *t = mk(2, 2, TLB_LRU, 0);

    fill(t, A << 12, PAGE_4K, 1, 1, true);
    fill(t, B << 12, PAGE_4K, 1, 1, true);
    assert_non_null(tlb_probe(t, 1, 1, A << 12));
    assert_int_equal(tlb_stats(t)->lookups, 0);
    fill(t, C << 12, PAGE_4K, 1, 1, true);             /* A still lru: evicted */
    assert_int_equal(index_of(t, A), -1);
    tlb_free(t);

    t = mk(2, 2, TLB_LRU, 0);
    fill(t, A << 12, PAGE_4K, 1, 1, true);
    fill(t, B << 12, PAGE_4K, 1, 1, true);
    assert_non_null(tlb_lookup(t, 1, 1, A << 12));
    fill(t, C << 12, PAGE_4K, 1, 1, true);             /* B is lru now */
    assert_int_equal(index_of(t, B), -1);
    assert_int_equal(index_of(t, A), 0);
    assert_false(tlb_read_entry(t, 2, NULL));           /* out of range */
    tlb_free(t);
}

/* ------------------------------------------------------------------ counters */

/*
 * 2 entries, lru. Fill A (4K 0x1000) and B (1M 0x100000); look up A, B + 0x5000 (hits)
 * and 0x300000 (miss). C (64K 0x300000) evicts the lru, A; D (16M 0x5000000) evicts
 * B, less recent than C.
 */
static void test_counters_by_size(void **state)
{
    (void)state;
    struct tlb *t = mk(2, 2, TLB_LRU, 0);
    const struct tlb_stats *st = tlb_stats(t);

    fill(t, 0x1000u, PAGE_4K, 1, 1, true);
    fill(t, 0x100000u, PAGE_1M, 1, 1, true);
    assert_non_null(tlb_lookup(t, 1, 1, 0x1000u));
    assert_non_null(tlb_lookup(t, 1, 1, 0x105000u));
    assert_null(tlb_lookup(t, 1, 1, 0x300000u));
    fill(t, 0x300000u, PAGE_64K, 1, 1, true);
    fill(t, 0x5000000u, PAGE_16M, 1, 1, true);
    assert_int_equal(st->lookups, 3);
    assert_int_equal(st->hits, 2);
    assert_int_equal(st->misses, 1);
    assert_int_equal(st->hits_by_size[PAGE_4K], 1);
    assert_int_equal(st->hits_by_size[PAGE_1M], 1);
    assert_int_equal(st->hits_by_size[PAGE_64K], 0);
    assert_int_equal(st->fills, 4);
    for (unsigned s = 0; s < PAGE_SIZES; s++)
        assert_int_equal(st->fills_by_size[s], 1);
    assert_int_equal(st->evictions, 2);
    assert_int_equal(st->evictions_by_size[PAGE_4K], 1);
    assert_int_equal(st->evictions_by_size[PAGE_1M], 1);
    assert_int_equal(st->evictions_by_size[PAGE_64K], 0);
    assert_int_equal(st->invalidations, 0);
    tlb_inv_all(t);
    assert_int_equal(st->invalidations, 2);
    tlb_reset_stats(t);
    assert_int_equal(st->lookups, 0);
    assert_int_equal(st->fills_by_size[PAGE_16M], 0);
    assert_int_equal(st->invalidations, 0);
    tlb_free(t);
}

/* ------------------------------------------------------------------ configuration */

static void expect_config_error(unsigned entries, unsigned ways, enum tlb_replacement r,
                                const char *field, const char *range)
{
    struct tlb_config cfg = { .entries = entries, .ways = ways, .replacement = r };
    char err[256];

    assert_int_equal(tlb_config_check(&cfg, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, field));
    assert_non_null(strstr(err, range));
    assert_null(tlb_new(&cfg));
}

static void test_config_errors(void **state)
{
    (void)state;
    struct tlb_config ok = { .entries = 32, .ways = 32, .replacement = TLB_PLRU };
    char err[256];

    expect_config_error(0, 1, TLB_LRU, "entries", "1 .. 1048576");
    expect_config_error(TLB_MAX_ENTRIES + 1, 1, TLB_LRU, "entries", "1 .. 1048576");
    expect_config_error(32, 0, TLB_LRU, "ways", "1 .. entries (32)");
    expect_config_error(32, 64, TLB_LRU, "ways", "1 .. entries (32)");
    expect_config_error(32, 5, TLB_LRU, "ways = 5", "divisor of entries");
    expect_config_error(48, 16, TLB_LRU, "3 sets", "power of two");
    expect_config_error(12, 6, TLB_PLRU, "ways = 6", "power of two");
    expect_config_error(32, 32, (enum tlb_replacement)9, "replacement = 9",
                        "lru, plru, round-robin, random");

    assert_int_equal(tlb_config_check(&ok, err, sizeof(err)), 0);
    ok.entries = 1;
    ok.ways = 1;
    assert_int_equal(tlb_config_check(&ok, NULL, 0), 0);
    ok.entries = TLB_MAX_ENTRIES;
    ok.ways = 4;
    assert_int_equal(tlb_config_check(&ok, NULL, 0), 0);
    /* 12 entries in 4 sets of 3 ways is fine for lru: only plru needs 2^n ways. */
    ok.entries = 12;
    ok.ways = 3;
    ok.replacement = TLB_LRU;
    assert_int_equal(tlb_config_check(&ok, NULL, 0), 0);
    /* A short buffer is truncated, not overrun. */
    ok.entries = 0;
    memset(err, 'x', sizeof(err));
    assert_int_equal(tlb_config_check(&ok, err, 8), -EINVAL);
    assert_int_equal(strlen(err), 7);
    assert_int_equal(err[8], 'x');
    assert_null(tlb_new(NULL));

    /* Bad entry size. */
    struct tlb *t = mk(4, 4, TLB_LRU, 0);
    struct tlb_entry e = ent(0x1000u, PAGE_4K, 1, 1, true);
    e.size = PAGE_SIZES;
    assert_int_equal(tlb_fill(t, &e), -EINVAL);
    assert_int_equal(tlb_valid_entries(t), 0);
    tlb_free(t);
}

static void test_replacement_names(void **state)
{
    (void)state;
    enum tlb_replacement r = TLB_LRU;

    assert_int_equal(tlb_replacement_parse("plru", &r), 0);
    assert_int_equal(r, TLB_PLRU);
    assert_int_equal(tlb_replacement_parse("round-robin", &r), 0);
    assert_int_equal(r, TLB_ROUND_ROBIN);
    assert_int_equal(tlb_replacement_parse("random", &r), 0);
    assert_int_equal(r, TLB_RANDOM);
    assert_int_equal(tlb_replacement_parse("lru", &r), 0);
    assert_int_equal(r, TLB_LRU);
    assert_int_equal(tlb_replacement_parse("LRU", &r), -EINVAL);
    assert_int_equal(tlb_replacement_parse("fifo", &r), -EINVAL);
    assert_int_equal(tlb_replacement_parse("", &r), -EINVAL);
    assert_int_equal(tlb_replacement_parse(NULL, &r), -EINVAL);
    assert_int_equal(r, TLB_LRU);                      /* unchanged on error */
    assert_string_equal(tlb_replacement_name(TLB_ROUND_ROBIN), "round-robin");
    assert_string_equal(tlb_replacement_name(TLB_PLRU), "plru");
    /* A value outside the enumeration has a name too, for messages. */
    assert_string_equal(tlb_replacement_name((enum tlb_replacement)9), "unknown");
    tlb_free(NULL);
}

/* ------------------------------------------------------------------ reference model */

/*
 * The rules of docs/tlb.md written the slow and obvious way: every search scans the
 * set's ways, lru picks the smallest last-use stamp, the plru tree is walked from the
 * root rather than from the leaf, and random uses the documented generator
 * (splitmix64 from the seed, victim = floor + ((r >> 32) * (ways - floor)) >> 32).
 */
#define REF_MAX 256

struct ref {
    unsigned sets, ways;
    enum tlb_replacement repl;
    bool valid[REF_MAX];
    struct tlb_entry e[REF_MAX];
    uint64_t stamp[REF_MAX];
    uint8_t plru[REF_MAX];          /* per set: ways bytes, node 1 the root */
    unsigned rr[REF_MAX];
    uint64_t rng, clock;
    bool lke;
    unsigned floor, victim;
    struct tlb_stats st;
};

static uint64_t ref_rand(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static unsigned ref_set(const struct ref *r, uint32_t va, enum page_size s)
{
    return (va >> page_shift(s)) & (r->sets - 1);
}

static bool ref_covers(const struct tlb_entry *e, uint32_t va)
{
    return (va >> page_shift(e->size)) == (e->va >> page_shift(e->size));
}

static void ref_touch(struct ref *r, unsigned set, unsigned way)
{
    r->stamp[set * r->ways + way] = ++r->clock;
    if (r->repl == TLB_PLRU) {
        uint8_t *bits = r->plru + set * r->ways;
        unsigned node = 1, lo = 0, hi = r->ways;
        while (hi - lo > 1) {
            unsigned mid = (lo + hi) / 2;
            bits[node] = way < mid;         /* point at the half the way is not in */
            node = 2 * node + (way >= mid);
            if (way < mid)
                hi = mid;
            else
                lo = mid;
        }
    }
}

static int ref_find(const struct ref *r, uint32_t va, enum page_size s, uint8_t vmid,
                    uint8_t asid, bool global)
{
    unsigned set = ref_set(r, va, s);
    for (unsigned w = 0; w < r->ways; w++) {
        const struct tlb_entry *e = &r->e[set * r->ways + w];
        if (r->valid[set * r->ways + w] && e->size == s && e->vmid == vmid &&
            ref_covers(e, va) && e->attrs.ng == !global && (global || e->asid == asid))
            return (int)(set * r->ways + w);
    }
    return -1;
}

static int ref_search(const struct ref *r, uint8_t vmid, uint8_t asid, uint32_t va)
{
    for (unsigned s = 0; s < PAGE_SIZES; s++)
        for (int g = 0; g < 2; g++) {
            int i = ref_find(r, va, (enum page_size)s, vmid, asid, g);
            if (i >= 0)
                return i;
        }
    return -1;
}

static int ref_lookup(struct ref *r, uint8_t vmid, uint8_t asid, uint32_t va)
{
    int i = ref_search(r, vmid, asid, va);
    r->st.lookups++;
    if (i < 0) {
        r->st.misses++;
        return -1;
    }
    r->st.hits++;
    r->st.hits_by_size[r->e[i].size]++;
    ref_touch(r, (unsigned)i / r->ways, (unsigned)i % r->ways);
    return i;
}

static unsigned ref_victim(struct ref *r, unsigned set)
{
    unsigned v = r->floor;
    switch (r->repl) {
    case TLB_LRU:
        for (unsigned w = r->floor; w < r->ways; w++)
            if (r->stamp[set * r->ways + w] < r->stamp[set * r->ways + v])
                v = w;
        return v;
    case TLB_PLRU: {
        const uint8_t *bits = r->plru + set * r->ways;
        unsigned node = 1, lo = 0, hi = r->ways;
        while (hi - lo > 1) {
            unsigned mid = (lo + hi) / 2;
            bool right = bits[node] || mid <= r->floor;
            node = 2 * node + right;
            if (right)
                lo = mid;
            else
                hi = mid;
        }
        return lo;
    }
    case TLB_ROUND_ROBIN:
        v = r->rr[set] < r->floor ? r->floor : r->rr[set];
        r->rr[set] = v + 1 == r->ways ? r->floor : v + 1;
        return v;
    default:
        return r->floor + (unsigned)(((ref_rand(&r->rng) >> 32) * (r->ways - r->floor)) >> 32);
    }
}

static int ref_fill(struct ref *r, const struct tlb_entry *in)
{
    struct tlb_entry e = *in;
    e.va &= ~(page_bytes(e.size) - 1);
    unsigned set = ref_set(r, e.va, e.size);
    int old = ref_find(r, e.va, e.size, e.vmid, e.asid, !e.attrs.ng);
    unsigned way;

    if (r->lke) {
        way = r->victim;
        if (way < r->floor)
            r->victim = way + 1 == r->floor ? 0 : way + 1;
        else
            r->victim = way + 1 == r->ways ? r->floor : way + 1;
        if (old >= 0 && (unsigned)old != set * r->ways + way)
            r->valid[old] = false;
        else if (old < 0 && r->valid[set * r->ways + way]) {
            r->st.evictions++;
            r->st.evictions_by_size[r->e[set * r->ways + way].size]++;
        }
        if (old >= 0 && (unsigned)old != set * r->ways + way && r->valid[set * r->ways + way]) {
            r->st.evictions++;
            r->st.evictions_by_size[r->e[set * r->ways + way].size]++;
        }
    } else if (old >= 0) {
        way = (unsigned)old % r->ways;
    } else {
        way = r->ways;
        for (unsigned w = r->floor; w < r->ways && way == r->ways; w++)
            if (!r->valid[set * r->ways + w])
                way = w;
        if (way == r->ways) {
            if (r->floor >= r->ways)
                return -ENOSPC;
            way = ref_victim(r, set);
            r->st.evictions++;
            r->st.evictions_by_size[r->e[set * r->ways + way].size]++;
        }
    }
    r->valid[set * r->ways + way] = true;
    r->e[set * r->ways + way] = e;
    ref_touch(r, set, way);
    r->st.fills++;
    r->st.fills_by_size[e.size]++;
    return 0;
}

static void ref_inv_if(struct ref *r, unsigned i, bool cond)
{
    if (r->valid[i] && cond) {
        r->valid[i] = false;
        r->st.invalidations++;
    }
}

static bool same_entry(const struct tlb_entry *a, const struct tlb_entry *b)
{
    return a->va == b->va && a->pa == b->pa && a->size == b->size && a->vmid == b->vmid &&
           a->asid == b->asid && a->attrs.ng == b->attrs.ng && a->attrs.ap == b->attrs.ap;
}

static uint64_t xs_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void compare_all(const struct tlb *t, const struct ref *r)
{
    struct tlb_entry e;
    unsigned n = 0;

    for (unsigned i = 0; i < r->sets * r->ways; i++) {
        assert_int_equal(tlb_read_entry(t, i, &e), r->valid[i]);
        if (r->valid[i]) {
            assert_true(same_entry(&e, &r->e[i]));
            n++;
        }
    }
    assert_int_equal(tlb_valid_entries(t), n);
    assert_memory_equal(tlb_stats(t), &r->st, sizeof(r->st));
}

static void run_against_reference(unsigned entries, unsigned ways, enum tlb_replacement repl,
                                  uint64_t seed, unsigned ops)
{
    struct tlb *t = mk(entries, ways, repl, seed);
    struct ref r = { .sets = entries / ways, .ways = ways, .repl = repl, .rng = seed };
    uint64_t x = 0x243F6A8885A308D3ull ^ (entries * 131 + ways * 7 + repl);
    uint8_t vmid = 1, asid = 1;
    uint32_t va = 0;

    for (unsigned op = 0; op < ops; op++) {
        uint64_t a = xs_next(&x), b = xs_next(&x);
        /*
         * Few VMIDs, ASIDs and addresses, so that tags repeat and sizes overlap; one
         * access in four repeats the previous address, as streams do.
         */
        if ((a >> 30) % 4 != 0) {
            vmid = 1 + (a & 1);
            asid = (a >> 1) % 3;
            va = (uint32_t)(((b & 0x3F) << 12) | (((b >> 8) & 3) << 24) | ((b >> 10) & 0xFFF));
        }
        unsigned sz = (a >> 4) % 20;
        enum page_size size = sz < 12 ? PAGE_4K : sz < 16 ? PAGE_64K : sz < 19 ? PAGE_1M : PAGE_16M;
        unsigned kind = (a >> 16) % 100;

        if (kind < 65 && kind % 8 == 4) {
            /* tlb_access: the lookup, and on a miss the fill, in one call */
            struct tlb_entry e = ent(va, size, vmid, asid, (a >> 24) % 5 != 0);
            e.pa = (uint32_t)(b >> 32) & ~(page_bytes(size) - 1);
            int i = ref_lookup(&r, vmid, asid, va);
            assert_int_equal(tlb_access(t, vmid, asid, va, &e), i >= 0 ? 1 : ref_fill(&r, &e));
        } else if (kind < 65) {
            unsigned matches = 0, m = 0;
            /* odd kinds through tlb_lookup_matches: its count, cached with the last
             * lookup, must be the reference's count whatever came between */
            const struct tlb_entry *h = kind & 1 ? tlb_lookup_matches(t, vmid, asid, va, &matches)
                                                 : tlb_lookup(t, vmid, asid, va);
            int i = ref_lookup(&r, vmid, asid, va);
            assert_int_equal(h != NULL, i >= 0);
            for (unsigned s = 0; (kind & 1) && s < PAGE_SIZES; s++)
                for (int g = 0; g < 2; g++)
                    m += ref_find(&r, va, (enum page_size)s, vmid, asid, g) >= 0;
            if (kind & 1)
                assert_int_equal(matches, m);
            if (h) {
                assert_true(same_entry(h, &r.e[i]));
                assert_ptr_equal(h, tlb_probe(t, vmid, asid, va));
            }
            if (!h || kind < 20) {
                struct tlb_entry e = ent(va, size, vmid, asid, (a >> 24) % 5 != 0);
                e.pa = (uint32_t)(b >> 32) & ~(page_bytes(size) - 1);
                assert_int_equal(tlb_fill(t, &e), ref_fill(&r, &e));
            }
        } else if (kind < 75) {
            unsigned m = 0;
            for (unsigned s = 0; s < PAGE_SIZES; s++)
                for (int g = 0; g < 2; g++)
                    m += ref_find(&r, va, (enum page_size)s, vmid, asid, g) >= 0;
            assert_int_equal(tlb_match_count(t, vmid, asid, va), m);
        } else if (kind < 81) {
            tlb_inv_va(t, vmid, asid, va);
            for (unsigned i = 0; i < entries; i++)
                ref_inv_if(&r, i, r.e[i].vmid == vmid && ref_covers(&r.e[i], va) &&
                                  (!r.e[i].attrs.ng || r.e[i].asid == asid));
        } else if (kind < 85) {
            tlb_inv_va_all_asid(t, vmid, va);
            for (unsigned i = 0; i < entries; i++)
                ref_inv_if(&r, i, r.e[i].vmid == vmid && ref_covers(&r.e[i], va));
        } else if (kind < 88) {
            tlb_inv_asid(t, vmid, asid);
            for (unsigned i = 0; i < entries; i++)
                ref_inv_if(&r, i, r.e[i].vmid == vmid && r.e[i].attrs.ng && r.e[i].asid == asid);
        } else if (kind < 89) {
            tlb_inv_vmid(t, vmid);
            for (unsigned i = 0; i < entries; i++)
                ref_inv_if(&r, i, r.e[i].vmid == vmid);
        } else if (kind < 90) {
            tlb_inv_all(t);
            for (unsigned i = 0; i < entries; i++)
                ref_inv_if(&r, i, i % ways >= r.floor);
        } else if (kind < 93) {
            /* Mostly small floors, lke now and then, and sometimes every way locked. */
            unsigned floor = (b >> 40) % 4 == 0 ? (unsigned)((b >> 44) % (ways + 1))
                                                 : (unsigned)((b >> 44) % (ways / 2 + 1));
            unsigned victim = (unsigned)((b >> 52) % ways);
            bool lke = (b >> 60) % 6 == 0;
            assert_int_equal(tlb_set_lockdown(t, lke, floor, victim), 0);
            r.lke = lke;
            r.floor = floor;
            r.victim = victim;
        } else {
            compare_all(t, &r);
        }
    }
    compare_all(t, &r);
    tlb_free(t);
}

/*
 * Fifteen thousand mixed operations per configuration, compared step by step against
 * the reference model: fully associative and set associative, each policy, the
 * one-entry TLB, and sets of more than 64 ways (several words of the free map).
 */
static void test_against_reference(void **state)
{
    (void)state;
    run_against_reference(16, 16, TLB_LRU, 0, 15000);
    run_against_reference(32, 4, TLB_LRU, 0, 15000);
    run_against_reference(24, 3, TLB_LRU, 0, 15000);
    run_against_reference(16, 16, TLB_PLRU, 0, 15000);
    run_against_reference(32, 8, TLB_PLRU, 0, 15000);
    run_against_reference(16, 16, TLB_ROUND_ROBIN, 0, 15000);
    run_against_reference(8, 2, TLB_ROUND_ROBIN, 0, 15000);
    run_against_reference(16, 16, TLB_RANDOM, 7, 15000);
    run_against_reference(64, 4, TLB_RANDOM, 99, 15000);
    run_against_reference(1, 1, TLB_LRU, 0, 5000);
    run_against_reference(128, 128, TLB_LRU, 0, 15000);
    run_against_reference(192, 96, TLB_LRU, 0, 15000);
    run_against_reference(256, 128, TLB_PLRU, 0, 15000);
    run_against_reference(256, 128, TLB_RANDOM, 5, 15000);
    run_against_reference(128, 128, TLB_ROUND_ROBIN, 0, 15000);
}

/*
 * tlb_access as the trace study uses it: one page size, global entries of one VMID,
 * lookups of any ASID, each miss filled with the page of the address. Compared with
 * the reference model reference by reference, with lockdown changes, lke fills and
 * full invalidations now and then, so that the short lru miss and every fallback
 * (a free way, a locked way, lke, another policy) are taken.
 */
static void run_access_study(unsigned entries, unsigned ways, enum tlb_replacement repl,
                             enum page_size size, unsigned pages, unsigned ops)
{
    struct tlb *t = mk(entries, ways, repl, 3);
    struct ref r = { .sets = entries / ways, .ways = ways, .repl = repl, .rng = 3 };
    uint64_t x = 0x9E3779B97F4A7C15ull ^ (entries * 17 + ways * 5 + repl + size * 3);

    for (unsigned op = 0; op < ops; op++) {
        uint64_t a = xs_next(&x);
        uint32_t va = (uint32_t)((a % pages) << page_shift(size)) | (uint32_t)((a >> 40) & 0xFFF);
        unsigned kind = (unsigned)(a >> 52) % 1000;

        if (kind < 990) {
            struct tlb_entry e = ent(va, size, 0, 0, false);
            uint8_t asid = (uint8_t)(a >> 20);
            int i = ref_lookup(&r, 0, asid, va);
            assert_int_equal(tlb_access(t, 0, asid, va, &e), i >= 0 ? 1 : ref_fill(&r, &e));
        } else if (kind < 996) {
            unsigned floor = kind < 993 ? 0 : (unsigned)(a >> 8) % (ways + 1);
            unsigned victim = (unsigned)(a >> 16) % ways;
            bool lke = kind == 995;
            assert_int_equal(tlb_set_lockdown(t, lke, floor, victim), 0);
            r.lke = lke;
            r.floor = floor;
            r.victim = victim;
        } else if (kind < 998) {
            tlb_inv_all(t);
            for (unsigned i = 0; i < entries; i++)
                ref_inv_if(&r, i, i % ways >= r.floor);
        } else {
            compare_all(t, &r);
        }
    }
    compare_all(t, &r);
    tlb_free(t);
}

static void test_access_study(void **state)
{
    (void)state;
    run_access_study(16, 16, TLB_LRU, PAGE_4K, 40, 30000);
    run_access_study(64, 64, TLB_LRU, PAGE_64K, 200, 30000);
    run_access_study(32, 4, TLB_LRU, PAGE_4K, 100, 30000);
    run_access_study(1, 1, TLB_LRU, PAGE_1M, 3, 5000);
    run_access_study(16, 16, TLB_PLRU, PAGE_4K, 40, 20000);
    run_access_study(16, 4, TLB_ROUND_ROBIN, PAGE_16M, 40, 20000);
    run_access_study(16, 16, TLB_RANDOM, PAGE_4K, 40, 20000);
}

/*
 * tlb_access by hand, a fully associative lru TLB of 2 entries, pages A B A C B A:
 * miss, miss, hit (A most recent), miss (C evicts B), miss (B evicts A), miss (A
 * evicts C). The returns are 0 0 1 0 0 0; 6 lookups, 1 hit, 5 misses and fills, 3
 * evictions; B and A are left.
 */
static void test_access_by_hand(void **state)
{
    struct tlb *t = mk(2, 2, TLB_LRU, 0);
    const uint32_t page[] = { 0x1000, 0x2000, 0x1000, 0x3000, 0x2000, 0x1000 };
    const int want[] = { 0, 0, 1, 0, 0, 0 };

    (void)state;
    for (unsigned i = 0; i < 6; i++) {
        struct tlb_entry e = ent(page[i] + 0x10, PAGE_4K, 0, 0, false);
        assert_int_equal(tlb_access(t, 0, 0, page[i] + 0x10, &e), want[i]);
    }
    assert_int_equal(tlb_stats(t)->lookups, 6);
    assert_int_equal(tlb_stats(t)->hits, 1);
    assert_int_equal(tlb_stats(t)->misses, 5);
    assert_int_equal(tlb_stats(t)->fills, 5);
    assert_int_equal(tlb_stats(t)->evictions, 3);
    assert_non_null(tlb_probe(t, 0, 0, 0x1000));
    assert_non_null(tlb_probe(t, 0, 0, 0x2000));
    assert_null(tlb_probe(t, 0, 0, 0x3000));
    /* A fill that is not a page size fails after the lookup counted its miss. */
    struct tlb_entry bad = ent(0x5000, PAGE_4K, 0, 0, false);
    bad.size = (enum page_size)PAGE_SIZES;
    assert_int_equal(tlb_access(t, 0, 0, 0x5000, &bad), -EINVAL);
    assert_int_equal(tlb_stats(t)->misses, 6);
    tlb_free(t);
}

/*
 * The three places a hit can find its way in a set's lru order, by hand, through
 * tlb_access (3 entries, fully associative): after A B C filled, the order from the
 * most recent is C B A. B hits inside (B C A), A hits the least recent (A B C), D
 * misses and evicts C (D A B), C misses and evicts B (C D A), C hits the most recent
 * (no change; C's fill emptied the one-entry cache, so this is the hash's hit), A hits the least recent (A C D), B misses and evicts D (B A C). Returns
 * 0 0 0 1 1 0 0 1 1 0: 10 lookups, 4 hits, 6 misses and fills, 3 evictions.
 */
static void test_access_hit_order(void **state)
{
    struct tlb *t = mk(3, 3, TLB_LRU, 0);
    enum { A = 0x1000, B = 0x2000, C = 0x3000, D = 0x4000 };
    const uint32_t page[] = { A, B, C, B, A, D, C, C, A, B };
    const int want[] = { 0, 0, 0, 1, 1, 0, 0, 1, 1, 0 };

    (void)state;
    for (unsigned i = 0; i < 10; i++) {
        struct tlb_entry e = ent(page[i], PAGE_4K, 0, 0, false);
        assert_int_equal(tlb_access(t, 0, 0, page[i] + 0x20, &e), want[i]);
    }
    assert_int_equal(tlb_stats(t)->lookups, 10);
    assert_int_equal(tlb_stats(t)->hits, 4);
    assert_int_equal(tlb_stats(t)->hits_by_size[PAGE_4K], 4);
    assert_int_equal(tlb_stats(t)->misses, 6);
    assert_int_equal(tlb_stats(t)->fills, 6);
    assert_int_equal(tlb_stats(t)->evictions, 3);
    assert_non_null(tlb_probe(t, 0, 0, A));
    assert_non_null(tlb_probe(t, 0, 0, B));
    assert_non_null(tlb_probe(t, 0, 0, C));
    assert_null(tlb_probe(t, 0, 0, D));
    tlb_free(t);
}

/*
 * 64-bit VAs (the trace-driven study's addresses). An entry's page number is the
 * whole VA above its page offset, so pages that agree in the low 32 bits but not
 * above never alias, at any size; and a 16 MiB entry at 2^47 - 16M covers exactly
 * its 4096 4 KiB pages. Two sets of 2 ways: the set is the page number's low bit,
 * which is the same for 0x1000 and 0x7f0000001000 (page numbers 0x1 and
 * 0x7f0000001), so both compete in set 1.
 */
static void test_wide_va(void **state)
{
    static const uint64_t hi = 0x7f0000000000ull;
    struct tlb *t = mk(4, 2, TLB_LRU, 0);
    struct tlb_entry e = { .va = hi | 0x1000, .size = PAGE_4K, .attrs = { .ap = 3 } };
    const struct tlb_entry *hit;

    (void)state;
    assert_int_equal(tlb_fill(t, &e), 0);
    assert_null(tlb_lookup(t, 0, 0, 0x1000));           /* same low 32 bits: a miss */
    hit = tlb_lookup(t, 0, 0, hi | 0x1ffc);
    assert_non_null(hit);
    assert_true(hit->va == (hi | 0x1000));
    e.va = 0x1000;
    assert_int_equal(tlb_fill(t, &e), 0);               /* set 1, way 1: both held */
    assert_non_null(tlb_lookup(t, 0, 0, 0x1000));
    assert_non_null(tlb_lookup(t, 0, 0, hi | 0x1000));
    assert_int_equal(tlb_match_count(t, 0, 0, hi | 0x1000), 1);
    /* A third page of set 1 (0x3000) evicts the least recent, 0x1000. */
    e.va = hi | 0x3000;
    assert_int_equal(tlb_fill(t, &e), 0);
    assert_null(tlb_probe(t, 0, 0, 0x1000));
    assert_non_null(tlb_probe(t, 0, 0, hi | 0x1000));
    tlb_inv_va(t, 0, 0, hi | 0x1000);
    assert_null(tlb_probe(t, 0, 0, hi | 0x1000));
    assert_non_null(tlb_probe(t, 0, 0, hi | 0x3000));

    /* 16M at 0x7fffff000000: hits its first and last byte, not the next 16M or 4G below. */
    e = (struct tlb_entry){ .va = 0x7fffff000000ull, .size = PAGE_16M, .attrs = { .ap = 3 } };
    assert_int_equal(tlb_fill(t, &e), 0);
    assert_non_null(tlb_probe(t, 0, 0, 0x7fffff000000ull));
    assert_non_null(tlb_probe(t, 0, 0, 0x7fffffffffffull));
    assert_null(tlb_probe(t, 0, 0, 0x800000000000ull));
    assert_null(tlb_probe(t, 0, 0, 0x7ffeff000000ull));
    /* The top of the 64-bit space, 1M: page number 0xfffffffffff. */
    e = (struct tlb_entry){ .va = 0xfffffffffff00000ull, .size = PAGE_1M, .attrs = { .ap = 3 } };
    assert_int_equal(tlb_fill(t, &e), 0);
    assert_non_null(tlb_probe(t, 0, 0, UINT64_MAX));
    assert_null(tlb_probe(t, 0, 0, 0xfff00000u));
    tlb_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lru_one_set),
        cmocka_unit_test(test_plru_one_set),
        cmocka_unit_test(test_round_robin_one_set),
        cmocka_unit_test(test_lru_two_sets),
        cmocka_unit_test(test_plru_two_sets),
        cmocka_unit_test(test_round_robin_two_sets),
        cmocka_unit_test(test_random_policy),
        cmocka_unit_test(test_section_hits_all_small_pages),
        cmocka_unit_test(test_supersection_and_large_page),
        cmocka_unit_test(test_mixed_sizes_coexist),
        cmocka_unit_test(test_fast_cache_whole_page),
        cmocka_unit_test(test_overlap_priority),
        cmocka_unit_test(test_match_count_remembered),
        cmocka_unit_test(test_inv_asid_and_vmid),
        cmocka_unit_test(test_inv_va),
        cmocka_unit_test(test_inv_all_spares_locked),
        cmocka_unit_test(test_lockdown_victim),
        cmocka_unit_test(test_lru_floor_change_keeps_order),
        cmocka_unit_test(test_plru_lockdown),
        cmocka_unit_test(test_large_set_free_ways),
        cmocka_unit_test(test_global_matches_any_asid),
        cmocka_unit_test(test_same_tag_refill),
        cmocka_unit_test(test_probe_has_no_side_effects),
        cmocka_unit_test(test_counters_by_size),
        cmocka_unit_test(test_config_errors),
        cmocka_unit_test(test_replacement_names),
        cmocka_unit_test(test_against_reference),
        cmocka_unit_test(test_access_study),
        cmocka_unit_test(test_access_by_hand),
        cmocka_unit_test(test_access_hit_order),
        cmocka_unit_test(test_wide_va),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
