/*
 * cmd_info.c - `iommusim info`: the SMMUs, contexts, MIDs and domains of an SoC file.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "sim/cli/cli.h"
#include "sim/scenario/soc.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: iommusim info [--json] SOC.yaml|SCENARIO.yaml\n\n"
                 "Lists the SMMUs of an SoC file (or of the SoC a scenario includes): register\n"
                 "window, interrupt, context banks, TLB, and each context with its bank and\n"
                 "MIDs; then the IOMMU domains with their partitions and attached contexts.\n"
                 "A name without '/' that is not a file is looked up in the shipped configs/\n"
                 "and configs/scenarios/ (e.g. iommusim info msm8960).\n\n"
                 "  --json   the same as JSON (docs/cli.md describes its keys)\n"
                 "  --help   this text\n");
}

enum { OPT_JSON = 256 };

static const struct option info_options[] = {
    { "help", no_argument, NULL, 'h' },
    { "json", no_argument, NULL, OPT_JSON },
    { NULL, 0, NULL, 0 },
};

int cmd_info(int argc, char **argv)
{
    struct config_err err = { 0 };
    const char *path = NULL;
    bool json = false;
    int c;

    opterr = 0;
    optind = 0;                         /* full reinitialisation (GNU) */
    while ((c = getopt_long(argc, argv, ":h", info_options, NULL)) != -1) {
        if (c == 'h') {
            usage(stdout);
            return CLI_OK;
        }
        if (c == OPT_JSON) {
            json = true;
            continue;
        }
        cli_error("info", "unknown option '%s' (options: --json, --help)", argv[optind - 1]);
        return CLI_USAGE;
    }
    for (int i = optind; i < argc; i++) {
        if (path) {
            cli_error("info", "one file at a time: '%s' and '%s'", path, argv[i]);
            return CLI_USAGE;
        }
        path = argv[i];
    }
    if (!path) {
        cli_error("info", "missing the SoC file (iommusim info configs/msm8960.yaml)");
        return CLI_USAGE;
    }
    char found[4096];
    struct scenario *s = scenario_load_soc(cli_find_config(path, found, sizeof(found)), &err);
    if (!s) {
        fprintf(stderr, "%s\n", err.msg);
        return CLI_FAILED;
    }
    int status = CLI_OK;
    if (!json)
        soc_print_info(s, stdout);
    else if (soc_print_info_json(s, stdout))
        status = CLI_FAILED;
    scenario_free(s);
    return status;
}
