/*
 * test_dram.c - DRAM timing against times worked out by hand from the rules in
 * dram.h: start = max(arrival, busy_until), transfer = ceil(bytes / width) channel
 * cycles, done = start + transfer + latency, interleaved channels, split requests.
 * Requests are tests/lib/mem_fake.h's probes: each records its completion.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "models/dram.h"
#include "sim/core/kernel.h"
#include "tests/lib/mem_fake.h"

static int reset_kernel(void **state)
{
    (void)state;
    sim_reset();
    return 0;
}

/* 1 channel, 8 bytes at 500 MHz (2 ns per cycle), 40 ns latency. */
static const struct dram_config cfg_500 = {
    .channels = 1, .interleave_bytes = 256, .clock_hz = 500000000,
    .width_bytes = 8, .latency = 40 * SIM_NS,
};

/* 2 channels interleaved every 256 bytes, otherwise as cfg_500. */
static const struct dram_config cfg_500x2 = {
    .channels = 2, .interleave_bytes = 256, .clock_hz = 500000000,
    .width_bytes = 8, .latency = 40 * SIM_NS,
};

static void test_single_read(void **state)
{
    struct dram *d = dram_new(&cfg_500);
    struct mem_port port = dram_port(d);
    struct probe_req a;

    (void)state;
    assert_non_null(d);
    probe_init(&a, 0x1000, 64, 0);
    mem_request(&port, &a.req);
    /* The one completion is the only kernel work. */
    assert_int_equal(sim_run(SIM_TIME_MAX), 1);
    /* 64 / 8 = 8 cycles of 2 ns = 16 ns; + 40 ns latency = 56 ns. */
    probe_assert_done(&a, 56 * SIM_NS, MEM_OK);
    assert_int_equal(dram_channel_stats(d, 0)->requests, 1);
    assert_int_equal(dram_channel_stats(d, 0)->bytes, 64);
    assert_int_equal(dram_channel_stats(d, 0)->busy, 16 * SIM_NS);
    assert_int_equal(dram_channel_stats(d, 0)->queue_delay, 0);
    dram_free(d);
}

static void test_back_to_back_queues(void **state)
{
    struct dram *d = dram_new(&cfg_500);
    struct mem_port port = dram_port(d);
    struct probe_req a, b;

    (void)state;
    probe_init(&a, 0x1000, 64, 0);
    probe_init(&b, 0x1040, 64, 0);
    mem_request(&port, &a.req);
    mem_request(&port, &b.req);
    sim_run(SIM_TIME_MAX);
    /* a: 0 + 16 + 40 = 56 ns. */
    probe_assert_done(&a, 56 * SIM_NS, MEM_OK);
    /* b waits for a's transfer: starts at 16 ns, 16 + 16 + 40 = 72 ns. */
    probe_assert_done(&b, 72 * SIM_NS, MEM_OK);
    /* Two transfers of 16 ns; b waited 16 ns. */
    assert_int_equal(dram_channel_stats(d, 0)->requests, 2);
    assert_int_equal(dram_channel_stats(d, 0)->bytes, 128);
    assert_int_equal(dram_channel_stats(d, 0)->busy, 32 * SIM_NS);
    assert_int_equal(dram_channel_stats(d, 0)->queue_delay, 16 * SIM_NS);
    dram_free(d);
}

static void test_future_arrival_and_idle_gap(void **state)
{
    struct dram *d = dram_new(&cfg_500);
    struct mem_port port = dram_port(d);
    struct probe_req a, b;

    (void)state;
    /* Issued at 0 but arriving at 100 ns: 100 + 16 + 40 = 156 ns. */
    probe_init(&a, 0, 64, 100 * SIM_NS);
    /* Arrives at 200 ns, after a's transfer ended (116 ns): no wait, 256 ns. */
    probe_init(&b, 64, 64, 200 * SIM_NS);
    mem_request(&port, &a.req);
    mem_request(&port, &b.req);
    sim_run(SIM_TIME_MAX);
    probe_assert_done(&a, 156 * SIM_NS, MEM_OK);
    probe_assert_done(&b, 256 * SIM_NS, MEM_OK);
    assert_int_equal(dram_channel_stats(d, 0)->queue_delay, 0);
    dram_free(d);
}

static void test_two_channels_overlap(void **state)
{
    struct dram *d = dram_new(&cfg_500x2);
    struct mem_port port = dram_port(d);
    struct probe_req a, b, c;

    (void)state;
    /* channel = (pa / 256) % 2: 0 -> ch0, 256 -> ch1, 512 -> ch0. */
    probe_init(&a, 0, 64, 0);
    probe_init(&b, 256, 64, 0);
    probe_init(&c, 512, 64, 0);
    mem_request(&port, &a.req);
    mem_request(&port, &b.req);
    mem_request(&port, &c.req);
    sim_run(SIM_TIME_MAX);
    /* a and b on different channels both take 16 + 40 = 56 ns. */
    probe_assert_done(&a, 56 * SIM_NS, MEM_OK);
    probe_assert_done(&b, 56 * SIM_NS, MEM_OK);
    /* c queues behind a on ch0: 16 + 16 + 40 = 72 ns. */
    probe_assert_done(&c, 72 * SIM_NS, MEM_OK);
    assert_int_equal(dram_channel_stats(d, 0)->requests, 2);
    assert_int_equal(dram_channel_stats(d, 0)->queue_delay, 16 * SIM_NS);
    assert_int_equal(dram_channel_stats(d, 1)->requests, 1);
    assert_int_equal(dram_channel_stats(d, 1)->queue_delay, 0);
    dram_free(d);
}

static void test_split_at_interleave_boundary(void **state)
{
    struct dram *d = dram_new(&cfg_500x2);
    struct mem_port port = dram_port(d);
    struct probe_req busy, s;

    (void)state;
    /* Keeps ch1 busy until 16 ns. */
    probe_init(&busy, 256, 64, 0);
    /*
     * 64 bytes at 224: [224, 256) = 32 bytes on ch0, [256, 288) = 32 bytes on ch1.
     * ch0 part: 4 cycles = 8 ns from 0, done 8 + 40 = 48 ns.
     * ch1 part: starts at 16 ns, 16 + 8 + 40 = 64 ns. The request ends with its
     * last part: 64 ns.
     */
    probe_init(&s, 224, 64, 0);
    mem_request(&port, &busy.req);
    mem_request(&port, &s.req);
    sim_run(SIM_TIME_MAX);
    probe_assert_done(&busy, 56 * SIM_NS, MEM_OK);
    probe_assert_done(&s, 64 * SIM_NS, MEM_OK);
    /* Each part counts as a request on its channel. */
    assert_int_equal(dram_channel_stats(d, 0)->requests, 1);
    assert_int_equal(dram_channel_stats(d, 0)->bytes, 32);
    assert_int_equal(dram_channel_stats(d, 0)->busy, 8 * SIM_NS);
    assert_int_equal(dram_channel_stats(d, 1)->requests, 2);
    assert_int_equal(dram_channel_stats(d, 1)->bytes, 96);
    assert_int_equal(dram_channel_stats(d, 1)->busy, 24 * SIM_NS);
    assert_int_equal(dram_channel_stats(d, 1)->queue_delay, 16 * SIM_NS);
    dram_free(d);
}

static void test_split_ends_with_latest_part_not_last(void **state)
{
    struct dram *d = dram_new(&cfg_500x2);
    struct mem_port port = dram_port(d);
    struct probe_req busy, s;

    (void)state;
    /* Keeps ch0 busy until 16 ns this time. */
    probe_init(&busy, 0, 64, 0);
    /*
     * 64 bytes at 224 again: the first part, on ch0, starts at 16 ns and is done at
     * 16 + 8 + 40 = 64 ns; the second, on idle ch1, at 8 + 40 = 48 ns. The request
     * ends with the later of the two, 64 ns, though it is not the last in address.
     */
    probe_init(&s, 224, 64, 0);
    mem_request(&port, &busy.req);
    mem_request(&port, &s.req);
    sim_run(SIM_TIME_MAX);
    probe_assert_done(&s, 64 * SIM_NS, MEM_OK);
    assert_int_equal(dram_channel_stats(d, 0)->queue_delay, 16 * SIM_NS);
    assert_int_equal(dram_channel_stats(d, 1)->queue_delay, 0);
    dram_free(d);
}

static void test_split_on_one_channel_rounds_each_part(void **state)
{
    struct dram_config cfg = cfg_500;
    struct dram *d;
    struct mem_port port;
    struct probe_req s, w;

    (void)state;
    cfg.interleave_bytes = 64;
    d = dram_new(&cfg);
    port = dram_port(d);
    /*
     * 8 bytes at 60 cross the 64-byte boundary: parts [60, 64) and [64, 68), both
     * on the only channel, one cycle (2 ns) each, one after the other: the last
     * ends its transfer at 4 ns, done 4 + 40 = 44 ns (unsplit it would be 42 ns).
     */
    probe_init(&s, 60, 8, 0);
    /*
     * 200 bytes at 32: parts 32, 64, 64, 40 bytes = 4 + 8 + 8 + 5 cycles = 25
     * cycles after s's 2: transfer ends at 27 cycles = 54 ns, done 94 ns.
     */
    probe_init(&w, 32, 200, 0);
    mem_request(&port, &s.req);
    mem_request(&port, &w.req);
    sim_run(SIM_TIME_MAX);
    probe_assert_done(&s, 44 * SIM_NS, MEM_OK);
    probe_assert_done(&w, 94 * SIM_NS, MEM_OK);
    assert_int_equal(dram_channel_stats(d, 0)->requests, 6);
    assert_int_equal(dram_channel_stats(d, 0)->bytes, 208);
    assert_int_equal(dram_channel_stats(d, 0)->busy, 54 * SIM_NS);
    dram_free(d);
}

static void test_non_integer_period_533mhz(void **state)
{
    /* The default DDR: 8 bytes at 533 MHz. */
    struct dram_config cfg = {
        .channels = 2, .interleave_bytes = 1024, .clock_hz = 533000000,
        .width_bytes = 8, .latency = 50 * SIM_NS,
    };
    struct dram *d = dram_new(&cfg);
    struct mem_port port = dram_port(d);
    struct probe_req a, b, c;

    (void)state;
    assert_non_null(d);
    /*
     * 64 bytes = 8 cycles = ceil(8 * 10^12 / 533e6) ps = ceil(15009.38) = 15010 ps:
     * done at 15010 + 50000 = 65010 ps.
     */
    probe_init(&a, 0, 64, 0);
    /* Behind a on ch0: starts at 15010, done 15010 + 15010 + 50000 = 80020 ps. */
    probe_init(&b, 64, 64, 0);
    /* 24 bytes on ch1 (pa 1024): 3 cycles = ceil(5628.52) = 5629, done 55629 ps. */
    probe_init(&c, 1024, 24, 0);
    mem_request(&port, &a.req);
    mem_request(&port, &b.req);
    mem_request(&port, &c.req);
    sim_run(SIM_TIME_MAX);
    probe_assert_done(&a, 65010, MEM_OK);
    probe_assert_done(&b, 80020, MEM_OK);
    probe_assert_done(&c, 55629, MEM_OK);
    assert_int_equal(dram_channel_stats(d, 0)->busy, 30020);
    assert_int_equal(dram_channel_stats(d, 1)->busy, 5629);
    dram_free(d);
}

static void test_three_channels_interleave(void **state)
{
    struct dram_config cfg = cfg_500;
    struct dram *d;
    struct mem_port port;
    struct probe_req r[4];
    unsigned i;

    (void)state;
    cfg.channels = 3;
    cfg.interleave_bytes = 128;
    d = dram_new(&cfg);
    assert_non_null(d);
    port = dram_port(d);
    /* Blocks 0, 1, 2, 3 of 128 bytes go to channels 0, 1, 2, 0. */
    for (i = 0; i < 4; i++) {
        probe_init(&r[i], i * 128, 64, 0);
        mem_request(&port, &r[i].req);
    }
    sim_run(SIM_TIME_MAX);
    probe_assert_done(&r[0], 56 * SIM_NS, MEM_OK);
    probe_assert_done(&r[1], 56 * SIM_NS, MEM_OK);
    probe_assert_done(&r[2], 56 * SIM_NS, MEM_OK);
    probe_assert_done(&r[3], 72 * SIM_NS, MEM_OK);   /* behind r[0] on ch0 */
    assert_int_equal(dram_channel_stats(d, 0)->requests, 2);
    assert_int_equal(dram_channel_stats(d, 1)->requests, 1);
    assert_int_equal(dram_channel_stats(d, 2)->requests, 1);
    assert_null(dram_channel_stats(d, 3));
    dram_free(d);
}

/* Issues, at 10 ns, a request that claims to have arrived 5 ns earlier. */
struct late_ctx {
    struct mem_port port;
    struct probe_req p;
};

static void late_issue(void *arg)
{
    struct late_ctx *c = arg;

    c->p.req.at = sim_now() - 5 * SIM_NS;
    mem_request(&c->port, &c->p.req);
}

static void test_bad_requests_get_slave_error(void **state)
{
    struct dram *d = dram_new(&cfg_500);
    struct late_ctx late;
    struct probe_req z;

    (void)state;
    late.port = dram_port(d);
    /* No bytes, arriving at 30 ns: error at its arrival. */
    probe_init(&z, 0, 0, 30 * SIM_NS);
    mem_request(&late.port, &z.req);
    /* Issued at 10 ns with an arrival of 5 ns: error at once, at 10 ns. */
    probe_init(&late.p, 0, 64, 0);
    sim_schedule(10 * SIM_NS, late_issue, &late);
    sim_run(SIM_TIME_MAX);
    probe_assert_done(&z, 30 * SIM_NS, MEM_ERROR);
    probe_assert_done(&late.p, 10 * SIM_NS, MEM_ERROR);
    /* Neither touched the channel. */
    assert_int_equal(dram_channel_stats(d, 0)->requests, 0);
    assert_int_equal(dram_channel_stats(d, 0)->busy, 0);
    dram_free(d);
}

static void expect_bad(const struct dram_config *cfg, const char *field)
{
    char err[160] = "";

    assert_int_equal(dram_config_check(cfg, err, sizeof(err)), -EINVAL);
    assert_non_null(strstr(err, field));
    assert_null(dram_new(cfg));
}

static void test_config_check(void **state)
{
    struct dram_config c;
    char err[160] = "unchanged";

    (void)state;
    assert_int_equal(dram_config_check(&cfg_500, err, sizeof(err)), 0);
    expect_bad(NULL, "configuration");

    c = cfg_500; c.channels = 0; expect_bad(&c, "channels");
    c = cfg_500; c.channels = 9; expect_bad(&c, "channels");
    c = cfg_500; c.channels = 8;
    assert_int_equal(dram_config_check(&c, NULL, 0), 0);
    c = cfg_500; c.interleave_bytes = 32; expect_bad(&c, "interleave_bytes");
    c = cfg_500; c.interleave_bytes = 96; expect_bad(&c, "interleave_bytes");
    c = cfg_500; c.interleave_bytes = 0; expect_bad(&c, "interleave_bytes");
    c = cfg_500; c.interleave_bytes = 64;
    assert_int_equal(dram_config_check(&c, NULL, 0), 0);
    c = cfg_500; c.clock_hz = 0; expect_bad(&c, "clock_hz");
    c = cfg_500; c.clock_hz = SIM_S + 1; expect_bad(&c, "clock_hz");
    c = cfg_500; c.width_bytes = 0; expect_bad(&c, "width_bytes");

    /* A short buffer gets a terminated prefix, not an overrun. */
    c = cfg_500; c.channels = 0;
    memset(err, 'x', sizeof(err));
    assert_int_equal(dram_config_check(&c, err, 8), -EINVAL);
    assert_int_equal(strlen(err), 7);
}

/*
 * A width that is not a power of two, and a transfer longer than the precomputed
 * table: 12 bytes per 2 ns cycle. 64 bytes: ceil(64 / 12) = 6 cycles = 12 ns, done at
 * 12 + 40 = 52 ns. Then 1000 bytes arriving at 100 ns: ceil(1000 / 12) = 84 cycles
 * = 168 ns, done at 100 + 168 + 40 = 308 ns.
 */
static void test_odd_width_and_long_transfer(void **state)
{
    struct dram_config cfg = cfg_500;
    struct dram *d;
    struct mem_port port;
    struct probe_req a, b;

    (void)state;
    cfg.width_bytes = 12;
    cfg.interleave_bytes = 4096;
    d = dram_new(&cfg);
    assert_non_null(d);
    port = dram_port(d);
    probe_init(&a, 0, 64, 0);
    probe_init(&b, 0x100, 1000, 100 * SIM_NS);
    mem_request(&port, &a.req);
    mem_request(&port, &b.req);
    sim_run(SIM_TIME_MAX);
    probe_assert_done(&a, 52 * SIM_NS, MEM_OK);
    probe_assert_done(&b, 308 * SIM_NS, MEM_OK);
    assert_int_equal(dram_channel_stats(d, 0)->busy, (12 + 168) * SIM_NS);
    assert_int_equal(dram_channel_stats(d, 0)->bytes, 1064);
    dram_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_single_read, reset_kernel),
        cmocka_unit_test_setup(test_back_to_back_queues, reset_kernel),
        cmocka_unit_test_setup(test_future_arrival_and_idle_gap, reset_kernel),
        cmocka_unit_test_setup(test_two_channels_overlap, reset_kernel),
        cmocka_unit_test_setup(test_split_at_interleave_boundary, reset_kernel),
        cmocka_unit_test_setup(test_split_ends_with_latest_part_not_last, reset_kernel),
        cmocka_unit_test_setup(test_split_on_one_channel_rounds_each_part, reset_kernel),
        cmocka_unit_test_setup(test_non_integer_period_533mhz, reset_kernel),
        cmocka_unit_test_setup(test_three_channels_interleave, reset_kernel),
        cmocka_unit_test_setup(test_bad_requests_get_slave_error, reset_kernel),
        cmocka_unit_test_setup(test_odd_width_and_long_transfer, reset_kernel),
        cmocka_unit_test(test_config_check),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
