/*
 * smmu_regs.h - the Qualcomm SMMU v1 (MSM8960 "msm_iommu") register map.
 *
 * Offsets are from the SMMU's base. Context bank n's registers are in the 4 KiB page
 * at (n << SMMU_CTX_SHIFT); the global registers are at the top of the 1 MiB window.
 * Names and fields follow Linux's drivers/iommu/msm_iommu_hw-8xxx.h (HARDWARE.md [G]).
 * Two places where that header's shifts collide are resolved as the ARM
 * architecture does (TTBCR) or by an assumption (TLBLCKR); docs/registers.md says so.
 *
 * Both the SMMU model (which implements these registers) and the driver in vcm/
 * (which programs them through MMIO accesses) use this header.
 */
#ifndef IOMMUSIM_MODELS_SMMU_REGS_H
#define IOMMUSIM_MODELS_SMMU_REGS_H

#define SMMU_WINDOW_SIZE        0x100000u
#define SMMU_CTX_SHIFT          12
#define SMMU_CTX_REG(n, reg)    ((((unsigned)(n)) << SMMU_CTX_SHIFT) + (reg))

/* ---- Global registers ---------------------------------------------------------- */
#define SMMU_M2VCBR_N(mid)      (0xFF000u + 4u * (unsigned)(mid))
#define SMMU_CBACR_N(ctx)       (0xFF800u + 4u * (unsigned)(ctx))
#define SMMU_TLBRSW             0xFFE00u
#define SMMU_TLBTR0             0xFFE80u
#define SMMU_TLBTR1             0xFFE84u
#define SMMU_TLBTR2             0xFFE88u
#define SMMU_GLOBAL_TLBIALL     0xFFF00u
#define SMMU_TLBIVMID           0xFFF04u
#define SMMU_CR                 0xFFF80u
#define SMMU_EAR                0xFFF84u
#define SMMU_ESR                0xFFF88u
#define SMMU_ESRRESTORE         0xFFF8Cu
#define SMMU_ESYNR0             0xFFF90u
#define SMMU_ESYNR1             0xFFF94u
#define SMMU_REV                0xFFFF4u
#define SMMU_IDR                0xFFFF8u
#define SMMU_RPU_ACR            0xFFFFCu

#define SMMU_MAX_MIDS           128u    /* M2VCBR_N entries: 0xFF000..0xFF1FF */
#define SMMU_MAX_CTX            8u      /* CBACR_N entries the model implements */

/* M2VCBR_N */
#define M2VCBR_VMID_SHIFT       0
#define M2VCBR_VMID_MASK        0x1Fu
#define M2VCBR_CBNDX_SHIFT      8
#define M2VCBR_CBNDX_MASK       0xFFu
#define M2VCBR_CBNDX_NONE       0xFFu       /* model: no bank, the MID is unrouted */
#define M2VCBR_UNROUTED         (M2VCBR_CBNDX_NONE << M2VCBR_CBNDX_SHIFT)   /* reset value */
#define M2VCBR_BYPASSD          (1u << 16)
#define M2VCBR_NSCFG_SHIFT      22
#define M2VCBR_NSCFG_MASK       0x3u

/* CBACR_N */
#define CBACR_RWVMID_SHIFT      0
#define CBACR_RWVMID_MASK       0x1Fu
#define CBACR_RWE               (1u << 8)
#define CBACR_RWGE              (1u << 9)
#define CBACR_CBVMID_SHIFT      16
#define CBACR_CBVMID_MASK       0x1Fu
#define CBACR_IRPTNDX_SHIFT     24
#define CBACR_IRPTNDX_MASK      0xFFu

/* CR */
#define CR_RPUE                 (1u << 0)
#define CR_RPUERE               (1u << 1)
#define CR_RPUEIE               (1u << 2)
#define CR_DCDEE                (1u << 3)
#define CR_CLIENTPD             (1u << 4)   /* global bypass: no translation at all */
#define CR_STALLD               (1u << 5)   /* stall disable: faults never stall */
#define CR_TLBLKCRWE            (1u << 6)   /* TLBLCKR writes enabled */
#define CR_TLBIALLCFG           (1u << 7)
#define CR_TLBIVMIDCFG          (1u << 8)
#define CR_HUME                 (1u << 9)

/* ESR (global faults) */
#define ESR_CFG                 (1u << 0)   /* configuration fault: unrouted MID */
#define ESR_BYPASS              (1u << 1)
#define ESR_MULTI               (1u << 31)

/* ESYNR0 / ESYNR1 */
#define ESYNR0_AMID_SHIFT       0
#define ESYNR0_AMID_MASK        0xFFu
#define ESYNR0_AVMID_SHIFT      16
#define ESYNR0_AVMID_MASK       0x1Fu
#define ESYNR1_APRIV            (1u << 5)
#define ESYNR1_AINST            (1u << 7)
#define ESYNR1_AWRITE           (1u << 8)

/* IDR */
#define IDR_NM2VCBMT_SHIFT      0
#define IDR_NM2VCBMT_MASK       0x1FFu
#define IDR_HTW                 (1u << 9)
#define IDR_HUM                 (1u << 10)
#define IDR_TLBSIZE_SHIFT       12
#define IDR_TLBSIZE_MASK        0xFu
#define IDR_NCB_SHIFT           16
#define IDR_NCB_MASK            0xFFu
#define IDR_NIRPT_SHIFT         24
#define IDR_NIRPT_MASK          0xFFu

/* TLBRSW / TLBTR0..2 (TLB entry read-back) */
#define TLBRSW_INDEX_MASK       0xFFu
#define TLBTR0_PR               (1u << 0)
#define TLBTR0_PW               (1u << 1)
#define TLBTR0_UR               (1u << 2)
#define TLBTR0_UW               (1u << 3)
#define TLBTR0_XN               (1u << 4)
#define TLBTR0_NSDESC           (1u << 6)
#define TLBTR0_DPSIZR_SHIFT     16          /* page size: 0 4K, 1 64K, 2 1M, 3 16M (model) */
#define TLBTR1_VMID_MASK        0x1Fu
#define TLBTR1_PA_SHIFT         12
#define TLBTR2_ASID_MASK        0xFFu
#define TLBTR2_V                (1u << 8)
#define TLBTR2_NV               (1u << 10)  /* non-global */
#define TLBTR2_VA_SHIFT         12

/* TLBIVMID */
#define TLBIVMID_VMID_MASK      0x1Fu

/* ---- Context bank registers (offsets inside the bank's page) --------------------- */
#define SMMU_SCTLR              0x000u
#define SMMU_ACTLR              0x004u
#define SMMU_CONTEXTIDR         0x008u
#define SMMU_TTBR0              0x010u
#define SMMU_TTBR1              0x014u
#define SMMU_TTBCR              0x018u
#define SMMU_PAR                0x01Cu
#define SMMU_FSR                0x020u
#define SMMU_FSRRESTORE         0x024u
#define SMMU_FAR                0x028u
#define SMMU_FSYNR0             0x02Cu
#define SMMU_FSYNR1             0x030u
#define SMMU_PRRR               0x034u
#define SMMU_NMRR               0x038u
#define SMMU_TLBLCKR            0x03Cu
#define SMMU_V2PSR              0x040u
#define SMMU_TLBFLPTER          0x044u
#define SMMU_TLBSLPTER          0x048u
#define SMMU_BFBCR              0x04Cu
#define SMMU_CTX_TLBIALL        0x800u
#define SMMU_TLBIASID           0x804u
#define SMMU_TLBIVA             0x808u
#define SMMU_TLBIVAA            0x80Cu
#define SMMU_V2PPR              0x810u
#define SMMU_V2PPW              0x814u
#define SMMU_V2PUR              0x818u
#define SMMU_V2PUW              0x81Cu
#define SMMU_RESUME             0x820u

/* SCTLR */
#define SCTLR_M                 (1u << 0)   /* translation enable; clear = bypass */
#define SCTLR_TRE               (1u << 1)
#define SCTLR_AFE               (1u << 2)
#define SCTLR_HAF               (1u << 3)
#define SCTLR_BE                (1u << 4)
#define SCTLR_AFFD              (1u << 5)

/* ACTLR */
#define ACTLR_CFERE             (1u << 0)   /* context fault: error response */
#define ACTLR_CFEIE             (1u << 1)   /* context fault: interrupt enable */
#define ACTLR_RCOSH             (1u << 4)   /* cacheable outer-shareable walks to the L2 */
#define ACTLR_RCISH             (1u << 5)   /* cacheable inner-shareable walks to the L2 */
#define ACTLR_RCNSH             (1u << 6)   /* cacheable non-shareable walks to the L2 */
#define ACTLR_TLBMCFG_SHIFT     12
#define ACTLR_TLBMCFG_MASK      0x3u
#define ACTLR_TLBMCFG_HTW       0x3u        /* hardware table walk on a miss; else TLBMF */
#define ACTLR_CFCFG             (1u << 14)  /* stall the faulting transaction */
#define ACTLR_V2PCFG_SHIFT      16
#define ACTLR_V2PCFG_MASK       0x3u

/* CONTEXTIDR */
#define CONTEXTIDR_ASID_MASK    0xFFu

/* TTBR0/1: table base PA[31:14] (TTBR0 with N > 0: PA[31:14-N]) and the walks'
 * memory attributes (the ARMv7 Multiprocessing Extensions layout) */
#define TTBR_PA_MASK            0xFFFFC000u
#define TTBR_IRGNH              (1u << 0)   /* IRGN[1] */
#define TTBR_SH                 (1u << 1)   /* shareable */
#define TTBR_ORGN_SHIFT         3
#define TTBR_ORGN_MASK          0x3u
#define TTBR_NOS                (1u << 5)   /* with SH: inner (1) or outer (0) shareable */
#define TTBR_IRGNL              (1u << 6)   /* IRGN[0] */

/* BFBCR: the walker's descriptor fetch buffer (docs/walker.md: only BFBDFE acts) */
#define BFBCR_BFBDFE            (1u << 0)   /* descriptor fetch enable */
#define BFBCR_BFBSFE            (1u << 1)
#define BFBCR_SFVS              (1u << 2)
#define BFBCR_FLVIC_SHIFT       4
#define BFBCR_FLVIC_MASK        0xFu
#define BFBCR_SLVIC_SHIFT       8
#define BFBCR_SLVIC_MASK        0xFu
#define BFBCR_DEFINED_MASK      0x00000FF7u /* the fields above; the rest reads as zero */

/* TTBCR: as the ARM architecture (N[2:0], PD0 bit 4, PD1 bit 5) */
#define TTBCR_N_SHIFT           0
#define TTBCR_N_MASK            0x7u
#define TTBCR_PD0               (1u << 4)
#define TTBCR_PD1               (1u << 5)

/*
 * PAR: a V2P result, in one of two formats told apart by bit 0.
 * PAR_FAULT set: the FSR fault bits of the failed translation at their FSR positions
 * (FAULT_TF..FAULT_MHF in [7:1], FAULT_SL bit 16, FAULT_SS bit 30).
 * PAR_FAULT clear: PA[31:12] and the translation's attributes: SS (a supersection),
 * MT[6:4] (memory type, encoded as the ARMv7 PAR's Inner[2:0]: PAR_MT_*), SH
 * (shareable), NS (the descriptor's NS), NOS (not outer shareable).
 */
#define PAR_FAULT               (1u << 0)
#define PAR_FAULT_SL            (1u << 16)  /* the fault was at level 2 */
#define PAR_FAULT_SS            (1u << 30)
#define PAR_FAULT_FSR_MASK      0x000100FEu /* FSR bits copied into a fault PAR */
#define PAR_NOFAULT_SS          (1u << 1)   /* the translation was a supersection */
#define PAR_NOFAULT_MT_SHIFT    4
#define PAR_NOFAULT_MT_MASK     0x7u
#define PAR_NOFAULT_SH          (1u << 7)
#define PAR_NOFAULT_NS          (1u << 9)
#define PAR_NOFAULT_NOS         (1u << 10)
#define PAR_PA_MASK             0xFFFFF000u

/* PAR.MT values (ARMv7 PAR Inner[2:0]) */
#define PAR_MT_NC               0x0u        /* Normal, non-cacheable */
#define PAR_MT_SO               0x1u        /* strongly-ordered */
#define PAR_MT_DEV              0x3u        /* device */
#define PAR_MT_WB_WA            0x5u        /* Normal, write-back write-allocate */
#define PAR_MT_WT               0x6u        /* Normal, write-through */
#define PAR_MT_WB_NWA           0x7u        /* Normal, write-back no write-allocate */

/* PRRR: the TEX remap of SCTLR.TRE = 1, per region n = TEX[0]:C:B (as the ARM PRRR) */
#define PRRR_MTC_SHIFT(n)       (2u * (unsigned)(n))    /* MTCn: MT_SO 0, MT_DEV 1, MT_NORMAL 2 */
#define PRRR_MTC_MASK           0x3u
#define PRRR_SHDSH0             (1u << 16)  /* device, S = 0: shareable */
#define PRRR_SHDSH1             (1u << 17)  /* device, S = 1: shareable */
#define PRRR_SHNMSH0            (1u << 18)  /* normal, S = 0: shareable */
#define PRRR_SHNMSH1            (1u << 19)  /* normal, S = 1: shareable */
#define PRRR_NOS(n)             (1u << (24u + (unsigned)(n)))   /* not outer shareable */
#define PRRR_MT_SO              0u
#define PRRR_MT_DEV             1u
#define PRRR_MT_NORMAL          2u
/* NMRR: inner (ICPCn) and outer (OCPCn) cache policy of normal region n */
#define NMRR_ICPC_SHIFT(n)      (2u * (unsigned)(n))
#define NMRR_OCPC_SHIFT(n)      (16u + 2u * (unsigned)(n))
#define NMRR_CP_MASK            0x3u
#define NMRR_CP_NONCACHED       0u
#define NMRR_CP_WB_WA           1u
#define NMRR_CP_WT              2u
#define NMRR_CP_WB_NWA          3u

/* FSR (write one to clear); the drivers clear it with 0x4000000F */
#define FSR_TF                  (1u << 1)
#define FSR_AFF                 (1u << 2)
#define FSR_APF                 (1u << 3)
#define FSR_TLBMF               (1u << 4)   /* TLB miss fault: a miss with TLBMCFG != 3 */
#define FSR_HTWDEEF             (1u << 5)
#define FSR_HTWSEEF             (1u << 6)
#define FSR_MHF                 (1u << 7)   /* multiple hit fault: two TLB entries match */
#define FSR_SL                  (1u << 16)  /* fault at level 2 (model: set for L2 faults) */
#define FSR_SS                  (1u << 30)  /* a transaction is stalled */
#define FSR_MULTI               (1u << 31)  /* a second fault while FSR was not clear */
#define FSR_FAULT_MASK          0x000100FEu /* fault bits and their level qualifier */
#define FSR_PENDING_MASK        0x000000FEu /* any of these set: a fault is recorded */

/* FSYNR0 / FSYNR1 */
#define FSYNR0_AMID_SHIFT       0
#define FSYNR0_AMID_MASK        0xFFu
#define FSYNR1_APRIV            (1u << 5)
#define FSYNR1_AINST            (1u << 7)
#define FSYNR1_AWRITE           (1u << 8)

/* TLBLCKR (writes take effect only while CR.TLBLKCRWE is set) */
#define TLBLCKR_LKE             (1u << 0)
#define TLBLCKR_VICTIM_SHIFT    8           /* assumption: [15:8] */
#define TLBLCKR_VICTIM_MASK     0xFFu
#define TLBLCKR_FLOOR_SHIFT     16          /* assumption: [23:16] */
#define TLBLCKR_FLOOR_MASK      0xFFu

/* V2PSR */
#define V2PSR_HIT               (1u << 0)
#define V2PSR_INDEX_SHIFT       8

/* TLBIVA: VA[31:12] | ASID[7:0]; TLBIVAA: VA[31:12] */
#define TLBIVA_VA_MASK          0xFFFFF000u
#define TLBIVA_ASID_MASK        0xFFu
#define TLBIASID_ASID_MASK      0xFFu

/* RESUME */
#define RESUME_TNR              (1u << 0)   /* 1: terminate the stalled transaction */

#endif
