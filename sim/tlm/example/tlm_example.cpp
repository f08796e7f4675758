/*
 * tlm_example.cpp - build/tlm-example: a small SystemC platform around the wrapped
 * SMMU (docs/tlm.md, "A worked example").
 *
 *   tlm-example [--quantum NS] [TRACE]      (default TRACE: traces/example.din)
 *
 * Four parts, bound with plain TLM-2.0 sockets and run with one sc_start:
 *   TrafficGen  replays a trace (sim/trace reader) through the SMMU's device socket,
 *               loosely timed: a tlm_quantumkeeper keeps its local time, each access
 *               goes out at the record's time and adds the SMMU's annotation;
 *   SmmuTlm     the C SMMU model (sim/tlm/smmu_tlm.h);
 *   TlmMemory   64 MiB at PA 0x80000000 holding the page tables and the data;
 *   Driver      programs the SMMU through its register socket: bank 0 with MID 0
 *               routed to it, TTBR0 at the L1 table, stall on faults (ACTLR.CFCFG),
 *               SCTLR.M; then it maps on demand: on each interrupt it reads FAR,
 *               writes a 1 MiB section for that IOVA into the L1 table in memory,
 *               clears FSR and writes RESUME (retry).
 * Raw-IOVA records go to their IOVA; named buffers (the text format's "NAME+OFF")
 * get 16 MiB of IOVA each from 0x10000000, in order of first use.
 * The run ends when nothing is left to do (the driver then only waits for an
 * interrupt); it prints the SMMU's counters. Errors (unreadable or malformed trace,
 * out of sections) name the file and line, and exit 1.
 */
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/tlm_quantumkeeper.h>

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

extern "C" {
#include "models/pte.h"
#include "models/smmu.h"
#include "models/smmu_regs.h"
#include "sim/trace/trace.h"
}

#include "sim/tlm/memory.h"
#include "sim/tlm/smmu_tlm.h"

namespace {

using sc_core::sc_time;
using sc_core::SC_NS;

#define MEM_BASE        0x80000000u
#define MEM_BYTES       (64u << 20)
#define L1_TABLE        MEM_BASE                /* 16 KiB aligned */
#define FIRST_SECTION   (MEM_BASE + (1u << 20)) /* sections handed out from here */
#define SECTION         (1u << 20)
#define BUFFER_IOVA     0x10000000ull           /* named buffers: 16 MiB each from here */
#define BUFFER_SPAN     (16ull << 20)
#define TRAFFIC_MID     0
#define VMID            1
#define ASID            1

/* A section descriptor: user RW (AP1 AP0, AFE model), non-global, type 0b10. */
inline uint32_t section_desc(uint32_t pa)
{
    return (pa & PTE_SECT_BASE_MASK) | PTE_SECT_AP0 | PTE_SECT_AP1 | PTE_SECT_NG | PTE_L1_TYPE_SECT;
}

struct Driver : sc_core::sc_module {
    tlm_utils::simple_initiator_socket<Driver> reg;
    sc_core::sc_in<bool> irq;
    iommusim::TlmMemory &mem;
    uint32_t next_section = FIRST_SECTION;
    unsigned mapped = 0;
    bool failed = false;
    sc_core::sc_event up;

    SC_HAS_PROCESS(Driver);
    Driver(sc_core::sc_module_name n, iommusim::TlmMemory &m)
        : sc_core::sc_module(n), reg("reg"), irq("irq"), mem(m)
    {
        SC_THREAD(run);
    }

    void access(bool write, uint32_t off, uint32_t *v)
    {
        tlm::tlm_generic_payload gp;
        sc_time d = sc_core::SC_ZERO_TIME;
        gp.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
        gp.set_address(off);
        gp.set_data_ptr(reinterpret_cast<unsigned char *>(v));
        gp.set_data_length(4);
        gp.set_streaming_width(4);
        reg->b_transport(gp, d);
        if (!gp.is_response_ok())
            SC_REPORT_FATAL(name(), "register access refused");
        sc_core::wait(d);
    }
    void wr(uint32_t off, uint32_t v) { access(true, off, &v); }
    uint32_t rd(uint32_t off)
    {
        uint32_t v = 0;
        access(false, off, &v);
        return v;
    }

    /* The bring-up of bank 0, as vcm/smmu_driver.c orders it: M last. */
    void bring_up()
    {
        wr(SMMU_CTX_REG(0, SMMU_SCTLR), SCTLR_TRE | SCTLR_AFE);
        wr(SMMU_CTX_REG(0, SMMU_ACTLR), ACTLR_CFEIE | ACTLR_CFERE | ACTLR_CFCFG |
           (ACTLR_TLBMCFG_HTW << ACTLR_TLBMCFG_SHIFT));
        wr(SMMU_CTX_REG(0, SMMU_TTBCR), 0);
        wr(SMMU_CTX_REG(0, SMMU_TTBR0), L1_TABLE);
        wr(SMMU_CTX_REG(0, SMMU_CONTEXTIDR), ASID);
        wr(SMMU_CBACR_N(0), VMID << CBACR_CBVMID_SHIFT);
        wr(SMMU_M2VCBR_N(TRAFFIC_MID), VMID | (0u << M2VCBR_CBNDX_SHIFT));
        wr(SMMU_CTX_REG(0, SMMU_SCTLR), SCTLR_TRE | SCTLR_AFE | SCTLR_M);
    }

    /* A translation fault: map FAR's 1 MiB, then retry; anything else terminates. */
    void handle_fault()
    {
        uint32_t fsr = rd(SMMU_CTX_REG(0, SMMU_FSR));
        uint32_t far = rd(SMMU_CTX_REG(0, SMMU_FAR));
        bool retry = false;

        if ((fsr & FSR_TF) && next_section + SECTION <= MEM_BASE + MEM_BYTES) {
            mem.write32(L1_TABLE + (far >> 20) * 4, section_desc(next_section));
            next_section += SECTION;
            mapped++;
            retry = true;
        } else if (fsr & FSR_TF) {
            std::fprintf(stderr, "tlm-example: out of memory for a section at IOVA 0x%08" PRIx32
                         " (64 MiB, %u sections mapped)\n", far, mapped);
            failed = true;
        }
        wr(SMMU_CTX_REG(0, SMMU_FSR), 0x4000000Fu);
        if (fsr & FSR_SS)
            wr(SMMU_CTX_REG(0, SMMU_RESUME), retry ? 0 : RESUME_TNR);
    }

    void run()
    {
        bring_up();
        up.notify();
        for (;;) {
            if (!irq.read())
                sc_core::wait(irq.posedge_event());
            handle_fault();
        }
    }
};

struct TrafficGen : sc_core::sc_module {
    tlm_utils::simple_initiator_socket<TrafficGen> dev;
    struct trace_reader *reader;
    const char *path;
    Driver &driver;
    uint64_t accesses = 0, errors = 0;
    sim_time_t busy_ps = 0;
    bool bad_trace = false, finished = false;

    SC_HAS_PROCESS(TrafficGen);
    TrafficGen(sc_core::sc_module_name n, struct trace_reader *r, const char *p, Driver &d)
        : sc_core::sc_module(n), dev("dev"), reader(r), path(p), driver(d)
    {
        SC_THREAD(run);
    }

    uint64_t iova_of(const struct trace_rec &rec) const
    {
        if (rec.buffer == TRACE_RAW)
            return rec.addr;
        return BUFFER_IOVA + rec.buffer * BUFFER_SPAN + rec.addr;
    }

    void run()
    {
        tlm_utils::tlm_quantumkeeper qk;
        std::vector<unsigned char> data;
        struct trace_rec rec;
        int st;

        sc_core::wait(driver.up);
        qk.reset();
        while ((st = trace_next(reader, &rec)) == 1) {
            if (rec.op != TRACE_OP_READ && rec.op != TRACE_OP_WRITE)
                continue;
            sc_time at = sc_time::from_value(rec.time);
            sc_time now = sc_core::sc_time_stamp() + qk.get_local_time();
            if (at > now)
                qk.inc(at - now);
            if (qk.need_sync())
                qk.sync();
            data.assign(rec.bytes, 0);
            tlm::tlm_generic_payload gp;
            iommusim::MidExtension ext(TRAFFIC_MID);
            gp.set_command(rec.op == TRACE_OP_WRITE ? tlm::TLM_WRITE_COMMAND
                                                    : tlm::TLM_READ_COMMAND);
            gp.set_address(iova_of(rec));
            gp.set_data_ptr(data.data());
            gp.set_data_length(rec.bytes);
            gp.set_streaming_width(rec.bytes);
            gp.set_extension(&ext);
            sc_time d = qk.get_local_time(), before = d;
            dev->b_transport(gp, d);
            gp.clear_extension(&ext);
            /* a stalled access waited in SystemC time: the local time restarts there */
            qk.set(d);
            busy_ps += (d > before ? d - before : sc_core::SC_ZERO_TIME).value();
            accesses++;
            if (!gp.is_response_ok())
                errors++;
        }
        if (st < 0) {
            std::fprintf(stderr, "%s\n", trace_error(reader));
            bad_trace = true;
        }
        qk.sync();
        finished = true;
    }
};

struct smmu_config example_config()
{
    struct smmu_config c = {};
    c.name = "smmu0";
    c.base = 0x07500000;
    c.nbanks = 1;
    c.nmids = 16;
    c.irq = 59;
    c.tlb.entries = 16;
    c.tlb.ways = 16;
    c.tlb.replacement = TLB_LRU;
    c.tlb.seed = 1;
    c.clock_hz = 200000000;
    c.tlb_lookup_cycles = 1;
    c.walk_overhead_cycles = 2;
    c.max_walks = 2;
    c.hit_under_miss = true;
    return c;
}

int usage()
{
    std::fprintf(stderr, "usage: tlm-example [--quantum NS] [TRACE]  (default trace: "
                         "traces/example.din)\n");
    return 1;
}

}  // namespace

int main(int argc, char **argv)
{
    const char *path = "traces/example.din";
    unsigned long quantum_ns = 1000;
    char err[TRACE_ERR_MAX];
    int i;

    for (i = 1; i < argc; i++) {
        if (!std::strcmp(argv[i], "--quantum")) {
            char *end;
            if (i + 1 >= argc)
                return usage();
            errno = 0;
            quantum_ns = std::strtoul(argv[++i], &end, 10);
            if (errno || *end || end == argv[i] || quantum_ns == 0) {
                std::fprintf(stderr, "tlm-example: --quantum: '%s' is not a positive number "
                                     "of nanoseconds\n", argv[i]);
                return 1;
            }
        } else if (argv[i][0] == '-' && argv[i][1]) {
            std::fprintf(stderr, "tlm-example: unknown option '%s'\n", argv[i]);
            return usage();
        } else if (i == argc - 1) {
            path = argv[i];
        } else {
            return usage();
        }
    }
    struct trace_reader *reader = trace_open(path, nullptr, err, sizeof(err));
    if (!reader) {
        std::fprintf(stderr, "tlm-example: %s\n", err);
        return 1;
    }
    tlm_utils::tlm_quantumkeeper::set_global_quantum(sc_time((double)quantum_ns, SC_NS));

    struct smmu_config cfg = example_config();
    iommusim::SmmuTlm smmu("smmu0", cfg);
    iommusim::TlmMemory mem("dram", MEM_BASE, MEM_BYTES, sc_time(50, SC_NS));
    Driver driver("driver", mem);
    TrafficGen gen("gen", reader, path, driver);
    sc_core::sc_signal<bool> irq("irq");

    gen.dev.bind(smmu.dev_socket);
    driver.reg.bind(smmu.reg_socket);
    smmu.mem_socket.bind(mem.socket);
    smmu.irq(irq);
    driver.irq(irq);
    sc_core::sc_start();
    trace_close(reader);
    if (gen.bad_trace || driver.failed || !gen.finished)
        return 1;

    const struct smmu_ctx_stats *cs = smmu_ctx_stats(smmu.model(), 0);
    const struct walker_stats *ws = smmu_walker_stats(smmu.model());
    std::printf("trace %s: %" PRIu64 " accesses, %" PRIu64 " errors, until %s\n", path,
                gen.accesses, gen.errors, sc_core::sc_time_stamp().to_string().c_str());
    std::printf("smmu0: translations %" PRIu64 ", hits %" PRIu64 ", misses %" PRIu64
                ", walks %" PRIu64 ", descriptor reads %" PRIu64 "\n",
                cs->translations, cs->hits, cs->misses, cs->walks, ws->desc_reads);
    std::printf("smmu0: faults %" PRIu64 ", stalls %" PRIu64 ", retries %" PRIu64
                ", sections mapped on demand %u\n", cs->faults, cs->stalls, cs->retries,
                driver.mapped);
    std::printf("dram: %" PRIu64 " accesses\n", mem.accesses());
    return 0;
}
