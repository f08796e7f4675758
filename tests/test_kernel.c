/*
 * test_kernel.c - the simulation kernel shim (sim/core/kernel.h) against its rules.
 *
 * Every expectation below follows from the rules written in kernel.h: time order,
 * first-notified-first-run at equal times, the earlier of two notifications wins,
 * sim_run's limit is inclusive, sim_stop returns after the current callback,
 * sim_reset starts from time 0 with nothing pending, clock edge k sits at
 * ceil(k * 10^12 / hz) ps. Each case starts from sim_reset(), so the cases also
 * exercise the fresh SystemC context that sim_reset installs.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sim/core/kernel.h"
#include "tests/lib/calllog.h"

/* ------------------------------------------------------------ ordering */

static void test_time_order(void **state)
{
    struct sim_event *a = sim_event_new("a", rec, "a");
    struct sim_event *b = sim_event_new("b", rec, "b");
    struct sim_event *c = sim_event_new("c", rec, "c");

    (void)state;
    /* Notified at 30, 10, 20 ns: they must run at 10, 20, 30 ns, in that order. */
    sim_event_notify(a, 30 * SIM_NS);
    sim_event_notify(b, 10 * SIM_NS);
    sim_event_notify(c, 20 * SIM_NS);
    assert_int_equal(sim_run(SIM_TIME_MAX), 3);
    assert_int_equal(log_len, 3);
    assert_log(0, "b", 10000);
    assert_log(1, "c", 20000);
    assert_log(2, "a", 30000);
    /* With no limit the run ends when work runs out: at the last callback, 30 ns. */
    assert_int_equal(sim_now(), 30000);
    assert_false(sim_pending(NULL));
    sim_event_free(a);
    sim_event_free(b);
    sim_event_free(c);
}

static struct sim_event *ev_b;

/* At 5 ns: adds delay-0 work; it must run after everything already due at 5 ns. */
static void spawn_zero(void *arg)
{
    rec(arg);
    sim_schedule(0, rec, "z");
    sim_event_notify(ev_b, 0);
}

static void test_same_time_notification_order(void **state)
{
    struct sim_event *a = sim_event_new("A", rec, "A");

    (void)state;
    ev_b = sim_event_new("B", rec, "B");
    /*
     * All due at 5 ns, notified in the order s1, A, X, s2. X adds z (one-shot)
     * then B (event), both with delay 0, so they join the end of the 5 ns step in
     * that order: s1 A X s2 z B, all at 5000 ps.
     */
    sim_schedule(5 * SIM_NS, rec, "s1");
    sim_event_notify(a, 5 * SIM_NS);
    sim_schedule(5 * SIM_NS, spawn_zero, "X");
    sim_schedule(5 * SIM_NS, rec, "s2");
    assert_int_equal(sim_run(SIM_TIME_MAX), 6);
    assert_int_equal(log_len, 6);
    assert_log(0, "s1", 5000);
    assert_log(1, "A", 5000);
    assert_log(2, "X", 5000);
    assert_log(3, "s2", 5000);
    assert_log(4, "z", 5000);
    assert_log(5, "B", 5000);
    sim_event_free(a);
    sim_event_free(ev_b);
}

static int self_count;
static struct sim_event *self_ev;

/* Re-notifies itself with delay 0 twice: each time it goes behind "other". */
static void self_renotify(void *arg)
{
    rec(arg);
    if (++self_count < 3) {
        sim_event_notify(self_ev, 0);
        sim_schedule(0, rec, "other");
    }
}

static void test_zero_delay_self_renotify(void **state)
{
    (void)state;
    self_count = 0;
    self_ev = sim_event_new("self", self_renotify, "self");
    /*
     * At 1 ns the queue evolves as (front first):
     *   self#1 runs, queues self#2, o1        -> [self#2, o1]
     *   self#2 runs, queues self#3, o2        -> [o1, self#3, o2]
     *   o1, then self#3 (queues nothing), then o2.
     * Log: self self other self other, all at 1000 ps.
     */
    sim_event_notify(self_ev, SIM_NS);
    assert_int_equal(sim_run(SIM_TIME_MAX), 5);
    assert_int_equal(log_len, 5);
    assert_log(0, "self", 1000);
    assert_log(1, "self", 1000);
    assert_log(2, "other", 1000);
    assert_log(3, "self", 1000);
    assert_log(4, "other", 1000);
    sim_event_free(self_ev);
}

/* ------------------------------------------------------------ notify rules */

static void test_notify_keeps_earlier(void **state)
{
    struct sim_event *e = sim_event_new("e", rec, "e");
    sim_time_t next = 0;

    (void)state;
    /* 20 ns then 10 ns: the earlier (10 ns) wins; one firing only. */
    sim_event_notify(e, 20 * SIM_NS);
    sim_event_notify(e, 10 * SIM_NS);
    assert_true(sim_event_pending(e));
    assert_true(sim_pending(&next));
    assert_int_equal(next, 10000);
    assert_int_equal(sim_run(SIM_TIME_MAX), 1);
    assert_log(0, "e", 10000);
    assert_false(sim_event_pending(e));

    /* 10 ns then 30 ns from now (10 ns): the later request is ignored -> 20 ns. */
    sim_event_notify(e, 10 * SIM_NS);
    sim_event_notify(e, 30 * SIM_NS);
    assert_int_equal(sim_run(SIM_TIME_MAX), 1);
    assert_int_equal(log_len, 2);
    assert_log(1, "e", 20000);
    sim_event_free(e);
}

static void test_renotify_order_position(void **state)
{
    struct sim_event *e = sim_event_new("e", rec, "e");

    (void)state;
    /*
     * Moving a notification earlier is a new notification: e (20 ns), s (10 ns),
     * e again (10 ns) -> at 10 ns s was notified first, so s then e.
     */
    sim_event_notify(e, 20 * SIM_NS);
    sim_schedule(10 * SIM_NS, rec, "s");
    sim_event_notify(e, 10 * SIM_NS);
    assert_int_equal(sim_run(SIM_TIME_MAX), 2);
    assert_log(0, "s", 10000);
    assert_log(1, "e", 10000);

    /*
     * A repeated request for the same time changes nothing: e (10 ns), t (10 ns),
     * e (10 ns) -> e keeps its first place: e then t, at 20 ns.
     */
    calllog_clear();
    sim_event_notify(e, 10 * SIM_NS);
    sim_schedule(10 * SIM_NS, rec, "t");
    sim_event_notify(e, 10 * SIM_NS);
    assert_int_equal(sim_run(SIM_TIME_MAX), 2);
    assert_log(0, "e", 20000);
    assert_log(1, "t", 20000);
    sim_event_free(e);
}

static void test_cancel(void **state)
{
    struct sim_event *e = sim_event_new("e", rec, "e");

    (void)state;
    sim_event_notify(e, 10 * SIM_NS);
    sim_event_cancel(e);
    assert_false(sim_event_pending(e));
    assert_false(sim_pending(NULL));
    /* Nothing to do and no limit: no callback, and time does not move. */
    assert_int_equal(sim_run(SIM_TIME_MAX), 0);
    assert_int_equal(log_len, 0);
    assert_int_equal(sim_now(), 0);

    /* A cancelled event can be notified again; only the new time counts. */
    sim_event_notify(e, 10 * SIM_NS);
    sim_event_cancel(e);
    sim_event_notify(e, 25 * SIM_NS);
    assert_int_equal(sim_run(SIM_TIME_MAX), 1);
    assert_int_equal(log_len, 1);
    assert_log(0, "e", 25000);
    /* Cancelling an event that is not pending does nothing. */
    sim_event_cancel(e);
    assert_false(sim_event_pending(e));
    sim_event_free(e);
}

static void test_cancel_notify_churn(void **state)
{
    struct sim_event *e = sim_event_new("e", rec, "e");
    struct sim_event *f = sim_event_new("f", rec, "f");

    (void)state;
    /*
     * 5000 cancel + re-notify rounds leave thousands of dead heap entries behind
     * (enough to force the heap to compact). Only the last notification of each
     * event may fire: e at 5000 + 4999 = 9999 ns, f once at 3 ns.
     */
    sim_event_notify(f, 3 * SIM_NS);
    for (int i = 0; i < 5000; i++) {
        sim_event_cancel(e);
        sim_event_notify(e, (5000 + (sim_time_t)i) * SIM_NS);
    }
    assert_int_equal(sim_run(SIM_TIME_MAX), 2);
    assert_int_equal(log_len, 2);
    assert_log(0, "f", 3000);
    assert_log(1, "e", 9999000);
    assert_int_equal(sim_callbacks_run(), 2);
    sim_event_free(e);
    sim_event_free(f);
}

static void test_free_pending(void **state)
{
    struct sim_event *e = sim_event_new("e", rec, "e");

    (void)state;
    /* A freed event never fires, even with a stale entry of it in the queue. */
    sim_event_notify(e, 20 * SIM_NS);
    sim_event_notify(e, 10 * SIM_NS);
    sim_schedule(15 * SIM_NS, rec, "s");
    sim_event_free(e);
    assert_int_equal(sim_run(SIM_TIME_MAX), 1);
    assert_int_equal(log_len, 1);
    assert_log(0, "s", 15000);
}

static struct sim_event *doomed;

static void free_self(void *arg)
{
    rec(arg);
    sim_event_free(doomed);
}

static void test_free_from_own_callback(void **state)
{
    (void)state;
    doomed = sim_event_new("doomed", free_self, "d");
    sim_event_notify(doomed, SIM_NS);
    sim_schedule(2 * SIM_NS, rec, "after");
    assert_int_equal(sim_run(SIM_TIME_MAX), 2);
    assert_log(0, "d", 1000);
    assert_log(1, "after", 2000);
}

/* ------------------------------------------------------------ sim_run limits */

static void test_run_until(void **state)
{
    sim_time_t next = 0;

    (void)state;
    sim_schedule(10 * SIM_NS, rec, "10");
    sim_schedule(20 * SIM_NS, rec, "20");
    sim_schedule(30 * SIM_NS, rec, "30");
    /* The limit is inclusive: 10 and 20 ns run, 30 ns stays pending. */
    assert_int_equal(sim_run(20 * SIM_NS), 2);
    assert_int_equal(sim_now(), 20000);
    assert_true(sim_pending(&next));
    assert_int_equal(next, 30000);
    /* A limit in the past does nothing. */
    assert_int_equal(sim_run(5 * SIM_NS), 0);
    assert_int_equal(sim_now(), 20000);
    /* A finite limit with nothing due before it: time still advances to it. */
    assert_int_equal(sim_run(25 * SIM_NS), 0);
    assert_int_equal(sim_now(), 25000);
    assert_int_equal(log_len, 2);
    assert_int_equal(sim_run(SIM_TIME_MAX), 1);
    assert_log(2, "30", 30000);
    assert_int_equal(sim_now(), 30000);
}

static void test_run_until_now(void **state)
{
    (void)state;
    assert_int_equal(sim_run(SIM_NS), 0);
    assert_int_equal(sim_now(), 1000);
    /* Delay-0 work added between runs runs with until == now, at now. */
    sim_schedule(0, rec, "now");
    sim_schedule(1, rec, "later");
    assert_int_equal(sim_run(sim_now()), 1);
    assert_int_equal(log_len, 1);
    assert_log(0, "now", 1000);
    assert_int_equal(sim_run(SIM_TIME_MAX), 1);
    assert_log(1, "later", 1001);
}

/*
 * sim_run_ahead runs the same callbacks as sim_run would, in the same order, but
 * without SystemC: the work of 10 and 20 ns runs, 30 ns stays pending, time is the
 * limit; then to the end, where time is the last callback's (30 ns).
 */
static void test_run_ahead(void **state)
{
    sim_time_t next = 0;

    (void)state;
    sim_schedule(10 * SIM_NS, rec, "10");
    sim_schedule(20 * SIM_NS, rec, "20a");
    sim_schedule(20 * SIM_NS, rec, "20b");
    sim_schedule(30 * SIM_NS, rec, "30");
    assert_int_equal(sim_run_ahead(25 * SIM_NS), 3);
    assert_int_equal(sim_now(), 25000);
    assert_log(0, "10", 10000);
    assert_log(1, "20a", 20000);
    assert_log(2, "20b", 20000);
    assert_true(sim_pending(&next));
    assert_int_equal(next, 30000);
    assert_int_equal(sim_run_ahead(5 * SIM_NS), 0);     /* the past: nothing */
    assert_int_equal(sim_now(), 25000);
    assert_int_equal(sim_run_ahead(SIM_TIME_MAX), 1);
    assert_log(3, "30", 30000);
    assert_int_equal(sim_now(), 30000);
    assert_false(sim_pending(NULL));
    /* and sim_run goes on from there */
    sim_schedule(SIM_NS, rec, "31");
    assert_int_equal(sim_run(SIM_TIME_MAX), 1);
    assert_log(4, "31", 31000);
}

static void stop_rec(void *arg)
{
    rec(arg);
    sim_stop();
}

static void test_stop(void **state)
{
    sim_time_t next = 0;

    (void)state;
    /* First of three at 10 ns stops the run: one callback, time stays 10 ns. */
    sim_schedule(10 * SIM_NS, stop_rec, "stop");
    sim_schedule(10 * SIM_NS, rec, "b");
    sim_schedule(10 * SIM_NS, rec, "c");
    sim_schedule(20 * SIM_NS, rec, "d");
    assert_int_equal(sim_run(100 * SIM_NS), 1);
    assert_int_equal(sim_now(), 10000);
    assert_true(sim_pending(&next));
    assert_int_equal(next, 10000);
    /* Going on resumes in order within the same time step. */
    assert_int_equal(sim_run(SIM_TIME_MAX), 3);
    assert_int_equal(log_len, 4);
    assert_log(0, "stop", 10000);
    assert_log(1, "b", 10000);
    assert_log(2, "c", 10000);
    assert_log(3, "d", 20000);

    /* sim_stop outside sim_run is ignored: the next run goes to the end. */
    sim_stop();
    sim_schedule(SIM_NS, rec, "e");
    sim_schedule(2 * SIM_NS, rec, "f");
    assert_int_equal(sim_run(SIM_TIME_MAX), 2);
    assert_int_equal(sim_now(), 22000);
}

static void test_callbacks_run(void **state)
{
    struct sim_event *e = sim_event_new("e", rec, "e");

    (void)state;
    assert_int_equal(sim_callbacks_run(), 0);
    sim_schedule(SIM_NS, rec, "a");
    sim_event_notify(e, 2 * SIM_NS);
    assert_int_equal(sim_run(SIM_NS), 1);
    assert_int_equal(sim_callbacks_run(), 1);
    /* A cancelled event is not a callback. */
    sim_event_cancel(e);
    sim_schedule(SIM_NS, rec, "b");
    assert_int_equal(sim_run(SIM_TIME_MAX), 1);
    assert_int_equal(sim_callbacks_run(), 2);
    sim_event_free(e);
}

/* ------------------------------------------------------------ reset */

static void test_reset(void **state)
{
    struct sim_event *e = sim_event_new("e", rec, "e");
    sim_time_t next = 0;

    (void)state;
    sim_event_notify(e, 50 * SIM_NS);
    sim_schedule(10 * SIM_NS, rec, "a");
    sim_schedule(60 * SIM_NS, rec, "b");
    assert_int_equal(sim_run(20 * SIM_NS), 1);
    assert_int_equal(sim_now(), 20000);

    sim_reset();
    assert_int_equal(sim_now(), 0);
    assert_false(sim_pending(&next));
    assert_false(sim_event_pending(e));
    assert_int_equal(sim_callbacks_run(), 0);
    /* The event survives the reset and works from time 0 again. */
    calllog_clear();
    sim_event_notify(e, 7);
    assert_int_equal(sim_run(SIM_TIME_MAX), 1);
    assert_int_equal(log_len, 1);
    assert_log(0, "e", 7);

    /* Many fresh kernels in one process (sweeps do this). */
    for (int i = 0; i < 50; i++) {
        sim_reset();
        sim_event_notify(e, (sim_time_t)i + 1);
        assert_int_equal(sim_run(SIM_TIME_MAX), 1);
        assert_int_equal(sim_now(), (sim_time_t)i + 1);
    }
    sim_event_free(e);
}

/* ------------------------------------------------------------ misuse */

static void test_bad_arguments(void **state)
{
    char name[8] = "first";
    struct sim_event *e;

    (void)state;
    assert_null(sim_event_new("nofn", NULL, NULL));
    sim_event_notify(NULL, 1);
    sim_event_cancel(NULL);
    sim_event_free(NULL);
    assert_false(sim_event_pending(NULL));
    assert_string_equal(sim_event_name(NULL), "");
    sim_schedule(1, NULL, NULL);
    assert_false(sim_pending(NULL));

    /* The name is copied: changing the caller's buffer does not rename. */
    e = sim_event_new(name, rec, "e");
    assert_non_null(e);
    strcpy(name, "second");
    assert_string_equal(sim_event_name(e), "first");
    sim_event_free(e);
}

static void test_time_saturates(void **state)
{
    sim_time_t next = 0;

    (void)state;
    assert_int_equal(sim_run(SIM_NS), 0);
    /* now + delay would pass 2^64 - 1: the time saturates instead of wrapping. */
    sim_schedule(SIM_TIME_MAX, rec, "last");
    assert_true(sim_pending(&next));
    assert_int_equal(next, SIM_TIME_MAX);
    /* The end of time is still a time: the callback runs there. */
    assert_int_equal(sim_run(SIM_TIME_MAX), 1);
    assert_log(0, "last", SIM_TIME_MAX);
    assert_int_equal(sim_now(), SIM_TIME_MAX);
}

/* ------------------------------------------------------------ clocks */

static void test_clock_200mhz(void **state)
{
    struct sim_clock clk;

    (void)state;
    assert_int_equal(sim_clock_init(&clk, "smi", 200000000), 0);
    assert_string_equal(clk.name, "smi");
    /* 10^12 / (2 * 10^8) = 5000 ps exactly. */
    assert_int_equal(sim_clock_cycles(&clk, 0), 0);
    assert_int_equal(sim_clock_cycles(&clk, 1), 5000);
    assert_int_equal(sim_clock_cycles(&clk, 3), 15000);
    assert_int_equal(sim_clock_to_cycles(&clk, 4999), 0);
    assert_int_equal(sim_clock_to_cycles(&clk, 5000), 1);
    assert_int_equal(sim_clock_to_cycles(&clk, 14999), 2);
    assert_int_equal(sim_clock_next_edge(&clk, 0), 0);
    assert_int_equal(sim_clock_next_edge(&clk, 1), 5000);
    assert_int_equal(sim_clock_next_edge(&clk, 5000), 5000);
    assert_int_equal(sim_clock_next_edge(&clk, 5001), 10000);
}

static void test_clock_228mhz(void **state)
{
    struct sim_clock clk;

    (void)state;
    assert_int_equal(sim_clock_init(&clk, "mm", 228570000), 0);
    /*
     * 228570000 * 4375 = 999993750000, so 10^12 / 228570000 = 4375 + 6250000 /
     * 228570000 = 4375.027344 ps (remainder r = 6250000 per cycle).
     * Edge 1: ceil(4375.027) = 4376.
     * Edge 2: 8750 + 2r / 228570000 = 8750.0547 -> 8751.
     * Edge 60952: 60952 * 4375 = 266665000, plus 60952 * 6250000 / 228570000 =
     *   1666.67 -> ceil(266666666.67) = 266666667.
     * Edge 228570000: exactly 10^12 ps (1 s), no rounding.
     */
    assert_int_equal(sim_clock_cycles(&clk, 1), 4376);
    assert_int_equal(sim_clock_cycles(&clk, 2), 8751);
    assert_int_equal(sim_clock_cycles(&clk, 228570000), SIM_S);
    assert_int_equal(sim_clock_cycles(&clk, 60952), 266666667);
    /* Edges at or before t: edge 1 is at 4376, edge 2 at 8751. */
    assert_int_equal(sim_clock_to_cycles(&clk, 4375), 0);
    assert_int_equal(sim_clock_to_cycles(&clk, 4376), 1);
    assert_int_equal(sim_clock_to_cycles(&clk, 8750), 1);
    assert_int_equal(sim_clock_to_cycles(&clk, 8751), 2);
    assert_int_equal(sim_clock_to_cycles(&clk, SIM_S), 228570000);
    assert_int_equal(sim_clock_next_edge(&clk, 1), 4376);
    assert_int_equal(sim_clock_next_edge(&clk, 4376), 4376);
    assert_int_equal(sim_clock_next_edge(&clk, 4377), 8751);
    assert_int_equal(sim_clock_next_edge(&clk, SIM_S), SIM_S);
}

static void test_clock_relations(void **state)
{
    struct sim_clock clk;
    sim_time_t prev;

    (void)state;
    assert_int_equal(sim_clock_init(&clk, "mm", 228570000), 0);
    /*
     * The period is 4375.027 ps, so consecutive ceilings differ by 4375 or 4376,
     * and to_cycles/next_edge invert cycles: edge to_cycles(t) is at or before t
     * and the next edge is after t; next_edge(t) is an edge and no earlier than t.
     */
    prev = 0;
    for (uint64_t c = 1; c <= 20000; c++) {
        sim_time_t t = sim_clock_cycles(&clk, c);
        assert_true(t - prev == 4375 || t - prev == 4376);
        assert_int_equal(sim_clock_to_cycles(&clk, t), c);
        assert_int_equal(sim_clock_to_cycles(&clk, t - 1), c - 1);
        assert_int_equal(sim_clock_next_edge(&clk, t), t);
        assert_int_equal(sim_clock_next_edge(&clk, prev + 1), t);
        prev = t;
    }
    /* Edge 20000: 87500000 + 20000 * 6250000 / 228570000 = 87500546.88 -> 87500547. */
    assert_int_equal(prev, 87500547);
}

static void test_clock_limits(void **state)
{
    struct sim_clock clk;

    (void)state;
    assert_int_equal(sim_clock_init(&clk, "zero", 0), -EINVAL);
    assert_int_equal(sim_clock_init(&clk, "too fast", 1000000000001ULL), -EINVAL);
    assert_int_equal(sim_clock_init(NULL, "null", 1000), -EINVAL);
    /* A clock that failed to initialise never ticks rather than dividing by 0. */
    assert_int_equal(sim_clock_cycles(&clk, 1), SIM_TIME_MAX);
    assert_int_equal(sim_clock_to_cycles(&clk, SIM_S), 0);
    assert_int_equal(sim_clock_next_edge(&clk, 1), SIM_TIME_MAX);
    /* 1 THz is the fastest clock with distinct 1 ps edges: edge k at k ps. */
    assert_int_equal(sim_clock_init(&clk, "1THz", 1000000000000ULL), 0);
    assert_int_equal(sim_clock_cycles(&clk, 12345), 12345);
    /* 1 Hz: edge k at k * 10^12 ps; beyond 2^64 - 1 ps it saturates. */
    assert_int_equal(sim_clock_init(&clk, "1Hz", 1), 0);
    assert_int_equal(sim_clock_cycles(&clk, 18000000), 18000000 * SIM_S);
    assert_int_equal(sim_clock_cycles(&clk, 18446745), SIM_TIME_MAX);
    assert_int_equal(sim_clock_to_cycles(&clk, SIM_TIME_MAX), 18446744);
}

/*
 * The quantum changes only how often SystemC's scheduler runs, never what runs
 * when: a self-feeding workload of one-shots and events with pseudo-random delays
 * (a fixed LCG) must give the same (tag, time) sequence for every quantum.
 */
#define Q_STEPS 3000
static uint32_t q_lcg;
static sim_time_t q_trace[Q_STEPS];
static int q_len;
static struct sim_event *q_event;

static sim_time_t q_delay(void)
{
    q_lcg = q_lcg * 1664525u + 1013904223u;
    return (sim_time_t)(q_lcg >> 20) * 97;     /* 0 .. ~400 ns, many ties at 0 */
}

static void q_step(void *arg)
{
    if (q_len >= Q_STEPS)
        return;
    q_trace[q_len++] = sim_now() * 4 + (sim_time_t)(uintptr_t)arg;
    sim_schedule(q_delay(), q_step, (void *)(uintptr_t)1);
    if (q_len % 3 == 0)
        sim_event_notify(q_event, q_delay());
    if (q_len % 7 == 0)
        sim_schedule(0, q_step, (void *)(uintptr_t)2);
}

static void q_run(sim_time_t quantum, sim_time_t *out)
{
    sim_reset();
    sim_set_quantum(quantum);
    q_lcg = 12345;
    q_len = 0;
    q_event = sim_event_new("q", q_step, (void *)(uintptr_t)3);
    sim_schedule(0, q_step, (void *)(uintptr_t)0);
    sim_run(SIM_TIME_MAX);
    sim_event_free(q_event);
    assert_int_equal(q_len, Q_STEPS);
    for (int i = 0; i < Q_STEPS; i++)
        out[i] = q_trace[i];
}

static void test_quantum_does_not_change_results(void **state)
{
    static sim_time_t base[Q_STEPS], other[Q_STEPS];
    static const sim_time_t quanta[] = { 1 * SIM_NS, SIM_QUANTUM_DEFAULT, 1 * SIM_MS };

    (void)state;
    q_run(0, base);
    for (unsigned q = 0; q < sizeof(quanta) / sizeof(quanta[0]); q++) {
        q_run(quanta[q], other);
        assert_memory_equal(base, other, sizeof(base));
    }
    sim_set_quantum(SIM_QUANTUM_DEFAULT);
}

static void test_quantum_respects_until(void **state)
{
    (void)state;
    sim_set_quantum(1 * SIM_MS);
    sim_schedule(10 * SIM_NS, rec, "a");
    sim_schedule(30 * SIM_NS, rec, "b");
    /* a runs, b (30 ns) is past the limit (20 ns) even though it is inside the quantum */
    assert_int_equal(sim_run(20 * SIM_NS), 1);
    assert_int_equal(sim_now(), 20 * SIM_NS);
    assert_log(0, "a", 10 * SIM_NS);
    assert_int_equal(sim_run(SIM_TIME_MAX), 1);
    assert_log(1, "b", 30 * SIM_NS);
    assert_int_equal(sim_now(), 30 * SIM_NS);
    sim_set_quantum(SIM_QUANTUM_DEFAULT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_time_order, reset_kernel),
        cmocka_unit_test_setup(test_same_time_notification_order, reset_kernel),
        cmocka_unit_test_setup(test_zero_delay_self_renotify, reset_kernel),
        cmocka_unit_test_setup(test_notify_keeps_earlier, reset_kernel),
        cmocka_unit_test_setup(test_quantum_does_not_change_results, reset_kernel),
        cmocka_unit_test_setup(test_quantum_respects_until, reset_kernel),
        cmocka_unit_test_setup(test_renotify_order_position, reset_kernel),
        cmocka_unit_test_setup(test_cancel, reset_kernel),
        cmocka_unit_test_setup(test_cancel_notify_churn, reset_kernel),
        cmocka_unit_test_setup(test_free_pending, reset_kernel),
        cmocka_unit_test_setup(test_free_from_own_callback, reset_kernel),
        cmocka_unit_test_setup(test_run_until, reset_kernel),
        cmocka_unit_test_setup(test_run_until_now, reset_kernel),
        cmocka_unit_test_setup(test_stop, reset_kernel),
        cmocka_unit_test_setup(test_run_ahead, reset_kernel),
        cmocka_unit_test_setup(test_callbacks_run, reset_kernel),
        cmocka_unit_test_setup(test_reset, reset_kernel),
        cmocka_unit_test_setup(test_bad_arguments, reset_kernel),
        cmocka_unit_test_setup(test_time_saturates, reset_kernel),
        cmocka_unit_test(test_clock_200mhz),
        cmocka_unit_test(test_clock_228mhz),
        cmocka_unit_test(test_clock_relations),
        cmocka_unit_test(test_clock_limits),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
