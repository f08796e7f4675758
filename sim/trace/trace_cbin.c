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
