/*
 * smmu_fault.c - the fault side of the SMMU v1 driver: the ISR the instance hooks on its
 * interrupt line, the context and global fault handling, the per-bank retry limit and
 * the fault log. Shared structures come from vcm/smmu_driver_priv.h; the instance
 * (smmu_driver.c) installs smmu_isr at init.
 */

#include "vcm/smmu_driver_priv.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Fault log ------------------------------------------------------------------------ */

static void append(char *buf, size_t len, size_t *pos, const char *fmt, ...)
{
    va_list ap;

    if (*pos >= len)
        return;
    va_start(ap, fmt);
    int n = vsnprintf(buf + *pos, len - *pos, fmt, ap);
    va_end(ap);
    if (n > 0)
        *pos = *pos + (size_t)n < len ? *pos + (size_t)n : len;
}

static const char *action_name(enum smmu_fault_action a)
{
    switch (a) {
    case SMMU_FAULT_RETRIED:    return "retried";
    case SMMU_FAULT_TERMINATED: return "terminated";
    case SMMU_FAULT_LEFT_STALLED: return "left stalled";
    default:                    return "not stalled";
    }
}

/* The reason list of a DMAR-style line, from the FSR bits. */
static void fault_reasons(char *buf, size_t len, size_t *pos, uint32_t fsr, unsigned level)
{
    static const struct { uint32_t bit; const char *text; bool leveled; } reasons[] = {
        { FSR_TF,      "translation fault",      true },
        { FSR_AFF,     "access flag fault",      true },
        { FSR_APF,     "permission fault",       true },
        { FSR_TLBMF,   "TLB miss fault",         false },
        { FSR_HTWDEEF, "table walk decode error", false },
        { FSR_HTWSEEF, "table walk slave error", false },
        { FSR_MHF,     "multiple hit fault",     false },
        { FSR_MULTI,   "multiple faults",        false },
    };
    bool first = true;

    for (unsigned i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++) {
        if (!(fsr & reasons[i].bit))
            continue;
        append(buf, len, pos, "%s%s", first ? "" : ", ", reasons[i].text);
        if (reasons[i].leveled)
            append(buf, len, pos, " level %u", level);
        first = false;
    }
    if (first)
        append(buf, len, pos, "unknown (FSR 0x%08x)", (unsigned)fsr);
}

static void format_record(struct smmu_fault_record *r)
{
    const struct smmu_fault *f = &r->fault;
    size_t pos = 0, len = sizeof(r->msg);

    r->msg[0] = '\0';
    append(r->msg, len, &pos, "SMMU %s ", r->smmu_name);
    if (!f->global)
        append(r->msg, len, &pos, "ctx %s ", r->ctx_name);
    append(r->msg, len, &pos, "[DMA %s] Request device mid %u fault addr 0x%08x reason: ",
           f->write ? "Write" : "Read", f->mid, (unsigned)f->far);
    if (f->global)
        append(r->msg, len, &pos, "unrouted MID (global configuration fault)");
    else
        fault_reasons(r->msg, len, &pos, f->fsr, f->level);
    append(r->msg, len, &pos, "; %s", action_name(r->action));
}

/*
 * Stores a finished record, its message formatted in place (the log keeps the first
 * SMMU_FAULT_LOG_SIZE): a run that faults on every burst formats only what it keeps.
 */
static void log_record(struct smmu_driver *drv, const struct smmu_fault_record *r)
{
    if (drv->log_count >= SMMU_FAULT_LOG_SIZE) {
        drv->log_dropped++;
        return;
    }
    struct smmu_fault_record *slot = &drv->log[drv->log_count++];
    *slot = *r;
    format_record(slot);
    slot->fault.smmu = slot->smmu_name;
    slot->fault.ctx = slot->ctx_name;
}

/* ---- The ISR ---------------------------------------------------------------------------- */

/*
 * A record for a fault being handled: the fault zeroed, the names as they are now
 * (both are bounded by SMMU_NAME_LEN, so a fixed copy is the string), no context
 * name yet and no message (log_record formats it for the records it keeps). Runs
 * for every fault, so it leaves the message buffer alone.
 */
static void record_start(struct smmu_fault_record *r, const struct smmu_driver *drv)
{
    r->fault = (struct smmu_fault){ .smmu = r->smmu_name, .ctx = r->ctx_name };
    r->action = SMMU_FAULT_NOT_STALLED;
    r->hooked = false;
    memcpy(r->smmu_name, drv->name, sizeof(r->smmu_name));
    r->ctx_name[0] = '\0';
    r->msg[0] = '\0';
}

/* Whether a retry is allowed: stops a hook that retries one address forever, fixing nothing. */
static bool retry_allowed(struct smmu_driver *drv, unsigned bank, uint32_t far)
{
    if (drv->retry_far[bank] != far || drv->retry_count[bank] == 0) {
        drv->retry_far[bank] = far;
        drv->retry_count[bank] = 0;
    }
    if (drv->retry_count[bank] >= SMMU_FAULT_RETRY_LIMIT) {
        drv->retry_count[bank] = 0;
        drv->stats.retry_limit_hits++;
        return false;
    }
    drv->retry_count[bank]++;
    return true;
}

/*
 * Whether the faulting access would now translate (a V2P of FAR with the fault's
 * kind of access): the hook mapped the page, so its retry is progress rather than a
 * loop. V2P cannot ask for an instruction fetch (XN), so those never count as fixed.
 */
static bool fault_fixed(struct smmu_driver *drv, unsigned bank, const struct smmu_fault *f)
{
    uint32_t reg = f->priv ? (f->write ? SMMU_V2PPW : SMMU_V2PPR)
                           : (f->write ? SMMU_V2PUW : SMMU_V2PUR);

    if (f->instr)
        return false;
    cb_write(drv, bank, reg, f->far);
    return !(cb_read(drv, bank, SMMU_PAR) & PAR_FAULT);
}

static void context_fault(struct smmu_driver *drv, unsigned bank, uint32_t fsr)
{
    struct smmu_dev *dev = drv->active[bank];
    struct smmu_fault_record r;
    struct smmu_fault *f = &r.fault;

    record_start(&r, drv);
    if (dev)
        memcpy(r.ctx_name, dev->name, sizeof(r.ctx_name));
    else
        snprintf(r.ctx_name, sizeof(r.ctx_name), "bank%u", bank);
    f->bank = bank;
    f->fsr = fsr;
    f->far = cb_read(drv, bank, SMMU_FAR);
    f->fsynr0 = cb_read(drv, bank, SMMU_FSYNR0);
    f->fsynr1 = cb_read(drv, bank, SMMU_FSYNR1);
    f->mid = (f->fsynr0 >> FSYNR0_AMID_SHIFT) & FSYNR0_AMID_MASK;
    f->write = f->fsynr1 & FSYNR1_AWRITE;
    f->priv = f->fsynr1 & FSYNR1_APRIV;
    f->instr = f->fsynr1 & FSYNR1_AINST;
    f->stalled = fsr & FSR_SS;
    f->level = (fsr & FSR_SL) ? 2 : 1;
    f->seq = ++drv->fault_seq;
    drv->stats.faults++;

    int ret = 0;
    if (dev && dev->hook) {
        r.hooked = true;
        ret = dev->hook(dev, dev->hook_data, f);
    } else {
        drv->stats.unhooked++;
    }

    bool leave = f->stalled && ret == SMMU_FAULT_HOOK_LEAVE;
    /* What the hook asked for, in the profile's convention; no hook terminates. */
    bool asks_retry = r.hooked && !leave &&
                      (drv->profile->hook == SMMU_HOOK_TERMINATE_ON_NONZERO ? ret == 0 : ret == 1);
    /* A retry the hook made good starts the count afresh: only retries that change
     * nothing count toward SMMU_FAULT_RETRY_LIMIT. */
    if (f->stalled && asks_retry && fault_fixed(drv, bank, f))
        drv->retry_count[bank] = 0;
    bool retry = f->stalled && asks_retry && retry_allowed(drv, bank, f->far);
    if (!f->stalled) {
        r.action = SMMU_FAULT_NOT_STALLED;
        drv->stats.not_stalled++;
    } else if (leave) {
        r.action = SMMU_FAULT_LEFT_STALLED;
        drv->stats.left_stalled++;
        log_record(drv, &r);
        return;
    } else if (retry) {
        r.action = SMMU_FAULT_RETRIED;
        drv->stats.retried++;
    } else {
        r.action = SMMU_FAULT_TERMINATED;
        drv->stats.terminated++;
        drv->retry_count[bank] = 0;
    }
    log_record(drv, &r);

    /* Clear before resuming: a retry that faults again must find FSR clear. */
    cb_write(drv, bank, SMMU_FSR, fsr);
    if (f->stalled)
        cb_write(drv, bank, SMMU_RESUME, retry ? 0 : RESUME_TNR);
}

int smmu_poll_global_fault(struct smmu_driver *drv)
{
    if (!drv || !drv->initialized)
        return -EINVAL;
    uint32_t esr = glb_read(drv, SMMU_ESR);
    if (!(esr & (ESR_CFG | ESR_BYPASS | ESR_MULTI)))
        return 0;

    struct smmu_fault_record r;
    struct smmu_fault *f = &r.fault;
    uint32_t esynr1 = glb_read(drv, SMMU_ESYNR1);

    record_start(&r, drv);
    f->global = true;
    f->fsr = esr;
    f->far = glb_read(drv, SMMU_EAR);
    f->fsynr0 = glb_read(drv, SMMU_ESYNR0);
    f->fsynr1 = esynr1;
    f->mid = (f->fsynr0 >> ESYNR0_AMID_SHIFT) & ESYNR0_AMID_MASK;
    f->write = esynr1 & ESYNR1_AWRITE;
    f->priv = esynr1 & ESYNR1_APRIV;
    f->instr = esynr1 & ESYNR1_AINST;
    f->seq = ++drv->fault_seq;
    r.action = SMMU_FAULT_TERMINATED;   /* the SMMU answers an unrouted MID with an error */
    drv->stats.global_faults++;
    log_record(drv, &r);
    glb_write(drv, SMMU_ESR, esr);
    return 1;
}

void smmu_isr(void *arg, struct smmu *hw)
{
    struct smmu_driver *drv = arg;

    (void)hw;
    drv->stats.irqs++;
    for (unsigned bank = 0; bank < drv->ncb; bank++) {
        uint32_t fsr = cb_read(drv, bank, SMMU_FSR);
        if (fsr & (FSR_FAULT_MASK | FSR_MULTI | FSR_SS))
            context_fault(drv, bank, fsr);
    }
    smmu_poll_global_fault(drv);
}
