/*
 * util.h - small helpers every layer uses: powers of two, error sentences for
 * configuration checks, growing arrays.
 *
 * Kept here once so that models/, vcm/ and sim/ do not each carry their own copy.
 */
#ifndef IOMMUSIM_SIM_UTIL_H
#define IOMMUSIM_SIM_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

static inline bool is_pow2(uint64_t x)
{
    return x && !(x & (x - 1));
}

/* floor(log2(x)) for x >= 1; 0 for x = 0. */
static inline unsigned ilog2(uint64_t x)
{
    return x ? 63u - (unsigned)__builtin_clzll(x) : 0;
}

/* x rounded up to a multiple of a, a power of two. */
static inline uint64_t align_up(uint64_t x, uint64_t a)
{
    return (x + a - 1) & ~(a - 1);
}

/* Writes a sentence into err when err is not NULL and errlen is not 0. */
void err_set(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * Writes a sentence saying what is wrong into err (when err is not NULL and errlen
 * is not 0) and returns code, a negative errno.
 */
int err_fail(char *err, size_t errlen, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* err_fail with -EINVAL: the convention of every *_config_check. */
int err_invalid(char *err, unsigned errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * Makes room in a heap array of n elements of `elem` bytes for one more, doubling
 * its capacity *cap (16 to start). False when the host is out of memory, with the
 * array unchanged.
 */
bool array_grow(void **arr, uint32_t n, uint32_t *cap, size_t elem);

/*
 * Text from an input file made safe for a terminal: every control character (bytes
 * 0x00-0x1f and 0x7f, and the C1 controls U+0080-U+009F, bytes C2 80-C2 9F) is written
 * as \xNN, so an ANSI escape sequence in a name or a message prints as its letters.
 * Everything else, UTF-8 included, is kept. ctl_escape writes into dst (len bytes,
 * always NUL-terminated, cut when full) and returns dst.
 */
char *ctl_escape(char *dst, size_t len, const char *src);
bool ctl_has(const char *s);

/*
 * Durability of a set of files. Every file written through PATH.tmp.PID and a rename
 * (sim/core/outfile.h) is made durable by fsync before its rename, one journal commit
 * each, waited for in turn: about 1 ms apiece on the machines measured, several
 * times the whole simulation of a short scenario. Between sync_defer_begin() and
 * sync_defer_end(dir) those writers only start their file's writeback
 * (sync_file_range) and keep a copy of its descriptor; sync_defer_end fsyncs every
 * kept file and then dir, whose entries name them, so the writebacks overlap and
 * the waits mostly find them done. Only these files and dir are synced, never the
 * rest of the file system: a syncfs(2) would also wait for every other program's
 * unwritten data there. For files that a manifest written afterwards vouches for
 * (sim/cli/results.c): a crash before the manifest leaves a run that reads as
 * unfinished, never one that looks complete. dir NULL ends the deferral without
 * syncing (an error path). 0, or a negative errno (-EINVAL: no deferral open).
 */
void sync_defer_begin(void);
int sync_defer_end(const char *dir);
/* fsync(fd) unless deferred: 0 or a negative errno. */
int sync_unless_deferred(int fd);

/* printf into a malloc'd string; NULL when out of memory. */
char *str_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
