/*
 * stats_catalogue.h - every statistic a run can write, in one table: the pattern of its
 * name, its unit and what it means. `iommusim stats` prints it, docs/stats.md holds it
 * as generated text (a test compares the two), and a test checks that every name of
 * the shipped scenarios' stats.json matches a pattern, so the table cannot go stale.
 *
 * A pattern is a dotted name whose segments are either
 *   - literal text ("smmu", "tlb", "misses"),
 *   - a placeholder: upper-case letters only (S, C, M, B, D, NN), any one segment,
 *   - literal text ending in a placeholder ("chN"): that text, then anything,
 *   - a choice "{a,b,c}", optionally with literal text before or after it
 *     ("fills_{4k,64k,1m,16m}"): one of the words, with that text around it.
 * The placeholders are listed by stats_catalogue_placeholders.
 */
#ifndef IOMMUSIM_SIM_SCENARIO_STATS_CATALOGUE_H
#define IOMMUSIM_SIM_SCENARIO_STATS_CATALOGUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct stats_catalogue_entry {
    const char *pattern;
    const char *unit;                   /* "count", "ps", "ns", "bytes", "MB/s", ... */
    const char *meaning;
};

struct stats_catalogue_placeholder {
    const char *name;                   /* "S" */
    const char *meaning;
};

/* The table, in the order a run registers the names; *n entries. */
const struct stats_catalogue_entry *stats_catalogue(size_t *n);
const struct stats_catalogue_placeholder *stats_catalogue_placeholders(size_t *n);

/* Whether a statistic's name matches a pattern (syntax above). */
bool stats_catalogue_match(const char *pattern, const char *name);
/* The first entry whose pattern name matches, or NULL. */
const struct stats_catalogue_entry *stats_catalogue_find(const char *name);

/* The catalogue as text (aligned columns), as a Markdown section, or as JSON. */
void stats_catalogue_print(FILE *out);
void stats_catalogue_markdown(FILE *out);
void stats_catalogue_json(FILE *out);

#endif
