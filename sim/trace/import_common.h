/*
 * import_common.h - what the importers (import_gem5.c, import_ftrace.c, import_qemu.c,
 * import_columns.c) share: the input stream, the error sentence with the input's
 * position, the masters, and the outputs they emit into. import.c implements it; the
 * public interface is import.h.
 *
 * An importer reads with imp_line (text) or imp_read (bytes), and for every record
 * calls imp_access (an access of a master), imp_map / imp_unmap (a mapping event) or
 * imp_skip (a record it recognises but does not import). The first problem is
 * reported with imp_fail, which formats "IN:LINE: error: ..." (or, after
 * imp_set_record, "IN: record N: error: ...") into the import's message and returns
 * the code the importer passes up. Every imp_* call that can fail returns a negative
 * errno after filling in the message itself.
 */
#ifndef IOMMUSIM_SIM_TRACE_IMPORT_COMMON_H
#define IOMMUSIM_SIM_TRACE_IMPORT_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/trace/import.h"

/* The input buffer: a line is at most this - 1 (the fuzz harnesses build with less). */
#ifndef IMP_BUF_SIZE
#define IMP_BUF_SIZE    (1u << 20)
#endif
#define IMP_PS_PER_S    UINT64_C(1000000000000)

struct import_ctx;

const struct import_opts *imp_opts(const struct import_ctx *c);
struct import_summary *imp_summary(struct import_ctx *c);

/* The next line, without its newline (and a '\r' before it), NUL-terminated: 1, 0 at
 * the end, or a negative errno (a read error, a line too long). */
int imp_line(struct import_ctx *c, char **line, size_t *len);
/* Up to n bytes: the number read (less than n only at the end), or a negative errno. */
long imp_read(struct import_ctx *c, void *buf, size_t n);
/* From now on, errors name record n (counting from 1) instead of a line. */
void imp_set_record(struct import_ctx *c, uint64_t n);

int imp_fail(struct import_ctx *c, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The index of the master `name` (made a valid buffer name: other characters become
 * '_'), made on first use; negative when there are too many. */
int imp_master(struct import_ctx *c, const char *name);

/* An input time made relative to the first one seen (ftrace and QEMU print times since
 * boot): the first call's t becomes 0 and summary.t_offset. A time before the first
 * is an error (-EINVAL, reported). */
int imp_rebase(struct import_ctx *c, uint64_t t, uint64_t *out);

int imp_access(struct import_ctx *c, int master, uint64_t time, unsigned op, uint64_t addr,
               uint64_t bytes);
/* A mapping of [iova, iova + size) to paddr at time (ftrace); dev may be NULL. */
int imp_map(struct import_ctx *c, uint64_t time, uint64_t iova, uint64_t paddr, uint64_t size,
            const char *dev);
/* An unmap of [iova, iova + size): ends every mapping inside it. */
int imp_unmap(struct import_ctx *c, uint64_t time, uint64_t iova, uint64_t size);
void imp_skip(struct import_ctx *c);

/* ---------------------------------------------------------------- for import_map.c */

uint64_t imp_lineno(const struct import_ctx *c);
const char *imp_in_name(const struct import_ctx *c);
/* "FILE: error: ..." for an error of a file as a whole; returns code. */
int imp_file_fail(struct import_ctx *c, int code, const char *file, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Renames the temporary tmp to path when rc is 0, removes it otherwise; the new rc. */
int imp_settle(struct import_ctx *c, char *tmp, const char *path, int rc);

/*
 * The mapping history of an ftrace import (import_map.c): the mappings still mapped,
 * the fragment's buffers by range, and the fragment files when opts.fragment is set.
 * imp_maps_open makes it (import_run, for ftrace); imp_maps_close ends the fragment
 * files, imp_maps_settle renames them into place (rc 0) or removes them, and
 * imp_maps_print names them in the summary. All take a NULL history.
 */
struct imp_maps;
struct imp_maps *imp_maps(struct import_ctx *c);
int imp_maps_open(struct import_ctx *c, struct imp_maps **out);
int imp_maps_close(struct import_ctx *c, struct imp_maps *m, int rc);
int imp_maps_settle(struct import_ctx *c, struct imp_maps *m, int rc);
void imp_maps_print(FILE *f, const struct imp_maps *m);
void imp_maps_free(struct imp_maps *m);
/* "4k", "64k", "1m", "16m", "1g": sizes as a scenario's policies write them. */
void imp_fmt_size(char *buf, size_t len, uint64_t bytes);

/* ---------------------------------------------------------------- parsing helpers */

/* Hex digits (no prefix) at *p into *v, *p moved past them: 0, -EINVAL (no digit) or
 * -ERANGE (more than 64 bits). */
int imp_hex(const char **p, uint64_t *v);
/* Decimal digits likewise. */
int imp_dec(const char **p, uint64_t *v);
/* "0x" and hex digits. */
int imp_hex0x(const char **p, uint64_t *v);
/* True (and *p moved past it) when *p starts with s. */
bool imp_eat(const char **p, const char *s);
/* Decimal seconds "S.FFF..." (up to 12 fraction digits) into picoseconds. */
int imp_seconds(const char **p, uint64_t *ps);
/* A field for a message: at most 40 characters, unprintable ones as '?', with "..." when
 * cut; in one of 4 static buffers used in turn. */
const char *imp_quote(const char *s, size_t len);

/* The importers. */
int import_gem5(struct import_ctx *c);
int import_ftrace(struct import_ctx *c);
int import_qemu(struct import_ctx *c);
int import_columns(struct import_ctx *c);

#endif
