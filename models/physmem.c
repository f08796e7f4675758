/*
 * physmem.c - sparse simulated physical memory (see physmem.h).
 *
 * The 32-bit physical address space is split into 2^20 pages of 4 KiB, found
 * through a two-level directory: PA[31:22] selects one of 1024 directories,
 * PA[21:12] one of its 1024 page pointers. Directories and pages are allocated on
 * the first write that needs them, so a simulation that writes a few page tables
 * costs a few pages of host memory. The walker reads one descriptor per level
 * through physmem_read32, so its aligned case is two loads and a test.
 *
 * A page filled whole with one nonzero byte (a scenario's buffer patterns: megabytes
 * of them) points to the one read-only page of that byte, shared by every page so
 * filled, and its directory marks it shared; its first write gives it storage of its
 * own, a copy. Reads see no difference, and filling a frame costs no host page
 * faults: on a virtual machine those had been a short scenario's largest cost.
 *
 * Host memory exhaustion after creation is fatal: a simulator that lost a write
 * could only produce wrong results, so it says so on stderr and aborts.
 */
#include "models/physmem.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PM_DIR_SHIFT    22
#define PM_DIR_ENTRIES  1024u
#define PM_PAGE_ENTRIES 1024u
#define PM_PAGE_MASK    (PHYSMEM_PAGE_SIZE - 1u)

#define PM_DIR_INDEX(pa)    ((uint32_t)(pa) >> PM_DIR_SHIFT)
#define PM_PAGE_INDEX(pa)   (((uint32_t)(pa) >> PHYSMEM_PAGE_SHIFT) & (PM_PAGE_ENTRIES - 1u))
#define PM_OFFSET(pa)       ((uint32_t)(pa) & PM_PAGE_MASK)

/* 2^32, the first address past the space, for range checks done in 64 bits. */
#define PM_SPACE_END    ((uint64_t)1 << 32)

#define PM_SHARED_WORDS (PM_PAGE_ENTRIES / 32u)

struct pm_dir {
    uint8_t *page[PM_PAGE_ENTRIES];
    uint32_t shared[PM_SHARED_WORDS];   /* bit p: page[p] is a uniform page, not its own */
};

struct physmem {
    struct pm_dir *dir[PM_DIR_ENTRIES];
    uint8_t *uniform[256];              /* the page of each fill byte, made on first use */
    size_t pages;
};

static void *pm_alloc_or_die(size_t bytes)
{
    void *p = calloc(1, bytes);

    if (!p) {
        fprintf(stderr, "iommusim: out of host memory allocating %zu bytes of "
                "simulated physical memory; cannot continue\n", bytes);
        abort();
    }
    return p;
}

struct physmem *physmem_new(void)
{
    return calloc(1, sizeof(struct physmem));
}

static inline bool pm_shared(const struct pm_dir *dir, unsigned p)
{
    return dir->shared[p / 32u] >> (p % 32u) & 1u;
}

static inline void pm_set_shared(struct pm_dir *dir, unsigned p, bool on)
{
    uint32_t bit = 1u << (p % 32u);

    dir->shared[p / 32u] = on ? dir->shared[p / 32u] | bit : dir->shared[p / 32u] & ~bit;
}

void physmem_free(struct physmem *pm)
{
    if (!pm)
        return;
    for (unsigned d = 0; d < PM_DIR_ENTRIES; d++) {
        struct pm_dir *dir = pm->dir[d];

        if (!dir)
            continue;
        for (unsigned p = 0; p < PM_PAGE_ENTRIES; p++)
            if (!pm_shared(dir, p))
                free(dir->page[p]);
        free(dir);
    }
    for (unsigned b = 0; b < 256; b++)
        free(pm->uniform[b]);
    free(pm);
}

/* The storage of the page holding pa, or NULL when it was never written. */
static inline const uint8_t *pm_page_lookup(const struct physmem *pm, uint32_t pa)
{
    const struct pm_dir *dir = pm->dir[PM_DIR_INDEX(pa)];

    return dir ? dir->page[PM_PAGE_INDEX(pa)] : NULL;
}

static struct pm_dir *pm_dir_get(struct physmem *pm, uint32_t pa)
{
    struct pm_dir **dirp = &pm->dir[PM_DIR_INDEX(pa)];

    if (!*dirp)
        *dirp = pm_alloc_or_die(sizeof(struct pm_dir));
    return *dirp;
}

/*
 * The page's own storage, for a write: allocated (zeroed) if it has none yet, a copy
 * of its uniform page if it shares one.
 */
static uint8_t *pm_page_get(struct physmem *pm, uint32_t pa)
{
    struct pm_dir *dir = pm_dir_get(pm, pa);
    unsigned p = PM_PAGE_INDEX(pa);
    uint8_t **pagep = &dir->page[p];

    if (!*pagep) {
        *pagep = pm_alloc_or_die(PHYSMEM_PAGE_SIZE);
        pm->pages++;
    } else if (pm_shared(dir, p)) {
        uint8_t *own = pm_alloc_or_die(PHYSMEM_PAGE_SIZE);

        memcpy(own, *pagep, PHYSMEM_PAGE_SIZE);
        *pagep = own;
        pm_set_shared(dir, p, false);
    }
    return *pagep;
}

/* Makes the page at pa (page aligned) read as `byte` throughout, by sharing. */
static void pm_page_share(struct physmem *pm, uint32_t pa, uint8_t byte)
{
    struct pm_dir *dir = pm_dir_get(pm, pa);
    unsigned p = PM_PAGE_INDEX(pa);

    if (!pm->uniform[byte]) {
        pm->uniform[byte] = pm_alloc_or_die(PHYSMEM_PAGE_SIZE);
        memset(pm->uniform[byte], byte, PHYSMEM_PAGE_SIZE);
    }
    if (!dir->page[p])
        pm->pages++;
    else if (!pm_shared(dir, p))
        free(dir->page[p]);
    dir->page[p] = pm->uniform[byte];
    pm_set_shared(dir, p, true);
}

const uint8_t *physmem_page(const struct physmem *pm, uint32_t pa)
{
    return pm ? pm_page_lookup(pm, pa & ~PM_PAGE_MASK) : NULL;
}

uint8_t physmem_read8(const struct physmem *pm, uint32_t pa)
{
    const uint8_t *page = pm_page_lookup(pm, pa);

    return page ? page[PM_OFFSET(pa)] : 0;
}

void physmem_write8(struct physmem *pm, uint32_t pa, uint8_t v)
{
    pm_page_get(pm, pa)[PM_OFFSET(pa)] = v;
}

static inline uint32_t pm_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

/*
 * The four bytes at pa, pa+1, pa+2, pa+3, address arithmetic being modulo 2^32
 * (a word read at 0xFFFFFFFE takes its top half from address 0), as on a 32-bit
 * bus. Words inside one page take the fast path; the rest go byte by byte.
 */
uint32_t physmem_read32(const struct physmem *pm, uint32_t pa)
{
    if (PM_OFFSET(pa) <= PHYSMEM_PAGE_SIZE - 4u) {
        const uint8_t *page = pm_page_lookup(pm, pa);

        return page ? pm_le32(page + PM_OFFSET(pa)) : 0;
    }
    return (uint32_t)physmem_read8(pm, pa) |
           (uint32_t)physmem_read8(pm, pa + 1u) << 8 |
           (uint32_t)physmem_read8(pm, pa + 2u) << 16 |
           (uint32_t)physmem_read8(pm, pa + 3u) << 24;
}

void physmem_write32(struct physmem *pm, uint32_t pa, uint32_t v)
{
    if (PM_OFFSET(pa) <= PHYSMEM_PAGE_SIZE - 4u) {
        uint8_t *p = pm_page_get(pm, pa) + PM_OFFSET(pa);

        p[0] = (uint8_t)v;
        p[1] = (uint8_t)(v >> 8);
        p[2] = (uint8_t)(v >> 16);
        p[3] = (uint8_t)(v >> 24);
        return;
    }
    for (unsigned i = 0; i < 4; i++)
        physmem_write8(pm, pa + i, (uint8_t)(v >> (8 * i)));
}

/* Ranges never wrap: they must end at or below 2^32. */
static bool pm_range_ok(uint32_t pa, size_t len)
{
    return (uint64_t)len <= PM_SPACE_END - pa;
}

/* Bytes from pa to the end of its page, or len if that comes first. */
static size_t pm_chunk(uint32_t pa, size_t len)
{
    size_t room = PHYSMEM_PAGE_SIZE - PM_OFFSET(pa);

    return len < room ? len : room;
}

int physmem_read(const struct physmem *pm, uint32_t pa, void *buf, size_t len)
{
    uint8_t *out = buf;

    if (!pm || (!buf && len) || !pm_range_ok(pa, len))
        return -EINVAL;
    while (len) {
        size_t n = pm_chunk(pa, len);
        const uint8_t *page = pm_page_lookup(pm, pa);

        if (page)
            memcpy(out, page + PM_OFFSET(pa), n);
        else
            memset(out, 0, n);
        out += n;
        len -= n;
        pa += (uint32_t)n;      /* wraps to 0 only when len has just become 0 */
    }
    return 0;
}

int physmem_write(struct physmem *pm, uint32_t pa, const void *buf, size_t len)
{
    const uint8_t *in = buf;

    if (!pm || (!buf && len) || !pm_range_ok(pa, len))
        return -EINVAL;
    while (len) {
        size_t n = pm_chunk(pa, len);

        memcpy(pm_page_get(pm, pa) + PM_OFFSET(pa), in, n);
        in += n;
        len -= n;
        pa += (uint32_t)n;
    }
    return 0;
}

/*
 * Zero-filling a page without storage changes nothing it would read back, so it
 * allocates nothing: clearing a large buffer keeps memory use proportional to the
 * pages that hold data. A whole page filled with another byte shares that byte's
 * page.
 */
int physmem_fill(struct physmem *pm, uint32_t pa, uint8_t byte, size_t len)
{
    if (!pm || !pm_range_ok(pa, len))
        return -EINVAL;
    while (len) {
        size_t n = pm_chunk(pa, len);

        if (byte && n == PHYSMEM_PAGE_SIZE)
            pm_page_share(pm, pa, byte);
        else if (byte || pm_page_lookup(pm, pa))
            memset(pm_page_get(pm, pa) + PM_OFFSET(pa), byte, n);
        len -= n;
        pa += (uint32_t)n;
    }
    return 0;
}

size_t physmem_pages_touched(const struct physmem *pm)
{
    return pm ? pm->pages : 0;
}
