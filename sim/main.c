/*
 * main.c - the iommusim command: dispatches to the subcommands in sim/cli/.
 */
#include <stdio.h>
#include <string.h>

#include "sim/cli/cli.h"
#include "sim/cli/runinfo.h"

struct command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
};

static const struct command commands[] = {
    { "run",     cmd_run,     "run a scenario and report translation costs" },
    { "tlb",     cmd_tlb,     "trace-driven TLB study on a raw address trace" },
    { "gen",     cmd_gen,     "write a generated trace (video, display, camera, ...)" },
    { "convert", cmd_convert, "convert a trace between the text, bin and din formats" },
    { "import",  cmd_import,  "turn a gem5, Linux ftrace, QEMU or bus-log trace into a trace" },
    { "info",    cmd_info,    "list the SMMUs, contexts and MIDs of an SoC file" },
    { "sweep",   cmd_sweep,   "run a scenario over a grid of parameter values" },
    { "plot",    cmd_plot,    "draw a sweep's results.csv, or a tlb miss-ratio curve, with gnuplot" },
    { "stats",   cmd_stats,   "the catalogue of every statistic a run writes: name, unit, meaning" },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))
#define HELP_ARGS_MAX 4                 /* `help gen display`: the command and a kind */

static void usage(FILE *out)
{
    fprintf(out, "usage: iommusim COMMAND [OPTIONS]\n\n"
                 "An MSM8960-class IOMMU (SMMU v1) simulator.\n\ncommands:\n");
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n'iommusim COMMAND --help' (or 'iommusim help COMMAND') describes a\n"
                 "command's options.\n"
                 "  --help     this text\n  --version  the version\n");
}

/*
 * `iommusim help CMD [ARG...]`: the command's own help, as `iommusim CMD [ARG...] --help`
 * prints it (`iommusim help gen display`: the display generator's parameters).
 */
static int help_command(int argc, char **argv)
{
    static char help[] = "--help";
    char *args[HELP_ARGS_MAX + 2];

    if (argc - 2 > HELP_ARGS_MAX) {
        fprintf(stderr, "iommusim help: too many arguments (iommusim help COMMAND [KIND])\n");
        return CLI_USAGE;
    }
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (!strcmp(argv[2], commands[i].name)) {
            int n = 0;

            for (int k = 2; k < argc; k++)
                args[n++] = argv[k];
            args[n++] = help;
            args[n] = NULL;
            return commands[i].fn(n, args);
        }
    fprintf(stderr, "iommusim help: unknown command '%s' (commands:", argv[2]);
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(stderr, "%s %s", i ? "," : "", commands[i].name);
    fprintf(stderr, ")\n");
    return CLI_USAGE;
}

int main(int argc, char **argv)
{
    cli_command_line_set(argc, argv);
    if (argc < 2) {
        usage(stderr);
        return CLI_USAGE;
    }
    if (!strcmp(argv[1], "help") && argc > 2)
        return help_command(argc, argv);
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return CLI_OK;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("iommusim %s (revision %s)\n", IOMMUSIM_VERSION, cli_revision());
        return CLI_OK;
    }
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "iommusim: unknown command '%s' (commands:", argv[1]);
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(stderr, "%s %s", i ? "," : "", commands[i].name);
    fprintf(stderr, "; see iommusim --help)\n");
    return CLI_USAGE;
}
