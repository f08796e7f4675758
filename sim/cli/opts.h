/*
 * opts.h - the options of a subcommand that take one value: given twice, they are a
 * usage error naming both values, never "the last one wins" (`run --out a --out b`
 * would write where the user may not have looked). Every subcommand records each
 * single-valued option it parses here; repeatable options (--set, --param) do not.
 */
#ifndef IOMMUSIM_SIM_CLI_OPTS_H
#define IOMMUSIM_SIM_CLI_OPTS_H

#include <getopt.h>

#define CLI_ONCE_MAX    16              /* single-valued options of one subcommand */

struct cli_once {
    int code[CLI_ONCE_MAX];             /* which option: getopt's value, or the caller's */
    const char *value[CLI_ONCE_MAX];
    unsigned n;
};

/*
 * Records option `code` (shown as `name`) given with `value`: CLI_OK the first time;
 * CLI_USAGE after "iommusim CMD: NAME is given twice ('V1', then 'V2'): it takes one
 * value".
 */
int cli_once(const char *cmd, struct cli_once *o, int code, const char *name,
             const char *value);

/*
 * The same for what getopt_long returned: c is looked up in opts, and only an option
 * with a required argument is recorded (flags and unknown options pass: CLI_OK).
 */
int cli_once_getopt(const char *cmd, struct cli_once *o, const struct option *opts, int c,
                    const char *value);

/*
 * An option that names a directory to write (`--out DIR`): CLI_OK, or CLI_USAGE after
 * "iommusim CMD: --out -: a directory is written here, and '-' (standard output) cannot
 * be one" (a directory named '-' would be made instead).
 */
int cli_out_dir(const char *cmd, const char *name, const char *value);

#endif
