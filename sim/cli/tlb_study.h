/*
 * tlb_study.h - what the two halves of `iommusim tlb` share: the parsed arguments,
 * a result row, and the CSV writer.
 *
 * cmd_tlb.c parses the options and replays one TLB size at one page size through
 * the TLB model (the report Dinero IV users expect); tlb_curve.c replays a list of
 * sizes and page sizes in one pass, with the stack distances of models/mrc.c for lru
 * and one TLB model per size for the other policies. docs/cli.md describes both.
 */
#ifndef IOMMUSIM_SIM_CLI_TLB_STUDY_H
#define IOMMUSIM_SIM_CLI_TLB_STUDY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "models/mrc.h"
#include "models/tlb.h"
#include "sim/trace/trace.h"

#define TLB_CMD         "tlb"
#define TLB_BATCH       4096u           /* records per trace_next_refs (tlb_curve.c) */
#define TLB_PROGRESS_EVERY 64u          /* batches between progress updates */

struct tlb_args {
    const char *trace;
    enum trace_format format;
    bool format_given;
    enum page_size page_size[PAGE_SIZES];       /* in size order, each once */
    unsigned npage_sizes;
    unsigned *entries;                          /* ascending, each once */
    unsigned nentries;
    uint64_t ways, sets;
    bool ways_given, sets_given;
    enum tlb_replacement replacement;
    uint64_t seed;
    bool json;
    const char *csv;                            /* --csv FILE, or NULL */
};

/* One TLB of the study: its organisation and what it counted. */
struct tlb_row {
    enum page_size page_size;
    unsigned entries, ways;
    struct mrc_counts c;
};

extern const char *const tlb_page_size_names[PAGE_SIZES];

/* Buffer names have no address here: the resolver refuses them, setting *(bool *)arg. */
int tlb_refuse_names(void *arg, const char *name);
void tlb_json_string(FILE *out, const char *s);

/*
 * Writes rows as CSV (the header below) to path ('-': standard output), through a
 * temporary renamed into place. CLI_OK or CLI_FAILED (message given).
 */
#define TLB_CSV_HEADER  "entries,page_size,ways,sets,replacement,references,hits,misses," \
                        "miss_rate,reads,read_misses,writes,write_misses,compulsory," \
                        "capacity,conflict"
int tlb_write_csv(const struct tlb_args *a, const struct tlb_row *rows, unsigned n,
                  const char *path);

/*
 * The whole study of a list of sizes and page sizes, in one pass over r, and its
 * report. CLI_OK, CLI_FAILED (message given), or -1 when the reader failed (the
 * caller reports trace_error).
 */
int tlb_curve(const struct tlb_args *a, struct trace_reader *r);

#endif
