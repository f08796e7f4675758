/*
 * bases.c - the buffer-base table of sim/trace/bases.h.
 *
 * Entries keep the order they were added in (indices are stable: a reader's
 * resolver hands them out as buffer indices); a second array, sorted by base and
 * rebuilt when an entry was added since the last lookup, serves the reverse lookup.
 */
#include "sim/trace/bases.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/config/config.h"

struct base_ent {
    char name[TRACE_MAX_NAME + 1];
    uint64_t base, size;
};

struct trace_bases {
    struct base_ent *ent;
    unsigned n, cap;
    unsigned *by_base;          /* indices of sized entries, by base */
    unsigned nsorted;
    bool stale;                 /* by_base needs a rebuild */
};

struct trace_bases *trace_bases_new(void)
{
    return calloc(1, sizeof(struct trace_bases));
}

void trace_bases_free(struct trace_bases *b)
{
    if (!b)
        return;
    free(b->ent);
    free(b->by_base);
    free(b);
}

static bool name_ok(const char *s)
{
    size_t n = strlen(s);

    if (!n || n > TRACE_MAX_NAME || !((s[0] >= 'A' && s[0] <= 'Z') ||
                                      (s[0] >= 'a' && s[0] <= 'z') || s[0] == '_'))
        return false;
    for (size_t i = 1; i < n; i++) {
        char c = s[i];

        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-'))
            return false;
    }
    return true;
}

int trace_bases_add(struct trace_bases *b, const char *name, uint64_t base, uint64_t size,
                    char *err, size_t errlen)
{
    if (!name_ok(name)) {
        snprintf(err, errlen, "bad buffer name '%.40s' (expected [A-Za-z_][A-Za-z0-9_.-]*, "
                 "1..%d characters)", name, TRACE_MAX_NAME);
        return -EINVAL;
    }
    if (trace_bases_find(b, name) >= 0) {
        snprintf(err, errlen, "buffer %s is given a base twice (0x%llx and 0x%llx)", name,
                 (unsigned long long)b->ent[trace_bases_find(b, name)].base,
                 (unsigned long long)base);
        return -EEXIST;
    }
    if (size && base > UINT64_MAX - size + 1) {
        snprintf(err, errlen, "buffer %s at 0x%llx of %llu bytes passes the end of the 64-bit "
                 "address space", name, (unsigned long long)base, (unsigned long long)size);
        return -EINVAL;
    }
    if (b->n == b->cap) {
        unsigned cap = b->cap ? b->cap * 2 : 16;
        struct base_ent *e = realloc(b->ent, cap * sizeof(*e));

        if (!e) {
            snprintf(err, errlen, "out of memory");
            return -ENOMEM;
        }
        b->ent = e;
        b->cap = cap;
    }
    snprintf(b->ent[b->n].name, sizeof(b->ent[b->n].name), "%s", name);
    b->ent[b->n].base = base;
    b->ent[b->n].size = size;
    b->n++;
    b->stale = true;
    return 0;
}

int trace_bases_parse(struct trace_bases *b, const char *assignment, char *err, size_t errlen)
{
    const char *eq = strchr(assignment, '=');
    char name[TRACE_MAX_NAME + 2];
    uint64_t addr;

    if (!eq || eq == assignment || !eq[1]) {
        snprintf(err, errlen, "'%.60s' is not NAME=ADDR (a buffer name and its base IOVA, "
                 "e.g. layer0=0x10000000)", assignment);
        return -EINVAL;
    }
    if ((size_t)(eq - assignment) > TRACE_MAX_NAME) {
        snprintf(err, errlen, "buffer name '%.40s...' too long (at most %d characters)",
                 assignment, TRACE_MAX_NAME);
        return -EINVAL;
    }
    memcpy(name, assignment, (size_t)(eq - assignment));
    name[eq - assignment] = '\0';
    if (config_parse_u64(eq + 1, &addr)) {
        snprintf(err, errlen, "'%.60s': the base '%.30s' is not an address (decimal or 0x-hex, "
                 "below 2^64)", assignment, eq + 1);
        return -EINVAL;
    }
    return trace_bases_add(b, name, addr, 0, err, errlen);
}

unsigned trace_bases_count(const struct trace_bases *b)
{
    return b->n;
}

int trace_bases_find(const struct trace_bases *b, const char *name)
{
    for (unsigned i = 0; i < b->n; i++)
        if (!strcmp(b->ent[i].name, name))
            return (int)i;
    return -1;
}

const char *trace_bases_name(const struct trace_bases *b, unsigned i)
{
    return i < b->n ? b->ent[i].name : NULL;
}

uint64_t trace_bases_base(const struct trace_bases *b, unsigned i)
{
    return i < b->n ? b->ent[i].base : 0;
}

uint64_t trace_bases_size(const struct trace_bases *b, unsigned i)
{
    return i < b->n ? b->ent[i].size : 0;
}

int trace_bases_layout(struct trace_bases *b, const char *const *names,
                       const uint64_t *sizes, unsigned n, char *err, size_t errlen)
{
    const uint64_t mask = TRACE_BASES_LAYOUT_ALIGN - 1;
    uint64_t next = TRACE_BASES_LAYOUT_START, end;
    int rc;

    for (unsigned i = 0; i < b->n; i++) {
        int k = -1;

        for (unsigned j = 0; j < n && k < 0; j++)
            if (!strcmp(names[j], b->ent[i].name))
                k = (int)j;
        end = b->ent[i].base + (k >= 0 ? sizes[k] : b->ent[i].size);
        if (end > next)
            next = end;
    }
    for (unsigned j = 0; j < n; j++) {
        int i = trace_bases_find(b, names[j]);

        if (i >= 0) {
            b->ent[i].size = sizes[j];
            continue;
        }
        if (next > UINT64_MAX - mask) {
            snprintf(err, errlen, "no room for buffer %s above 0x%llx", names[j],
                     (unsigned long long)next);
            return -ENOSPC;
        }
        next = (next + mask) & ~mask;
        if ((rc = trace_bases_add(b, names[j], next, sizes[j], err, errlen)))
            return rc;
        next += sizes[j];
    }
    b->stale = true;
    return 0;
}

static const struct trace_bases *sort_ctx;

static int by_base(const void *x, const void *y)
{
    const struct base_ent *a = &sort_ctx->ent[*(const unsigned *)x];
    const struct base_ent *c = &sort_ctx->ent[*(const unsigned *)y];

    return a->base < c->base ? -1 : a->base > c->base ? 1 : 0;
}

static int rebuild(struct trace_bases *b)
{
    unsigned *v = realloc(b->by_base, (b->n ? b->n : 1) * sizeof(*v));

    if (!v)
        return -ENOMEM;
    b->by_base = v;
    b->nsorted = 0;
    for (unsigned i = 0; i < b->n; i++)
        if (b->ent[i].size)
            v[b->nsorted++] = i;
    sort_ctx = b;
    qsort(v, b->nsorted, sizeof(*v), by_base);
    b->stale = false;
    return 0;
}

int trace_bases_check(struct trace_bases *b, char *err, size_t errlen)
{
    if (rebuild(b)) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    for (unsigned k = 1; k < b->nsorted; k++) {
        const struct base_ent *lo = &b->ent[b->by_base[k - 1]], *hi = &b->ent[b->by_base[k]];

        if (hi->base - lo->base < lo->size) {
            snprintf(err, errlen, "buffers %s [0x%llx, 0x%llx) and %s [0x%llx, 0x%llx) overlap: "
                     "an address in both could not be named", lo->name,
                     (unsigned long long)lo->base, (unsigned long long)(lo->base + lo->size),
                     hi->name, (unsigned long long)hi->base,
                     (unsigned long long)(hi->base + hi->size));
            return -EEXIST;
        }
    }
    return 0;
}

bool trace_bases_locate(struct trace_bases *b, uint64_t addr, uint32_t bytes, unsigned *index,
                        uint64_t *offset)
{
    unsigned lo = 0, hi;

    if (b->stale && rebuild(b))
        return false;
    hi = b->nsorted;
    /* The last buffer whose base is at or below addr. */
    while (lo < hi) {
        unsigned mid = lo + (hi - lo) / 2;

        if (b->ent[b->by_base[mid]].base <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo) {
        const struct base_ent *e = &b->ent[b->by_base[lo - 1]];

        if (addr - e->base < e->size && bytes <= e->size - (addr - e->base)) {
            *index = b->by_base[lo - 1];
            *offset = addr - e->base;
            return true;
        }
    }
    return false;
}
