/*
 * ion.c - MSM8960 IOMMU domains and partitions over the VCM (see ion.h).
 *
 * The tables below are the msm8960 kernel's iommu_domains data (docs/hardware.md [E],
 * [D], [F]); the code only walks them: a VCM per partition, a context instance per
 * attached context, one association per (context, partition).
 */
#include "vcm/ion.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sim/core/util.h"

#define SZ_128K         0x00020000ull
#define SZ_16M_ULL      0x01000000ull
#define SZ_256M         0x10000000ull
#define SZ_2G           0x80000000ull
#define ION_ERR_LEN     256u
#define ION_PAGE        4096ull

#define PART(lo, hi)    { .start = (lo), .size = (hi) - (lo) }

const struct ion_domain_desc msm8960_ion_domains[MAX_DOMAINS] = {
    [VIDEO_DOMAIN] = { .name = "video", .part = {
        [VIDEO_FIRMWARE_POOL] = PART(SZ_128K, SZ_16M_ULL),
        [VIDEO_MAIN_POOL] = PART(SZ_16M_ULL, SZ_256M),
        [GEN_POOL] = PART(SZ_256M, SZ_2G),
    } },
    [CAMERA_DOMAIN] = { .name = "camera", .part = { [GEN_POOL] = PART(SZ_128K, SZ_2G) } },
    [DISPLAY_READ_DOMAIN] = { .name = "display_read", .part = { [GEN_POOL] = PART(SZ_128K, SZ_2G) } },
    [DISPLAY_WRITE_DOMAIN] = { .name = "display_write", .part = { [GEN_POOL] = PART(SZ_128K, SZ_2G) } },
    [ROTATOR_SRC_DOMAIN] = { .name = "rotator_src", .part = { [GEN_POOL] = PART(SZ_128K, SZ_2G) } },
    [ROTATOR_DST_DOMAIN] = { .name = "rotator_dst", .part = { [GEN_POOL] = PART(SZ_128K, SZ_2G) } },
};

const struct ion_attach msm8960_ion_attach[] = {
    { "vcodec_a_stream", VIDEO_DOMAIN, ION_ATTACH_ALWAYS },
    { "vcodec_a_mm1", VIDEO_DOMAIN, ION_ATTACH_ALWAYS },
    { "vcodec_b_mm2", VIDEO_DOMAIN, ION_ATTACH_ALWAYS },
    { "vpe_src", CAMERA_DOMAIN, ION_ATTACH_ALWAYS },
    { "vpe_dst", CAMERA_DOMAIN, ION_ATTACH_ALWAYS },
    { "vfe_imgwr", CAMERA_DOMAIN, ION_ATTACH_ALWAYS },
    { "vfe_misc", CAMERA_DOMAIN, ION_ATTACH_ALWAYS },
    { "ijpeg_src", CAMERA_DOMAIN, ION_ATTACH_ALWAYS },
    { "ijpeg_dst", CAMERA_DOMAIN, ION_ATTACH_ALWAYS },
    { "jpegd_src", CAMERA_DOMAIN, ION_ATTACH_ALWAYS },
    { "jpegd_dst", CAMERA_DOMAIN, ION_ATTACH_ALWAYS },
    { "rot_src", ROTATOR_SRC_DOMAIN, ION_ATTACH_ALWAYS },
    { "rot_dst", ROTATOR_SRC_DOMAIN, ION_ATTACH_ALWAYS },
    { "mdp_port0_cb0", DISPLAY_READ_DOMAIN, ION_ATTACH_ALWAYS },
    { "mdp_port1_cb0", DISPLAY_READ_DOMAIN, ION_ATTACH_ALWAYS },
    { "mdp_port0_cb1", DISPLAY_READ_DOMAIN, ION_ATTACH_UNSPLIT },
    { "mdp_port1_cb1", DISPLAY_READ_DOMAIN, ION_ATTACH_UNSPLIT },
    { "mdp_port0_cb1", DISPLAY_WRITE_DOMAIN, ION_ATTACH_SPLIT },
    { "mdp_port1_cb1", DISPLAY_WRITE_DOMAIN, ION_ATTACH_SPLIT },
};

const unsigned msm8960_ion_nattach = sizeof(msm8960_ion_attach) / sizeof(msm8960_ion_attach[0]);

struct ion_dom {
    struct vcm *vcm[MAX_PARTITIONS];
    struct vcm_dev **dev;
    struct avcm **avcm;                 /* ndev x MAX_PARTITIONS, NULL where none */
    unsigned ndev;
};

struct ion_mapping {
    struct vcm_physmem *buf;
    int domain, partition;
    struct res *res;
    uint64_t iova_len;
    unsigned refs;
    struct ion_mapping *next;
};

struct ion_iommu {
    struct vcm_platform *p;
    unsigned ndomains;
    struct ion_domain_desc domains[ION_MAX_DOMAINS];
    struct ion_dom dom[ION_MAX_DOMAINS];
    struct ion_mapping *maps;
    char err[ION_ERR_LEN];
};

static bool attach_applies(const struct ion_attach *a, bool split)
{
    return a->mode == ION_ATTACH_ALWAYS || (a->mode == ION_ATTACH_SPLIT) == split;
}

/* ---- Creation ---------------------------------------------------------------------------- */

static int check_tables(const struct ion_domain_desc *d, int nd, const struct ion_attach *at,
                        unsigned n, bool split, char *err, size_t errlen)
{
    if (nd < 1 || nd > ION_MAX_DOMAINS)
        return err_fail(err, errlen, -EINVAL, "ion_iommu_new: ndomains %d is out of range "
                        "(1..%d)", nd, ION_MAX_DOMAINS);
    for (int i = 0; i < nd; i++) {
        for (int k = 0; k < MAX_PARTITIONS; k++) {
            const struct ion_partition_desc *pd = &d[i].part[k];
            if (pd->size && (pd->start + pd->size > (1ull << 32) ||
                             pd->start % ION_PAGE || pd->size % ION_PAGE))
                return err_fail(err, errlen, -EINVAL, "ion_iommu_new: domain %d partition %d "
                                "[0x%llx, + 0x%llx) must be 4 KiB aligned and end at or "
                                "below 2^32", i, k, (unsigned long long)pd->start,
                                (unsigned long long)pd->size);
        }
    }
    for (unsigned i = 0; i < n; i++) {
        if (!at[i].ctx || at[i].domain < 0 || at[i].domain >= nd)
            return err_fail(err, errlen, -EINVAL, "ion_iommu_new: attachment %u needs a "
                            "context name and a domain in 0..%d", i, nd - 1);
        if ((unsigned)at[i].mode > ION_ATTACH_SPLIT)
            return err_fail(err, errlen, -EINVAL, "ion_iommu_new: attachment %u (%s) has mode "
                            "%d; valid: always, unsplit, split", i, at[i].ctx, (int)at[i].mode);
        if (!attach_applies(&at[i], split))
            continue;
        for (unsigned j = 0; j < i; j++)
            if (attach_applies(&at[j], split) && !strcmp(at[i].ctx, at[j].ctx))
                return err_fail(err, errlen, -EINVAL, "ion_iommu_new: context %s is attached "
                                "to two domains (%d and %d)", at[i].ctx, at[j].domain,
                                at[i].domain);
    }
    return 0;
}

/*
 * The page table a context of domain d uses: the domain's one table when the driver
 * profile shares tables (msm_iommu_domain_init allocates one per domain), else its
 * own; cacheable when the domain says so; the secure VMID for a secure domain.
 */
static int domain_table(struct ion_iommu *ion, int d, struct vcm_dev *dev)
{
    struct ion_dom *dom = &ion->dom[d];
    struct smmu_dev *sd = vcm_dev_smmu(dev);
    int ret = 0;

    if (!sd)
        return 0;
    const struct smmu_profile *prof = smmu_driver_profile(smmu_dev_driver(sd));
    if (prof && prof->shared_tables && dom->ndev > 0)
        ret = smmu_ctx_share_table(sd, vcm_dev_smmu(dom->dev[0]));
    if (!ret && ion->domains[d].pt_cacheable)
        ret = smmu_ctx_set_pt_cacheable(sd, true);
    if (!ret && ion->domains[d].secure)
        ret = smmu_ctx_set_vmid(sd, ION_SECURE_VMID);
    return ret;
}

static int attach_ctx(struct ion_iommu *ion, int d, const char *ctx, char *err, size_t errlen)
{
    struct ion_dom *dom = &ion->dom[d];
    unsigned i = dom->ndev;
    struct vcm_dev *dev = vcm_dev_get(ion->p, ctx);

    if (!dev)
        return err_fail(err, errlen, -ENODEV, "ion_iommu_new: %s", vcm_last_error(ion->p));
    int ret = domain_table(ion, d, dev);
    if (ret)
        return err_fail(err, errlen, ret, "ion_iommu_new: attaching %s to domain %s: its page "
                        "table cannot be set up (%d)", ctx, ion->domains[d].name, ret);
    dom->dev[i] = dev;
    dom->ndev++;
    for (int k = 0; k < MAX_PARTITIONS; k++) {
        if (!dom->vcm[k])
            continue;
        struct avcm *a = vcm_assoc(dom->vcm[k], dev, 0);
        if (!a || vcm_activate(a))
            return err_fail(err, errlen, -EINVAL, "ion_iommu_new: attaching %s to domain %s: "
                            "%s", ctx, ion->domains[d].name, vcm_last_error(ion->p));
        dom->avcm[i * MAX_PARTITIONS + (unsigned)k] = a;
    }
    return 0;
}

struct ion_iommu *ion_iommu_new(struct vcm_platform *p, const struct ion_iommu_cfg *cfg,
                                char *err, size_t errlen)
{
    static const struct ion_iommu_cfg none;

    if (!cfg)
        cfg = &none;
    const struct ion_domain_desc *domains = cfg->domains ? cfg->domains : msm8960_ion_domains;
    const struct ion_attach *at = cfg->attach ? cfg->attach : msm8960_ion_attach;
    unsigned nat = cfg->attach ? cfg->nattach : msm8960_ion_nattach;
    int nd = cfg->domains && cfg->ndomains ? (int)cfg->ndomains : MAX_DOMAINS;

    if (!p || !vcm_platform_physmem(p)) {
        err_fail(err, errlen, -EINVAL, "ion_iommu_new: p is not a live VCM platform");
        return NULL;
    }
    if (check_tables(domains, nd, at, nat, cfg->display_split, err, errlen))
        return NULL;

    struct ion_iommu *ion = calloc(1, sizeof(*ion));
    if (!ion) {
        err_fail(err, errlen, -ENOMEM, "ion_iommu_new: out of memory");
        return NULL;
    }
    ion->p = p;
    ion->ndomains = (unsigned)nd;
    memcpy(ion->domains, domains, (size_t)nd * sizeof(*domains));
    for (int d = 0; d < nd; d++) {
        struct ion_dom *dom = &ion->dom[d];
        dom->dev = calloc(nat ? nat : 1, sizeof(*dom->dev));
        dom->avcm = calloc((nat ? nat : 1) * MAX_PARTITIONS, sizeof(*dom->avcm));
        if (!dom->dev || !dom->avcm) {
            err_fail(err, errlen, -ENOMEM, "ion_iommu_new: out of memory");
            goto fail;
        }
        for (int k = 0; k < MAX_PARTITIONS; k++) {
            const struct ion_partition_desc *pd = &domains[d].part[k];
            if (!pd->size)
                continue;
            dom->vcm[k] = vcm_create(p, pd->start, pd->size);
            if (!dom->vcm[k]) {
                err_fail(err, errlen, -EINVAL, "ion_iommu_new: domain %s partition %d: %s",
                         domains[d].name, k, vcm_last_error(p));
                goto fail;
            }
        }
    }
    for (unsigned i = 0; i < nat; i++)
        if (attach_applies(&at[i], cfg->display_split) &&
            attach_ctx(ion, at[i].domain, at[i].ctx, err, errlen))
            goto fail;
    return ion;
fail:
    ion_iommu_free(ion);
    return NULL;
}

void ion_iommu_free(struct ion_iommu *ion)
{
    if (!ion)
        return;
    while (ion->maps) {
        struct ion_mapping *m = ion->maps;
        ion->maps = m->next;
        vcm_unback(m->res);
        vcm_unreserve(m->res);
        free(m);
    }
    for (int d = 0; d < (int)ion->ndomains; d++) {
        struct ion_dom *dom = &ion->dom[d];
        for (unsigned i = 0; i < dom->ndev; i++) {
            for (unsigned k = 0; k < MAX_PARTITIONS; k++) {
                struct avcm *a = dom->avcm[i * MAX_PARTITIONS + k];
                if (!a)
                    continue;
                vcm_deactivate(a);      /* -EINVAL (harmless) if it never got active */
                vcm_deassoc(a);
            }
            vcm_dev_put(dom->dev[i]);
        }
        for (int k = 0; k < MAX_PARTITIONS; k++)
            if (dom->vcm[k])
                vcm_free(dom->vcm[k]);
        free(dom->dev);
        free(dom->avcm);
    }
    free(ion);
}

/* ---- Mapping ---------------------------------------------------------------------------- */

static struct ion_mapping *find_mapping(const struct ion_iommu *ion,
                                        const struct vcm_physmem *buf, int d, int k)
{
    for (struct ion_mapping *m = ion->maps; m; m = m->next)
        if (m->buf == buf && m->domain == d && m->partition == k)
            return m;
    return NULL;
}

static int check_place(struct ion_iommu *ion, int d, int k, const char *fn)
{
    if (d < 0 || d >= (int)ion->ndomains)
        return err_fail(ion->err, sizeof(ion->err), -EINVAL, "%s: domain_num %d is out of "
                        "range (0..%u)", fn, d, ion->ndomains - 1);
    if (k < 0 || k >= MAX_PARTITIONS || !ion->dom[d].vcm[k])
        return err_fail(ion->err, sizeof(ion->err), -EINVAL, "%s: domain %s has no partition "
                        "%d", fn, ion->domains[d].name, k);
    return 0;
}

/* log2 of a power of two >= 4 KiB, or -1. */
static int align_order(unsigned long align)
{
    if (align < ION_PAGE || (align & (align - 1)) || align > (1ul << 31))
        return -1;
    int order = 0;
    while ((1ul << order) != align)
        order++;
    return order;
}

int ion_map_iommu(struct ion_iommu *ion, struct vcm_physmem *buffer, int domain_num,
                  int partition_num, unsigned long align, unsigned long iova_length,
                  uint32_t *iova, unsigned long *buffer_size, unsigned long flags)
{
    static const char fn[] = "ion_map_iommu";

    if (!ion || !iova || !buffer_size)
        return -EINVAL;
    int ret = check_place(ion, domain_num, partition_num, fn);
    if (ret)
        return ret;
    size_t size = vcm_phys_len(buffer);
    if (!size)
        return err_fail(ion->err, sizeof(ion->err), -EINVAL, "%s: buffer is not a live "
                        "physical allocation", fn);
    int order = 0;
    if (align && (order = align_order(align)) < 0)
        return err_fail(ion->err, sizeof(ion->err), -EINVAL, "%s: align 0x%lx must be 0 or a "
                        "power of two from 4 KiB to 2 GiB", fn, align);
    uint64_t len = iova_length ? (iova_length + ION_PAGE - 1) & ~(ION_PAGE - 1) : size;
    if (len < size)
        return err_fail(ion->err, sizeof(ion->err), -EINVAL, "%s: iova_length 0x%lx is "
                        "shorter than the buffer (0x%zx bytes)", fn, iova_length, size);
    bool fixed = flags & ION_IOMMU_FIXED;
    if (fixed && align)
        return err_fail(ion->err, sizeof(ion->err), -EINVAL, "%s: align 0x%lx with "
                        "ION_IOMMU_FIXED: a fixed IOVA has no alignment to choose", fn, align);
    if (flags & ~(unsigned long)(ION_IOMMU_CACHE_MASK | ION_IOMMU_POLICY_MASK |
                                 ION_IOMMU_READ_ONLY | ION_IOMMU_PRIV_ONLY | ION_IOMMU_FIXED) ||
        (flags & ION_IOMMU_CACHE_MASK) > VCM_WT ||
        ((flags & ION_IOMMU_POLICY_MASK) >> ION_IOMMU_POLICY_SHIFT) > VCM_MAP_NPOLICIES)
        return err_fail(ion->err, sizeof(ion->err), -EINVAL, "%s: flags 0x%lx: valid are a "
                        "cache policy 0..3, ION_IOMMU_POLICY(best..16m), ION_IOMMU_READ_ONLY, "
                        "ION_IOMMU_PRIV_ONLY and ION_IOMMU_FIXED", fn, flags);

    struct ion_mapping *m = find_mapping(ion, buffer, domain_num, partition_num);
    if (m) {
        if (m->iova_len != len)
            return err_fail(ion->err, sizeof(ion->err), -EINVAL, "%s: the buffer is already "
                            "mapped there with iova_length 0x%llx, not 0x%llx", fn,
                            (unsigned long long)m->iova_len, (unsigned long long)len);
        if (fixed && vcm_get_dev_addr(m->res) != *iova)
            return err_fail(ion->err, sizeof(ion->err), -EINVAL, "%s: the buffer is already "
                            "mapped there at 0x%x, not at 0x%x", fn, vcm_get_dev_addr(m->res),
                            *iova);
        m->refs++;
        *iova = vcm_get_dev_addr(m->res);
        *buffer_size = size;
        return 0;
    }

    m = calloc(1, sizeof(*m));
    if (!m)
        return err_fail(ion->err, sizeof(ion->err), -ENOMEM, "%s: out of memory", fn);
    uint32_t attr = VCM_READ | (flags & ION_IOMMU_READ_ONLY ? 0 : VCM_WRITE) |
                    (flags & ION_IOMMU_PRIV_ONLY ? 0 : VCM_USER) | VCM_SUPERVISOR |
                    (uint32_t)(flags & ION_IOMMU_CACHE_MASK) | VCM_ALIGN_ATTR(order);
    struct vcm *vcm = ion->dom[domain_num].vcm[partition_num];
    if (len > vcm_get_len(vcm)) {
        free(m);
        return err_fail(ion->err, sizeof(ion->err), -EINVAL, "%s: 0x%llx bytes do not fit in "
                        "domain %s partition %d (0x%llx bytes)", fn, (unsigned long long)len,
                        ion->domains[domain_num].name, partition_num,
                        (unsigned long long)vcm_get_len(vcm));
    }
    struct res *res = fixed ? vcm_reserve_at(vcm, *iova, len, attr)
                            : vcm_reserve(vcm, len, attr);
    if (!res) {
        free(m);
        return err_fail(ion->err, sizeof(ion->err), fixed ? -EBUSY : -ENOMEM, "%s: %s", fn,
                        vcm_last_error(ion->p));
    }
    unsigned pol = (unsigned)((flags & ION_IOMMU_POLICY_MASK) >> ION_IOMMU_POLICY_SHIFT);
    if (pol)
        vcm_res_set_policy(res, (enum vcm_map_policy)(pol - 1));
    ret = len == size ? vcm_back(res, buffer) : vcm_back_prefix(res, buffer);
    if (ret) {
        err_fail(ion->err, sizeof(ion->err), ret, "%s: %s", fn, vcm_last_error(ion->p));
        vcm_unreserve(res);
        free(m);
        return ret;
    }
    m->buf = buffer;
    m->domain = domain_num;
    m->partition = partition_num;
    m->res = res;
    m->iova_len = len;
    m->refs = 1;
    m->next = ion->maps;
    ion->maps = m;
    *iova = vcm_get_dev_addr(res);
    *buffer_size = size;
    return 0;
}

int ion_unmap_iommu(struct ion_iommu *ion, struct vcm_physmem *buffer, int domain_num,
                    int partition_num)
{
    static const char fn[] = "ion_unmap_iommu";

    if (!ion)
        return -EINVAL;
    int ret = check_place(ion, domain_num, partition_num, fn);
    if (ret)
        return ret;
    struct ion_mapping **pp = &ion->maps;
    while (*pp && !((*pp)->buf == buffer && (*pp)->domain == domain_num &&
                    (*pp)->partition == partition_num))
        pp = &(*pp)->next;
    struct ion_mapping *m = *pp;
    if (!m)
        return err_fail(ion->err, sizeof(ion->err), -EINVAL, "%s: the buffer is not mapped in "
                        "domain %s partition %d", fn, ion->domains[domain_num].name,
                        partition_num);
    if (--m->refs)
        return 0;
    vcm_unback(m->res);
    vcm_unreserve(m->res);
    *pp = m->next;
    free(m);
    return 0;
}

/* ---- Queries ------------------------------------------------------------------------------- */

struct res *ion_iommu_res(const struct ion_iommu *ion, const struct vcm_physmem *buffer,
                          int domain_num, int partition_num)
{
    const struct ion_mapping *m = ion ? find_mapping(ion, buffer, domain_num, partition_num)
                                      : NULL;
    return m ? m->res : NULL;
}

struct vcm *ion_domain_vcm(const struct ion_iommu *ion, int domain_num, int partition_num)
{
    if (!ion || domain_num < 0 || domain_num >= (int)ion->ndomains || partition_num < 0 ||
        partition_num >= MAX_PARTITIONS)
        return NULL;
    return ion->dom[domain_num].vcm[partition_num];
}

unsigned ion_domain_num_devs(const struct ion_iommu *ion, int domain_num)
{
    if (!ion || domain_num < 0 || domain_num >= (int)ion->ndomains)
        return 0;
    return ion->dom[domain_num].ndev;
}

struct vcm_dev *ion_domain_dev(const struct ion_iommu *ion, int domain_num, unsigned i)
{
    if (i >= ion_domain_num_devs(ion, domain_num))
        return NULL;
    return ion->dom[domain_num].dev[i];
}

int ion_ctx_domain(const struct ion_iommu *ion, const char *ctx_name)
{
    if (!ion || !ctx_name)
        return -EINVAL;
    for (int d = 0; d < (int)ion->ndomains; d++)
        for (unsigned i = 0; i < ion->dom[d].ndev; i++)
            if (!strcmp(vcm_dev_name(ion->dom[d].dev[i]), ctx_name))
                return d;
    return -ENOENT;
}

const char *ion_last_error(const struct ion_iommu *ion)
{
    return ion ? ion->err : "";
}
