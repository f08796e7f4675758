/*
 * tstream.h - the byte stream under every trace reader and writer: a plain file, or
 * one compressed with gzip, xz or zstd.
 *
 * A reader does not care how its file was stored: tstream_open looks at the first
 * bytes (gzip 1f 8b, xz fd 37 7a 58 5a 00, zstd 28 b5 2f fd) and decompresses as it
 * goes, in constant memory (one input buffer and the decoder's state; no part of the
 * output is kept), so a compressed trace streams exactly as a plain one does. Files
 * of several concatenated members or frames (`cat a.gz b.gz`) read as one stream.
 * A file that ends inside compressed data, or whose data is corrupt, is an error at
 * the point it is found, never a short trace.
 *
 * A writer compresses by the output's name: ".gz" gzip, ".xz" xz, ".zst" zstd,
 * anything else (and "-", standard output) plain.
 *
 * Messages are sentences without the file name (the trace layer adds it), e.g.
 * "truncated gzip data (the file ends inside a compressed stream)".
 */
#ifndef IOMMUSIM_SIM_TSTREAM_H
#define IOMMUSIM_SIM_TSTREAM_H

#include <stddef.h>
#include <sys/types.h>

enum tstream_codec {
    TSTREAM_PLAIN = 0,
    TSTREAM_GZIP,
    TSTREAM_XZ,
    TSTREAM_ZSTD,
};

/* "plain", "gzip", "xz", "zstd". */
const char *tstream_codec_name(enum tstream_codec c);
/* From a file name: ".gz", ".xz", ".zst" or plain. */
enum tstream_codec tstream_codec_from_path(const char *path);
/* The length of the name without its compression suffix (".gz", ".xz", ".zst"). */
size_t tstream_strip_suffix(const char *path);

struct tstream;

/*
 * Opens fd for reading (it is closed by tstream_close when own_fd). Nothing is read
 * yet: the codec is decided by the first tstream_read. NULL only when out of memory.
 */
struct tstream *tstream_open_fd(int fd, int own_fd);
/*
 * Up to n decompressed bytes into buf: the number read (> 0), 0 at the end of the
 * stream, or a negative errno with a sentence in err (read failures: the read's errno;
 * truncated or corrupt data: -EINVAL; out of memory: -ENOMEM).
 */
ssize_t tstream_read(struct tstream *s, void *buf, size_t n, char *err, size_t errlen);
/*
 * For readers that parse bytes in place: when nothing has been read yet and the file
 * is a plain (uncompressed) regular file of at least one byte, maps all of it
 * read-only: 0 with *data and *len set, valid until tstream_close; later reads
 * return 0. Otherwise a negative errno, and the stream reads as before (a compressed
 * file's first bytes, read to look at, are kept). The file must not shrink while
 * it is mapped.
 */
int tstream_map(struct tstream *s, const void **data, size_t *len);
/* The codec found by the first read (TSTREAM_PLAIN before it). */
enum tstream_codec tstream_codec(const struct tstream *s);
void tstream_close(struct tstream *s);

struct tstream_out;

/* Writes to fd (closed by tstream_out_finish when own_fd), compressed with codec. */
struct tstream_out *tstream_out_fd(int fd, int own_fd, enum tstream_codec codec, char *err,
                                   size_t errlen);
/* All n bytes: 0, or a negative errno with a sentence in err. */
int tstream_write(struct tstream_out *s, const void *buf, size_t n, char *err, size_t errlen);
/*
 * Ends the compressed stream (when the last write succeeded: ok != 0), closes and
 * frees: 0 or a negative errno with a sentence in err.
 */
int tstream_out_finish(struct tstream_out *s, int ok, char *err, size_t errlen);

#endif
