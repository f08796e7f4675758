/*
 * tests/lib/proc.c - the command-line tests' subprocesses and statistics look-ups
 * (tests/lib/proc.h says what each is for).
 *
 * A command runs in a child process with stdout and stderr sent to two files of the
 * scratch directory, which are read back whole once it has exited; wait4 gives its
 * status and peak memory together.
 */
#define _GNU_SOURCE             /* vasprintf, asprintf, wait4 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/lib/proc.h"

#define PATH_LEN    4096

const char *proc_prog(void)
{
    const char *p = getenv("IOMMUSIM");

    return p && *p ? p : "build/iommusim";
}

/* ---- Running --------------------------------------------------------------------------- */

void proc_free(struct proc *p)
{
    free(p->out);
    free(p->err);
    p->out = p->err = NULL;
}

static int spawn(struct proc *p, char *const argv[])
{
    char out_path[PATH_LEN], err_path[PATH_LEN];
    struct rusage ru;
    int st;
    pid_t pid;

    snprintf(out_path, sizeof(out_path), "%s", tmp_path(".stdout"));
    snprintf(err_path, sizeof(err_path), "%s", tmp_path(".stderr"));
    fflush(NULL);
    pid = fork();
    if (pid < 0)
        fail_msg("fork: %s", strerror(errno));
    if (pid == 0) {
        int o = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int e = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

        if (o < 0 || e < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0)
            _exit(126);
        /* The kernel's copyright banner is not part of any expected output. */
        setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1);
        execvp(argv[0], argv);
        _exit(127);
    }
    if (wait4(pid, &st, 0, &ru) != pid)
        fail_msg("wait4 %s: %s", argv[0], strerror(errno));
    proc_free(p);
    p->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    p->max_rss_kib = ru.ru_maxrss;
    p->out = slurp(out_path, NULL);
    p->err = slurp(err_path, NULL);
    if (!p->out || !p->err)
        fail_msg("cannot read the output of %s (%s, %s)", argv[0], out_path, err_path);
    return p->status;
}

static int spawn_sh(struct proc *p, const char *line)
{
    char *argv[] = { "/bin/sh", "-c", (char *)line, NULL };

    return spawn(p, argv);
}

/* The formatted text, malloc'd; the test fails if there is no memory for it. */
static char *format(const char *fmt, va_list ap)
{
    char *text;

    if (vasprintf(&text, fmt, ap) < 0)
        fail_msg("out of memory");
    return text;
}

int proc_sh(struct proc *p, const char *fmt, ...)
{
    va_list ap;
    char *line;
    int rc;

    va_start(ap, fmt);
    line = format(fmt, ap);
    va_end(ap);
    rc = spawn_sh(p, line);
    free(line);
    return rc;
}

int proc_run(struct proc *p, const char *fmt, ...)
{
    va_list ap;
    char *args, *line;
    int rc;

    va_start(ap, fmt);
    args = format(fmt, ap);
    va_end(ap);
    /* exec: the shell becomes the program, so status and peak memory are its own. */
    if (asprintf(&line, "exec '%s' %s", proc_prog(), args) < 0)
        fail_msg("out of memory");
    rc = spawn_sh(p, line);
    free(line);
    free(args);
    return rc;
}

int proc_runv(struct proc *p, const char *const args[])
{
    size_t n = 0;

    while (args[n])
        n++;
    const char **argv = calloc(n + 2, sizeof(*argv));
    if (!argv)
        fail_msg("out of memory");
    argv[0] = proc_prog();
    memcpy(argv + 1, args, n * sizeof(*argv));
    int rc = spawn(p, (char *const *)argv);
    free(argv);
    return rc;
}

/* ---- Statistics ------------------------------------------------------------------------ */

uint64_t stats_u64(const char *dir, const char *name)
{
    char path[PATH_LEN], *text, *line, *next, *end;
    size_t n = strlen(name);
    uint64_t v = 0;

    snprintf(path, sizeof(path), "%s/stats.csv", dir);
    text = slurp(path, NULL);
    if (!text)
        fail_msg("cannot read %s", path);
    for (line = text; line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        if (strncmp(line, name, n) || line[n] != ',')
            continue;
        errno = 0;
        v = strtoull(line + n + 1, &end, 10);
        if (!isdigit((unsigned char)line[n + 1]) || *end || errno)
            fail_msg("%s: '%s' is not an unsigned integer", path, line);
        free(text);
        return v;
    }
    free(text);
    fail_msg("%s has no %s", path, name);
    return 0;
}
