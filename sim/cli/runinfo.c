/*
 * runinfo.c - a run's description files (runinfo.h): the resolved configuration as
 * YAML and JSON, run.json (how the run was started, by which build) and run.host.json
 * (the wall-clock facts, kept apart so that everything else is byte-identical for the
 * same command line). Each is built in memory and written through sim/core/outfile.h.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sim/cli/cli.h"
#include "sim/cli/runinfo.h"
#include "sim/config/config.h"
#include "sim/core/outfile.h"
#include "sim/core/util.h"

/* Written by the Makefile (build/gen/sim/cli/revision.h) from `git describe`; a build
 * outside a git checkout has none, and the revision is then the version. */
#if defined(__has_include)
#if __has_include("sim/cli/revision.h")
#include "sim/cli/revision.h"
#endif
#endif
#ifndef IOMMUSIM_REVISION
#define IOMMUSIM_REVISION IOMMUSIM_VERSION
#endif

#define HOST_MAX 256

static int cmd_argc;
static char **cmd_argv;

void cli_command_line_set(int argc, char **argv)
{
    /* A copy of the pointers: getopt_long permutes argv as it parses, and the run
     * records the words in the order they were given. */
    static char **copy;

    free(copy);
    copy = malloc(((size_t)argc + 1) * sizeof(*copy));
    if (copy) {
        memcpy(copy, argv, (size_t)argc * sizeof(*copy));
        copy[argc] = NULL;
        argv = copy;
    }
    cmd_argc = argc;
    cmd_argv = argv;
}

const char *cli_revision(void)
{
    return IOMMUSIM_REVISION;
}

/* Length of the well-formed UTF-8 sequence at p (RFC 3629), 0 when it is not one. */
static size_t utf8_len(const unsigned char *p)
{
    size_t n = p[0] >= 0xF0 && p[0] <= 0xF4 ? 4 : p[0] >= 0xE0 ? 3 : p[0] >= 0xC2 ? 2 : 0;

    if (p[0] >= 0xF5)
        return 0;
    for (size_t i = 1; i < n; i++)
        if ((p[i] & 0xC0) != 0x80)
            return 0;
    return n;
}

/* A command-line word as a JSON string: bytes that are not UTF-8 become U+FFFD, so the
 * file stays valid JSON whatever the shell passed. */
static void json_word(FILE *out, const char *s)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p; ) {
        size_t n = *p < 0x80 ? 1 : utf8_len(p);
        if (*p == '"' || *p == '\\')
            fprintf(out, "\\%c", *p);
        else if (*p < 0x20 || *p == 0x7F)
            fprintf(out, "\\u%04X", *p);
        else if (!n)
            fputs("\\uFFFD", out);
        else
            fwrite(p, 1, n, out);
        p += n ? n : 1;
    }
    fputc('"', out);
}

/* A word as POSIX sh reads it back: as it is when made of safe characters, else in
 * single quotes, each ' written as '\''. */
static void shell_word(FILE *out, const char *s)
{
    static const char safe[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                               "0123456789_-+=.,/:@%";

    if (*s && strspn(s, safe) == strlen(s)) {
        fputs(s, out);
        return;
    }
    fputc('\'', out);
    for (; *s; s++) {
        if (*s == '\'')
            fputs("'\\''", out);
        else
            fputc(*s, out);
    }
    fputc('\'', out);
}

/* The command line as one shell line, for copying; a JSON string. */
static void json_shell_line(FILE *out)
{
    char *line = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&line, &len);

    if (f) {
        for (int i = 0; i < cmd_argc; i++) {
            if (i)
                fputc(' ', f);
            shell_word(f, cmd_argv[i]);
        }
        fclose(f);
    }
    json_word(out, line ? line : "");
    free(line);
}

typedef int (*text_fn)(const struct cli_runinfo *ri, FILE *out);

/* Builds a file's text with fn and writes it to path: 0, or -errno with a message. */
static int write_text(const struct cli_runinfo *ri, text_fn fn, const char *path, char *err,
                      size_t errlen)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    int rc = f ? 0 : -ENOMEM;

    if (f) {
        rc = fn(ri, f);
        if (fclose(f) && !rc)
            rc = -ENOMEM;
    }
    if (rc)
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(-rc));
    else
        rc = outfile_write_text(path, text, 0666, err, errlen);
    free(text);
    return rc;
}

static int config_yaml(const struct cli_runinfo *ri, FILE *out)
{
    return config_write_yaml(config_root(ri->scn->cfg), out);
}

static int config_json(const struct cli_runinfo *ri, FILE *out)
{
    return config_write_json(config_root(ri->scn->cfg), out);
}

static int run_json(const struct cli_runinfo *ri, FILE *out)
{
    fputs("{\n  \"program\": \"iommusim\",\n  \"version\": ", out);
    json_word(out, IOMMUSIM_VERSION);
    fputs(",\n  \"revision\": ", out);
    json_word(out, cli_revision());
    fputs(",\n  \"command\": [", out);
    for (int i = 0; i < cmd_argc; i++) {
        fputs(i ? ", " : "", out);
        json_word(out, cmd_argv[i]);
    }
    fputs("],\n  \"command_line\": ", out);
    json_shell_line(out);
    fputs(",\n  \"scenario_file\": ", out);
    json_word(out, ri->scenario_path);
    fputs(",\n  \"scenario\": ", out);
    json_word(out, ri->scn->name);
    fputs(",\n  \"mode\": ", out);
    json_word(out, scenario_mode_name(ri->scn->mode));
    fprintf(out, ",\n  \"seed\": %" PRIu64 "\n}\n", ri->scn->seed);
    return ferror(out) ? -EIO : 0;
}

static int run_host_json(const struct cli_runinfo *ri, FILE *out)
{
    char when[32] = "", host[HOST_MAX] = "", *cwd = getcwd(NULL, 0);
    struct tm tm;

    if (gmtime_r(&ri->start, &tm))
        strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (gethostname(host, sizeof(host)))
        host[0] = '\0';
    host[sizeof(host) - 1] = '\0';
    fputs("{\n  \"start_utc\": ", out);
    json_word(out, when);
    fputs(",\n  \"host\": ", out);
    json_word(out, host);
    fputs(",\n  \"cwd\": ", out);
    json_word(out, cwd ? cwd : "");
    fprintf(out, ",\n  \"pid\": %ld,\n  \"wall_seconds\": %.3f\n}\n", (long)getpid(),
            ri->wall_seconds);
    free(cwd);
    return ferror(out) ? -EIO : 0;
}

static int write_config_yaml(void *arg, const char *path, char *err, size_t errlen)
{
    return write_text(arg, config_yaml, path, err, errlen);
}

static int write_config_json(void *arg, const char *path, char *err, size_t errlen)
{
    return write_text(arg, config_json, path, err, errlen);
}

static int write_run(void *arg, const char *path, char *err, size_t errlen)
{
    return write_text(arg, run_json, path, err, errlen);
}

static int write_run_host(void *arg, const char *path, char *err, size_t errlen)
{
    return write_text(arg, run_host_json, path, err, errlen);
}

void cli_runinfo_files(struct cli_runinfo *ri, struct cli_result_file out[RUNINFO_NFILES])
{
    out[0] = (struct cli_result_file){ RESULTS_CONFIG_YAML, write_config_yaml, ri };
    out[1] = (struct cli_result_file){ RESULTS_CONFIG_JSON, write_config_json, ri };
    out[2] = (struct cli_result_file){ RESULTS_RUN, write_run, ri };
    out[3] = (struct cli_result_file){ RESULTS_RUN_HOST, write_run_host, ri };
}
