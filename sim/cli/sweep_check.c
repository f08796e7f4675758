/*
 * sweep_check.c - a sweep's parameters checked against the scenario schema before any
 * point runs or a job list is written (sim/cli/sweep.h, sweep_check).
 *
 * A point is `iommusim run SCENARIO --set S... --set KEY=V...`; a misspelt key or a
 * malformed value would make every point fail, one process at a time, or be written
 * into jobs.txt to fail on a cluster. Instead the scenario is loaded here as each run
 * would load it: once with the shared --set options and the first value of every
 * parameter, then once for each further value of each parameter (the others at their
 * first value), so that every key and every value has been read by the loader. A
 * loader error that names a --set option (config.c's "<command line>:--set N") is
 * traced back to the --set or --param argument it came from.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/cli/cli.h"
#include "sim/cli/sweep.h"
#include "sim/config/config.h"
#include "sim/scenario/scenario.h"

#define CMD             "sweep"
#define SET_ERR_FMT     "<command line>:--set %u: error: %n"
#define PARAM_TEXT_MAX  512

struct check {
    const struct sweep *sw;
    const char **sets;                  /* the shared sets, then one per parameter */
    char **own;                         /* the malloc'd KEY=VALUE of each parameter */
    struct scenario_overrides ov;
};

/* "KEY=V1,V2,..." as the --param argument gave it (truncated to len). */
static void param_text(const struct sweep_param *p, char *buf, size_t len)
{
    size_t at = (size_t)snprintf(buf, len, "%s=", p->key);

    for (size_t v = 0; v < p->nvalues && at < len; v++)
        at += (size_t)snprintf(buf + at, len - at, "%s%s", v ? "," : "", p->values[v]);
}

/* A value of parameter p failed: the --param argument, the value when it has several. */
static void param_error(const struct sweep_param *p, size_t v, const char *why)
{
    char text[PARAM_TEXT_MAX];

    param_text(p, text, sizeof(text));
    if (p->nvalues > 1)
        cli_error(CMD, "--param %s (value '%s'): %s", text, p->values[v], why);
    else
        cli_error(CMD, "--param %s: %s", text, why);
}

/*
 * The --set or --param a loader message comes from, named with the message less its
 * "<command line>:--set N: error: " prefix. `varied` is the parameter at `value` in
 * this load (nparams in the first one). CLI_USAGE, or CLI_FAILED when the scenario
 * file itself is at fault.
 */
static int report(const struct check *c, const char *msg, size_t varied, size_t value)
{
    const struct sweep *sw = c->sw;
    unsigned n = 0;
    int at = -1;

    if (sscanf(msg, SET_ERR_FMT, &n, &at) == 1 && at > 0 && n >= 1) {
        const char *why = msg + at;
        size_t p = n - 1 - sw->nsets;

        if (n <= sw->nsets) {
            cli_error(CMD, "--set %s: %s", sw->sets[n - 1], why);
            return CLI_USAGE;
        }
        if (p < sw->nparams) {
            param_error(&sw->params[p], p == varied ? value : 0, why);
            return CLI_USAGE;
        }
    }
    if (varied < sw->nparams) {         /* the file's own checks fail at this value */
        param_error(&sw->params[varied], value, msg);
        return CLI_USAGE;
    }
    fprintf(stderr, "%s\n", msg);      /* the file, or the first values together */
    return CLI_FAILED;
}

/* Parameter p at value v. 0, or -1 when out of memory. */
static int set_value(struct check *c, size_t p, size_t v)
{
    const struct sweep_param *sp = &c->sw->params[p];
    size_t len = strlen(sp->key) + strlen(sp->values[v]) + 2;
    char *s = malloc(len);

    if (!s)
        return -1;
    snprintf(s, len, "%s=%s", sp->key, sp->values[v]);
    free(c->own[p]);
    c->own[p] = s;
    c->sets[c->sw->nsets + p] = s;
    return 0;
}

/* One load as a point's run would do it: CLI_OK, or the exit status after the message. */
static int load(struct check *c, size_t varied, size_t value)
{
    struct config_err err = { 0 };
    struct scenario *scn = scenario_load(c->sw->scenario, &c->ov, &err);

    if (scn) {
        scenario_free(scn);
        return CLI_OK;
    }
    return report(c, err.msg, varied, value);
}

int sweep_check(const struct sweep *sw)
{
    size_t nsets = sw->nsets + sw->nparams;
    struct check c = { .sw = sw, .ov = { .mode = -1 } };
    int rc = CLI_OK;

    c.sets = calloc(nsets ? nsets : 1, sizeof(*c.sets));
    c.own = calloc(sw->nparams ? sw->nparams : 1, sizeof(*c.own));
    if (!c.sets || !c.own)
        goto oom;
    for (size_t i = 0; i < sw->nsets; i++)
        c.sets[i] = sw->sets[i];
    c.ov.sets = c.sets;
    c.ov.nsets = (unsigned)nsets;
    if (sw->mode)
        c.ov.mode = strcmp(sw->mode, "functional") ? SCN_TIMING : SCN_FUNCTIONAL;
    if (sw->seed && !config_parse_u64(sw->seed, &c.ov.seed))
        c.ov.has_seed = true;
    for (size_t p = 0; p < sw->nparams; p++)
        if (set_value(&c, p, 0))
            goto oom;
    rc = load(&c, sw->nparams, 0);
    for (size_t p = 0; !rc && p < sw->nparams; p++) {
        for (size_t v = 1; !rc && v < sw->params[p].nvalues; v++) {
            if (set_value(&c, p, v))
                goto oom;
            rc = load(&c, p, v);
        }
        if (!rc && set_value(&c, p, 0))
            goto oom;
    }
    goto out;
oom:
    cli_error(CMD, "out of memory");
    rc = CLI_FAILED;
out:
    for (size_t p = 0; c.own && p < sw->nparams; p++)
        free(c.own[p]);
    free(c.own);
    free(c.sets);
    return rc;
}
