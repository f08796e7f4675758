/*
 * trace_cbin.c - the cbin format (32-bit words: access words holding an address
 * delta, control words changing the state they inherit): the reader's batch
 * decoder and slow path, and the writer's encoder of one record.
 */
#define _POSIX_C_SOURCE 200809L

#include "sim/trace/trace_priv.h"

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
size_t cbin_batch(struct trace_reader *r, struct trace_rec *out, size_t n)
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

#define BIAS            (1ull << 63)
/*
 * cbin_run's blocks: four access words as two 64-bit loads. An address moves by
 * less than BLOCK_REACH in a block, so one that far from both ends of the range
 * needs no test per word; nor does one nearer the bottom when no delta is negative.
 */
#define BLOCK_WORDS     4
#define BLOCK_REACH     (1ll << 31)                     /* BLOCK_WORDS * -CW_DELTA_MIN */
#define PAIR_CONTROL    0x0000000100000001ull           /* two words' CW_CONTROL bits */
#define PAIR_SIGN       0x8000000080000000ull           /* their deltas' sign bits */
#define PAIR_WRITE      0x0000000200000002ull           /* their CW_WRITE bits */

/*
 * A run of up to m access words at p, decoded from the address *c into addr and
 * op; stops at the first control word or address out of range (cbin_batch takes
 * those) and returns how many it decoded. The address is kept biased by 2^63 as a
 * signed number, so that an address leaving the 64-bit space is a signed overflow
 * of one add, which the processor's flags show. named is TRACE_REF_BUFFER when the
 * state's buffer has a name (such an access is that whichever way it goes), and a
 * constant where this is inlined.
 */
static inline __attribute__((always_inline)) size_t
cbin_run(const unsigned char *p, size_t m, uint64_t *c, uint64_t amax, uint32_t named,
         uint64_t *addr, uint8_t *op)
{
    const int64_t bmax = (int64_t)(amax ^ BIAS);
    const int64_t lo = INT64_MIN + BLOCK_REACH, hi = bmax - BLOCK_REACH;
    int64_t b = (int64_t)(*c ^ BIAS), next;
    size_t i = 0;

    for (; i + BLOCK_WORDS <= m; i += BLOCK_WORDS) {
        uint64_t x0 = ld64(p + i * CBIN_WORD), x1 = ld64(p + (i + 2) * CBIN_WORD);
        uint64_t y = x0 | x1, u;

        if ((y & PAIR_CONTROL) || b > hi || ((y & PAIR_SIGN) && b < lo))
            break;
        /* The high word's delta is the arithmetic shift of the whole pair. */
        addr[i] = (uint64_t)(b += (int32_t)(uint32_t)x0 >> CW_DELTA_SHIFT) ^ BIAS;
        addr[i + 1] = (uint64_t)(b += (int64_t)x0 >> (32 + CW_DELTA_SHIFT)) ^ BIAS;
        addr[i + 2] = (uint64_t)(b += (int32_t)(uint32_t)x1 >> CW_DELTA_SHIFT) ^ BIAS;
        addr[i + 3] = (uint64_t)(b += (int64_t)x1 >> (32 + CW_DELTA_SHIFT)) ^ BIAS;
        /* The four write bits, at bits 1, 33 (x0) and 17, 49 (x1), to bytes 0 .. 3. */
        u = ((x0 & PAIR_WRITE) | (x1 & PAIR_WRITE) << 16) >> 1;
        st32(op + i, (uint32_t)(u | u >> 24) | named * 0x01010101u);
    }
    for (; i < m; i++) {
        uint32_t w = ld32(p + i * CBIN_WORD);

        if ((w & CW_CONTROL) ||
            __builtin_add_overflow(b, (int64_t)((int32_t)w >> CW_DELTA_SHIFT), &next) ||
            next > bmax)
            break;
        b = next;
        addr[i] = (uint64_t)b ^ BIAS;
        op[i] = (uint8_t)(((w >> 1) & 1u) | named);
    }
    *c = (uint64_t)b ^ BIAS;
    return i;
}

/*
 * trace_next_refs's cbin decoder: the same two common words as cbin_batch's loop
 * (an access word in range, a far ADDR word), each stored as an address and an op
 * instead of a whole trace_rec; anything else is one record through cbin_batch,
 * which also refills the buffer, checks the magic and reports the errors, so both
 * calls read a file the same way. The address is the only state the loops change.
 */
size_t cbin_refs(struct trace_reader *r, uint64_t *addr, uint8_t *op, size_t n)
{
    const unsigned char *base, *p, *end;
    struct trace_rec rec;
    size_t k = 0, m;
    uint64_t a;

    while (k < n && !r->done) {
        if (r->magic_ok) {
            const uint32_t named = r->cb.buffer == TRACE_RAW ? 0 : TRACE_REF_BUFFER;
            const uint64_t amax = r->cb.amax;
            uint64_t c = r->cb.addr;
            uint32_t w;

            base = (const unsigned char *)r->buf;
            p = base + r->pos;
            end = base + r->len;
            for (;;) {
                m = (size_t)(end - p) / CBIN_WORD;
                m = m < n - k ? m : n - k;
                if (named)
                    m = cbin_run(p, m, &c, amax, TRACE_REF_BUFFER, addr + k, op + k);
                else
                    m = cbin_run(p, m, &c, amax, 0, addr + k, op + k);
                k += m;
                p += m * CBIN_WORD;
                /* A far access (random addresses): an ADDR word, no reserved bit set. */
                if (k == n || end - p < 3 * CBIN_WORD ||
                    ((w = ld32(p)) & ~CW_FLAG) != (CK_ADDR << CW_KIND_SHIFT | CW_CONTROL) ||
                    (a = ld64(p + CBIN_WORD)) > amax)
                    break;
                addr[k] = a;
                op[k] = (uint8_t)((w & CW_FLAG ? TRACE_REF_WRITE : TRACE_REF_READ) | named);
                c = a;
                k++;
                p += 3 * CBIN_WORD;
            }
            r->cb.addr = c;
            r->pos = (size_t)(p - base);
            if (k == n)
                break;
        }
        if (!cbin_batch(r, &rec, 1))
            break;
        addr[k] = rec.addr;
        op[k] = ref_op(&rec);
        k++;
    }
    return k;
}

/*
 * A record as cbin words: the state words for what changed (time, bytes, buffer),
 * then one access word when the address is within a 30-bit delta of the previous
 * one without leaving the 64-bit space, else an ADDR word; a marker is a MARK word
 * after its time. At most 9 words.
 */
void write_cbin(struct trace_writer *w, const struct trace_rec *rec)
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
