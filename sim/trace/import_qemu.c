/*
 * import_qemu.c - QEMU's IOMMU trace events: per-access IOVA traces of emulated
 * devices, as QEMU's log trace backend prints them (-trace 'smmuv3_translate*',
 * -trace 'vtd_dmar_*', -D FILE).
 *
 * The log backend prints "NAME " and the event's format string of the trace-events
 * file; older QEMUs run with -msg timestamp=on put "PID@SECONDS.MICROSECONDS:" before
 * the name, which gives the access its time (without it every access is at time 0, as
 * in a din trace). Events,
 * as hw/arm/trace-events and hw/i386/trace-events define them:
 *   smmuv3_translate_success  "%s sid=0x%x iova=0x%PRIx64 translated=0x%PRIx64 perm=0x%x"
 *                             (older QEMUs print sid=%d; 9.1 on add " stage=%d" after perm)
 *   smmuv3_translate_abort    "%s sid=0x%x abort on iova:0x%PRIx64 is_write=%d"
 *   smmuv3_translate_bypass   "%s sid=0x%x STE bypass iova:0x%PRIx64 is_write=%d"
 *   smmuv3_translate_disable  "%s sid=0x%x bypass (smmu disabled) iova:0x%PRIx64 is_write=%d"
 *   vtd_dmar_translate        "dev %02x:%02x.%02x iova 0x%PRIx64 -> gpa 0x%PRIx64 mask 0x%PRIx64"
 *   vtd_dmar_fault            "sid 0x%PRIx16 fault %d addr 0x%PRIx64 write %d"
 * A success or an abort (a translation fault the device took) is one access; bypassed
 * accesses are not translated and are skipped. perm is IOMMU_RO 1 (read), IOMMU_WO 2
 * (write) or IOMMU_RW 3, which says nothing of the access (older QEMUs print the
 * access's flags there, newer ones the mapping's permission) and is written as
 * opts.rw_op, counted as ambiguous;
 * vtd_dmar_translate has no direction at all and is too. Each stream id (SMMUv3) or
 * PCI source id (VT-d: bus << 8 | device << 3 | function) is a master "sid0xN". The
 * events carry no size: every access is opts.bytes. Lines of other events and other
 * output are skipped.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "sim/trace/import_common.h"
#include "sim/trace/trace.h"

#define QEMU_IOMMU_RO   1               /* IOMMUAccessFlags of include/exec/memory.h */
#define QEMU_IOMMU_WO   2

enum qemu_event { Q_OTHER, Q_SUCCESS, Q_ABORT, Q_BYPASS, Q_VTD_TRANSLATE, Q_VTD_FAULT };

static const struct { const char *name; enum qemu_event ev; } qemu_events[] = {
    { "smmuv3_translate_success", Q_SUCCESS }, { "smmuv3_translate_abort", Q_ABORT },
    { "smmuv3_translate_bypass", Q_BYPASS }, { "smmuv3_translate_disable", Q_BYPASS },
    { "vtd_dmar_translate", Q_VTD_TRANSLATE }, { "vtd_dmar_fault", Q_VTD_FAULT },
};

static const char *word_end(const char *p)
{
    while (*p && *p != ' ' && *p != '\t')
        p++;
    return p;
}

/* "KEY" followed by '=', ':' or ' ' and a number (0x hex, or decimal when dec_ok). */
static int value(struct import_ctx *c, const char *name, const char *fields, const char *key,
                 bool dec_ok, uint64_t *v)
{
    const char *p = fields;
    size_t n = strlen(key);
    int rc;

    for (p = strstr(p, key); p; p = strstr(p + 1, key))
        if ((p == fields || p[-1] == ' ') && (p[n] == '=' || p[n] == ':' || p[n] == ' '))
            break;
    if (!p)
        return imp_fail(c, -EINVAL, "%s without '%s' (expected the format of QEMU's "
                        "trace-events)", name, key);
    p += n + 1;
    rc = imp_hex0x(&p, v);
    if (rc == -EINVAL && dec_ok)
        rc = imp_dec(&p, v);
    if (rc || (*p && *p != ' ' && *p != ','))
        return imp_fail(c, rc == -ERANGE ? rc : -EINVAL, "bad %s in %s (expected %s)", key,
                        name, dec_ok ? "a number" : "0x and hex digits");
    return 0;
}

static int sid_master(struct import_ctx *c, uint64_t sid)
{
    char name[32];

    snprintf(name, sizeof(name), "sid0x%" PRIx64, sid);
    return imp_master(c, name);
}

static int access(struct import_ctx *c, uint64_t sid, uint64_t time, int op, uint64_t iova)
{
    const struct import_opts *o = imp_opts(c);
    int m = sid_master(c, sid);

    if (m < 0)
        return m;
    if (op < 0) {
        imp_summary(c)->ambiguous++;
        op = o->rw_op;
    }
    return imp_access(c, m, time, (unsigned)op, iova, o->bytes ? o->bytes : IMPORT_DEFAULT_BYTES);
}

/* "dev BB:DD.FF": the PCI source id. */
static int vtd_source(struct import_ctx *c, const char *fields, uint64_t *sid)
{
    const char *p = fields;
    uint64_t bus, dev, fn;

    if (!imp_eat(&p, "dev ") || imp_hex(&p, &bus) || !imp_eat(&p, ":") || imp_hex(&p, &dev) ||
        !imp_eat(&p, ".") || imp_hex(&p, &fn) || bus > 0xff || dev > 0x1f || fn > 0x7)
        return imp_fail(c, -EINVAL, "vtd_dmar_translate without 'dev BUS:DEVICE.FUNCTION' "
                        "(expected \"dev %%02x:%%02x.%%02x iova 0x...\")");
    *sid = bus << 8 | dev << 3 | fn;
    return 0;
}

static int one_event(struct import_ctx *c, enum qemu_event ev, const char *name,
                     const char *fields, uint64_t time)
{
    uint64_t sid, iova, x;
    int rc, op;

    switch (ev) {
    case Q_SUCCESS:
        if ((rc = value(c, name, fields, "sid", true, &sid)) ||
            (rc = value(c, name, fields, "iova", false, &iova)) ||
            (rc = value(c, name, fields, "perm", false, &x)))
            return rc;
        op = x == QEMU_IOMMU_RO ? TRACE_OP_READ : x == QEMU_IOMMU_WO ? TRACE_OP_WRITE : -1;
        return access(c, sid, time, op, iova);
    case Q_ABORT:
        if ((rc = value(c, name, fields, "sid", true, &sid)) ||
            (rc = value(c, name, fields, "iova", false, &iova)) ||
            (rc = value(c, name, fields, "is_write", true, &x)))
            return rc;
        imp_summary(c)->faults++;
        return access(c, sid, time, x ? TRACE_OP_WRITE : TRACE_OP_READ, iova);
    case Q_VTD_TRANSLATE:
        if ((rc = vtd_source(c, fields, &sid)) ||
            (rc = value(c, name, fields, "iova", false, &iova)))
            return rc;
        return access(c, sid, time, -1, iova);
    case Q_VTD_FAULT:
        if ((rc = value(c, name, fields, "sid", false, &sid)) ||
            (rc = value(c, name, fields, "addr", false, &iova)) ||
            (rc = value(c, name, fields, "write", true, &x)))
            return rc;
        imp_summary(c)->faults++;
        return access(c, sid, time, x ? TRACE_OP_WRITE : TRACE_OP_READ, iova);
    default:
        imp_skip(c);
        return 0;
    }
}

int import_qemu(struct import_ctx *c)
{
    char *line;
    size_t len;
    int rc;

    while ((rc = imp_line(c, &line, &len)) > 0) {
        const char *p = line, *at, *e;
        enum qemu_event ev = Q_OTHER;
        uint64_t time = 0, pid, ps;

        /* "PID@SECONDS.MICROSECONDS:" */
        if ((at = strchr(p, '@')) && at < word_end(p)) {
            const char *q = p;

            if (!imp_dec(&q, &pid) && q == at) {
                q++;
                if ((rc = imp_seconds(&q, &ps)) || *q != ':')
                    return imp_fail(c, rc == -ERANGE ? rc : -EINVAL, "bad time in '%s' "
                                    "(expected PID@SECONDS.MICROSECONDS:)",
                                    imp_quote(p, (size_t)(word_end(p) - p)));
                if ((rc = imp_rebase(c, ps, &time)))
                    return rc;
                p = q + 1;
            }
        }
        e = word_end(p);
        for (size_t i = 0; i < sizeof(qemu_events) / sizeof(qemu_events[0]); i++)
            if (strlen(qemu_events[i].name) == (size_t)(e - p) &&
                !strncmp(qemu_events[i].name, p, (size_t)(e - p)))
                ev = qemu_events[i].ev;
        if (ev == Q_OTHER) {
            if (*p)
                imp_skip(c);
            continue;
        }
        {
            char name[32];

            snprintf(name, sizeof(name), "%.*s", (int)(e - p), p);
            while (*e == ' ')
                e++;
            if ((rc = one_event(c, ev, name, e, time)))
                return rc;
        }
    }
    return rc;
}
