/*
 * test_docs.c - the commands that README.md, docs/NAME.md, plots/README.md and
 * traces/README.md show, run as written.
 *
 * A fenced code block that follows a line `<!-- runnable -->` is run (docs/testing.md,
 * "Docs that stay true"): a line starting with `$ ` is a command, continued on the
 * next line while it ends with `\`; the lines after it, up to the next command or the
 * end of the block, are the output it must print (standard output and standard error
 * together, as a terminal shows them). In an output line `...` stands for any text,
 * and a line that is only `...` for any number of lines; a command with no lines
 * after it may print anything. A block without a `$ ` line is a list of commands
 * (every line not blank and not a `#` comment), their output not checked. Every
 * command must exit 0, or with N when the last line of its output is `[exit N]`.
 *
 * A block after `<!-- runnable: write FILE -->` is not run but written to FILE, for the
 * commands after it (a scenario a doc shows, say).
 *
 * Each file's blocks run in order (a later one may use what an earlier one wrote) in a
 * scratch directory of its own that holds a symbolic link to every entry of the
 * repository root but build/ and configs/, a copy of configs/ (so that a doc's scenario
 * can sit beside the shipped ones and include the SoC file as they do), and a build/
 * with only `iommusim` in it: the program
 * under test ($IOMMUSIM), also first on PATH for the commands that call it as
 * `iommusim`. So paths in commands are those of the repository root, and what the
 * commands write stays in the scratch directory.
 *
 * Run from the repository root.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <glob.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/lib/file.h"
#include "tests/lib/proc.h"

#define MARKER          "<!-- runnable -->"
#define WRITE_MARKER    "<!-- runnable: write "       /* ... FILE --> */
#define MARKER_END      " -->"
#define PROMPT          "$ "
#define WILDCARD        "..."
#define EXIT_FMT        "[exit %d]"     /* the last output line: the status expected */
#define CMD_TIMEOUT_S   300
#define COPIED          "configs"       /* copied, not linked: a doc may add a scenario */
#define SHOW_LINES      40              /* lines of a command's output quoted on failure */

struct cmd {
    char *text;                         /* the command, continuation lines joined by \n */
    char *file;                         /* not NULL: text is this file's contents */
    unsigned line;                      /* where it starts in the file */
    char **expect;                      /* its output lines; NULL: not checked */
    size_t nexpect;
};

struct doc {
    const char *path;
    struct cmd *cmds;
    size_t ncmds, nblocks;
};

static struct proc pr;

/* ------------------------------------------------------------------ reading a doc */

static char *dup_n(const char *s, size_t n)
{
    char *d = strndup(s, n);

    assert_non_null(d);
    return d;
}

/* The file's lines, without their line ends (malloc'd; the text is kept in *text). */
static char **split_lines(char *text, size_t *n)
{
    size_t cap = 64;
    char **lines = malloc(cap * sizeof(*lines));

    assert_non_null(lines);
    *n = 0;
    for (char *p = text; *p;) {
        char *end = strchr(p, '\n');

        if (*n == cap)
            assert_non_null(lines = realloc(lines, (cap *= 2) * sizeof(*lines)));
        lines[(*n)++] = p;
        if (!end)
            break;
        *end = '\0';
        p = end + 1;
    }
    return lines;
}

static bool is_fence(const char *line)
{
    while (*line == ' ')
        line++;
    return !strncmp(line, "```", 3);
}

static bool continues(const char *line)
{
    size_t n = strlen(line);

    return n && line[n - 1] == '\\';
}

static struct cmd *add_cmd(struct doc *d, unsigned line)
{
    assert_non_null(d->cmds = realloc(d->cmds, (d->ncmds + 1) * sizeof(*d->cmds)));
    memset(&d->cmds[d->ncmds], 0, sizeof(d->cmds[0]));
    d->cmds[d->ncmds].line = line;
    return &d->cmds[d->ncmds++];
}

/* A command starting at lines[*i] (less `skip` characters), with its continuations. */
static char *take_command(char **lines, size_t n, size_t *i, size_t skip)
{
    size_t len = 0;
    char *text = NULL;

    for (bool more = true; more && *i < n; (*i)++) {
        const char *l = lines[*i] + (len ? 0 : skip);
        size_t ll = strlen(l);

        more = continues(l);
        assert_non_null(text = realloc(text, len + ll + 2));
        memcpy(text + len, l, ll);
        len += ll;
        text[len++] = '\n';
        text[len] = '\0';
    }
    return text;
}

/* The block whose first line is lines[start] (after the fence), up to its closing fence. */
static size_t read_block(struct doc *d, char **lines, size_t n, size_t start)
{
    size_t end = start, i;
    bool prompts = false;

    while (end < n && !is_fence(lines[end]))
        end++;
    assert_true(end < n);               /* a runnable block is closed */
    for (i = start; i < end; i++)
        prompts |= !strncmp(lines[i], PROMPT, strlen(PROMPT));
    d->nblocks++;
    for (i = start; i < end;) {
        const char *l = lines[i];
        unsigned at = (unsigned)i + 1;

        if (prompts && !strncmp(l, PROMPT, strlen(PROMPT))) {
            struct cmd *c = add_cmd(d, at);

            c->text = take_command(lines, end, &i, strlen(PROMPT));
            for (; i < end && strncmp(lines[i], PROMPT, strlen(PROMPT)); i++) {
                assert_non_null(c->expect = realloc(c->expect,
                                                    (c->nexpect + 1) * sizeof(*c->expect)));
                c->expect[c->nexpect++] = dup_n(lines[i], strlen(lines[i]));
            }
        } else if (!prompts && l[strspn(l, " ")] && l[strspn(l, " ")] != '#') {
            add_cmd(d, at)->text = take_command(lines, end, &i, 0);
        } else {
            i++;                        /* a blank or comment line; output before any $ */
        }
    }
    return end + 1;
}

static void read_doc(struct doc *d)
{
    size_t n;
    char *text = slurp(d->path, NULL);
    char **lines;

    assert_non_null(text);
    lines = split_lines(text, &n);
    for (size_t i = 0; i + 1 < n; i++) {
        bool run = !strcmp(lines[i], MARKER), write = !strncmp(lines[i], WRITE_MARKER,
                                                              strlen(WRITE_MARKER));
        if (!run && !write)
            continue;
        if (!is_fence(lines[i + 1]))
            fail_msg("%s:%zu: %s is not followed by a fenced code block", d->path, i + 1,
                     lines[i]);
        if (run) {
            i = read_block(d, lines, n, i + 2) - 1;
            continue;
        }
        const char *name = lines[i] + strlen(WRITE_MARKER);
        size_t nl = strlen(name), end = i + 2, len = 0;
        if (nl <= strlen(MARKER_END) || strcmp(name + nl - strlen(MARKER_END), MARKER_END) ||
            strstr(name, ".."))
            fail_msg("%s:%zu: expected " WRITE_MARKER "FILE" MARKER_END " (FILE in the "
                     "scratch directory)", d->path, i + 1);
        struct cmd *c = add_cmd(d, (unsigned)i + 1);
        c->file = dup_n(name, nl - strlen(MARKER_END));
        assert_non_null(c->text = strdup(""));
        for (; end < n && !is_fence(lines[end]); end++) {
            size_t ll = strlen(lines[end]);

            assert_non_null(c->text = realloc(c->text, len + ll + 2));
            memcpy(c->text + len, lines[end], ll);
            len += ll;
            c->text[len++] = '\n';
            c->text[len] = '\0';
        }
        d->nblocks++;
        i = end;
    }
    free(lines);
    free(text);
}

static void free_doc(struct doc *d)
{
    for (size_t i = 0; i < d->ncmds; i++) {
        for (size_t k = 0; k < d->cmds[i].nexpect; k++)
            free(d->cmds[i].expect[k]);
        free(d->cmds[i].expect);
        free(d->cmds[i].text);
        free(d->cmds[i].file);
    }
    free(d->cmds);
}

/* ------------------------------------------------------------------ matching */

static size_t trimmed(const char *s, size_t n)
{
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        n--;
    return n;
}

/* One output line against one expected line, where `...` matches any text. */
static bool line_matches(const char *pat, size_t np, const char *s, size_t ns)
{
    const char *w = memmem(pat, np, WILDCARD, strlen(WILDCARD));

    if (!w)
        return np == ns && !memcmp(pat, s, ns);
    size_t head = (size_t)(w - pat), rest = np - head - strlen(WILDCARD);
    if (ns < head || memcmp(pat, s, head))
        return false;
    for (size_t k = head; k <= ns; k++)
        if (line_matches(w + strlen(WILDCARD), rest, s + k, ns - k))
            return true;
    return false;
}

/* Output lines out[0..nout) against expected lines exp[0..nexp). */
static bool lines_match(char **exp, size_t nexp, char **out, size_t nout)
{
    if (!nexp)
        return !nout;
    if (!strcmp(exp[0], WILDCARD)) {
        for (size_t k = 0; k <= nout; k++)
            if (lines_match(exp + 1, nexp - 1, out + k, nout - k))
                return true;
        return false;
    }
    return nout && line_matches(exp[0], trimmed(exp[0], strlen(exp[0])), out[0],
                                trimmed(out[0], strlen(out[0]))) &&
           lines_match(exp + 1, nexp - 1, out + 1, nout - 1);
}

/* ------------------------------------------------------------------ running */

/* The scratch directory of one doc: the repository's entries linked, build/ our own. */
static const char *make_scratch(const char *name)
{
    static char dir[PATH_MAX];
    char cwd[PATH_MAX], prog[PATH_MAX], from[2 * PATH_MAX + 2], to[2 * PATH_MAX + 2];
    DIR *root;
    struct dirent *e;

    assert_non_null(getcwd(cwd, sizeof(cwd)));
    assert_non_null(realpath(proc_prog(), prog));
    snprintf(dir, sizeof(dir), "%s", tmp_path("%s", name));
    assert_int_equal(mkdir(dir, 0777), 0);
    assert_non_null(root = opendir("."));
    while ((e = readdir(root))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") || !strcmp(e->d_name, "build") ||
            !strcmp(e->d_name, ".git"))
            continue;
        snprintf(from, sizeof(from), "%s/%s", cwd, e->d_name);
        snprintf(to, sizeof(to), "%s/%s", dir, e->d_name);
        if (!strcmp(e->d_name, COPIED))
            assert_int_equal(proc_sh(&pr, "cp -R '%s' '%s'", from, to), 0);
        else
            assert_int_equal(symlink(from, to), 0);
    }
    closedir(root);
    snprintf(to, sizeof(to), "%s/build", dir);
    assert_int_equal(mkdir(to, 0777), 0);
    snprintf(to, sizeof(to), "%s/build/iommusim", dir);
    assert_int_equal(symlink(prog, to), 0);
    return dir;
}

static void show(const struct doc *d, const struct cmd *c, const char *why, char **out,
                 size_t nout)
{
    print_error("%s:%u: %s\n  the command:\n    %s", d->path, c->line, why, c->text);
    print_error("  its output (%zu lines):\n", nout);
    for (size_t k = 0; k < nout && k < SHOW_LINES; k++)
        print_error("    %s\n", out[k]);
    if (c->expect) {
        print_error("  the output the doc shows:\n");
        for (size_t k = 0; k < c->nexpect && k < SHOW_LINES; k++)
            print_error("    %s\n", c->expect[k]);
    }
}

/* Runs one command in dir; false (after saying why) when it fails or prints otherwise. */
static bool run_cmd(const struct doc *d, const struct cmd *c, const char *dir)
{
    char script[PATH_MAX];
    char **out;
    size_t nout = 0;
    bool ok = true;
    FILE *f;

    if (c->file) {                      /* a file the next commands use */
        snprintf(script, sizeof(script), "%s/%s", dir, c->file);
        assert_non_null(f = fopen(script, "w"));
        fputs(c->text, f);
        assert_int_equal(fclose(f), 0);
        return true;
    }
    snprintf(script, sizeof(script), "%s/.doc-command.sh", dir);
    assert_non_null(f = fopen(script, "w"));
    fputs(c->text, f);
    assert_int_equal(fclose(f), 0);
    proc_sh(&pr, "cd '%s' && PATH='%s/build':\"$PATH\" timeout %d sh .doc-command.sh 2>&1",
            dir, dir, CMD_TIMEOUT_S);
    size_t len = strlen(pr.out);
    if (len && pr.out[len - 1] == '\n')
        pr.out[len - 1] = '\0';
    out = len ? split_lines(pr.out, &nout) : NULL;
    int want = 0, at = -1;
    size_t nexp = c->nexpect;
    if (nexp && sscanf(c->expect[nexp - 1], EXIT_FMT "%n", &want, &at) == 1 &&
        at == (int)strlen(c->expect[nexp - 1]))
        nexp--;                         /* not an output line: the status it must exit with */
    if (pr.status != want) {
        char why[64];

        snprintf(why, sizeof(why), "exit status %d (expected %d)", pr.status, want);
        show(d, c, why, out, nout);
        ok = false;
    } else if (c->expect && !lines_match(c->expect, nexp, out, nout)) {
        show(d, c, "the output differs from the doc's", out, nout);
        ok = false;
    }
    free(out);
    return ok;
}

static void test_doc(void **state)
{
    struct doc d = { .path = *state };
    char name[NAME_MAX];
    unsigned failed = 0;

    snprintf(name, sizeof(name), "doc-%s", d.path);     /* plots/README.md: doc-plots-README.md */
    for (char *c = name; *c; c++)
        if (*c == '/')
            *c = '-';
    read_doc(&d);
    if (!d.ncmds) {                     /* nothing marked runnable: nothing to check */
        free_doc(&d);
        return;
    }
    const char *dir = make_scratch(name);
    for (size_t i = 0; i < d.ncmds; i++)
        failed += !run_cmd(&d, &d.cmds[i], dir);
    print_message("%s: %zu commands in %zu runnable blocks, %u failed\n", d.path, d.ncmds,
                  d.nblocks, failed);
    free_doc(&d);
    assert_int_equal(failed, 0);
}

/* ------------------------------------------------------------------ the matcher itself */

/*
 * The rules of the header comment on made-up lines: `...` inside a line is any text
 * (also none), a line of only `...` any number of lines (also none), trailing blanks do
 * not count, and anything else must be equal.
 */
static void test_matcher(void **state)
{
    char *exp1[] = { "a ... c" }, *exp2[] = { "x", "...", "z" }, *exp3[] = { "...b..." };
    char *out1[] = { "a bb c" }, *out2[] = { "a c" }, *out3[] = { "a b" };
    char *out4[] = { "x", "z" }, *out5[] = { "x", "1", "2", "z" }, *out6[] = { "x", "y" };
    char *out7[] = { "b" }, *out8[] = { "abc  " }, *exp8[] = { "abc" };

    (void)state;
    assert_true(lines_match(exp1, 1, out1, 1));
    assert_false(lines_match(exp1, 1, out2, 1));          /* the blanks around ... stay */
    assert_false(lines_match(exp1, 1, out3, 1));
    assert_true(lines_match(exp2, 3, out4, 2));
    assert_true(lines_match(exp2, 3, out5, 4));
    assert_false(lines_match(exp2, 3, out6, 2));
    assert_true(lines_match(exp3, 1, out7, 1));
    assert_true(lines_match(exp8, 1, out8, 1));
    assert_false(lines_match(exp8, 1, out4, 2));           /* a line too many */
    assert_false(lines_match(exp2, 3, out4, 1));           /* a line too few */
}

int main(void)
{
    static const char *const more[] = { "plots/README.md", "traces/README.md" };
    glob_t g;
    struct CMUnitTest *tests;
    size_t n = 0;
    int rc;

    if (glob("docs/*.md", 0, NULL, &g)) {
        fprintf(stderr, "test_docs: no docs/*.md: run from the repository root\n");
        return 1;
    }
    if (!(tests = calloc(g.gl_pathc + 2 + sizeof(more) / sizeof(more[0]), sizeof(*tests))))
        return 1;
    tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_matcher);
    tests[n++] = (struct CMUnitTest)cmocka_unit_test_prestate(test_doc, "README.md");
    for (size_t i = 0; i < sizeof(more) / sizeof(more[0]); i++) {
        tests[n] = (struct CMUnitTest)cmocka_unit_test_prestate(test_doc, (void *)more[i]);
        tests[n++].name = more[i];
    }
    for (size_t i = 0; i < g.gl_pathc; i++) {
        tests[n] = (struct CMUnitTest)cmocka_unit_test_prestate(test_doc, g.gl_pathv[i]);
        tests[n++].name = g.gl_pathv[i];
    }
    tests[1].name = "README.md";
    rc = _cmocka_run_group_tests("test_docs", tests, n, NULL, NULL);
    proc_free(&pr);
    free(tests);
    globfree(&g);
    return rc;
}
