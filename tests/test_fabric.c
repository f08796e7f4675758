/*
 * test_fabric.c - fabric timing against times worked out by hand from the rules in
 * docs/timing.md: link (per port) -> gateway (shared, round-robin) -> hop -> the
 * downstream port. Most cases send the fabric's output to a recording target with a
 * fixed 100 ns latency and no contention (tests/lib/mem_fake.h), so that arrival order
 * and times at the gateway's far side can be read directly; the end-to-end cases use
 * the DRAM.
 *
 * Unless said otherwise: fabric at 200 MHz (5 ns per cycle), 16-byte gateway,
 * hop 2 cycles = 10 ns. A 64-byte request holds the gateway 4 cycles = 20 ns.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "models/dram.h"
#include "models/fabric.h"
#include "sim/core/kernel.h"
#include "tests/lib/mem_fake.h"

/* The recording target behind the fabric: 100 ns after each arrival, no contention. */
static struct mem_port sink_port(struct fake_mem *s)
{
    return fake_mem_init(s, 100 * SIM_NS);
}

/* ---- Configurations ---------------------------------------------------------------- */

static struct fabric_config fabric_cfg(unsigned nports, unsigned port_width)
{
    struct fabric_config c;
    unsigned p;

    memset(&c, 0, sizeof(c));
    c.clock_hz = 200000000;
    c.gateway_width_bytes = 16;
    c.hop_cycles = 2;
    c.nports = nports;
    for (p = 0; p < nports; p++)
        c.port_width_bytes[p] = port_width;
    return c;
}

static int reset_kernel(void **state)
{
    (void)state;
    sim_reset();
    return 0;
}

/* ---- Single requests --------------------------------------------------------------- */

static void test_single_request_to_dram(void **state)
{
    /* The defaults: 8-byte master port, DDR of two 8-byte channels at 533 MHz. */
    struct fabric_config fc = fabric_cfg(1, 8);
    struct dram_config dc = {
        .channels = 2, .interleave_bytes = 256, .clock_hz = 533000000,
        .width_bytes = 8, .latency = 50 * SIM_NS,
    };
    struct dram *d = dram_new(&dc);
    struct mem_port dp = dram_port(d);
    struct fabric *f = fabric_new(&fc, &dp);
    struct mem_port port = fabric_port(f, 0);
    struct probe_req a;

    (void)state;
    assert_non_null(f);
    probe_init(&a, 0x1000, 64, 0);
    mem_request(&port, &a.req);
    /* Nothing else runs: the DRAM's completion is the only callback. */
    assert_int_equal(sim_run(SIM_TIME_MAX), 1);
    /*
     * link: 64 / 8 = 8 cycles = 40 ns, ready at 40 ns; gateway idle: granted at
     * 40 ns, 64 / 16 = 4 cycles = 20 ns -> 60 ns; hop 10 ns -> at the DRAM at 70 ns.
     * DRAM: 8 cycles at 533 MHz = ceil(8e12 / 533e6) = 15010 ps, + 50 ns latency:
     * 70000 + 15010 + 50000 = 135010 ps.
     */
    probe_assert_done(&a, 135010, MEM_OK);
    /* 0x1000 / 256 = 16 -> channel 0. */
    assert_int_equal(dram_channel_stats(d, 0)->requests, 1);
    assert_int_equal(dram_channel_stats(d, 1)->requests, 0);
    assert_int_equal(fabric_port_stats(f, 0)->requests, 1);
    assert_int_equal(fabric_port_stats(f, 0)->bytes, 64);
    assert_int_equal(fabric_port_stats(f, 0)->wait, 0);
    assert_int_equal(fabric_port_stats(f, 0)->link_wait, 0);
    assert_int_equal(fabric_gateway_stats(f)->grants_immediate, 1);
    assert_int_equal(fabric_gateway_stats(f)->grants_arbitrated, 0);
    assert_int_equal(fabric_gateway_stats(f)->busy, 20 * SIM_NS);
    fabric_free(f);
    dram_free(d);
}

static void test_link_serialises_one_port(void **state)
{
    /* 1 channel, 8 bytes at 500 MHz: 64 bytes = 16 ns, + 40 ns latency. */
    struct dram_config dc = {
        .channels = 1, .interleave_bytes = 256, .clock_hz = 500000000,
        .width_bytes = 8, .latency = 40 * SIM_NS,
    };
    struct fabric_config fc = fabric_cfg(1, 8);
    struct dram *d = dram_new(&dc);
    struct mem_port dp = dram_port(d);
    struct fabric *f = fabric_new(&fc, &dp);
    struct mem_port port = fabric_port(f, 0);
    struct probe_req r[3];
    unsigned i;

    (void)state;
    for (i = 0; i < 3; i++) {
        probe_init(&r[i], i * 64, 64, 0);
        mem_request(&port, &r[i].req);
    }
    assert_int_equal(sim_run(SIM_TIME_MAX), 3);
    /*
     * The 8-byte link takes 40 ns per request: they leave it at 40, 80, 120 ns
     * (link waits 0, 40, 80 ns). The 20 ns gateway is idle each time: granted at
     * once, at the DRAM 30 ns later (70, 110, 150 ns), whose 16 ns transfers do not
     * overlap: done at 70 + 56 = 126, 166, 206 ns.
     */
    probe_assert_done(&r[0], 126 * SIM_NS, MEM_OK);
    probe_assert_done(&r[1], 166 * SIM_NS, MEM_OK);
    probe_assert_done(&r[2], 206 * SIM_NS, MEM_OK);
    assert_int_equal(fabric_port_stats(f, 0)->link_wait, 120 * SIM_NS);
    assert_int_equal(fabric_port_stats(f, 0)->wait, 0);
    assert_int_equal(fabric_gateway_stats(f)->grants_immediate, 3);
    assert_int_equal(fabric_gateway_stats(f)->grants_arbitrated, 0);
    assert_int_equal(dram_channel_stats(d, 0)->queue_delay, 0);
    fabric_free(f);
    dram_free(d);
}

/* ---- Arbitration ------------------------------------------------------------------- */

/*
 * Hands over n[p] 64-byte requests on each port p, all at time 0, port 0's first;
 * request k of port p has pa = p * 0x10000 + k * 64.
 */
static void issue_backlog(struct fabric *f, struct probe_req r[][8], const unsigned *n,
                          unsigned nports)
{
    unsigned p, k;

    for (p = 0; p < nports; p++) {
        struct mem_port port = fabric_port(f, p);

        for (k = 0; k < n[p]; k++) {
            probe_init(&r[p][k], p * 0x10000 + k * 64, 64, 0);
            mem_request(&port, &r[p][k].req);
        }
    }
}

#define PA(p, k) ((uint32_t)((p) * 0x10000 + (k) * 64))

static void test_two_ports_round_robin(void **state)
{
    /* 32-byte ports: a 64-byte request leaves its link after 2 cycles = 10 ns. */
    struct fabric_config fc = fabric_cfg(2, 32);
    struct fake_mem s;
    struct mem_port sp = sink_port(&s);
    struct fabric *f = fabric_new(&fc, &sp);
    struct probe_req r[2][8];
    const unsigned n[2] = { 3, 3 };
    /*
     * Handed over A0 A1 A2 B0 B1 B2 (A = port 0, B = port 1); both ports' requests
     * are ready for the gateway at 10, 20, 30 ns. A0 finds it idle: granted at
     * 10 ns, busy to 30 ns. Everything else waits, and each time the gateway frees
     * the port after the last granted goes first:
     *   30 ns B0 (waited 20)   50 ns A1 (30)   70 ns B1 (50)
     *   90 ns A2 (60)         110 ns B2 (80)
     * In hand-over order it would have been A0 A1 A2 B0 B1 B2. Each reaches the
     * sink 20 + 10 ns after its grant and completes 100 ns after that.
     */
    const uint32_t order[6] = { PA(0, 0), PA(1, 0), PA(0, 1), PA(1, 1), PA(0, 2), PA(1, 2) };
    const sim_time_t grant[6] = { 10, 30, 50, 70, 90, 110 };
    unsigned i;

    (void)state;
    issue_backlog(f, r, n, 2);
    /* 6 completions + arbitration events at 30, 50, 70, 90, 110 ns. */
    assert_int_equal(sim_run(SIM_TIME_MAX), 11);
    assert_int_equal(s.requests, 6);
    for (i = 0; i < 6; i++) {
        assert_int_equal(s.log[i].pa, order[i]);
        assert_int_equal(s.log[i].at, (grant[i] + 30) * SIM_NS);
    }
    probe_assert_done(&r[0][0], 140 * SIM_NS, MEM_OK);
    probe_assert_done(&r[1][0], 160 * SIM_NS, MEM_OK);
    probe_assert_done(&r[0][1], 180 * SIM_NS, MEM_OK);
    probe_assert_done(&r[1][1], 200 * SIM_NS, MEM_OK);
    probe_assert_done(&r[0][2], 220 * SIM_NS, MEM_OK);
    probe_assert_done(&r[1][2], 240 * SIM_NS, MEM_OK);
    /* Waits: port 0: 0 + 30 + 60 = 90 ns; port 1: 20 + 50 + 80 = 150 ns. */
    assert_int_equal(fabric_port_stats(f, 0)->wait, 90 * SIM_NS);
    assert_int_equal(fabric_port_stats(f, 1)->wait, 150 * SIM_NS);
    assert_int_equal(fabric_port_stats(f, 0)->link_wait, 30 * SIM_NS);  /* 0 + 10 + 20 */
    assert_int_equal(fabric_gateway_stats(f)->grants_immediate, 1);
    assert_int_equal(fabric_gateway_stats(f)->grants_arbitrated, 5);
    assert_int_equal(fabric_gateway_stats(f)->busy, 120 * SIM_NS);
    fabric_free(f);
}

static void test_round_robin_is_not_oldest_first(void **state)
{
    /* Port 0 is 64 bytes wide (link 1 cycle = 5 ns), port 1 is 32 bytes (10 ns). */
    struct fabric_config fc = fabric_cfg(2, 32);
    struct fake_mem s;
    struct mem_port sp;
    struct fabric *f;
    struct mem_port p0, p1;
    struct probe_req a[4], b;
    unsigned i;

    (void)state;
    fc.port_width_bytes[0] = 64;
    sp = sink_port(&s);
    f = fabric_new(&fc, &sp);
    p0 = fabric_port(f, 0);
    p1 = fabric_port(f, 1);
    for (i = 0; i < 4; i++) {
        probe_init(&a[i], PA(0, i), 64, 0);
        mem_request(&p0, &a[i].req);
    }
    probe_init(&b, PA(1, 0), 64, 20 * SIM_NS);
    mem_request(&p1, &b.req);
    /*
     * A0..A3 are ready at 5, 10, 15, 20 ns; B0 arrives at 20 ns, ready at 30 ns.
     * A0: gateway idle, granted at 5 ns, busy to 25 ns.
     * 25 ns: port 1 is next but B0 is not ready; A1 (ready 10) is granted, to 45 ns.
     * 45 ns: port 1 first: B0 (ready 30, waited 15) wins over A2, which has waited
     *        since 15 ns; oldest-first would have taken A2.
     * 65 ns: A2 (waited 50); 85 ns: A3 (waited 65).
     */
    sim_run(SIM_TIME_MAX);
    assert_int_equal(s.requests, 5);
    assert_int_equal(s.log[0].pa, PA(0, 0));
    assert_int_equal(s.log[1].pa, PA(0, 1));
    assert_int_equal(s.log[2].pa, PA(1, 0));
    assert_int_equal(s.log[3].pa, PA(0, 2));
    assert_int_equal(s.log[4].pa, PA(0, 3));
    /* done = grant + 20 (gateway) + 10 (hop) + 100 (sink). */
    probe_assert_done(&a[0], 135 * SIM_NS, MEM_OK);
    probe_assert_done(&a[1], 155 * SIM_NS, MEM_OK);
    probe_assert_done(&b, 175 * SIM_NS, MEM_OK);
    probe_assert_done(&a[2], 195 * SIM_NS, MEM_OK);
    probe_assert_done(&a[3], 215 * SIM_NS, MEM_OK);
    /* port 0: 0 + 15 + 50 + 65 = 130 ns; port 1: 15 ns. */
    assert_int_equal(fabric_port_stats(f, 0)->wait, 130 * SIM_NS);
    assert_int_equal(fabric_port_stats(f, 1)->wait, 15 * SIM_NS);
    fabric_free(f);
}

static void test_three_ports_rotation(void **state)
{
    struct fabric_config fc = fabric_cfg(3, 32);
    struct fake_mem s;
    struct mem_port sp = sink_port(&s);
    struct fabric *f = fabric_new(&fc, &sp);
    struct probe_req r[3][8];
    const unsigned n[3] = { 4, 4, 4 };
    unsigned i, p;
    sim_time_t wait[3] = { 0, 0, 0 };

    (void)state;
    issue_backlog(f, r, n, 3);
    sim_run(SIM_TIME_MAX);
    /*
     * Each port's requests are ready at 10, 20, 30, 40 ns. A0 is granted at once at
     * 10 ns; from then on the gateway is never idle and every port always has a
     * ready request, so grants go B0 C0 A1 B1 C1 A2 B2 C2 A3 B3 C3, one every 20 ns:
     * grant i (i = 0 for A0) at 10 + 20 i ns, port i % 3, its (i / 3)th request.
     */
    assert_int_equal(s.requests, 12);
    for (i = 0; i < 12; i++) {
        sim_time_t g = (10 + 20 * i) * SIM_NS;
        unsigned k = i / 3;

        p = i % 3;
        assert_int_equal(s.log[i].pa, PA(p, k));
        assert_int_equal(s.log[i].at, g + 30 * SIM_NS);
        probe_assert_done(&r[p][k], g + 130 * SIM_NS, MEM_OK);
        /* Request k became ready at 10 (k + 1) ns. */
        wait[p] += g - 10 * (k + 1) * SIM_NS;
    }
    /*
     * The sums, by hand: A: 0 + (70-20) + (130-30) + (190-40) = 300 ns;
     * B: (30-10) + (90-20) + (150-30) + (210-40) = 380 ns;
     * C: (50-10) + (110-20) + (170-30) + (230-40) = 460 ns.
     */
    assert_int_equal(wait[0], 300 * SIM_NS);
    assert_int_equal(wait[1], 380 * SIM_NS);
    assert_int_equal(wait[2], 460 * SIM_NS);
    for (p = 0; p < 3; p++) {
        assert_int_equal(fabric_port_stats(f, p)->wait, wait[p]);
        assert_int_equal(fabric_port_stats(f, p)->requests, 4);
        assert_int_equal(fabric_port_stats(f, p)->bytes, 256);
    }
    assert_int_equal(fabric_gateway_stats(f)->grants_immediate, 1);
    assert_int_equal(fabric_gateway_stats(f)->grants_arbitrated, 11);
    fabric_free(f);
}

static void test_rr_skips_empty_ports(void **state)
{
    struct fabric_config fc = fabric_cfg(3, 32);
    struct fake_mem s;
    struct mem_port sp = sink_port(&s);
    struct fabric *f = fabric_new(&fc, &sp);
    struct probe_req r[3][8];
    const unsigned n[3] = { 3, 1, 3 };
    /*
     * Ready at 10, 20, 30 ns on ports 0 and 2, port 1's one request at 10 ns.
     * A0 at 10 (idle gateway); 30 B0 (waited 20); 50 C0 (40); 70 A1 (50);
     * 90: port 1 has nothing left, so C1 (70); 110 A2 (80); 130: C2 (100).
     */
    const uint32_t order[7] = {
        PA(0, 0), PA(1, 0), PA(2, 0), PA(0, 1), PA(2, 1), PA(0, 2), PA(2, 2),
    };
    unsigned i;

    (void)state;
    issue_backlog(f, r, n, 3);
    sim_run(SIM_TIME_MAX);
    assert_int_equal(s.requests, 7);
    for (i = 0; i < 7; i++) {
        assert_int_equal(s.log[i].pa, order[i]);
        assert_int_equal(s.log[i].at, (10 + 20 * i + 30) * SIM_NS);
    }
    probe_assert_done(&r[2][1], (90 + 130) * SIM_NS, MEM_OK);
    assert_int_equal(fabric_port_stats(f, 0)->wait, 130 * SIM_NS);     /* 0 + 50 + 80 */
    assert_int_equal(fabric_port_stats(f, 1)->wait, 20 * SIM_NS);
    assert_int_equal(fabric_port_stats(f, 2)->wait, 210 * SIM_NS);     /* 40 + 70 + 100 */
    fabric_free(f);
}

static void test_waiting_request_not_ready_yet(void **state)
{
    struct fabric_config fc = fabric_cfg(3, 32);
    struct fake_mem s;
    struct mem_port sp = sink_port(&s);
    struct fabric *f = fabric_new(&fc, &sp);
    struct mem_port p0 = fabric_port(f, 0), p2 = fabric_port(f, 2);
    struct probe_req a0, a1, c0;

    (void)state;
    probe_init(&a0, PA(0, 0), 64, 0);
    probe_init(&a1, PA(0, 1), 64, 0);
    probe_init(&c0, PA(2, 0), 64, 60 * SIM_NS);
    mem_request(&p0, &a0.req);
    mem_request(&p0, &a1.req);
    mem_request(&p2, &c0.req);
    /*
     * A0 ready at 10: granted at once, gateway busy to 30. A1 (ready 20) waits; C0
     * arrives at 60, ready at 70, and waits too because A1 is waiting.
     * 30 ns: port 1 is empty, port 2's C0 is not ready, A1 is: granted, to 50 ns.
     * The gateway then idles until C0 is ready: granted at 70 ns, no wait.
     * Arbitration ran at 30 and 70 ns only: 3 completions + 2 = 5 callbacks.
     */
    assert_int_equal(sim_run(SIM_TIME_MAX), 5);
    probe_assert_done(&a0, 140 * SIM_NS, MEM_OK);
    probe_assert_done(&a1, 160 * SIM_NS, MEM_OK);
    probe_assert_done(&c0, 200 * SIM_NS, MEM_OK);
    assert_int_equal(fabric_port_stats(f, 0)->wait, 10 * SIM_NS);
    assert_int_equal(fabric_port_stats(f, 2)->wait, 0);
    assert_int_equal(fabric_gateway_stats(f)->grants_immediate, 1);
    assert_int_equal(fabric_gateway_stats(f)->grants_arbitrated, 2);
    fabric_free(f);
}

/* ---- Many requests: the record pool grows, one callback each ----------------------- */

static void test_many_outstanding(void **state)
{
    /* 16-byte port: 64 bytes leave the link every 4 cycles = 20 ns, as the gateway. */
    struct fabric_config fc = fabric_cfg(1, 16);
    struct fake_mem s;
    struct mem_port sp = sink_port(&s);
    struct fabric *f = fabric_new(&fc, &sp);
    struct mem_port port = fabric_port(f, 0);
    static struct probe_req r[600];
    unsigned i;

    (void)state;
    for (i = 0; i < 600; i++) {
        probe_init(&r[i], i * 64, 64, 0);
        mem_request(&port, &r[i].req);
    }
    /* Never a wait at the gateway: one callback per request and no other. */
    assert_int_equal(sim_run(SIM_TIME_MAX), 600);
    /* Request i leaves its link at 20 (i + 1) ns: done 20 (i + 1) + 20 + 10 + 100. */
    for (i = 0; i < 600; i++)
        probe_assert_done(&r[i], (20 * i + 150) * SIM_NS, MEM_OK);
    assert_int_equal(fabric_gateway_stats(f)->grants_immediate, 600);
    assert_int_equal(fabric_port_stats(f, 0)->wait, 0);
    fabric_free(f);
}

/* ---- Determinism ------------------------------------------------------------------- */

#define DET_N 400

struct det_run {
    struct fabric *f;
    struct dram *d;
    struct probe_req r[DET_N];
    unsigned port[DET_N];
};

struct det_issue {
    struct det_run *run;
    unsigned i;
};

static void det_issue(void *arg)
{
    struct det_issue *e = arg;
    struct mem_port port = fabric_port(e->run->f, e->run->port[e->i]);

    mem_request(&port, &e->run->r[e->i].req);
}

/*
 * A fixed pseudo-random mix over 4 ports of different widths into a 2-channel DRAM,
 * handed over from kernel callbacks at scattered times, some with future arrivals.
 */
static void det_simulate(struct det_run *run)
{
    static struct det_issue ev[DET_N];
    struct fabric_config fc = fabric_cfg(4, 8);
    struct dram_config dc = {
        .channels = 2, .interleave_bytes = 256, .clock_hz = 533000000,
        .width_bytes = 8, .latency = 50 * SIM_NS,
    };
    struct mem_port dp;
    uint32_t x = 12345;
    sim_time_t t = 0;
    unsigned i;

    sim_reset();
    fc.port_width_bytes[1] = 16;
    fc.port_width_bytes[2] = 32;
    fc.port_width_bytes[3] = 12;
    run->d = dram_new(&dc);
    dp = dram_port(run->d);
    run->f = fabric_new(&fc, &dp);
    for (i = 0; i < DET_N; i++) {
        x = x * 1103515245u + 12345u;
        run->port[i] = (x >> 16) & 3;
        t += ((x >> 8) & 7) * 3 * SIM_NS;
        probe_init(&run->r[i], (x >> 4) & 0xFFFC0, 4 + ((x >> 20) & 0xFF),
                   t + ((x & 1) ? 7 * SIM_NS : 0));
        ev[i].run = run;
        ev[i].i = i;
        sim_schedule(t, det_issue, &ev[i]);
    }
    sim_run(SIM_TIME_MAX);
}

static void test_determinism(void **state)
{
    static struct det_run one, two;
    unsigned i, p, c;
    const struct fabric_config fc = fabric_cfg(4, 8);
    uint64_t sum = 0;

    (void)state;
    det_simulate(&one);
    det_simulate(&two);
    for (i = 0; i < DET_N; i++) {
        const struct mem_req *q = &one.r[i].req;
        uint64_t link = (q->bytes + 7) / 8, gw = (q->bytes + 15) / 16;

        assert_int_equal(one.r[i].calls, 1);
        assert_int_equal(two.r[i].calls, 1);
        assert_int_equal(one.r[i].req.done_at, two.r[i].req.done_at);
        /*
         * Nothing can be faster than the unloaded path: at least one link cycle per
         * port width (the 8-byte port's bound is the slowest), the gateway, the hop,
         * one DRAM cycle of ~1876 ps and the 50 ns latency. A loose floor, but it
         * fails if a stage were skipped: link + gateway + hop + latency alone.
         */
        if (one.port[i] == 0)
            assert_true(q->done_at >= q->at + (link + gw + fc.hop_cycles) * 5 * SIM_NS +
                                       50 * SIM_NS);
        sum += q->bytes;
    }
    for (p = 0; p < 4; p++) {
        assert_memory_equal(fabric_port_stats(one.f, p), fabric_port_stats(two.f, p),
                            sizeof(struct fabric_port_stats));
    }
    for (c = 0; c < 2; c++)
        assert_memory_equal(dram_channel_stats(one.d, c), dram_channel_stats(two.d, c),
                            sizeof(struct dram_channel_stats));
    assert_int_equal(dram_channel_stats(one.d, 0)->bytes + dram_channel_stats(one.d, 1)->bytes,
                     sum);
    /* The mix does contend: some requests waited for the gateway. */
    assert_true(fabric_gateway_stats(one.f)->grants_arbitrated > 0);
    fabric_free(one.f);
    dram_free(one.d);
    fabric_free(two.f);
    dram_free(two.d);
}

/* ---- Misuse and configuration ------------------------------------------------------ */

static void test_bad_requests_get_slave_error(void **state)
{
    struct fabric_config fc = fabric_cfg(2, 8);
    struct fake_mem s;
    struct mem_port sp = sink_port(&s);
    struct fabric *f = fabric_new(&fc, &sp);
    struct mem_port bad = fabric_port(f, 2), p0 = fabric_port(f, 0);
    struct probe_req a, z;

    (void)state;
    /* Port 2 does not exist: error at the arrival time, nothing forwarded. */
    probe_init(&a, 0, 64, 15 * SIM_NS);
    mem_request(&bad, &a.req);
    probe_init(&z, 0, 0, 0);
    mem_request(&p0, &z.req);
    sim_run(SIM_TIME_MAX);
    probe_assert_done(&a, 15 * SIM_NS, MEM_ERROR);
    probe_assert_done(&z, 0, MEM_ERROR);
    assert_int_equal(s.requests, 0);
    assert_int_equal(fabric_port_stats(f, 0)->requests, 0);
    assert_null(fabric_port_stats(f, 2));
    fabric_free(f);
}

static void test_downstream_error_reaches_requester(void **state)
{
    struct fabric_config fc = fabric_cfg(1, 8);
    struct dram_config dc = {
        .channels = 1, .interleave_bytes = 256, .clock_hz = 500000000,
        .width_bytes = 8, .latency = 40 * SIM_NS,
    };
    struct dram *d = dram_new(&dc);
    struct mem_port dp = dram_port(d);
    struct fabric *f;
    struct probe_req a;

    (void)state;
    /* The fabric forwards any status; a DRAM with no target stands for a bad one. */
    dp.target = NULL;
    f = fabric_new(&fc, &dp);
    probe_init(&a, 0, 64, 0);
    {
        struct mem_port p = fabric_port(f, 0);

        mem_request(&p, &a.req);
    }
    sim_run(SIM_TIME_MAX);
    /* At the DRAM port at 40 + 20 + 10 = 70 ns, which errs at the arrival. */
    probe_assert_done(&a, 70 * SIM_NS, MEM_ERROR);
    fabric_free(f);
    dram_free(d);
}

static void expect_bad(const struct fabric_config *cfg, const char *field)
{
    char err[160] = "";
    struct fake_mem s;
    struct mem_port sp = sink_port(&s);

    assert_int_equal(fabric_config_check(cfg, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, field));
    assert_null(fabric_new(cfg, &sp));
}

static void test_config_check(void **state)
{
    struct fabric_config c;
    struct fake_mem s;
    struct mem_port sp = sink_port(&s);

    (void)state;
    c = fabric_cfg(14, 8);
    assert_int_equal(fabric_config_check(&c, NULL, 0), 0);
    expect_bad(NULL, "configuration");
    c = fabric_cfg(14, 8); c.clock_hz = 0; expect_bad(&c, "clock_hz");
    c = fabric_cfg(14, 8); c.clock_hz = SIM_S + 1; expect_bad(&c, "clock_hz");
    c = fabric_cfg(14, 8); c.gateway_width_bytes = 0; expect_bad(&c, "gateway_width_bytes");
    c = fabric_cfg(14, 8); c.nports = 0; expect_bad(&c, "nports");
    c = fabric_cfg(14, 8); c.nports = FABRIC_MAX_PORTS + 1; expect_bad(&c, "nports");
    c = fabric_cfg(14, 8); c.port_width_bytes[5] = 0; c.port_name[5] = "vcodec_a";
    expect_bad(&c, "port_width_bytes[5] (vcodec_a)");
    /* A fabric needs somewhere to send its requests. */
    c = fabric_cfg(14, 8);
    assert_null(fabric_new(&c, NULL));
    sp.request = NULL;
    assert_null(fabric_new(&c, &sp));
    /* The full complement of ports is allowed. */
    c = fabric_cfg(FABRIC_MAX_PORTS, 8);
    assert_int_equal(fabric_config_check(&c, NULL, 0), 0);
}

/*
 * A request longer than the fabric's precomputed durations: 2048 bytes on an 8-byte
 * port take 256 cycles on the link (1280 ns) and 128 on the 16-byte gateway (640 ns).
 * Granted at once when it leaves the link: at the sink 1280 + 640 + 10 = 1930 ns,
 * done 100 ns later.
 */
static void test_long_request(void **state)
{
    struct fabric_config fc = fabric_cfg(1, 8);
    struct fake_mem s;
    struct mem_port sp = sink_port(&s);
    struct fabric *f = fabric_new(&fc, &sp);
    struct mem_port p0 = fabric_port(f, 0);
    struct probe_req a;

    (void)state;
    probe_init(&a, 0x1000, 2048, 0);
    mem_request(&p0, &a.req);
    sim_run(SIM_TIME_MAX);
    assert_int_equal(s.requests, 1);
    assert_int_equal(s.log[0].at, 1930 * SIM_NS);
    probe_assert_done(&a, 2030 * SIM_NS, MEM_OK);
    assert_int_equal(fabric_gateway_stats(f)->busy, 640 * SIM_NS);
    assert_int_equal(fabric_gateway_stats(f)->grants_immediate, 1);
    assert_int_equal(fabric_port_stats(f, 0)->bytes, 2048);
    assert_int_equal(fabric_port_stats(f, 0)->link_wait, 0);
    /* Statistics of no fabric are none; freeing no fabric is nothing. */
    assert_null(fabric_gateway_stats(NULL));
    assert_null(fabric_port_stats(NULL, 0));
    fabric_free(NULL);
    fabric_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_single_request_to_dram, reset_kernel),
        cmocka_unit_test_setup(test_link_serialises_one_port, reset_kernel),
        cmocka_unit_test_setup(test_two_ports_round_robin, reset_kernel),
        cmocka_unit_test_setup(test_round_robin_is_not_oldest_first, reset_kernel),
        cmocka_unit_test_setup(test_three_ports_rotation, reset_kernel),
        cmocka_unit_test_setup(test_rr_skips_empty_ports, reset_kernel),
        cmocka_unit_test_setup(test_waiting_request_not_ready_yet, reset_kernel),
        cmocka_unit_test_setup(test_many_outstanding, reset_kernel),
        cmocka_unit_test_setup(test_determinism, reset_kernel),
        cmocka_unit_test_setup(test_bad_requests_get_slave_error, reset_kernel),
        cmocka_unit_test_setup(test_downstream_error_reaches_requester, reset_kernel),
        cmocka_unit_test_setup(test_long_request, reset_kernel),
        cmocka_unit_test(test_config_check),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
