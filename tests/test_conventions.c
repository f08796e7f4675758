/*
 * test_conventions.c - what every subcommand of the iommusim program does alike:
 * -h, --help and `iommusim help CMD` print the same help, and an output that is a
 * directory cannot be standard output (docs/cli.md, the opening section).
 *
 * The commands are started as a user starts them (tests/lib/proc.h); the expected
 * first lines are the usage lines each command's usage() prints, and the messages
 * are those of sim/main.c and sim/cli/opts.c, compared whole.
 *
 * Run from the repository root.
 */
#define _DEFAULT_SOURCE         /* realpath */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/lib/file.h"
#include "tests/lib/proc.h"

static struct proc pr;

static const char *const commands[] = {
    "run", "tlb", "gen", "convert", "import", "info", "sweep", "plot",
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

/* Standard output of one command line, which must exit 0 with nothing on stderr. */
static char *out_of(const char *const args[])
{
    char *out;

    proc_runv(&pr, args);
    assert_int_equal(pr.status, 0);
    assert_string_equal(pr.err, "");
    assert_non_null(out = strdup(pr.out));
    return out;
}

/*
 * For each command: `CMD --help`, `CMD -h` and `help CMD` print the same text, which
 * begins with "usage: iommusim CMD " (each usage() starts so).
 */
static void test_help_everywhere(void **state)
{
    char start[64];

    (void)state;
    for (size_t i = 0; i < NCOMMANDS; i++) {
        const char *long_form[] = { commands[i], "--help", NULL };
        const char *short_form[] = { commands[i], "-h", NULL };
        const char *by_name[] = { "help", commands[i], NULL };
        char *a = out_of(long_form), *b = out_of(short_form), *c = out_of(by_name);

        snprintf(start, sizeof(start), "usage: iommusim %s ", commands[i]);
        assert_memory_equal(a, start, strlen(start));
        assert_string_equal(b, a);
        assert_string_equal(c, a);
        free(a);
        free(b);
        free(c);
    }
}

/*
 * `help gen KIND` is `gen KIND --help`: the kind's parameters, then its buffers. The
 * display's default is one 1920 x 1080 layer of 4 bytes a pixel, 8294400 bytes; with
 * --layers 2 given before --help there are two.
 */
static void test_help_gen_kind(void **state)
{
    const char *by_name[] = { "help", "gen", "display", NULL };
    const char *direct[] = { "gen", "display", "--help", NULL };
    const char *two[] = { "gen", "display", "--layers", "2", "-h", NULL };
    char *a, *b, *c;

    (void)state;
    a = out_of(by_name);
    b = out_of(direct);
    c = out_of(two);
    assert_string_equal(a, b);
    assert_non_null(strstr(a, "display parameters:\n"));
    assert_non_null(strstr(a, "section):\n  layer0      8294400 bytes\n"));
    assert_null(strstr(a, "layer1"));
    assert_non_null(strstr(c, "section):\n  layer0      8294400 bytes\n"
                              "  layer1      8294400 bytes\n"));
    free(a);
    free(b);
    free(c);
}

static void test_help_errors(void **state)
{
    (void)state;
    assert_int_equal(proc_run(&pr, "help nosuch"), 2);
    assert_string_equal(pr.err, "iommusim help: unknown command 'nosuch' (commands: run, tlb, "
                                "gen, convert, import, info, sweep, plot, stats)\n");
    assert_string_equal(pr.out, "");
    /* Without a command, the top-level help. */
    assert_int_equal(proc_run(&pr, "help"), 0);
    assert_memory_equal(pr.out, "usage: iommusim COMMAND [OPTIONS]\n", 34);
}

/*
 * --out names a directory in run, sweep and plot: '-' is refused before anything is
 * made (it used to make a directory called '-'), and ./- is the way to that name.
 */
static void test_out_dash_refused(void **state)
{
    static const char *const cases[] = {
        "run configs/scenarios/gpu2d_blit.yaml --quiet --out -",
        "sweep configs/scenarios/gpu2d_blit.yaml --param soc.smmus.gfx2d0.tlb.entries=16 "
        "--out - --emit-jobs",
        "plot tests/data/plot/no-such --out -",
    };
    char expect[256], prog[PATH_MAX], dir[PATH_MAX];

    (void)state;
    assert_non_null(realpath(proc_prog(), prog));   /* the commands run in dir */
    snprintf(dir, sizeof(dir), "%s", tmp_path("dash"));  /* tmp_path's buffers rotate */
    assert_int_equal(proc_sh(&pr, "mkdir -p '%s'", dir), 0);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char cmd[32];

        snprintf(cmd, sizeof(cmd), "%.*s", (int)strcspn(cases[i], " "), cases[i]);
        snprintf(expect, sizeof(expect), "iommusim %s: --out -: a directory is written here, "
                 "and '-' (standard output) cannot be one; name a directory (--out ./- for "
                 "one called '-')\n", cmd);
        assert_int_equal(proc_sh(&pr, "cd '%s' && '%s' %s", dir, prog, cases[i]), 2);
        assert_string_equal(pr.err, expect);
        assert_false(file_exists(tmp_path("dash/-")));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_help_everywhere),
        cmocka_unit_test(test_help_gen_kind),
        cmocka_unit_test(test_help_errors),
        cmocka_unit_test(test_out_dash_refused),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);

    proc_free(&pr);
    return rc;
}
