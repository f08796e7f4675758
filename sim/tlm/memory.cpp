/*
 * memory.cpp - iommusim::TlmMemory (memory.h): a contiguous TLM-2.0 memory with a
 * fixed latency and DMI over the whole region.
 */
#include "sim/tlm/memory.h"

#include <cstring>

namespace iommusim {

TlmMemory::TlmMemory(sc_core::sc_module_name name, uint64_t base, uint64_t size,
                     sc_core::sc_time latency)
    : sc_core::sc_module(name), socket("socket"), m_base(base), m_mem(size, 0),
      m_latency(latency)
{
    if (size == 0)
        SC_REPORT_FATAL(this->name(), "a memory of 0 bytes");
    socket.register_b_transport(this, &TlmMemory::b_transport);
    socket.register_get_direct_mem_ptr(this, &TlmMemory::get_dmi);
    socket.register_transport_dbg(this, &TlmMemory::transport_dbg);
}

bool TlmMemory::write32(uint64_t addr, uint32_t v)
{
    if (addr < m_base || addr - m_base > m_mem.size() - 4)
        return false;
    std::memcpy(&m_mem[addr - m_base], &v, 4);
    return true;
}

bool TlmMemory::read32(uint64_t addr, uint32_t *v) const
{
    if (addr < m_base || addr - m_base > m_mem.size() - 4)
        return false;
    std::memcpy(v, &m_mem[addr - m_base], 4);
    return true;
}

void TlmMemory::invalidate_dmi()
{
    socket->invalidate_direct_mem_ptr(m_base, m_base + m_mem.size() - 1);
}

bool TlmMemory::check(tlm::tlm_generic_payload &gp) const
{
    uint64_t a = gp.get_address(), n = gp.get_data_length();

    if (gp.get_byte_enable_ptr()) {
        gp.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
        return false;
    }
    if (gp.get_streaming_width() < n) {
        gp.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
        return false;
    }
    if (a < m_base || n > m_mem.size() || a - m_base > m_mem.size() - n) {
        gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return false;
    }
    return true;
}

void TlmMemory::b_transport(tlm::tlm_generic_payload &gp, sc_core::sc_time &delay)
{
    if (transport_dbg(gp) == 0 && !gp.is_response_ok())
        return;
    m_accesses++;
    if (m_wait)
        sc_core::wait(m_latency);
    else
        delay += m_latency;
    gp.set_dmi_allowed(true);
}

unsigned TlmMemory::transport_dbg(tlm::tlm_generic_payload &gp)
{
    if (!check(gp))
        return 0;
    unsigned char *p = &m_mem[gp.get_address() - m_base];
    if (gp.is_write())
        std::memcpy(p, gp.get_data_ptr(), gp.get_data_length());
    else if (gp.is_read())
        std::memcpy(gp.get_data_ptr(), p, gp.get_data_length());
    gp.set_response_status(tlm::TLM_OK_RESPONSE);
    return gp.get_data_length();
}

bool TlmMemory::get_dmi(tlm::tlm_generic_payload &, tlm::tlm_dmi &dmi)
{
    dmi.set_dmi_ptr(m_mem.data());
    dmi.set_start_address(m_base);
    dmi.set_end_address(m_base + m_mem.size() - 1);
    dmi.allow_read_write();
    dmi.set_read_latency(m_latency);
    dmi.set_write_latency(m_latency);
    return true;
}

}  // namespace iommusim
