/*
 * trace.h - DMA traces: one record type, three file formats, streaming readers
 * and writers.
 *
 * A trace is a sequence of records. Most are accesses (a read or write of some
 * bytes at a buffer offset or at a raw IOVA); two kinds are markers a master uses
 * for deadlines: a frame start and a display line's scan-out time. Traces name
 * buffers ("fb0+0x1000") so that one trace replays under any mapping policy; the
 * scenario maps each name to a buffer it has mapped. Imported traces use raw IOVAs.
 *
 * Addresses (offsets and raw IOVAs) are 64-bit in every format; an access must end
 * at or below 2^64. Every reader also takes its file gzip-, xz- or zstd-compressed.
 *
 * Formats (docs/traces.md is the reference, with examples):
 *   text  one record per line, for people:   TIME OP TARGET BYTES
 *           TIME    nanoseconds, decimal, up to 3 fraction digits ("12", "0.125")
 *           OP      R (read), W (write), F (frame start), L (line scan-out time)
 *           TARGET  NAME+OFFSET, NAME (offset 0) or a raw IOVA (0x...); OFFSET is
 *                   decimal or 0x-hex. F and L lines have no TARGET and no BYTES.
 *           BYTES   decimal, 1 .. TRACE_MAX_BYTES
 *         Blank lines and lines starting with '#' are skipped; fields are separated
 *         by spaces or tabs.
 *   bin   a compact binary form of the same records, for speed: the 8-byte magic
 *         "IOMTRC1\n", then 24-byte little-endian records (time_ps u64, addr u64,
 *         bytes u32, buffer u16, op u8, pad u8). A record with op TRACE_OP_DEFINE
 *         names buffer index `buffer`: `bytes` is the name's length and the name
 *         follows, zero-padded to a multiple of 8 bytes. A name is defined before
 *         its first use.
 *   cbin  the compact binary form of the same records: the magic "IOMTRC2\n", then
 *         32-bit little-endian words. Most accesses are one word: the op bit and a
 *         signed 30-bit delta from the previous address, the time, bytes and buffer
 *         being the previous record's; control words set those, define names,
 *         carry markers and full 64-bit addresses (docs/traces.md has the layout).
 *   din   the input format of cache simulators: "LABEL HEXADDR" per line, label 0
 *         read, 1 write, 2 instruction fetch (read); other labels are errors. The
 *         address is hex with or without 0x; anything after it is ignored (some
 *         tools add a size). Every record is a raw IOVA access of
 *         trace_reader_opts.din_bytes bytes at time 0.
 *
 * Readers stream: a reader holds one buffer of input and the buffer-name table,
 * never the records read so far. The first malformed line (or record) stops the
 * reader with "FILE:LINE: error: what is wrong" (binary: "FILE: record N: ...").
 * Lines count from 1, blank and comment lines included; bin records count from 1
 * in file order, DEFINE records included. A text or din line may be up to 1 MiB - 1
 * characters (the reader's buffer is 1 MiB). Markers read back with addr 0,
 * bytes 0 and buffer TRACE_RAW.
 */
#ifndef IOMMUSIM_SIM_TRACE_H
#define IOMMUSIM_SIM_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum trace_op {
    TRACE_OP_READ = 0,
    TRACE_OP_WRITE,
    TRACE_OP_FRAME,         /* a frame starts at `time` */
    TRACE_OP_LINE,          /* the accesses that follow (to the next L or F) are needed by `time` */
    TRACE_OP_DEFINE = 0xFF, /* binary format only: names a buffer index; never returned */
};

#define TRACE_RAW        0xFFFFu        /* buffer index of a raw-IOVA access */
#define TRACE_MAX_BUFFERS 0xFFFFu       /* indices 0 .. 0xFFFE */
#define TRACE_MAX_BYTES  (1u << 24)     /* largest access of one record */
#define TRACE_MAX_NAME   63             /* buffer name length: [A-Za-z_][A-Za-z0-9_.-]* */
#define TRACE_ERR_MAX    512

struct trace_rec {
    uint64_t time;          /* ps: issue time of an access (open loop), or the marker's time */
    uint64_t addr;          /* offset in the buffer, or the IOVA when buffer == TRACE_RAW */
    uint32_t bytes;         /* 0 for markers */
    uint16_t buffer;        /* index into the trace's buffer table, or TRACE_RAW */
    uint8_t op;             /* enum trace_op */
};

enum trace_format {
    TRACE_FMT_TEXT = 0,
    TRACE_FMT_BIN,
    TRACE_FMT_DIN,
    TRACE_FMT_CBIN,         /* compact binary: 4 bytes for most accesses */
};

const char *trace_format_name(enum trace_format f);     /* "text", "bin", "din", "cbin" */
int trace_format_parse(const char *s, enum trace_format *out);  /* -EINVAL if unknown */
/* The formats trace_format_parse accepts, for messages and help texts. */
#define TRACE_FORMAT_NAMES "text, bin, cbin or din"
/* From the file name: ".bin" -> bin, ".din" -> din, ".cbin" -> cbin, anything else -> text. */
enum trace_format trace_format_from_path(const char *path);

/*
 * Called by a reader the first time it meets a buffer name; returns the index the
 * caller gives that buffer (0 .. TRACE_MAX_BUFFERS - 1), or a negative value when
 * the name is unknown, which stops the reader with "unknown buffer 'NAME'" at the
 * line of first use. Without a resolver the reader numbers names 0, 1, 2, ... in
 * order of first use.
 */
typedef int (*trace_resolve_fn)(void *arg, const char *name);

struct trace_reader_opts {
    enum trace_format format;
    uint32_t din_bytes;             /* bytes of each din access; 0 means 64 */
    trace_resolve_fn resolve;       /* may be NULL */
    void *resolve_arg;
};

struct trace_reader;

/*
 * "-" reads standard input. NULL and a message in err when the file cannot be opened.
 * opts NULL: the format from the path (trace_format_from_path), din_bytes 64, no
 * resolver. Without a resolver, bin records keep the file's buffer indices.
 */
struct trace_reader *trace_open(const char *path, const struct trace_reader_opts *opts,
                                char *err, size_t errlen);
/*
 * The next record: 1 (stored in *rec), 0 at the end, or a negative errno after an
 * error (trace_error() says what and where); after an error or the end it keeps
 * returning the same value.
 */
int trace_next(struct trace_reader *r, struct trace_rec *rec);
/* Up to n records into recs: the number read (0 at the end), or a negative errno. */
long trace_next_batch(struct trace_reader *r, struct trace_rec *recs, size_t n);
/*
 * The narrow form of trace_next_batch, for consumers that need only where each
 * record goes and which way (the TLB study): up to n records, record i as addr[i]
 * and op[i] (enum trace_ref_op); the number read (0 at the end), or a negative
 * errno, with the same errors, messages and record count as trace_next_batch.
 * Calls of the two may be mixed on one reader. It exists for speed: cbin decodes
 * straight into the two arrays (a third of the bytes a trace_rec takes); the other
 * formats go through the batch decoder.
 */
enum trace_ref_op {
    TRACE_REF_READ = TRACE_OP_READ,     /* a raw-IOVA access: addr is the IOVA */
    TRACE_REF_WRITE = TRACE_OP_WRITE,
    TRACE_REF_MARKER,                   /* a frame or line marker: addr 0 */
    TRACE_REF_BUFFER,                   /* a read or write of a named buffer: addr is the offset */
};
long trace_next_refs(struct trace_reader *r, uint64_t *addr, uint8_t *op, size_t n);
const char *trace_error(const struct trace_reader *r);
/* The buffer-name table built so far (indices as the resolver or the reader gave them). */
const char *trace_buffer_name(const struct trace_reader *r, unsigned index);  /* NULL if none */
uint64_t trace_records_read(const struct trace_reader *r);
void trace_close(struct trace_reader *r);

struct trace_writer;

/*
 * Writes records in any format. Names are given once, before records use them. "-"
 * writes to standard output; a path ending in .gz, .xz or .zst is compressed
 * (sim/trace/tstream.h). Errors: NULL or negative errno with a message in err.
 * The first error stops the writer: that call and every later one return it, and
 * trace_finish reports it. A marker's addr and buffer are not stored (its bytes
 * must be 0). The text writer starts with a "# iommusim trace v1" comment line.
 * The din writer keeps accesses only ("LABEL HEXADDR": times and markers are
 * dropped) and refuses a record that names a buffer (din has raw IOVAs only).
 */
struct trace_writer *trace_create(const char *path, enum trace_format format, char *err,
                                  size_t errlen);
/* The same, compressed by the suffix of name rather than of path: for a temporary
 * (PATH.tmp.PID) that is renamed onto name when complete. */
struct trace_writer *trace_create_as(const char *path, const char *name,
                                     enum trace_format format, char *err, size_t errlen);
int trace_define_buffer(struct trace_writer *w, unsigned index, const char *name);
int trace_write(struct trace_writer *w, const struct trace_rec *rec);
/* Flushes and closes; a negative errno (message in the writer's error) if any write failed. */
int trace_finish(struct trace_writer *w, char *err, size_t errlen);

#endif
