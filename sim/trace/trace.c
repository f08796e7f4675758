/*
 * trace.c - DMA traces: streaming readers for the text, bin and din formats, and
 * writers for text and bin.
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

#include "sim/trace/trace.h"
#include "sim/trace/tstream.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * Reader input buffer; also the longest line + 1. The fuzz build (tests/fuzz/fuzz.mk)
 * compiles this file again with a small buffer so that short inputs cross refills;
 * a bin DEFINE record with the longest name must still fit.
 */
#ifndef TRACE_BUF_SIZE
#define TRACE_BUF_SIZE      (1u << 20)
#endif
#define WRITE_BUF_SIZE      (1u << 18)
#define WRITE_LINE_MAX      160         /* longest text line the writer can produce, rounded up */
#define BIN_MAGIC           "IOMTRC1\n"
#define BIN_MAGIC_LEN       8
#define BIN_REC_SIZE        24
#define BIN_NAME_ALIGN      8
/*
 * cbin, the compact binary form (docs/traces.md): 32-bit little-endian words after
 * the magic. An access word (bit 0 clear) is an access of the current op bit,
 * bytes, buffer and time at the previous address plus a signed 30-bit delta; a
 * control word (bit 0 set) has a kind in bits [3:1] and sets the state, names a
 * buffer, or is a marker or an access at a full 64-bit address.
 */
#define CBIN_MAGIC          "IOMTRC2\n"
#define CBIN_WORD           4
#define CBIN_NAME_ALIGN     4
#define CW_CONTROL          (1u << 0)
#define CW_WRITE            (1u << 1)       /* access word: the op bit */
#define CW_DELTA_SHIFT      2               /* access word: [31:2] the address delta */
#define CW_DELTA_MAX        ((1ll << 29) - 1)
#define CW_DELTA_MIN        (-(1ll << 29))
#define CW_KIND_SHIFT       1
#define CW_KIND(w)          (((w) >> CW_KIND_SHIFT) & 7u)
#define CW_FLAG             (1u << 4)       /* ADDR: a write; MARK: a line marker */
#define CW_BYTES_SHIFT      8               /* BYTES: [31:8] bytes - 1 */
#define CW_LEN_SHIFT        8               /* DEFINE: [15:8] the name's length */
#define CW_INDEX_SHIFT      16              /* BUFFER, DEFINE: [31:16] the buffer index */
#define CBIN_FIRST_BYTES    64u             /* the state's bytes before any BYTES word */
enum cbin_kind {
    CK_ADDR = 0,            /* + 2 words: an access at this address */
    CK_TIME,                /* + 2 words: the time of the records that follow */
    CK_BYTES,
    CK_BUFFER,
    CK_MARK,                /* a frame (flag clear) or line (flag set) marker */
    CK_DEFINE,              /* + the name, zero-padded to a multiple of 4 bytes */
};
#define HEX_DIGITS_MAX      16              /* addresses are 64-bit */
#define DIN_DEFAULT_BYTES   64
#define DIN_LABEL_MAX       2               /* 0 read, 1 write, 2 instruction fetch */
#define FRAC_DIGITS         3               /* text times: ns with ps resolution */
#define PS_PER_NS           1000
#define NS_MAX              (UINT64_MAX / PS_PER_NS)
#define SHOW_MAX            40              /* characters of a bad field quoted in a message */
#define SHOW_BUF            (SHOW_MAX + 4)  /* ... and "...\0" */
#define NAMES_MIN_SLOTS     64
#define XLAT_MIN            64
#define STDIO_NAME_IN       "<stdin>"
#define STDIO_NAME_OUT      "<stdout>"
#define TEXT_HEADER         "# iommusim trace v1: time_ns op target bytes\n"

_Static_assert(TRACE_BUF_SIZE >= BIN_REC_SIZE + ((TRACE_MAX_NAME + BIN_NAME_ALIGN - 1) &
                                                 ~(BIN_NAME_ALIGN - 1)),
               "a DEFINE record with the longest name must fit in the reader's buffer");

/* ------------------------------------------------------------------ helpers */

static inline bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/* The end of a field: a separator or the end of the line. */
static inline bool is_end(char c)
{
    return is_blank(c) || c == '\n';
}

static inline unsigned dec_val(char c)
{
    return (unsigned)(unsigned char)c - '0';       /* >= 10 when not a digit */
}

/* Hex digit values, 16 for anything else: one load per character, no branches. */
#define X 16
static const uint8_t hex_tab[256] = {
    X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, X, X, X, X, X, X,
    X, 10, 11, 12, 13, 14, 15, X, X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
    X, 10, 11, 12, 13, 14, 15, X, X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
};
#undef X

static inline unsigned hex_val(char c)
{
    return hex_tab[(unsigned char)c];
}

static inline bool is_name_start(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static inline bool is_name_char(char c)
{
    return is_name_start(c) || (c >= '0' && c <= '9') || c == '.' || c == '-';
}

static bool name_valid(const char *s, size_t len)
{
    size_t i;

    if (len == 0 || len > TRACE_MAX_NAME || !is_name_start(s[0]))
        return false;
    for (i = 1; i < len; i++)
        if (!is_name_char(s[i]))
            return false;
    return true;
}

static inline const char *skip_blank(const char *p)
{
    while (is_blank(*p))
        p++;
    return p;
}

/*
 * Copies the field at p (up to a separator or the end of the line, or len bytes)
 * into out for a message: at most SHOW_MAX characters, unprintable ones as '?'.
 */
static const char *show(const char *p, size_t len, char out[SHOW_BUF])
{
    size_t i;

    for (i = 0; i < len && !is_end(p[i]); i++) {
        if (i == SHOW_MAX) {
            memcpy(out + i, "...", 4);
            return out;
        }
        out[i] = (p[i] >= 0x20 && p[i] < 0x7f) ? p[i] : '?';
    }
    out[i] = '\0';
    return out;
}

#define SHOW_FIELD(p, buf) show((p), SIZE_MAX, (buf))

static inline uint64_t ld64(const unsigned char *p)
{
    uint64_t v;

    memcpy(&v, p, sizeof(v));
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap64(v);
#endif
    return v;
}

static inline uint32_t ld32(const unsigned char *p)
{
    uint32_t v;

    memcpy(&v, p, sizeof(v));
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap32(v);
#endif
    return v;
}

static inline uint16_t ld16(const unsigned char *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static void st_le(unsigned char *p, uint64_t v, unsigned n)
{
    unsigned i;

    for (i = 0; i < n; i++, v >>= 8)
        p[i] = (unsigned char)v;
}

static size_t pad_name(size_t len)
{
    return (len + BIN_NAME_ALIGN - 1) & ~(size_t)(BIN_NAME_ALIGN - 1);
}

static size_t pad_name4(size_t len)
{
    return (len + CBIN_NAME_ALIGN - 1) & ~(size_t)(CBIN_NAME_ALIGN - 1);
}

/* What the next cbin access word inherits; reader and writer keep one each. */
struct cbin_state {
    uint64_t time, addr;
    uint64_t amax;          /* the last address an access of `bytes` bytes may start at */
    uint32_t bytes;
    uint16_t buffer;        /* reader: the caller's index; writer: the file's */
};

static void cbin_state_init(struct cbin_state *c)
{
    *c = (struct cbin_state){ .bytes = CBIN_FIRST_BYTES, .buffer = TRACE_RAW,
                              .amax = UINT64_MAX - (CBIN_FIRST_BYTES - 1) };
}

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

/*
 * The names a reader has met: a hash of distinct names (each resolved once) and
 * the caller-index -> name table that trace_buffer_name() answers from. Both own
 * their strings; a resolver may give two names one index, and the index keeps the
 * first.
 */
struct name_slot {
    char *name;             /* NULL: empty slot */
    uint32_t hash;
    uint16_t index;
};

struct name_table {
    struct name_slot *slots;
    uint32_t nslots;        /* a power of two, kept at most half full */
    uint32_t count;         /* distinct names */
    char **by_index;
    uint32_t nindex;
};

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

struct trace_reader {
    struct tstream *in;     /* the file, decompressed if it is compressed */
    bool stream_failed;     /* the error is the stream's (read, truncated, corrupt) */
    bool eof;               /* read() returned 0 */
    bool done;              /* at the end or stopped by an error: ret is final */
    bool magic_ok;          /* bin: the magic has been checked */
    int ret;                /* 0 at the end, or the error's negative errno */
    enum trace_format format;
    uint32_t din_bytes;
    trace_resolve_fn resolve;
    void *resolve_arg;
    char *path;             /* as messages name it */

    char *buf;              /* TRACE_BUF_SIZE + 1: room for a '\n' after an unterminated last line */
    size_t pos;             /* next unparsed byte */
    size_t len;             /* bytes in buf */
    size_t lines_end;       /* text, din: end of the last whole line in buf */
    size_t need;            /* bin: bytes the next record needs in the buffer */

    uint64_t line;          /* text, din: lines consumed */
    uint64_t nrec;          /* records returned */
    uint64_t ndefs;         /* bin: DEFINE records consumed */
    uint64_t dropped;       /* cbin: bytes moved out of the buffer's front */
    struct cbin_state cb;   /* cbin: what the next access word inherits */

    struct name_table names;
    struct name_slot *last; /* text: the previous line's buffer, the likely next one */
    uint16_t *xlat;         /* bin: file index -> caller index, TRACE_RAW if undefined */
    uint32_t nxlat;

    char err[TRACE_ERR_MAX];
};

/*
 * Stops the reader with "PATH:POS: error: ..." (line formats) or "PATH: record
 * POS: error: ..." (bin); POS 0 names no position. Returns code.
 */
__attribute__((format(printf, 4, 5)))
static int fail(struct trace_reader *r, int code, uint64_t pos, const char *fmt, ...)
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
static long read_some(struct trace_reader *r, size_t cap)
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
static void compact(struct trace_reader *r)
{
    size_t keep = r->len - r->pos;

    if (r->pos) {
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
static int name_index(struct trace_reader *r, const char *s, size_t len, uint64_t pos)
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

/* ---------------------------------------------------------------- din lines */

/*
 * Hex digits [s, e), more than the running value can check: true when they are
 * beyond 64 bits even without their leading zeros, else false with the value in *v.
 */
static bool hex_over64(const char *s, const char *e, uint64_t *v)
{
    uint64_t a = 0;

    while (s < e && *s == '0')
        s++;
    if (e - s > HEX_DIGITS_MAX)
        return true;
    for (; s < e; s++)
        a = a << 4 | hex_val(*s);
    *v = a;
    return false;
}

/* The message for a din line that the fast parser refused; label is its first field. */
static int din_fail(struct trace_reader *r, uint64_t line, const char *label)
{
    const char *addr, *digits, *p;
    char b[SHOW_BUF];
    bool over = false;
    uint64_t a = 0;

    if (dec_val(label[0]) > DIN_LABEL_MAX || !is_end(label[1]))
        return fail(r, -EINVAL, line,
                    "bad din label '%s' (expected 0 read, 1 write or 2 instruction fetch)",
                    SHOW_FIELD(label, b));
    addr = skip_blank(label + 1);
    if (*addr == '\n')
        return fail(r, -EINVAL, line, "missing address after label %c (expected LABEL HEXADDR)",
                    label[0]);
    digits = addr;
    if (addr[0] == '0' && (addr[1] | 0x20) == 'x')
        digits += 2;
    for (p = digits; hex_val(*p) < 16; p++) {
        if (a >> 60) {
            over = true;
            a = 0;      /* only the verdict matters from here on */
        }
        a = a << 4 | hex_val(*p);
    }
    if (p == digits || !is_end(*p))
        return fail(r, -EINVAL, line,
                    "bad address '%s' (expected hex digits, with or without 0x)",
                    SHOW_FIELD(addr, b));
    if (over)
        return fail(r, -ERANGE, line, "address '%s' beyond 64 bits", SHOW_FIELD(addr, b));
    return fail(r, -ERANGE, line, "access at 0x%llx of %u bytes passes the end of the "
                "64-bit address space", (unsigned long long)a, r->din_bytes);
}

/*
 * Parses whole din lines from *pp up to end into out (at most n records). The
 * common line ("0 1a2b3c40\n") takes a handful of compares per character; any
 * problem sends the line to din_fail() for its message.
 */
static size_t din_lines(struct trace_reader *r, const char **pp, const char *end,
                        struct trace_rec *out, size_t n)
{
    static const uint8_t din_ops[DIN_LABEL_MAX + 1] = {
        TRACE_OP_READ, TRACE_OP_WRITE, TRACE_OP_READ,
    };
    const char *p = *pp, *label, *digits;
    uint64_t line = r->line, a;
    uint32_t bytes = r->din_bytes;
    const uint64_t a_last = UINT64_MAX - (bytes - 1);  /* the access must not wrap */
    unsigned lab, d;
    size_t k = 0;

    while (k < n && p < end) {
        line++;
        label = skip_blank(p);
        if (*label == '\n') {
            p = label + 1;
            continue;
        }
        lab = dec_val(label[0]);
        if (lab > DIN_LABEL_MAX || !is_blank(label[1]))
            goto bad;
        digits = skip_blank(label + 2);
        if (digits[0] == '0' && (digits[1] | 0x20) == 'x')
            digits += 2;
        a = 0;
        for (p = digits; (d = hex_val(*p)) < 16; p++)
            a = a << 4 | d;
        /* more than 16 digits may be leading zeros, or may have overflowed a */
        if (p == digits || !is_end(*p) ||
            (p - digits > HEX_DIGITS_MAX && hex_over64(digits, p, &a)) || a > a_last)
            goto bad;
        if (*p != '\n')
            p = memchr(p, '\n', (size_t)(end - p));
        p++;
        out[k].time = 0;
        out[k].addr = a;
        out[k].bytes = bytes;
        out[k].buffer = TRACE_RAW;
        out[k].op = din_ops[lab];
        k++;
    }
    r->line = line;
    *pp = p;
    return k;
bad:
    r->line = line;
    din_fail(r, line, label);
    return k;
}

/* --------------------------------------------------------------- text lines */

static int bad_time(struct trace_reader *r, uint64_t line, const char *s)
{
    char b[SHOW_BUF];

    return fail(r, -EINVAL, line,
                "bad time '%s' (expected nanoseconds: decimal with up to 3 fraction digits)",
                SHOW_FIELD(s, b));
}

static int time_too_large(struct trace_reader *r, uint64_t line, const char *s)
{
    char b[SHOW_BUF];

    return fail(r, -ERANGE, line, "time '%s' too large (at most %llu.%03u ns)",
                SHOW_FIELD(s, b), (unsigned long long)(UINT64_MAX / PS_PER_NS),
                (unsigned)(UINT64_MAX % PS_PER_NS));
}

/* TIME in ns with up to 3 fraction digits -> ps. */
static int parse_time(struct trace_reader *r, uint64_t line, const char **pp, uint64_t *ps)
{
    const char *s = *pp, *p = s;
    char b[SHOW_BUF];
    uint64_t ns = 0, frac = 0;
    unsigned d, nfrac = 0;
    bool over = false;

    if (dec_val(*p) >= 10)
        return bad_time(r, line, s);
    for (; (d = dec_val(*p)) < 10; p++) {
        if (ns > (NS_MAX - d) / 10)
            over = true;        /* reported once the field is known to be a number */
        else
            ns = ns * 10 + d;
    }
    if (*p == '.') {
        for (p++; (d = dec_val(*p)) < 10; p++) {
            if (nfrac == FRAC_DIGITS)
                return fail(r, -EINVAL, line,
                            "time '%s' has more than 3 fraction digits (the resolution is 1 ps)",
                            SHOW_FIELD(s, b));
            frac = frac * 10 + d;
            nfrac++;
        }
        if (!nfrac)
            return bad_time(r, line, s);
        for (; nfrac < FRAC_DIGITS; nfrac++)
            frac *= 10;
    }
    if (!is_end(*p))
        return bad_time(r, line, s);
    if (over || ns * PS_PER_NS > UINT64_MAX - frac)
        return time_too_large(r, line, s);
    *ps = ns * PS_PER_NS + frac;
    *pp = p;
    return 0;
}

/*
 * An unsigned number of at most 64 bits: decimal, or hex after 0x when hex_ok (or
 * when hex_only). Sets *over when the digits overflow 64 bits; returns the first
 * byte after the digits, or NULL when there are none.
 */
static const char *scan_u64(const char *p, bool hex_ok, bool hex_only, uint64_t *v, bool *over)
{
    const char *digits;
    uint64_t x = 0;
    unsigned d, base = 10;

    if ((hex_ok || hex_only) && p[0] == '0' && (p[1] | 0x20) == 'x') {
        p += 2;
        base = 16;
    } else if (hex_only) {
        return NULL;
    }
    *over = false;
    for (digits = p; (d = base == 16 ? hex_val(*p) : dec_val(*p)) < base; p++) {
        if (*over || x > (UINT64_MAX - d) / base)
            *over = true;       /* keep scanning for the field's end */
        else
            x = x * base + d;
    }
    *v = x;
    return p == digits ? NULL : p;
}

/* TARGET: NAME+OFFSET, NAME or 0xIOVA. */
static int parse_target(struct trace_reader *r, uint64_t line, const char **pp,
                        struct trace_rec *rec)
{
    const char *s = *pp, *p = s, *q;
    char b[SHOW_BUF];
    size_t len;
    bool over;
    int index;

    if (dec_val(*s) < 10) {
        q = scan_u64(s, false, true, &rec->addr, &over);
        if (!q && !(s[0] == '0' && (s[1] | 0x20) == 'x'))
            return fail(r, -EINVAL, line,
                        "bad target '%s' (expected NAME+OFFSET, NAME or 0xIOVA)",
                        SHOW_FIELD(s, b));
        if (!q || !is_end(*q))
            return fail(r, -EINVAL, line, "bad IOVA '%s' (expected 0x and hex digits)",
                        SHOW_FIELD(s, b));
        if (over)
            return fail(r, -ERANGE, line, "IOVA '%s' beyond 64 bits", SHOW_FIELD(s, b));
        rec->buffer = TRACE_RAW;
        *pp = q;
        return 0;
    }
    if (!is_name_start(*s))
        return fail(r, -EINVAL, line, "bad target '%s' (expected NAME+OFFSET, NAME or 0xIOVA)",
                    SHOW_FIELD(s, b));
    for (p = s + 1; is_name_char(*p); p++)
        ;
    len = (size_t)(p - s);
    if (!is_end(*p) && *p != '+')
        return fail(r, -EINVAL, line,
                    "bad buffer name in '%s' (expected [A-Za-z_][A-Za-z0-9_.-]*)",
                    SHOW_FIELD(s, b));
    if (len > TRACE_MAX_NAME)
        return fail(r, -EINVAL, line, "buffer name '%s' too long (%zu characters, at most %d)",
                    show(s, len, b), len, TRACE_MAX_NAME);
    rec->addr = 0;
    if (*p == '+') {
        q = scan_u64(p + 1, true, false, &rec->addr, &over);
        if (!q || !is_end(*q))
            return fail(r, -EINVAL, line, "bad offset in '%s' (expected decimal or 0x-hex)",
                        SHOW_FIELD(s, b));
        if (over)
            return fail(r, -ERANGE, line, "offset in '%s' beyond 64 bits", SHOW_FIELD(s, b));
        p = q;
    }
    if (r->last && !strncmp(r->last->name, s, len) && r->last->name[len] == '\0')
        index = r->last->index;
    else if ((index = name_index(r, s, len, line)) < 0)
        return index;
    rec->buffer = (uint16_t)index;
    *pp = p;
    return 0;
}

static int parse_bytes(struct trace_reader *r, uint64_t line, const char **pp, uint32_t *bytes)
{
    const char *s = *pp, *p;
    char b[SHOW_BUF];
    uint64_t v = 0;
    unsigned d;

    for (p = s; (d = dec_val(*p)) < 10; p++)
        if ((v = v * 10 + d) > TRACE_MAX_BYTES)
            v = TRACE_MAX_BYTES + 1;    /* stays out of range, never overflows */
    if (p == s || !is_end(*p))
        return fail(r, -EINVAL, line, "bad bytes '%s' (expected decimal 1..%u)",
                    SHOW_FIELD(s, b), TRACE_MAX_BYTES);
    if (v == 0 || v > TRACE_MAX_BYTES)
        return fail(r, -ERANGE, line, "bytes '%s' out of range (expected 1..%u)",
                    SHOW_FIELD(s, b), TRACE_MAX_BYTES);
    *bytes = (uint32_t)v;
    *pp = p;
    return 0;
}

static int op_from_char(char c)
{
    switch (c) {
    case 'R': return TRACE_OP_READ;
    case 'W': return TRACE_OP_WRITE;
    case 'F': return TRACE_OP_FRAME;
    case 'L': return TRACE_OP_LINE;
    default: return -1;
    }
}

/* One text line at *pp: 1 (a record in rec), 0 (blank or comment) or a negative errno. */
static int text_line(struct trace_reader *r, uint64_t line, const char **pp,
                     const char *end, struct trace_rec *rec)
{
    const char *p = skip_blank(*pp);
    char b[SHOW_BUF];
    int op, rc;
    char opc;

    if (*p == '\n' || *p == '#') {
        *pp = (const char *)memchr(p, '\n', (size_t)(end - p)) + 1;
        return 0;
    }
    if ((rc = parse_time(r, line, &p, &rec->time)) < 0)
        return rc;
    p = skip_blank(p);
    if (*p == '\n')
        return fail(r, -EINVAL, line, "missing OP after the time (expected TIME OP TARGET BYTES)");
    opc = *p;
    op = op_from_char(opc);
    if (op < 0 || !is_end(p[1]))
        return fail(r, -EINVAL, line, "unknown op '%s' (expected R, W, F or L)",
                    SHOW_FIELD(p, b));
    rec->op = (uint8_t)op;
    p = skip_blank(p + 1);
    if (op == TRACE_OP_FRAME || op == TRACE_OP_LINE) {
        if (*p != '\n')
            return fail(r, -EINVAL, line,
                        "unexpected '%s' after %c (F and L lines have no TARGET or BYTES)",
                        SHOW_FIELD(p, b), opc);
        rec->addr = 0;
        rec->bytes = 0;
        rec->buffer = TRACE_RAW;
        *pp = p + 1;
        return 1;
    }
    if (*p == '\n')
        return fail(r, -EINVAL, line,
                    "missing TARGET after %c (expected NAME+OFFSET, NAME or 0xIOVA)", opc);
    if ((rc = parse_target(r, line, &p, rec)) < 0)
        return rc;
    p = skip_blank(p);
    if (*p == '\n')
        return fail(r, -EINVAL, line, "missing BYTES after the target (expected 1..%u)",
                    TRACE_MAX_BYTES);
    if ((rc = parse_bytes(r, line, &p, &rec->bytes)) < 0)
        return rc;
    if (rec->addr > UINT64_MAX - (rec->bytes - 1))
        return fail(r, -ERANGE, line, "access at %s0x%llx of %u bytes passes the end of the "
                    "64-bit address space", rec->buffer == TRACE_RAW ? "" : "offset ",
                    (unsigned long long)rec->addr, rec->bytes);
    p = skip_blank(p);
    if (*p != '\n')
        return fail(r, -EINVAL, line, "unexpected '%s' after BYTES (expected the end of the line)",
                    SHOW_FIELD(p, b));
    *pp = p + 1;
    return 1;
}

static size_t text_lines(struct trace_reader *r, const char **pp, const char *end,
                         struct trace_rec *out, size_t n)
{
    size_t k = 0;
    int rc;

    while (k < n && *pp < end) {
        rc = text_line(r, ++r->line, pp, end, &out[k]);
        if (rc < 0)
            break;
        k += (size_t)rc;
    }
    return k;
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

/* ---------------------------------------------------------------------- bin */

/*
 * Reads until the buffer holds `need` unparsed bytes: 1, 0 when the input ends
 * first, or a negative errno.
 */
static int fill_bin(struct trace_reader *r, size_t need)
{
    long n;

    if (r->len - r->pos >= need)
        return 1;
    compact(r);
    while (r->len < need) {
        if (r->eof)
            return 0;
        if ((n = read_some(r, TRACE_BUF_SIZE)) < 0)
            return (int)n;
    }
    return 1;
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
static int define_buffer(struct trace_reader *r, unsigned fidx, const char *name, uint32_t len,
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
 * A DEFINE record at p (avail bytes): 0, -EAGAIN when its name is not all in the buffer.
 * Definitions are records of the file, so ndefs counts them for the record numbers
 * messages give.
 */
static int bin_define(struct trace_reader *r, const unsigned char *p, size_t avail,
                      uint64_t recno)
{
    uint32_t len = ld32(p + 16);
    int rc = define_buffer(r, ld16(p + 20), (const char *)p + BIN_REC_SIZE, len, avail,
                           BIN_REC_SIZE + pad_name(len), recno);

    if (rc == 0)
        r->ndefs++;
    return rc;
}

/*
 * Any record the fast path did not take: a marker, a definition or an error. 1 (a
 * record in rec), 0 (a definition), -EAGAIN (needs r->need bytes in the buffer) or
 * a negative errno.
 */
static int bin_slow(struct trace_reader *r, const unsigned char *p, size_t avail,
                    uint64_t recno, struct trace_rec *rec)
{
    uint64_t t = ld64(p), a = ld64(p + 8);
    uint32_t bytes = ld32(p + 16);
    uint16_t b = ld16(p + 20);
    uint8_t op = p[22];

    switch (op) {
    case TRACE_OP_DEFINE:
        return bin_define(r, p, avail, recno);
    case TRACE_OP_FRAME:
    case TRACE_OP_LINE:
        if (a || bytes || b != TRACE_RAW)
            return fail(r, -EINVAL, recno,
                        "%s marker with addr 0x%llx, bytes %u, buffer %u "
                        "(expected addr 0, bytes 0, buffer 65535)",
                        op == TRACE_OP_FRAME ? "frame" : "line", (unsigned long long)a,
                        bytes, b);
        break;
    case TRACE_OP_READ:
    case TRACE_OP_WRITE:
        if (bytes == 0 || bytes > TRACE_MAX_BYTES)
            return fail(r, -ERANGE, recno, "bytes %u out of range (expected 1..%u)", bytes,
                        TRACE_MAX_BYTES);
        if (a > UINT64_MAX - (bytes - 1))
            return fail(r, -ERANGE, recno, "access at %s0x%llx of %u bytes passes the end "
                        "of the 64-bit address space", b == TRACE_RAW ? "" : "offset ",
                        (unsigned long long)a, bytes);
        if (b != TRACE_RAW) {
            if (b >= r->nxlat || r->xlat[b] == TRACE_RAW)
                return fail(r, -EINVAL, recno,
                            "buffer %u used before its definition (expected a DEFINE "
                            "record for it earlier)", b);
            b = r->xlat[b];
        }
        break;
    default:
        return fail(r, -EINVAL, recno,
                    "unknown op %u (expected 0 read, 1 write, 2 frame, 3 line or 255 define)",
                    op);
    }
    rec->time = t;
    rec->addr = a;
    rec->bytes = bytes;
    rec->buffer = b;
    rec->op = op;
    r->pos += BIN_REC_SIZE;
    return 1;
}

static int bin_magic(struct trace_reader *r)
{
    bool c = r->format == TRACE_FMT_CBIN;
    int rc = fill_bin(r, BIN_MAGIC_LEN);

    if (rc < 0)
        return rc;
    if (rc == 0 || memcmp(r->buf + r->pos, c ? CBIN_MAGIC : BIN_MAGIC, BIN_MAGIC_LEN))
        return fail(r, -EINVAL, 0, "bad magic (expected \"%s\\n\" at the start of a %s trace)",
                    c ? "IOMTRC2" : "IOMTRC1", c ? "cbin" : "bin");
    r->pos += BIN_MAGIC_LEN;
    r->magic_ok = true;
    return 0;
}

/* The end of input with `avail` bytes left over (fewer than r->need). */
static void bin_short(struct trace_reader *r, size_t avail, uint64_t recno)
{
    const unsigned char *p = (const unsigned char *)r->buf + r->pos;

    if (!avail) {
        r->done = true;
        r->ret = 0;
    } else if (avail < BIN_REC_SIZE) {
        fail(r, -EINVAL, recno, "truncated record (%zu of %d bytes)", avail, BIN_REC_SIZE);
    } else {
        fail(r, -EINVAL, recno, "truncated name in the definition of buffer %u (%zu of %zu bytes)",
             ld16(p + 20), avail - BIN_REC_SIZE, pad_name(ld32(p + 16)));
    }
}

static size_t bin_batch(struct trace_reader *r, struct trace_rec *out, size_t n)
{
    const unsigned char *p, *end;
    const uint16_t *xlat;
    uint64_t t, a;
    uint32_t bytes, nxlat;
    uint16_t b;
    size_t k = 0;
    int rc;

    if (!r->magic_ok && bin_magic(r) < 0)
        return 0;
    while (k < n && !r->done) {
        if (r->len - r->pos < r->need) {
            rc = fill_bin(r, r->need);
            if (rc < 0)
                break;
            if (rc == 0) {
                bin_short(r, r->len - r->pos, r->nrec + k + r->ndefs + 1);
                break;
            }
        }
        r->need = BIN_REC_SIZE;
        p = (const unsigned char *)r->buf + r->pos;
        end = (const unsigned char *)r->buf + r->len;
        xlat = r->xlat;
        nxlat = r->nxlat;
        while (k < n && end - p >= BIN_REC_SIZE) {
            t = ld64(p);
            a = ld64(p + 8);
            bytes = ld32(p + 16);
            b = ld16(p + 20);
            if (p[22] <= TRACE_OP_WRITE && bytes - 1 < TRACE_MAX_BYTES &&
                a <= UINT64_MAX - (bytes - 1) &&
                (b == TRACE_RAW || (b < nxlat && (b = xlat[b]) != TRACE_RAW))) {
                out[k].time = t;
                out[k].addr = a;
                out[k].bytes = bytes;
                out[k].buffer = b;
                out[k].op = p[22];
                k++;
                p += BIN_REC_SIZE;
                continue;
            }
            r->pos = (size_t)(p - (const unsigned char *)r->buf);
            rc = bin_slow(r, p, (size_t)(end - p), r->nrec + k + r->ndefs + 1, &out[k]);
            if (rc < 0)
                break;      /* -EAGAIN: r->need is set; anything else stopped the reader */
            k += (size_t)rc;
            p = (const unsigned char *)r->buf + r->pos;
            xlat = r->xlat;
            nxlat = r->nxlat;
        }
        r->pos = (size_t)(p - (const unsigned char *)r->buf);
    }
    return k;
}

/* --------------------------------------------------------------------- cbin */

/* The file offset of buffer position p, as cbin messages give it. */
static uint64_t cbin_at(const struct trace_reader *r, const unsigned char *p)
{
    return r->dropped + (uint64_t)(p - (const unsigned char *)r->buf);
}

static int cbin_bits(struct trace_reader *r, uint64_t at, uint32_t w, uint32_t allowed)
{
    if (w & ~allowed)
        return fail(r, -EINVAL, at, "control word 0x%08x has reserved bits set (0x%08x)", w,
                    w & ~allowed);
    return 0;
}

/*
 * A DEFINE control word w at p (avail bytes), at byte offset at. Messages give byte
 * offsets, not record numbers, so no count of definitions is kept.
 */
static int cbin_define(struct trace_reader *r, const unsigned char *p, size_t avail,
                       uint64_t at, uint32_t w)
{
    uint32_t len = (w >> CW_LEN_SHIFT) & 0xFFu;

    if (cbin_bits(r, at, w, 0xFFFFFF0Fu) < 0)
        return r->ret;
    return define_buffer(r, w >> CW_INDEX_SHIFT, (const char *)p + CBIN_WORD, len, avail,
                         CBIN_WORD + pad_name4(len), at);
}

/*
 * A control word at p (avail bytes), or an access word the fast path refused: 1 (a
 * record in rec), 0 (state changed), -EAGAIN (needs r->need bytes) or a negative
 * errno.
 */
static int cbin_slow(struct trace_reader *r, const unsigned char *p, size_t avail,
                     struct trace_rec *rec)
{
    struct cbin_state *c = &r->cb;
    uint64_t at = cbin_at(r, p), a;
    uint32_t w = ld32(p), idx;
    size_t size = CBIN_WORD;

    if (!(w & CW_CONTROL))
        return fail(r, -ERANGE, at, "delta %lld from %s0x%llx leaves the 64-bit address "
                    "space (an access of %u bytes)", (long long)((int32_t)w >> CW_DELTA_SHIFT),
                    c->buffer == TRACE_RAW ? "" : "offset ", (unsigned long long)c->addr,
                    c->bytes);
    if ((CW_KIND(w) == CK_ADDR || CW_KIND(w) == CK_TIME) && avail < 3 * CBIN_WORD) {
        r->need = 3 * CBIN_WORD;
        return -EAGAIN;
    }
    switch (CW_KIND(w)) {
    case CK_ADDR:
        if (cbin_bits(r, at, w, 0x1Fu) < 0)
            return r->ret;
        a = ld64(p + CBIN_WORD);
        if (a > c->amax)
            return fail(r, -ERANGE, at, "access at %s0x%llx of %u bytes passes the end of "
                        "the 64-bit address space", c->buffer == TRACE_RAW ? "" : "offset ",
                        (unsigned long long)a, c->bytes);
        *rec = (struct trace_rec){ .time = c->time, .addr = a, .bytes = c->bytes,
                                   .buffer = c->buffer,
                                   .op = w & CW_FLAG ? TRACE_OP_WRITE : TRACE_OP_READ };
        c->addr = a;
        r->pos += 3 * CBIN_WORD;
        return 1;
    case CK_TIME:
        if (cbin_bits(r, at, w, 0xFu) < 0)
            return r->ret;
        c->time = ld64(p + CBIN_WORD);
        size = 3 * CBIN_WORD;
        break;
    case CK_BYTES:
        if (cbin_bits(r, at, w, 0xFFFFFF0Fu) < 0)
            return r->ret;
        c->bytes = (w >> CW_BYTES_SHIFT) + 1;
        c->amax = UINT64_MAX - (c->bytes - 1);
        break;
    case CK_BUFFER:
        if (cbin_bits(r, at, w, 0xFFFF000Fu) < 0)
            return r->ret;
        idx = w >> CW_INDEX_SHIFT;
        if (idx != TRACE_RAW && (idx >= r->nxlat || r->xlat[idx] == TRACE_RAW))
            return fail(r, -EINVAL, at, "buffer %u used before its definition (expected a "
                        "DEFINE word for it earlier)", idx);
        c->buffer = idx == TRACE_RAW ? TRACE_RAW : r->xlat[idx];
        break;
    case CK_MARK:
        if (cbin_bits(r, at, w, 0x1Fu) < 0)
            return r->ret;
        *rec = (struct trace_rec){ .time = c->time, .buffer = TRACE_RAW,
                                   .op = w & CW_FLAG ? TRACE_OP_LINE : TRACE_OP_FRAME };
        r->pos += CBIN_WORD;
        return 1;
    case CK_DEFINE:
        return cbin_define(r, p, avail, at, w);
    default:
        return fail(r, -EINVAL, at, "unknown control word kind %u (expected 0 addr, 1 time, "
                    "2 bytes, 3 buffer, 4 mark or 5 define)", CW_KIND(w));
    }
    r->pos += size;
    return 0;
}

/* The end of input with `avail` bytes left over (fewer than r->need). */
static void cbin_short(struct trace_reader *r, size_t avail)
{
    const unsigned char *p = (const unsigned char *)r->buf + r->pos;

    if (!avail) {
        r->done = true;
        r->ret = 0;
    } else {
        fail(r, -EINVAL, cbin_at(r, p), "truncated %s (%zu of %zu bytes)",
             avail < CBIN_WORD ? "word" : "control record", avail, r->need);
    }
}

/*
 * The common record is one access word: its address is the previous one plus the
 * word's delta, everything else the state's; the loop below does only that and
 * hands anything else (and any address that would leave the 64-bit space) to
 * cbin_slow.
 */
static size_t cbin_batch(struct trace_reader *r, struct trace_rec *out, size_t n)
{
    const unsigned char *p, *end;
    size_t k = 0;
    int rc;

    if (!r->magic_ok && bin_magic(r) < 0)
        return 0;
    while (k < n && !r->done) {
        if (r->len - r->pos < r->need) {
            rc = fill_bin(r, r->need);
            if (rc < 0)
                break;
            if (rc == 0) {
                cbin_short(r, r->len - r->pos);
                break;
            }
        }
        r->need = CBIN_WORD;
        p = (const unsigned char *)r->buf + r->pos;
        end = (const unsigned char *)r->buf + r->len;
        struct cbin_state c = r->cb;
        while (k < n && end - p >= CBIN_WORD) {
            uint32_t w = ld32(p);
            int64_t d = (int32_t)w >> CW_DELTA_SHIFT;
            uint64_t a = c.addr + (uint64_t)d;

            if (!(w & CW_CONTROL) && (d < 0 ? a < c.addr : a >= c.addr) && a <= c.amax) {
                out[k].time = c.time;
                out[k].addr = a;
                out[k].bytes = c.bytes;
                out[k].buffer = c.buffer;
                out[k].op = (w >> 1) & 1u;
                c.addr = a;
                k++;
                p += CBIN_WORD;
                continue;
            }
            /* A far access (random addresses): an ADDR word, no reserved bit set. */
            if ((w & ~CW_FLAG) == (CK_ADDR << CW_KIND_SHIFT | CW_CONTROL) &&
                end - p >= 3 * CBIN_WORD && (a = ld64(p + CBIN_WORD)) <= c.amax) {
                out[k].time = c.time;
                out[k].addr = a;
                out[k].bytes = c.bytes;
                out[k].buffer = c.buffer;
                out[k].op = w & CW_FLAG ? TRACE_OP_WRITE : TRACE_OP_READ;
                c.addr = a;
                k++;
                p += 3 * CBIN_WORD;
                continue;
            }
            r->cb = c;
            r->pos = (size_t)(p - (const unsigned char *)r->buf);
            rc = cbin_slow(r, p, (size_t)(end - p), &out[k]);
            if (rc < 0)
                break;      /* -EAGAIN: r->need is set; anything else stopped the reader */
            k += (size_t)rc;
            c = r->cb;
            p = (const unsigned char *)r->buf + r->pos;
        }
        r->cb = c;
        r->pos = (size_t)(p - (const unsigned char *)r->buf);
    }
    return k;
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
    r->nrec += k;
    if (r->done)
        blame_damage(r);
    return k ? (long)k : r->ret;
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
    free(r->buf);
    free(r->path);
    free(r);
}

/* ------------------------------------------------------------------- writer */

struct trace_writer {
    struct tstream_out *out; /* the file, compressed by its name */
    int ret;                /* the first error, sticky */
    enum trace_format format;
    char *path;
    unsigned char *buf;
    size_t len;
    char **names;           /* by index: defined names */
    uint32_t nnames;
    uint64_t nrec;          /* trace_write calls, for messages */
    struct cbin_state cb;   /* cbin: what the reader will infer for the next access word */
    char err[TRACE_ERR_MAX];
};

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

static char *put_dec(char *p, uint64_t v)
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

static char *put_hex_digits(char *p, uint64_t v)
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

static char *put_hex(char *p, uint64_t v)
{
    *p++ = '0';
    *p++ = 'x';
    return put_hex_digits(p, v);
}

/* ps as ns, with only the fraction digits it needs ("12", "12.5", "0.005"). */
static char *put_time(char *p, uint64_t ps)
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

static void put_word(struct trace_writer *w, uint32_t word)
{
    st_le(w->buf + w->len, word, CBIN_WORD);
    w->len += CBIN_WORD;
}

/* A control word and the 64-bit value that follows it (ADDR, TIME). */
static void put_word64(struct trace_writer *w, uint32_t word, uint64_t v)
{
    put_word(w, word);
    st_le(w->buf + w->len, v, 8);
    w->len += 8;
}

/*
 * A record as cbin words: the state words for what changed (time, bytes, buffer),
 * then one access word when the address is within a 30-bit delta of the previous
 * one without leaving the 64-bit space, else an ADDR word; a marker is a MARK word
 * after its time. At most 9 words.
 */
static void write_cbin(struct trace_writer *w, const struct trace_rec *rec)
{
    struct cbin_state *c = &w->cb;
    bool marker = rec->op == TRACE_OP_FRAME || rec->op == TRACE_OP_LINE;
    uint64_t a = rec->addr;

    if (rec->time != c->time) {
        put_word64(w, CK_TIME << CW_KIND_SHIFT | CW_CONTROL, rec->time);
        c->time = rec->time;
    }
    if (marker) {
        put_word(w, (rec->op == TRACE_OP_LINE ? CW_FLAG : 0) | CK_MARK << CW_KIND_SHIFT |
                    CW_CONTROL);
        return;
    }
    if (rec->bytes != c->bytes) {
        put_word(w, (rec->bytes - 1) << CW_BYTES_SHIFT | CK_BYTES << CW_KIND_SHIFT | CW_CONTROL);
        c->bytes = rec->bytes;
    }
    if (rec->buffer != c->buffer) {
        put_word(w, (uint32_t)rec->buffer << CW_INDEX_SHIFT | CK_BUFFER << CW_KIND_SHIFT |
                    CW_CONTROL);
        c->buffer = rec->buffer;
    }
    if (a >= c->addr ? a - c->addr <= (uint64_t)CW_DELTA_MAX
                     : c->addr - a <= (uint64_t)-CW_DELTA_MIN)
        put_word(w, (uint32_t)(a - c->addr) << CW_DELTA_SHIFT |
                    (rec->op == TRACE_OP_WRITE ? CW_WRITE : 0));
    else
        put_word64(w, (rec->op == TRACE_OP_WRITE ? CW_FLAG : 0) | CK_ADDR << CW_KIND_SHIFT |
                      CW_CONTROL, a);
    c->addr = a;
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

/* "LABEL HEXADDR": 0 read, 1 write, the address in lower-case hex without 0x, as Dinero. */
static void write_din(struct trace_writer *w, const struct trace_rec *rec)
{
    char *start = (char *)w->buf + w->len, *p = start;

    *p++ = rec->op == TRACE_OP_WRITE ? '1' : '0';
    *p++ = ' ';
    p = put_hex_digits(p, rec->addr);
    *p++ = '\n';
    w->len += (size_t)(p - start);
}

static void write_text(struct trace_writer *w, const struct trace_rec *rec)
{
    static const char ops[] = { 'R', 'W', 'F', 'L' };
    char *start = (char *)w->buf + w->len, *p = start;
    size_t len;

    p = put_time(p, rec->time);
    *p++ = ' ';
    *p++ = ops[rec->op];
    if (rec->op <= TRACE_OP_WRITE) {
        *p++ = ' ';
        if (rec->buffer != TRACE_RAW) {
            len = strlen(w->names[rec->buffer]);
            memcpy(p, w->names[rec->buffer], len);
            p += len;
            *p++ = '+';
        }
        p = put_hex(p, rec->addr);
        *p++ = ' ';
        p = put_dec(p, rec->bytes);
    }
    *p++ = '\n';
    w->len += (size_t)(p - start);
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
