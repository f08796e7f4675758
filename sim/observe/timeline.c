/*
 * timeline.c - trace-event JSON, written as the slices end (the viewers sort them).
 */
#define _POSIX_C_SOURCE 200809L
#include "sim/observe/timeline.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "sim/core/outfile.h"

#define PS_PER_US 1000000u

struct timeline {
    struct outfile out;
    sim_time_t start, end;
    bool first;
};

struct timeline *timeline_open(const char *path, sim_time_t start, sim_time_t end,
                               char *err, size_t len)
{
    struct timeline *t = calloc(1, sizeof(*t));

    if (!t) {
        snprintf(err, len, "%s: out of memory", path);
        return NULL;
    }
    if (outfile_open(&t->out, path, err, len)) {
        free(t);
        return NULL;
    }
    t->start = start;
    t->end = end;
    t->first = true;
    fprintf(t->out.f, "{\"displayTimeUnit\": \"ns\", \"traceEvents\": [");
    return t;
}

static void sep(struct timeline *t)
{
    fputs(t->first ? "\n" : ",\n", t->out.f);
    t->first = false;
}

/* Picoseconds as exact microseconds: 1234567 -> 1.234567. */
static void put_us(FILE *f, sim_time_t ps)
{
    fprintf(f, "%" PRIu64 ".%06" PRIu64, ps / PS_PER_US, ps % PS_PER_US);
}

void timeline_process(struct timeline *t, unsigned pid, const char *name)
{
    sep(t);
    fprintf(t->out.f, "{\"name\": \"process_name\", \"ph\": \"M\", \"pid\": %u, \"tid\": 0, "
            "\"args\": {\"name\": \"%s\"}}", pid, name);
    sep(t);
    fprintf(t->out.f, "{\"name\": \"process_sort_index\", \"ph\": \"M\", \"pid\": %u, "
            "\"tid\": 0, \"args\": {\"sort_index\": %u}}", pid, pid);
}

void timeline_thread(struct timeline *t, unsigned pid, unsigned tid, const char *name)
{
    sep(t);
    fprintf(t->out.f, "{\"name\": \"thread_name\", \"ph\": \"M\", \"pid\": %u, \"tid\": %u, "
            "\"args\": {\"name\": \"%s\"}}", pid, tid, name);
}

int timeline_wants(const struct timeline *t, sim_time_t a, sim_time_t b)
{
    return a < t->end && b >= t->start;
}

void timeline_slice(struct timeline *t, unsigned pid, unsigned tid, const char *name,
                    const char *cat, sim_time_t a, sim_time_t b, const char *args)
{
    if (!timeline_wants(t, a, b))
        return;
    sep(t);
    fprintf(t->out.f, "{\"name\": \"%s\", \"cat\": \"%s\", \"ph\": \"X\", \"ts\": ", name, cat);
    put_us(t->out.f, a);
    fputs(", \"dur\": ", t->out.f);
    put_us(t->out.f, b - a);
    fprintf(t->out.f, ", \"pid\": %u, \"tid\": %u", pid, tid);
    if (args)
        fprintf(t->out.f, ", \"args\": {%s}", args);
    fputc('}', t->out.f);
}

int timeline_close(struct timeline *t, char *err, size_t len)
{
    fputs("\n]}\n", t->out.f);
    int rc = outfile_commit(&t->out, err, len);
    free(t);
    return rc;
}

void timeline_abort(struct timeline *t)
{
    if (!t)
        return;
    outfile_abort(&t->out);
    free(t);
}
