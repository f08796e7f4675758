/*
 * import_columns.c - bus transaction logs in columns: AXI monitor dumps, DRAMSim3
 * traces ("0x1234 READ 10": addr op cycle), Ramulator's memory traces ("0x1234 R"),
 * and any other one-access-a-line log whose columns the user names.
 *
 * opts.columns says which column is what (import_columns_parse: a comma-separated
 * list of time, addr, op, size, id and '-' for a column not used), the radix of
 * addresses (16: hex, with or without 0x; 10: decimal; 0: hex after 0x, else
 * decimal), the time unit (picoseconds per unit, or cycles of a clock) and the
 * separator (runs of blanks, or one character such as ','). Blank lines and lines
 * starting with '#' are skipped; a line may have more columns than are named.
 *   op    R, RD, READ, AR, P_MEM_RD, P_FETCH or 0 read; W, WR, WRITE, AW, P_MEM_WR or 1
 *         write (either case); without an op column every access is opts.rw_op
 *   size  bytes, decimal or 0x hex; without it every access is opts.bytes
 *   time  decimal with an optional fraction, in the unit; without it time 0
 *   id    the master: "idN" for a number N, the word itself otherwise; without it one
 *         master, "bus"
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sim/core/util.h"
#include "sim/trace/import_common.h"
#include "sim/trace/trace.h"

#define COL_MAX_FRAC    12              /* fraction digits of a time */

static const char *const col_names[] = {
    [IMPORT_COL_SKIP] = "-", [IMPORT_COL_TIME] = "time", [IMPORT_COL_ADDR] = "addr",
    [IMPORT_COL_OP] = "op", [IMPORT_COL_SIZE] = "size", [IMPORT_COL_ID] = "id",
};

static const char *const read_words[] = { "R", "RD", "READ", "AR", "P_MEM_RD", "P_FETCH", "0" };
static const char *const write_words[] = { "W", "WR", "WRITE", "AW", "P_MEM_WR", "1" };

int import_columns_parse(const char *spec, struct import_columns *c, char *err, size_t errlen)
{
    const char *p = spec;
    bool seen[sizeof(col_names) / sizeof(col_names[0])] = { false };

    c->n = 0;
    for (;;) {
        size_t len = strcspn(p, ",");
        unsigned k;

        for (k = 0; k < sizeof(col_names) / sizeof(col_names[0]); k++)
            if (strlen(col_names[k]) == len && !strncmp(col_names[k], p, len))
                break;
        if (k == sizeof(col_names) / sizeof(col_names[0]))
            return err_fail(err, errlen, -EINVAL, "unknown column '%.*s' (expected time, addr, "
                            "op, size, id or - for a column not used)", (int)len, p);
        if (k != IMPORT_COL_SKIP && seen[k])
            return err_fail(err, errlen, -EINVAL, "column '%s' named twice", col_names[k]);
        if (c->n == IMPORT_MAX_COLUMNS)
            return err_fail(err, errlen, -EINVAL, "more than %d columns", IMPORT_MAX_COLUMNS);
        seen[k] = true;
        c->col[c->n++] = (uint8_t)k;
        if (!p[len])
            break;
        p += len + 1;
    }
    if (!seen[IMPORT_COL_ADDR])
        return err_fail(err, errlen, -EINVAL, "no addr column in '%s' (every access needs its "
                        "address)", spec);
    return 0;
}

/*
 * The next field of the line at *p (NUL-terminated in place): its start and length,
 * or false at the end. With a separator, *p becomes NULL after the last field.
 */
static bool next_field(const struct import_columns *cols, char **p, char **f, size_t *len)
{
    char *s = *p;

    if (!s)
        return false;
    if (!cols->sep) {
        while (*s == ' ' || *s == '\t')
            s++;
        if (!*s)
            return false;
        *f = s;
        while (*s && *s != ' ' && *s != '\t')
            s++;
        *len = (size_t)(s - *f);
        if (*s)
            *s++ = '\0';
        *p = s;
        return true;
    }
    while (*s == ' ' || *s == '\t')
        s++;
    *f = s;
    while (*s && *s != cols->sep)
        s++;
    *p = *s ? s + 1 : NULL;
    *len = (size_t)(s - *f);
    *s = '\0';
    while (*len && ((*f)[*len - 1] == ' ' || (*f)[*len - 1] == '\t'))
        (*f)[--*len] = '\0';
    return true;
}

static int number(const char *f, unsigned radix, uint64_t *v)
{
    const char *p = f;
    int rc;

    if (radix == 16) {
        if (!imp_eat(&p, "0x"))
            imp_eat(&p, "0X");
        rc = imp_hex(&p, v);
    } else if (radix == 10) {
        rc = imp_dec(&p, v);
    } else {
        rc = imp_hex0x(&p, v);
        if (rc == -EINVAL)
            rc = imp_dec(&p, v);
    }
    return rc ? rc : *p ? -EINVAL : 0;
}

static int time_ps(const struct import_columns *cols, const char *f, uint64_t *ps)
{
    unsigned __int128 m = 0, den = 1, v;
    unsigned frac = 0;
    const char *p = f;

    if (*p < '0' || *p > '9')
        return -EINVAL;
    for (; *p >= '0' && *p <= '9'; p++)
        if ((m = m * 10 + (unsigned)(*p - '0')) > UINT64_MAX)
            return -ERANGE;
    if (*p == '.') {
        if (p[1] < '0' || p[1] > '9')
            return -EINVAL;
        for (p++; *p >= '0' && *p <= '9'; p++) {
            if (++frac > COL_MAX_FRAC)
                return -ERANGE;
            m = m * 10 + (unsigned)(*p - '0');
            den *= 10;
        }
    }
    if (*p)
        return -EINVAL;
    if (cols->unit_hz)
        v = m * 1000000000000u / (den * cols->unit_hz);
    else
        v = m * (cols->unit_ps ? cols->unit_ps : 1) / den;
    if (v > UINT64_MAX)
        return -ERANGE;
    *ps = (uint64_t)v;
    return 0;
}

static int op_of(const char *f)
{
    for (size_t i = 0; i < sizeof(read_words) / sizeof(read_words[0]); i++)
        if (!strcasecmp(f, read_words[i]))
            return TRACE_OP_READ;
    for (size_t i = 0; i < sizeof(write_words) / sizeof(write_words[0]); i++)
        if (!strcasecmp(f, write_words[i]))
            return TRACE_OP_WRITE;
    return -1;
}

static int one_line(struct import_ctx *c, char *line)
{
    const struct import_opts *o = imp_opts(c);
    const struct import_columns *cols = &o->columns;
    uint64_t time = 0, addr = 0, size = o->bytes ? o->bytes : IMPORT_DEFAULT_BYTES, v;
    int op = -1, rc, m;
    char *p = line, *f, *id = NULL, name[IMPORT_MAX_NAME + 1];
    size_t len;

    for (unsigned i = 0; i < cols->n; i++) {
        if (!next_field(cols, &p, &f, &len))
            return imp_fail(c, -EINVAL, "%u columns, but the columns name %u (expected a "
                            "value for '%s')", i, cols->n, col_names[cols->col[i]]);
        switch (cols->col[i]) {
        case IMPORT_COL_TIME:
            if ((rc = time_ps(cols, f, &time)))
                return imp_fail(c, rc, "bad time '%s' (expected a decimal number of the time "
                                "unit, up to %d fraction digits, within 2^64 ps)",
                                imp_quote(f, len), COL_MAX_FRAC);
            break;
        case IMPORT_COL_ADDR:
            if ((rc = number(f, cols->radix, &addr)))
                return imp_fail(c, rc, "bad address '%s' (expected %s, within 64 bits)",
                                imp_quote(f, len), cols->radix == 16 ? "hex digits" :
                                cols->radix == 10 ? "decimal digits" : "0x-hex or decimal");
            break;
        case IMPORT_COL_OP:
            if ((op = op_of(f)) < 0)
                return imp_fail(c, -EINVAL, "bad op '%s' (expected R, RD, READ, AR, P_MEM_RD, "
                                "P_FETCH, 0 or W, WR, WRITE, AW, P_MEM_WR, 1)",
                                imp_quote(f, len));
            break;
        case IMPORT_COL_SIZE:
            if ((rc = number(f, 0, &v)) || !v || v > TRACE_MAX_BYTES)
                return imp_fail(c, rc == -ERANGE ? rc : -EINVAL, "bad size '%s' (expected "
                                "1..%u bytes, decimal or 0x-hex)", imp_quote(f, len),
                                TRACE_MAX_BYTES);
            size = v;
            break;
        case IMPORT_COL_ID:
            if (!len)
                return imp_fail(c, -EINVAL, "empty id column");
            id = f;
            break;
        default:
            break;
        }
    }
    if (id && id[0] >= '0' && id[0] <= '9')
        snprintf(name, sizeof(name), "id%s", id);
    else
        snprintf(name, sizeof(name), "%s", id ? id : "bus");
    if ((m = imp_master(c, name)) < 0)
        return m;
    if (op < 0) {
        imp_summary(c)->ambiguous++;
        op = o->rw_op;
    }
    return imp_access(c, m, time, (unsigned)op, addr, size);
}

int import_columns(struct import_ctx *c)
{
    char *line;
    size_t len;
    int rc;

    if (!imp_opts(c)->columns.n)
        return imp_fail(c, -EINVAL, "no columns named (expected e.g. addr,op,time)");
    while ((rc = imp_line(c, &line, &len)) > 0) {
        const char *p = line;

        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p || *p == '#')
            continue;
        if ((rc = one_line(c, line)))
            return rc;
    }
    return rc;
}
