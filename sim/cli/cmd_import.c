/*
 * cmd_import.c - `iommusim import FORMAT FILE -o TRACE`: another tool's trace (gem5,
 * Linux ftrace, QEMU, a bus log in columns) into an iommusim trace, and for ftrace a
 * scenario fragment of the kernel's mappings.
 *
 * Only the arguments are handled here; the importers are in sim/trace/import*.c
 * (sim/trace/import.h). docs/cli.md has the options, docs/traces.md the formats.
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stddef.h>

#include "sim/cli/cli.h"
#include "sim/config/config.h"
#include "sim/trace/import.h"
#include "sim/trace/trace.h"

#define CMD "import"

enum {
    OPT_OUTPUT = 'o',
    OPT_SPLIT = 256,
    OPT_FRAGMENT,
    OPT_DOMAIN,
    OPT_PARTITION,
    OPT_BYTES,
    OPT_RW,
    OPT_PAGE_SIZES,
    OPT_COLUMNS,
    OPT_RADIX,
    OPT_TIME_UNIT,
    OPT_CLOCK,
    OPT_SEP,
    OPT_HELP,
};

static const struct option import_options[] = {
    { "output",     required_argument, NULL, OPT_OUTPUT },
    { "split",      no_argument,       NULL, OPT_SPLIT },
    { "fragment",   required_argument, NULL, OPT_FRAGMENT },
    { "domain",     required_argument, NULL, OPT_DOMAIN },
    { "partition",  required_argument, NULL, OPT_PARTITION },
    { "bytes",      required_argument, NULL, OPT_BYTES },
    { "rw",         required_argument, NULL, OPT_RW },
    { "page-sizes", required_argument, NULL, OPT_PAGE_SIZES },
    { "columns",    required_argument, NULL, OPT_COLUMNS },
    { "radix",      required_argument, NULL, OPT_RADIX },
    { "time-unit",  required_argument, NULL, OPT_TIME_UNIT },
    { "clock",      required_argument, NULL, OPT_CLOCK },
    { "sep",        required_argument, NULL, OPT_SEP },
    { "help",       no_argument,       NULL, OPT_HELP },
    { NULL, 0, NULL, 0 },
};

#define OPTION_LIST "-o/--output, --split, --fragment, --domain, --partition, --bytes, --rw, " \
                    "--page-sizes, --columns, --radix, --time-unit, --clock, --sep, --help"

static const struct { const char *name; uint64_t ps; } time_units[] = {
    { "ps", 1 }, { "ns", 1000 }, { "us", 1000000 }, { "ms", 1000000000 },
    { "s", 1000000000000ull },
};

static void usage(FILE *out)
{
    fprintf(out,
            "usage: iommusim import FORMAT FILE -o TRACE [OPTIONS]\n"
            "\n"
            "Turns another tool's trace into an iommusim trace of raw-IOVA accesses (text,\n"
            "or bin when TRACE ends in .bin). FILE may be gzip-compressed; '-' is standard\n"
            "input (and, for TRACE, output). FORMAT:\n"
            "  gem5     a gem5 packet trace (MemTraceProbe, CommMonitor; .trc or .trc.gz)\n"
            "  ftrace   Linux ftrace text of iommu:map/unmap/io_page_fault and dma:* events\n"
            "  qemu     QEMU's smmuv3_translate* and vtd_dmar_* trace events\n"
            "  columns  a bus log, one access a line, in the columns --columns names\n"
            "\n"
            "  -o, --output TRACE   the trace to write\n"
            "  --split              one trace per master: TRACE with .MASTER before its extension\n"
            "  --fragment PREFIX    ftrace: write the mappings as PREFIX.buffers.yaml and\n"
            "                       PREFIX.steps.yaml (buffers pinned at their IOVAs, steps)\n"
            "  --domain NAME        ftrace: the domain the fragment's buffers map into\n"
            "  --partition NAME     ftrace: and their partition (default: the scenario's, gen)\n"
            "  --bytes N            the size of accesses the format gives none for (default 64)\n"
            "  --rw read|write      what an access of no known direction is (default read)\n"
            "  --page-sizes LIST    ftrace: the IOMMU's page sizes (default 4k,64k,1m,16m)\n"
            "  --columns LIST       columns: what each column is: time, addr, op, size, id, -\n"
            "  --radix 16|10|auto   columns: addresses in hex, decimal, or hex after 0x (auto)\n"
            "  --time-unit UNIT     columns: ps, ns, us, ms, s or cycles (needed with a time column)\n"
            "  --clock FREQ         columns: the clock of --time-unit cycles, e.g. 1200MHz\n"
            "  --sep C              columns: the separator, one character or 'tab' (default:\n"
            "                       runs of blanks)\n"
            "  --help               this text\n");
}

static int option_error(int c, int argc, char **argv)
{
    const char *arg = optind - 1 < argc ? argv[optind - 1] : "";

    if (c == ':')
        cli_error(CMD, "option '%s' needs a value (see iommusim import --help)", arg);
    else if (optopt == OPT_HELP || optopt == OPT_SPLIT)
        cli_error(CMD, "option '%s' takes no value", arg);
    else if (optopt > 0 && optopt < 256)
        cli_error(CMD, "unknown option '-%c' (options: " OPTION_LIST ")", optopt);
    else
        cli_error(CMD, "unknown option '%s' (options: " OPTION_LIST ")", arg);
    return CLI_USAGE;
}

static int parse_page_sizes(const char *s, uint64_t *out)
{
    char buf[256], *tok, *save;
    uint64_t v;

    if (strlen(s) >= sizeof(buf))
        return -1;
    strcpy(buf, s);
    *out = 0;
    for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (config_parse_size(tok, &v) || v < 4096 || (v & (v - 1)))
            return -1;
        *out |= v;
    }
    return *out ? 0 : -1;
}

/* Which options belong to one format only: given with another, they are an error. */
struct given {
    bool fragment, domain, partition, page_sizes, columns, radix, time_unit, clock, sep, bytes;
};

static int check_format_options(enum import_format f, const struct given *g)
{
    static const struct { const char *name; size_t off; enum import_format f; } only[] = {
        { "--fragment", offsetof(struct given, fragment), IMPORT_FTRACE },
        { "--domain", offsetof(struct given, domain), IMPORT_FTRACE },
        { "--partition", offsetof(struct given, partition), IMPORT_FTRACE },
        { "--page-sizes", offsetof(struct given, page_sizes), IMPORT_FTRACE },
        { "--radix", offsetof(struct given, radix), IMPORT_COLUMNS },
        { "--time-unit", offsetof(struct given, time_unit), IMPORT_COLUMNS },
        { "--clock", offsetof(struct given, clock), IMPORT_COLUMNS },
        { "--sep", offsetof(struct given, sep), IMPORT_COLUMNS },
        { "--columns", offsetof(struct given, columns), IMPORT_COLUMNS },
    };

    for (size_t i = 0; i < sizeof(only) / sizeof(only[0]); i++)
        if (*((const bool *)g + only[i].off) && f != only[i].f) {
            cli_error(CMD, "%s applies to %s imports only, not %s", only[i].name,
                      import_format_name(only[i].f), import_format_name(f));
            return CLI_USAGE;
        }
    if (g->bytes && f == IMPORT_GEM5) {
        cli_error(CMD, "--bytes does not apply to gem5 imports (every packet has its size)");
        return CLI_USAGE;
    }
    return CLI_OK;
}

static int parse_unit(const char *s, struct import_columns *cols, bool *cycles)
{
    *cycles = !strcmp(s, "cycles") || !strcmp(s, "cycle");
    if (*cycles)
        return 0;
    for (size_t i = 0; i < sizeof(time_units) / sizeof(time_units[0]); i++)
        if (!strcmp(s, time_units[i].name)) {
            cols->unit_ps = time_units[i].ps;
            return 0;
        }
    return -1;
}

/* CLI_OK, CLI_USAGE, or -1 after --help. */
static int parse_args(int argc, char **argv, struct import_opts *o)
{
    struct given g = { 0 };
    const char *columns = NULL;
    bool cycles = false, has_time;
    char err[256];
    uint64_t v;
    int c;

    memset(o, 0, sizeof(*o));
    o->rw_op = TRACE_OP_READ;
    opterr = 0;
    optind = 0;
    while ((c = getopt_long(argc, argv, ":ho:", import_options, NULL)) != -1) {
        if (c == 'h')
            c = OPT_HELP;               /* -h is --help */
        switch (c) {
        case OPT_OUTPUT:
            o->out = optarg;
            break;
        case OPT_SPLIT:
            o->split = true;
            break;
        case OPT_FRAGMENT:
            o->fragment = optarg;
            g.fragment = true;
            break;
        case OPT_DOMAIN:
            o->domain = optarg;
            g.domain = true;
            break;
        case OPT_PARTITION:
            if (strcmp(optarg, "gen") && strcmp(optarg, "video_main") &&
                strcmp(optarg, "video_firmware")) {
                cli_error(CMD, "--partition '%s' is not allowed: must be gen, video_main or "
                               "video_firmware", optarg);
                return CLI_USAGE;
            }
            o->partition = optarg;
            g.partition = true;
            break;
        case OPT_BYTES:
            if (config_parse_size(optarg, &v) || v < 1 || v > TRACE_MAX_BYTES) {
                cli_error(CMD, "--bytes '%s' is not allowed: must be 1 .. %u bytes", optarg,
                          TRACE_MAX_BYTES);
                return CLI_USAGE;
            }
            o->bytes = (uint32_t)v;
            g.bytes = true;
            break;
        case OPT_RW:
            if (strcmp(optarg, "read") && strcmp(optarg, "write")) {
                cli_error(CMD, "--rw '%s' is not allowed: must be read or write", optarg);
                return CLI_USAGE;
            }
            o->rw_op = strcmp(optarg, "read") ? TRACE_OP_WRITE : TRACE_OP_READ;
            break;
        case OPT_PAGE_SIZES:
            if (parse_page_sizes(optarg, &o->page_sizes)) {
                cli_error(CMD, "--page-sizes '%s' is not allowed: must be a comma-separated "
                               "list of powers of two from 4k, e.g. 4k,64k,1m,16m", optarg);
                return CLI_USAGE;
            }
            g.page_sizes = true;
            break;
        case OPT_COLUMNS:
            columns = optarg;
            g.columns = true;
            break;
        case OPT_RADIX:
            if (!strcmp(optarg, "16") || !strcmp(optarg, "10")) {
                o->columns.radix = (unsigned)atoi(optarg);
            } else if (strcmp(optarg, "auto")) {
                cli_error(CMD, "--radix '%s' is not allowed: must be 16, 10 or auto", optarg);
                return CLI_USAGE;
            }
            g.radix = true;
            break;
        case OPT_TIME_UNIT:
            if (parse_unit(optarg, &o->columns, &cycles)) {
                cli_error(CMD, "--time-unit '%s' is not allowed: must be ps, ns, us, ms, s or "
                               "cycles", optarg);
                return CLI_USAGE;
            }
            g.time_unit = true;
            break;
        case OPT_CLOCK:
            if (config_parse_freq(optarg, &o->columns.unit_hz) || !o->columns.unit_hz) {
                cli_error(CMD, "--clock '%s' is not allowed: must be a frequency such as "
                               "1200MHz", optarg);
                return CLI_USAGE;
            }
            g.clock = true;
            break;
        case OPT_SEP:
            if (!strcmp(optarg, "tab")) {
                o->columns.sep = '\t';
            } else if (strlen(optarg) == 1 && optarg[0] != '\n' && optarg[0] != ' ') {
                o->columns.sep = optarg[0];
            } else {
                cli_error(CMD, "--sep '%s' is not allowed: must be one character other than "
                               "a space, or 'tab'", optarg);
                return CLI_USAGE;
            }
            g.sep = true;
            break;
        case OPT_HELP:
            usage(stdout);
            return -1;
        default:
            return option_error(c, argc, argv);
        }
    }
    if (optind + 2 > argc) {
        cli_error(CMD, "missing %s (usage: iommusim import FORMAT FILE -o TRACE)",
                  optind < argc ? "the input FILE" : "FORMAT and FILE");
        return CLI_USAGE;
    }
    if (import_format_parse(argv[optind], &o->format)) {
        cli_error(CMD, "'%s' is not an import format: must be gem5, ftrace, qemu or columns",
                  argv[optind]);
        return CLI_USAGE;
    }
    o->in = argv[optind + 1];
    if (optind + 2 < argc) {
        cli_error(CMD, "unexpected argument '%s': import takes FORMAT and one FILE",
                  argv[optind + 2]);
        return CLI_USAGE;
    }
    if (!o->out) {
        cli_error(CMD, "missing -o TRACE (the trace to write)");
        return CLI_USAGE;
    }
    if (trace_format_from_path(o->out) == TRACE_FMT_DIN) {
        cli_error(CMD, "-o %s: din cannot be written (it has no times); name the output "
                       ".txt or .bin", o->out);
        return CLI_USAGE;
    }
    if (check_format_options(o->format, &g))
        return CLI_USAGE;
    if (o->fragment && !o->domain) {
        cli_error(CMD, "--fragment needs --domain NAME: the scenario domain the kernel's "
                       "mappings go into (iommusim info lists them)");
        return CLI_USAGE;
    }
    if ((o->domain || o->partition) && !o->fragment) {
        cli_error(CMD, "%s applies to the fragment: give --fragment PREFIX too",
                  o->domain ? "--domain" : "--partition");
        return CLI_USAGE;
    }
    if (o->split && !strcmp(o->out, "-")) {
        cli_error(CMD, "--split writes one file per master and cannot write to '-'");
        return CLI_USAGE;
    }
    if (o->format == IMPORT_COLUMNS) {
        if (!columns) {
            cli_error(CMD, "columns imports need --columns, e.g. --columns addr,op,time for "
                           "DRAMSim3 or --columns addr,op for Ramulator");
            return CLI_USAGE;
        }
        if (import_columns_parse(columns, &o->columns, err, sizeof(err))) {
            cli_error(CMD, "--columns '%s': %s", columns, err);
            return CLI_USAGE;
        }
        has_time = memchr(o->columns.col, IMPORT_COL_TIME, o->columns.n) != NULL;
        if (has_time && !g.time_unit) {
            cli_error(CMD, "--columns names a time column: give its unit with --time-unit "
                           "ps|ns|us|ms|s|cycles");
            return CLI_USAGE;
        }
        if (g.time_unit && !has_time) {
            cli_error(CMD, "--time-unit is given, but --columns names no time column");
            return CLI_USAGE;
        }
        if (cycles != g.clock) {
            cli_error(CMD, cycles ? "--time-unit cycles needs --clock FREQ"
                                  : "--clock applies to --time-unit cycles only");
            return CLI_USAGE;
        }
        if (!cycles)
            o->columns.unit_hz = 0;
    }
    return CLI_OK;
}

int cmd_import(int argc, char **argv)
{
    struct import_summary sum;
    struct import_opts o;
    char err[TRACE_ERR_MAX + 128];
    int rc = parse_args(argc, argv, &o);

    if (rc < 0)
        return CLI_OK;
    if (rc)
        return rc;
    cli_progress_begin();
    rc = import_run(&o, &sum, strcmp(o.out, "-") ? stdout : stderr, err, sizeof(err));
    cli_progress_end();
    if (rc) {
        cli_error(CMD, "%s", err);
        return CLI_FAILED;
    }
    return CLI_OK;
}
