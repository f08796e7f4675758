/*
 * tests/lib/trace.h - the trace tests' helpers: a generator made from YAML text, a
 * reader that must open, and the check of one trace record.
 *
 * test_tracegen and test_invariants write each generator's configuration inline, as
 * the YAML a scenario's `generator:` block holds (traces/README.md), and read its
 * records; test_trace and test_tracegen compare records field by field against values
 * worked out by hand. All fail the running cmocka test: for test programs only.
 */
#ifndef IOMMUSIM_TESTS_LIB_TRACE_H
#define IOMMUSIM_TESTS_LIB_TRACE_H

#include <stdint.h>

#include "sim/trace/trace.h"
#include "sim/trace/tracegen.h"

/*
 * The generator that `yaml` (a whole document, read as the file "gen.yaml") describes;
 * the test fails with the loader's message when the text or the generator is refused.
 * The parsed tree is freed again: a generator does not keep it. tracegen_free it.
 */
struct tracegen *gen_from_yaml(const char *yaml);

/* The reader of path in the given format; the test fails with trace_open's message
 * when it is refused. trace_close it. */
struct trace_reader *trace_open_ok(const char *path, enum trace_format format);

/* r holds exactly these fields (sim/trace/trace.h's struct trace_rec). */
void assert_rec(const struct trace_rec *r, uint64_t time, unsigned op, unsigned buffer,
                uint64_t addr, uint32_t bytes);

#endif
