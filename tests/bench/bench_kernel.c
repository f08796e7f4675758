/*
 * bench_kernel.c - dispatch speed of the simulation kernel shim.
 *
 * Two figures, each from about half a second of wall time split into five rounds;
 * the best round is reported, because the slower ones measure whatever else the
 * machine was doing rather than the kernel:
 *   - one event whose callback re-notifies it 1 ns later (every callback is a new
 *     time step, so each one costs a SystemC timed notification as well);
 *   - sim_schedule one-shots with 64 outstanding: each callback schedules its
 *     successor at a delay spread over 1..64 ns, so the heap stays 64 deep.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "sim/core/kernel.h"

#define ROUNDS          5
#define ROUND_SECONDS   0.1
#define SLICE_PS        (100 * SIM_US)      /* simulated time per timing check */
#define OUTSTANDING     64

static double wall_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static struct sim_event *bench_ev;

static void renotify(void *arg)
{
    (void)arg;
    sim_event_notify(bench_ev, SIM_NS);
}

static uint64_t oneshot_state = 1;

static void oneshot(void *arg)
{
    /* A cheap deterministic spread of delays keeps the heap genuinely shuffled. */
    oneshot_state = oneshot_state * 6364136223846793005ULL + 1442695040888963407ULL;
    sim_schedule(SIM_NS * (1 + (oneshot_state >> 58)), oneshot, arg);
}

/* Callbacks per second of wall time: the best of ROUNDS rounds of sim_run slices. */
static double measure(void)
{
    double best = 0;

    for (int r = 0; r < ROUNDS; r++) {
        double t0 = wall_now(), t1;
        uint64_t n = 0;

        do {
            n += sim_run(sim_now() + SLICE_PS);
            t1 = wall_now();
        } while (t1 - t0 < ROUND_SECONDS);
        if ((double)n / (t1 - t0) > best)
            best = (double)n / (t1 - t0);
    }
    return best;
}

int main(void)
{
    double rate;

    sim_reset();
    bench_ev = sim_event_new("bench", renotify, NULL);
    if (!bench_ev) {
        fprintf(stderr, "bench_kernel: sim_event_new failed\n");
        return 1;
    }
    sim_event_notify(bench_ev, 0);
    rate = measure();
    printf("kernel: event re-notify: %.1f M callbacks/s\n", rate / 1e6);
    sim_event_free(bench_ev);

    sim_reset();
    for (int i = 0; i < OUTSTANDING; i++)
        sim_schedule(SIM_NS * (uint64_t)(i + 1), oneshot, NULL);
    rate = measure();
    printf("kernel: schedule, %d outstanding: %.1f M callbacks/s\n", OUTSTANDING,
           rate / 1e6);
    sim_reset();
    return 0;
}
