/*
 * import_ftrace.c - Linux ftrace text: the kernel's IOMMU mapping history and faults.
 *
 * Reads what tracefs' `trace` file or `trace-cmd report` prints, one event a line:
 *     TASK-PID [CPU] [FLAGS] SECONDS.FRACTION: EVENT: FIELDS
 * (tracefs prints latency flags such as "d..1." after the CPU, trace-cmd may not; both
 * are taken). Comment lines ('#'), trace-cmd's "cpus=N" header and blank lines are
 * skipped; a "CPU:N [LOST K EVENTS]" line is counted and warned about in the summary.
 *
 * The events and the TP_printk formats of include/trace/events/iommu.h they print in
 * the kernels since 3.13:
 *   map            "IOMMU: iova=0x%016llx paddr=0x%016llx size=%zu"           (to 5.16)
 *                  "IOMMU: iova=0x%016llx - 0x%016llx paddr=0x%016llx size=%zu" (5.17 on)
 *                  either with "dev=%s " before iova= (the device-name patch some
 *                  vendor kernels carry)
 *   unmap          "IOMMU: iova=0x%016llx size=%zu unmapped_size=%zu", likewise with
 *                  " - 0x%016llx" after the iova (5.17 on) and "dev=%s " before it
 *   io_page_fault  "IOMMU:%s %s iova=0x%016llx flags=0x%04x" (driver, device)
 * and of include/trace/events/dma.h (6.5 on), where the IOMMU is not traced:
 *   dma_map_page, dma_map_resource, dma_map_phys
 *                  "%s dir=%s dma_addr=%llx size=%zu phys_addr=%llx attrs=%s"
 *   dma_unmap_page, dma_unmap_resource, dma_unmap_phys
 *                  "%s dir=%s dma_addr=%llx size=%zu attrs=%s"
 *   dma_alloc, dma_alloc_pages / dma_free, dma_free_pages: dma_addr= and size= likewise
 * Fields are found by their names, so their order does not matter.
 *
 * A map becomes a buffer pinned at its IOVA and a map step at its time; an unmap ends
 * every mapping inside its range (unmapped_size, what the kernel really unmapped); the
 * page sizes the kernel used are worked out as its iommu_map() splits a range
 * (import_pgsize_split). A fault is an access by its device at its IOVA (flags bit 0,
 * IOMMU_FAULT_WRITE, says write). The first map or unmap event decides whether the
 * iommu:* or the dma:* events are the history (a kernel with both traces each mapping
 * twice); the other kind is skipped. Other events are skipped and counted.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "sim/trace/import_common.h"
#include "sim/trace/trace.h"

#define FT_FAULT_WRITE  0x1             /* IOMMU_FAULT_WRITE of include/linux/iommu.h */
#define FT_MAX_DEV      63

enum ft_source { FT_NONE, FT_IOMMU, FT_DMA };

enum ft_event {
    FT_OTHER, FT_MAP, FT_UNMAP, FT_FAULT, FT_DMA_MAP, FT_DMA_UNMAP, FT_DMA_ALLOC, FT_DMA_FREE,
};

static const struct { const char *name; enum ft_event ev; } ft_events[] = {
    { "map", FT_MAP }, { "unmap", FT_UNMAP }, { "io_page_fault", FT_FAULT },
    { "dma_map_page", FT_DMA_MAP }, { "dma_map_resource", FT_DMA_MAP },
    { "dma_map_phys", FT_DMA_MAP },
    { "dma_unmap_page", FT_DMA_UNMAP }, { "dma_unmap_resource", FT_DMA_UNMAP },
    { "dma_unmap_phys", FT_DMA_UNMAP },
    { "dma_alloc", FT_DMA_ALLOC }, { "dma_alloc_pages", FT_DMA_ALLOC },
    { "dma_free", FT_DMA_FREE }, { "dma_free_pages", FT_DMA_FREE },
};

struct ft_line {
    uint64_t time;                      /* ps, rebased */
    const char *event;                  /* the name, without "SYSTEM:" */
    size_t event_len;
    const char *fields;
};

static bool blank(char ch)
{
    return ch == ' ' || ch == '\t';
}

static const char *skip_blanks(const char *p)
{
    while (blank(*p))
        p++;
    return p;
}

/* "[LOST 12 EVENTS]" (tracefs) or "[12 EVENTS DROPPED]" style lines: the count, or -1. */
static int64_t lost_events(const char *line)
{
    const char *p = strstr(line, "[LOST ");
    uint64_t n;

    if (strncmp(line, "CPU:", 4) || !p)
        return -1;
    p += 6;
    return imp_dec(&p, &n) || strncmp(p, " EVENTS]", 8) ? -1 : (int64_t)n;
}

/* The CPU field "[NNN]": the character after it, or NULL. */
static const char *after_cpu(const char *line)
{
    for (const char *p = strchr(line, '['); p; p = strchr(p + 1, '[')) {
        const char *q = p + 1;

        while (*q >= '0' && *q <= '9')
            q++;
        if (q > p + 1 && *q == ']')
            return q + 1;
    }
    return NULL;
}

/* True when the word at p (up to a blank) is SECONDS[.FRACTION]: */
static bool is_timestamp(const char *p)
{
    const char *q = p;

    while (*q >= '0' && *q <= '9')
        q++;
    if (q == p)
        return false;
    if (*q == '.') {
        const char *f = ++q;

        while (*q >= '0' && *q <= '9')
            q++;
        if (q == f)
            return false;
    }
    return *q == ':' && (!q[1] || blank(q[1]));
}

static int parse_line(struct import_ctx *c, const char *line, struct ft_line *l)
{
    const char *p = after_cpu(line), *e;
    uint64_t ps;
    int rc;

    if (!p)
        return imp_fail(c, -EINVAL, "'%s' is not an ftrace event line (expected TASK-PID "
                        "[CPU] TIMESTAMP: EVENT: FIELDS)", imp_quote(line, strlen(line)));
    for (p = skip_blanks(p); *p && !is_timestamp(p); p = skip_blanks(p))
        while (*p && !blank(*p))
            p++;                            /* the latency flags, or words of them */
    if (!*p)
        return imp_fail(c, -EINVAL, "no timestamp after the CPU (expected SECONDS.FRACTION: "
                        "before the event)");
    rc = imp_seconds(&p, &ps);
    if (rc)
        return imp_fail(c, rc, "timestamp out of range (at most 12 fraction digits and "
                        "2^64 ps)");
    if ((rc = imp_rebase(c, ps, &l->time)))
        return rc;
    p = skip_blanks(p + 1);
    for (e = p; *e && *e != ':' && !blank(*e); e++)
        ;
    if (*e == ':' && e[1] && !blank(e[1])) {
        /* "SYSTEM:EVENT:" as some tools print it */
        p = e + 1;
        for (e = p; *e && *e != ':' && !blank(*e); e++)
            ;
    }
    if (*e != ':' || e == p)
        return imp_fail(c, -EINVAL, "no event name after the timestamp (expected EVENT: "
                        "FIELDS)");
    l->event = p;
    l->event_len = (size_t)(e - p);
    l->fields = skip_blanks(e + 1);
    return 0;
}

static enum ft_event event_kind(const struct ft_line *l)
{
    for (size_t i = 0; i < sizeof(ft_events) / sizeof(ft_events[0]); i++)
        if (strlen(ft_events[i].name) == l->event_len &&
            !strncmp(ft_events[i].name, l->event, l->event_len))
            return ft_events[i].ev;
    return FT_OTHER;
}

/* The value after "KEY=" where KEY starts the fields or follows a blank, or NULL. */
static const char *field(const char *fields, const char *key)
{
    size_t n = strlen(key);

    for (const char *p = strstr(fields, key); p; p = strstr(p + 1, key))
        if ((p == fields || blank(p[-1])) && p[n] == '=')
            return p + n + 1;
    return NULL;
}

static int need_hex0x(struct import_ctx *c, const struct ft_line *l, const char *key,
                      uint64_t *v)
{
    const char *p = field(l->fields, key);
    int rc;

    if (!p)
        return imp_fail(c, -EINVAL, "%.*s event without %s= (expected the TP_printk fields "
                        "of include/trace/events/iommu.h)", (int)l->event_len, l->event, key);
    if ((rc = imp_hex0x(&p, v)) || (*p && !blank(*p)))
        return imp_fail(c, rc == -ERANGE ? rc : -EINVAL, "bad %s= in the %.*s event "
                        "(expected 0x and up to 16 hex digits)", key, (int)l->event_len,
                        l->event);
    return 0;
}

/* dma.h prints its addresses with %llx: hex without 0x. */
static int need_hex(struct import_ctx *c, const struct ft_line *l, const char *key,
                    uint64_t *v)
{
    const char *p = field(l->fields, key);
    int rc;

    if (!p)
        return imp_fail(c, -EINVAL, "%.*s event without %s= (expected the TP_printk fields "
                        "of include/trace/events/dma.h)", (int)l->event_len, l->event, key);
    imp_eat(&p, "0x");
    if ((rc = imp_hex(&p, v)) || (*p && !blank(*p)))
        return imp_fail(c, rc == -ERANGE ? rc : -EINVAL, "bad %s= in the %.*s event "
                        "(expected up to 16 hex digits)", key, (int)l->event_len, l->event);
    return 0;
}

static int need_dec(struct import_ctx *c, const struct ft_line *l, const char *key,
                    uint64_t *v)
{
    const char *p = field(l->fields, key);
    int rc;

    if (!p)
        return imp_fail(c, -EINVAL, "%.*s event without %s= (expected the TP_printk fields "
                        "of the event)", (int)l->event_len, l->event, key);
    if ((rc = imp_dec(&p, v)) || (*p && !blank(*p)))
        return imp_fail(c, rc == -ERANGE ? rc : -EINVAL, "bad %s= in the %.*s event "
                        "(expected a decimal byte count)", key, (int)l->event_len, l->event);
    return 0;
}

/* "dev=NAME" of the device-name variant, into dev (empty when absent). */
static void device_field(const char *fields, char *dev)
{
    const char *p = field(fields, "dev");
    size_t n = 0;

    if (p)
        while (p[n] && !blank(p[n]) && n < FT_MAX_DEV)
            n++;
    memcpy(dev, p ? p : "", n);
    dev[n] = '\0';
}

/* The " - 0xEND" of 5.17 on, when present, must be iova + size. */
static int check_end(struct import_ctx *c, const struct ft_line *l, uint64_t iova,
                     uint64_t size)
{
    const char *p = field(l->fields, "iova");
    uint64_t end;

    if (!p || imp_hex0x(&p, &end))
        return 0;
    if (!imp_eat(&p, " - "))
        return 0;
    if (imp_hex0x(&p, &end) || (*p && !blank(*p)))
        return imp_fail(c, -EINVAL, "bad end of the IOVA range in the %.*s event (expected "
                        "iova=0xSTART - 0xEND)", (int)l->event_len, l->event);
    if (end != iova + size)
        return imp_fail(c, -EINVAL, "the %.*s event's range ends at 0x%" PRIx64 ", but iova "
                        "0x%" PRIx64 " + size %" PRIu64 " is 0x%" PRIx64, (int)l->event_len,
                        l->event, end, iova, size, iova + size);
    return 0;
}

static int iommu_fields(const char *fields)
{
    return strncmp(fields, "IOMMU:", 6) ? -1 : 0;
}

static int do_map(struct import_ctx *c, const struct ft_line *l)
{
    uint64_t iova, paddr, size;
    char dev[FT_MAX_DEV + 1];
    int rc;

    if (iommu_fields(l->fields))
        return imp_fail(c, -EINVAL, "map event without 'IOMMU:' (expected \"IOMMU: iova=0x... "
                        "paddr=0x... size=N\")");
    if ((rc = need_hex0x(c, l, "iova", &iova)) || (rc = need_hex0x(c, l, "paddr", &paddr)) ||
        (rc = need_dec(c, l, "size", &size)) || (rc = check_end(c, l, iova, size)))
        return rc;
    device_field(l->fields, dev);
    return imp_map(c, l->time, iova, paddr, size, dev[0] ? dev : NULL);
}

static int do_unmap(struct import_ctx *c, const struct ft_line *l)
{
    uint64_t iova, size, unmapped;
    int rc;

    if (iommu_fields(l->fields))
        return imp_fail(c, -EINVAL, "unmap event without 'IOMMU:' (expected \"IOMMU: "
                        "iova=0x... size=N unmapped_size=N\")");
    if ((rc = need_hex0x(c, l, "iova", &iova)) || (rc = need_dec(c, l, "size", &size)) ||
        (rc = need_dec(c, l, "unmapped_size", &unmapped)) || (rc = check_end(c, l, iova, size)))
        return rc;
    return imp_unmap(c, l->time, iova, unmapped);
}

static int do_fault(struct import_ctx *c, const struct ft_line *l)
{
    const char *p = l->fields, *d;
    char dev[FT_MAX_DEV + 1];
    uint64_t iova, flags;
    size_t n = 0;
    int rc, m;

    /* "IOMMU:DRIVER DEVICE iova=... flags=..." */
    if (!imp_eat(&p, "IOMMU:"))
        return imp_fail(c, -EINVAL, "io_page_fault event without 'IOMMU:' (expected "
                        "\"IOMMU:DRIVER DEVICE iova=0x... flags=0x...\")");
    while (*p && !blank(*p))
        p++;
    d = skip_blanks(p);
    while (d[n] && !blank(d[n]) && n < FT_MAX_DEV)
        n++;
    if (!n || !strncmp(d, "iova=", 5))
        return imp_fail(c, -EINVAL, "io_page_fault event without a device name (expected "
                        "\"IOMMU:DRIVER DEVICE iova=0x... flags=0x...\")");
    memcpy(dev, d, n);
    dev[n] = '\0';
    if ((rc = need_hex0x(c, l, "iova", &iova)) || (rc = need_hex0x(c, l, "flags", &flags)))
        return rc;
    if ((m = imp_master(c, dev)) < 0)
        return m;
    imp_summary(c)->faults++;
    return imp_access(c, m, l->time, (flags & FT_FAULT_WRITE) ? TRACE_OP_WRITE : TRACE_OP_READ,
                      iova, imp_opts(c)->bytes ? imp_opts(c)->bytes : IMPORT_DEFAULT_BYTES);
}

static int do_dma(struct import_ctx *c, const struct ft_line *l, enum ft_event ev)
{
    uint64_t addr, size, phys;
    char dev[FT_MAX_DEV + 1];
    size_t n = 0;
    int rc;

    if ((rc = need_hex(c, l, "dma_addr", &addr)) || (rc = need_dec(c, l, "size", &size)))
        return rc;
    if (ev == FT_DMA_UNMAP || ev == FT_DMA_FREE)
        return imp_unmap(c, l->time, addr, size);
    /* dma_alloc* print no physical address: the split assumes it aligned as the IOVA. */
    phys = addr;
    if (ev == FT_DMA_MAP && (rc = need_hex(c, l, "phys_addr", &phys)))
        return rc;
    while (l->fields[n] && !blank(l->fields[n]) && n < FT_MAX_DEV)
        n++;
    memcpy(dev, l->fields, n);
    dev[n] = '\0';
    return imp_map(c, l->time, addr, phys, size, n ? dev : NULL);
}

int import_ftrace(struct import_ctx *c)
{
    enum ft_source src = FT_NONE;
    struct ft_line l;
    char *line;
    size_t len;
    int rc;

    while ((rc = imp_line(c, &line, &len)) > 0) {
        const char *p = skip_blanks(line);
        enum ft_event ev;
        int64_t lost;

        if (!*p || *p == '#' || !strncmp(p, "cpus=", 5))
            continue;
        if ((lost = lost_events(p)) >= 0) {
            imp_summary(c)->lost += (uint64_t)lost;
            continue;
        }
        if ((rc = parse_line(c, p, &l)))
            return rc;
        ev = event_kind(&l);
        if (ev == FT_MAP || ev == FT_UNMAP || ev >= FT_DMA_MAP) {
            enum ft_source s = ev >= FT_DMA_MAP ? FT_DMA : FT_IOMMU;

            if (src == FT_NONE)
                src = s;
            if (src != s) {
                imp_skip(c);
                continue;
            }
        }
        switch (ev) {
        case FT_MAP:
            rc = do_map(c, &l);
            break;
        case FT_UNMAP:
            rc = do_unmap(c, &l);
            break;
        case FT_FAULT:
            rc = do_fault(c, &l);
            break;
        case FT_DMA_MAP: case FT_DMA_UNMAP: case FT_DMA_ALLOC: case FT_DMA_FREE:
            rc = do_dma(c, &l, ev);
            break;
        default:
            imp_skip(c);
            rc = 0;
        }
        if (rc)
            return rc;
    }
    return rc;
}
