/*
 * sweep.h - the files of an `iommusim sweep`: its definition (DIR/sweep.txt) and
 * its results (DIR/results.csv, merged from the points' stats.csv).
 *
 * A sweep is a scenario, the options every point shares (--mode, --seed, --set) and
 * one or more parameters, each a key and a list of values. Its points are the
 * cartesian product of the value lists, in the order the parameters were given,
 * the last one varying fastest. Point i runs as its own `iommusim run` into
 * DIR/points/NNNN (sim/cli/cmd_sweep.c starts those runs or writes them out as
 * jobs); sim/cli/sweep_collect.c reads what they left there, and sim/cli/sweep_check.c
 * loads the scenario with every value first.
 *
 * A point counts as done ("ok") exactly when its directory holds stats.json and a
 * well-formed stats.csv: the runner removes stats.json from a point whose run
 * failed, and so does every line of jobs.txt, so the files alone tell the state of
 * a sweep, whoever ran it.
 */
#ifndef IOMMUSIM_SIM_CLI_SWEEP_H
#define IOMMUSIM_SIM_CLI_SWEEP_H

#include <stdbool.h>
#include <stddef.h>

#define SWEEP_MAX_POINTS        1000000u
#define SWEEP_MIN_DIGITS        4       /* points/0000 .. points/9999, more if needed */
#define SWEEP_MANIFEST          "sweep.txt"
#define SWEEP_RESULTS           "results.csv"

struct sweep_param {
    char *key;                          /* a --set path, '*' allowed */
    char **values;                      /* taken literally, none empty */
    size_t nvalues;
};

struct sweep {
    char *scenario;                     /* absolute path */
    char *mode;                         /* "timing", "functional", or NULL: the scenario's */
    char *seed;                         /* decimal, or NULL: the scenario's */
    char **sets;                        /* the --set options every point shares */
    size_t nsets;
    struct sweep_param *params;
    size_t nparams;
    size_t npoints;                     /* product of the nvalues, <= SWEEP_MAX_POINTS */
};

/* ------------------------------------------------------------ the definition */

/* Frees everything the struct points to (it may be partly filled) and zeroes it. */
void sweep_clear(struct sweep *sw);

/*
 * Splits "KEY=V1,V2,..." (split at the first '=', then at every ',') into *p.
 * Returns 0; -EINVAL with the reason in why, e.g. "value 2 is empty" (the caller
 * names the parameter); or -ENOMEM. On failure call sweep_param_free(p).
 */
int sweep_parse_param(const char *spec, struct sweep_param *p, char *why, size_t len);
void sweep_param_free(struct sweep_param *p);

/* Append to the sweep, which takes *p over (on failure it stays the caller's). */
int sweep_add_param(struct sweep *sw, const struct sweep_param *p);
int sweep_add_set(struct sweep *sw, const char *set);

/* Sets npoints from the value lists; -ERANGE above SWEEP_MAX_POINTS. */
int sweep_count_points(struct sweep *sw);

/* Index into params[param].values of point `point`'s value. */
size_t sweep_value_index(const struct sweep *sw, size_t point, size_t param);

/* Digits of a point directory's name: SWEEP_MIN_DIGITS, more for larger sweeps. */
int sweep_point_digits(const struct sweep *sw);

/*
 * "DIR/points/NNNN" when file is NULL, else "DIR/points/NNNN/FILE", in a malloc'd
 * string (NULL when out of memory).
 */
char *sweep_point_path(const struct sweep *sw, const char *dir, size_t point,
                       const char *file);

/*
 * Loads the scenario as the points' runs would (sim/cli/sweep_check.c): with the shared
 * options and every value of every parameter, so that a misspelt key or a bad value
 * is reported, naming its --param or --set argument, before anything runs. CLI_OK;
 * CLI_USAGE after the message; CLI_FAILED when the scenario file itself fails.
 */
int sweep_check(const struct sweep *sw);

/* ------------------------------------------------------------ sweep.txt */

/*
 * The definition as sweep.txt holds it, malloc'd: key=value lines in a fixed order
 * (scenario, mode, seed, each set, each param, points); an empty mode or seed is
 * the scenario's own. NULL when out of memory.
 */
char *sweep_manifest_text(const struct sweep *sw);

/*
 * Reads a sweep.txt into *sw (blank and '#' lines are skipped). Returns 0, or -1
 * after printing "iommusim sweep: FILE:LINE: error: ..." on stderr.
 */
int sweep_manifest_read(const char *path, struct sweep *sw);

/*
 * Compares two manifest texts key by key and names the first difference in why,
 * e.g. "its sweep.txt has 'param=k=1,2' where this sweep has 'param=k=1,3'".
 * Returns false when they are the same. `there` is the one in the directory.
 */
bool sweep_manifest_differs(const char *there, const char *here, char *why, size_t len);

/* ------------------------------------------------------------ results.csv */

/*
 * Reads the points' stats.csv files under dir and writes dir/results.csv (under a
 * temporary name, then renamed): the header "point,status,param:KEY...,STAT...",
 * then one row per point. ok[i] is set for each point that was done (the caller
 * passes an array of npoints). A done point whose stats.csv is malformed is
 * reported on stderr and counted as failed. Returns 0; -ENOMEM (printed) when the
 * points could not be read, ok[] then unknown; or -1 after printing why results.csv
 * could not be written, ok[] then filled.
 */
int sweep_write_results(const struct sweep *sw, const char *dir, bool *ok);

#endif
