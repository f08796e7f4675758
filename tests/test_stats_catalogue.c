/*
 * test_stats_catalogue.c - the catalogue of statistics (sim/scenario/stats_catalogue.c)
 * stays true: docs/stats.md holds exactly what `iommusim stats --markdown` prints;
 * every name of every shipped scenario's stats.json (tests/golden/, the timing runs),
 * of a run left stalled and of a run whose SoC could not be built matches a pattern;
 * and every pattern matches one of those names, so no row describes a statistic that
 * no longer exists. The pattern matcher is checked on names worked out by hand.
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sim/scenario/stats_catalogue.h"
#include "tests/lib/proc.h"

#define BEGIN_MARK "<!-- stats-catalogue: begin"
#define END_MARK "<!-- stats-catalogue: end -->"
#define MAX_NAMES 8192
#define NAME_MAX_LEN 256

static struct proc pr;

/* ------------------------------------------------------------ the matcher */

static void test_match_by_hand(void **state)
{
    (void)state;
    /* a placeholder is one whole segment, never zero or two */
    assert_true(stats_catalogue_match("smmu.S.ctx.C.misses", "smmu.rot.ctx.rot_src.misses"));
    assert_false(stats_catalogue_match("smmu.S.ctx.C.misses", "smmu.rot.ctx.misses"));
    assert_false(stats_catalogue_match("smmu.S.ctx.C.misses", "smmu.rot.tlb.x.misses"));
    assert_false(stats_catalogue_match("smmu.S.ctx.C.misses",
                                       "smmu.rot.ctx.rot_src.misses.more"));
    /* "chN": the literal "ch", then at least one character */
    assert_true(stats_catalogue_match("dram.chN.bytes", "dram.ch0.bytes"));
    assert_true(stats_catalogue_match("dram.chN.bytes", "dram.ch12.bytes"));
    assert_false(stats_catalogue_match("dram.chN.bytes", "dram.ch.bytes"));
    assert_false(stats_catalogue_match("dram.chN.bytes", "dram.c0.bytes"));
    /* a choice, with literal text before it */
    assert_true(stats_catalogue_match("smmu.S.tlb.fills_{4k,64k,1m,16m}",
                                      "smmu.rot.tlb.fills_64k"));
    assert_true(stats_catalogue_match("smmu.S.tlb.fills_{4k,64k,1m,16m}",
                                      "smmu.rot.tlb.fills_16m"));
    assert_false(stats_catalogue_match("smmu.S.tlb.fills_{4k,64k,1m,16m}",
                                       "smmu.rot.tlb.fills_2m"));
    assert_false(stats_catalogue_match("smmu.S.tlb.fills_{4k,64k,1m,16m}",
                                       "smmu.rot.tlb.fills_"));
    /* upper case inside a literal is literal: the unit is part of the name */
    assert_true(stats_catalogue_match("master.M.bandwidth_MBps", "master.mdp0.bandwidth_MBps"));
    assert_false(stats_catalogue_match("master.M.bandwidth_MBps",
                                       "master.mdp0.bandwidth_mbps"));
    /* the table itself: the first row a name matches */
    const struct stats_catalogue_entry *e = stats_catalogue_find("smmu.rot.ctx.rot_src.miss_rate");
    assert_non_null(e);
    assert_string_equal(e->unit, "ratio");
    assert_null(stats_catalogue_find("master.mdp0.bandwidth_mbps"));
}

/* ------------------------------------------------------------ docs/stats.md */

static void test_docs_section_is_generated(void **state)
{
    char *doc = slurp("docs/stats.md", NULL), *begin, *end;

    (void)state;
    assert_non_null(doc);
    begin = strstr(doc, BEGIN_MARK);
    assert_non_null(begin);
    begin = strchr(begin, '\n');
    assert_non_null(begin);
    begin++;
    end = strstr(begin, END_MARK);
    assert_non_null(end);
    *end = '\0';
    assert_int_equal(proc_run(&pr, "stats --markdown"), 0);
    if (strcmp(begin, pr.out))
        fail_msg("docs/stats.md between the stats-catalogue markers differs from "
                 "`iommusim stats --markdown`: paste its output there");
    free(doc);
}

/* ------------------------------------------------------------ names of real runs */

struct names {
    size_t n;
    char name[MAX_NAMES][NAME_MAX_LEN];
    char from[MAX_NAMES][NAME_MAX_LEN];
};

static struct names seen;

static void add_name(const char *name, const char *from)
{
    assert_true(seen.n < MAX_NAMES);
    assert_true(strlen(name) < NAME_MAX_LEN);
    snprintf(seen.name[seen.n], NAME_MAX_LEN, "%.255s", name);
    snprintf(seen.from[seen.n], NAME_MAX_LEN, "%.255s", from);
    seen.n++;
}

/*
 * The names of a stats.json in the layout docs/stats.md "JSON" fixes: one key per line,
 * an object opened by `"key": {` and closed by a line starting with `}`, a value as
 * `"key": VALUE`. The nesting makes the dotted name.
 */
static void json_names(const char *path)
{
    char *text = slurp(path, NULL), *save = NULL, *line;
    char prefix[16][NAME_MAX_LEN];
    int depth = -1;

    assert_non_null(text);
    for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *p = line, key[NAME_MAX_LEN], full[NAME_MAX_LEN * 2];
        while (*p == ' ')
            p++;
        if (*p == '{') {
            depth++;
            continue;
        }
        if (*p == '}') {
            depth--;
            continue;
        }
        assert_int_equal(*p, '"');
        char *q = strchr(p + 1, '"');
        assert_non_null(q);
        snprintf(key, sizeof(key), "%.*s", (int)(q - p - 1), p + 1);
        full[0] = '\0';
        for (int d = 1; d <= depth; d++)
            snprintf(full + strlen(full), sizeof(full) - strlen(full), "%s.", prefix[d]);
        snprintf(full + strlen(full), sizeof(full) - strlen(full), "%s", key);
        if (!strcmp(q + 1, ": {")) {
            assert_true(depth + 1 < 16);
            snprintf(prefix[++depth], NAME_MAX_LEN, "%s", key);
        } else {
            add_name(full, path);
        }
    }
    free(text);
}

static void collect_names(void)
{
    DIR *d = opendir("tests/golden");
    struct dirent *e;
    size_t goldens = 0;

    assert_non_null(d);
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        char path[600];
        if (len < 6 || strcmp(e->d_name + len - 5, ".json"))
            continue;
        snprintf(path, sizeof(path), "tests/golden/%s", e->d_name);
        json_names(path);
        goldens++;
    }
    closedir(d);
    assert_true(goldens >= 9);          /* the shipped scenarios */
    /* run.stalled.S.C.waiting_bursts: a bank left stalled */
    const char *stalled = tmp_path("stalled");
    assert_int_equal(proc_run(&pr, "run tests/data/scenarios/stalled.yaml --quiet --out %s",
                              stalled), 0);
    json_names(tmp_path("stalled/stats.json"));
    /* run.error: the SoC could not be built (the trace file is missing) */
    const char *failed = tmp_path("failed");
    assert_int_equal(proc_run(&pr, "run tests/data/scenarios/bad_missing_trace.yaml --quiet "
                              "--out %s", failed), 1);
    json_names(tmp_path("failed/stats.json"));
}

static void test_every_name_catalogued(void **state)
{
    (void)state;
    collect_names();
    assert_true(seen.n > 1000);
    for (size_t i = 0; i < seen.n; i++)
        if (!stats_catalogue_find(seen.name[i]))
            fail_msg("%s: %s matches no pattern of sim/scenario/stats_catalogue.c", seen.from[i],
                     seen.name[i]);
}

static void test_every_pattern_used(void **state)
{
    size_t n;
    const struct stats_catalogue_entry *cat = stats_catalogue(&n);

    (void)state;
    if (!seen.n)
        collect_names();
    for (size_t k = 0; k < n; k++) {
        bool used = false;
        for (size_t i = 0; i < seen.n && !used; i++)
            used = stats_catalogue_match(cat[k].pattern, seen.name[i]);
        if (!used)
            fail_msg("catalogue row %s matches no name of the shipped scenarios' runs",
                     cat[k].pattern);
    }
}

/* ------------------------------------------------------------ iommusim stats */

static void test_stats_command(void **state)
{
    const char *dir = tmp_path("check");

    (void)state;
    /* --check: the bad name is named with its file and line (line 3: header, 1 row) */
    assert_int_equal(proc_sh(&pr, "mkdir -p %s && printf 'name,value\\nrun.seed,1\\n"
                             "run.bogus,2\\n' > %s/stats.csv", dir, dir), 0);
    assert_int_equal(proc_run(&pr, "stats --check %s", dir), 1);
    assert_non_null(strstr(pr.err, "/stats.csv:3: run.bogus is not in the catalogue"));
    assert_null(strstr(pr.err, "run.seed"));
    assert_int_equal(proc_run(&pr, "stats --check %s/none", dir), 1);
    assert_non_null(strstr(pr.err, "iommusim stats: --check "));
    assert_int_equal(proc_run(&pr, "stats --bogus"), 2);
    assert_string_equal(pr.err, "iommusim stats: unknown argument '--bogus' (options: "
                                "--markdown, --json, --check DIR, --help)\n");
    assert_int_equal(proc_run(&pr, "stats --markdown --json"), 2);
    /* the text form names the unit beside the pattern */
    assert_int_equal(proc_run(&pr, "stats"), 0);
    assert_non_null(strstr(pr.out, "\nmaster.M.bandwidth_MBps"));
    assert_non_null(strstr(pr.out, "  MB/s     "));
    /* --json parses as the table: as many "pattern" keys as rows */
    size_t n, count = 0;
    stats_catalogue(&n);
    assert_int_equal(proc_run(&pr, "stats --json"), 0);
    for (const char *p = pr.out; (p = strstr(p, "{\"pattern\": ")); p++)
        count++;
    assert_int_equal(count, n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_match_by_hand),
        cmocka_unit_test(test_docs_section_is_generated),
        cmocka_unit_test(test_every_name_catalogued),
        cmocka_unit_test(test_every_pattern_used),
        cmocka_unit_test(test_stats_command),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
