/*
 * test_walker.c - unit tests of the ARMv7 short-descriptor walker (models/walker.c).
 *
 * Every table is written by hand into physmem, and every expected descriptor
 * address, PA, attribute and fault is derived by hand in the comment next to it
 * from the rules in HARDWARE.md and docs/walker.md:
 *   L1 address = table base | VA[31:20] << 2; L2 address = desc[31:10] | VA[19:12] << 2;
 *   section PA = desc[31:20] | VA[19:0]; supersection desc[31:24] | VA[23:0];
 *   large page desc[31:16] | VA[15:0]; small page desc[31:12] | VA[11:0].
 * The timed tests run the walker over a fake memory port (tests/lib/mem_fake.h: a
 * fixed latency, no contention) on the simulation kernel, so each finish time is
 * overhead plus one latency per descriptor read, plus the wait for a slot.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "models/l2cache.h"
#include "models/physmem.h"
#include "models/pte.h"
#include "models/walker.h"
#include "sim/core/kernel.h"
#include "tests/lib/mem_fake.h"

/* Accesses, in the ACCESS_* encoding of pte.h. */
#define PRIV_READ   (ACCESS_PRIV)
#define PRIV_WRITE  (ACCESS_PRIV | ACCESS_WRITE)
#define PRIV_INSTR  (ACCESS_PRIV | ACCESS_INSTR)
#define USER_READ   0u
#define USER_WRITE  (ACCESS_WRITE)

/* The 16 KiB L1 table of the functional tests, at TTBR0 with N = 0. */
#define L1_BASE     0x00100000u
/* A 1 KiB L2 table. */
#define L2_BASE     0x00104400u

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

static struct walk_regs regs_n0(void)
{
    struct walk_regs r = { .ttbr0 = L1_BASE, .n = 0, .afe = true };
    return r;
}

static struct walk_result walk(const struct physmem *pm, const struct walk_regs *r,
                               uint32_t va, unsigned access)
{
    struct walk_result res;

    memset(&res, 0xCC, sizeof(res));    /* the walker must write every field it reports */
    walker_walk(pm, r, va, access, &res);
    return res;
}

static void assert_ok(const struct walk_result *r, unsigned level, uint32_t pa)
{
    assert_int_equal(r->fault, WALK_OK);
    assert_true(r->have_entry);
    assert_int_equal(r->level, level);
    assert_int_equal(r->desc_reads, level);
    assert_int_equal(r->pa, pa);
}

/* ---- Sections and supersections ------------------------------------------------ */

static void test_section(void **state)
{
    struct physmem *pm = *state;
    struct walk_regs r = regs_n0();
    struct walk_result res;

    /*
     * Section base 0x87600000 with NS(19) nG(17) S(16) TEX=1(12) AP1(11) AP0(10)
     * XN(4) C(3) B(2) and type 0b10:
     * 0x87600000 | 0x80000 | 0x20000 | 0x10000 | 0x1000 | 0xC00 | 0x10 | 0x8 | 0x4 | 0x2
     * = 0x876B1C1E. VA 0x12345678 has VA[31:20] = 0x123, so the entry is at
     * 0x00100000 | 0x123 << 2 = 0x0010048C.
     */
    physmem_write32(pm, 0x0010048Cu, 0x876B1C1Eu);
    res = walk(pm, &r, 0x12345678u, PRIV_READ);
    assert_ok(&res, 1, 0x87645678u);            /* 0x87600000 | 0x45678 */
    assert_int_equal(res.desc_addr[0], 0x0010048Cu);
    assert_int_equal(res.desc[0], 0x876B1C1Eu);
    assert_int_equal(res.entry.va, 0x12300000u);
    assert_int_equal(res.entry.pa, 0x87600000u);
    assert_int_equal(res.entry.size, PAGE_1M);
    assert_int_equal(res.entry.attrs.ap, 3);    /* AP2 = 0, AP1 = 1, AP0 = 1 */
    assert_int_equal(res.entry.attrs.tex, 1);
    assert_true(res.entry.attrs.xn);
    assert_true(res.entry.attrs.ng);
    assert_true(res.entry.attrs.ns);
    assert_true(res.entry.attrs.s);
    assert_true(res.entry.attrs.b);
    assert_true(res.entry.attrs.c);

    /* Last byte of the same section: 0x87600000 | 0xFFFFF. */
    res = walk(pm, &r, 0x123FFFFFu, PRIV_READ);
    assert_ok(&res, 1, 0x876FFFFFu);

    /*
     * A section with nothing but AP0 and the type: 0xFFF00000 | 0x400 | 0x2 =
     * 0xFFF00402 at index 0 (address 0x00100000). VA 0x000FFFFF is the last byte of
     * the first MiB and maps to the last byte of the PA space.
     */
    physmem_write32(pm, 0x00100000u, 0xFFF00402u);
    res = walk(pm, &r, 0x000FFFFFu, PRIV_WRITE);
    assert_ok(&res, 1, 0xFFFFFFFFu);
    assert_int_equal(res.desc_addr[0], 0x00100000u);
    assert_int_equal(res.entry.va, 0x00000000u);
    assert_int_equal(res.entry.pa, 0xFFF00000u);
    assert_int_equal(res.entry.attrs.ap, 1);    /* only AP0 */
    assert_int_equal(res.entry.attrs.tex, 0);
    assert_false(res.entry.attrs.xn);
    assert_false(res.entry.attrs.ng);
    assert_false(res.entry.attrs.ns);
    assert_false(res.entry.attrs.s);
    assert_false(res.entry.attrs.b);
    assert_false(res.entry.attrs.c);
}

static void test_supersection(void **state)
{
    struct physmem *pm = *state;
    struct walk_regs r = regs_n0();
    struct walk_result res;

    /*
     * Supersection base 0x9A000000, bit 18 set, AP1|AP0, type 0b10:
     * 0x9A000000 | 0x40000 | 0xC00 | 0x2 = 0x9A040C02. It covers VA 0x40000000 ..
     * 0x40FFFFFF, L1 indices 0x400 .. 0x40F, written (as software must) in the 16
     * entries at 0x00100000 + 0x400 * 4 = 0x00101000 .. 0x0010103C.
     */
    for (uint32_t i = 0; i < 16; i++)
        physmem_write32(pm, 0x00101000u + 4 * i, 0x9A040C02u);

    /* First byte: index 0x400 at 0x00101000; PA 0x9A000000 | 0x000000. */
    res = walk(pm, &r, 0x40000000u, PRIV_READ);
    assert_ok(&res, 1, 0x9A000000u);
    assert_int_equal(res.desc_addr[0], 0x00101000u);
    assert_int_equal(res.entry.size, PAGE_16M);
    assert_int_equal(res.entry.va, 0x40000000u);
    assert_int_equal(res.entry.pa, 0x9A000000u);
    assert_int_equal(res.entry.attrs.ap, 3);

    /* Last word: index 0x40F at 0x0010103C; PA 0x9A000000 | 0xFFFFFC. */
    res = walk(pm, &r, 0x40FFFFFCu, PRIV_READ);
    assert_ok(&res, 1, 0x9AFFFFFCu);
    assert_int_equal(res.desc_addr[0], 0x0010103Cu);
    assert_int_equal(res.entry.va, 0x40000000u);    /* aligned to 16 MiB, not 1 MiB */

    /* Middle: VA 0x40ABCDEF, index 0x40A at 0x00101028; PA 0x9A000000 | 0xABCDEF. */
    res = walk(pm, &r, 0x40ABCDEFu, USER_WRITE);
    assert_ok(&res, 1, 0x9AABCDEFu);
    assert_int_equal(res.desc_addr[0], 0x00101028u);
}

static void test_supersection_reads_only_its_entry(void **state)
{
    struct physmem *pm = *state;
    struct walk_regs r = regs_n0();
    struct walk_result res;

    /*
     * Only entry 0x405 (address 0x00101014) holds the supersection 0x9A040C02; the
     * other 15 are zero. The walker reads the entry of the VA and no other, so VA
     * 0x40512345 translates (0x9A000000 | 0x512345) with one read, and VA
     * 0x40612345 (entry 0x406, zero) is a level 1 translation fault.
     */
    physmem_write32(pm, 0x00101014u, 0x9A040C02u);
    res = walk(pm, &r, 0x40512345u, PRIV_READ);
    assert_ok(&res, 1, 0x9A512345u);
    assert_int_equal(res.desc_addr[0], 0x00101014u);

    res = walk(pm, &r, 0x40612345u, PRIV_READ);
    assert_int_equal(res.fault, WALK_TRANSLATION_L1);
    assert_int_equal(res.desc_addr[0], 0x00101018u);

    /*
     * Entry 0x40F differs from the others in AP2 (bit 15): 0x9A040C02 | 0x8000 =
     * 0x9A048C02. A write in the last MiB is refused (read-only), one in the first
     * MiB is not: each VA is checked against its own entry only.
     */
    for (uint32_t i = 0; i < 15; i++)
        physmem_write32(pm, 0x00101000u + 4 * i, 0x9A040C02u);
    physmem_write32(pm, 0x0010103Cu, 0x9A048C02u);
    res = walk(pm, &r, 0x40F00000u, PRIV_WRITE);
    assert_int_equal(res.fault, WALK_PERMISSION);
    assert_int_equal(res.entry.attrs.ap, 7);
    res = walk(pm, &r, 0x40000000u, PRIV_WRITE);
    assert_int_equal(res.fault, WALK_OK);
}

/* ---- Second-level pages ---------------------------------------------------------- */

/*
 * The L1 entry for VA 0x00200000 .. 0x002FFFFF (index 2, at 0x00100008) points to
 * the L2 table at 0x00104400 with NS (bit 3): 0x00104400 | 0x8 | 0x1 = 0x00104409.
 */
static void write_l1_table_entry(struct physmem *pm)
{
    physmem_write32(pm, 0x00100008u, 0x00104409u);
}

static void test_small_page(void **state)
{
    struct physmem *pm = *state;
    struct walk_regs r = regs_n0();
    struct walk_result res;

    write_l1_table_entry(pm);
    /*
     * Small page base 0x5555A000 with nG(11) S(10) TEX=5 (bits 8:6 = 0b101, 0x140)
     * AP1(5) AP0(4) C(3) B(2), type 0b1x with XN (bit 0):
     * 0x5555A000 | 0x800 | 0x400 | 0x140 | 0x30 | 0x8 | 0x4 | 0x2 | 0x1 = 0x5555AD7F.
     * VA 0x00203ABC: VA[19:12] = 0x03, so the entry is at 0x00104400 | 0x03 << 2
     * = 0x0010440C.
     */
    physmem_write32(pm, 0x0010440Cu, 0x5555AD7Fu);
    res = walk(pm, &r, 0x00203ABCu, PRIV_READ);
    assert_ok(&res, 2, 0x5555AABCu);            /* 0x5555A000 | 0xABC */
    assert_int_equal(res.desc_addr[0], 0x00100008u);
    assert_int_equal(res.desc_addr[1], 0x0010440Cu);
    assert_int_equal(res.desc[0], 0x00104409u);
    assert_int_equal(res.desc[1], 0x5555AD7Fu);
    assert_int_equal(res.entry.va, 0x00203000u);
    assert_int_equal(res.entry.pa, 0x5555A000u);
    assert_int_equal(res.entry.size, PAGE_4K);
    assert_int_equal(res.entry.attrs.ap, 3);
    assert_int_equal(res.entry.attrs.tex, 5);
    assert_true(res.entry.attrs.xn);
    assert_true(res.entry.attrs.ng);
    assert_true(res.entry.attrs.ns);            /* from the L1 table entry's bit 3 */
    assert_true(res.entry.attrs.s);
    assert_true(res.entry.attrs.b);
    assert_true(res.entry.attrs.c);

    /* Type 0b10 (bit 0 clear) is a small page without XN: 0x5555B000 | 0x10 | 0x2 = 0x5555B012
     * at VA[19:12] = 0xFF, address 0x00104400 | 0x3FC = 0x001047FC. */
    physmem_write32(pm, 0x001047FCu, 0x5555B012u);
    res = walk(pm, &r, 0x002FFFFFu, PRIV_INSTR);
    assert_ok(&res, 2, 0x5555BFFFu);
    assert_int_equal(res.desc_addr[1], 0x001047FCu);
    assert_int_equal(res.entry.attrs.ap, 1);
    assert_int_equal(res.entry.attrs.tex, 0);
    assert_false(res.entry.attrs.xn);
    assert_false(res.entry.attrs.ng);
    assert_false(res.entry.attrs.s);
    assert_false(res.entry.attrs.b);
    assert_false(res.entry.attrs.c);

    /* An L1 table entry without NS gives NS = 0 to its pages: 0x00104401 at 0x00100008. */
    physmem_write32(pm, 0x00100008u, 0x00104401u);
    res = walk(pm, &r, 0x00203ABCu, PRIV_READ);
    assert_ok(&res, 2, 0x5555AABCu);
    assert_false(res.entry.attrs.ns);
}

static void test_large_page(void **state)
{
    struct physmem *pm = *state;
    struct walk_regs r = regs_n0();
    struct walk_result res;

    write_l1_table_entry(pm);
    /*
     * Large page base 0x77770000 with XN(15) TEX=2 (bits 14:12, 0x2000) AP2(9)
     * AP1(5) AP0(4), type 0b01: 0x77770000 | 0x8000 | 0x2000 | 0x200 | 0x30 | 0x1
     * = 0x7777A231. It covers VA 0x00250000 .. 0x0025FFFF, L2 indices 0x50 .. 0x5F,
     * written 16 times at 0x00104400 + 0x50 * 4 = 0x00104540 .. 0x0010457C.
     */
    for (uint32_t i = 0; i < 16; i++)
        physmem_write32(pm, 0x00104540u + 4 * i, 0x7777A231u);

    /* First byte: index 0x50 at 0x00104540; PA 0x77770000. A user read of AP=111 is fine. */
    res = walk(pm, &r, 0x00250000u, USER_READ);
    assert_ok(&res, 2, 0x77770000u);
    assert_int_equal(res.desc_addr[1], 0x00104540u);
    assert_int_equal(res.entry.size, PAGE_64K);
    assert_int_equal(res.entry.va, 0x00250000u);
    assert_int_equal(res.entry.pa, 0x77770000u);
    assert_int_equal(res.entry.attrs.ap, 7);    /* AP2 (bit 9), AP1 (5), AP0 (4) */
    assert_int_equal(res.entry.attrs.tex, 2);
    assert_true(res.entry.attrs.xn);
    assert_true(res.entry.attrs.ns);
    assert_false(res.entry.attrs.ng);
    assert_false(res.entry.attrs.s);
    assert_false(res.entry.attrs.b);
    assert_false(res.entry.attrs.c);

    /* Last byte: index 0x5F at 0x0010457C; PA 0x77770000 | 0xFFFF. */
    res = walk(pm, &r, 0x0025FFFFu, USER_READ);
    assert_ok(&res, 2, 0x7777FFFFu);
    assert_int_equal(res.desc_addr[1], 0x0010457Cu);
    assert_int_equal(res.entry.va, 0x00250000u);

    /* Middle: VA 0x00256789, index 0x56 at 0x00104558; PA 0x77770000 | 0x6789. */
    res = walk(pm, &r, 0x00256789u, USER_READ);
    assert_ok(&res, 2, 0x77776789u);
    assert_int_equal(res.desc_addr[1], 0x00104558u);

    /*
     * Bit 0 of a large page descriptor is its type, not XN; bits 8:6 are not TEX.
     * 0x12340000 | 0x1C0 (bits 8:6) | 0x10 (AP0) | 0x1 = 0x123401D1 at index 0x60
     * (VA 0x00260000, address 0x00104580): TEX = 0 and XN = 0. VA 0x00260ABC has
     * VA[19:12] = 0x60 and maps to 0x12340000 | 0x0ABC.
     */
    physmem_write32(pm, 0x00104580u, 0x123401D1u);
    res = walk(pm, &r, 0x00260ABCu, PRIV_INSTR);
    assert_ok(&res, 2, 0x12340ABCu);
    assert_int_equal(res.entry.attrs.tex, 0);
    assert_false(res.entry.attrs.xn);
    assert_int_equal(res.entry.attrs.ap, 1);
}

/* ---- TTBCR.N -------------------------------------------------------------------- */

static void test_ttbcr_n1(void **state)
{
    struct physmem *pm = *state;
    /* TTBR0 and TTBR1 carry attribute bits below the base, which the walker ignores. */
    struct walk_regs r = { .ttbr0 = 0x0020205Au, .ttbr1 = 0x00304019u, .n = 1, .afe = true };
    struct walk_result res;
    uint32_t base = 0;

    /*
     * N = 1: TTBR0 covers VA < 2^31 through an 8 KiB table (2048 entries), base
     * TTBR0 & ~0x1FFF = 0x00202000. VA 0x7FFFF000 has VA[30:20] = 0x7FF, so its
     * entry is at 0x00202000 | 0x7FF << 2 = 0x00203FFC.
     * Section 0x3FF00000 | AP0 | 0b10 = 0x3FF00402 -> PA 0x3FF00000 | 0xFF000.
     */
    assert_true(walk_table_base(&r, 0x7FFFF000u, &base));
    assert_int_equal(base, 0x00202000u);
    physmem_write32(pm, 0x00203FFCu, 0x3FF00402u);
    res = walk(pm, &r, 0x7FFFF000u, PRIV_READ);
    assert_ok(&res, 1, 0x3FFFF000u);
    assert_int_equal(res.desc_addr[0], 0x00203FFCu);

    /*
     * VA 0x80000000 uses TTBR1: base 0x00304019 & 0xFFFFC000 = 0x00304000, full
     * index VA[31:20] = 0x800, entry at 0x00304000 + 0x2000 = 0x00306000.
     * Section 0xC0100402 -> PA 0xC0100000.
     */
    assert_true(walk_table_base(&r, 0x80000000u, &base));
    assert_int_equal(base, 0x00304000u);
    physmem_write32(pm, 0x00306000u, 0xC0100402u);
    res = walk(pm, &r, 0x80000000u, PRIV_READ);
    assert_ok(&res, 1, 0xC0100000u);
    assert_int_equal(res.desc_addr[0], 0x00306000u);

    /* VA 0xFFFFFFFF: index 0xFFF at 0x00304000 + 0x3FFC = 0x00307FFC. */
    physmem_write32(pm, 0x00307FFCu, 0xABC00402u);
    res = walk(pm, &r, 0xFFFFFFFFu, PRIV_READ);
    assert_ok(&res, 1, 0xABCFFFFFu);
    assert_int_equal(res.desc_addr[0], 0x00307FFCu);
}

static void test_ttbcr_n2_and_n7(void **state)
{
    struct physmem *pm = *state;
    struct walk_regs r = { .ttbr0 = 0x00407000u, .ttbr1 = 0x00304000u, .n = 2, .afe = true };
    struct walk_result res;
    uint32_t base = 0;

    /*
     * N = 2: TTBR0 covers VA < 2^30 with a 4 KiB table (1024 entries) aligned to
     * 4 KiB, so 0x00407000 (not 8 KiB aligned) is a valid base. VA 0x3FF12345:
     * VA[29:20] = 0x3FF, entry at 0x00407000 | 0xFFC = 0x00407FFC.
     */
    assert_true(walk_table_base(&r, 0x3FF12345u, &base));
    assert_int_equal(base, 0x00407000u);
    physmem_write32(pm, 0x00407FFCu, 0x11100402u);
    res = walk(pm, &r, 0x3FF12345u, PRIV_READ);
    assert_ok(&res, 1, 0x11112345u);            /* 0x11100000 | 0x12345 */
    assert_int_equal(res.desc_addr[0], 0x00407FFCu);

    /* VA 0x40000000 is TTBR1's: index 0x400, entry at 0x00304000 + 0x1000 = 0x00305000. */
    assert_true(walk_table_base(&r, 0x40000000u, &base));
    assert_int_equal(base, 0x00304000u);
    physmem_write32(pm, 0x00305000u, 0x22200402u);
    res = walk(pm, &r, 0x40000000u, PRIV_READ);
    assert_ok(&res, 1, 0x22200000u);
    assert_int_equal(res.desc_addr[0], 0x00305000u);

    /*
     * N = 7: TTBR0 covers VA < 2^25 (32 MiB) with a 128-byte table of 32 entries
     * aligned to 2^(14-7) = 128. TTBR0 0x005000FF -> base 0x00500080. VA 0x01F00000
     * (index 0x1F) -> 0x00500080 + 0x7C = 0x005000FC; VA 0x02000000 goes to TTBR1,
     * index 0x020 -> 0x00304000 + 0x80 = 0x00304080.
     */
    r.ttbr0 = 0x005000FFu;
    r.n = 7;
    assert_true(walk_table_base(&r, 0x01F00000u, &base));
    assert_int_equal(base, 0x00500080u);
    assert_true(walk_table_base(&r, 0x02000000u, &base));
    assert_int_equal(base, 0x00304000u);
    physmem_write32(pm, 0x005000FCu, 0x33300402u);
    res = walk(pm, &r, 0x01F00001u, PRIV_READ);
    assert_ok(&res, 1, 0x33300001u);
    assert_int_equal(res.desc_addr[0], 0x005000FCu);
    res = walk(pm, &r, 0x02000000u, PRIV_READ);
    assert_int_equal(res.fault, WALK_TRANSLATION_L1);     /* 0x00304080 never written */
    assert_int_equal(res.desc_addr[0], 0x00304080u);

    /* N = 0: every VA, even 0xFFF00000, uses TTBR0 (base & ~0x3FFF); PD1 is irrelevant. */
    r.ttbr0 = 0x00100000u;
    r.n = 0;
    r.pd1 = true;
    assert_true(walk_table_base(&r, 0xFFF00000u, &base));
    assert_int_equal(base, 0x00100000u);
    res = walk(pm, &r, 0xFFF00000u, PRIV_READ);
    assert_int_equal(res.desc_addr[0], 0x00103FFCu);    /* 0x00100000 | 0xFFF << 2 */
    assert_int_equal(res.desc_reads, 1);
}

static void test_pd0_pd1(void **state)
{
    struct physmem *pm = *state;
    struct walk_regs r = { .ttbr0 = 0x00200000u, .ttbr1 = 0x00300000u, .n = 1, .afe = true };
    struct walk_result res;
    uint32_t base;

    /* VA 0x10000000 via TTBR0 (entry 0x100 at 0x00200400), VA 0x90000000 via TTBR1 (0x900 at 0x00302400). */
    physmem_write32(pm, 0x00200400u, 0x10000402u);
    physmem_write32(pm, 0x00302400u, 0x90000402u);

    r.pd0 = true;   /* TTBR0 walks disabled: fault at level 1 with no read */
    assert_false(walk_table_base(&r, 0x10000000u, &base));
    res = walk(pm, &r, 0x10000000u, PRIV_READ);
    assert_int_equal(res.fault, WALK_TRANSLATION_L1);
    assert_int_equal(res.level, 1);
    assert_int_equal(res.desc_reads, 0);
    assert_false(res.have_entry);
    res = walk(pm, &r, 0x90000000u, PRIV_READ);
    assert_ok(&res, 1, 0x90000000u);
    assert_int_equal(res.desc_addr[0], 0x00302400u);

    r.pd0 = false;
    r.pd1 = true;   /* TTBR1 walks disabled */
    assert_false(walk_table_base(&r, 0x90000000u, &base));
    res = walk(pm, &r, 0x90000000u, PRIV_READ);
    assert_int_equal(res.fault, WALK_TRANSLATION_L1);
    assert_int_equal(res.desc_reads, 0);
    assert_false(res.have_entry);
    res = walk(pm, &r, 0x10000000u, PRIV_READ);
    assert_ok(&res, 1, 0x10000000u);
    assert_int_equal(res.desc_addr[0], 0x00200400u);
}

/* ---- Translation faults ------------------------------------------------------------ */

static void test_translation_faults(void **state)
{
    struct physmem *pm = *state;
    struct walk_regs r = regs_n0();
    struct walk_result res;

    /* Entry 5 (address 0x00100014) was never written: 0b00, level 1 fault after one read. */
    res = walk(pm, &r, 0x00500000u, PRIV_READ);
    assert_int_equal(res.fault, WALK_TRANSLATION_L1);
    assert_int_equal(res.level, 1);
    assert_int_equal(res.desc_reads, 1);
    assert_int_equal(res.desc_addr[0], 0x00100014u);
    assert_int_equal(res.desc[0], 0);
    assert_false(res.have_entry);

    /* A fault entry with other bits set is still a fault: 0xFFFFFFFC at entry 7 (0x0010001C). */
    physmem_write32(pm, 0x0010001Cu, 0xFFFFFFFCu);
    res = walk(pm, &r, 0x00700000u, PRIV_READ);
    assert_int_equal(res.fault, WALK_TRANSLATION_L1);
    assert_int_equal(res.desc[0], 0xFFFFFFFCu);

    /* The reserved type 0b11: 0xFFF00C03 at entry 6 (0x00100018) faults at level 1. */
    physmem_write32(pm, 0x00100018u, 0xFFF00C03u);
    res = walk(pm, &r, 0x00612345u, PRIV_READ);
    assert_int_equal(res.fault, WALK_TRANSLATION_L1);
    assert_int_equal(res.level, 1);
    assert_int_equal(res.desc_reads, 1);
    assert_int_equal(res.desc_addr[0], 0x00100018u);
    assert_int_equal(res.desc[0], 0xFFF00C03u);
    assert_false(res.have_entry);

    /* L2: VA 0x00201000 (VA[19:12] = 0x01) reads 0x00104404, never written: level 2 fault. */
    write_l1_table_entry(pm);
    res = walk(pm, &r, 0x00201000u, PRIV_READ);
    assert_int_equal(res.fault, WALK_TRANSLATION_L2);
    assert_int_equal(res.level, 2);
    assert_int_equal(res.desc_reads, 2);
    assert_int_equal(res.desc_addr[0], 0x00100008u);
    assert_int_equal(res.desc_addr[1], 0x00104404u);
    assert_int_equal(res.desc[1], 0);
    assert_false(res.have_entry);

    /* An L2 fault entry with other bits: 0xFFFFFFFC at VA[19:12] = 0x02 (0x00104408). */
    physmem_write32(pm, 0x00104408u, 0xFFFFFFFCu);
    res = walk(pm, &r, 0x00202000u, PRIV_READ);
    assert_int_equal(res.fault, WALK_TRANSLATION_L2);
    assert_int_equal(res.desc[1], 0xFFFFFFFCu);
}

/* ---- Access flag and permissions --------------------------------------------------- */

static void test_access_flag(void **state)
{
    struct physmem *pm = *state;
    struct walk_regs r = regs_n0();
    struct walk_result res;

    /*
     * Section 0x0A000000 with AP1 only (AP0, the access flag, clear): 0x0A000802 at
     * entry 0x0A0 (0x00100280). With AFE = 1 any access faults with AFF; the entry is
     * still reported (the SMMU reports its address).
     */
    physmem_write32(pm, 0x00100280u, 0x0A000802u);
    res = walk(pm, &r, 0x0A012345u, PRIV_READ);
    assert_int_equal(res.fault, WALK_ACCESS_FLAG);
    assert_true(res.have_entry);
    assert_int_equal(res.level, 1);
    assert_int_equal(res.pa, 0x0A012345u);
    assert_int_equal(res.entry.pa, 0x0A000000u);
    assert_int_equal(res.entry.attrs.ap, 2);

    /* The same for a small page: AP1 only, 0x0B000000 | 0x20 | 0x2 = 0x0B000022 at 0x0010440C. */
    write_l1_table_entry(pm);
    physmem_write32(pm, 0x0010440Cu, 0x0B000022u);
    res = walk(pm, &r, 0x00203000u, USER_READ);
    assert_int_equal(res.fault, WALK_ACCESS_FLAG);
    assert_true(res.have_entry);
    assert_int_equal(res.level, 2);
    assert_int_equal(res.desc_reads, 2);

    /* With AFE = 0 the section's AP = 0b010 means privileged RW, user RO. */
    r.afe = false;
    res = walk(pm, &r, 0x0A012345u, USER_READ);
    assert_int_equal(res.fault, WALK_OK);
    res = walk(pm, &r, 0x0A012345u, USER_WRITE);
    assert_int_equal(res.fault, WALK_PERMISSION);
    res = walk(pm, &r, 0x0A012345u, PRIV_WRITE);
    assert_int_equal(res.fault, WALK_OK);
}

static void test_permissions_afe1(void **state)
{
    struct physmem *pm = *state;
    struct walk_regs r = regs_n0();
    struct walk_result res;

    /* Read-only (AP2|AP1|AP0) section 0x0C000000: 0x0C000000 | 0x8000 | 0xC00 | 0x2 = 0x0C008C02 at 0x00100300. */
    physmem_write32(pm, 0x00100300u, 0x0C008C02u);
    res = walk(pm, &r, 0x0C000010u, PRIV_WRITE);
    assert_int_equal(res.fault, WALK_PERMISSION);
    assert_true(res.have_entry);
    assert_int_equal(res.pa, 0x0C000010u);
    res = walk(pm, &r, 0x0C000010u, USER_WRITE);
    assert_int_equal(res.fault, WALK_PERMISSION);
    res = walk(pm, &r, 0x0C000010u, USER_READ);
    assert_int_equal(res.fault, WALK_OK);

    /* Privileged-only (AP1 clear) section 0x0D000000 | 0x400 | 0x2 = 0x0D000402 at 0x00100340. */
    physmem_write32(pm, 0x00100340u, 0x0D000402u);
    res = walk(pm, &r, 0x0D000000u, USER_READ);
    assert_int_equal(res.fault, WALK_PERMISSION);
    res = walk(pm, &r, 0x0D000000u, USER_WRITE);
    assert_int_equal(res.fault, WALK_PERMISSION);
    res = walk(pm, &r, 0x0D000000u, PRIV_READ);
    assert_int_equal(res.fault, WALK_OK);
    res = walk(pm, &r, 0x0D000000u, PRIV_WRITE);
    assert_int_equal(res.fault, WALK_OK);

    /* XN section: 0x0E000000 | 0xC00 | 0x10 | 0x2 = 0x0E000C12 at 0x00100380. */
    physmem_write32(pm, 0x00100380u, 0x0E000C12u);
    res = walk(pm, &r, 0x0E000000u, PRIV_INSTR);
    assert_int_equal(res.fault, WALK_PERMISSION);
    res = walk(pm, &r, 0x0E000000u, PRIV_READ);
    assert_int_equal(res.fault, WALK_OK);
    /* The same section without XN (0x0E000C02) allows the fetch. */
    physmem_write32(pm, 0x00100380u, 0x0E000C02u);
    res = walk(pm, &r, 0x0E000000u, PRIV_INSTR);
    assert_int_equal(res.fault, WALK_OK);

    /* XN on L2 pages: small bit 0 (0x0F000033: AP1 AP0, 0b11), large bit 15 (0x0F018031). */
    write_l1_table_entry(pm);
    physmem_write32(pm, 0x00104400u, 0x0F000033u);        /* VA 0x00200000 */
    res = walk(pm, &r, 0x00200000u, USER_READ | ACCESS_INSTR);
    assert_int_equal(res.fault, WALK_PERMISSION);
    res = walk(pm, &r, 0x00200000u, USER_READ);
    assert_int_equal(res.fault, WALK_OK);
    for (uint32_t i = 0; i < 16; i++)                      /* VA 0x00210000, L2 0x10..0x1F */
        physmem_write32(pm, 0x00104440u + 4 * i, 0x0F018031u);
    res = walk(pm, &r, 0x00218000u, USER_READ | ACCESS_INSTR);
    assert_int_equal(res.fault, WALK_PERMISSION);
    assert_int_equal(res.pa, 0x0F018000u);                 /* 0x0F010000 | 0x8000 */
    res = walk(pm, &r, 0x00218000u, USER_READ);
    assert_int_equal(res.fault, WALK_OK);

    /* Small page AP bits one at a time: AP2 (bit 9) + AP0 (bit 4) -> AP = 0b101. */
    /* 0x0F100000 | 0x200 | 0x10 | 0x2 = 0x0F100212 at VA[19:12] = 0xFF (0x001047FC). */
    physmem_write32(pm, 0x001047FCu, 0x0F100212u);
    res = walk(pm, &r, 0x002FF000u, PRIV_READ);
    assert_int_equal(res.fault, WALK_OK);
    assert_int_equal(res.entry.attrs.ap, 5);
    res = walk(pm, &r, 0x002FF000u, PRIV_WRITE);
    assert_int_equal(res.fault, WALK_PERMISSION);          /* AP2: read-only */
    res = walk(pm, &r, 0x002FF000u, USER_READ);
    assert_int_equal(res.fault, WALK_PERMISSION);          /* AP1 clear: privileged only */
}

/*
 * AFE = 0, the full AP[2:0] encoding (ARMv7 VMSA), written by hand:
 *   AP   priv read  priv write  user read  user write
 *   000     no         no          no         no
 *   001     yes        yes         no         no
 *   010     yes        yes         yes        no
 *   011     yes        yes         yes        yes
 *   100     no         no          no         no     (reserved)
 *   101     yes        no          no         no
 *   110     yes        no          yes        no
 *   111     yes        no          yes        no
 */
static void test_permissions_afe0(void **state)
{
    static const bool allowed[8][4] = {
        { false, false, false, false },
        { true,  true,  false, false },
        { true,  true,  true,  false },
        { true,  true,  true,  true  },
        { false, false, false, false },
        { true,  false, false, false },
        { true,  false, true,  false },
        { true,  false, true,  false },
    };
    static const unsigned access[4] = { PRIV_READ, PRIV_WRITE, USER_READ, USER_WRITE };
    /*
     * Section descriptors for AP = 0..7 at entries 0x100..0x107 (0x00100400 + 4*ap),
     * AP[1:0] in bits 11:10 and AP2 in bit 15, base 0x50000000 + ap MiB.
     */
    static const uint32_t desc[8] = {
        0x50000002u,    /* 000 */
        0x50100402u,    /* 001: bit 10 */
        0x50200802u,    /* 010: bit 11 */
        0x50300C02u,    /* 011: bits 11:10 */
        0x50408002u,    /* 100: bit 15 */
        0x50508402u,    /* 101: bits 15, 10 */
        0x50608802u,    /* 110: bits 15, 11 */
        0x50708C02u,    /* 111: bits 15, 11, 10 */
    };
    struct physmem *pm = *state;
    struct walk_regs r = regs_n0();
    struct walk_result res;

    r.afe = false;
    for (unsigned ap = 0; ap < 8; ap++) {
        uint32_t va = 0x10000000u + (ap << 20);

        physmem_write32(pm, 0x00100400u + 4 * ap, desc[ap]);
        for (unsigned a = 0; a < 4; a++) {
            res = walk(pm, &r, va | 0x123u, access[a]);
            assert_int_equal(res.entry.attrs.ap, ap);
            assert_true(res.have_entry);
            assert_int_equal(res.pa, 0x50000123u + (ap << 20));
            assert_int_equal(res.fault, allowed[ap][a] ? WALK_OK : WALK_PERMISSION);
        }
    }
}

/* The worked example of docs/walker.md, step by step. */
static void test_doc_example(void **state)
{
    struct physmem *pm = *state;
    struct walk_regs r = { .ttbr0 = 0x00202000u, .n = 1, .afe = true };
    struct walk_result res;

    /* L1 word at 0x00202000 | 0x123 << 2; L2 word at 0x00104400 | 0x45 << 2. */
    physmem_write32(pm, 0x0020248Cu, 0x00104409u);
    physmem_write32(pm, 0x00104514u, 0x5555A032u);
    res = walk(pm, &r, 0x12345678u, PRIV_READ);
    assert_ok(&res, 2, 0x5555A678u);
    assert_int_equal(res.desc_addr[0], 0x0020248Cu);
    assert_int_equal(res.desc_addr[1], 0x00104514u);
    assert_int_equal(res.entry.va, 0x12345000u);
    assert_int_equal(res.entry.pa, 0x5555A000u);
    assert_int_equal(res.entry.size, PAGE_4K);
    assert_int_equal(res.entry.attrs.ap, 3);
    assert_true(res.entry.attrs.ns);
    assert_false(res.entry.attrs.xn);
}

/* ---- Timed walker ---------------------------------------------------------------- */

/*
 * The memory is tests/lib/mem_fake.h's: a fixed latency and no contention, each read
 * completing LATENCY after its arrival time; it can be told to fail reads of one
 * address.
 */
#define OVERHEAD    (10 * SIM_NS)
#define LATENCY     (50 * SIM_NS)

struct timed {
    struct physmem *pm;
    struct fake_mem mem;
    struct mem_port port;
};

static int timed_setup(void **state)
{
    static struct timed t;

    memset(&t, 0, sizeof(t));
    t.pm = physmem_new();
    if (!t.pm)
        return -1;
    t.port = fake_mem_init(&t.mem, LATENCY);
    sim_reset();
    *state = &t;
    return 0;
}

static int timed_teardown(void **state)
{
    struct timed *t = *state;

    sim_reset();
    physmem_free(t->pm);
    return 0;
}

static struct walker *timed_walker(struct timed *t, unsigned max_outstanding)
{
    struct walker_config cfg = { .max_outstanding = max_outstanding, .overhead = OVERHEAD };
    struct walker *w = walker_new(&cfg, t->pm, &t->port);

    assert_non_null(w);
    return w;
}

/* Done callbacks record the order in which walks finish. */
static struct walk_job *finish_order[8];
static unsigned finish_count;

static void record_done(struct walk_job *job)
{
    if (finish_count < 8)
        finish_order[finish_count] = job;
    finish_count++;
}

static void job_init(struct walk_job *job, uint32_t va, unsigned access)
{
    memset(job, 0, sizeof(*job));
    job->regs = regs_n0();
    job->va = va;
    job->access = access;
    job->done = record_done;
}

/*
 * Tables of the timed tests: a section at VA 0x12300000 (entry at 0x0010048C,
 * PA 0x87600000) and the small page VA 0x00203000 -> 0x5555A000 through the L2
 * table at 0x00104400.
 */
static void write_timed_tables(struct physmem *pm)
{
    physmem_write32(pm, 0x0010048Cu, 0x87600C02u);
    write_l1_table_entry(pm);
    physmem_write32(pm, 0x0010440Cu, 0x5555A032u);
}

static void test_walker_new_validates(void **state)
{
    struct timed *t = *state;
    struct walker_config cfg = { .max_outstanding = 1, .overhead = OVERHEAD };
    struct mem_port no_fn = { .request = NULL, .target = &t->mem };
    struct walker *w;

    assert_null(walker_new(NULL, t->pm, &t->port));
    assert_null(walker_new(&cfg, NULL, &t->port));
    assert_null(walker_new(&cfg, t->pm, NULL));
    assert_null(walker_new(&cfg, t->pm, &no_fn));
    cfg.max_outstanding = 0;
    assert_null(walker_new(&cfg, t->pm, &t->port));
    cfg.max_outstanding = 1;
    w = walker_new(&cfg, t->pm, &t->port);
    assert_non_null(w);
    assert_int_equal(walker_in_flight(w), 0);
    walker_free(w);
}

static void test_timed_section_and_page(void **state)
{
    struct timed *t = *state;
    struct walker *w = timed_walker(t, 4);
    struct walk_job sect, page;

    write_timed_tables(t->pm);
    finish_count = 0;
    job_init(&sect, 0x12345678u, PRIV_READ);
    job_init(&page, 0x00203ABCu, PRIV_READ);
    walker_start(w, &sect);
    walker_start(w, &page);
    assert_int_equal(walker_in_flight(w), 2);
    /* The L1 reads of both are issued at once to arrive at 0 + overhead = 10 ns. */
    assert_int_equal(t->mem.requests, 2);
    assert_int_equal(t->mem.log[0].pa, 0x0010048Cu);
    assert_int_equal(t->mem.log[0].at, 10 * SIM_NS);
    assert_int_equal(t->mem.log[1].pa, 0x00100008u);
    assert_int_equal(t->mem.log[1].at, 10 * SIM_NS);
    assert_int_equal(finish_count, 0);          /* nothing completes inside walker_start */

    sim_run(SIM_TIME_MAX);

    /* Section: overhead 10 + one read 50 = 60 ns. */
    assert_int_equal(sect.started, 0);
    assert_int_equal(sect.finished, 60 * SIM_NS);
    assert_int_equal(sect.result.fault, WALK_OK);
    assert_int_equal(sect.result.pa, 0x87645678u);
    /* Page: 10 + 50 (L1) + 50 (L2, issued at 60 ns when the L1 read completes) = 110 ns. */
    assert_int_equal(page.finished, 110 * SIM_NS);
    assert_int_equal(page.result.fault, WALK_OK);
    assert_int_equal(page.result.pa, 0x5555AABCu);
    assert_int_equal(page.result.desc_reads, 2);
    assert_int_equal(t->mem.requests, 3);
    assert_int_equal(t->mem.log[2].pa, 0x0010440Cu);
    assert_int_equal(t->mem.log[2].at, 60 * SIM_NS);
    assert_int_equal(finish_count, 2);
    assert_ptr_equal(finish_order[0], &sect);
    assert_ptr_equal(finish_order[1], &page);

    const struct walker_stats *st = walker_stats(w);
    assert_int_equal(st->walks, 2);
    assert_int_equal(st->desc_reads, 3);        /* 1 + 2 */
    assert_int_equal(st->faults, 0);
    assert_int_equal(st->queued, 0);
    assert_int_equal(st->max_in_flight, 2);
    assert_int_equal(walker_in_flight(w), 0);
    walker_free(w);
}

static void test_timed_one_outstanding(void **state)
{
    struct timed *t = *state;
    struct walker *w = timed_walker(t, 1);
    struct walk_job a, b;

    write_timed_tables(t->pm);
    finish_count = 0;
    job_init(&a, 0x00203000u, PRIV_READ);
    job_init(&b, 0x00203004u, PRIV_READ);
    walker_start(w, &a);
    walker_start(w, &b);
    assert_int_equal(walker_in_flight(w), 1);
    assert_int_equal(walker_queued(w), 1);
    sim_run(SIM_TIME_MAX);

    /* a: 10 + 50 + 50 = 110 ns. b waits for a's slot, starts at 110: 110 + 110 = 220 ns. */
    assert_int_equal(a.finished, 110 * SIM_NS);
    assert_int_equal(b.started, 0);             /* requested at 0; queueing is included */
    assert_int_equal(b.finished, 220 * SIM_NS);
    assert_int_equal(b.result.pa, 0x5555A004u);
    /* b's L1 read (the third read) arrives at 110 + 10 = 120 ns. */
    assert_int_equal(t->mem.log[2].at, 120 * SIM_NS);

    const struct walker_stats *st = walker_stats(w);
    assert_int_equal(st->walks, 2);
    assert_int_equal(st->desc_reads, 4);
    assert_int_equal(st->queued, 1);
    assert_int_equal(st->max_in_flight, 1);
    walker_free(w);
}

/* A done callback that starts another walk: it must queue behind older waiters. */
static struct walker *chain_walker;
static struct walk_job chain_job;

static void start_chain(struct walk_job *job)
{
    record_done(job);
    job_init(&chain_job, 0x12300000u, PRIV_READ);
    walker_start(chain_walker, &chain_job);
}

static void test_timed_fifo(void **state)
{
    struct timed *t = *state;
    struct walker *w = timed_walker(t, 1);
    struct walk_job a, b;

    write_timed_tables(t->pm);
    finish_count = 0;
    chain_walker = w;
    job_init(&a, 0x00203000u, PRIV_READ);
    a.done = start_chain;
    job_init(&b, 0x00203000u, PRIV_READ);
    walker_start(w, &a);
    walker_start(w, &b);
    sim_run(SIM_TIME_MAX);

    /*
     * a ends at 110 ns and starts the section walk c from its done callback; b was
     * waiting first, so b runs 110..220 and c 220..280 (10 + 50).
     */
    assert_int_equal(finish_count, 3);
    assert_ptr_equal(finish_order[0], &a);
    assert_ptr_equal(finish_order[1], &b);
    assert_ptr_equal(finish_order[2], &chain_job);
    assert_int_equal(a.finished, 110 * SIM_NS);
    assert_int_equal(b.finished, 220 * SIM_NS);
    assert_int_equal(chain_job.started, 110 * SIM_NS);
    assert_int_equal(chain_job.finished, 280 * SIM_NS);
    assert_int_equal(walker_stats(w)->queued, 2);   /* b, then c behind b */
    walker_free(w);
}

/* Scheduled actions of the timed coherence test. */
static struct physmem *update_pm;
static struct walker *update_walker;
static struct walk_job update_b;

static void install_section(void *arg)
{
    (void)arg;
    physmem_write32(update_pm, 0x0010048Cu, 0x87600C02u);
}

static void remove_section(void *arg)
{
    (void)arg;
    physmem_write32(update_pm, 0x0010048Cu, 0);
}

static void start_b(void *arg)
{
    (void)arg;
    job_init(&update_b, 0x12345678u, PRIV_READ);
    walker_start(update_walker, &update_b);
}

static void test_timed_sees_table_at_read_completion(void **state)
{
    struct timed *t = *state;
    struct walker *w = timed_walker(t, 2);
    struct walk_job a;

    update_pm = t->pm;
    update_walker = w;
    finish_count = 0;
    /*
     * Entry 0x123 is empty when walk a starts at 0 (its L1 read is issued then, to
     * arrive at 10 ns and complete at 60 ns). A callback at 30 ns installs the
     * section; the descriptor is taken at 60 ns, so the walk sees the section.
     */
    job_init(&a, 0x12345678u, PRIV_READ);
    walker_start(w, &a);
    sim_schedule(30 * SIM_NS, install_section, NULL);
    /*
     * The other way round: walk b starts at 200 ns, its read completes at
     * 200 + 10 + 50 = 260 ns; the section is removed at 240 ns, so b faults at level 1.
     */
    sim_schedule(200 * SIM_NS, start_b, NULL);
    sim_schedule(240 * SIM_NS, remove_section, NULL);
    sim_run(SIM_TIME_MAX);

    assert_int_equal(a.finished, 60 * SIM_NS);
    assert_int_equal(a.result.fault, WALK_OK);
    assert_int_equal(a.result.pa, 0x87645678u);
    assert_int_equal(a.result.desc[0], 0x87600C02u);
    assert_int_equal(update_b.started, 200 * SIM_NS);
    assert_int_equal(update_b.finished, 260 * SIM_NS);
    assert_int_equal(update_b.result.fault, WALK_TRANSLATION_L1);
    assert_int_equal(update_b.result.desc[0], 0);
    assert_int_equal(walker_stats(w)->faults, 1);
    walker_free(w);
}

static void test_timed_faults(void **state)
{
    struct timed *t = *state;
    struct walker *w = timed_walker(t, 4);
    struct walk_job pd, l2, err;

    write_timed_tables(t->pm);
    finish_count = 0;
    /* PD0: no read; the walk reports after the start-up time, at 10 ns. */
    job_init(&pd, 0x12345678u, PRIV_READ);
    pd.regs.pd0 = true;
    /* L2 fault: VA 0x00201000 reads 0x00100008 then 0x00104404 (empty): 110 ns. */
    job_init(&l2, 0x00201000u, PRIV_READ);
    /*
     * A read the port answers with a slave error: L1 entry 0x00100014 of VA 0x00500000
     * -> the walk ends at 60 ns with a level 1 slave error (HTWSEEF), not a TF.
     */
    job_init(&err, 0x00500000u, PRIV_READ);
    t->mem.fail = true;
    t->mem.fail_pa = 0x00100014u;
    walker_start(w, &pd);
    walker_start(w, &l2);
    walker_start(w, &err);
    sim_run(SIM_TIME_MAX);

    assert_int_equal(pd.finished, 10 * SIM_NS);
    assert_int_equal(pd.result.fault, WALK_TRANSLATION_L1);
    assert_int_equal(pd.result.desc_reads, 0);
    assert_int_equal(l2.finished, 110 * SIM_NS);
    assert_int_equal(l2.result.fault, WALK_TRANSLATION_L2);
    assert_int_equal(l2.result.desc_addr[1], 0x00104404u);
    assert_int_equal(err.finished, 60 * SIM_NS);
    assert_int_equal(err.result.fault, WALK_SLAVE_ERROR);
    assert_int_equal(err.result.level, 1);
    assert_int_equal(err.result.desc_reads, 1);
    assert_false(err.result.have_entry);

    const struct walker_stats *st = walker_stats(w);
    assert_int_equal(st->walks, 3);
    assert_int_equal(st->faults, 3);
    assert_int_equal(st->desc_reads, 3);        /* 0 + 2 + 1 */
    assert_int_equal(st->desc_errors, 1);
    assert_int_equal(st->slave_errors, 1);
    assert_int_equal(st->decode_errors, 0);
    assert_int_equal(st->max_in_flight, 3);
    walker_free(w);
}

/*
 * A decode error on the L2 read: VA 0x00203ABC reads L1 entry 0x00100008 (a table at
 * 0x00104400, fine) and then L2 entry 0x00104400 | 0x03 << 2 = 0x0010440C, which the
 * port answers with a decode error. The walk ends when that read completes,
 * 10 + 50 + 50 = 110 ns, with WALK_DECODE_ERROR at level 2 and both addresses read.
 */
static void test_timed_decode_error_level2(void **state)
{
    struct timed *t = *state;
    struct walker *w = timed_walker(t, 1);
    struct walk_job job;

    write_timed_tables(t->pm);
    finish_count = 0;
    t->mem.fail = true;
    t->mem.fail_decode = true;
    t->mem.fail_pa = 0x0010440Cu;
    job_init(&job, 0x00203ABCu, PRIV_READ);
    walker_start(w, &job);
    sim_run(SIM_TIME_MAX);

    assert_int_equal(job.finished, 110 * SIM_NS);
    assert_int_equal(job.result.fault, WALK_DECODE_ERROR);
    assert_int_equal(job.result.level, 2);
    assert_int_equal(job.result.desc_reads, 2);
    assert_int_equal(job.result.desc_addr[0], 0x00100008u);
    assert_int_equal(job.result.desc_addr[1], 0x0010440Cu);
    assert_false(job.result.have_entry);
    const struct walker_stats *st = walker_stats(w);
    assert_int_equal(st->desc_reads, 2);
    assert_int_equal(st->desc_errors, 1);
    assert_int_equal(st->decode_errors, 1);
    assert_int_equal(st->slave_errors, 0);
    assert_int_equal(st->faults, 1);
    walker_free(w);
}


/* ---- The descriptor fetch buffer (BFB) ------------------------------------------ */

/*
 * The 1 MiB region VA 0x00300000..0x003FFFFF: L1 entry 3 at 0x00100000 + 3 * 4 =
 * 0x0010000C points to the L2 table at 0x00108000 (0x00108001). Page i (VA 0x00300000
 * + i * 4K) has its L2 descriptor at 0x00108000 + 4i and maps PA 0x40000000 + i * 4K,
 * AP0|AP1 set (0x32). A 64-byte line holds 16 descriptors: pages 16k..16k+15 share
 * the line at 0x00108000 + 64k.
 */
#define REGION_VA       0x00300000u
#define REGION_L2       0x00108000u

static void write_region(struct physmem *pm)
{
    physmem_write32(pm, 0x0010000Cu, REGION_L2 | 1u);
    for (uint32_t i = 0; i < 256; i++)
        physmem_write32(pm, REGION_L2 + 4u * i, (0x40000000u + i * 0x1000u) | 0x32u);
}

static struct walker *bfb_walker(struct timed *t, unsigned lines)
{
    struct walker_config cfg = { .max_outstanding = 1, .overhead = OVERHEAD,
                                 .bfb_lines = lines };
    struct walker *w = walker_new(&cfg, t->pm, &t->port);

    assert_non_null(w);
    return w;
}

/* Walks page `page` of the region to the end; returns its finish - start time. */
static sim_time_t walk_page(struct walker *w, unsigned page, bool bfb, struct walk_job *job)
{
    job_init(job, REGION_VA + page * 0x1000u, PRIV_READ);
    job->regs.bfb = bfb;
    walker_start(w, job);
    sim_run(SIM_TIME_MAX);
    assert_int_equal(job->result.fault, WALK_OK);
    assert_int_equal(job->result.pa, 0x40000000u + page * 0x1000u);
    return job->finished - job->started;
}

/*
 * A stream over the 256 pages of the region, one walk each, BFB on: every walk reads
 * its L1 descriptor (256 reads); the L2 descriptors come one 64-byte line per 16 pages
 * (pages 0, 16, ..., 240: 16 line reads), the other 240 from the buffer. 272 reads in
 * all, 240 hits. A walk that misses the buffer takes 10 + 50 + 50 = 110 ns, one that
 * hits 10 + 50 = 60 ns (the buffer answers at once). The line read of page 16 is
 * 64 bytes at 0x00108040 (the 19th read: 16 L1 reads and 2 lines before it, page 0's
 * line at 0x00108000 second of all).
 */
static void test_bfb_stream_one_line_per_16_pages(void **state)
{
    struct timed *t = *state;
    struct walker *w = bfb_walker(t, 16);
    struct walk_job job;

    write_region(t->pm);
    for (unsigned p = 0; p < 256; p++) {
        sim_time_t d = walk_page(w, p, true, &job);
        assert_int_equal(d, p % 16 ? 60 * SIM_NS : 110 * SIM_NS);
        assert_int_equal(job.result.bfb_hit, p % 16 != 0);
        assert_int_equal(job.result.mem_reads, p % 16 ? 1 : 2);
        assert_int_equal(job.result.desc_reads, 2);
    }
    const struct walker_stats *st = walker_stats(w);
    assert_int_equal(st->walks, 256);
    assert_int_equal(st->desc_reads, 256 + 16);
    assert_int_equal(st->bfb_hits, 240);
    assert_int_equal(st->bfb_fills, 16);
    assert_int_equal(t->mem.requests, 272);
    assert_int_equal(t->mem.log[1].pa, 0x00108000u);
    assert_int_equal(t->mem.log[1].bytes, 64);
    assert_int_equal(t->mem.log[0].bytes, 4);            /* the L1 read is one word */
    assert_int_equal(t->mem.log[18].pa, 0x00108040u);
    assert_int_equal(t->mem.log[18].bytes, 64);
    assert_int_equal(walker_bfb_valid(w), 16);
    walker_free(w);
}

/*
 * The same stream with BFBDFE clear: two 4-byte reads per page, 512 in all, no hits;
 * and with BFBDFE set but a buffer of 0 lines (bfb_lines = 0), the same 512.
 */
static void test_bfb_off_one_read_per_page(void **state)
{
    struct timed *t = *state;
    struct walker *w = bfb_walker(t, 16), *w0;
    struct walk_job job;

    write_region(t->pm);
    for (unsigned p = 0; p < 256; p++)
        assert_int_equal(walk_page(w, p, false, &job), 110 * SIM_NS);
    assert_int_equal(walker_stats(w)->desc_reads, 512);
    assert_int_equal(walker_stats(w)->bfb_hits, 0);
    assert_int_equal(t->mem.log[1].bytes, 4);
    walker_free(w);

    w0 = bfb_walker(t, 0);
    for (unsigned p = 0; p < 256; p++)
        walk_page(w0, p, true, &job);
    assert_int_equal(walker_stats(w0)->desc_reads, 512);
    assert_int_equal(walker_stats(w0)->bfb_hits, 0);
    walker_free(w0);
}

/*
 * Invalidation empties the buffer: page 0 fills line 0 (2 reads); page 1 hits (1 read);
 * after walker_bfb_invalidate the buffer holds nothing, so page 2 reads the line again
 * (2 reads): 5 reads, 1 hit, 2 fills.
 */
static void test_bfb_invalidate_empties(void **state)
{
    struct timed *t = *state;
    struct walker *w = bfb_walker(t, 16);
    struct walk_job job;

    write_region(t->pm);
    walk_page(w, 0, true, &job);
    assert_int_equal(walker_bfb_valid(w), 1);
    walk_page(w, 1, true, &job);
    assert_true(job.result.bfb_hit);
    walker_bfb_invalidate(w);
    assert_int_equal(walker_bfb_valid(w), 0);
    assert_int_equal(walk_page(w, 2, true, &job), 110 * SIM_NS);
    assert_false(job.result.bfb_hit);
    const struct walker_stats *st = walker_stats(w);
    assert_int_equal(st->desc_reads, 5);
    assert_int_equal(st->bfb_hits, 1);
    assert_int_equal(st->bfb_fills, 2);
    assert_int_equal(st->bfb_invalidations, 1);
    walker_free(w);
}

/*
 * A 2-line buffer keeps the last 2 lines read (FIFO, hits do not refresh a line).
 * Lines: A = pages 0..15, B = 16..31, C = 32..47.
 *   page 0   miss, fill A            [A]
 *   page 16  miss, fill B            [A B]
 *   page 1   hit A                   (A stays the oldest)
 *   page 32  miss, fill C, evicts A  [C B]   (LRU would have evicted B)
 *   page 17  hit B
 *   page 2   miss (A gone), fill A, evicts B, the oldest now  [C A]
 *   page 33  hit C
 *   page 18  miss (B gone)
 * hits 3 (pages 1, 17, 33), fills 5, reads 8 L1 + 5 lines = 13.
 */
static void test_bfb_capacity_fifo(void **state)
{
    struct timed *t = *state;
    struct walker *w = bfb_walker(t, 2);
    static const unsigned pages[] = { 0, 16, 1, 32, 17, 2, 33, 18 };
    static const bool hit[] = { false, false, true, false, true, false, true, false };
    struct walk_job job;

    write_region(t->pm);
    for (unsigned i = 0; i < 8; i++) {
        walk_page(w, pages[i], true, &job);
        assert_int_equal(job.result.bfb_hit, hit[i]);
    }
    const struct walker_stats *st = walker_stats(w);
    assert_int_equal(st->bfb_hits, 3);
    assert_int_equal(st->bfb_fills, 5);
    assert_int_equal(st->desc_reads, 13);
    assert_int_equal(walker_bfb_valid(w), 2);
    walker_free(w);
}

/*
 * The buffer holds the words as they were read. Page 5's entry is empty when page 4's
 * walk fills line 0 (fill 1); software then maps page 5, with no invalidation. Page
 * 5's buffered word is a fault entry, which the walker does not trust (a TLB never
 * holds one, so software need not invalidate after mapping): it reads the line again
 * (fill 2, 10 + 50 + 50 = 110 ns) and translates. Software then moves page 6 to PA
 * 0x70006000, again without invalidating: page 6's buffered word is valid and is used
 * as it was, PA 0x40006000. Page 7 loses its access flag (AP0) as well. After an
 * invalidation page 6 reads the line again (fill 3) and sees 0x70006000. Page 7's
 * buffered word now has AP0 clear; with AFE such a word is read again too (fill 4),
 * and the walk reports the access flag fault.
 */
static void test_bfb_snapshot_and_fault_entries(void **state)
{
    struct timed *t = *state;
    struct walker *w = bfb_walker(t, 16);
    struct walk_job job;

    write_region(t->pm);
    physmem_write32(t->pm, REGION_L2 + 5u * 4u, 0);
    walk_page(w, 4, true, &job);
    physmem_write32(t->pm, REGION_L2 + 5u * 4u, 0x40005000u | 0x32u);
    assert_int_equal(walk_page(w, 5, true, &job), 110 * SIM_NS);
    assert_false(job.result.bfb_hit);

    physmem_write32(t->pm, REGION_L2 + 6u * 4u, 0x70006000u | 0x32u);
    physmem_write32(t->pm, REGION_L2 + 7u * 4u, 0x40007000u | 0x22u);   /* AP1, no AP0 */
    job_init(&job, REGION_VA + 6u * 0x1000u, PRIV_READ);
    job.regs.bfb = true;
    walker_start(w, &job);
    sim_run(SIM_TIME_MAX);
    assert_true(job.result.bfb_hit);
    assert_int_equal(job.result.pa, 0x40006000u);        /* the stale word */

    walker_bfb_invalidate(w);
    job_init(&job, REGION_VA + 6u * 0x1000u, PRIV_READ);
    job.regs.bfb = true;
    walker_start(w, &job);
    sim_run(SIM_TIME_MAX);
    assert_false(job.result.bfb_hit);
    assert_int_equal(job.result.pa, 0x70006000u);

    job_init(&job, REGION_VA + 7u * 0x1000u, PRIV_READ);
    job.regs.bfb = true;
    walker_start(w, &job);
    sim_run(SIM_TIME_MAX);
    assert_int_equal(job.result.fault, WALK_ACCESS_FLAG);
    assert_false(job.result.bfb_hit);
    assert_int_equal(walker_stats(w)->bfb_fills, 4);
    assert_int_equal(walker_stats(w)->bfb_hits, 1);
    walker_free(w);
}

/* ---- Cacheable tables through the shared L2 -------------------------------------- */

/*
 * A cacheable context: TTBR0 = L1_BASE | IRGN[0] (bit 6) | S (bit 1) | NOS (bit 5):
 * inner write-back, inner shareable, so ACTLR.RCISH decides. The L2: 1 KiB, 2 ways,
 * 64-byte lines, 20 ns hit latency.
 *
 * Section walk of VA 0x12345678 (L1 entry 0x0010048C): first walk misses the L2, goes
 * to the port: 10 + 50 = 60 ns, and fills the line 0x00100480; the second walk of the
 * same VA hits: 10 + 20 = 30 ns, no port request. A page walk of VA 0x00203ABC then
 * reads L1 entry 0x00100008 (line 0x00100000: miss, 50 ns) and L2 entry 0x0010440C
 * (miss, 50 ns): 110 ns; again: both hit: 10 + 20 + 20 = 50 ns. Without RCISH the same
 * walks ignore the L2: 60 ns each. L2 counters: 2 + 2 misses, 1 + 2 hits.
 */
static void test_cacheable_walks_through_l2(void **state)
{
    struct timed *t = *state;
    struct walker *w = timed_walker(t, 1);
    struct l2cache_config lc = { .size_bytes = 1024, .ways = 2, .line_bytes = 64,
                                 .hit_latency = 20 * SIM_NS };
    struct l2cache *l2 = l2cache_new(&lc);
    struct walk_job job;
    const uint32_t ttbr_c = L1_BASE | (1u << 6) | (1u << 1) | (1u << 5);
    static const struct { uint32_t va; bool rcish; sim_time_t took; unsigned port; } seq[] = {
        { 0x12345678u, true, 60, 1 },   /* miss */
        { 0x12345678u, true, 30, 1 },   /* hit: latency = the hit latency */
        { 0x00203ABCu, true, 110, 3 },  /* two misses */
        { 0x00203ABCu, true, 50, 3 },   /* two hits */
        { 0x12345678u, false, 60, 4 },  /* no redirect: to the port */
    };

    assert_non_null(l2);
    write_timed_tables(t->pm);
    walker_set_l2cache(w, l2);
    for (unsigned i = 0; i < 5; i++) {
        job_init(&job, seq[i].va, PRIV_READ);
        job.regs.ttbr0 = ttbr_c;
        job.regs.rcish = seq[i].rcish;
        assert_int_equal(walk_table_cacheable(&job.regs, seq[i].va), seq[i].rcish);
        walker_start(w, &job);
        sim_run(SIM_TIME_MAX);
        assert_int_equal(job.result.fault, WALK_OK);
        assert_int_equal(job.finished - job.started, seq[i].took * SIM_NS);
        assert_int_equal(t->mem.requests, seq[i].port);
    }
    assert_int_equal(l2cache_contains(l2, 0x0010048Cu), true);
    assert_int_equal(l2cache_stats(l2)->misses, 3);
    assert_int_equal(l2cache_stats(l2)->hits, 3);
    const struct walker_stats *st = walker_stats(w);
    assert_int_equal(st->l2_hits, 3);
    assert_int_equal(st->l2_misses, 3);
    assert_int_equal(st->desc_reads, 1 + 1 + 2 + 2 + 1);
    walker_free(w);
    l2cache_free(l2);
}

/*
 * Which TTBR bits make a walk cacheable: IRGN = 00 never (whatever ACTLR says);
 * S = 0 asks RCNSH; S = 1 with NOS = 0 RCOSH; S = 1, NOS = 1 RCISH. With N = 1, a VA
 * at or above 0x80000000 uses TTBR1's bits.
 */
static void test_cacheable_bits(void **state)
{
    (void)state;
    struct walk_regs r = { .ttbr0 = L1_BASE, .ttbr1 = 0x00304000u, .rcosh = true,
                           .rcish = true, .rcnsh = true };

    assert_false(walk_table_cacheable(&r, 0));                  /* IRGN 00 */
    r.ttbr0 = L1_BASE | (1u << 0);                              /* IRGN 10 (WT), S 0 */
    assert_true(walk_table_cacheable(&r, 0));
    r.rcnsh = false;
    assert_false(walk_table_cacheable(&r, 0));
    r.ttbr0 = L1_BASE | (1u << 6) | (1u << 1);                  /* S 1, NOS 0: outer */
    assert_true(walk_table_cacheable(&r, 0));
    r.rcosh = false;
    assert_false(walk_table_cacheable(&r, 0));
    r.ttbr0 |= 1u << 5;                                         /* NOS 1: inner */
    assert_true(walk_table_cacheable(&r, 0));
    r.n = 1;                                                    /* 0x80000000: TTBR1 */
    assert_false(walk_table_cacheable(&r, 0x80000000u));
    r.ttbr1 |= (1u << 6) | (1u << 1) | (1u << 5);
    assert_true(walk_table_cacheable(&r, 0x80000000u));
}

int main(void)
{
#define PM_TEST(f) cmocka_unit_test_setup_teardown(f, pm_setup, pm_teardown)
#define TIMED_TEST(f) cmocka_unit_test_setup_teardown(f, timed_setup, timed_teardown)
    const struct CMUnitTest tests[] = {
        PM_TEST(test_section),
        PM_TEST(test_supersection),
        PM_TEST(test_supersection_reads_only_its_entry),
        PM_TEST(test_small_page),
        PM_TEST(test_large_page),
        PM_TEST(test_ttbcr_n1),
        PM_TEST(test_ttbcr_n2_and_n7),
        PM_TEST(test_pd0_pd1),
        PM_TEST(test_translation_faults),
        PM_TEST(test_access_flag),
        PM_TEST(test_permissions_afe1),
        PM_TEST(test_permissions_afe0),
        PM_TEST(test_doc_example),
        TIMED_TEST(test_walker_new_validates),
        TIMED_TEST(test_timed_section_and_page),
        TIMED_TEST(test_timed_one_outstanding),
        TIMED_TEST(test_timed_fifo),
        TIMED_TEST(test_timed_sees_table_at_read_completion),
        TIMED_TEST(test_timed_faults),
        TIMED_TEST(test_timed_decode_error_level2),
        TIMED_TEST(test_bfb_stream_one_line_per_16_pages),
        TIMED_TEST(test_bfb_off_one_read_per_page),
        TIMED_TEST(test_bfb_invalidate_empties),
        TIMED_TEST(test_bfb_capacity_fifo),
        TIMED_TEST(test_bfb_snapshot_and_fault_entries),
        TIMED_TEST(test_cacheable_walks_through_l2),
        TIMED_TEST(test_cacheable_bits),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
