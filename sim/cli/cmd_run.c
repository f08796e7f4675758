/*
 * cmd_run.c - `iommusim run`: load a scenario, build the SoC, run it, report.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim/cli/cli.h"
#include "sim/cli/opts.h"
#include "sim/cli/results.h"
#include "sim/cli/runinfo.h"
#include "sim/observe/observe.h"
#include "sim/scenario/soc.h"
#include "sim/core/stats.h"
#include "sim/core/util.h"

#define MAX_SETS 256
#define RUN_OPT_NAME_MAX 32             /* "--timeline-window" and room */

enum {
    OPT_SET = 256,
    OPT_MODE,
    OPT_SEED,
    OPT_OUT,
    OPT_QUIET,
    OPT_JSON,
    OPT_STATS_INTERVAL,
    OPT_VCD,
    OPT_TIMELINE,
    OPT_TIMELINE_WINDOW,
};

static const struct option run_options[] = {
    { "set",             required_argument, NULL, OPT_SET },
    { "mode",            required_argument, NULL, OPT_MODE },
    { "seed",            required_argument, NULL, OPT_SEED },
    { "out",             required_argument, NULL, OPT_OUT },
    { "quiet",           no_argument,       NULL, OPT_QUIET },
    { "json",            no_argument,       NULL, OPT_JSON },
    { "stats-interval",  required_argument, NULL, OPT_STATS_INTERVAL },
    { "vcd",             required_argument, NULL, OPT_VCD },
    { "timeline",        required_argument, NULL, OPT_TIMELINE },
    { "timeline-window", required_argument, NULL, OPT_TIMELINE_WINDOW },
    { "help",            no_argument,       NULL, 'h' },
    { NULL, 0, NULL, 0 },
};

static void usage(FILE *out)
{
    fprintf(out,
            "usage: iommusim run SCENARIO[.yaml] [--set KEY=VALUE ...] [--mode timing|functional]\n"
            "                    [--seed N] [--out DIR] [--quiet] [--json] [--stats-interval T]\n"
            "                    [--vcd FILE] [--timeline FILE [--timeline-window A:B]]\n\n"
            "Runs a scenario: builds the SoC its soc: file describes, maps its buffers through\n"
            "the VCM layer, replays its masters' traffic and prints a report of what\n"
            "translation cost them. A SCENARIO without '/' that is not a file is looked\n"
            "up in the shipped configs/scenarios/ (installed: PREFIX/share/iommusim/).\n\n"
            "  --set KEY=VALUE  override a value of the scenario or of its SoC file by path,\n"
            "                   e.g. --set soc.smmus.rot.tlb.entries=64 or\n"
            "                   --set buffers.*.policy=4k ('*' matches every item); repeatable\n"
            "  --mode M         timing (the event-driven model) or functional (translation\n"
            "                   only, no time: for large sweeps)\n"
            "  --seed N         seed of the generators and of random TLB replacement\n"
            "  --out DIR        where the results go (default: " CLI_DEFAULT_OUT "/ here; DIR is\n"
            "                   created): stats.json, stats.csv, histograms.csv (every master's\n"
            "                   whole latency histogram), config.yaml and config.json (the\n"
            "                   resolved configuration), run.json (command, seed, version,\n"
            "                   revision), run.host.json (start time, host, wall time), and\n"
            "                   last stats.done, which lists them all\n"
            "  --quiet          no report table\n"
            "  --json           the statistics (stats.json) on stdout instead of the report\n"
            "  --stats-interval T  also write DIR/intervals.csv: the counters of every SMMU,\n"
            "                   context and master per interval T of simulated time\n"
            "  --vcd FILE       a waveform (VCD, ps): walks in flight, TLB valid entries,\n"
            "                   maintenance busy, requests outstanding, display FIFO level\n"
            "  --timeline FILE  a trace-event JSON timeline (Perfetto): walks, stalls, TLB\n"
            "                   operations, driver steps\n"
            "  --timeline-window A:B  only the slices that overlap [A, B), e.g. 10ms:12ms\n"
            "  --help           this text\n\n"
            "Exit status: 0 done, 1 the scenario or a trace is wrong or the run failed,\n"
            "2 usage error. docs/scenarios.md describes scenario files, docs/observe.md the\n"
            "waveform and the timeline.\n");
}

/* A message that may quote a trace or file name: its control characters escaped. */
static void print_error(const char *msg)
{
    char safe[4 * SOC_ERR_MAX + 1];

    fprintf(stderr, "%s\n", ctl_escape(safe, sizeof(safe), msg));
}

static void show_progress(const struct soc *s, void *arg)
{
    (void)arg;
    cli_progress("iommusim run: %s: simulated %.3f of %.3f ms", s->scn->name,
                 (double)sim_now() / (double)SIM_MS, (double)s->scn->duration / (double)SIM_MS);
}

static int write_histograms(void *soc, const char *path, char *err, size_t errlen)
{
    return soc_write_histograms(soc, path, err, errlen);
}

/* What the results files are written from. */
struct run_results {
    const char *dir;
    bool json;                          /* --json: stats.json on stdout too */
    struct cli_runinfo info;
};

/*
 * DIR/stats.json, DIR/stats.csv, DIR/histograms.csv when s ran, the run's description
 * (sim/cli/runinfo.h) and their manifest (sim/cli/results.h), DIR created if needed.
 */
static int write_stats_files(const struct stats *st, const struct soc *s,
                             struct run_results *r)
{
    struct cli_result_file files[1 + RUNINFO_NFILES];
    size_t n = 0;
    char err[512];
    int rc;

    if (r->json && stats_write_json(st, stdout)) {
        cli_error("run", "--json: cannot write the statistics to stdout");
        return CLI_FAILED;
    }
    if ((rc = cli_make_dir(r->dir))) {
        cli_error("run", "--out %s: cannot create the directory: %s", r->dir, strerror(-rc));
        return CLI_FAILED;
    }
    if (s)
        files[n++] = (struct cli_result_file){ RESULTS_EXTRA, write_histograms, (void *)s };
    cli_runinfo_files(&r->info, files + n);
    n += RUNINFO_NFILES;
    if (cli_results_write(st, r->dir, files, n, err, sizeof(err))) {
        cli_error("run", "%s", err);
        return CLI_FAILED;
    }
    return CLI_OK;
}

static int write_outputs(const struct soc *s, struct run_results *r, const char *run_error)
{
    struct stats *st = stats_new();
    int rc;

    if (!st) {
        cli_error("run", "out of memory");
        return CLI_FAILED;
    }
    rc = soc_collect_stats(s, st);
    if (!rc && run_error)
        rc = stats_add_str(st, run_error, "run.error");
    if (rc) {
        cli_error("run", "cannot collect statistics (%s)", strerror(-rc));
        stats_free(st);
        return CLI_FAILED;
    }
    rc = write_stats_files(st, s, r);
    stats_free(st);
    return rc;
}

/*
 * The SoC could not be built (a pool or the IOVA space ran out, a bad trace path):
 * the statistics say so, so that a sweep or a script sees a run that did not happen
 * rather than a missing file.
 */
static void write_failed_build(struct run_results *r, const char *why)
{
    struct stats *st = stats_new();

    if (!st || soc_collect_run(r->info.scn, false, st) || stats_add_str(st, why, "run.error"))
        cli_error("run", "out of memory");
    else
        write_stats_files(st, NULL, r);
    stats_free(st);
}

/* The options of sim/observe/: what to write beside the results, and where. */
struct run_observe {
    struct observe_opts opt;
    bool has_window;
    char interval_path[4096];
    char err[SOC_ERR_MAX];
};

/*
 * -1: not an observe option; 0: taken; else the exit status of a usage error. Each is
 * single-valued: cli_once has refused a second one already.
 */
static int observe_option(struct run_observe *o, const char *a, size_t n, const char *val)
{
#define IS(name) (strlen(name) == n && !strncmp(a, name, n))
    if (IS("--stats-interval")) {
        if (config_parse_time(val, &o->opt.interval) || !o->opt.interval) {
            cli_error("run", "--stats-interval %s: expected a time above 0, e.g. 1ms, 250us "
                      "or 100000ps", val);
            return CLI_USAGE;
        }
    } else if (IS("--vcd")) {
        o->opt.vcd_path = val;
    } else if (IS("--timeline")) {
        o->opt.timeline_path = val;
    } else if (IS("--timeline-window")) {
        const char *colon = strchr(val, ':');
        char from[64];
        o->has_window = true;
        if (!colon || (size_t)(colon - val) >= sizeof(from)) {
            cli_error("run", "--timeline-window %s: expected START:END, e.g. 10ms:12ms", val);
            return CLI_USAGE;
        }
        memcpy(from, val, (size_t)(colon - val));
        from[colon - val] = '\0';
        if (config_parse_time(from, &o->opt.window_start) ||
            config_parse_time(colon + 1, &o->opt.window_end) ||
            o->opt.window_end <= o->opt.window_start) {
            cli_error("run", "--timeline-window %s: expected START:END, two times with START "
                      "before END, e.g. 10ms:12ms", val);
            return CLI_USAGE;
        }
    } else {
        return -1;
    }
#undef IS
    return 0;
}

/* The observe options that depend on each other; the interval file's path. */
static int observe_check(struct run_observe *o, const char *out)
{
    int rc;

    if (o->has_window && !o->opt.timeline_path) {
        cli_error("run", "--timeline-window needs --timeline FILE");
        return CLI_USAGE;
    }
    if (!o->opt.interval)
        return CLI_OK;
    if ((rc = cli_make_dir(out))) {
        cli_error("run", "--out %s: cannot create the directory: %s", out, strerror(-rc));
        return CLI_FAILED;
    }
    snprintf(o->interval_path, sizeof(o->interval_path), "%s/intervals.csv", out);
    o->opt.interval_path = o->interval_path;
    return CLI_OK;
}

/* One option (getopt_long's c) with its value: CLI_OK, or the usage error's status. */
static int run_option(int c, const char *val, const char **sets,
                      struct scenario_overrides *ov, const char **out, struct run_observe *obs)
{
    char name[RUN_OPT_NAME_MAX];

    switch (c) {
    case OPT_SET:
        if (ov->nsets == MAX_SETS) {
            cli_error("run", "more than %d --set options", MAX_SETS);
            return CLI_USAGE;
        }
        if (!strchr(val, '=')) {
            cli_error("run", "--set %s: expected KEY=VALUE", val);
            return CLI_USAGE;
        }
        sets[ov->nsets++] = val;          /* ov->sets is this array */
        return CLI_OK;
    case OPT_MODE:
        if (!strcmp(val, "timing"))
            ov->mode = SCN_TIMING;
        else if (!strcmp(val, "functional"))
            ov->mode = SCN_FUNCTIONAL;
        else {
            cli_error("run", "--mode %s: expected timing or functional", val);
            return CLI_USAGE;
        }
        return CLI_OK;
    case OPT_SEED:
        if (config_parse_u64(val, &ov->seed)) {
            cli_error("run", "--seed %s: expected an unsigned integer", val);
            return CLI_USAGE;
        }
        ov->has_seed = true;
        return CLI_OK;
    case OPT_OUT:
        if (cli_out_dir("run", "--out", val))
            return CLI_USAGE;
        *out = val;
        return CLI_OK;
    default:                            /* the observe options */
        for (const struct option *o = run_options; o->name; o++)
            if (o->val == c)
                snprintf(name, sizeof(name), "--%s", o->name);
        return observe_option(obs, name, strlen(name), val);
    }
}

int cmd_run(int argc, char **argv)
{
    const char *sets[MAX_SETS], *path = NULL, *out = NULL;
    struct scenario_overrides ov = { .sets = sets, .mode = -1 };
    struct config_err cerr = { 0 };
    char err[SOC_ERR_MAX] = "", found[4096];
    struct cli_once once = { 0 };
    bool quiet = false, json = false;
    struct run_observe obs = { .opt = { .window_end = SIM_TIME_MAX } };
    int status, rc, c;

    opterr = 0;
    optind = 0;                         /* full reinitialisation (GNU) */
    while ((c = getopt_long(argc, argv, ":h", run_options, NULL)) != -1) {
        if (c == 'h') {
            usage(stdout);
            return CLI_OK;
        }
        if (c == OPT_QUIET) {
            quiet = true;
            continue;
        }
        if (c == OPT_JSON) {
            json = true;
            continue;
        }
        if (c == ':') {
            cli_error("run", "%s needs a value", argv[optind - 1]);
            return CLI_USAGE;
        }
        if (c == '?') {
            cli_error("run", "unknown option '%s' (options: --set, --mode, --seed, --out, "
                      "--quiet, --json, --stats-interval, --vcd, --timeline, --timeline-window, "
                      "--help)", argv[optind - 1]);
            return CLI_USAGE;
        }
        if (c != OPT_SET && cli_once_getopt("run", &once, run_options, c, optarg))
            return CLI_USAGE;                 /* all but --set take one value */
        if ((status = run_option(c, optarg, sets, &ov, &out, &obs)))
            return status;
    }
    for (int i = optind; i < argc; i++) {
        if (path) {
            cli_error("run", "one scenario at a time: '%s' and '%s'", path, argv[i]);
            return CLI_USAGE;
        }
        path = argv[i];
    }
    if (!path) {
        cli_error("run", "missing the scenario file (iommusim run SCENARIO.yaml)");
        return CLI_USAGE;
    }
    if (!out)
        out = CLI_DEFAULT_OUT;
    if ((status = observe_check(&obs, out)))
        return status;

    path = cli_find_config(path, found, sizeof(found));
    struct scenario *scn = scenario_load(path, &ov, &cerr);
    if (!scn) {
        print_error(cerr.msg);
        return CLI_FAILED;
    }
    struct run_results res = { .dir = out, .json = json,
                               .info = { .scn = scn, .scenario_path = path,
                                         .start = time(NULL) } };
    double t0 = cli_wall_now();
    struct soc *s = soc_build(scn, err, sizeof(err));
    if (!s) {
        print_error(err);
        res.info.wall_seconds = cli_wall_now() - t0;
        write_failed_build(&res, err);
        scenario_free(scn);
        return CLI_FAILED;
    }
    struct observe *ob = NULL;
    if ((rc = observe_attach(s, &obs.opt, &ob, err, sizeof(err)))) {
        cli_error("run", "%s", err);
        soc_free(s);
        scenario_free(scn);
        return rc == -EINVAL ? CLI_USAGE : CLI_FAILED;
    }
    s->progress = show_progress;
    cli_progress_begin();
    double t1 = cli_wall_now();
    rc = soc_run(s, err, sizeof(err));
    double wall = cli_wall_now() - t1;
    cli_progress_end();

    status = rc ? CLI_FAILED : CLI_OK;
    if (rc)
        print_error(err);
    for (unsigned i = 0; !rc && i < scn->nmasters; i++) {
        char warn[512];

        if (!soc_master_all_faulted(s, i))
            continue;
        soc_all_faulted_warning(s, i, warn, sizeof(warn));
        fprintf(stderr, "%s: %s\n", path, warn);  /* even with --quiet: it is loud */
    }
    if (!quiet && !json)
        soc_print_report(s, stdout, wall);
    if (ob && observe_finish(ob, obs.err, sizeof(obs.err))) {
        cli_error("run", "%s", obs.err);
        status = CLI_FAILED;
    }
    res.info.wall_seconds = cli_wall_now() - t0;
    if (write_outputs(s, &res, rc ? err : NULL) != CLI_OK)
        status = CLI_FAILED;
    soc_free(s);
    scenario_free(scn);
    return status;
}
