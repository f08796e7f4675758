/*
 * cmd_convert.c - `iommusim convert`: a trace from one format into another.
 *
 * Reads and writes text, bin, cbin or din (din keeps only raw accesses:
 * markers and times are dropped, and a buffer name is an error). Without bases the
 * reader runs without a resolver, so buffer names are numbered in order of first
 * use; each is defined in the writer just before the first record that uses it,
 * which keeps a text -> bin -> text round trip byte-for-byte when the text was
 * written by this program.
 *
 * Bases (sim/trace/bases.h) relocate records: with --base NAME=ADDR or --scenario
 * FILE (the IOVAs of its pinned buffers), every buffer+offset record becomes a raw
 * IOVA, base + offset; with --names and a scenario, every raw access that lies
 * wholly in a pinned buffer becomes NAME+OFFSET (the others stay raw). docs/cli.md
 * has the options.
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim/cli/cli.h"
#include "sim/cli/opts.h"
#include "sim/cli/outfile.h"
#include "sim/config/config.h"
#include "sim/scenario/scenario.h"
#include "sim/trace/bases.h"
#include "sim/trace/trace.h"

#define CMD             "convert"
#define CONVERT_BATCH   4096u           /* records per trace_next_batch */
#define PROGRESS_EVERY  64u             /* batches between progress updates */

enum {
    OPT_OUTPUT = 'o',
    OPT_FROM = 256,
    OPT_TO,
    OPT_DIN_BYTES,
    OPT_BASE,
    OPT_SCENARIO,
    OPT_NAMES,
    OPT_HELP,
};

static const struct option convert_options[] = {
    { "output",    required_argument, NULL, OPT_OUTPUT },
    { "from",      required_argument, NULL, OPT_FROM },
    { "to",        required_argument, NULL, OPT_TO },
    { "din-bytes", required_argument, NULL, OPT_DIN_BYTES },
    { "base",      required_argument, NULL, OPT_BASE },
    { "scenario",  required_argument, NULL, OPT_SCENARIO },
    { "names",     no_argument,       NULL, OPT_NAMES },
    { "help",      no_argument,       NULL, OPT_HELP },
    { NULL, 0, NULL, 0 },
};

struct convert_args {
    const char *in, *out;
    enum trace_format from, to;
    uint32_t din_bytes;                 /* 0: the reader's default */
    struct trace_bases *bases;          /* --base and --scenario; NULL: no relocation */
    const char *scenario;
    bool names;                         /* raw IOVAs -> NAME+OFFSET (needs a scenario) */
};

/* Which buffer indices the writer has been given a name for. */
struct defined {
    uint8_t bits[(TRACE_MAX_BUFFERS + 7) / 8];
};

static void usage(FILE *out)
{
    fprintf(out,
            "usage: iommusim convert IN -o OUT [--from FMT] [--to FMT] [--din-bytes N]\n"
            "                       [--base NAME=ADDR ...] [--scenario FILE [--names]]\n"
            "\n"
            "Converts a trace between formats: reads and writes text, bin, cbin or\n"
            "din (raw accesses only: markers and times are dropped). Buffer names are kept,\n"
            "or resolved to raw IOVAs given their bases; '-' is standard input or output;\n"
            "a .gz, .xz or .zst output is compressed.\n"
            "\n"
            "  -o, --output OUT   the file to write\n"
            "  --from FMT         text, bin, cbin or din (default: from IN's name: .din\n"
            "                     din, .bin bin, .cbin cbin, otherwise text)\n"
            "  --to FMT           text, bin, cbin or din (default: from OUT's name: .din\n"
            "                     din, .bin bin, .cbin cbin, otherwise text)\n"
            "  --din-bytes N      bytes of each din access, 1 .. %u (default 64; din only)\n"
            "  --base NAME=ADDR   buffer NAME starts at IOVA ADDR: its records become raw\n"
            "                     IOVAs (repeatable; every name in IN needs a base)\n"
            "  --scenario FILE    the bases of FILE's pinned buffers (buffers.NAME.iova)\n"
            "  --names            the reverse, with --scenario: a raw access inside a\n"
            "                     pinned buffer becomes NAME+OFFSET\n"
            "  --help             this text\n",
            TRACE_MAX_BYTES);
}

/* ------------------------------------------------------------------ arguments */

static int option_error(int c, int argc, char **argv)
{
    const char *arg = optind - 1 < argc ? argv[optind - 1] : "";

    if (c == ':')
        cli_error(CMD, "option '%s' needs a value (see iommusim convert --help)", arg);
    else if (optopt == OPT_HELP || optopt == OPT_NAMES)
        cli_error(CMD, "option '%s' takes no value", arg);
    else if (optopt > 0 && optopt < 256)
        cli_error(CMD, "unknown option '-%c' (options: -o/--output, --from, --to, "
                       "--din-bytes, --base, --scenario, --names, --help)", optopt);
    else
        cli_error(CMD, "unknown option '%s' (options: -o/--output, --from, --to, "
                       "--din-bytes, --base, --scenario, --names, --help)", arg);
    return CLI_USAGE;
}

static int parse_format(const char *opt, const char *s, enum trace_format *out)
{
    if (trace_format_parse(s, out)) {
        cli_error(CMD, "%s '%s' is not a trace format: must be " TRACE_FORMAT_NAMES, opt,
                  s);
        return CLI_USAGE;
    }
    return CLI_OK;
}

/* The bases of a scenario's pinned buffers, with their sizes (0 when a generator sizes it). */
static int scenario_bases(struct convert_args *a)
{
    struct config_err cerr = { 0 };
    struct scenario *scn = scenario_load(a->scenario, NULL, &cerr);
    char err[256];
    int rc = CLI_OK;

    if (!scn) {
        cli_error(CMD, "%s", cerr.msg);
        return CLI_FAILED;
    }
    for (unsigned i = 0; i < scn->nbuffers && rc == CLI_OK; i++) {
        const struct scn_buffer *b = &scn->buffer[i];

        if (b->pinned && trace_bases_add(a->bases, b->name, b->iova, b->size, err, sizeof(err))) {
            cli_error(CMD, "--scenario %s: %s (given by --base too)", a->scenario, err);
            rc = CLI_USAGE;
        }
    }
    scenario_free(scn);
    if (rc == CLI_OK && a->names && trace_bases_check(a->bases, err, sizeof(err))) {
        cli_error(CMD, "--names: %s", err);
        rc = CLI_USAGE;
    }
    return rc;
}

/* True when both paths name one existing file: writing it would destroy the input. */
static bool same_file(const char *a, const char *b)
{
    struct stat sa, sb;

    if (!strcmp(a, "-") || !strcmp(b, "-"))
        return false;
    return !stat(a, &sa) && !stat(b, &sb) && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* CLI_OK, CLI_USAGE, or -1 after --help (the caller exits 0). */
static int parse_args(int argc, char **argv, struct convert_args *a)
{
    bool from_given = false, to_given = false, din_bytes_given = false;
    struct cli_once once = { 0 };
    uint64_t v;
    int c, rc;

    *a = (struct convert_args){ 0 };
    opterr = 0;
    optind = 0;                         /* full reinitialisation (GNU) */
    while ((c = getopt_long(argc, argv, ":ho:", convert_options, NULL)) != -1) {
        if (c == 'h')
            c = OPT_HELP;               /* -h is --help */
        /* --base is repeatable: one per buffer (trace_bases_parse refuses a name twice) */
        if (c != OPT_BASE && (rc = cli_once_getopt(CMD, &once, convert_options, c, optarg)))
            return rc;
        switch (c) {
        case OPT_OUTPUT:
            a->out = optarg;
            break;
        case OPT_FROM:
            if ((rc = parse_format("--from", optarg, &a->from)))
                return rc;
            from_given = true;
            break;
        case OPT_TO:
            if ((rc = parse_format("--to", optarg, &a->to)))
                return rc;
            to_given = true;
            break;
        case OPT_BASE: {
            char err[256];

            if (!a->bases && !(a->bases = trace_bases_new())) {
                cli_error(CMD, "out of memory");
                return CLI_FAILED;
            }
            if (trace_bases_parse(a->bases, optarg, err, sizeof(err))) {
                cli_error(CMD, "--base %s", err);
                return CLI_USAGE;
            }
            break;
        }
        case OPT_SCENARIO:
            a->scenario = optarg;
            break;
        case OPT_NAMES:
            a->names = true;
            break;
        case OPT_DIN_BYTES:
            if (config_parse_u64(optarg, &v) || v < 1 || v > TRACE_MAX_BYTES) {
                cli_error(CMD, "--din-bytes '%s' is not allowed: must be an integer 1 .. %u",
                          optarg, TRACE_MAX_BYTES);
                return CLI_USAGE;
            }
            a->din_bytes = (uint32_t)v;
            din_bytes_given = true;
            break;
        case OPT_HELP:
            usage(stdout);
            return -1;
        default:
            return option_error(c, argc, argv);
        }
    }
    if (optind < argc)
        a->in = argv[optind++];
    if (optind < argc) {
        cli_error(CMD, "unexpected argument '%s': convert takes one input file", argv[optind]);
        return CLI_USAGE;
    }
    if (!a->in || !a->out) {
        cli_error(CMD, "missing %s (usage: iommusim convert IN -o OUT [--from FMT] "
                       "[--to FMT] [--din-bytes N])", !a->in ? "the input file IN" : "-o OUT");
        return CLI_USAGE;
    }
    if (!from_given)
        a->from = trace_format_from_path(a->in);
    if (!to_given)
        a->to = trace_format_from_path(a->out);
    if (a->names && !a->scenario) {
        cli_error(CMD, "--names needs --scenario FILE: the pinned buffers (buffers.NAME.iova) "
                       "whose names the raw IOVAs get");
        return CLI_USAGE;
    }
    if (a->names && a->bases) {
        cli_error(CMD, "--names takes its buffers from --scenario only (--base gives no size)");
        return CLI_USAGE;
    }
    if (a->names && a->to == TRACE_FMT_DIN) {
        cli_error(CMD, "--names with din output: din carries raw IOVAs only, not buffer names");
        return CLI_USAGE;
    }
    if (a->scenario) {
        if (!a->bases && !(a->bases = trace_bases_new())) {
            cli_error(CMD, "out of memory");
            return CLI_FAILED;
        }
        if ((rc = scenario_bases(a)))
            return rc;
    }
    if (din_bytes_given && a->from != TRACE_FMT_DIN) {
        cli_error(CMD, "--din-bytes applies to din input only, and %s is read as %s",
                  a->in, trace_format_name(a->from));
        return CLI_USAGE;
    }
    if (same_file(a->in, a->out)) {
        cli_error(CMD, "-o %s is the input file itself: writing it would destroy the input",
                  a->out);
        return CLI_USAGE;
    }
    return CLI_OK;
}

/* ------------------------------------------------------------------ copy */

/*
 * The reader's resolver with bases: a name's index is its entry in the table. A name
 * the table does not have is an error when relocating (it would stay a name); for
 * --names it gets an entry of its own, without a base, so it stays NAME+OFFSET.
 */
static int resolve_base(void *arg, const char *name)
{
    const struct convert_args *a = arg;
    int i = trace_bases_find(a->bases, name);
    char err[128];

    if (i < 0 && a->names && !trace_bases_add(a->bases, name, 0, 0, err, sizeof(err)))
        i = trace_bases_find(a->bases, name);
    return i;
}

/*
 * Moves one access between buffer+offset and raw: 0, or -3 (reported here) when
 * base + offset + bytes passes 2^64.
 */
static int relocate(const struct convert_args *a, struct trace_rec *rec, uint64_t number)
{
    unsigned index;
    uint64_t off, base;

    if (a->names) {
        if (rec->buffer == TRACE_RAW && trace_bases_locate(a->bases, rec->addr, rec->bytes,
                                                           &index, &off)) {
            rec->buffer = (uint16_t)index;
            rec->addr = off;
        }
        return 0;
    }
    if (rec->buffer == TRACE_RAW)
        return 0;
    base = trace_bases_base(a->bases, rec->buffer);
    if (rec->addr > UINT64_MAX - base || base + rec->addr > UINT64_MAX - (rec->bytes - 1)) {
        cli_error(CMD, "%s: record %" PRIu64 ": %s+0x%" PRIx64 " of %u bytes at base 0x%"
                  PRIx64 " passes the end of the 64-bit address space", a->in, number,
                  trace_bases_name(a->bases, rec->buffer), rec->addr, rec->bytes, base);
        return -3;
    }
    rec->addr += base;
    rec->buffer = TRACE_RAW;
    return 0;
}

/*
 * Names the record's buffer in the writer the first time a record uses it: 0,
 * -2 after a write error, -3 (reported here) if the reader has no name for it.
 */
static int define_once(const struct convert_args *a, struct trace_reader *r,
                       struct trace_writer *w, struct defined *d, unsigned index)
{
    const char *name;

    if (d->bits[index / 8] & (1u << (index % 8)))
        return 0;
    name = a->bases ? trace_bases_name(a->bases, index) : trace_buffer_name(r, index);
    if (!name) {
        cli_error(CMD, "internal error: the reader returned buffer %u without a name", index);
        return -3;
    }
    d->bits[index / 8] |= (uint8_t)(1u << (index % 8));
    return trace_define_buffer(w, index, name) ? -2 : 0;
}

/*
 * Copies every record. 0 on success, -1 after a reader error, -2 after a write
 * error (the writer's message comes from trace_finish), -3 after an error
 * reported here.
 */
static int copy(const struct convert_args *a, struct trace_reader *r, struct trace_writer *w,
                uint64_t *count, uint64_t *dropped)
{
    struct trace_rec *recs = malloc(CONVERT_BATCH * sizeof(*recs));
    struct defined *d = calloc(1, sizeof(*d));
    unsigned batches = 0;
    long n;
    int rc = 0;

    *count = *dropped = 0;
    if (!recs || !d) {
        free(recs);
        free(d);
        cli_error(CMD, "out of memory");
        return -3;
    }
    while (!rc && (n = trace_next_batch(r, recs, CONVERT_BATCH)) != 0) {
        if (n < 0) {
            rc = -1;
            break;
        }
        for (long i = 0; i < n && !rc; i++) {
            struct trace_rec *rec = &recs[i];

            if (rec->op > TRACE_OP_WRITE && a->to == TRACE_FMT_DIN) {
                (*dropped)++;           /* din has no markers */
                continue;
            }
            if (rec->op <= TRACE_OP_WRITE && a->bases)
                rc = relocate(a, rec, *count + *dropped + 1);
            if (!rc && rec->op <= TRACE_OP_WRITE && rec->buffer != TRACE_RAW &&
                a->to == TRACE_FMT_DIN) {
                cli_error(CMD, "%s: record %" PRIu64 ": an access to buffer %s: din carries raw "
                          "IOVAs only (give its base: --base %s=ADDR, or --scenario FILE with "
                          "the buffer pinned)", a->in, *count + *dropped + 1,
                          trace_buffer_name(r, rec->buffer), trace_buffer_name(r, rec->buffer));
                rc = -3;
            }
            if (!rc && rec->op <= TRACE_OP_WRITE && rec->buffer != TRACE_RAW)
                rc = define_once(a, r, w, d, rec->buffer);
            if (!rc && trace_write(w, rec))
                rc = -2;
            if (!rc)
                (*count)++;
        }
        if (++batches % PROGRESS_EVERY == 0)
            cli_progress("convert: %" PRIu64 " records", *count);
    }
    free(recs);
    free(d);
    return rc;
}

int cmd_convert(int argc, char **argv)
{
    struct trace_reader_opts opts = { 0 };
    struct convert_args a;
    struct trace_reader *r;
    struct trace_writer *w;
    char err[TRACE_ERR_MAX];
    struct cli_outfile of;
    const char *path;
    uint64_t count, dropped;
    int rc, frc;

    rc = parse_args(argc, argv, &a);
    if (rc) {
        trace_bases_free(a.bases);
        return rc < 0 ? CLI_OK : rc;
    }
    opts.format = a.from;
    opts.din_bytes = a.din_bytes;
    if (a.bases) {
        opts.resolve = resolve_base;
        opts.resolve_arg = &a;
    }
    r = trace_open(a.in, &opts, err, sizeof(err));
    if (!r) {
        cli_error(CMD, "%s", err);
        trace_bases_free(a.bases);
        return CLI_FAILED;
    }
    if (cli_outfile_begin(&of, a.out, &path, err, sizeof(err))) {
        cli_error(CMD, "%s", err);
        trace_close(r);
        trace_bases_free(a.bases);
        return CLI_FAILED;
    }
    w = trace_create_as(path, a.out, a.to, err, sizeof(err));
    if (!w) {
        cli_outfile_fix_msg(&of, err, sizeof(err));
        cli_error(CMD, "%s", err);
        cli_outfile_abort(&of);
        trace_close(r);
        trace_bases_free(a.bases);
        return CLI_FAILED;
    }
    cli_progress_begin();
    rc = copy(&a, r, w, &count, &dropped);
    cli_progress_end();
    bool relocating = a.bases != NULL;
    trace_bases_free(a.bases);
    if (rc == -1 && relocating && strstr(trace_error(r), "unknown buffer"))
        cli_error(CMD, "%s (%s)", trace_error(r), a.scenario
                  ? "every buffer a relocated trace names needs a base: pin it in the "
                    "scenario (buffers.NAME.iova) or give --base NAME=ADDR"
                  : "every buffer a relocated trace names needs a base: give --base NAME=ADDR");
    else if (rc == -1)
        cli_error(CMD, "%s", trace_error(r));
    frc = trace_finish(w, err, sizeof(err));
    if (!rc && !frc)
        frc = cli_outfile_commit(&of, err, sizeof(err));
    cli_outfile_fix_msg(&of, err, sizeof(err));
    if (rc == -2 || (!rc && frc))
        cli_error(CMD, "%s", frc ? err : "cannot write the output");
    trace_close(r);
    if (rc || frc) {
        /* A partial output would pass for a shorter trace: only the temporary goes. */
        cli_outfile_abort(&of);
        return CLI_FAILED;
    }
    fprintf(strcmp(a.out, "-") ? stdout : stderr,
            "converted %" PRIu64 " records: %s (%s) -> %s (%s)", count, a.in,
            trace_format_name(a.from), a.out, trace_format_name(a.to));
    if (dropped)
        fprintf(strcmp(a.out, "-") ? stdout : stderr, "; %" PRIu64 " markers dropped (din has "
                "none)", dropped);
    fputc('\n', strcmp(a.out, "-") ? stdout : stderr);
    return CLI_OK;
}
