/*
 * fabric.h - the multimedia (MMSS) fabric: master ports into one gateway to DRAM.
 *
 * Each master port has a width and moves a request in ceil(bytes / port width)
 * fabric cycles (a timeline per port). The ports share one gateway of
 * gateway_width_bytes per cycle towards the memory; requests that wait for the
 * gateway at the same time are granted round-robin between ports (the port after
 * the last one granted goes first). A request that finds the gateway idle and nobody
 * waiting is granted at once. Every request also pays a fixed hop latency in fabric
 * cycles. After the gateway the request goes to the downstream port (the DRAM).
 *
 * The exact timing rules, with worked examples, are in docs/timing.md.
 *
 * Requests to a port that does not exist, of no bytes, or with an arrival time in
 * the past complete with MEM_ERROR. A fabric may only be freed when no request is in
 * flight through it, and must be rebuilt after sim_reset() (its state refers to
 * kernel work that the reset discards).
 */
#ifndef IOMMUSIM_MODELS_FABRIC_H
#define IOMMUSIM_MODELS_FABRIC_H

#include <stdint.h>

#include "models/mem.h"
#include "sim/core/kernel.h"

#define FABRIC_MAX_PORTS 64

struct fabric_config {
    uint64_t clock_hz;
    unsigned gateway_width_bytes;   /* bytes per cycle through the gateway */
    unsigned hop_cycles;            /* fixed latency per request */
    unsigned nports;                /* 1..FABRIC_MAX_PORTS */
    unsigned port_width_bytes[FABRIC_MAX_PORTS];
    const char *port_name[FABRIC_MAX_PORTS];
};

struct fabric_port_stats {
    uint64_t requests, bytes;
    sim_time_t wait;                /* total time spent waiting for the gateway */
    sim_time_t link_wait;           /* total time spent waiting for the port's own link */
};

struct fabric_gateway_stats {
    uint64_t grants_immediate;      /* found the gateway idle: granted at hand-over */
    uint64_t grants_arbitrated;     /* granted by an arbitration event */
    sim_time_t busy;                /* total time the gateway moved data */
};

struct fabric;

int fabric_config_check(const struct fabric_config *cfg, char *err, unsigned errlen);
struct fabric *fabric_new(const struct fabric_config *cfg, const struct mem_port *downstream);
void fabric_free(struct fabric *f);
struct mem_port fabric_port(struct fabric *f, unsigned port);
const struct fabric_port_stats *fabric_port_stats(const struct fabric *f, unsigned port);
const struct fabric_gateway_stats *fabric_gateway_stats(const struct fabric *f);

#endif
