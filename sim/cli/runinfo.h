/*
 * runinfo.h - what a run records about itself beside its statistics, so that a results
 * directory says how it was made: the resolved configuration, the command, the seed, the
 * program's version and source revision; and, apart, the wall-clock facts.
 *
 *   config.yaml    the scenario's tree after every !include and --set (and --mode,
 *                  --seed), written back as YAML (sim/config/config_write.c)
 *   config.json    the same tree as JSON, every value a string as the file has it
 *   run.json       program, version, revision, the exact command line (word by word,
 *                  and as one line for a shell), the scenario
 *                  file, its name, mode and seed: the same bytes for the same build
 *                  and command line
 *   run.host.json  start time (UTC), host, working directory, elapsed wall time: never
 *                  the same twice, which is why it is not in run.json or stats.json
 *
 * All four are result files of sim/cli/results.h (written through a temporary and a
 * rename, listed in stats.done). docs/cli.md "What a run leaves" describes them.
 */
#ifndef IOMMUSIM_SIM_CLI_RUNINFO_H
#define IOMMUSIM_SIM_CLI_RUNINFO_H

#include <stddef.h>
#include <time.h>

#include "sim/cli/results.h"
#include "sim/scenario/scenario.h"

/* Where `run` writes its results when no --out is given (in the working directory). */
#define CLI_DEFAULT_OUT "iommusim-out"

#define RUNINFO_NFILES  4

/* The whole command line, as main received it (for run.json). */
void cli_command_line_set(int argc, char **argv);

/* The source revision the program was built from (`git describe --always --dirty` at
 * build time), or the version when it was not built from a git checkout. */
const char *cli_revision(void);

struct cli_runinfo {
    const struct scenario *scn;         /* loaded; its tree is what config.* hold */
    const char *scenario_path;          /* the file as found */
    time_t start;                       /* wall clock at the start, for run.host.json */
    double wall_seconds;                /* elapsed, for run.host.json */
};

/* The four files above as results.h writers of ri (which must outlive the write). */
void cli_runinfo_files(struct cli_runinfo *ri, struct cli_result_file out[RUNINFO_NFILES]);

#endif
