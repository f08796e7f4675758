/*
 * import.c - the machinery every importer shares (import_common.h): the input (plain or
 * gzip, through zlib), the position in error messages, the masters, the trace writers
 * and the scenario fragment, the temporary names renamed into place at the end, and
 * the summary. The formats themselves are in import_gem5.c, import_ftrace.c,
 * import_qemu.c and import_columns.c; import.h is the interface.
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "sim/core/util.h"
#include "sim/trace/import_common.h"
#include "sim/trace/trace.h"

#define IMP_QUOTE_MAX   40

struct imp_master {
    char name[IMPORT_MAX_NAME + 1];
    struct trace_writer *w;             /* split: this master's trace */
    char *path, *tmp;
};

/* A mapping not yet unmapped (ftrace): its buffer's index in the fragment. */
struct imp_live {
    uint64_t iova, size;
    uint64_t buffer;
};

struct import_ctx {
    const struct import_opts *o;
    struct import_summary *sum;
    char *err;
    size_t errlen;
    /* input */
    const char *in_name;
    gzFile gz;
    char *buf;
    size_t start, end;                  /* unread bytes: buf[start .. end) */
    bool eof;
    uint64_t lineno, recno;
    bool by_record;
    /* outputs */
    struct trace_writer *w;             /* the one trace (not split) */
    char *out_tmp;
    uint64_t written;                   /* records given to the writer(s) */
    struct imp_master masters[IMPORT_MAX_MASTERS];
    unsigned nmasters;
    int last_master;                    /* imp_master's cache of the last name */
    bool rebased;
    /* the fragment */
    FILE *frag_buf, *frag_steps;
    char *frag_buf_path, *frag_buf_tmp, *frag_steps_path, *frag_steps_tmp;
    uint64_t buffers;
    struct imp_live *live;
    uint32_t nlive, live_cap;
    uint64_t last_step;
};

/* ------------------------------------------------------------------ names */

static const char *const format_names[IMPORT_NFORMATS] = {
    [IMPORT_GEM5] = "gem5",
    [IMPORT_FTRACE] = "ftrace",
    [IMPORT_QEMU] = "qemu",
    [IMPORT_COLUMNS] = "columns",
};

const char *import_format_name(enum import_format f)
{
    return (unsigned)f < IMPORT_NFORMATS ? format_names[f] : "?";
}

int import_format_parse(const char *s, enum import_format *out)
{
    for (unsigned i = 0; i < IMPORT_NFORMATS; i++)
        if (!strcmp(s, format_names[i])) {
            *out = (enum import_format)i;
            return 0;
        }
    return -EINVAL;
}

const struct import_opts *imp_opts(const struct import_ctx *c)
{
    return c->o;
}

struct import_summary *imp_summary(struct import_ctx *c)
{
    return c->sum;
}

/* ------------------------------------------------------------------ messages */

const char *imp_quote(const char *s, size_t len)
{
    static char bufs[4][IMP_QUOTE_MAX + 4];
    static unsigned turn;
    char *b = bufs[turn++ % 4];
    size_t n = len > IMP_QUOTE_MAX ? IMP_QUOTE_MAX : len, i;

    for (i = 0; i < n; i++)
        b[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
    if (len > n) {
        memcpy(b + i, "...", 3);
        i += 3;
    }
    b[i] = '\0';
    return b;
}

int imp_fail(struct import_ctx *c, int code, const char *fmt, ...)
{
    char msg[TRACE_ERR_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (c->by_record)
        err_set(c->err, c->errlen, "%s: record %" PRIu64 ": error: %s", c->in_name, c->recno,
                msg);
    else
        err_set(c->err, c->errlen, "%s:%" PRIu64 ": error: %s", c->in_name, c->lineno, msg);
    return code;
}

/* An error that belongs to no record: the input or an output as a whole. */
static int file_fail(struct import_ctx *c, int code, const char *file, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int file_fail(struct import_ctx *c, int code, const char *file, const char *fmt, ...)
{
    char msg[TRACE_ERR_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    err_set(c->err, c->errlen, "%s: error: %s", file, msg);
    return code;
}

/* ------------------------------------------------------------------ input */

static int in_open(struct import_ctx *c)
{
    int fd = strcmp(c->o->in, "-") ? open(c->o->in, O_RDONLY | O_CLOEXEC) : dup(0);

    c->in_name = strcmp(c->o->in, "-") ? c->o->in : "<stdin>";
    if (fd < 0)
        return file_fail(c, -errno, c->in_name, "cannot open: %s", strerror(errno));
    /* zlib reads a file that is not gzip as it is (gzdirect). */
    c->gz = gzdopen(fd, "rb");
    c->buf = malloc(IMP_BUF_SIZE + 1);
    if (!c->gz || !c->buf) {
        if (!c->gz)
            close(fd);
        return file_fail(c, -ENOMEM, c->in_name, "out of memory");
    }
    gzbuffer(c->gz, 128 * 1024);
    return 0;
}

static int in_fill(struct import_ctx *c)
{
    int n, zerr;

    if (c->start) {
        memmove(c->buf, c->buf + c->start, c->end - c->start);
        c->end -= c->start;
        c->start = 0;
    }
    if (c->eof || c->end == IMP_BUF_SIZE)
        return 0;
    n = gzread(c->gz, c->buf + c->end, (unsigned)(IMP_BUF_SIZE - c->end));
    if (n < 0) {
        const char *why = gzerror(c->gz, &zerr);

        return file_fail(c, zerr == Z_ERRNO ? -errno : -EIO, c->in_name, "read failed: %s",
                         zerr == Z_ERRNO ? strerror(errno) : why);
    }
    if (n == 0) {
        /* A gzip stream cut short reads as its end: zlib says so here. */
        const char *why = gzerror(c->gz, &zerr);

        if (zerr != Z_OK && zerr != Z_STREAM_END)
            return file_fail(c, -EIO, c->in_name, "read failed: %s", why);
        c->eof = true;
    }
    c->end += (size_t)n;
    return n;
}

int imp_line(struct import_ctx *c, char **line, size_t *len)
{
    char *nl;
    int rc;

    for (;;) {
        nl = memchr(c->buf + c->start, '\n', c->end - c->start);
        if (nl || (c->eof && c->end > c->start))
            break;
        if (c->eof)
            return 0;
        if (c->end - c->start == IMP_BUF_SIZE) {
            c->lineno++;
            return imp_fail(c, -EINVAL, "line longer than %u characters", IMP_BUF_SIZE - 1);
        }
        if ((rc = in_fill(c)) < 0)
            return rc;
    }
    c->lineno++;
    *line = c->buf + c->start;
    *len = nl ? (size_t)(nl - *line) : c->end - c->start;
    c->start += *len + (nl ? 1 : 0);
    if (*len && (*line)[*len - 1] == '\r')
        (*len)--;
    (*line)[*len] = '\0';                   /* the newline's place, or the spare byte */
    c->sum->input++;
    return 1;
}

long imp_read(struct import_ctx *c, void *buf, size_t n)
{
    size_t got = 0;
    int rc;

    while (got < n) {
        size_t have = c->end - c->start, take;

        if (!have) {
            if (c->eof)
                break;
            if ((rc = in_fill(c)) < 0)
                return rc;
            continue;
        }
        take = have < n - got ? have : n - got;
        memcpy((char *)buf + got, c->buf + c->start, take);
        c->start += take;
        got += take;
    }
    return (long)got;
}

void imp_set_record(struct import_ctx *c, uint64_t n)
{
    c->by_record = true;
    c->recno = n;
}

/* ------------------------------------------------------------------ parsing helpers */

static int hexval(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

int imp_hex(const char **p, uint64_t *v)
{
    const char *s = *p;
    uint64_t x = 0;
    int d, rc = 0;

    if (hexval(*s) < 0)
        return -EINVAL;
    while ((d = hexval(*s)) >= 0) {
        if (x >> 60)
            rc = -ERANGE;
        x = x << 4 | (uint64_t)d;
        s++;
    }
    *p = s;
    *v = x;
    return rc;
}

int imp_dec(const char **p, uint64_t *v)
{
    const char *s = *p;
    uint64_t x = 0;
    int rc = 0;

    if (*s < '0' || *s > '9')
        return -EINVAL;
    for (; *s >= '0' && *s <= '9'; s++) {
        unsigned d = (unsigned)(*s - '0');

        if (x > (UINT64_MAX - d) / 10)
            rc = -ERANGE;
        x = x * 10 + d;
    }
    *p = s;
    *v = x;
    return rc;
}

int imp_hex0x(const char **p, uint64_t *v)
{
    const char *s = *p;
    int rc;

    if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
        return -EINVAL;
    s += 2;
    if ((rc = imp_hex(&s, v)) == -EINVAL)
        return rc;
    *p = s;
    return rc;
}

bool imp_eat(const char **p, const char *s)
{
    size_t n = strlen(s);

    if (strncmp(*p, s, n))
        return false;
    *p += n;
    return true;
}

int imp_seconds(const char **p, uint64_t *ps)
{
    const char *s = *p;
    uint64_t whole, frac = 0, scale = IMP_PS_PER_S;
    int rc;

    if ((rc = imp_dec(&s, &whole)))
        return rc;
    if (*s == '.') {
        s++;
        if (*s < '0' || *s > '9')
            return -EINVAL;
        for (; *s >= '0' && *s <= '9'; s++) {
            if (scale == 1)
                return -ERANGE;             /* finer than a picosecond */
            scale /= 10;
            frac += (uint64_t)(*s - '0') * scale;
        }
    }
    if (whole > (UINT64_MAX - frac) / IMP_PS_PER_S)
        return -ERANGE;
    *ps = whole * IMP_PS_PER_S + frac;
    *p = s;
    return 0;
}

/* ------------------------------------------------------------------ outputs */

static char *dup_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *dup_printf(const char *fmt, ...)
{
    va_list ap;
    char *s;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !(s = malloc((size_t)n + 1)))
        return NULL;
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

static char *tmp_name(const char *path)
{
    return dup_printf("%s.tmp%ld", path, (long)getpid());
}

/* OUT with ".NAME" before its extension: out.trc -> out.NAME.trc, out -> out.NAME. */
static char *split_name(const char *out, const char *name)
{
    const char *slash = strrchr(out, '/'), *dot = strrchr(out, '.');

    if (!dot || (slash && dot < slash) || dot == (slash ? slash + 1 : out))
        return dup_printf("%s.%s", out, name);
    return dup_printf("%.*s.%s%s", (int)(dot - out), out, name, dot);
}

static int writer_open(struct import_ctx *c, const char *path, char **tmp,
                       struct trace_writer **w)
{
    char werr[TRACE_ERR_MAX];
    const char *p = path;

    *tmp = NULL;
    if (strcmp(path, "-")) {
        if (!(*tmp = tmp_name(path)))
            return file_fail(c, -ENOMEM, path, "out of memory");
        p = *tmp;
    }
    *w = trace_create(p, trace_format_from_path(path), werr, sizeof(werr));
    if (!*w) {
        err_set(c->err, c->errlen, "%s", werr);
        free(*tmp);
        *tmp = NULL;
        return -EIO;
    }
    return 0;
}

/* Sanitises name into dst: a buffer name ([A-Za-z_][A-Za-z0-9_.-]*, at most 63). */
static void master_name(char *dst, const char *name)
{
    size_t i = 0;

    if (!((name[0] >= 'A' && name[0] <= 'Z') || (name[0] >= 'a' && name[0] <= 'z') ||
          name[0] == '_'))
        dst[i++] = 'm';
    for (; *name && i < IMPORT_MAX_NAME; name++) {
        char ch = *name;
        bool ok = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
                  (ch >= '0' && ch <= '9') || ch == '_' || ch == '.' || ch == '-';

        dst[i++] = ok ? ch : '_';
    }
    dst[i] = '\0';
}

int imp_master(struct import_ctx *c, const char *name)
{
    char clean[IMPORT_MAX_NAME + 1];
    struct imp_master *m;
    int rc;

    master_name(clean, name);
    if (c->last_master >= 0 && !strcmp(c->masters[c->last_master].name, clean))
        return c->last_master;
    for (unsigned i = 0; i < c->nmasters; i++)
        if (!strcmp(c->masters[i].name, clean))
            return c->last_master = (int)i;
    if (c->nmasters == (c->o->split ? IMPORT_MAX_SPLIT : IMPORT_MAX_MASTERS))
        return imp_fail(c, -ENOSPC, "too many masters at '%s' (at most %u%s)", clean,
                        c->o->split ? IMPORT_MAX_SPLIT : IMPORT_MAX_MASTERS,
                        c->o->split ? " with --split" : "");
    m = &c->masters[c->nmasters];
    memcpy(m->name, clean, sizeof(clean));
    if (c->o->split) {
        if (!(m->path = split_name(c->o->out, clean)))
            return file_fail(c, -ENOMEM, c->o->out, "out of memory");
        if ((rc = writer_open(c, m->path, &m->tmp, &m->w))) {
            free(m->path);
            m->path = NULL;
            return rc;
        }
    }
    c->sum->masters = ++c->nmasters;
    return c->last_master = (int)(c->nmasters - 1);
}

int imp_rebase(struct import_ctx *c, uint64_t t, uint64_t *out)
{
    if (!c->rebased) {
        c->rebased = true;
        c->sum->t_offset = t;
    }
    if (t < c->sum->t_offset)
        return imp_fail(c, -EINVAL, "time %" PRIu64 ".%012" PRIu64 " s is before the first "
                        "event's (%" PRIu64 ".%012" PRIu64 " s), which times are counted from",
                        t / IMP_PS_PER_S, t % IMP_PS_PER_S, c->sum->t_offset / IMP_PS_PER_S,
                        c->sum->t_offset % IMP_PS_PER_S);
    *out = t - c->sum->t_offset;
    return 0;
}

void imp_skip(struct import_ctx *c)
{
    c->sum->skipped++;
}

/* The writer's reason for refusing a record, with the input's position. */
static int write_failed(struct import_ctx *c, struct trace_writer **w)
{
    char werr[TRACE_ERR_MAX];

    trace_finish(*w, werr, sizeof(werr));
    *w = NULL;
    return imp_fail(c, -EIO, "the record cannot be written: %s", werr);
}

int imp_access(struct import_ctx *c, int master, uint64_t time, unsigned op, uint64_t addr,
               uint64_t bytes)
{
    struct import_summary *s = c->sum;
    struct trace_writer **w = c->o->split ? &c->masters[master].w : &c->w;
    struct trace_rec rec = { .time = time, .addr = addr, .buffer = TRACE_RAW, .op = (uint8_t)op };

    if (bytes < 1 || bytes > TRACE_MAX_BYTES)
        return imp_fail(c, -ERANGE, "access of %" PRIu64 " bytes (expected 1..%u)", bytes,
                        TRACE_MAX_BYTES);
    if (addr > UINT64_MAX - (bytes - 1))
        return imp_fail(c, -ERANGE, "access at 0x%" PRIx64 " of %" PRIu64
                        " bytes goes past the 64-bit address space", addr, bytes);
    rec.bytes = (uint32_t)bytes;
    if (trace_write(*w, &rec))
        return write_failed(c, w);
    c->written++;
    s->records++;
    if (op == TRACE_OP_WRITE)
        s->writes++;
    else
        s->reads++;
    if (!s->any || time < s->t_min)
        s->t_min = time;
    if (!s->any || time > s->t_max)
        s->t_max = time;
    if (!s->any || addr < s->a_lo)
        s->a_lo = addr;
    if (!s->any || addr + (bytes - 1) > s->a_last)
        s->a_last = addr + (bytes - 1);
    s->any = true;
    return 0;
}

/* ------------------------------------------------------------------ the fragment */

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
static void fmt_size(char *buf, size_t len, uint64_t b)
{
    if (b >= (1ull << 30) && !(b & ((1ull << 30) - 1)))
        snprintf(buf, len, "%" PRIu64 "g", b >> 30);
    else if (b >= (1ull << 20) && !(b & ((1ull << 20) - 1)))
        snprintf(buf, len, "%" PRIu64 "m", b >> 20);
    else
        snprintf(buf, len, "%" PRIu64 "k", b >> 10);
}

static int frag_open(struct import_ctx *c)
{
    const char *p = c->o->fragment;
    int fd;

    c->frag_buf_path = dup_printf("%s.buffers.yaml", p);
    c->frag_steps_path = dup_printf("%s.steps.yaml", p);
    c->frag_buf_tmp = c->frag_buf_path ? tmp_name(c->frag_buf_path) : NULL;
    c->frag_steps_tmp = c->frag_steps_path ? tmp_name(c->frag_steps_path) : NULL;
    if (!c->frag_buf_tmp || !c->frag_steps_tmp)
        return file_fail(c, -ENOMEM, p, "out of memory");
    fd = open(c->frag_buf_tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0 || !(c->frag_buf = fdopen(fd, "w"))) {
        if (fd >= 0)
            close(fd);
        return file_fail(c, -errno, c->frag_buf_path, "cannot create: %s", strerror(errno));
    }
    fd = open(c->frag_steps_tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0 || !(c->frag_steps = fdopen(fd, "w"))) {
        if (fd >= 0)
            close(fd);
        return file_fail(c, -errno, c->frag_steps_path, "cannot create: %s", strerror(errno));
    }
    fprintf(c->frag_buf, "# The mappings of %s (iommusim import %s): buffers pinned at the IOVAs\n"
            "# the kernel mapped. A scenario takes them with\n"
            "#   buffers: !include %s\n", c->in_name, import_format_name(c->o->format),
            c->frag_buf_path);
    fprintf(c->frag_steps, "# The map and unmap steps of %s (iommusim import %s), in time order.\n"
            "# A scenario takes them with\n#   steps: !include %s\n", c->in_name,
            import_format_name(c->o->format), c->frag_steps_path);
    return 0;
}

static int live_find(const struct import_ctx *c, uint64_t iova, uint64_t size)
{
    for (uint32_t i = 0; i < c->nlive; i++) {
        const struct imp_live *l = &c->live[i];

        if (iova < l->iova + l->size && l->iova < iova + size)
            return (int)i;
    }
    return -1;
}

int imp_map(struct import_ctx *c, uint64_t time, uint64_t iova, uint64_t paddr, uint64_t size,
            const char *dev)
{
    uint64_t pages[64] = { 0 }, largest = 0;
    uint64_t pgsizes = c->o->page_sizes ? c->o->page_sizes : IMPORT_DEFAULT_PGSIZES;
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
    if ((i = live_find(c, iova, size)) >= 0)
        return imp_fail(c, -EEXIST, "map of IOVA 0x%" PRIx64 "..0x%" PRIx64
                        " overlaps map%" PRIu64 " (0x%" PRIx64 "..0x%" PRIx64
                        "), which is still mapped", iova, iova + size - 1, c->live[i].buffer,
                        c->live[i].iova, c->live[i].iova + c->live[i].size - 1);
    if (!array_grow((void **)&c->live, c->nlive, &c->live_cap, sizeof(*c->live)))
        return imp_fail(c, -ENOMEM, "out of memory");
    if (time < c->last_step)
        return imp_fail(c, -EINVAL, "map at a time before the previous event's: the steps of "
                        "a scenario are in time order");
    c->last_step = time;
    c->live[c->nlive++] = (struct imp_live){ .iova = iova, .size = size, .buffer = c->buffers };
    mix[0] = '\0';
    for (i = 63; i >= 0; i--) {
        char sz[24];

        if (!pages[i])
            continue;
        c->sum->pages[i] += pages[i];
        if (!largest)
            largest = 1ull << i;
        fmt_size(sz, sizeof(sz), 1ull << i);
        used += (size_t)snprintf(mix + used, sizeof(mix) - used, "%s%" PRIu64 " x %s",
                                 used ? ", " : "", pages[i], sz);
        if (used >= sizeof(mix))
            used = sizeof(mix) - 1;
    }
    c->sum->maps++;
    c->sum->map_bytes += size;
    if (!c->frag_buf)
        return 0;
    fmt_time(at, sizeof(at), time);
    fmt_size(pol, sizeof(pol), largest);
    fprintf(c->frag_buf, "map%" PRIu64 ": {size: 0x%" PRIx64 ", iova: 0x%" PRIx64
            ", domain: %s, policy: %s, mapped: false}  # line %" PRIu64 "%s%s: pa 0x%" PRIx64
            ", kernel pages %s\n", c->buffers, size, iova, c->o->domain, pol, c->lineno,
            dev ? ", " : "", dev ? dev : "", paddr, mix);
    fprintf(c->frag_steps, "- {at: %s, map: [map%" PRIu64 "]}\n", at, c->buffers);
    c->buffers++;
    return 0;
}

int imp_unmap(struct import_ctx *c, uint64_t time, uint64_t iova, uint64_t size)
{
    char at[32];
    bool any = false;
    int i;

    if (size && iova > UINT64_MAX - (size - 1))
        return imp_fail(c, -ERANGE, "unmap at IOVA 0x%" PRIx64 " of %" PRIu64
                        " bytes goes past the 64-bit address space", iova, size);
    if (time < c->last_step)
        return imp_fail(c, -EINVAL, "unmap at a time before the previous event's: the steps "
                        "of a scenario are in time order");
    c->last_step = time;
    fmt_time(at, sizeof(at), time);
    while (size && (i = live_find(c, iova, size)) >= 0) {
        struct imp_live l = c->live[i];

        if (l.iova < iova || l.iova + l.size > iova + size)
            return imp_fail(c, -EINVAL, "unmap of IOVA 0x%" PRIx64 "..0x%" PRIx64
                            " cuts map%" PRIu64 " (0x%" PRIx64 "..0x%" PRIx64
                            ") in part: a scenario's steps unmap whole buffers", iova,
                            iova + size - 1, l.buffer, l.iova, l.iova + l.size - 1);
        c->live[i] = c->live[--c->nlive];
        if (c->frag_steps)
            fprintf(c->frag_steps, "- {at: %s, unmap: [map%" PRIu64 "]}\n", at, l.buffer);
        c->sum->unmaps++;
        any = true;
    }
    if (!any)
        c->sum->unmapped_unknown++;     /* mapped before the capture began, or nothing */
    return 0;
}

/* ------------------------------------------------------------------ page sizes */

int import_pgsize_split(uint64_t iova, uint64_t paddr, uint64_t size, uint64_t pgsizes,
                        uint64_t counts[64])
{
    while (size) {
        uint64_t merge = iova | paddr, fit = pgsizes;
        unsigned idx;

        /* Page sizes no larger than what is left, and to which both addresses align. */
        fit &= (size >> 63) ? UINT64_MAX : ((1ull << (63 - __builtin_clzll(size))) << 1) - 1;
        if (merge)
            fit &= ((merge & -merge) << 1) - 1;
        if (!fit)
            return -EINVAL;
        idx = 63u - (unsigned)__builtin_clzll(fit);
        counts[idx]++;
        iova += 1ull << idx;
        paddr += 1ull << idx;
        size -= 1ull << idx;
    }
    return 0;
}

/* ------------------------------------------------------------------ the run */

static int finish_writer(struct import_ctx *c, struct trace_writer **w, int rc)
{
    char werr[TRACE_ERR_MAX];

    if (*w && trace_finish(*w, werr, sizeof(werr)) && !rc) {
        err_set(c->err, c->errlen, "%s", werr);
        rc = -EIO;
    }
    *w = NULL;
    return rc;
}

static int finish_file(struct import_ctx *c, FILE **f, const char *path, int rc)
{
    if (*f && (ferror(*f) | fclose(*f)) && !rc)
        rc = file_fail(c, -EIO, path, "write failed: %s", strerror(errno));
    *f = NULL;
    return rc;
}

/* Renames one temporary into place (rc 0), or removes it (rc < 0). */
static int settle(struct import_ctx *c, char *tmp, const char *path, int rc)
{
    if (!tmp)
        return rc;
    if (!rc && rename(tmp, path))
        rc = file_fail(c, -errno, path, "cannot rename %s into place: %s", tmp, strerror(errno));
    if (rc)
        unlink(tmp);
    return rc;
}

static int finish(struct import_ctx *c, int rc)
{
    rc = finish_writer(c, &c->w, rc);
    for (unsigned i = 0; i < c->nmasters; i++)
        rc = finish_writer(c, &c->masters[i].w, rc);
    if (c->frag_buf && !c->buffers)
        fprintf(c->frag_buf, "{}\n");
    if (c->frag_steps && !c->sum->maps && !c->sum->unmaps)
        fprintf(c->frag_steps, "[]\n");
    rc = finish_file(c, &c->frag_buf, c->frag_buf_path, rc);
    rc = finish_file(c, &c->frag_steps, c->frag_steps_path, rc);
    /* Every output is settled even after a failure, so that none is left behind. */
    rc = settle(c, c->out_tmp, c->o->out, rc);
    for (unsigned i = 0; i < c->nmasters; i++)
        rc = settle(c, c->masters[i].tmp, c->masters[i].path, rc);
    rc = settle(c, c->frag_buf_tmp, c->frag_buf_path, rc);
    rc = settle(c, c->frag_steps_tmp, c->frag_steps_path, rc);
    return rc;
}

static void free_ctx(struct import_ctx *c)
{
    if (c->gz)
        gzclose(c->gz);
    free(c->buf);
    free(c->out_tmp);
    for (unsigned i = 0; i < c->nmasters; i++) {
        free(c->masters[i].path);
        free(c->masters[i].tmp);
    }
    free(c->frag_buf_path);
    free(c->frag_buf_tmp);
    free(c->frag_steps_path);
    free(c->frag_steps_tmp);
    free(c->live);
}

static void print_ps(FILE *f, uint64_t ps)
{
    fprintf(f, "%" PRIu64 ".%03" PRIu64 " ns", ps / 1000, ps % 1000);
}

static void print_summary(FILE *f, const struct import_ctx *c)
{
    const struct import_summary *s = c->sum;

    fprintf(f, "imported %s (%s): %" PRIu64 " %s read, %" PRIu64 " accesses (%" PRIu64
            " reads, %" PRIu64 " writes), %" PRIu64 " skipped\n", c->in_name,
            import_format_name(c->o->format), s->input,
            c->o->format == IMPORT_GEM5 ? "messages" : "lines", s->records, s->reads,
            s->writes, s->skipped);
    fprintf(f, "  masters: %u", s->masters);
    for (unsigned i = 0; i < c->nmasters && i < 16; i++)
        fprintf(f, "%s%s", i ? ", " : " (", c->masters[i].name);
    fprintf(f, "%s\n", c->nmasters > 16 ? ", ...)" : c->nmasters ? ")" : "");
    if (s->any) {
        fprintf(f, "  time: ");
        print_ps(f, s->t_min);
        fprintf(f, " .. ");
        print_ps(f, s->t_max);
        fprintf(f, "\n  addresses: 0x%" PRIx64 " .. 0x%" PRIx64 "\n", s->a_lo, s->a_last);
    }
    if (s->t_offset) {
        fprintf(f, "  times are relative to the first event, at ");
        print_ps(f, s->t_offset);
        fputc('\n', f);
    }
    if (s->ambiguous)
        fprintf(f, "  %" PRIu64 " accesses of no known direction written as %s\n", s->ambiguous,
                c->o->rw_op == TRACE_OP_WRITE ? "writes" : "reads");
    if (c->o->format == IMPORT_FTRACE) {
        fprintf(f, "  mappings: %" PRIu64 " maps (%" PRIu64 " bytes), %" PRIu64 " unmaps, %"
                PRIu64 " faults", s->maps, s->map_bytes, s->unmaps, s->faults);
        if (s->unmapped_unknown)
            fprintf(f, ", %" PRIu64 " unmaps of IOVAs not mapped in the capture",
                    s->unmapped_unknown);
        fputc('\n', f);
        for (int i = 63, first = 1; i >= 0; i--)
            if (s->pages[i]) {
                char sz[24];

                fmt_size(sz, sizeof(sz), 1ull << i);
                fprintf(f, "%s%" PRIu64 " x %s", first ? "  kernel's pages: " : ", ",
                        s->pages[i], sz);
                first = 0;
            }
        if (s->maps)
            fputc('\n', f);
        if (s->lost)
            fprintf(f, "  warning: the capture lost %" PRIu64 " events (the ring buffer "
                    "overflowed): the mapping history is incomplete\n", s->lost);
    }
    if (c->o->format == IMPORT_GEM5 && s->tick_freq)
        fprintf(f, "  tick_freq: %" PRIu64 " ticks per second\n", s->tick_freq);
    if (c->o->split)
        for (unsigned i = 0; i < c->nmasters; i++)
            fprintf(f, "  wrote %s\n", c->masters[i].path);
    else if (strcmp(c->o->out, "-"))
        fprintf(f, "  wrote %s\n", c->o->out);
    if (c->frag_buf_path)
        fprintf(f, "  wrote %s, %s\n", c->frag_buf_path, c->frag_steps_path);
}

int import_run(const struct import_opts *o, struct import_summary *sum, FILE *report,
               char *err, size_t errlen)
{
    static int (*const importers[IMPORT_NFORMATS])(struct import_ctx *) = {
        [IMPORT_GEM5] = import_gem5,
        [IMPORT_FTRACE] = import_ftrace,
        [IMPORT_QEMU] = import_qemu,
        [IMPORT_COLUMNS] = import_columns,
    };
    struct import_ctx *c = calloc(1, sizeof(*c));
    int rc;

    memset(sum, 0, sizeof(*sum));
    if (!c) {
        err_set(err, errlen, "out of memory");
        return -ENOMEM;
    }
    c->o = o;
    c->sum = sum;
    c->err = err;
    c->errlen = errlen;
    c->last_master = -1;
    c->in_name = o->in;
    if ((unsigned)o->format >= IMPORT_NFORMATS)
        rc = file_fail(c, -EINVAL, o->in, "unknown import format %d", (int)o->format);
    else if (o->split && !strcmp(o->out, "-"))
        rc = file_fail(c, -EINVAL, o->out, "split traces cannot go to standard output");
    else if (o->fragment && !o->domain)
        rc = file_fail(c, -EINVAL, o->fragment, "a fragment needs the domain its buffers map "
                       "into");
    else
        rc = in_open(c);
    if (!rc && !o->split)
        rc = writer_open(c, o->out, &c->out_tmp, &c->w);
    if (!rc && o->fragment)
        rc = frag_open(c);
    if (!rc)
        rc = importers[o->format](c);
    rc = finish(c, rc);
    if (!rc && report)
        print_summary(report, c);
    free_ctx(c);
    free(c);
    return rc;
}
