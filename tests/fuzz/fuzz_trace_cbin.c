/*
 * fuzz_trace_cbin.c - libFuzzer harness for the cbin (compact binary) trace reader (sim/trace/trace.c).
 *
 * The input is a cbin trace; trace_common.c reads it one record at a time and in
 * batches, checks every record and the error message, and round-trips a trace that
 * reads cleanly through the writers. docs/fuzzing.md lists the invariants.
 */
#include <stddef.h>
#include <stdint.h>

#include "sim/trace/trace.h"

int trace_fuzz_one(enum trace_format format, const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return trace_fuzz_one(TRACE_FMT_CBIN, data, size);
}
