/*
 * cli.h - the subcommands of the iommusim program.
 *
 * sim/main.c dispatches on the first argument to one cmd_* function per file in
 * this directory. Each takes the arguments from the subcommand's name on (argv[0]
 * is "run", "tlb", ...), prints its own --help, and returns the process exit
 * status:
 *   0  success
 *   1  the run failed: a bad input file (config, trace), a fault that stops the
 *      scenario, an output that cannot be written
 *   2  a usage error: unknown option, missing or malformed argument
 * Every error goes to stderr as one line "iommusim CMD: ..." naming the argument,
 * or the file, line and column of the bad input.
 */
#ifndef IOMMUSIM_SIM_CLI_H
#define IOMMUSIM_SIM_CLI_H

#include <stdbool.h>

#define IOMMUSIM_VERSION "0.4.0"

#define CLI_OK          0
#define CLI_FAILED      1
#define CLI_USAGE       2

int cmd_run(int argc, char **argv);
int cmd_tlb(int argc, char **argv);
int cmd_gen(int argc, char **argv);
int cmd_convert(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_sweep(int argc, char **argv);
int cmd_plot(int argc, char **argv);
int cmd_stats(int argc, char **argv);

/* Seconds of a monotonic wall clock, for timing runs (never for results). */
double cli_wall_now(void);

/* Creates one directory level: 0 when it exists afterwards, -ENOTDIR when something
 * else has the name, or the negative errno of mkdir. */
int cli_make_dir(const char *dir);

/*
 * The shared files (sim/cli/datadir.c): the directory SUB (plots, configs) that holds
 * MARKER, found beside the program (installed: BIN/../share/iommusim/SUB; in the
 * tree: BIN/../SUB, BIN/../../SUB), else ./SUB. 0 with the directory in out, -1 when
 * none holds it.
 */
int cli_data_dir(const char *sub, const char *marker, char *out, size_t len);

/* The file configs/ must hold for cli_find_config to use it. */
#define CLI_CONFIG_MARKER "msm8960.yaml"

/*
 * A scenario or SoC argument: as given when it names a file or has a '/'; else, when
 * configs/scenarios/ARG[.yaml] or configs/ARG[.yaml] of the shared files exists, that
 * path (in buf). So `iommusim run video_playback_1080p30` works installed.
 */
const char *cli_find_config(const char *arg, char *buf, size_t len);

/* "iommusim CMD: " + message + newline on stderr. */
void cli_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Progress line on stderr, redrawn in place at most every 200 ms of wall time,
 * only when stderr is a terminal and at least one second has passed since
 * cli_progress_begin. cli_progress_end clears it.
 */
void cli_progress_begin(void);
void cli_progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_progress_end(void);

#endif
