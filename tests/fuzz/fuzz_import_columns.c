/*
 * fuzz_import_columns.c - libFuzzer harness for the columns importer (sim/trace/import_columns.c).
 *
 * The input is a bus log in columns (after the options byte); import_common.c imports it, checks the
 * message of a failed import and that nothing is left behind, reads a successful
 * import's traces back against its summary, and imports it again for the same bytes.
 * docs/fuzzing.md lists the invariants.
 */
#include <stddef.h>
#include <stdint.h>

#include "sim/trace/import.h"

int import_fuzz_one(enum import_format format, const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return import_fuzz_one(IMPORT_COLUMNS, data, size);
}
