/*
 * tlb_maint.c - the TLB model's maintenance: invalidation by everything, VMID,
 * ASID and VA (the SMMU's TLBIALL, TLBIVMID, TLBIASID, TLBIVA and TLBIVAA), the
 * lockdown region and victim register, and reading entries and statistics back.
 * None of it is on a lookup's path; tlb.c holds those. docs/tlb.md gives the rules.
 */
#include "models/tlb.h"
#include "models/tlb_priv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ invalidation */

static void invalidate(struct tlb *t, unsigned set, unsigned way)
{
    tlb_remove_slot(t, set, way);
    t->stats.invalidations++;
}

void tlb_inv_all(struct tlb *t)
{
    for (unsigned s = 0; s < t->sets; s++)
        for (unsigned w = t->floor; w < t->ways; w++)
            if (t->rec[slot_of(t, s, w)].ctx)
                invalidate(t, s, w);
}

void tlb_inv_vmid(struct tlb *t, uint8_t vmid)
{
    for (unsigned s = 0; s < t->sets; s++) {
        for (unsigned w = 0; w < t->ways; w++) {
            struct tag tag = slot_tag(t, slot_of(t, s, w));

            if (tag.ctx && TAG_VMID(tag) == vmid)
                invalidate(t, s, w);
        }
    }
}

void tlb_inv_asid(struct tlb *t, uint8_t vmid, uint8_t asid)
{
    for (unsigned s = 0; s < t->sets; s++) {
        for (unsigned w = 0; w < t->ways; w++) {
            struct tag tag = slot_tag(t, slot_of(t, s, w));

            if (tag.ctx && !TAG_GLOBAL(tag) && TAG_VMID(tag) == vmid &&
                TAG_ASID(tag) == asid)
                invalidate(t, s, w);
        }
    }
}

/* Removes the entry with this exact tag, if any. */
static void invalidate_tag(struct tlb *t, struct tag tag, uint64_t vpn)
{
    uint32_t slot = hash_find(t, tag);

    if (slot != NONE) {
        unsigned set = set_of(t, vpn);
        invalidate(t, set, slot - set * t->ways);
    }
}

/*
 * As ARMv7 TLBIMVA: the non-global entries of asid covering va and the global
 * entries covering va, whatever ASID they were filled with.
 */
void tlb_inv_va(struct tlb *t, uint8_t vmid, uint8_t asid, uint64_t va)
{
    for (unsigned s = 0; s < PAGE_SIZES; s++) {
        uint64_t vpn = va >> page_shift((enum page_size)s);

        if (t->present_ng & (1u << s))
            invalidate_tag(t, make_tag((enum page_size)s, vmid, false, asid, vpn), vpn);
        if (t->present_g & (1u << s))
            invalidate_tag(t, make_tag((enum page_size)s, vmid, true, 0, vpn), vpn);
    }
}

/*
 * Every entry of vmid covering va. Non-global entries of any ASID may match, so the
 * set of each present size is scanned: O(ways) per size, acceptable for maintenance.
 */
void tlb_inv_va_all_asid(struct tlb *t, uint8_t vmid, uint64_t va)
{
    for (unsigned s = 0; s < PAGE_SIZES; s++) {
        if (!((t->present_ng | t->present_g) & (1u << s)))
            continue;
        uint64_t vpn = va >> page_shift((enum page_size)s);
        unsigned set = set_of(t, vpn);

        for (unsigned w = 0; w < t->ways; w++) {
            struct tag tag = slot_tag(t, slot_of(t, set, w));

            if (tag.ctx && TAG_SIZE(tag) == s && TAG_VMID(tag) == vmid && tag.vpn == vpn)
                invalidate(t, set, w);
        }
    }
}

/* ------------------------------------------------------------------ lockdown */

struct way_stamp {
    uint64_t stamp;
    uint32_t slot;
};

static int by_stamp_desc(const void *a, const void *b)
{
    uint64_t x = ((const struct way_stamp *)a)->stamp, y = ((const struct way_stamp *)b)->stamp;

    return x < y ? 1 : x > y ? -1 : 0;
}

/*
 * While floor is 0 every valid way is on its set's list, in the true order of last
 * use, and touches write no stamps (a hit costs two stores less). Leaving floor 0,
 * the stamps are made from the lists, least recent first, so they order the ways
 * as stamps written at every touch would have.
 */
static void lru_stamp_lists(struct tlb *t)
{
    for (unsigned s = 0; s < t->sets; s++) {
        if (t->head[s] == NONE)
            continue;
        for (uint32_t x = lru_tail(t, s);; x = t->rec[x].prev) {
            t->rec[x].stamp = ++t->clock;
            if (x == t->head[s])
                break;
        }
    }
}

/*
 * A new floor changes which ways are on the lru lists. The stamps keep the true
 * order of last use, so each list is rebuilt from them and ways entering the
 * unlocked region take their proper place rather than an arbitrary one.
 */
static void lru_rebuild(struct tlb *t, struct way_stamp *tmp)
{
    for (unsigned s = 0; s < t->sets; s++) {
        unsigned n = 0;

        for (unsigned w = t->floor; w < t->ways; w++) {
            uint32_t slot = slot_of(t, s, w);
            if (t->rec[slot].ctx)
                tmp[n++] = (struct way_stamp){ t->rec[slot].stamp, slot };
        }
        qsort(tmp, n, sizeof(*tmp), by_stamp_desc);
        lru_clear(t, s);
        for (unsigned i = n; i-- > 0;)
            lru_push_head(t, s, tmp[i].slot);
    }
}

int tlb_set_lockdown(struct tlb *t, bool lke, unsigned floor, unsigned victim)
{
    if (floor > t->ways || victim >= t->ways)
        return -EINVAL;
    if (floor != t->floor) {
        struct way_stamp *tmp = NULL;

        if (t->repl == TLB_LRU) {
            tmp = malloc(t->ways * sizeof(*tmp));
            if (!tmp)
                return -ENOMEM;
            if (!t->floor)
                lru_stamp_lists(t);
        }
        t->floor = floor;
        for (unsigned s = 0; s < t->sets; s++) {
            unsigned n = 0;
            for (unsigned w = floor; w < t->ways; w++)
                n += (t->freemap[(size_t)s * t->words + (w >> 6)] >> (w & 63)) & 1;
            t->free_unlocked[s] = n;
        }
        if (tmp) {
            lru_rebuild(t, tmp);
            free(tmp);
        }
    }
    t->lke = lke;
    t->victim = victim;
    t->lru_plain = t->repl == TLB_LRU && !t->lke && !t->floor;
    t->one_plain = t->lru_plain && t->nprobes == 1;
    return 0;
}

void tlb_get_lockdown(const struct tlb *t, bool *lke, unsigned *floor, unsigned *victim)
{
    if (lke)
        *lke = t->lke;
    if (floor)
        *floor = t->floor;
    if (victim)
        *victim = t->victim;
}

/* ------------------------------------------------------------------ read-back, stats */

bool tlb_read_entry(const struct tlb *t, unsigned index, struct tlb_entry *out)
{
    if (index >= t->cfg.entries || !t->rec[index].ctx)
        return false;
    if (out)
        *out = t->rec[index].ent;
    return true;
}

unsigned tlb_valid_entries(const struct tlb *t)
{
    return t->valid;
}

const struct tlb_stats *tlb_stats(const struct tlb *t)
{
    return &t->stats;
}

void tlb_reset_stats(struct tlb *t)
{
    memset(&t->stats, 0, sizeof(t->stats));
}
