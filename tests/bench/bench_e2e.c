/*
 * bench_e2e.c - full-timing transactions per second: master -> SMMU -> fabric -> DRAM.
 *
 * A closed-loop master streams 64-byte reads over a 64 MiB buffer mapped with 4 KiB
 * pages (one TLB miss per 64 accesses: mostly hits), keeping 8 requests outstanding.
 * Page walks read their descriptors through the same fabric port and DRAM. Prints the
 * simulated transactions per wall-clock second and the ratio of simulated to wall time.
 */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "models/dram.h"
#include "models/fabric.h"
#include "models/physmem.h"
#include "models/pte.h"
#include "models/smmu.h"
#include "models/smmu_regs.h"
#include "sim/core/kernel.h"
#include "tests/bench/bench_util.h"

#define L1_BASE     0x00100000u
#define L2_BASE     0x00200000u
#define VA_BASE     0x10000000u
#define PA_BASE     0x80000000u
#define BUF_BYTES   (64u << 20)
#define OUTSTANDING 8
#define BURST       64u

struct master {
    struct smmu *smmu;
    struct smmu_txn txn[OUTSTANDING];
    uint32_t next_offset;
    uint64_t done, target, errors;
};

/* 64 MiB of 4 KiB pages: 64 L1 entries, each pointing to a full L2 table. */
static void map_buffer_4k(struct physmem *pm)
{
    for (uint32_t mb = 0; mb < BUF_BYTES >> 20; mb++) {
        uint32_t l2 = L2_BASE + mb * PTE_L2_TABLE_SIZE;
        physmem_write32(pm, L1_BASE + PTE_L1_INDEX(VA_BASE + (mb << 20)) * 4,
                        l2 | PTE_L1_TYPE_TABLE);
        for (uint32_t i = 0; i < PTE_L2_ENTRIES; i++) {
            uint32_t pa = PA_BASE + (mb << 20) + (i << 12);
            physmem_write32(pm, l2 + i * 4, pa | PTE_L2_NG | PTE_L2_AP1 | PTE_L2_AP0 |
                                                PTE_L2_TYPE_SMALL);
        }
    }
}

static void setup_bank(struct smmu *s)
{
    smmu_mmio_write(s, SMMU_CTX_REG(0, SMMU_ACTLR), ACTLR_CFEIE | (3u << ACTLR_TLBMCFG_SHIFT));
    smmu_mmio_write(s, SMMU_CTX_REG(0, SMMU_TTBR0), L1_BASE);
    smmu_mmio_write(s, SMMU_CTX_REG(0, SMMU_CONTEXTIDR), 1);
    smmu_mmio_write(s, SMMU_CBACR_N(0), 1u << CBACR_CBVMID_SHIFT);
    smmu_mmio_write(s, SMMU_M2VCBR_N(0), 1u);
    smmu_mmio_write(s, SMMU_CTX_REG(0, SMMU_SCTLR), SCTLR_M | SCTLR_AFE | SCTLR_TRE);
}

static void issue(struct master *m, struct smmu_txn *t)
{
    t->mid = 0;
    t->iova = VA_BASE + m->next_offset;
    t->bytes = BURST;
    t->write = false;
    m->next_offset = (m->next_offset + BURST) % BUF_BYTES;
    smmu_submit(m->smmu, t);
}

static void txn_done(struct smmu_txn *t)
{
    struct master *m = t->owner;

    if (t->status != SMMU_DONE)
        m->errors++;
    if (++m->done + OUTSTANDING <= m->target)
        issue(m, t);
}

int main(void)
{
    struct physmem *pm = physmem_new();
    struct dram_config dc = {
        .channels = 2, .interleave_bytes = 1024, .clock_hz = 533000000,
        .width_bytes = 8, .latency = 50 * SIM_NS,
    };
    struct fabric_config fc = {
        .clock_hz = 200000000, .gateway_width_bytes = 16, .hop_cycles = 2, .nports = 1,
        .port_width_bytes = { 16 }, .port_name = { "bench" },
    };
    struct smmu_config sc = {
        .name = "bench", .nbanks = 2, .nmids = 16,
        .tlb = { .entries = 32, .ways = 32, .replacement = TLB_LRU, .seed = 1 },
        .clock_hz = 200000000, .tlb_lookup_cycles = 1, .walk_overhead_cycles = 2,
        .max_walks = 2, .hit_under_miss = true,
    };
    struct dram *dram = dram_new(&dc);
    struct mem_port dport = dram_port(dram);
    struct fabric *fab = fabric_new(&fc, &dport);
    struct mem_port fport = fabric_port(fab, 0);
    struct master m = { .target = 4000000 };

    if (!pm || !dram || !fab) {
        fprintf(stderr, "bench_e2e: model set-up failed\n");
        return 1;
    }
    map_buffer_4k(pm);
    m.smmu = smmu_new(&sc, pm, &fport, &fport);
    if (!m.smmu) {
        fprintf(stderr, "bench_e2e: SMMU set-up failed\n");
        return 1;
    }
    setup_bank(m.smmu);

    sim_reset();
    for (int i = 0; i < OUTSTANDING; i++) {
        m.txn[i].done = txn_done;
        m.txn[i].owner = &m;
        issue(&m, &m.txn[i]);
    }
    double t0 = bench_now();
    sim_run(SIM_TIME_MAX);
    double wall = bench_now() - t0;

    const struct smmu_ctx_stats *st = smmu_ctx_stats(m.smmu, 0);
    double sim_s = (double)sim_now() / (double)SIM_S;
    /* With 8 requests outstanding, entering a new page costs one walk and up to
     * eight misses (the others merge with the walk in flight). */
    printf("e2e: master->smmu->fabric->dram, 64B reads, 4K pages, %d outstanding: "
           "%.2f M transactions/s (%llu transactions, %llu walks, %llu misses of which "
           "%llu merged)\n",
           OUTSTANDING, m.done / wall / 1e6, (unsigned long long)m.done,
           (unsigned long long)st->walks, (unsigned long long)st->misses,
           (unsigned long long)st->merged_misses);
    printf("e2e: simulated %.3f ms in %.3f s wall: sim/wall = %.4f\n",
           sim_s * 1e3, wall, sim_s / wall);
    if (m.errors) {
        fprintf(stderr, "bench_e2e: %llu transactions failed\n", (unsigned long long)m.errors);
        return 1;
    }
    smmu_free(m.smmu);
    fabric_free(fab);
    dram_free(dram);
    physmem_free(pm);
    return 0;
}
