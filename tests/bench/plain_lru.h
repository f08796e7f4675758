/*
 * plain_lru.h - the baseline of the TLB benchmarks: a plain O(1) LRU hash map.
 *
 * What a hundred lines of C give a fully associative LRU TLB of 4 KiB pages: a
 * chained hash map from page to node (2n buckets) and a doubly linked recency list.
 * Only the benchmarks use it (bench_lru.c, bench_trace.c), to show the model
 * (models/tlb.c) beside it on the same references; nothing in the product does.
 */
#ifndef IOMMUSIM_TESTS_BENCH_PLAIN_LRU_H
#define IOMMUSIM_TESTS_BENCH_PLAIN_LRU_H

#include <stdint.h>
#include <stdlib.h>

#define NIL             UINT32_MAX

struct lru_node {
    uint64_t page;
    uint32_t prev, next, chain;
};

struct plain_lru {
    struct lru_node *node;
    uint32_t *bucket, mask, n, used, head, tail;
};

static uint32_t plain_hash(const struct plain_lru *l, uint64_t page)
{
    return (uint32_t)((page * 0x9E3779B97F4A7C15ull) >> 32) & l->mask;
}

static void plain_unlink(struct plain_lru *l, uint32_t i)
{
    struct lru_node *x = &l->node[i];

    if (x->prev != NIL) l->node[x->prev].next = x->next; else l->head = x->next;
    if (x->next != NIL) l->node[x->next].prev = x->prev; else l->tail = x->prev;
}

static void plain_push(struct plain_lru *l, uint32_t i)
{
    l->node[i].prev = NIL;
    l->node[i].next = l->head;
    if (l->head != NIL) l->node[l->head].prev = i; else l->tail = i;
    l->head = i;
}

static int plain_init(struct plain_lru *l, uint32_t n)
{
    uint32_t b = 16;

    while (b < 2 * n)
        b *= 2;
    *l = (struct plain_lru){ .node = malloc(n * sizeof(*l->node)),
                             .bucket = malloc(b * sizeof(*l->bucket)),
                             .mask = b - 1, .n = n, .head = NIL, .tail = NIL };
    if (!l->node || !l->bucket)
        return -1;
    for (uint32_t i = 0; i < b; i++)
        l->bucket[i] = NIL;
    return 0;
}

/* 1 on a hit, 0 on a miss (the page is then filled, evicting the least recent). */
static int plain_access(struct plain_lru *l, uint64_t page)
{
    uint32_t h = plain_hash(l, page), i, *p;

    for (i = l->bucket[h]; i != NIL; i = l->node[i].chain) {
        if (l->node[i].page == page) {
            if (l->head != i) {
                plain_unlink(l, i);
                plain_push(l, i);
            }
            return 1;
        }
    }
    if (l->used < l->n) {
        i = l->used++;
    } else {
        i = l->tail;
        plain_unlink(l, i);
        for (p = &l->bucket[plain_hash(l, l->node[i].page)]; *p != i; p = &l->node[*p].chain)
            ;
        *p = l->node[i].chain;
    }
    l->node[i].page = page;
    l->node[i].chain = l->bucket[h];
    l->bucket[h] = i;
    plain_push(l, i);
    return 0;
}

static void plain_free(struct plain_lru *l)
{
    free(l->node);
    free(l->bucket);
}

#endif
