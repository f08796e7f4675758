/*
 * memory.h - iommusim::TlmMemory, a plain TLM-2.0 memory for platforms and tests.
 *
 * One contiguous region [base, base + size) of host memory behind a target socket:
 * b_transport copies the data and adds a fixed latency per access to the delay (or,
 * after set_wait(true), waits for it);
 * get_direct_mem_ptr grants the whole region (read and write, the same latency);
 * transport_dbg copies without time. An access outside the region, with byte
 * enables or a streaming width below its length gets the matching error response.
 * The example platform and tests/test_tlm.cpp put it under iommusim::SmmuTlm
 * (docs/tlm.md); a real platform uses its own memory model.
 */
#ifndef IOMMUSIM_SIM_TLM_MEMORY_H
#define IOMMUSIM_SIM_TLM_MEMORY_H

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include <cstdint>
#include <vector>

namespace iommusim {

class TlmMemory : public sc_core::sc_module {
public:
    tlm_utils::simple_target_socket<TlmMemory> socket;

    TlmMemory(sc_core::sc_module_name name, uint64_t base, uint64_t size,
              sc_core::sc_time latency);

    /* Host-side access for a test or a loader (no time); false outside the region. */
    bool write32(uint64_t addr, uint32_t v);
    bool read32(uint64_t addr, uint32_t *v) const;
    uint64_t accesses() const { return m_accesses; }
    /* Withdraws every DMI pointer it granted (invalidate_direct_mem_ptr upstream). */
    void invalidate_dmi();
    /* true: b_transport waits for the latency in SystemC time (a target that
     * synchronises) instead of adding it to the delay; the caller must be a thread. */
    void set_wait(bool w) { m_wait = w; }

private:
    void b_transport(tlm::tlm_generic_payload &gp, sc_core::sc_time &delay);
    bool get_dmi(tlm::tlm_generic_payload &gp, tlm::tlm_dmi &dmi);
    unsigned transport_dbg(tlm::tlm_generic_payload &gp);
    bool check(tlm::tlm_generic_payload &gp) const;

    uint64_t m_base;
    std::vector<unsigned char> m_mem;
    sc_core::sc_time m_latency;
    uint64_t m_accesses = 0;
    bool m_wait = false;
};

}  // namespace iommusim

#endif
