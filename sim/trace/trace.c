/*
 * trace.c - DMA traces: the public API of trace.h (formats, trace_open/next/close
 * and their dispatch to the format files, buffer names, errors, the writer front
 * end) and what the readers share: the input buffer, the name table, the buffer
 * definitions. Each format's parser and encoder is in trace_text.c, trace_din.c,
 * trace_bin.c and trace_cbin.c; trace_priv.h holds what they share.
 *
 * A reader owns one fixed input buffer and parses records straight out of it, so
 * its memory depends on the number of distinct buffer names, never on the length
 * of the trace. The line formats (text, din) only ever parse whole lines: after
 * each refill the reader notes where the last complete line ends, and every line
 * before that point ends in '\n', which serves as the sentinel that stops every
 * field scanner without a bounds check. A partial line at the end of the buffer
 * is moved to the front before the next read. The bin reader decodes 24-byte
 * records with memcpy loads; accesses take a short path and everything else
 * (markers, definitions, errors) goes through one slower function.
 *
 * Buffer names are resolved once per distinct name (a small hash table remembers
 * them). In bin files the DEFINE records give file indices; a translation table
 * maps each to the caller's index, and without a resolver it is the identity.
 */
#define _POSIX_C_SOURCE 200809L

#include "sim/trace/trace_priv.h"

/* ------------------------------------------------------------------ formats */

static const char *const format_names[] = {
    [TRACE_FMT_TEXT] = "text",
    [TRACE_FMT_BIN] = "bin",
    [TRACE_FMT_DIN] = "din",
    [TRACE_FMT_CBIN] = "cbin",
};

#define NFORMATS (sizeof(format_names) / sizeof(format_names[0]))

const char *trace_format_name(enum trace_format f)
{
    return (unsigned)f < NFORMATS ? format_names[f] : "?";
}

int trace_format_parse(const char *s, enum trace_format *out)
{
    unsigned i;

    for (i = 0; s && i < NFORMATS; i++) {
        if (!strcmp(s, format_names[i])) {
            *out = (enum trace_format)i;
            return 0;
        }
    }
    return -EINVAL;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);

    return n >= m && !strcmp(s + n - m, suffix);
}

enum trace_format trace_format_from_path(const char *path)
{
    char name[PATH_MAX];
    size_t n = tstream_strip_suffix(path);     /* "fb.din.gz" is a din trace */

    if (n >= sizeof(name))
        return TRACE_FMT_TEXT;
    memcpy(name, path, n);
    name[n] = '\0';
    if (ends_with(name, ".bin"))
        return TRACE_FMT_BIN;
    if (ends_with(name, ".din"))
        return TRACE_FMT_DIN;
    if (ends_with(name, ".cbin"))
        return TRACE_FMT_CBIN;
    return TRACE_FMT_TEXT;
}

/* --------------------------------------------------------------- name table */

static uint32_t name_hash(const char *s, size_t len)
{
    uint32_t h = 2166136261u;       /* FNV-1a */
    size_t i;

    for (i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

static struct name_slot *name_find(struct name_table *t, const char *s, size_t len, uint32_t h)
{
    uint32_t mask = t->nslots - 1, i;
    struct name_slot *slot;

    if (!t->nslots)
        return NULL;
    for (i = h & mask;; i = (i + 1) & mask) {
        slot = &t->slots[i];
        if (!slot->name)
            return NULL;
        if (slot->hash == h && !strncmp(slot->name, s, len) && slot->name[len] == '\0')
            return slot;
    }
}

static char *dup_name(const char *s, size_t len)
{
    char *d = malloc(len + 1);

    if (d) {
        memcpy(d, s, len);
        d[len] = '\0';
    }
    return d;
}

static int names_grow(struct name_table *t)
{
    uint32_t n = t->nslots ? t->nslots * 2 : NAMES_MIN_SLOTS, i, j;
    struct name_slot *slots = calloc(n, sizeof(*slots));

    if (!slots)
        return -ENOMEM;
    for (i = 0; i < t->nslots; i++) {
        if (!t->slots[i].name)
            continue;
        for (j = t->slots[i].hash & (n - 1); slots[j].name; j = (j + 1) & (n - 1))
            ;
        slots[j] = t->slots[i];
    }
    free(t->slots);
    t->slots = slots;
    t->nslots = n;
    return 0;
}

static int names_set_index(struct name_table *t, unsigned index, const char *s, size_t len)
{
    uint32_t n;

    if (index >= t->nindex) {
        n = t->nindex ? t->nindex : 16;
        while (n <= index)
            n *= 2;
        char **p = realloc(t->by_index, n * sizeof(*p));
        if (!p)
            return -ENOMEM;
        memset(p + t->nindex, 0, (n - t->nindex) * sizeof(*p));
        t->by_index = p;
        t->nindex = n;
    }
    if (!t->by_index[index] && !(t->by_index[index] = dup_name(s, len)))
        return -ENOMEM;
    return 0;
}

static int names_add(struct name_table *t, const char *s, size_t len, uint32_t h,
                     unsigned index)
{
    struct name_slot *slot;
    uint32_t i;
    int rc;

    if ((t->count + 1) * 2 > t->nslots && (rc = names_grow(t)) < 0)
        return rc;
    for (i = h & (t->nslots - 1); t->slots[i].name; i = (i + 1) & (t->nslots - 1))
        ;
    slot = &t->slots[i];
    if (!(slot->name = dup_name(s, len)))
        return -ENOMEM;
    slot->hash = h;
    slot->index = (uint16_t)index;
    t->count++;
    return names_set_index(t, index, s, len);
}

static void names_free(struct name_table *t)
{
    uint32_t i;

    for (i = 0; i < t->nslots; i++)
        free(t->slots[i].name);
    for (i = 0; i < t->nindex; i++)
        free(t->by_index[i]);
    free(t->slots);
    free(t->by_index);
}

/* ------------------------------------------------------------------- reader */

/*
 * Stops the reader with "PATH:POS: error: ..." (line formats) or "PATH: record
 * POS: error: ..." (bin); POS 0 names no position. Returns code.
 */
__attribute__((format(printf, 4, 5)))
int fail(struct trace_reader *r, int code, uint64_t pos, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (!pos)
        n = snprintf(r->err, sizeof(r->err), "%s: error: ", r->path);
    else if (r->format == TRACE_FMT_BIN)
        n = snprintf(r->err, sizeof(r->err), "%s: record %llu: error: ", r->path,
                     (unsigned long long)pos);
    else if (r->format == TRACE_FMT_CBIN)
        n = snprintf(r->err, sizeof(r->err), "%s: byte %llu: error: ", r->path,
                     (unsigned long long)pos);
    else
        n = snprintf(r->err, sizeof(r->err), "%s:%llu: error: ", r->path,
                     (unsigned long long)pos);
    if (n >= 0 && (size_t)n < sizeof(r->err)) {
        va_start(ap, fmt);
        vsnprintf(r->err + n, sizeof(r->err) - (size_t)n, fmt, ap);
        va_end(ap);
    }
    r->done = true;
    r->ret = code;
    return code;
}

static int fail_nomem(struct trace_reader *r, uint64_t pos)
{
    return fail(r, -ENOMEM, pos, "out of memory for the buffer-name table");
}

/* One read into buf[len..cap): bytes read, 0 at the end of input, or -errno. */
long read_some(struct trace_reader *r, size_t cap)
{
    char msg[TRACE_ERR_MAX];
    ssize_t n;

    n = tstream_read(r->in, r->buf + r->len, cap - r->len, msg, sizeof(msg));
    if (n < 0) {
        r->stream_failed = true;
        return fail(r, (int)n, 0, "%s", msg);
    }
    if (n == 0)
        r->eof = true;
    r->len += (size_t)n;
    return n;
}

/* Moves the unparsed tail of the buffer to its front. */
void compact(struct trace_reader *r)
{
    size_t keep = r->len - r->pos;

    if (r->pos && !r->mapped) {
        memmove(r->buf, r->buf + r->pos, keep);
        r->dropped += r->pos;
        r->pos = 0;
        r->len = keep;
    }
}

/*
 * Makes [pos, lines_end) hold at least one whole line: 1, 0 at the end of input,
 * or a negative errno. Called only when every whole line has been parsed, so the
 * tail that is kept holds no '\n'.
 */
static int fill_lines(struct trace_reader *r)
{
    size_t scan, i;
    long n;

    compact(r);
    scan = r->len;
    for (;;) {
        if (r->eof) {
            if (!r->len)
                return 0;
            r->buf[r->len++] = '\n';    /* the last line had none */
            r->lines_end = r->len;
            return 1;
        }
        if (r->len == TRACE_BUF_SIZE)
            return fail(r, -EINVAL, r->line + 1, "line longer than %u characters",
                        TRACE_BUF_SIZE - 1);
        n = read_some(r, TRACE_BUF_SIZE);
        if (n < 0)
            return (int)n;
        for (i = r->len; i > scan && r->buf[i - 1] != '\n'; i--)
            ;
        if (i > scan) {
            r->lines_end = i;
            return 1;
        }
        scan = r->len;
    }
}

/*
 * The caller's index for a buffer name met at POS (a line or a record): from the
 * table, else from the resolver, else the next free number. A negative errno
 * (reader stopped) when the name is unknown or the indices run out.
 */
int name_index(struct trace_reader *r, const char *s, size_t len, uint64_t pos)
{
    char name[TRACE_MAX_NAME + 1];
    struct name_slot *slot;
    uint32_t h = name_hash(s, len);
    int index;

    slot = name_find(&r->names, s, len, h);
    if (slot) {
        r->last = slot;
        return slot->index;
    }
    memcpy(name, s, len);
    name[len] = '\0';
    if (r->resolve) {
        index = r->resolve(r->resolve_arg, name);
        if (index < 0)
            return fail(r, -ENOENT, pos, "unknown buffer '%s'", name);
        if (index >= (int)TRACE_MAX_BUFFERS)
            return fail(r, -ERANGE, pos,
                        "the resolver gave buffer '%s' index %d (expected 0..%u)", name,
                        index, TRACE_MAX_BUFFERS - 1);
    } else {
        if (r->names.count >= TRACE_MAX_BUFFERS)
            return fail(r, -ENOSPC, pos, "too many buffers at '%s' (at most %u)", name,
                        TRACE_MAX_BUFFERS);
        index = (int)r->names.count;
    }
    if (names_add(&r->names, s, len, h, (unsigned)index) < 0)
        return fail_nomem(r, pos);
    r->last = name_find(&r->names, s, len, h);
    return index;
}

static size_t lines_batch(struct trace_reader *r, struct trace_rec *out, size_t n)
{
    const char *p;
    size_t k = 0;
    int rc;

    while (k < n && !r->done) {
        if (r->pos == r->lines_end) {
            rc = fill_lines(r);
            if (rc <= 0) {
                r->done = true;
                r->ret = rc;
                break;
            }
        }
        p = r->buf + r->pos;
        if (r->format == TRACE_FMT_DIN)
            k += din_lines(r, &p, r->buf + r->lines_end, out + k, n - k);
        else
            k += text_lines(r, &p, r->buf + r->lines_end, out + k, n - k);
        r->pos = (size_t)(p - r->buf);
    }
    return k;
}

static int xlat_set(struct trace_reader *r, unsigned file_index, unsigned index)
{
    uint32_t n, i;

    if (file_index >= r->nxlat) {
        n = r->nxlat ? r->nxlat : XLAT_MIN;
        while (n <= file_index)
            n *= 2;
        uint16_t *x = realloc(r->xlat, n * sizeof(*x));
        if (!x)
            return -ENOMEM;
        for (i = r->nxlat; i < n; i++)
            x[i] = TRACE_RAW;
        r->xlat = x;
        r->nxlat = n;
    }
    r->xlat[file_index] = (uint16_t)index;
    return 0;
}

/*
 * A buffer definition shared by bin and cbin: buffer fidx is named by the len bytes
 * at name, and the whole definition takes size bytes of which avail are in the
 * buffer. pos is where messages point (bin: the record number, cbin: the byte
 * offset). 0 (consumed), -EAGAIN when the name is not all in the buffer, or a
 * negative errno.
 */
int define_buffer(struct trace_reader *r, unsigned fidx, const char *name, uint32_t len,
                  size_t avail, size_t size, uint64_t pos)
{
    int index;

    if (fidx == TRACE_RAW)
        return fail(r, -EINVAL, pos,
                    "definition of buffer 0xffff, the raw-IOVA index (expected 0..%u)",
                    TRACE_MAX_BUFFERS - 1);
    if (len == 0 || len > TRACE_MAX_NAME)
        return fail(r, -EINVAL, pos,
                    "name length %u in the definition of buffer %u out of range (expected 1..%d)",
                    len, fidx, TRACE_MAX_NAME);
    if (avail < size) {
        r->need = size;
        return -EAGAIN;
    }
    if (!name_valid(name, len))
        return fail(r, -EINVAL, pos,
                    "bad buffer name in the definition of buffer %u "
                    "(expected [A-Za-z_][A-Za-z0-9_.-]*, 1..%d characters)", fidx, TRACE_MAX_NAME);
    if (fidx < r->nxlat && r->xlat[fidx] != TRACE_RAW)
        return fail(r, -EINVAL, pos, "buffer %u defined twice", fidx);
    if (r->resolve) {
        if ((index = name_index(r, name, len, pos)) < 0)
            return index;
    } else {
        index = (int)fidx;
        if (names_set_index(&r->names, fidx, name, len) < 0)
            return fail_nomem(r, pos);
    }
    if (xlat_set(r, fidx, (unsigned)index) < 0)
        return fail_nomem(r, pos);
    r->pos += size;
    return 0;
}

/*
 * bin and cbin read a plain regular file in place, mapped whole, instead of copying
 * it out of the page cache a buffer at a time: the copy was most of the kernel's
 * share of a streaming run. Text and din keep the buffer: the line parser writes a
 * '\n' after an unterminated last line. A file that cannot be mapped (a pipe,
 * standard input, a compressed file) is read as before.
 */
static void map_binary(struct trace_reader *r)
{
    const void *data = NULL;
    size_t len = 0;

    if ((r->format != TRACE_FMT_BIN && r->format != TRACE_FMT_CBIN) ||
        tstream_map(r->in, &data, &len))
        return;
    free(r->buf);
    r->buf = (char *)data;      /* read-only: the binary parsers never write it */
    r->mapped = true;
    r->len = len;
    r->eof = true;
}

/* ------------------------------------------------------------- reader API */

struct trace_reader *trace_open(const char *path, const struct trace_reader_opts *opts,
                                char *err, size_t errlen)
{
    struct trace_reader_opts defaults = { .format = TRACE_FMT_TEXT };
    struct trace_reader *r;
    bool std = path && !strcmp(path, "-");
    int fd;

    if (!path) {
        snprintf(err, errlen, "no trace file given");
        return NULL;
    }
    if (!opts) {
        defaults.format = trace_format_from_path(path);
        opts = &defaults;
    }
    if ((unsigned)opts->format >= NFORMATS) {
        snprintf(err, errlen, "%s: error: unknown trace format %d (expected text, bin, din or cbin)",
                 path, (int)opts->format);
        return NULL;
    }
    if (opts->din_bytes > TRACE_MAX_BYTES) {
        snprintf(err, errlen, "%s: error: din access size %u out of range (expected 1..%u)",
                 path, opts->din_bytes, TRACE_MAX_BYTES);
        return NULL;
    }
    r = calloc(1, sizeof(*r));
    if (r) {
        r->path = strdup(std ? STDIO_NAME_IN : path);
        r->buf = malloc(TRACE_BUF_SIZE + 1);
    }
    if (!r || !r->path || !r->buf) {
        snprintf(err, errlen, "%s: error: out of memory for the reader", path);
        goto fail;
    }
    r->format = opts->format;
    r->din_bytes = opts->din_bytes ? opts->din_bytes : DIN_DEFAULT_BYTES;
    r->resolve = opts->resolve;
    r->resolve_arg = opts->resolve_arg;
    r->need = r->format == TRACE_FMT_CBIN ? CBIN_WORD : BIN_REC_SIZE;
    cbin_state_init(&r->cb);
    fd = std ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "%s: error: cannot open: %s", path, strerror(errno));
        goto fail;
    }
    r->in = tstream_open_fd(fd, !std);
    if (!r->in) {
        if (!std)
            close(fd);
        snprintf(err, errlen, "%s: error: out of memory for the reader", path);
        goto fail;
    }
    map_binary(r);
    return r;
fail:
    if (r) {
        free(r->path);
        free(r->buf);
    }
    free(r);
    return NULL;
}

/*
 * A compressed file whose data is damaged may decode to garbage before the
 * decoder's check (gzip's CRC-32 at the end of a member, say) finds it, and the
 * parser then stops first, at a line or record that was never in the trace. So
 * when a parse error stops a compressed trace, the rest of the stream is decoded
 * (and dropped: constant memory); if the decoder then finds damage, that is the
 * error, with the parser's complaint as where it first showed.
 */
static void blame_damage(struct trace_reader *r)
{
    char msg[TRACE_ERR_MAX], first[TRACE_ERR_MAX];
    ssize_t n;

    if (r->ret >= 0 || r->stream_failed || tstream_codec(r->in) == TSTREAM_PLAIN)
        return;
    do
        n = tstream_read(r->in, r->buf, TRACE_BUF_SIZE, msg, sizeof(msg));
    while (n > 0);
    if (n == 0 || n != -EINVAL)
        return;
    snprintf(first, sizeof(first), "%s", r->err);
    r->stream_failed = true;
    fail(r, -EINVAL, 0, "%s; the damage first showed as: %s", msg, first);
}

/* What a batch call returns after a decoder gave k records: both calls count alike. */
static long batch_end(struct trace_reader *r, size_t k)
{
    r->nrec += k;
    if (r->done)
        blame_damage(r);
    return k ? (long)k : r->ret;
}

long trace_next_batch(struct trace_reader *r, struct trace_rec *recs, size_t n)
{
    size_t k;

    if (r->done)
        return r->ret;
    if (n == 0)
        return 0;
    if (n > (size_t)LONG_MAX)
        n = (size_t)LONG_MAX;
    if (r->format == TRACE_FMT_BIN)
        k = bin_batch(r, recs, n);
    else if (r->format == TRACE_FMT_CBIN)
        k = cbin_batch(r, recs, n);
    else
        k = lines_batch(r, recs, n);
    return batch_end(r, k);
}

/*
 * trace_next_refs for the formats without a decoder of their own: records through
 * trace_next_batch, REFS_CHUNK at a time into a small array that stays in the L1
 * cache, then narrowed. A record number in a message is the reader's count, so it
 * is the same as trace_next_batch's.
 */
static long refs_from_batch(struct trace_reader *r, uint64_t *addr, uint8_t *op, size_t n)
{
    struct trace_rec recs[REFS_CHUNK];
    size_t k = 0;
    long m;

    while (k < n) {
        m = trace_next_batch(r, recs, n - k < REFS_CHUNK ? n - k : REFS_CHUNK);
        if (m <= 0)
            return k ? (long)k : m;
        for (long i = 0; i < m; i++, k++) {
            addr[k] = recs[i].addr;
            op[k] = ref_op(&recs[i]);
        }
    }
    return (long)k;
}

long trace_next_refs(struct trace_reader *r, uint64_t *addr, uint8_t *op, size_t n)
{
    if (r->format != TRACE_FMT_CBIN)
        return refs_from_batch(r, addr, op, n);
    if (r->done)
        return r->ret;
    if (n == 0)
        return 0;
    if (n > (size_t)LONG_MAX)
        n = (size_t)LONG_MAX;
    return batch_end(r, cbin_refs(r, addr, op, n));
}

int trace_next(struct trace_reader *r, struct trace_rec *rec)
{
    long n = trace_next_batch(r, rec, 1);

    return n > 0 ? 1 : (int)n;
}

const char *trace_error(const struct trace_reader *r)
{
    return r->err;
}

const char *trace_buffer_name(const struct trace_reader *r, unsigned index)
{
    return index < r->names.nindex ? r->names.by_index[index] : NULL;
}

uint64_t trace_records_read(const struct trace_reader *r)
{
    return r->nrec;
}

void trace_close(struct trace_reader *r)
{
    if (!r)
        return;
    tstream_close(r->in);
    names_free(&r->names);
    free(r->xlat);
    if (!r->mapped)
        free(r->buf);
    free(r->path);
    free(r);
}

/* ------------------------------------------------------------------- writer */

__attribute__((format(printf, 3, 4)))
static int wfail(struct trace_writer *w, int code, const char *fmt, ...)
{
    va_list ap;
    int n;

    n = snprintf(w->err, sizeof(w->err), "%s: error: ", w->path);
    if (n >= 0 && (size_t)n < sizeof(w->err)) {
        va_start(ap, fmt);
        vsnprintf(w->err + n, sizeof(w->err) - (size_t)n, fmt, ap);
        va_end(ap);
    }
    w->ret = code;
    return code;
}

static int wflush(struct trace_writer *w)
{
    char msg[TRACE_ERR_MAX];
    int rc = tstream_write(w->out, w->buf, w->len, msg, sizeof(msg));

    if (rc < 0)
        return wfail(w, rc, "%s", msg);
    w->len = 0;
    return 0;
}

/* Room for `need` more bytes in the output buffer. */
static int wroom(struct trace_writer *w, size_t need)
{
    return WRITE_BUF_SIZE - w->len >= need ? 0 : wflush(w);
}

char *put_dec(char *p, uint64_t v)
{
    char tmp[20];
    int n = 0;

    do
        tmp[n++] = (char)('0' + v % 10);
    while (v /= 10);
    while (n)
        *p++ = tmp[--n];
    return p;
}

char *put_hex_digits(char *p, uint64_t v)
{
    static const char digits[] = "0123456789abcdef";
    char tmp[16];
    int n = 0;

    do
        tmp[n++] = digits[v & 15];
    while (v >>= 4);
    while (n)
        *p++ = tmp[--n];
    return p;
}

char *put_hex(char *p, uint64_t v)
{
    *p++ = '0';
    *p++ = 'x';
    return put_hex_digits(p, v);
}

/* ps as ns, with only the fraction digits it needs ("12", "12.5", "0.005"). */
char *put_time(char *p, uint64_t ps)
{
    unsigned frac = (unsigned)(ps % PS_PER_NS), div = PS_PER_NS / 10;

    p = put_dec(p, ps / PS_PER_NS);
    if (frac) {
        *p++ = '.';
        while (frac) {
            *p++ = (char)('0' + frac / div);
            frac %= div;
            div /= 10;
        }
    }
    return p;
}

static void put_bin(unsigned char *p, uint64_t t, uint64_t a, uint32_t bytes, uint16_t b,
                    uint8_t op)
{
    st_le(p, t, 8);
    st_le(p + 8, a, 8);
    st_le(p + 16, bytes, 4);
    st_le(p + 20, b, 2);
    p[22] = op;
    p[23] = 0;
}

void put_word(struct trace_writer *w, uint32_t word)
{
    st_le(w->buf + w->len, word, CBIN_WORD);
    w->len += CBIN_WORD;
}

/* A control word and the 64-bit value that follows it (ADDR, TIME). */
void put_word64(struct trace_writer *w, uint32_t word, uint64_t v)
{
    put_word(w, word);
    st_le(w->buf + w->len, v, 8);
    w->len += 8;
}

struct trace_writer *trace_create(const char *path, enum trace_format format, char *err,
                                  size_t errlen)
{
    return trace_create_as(path, path, format, err, errlen);
}

struct trace_writer *trace_create_as(const char *path, const char *name,
                                     enum trace_format format, char *err, size_t errlen)
{
    struct trace_writer *w;
    bool std = path && !strcmp(path, "-");
    char msg[TRACE_ERR_MAX];
    int fd;

    if (!path) {
        snprintf(err, errlen, "no trace file given");
        return NULL;
    }
    if ((unsigned)format >= NFORMATS) {
        snprintf(err, errlen, "%s: error: unknown trace format %d (expected text, bin, din or cbin)",
                 path, (int)format);
        return NULL;
    }
    w = calloc(1, sizeof(*w));
    if (w) {
        w->path = strdup(std ? STDIO_NAME_OUT : path);
        w->buf = malloc(WRITE_BUF_SIZE);
    }
    if (!w || !w->path || !w->buf) {
        snprintf(err, errlen, "%s: error: out of memory for the writer", path);
        goto fail;
    }
    w->format = format;
    fd = std ? STDOUT_FILENO : open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0) {
        snprintf(err, errlen, "%s: error: cannot create: %s", path, strerror(errno));
        goto fail;
    }
    w->out = tstream_out_fd(fd, !std, std || !name ? TSTREAM_PLAIN : tstream_codec_from_path(name),
                            msg, sizeof(msg));
    if (!w->out) {
        if (!std)
            close(fd);
        snprintf(err, errlen, "%s: error: %s", path, msg);
        goto fail;
    }
    cbin_state_init(&w->cb);
    if (format == TRACE_FMT_BIN || format == TRACE_FMT_CBIN) {
        memcpy(w->buf, format == TRACE_FMT_BIN ? BIN_MAGIC : CBIN_MAGIC, BIN_MAGIC_LEN);
        w->len = BIN_MAGIC_LEN;
    } else if (format == TRACE_FMT_TEXT) {
        memcpy(w->buf, TEXT_HEADER, sizeof(TEXT_HEADER) - 1);
        w->len = sizeof(TEXT_HEADER) - 1;
    }                       /* din has no header (and no comments) */
    return w;
fail:
    if (w) {
        free(w->path);
        free(w->buf);
    }
    free(w);
    return NULL;
}

int trace_define_buffer(struct trace_writer *w, unsigned index, const char *name)
{
    size_t len = name ? strlen(name) : 0;
    uint32_t n;
    int rc;

    if (w->ret)
        return w->ret;
    if (index >= TRACE_MAX_BUFFERS)
        return wfail(w, -EINVAL, "buffer index %u out of range (expected 0..%u)", index,
                     TRACE_MAX_BUFFERS - 1);
    if (!name_valid(name ? name : "", len))
        return wfail(w, -EINVAL,
                     "bad name for buffer %u (expected [A-Za-z_][A-Za-z0-9_.-]*, 1..%d "
                     "characters)", index, TRACE_MAX_NAME);
    if (index < w->nnames && w->names[index])
        return wfail(w, -EEXIST, "buffer %u defined twice (first as '%s', then as '%s')",
                     index, w->names[index], name);
    if (index >= w->nnames) {
        n = w->nnames ? w->nnames : 16;
        while (n <= index)
            n *= 2;
        char **p = realloc(w->names, n * sizeof(*p));
        if (!p)
            return wfail(w, -ENOMEM, "out of memory for the buffer-name table");
        memset(p + w->nnames, 0, (n - w->nnames) * sizeof(*p));
        w->names = p;
        w->nnames = n;
    }
    if (!(w->names[index] = strdup(name)))
        return wfail(w, -ENOMEM, "out of memory for the buffer-name table");
    if (w->format == TRACE_FMT_BIN) {
        if ((rc = wroom(w, BIN_REC_SIZE + pad_name(len))) < 0)
            return rc;
        put_bin(w->buf + w->len, 0, 0, (uint32_t)len, (uint16_t)index, TRACE_OP_DEFINE);
        memset(w->buf + w->len + BIN_REC_SIZE, 0, pad_name(len));
        memcpy(w->buf + w->len + BIN_REC_SIZE, name, len);
        w->len += BIN_REC_SIZE + pad_name(len);
    } else if (w->format == TRACE_FMT_CBIN) {
        if ((rc = wroom(w, CBIN_WORD + pad_name4(len))) < 0)
            return rc;
        put_word(w, (uint32_t)index << CW_INDEX_SHIFT | (uint32_t)len << CW_LEN_SHIFT |
                    CK_DEFINE << CW_KIND_SHIFT | CW_CONTROL);
        memset(w->buf + w->len, 0, pad_name4(len));
        memcpy(w->buf + w->len, name, len);
        w->len += pad_name4(len);
    }
    return 0;
}

/* Checks a record against what the formats can carry and read back. */
static int wcheck(struct trace_writer *w, const struct trace_rec *rec)
{
    unsigned long long n = (unsigned long long)w->nrec;

    switch (rec->op) {
    case TRACE_OP_FRAME:
    case TRACE_OP_LINE:
        if (rec->bytes)
            return wfail(w, -EINVAL, "record %llu: marker with bytes %u (expected 0)", n,
                         rec->bytes);
        return 0;
    case TRACE_OP_READ:
    case TRACE_OP_WRITE:
        break;
    default:
        return wfail(w, -EINVAL, "record %llu: unknown op %u (expected read, write, frame or "
                     "line)", n, rec->op);
    }
    if (rec->bytes == 0 || rec->bytes > TRACE_MAX_BYTES)
        return wfail(w, -ERANGE, "record %llu: bytes %u out of range (expected 1..%u)", n,
                     rec->bytes, TRACE_MAX_BYTES);
    if (rec->addr > UINT64_MAX - (rec->bytes - 1))
        return wfail(w, -ERANGE, "record %llu: access at 0x%llx of %u bytes passes the end "
                     "of the 64-bit address space", n, (unsigned long long)rec->addr,
                     rec->bytes);
    if (rec->buffer != TRACE_RAW && (rec->buffer >= w->nnames || !w->names[rec->buffer]))
        return wfail(w, -EINVAL, "record %llu: buffer %u used before its definition", n,
                     rec->buffer);
    if (rec->buffer != TRACE_RAW && w->format == TRACE_FMT_DIN)
        return wfail(w, -EINVAL, "record %llu: an access to buffer %s: din carries raw IOVAs "
                     "only (give the buffer a base IOVA, e.g. iommusim convert --base %s=ADDR)",
                     n, w->names[rec->buffer], w->names[rec->buffer]);
    return 0;
}

int trace_write(struct trace_writer *w, const struct trace_rec *rec)
{
    bool marker = rec->op == TRACE_OP_FRAME || rec->op == TRACE_OP_LINE;
    int rc;

    if (w->ret)
        return w->ret;
    w->nrec++;
    if ((rc = wcheck(w, rec)) < 0)
        return rc;
    if ((rc = wroom(w, WRITE_LINE_MAX)) < 0)
        return rc;
    if (w->format == TRACE_FMT_TEXT) {
        write_text(w, rec);
    } else if (w->format == TRACE_FMT_DIN) {
        if (!marker)
            write_din(w, rec);      /* din has no markers: they are dropped */
    } else if (w->format == TRACE_FMT_CBIN) {
        write_cbin(w, rec);
    } else {
        put_bin(w->buf + w->len, rec->time, marker ? 0 : rec->addr, rec->bytes,
                marker ? TRACE_RAW : rec->buffer, rec->op);
        w->len += BIN_REC_SIZE;
    }
    return 0;
}

int trace_finish(struct trace_writer *w, char *err, size_t errlen)
{
    char msg[TRACE_ERR_MAX];
    uint32_t i;
    int rc;

    if (!w)
        return 0;
    if (!w->ret)
        wflush(w);
    if ((rc = tstream_out_finish(w->out, !w->ret, msg, sizeof(msg))) < 0 && !w->ret)
        wfail(w, rc, "%s", msg);
    rc = w->ret;
    if (rc && err && errlen)
        snprintf(err, errlen, "%s", w->err);
    for (i = 0; i < w->nnames; i++)
        free(w->names[i]);
    free(w->names);
    free(w->buf);
    free(w->path);
    free(w);
    return rc;
}
