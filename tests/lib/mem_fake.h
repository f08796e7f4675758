/*
 * tests/lib/mem_fake.h - both ends of a memory port (models/mem.h), for the timing tests
 * of the models that send or serve requests through one.
 *
 * struct fake_mem is a target with no contention: it answers every request exactly
 * `latency` after the request's arrival time (done_at = at + latency, however many are
 * in flight), with MEM_OK or, when told, a slave error (MEM_ERROR) or a decode error
 * (MEM_DECODE_ERROR), and it records each
 * request in hand-over order, so a test reads off when a model issued what. It checks
 * the port's timing contract on the way: a request never arrives before sim_now().
 * The SMMU, walker and master tests put it under the model, the fabric tests behind
 * the fabric's far side.
 *
 * struct probe_req is a requester: one request and what its completion looked like
 * (how often done ran, and sim_now() inside it), for the DRAM and fabric tests.
 *
 * Both use cmocka's assertions: for test programs only.
 */
#ifndef IOMMUSIM_TESTS_LIB_MEM_FAKE_H
#define IOMMUSIM_TESTS_LIB_MEM_FAKE_H

#include <stdbool.h>
#include <stdint.h>

#include "models/mem.h"
#include "sim/core/kernel.h"

#define FAKE_MEM_LOG    1024    /* requests recorded; later ones are counted only */

struct fake_mem_rec {
    uint32_t pa, bytes;
    bool write;
    sim_time_t at;              /* arrival time at the target */
};

struct fake_mem {
    /* set by the test (fake_mem_init sets latency and clears the rest) */
    sim_time_t latency;
    bool fail_all;              /* every request ends in MEM_ERROR */
    bool fail;                  /* requests to fail_pa end in MEM_ERROR */
    uint32_t fail_pa;
    bool fail_decode;           /* failed requests end in MEM_DECODE_ERROR, not MEM_ERROR */
    /* what it was handed */
    unsigned requests;
    struct fake_mem_rec log[FAKE_MEM_LOG];
};

/*
 * Clears *m, sets its latency and returns the port to hand to the model (target m,
 * port 0); m must outlive the model's use of the port.
 */
struct mem_port fake_mem_init(struct fake_mem *m, sim_time_t latency);

struct probe_req {
    struct mem_req req;
    unsigned calls;             /* times req.done ran */
    sim_time_t seen_now;        /* sim_now() inside the last of them */
};

/* A read of `bytes` at pa arriving at `at`; status MEM_ERROR until the target sets it. */
void probe_init(struct probe_req *p, uint32_t pa, uint32_t bytes, sim_time_t at);
/* Completed exactly once, at its done_at == `when` (and sim_now() then), with status st. */
void probe_assert_done(const struct probe_req *p, sim_time_t when, enum mem_status st);

#endif
