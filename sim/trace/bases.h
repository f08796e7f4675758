/*
 * bases.h - where a trace's buffers sit: the table that turns buffer+offset records
 * into raw IOVAs and back.
 *
 * A generated trace names its buffers ("layer0+0x1000") so that one trace replays
 * under any mapping; a captured trace (din, an imported bus log) has only raw IOVAs.
 * To go from one to the other, each buffer gets a base IOVA, and for the reverse a
 * size too: `iommusim gen -o X.din` and `iommusim convert --base NAME=ADDR` (or
 * `--scenario FILE`, the bases of its pinned buffers) resolve names to IOVAs, and
 * `convert --names --scenario FILE` finds the pinned buffer that holds each raw
 * access. The table is small (a scenario has at most 256 buffers); a reverse lookup
 * is a binary search over the buffers sorted by base.
 */
#ifndef IOMMUSIM_SIM_TRACE_BASES_H
#define IOMMUSIM_SIM_TRACE_BASES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/trace/trace.h"

/* Where gen lays out buffers without a given base, and the alignment of each. */
#define TRACE_BASES_LAYOUT_START    0x10000000ull
#define TRACE_BASES_LAYOUT_ALIGN    (1ull << 20)

struct trace_bases;

struct trace_bases *trace_bases_new(void);
void trace_bases_free(struct trace_bases *b);

/*
 * A buffer at base, of size bytes (0: not known; the reverse lookup skips it). 0, or
 * -EEXIST (named twice), -EINVAL (a bad name, or base + size past 2^64), -ENOMEM,
 * with a sentence in err.
 */
int trace_bases_add(struct trace_bases *b, const char *name, uint64_t base, uint64_t size,
                    char *err, size_t errlen);
/* "NAME=ADDR" (ADDR decimal or 0x-hex), as --base takes it. Errors as trace_bases_add. */
int trace_bases_parse(struct trace_bases *b, const char *assignment, char *err, size_t errlen);

unsigned trace_bases_count(const struct trace_bases *b);
int trace_bases_find(const struct trace_bases *b, const char *name);      /* -1 if none */
const char *trace_bases_name(const struct trace_bases *b, unsigned i);
uint64_t trace_bases_base(const struct trace_bases *b, unsigned i);
uint64_t trace_bases_size(const struct trace_bases *b, unsigned i);

/*
 * Gives every buffer of names[0..n) that has no base one, after all the others: from
 * TRACE_BASES_LAYOUT_START or the end of the highest buffer, whichever is higher,
 * each aligned to TRACE_BASES_LAYOUT_ALIGN. sizes[i] is the bytes names[i] needs.
 */
int trace_bases_layout(struct trace_bases *b, const char *const *names,
                       const uint64_t *sizes, unsigned n, char *err, size_t errlen);

/* 0, or -EEXIST with a sentence when two sized buffers overlap (the reverse needs not). */
int trace_bases_check(struct trace_bases *b, char *err, size_t errlen);

/*
 * The buffer wholly holding [addr, addr + bytes): its index and the offset of addr in
 * it; false when no sized buffer does. The sized buffers must not overlap
 * (trace_bases_check).
 */
bool trace_bases_locate(struct trace_bases *b, uint64_t addr, uint32_t bytes, unsigned *index,
                        uint64_t *offset);

#endif
