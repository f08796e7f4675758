/*
 * cmd_convert.c - `iommusim convert`: a trace from one format into another.
 *
 * Reads text, bin or din and writes text or bin (din cannot carry markers, times
 * or buffer names). The reader runs without a resolver, so buffer names are
 * numbered in order of first use; each is defined in the writer just before the
 * first record that uses it, which keeps a text -> bin -> text round trip
 * byte-for-byte when the text was written by this program. docs/cli.md has the
 * options.
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
#include "sim/trace/trace.h"

#define CMD             "convert"
#define CONVERT_BATCH   4096u           /* records per trace_next_batch */
#define PROGRESS_EVERY  64u             /* batches between progress updates */

enum {
    OPT_OUTPUT = 'o',
    OPT_FROM = 256,
    OPT_TO,
    OPT_DIN_BYTES,
    OPT_HELP,
};

static const struct option convert_options[] = {
    { "output",    required_argument, NULL, OPT_OUTPUT },
    { "from",      required_argument, NULL, OPT_FROM },
    { "to",        required_argument, NULL, OPT_TO },
    { "din-bytes", required_argument, NULL, OPT_DIN_BYTES },
    { "help",      no_argument,       NULL, OPT_HELP },
    { NULL, 0, NULL, 0 },
};

struct convert_args {
    const char *in, *out;
    enum trace_format from, to;
    uint32_t din_bytes;                 /* 0: the reader's default */
};

/* Which buffer indices the writer has been given a name for. */
struct defined {
    uint8_t bits[(TRACE_MAX_BUFFERS + 7) / 8];
};

static void usage(FILE *out)
{
    fprintf(out,
            "usage: iommusim convert IN -o OUT [--from FMT] [--to FMT] [--din-bytes N]\n"
            "\n"
            "Converts a trace between formats: reads text, bin or din, writes text or bin.\n"
            "Buffer names are kept; '-' is standard input or output.\n"
            "\n"
            "  -o, --output OUT   the file to write\n"
            "  --from FMT         text, bin or din (default: from IN's name: .din din,\n"
            "                     .bin bin, otherwise text)\n"
            "  --to FMT           text or bin (default: from OUT's name: .bin bin,\n"
            "                     otherwise text)\n"
            "  --din-bytes N      bytes of each din access, 1 .. %u (default 64; din only)\n"
            "  --help             this text\n",
            TRACE_MAX_BYTES);
}

/* ------------------------------------------------------------------ arguments */

static int option_error(int c, int argc, char **argv)
{
    const char *arg = optind - 1 < argc ? argv[optind - 1] : "";

    if (c == ':')
        cli_error(CMD, "option '%s' needs a value (see iommusim convert --help)", arg);
    else if (optopt == OPT_HELP)
        cli_error(CMD, "option '%s' takes no value", arg);
    else if (optopt > 0 && optopt < 256)
        cli_error(CMD, "unknown option '-%c' (options: -o/--output, --from, --to, "
                       "--din-bytes, --help)", optopt);
    else
        cli_error(CMD, "unknown option '%s' (options: -o/--output, --from, --to, "
                       "--din-bytes, --help)", arg);
    return CLI_USAGE;
}

static int parse_format(const char *opt, const char *s, bool writing, enum trace_format *out)
{
    if (trace_format_parse(s, out)) {
        cli_error(CMD, "%s '%s' is not a trace format: must be %s", opt, s,
                  writing ? "text or bin" : "text, bin or din");
        return CLI_USAGE;
    }
    if (writing && *out == TRACE_FMT_DIN) {
        cli_error(CMD, "%s din: din cannot be written (it has no times, markers or buffer "
                       "names): must be text or bin", opt);
        return CLI_USAGE;
    }
    return CLI_OK;
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
    while ((c = getopt_long(argc, argv, ":o:", convert_options, NULL)) != -1) {
        if ((rc = cli_once_getopt(CMD, &once, convert_options, c, optarg)))
            return rc;
        switch (c) {
        case OPT_OUTPUT:
            a->out = optarg;
            break;
        case OPT_FROM:
            if ((rc = parse_format("--from", optarg, false, &a->from)))
                return rc;
            from_given = true;
            break;
        case OPT_TO:
            if ((rc = parse_format("--to", optarg, true, &a->to)))
                return rc;
            to_given = true;
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
    if (!to_given) {
        a->to = trace_format_from_path(a->out);
        if (a->to == TRACE_FMT_DIN) {
            cli_error(CMD, "-o %s: din cannot be written (it has no times, markers or buffer "
                           "names); name the output .txt or .bin, or give --to text|bin", a->out);
            return CLI_USAGE;
        }
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
 * Names the record's buffer in the writer the first time a record uses it: 0,
 * -2 after a write error, -3 (reported here) if the reader has no name for it.
 */
static int define_once(struct trace_reader *r, struct trace_writer *w, struct defined *d,
                       unsigned index)
{
    const char *name;

    if (d->bits[index / 8] & (1u << (index % 8)))
        return 0;
    name = trace_buffer_name(r, index);
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
static int copy(struct trace_reader *r, struct trace_writer *w, uint64_t *count)
{
    struct trace_rec *recs = malloc(CONVERT_BATCH * sizeof(*recs));
    struct defined *d = calloc(1, sizeof(*d));
    unsigned batches = 0;
    long n;
    int rc = 0;

    *count = 0;
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
            const struct trace_rec *rec = &recs[i];

            if (rec->op <= TRACE_OP_WRITE && rec->buffer != TRACE_RAW)
                rc = define_once(r, w, d, rec->buffer);
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
    uint64_t count;
    int rc, frc;

    rc = parse_args(argc, argv, &a);
    if (rc < 0)
        return CLI_OK;
    if (rc)
        return rc;
    opts.format = a.from;
    opts.din_bytes = a.din_bytes;
    r = trace_open(a.in, &opts, err, sizeof(err));
    if (!r) {
        cli_error(CMD, "%s", err);
        return CLI_FAILED;
    }
    if (cli_outfile_begin(&of, a.out, &path, err, sizeof(err))) {
        cli_error(CMD, "%s", err);
        trace_close(r);
        return CLI_FAILED;
    }
    w = trace_create(path, a.to, err, sizeof(err));
    if (!w) {
        cli_outfile_fix_msg(&of, err, sizeof(err));
        cli_error(CMD, "%s", err);
        cli_outfile_abort(&of);
        trace_close(r);
        return CLI_FAILED;
    }
    cli_progress_begin();
    rc = copy(r, w, &count);
    cli_progress_end();
    if (rc == -1)
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
            "converted %" PRIu64 " records: %s (%s) -> %s (%s)\n", count, a.in,
            trace_format_name(a.from), a.out, trace_format_name(a.to));
    return CLI_OK;
}
