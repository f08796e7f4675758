/*
 * cmd_run.c - `iommusim run`: load a scenario, build the SoC, run it, report.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/cli/cli.h"
#include "sim/cli/opts.h"
#include "sim/cli/results.h"
#include "sim/scenario/soc.h"
#include "sim/core/stats.h"
#include "sim/core/util.h"

#define MAX_SETS 256

static void usage(FILE *out)
{
    fprintf(out,
            "usage: iommusim run SCENARIO[.yaml] [--set KEY=VALUE ...] [--mode timing|functional]\n"
            "                    [--seed N] [--out DIR] [--quiet]\n\n"
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
            "  --out DIR        write DIR/stats.json, DIR/stats.csv and DIR/histograms.csv\n"
            "                   (every master's whole latency histogram; DIR is created)\n"
            "  --quiet          no report table\n"
            "  --help           this text\n\n"
            "Exit status: 0 done, 1 the scenario or a trace is wrong or the run failed,\n"
            "2 usage error. docs/scenarios.md describes scenario files.\n");
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

/* DIR/stats.json, DIR/stats.csv, DIR/histograms.csv when s ran, and their manifest
 * (sim/cli/results.h), DIR created if needed. */
static int write_stats_files(const struct stats *st, const struct soc *s, const char *dir)
{
    char err[512];
    int rc;

    if ((rc = cli_make_dir(dir))) {
        cli_error("run", "--out %s: cannot create the directory: %s", dir, strerror(-rc));
        return CLI_FAILED;
    }
    if (cli_results_write(st, dir, s ? write_histograms : NULL, (void *)s, err, sizeof(err))) {
        cli_error("run", "%s", err);
        return CLI_FAILED;
    }
    return CLI_OK;
}

static int write_outputs(const struct soc *s, const char *dir, const char *run_error)
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
    rc = write_stats_files(st, s, dir);
    stats_free(st);
    return rc;
}

/*
 * The SoC could not be built (a pool or the IOVA space ran out, a bad trace path):
 * the statistics say so, so that a sweep or a script sees a run that did not happen
 * rather than a missing file.
 */
static void write_failed_build(const struct scenario *scn, const char *dir, const char *why)
{
    struct stats *st = stats_new();

    if (!st || soc_collect_run(scn, false, st) || stats_add_str(st, why, "run.error"))
        cli_error("run", "out of memory");
    else
        write_stats_files(st, NULL, dir);
    stats_free(st);
}

int cmd_run(int argc, char **argv)
{
    const char *sets[MAX_SETS], *path = NULL, *out = NULL;
    struct scenario_overrides ov = { .sets = sets, .mode = -1 };
    struct config_err cerr = { 0 };
    char err[SOC_ERR_MAX] = "", found[4096];
    struct cli_once once = { 0 };
    bool quiet = false;
    int status;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return CLI_OK;
        }
        if (!strcmp(a, "--quiet")) {
            quiet = true;
            continue;
        }
        if (!strncmp(a, "--", 2) && strcmp(a, "--")) {
            const char *eq = strchr(a, '=');
            static const char *const with_value[] = { "--set", "--mode", "--seed", "--out" };
            size_t n = eq ? (size_t)(eq - a) : strlen(a);
            size_t known = 4;
            for (size_t k = 0; k < 4; k++)
                if (strlen(with_value[k]) == n && !strncmp(a, with_value[k], n))
                    known = k;
            if (known == 4) {
                cli_error("run", "unknown option '%s' (options: --set, --mode, --seed, --out, "
                          "--quiet, --help)", a);
                return CLI_USAGE;
            }
            if (eq) {
                val = eq + 1;
            } else if (i + 1 < argc) {
                val = argv[++i];
            } else {
                cli_error("run", "%s needs a value", a);
                return CLI_USAGE;
            }
            if (known > 0 && cli_once("run", &once, (int)known, with_value[known], val))
                return CLI_USAGE;             /* all but --set take one value */
            if (!strncmp(a, "--set", n)) {
                if (ov.nsets == MAX_SETS) {
                    cli_error("run", "more than %d --set options", MAX_SETS);
                    return CLI_USAGE;
                }
                if (!strchr(val, '=')) {
                    cli_error("run", "--set %s: expected KEY=VALUE", val);
                    return CLI_USAGE;
                }
                sets[ov.nsets++] = val;
            } else if (!strncmp(a, "--mode", n)) {
                if (!strcmp(val, "timing"))
                    ov.mode = SCN_TIMING;
                else if (!strcmp(val, "functional"))
                    ov.mode = SCN_FUNCTIONAL;
                else {
                    cli_error("run", "--mode %s: expected timing or functional", val);
                    return CLI_USAGE;
                }
            } else if (!strncmp(a, "--seed", n)) {
                if (config_parse_u64(val, &ov.seed)) {
                    cli_error("run", "--seed %s: expected an unsigned integer", val);
                    return CLI_USAGE;
                }
                ov.has_seed = true;
            } else {
                out = val;
            }
            continue;
        }
        if (path) {
            cli_error("run", "one scenario at a time: '%s' and '%s'", path, a);
            return CLI_USAGE;
        }
        path = a;
    }
    if (!path) {
        cli_error("run", "missing the scenario file (iommusim run SCENARIO.yaml)");
        return CLI_USAGE;
    }

    path = cli_find_config(path, found, sizeof(found));
    struct scenario *scn = scenario_load(path, &ov, &cerr);
    if (!scn) {
        print_error(cerr.msg);
        return CLI_FAILED;
    }
    struct soc *s = soc_build(scn, err, sizeof(err));
    if (!s) {
        print_error(err);
        if (out)
            write_failed_build(scn, out, err);
        scenario_free(scn);
        return CLI_FAILED;
    }
    s->progress = show_progress;
    cli_progress_begin();
    double t0 = cli_wall_now();
    int rc = soc_run(s, err, sizeof(err));
    double wall = cli_wall_now() - t0;
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
    if (!quiet)
        soc_print_report(s, stdout, wall);
    if (out && write_outputs(s, out, rc ? err : NULL) != CLI_OK)
        status = CLI_FAILED;
    soc_free(s);
    scenario_free(scn);
    return status;
}
