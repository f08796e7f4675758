/*
 * test_trace_cbin.c - the compact binary trace format (cbin, docs/traces.md): the
 * exact bytes the writer lays out for a small trace, derived by hand from the word
 * layout; reading them back; a text fixture's round trip; a compressed copy read
 * through the stream layer; and every reader error with its byte offset.
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
#define MAGIC           'I', 'O', 'M', 'T', 'R', 'C', '2', '\n'

static void next_rec(struct trace_reader *r, uint64_t time, int op, unsigned buffer,
                     uint64_t addr, uint32_t bytes)
{
    struct trace_rec rec;
    int rc = trace_next(r, &rec);

    if (rc != 1)
        fail_msg("trace_next: %d: %s", rc, trace_error(r));
    assert_rec(&rec, time, op, buffer, addr, bytes);
}

static const char *write_bytes(const char *name, const unsigned char *buf, size_t len)
{
    const char *path = tmp_path(name);
    FILE *f = fopen(path, "wb");

    assert_non_null(f);
    assert_int_equal(fwrite(buf, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    return path;
}

/*
 * Words (little-endian), as docs/traces.md lays them out; the state starts at time
 * 0, address 0, 64 bytes, raw:
 *   DEFINE 3 "dst":  index 3 << 16 | length 3 << 8 | kind 5 << 1 | 1 = 0x0003030b,
 *                    then "dst" and one zero byte (a multiple of 4)
 *   W dst+0x12345678 256 at 1.5 ns:
 *     TIME (kind 1): 0x00000003, then 1500 = 0x5dc as 8 bytes
 *     BYTES (kind 2): (256 - 1) << 8 | 2 << 1 | 1 = 0x0000ff05
 *     BUFFER (kind 3): 3 << 16 | 3 << 1 | 1 = 0x00030007
 *     access: delta 0x12345678 (< 2^29) << 2 | write 1 << 1 = 0x48d159e2
 *   R dst+0x12345000 256 at 1.5 ns: delta -0x678 << 2 = 0xffffe620
 *   F at 2 ns: TIME 0x00000003 + 2000 = 0x7d0; MARK (kind 4): 0x00000009
 *   R 0xffffffff00000000 64 at 2 ns:
 *     BYTES (64 - 1) << 8 | 5 = 0x00003f05; BUFFER 0xffff << 16 | 7 = 0xffff0007
 *     the delta does not fit 30 bits: ADDR (kind 0, read) 0x00000001 + 8 bytes
 *   L at 2 ns: MARK with the flag bit 4: 0x00000019
 */
static void test_cbin_layout(void **state)
{
    static const unsigned char expected[] = {
        MAGIC,
        0x0b, 0x03, 0x03, 0x00,  'd', 's', 't', 0,
        0x03, 0, 0, 0,  0xdc, 0x05, 0, 0, 0, 0, 0, 0,
        0x05, 0xff, 0, 0,
        0x07, 0x00, 0x03, 0x00,
        0xe2, 0x59, 0xd1, 0x48,
        0x20, 0xe6, 0xff, 0xff,
        0x03, 0, 0, 0,  0xd0, 0x07, 0, 0, 0, 0, 0, 0,
        0x09, 0, 0, 0,
        0x05, 0x3f, 0, 0,
        0x07, 0x00, 0xff, 0xff,
        0x01, 0, 0, 0,  0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff,
        0x19, 0, 0, 0,
    };
    const struct trace_rec recs[] = {
        { .time = 1500, .addr = 0x12345678, .bytes = 256, .buffer = 3, .op = TRACE_OP_WRITE },
        { .time = 1500, .addr = 0x12345000, .bytes = 256, .buffer = 3, .op = TRACE_OP_READ },
        { .time = 2000, .op = TRACE_OP_FRAME },
        { .time = 2000, .addr = 0xffffffff00000000ull, .bytes = 64, .buffer = TRACE_RAW,
          .op = TRACE_OP_READ },
        { .time = 2000, .op = TRACE_OP_LINE },
    };
    char err[TRACE_ERR_MAX] = "";
    struct trace_writer *w = trace_create(tmp_path("layout.cbin"), TRACE_FMT_CBIN, err,
                                          sizeof(err));
    struct trace_reader *r;
    struct trace_rec rec;
    size_t len;
    char *out;

    (void)state;
    assert_non_null(w);
    assert_int_equal(trace_define_buffer(w, 3, "dst"), 0);
    for (size_t i = 0; i < sizeof(recs) / sizeof(recs[0]); i++)
        assert_int_equal(trace_write(w, &recs[i]), 0);
    assert_int_equal(trace_finish(w, err, sizeof(err)), 0);
    out = slurp(tmp_path("layout.cbin"), &len);
    assert_non_null(out);
    assert_int_equal(len, sizeof(expected));
    assert_memory_equal(out, expected, sizeof(expected));
    free(out);

    r = trace_open_ok(tmp_path("layout.cbin"), TRACE_FMT_CBIN);
    next_rec(r, 1500, TRACE_OP_WRITE, 3, 0x12345678, 256);
    next_rec(r, 1500, TRACE_OP_READ, 3, 0x12345000, 256);
    next_rec(r, 2000, TRACE_OP_FRAME, TRACE_RAW, 0, 0);
    next_rec(r, 2000, TRACE_OP_READ, TRACE_RAW, 0xffffffff00000000ull, 64);
    next_rec(r, 2000, TRACE_OP_LINE, TRACE_RAW, 0, 0);
    assert_int_equal(trace_next(r, &rec), 0);
    assert_string_equal(trace_buffer_name(r, 3), "dst");
    assert_int_equal(trace_records_read(r), 5);
    trace_close(r);
    assert_int_equal(trace_format_from_path("x.cbin"), TRACE_FMT_CBIN);
    assert_int_equal(trace_format_from_path("x.cbin.zst"), TRACE_FMT_CBIN);
    assert_string_equal(trace_format_name(TRACE_FMT_CBIN), "cbin");
}

/* The text fixture copied to cbin (plain and gzip-compressed) reads back record for record. */
static void test_cbin_round_trip(void **state)
{
    static const char *const copies[] = { "rt.cbin", "rt.cbin.gz" };

    (void)state;
    for (unsigned c = 0; c < 2; c++) {
        struct trace_reader *r = trace_open_ok(DATA "basic.trc", TRACE_FMT_TEXT), *back;
        char err[TRACE_ERR_MAX] = "";
        struct trace_writer *w = trace_create(tmp_path(copies[c]), TRACE_FMT_CBIN, err,
                                              sizeof(err));
        struct trace_rec a, b;
        unsigned n = 0;
        int rc;

        /* every name defined before its first use, as convert does */
        assert_non_null(w);
        bool defined[8] = { false };
        while ((rc = trace_next(r, &a)) == 1) {
            if (a.buffer != TRACE_RAW && !defined[a.buffer]) {
                assert_int_equal(trace_define_buffer(w, a.buffer, trace_buffer_name(r, a.buffer)),
                                 0);
                defined[a.buffer] = true;
            }
            assert_int_equal(trace_write(w, &a), 0);
        }
        assert_int_equal(rc, 0);
        trace_close(r);
        assert_int_equal(trace_finish(w, err, sizeof(err)), 0);

        r = trace_open_ok(DATA "basic.trc", TRACE_FMT_TEXT);
        back = trace_open_ok(tmp_path(copies[c]), TRACE_FMT_CBIN);
        while ((rc = trace_next(r, &a)) == 1) {
            assert_int_equal(trace_next(back, &b), 1);
            assert_rec(&b, a.time, a.op, a.buffer, a.addr, a.bytes);
            n++;
        }
        assert_int_equal(trace_next(back, &b), 0);
        assert_int_equal(n, 11);        /* the fixture's records (test_trace.c) */
        assert_string_equal(trace_buffer_name(back, 0), "fb0");
        assert_string_equal(trace_buffer_name(back, 1), "ref_frame.1-a");
        trace_close(r);
        trace_close(back);
    }
}

static void expect_error(const char *name, const unsigned char *buf, size_t len, unsigned good,
                         int code, const char *where, const char *msg)
{
    const char *path = write_bytes(name, buf, len);
    struct trace_reader *r = trace_open_ok(path, TRACE_FMT_CBIN);
    struct trace_rec rec;
    char want[TRACE_ERR_MAX];

    for (unsigned i = 0; i < good; i++)
        if (trace_next(r, &rec) != 1)
            fail_msg("record %u of %s: %s", i + 1, path, trace_error(r));
    assert_int_equal(trace_next(r, &rec), code);
    snprintf(want, sizeof(want), "%s%s: error: %s", path, where, msg);
    assert_string_equal(trace_error(r), want);
    assert_int_equal(trace_next_batch(r, &rec, 1), code);
    trace_close(r);
}

/* Byte offsets count from the file's start: the first word is at byte 8. */
static void test_cbin_errors(void **state)
{
    static const unsigned char bad_magic[] = { 'I', 'O', 'M', 'T', 'R', 'C', '1', '\n' };
    static const unsigned char kind7[] = { MAGIC, 0x0f, 0, 0, 0 };
    static const unsigned char reserved[] = { MAGIC, 0x00, 0x01, 0, 0,  0x29, 0, 0, 0 };
    static const unsigned char wrap[] = { MAGIC, 0xf0, 0xff, 0xff, 0xff };
    static const unsigned char undefined[] = { MAGIC, 0x07, 0x00, 0x05, 0x00 };
    static const unsigned char short_word[] = { MAGIC, 0x00, 0x01 };
    static const unsigned char short_time[] = { MAGIC, 0x03, 0, 0, 0, 1, 2, 3, 4 };
    static const unsigned char end[] = { MAGIC, 0x01, 0, 0, 0,  0xc1, 0xff, 0xff, 0xff,
                                         0xff, 0xff, 0xff, 0xff };
    static const unsigned char raw_define[] = { MAGIC, 0x0b, 0x01, 0xff, 0xff, 'a', 0, 0, 0 };

    (void)state;
    expect_error("magic.cbin", bad_magic, sizeof(bad_magic), 0, -EINVAL, "",
                 "bad magic (expected \"IOMTRC2\\n\" at the start of a cbin trace)");
    expect_error("kind7.cbin", kind7, sizeof(kind7), 0, -EINVAL, ": byte 8",
                 "unknown control word kind 7 (expected 0 addr, 1 time, 2 bytes, 3 buffer, "
                 "4 mark or 5 define)");
    /* an access at delta 0x100 >> 2 = 0x40 first, then a MARK with bit 5 set */
    expect_error("reserved.cbin", reserved, sizeof(reserved), 1, -EINVAL, ": byte 12",
                 "control word 0x00000029 has reserved bits set (0x00000020)");
    /* 0xfffffff0 >> 2 as a signed 30-bit delta is -4: below address 0 */
    expect_error("wrap.cbin", wrap, sizeof(wrap), 0, -ERANGE, ": byte 8",
                 "delta -4 from 0x0 leaves the 64-bit address space (an access of 64 bytes)");
    expect_error("undef.cbin", undefined, sizeof(undefined), 0, -EINVAL, ": byte 8",
                 "buffer 5 used before its definition (expected a DEFINE word for it earlier)");
    expect_error("short.cbin", short_word, sizeof(short_word), 0, -EINVAL, ": byte 8",
                 "truncated word (2 of 4 bytes)");
    expect_error("short_time.cbin", short_time, sizeof(short_time), 0, -EINVAL, ": byte 8",
                 "truncated control record (8 of 12 bytes)");
    /* ADDR read at 2^64 - 63: 64 bytes from there pass 2^64 (2^64 - 64 is the last start) */
    expect_error("end.cbin", end, sizeof(end), 0, -ERANGE, ": byte 8",
                 "access at 0xffffffffffffffc1 of 64 bytes passes the end of the 64-bit "
                 "address space");
    expect_error("rawdef.cbin", raw_define, sizeof(raw_define), 0, -EINVAL, ": byte 8",
                 "definition of buffer 0xffff, the raw-IOVA index (expected 0..65534)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cbin_layout),
        cmocka_unit_test(test_cbin_round_trip),
        cmocka_unit_test(test_cbin_errors),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
