/*
 * test_kernel_lane.c - the kernel's lanes (sim/core/kernel.h) against their rule:
 * sim_lane_schedule(q, delay, arg) runs q's function on arg exactly when, and in
 * exactly the place among everything due then, that sim_schedule(delay, fn, arg)
 * would. The expectations are the (time, order of scheduling) order worked out by
 * hand, or the order that plain sim_schedule gives for the same workload.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sim/core/kernel.h"
#include "tests/lib/calllog.h"

/*
 * In time order, and at equal times in the order of scheduling, whether a callback
 * came after the lane's last (l2, l3), between two of its callbacks (l4) or before
 * its first (l5, which leaves the entry of l1 behind in the queue: l1 must still
 * run once).
 */
static void test_lane_runs_in_schedule_order(void **state)
{
    struct sim_lane *q = sim_lane_new("lane", rec);

    (void)state;
    assert_non_null(q);
    sim_lane_schedule(q, 10 * SIM_NS, "l1");
    sim_schedule(10 * SIM_NS, rec, "s1");
    sim_lane_schedule(q, 10 * SIM_NS, "l2");
    sim_lane_schedule(q, 30 * SIM_NS, "l3");
    sim_lane_schedule(q, 20 * SIM_NS, "l4");
    sim_lane_schedule(q, 5 * SIM_NS, "l5");
    sim_schedule(20 * SIM_NS, rec, "s2");
    assert_int_equal(sim_lane_pending(q), 5);
    assert_int_equal(sim_run(SIM_TIME_MAX), 7);
    assert_int_equal(log_len, 7);
    assert_log(0, "l5", 5000);
    assert_log(1, "l1", 10000);
    assert_log(2, "s1", 10000);
    assert_log(3, "l2", 10000);
    assert_log(4, "l4", 20000);
    assert_log(5, "s2", 20000);
    assert_log(6, "l3", 30000);
    assert_int_equal(sim_lane_pending(q), 0);
    assert_false(sim_pending(NULL));
    sim_lane_free(q);
}

/* A lane's callback that schedules more: delay 0 goes after what is already due. */
static struct sim_lane *chain_lane;

static void chain(void *arg)
{
    rec(arg);
    if (!strcmp(arg, "a"))
        sim_lane_schedule(chain_lane, 0, "a0");
    if (!strcmp(arg, "a0"))
        sim_lane_schedule(chain_lane, 5 * SIM_NS, "a5");
}

static void test_lane_callback_schedules_on_its_lane(void **state)
{
    (void)state;
    chain_lane = sim_lane_new(NULL, chain);
    sim_lane_schedule(chain_lane, 10 * SIM_NS, "a");
    sim_schedule(10 * SIM_NS, rec, "s");
    sim_lane_schedule(chain_lane, 12 * SIM_NS, "b");
    /* a@10, s@10, a0@10 (scheduled at 10 by a), b@12, a5@15 */
    assert_int_equal(sim_run(SIM_TIME_MAX), 5);
    assert_log(0, "a", 10000);
    assert_log(1, "s", 10000);
    assert_log(2, "a0", 10000);
    assert_log(3, "b", 12000);
    assert_log(4, "a5", 15000);
    sim_lane_free(chain_lane);
}

/* Freeing a lane drops what it holds, the overtaken first's leftover entry too. */
static void test_lane_free_drops_its_callbacks(void **state)
{
    struct sim_lane *q = sim_lane_new("lane", rec);

    (void)state;
    sim_lane_schedule(q, 10 * SIM_NS, "l10");
    sim_lane_schedule(q, 5 * SIM_NS, "l5");
    sim_schedule(7 * SIM_NS, rec, "s7");
    sim_lane_free(q);
    assert_int_equal(sim_run(SIM_TIME_MAX), 1);
    assert_int_equal(log_len, 1);
    assert_log(0, "s7", 7000);
    assert_false(sim_pending(NULL));
}

static struct sim_lane *self_lane;

static void free_own_lane(void *arg)
{
    rec(arg);
    sim_lane_free(self_lane);
    self_lane = NULL;
}

static void test_lane_free_from_own_callback(void **state)
{
    (void)state;
    self_lane = sim_lane_new("self", free_own_lane);
    sim_lane_schedule(self_lane, 10 * SIM_NS, "first");
    sim_lane_schedule(self_lane, 20 * SIM_NS, "dropped");
    sim_schedule(30 * SIM_NS, rec, "s30");
    assert_int_equal(sim_run(SIM_TIME_MAX), 2);
    assert_int_equal(log_len, 2);
    assert_log(0, "first", 10000);
    assert_log(1, "s30", 30000);
}

static void test_lane_reset_empties_it(void **state)
{
    struct sim_lane *q = sim_lane_new("lane", rec);

    (void)state;
    sim_lane_schedule(q, 10 * SIM_NS, "gone1");
    sim_lane_schedule(q, 20 * SIM_NS, "gone2");
    sim_reset();
    assert_int_equal(sim_lane_pending(q), 0);
    assert_false(sim_pending(NULL));
    sim_lane_schedule(q, 3 * SIM_NS, "after");
    assert_int_equal(sim_run(SIM_TIME_MAX), 1);
    assert_int_equal(log_len, 1);
    assert_log(0, "after", 3000);
    sim_lane_free(q);
}

/*
 * Callback v runs at v ns and must be the v-th to run: the lane's ring wraps
 * (5 run before more come), grows past its first size, and takes a callback
 * (10) in the middle of a wrapped ring.
 */
static int next_value;

static void in_sequence(void *arg)
{
    int v = (int)(intptr_t)arg;

    assert_int_equal(v, next_value);
    assert_int_equal(sim_now(), (sim_time_t)v * SIM_NS);
    next_value++;
}

static void schedule_value(struct sim_lane *q, int v)
{
    sim_lane_schedule(q, (sim_time_t)v * SIM_NS - sim_now(), (void *)(intptr_t)v);
}

static void test_lane_ring_wraps_and_grows(void **state)
{
    struct sim_lane *q = sim_lane_new("ring", in_sequence);

    (void)state;
    next_value = 0;
    for (int v = 0; v < 10; v++)
        schedule_value(q, v);
    assert_int_equal(sim_run(4 * SIM_NS), 5);
    assert_int_equal(next_value, 5);
    for (int v = 11; v < 50; v++)
        schedule_value(q, v);
    schedule_value(q, 10);
    assert_int_equal(sim_lane_pending(q), 45);
    assert_int_equal(sim_run(SIM_TIME_MAX), 45);
    assert_int_equal(next_value, 50);
    sim_lane_free(q);
}

/*
 * Each callback scheduled before the lane's first leaves an entry behind; 3000
 * of them pass the kernel's threshold for rebuilding its queue, which must keep
 * the live ones: all 3000 run, once each, in time order.
 */
static void test_lane_many_overtakes(void **state)
{
    struct sim_lane *q = sim_lane_new("back", in_sequence);

    (void)state;
    next_value = 0;
    for (int v = 2999; v >= 0; v--)
        schedule_value(q, v);
    assert_int_equal(sim_run(SIM_TIME_MAX), 3000);
    assert_int_equal(next_value, 3000);
    assert_false(sim_pending(NULL));
    sim_lane_free(q);
}

/*
 * The same self-feeding workload (pseudo-random delays from a fixed LCG, many
 * ties, callbacks that schedule more) run twice: once with every callback through
 * sim_schedule, once with two of its three kinds through two lanes. The (kind,
 * time) sequence must be the same.
 */
#define W_STEPS 4000
static uint32_t w_lcg;
static sim_time_t w_trace[W_STEPS];
static int w_len;
static bool w_use_lanes;
static struct sim_lane *w_lane[3];

static sim_time_t w_delay(void)
{
    w_lcg = w_lcg * 1664525u + 1013904223u;
    return (sim_time_t)(w_lcg >> 21) * 89;     /* 0 .. ~180 ns */
}

static void w_step(void *arg);

static void w_send(unsigned kind, sim_time_t delay)
{
    if (w_use_lanes && w_lane[kind])
        sim_lane_schedule(w_lane[kind], delay, (void *)(uintptr_t)kind);
    else
        sim_schedule(delay, w_step, (void *)(uintptr_t)kind);
}

static void w_step(void *arg)
{
    unsigned kind = (unsigned)(uintptr_t)arg;

    if (w_len >= W_STEPS)
        return;
    w_trace[w_len++] = sim_now() * 4 + kind;
    w_send((unsigned)w_len % 3, w_delay());
    if (w_len % 4 == 0)
        w_send(1, 0);
    if (w_len % 5 == 0)
        w_send(2, w_delay() / 8);
}

static void w_run(bool lanes, sim_time_t *out)
{
    sim_reset();
    w_lcg = 4242;
    w_len = 0;
    w_use_lanes = lanes;
    w_lane[0] = NULL;
    w_lane[1] = sim_lane_new("w1", w_step);
    w_lane[2] = sim_lane_new("w2", w_step);
    w_send(0, 0);
    w_send(1, 0);
    sim_run(SIM_TIME_MAX);
    sim_lane_free(w_lane[1]);
    sim_lane_free(w_lane[2]);
    assert_int_equal(w_len, W_STEPS);
    memcpy(out, w_trace, sizeof(w_trace));
}

static void test_lane_same_order_as_schedule(void **state)
{
    static sim_time_t plain[W_STEPS], lanes[W_STEPS];

    (void)state;
    w_run(false, plain);
    w_run(true, lanes);
    assert_memory_equal(plain, lanes, sizeof(plain));
}

static void test_lane_bad_arguments(void **state)
{
    (void)state;
    assert_null(sim_lane_new("no function", NULL));
    sim_lane_schedule(NULL, 0, "x");
    sim_lane_free(NULL);
    assert_int_equal(sim_lane_pending(NULL), 0);
    assert_false(sim_pending(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_lane_runs_in_schedule_order, reset_kernel),
        cmocka_unit_test_setup(test_lane_callback_schedules_on_its_lane, reset_kernel),
        cmocka_unit_test_setup(test_lane_free_drops_its_callbacks, reset_kernel),
        cmocka_unit_test_setup(test_lane_free_from_own_callback, reset_kernel),
        cmocka_unit_test_setup(test_lane_reset_empties_it, reset_kernel),
        cmocka_unit_test_setup(test_lane_ring_wraps_and_grows, reset_kernel),
        cmocka_unit_test_setup(test_lane_many_overtakes, reset_kernel),
        cmocka_unit_test_setup(test_lane_same_order_as_schedule, reset_kernel),
        cmocka_unit_test_setup(test_lane_bad_arguments, reset_kernel),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
