/*
 * test_tracegen.c - the trace generators: record counts, addresses and times worked
 * out by hand from the rules in traces/README.md, byte totals from the analytic
 * size of each picture, a bounds and ordering check over whole multi-frame streams
 * of every kind, motion vectors, and every parameter error.
 *
 * Frame times at 30 fps: frame n starts at floor(n * 10^18 / 30 000 000) ps, so
 * frame 1 at 33 333 333 333 ps, frame 2 at 66 666 666 666 ps and frame 30 at exactly
 * 1 s; at 60 fps frame 1 starts at 16 666 666 666 ps.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim/config/config.h"
#include "sim/trace/trace.h"
#include "sim/trace/tracegen.h"
#include "tests/lib/trace.h"

#define MAXF            8       /* frames a scan keeps per-frame figures for */
#define MAXB            17      /* buffers of the largest table (bitstream + 16 frames) */
#define P30_F1          UINT64_C(33333333333)
#define P60_F1          UINT64_C(16666666666)

/* ------------------------------------------------------------ helpers */

static void expect_error(const char *yaml, int code, const char *msg)
{
    struct config_err err = { 0 };
    struct config *cfg = config_parse("gen.yaml", yaml, strlen(yaml), &err);

    assert_non_null(cfg);
    assert_null(tracegen_new(config_root(cfg), &err));
    assert_string_equal(err.msg, msg);
    assert_int_equal(err.code, code);
    config_free(cfg);
}

/* Record k of a fresh stream (0 is the first F marker). */
static struct trace_rec nth(const char *yaml, uint64_t k)
{
    struct tracegen *g = gen_from_yaml(yaml);
    struct trace_rec r = { 0 };
    uint64_t i;

    for (i = 0; i <= k; i++)
        assert_int_equal(tracegen_next(g, &r), 1);
    tracegen_free(g);
    return r;
}

/* Skips records until one matches op, buffer and time; returns it. */
static struct trace_rec find(struct tracegen *g, uint8_t op, uint16_t buf, uint64_t time)
{
    struct trace_rec r;

    while (tracegen_next(g, &r))
        if (r.op == op && r.buffer == buf && r.time == time)
            return r;
    fail_msg("no record op %u buffer %u at %llu", op, buf, (unsigned long long)time);
    return r;
}

/* Figures of a whole stream. Per frame counts include the frame's F marker. */
struct scan {
    uint64_t frames;
    uint64_t nrec[MAXF], nline[MAXF];
    uint64_t bytes[MAXF][2][MAXB];      /* [frame][op][buffer] */
    uint64_t fstart[MAXF + 1];
};

/*
 * Runs the stream to its end, checking on every record what holds for all kinds:
 * times never decrease and stay below the end time; markers are bare; an access
 * names a buffer of the table, has 1..TRACE_MAX_BYTES bytes and lies within the
 * buffer. tile_check: the frame buffers (indices >= 1) are 64x32 tiled, so no access
 * crosses a 64-byte tile row.
 */
static void scan_all(struct tracegen *g, struct scan *s, int tile_check)
{
    struct trace_rec r;
    uint64_t prev = 0, end = tracegen_end_time(g);
    int64_t f = -1;

    memset(s, 0, sizeof(*s));
    while (tracegen_next(g, &r)) {
        assert_true(r.time >= prev);
        assert_true(r.time < end);
        prev = r.time;
        if (r.op == TRACE_OP_FRAME) {
            f++;
            assert_true(f < MAXF);
            s->fstart[f] = r.time;
        }
        assert_true(f >= 0);
        s->nrec[f]++;
        if (r.op == TRACE_OP_FRAME || r.op == TRACE_OP_LINE) {
            assert_int_equal(r.buffer, TRACE_RAW);
            assert_int_equal(r.bytes, 0);
            assert_int_equal(r.addr, 0);
            s->nline[f] += r.op == TRACE_OP_LINE;
            continue;
        }
        assert_true(r.op == TRACE_OP_READ || r.op == TRACE_OP_WRITE);
        assert_true(r.buffer < tracegen_num_buffers(g));
        assert_true(r.bytes >= 1 && r.bytes <= TRACE_MAX_BYTES);
        assert_true(r.addr + r.bytes <= tracegen_buffer_size(g, r.buffer));
        if (tile_check && r.buffer >= 1)
            assert_true(r.addr % 64 + r.bytes <= 64);
        s->bytes[f][r.op][r.buffer] += r.bytes;
    }
    s->frames = (uint64_t)(f + 1);
    s->fstart[s->frames] = end;
    /* The end is sticky. */
    assert_int_equal(tracegen_next(g, &r), 0);
    assert_int_equal(tracegen_next(g, &r), 0);
}

static void scan_yaml(const char *yaml, struct scan *s, int tile_check)
{
    struct tracegen *g = gen_from_yaml(yaml);

    scan_all(g, s, tile_check);
    tracegen_free(g);
}

/* ------------------------------------------------------------ names, time */

static void test_kind_names(void **state)
{
    static const char *const names[] = { "video_decode", "display", "camera", "rotator",
                                         "jpeg", "blit", "scan" };
    enum tracegen_kind k;
    unsigned i;

    (void)state;
    assert_int_equal(TRACEGEN_NKINDS, 7);
    for (i = 0; i < 7; i++) {
        assert_string_equal(tracegen_kind_name((enum tracegen_kind)i), names[i]);
        assert_int_equal(tracegen_kind_parse(names[i], &k), 0);
        assert_int_equal(k, i);
    }
    assert_int_equal(tracegen_kind_parse("video", &k), -EINVAL);
    assert_int_equal(tracegen_kind_parse("Display", &k), -EINVAL);

    struct tracegen *g = gen_from_yaml("kind: rotator\n");
    assert_int_equal(tracegen_kind(g), TRACEGEN_ROTATOR);
    tracegen_free(g);
}

static void test_frame_times(void **state)
{
    struct scan s;
    struct tracegen *g;

    (void)state;
    /* 30 fps: floor(n * 10^12 / 30) ps; 30 frames end at exactly 1 s, 31 at
     * 1033333333333.3. */
    g = gen_from_yaml("kind: blit\nframes: 30\n");
    assert_int_equal(tracegen_end_time(g), UINT64_C(1000000000000));
    tracegen_free(g);
    g = gen_from_yaml("kind: blit\nframes: 31\n");
    assert_int_equal(tracegen_end_time(g), UINT64_C(1033333333333));
    tracegen_free(g);
    g = gen_from_yaml("kind: blit\nframes: 3\n");
    assert_int_equal(tracegen_frame_period(g), P30_F1);     /* frame 1's start */
    scan_all(g, &s, 0);
    assert_int_equal(s.frames, 3);
    assert_int_equal(s.fstart[0], 0);
    assert_int_equal(s.fstart[1], P30_F1);
    assert_int_equal(s.fstart[2], UINT64_C(66666666666));
    assert_int_equal(tracegen_end_time(g), UINT64_C(100000000000));
    tracegen_free(g);

    /* display defaults to 60 fps. */
    scan_yaml("kind: display\n", &s, 0);
    assert_int_equal(s.fstart[1], P60_F1);
    assert_int_equal(s.fstart[2], UINT64_C(33333333333));

    g = gen_from_yaml("kind: display\n");
    assert_int_equal(tracegen_frame_period(g), P60_F1);
    tracegen_free(g);

    /* start shifts every frame; 29.97 fps is 29 970 000 uHz: 10^18 / 29970000 ps. */
    g = gen_from_yaml("kind: camera\nstart: 1ms\nfps: 29.97\n");
    assert_int_equal(tracegen_frame_period(g), UINT64_C(33366700033));
    tracegen_free(g);
    scan_yaml("kind: camera\nstart: 1ms\nfps: 29.97\n", &s, 0);
    assert_int_equal(s.fstart[0], UINT64_C(1000000000));
    assert_int_equal(s.fstart[1], UINT64_C(1000000000) + UINT64_C(33366700033));
    assert_int_equal(s.fstart[2], UINT64_C(1000000000) + UINT64_C(66733400066));
}

/* ------------------------------------------------------------ display */

static void test_display_default(void **state)
{
    struct tracegen *g = gen_from_yaml("kind: display\n");
    struct trace_rec r;
    struct scan s;
    uint64_t f;

    (void)state;
    assert_int_equal(tracegen_num_buffers(g), 1);
    assert_string_equal(tracegen_buffer_name(g, 0), "layer0");
    assert_null(tracegen_buffer_name(g, 1));
    assert_int_equal(tracegen_buffer_size(g, 0), 1920 * 4 * 1080);
    assert_int_equal(tracegen_buffer_size(g, 1), 0);
    tracegen_free(g);

    /* F, then per line: L at (45 + y) * period / vtotal (the 45 blank lines come
     * first), then the read of 7680 bytes at y * 7680. */
    r = nth("kind: display\n", 0);
    assert_rec(&r, 0, TRACE_OP_FRAME, TRACE_RAW, 0, 0);
    /* Line 0: 45 * 16666666666 / 1125 = 666666666.6 -> 666666666 ps. */
    r = nth("kind: display\n", 1);
    assert_rec(&r, 666666666, TRACE_OP_LINE, TRACE_RAW, 0, 0);
    r = nth("kind: display\n", 2);
    assert_rec(&r, 666666666, TRACE_OP_READ, 0, 0, 7680);
    /* Line 1: 46 * 16666666666 / 1125 = 681481481.45 -> 681481481 ps. */
    r = nth("kind: display\n", 3);
    assert_rec(&r, 681481481, TRACE_OP_LINE, TRACE_RAW, 0, 0);
    r = nth("kind: display\n", 4);
    assert_rec(&r, 681481481, TRACE_OP_READ, 0, 7680, 7680);
    /* Line 1079 (records 2159, 2160): 1124 * 16666666666 / 1125 = 16651851851.2. */
    r = nth("kind: display\n", 2160);
    assert_rec(&r, UINT64_C(16651851851), TRACE_OP_READ, 0, 1079 * 7680, 7680);
    /* Frame 1's line 1: period of frame 1 is 33333333333 - 16666666666 = 16666666667,
     * 46 * 16666666667 / 1125 = 681481481.5 -> 681481481. */
    r = nth("kind: display\n", 2161 + 3);
    assert_rec(&r, P60_F1 + 681481481, TRACE_OP_LINE, TRACE_RAW, 0, 0);

    scan_yaml("kind: display\n", &s, 0);
    assert_int_equal(s.frames, 2);
    for (f = 0; f < 2; f++) {
        assert_int_equal(s.nrec[f], 1 + 1080 * 2);
        assert_int_equal(s.nline[f], 1080);
        /* 1920 * 1080 * 4 = 8294400 bytes = 2025 pages of 4 KiB. */
        assert_int_equal(s.bytes[f][TRACE_OP_READ][0], 8294400);
        assert_int_equal(s.bytes[f][TRACE_OP_READ][0], 2025 * 4096);
        assert_int_equal(s.bytes[f][TRACE_OP_WRITE][0], 0);
    }
}

static void test_display_layers(void **state)
{
    static const char yaml[] = "kind: display\nwidth: 640\nheight: 480\nbpp: 2\nlayers: 3\n"
                               "vtotal: 1200\nframes: 1\n";
    struct tracegen *g = gen_from_yaml(yaml);
    struct trace_rec r;
    struct scan s;
    unsigned i;

    (void)state;
    assert_int_equal(tracegen_num_buffers(g), 3);
    assert_string_equal(tracegen_buffer_name(g, 2), "layer2");
    assert_int_equal(tracegen_buffer_size(g, 2), 640 * 2 * 480);
    tracegen_free(g);
    /* Line 1 starts at record 1 + 4: L, then layers 0, 1, 2 at 1280; after the
     * 1200 - 480 = 720 blank lines, time 721 * 16666666666 / 1200 = 10013888888.5
     * -> 10013888888. */
    r = nth(yaml, 5);
    assert_rec(&r, UINT64_C(10013888888), TRACE_OP_LINE, TRACE_RAW, 0, 0);
    for (i = 0; i < 3; i++) {
        r = nth(yaml, 6 + i);
        assert_rec(&r, UINT64_C(10013888888), TRACE_OP_READ, (uint16_t)i, 1280, 1280);
    }
    scan_yaml(yaml, &s, 0);
    assert_int_equal(s.nrec[0], 1 + 480 * 4);
    for (i = 0; i < 3; i++)
        assert_int_equal(s.bytes[0][TRACE_OP_READ][i], 640 * 2 * 480);
}

/* ------------------------------------------------------------ camera */

static void test_camera_nv12(void **state)
{
    static const char yaml[] = "kind: camera\nframes: 4\n";
    struct tracegen *g = gen_from_yaml(yaml);
    struct trace_rec r;
    struct scan s;
    uint64_t f;

    (void)state;
    assert_int_equal(tracegen_num_buffers(g), 3);
    assert_string_equal(tracegen_buffer_name(g, 0), "frame0");
    assert_string_equal(tracegen_buffer_name(g, 2), "frame2");
    assert_int_equal(tracegen_buffer_size(g, 1), 1920 * 1080 * 3 / 2);
    scan_all(g, &s, 0);
    tracegen_free(g);
    for (f = 0; f < 4; f++) {
        /* 1080 luma lines and 540 chroma lines. */
        assert_int_equal(s.nrec[f], 1 + 1080 + 540);
        /* Frame f fills buffer f % 3: 1.5 * W * H = 3110400 bytes. */
        assert_int_equal(s.bytes[f][TRACE_OP_WRITE][f % 3], 3110400);
        assert_int_equal(s.bytes[f][TRACE_OP_READ][f % 3], 0);
    }
    /* Line 0: luma at 0, chroma at W*H; line 1: luma only; line 2 at
     * 2 * 33333333333 / 1125 = 59259259 ps: luma 3840, chroma W*H + 1920. */
    r = nth(yaml, 1);
    assert_rec(&r, 0, TRACE_OP_WRITE, 0, 0, 1920);
    r = nth(yaml, 2);
    assert_rec(&r, 0, TRACE_OP_WRITE, 0, 1920 * 1080, 1920);
    r = nth(yaml, 3);
    assert_rec(&r, 29629629, TRACE_OP_WRITE, 0, 1920, 1920);
    r = nth(yaml, 4);
    assert_rec(&r, 59259259, TRACE_OP_WRITE, 0, 3840, 1920);
    r = nth(yaml, 5);
    assert_rec(&r, 59259259, TRACE_OP_WRITE, 0, 1920 * 1080 + 1920, 1920);
    /* Frame 3 wraps to buffer 0: its F is record 3 * 1621 at 3 * 10^12 / 30. */
    r = nth(yaml, 3 * 1621);
    assert_rec(&r, UINT64_C(100000000000), TRACE_OP_FRAME, TRACE_RAW, 0, 0);
    r = nth(yaml, 3 * 1621 + 1);
    assert_rec(&r, UINT64_C(100000000000), TRACE_OP_WRITE, 0, 0, 1920);
}

static void test_camera_yuyv(void **state)
{
    static const char yaml[] = "kind: camera\nformat: yuyv\nwidth: 640\nheight: 481\n"
                               "buffers: 2\nvtotal: 500\n";
    struct tracegen *g = gen_from_yaml(yaml);
    struct trace_rec r;
    struct scan s;

    (void)state;
    assert_int_equal(tracegen_num_buffers(g), 2);
    assert_int_equal(tracegen_buffer_size(g, 0), 640 * 2 * 481);
    scan_all(g, &s, 0);
    tracegen_free(g);
    assert_int_equal(s.nrec[0], 1 + 481);
    assert_int_equal(s.bytes[0][TRACE_OP_WRITE][0], 640 * 2 * 481);
    assert_int_equal(s.bytes[1][TRACE_OP_WRITE][1], 640 * 2 * 481);
    /* Line 480 of frame 1: 33333333333 + 480 * 33333333333 / 500 = 33333333333 +
     * 31999999999 (31999999999.68). */
    r = nth(yaml, 482 + 481);
    assert_rec(&r, UINT64_C(65333333332), TRACE_OP_WRITE, 1, 480 * 1280, 1280);
}

/* ------------------------------------------------------------ rotator */

static void test_rotator_default_90(void **state)
{
    static const char yaml[] = "kind: rotator\n";
    struct tracegen *g = gen_from_yaml(yaml);
    struct trace_rec r;
    struct scan s;
    unsigned i;

    (void)state;
    assert_int_equal(tracegen_num_buffers(g), 2);
    assert_string_equal(tracegen_buffer_name(g, 0), "src");
    assert_string_equal(tracegen_buffer_name(g, 1), "dst");
    assert_int_equal(tracegen_buffer_size(g, 0), 1920 * 1088 * 2);
    assert_int_equal(tracegen_buffer_size(g, 1), 1920 * 1088 * 2);
    scan_all(g, &s, 0);
    tracegen_free(g);
    /* 120 x 68 = 8160 tiles of 16 reads and 16 writes. */
    assert_int_equal(s.nrec[0], 1 + 8160 * 32);
    assert_int_equal(s.bytes[0][TRACE_OP_READ][0], 1920 * 1088 * 2);
    assert_int_equal(s.bytes[0][TRACE_OP_WRITE][1], 1920 * 1088 * 2);

    /* Tile (0,0): source rows at y * 3840. */
    r = nth(yaml, 1);
    assert_rec(&r, 0, TRACE_OP_READ, 0, 0, 32);
    r = nth(yaml, 16);
    assert_rec(&r, 0, TRACE_OP_READ, 0, 15 * 3840, 32);
    /*
     * 90 degrees: (x, y) -> (1087 - y, x), destination stride 1088 * 2 = 2176. Source
     * pixels x 0..15, y 0..15 land in destination columns 1072..1087 of rows 0..15:
     * row d at d * 2176 + 1072 * 2 = d * 2176 + 2144.
     */
    for (i = 0; i < 16; i++) {
        r = nth(yaml, 17 + i);
        assert_rec(&r, 0, TRACE_OP_WRITE, 1, i * 2176 + 2144, 32);
    }
    /* Tile (1,0) goes below it, rows 16..31, at 8160ths of the frame: 33333333333 /
     * 8160 = 4084967.3. */
    r = nth(yaml, 33);
    assert_rec(&r, 4084967, TRACE_OP_READ, 0, 32, 32);
    r = nth(yaml, 49);
    assert_rec(&r, 4084967, TRACE_OP_WRITE, 1, 16 * 2176 + 2144, 32);
    /* Tile (0,1) (tile 120) starts the next column to the left: x 1056 = byte 2112. */
    r = nth(yaml, 1 + 120 * 32 + 16);
    assert_rec(&r, 120 * P30_F1 / 8160, TRACE_OP_WRITE, 1, 2112, 32);
}

static void test_rotator_180_270_corners(void **state)
{
    struct trace_rec r;

    (void)state;
    /* 180: tile (0,0) -> columns 1904..1919, rows 1072..1087, stride 3840. */
    r = nth("kind: rotator\nangle: 180\n", 17);
    assert_rec(&r, 0, TRACE_OP_WRITE, 1, 1072 * 3840 + 1904 * 2, 32);
    r = nth("kind: rotator\nangle: 180\n", 32);
    assert_rec(&r, 0, TRACE_OP_WRITE, 1, 1087 * 3840 + 1904 * 2, 32);
    /* 270: (x, y) -> (y, 1919 - x): tile (0,0) -> columns 0..15, rows 1904..1919. */
    r = nth("kind: rotator\nangle: 270\n", 17);
    assert_rec(&r, 0, TRACE_OP_WRITE, 1, 1904 * 2176, 32);
    /* ... and tile (1,0) goes above it, rows 1888..1903. */
    r = nth("kind: rotator\nangle: 270\n", 49);
    assert_rec(&r, 4084967, TRACE_OP_WRITE, 1, 1888 * 2176, 32);
}

/*
 * A 3x2 picture of one-byte pixels in one-pixel tiles:   a b c
 *                                                         d e f
 * 90:  d a  (stride 2)   180: f e d  (stride 3)   270: c f  (stride 2)
 *      e b                    c b a                    b e
 *      f c                                             a d
 * Source order a..f; the destination byte of each, read off the pictures.
 */
static void test_rotator_tiny_by_hand(void **state)
{
    static const uint64_t want[3][6] = {
        { 1, 3, 5, 0, 2, 4 },           /* 90 */
        { 5, 4, 3, 2, 1, 0 },           /* 180 */
        { 4, 2, 0, 5, 3, 1 },           /* 270 */
    };
    static const char *const angles[] = { "90", "180", "270" };
    char yaml[128];
    unsigned a, i;

    (void)state;
    for (a = 0; a < 3; a++) {
        struct tracegen *g;
        struct trace_rec r;

        snprintf(yaml, sizeof(yaml),
                 "kind: rotator\nwidth: 3\nheight: 2\nbpp: 1\ntile: 1\nangle: %s\nframes: 1\n",
                 angles[a]);
        g = gen_from_yaml(yaml);
        assert_int_equal(tracegen_next(g, &r), 1);
        assert_int_equal(r.op, TRACE_OP_FRAME);
        for (i = 0; i < 6; i++) {
            assert_int_equal(tracegen_next(g, &r), 1);
            assert_rec(&r, i * P30_F1 / 6, TRACE_OP_READ, 0, i, 1);
            assert_int_equal(tracegen_next(g, &r), 1);
            assert_rec(&r, i * P30_F1 / 6, TRACE_OP_WRITE, 1, want[a][i], 1);
        }
        assert_int_equal(tracegen_next(g, &r), 0);
        tracegen_free(g);
    }
}

/* Every source byte read once and every destination byte written once, per angle. */
static void test_rotator_permutation(void **state)
{
    static const char *const angles[] = { "90", "180", "270" };
    unsigned char rd[12 * 8 * 2], wr[12 * 8 * 2];
    char yaml[128];
    unsigned a, i;

    (void)state;
    for (a = 0; a < 3; a++) {
        struct tracegen *g;
        struct trace_rec r;

        snprintf(yaml, sizeof(yaml),
                 "kind: rotator\nwidth: 12\nheight: 8\nbpp: 2\ntile: 4\nangle: %s\nframes: 1\n",
                 angles[a]);
        g = gen_from_yaml(yaml);
        memset(rd, 0, sizeof(rd));
        memset(wr, 0, sizeof(wr));
        while (tracegen_next(g, &r)) {
            if (r.op == TRACE_OP_FRAME)
                continue;
            assert_int_equal(r.bytes, 8);
            assert_true(r.addr + r.bytes <= sizeof(rd));
            for (i = 0; i < r.bytes; i++)
                (r.op == TRACE_OP_READ ? rd : wr)[r.addr + i]++;
        }
        for (i = 0; i < sizeof(rd); i++) {
            assert_int_equal(rd[i], 1);
            assert_int_equal(wr[i], 1);
        }
        tracegen_free(g);
    }
}

/* ------------------------------------------------------------ jpeg */

/*
 * Defaults: 3264 x 2448 = 204 x 153 = 31212 MCUs; raw NV12 = 11985408 bytes;
 * F = floor(0.1 * 11985408) = floor(1198540.8) = 1198540 bytes per frame = 4681
 * bursts of 256 and a last write of 204.
 */
static void test_jpeg_default(void **state)
{
    static const char yaml[] = "kind: jpeg\n";
    struct tracegen *g = gen_from_yaml(yaml);
    struct trace_rec r;
    struct scan s;
    uint64_t f, k;

    (void)state;
    assert_string_equal(tracegen_buffer_name(g, 0), "src");
    assert_string_equal(tracegen_buffer_name(g, 1), "dst");
    assert_int_equal(tracegen_buffer_size(g, 0), 11985408);
    /* 2 * 1198540 = 2397080 -> 586 pages. */
    assert_int_equal(tracegen_buffer_size(g, 1), 586 * 4096);
    scan_all(g, &s, 0);
    tracegen_free(g);
    for (f = 0; f < 2; f++) {
        assert_int_equal(s.nrec[f], 1 + 31212 * 24 + 4681 + 1);
        assert_int_equal(s.bytes[f][TRACE_OP_READ][0], 11985408);
        assert_int_equal(s.bytes[f][TRACE_OP_WRITE][1], 1198540);
    }

    /* MCU 0: luma rows at y * 3264, then CbCr rows from 3264 * 2448. */
    r = nth(yaml, 1);
    assert_rec(&r, 0, TRACE_OP_READ, 0, 0, 16);
    r = nth(yaml, 16);
    assert_rec(&r, 0, TRACE_OP_READ, 0, 15 * 3264, 16);
    r = nth(yaml, 17);
    assert_rec(&r, 0, TRACE_OP_READ, 0, 3264 * 2448, 16);
    r = nth(yaml, 24);
    assert_rec(&r, 0, TRACE_OP_READ, 0, 3264 * 2448 + 7 * 3264, 16);
    /* MCU 1 follows directly: F/N = 38.4 bytes per MCU, no burst yet. */
    r = nth(yaml, 25);
    assert_rec(&r, P30_F1 / 31212, TRACE_OP_READ, 0, 16, 16);
    /*
     * floor(6 * F / N) = 230 < 256 <= floor(7 * F / N) = 268: the first burst follows
     * MCU 6's reads (records 1 + 7 * 24), at 6 * 33333333333 / 31212 = 6407791.
     */
    r = nth(yaml, 1 + 7 * 24);
    assert_rec(&r, 6407791, TRACE_OP_WRITE, 1, 0, 256);
    r = nth(yaml, 2 + 7 * 24);
    assert_rec(&r, 7 * P30_F1 / 31212, TRACE_OP_READ, 0, 7 * 16, 16);

    /* The frame's last record: the remainder, 204 bytes at 4681 * 256. */
    r = nth(yaml, 753770);
    assert_rec(&r, 31211 * P30_F1 / 31212, TRACE_OP_WRITE, 1, 4681 * 256, 204);
    /* Frame 1 writes the next part of dst: its first burst starts at F. */
    g = gen_from_yaml(yaml);
    for (k = 0; k <= 753771; k++)
        assert_int_equal(tracegen_next(g, &r), 1);
    assert_rec(&r, P30_F1, TRACE_OP_FRAME, TRACE_RAW, 0, 0);
    r = find(g, TRACE_OP_WRITE, 1, P30_F1 + 6 * P30_F1 / 31212);
    assert_int_equal(r.addr, 1198540);
    assert_int_equal(r.bytes, 256);
    tracegen_free(g);
}

/* A burst larger than the frame: one write, at the last MCU, of the whole frame. */
static void test_jpeg_one_write(void **state)
{
    /* 64 x 32: 8 MCUs; raw 3072; F = floor(0.5 * 3072) = 1536. */
    static const char yaml[] = "kind: jpeg\nwidth: 64\nheight: 32\nratio: 0.5\nburst: 4K\n"
                               "frames: 3\n";
    struct tracegen *g = gen_from_yaml(yaml);
    struct trace_rec r;
    struct scan s;

    (void)state;
    /* 3 * 1536 = 4608 -> 2 pages. */
    assert_int_equal(tracegen_buffer_size(g, 1), 8192);
    scan_all(g, &s, 0);
    tracegen_free(g);
    assert_int_equal(s.nrec[2], 1 + 8 * 24 + 1);
    assert_int_equal(s.bytes[2][TRACE_OP_WRITE][1], 1536);
    /* Frame 2 runs from 66666666666 to 10^11 (33333333334 ps): MCU 7 at 7/8 of it,
     * 29166666667.25 ps in. */
    r = nth(yaml, 3 * 194 - 1);
    assert_rec(&r, UINT64_C(66666666666) + UINT64_C(29166666667), TRACE_OP_WRITE, 1,
               2 * 1536, 1536);
}

/* ------------------------------------------------------------ blit */

static void test_blit(void **state)
{
    static const char yaml[] = "kind: blit\nwidth: 100\nheight: 10\nbpp: 2\nsrc_x: 8\n"
                               "src_y: 4\nsrc_stride: 4096\ndst_x: 3\ndst_y: 1\n"
                               "dst_height: 20\n";
    struct tracegen *g = gen_from_yaml("kind: blit\n");
    struct trace_rec r;
    struct scan s;

    (void)state;
    /* Defaults: a 256 x 256 x 4 rectangle at (0,0) of buffers just its size. */
    assert_int_equal(tracegen_buffer_size(g, 0), 256 * 1024);
    assert_int_equal(tracegen_buffer_size(g, 1), 256 * 1024);
    scan_all(g, &s, 0);
    tracegen_free(g);
    assert_int_equal(s.nrec[0], 1 + 2 * 256);
    assert_int_equal(s.bytes[0][TRACE_OP_READ][0], 256 * 1024);
    assert_int_equal(s.bytes[0][TRACE_OP_WRITE][1], 256 * 1024);

    g = gen_from_yaml(yaml);
    /* src: 4096 x (4 + 10) rows; dst: stride (3 + 100) * 2 = 206, 20 rows. */
    assert_int_equal(tracegen_buffer_size(g, 0), 4096 * 14);
    assert_int_equal(tracegen_buffer_size(g, 1), 206 * 20);
    tracegen_free(g);
    r = nth(yaml, 1);
    assert_rec(&r, 0, TRACE_OP_READ, 0, 4 * 4096 + 16, 200);
    r = nth(yaml, 2);
    assert_rec(&r, 0, TRACE_OP_WRITE, 1, 206 + 6, 200);
    /* Row 9 at 9/10 of the frame. */
    r = nth(yaml, 19);
    assert_rec(&r, 9 * P30_F1 / 10, TRACE_OP_READ, 0, 13 * 4096 + 16, 200);
    r = nth(yaml, 20);
    assert_rec(&r, 9 * P30_F1 / 10, TRACE_OP_WRITE, 1, 10 * 206 + 6, 200);
}

/* ------------------------------------------------------------ video_decode */

/*
 * 1920 x 1080 -> 1920 x 1088: 120 x 68 = 8160 macroblocks; linear stride 1920 (a
 * multiple of 128); frame 1920 * 1088 * 1.5 = 3133440 bytes, CbCr plane at 2088960.
 * 20 Mbit/s at 30 fps: floor(20e6 / 8 / 30) = 83333 bytes per frame, 10 or 11 per
 * macroblock (never zero).
 */
#define VD_ZERO "kind: video_decode\nmv_dist: zero\n"

static void test_video_counts(void **state)
{
    struct tracegen *g = gen_from_yaml(VD_ZERO "frames: 3\n");
    struct scan s;
    uint64_t f;

    (void)state;
    assert_int_equal(tracegen_num_buffers(g), 4);
    assert_string_equal(tracegen_buffer_name(g, 0), "bitstream");
    assert_string_equal(tracegen_buffer_name(g, 3), "frame2");
    /* 3 * 83333 = 249999 -> 62 pages. */
    assert_int_equal(tracegen_buffer_size(g, 0), 62 * 4096);
    assert_int_equal(tracegen_buffer_size(g, 1), 3133440);
    scan_all(g, &s, 0);
    tracegen_free(g);
    /* Frame 0 is intra: per macroblock 1 bitstream read, 16 + 8 writes. */
    assert_int_equal(s.nrec[0], 1 + 8160 * 25);
    /* Then one reference: + 21 luma and 9 chroma rows. */
    assert_int_equal(s.nrec[1], 1 + 8160 * 55);
    assert_int_equal(s.nrec[2], 1 + 8160 * 55);
    for (f = 0; f < 3; f++) {
        assert_int_equal(s.bytes[f][TRACE_OP_READ][0], 83333);
        /* The reconstruction writes every byte of the frame once: into frame f. */
        assert_int_equal(s.bytes[f][TRACE_OP_WRITE][1 + f], 3133440);
    }
    assert_int_equal(s.bytes[0][TRACE_OP_READ][1], 0);
    /* Frame 1 reads frame 0: 8160 * (21 * 21 + 9 * 18) bytes. */
    assert_int_equal(s.bytes[1][TRACE_OP_READ][1], 8160 * (441 + 162));
    assert_int_equal(s.bytes[2][TRACE_OP_READ][2], 8160 * (441 + 162));
}

static void test_video_linear_addresses(void **state)
{
    /* Macroblock 121 = (1,1) of frame 1 is issued at 33333333333 + 121 * 33333333333 /
     * 8160 = 33827614378; frame 1 starts at record 1 + 8160 * 25 = 204001. */
    const uint64_t t = UINT64_C(33827614378);
    struct tracegen *g = gen_from_yaml(VD_ZERO);
    struct trace_rec r;
    uint64_t k;

    (void)state;
    for (k = 0; k < 204001 + 1 + 121 * 55; k++)
        assert_int_equal(tracegen_next(g, &r), 1);
    /* Bitstream: 83333 + floor(121 * 83333 / 8160) = 83333 + 1235, 1245 - 1235 bytes. */
    assert_int_equal(tracegen_next(g, &r), 1);
    assert_rec(&r, t, TRACE_OP_READ, 0, 83333 + 1235, 10);
    /* Luma of frame0 from (16 - 2, 16 - 2): 14 * 1920 + 14, 21 rows of 21 bytes. */
    assert_int_equal(tracegen_next(g, &r), 1);
    assert_rec(&r, t, TRACE_OP_READ, 1, 14 * 1920 + 14, 21);
    for (k = 1; k < 21; k++)
        assert_int_equal(tracegen_next(g, &r), 1);
    assert_rec(&r, t, TRACE_OP_READ, 1, 34 * 1920 + 14, 21);
    /* Chroma from byte 16 of CbCr row 8. */
    assert_int_equal(tracegen_next(g, &r), 1);
    assert_rec(&r, t, TRACE_OP_READ, 1, 2088960 + 8 * 1920 + 16, 18);
    for (k = 1; k < 9; k++)
        assert_int_equal(tracegen_next(g, &r), 1);
    assert_rec(&r, t, TRACE_OP_READ, 1, 2088960 + 16 * 1920 + 16, 18);
    /* Writes into frame1: luma (16,16), then CbCr row 8. */
    assert_int_equal(tracegen_next(g, &r), 1);
    assert_rec(&r, t, TRACE_OP_WRITE, 2, 16 * 1920 + 16, 16);
    for (k = 1; k < 16; k++)
        assert_int_equal(tracegen_next(g, &r), 1);
    assert_rec(&r, t, TRACE_OP_WRITE, 2, 31 * 1920 + 16, 16);
    assert_int_equal(tracegen_next(g, &r), 1);
    assert_rec(&r, t, TRACE_OP_WRITE, 2, 2088960 + 8 * 1920 + 16, 16);
    tracegen_free(g);
}

static void test_video_edge_clamp(void **state)
{
    /* Frame 1, macroblock 119 = (119, 0): luma x 1902 -> 1920 - 21 = 1899, y -2 -> 0;
     * chroma x 1904 -> 1920 - 18 = 1902. Macroblock 8159 = (119, 67): luma y 1070 ->
     * 1088 - 21 = 1067; chroma row 536 -> 544 - 9 = 535. */
    struct tracegen *g = gen_from_yaml(VD_ZERO);
    struct trace_rec r;
    uint64_t t119 = P30_F1 + 119 * P30_F1 / 8160, tlast = P30_F1 + 8159 * P30_F1 / 8160;

    (void)state;
    r = find(g, TRACE_OP_READ, 1, t119);
    assert_rec(&r, t119, TRACE_OP_READ, 1, 1899, 21);
    r = find(g, TRACE_OP_READ, 1, t119);
    assert_int_equal(r.addr, 1920 + 1899);
    r = find(g, TRACE_OP_READ, 1, tlast);
    assert_rec(&r, tlast, TRACE_OP_READ, 1, 1067 * 1920 + 1899, 21);
    tracegen_free(g);

    g = gen_from_yaml(VD_ZERO);
    r = find(g, TRACE_OP_READ, 1, t119);
    while (r.bytes != 18)
        assert_int_equal(tracegen_next(g, &r), 1);
    assert_rec(&r, t119, TRACE_OP_READ, 1, 2088960 + 1902, 18);
    r = find(g, TRACE_OP_READ, 1, tlast);
    while (r.bytes != 18)
        assert_int_equal(tracegen_next(g, &r), 1);
    assert_rec(&r, tlast, TRACE_OP_READ, 1, 2088960 + 535 * 1920 + 1902, 18);
    tracegen_free(g);
}

/*
 * Tiled: 30 tiles of 64 bytes per tile row; luma 34 tile rows, CbCr 17, so CbCr at
 * 30 * 34 * 2048 = 2088960; frame 30 * 51 * 2048 = 3133440.
 */
static void test_video_tiled(void **state)
{
    static const char yaml[] = VD_ZERO "layout: tiled\n";
    struct tracegen *g = gen_from_yaml(yaml);
    uint64_t t124 = P30_F1 + 124 * P30_F1 / 8160;
    struct trace_rec r;
    struct scan s;

    (void)state;
    assert_int_equal(tracegen_buffer_size(g, 1), 3133440);
    tracegen_free(g);
    /*
     * Frame 0, macroblock 246 = (6, 2) starts at record 1 + 246 * 25; its luma row 8
     * is pixel (96, 40): tile (1, 1) = tile 31, row 8, byte 32 of the tile row:
     * 31 * 2048 + 8 * 64 + 32 = 64032.
     */
    r = nth(yaml, 1 + 246 * 25 + 1 + 8);
    assert_rec(&r, 246 * P30_F1 / 8160, TRACE_OP_WRITE, 1, 64032, 16);
    /* Its CbCr row 0 is byte 96 of CbCr row 16: tile (1, 0), 2048 + 16 * 64 + 32. */
    r = nth(yaml, 1 + 246 * 25 + 1 + 16);
    assert_rec(&r, 246 * P30_F1 / 8160, TRACE_OP_WRITE, 1, 2088960 + 3104, 16);

    /*
     * Frame 1, macroblock 124 = (4, 1): the luma block starts at x 62, y 14, so each
     * 21-byte row splits at the tile edge x 64: 2 bytes at 14 * 64 + 62 = 958 in tile 0,
     * 19 at 2048 + 14 * 64 = 2944 in tile 1.
     */
    g = gen_from_yaml(yaml);
    r = find(g, TRACE_OP_READ, 1, t124);
    assert_rec(&r, t124, TRACE_OP_READ, 1, 958, 2);
    assert_int_equal(tracegen_next(g, &r), 1);
    assert_rec(&r, t124, TRACE_OP_READ, 1, 2944, 19);
    assert_int_equal(tracegen_next(g, &r), 1);
    assert_rec(&r, t124, TRACE_OP_READ, 1, 15 * 64 + 62, 2);
    tracegen_free(g);

    /*
     * Split rows per frame with one reference and zero vectors: luma x = 16 mbx - 2
     * (0 for mbx 0, 1899 for mbx 119) crosses when x % 64 >= 44: mbx % 4 == 3 (x % 64
     * = 46) or mbx % 4 == 0, mbx >= 4 (62), except mbx 119 (clamped, 1899 % 64 = 43):
     * 29 + 29 columns, 21 rows each. Chroma x = 16 mbx (1902 for mbx 119) crosses when
     * x % 64 >= 47: mbx % 4 == 3 except 119 (1902 % 64 = 46): 29 columns, 9 rows.
     * 68 macroblock rows: 68 * (58 * 21 + 29 * 9) = 100572 extra records.
     */
    scan_yaml(yaml, &s, 1);
    assert_int_equal(s.nrec[0], 1 + 8160 * 25);
    assert_int_equal(s.nrec[1], 1 + 8160 * 55 + 100572);
    assert_int_equal(s.bytes[1][TRACE_OP_READ][1], 8160 * (441 + 162));
    assert_int_equal(s.bytes[1][TRACE_OP_WRITE][2], 3133440);
}

static void test_video_refs2(void **state)
{
    static const char yaml[] = VD_ZERO "refs: 2\nframes: 5\nwidth: 64\nheight: 32\n"
                               "dpb: 4\n";
    struct tracegen *g = gen_from_yaml(yaml);
    struct trace_rec r;
    struct scan s;

    (void)state;
    assert_int_equal(tracegen_num_buffers(g), 5);
    scan_all(g, &s, 0);
    tracegen_free(g);
    /* 4 x 2 macroblocks. Frame 0 intra, frame 1 one reference, then two. */
    assert_int_equal(s.nrec[0], 1 + 8 * 25);
    assert_int_equal(s.nrec[1], 1 + 8 * 55);
    assert_int_equal(s.nrec[2], 1 + 8 * 85);
    assert_int_equal(s.nrec[4], 1 + 8 * 85);
    /* Frame 4 is decoded into frame0 (4 % 4) from frame3 and frame2 (buffers 4, 3). */
    assert_int_equal(s.bytes[4][TRACE_OP_WRITE][1], 64 * 32 * 3 / 2);
    assert_int_equal(s.bytes[4][TRACE_OP_READ][4], 8 * (441 + 162));
    assert_int_equal(s.bytes[4][TRACE_OP_READ][3], 8 * (441 + 162));
    assert_int_equal(s.bytes[4][TRACE_OP_READ][2], 0);
    /* Frame 2, macroblock 0: bitstream, then 30 rows of frame1, then 30 of frame0. */
    g = gen_from_yaml(yaml);
    r = find(g, TRACE_OP_FRAME, TRACE_RAW, 2 * P30_F1);
    assert_int_equal(tracegen_next(g, &r), 1);
    assert_int_equal(r.buffer, 0);
    assert_int_equal(tracegen_next(g, &r), 1);
    assert_rec(&r, 2 * P30_F1, TRACE_OP_READ, 2, 0, 21);
    for (int k = 0; k < 30; k++)
        assert_int_equal(tracegen_next(g, &r), 1);
    assert_rec(&r, 2 * P30_F1, TRACE_OP_READ, 1, 0, 21);
    tracegen_free(g);
}

/* Whole streams compared record by record. */
static int same_stream(const char *a, const char *b)
{
    struct tracegen *ga = gen_from_yaml(a), *gb = gen_from_yaml(b);
    struct trace_rec ra, rb;
    int na, nb, same = 1;

    do {
        na = tracegen_next(ga, &ra);
        nb = tracegen_next(gb, &rb);
        if (na != nb || (na && (ra.time != rb.time || ra.addr != rb.addr ||
                                ra.bytes != rb.bytes || ra.buffer != rb.buffer ||
                                ra.op != rb.op)))
            same = 0;
    } while (na && nb);
    tracegen_free(ga);
    tracegen_free(gb);
    return same;
}

static void test_video_seed(void **state)
{
    (void)state;
#define SMALL "kind: video_decode\nwidth: 256\nheight: 128\nframes: 3\n"
    assert_true(same_stream(SMALL "seed: 7\n", SMALL "seed: 7\n"));
    assert_true(same_stream(SMALL, SMALL "seed: 1\n"));             /* the default is 1 */
    assert_false(same_stream(SMALL "seed: 7\n", SMALL "seed: 8\n"));
    assert_false(same_stream(SMALL "mv_dist: uniform\nseed: 7\n", SMALL "mv_dist: uniform\n"));
    /* Zero vectors draw nothing: the seed does not matter. */
    assert_true(same_stream(SMALL "mv_dist: zero\nseed: 7\n", SMALL "mv_dist: zero\n"));
#undef SMALL
}

/*
 * Motion vectors read back from the luma block's first row in a 1024 x 1024 linear
 * frame (stride 1024): (16 mby + mvy - 2) * 1024 + 16 mbx + mvx - 2, for macroblocks
 * far enough from the edges that no clamp to the frame applies. Returns the count.
 */
static unsigned collect_mv(const char *yaml, unsigned margin, int64_t *mv, unsigned max)
{
    struct tracegen *g = gen_from_yaml(yaml);
    struct trace_rec r;
    unsigned n = 0;
    int64_t mb = -1, rows_seen = 0;

    while (tracegen_next(g, &r)) {
        if (r.op == TRACE_OP_FRAME) {
            mb = -1;
        } else if (r.buffer == 0) {
            mb++;
            rows_seen = 0;
        } else if (r.op == TRACE_OP_READ && r.bytes == 21 && rows_seen++ == 0) {
            int64_t mbx = mb % 64, mby = mb / 64;

            if (mbx >= margin && mbx < 64 - margin && mby >= margin && mby < 64 - margin &&
                n + 2 <= max) {
                mv[n++] = (int64_t)(r.addr % 1024) - (16 * mbx - 2);
                mv[n++] = (int64_t)(r.addr / 1024) - (16 * mby - 2);
            }
        }
    }
    tracegen_free(g);
    return n;
}

static void test_video_mv_clamp(void **state)
{
    static int64_t mv[2 * 4096];
    unsigned n, i, lo = 0, hi = 0;

    (void)state;
    /* sigma 1000 against mv_max 4: nearly every component is clamped to +-4. */
    n = collect_mv("kind: video_decode\nwidth: 1024\nheight: 1024\nframes: 2\n"
                   "mv_sigma: 1000\nmv_max: 4\n", 1, mv, 2 * 4096);
    assert_int_equal(n, 2 * 62 * 62);
    for (i = 0; i < n; i++) {
        assert_true(mv[i] >= -4 && mv[i] <= 4);
        lo += mv[i] == -4;
        hi += mv[i] == 4;
    }
    /* P(|z| * 1000 < 3.5) < 0.003: about half at each end. */
    assert_true(lo > n / 3 && hi > n / 3);

    /* uniform over -3..3: each value about 1/7 of 7688, none outside. */
    n = collect_mv("kind: video_decode\nwidth: 1024\nheight: 1024\nframes: 2\n"
                   "mv_dist: uniform\nmv_max: 3\n", 1, mv, 2 * 4096);
    for (int v = -3; v <= 3; v++) {
        unsigned c = 0;

        for (i = 0; i < n; i++)
            c += mv[i] == v;
        assert_true(c > n / 7 - n / 35 && c < n / 7 + n / 35);     /* within 20% */
    }
    for (i = 0; i < n; i++)
        assert_true(mv[i] >= -3 && mv[i] <= 3);
}

/*
 * normal, sigma 8: the Irwin-Hall sample has standard deviation sigma, and rounding
 * to whole pixels adds 1/12: sqrt(64 + 1/12) = 8.005. With 2 * 56 * 56 = 6272
 * samples the estimate is within 3% with overwhelming probability; the mean is 0
 * within 3 sigma / sqrt(n) = 0.3.
 */
static void test_video_mv_normal(void **state)
{
    static int64_t mv[2 * 4096];
    double sum = 0, sq = 0, mean, sd;
    unsigned n, i;

    (void)state;
    n = collect_mv("kind: video_decode\nwidth: 1024\nheight: 1024\nframes: 2\nmv_max: 40\n",
                   4, mv, 2 * 4096);
    assert_int_equal(n, 2 * 56 * 56);
    for (i = 0; i < n; i++) {
        sum += (double)mv[i];
        sq += (double)(mv[i] * mv[i]);
    }
    mean = sum / n;
    sd = sqrt(sq / n - mean * mean);
    assert_true(fabs(mean) < 0.3);
    assert_true(sd > 8.005 * 0.97 && sd < 8.005 * 1.03);
}

/* ------------------------------------------------------------ whole streams */

static void test_bounds_all_kinds(void **state)
{
    static const struct {
        const char *yaml;
        int tiled;
    } cases[] = {
        { "kind: video_decode\nwidth: 200\nheight: 120\nframes: 4\nrefs: 2\n"
          "mv_dist: uniform\nmv_max: 1024\n", 0 },
        { "kind: video_decode\nwidth: 200\nheight: 120\nframes: 4\nrefs: 2\n"
          "mv_dist: uniform\nmv_max: 1024\nlayout: tiled\n", 1 },
        { "kind: video_decode\nwidth: 100\nheight: 40\nframes: 3\nmv_sigma: 30\n"
          "layout: tiled\nfps: 0.1\n", 1 },
        { "kind: video_decode\nwidth: 33\nheight: 33\nframes: 3\nmv_sigma: 100\n"
          "bitrate: 1000\nfps: 0.5\n", 0 },
        { "kind: display\nwidth: 33\nheight: 17\nbpp: 3\nlayers: 4\nvtotal: 17\n"
          "frames: 3\n", 0 },
        { "kind: camera\nwidth: 34\nheight: 18\nframes: 5\nbuffers: 2\n", 0 },
        { "kind: camera\nwidth: 34\nheight: 17\nformat: yuyv\nframes: 3\n", 0 },
        { "kind: rotator\nwidth: 48\nheight: 32\ntile: 8\nangle: 90\nbpp: 3\n", 0 },
        { "kind: rotator\nwidth: 48\nheight: 32\ntile: 8\nangle: 180\nbpp: 3\n", 0 },
        { "kind: rotator\nwidth: 48\nheight: 32\ntile: 8\nangle: 270\nbpp: 3\n", 0 },
        { "kind: jpeg\nwidth: 48\nheight: 32\nratio: 1\nburst: 100\nframes: 3\n", 0 },
        { "kind: jpeg\nwidth: 48\nheight: 32\nratio: 0.01\nburst: 1\nframes: 3\n", 0 },
        { "kind: blit\nwidth: 7\nheight: 5\nbpp: 3\nsrc_x: 2\nsrc_y: 9\ndst_x: 11\n"
          "dst_y: 1\nsrc_stride: 64\nsrc_height: 20\n", 0 },
    };
    char yaml[512];
    unsigned c, seed;
    struct scan s;

    (void)state;
    for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        for (seed = 0; seed < 12; seed++) {
            snprintf(yaml, sizeof(yaml), "%sseed: %u\n", cases[c].yaml, seed * 7919);
            scan_yaml(yaml, &s, cases[c].tiled);
            assert_true(s.frames >= 2);
        }
    }
}

/* ------------------------------------------------------------ help */

static void test_print_params(void **state)
{
    char *buf = NULL;
    size_t len = 0, lines = 0, i;
    FILE *f = open_memstream(&buf, &len);

    (void)state;
    assert_non_null(f);
    tracegen_print_params(f, TRACEGEN_DISPLAY);
    fclose(f);
    for (i = 0; i < len; i++)
        lines += buf[i] == '\n';
    assert_int_equal(lines, 1 + 4 + 5);
    assert_non_null(strstr(buf, "display parameters:\n"));
    assert_non_null(strstr(buf, "\n  fps         number 0.1..1000, default 60 frames/s: "));
    assert_non_null(strstr(buf, "\n  vtotal      integer 1..1048576, default height + 45 "
                                "lines: "));
    assert_non_null(strstr(buf, "\n  seed        integer 0..18446744073709551615, "
                                "default 1: "));
    free(buf);

    buf = NULL;
    f = open_memstream(&buf, &len);
    tracegen_print_params(f, TRACEGEN_VIDEO_DECODE);
    fclose(f);
    assert_non_null(strstr(buf, "\n  fps         number 0.1..1000, default 30 frames/s: "));
    assert_non_null(strstr(buf, "\n  layout      one of linear|tiled, default linear: "));
    assert_non_null(strstr(buf, "\n  start       time 0..1000s, default 0: "));
    free(buf);
}

/* ------------------------------------------------------------ errors */

static void test_errors_keys(void **state)
{
    (void)state;
    expect_error("width: 640\n", -ENOENT, "gen.yaml:1:1: error: missing key 'kind'");
    expect_error("kind: videodecode\n", -EINVAL,
                 "gen.yaml:1:7: error: kind: 'videodecode' is not one of video_decode, display, "
                 "camera, rotator, jpeg, blit, scan; did you mean 'video_decode'?");
    expect_error("kind: gpu\n", -EINVAL,
                 "gen.yaml:1:7: error: kind: 'gpu' is not one of video_decode, display, "
                 "camera, rotator, jpeg, blit, scan");
    expect_error("kind: display\nwidht: 640\n", -EINVAL,
                 "gen.yaml:2:1: error: unknown key 'widht' at top level; did you mean 'width'?");
    expect_error("kind: display\nlayout: tiled\n", -EINVAL,
                 "gen.yaml:2:1: error: unknown key 'layout' at top level; valid keys: kind, "
                 "seed, frames, fps, start, width, height, bpp, layers, vtotal");
    expect_error("- kind: display\n", -EINVAL,
                 "gen.yaml:1:1: error: expected a map, found a list");
    /* Inside a scenario the key path names the section. */
    {
        static const char text[] = "generator:\n  kind: camera\n  buffres: 2\n";
        struct config_err err = { 0 };
        struct config *cfg = config_parse("s.yaml", text, strlen(text), &err);

        assert_null(tracegen_new(config_find(config_root(cfg), "generator"), &err));
        assert_string_equal(err.msg, "s.yaml:3:3: error: unknown key 'buffres' in generator; "
                                     "did you mean 'buffers'?");
        config_free(cfg);
    }
}

static void test_errors_values(void **state)
{
    (void)state;
    expect_error("kind: blit\nframes: 0\n", -ERANGE,
                 "gen.yaml:2:9: error: frames: 0 is out of range 1..100000");
    expect_error("kind: display\nfps: 2000\n", -ERANGE,
                 "gen.yaml:2:6: error: fps: 2000 is out of range 0.1..1000");
    expect_error("kind: display\nlayers: 5\n", -ERANGE,
                 "gen.yaml:2:9: error: layers: 5 is out of range 1..4");
    expect_error("kind: video_decode\nlayout: tile\n", -EINVAL,
                 "gen.yaml:2:9: error: layout: 'tile' is not one of linear, tiled; did you "
                 "mean 'tiled'?");
    expect_error("kind: rotator\nangle: 45\n", -EINVAL,
                 "gen.yaml:2:8: error: angle: '45' is not one of 90, 180, 270");
    expect_error("kind: jpeg\nburst: 1KB\n", -EINVAL,
                 "gen.yaml:2:8: error: burst: unknown unit 'KB' in '1KB'; valid units: B, K, "
                 "KiB, M, MiB, G, GiB, T, TiB");
    expect_error("kind: camera\nstart: 5\n", -EINVAL,
                 "gen.yaml:2:8: error: start: '5' has no unit; valid units: ps, ns, us, ms, s");
    expect_error("kind: video_decode\nwidth: 16\n", -ERANGE,
                 "gen.yaml:2:8: error: width: 16 is out of range 32..16384");
}

static void test_errors_consistency(void **state)
{
    (void)state;
    /* (8 + 256) * 4 = 1056 bytes needed per src row. */
    expect_error("kind: blit\nsrc_x: 8\nsrc_stride: 1024\n", -EINVAL,
                 "gen.yaml:3:13: error: src_stride: 1024 bytes is less than (src_x + width) "
                 "* bpp = 1056 bytes; the rectangle does not fit in a src row");
    expect_error("kind: blit\ndst_y: 10\ndst_height: 265\n", -EINVAL,
                 "gen.yaml:3:13: error: dst_height: 265 rows is less than dst_y + height = "
                 "266 rows; the rectangle does not fit in dst");
    expect_error("kind: display\nvtotal: 1000\n", -EINVAL,
                 "gen.yaml:2:9: error: vtotal: 1000 is less than height 1080; the frame "
                 "period holds every active line");
    expect_error("kind: camera\nformat: nv12\nheight: 481\n", -EINVAL,
                 "gen.yaml:3:9: error: height: 481 is odd; nv12 pairs lines for chroma");
    expect_error("kind: camera\nwidth: 641\n", -EINVAL,
                 "gen.yaml:2:8: error: width: 641 is odd; both formats pair pixels "
                 "horizontally");
    expect_error("kind: rotator\nwidth: 1000\ntile: 64\n", -EINVAL,
                 "gen.yaml:2:8: error: width: 1000 is not a multiple of tile 64");
    expect_error("kind: rotator\ntile: 128\n", -EINVAL,
                 "gen.yaml:2:7: error: tile: 128 does not divide height 1088");
    expect_error("kind: jpeg\nheight: 1000\n", -EINVAL,
                 "gen.yaml:2:9: error: height: 1000 is not a multiple of 16 (whole MCUs)");
    expect_error("kind: video_decode\nrefs: 2\ndpb: 2\n", -EINVAL,
                 "gen.yaml:3:6: error: dpb: 2 is too small for refs 2; the frame being "
                 "decoded needs a buffer besides its references (dpb >= refs + 1)");
    /* 1000 bit/s at 1000 fps: 0.125 bytes per frame. */
    expect_error("kind: video_decode\nbitrate: 1000\nfps: 1000\n", -EINVAL,
                 "gen.yaml:2:10: error: bitrate: 1000 bit/s at 1000 fps is less than one "
                 "byte per frame");
    /* 10^10 bit/s at 0.1 fps over 4 macroblocks: 12.5e9 / 4 bytes each. */
    expect_error("kind: video_decode\nwidth: 32\nheight: 32\nfps: 0.1\nbitrate: 10000000000\n",
                 -EINVAL, "gen.yaml:5:10: error: bitrate: 10000000000 bit/s gives 3125000000 "
                 "bytes per macroblock, more than one record carries (16777216)");
}

/* ------------------------------------------------------------ scan */

/*
 * scan from 0x1000 to 0x5000 every 0x1000, 64 bytes, both: per frame (30 fps) an F,
 * then at each of the 4 addresses a read and a write, the k-th address at
 * k * 33333333333 / 4 ps: 0, 8333333333, 16666666666, 24999999999.
 */
static void test_scan(void **state)
{
    static const char yaml[] = "kind: scan\nfrom: 0x1000\nto: 0x5000\nstride: 0x1000\n"
                               "frames: 1\n";
    struct tracegen *g = gen_from_yaml(yaml);
    struct trace_rec r;

    (void)state;
    assert_int_equal(tracegen_num_buffers(g), 0);
    tracegen_free(g);
    r = nth(yaml, 0);
    assert_rec(&r, 0, TRACE_OP_FRAME, TRACE_RAW, 0, 0);
    r = nth(yaml, 1);
    assert_rec(&r, 0, TRACE_OP_READ, TRACE_RAW, 0x1000, 64);
    r = nth(yaml, 2);
    assert_rec(&r, 0, TRACE_OP_WRITE, TRACE_RAW, 0x1000, 64);
    r = nth(yaml, 5);
    assert_rec(&r, UINT64_C(16666666666), TRACE_OP_READ, TRACE_RAW, 0x3000, 64);
    r = nth(yaml, 8);
    assert_rec(&r, UINT64_C(24999999999), TRACE_OP_WRITE, TRACE_RAW, 0x4000, 64);
    /* 1 + 4 * 2 records, then the end. */
    g = gen_from_yaml(yaml);
    unsigned n = 0;
    while (tracegen_next(g, &r) == 1)
        n++;
    assert_int_equal(n, 9);
    tracegen_free(g);

    /* The default sweeps all 4 GiB every 4 KiB: 2^20 addresses; writes only: one
     * access each. The last is at 0xFFFFF000. */
    g = gen_from_yaml("kind: scan\nops: write\nframes: 1\n");
    n = 0;
    while (tracegen_next(g, &r) == 1)
        n++;
    assert_int_equal(n, 1 + (1u << 20));
    assert_rec(&r, r.time, TRACE_OP_WRITE, TRACE_RAW, 0xFFFFF000u, 64);
    tracegen_free(g);

    expect_error("kind: scan\nfrom: 0x2000\nto: 0x1000\n", -EINVAL,
                 "gen.yaml:3:5: error: to: 0x1000 is not above from (0x2000)");
    /* from 2^64 - 4096 to the default end (4 GiB) is not a sweep; the default has no
     * position of its own, so the message names the map's */
    expect_error("kind: scan\nfrom: 0xFFFFFFFFFFFFF000\n", -EINVAL,
                 "gen.yaml:1:1: error: 0x100000000 is not above from (0xfffffffffffff000)");
    /* 2^64 - 4096 in steps of 2048 below 2^64 - 1: the last access, at 2^64 - 2048, of
     * 4096 bytes would end 2048 bytes past 2^64 */
    expect_error("kind: scan\nfrom: 0xFFFFFFFFFFFFF000\nto: 0xFFFFFFFFFFFFFFFF\n"
                 "bytes: 4096\nstride: 2048\n", -EINVAL,
                 "gen.yaml:4:8: error: bytes: the last access, at 0xfffffffffffff800, would "
                 "pass 2^64; lower to or bytes");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kind_names),
        cmocka_unit_test(test_scan),
        cmocka_unit_test(test_frame_times),
        cmocka_unit_test(test_display_default),
        cmocka_unit_test(test_display_layers),
        cmocka_unit_test(test_camera_nv12),
        cmocka_unit_test(test_camera_yuyv),
        cmocka_unit_test(test_rotator_default_90),
        cmocka_unit_test(test_rotator_180_270_corners),
        cmocka_unit_test(test_rotator_tiny_by_hand),
        cmocka_unit_test(test_rotator_permutation),
        cmocka_unit_test(test_jpeg_default),
        cmocka_unit_test(test_jpeg_one_write),
        cmocka_unit_test(test_blit),
        cmocka_unit_test(test_video_counts),
        cmocka_unit_test(test_video_linear_addresses),
        cmocka_unit_test(test_video_edge_clamp),
        cmocka_unit_test(test_video_tiled),
        cmocka_unit_test(test_video_refs2),
        cmocka_unit_test(test_video_seed),
        cmocka_unit_test(test_video_mv_clamp),
        cmocka_unit_test(test_video_mv_normal),
        cmocka_unit_test(test_bounds_all_kinds),
        cmocka_unit_test(test_print_params),
        cmocka_unit_test(test_errors_keys),
        cmocka_unit_test(test_errors_values),
        cmocka_unit_test(test_errors_consistency),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
