/*
 * cmd_sweep.c - `iommusim sweep`: one scenario run over the cartesian product of
 * parameter values, each point as its own `iommusim run` process.
 *
 * The sweep's definition goes to DIR/sweep.txt before anything runs; a second
 * sweep into the same DIR must have the same definition, and then only the points
 * without statistics run again (resume). Point i is `iommusim run ... --out
 * DIR/points/NNNN` with its output in DIR/points/NNNN/log, started by this process
 * (at most -j at once) or written out as one line of DIR/jobs.txt for GNU parallel
 * or a Slurm job array (--emit-jobs). Either way the results file is made by
 * sim/cli/sweep_collect.c from the files the points left, which is why it does not
 * depend on -j, on the order points finish in, or on who ran them (--collect).
 *
 * A failed point (non-zero exit, a signal, --timeout) loses its stats.json, so that
 * the files alone say it failed and a resume runs it again; its log is kept.
 */
#define _XOPEN_SOURCE 700        /* POSIX.1-2008 with realpath */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sim/cli/cli.h"
#include "sim/cli/opts.h"
#include "sim/cli/results.h"
#include "sim/cli/sweep.h"
#include "sim/config/config.h"
#include "sim/core/outfile.h"
#include "sim/core/util.h"

#define CMD                 "sweep"
#define JOBS_FILE           "jobs.txt"
#define SLURM_FILE          "slurm.sh"
#define POINT_OFFSET_VAR    "IOMMUSIM_POINT_OFFSET"     /* slurm.sh: first point of a slice */
#define RUN_MAX_SETS        256         /* --set options `iommusim run` takes (cmd_run.c) */
#define MAX_JOBS            1024        /* -j */
#define MAX_TIMEOUT_S       1e6         /* --timeout, seconds (11.6 days) */
#define WAIT_SLICE_S        0.2         /* longest sleep between progress redraws */
#define LOG_TAIL_BYTES      4096        /* how much of a log is read for its last line */
#define LOG_LINE_MAX        300         /* characters of a log line quoted on stderr */
#define PARAM_WHY_MAX       128

enum {
    OPT_PARAM = 256,
    OPT_SET,
    OPT_MODE,
    OPT_SEED,
    OPT_TIMEOUT,
    OPT_OUT,
    OPT_EMIT_JOBS,
    OPT_COLLECT,
    OPT_HELP,
};

static const struct option sweep_options[] = {
    { "param",     required_argument, NULL, OPT_PARAM },
    { "set",       required_argument, NULL, OPT_SET },
    { "mode",      required_argument, NULL, OPT_MODE },
    { "seed",      required_argument, NULL, OPT_SEED },
    { "jobs",      required_argument, NULL, 'j' },
    { "timeout",   required_argument, NULL, OPT_TIMEOUT },
    { "out",       required_argument, NULL, OPT_OUT },
    { "emit-jobs", no_argument,       NULL, OPT_EMIT_JOBS },
    { "collect",   required_argument, NULL, OPT_COLLECT },
    { "help",      no_argument,       NULL, OPT_HELP },
    { NULL, 0, NULL, 0 },
};

struct sweep_args {
    struct sweep sw;
    const char *scenario;               /* as given */
    const char *out;
    const char *collect;
    unsigned jobs;
    double timeout;                     /* seconds, 0 for none */
    bool jobs_given, timeout_given, emit_jobs;
    int noptions;                       /* options other than --collect, for its check */
};

/* How one point of this invocation ended, for the failure lines. */
enum point_state {
    PT_PENDING,                         /* not started (or not run: --collect) */
    PT_SKIPPED,                         /* done before this invocation */
    PT_EXITED,                          /* code holds the exit status */
    PT_SIGNALED,                        /* code holds the signal */
    PT_TIMED_OUT,
    PT_START_FAILED,                    /* code holds the errno */
};

struct point_result {
    unsigned char state;
    int code;
};

static void usage(FILE *out)
{
    fprintf(out,
            "usage: iommusim sweep SCENARIO.yaml --param KEY=V1,V2,... [--param ...]\n"
            "                      [--set KEY=VALUE ...] [--mode timing|functional] [--seed N]\n"
            "                      [-j N] [--timeout SECONDS] [--emit-jobs] --out DIR\n"
            "       iommusim sweep --collect DIR\n\n"
            "Runs a scenario once per point of the cartesian product of the --param value\n"
            "lists (the last --param varies fastest), each point as its own `iommusim run`\n"
            "into DIR/points/NNNN, and merges their statistics into DIR/results.csv.\n\n"
            "  --param KEY=V1,V2,...  a --set path and its values, taken literally; repeatable\n"
            "  --set KEY=VALUE        an override every point shares; repeatable\n"
            "  --mode M, --seed N     passed to every point's run\n"
            "  -j N, --jobs N         points running at once, 1 .. %d (default: online cores)\n"
            "  --timeout SECONDS      kill a point running longer and count it failed\n"
            "                         (default 0: no limit)\n"
            "  --out DIR              the sweep's directory (created); running the same sweep\n"
            "                         into it again runs only the points not done yet\n"
            "  --emit-jobs            run nothing: write DIR/jobs.txt (one shell command per\n"
            "                         point, for GNU parallel) and DIR/slurm.sh (a job array)\n"
            "  --collect DIR          write DIR/results.csv from the points' files\n"
            "  --help                 this text\n\n"
            "Exit status: 0 every point ran, 1 a point failed (results.csv is still written)\n"
            "or a file cannot be read or written, 2 usage error. docs/sweeps.md has examples.\n",
            MAX_JOBS);
}

/* ------------------------------------------------------------------ small helpers */

/* sweep.txt and jobs.txt are line-based: no argument may hold a line break. */
static bool has_line_break(const char *s)
{
    return strpbrk(s, "\r\n") != NULL;
}

static bool is_file(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/*
 * Creates DIR and DIR/points and writes DIR/sweep.txt, or checks that the one
 * there describes this same sweep. Returns CLI_OK, CLI_FAILED or CLI_USAGE.
 */
static int prepare_dir(const struct sweep *sw, const char *dir)
{
    char *path = str_printf("%s/" SWEEP_MANIFEST, dir), *points = str_printf("%s/points", dir);
    char *text = sweep_manifest_text(sw), why[2 * PATH_MAX];
    int rc;

    if (!path || !points || !text) {
        cli_error(CMD, "out of memory");
        rc = CLI_FAILED;
        goto out;
    }
    if ((rc = cli_make_dir(dir))) {
        cli_error(CMD, "--out %s: cannot create the directory: %s", dir, strerror(-rc));
        rc = CLI_FAILED;
        goto out;
    }
    if (is_file(path)) {
        struct sweep there;
        char *canonical;
        /* Compare canonical texts, so a comment or blank line is no difference. */
        if (sweep_manifest_read(path, &there)) {
            rc = CLI_FAILED;
            goto out;
        }
        canonical = sweep_manifest_text(&there);
        sweep_clear(&there);
        if (!canonical) {
            cli_error(CMD, "out of memory");
            rc = CLI_FAILED;
            goto out;
        }
        if (sweep_manifest_differs(canonical, text, why, sizeof(why))) {
            cli_error(CMD, "%s holds another sweep: %s (use another --out, or remove %s to "
                      "start over)", dir, why, dir);
            rc = CLI_USAGE;
        }
        free(canonical);
        if (rc)
            goto out;
    } else if (outfile_write_text(path, text, 0666, why, sizeof(why))) {
        cli_error(CMD, "%s", why);
        rc = CLI_FAILED;
        goto out;
    }
    if ((rc = cli_make_dir(points))) {
        cli_error(CMD, "cannot create %s: %s", points, strerror(-rc));
        rc = CLI_FAILED;
    }
out:
    free(path);
    free(points);
    free(text);
    return rc;
}

/* ------------------------------------------------------------------ arguments */

/* getopt_long's own complaints, in this program's words. */
static int option_error(int c, int argc, char **argv)
{
    const char *arg = optind - 1 < argc ? argv[optind - 1] : "";

    if (c == ':')
        cli_error(CMD, "option '%s' needs a value (see iommusim sweep --help)", arg);
    else if (optopt == OPT_EMIT_JOBS || optopt == OPT_HELP)
        cli_error(CMD, "option '%s' takes no value", arg);
    else
        cli_error(CMD, "unknown option '%s' (options: --param, --set, --mode, --seed, -j, "
                       "--timeout, --out, --emit-jobs, --collect, --help)", arg);
    return CLI_USAGE;
}

static int parse_jobs(const char *s, unsigned *jobs)
{
    uint64_t n;

    if (config_parse_u64(s, &n)) {
        cli_error(CMD, "-j '%s' is not an integer: must be 1 .. %d", s, MAX_JOBS);
        return CLI_USAGE;
    }
    if (n < 1 || n > MAX_JOBS) {
        cli_error(CMD, "-j %s is out of range: must be 1 .. %d", s, MAX_JOBS);
        return CLI_USAGE;
    }
    *jobs = (unsigned)n;
    return CLI_OK;
}

static int parse_timeout(const char *s, double *seconds)
{
    char *end;

    errno = 0;
    *seconds = strtod(s, &end);
    if (!*s || *end || errno || !isfinite(*seconds) || strspn(s, "0123456789.") != strlen(s)) {
        cli_error(CMD, "--timeout '%s' is not a number of seconds: must be 0 (no limit) .. "
                  "%.0f", s, MAX_TIMEOUT_S);
        return CLI_USAGE;
    }
    if (*seconds > MAX_TIMEOUT_S) {
        cli_error(CMD, "--timeout %s is out of range: must be 0 (no limit) .. %.0f", s,
                  MAX_TIMEOUT_S);
        return CLI_USAGE;
    }
    return CLI_OK;
}

static int take_param(struct sweep_args *a, const char *spec)
{
    struct sweep_param p;
    char why[PARAM_WHY_MAX];
    int rc = sweep_parse_param(spec, &p, why, sizeof(why));

    if (rc == -EINVAL)
        cli_error(CMD, "--param %s: %s", spec, why);
    for (size_t i = 0; !rc && i < a->sw.nparams; i++)
        if (!strcmp(a->sw.params[i].key, p.key)) {
            cli_error(CMD, "--param %s given twice (list all its values in one --param)",
                      p.key);
            rc = -EINVAL;
        }
    if (!rc && (rc = sweep_add_param(&a->sw, &p)) == 0)
        return CLI_OK;
    sweep_param_free(&p);
    if (rc == -ENOMEM)
        cli_error(CMD, "out of memory");
    return rc == -ENOMEM ? CLI_FAILED : CLI_USAGE;
}

static int parse_option(struct sweep_args *a, int c, int argc, char **argv)
{
    uint64_t seed;

    if (c != OPT_COLLECT)
        a->noptions++;
    switch (c) {
    case OPT_PARAM:
        if (has_line_break(optarg)) {
            cli_error(CMD, "--param %zu holds a line break, which sweep.txt and jobs.txt "
                      "cannot", a->sw.nparams + 1);
            return CLI_USAGE;
        }
        return take_param(a, optarg);
    case OPT_SET:
        if (!strchr(optarg, '=')) {
            cli_error(CMD, "--set %s: expected KEY=VALUE", optarg);
            return CLI_USAGE;
        }
        if (has_line_break(optarg)) {
            cli_error(CMD, "--set %zu holds a line break, which sweep.txt and jobs.txt cannot",
                      a->sw.nsets + 1);
            return CLI_USAGE;
        }
        if (sweep_add_set(&a->sw, optarg)) {
            cli_error(CMD, "out of memory");
            return CLI_FAILED;
        }
        return CLI_OK;
    case OPT_MODE:
        if (strcmp(optarg, "timing") && strcmp(optarg, "functional")) {
            cli_error(CMD, "--mode %s: expected timing or functional", optarg);
            return CLI_USAGE;
        }
        free(a->sw.mode);
        a->sw.mode = strdup(optarg);
        return CLI_OK;
    case OPT_SEED:
        if (config_parse_u64(optarg, &seed)) {
            cli_error(CMD, "--seed '%s' is not an integer: must be 0 .. 2^64-1 (decimal or "
                           "0x-hex)", optarg);
            return CLI_USAGE;
        }
        free(a->sw.seed);
        a->sw.seed = str_printf("%" PRIu64, seed);     /* one spelling in sweep.txt */
        return CLI_OK;
    case 'j':
        a->jobs_given = true;
        return parse_jobs(optarg, &a->jobs);
    case OPT_TIMEOUT:
        a->timeout_given = true;
        return parse_timeout(optarg, &a->timeout);
    case OPT_OUT:
        a->out = optarg;
        return cli_out_dir(CMD, "--out", optarg);
    case OPT_EMIT_JOBS:
        a->emit_jobs = true;
        return CLI_OK;
    case OPT_COLLECT:
        a->collect = optarg;
        return CLI_OK;
    default:
        return option_error(c, argc, argv);
    }
}

/* The checks that need every option seen. */
static int check_args(struct sweep_args *a)
{
    size_t nsets = a->sw.nsets + a->sw.nparams;

    if (a->collect) {
        if (a->noptions || a->scenario) {
            cli_error(CMD, "--collect takes the sweep directory and nothing else "
                      "(iommusim sweep --collect DIR)");
            return CLI_USAGE;
        }
        return CLI_OK;
    }
    if (!a->scenario) {
        cli_error(CMD, "missing the scenario file (iommusim sweep SCENARIO.yaml --param "
                  "KEY=V1,V2,... --out DIR)");
        return CLI_USAGE;
    }
    if (!a->sw.nparams) {
        cli_error(CMD, "no --param: give at least one --param KEY=V1,V2,...");
        return CLI_USAGE;
    }
    if (!a->out) {
        cli_error(CMD, "missing --out DIR (the directory the points and results.csv go to)");
        return CLI_USAGE;
    }
    if (nsets > RUN_MAX_SETS) {
        cli_error(CMD, "%zu --set and --param options: a point's run takes at most %d --set",
                  nsets, RUN_MAX_SETS);
        return CLI_USAGE;
    }
    if (sweep_count_points(&a->sw)) {
        cli_error(CMD, "the --param lists give more than %u points", SWEEP_MAX_POINTS);
        return CLI_USAGE;
    }
    if (a->emit_jobs && a->jobs_given) {
        cli_error(CMD, "-j does not go with --emit-jobs (parallel -j or the Slurm array "
                  "decides how many points run at once)");
        return CLI_USAGE;
    }
    if (a->emit_jobs && a->timeout_given) {
        cli_error(CMD, "--timeout does not go with --emit-jobs (use parallel --timeout, or "
                  "sbatch --time)");
        return CLI_USAGE;
    }
    if (has_line_break(a->scenario) || has_line_break(a->out)) {
        cli_error(CMD, "a path with a line break cannot go into sweep.txt and jobs.txt");
        return CLI_USAGE;
    }
    return CLI_OK;
}

/* CLI_OK, CLI_USAGE, or -1 after --help (the caller exits 0). */
static int parse_args(int argc, char **argv, struct sweep_args *a)
{
    struct cli_once once = { 0 };
    int c, rc;

    opterr = 0;
    optind = 0;                         /* full reinitialisation (GNU) */
    while ((c = getopt_long(argc, argv, ":hj:", sweep_options, NULL)) != -1) {
        if (c == 'h')
            c = OPT_HELP;               /* -h is --help */
        if (c == OPT_HELP) {
            usage(stdout);
            return -1;
        }
        if (c != OPT_PARAM && c != OPT_SET &&
            (rc = cli_once_getopt(CMD, &once, sweep_options, c, optarg)))
            return rc;
        if ((rc = parse_option(a, c, argc, argv)))
            return rc;
    }
    for (int i = optind; i < argc; i++) {
        if (a->scenario) {
            cli_error(CMD, "one scenario at a time: '%s' and '%s'", a->scenario, argv[i]);
            return CLI_USAGE;
        }
        a->scenario = argv[i];
    }
    return check_args(a);
}

/* ------------------------------------------------------------------ a point's command */

/*
 * The argument vector of point i: `EXE run SCENARIO --quiet --out DIR/points/NNNN
 * [--mode M] [--seed N] --set S... --set KEY=V...`, the shared --set options first
 * so that a parameter overrides them. Every string is malloc'd; NULL-terminated.
 */
static char **point_argv(const struct sweep *sw, const char *exe, const char *dir, size_t i)
{
    size_t n = 6 + 2 * (sw->mode != NULL) + 2 * (sw->seed != NULL) + 2 * sw->nsets
             + 2 * sw->nparams, k = 0;
    char **argv = calloc(n + 1, sizeof(*argv));

    if (!argv)
        return NULL;
    argv[k++] = strdup(exe);
    argv[k++] = strdup("run");
    argv[k++] = strdup(sw->scenario);
    argv[k++] = strdup("--quiet");
    argv[k++] = strdup("--out");
    argv[k++] = sweep_point_path(sw, dir, i, NULL);
    if (sw->mode) {
        argv[k++] = strdup("--mode");
        argv[k++] = strdup(sw->mode);
    }
    if (sw->seed) {
        argv[k++] = strdup("--seed");
        argv[k++] = strdup(sw->seed);
    }
    for (size_t s = 0; s < sw->nsets; s++) {
        argv[k++] = strdup("--set");
        argv[k++] = strdup(sw->sets[s]);
    }
    for (size_t p = 0; p < sw->nparams; p++) {
        argv[k++] = strdup("--set");
        argv[k++] = str_printf("%s=%s", sw->params[p].key,
                               sw->params[p].values[sweep_value_index(sw, i, p)]);
    }
    for (k = 0; k < n; k++)
        if (!argv[k])
            break;
    if (k < n) {                        /* out of memory somewhere */
        for (k = 0; k < n; k++)
            free(argv[k]);
        free(argv);
        return NULL;
    }
    return argv;
}

static void argv_free(char **argv)
{
    for (size_t j = 0; argv && argv[j]; j++)
        free(argv[j]);
    free(argv);
}

/* "KEY=V, KEY=V" naming point i in messages. */
static void describe_point(const struct sweep *sw, size_t i, char *buf, size_t len)
{
    size_t at = 0;

    buf[0] = '\0';
    for (size_t p = 0; p < sw->nparams && at < len; p++) {
        int n = snprintf(buf + at, len - at, "%s%s=%s", p ? ", " : "", sw->params[p].key,
                         sw->params[p].values[sweep_value_index(sw, i, p)]);
        if (n < 0)
            break;
        at += (size_t)n;
    }
}

/* The last non-empty line of a log, at most LOG_LINE_MAX characters; "" if none. */
static void log_last_line(const char *path, char *line, size_t len)
{
    char buf[LOG_TAIL_BYTES + 1];
    FILE *f = fopen(path, "rb");
    size_t n = 0;
    long size;

    line[0] = '\0';
    if (!f)
        return;
    if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) > LOG_TAIL_BYTES)
        fseek(f, size - LOG_TAIL_BYTES, SEEK_SET);
    else
        fseek(f, 0, SEEK_SET);
    n = fread(buf, 1, LOG_TAIL_BYTES, f);
    fclose(f);
    buf[n] = '\0';
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        buf[--n] = '\0';
    char *start = strrchr(buf, '\n');
    start = start ? start + 1 : buf;
    n = strlen(start);
    if (n > LOG_LINE_MAX)
        n = LOG_LINE_MAX;
    if (n >= len)
        n = len - 1;
    memcpy(line, start, n);
    line[n] = '\0';
}

/* ------------------------------------------------------------------ the local runner */

struct running {
    pid_t pid;                          /* 0: free slot */
    size_t point;
    double deadline;                    /* wall time to kill it at, 0 for none */
    bool killed;
};

struct runner {
    const struct sweep *sw;
    const char *dir;                    /* absolute */
    const char *exe;
    double timeout;
    struct running *slots;
    unsigned nslots, nrunning;
    struct point_result *res;
    size_t ndone, nfailed, nran, nfinished;
    double t0;
    sigset_t oldmask;
};

static void on_sigchld(int sig)
{
    (void)sig;                          /* only there so that SIGCHLD is never discarded */
}

static void show_progress(const struct runner *r)
{
    double elapsed = cli_wall_now() - r->t0;
    size_t left = r->sw->npoints - r->ndone;

    if (!r->nfinished) {
        cli_progress("sweep: %zu/%zu points done, %zu failed", r->ndone, r->sw->npoints,
                     r->nfailed);
        return;
    }
    cli_progress("sweep: %zu/%zu points done, %zu failed, ETA %.0fs", r->ndone,
                 r->sw->npoints, r->nfailed, elapsed / (double)r->nfinished * (double)left);
}

/* Removes a failed point's manifest and stats.json: the files must say it is not done. */
static void forget_point(const struct runner *r, size_t i)
{
    char *pdir = sweep_point_path(r->sw, r->dir, i, NULL);
    char *json = sweep_point_path(r->sw, r->dir, i, "stats.json");

    if (pdir)
        cli_results_forget(pdir);
    if (json)
        unlink(json);
    free(pdir);
    free(json);
}

/* Appends a note of the sweep's own to a point's log (why it was killed). */
static void log_note(const struct runner *r, size_t i, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void log_note(const struct runner *r, size_t i, const char *fmt, ...)
{
    char *log = sweep_point_path(r->sw, r->dir, i, "log");
    FILE *f = log ? fopen(log, "a") : NULL;
    va_list ap;

    if (f) {
        fputs("iommusim " CMD ": ", f);
        va_start(ap, fmt);
        vfprintf(f, fmt, ap);
        va_end(ap);
        fputc('\n', f);
        fclose(f);
    }
    free(log);
}

/* Child side of a start: output to the log, nothing on stdin, the caller's signals. */
static void exec_point(char **argv, int log_fd, const sigset_t *mask)
{
    int nul = open("/dev/null", O_RDONLY);

    if (nul >= 0 && nul != STDIN_FILENO) {
        dup2(nul, STDIN_FILENO);
        close(nul);
    }
    dup2(log_fd, STDOUT_FILENO);
    dup2(log_fd, STDERR_FILENO);
    close(log_fd);
    signal(SIGCHLD, SIG_DFL);
    sigprocmask(SIG_SETMASK, mask, NULL);
    execv(argv[0], argv);
    dprintf(STDERR_FILENO, "iommusim " CMD ": cannot run %s: %s\n", argv[0], strerror(errno));
    _exit(127);
}

static int start_point(struct runner *r, size_t i, struct running *slot)
{
    char *pdir = sweep_point_path(r->sw, r->dir, i, NULL);
    char *log = sweep_point_path(r->sw, r->dir, i, "log");
    char **argv = point_argv(r->sw, r->exe, r->dir, i);
    int fd = -1, rc = 0;
    pid_t pid;

    if (!pdir || !log || !argv)
        rc = -ENOMEM;
    else if ((rc = cli_make_dir(pdir)) == 0 &&
             (fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666)) < 0)
        rc = -errno;
    if (!rc) {
        fflush(NULL);
        pid = fork();
        if (pid == 0)
            exec_point(argv, fd, &r->oldmask);
        if (pid < 0)
            rc = -errno;
        else
            *slot = (struct running){ .pid = pid, .point = i,
                                      .deadline = r->timeout > 0 ? cli_wall_now() + r->timeout
                                                                 : 0 };
    }
    if (fd >= 0)
        close(fd);
    free(pdir);
    free(log);
    argv_free(argv);
    if (rc) {
        r->res[i] = (struct point_result){ PT_START_FAILED, -rc };
        r->ndone++;
        r->nfailed++;
        return rc;
    }
    r->nrunning++;
    r->nran++;
    return 0;
}

static void finish_point(struct runner *r, struct running *slot, int status)
{
    struct point_result *res = &r->res[slot->point];

    if (slot->killed)
        *res = (struct point_result){ PT_TIMED_OUT, 0 };
    else if (WIFSIGNALED(status))
        *res = (struct point_result){ PT_SIGNALED, WTERMSIG(status) };
    else
        *res = (struct point_result){ PT_EXITED, WEXITSTATUS(status) };
    if (res->state != PT_EXITED || res->code != 0) {
        forget_point(r, slot->point);
        r->nfailed++;
        if (res->state == PT_TIMED_OUT)
            log_note(r, slot->point, "killed after --timeout %g s", r->timeout);
        else if (res->state == PT_SIGNALED)
            log_note(r, slot->point, "killed by signal %d", res->code);
    }
    slot->pid = 0;
    r->nrunning--;
    r->ndone++;
    r->nfinished++;
}

static struct running *slot_of(struct runner *r, pid_t pid)
{
    for (unsigned s = 0; s < r->nslots; s++)
        if (r->slots[s].pid == pid)
            return &r->slots[s];
    return NULL;
}

/* Reaps every child that has ended. */
static void reap(struct runner *r)
{
    int status;
    pid_t pid;

    while (r->nrunning && (pid = waitpid(-1, &status, WNOHANG)) > 0) {
        struct running *slot = slot_of(r, pid);
        if (slot)
            finish_point(r, slot, status);
    }
}

/* Kills the points past their deadline; returns the time to the next deadline. */
static double enforce_timeouts(struct runner *r)
{
    double now = cli_wall_now(), wait = WAIT_SLICE_S;

    for (unsigned s = 0; s < r->nslots; s++) {
        struct running *slot = &r->slots[s];
        if (!slot->pid || !slot->deadline || slot->killed)
            continue;
        if (now >= slot->deadline) {
            kill(slot->pid, SIGKILL);
            slot->killed = true;
        } else if (slot->deadline - now < wait) {
            wait = slot->deadline - now;
        }
    }
    return wait;
}

/* Sleeps until a child ends, a deadline or a progress redraw; returns a signal that
 * asks the sweep to stop, or 0. */
static int wait_some(struct runner *r, const sigset_t *wake)
{
    double wait = enforce_timeouts(r);
    struct timespec ts = { .tv_sec = (time_t)wait,
                           .tv_nsec = (long)((wait - (double)(time_t)wait) * 1e9) };
    int sig = sigtimedwait(wake, NULL, &ts);

    reap(r);
    show_progress(r);
    return sig == SIGCHLD || sig < 0 ? 0 : sig;
}

/* On SIGINT, SIGTERM or SIGHUP: no point is left running or half-written. */
static void stop_all(struct runner *r)
{
    int status;

    for (unsigned s = 0; s < r->nslots; s++)
        if (r->slots[s].pid)
            kill(r->slots[s].pid, SIGKILL);
    for (unsigned s = 0; s < r->nslots; s++)
        if (r->slots[s].pid) {
            waitpid(r->slots[s].pid, &status, 0);
            forget_point(r, r->slots[s].point);
            r->slots[s].pid = 0;
        }
    r->nrunning = 0;
}

/*
 * Runs the points of todo[0..ntodo), at most jobs at once. Returns 0, or the
 * signal that interrupted the sweep (the caller re-raises it).
 */
static int run_points(struct runner *r, const size_t *todo, size_t ntodo, unsigned jobs)
{
    struct sigaction sa = { .sa_handler = on_sigchld }, old_sa;
    sigset_t wake;
    size_t next = 0;
    int sig = 0;

    r->nslots = jobs;
    if (!(r->slots = calloc(jobs, sizeof(*r->slots)))) {
        cli_error(CMD, "out of memory");
        return -1;
    }
    sigemptyset(&wake);
    sigaddset(&wake, SIGCHLD);
    sigaddset(&wake, SIGINT);
    sigaddset(&wake, SIGTERM);
    sigaddset(&wake, SIGHUP);
    sigemptyset(&sa.sa_mask);
    sigaction(SIGCHLD, &sa, &old_sa);
    sigprocmask(SIG_BLOCK, &wake, &r->oldmask);
    cli_progress_begin();
    while (!sig && (next < ntodo || r->nrunning)) {
        for (unsigned s = 0; s < jobs && next < ntodo; s++)
            if (!r->slots[s].pid)
                start_point(r, todo[next++], &r->slots[s]);
        if (r->nrunning)
            sig = wait_some(r, &wake);
    }
    if (sig)
        stop_all(r);
    cli_progress_end();
    sigprocmask(SIG_SETMASK, &r->oldmask, NULL);
    sigaction(SIGCHLD, &old_sa, NULL);
    free(r->slots);
    r->slots = NULL;
    return sig;
}

/* ------------------------------------------------------------------ reporting */

static void report_failure(const struct sweep *sw, const char *dir, size_t i,
                           const struct point_result *res, double timeout)
{
    char what[512], last[LOG_LINE_MAX + 1] = "", reason[LOG_LINE_MAX + 128];
    char *log = sweep_point_path(sw, dir, i, "log");
    char *json = sweep_point_path(sw, dir, i, "stats.json");
    char *pdir = sweep_point_path(sw, dir, i, NULL);
    char why[256] = "its results are incomplete";

    describe_point(sw, i, what, sizeof(what));
    if (log)
        log_last_line(log, last, sizeof(last));
    if (res->state == PT_EXITED && res->code)
        snprintf(reason, sizeof(reason), "exit status %d%s%s", res->code, *last ? ": " : "",
                 last);
    else if (res->state == PT_SIGNALED)
        snprintf(reason, sizeof(reason), "killed by signal %d (%s)", res->code,
                 strsignal(res->code));
    else if (res->state == PT_TIMED_OUT)
        snprintf(reason, sizeof(reason), "killed after --timeout %g s", timeout);
    else if (res->state == PT_START_FAILED)
        snprintf(reason, sizeof(reason), "cannot start: %s", strerror(res->code));
    else                                /* not run now, or ended well: the files tell */
        snprintf(reason, sizeof(reason), "%s", !json || !is_file(json) ? "no stats.json"
                 : pdir && cli_results_check(pdir, why, sizeof(why)) == 1
                 ? "its stats.csv cannot be read" : why);
    cli_error(CMD, "point %zu (%s) failed: %s; log: %s", i, what, reason, log ? log : "?");
    free(log);
    free(json);
    free(pdir);
}

/*
 * Writes results.csv and reports the failed points in point order. Returns the
 * number of failed points, or -1 when results.csv could not be written.
 */
static long collect(const struct sweep *sw, const char *dir, const struct point_result *res,
                    double timeout)
{
    bool *ok = calloc(sw->npoints, sizeof(*ok));
    long nfailed = 0;

    if (!ok) {
        cli_error(CMD, "out of memory");
        return -1;
    }
    int rc = sweep_write_results(sw, dir, ok);

    /* A results.csv that cannot be written does not hide which points failed. */
    for (size_t i = 0; rc != -ENOMEM && i < sw->npoints; i++)
        if (!ok[i]) {
            report_failure(sw, dir, i, &res[i], timeout);
            nfailed++;
        }
    free(ok);
    return rc ? -1 : nfailed;
}

/* ------------------------------------------------------------------ the three modes */

static int self_exe(char *buf, size_t len)
{
    ssize_t n = readlink("/proc/self/exe", buf, len - 1);

    if (n < 0 || (size_t)n >= len - 1) {
        cli_error(CMD, "cannot find this program's own path (/proc/self/exe): %s",
                  n < 0 ? strerror(errno) : "too long");
        return CLI_FAILED;
    }
    buf[n] = '\0';
    return CLI_OK;
}

static int run_local(const struct sweep *sw, const char *out, const char *abs_dir,
                     unsigned jobs, double timeout)
{
    struct point_result *res = calloc(sw->npoints, sizeof(*res));
    size_t *todo = calloc(sw->npoints, sizeof(*todo)), ntodo = 0, nskipped = 0;
    long nfailed;
    char exe[PATH_MAX];
    struct runner r = { .sw = sw, .dir = abs_dir, .exe = exe, .timeout = timeout, .res = res,
                        .t0 = cli_wall_now() };
    int rc, sig;

    if (!res || !todo) {
        cli_error(CMD, "out of memory");
        rc = CLI_FAILED;
        goto out;
    }
    if ((rc = self_exe(exe, sizeof(exe))))
        goto out;
    for (size_t i = 0; i < sw->npoints; i++) {
        char *pdir = sweep_point_path(sw, abs_dir, i, NULL);
        char why[256];

        if (pdir && cli_results_check(pdir, why, sizeof(why)) == 1) {
            res[i].state = PT_SKIPPED;
            nskipped++;
        } else {
            todo[ntodo++] = i;
        }
        free(pdir);
    }
    r.ndone = nskipped;
    sig = run_points(&r, todo, ntodo, jobs);
    if (sig) {
        if (sig > 0) {
            cli_error(CMD, "stopped by signal %d with %zu of %zu points done; run the same "
                      "command again to finish the sweep", sig, r.ndone, sw->npoints);
            fflush(NULL);
            signal(sig, SIG_DFL);
            raise(sig);
        }
        rc = CLI_FAILED;
        goto out;
    }
    if ((nfailed = collect(sw, out, res, timeout)) < 0) {
        rc = CLI_FAILED;
        goto out;
    }
    printf("%zu points: %zu run, %zu skipped (already done), %ld failed; results in "
           "%s/" SWEEP_RESULTS "\n", sw->npoints, r.nran, nskipped, nfailed, out);
    rc = nfailed ? CLI_FAILED : CLI_OK;
out:
    free(res);
    free(todo);
    return rc;
}

/* Whether a word means itself to sh without quotes. */
static bool shell_safe(const char *s)
{
    static const char safe[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                               "0123456789_-./:=,+@%";

    return *s && strspn(s, safe) == strlen(s);
}

/* A shell word for sh: as it is when every character is harmless, else in '...'. */
static void shell_word(FILE *f, const char *s)
{
    if (shell_safe(s)) {
        fputs(s, f);
        return;
    }
    fputc('\'', f);
    for (; *s; s++)
        if (*s == '\'')
            fputs("'\\''", f);
        else
            fputc(*s, f);
    fputc('\'', f);
}

/*
 * One line of jobs.txt: create the point's directory, run it with its output in
 * its log, and on failure remove its stats.json as the local runner does.
 */
static void job_line(FILE *f, char **argv)
{
    const char *pdir = argv[5];         /* the --out value, see point_argv */

    fputs("mkdir -p ", f);
    shell_word(f, pdir);
    fputs(" && ", f);
    for (size_t k = 0; argv[k]; k++) {
        if (k)
            fputc(' ', f);
        shell_word(f, argv[k]);
    }
    fputs(" > ", f);
    shell_word(f, pdir);
    fputs("/log 2>&1 || { rm -f ", f);
    shell_word(f, pdir);
    fputs("/" RESULTS_MANIFEST " ", f);
    shell_word(f, pdir);
    fputs("/stats.json; exit 1; }\n", f);
}

static char *jobs_text(const struct sweep *sw, const char *abs_dir, const char *exe)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    bool ok = f != NULL;

    for (size_t i = 0; ok && i < sw->npoints; i++) {
        char **argv = point_argv(sw, exe, abs_dir, i);
        if (argv)
            job_line(f, argv);
        else
            ok = false;
        argv_free(argv);
    }
    if (f) {
        bool bad = ferror(f);
        if (fclose(f) || bad)
            ok = false;
    }
    if (!ok) {
        free(text);
        return NULL;
    }
    return text;
}

/*
 * A job array of one task per point. sbatch reads #SBATCH lines up to the first
 * command, so they come right after the comments. It reads them itself, not
 * through a shell, so a directory whose name would need quoting gets no --output
 * (Slurm's default, slurm-JOB_TASK.out in the directory sbatch ran in).
 */
static char *slurm_text(const struct sweep *sw, const char *abs_dir)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);

    if (!f)
        return NULL;
    fputs("#!/bin/sh\n"
          "# The points of this sweep as a Slurm job array: array task I runs line I+1 of\n"
          "# jobs.txt, the command of point I. Options given to sbatch override these.\n"
          "# Where MaxArraySize is below the number of points, submit slices, e.g.\n"
          "#   sbatch --array=0-999 --export=ALL," POINT_OFFSET_VAR "=1000 slurm.sh\n"
          "# runs points 1000 .. 1999.\n", f);
    fprintf(f, "#SBATCH --job-name=iommusim-sweep\n"
               "#SBATCH --array=0-%zu\n"
               "#SBATCH --ntasks=1\n", sw->npoints - 1);
    if (shell_safe(abs_dir))
        fprintf(f, "#SBATCH --output=%s/slurm-%%A_%%a.out\n", abs_dir);
    fputs(": \"${SLURM_ARRAY_TASK_ID:?not set: submit this script with sbatch}\"\n"
          "point=$((SLURM_ARRAY_TASK_ID + ${" POINT_OFFSET_VAR ":-0}))\n"
          "line=$(sed -n \"$((point + 1))p\" ", f);
    shell_word(f, abs_dir);
    fputs("/" JOBS_FILE ")\n"
          "[ -n \"$line\" ] || { echo \"slurm.sh: no point $point in jobs.txt\" >&2; exit 1; }\n"
          "exec sh -c \"$line\"\n", f);
    bool bad = ferror(f);
    if (fclose(f) || bad) {
        free(text);
        return NULL;
    }
    return text;
}

static int emit_jobs(const struct sweep *sw, const char *abs_dir)
{
    char exe[PATH_MAX], err[2 * PATH_MAX];
    char *jobs_path = str_printf("%s/" JOBS_FILE, abs_dir);
    char *slurm_path = str_printf("%s/" SLURM_FILE, abs_dir);
    char *jobs = NULL, *slurm = NULL;
    int rc;

    if ((rc = self_exe(exe, sizeof(exe))))
        goto out;
    jobs = jobs_text(sw, abs_dir, exe);
    slurm = slurm_text(sw, abs_dir);
    if (!jobs_path || !slurm_path || !jobs || !slurm) {
        cli_error(CMD, "out of memory writing the job list");
        rc = CLI_FAILED;
        goto out;
    }
    if (outfile_write_text(jobs_path, jobs, 0666, err, sizeof(err))) {
        cli_error(CMD, "%s", err);
        rc = CLI_FAILED;
        goto out;
    }
    if (outfile_write_text(slurm_path, slurm, 0777, err, sizeof(err))) {
        cli_error(CMD, "%s", err);
        rc = CLI_FAILED;
        goto out;
    }
    printf("wrote %zu jobs, one command line per point: %s\n"
           "run them on this machine:\n"
           "  parallel < %s\n"
           "or on the hosts listed in HOSTS, which share %s:\n"
           "  parallel --sshloginfile HOSTS --workdir %s < %s\n"
           "or as a Slurm job array:\n"
           "  sbatch %s\n"
           "then write %s/" SWEEP_RESULTS ":\n"
           "  iommusim sweep --collect %s\n",
           sw->npoints, jobs_path, jobs_path, abs_dir, abs_dir, jobs_path, slurm_path, abs_dir,
           abs_dir);
out:
    free(jobs_path);
    free(slurm_path);
    free(jobs);
    free(slurm);
    return rc;
}

static int collect_only(const char *dir)
{
    char *path = str_printf("%s/" SWEEP_MANIFEST, dir);
    struct point_result *res = NULL;
    struct sweep sw;
    long nfailed;
    int rc;

    if (!path) {
        cli_error(CMD, "out of memory");
        return CLI_FAILED;
    }
    rc = sweep_manifest_read(path, &sw);
    free(path);
    if (rc)
        return CLI_FAILED;
    if (!(res = calloc(sw.npoints, sizeof(*res)))) {
        cli_error(CMD, "out of memory");
        sweep_clear(&sw);
        return CLI_FAILED;
    }
    nfailed = collect(&sw, dir, res, 0);
    if (nfailed >= 0)
        printf("%zu points: %zu done, %ld failed; results in %s/" SWEEP_RESULTS "\n",
               sw.npoints, sw.npoints - (size_t)nfailed, nfailed, dir);
    free(res);
    sweep_clear(&sw);
    return nfailed ? CLI_FAILED : CLI_OK;
}

int cmd_sweep(int argc, char **argv)
{
    struct sweep_args a = { 0 };
    char abs_dir[PATH_MAX], scenario[PATH_MAX], found[PATH_MAX];
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int rc;

    a.jobs = cores < 1 ? 1 : cores > MAX_JOBS ? MAX_JOBS : (unsigned)cores;
    rc = parse_args(argc, argv, &a);
    if (rc) {
        sweep_clear(&a.sw);
        return rc < 0 ? CLI_OK : rc;
    }
    if (a.collect) {
        sweep_clear(&a.sw);
        return collect_only(a.collect);
    }
    a.scenario = cli_find_config(a.scenario, found, sizeof(found));
    if (!realpath(a.scenario, scenario)) {
        cli_error(CMD, "%s: cannot open: %s", a.scenario, strerror(errno));
        sweep_clear(&a.sw);
        return CLI_FAILED;
    }
    if (!(a.sw.scenario = strdup(scenario))) {
        cli_error(CMD, "out of memory");
        sweep_clear(&a.sw);
        return CLI_FAILED;
    }
    rc = sweep_check(&a.sw);
    if (!rc)
        rc = prepare_dir(&a.sw, a.out);
    if (!rc && !realpath(a.out, abs_dir)) {
        cli_error(CMD, "--out %s: %s", a.out, strerror(errno));
        rc = CLI_FAILED;
    }
    if (!rc)
        rc = a.emit_jobs ? emit_jobs(&a.sw, abs_dir)
                         : run_local(&a.sw, a.out, abs_dir, a.jobs, a.timeout);
    sweep_clear(&a.sw);
    return rc;
}
