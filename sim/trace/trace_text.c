/*
 * trace_text.c - the text format: its line parser (time, op, target, bytes) and its
 * writer's line. trace.c finds the whole lines and calls text_lines(); the parsers
 * rely on the newline that ends every line there as their sentinel.
 */
#define _POSIX_C_SOURCE 200809L

#include "sim/trace/trace_priv.h"

/* --------------------------------------------------------------- text lines */

static int bad_time(struct trace_reader *r, uint64_t line, const char *s)
{
    char b[SHOW_BUF];

    return fail(r, -EINVAL, line,
                "bad time '%s' (expected nanoseconds: decimal with up to 3 fraction digits)",
                SHOW_FIELD(s, b));
}

static int time_too_large(struct trace_reader *r, uint64_t line, const char *s)
{
    char b[SHOW_BUF];

    return fail(r, -ERANGE, line, "time '%s' too large (at most %llu.%03u ns)",
                SHOW_FIELD(s, b), (unsigned long long)(UINT64_MAX / PS_PER_NS),
                (unsigned)(UINT64_MAX % PS_PER_NS));
}

/* TIME in ns with up to 3 fraction digits -> ps. */
static int parse_time(struct trace_reader *r, uint64_t line, const char **pp, uint64_t *ps)
{
    const char *s = *pp, *p = s;
    char b[SHOW_BUF];
    uint64_t ns = 0, frac = 0;
    unsigned d, nfrac = 0;
    bool over = false;

    if (dec_val(*p) >= 10)
        return bad_time(r, line, s);
    for (; (d = dec_val(*p)) < 10; p++) {
        if (ns > (NS_MAX - d) / 10)
            over = true;        /* reported once the field is known to be a number */
        else
            ns = ns * 10 + d;
    }
    if (*p == '.') {
        for (p++; (d = dec_val(*p)) < 10; p++) {
            if (nfrac == FRAC_DIGITS)
                return fail(r, -EINVAL, line,
                            "time '%s' has more than 3 fraction digits (the resolution is 1 ps)",
                            SHOW_FIELD(s, b));
            frac = frac * 10 + d;
            nfrac++;
        }
        if (!nfrac)
            return bad_time(r, line, s);
        for (; nfrac < FRAC_DIGITS; nfrac++)
            frac *= 10;
    }
    if (!is_end(*p))
        return bad_time(r, line, s);
    if (over || ns * PS_PER_NS > UINT64_MAX - frac)
        return time_too_large(r, line, s);
    *ps = ns * PS_PER_NS + frac;
    *pp = p;
    return 0;
}

/*
 * An unsigned number of at most 64 bits: decimal, or hex after 0x when hex_ok (or
 * when hex_only). Sets *over when the digits overflow 64 bits; returns the first
 * byte after the digits, or NULL when there are none.
 */
static const char *scan_u64(const char *p, bool hex_ok, bool hex_only, uint64_t *v, bool *over)
{
    const char *digits;
    uint64_t x = 0;
    unsigned d, base = 10;

    if ((hex_ok || hex_only) && p[0] == '0' && (p[1] | 0x20) == 'x') {
        p += 2;
        base = 16;
    } else if (hex_only) {
        return NULL;
    }
    *over = false;
    for (digits = p; (d = base == 16 ? hex_val(*p) : dec_val(*p)) < base; p++) {
        if (*over || x > (UINT64_MAX - d) / base)
            *over = true;       /* keep scanning for the field's end */
        else
            x = x * base + d;
    }
    *v = x;
    return p == digits ? NULL : p;
}

/* TARGET: NAME+OFFSET, NAME or 0xIOVA. */
static int parse_target(struct trace_reader *r, uint64_t line, const char **pp,
                        struct trace_rec *rec)
{
    const char *s = *pp, *p = s, *q;
    char b[SHOW_BUF];
    size_t len;
    bool over;
    int index;

    if (dec_val(*s) < 10) {
        q = scan_u64(s, false, true, &rec->addr, &over);
        if (!q && !(s[0] == '0' && (s[1] | 0x20) == 'x'))
            return fail(r, -EINVAL, line,
                        "bad target '%s' (expected NAME+OFFSET, NAME or 0xIOVA)",
                        SHOW_FIELD(s, b));
        if (!q || !is_end(*q))
            return fail(r, -EINVAL, line, "bad IOVA '%s' (expected 0x and hex digits)",
                        SHOW_FIELD(s, b));
        if (over)
            return fail(r, -ERANGE, line, "IOVA '%s' beyond 64 bits", SHOW_FIELD(s, b));
        rec->buffer = TRACE_RAW;
        *pp = q;
        return 0;
    }
    if (!is_name_start(*s))
        return fail(r, -EINVAL, line, "bad target '%s' (expected NAME+OFFSET, NAME or 0xIOVA)",
                    SHOW_FIELD(s, b));
    for (p = s + 1; is_name_char(*p); p++)
        ;
    len = (size_t)(p - s);
    if (!is_end(*p) && *p != '+')
        return fail(r, -EINVAL, line,
                    "bad buffer name in '%s' (expected [A-Za-z_][A-Za-z0-9_.-]*)",
                    SHOW_FIELD(s, b));
    if (len > TRACE_MAX_NAME)
        return fail(r, -EINVAL, line, "buffer name '%s' too long (%zu characters, at most %d)",
                    show(s, len, b), len, TRACE_MAX_NAME);
    rec->addr = 0;
    if (*p == '+') {
        q = scan_u64(p + 1, true, false, &rec->addr, &over);
        if (!q || !is_end(*q))
            return fail(r, -EINVAL, line, "bad offset in '%s' (expected decimal or 0x-hex)",
                        SHOW_FIELD(s, b));
        if (over)
            return fail(r, -ERANGE, line, "offset in '%s' beyond 64 bits", SHOW_FIELD(s, b));
        p = q;
    }
    if (r->last && !strncmp(r->last->name, s, len) && r->last->name[len] == '\0')
        index = r->last->index;
    else if ((index = name_index(r, s, len, line)) < 0)
        return index;
    rec->buffer = (uint16_t)index;
    *pp = p;
    return 0;
}

static int parse_bytes(struct trace_reader *r, uint64_t line, const char **pp, uint32_t *bytes)
{
    const char *s = *pp, *p;
    char b[SHOW_BUF];
    uint64_t v = 0;
    unsigned d;

    for (p = s; (d = dec_val(*p)) < 10; p++)
        if ((v = v * 10 + d) > TRACE_MAX_BYTES)
            v = TRACE_MAX_BYTES + 1;    /* stays out of range, never overflows */
    if (p == s || !is_end(*p))
        return fail(r, -EINVAL, line, "bad bytes '%s' (expected decimal 1..%u)",
                    SHOW_FIELD(s, b), TRACE_MAX_BYTES);
    if (v == 0 || v > TRACE_MAX_BYTES)
        return fail(r, -ERANGE, line, "bytes '%s' out of range (expected 1..%u)",
                    SHOW_FIELD(s, b), TRACE_MAX_BYTES);
    *bytes = (uint32_t)v;
    *pp = p;
    return 0;
}

static int op_from_char(char c)
{
    switch (c) {
    case 'R': return TRACE_OP_READ;
    case 'W': return TRACE_OP_WRITE;
    case 'F': return TRACE_OP_FRAME;
    case 'L': return TRACE_OP_LINE;
    default: return -1;
    }
}

/* One text line at *pp: 1 (a record in rec), 0 (blank or comment) or a negative errno. */
static int text_line(struct trace_reader *r, uint64_t line, const char **pp,
                     const char *end, struct trace_rec *rec)
{
    const char *p = skip_blank(*pp);
    char b[SHOW_BUF];
    int op, rc;
    char opc;

    if (*p == '\n' || *p == '#') {
        *pp = (const char *)memchr(p, '\n', (size_t)(end - p)) + 1;
        return 0;
    }
    if ((rc = parse_time(r, line, &p, &rec->time)) < 0)
        return rc;
    p = skip_blank(p);
    if (*p == '\n')
        return fail(r, -EINVAL, line, "missing OP after the time (expected TIME OP TARGET BYTES)");
    opc = *p;
    op = op_from_char(opc);
    if (op < 0 || !is_end(p[1]))
        return fail(r, -EINVAL, line, "unknown op '%s' (expected R, W, F or L)",
                    SHOW_FIELD(p, b));
    rec->op = (uint8_t)op;
    p = skip_blank(p + 1);
    if (op == TRACE_OP_FRAME || op == TRACE_OP_LINE) {
        if (*p != '\n')
            return fail(r, -EINVAL, line,
                        "unexpected '%s' after %c (F and L lines have no TARGET or BYTES)",
                        SHOW_FIELD(p, b), opc);
        rec->addr = 0;
        rec->bytes = 0;
        rec->buffer = TRACE_RAW;
        *pp = p + 1;
        return 1;
    }
    if (*p == '\n')
        return fail(r, -EINVAL, line,
                    "missing TARGET after %c (expected NAME+OFFSET, NAME or 0xIOVA)", opc);
    if ((rc = parse_target(r, line, &p, rec)) < 0)
        return rc;
    p = skip_blank(p);
    if (*p == '\n')
        return fail(r, -EINVAL, line, "missing BYTES after the target (expected 1..%u)",
                    TRACE_MAX_BYTES);
    if ((rc = parse_bytes(r, line, &p, &rec->bytes)) < 0)
        return rc;
    if (rec->addr > UINT64_MAX - (rec->bytes - 1))
        return fail(r, -ERANGE, line, "access at %s0x%llx of %u bytes passes the end of the "
                    "64-bit address space", rec->buffer == TRACE_RAW ? "" : "offset ",
                    (unsigned long long)rec->addr, rec->bytes);
    p = skip_blank(p);
    if (*p != '\n')
        return fail(r, -EINVAL, line, "unexpected '%s' after BYTES (expected the end of the line)",
                    SHOW_FIELD(p, b));
    *pp = p + 1;
    return 1;
}

size_t text_lines(struct trace_reader *r, const char **pp, const char *end,
                  struct trace_rec *out, size_t n)
{
    size_t k = 0;
    int rc;

    while (k < n && *pp < end) {
        rc = text_line(r, ++r->line, pp, end, &out[k]);
        if (rc < 0)
            break;
        k += (size_t)rc;
    }
    return k;
}

void write_text(struct trace_writer *w, const struct trace_rec *rec)
{
    static const char ops[] = { 'R', 'W', 'F', 'L' };
    char *start = (char *)w->buf + w->len, *p = start;
    size_t len;

    p = put_time(p, rec->time);
    *p++ = ' ';
    *p++ = ops[rec->op];
    if (rec->op <= TRACE_OP_WRITE) {
        *p++ = ' ';
        if (rec->buffer != TRACE_RAW) {
            len = strlen(w->names[rec->buffer]);
            memcpy(p, w->names[rec->buffer], len);
            p += len;
            *p++ = '+';
        }
        p = put_hex(p, rec->addr);
        *p++ = ' ';
        p = put_dec(p, rec->bytes);
    }
    *p++ = '\n';
    w->len += (size_t)(p - start);
}
