/*
 * util.c - the out-of-line helpers of util.h.
 */
#define _GNU_SOURCE            /* sync_file_range */
#include "sim/core/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

static void err_vset(char *err, size_t errlen, const char *fmt, va_list ap)
{
    if (err && errlen)
        vsnprintf(err, errlen, fmt, ap);
}

void err_set(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    err_vset(err, errlen, fmt, ap);
    va_end(ap);
}

int err_fail(char *err, size_t errlen, int code, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    err_vset(err, errlen, fmt, ap);
    va_end(ap);
    return code;
}

int err_invalid(char *err, unsigned errlen, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    err_vset(err, errlen, fmt, ap);
    va_end(ap);
    return -EINVAL;
}

bool array_grow(void **arr, uint32_t n, uint32_t *cap, size_t elem)
{
    uint32_t ncap;
    void *p;

    if (n < *cap)
        return true;
    ncap = *cap ? *cap * 2 : 16;
    p = realloc(*arr, (size_t)ncap * elem);
    if (!p)
        return false;
    *arr = p;
    *cap = ncap;
    return true;
}

/* Bytes of the control character at s (1 or 2), or 0 when s starts with none. */
static size_t ctl_len(const unsigned char *s)
{
    if (*s < 0x20 || *s == 0x7f)
        return 1;
    if (s[0] == 0xc2 && s[1] >= 0x80 && s[1] <= 0x9f)
        return 2;
    return 0;
}

bool ctl_has(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (ctl_len(p))
            return true;
    return false;
}

char *ctl_escape(char *dst, size_t len, const char *src)
{
    const unsigned char *p = (const unsigned char *)src;
    size_t at = 0;

    if (!len)
        return dst;
    while (*p) {
        size_t n = ctl_len(p);

        if (!n) {
            if (at + 1 >= len)
                break;
            dst[at++] = (char)*p++;
            continue;
        }
        if (at + 4 * n >= len)
            break;
        for (size_t i = 0; i < n; i++, p++)
            at += (size_t)snprintf(dst + at, len - at, "\\x%02x", *p);
    }
    dst[at] = '\0';
    return dst;
}

/*
 * The deferral: a copy of the descriptor of every file written since
 * sync_defer_begin, whose writeback was started then, each synced at the end.
 */
static unsigned sync_defer_depth;
static int *sync_defer_fds;
static uint32_t sync_defer_n, sync_defer_cap;

void sync_defer_begin(void)
{
    sync_defer_depth++;
}

/* fsyncs (when sync) and closes the kept descriptors: the first error, or 0. */
static int sync_kept(bool sync)
{
    int rc = 0;

    for (uint32_t i = 0; i < sync_defer_n; i++) {
        if (sync && fsync(sync_defer_fds[i]) && !rc)
            rc = -errno;
        close(sync_defer_fds[i]);
    }
    sync_defer_n = 0;
    free(sync_defer_fds);
    sync_defer_fds = NULL;
    sync_defer_cap = 0;
    return rc;
}

int sync_defer_end(const char *dir)
{
    int fd, rc;

    if (!sync_defer_depth)
        return -EINVAL;
    sync_defer_depth--;
    if (!dir)
        return sync_defer_depth ? 0 : sync_kept(false);
    rc = sync_kept(true);
    /* the renames into dir: its entries */
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return rc ? rc : -errno;
    if (fsync(fd) && !rc)
        rc = -errno;
    close(fd);
    return rc;
}

int sync_unless_deferred(int fd)
{
    int copy;

    if (sync_defer_depth) {
        /* start the writeback now; sync_defer_end waits for it with the others */
        if (array_grow((void **)&sync_defer_fds, sync_defer_n, &sync_defer_cap,
                       sizeof(*sync_defer_fds)) &&
            (copy = fcntl(fd, F_DUPFD_CLOEXEC, 0)) >= 0) {
            sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
            sync_defer_fds[sync_defer_n++] = copy;
            return 0;
        }
        /* no room to keep it: synced now instead */
    }
    return fsync(fd) ? -errno : 0;
}

char *str_printf(const char *fmt, ...)
{
    va_list ap;
    char *s;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !(s = malloc((size_t)n + 1)))
        return NULL;
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}
