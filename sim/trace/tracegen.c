/*
 * tracegen.c - the trace generators of sim/trace/tracegen.h.
 *
 * Each kind is three things: a parameter table (read by one generic loop, so the
 * YAML file and the command line get the same names, ranges and messages), a setup
 * function that derives the geometry and names the buffers, and a small state
 * machine that produces one frame's records one at a time. The generic layer in
 * tracegen_next() emits the F marker of every frame and hands a record that had to
 * be split (a tiled row crossing a tile's edge) back on the following call, so the
 * whole stream lives in a few counters whatever the frame size.
 *
 * Time is exact integer arithmetic: the frame rate is rounded once to a whole
 * number of micro-hertz, frame n starts at start + floor(n * 10^18 / fps_uhz) ps,
 * and unit i of the N units of work of a frame (macroblock, line, tile, MCU, row)
 * is issued at frame_start + floor(i * period / N). Addresses never go through
 * floating point; only the motion-vector scale (sigma) and the JPEG compression
 * ratio are doubles, each used in one IEEE multiplication, so the stream is the
 * same on every host. traces/README.md documents each kind.
 */
#include "sim/trace/tracegen.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "sim/core/util.h"

typedef unsigned __int128 u128;

#define PS_UHZ          UINT64_C(1000000000000000000)   /* 10^12 ps/s * 10^6 uHz/Hz */
#define UHZ_PER_HZ      1e6
#define PAGE_BYTES      4096u
#define MAX_DIM         16384u          /* pixels, any picture dimension */
#define MAX_BPP         16u             /* bytes per pixel */
#define MAX_FRAMES      100000u
#define MAX_START_PS    UINT64_C(1000000000000000)      /* 1000 s */
#define MAX_VTOTAL      (1u << 20)
#define MAX_RING        16u             /* frame buffers of a DPB or camera ring */
#define BLANK_LINES     45u             /* default vertical blanking, as in CEA-861 1080p */

#define MAX_KIND_PARAMS 16
#define MAX_BUFS        (1 + MAX_RING)
#define BUF_NAME_MAX    16

/* ------------------------------------------------------------ parameters */

enum ptype {
    PT_U64,
    PT_SIZE,
    PT_TIME,
    PT_ENUM,
    PT_DOUBLE,
};

/*
 * One parameter. Integer types use def/min/max, doubles ddef/dmin/dmax, enums
 * `choices` with def as the index. def_text replaces the default when it is
 * computed from other parameters (the kind's setup fills it in).
 */
struct param {
    const char *name;
    enum ptype type;
    uint64_t def, min, max;
    double ddef, dmin, dmax;
    const char *const *choices;
    const char *def_text;
    const char *unit;
    const char *help;
};

/* A parameter's value, and the node it was read from (NULL: the default). */
struct pval {
    uint64_t u;
    double d;
    const struct config_node *node;
};

enum { P_SEED, P_FRAMES, P_FPS, P_START, NCOMMON };

static const struct param common_params[NCOMMON] = {
    [P_SEED] = { .name = "seed", .type = PT_U64, .def = 1, .min = 0, .max = UINT64_MAX,
                 .help = "seed of the random generator (video_decode's motion vectors)" },
    [P_FRAMES] = { .name = "frames", .type = PT_U64, .def = 2, .min = 1, .max = MAX_FRAMES,
                   .help = "frames to generate" },
    [P_FPS] = { .name = "fps", .type = PT_DOUBLE, .ddef = 30, .dmin = 0.1, .dmax = 1000,
                .unit = "frames/s", .help = "frame rate (rounded to a whole micro-hertz)" },
    [P_START] = { .name = "start", .type = PT_TIME, .def = 0, .min = 0, .max = MAX_START_PS,
                  .help = "time of the first frame" },
};

static const char *const layout_names[] = { "linear", "tiled", NULL };
static const char *const mv_dist_names[] = { "zero", "uniform", "normal", NULL };
static const char *const format_names[] = { "nv12", "yuyv", NULL };
static const char *const angle_names[] = { "90", "180", "270", NULL };

enum { LAYOUT_LINEAR, LAYOUT_TILED };
enum { MV_ZERO, MV_UNIFORM, MV_NORMAL };
enum { FMT_NV12, FMT_YUYV };
enum { ANGLE_90, ANGLE_180, ANGLE_270 };

#define DIM(nm, lo, dflt, what) \
    { .name = nm, .type = PT_U64, .def = dflt, .min = lo, .max = MAX_DIM, .unit = "pixels", \
      .help = what }
#define BPP(dflt) \
    { .name = "bpp", .type = PT_U64, .def = dflt, .min = 1, .max = MAX_BPP, \
      .unit = "bytes/pixel", .help = "bytes per pixel" }
#define VTOTAL \
    { .name = "vtotal", .type = PT_U64, .min = 1, .max = MAX_VTOTAL, .def_text = "height + 45", \
      .unit = "lines", .help = "lines per frame period, blanking included (>= height)" }

enum { VD_WIDTH, VD_HEIGHT, VD_LAYOUT, VD_REFS, VD_DPB, VD_MV_DIST, VD_MV_SIGMA, VD_MV_MAX,
       VD_BITRATE, VD_NPARAMS };

static const struct param video_params[VD_NPARAMS] = {
    [VD_WIDTH] = DIM("width", 32, 1920, "picture width, rounded up to whole macroblocks"),
    [VD_HEIGHT] = DIM("height", 32, 1080, "picture height, rounded up to whole macroblocks"),
    [VD_LAYOUT] = { .name = "layout", .type = PT_ENUM, .def = LAYOUT_LINEAR,
                    .choices = layout_names, .help = "NV12 frame layout: linear rows or "
                    "64x32-byte tiles" },
    [VD_REFS] = { .name = "refs", .type = PT_U64, .def = 1, .min = 1, .max = 2,
                  .help = "reference frames read per macroblock "
                  "(2: the two previous frames)" },
    [VD_DPB] = { .name = "dpb", .type = PT_U64, .def = 3, .min = 2, .max = MAX_RING,
                 .unit = "frames", .help = "frame buffers in rotation (>= refs + 1)" },
    [VD_MV_DIST] = { .name = "mv_dist", .type = PT_ENUM, .def = MV_NORMAL,
                     .choices = mv_dist_names, .help = "motion-vector distribution" },
    [VD_MV_SIGMA] = { .name = "mv_sigma", .type = PT_DOUBLE, .ddef = 8, .dmin = 0,
                      .dmax = 1024, .unit = "pixels",
                      .help = "standard deviation of each component (normal)" },
    [VD_MV_MAX] = { .name = "mv_max", .type = PT_U64, .def = 64, .min = 0, .max = 1024,
                    .unit = "pixels", .help = "largest component; larger ones are clamped" },
    [VD_BITRATE] = { .name = "bitrate", .type = PT_U64, .def = 20000000, .min = 1000,
                     .max = UINT64_C(10000000000), .unit = "bit/s",
                     .help = "compressed stream rate" },
};

enum { DSP_WIDTH, DSP_HEIGHT, DSP_BPP, DSP_LAYERS, DSP_VTOTAL, DSP_NPARAMS };

static const struct param display_params[DSP_NPARAMS] = {
    [DSP_WIDTH] = DIM("width", 1, 1920, "active pixels per line"),
    [DSP_HEIGHT] = DIM("height", 1, 1080, "active lines"),
    [DSP_BPP] = BPP(4),
    [DSP_LAYERS] = { .name = "layers", .type = PT_U64, .def = 1, .min = 1, .max = 4,
                     .help = "overlay layers, each a full-screen buffer" },
    [DSP_VTOTAL] = VTOTAL,
};

enum { CAM_WIDTH, CAM_HEIGHT, CAM_FORMAT, CAM_BUFFERS, CAM_VTOTAL, CAM_NPARAMS };

static const struct param camera_params[CAM_NPARAMS] = {
    [CAM_WIDTH] = DIM("width", 2, 1920, "sensor line width (even)"),
    [CAM_HEIGHT] = DIM("height", 2, 1080, "sensor lines (even for nv12)"),
    [CAM_FORMAT] = { .name = "format", .type = PT_ENUM, .def = FMT_NV12,
                     .choices = format_names, .help = "pixel format written" },
    [CAM_BUFFERS] = { .name = "buffers", .type = PT_U64, .def = 3, .min = 1, .max = MAX_RING,
                      .unit = "frames", .help = "frame buffers in the ring" },
    [CAM_VTOTAL] = VTOTAL,
};

enum { ROT_WIDTH, ROT_HEIGHT, ROT_BPP, ROT_ANGLE, ROT_TILE, ROT_NPARAMS };

static const struct param rotator_params[ROT_NPARAMS] = {
    [ROT_WIDTH] = DIM("width", 1, 1920, "source width (a multiple of tile)"),
    [ROT_HEIGHT] = DIM("height", 1, 1088, "source height (a multiple of tile)"),
    [ROT_BPP] = BPP(2),
    [ROT_ANGLE] = { .name = "angle", .type = PT_ENUM, .def = ANGLE_90, .choices = angle_names,
                    .unit = "degrees", .help = "clockwise rotation" },
    [ROT_TILE] = { .name = "tile", .type = PT_U64, .def = 16, .min = 1, .max = 1024,
                   .unit = "pixels", .help = "side of the square tiles" },
};

enum { JPG_WIDTH, JPG_HEIGHT, JPG_RATIO, JPG_BURST, JPG_NPARAMS };

static const struct param jpeg_params[JPG_NPARAMS] = {
    [JPG_WIDTH] = DIM("width", 16, 3264, "image width (a multiple of 16)"),
    [JPG_HEIGHT] = DIM("height", 16, 2448, "image height (a multiple of 16)"),
    [JPG_RATIO] = { .name = "ratio", .type = PT_DOUBLE, .ddef = 0.1, .dmin = 0.01, .dmax = 1,
                    .help = "compressed bytes / raw NV12 bytes" },
    [JPG_BURST] = { .name = "burst", .type = PT_SIZE, .def = 256, .min = 1,
                    .max = TRACE_MAX_BYTES, .unit = "bytes", .help = "bitstream write size" },
};

enum { BLT_WIDTH, BLT_HEIGHT, BLT_BPP, BLT_SRC_X, BLT_SRC_Y, BLT_DST_X, BLT_DST_Y,
       BLT_SRC_STRIDE, BLT_DST_STRIDE, BLT_SRC_HEIGHT, BLT_DST_HEIGHT, BLT_NPARAMS };

#define BLT_MAX_DIM     65536u
#define BLT_MAX_STRIDE  (UINT64_C(1) << 30)
#define BLT_MAX_ROWS    (1u << 20)
#define POS(nm, what) \
    { .name = nm, .type = PT_U64, .def = 0, .min = 0, .max = BLT_MAX_DIM - 1, \
      .unit = "pixels", .help = what }
#define STRIDE(nm, dflt, what) \
    { .name = nm, .type = PT_SIZE, .min = 1, .max = BLT_MAX_STRIDE, .def_text = dflt, \
      .unit = "bytes", .help = what }
#define ROWS(nm, dflt, what) \
    { .name = nm, .type = PT_U64, .min = 1, .max = BLT_MAX_ROWS, .def_text = dflt, \
      .unit = "rows", .help = what }

static const struct param blit_params[BLT_NPARAMS] = {
    [BLT_WIDTH] = { .name = "width", .type = PT_U64, .def = 256, .min = 1, .max = BLT_MAX_DIM,
                    .unit = "pixels", .help = "rectangle width" },
    [BLT_HEIGHT] = { .name = "height", .type = PT_U64, .def = 256, .min = 1,
                     .max = BLT_MAX_DIM, .unit = "pixels", .help = "rectangle height" },
    [BLT_BPP] = BPP(4),
    [BLT_SRC_X] = POS("src_x", "rectangle's left column in src"),
    [BLT_SRC_Y] = POS("src_y", "rectangle's top row in src"),
    [BLT_DST_X] = POS("dst_x", "rectangle's left column in dst"),
    [BLT_DST_Y] = POS("dst_y", "rectangle's top row in dst"),
    [BLT_SRC_STRIDE] = STRIDE("src_stride", "(src_x + width) * bpp", "bytes per src row"),
    [BLT_DST_STRIDE] = STRIDE("dst_stride", "(dst_x + width) * bpp", "bytes per dst row"),
    [BLT_SRC_HEIGHT] = ROWS("src_height", "src_y + height", "rows of src"),
    [BLT_DST_HEIGHT] = ROWS("dst_height", "dst_y + height", "rows of dst"),
};

/* scan: a sweep over raw IOVAs, e.g. a rogue or misconfigured device probing the
 * whole 4 GiB space (configs/scenarios/security_rogue_camera.yaml). IOVAs are 64-bit
 * as in every trace; a scenario's SMMU v1 refuses those at or above 4 GiB. */
enum { SCN_FROM, SCN_TO, SCN_STRIDE, SCN_BYTES, SCN_OPS, SCN_NPARAMS };
enum { SCAN_READ, SCAN_WRITE, SCAN_BOTH };
static const char *const scan_ops_names[] = { "read", "write", "both", NULL };

static const struct param scan_params[SCN_NPARAMS] = {
    [SCN_FROM] = { .name = "from", .type = PT_SIZE, .def = 0, .min = 0,
                   .max = UINT64_MAX - 1, .unit = "bytes",
                   .help = "first IOVA of the sweep" },
    [SCN_TO] = { .name = "to", .type = PT_SIZE, .def = UINT64_C(1) << 32, .min = 1,
                 .max = UINT64_MAX, .unit = "bytes",
                 .help = "end of the sweep (exclusive)" },
    [SCN_STRIDE] = { .name = "stride", .type = PT_SIZE, .def = 4096, .min = 1,
                     .max = UINT64_MAX, .unit = "bytes",
                     .help = "distance between accesses" },
    [SCN_BYTES] = { .name = "bytes", .type = PT_SIZE, .def = 64, .min = 1, .max = 4096,
                    .unit = "bytes", .help = "size of each access" },
    [SCN_OPS] = { .name = "ops", .type = PT_ENUM, .def = SCAN_BOTH,
                  .choices = scan_ops_names,
                  .help = "read, write, or both (a read then a write at each address)" },
};

/* ------------------------------------------------------------ the generator */

struct video_state {
    /* geometry */
    bool tiled;
    uint64_t w16, h16;          /* picture in whole macroblocks */
    uint64_t stride;            /* linear: bytes per row */
    uint64_t tiles_x;           /* tiled: tiles per tile row */
    uint64_t chroma_base;       /* offset of the CbCr plane in a frame */
    uint64_t mbs_x, mbs;
    uint64_t frame_bytes;       /* compressed bytes of each frame */
    /* this frame */
    uint16_t cur, refbuf[2];
    unsigned nrefs;
    /* this macroblock */
    uint64_t mb, t;
    unsigned phase, ref, row;
    uint64_t lx, ly, cx, cy;    /* reference blocks' top-left (luma pixels, chroma bytes/rows) */
};

struct display_state {
    uint64_t y;
    unsigned layer;             /* 0: the line's L marker; i: layer i - 1's read */
};

struct camera_state {
    uint64_t y;
    unsigned part;              /* 0: luma or YUYV line, 1: CbCr line */
};

struct rotator_state {
    uint64_t tiles_x, tiles, tile_i;
    uint64_t dst_stride;
    unsigned phase, row;
    /* the current tile's, worked out once for its 2 * tile records */
    uint64_t time, src_row0, dst_row0;
};

struct jpeg_state {
    uint64_t mcus_x, mcus, mcu, t;
    uint64_t frame_bytes;       /* compressed bytes of each frame */
    uint64_t emitted;           /* bitstream bytes of this frame written so far */
    unsigned phase, row;
};

struct blit_state {
    uint64_t row;
    unsigned phase;
};

struct scan_state {
    uint64_t step, steps;       /* accesses addresses of this pass, and how many */
    unsigned phase;             /* SCAN_BOTH: the read (0) or the write (1) */
};

struct kind_desc;

struct tracegen {
    const struct kind_desc *kd;
    struct pval common[NCOMMON];
    struct pval val[MAX_KIND_PARAMS];

    uint64_t frames, start, fps_uhz;
    uint64_t rng;

    unsigned nbuf;
    char names[MAX_BUFS][BUF_NAME_MAX];
    uint64_t sizes[MAX_BUFS];

    /* where the stream is */
    uint64_t frame, frame_start, period;
    bool in_frame, done, has_pending;
    struct trace_rec pending;   /* second half of a split row */

    union {
        struct video_state vd;
        struct display_state dsp;
        struct camera_state cam;
        struct rotator_state rot;
        struct jpeg_state jpg;
        struct blit_state blt;
        struct scan_state scn;
    } s;
};

struct kind_desc {
    const char *name;
    const struct param *params;
    unsigned nparams;
    double fps_default;
    int (*setup)(struct tracegen *g, const struct config_node *map, struct config_err *err);
    void (*begin_frame)(struct tracegen *g);
    int (*next)(struct tracegen *g, struct trace_rec *rec);     /* 0: the frame is done */
};

#define U(g, i)         ((g)->val[i].u)
#define GIVEN(g, i)     ((g)->val[i].node != NULL)

/*
 * The node a rule about parameter i is reported at: its value if written, else the
 * map. The defaults never break a rule, so the messages start with the value and
 * let the node's path name the parameter.
 */
static const struct config_node *blame(const struct tracegen *g, unsigned i,
                                       const struct config_node *map)
{
    return g->val[i].node ? g->val[i].node : map;
}

static void add_buffer(struct tracegen *g, const char *name, unsigned index, bool numbered,
                       uint64_t size)
{
    if (numbered)
        snprintf(g->names[g->nbuf], BUF_NAME_MAX, "%s%u", name, index);
    else
        snprintf(g->names[g->nbuf], BUF_NAME_MAX, "%s", name);
    g->sizes[g->nbuf++] = size;
}

/* Offset of frame n from `start`: floor(n * 10^18 / fps_uhz) ps. */
static uint64_t frame_offset(const struct tracegen *g, uint64_t n)
{
    return (uint64_t)((u128)n * PS_UHZ / g->fps_uhz);
}

/* Issue time of unit i of the n units of work of the current frame. */
static uint64_t unit_time(const struct tracegen *g, uint64_t i, uint64_t n)
{
    return g->frame_start + (uint64_t)((u128)i * g->period / n);
}

static void access_rec(struct trace_rec *rec, uint64_t t, uint8_t op, uint16_t buf,
                       uint64_t addr, uint64_t bytes)
{
    *rec = (struct trace_rec){ .time = t, .addr = addr, .bytes = (uint32_t)bytes,
                               .buffer = buf, .op = op };
}

static void marker_rec(struct trace_rec *rec, uint64_t t, uint8_t op)
{
    *rec = (struct trace_rec){ .time = t, .addr = 0, .bytes = 0, .buffer = TRACE_RAW,
                               .op = op };
}

/* splitmix64: a fixed, well-mixed sequence from any seed, zero included. */
static uint64_t rng_next(uint64_t *state)
{
    uint64_t z = (*state += UINT64_C(0x9E3779B97F4A7C15));

    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

/* ------------------------------------------------------------ video_decode */

#define MB              16u
#define LUMA_ROWS       21u     /* 16 + 5: the 6-tap interpolation filter's margin */
#define LUMA_BYTES      21u
#define LUMA_MARGIN     2u      /* taps left of / above the block */
#define CHROMA_ROWS     9u      /* 8 + 1: the bilinear filter's margin */
#define CHROMA_BYTES    18u     /* 9 CbCr pairs */
#define REC_CHROMA_ROWS 8u
#define LINEAR_ALIGN    128u    /* row alignment of a linear frame */
#define TILE_W          64u     /* bytes */
#define TILE_H          32u     /* rows */
#define TILE_BYTES      (TILE_W * TILE_H)
#define BUF_BITSTREAM   0
#define IRWIN_HALL_N    12u     /* uniforms summed for one normal sample */

enum { VD_BITS, VD_REF_LUMA, VD_REF_CHROMA, VD_REC_LUMA, VD_REC_CHROMA };

static int64_t clamp_i64(int64_t v, int64_t lo, int64_t hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/*
 * One motion-vector component in whole pixels. normal: the sum of 12 uniform 32-bit
 * integers has mean 6 * (2^32 - 1) and standard deviation 2^32 (within 2^-32), so
 * centring it and scaling by sigma / 2^32 is an integer-exact approximation of a
 * normal sample (tails beyond 6 sigma cut), rounded half away from zero.
 */
static int64_t vd_mv(struct tracegen *g)
{
    int64_t max = (int64_t)U(g, VD_MV_MAX), sum2 = 0;
    unsigned i;

    switch (U(g, VD_MV_DIST)) {
    case MV_UNIFORM:
        return (int64_t)(((u128)rng_next(&g->rng) * (uint64_t)(2 * max + 1)) >> 64) - max;
    case MV_NORMAL:
        for (i = 0; i < IRWIN_HALL_N / 2; i++) {
            uint64_t r = rng_next(&g->rng);

            sum2 += (int64_t)(r >> 32) + (int64_t)(r & 0xFFFFFFFFu);
        }
        sum2 = 2 * sum2 - (int64_t)IRWIN_HALL_N * INT64_C(0xFFFFFFFF);
        return clamp_i64(lround(g->val[VD_MV_SIGMA].d * ((double)sum2 * 0x1p-33)), -max, max);
    default:
        return 0;
    }
}

/* Draws the current reference's vector and places its luma and chroma blocks. */
static void vd_place_refs(struct tracegen *g)
{
    struct video_state *v = &g->s.vd;
    int64_t mbx = (int64_t)(v->mb % v->mbs_x), mby = (int64_t)(v->mb / v->mbs_x);
    int64_t mvx = vd_mv(g), mvy = vd_mv(g);
    int64_t w = (int64_t)v->w16, h = (int64_t)v->h16;

    v->lx = (uint64_t)clamp_i64((int64_t)MB * mbx + mvx - LUMA_MARGIN, 0, w - LUMA_BYTES);
    v->ly = (uint64_t)clamp_i64((int64_t)MB * mby + mvy - LUMA_MARGIN, 0, h - LUMA_ROWS);
    /* floor(mv / 2) chroma samples of 2 bytes; an arithmetic shift floors. */
    v->cx = (uint64_t)clamp_i64((int64_t)MB * mbx + 2 * (mvx >> 1), 0, w - CHROMA_BYTES);
    v->cy = (uint64_t)clamp_i64((int64_t)(MB / 2) * mby + (mvy >> 1), 0, h / 2 - CHROMA_ROWS);
}

static uint64_t vd_tiled_offset(const struct video_state *v, uint64_t x, uint64_t y)
{
    return ((y / TILE_H) * v->tiles_x + x / TILE_W) * TILE_BYTES + (y % TILE_H) * TILE_W +
           x % TILE_W;
}

/*
 * One row of `bytes` at byte x of row y of a plane: one record, or in the tiled
 * layout two when the row crosses a tile's edge (the second is returned by the
 * next call). Rows are at most 21 bytes, so they cross at most one edge.
 */
static void vd_row(struct tracegen *g, struct trace_rec *rec, uint8_t op, uint16_t buf,
                   bool chroma, uint64_t x, uint64_t y, uint32_t bytes)
{
    struct video_state *v = &g->s.vd;
    uint64_t base = chroma ? v->chroma_base : 0;
    uint32_t first;

    if (!v->tiled) {
        access_rec(rec, v->t, op, buf, base + y * v->stride + x, bytes);
        return;
    }
    access_rec(rec, v->t, op, buf, base + vd_tiled_offset(v, x, y), bytes);
    if (x % TILE_W + bytes <= TILE_W)
        return;
    first = (uint32_t)(TILE_W - x % TILE_W);
    rec->bytes = first;
    access_rec(&g->pending, v->t, op, buf, base + vd_tiled_offset(v, x + first, y),
               bytes - first);
    g->has_pending = true;
}

static int video_setup(struct tracegen *g, const struct config_node *map,
                       struct config_err *err)
{
    struct video_state *v = &g->s.vd;
    uint64_t luma_tile_rows, chroma_tile_rows, frame_size, largest;
    unsigned i;

    if (U(g, VD_DPB) < U(g, VD_REFS) + 1)
        return config_fail(err, blame(g, VD_DPB, map), -EINVAL,
                           "%llu is too small for refs %llu; the frame being decoded needs "
                           "a buffer besides its references (dpb >= refs + 1)",
                           (unsigned long long)U(g, VD_DPB), (unsigned long long)U(g, VD_REFS));
    v->tiled = U(g, VD_LAYOUT) == LAYOUT_TILED;
    v->w16 = align_up(U(g, VD_WIDTH), MB);
    v->h16 = align_up(U(g, VD_HEIGHT), MB);
    v->mbs_x = v->w16 / MB;
    v->mbs = v->mbs_x * (v->h16 / MB);
    if (v->tiled) {
        v->tiles_x = (v->w16 + TILE_W - 1) / TILE_W;
        luma_tile_rows = (v->h16 + TILE_H - 1) / TILE_H;
        chroma_tile_rows = (v->h16 / 2 + TILE_H - 1) / TILE_H;
        v->chroma_base = v->tiles_x * luma_tile_rows * TILE_BYTES;
        frame_size = v->chroma_base + v->tiles_x * chroma_tile_rows * TILE_BYTES;
    } else {
        v->stride = align_up(v->w16, LINEAR_ALIGN);
        v->chroma_base = v->stride * v->h16;
        frame_size = v->chroma_base + v->stride * (v->h16 / 2);
    }

    /* bitrate / 8 / fps bytes, floored: bitrate * 10^6 / (8 * fps_uhz). */
    v->frame_bytes = (uint64_t)((u128)U(g, VD_BITRATE) * 1000000u / (8 * (u128)g->fps_uhz));
    if (!v->frame_bytes)
        return config_fail(err, blame(g, VD_BITRATE, map), -EINVAL,
                           "%llu bit/s at %g fps is less than one byte per frame",
                           (unsigned long long)U(g, VD_BITRATE), g->common[P_FPS].d);
    largest = (v->frame_bytes + v->mbs - 1) / v->mbs;
    if (largest > TRACE_MAX_BYTES)
        return config_fail(err, blame(g, VD_BITRATE, map), -EINVAL,
                           "%llu bit/s gives %llu bytes per macroblock, more than one "
                           "record carries (%u)", (unsigned long long)U(g, VD_BITRATE),
                           (unsigned long long)largest, TRACE_MAX_BYTES);

    add_buffer(g, "bitstream", 0, false, align_up(v->frame_bytes * g->frames, PAGE_BYTES));
    for (i = 0; i < U(g, VD_DPB); i++)
        add_buffer(g, "frame", i, true, frame_size);
    return 0;
}

static void video_begin_frame(struct tracegen *g)
{
    struct video_state *v = &g->s.vd;
    uint64_t n = g->frame, dpb = U(g, VD_DPB);

    v->mb = 0;
    v->phase = VD_BITS;
    v->cur = (uint16_t)(1 + n % dpb);
    v->nrefs = (unsigned)(n < U(g, VD_REFS) ? n : U(g, VD_REFS));
    if (n >= 1)
        v->refbuf[0] = (uint16_t)(1 + (n - 1) % dpb);
    if (n >= 2)
        v->refbuf[1] = (uint16_t)(1 + (n - 2) % dpb);
}

static int video_next(struct tracegen *g, struct trace_rec *rec)
{
    struct video_state *v = &g->s.vd;
    uint64_t mbx, mby, lo, hi;

    for (;;) {
        switch (v->phase) {
        case VD_BITS:
            if (v->mb == v->mbs)
                return 0;
            v->t = unit_time(g, v->mb, v->mbs);
            /* Macroblock i's share of B bytes: floor((i+1)B/N) - floor(iB/N). */
            lo = (uint64_t)((u128)v->mb * v->frame_bytes / v->mbs);
            hi = (uint64_t)((u128)(v->mb + 1) * v->frame_bytes / v->mbs);
            v->ref = 0;
            v->row = 0;
            if (v->nrefs) {
                v->phase = VD_REF_LUMA;
                vd_place_refs(g);
            } else {
                v->phase = VD_REC_LUMA;
            }
            if (hi > lo) {
                access_rec(rec, v->t, TRACE_OP_READ, BUF_BITSTREAM,
                           g->frame * v->frame_bytes + lo, hi - lo);
                return 1;
            }
            break;
        case VD_REF_LUMA:
            vd_row(g, rec, TRACE_OP_READ, v->refbuf[v->ref], false, v->lx, v->ly + v->row,
                   LUMA_BYTES);
            if (++v->row == LUMA_ROWS) {
                v->row = 0;
                v->phase = VD_REF_CHROMA;
            }
            return 1;
        case VD_REF_CHROMA:
            vd_row(g, rec, TRACE_OP_READ, v->refbuf[v->ref], true, v->cx, v->cy + v->row,
                   CHROMA_BYTES);
            if (++v->row == CHROMA_ROWS) {
                v->row = 0;
                if (++v->ref < v->nrefs) {
                    v->phase = VD_REF_LUMA;
                    vd_place_refs(g);
                } else {
                    v->phase = VD_REC_LUMA;
                }
            }
            return 1;
        case VD_REC_LUMA:
            mbx = v->mb % v->mbs_x;
            mby = v->mb / v->mbs_x;
            vd_row(g, rec, TRACE_OP_WRITE, v->cur, false, MB * mbx, MB * mby + v->row, MB);
            if (++v->row == MB) {
                v->row = 0;
                v->phase = VD_REC_CHROMA;
            }
            return 1;
        case VD_REC_CHROMA:
            mbx = v->mb % v->mbs_x;
            mby = v->mb / v->mbs_x;
            vd_row(g, rec, TRACE_OP_WRITE, v->cur, true, MB * mbx, MB / 2 * mby + v->row, MB);
            if (++v->row == REC_CHROMA_ROWS) {
                v->row = 0;
                v->mb++;
                v->phase = VD_BITS;
            }
            return 1;
        }
    }
}

/* ------------------------------------------------------------ display, camera */

/* vtotal defaults to height + blanking, and may not be shorter than the picture. */
static int setup_vtotal(struct tracegen *g, unsigned vtotal, unsigned height,
                        const struct config_node *map, struct config_err *err)
{
    if (!GIVEN(g, vtotal))
        U(g, vtotal) = U(g, height) + BLANK_LINES;
    if (U(g, vtotal) < U(g, height))
        return config_fail(err, blame(g, vtotal, map), -EINVAL,
                           "%llu is less than height %llu; the frame period holds every "
                           "active line", (unsigned long long)U(g, vtotal),
                           (unsigned long long)U(g, height));
    return 0;
}

static uint64_t line_time(const struct tracegen *g, uint64_t y, unsigned vtotal)
{
    return unit_time(g, y, U(g, vtotal));
}

static int display_setup(struct tracegen *g, const struct config_node *map,
                         struct config_err *err)
{
    uint64_t size = U(g, DSP_WIDTH) * U(g, DSP_BPP) * U(g, DSP_HEIGHT);
    unsigned i;
    int rc = setup_vtotal(g, DSP_VTOTAL, DSP_HEIGHT, map, err);

    if (rc)
        return rc;
    for (i = 0; i < U(g, DSP_LAYERS); i++)
        add_buffer(g, "layer", i, true, size);
    return 0;
}

static void display_begin_frame(struct tracegen *g)
{
    g->s.dsp.y = 0;
    g->s.dsp.layer = 0;
}

static int display_next(struct tracegen *g, struct trace_rec *rec)
{
    struct display_state *d = &g->s.dsp;
    uint64_t line = U(g, DSP_WIDTH) * U(g, DSP_BPP), t;

    if (d->y == U(g, DSP_HEIGHT))
        return 0;
    /* Blanking first: the frame's period starts with vtotal - height blank lines,
     * during which a display with a line FIFO fetches its first lines. */
    t = line_time(g, U(g, DSP_VTOTAL) - U(g, DSP_HEIGHT) + d->y, DSP_VTOTAL);
    if (d->layer == 0) {
        marker_rec(rec, t, TRACE_OP_LINE);
    } else {
        access_rec(rec, t, TRACE_OP_READ, (uint16_t)(d->layer - 1), d->y * line, line);
    }
    if (d->layer++ == U(g, DSP_LAYERS)) {
        d->layer = 0;
        d->y++;
    }
    return 1;
}

static int even(struct tracegen *g, unsigned i, const struct config_node *map,
                struct config_err *err, const char *why)
{
    if (U(g, i) % 2)
        return config_fail(err, blame(g, i, map), -EINVAL, "%llu is odd; %s",
                           (unsigned long long)U(g, i), why);
    return 0;
}

static int camera_setup(struct tracegen *g, const struct config_node *map,
                        struct config_err *err)
{
    uint64_t w = U(g, CAM_WIDTH), h = U(g, CAM_HEIGHT), size;
    bool nv12 = U(g, CAM_FORMAT) == FMT_NV12;
    unsigned i;
    int rc = even(g, CAM_WIDTH, map, err, "both formats pair pixels horizontally");

    if (!rc && nv12)
        rc = even(g, CAM_HEIGHT, map, err, "nv12 pairs lines for chroma");
    if (!rc)
        rc = setup_vtotal(g, CAM_VTOTAL, CAM_HEIGHT, map, err);
    if (rc)
        return rc;
    size = nv12 ? w * h / 2 * 3 : w * 2 * h;
    for (i = 0; i < U(g, CAM_BUFFERS); i++)
        add_buffer(g, "frame", i, true, size);
    return 0;
}

static void camera_begin_frame(struct tracegen *g)
{
    g->s.cam.y = 0;
    g->s.cam.part = 0;
}

static int camera_next(struct tracegen *g, struct trace_rec *rec)
{
    struct camera_state *c = &g->s.cam;
    uint64_t w = U(g, CAM_WIDTH), h = U(g, CAM_HEIGHT), t;
    uint16_t buf = (uint16_t)(g->frame % U(g, CAM_BUFFERS));

    if (c->y == h)
        return 0;
    t = line_time(g, c->y, CAM_VTOTAL);
    if (U(g, CAM_FORMAT) == FMT_YUYV) {
        access_rec(rec, t, TRACE_OP_WRITE, buf, c->y * w * 2, w * 2);
        c->y++;
    } else if (c->part == 0) {
        access_rec(rec, t, TRACE_OP_WRITE, buf, c->y * w, w);
        if (c->y % 2)
            c->y++;
        else
            c->part = 1;
    } else {
        access_rec(rec, t, TRACE_OP_WRITE, buf, w * h + c->y / 2 * w, w);
        c->part = 0;
        c->y++;
    }
    return 1;
}

/* ------------------------------------------------------------ rotator */

enum { ROT_READ, ROT_WRITE };
#define BUF_SRC 0
#define BUF_DST 1

/* A side of the source must be whole tiles: blamed on the side if written, else the tile. */
static int rot_whole_tiles(struct tracegen *g, unsigned side, const struct config_node *map,
                           struct config_err *err)
{
    unsigned long long v = U(g, side), tile = U(g, ROT_TILE);

    if (v % tile == 0)
        return 0;
    if (GIVEN(g, side))
        return config_fail(err, g->val[side].node, -EINVAL,
                           "%llu is not a multiple of tile %llu", v, tile);
    return config_fail(err, blame(g, ROT_TILE, map), -EINVAL, "%llu does not divide %s %llu",
                       tile, g->kd->params[side].name, v);
}

static int rotator_setup(struct tracegen *g, const struct config_node *map,
                         struct config_err *err)
{
    struct rotator_state *r = &g->s.rot;
    uint64_t w = U(g, ROT_WIDTH), h = U(g, ROT_HEIGHT), tile = U(g, ROT_TILE);
    uint64_t bpp = U(g, ROT_BPP);
    int rc = rot_whole_tiles(g, ROT_WIDTH, map, err);

    if (!rc)
        rc = rot_whole_tiles(g, ROT_HEIGHT, map, err);
    if (rc)
        return rc;
    r->tiles_x = w / tile;
    r->tiles = r->tiles_x * (h / tile);
    r->dst_stride = (U(g, ROT_ANGLE) == ANGLE_180 ? w : h) * bpp;
    add_buffer(g, "src", 0, false, w * h * bpp);
    add_buffer(g, "dst", 0, false, w * h * bpp);
    return 0;
}

static void rot_tile_start(struct tracegen *g);

static void rotator_begin_frame(struct tracegen *g)
{
    g->s.rot.tile_i = 0;
    g->s.rot.phase = ROT_READ;
    g->s.rot.row = 0;
    rot_tile_start(g);
}

/*
 * The destination tile's top-left pixel for source tile (tx, ty): the image of the
 * source tile's corner that becomes the destination's top-left under
 *   90: (x, y) -> (H-1-y, x)   180: (x, y) -> (W-1-x, H-1-y)   270: (x, y) -> (y, W-1-x).
 */
static void rot_dst_corner(const struct tracegen *g, uint64_t tx, uint64_t ty, uint64_t *dx,
                           uint64_t *dy)
{
    uint64_t w = U(g, ROT_WIDTH), h = U(g, ROT_HEIGHT), tile = U(g, ROT_TILE);

    switch (U(g, ROT_ANGLE)) {
    case ANGLE_90:
        *dx = h - (ty + 1) * tile;
        *dy = tx * tile;
        break;
    case ANGLE_180:
        *dx = w - (tx + 1) * tile;
        *dy = h - (ty + 1) * tile;
        break;
    default:
        *dx = ty * tile;
        *dy = w - (tx + 1) * tile;
        break;
    }
}

/*
 * The time and the first rows' addresses of tile tile_i (if any is left): the
 * divisions they take were most of a record's cost when done per row.
 */
static void rot_tile_start(struct tracegen *g)
{
    struct rotator_state *r = &g->s.rot;
    uint64_t tile = U(g, ROT_TILE), bpp = U(g, ROT_BPP), w = U(g, ROT_WIDTH);
    uint64_t tx, ty, dx, dy;

    if (r->tile_i == r->tiles)
        return;
    tx = r->tile_i % r->tiles_x;
    ty = r->tile_i / r->tiles_x;
    r->time = unit_time(g, r->tile_i, r->tiles);
    r->src_row0 = ty * tile * w * bpp + tx * tile * bpp;
    rot_dst_corner(g, tx, ty, &dx, &dy);
    r->dst_row0 = dy * r->dst_stride + dx * bpp;
}

/* Each tile: its rows read from the source, then written to the destination. */
static int rotator_next(struct tracegen *g, struct trace_rec *rec)
{
    struct rotator_state *r = &g->s.rot;
    uint64_t tile = U(g, ROT_TILE), bpp = U(g, ROT_BPP), w = U(g, ROT_WIDTH);

    if (r->tile_i == r->tiles)
        return 0;
    if (r->phase == ROT_READ)
        access_rec(rec, r->time, TRACE_OP_READ, BUF_SRC, r->src_row0 + r->row * w * bpp,
                   tile * bpp);
    else
        access_rec(rec, r->time, TRACE_OP_WRITE, BUF_DST, r->dst_row0 + r->row * r->dst_stride,
                   tile * bpp);
    if (++r->row == tile) {
        r->row = 0;
        if (r->phase == ROT_READ) {
            r->phase = ROT_WRITE;
        } else {
            r->phase = ROT_READ;
            r->tile_i++;
            rot_tile_start(g);
        }
    }
    return 1;
}

/* ------------------------------------------------------------ jpeg */

#define MCU             16u
#define MCU_CHROMA_ROWS 8u

enum { JPG_LUMA, JPG_CHROMA, JPG_BITS };

static int jpeg_whole_mcus(struct tracegen *g, unsigned side, const struct config_node *map,
                           struct config_err *err)
{
    if (U(g, side) % MCU)
        return config_fail(err, blame(g, side, map), -EINVAL,
                           "%llu is not a multiple of %u (whole MCUs)",
                           (unsigned long long)U(g, side), MCU);
    return 0;
}

static int jpeg_setup(struct tracegen *g, const struct config_node *map,
                      struct config_err *err)
{
    struct jpeg_state *j = &g->s.jpg;
    uint64_t w = U(g, JPG_WIDTH), h = U(g, JPG_HEIGHT), raw = w * h / 2 * 3;
    int rc = jpeg_whole_mcus(g, JPG_WIDTH, map, err);

    if (!rc)
        rc = jpeg_whole_mcus(g, JPG_HEIGHT, map, err);
    if (rc)
        return rc;
    j->mcus_x = w / MCU;
    j->mcus = j->mcus_x * (h / MCU);
    /* One IEEE multiplication of exact operands, floored: the same on every host. */
    j->frame_bytes = (uint64_t)floor(g->val[JPG_RATIO].d * (double)raw);
    add_buffer(g, "src", 0, false, raw);
    add_buffer(g, "dst", 0, false, align_up(j->frame_bytes * g->frames, PAGE_BYTES));
    return 0;
}

static void jpeg_begin_frame(struct tracegen *g)
{
    struct jpeg_state *j = &g->s.jpg;

    j->mcu = 0;
    j->emitted = 0;
    j->phase = JPG_LUMA;
    j->row = 0;
}

static int jpeg_next(struct tracegen *g, struct trace_rec *rec)
{
    struct jpeg_state *j = &g->s.jpg;
    uint64_t w = U(g, JPG_WIDTH), h = U(g, JPG_HEIGHT), burst = U(g, JPG_BURST);
    uint64_t mx, my, produced;

    for (;;) {
        if (j->mcu == j->mcus)
            return 0;
        mx = j->mcu % j->mcus_x;
        my = j->mcu / j->mcus_x;
        j->t = unit_time(g, j->mcu, j->mcus);
        switch (j->phase) {
        case JPG_LUMA:
            access_rec(rec, j->t, TRACE_OP_READ, BUF_SRC, (MCU * my + j->row) * w + MCU * mx,
                       MCU);
            if (++j->row == MCU) {
                j->row = 0;
                j->phase = JPG_CHROMA;
            }
            return 1;
        case JPG_CHROMA:
            access_rec(rec, j->t, TRACE_OP_READ, BUF_SRC,
                       w * h + (MCU_CHROMA_ROWS * my + j->row) * w + MCU * mx, MCU);
            if (++j->row == MCU_CHROMA_ROWS) {
                j->row = 0;
                j->phase = JPG_BITS;
            }
            return 1;
        default:
            /* MCU i has produced floor((i+1)F/N) bytes; write every whole burst. */
            produced = (uint64_t)((u128)(j->mcu + 1) * j->frame_bytes / j->mcus);
            if (produced - j->emitted >= burst ||
                (j->mcu + 1 == j->mcus && produced > j->emitted)) {
                uint64_t n = produced - j->emitted < burst ? produced - j->emitted : burst;

                access_rec(rec, j->t, TRACE_OP_WRITE, BUF_DST,
                           g->frame * j->frame_bytes + j->emitted, n);
                j->emitted += n;
                return 1;
            }
            j->mcu++;
            j->phase = JPG_LUMA;
            break;
        }
    }
}

/* ------------------------------------------------------------ blit */

enum { BLT_READ, BLT_WRITE };

/* Derives one side's stride and rows and checks that the rectangle fits in them. */
static int blit_side(struct tracegen *g, const char *side, unsigned xi, unsigned yi,
                     unsigned stride_i, unsigned rows_i, const struct config_node *map,
                     struct config_err *err)
{
    const struct param *p = g->kd->params;
    uint64_t need = (U(g, xi) + U(g, BLT_WIDTH)) * U(g, BLT_BPP);
    uint64_t rows = U(g, yi) + U(g, BLT_HEIGHT);

    if (!GIVEN(g, stride_i))
        U(g, stride_i) = need;
    if (!GIVEN(g, rows_i))
        U(g, rows_i) = rows;
    if (U(g, stride_i) < need)
        return config_fail(err, blame(g, stride_i, map), -EINVAL,
                           "%llu bytes is less than (%s + width) * bpp = %llu bytes; the "
                           "rectangle does not fit in a %s row",
                           (unsigned long long)U(g, stride_i), p[xi].name,
                           (unsigned long long)need, side);
    if (U(g, rows_i) < rows)
        return config_fail(err, blame(g, rows_i, map), -EINVAL,
                           "%llu rows is less than %s + height = %llu rows; the rectangle "
                           "does not fit in %s", (unsigned long long)U(g, rows_i), p[yi].name,
                           (unsigned long long)rows, side);
    return 0;
}

static int blit_setup(struct tracegen *g, const struct config_node *map,
                      struct config_err *err)
{
    int rc = blit_side(g, "src", BLT_SRC_X, BLT_SRC_Y, BLT_SRC_STRIDE, BLT_SRC_HEIGHT, map,
                       err);

    if (!rc)
        rc = blit_side(g, "dst", BLT_DST_X, BLT_DST_Y, BLT_DST_STRIDE, BLT_DST_HEIGHT, map,
                       err);
    if (rc)
        return rc;
    add_buffer(g, "src", 0, false, U(g, BLT_SRC_STRIDE) * U(g, BLT_SRC_HEIGHT));
    add_buffer(g, "dst", 0, false, U(g, BLT_DST_STRIDE) * U(g, BLT_DST_HEIGHT));
    return 0;
}

static void blit_begin_frame(struct tracegen *g)
{
    g->s.blt.row = 0;
    g->s.blt.phase = BLT_READ;
}

static int blit_next(struct tracegen *g, struct trace_rec *rec)
{
    struct blit_state *b = &g->s.blt;
    uint64_t bytes = U(g, BLT_WIDTH) * U(g, BLT_BPP), t;

    if (b->row == U(g, BLT_HEIGHT))
        return 0;
    t = unit_time(g, b->row, U(g, BLT_HEIGHT));
    if (b->phase == BLT_READ) {
        access_rec(rec, t, TRACE_OP_READ, BUF_SRC,
                   (U(g, BLT_SRC_Y) + b->row) * U(g, BLT_SRC_STRIDE) +
                   U(g, BLT_SRC_X) * U(g, BLT_BPP), bytes);
        b->phase = BLT_WRITE;
    } else {
        access_rec(rec, t, TRACE_OP_WRITE, BUF_DST,
                   (U(g, BLT_DST_Y) + b->row) * U(g, BLT_DST_STRIDE) +
                   U(g, BLT_DST_X) * U(g, BLT_BPP), bytes);
        b->phase = BLT_READ;
        b->row++;
    }
    return 1;
}

/* ------------------------------------------------------------ scan */

static int scan_setup(struct tracegen *g, const struct config_node *map,
                      struct config_err *err)
{
    uint64_t from = U(g, SCN_FROM), to = U(g, SCN_TO), stride = U(g, SCN_STRIDE);
    uint64_t steps, last;

    if (to <= from)
        return config_fail(err, blame(g, SCN_TO, map), -EINVAL, "0x%llx is not above from "
                           "(0x%llx)", (unsigned long long)to, (unsigned long long)from);
    steps = (to - from - 1) / stride + 1;
    last = from + (steps - 1) * stride;
    if (last > UINT64_MAX - (U(g, SCN_BYTES) - 1))
        return config_fail(err, blame(g, SCN_BYTES, map), -EINVAL, "the last access, at "
                           "0x%llx, would pass 2^64; lower to or bytes",
                           (unsigned long long)last);
    g->s.scn.steps = steps;
    return 0;
}

static void scan_begin_frame(struct tracegen *g)
{
    g->s.scn.step = 0;
    g->s.scn.phase = 0;
}

static int scan_next(struct tracegen *g, struct trace_rec *rec)
{
    struct scan_state *c = &g->s.scn;
    unsigned ops = (unsigned)U(g, SCN_OPS);
    uint8_t op;

    if (c->step == c->steps)
        return 0;
    op = ops == SCAN_READ || (ops == SCAN_BOTH && c->phase == 0) ? TRACE_OP_READ
                                                                 : TRACE_OP_WRITE;
    access_rec(rec, unit_time(g, c->step, c->steps), op, TRACE_RAW,
               U(g, SCN_FROM) + c->step * U(g, SCN_STRIDE), U(g, SCN_BYTES));
    if (ops == SCAN_BOTH && c->phase == 0) {
        c->phase = 1;
    } else {
        c->phase = 0;
        c->step++;
    }
    return 1;
}

/* ------------------------------------------------------------ kinds */

#define KIND(nm, table, fps, prefix) \
    { nm, table, sizeof(table) / sizeof(table[0]), fps, prefix##_setup, \
      prefix##_begin_frame, prefix##_next }

static const struct kind_desc kinds[TRACEGEN_NKINDS] = {
    [TRACEGEN_VIDEO_DECODE] = KIND("video_decode", video_params, 30, video),
    [TRACEGEN_DISPLAY] = KIND("display", display_params, 60, display),
    [TRACEGEN_CAMERA] = KIND("camera", camera_params, 30, camera),
    [TRACEGEN_ROTATOR] = KIND("rotator", rotator_params, 30, rotator),
    [TRACEGEN_JPEG] = KIND("jpeg", jpeg_params, 30, jpeg),
    [TRACEGEN_BLIT] = KIND("blit", blit_params, 30, blit),
    [TRACEGEN_SCAN] = KIND("scan", scan_params, 30, scan),
};

static const char *const kind_names[TRACEGEN_NKINDS + 1] = {
    "video_decode", "display", "camera", "rotator", "jpeg", "blit", "scan", NULL,
};

const char *tracegen_kind_name(enum tracegen_kind k)
{
    return (unsigned)k < TRACEGEN_NKINDS ? kinds[k].name : "unknown";
}

int tracegen_kind_parse(const char *s, enum tracegen_kind *out)
{
    unsigned k;

    for (k = 0; s && k < TRACEGEN_NKINDS; k++) {
        if (!strcmp(s, kinds[k].name)) {
            *out = (enum tracegen_kind)k;
            return 0;
        }
    }
    return -EINVAL;
}

/* ------------------------------------------------------------ construction */

static int read_param(const struct config_node *map, const struct param *p, struct pval *out,
                      struct config_err *err)
{
    unsigned idx = 0;
    int rc;

    out->node = config_find(map, p->name);
    out->u = p->def;
    out->d = p->ddef;
    if (!out->node)
        return 0;
    switch (p->type) {
    case PT_U64:
        return config_get_u64(map, p->name, p->min, p->max, &out->u, err);
    case PT_SIZE:
        return config_get_size(map, p->name, p->min, p->max, &out->u, err);
    case PT_TIME:
        return config_get_time(map, p->name, p->min, p->max, &out->u, err);
    case PT_ENUM:
        rc = config_get_enum(map, p->name, p->choices, &idx, err);
        out->u = idx;
        return rc;
    case PT_DOUBLE:
        return config_get_double(map, p->name, p->dmin, p->dmax, &out->d, err);
    }
    return -EINVAL;
}

static int check_keys(const struct config_node *map, const struct kind_desc *kd,
                      struct config_err *err)
{
    const char *allowed[1 + NCOMMON + MAX_KIND_PARAMS + 1];
    unsigned n = 0, i;

    allowed[n++] = "kind";
    for (i = 0; i < NCOMMON; i++)
        allowed[n++] = common_params[i].name;
    for (i = 0; i < kd->nparams; i++)
        allowed[n++] = kd->params[i].name;
    allowed[n] = NULL;
    return config_check_keys(map, allowed, err);
}

static int read_all(struct tracegen *g, const struct config_node *map, struct config_err *err)
{
    struct param fps = common_params[P_FPS];
    unsigned i;
    int rc = 0;

    fps.ddef = g->kd->fps_default;
    for (i = 0; i < NCOMMON && !rc; i++)
        rc = read_param(map, i == P_FPS ? &fps : &common_params[i], &g->common[i], err);
    for (i = 0; i < g->kd->nparams && !rc; i++)
        rc = read_param(map, &g->kd->params[i], &g->val[i], err);
    return rc;
}

struct tracegen *tracegen_new(const struct config_node *params, struct config_err *err)
{
    struct config_err local = { 0 };
    struct tracegen *g;
    unsigned k;

    if (!err)
        err = &local;
    if (config_get_node(params, NULL, CONFIG_MAP, &params, err) ||
        config_get_enum(params, "kind", kind_names, &k, err) ||
        check_keys(params, &kinds[k], err))
        return NULL;
    g = calloc(1, sizeof(*g));
    if (!g) {
        config_fail(err, params, -ENOMEM, "out of memory");
        return NULL;
    }
    g->kd = &kinds[k];
    if (read_all(g, params, err))
        goto fail;
    g->frames = g->common[P_FRAMES].u;
    g->start = g->common[P_START].u;
    g->rng = g->common[P_SEED].u;
    /* The only rounding of the frame rate: to the nearest micro-hertz (>= 10^5). */
    g->fps_uhz = (uint64_t)llround(g->common[P_FPS].d * UHZ_PER_HZ);
    if (g->kd->setup(g, params, err))
        goto fail;
    /* The tree may be freed once the generator is built: forget its nodes. */
    for (k = 0; k < NCOMMON; k++)
        g->common[k].node = NULL;
    for (k = 0; k < g->kd->nparams; k++)
        g->val[k].node = NULL;
    return g;
fail:
    free(g);
    return NULL;
}

void tracegen_free(struct tracegen *g)
{
    free(g);
}

enum tracegen_kind tracegen_kind(const struct tracegen *g)
{
    return (enum tracegen_kind)(g->kd - kinds);
}

/* ------------------------------------------------------------ the stream */

int tracegen_next(struct tracegen *g, struct trace_rec *rec)
{
    if (g->has_pending) {
        *rec = g->pending;
        g->has_pending = false;
        return 1;
    }
    while (!g->done) {
        if (!g->in_frame) {
            if (g->frame == g->frames) {
                g->done = true;
                break;
            }
            g->frame_start = g->start + frame_offset(g, g->frame);
            g->period = g->start + frame_offset(g, g->frame + 1) - g->frame_start;
            g->kd->begin_frame(g);
            g->in_frame = true;
            marker_rec(rec, g->frame_start, TRACE_OP_FRAME);
            return 1;
        }
        if (g->kd->next(g, rec))
            return 1;
        g->in_frame = false;
        g->frame++;
    }
    return 0;
}

unsigned tracegen_num_buffers(const struct tracegen *g)
{
    return g->nbuf;
}

const char *tracegen_buffer_name(const struct tracegen *g, unsigned index)
{
    return index < g->nbuf ? g->names[index] : NULL;
}

uint64_t tracegen_buffer_size(const struct tracegen *g, unsigned index)
{
    return index < g->nbuf ? g->sizes[index] : 0;
}

uint64_t tracegen_end_time(const struct tracegen *g)
{
    return g->start + frame_offset(g, g->frames);
}

/* Frame 1's offset: the real periods are this or 1 ps more (see frame_offset). */
uint64_t tracegen_frame_period(const struct tracegen *g)
{
    return frame_offset(g, 1);
}

/* ------------------------------------------------------------ help */

static void print_param(FILE *out, const struct param *p, double fps_default)
{
    unsigned i;

    fprintf(out, "  %-11s ", p->name);
    switch (p->type) {
    case PT_U64:
    case PT_SIZE:
        fprintf(out, "%s %llu..%llu", p->type == PT_SIZE ? "size" : "integer",
                (unsigned long long)p->min, (unsigned long long)p->max);
        break;
    case PT_TIME:
        fprintf(out, "time 0..%llus", (unsigned long long)(p->max / 1000000000000ull));
        break;
    case PT_ENUM:
        fprintf(out, "one of");
        for (i = 0; p->choices[i]; i++)
            fprintf(out, "%s%s", i ? "|" : " ", p->choices[i]);
        break;
    case PT_DOUBLE:
        fprintf(out, "number %g..%g", p->dmin, p->dmax);
        break;
    }
    fprintf(out, ", default ");
    if (p->def_text)
        fprintf(out, "%s", p->def_text);
    else if (p->type == PT_ENUM)
        fprintf(out, "%s", p->choices[p->def]);
    else if (p->type == PT_DOUBLE)
        fprintf(out, "%g", p == &common_params[P_FPS] ? fps_default : p->ddef);
    else
        fprintf(out, "%llu", (unsigned long long)p->def);
    fprintf(out, "%s%s: %s\n", p->unit ? " " : "", p->unit ? p->unit : "", p->help);
}

void tracegen_print_params(FILE *out, enum tracegen_kind k)
{
    const struct kind_desc *kd;
    unsigned i;

    if ((unsigned)k >= TRACEGEN_NKINDS)
        return;
    kd = &kinds[k];
    fprintf(out, "%s parameters:\n", kd->name);
    for (i = 0; i < NCOMMON; i++)
        print_param(out, &common_params[i], kd->fps_default);
    for (i = 0; i < kd->nparams; i++)
        print_param(out, &kd->params[i], kd->fps_default);
}
