/*
 * tests/lib/file.c - a test program's scratch directory and whole-file reads
 * (tests/lib/file.h says what they are for).
 */
#define _GNU_SOURCE             /* nftw, program_invocation_short_name */
#include <errno.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "tests/lib/file.h"

#define PATHS       8
#define PATH_LEN    4096

static char tmpdir[PATH_LEN];

/* ---- The scratch directory ------------------------------------------------------------ */

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st;
    (void)type;
    (void)ftw;
    return remove(path) ? -1 : 0;
}

static void remove_tmpdir(void)
{
    if (getenv("IOMMUSIM_TEST_KEEP")) {
        fprintf(stderr, "%s: scratch directory kept: %s\n", program_invocation_short_name,
                tmpdir);
        return;
    }
    if (nftw(tmpdir, remove_entry, 16, FTW_DEPTH | FTW_PHYS))
        fprintf(stderr, "%s: cannot remove %s: %s\n", program_invocation_short_name, tmpdir,
                strerror(errno));
}

const char *tmp_dir(void)
{
    if (!tmpdir[0]) {
        snprintf(tmpdir, sizeof(tmpdir), "/tmp/iommusim-%s-XXXXXX",
                 program_invocation_short_name);
        if (!mkdtemp(tmpdir))
            fail_msg("mkdtemp %s: %s", tmpdir, strerror(errno));
        atexit(remove_tmpdir);
    }
    return tmpdir;
}

const char *tmp_path(const char *fmt, ...)
{
    static char paths[PATHS][PATH_LEN];
    static unsigned next;
    char *p = paths[next++ % PATHS];
    const char *dir = tmp_dir();
    size_t n = (size_t)snprintf(p, PATH_LEN, "%s/", dir);
    va_list ap;

    va_start(ap, fmt);
    if ((size_t)vsnprintf(p + n, PATH_LEN - n, fmt, ap) >= PATH_LEN - n)
        fail_msg("scratch path %s/%s... is too long", dir, fmt);
    va_end(ap);
    return p;
}

/* ---- Files ----------------------------------------------------------------------------- */

char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    size_t n = 0, cap = 4096;
    char *buf;

    if (!f)
        return NULL;
    buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n - 1, f);
        if (n < cap - 1)
            break;
        char *bigger = realloc(buf, cap * 2);
        if (!bigger)
            free(buf);
        buf = bigger;
        cap *= 2;
    }
    if (buf && ferror(f)) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (!buf)
        return NULL;
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

bool file_exists(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0;
}

