/*
 * mrc.h - miss-ratio curves of lru TLBs in one pass: the misses of every TLB size
 * at once, from the LRU stack distance of each reference.
 *
 * An lru TLB has the inclusion property (Mattson, Gecsei, Slutz and Traiger, 1970):
 * after any sequence of references, a set of W ways holds exactly the W most recently
 * used pages that map to it. A reference therefore hits a W-way set exactly when its
 * stack distance, the number of distinct pages of its set referenced since its own
 * previous reference, is below W. One histogram of stack distances gives the misses
 * of every associativity; with one set (fully associative) that is every TLB size,
 * with S sets every size S x W. This is the model of models/tlb.c's lru policy on
 * a stream of lookups, each miss followed by a fill of the missing page, with no
 * invalidation or lockdown (what `iommusim tlb` replays): there a fill takes an
 * invalid way while one is left and otherwise the least recently used, as a stack
 * of depth W does. The set of a page is its page number modulo the number of sets,
 * as in models/tlb.c.
 *
 * Stack distances are counted up to a depth (the largest TLB to report) with the
 * method of Bennett and Kruskal (1975): each page held is marked at the time of its
 * last reference in a Fenwick tree over times, so the distance of a reference is the
 * number of marks after its page's previous time, O(log) per reference. Only the
 * depth most recent pages of a set are held (deeper distances miss in every TLB
 * counted), which bounds memory by the depth, not by the trace: the times of a set
 * run in a window of a few times its depth, renumbered when the window is used up.
 * docs/tlb.md describes the method and its cost.
 *
 * Besides the misses, the curve classifies them as the 3C model of `iommusim tlb`
 * does (compulsory: the first reference to the page; conflict: a fully associative
 * lru TLB of the same size would have hit; capacity: the rest), and splits
 * references and misses by read and write.
 */
#ifndef IOMMUSIM_MODELS_MRC_H
#define IOMMUSIM_MODELS_MRC_H

#include <stdbool.h>
#include <stdint.h>

#define MRC_MAX_ENTRIES (1u << 20)      /* = TLB_MAX_ENTRIES */
#define MRC_BEYOND      0xFFFFFFFEu     /* a distance of at least the depth, not the first */
#define MRC_COLD        0xFFFFFFFFu     /* the first reference to the page */

struct mrc_config {
    unsigned entries;       /* depth: the largest TLB size counted, 1 .. MRC_MAX_ENTRIES */
    unsigned sets;          /* 1: fully associative only; else a power of two dividing
                               entries: also the set-associative curve at this many sets */
};

/* What one TLB size of the curve would have counted. */
struct mrc_counts {
    uint64_t references, hits, misses;
    uint64_t refs_by_op[2], misses_by_op[2];    /* [0] reads, [1] writes */
    uint64_t compulsory, capacity, conflict;
};

/*
 * The set of page numbers referenced so far, growing with the distinct pages (a
 * sparse bitmap: a 64-byte line per run of 448 consecutive page numbers touched,
 * in a hash at most a third full: 192 to 384 bytes per run).
 */
struct mrc_page_group;
struct mrc_pages {
    struct mrc_page_group *group;       /* the hash of groups */
    uint64_t mask, count;               /* buckets - 1, groups held */
    struct mrc_page_group *last;        /* the group of the last page added */
};

int mrc_pages_init(struct mrc_pages *ps);              /* 0 or -ENOMEM */
int mrc_pages_add(struct mrc_pages *ps, uint64_t page); /* 1 if new, 0 if seen, -ENOMEM */
void mrc_pages_free(struct mrc_pages *ps);

struct mrc;

/* -EINVAL with a sentence naming the field in err (when not NULL), or 0. */
int mrc_config_check(const struct mrc_config *cfg, char *err, unsigned errlen);
struct mrc *mrc_new(const struct mrc_config *cfg);     /* NULL: bad cfg or no memory */
void mrc_free(struct mrc *m);

/*
 * One reference to page number vpn, op 0 (read) or 1 (write). *dist (when not NULL)
 * is its fully associative stack distance (0: the page referenced just before),
 * MRC_BEYOND, or MRC_COLD. 0 or -ENOMEM (the set of pages seen could not grow; the
 * reference is then not counted).
 */
int mrc_access(struct mrc *m, uint64_t vpn, unsigned op, unsigned *dist);

/*
 * A hint, no effect on the counts: starts fetching what mrc_access(m, vpn, ...)
 * will read first, so a caller that knows its next references can overlap their
 * cache misses with the work of the current one.
 */
void mrc_prefetch(const struct mrc *m, uint64_t vpn);

/*
 * The counts of a TLB of `entries` entries: fully associative lru when the curve has
 * one set, else lru with the curve's sets (entries / sets ways). -EINVAL when entries
 * is 0, above the depth, or not a multiple of the sets.
 */
int mrc_counts(struct mrc *m, unsigned entries, struct mrc_counts *out);

/* The fully associative lru misses at `entries` (any sets), or UINT64_MAX if above the depth. */
uint64_t mrc_fa_misses(struct mrc *m, unsigned entries);

#endif
