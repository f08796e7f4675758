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
 *
 * The command is started directly (posix_spawn, its output and messages to /dev/null), not
 * through a shell, so the time is the command's own. The floor every run pays, the
 * process start-up (loading SystemC and libstdc++, their static constructors), is
 * measured as `iommusim --version` and printed first; each scenario's line also
 * gives its rate with that floor taken off, the rate of the simulation itself.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <dirent.h>
#include <fcntl.h>
#include <spawn.h>
#include <time.h>
#include <unistd.h>

#include "tests/bench/bench_util.h"

#define SCENARIOS "configs/scenarios"
#define RUNS 5
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

extern char **environ;

/*
 * Wall time of one run of argv (its output and its messages, such as a scenario's
 * warnings, to /dev/null: the failure line below gives the command to rerun);
 * negative when it fails.
 */
static double timed_run(char *const argv[])
{
    posix_spawn_file_actions_t fa;
    pid_t pid;
    int st;

    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    double t0 = bench_now();
    int rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st))
        return -1.0;
    return bench_now() - t0;
}

/* Best of RUNS wall times of argv; negative when a run fails. */
static double best_of_runs(char *const argv[])
{
    double best = 1e30;

    for (int i = 0; i < RUNS; i++) {
        double wall = timed_run(argv);
        if (wall < 0)
            return wall;
        if (wall < best)
            best = wall;
    }
    return best;
}

/* One scenario, best of RUNS; 0, or -1 when it cannot be run or read. */
static int bench_one(const char *prog, const char *dir, const char *name, double floor,
                     bool *met)
{
    char path[1024], out[1024], csv[1100];
    uint64_t tx, sim_ps;

    snprintf(path, sizeof(path), "%s/%s", SCENARIOS, name);
    snprintf(out, sizeof(out), "%s/scenario", dir);
    char *argv[] = { (char *)prog, "run", path, "--mode", "timing", "--quiet", "--out", out,
                     NULL };
    double best = best_of_runs(argv);
    if (best < 0) {
        fprintf(stderr, "bench_scenario: '%s run %s --mode timing --quiet --out %s' failed\n",
                prog, path, out);
        return -1;
    }
    snprintf(csv, sizeof(csv), "%s/stats.csv", out);
    if (csv_value(csv, "run.transactions", &tx) || csv_value(csv, "run.sim_time_ps", &sim_ps)) {
        fprintf(stderr, "bench_scenario: cannot read %s\n", csv);
        return -1;
    }
    double rate = (double)tx / best / 1e6;
    double inner = best > floor ? (double)tx / (best - floor) / 1e6 : 0.0;
    *met = *met && rate >= TARGET;
    printf("scenario %-29s timing: %9llu transactions in %.4f s wall (best of %d, whole "
           "process): %6.2f M transactions/s (%6.2f without start-up), sim/wall %.4f%s\n",
           name, (unsigned long long)tx, best, RUNS, rate, inner,
           (double)sim_ps / 1e12 / best, rate >= TARGET ? "" : " (below target)");
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
    if (mkdir(dir, 0777) && access(dir, W_OK)) {
        fprintf(stderr, "bench_scenario: cannot create %s\n", dir);
        return 1;
    }
    char *version[] = { (char *)prog, "--version", NULL };
    double floor = best_of_runs(version);
    if (floor < 0) {
        fprintf(stderr, "bench_scenario: '%s --version' failed\n", prog);
        return 1;
    }
    printf("scenario start-up floor (%s --version, best of %d): %.4f s wall\n", prog, RUNS,
           floor);
    for (size_t i = 0; i < n; i++) {
        if (!names[i] || bench_one(prog, dir, names[i], floor, &met))
            return 1;
        free(names[i]);
    }
    printf("target every shipped scenario >= %.0f M transactions/s in timing mode: %s\n",
           TARGET, met ? "met" : "NOT met");
    return 0;
}
