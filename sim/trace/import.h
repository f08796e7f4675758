/*
 * import.h - importers: traces of other simulators and of real systems turned into
 * iommusim traces (sim/trace/trace.h) and scenario fragments.
 *
 * `iommusim import FORMAT FILE -o TRACE` (sim/cli/cmd_import.c) fills a struct
 * import_opts and calls import_run. Four formats, each read as its public definition
 * says (docs/traces.md, "Bring your own trace", cites them):
 *   gem5     the protobuf packet stream of gem5's MemTraceProbe / CommMonitor
 *            (import_gem5.c)
 *   ftrace   Linux ftrace text of the iommu:map, iommu:unmap, iommu:io_page_fault and
 *            dma:* events (import_ftrace.c): the mappings become buffers pinned at
 *            their IOVAs and driver steps, the faults accesses
 *   qemu     QEMU's smmuv3_translate* and vtd_dmar_* trace events (import_qemu.c)
 *   columns  bus logs in columns the user names (import_columns.c)
 *
 * Every importer streams: memory grows with the number of masters and of live
 * mappings, never with the number of records. Accesses are written as raw-IOVA
 * records through the trace writer, into one trace or (split) one per master; input
 * may be gzip-compressed (recognised by its magic bytes). Addresses are held as 64-bit
 * values throughout; the trace writer decides what it can store, and a record it
 * refuses stops the import with the input's file:line (or record number) and the
 * writer's reason. The first malformed record stops the import with
 * "FILE:LINE: error: ..." ("FILE: record N: error: ..." for gem5). Outputs are
 * written under temporary names and renamed into place only when the whole import
 * succeeded, so a failed import leaves no file that looks like a result.
 */
#ifndef IOMMUSIM_SIM_TRACE_IMPORT_H
#define IOMMUSIM_SIM_TRACE_IMPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum import_format {
    IMPORT_GEM5 = 0,
    IMPORT_FTRACE,
    IMPORT_QEMU,
    IMPORT_COLUMNS,
    IMPORT_NFORMATS,
};

const char *import_format_name(enum import_format f);           /* "gem5", ... */
int import_format_parse(const char *s, enum import_format *out); /* -EINVAL if unknown */

/* The columns of a bus log (import_columns.c). */
enum import_col {
    IMPORT_COL_SKIP = 0,    /* "-": a column that is not used */
    IMPORT_COL_TIME,
    IMPORT_COL_ADDR,
    IMPORT_COL_OP,
    IMPORT_COL_SIZE,
    IMPORT_COL_ID,
};

#define IMPORT_MAX_COLUMNS      32

struct import_columns {
    uint8_t col[IMPORT_MAX_COLUMNS];    /* enum import_col, one per input column */
    unsigned n;                         /* columns named; a line may have more */
    unsigned radix;                     /* addresses, sizes and ids: 16, 10, or 0 (0x: hex) */
    uint64_t unit_ps;                   /* picoseconds per unit of the time column ... */
    uint64_t unit_hz;                   /* ... or, when not 0, the time is in cycles of this clock */
    char sep;                           /* the field separator; 0: runs of blanks */
};

/* "time,addr,op" into c->col and c->n: 0, or -EINVAL with a message naming the word. */
int import_columns_parse(const char *spec, struct import_columns *c, char *err, size_t errlen);

#define IMPORT_DEFAULT_BYTES    64u
/* The page sizes of the ARMv7 short-descriptor format the SMMU v1 walks: 4K, 64K, 1M, 16M. */
#define IMPORT_DEFAULT_PGSIZES  ((1ull << 12) | (1ull << 16) | (1ull << 20) | (1ull << 24))
#define IMPORT_MAX_MASTERS      256     /* distinct requestors, stream ids, ids */
#define IMPORT_MAX_SPLIT        64      /* with split: one open trace writer each */
#define IMPORT_MAX_NAME         63      /* a master's name: a trace buffer name's rules */

struct import_opts {
    enum import_format format;
    const char *in;                     /* "-": standard input */
    const char *out;                    /* the trace: text or bin by its name; "-": stdout */
    bool split;                         /* one trace per master: OUT with ".MASTER" before the extension */
    const char *fragment;               /* ftrace: PREFIX of PREFIX.buffers.yaml, PREFIX.steps.yaml */
    const char *domain;                 /* the fragment's buffers' domain (required with fragment) */
    uint32_t bytes;                     /* the size of accesses the format gives none for; 0: 64 */
    uint8_t rw_op;                      /* TRACE_OP_READ or _WRITE: accesses of no known direction */
    uint64_t page_sizes;                /* ftrace: the IOMMU's page sizes (bit n: 2^n); 0: 4K..16M */
    struct import_columns columns;      /* columns only */
};

/* What an import read and wrote. Times are picoseconds, after the rebase. */
struct import_summary {
    uint64_t input;                     /* lines (text formats) or messages (gem5) read */
    uint64_t records;                   /* accesses written */
    uint64_t reads, writes;
    uint64_t skipped;                   /* input records that are neither: other events, ... */
    uint64_t ambiguous;                 /* accesses of no known direction, written as rw_op */
    unsigned masters;
    bool any;                           /* at least one access: the ranges below are valid */
    uint64_t t_min, t_max;
    uint64_t a_lo, a_last;              /* the bytes accessed: a_lo .. a_last, both included */
    uint64_t t_offset;                  /* ps subtracted from every input time (ftrace, qemu) */
    uint64_t tick_freq;                 /* gem5: the header's ticks per second */
    /* mappings (ftrace) */
    uint64_t maps, unmaps, faults, unmapped_unknown, lost;
    uint64_t map_bytes;
    uint64_t pages[64];                 /* pages the kernel used, by log2 of their size */
};

/*
 * Runs one import. 0 on success (the outputs are in place; a summary is printed on
 * `report` unless it is NULL), or a negative errno with the message in err and no
 * output left behind. *sum is filled either way (as far as the import got).
 */
int import_run(const struct import_opts *o, struct import_summary *sum, FILE *report,
               char *err, size_t errlen);

/*
 * How the kernel's iommu_map() splits [iova, iova + size) mapped to paddr into pages
 * (drivers/iommu/iommu.c, iommu_pgsize): each page is the largest size of `pgsizes`
 * that fits what is left and to which iova and paddr are both aligned. Adds the
 * pages to counts[log2 size]; -EINVAL when no page size fits (misaligned mapping).
 */
int import_pgsize_split(uint64_t iova, uint64_t paddr, uint64_t size, uint64_t pgsizes,
                        uint64_t counts[64]);

#endif
