/*
 * test_runinfo.c - a run describes itself (sim/cli/runinfo.h): what `iommusim run`
 * leaves without --out and beside its statistics, and `run --json`, `info --json`.
 *
 * - Two runs with the same scenario, --set, --mode and --seed give byte-identical
 *   stats.json, config.yaml and config.json; run.json differs only by the --out value
 *   in the command; the wall-clock facts are in run.host.json alone.
 * - The resolved configuration holds the --set value, the --mode and the --seed, no
 *   !include; run again from config.yaml it gives the same stats.json and the same
 *   config.yaml (it is a fixed point), wherever it lies.
 * - Without --out the results go to iommusim-out/ in the working directory.
 * - stats.done lists every file; the version and revision are in run.json, never in
 *   stats.json (the goldens compare it).
 * - The YAML writer quotes what a plain scalar would read differently.
 */
#define _DEFAULT_SOURCE
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim/config/config.h"
#include "tests/lib/proc.h"

static struct proc pr;

#define SCN "configs/scenarios/gpu2d_blit.yaml"
#define ARGS SCN " --quiet --mode functional --seed 7 --set smmus.gfx2d0.tlb.entries=16"

static char *file_in(const char *dir, const char *name)
{
    char path[PATH_MAX + 64];
    char *text;

    snprintf(path, sizeof(path), "%s/%.60s", dir, name);
    text = slurp(path, NULL);
    if (!text)
        fail_msg("cannot read %s", path);
    return text;
}

static void assert_same_file(const char *a, const char *b, const char *name)
{
    char *x = file_in(a, name), *y = file_in(b, name);

    if (strcmp(x, y))
        fail_msg("%s differs between %s and %s", name, a, b);
    free(x);
    free(y);
}

static void test_same_run_same_bytes(void **state)
{
    char a[PATH_MAX], b[PATH_MAX];
    char *ra, *rb, *p;

    (void)state;
    snprintf(a, sizeof(a), "%s", tmp_path("a"));
    snprintf(b, sizeof(b), "%s", tmp_path("b"));
    assert_int_equal(proc_run(&pr, "run " ARGS " --out %s", a), 0);
    assert_int_equal(proc_run(&pr, "run " ARGS " --out %s", b), 0);
    assert_same_file(a, b, "stats.json");
    assert_same_file(a, b, "stats.csv");
    assert_same_file(a, b, "config.yaml");
    assert_same_file(a, b, "config.json");
    /* run.json: the same once the --out values (in command and command_line) are
     * swapped (a and b have one length) */
    ra = file_in(a, "run.json");
    rb = file_in(b, "run.json");
    assert_int_equal(strlen(ra), strlen(rb));
    int swapped = 0;
    for (p = strstr(ra, a); p; p = strstr(p + 1, a), swapped++)
        memcpy(p, b, strlen(b));
    assert_int_equal(swapped, 2);
    assert_string_equal(ra, rb);
    /* what it records: the command word by word, the seed, the program */
    assert_non_null(strstr(ra, "\"run\", \"" SCN "\", \"--quiet\", \"--mode\", \"functional\", "
                               "\"--seed\", \"7\", \"--set\", \"smmus.gfx2d0.tlb.entries=16\", "
                               "\"--out\", "));
    assert_non_null(strstr(ra, " run " SCN " --quiet --mode functional --seed 7 --set "
                               "smmus.gfx2d0.tlb.entries=16 --out "));
    assert_non_null(strstr(ra, "\n  \"scenario_file\": \"" SCN "\",\n"));
    assert_non_null(strstr(ra, "\n  \"scenario\": \"gpu2d_blit\",\n"));
    assert_non_null(strstr(ra, "\n  \"mode\": \"functional\",\n  \"seed\": 7\n}\n"));
    assert_non_null(strstr(ra, "\n  \"version\": \""));
    assert_non_null(strstr(ra, "\n  \"revision\": \""));
    assert_null(strstr(ra, "\"revision\": \"\""));
    free(ra);
    free(rb);
    /* the wall-clock facts, and only there */
    ra = file_in(a, "run.host.json");
    assert_non_null(strstr(ra, "\"start_utc\": \"20"));
    assert_non_null(strstr(ra, "\"wall_seconds\": "));
    free(ra);
    ra = file_in(a, "stats.json");
    assert_null(strstr(ra, "revision"));
    assert_null(strstr(ra, "version"));
    assert_null(strstr(ra, "wall"));
    free(ra);
    /* every file in the manifest, in its order (sim/cli/results.c) */
    ra = file_in(a, "stats.done");
    const char *order[] = { "stats.json ", "\nstats.csv ", "\nhistograms.csv ",
                            "\nconfig.yaml ", "\nconfig.json ", "\nrun.json ",
                            "\nrun.host.json " };
    p = ra;
    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
        char *q = strstr(p, order[i]);
        if (!q)
            fail_msg("stats.done has no %s after the files before it:\n%s", order[i], ra);
        p = q + 1;
    }
    free(ra);
}

static void test_resolved_config(void **state)
{
    char a[PATH_MAX], c[PATH_MAX], moved[PATH_MAX];
    char *yaml, *json;

    (void)state;
    snprintf(a, sizeof(a), "%s", tmp_path("res"));
    assert_int_equal(proc_run(&pr, "run " ARGS " --out %s", a), 0);
    yaml = file_in(a, "config.yaml");
    json = file_in(a, "config.json");
    /* the SoC file is included: its keys are there, the tag is not */
    assert_null(strstr(yaml, "!include"));
    assert_non_null(strstr(yaml, "\nsoc:\n  name: msm8960\n"));
    /* the --set: gfx2d0's TLB has 16 entries (every other SMMU keeps its 32) */
    char *g = strstr(yaml, "\n    gfx2d0:\n");
    assert_non_null(g);
    char *e = strstr(g, "entries: ");
    assert_non_null(e);
    assert_memory_equal(e, "entries: 16\n", 12);
    /* --mode and --seed replaced the file's `mode: timing` and `seed: 1` */
    assert_non_null(strstr(yaml, "\nmode: functional\nseed: 7\n"));
    assert_non_null(strstr(json, "\n  \"mode\": \"functional\",\n  \"seed\": \"7\",\n"));
    free(yaml);
    free(json);
    /* run from the resolved file, copied elsewhere, it is the same run */
    snprintf(moved, sizeof(moved), "%s", tmp_path("moved.yaml"));
    snprintf(c, sizeof(c), "%s", tmp_path("again"));
    assert_int_equal(proc_sh(&pr, "cp %s/config.yaml %s", a, moved), 0);
    assert_int_equal(proc_run(&pr, "run %s --quiet --out %s", moved, c), 0);
    assert_same_file(a, c, "stats.json");
    assert_same_file(a, c, "config.yaml");
}

static void test_default_directory(void **state)
{
    char abs_prog[PATH_MAX], abs_scn[PATH_MAX], dir[PATH_MAX];

    (void)state;
    assert_non_null(realpath(proc_prog(), abs_prog));
    assert_non_null(realpath(SCN, abs_scn));
    snprintf(dir, sizeof(dir), "%s", tmp_path("cwd"));
    /* --json: stats.json on stdout, no report, and the files in iommusim-out/ */
    assert_int_equal(proc_sh(&pr, "mkdir -p %s && cd %s && %s run %s --mode functional --json",
                             dir, dir, abs_prog, abs_scn), 0);
    char *stats = file_in(dir, "iommusim-out/stats.json");
    assert_string_equal(pr.out, stats);
    assert_null(strstr(pr.out, "translations "));
    free(stats);
    assert_true(file_exists(tmp_path("cwd/iommusim-out/stats.done")));
    assert_true(file_exists(tmp_path("cwd/iommusim-out/config.yaml")));
    /* the command line as a shell reads it back: it's -> 'it'\''s, the \ escaped in JSON */
    assert_int_equal(proc_sh(&pr, "cd %s && %s run %s --mode functional --quiet --out \"it's\"",
                             dir, abs_prog, abs_scn), 0);
    char *run = file_in(dir, "it's/run.json");
    assert_non_null(strstr(run, " --mode functional --quiet --out 'it'\\\\''s'\",\n"));
    free(run);
    /* an --out that cannot be a directory: named, exit 1, no manifest anywhere */
    assert_int_equal(proc_sh(&pr, "cd %s && touch plain && %s run %s --mode functional --quiet "
                             "--out plain/sub", dir, abs_prog, abs_scn), 1);
    assert_non_null(strstr(pr.err, "iommusim run: --out plain/sub: cannot create the "
                                   "directory"));
}

static void test_info_json(void **state)
{
    (void)state;
    assert_int_equal(proc_run(&pr, "info --json configs/msm8960.yaml"), 0);
    /* configs/msm8960.yaml: jpegd first, at 0x07300000, two banks, contexts jpegd_src
     * (bank 0, MID 0) and jpegd_dst (bank 1, MID 1); mdp_port0_cb0 has MIDs 0 and 2 */
    assert_non_null(strstr(pr.out, "{\n  \"soc\": \"msm8960\",\n  \"smmus\": [\n    "
                                   "{\"name\": \"jpegd\", \"base\": \"0x07300000\", "));
    assert_non_null(strstr(pr.out, "{\"name\": \"jpegd_src\", \"bank\": 0, \"mids\": [0]}"));
    assert_non_null(strstr(pr.out, "{\"name\": \"mdp_port0_cb0\", \"bank\": 0, "
                                   "\"mids\": [0, 2]}"));
    assert_non_null(strstr(pr.out, "\n  \"domains\": [\n"));
    assert_int_equal(proc_run(&pr, "info --bogus configs/msm8960.yaml"), 2);
    assert_string_equal(pr.err, "iommusim info: unknown option '--bogus' (options: --json, "
                                "--help)\n");
}

/* The YAML writer: values a plain scalar would change are quoted, and reading the text
 * back gives the same tree (compared through the JSON writer, which shows every text). */
static void test_yaml_round_trip(void **state)
{
    static const char src[] =
        "a: 'yes: no'\n"            /* a colon and space: a plain scalar would be a map */
        "b: '#not a comment'\n"
        "c: ''\n"
        "d: ' lead'\n"
        "e: [1, '- x', {f: 0x10}]\n"
        "g: \"tab\\there\"\n"
        "h: {}\n"
        "i: []\n";
    struct config_err err = { 0 };
    struct config *cfg = config_parse("t.yaml", src, strlen(src), &err), *back;
    char *y = NULL, *j1 = NULL, *j2 = NULL;
    size_t ny, n1, n2;
    FILE *f;

    (void)state;
    assert_non_null(cfg);
    f = open_memstream(&y, &ny);
    assert_int_equal(config_write_yaml(config_root(cfg), f), 0);
    fclose(f);
    f = open_memstream(&j1, &n1);
    assert_int_equal(config_write_json(config_root(cfg), f), 0);
    fclose(f);
    /* the JSON, written out by hand from the source above */
    assert_string_equal(j1, "{\n  \"a\": \"yes: no\",\n  \"b\": \"#not a comment\",\n"
                            "  \"c\": \"\",\n  \"d\": \" lead\",\n  \"e\": [\n    \"1\",\n"
                            "    \"- x\",\n    {\n      \"f\": \"0x10\"\n    }\n  ],\n"
                            "  \"g\": \"tab\\u0009here\",\n  \"h\": {},\n  \"i\": []\n}\n");
    back = config_parse("back.yaml", y, ny, &err);
    if (!back)
        fail_msg("the written YAML does not load: %s\n%s", err.msg, y);
    f = open_memstream(&j2, &n2);
    assert_int_equal(config_write_json(config_root(back), f), 0);
    fclose(f);
    assert_string_equal(j1, j2);
    free(y);
    free(j1);
    free(j2);
    config_free(cfg);
    config_free(back);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_run_same_bytes),
        cmocka_unit_test(test_resolved_config),
        cmocka_unit_test(test_default_directory),
        cmocka_unit_test(test_info_json),
        cmocka_unit_test(test_yaml_round_trip),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
