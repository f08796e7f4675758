/*
 * smmu_tlm.cpp - iommusim::SmmuTlm: the C SMMU model behind TLM-2.0 sockets.
 *
 * The C model is driven as the rest of iommusim drives it, through smmu_submit and
 * its memory ports; only the ports and the clock differ. Its two mem_ports (data,
 * walk) are adapters onto mem_socket: a request becomes a b_transport at the
 * request's arrival time (the delay is arrival - sc_time_stamp()), and its done
 * callback is scheduled on the kernel heap at the time the downstream target
 * annotated. A descriptor read copies the words it read into a private physmem,
 * from which the walker decodes them when its read completes, so the platform's
 * memory serves the walks.
 *
 * The kernel heap is run with sim_run_ahead() from inside b_transport, up to the
 * caller's local time and then from event to event until the transaction is done;
 * SystemC's time never moves for it. A stalled transaction waits on m_progress
 * (notified by RESUME and by completions), so other SystemC processes run.
 */
#include "sim/tlm/smmu_tlm.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>

extern "C" {
#include "models/pte.h"
#include "models/smmu_regs.h"
#include "models/tlb.h"
#include "sim/core/kernel.h"
}

namespace iommusim {

namespace {

/* The ports of the adapter (struct mem_port.port). */
enum { PORT_DATA = 0, PORT_WALK = 1 };

#define IOVA_MAX    0xFFFFFFFFull
#define DMI_PAGE    4096ull
#define REG_BYTES   4u

inline sim_time_t sc_now_ps()
{
    return sc_core::sc_time_stamp().value();
}

inline sc_core::sc_time ps(sim_time_t v)
{
    return sc_core::sc_time::from_value(v);
}

/* The time a local time offset stands for: SystemC's time plus the delay. */
inline sim_time_t local_time(const sc_core::sc_time &delay)
{
    return sc_now_ps() + delay.value();
}

/* The annotation that brings SystemC's time to t (0 when t is already past). */
inline sc_core::sc_time delay_to(sim_time_t t)
{
    sim_time_t now = sc_now_ps();
    return ps(t > now ? t - now : 0);
}

enum mem_status mem_status_of(tlm::tlm_response_status r)
{
    switch (r) {
    case tlm::TLM_OK_RESPONSE:
        return MEM_OK;
    case tlm::TLM_ADDRESS_ERROR_RESPONSE:
        return MEM_DECODE_ERROR;
    default:
        return MEM_ERROR;
    }
}

}  // namespace

/* One dev_socket transaction, on the stack of its b_transport call. */
struct SmmuTlm::Txn {
    struct smmu_txn t;
    tlm::tlm_generic_payload *gp;
    SmmuTlm *self;
    bool done;
    bool stalled;
};

SmmuTlm::SmmuTlm(sc_core::sc_module_name name, const struct smmu_config &cfg)
    : sc_core::sc_module(name), dev_socket("dev_socket"), reg_socket("reg_socket"),
      mem_socket("mem_socket"), irq("irq")
{
    char err[256];
    struct sim_clock clk;

    if (sc_core::sc_get_time_resolution() != sc_core::sc_time(1, sc_core::SC_PS))
        SC_REPORT_FATAL(this->name(), "SystemC's time resolution must be 1 ps "
                                      "(the models' time unit, sim/core/kernel.h)");
    if (smmu_config_check(&cfg, err, sizeof(err)) != 0)
        SC_REPORT_FATAL(this->name(), (std::string("bad SMMU configuration: ") + err).c_str());
    m_tables = physmem_new();
    if (!m_tables)
        SC_REPORT_FATAL(this->name(), "out of memory for the descriptor store");
    m_data_port = {port_request, this, PORT_DATA};
    m_walk_port = {port_request, this, PORT_WALK};
    m_smmu = smmu_new(&cfg, m_tables, &m_data_port, &m_walk_port);
    if (!m_smmu)
        SC_REPORT_FATAL(this->name(), "smmu_new failed (out of memory)");
    smmu_set_irq_handler(m_smmu, irq_raised, this);
    smmu_set_observer(m_smmu, observed, this);
    sim_clock_init(&clk, cfg.name, cfg.clock_hz);
    m_lookup_ps = sim_clock_cycles(&clk, cfg.tlb_lookup_cycles);

    dev_socket.register_b_transport(this, &SmmuTlm::dev_b_transport);
    dev_socket.register_get_direct_mem_ptr(this, &SmmuTlm::dev_get_dmi);
    reg_socket.register_b_transport(this, &SmmuTlm::reg_b_transport);
    reg_socket.register_transport_dbg(this, &SmmuTlm::reg_transport_dbg);
    mem_socket.register_invalidate_direct_mem_ptr(this, &SmmuTlm::mem_invalidate);

    SC_HAS_PROCESS(SmmuTlm);
    SC_METHOD(irq_method);
    sensitive << m_irq_ev;
}

SmmuTlm::~SmmuTlm()
{
    smmu_free(m_smmu);
    physmem_free(m_tables);
}

/* ---- Time ---------------------------------------------------------------------- */

/*
 * The process running the kernel heap now, if any. A callback may block inside the
 * memory's b_transport (a target may wait); another process that enters an SMMU
 * meanwhile must not run the heap (it is not reentrant) nor touch a model in the
 * middle of that callback: it waits until the run is over. One for all instances,
 * as the heap is one.
 */
static SmmuTlm *g_runner;

/* Runs the heap up to t; false when it had to wait for another process instead. */
bool SmmuTlm::run_ahead(sim_time_t t)
{
    if (g_runner) {
        sc_core::wait(g_runner->m_idle);
        return false;
    }
    g_runner = this;
    sim_run_ahead(t);
    g_runner = nullptr;
    m_idle.notify(sc_core::SC_ZERO_TIME);
    return true;
}

/* Brings the models to time t (or leaves them where they are, when past it). */
void SmmuTlm::catch_up(sim_time_t t)
{
    while (g_runner || t > sim_now())
        if (run_ahead(t))
            break;
}

/* ---- Device side ------------------------------------------------------------- */

void SmmuTlm::txn_done(struct smmu_txn *t)
{
    Txn *x = static_cast<Txn *>(t->owner);

    x->done = true;
    x->self->m_progress.notify(sc_core::SC_ZERO_TIME);
}

void SmmuTlm::dev_b_transport(tlm::tlm_generic_payload &gp, sc_core::sc_time &delay)
{
    MidExtension *ext = nullptr;
    Txn x = {};

    gp.get_extension(ext);
    if (!ext) {
        if (!m_warned_mid)
            SC_REPORT_WARNING(name(), "dev_socket transaction without an iommusim::MidExtension "
                                      "(the bus master's MID): error response");
        m_warned_mid = true;
        gp.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
        return;
    }
    if (gp.get_command() == tlm::TLM_IGNORE_COMMAND) {
        gp.set_response_status(tlm::TLM_OK_RESPONSE);
        return;
    }
    if (gp.get_byte_enable_ptr()) {
        gp.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
        return;
    }
    if (gp.get_data_length() == 0 || gp.get_streaming_width() < gp.get_data_length()) {
        gp.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
        return;
    }
    if (gp.get_address() > IOVA_MAX || gp.get_data_length() - 1 > IOVA_MAX - gp.get_address()) {
        gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return;
    }

    catch_up(local_time(delay));
    x.gp = &gp;
    x.self = this;
    x.t.mid = ext->mid;
    x.t.iova = (uint32_t)gp.get_address();
    x.t.bytes = gp.get_data_length();
    x.t.write = gp.is_write();
    x.t.privileged = ext->privileged;
    x.t.instr = ext->instr;
    x.t.done = txn_done;
    x.t.owner = &x;
    gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    smmu_submit(m_smmu, &x.t);
    /*
     * Run the models from event to event until this transaction is done. A stalled
     * one lets SystemC run (the driver's RESUME comes from another process), as does
     * one whose remaining work another process is running.
     */
    while (!x.done) {
        sim_time_t next;
        if (!x.stalled && sim_pending(&next)) {
            run_ahead(next);
            continue;
        }
        sc_core::wait(m_progress);
    }
    if (x.t.status != SMMU_DONE) {
        /* a data access the memory refused keeps the memory's response */
        if (gp.get_response_status() == tlm::TLM_INCOMPLETE_RESPONSE ||
            gp.is_response_ok())
            gp.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
    } else if (gp.get_response_status() == tlm::TLM_INCOMPLETE_RESPONSE) {
        gp.set_response_status(tlm::TLM_OK_RESPONSE);
    }
    gp.set_dmi_allowed(false);
    delay = delay_to(x.t.completed);
}

/* ---- The memory ports -------------------------------------------------------- */

void SmmuTlm::port_complete(void *arg)
{
    struct mem_req *req = static_cast<struct mem_req *>(arg);

    req->done(req);
}

void SmmuTlm::port_request(void *target, unsigned port, struct mem_req *req)
{
    SmmuTlm *self = static_cast<SmmuTlm *>(target);

    if (port == PORT_DATA)
        self->forward_data(req);
    else
        self->forward_walk(req);
    if (req->done_at < sim_now())
        req->done_at = sim_now();
    sim_schedule(req->done_at - sim_now(), port_complete, req);
}

/* A translated access: the upstream payload itself, at the PA, then back at the IOVA. */
void SmmuTlm::forward_data(struct mem_req *req)
{
    struct smmu_txn *t = static_cast<struct smmu_txn *>(req->owner);
    Txn *x = static_cast<Txn *>(t->owner);
    tlm::tlm_generic_payload &gp = *x->gp;
    sc_dt::uint64 iova = gp.get_address();
    sc_core::sc_time d = delay_to(req->at);

    gp.set_address(req->pa);
    gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    mem_socket->b_transport(gp, d);
    gp.set_address(iova);
    req->status = mem_status_of(gp.get_response_status());
    req->done_at = std::max(local_time(d), req->at);
}

/* A descriptor (or fetch-buffer line) read: its words are kept for the walker. */
void SmmuTlm::forward_walk(struct mem_req *req)
{
    tlm::tlm_generic_payload gp;
    unsigned char buf[WALKER_BFB_LINE_BYTES];
    unsigned len = std::min<unsigned>(req->bytes, sizeof(buf));
    sc_core::sc_time d = delay_to(req->at);

    gp.set_command(req->write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
    gp.set_address(req->pa);
    gp.set_data_ptr(buf);
    gp.set_data_length(len);
    gp.set_streaming_width(len);
    gp.set_byte_enable_ptr(nullptr);
    gp.set_dmi_allowed(false);
    gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    std::memset(buf, 0, sizeof(buf));
    mem_socket->b_transport(gp, d);
    req->status = mem_status_of(gp.get_response_status());
    if (req->status == MEM_OK && !req->write)
        physmem_write(m_tables, req->pa, buf, len);
    req->done_at = std::max(local_time(d), req->at);
}

/* ---- Register window ----------------------------------------------------------- */

static bool reg_access_ok(tlm::tlm_generic_payload &gp)
{
    if (gp.get_byte_enable_ptr()) {
        gp.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
        return false;
    }
    if (gp.get_data_length() != REG_BYTES || gp.get_streaming_width() < REG_BYTES) {
        gp.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
        return false;
    }
    if (gp.get_address() >= SMMU_WINDOW_SIZE || (gp.get_address() & 3u)) {
        gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return false;
    }
    return true;
}

/* Registers whose write may change a translation that a DMI pointer stands on. */
static bool changes_translation(uint32_t off)
{
    if (off >= SMMU_M2VCBR_N(0) && off < SMMU_M2VCBR_N(SMMU_MAX_MIDS))
        return true;
    if (off >= SMMU_CBACR_N(0) && off < SMMU_CBACR_N(SMMU_MAX_CTX))
        return true;
    if (off == SMMU_CR || off == SMMU_TLBRSW)
        return true;
    if (off >= SMMU_CTX_REG(SMMU_MAX_CTX, 0))
        return false;
    switch (off & ((1u << SMMU_CTX_SHIFT) - 1u)) {
    case SMMU_SCTLR: case SMMU_ACTLR: case SMMU_CONTEXTIDR: case SMMU_TTBR0:
    case SMMU_TTBR1: case SMMU_TTBCR: case SMMU_PRRR: case SMMU_NMRR:
        return true;
    default:
        return false;
    }
}

void SmmuTlm::reg_b_transport(tlm::tlm_generic_payload &gp, sc_core::sc_time &delay)
{
    uint32_t off, v;
    sim_time_t at;

    if (gp.get_command() == tlm::TLM_IGNORE_COMMAND) {
        gp.set_response_status(tlm::TLM_OK_RESPONSE);
        return;
    }
    if (!reg_access_ok(gp))
        return;
    off = (uint32_t)gp.get_address();
    at = local_time(delay);
    catch_up(at);
    at = std::max(at, sim_now());
    if (gp.is_read()) {
        v = smmu_mmio_read(m_smmu, off);
        std::memcpy(gp.get_data_ptr(), &v, sizeof(v));
    } else {
        std::memcpy(&v, gp.get_data_ptr(), sizeof(v));
        if (changes_translation(off))
            dmi_invalidate_all();
        smmu_mmio_write_at(m_smmu, off, v, at);
        irq_recheck(at);
        m_progress.notify(sc_core::SC_ZERO_TIME);
    }
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
}

/* Debug reads of the registers (no time, no side effect); writes are refused. */
unsigned SmmuTlm::reg_transport_dbg(tlm::tlm_generic_payload &gp)
{
    uint32_t v;

    if (!gp.is_read() || !reg_access_ok(gp))
        return 0;
    v = smmu_mmio_read(m_smmu, (uint32_t)gp.get_address());
    std::memcpy(gp.get_data_ptr(), &v, sizeof(v));
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
    return REG_BYTES;
}

/* ---- Interrupt ------------------------------------------------------------------ */

void SmmuTlm::irq_raised(void *arg, struct smmu *)
{
    SmmuTlm *self = static_cast<SmmuTlm *>(arg);

    self->m_irq_want = true;
    self->m_irq_ev.notify(delay_to(sim_now()));
}

bool SmmuTlm::faults_recorded()
{
    const struct smmu_config *cfg = smmu_config(m_smmu);

    if (smmu_mmio_read(m_smmu, SMMU_ESR) & ESR_CFG)
        return true;
    for (unsigned b = 0; b < cfg->nbanks; b++)
        if (smmu_mmio_read(m_smmu, SMMU_CTX_REG(b, SMMU_FSR)) & FSR_PENDING_MASK)
            return true;
    return false;
}

/* After a register write at `at`: the line drops once no fault is recorded. */
void SmmuTlm::irq_recheck(sim_time_t at)
{
    if (m_irq_want && !faults_recorded()) {
        m_irq_want = false;
        m_irq_ev.notify(delay_to(at));
    }
}

void SmmuTlm::irq_method()
{
    irq.write(m_irq_want);
}

/* ---- Observer: stalls, resumes, TLB changes ------------------------------------- */

void SmmuTlm::observed(void *arg, struct smmu *, const struct smmu_event_info *e)
{
    SmmuTlm *self = static_cast<SmmuTlm *>(arg);

    switch (e->ev) {
    case SMMU_EV_STALL:
        static_cast<Txn *>(e->txn->owner)->stalled = true;
        break;
    case SMMU_EV_RESUME:
        static_cast<Txn *>(e->txn->owner)->stalled = false;
        self->m_progress.notify(sc_core::SC_ZERO_TIME);
        break;
    case SMMU_EV_MAINT_POST:
        self->dmi_on_maint(e->maint);
        break;
    case SMMU_EV_TLB_FILL:
        self->dmi_on_fill();
        break;
    default:
        break;
    }
}

/* ---- DMI ------------------------------------------------------------------------- */

/*
 * A DMI region is one 4 KiB IOVA page: of a bank that bypasses translation
 * (CR.CLIENTPD or SCTLR.M = 0: PA = IOVA, no cost), or whose translation the TLB
 * holds now with the permissions asked for (no walk; the DMI latency is the TLB
 * lookup). Nothing else is granted: a page that would need a walk, or fault, must go
 * through b_transport.
 */
bool SmmuTlm::dev_get_dmi(tlm::tlm_generic_payload &gp, tlm::tlm_dmi &dmi)
{
    MidExtension *ext = nullptr;
    uint64_t iova = gp.get_address(), page = iova & ~(DMI_PAGE - 1), pa_page;
    const struct smmu_config *cfg = smmu_config(m_smmu);
    Grant g = {};
    tlm::tlm_dmi down;
    tlm::tlm_generic_payload q;
    bool can_read = true, can_write = true;
    sim_time_t lookup = 0;

    gp.get_extension(ext);
    if (!ext || iova > IOVA_MAX || ext->mid >= cfg->nmids)
        return false;
    uint32_t m2v = smmu_mmio_read(m_smmu, SMMU_M2VCBR_N(ext->mid));
    unsigned bank = (m2v >> M2VCBR_CBNDX_SHIFT) & M2VCBR_CBNDX_MASK;
    if (bank >= cfg->nbanks)
        return false;
    uint32_t sctlr = smmu_mmio_read(m_smmu, SMMU_CTX_REG(bank, SMMU_SCTLR));
    g.start = page;
    g.end = page + DMI_PAGE - 1;
    if ((smmu_mmio_read(m_smmu, SMMU_CR) & CR_CLIENTPD) || !(sctlr & SCTLR_M)) {
        pa_page = page;
        g.ent_va = page;
        g.ent_end = g.end;
    } else {
        g.translated = true;
        g.vmid = (uint8_t)((m2v >> M2VCBR_VMID_SHIFT) & M2VCBR_VMID_MASK);
        g.asid = (uint8_t)smmu_mmio_read(m_smmu, SMMU_CTX_REG(bank, SMMU_CONTEXTIDR));
        const struct tlb_entry *e = tlb_probe(smmu_tlb_now(m_smmu), g.vmid, g.asid, iova);
        if (!e)
            return false;
        unsigned base = (ext->privileged ? ACCESS_PRIV : 0) | (ext->instr ? ACCESS_INSTR : 0);
        bool afe = sctlr & SCTLR_AFE;
        can_read = pte_check_access(&e->attrs, base, afe) == PTE_OK;
        can_write = pte_check_access(&e->attrs, base | ACCESS_WRITE, afe) == PTE_OK;
        if (!can_read && !can_write)
            return false;
        g.ent_va = e->va;
        g.ent_end = e->va + page_bytes(e->size) - 1;
        pa_page = (e->pa + (uint32_t)(page - e->va));
        lookup = m_lookup_ps;
    }
    q.set_command(tlm::TLM_READ_COMMAND);
    q.set_address(pa_page);
    if (!mem_socket->get_direct_mem_ptr(q, down))
        return false;
    if (down.get_start_address() > pa_page || down.get_end_address() < pa_page + DMI_PAGE - 1)
        return false;
    dmi.set_dmi_ptr(down.get_dmi_ptr() + (pa_page - down.get_start_address()));
    dmi.set_start_address(g.start);
    dmi.set_end_address(g.end);
    unsigned acc = (can_read && down.is_read_allowed() ? tlm::tlm_dmi::DMI_ACCESS_READ : 0) |
                   (can_write && down.is_write_allowed() ? tlm::tlm_dmi::DMI_ACCESS_WRITE : 0);
    if (!acc)
        return false;
    dmi.set_granted_access(static_cast<tlm::tlm_dmi::dmi_access_e>(acc));
    dmi.set_read_latency(down.get_read_latency() + ps(lookup));
    dmi.set_write_latency(down.get_write_latency() + ps(lookup));
    m_grants.push_back(g);
    return true;
}

void SmmuTlm::dmi_invalidate_if(bool (*hit)(const Grant &, const void *), const void *arg)
{
    size_t out = 0;

    for (size_t i = 0; i < m_grants.size(); i++) {
        const Grant &g = m_grants[i];
        if (!hit(g, arg)) {
            m_grants[out++] = g;
            continue;
        }
        m_dmi_invalidations++;
        dev_socket->invalidate_direct_mem_ptr(g.start, g.end);
    }
    m_grants.resize(out);
}

void SmmuTlm::dmi_invalidate_all()
{
    dmi_invalidate_if([](const Grant &, const void *) { return true; }, nullptr);
}

/*
 * A TLB operation written: TLBIVA and TLBIVAA remove the entries that hold their VA,
 * so the grants standing on such an entry go; every other operation (all, by VMID,
 * by ASID) may remove any entry, so every grant goes.
 */
void SmmuTlm::dmi_on_maint(const struct smmu_maint_op *op)
{
    if (op->op == SMMU_OP_TLBIVA || op->op == SMMU_OP_TLBIVAA) {
        dmi_invalidate_if([](const Grant &g, const void *a) {
            uint64_t va = *static_cast<const uint32_t *>(a);
            return g.translated && va >= (g.ent_va & ~(DMI_PAGE - 1)) && va <= g.ent_end;
        }, &op->va);
        return;
    }
    dmi_invalidate_if([](const Grant &, const void *) { return true; }, nullptr);
}

/* A fill may have evicted the entry a grant stands on: that page would walk again. */
void SmmuTlm::dmi_on_fill()
{
    const struct tlb *tlb = smmu_tlb_now(m_smmu);

    dmi_invalidate_if([](const Grant &g, const void *a) {
        return g.translated &&
               !tlb_probe(static_cast<const struct tlb *>(a), g.vmid, g.asid, g.start);
    }, tlb);
}

/* The memory withdrew DMI: every grant may stand on it. */
void SmmuTlm::mem_invalidate(sc_dt::uint64, sc_dt::uint64)
{
    dmi_invalidate_all();
}

}  // namespace iommusim
