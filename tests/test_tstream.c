/*
 * test_tstream.c - compressed traces (sim/trace/tstream.c under sim/trace/trace.c).
 *
 * One trace in each format (text, bin, din; small hand-written ones and a generated
 * one several MiB long, so that reads cross both the decoder's 64 KiB input buffer
 * and the reader's 1 MiB buffer) is compressed with gzip, xz and zstd. The checks:
 *   - the compressed files start with each format's magic (RFC 1952: 1f 8b; the
 *     .xz file format: fd 37 7a 58 5a 00; RFC 8878: 28 b5 2f fd) and decode, with
 *     each library's own one-shot decoder, to exactly the plain bytes;
 *   - every reader gives the same records, buffer names and end from the plain and
 *     each compressed copy, the file name saying nothing (the magic decides);
 *   - the writers compress by the output's extension, to the same bytes as plain;
 *   - several gzip members, xz streams or zstd frames one after another read as one;
 *   - a truncated copy stops with "truncated CODEC data" after the records it held,
 *     a damaged one with "corrupt CODEC data (...)", never as a shorter trace;
 *   - a plain bin or cbin file, mapped whole, reads as the same bytes through a pipe
 *     (read a buffer at a time) do, whole or cut inside its last record;
 *   - reading streams: `iommusim tlb` on a compressed din trace of 4N lines peaks at
 *     the memory it needs for N lines (within 2 MiB), although the 4N lines are about
 *     9 MiB more than the N once decompressed. A decoder's memory is its window: 32 KiB
 *     for gzip, 2 MiB for zstd at level 3 (window log 21), both filled by the N lines
 *     already; xz's default dictionary is 8 MiB, more than this test can fill in a
 *     reasonable time, so xz is left out of this one check.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <lzma.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <cmocka.h>

#include "sim/trace/trace.h"
#include "sim/trace/tracegen.h"
#include "sim/trace/tstream.h"
#include "tests/lib/file.h"
#include "tests/lib/proc.h"
#include "tests/lib/trace.h"

#define NCODECS 3
static const enum tstream_codec codecs[NCODECS] = { TSTREAM_GZIP, TSTREAM_XZ, TSTREAM_ZSTD };
static const char *const suffix[NCODECS] = { ".gz", ".xz", ".zst" };

/* ------------------------------------------------------------------ helpers */

static void put_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");

    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

/* data compressed with codec into path, through the writer's stream; chunked writes. */
static void compress_to(const char *path, enum tstream_codec codec, const void *data,
                        size_t len)
{
    char err[256];
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0666);
    struct tstream_out *s;
    size_t off, n;

    assert_true(fd >= 0);
    s = tstream_out_fd(fd, 1, codec, err, sizeof(err));
    assert_non_null(s);
    for (off = 0; off < len; off += n) {
        n = len - off < 70001 ? len - off : 70001;
        assert_int_equal(tstream_write(s, (const char *)data + off, n, err, sizeof(err)), 0);
    }
    assert_int_equal(tstream_out_finish(s, 1, err, sizeof(err)), 0);
}

/* The library's own one-shot decoding of a whole compressed file (not tstream's). */
static char *decode_whole(enum tstream_codec codec, const unsigned char *in, size_t len,
                          size_t cap, size_t *out_len)
{
    char *out = malloc(cap);
    size_t in_pos = 0, out_pos = 0;

    assert_non_null(out);
    if (codec == TSTREAM_GZIP) {
        z_stream z = { 0 };

        assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK);
        z.next_in = (Bytef *)(uintptr_t)in;
        z.avail_in = (uInt)len;
        z.next_out = (Bytef *)out;
        z.avail_out = (uInt)cap;
        assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
        *out_len = z.total_out;
        inflateEnd(&z);
    } else if (codec == TSTREAM_XZ) {
        uint64_t limit = UINT64_MAX;

        assert_int_equal(lzma_stream_buffer_decode(&limit, 0, NULL, in, &in_pos, len,
                                                   (uint8_t *)out, &out_pos, cap), LZMA_OK);
        *out_len = out_pos;
    } else {
        size_t n = ZSTD_decompress(out, cap, in, len);

        assert_false(ZSTD_isError(n));
        *out_len = n;
    }
    return out;
}

struct all {
    struct trace_rec *rec;
    size_t n, cap;
    long end;               /* the final return: 0 or a negative errno */
    char err[TRACE_ERR_MAX];
    char names[8][TRACE_MAX_NAME + 1];
};

/* Every record of a file, its end and the names of buffers 0..7. */
static void read_all(const char *path, enum trace_format fmt, struct all *a)
{
    struct trace_reader_opts o = { .format = fmt };
    struct trace_rec batch[1000];
    char err[TRACE_ERR_MAX];
    struct trace_reader *r = trace_open(path, &o, err, sizeof(err));
    long k;

    assert_non_null(r);
    memset(a, 0, sizeof(*a));
    while ((k = trace_next_batch(r, batch, 1 + a->n % 997)) > 0) {
        if (a->n + (size_t)k > a->cap) {
            a->cap = (a->n + (size_t)k) * 2;
            a->rec = realloc(a->rec, a->cap * sizeof(*a->rec));
            assert_non_null(a->rec);
        }
        memcpy(a->rec + a->n, batch, (size_t)k * sizeof(*batch));
        a->n += (size_t)k;
    }
    a->end = k;
    snprintf(a->err, sizeof(a->err), "%s", k < 0 ? trace_error(r) : "");
    for (unsigned i = 0; i < 8; i++)
        snprintf(a->names[i], sizeof(a->names[i]), "%s",
                 trace_buffer_name(r, i) ? trace_buffer_name(r, i) : "");
    trace_close(r);
}

static void assert_same_records(const struct all *x, const struct all *y, size_t n)
{
    assert_true(x->n >= n && y->n >= n);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(x->rec[i].time, y->rec[i].time);
        assert_int_equal(x->rec[i].addr, y->rec[i].addr);
        assert_int_equal(x->rec[i].bytes, y->rec[i].bytes);
        assert_int_equal(x->rec[i].buffer, y->rec[i].buffer);
        assert_int_equal(x->rec[i].op, y->rec[i].op);
    }
}

/* A text trace of a few MiB from the display generator (1080 lines of 4 layers). */
static const char *big_text(void)
{
    static char path[512];
    struct tracegen *g;
    struct trace_writer *w;
    struct trace_rec r;
    char err[TRACE_ERR_MAX];

    if (path[0])
        return path;
    snprintf(path, sizeof(path), "%s", tmp_path("big.trc"));
    g = gen_from_yaml("kind: display\nframes: 10\nlayers: 4\n");
    w = trace_create(path, TRACE_FMT_TEXT, err, sizeof(err));
    assert_non_null(w);
    for (unsigned i = 0; i < tracegen_num_buffers(g); i++)
        assert_int_equal(trace_define_buffer(w, i, tracegen_buffer_name(g, i)), 0);
    while (tracegen_next(g, &r) == 1)
        assert_int_equal(trace_write(w, &r), 0);
    assert_int_equal(trace_finish(w, err, sizeof(err)), 0);
    tracegen_free(g);
    return path;
}

/* The same records as `text` in fmt (bin or cbin), written by the plain writer. */
static const char *binary_of(const char *text, const char *name, enum trace_format fmt)
{
    struct all a;
    struct trace_writer *w;
    char err[TRACE_ERR_MAX];
    const char *path = tmp_path("%s", name);
    static char keep[4][512];
    static unsigned next;
    char *out = keep[next++ % 4];

    snprintf(out, 512, "%s", path);
    read_all(text, TRACE_FMT_TEXT, &a);
    assert_int_equal(a.end, 0);
    w = trace_create(out, fmt, err, sizeof(err));
    assert_non_null(w);
    for (unsigned i = 0; i < 8 && a.names[i][0]; i++)
        assert_int_equal(trace_define_buffer(w, i, a.names[i]), 0);
    for (size_t i = 0; i < a.n; i++)
        assert_int_equal(trace_write(w, &a.rec[i]), 0);
    assert_int_equal(trace_finish(w, err, sizeof(err)), 0);
    free(a.rec);
    return out;
}

static const char *bin_of(const char *text, const char *name)
{
    return binary_of(text, name, TRACE_FMT_BIN);
}

/* ------------------------------------------------------------------ tests */

static void check_same_in_every_codec(const char *plain, enum trace_format fmt)
{
    static const unsigned char magic[NCODECS][6] = {
        { 0x1f, 0x8b }, { 0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00 }, { 0x28, 0xb5, 0x2f, 0xfd },
    };
    static const size_t magic_len[NCODECS] = { 2, 6, 4 };
    size_t len, clen, dlen;
    char *data = slurp(plain, &len), *cdata, *dec;
    struct all ref, got;

    assert_non_null(data);
    read_all(plain, fmt, &ref);
    assert_int_equal(ref.end, 0);
    assert_true(ref.n > 0);
    for (unsigned c = 0; c < NCODECS; c++) {
        /* A misleading name: the magic, not the name, says how to read it. */
        const char *path = tmp_path("copy%u.trace", c);

        compress_to(path, codecs[c], data, len);
        cdata = slurp(path, &clen);
        assert_non_null(cdata);
        assert_memory_equal(cdata, magic[c], magic_len[c]);
        dec = decode_whole(codecs[c], (unsigned char *)cdata, clen, len + 1, &dlen);
        assert_int_equal(dlen, len);
        assert_memory_equal(dec, data, len);
        free(dec);
        free(cdata);

        read_all(path, fmt, &got);
        assert_int_equal(got.end, 0);
        assert_int_equal(got.n, ref.n);
        assert_same_records(&ref, &got, ref.n);
        for (unsigned i = 0; i < 8; i++)
            assert_string_equal(got.names[i], ref.names[i]);
        free(got.rec);
    }
    free(ref.rec);
    free(data);
}

static void test_small_traces_every_codec(void **state)
{
    (void)state;
    check_same_in_every_codec("tests/data/trace/basic.trc", TRACE_FMT_TEXT);
    check_same_in_every_codec("tests/data/trace/labels.din", TRACE_FMT_DIN);
    check_same_in_every_codec(bin_of("tests/data/trace/basic.trc", "basic.bin"), TRACE_FMT_BIN);
}

static void test_big_traces_every_codec(void **state)
{
    (void)state;
    check_same_in_every_codec(big_text(), TRACE_FMT_TEXT);
    check_same_in_every_codec(bin_of(big_text(), "big.bin"), TRACE_FMT_BIN);
}

/*
 * A plain bin or cbin file is mapped whole (tstream_map); through a pipe (/dev/fd/N)
 * the same bytes are read a buffer at a time. Both give the same records and names,
 * and a file cut inside a record the same records and the same message.
 */
static void read_through_pipe(const char *data, size_t len, enum trace_format fmt,
                              struct all *a)
{
    int fds[2];
    char path[64];

    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        for (size_t off = 0; off < len;) {
            ssize_t n = write(fds[1], data + off, len - off);
            if (n <= 0)
                _exit(1);
            off += (size_t)n;
        }
        _exit(0);
    }
    close(fds[1]);
    snprintf(path, sizeof(path), "/dev/fd/%d", fds[0]);
    read_all(path, fmt, a);
    close(fds[0]);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void test_mapped_and_streamed(void **state)
{
    static const enum trace_format fmts[2] = { TRACE_FMT_BIN, TRACE_FMT_CBIN };
    static const char *const names[2] = { "mapped.bin", "mapped.cbin" };
    char tail[2][128];
    char want[1024];

    (void)state;
    for (unsigned f = 0; f < 2; f++) {
        const char *plain = binary_of(big_text(), names[f], fmts[f]);
        size_t len;
        char *data = slurp(plain, &len);
        struct all mapped, piped;

        assert_non_null(data);
        assert_true(len > (1u << 18));      /* a pipe gives it in many reads */
        read_all(plain, fmts[f], &mapped);
        read_through_pipe(data, len, fmts[f], &piped);
        assert_int_equal(mapped.end, 0);
        assert_int_equal(piped.end, 0);
        assert_int_equal(mapped.n, piped.n);
        assert_same_records(&mapped, &piped, mapped.n);
        for (unsigned i = 0; i < 8; i++)
            assert_string_equal(mapped.names[i], piped.names[i]);
        free(piped.rec);

        /* Cut 3 bytes into the last 4-byte word (cbin) or 24-byte record (bin). */
        size_t cut = len - (fmts[f] == TRACE_FMT_CBIN ? 1 : 21);
        const char *short_path = tmp_path("short%u", f);
        struct all a, b;

        put_file(short_path, data, cut);
        read_all(short_path, fmts[f], &a);
        read_through_pipe(data, cut, fmts[f], &b);
        assert_int_equal(a.end, -EINVAL);
        assert_int_equal(b.end, -EINVAL);
        assert_int_equal(a.n, mapped.n - 1);
        assert_int_equal(b.n, a.n);
        assert_same_records(&mapped, &a, a.n);
        assert_same_records(&mapped, &b, b.n);
        /* The last cbin word starts 4 bytes before the end of the whole file. */
        snprintf(tail[0], sizeof(tail[0]), "error: truncated record (3 of 24 bytes)");
        snprintf(tail[1], sizeof(tail[1]), "byte %zu: error: truncated word (3 of 4 bytes)",
                 len - 4);
        /* The messages differ only in the file's name (neither name holds a ':'). */
        snprintf(want, sizeof(want), "%s: ", short_path);
        if (strncmp(a.err, want, strlen(want)) || !strstr(a.err, tail[f]))
            fail_msg("'%s' is not '%s...%s'", a.err, want, tail[f]);
        assert_non_null(strchr(b.err, ':'));
        assert_string_equal(strchr(a.err, ':'), strchr(b.err, ':'));
        free(a.rec);
        free(b.rec);
        free(mapped.rec);
        free(data);
    }
}

/* The writers compress by the extension: the bytes decode to the plain writer's. */
static void test_writers_compress_by_extension(void **state)
{
    static const enum trace_format fmts[2] = { TRACE_FMT_TEXT, TRACE_FMT_BIN };
    struct all src;
    char err[TRACE_ERR_MAX];

    (void)state;
    read_all("tests/data/trace/basic.trc", TRACE_FMT_TEXT, &src);
    for (unsigned f = 0; f < 2; f++) {
        for (unsigned c = 0; c <= NCODECS; c++) {
            const char *path = tmp_path("w%u%s", f, c ? suffix[c - 1] : "");
            struct trace_writer *w = trace_create(path, fmts[f], err, sizeof(err));

            assert_non_null(w);
            for (unsigned i = 0; i < 8 && src.names[i][0]; i++)
                assert_int_equal(trace_define_buffer(w, i, src.names[i]), 0);
            for (size_t i = 0; i < src.n; i++)
                assert_int_equal(trace_write(w, &src.rec[i]), 0);
            assert_int_equal(trace_finish(w, err, sizeof(err)), 0);
        }
        size_t plen, clen, dlen;
        char *plain = slurp(tmp_path("w%u", f), &plen);

        for (unsigned c = 0; c < NCODECS; c++) {
            char *cdata = slurp(tmp_path("w%u%s", f, suffix[c]), &clen);
            char *dec = decode_whole(codecs[c], (unsigned char *)cdata, clen, plen + 1, &dlen);

            assert_int_equal(dlen, plen);
            assert_memory_equal(dec, plain, plen);
            free(dec);
            free(cdata);
        }
        free(plain);
    }
    free(src.rec);
    /* The format comes from the name under the compression suffix. */
    assert_int_equal(trace_format_from_path("fb.din.gz"), TRACE_FMT_DIN);
    assert_int_equal(trace_format_from_path("fb.bin.zst"), TRACE_FMT_BIN);
    assert_int_equal(trace_format_from_path("fb.trc.xz"), TRACE_FMT_TEXT);
    assert_int_equal(trace_format_from_path("fb.xz"), TRACE_FMT_TEXT);
    assert_int_equal(tstream_codec_from_path("fb.din.zst"), TSTREAM_ZSTD);
    assert_int_equal(tstream_codec_from_path("fb.din"), TSTREAM_PLAIN);
    assert_int_equal(tstream_codec_from_path(".gz"), TSTREAM_PLAIN);
}

/* Two members, streams or frames, each half of the file, read as the whole file. */
static void test_concatenated(void **state)
{
    size_t len, l1, l2;
    char *data;
    struct all ref, got;

    (void)state;
    data = slurp(big_text(), &len);
    read_all(big_text(), TRACE_FMT_TEXT, &ref);
    for (unsigned c = 0; c < NCODECS; c++) {
        compress_to(tmp_path("half1"), codecs[c], data, len / 2);
        compress_to(tmp_path("half2"), codecs[c], data + len / 2, len - len / 2);
        char *a = slurp(tmp_path("half1"), &l1), *b = slurp(tmp_path("half2"), &l2);
        char *both = malloc(l1 + l2);

        memcpy(both, a, l1);
        memcpy(both + l1, b, l2);
        put_file(tmp_path("both%s", suffix[c]), both, l1 + l2);
        read_all(tmp_path("both%s", suffix[c]), TRACE_FMT_TEXT, &got);
        assert_int_equal(got.end, 0);
        assert_int_equal(got.n, ref.n);
        assert_same_records(&ref, &got, ref.n);
        free(got.rec);
        free(both);
        free(a);
        free(b);
    }
    free(ref.rec);
    free(data);
}

/*
 * Cut in half, each copy ends inside its compressed stream: the records read first
 * are the plain file's, then the error; with one byte of the middle flipped, the
 * decoder's check (deflate's codes and gzip's CRC-32, xz's CRC-64 and LZMA2's
 * structure, zstd's content checksum) finds the damage.
 */
static void test_truncated_and_corrupt(void **state)
{
    static const char *const trunc_msg[NCODECS] = {
        "truncated gzip data (the file ends inside a compressed stream)",
        "truncated xz data (the file ends inside a compressed stream)",
        "truncated zstd data (the file ends inside a compressed stream)",
    };
    static const char *const corrupt_msg[NCODECS] = {
        "corrupt gzip data (", "corrupt xz data (", "corrupt zstd data (",
    };
    static const enum trace_format fmts[3] = { TRACE_FMT_TEXT, TRACE_FMT_BIN, TRACE_FMT_DIN };
    const char *plains[3] = { big_text(), bin_of(big_text(), "big2.bin"),
                              "tests/data/trace/labels.din" };
    char want[1024];
    struct all ref, got;

    (void)state;
    for (unsigned f = 0; f < 3; f++) {
        size_t len, clen;
        char *data = slurp(plains[f], &len), *cdata;

        read_all(plains[f], fmts[f], &ref);
        for (unsigned c = 0; c < NCODECS; c++) {
            const char *path = tmp_path("damaged%u%s", f, suffix[c]);

            compress_to(path, codecs[c], data, len);
            cdata = slurp(path, &clen);
            put_file(path, cdata, clen / 2);
            read_all(path, fmts[f], &got);
            snprintf(want, sizeof(want), "%s: error: %s", path, trunc_msg[c]);
            assert_string_equal(got.err, want);
            assert_int_equal(got.end, -EINVAL);
            assert_true(got.n < ref.n);
            assert_same_records(&ref, &got, got.n);
            free(got.rec);

            cdata[clen / 2] ^= 0x55;
            put_file(path, cdata, clen);
            read_all(path, fmts[f], &got);
            snprintf(want, sizeof(want), "%s: error: %s", path, corrupt_msg[c]);
            if (strncmp(got.err, want, strlen(want)))
                fail_msg("'%s' does not start with '%s'", got.err, want);
            assert_int_equal(got.end, -EINVAL);
            assert_true(got.n < ref.n);
            free(got.rec);
            free(cdata);
        }
        free(ref.rec);
        free(data);
    }
}

/*
 * A din trace of n lines, compressed with codec into path, written a few KiB at a time
 * so that this process stays small: the program's peak memory (wait4's ru_maxrss)
 * counts what the test process held when it forked. Line i: label i % 2 and an
 * address in the low 64 MiB (Knuth's multiplicative hash of i): 16384 pages of 4K at
 * most, so that the study's set of pages seen (for the compulsory misses, which grows
 * with the distinct pages) is the same size for both traces.
 */
static void din_lines_to(const char *path, enum tstream_codec codec, unsigned n)
{
    char err[256], chunk[4096 + 32];
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0666);
    struct tstream_out *s;
    size_t len = 0;

    assert_true(fd >= 0);
    s = tstream_out_fd(fd, 1, codec, err, sizeof(err));
    assert_non_null(s);
    for (unsigned i = 0; i < n; i++) {
        len += (size_t)sprintf(chunk + len, "%u %llx\n", i % 2,
                               (unsigned long long)(((uint64_t)i * 2654435761u) & 0x3ffffffull));
        if (len >= 4096 || i + 1 == n) {
            assert_int_equal(tstream_write(s, chunk, len, err, sizeof(err)), 0);
            len = 0;
        }
    }
    assert_int_equal(tstream_out_finish(s, 1, err, sizeof(err)), 0);
}

static void test_constant_memory(void **state)
{
    static const unsigned lines[2] = { 250000, 1000000 };
    struct proc pr = { 0 };
    long rss[2];

    (void)state;
    for (unsigned c = 0; c < NCODECS; c++) {
        if (codecs[c] == TSTREAM_XZ)
            continue;
        for (unsigned k = 0; k < 2; k++) {
            const char *path = tmp_path("mem%u.din%s", k, suffix[c]);

            din_lines_to(path, codecs[c], lines[k]);
            assert_int_equal(proc_run(&pr, "tlb --trace %s --page-size 4k --entries 64", path), 0);
            rss[k] = pr.max_rss_kib;
        }
        if (rss[1] - rss[0] > 2048)
            fail_msg("%s: %ld KiB for %u lines, %ld KiB for %u", suffix[c], rss[0], lines[0],
                     rss[1], lines[1]);
    }
    proc_free(&pr);
}

/*
 * tests/data/trace/dict1536m.din.xz is a valid xz stream whose header asks for a
 * 1536 MiB dictionary (written by Python's lzma module with dict_size 1536 << 20): the
 * reader refuses to allocate that much rather than trusting the header.
 */
static void test_xz_memory_limit(void **state)
{
    struct all got;

    (void)state;
    read_all("tests/data/trace/dict1536m.din.xz", TRACE_FMT_DIN, &got);
    assert_int_equal(got.end, -EINVAL);
    assert_int_equal(got.n, 0);
    assert_string_equal(got.err, "tests/data/trace/dict1536m.din.xz: error: xz data that needs "
                        "more than 256 MiB to decode (its dictionary; xz -9 needs 65 MiB): "
                        "refused");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_constant_memory),     /* first, while this process is small */
        cmocka_unit_test(test_small_traces_every_codec),
        cmocka_unit_test(test_big_traces_every_codec),
        cmocka_unit_test(test_writers_compress_by_extension),
        cmocka_unit_test(test_concatenated),
        cmocka_unit_test(test_truncated_and_corrupt),
        cmocka_unit_test(test_mapped_and_streamed),
        cmocka_unit_test(test_xz_memory_limit),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
