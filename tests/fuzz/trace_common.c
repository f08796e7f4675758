/*
 * trace_common.c - the body of the three trace-reader fuzz harnesses
 * (fuzz_trace_text.c, fuzz_trace_bin.c, fuzz_trace_din.c), which differ only in
 * the format they ask for. Not a harness itself: fuzz.mk links it into each.
 *
 * The input is a trace file. It is put in a memory file (memfd) and opened as
 * /proc/self/fd/N, which is a path like any other to trace_open. Then:
 *   1. read record by record with trace_next;
 *   2. read again with trace_next_batch, in batches of varying sizes: the same
 *      records, the same final return value and the same message as (1); and with
 *      trace_next_refs: the same addresses, the ops narrowed, the same end;
 *   3. every record obeys sim/trace/trace.h: op READ..LINE; markers with addr 0, bytes 0,
 *      buffer TRACE_RAW; accesses with bytes 1..TRACE_MAX_BYTES ending at or below 2^64;
 *      a named buffer has a name in the reader's table; din records are raw reads or
 *      writes of din_bytes at time 0;
 *   4. an error leaves a message that starts with the path; the end leaves none;
 *   5. a trace that reads to its end is written out with the bin and text writers
 *      and read back: bin gives the same records, text the same records with the
 *      same buffer names (text numbers names in order of first use);
 *   6. text and bin are read once more through a resolver that refuses some names
 *      and gives others out-of-range indices: each record's index is the resolver's.
 * A broken invariant aborts with a message; libFuzzer reports the input.
 */
#define _GNU_SOURCE     /* memfd_create */

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sim/trace/trace.h"
#include "tests/lib/fuzz.h"

#define DIN_BYTES       0       /* the default: 64 */
#define DIN_BYTES_READ  64u
#define DIN_BYTES_ALT   24u     /* the resolver pass uses another size */
#define PROC_FD_PATH    "/proc/self/fd/%d"

int trace_fuzz_one(enum trace_format format, const uint8_t *data, size_t size);

/* A growing array of records: one pass's result. */
struct recs {
    struct trace_rec *v;
    size_t n, cap;
    int ret;                        /* the final return value: 0 or a negative errno */
    char err[TRACE_ERR_MAX];
    uint64_t nread;                 /* trace_records_read at the end */
};

static void recs_push(struct recs *rs, const struct trace_rec *r)
{
    if (rs->n == rs->cap) {
        rs->cap = rs->cap ? 2 * rs->cap : 64;
        rs->v = realloc(rs->v, rs->cap * sizeof(*rs->v));
        FUZZ_CHECK(rs->v != NULL, "out of memory");
    }
    rs->v[rs->n++] = *r;
}

/* A memory file holding `size` bytes, and its path. */
static int memfile(const void *data, size_t size, char *path, size_t len)
{
    int fd = memfd_create("iommusim-fuzz-trace", MFD_CLOEXEC);
    const uint8_t *p = data;

    FUZZ_CHECK(fd >= 0, "memfd_create: %s", strerror(errno));
    while (size) {
        ssize_t n = write(fd, p, size);

        FUZZ_CHECK(n > 0, "write to a memfd: %s", strerror(errno));
        p += n;
        size -= (size_t)n;
    }
    snprintf(path, len, PROC_FD_PATH, fd);
    return fd;
}

static bool same_rec(const struct trace_rec *a, const struct trace_rec *b)
{
    return a->time == b->time && a->addr == b->addr && a->bytes == b->bytes &&
           a->buffer == b->buffer && a->op == b->op;
}

static void check_rec(const struct trace_reader *r, enum trace_format format,
                      uint32_t din_bytes, const struct trace_rec *rec)
{
    FUZZ_CHECK(rec->op <= TRACE_OP_LINE, "op %u", rec->op);
    if (rec->op == TRACE_OP_FRAME || rec->op == TRACE_OP_LINE) {
        FUZZ_CHECK(rec->addr == 0 && rec->bytes == 0 && rec->buffer == TRACE_RAW,
              "marker with addr 0x%llx bytes %u buffer %u", (unsigned long long)rec->addr,
              rec->bytes, rec->buffer);
        FUZZ_CHECK(format != TRACE_FMT_DIN, "a marker in a din trace");
        return;
    }
    FUZZ_CHECK(rec->bytes >= 1 && rec->bytes <= TRACE_MAX_BYTES, "bytes %u", rec->bytes);
    FUZZ_CHECK(rec->addr <= UINT64_MAX - (rec->bytes - 1), "addr 0x%llx + %u wraps",
               (unsigned long long)rec->addr, rec->bytes);
    if (rec->buffer != TRACE_RAW)
        FUZZ_CHECK(trace_buffer_name(r, rec->buffer) != NULL, "buffer %u has no name", rec->buffer);
    if (format == TRACE_FMT_DIN)
        FUZZ_CHECK(rec->time == 0 && rec->buffer == TRACE_RAW && rec->bytes == din_bytes,
              "din record: time %llu buffer %u bytes %u", (unsigned long long)rec->time,
              rec->buffer, rec->bytes);
}

static void check_end(const struct trace_reader *r, const char *path, int ret)
{
    const char *msg = trace_error(r);
    size_t plen = strlen(path);

    if (ret == 0) {
        FUZZ_CHECK(msg[0] == 0, "message at a clean end: %s", msg);
        return;
    }
    FUZZ_CHECK(ret < 0, "final value %d", ret);
    FUZZ_CHECK(msg[0] && memchr(msg, 0, TRACE_ERR_MAX), "error %d without a message", ret);
    /* "PATH:LINE: error: ...", "PATH: record N: error: ..." or "PATH: error: ..." */
    FUZZ_CHECK(!strncmp(msg, path, plen) && msg[plen] == ':', "message '%s' does not name '%s'",
          msg, path);
}

/* Pass 1: record by record. The reader is left open for its name table. */
static struct trace_reader *read_one_by_one(const char *path,
                                            const struct trace_reader_opts *opts,
                                            uint32_t din_bytes, struct recs *out)
{
    char err[256];
    struct trace_reader *r = trace_open(path, opts, err, sizeof(err));
    struct trace_rec rec;
    int rc;

    FUZZ_CHECK(r != NULL, "trace_open(%s): %s", path, err);
    while ((rc = trace_next(r, &rec)) == 1) {
        check_rec(r, opts->format, din_bytes, &rec);
        recs_push(out, &rec);
    }
    check_end(r, path, rc);
    /* the end and an error are sticky */
    FUZZ_CHECK(trace_next(r, &rec) == rc, "second trace_next after the end");
    FUZZ_CHECK(trace_next_batch(r, &rec, 1) == rc, "trace_next_batch after the end");
    out->ret = rc;
    out->nread = trace_records_read(r);
    snprintf(out->err, sizeof(out->err), "%s", trace_error(r));
    FUZZ_CHECK(out->nread == out->n, "records_read %llu, records %zu",
          (unsigned long long)out->nread, out->n);
    return r;
}

/*
 * A pass that read `got` records and ended with n must have ended as pass 1 did:
 * the same count, return, message and records_read. `what` names the pass.
 */
static void same_end(const struct trace_reader *r, const struct recs *ref, size_t got,
                     long n, const char *what)
{
    FUZZ_CHECK(got == ref->n, "%s read %zu records, trace_next %zu", what, got, ref->n);
    FUZZ_CHECK(n == ref->ret, "%s ended with %ld, trace_next with %d", what, n, ref->ret);
    FUZZ_CHECK(!strcmp(trace_error(r), ref->err), "%s messages differ: '%s' and '%s'", what,
               trace_error(r), ref->err);
    FUZZ_CHECK(trace_records_read(r) == ref->nread, "%s records_read differs", what);
}

/* Pass 2: in batches of the sizes below, compared with pass 1 as it goes. */
static void read_batches(const char *path, const struct trace_reader_opts *opts,
                         uint32_t din_bytes, const struct recs *ref)
{
    static const size_t sizes[] = { 3, 1, 64, 7, 1000, 2 };
    char err[256];
    struct trace_reader *r = trace_open(path, opts, err, sizeof(err));
    struct trace_rec buf[1000];
    size_t got = 0, turn = 0;
    long n;

    FUZZ_CHECK(r != NULL, "trace_open(%s): %s", path, err);
    for (;;) {
        size_t want = sizes[turn++ % (sizeof(sizes) / sizeof(sizes[0]))];

        n = trace_next_batch(r, buf, want);
        if (n <= 0)
            break;
        FUZZ_CHECK((size_t)n <= want, "batch of %zu gave %ld", want, n);
        for (long i = 0; i < n; i++, got++) {
            check_rec(r, opts->format, din_bytes, &buf[i]);
            FUZZ_CHECK(got < ref->n && same_rec(&buf[i], &ref->v[got]),
                  "batch record %zu differs from trace_next's", got);
        }
    }
    same_end(r, ref, got, n, "batches");
    FUZZ_CHECK(trace_next_batch(r, buf, 0) == (ref->ret ? ref->ret : 0), "empty batch at the end");
    trace_close(r);
}

/*
 * Pass 2b: through trace_next_refs in batches of other sizes: each record's address
 * and its op narrowed (a marker, a named buffer's access, or a raw read or write),
 * the same end, message and count.
 */
static void read_refs(const char *path, const struct trace_reader_opts *opts,
                      const struct recs *ref)
{
    static const size_t sizes[] = { 5, 1, 64, 3, 1000, 4 };
    char err[256];
    struct trace_reader *r = trace_open(path, opts, err, sizeof(err));
    uint64_t addr[1000];
    uint8_t op[1000];
    size_t got = 0, turn = 0;
    long n;

    FUZZ_CHECK(r != NULL, "trace_open(%s): %s", path, err);
    for (;;) {
        size_t want = sizes[turn++ % (sizeof(sizes) / sizeof(sizes[0]))];

        n = trace_next_refs(r, addr, op, want);
        if (n <= 0)
            break;
        FUZZ_CHECK((size_t)n <= want, "refs batch of %zu gave %ld", want, n);
        for (long i = 0; i < n; i++, got++) {
            const struct trace_rec *e = got < ref->n ? &ref->v[got] : NULL;
            unsigned o = !e ? 0 : e->op > TRACE_OP_WRITE ? TRACE_REF_MARKER :
                         e->buffer != TRACE_RAW ? TRACE_REF_BUFFER : e->op;

            FUZZ_CHECK(e && addr[i] == e->addr && op[i] == o,
                       "refs record %zu differs from trace_next's", got);
        }
    }
    same_end(r, ref, got, n, "refs");
    trace_close(r);
}

/* Pass 3: write the records with `wformat`, read them back, compare. */
static void round_trip(const struct trace_reader *src, const struct recs *ref,
                       enum trace_format wformat)
{
    char path[64], err[256];
    int fd = memfile("", 0, path, sizeof(path));
    struct trace_writer *w = trace_create(path, wformat, err, sizeof(err));
    bool *defined = calloc(TRACE_MAX_BUFFERS, sizeof(*defined));
    struct trace_reader_opts opts = { .format = wformat };
    struct trace_reader *r;
    struct trace_rec rec;
    size_t i = 0;
    int rc;

    FUZZ_CHECK(w != NULL && defined != NULL, "trace_create(%s): %s", path, err);
    for (size_t k = 0; k < ref->n; k++) {
        const struct trace_rec *x = &ref->v[k];

        if (x->op <= TRACE_OP_WRITE && x->buffer != TRACE_RAW && !defined[x->buffer]) {
            rc = trace_define_buffer(w, x->buffer, trace_buffer_name(src, x->buffer));
            FUZZ_CHECK(rc == 0, "define buffer %u: %d", x->buffer, rc);
            defined[x->buffer] = true;
        }
        rc = trace_write(w, x);
        FUZZ_CHECK(rc == 0, "trace_write of record %zu: %d", k, rc);
    }
    rc = trace_finish(w, err, sizeof(err));
    FUZZ_CHECK(rc == 0, "trace_finish: %s", err);
    free(defined);

    r = trace_open(path, &opts, err, sizeof(err));
    FUZZ_CHECK(r != NULL, "reopen: %s", err);
    while ((rc = trace_next(r, &rec)) == 1) {
        const struct trace_rec *x;

        FUZZ_CHECK(i < ref->n, "read back more records than written");
        x = &ref->v[i];
        if (wformat == TRACE_FMT_BIN || wformat == TRACE_FMT_CBIN) {
            FUZZ_CHECK(same_rec(&rec, x), "bin round trip: record %zu differs", i);
        } else {
            FUZZ_CHECK(rec.time == x->time && rec.op == x->op && rec.addr == x->addr &&
                  rec.bytes == x->bytes && (rec.buffer == TRACE_RAW) == (x->buffer == TRACE_RAW),
                  "text round trip: record %zu differs", i);
            if (rec.buffer != TRACE_RAW)
                FUZZ_CHECK(!strcmp(trace_buffer_name(r, rec.buffer),
                              trace_buffer_name(src, x->buffer)),
                      "text round trip: record %zu names another buffer", i);
        }
        i++;
    }
    FUZZ_CHECK(rc == 0, "reading back the %s copy: %s", trace_format_name(wformat), trace_error(r));
    FUZZ_CHECK(i == ref->n, "read back %zu of %zu records", i, ref->n);
    trace_close(r);
    close(fd);
}

/*
 * A resolver that knows most names: 'z...' is unknown, 'y...' gets an index out of
 * range, the rest a hash of the name in 0..99 (so two names may share an index).
 */
static int resolve(void *arg, const char *name)
{
    uint32_t h = 2166136261u;

    (*(unsigned *)arg)++;
    if (name[0] == 'z')
        return -1;
    if (name[0] == 'y')
        return (int)TRACE_MAX_BUFFERS;
    for (const char *p = name; *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    return (int)(h % 100);
}

static void read_resolved(const char *path, enum trace_format format)
{
    unsigned calls = 0;
    struct trace_reader_opts opts = {
        .format = format, .din_bytes = DIN_BYTES_ALT, .resolve = resolve, .resolve_arg = &calls,
    };
    char err[256];
    struct trace_reader *r = trace_open(path, &opts, err, sizeof(err));
    struct trace_rec recs[37];
    long n;

    FUZZ_CHECK(r != NULL, "trace_open(%s): %s", path, err);
    while ((n = trace_next_batch(r, recs, 37)) > 0) {
        for (long i = 0; i < n; i++) {
            check_rec(r, format, DIN_BYTES_ALT, &recs[i]);
            if (recs[i].buffer != TRACE_RAW) {
                unsigned c = calls;
                const char *name = trace_buffer_name(r, recs[i].buffer);

                FUZZ_CHECK(resolve(&c, name) == recs[i].buffer, "buffer %u is not the resolver's",
                      recs[i].buffer);
            }
        }
    }
    check_end(r, path, (int)n);
    if (n == -ENOENT)
        FUZZ_CHECK(strstr(trace_error(r), "unknown buffer 'z"), "ENOENT: %s", trace_error(r));
    trace_close(r);
}

int trace_fuzz_one(enum trace_format format, const uint8_t *data, size_t size)
{
    struct trace_reader_opts opts = { .format = format, .din_bytes = DIN_BYTES };
    struct recs one = { 0 };
    char path[64];
    int fd = memfile(data, size, path, sizeof(path));
    struct trace_reader *r = read_one_by_one(path, &opts, DIN_BYTES_READ, &one);

    read_batches(path, &opts, DIN_BYTES_READ, &one);
    read_refs(path, &opts, &one);
    if (one.ret == 0) {
        round_trip(r, &one, TRACE_FMT_BIN);
        round_trip(r, &one, TRACE_FMT_CBIN);
        round_trip(r, &one, TRACE_FMT_TEXT);
    }
    trace_close(r);
    read_resolved(path, format);
    free(one.v);
    close(fd);
    return 0;
}
