/*
 * stats.h - statistics: latency histograms, and the registry a run's results are
 * collected into and written out from.
 *
 * Models keep their own counters (plain structs they own) and histograms of the
 * type below. At the end of a run the program that built the models registers
 * every value under a hierarchical name ("smmu.rot.ctx.rot_src.walks",
 * "master.mdp0.latency.p99_ns") in a registry, which writes them as JSON (objects
 * nested by the dots of the names, keys in the order first registered) and as CSV
 * (one "name,value" row each, in the same order). Same values, same bytes: numbers
 * are printed with fixed formats and nothing depends on the clock or on addresses.
 */
#ifndef IOMMUSIM_SIM_STATS_H
#define IOMMUSIM_SIM_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * A histogram of unsigned 64-bit values with log-linear buckets: values below
 * 2 * STATS_HIST_SUB are counted exactly; above, each power-of-two range [2^k,
 * 2^(k+1)) is cut into STATS_HIST_SUB equal buckets, so a bucket is at most 1/64
 * of its values wide. Count, sum, minimum and maximum are exact. Zero-initialised
 * memory is an empty histogram. Bucket i < 2 * SUB holds the value i; a value v with
 * highest set bit k >= 7 goes to bucket (k - SUB_BITS) * SUB + (v >> (k - SUB_BITS)),
 * so the last bucket, STATS_HIST_BUCKETS - 1, ends at UINT64_MAX (docs/stats.md).
 */
#define STATS_HIST_SUB_BITS 6
#define STATS_HIST_SUB      (1u << STATS_HIST_SUB_BITS)
#define STATS_HIST_BUCKETS  ((64 - STATS_HIST_SUB_BITS) * STATS_HIST_SUB + STATS_HIST_SUB)

struct stats_hist {
    uint64_t count;
    uint64_t sum;                   /* saturates at UINT64_MAX */
    uint64_t min, max;              /* 0 when empty */
    uint64_t bucket[STATS_HIST_BUCKETS];
};

/* Values below this are counted in their own bucket: bucket v holds exactly v. */
#define STATS_HIST_EXACT  (2 * STATS_HIST_SUB)

/*
 * Bucket of v. Below STATS_HIST_EXACT, v itself. Above, with k the highest set bit
 * (k >= 7) and shift = k - SUB_BITS, v >> shift keeps the top SUB_BITS + 1 bits of v,
 * a number in [SUB, 2 * SUB); adding shift * SUB puts the buckets of [2^k, 2^(k+1))
 * right after those of [2^(k-1), 2^k). k = 7 starts at 128, right after the exact
 * range; k = 63 ends at 57 * 64 + 127 = STATS_HIST_BUCKETS - 1.
 */
static inline unsigned stats_hist_index(uint64_t v)
{
    unsigned shift;

    if (v < STATS_HIST_EXACT)
        return (unsigned)v;
    shift = 63u - (unsigned)__builtin_clzll(v) - STATS_HIST_SUB_BITS;
    return (shift << STATS_HIST_SUB_BITS) + (unsigned)(v >> shift);
}

/* a + b, or UINT64_MAX if that does not fit: a histogram's sum. */
static inline uint64_t stats_add_saturating(uint64_t a, uint64_t b)
{
    uint64_t s;

    return __builtin_add_overflow(a, b, &s) ? UINT64_MAX : s;
}

/*
 * Adds one sample. Inline: the masters add two per burst, and the call was a
 * quarter of the cost.
 */
static inline void stats_hist_add(struct stats_hist *h, uint64_t value)
{
    if (!h->count || value < h->min)
        h->min = value;
    if (value > h->max)
        h->max = value;
    h->count++;
    h->sum = stats_add_saturating(h->sum, value);
    h->bucket[stats_hist_index(value)]++;
}

/* Adds every sample of `from` into `into`. */
void stats_hist_merge(struct stats_hist *into, const struct stats_hist *from);
double stats_hist_mean(const struct stats_hist *h);         /* 0 when empty */
/*
 * The p-quantile (p in [0, 1]): the smallest value v such that at least
 * ceil(p * count) samples are <= v, resolved to the upper bound of v's bucket and
 * clamped to [min, max]; exact for values below 2 * STATS_HIST_SUB. 0 when empty.
 * p <= 0 (or NaN) gives min, p >= 1 max.
 */
uint64_t stats_hist_quantile(const struct stats_hist *h, double p);
/* The smallest and the largest value bucket i (< STATS_HIST_BUCKETS) counts. */
uint64_t stats_hist_bucket_low(unsigned i);
uint64_t stats_hist_bucket_high(unsigned i);

/*
 * Whole histograms as CSV, for figures drawn from every bucket rather than a few
 * quantiles: the header name,low,high,count, then for each histogram in the order
 * given one row per non-empty bucket in ascending order, low and high the bucket's
 * bounds narrowed to the histogram's min and max (so the first row starts at the
 * smallest sample and the last ends at the largest), count its samples. An empty
 * histogram has no rows. Written to a temporary file renamed over path, so a failed
 * write leaves no file; 0, or a negative errno with the message in err.
 */
int stats_hists_write_file(const char *path, unsigned n, const char *const *names,
                           const struct stats_hist *const *hists, char *err, size_t errlen);

/* ---- The registry ----------------------------------------------------------------- */

enum stats_kind {
    STATS_U64 = 0,
    STATS_F64,
    STATS_STR,
};

struct stats;

struct stats *stats_new(void);
void stats_free(struct stats *st);

/*
 * Registers one value. The name (printf-style) is made of segments separated by
 * '.', each of [A-Za-z0-9_-]+. -EEXIST when the name is already registered or when
 * it is a prefix of a registered name or has one as its prefix (JSON nesting
 * could not hold both); -EINVAL for a bad name, a non-finite double or a NULL
 * string or one that is not valid UTF-8 (JSON text must be); -ENOMEM. Strings are
 * copied. A call that fails registers nothing.
 */
int stats_add_u64(struct stats *st, uint64_t v, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int stats_add_f64(struct stats *st, double v, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int stats_add_str(struct stats *st, const char *v, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/*
 * A histogram as NAME.count, NAME.mean, NAME.min, NAME.p50, NAME.p90, NAME.p99 and
 * NAME.max, each value divided by `scale` (e.g. 1000 to turn ps into ns): count
 * as u64 (not scaled), the others as f64. -EINVAL also for a scale that is not
 * finite and positive, or that makes a value overflow. All seven or none.
 */
int stats_add_hist(struct stats *st, const struct stats_hist *h, double scale,
                   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

size_t stats_count(const struct stats *st);
/* Entry i in registration order; i >= stats_count gives NULL and STATS_U64. */
const char *stats_name(const struct stats *st, size_t i);
enum stats_kind stats_kind(const struct stats *st, size_t i);
/*
 * Lookup by full name: 0, or -ENOENT (no such name, or the name of an object: a
 * prefix of registered names) / -EINVAL (another kind). Strings stay valid until
 * stats_free.
 */
int stats_get_u64(const struct stats *st, const char *name, uint64_t *v);
int stats_get_f64(const struct stats *st, const char *name, double *v);
int stats_get_str(const struct stats *st, const char *name, const char **v);
/*
 * The decimals a double is printed with: 6, and one more for every power of ten its
 * magnitude lies below 0.1, so that at least six significant digits show (0.000115234,
 * not 0.000115), at most 20. For "%.*f" of ratios elsewhere (iommusim tlb).
 */
int stats_f64_decimals(double v);
/*
 * The value as the outputs print it: u64 in decimal, f64 with "%.Nf", N from
 * stats_f64_decimals (then any trailing zeros and a trailing '.' removed), strings as they are (JSON escapes
 * them; CSV quotes them when they hold a comma, quote or newline). Truncated to
 * len - 1 bytes like snprintf; 330 bytes hold any number. "" for i out of range.
 */
void stats_format_value(const struct stats *st, size_t i, char *buf, size_t len);

/* Both flush out at the end: 0, or a negative errno when the stream failed. */
int stats_write_json(const struct stats *st, FILE *out);
int stats_write_csv(const struct stats *st, FILE *out);
/*
 * Writes to path through a temporary file in the same directory that is renamed
 * over path when complete, so a reader never sees half a file. format: "json" or
 * "csv". A negative errno and a sentence naming the path in err on failure.
 */
int stats_write_file(const struct stats *st, const char *path, const char *format,
                     char *err, size_t errlen);

#endif
