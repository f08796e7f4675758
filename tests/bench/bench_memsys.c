/*
 * bench_memsys.c - how fast the memory side simulates: one master streaming 64-byte
 * requests through fabric and DRAM (the uncontended path every translated access
 * takes), and through the DRAM alone for comparison.
 *
 * The master keeps a fixed number of requests outstanding and issues the next one
 * from each completion, so the kernel work per request is the one completion
 * callback; the figure is simulated requests per second of host time, the best of
 * BENCH_RUNS runs (each on fresh models), since other load on the host only slows.
 */
#define _POSIX_C_SOURCE 199309L

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "models/dram.h"
#include "models/fabric.h"
#include "sim/core/kernel.h"

#define BENCH_REQUESTS      4000000u
#define BENCH_OUTSTANDING   16u
#define BENCH_BYTES         64u
#define BENCH_RUNS          3u

struct stream {
    struct mem_port port;
    struct mem_req req[BENCH_OUTSTANDING];
    uint32_t next_pa;
    uint64_t issued, done, errors;
};

static void stream_issue(struct stream *s, struct mem_req *req)
{
    req->pa = s->next_pa;
    req->bytes = BENCH_BYTES;
    req->at = sim_now();
    s->next_pa += BENCH_BYTES;
    s->issued++;
    mem_request(&s->port, req);
}

static void stream_done(struct mem_req *req)
{
    struct stream *s = req->owner;

    s->done++;
    if (req->status != MEM_OK)
        s->errors++;
    if (s->issued < BENCH_REQUESTS)
        stream_issue(s, req);
}

static double host_seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Streams BENCH_REQUESTS requests into `port`; returns requests per host second. */
static double run_stream(struct mem_port port, const char *what)
{
    static struct stream s;
    double t0, t1;
    unsigned i;

    s.port = port;
    s.next_pa = 0x10000000;
    s.issued = s.done = s.errors = 0;
    for (i = 0; i < BENCH_OUTSTANDING; i++) {
        s.req[i].owner = &s;
        s.req[i].done = stream_done;
        s.req[i].write = false;
    }
    t0 = host_seconds();
    for (i = 0; i < BENCH_OUTSTANDING; i++)
        stream_issue(&s, &s.req[i]);
    sim_run(SIM_TIME_MAX);
    t1 = host_seconds();
    if (s.done != BENCH_REQUESTS || s.errors) {
        fprintf(stderr, "memsys: %s: %llu of %u requests completed, %llu errors\n", what,
                (unsigned long long)s.done, BENCH_REQUESTS, (unsigned long long)s.errors);
        exit(1);
    }
    return BENCH_REQUESTS / (t1 - t0);
}

/* Builds fresh models on a fresh kernel and streams through them once. */
static double run_once(bool with_fabric, double *sim_us, double *cb_per_req)
{
    /* The defaults of the hardware notes: DDR two 8-byte channels at 533 MHz,
     * fabric at 200 MHz with a 16-byte gateway, a 64-bit master port. */
    const struct dram_config dc = {
        .channels = 2, .interleave_bytes = 1024, .clock_hz = 533000000,
        .width_bytes = 8, .latency = 50 * SIM_NS,
    };
    struct fabric_config fc = {
        .clock_hz = 200000000, .gateway_width_bytes = 16, .hop_cycles = 2, .nports = 1,
    };
    struct dram *d;
    struct fabric *f = NULL;
    struct mem_port dp;
    double rate;

    fc.port_width_bytes[0] = 8;
    fc.port_name[0] = "master";
    sim_reset();
    d = dram_new(&dc);
    if (!d)
        exit(1);
    dp = dram_port(d);
    if (with_fabric) {
        f = fabric_new(&fc, &dp);
        if (!f)
            exit(1);
    }
    rate = run_stream(with_fabric ? fabric_port(f, 0) : dp, with_fabric ? "fabric+dram" : "dram");
    *sim_us = (double)sim_now() / SIM_US;
    *cb_per_req = (double)sim_callbacks_run() / BENCH_REQUESTS;
    fabric_free(f);
    dram_free(d);
    return rate;
}

static void report(bool with_fabric)
{
    double best = 0, sim_us = 0, cb = 0;
    unsigned i;

    for (i = 0; i < BENCH_RUNS; i++) {
        double r = run_once(with_fabric, &sim_us, &cb);

        if (r > best)
            best = r;
    }
    printf("memsys: %s streaming %uB: %.1f M requests/s (%u requests, %.1f us simulated, "
           "%.2f callbacks/request)\n",
           with_fabric ? "fabric+dram" : "dram", BENCH_BYTES, best / 1e6, BENCH_REQUESTS,
           sim_us, cb);
}

int main(void)
{
    report(false);
    report(true);
    return 0;
}
