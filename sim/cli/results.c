/*
 * results.c - a run's statistics files and the manifest written after them
 * (results.h): the point of a sweep is done exactly when the manifest is there and
 * every file matches it.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/cli/results.h"
#include "sim/core/outfile.h"
#include "sim/core/util.h"

#define FNV_OFFSET      14695981039346656037ull     /* FNV-1a 64 offset basis */
#define FNV_PRIME       1099511628211ull
#define PATH_MAX_LEN    4096
#define MANIFEST_MAX    4096            /* a few short lines */

static const char *const result_files[] = { "stats.json", "stats.csv" };
static const char *const result_formats[] = { "json", "csv" };
#define NFILES          (sizeof(result_files) / sizeof(result_files[0]))
/* The files a run may write beside them, in the manifest's order. */
static const char *const extra_files[] = { RESULTS_EXTRA, RESULTS_CONFIG_YAML,
                                           RESULTS_CONFIG_JSON, RESULTS_RUN,
                                           RESULTS_RUN_HOST };
#define NEXTRA          (sizeof(extra_files) / sizeof(extra_files[0]))

/* Size and FNV-1a hash of a file: 0 or -errno. */
static int file_sum(const char *path, uint64_t *bytes, uint64_t *hash)
{
    unsigned char buf[65536];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n;
    uint64_t h = FNV_OFFSET, len = 0;

    if (fd < 0)
        return -errno;
    while ((n = read(fd, buf, sizeof(buf))) != 0) {
        if (n < 0) {
            if (errno == EINTR)
                continue;
            n = -errno;
            close(fd);
            return (int)n;
        }
        for (ssize_t i = 0; i < n; i++)
            h = (h ^ buf[i]) * FNV_PRIME;
        len += (uint64_t)n;
    }
    close(fd);
    *bytes = len;
    *hash = h;
    return 0;
}

static void dir_file(char *out, size_t len, const char *dir, const char *name)
{
    snprintf(out, len, "%s/%s", dir, name);
}

static size_t manifest_line(char *text, size_t at, size_t len, const char *name,
                            uint64_t bytes, uint64_t hash)
{
    return at + (size_t)snprintf(text + at, len - at, "%s %" PRIu64 " %016" PRIx64 "\n",
                                 name, bytes, hash);
}

/*
 * The manifest text of DIR's files as they are now: 0 or -errno. Each file of
 * extra_files is listed when it is there (a failed build has no histograms), so a set
 * with one and a manifest without it do not match.
 */
static int manifest_text(const char *dir, char *text, size_t len)
{
    char path[PATH_MAX_LEN];
    uint64_t bytes, hash;
    size_t at = 0;
    int rc;

    text[0] = '\0';
    for (size_t i = 0; i < NFILES; i++) {
        dir_file(path, sizeof(path), dir, result_files[i]);
        if ((rc = file_sum(path, &bytes, &hash)))
            return rc;
        at = manifest_line(text, at, len, result_files[i], bytes, hash);
    }
    for (size_t i = 0; i < NEXTRA; i++) {
        dir_file(path, sizeof(path), dir, extra_files[i]);
        rc = file_sum(path, &bytes, &hash);
        if (rc && rc != -ENOENT)
            return rc;
        if (!rc)
            at = manifest_line(text, at, len, extra_files[i], bytes, hash);
    }
    return at < len ? 0 : -ENAMETOOLONG;
}


int cli_results_forget(const char *dir)
{
    char path[PATH_MAX_LEN];

    dir_file(path, sizeof(path), dir, RESULTS_MANIFEST);
    if (unlink(path) && errno != ENOENT)
        return -errno;
    return 0;
}

/* The writer of extra file `name` among the n given, or NULL. */
static const struct cli_result_file *find_extra(const struct cli_result_file *extra,
                                                size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(extra[i].name, name))
            return &extra[i];
    return NULL;
}

/* The statistics files and the extra ones, or the removal of an earlier run's extras. */
static int write_set(const struct stats *st, const char *dir,
                     const struct cli_result_file *extra, size_t nextra, char *err,
                     size_t errlen)
{
    char path[PATH_MAX_LEN];
    int rc;

    for (size_t i = 0; i < NFILES; i++) {
        dir_file(path, sizeof(path), dir, result_files[i]);
        if ((rc = stats_write_file(st, path, result_formats[i], err, errlen)))
            return rc;
    }
    for (size_t i = 0; i < NEXTRA; i++) {
        const struct cli_result_file *f = find_extra(extra, nextra, extra_files[i]);

        dir_file(path, sizeof(path), dir, extra_files[i]);
        if (f && (rc = f->write(f->arg, path, err, errlen)))
            return rc;
        if (!f && unlink(path) && errno != ENOENT) {
            rc = -errno;        /* an earlier run's file is not this run's */
            snprintf(err, errlen, "cannot remove %s: %s", path, strerror(-rc));
            return rc;
        }
    }
    return 0;
}

/*
 * The files are made durable together before the manifest, their writebacks
 * overlapping, rather than one fsync after another (util.h: sync_defer_begin): the
 * manifest, with its sizes and hashes, is what says the set is complete, so a crash
 * in between can only leave a run that reads as unfinished.
 */
int cli_results_write(const struct stats *st, const char *dir,
                      const struct cli_result_file *extra, size_t nextra, char *err,
                      size_t errlen)
{
    char path[PATH_MAX_LEN], text[MANIFEST_MAX];
    int rc;

    /* First: from here on DIR holds no results until the new set is complete. */
    if ((rc = cli_results_forget(dir))) {
        snprintf(err, errlen, "cannot remove %s/" RESULTS_MANIFEST ": %s", dir, strerror(-rc));
        return rc;
    }
    sync_defer_begin();
    rc = write_set(st, dir, extra, nextra, err, errlen);
    if (rc) {
        sync_defer_end(NULL);
        return rc;
    }
    if ((rc = sync_defer_end(dir))) {
        snprintf(err, errlen, "cannot sync the results in %s: %s", dir, strerror(-rc));
        return rc;
    }
    rc = manifest_text(dir, text, sizeof(text));
    dir_file(path, sizeof(path), dir, RESULTS_MANIFEST);
    if (rc) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(-rc));
        return rc;
    }
    return outfile_write_text(path, text, 0666, err, errlen);
}

int cli_results_check(const char *dir, char *why, size_t whylen)
{
    char path[PATH_MAX_LEN], want[MANIFEST_MAX], have[MANIFEST_MAX];
    size_t n;
    FILE *f;

    dir_file(path, sizeof(path), dir, RESULTS_MANIFEST);
    f = fopen(path, "r");
    if (!f) {
        snprintf(why, whylen, "no " RESULTS_MANIFEST " (the run did not finish writing "
                              "its results)");
        return 0;
    }
    n = fread(want, 1, sizeof(want) - 1, f);
    fclose(f);
    want[n] = '\0';
    if (manifest_text(dir, have, sizeof(have))) {
        snprintf(why, whylen, "a file listed in " RESULTS_MANIFEST " is missing");
        return 0;
    }
    if (strcmp(want, have)) {
        snprintf(why, whylen, "a result file (stats.json, stats.csv, " RESULTS_EXTRA ", ...) "
                              "does not match " RESULTS_MANIFEST " (written by another run)");
        return 0;
    }
    return 1;
}
