/*
 * test_tlb_lockorder.c - lru's order of last use across lockdown changes, with the
 * recency stamps written only while some way is locked (models/tlb.c: with floor 0
 * the lists alone hold the order, and the stamps are made from them when locking
 * starts). The expected victims are worked out by hand from the order of the
 * lookups, as docs/tlb.md states the rule: a way that becomes unlocked takes its
 * place by its last use.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "models/tlb.h"

enum { A = 1, B, C, D, E, F, G };

static struct tlb *mk4(void)
{
    struct tlb_config cfg = { .entries = 4, .ways = 4, .replacement = TLB_LRU };
    struct tlb *t = tlb_new(&cfg);

    assert_non_null(t);
    return t;
}

static void fill(struct tlb *t, uint32_t page)
{
    struct tlb_entry e = { .va = (uint64_t)page << 12, .pa = page << 12, .size = PAGE_4K,
                           .vmid = 1, .asid = 1, .attrs = { .ap = 3, .ng = true } };

    assert_int_equal(tlb_fill(t, &e), 0);
}

static void hit(struct tlb *t, uint32_t page)
{
    assert_non_null(tlb_lookup(t, 1, 1, (uint64_t)page << 12));
}

/* The way holding page, or -1. */
static int way_of(const struct tlb *t, uint32_t page)
{
    struct tlb_entry e;

    for (unsigned i = 0; i < 4; i++)
        if (tlb_read_entry(t, i, &e) && e.va == (uint64_t)page << 12)
            return (int)i;
    return -1;
}

/*
 * A, B, C, D fill ways 0-3; hits on C, A, D, B leave the order (most recent first)
 * B D A C. floor 1 locks way 0 (A), floor 0 unlocks it again with no use in between:
 * A goes back between D and C, so E evicts C (way 2), then F evicts A (way 0).
 */
static void test_unlock_keeps_place(void **state)
{
    struct tlb *t = mk4();

    (void)state;
    fill(t, A), fill(t, B), fill(t, C), fill(t, D);
    hit(t, C), hit(t, A), hit(t, D), hit(t, B);
    assert_int_equal(tlb_set_lockdown(t, false, 1, 0), 0);
    assert_int_equal(tlb_set_lockdown(t, false, 0, 0), 0);
    fill(t, E);
    assert_int_equal(way_of(t, E), 2);
    assert_int_equal(way_of(t, C), -1);
    fill(t, F);
    assert_int_equal(way_of(t, F), 0);
    assert_int_equal(way_of(t, A), -1);
    tlb_free(t);
}

/*
 * The same start (B D A C), then floor 1, and hits on A (locked: it stays off the
 * list but is now the latest use) and D: the order is D A B C. At floor 0 the
 * fills E, F, G evict C (way 2), B (way 1) and A (way 0) in that order, D last.
 */
static void test_locked_hit_counts(void **state)
{
    struct tlb *t = mk4();

    (void)state;
    fill(t, A), fill(t, B), fill(t, C), fill(t, D);
    hit(t, C), hit(t, A), hit(t, D), hit(t, B);
    assert_int_equal(tlb_set_lockdown(t, false, 1, 0), 0);
    hit(t, A), hit(t, D);
    assert_int_equal(tlb_set_lockdown(t, false, 0, 0), 0);
    fill(t, E);
    assert_int_equal(way_of(t, E), 2);
    fill(t, F);
    assert_int_equal(way_of(t, F), 1);
    fill(t, G);
    assert_int_equal(way_of(t, G), 0);
    assert_int_equal(way_of(t, D), 3);
    tlb_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unlock_keeps_place),
        cmocka_unit_test(test_locked_hit_counts),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
