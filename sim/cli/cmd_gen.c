/*
 * cmd_gen.c - `iommusim gen`: write a generated trace to a file.
 *
 * The generators (sim/trace/tracegen.c) read their parameters from a configuration
 * map, the same one a scenario's `generator:` section is. This command builds
 * that map from its options, "kind: KIND" plus one `--set`-style override per
 * --PARAM VALUE, so the command line accepts exactly the names, values and
 * checks a scenario does; a parameter error comes back with the position
 * "<command line>:--set N", which is turned into the option the user wrote.
 *
 * After the trace, a summary on stdout gives the records written and the bytes
 * each buffer must have, which is what a scenario needs to map the buffers.
 *
 * din output carries raw IOVAs only: each buffer then gets a base (--base NAME=ADDR,
 * or laid out from 0x10000000 on 1 MiB boundaries, sim/trace/bases.h), its records
 * become base + offset, markers are dropped, and the summary gives each base, so a
 * scenario can pin the buffers there (buffers.NAME.iova) and replay the trace.
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/cli/cli.h"
#include "sim/cli/opts.h"
#include "sim/cli/outfile.h"
#include "sim/config/config.h"
#include "sim/trace/bases.h"
#include "sim/trace/trace.h"
#include "sim/trace/tracegen.h"

#define CMD             "gen"
#define CONFIG_NAME     "<command line>"
#define SET_PREFIX      CONFIG_NAME ":--set "
#define MAX_PARAM_NAME  64              /* longer option names are not parameters */
#define PROGRESS_EVERY  (1u << 16)      /* records between progress updates */
#define MAX_GEN_BUFFERS 64              /* more than any generator has (video_decode: 17) */

/* One parameter option, kept to name it in errors. */
struct param_opt {
    char option[MAX_PARAM_NAME + 8];    /* as written, without the value: "--width", "--set format" */
    char key[MAX_PARAM_NAME + 1];       /* the parameter name */
};

struct gen_args {
    enum tracegen_kind kind;
    const char *out;
    enum trace_format format;
    bool format_given;
    struct param_opt *params;           /* in command-line order = --set order */
    unsigned nparams;
    struct trace_bases *bases;          /* din output: where each buffer starts */
};

static void usage(FILE *out)
{
    fprintf(out,
            "usage: iommusim gen KIND [--PARAM VALUE | --PARAM=VALUE ...] [--format FMT] -o FILE\n"
            "       iommusim gen --list\n"
            "       iommusim gen KIND --help\n"
            "\n"
            "Writes the trace of one generator (how a multimedia core walks its buffers)\n"
            "and prints the records written and the bytes each buffer needs.\n"
            "\n"
            "  KIND             ");
    for (unsigned k = 0; k < TRACEGEN_NKINDS; k++)
        fprintf(out, "%s%s", k ? ", " : "", tracegen_kind_name((enum tracegen_kind)k));
    fprintf(out,
            "\n"
            "  --PARAM VALUE    a parameter of the kind, with the names and value formats\n"
            "                   of a scenario's generator section ('iommusim gen KIND --help'\n"
            "                   lists them); '-' in PARAM stands for '_'\n"
            "  --set PARAM=VALUE  the same, for a parameter named like an option of this\n"
            "                   command (the camera's pixel format: --set format=yuyv)\n"
            "  --format FMT     text, bin, cbin or din (default: from FILE's name: .bin\n"
            "                   bin, .cbin cbin, .din din, otherwise text; .gz, .xz,\n"
            "                   .zst compress)\n"
            "  --base NAME=ADDR din: buffer NAME starts at IOVA ADDR (default: the buffers\n"
            "                   one after another from 0x10000000, on 1 MiB boundaries)\n"
            "  -o, --output FILE  the file to write ('-' for standard output; the summary\n"
            "                   then goes to standard error)\n"
            "  --list           the kinds\n"
            "  --help           this text, or with KIND the kind's parameters\n");
}

static void list_kinds(void)
{
    for (unsigned k = 0; k < TRACEGEN_NKINDS; k++)
        printf("%s\n", tracegen_kind_name((enum tracegen_kind)k));
}

/*
 * The kind's parameters, then its buffers as the parameters given before --help (or the
 * defaults) make them: the names a scenario's master maps in its `buffers:` section.
 */
static void kind_usage(enum tracegen_kind kind, const struct config *cfg)
{
    struct config_err cerr = { 0 };
    struct tracegen *g = tracegen_new(config_root(cfg), &cerr);

    printf("usage: iommusim gen %s [--PARAM VALUE ...] [--format text|bin|din] -o FILE\n\n",
           tracegen_kind_name(kind));
    tracegen_print_params(stdout, kind);
    if (!g) {
        printf("\nbuffers: none with these parameters (%s)\n", cerr.msg);
        return;
    }
    printf("\nbuffers (with the parameters given before --help, else the defaults; a\n"
           "scenario's master maps each by this name in its buffers: section):\n");
    for (unsigned i = 0; i < tracegen_num_buffers(g); i++)
        printf("  %-11s %" PRIu64 " bytes\n", tracegen_buffer_name(g, i),
               tracegen_buffer_size(g, i));
    tracegen_free(g);
}

/* ------------------------------------------------------------------ arguments */

/* A parameter name must be one configuration key: no '.', '*' or '=' tricks. */
static bool param_name_ok(const char *s, size_t len)
{
    if (!len || len > MAX_PARAM_NAME)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-'))
            return false;
    }
    return true;
}

/* The trace format. The camera has a parameter called format too: say how to reach it. */
static int parse_format(struct gen_args *a, const char *s)
{
    enum trace_format f;

    if (trace_format_parse(s, &f)) {
        if (a->kind == TRACEGEN_CAMERA)
            cli_error(CMD, "--format '%s' is not a trace format: must be " TRACE_FORMAT_NAMES " (the "
                           "camera's pixel format is given as --set format=%s)", s, s);
        else
            cli_error(CMD, "--format '%s' is not a trace format: must be " TRACE_FORMAT_NAMES, s);
        return CLI_USAGE;
    }
    a->format = f;
    return CLI_OK;
}

/*
 * A parameter error from the configuration layer, in command-line words. Its
 * message is "POSITION: error: KEY: what is wrong" or, for an unknown key,
 * "POSITION: error: unknown key 'K' at top level; did you mean 'S'?". The
 * position "<command line>:--set N" becomes the option that made override N,
 * the key it repeats is dropped, and a suggestion is spelt as an option.
 * Anything else is shown as it is.
 */
static void param_error(const struct gen_args *a, const char *msg)
{
    const char *kind = tracegen_kind_name(a->kind), *what = msg, *near, *q;
    const struct param_opt *p = NULL;
    unsigned long n;
    char *end;

    if (!strncmp(msg, SET_PREFIX, strlen(SET_PREFIX))) {
        n = strtoul(msg + strlen(SET_PREFIX), &end, 10);
        if (n >= 1 && n <= a->nparams && !strncmp(end, ": error: ", 9)) {
            p = &a->params[n - 1];
            what = end + 9;
        }
    } else if (!strncmp(msg, CONFIG_NAME ":", strlen(CONFIG_NAME ":")) &&
               (q = strstr(msg, ": error: ")) != NULL) {
        what = q + 9;
    }
    if (what == msg) {
        cli_error(CMD, "%s", msg);
        return;
    }
    if (p && !strncmp(what, p->key, strlen(p->key)) && !strncmp(what + strlen(p->key), ": ", 2))
        what += strlen(p->key) + 2;
    if (p && !strncmp(what, "unknown key '", 13)) {
        near = strstr(what, "did you mean '");
        q = near ? strchr(near + 14, '\'') : NULL;
        if (q)
            cli_error(CMD, "%s: %s has no parameter '%s'; did you mean --%.*s?", p->option,
                      kind, p->key, (int)(q - near - 14), near + 14);
        else
            cli_error(CMD, "%s: %s has no parameter '%s' (iommusim gen %s --help lists them)",
                      p->option, kind, p->key, kind);
        return;
    }
    cli_error(CMD, "%s: %s", p ? p->option : kind, what);
}

/*
 * Adds one parameter to the map as the override "KEY=VALUE". `option` names it
 * in errors ("--width", "--set format"); `name` is the parameter as written.
 */
static int add_param(struct gen_args *a, struct config *cfg, const char *option,
                     const char *name, size_t len, const char *value, struct config_err *cerr)
{
    struct param_opt *p = &a->params[a->nparams];
    char *set;
    int rc;

    if (!param_name_ok(name, len)) {
        cli_error(CMD, "%s: '%.*s' is not a parameter name: names are letters, digits, '_' "
                       "and '-' (see iommusim gen %s --help)", option, (int)len, name,
                  tracegen_kind_name(a->kind));
        return CLI_USAGE;
    }
    /* Scenario keys use '_'; the command line may spell them with '-'. */
    for (size_t i = 0; i < len; i++)
        p->key[i] = name[i] == '-' ? '_' : name[i];
    p->key[len] = '\0';
    snprintf(p->option, sizeof(p->option), "%s", option);
    if (!strcmp(p->key, "kind")) {
        cli_error(CMD, "%s: the kind is the first argument (iommusim gen KIND ...)", option);
        return CLI_USAGE;
    }
    for (unsigned i = 0; i < a->nparams; i++)
        if (!strcmp(a->params[i].key, p->key)) {
            if (strcmp(a->params[i].option, option))
                cli_error(CMD, "%s: parameter '%s' is given twice (%s and %s)", option, p->key,
                          a->params[i].option, option);
            else
                cli_error(CMD, "%s: parameter '%s' is given twice", option, p->key);
            return CLI_USAGE;
        }
    set = malloc(len + strlen(value) + 2);
    if (!set) {
        cli_error(CMD, "out of memory");
        return CLI_FAILED;
    }
    sprintf(set, "%s=%s", p->key, value);
    rc = config_set(cfg, set, cerr);
    free(set);
    a->nparams++;
    if (rc) {
        param_error(a, cerr->msg);
        return CLI_USAGE;
    }
    return CLI_OK;
}

/* "--set KEY=VALUE": the generic spelling, for a parameter named like an option. */
static int add_set(struct gen_args *a, struct config *cfg, const char *value,
                   struct config_err *cerr)
{
    const char *eq = strchr(value, '=');
    char option[MAX_PARAM_NAME + 8];

    if (!eq || eq == value) {
        cli_error(CMD, "--set '%s': expected PARAM=VALUE", value);
        return CLI_USAGE;
    }
    snprintf(option, sizeof(option), "--set %.*s", (int)(eq - value), value);
    return add_param(a, cfg, option, value, (size_t)(eq - value), eq + 1, cerr);
}

enum { OPT_FORMAT = 256, OPT_SET, OPT_BASE, OPT_LIST };

/*
 * The command's own options. Everything else spelt --NAME is a parameter of the kind,
 * passed to the generator as written (it knows its parameters, and suggests the
 * nearest for a misspelt one), so the parameters are not in this table.
 */
static const struct option gen_options[] = {
    { "output", required_argument, NULL, 'o' },
    { "format", required_argument, NULL, OPT_FORMAT },
    { "set",    required_argument, NULL, OPT_SET },
    { "base",   required_argument, NULL, OPT_BASE },
    { "list",   no_argument,       NULL, OPT_LIST },
    { "help",   no_argument,       NULL, 'h' },
    { NULL, 0, NULL, 0 },
};

/*
 * argv[optind - 1], which getopt_long did not know: a parameter `--NAME VALUE` or
 * `--NAME=VALUE` (its value then taken from the next argument, optind moved past it),
 * or an unknown short option.
 */
static int param_option(int argc, char **argv, struct gen_args *a, struct config *cfg,
                        struct config_err *cerr)
{
    const char *arg = argv[optind - 1], *eq = strchr(arg, '='), *value;
    size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
    char option[MAX_PARAM_NAME + 8];

    if (strncmp(arg, "--", 2) || len == 2) {
        cli_error(CMD, "unknown option '%s' (options: --PARAM VALUE, --set PARAM=VALUE, "
                       "--format, --base, -o/--output, --list, --help)", arg);
        return CLI_USAGE;
    }
    if (eq && (!strncmp(arg, "--help=", 7) || !strncmp(arg, "--list=", 7))) {
        cli_error(CMD, "option '%.6s' takes no value", arg);
        return CLI_USAGE;
    }
    snprintf(option, sizeof(option), "%.*s", (int)len, arg);
    value = eq ? eq + 1 : optind < argc ? argv[optind++] : NULL;
    if (!value) {
        cli_error(CMD, "option '%s' needs a value (see iommusim gen %s --help)", option,
                  tracegen_kind_name(a->kind));
        return CLI_USAGE;
    }
    return add_param(a, cfg, option, arg + 2, len - 2, value, cerr);
}

/* One of the command's own options with its value. */
static int own_option(int c, const char *value, struct gen_args *a, struct config *cfg,
                      struct config_err *cerr)
{
    char err[256];
    int rc;

    switch (c) {
    case 'o':
        a->out = value;
        return CLI_OK;
    case OPT_FORMAT:
        if ((rc = parse_format(a, value)))
            return rc;
        a->format_given = true;
        return CLI_OK;
    case OPT_SET:
        return add_set(a, cfg, value, cerr);
    default:                            /* OPT_BASE */
        if (!a->bases && !(a->bases = trace_bases_new())) {
            cli_error(CMD, "out of memory");
            return CLI_FAILED;
        }
        if (trace_bases_parse(a->bases, value, err, sizeof(err))) {
            cli_error(CMD, "--base %s", err);
            return CLI_USAGE;
        }
        return CLI_OK;
    }
}

/*
 * The options after KIND (argv[0] is KIND). CLI_OK, CLI_USAGE, CLI_FAILED, or -1 after
 * --help / --list. '+': the first argument that is not an option ends them, and is an
 * error.
 */
static int parse_options(int argc, char **argv, struct gen_args *a, struct config *cfg)
{
    struct config_err cerr = { 0 };
    struct cli_once once = { 0 };
    int c, rc;

    opterr = 0;
    optind = 0;                         /* full reinitialisation (GNU) */
    while ((c = getopt_long(argc, argv, "+:ho:", gen_options, NULL)) != -1) {
        switch (c) {
        case 'h':
            kind_usage(a->kind, cfg);
            return -1;
        case OPT_LIST:
            list_kinds();
            return -1;
        case ':':
            cli_error(CMD, "option '%s' needs a value (see iommusim gen %s --help)",
                      argv[optind - 1], tracegen_kind_name(a->kind));
            return CLI_USAGE;
        case '?':
            rc = param_option(argc, argv, a, cfg, &cerr);
            break;
        default:
            rc = c == OPT_SET || c == OPT_BASE ? CLI_OK      /* these repeat */
                                               : cli_once_getopt(CMD, &once, gen_options, c,
                                                                 optarg);
            if (!rc)
                rc = own_option(c, optarg, a, cfg, &cerr);
        }
        if (rc)
            return rc;
    }
    if (optind < argc) {
        cli_error(CMD, "unexpected argument '%s': parameters are given as --PARAM VALUE "
                       "(see iommusim gen %s --help)", argv[optind], tracegen_kind_name(a->kind));
        return CLI_USAGE;
    }
    if (!a->out) {
        cli_error(CMD, "missing -o FILE (usage: iommusim gen KIND [--PARAM VALUE ...] "
                       "[--format text|bin|din] -o FILE)");
        return CLI_USAGE;
    }
    if (!a->format_given)
        a->format = trace_format_from_path(a->out);
    if (a->bases && a->format != TRACE_FMT_DIN) {
        cli_error(CMD, "--base applies to din output only (text and bin keep the buffer "
                       "names; give -o FILE.din or --format din)");
        return CLI_USAGE;
    }
    return CLI_OK;
}

/* ------------------------------------------------------------------ writing */

/*
 * din output: the base of every buffer of the generator (given, or laid out), as
 * base[i] for the generator's buffer i. CLI_OK or CLI_USAGE (reported here).
 */
static int din_bases(struct gen_args *a, const struct tracegen *g, uint64_t *base)
{
    unsigned n = tracegen_num_buffers(g);
    const char *names[MAX_GEN_BUFFERS];
    uint64_t sizes[MAX_GEN_BUFFERS];
    char err[256];

    if (n > MAX_GEN_BUFFERS) {
        cli_error(CMD, "internal error: %u buffers (at most %d)", n, MAX_GEN_BUFFERS);
        return CLI_FAILED;
    }
    if (!a->bases && !(a->bases = trace_bases_new())) {
        cli_error(CMD, "out of memory");
        return CLI_FAILED;
    }
    for (unsigned i = 0; i < trace_bases_count(a->bases); i++) {
        bool known = false;

        for (unsigned k = 0; k < n; k++)
            known |= !strcmp(tracegen_buffer_name(g, k), trace_bases_name(a->bases, i));
        if (!known) {
            cli_error(CMD, "--base %s=...: the %s generator has no buffer %s",
                      trace_bases_name(a->bases, i), tracegen_kind_name(a->kind),
                      trace_bases_name(a->bases, i));
            return CLI_USAGE;
        }
    }
    for (unsigned i = 0; i < n; i++) {
        names[i] = tracegen_buffer_name(g, i);
        sizes[i] = tracegen_buffer_size(g, i);
    }
    if (trace_bases_layout(a->bases, names, sizes, n, err, sizeof(err))) {
        cli_error(CMD, "--base: %s", err);
        return CLI_USAGE;
    }
    for (unsigned i = 0; i < n; i++)
        base[i] = trace_bases_base(a->bases, (unsigned)trace_bases_find(a->bases, names[i]));
    return CLI_OK;
}

/*
 * Every record of the generator into w (din: relocated by base, markers dropped);
 * 0, or a negative errno from the writer.
 */
static int write_trace(const struct gen_args *a, struct tracegen *g, struct trace_writer *w,
                       const uint64_t *base, uint64_t *count)
{
    bool din = a->format == TRACE_FMT_DIN;
    struct trace_rec rec;
    int rc;

    *count = 0;
    for (unsigned i = 0; i < tracegen_num_buffers(g); i++) {
        rc = trace_define_buffer(w, i, tracegen_buffer_name(g, i));
        if (rc)
            return rc;
    }
    while (tracegen_next(g, &rec) == 1) {
        if (din && rec.op > TRACE_OP_WRITE)
            continue;                   /* din has no markers */
        if (din && rec.buffer != TRACE_RAW) {
            rec.addr += base[rec.buffer];   /* within 2^64: a buffer fits above its base */
            rec.buffer = TRACE_RAW;
        }
        rc = trace_write(w, &rec);
        if (rc)
            return rc;
        if (++*count % PROGRESS_EVERY == 0)
            cli_progress("gen: %" PRIu64 " records", *count);
    }
    return 0;
}

static void summary(FILE *out, const struct gen_args *a, const struct tracegen *g,
                    const uint64_t *base, uint64_t count)
{
    fprintf(out, "wrote %" PRIu64 " records to %s (%s%s)\n", count, a->out,
            trace_format_name(a->format),
            a->format == TRACE_FMT_DIN ? ": accesses only, at raw IOVAs" : "");
    for (unsigned i = 0; i < tracegen_num_buffers(g); i++) {
        fprintf(out, "buffer %s: %" PRIu64 " bytes", tracegen_buffer_name(g, i),
                tracegen_buffer_size(g, i));
        if (a->format == TRACE_FMT_DIN)
            fprintf(out, " at 0x%" PRIx64, base[i]);
        fputc('\n', out);
    }
}

static int generate(struct gen_args *a, struct tracegen *g)
{
    char err[TRACE_ERR_MAX];
    struct cli_outfile of;
    struct trace_writer *w;
    const char *path;
    uint64_t count, base[MAX_GEN_BUFFERS] = { 0 };
    int rc, frc;

    if (a->format == TRACE_FMT_DIN && (rc = din_bases(a, g, base)))
        return rc;
    if (cli_outfile_begin(&of, a->out, &path, err, sizeof(err))) {
        cli_error(CMD, "%s", err);
        return CLI_FAILED;
    }
    w = trace_create_as(path, a->out, a->format, err, sizeof(err));
    if (!w) {
        cli_outfile_fix_msg(&of, err, sizeof(err));
        cli_error(CMD, "%s", err);
        cli_outfile_abort(&of);
        return CLI_FAILED;
    }
    cli_progress_begin();
    rc = write_trace(a, g, w, base, &count);
    cli_progress_end();
    frc = trace_finish(w, err, sizeof(err));
    if (!rc && !frc)
        frc = cli_outfile_commit(&of, err, sizeof(err));
    if (rc || frc) {
        cli_outfile_fix_msg(&of, err, sizeof(err));
        cli_error(CMD, "%s", frc ? err : "cannot write the output");
        /* A partial output would pass for a shorter trace: only the temporary goes. */
        cli_outfile_abort(&of);
        return CLI_FAILED;
    }
    summary(strcmp(a->out, "-") ? stdout : stderr, a, g, base, count);
    return CLI_OK;
}

int cmd_gen(int argc, char **argv)
{
    struct config_err cerr = { 0 };
    struct gen_args a = { 0 };
    struct config *cfg = NULL;
    struct tracegen *g = NULL;
    char text[64];
    int rc;

    if (argc < 2) {
        cli_error(CMD, "missing the generator KIND (iommusim gen --list shows them)");
        return CLI_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        usage(stdout);
        return CLI_OK;
    }
    if (!strcmp(argv[1], "--list")) {
        list_kinds();
        return CLI_OK;
    }
    if (tracegen_kind_parse(argv[1], &a.kind)) {
        char kinds[256] = "";

        for (unsigned k = 0; k < TRACEGEN_NKINDS; k++)
            snprintf(kinds + strlen(kinds), sizeof(kinds) - strlen(kinds), "%s%s",
                     k ? ", " : "", tracegen_kind_name((enum tracegen_kind)k));
        cli_error(CMD, "%s '%s': the first argument is the generator kind: one of %s",
                  argv[1][0] == '-' ? "expected KIND before options, found" : "unknown kind",
                  argv[1], kinds);
        return CLI_USAGE;
    }
    snprintf(text, sizeof(text), "kind: %s\n", tracegen_kind_name(a.kind));
    cfg = config_parse(CONFIG_NAME, text, strlen(text), &cerr);
    a.params = calloc((size_t)argc, sizeof(*a.params));
    if (!cfg || !a.params) {
        cli_error(CMD, "%s", cfg ? "out of memory" : cerr.msg);
        rc = CLI_FAILED;
        goto out;
    }
    rc = parse_options(argc - 1, argv + 1, &a, cfg);
    if (rc) {
        rc = rc < 0 ? CLI_OK : rc;
        goto out;
    }
    g = tracegen_new(config_root(cfg), &cerr);
    if (!g) {
        param_error(&a, cerr.msg);
        rc = CLI_USAGE;
        goto out;
    }
    rc = generate(&a, g);
out:
    if (g)
        tracegen_free(g);
    if (cfg)
        config_free(cfg);
    free(a.params);
    trace_bases_free(a.bases);
    return rc;
}
