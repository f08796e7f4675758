/*
 * tests/lib/trace.c - a generator from YAML text and a record check for the trace tests
 * (tests/lib/trace.h says what they are for).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "sim/config/config.h"
#include "tests/lib/trace.h"

struct tracegen *gen_from_yaml(const char *yaml)
{
    struct config_err err = { 0 };
    struct config *cfg = config_parse("gen.yaml", yaml, strlen(yaml), &err);
    struct tracegen *g;

    if (!cfg)
        fail_msg("%s", err.msg);
    g = tracegen_new(config_root(cfg), &err);
    if (!g)
        fail_msg("%s", err.msg);
    config_free(cfg);
    return g;
}

struct trace_reader *trace_open_ok(const char *path, enum trace_format format)
{
    struct trace_reader_opts opts = { .format = format };
    char err[TRACE_ERR_MAX] = "";
    struct trace_reader *r = trace_open(path, &opts, err, sizeof(err));

    if (!r)
        fail_msg("%s", err);
    return r;
}

void assert_rec(const struct trace_rec *r, uint64_t time, unsigned op, unsigned buffer,
                uint64_t addr, uint32_t bytes)
{
    assert_int_equal(r->time, time);
    assert_int_equal(r->op, op);
    assert_int_equal(r->buffer, buffer);
    assert_int_equal(r->addr, addr);
    assert_int_equal(r->bytes, bytes);
}
