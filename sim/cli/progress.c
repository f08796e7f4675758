/*
 * progress.c - what the subcommands share: the error line, the progress line, the
 * wall clock and directory creation.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sim/cli/cli.h"

static double progress_t0, progress_last;
static int progress_shown;
static bool progress_tty;      /* asked once: a run draws up to 200 times */

double cli_wall_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int cli_make_dir(const char *dir)
{
    struct stat st;

    if (mkdir(dir, 0777) == 0)
        return 0;
    if (errno == EEXIST && stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
        return 0;
    return errno == EEXIST ? -ENOTDIR : -errno;
}

void cli_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "iommusim %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

void cli_progress_begin(void)
{
    progress_t0 = cli_wall_now();
    progress_last = 0;
    progress_shown = 0;
    progress_tty = isatty(STDERR_FILENO);
}

void cli_progress(const char *fmt, ...)
{
    va_list ap;
    double now;

    if (!progress_tty)
        return;
    now = cli_wall_now();
    if (now - progress_t0 < 1.0 || now - progress_last < 0.2)
        return;
    progress_last = now;
    progress_shown = 1;
    fputs("\r\033[K", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fflush(stderr);
}

void cli_progress_end(void)
{
    if (progress_shown)
        fputs("\r\033[K", stderr);
    progress_shown = 0;
}
