/*
 * tlb.h - a set-associative, multi-page-size TLB.
 *
 * The SMMU's global TLB (one per SMMU, shared by all its context banks) and the
 * trace-driven TLB study (`iommusim tlb`) both use this code; docs/tlb.md describes
 * the organisation, the exact replacement rules and the performance design.
 *
 * Entries of 4K, 64K, 1M and 16M pages live in one structure. An entry is tagged by
 * VMID, its non-global bit, the ASID (non-global entries only) and the VA page number
 * at the entry's own page size; its set is chosen from that same page number, so a
 * 1 MiB entry hits for every address inside it whatever the associativity. A lookup
 * probes once per page size present in the TLB. A global entry (ng = false) matches
 * every ASID of its VMID, so two global entries differing only in ASID have the same
 * tag. If software leaves several entries matching one address (a multi-hit), the
 * lookup returns the one of the smallest page size, and within a size the ASID-tagged
 * entry before the global one; tlb_lookup_matches and tlb_match_count let the caller
 * detect the conflict (the SMMU then raises FSR.MHF and uses neither entry).
 *
 * Replacement (per set): lru, plru (tree pseudo-LRU, ways a power of two),
 * round-robin (a pointer per set that advances past each victim it picks) and random
 * (seeded, deterministic). Whatever the policy, a fill takes the lowest-numbered
 * invalid unlocked way first; the policy picks a victim only when no unlocked way is
 * invalid. A hit and a fill both make the way most recently used (lru, plru).
 *
 * Lockdown: ways below `floor` in every set are never chosen as victims and survive
 * tlb_inv_all; targeted invalidation (by VMID, ASID or VA) does remove them. While
 * lockdown is enabled (`lke`), fills go to way `victim` of the entry's set, the way
 * software preloads locked entries; the victim then advances by one, wrapping within
 * its region: from floor - 1 back to 0 when it started below floor, from ways - 1
 * back to floor otherwise.
 */
#ifndef IOMMUSIM_MODELS_TLB_H
#define IOMMUSIM_MODELS_TLB_H

#include <stdbool.h>
#include <stdint.h>

#include "models/pte.h"

enum tlb_replacement {
    TLB_LRU = 0,
    TLB_PLRU,
    TLB_ROUND_ROBIN,
    TLB_RANDOM,
};

#define TLB_MAX_ENTRIES (1u << 20)

struct tlb_config {
    unsigned entries;               /* 1 .. TLB_MAX_ENTRIES */
    unsigned ways;                  /* 1 .. entries; entries / ways sets, a power of two */
    enum tlb_replacement replacement;
    uint64_t seed;                  /* for TLB_RANDOM */
};

struct tlb_entry {
    uint64_t va;                    /* page-aligned VA of the entry's own size (64-bit: the
                                       SMMU's IOVAs are 32-bit, the study's traces wider) */
    uint32_t pa;                    /* page-aligned PA */
    enum page_size size;
    uint8_t vmid;
    uint8_t asid;
    struct pte_attrs attrs;         /* attrs.ng is the non-global bit of the tag */
};

struct tlb_stats {
    uint64_t lookups, hits, misses, fills, evictions, invalidations;
    uint64_t hits_by_size[PAGE_SIZES];
    uint64_t fills_by_size[PAGE_SIZES];
    uint64_t evictions_by_size[PAGE_SIZES];
};

struct tlb;

/* Returns a name for errors ("lru", "plru", "round-robin", "random"), and the parse. */
const char *tlb_replacement_name(enum tlb_replacement r);
int tlb_replacement_parse(const char *s, enum tlb_replacement *out);   /* -EINVAL if unknown */

/*
 * Checks a configuration; on error returns -EINVAL and, when err is not NULL, writes
 * a sentence that names the offending field and its valid range into err.
 */
int tlb_config_check(const struct tlb_config *cfg, char *err, unsigned errlen);

struct tlb *tlb_new(const struct tlb_config *cfg);  /* NULL if cfg fails tlb_config_check */
void tlb_free(struct tlb *t);
const struct tlb_config *tlb_config(const struct tlb *t);

/*
 * Finds the entry that translates va for (vmid, asid), counting a lookup and a hit
 * or a miss and updating replacement state on a hit. The returned pointer is valid
 * until the next fill or invalidation. NULL on a miss.
 */
const struct tlb_entry *tlb_lookup(struct tlb *t, uint8_t vmid, uint8_t asid, uint64_t va);

/* The same search with no side effects: no counters, no replacement update. */
const struct tlb_entry *tlb_probe(const struct tlb *t, uint8_t vmid, uint8_t asid, uint64_t va);

/*
 * Number of valid entries matching va for (vmid, asid), with no side effects. More
 * than one is a multi-hit (FSR.MHF in the SMMU).
 */
unsigned tlb_match_count(const struct tlb *t, uint8_t vmid, uint8_t asid, uint64_t va);

/*
 * tlb_lookup, also giving the number of valid entries that match (0 on a miss, else
 * tlb_match_count's). The SMMU raises FSR.MHF when it is more than one.
 */
const struct tlb_entry *tlb_lookup_matches(struct tlb *t, uint8_t vmid, uint8_t asid,
                                           uint32_t va, unsigned *matches);

/*
 * Inserts an entry (e->va is aligned down to the entry's page size). An existing
 * entry with the same tag is replaced in place rather than duplicated (with lke, it
 * is moved to the victim way instead, so the preload lands in the locked region).
 * Returns 0, -EINVAL if e->size is not a page size, or -ENOSPC (nothing inserted)
 * if lke is off and every way of the set is locked (floor = ways).
 */
int tlb_fill(struct tlb *t, const struct tlb_entry *e);

/*
 * One reference of a replayed trace: tlb_lookup, and on a miss tlb_fill(t, fill)
 * (fill covering va). Returns 1 on a hit, 0 on a miss (filled), or tlb_fill's error
 * (the miss counted, nothing filled). The counts and contents afterwards are
 * exactly those of the two calls; the usual lru miss in a full set takes a
 * shorter path (one hash of the new tag, no search for it).
 */
int tlb_access(struct tlb *t, uint8_t vmid, uint8_t asid, uint64_t va,
               const struct tlb_entry *fill);

void tlb_inv_all(struct tlb *t);                                  /* GLOBAL_TLBIALL */
void tlb_inv_vmid(struct tlb *t, uint8_t vmid);                   /* TLBIVMID; CTX_TLBIALL */
void tlb_inv_asid(struct tlb *t, uint8_t vmid, uint8_t asid);     /* TLBIASID: non-global of asid */
/* TLBIVA: the entries of asid covering va, and the global ones covering va (as TLBIMVA). */
void tlb_inv_va(struct tlb *t, uint8_t vmid, uint8_t asid, uint64_t va);
/* TLBIVAA: every entry of vmid covering va, whatever its ASID. */
void tlb_inv_va_all_asid(struct tlb *t, uint8_t vmid, uint64_t va);

/*
 * TLBLCKR: floor is 0 .. ways (the number of locked ways), victim a way number
 * 0 .. ways - 1. Returns 0, -EINVAL for values out of range (nothing changes), or
 * -ENOMEM.
 */
int tlb_set_lockdown(struct tlb *t, bool lke, unsigned floor, unsigned victim);

/* The lockdown state as TLBLCKR reads back: victim includes the advances of lke fills. */
void tlb_get_lockdown(const struct tlb *t, bool *lke, unsigned *floor, unsigned *victim);

/* Entry read-back (TLBRSW/TLBTR*): index = set * ways + way. False if invalid. */
bool tlb_read_entry(const struct tlb *t, unsigned index, struct tlb_entry *out);

unsigned tlb_valid_entries(const struct tlb *t);
const struct tlb_stats *tlb_stats(const struct tlb *t);
void tlb_reset_stats(struct tlb *t);

#endif
