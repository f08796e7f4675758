/*
 * test_trace.c - the trace formats: every field of a hand-written text fixture,
 * every error message with its line or record number, din labels, text and bin
 * round trips with byte-exact output, records that straddle the reader's 1 MiB
 * input buffer, resolvers, stdin/stdout, and writer errors.
 *
 * Run from the repository root: fixtures are under tests/data/trace/, and the
 * larger or malformed inputs are written at run time into the scratch directory of
 * tests/lib/file.h.
 * Expected values come from the fixtures read by hand or from the formula that
 * generated the input, never from the code under test.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "sim/trace/trace.h"
#include "tests/lib/file.h"
#include "tests/lib/trace.h"

#define DATA            "tests/data/trace/"
#define READ_BUF        (1u << 20)      /* the reader's input buffer, docs/traces.md */
#define GOLDEN          2654435761u     /* multiplier of the generated addresses */

/* ------------------------------------------------------------------ helpers */

static void write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");

    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static struct trace_reader *open_ok(const char *path, enum trace_format format,
                                    trace_resolve_fn resolve, void *arg)
{
    struct trace_reader_opts opts = { .format = format, .resolve = resolve, .resolve_arg = arg };
    char err[TRACE_ERR_MAX] = "";
    struct trace_reader *r = trace_open(path, &opts, err, sizeof(err));

    if (!r)
        fail_msg("%s", err);
    return r;
}

static struct trace_writer *create_ok(const char *path, enum trace_format format)
{
    char err[TRACE_ERR_MAX] = "";
    struct trace_writer *w = trace_create(path, format, err, sizeof(err));

    if (!w)
        fail_msg("%s", err);
    return w;
}

static void next_rec(struct trace_reader *r, uint64_t time, int op, unsigned buffer,
                     uint64_t addr, uint32_t bytes)
{
    struct trace_rec rec;
    int rc = trace_next(r, &rec);

    if (rc != 1)
        fail_msg("trace_next: %d: %s", rc, trace_error(r));
    assert_rec(&rec, time, op, buffer, addr, bytes);
}

/* Reads `good` records, then expects the error `code` with message "PREFIX: MSG". */
static void expect_read_error(const char *path, enum trace_format format, unsigned good,
                              int code, const char *where, const char *msg)
{
    struct trace_reader *r = open_ok(path, format, NULL, NULL);
    struct trace_rec rec;
    char want[TRACE_ERR_MAX];
    unsigned i;

    for (i = 0; i < good; i++)
        if (trace_next(r, &rec) != 1)
            fail_msg("record %u of %s: %s", i + 1, path, trace_error(r));
    assert_int_equal(trace_next(r, &rec), code);
    snprintf(want, sizeof(want), "%s%s: error: %s", path, where, msg);
    assert_string_equal(trace_error(r), want);
    assert_int_equal(trace_records_read(r), good);
    /* stopped for good: the same answer again, from either call */
    assert_int_equal(trace_next(r, &rec), code);
    assert_int_equal(trace_next_batch(r, &rec, 1), code);
    trace_close(r);
}

/* ------------------------------------------------------------------ formats */

static void test_format_names(void **state)
{
    enum trace_format f = TRACE_FMT_DIN;

    (void)state;
    assert_string_equal(trace_format_name(TRACE_FMT_TEXT), "text");
    assert_string_equal(trace_format_name(TRACE_FMT_BIN), "bin");
    assert_string_equal(trace_format_name(TRACE_FMT_DIN), "din");
    assert_int_equal(trace_format_parse("text", &f), 0);
    assert_int_equal(f, TRACE_FMT_TEXT);
    assert_int_equal(trace_format_parse("bin", &f), 0);
    assert_int_equal(f, TRACE_FMT_BIN);
    assert_int_equal(trace_format_parse("din", &f), 0);
    assert_int_equal(f, TRACE_FMT_DIN);
    f = TRACE_FMT_BIN;
    assert_int_equal(trace_format_parse("Text", &f), -EINVAL);
    assert_int_equal(trace_format_parse("", &f), -EINVAL);
    assert_int_equal(trace_format_parse("dinero", &f), -EINVAL);
    assert_int_equal(f, TRACE_FMT_BIN);    /* untouched on error */
    assert_int_equal(trace_format_from_path("a/b/decode.bin"), TRACE_FMT_BIN);
    assert_int_equal(trace_format_from_path("gcc.din"), TRACE_FMT_DIN);
    assert_int_equal(trace_format_from_path("display.trc"), TRACE_FMT_TEXT);
    assert_int_equal(trace_format_from_path("bin"), TRACE_FMT_TEXT);
    assert_int_equal(trace_format_from_path("x.bin.txt"), TRACE_FMT_TEXT);
    assert_int_equal(trace_format_from_path("-"), TRACE_FMT_TEXT);
}

/* ---------------------------------------------------------------- text read */

/* The records of tests/data/trace/basic.trc, read off the file by hand. */
static void expect_basic(struct trace_reader *r)
{
    next_rec(r, 0, TRACE_OP_FRAME, TRACE_RAW, 0, 0);                  /* line 4: 0 F */
    next_rec(r, 0, TRACE_OP_READ, 0, 0, 64);                          /* fb0: first name -> 0 */
    next_rec(r, 500, TRACE_OP_WRITE, 0, 64, 128);                     /* 0.5 ns, decimal offset */
    next_rec(r, 1125, TRACE_OP_READ, 0, 0x1000, 4096);
    next_rec(r, 2000, TRACE_OP_READ, TRACE_RAW, 0x8000000, 32);
    next_rec(r, 2005, TRACE_OP_WRITE, 1, 0x1f, 16);                   /* ref_frame.1-a -> 1 */
    next_rec(r, 10000, TRACE_OP_LINE, TRACE_RAW, 0, 0);
    next_rec(r, 12500, TRACE_OP_READ, 0, 0xffffffff, 1);
    next_rec(r, 4294967295000ull, TRACE_OP_WRITE, TRACE_RAW, 0xffffffff, 16777216);
    next_rec(r, 13000, TRACE_OP_FRAME, TRACE_RAW, 0, 0);              /* CRLF, trailing blanks */
    next_rec(r, 20000, TRACE_OP_LINE, TRACE_RAW, 0, 0);               /* no final newline */
}

static void test_text_fixture(void **state)
{
    struct trace_reader *r = open_ok(DATA "basic.trc", TRACE_FMT_TEXT, NULL, NULL);
    struct trace_rec rec;

    (void)state;
    expect_basic(r);
    assert_int_equal(trace_next(r, &rec), 0);
    assert_int_equal(trace_records_read(r), 11);
    assert_string_equal(trace_buffer_name(r, 0), "fb0");
    assert_string_equal(trace_buffer_name(r, 1), "ref_frame.1-a");
    assert_null(trace_buffer_name(r, 2));
    assert_null(trace_buffer_name(r, TRACE_RAW));
    assert_string_equal(trace_error(r), "");
    trace_close(r);
}

static void test_past_end(void **state)
{
    struct trace_reader *r = open_ok(DATA "basic.trc", TRACE_FMT_TEXT, NULL, NULL);
    struct trace_rec recs[32];
    int i;

    (void)state;
    /* 11 records in a batch of 32, then the end, again and again */
    assert_int_equal(trace_next_batch(r, recs, 32), 11);
    assert_rec(&recs[10], 20000, TRACE_OP_LINE, TRACE_RAW, 0, 0);
    for (i = 0; i < 3; i++) {
        assert_int_equal(trace_next(r, &recs[0]), 0);
        assert_int_equal(trace_next_batch(r, recs, 32), 0);
    }
    assert_int_equal(trace_records_read(r), 11);
    trace_close(r);

    /* an empty file, and one of comments only, end at once */
    write_file(tmp_path("empty.trc"), "", 0);
    r = open_ok(tmp_path("empty.trc"), TRACE_FMT_TEXT, NULL, NULL);
    assert_int_equal(trace_next(r, &recs[0]), 0);
    assert_int_equal(trace_next(r, &recs[0]), 0);
    trace_close(r);
    write_file(tmp_path("comments.trc"), "# a\n\n  # b\n", 11);
    r = open_ok(tmp_path("comments.trc"), TRACE_FMT_TEXT, NULL, NULL);
    assert_int_equal(trace_next_batch(r, recs, 4), 0);
    trace_close(r);
}

static void test_text_limits(void **state)
{
    static const char name63[] =
        "n23456789012345678901234567890123456789012345678901234567890123";
    char text[256];
    struct trace_reader *r;

    (void)state;
    assert_int_equal(strlen(name63), 63);
    /* the largest time: UINT64_MAX ps; a 63-character name; the largest IOVA */
    snprintf(text, sizeof(text), "18446744073709551.615 F\n0.001 R %s+4294967295 1\n"
             "0.010 W 0x00000000ffffffff 2\n", name63);
    write_file(tmp_path("limits.trc"), text, strlen(text));
    r = open_ok(tmp_path("limits.trc"), TRACE_FMT_TEXT, NULL, NULL);
    next_rec(r, UINT64_MAX, TRACE_OP_FRAME, TRACE_RAW, 0, 0);
    next_rec(r, 1, TRACE_OP_READ, 0, 0xffffffff, 1);
    next_rec(r, 10, TRACE_OP_WRITE, TRACE_RAW, 0xffffffff, 2);    /* "0.010" is 10 ps */
    assert_string_equal(trace_buffer_name(r, 0), name63);
    trace_close(r);
}

struct bad_line {
    const char *line;
    int code;
    const char *msg;
};

/*
 * Every kind of malformed text line, each placed after a good prefix (a comment, a
 * record, a blank and a blank-with-tab line: 4 lines, 1 record) so it is line 5.
 */
static void test_text_errors(void **state)
{
    static const char prefix[] = "# header\n0 R fb0 64\n\n\t\n";
    static const struct bad_line cases[] = {
        { "0 X fb0 64", -EINVAL, "unknown op 'X' (expected R, W, F or L)" },
        { "5 RR fb0 1", -EINVAL, "unknown op 'RR' (expected R, W, F or L)" },
        { "5 r fb0 1", -EINVAL, "unknown op 'r' (expected R, W, F or L)" },
        { "5", -EINVAL, "missing OP after the time (expected TIME OP TARGET BYTES)" },
        { "5 R", -EINVAL, "missing TARGET after R (expected NAME+OFFSET, NAME or 0xIOVA)" },
        { "5 W fb0  ", -EINVAL, "missing BYTES after the target (expected 1..16777216)" },
        { "x R fb0 1", -EINVAL,
          "bad time 'x' (expected nanoseconds: decimal with up to 3 fraction digits)" },
        { "1. R fb0 1", -EINVAL,
          "bad time '1.' (expected nanoseconds: decimal with up to 3 fraction digits)" },
        { "-1 R fb0 1", -EINVAL,
          "bad time '-1' (expected nanoseconds: decimal with up to 3 fraction digits)" },
        { "1e3 R fb0 1", -EINVAL,
          "bad time '1e3' (expected nanoseconds: decimal with up to 3 fraction digits)" },
        { "1.0005 R fb0 1", -EINVAL,
          "time '1.0005' has more than 3 fraction digits (the resolution is 1 ps)" },
        /* one past UINT64_MAX ps, and one ns past it */
        { "18446744073709551.616 F", -ERANGE,
          "time '18446744073709551.616' too large (at most 18446744073709551.615 ns)" },
        { "18446744073709552 F", -ERANGE,
          "time '18446744073709552' too large (at most 18446744073709551.615 ns)" },
        { "99999999999999999999x F", -EINVAL,
          "bad time '99999999999999999999x' (expected nanoseconds: decimal with up to 3 "
          "fraction digits)" },
        { "1 R fb0+zz 1", -EINVAL, "bad offset in 'fb0+zz' (expected decimal or 0x-hex)" },
        { "1 R fb0+ 1", -EINVAL, "bad offset in 'fb0+' (expected decimal or 0x-hex)" },
        { "1 R fb0+0x 1", -EINVAL, "bad offset in 'fb0+0x' (expected decimal or 0x-hex)" },
        { "1 R fb0+12a 1", -EINVAL, "bad offset in 'fb0+12a' (expected decimal or 0x-hex)" },
        /* 2^64 in decimal and in hex, one past the largest 64-bit value */
        { "1 R fb0+18446744073709551616 1", -ERANGE,
          "offset in 'fb0+18446744073709551616' beyond 64 bits" },
        { "1 R fb0+0x10000000000000000 1", -ERANGE,
          "offset in 'fb0+0x10000000000000000' beyond 64 bits" },
        { "1 W 0x10000000000000000 4", -ERANGE, "IOVA '0x10000000000000000' beyond 64 bits" },
        /* 2^64 - 4 + 8 bytes passes 2^64; 2^64 - 4 + 4 bytes ends exactly at it (accepted) */
        { "1 W 0xfffffffffffffffc 8", -ERANGE,
          "access at 0xfffffffffffffffc of 8 bytes passes the end of the 64-bit address space" },
        { "1 W fb0+0xffffffffffffffff 2", -ERANGE,
          "access at offset 0xffffffffffffffff of 2 bytes passes the end of the 64-bit "
          "address space" },
        { "1 W 0xg 4", -EINVAL, "bad IOVA '0xg' (expected 0x and hex digits)" },
        { "1 W 0x 4", -EINVAL, "bad IOVA '0x' (expected 0x and hex digits)" },
        { "1 W 4096 4", -EINVAL, "bad target '4096' (expected NAME+OFFSET, NAME or 0xIOVA)" },
        { "1 W $fb 4", -EINVAL, "bad target '$fb' (expected NAME+OFFSET, NAME or 0xIOVA)" },
        { "1 W fb$0+4 4", -EINVAL,
          "bad buffer name in 'fb$0+4' (expected [A-Za-z_][A-Za-z0-9_.-]*)" },
        /* 64 characters: the message quotes the first 40 */
        { "1 W n234567890123456789012345678901234567890123456789012345678901234+4 4", -EINVAL,
          "buffer name 'n234567890123456789012345678901234567890...' too long "
          "(64 characters, at most 63)" },
        { "1 R fb0 0", -ERANGE, "bytes '0' out of range (expected 1..16777216)" },
        { "1 R fb0 16777217", -ERANGE, "bytes '16777217' out of range (expected 1..16777216)" },
        { "1 R fb0 99999999999999999999999", -ERANGE,
          "bytes '99999999999999999999999' out of range (expected 1..16777216)" },
        { "1 R fb0 1k", -EINVAL, "bad bytes '1k' (expected decimal 1..16777216)" },
        { "1 R fb0 0x10", -EINVAL, "bad bytes '0x10' (expected decimal 1..16777216)" },
        { "1 R fb0 -4", -EINVAL, "bad bytes '-4' (expected decimal 1..16777216)" },
        { "1 R fb0 4 extra", -EINVAL,
          "unexpected 'extra' after BYTES (expected the end of the line)" },
        { "1 R fb0 4 # no trailing comments", -EINVAL,
          "unexpected '#' after BYTES (expected the end of the line)" },
        { "1 F fb0", -EINVAL, "unexpected 'fb0' after F (F and L lines have no TARGET or BYTES)" },
        { "1 L 0x10 4", -EINVAL,
          "unexpected '0x10' after L (F and L lines have no TARGET or BYTES)" },
    };
    char text[256], file[32];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        snprintf(text, sizeof(text), "%s%s\n0 F\n", prefix, cases[i].line);
        snprintf(file, sizeof(file), "bad%zu.trc", i);
        write_file(tmp_path("%s", file), text, strlen(text));
        expect_read_error(tmp_path("%s", file), TRACE_FMT_TEXT, 1, cases[i].code, ":5", cases[i].msg);
    }

    /* line 1, without a prefix; and the last line, without its newline */
    write_file(tmp_path("first.trc"), "0 Q 0x0 1\n", 10);
    expect_read_error(tmp_path("first.trc"), TRACE_FMT_TEXT, 0, -EINVAL, ":1",
                      "unknown op 'Q' (expected R, W, F or L)");
    write_file(tmp_path("last.trc"), "0 F\n1 F\n2 R 0x0", 15);
    expect_read_error(tmp_path("last.trc"), TRACE_FMT_TEXT, 2, -EINVAL, ":3",
                      "missing BYTES after the target (expected 1..16777216)");
}

/* ----------------------------------------------------------------------- din */

static void test_din_fixture(void **state)
{
    struct trace_reader_opts opts = { .format = TRACE_FMT_DIN };
    char err[TRACE_ERR_MAX];
    struct trace_reader *r;
    struct trace_rec rec;

    (void)state;
    /* din_bytes 0 means 64; every record is raw at time 0 */
    r = open_ok(DATA "labels.din", TRACE_FMT_DIN, NULL, NULL);
    next_rec(r, 0, TRACE_OP_READ, TRACE_RAW, 0x1000, 64);       /* 0: read */
    next_rec(r, 0, TRACE_OP_WRITE, TRACE_RAW, 0x2000, 64);      /* 1: write, 0x prefix */
    next_rec(r, 0, TRACE_OP_READ, TRACE_RAW, 0x3a3b, 64);       /* 2: fetch, after a blank */
    next_rec(r, 0, TRACE_OP_READ, TRACE_RAW, 0xffffffff, 64);   /* trailing size ignored */
    next_rec(r, 0, TRACE_OP_WRITE, TRACE_RAW, 0xabc, 64);       /* tab, 17 digits, leading 0s */
    next_rec(r, 0, TRACE_OP_READ, TRACE_RAW, 0, 64);            /* indented */
    next_rec(r, 0, TRACE_OP_READ, TRACE_RAW, 0x12345678, 64);   /* words and CRLF after */
    assert_int_equal(trace_next(r, &rec), 0);
    assert_int_equal(trace_records_read(r), 7);
    trace_close(r);

    opts.din_bytes = 32;
    r = trace_open(DATA "labels.din", &opts, err, sizeof(err));
    assert_non_null(r);
    next_rec(r, 0, TRACE_OP_READ, TRACE_RAW, 0x1000, 32);
    trace_close(r);

    opts.din_bytes = TRACE_MAX_BYTES + 1;
    assert_null(trace_open(DATA "labels.din", &opts, err, sizeof(err)));
    assert_string_equal(err, DATA "labels.din: error: din access size 16777217 out of range "
                        "(expected 1..16777216)");
}

static void test_din_errors(void **state)
{
    static const struct bad_line cases[] = {
        { "3 1000", -EINVAL, "bad din label '3' (expected 0 read, 1 write or 2 instruction fetch)" },
        { "4 1000", -EINVAL, "bad din label '4' (expected 0 read, 1 write or 2 instruction fetch)" },
        { "r 1000", -EINVAL, "bad din label 'r' (expected 0 read, 1 write or 2 instruction fetch)" },
        { "01 1000", -EINVAL,
          "bad din label '01' (expected 0 read, 1 write or 2 instruction fetch)" },
        { "-1 1000", -EINVAL,
          "bad din label '-1' (expected 0 read, 1 write or 2 instruction fetch)" },
        { "0,1000", -EINVAL,
          "bad din label '0,1000' (expected 0 read, 1 write or 2 instruction fetch)" },
        { "0", -EINVAL, "missing address after label 0 (expected LABEL HEXADDR)" },
        { "1 \t ", -EINVAL, "missing address after label 1 (expected LABEL HEXADDR)" },
        { "0 xyz", -EINVAL, "bad address 'xyz' (expected hex digits, with or without 0x)" },
        { "0 0x", -EINVAL, "bad address '0x' (expected hex digits, with or without 0x)" },
        { "2 12g4", -EINVAL, "bad address '12g4' (expected hex digits, with or without 0x)" },
        { "2 123456789g", -EINVAL,
          "bad address '123456789g' (expected hex digits, with or without 0x)" },
        /* 17 significant digits: 2^64; leading zeros do not count */
        { "0 10000000000000000", -ERANGE, "address '10000000000000000' beyond 64 bits" },
        { "0 0x000000010000000000000000", -ERANGE,
          "address '0x000000010000000000000000' beyond 64 bits" },
        { "1 ffffffffffffffffffff", -ERANGE, "address 'ffffffffffffffffffff' beyond 64 bits" },
        /* a 64-byte access (the default din size) at 2^64 - 32 passes 2^64 */
        { "1 ffffffffffffffe0", -ERANGE,
          "access at 0xffffffffffffffe0 of 64 bytes passes the end of the 64-bit address "
          "space" },
    };
    char text[128], file[32];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        /* two good lines and a blank one first: the bad line is line 4 */
        snprintf(text, sizeof(text), "0 10\n\n2 0x20 4\n%s\n1 40\n", cases[i].line);
        snprintf(file, sizeof(file), "bad%zu.din", i);
        write_file(tmp_path("%s", file), text, strlen(text));
        expect_read_error(tmp_path("%s", file), TRACE_FMT_DIN, 2, cases[i].code, ":4", cases[i].msg);
    }
}

/* -------------------------------------------------------------- round trips */

/* Copies every record of a reader into a writer, defining names at first use. */
static void copy_trace(struct trace_reader *r, struct trace_writer *w)
{
    bool defined[8] = { false };
    struct trace_rec rec;
    int rc;

    while ((rc = trace_next(r, &rec)) == 1) {
        if (rec.buffer != TRACE_RAW && !defined[rec.buffer]) {
            assert_true(rec.buffer < 8);
            assert_int_equal(trace_define_buffer(w, rec.buffer,
                                                 trace_buffer_name(r, rec.buffer)), 0);
            defined[rec.buffer] = true;
        }
        assert_int_equal(trace_write(w, &rec), 0);
    }
    assert_int_equal(rc, 0);
}

static void test_text_round_trip(void **state)
{
    /* the writer's canonical form of basic.trc: ns without needless fraction
     * digits, lower-case hex offsets always written, "+0x0" included */
    static const char expected[] =
        "# iommusim trace v1: time_ns op target bytes\n"
        "0 F\n"
        "0 R fb0+0x0 64\n"
        "0.5 W fb0+0x40 128\n"
        "1.125 R fb0+0x1000 4096\n"
        "2 R 0x8000000 32\n"
        "2.005 W ref_frame.1-a+0x1f 16\n"
        "10 L\n"
        "12.5 R fb0+0xffffffff 1\n"
        "4294967295 W 0xffffffff 16777216\n"
        "13 F\n"
        "20 L\n";
    char err[TRACE_ERR_MAX] = "";
    struct trace_reader *r = open_ok(DATA "basic.trc", TRACE_FMT_TEXT, NULL, NULL);
    struct trace_writer *w = trace_create(tmp_path("rt.trc"), TRACE_FMT_TEXT, err, sizeof(err));
    size_t len;
    char *out;

    (void)state;
    assert_non_null(w);
    copy_trace(r, w);
    trace_close(r);
    assert_int_equal(trace_finish(w, err, sizeof(err)), 0);
    out = slurp(tmp_path("rt.trc"), &len);
    assert_non_null(out);
    assert_string_equal(out, expected);
    free(out);

    r = open_ok(tmp_path("rt.trc"), TRACE_FMT_TEXT, NULL, NULL);
    expect_basic(r);
    trace_close(r);
}

static void test_bin_round_trip(void **state)
{
    char err[TRACE_ERR_MAX] = "";
    struct trace_reader *r = open_ok(DATA "basic.trc", TRACE_FMT_TEXT, NULL, NULL);
    struct trace_writer *w = trace_create(tmp_path("rt.bin"), TRACE_FMT_BIN, err, sizeof(err));
    struct trace_rec rec;
    size_t len;
    char *out;

    (void)state;
    assert_non_null(w);
    copy_trace(r, w);
    trace_close(r);
    assert_int_equal(trace_finish(w, err, sizeof(err)), 0);
    /* magic, 11 records of 24 bytes, DEFINE fb0 (24 + 8), DEFINE ref_frame.1-a (24 + 16) */
    out = slurp(tmp_path("rt.bin"), &len);
    assert_non_null(out);
    assert_int_equal(len, 8 + 11 * 24 + 32 + 40);
    free(out);

    r = open_ok(tmp_path("rt.bin"), TRACE_FMT_BIN, NULL, NULL);
    expect_basic(r);
    assert_int_equal(trace_next(r, &rec), 0);
    assert_string_equal(trace_buffer_name(r, 0), "fb0");
    assert_string_equal(trace_buffer_name(r, 1), "ref_frame.1-a");
    assert_int_equal(trace_records_read(r), 11);
    trace_close(r);
}

/* The exact bytes of a small bin file, laid out by hand from the header's description. */
static void test_bin_layout(void **state)
{
    static const unsigned char expected[] = {
        'I', 'O', 'M', 'T', 'R', 'C', '1', '\n',
        /* DEFINE buffer 3 = "dst": time 0, addr 0, bytes 3 (length), buffer 3, op 0xff */
        0, 0, 0, 0, 0, 0, 0, 0,  0, 0, 0, 0, 0, 0, 0, 0,  3, 0, 0, 0,  3, 0,  0xff, 0,
        'd', 's', 't', 0, 0, 0, 0, 0,
        /* 1.5 ns = 1500 ps = 0x5dc; W dst+0x12345678 256 */
        0xdc, 0x05, 0, 0, 0, 0, 0, 0,  0x78, 0x56, 0x34, 0x12, 0, 0, 0, 0,
        0x00, 0x01, 0, 0,  3, 0,  1, 0,
        /* 2 ns F: addr 0, bytes 0, buffer 0xffff, op 2 */
        0xd0, 0x07, 0, 0, 0, 0, 0, 0,  0, 0, 0, 0, 0, 0, 0, 0,  0, 0, 0, 0,  0xff, 0xff,  2, 0,
    };
    struct trace_rec w1 = { .time = 1500, .addr = 0x12345678, .bytes = 256, .buffer = 3,
                            .op = TRACE_OP_WRITE };
    struct trace_rec f = { .time = 2000, .op = TRACE_OP_FRAME };    /* buffer 0: not stored */
    char err[TRACE_ERR_MAX] = "";
    struct trace_writer *w = trace_create(tmp_path("layout.bin"), TRACE_FMT_BIN, err,
                                          sizeof(err));
    struct trace_reader *r;
    size_t len;
    char *out;

    (void)state;
    assert_non_null(w);
    assert_int_equal(trace_define_buffer(w, 3, "dst"), 0);
    assert_int_equal(trace_write(w, &w1), 0);
    assert_int_equal(trace_write(w, &f), 0);
    assert_int_equal(trace_finish(w, err, sizeof(err)), 0);
    out = slurp(tmp_path("layout.bin"), &len);
    assert_non_null(out);
    assert_int_equal(len, sizeof(expected));
    assert_memory_equal(out, expected, sizeof(expected));
    free(out);

    /* without a resolver the file's index is kept */
    r = open_ok(tmp_path("layout.bin"), TRACE_FMT_BIN, NULL, NULL);
    next_rec(r, 1500, TRACE_OP_WRITE, 3, 0x12345678, 256);
    next_rec(r, 2000, TRACE_OP_FRAME, TRACE_RAW, 0, 0);
    assert_string_equal(trace_buffer_name(r, 3), "dst");
    assert_null(trace_buffer_name(r, 0));
    trace_close(r);
}

/* ---------------------------------------------------------------- bin errors */

struct bin_rec {
    uint64_t time, addr;
    uint32_t bytes;
    uint16_t buffer;
    uint8_t op;
};

/* Appends one record (and a DEFINE's name, zero-padded to 8) to buf at *len. */
static void put_rec(unsigned char *buf, size_t *len, struct bin_rec rec, const char *name)
{
    unsigned char *p = buf + *len;
    int i;

    for (i = 0; i < 8; i++) {
        p[i] = (unsigned char)(rec.time >> (8 * i));
        p[8 + i] = (unsigned char)(rec.addr >> (8 * i));
    }
    for (i = 0; i < 4; i++)
        p[16 + i] = (unsigned char)(rec.bytes >> (8 * i));
    p[20] = (unsigned char)rec.buffer;
    p[21] = (unsigned char)(rec.buffer >> 8);
    p[22] = rec.op;
    p[23] = 0;
    *len += 24;
    if (name) {
        size_t n = strlen(name), padded = (n + 7) & ~(size_t)7;

        memset(buf + *len, 0, padded);
        memcpy(buf + *len, name, n);
        *len += padded;
    }
}

#define DEF(idx, len)   ((struct bin_rec){ .bytes = (len), .buffer = (idx), .op = 0xff })
#define ACC(b, a, n)    ((struct bin_rec){ .time = 7, .addr = (a), .bytes = (n), .buffer = (b) })

static const char *bin_file(const char *name, const unsigned char *buf, size_t len)
{
    const char *path = tmp_path("%s", name);

    write_file(path, buf, len);
    return path;
}

static void test_bin_errors(void **state)
{
    unsigned char buf[512];
    const char *path;
    size_t len;

    (void)state;
    /* bad magic: another version, and a file shorter than the magic */
    path = bin_file("magic.bin", (const unsigned char *)"IOMTRC2\n", 8);
    expect_read_error(path, TRACE_FMT_BIN, 0, -EINVAL, "",
                      "bad magic (expected \"IOMTRC1\\n\" at the start of a bin trace)");
    path = bin_file("short.bin", (const unsigned char *)"IOM", 3);
    expect_read_error(path, TRACE_FMT_BIN, 0, -EINVAL, "",
                      "bad magic (expected \"IOMTRC1\\n\" at the start of a bin trace)");
    /* a text trace read as bin */
    expect_read_error(DATA "basic.trc", TRACE_FMT_BIN, 0, -EINVAL, "",
                      "bad magic (expected \"IOMTRC1\\n\" at the start of a bin trace)");

    /* the magic alone is an empty trace */
    memcpy(buf, "IOMTRC1\n", 8);
    path = bin_file("empty.bin", buf, 8);
    struct trace_reader *r = open_ok(path, TRACE_FMT_BIN, NULL, NULL);
    struct trace_rec rec;
    assert_int_equal(trace_next(r, &rec), 0);
    assert_int_equal(trace_next(r, &rec), 0);
    assert_string_equal(trace_error(r), "");
    trace_close(r);

    /* record 2 is cut after 10 of its 24 bytes */
    len = 8;
    put_rec(buf, &len, ACC(TRACE_RAW, 0x1000, 64), NULL);
    put_rec(buf, &len, ACC(TRACE_RAW, 0x2000, 64), NULL);
    path = bin_file("trunc.bin", buf, len - 14);
    expect_read_error(path, TRACE_FMT_BIN, 1, -EINVAL, ": record 2",
                      "truncated record (10 of 24 bytes)");

    /* a DEFINE whose 8-byte padded name has only 3 bytes */
    len = 8;
    put_rec(buf, &len, DEF(0, 5), "frame");
    path = bin_file("truncname.bin", buf, len - 5);
    expect_read_error(path, TRACE_FMT_BIN, 0, -EINVAL, ": record 1",
                      "truncated name in the definition of buffer 0 (3 of 8 bytes)");

    /* records count from 1 and include DEFINE records */
    len = 8;
    put_rec(buf, &len, DEF(0, 3), "fb0");
    put_rec(buf, &len, ACC(0, 0, 64), NULL);
    put_rec(buf, &len, ACC(2, 0, 64), NULL);
    path = bin_file("undef.bin", buf, len);
    expect_read_error(path, TRACE_FMT_BIN, 1, -EINVAL, ": record 3",
                      "buffer 2 used before its definition (expected a DEFINE record for it "
                      "earlier)");

    len = 8;
    put_rec(buf, &len, DEF(0, 3), "fb0");
    put_rec(buf, &len, DEF(0, 3), "fb1");
    path = bin_file("twice.bin", buf, len);
    expect_read_error(path, TRACE_FMT_BIN, 0, -EINVAL, ": record 2", "buffer 0 defined twice");

    len = 8;
    put_rec(buf, &len, ((struct bin_rec){ .bytes = 4, .buffer = TRACE_RAW, .op = 7 }), NULL);
    path = bin_file("op.bin", buf, len);
    expect_read_error(path, TRACE_FMT_BIN, 0, -EINVAL, ": record 1",
                      "unknown op 7 (expected 0 read, 1 write, 2 frame, 3 line or 255 define)");

    len = 8;
    put_rec(buf, &len, ACC(TRACE_RAW, 0, 0), NULL);
    path = bin_file("bytes0.bin", buf, len);
    expect_read_error(path, TRACE_FMT_BIN, 0, -ERANGE, ": record 1",
                      "bytes 0 out of range (expected 1..16777216)");

    len = 8;
    put_rec(buf, &len, ACC(TRACE_RAW, 0, TRACE_MAX_BYTES + 1), NULL);
    path = bin_file("bytesmax.bin", buf, len);
    expect_read_error(path, TRACE_FMT_BIN, 0, -ERANGE, ": record 1",
                      "bytes 16777217 out of range (expected 1..16777216)");

    len = 8;
    put_rec(buf, &len, ACC(TRACE_RAW, 0xfffffffffffffffdull, 4), NULL);
    path = bin_file("iova.bin", buf, len);
    expect_read_error(path, TRACE_FMT_BIN, 0, -ERANGE, ": record 1",
                      "access at 0xfffffffffffffffd of 4 bytes passes the end of the 64-bit "
                      "address space");

    len = 8;
    put_rec(buf, &len, DEF(0, 3), "fb0");
    put_rec(buf, &len, ACC(0, 0xffffffffffffffffull, 2), NULL);
    path = bin_file("offset.bin", buf, len);
    expect_read_error(path, TRACE_FMT_BIN, 0, -ERANGE, ": record 2",
                      "access at offset 0xffffffffffffffff of 2 bytes passes the end of the "
                      "64-bit address space");

    len = 8;
    put_rec(buf, &len, ((struct bin_rec){ .time = 5, .bytes = 4, .buffer = TRACE_RAW,
                                          .op = TRACE_OP_FRAME }), NULL);
    path = bin_file("marker.bin", buf, len);
    expect_read_error(path, TRACE_FMT_BIN, 0, -EINVAL, ": record 1",
                      "frame marker with addr 0x0, bytes 4, buffer 65535 "
                      "(expected addr 0, bytes 0, buffer 65535)");

    len = 8;
    put_rec(buf, &len, DEF(TRACE_RAW, 3), "fb0");
    path = bin_file("defraw.bin", buf, len);
    expect_read_error(path, TRACE_FMT_BIN, 0, -EINVAL, ": record 1",
                      "definition of buffer 0xffff, the raw-IOVA index (expected 0..65534)");

    len = 8;
    put_rec(buf, &len, DEF(1, 64), "n234567890123456789012345678901234567890123456789012345678901234");
    path = bin_file("deflong.bin", buf, len);
    expect_read_error(path, TRACE_FMT_BIN, 0, -EINVAL, ": record 1",
                      "name length 64 in the definition of buffer 1 out of range "
                      "(expected 1..63)");

    len = 8;
    put_rec(buf, &len, DEF(1, 3), "9ab");
    path = bin_file("defname.bin", buf, len);
    expect_read_error(path, TRACE_FMT_BIN, 0, -EINVAL, ": record 1",
                      "bad buffer name in the definition of buffer 1 "
                      "(expected [A-Za-z_][A-Za-z0-9_.-]*, 1..63 characters)");
}

/* ---------------------------------------------------------------- resolvers */

struct resolver {
    const char *names[4];
    int index[4];
    unsigned calls[4];
    unsigned other_calls;
};

static int resolve(void *arg, const char *name)
{
    struct resolver *res = arg;
    unsigned i;

    for (i = 0; i < 4 && res->names[i]; i++) {
        if (!strcmp(name, res->names[i])) {
            res->calls[i]++;
            return res->index[i];
        }
    }
    res->other_calls++;
    return -1;
}

static void test_resolver_text(void **state)
{
    static const char text[] =
        "0 R a 1\n1 R b 2\n2 R a+4 3\n3 W c 4\n4 W b 5\n5 R bad 6\n";
    struct resolver res = { .names = { "a", "b", "c", "big" }, .index = { 7, 3, 100, 65535 } };
    struct trace_reader *r;
    struct trace_rec rec;
    char want[TRACE_ERR_MAX];

    (void)state;
    write_file(tmp_path("res.trc"), text, strlen(text));
    r = open_ok(tmp_path("res.trc"), TRACE_FMT_TEXT, resolve, &res);
    next_rec(r, 0, TRACE_OP_READ, 7, 0, 1);
    next_rec(r, 1000, TRACE_OP_READ, 3, 0, 2);
    next_rec(r, 2000, TRACE_OP_READ, 7, 4, 3);
    next_rec(r, 3000, TRACE_OP_WRITE, 100, 0, 4);
    next_rec(r, 4000, TRACE_OP_WRITE, 3, 0, 5);
    /* once per distinct name, however often it is used */
    assert_int_equal(res.calls[0], 1);
    assert_int_equal(res.calls[1], 1);
    assert_int_equal(res.calls[2], 1);
    assert_string_equal(trace_buffer_name(r, 7), "a");
    assert_string_equal(trace_buffer_name(r, 3), "b");
    assert_string_equal(trace_buffer_name(r, 100), "c");
    assert_null(trace_buffer_name(r, 0));
    /* an unknown name stops the reader at its line */
    assert_int_equal(trace_next(r, &rec), -ENOENT);
    snprintf(want, sizeof(want), "%s:6: error: unknown buffer 'bad'", tmp_path("res.trc"));
    assert_string_equal(trace_error(r), want);
    assert_int_equal(res.other_calls, 1);
    trace_close(r);

    /* an index the reader cannot return */
    write_file(tmp_path("big.trc"), "0 R a 1\n0 R big 1\n", 18);
    r = open_ok(tmp_path("big.trc"), TRACE_FMT_TEXT, resolve, &res);
    next_rec(r, 0, TRACE_OP_READ, 7, 0, 1);
    assert_int_equal(trace_next(r, &rec), -ERANGE);
    snprintf(want, sizeof(want), "%s:2: error: the resolver gave buffer 'big' index 65535 "
             "(expected 0..65534)", tmp_path("big.trc"));
    assert_string_equal(trace_error(r), want);
    trace_close(r);
}

static void test_resolver_bin(void **state)
{
    struct resolver res = { .names = { "a", "b" }, .index = { 7, 3 } };
    unsigned char buf[512];
    struct trace_reader *r;
    struct trace_rec rec;
    const char *path;
    char want[TRACE_ERR_MAX];
    size_t len = 8;

    (void)state;
    memcpy(buf, "IOMTRC1\n", 8);
    put_rec(buf, &len, DEF(0, 1), "b");
    put_rec(buf, &len, DEF(5, 1), "a");
    put_rec(buf, &len, DEF(9, 1), "b");          /* a second file index for "b" */
    put_rec(buf, &len, ACC(5, 0x10, 64), NULL);
    put_rec(buf, &len, ACC(0, 0x20, 64), NULL);
    put_rec(buf, &len, ACC(9, 0x30, 64), NULL);
    put_rec(buf, &len, ACC(TRACE_RAW, 0x40, 64), NULL);
    put_rec(buf, &len, DEF(1, 4), "nope");
    path = bin_file("res.bin", buf, len);

    r = open_ok(path, TRACE_FMT_BIN, resolve, &res);
    /* file index 5 -> "a" -> 7; 0 and 9 -> "b" -> 3 */
    next_rec(r, 7, TRACE_OP_READ, 7, 0x10, 64);
    next_rec(r, 7, TRACE_OP_READ, 3, 0x20, 64);
    next_rec(r, 7, TRACE_OP_READ, 3, 0x30, 64);
    next_rec(r, 7, TRACE_OP_READ, TRACE_RAW, 0x40, 64);
    assert_int_equal(res.calls[0], 1);
    assert_int_equal(res.calls[1], 1);
    assert_string_equal(trace_buffer_name(r, 7), "a");
    assert_string_equal(trace_buffer_name(r, 3), "b");
    assert_null(trace_buffer_name(r, 5));
    /* record 8: 3 definitions, 4 accesses, then the unknown name */
    assert_int_equal(trace_next(r, &rec), -ENOENT);
    snprintf(want, sizeof(want), "%s: record 8: error: unknown buffer 'nope'", path);
    assert_string_equal(trace_error(r), want);
    trace_close(r);
}

static void test_too_many_buffers(void **state)
{
    const char *path = tmp_path("many.trc");
    struct trace_rec rec[1024];
    FILE *f = fopen(path, "w");
    char want[TRACE_ERR_MAX];
    struct trace_reader *r;
    unsigned i;
    long n, total = 0;

    (void)state;
    assert_non_null(f);
    /* 65536 distinct names: one more than the indices 0..65534 */
    for (i = 0; i <= TRACE_MAX_BUFFERS; i++)
        fprintf(f, "%u R b%u 1\n", i, i);
    assert_int_equal(fclose(f), 0);
    r = open_ok(path, TRACE_FMT_TEXT, NULL, NULL);
    while ((n = trace_next_batch(r, rec, 1024)) > 0) {
        assert_int_equal(rec[n - 1].buffer, total + n - 1);     /* numbered by first use */
        total += n;
    }
    assert_int_equal(n, -ENOSPC);
    assert_int_equal(total, TRACE_MAX_BUFFERS);
    snprintf(want, sizeof(want), "%s:65536: error: too many buffers at 'b65535' (at most 65535)",
             path);
    assert_string_equal(trace_error(r), want);
    assert_string_equal(trace_buffer_name(r, 65534), "b65534");
    trace_close(r);
}

/* ---------------------------------------------------- the input buffer's edge */

/* Line i of the generated din file: label i % 3, address i * GOLDEN mod 2^32. */
static int din_line(char *s, size_t n, uint32_t i)
{
    uint32_t a = i * GOLDEN;

    switch (i % 4) {
    case 0: return snprintf(s, n, "%u %x\n", i % 3, a);
    case 1: return snprintf(s, n, "%u 0x%08x\n", i % 3, a);
    case 2: return snprintf(s, n, "%u %X 4\n", i % 3, a);
    default: return snprintf(s, n, "  %u\t0X%x\n", i % 3, a);
    }
}

static void test_din_buffer_boundary(void **state)
{
    const char *path = tmp_path("big.din");
    struct trace_rec recs[1000];
    FILE *f = fopen(path, "w");
    uint32_t i, lines = 0, got = 0;
    bool split[3] = { false };
    size_t off = 0;
    char line[64];
    long n;
    int len;

    (void)state;
    assert_non_null(f);
    /* 3 MiB of lines of 6 to 14 bytes; note which buffer edges fall inside a line */
    while (off < 3 * READ_BUF) {
        len = din_line(line, sizeof(line), lines++);
        for (i = 1; i <= 3; i++)
            if (off < i * READ_BUF && off + (size_t)len > i * READ_BUF)
                split[i - 1] = true;
        fputs(line, f);
        off += (size_t)len;
    }
    assert_int_equal(fclose(f), 0);
    assert_true(split[0] || split[1]);      /* the test is only worth it if a line straddles */

    /* single records near the start, then uneven batches across the edges */
    struct trace_reader *r = open_ok(path, TRACE_FMT_DIN, NULL, NULL);
    for (got = 0; got < 5; got++)
        next_rec(r, 0, got % 3 == 1 ? TRACE_OP_WRITE : TRACE_OP_READ, TRACE_RAW,
                 (uint32_t)(got * GOLDEN), 64);
    while ((n = trace_next_batch(r, recs, 1 + got % 997)) > 0) {
        for (i = 0; i < (uint32_t)n; i++, got++) {
            if (recs[i].addr != (uint32_t)(got * GOLDEN) ||
                recs[i].op != (got % 3 == 1 ? TRACE_OP_WRITE : TRACE_OP_READ))
                fail_msg("record %u: addr 0x%llx op %u", got,
                         (unsigned long long)recs[i].addr, recs[i].op);
        }
    }
    assert_int_equal(n, 0);
    assert_int_equal(got, lines);
    assert_int_equal(trace_records_read(r), lines);
    trace_close(r);
}

static void test_text_bin_buffer_boundary(void **state)
{
    static const char *const names[] = { "luma", "chroma", "bitstream.0" };
    const char *tpath = tmp_path("big.trc"), *bpath = tmp_path("big.bin");
    char err[TRACE_ERR_MAX] = "";
    struct trace_writer *w;
    struct trace_reader *r;
    struct trace_rec recs[300];
    FILE *f = fopen(tpath, "w");
    uint32_t i, nrec = 150000, got;
    long n;

    (void)state;
    assert_non_null(f);
    /* ~25 bytes a line: 3.7 MiB of text; every 10th line a marker */
    for (i = 0; i < nrec; i++) {
        if (i % 10 == 9)
            fprintf(f, "%u.%03u L\n", i, i % 1000);
        else
            fprintf(f, "%u.%03u %c %s+0x%x %u\n", i, i % 1000, i & 1 ? 'W' : 'R', names[i % 3],
                    (i * GOLDEN) >> 8, 1 + i % 4096);
    }
    assert_int_equal(fclose(f), 0);

    /* text -> bin: 150000 * 24 bytes = 3.4 MiB, defines included */
    r = open_ok(tpath, TRACE_FMT_TEXT, NULL, NULL);
    w = trace_create(bpath, TRACE_FMT_BIN, err, sizeof(err));
    assert_non_null(w);
    copy_trace(r, w);
    assert_int_equal(trace_records_read(r), nrec);
    trace_close(r);
    assert_int_equal(trace_finish(w, err, sizeof(err)), 0);

    for (int fmt = 0; fmt < 2; fmt++) {
        r = open_ok(fmt ? bpath : tpath, fmt ? TRACE_FMT_BIN : TRACE_FMT_TEXT, NULL, NULL);
        got = 0;
        while ((n = trace_next_batch(r, recs, 1 + got % 293)) > 0) {
            for (int k = 0; k < n; k++, got++) {
                uint64_t t = (uint64_t)got * 1000 + got % 1000;
                if (got % 10 == 9) {
                    assert_rec(&recs[k], t, TRACE_OP_LINE, TRACE_RAW, 0, 0);
                    continue;
                }
                /* names are numbered by first use: luma 0, chroma 1, bitstream.0 2 */
                assert_rec(&recs[k], t, got & 1 ? TRACE_OP_WRITE : TRACE_OP_READ, got % 3,
                           (got * GOLDEN) >> 8, 1 + got % 4096);
            }
        }
        assert_int_equal(n, 0);
        assert_int_equal(got, nrec);
        assert_string_equal(trace_buffer_name(r, 2), "bitstream.0");
        trace_close(r);
    }
}

/*
 * A DEFINE whose 24-byte header ends exactly at the end of the reader's first
 * buffer, so its name arrives with the next read. The magic (8 bytes), a DEFINE
 * of a 5-character name (24 + 8) and 43688 records (24 each) take 1048552 bytes;
 * the next header ends at 1048576.
 */
static void test_bin_define_boundary(void **state)
{
    const char *path = tmp_path("define.bin");
    struct trace_writer *w = create_ok(path, TRACE_FMT_BIN);
    struct trace_rec rec, recs[512];
    uint32_t i, before = 43688, after = 1000, got = 0;
    long n;

    (void)state;
    assert_int_equal(8 + 32 + 24 * before + 24, READ_BUF);
    assert_int_equal(trace_define_buffer(w, 1, "first"), 0);
    for (i = 0; i < before + after; i++) {
        if (i == before)
            assert_int_equal(trace_define_buffer(w, 0, "straddle"), 0);
        rec = (struct trace_rec){ .time = i, .addr = (uint32_t)(i * GOLDEN), .bytes = 64,
                                  .buffer = i < before ? 1 : 0, .op = TRACE_OP_WRITE };
        assert_int_equal(trace_write(w, &rec), 0);
    }
    assert_int_equal(trace_finish(w, NULL, 0), 0);

    struct trace_reader *r = open_ok(path, TRACE_FMT_BIN, NULL, NULL);
    while ((n = trace_next_batch(r, recs, 512)) > 0)
        for (long k = 0; k < n; k++, got++)
            assert_rec(&recs[k], got, TRACE_OP_WRITE, got < before ? 1 : 0,
                       (uint32_t)(got * GOLDEN), 64);
    assert_int_equal(n, 0);
    assert_int_equal(got, before + after);
    assert_string_equal(trace_buffer_name(r, 0), "straddle");
    assert_string_equal(trace_buffer_name(r, 1), "first");
    trace_close(r);
}

static void test_line_too_long(void **state)
{
    const char *path = tmp_path("long.trc");
    char *text = malloc(READ_BUF + 16);
    size_t len;
    char want[TRACE_ERR_MAX];

    (void)state;
    assert_non_null(text);
    /* a comment of exactly READ_BUF characters on line 2; READ_BUF - 1 is the limit */
    strcpy(text, "0 F\n#");
    len = strlen(text);
    memset(text + len, 'c', READ_BUF - 1);
    len += READ_BUF - 1;
    memcpy(text + len, "\n1 F\n", 5);
    write_file(path, text, len + 5);
    snprintf(want, sizeof(want), "line longer than %u characters", READ_BUF - 1);
    expect_read_error(path, TRACE_FMT_TEXT, 1, -EINVAL, ":2", want);

    /* one character shorter fits */
    memcpy(text + len - 1, "\n1 F\n", 5);
    write_file(path, text, len + 4);
    struct trace_reader *r = open_ok(path, TRACE_FMT_TEXT, NULL, NULL);
    next_rec(r, 0, TRACE_OP_FRAME, TRACE_RAW, 0, 0);
    next_rec(r, 1000, TRACE_OP_FRAME, TRACE_RAW, 0, 0);
    trace_close(r);
    free(text);
}

/* --------------------------------------------------------- stdin and stdout */

static void test_stdio(void **state)
{
    static const char expected[] =
        "# iommusim trace v1: time_ns op target bytes\n0.25 W 0xabc 8\n";
    struct trace_rec rec = { .time = 250, .addr = 0xabc, .bytes = 8, .buffer = TRACE_RAW,
                             .op = TRACE_OP_WRITE };
    char err[TRACE_ERR_MAX] = "";
    struct trace_writer *w;
    struct trace_reader *r;
    int saved, fd;
    size_t len;
    char *out;

    (void)state;
    /* "-" reads standard input; messages call it <stdin> */
    saved = dup(STDIN_FILENO);
    fd = open(DATA "labels.din", O_RDONLY);
    assert_true(saved >= 0 && fd >= 0);
    assert_int_equal(dup2(fd, STDIN_FILENO), STDIN_FILENO);
    close(fd);
    r = open_ok("-", TRACE_FMT_DIN, NULL, NULL);
    next_rec(r, 0, TRACE_OP_READ, TRACE_RAW, 0x1000, 64);
    trace_close(r);
    assert_int_equal(dup2(saved, STDIN_FILENO), STDIN_FILENO);
    close(saved);

    fd = open(DATA "labels.din", O_RDONLY);
    saved = dup(STDIN_FILENO);
    assert_int_equal(dup2(fd, STDIN_FILENO), STDIN_FILENO);
    close(fd);
    r = open_ok("-", TRACE_FMT_TEXT, NULL, NULL);
    assert_int_equal(trace_next(r, &rec), -EINVAL);
    assert_string_equal(trace_error(r), "<stdin>:1: error: unknown op '1000' "
                        "(expected R, W, F or L)");
    trace_close(r);
    assert_int_equal(dup2(saved, STDIN_FILENO), STDIN_FILENO);
    close(saved);

    /* "-" writes standard output */
    fflush(stdout);
    saved = dup(STDOUT_FILENO);
    fd = open(tmp_path("stdout.trc"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(saved >= 0 && fd >= 0);
    assert_int_equal(dup2(fd, STDOUT_FILENO), STDOUT_FILENO);
    close(fd);
    w = trace_create("-", TRACE_FMT_TEXT, err, sizeof(err));
    rec = (struct trace_rec){ .time = 250, .addr = 0xabc, .bytes = 8, .buffer = TRACE_RAW,
                              .op = TRACE_OP_WRITE };
    int rc_write = w ? trace_write(w, &rec) : -1;
    int rc_finish = w ? trace_finish(w, err, sizeof(err)) : -1;
    assert_int_equal(dup2(saved, STDOUT_FILENO), STDOUT_FILENO);
    close(saved);
    assert_int_equal(rc_write, 0);
    assert_int_equal(rc_finish, 0);
    out = slurp(tmp_path("stdout.trc"), &len);
    assert_non_null(out);
    assert_string_equal(out, expected);
    free(out);
}

/* -------------------------------------------------------------- open/create */

static void test_open_errors(void **state)
{
    struct trace_reader_opts opts = { .format = TRACE_FMT_TEXT };
    char err[TRACE_ERR_MAX] = "";
    struct trace_rec rec;
    struct trace_reader *r;

    (void)state;
    assert_null(trace_open(DATA "missing.trc", &opts, err, sizeof(err)));
    assert_string_equal(err, DATA "missing.trc: error: cannot open: No such file or directory");
    assert_null(trace_create(DATA "no/such/dir.trc", TRACE_FMT_TEXT, err, sizeof(err)));
    assert_string_equal(err, DATA "no/such/dir.trc: error: cannot create: No such file or "
                        "directory");
    assert_null(trace_create(tmp_path("x.din"), (enum trace_format)7, err, sizeof(err)));
    assert_true(strstr(err, ": error: unknown trace format 7 (expected text, bin, din or cbin)"));

    /* a directory opens but cannot be read */
    r = open_ok(DATA, TRACE_FMT_TEXT, NULL, NULL);
    assert_int_equal(trace_next(r, &rec), -EISDIR);
    assert_string_equal(trace_error(r), DATA ": error: read failed: Is a directory");
    trace_close(r);

    /* NULL options: the format comes from the name */
    r = trace_open(DATA "labels.din", NULL, err, sizeof(err));
    assert_non_null(r);
    next_rec(r, 0, TRACE_OP_READ, TRACE_RAW, 0x1000, 64);
    trace_close(r);
}

/* ------------------------------------------------------------ writer errors */

/* The writer stops at its first error; trace_finish reports it. */
static void expect_finish_error(struct trace_writer *w, int code, const char *path,
                                const char *msg)
{
    char err[TRACE_ERR_MAX] = "", want[TRACE_ERR_MAX];
    struct trace_rec ok = { .time = 1, .addr = 0, .bytes = 1, .buffer = TRACE_RAW };

    assert_int_equal(trace_write(w, &ok), code);        /* sticky */
    assert_int_equal(trace_finish(w, err, sizeof(err)), code);
    snprintf(want, sizeof(want), "%s: error: %s", path, msg);
    assert_string_equal(err, want);
}

static void test_writer_errors(void **state)
{
    const char *path = tmp_path("werr.trc");
    struct trace_writer *w;
    struct trace_rec rec;

    (void)state;
    w = create_ok(path, TRACE_FMT_TEXT);
    assert_int_equal(trace_define_buffer(w, TRACE_RAW, "x"), -EINVAL);
    expect_finish_error(w, -EINVAL, path, "buffer index 65535 out of range (expected 0..65534)");

    w = create_ok(path, TRACE_FMT_BIN);
    assert_int_equal(trace_define_buffer(w, 2, "2x"), -EINVAL);
    expect_finish_error(w, -EINVAL, path, "bad name for buffer 2 (expected "
                        "[A-Za-z_][A-Za-z0-9_.-]*, 1..63 characters)");

    w = create_ok(path, TRACE_FMT_TEXT);
    assert_int_equal(trace_define_buffer(w, 2, "src"), 0);
    assert_int_equal(trace_define_buffer(w, 2, "dst"), -EEXIST);
    expect_finish_error(w, -EEXIST, path, "buffer 2 defined twice (first as 'src', then as 'dst')");

    w = create_ok(path, TRACE_FMT_TEXT);
    assert_int_equal(trace_define_buffer(w, 0, "src"), 0);
    rec = (struct trace_rec){ .time = 1, .addr = 0, .bytes = 4, .buffer = 1 };
    assert_int_equal(trace_write(w, &rec), -EINVAL);
    expect_finish_error(w, -EINVAL, path, "record 1: buffer 1 used before its definition");

    w = create_ok(path, TRACE_FMT_BIN);
    rec = (struct trace_rec){ .time = 1, .bytes = 4, .buffer = TRACE_RAW };
    assert_int_equal(trace_write(w, &rec), 0);
    rec.bytes = 0;
    assert_int_equal(trace_write(w, &rec), -ERANGE);
    expect_finish_error(w, -ERANGE, path, "record 2: bytes 0 out of range (expected 1..16777216)");

    w = create_ok(path, TRACE_FMT_TEXT);
    rec = (struct trace_rec){ .time = 1, .addr = 0xfffffffffffffffdull, .bytes = 4,
                              .buffer = TRACE_RAW };
    assert_int_equal(trace_write(w, &rec), -ERANGE);
    expect_finish_error(w, -ERANGE, path, "record 1: access at 0xfffffffffffffffd of 4 bytes "
                        "passes the end of the 64-bit address space");

    w = create_ok(path, TRACE_FMT_TEXT);
    rec = (struct trace_rec){ .time = 1, .bytes = 4, .op = TRACE_OP_LINE };
    assert_int_equal(trace_write(w, &rec), -EINVAL);
    expect_finish_error(w, -EINVAL, path, "record 1: marker with bytes 4 (expected 0)");

    w = create_ok(path, TRACE_FMT_TEXT);
    rec = (struct trace_rec){ .time = 1, .bytes = 4, .op = TRACE_OP_DEFINE };
    assert_int_equal(trace_write(w, &rec), -EINVAL);
    expect_finish_error(w, -EINVAL, path,
                        "record 1: unknown op 255 (expected read, write, frame or line)");
}

/* A full disk shows up when the buffered records are written out. */
static void test_writer_disk_full(void **state)
{
    struct trace_rec rec = { .time = 1, .bytes = 4, .buffer = TRACE_RAW };
    char err[TRACE_ERR_MAX] = "";
    struct trace_writer *w;

    (void)state;
    if (access("/dev/full", W_OK) != 0)
        skip();
    w = trace_create("/dev/full", TRACE_FMT_BIN, err, sizeof(err));
    assert_non_null(w);
    assert_int_equal(trace_write(w, &rec), 0);
    assert_int_equal(trace_finish(w, err, sizeof(err)), -ENOSPC);
    assert_string_equal(err, "/dev/full: error: write failed: No space left on device");
}

/* ------------------------------------------------------- committed examples */

static void test_examples(void **state)
{
    struct trace_reader *r;
    struct trace_rec recs[256];
    long n;

    (void)state;
    /* counted by hand: the records of traces/example.trc and traces/example.din */
    r = open_ok("traces/example.trc", TRACE_FMT_TEXT, NULL, NULL);
    n = trace_next_batch(r, recs, 256);
    assert_int_equal(n, 28);
    assert_int_equal(trace_next_batch(r, recs, 256), 0);
    trace_close(r);
    r = open_ok("traces/example.din", TRACE_FMT_DIN, NULL, NULL);
    n = trace_next_batch(r, recs, 256);
    assert_int_equal(n, 32);
    assert_int_equal(trace_next_batch(r, recs, 256), 0);
    trace_close(r);
}

/*
 * The din writer: "LABEL HEXADDR" lines as Dinero IV reads them (0 read, 1 write, the
 * address in lower-case hex without 0x), markers and times dropped, no header; a
 * record naming a buffer is an error, because din carries raw IOVAs only. Read
 * back, the accesses return with din_bytes bytes at time 0.
 */
static void test_din_writer(void **state)
{
    const char *path = tmp_path("w.din");
    char err[TRACE_ERR_MAX], *text;
    struct trace_writer *w = trace_create(path, TRACE_FMT_DIN, err, sizeof(err));
    struct trace_rec rec;
    struct trace_reader *r;

    (void)state;
    assert_non_null(w);
    rec = (struct trace_rec){ .time = 5, .op = TRACE_OP_FRAME, .buffer = TRACE_RAW };
    assert_int_equal(trace_write(w, &rec), 0);
    rec = (struct trace_rec){ .time = 7000, .op = TRACE_OP_READ, .addr = 0x10000000,
                              .bytes = 256, .buffer = TRACE_RAW };
    assert_int_equal(trace_write(w, &rec), 0);
    rec = (struct trace_rec){ .time = 8000, .op = TRACE_OP_WRITE, .addr = 0xffffffffffffffc0ull,
                              .bytes = 64, .buffer = TRACE_RAW };
    assert_int_equal(trace_write(w, &rec), 0);
    rec = (struct trace_rec){ .time = 9000, .op = TRACE_OP_LINE, .buffer = TRACE_RAW };
    assert_int_equal(trace_write(w, &rec), 0);
    assert_int_equal(trace_finish(w, err, sizeof(err)), 0);
    text = slurp(path, NULL);
    assert_string_equal(text, "0 10000000\n1 ffffffffffffffc0\n");
    free(text);
    r = open_ok(path, TRACE_FMT_DIN, NULL, NULL);
    next_rec(r, 0, TRACE_OP_READ, TRACE_RAW, 0x10000000, 64);
    next_rec(r, 0, TRACE_OP_WRITE, TRACE_RAW, 0xffffffffffffffc0ull, 64);
    assert_int_equal(trace_next(r, &rec), 0);
    trace_close(r);

    w = trace_create(path, TRACE_FMT_DIN, err, sizeof(err));
    assert_non_null(w);
    assert_int_equal(trace_define_buffer(w, 0, "fb0"), 0);
    rec = (struct trace_rec){ .op = TRACE_OP_READ, .addr = 0x40, .bytes = 64, .buffer = 0 };
    assert_int_equal(trace_write(w, &rec), -EINVAL);
    expect_finish_error(w, -EINVAL, path, "record 1: an access to buffer fb0: din carries raw "
                        "IOVAs only (give the buffer a base IOVA, e.g. iommusim convert --base "
                        "fb0=ADDR)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_names),
        cmocka_unit_test(test_text_fixture),
        cmocka_unit_test(test_past_end),
        cmocka_unit_test(test_text_limits),
        cmocka_unit_test(test_text_errors),
        cmocka_unit_test(test_din_fixture),
        cmocka_unit_test(test_din_errors),
        cmocka_unit_test(test_text_round_trip),
        cmocka_unit_test(test_bin_round_trip),
        cmocka_unit_test(test_bin_layout),
        cmocka_unit_test(test_bin_errors),
        cmocka_unit_test(test_resolver_text),
        cmocka_unit_test(test_resolver_bin),
        cmocka_unit_test(test_too_many_buffers),
        cmocka_unit_test(test_din_buffer_boundary),
        cmocka_unit_test(test_text_bin_buffer_boundary),
        cmocka_unit_test(test_bin_define_boundary),
        cmocka_unit_test(test_line_too_long),
        cmocka_unit_test(test_stdio),
        cmocka_unit_test(test_open_errors),
        cmocka_unit_test(test_writer_errors),
        cmocka_unit_test(test_din_writer),
        cmocka_unit_test(test_writer_disk_full),
        cmocka_unit_test(test_examples),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
