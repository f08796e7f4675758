/*
 * import.c - the machinery every importer shares (import_common.h): the input (plain or
 * gzip, through zlib), the position in error messages, the masters, the trace writers,
 * the temporary names renamed into place at the end, and the summary. The mapping
 * history and the scenario fragment are import_map.c's; the formats themselves are in
 * import_gem5.c, import_ftrace.c, import_qemu.c and import_columns.c; import.h is the
 * interface.
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

#include "sim/core/outfile.h"
#include "sim/core/util.h"
#include "sim/trace/import_common.h"
#include "sim/trace/trace.h"

#define IMP_QUOTE_MAX   40

struct imp_master {
    char name[IMPORT_MAX_NAME + 1];
    struct trace_writer *w;             /* split: this master's trace */
    char *path, *tmp;
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
    struct imp_maps *maps;              /* the mapping history (import_map.c) */
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

int imp_file_fail(struct import_ctx *c, int code, const char *file, const char *fmt, ...)
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
        return imp_file_fail(c, -errno, c->in_name, "cannot open: %s", strerror(errno));
    /* zlib reads a file that is not gzip as it is (gzdirect). */
    c->gz = gzdopen(fd, "rb");
    c->buf = malloc(IMP_BUF_SIZE + 1);
    if (!c->gz || !c->buf) {
        if (!c->gz)
            close(fd);
        return imp_file_fail(c, -ENOMEM, c->in_name, "out of memory");
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

        return imp_file_fail(c, zerr == Z_ERRNO ? -errno : -EIO, c->in_name, "read failed: %s",
                         zerr == Z_ERRNO ? strerror(errno) : why);
    }
    if (n == 0) {
        /* A gzip stream cut short reads as its end: zlib says so here. */
        const char *why = gzerror(c->gz, &zerr);

        if (zerr != Z_OK && zerr != Z_STREAM_END)
            return imp_file_fail(c, -EIO, c->in_name, "read failed: %s", why);
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

/* OUT with ".NAME" before its extension: out.trc -> out.NAME.trc, out -> out.NAME. */
static char *split_name(const char *out, const char *name)
{
    const char *slash = strrchr(out, '/'), *dot = strrchr(out, '.');

    if (!dot || (slash && dot < slash) || dot == (slash ? slash + 1 : out))
        return str_printf("%s.%s", out, name);
    return str_printf("%.*s.%s%s", (int)(dot - out), out, name, dot);
}

static int writer_open(struct import_ctx *c, const char *path, char **tmp,
                       struct trace_writer **w)
{
    char werr[TRACE_ERR_MAX];
    const char *p = path;

    *tmp = NULL;
    if (strcmp(path, "-")) {
        if (!(*tmp = outfile_tmp_name(path)))
            return imp_file_fail(c, -ENOMEM, path, "out of memory");
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
            return imp_file_fail(c, -ENOMEM, c->o->out, "out of memory");
        if ((rc = writer_open(c, m->path, &m->tmp, &m->w))) {
            free(m->path);
            m->path = NULL;
            return rc;
        }
    }
    c->sum->masters = ++c->nmasters;
    return c->last_master = (int)(c->nmasters - 1);
}

uint64_t imp_lineno(const struct import_ctx *c)
{
    return c->lineno;
}

const char *imp_in_name(const struct import_ctx *c)
{
    return c->in_name;
}

struct imp_maps *imp_maps(struct import_ctx *c)
{
    return c->maps;
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

int imp_settle(struct import_ctx *c, char *tmp, const char *path, int rc)
{
    if (!tmp)
        return rc;
    if (!rc && rename(tmp, path))
        rc = imp_file_fail(c, -errno, path, "cannot rename %s into place: %s", tmp, strerror(errno));
    if (rc)
        unlink(tmp);
    return rc;
}

static int finish(struct import_ctx *c, int rc)
{
    rc = finish_writer(c, &c->w, rc);
    for (unsigned i = 0; i < c->nmasters; i++)
        rc = finish_writer(c, &c->masters[i].w, rc);
    rc = imp_maps_close(c, c->maps, rc);
    /* Every output is settled even after a failure, so that none is left behind. */
    rc = imp_settle(c, c->out_tmp, c->o->out, rc);
    for (unsigned i = 0; i < c->nmasters; i++)
        rc = imp_settle(c, c->masters[i].tmp, c->masters[i].path, rc);
    rc = imp_maps_settle(c, c->maps, rc);
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
    imp_maps_free(c->maps);
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
        if (s->remaps)
            fprintf(f, ", %" PRIu64 " maps of a range mapped before (the same buffer again)",
                    s->remaps);
        if (s->unmapped_unknown)
            fprintf(f, ", %" PRIu64 " unmaps of IOVAs not mapped in the capture",
                    s->unmapped_unknown);
        fputc('\n', f);
        for (int i = 63, first = 1; i >= 0; i--)
            if (s->pages[i]) {
                char sz[24];

                imp_fmt_size(sz, sizeof(sz), 1ull << i);
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
    imp_maps_print(f, c->maps);
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
        rc = imp_file_fail(c, -EINVAL, o->in, "unknown import format %d", (int)o->format);
    else if (o->split && !strcmp(o->out, "-"))
        rc = imp_file_fail(c, -EINVAL, o->out, "split traces cannot go to standard output");
    else if (o->fragment && !o->domain)
        rc = imp_file_fail(c, -EINVAL, o->fragment, "a fragment needs the domain its buffers map "
                       "into");
    else
        rc = in_open(c);
    if (!rc && !o->split)
        rc = writer_open(c, o->out, &c->out_tmp, &c->w);
    if (!rc && o->format == IMPORT_FTRACE)
        rc = imp_maps_open(c, &c->maps);
    if (!rc)
        rc = importers[o->format](c);
    rc = finish(c, rc);
    if (!rc && report)
        print_summary(report, c);
    free_ctx(c);
    free(c);
    return rc;
}
