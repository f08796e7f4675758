/*
 * import_map.c - the mapping history of an ftrace import (import_common.h, imp_map and
 * imp_unmap): the mappings still mapped, the kernel's page-size split of each
 * (import_pgsize_split), and the scenario fragment they become: PREFIX.buffers.yaml,
 * one buffer pinned at each range the kernel mapped, and PREFIX.steps.yaml, the map
 * and unmap steps in time order. import.c opens, closes and settles it with the
 * other outputs; docs/traces.md ("From a Linux capture") describes the fragment.
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/core/outfile.h"
#include "sim/core/util.h"
#include "sim/trace/import_common.h"

/* A mapping not yet unmapped (ftrace): its buffer's index in the fragment. */
struct imp_live {
    uint64_t iova, size;
    uint64_t buffer;
};

/*
 * A buffer of the fragment, by its range: a range the kernel maps again (its IOVA
 * allocator hands the same range out again) is the same buffer mapped by another step,
 * since a scenario pins every buffer for the whole run and refuses two that overlap.
 */
struct imp_buf {
    uint64_t iova, size;
    uint64_t id;                        /* mapN; UINT64_MAX: an empty slot */
};

/* The history; import.c holds it for an ftrace import. */
struct imp_maps {
    struct imp_live *live;
    uint32_t nlive, live_cap;
    struct imp_buf *bufs;               /* open addressing, bufs_cap a power of two */
    uint64_t nbufs, bufs_cap;
    uint64_t buffers;                   /* mapN written so far */
    uint64_t last_step;                 /* the time of the last map or unmap */
    FILE *buf, *steps;                  /* the fragment, under temporary names */
    char *buf_path, *buf_tmp, *steps_path, *steps_tmp;
    bool steps_written;
};

/* A time for the fragment: the largest unit config_parse_time takes that shows it exactly. */
static void fmt_time(char *buf, size_t len, uint64_t ps)
{
    static const struct { const char *unit; uint64_t ps; } units[] = {
        { "s", 1000000000000ull }, { "ms", 1000000000ull }, { "us", 1000000ull },
        { "ns", 1000ull },
    };

    for (unsigned i = 0; i < sizeof(units) / sizeof(units[0]); i++)
        if (ps && ps % units[i].ps == 0) {
            snprintf(buf, len, "%" PRIu64 "%s", ps / units[i].ps, units[i].unit);
            return;
        }
    snprintf(buf, len, "%" PRIu64 "ps", ps);
}

/* "4k", "64k", "1m", "16m": the policy words of a scenario buffer (docs/scenarios.md). */
void imp_fmt_size(char *buf, size_t len, uint64_t b)
{
    if (b >= (1ull << 30) && !(b & ((1ull << 30) - 1)))
        snprintf(buf, len, "%" PRIu64 "g", b >> 30);
    else if (b >= (1ull << 20) && !(b & ((1ull << 20) - 1)))
        snprintf(buf, len, "%" PRIu64 "m", b >> 20);
    else
        snprintf(buf, len, "%" PRIu64 "k", b >> 10);
}

int imp_maps_open(struct import_ctx *c, struct imp_maps **out)
{
    const struct import_opts *o = imp_opts(c);
    struct imp_maps *m = calloc(1, sizeof(*m));
    const char *p = o->fragment;
    int fd;

    *out = m;
    if (!m)
        return imp_file_fail(c, -ENOMEM, imp_in_name(c), "out of memory");
    if (!p)
        return 0;
    m->buf_path = str_printf("%s.buffers.yaml", p);
    m->steps_path = str_printf("%s.steps.yaml", p);
    m->buf_tmp = m->buf_path ? outfile_tmp_name(m->buf_path) : NULL;
    m->steps_tmp = m->steps_path ? outfile_tmp_name(m->steps_path) : NULL;
    if (!m->buf_tmp || !m->steps_tmp)
        return imp_file_fail(c, -ENOMEM, p, "out of memory");
    fd = open(m->buf_tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0 || !(m->buf = fdopen(fd, "w"))) {
        if (fd >= 0)
            close(fd);
        return imp_file_fail(c, -errno, m->buf_path, "cannot create: %s", strerror(errno));
    }
    fd = open(m->steps_tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0 || !(m->steps = fdopen(fd, "w"))) {
        if (fd >= 0)
            close(fd);
        return imp_file_fail(c, -errno, m->steps_path, "cannot create: %s", strerror(errno));
    }
    fprintf(m->buf, "# The mappings of %s (iommusim import %s): buffers pinned at the IOVAs\n"
            "# the kernel mapped. A scenario takes them with\n"
            "#   buffers: !include %s\n", imp_in_name(c), import_format_name(o->format),
            m->buf_path);
    fprintf(m->steps, "# The map and unmap steps of %s (iommusim import %s), in time order.\n"
            "# A scenario takes them with\n#   steps: !include %s\n", imp_in_name(c),
            import_format_name(o->format), m->steps_path);
    return 0;
}

static int close_file(struct import_ctx *c, FILE **f, const char *path, int rc)
{
    if (*f && (ferror(*f) | fclose(*f)) && !rc)
        rc = imp_file_fail(c, -EIO, path, "write failed: %s", strerror(errno));
    *f = NULL;
    return rc;
}

int imp_maps_close(struct import_ctx *c, struct imp_maps *m, int rc)
{
    if (!m)
        return rc;
    if (m->buf && !m->buffers)
        fprintf(m->buf, "{}\n");
    if (m->steps && !m->steps_written)
        fprintf(m->steps, "[]\n");
    rc = close_file(c, &m->buf, m->buf_path, rc);
    return close_file(c, &m->steps, m->steps_path, rc);
}

int imp_maps_settle(struct import_ctx *c, struct imp_maps *m, int rc)
{
    if (!m)
        return rc;
    rc = imp_settle(c, m->buf_tmp, m->buf_path, rc);
    return imp_settle(c, m->steps_tmp, m->steps_path, rc);
}

void imp_maps_print(FILE *f, const struct imp_maps *m)
{
    if (m && m->buf_path)
        fprintf(f, "  wrote %s, %s\n", m->buf_path, m->steps_path);
}

void imp_maps_free(struct imp_maps *m)
{
    if (!m)
        return;
    free(m->buf_path);
    free(m->buf_tmp);
    free(m->steps_path);
    free(m->steps_tmp);
    free(m->live);
    free(m->bufs);
    free(m);
}

static int live_find(const struct imp_maps *c, uint64_t iova, uint64_t size)
{
    for (uint32_t i = 0; i < c->nlive; i++) {
        const struct imp_live *l = &c->live[i];

        if (iova < l->iova + l->size && l->iova < iova + size)
            return (int)i;
    }
    return -1;
}

static uint64_t buf_hash(uint64_t iova, uint64_t size)
{
    uint64_t h = (iova ^ (size * 0x9e3779b97f4a7c15ull)) * 0xbf58476d1ce4e5b9ull;

    return h ^ (h >> 31);
}

/* The slot of the buffer of [iova, iova + size), or of the empty slot it would take. */
static struct imp_buf *buf_slot(struct imp_buf *t, uint64_t cap, uint64_t iova, uint64_t size)
{
    for (uint64_t i = buf_hash(iova, size) & (cap - 1);; i = (i + 1) & (cap - 1))
        if (t[i].id == UINT64_MAX || (t[i].iova == iova && t[i].size == size))
            return &t[i];
}

static bool buf_grow(struct imp_maps *c)
{
    uint64_t cap = c->bufs_cap ? 2 * c->bufs_cap : 64;
    struct imp_buf *t = malloc(cap * sizeof(*t));

    if (!t)
        return false;
    for (uint64_t i = 0; i < cap; i++)
        t[i].id = UINT64_MAX;
    for (uint64_t i = 0; i < c->bufs_cap; i++)
        if (c->bufs[i].id != UINT64_MAX)
            *buf_slot(t, cap, c->bufs[i].iova, c->bufs[i].size) = c->bufs[i];
    free(c->bufs);
    c->bufs = t;
    c->bufs_cap = cap;
    return true;
}

/*
 * The scenario policy (4k, 64k, 1m, 16m) of a pinned buffer: the largest page the
 * kernel used, but no larger than the IOVA's alignment (a pin must be aligned to its
 * policy's page size) and no page size the SMMU v1 lacks (2M pages become 1m).
 */
static uint64_t pin_policy(uint64_t iova, uint64_t largest)
{
    static const uint64_t policies[] = { 16ull << 20, 1ull << 20, 64ull << 10, 4ull << 10 };
    uint64_t cap = largest;

    if (iova && (iova & -iova) < cap)
        cap = iova & -iova;
    for (unsigned i = 0; i < sizeof(policies) / sizeof(policies[0]); i++)
        if (policies[i] <= cap)
            return policies[i];
    return 4ull << 10;
}

int imp_map(struct import_ctx *c, uint64_t time, uint64_t iova, uint64_t paddr, uint64_t size,
            const char *dev)
{
    struct imp_maps *m = imp_maps(c);
    const struct import_opts *o = imp_opts(c);
    struct import_summary *sum = imp_summary(c);
    struct imp_buf *b = NULL;
    uint64_t id;
    uint64_t pages[64] = { 0 }, largest = 0;
    uint64_t pgsizes = o->page_sizes ? o->page_sizes : IMPORT_DEFAULT_PGSIZES;
    char at[32], pol[24], mix[256];
    size_t used = 0;
    int i;

    if (!size)
        return imp_fail(c, -EINVAL, "map of 0 bytes at IOVA 0x%" PRIx64, iova);
    if (iova > UINT64_MAX - (size - 1))
        return imp_fail(c, -ERANGE, "mapping at IOVA 0x%" PRIx64 " of %" PRIu64
                        " bytes goes past the 64-bit address space", iova, size);
    if (import_pgsize_split(iova, paddr, size, pgsizes, pages))
        return imp_fail(c, -EINVAL, "map of IOVA 0x%" PRIx64 " to 0x%" PRIx64 ", %" PRIu64
                        " bytes: not aligned to the smallest page size (0x%" PRIx64
                        "), which the kernel refuses", iova, paddr, size,
                        pgsizes & -pgsizes);
    if ((i = live_find(m, iova, size)) >= 0)
        return imp_fail(c, -EEXIST, "map of IOVA 0x%" PRIx64 "..0x%" PRIx64
                        " overlaps map%" PRIu64 " (0x%" PRIx64 "..0x%" PRIx64
                        "), which is still mapped", iova, iova + size - 1, m->live[i].buffer,
                        m->live[i].iova, m->live[i].iova + m->live[i].size - 1);
    if (!array_grow((void **)&m->live, m->nlive, &m->live_cap, sizeof(*m->live)))
        return imp_fail(c, -ENOMEM, "out of memory");
    if (time < m->last_step)
        return imp_fail(c, -EINVAL, "map at a time before the previous event's: the steps of "
                        "a scenario are in time order");
    m->last_step = time;
    if (m->nbufs * 2 >= m->bufs_cap && !buf_grow(m))
        return imp_fail(c, -ENOMEM, "out of memory");
    b = buf_slot(m->bufs, m->bufs_cap, iova, size);
    id = b->id != UINT64_MAX ? b->id : m->buffers;
    m->live[m->nlive++] = (struct imp_live){ .iova = iova, .size = size, .buffer = id };
    mix[0] = '\0';
    for (i = 63; i >= 0; i--) {
        char sz[24];

        if (!pages[i])
            continue;
        sum->pages[i] += pages[i];
        if (!largest)
            largest = 1ull << i;
        imp_fmt_size(sz, sizeof(sz), 1ull << i);
        used += (size_t)snprintf(mix + used, sizeof(mix) - used, "%s%" PRIu64 " x %s",
                                 used ? ", " : "", pages[i], sz);
        if (used >= sizeof(mix))
            used = sizeof(mix) - 1;
    }
    sum->maps++;
    sum->map_bytes += size;
    if (b->id == UINT64_MAX) {
        *b = (struct imp_buf){ .iova = iova, .size = size, .id = m->buffers++ };
        m->nbufs++;
    } else {
        sum->remaps++;
        b = NULL;                       /* the buffer is written already */
    }
    if (!m->buf)
        return 0;
    fmt_time(at, sizeof(at), time);
    if (b) {
        imp_fmt_size(pol, sizeof(pol), pin_policy(iova, largest));
        fprintf(m->buf, "map%" PRIu64 ": {size: 0x%" PRIx64 ", iova: 0x%" PRIx64
                ", domain: %s%s%s, policy: %s, mapped: false}  # line %" PRIu64 "%s%s: pa 0x%"
                PRIx64 ", kernel pages %s\n", id, size, iova, o->domain,
                o->partition ? ", partition: " : "", o->partition ? o->partition : "",
                pol, imp_lineno(c), dev ? ", " : "", dev ? dev : "", paddr, mix);
    }
    fprintf(m->steps, "- {at: %s, map: [map%" PRIu64 "]}\n", at, id);
    m->steps_written = true;
    return 0;
}

int imp_unmap(struct import_ctx *c, uint64_t time, uint64_t iova, uint64_t size)
{
    struct imp_maps *m = imp_maps(c);
    struct import_summary *sum = imp_summary(c);
    char at[32];
    bool any = false;
    int i;

    if (size && iova > UINT64_MAX - (size - 1))
        return imp_fail(c, -ERANGE, "unmap at IOVA 0x%" PRIx64 " of %" PRIu64
                        " bytes goes past the 64-bit address space", iova, size);
    if (time < m->last_step)
        return imp_fail(c, -EINVAL, "unmap at a time before the previous event's: the steps "
                        "of a scenario are in time order");
    m->last_step = time;
    fmt_time(at, sizeof(at), time);
    while (size && (i = live_find(m, iova, size)) >= 0) {
        struct imp_live l = m->live[i];

        if (l.iova < iova || l.iova + l.size > iova + size)
            return imp_fail(c, -EINVAL, "unmap of IOVA 0x%" PRIx64 "..0x%" PRIx64
                            " cuts map%" PRIu64 " (0x%" PRIx64 "..0x%" PRIx64
                            ") in part: a scenario's steps unmap whole buffers", iova,
                            iova + size - 1, l.buffer, l.iova, l.iova + l.size - 1);
        m->live[i] = m->live[--m->nlive];
        if (m->steps) {
            fprintf(m->steps, "- {at: %s, unmap: [map%" PRIu64 "]}\n", at, l.buffer);
            m->steps_written = true;
        }
        sum->unmaps++;
        any = true;
    }
    if (!any)
        sum->unmapped_unknown++;     /* mapped before the capture began, or nothing */
    return 0;
}

/* ------------------------------------------------------------------ page sizes */

int import_pgsize_split(uint64_t iova, uint64_t paddr, uint64_t size, uint64_t pgsizes,
                        uint64_t counts[64])
{
    while (size) {
        uint64_t merge = iova | paddr, fit = pgsizes, bigger, count;
        unsigned idx;

        /* Page sizes no larger than what is left, and to which both addresses align. */
        fit &= (size >> 63) ? UINT64_MAX : ((1ull << (63 - __builtin_clzll(size))) << 1) - 1;
        if (merge)
            fit &= ((merge & -merge) << 1) - 1;
        if (!fit)
            return -EINVAL;
        idx = 63u - (unsigned)__builtin_clzll(fit);
        /*
         * As many pages of that size as fit, unless a larger page size can take over:
         * when both addresses are offset alike within the next larger page, only up to
         * its boundary (the kernel's pgcount, so a huge mapping is not split a page at
         * a time).
         */
        count = size >> idx;
        bigger = idx < 63 ? pgsizes & ~((2ull << idx) - 1) : 0;
        if (bigger) {
            uint64_t next = bigger & -bigger, off = (next - (iova & (next - 1))) & (next - 1);

            if (!((iova ^ paddr) & (next - 1)) && off && off <= size - next &&
                size >= next)
                count = off >> idx;
        }
        if (!count)
            count = 1;
        counts[idx] += count;
        iova += count << idx;
        paddr += count << idx;
        size -= count << idx;
    }
    return 0;
}
