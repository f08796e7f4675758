/*
 * test_heap_start.c - the command's heap preparation (sim/cli/heap_start.c), linked into
 * this program so that it runs here before main as it does in the command. What it
 * must have left, from glibc's and the kernel's documented rules (mallopt(3),
 * madvise(2), proc(5)):
 *   - a 3 MiB block, like libsystemc's sc_temp_heap, lies in the heap ([heap] in
 *     /proc/self/maps), not in a mapping of its own as glibc's default threshold
 *     (128 KiB) would put it, and all of it but its first page inside the part
 *     that carries the huge-page advice ("hg" in its VmFlags), which starts on a
 *     2 MiB boundary: the kernel gives huge pages only to aligned 2 MiB ranges, so a
 *     heap left to start wherever the program's data ends has up to 2 MiB of its
 *     first block on plain pages;
 *   - the advised part is the whole 8 MiB of growth, in 2 MiB units;
 *   - freeing that block gives no memory back (the break stays): the prepared top
 *     is kept for the block it was prepared for.
 * Under AddressSanitizer the allocator is not glibc's and the heap is never used,
 * so the test is skipped there.
 */
#define _DEFAULT_SOURCE
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#define MIB (1ul << 20)
#define SC_TEMP_HEAP_BYTES (3 * MIB)

#if defined(__SANITIZE_ADDRESS__)
#define NOT_GLIBC_MALLOC 1
#else
#define NOT_GLIBC_MALLOC 0
#endif

struct vma {
    uintptr_t lo, hi;
    bool heap;
    bool huge_advised;
};

/* The mappings of /proc/self/smaps; returns how many (at most max). */
static size_t read_smaps(struct vma *v, size_t max)
{
    FILE *f = fopen("/proc/self/smaps", "r");
    char line[512];
    size_t n = 0;

    assert_non_null(f);
    while (fgets(line, sizeof(line), f)) {
        unsigned long lo, hi;
        int end = 0;

        if (sscanf(line, "%lx-%lx %*s %*s %*s %*s%n", &lo, &hi, &end) == 2 && end) {
            if (n == max)
                break;
            v[n++] = (struct vma){ .lo = lo, .hi = hi, .heap = strstr(line, "[heap]") != NULL };
        } else if (n && !strncmp(line, "VmFlags:", 8)) {
            v[n - 1].huge_advised = strstr(line, " hg") != NULL;
        }
    }
    fclose(f);
    return n;
}

/* Transparent huge pages are in this kernel (whatever their mode): the advice can take. */
static bool kernel_has_thp(void)
{
    return access("/sys/kernel/mm/transparent_hugepage", F_OK) == 0;
}

static void test_large_block_in_heap(void **state)
{
    struct vma v[512];

    (void)state;
    if (NOT_GLIBC_MALLOC)
        skip();
    char *volatile p = malloc(SC_TEMP_HEAP_BYTES);
    assert_non_null(p);
    size_t n = read_smaps(v, 512);
    bool in_heap = false, in_advised = false;
    uintptr_t lo = (uintptr_t)p, hi = lo + SC_TEMP_HEAP_BYTES;
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    for (size_t i = 0; i < n; i++) {
        if (v[i].heap && v[i].lo <= lo && lo < v[i].hi)
            in_heap = true;
        if (v[i].heap && v[i].huge_advised && v[i].lo <= lo + page && hi <= v[i].hi)
            in_advised = v[i].lo % (2 * MIB) == 0;
    }
    assert_true(in_heap);
    if (kernel_has_thp())
        assert_true(in_advised);
    p[0] = 1;
    void *brk_before = sbrk(0);
    free(p);
    assert_ptr_equal(sbrk(0), brk_before);
}

static void test_heap_advised_huge(void **state)
{
    struct vma v[512];
    uintptr_t advised = 0;

    (void)state;
    if (NOT_GLIBC_MALLOC || !kernel_has_thp())
        skip();
    size_t n = read_smaps(v, 512);
    for (size_t i = 0; i < n; i++)
        if (v[i].heap && v[i].huge_advised)
            advised += v[i].hi - v[i].lo;
    assert_true(advised >= 8 * MIB);
    assert_int_equal(advised % (2 * MIB), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_large_block_in_heap),
        cmocka_unit_test(test_heap_advised_huge),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
