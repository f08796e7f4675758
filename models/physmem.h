/*
 * physmem.h - sparse simulated physical memory, 32-bit physical address space.
 *
 * Holds what the driver writes (page tables, and data payloads when a test or
 * scenario asks for them). Storage is allocated one 4 KiB page at a time on the
 * first write to that page; reading memory that was never written returns zero
 * and allocates nothing. Memory use is proportional to the pages touched, except
 * that pages filled whole with one byte share a single page until written.
 *
 * Multi-byte accessors are little-endian, like the ARM SoC being modelled, and may
 * be unaligned or cross page boundaries. The 32-bit accessors compute byte addresses
 * modulo 2^32 (a word at 0xFFFFFFFE continues at address 0), as a 32-bit bus does;
 * the byte-range functions instead refuse ranges that pass the top of the space.
 *
 * Running out of host memory for a page after physmem_new is fatal: a message on
 * stderr, then abort().
 */
#ifndef IOMMUSIM_MODELS_PHYSMEM_H
#define IOMMUSIM_MODELS_PHYSMEM_H

#include <stddef.h>
#include <stdint.h>

#define PHYSMEM_PAGE_SHIFT 12
#define PHYSMEM_PAGE_SIZE  (1u << PHYSMEM_PAGE_SHIFT)

struct physmem;

struct physmem *physmem_new(void);          /* NULL when out of host memory */
void physmem_free(struct physmem *pm);

uint8_t  physmem_read8(const struct physmem *pm, uint32_t pa);
uint32_t physmem_read32(const struct physmem *pm, uint32_t pa);
void physmem_write8(struct physmem *pm, uint32_t pa, uint8_t v);
void physmem_write32(struct physmem *pm, uint32_t pa, uint32_t v);

/*
 * Byte ranges; pa + len may not pass the top of the 4 GiB space: -EINVAL (as for a
 * NULL pm, or a NULL buf with len > 0). len = 0 is a no-op that succeeds.
 * physmem_fill with byte 0 gives no storage to pages that have none (they already
 * read as zero).
 */
int physmem_read(const struct physmem *pm, uint32_t pa, void *buf, size_t len);
int physmem_write(struct physmem *pm, uint32_t pa, const void *buf, size_t len);
int physmem_fill(struct physmem *pm, uint32_t pa, uint8_t byte, size_t len);

/*
 * The storage of the 4 KiB page holding pa, read-only, or NULL when the page has none
 * (it reads as zero). A page of its own never moves: the pointer stays valid, and
 * shows later writes, until physmem_free. A page filled whole with one nonzero byte
 * is a view of the one page of that byte, shared with every page so filled; the
 * view stays valid and unchanged, but the page's next write or fill gives it other
 * storage. For code that scans megabytes (the isolation check's hashes) without
 * copying them, and skips empty pages; equal pointers mean equal contents.
 */
const uint8_t *physmem_page(const struct physmem *pm, uint32_t pa);

/* Pages that hold data: written at least once (zero fills of empty pages aside). */
size_t physmem_pages_touched(const struct physmem *pm);

#endif
