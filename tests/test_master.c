/*
 * test_master.c - the bus master model against times worked out by hand.
 *
 * Each case builds its own SMMU over a memory that answers every request exactly
 * MEM_LATENCY after it arrives, so that every time follows from three numbers:
 *
 *   SMMU 200 MHz (5 ns cycles): TLB lookup 1 cycle = 5 ns, walk overhead 2 cycles = 10 ns
 *   memory: 100 ns per request, whatever its size
 *
 *   TLB hit at t:         data leaves at t + 5, completes at t + 105
 *   section miss at t:    L1 descriptor read leaves at t + 5 + 10 = t + 15, back at
 *                         t + 115; data leaves then, completes at t + 215
 *   miss on the page of a walk in flight: merged, completes with the walk's data
 *
 * The memory logs every request, so issue times are read off the data requests:
 * a burst that hits leaves the SMMU 5 ns after the master issued it.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "models/master.h"
#include "models/physmem.h"
#include "models/pte.h"
#include "models/smmu.h"
#include "models/smmu_regs.h"
#include "sim/core/kernel.h"
#include "tests/lib/mem_fake.h"

#define L1_BASE     0x00100000u
#define L2_BASE     0x00200000u
#define SECT_VA     0x40000000u     /* 1 MiB section -> PA 0x80000000 */
#define SECT_PA     0x80000000u
#define PAGE_VA     0x50001000u     /* 4 KiB small page -> PA 0x90005000 */
#define PAGE_PA     0x90005000u
#define UNMAPPED_VA 0x00700000u     /* L1 entry 7 is a fault entry */
#define MID         1u
#define MEM_LATENCY (100 * SIM_NS)
#define HIT_NS      105u            /* lookup 5 + memory 100 */
#define MISS_NS     215u            /* lookup 5 + walk 10 + L1 read 100 + data 100 */
#define MAX_RECS    400

/* ---- The fixture: an SMMU over fixed-latency memories that log requests ---------- */

/*
 * Two memories of tests/lib/mem_fake.h, MEM_LATENCY each: one behind the SMMU's data
 * port, one behind its walk port (descriptor reads), so that the data requests are
 * read off on their own.
 */
struct fixture {
    struct physmem *pm;
    struct smmu *smmu;
    struct mem_port data_port, walk_port;
    struct fake_mem data, walk;
};

static void write_tables(struct physmem *pm)
{
    physmem_write32(pm, L1_BASE + PTE_L1_INDEX(SECT_VA) * 4,
                    (SECT_PA & PTE_SECT_BASE_MASK) | PTE_SECT_NG | PTE_SECT_AP1 |
                    PTE_SECT_AP0 | PTE_L1_TYPE_SECT);
    physmem_write32(pm, L1_BASE + PTE_L1_INDEX(PAGE_VA) * 4, L2_BASE | PTE_L1_TYPE_TABLE);
    physmem_write32(pm, L2_BASE + PTE_L2_INDEX(PAGE_VA) * 4,
                    PAGE_PA | PTE_L2_NG | PTE_L2_AP1 | PTE_L2_AP0 | PTE_L2_TYPE_SMALL);
    /* and the next page, for accesses that cross a 4 KiB boundary */
    physmem_write32(pm, L2_BASE + PTE_L2_INDEX(PAGE_VA + SZ_4K) * 4,
                    (PAGE_PA + SZ_4K) | PTE_L2_NG | PTE_L2_AP1 | PTE_L2_AP0 |
                    PTE_L2_TYPE_SMALL);
}

/* Bank 0 through its registers: VMID 3, ASID 7, MID routed to it, faults terminate. */
static void setup_bank(struct smmu *s)
{
    smmu_mmio_write(s, SMMU_CTX_REG(0, SMMU_ACTLR),
                    ACTLR_CFEIE | ACTLR_CFERE | (3u << ACTLR_TLBMCFG_SHIFT));
    smmu_mmio_write(s, SMMU_CTX_REG(0, SMMU_TTBCR), 0);
    smmu_mmio_write(s, SMMU_CTX_REG(0, SMMU_TTBR0), L1_BASE);
    smmu_mmio_write(s, SMMU_CTX_REG(0, SMMU_CONTEXTIDR), 7);
    smmu_mmio_write(s, SMMU_CBACR_N(0), 3u << CBACR_CBVMID_SHIFT);
    smmu_mmio_write(s, SMMU_M2VCBR_N(MID), 3u | (0u << M2VCBR_CBNDX_SHIFT));
    smmu_mmio_write(s, SMMU_CTX_REG(0, SMMU_SCTLR), SCTLR_TRE | SCTLR_AFE | SCTLR_M);
}

static struct fixture *fixture_new(void)
{
    struct smmu_config c = {
        .name = "test", .base = 0x07700000, .nbanks = 1, .nmids = 16, .irq = 59,
        .tlb = { .entries = 32, .ways = 32, .replacement = TLB_LRU, .seed = 1 },
        .clock_hz = 200000000,
        .tlb_lookup_cycles = 1,
        .walk_overhead_cycles = 2,
        .max_walks = 4,
        .hit_under_miss = true,
    };
    struct fixture *f = test_calloc(1, sizeof(*f));
    f->pm = physmem_new();
    assert_non_null(f->pm);
    write_tables(f->pm);
    f->data_port = fake_mem_init(&f->data, MEM_LATENCY);
    f->walk_port = fake_mem_init(&f->walk, MEM_LATENCY);
    f->smmu = smmu_new(&c, f->pm, &f->data_port, &f->walk_port);
    assert_non_null(f->smmu);
    setup_bank(f->smmu);
    return f;
}

static void fixture_free(struct fixture *f)
{
    smmu_free(f->smmu);
    physmem_free(f->pm);
    test_free(f);
}

/* Fills the TLB with the translation of va through the functional path (no time). */
static void warm(struct fixture *f, uint32_t va)
{
    struct smmu_txn t = { .mid = MID, .iova = va, .bytes = 4 };
    assert_int_equal(smmu_access(f->smmu, &t), SMMU_DONE);
}

/* ---- A source over an array ------------------------------------------------------ */

struct src {
    struct master_access rec[MAX_RECS];
    unsigned n, i, calls;
    int end;                /* what follows the last record: 0 or a negative errno */
};

static int src_next(void *arg, struct master_access *a)
{
    struct src *s = arg;

    s->calls++;
    if (s->i == s->n)
        return s->end;
    *a = s->rec[s->i++];
    return 1;
}

static void add(struct src *s, uint8_t op, sim_time_t t, uint32_t iova, uint32_t bytes)
{
    assert_true(s->n < MAX_RECS);
    s->rec[s->n++] = (struct master_access){ .time = t, .iova = iova, .bytes = bytes, .op = op };
}

static void rd(struct src *s, uint32_t iova, uint32_t bytes) { add(s, MASTER_READ, 0, iova, bytes); }
static void wr(struct src *s, uint32_t iova, uint32_t bytes) { add(s, MASTER_WRITE, 0, iova, bytes); }
static void frame(struct src *s, sim_time_t t) { add(s, MASTER_FRAME, t, 0, 0); }
static void line(struct src *s, sim_time_t t) { add(s, MASTER_LINE, t, 0, 0); }

static struct master_config default_cfg(void)
{
    struct master_config c = {
        .name = "dma0", .mid = MID, .burst_bytes = 64, .max_outstanding = 1,
    };
    return c;
}

/* Runs a master over src to the end on fixture f; the caller frees it. */
static struct master *run(struct fixture *f, const struct master_config *cfg, struct src *s)
{
    struct master *m = master_new(cfg, f->smmu, src_next, s);
    assert_non_null(m);
    master_start(m);
    sim_run(SIM_TIME_MAX);
    assert_true(master_done(m));
    assert_int_equal(master_in_flight(m), 0);
    return m;
}

static int setup(void **state)
{
    (void)state;
    sim_reset();
    return 0;
}

/* ---- Configuration --------------------------------------------------------------- */

static void test_config_check(void **state)
{
    (void)state;
    char err[160];
    struct master_config c = default_cfg();

    assert_int_equal(master_config_check(&c, err, sizeof(err)), 0);

    c.name = "mdp0";
    c.burst_bytes = 48;
    assert_int_equal(master_config_check(&c, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "master mdp0: burst_bytes 48 must be a power of two in 4..4096");
    c.burst_bytes = 2;      /* a power of two, but below the range */
    assert_int_equal(master_config_check(&c, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "master mdp0: burst_bytes 2 must be a power of two in 4..4096");
    c.burst_bytes = 8192;
    assert_int_equal(master_config_check(&c, err, sizeof(err)), -EINVAL);
    c.burst_bytes = 4096;
    assert_int_equal(master_config_check(&c, err, sizeof(err)), 0);

    c.max_outstanding = 0;
    assert_int_equal(master_config_check(&c, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "master mdp0: max_outstanding 0 must be in 1..256");
    c.max_outstanding = MASTER_MAX_OUTSTANDING + 1;
    assert_int_equal(master_config_check(&c, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "master mdp0: max_outstanding 257 must be in 1..256");
    c.max_outstanding = MASTER_MAX_OUTSTANDING;
    assert_int_equal(master_config_check(&c, err, sizeof(err)), 0);

    c.fifo_lines = 4097;
    assert_int_equal(master_config_check(&c, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "master mdp0: fifo_lines 4097 must be in 0..4096");
    c.fifo_lines = 2;

    c.mid = 128;            /* M2VCBR has 128 entries */
    assert_int_equal(master_config_check(&c, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "master mdp0: mid 128 must be in 0..127");
    c.mid = 127;
    assert_int_equal(master_config_check(&c, err, sizeof(err)), 0);

    c.name = NULL;
    assert_int_equal(master_config_check(&c, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "master: name must be given (a non-empty string)");
    assert_int_equal(master_config_check(NULL, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "no master configuration given");
    /* no room for the message is fine */
    assert_int_equal(master_config_check(&c, NULL, 0), -EINVAL);

    /* master_new refuses what the check refuses */
    struct fixture *f = fixture_new();
    struct src s = { .n = 0 };
    c = default_cfg();
    c.burst_bytes = 48;
    assert_null(master_new(&c, f->smmu, src_next, &s));
    c = default_cfg();
    assert_null(master_new(&c, NULL, src_next, &s));
    assert_null(master_new(&c, f->smmu, NULL, &s));
    fixture_free(f);
}

/* ---- Bursts ------------------------------------------------------------------------ */

static void test_burst_split(void **state)
{
    (void)state;
    struct fixture *f = fixture_new();
    struct src s = { .n = 0 };
    struct master_config c = default_cfg();
    c.max_outstanding = 4;
    rd(&s, SECT_VA + 0x30, 100);        /* 0x30+16, 0x40+64, 0x80+20 */
    wr(&s, SECT_VA + 0xFFC, 8);         /* 0xFFC+4, 0x1000+4: a 64-byte boundary */
    struct master *m = run(f, &c, &s);

    /* data requests in order, at the section's PA 0x80000000 + offset */
    assert_int_equal(f->data.requests, 5);
    const uint32_t pa[5] = { 0x80000030u, 0x80000040u, 0x80000080u, 0x80000FFCu, 0x80001000u };
    const uint32_t bytes[5] = { 16, 64, 20, 4, 4 };
    const bool write[5] = { false, false, false, true, true };
    for (unsigned i = 0; i < 5; i++) {
        assert_int_equal(f->data.log[i].pa, pa[i]);
        assert_int_equal(f->data.log[i].bytes, bytes[i]);
        assert_int_equal(f->data.log[i].write, write[i]);
    }
    /*
     * Four bursts issue at 0 (four slots): the first misses and walks, the next
     * three miss on the same 4 KiB page and merge, so all four data requests leave
     * at 115 ns and complete at 215 ns. The fifth waits for a slot: issued at 215,
     * it hits the section entry (data leaves 220), completes at 320 ns.
     */
    for (unsigned i = 0; i < 4; i++)
        assert_int_equal(f->data.log[i].at, 115 * SIM_NS);
    assert_int_equal(f->data.log[4].at, 220 * SIM_NS);
    /* the only other request: the L1 descriptor of VA 0x40000000, index 0x400 */
    assert_int_equal(f->walk.requests + f->data.requests, 6);
    assert_int_equal(f->walk.log[0].pa, L1_BASE + 0x400 * 4);
    assert_int_equal(f->walk.log[0].at, 15 * SIM_NS);

    const struct master_stats *st = master_stats(m);
    assert_int_equal(st->accesses, 2);
    assert_int_equal(st->bursts, 5);
    assert_int_equal(st->bytes_read, 100);
    assert_int_equal(st->bytes_written, 8);
    assert_int_equal(st->errors, 0);
    assert_int_equal(st->first_issue, 0);
    assert_int_equal(st->last_done, 320 * SIM_NS);
    /* latencies 215, 215, 215, 215, 105 ns */
    assert_int_equal(st->latency.count, 5);
    assert_int_equal(st->latency.min, HIT_NS * SIM_NS);
    assert_int_equal(st->latency.max, MISS_NS * SIM_NS);
    assert_int_equal(st->latency.sum, (4 * MISS_NS + HIT_NS) * SIM_NS);
    master_free(m);
    fixture_free(f);
}

/* Eight 64-byte reads on one 4 KiB page of the section, cold TLB. */
static void run_eight(unsigned outstanding, sim_time_t *last_done, unsigned *in_flight_at_100,
                      struct smmu_ctx_stats *ctx)
{
    sim_reset();
    struct fixture *f = fixture_new();
    struct src s = { .n = 0 };
    struct master_config c = default_cfg();
    c.max_outstanding = outstanding;
    for (unsigned i = 0; i < 8; i++)
        rd(&s, SECT_VA + i * 64, 64);
    struct master *m = master_new(&c, f->smmu, src_next, &s);
    assert_non_null(m);
    master_start(m);
    sim_run(100 * SIM_NS);
    *in_flight_at_100 = master_in_flight(m);
    assert_false(master_done(m));
    sim_run(SIM_TIME_MAX);
    assert_true(master_done(m));
    *last_done = master_stats(m)->last_done;
    assert_int_equal(master_stats(m)->bursts, 8);
    assert_int_equal(master_stats(m)->bytes_read, 512);
    *ctx = *smmu_ctx_stats(f->smmu, 0);
    master_free(m);
    fixture_free(f);
}

static void test_outstanding_limit(void **state)
{
    (void)state;
    sim_time_t last;
    unsigned busy;
    struct smmu_ctx_stats ctx;

    /*
     * One outstanding: the first read misses and completes at 215 ns; each of the
     * seven others issues when the one before completes and hits (105 ns):
     * 215 + 7 * 105 = 950 ns.
     */
    run_eight(1, &last, &busy, &ctx);
    assert_int_equal(last, 950 * SIM_NS);
    assert_int_equal(busy, 1);
    assert_int_equal(ctx.misses, 1);
    assert_int_equal(ctx.hits, 7);
    assert_int_equal(ctx.merged_misses, 0);
    assert_int_equal(ctx.walks, 1);

    /*
     * Four outstanding: reads 0-3 issue at 0; 0 walks, 1-3 merge with its walk,
     * all four complete at 215 ns. Each completion frees a slot for one of reads
     * 4-7, issued at 215 ns, all hits: 215 + 105 = 320 ns.
     */
    run_eight(4, &last, &busy, &ctx);
    assert_int_equal(last, 320 * SIM_NS);
    assert_int_equal(busy, 4);
    assert_int_equal(ctx.misses, 4);
    assert_int_equal(ctx.merged_misses, 3);
    assert_int_equal(ctx.hits, 4);
    assert_int_equal(ctx.walks, 1);
}

static void test_open_loop_times(void **state)
{
    (void)state;
    struct fixture *f = fixture_new();
    warm(f, SECT_VA);
    struct src s = { .n = 0 };
    struct master_config c = default_cfg();
    c.open_loop = true;
    c.max_outstanding = 4;
    add(&s, MASTER_READ, 20 * SIM_NS, SECT_VA, 64);
    add(&s, MASTER_READ, 50 * SIM_NS, SECT_VA + 64, 64);
    add(&s, MASTER_WRITE, 50 * SIM_NS, SECT_VA + 128, 64);
    add(&s, MASTER_READ, 300 * SIM_NS, SECT_VA + 192, 64);
    add(&s, MASTER_READ, 10 * SIM_NS, SECT_VA + 256, 64);  /* already due: at once */
    struct master *m = run(f, &c, &s);

    /* every burst hits: its data leaves 5 ns after its issue time */
    assert_int_equal(f->data.requests, 5);
    assert_int_equal(f->data.log[0].at, 25 * SIM_NS);
    assert_int_equal(f->data.log[1].at, 55 * SIM_NS);
    assert_int_equal(f->data.log[2].at, 55 * SIM_NS);
    assert_int_equal(f->data.log[3].at, 305 * SIM_NS);
    /* in trace order: the late-stamped record issues right after the one before it */
    assert_int_equal(f->data.log[4].at, 305 * SIM_NS);
    assert_int_equal(master_stats(m)->first_issue, 20 * SIM_NS);
    assert_int_equal(master_stats(m)->last_done, 405 * SIM_NS);
    master_free(m);
    fixture_free(f);

    /*
     * One outstanding: times already passed issue as soon as a slot frees.
     * Records at 0, 10, 20 ns: issued 0 (done 105), 105 (done 210), 210.
     */
    sim_reset();
    f = fixture_new();
    warm(f, SECT_VA);
    memset(&s, 0, sizeof(s));
    c.max_outstanding = 1;
    for (unsigned i = 0; i < 3; i++)
        add(&s, MASTER_READ, i * 10 * SIM_NS, SECT_VA + i * 64, 64);
    m = run(f, &c, &s);
    assert_int_equal(f->data.log[0].at, 5 * SIM_NS);
    assert_int_equal(f->data.log[1].at, 110 * SIM_NS);
    assert_int_equal(f->data.log[2].at, 215 * SIM_NS);
    master_free(m);
    fixture_free(f);

    /* closed loop ignores the times: all at 0 */
    sim_reset();
    f = fixture_new();
    warm(f, SECT_VA);
    memset(&s, 0, sizeof(s));
    c.open_loop = false;
    c.max_outstanding = 4;
    add(&s, MASTER_READ, 500 * SIM_NS, SECT_VA, 64);
    add(&s, MASTER_READ, 900 * SIM_NS, SECT_VA + 64, 64);
    m = run(f, &c, &s);
    assert_int_equal(f->data.log[0].at, 5 * SIM_NS);
    assert_int_equal(f->data.log[1].at, 5 * SIM_NS);
    master_free(m);
    fixture_free(f);
}

static void test_rate_limit(void **state)
{
    (void)state;
    struct fixture *f = fixture_new();
    warm(f, SECT_VA);
    struct src s = { .n = 0 };
    struct master_config c = default_cfg();
    c.max_outstanding = 8;
    c.rate_bytes_per_s = 1000000000;    /* 1 GB/s: 64 bytes every 64 ns */
    rd(&s, SECT_VA, 256);               /* four 64-byte bursts */
    struct master *m = run(f, &c, &s);
    assert_int_equal(f->data.requests, 4);
    for (unsigned i = 0; i < 4; i++)
        assert_int_equal(f->data.log[i].at, (i * 64 + 5) * SIM_NS);
    master_free(m);
    fixture_free(f);

    /*
     * 3 GB/s: 64 * 10^12 / (3 * 10^9) = 21333 ps remainder 10^9 (a third of a ps).
     * Gaps 21333, 21333, then the carried thirds make one whole ps: 21334.
     * Issues at 0, 21333, 42666, 64000 ps.
     */
    sim_reset();
    f = fixture_new();
    warm(f, SECT_VA);
    memset(&s, 0, sizeof(s));
    c.rate_bytes_per_s = 3000000000ull;
    for (unsigned i = 0; i < 4; i++)
        rd(&s, SECT_VA + i * 64, 64);
    m = run(f, &c, &s);
    const sim_time_t issue[4] = { 0, 21333, 42666, 64000 };
    for (unsigned i = 0; i < 4; i++)
        assert_int_equal(f->data.log[i].at, issue[i] + 5 * SIM_NS);
    master_free(m);
    fixture_free(f);

    /*
     * No drift over many bursts: burst k leaves at floor(k * 64 * 10^12 / rate) ps.
     * At 7 GB/s that is floor(k * 64000 / 7): the gaps are 9142 or 9143 ps, and the
     * eighth burst (k = 7) is at exactly 448 bytes / 7 GB/s = 64000 ps.
     */
    sim_reset();
    f = fixture_new();
    warm(f, SECT_VA);
    memset(&s, 0, sizeof(s));
    c.rate_bytes_per_s = 7000000000ull;
    for (unsigned i = 0; i < 8; i++)
        rd(&s, SECT_VA + i * 64, 64);
    m = run(f, &c, &s);
    assert_int_equal(f->data.requests, 8);
    for (unsigned k = 0; k < 8; k++)
        assert_int_equal(f->data.log[k].at, k * 64000 / 7 + 5 * SIM_NS);
    assert_int_equal(f->data.log[7].at, 64000 + 5 * SIM_NS);
    master_free(m);
    fixture_free(f);
}

/* ---- Frames and lines ---------------------------------------------------------------- */

static void build_frames(struct src *s)
{
    memset(s, 0, sizeof(*s));
    frame(s, 0);
    rd(s, SECT_VA, 64);
    frame(s, 1000 * SIM_NS);
    rd(s, SECT_VA + 64, 256);
    frame(s, 1325 * SIM_NS);
    rd(s, SECT_VA + 320, 64);
    for (unsigned i = 0; i < 300; i++)       /* empty frames, far more than the slots */
        frame(s, (2000 + i) * SIM_NS);
    frame(s, 5000 * SIM_NS);
    rd(s, SECT_VA + 384, 64);
}

static void test_frame_lateness(void **state)
{
    (void)state;
    struct fixture *f = fixture_new();
    warm(f, SECT_VA);
    struct src s;
    build_frames(&s);
    struct master_config c = default_cfg();
    c.frame_period = 200 * SIM_NS;
    struct master *m = run(f, &c, &s);

    /*
     * One outstanding, every burst hits (105 ns):
     *   frame 0 (F 0):    0 -> 105; deadline 200: on time
     *   frame 1 (F 1000): waits for its F; 1000 -> 1105 -> 1210 -> 1315 -> 1420;
     *                     deadline 1200: late
     *   frame 2 (F 1325): its F has passed when its burst may go: 1420 -> 1525;
     *                     deadline 1525: on time (late means after)
     *   300 empty frames: never late
     *   frame 303 (F 5000): 5000 -> 5105; deadline 5200: on time
     */
    assert_int_equal(f->data.requests, 7);
    assert_int_equal(f->data.log[1].at, 1005 * SIM_NS);
    assert_int_equal(f->data.log[5].at, 1425 * SIM_NS);
    assert_int_equal(f->data.log[6].at, 5005 * SIM_NS);
    const struct master_stats *st = master_stats(m);
    assert_int_equal(st->frames, 304);
    assert_int_equal(st->late_frames, 1);
    assert_int_equal(st->last_done, 5105 * SIM_NS);
    master_free(m);
    fixture_free(f);

    /* frame 2 with its F 1 ns later would be late by nothing: deadline 1524 < 1525 */
    sim_reset();
    f = fixture_new();
    warm(f, SECT_VA);
    build_frames(&s);
    s.rec[4].time = 1324 * SIM_NS;
    m = run(f, &c, &s);
    assert_int_equal(master_stats(m)->late_frames, 2);
    master_free(m);
    fixture_free(f);

    /* no period, no deadline: the same run has no late frames */
    sim_reset();
    f = fixture_new();
    warm(f, SECT_VA);
    build_frames(&s);
    c.frame_period = 0;
    m = run(f, &c, &s);
    assert_int_equal(master_stats(m)->frames, 304);
    assert_int_equal(master_stats(m)->late_frames, 0);
    assert_int_equal(master_stats(m)->last_done, 5105 * SIM_NS);
    master_free(m);
    fixture_free(f);
}

static void test_line_underrun(void **state)
{
    (void)state;
    struct fixture *f = fixture_new();
    warm(f, SECT_VA);
    struct src s = { .n = 0 };
    frame(&s, 0);
    line(&s, 150 * SIM_NS);
    rd(&s, SECT_VA, 64);                /* 0 -> 105 <= 150: met */
    line(&s, 200 * SIM_NS);
    rd(&s, SECT_VA + 64, 128);          /* 105 -> 210, 210 -> 315 > 200: underrun */
    line(&s, 1000 * SIM_NS);
    rd(&s, SECT_VA + 192, 64);          /* 315 -> 420 <= 1000: met */
    line(&s, 420 * SIM_NS);
    rd(&s, SECT_VA + 256, 64);          /* 420 -> 525 > 420: underrun */
    line(&s, 0);                        /* no accesses: never an underrun */
    frame(&s, 3000 * SIM_NS);
    rd(&s, SECT_VA + 320, 64);          /* after an F, before any L: no line */
    struct master_config c = default_cfg();
    struct master *m = run(f, &c, &s);

    const struct master_stats *st = master_stats(m);
    assert_int_equal(st->lines, 5);
    assert_int_equal(st->underruns, 2);
    assert_int_equal(st->frames, 2);
    assert_int_equal(st->late_frames, 0);
    /* no FIFO gating: the third line's read went at 315, long before its L at 1000 */
    assert_int_equal(f->data.log[3].at, 320 * SIM_NS);
    assert_int_equal(f->data.log[5].at, 3005 * SIM_NS);
    master_free(m);
    fixture_free(f);
}

/* Two frames of one-burst lines; returns the data requests' times in ns. */
static void run_fifo(unsigned fifo_lines, sim_time_t *at, unsigned *n, uint64_t *underruns)
{
    sim_reset();
    struct fixture *f = fixture_new();
    warm(f, SECT_VA);
    struct src s = { .n = 0 };
    frame(&s, 100 * SIM_NS);
    for (unsigned k = 1; k <= 4; k++) {
        line(&s, k * 1000 * SIM_NS);
        rd(&s, SECT_VA + k * 64, 64);
    }
    frame(&s, 5000 * SIM_NS);
    for (unsigned k = 1; k <= 2; k++) {
        line(&s, (5000 + k * 1000) * SIM_NS);
        rd(&s, SECT_VA + (4 + k) * 64, 64);
    }
    struct master_config c = default_cfg();
    c.max_outstanding = 4;
    c.fifo_lines = fifo_lines;
    struct master *m = run(f, &c, &s);
    *n = f->data.requests;
    for (unsigned i = 0; i < f->data.requests; i++)
        at[i] = f->data.log[i].at / SIM_NS - 5;     /* hits: issue = data - 5 ns */
    *underruns = master_stats(m)->underruns;
    master_free(m);
    fixture_free(f);
}

static void test_line_fifo_gating(void **state)
{
    (void)state;
    sim_time_t at[8];
    unsigned n;
    uint64_t under;

    /* no FIFO: every line's read goes when its frame starts (100, then 5000 ns) */
    run_fifo(0, at, &n, &under);
    assert_int_equal(n, 6);
    const sim_time_t none[6] = { 100, 100, 100, 100, 5000, 5000 };
    for (unsigned i = 0; i < 6; i++)
        assert_int_equal(at[i], none[i]);

    /*
     * One line of FIFO: line 1 waits only for the frame (100); line k > 1 waits for
     * line k - 1's scan-out: 1000, 2000, 3000. The second frame starts over: 5000,
     * then line 2 waits for line 1's L at 6000.
     */
    run_fifo(1, at, &n, &under);
    assert_int_equal(n, 6);
    const sim_time_t one[6] = { 100, 1000, 2000, 3000, 5000, 6000 };
    for (unsigned i = 0; i < 6; i++)
        assert_int_equal(at[i], one[i]);
    assert_int_equal(under, 0);     /* each read done 105 ns later, before its L */

    /* two lines: lines 1 and 2 wait for the frame, line 3 for line 1 (1000), line 4
     * for line 2 (2000); the second frame's two lines both wait only for its F. */
    run_fifo(2, at, &n, &under);
    assert_int_equal(n, 6);
    const sim_time_t two[6] = { 100, 100, 1000, 2000, 5000, 5000 };
    for (unsigned i = 0; i < 6; i++)
        assert_int_equal(at[i], two[i]);

    /*
     * The count restarts at each F even when the new frame starts before the old
     * one's last line: with one line of FIFO, frame 2's reads wait for its F (2000),
     * not for frame 1's last L times (4000, 4500).
     */
    sim_reset();
    struct fixture *f = fixture_new();
    warm(f, SECT_VA);
    struct src s = { .n = 0 };
    frame(&s, 100 * SIM_NS);
    line(&s, 1000 * SIM_NS);
    rd(&s, SECT_VA, 64);                /* line 1: waits for F: 100 */
    line(&s, 4000 * SIM_NS);
    rd(&s, SECT_VA + 64, 64);           /* line 2: waits for line 1's L: 1000 */
    line(&s, 4500 * SIM_NS);            /* line 3, empty: its gate would be 4000 */
    frame(&s, 2000 * SIM_NS);
    rd(&s, SECT_VA + 128, 64);          /* frame 2, no line yet: waits for F: 2000 */
    line(&s, 2500 * SIM_NS);
    rd(&s, SECT_VA + 192, 64);          /* frame 2, line 1: waits for F: 2000 */
    struct master_config c = default_cfg();
    c.max_outstanding = 4;
    c.fifo_lines = 1;
    struct master *m = run(f, &c, &s);
    assert_int_equal(f->data.requests, 4);
    assert_int_equal(f->data.log[0].at, 105 * SIM_NS);
    assert_int_equal(f->data.log[1].at, 1005 * SIM_NS);
    assert_int_equal(f->data.log[2].at, 2005 * SIM_NS);
    assert_int_equal(f->data.log[3].at, 2005 * SIM_NS);
    master_free(m);
    fixture_free(f);
}

/* ---- Errors -------------------------------------------------------------------------- */

static void test_fault_counts_error_and_goes_on(void **state)
{
    (void)state;
    struct fixture *f = fixture_new();
    struct src s = { .n = 0 };
    rd(&s, SECT_VA, 64);
    rd(&s, UNMAPPED_VA, 64);
    wr(&s, SECT_VA + 64, 64);
    struct master_config c = default_cfg();
    struct master *m = run(f, &c, &s);

    /*
     * 0: section miss, done 215. 215: the unmapped IOVA misses, its L1 read leaves
     * at 230 and returns a fault entry at 330: terminated, error at 330 (no data
     * request). 330: hit on the section, done 435.
     */
    const struct master_stats *st = master_stats(m);
    assert_int_equal(st->bursts, 3);
    assert_int_equal(st->errors, 1);
    assert_int_equal(st->bytes_read, 64);
    assert_int_equal(st->bytes_written, 64);
    assert_int_equal(st->last_done, 435 * SIM_NS);
    assert_int_equal(st->latency.max, MISS_NS * SIM_NS);
    assert_int_equal(st->latency.min, HIT_NS * SIM_NS);
    assert_int_equal(st->latency.sum, (MISS_NS + 115 + HIT_NS) * SIM_NS);
    assert_int_equal(f->data.requests, 2);
    assert_int_equal(master_source_error(m), 0);
    assert_int_equal(smmu_ctx_stats(f->smmu, 0)->faults_translation, 1);
    master_free(m);
    fixture_free(f);
}

static void test_source_error(void **state)
{
    (void)state;
    struct fixture *f = fixture_new();
    warm(f, SECT_VA);
    struct src s = { .n = 0, .end = -EIO };
    rd(&s, SECT_VA, 64);
    rd(&s, SECT_VA + 64, 64);
    struct master_config c = default_cfg();
    c.max_outstanding = 4;
    struct master *m = master_new(&c, f->smmu, src_next, &s);
    assert_non_null(m);
    assert_false(master_done(m));
    master_start(m);
    /* both reads issued at 0 and the error met at 0: stopped, two still in flight */
    sim_run(50 * SIM_NS);
    assert_int_equal(master_source_error(m), -EIO);
    assert_int_equal(master_in_flight(m), 2);
    assert_false(master_done(m));
    sim_run(SIM_TIME_MAX);
    assert_true(master_done(m));
    assert_int_equal(master_stats(m)->bursts, 2);
    assert_int_equal(master_stats(m)->bytes_read, 128);
    assert_int_equal(master_stats(m)->last_done, HIT_NS * SIM_NS);
    /* the source is not asked again after its error: two records + the error */
    assert_int_equal(s.calls, 3);
    master_free(m);

    /* the functional mode returns it */
    s.i = 0;
    s.calls = 0;
    m = master_new(&c, f->smmu, src_next, &s);
    assert_int_equal(master_run_functional(m), -EIO);
    assert_int_equal(master_source_error(m), -EIO);
    assert_int_equal(master_stats(m)->bursts, 2);
    assert_true(master_done(m));
    master_free(m);

    /* a zero-byte access is a bad record: -EINVAL, nothing of it issued */
    sim_reset();
    memset(&s, 0, sizeof(s));
    rd(&s, SECT_VA, 64);
    rd(&s, SECT_VA, 0);
    rd(&s, SECT_VA, 64);
    m = run(f, &c, &s);
    assert_int_equal(master_source_error(m), -EINVAL);
    assert_int_equal(master_stats(m)->bursts, 1);
    assert_int_equal(s.calls, 2);
    master_free(m);

    /* as is one that would wrap past 2^32 */
    sim_reset();
    memset(&s, 0, sizeof(s));
    rd(&s, 0xFFFFFFC0u, 65);
    m = run(f, &c, &s);
    assert_int_equal(master_source_error(m), -EINVAL);
    assert_int_equal(master_stats(m)->bursts, 0);
    assert_int_equal(master_stats(m)->first_issue, 0);
    master_free(m);
    fixture_free(f);
}

/* ---- Functional mode ------------------------------------------------------------------- */

static void build_mixed(struct src *s)
{
    memset(s, 0, sizeof(*s));
    frame(s, 0);
    rd(s, SECT_VA, 256);                /* 4 bursts: a miss, 3 hits */
    wr(s, PAGE_VA + 0xFC0, 128);        /* 0xFC0+64 (miss), 0x1000+64 (next page: miss) */
    rd(s, UNMAPPED_VA, 64);             /* miss, translation fault */
    line(s, 10 * SIM_NS);
    rd(s, SECT_VA + 0x100, 32);         /* hit */
    wr(s, PAGE_VA + 0x40, 64);          /* hit */
}

static void test_functional_matches_timing(void **state)
{
    (void)state;
    struct src s;
    struct master_config c = default_cfg();

    build_mixed(&s);
    struct fixture *ff = fixture_new();
    struct master *fm = master_new(&c, ff->smmu, src_next, &s);
    assert_non_null(fm);
    assert_false(master_done(fm));
    assert_int_equal(master_run_functional(fm), 0);
    assert_true(master_done(fm));
    assert_int_equal(ff->walk.requests + ff->data.requests, 0);    /* no memory traffic, no time */
    assert_int_equal(sim_now(), 0);

    sim_reset();
    build_mixed(&s);
    struct fixture *tf = fixture_new();
    struct master *tm = run(tf, &c, &s);

    const struct master_stats *a = master_stats(fm), *b = master_stats(tm);
    /* by hand: 4 + 2 + 1 + 1 + 1 = 9 bursts; read 256 + 32 = 288 (the faulting
     * 64 are not counted); written 128 + 64 = 192 */
    assert_int_equal(a->accesses, 5);
    assert_int_equal(a->bursts, 9);
    assert_int_equal(a->bytes_read, 288);
    assert_int_equal(a->bytes_written, 192);
    assert_int_equal(a->errors, 1);
    assert_int_equal(a->frames, 1);
    assert_int_equal(a->lines, 1);
    assert_int_equal(a->latency.count, 0);
    assert_int_equal(a->late_frames, 0);
    assert_int_equal(a->underruns, 0);

    assert_int_equal(b->accesses, a->accesses);
    assert_int_equal(b->bursts, a->bursts);
    assert_int_equal(b->bytes_read, a->bytes_read);
    assert_int_equal(b->bytes_written, a->bytes_written);
    assert_int_equal(b->errors, a->errors);
    assert_int_equal(b->frames, a->frames);
    assert_int_equal(b->lines, a->lines);
    assert_int_equal(b->latency.count, 9);

    /* misses: section, page 0x50001000, page 0x50002000, unmapped = 4; hits 9 - 4 = 5 */
    const struct smmu_ctx_stats *fs = smmu_ctx_stats(ff->smmu, 0);
    const struct smmu_ctx_stats *ts = smmu_ctx_stats(tf->smmu, 0);
    assert_int_equal(fs->misses, 4);
    assert_int_equal(fs->hits, 5);
    assert_int_equal(ts->misses, fs->misses);
    assert_int_equal(ts->hits, fs->hits);
    assert_int_equal(ts->merged_misses, 0);

    master_free(fm);
    master_free(tm);
    fixture_free(ff);
    fixture_free(tf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_config_check, setup),
        cmocka_unit_test_setup(test_burst_split, setup),
        cmocka_unit_test_setup(test_outstanding_limit, setup),
        cmocka_unit_test_setup(test_open_loop_times, setup),
        cmocka_unit_test_setup(test_rate_limit, setup),
        cmocka_unit_test_setup(test_frame_lateness, setup),
        cmocka_unit_test_setup(test_line_underrun, setup),
        cmocka_unit_test_setup(test_line_fifo_gating, setup),
        cmocka_unit_test_setup(test_fault_counts_error_and_goes_on, setup),
        cmocka_unit_test_setup(test_source_error, setup),
        cmocka_unit_test_setup(test_functional_matches_timing, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
