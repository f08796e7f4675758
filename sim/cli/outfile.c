/*
 * outfile.c - an output file written beside its target and renamed into place
 * (outfile.h). Used by `gen` and `convert`, whose outputs are traces a later run
 * would take for complete.
 */
#define _XOPEN_SOURCE 700
#define _FILE_OFFSET_BITS 64
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim/cli/outfile.h"
#include "sim/core/outfile.h"

static void outfile_reset(struct cli_outfile *o, const char *target)
{
    o->target = target;
    o->final = NULL;
    o->tmp = NULL;
}

/*
 * The regular file to replace: the target, or what its symlinks lead to. NULL
 * with *direct set when the target exists and is not a regular file.
 */
static char *resolve_final(const char *target, bool *direct, mode_t *mode)
{
    struct stat st;
    char *real;

    *direct = false;
    *mode = 0;
    if (lstat(target, &st))
        return strdup(target);          /* does not exist: created by the rename */
    if (S_ISREG(st.st_mode)) {
        *mode = st.st_mode & 07777;
        return strdup(target);
    }
    if (!S_ISLNK(st.st_mode) || stat(target, &st) || !S_ISREG(st.st_mode)) {
        *direct = true;                 /* a device, FIFO, socket, dangling link, ... */
        return NULL;
    }
    *mode = st.st_mode & 07777;
    real = realpath(target, NULL);
    return real;
}

int cli_outfile_begin(struct cli_outfile *o, const char *target, const char **path,
                      char *err, size_t errlen)
{
    mode_t mode;
    bool direct;
    int fd;

    outfile_reset(o, target);
    *path = target;
    if (!strcmp(target, "-"))
        return 0;
    o->final = resolve_final(target, &direct, &mode);
    if (direct)
        return 0;
    if (!o->final) {
        snprintf(err, errlen, "%s: error: cannot resolve the path: %s", target,
                 strerror(errno));
        return -errno;
    }
    o->tmp = outfile_tmp_name(o->final);
    if (!o->tmp) {
        snprintf(err, errlen, "%s: error: out of memory", target);
        free(o->final);
        o->final = NULL;
        return -ENOMEM;
    }
    /* O_EXCL: the file removed on failure is one this process made. */
    fd = open(o->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0) {
        int e = errno;

        snprintf(err, errlen, "%s: error: cannot create: %s", target, strerror(e));
        free(o->tmp);
        free(o->final);
        outfile_reset(o, target);
        return -e;
    }
    if (mode)
        fchmod(fd, mode);               /* the file it replaces keeps its permissions */
    close(fd);
    *path = o->tmp;
    return 0;
}

int cli_outfile_commit(struct cli_outfile *o, char *err, size_t errlen)
{
    int rc = 0;

    if (o->tmp && rename(o->tmp, o->final)) {
        rc = -errno;
        snprintf(err, errlen, "%s: error: cannot rename the finished output into place: %s",
                 o->target, strerror(-rc));
        unlink(o->tmp);
    }
    free(o->tmp);
    free(o->final);
    outfile_reset(o, o->target);
    return rc;
}

void cli_outfile_abort(struct cli_outfile *o)
{
    if (o->tmp)
        unlink(o->tmp);
    free(o->tmp);
    free(o->final);
    outfile_reset(o, o->target);
}

void cli_outfile_fix_msg(const struct cli_outfile *o, char *msg, size_t len)
{
    size_t tl, gl, ml;
    char *at;

    if (!o->tmp || !(at = strstr(msg, o->tmp)))
        return;
    tl = strlen(o->tmp);
    gl = strlen(o->target);
    ml = strlen(msg);
    if (ml - tl + gl + 1 > len)
        return;
    memmove(at + gl, at + tl, ml - (size_t)(at - msg) - tl + 1);
    memcpy(at, o->target, gl);
}

/* The last up-to-n bytes of a file into buf: how many, or -1. */
static long file_tail(const char *path, unsigned char *buf, size_t n, off_t *size)
{
    struct stat st;
    FILE *f = fopen(path, "rb");
    long got;

    if (!f)
        return -1;
    if (fstat(fileno(f), &st) || !S_ISREG(st.st_mode)) {
        fclose(f);
        return -1;
    }
    *size = st.st_size;
    if ((off_t)n > st.st_size)
        n = (size_t)st.st_size;
    if (fseeko(f, st.st_size - (off_t)n, SEEK_SET)) {
        fclose(f);
        return -1;
    }
    got = (long)fread(buf, 1, n, f);
    fclose(f);
    return got;
}

static bool ends_with_suffix(const char *path, const char *suffix)
{
    size_t pl = strlen(path), sl = strlen(suffix);

    return pl >= sl && !strcmp(path + pl - sl, suffix);
}

bool cli_file_whole(const char *path)
{
    /* A PNG's last chunk: length 0, "IEND", its CRC. */
    static const unsigned char iend[12] = { 0, 0, 0, 0, 'I', 'E', 'N', 'D',
                                            0xae, 0x42, 0x60, 0x82 };
    unsigned char tail[64];
    off_t size = 0;
    long n = file_tail(path, tail, sizeof(tail), &size);

    if (n <= 0 || !size)
        return false;
    if (ends_with_suffix(path, ".png"))
        return n >= 12 && !memcmp(tail + n - 12, iend, 12);
    if (ends_with_suffix(path, ".svg")) {
        while (n > 0 && (tail[n - 1] == '\n' || tail[n - 1] == ' ' || tail[n - 1] == '\r'))
            n--;
        return n >= 6 && !memcmp(tail + n - 6, "</svg>", 6);
    }
    return true;
}

int cli_rename_tmp(const char *tmp, const char *path)
{
    if (rename(tmp, path)) {
        int rc = -errno;

        unlink(tmp);
        return rc;
    }
    return 0;
}
