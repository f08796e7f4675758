/*
 * tests/lib/mem_fake.c - a fixed-latency memory target and a probing requester for a
 * memory port (tests/lib/mem_fake.h says what each is for).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "tests/lib/mem_fake.h"

static void fake_mem_complete(void *arg)
{
    struct mem_req *req = arg;

    req->done(req);
}

static void fake_mem_request(void *target, unsigned port, struct mem_req *req)
{
    struct fake_mem *m = target;

    (void)port;
    assert_true(req->at >= sim_now());
    if (m->requests < FAKE_MEM_LOG)
        m->log[m->requests] = (struct fake_mem_rec){ req->pa, req->bytes, req->write, req->at };
    m->requests++;
    req->done_at = req->at + m->latency;
    if (m->fail_all || (m->fail && req->pa == m->fail_pa))
        req->status = m->fail_decode ? MEM_DECODE_ERROR : MEM_ERROR;
    else
        req->status = MEM_OK;
    sim_schedule(req->done_at - sim_now(), fake_mem_complete, req);
}

struct mem_port fake_mem_init(struct fake_mem *m, sim_time_t latency)
{
    memset(m, 0, sizeof(*m));
    m->latency = latency;
    return (struct mem_port){ .request = fake_mem_request, .target = m, .port = 0 };
}

static void probe_done(struct mem_req *req)
{
    struct probe_req *p = req->owner;

    p->calls++;
    p->seen_now = sim_now();
}

void probe_init(struct probe_req *p, uint32_t pa, uint32_t bytes, sim_time_t at)
{
    memset(p, 0, sizeof(*p));
    p->req.pa = pa;
    p->req.bytes = bytes;
    p->req.at = at;
    p->req.done = probe_done;
    p->req.owner = p;
    p->req.status = MEM_ERROR;      /* the target must set it */
}

void probe_assert_done(const struct probe_req *p, sim_time_t when, enum mem_status st)
{
    assert_int_equal(p->calls, 1);
    assert_int_equal(p->req.done_at, when);
    assert_int_equal(p->seen_now, when);
    assert_int_equal(p->req.status, st);
}
