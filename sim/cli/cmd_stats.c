/*
 * cmd_stats.c - `iommusim stats`: the catalogue of every statistic a run writes (name
 * pattern, unit, meaning; sim/scenario/stats_catalogue.c), as text, as the Markdown
 * section of docs/stats.md, or as JSON; and, given result directories or stats.json
 * files' names, a check that each of their names is in it.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/cli/cli.h"
#include "sim/scenario/stats_catalogue.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: iommusim stats [--markdown | --json] [--check DIR ...]\n\n"
                 "Prints the catalogue of the statistics a run writes to stats.json and\n"
                 "stats.csv: each name's pattern (S an SMMU, C a context, M a master, ...),\n"
                 "its unit and its meaning. docs/stats.md holds the same table.\n\n"
                 "  --markdown   as the Markdown section of docs/stats.md\n"
                 "  --json       as JSON\n"
                 "  --check DIR  instead, check that every name in DIR/stats.csv (a run's\n"
                 "               results) matches a pattern: lists those that do not, exit 1\n"
                 "  --help       this text\n");
}

/* Every name of DIR/stats.csv in the catalogue: 0, else 1 with the names on stderr. */
static int check_dir(const char *dir)
{
    char path[4096], line[8192];
    int bad = 0, lineno = 0;
    FILE *f;

    snprintf(path, sizeof(path), "%s/stats.csv", dir);
    if (!(f = fopen(path, "r"))) {
        cli_error("stats", "--check %s: cannot read %s", dir, path);
        return CLI_FAILED;
    }
    while (fgets(line, sizeof(line), f)) {
        char *comma = strchr(line, ',');
        if (++lineno == 1 || !comma)
            continue;               /* the header; a string's continuation line */
        *comma = '\0';
        if (!stats_catalogue_find(line)) {
            fprintf(stderr, "%s:%d: %s is not in the catalogue (iommusim stats)\n", path,
                    lineno, line);
            bad = 1;
        }
    }
    fclose(f);
    return bad ? CLI_FAILED : CLI_OK;
}

int cmd_stats(int argc, char **argv)
{
    enum { TEXT, MARKDOWN, JSON } form = TEXT;
    int status = CLI_OK, checked = 0, forms = 0;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return CLI_OK;
        } else if (!strcmp(a, "--markdown")) {
            form = MARKDOWN;
            forms++;
        } else if (!strcmp(a, "--json")) {
            form = JSON;
            forms++;
        } else if (!strcmp(a, "--check")) {
            if (i + 1 >= argc) {
                cli_error("stats", "--check needs a results directory");
                return CLI_USAGE;
            }
            i++;
            checked = 1;
        } else {
            cli_error("stats", "unknown argument '%s' (options: --markdown, --json, "
                      "--check DIR, --help)", a);
            return CLI_USAGE;
        }
    }
    if (forms > 1) {
        cli_error("stats", "--markdown and --json: one form at a time");
        return CLI_USAGE;
    }
    if (checked) {
        for (int i = 1; i < argc; i++)
            if (!strcmp(argv[i], "--check") && check_dir(argv[++i]))
                status = CLI_FAILED;
        return status;
    }
    if (form == MARKDOWN)
        stats_catalogue_markdown(stdout);
    else if (form == JSON)
        stats_catalogue_json(stdout);
    else
        stats_catalogue_print(stdout);
    return fflush(stdout) ? CLI_FAILED : CLI_OK;
}
