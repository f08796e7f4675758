/*
 * scenario.c - reads a scenario (and the SoC file it includes) into struct scenario.
 *
 * One static function per section of the file, each reading its keys with the typed
 * getters of sim/config (which report file:line:column, ranges and units) and
 * rejecting unknown keys with the nearest valid one. Cross-references (a master's
 * context, a buffer's domain, a step's buffer names) are resolved here too, so the
 * SoC builder gets data it can trust. docs/scenarios.md documents every key. The SoC
 * file's sections are read by scenario_soc.c; the typed getters both use are in
 * scenario_keys.c.
 */
#define _POSIX_C_SOURCE 200809L
#include "sim/scenario/scenario.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/core/util.h"
#include "sim/scenario/scenario_keys.h"


static const char *const mode_names[] = { "timing", "functional", NULL };
static const char *const policy_names[] = { "best", "4k", "64k", "1m", "16m", NULL };
static const char *const loop_names[] = { "closed", "open", NULL };

const char *scenario_mode_name(enum scn_mode m)
{
    return m <= SCN_FUNCTIONAL ? mode_names[m] : "?";
}

/* ---- Buffers, steps, masters ----------------------------------------------------------- */

static int domain_by_name(const struct scn_soc *soc, const char *name)
{
    for (unsigned i = 0; i < soc->ndomains; i++)
        if (!strcmp(soc->domain[i].name, name))
            return (int)i;
    return -1;
}

static int read_pin(struct scn_buffer *o, const struct config_node *b, struct config_err *err);

static int read_buffer(struct scenario *s, const struct config_node *b, struct config_err *err)
{
    static const char *const keys[] = { "size", "domain", "partition", "policy", "mapped",
                                        "access", "privileged_only", "iova", NULL };
    static const char *const access_names[] = { "rw", "ro", NULL };
    struct scn_buffer *o = &s->buffer[s->nbuffers];
    const char *doms[ION_MAX_DOMAINS];
    unsigned n, v;
    int rc;

    if ((rc = scn_check_name(b, "buffer", err)))
        return rc;
    if (b->kind != CONFIG_MAP)
        return config_fail(err, b, -EINVAL, "expected a map describing buffer %s", b->key);
    memset(o, 0, sizeof(*o));
    o->name = b->key;
    o->node = b;
    o->partition = GEN_POOL;
    o->policy = VCM_MAP_BEST;
    o->mapped_at_start = true;
    if ((rc = config_check_keys(b, keys, err)) ||
        (rc = scn_opt_size(b, "size", 4096, 1ull << 31, &o->size, err)) ||
        (rc = scn_opt_bool(b, "mapped", &o->mapped_at_start, err)) ||
        (rc = scn_opt_bool(b, "privileged_only", &o->privileged_only, err)))
        return rc;
    if (scn_has(b, "access")) {
        if ((rc = config_get_enum(b, "access", access_names, &v, err)))
            return rc;
        o->read_only = v == 1;
    }
    if (!scn_has(b, "domain"))
        return config_fail(err, b, -EINVAL, "missing key 'domain'");
    if ((rc = scn_get_names(b, "domain", doms, ION_MAX_DOMAINS, &n, err)))
        return rc;
    if (!n)
        return config_fail(err, config_find(b, "domain"), -EINVAL, "a buffer needs at least "
                           "one domain");
    for (unsigned i = 0; i < n; i++) {
        int d = domain_by_name(&s->soc, doms[i]);
        if (d < 0)
            return config_fail(err, config_find(b, "domain"), -EINVAL, "no domain named '%s' "
                               "in the SoC file", doms[i]);
        for (unsigned k = 0; k < o->ndomains; k++)
            if (o->domain[k] == d)
                return config_fail(err, config_find(b, "domain"), -EINVAL, "domain %s is "
                                   "named twice", doms[i]);
        o->domain[o->ndomains++] = d;
    }
    if (scn_has(b, "partition")) {
        if ((rc = config_get_enum(b, "partition", scn_partition_names, &v, err)))
            return rc;
        o->partition = (int)v;
    }
    for (unsigned i = 0; i < o->ndomains; i++)
        if (!s->soc.domain[o->domain[i]].part[o->partition].size)
            return config_fail(err, b, -EINVAL, "domain %s has no %s partition",
                               s->soc.domain[o->domain[i]].name, scn_partition_names[o->partition]);
    if (scn_has(b, "policy")) {
        if ((rc = config_get_enum(b, "policy", policy_names, &v, err)))
            return rc;
        o->policy = (enum vcm_map_policy)v;
    }
    if (scn_has(b, "iova") && (rc = read_pin(o, b, err)))
        return rc;
    s->nbuffers++;
    return 0;
}

/* ---- Pinned buffers ------------------------------------------------------------------------ */

/* The page size a policy maps with; "best" takes whatever fits, so 4 KiB suffices. */
static uint64_t pin_align(enum vcm_map_policy pol)
{
    static const uint64_t bytes[VCM_MAP_NPOLICIES] = {
        [VCM_MAP_BEST] = 4096, [VCM_MAP_4K] = 4096, [VCM_MAP_64K] = 64 << 10,
        [VCM_MAP_1M] = 1 << 20, [VCM_MAP_16M] = 16 << 20,
    };
    return bytes[pol];
}

/* `iova: 0x...`: 32-bit (the SMMU v1's IOVA space), aligned to the policy's page size. */
static int read_pin(struct scn_buffer *o, const struct config_node *b, struct config_err *err)
{
    uint64_t v, align = pin_align(o->policy);
    int rc;

    if ((rc = config_get_u64(b, "iova", 0, UINT64_MAX, &v, err)))
        return rc;
    o->iova_node = config_find(b, "iova");
    if (v >> 32)
        return config_fail(err, o->iova_node, -EINVAL, "0x%llx is beyond the SMMU v1's 32-bit "
                           "IOVA space (at most 0xfffff000)", (unsigned long long)v);
    if (v & (align - 1))
        return config_fail(err, o->iova_node, -EINVAL, "0x%llx is not aligned to %lluK, the "
                           "page size of policy %s (the nearest are 0x%llx and 0x%llx)",
                           (unsigned long long)v, (unsigned long long)(align >> 10),
                           policy_names[o->policy], (unsigned long long)(v & ~(align - 1)),
                           (unsigned long long)((v | (align - 1)) + 1));
    o->pinned = true;
    o->iova = (uint32_t)v;
    return 0;
}

/* The range a pinned buffer takes: its size rounded up to 4 KiB, as the VCM reserves. */
static uint64_t pin_end(const struct scn_buffer *b)
{
    return b->iova + ((b->size + 4095) & ~4095ull);
}

static bool shares_partition(const struct scn_buffer *a, const struct scn_buffer *b, int *dom)
{
    if (a->partition != b->partition)
        return false;
    for (unsigned i = 0; i < a->ndomains; i++)
        for (unsigned k = 0; k < b->ndomains; k++)
            if (a->domain[i] == b->domain[k]) {
                *dom = a->domain[i];
                return true;
            }
    return false;
}

int scenario_check_pins(const struct scenario *s, struct config_err *err)
{
    for (unsigned i = 0; i < s->nbuffers; i++) {
        const struct scn_buffer *b = &s->buffer[i];
        int d;

        if (!b->pinned || !b->size)
            continue;
        for (unsigned k = 0; k < b->ndomains; k++) {
            const struct ion_partition_desc *p = &s->soc.domain[b->domain[k]].part[b->partition];

            if (b->iova < p->start || pin_end(b) > p->start + p->size)
                return config_fail(err, b->iova_node, -EINVAL, "[0x%x, 0x%llx) is outside "
                                   "partition %s of domain %s, [0x%llx, 0x%llx)", b->iova,
                                   (unsigned long long)pin_end(b), scn_partition_names[b->partition],
                                   s->soc.domain[b->domain[k]].name,
                                   (unsigned long long)p->start,
                                   (unsigned long long)(p->start + p->size));
        }
        for (unsigned j = 0; j < i; j++) {
            const struct scn_buffer *a = &s->buffer[j];

            if (!a->pinned || !a->size || !shares_partition(a, b, &d) ||
                b->iova >= pin_end(a) || a->iova >= pin_end(b))
                continue;
            return config_fail(err, b->iova_node, -EINVAL, "[0x%x, 0x%llx) overlaps buffer %s, "
                               "pinned at [0x%x, 0x%llx) (%s:%u:%u), in domain %s", b->iova,
                               (unsigned long long)pin_end(b), a->name, a->iova,
                               (unsigned long long)pin_end(a), a->iova_node->pos.file,
                               a->iova_node->pos.line, a->iova_node->pos.col,
                               s->soc.domain[d].name);
        }
    }
    return 0;
}

static int buffer_list(struct scenario *s, const struct config_node *st, const char *key,
                       unsigned *idx, unsigned *n, struct config_err *err)
{
    const char *names[SCN_MAX_BUFFERS];
    int rc = scn_get_names(st, key, names, SCN_MAX_BUFFERS, n, err);

    if (!rc)
        rc = scn_check_twice(st, key, names, *n, "buffer", err);
    for (unsigned i = 0; !rc && i < *n; i++) {
        int b = scenario_find_buffer(s, names[i]);
        if (b < 0)
            return config_fail(err, config_find(st, key), -EINVAL, "no buffer named '%s' "
                               "(see buffers)", names[i]);
        idx[i] = (unsigned)b;
    }
    return rc;
}

static int read_steps(struct scenario *s, const struct config_node *root, struct config_err *err)
{
    static const char *const keys[] = { "at", "map", "unmap", NULL };
    const struct config_node *steps;
    sim_time_t last = 0;
    int rc;

    if (!scn_has(root, "steps"))
        return 0;
    if ((rc = config_get_node(root, "steps", CONFIG_LIST, &steps, err)))
        return rc;
    if (steps->count > SCN_MAX_STEPS)
        return config_fail(err, steps, -EINVAL, "%zu steps; at most %d", steps->count,
                           SCN_MAX_STEPS);
    s->step = calloc(steps->count ? steps->count : 1, sizeof(*s->step));
    if (!s->step)
        return config_fail(err, steps, -ENOMEM, "out of memory");
    for (size_t i = 0; i < steps->count; i++) {
        const struct config_node *st = steps->items[i];
        struct scn_step *o = &s->step[i];
        if (st->kind != CONFIG_MAP)
            return config_fail(err, st, -EINVAL, "expected a map with at, map and/or unmap");
        if ((rc = config_check_keys(st, keys, err)) ||
            (rc = config_get_time(st, "at", 0, SIM_TIME_MAX / 2, &o->at, err)) ||
            (rc = buffer_list(s, st, "unmap", o->unmap, &o->nunmap, err)) ||
            (rc = buffer_list(s, st, "map", o->map, &o->nmap, err)))
            return rc;
        if (!o->nmap && !o->nunmap)
            return config_fail(err, st, -EINVAL, "a step needs map or unmap");
        if (o->at < last)
            return config_fail(err, config_find(st, "at"), -EINVAL, "steps must be in time "
                               "order; this one is before the previous step");
        last = o->at;
        s->nsteps++;
    }
    return 0;
}

/*
 * "668MB/s", "1.5GB/s", "250000000B/s", "0": a rate in bytes per second (decimal
 * units), at most 1000 GB/s after the conversion; 0 is no limit.
 */
#define MAX_RATE        UINT64_C(1000000000000)         /* 1000 GB/s */

static int read_rate(const struct config_node *m, uint64_t *out, struct config_err *err)
{
    if (!scn_has(m, "rate"))
        return 0;
    return config_get_rate(m, "rate", 0, MAX_RATE, out, err);
}

static char *resolve_path(const char *base_file, const char *rel)
{
    const char *slash = strrchr(base_file, '/');
    size_t dl = slash ? (size_t)(slash - base_file) + 1 : 0;
    char *out;

    if (rel[0] == '/' || !dl)
        return strdup(rel);
    out = malloc(dl + strlen(rel) + 1);
    if (out) {
        memcpy(out, base_file, dl);
        strcpy(out + dl, rel);
    }
    return out;
}

static int read_bindings(struct scenario *s, const struct config_node *m, struct scn_master *o,
                         struct config_err *err)
{
    const struct config_node *bn;
    int rc;

    if (!scn_has(m, "buffers"))
        return 0;
    if ((rc = config_get_node(m, "buffers", CONFIG_MAP, &bn, err)))
        return rc;
    if (bn->count > SCN_MAX_BINDINGS)
        return config_fail(err, bn, -EINVAL, "%zu bindings; at most %d", bn->count,
                           SCN_MAX_BINDINGS);
    for (size_t i = 0; i < bn->count; i++) {
        const struct config_node *it = bn->items[i];
        int b;
        if (it->kind != CONFIG_SCALAR)
            return config_fail(err, it, -EINVAL, "expected the name of a scenario buffer");
        b = scenario_find_buffer(s, it->value);
        if (b < 0)
            return config_fail(err, it, -EINVAL, "no buffer named '%s' (see buffers)",
                               it->value);
        o->binding[o->nbindings++] = (struct scn_binding){ it->key, (unsigned)b };
    }
    return 0;
}

static int read_master_keys(struct scenario *s, const struct config_node *m,
                            struct config_err *err)
{
    static const char *const keys[] = { "context", "mid", "generator", "trace", "format",
                                        "din_bytes", "buffers", "burst", "outstanding",
                                        "loop", "rate", "frame_period", "fifo_lines",
                                        "privileged", "start", "isolation_check", NULL };
    struct scn_master *o = &s->master[s->nmasters];
    const struct smmu_ctx_desc *cd;
    char msg[256];
    uint64_t v;
    unsigned u;
    int rc;

    if ((rc = scn_check_name(m, "master", err)))
        return rc;
    if (m->kind != CONFIG_MAP)
        return config_fail(err, m, -EINVAL, "expected a map describing master %s", m->key);
    memset(o, 0, sizeof(*o));
    o->name = m->key;
    o->node = m;
    o->cfg.name = m->key;
    o->cfg.burst_bytes = 64;
    o->cfg.max_outstanding = 8;
    if ((rc = config_check_keys(m, keys, err)) ||
        (rc = config_get_string(m, "context", &o->ctx, err)))
        return rc;
    cd = scn_find_ctx(&s->soc, o->ctx, &o->smmu);
    if (!cd)
        return config_fail(err, config_find(m, "context"), -EINVAL, "no SMMU context named "
                           "'%s' in the SoC file (iommusim info lists them)", o->ctx);
    o->cfg.mid = cd->mids[0];
    if (scn_has(m, "mid")) {
        bool ok = false;
        if ((rc = config_get_u64(m, "mid", 0, SMMU_MAX_MIDS - 1, &v, err)))
            return rc;
        for (unsigned i = 0; i < cd->nmids; i++)
            ok |= cd->mids[i] == v;
        if (!ok)
            return config_fail(err, config_find(m, "mid"), -EINVAL, "MID %llu is not routed "
                               "to context %s", (unsigned long long)v, o->ctx);
        o->cfg.mid = (uint16_t)v;
    }
    o->domain = -1;
    for (unsigned i = 0; i < s->soc.nattach; i++)
        if (!strcmp(s->soc.attach[i].ctx, o->ctx) &&
            (s->soc.attach[i].mode == ION_ATTACH_ALWAYS ||
             (s->soc.attach[i].mode == ION_ATTACH_SPLIT) == s->soc.display_split))
            o->domain = s->soc.attach[i].domain;
    if (o->domain < 0)
        return config_fail(err, config_find(m, "context"), -EINVAL, "context %s is attached "
                           "to no domain, so no buffer can be mapped for it", o->ctx);
    if (scn_has(m, "generator") == scn_has(m, "trace"))
        return config_fail(err, m, -EINVAL, "a master needs exactly one of 'generator' and "
                           "'trace'");
    if (scn_has(m, "generator")) {
        if ((rc = config_get_node(m, "generator", CONFIG_MAP, &o->generator, err)))
            return rc;
        if (scn_has(m, "format") || scn_has(m, "din_bytes"))
            return config_fail(err, m, -EINVAL, "'format' and 'din_bytes' apply to traces, "
                               "not to generators");
    } else {
        const char *t;
        if ((rc = config_get_string(m, "trace", &t, err)))
            return rc;
        o->trace = resolve_path(config_find(m, "trace")->pos.file, t);
        if (!o->trace)
            return config_fail(err, m, -ENOMEM, "out of memory");
        o->format = trace_format_from_path(o->trace);
        if (scn_has(m, "format")) {
            static const char *const fmts[] = { "text", "bin", "din", "cbin", NULL };
            if ((rc = config_get_enum(m, "format", fmts, &u, err)))
                return rc;
            o->format = (enum trace_format)u;
        }
        if ((rc = scn_opt_u64(m, "din_bytes", 1, 4096, &v, err)))
            return rc;
        o->din_bytes = scn_has(m, "din_bytes") ? (uint32_t)v : 0;
    }
    v = o->cfg.burst_bytes;
    if ((rc = scn_opt_size(m, "burst", 4, 4096, &v, err)))
        return rc;
    o->cfg.burst_bytes = (unsigned)v;
    if ((rc = scn_opt_unsigned(m, "outstanding", 1, MASTER_MAX_OUTSTANDING,
                           &o->cfg.max_outstanding, err)))
        return rc;
    if (scn_has(m, "loop")) {
        if ((rc = config_get_enum(m, "loop", loop_names, &u, err)))
            return rc;
        o->cfg.open_loop = u == 1;
    }
    if ((rc = read_rate(m, &o->cfg.rate_bytes_per_s, err)) ||
        (rc = scn_opt_time(m, "frame_period", 0, 1000 * SIM_S, &o->cfg.frame_period, err)) ||
        (rc = scn_opt_unsigned(m, "fifo_lines", 0, 4096, &o->cfg.fifo_lines, err)) ||
        (rc = scn_opt_bool(m, "privileged", &o->cfg.privileged, err)) ||
        (rc = scn_opt_time(m, "start", 0, SIM_TIME_MAX / 2, &o->start, err)) ||
        (rc = scn_opt_bool(m, "isolation_check", &o->isolation_check, err)) ||
        (rc = read_bindings(s, m, o, err)))
        return rc;
    o->frame_period_given = scn_has(m, "frame_period");
    if (master_config_check(&o->cfg, msg, sizeof(msg)))
        return config_fail(err, m, -EINVAL, "%s", msg);
    for (unsigned i = 0; i < s->nmasters; i++)
        if (s->master[i].smmu == o->smmu && s->master[i].cfg.mid == o->cfg.mid)
            return config_fail(err, m, -EINVAL, "master %s uses MID %u of SMMU %s, as "
                               "master %s does; give one of them another 'mid'", o->name,
                               o->cfg.mid, s->soc.smmu[o->smmu].desc.name, s->master[i].name);
    s->nmasters++;
    return 0;
}

/* One master; on failure the trace path it resolved is freed (the master is not counted,
 * so scenario_free would not see it). */
static int read_master(struct scenario *s, const struct config_node *m, struct config_err *err)
{
    int rc = read_master_keys(s, m, err);

    if (rc) {
        free((char *)s->master[s->nmasters].trace);
        s->master[s->nmasters].trace = NULL;
    }
    return rc;
}

int scenario_find_buffer(const struct scenario *s, const char *name)
{
    for (unsigned i = 0; i < s->nbuffers; i++)
        if (!strcmp(s->buffer[i].name, name))
            return (int)i;
    return -1;
}

/* secure_domains: the domains whose contexts TrustZone gives the secure VMID. */
static int read_secure_domains(struct scenario *s, const struct config_node *root,
                               struct config_err *err)
{
    const char *names[ION_MAX_DOMAINS];
    unsigned n;
    int rc = scn_get_names(root, "secure_domains", names, ION_MAX_DOMAINS, &n, err);

    if (rc)
        return rc;
    for (unsigned i = 0; i < n; i++) {
        int d = domain_by_name(&s->soc, names[i]);
        if (d < 0)
            return config_fail(err, config_find(root, "secure_domains"), -EINVAL, "no domain "
                               "named '%s' in the SoC file", names[i]);
        s->soc.domain[d].secure = true;
    }
    return 0;
}

static int read_scenario(struct scenario *s, const struct scenario_overrides *ov,
                         struct config_err *err)
{
    static const char *const keys[] = { "name", "soc", "mode", "seed", "duration",
                                        "display_split", "secure_domains", "no_resume",
                                        "buffers", "steps", "masters", NULL };
    const struct config_node *root = config_root(s->cfg), *soc, *bufs, *masters;
    unsigned mode = SCN_TIMING;
    int rc;

    if (root->kind != CONFIG_MAP)
        return config_fail(err, root, -EINVAL, "expected a scenario (a map with soc, buffers "
                           "and masters)");
    s->seed = 1;
    s->duration = SIM_S;
    if ((rc = config_check_keys(root, keys, err)) ||
        (rc = config_get_string(root, "name", &s->name, err)) ||
        (rc = scn_opt_u64(root, "seed", 0, UINT64_MAX, &s->seed, err)))
        return rc;
    if (ov && ov->has_seed)
        s->seed = ov->seed;
    if (scn_has(root, "mode") && (rc = config_get_enum(root, "mode", mode_names, &mode, err)))
        return rc;
    s->mode = ov && ov->mode >= 0 ? (enum scn_mode)ov->mode : (enum scn_mode)mode;
    if ((rc = scn_opt_time(root, "duration", 1, 1000 * SIM_S, &s->duration, err)) ||
        (rc = config_get_node(root, "soc", CONFIG_MAP, &soc, err)) ||
        (rc = scn_read_soc(soc, &s->soc, s->seed, err)) ||
        (rc = scn_opt_bool(root, "display_split", &s->soc.display_split, err)) ||
        (rc = scn_get_names(root, "no_resume", s->no_resume, SCN_MAX_ATTACH, &s->nno_resume,
                        err)) ||
        (rc = config_get_node(root, "buffers", CONFIG_MAP, &bufs, err)))
        return rc;
    if ((rc = read_secure_domains(s, root, err)))
        return rc;
    for (unsigned i = 0; i < s->nno_resume; i++)
        if (!scn_find_ctx(&s->soc, s->no_resume[i], NULL))
            return config_fail(err, config_find(root, "no_resume"), -EINVAL, "no SMMU context "
                               "named '%s' in the SoC file", s->no_resume[i]);
    if ((rc = scn_check_twice(root, "no_resume", s->no_resume, s->nno_resume, "context", err)))
        return rc;
    if (bufs->count > SCN_MAX_BUFFERS)
        return config_fail(err, bufs, -EINVAL, "%zu buffers; at most %d", bufs->count,
                           SCN_MAX_BUFFERS);
    for (size_t i = 0; i < bufs->count; i++)
        if ((rc = read_buffer(s, bufs->items[i], err)))
            return rc;
    if ((rc = scenario_check_pins(s, err)) ||
        (rc = read_steps(s, root, err)) ||
        (rc = config_get_node(root, "masters", CONFIG_MAP, &masters, err)))
        return rc;
    if (!masters->count || masters->count > SCN_MAX_MASTERS)
        return config_fail(err, masters, -EINVAL, "%zu masters; expected 1..%d",
                           masters->count, SCN_MAX_MASTERS);
    for (size_t i = 0; i < masters->count; i++)
        if ((rc = read_master(s, masters->items[i], err)))
            return rc;
    return 0;
}

static struct scenario *scenario_new(const char *path, struct config_err *err)
{
    struct scenario *s = calloc(1, sizeof(*s));

    if (!s || !(s->path = strdup(path))) {
        free(s);
        if (err && !err->code) {
            err->code = -ENOMEM;
            snprintf(err->msg, sizeof(err->msg), "%s: out of memory", path);
        }
        return NULL;
    }
    s->cfg = config_load(path, err);
    if (!s->cfg) {
        scenario_free(s);
        return NULL;
    }
    return s;
}

/*
 * --set KEY=VALUE. A path whose first key is not one of the scenario's but is one of
 * its SoC's is taken inside the SoC: `smmus.rot.tlb.entries=64` means
 * `soc.smmus.rot.tlb.entries=64`.
 */
static int set_override(struct scenario *s, const char *assignment, struct config_err *err)
{
    const struct config_node *root = config_root(s->cfg), *soc = config_find(root, "soc");
    size_t n = strcspn(assignment, ".=");
    char first[128], *full;
    int rc;

    if (n < sizeof(first) && soc && soc->kind == CONFIG_MAP) {
        memcpy(first, assignment, n);
        first[n] = 0;
        if (!config_find(root, first) && config_find(soc, first)) {
            full = malloc(strlen(assignment) + 5);
            if (!full)
                return config_fail(err, root, -ENOMEM, "out of memory");
            strcpy(full, "soc.");
            strcat(full, assignment);
            rc = config_set(s->cfg, full, err);
            free(full);
            return rc;
        }
    }
    return config_set(s->cfg, assignment, err);
}

struct scenario *scenario_load(const char *path, const struct scenario_overrides *ov,
                               struct config_err *err)
{
    struct scenario *s = scenario_new(path, err);

    if (!s)
        return NULL;
    for (unsigned i = 0; ov && i < ov->nsets; i++) {
        if (set_override(s, ov->sets[i], err)) {
            scenario_free(s);
            return NULL;
        }
    }
    if (read_scenario(s, ov, err)) {
        scenario_free(s);
        return NULL;
    }
    return s;
}

struct scenario *scenario_load_soc(const char *path, struct config_err *err)
{
    struct scenario *s = scenario_new(path, err);
    const struct config_node *root;

    if (!s)
        return NULL;
    root = config_root(s->cfg);
    if (root->kind == CONFIG_MAP && scn_has(root, "soc") && !scn_has(root, "smmus"))
        root = config_find(root, "soc");
    s->name = "";
    if (scn_read_soc(root, &s->soc, 1, err)) {
        scenario_free(s);
        return NULL;
    }
    return s;
}

void scenario_free(struct scenario *s)
{
    if (!s)
        return;
    for (unsigned i = 0; i < s->nmasters; i++)
        free((char *)s->master[i].trace);
    free(s->step);
    config_free(s->cfg);
    free(s->path);
    free(s);
}
