/*
 * bench_util.h - what every benchmark of tests/bench/ needs: a monotonic clock in
 * seconds, a seeded 64-bit generator (SplitMix64, Steele et al. 2014) for the
 * benchmarks' own traces, and one din line. Header-only, like plain_lru.h: each
 * bench_*.c is one program.
 */
#ifndef IOMMUSIM_TESTS_BENCH_UTIL_H
#define IOMMUSIM_TESTS_BENCH_UTIL_H

#include <stdint.h>
#include <time.h>

static inline double bench_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static inline uint64_t bench_splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* "0 HEX\n" (a din read at addr) at p; returns the end. */
static inline char *bench_din_line(char *p, uint64_t addr)
{
    static const char hex[] = "0123456789abcdef";
    char tmp[16];
    int n = 0;

    *p++ = '0';
    *p++ = ' ';
    do {
        tmp[n++] = hex[addr & 0xf];
        addr >>= 4;
    } while (addr);
    while (n)
        *p++ = tmp[--n];
    *p++ = '\n';
    return p;
}

#endif
