/*
 * outfile.c - temporary file beside the target, renamed into place when complete.
 */
#define _POSIX_C_SOURCE 200809L
#include "sim/observe/outfile.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void clear(struct outfile *o)
{
    free(o->path);
    free(o->tmp);
    o->path = o->tmp = NULL;
    o->f = NULL;
}

int outfile_open(struct outfile *o, const char *path, char *err, size_t len)
{
    size_t n = strlen(path);
    int fd;

    memset(o, 0, sizeof(*o));
    o->path = strdup(path);
    o->tmp = malloc(n + sizeof(".tmpXXXXXX"));
    if (!o->path || !o->tmp) {
        clear(o);
        snprintf(err, len, "%s: out of memory", path);
        return -ENOMEM;
    }
    memcpy(o->tmp, path, n);
    memcpy(o->tmp + n, ".tmpXXXXXX", sizeof(".tmpXXXXXX"));
    if ((fd = mkstemp(o->tmp)) < 0 || !(o->f = fdopen(fd, "w"))) {
        int e = errno;
        if (fd >= 0) {
            close(fd);
            unlink(o->tmp);
        }
        snprintf(err, len, "%s: cannot create: %s", path, strerror(e));
        clear(o);
        return -e;
    }
    /* mkstemp makes the file private; a result gets the mode a plain fopen gives */
    mode_t mask = umask(0);
    umask(mask);
    fchmod(fd, 0666 & ~mask);
    return 0;
}

int outfile_commit(struct outfile *o, char *err, size_t len)
{
    int rc = 0;

    if (!o->f)
        return 0;
    /* a full disk shows at the flush or the sync as well as at a write */
    bool bad = fflush(o->f) != 0 || ferror(o->f) != 0 || fsync(fileno(o->f)) != 0;
    int e = errno;
    if (fclose(o->f) != 0 || bad) {
        rc = -(e ? e : EIO);
        snprintf(err, len, "%s: cannot write: %s", o->path, strerror(-rc));
        unlink(o->tmp);
    } else if (rename(o->tmp, o->path) != 0) {
        rc = -errno;
        snprintf(err, len, "%s: cannot rename %s into place: %s", o->path, o->tmp,
                 strerror(-rc));
        unlink(o->tmp);
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
