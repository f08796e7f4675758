/*
 * vcd.c - the VCD writer: declarations, then one "#TIME" block per simulated time
 * at which some signal's settled value changed.
 */
#define _POSIX_C_SOURCE 200809L
#include "sim/observe/vcd.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "sim/core/outfile.h"
#include "sim/core/util.h"

/* Identifier codes are printable ASCII '!' .. '~', read as base-94 digits. */
#define VCD_ID_FIRST    '!'
#define VCD_ID_BASE     94u

struct vcd_sig {
    int64_t value, written;
    bool dirty;
};

/* A change due later: kept sorted by time, then by the order it was scheduled. */
struct vcd_later {
    sim_time_t t;
    int sig;
    int64_t delta;
};

struct vcd {
    struct outfile out;
    struct vcd_sig *sig;
    unsigned nsig, capsig;
    int *dirty;                 /* signals changed at `now` */
    unsigned ndirty;
    struct vcd_later *later;
    unsigned nlater, caplater;
    sim_time_t now;
    bool begun, dumped, nomem;
};

static void put_id(FILE *f, unsigned n)
{
    do {
        fputc(VCD_ID_FIRST + (int)(n % VCD_ID_BASE), f);
        n /= VCD_ID_BASE;
    } while (n);
}

/* "b<binary> <id>": two's complement for a negative value (it never should be). */
static void put_value(FILE *f, int sig, int64_t value)
{
    uint64_t u = (uint64_t)value;
    char buf[66];
    int n = 0;

    do {
        buf[n++] = (char)('0' + (u & 1));
        u >>= 1;
    } while (u);
    fputc('b', f);
    while (n)
        fputc(buf[--n], f);
    fputc(' ', f);
    put_id(f, (unsigned)sig);
    fputc('\n', f);
}

struct vcd *vcd_open(const char *path, char *err, size_t len)
{
    struct vcd *v = calloc(1, sizeof(*v));

    if (!v) {
        snprintf(err, len, "%s: out of memory", path);
        return NULL;
    }
    if (outfile_open(&v->out, path, err, len)) {
        free(v);
        return NULL;
    }
    /* no $date: the same run gives the same bytes */
    fprintf(v->out.f, "$version iommusim $end\n$timescale 1 ps $end\n");
    return v;
}

void vcd_scope(struct vcd *v, const char *name)
{
    fprintf(v->out.f, "$scope module %s $end\n", name);
}

void vcd_upscope(struct vcd *v)
{
    fprintf(v->out.f, "$upscope $end\n");
}

int vcd_signal(struct vcd *v, const char *name, unsigned bits, int64_t initial)
{
    if (v->nsig == v->capsig) {
        unsigned cap = v->capsig ? 2 * v->capsig : 16;
        struct vcd_sig *s = realloc(v->sig, cap * sizeof(*s));
        int *d = realloc(v->dirty, cap * sizeof(*d));
        if (s)
            v->sig = s;
        if (d)
            v->dirty = d;
        if (!s || !d) {
            v->nomem = true;
            return -1;
        }
        v->capsig = cap;
    }
    int n = (int)v->nsig++;
    v->sig[n] = (struct vcd_sig){ .value = initial, .written = initial };
    fprintf(v->out.f, "$var integer %u ", bits);
    put_id(v->out.f, (unsigned)n);
    fprintf(v->out.f, " %s $end\n", name);
    return n;
}

void vcd_begin(struct vcd *v)
{
    fprintf(v->out.f, "$enddefinitions $end\n");
    v->begun = true;
}

/* The values settled at time 0, all of them: the initial values of the dump. */
static void dumpvars(struct vcd *v)
{
    fprintf(v->out.f, "#0\n$dumpvars\n");
    for (unsigned i = 0; i < v->nsig; i++) {
        put_value(v->out.f, (int)i, v->sig[i].value);
        v->sig[i].written = v->sig[i].value;
        v->sig[i].dirty = false;
    }
    fprintf(v->out.f, "$end\n");
    v->ndirty = 0;
    v->dumped = true;
}

/* Writes the settled values of `now` that differ from what was written. */
static void flush(struct vcd *v)
{
    bool stamped = false;

    if (!v->dumped) {
        dumpvars(v);
        return;
    }
    for (unsigned i = 0; i < v->ndirty; i++) {
        struct vcd_sig *s = &v->sig[v->dirty[i]];
        s->dirty = false;
        if (s->value == s->written)
            continue;
        if (!stamped) {
            fprintf(v->out.f, "#%" PRIu64 "\n", v->now);
            stamped = true;
        }
        put_value(v->out.f, v->dirty[i], s->value);
        s->written = s->value;
    }
    v->ndirty = 0;
}

static void change(struct vcd *v, int sig, int64_t value)
{
    struct vcd_sig *s = &v->sig[sig];

    s->value = value;
    if (!s->dirty) {
        s->dirty = true;
        v->dirty[v->ndirty++] = sig;
    }
}

/* Moves the writer's time to t, writing every scheduled change before it. */
static void advance(struct vcd *v, sim_time_t t)
{
    unsigned k = 0;

    while (k < v->nlater && v->later[k].t <= t) {
        const struct vcd_later *l = &v->later[k++];
        if (l->t > v->now) {
            flush(v);
            v->now = l->t;
        }
        change(v, l->sig, v->sig[l->sig].value + l->delta);
    }
    if (k) {
        v->nlater -= k;
        memmove(v->later, v->later + k, v->nlater * sizeof(*v->later));
    }
    if (t > v->now) {
        flush(v);
        v->now = t;
    }
}

void vcd_set(struct vcd *v, int sig, sim_time_t t, int64_t value)
{
    if (sig < 0)
        return;
    advance(v, t);
    change(v, sig, value);
}

int64_t vcd_value(const struct vcd *v, int sig)
{
    return sig < 0 ? 0 : v->sig[sig].value;
}

void vcd_add_at(struct vcd *v, int sig, sim_time_t t, int64_t delta)
{
    if (sig < 0)
        return;
    if (t <= v->now) {
        advance(v, t);
        change(v, sig, v->sig[sig].value + delta);
        return;
    }
    if (v->nlater == v->caplater) {
        unsigned cap = v->caplater ? 2 * v->caplater : 64;
        struct vcd_later *l = realloc(v->later, cap * sizeof(*l));
        if (!l) {
            v->nomem = true;
            return;
        }
        v->later = l;
        v->caplater = cap;
    }
    /* insertion from the back: the changes mostly come in time order already */
    unsigned i = v->nlater++;
    while (i && v->later[i - 1].t > t) {
        v->later[i] = v->later[i - 1];
        i--;
    }
    v->later[i] = (struct vcd_later){ .t = t, .sig = sig, .delta = delta };
}

static void vcd_free(struct vcd *v)
{
    free(v->sig);
    free(v->dirty);
    free(v->later);
    free(v);
}

int vcd_close(struct vcd *v, sim_time_t end, char *err, size_t len)
{
    int rc;

    if (!v->begun)
        vcd_begin(v);
    /* every scheduled change (a display FIFO drains after its last fetch), then the end */
    if (v->nlater)
        advance(v, v->later[v->nlater - 1].t);
    flush(v);
    if (end > v->now)
        fprintf(v->out.f, "#%" PRIu64 "\n", end);
    if (v->nomem) {
        snprintf(err, len, "%s: out of memory while writing", v->out.path);
        outfile_abort(&v->out);
        rc = -ENOMEM;
    } else {
        rc = outfile_commit(&v->out, err, len);
    }
    vcd_free(v);
    return rc;
}

void vcd_abort(struct vcd *v)
{
    if (!v)
        return;
    outfile_abort(&v->out);
    vcd_free(v);
}
