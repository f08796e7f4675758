/*
 * ion.h - the MSM8960 IOMMU domains and partitions, and ion_map_iommu, on the VCM.
 *
 * The msm8960 kernel grouped the multimedia SMMU contexts into domains (one address
 * space shared by the contexts attached to it) and cut each domain's address space
 * into partitions (seeds/001; docs/hardware.md "Domains and partitions"). Here each
 * partition is one IOMMU VCM, and a domain's contexts are associated with, and
 * activated on, every partition VCM of the domain. ion_map_iommu reserves from the
 * partition and backs the reservation with a buffer (a vcm_physmem), which writes
 * the pages into the tables of every context of the domain.
 *
 * The domains, their partitions and which context attaches to which domain are data
 * (msm8960_ion_domains, msm8960_ion_attach); another SoC passes its own tables.
 */
#ifndef IOMMUSIM_VCM_ION_H
#define IOMMUSIM_VCM_ION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vcm/vcm.h"

/* Domain and partition numbers, as the msm8960 kernel numbers them. */
enum {
    VIDEO_DOMAIN = 0,
    CAMERA_DOMAIN,
    DISPLAY_READ_DOMAIN,
    DISPLAY_WRITE_DOMAIN,
    ROTATOR_SRC_DOMAIN,
    ROTATOR_DST_DOMAIN,
    MAX_DOMAINS,
};

enum {
    VIDEO_FIRMWARE_POOL = 0,
    VIDEO_MAIN_POOL,
    GEN_POOL,
    MAX_PARTITIONS,
};

/* A partition: device addresses [start, start + size); size 0: the domain has none. */
struct ion_partition_desc {
    uint64_t start, size;
};

struct ion_domain_desc {
    const char *name;
    struct ion_partition_desc part[MAX_PARTITIONS];
    bool pt_cacheable;          /* MSM_IOMMU_DOMAIN_PT_CACHEABLE: walks through the L2 */
    bool secure;                /* content protection: its contexts get ION_SECURE_VMID */
};

/*
 * The VMID a secure domain's contexts get (TrustZone reprograms it for secure
 * playback, seeds/001). Assumption: the value is not public; any VMID that no
 * non-secure bank uses keeps the TLB entries apart, and 31 is one under every profile.
 */
#define ION_SECURE_VMID 31

/* When a row of the attachment table applies: the display's split mode or not. */
enum ion_attach_mode {
    ION_ATTACH_ALWAYS = 0,
    ION_ATTACH_UNSPLIT,         /* only without display_split */
    ION_ATTACH_SPLIT,           /* only with display_split */
};

struct ion_attach {
    const char *ctx;            /* SMMU context name */
    int domain;
    enum ion_attach_mode mode;
};

/*
 * VIDEO: VIDEO_FIRMWARE_POOL [128K, 16M), VIDEO_MAIN_POOL [16M, 256M), GEN_POOL
 * [256M, 2G) (the video core reaches 256 MiB above its firmware); every other
 * domain: one GEN_POOL [128K, 2G). Partition numbers are the enum above in every
 * domain, so the others have GEN_POOL (2) only.
 */
extern const struct ion_domain_desc msm8960_ion_domains[MAX_DOMAINS];

/*
 * vcodec_a_stream, vcodec_a_mm1, vcodec_b_mm2 -> VIDEO; vpe_*, vfe_*, ijpeg_*,
 * jpegd_* -> CAMERA; rot_src, rot_dst -> ROTATOR_SRC; mdp_port0/1_cb0 ->
 * DISPLAY_READ; mdp_port0/1_cb1 -> DISPLAY_READ, or DISPLAY_WRITE in split mode.
 * The gfx contexts belong to no domain (the GPU driver manages its own tables).
 */
extern const struct ion_attach msm8960_ion_attach[];
extern const unsigned msm8960_ion_nattach;

/* Domains an ion_iommu can hold: the msm8960's six and room for a SoC file's own. */
#define ION_MAX_DOMAINS 8

struct ion_iommu_cfg {
    bool display_split;                     /* mdp cb1 contexts to DISPLAY_WRITE */
    const struct ion_domain_desc *domains;  /* NULL: msm8960's (MAX_DOMAINS of them) */
    unsigned ndomains;                      /* entries of domains, 1..ION_MAX_DOMAINS; 0: MAX_DOMAINS */
    const struct ion_attach *attach;        /* NULL: msm8960's */
    unsigned nattach;
};

struct ion_iommu;

/*
 * Creates every partition VCM, gets a context instance for every attachment that
 * applies, associates it with each partition VCM of its domain and activates it.
 * Under a driver profile with shared tables (msm-3.4) the contexts of a domain use
 * the table of its first context, as the kernel's one table per domain.
 * NULL and a message in err on a bad table, an unknown context, or a refusal of the
 * VCM layer (whose message is copied).
 */
struct ion_iommu *ion_iommu_new(struct vcm_platform *p, const struct ion_iommu_cfg *cfg,
                                char *err, size_t errlen);

/* Unmaps what is still mapped, deactivates, and frees the VCMs and devices. */
void ion_iommu_free(struct ion_iommu *ion);

/* ion_map_iommu flags: the cache policy and, optionally, a mapping policy. */
#define ION_IOMMU_CACHE_MASK        VCM_CACHE_POLICY_MASK  /* VCM_NOTCACHED .. VCM_WT */
#define ION_IOMMU_POLICY_SHIFT      4
#define ION_IOMMU_POLICY_MASK       (7u << ION_IOMMU_POLICY_SHIFT)
/* 0 in the field: the platform's policy; otherwise this one. */
#define ION_IOMMU_POLICY(pol)       ((((unsigned long)(pol)) + 1) << ION_IOMMU_POLICY_SHIFT)
/* Protection: a mapping devices may only read (a write takes a permission fault), and
 * one only privileged accesses may use (a user access takes a permission fault). */
#define ION_IOMMU_READ_ONLY         (1ul << 8)
#define ION_IOMMU_PRIV_ONLY         (1ul << 9)
/* Placement: map at the IOVA given in *iova (4 KiB aligned, inside the partition and
 * free) instead of one the allocator chooses; align must then be 0. */
#define ION_IOMMU_FIXED             (1ul << 10)

/*
 * Maps buffer into partition_num of domain_num and returns its device address in
 * *iova and its size in *buffer_size. align: 0 for the VCM's default rule, else a
 * power of two >= 4 KiB. iova_length: 0 for the buffer's size, else at least that
 * (rounded up to 4 KiB); the part past the buffer is reserved but left unmapped, so
 * a device running past the buffer faults. Mapping the same buffer into the same
 * partition again returns the same IOVA and counts a reference (the lengths must
 * agree). Reads and writes are allowed to user and privileged accesses, unless flags
 * hold ION_IOMMU_READ_ONLY (no writes) or ION_IOMMU_PRIV_ONLY (privileged only).
 * With ION_IOMMU_FIXED, *iova is also an input: the mapping is placed there (a
 * buffer already mapped there at another IOVA is -EINVAL).
 * -EINVAL for bad arguments; errors of the VCM layer are passed on.
 */
int ion_map_iommu(struct ion_iommu *ion, struct vcm_physmem *buffer, int domain_num,
                  int partition_num, unsigned long align, unsigned long iova_length,
                  uint32_t *iova, unsigned long *buffer_size, unsigned long flags);

/* Drops one reference; the last one unmaps and frees the IOVA. -EINVAL if not mapped. */
int ion_unmap_iommu(struct ion_iommu *ion, struct vcm_physmem *buffer, int domain_num,
                    int partition_num);

/* The reservation behind a mapping (for its page-size mix), or NULL. */
struct res *ion_iommu_res(const struct ion_iommu *ion, const struct vcm_physmem *buffer,
                          int domain_num, int partition_num);

/* The VCM of a partition, or NULL when the domain has no such partition. */
struct vcm *ion_domain_vcm(const struct ion_iommu *ion, int domain_num, int partition_num);

/* The devices attached to a domain, in table order. */
unsigned ion_domain_num_devs(const struct ion_iommu *ion, int domain_num);
struct vcm_dev *ion_domain_dev(const struct ion_iommu *ion, int domain_num, unsigned i);

/* The domain a context is attached to, or -ENOENT. */
int ion_ctx_domain(const struct ion_iommu *ion, const char *ctx_name);

/* The sentence describing the last failed call ("" if none). */
const char *ion_last_error(const struct ion_iommu *ion);

#endif
