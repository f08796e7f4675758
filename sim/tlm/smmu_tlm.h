/*
 * smmu_tlm.h - the Qualcomm SMMU v1 model (models/smmu.h) as a TLM-2.0 component.
 *
 * iommusim::SmmuTlm wraps one C model instance, unchanged, for SystemC virtual
 * platforms (docs/tlm.md):
 *
 *   dev_socket  target, upstream DMA at IOVAs; b_transport translates through the C
 *               model's timed path (routing, TLB, walks, faults, stall) and adds the
 *               transaction's latency, walks and data access included, to the delay.
 *               Every transaction carries an iommusim::MidExtension (its MID).
 *               get_direct_mem_ptr grants DMI under the rules of docs/tlm.md.
 *   reg_socket  target, the register window: offsets 0 .. SMMU_WINDOW_SIZE - 1 of
 *               models/smmu_regs.h, 32-bit accesses (smmu_mmio_read/_write_at).
 *   mem_socket  initiator, towards the platform's interconnect or memory, at PAs:
 *               the translated data accesses and the walker's descriptor reads.
 *   irq         the non-secure context/global fault interrupt, level: raised when
 *               the model raises it, lowered when a register write leaves no fault
 *               recorded (FSR[7:1] of every bank, ESR.CFG).
 *
 * Time: the C models run on sim/core/kernel's event heap, which this component
 * drives with sim_run_ahead() from the SystemC process that calls b_transport: the
 * models' time is that process's local time (sc_time_stamp() + delay), ahead of
 * SystemC's, as in the loosely-timed style. Nobody calls sim_run in a platform.
 *
 * Faults: a context fault completes with TLM_GENERIC_ERROR_RESPONSE when the bank's
 * ACTLR.CFCFG is 0 (or CR.STALLD is set); with CFCFG = 1 the b_transport call waits
 * (sc_event) until RESUME is written through reg_socket: TNR = 0 retries, TNR = 1
 * terminates with the error response. An unrouted MID gives the error response too.
 */
#ifndef IOMMUSIM_SIM_TLM_SMMU_TLM_H
#define IOMMUSIM_SIM_TLM_SMMU_TLM_H

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <cstdint>
#include <vector>

extern "C" {
#include "models/physmem.h"
#include "models/smmu.h"
}

namespace iommusim {

/*
 * The bus master's identity on the device side, carried by every dev_socket
 * transaction: the MID that M2VCBR routes (0 .. nmids - 1), and the AXI AxPROT
 * bits the permission check and FSYNR1 see. A transaction without it completes with
 * TLM_GENERIC_ERROR_RESPONSE (and one warning naming the component).
 */
struct MidExtension : tlm::tlm_extension<MidExtension> {
    uint16_t mid = 0;
    bool privileged = false;
    bool instr = false;

    MidExtension() = default;
    explicit MidExtension(uint16_t m, bool priv = false, bool ins = false)
        : mid(m), privileged(priv), instr(ins) {}
    tlm::tlm_extension_base *clone() const override { return new MidExtension(*this); }
    void copy_from(const tlm::tlm_extension_base &other) override
    {
        *this = static_cast<const MidExtension &>(other);
    }
};

class SmmuTlm : public sc_core::sc_module {
public:
    tlm_utils::simple_target_socket<SmmuTlm> dev_socket;
    tlm_utils::simple_target_socket<SmmuTlm> reg_socket;
    tlm_utils::simple_initiator_socket<SmmuTlm> mem_socket;
    sc_core::sc_out<bool> irq;

    /* cfg as for smmu_new (smmu_config_check); a bad one is SC_REPORT_FATAL with the
     * model's sentence. */
    SmmuTlm(sc_core::sc_module_name name, const struct smmu_config &cfg);
    ~SmmuTlm() override;
    SmmuTlm(const SmmuTlm &) = delete;
    SmmuTlm &operator=(const SmmuTlm &) = delete;

    /* The C model, for its statistics (smmu_ctx_stats, smmu_walker_stats, ...). */
    struct smmu *model() { return m_smmu; }
    /* DMI regions granted and not yet invalidated; invalidations sent upstream. */
    size_t dmi_granted() const { return m_grants.size(); }
    uint64_t dmi_invalidations() const { return m_dmi_invalidations; }

private:
    struct Txn;
    struct Grant {
        uint64_t start, end;        /* IOVA range granted, inclusive */
        uint64_t ent_va, ent_end;   /* the TLB entry it stands on (bypass: the page) */
        bool translated;            /* false: a bypassed bank, PA = IOVA */
        uint8_t vmid, asid;
    };

    void dev_b_transport(tlm::tlm_generic_payload &gp, sc_core::sc_time &delay);
    bool dev_get_dmi(tlm::tlm_generic_payload &gp, tlm::tlm_dmi &dmi);
    void reg_b_transport(tlm::tlm_generic_payload &gp, sc_core::sc_time &delay);
    unsigned reg_transport_dbg(tlm::tlm_generic_payload &gp);
    void mem_invalidate(sc_dt::uint64 start, sc_dt::uint64 end);
    void irq_method();

    static void port_request(void *target, unsigned port, struct mem_req *req);
    static void port_complete(void *arg);
    static void irq_raised(void *arg, struct smmu *s);
    static void observed(void *arg, struct smmu *s, const struct smmu_event_info *e);
    static void txn_done(struct smmu_txn *t);

    bool run_ahead(sim_time_t t);
    void catch_up(sim_time_t t);
    void forward_data(struct mem_req *req);
    void forward_walk(struct mem_req *req);
    void irq_recheck(sim_time_t at);
    bool faults_recorded();
    void dmi_invalidate_all();
    void dmi_invalidate_if(bool (*hit)(const Grant &, const void *), const void *arg);
    void dmi_on_maint(const struct smmu_maint_op *op);
    void dmi_on_fill();

    struct smmu *m_smmu = nullptr;
    struct physmem *m_tables = nullptr;     /* descriptors as read through mem_socket */
    struct mem_port m_data_port = {}, m_walk_port = {};
    sc_core::sc_event m_progress;           /* a transaction completed or was resumed */
    sc_core::sc_event m_irq_ev;             /* the irq level may change */
    sc_core::sc_event m_idle;               /* this instance's heap run ended */
    bool m_irq_want = false;
    bool m_warned_mid = false;
    sim_time_t m_lookup_ps = 0;
    std::vector<Grant> m_grants;
    uint64_t m_dmi_invalidations = 0;
};

}  // namespace iommusim

#endif
