/*
 * tests/lib/fuzz.h - what every libFuzzer harness of tests/fuzz/ needs: a check that
 * aborts with the rule it found broken, and a reader that takes the fuzzer's input
 * apart into numbers.
 *
 * FUZZ_CHECK(cond, fmt, ...) prints "FILE:LINE: check failed: COND: MESSAGE" and aborts,
 * which libFuzzer reports (and saves the input) like any crash; `make fuzz` greps the
 * logs for "check failed". A harness checks with it what the headers promise after
 * every step, not only that nothing crashed.
 *
 * struct fuzz_in is the input as a cursor: fuzz_u8/u16/u32 take the next bytes, little
 * endian; past the end they give 0, so a short input is still a whole program (of zeros
 * at its end). No test framework: header only, for the harnesses (docs/fuzzing.md).
 */
#ifndef IOMMUSIM_TESTS_LIB_FUZZ_H
#define IOMMUSIM_TESTS_LIB_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define FUZZ_CHECK(cond, ...)                                                   \
    do {                                                                        \
        if (!(cond)) {                                                          \
            fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__,    \
                    #cond);                                                     \
            fprintf(stderr, __VA_ARGS__);                                       \
            fputc('\n', stderr);                                                \
            abort();                                                            \
        }                                                                       \
    } while (0)

struct fuzz_in {
    const uint8_t *p;
    size_t n;                       /* bytes left */
};

static inline uint8_t fuzz_u8(struct fuzz_in *in)
{
    if (!in->n)
        return 0;
    in->n--;
    return *in->p++;
}

static inline uint16_t fuzz_u16(struct fuzz_in *in)
{
    uint16_t lo = fuzz_u8(in);

    return (uint16_t)(lo | fuzz_u8(in) << 8);
}

static inline uint32_t fuzz_u32(struct fuzz_in *in)
{
    uint32_t lo = fuzz_u16(in);

    return lo | (uint32_t)fuzz_u16(in) << 16;
}

#endif
