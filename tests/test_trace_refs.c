/*
 * test_trace_refs.c - trace_next_refs (sim/trace/trace.h), the reader call that
 * gives only addresses and ops: the values of a hand-built cbin trace holding
 * every kind of word (deltas up to both limits, far ADDR words, time, bytes and
 * buffer words, markers, a named buffer, addresses near both ends of the 64-bit
 * space), read in batches of every size from 1 up; the errors, with the records
 * before them and the same messages as trace_next_batch; the text fixture and its
 * bin, cbin and compressed copies, and a din file; and a long compressed cbin
 * trace read across the reader's refills, record for record against
 * trace_next_batch.
 *
 * Run from the repository root (the text fixture is tests/data/trace/basic.trc).
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim/trace/trace.h"
#include "tests/lib/file.h"
#include "tests/lib/trace.h"

#define DATA            "tests/data/trace/"
#define MAX_WORDS       256
#define MAX_REFS        64
#define R               TRACE_REF_READ
#define W               TRACE_REF_WRITE
#define M               TRACE_REF_MARKER
#define B               TRACE_REF_BUFFER

/* ------------------------------------------------------------- cbin bytes */

/* A cbin file built word by word, the layout of docs/traces.md written out by hand. */
struct words {
    unsigned char b[8 + MAX_WORDS * 4];
    size_t len;
};

static void put(struct words *w, uint64_t v, unsigned n)
{
    assert_true(w->len + n <= sizeof(w->b));
    for (unsigned i = 0; i < n; i++, v >>= 8)
        w->b[w->len++] = (unsigned char)v;
}

static void start(struct words *w)
{
    memcpy(w->b, "IOMTRC2\n", 8);
    w->len = 8;
}

/* An access word: the delta in bits [31:2], the write bit 1, control bit 0 clear. */
static void delta(struct words *w, int32_t d, int write)
{
    put(w, (uint32_t)d << 2 | (uint32_t)write << 1, 4);
}

static void addr_word(struct words *w, uint64_t a, int write)
{
    put(w, write ? 0x11 : 0x01, 4);         /* kind 0, the flag bit 4 for a write */
    put(w, a, 8);
}

static const char *save(const char *name, const struct words *w)
{
    const char *path = tmp_path("%s", name);
    FILE *f = fopen(path, "wb");

    assert_non_null(f);
    assert_int_equal(fwrite(w->b, 1, w->len, f), w->len);
    assert_int_equal(fclose(f), 0);
    return path;
}

/*
 * Reads the whole of path through trace_next_refs, `batch` records a call, and
 * checks the records against want_addr / want_op (n of them) and the end.
 */
static void expect_refs(const char *path, enum trace_format format, size_t batch,
                        const uint64_t *want_addr, const uint8_t *want_op, size_t n)
{
    struct trace_reader *r = trace_open_ok(path, format);
    uint64_t addr[MAX_REFS];
    uint8_t op[MAX_REFS];
    size_t got = 0;
    long k;

    assert_true(batch <= MAX_REFS);
    while ((k = trace_next_refs(r, addr, op, batch)) > 0) {
        assert_true((size_t)k <= batch);
        for (long i = 0; i < k; i++, got++) {
            if (got >= n)
                fail_msg("%s: more than %zu records", path, n);
            if (addr[i] != want_addr[got] || op[i] != want_op[got])
                fail_msg("%s, batches of %zu: record %zu is 0x%llx op %u, expected 0x%llx "
                         "op %u", path, batch, got + 1, (unsigned long long)addr[i], op[i],
                         (unsigned long long)want_addr[got], want_op[got]);
        }
    }
    if (k < 0)
        fail_msg("%s: %s", path, trace_error(r));
    assert_int_equal(got, n);
    assert_int_equal(trace_records_read(r), n);
    assert_int_equal(trace_next_refs(r, addr, op, batch), 0);   /* the end stays the end */
    trace_close(r);
}

/* ------------------------------------------------------------------ values */

/*
 * Every kind of word. The state starts at address 0, 64 bytes, raw. Addresses
 * below 2^31 with a negative delta, and near 2^64, are where the decoder tests
 * each word; the runs of four or more elsewhere are where it does not.
 */
static void test_refs_values(void **state)
{
    static const uint64_t want_addr[] = {
        0x10000000, 0x10000004, 0x10000008, 0x10000000, 0x10001000, 0x10001004, 0x10000000,
        0x123456789000, 0x123456788ff0, 0x123456789010, 0x12347678900f, 0x12345678900f,
        0x123456789010, 0x12345678900f, 0x12345678900f, 0x12345678904f,
        0, 0,
        0x123456789053, 0x123456789057, 0x12345678905b, 0x12345678905f, 0x123456789063,
        0x40,
        0x1040, 0x2040, 0x3040, 0x4040,
        0xffffffffffffff00, 0xffffffffffffff3f, 0xffffffffffffff7e, 0xffffffffffffffbd,
        0xfffffffffffffffc, 0xffffffffffffffff,
    };
    static const uint8_t want_op[] = {
        R, R, W, R, R, W, R,
        W, R, W, R, W, R, R, W, R,
        M, M,
        B, B, B, B, B,
        B,
        R, R, R, R,
        R, R, W, R, R, W,
    };
    struct words w;
    const char *path;

    (void)state;
    start(&w);
    addr_word(&w, 0x10000000, 0);
    delta(&w, 4, 0);
    delta(&w, 4, 1);
    delta(&w, -8, 0);
    delta(&w, 0x1000, 0);
    delta(&w, 4, 1);
    delta(&w, -0x1004, 0);
    addr_word(&w, 0x123456789000, 1);
    delta(&w, -0x10, 0);
    delta(&w, 0x20, 1);
    delta(&w, 0x1fffffff, 0);           /* the largest delta, 2^29 - 1 */
    delta(&w, -0x20000000, 1);          /* the smallest, -2^29 */
    delta(&w, 1, 0);
    delta(&w, -1, 0);
    delta(&w, 0, 1);
    delta(&w, 0x40, 0);
    put(&w, 0x09, 4);                   /* MARK: a frame */
    put(&w, 0x03, 4);                   /* TIME 5000 ps */
    put(&w, 5000, 8);
    put(&w, 0x19, 4);                   /* MARK with the flag: a line */
    put(&w, 0x0003030b, 4);             /* DEFINE 3 "dst" */
    put(&w, 'd' | 's' << 8 | 't' << 16, 4);
    put(&w, 0x00030007, 4);             /* BUFFER 3: the accesses below name it */
    delta(&w, 4, 1);
    delta(&w, 4, 0);
    delta(&w, 4, 0);
    delta(&w, 4, 0);
    delta(&w, 4, 1);
    addr_word(&w, 0x40, 0);
    put(&w, 0xffff0007, 4);             /* BUFFER 0xffff: raw again */
    put(&w, 0x000fff05, 4);             /* BYTES 4096 */
    for (int i = 0; i < 4; i++)
        delta(&w, 0x1000, 0);
    put(&w, 0x00000005, 4);             /* BYTES 1: the last start is 2^64 - 1 */
    addr_word(&w, 0xffffffffffffff00, 0);
    delta(&w, 0x3f, 0);
    delta(&w, 0x3f, 1);
    delta(&w, 0x3f, 0);
    delta(&w, 0x3f, 0);
    delta(&w, 3, 1);
    path = save("refs.cbin", &w);
    assert_int_equal(sizeof(want_op), sizeof(want_addr) / sizeof(want_addr[0]));
    for (size_t batch = 1; batch <= MAX_REFS; batch++)
        expect_refs(path, TRACE_FMT_CBIN, batch, want_addr, want_op, sizeof(want_op));
}

/* The two calls mixed on one reader continue each other. */
static void test_refs_mixed(void **state)
{
    struct words w;
    struct trace_reader *r;
    struct trace_rec rec[2];
    uint64_t addr[4];
    uint8_t op[4];

    (void)state;
    start(&w);
    addr_word(&w, 0x5000, 0);
    for (int i = 0; i < 6; i++)
        delta(&w, 0x100, i & 1);
    r = trace_open_ok(save("mixed.cbin", &w), TRACE_FMT_CBIN);
    assert_int_equal(trace_next_refs(r, addr, op, 2), 2);
    assert_int_equal(addr[0], 0x5000);
    assert_int_equal(addr[1], 0x5100);
    assert_int_equal(trace_next_batch(r, rec, 2), 2);
    assert_int_equal(rec[0].addr, 0x5200);
    assert_int_equal(rec[0].op, TRACE_OP_WRITE);
    assert_int_equal(rec[1].addr, 0x5300);
    assert_int_equal(rec[1].bytes, 64);
    assert_int_equal(trace_next_refs(r, addr, op, 4), 3);
    assert_int_equal(addr[0], 0x5400);
    assert_int_equal(op[0], W);
    assert_int_equal(addr[2], 0x5600);
    assert_int_equal(op[2], W);
    assert_int_equal(trace_records_read(r), 7);
    assert_int_equal(trace_next_refs(r, addr, op, 4), 0);
    trace_close(r);
}

/* ------------------------------------------------------------------ errors */

/*
 * path stops with code and "PATH: byte AT: error: msg" after `good` records,
 * through trace_next_refs (in batches of 8) and through trace_next_batch alike.
 */
static void expect_error(const char *path, unsigned good, int code, const char *at,
                         const char *msg)
{
    struct trace_reader *r = trace_open_ok(path, TRACE_FMT_CBIN);
    struct trace_rec rec[MAX_REFS];
    uint64_t addr[8];
    uint8_t op[8];
    char want[TRACE_ERR_MAX];
    unsigned got = 0;
    long k;

    snprintf(want, sizeof(want), "%s%s: error: %s", path, at, msg);
    while ((k = trace_next_refs(r, addr, op, 8)) > 0)
        got += (unsigned)k;
    assert_int_equal(got, good);
    assert_int_equal(k, code);
    assert_string_equal(trace_error(r), want);
    assert_int_equal(trace_records_read(r), good);
    assert_int_equal(trace_next_refs(r, addr, op, 8), code);    /* the error stays */
    trace_close(r);

    r = trace_open_ok(path, TRACE_FMT_CBIN);
    got = 0;
    while ((k = trace_next_batch(r, rec, MAX_REFS)) > 0)
        got += (unsigned)k;
    assert_int_equal(got, good);
    assert_int_equal(k, code);
    assert_string_equal(trace_error(r), want);
    trace_close(r);
}

static void test_refs_errors(void **state)
{
    struct words w;

    (void)state;
    /* ADDR at byte 8 (12 bytes), then words at 20, 24, 28 and 32: 0xc - 0x20 < 0 */
    start(&w);
    addr_word(&w, 0x8, 0);
    delta(&w, 4, 0);
    delta(&w, 4, 1);
    delta(&w, -4, 0);
    delta(&w, -0x20, 0);
    delta(&w, 4, 0);
    expect_error(save("low.cbin", &w), 4, -ERANGE, ": byte 32",
                 "delta -32 from 0xc leaves the 64-bit address space (an access of 64 bytes)");

    /* 64 bytes: 2^64 - 64 is the last start, and +1 from it leaves the space */
    start(&w);
    addr_word(&w, 0xffffffffffffffb0, 1);
    for (int i = 0; i < 4; i++)
        delta(&w, 4, 0);
    delta(&w, 1, 0);
    expect_error(save("high.cbin", &w), 5, -ERANGE, ": byte 36",
                 "delta 1 from 0xffffffffffffffc0 leaves the 64-bit address space (an access "
                 "of 64 bytes)");

    /* the same inside a run of four: 0xffffffffffffffbc + 0x20 passes 2^64 - 64 */
    start(&w);
    addr_word(&w, 0xffffffffffffffb0, 0);
    delta(&w, 4, 0);
    delta(&w, 4, 0);
    delta(&w, 4, 1);
    delta(&w, 0x20, 0);
    delta(&w, 4, 0);
    expect_error(save("high_run.cbin", &w), 4, -ERANGE, ": byte 32",
                 "delta 32 from 0xffffffffffffffbc leaves the 64-bit address space (an access "
                 "of 64 bytes)");

    /* five whole words and two bytes of a sixth (at byte 28) */
    start(&w);
    for (int i = 0; i < 5; i++)
        delta(&w, 0x40, 0);
    put(&w, 0x10, 2);
    expect_error(save("trunc.cbin", &w), 5, -EINVAL, ": byte 28",
                 "truncated word (2 of 4 bytes)");

    /* an ADDR word with half its address (at byte 12) */
    start(&w);
    delta(&w, 0x40, 0);
    put(&w, 0x01, 4);
    put(&w, 0x1234, 4);
    expect_error(save("trunc_addr.cbin", &w), 1, -EINVAL, ": byte 12",
                 "truncated control record (8 of 12 bytes)");

    /* a control word of kind 7 after six accesses (at byte 32) */
    start(&w);
    for (int i = 0; i < 6; i++)
        delta(&w, 0x40, 1);
    put(&w, 0x0f, 4);
    expect_error(save("kind.cbin", &w), 6, -EINVAL, ": byte 32",
                 "unknown control word kind 7 (expected 0 addr, 1 time, 2 bytes, 3 buffer, "
                 "4 mark or 5 define)");
}

/* A resolver that knows no name stops both calls at the definition, alike. */
static int refuse(void *arg, const char *name)
{
    (void)name;
    ++*(int *)arg;
    return -1;
}

static void test_refs_unknown_name(void **state)
{
    int calls = 0;
    struct trace_reader_opts opts = { .format = TRACE_FMT_CBIN, .resolve = refuse,
                                      .resolve_arg = &calls };
    char err[TRACE_ERR_MAX], want[TRACE_ERR_MAX];
    struct trace_reader *r;
    struct words w;
    const char *path;
    uint64_t addr[8];
    uint8_t op[8];

    (void)state;
    start(&w);
    delta(&w, 0x40, 0);
    delta(&w, 0x40, 0);
    put(&w, 0x0003030b, 4);             /* DEFINE 3 "dst", at byte 16 */
    put(&w, 'd' | 's' << 8 | 't' << 16, 4);
    path = save("names.cbin", &w);
    r = trace_open(path, &opts, err, sizeof(err));
    assert_non_null(r);
    assert_int_equal(trace_next_refs(r, addr, op, 8), 2);
    assert_int_equal(addr[1], 0x80);
    assert_int_equal(trace_next_refs(r, addr, op, 8), -ENOENT);
    snprintf(want, sizeof(want), "%s: byte 16: error: unknown buffer 'dst'", path);
    assert_string_equal(trace_error(r), want);
    assert_int_equal(calls, 1);
    trace_close(r);
}

/* ----------------------------------------------------------- other formats */

/* tests/data/trace/basic.trc, worked out from its lines (markers read back at 0). */
static const uint64_t basic_addr[] = { 0, 0, 64, 0x1000, 0x8000000, 0x1f, 0, 0xffffffff,
                                       0xffffffff, 0, 0 };
static const uint8_t basic_op[] = { M, B, B, B, R, B, M, B, W, M, M };

/* Copies the text fixture to path in format f, names defined before their first use. */
static void copy_basic(const char *path, enum trace_format f)
{
    struct trace_reader *r = trace_open_ok(DATA "basic.trc", TRACE_FMT_TEXT);
    char err[TRACE_ERR_MAX] = "";
    struct trace_writer *w = trace_create(path, f, err, sizeof(err));
    bool defined[8] = { false };
    struct trace_rec rec;
    int rc;

    if (!w)
        fail_msg("%s", err);
    while ((rc = trace_next(r, &rec)) == 1) {
        if (rec.buffer != TRACE_RAW && !defined[rec.buffer]) {
            assert_int_equal(trace_define_buffer(w, rec.buffer,
                                                 trace_buffer_name(r, rec.buffer)), 0);
            defined[rec.buffer] = true;
        }
        assert_int_equal(trace_write(w, &rec), 0);
    }
    assert_int_equal(rc, 0);
    trace_close(r);
    assert_int_equal(trace_finish(w, err, sizeof(err)), 0);
}

static void test_refs_formats(void **state)
{
    static const struct { const char *name; enum trace_format f; } copies[] = {
        { "basic.bin", TRACE_FMT_BIN }, { "basic.cbin", TRACE_FMT_CBIN },
        { "basic.cbin.gz", TRACE_FMT_CBIN }, { "basic.bin.zst", TRACE_FMT_BIN },
    };
    static const uint64_t din_addr[] = { 0x10, 0x2000, 0xffffffffffffffc0 };
    static const uint8_t din_op[] = { R, W, R };
    const size_t n = sizeof(basic_op);
    const char *din;
    FILE *f;

    (void)state;
    for (size_t batch = 1; batch <= 12; batch++)
        expect_refs(DATA "basic.trc", TRACE_FMT_TEXT, batch, basic_addr, basic_op, n);
    for (size_t c = 0; c < sizeof(copies) / sizeof(copies[0]); c++) {
        const char *path = tmp_path("%s", copies[c].name);

        copy_basic(path, copies[c].f);
        for (size_t batch = 1; batch <= 12; batch++)
            expect_refs(path, copies[c].f, batch, basic_addr, basic_op, n);
    }
    din = tmp_path("basic.din");
    f = fopen(din, "w");
    assert_non_null(f);
    fputs("0 10\n1 0x2000\n2 ffffffffffffffc0 64\n", f);
    assert_int_equal(fclose(f), 0);
    for (size_t batch = 1; batch <= 4; batch++)
        expect_refs(din, TRACE_FMT_DIN, batch, din_addr, din_op, 3);
}

/* ------------------------------------------------------------ long trace */

#define LONG_RECORDS    600000u     /* > 1 MiB of words: the compressed reader refills */

/*
 * A long trace of every kind of record, from a fixed LCG: mostly small steps,
 * sometimes a far address, a time or size change, a marker or a named buffer;
 * read through trace_next_refs in batches of an odd size, it gives the records
 * trace_next_batch gives, narrowed.
 */
static void test_refs_long(void **state)
{
    static const char *const names[] = { "long.cbin", "long.cbin.gz" };
    char err[TRACE_ERR_MAX] = "";
    uint64_t x = 12345, a = 0x40000000;
    struct trace_rec rec;

    (void)state;
    for (unsigned c = 0; c < 2; c++) {
        const char *path = tmp_path("%s", names[c]);
        struct trace_writer *w = trace_create(path, TRACE_FMT_CBIN, err, sizeof(err));

        assert_non_null(w);
        assert_int_equal(trace_define_buffer(w, 0, "buf"), 0);
        x = 12345;
        a = 0x40000000;
        for (unsigned i = 0; i < LONG_RECORDS; i++) {
            x = x * 6364136223846793005ull + 1442695040888963407ull;
            unsigned kind = (unsigned)(x >> 56);
            rec = (struct trace_rec){ .time = i / 64, .bytes = 64, .buffer = TRACE_RAW,
                                      .op = (x >> 40) & 1 };
            if (kind < 4)
                a = x >> 8;                             /* far */
            else if (kind < 8)
                a = (x >> 20) & 0xffff;                 /* near 0 */
            else if (kind < 10)
                a = UINT64_MAX - 63 - ((x >> 20) & 0xff);  /* near the top */
            else
                a = a + ((x >> 24) & 0x3ff) - 0x100 > UINT64_MAX - 63 ? 0 :
                    a + ((x >> 24) & 0x3ff) - 0x100;
            if (kind == 10)
                rec.op = (x >> 41) & 1 ? TRACE_OP_LINE : TRACE_OP_FRAME;
            else if (kind == 11)
                rec.buffer = 0;
            else if (kind == 12)
                rec.bytes = 4096;
            if (rec.op > TRACE_OP_WRITE)
                rec.bytes = 0;
            else if (a > UINT64_MAX - (rec.bytes - 1))
                a = 0;
            rec.addr = a;
            assert_int_equal(trace_write(w, &rec), 0);
        }
        assert_int_equal(trace_finish(w, err, sizeof(err)), 0);

        struct trace_reader *batch = trace_open_ok(path, TRACE_FMT_CBIN);
        struct trace_reader *refs = trace_open_ok(path, TRACE_FMT_CBIN);
        uint64_t addr[MAX_REFS];
        uint8_t op[MAX_REFS];
        unsigned n = 0, named = 0, markers = 0;
        long k;

        while ((k = trace_next_refs(refs, addr, op, 61)) > 0) {
            for (long i = 0; i < k; i++, n++) {
                assert_int_equal(trace_next(batch, &rec), 1);
                uint8_t want = rec.op > TRACE_OP_WRITE ? M :
                               rec.buffer != TRACE_RAW ? B : rec.op;
                if (addr[i] != rec.addr || op[i] != want)
                    fail_msg("%s: record %u is 0x%llx op %u, expected 0x%llx op %u", path,
                             n + 1, (unsigned long long)addr[i], op[i],
                             (unsigned long long)rec.addr, want);
                named += want == B;
                markers += want == M;
            }
        }
        assert_int_equal(k, 0);
        assert_int_equal(trace_next(batch, &rec), 0);
        assert_int_equal(n, LONG_RECORDS);
        /* the LCG's kinds 10 and 11 are 1/256 each: both well represented */
        assert_true(named > LONG_RECORDS / 400 && markers > LONG_RECORDS / 400);
        trace_close(batch);
        trace_close(refs);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refs_values),
        cmocka_unit_test(test_refs_mixed),
        cmocka_unit_test(test_refs_errors),
        cmocka_unit_test(test_refs_unknown_name),
        cmocka_unit_test(test_refs_formats),
        cmocka_unit_test(test_refs_long),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
