/*
 * bench_scenario.c - full-timing speed of a whole scenario through the iommusim command.
 *
 * Runs `$IOMMUSIM run SCENARIO --mode timing` for every shipped scenario
 * (every .yaml file of configs/scenarios, in name order: every model in the loop, masters, SMMUs
 * with their walkers, the fabric, DRAM, the driver's set-up) a few times each and
 * prints the best wall time as simulated transactions per second and simulated
 * time per wall-clock second. The counts come from the run's stats.csv, so the
 * figures are the ones a user's run would show. The target is 10 M transactions/s
 * for every scenario, whole process; a missed target is reported, not an error.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <dirent.h>
#include <time.h>

#include "tests/bench/bench_util.h"

#define SCENARIOS "configs/scenarios"
#define RUNS 3
#define TARGET 10.0             /* M transactions/s */
#define MAX_SCENARIOS 64

static int csv_value(const char *path, const char *name, uint64_t *v)
{
    char line[512];
    size_t n = strlen(name);
    FILE *f = fopen(path, "r");

    if (!f)
        return -1;
    while (fgets(line, sizeof(line), f)) {
        if (!strncmp(line, name, n) && line[n] == ',') {
            *v = strtoull(line + n + 1, NULL, 10);
            fclose(f);
            return 0;
        }
    }
    fclose(f);
    return -1;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* One scenario, best of RUNS; 0, or -1 when it cannot be run or read. */
static int bench_one(const char *prog, const char *dir, const char *name, bool *met)
{
    char cmd[2048], csv[1024];
    uint64_t tx, sim_ps;
    double best = 1e30;

    for (int i = 0; i < RUNS; i++) {
        snprintf(cmd, sizeof(cmd), "mkdir -p %s && %s run %s/%s --mode timing --quiet "
                 "--out %s/scenario", dir, prog, SCENARIOS, name, dir);
        double t0 = bench_now();
        int st = system(cmd);
        double wall = bench_now() - t0;
        if (!WIFEXITED(st) || WEXITSTATUS(st)) {
            fprintf(stderr, "bench_scenario: '%s' failed\n", cmd);
            return -1;
        }
        if (wall < best)
            best = wall;
    }
    snprintf(csv, sizeof(csv), "%s/scenario/stats.csv", dir);
    if (csv_value(csv, "run.transactions", &tx) || csv_value(csv, "run.sim_time_ps", &sim_ps)) {
        fprintf(stderr, "bench_scenario: cannot read %s\n", csv);
        return -1;
    }
    double rate = (double)tx / best / 1e6;
    *met = *met && rate >= TARGET;
    printf("scenario %-28s timing: %9llu transactions in %.3f s wall (best of %d, whole "
           "process): %6.2f M transactions/s, sim/wall %.4f%s\n", name,
           (unsigned long long)tx, best, RUNS, rate, (double)sim_ps / 1e12 / best,
           rate >= TARGET ? "" : " (below target)");
    return 0;
}

int main(void)
{
    const char *prog = getenv("IOMMUSIM") ? getenv("IOMMUSIM") : "build/iommusim";
    const char *dir = getenv("BENCH_DIR") ? getenv("BENCH_DIR") : "/tmp/iommusim-bench";
    char *names[MAX_SCENARIOS];
    size_t n = 0;
    bool met = true;
    struct dirent *de;
    DIR *d = opendir(SCENARIOS);

    if (!d) {
        fprintf(stderr, "bench_scenario: cannot open %s\n", SCENARIOS);
        return 1;
    }
    while ((de = readdir(d)) && n < MAX_SCENARIOS) {
        size_t len = strlen(de->d_name);
        if (len > 5 && !strcmp(de->d_name + len - 5, ".yaml"))
            names[n++] = strdup(de->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof(names[0]), by_name);
    for (size_t i = 0; i < n; i++) {
        if (!names[i] || bench_one(prog, dir, names[i], &met))
            return 1;
        free(names[i]);
    }
    printf("target every shipped scenario >= %.0f M transactions/s in timing mode: %s\n",
           TARGET, met ? "met" : "NOT met");
    return 0;
}
