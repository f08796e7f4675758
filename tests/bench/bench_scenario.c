/*
 * bench_scenario.c - full-timing speed of a whole scenario through the iommusim command.
 *
 * Runs `$IOMMUSIM run configs/scenarios/video_playback_1080p30.yaml` (every model in
 * the loop: masters, SMMUs with their walkers, the fabric, DRAM, the driver's set-up)
 * a few times and prints the best wall time as simulated transactions per second and
 * simulated time per wall-clock second. The counts come from the run's stats.csv, so
 * the figures are the ones a user's run would show.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#define SCENARIO "configs/scenarios/video_playback_1080p30.yaml"
#define RUNS 3

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

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

int main(void)
{
    const char *prog = getenv("IOMMUSIM") ? getenv("IOMMUSIM") : "build/iommusim";
    const char *dir = getenv("BENCH_DIR") ? getenv("BENCH_DIR") : "/tmp/iommusim-bench";
    char cmd[2048], csv[1024];
    uint64_t tx, sim_ps;
    double best = 1e30;

    for (int i = 0; i < RUNS; i++) {
        snprintf(cmd, sizeof(cmd), "mkdir -p %s && %s run %s --quiet --out %s/scenario",
                 dir, prog, SCENARIO, dir);
        double t0 = now_s();
        int st = system(cmd);
        double wall = now_s() - t0;
        if (!WIFEXITED(st) || WEXITSTATUS(st)) {
            fprintf(stderr, "bench_scenario: '%s' failed\n", cmd);
            return 1;
        }
        if (wall < best)
            best = wall;
    }
    snprintf(csv, sizeof(csv), "%s/scenario/stats.csv", dir);
    if (csv_value(csv, "run.transactions", &tx) || csv_value(csv, "run.sim_time_ps", &sim_ps)) {
        fprintf(stderr, "bench_scenario: cannot read %s\n", csv);
        return 1;
    }
    printf("scenario video_playback_1080p30, timing mode: %llu transactions in %.3f s wall "
           "(best of %d, process start-up and SoC set-up included): %.2f M transactions/s "
           "(target 5)\n", (unsigned long long)tx, best, RUNS, (double)tx / best / 1e6);
    printf("scenario video_playback_1080p30: simulated %.3f ms: sim/wall = %.4f\n",
           (double)sim_ps / 1e9, (double)sim_ps / 1e12 / best);
    return 0;
}
