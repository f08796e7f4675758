/*
 * heap_start.c - the command's heap, made ready before any library starts.
 *
 * Every run of the command pays for SystemC's start-up before main: libsystemc's
 * static initialisers allocate and clear a 3 MiB array (sc_core::sc_temp_heap), which
 * glibc serves from a fresh mapping, so the kernel takes about 770 page faults to
 * provide and zero it, some 1.5 ms of every run (docs/performance.md). Transparent
 * huge pages provide the same memory in two or three faults, but on Debian the
 * kernel only gives them to memory a program has asked for (THP "madvise" mode),
 * and that array is allocated by library code before main.
 *
 * So a function in the executable's .preinit_array, which the dynamic loader runs
 * before any shared library's initialisers, prepares the heap:
 *   - allocations below HEAP_MMAP_THRESHOLD come from the heap rather than from
 *     mappings of their own (glibc's default starts at 128 KiB), the 3 MiB array
 *     among them;
 *   - the heap is made to start one page below a 2 MiB boundary: the break is first
 *     moved up to there (the gap below is never touched, so it costs no memory).
 *     The kernel gives a huge page only to an aligned 2 MiB range that no fault has
 *     reached yet. Left where address randomisation put the end of the program's
 *     data, the heap began anywhere in a 2 MiB range that fell to plain pages, and
 *     with it up to 2 MiB of the array (about 250 faults on average). Starting on
 *     the boundary itself would not do: creating the heap writes its first chunk,
 *     before the advice can be given, and so spoils the first huge page. That one
 *     page takes the first chunk and glibc's per-thread cache;
 *   - the heap is grown by HEAP_PREPARED at once and its part above the boundary
 *     is marked MADV_HUGEPAGE; memory never touched costs nothing;
 *   - freed memory at the heap's top is kept up to HEAP_TRIM_THRESHOLD, so that the
 *     prepared part is not handed back before it is used.
 * Nothing else changes: when the heap is not glibc's own (under AddressSanitizer or
 * valgrind, whose allocators do not use brk) the break does not move and nothing is
 * marked; when the kernel has no huge pages the memory is plain pages, as before.
 */
#define _DEFAULT_SOURCE
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#define HUGE_PAGE_BYTES     (2ul << 20)     /* the x86-64 and arm64 PMD huge page */
#define HEAP_PREPARED       (8ul << 20)     /* the array and the rest of start-up */
#define HEAP_MMAP_THRESHOLD (4 << 20)       /* above the 3 MiB array */
#define HEAP_TRIM_THRESHOLD (64 << 20)
#define GLIBC_TOP_PAD       (128 << 10)     /* M_TOP_PAD's default (mallopt(3)) */

static void heap_start(int argc, char **argv, char **envp)
{
    (void)argc;
    (void)argv;
    (void)envp;
    mallopt(M_MMAP_THRESHOLD, HEAP_MMAP_THRESHOLD);
    mallopt(M_TRIM_THRESHOLD, HEAP_TRIM_THRESHOLD);
    mallopt(M_TOP_PAD, (int)HEAP_PREPARED);

    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t before = (uintptr_t)sbrk(0);
    uintptr_t lo = (before + page + HUGE_PAGE_BYTES - 1) & ~(HUGE_PAGE_BYTES - 1);

    /* If the break cannot move, the heap starts where it is and only its aligned part is advised. */
    if (before != (uintptr_t)-1 && lo - page > before)
        (void)sbrk((intptr_t)(lo - page - before));
    /* volatile: a malloc whose block is only freed may be left out by the compiler */
    void *volatile first = malloc(1);      /* the process's first: it creates the heap */
    uintptr_t after = (uintptr_t)sbrk(0);
    uintptr_t hi = after & ~(HUGE_PAGE_BYTES - 1);

    /* A failure (no THP in this kernel) leaves plain pages: nothing to report. */
    if (first && before != (uintptr_t)-1 && after > before && hi > lo)
        (void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
    mallopt(M_TOP_PAD, GLIBC_TOP_PAD);
    free(first);
}

__attribute__((section(".preinit_array"), used))
static void (*const heap_start_entry)(int, char **, char **) = heap_start;
