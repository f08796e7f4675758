/*
 * tstream.c - plain, gzip, xz and zstd byte streams for the trace readers and
 * writers (sim/trace/tstream.h).
 *
 * Reading: the first read fills the input buffer and looks at its first bytes for a
 * magic number; a plain file is then passed through (the bytes already read first),
 * a compressed one goes through its decoder (zlib's inflate, liblzma's stream
 * decoder, libzstd's streaming decompressor), one input buffer of IN_BUF bytes at a
 * time. Each decoder is asked for output until it gives some, needs input the file
 * no longer has (truncated), or says the data is wrong (corrupt); every error is
 * sticky. Concatenated members (gzip) and streams or frames (xz, zstd) continue.
 *
 * A plain regular file can instead be mapped whole (tstream_map), for the binary
 * readers: they then parse the page cache in place instead of copying it out.
 *
 * Writing: plain bytes go straight to write(); compressed ones through the encoder
 * into an output buffer of OUT_BUF bytes, written whenever it fills, and the stream
 * is ended by tstream_out_finish. zstd output carries its content checksum, so a
 * corrupt zstd trace is found on reading as gzip's CRC-32 and xz's CRC-64 find theirs.
 */
#define _POSIX_C_SOURCE 200809L

#include "sim/trace/tstream.h"

#include <errno.h>
#include <lzma.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#define IN_BUF          (1u << 16)      /* compressed bytes read at a time */
#define OUT_BUF         (1u << 16)      /* compressed bytes written at a time */
#define MAGIC_MAX       6               /* the longest magic (xz) */
#define GZIP_WBITS      (15 + 16)       /* a 32 KiB window, gzip wrapper only */
#define GZIP_LEVEL      6               /* gzip's own default */
#define GZIP_MEMLEVEL   8
#define XZ_PRESET       6               /* xz's own default */
#define ZSTD_LEVEL      3               /* zstd's own default */
/*
 * The most an xz stream may make the decoder allocate (its dictionary, which the
 * header declares): xz -9 needs 65 MiB, so this refuses only a crafted or damaged
 * header instead of allocating gigabytes. zstd's decoder has its own limit (a
 * window of at most 2^27 bytes unless told otherwise); gzip's window is 32 KiB.
 */
#define XZ_MEMLIMIT     (256ull << 20)

static const unsigned char magic_gzip[] = { 0x1f, 0x8b };
static const unsigned char magic_xz[] = { 0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00 };
static const unsigned char magic_zstd[] = { 0x28, 0xb5, 0x2f, 0xfd };

static const char *const codec_names[] = {
    [TSTREAM_PLAIN] = "plain",
    [TSTREAM_GZIP] = "gzip",
    [TSTREAM_XZ] = "xz",
    [TSTREAM_ZSTD] = "zstd",
};

static const char *const codec_suffix[] = {
    [TSTREAM_PLAIN] = "",
    [TSTREAM_GZIP] = ".gz",
    [TSTREAM_XZ] = ".xz",
    [TSTREAM_ZSTD] = ".zst",
};

#define NCODECS (sizeof(codec_names) / sizeof(codec_names[0]))

const char *tstream_codec_name(enum tstream_codec c)
{
    return (unsigned)c < NCODECS ? codec_names[c] : "?";
}

static bool has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);

    return m && n > m && !strcmp(s + n - m, suffix);
}

enum tstream_codec tstream_codec_from_path(const char *path)
{
    for (unsigned c = TSTREAM_GZIP; c < NCODECS; c++)
        if (has_suffix(path, codec_suffix[c]))
            return (enum tstream_codec)c;
    return TSTREAM_PLAIN;
}

size_t tstream_strip_suffix(const char *path)
{
    return strlen(path) - strlen(codec_suffix[tstream_codec_from_path(path)]);
}

__attribute__((format(printf, 4, 5)))
static int say(int code, char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (err && errlen) {
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return code;
}

/* ------------------------------------------------------------------ reading */

struct tstream {
    int fd;
    bool own_fd;
    bool started;           /* the magic has been looked at */
    bool eof;               /* read() returned 0 */
    bool done;              /* the decoder ended its last stream and the input is gone */
    int error;              /* sticky negative errno */
    char msg[256];          /* the sticky error's sentence */
    enum tstream_codec codec;
    unsigned char *in;      /* IN_BUF */
    size_t in_pos, in_len;
    z_stream z;
    bool member_end;        /* gzip: a member has ended; another may follow */
    lzma_stream x;
    ZSTD_DCtx *zd;
    size_t zret;            /* zstd: the last hint; 0 when a frame is complete */
    void *map;              /* tstream_map: the whole file, read-only */
    size_t map_len;
};

struct tstream *tstream_open_fd(int fd, int own_fd)
{
    struct tstream *s = calloc(1, sizeof(*s));

    if (!s)
        return NULL;
    s->in = malloc(IN_BUF);
    if (!s->in) {
        free(s);
        return NULL;
    }
    s->fd = fd;
    s->own_fd = own_fd != 0;
    s->x = (lzma_stream)LZMA_STREAM_INIT;
    return s;
}

enum tstream_codec tstream_codec(const struct tstream *s)
{
    return s->codec;
}

__attribute__((format(printf, 3, 4)))
static ssize_t rfail(struct tstream *s, int code, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(s->msg, sizeof(s->msg), fmt, ap);
    va_end(ap);
    s->error = code;
    return code;
}

/* Reads more compressed input when the buffer is used up: 0, or a negative errno. */
static int refill(struct tstream *s)
{
    ssize_t n;

    if (s->in_pos < s->in_len || s->eof)
        return 0;
    do
        n = read(s->fd, s->in, IN_BUF);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return (int)rfail(s, -errno, "read failed: %s", strerror(errno));
    s->in_pos = 0;
    s->in_len = (size_t)n;
    if (n == 0)
        s->eof = true;
    return 0;
}

static bool input_left(const struct tstream *s)
{
    return s->in_pos < s->in_len;
}

static ssize_t truncated(struct tstream *s)
{
    return rfail(s, -EINVAL, "truncated %s data (the file ends inside a compressed stream)",
                 codec_names[s->codec]);
}

/* Fills the buffer with the first bytes (up to MAGIC_MAX, fewer if the file is shorter). */
static int start(struct tstream *s)
{
    ssize_t n;

    s->started = true;
    while (s->in_len < MAGIC_MAX) {
        do
            n = read(s->fd, s->in + s->in_len, IN_BUF - s->in_len);
        while (n < 0 && errno == EINTR);
        if (n < 0)
            return (int)rfail(s, -errno, "read failed: %s", strerror(errno));
        if (n == 0) {
            s->eof = true;
            break;
        }
        s->in_len += (size_t)n;
    }
    if (s->in_len >= sizeof(magic_gzip) && !memcmp(s->in, magic_gzip, sizeof(magic_gzip))) {
        s->codec = TSTREAM_GZIP;
        if (inflateInit2(&s->z, GZIP_WBITS) != Z_OK)
            return (int)rfail(s, -ENOMEM, "out of memory for the gzip decoder");
    } else if (s->in_len >= sizeof(magic_xz) && !memcmp(s->in, magic_xz, sizeof(magic_xz))) {
        s->codec = TSTREAM_XZ;
        if (lzma_stream_decoder(&s->x, XZ_MEMLIMIT, LZMA_CONCATENATED) != LZMA_OK)
            return (int)rfail(s, -ENOMEM, "out of memory for the xz decoder");
    } else if (s->in_len >= sizeof(magic_zstd) &&
               !memcmp(s->in, magic_zstd, sizeof(magic_zstd))) {
        s->codec = TSTREAM_ZSTD;
        s->zd = ZSTD_createDCtx();
        if (!s->zd)
            return (int)rfail(s, -ENOMEM, "out of memory for the zstd decoder");
        s->zret = 1;
    }
    return 0;
}

static ssize_t read_plain(struct tstream *s, void *buf, size_t n)
{
    ssize_t got;

    if (input_left(s)) {
        size_t k = s->in_len - s->in_pos < n ? s->in_len - s->in_pos : n;

        memcpy(buf, s->in + s->in_pos, k);
        s->in_pos += k;
        return (ssize_t)k;
    }
    if (s->eof)
        return 0;
    do
        got = read(s->fd, buf, n);
    while (got < 0 && errno == EINTR);
    if (got < 0)
        return rfail(s, -errno, "read failed: %s", strerror(errno));
    if (got == 0)
        s->eof = true;
    return got;
}

static ssize_t read_gzip(struct tstream *s, void *buf, size_t n)
{
    z_stream *z = &s->z;
    int rc;

    z->next_out = buf;
    z->avail_out = n > UINT32_MAX ? UINT32_MAX : (uInt)n;
    for (;;) {
        if ((rc = refill(s)) < 0)
            return rc;
        if (s->member_end) {
            if (!input_left(s) && s->eof)
                return 0;                   /* the last member ended with the file */
            if (inflateReset(z) != Z_OK)
                return rfail(s, -ENOMEM, "gzip decoder reset failed");
            s->member_end = false;
        }
        z->next_in = s->in + s->in_pos;
        z->avail_in = (uInt)(s->in_len - s->in_pos);
        rc = inflate(z, Z_NO_FLUSH);
        s->in_pos = s->in_len - z->avail_in;
        if (rc == Z_STREAM_END)
            s->member_end = true;
        else if (rc == Z_DATA_ERROR || rc == Z_NEED_DICT)
            return rfail(s, -EINVAL, "corrupt gzip data (%s)", z->msg ? z->msg : "bad data");
        else if (rc == Z_MEM_ERROR)
            return rfail(s, -ENOMEM, "out of memory in the gzip decoder");
        else if (rc == Z_BUF_ERROR && !input_left(s) && s->eof)
            return truncated(s);            /* no progress, and no input will come */
        if (z->avail_out < n)
            return (ssize_t)(n - z->avail_out);
        if (!s->member_end && !input_left(s) && s->eof)
            return truncated(s);
    }
}

static ssize_t read_xz(struct tstream *s, void *buf, size_t n)
{
    lzma_stream *x = &s->x;
    lzma_ret rc;
    int r;

    if (s->done)
        return 0;
    x->next_out = buf;
    x->avail_out = n;
    for (;;) {
        if ((r = refill(s)) < 0)
            return r;
        x->next_in = s->in + s->in_pos;
        x->avail_in = s->in_len - s->in_pos;
        rc = lzma_code(x, !input_left(s) && s->eof ? LZMA_FINISH : LZMA_RUN);
        s->in_pos = s->in_len - x->avail_in;
        switch (rc) {
        case LZMA_OK:
            break;
        case LZMA_STREAM_END:
            s->done = true;
            return (ssize_t)(n - x->avail_out);
        case LZMA_BUF_ERROR:
            return truncated(s);
        case LZMA_MEM_ERROR:
            return rfail(s, -ENOMEM, "out of memory in the xz decoder");
        case LZMA_MEMLIMIT_ERROR:
            return rfail(s, -EINVAL, "xz data that needs more than %llu MiB to decode (its "
                         "dictionary; xz -9 needs 65 MiB): refused",
                         (unsigned long long)(XZ_MEMLIMIT >> 20));
        case LZMA_FORMAT_ERROR:
            return rfail(s, -EINVAL, "corrupt xz data (a stream header or padding is wrong)");
        case LZMA_OPTIONS_ERROR:
            return rfail(s, -EINVAL, "corrupt xz data (unsupported options in a header)");
        case LZMA_DATA_ERROR:
            return rfail(s, -EINVAL, "corrupt xz data (the compressed data is damaged)");
        default:
            return rfail(s, -EINVAL, "corrupt xz data (liblzma error %d)", (int)rc);
        }
        if (x->avail_out < n)
            return (ssize_t)(n - x->avail_out);
    }
}

static ssize_t read_zstd(struct tstream *s, void *buf, size_t n)
{
    ZSTD_outBuffer out = { .dst = buf, .size = n, .pos = 0 };
    ZSTD_inBuffer in;
    int r;

    for (;;) {
        if ((r = refill(s)) < 0)
            return r;
        if (!input_left(s) && s->eof && s->zret == 0)
            return 0;                       /* the last frame ended with the file */
        in = (ZSTD_inBuffer){ .src = s->in + s->in_pos, .size = s->in_len - s->in_pos };
        s->zret = ZSTD_decompressStream(s->zd, &out, &in);
        s->in_pos += in.pos;
        if (ZSTD_isError(s->zret))
            return rfail(s, -EINVAL, "corrupt zstd data (%s)", ZSTD_getErrorName(s->zret));
        if (out.pos)
            return (ssize_t)out.pos;
        if (!input_left(s) && s->eof && s->zret != 0)
            return truncated(s);
    }
}

ssize_t tstream_read(struct tstream *s, void *buf, size_t n, char *err, size_t errlen)
{
    ssize_t got;

    if (!s->error && !s->started)
        start(s);
    if (s->error)
        return say(s->error, err, errlen, "%s", s->msg);
    if (n == 0)
        return 0;
    switch (s->codec) {
    case TSTREAM_GZIP:
        got = read_gzip(s, buf, n);
        break;
    case TSTREAM_XZ:
        got = read_xz(s, buf, n);
        break;
    case TSTREAM_ZSTD:
        got = read_zstd(s, buf, n);
        break;
    case TSTREAM_PLAIN:
    default:
        got = read_plain(s, buf, n);
        break;
    }
    if (got < 0)
        return say((int)got, err, errlen, "%s", s->msg);
    return got;
}

/*
 * Maps a plain regular file whole, before anything has been read; afterwards reads
 * return 0 (the caller has every byte). A compressed file is left to the decoder,
 * with the magic bytes it read kept for the first read.
 */
int tstream_map(struct tstream *s, const void **data, size_t *len)
{
    struct stat st;
    void *p;

    if (s->started || fstat(s->fd, &st) || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
        (uintmax_t)st.st_size > SIZE_MAX)
        return -EINVAL;
    if (start(s) < 0 || s->codec != TSTREAM_PLAIN)
        return -EINVAL;
    p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, s->fd, 0);
    if (p == MAP_FAILED)
        return -errno;
    posix_madvise(p, (size_t)st.st_size, POSIX_MADV_SEQUENTIAL);
    s->map = p;
    s->map_len = (size_t)st.st_size;
    s->in_pos = s->in_len;      /* the magic bytes read are in the map too */
    s->eof = true;
    *data = p;
    *len = s->map_len;
    return 0;
}

void tstream_close(struct tstream *s)
{
    if (!s)
        return;
    if (s->map)
        munmap(s->map, s->map_len);
    if (s->codec == TSTREAM_GZIP)
        inflateEnd(&s->z);
    lzma_end(&s->x);
    ZSTD_freeDCtx(s->zd);
    if (s->own_fd)
        close(s->fd);
    free(s->in);
    free(s);
}

/* ------------------------------------------------------------------ writing */

struct tstream_out {
    int fd;
    bool own_fd;
    enum tstream_codec codec;
    unsigned char *out;     /* OUT_BUF: the encoder's output */
    z_stream z;
    bool z_init;
    lzma_stream x;
    ZSTD_CCtx *zc;
};

static int write_all(int fd, const void *buf, size_t n, char *err, size_t errlen)
{
    const unsigned char *p = buf;
    ssize_t k;

    while (n) {
        k = write(fd, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return say(-errno, err, errlen, "write failed: %s", strerror(errno));
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

struct tstream_out *tstream_out_fd(int fd, int own_fd, enum tstream_codec codec, char *err,
                                   size_t errlen)
{
    struct tstream_out *s = calloc(1, sizeof(*s));
    bool ok = s != NULL;

    if (s) {
        s->fd = fd;
        s->own_fd = own_fd != 0;
        s->codec = codec;
        s->x = (lzma_stream)LZMA_STREAM_INIT;
        if (codec != TSTREAM_PLAIN)
            ok = (s->out = malloc(OUT_BUF)) != NULL;
    }
    if (ok && codec == TSTREAM_GZIP)
        ok = s->z_init = deflateInit2(&s->z, GZIP_LEVEL, Z_DEFLATED, GZIP_WBITS, GZIP_MEMLEVEL,
                                      Z_DEFAULT_STRATEGY) == Z_OK;
    else if (ok && codec == TSTREAM_XZ)
        ok = lzma_easy_encoder(&s->x, XZ_PRESET, LZMA_CHECK_CRC64) == LZMA_OK;
    else if (ok && codec == TSTREAM_ZSTD)
        ok = (s->zc = ZSTD_createCCtx()) != NULL &&
             !ZSTD_isError(ZSTD_CCtx_setParameter(s->zc, ZSTD_c_compressionLevel, ZSTD_LEVEL)) &&
             !ZSTD_isError(ZSTD_CCtx_setParameter(s->zc, ZSTD_c_checksumFlag, 1));
    if (!ok) {
        say(-ENOMEM, err, errlen, "out of memory for the %s encoder", tstream_codec_name(codec));
        if (s) {
            s->own_fd = false;              /* the caller still owns fd */
            tstream_out_finish(s, 0, NULL, 0);
        }
        return NULL;
    }
    return s;
}

/* One encoder step over [buf, buf + n) (finish: end the stream). 1 when it is done. */
static int encode(struct tstream_out *s, const void *buf, size_t n, bool finish, char *err,
                  size_t errlen)
{
    size_t produced;
    int done = 0, rc;

    switch (s->codec) {
    case TSTREAM_GZIP:
        s->z.next_in = (Bytef *)(uintptr_t)buf;
        s->z.avail_in = (uInt)n;
        s->z.next_out = s->out;
        s->z.avail_out = OUT_BUF;
        rc = deflate(&s->z, finish ? Z_FINISH : Z_NO_FLUSH);
        if (rc == Z_STREAM_ERROR)
            return say(-EIO, err, errlen, "gzip encoder failed");
        done = finish ? rc == Z_STREAM_END : s->z.avail_in == 0;
        produced = OUT_BUF - s->z.avail_out;
        break;
    case TSTREAM_XZ: {
        lzma_ret lr;

        s->x.next_in = buf;
        s->x.avail_in = n;
        s->x.next_out = s->out;
        s->x.avail_out = OUT_BUF;
        lr = lzma_code(&s->x, finish ? LZMA_FINISH : LZMA_RUN);
        if (lr != LZMA_OK && lr != LZMA_STREAM_END)
            return say(lr == LZMA_MEM_ERROR ? -ENOMEM : -EIO, err, errlen,
                       "xz encoder failed (liblzma error %d)", (int)lr);
        done = finish ? lr == LZMA_STREAM_END : s->x.avail_in == 0;
        produced = OUT_BUF - s->x.avail_out;
        break;
    }
    case TSTREAM_ZSTD:
    default: {
        ZSTD_inBuffer in = { .src = buf, .size = n };
        ZSTD_outBuffer out = { .dst = s->out, .size = OUT_BUF };
        size_t left = ZSTD_compressStream2(s->zc, &out, &in, finish ? ZSTD_e_end
                                                                     : ZSTD_e_continue);

        if (ZSTD_isError(left))
            return say(-EIO, err, errlen, "zstd encoder failed (%s)", ZSTD_getErrorName(left));
        done = finish ? left == 0 : in.pos == in.size;
        produced = out.pos;
        break;
    }
    }
    if (produced && (rc = write_all(s->fd, s->out, produced, err, errlen)) < 0)
        return rc;
    return done;
}

/* Bytes the last encode consumed: the encoders keep their own input pointers. */
static size_t left_in(const struct tstream_out *s)
{
    return s->codec == TSTREAM_GZIP ? s->z.avail_in : s->codec == TSTREAM_XZ ? s->x.avail_in : 0;
}

int tstream_write(struct tstream_out *s, const void *buf, size_t n, char *err, size_t errlen)
{
    const unsigned char *p = buf;
    int rc;

    if (s->codec == TSTREAM_PLAIN)
        return write_all(s->fd, buf, n, err, errlen);
    if (s->codec == TSTREAM_ZSTD) {
        ZSTD_inBuffer in = { .src = buf, .size = n };

        while (in.pos < in.size) {
            ZSTD_outBuffer out = { .dst = s->out, .size = OUT_BUF };
            size_t r = ZSTD_compressStream2(s->zc, &out, &in, ZSTD_e_continue);

            if (ZSTD_isError(r))
                return say(-EIO, err, errlen, "zstd encoder failed (%s)", ZSTD_getErrorName(r));
            if (out.pos && (rc = write_all(s->fd, s->out, out.pos, err, errlen)) < 0)
                return rc;
        }
        return 0;
    }
    while (n) {
        size_t chunk = n > UINT32_MAX ? UINT32_MAX : n, used;

        if ((rc = encode(s, p, chunk, false, err, errlen)) < 0)
            return rc;
        used = chunk - left_in(s);
        p += used;
        n -= used;
    }
    return 0;
}

int tstream_out_finish(struct tstream_out *s, int ok, char *err, size_t errlen)
{
    int rc = 0;

    if (!s)
        return 0;
    if (ok && s->codec != TSTREAM_PLAIN) {
        while ((rc = encode(s, NULL, 0, true, err, errlen)) == 0)
            ;
        rc = rc < 0 ? rc : 0;
    }
    if (s->z_init)
        deflateEnd(&s->z);
    lzma_end(&s->x);
    ZSTD_freeCCtx(s->zc);
    if (s->own_fd && close(s->fd) < 0 && ok && !rc)
        rc = say(-errno, err, errlen, "close failed: %s", strerror(errno));
    free(s->out);
    free(s);
    return rc;
}
