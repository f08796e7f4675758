/*
 * soc.c - builds the SoC of a scenario and runs it (see soc.h for the order).
 *
 * Everything here is wiring: the models, the driver and the VCM layer do the work.
 * The only behaviour of its own is the masters' sources (buffer names to IOVAs of
 * the master's domain, with bounds checks) and the schedule of driver steps.
 */
#define _POSIX_C_SOURCE 200809L
#include "sim/scenario/soc.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "models/smmu_regs.h"
#include "sim/core/kernel.h"
#include "sim/core/util.h"

/* ---- Buffers ------------------------------------------------------------------------------ */

static const char *size_str(uint64_t bytes, char *buf, size_t len)
{
    if (bytes % (1u << 20) == 0)
        snprintf(buf, len, "%lluM", (unsigned long long)(bytes >> 20));
    else if (bytes % 1024 == 0)
        snprintf(buf, len, "%lluK", (unsigned long long)(bytes >> 10));
    else
        snprintf(buf, len, "%llu bytes", (unsigned long long)bytes);
    return buf;
}

static int map_buffer(struct soc *s, struct soc_buffer *b, char *err, size_t len)
{
    const struct scn_buffer *sb = b->scn;

    for (unsigned i = 0; i < sb->ndomains; i++) {
        int d = sb->domain[i];
        unsigned long got;
        uint32_t iova = sb->iova;       /* the pin, if it has one */
        unsigned long flags = ION_IOMMU_POLICY(sb->policy) |
                              (sb->read_only ? ION_IOMMU_READ_ONLY : 0) |
                              (sb->privileged_only ? ION_IOMMU_PRIV_ONLY : 0) |
                              (sb->pinned ? ION_IOMMU_FIXED : 0);
        int rc = ion_map_iommu(s->ion, b->phys, d, sb->partition, 0, 0, &iova, &got, flags);
        const struct config_node *at = sb->pinned ? sb->iova_node : sb->node;
        if (rc)
            return err_fail(err, len, rc, "%s:%u:%u: error: buffers.%s%s: cannot map into "
                            "domain %s: %s", at->pos.file, at->pos.line, at->pos.col, sb->name,
                            sb->pinned ? ".iova" : "", s->scn->soc.domain[d].name,
                            ion_last_error(s->ion));
        b->iova[d] = iova;
        vcm_res_mix(ion_iommu_res(s->ion, b->phys, d, sb->partition), &b->mix[d]);
    }
    b->mapped = true;
    b->maps++;
    return 0;
}

static int unmap_buffer(struct soc *s, struct soc_buffer *b, char *err, size_t len)
{
    const struct scn_buffer *sb = b->scn;

    for (unsigned i = 0; i < sb->ndomains; i++) {
        int rc = ion_unmap_iommu(s->ion, b->phys, sb->domain[i], sb->partition);
        if (rc)
            return err_fail(err, len, rc, "%s: buffer %s: cannot unmap: %s", s->scn->path,
                            sb->name, ion_last_error(s->ion));
    }
    b->mapped = false;
    b->unmaps++;
    return 0;
}

static int apply_step(struct soc *s, const struct scn_step *st, char *err, size_t len)
{
    int rc;

    for (unsigned i = 0; i < st->nunmap; i++) {
        struct soc_buffer *b = &s->buffer[st->unmap[i]];
        if (!b->mapped)
            return err_fail(err, len, -EINVAL, "%s: step at %llu ps unmaps buffer %s, which "
                            "is not mapped", s->scn->path, (unsigned long long)st->at,
                            b->scn->name);
        if ((rc = unmap_buffer(s, b, err, len)))
            return rc;
    }
    for (unsigned i = 0; i < st->nmap; i++) {
        struct soc_buffer *b = &s->buffer[st->map[i]];
        if (b->mapped)
            return err_fail(err, len, -EINVAL, "%s: step at %llu ps maps buffer %s, which is "
                            "already mapped", s->scn->path, (unsigned long long)st->at,
                            b->scn->name);
        if ((rc = map_buffer(s, b, err, len)))
            return rc;
    }
    return 0;
}

/* ---- Sources ------------------------------------------------------------------------------ */

/* Traces carry 64-bit IOVAs; the SMMU v1 translates a 32-bit IOVA space. */
#define SMMU_IOVA_SPACE (1ull << 32)

static int bind_name(struct soc_source *src, const char *name)
{
    const struct scn_master *m = src->scn;
    int b = -1;

    for (unsigned i = 0; i < m->nbindings; i++)
        if (!strcmp(m->binding[i].from, name))
            b = (int)m->binding[i].buffer;
    if (b < 0)
        b = scenario_find_buffer(src->soc->scn, name);
    return b;
}

static bool buffer_in_domain(const struct scn_buffer *b, int domain)
{
    for (unsigned i = 0; i < b->ndomains; i++)
        if (b->domain[i] == domain)
            return true;
    return false;
}

static int add_index(struct soc_source *src, int buffer)
{
    int *nb = realloc(src->buf, (src->nbuf + 1) * sizeof(*nb));

    if (!nb)
        return -ENOMEM;
    src->buf = nb;
    src->buf[src->nbuf] = buffer;
    return (int)src->nbuf++;
}

/* Trace readers meet names as they go: bind each at its first use. */
static int trace_resolve(void *arg, const char *name)
{
    struct soc_source *src = arg;
    int b = bind_name(src, name);

    if (b < 0) {
        snprintf(src->msg, sizeof(src->msg), "master %s: the scenario has no buffer '%s' "
                 "(add it to buffers, or bind the name under masters.%s.buffers)",
                 src->scn->name, name, src->scn->name);
        return -1;
    }
    if (!buffer_in_domain(&src->soc->scn->buffer[b], src->scn->domain)) {
        snprintf(src->msg, sizeof(src->msg), "master %s: buffer %s is not mapped in domain "
                 "%s of context %s", src->scn->name, name,
                 src->soc->scn->soc.domain[src->scn->domain].name, src->scn->ctx);
        return -1;
    }
    return add_index(src, b);
}

static int source_error(struct soc_source *src, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int source_error(struct soc_source *src, int code, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(src->msg, sizeof(src->msg), fmt, ap);
    va_end(ap);
    src->error = code;
    return code;
}

static int source_next(void *arg, struct master_access *a)
{
    struct soc_source *src = arg;
    struct trace_rec r;
    int rc;

    if (src->error)
        return src->error;
    rc = src->gen ? tracegen_next(src->gen, &r) : trace_next(src->trace, &r);
    if (rc < 0) {
        char note[SOC_ERR_MAX];
        snprintf(note, sizeof(note), "%s", src->msg);
        return source_error(src, rc, "%s%s%s", trace_error(src->trace), note[0] ? "; " : "",
                            note);
    }
    if (rc == 0)
        return 0;
    src->records++;
    a->time = r.time;
    a->op = r.op;
    a->bytes = r.bytes;
    a->iova = 0;
    if (r.op == TRACE_OP_FRAME || r.op == TRACE_OP_LINE)
        return 1;
    if (r.buffer == TRACE_RAW) {
        if (r.addr + r.bytes > SMMU_IOVA_SPACE)
            return source_error(src, -ERANGE, "%s%s: record %llu: error: master %s: access "
                                "at IOVA 0x%llx of %u bytes passes the 32-bit IOVA space of "
                                "the SMMU v1 (it translates IOVAs below 0x100000000 only)",
                                src->gen ? "generator " : "",
                                src->gen ? tracegen_kind_name(tracegen_kind(src->gen))
                                         : src->scn->trace,
                                (unsigned long long)src->records, src->scn->name,
                                (unsigned long long)r.addr, r.bytes);
        a->iova = (uint32_t)r.addr;
        return 1;
    }
    if (r.buffer >= src->nbuf)
        return source_error(src, -EINVAL, "master %s: record %llu names buffer index %u, "
                            "which the source never defined", src->scn->name,
                            (unsigned long long)src->records, r.buffer);
    const struct soc_buffer *b = &src->soc->buffer[src->buf[r.buffer]];
    if (r.addr + r.bytes > b->scn->size)
        return source_error(src, -EINVAL, "master %s: record %llu: access at offset 0x%llx + "
                            "%u passes the end of buffer %s (%llu bytes)", src->scn->name,
                            (unsigned long long)src->records, (unsigned long long)r.addr,
                            r.bytes, b->scn->name, (unsigned long long)b->scn->size);
    a->iova = b->iova[src->scn->domain] + (uint32_t)r.addr;
    return 1;
}

/* A generator's buffers are known up front: bind them all and size the buffers. */
static int bind_generator(struct soc *s, struct soc_source *src, char *err, size_t len)
{
    const struct scn_master *m = src->scn;
    unsigned n = tracegen_num_buffers(src->gen);

    for (unsigned i = 0; i < n; i++) {
        const char *name = tracegen_buffer_name(src->gen, i);
        uint64_t need = tracegen_buffer_size(src->gen, i);
        int b = bind_name(src, name);
        char s1[32], s2[32];

        if (b < 0)
            return err_fail(err, len, -EINVAL, "%s:%u:%u: error: masters.%s: its generator "
                            "uses a buffer '%s' (%s) that the scenario does not have; add it "
                            "to buffers or bind it under masters.%s.buffers",
                            m->node->pos.file, m->node->pos.line, m->node->pos.col, m->name,
                            name, size_str(need, s1, sizeof(s1)), m->name);
        struct scn_buffer *sb = &s->scn->buffer[b];
        if (!buffer_in_domain(sb, m->domain))
            return err_fail(err, len, -EINVAL, "%s:%u:%u: error: buffers.%s: master %s "
                            "(context %s) needs it in domain %s", sb->node->pos.file,
                            sb->node->pos.line, sb->node->pos.col, sb->name, m->name, m->ctx,
                            s->scn->soc.domain[m->domain].name);
        if (config_find(sb->node, "size") && sb->size < need)
            return err_fail(err, len, -EINVAL, "%s:%u:%u: error: buffers.%s.size: %s is too "
                            "small; the generator of master %s needs %s", sb->node->pos.file,
                            sb->node->pos.line, sb->node->pos.col, sb->name,
                            size_str(sb->size, s1, sizeof(s1)), m->name,
                            size_str(need, s2, sizeof(s2)));
        if (sb->size < need)
            sb->size = (need + 4095) & ~4095ull;
        if (add_index(src, b) < 0)
            return err_fail(err, len, -ENOMEM, "out of memory");
    }
    return 0;
}

static int open_source(struct soc *s, unsigned i, char *err, size_t len)
{
    struct scn_master *m = &s->scn->master[i];
    struct soc_source *src = calloc(1, sizeof(*src));
    struct config_err cerr = { 0 };

    if (!src)
        return err_fail(err, len, -ENOMEM, "out of memory");
    s->source[i] = src;
    src->soc = s;
    src->scn = m;
    if (m->generator) {
        if (!config_find(m->generator, "seed")) {
            char set[256];
            snprintf(set, sizeof(set), "masters.%s.generator.seed=%llu", m->name,
                     (unsigned long long)(s->scn->seed + i));
            if (config_set(s->scn->cfg, set, &cerr))
                return err_fail(err, len, cerr.code, "%s", cerr.msg);
        }
        src->gen = tracegen_new(m->generator, &cerr);
        if (!src->gen)
            return err_fail(err, len, cerr.code ? cerr.code : -EINVAL, "%s", cerr.msg);
        if (!m->frame_period_given)
            m->cfg.frame_period = tracegen_frame_period(src->gen);
        return bind_generator(s, src, err, len);
    }
    struct trace_reader_opts o = {
        .format = m->format, .din_bytes = m->din_bytes,
        .resolve = trace_resolve, .resolve_arg = src,
    };
    char terr[TRACE_ERR_MAX];
    src->trace = trace_open(m->trace, &o, terr, sizeof(terr));
    if (!src->trace)
        return err_fail(err, len, -ENOENT, "%s:%u:%u: error: masters.%s.trace: %s",
                        m->node->pos.file, m->node->pos.line, m->node->pos.col, m->name, terr);
    return 0;
}

/* ---- Isolation checks ----------------------------------------------------------------------- */

#define ISOLATION_WRITE_BYTE 0xEE   /* what a checked master's writes store */

static uint8_t buffer_fill_byte(unsigned i)
{
    return (uint8_t)(0x11 + i % 0xD0);  /* never ISOLATION_WRITE_BYTE */
}

/*
 * A hash of physical memory for the isolation check: FNV-1a over each page (or part
 * of one at the range's ends) in four lanes of eight bytes, word i of each 32-byte
 * group into lane i, the tail a byte at a time into lane 0; each page's lanes are
 * then folded into h in address order. The hash is only compared before and after a
 * run, never shown: every step is a bijection of its lane for each word and every
 * fold a bijection of h for each lane, so any one changed word always changes it.
 * A page without storage reads as zero: its hash is that of a zero page, computed
 * once, so the mostly empty page-table pool (16 MiB) costs a lookup per page rather
 * than a scan; likewise a whole page with the storage of the one before it (pages
 * filled with one byte share it, physmem.h) reuses that page's hash. Four independent multiply chains rather than one keep the multiplier
 * busy; a byte per step had been three quarters of a short scenario's whole time.
 */
#define FNV_BASIS 0xcbf29ce484222325ull
#define FNV_PRIME 0x100000001b3ull

static uint64_t hash_page(const uint8_t *page, size_t n)
{
    uint64_t lane[4] = { FNV_BASIS, FNV_BASIS ^ 1, FNV_BASIS ^ 2, FNV_BASIS ^ 3 }, w, h = 0;
    size_t i = 0;

    for (; i + 4 * sizeof(w) <= n; i += 4 * sizeof(w))
        for (unsigned l = 0; l < 4; l++) {
            memcpy(&w, page + i + l * sizeof(w), sizeof(w));
            lane[l] = (lane[l] ^ w) * FNV_PRIME;
        }
    for (; i < n; i++)
        lane[0] = (lane[0] ^ page[i]) * FNV_PRIME;
    for (unsigned l = 0; l < 4; l++)
        h = (h ^ lane[l]) * FNV_PRIME;
    return h;
}

static uint64_t hash_range(const struct physmem *pm, uint32_t pa, uint64_t len, uint64_t h)
{
    static const uint8_t zero[PHYSMEM_PAGE_SIZE];
    uint64_t zero_page = 0, last_hash = 0;
    bool zero_known = false;    /* computed at the first empty whole page */
    const uint8_t *last = NULL; /* the last whole page hashed, of hash last_hash */

    while (len) {
        uint32_t off = pa & (PHYSMEM_PAGE_SIZE - 1u);
        size_t n = PHYSMEM_PAGE_SIZE - off;
        const uint8_t *page = physmem_page(pm, pa);

        if (n > len)
            n = (size_t)len;
        uint64_t hp;

        if (page && page == last && n == PHYSMEM_PAGE_SIZE)
            hp = last_hash;
        else if (page) {
            hp = hash_page(page + off, n);
            if (n == PHYSMEM_PAGE_SIZE) {
                last = page;
                last_hash = hp;
            }
        } else if (n < PHYSMEM_PAGE_SIZE)
            hp = hash_page(zero, n);
        else {
            if (!zero_known)
                zero_page = hash_page(zero, sizeof(zero));
            zero_known = true;
            hp = zero_page;
        }
        h = (h ^ hp) * FNV_PRIME;
        pa += (uint32_t)n;
        len -= n;
    }
    return h;
}

static uint64_t hash_buffer(const struct soc *s, const struct soc_buffer *b)
{
    const struct phys_alloc *a = vcm_phys_blocks(b->phys);
    uint64_t h = FNV_BASIS;

    for (uint32_t k = 0; k < a->nblocks; k++)
        h = hash_range(s->pm, a->blocks[k].pa, a->blocks[k].size, h);
    return h;
}

static bool domain_checked(const struct soc *s, int domain)
{
    for (unsigned i = 0; i < s->scn->nmasters; i++)
        if (s->scn->master[i].isolation_check && s->scn->master[i].domain == domain)
            return true;
    return false;
}

static bool victim(const struct soc *s, const struct scn_buffer *b)
{
    for (unsigned k = 0; k < b->ndomains; k++)
        if (domain_checked(s, b->domain[k]))
            return false;
    return true;
}

/* Is [pa, pa + len) inside the physical memory of a buffer of the master's domain? */
static bool pa_is_own(const struct soc_source *src, uint32_t pa, uint32_t len)
{
    const struct soc *s = src->soc;

    for (unsigned i = 0; i < s->scn->nbuffers; i++) {
        const struct soc_buffer *b = &s->buffer[i];
        if (!buffer_in_domain(b->scn, src->scn->domain))
            continue;
        const struct phys_alloc *a = vcm_phys_blocks(b->phys);
        for (uint32_t k = 0; k < a->nblocks; k++)
            if (pa >= a->blocks[k].pa &&
                (uint64_t)pa + len <= (uint64_t)a->blocks[k].pa + a->blocks[k].size)
                return true;
    }
    return false;
}

static void isolation_observe(void *arg, const struct smmu_txn *t)
{
    struct soc_source *src = arg;

    if (t->status != SMMU_DONE)
        return;
    src->checked++;
    if (!pa_is_own(src, t->pa, t->bytes)) {
        if (t->write)
            src->foreign_writes++;
        else
            src->foreign_reads++;
    }
    if (t->write)
        physmem_fill(src->soc->pm, t->pa, ISOLATION_WRITE_BYTE, t->bytes);
}

/* Fills every buffer with its pattern and takes the snapshot the end compares with. */
static void isolation_begin(struct soc *s)
{
    for (unsigned i = 0; i < s->scn->nmasters; i++)
        s->isolation |= s->scn->master[i].isolation_check;
    if (!s->isolation)
        return;
    for (unsigned i = 0; i < s->scn->nbuffers; i++) {
        const struct phys_alloc *a = vcm_phys_blocks(s->buffer[i].phys);
        for (uint32_t k = 0; k < a->nblocks; k++)
            physmem_fill(s->pm, a->blocks[k].pa, buffer_fill_byte(i), a->blocks[k].size);
    }
    for (unsigned i = 0; i < s->scn->nbuffers; i++) {
        if (!victim(s, s->buffer[i].scn))
            continue;
        s->victim_hash_before[i] = hash_buffer(s, &s->buffer[i]);
        s->victim_buffers++;
        s->victim_bytes += vcm_phys_blocks(s->buffer[i].phys)->total;
    }
    /* Driver steps rewrite page tables on purpose; without them the tables must not
     * change at all. */
    s->pt_checked = s->scn->nsteps == 0;
    if (s->pt_checked)
        s->pt_hash_before = hash_range(s->pm, (uint32_t)s->scn->soc.page_tables.cont_base,
                                       s->scn->soc.page_tables.cont_size,
                                       FNV_BASIS);
}

static void isolation_end(struct soc *s)
{
    if (!s->isolation)
        return;
    for (unsigned i = 0; i < s->scn->nbuffers; i++)
        if (victim(s, s->buffer[i].scn) &&
            hash_buffer(s, &s->buffer[i]) != s->victim_hash_before[i])
            s->victims_changed++;
    if (s->pt_checked)
        s->pt_changed = hash_range(s->pm, (uint32_t)s->scn->soc.page_tables.cont_base,
                                   s->scn->soc.page_tables.cont_size,
                                   FNV_BASIS) != s->pt_hash_before;
}

/* ---- Build -------------------------------------------------------------------------------- */

static int build_memory_system(struct soc *s, char *err, size_t len)
{
    const struct scn_soc *c = &s->scn->soc;
    struct fabric_config fc = {
        .clock_hz = c->fabric.clock_hz,
        .gateway_width_bytes = c->fabric.gateway_width,
        .hop_cycles = c->fabric.hop_cycles,
        .nports = c->nsmmus,
    };
    char msg[256];

    s->pm = physmem_new();
    s->ram = phys_target_create(&c->ram, msg, sizeof(msg));
    if (!s->pm || !s->ram)
        return err_fail(err, len, -EINVAL, "%s: memory.ram: %s", s->scn->path,
                        s->pm ? msg : "out of memory");
    s->ptmem = phys_target_create(&c->page_tables, msg, sizeof(msg));
    if (!s->ptmem)
        return err_fail(err, len, -EINVAL, "%s: memory.page_tables: %s", s->scn->path, msg);
    s->dram = dram_new(&c->dram);
    if (!s->dram)
        return err_fail(err, len, -EINVAL, "%s: dram: invalid configuration", s->scn->path);
    s->dram_port = dram_port(s->dram);
    for (unsigned i = 0; i < c->nsmmus; i++) {
        fc.port_width_bytes[i] = c->smmu[i].port_width;
        fc.port_name[i] = c->smmu[i].desc.name;
    }
    if (fabric_config_check(&fc, msg, sizeof(msg)))
        return err_fail(err, len, -EINVAL, "%s: fabric: %s", s->scn->path, msg);
    s->fabric = fabric_new(&fc, &s->dram_port);
    if (!s->fabric)
        return err_fail(err, len, -ENOMEM, "out of memory");
    if (c->has_l2 && !(s->l2 = l2cache_new(&c->l2)))
        return err_fail(err, len, -EINVAL, "%s: l2: invalid configuration", s->scn->path);
    return 0;
}

static int leave_stalled(struct vcm_dev *dev, void *data, const struct smmu_fault *fault)
{
    (void)dev;
    (void)data;
    (void)fault;
    return SMMU_FAULT_HOOK_LEAVE;
}

static int build_smmus(struct soc *s, char *err, size_t len)
{
    const struct scn_soc *c = &s->scn->soc;
    char msg[256];

    for (unsigned i = 0; i < c->nsmmus; i++) {
        s->port[i] = fabric_port(s->fabric, i);
        s->hw[i] = smmu_new(&c->smmu[i].cfg, s->pm, &s->port[i], &s->port[i]);
        if (!s->hw[i])
            return err_fail(err, len, -EINVAL, "%s: smmus.%s: cannot build the SMMU",
                            s->scn->path, c->smmu[i].desc.name);
        s->desc[i] = c->smmu[i].desc;
        walker_set_l2cache(smmu_walker(s->hw[i]), s->l2);   /* one L2 for every SMMU */
    }
    s->pt = (struct smmu_pt_allocator){ .pm = s->pm, .alloc = phys_pt_alloc,
                                        .free = phys_pt_free, .arg = s->ptmem };
    s->tree = smmu_tree_new(s->desc, c->nsmmus, s->hw, &s->pt, msg, sizeof(msg));
    if (!s->tree)
        return err_fail(err, len, -EINVAL, "%s: smmus: %s", s->scn->path, msg);
    int rc = smmu_tree_set_profile(s->tree, c->driver.profile, &c->driver.costs, c->driver.bfb);
    if (rc)
        return err_fail(err, len, rc, "%s: driver: the SMMU drivers refused profile %s (%d)",
                        s->scn->path, c->driver.profile->name, rc);
    struct vcm_platform_cfg vc = { .pm = s->pm, .tree = s->tree, .target = { s->ram } };
    s->platform = vcm_platform_new(&vc, msg, sizeof(msg));
    if (!s->platform)
        return err_fail(err, len, -EINVAL, "%s: %s", s->scn->path, msg);
    struct ion_iommu_cfg ic = {
        .display_split = c->display_split, .domains = c->domain, .ndomains = c->ndomains,
        .attach = c->attach, .nattach = c->nattach,
    };
    s->ion = ion_iommu_new(s->platform, &ic, msg, sizeof(msg));
    if (!s->ion)
        return err_fail(err, len, -EINVAL, "%s: domains: %s", s->scn->path, msg);
    /* A hung driver: these contexts' faults are never resumed. */
    for (unsigned i = 0; i < s->scn->nno_resume; i++) {
        struct vcm_dev *dev = NULL;
        for (unsigned d = 0; d < c->ndomains && !dev; d++)
            for (unsigned k = 0; k < ion_domain_num_devs(s->ion, (int)d); k++)
                if (!strcmp(vcm_dev_name(ion_domain_dev(s->ion, (int)d, k)),
                            s->scn->no_resume[i]))
                    dev = ion_domain_dev(s->ion, (int)d, k);
        if (!dev || vcm_hook(dev, leave_stalled, NULL))
            return err_fail(err, len, -EINVAL, "%s: no_resume: context %s is attached to no "
                            "domain", s->scn->path, s->scn->no_resume[i]);
    }
    /* A misconfigured SoC: the SMMU left in global bypass, every IOVA used as a PA. */
    for (unsigned i = 0; i < c->nsmmus; i++)
        if (c->smmu[i].bypass)
            smmu_mmio_write(s->hw[i], SMMU_CR, smmu_mmio_read(s->hw[i], SMMU_CR) | CR_CLIENTPD);
    return 0;
}

/*
 * Pinned buffers are mapped first, so that the allocator places the others around
 * them rather than on the addresses a captured trace needs.
 */
static int build_buffers(struct soc *s, char *err, size_t len)
{
    struct config_err cerr = { 0 };

    if (scenario_check_pins(s->scn, &cerr))         /* generators have sized the rest */
        return err_fail(err, len, cerr.code, "%s", cerr.msg);
    for (unsigned i = 0; i < s->scn->nbuffers; i++) {
        struct soc_buffer *b = &s->buffer[i];
        const struct scn_buffer *sb = &s->scn->buffer[i];
        struct phys_target_stats st;
        char s1[32];
        int rc;

        b->scn = sb;
        if (!sb->size)
            return err_fail(err, len, -EINVAL, "%s:%u:%u: error: buffers.%s: missing key "
                            "'size' (no generator names this buffer, so its size is not "
                            "known)", sb->node->pos.file, sb->node->pos.line, sb->node->pos.col,
                            sb->name);
        b->phys = vcm_phys_alloc(s->platform, VCM_MEMTYPE_0, sb->size, VCM_ALL);
        if (!b->phys) {
            uint64_t left = 0;
            phys_target_stats(s->ram, &st);
            for (unsigned k = 0; k < PHYS_NPOOLS; k++)
                left += (uint64_t)st.pool[k].free * st.pool[k].block_size;
            return err_fail(err, len, -ENOMEM, "%s:%u:%u: error: buffers.%s: cannot allocate "
                            "%s of physical memory: %s (%llu bytes left in the pools)",
                            sb->node->pos.file, sb->node->pos.line, sb->node->pos.col,
                            sb->name, size_str(sb->size, s1, sizeof(s1)),
                            vcm_last_error(s->platform), (unsigned long long)left);
        }
        if (sb->mapped_at_start && sb->pinned && (rc = map_buffer(s, b, err, len)))
            return rc;
    }
    for (unsigned i = 0; i < s->scn->nbuffers; i++) {
        int rc;

        if (s->scn->buffer[i].mapped_at_start && !s->scn->buffer[i].pinned &&
            (rc = map_buffer(s, &s->buffer[i], err, len)))
            return rc;
    }
    return 0;
}

static int build_masters(struct soc *s, char *err, size_t len)
{
    for (unsigned i = 0; i < s->scn->nmasters; i++) {
        struct scn_master *m = &s->scn->master[i];
        if (m->isolation_check) {
            m->cfg.observe = isolation_observe;
            m->cfg.observe_arg = s->source[i];
        }
        s->master[i] = master_new(&m->cfg, s->hw[m->smmu], source_next, s->source[i]);
        if (!s->master[i])
            return err_fail(err, len, -ENOMEM, "master %s: cannot build", m->name);
    }
    return 0;
}

struct soc *soc_build(struct scenario *scn, char *err, size_t errlen)
{
    struct soc *s = calloc(1, sizeof(*s));
    int rc;

    if (!s) {
        err_fail(err, errlen, -ENOMEM, "out of memory");
        return NULL;
    }
    s->scn = scn;
    sim_reset();
    rc = build_memory_system(s, err, errlen);
    if (!rc)
        rc = build_smmus(s, err, errlen);
    /* Sources first: generators fix the sizes of the buffers they use. */
    for (unsigned i = 0; !rc && i < scn->nmasters; i++)
        rc = open_source(s, i, err, errlen);
    if (!rc)
        rc = build_buffers(s, err, errlen);
    if (!rc)
        rc = build_masters(s, err, errlen);
    /* Bring-up and the initial mappings happen before the run's time 0. */
    for (unsigned i = 0; !rc && i < s->scn->soc.nsmmus; i++)
        smmu_drvdata_port_sync(smmu_tree_driver(s->tree, i));
    if (!rc)
        isolation_begin(s);
    if (rc) {
        soc_free(s);
        return NULL;
    }
    return s;
}

/* ---- Run ---------------------------------------------------------------------------------- */

/* The next driver step, told to the step observer with the driver time it cost. */
static int next_step(struct soc *s, char *err, size_t len)
{
    sim_time_t before = s->step ? soc_driver_time(s) : 0;
    int rc = apply_step(s, &s->scn->step[s->steps_done], err, len);

    if (!rc && s->step)
        s->step(s, s->observe_arg, s->steps_done, soc_driver_time(s) - before);
    if (!rc)
        s->steps_done++;
    return rc;
}

static void step_due(void *arg)
{
    struct soc *s = arg;

    if (next_step(s, s->err, sizeof(s->err)))
        sim_stop();
}

static void master_due(void *arg)
{
    master_start(arg);
}

/*
 * The run's error, with its message: the first source that failed, else a master
 * that stopped on a record it could not issue (models/master.c said why on stderr),
 * else rc. 0 when the run had none.
 */
static int run_error(struct soc *s, char *err, size_t len, int rc)
{
    for (unsigned i = 0; i < s->scn->nmasters; i++)
        if (s->source[i]->error)
            return err_fail(err, len, s->source[i]->error, "%s", s->source[i]->msg);
    for (unsigned i = 0; i < s->scn->nmasters; i++) {
        int e = master_source_error(s->master[i]);
        if (e)
            return err_fail(err, len, e, "%s: master %s stopped on a record it cannot issue "
                            "(%s)", s->scn->path, s->scn->master[i].name, strerror(-e));
    }
    if (rc)
        return err_fail(err, len, rc, "%s: the run stopped: %s", s->scn->path, strerror(-rc));
    return 0;
}

/*
 * sim_run(until), stopping before each sample boundary on the way to call the
 * sampler: the same callbacks run in the same order, only in more slices.
 */
static void run_to(struct soc *s, sim_time_t until)
{
    sim_time_t next;

    while (s->sample && s->sample_next <= until && !s->err[0]) {
        sim_run(s->sample_next - 1);
        if (s->err[0] || !sim_pending(&next))
            break;
        s->sample(s, s->observe_arg, s->sample_next);
        s->sample_next += s->sample_period;
    }
    if (!s->err[0])
        sim_run(until);
}

static int run_timing_sliced(struct soc *s, char *err, size_t len)
{
    const struct scenario *scn = s->scn;
    int rc = 0;

    /* Steps at time 0 happen before any traffic, as a driver would set up first. */
    while (s->steps_done < scn->nsteps && scn->step[s->steps_done].at == 0)
        if ((rc = next_step(s, err, len)))
            return rc;
    for (unsigned i = s->steps_done; i < scn->nsteps; i++)
        sim_schedule(scn->step[i].at, step_due, s);
    for (unsigned i = 0; i < scn->nmasters; i++) {
        if (scn->master[i].start)
            sim_schedule(scn->master[i].start, master_due, s->master[i]);
        else
            master_start(s->master[i]);
    }
    /* In slices, so that a progress line can be drawn; sim_run goes on where it
     * stopped, so the slicing changes nothing in the results. */
    sim_time_t slice = scn->duration / 200 ? scn->duration / 200 : 1, next;
    while (sim_pending(&next) && next <= scn->duration && !s->err[0]) {
        sim_time_t until = next + slice;
        run_to(s, until < scn->duration ? until : scn->duration);
        if (s->progress)
            s->progress(s, s->progress_arg);
    }
    s->callbacks = sim_callbacks_run();
    if (s->err[0])
        return err_fail(err, len, -EINVAL, "%s", s->err);
    s->complete = true;
    for (unsigned i = 0; i < scn->nmasters; i++) {
        const struct master_stats *ms = master_stats(s->master[i]);
        if (!master_done(s->master[i]))
            s->complete = false;
        if (ms->last_done > s->end)
            s->end = ms->last_done;
    }
    if (!s->complete) {
        sim_time_t next;
        s->end = sim_now();
        s->stuck = !sim_pending(&next);
    }
    /* A master that stopped on an error is done, but the run is not complete. */
    if ((rc = run_error(s, err, len, 0)))
        s->complete = false;
    return rc;
}

static int run_functional(struct soc *s, char *err, size_t len)
{
    const struct scenario *scn = s->scn;
    int rc;

    for (;;) {
        sim_time_t best_t = SIM_TIME_MAX, t;
        int best = -1;

        for (unsigned i = 0; i < scn->nmasters; i++) {
            rc = master_functional_peek(s->master[i], &t);
            if (rc < 0)
                goto out;
            if (rc == 1 && t < best_t) {
                best_t = t;
                best = (int)i;
            }
        }
        if (best < 0)
            break;
        while (s->steps_done < scn->nsteps && scn->step[s->steps_done].at <= best_t) {
            if ((rc = apply_step(s, &scn->step[s->steps_done], err, len)))
                return rc;
            s->steps_done++;
        }
        rc = master_functional_step(s->master[best]);
        if (rc < 0)
            goto out;
        if (best_t > s->end)
            s->end = best_t;
    }
    while (s->steps_done < scn->nsteps) {
        if ((rc = apply_step(s, &scn->step[s->steps_done], err, len)))
            return rc;
        s->steps_done++;
    }
    s->complete = true;
    rc = 0;
out:
    return run_error(s, err, len, rc);
}

sim_time_t soc_driver_time(const struct soc *s)
{
    sim_time_t t = 0;

    for (unsigned i = 0; i < s->scn->soc.nsmmus; i++) {
        const struct smmu_driver_stats *d = smmu_driver_stats(smmu_tree_driver(s->tree, i));
        t += d->mmio_ps + d->clean_ps;
    }
    return t;
}

/*
 * Nothing but the SoC's models runs in SystemC here, so one activation of the
 * kernel's method process may run callbacks far ahead of SystemC's time: each
 * hand-back to SystemC's scheduler costs about a thousand instructions, and at the
 * kernel's default of 1 us they were 1% of a run. Results do not depend on the
 * quantum (docs/kernel.md); the caller's is put back afterwards.
 */
#define SOC_QUANTUM     (100 * SIM_US)

static int run_timing(struct soc *s, char *err, size_t len)
{
    sim_time_t quantum = sim_quantum();
    int rc;

    sim_set_quantum(SOC_QUANTUM);
    rc = run_timing_sliced(s, err, len);
    sim_set_quantum(quantum);
    return rc;
}

int soc_run(struct soc *s, char *err, size_t len)
{
    if (!s || s->ran)
        return err_fail(err, len, -EINVAL, "soc_run: %s", s ? "the scenario has already run"
                                                            : "no SoC");
    s->ran = true;
    s->driver_setup_ps = soc_driver_time(s);
    int rc = s->scn->mode == SCN_FUNCTIONAL ? run_functional(s, err, len)
                                            : run_timing(s, err, len);
    isolation_end(s);
    s->failed = rc != 0;
    return rc;
}

void soc_free(struct soc *s)
{
    if (!s)
        return;
    /* Work still in flight (a run cut by its duration) dies with the kernel's. */
    sim_reset();
    /*
     * The driver goes first: deactivating a context resumes (terminates) what is
     * still stalled in its bank, and those transactions belong to the masters, which
     * must still exist then. Whatever the terminations schedule is discarded.
     */
    ion_iommu_free(s->ion);
    vcm_platform_free(s->platform);
    smmu_tree_free(s->tree);
    sim_reset();
    for (unsigned i = 0; i < SCN_MAX_MASTERS; i++) {
        struct soc_source *src = s->source[i];
        master_free(s->master[i]);
        if (src) {
            tracegen_free(src->gen);
            trace_close(src->trace);
            free(src->buf);
            free(src);
        }
    }
    for (unsigned i = 0; i < SCN_MAX_SMMUS; i++)
        smmu_free(s->hw[i]);
    fabric_free(s->fabric);
    l2cache_free(s->l2);
    dram_free(s->dram);
    phys_target_destroy(s->ptmem);
    phys_target_destroy(s->ram);
    physmem_free(s->pm);
    sim_reset();
    free(s);
}
