/*
 * scenario_soc.c - reads the SoC file: memory and its pools, DRAM, fabric, the shared
 * L2, the driver profile and its costs, every SMMU with its TLB and contexts, and the
 * IOMMU domains, with file:line:column errors (docs/scenarios.md, "The SoC file").
 */
#define _POSIX_C_SOURCE 200809L
#include "sim/scenario/scenario_keys.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/core/util.h"

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
        if (scn_has(r, "shares")) {
            if ((rc = config_get_node(r, "shares", CONFIG_MAP, &sh, err)) ||
                (rc = config_check_keys(sh, share_keys, err)))
                return rc;
            for (unsigned i = 0; i < PHYS_NPOOLS; i++) {
                t->share[i] = 0;
                if (scn_has(sh, share_keys[i]) &&
                    (rc = config_get_fraction(sh, share_keys[i], 0, 1, &t->share[i], err)))
                    return rc;
            }
        }
        if (scn_has(r, "fragmentation") &&
            (rc = config_get_fraction(r, "fragmentation", 0, 0.99, &t->frag, err)))
            return rc;
        if ((rc = scn_opt_u64(r, "fragmentation_seed", 0, UINT64_MAX, &t->frag_seed, err)))
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

    if (!scn_has(soc, "l2"))
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
    if ((rc = scn_opt_unsigned(n, "ways", 1, t->entries, &t->ways, err)))
        return rc;
    if (scn_has(n, "replacement") && (rc = config_get_enum(n, "replacement", repl, &r, err)))
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

    if ((rc = scn_check_name(c, "context", err)))
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

    if ((rc = scn_check_name(sm, "SMMU", err)))
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
    if ((rc = scn_opt_unsigned(sm, "irq_secure", 0, 1023, &d->irq_secure, err)) ||
        (rc = config_get_u64(sm, "banks", 1, SMMU_MAX_CTX, &v, err)))
        return rc;
    d->nbanks = (unsigned)v;
    if ((rc = config_get_freq(sm, "clock", 1000000, 10000000000ull, &c->clock_hz, err)))
        return rc;
    o->port_width = 8;
    if (scn_has(sm, "port_width")) {
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
        (rc = scn_opt_unsigned(sm, "lookup_cycles", 0, 1000, &c->tlb_lookup_cycles, err)) ||
        (rc = scn_opt_unsigned(sm, "walk_overhead_cycles", 0, 1000, &c->walk_overhead_cycles,
                           err)) ||
        (rc = scn_opt_unsigned(sm, "max_walks", 1, 64, &c->max_walks, err)) ||
        (rc = scn_opt_unsigned(sm, "tlb_op_cycles", 0, 1000000, &c->tlb_op_cycles, err)) ||
        (rc = scn_opt_bool(sm, "hit_under_miss", &c->hit_under_miss, err)) ||
        (rc = scn_opt_unsigned(sm, "bfb_lines", 0, WALKER_BFB_MAX, &c->bfb_lines, err)) ||
        (rc = scn_opt_bool(sm, "bypass", &o->bypass, err)) ||
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

const struct smmu_ctx_desc *scn_find_ctx(const struct scn_soc *soc, const char *name,
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
    int rc = scn_get_names(dom, key, names, SCN_MAX_ATTACH, &n, err);

    if (rc)
        return rc;
    for (unsigned i = 0; i < n; i++) {
        if (!scn_find_ctx(soc, names[i], NULL))
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

    if ((rc = scn_check_name(dn, "domain", err)))
        return rc;
    if (dn->kind != CONFIG_MAP)
        return config_fail(err, dn, -EINVAL, "expected a map describing domain %s", dn->key);
    if ((rc = config_check_keys(dn, keys, err)) ||
        (rc = config_get_u64(dn, "id", 0, ION_MAX_DOMAINS - 1, &id, err)) ||
        (rc = config_get_node(dn, "partitions", CONFIG_MAP, &parts, err)) ||
        (rc = config_check_keys(parts, scn_partition_names, err)))
        return rc;
    if (seen[id])
        return config_fail(err, config_find(dn, "id"), -EINVAL, "domain id %llu is used twice",
                           (unsigned long long)id);
    seen[id] = true;
    struct ion_domain_desc *d = &soc->domain[id];
    d->name = dn->key;
    if ((rc = scn_opt_bool(dn, "pt_cacheable", &d->pt_cacheable, err)))
        return rc;
    for (size_t i = 0; i < parts->count; i++) {
        const struct config_node *p = parts->items[i];
        unsigned k = 0;
        while (strcmp(scn_partition_names[k], p->key))
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
    if (!scn_has(soc, "driver"))
        return 0;
    if ((rc = config_get_node(soc, "driver", CONFIG_MAP, &n, err)) ||
        (rc = config_check_keys(n, keys, err)))
        return rc;
    if (scn_has(n, "profile")) {
        if ((rc = config_get_enum(n, "profile", profile_names, &prof, err)))
            return rc;
        d->profile = smmu_profile_find(profile_names[prof]);
    }
    if (scn_has(n, "bfb")) {
        if ((rc = config_get_bool(n, "bfb", &bfb, err)))
            return rc;
        d->bfb = bfb;
    }
    if ((rc = scn_opt_time(n, "mmio_latency", 0, SIM_MS, &d->costs.mmio_ps, err)) ||
        (rc = scn_opt_size(n, "clean_line", 4, 4096, &line, err)) ||
        (rc = scn_opt_time(n, "clean_line_time", 0, SIM_MS, &d->costs.clean_line_ps, err)) ||
        (rc = scn_opt_time(n, "clean_all_time", 0, SIM_S, &d->costs.clean_all_ps, err)))
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

int scn_read_soc(const struct config_node *soc, struct scn_soc *o, uint64_t seed,
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
            if (scn_find_ctx(o, o->smmu[i].desc.ctx[k].name, NULL) != &o->smmu[i].desc.ctx[k])
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
    return scn_opt_bool(soc, "display_split", &o->display_split, err);
}

