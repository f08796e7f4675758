/*
 * outfile.c - an output file written under PATH.tmp.PID and renamed into place
 * (outfile.h).
 *
 * The stream is a stdio stream over the temporary's descriptor through
 * fopencookie(3), so that the errno of a write that failed (ENOSPC, EFBIG, EIO) is
 * kept until the commit reports it: stdio records only that an error happened, and
 * errno has usually moved on by then.
 */
#define _GNU_SOURCE             /* fopencookie */
#include "sim/core/outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/core/util.h"

char *outfile_tmp_name(const char *path)
{
    return str_printf("%s.tmp.%ld", path, (long)getpid());
}

static int fail(const char *path, int rc, char *err, size_t errlen)
{
    err_set(err, errlen, "cannot write %s: %s", path, strerror(-rc));
    return rc;
}

/* The descriptor under the stream, and the first write error seen on it. */
struct outfile_sink {
    int fd;
    int err;
};

static ssize_t sink_write(void *cookie, const char *buf, size_t n)
{
    struct outfile_sink *k = cookie;
    size_t done = 0;

    while (done < n) {
        ssize_t w = write(k->fd, buf + done, n - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            if (!k->err)
                k->err = w < 0 ? errno : EIO;
            break;
        }
        done += (size_t)w;
    }
    /* a short count is the error (fopencookie(3): never a negative value) */
    return (ssize_t)done;
}

static int sink_close(void *cookie)
{
    struct outfile_sink *k = cookie;
    int rc = close(k->fd);

    if (rc && !k->err)
        k->err = errno;
    return rc;
}

static void clear(struct outfile *o)
{
    free(o->path);
    free(o->tmp);
    free(o->sink);
    *o = (struct outfile){ .f = NULL };
}

int outfile_open_mode(struct outfile *o, const char *path, unsigned mode, char *err,
                      size_t errlen)
{
    int fd, rc;

    *o = (struct outfile){ .path = strdup(path), .tmp = outfile_tmp_name(path),
                           .sink = calloc(1, sizeof(*o->sink)) };
    if (!o->path || !o->tmp || !o->sink) {
        clear(o);
        return fail(path, -ENOMEM, err, errlen);
    }
    /* O_TRUNC: a temporary a dead process of the same PID left is overwritten */
    fd = open(o->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, (mode_t)mode);
    o->sink->fd = fd;
    if (fd < 0 || !(o->f = fopencookie(o->sink, "w", (cookie_io_functions_t){
                                           .write = sink_write, .close = sink_close }))) {
        rc = errno ? -errno : -ENOMEM;
        if (fd >= 0) {
            close(fd);
            unlink(o->tmp);
        }
        clear(o);
        return fail(path, rc, err, errlen);
    }
    return 0;
}

int outfile_open(struct outfile *o, const char *path, char *err, size_t errlen)
{
    return outfile_open_mode(o, path, 0666, err, errlen);
}

int outfile_commit(struct outfile *o, char *err, size_t errlen)
{
    int rc = 0;

    if (!o->f)
        return 0;
    /* a full disk shows at the flush or the sync as well as at a write */
    if (fflush(o->f) || ferror(o->f))
        rc = -(o->sink->err ? o->sink->err : EIO);
    if (!rc)
        rc = sync_unless_deferred(o->sink->fd);
    if (fclose(o->f) && !rc)
        rc = -(o->sink->err ? o->sink->err : EIO);
    if (!rc && rename(o->tmp, o->path))
        rc = -errno;
    if (rc) {
        unlink(o->tmp);
        fail(o->path, rc, err, errlen);
    }
    clear(o);
    return rc;
}

void outfile_abort(struct outfile *o)
{
    if (o->f) {
        fclose(o->f);
        unlink(o->tmp);
    }
    clear(o);
}

int outfile_write_text(const char *path, const char *text, unsigned mode, char *err,
                       size_t errlen)
{
    struct outfile o;
    int rc = outfile_open_mode(&o, path, mode, err, errlen);

    if (rc)
        return rc;
    fputs(text, o.f);
    return outfile_commit(&o, err, errlen);
}
