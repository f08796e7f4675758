/*
 * stats.c - latency histograms and the registry a run's results are written from
 * (interface sim/core/stats.h, formats in docs/stats.md).
 *
 * Histograms are log-linear: a value's bucket comes from its highest set bit and the
 * STATS_HIST_SUB_BITS bits below it, so adding a sample is a few instructions with no
 * loop and no division (it runs once per bus transaction).
 *
 * The registry keeps its entries in registration order in an array (the CSV order)
 * and, beside it, the tree the JSON nesting comes from: one node per registered name
 * (a leaf, pointing at its entry) and one per proper prefix of a registered name (an
 * object, its children linked in the order they first appeared). One hash table maps
 * every node's full dotted path to the node. Because every prefix of a registered name
 * is a node, the duplicate and prefix-conflict checks of a new name are one probe per
 * segment: a prefix that is a leaf, or the whole name being any node, is a conflict.
 * Interior nodes do not copy their path; they point into the name of the entry that
 * created them, which lives as long as the registry.
 */
#define _POSIX_C_SOURCE 200809L

#include "sim/core/stats.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "sim/core/outfile.h"
#include "sim/core/util.h"

/* ---- Histograms ------------------------------------------------------------------- */

/* The largest value bucket i counts: the inverse of stats_hist_index, plus the width - 1. */
static uint64_t hist_upper(unsigned i)
{
    unsigned shift;
    uint64_t lower;

    if (i < STATS_HIST_EXACT)
        return i;
    shift = (i >> STATS_HIST_SUB_BITS) - 1;
    lower = (uint64_t)((i & (STATS_HIST_SUB - 1)) + STATS_HIST_SUB) << shift;
    return lower + ((UINT64_C(1) << shift) - 1);
}

void stats_hist_merge(struct stats_hist *into, const struct stats_hist *from)
{
    unsigned i;

    if (!from->count)
        return;
    if (!into->count || from->min < into->min)
        into->min = from->min;
    if (!into->count || from->max > into->max)
        into->max = from->max;
    into->count += from->count;
    into->sum = stats_add_saturating(into->sum, from->sum);
    for (i = 0; i < STATS_HIST_BUCKETS; i++)
        into->bucket[i] += from->bucket[i];
}

double stats_hist_mean(const struct stats_hist *h)
{
    return h->count ? (double)h->sum / (double)h->count : 0.0;
}

/*
 * p * count in binary floating point can land just above the integer it means
 * (0.07 * 100 is 7.000000000000001), and ceil would then ask for one sample more
 * than the quantile's definition. The product is first lowered by this fraction of
 * itself: far more than its rounding error (about 1e-16 of it), and it moves the rank
 * only when the true fractional part is smaller still (below 0.1 under 1e11 samples).
 */
#define QUANTILE_SLACK 1e-12

/* ceil(p * count) for 0 < p < 1, kept in [1, count]. */
static uint64_t quantile_rank(double p, uint64_t count)
{
    double r = p * (double)count;
    double t = ceil(r - r * QUANTILE_SLACK);

    if (t < 1.0)
        return 1;
    if (t >= (double)count)
        return count;
    return (uint64_t)t;
}

uint64_t stats_hist_quantile(const struct stats_hist *h, double p)
{
    unsigned i, last;
    uint64_t need, seen = 0, v;

    if (!h->count)
        return 0;
    if (!(p > 0.0))             /* also NaN */
        return h->min;
    if (p >= 1.0)
        return h->max;
    need = quantile_rank(p, h->count);
    last = stats_hist_index(h->max);
    for (i = stats_hist_index(h->min); i < last; i++) {
        seen += h->bucket[i];
        if (seen >= need)
            break;
    }
    v = hist_upper(i);
    if (v < h->min)
        v = h->min;
    if (v > h->max)
        v = h->max;
    return v;
}

uint64_t stats_hist_bucket_low(unsigned i)
{
    return i ? hist_upper(i - 1) + 1 : 0;
}

uint64_t stats_hist_bucket_high(unsigned i)
{
    return hist_upper(i);
}

/* ---- The registry: storage -------------------------------------------------------- */

#define NONE        UINT32_MAX
#define ROOT        0u              /* node 0: the top-level object, not in the table */
#define MIN_SLOTS   64u             /* hash table slots to start with, a power of two */
#define MIN_ARRAY   16u
/* Node and entry counts stay below this so that slot arithmetic cannot overflow. */
#define MAX_NODES   (UINT32_MAX / 4)

/* FNV-1a, 64-bit: simple, incremental (a prefix's hash is a step of its name's). */
#define FNV_OFFSET  UINT64_C(0xcbf29ce484222325)
#define FNV_PRIME   UINT64_C(0x100000001b3)

/*
 * A double is written with F64_DECIMALS decimals, or, below 0.1 in magnitude, with as
 * many more as give it F64_SIGNIFICANT significant digits (a miss rate of 0.000115234
 * is not cut to 0.000115), at most F64_MAX_DECIMALS. F64_CHARS holds any of them: sign,
 * 309 digits, point, the decimals, NUL.
 */
#define F64_DECIMALS        6
#define F64_SIGNIFICANT     6
#define F64_MAX_DECIMALS    20
#define F64_CHARS           340

struct entry {
    char *name;
    enum stats_kind kind;
    union {
        uint64_t u;
        double f;
        char *s;
    } v;
};

struct node {
    const char *path;           /* the full dotted path, len bytes (not terminated) */
    uint32_t len;
    uint32_t seg;               /* offset of the last segment: the JSON key */
    uint32_t parent;
    uint32_t first, last;       /* children in first-registration order */
    uint32_t next;              /* next sibling */
    uint32_t entry;             /* the entry of a leaf; NONE for an object */
    uint64_t hash;              /* of path */
};

struct stats {
    struct entry *entries;
    uint32_t nentries, entries_cap;
    struct node *nodes;
    uint32_t nnodes, nodes_cap;
    uint32_t *slots;            /* node index + 1, 0 for empty; linear probing */
    uint32_t nslots;            /* a power of two, at least twice nnodes */
};

static inline uint64_t fnv_step(uint64_t h, char c)
{
    return (h ^ (unsigned char)c) * FNV_PRIME;
}

/* The first slot a path of this hash is looked for in. */
static inline uint32_t home_slot(uint64_t hash, uint32_t nslots)
{
    return (uint32_t)(hash ^ (hash >> 32)) & (nslots - 1);
}

static uint32_t find(const struct stats *st, const char *path, size_t len, uint64_t hash)
{
    uint32_t i, k;

    for (i = home_slot(hash, st->nslots); (k = st->slots[i]) != 0; i = (i + 1) & (st->nslots - 1)) {
        const struct node *n = &st->nodes[k - 1];

        if (n->hash == hash && n->len == len && !memcmp(n->path, path, len))
            return k - 1;
    }
    return NONE;
}

static void slot_insert(uint32_t *slots, uint32_t nslots, uint64_t hash, uint32_t node)
{
    uint32_t i = home_slot(hash, nslots);

    while (slots[i])
        i = (i + 1) & (nslots - 1);
    slots[i] = node + 1;
}

static bool grow_array(void **arr, uint32_t *cap, uint32_t need, size_t elem)
{
    uint32_t ncap = *cap ? *cap : MIN_ARRAY;
    void *p;

    if (need <= *cap)
        return true;
    while (ncap < need)
        ncap *= 2;
    p = realloc(*arr, (size_t)ncap * elem);
    if (!p)
        return false;
    *arr = p;
    *cap = ncap;
    return true;
}

/*
 * Makes room for `entries` more entries and `nodes` more nodes, so that the insertion
 * that follows cannot fail half-way. -ENOMEM leaves the registry as it was.
 */
static int reserve(struct stats *st, uint32_t entries, uint32_t nodes)
{
    uint32_t need, nslots, *slots, i;

    if (entries > MAX_NODES - st->nentries || nodes > MAX_NODES - st->nnodes)
        return -ENOMEM;
    if (!grow_array((void **)&st->entries, &st->entries_cap, st->nentries + entries,
                    sizeof(*st->entries)) ||
        !grow_array((void **)&st->nodes, &st->nodes_cap, st->nnodes + nodes,
                    sizeof(*st->nodes)))
        return -ENOMEM;
    need = 2 * (st->nnodes + nodes);
    if (need <= st->nslots)
        return 0;
    for (nslots = st->nslots; nslots < need; nslots *= 2)
        ;
    slots = calloc(nslots, sizeof(*slots));
    if (!slots)
        return -ENOMEM;
    for (i = ROOT + 1; i < st->nnodes; i++)
        slot_insert(slots, nslots, st->nodes[i].hash, i);
    free(st->slots);
    st->slots = slots;
    st->nslots = nslots;
    return 0;
}

struct stats *stats_new(void)
{
    struct stats *st = calloc(1, sizeof(*st));

    if (!st)
        return NULL;
    st->nslots = MIN_SLOTS;
    st->slots = calloc(st->nslots, sizeof(*st->slots));
    if (!st->slots || reserve(st, 0, 1)) {
        stats_free(st);
        return NULL;
    }
    st->nodes[ROOT] = (struct node){
        .path = "", .parent = NONE, .first = NONE, .last = NONE, .next = NONE,
        .entry = NONE, .hash = FNV_OFFSET,
    };
    st->nnodes = 1;
    return st;
}

void stats_free(struct stats *st)
{
    uint32_t i;

    if (!st)
        return;
    for (i = 0; i < st->nentries; i++) {
        free(st->entries[i].name);
        if (st->entries[i].kind == STATS_STR)
            free(st->entries[i].v.s);
    }
    free(st->entries);
    free(st->nodes);
    free(st->slots);
    free(st);
}

/* ---- The registry: names ---------------------------------------------------------- */

static inline bool name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '-';
}

/*
 * Whether `name` may be registered: 0, -EINVAL when it is not segments of
 * [A-Za-z0-9_-]+ joined by '.', -EEXIST when it is a node already (registered, or
 * the prefix of a registered name) or one of its proper prefixes is registered.
 * *nseg gets the number of segments, the most nodes its insertion can add.
 */
static int check_name(const struct stats *st, const char *name, uint32_t *nseg)
{
    uint64_t h = FNV_OFFSET;
    size_t i, start = 0;
    uint32_t segs = 0;
    bool known = true;          /* every prefix so far is a node */
    int conflict = 0;

    *nseg = 0;
    for (i = 0;; i++) {
        char c = name[i];

        if (c == '.' || c == '\0') {
            if (i == start)
                return -EINVAL;
            segs++;
            if (c == '\0')
                break;
            if (known && !conflict) {
                uint32_t k = find(st, name, i, h);

                if (k == NONE)
                    known = false;          /* then no longer prefix is a node either */
                else if (st->nodes[k].entry != NONE)
                    conflict = -EEXIST;
            }
            start = i + 1;
        } else if (!name_char(c)) {
            return -EINVAL;
        }
        h = fnv_step(h, c);
    }
    if (i > MAX_NODES)
        return -EINVAL;
    if (known && !conflict && find(st, name, i, h) != NONE)
        conflict = -EEXIST;
    *nseg = segs;
    return conflict;
}

static uint32_t add_node(struct stats *st, const char *path, size_t len, size_t seg,
                         uint64_t hash, uint32_t parent)
{
    uint32_t k = st->nnodes++;
    struct node *p = &st->nodes[parent];

    st->nodes[k] = (struct node){
        .path = path, .len = (uint32_t)len, .seg = (uint32_t)seg, .parent = parent,
        .first = NONE, .last = NONE, .next = NONE, .entry = NONE, .hash = hash,
    };
    if (p->first == NONE)
        p->first = k;
    else
        st->nodes[p->last].next = k;
    p->last = k;
    slot_insert(st->slots, st->nslots, hash, k);
    return k;
}

/*
 * Adds entry e, already filled in, under its name: creates the prefixes that are not
 * nodes yet, then its leaf. check_name and reserve have made this unable to fail.
 */
static void insert(struct stats *st, const struct entry *e)
{
    const char *name = e->name;
    uint32_t parent = ROOT, k, idx = st->nentries++;
    uint64_t h = FNV_OFFSET;
    size_t i, start = 0;
    bool known = true;

    st->entries[idx] = *e;
    for (i = 0;; i++) {
        char c = name[i];

        if (c == '.' || c == '\0') {
            k = known ? find(st, name, i, h) : NONE;
            if (k == NONE) {
                known = false;
                k = add_node(st, name, i, start, h, parent);
            }
            if (c == '\0') {
                st->nodes[k].entry = idx;
                return;
            }
            parent = k;
            start = i + 1;
        }
        h = fnv_step(h, c);
    }
}

/* The formatted name in a new heap string, or NULL (*rc says why). */
static char *format_name(const char *fmt, va_list ap, int *rc)
{
    va_list aq;
    char *s;
    int n;

    if (!fmt) {
        *rc = -EINVAL;
        return NULL;
    }
    va_copy(aq, ap);
    n = vsnprintf(NULL, 0, fmt, aq);
    va_end(aq);
    if (n < 0) {
        *rc = -EINVAL;
        return NULL;
    }
    s = malloc((size_t)n + 1);
    if (!s) {
        *rc = -ENOMEM;
        return NULL;
    }
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    return s;
}

/* Registers e (its value set, name NULL) under the name fmt makes; takes e's string. */
static int add_entry(struct stats *st, struct entry *e, const char *fmt, va_list ap)
{
    uint32_t nseg;
    int rc = 0;

    e->name = NULL;
    if (!st)
        rc = -EINVAL;
    else
        e->name = format_name(fmt, ap, &rc);
    if (!rc)
        rc = check_name(st, e->name, &nseg);
    if (!rc)
        rc = reserve(st, 1, nseg);
    if (rc) {
        free(e->name);
        if (e->kind == STATS_STR)
            free(e->v.s);
        return rc;
    }
    insert(st, e);
    return 0;
}

int stats_add_u64(struct stats *st, uint64_t v, const char *fmt, ...)
{
    struct entry e = { .kind = STATS_U64, .v.u = v };
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = add_entry(st, &e, fmt, ap);
    va_end(ap);
    return rc;
}

int stats_add_f64(struct stats *st, double v, const char *fmt, ...)
{
    struct entry e = { .kind = STATS_F64, .v.f = v };
    va_list ap;
    int rc;

    if (!isfinite(v))
        return -EINVAL;
    va_start(ap, fmt);
    rc = add_entry(st, &e, fmt, ap);
    va_end(ap);
    return rc;
}

/* True when s is well-formed UTF-8 (RFC 3629), as JSON text must be (RFC 8259, 8.1). */
static bool utf8_valid(const char *str)
{
    const unsigned char *s = (const unsigned char *)str;

    while (*s) {
        unsigned c = *s++, more;
        uint32_t cp, least;

        if (c < 0x80)
            continue;
        if (c >= 0xC2 && c <= 0xDF) {
            more = 1, cp = c & 0x1F, least = 0x80;
        } else if (c >= 0xE0 && c <= 0xEF) {
            more = 2, cp = c & 0x0F, least = 0x800;
        } else if (c >= 0xF0 && c <= 0xF4) {
            more = 3, cp = c & 0x07, least = 0x10000;
        } else {
            return false;
        }
        for (; more; more--, s++) {
            if ((*s & 0xC0) != 0x80)        /* also stops at the terminating NUL */
                return false;
            cp = cp << 6 | (*s & 0x3F);
        }
        if (cp < least || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
    }
    return true;
}

int stats_add_str(struct stats *st, const char *v, const char *fmt, ...)
{
    struct entry e = { .kind = STATS_STR };
    va_list ap;
    int rc;

    if (!v || !utf8_valid(v))
        return -EINVAL;
    e.v.s = strdup(v);
    if (!e.v.s)
        return -ENOMEM;
    va_start(ap, fmt);
    rc = add_entry(st, &e, fmt, ap);
    va_end(ap);
    return rc;
}

/* The seven entries of a histogram, in this order. */
#define HIST_FIELDS 7
static const char *const hist_field[HIST_FIELDS] = {
    "count", "mean", "min", "p50", "p90", "p99", "max",
};

int stats_add_hist(struct stats *st, const struct stats_hist *h, double scale,
                   const char *fmt, ...)
{
    struct entry e[HIST_FIELDS] = { { 0 } };
    uint32_t nseg, nodes = 0;
    size_t blen;
    char *base;
    va_list ap;
    int rc = 0, i;

    if (!st || !h || !isfinite(scale) || !(scale > 0.0))
        return -EINVAL;
    va_start(ap, fmt);
    base = format_name(fmt, ap, &rc);
    va_end(ap);
    if (!base)
        return rc;

    e[0].kind = STATS_U64;
    e[0].v.u = h->count;
    e[1].v.f = stats_hist_mean(h) / scale;
    e[2].v.f = (double)h->min / scale;
    e[3].v.f = (double)stats_hist_quantile(h, 0.50) / scale;
    e[4].v.f = (double)stats_hist_quantile(h, 0.90) / scale;
    e[5].v.f = (double)stats_hist_quantile(h, 0.99) / scale;
    e[6].v.f = (double)h->max / scale;

    /* Every name is checked and every byte allocated before the first is inserted,
     * so that a failure registers none of the seven. */
    blen = strlen(base);
    for (i = 0; i < HIST_FIELDS && !rc; i++) {
        size_t n = blen + 1 + strlen(hist_field[i]) + 1;

        if (i > 0) {
            e[i].kind = STATS_F64;
            if (!isfinite(e[i].v.f))        /* a tiny scale can overflow */
                rc = -EINVAL;
        }
        e[i].name = rc ? NULL : malloc(n);
        if (!rc && !e[i].name)
            rc = -ENOMEM;
        if (!rc) {
            snprintf(e[i].name, n, "%s.%s", base, hist_field[i]);
            rc = check_name(st, e[i].name, &nseg);
            if (!rc)
                nodes += nseg;
        }
    }
    free(base);
    if (!rc)
        rc = reserve(st, HIST_FIELDS, nodes);
    for (i = 0; i < HIST_FIELDS; i++) {
        if (rc)
            free(e[i].name);
        else
            insert(st, &e[i]);
    }
    return rc;
}

/* ---- The registry: reading -------------------------------------------------------- */

size_t stats_count(const struct stats *st)
{
    return st ? st->nentries : 0;
}

const char *stats_name(const struct stats *st, size_t i)
{
    return st && i < st->nentries ? st->entries[i].name : NULL;
}

enum stats_kind stats_kind(const struct stats *st, size_t i)
{
    return st && i < st->nentries ? st->entries[i].kind : STATS_U64;
}

/* The entry registered under name, or NULL. */
static const struct entry *lookup(const struct stats *st, const char *name)
{
    uint64_t h = FNV_OFFSET;
    size_t len;
    uint32_t k;

    if (!st || !name)
        return NULL;
    for (len = 0; name[len]; len++)
        h = fnv_step(h, name[len]);
    k = find(st, name, len, h);
    return k != NONE && st->nodes[k].entry != NONE ? &st->entries[st->nodes[k].entry] : NULL;
}

static int get_entry(const struct stats *st, const char *name, enum stats_kind kind,
                     const struct entry **e)
{
    *e = lookup(st, name);
    if (!*e)
        return -ENOENT;
    return (*e)->kind == kind ? 0 : -EINVAL;
}

int stats_get_u64(const struct stats *st, const char *name, uint64_t *v)
{
    const struct entry *e;
    int rc = get_entry(st, name, STATS_U64, &e);

    if (!rc && v)
        *v = e->v.u;
    return rc;
}

int stats_get_f64(const struct stats *st, const char *name, double *v)
{
    const struct entry *e;
    int rc = get_entry(st, name, STATS_F64, &e);

    if (!rc && v)
        *v = e->v.f;
    return rc;
}

int stats_get_str(const struct stats *st, const char *name, const char **v)
{
    const struct entry *e;
    int rc = get_entry(st, name, STATS_STR, &e);

    if (!rc && v)
        *v = e->v.s;
    return rc;
}

/* ---- Output ----------------------------------------------------------------------- */

/*
 * The decimals of v: F64_DECIMALS, and one more for every power of ten v lies below
 * 0.1, so that its first F64_SIGNIFICANT digits show (|v| >= 10^(SIG - 1 - decimals)).
 */
int stats_f64_decimals(double v)
{
    double a = fabs(v), bound = 1.0;
    int d = F64_DECIMALS;

    for (int k = 0; k < F64_DECIMALS - F64_SIGNIFICANT + 1; k++)
        bound /= 10.0;                  /* 10^(SIG - 1 - DECIMALS) = 0.1 */
    while (d < F64_MAX_DECIMALS && a > 0 && a < bound) {
        bound /= 10.0;
        d++;
    }
    return d;
}

/*
 * "%.Nf" (N from f64_decimals) with trailing zeros and a trailing '.' removed, and "-0"
 * as "0". printf's decimal point is the locale's (LC_NUMERIC); rather than trust that
 * nothing in the process ever calls setlocale, the point is found by position -
 * whatever lies between the integer digits and the last N digits - and written as '.'.
 */
static void format_f64(double v, char out[F64_CHARS])
{
    char tmp[F64_CHARS];
    const char *p = tmp;
    char *o = out;
    int decimals = stats_f64_decimals(v);
    int n = snprintf(tmp, sizeof(tmp), "%.*f", decimals, v);

    if (*p == '-')
        *o++ = *p++;
    while (*p >= '0' && *p <= '9')
        *o++ = *p++;
    *o++ = '.';
    memcpy(o, tmp + n - decimals, (size_t)decimals);
    o += decimals;
    while (o[-1] == '0')
        o--;
    if (o[-1] == '.')
        o--;
    *o = '\0';
    if (!strcmp(out, "-0"))
        strcpy(out, "0");
}

/* A number's text; strings are returned as they are. */
static const char *value_text(const struct entry *e, char buf[F64_CHARS])
{
    switch (e->kind) {
    case STATS_U64:
        snprintf(buf, F64_CHARS, "%" PRIu64, e->v.u);
        return buf;
    case STATS_F64:
        format_f64(e->v.f, buf);
        return buf;
    case STATS_STR:
        return e->v.s;
    }
    return "";
}

void stats_format_value(const struct stats *st, size_t i, char *buf, size_t len)
{
    char num[F64_CHARS];

    if (!buf || !len)
        return;
    if (!st || i >= st->nentries) {
        buf[0] = '\0';
        return;
    }
    snprintf(buf, len, "%s", value_text(&st->entries[i], num));
}

/* Flushes out and says whether everything written so far reached it: 0 or -errno. */
static int finish(FILE *out)
{
    if (fflush(out) == 0 && !ferror(out))
        return 0;
    return errno ? -errno : -EIO;
}

/* A JSON string: '"' and '\' escaped, control characters as \u00XX (RFC 8259, 7). */
static void json_string(FILE *out, const char *s)
{
    putc('"', out);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;

        if (c == '"' || c == '\\') {
            putc('\\', out);
            putc(c, out);
        } else if (c < 0x20) {
            fprintf(out, "\\u%04X", c);
        } else {
            putc(c, out);
        }
    }
    putc('"', out);
}

static void json_indent(FILE *out, unsigned depth)
{
    while (depth--)
        fputs("  ", out);
}

/*
 * Walks the name tree depth first without recursion (a name may have any number of
 * segments): descend into an object's first child; after a leaf, climb while the node
 * is the last of its siblings, closing one object per level, then step to the next
 * sibling.
 */
int stats_write_json(const struct stats *st, FILE *out)
{
    char num[F64_CHARS];
    const struct node *nodes;
    uint32_t k;
    unsigned depth = 1;

    if (!st || !out)
        return -EINVAL;
    errno = 0;
    nodes = st->nodes;
    k = nodes[ROOT].first;
    if (k == NONE) {
        fputs("{}\n", out);
        return finish(out);
    }
    fputs("{\n", out);
    for (;;) {
        const struct node *n = &nodes[k];

        json_indent(out, depth);
        fprintf(out, "\"%.*s\": ", (int)(n->len - n->seg), n->path + n->seg);
        if (n->entry == NONE) {
            fputs("{\n", out);
            depth++;
            k = n->first;
            continue;
        }
        if (st->entries[n->entry].kind == STATS_STR)
            json_string(out, st->entries[n->entry].v.s);
        else
            fputs(value_text(&st->entries[n->entry], num), out);
        while (nodes[k].next == NONE) {
            fputc('\n', out);
            json_indent(out, --depth);
            fputc('}', out);
            k = nodes[k].parent;
            if (k == ROOT) {
                fputc('\n', out);
                return finish(out);
            }
        }
        fputs(",\n", out);
        k = nodes[k].next;
    }
}

/* A CSV field, in quotes with inner quotes doubled when it needs them (RFC 4180, 2). */
static void csv_field(FILE *out, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, out);
        return;
    }
    putc('"', out);
    for (; *s; s++) {
        if (*s == '"')
            putc('"', out);
        putc(*s, out);
    }
    putc('"', out);
}

int stats_write_csv(const struct stats *st, FILE *out)
{
    char num[F64_CHARS];
    uint32_t i;

    if (!st || !out)
        return -EINVAL;
    errno = 0;
    fputs("name,value\n", out);
    for (i = 0; i < st->nentries; i++) {
        fputs(st->entries[i].name, out);       /* [A-Za-z0-9_.-]: never quoted */
        putc(',', out);
        csv_field(out, value_text(&st->entries[i], num));
        putc('\n', out);
    }
    return finish(out);
}

/*
 * Writes a result file through sim/core/outfile.h: emit(arg, f) writes the text; on
 * any failure path is left as it was. 0, or a negative errno with "cannot write PATH:
 * REASON".
 */
static int write_file_via_tmp(const char *path, int (*emit)(const void *arg, FILE *f),
                              const void *arg, char *err, size_t errlen)
{
    struct outfile o;
    int rc = outfile_open(&o, path, err, errlen);

    if (rc)
        return rc;
    if ((rc = emit(arg, o.f))) {
        outfile_abort(&o);
        err_set(err, errlen, "cannot write %s: %s", path, strerror(-rc));
        return rc;
    }
    return outfile_commit(&o, err, errlen);
}

struct stats_emit {
    const struct stats *st;
    int (*fn)(const struct stats *, FILE *);
};

static int emit_stats(const void *arg, FILE *f)
{
    const struct stats_emit *e = arg;

    return e->fn(e->st, f);
}

int stats_write_file(const struct stats *st, const char *path, const char *format,
                     char *err, size_t errlen)
{
    int (*emit)(const struct stats *, FILE *);

    if (!path || !*path) {
        err_set(err, errlen, "cannot write statistics: no output path given");
        return -EINVAL;
    }
    if (format && !strcmp(format, "json")) {
        emit = stats_write_json;
    } else if (format && !strcmp(format, "csv")) {
        emit = stats_write_csv;
    } else {
        err_set(err, errlen, "cannot write %s: unknown format \"%s\" (expected json or csv)",
                path, format ? format : "(none)");
        return -EINVAL;
    }
    if (!st) {
        err_set(err, errlen, "cannot write %s: no statistics", path);
        return -EINVAL;
    }
    return write_file_via_tmp(path, emit_stats, &(struct stats_emit){ st, emit }, err, errlen);
}

/* ---- Whole histograms as CSV ------------------------------------------------------ */

#define HISTS_HEADER "name,low,high,count\n"

static int emit_hist_rows(FILE *f, const char *name, const struct stats_hist *h)
{
    for (unsigned i = 0; h->count && i < STATS_HIST_BUCKETS; i++) {
        uint64_t lo = stats_hist_bucket_low(i), hi = stats_hist_bucket_high(i);
        if (!h->bucket[i])
            continue;
        if (lo < h->min)
            lo = h->min;
        if (hi > h->max)
            hi = h->max;
        if (fprintf(f, "%s,%" PRIu64 ",%" PRIu64 ",%" PRIu64 "\n", name, lo, hi,
                    h->bucket[i]) < 0)
            return -EIO;
    }
    return 0;
}

struct hists_emit {
    unsigned n;
    const char *const *names;
    const struct stats_hist *const *hists;
};

static int emit_hists(const void *arg, FILE *f)
{
    const struct hists_emit *e = arg;
    int rc = fputs(HISTS_HEADER, f) < 0 ? -EIO : 0;

    for (unsigned k = 0; !rc && k < e->n; k++)
        rc = emit_hist_rows(f, e->names[k], e->hists[k]);
    return rc;
}

int stats_hists_write_file(const char *path, unsigned n, const char *const *names,
                           const struct stats_hist *const *hists, char *err, size_t errlen)
{
    if (!path || !*path) {
        err_set(err, errlen, "cannot write histograms: no output path given");
        return -EINVAL;
    }
    return write_file_via_tmp(path, emit_hists, &(struct hists_emit){ n, names, hists }, err,
                              errlen);
}
