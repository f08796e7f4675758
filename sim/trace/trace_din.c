/*
 * trace_din.c - the din format (Dinero's "label address" lines): its line parser and
 * its writer's line. trace.c finds the whole lines and calls din_lines().
 */
#define _POSIX_C_SOURCE 200809L

#include "sim/trace/trace_priv.h"

/* ---------------------------------------------------------------- din lines */

/*
 * Hex digits [s, e), more than the running value can check: true when they are
 * beyond 64 bits even without their leading zeros, else false with the value in *v.
 */
static bool hex_over64(const char *s, const char *e, uint64_t *v)
{
    uint64_t a = 0;

    while (s < e && *s == '0')
        s++;
    if (e - s > HEX_DIGITS_MAX)
        return true;
    for (; s < e; s++)
        a = a << 4 | hex_val(*s);
    *v = a;
    return false;
}

/* The message for a din line that the fast parser refused; label is its first field. */
static int din_fail(struct trace_reader *r, uint64_t line, const char *label)
{
    const char *addr, *digits, *p;
    char b[SHOW_BUF];
    bool over = false;
    uint64_t a = 0;

    if (dec_val(label[0]) > DIN_LABEL_MAX || !is_end(label[1]))
        return fail(r, -EINVAL, line,
                    "bad din label '%s' (expected 0 read, 1 write or 2 instruction fetch)",
                    SHOW_FIELD(label, b));
    addr = skip_blank(label + 1);
    if (*addr == '\n')
        return fail(r, -EINVAL, line, "missing address after label %c (expected LABEL HEXADDR)",
                    label[0]);
    digits = addr;
    if (addr[0] == '0' && (addr[1] | 0x20) == 'x')
        digits += 2;
    for (p = digits; hex_val(*p) < 16; p++) {
        if (a >> 60) {
            over = true;
            a = 0;      /* only the verdict matters from here on */
        }
        a = a << 4 | hex_val(*p);
    }
    if (p == digits || !is_end(*p))
        return fail(r, -EINVAL, line,
                    "bad address '%s' (expected hex digits, with or without 0x)",
                    SHOW_FIELD(addr, b));
    if (over)
        return fail(r, -ERANGE, line, "address '%s' beyond 64 bits", SHOW_FIELD(addr, b));
    return fail(r, -ERANGE, line, "access at 0x%llx of %u bytes passes the end of the "
                "64-bit address space", (unsigned long long)a, r->din_bytes);
}

/*
 * Parses whole din lines from *pp up to end into out (at most n records). The
 * common line ("0 1a2b3c40\n") takes a handful of compares per character; any
 * problem sends the line to din_fail() for its message.
 */
size_t din_lines(struct trace_reader *r, const char **pp, const char *end,
                 struct trace_rec *out, size_t n)
{
    static const uint8_t din_ops[DIN_LABEL_MAX + 1] = {
        TRACE_OP_READ, TRACE_OP_WRITE, TRACE_OP_READ,
    };
    const char *p = *pp, *label, *digits;
    uint64_t line = r->line, a;
    uint32_t bytes = r->din_bytes;
    const uint64_t a_last = UINT64_MAX - (bytes - 1);  /* the access must not wrap */
    unsigned lab, d;
    size_t k = 0;

    while (k < n && p < end) {
        line++;
        label = skip_blank(p);
        if (*label == '\n') {
            p = label + 1;
            continue;
        }
        lab = dec_val(label[0]);
        if (lab > DIN_LABEL_MAX || !is_blank(label[1]))
            goto bad;
        digits = skip_blank(label + 2);
        if (digits[0] == '0' && (digits[1] | 0x20) == 'x')
            digits += 2;
        a = 0;
        for (p = digits; (d = hex_val(*p)) < 16; p++)
            a = a << 4 | d;
        /* more than 16 digits may be leading zeros, or may have overflowed a */
        if (p == digits || !is_end(*p) ||
            (p - digits > HEX_DIGITS_MAX && hex_over64(digits, p, &a)) || a > a_last)
            goto bad;
        if (*p != '\n')
            p = memchr(p, '\n', (size_t)(end - p));
        p++;
        out[k].time = 0;
        out[k].addr = a;
        out[k].bytes = bytes;
        out[k].buffer = TRACE_RAW;
        out[k].op = din_ops[lab];
        k++;
    }
    r->line = line;
    *pp = p;
    return k;
bad:
    r->line = line;
    din_fail(r, line, label);
    return k;
}

/* "LABEL HEXADDR": 0 read, 1 write, the address in lower-case hex without 0x, as Dinero. */
void write_din(struct trace_writer *w, const struct trace_rec *rec)
{
    char *start = (char *)w->buf + w->len, *p = start;

    *p++ = rec->op == TRACE_OP_WRITE ? '1' : '0';
    *p++ = ' ';
    p = put_hex_digits(p, rec->addr);
    *p++ = '\n';
    w->len += (size_t)(p - start);
}
