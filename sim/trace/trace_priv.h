/*
 * trace_priv.h - what the trace readers and writers of sim/trace share, private to
 * trace.c and the format files (trace_text.c, trace_din.c, trace_bin.c,
 * trace_cbin.c): the formats' constants, the reader and writer structs, the small
 * parsing and encoding helpers, and the functions one file calls in another.
 * Nothing outside sim/trace/trace*.c includes it; the public API is trace.h.
 */
#ifndef IOMMUSIM_TRACE_PRIV_H
#define IOMMUSIM_TRACE_PRIV_H

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
#define REFS_CHUNK          256             /* trace_next_refs: records per batch decoded */
#define STDIO_NAME_IN       "<stdin>"
#define STDIO_NAME_OUT      "<stdout>"
#define TEXT_HEADER         "# iommusim trace v1: time_ns op target bytes\n"

_Static_assert(TRACE_BUF_SIZE >= BIN_REC_SIZE + ((TRACE_MAX_NAME + BIN_NAME_ALIGN - 1) &
                                                 ~(BIN_NAME_ALIGN - 1)),
               "a DEFINE record with the longest name must fit in the reader's buffer");


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
static const uint8_t hex_tab[256] __attribute__((unused)) = {
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

static inline bool name_valid(const char *s, size_t len)
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
static inline const char *show(const char *p, size_t len, char out[SHOW_BUF])
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

static inline void st32(unsigned char *p, uint32_t v)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    v = __builtin_bswap32(v);
#endif
    memcpy(p, &v, sizeof(v));
}

static inline uint16_t ld16(const unsigned char *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static inline void st_le(unsigned char *p, uint64_t v, unsigned n)
{
    unsigned i;

    for (i = 0; i < n; i++, v >>= 8)
        p[i] = (unsigned char)v;
}

static inline size_t pad_name(size_t len)
{
    return (len + BIN_NAME_ALIGN - 1) & ~(size_t)(BIN_NAME_ALIGN - 1);
}

static inline size_t pad_name4(size_t len)
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

/* A record's trace_next_refs op (enum trace_ref_op). */
static inline uint8_t ref_op(const struct trace_rec *rec)
{
    if (rec->op > TRACE_OP_WRITE)
        return TRACE_REF_MARKER;
    return rec->buffer == TRACE_RAW ? rec->op : TRACE_REF_BUFFER;
}

static inline void cbin_state_init(struct cbin_state *c)
{
    *c = (struct cbin_state){ .bytes = CBIN_FIRST_BYTES, .buffer = TRACE_RAW,
                              .amax = UINT64_MAX - (CBIN_FIRST_BYTES - 1) };
}

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

    char *buf;              /* TRACE_BUF_SIZE + 1: room for a '\n' after an unterminated last line;
                               bin, cbin: or the whole file, mapped read-only */
    bool mapped;            /* buf is the mapped file: never written, moved or freed */
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

/* trace.c: the reader's input, the names, the definitions, the writer's output */
__attribute__((format(printf, 4, 5)))
int fail(struct trace_reader *r, int code, uint64_t pos, const char *fmt, ...);
long read_some(struct trace_reader *r, size_t cap);
void compact(struct trace_reader *r);
int name_index(struct trace_reader *r, const char *s, size_t len, uint64_t pos);
int define_buffer(struct trace_reader *r, unsigned fidx, const char *name, uint32_t len,
                  size_t avail, size_t size, uint64_t pos);
char *put_dec(char *p, uint64_t v);
char *put_hex_digits(char *p, uint64_t v);
char *put_hex(char *p, uint64_t v);
char *put_time(char *p, uint64_t ps);
void put_word(struct trace_writer *w, uint32_t word);
void put_word64(struct trace_writer *w, uint32_t word, uint64_t v);

/* trace_text.c */
size_t text_lines(struct trace_reader *r, const char **pp, const char *end,
                  struct trace_rec *out, size_t n);
void write_text(struct trace_writer *w, const struct trace_rec *rec);

/* trace_din.c */
size_t din_lines(struct trace_reader *r, const char **pp, const char *end,
                 struct trace_rec *out, size_t n);
void write_din(struct trace_writer *w, const struct trace_rec *rec);

/* trace_bin.c */
int fill_bin(struct trace_reader *r, size_t need);
int bin_magic(struct trace_reader *r);
size_t bin_batch(struct trace_reader *r, struct trace_rec *out, size_t n);

/* trace_cbin.c */
size_t cbin_batch(struct trace_reader *r, struct trace_rec *out, size_t n);
size_t cbin_refs(struct trace_reader *r, uint64_t *addr, uint8_t *op, size_t n);
void write_cbin(struct trace_writer *w, const struct trace_rec *rec);

#endif /* IOMMUSIM_TRACE_PRIV_H */
