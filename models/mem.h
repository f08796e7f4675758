/*
 * mem.h - the memory port: how a request travels to a memory-side model.
 *
 * The SMMU forwards translated data accesses through a port, the walker sends its
 * descriptor reads through one, the fabric forwards to the DRAM through one. A port
 * is a target object plus a request function; the requester owns the struct mem_req
 * and must keep it alive until its done callback runs.
 *
 * Timing contract: the request arrives at the target at req->at, which must be at or
 * after sim_now() (a requester that knows a request will leave after a fixed
 * pipeline delay may issue it early with a future arrival time instead of
 * scheduling an event for it). The target fills req->done_at and req->status and
 * calls req->done from a kernel callback at time done_at, so sim_now() == done_at
 * inside done. Resources are timelines: a request is served at
 * max(arrival, busy_until), in the order in which requests were handed over.
 */
#ifndef IOMMUSIM_MODELS_MEM_H
#define IOMMUSIM_MODELS_MEM_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/core/kernel.h"

enum mem_status {
    MEM_OK = 0,
    MEM_ERROR,          /* slave error (AXI SLVERR): the target answered with an error,
                           or the fabric could not carry the request */
    MEM_DECODE_ERROR,   /* decode error (AXI DECERR): no target decodes the address */
};

struct mem_req;
typedef void (*mem_done_fn)(struct mem_req *req);

struct mem_req {
    /* set by the requester */
    uint32_t pa;
    uint32_t bytes;
    bool write;
    sim_time_t at;              /* arrival time at the target, >= sim_now() */
    mem_done_fn done;
    void *owner;                /* for the requester's use */
    /* set by the target */
    sim_time_t done_at;
    enum mem_status status;
    /* owned by the target while the request is in flight */
    struct mem_req *next;
    unsigned port;
};

struct mem_port {
    void (*request)(void *target, unsigned port, struct mem_req *req);
    void *target;
    unsigned port;              /* which of the target's ports this is */
};

static inline void mem_request(const struct mem_port *p, struct mem_req *req)
{
    p->request(p->target, p->port, req);
}

#endif
