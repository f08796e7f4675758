/*
 * opts.c - refusing a single-valued option given twice (opts.h), shared by every
 * subcommand's argument parser.
 */
#include <stdio.h>
#include <string.h>

#include "sim/cli/cli.h"
#include "sim/cli/opts.h"

#define OPT_NAME_MAX    64

int cli_once(const char *cmd, struct cli_once *o, int code, const char *name,
             const char *value)
{
    for (unsigned i = 0; i < o->n; i++)
        if (o->code[i] == code) {
            cli_error(cmd, "%s is given twice ('%s', then '%s'): it takes one value", name,
                      o->value[i], value);
            return CLI_USAGE;
        }
    if (o->n < CLI_ONCE_MAX) {
        o->code[o->n] = code;
        o->value[o->n] = value;
        o->n++;
    }
    return CLI_OK;
}

int cli_once_getopt(const char *cmd, struct cli_once *o, const struct option *opts, int c,
                    const char *value)
{
    char name[OPT_NAME_MAX];

    for (const struct option *p = opts; p->name; p++) {
        if (p->val != c || p->flag || p->has_arg != required_argument)
            continue;
        /* A short option (getopt's value is the letter) has both spellings. */
        if (c > ' ' && c < 127)
            snprintf(name, sizeof(name), "-%c/--%s", c, p->name);
        else
            snprintf(name, sizeof(name), "--%s", p->name);
        return cli_once(cmd, o, c, name, value ? value : "");
    }
    return CLI_OK;
}

int cli_out_dir(const char *cmd, const char *name, const char *value)
{
    if (strcmp(value, "-"))
        return CLI_OK;
    cli_error(cmd, "%s -: a directory is written here, and '-' (standard output) cannot be "
              "one; name a directory (%s ./- for one called '-')", name, name);
    return CLI_USAGE;
}
