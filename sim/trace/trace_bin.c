/*
 * trace_bin.c - the bin format (24-byte little-endian records after an 8-byte
 * magic): the reader's batch decoder, its slow path for markers, definitions and
 * errors, the magic check and the buffer refill cbin uses too. The writer's records
 * are put by trace.c.
 */
#define _POSIX_C_SOURCE 200809L

#include "sim/trace/trace_priv.h"

/* ---------------------------------------------------------------------- bin */

/*
 * Reads until the buffer holds `need` unparsed bytes: 1, 0 when the input ends
 * first, or a negative errno.
 */
int fill_bin(struct trace_reader *r, size_t need)
{
    long n;

    if (r->len - r->pos >= need)
        return 1;
    compact(r);
    while (r->len - r->pos < need) {
        if (r->eof)
            return 0;
        if ((n = read_some(r, TRACE_BUF_SIZE)) < 0)
            return (int)n;
    }
    return 1;
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

int bin_magic(struct trace_reader *r)
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

size_t bin_batch(struct trace_reader *r, struct trace_rec *out, size_t n)
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
