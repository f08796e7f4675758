/*
 * test_physmem.c - unit tests of the sparse physical memory (models/physmem.c).
 *
 * Checks that unwritten memory reads as zero without allocating, the little-endian
 * byte layout of 32-bit words, unaligned and page-crossing accesses, the count of
 * pages holding storage, and the range rules of the byte-range functions. Expected
 * bytes are worked out by hand from the little-endian rule (byte k of a word is
 * bits [8k+7:8k]) and page numbers from PA >> 12.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "models/physmem.h"

static int pm_setup(void **state)
{
    *state = physmem_new();
    return *state ? 0 : -1;
}

static int pm_teardown(void **state)
{
    physmem_free(*state);
    return 0;
}

static void test_unwritten_reads_zero_and_allocate_nothing(void **state)
{
    struct physmem *pm = *state;
    uint8_t buf[64];

    assert_int_equal(physmem_read8(pm, 0x00000000u), 0);
    assert_int_equal(physmem_read8(pm, 0xFFFFFFFFu), 0);
    assert_int_equal(physmem_read32(pm, 0x80000000u), 0);
    assert_int_equal(physmem_read32(pm, 0x00000FFEu), 0);    /* crosses a page */
    memset(buf, 0xA5, sizeof(buf));
    assert_int_equal(physmem_read(pm, 0x12345FE0u, buf, sizeof(buf)), 0);
    for (size_t i = 0; i < sizeof(buf); i++)
        assert_int_equal(buf[i], 0);                        /* overwritten with zero */
    /* Nothing above was a write: no page has storage. */
    assert_int_equal(physmem_pages_touched(pm), 0);
}

static void test_word_layout_is_little_endian(void **state)
{
    struct physmem *pm = *state;

    /* 0x11223344 at 0x1000: byte 0 = 0x44 (bits 7:0) ... byte 3 = 0x11 (bits 31:24). */
    physmem_write32(pm, 0x1000u, 0x11223344u);
    assert_int_equal(physmem_read8(pm, 0x1000u), 0x44);
    assert_int_equal(physmem_read8(pm, 0x1001u), 0x33);
    assert_int_equal(physmem_read8(pm, 0x1002u), 0x22);
    assert_int_equal(physmem_read8(pm, 0x1003u), 0x11);
    assert_int_equal(physmem_read32(pm, 0x1000u), 0x11223344u);

    /* Bytes 0xA0, 0xB1, 0xC2, 0xD3 written one by one at 0x2004 form 0xD3C2B1A0. */
    physmem_write8(pm, 0x2004u, 0xA0);
    physmem_write8(pm, 0x2005u, 0xB1);
    physmem_write8(pm, 0x2006u, 0xC2);
    physmem_write8(pm, 0x2007u, 0xD3);
    assert_int_equal(physmem_read32(pm, 0x2004u), 0xD3C2B1A0u);
}

static void test_unaligned_word(void **state)
{
    struct physmem *pm = *state;

    physmem_write32(pm, 0x3000u, 0x11223344u);  /* bytes 3000..3003: 44 33 22 11 */
    physmem_write32(pm, 0x3005u, 0xAABBCCDDu);  /* bytes 3005..3008: DD CC BB AA */
    /* Bytes 3002..3005 are 22 11 00 DD (3004 never written): 0xDD001122. */
    assert_int_equal(physmem_read32(pm, 0x3002u), 0xDD001122u);
    /* Bytes 3006..3009 are CC BB AA 00: 0x00AABBCC. */
    assert_int_equal(physmem_read32(pm, 0x3006u), 0x00AABBCCu);
    assert_int_equal(physmem_read32(pm, 0x3005u), 0xAABBCCDDu);
}

static void test_word_across_pages(void **state)
{
    struct physmem *pm = *state;

    /* 0xAABBCCDD at 0x1FFE: DD at 1FFE, CC at 1FFF (page 1), BB at 2000, AA at 2001 (page 2). */
    physmem_write32(pm, 0x1FFEu, 0xAABBCCDDu);
    assert_int_equal(physmem_pages_touched(pm), 2);
    assert_int_equal(physmem_read8(pm, 0x1FFEu), 0xDD);
    assert_int_equal(physmem_read8(pm, 0x1FFFu), 0xCC);
    assert_int_equal(physmem_read8(pm, 0x2000u), 0xBB);
    assert_int_equal(physmem_read8(pm, 0x2001u), 0xAA);
    assert_int_equal(physmem_read32(pm, 0x1FFEu), 0xAABBCCDDu);
    /* Bytes 1FFD..2000: 00 DD CC BB -> 0xBBCCDD00. */
    assert_int_equal(physmem_read32(pm, 0x1FFDu), 0xBBCCDD00u);
    /* Bytes 1FFF..2002: CC BB AA 00 -> 0x00AABBCC. */
    assert_int_equal(physmem_read32(pm, 0x1FFFu), 0x00AABBCCu);

    /* Page 0x3FF (PA 0x3FF000) and page 0x400 are in different directories (PA[31:22]). */
    physmem_write32(pm, 0x003FFFFDu, 0x01020304u);  /* 04 03 02 | 01 */
    assert_int_equal(physmem_pages_touched(pm), 4);
    assert_int_equal(physmem_read8(pm, 0x00400000u), 0x01);
    assert_int_equal(physmem_read32(pm, 0x003FFFFDu), 0x01020304u);
}

static void test_word_wraps_at_top_of_space(void **state)
{
    struct physmem *pm = *state;

    /* Byte addresses are modulo 2^32: 78 at FFFFFFFE, 56 at FFFFFFFF, 34 at 0, 12 at 1. */
    physmem_write32(pm, 0xFFFFFFFEu, 0x12345678u);
    assert_int_equal(physmem_read8(pm, 0xFFFFFFFEu), 0x78);
    assert_int_equal(physmem_read8(pm, 0xFFFFFFFFu), 0x56);
    assert_int_equal(physmem_read8(pm, 0x00000000u), 0x34);
    assert_int_equal(physmem_read8(pm, 0x00000001u), 0x12);
    assert_int_equal(physmem_read32(pm, 0xFFFFFFFEu), 0x12345678u);
    assert_int_equal(physmem_pages_touched(pm), 2);     /* pages 0xFFFFF and 0 */
}

static void test_pages_touched(void **state)
{
    struct physmem *pm = *state;
    uint8_t b = 0;

    physmem_write8(pm, 0x10000000u, 1);                 /* page 0x10000 */
    physmem_write8(pm, 0x10000FFFu, 2);                 /* same page */
    physmem_write32(pm, 0x10000100u, 3);                /* same page */
    assert_int_equal(physmem_pages_touched(pm), 1);
    physmem_write8(pm, 0x10001000u, 4);                 /* page 0x10001 */
    assert_int_equal(physmem_pages_touched(pm), 2);

    /* Reads of other pages allocate nothing. */
    (void)physmem_read32(pm, 0x20000000u);
    (void)physmem_read8(pm, 0x10002000u);
    assert_int_equal(physmem_read(pm, 0x30000000u, &b, 1), 0);
    assert_int_equal(physmem_pages_touched(pm), 2);

    /* A byte range 0x5000FF0..0x5003001 (len 0x2012) covers pages 0x5000..0x5003: 4. */
    uint8_t src[0x2012];
    memset(src, 0x5A, sizeof(src));
    assert_int_equal(physmem_write(pm, 0x05000FF0u, src, sizeof(src)), 0);
    assert_int_equal(physmem_pages_touched(pm), 6);

    /* Zero fill of 3 empty pages gives them no storage; 0xFF fill does (pages 0x6000..2). */
    assert_int_equal(physmem_fill(pm, 0x06000000u, 0, 3 * PHYSMEM_PAGE_SIZE), 0);
    assert_int_equal(physmem_pages_touched(pm), 6);
    assert_int_equal(physmem_fill(pm, 0x06000000u, 0xFF, 3 * PHYSMEM_PAGE_SIZE), 0);
    assert_int_equal(physmem_pages_touched(pm), 9);
}

static void test_byte_ranges(void **state)
{
    struct physmem *pm = *state;
    enum { LEN = 10000 };
    static uint8_t src[LEN], dst[LEN + 32];

    for (size_t i = 0; i < LEN; i++)
        src[i] = (uint8_t)(i * 7u + 3u);
    /* 0x12345FF0 + 10000 = 0x12348700: pages 0x12345..0x12348. */
    assert_int_equal(physmem_write(pm, 0x12345FF0u, src, LEN), 0);
    assert_int_equal(physmem_pages_touched(pm), 4);

    /* Read 16 bytes before and 16 after: those are zero, the middle is src. */
    memset(dst, 0xEE, sizeof(dst));
    assert_int_equal(physmem_read(pm, 0x12345FE0u, dst, sizeof(dst)), 0);
    for (size_t i = 0; i < 16; i++) {
        assert_int_equal(dst[i], 0);
        assert_int_equal(dst[16 + LEN + i], 0);
    }
    assert_memory_equal(dst + 16, src, LEN);

    /* Byte 100 of src sits at 0x12345FF0 + 100 = 0x12346054 and is 100*7+3 = 703 mod 256 = 0xBF. */
    assert_int_equal(physmem_read8(pm, 0x12346054u), 0xBF);

    /* Fill 8 bytes straddling two pages, then read them back word by word. */
    assert_int_equal(physmem_fill(pm, 0x12346FFCu, 0x3C, 8), 0);
    assert_int_equal(physmem_read32(pm, 0x12346FFCu), 0x3C3C3C3Cu);
    assert_int_equal(physmem_read32(pm, 0x12347000u), 0x3C3C3C3Cu);
    /* The byte after the fill is still src[0x12347004 - 0x12345FF0] = src[4116]. */
    assert_int_equal(physmem_read8(pm, 0x12347004u), src[4116]);

    /* A zero fill of a page with storage clears it and keeps the storage. */
    assert_int_equal(physmem_fill(pm, 0x12346000u, 0, PHYSMEM_PAGE_SIZE), 0);
    assert_int_equal(physmem_read32(pm, 0x12346054u), 0);
    assert_int_equal(physmem_pages_touched(pm), 4);
}

static void test_range_errors(void **state)
{
    struct physmem *pm = *state;
    uint8_t buf[0x1001];

    memset(buf, 0x77, sizeof(buf));
    /* The last byte of the space may be accessed; one more passes 2^32. */
    assert_int_equal(physmem_write(pm, 0xFFFFFFFFu, buf, 1), 0);
    assert_int_equal(physmem_write(pm, 0xFFFFFFFFu, buf, 2), -EINVAL);
    assert_int_equal(physmem_read(pm, 0xFFFFFFFFu, buf, 2), -EINVAL);
    assert_int_equal(physmem_fill(pm, 0xFFFFFFFFu, 1, 2), -EINVAL);
    /* 0xFFFFF000 + 0x1000 = 2^32 exactly: allowed; 0x1001 is not. */
    assert_int_equal(physmem_read(pm, 0xFFFFF000u, buf, 0x1000), 0);
    assert_int_equal(physmem_read(pm, 0xFFFFF000u, buf, 0x1001), -EINVAL);
    assert_int_equal(physmem_write(pm, 0xFFFFF000u, buf, 0x1001), -EINVAL);
    assert_int_equal(physmem_fill(pm, 0xFFFFF000u, 0xAB, 0x1001), -EINVAL);
    /* The refused calls changed nothing: only 0xFFFFFFFF (page 0xFFFFF) holds data. */
    assert_int_equal(physmem_pages_touched(pm), 1);
    assert_int_equal(physmem_read8(pm, 0xFFFFF000u), 0);
    assert_int_equal(physmem_read8(pm, 0x00000000u), 0);

    /* Misuse. */
    assert_int_equal(physmem_read(pm, 0x1000u, NULL, 4), -EINVAL);
    assert_int_equal(physmem_write(pm, 0x1000u, NULL, 4), -EINVAL);
    assert_int_equal(physmem_read(NULL, 0x1000u, buf, 4), -EINVAL);
    assert_int_equal(physmem_write(NULL, 0x1000u, buf, 4), -EINVAL);
    assert_int_equal(physmem_fill(NULL, 0x1000u, 0, 4), -EINVAL);
    /* An empty range is fine anywhere, even with no buffer. */
    assert_int_equal(physmem_read(pm, 0xFFFFFFFFu, NULL, 0), 0);
    assert_int_equal(physmem_write(pm, 0xFFFFFFFFu, NULL, 0), 0);
    assert_int_equal(physmem_pages_touched(pm), 1);
}

/* physmem_page: the page's own storage, found from any address inside it. */
static void test_page_view(void **state)
{
    struct physmem *pm = *state;

    assert_null(physmem_page(pm, 0x40001234u));
    assert_null(physmem_page(NULL, 0x40001234u));
    /* A zero fill of an empty page gives it no storage, so still no view. */
    assert_int_equal(physmem_fill(pm, 0x40001000u, 0, PHYSMEM_PAGE_SIZE), 0);
    assert_null(physmem_page(pm, 0x40001000u));

    physmem_write32(pm, 0x40001234u, 0xA1B2C3D4u);
    const uint8_t *p = physmem_page(pm, 0x40001FFFu);
    assert_non_null(p);
    assert_ptr_equal(p, physmem_page(pm, 0x40001000u));
    /* Little-endian at offset 0x234 of the page; the rest of the page is zero. */
    assert_int_equal(p[0x234], 0xD4);
    assert_int_equal(p[0x237], 0xA1);
    assert_int_equal(p[0x233], 0);
    assert_int_equal(p[0x238], 0);
    /* The view shows later writes; the neighbouring pages still have none. */
    physmem_write8(pm, 0x40001000u, 0x5A);
    assert_int_equal(p[0], 0x5A);
    assert_null(physmem_page(pm, 0x40000FFFu));
    assert_null(physmem_page(pm, 0x40002000u));
}

/*
 * Pages filled whole with one nonzero byte share that byte's page; a write gives the
 * written page storage of its own, a copy, and leaves the others as they were.
 */
static void test_uniform_fill_shares_until_written(void **state)
{
    struct physmem *pm = *state;

    /* 0x50000800 + 0x3000 = 0x50003800: a half page, two whole pages, a half page. */
    assert_int_equal(physmem_fill(pm, 0x50000800u, 0x6B, 3 * PHYSMEM_PAGE_SIZE), 0);
    assert_int_equal(physmem_pages_touched(pm), 4);
    const uint8_t *a = physmem_page(pm, 0x50001000u), *b = physmem_page(pm, 0x50002000u);
    assert_non_null(a);
    assert_ptr_equal(a, b);                             /* the two whole pages share */
    assert_ptr_not_equal(physmem_page(pm, 0x50000000u), a);  /* the halves do not */
    assert_int_equal(a[0], 0x6B);
    assert_int_equal(a[PHYSMEM_PAGE_SIZE - 1], 0x6B);
    assert_int_equal(physmem_read32(pm, 0x50001FFEu), 0x6B6B6B6Bu);
    assert_int_equal(physmem_read8(pm, 0x500007FFu), 0);    /* before the fill */
    assert_int_equal(physmem_read8(pm, 0x50003800u), 0);    /* after it */

    /* A write to the second whole page copies it; the first still reads 0x6B. */
    physmem_write32(pm, 0x50002010u, 0x01020304u);
    const uint8_t *own = physmem_page(pm, 0x50002000u);
    assert_ptr_not_equal(own, a);
    assert_int_equal(own[0x10], 0x04);
    assert_int_equal(own[0x0F], 0x6B);
    assert_int_equal(own[0x14], 0x6B);
    assert_int_equal(physmem_read32(pm, 0x50001010u), 0x6B6B6B6Bu);
    assert_int_equal(a[0x10], 0x6B);                    /* the shared page never changes */
    assert_int_equal(physmem_pages_touched(pm), 4);

    /* Filling a page of its own whole shares again; another byte, another page. */
    assert_int_equal(physmem_fill(pm, 0x50002000u, 0x6B, PHYSMEM_PAGE_SIZE), 0);
    assert_ptr_equal(physmem_page(pm, 0x50002000u), a);
    assert_int_equal(physmem_fill(pm, 0x50001000u, 0x2C, PHYSMEM_PAGE_SIZE), 0);
    assert_int_equal(physmem_read8(pm, 0x50001ABCu), 0x2C);
    assert_int_equal(physmem_read8(pm, 0x50002ABCu), 0x6B);

    /* A zero fill of a shared page clears it and gives it storage of its own. */
    assert_int_equal(physmem_fill(pm, 0x50002000u, 0, PHYSMEM_PAGE_SIZE), 0);
    assert_int_equal(physmem_read32(pm, 0x50002100u), 0);
    assert_int_equal(physmem_read8(pm, 0x50001ABCu), 0x2C);
    assert_int_equal(physmem_pages_touched(pm), 4);
    /* physmem_free (the teardown) frees each page once: ASan and valgrind check it. */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_unwritten_reads_zero_and_allocate_nothing,
                                        pm_setup, pm_teardown),
        cmocka_unit_test_setup_teardown(test_word_layout_is_little_endian, pm_setup, pm_teardown),
        cmocka_unit_test_setup_teardown(test_unaligned_word, pm_setup, pm_teardown),
        cmocka_unit_test_setup_teardown(test_word_across_pages, pm_setup, pm_teardown),
        cmocka_unit_test_setup_teardown(test_word_wraps_at_top_of_space, pm_setup, pm_teardown),
        cmocka_unit_test_setup_teardown(test_pages_touched, pm_setup, pm_teardown),
        cmocka_unit_test_setup_teardown(test_byte_ranges, pm_setup, pm_teardown),
        cmocka_unit_test_setup_teardown(test_range_errors, pm_setup, pm_teardown),
        cmocka_unit_test_setup_teardown(test_page_view, pm_setup, pm_teardown),
        cmocka_unit_test_setup_teardown(test_uniform_fill_shares_until_written, pm_setup,
                                        pm_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
