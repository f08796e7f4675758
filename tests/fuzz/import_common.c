/*
 * import_common.c - the body of the four importer fuzz harnesses (fuzz_import_gem5.c,
 * fuzz_import_ftrace.c, fuzz_import_qemu.c, fuzz_import_columns.c), which differ only
 * in the format they ask for. Not a harness itself: fuzz.mk links it into each, with a
 * copy of sim/trace/import.c whose input buffer is FUZZ_IMPORT_BUF bytes instead of
 * 1 MiB, so that short inputs already cross buffer refills.
 *
 * For the text formats the first byte of the input chooses the options (the access
 * size, the direction of ambiguous accesses, --split, and for columns one of a few
 * column layouts, separators and radixes); the rest is the file. gem5 takes the whole
 * input as the file. The file is put in a memory file and imported into a private
 * scratch directory. Then:
 *   1. a failed import leaves a message "IN:LINE: error: ..." or "IN: record N: error:
 *      ..." or "IN: error: ..." that starts with the input's path, and no output file
 *      (trace, split traces or fragment) is left behind in the directory;
 *   2. a successful one leaves the trace(s), which read back with the trace reader
 *      to exactly summary.records raw-IOVA accesses, reads + writes == records, each
 *      of 1..TRACE_MAX_BYTES bytes, inside the summary's address range and time span;
 *   3. an ftrace import with a fragment leaves both fragment files, and the
 *      summary's page counts add up to the bytes mapped;
 *   4. the same input imported twice gives byte-identical traces (determinism).
 * A broken invariant aborts with a message; libFuzzer reports the input.
 */
#define _GNU_SOURCE     /* memfd_create */

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sim/trace/import.h"
#include "sim/trace/trace.h"
#include "tests/lib/fuzz.h"

#define PROC_FD_PATH    "/proc/self/fd/%d"
#define ERRLEN          1024

int import_fuzz_one(enum import_format format, const uint8_t *data, size_t size);

static char scratch[64];
static unsigned clean_dir(void);

static void remove_scratch(void)
{
    clean_dir();
    rmdir(scratch);
}

static const char *scratch_dir(void)
{
    if (!scratch[0]) {
        snprintf(scratch, sizeof(scratch), "/tmp/iommusim-fuzz-import-XXXXXX");
        FUZZ_CHECK(mkdtemp(scratch) != NULL, "mkdtemp: %s", strerror(errno));
        atexit(remove_scratch);
    }
    return scratch;
}

/* Removes every file of the scratch directory; how many there were. */
static unsigned clean_dir(void)
{
    DIR *d = opendir(scratch_dir());
    struct dirent *e;
    unsigned n = 0;
    char path[512];

    FUZZ_CHECK(d != NULL, "opendir: %s", strerror(errno));
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "%s/%s", scratch, e->d_name);
        unlink(path);
        n++;
    }
    closedir(d);
    return n;
}

static int memfile(const void *data, size_t size, char *path, size_t len)
{
    int fd = memfd_create("iommusim-fuzz-import", MFD_CLOEXEC);
    const uint8_t *p = data;

    FUZZ_CHECK(fd >= 0, "memfd_create: %s", strerror(errno));
    while (size) {
        ssize_t n = write(fd, p, size);

        FUZZ_CHECK(n > 0, "write to a memfd: %s", strerror(errno));
        p += n;
        size -= (size_t)n;
    }
    snprintf(path, len, PROC_FD_PATH, fd);
    return fd;
}

/* Reads one trace back and checks its records against the summary; the count. */
static uint64_t check_trace(const char *path, const struct import_summary *s)
{
    char err[TRACE_ERR_MAX] = "";
    struct trace_reader *r = trace_open(path, NULL, err, sizeof(err));
    struct trace_rec rec;
    uint64_t n = 0;
    int rc;

    FUZZ_CHECK(r != NULL, "the imported trace %s cannot be read: %s", path, err);
    while ((rc = trace_next(r, &rec)) == 1) {
        n++;
        FUZZ_CHECK(rec.op == TRACE_OP_READ || rec.op == TRACE_OP_WRITE, "op %u", rec.op);
        FUZZ_CHECK(rec.buffer == TRACE_RAW, "buffer %u in an imported trace", rec.buffer);
        FUZZ_CHECK(rec.bytes >= 1 && rec.bytes <= TRACE_MAX_BYTES, "bytes %u", rec.bytes);
        FUZZ_CHECK(s->any, "a record, but the summary says there were none");
        FUZZ_CHECK(rec.addr >= s->a_lo && rec.addr + (rec.bytes - 1) <= s->a_last,
                   "access 0x%llx+%u outside the summary's 0x%llx..0x%llx",
                   (unsigned long long)rec.addr, rec.bytes, (unsigned long long)s->a_lo,
                   (unsigned long long)s->a_last);
        FUZZ_CHECK(rec.time >= s->t_min && rec.time <= s->t_max, "time %llu outside the span",
                   (unsigned long long)rec.time);
    }
    FUZZ_CHECK(rc == 0, "the imported trace %s does not read to its end: %s", path,
               trace_error(r));
    trace_close(r);
    return n;
}

static const char *const layouts[] = {
    "addr,op,time", "addr,op", "time,id,op,addr,size,-", "op,addr,size", "id,addr",
    "-,addr,time,op",
};
static const char seps[] = { 0, ',', '\t', ';' };

static void options(enum import_format f, uint8_t sel, struct import_opts *o)
{
    char err[256];

    o->bytes = (sel & 3) == 0 ? 0 : (sel & 3) == 1 ? 4 : (sel & 3) == 2 ? 4096 : TRACE_MAX_BYTES;
    o->rw_op = (sel & 4) ? TRACE_OP_WRITE : TRACE_OP_READ;
    o->split = (sel & 8) != 0;
    if (f == IMPORT_FTRACE && !(sel & 16)) {
        static char frag[96];

        snprintf(frag, sizeof(frag), "%s/frag", scratch_dir());
        o->fragment = frag;
        o->domain = "camera";
        o->page_sizes = (sel & 32) ? ((1ull << 12) | (1ull << 21) | (1ull << 30)) : 0;
    }
    if (f == IMPORT_COLUMNS) {
        const char *spec = layouts[(sel >> 4) % (sizeof(layouts) / sizeof(layouts[0]))];

        FUZZ_CHECK(!import_columns_parse(spec, &o->columns, err, sizeof(err)), "%s", err);
        o->columns.sep = seps[(sel >> 2) & 3];
        o->columns.radix = (sel & 0x80) ? 16 : (sel & 0x40) ? 10 : 0;
        if (sel & 1)
            o->columns.unit_hz = 1200000000;
        else
            o->columns.unit_ps = 1000;
    }
}

static int one_import(enum import_format f, uint8_t sel, const char *in, struct import_summary *s,
                      char *err, char *out)
{
    struct import_opts o = { .format = f, .in = in, .out = out };

    options(f, sel, &o);
    snprintf(out, 96, "%s/out%s", scratch_dir(), (sel & 2) ? ".bin" : ".txt");
    return import_run(&o, s, NULL, err, ERRLEN);
}

int import_fuzz_one(enum import_format format, const uint8_t *data, size_t size)
{
    struct import_summary s, s2;
    char in[64], err[ERRLEN] = "", err2[ERRLEN] = "", out[96];
    uint8_t sel = 0;
    int fd, rc, rc2;
    unsigned files;

    if (format != IMPORT_GEM5) {
        if (!size)
            return 0;
        sel = data[0];
        data++;
        size--;
    }
    scratch_dir();
    clean_dir();
    fd = memfile(data, size, in, sizeof(in));
    rc = one_import(format, sel, in, &s, err, out);
    if (rc) {
        FUZZ_CHECK(rc < 0, "import_run returned %d", rc);
        FUZZ_CHECK(!strncmp(err, in, strlen(in)) && strstr(err, "error: "),
                   "the message does not start with the input's path: '%s'", err);
        files = clean_dir();
        FUZZ_CHECK(files == 0, "a failed import left %u files behind (%s)", files, err);
        close(fd);
        return 0;
    }
    FUZZ_CHECK(s.reads + s.writes == s.records, "reads %llu + writes %llu != records %llu",
               (unsigned long long)s.reads, (unsigned long long)s.writes,
               (unsigned long long)s.records);
    if (!(sel & 8) || format == IMPORT_GEM5) {
        FUZZ_CHECK(check_trace(out, &s) == s.records, "the trace holds other than %llu records",
                   (unsigned long long)s.records);
    } else {
        /*
         * split: every trace of the directory, each named after OUT ("out" with
         * ".NAME" before its extension); not the fragment's files ("frag..."). A
         * test of the name for ".yaml" took a trace for the fragment when its
         * device name held ".yaml" (an input named "arm-smmu 1d8400.yamlhc").
         */
        DIR *d = opendir(scratch_dir());
        struct dirent *e;
        uint64_t total = 0;
        char path[512];

        FUZZ_CHECK(d != NULL, "opendir");
        while ((e = readdir(d)))
            if (!strncmp(e->d_name, "out", 3)) {
                snprintf(path, sizeof(path), "%s/%s", scratch, e->d_name);
                total += check_trace(path, &s);
            }
        closedir(d);
        FUZZ_CHECK(total == s.records, "the split traces hold %llu records, not %llu",
                   (unsigned long long)total, (unsigned long long)s.records);
    }
    if (format == IMPORT_FTRACE) {
        uint64_t bytes = 0;

        for (int i = 0; i < 64; i++)
            bytes += s.pages[i] << i;
        FUZZ_CHECK(bytes == s.map_bytes, "the pages add up to %llu bytes, the maps to %llu",
                   (unsigned long long)bytes, (unsigned long long)s.map_bytes);
        if (!(sel & 16)) {
            char path[128];

            snprintf(path, sizeof(path), "%s/frag.buffers.yaml", scratch);
            FUZZ_CHECK(access(path, R_OK) == 0, "no %s", path);
            snprintf(path, sizeof(path), "%s/frag.steps.yaml", scratch);
            FUZZ_CHECK(access(path, R_OK) == 0, "no %s", path);
        }
    }
    /* Determinism: the same input again, the same trace (not split: one file). */
    if (!(sel & 8) || format == IMPORT_GEM5) {
        FILE *a = fopen(out, "rb");
        char *first = NULL;
        size_t n1 = 0, n2;

        FUZZ_CHECK(a != NULL, "reopen %s", out);
        fseek(a, 0, SEEK_END);
        n1 = (size_t)ftell(a);
        rewind(a);
        first = malloc(n1 + 1);
        FUZZ_CHECK(first && fread(first, 1, n1, a) == n1, "read %s", out);
        fclose(a);
        lseek(fd, 0, SEEK_SET);
        rc2 = one_import(format, sel, in, &s2, err2, out);
        FUZZ_CHECK(rc2 == 0, "the second import failed: %s", err2);
        a = fopen(out, "rb");
        FUZZ_CHECK(a != NULL, "reopen %s", out);
        fseek(a, 0, SEEK_END);
        n2 = (size_t)ftell(a);
        rewind(a);
        {
            char *second = malloc(n2 + 1);

            FUZZ_CHECK(second && fread(second, 1, n2, a) == n2, "read %s", out);
            FUZZ_CHECK(n1 == n2 && !memcmp(first, second, n1), "two imports of one input differ");
            free(second);
        }
        fclose(a);
        free(first);
    }
    clean_dir();
    close(fd);
    return 0;
}
