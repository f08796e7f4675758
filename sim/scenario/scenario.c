/*
 * scenario.c - reads a scenario (and the SoC file it includes) into struct scenario.
 *
 * One static function per section of the file, each reading its keys with the typed
 * getters of sim/config (which report file:line:column, ranges and units) and
 * rejecting unknown keys with the nearest valid one. Cross-references (a master's
 * context, a buffer's domain, a step's buffer names) are resolved here too, so the
 * SoC builder gets data it can trust. docs/scenarios.md documents every key.
 */
#define _POSIX_C_SOURCE 200809L
#include "sim/scenario/scenario.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/core/util.h"

#define SZ_4G   (1ull << 32)

static const char *const mode_names[] = { "timing", "functional", NULL };
static const char *const policy_names[] = { "best", "4k", "64k", "1m", "16m", NULL };
static const char *const partition_names[] = { "video_firmware", "video_main", "gen", NULL };
static const char *const loop_names[] = { "closed", "open", NULL };

const char *scenario_mode_name(enum scn_mode m)
{
    return m <= SCN_FUNCTIONAL ? mode_names[m] : "?";
}

static bool has(const struct config_node *map, const char *key)
{
    return config_find(map, key) != NULL;
}

/*
 * The names of buffers, masters, SMMUs, contexts and domains become parts of statistic
 * names (master.NAME.bytes, smmu.NAME.ctx.CTX.hits) and columns of the report: 1 to
 * SCN_NAME_MAX letters, digits, '_' and '-', starting with a letter or '_' (no '.', the
 * separator of statistic names; no space, comma or quote, which CSV would quote; no
 * control character). docs/scenarios.md "Names".
 */
#define SCN_NAME_MAX    64

static bool name_char(char c, bool first)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
           (!first && ((c >= '0' && c <= '9') || c == '-'));
}

static int check_name(const struct config_node *n, const char *what, struct config_err *err)
{
    size_t len = strlen(n->key);
    bool ok = len >= 1 && len <= SCN_NAME_MAX;

    for (size_t i = 0; ok && i < len; i++)
        ok = name_char(n->key[i], i == 0);
    if (ok)
        return 0;
    return config_fail_key(err, n, -EINVAL, "%s name '%.*s%s' is not allowed: a name is 1 to "
                           "%d letters, digits, '_' and '-', starting with a letter or '_'",
                           what, SCN_NAME_MAX + 8, n->key, len > SCN_NAME_MAX + 8 ? "..." : "",
                           SCN_NAME_MAX);
}

/* Optional getters: leave *out alone when the key is absent. */
static int opt_u64(const struct config_node *m, const char *k, uint64_t lo, uint64_t hi,
                   uint64_t *out, struct config_err *err)
{
    return has(m, k) ? config_get_u64(m, k, lo, hi, out, err) : 0;
}

static int opt_unsigned(const struct config_node *m, const char *k, unsigned lo, unsigned hi,
                        unsigned *out, struct config_err *err)
{
    uint64_t v = *out;
    int rc = opt_u64(m, k, lo, hi, &v, err);

    *out = (unsigned)v;
    return rc;
}

static int opt_size(const struct config_node *m, const char *k, uint64_t lo, uint64_t hi,
                    uint64_t *out, struct config_err *err)
{
    return has(m, k) ? config_get_size(m, k, lo, hi, out, err) : 0;
}

static int opt_bool(const struct config_node *m, const char *k, bool *out,
                    struct config_err *err)
{
    return has(m, k) ? config_get_bool(m, k, out, err) : 0;
}

static int opt_time(const struct config_node *m, const char *k, uint64_t lo, uint64_t hi,
                    uint64_t *out, struct config_err *err)
{
    return has(m, k) ? config_get_time(m, k, lo, hi, out, err) : 0;
}

/* A list of scalars (or one scalar) as an array of strings. */
static int get_names(const struct config_node *map, const char *key, const char **out,
                     unsigned max, unsigned *n, struct config_err *err)
{
    const struct config_node *node = config_find(map, key);

    *n = 0;
    if (!node)
        return 0;
    if (node->kind == CONFIG_SCALAR) {
        out[(*n)++] = node->value;
        return 0;
    }
    if (node->kind != CONFIG_LIST)
        return config_fail(err, node, -EINVAL, "expected a name or a list of names");
    if (node->count > max)
        return config_fail(err, node, -EINVAL, "%zu names; at most %u", node->count, max);
    for (size_t i = 0; i < node->count; i++) {
        if (node->items[i]->kind != CONFIG_SCALAR)
            return config_fail(err, node->items[i], -EINVAL, "expected a name");
        out[(*n)++] = node->items[i]->value;
    }
    return 0;
}

/*
 * A name that appears twice in one list (no_resume, a step's map or unmap): the error
 * is at the second, for lists; `what` is "context" or "buffer".
 */
static int check_twice(const struct config_node *map, const char *key, const char *const *names,
                       unsigned n, const char *what, struct config_err *err)
{
    const struct config_node *list = config_find(map, key);

    for (unsigned i = 1; i < n; i++)
        for (unsigned k = 0; k < i; k++)
            if (!strcmp(names[i], names[k]))
                return config_fail(err, list->kind == CONFIG_LIST ? list->items[i] : list,
                                   -EINVAL, "%s '%s' is named twice", what, names[i]);
    return 0;
}

/* ---- The SoC ------------------------------------------------------------------------- */

static int read_pool_region(const struct config_node *mem, const char *key,
                            struct phys_target_cfg *t, bool blocks, uint64_t seed,
                            struct config_err *err)
{
    static const char *const ram_keys[] = { "base", "size", "shares", "fragmentation",
                                            "fragmentation_seed", NULL };
    static const char *const pt_keys[] = { "base", "size", NULL };
    static const char *const share_keys[] = { "4k", "64k", "1m", "16m", NULL };
    const struct config_node *r, *sh;
    uint64_t base, size;
    char msg[256];
    int rc;

    if ((rc = config_get_node(mem, key, CONFIG_MAP, &r, err)) ||
        (rc = config_check_keys(r, blocks ? ram_keys : pt_keys, err)) ||
        (rc = config_get_u64(r, "base", 0, SZ_4G - 4096, &base, err)) ||
        (rc = config_get_size(r, "size", 4096, SZ_4G - base, &size, err)))
        return rc;
    if (blocks) {
        phys_target_cfg_default(t, base, size);
        t->frag_seed = seed;
        if (has(r, "shares")) {
            if ((rc = config_get_node(r, "shares", CONFIG_MAP, &sh, err)) ||
                (rc = config_check_keys(sh, share_keys, err)))
                return rc;
            for (unsigned i = 0; i < PHYS_NPOOLS; i++) {
                t->share[i] = 0;
                if (has(sh, share_keys[i]) &&
                    (rc = config_get_fraction(sh, share_keys[i], 0, 1, &t->share[i], err)))
                    return rc;
            }
        }
        if (has(r, "fragmentation") &&
            (rc = config_get_fraction(r, "fragmentation", 0, 0.99, &t->frag, err)))
            return rc;
        if ((rc = opt_u64(r, "fragmentation_seed", 0, UINT64_MAX, &t->frag_seed, err)))
            return rc;
    } else {
        phys_target_cfg_default(t, 0, 0);
        t->cont_base = base;
        t->cont_size = size;
    }
    if (phys_target_cfg_check(t, msg, sizeof(msg)))
        return config_fail(err, r, -EINVAL, "%s", msg);
    return 0;
}

static int read_memory(const struct config_node *soc, struct scn_soc *o, struct config_err *err)
{
    static const char *const keys[] = { "ram", "page_tables", NULL };
    const struct config_node *mem;
    int rc;

    if ((rc = config_get_node(soc, "memory", CONFIG_MAP, &mem, err)) ||
        (rc = config_check_keys(mem, keys, err)) ||
        (rc = read_pool_region(mem, "ram", &o->ram, true, 1, err)) ||
        (rc = read_pool_region(mem, "page_tables", &o->page_tables, false, 0, err)))
        return rc;
    uint64_t a0 = o->ram.base, a1 = a0 + o->ram.size;
    uint64_t b0 = o->page_tables.cont_base, b1 = b0 + o->page_tables.cont_size;
    if (a0 < b1 && b0 < a1)
        return config_fail(err, config_find(mem, "page_tables"), -EINVAL,
                           "page_tables [0x%llx, 0x%llx) overlaps ram [0x%llx, 0x%llx)",
                           (unsigned long long)b0, (unsigned long long)b1,
                           (unsigned long long)a0, (unsigned long long)a1);
    return 0;
}

static int read_dram(const struct config_node *soc, struct dram_config *d,
                     struct config_err *err)
{
    static const char *const keys[] = { "channels", "width", "clock", "interleave",
                                        "latency", NULL };
    const struct config_node *n;
    uint64_t v;
    char msg[256];
    int rc;

    if ((rc = config_get_node(soc, "dram", CONFIG_MAP, &n, err)) ||
        (rc = config_check_keys(n, keys, err)) ||
        (rc = config_get_u64(n, "channels", 1, DRAM_MAX_CHANNELS, &v, err)))
        return rc;
    d->channels = (unsigned)v;
    if ((rc = config_get_size(n, "width", 1, 256, &v, err)))
        return rc;
    d->width_bytes = (unsigned)v;
    if ((rc = config_get_freq(n, "clock", 1000000, 10000000000ull, &d->clock_hz, err)) ||
        (rc = config_get_size(n, "interleave", 64, 1ull << 30, &v, err)))
        return rc;
    d->interleave_bytes = (uint32_t)v;
    if ((rc = config_get_time(n, "latency", 0, SIM_MS, &d->latency, err)))
        return rc;
    if (dram_config_check(d, msg, sizeof(msg)))
        return config_fail(err, n, -EINVAL, "%s", msg);
    return 0;
}

static int read_fabric(const struct config_node *soc, struct scn_fabric *f,
                       struct config_err *err)
{
    static const char *const keys[] = { "clock", "gateway_width", "hop_cycles", NULL };
    const struct config_node *n;
    uint64_t v;
    int rc;

    if ((rc = config_get_node(soc, "fabric", CONFIG_MAP, &n, err)) ||
        (rc = config_check_keys(n, keys, err)) ||
        (rc = config_get_freq(n, "clock", 1000000, 10000000000ull, &f->clock_hz, err)) ||
        (rc = config_get_size(n, "gateway_width", 1, 1024, &v, err)))
        return rc;
    f->gateway_width = (unsigned)v;
    if ((rc = config_get_u64(n, "hop_cycles", 0, 1000, &v, err)))
        return rc;
    f->hop_cycles = (unsigned)v;
    return 0;
}

/* l2: the CPUs' shared L2, which walks of cacheable page tables go through. */
static int read_l2(const struct config_node *soc, struct scn_soc *o, struct config_err *err)
{
    static const char *const keys[] = { "size", "ways", "line", "hit_latency", NULL };
    struct l2cache_config *l = &o->l2;
    const struct config_node *n;
    uint64_t v;
    char msg[256];
    int rc;

    if (!has(soc, "l2"))
        return 0;
    if ((rc = config_get_node(soc, "l2", CONFIG_MAP, &n, err)) ||
        (rc = config_check_keys(n, keys, err)) ||
        (rc = config_get_size(n, "size", 1, 1ull << 30, &l->size_bytes, err)) ||
        (rc = config_get_u64(n, "ways", 1, 64, &v, err)))
        return rc;
    l->ways = (unsigned)v;
    if ((rc = config_get_size(n, "line", 16, 4096, &v, err)))
        return rc;
    l->line_bytes = (unsigned)v;
    if ((rc = config_get_time(n, "hit_latency", 0, SIM_MS, &l->hit_latency, err)))
        return rc;
    if (l2cache_config_check(l, msg, sizeof(msg)))
        return config_fail(err, n, -EINVAL, "%s", msg);
    o->has_l2 = true;
    return 0;
}

static int read_tlb(const struct config_node *sm, struct tlb_config *t, struct config_err *err)
{
    static const char *const keys[] = { "entries", "ways", "replacement", NULL };
    static const char *const repl[] = { "lru", "plru", "round-robin", "random", NULL };
    const struct config_node *n;
    unsigned r = TLB_LRU;
    uint64_t v;
    char msg[256];
    int rc;

    if ((rc = config_get_node(sm, "tlb", CONFIG_MAP, &n, err)) ||
        (rc = config_check_keys(n, keys, err)) ||
        (rc = config_get_u64(n, "entries", 1, 256, &v, err)))
        return rc;
    t->entries = (unsigned)v;
    t->ways = t->entries;
    if ((rc = opt_unsigned(n, "ways", 1, t->entries, &t->ways, err)))
        return rc;
    if (has(n, "replacement") && (rc = config_get_enum(n, "replacement", repl, &r, err)))
        return rc;
    t->replacement = (enum tlb_replacement)r;
    if (tlb_config_check(t, msg, sizeof(msg)))
        return config_fail(err, n, -EINVAL, "%s", msg);
    return 0;
}

static int read_context(const struct config_node *c, struct smmu_ctx_desc *d, unsigned nbanks,
                        struct config_err *err)
{
    static const char *const keys[] = { "bank", "mids", NULL };
    const struct config_node *mids;
    uint64_t v;
    int rc;

    if ((rc = check_name(c, "context", err)))
        return rc;
    if (c->kind != CONFIG_MAP)
        return config_fail(err, c, -EINVAL, "expected a map with bank and mids");
    d->name = c->key;
    if ((rc = config_check_keys(c, keys, err)) ||
        (rc = config_get_u64(c, "bank", 0, nbanks - 1, &v, err)) ||
        (rc = config_get_node(c, "mids", CONFIG_LIST, &mids, err)))
        return rc;
    d->bank = (unsigned)v;
    if (!mids->count || mids->count > SMMU_DEV_MAX_MIDS)
        return config_fail(err, mids, -EINVAL, "%zu MIDs; expected 1..%u", mids->count,
                           SMMU_DEV_MAX_MIDS);
    d->nmids = (unsigned)mids->count;
    for (size_t i = 0; i < mids->count; i++) {
        if ((rc = config_get_u64(mids->items[i], NULL, 0, SMMU_MAX_MIDS - 1, &v, err)))
            return rc;
        d->mids[i] = (uint8_t)v;
    }
    return 0;
}

static int read_smmu(const struct config_node *sm, struct scn_smmu *o, uint64_t seed,
                     struct config_err *err)
{
    static const char *const keys[] = { "base", "irq", "irq_secure", "banks", "clock",
                                        "port_width", "tlb", "lookup_cycles",
                                        "walk_overhead_cycles", "max_walks", "hit_under_miss",
                                        "tlb_op_cycles", "bfb_lines", "contexts", "bypass", NULL };
    struct smmu_desc *d = &o->desc;
    struct smmu_config *c = &o->cfg;
    const struct config_node *ctxs;
    uint64_t v;
    char msg[256];
    int rc;

    if ((rc = check_name(sm, "SMMU", err)))
        return rc;
    if (sm->kind != CONFIG_MAP)
        return config_fail(err, sm, -EINVAL, "expected a map describing SMMU %s", sm->key);
    memset(o, 0, sizeof(*o));
    d->name = sm->key;
    if ((rc = config_check_keys(sm, keys, err)) ||
        (rc = config_get_u64(sm, "base", 0, SZ_4G - (1u << 20), &v, err)))
        return rc;
    d->base = (uint32_t)v;
    if ((rc = config_get_u64(sm, "irq", 0, 1023, &v, err)))
        return rc;
    d->irq = (unsigned)v;
    d->irq_secure = d->irq;
    if ((rc = opt_unsigned(sm, "irq_secure", 0, 1023, &d->irq_secure, err)) ||
        (rc = config_get_u64(sm, "banks", 1, SMMU_MAX_CTX, &v, err)))
        return rc;
    d->nbanks = (unsigned)v;
    if ((rc = config_get_freq(sm, "clock", 1000000, 10000000000ull, &c->clock_hz, err)))
        return rc;
    o->port_width = 8;
    if (has(sm, "port_width")) {
        if ((rc = config_get_size(sm, "port_width", 1, 1024, &v, err)))
            return rc;
        o->port_width = (unsigned)v;
    }
    c->tlb.seed = seed;
    c->tlb_lookup_cycles = 1;
    c->walk_overhead_cycles = 2;
    c->max_walks = 1;
    c->hit_under_miss = true;
    c->bfb_lines = SCN_DEFAULT_BFB_LINES;
    if ((rc = read_tlb(sm, &c->tlb, err)) ||
        (rc = opt_unsigned(sm, "lookup_cycles", 0, 1000, &c->tlb_lookup_cycles, err)) ||
        (rc = opt_unsigned(sm, "walk_overhead_cycles", 0, 1000, &c->walk_overhead_cycles,
                           err)) ||
        (rc = opt_unsigned(sm, "max_walks", 1, 64, &c->max_walks, err)) ||
        (rc = opt_unsigned(sm, "tlb_op_cycles", 0, 1000000, &c->tlb_op_cycles, err)) ||
        (rc = opt_bool(sm, "hit_under_miss", &c->hit_under_miss, err)) ||
        (rc = opt_unsigned(sm, "bfb_lines", 0, WALKER_BFB_MAX, &c->bfb_lines, err)) ||
        (rc = opt_bool(sm, "bypass", &o->bypass, err)) ||
        (rc = config_get_node(sm, "contexts", CONFIG_MAP, &ctxs, err)))
        return rc;
    if (!ctxs->count || ctxs->count > SMMU_DESC_MAX_CTX)
        return config_fail(err, ctxs, -EINVAL, "%zu contexts; expected 1..%u", ctxs->count,
                           SMMU_DESC_MAX_CTX);
    d->nctx = (unsigned)ctxs->count;
    for (size_t i = 0; i < ctxs->count; i++) {
        if ((rc = read_context(ctxs->items[i], &d->ctx[i], d->nbanks, err)))
            return rc;
        for (unsigned k = 0; k < d->ctx[i].nmids; k++)
            if (d->ctx[i].mids[k] + 1u > d->nmids)
                d->nmids = d->ctx[i].mids[k] + 1u;
    }
    if (smmu_desc_check(d, 1, msg, sizeof(msg)))
        return config_fail(err, ctxs, -EINVAL, "%s", msg);
    smmu_desc_fill_config(d, c);
    if (smmu_config_check(c, msg, sizeof(msg)))
        return config_fail(err, sm, -EINVAL, "%s", msg);
    return 0;
}

static const struct smmu_ctx_desc *find_ctx(const struct scn_soc *soc, const char *name,
                                            unsigned *smmu)
{
    for (unsigned i = 0; i < soc->nsmmus; i++)
        for (unsigned k = 0; k < soc->smmu[i].desc.nctx; k++)
            if (!strcmp(soc->smmu[i].desc.ctx[k].name, name)) {
                if (smmu)
                    *smmu = i;
                return &soc->smmu[i].desc.ctx[k];
            }
    return NULL;
}

static int add_attach(struct scn_soc *soc, const struct config_node *dom, const char *key,
                      int id, enum ion_attach_mode mode, struct config_err *err)
{
    const char *names[SCN_MAX_ATTACH];
    unsigned n;
    int rc = get_names(dom, key, names, SCN_MAX_ATTACH, &n, err);

    if (rc)
        return rc;
    for (unsigned i = 0; i < n; i++) {
        if (!find_ctx(soc, names[i], NULL))
            return config_fail(err, config_find(dom, key), -EINVAL,
                               "no SMMU context named '%s' (see smmus.*.contexts)", names[i]);
        if (soc->nattach == SCN_MAX_ATTACH)
            return config_fail(err, dom, -EINVAL, "more than %d attachments", SCN_MAX_ATTACH);
        soc->attach[soc->nattach++] = (struct ion_attach){ names[i], id, mode };
    }
    return 0;
}

static int read_domain(const struct config_node *dn, struct scn_soc *soc, bool *seen,
                       struct config_err *err)
{
    static const char *const keys[] = { "id", "partitions", "attach", "attach_split",
                                        "attach_unsplit", "pt_cacheable", NULL };
    static const char *const pkeys[] = { "start", "size", NULL };
    const struct config_node *parts;
    uint64_t id;
    int rc;

    if ((rc = check_name(dn, "domain", err)))
        return rc;
    if (dn->kind != CONFIG_MAP)
        return config_fail(err, dn, -EINVAL, "expected a map describing domain %s", dn->key);
    if ((rc = config_check_keys(dn, keys, err)) ||
        (rc = config_get_u64(dn, "id", 0, ION_MAX_DOMAINS - 1, &id, err)) ||
        (rc = config_get_node(dn, "partitions", CONFIG_MAP, &parts, err)) ||
        (rc = config_check_keys(parts, partition_names, err)))
        return rc;
    if (seen[id])
        return config_fail(err, config_find(dn, "id"), -EINVAL, "domain id %llu is used twice",
                           (unsigned long long)id);
    seen[id] = true;
    struct ion_domain_desc *d = &soc->domain[id];
    d->name = dn->key;
    if ((rc = opt_bool(dn, "pt_cacheable", &d->pt_cacheable, err)))
        return rc;
    for (size_t i = 0; i < parts->count; i++) {
        const struct config_node *p = parts->items[i];
        unsigned k = 0;
        while (strcmp(partition_names[k], p->key))
            k++;
        if (p->kind != CONFIG_MAP)
            return config_fail(err, p, -EINVAL, "expected {start, size}");
        if ((rc = config_check_keys(p, pkeys, err)) ||
            (rc = config_get_size(p, "start", 0, SZ_4G - 4096, &d->part[k].start, err)) ||
            (rc = config_get_size(p, "size", 4096, SZ_4G - d->part[k].start, &d->part[k].size,
                                  err)))
            return rc;
        if (d->part[k].start % 4096 || d->part[k].size % 4096)
            return config_fail(err, p, -EINVAL, "partition start and size must be multiples "
                               "of 4K");
    }
    if ((rc = add_attach(soc, dn, "attach", (int)id, ION_ATTACH_ALWAYS, err)) ||
        (rc = add_attach(soc, dn, "attach_unsplit", (int)id, ION_ATTACH_UNSPLIT, err)) ||
        (rc = add_attach(soc, dn, "attach_split", (int)id, ION_ATTACH_SPLIT, err)))
        return rc;
    if (id + 1 > soc->ndomains)
        soc->ndomains = (unsigned)id + 1;
    return 0;
}

static const char *const profile_names[] = { "msm-3.4", "msm-mainline", "vcm-2010", "lazy",
                                             NULL };

/* driver: the profile the SMMU driver follows and what its work costs (docs/driver.md). */
static int read_driver(const struct config_node *soc, struct scn_driver *d,
                       struct config_err *err)
{
    static const char *const keys[] = { "profile", "bfb", "mmio_latency", "clean_line",
                                        "clean_line_time", "clean_all_time", NULL };
    const struct config_node *n;
    unsigned prof = 0;
    uint64_t line = 64;
    bool bfb;
    int rc;

    d->profile = smmu_profile_default();
    d->bfb = -1;
    memset(&d->costs, 0, sizeof(d->costs));
    d->costs.clean_line_bytes = 64;
    if (!has(soc, "driver"))
        return 0;
    if ((rc = config_get_node(soc, "driver", CONFIG_MAP, &n, err)) ||
        (rc = config_check_keys(n, keys, err)))
        return rc;
    if (has(n, "profile")) {
        if ((rc = config_get_enum(n, "profile", profile_names, &prof, err)))
            return rc;
        d->profile = smmu_profile_find(profile_names[prof]);
    }
    if (has(n, "bfb")) {
        if ((rc = config_get_bool(n, "bfb", &bfb, err)))
            return rc;
        d->bfb = bfb;
    }
    if ((rc = opt_time(n, "mmio_latency", 0, SIM_MS, &d->costs.mmio_ps, err)) ||
        (rc = opt_size(n, "clean_line", 4, 4096, &line, err)) ||
        (rc = opt_time(n, "clean_line_time", 0, SIM_MS, &d->costs.clean_line_ps, err)) ||
        (rc = opt_time(n, "clean_all_time", 0, SIM_S, &d->costs.clean_all_ps, err)))
        return rc;
    if (!is_pow2(line))
        return config_fail(err, config_find(n, "clean_line"), -EINVAL, "clean_line must be a "
                           "power of two (a cache line), not %llu", (unsigned long long)line);
    d->costs.clean_line_bytes = (unsigned)line;
    return 0;
}

/*
 * Every SMMU's registers take SCN_SMMU_WINDOW bytes from its base (the MSM8960 SMMUs
 * sit 1 MiB apart, and base is at most 4G - 1M): two SMMUs may not share any of it,
 * and no SMMU may sit in RAM or in the page-table pool.
 */
#define SCN_SMMU_WINDOW (UINT64_C(1) << 20)

static bool ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
    return a < b + blen && b < a + alen;
}

static int check_smmu_window(const struct config_node *sm, const struct scn_soc *o,
                             unsigned i, struct config_err *err)
{
    const struct config_node *base = config_find(sm, "base");
    uint64_t b = o->smmu[i].desc.base;
    const struct { const char *name; uint64_t base, size; } mem[] = {
        { "memory.ram", o->ram.base, o->ram.size },
        { "memory.page_tables", o->page_tables.cont_base, o->page_tables.cont_size },
    };

    for (unsigned k = 0; k < i; k++) {
        uint64_t kb = o->smmu[k].desc.base;
        if (ranges_overlap(b, SCN_SMMU_WINDOW, kb, SCN_SMMU_WINDOW))
            return config_fail(err, base, -EINVAL, "the registers of SMMU %s [0x%llx, 0x%llx) "
                               "overlap those of SMMU %s [0x%llx, 0x%llx)", sm->key,
                               (unsigned long long)b, (unsigned long long)(b + SCN_SMMU_WINDOW),
                               o->smmu[k].desc.name, (unsigned long long)kb,
                               (unsigned long long)(kb + SCN_SMMU_WINDOW));
    }
    for (unsigned k = 0; k < 2; k++)
        if (ranges_overlap(b, SCN_SMMU_WINDOW, mem[k].base, mem[k].size))
            return config_fail(err, base, -EINVAL, "the registers of SMMU %s [0x%llx, 0x%llx) "
                               "overlap %s [0x%llx, 0x%llx)", sm->key, (unsigned long long)b,
                               (unsigned long long)(b + SCN_SMMU_WINDOW), mem[k].name,
                               (unsigned long long)mem[k].base,
                               (unsigned long long)(mem[k].base + mem[k].size));
    return 0;
}

static int read_soc(const struct config_node *soc, struct scn_soc *o, uint64_t seed,
                    struct config_err *err)
{
    static const char *const keys[] = { "name", "memory", "dram", "fabric", "l2", "smmus",
                                        "domains", "display_split", "driver", NULL };
    const struct config_node *smmus, *doms;
    bool seen[ION_MAX_DOMAINS] = { false };
    int rc;

    memset(o, 0, sizeof(*o));
    if (soc->kind != CONFIG_MAP)
        return config_fail(err, soc, -EINVAL, "expected the SoC description (a map)");
    if ((rc = config_check_keys(soc, keys, err)) ||
        (rc = config_get_string(soc, "name", &o->name, err)) ||
        (rc = read_memory(soc, o, err)) ||
        (rc = read_dram(soc, &o->dram, err)) ||
        (rc = read_fabric(soc, &o->fabric, err)) ||
        (rc = read_l2(soc, o, err)) ||
        (rc = read_driver(soc, &o->driver, err)) ||
        (rc = config_get_node(soc, "smmus", CONFIG_MAP, &smmus, err)))
        return rc;
    if (!smmus->count || smmus->count > SCN_MAX_SMMUS)
        return config_fail(err, smmus, -EINVAL, "%zu SMMUs; expected 1..%d", smmus->count,
                           SCN_MAX_SMMUS);
    for (size_t i = 0; i < smmus->count; i++) {
        if ((rc = read_smmu(smmus->items[i], &o->smmu[i], seed + i, err)) ||
            (rc = check_smmu_window(smmus->items[i], o, (unsigned)i, err)))
            return rc;
        o->nsmmus++;
        for (size_t k = 0; k < o->smmu[i].desc.nctx; k++)
            if (find_ctx(o, o->smmu[i].desc.ctx[k].name, NULL) != &o->smmu[i].desc.ctx[k])
                return config_fail(err, smmus->items[i], -EINVAL, "context %s is declared "
                                   "twice", o->smmu[i].desc.ctx[k].name);
    }
    if ((rc = config_get_node(soc, "domains", CONFIG_MAP, &doms, err)))
        return rc;
    for (size_t i = 0; i < doms->count; i++)
        if ((rc = read_domain(doms->items[i], o, seen, err)))
            return rc;
    for (unsigned i = 0; i < o->ndomains; i++)
        if (!seen[i])
            return config_fail(err, doms, -EINVAL, "domain ids must be 0..%u with none "
                               "missing; no domain has id %u", o->ndomains - 1, i);
    return opt_bool(soc, "display_split", &o->display_split, err);
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

    if ((rc = check_name(b, "buffer", err)))
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
        (rc = opt_size(b, "size", 4096, 1ull << 31, &o->size, err)) ||
        (rc = opt_bool(b, "mapped", &o->mapped_at_start, err)) ||
        (rc = opt_bool(b, "privileged_only", &o->privileged_only, err)))
        return rc;
    if (has(b, "access")) {
        if ((rc = config_get_enum(b, "access", access_names, &v, err)))
            return rc;
        o->read_only = v == 1;
    }
    if (!has(b, "domain"))
        return config_fail(err, b, -EINVAL, "missing key 'domain'");
    if ((rc = get_names(b, "domain", doms, ION_MAX_DOMAINS, &n, err)))
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
    if (has(b, "partition")) {
        if ((rc = config_get_enum(b, "partition", partition_names, &v, err)))
            return rc;
        o->partition = (int)v;
    }
    for (unsigned i = 0; i < o->ndomains; i++)
        if (!s->soc.domain[o->domain[i]].part[o->partition].size)
            return config_fail(err, b, -EINVAL, "domain %s has no %s partition",
                               s->soc.domain[o->domain[i]].name, partition_names[o->partition]);
    if (has(b, "policy")) {
        if ((rc = config_get_enum(b, "policy", policy_names, &v, err)))
            return rc;
        o->policy = (enum vcm_map_policy)v;
    }
    if (has(b, "iova") && (rc = read_pin(o, b, err)))
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
                                   (unsigned long long)pin_end(b), partition_names[b->partition],
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
    int rc = get_names(st, key, names, SCN_MAX_BUFFERS, n, err);

    if (!rc)
        rc = check_twice(st, key, names, *n, "buffer", err);
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

    if (!has(root, "steps"))
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
    if (!has(m, "rate"))
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

    if (!has(m, "buffers"))
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

    if ((rc = check_name(m, "master", err)))
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
    cd = find_ctx(&s->soc, o->ctx, &o->smmu);
    if (!cd)
        return config_fail(err, config_find(m, "context"), -EINVAL, "no SMMU context named "
                           "'%s' in the SoC file (iommusim info lists them)", o->ctx);
    o->cfg.mid = cd->mids[0];
    if (has(m, "mid")) {
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
    if (has(m, "generator") == has(m, "trace"))
        return config_fail(err, m, -EINVAL, "a master needs exactly one of 'generator' and "
                           "'trace'");
    if (has(m, "generator")) {
        if ((rc = config_get_node(m, "generator", CONFIG_MAP, &o->generator, err)))
            return rc;
        if (has(m, "format") || has(m, "din_bytes"))
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
        if (has(m, "format")) {
            static const char *const fmts[] = { "text", "bin", "din", NULL };
            if ((rc = config_get_enum(m, "format", fmts, &u, err)))
                return rc;
            o->format = (enum trace_format)u;
        }
        if ((rc = opt_u64(m, "din_bytes", 1, 4096, &v, err)))
            return rc;
        o->din_bytes = has(m, "din_bytes") ? (uint32_t)v : 0;
    }
    v = o->cfg.burst_bytes;
    if ((rc = opt_size(m, "burst", 4, 4096, &v, err)))
        return rc;
    o->cfg.burst_bytes = (unsigned)v;
    if ((rc = opt_unsigned(m, "outstanding", 1, MASTER_MAX_OUTSTANDING,
                           &o->cfg.max_outstanding, err)))
        return rc;
    if (has(m, "loop")) {
        if ((rc = config_get_enum(m, "loop", loop_names, &u, err)))
            return rc;
        o->cfg.open_loop = u == 1;
    }
    if ((rc = read_rate(m, &o->cfg.rate_bytes_per_s, err)) ||
        (rc = opt_time(m, "frame_period", 0, 1000 * SIM_S, &o->cfg.frame_period, err)) ||
        (rc = opt_unsigned(m, "fifo_lines", 0, 4096, &o->cfg.fifo_lines, err)) ||
        (rc = opt_bool(m, "privileged", &o->cfg.privileged, err)) ||
        (rc = opt_time(m, "start", 0, SIM_TIME_MAX / 2, &o->start, err)) ||
        (rc = opt_bool(m, "isolation_check", &o->isolation_check, err)) ||
        (rc = read_bindings(s, m, o, err)))
        return rc;
    o->frame_period_given = has(m, "frame_period");
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
    int rc = get_names(root, "secure_domains", names, ION_MAX_DOMAINS, &n, err);

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
        (rc = opt_u64(root, "seed", 0, UINT64_MAX, &s->seed, err)))
        return rc;
    if (ov && ov->has_seed)
        s->seed = ov->seed;
    if (has(root, "mode") && (rc = config_get_enum(root, "mode", mode_names, &mode, err)))
        return rc;
    s->mode = ov && ov->mode >= 0 ? (enum scn_mode)ov->mode : (enum scn_mode)mode;
    if ((rc = opt_time(root, "duration", 1, 1000 * SIM_S, &s->duration, err)) ||
        (rc = config_get_node(root, "soc", CONFIG_MAP, &soc, err)) ||
        (rc = read_soc(soc, &s->soc, s->seed, err)) ||
        (rc = opt_bool(root, "display_split", &s->soc.display_split, err)) ||
        (rc = get_names(root, "no_resume", s->no_resume, SCN_MAX_ATTACH, &s->nno_resume,
                        err)) ||
        (rc = config_get_node(root, "buffers", CONFIG_MAP, &bufs, err)))
        return rc;
    if ((rc = read_secure_domains(s, root, err)))
        return rc;
    for (unsigned i = 0; i < s->nno_resume; i++)
        if (!find_ctx(&s->soc, s->no_resume[i], NULL))
            return config_fail(err, config_find(root, "no_resume"), -EINVAL, "no SMMU context "
                               "named '%s' in the SoC file", s->no_resume[i]);
    if ((rc = check_twice(root, "no_resume", s->no_resume, s->nno_resume, "context", err)))
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

/*
 * --mode and --seed written into the tree as `mode:` and `seed:`, after the --set
 * overrides, so that the tree (a run's resolved configuration) holds the values the
 * run used.
 */
static int record_overrides(struct scenario *s, const struct scenario_overrides *ov,
                            struct config_err *err)
{
    const struct config_node *root = config_root(s->cfg), *seed, *mode;
    char set[64];
    int rc = 0;

    if (root->kind != CONFIG_MAP)
        return 0;               /* read_scenario says what is wrong */
    seed = config_find(root, "seed");
    mode = config_find(root, "mode");
    if (ov->has_seed && (!seed || seed->kind == CONFIG_SCALAR)) {
        snprintf(set, sizeof(set), "seed=%" PRIu64, ov->seed);
        rc = config_set(s->cfg, set, err);
    }
    if (!rc && ov->mode >= 0 && (!mode || mode->kind == CONFIG_SCALAR)) {
        snprintf(set, sizeof(set), "mode=%s", scenario_mode_name((enum scn_mode)ov->mode));
        rc = config_set(s->cfg, set, err);
    }
    return rc;
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
    if (ov && record_overrides(s, ov, err)) {
        scenario_free(s);
        return NULL;
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
    if (root->kind == CONFIG_MAP && has(root, "soc") && !has(root, "smmus"))
        root = config_find(root, "soc");
    s->name = "";
    if (read_soc(root, &s->soc, 1, err)) {
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
