/*
 * test_tlm.cpp - the TLM-2.0 wrapper (sim/tlm/, docs/tlm.md) through its sockets.
 *
 * Each case elaborates a small platform: a test bench (two initiator sockets, one
 * to the device side and one to the register window, and an interrupt handler
 * thread), an iommusim::SmmuTlm and an iommusim::TlmMemory that holds the page
 * tables and the data, then runs it with a plain sc_start. The SMMU is brought up
 * through the register socket as a driver does. The expectations come from the
 * same arithmetic as tests/test_smmu.c (the descriptors) and docs/timing.md (the
 * latencies), and one case replays a trace through both the sockets and the C
 * model on its own (fake memory of the same latency), expecting identical results.
 *
 * The only test that includes SystemC (tests/layers.tab names it).
 */
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/tlm_quantumkeeper.h>

#include <cstring>
#include <functional>
#include <vector>

extern "C" {
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "models/physmem.h"
#include "models/pte.h"
#include "models/smmu.h"
#include "models/smmu_regs.h"
#include "sim/core/kernel.h"
#include "sim/trace/trace.h"
#include "tests/lib/file.h"
#include "tests/lib/mem_fake.h"
}

#include "sim/tlm/memory.h"
#include "sim/tlm/smmu_tlm.h"

using sc_core::sc_time;
using sc_core::SC_NS;

/* ---- Tables in the platform's memory (16 MiB at PA 0) --------------------------- */

#define MEM_BYTES   (16u << 20)
#define MEM_LAT_NS  20              /* every access of the memory: 20 ns */
#define L1_BASE     0x00100000u     /* 16 KiB aligned */
#define L2_BASE     0x00200000u     /* 1 KiB aligned */
#define MID         5
#define ASID        7

/*
 * VA 0x40000000 -> section at PA 0x00800000, user RW, nG: L1 index 0x400,
 *   0x00800000 | AP0 (1<<10) | AP1 (1<<11) | nG (1<<17) | 0b10 = 0x00820C02.
 * VA 0x50001000 -> small page at PA 0x00905000: L1 index 0x500 = L2_BASE | 0b01;
 *   L2 index 1 = 0x00905000 | nG (1<<11) | AP1 (1<<5) | AP0 (1<<4) | 0b10 = 0x00905832.
 * VA 0x50002000 -> small page at PA 0x00906000: L2 index 2 = 0x00906832.
 * VA 0x45600000: unmapped (L1 index 0x456 is 0) until a handler maps it as a
 *   section at PA 0x00C00000: 0x00C20C02.
 */
#define SECT_VA     0x40000000u
#define SECT_PA     0x00800000u
#define PAGE1_VA    0x50001000u
#define PAGE1_PA    0x00905000u
#define PAGE2_VA    0x50002000u
#define PAGE2_PA    0x00906000u
#define HOLE_VA     0x45600000u
#define HOLE_PA     0x00C00000u

static void write_tables_tlm(iommusim::TlmMemory &m)
{
    m.write32(L1_BASE + 0x400 * 4, 0x00820C02u);
    m.write32(L1_BASE + 0x500 * 4, L2_BASE | PTE_L1_TYPE_TABLE);
    m.write32(L2_BASE + 1 * 4, 0x00905832u);
    m.write32(L2_BASE + 2 * 4, 0x00906832u);
}

static void write_tables_pm(struct physmem *pm)
{
    physmem_write32(pm, L1_BASE + 0x400 * 4, 0x00820C02u);
    physmem_write32(pm, L1_BASE + 0x500 * 4, L2_BASE | PTE_L1_TYPE_TABLE);
    physmem_write32(pm, L2_BASE + 1 * 4, 0x00905832u);
    physmem_write32(pm, L2_BASE + 2 * 4, 0x00906832u);
}

static struct smmu_config test_config(void)
{
    struct smmu_config c = {};
    c.name = "tlm";
    c.base = 0x07700000;
    c.nbanks = 2;
    c.nmids = 16;
    c.irq = 59;
    c.tlb.entries = 32;
    c.tlb.ways = 32;
    c.tlb.replacement = TLB_LRU;
    c.tlb.seed = 1;
    c.clock_hz = 200000000;         /* 5 ns cycles */
    c.tlb_lookup_cycles = 1;        /* 5 ns */
    c.walk_overhead_cycles = 2;     /* 10 ns */
    c.max_walks = 4;
    c.hit_under_miss = true;
    return c;
}

/* ---- The test bench ------------------------------------------------------------- */

struct Bench : sc_core::sc_module {
    tlm_utils::simple_initiator_socket<Bench> dev, reg;
    iommusim::SmmuTlm smmu;
    iommusim::TlmMemory mem;
    sc_core::sc_signal<bool> irq_line;
    std::function<void(Bench &)> script, script2, on_irq;
    std::vector<std::pair<uint64_t, uint64_t>> invalidated;
    unsigned irqs = 0;
    bool finished = false, finished2 = false;
    sc_core::sc_event responded;
    sim_time_t resp_at = 0;
    tlm::tlm_response_status resp_status = tlm::TLM_INCOMPLETE_RESPONSE;

    SC_HAS_PROCESS(Bench);
    Bench(sc_core::sc_module_name n, const struct smmu_config &cfg)
        : sc_core::sc_module(n), dev("dev"), reg("reg"), smmu("smmu", cfg),
          mem("mem", 0, MEM_BYTES, sc_time(MEM_LAT_NS, SC_NS)), irq_line("irq_line")
    {
        dev.bind(smmu.dev_socket);
        reg.bind(smmu.reg_socket);
        smmu.mem_socket.bind(mem.socket);
        smmu.irq(irq_line);
        dev.register_invalidate_direct_mem_ptr(this, &Bench::invalidate);
        dev.register_nb_transport_bw(this, &Bench::nb_bw);
        write_tables_tlm(mem);
        SC_THREAD(run);
        SC_THREAD(run2);
        SC_THREAD(handler);
    }

    void run()
    {
        script(*this);
        finished = true;
    }

    void run2()
    {
        if (script2)
            script2(*this);
        finished2 = true;
    }

    void handler()
    {
        for (;;) {
            sc_core::wait(irq_line.posedge_event());
            irqs++;
            if (on_irq)
                on_irq(*this);
        }
    }

    void invalidate(sc_dt::uint64 a, sc_dt::uint64 b) { invalidated.emplace_back(a, b); }

    /* The response of a non-blocking transaction: its time, then END_RESP at once. */
    tlm::tlm_sync_enum nb_bw(tlm::tlm_generic_payload &gp, tlm::tlm_phase &ph, sc_time &d)
    {
        assert_true(ph == tlm::BEGIN_RESP);
        resp_at = (sc_core::sc_time_stamp() + d).value();
        resp_status = gp.get_response_status();
        responded.notify(d);
        ph = tlm::END_RESP;
        return tlm::TLM_COMPLETED;
    }

    void wr(uint32_t off, uint32_t v)
    {
        tlm::tlm_generic_payload gp;
        sc_time d = sc_core::SC_ZERO_TIME;
        gp.set_command(tlm::TLM_WRITE_COMMAND);
        gp.set_address(off);
        gp.set_data_ptr(reinterpret_cast<unsigned char *>(&v));
        gp.set_data_length(4);
        gp.set_streaming_width(4);
        reg->b_transport(gp, d);
        assert_true(gp.is_response_ok());
    }

    uint32_t rd(uint32_t off)
    {
        tlm::tlm_generic_payload gp;
        sc_time d = sc_core::SC_ZERO_TIME;
        uint32_t v = 0;
        gp.set_command(tlm::TLM_READ_COMMAND);
        gp.set_address(off);
        gp.set_data_ptr(reinterpret_cast<unsigned char *>(&v));
        gp.set_data_length(4);
        gp.set_streaming_width(4);
        reg->b_transport(gp, d);
        assert_true(gp.is_response_ok());
        return v;
    }

    /* Bank 0 as tests/test_smmu.c's setup_bank: VMID 3, ASID 7, MID 5 routed to it. */
    void bring_up(bool stall)
    {
        wr(SMMU_CTX_REG(0, SMMU_SCTLR), SCTLR_TRE | SCTLR_AFE);
        wr(SMMU_CTX_REG(0, SMMU_ACTLR), ACTLR_CFEIE | ACTLR_CFERE |
           (ACTLR_TLBMCFG_HTW << ACTLR_TLBMCFG_SHIFT) | (stall ? ACTLR_CFCFG : 0));
        wr(SMMU_CTX_REG(0, SMMU_TTBCR), 0);
        wr(SMMU_CTX_REG(0, SMMU_TTBR0), L1_BASE);
        wr(SMMU_CTX_REG(0, SMMU_CONTEXTIDR), ASID);
        wr(SMMU_CBACR_N(0), 3u << CBACR_CBVMID_SHIFT);
        wr(SMMU_M2VCBR_N(MID), 3u | (0u << M2VCBR_CBNDX_SHIFT));
        wr(SMMU_CTX_REG(0, SMMU_SCTLR), SCTLR_TRE | SCTLR_AFE | SCTLR_M);
    }

    /* One device access; returns its response, the annotated delay in *d. */
    tlm::tlm_response_status access(uint16_t mid, uint32_t iova, bool write, uint32_t *data,
                                    sc_time &d)
    {
        tlm::tlm_generic_payload gp;
        iommusim::MidExtension ext(mid);
        gp.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
        gp.set_address(iova);
        gp.set_data_ptr(reinterpret_cast<unsigned char *>(data));
        gp.set_data_length(4);
        gp.set_streaming_width(4);
        gp.set_extension(&ext);
        dev->b_transport(gp, d);
        gp.clear_extension(&ext);
        return gp.get_response_status();
    }

    /* The latency one access adds to a zero delay, in ps; its response in *st. */
    sim_time_t latency(uint32_t iova, bool write, uint32_t *data, tlm::tlm_response_status *st)
    {
        sc_time d = sc_core::SC_ZERO_TIME;
        *st = access(MID, iova, write, data, d);
        sc_core::wait(d);
        return d.value();
    }
};

/*
 * Runs a bench with the script (and the interrupt handler) to the end of their work,
 * then checks the script finished. Each case starts from a fresh kernel and a fresh
 * SystemC context (sim_reset after the bench is deleted).
 */
static void run_bench(const std::function<void(Bench &)> &script,
                      const std::function<void(Bench &)> &on_irq = nullptr,
                      const std::function<void(Bench &)> &after = nullptr,
                      const std::function<void(Bench &)> &script2 = nullptr,
                      bool waiting_memory = false)
{
    struct smmu_config cfg = test_config();
    Bench *b = new Bench("bench", cfg);

    b->script = script;
    b->script2 = script2;
    b->on_irq = on_irq;
    b->mem.set_wait(waiting_memory);
    sc_core::sc_start(sc_time(1, sc_core::SC_MS));
    assert_true(b->finished);
    assert_true(b->finished2);
    if (after)
        after(*b);
    delete b;
    sim_reset();
}

static int fresh(void **state)
{
    (void)state;
    sim_reset();
    return 0;
}

/* ---- Timing: hand-computed latencies ----------------------------------------- */

/*
 * docs/timing.md: a translated access costs the TLB lookup (1 cycle, 5 ns); a miss
 * walks: 2 cycles of overhead (10 ns) before the L1 descriptor read, each read one
 * memory access (20 ns), the L2 read issued when the L1 one completes; then the data
 * access (20 ns) through the same memory.
 *   small page miss: 5 + 10 + 20 (L1) + 20 (L2) + 20 (data) = 75 ns
 *   the same page again (hit):  5 + 20 = 25 ns
 *   section miss: 5 + 10 + 20 (L1 only) + 20 = 55 ns
 */
static void test_timing_hand_computed(void **state)
{
    (void)state;
    run_bench([](Bench &b) {
        tlm::tlm_response_status st;
        uint32_t v = 0xCAFE0001u, r = 0;

        b.bring_up(false);
        sc_core::wait(sc_time(100, SC_NS));
        assert_int_equal(b.latency(PAGE1_VA + 0x10, true, &v, &st), 75 * SIM_NS);
        assert_int_equal(st, tlm::TLM_OK_RESPONSE);
        assert_int_equal(b.latency(PAGE1_VA + 0x10, false, &r, &st), 25 * SIM_NS);
        assert_int_equal(r, 0xCAFE0001u);
        assert_int_equal(b.latency(SECT_VA + 0x100, false, &r, &st), 55 * SIM_NS);
        assert_int_equal(st, tlm::TLM_OK_RESPONSE);
    }, nullptr, [](Bench &b) {
        uint32_t v = 0;
        /* the write landed at the translated PA: 0x00905000 + 0x10 */
        assert_true(b.mem.read32(PAGE1_PA + 0x10, &v));
        assert_int_equal(v, 0xCAFE0001u);
        /* 3 descriptor reads and 3 data accesses went through the memory socket */
        assert_int_equal(b.mem.accesses(), 6);
        const struct smmu_ctx_stats *cs = smmu_ctx_stats(b.smmu.model(), 0);
        assert_int_equal(cs->hits, 1);
        assert_int_equal(cs->misses, 2);
        assert_int_equal(cs->walks, 2);
        assert_int_equal(cs->desc_reads, 3);
    });
}

/*
 * A memory that waits in SystemC time instead of annotating: the same 75 ns for the
 * small-page miss (the waits move SystemC's time by what the annotation would have
 * added). Then two masters at once, each waiting inside the memory in turn: while one
 * is blocked in a descriptor or data read the other must not run the kernel's heap;
 * both complete, their data at the right PAs, with 2 walks and 3 descriptor reads.
 */
static void test_waiting_memory_and_two_masters(void **state)
{
    (void)state;
    static sim_time_t lat;
    lat = 0;
    run_bench([](Bench &b) {
        uint32_t v = 0xA0000001u;
        b.bring_up(false);
        sc_core::wait(sc_time(100, SC_NS));
        sc_time d = sc_core::SC_ZERO_TIME;
        sim_time_t t0 = sc_core::sc_time_stamp().value();
        assert_int_equal(b.access(MID, PAGE1_VA + 4, true, &v, d), tlm::TLM_OK_RESPONSE);
        lat = (sc_core::sc_time_stamp() + d).value() - t0;
        sc_core::wait(d);
        /* together with the other master at 300 ns */
        sc_core::wait(sc_time(300, SC_NS) - sc_core::sc_time_stamp());
        v = 0xA0000002u;
        d = sc_core::SC_ZERO_TIME;
        assert_int_equal(b.access(MID, PAGE2_VA + 8, true, &v, d), tlm::TLM_OK_RESPONSE);
    }, nullptr, [](Bench &b) {
        uint32_t v = 0;
        assert_int_equal(lat, 75 * SIM_NS);
        assert_true(b.mem.read32(PAGE1_PA + 4, &v));
        assert_int_equal(v, 0xA0000001u);
        assert_true(b.mem.read32(PAGE2_PA + 8, &v));
        assert_int_equal(v, 0xA0000002u);
        assert_true(b.mem.read32(SECT_PA + 12, &v));
        assert_int_equal(v, 0xA0000003u);
        const struct smmu_ctx_stats *cs = smmu_ctx_stats(b.smmu.model(), 0);
        /* page 1 (L1 + L2: 2 reads), page 2 (L1 + L2 again: walks share no
         * descriptors without the fetch buffer) and the section (L1: 1) */
        assert_int_equal(cs->walks, 3);
        assert_int_equal(cs->desc_reads, 5);
        assert_int_equal(cs->faults, 0);
    }, [](Bench &b) {
        uint32_t v = 0xA0000003u;
        sc_time d = sc_core::SC_ZERO_TIME;
        sc_core::wait(sc_time(300, SC_NS));
        assert_int_equal(b.access(MID, SECT_VA + 12, true, &v, d), tlm::TLM_OK_RESPONSE);
    }, true);
}

/*
 * The socket's nb-to-b conversion spawns a thread per transaction that then waits
 * forever; SystemC 2.3 frees a thread only once it has terminated, so the test ends
 * those it made (else LeakSanitizer reports them at exit).
 */
static void kill_nb2b_threads(const std::vector<sc_core::sc_object *> &objs)
{
    for (sc_core::sc_object *o : objs) {
        kill_nb2b_threads(o->get_child_objects());
        if (std::strncmp(o->basename(), "nb2b_thread", 11) == 0) {
            sc_core::sc_process_handle h(o);
            if (h.valid() && !h.terminated())
                h.kill();
        }
    }
}

/*
 * nb_transport_fw: the target socket turns BEGIN_REQ into a b_transport call of its
 * own process and answers with BEGIN_RESP when the annotated time has passed, so the
 * small-page miss issued at 100 ns is answered at 100 + 75 ns, its data at the PA.
 */
static void test_nb_transport(void **state)
{
    (void)state;
    run_bench([](Bench &b) {
        uint32_t v = 0xB0000001u;
        tlm::tlm_generic_payload gp;
        iommusim::MidExtension ext(MID);
        tlm::tlm_phase ph = tlm::BEGIN_REQ;
        sc_time d = sc_core::SC_ZERO_TIME;
        b.bring_up(false);
        sc_core::wait(sc_time(100, SC_NS) - sc_core::sc_time_stamp());
        gp.set_command(tlm::TLM_WRITE_COMMAND);
        gp.set_address(PAGE1_VA + 0x30);
        gp.set_data_ptr(reinterpret_cast<unsigned char *>(&v));
        gp.set_data_length(4);
        gp.set_streaming_width(4);
        gp.set_extension(&ext);
        assert_int_equal(b.dev->nb_transport_fw(gp, ph, d), tlm::TLM_ACCEPTED);
        sc_core::wait(b.responded);
        gp.clear_extension(&ext);
        kill_nb2b_threads(sc_core::sc_get_top_level_objects());
    }, nullptr, [](Bench &b) {
        uint32_t v = 0;
        assert_int_equal(b.resp_at, 175 * SIM_NS);
        assert_int_equal(b.resp_status, tlm::TLM_OK_RESPONSE);
        assert_true(b.mem.read32(PAGE1_PA + 0x30, &v));
        assert_int_equal(v, 0xB0000001u);
    });
}

/* ---- The same trace through the sockets and through the C model --------------- */

/*
 * The trace: writes of 4 bytes at raw IOVAs, 200 ns apart (more than the slowest
 * access, 75 ns, so the transactions never overlap and both runs see the same order).
 * It touches both pages and the section, again and in between, so that it has hits,
 * misses and walks of one and two reads.
 */
static const char *TRACE_TEXT =
    "# time_ns op target bytes\n"
    "200 W 0x50001000 4\n"
    "400 W 0x50001040 4\n"
    "600 W 0x40000000 4\n"
    "800 W 0x50002000 4\n"
    "1000 W 0x40000100 4\n"
    "1200 W 0x50002080 4\n"
    "1400 W 0x500010c0 4\n"
    "1600 W 0x40012340 4\n";

struct ref_txn {
    struct smmu_txn t;
    sim_time_t latency;
};

static void ref_done(struct smmu_txn *t)
{
    struct ref_txn *r = reinterpret_cast<struct ref_txn *>(t);
    r->latency = t->completed - t->issued;
}

static void ref_submit(void *arg)
{
    struct smmu_txn *t = static_cast<struct smmu_txn *>(arg);
    smmu_submit(static_cast<struct smmu *>(t->owner), t);
}

static std::vector<struct trace_rec> read_trace(const char *path)
{
    char err[256];
    std::vector<struct trace_rec> recs;
    struct trace_rec rec;
    struct trace_reader *r = trace_open(path, NULL, err, sizeof(err));

    assert_non_null(r);
    while (trace_next(r, &rec) == 1)
        recs.push_back(rec);
    trace_close(r);
    return recs;
}

static void test_same_as_c_model(void **state)
{
    (void)state;
    const char *path = tmp_path("tlm.trc");
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(TRACE_TEXT, f);
    fclose(f);
    std::vector<struct trace_rec> recs = read_trace(path);
    assert_int_equal(recs.size(), 8);

    /* The C model alone: the same tables, a memory of the same latency. */
    struct smmu_config cfg = test_config();
    struct physmem *pm = physmem_new();
    struct fake_mem fm;
    struct mem_port port = fake_mem_init(&fm, MEM_LAT_NS * SIM_NS);
    write_tables_pm(pm);
    struct smmu *s = smmu_new(&cfg, pm, &port, &port);
    assert_non_null(s);
    smmu_mmio_write(s, SMMU_CTX_REG(0, SMMU_SCTLR), SCTLR_TRE | SCTLR_AFE);
    smmu_mmio_write(s, SMMU_CTX_REG(0, SMMU_ACTLR), ACTLR_CFEIE | ACTLR_CFERE |
                    (ACTLR_TLBMCFG_HTW << ACTLR_TLBMCFG_SHIFT));
    smmu_mmio_write(s, SMMU_CTX_REG(0, SMMU_TTBCR), 0);
    smmu_mmio_write(s, SMMU_CTX_REG(0, SMMU_TTBR0), L1_BASE);
    smmu_mmio_write(s, SMMU_CTX_REG(0, SMMU_CONTEXTIDR), ASID);
    smmu_mmio_write(s, SMMU_CBACR_N(0), 3u << CBACR_CBVMID_SHIFT);
    smmu_mmio_write(s, SMMU_M2VCBR_N(MID), 3u);
    smmu_mmio_write(s, SMMU_CTX_REG(0, SMMU_SCTLR), SCTLR_TRE | SCTLR_AFE | SCTLR_M);
    std::vector<struct ref_txn> ref(recs.size());
    for (size_t i = 0; i < recs.size(); i++) {
        struct smmu_txn *t = &ref[i].t;
        std::memset(&ref[i], 0, sizeof(ref[i]));
        t->mid = MID;
        t->iova = (uint32_t)recs[i].addr;
        t->bytes = recs[i].bytes;
        t->write = recs[i].op == TRACE_OP_WRITE;
        t->done = ref_done;
        t->owner = s;
        sim_schedule(recs[i].time, ref_submit, t);
    }
    sim_run(SIM_TIME_MAX);
    struct smmu_ctx_stats ref_cs = *smmu_ctx_stats(s, 0);
    struct walker_stats ref_ws = *smmu_walker_stats(s);
    for (size_t i = 0; i < ref.size(); i++)
        assert_int_equal(ref[i].t.status, SMMU_DONE);
    smmu_free(s);
    physmem_free(pm);
    sim_reset();

    /* Through the sockets, issued with a quantum keeper (the local time offset). */
    std::vector<sim_time_t> lat(recs.size());
    run_bench([&](Bench &b) {
        tlm_utils::tlm_quantumkeeper qk;
        tlm_utils::tlm_quantumkeeper::set_global_quantum(sc_time(1, sc_core::SC_US));
        qk.reset();
        b.bring_up(false);
        for (size_t i = 0; i < recs.size(); i++) {
            uint32_t v = 0xD0000000u + (uint32_t)i;
            sc_time at = sc_time::from_value(recs[i].time);
            qk.set(at - sc_core::sc_time_stamp());
            if (qk.need_sync())
                qk.sync();
            sc_time d = qk.get_local_time();
            sim_time_t start = (sc_core::sc_time_stamp() + d).value();
            assert_int_equal(b.access(MID, (uint32_t)recs[i].addr, true, &v, d),
                             tlm::TLM_OK_RESPONSE);
            lat[i] = (sc_core::sc_time_stamp() + d).value() - start;
            qk.set(d);
        }
        qk.sync();
    }, nullptr, [&](Bench &b) {
        const struct smmu_ctx_stats *cs = smmu_ctx_stats(b.smmu.model(), 0);
        const struct walker_stats *ws = smmu_walker_stats(b.smmu.model());
        /*
         * The counts themselves: page 1 miss (2 reads), hit, section miss (1), page 2
         * miss (2), section hit, page 2 hit, page 1 hit, section hit: 5 hits, 3
         * misses, 3 walks, 5 descriptor reads.
         */
        assert_int_equal(cs->hits, 5);
        assert_int_equal(cs->misses, 3);
        assert_int_equal(cs->walks, 3);
        assert_int_equal(cs->desc_reads, 5);
        assert_int_equal(cs->hits, ref_cs.hits);
        assert_int_equal(cs->misses, ref_cs.misses);
        assert_int_equal(cs->walks, ref_cs.walks);
        assert_int_equal(cs->desc_reads, ref_cs.desc_reads);
        assert_int_equal(cs->faults, ref_cs.faults);
        assert_int_equal(ws->walks, ref_ws.walks);
        assert_int_equal(ws->desc_reads, ref_ws.desc_reads);
        for (size_t i = 0; i < ref.size(); i++) {
            uint32_t v = 0;
            assert_int_equal(lat[i], ref[i].latency);
            /* the data went to the C model's PA */
            assert_true(b.mem.read32(ref[i].t.pa, &v));
            assert_int_equal(v, 0xD0000000u + (uint32_t)i);
        }
    });
}

/* ---- Faults --------------------------------------------------------------------- */

/*
 * CFCFG = 0: a translation fault (L1 index 0x456 is empty) terminates at once with an
 * error; the interrupt rises; FSR holds TF (bit 1), FAR the IOVA; the handler's
 * FSR clear (write one to clear) lowers the line.
 */
static void test_fault_terminates(void **state)
{
    (void)state;
    static uint32_t fsr_seen, far_seen;
    static bool line_after_clear;
    fsr_seen = far_seen = 0;
    line_after_clear = true;
    run_bench([](Bench &b) {
        uint32_t v = 0;
        sc_time d = sc_core::SC_ZERO_TIME;
        b.bring_up(false);
        assert_int_equal(b.access(MID, HOLE_VA + 0x20, false, &v, d),
                         tlm::TLM_GENERIC_ERROR_RESPONSE);
        sc_core::wait(sc_time(1, sc_core::SC_US));
    }, [](Bench &b) {
        fsr_seen = b.rd(SMMU_CTX_REG(0, SMMU_FSR));
        far_seen = b.rd(SMMU_CTX_REG(0, SMMU_FAR));
        b.wr(SMMU_CTX_REG(0, SMMU_FSR), 0x4000000Fu);
        sc_core::wait(sc_time(1, SC_NS));
        line_after_clear = b.irq_line.read();
    }, [](Bench &b) {
        assert_int_equal(b.irqs, 1);
        assert_int_equal(fsr_seen & FSR_PENDING_MASK, FSR_TF);
        assert_int_equal(far_seen, HOLE_VA + 0x20);
        assert_false(line_after_clear);
    });
}

/* An unrouted MID (M2VCBR of MID 9 at its reset value) is a global fault: ESR.CFG. */
static void test_unrouted_mid(void **state)
{
    (void)state;
    run_bench([](Bench &b) {
        uint32_t v = 0;
        sc_time d = sc_core::SC_ZERO_TIME;
        b.bring_up(false);
        assert_int_equal(b.access(9, PAGE1_VA, false, &v, d), tlm::TLM_GENERIC_ERROR_RESPONSE);
        assert_int_equal(b.rd(SMMU_ESR) & ESR_CFG, ESR_CFG);
    });
}

/* A transaction without the MID extension is refused, not translated. */
static void test_missing_mid(void **state)
{
    (void)state;
    run_bench([](Bench &b) {
        tlm::tlm_generic_payload gp;
        uint32_t v = 0;
        sc_time d = sc_core::SC_ZERO_TIME;
        b.bring_up(false);
        gp.set_command(tlm::TLM_READ_COMMAND);
        gp.set_address(PAGE1_VA);
        gp.set_data_ptr(reinterpret_cast<unsigned char *>(&v));
        gp.set_data_length(4);
        gp.set_streaming_width(4);
        b.dev->b_transport(gp, d);
        assert_int_equal(gp.get_response_status(), tlm::TLM_GENERIC_ERROR_RESPONSE);
        assert_int_equal(smmu_stats(b.smmu.model())->transactions, 0);
    });
}

/*
 * CFCFG = 1: the fault stalls the transaction; b_transport waits. The handler, 500 ns
 * after the interrupt, maps the page (a section at 0x00C00000) in the platform's
 * memory, clears FSR and writes RESUME with TNR = 0: the walk is retried and the
 * write lands at 0x00C00000 + 0x20. The retried walk starts at the RESUME and, as
 * every walk does (docs/smmu.md), spends the lookup time and the overhead (5 + 10 ns)
 * before its L1 read (20 ns); the data access takes 20 ns: complete 55 ns later.
 */
static void test_stall_resume_retry(void **state)
{
    (void)state;
    static sim_time_t resumed_at, completed_at;
    resumed_at = completed_at = 0;
    run_bench([](Bench &b) {
        uint32_t v = 0x5EED0001u;
        sc_time d = sc_core::SC_ZERO_TIME;
        b.bring_up(true);
        assert_int_equal(b.access(MID, HOLE_VA + 0x20, true, &v, d), tlm::TLM_OK_RESPONSE);
        completed_at = (sc_core::sc_time_stamp() + d).value();
    }, [](Bench &b) {
        sc_core::wait(sc_time(500, SC_NS));
        assert_int_equal(b.rd(SMMU_CTX_REG(0, SMMU_FSR)) & (FSR_TF | FSR_SS), FSR_TF | FSR_SS);
        b.mem.write32(L1_BASE + 0x456 * 4, 0x00C20C02u);
        b.wr(SMMU_CTX_REG(0, SMMU_FSR), 0x4000000Fu);
        resumed_at = sc_core::sc_time_stamp().value();
        b.wr(SMMU_CTX_REG(0, SMMU_RESUME), 0);
    }, [](Bench &b) {
        uint32_t v = 0;
        assert_int_equal(b.irqs, 1);
        assert_true(b.mem.read32(HOLE_PA + 0x20, &v));
        assert_int_equal(v, 0x5EED0001u);
        assert_int_equal(completed_at, resumed_at + 55 * SIM_NS);
        assert_int_equal(smmu_ctx_stats(b.smmu.model(), 0)->retries, 1);
    });
}

/* RESUME with TNR = 1 terminates the stalled transaction: the error response. */
static void test_stall_resume_terminate(void **state)
{
    (void)state;
    run_bench([](Bench &b) {
        uint32_t v = 0;
        sc_time d = sc_core::SC_ZERO_TIME;
        b.bring_up(true);
        assert_int_equal(b.access(MID, HOLE_VA, false, &v, d), tlm::TLM_GENERIC_ERROR_RESPONSE);
        /* nothing stays stalled */
        assert_int_equal(b.rd(SMMU_CTX_REG(0, SMMU_FSR)) & FSR_SS, 0);
    }, [](Bench &b) {
        sc_core::wait(sc_time(100, SC_NS));
        b.wr(SMMU_CTX_REG(0, SMMU_FSR), 0x4000000Fu);
        b.wr(SMMU_CTX_REG(0, SMMU_RESUME), RESUME_TNR);
    }, [](Bench &b) {
        assert_int_equal(b.irqs, 1);
        assert_int_equal(smmu_ctx_stats(b.smmu.model(), 0)->terminated, 1);
    });
}

/* ---- DMI ------------------------------------------------------------------------ */

static bool get_dmi(Bench &b, uint16_t mid, uint32_t iova, tlm::tlm_dmi &dmi)
{
    tlm::tlm_generic_payload gp;
    iommusim::MidExtension ext(mid);
    gp.set_command(tlm::TLM_READ_COMMAND);
    gp.set_address(iova);
    gp.set_extension(&ext);
    bool ok = b.dev->get_direct_mem_ptr(gp, dmi);
    gp.clear_extension(&ext);
    return ok;
}

/*
 * A page whose translation the TLB holds is granted: the 4 KiB IOVA page
 * [0x50001000, 0x50001FFF], the pointer at its PA 0x00905000 in the memory, latency
 * the memory's 20 ns plus the lookup's 5 ns. A page not in the TLB (page 2, never
 * accessed) is not. TLBIVA of the page (VA[31:12] | ASID) invalidates exactly that
 * range upstream; TLBIVA of another page leaves it alone.
 */
static void test_dmi_invalidated_by_tlbiva(void **state)
{
    (void)state;
    run_bench([](Bench &b) {
        tlm::tlm_dmi dmi, other;
        uint32_t v = 0x11223344u;
        sc_time d = sc_core::SC_ZERO_TIME;
        b.bring_up(false);
        assert_false(get_dmi(b, MID, PAGE1_VA, dmi));       /* not in the TLB yet */
        assert_int_equal(b.access(MID, PAGE1_VA + 8, true, &v, d), tlm::TLM_OK_RESPONSE);
        sc_core::wait(d);
        assert_true(get_dmi(b, MID, PAGE1_VA + 0x123, dmi));
        assert_int_equal(dmi.get_start_address(), PAGE1_VA);
        assert_int_equal(dmi.get_end_address(), PAGE1_VA + 0xFFF);
        assert_true(dmi.is_read_write_allowed());
        assert_true(dmi.get_read_latency() == sc_time(25, SC_NS));
        uint32_t seen;
        std::memcpy(&seen, dmi.get_dmi_ptr() + 8, 4);
        assert_int_equal(seen, 0x11223344u);
        assert_false(get_dmi(b, MID, PAGE2_VA, other));
        assert_int_equal(b.smmu.dmi_granted(), 1);
        /* TLBIVA of page 2: not this grant */
        b.wr(SMMU_CTX_REG(0, SMMU_TLBIVA), PAGE2_VA | ASID);
        assert_true(b.invalidated.empty());
        /* TLBIVA of page 1 (the unmap sequence's invalidation) */
        b.wr(SMMU_CTX_REG(0, SMMU_TLBIVA), PAGE1_VA | ASID);
        assert_int_equal(b.invalidated.size(), 1);
        assert_int_equal(b.invalidated[0].first, PAGE1_VA);
        assert_int_equal(b.invalidated[0].second, PAGE1_VA + 0xFFF);
        assert_int_equal(b.smmu.dmi_granted(), 0);
        /* gone from the TLB, so no new grant until it is walked again */
        sc_core::wait(sc_time(100, SC_NS));
        assert_false(get_dmi(b, MID, PAGE1_VA, dmi));
    });
}

/*
 * Unmap as a driver does it: clear the L2 descriptor in memory, then TLBIVA. The
 * grant goes with the TLBIVA, and the next access faults (translation, level 2).
 */
static void test_dmi_invalidated_by_unmap(void **state)
{
    (void)state;
    run_bench([](Bench &b) {
        tlm::tlm_dmi dmi;
        uint32_t v = 0;
        sc_time d = sc_core::SC_ZERO_TIME;
        b.bring_up(false);
        assert_int_equal(b.access(MID, PAGE2_VA, false, &v, d), tlm::TLM_OK_RESPONSE);
        sc_core::wait(d);
        assert_true(get_dmi(b, MID, PAGE2_VA, dmi));
        b.mem.write32(L2_BASE + 2 * 4, 0);
        b.wr(SMMU_CTX_REG(0, SMMU_TLBIVA), PAGE2_VA | ASID);
        assert_int_equal(b.invalidated.size(), 1);
        assert_int_equal(b.invalidated[0].first, PAGE2_VA);
        sc_core::wait(sc_time(100, SC_NS));
        d = sc_core::SC_ZERO_TIME;
        assert_int_equal(b.access(MID, PAGE2_VA, false, &v, d), tlm::TLM_GENERIC_ERROR_RESPONSE);
        assert_int_equal(b.rd(SMMU_CTX_REG(0, SMMU_FSR)) & (FSR_TF | FSR_SL), FSR_TF | FSR_SL);
    });
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_timing_hand_computed, fresh),
        cmocka_unit_test_setup(test_waiting_memory_and_two_masters, fresh),
        cmocka_unit_test_setup(test_nb_transport, fresh),
        cmocka_unit_test_setup(test_same_as_c_model, fresh),
        cmocka_unit_test_setup(test_fault_terminates, fresh),
        cmocka_unit_test_setup(test_unrouted_mid, fresh),
        cmocka_unit_test_setup(test_missing_mid, fresh),
        cmocka_unit_test_setup(test_stall_resume_retry, fresh),
        cmocka_unit_test_setup(test_stall_resume_terminate, fresh),
        cmocka_unit_test_setup(test_dmi_invalidated_by_tlbiva, fresh),
        cmocka_unit_test_setup(test_dmi_invalidated_by_unmap, fresh),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
