/*
 * tracegen.h - trace generators: how each multimedia core walks its buffers.
 *
 * A generator is a deterministic (for its seed) stream of trace records, produced
 * one at a time with no memory that grows with the trace: the scenario feeds a
 * master from it directly, and `iommusim gen` writes it to a file. Each kind
 * models one core's access pattern (traces/README.md describes each with a
 * picture of the order):
 *
 *   video_decode  per 16x16 macroblock in raster order: bitstream reads, motion-
 *                 compensated reference reads (luma 21 rows of 21 bytes: the block
 *                 plus the 6-tap filter's margin; chroma 9 rows) at the frame stride
 *                 from one or two reference frames, displaced by a motion vector
 *                 drawn from a configurable distribution; reconstructed writes
 *                 (16 luma rows, 8 chroma rows). NV12 frames, linear or 64x32 tiled.
 *                 Frames rotate through a decoded-picture buffer.
 *   display       per line at the refresh rate (after the vertical blanking): an L
 *                 marker with the line's scan-out time, then one read of the line
 *                 of each layer.
 *   camera        per sensor line: writes of the line (NV12 or YUYV) into a ring of
 *                 frame buffers.
 *   rotator       per source tile in raster order: tile row reads, then the tile's
 *                 rotated rows written in the destination (a column walk: down the
 *                 destination for 90 degrees, up it for 270).
 *   jpeg          per MCU in raster order: block reads of Y, then CbCr (NV12), then
 *                 sequential bitstream writes in bursts.
 *   blit          a rectangle copy: per row, a read of the source row and a write
 *                 of the destination row.
 *   scan          a sweep over raw IOVAs (no buffers): from `from` to `to` every
 *                 `stride` bytes, a read, a write or both; what a rogue device
 *                 probing the address space does.
 *
 * Every frame starts with an F marker at start + n / fps; the accesses of a frame
 * carry times spread evenly over the frame period (open-loop masters pace by them,
 * closed-loop masters ignore them).
 *
 * Parameters are data: one table per kind (name, type, default, range, unit, help),
 * read from a config map (a scenario's `generator:` section, or the options of
 * `iommusim gen` turned into one), so the YAML and the command line accept the
 * same names with the same checks. Unknown keys are rejected with the nearest
 * valid one.
 */
#ifndef IOMMUSIM_SIM_TRACEGEN_H
#define IOMMUSIM_SIM_TRACEGEN_H

#include <stdint.h>
#include <stdio.h>

#include "sim/config/config.h"
#include "sim/trace/trace.h"

enum tracegen_kind {
    TRACEGEN_VIDEO_DECODE = 0,
    TRACEGEN_DISPLAY,
    TRACEGEN_CAMERA,
    TRACEGEN_ROTATOR,
    TRACEGEN_JPEG,
    TRACEGEN_BLIT,
    TRACEGEN_SCAN,
    TRACEGEN_NKINDS,
};

/* "video_decode", "display", "camera", "rotator", "jpeg", "blit", "scan". */
const char *tracegen_kind_name(enum tracegen_kind k);
int tracegen_kind_parse(const char *s, enum tracegen_kind *out);    /* -EINVAL if unknown */

struct tracegen;

/*
 * params: a map with `kind` and that kind's parameters (every one optional; the
 * defaults are in the table). NULL and an error in err (with the node's position)
 * for a missing or unknown kind, an unknown key, a value of the wrong type or out
 * of range, or parameters that contradict each other (e.g. a rectangle outside its
 * buffer).
 */
struct tracegen *tracegen_new(const struct config_node *params, struct config_err *err);
void tracegen_free(struct tracegen *g);
enum tracegen_kind tracegen_kind(const struct tracegen *g);

/* The next record: 1 (in *rec), 0 at the end. Buffer indices refer to the table below. */
int tracegen_next(struct tracegen *g, struct trace_rec *rec);

/*
 * The buffers the generator addresses, e.g. "bitstream", "frame0".."frame2" for
 * video_decode, "layer0" for display, "src" and "dst" for rotator, jpeg and blit,
 * with the bytes each must have at least.
 */
unsigned tracegen_num_buffers(const struct tracegen *g);
const char *tracegen_buffer_name(const struct tracegen *g, unsigned index);
uint64_t tracegen_buffer_size(const struct tracegen *g, unsigned index);

/* Simulated time of the end of the last frame (start + frames / fps), in ps. */
uint64_t tracegen_end_time(const struct tracegen *g);
/* The frame period (1 / fps) in ps, rounded as the frame start times are. */
uint64_t tracegen_frame_period(const struct tracegen *g);

/* The parameter table of a kind, for --help: one line per parameter. */
void tracegen_print_params(FILE *out, enum tracegen_kind k);

#endif
