/*
 * fuzz_config.c - libFuzzer harness for the YAML configuration loader (sim/config/config.c).
 *
 * Each input is a configuration file given to config_parse. A refused file must
 * leave a negative errno and a message that names the file; an accepted one is
 * walked node by node: the tree's links must be consistent, every typed getter is
 * called on every scalar (and must agree with the bare text parsers under it), the
 * map getters and config_check_keys run on every map, and a few fixed --set
 * overrides are applied, after which the tree must still be consistent.
 *
 * Includes: the input is named "<dir>/fuzz.yaml" where <dir> is a private
 * directory holding a few small files to include (a good one, a broken one, one
 * that includes itself). An input that holds both a '!' (any tag) and a '/' is
 * skipped, so an !include can only name a file in that directory and the run never
 * reads the rest of the machine.
 *
 * Any broken invariant prints what went wrong and aborts, which libFuzzer reports
 * as a crash with the input that caused it.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim/config/config.h"
#include "tests/lib/fuzz.h"

#define DIR_TEMPLATE    "/tmp/iommusim-fuzz-config-XXXXXX"
#define MAX_WALK_NODES  4096    /* getters run on this many nodes at most per input */

/* Files an input may include by name. */
static const struct {
    const char *name, *text;
} fixtures[] = {
    { "inc.yaml", "a: 1\nb: [x, 2K, 10ns]\nc: {d: 200MHz, e: true}\n" },
    { "list.yaml", "- 1\n- 0x10\n- 1.5us\n" },
    { "scalar.yaml", "64K\n" },
    { "self.yaml", "x: !include self.yaml\n" },
    { "bad.yaml", "a: [1,\n" },
    { "empty.yaml", "" },
};
#define NFIXTURES (sizeof(fixtures) / sizeof(fixtures[0]))

static char dir[sizeof(DIR_TEMPLATE)];
static char name[sizeof(DIR_TEMPLATE) + 16];

static void fixture_path(char *buf, size_t len, const char *file)
{
    snprintf(buf, len, "%s/%s", dir, file);
}

static void remove_fixtures(void)
{
    char path[sizeof(dir) + 32];

    for (size_t i = 0; i < NFIXTURES; i++) {
        fixture_path(path, sizeof(path), fixtures[i].name);
        unlink(path);
    }
    rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char path[sizeof(dir) + 32];

    (void)argc;
    (void)argv;
    memcpy(dir, DIR_TEMPLATE, sizeof(DIR_TEMPLATE));
    if (!mkdtemp(dir)) {
        perror("fuzz_config: mkdtemp");
        exit(1);
    }
    for (size_t i = 0; i < NFIXTURES; i++) {
        FILE *f;

        fixture_path(path, sizeof(path), fixtures[i].name);
        f = fopen(path, "w");
        if (!f || fputs(fixtures[i].text, f) < 0 || fclose(f)) {
            perror("fuzz_config: writing a fixture");
            exit(1);
        }
    }
    atexit(remove_fixtures);
    snprintf(name, sizeof(name), "%s/fuzz.yaml", dir);
    return 0;
}

/* A failed getter: a negative errno equal to the recorded one, and a message. */
static void check_error(int rc, const struct config_err *err, const struct config_node *n)
{
    FUZZ_CHECK(rc < 0, "rc %d", rc);
    FUZZ_CHECK(err->code == rc, "err.code %d, rc %d", err->code, rc);
    FUZZ_CHECK(err->msg[0] && memchr(err->msg, 0, sizeof(err->msg)), "empty message");
    /* config_fail prefixes the node's position, whose file is the node's file */
    FUZZ_CHECK(!strncmp(err->msg, n->pos.file, strlen(n->pos.file)),
          "message '%s' does not start with '%s'", err->msg, n->pos.file);
}

static void check_ok(int rc, const struct config_err *err)
{
    FUZZ_CHECK(rc == 0, "rc %d", rc);
    FUZZ_CHECK(err->code == 0 && !err->msg[0], "error recorded on success: %s", err->msg);
}

static void check_rc(int rc, const struct config_err *err, const struct config_node *n)
{
    if (rc)
        check_error(rc, err, n);
    else
        check_ok(rc, err);
}

/* Every quantity getter against its bare parser: same verdict, same value. */
static void check_quantity(const struct config_node *n,
                           int (*get)(const struct config_node *, const char *, uint64_t,
                                      uint64_t, uint64_t *, struct config_err *),
                           int (*parse)(const char *, uint64_t *))
{
    struct config_err err = { 0 };
    uint64_t got = 0, parsed = 0, clamped;
    int rc = get(n, NULL, 0, UINT64_MAX, &got, &err);
    int prc = parse(n->value, &parsed);

    check_rc(rc, &err, n);
    FUZZ_CHECK(!rc == !prc, "getter %d, parser %d on '%s'", rc, prc, n->value);
    FUZZ_CHECK(prc == 0 || prc == -EINVAL || prc == -ERANGE, "parser returned %d", prc);
    if (rc)
        return;
    FUZZ_CHECK(got == parsed, "getter %llu, parser %llu on '%s'", (unsigned long long)got,
          (unsigned long long)parsed, n->value);
    /* a range that excludes the value must refuse it with -ERANGE */
    if (got > 0) {
        memset(&err, 0, sizeof(err));
        clamped = 12345;
        rc = get(n, NULL, 0, got - 1, &clamped, &err);
        check_error(rc, &err, n);
        FUZZ_CHECK(rc == -ERANGE && clamped == 12345, "range check: rc %d", rc);
    }
}

static void check_scalar(const struct config_node *n)
{
    static const char *const names[] = { "lru", "plru", "round-robin", "random", "best",
                                         "4k", "64k", "1m", "16m", NULL };
    struct config_err err = { 0 };
    const char *s = NULL;
    bool b = false;
    double d = 0;
    unsigned e = 0;
    int rc;

    FUZZ_CHECK(n->value != NULL, "scalar without a value");
    FUZZ_CHECK(n->count == 0 && n->items == NULL, "scalar with children");
    rc = config_get_string(n, NULL, &s, &err);
    check_ok(rc, &err);
    FUZZ_CHECK(s == n->value, "string getter");

    check_quantity(n, config_get_size, config_parse_size);
    check_quantity(n, config_get_time, config_parse_time);
    check_quantity(n, config_get_freq, config_parse_freq);
    check_quantity(n, config_get_u64, config_parse_u64);

    memset(&err, 0, sizeof(err));
    rc = config_get_bool(n, NULL, &b, &err);
    check_rc(rc, &err, n);
    FUZZ_CHECK(!rc == (!strcmp(n->value, "true") || !strcmp(n->value, "false")), "bool '%s'",
          n->value);

    memset(&err, 0, sizeof(err));
    rc = config_get_enum(n, NULL, names, &e, &err);
    check_rc(rc, &err, n);
    if (!rc)
        FUZZ_CHECK(!strcmp(names[e], n->value), "enum gave '%s' for '%s'", names[e], n->value);

    memset(&err, 0, sizeof(err));
    rc = config_get_double(n, NULL, -1e9, 1e9, &d, &err);
    check_rc(rc, &err, n);
    if (!rc)
        FUZZ_CHECK(d >= -1e9 && d <= 1e9, "double out of range");

    memset(&err, 0, sizeof(err));
    rc = config_get_fraction(n, NULL, 0, 1, &d, &err);
    check_rc(rc, &err, n);
    if (!rc)
        FUZZ_CHECK(d >= 0 && d <= 1, "fraction out of range");
    double f = 0;
    int frc = config_parse_fraction(n->value, &f);
    FUZZ_CHECK(frc == 0 || frc == -EINVAL || frc == -ERANGE, "fraction parser returned %d", frc);
    if (!rc)
        FUZZ_CHECK(frc == 0 && f == d, "fraction getter and parser disagree on '%s'", n->value);

    /* a scalar is not a map: asking it for a key must fail */
    memset(&err, 0, sizeof(err));
    rc = config_get_string(n, "key", &s, &err);
    check_error(rc, &err, n);
}

static void check_map(const struct config_node *n)
{
    static const char *const allowed[] = { "a", "b", "c", "smmus", "tlb", "entries", NULL };
    struct config_err err = { 0 };
    const struct config_node *out;
    int rc;

    for (size_t i = 0; i < n->count; i++) {
        const struct config_node *c = n->items[i];

        FUZZ_CHECK(c->key != NULL, "map item without a key");
        FUZZ_CHECK(c->key[0] && !strchr(c->key, '.') && !strchr(c->key, '=') && strcmp(c->key, "*"),
              "key '%s' the loader should have refused", c->key);
        FUZZ_CHECK(config_find(n, c->key) == c, "duplicate or unfindable key '%s'", c->key);
        /* keys from the file have a line and column; keys made by --set have neither */
        FUZZ_CHECK(c->key_pos.file &&
              ((c->key_pos.line >= 1 && c->key_pos.col >= 1) ||
               !strncmp(c->key_pos.file, "<command line>", 14)), "key position");
        memset(&err, 0, sizeof(err));
        rc = config_get_node(n, c->key, c->kind, &out, &err);
        check_ok(rc, &err);
        FUZZ_CHECK(out == c, "config_get_node");
    }
    memset(&err, 0, sizeof(err));
    rc = config_get_node(n, "\x01missing", CONFIG_SCALAR, &out, &err);
    check_error(rc, &err, n);
    FUZZ_CHECK(rc == -ENOENT, "missing key: rc %d", rc);

    memset(&err, 0, sizeof(err));
    rc = config_check_keys(n, allowed, &err);
    if (rc) {
        FUZZ_CHECK(rc < 0 && err.code == rc && err.msg[0], "check_keys error");
    } else {
        check_ok(rc, &err);
        for (size_t i = 0; i < n->count; i++) {
            size_t j;

            for (j = 0; allowed[j] && strcmp(allowed[j], n->items[i]->key); j++)
                ;
            FUZZ_CHECK(allowed[j], "check_keys accepted '%s'", n->items[i]->key);
        }
    }
}

/* The tree's links and positions; getters on the first MAX_WALK_NODES nodes. */
static void walk(const struct config_node *n, const struct config_node *parent,
                 unsigned depth, unsigned *budget)
{
    char path[64];

    FUZZ_CHECK(depth <= CONFIG_MAX_DEPTH + 1, "tree deeper than %d", CONFIG_MAX_DEPTH);
    FUZZ_CHECK(n->parent == parent, "bad parent link");
    FUZZ_CHECK(n->kind == CONFIG_MAP || n->kind == CONFIG_LIST || n->kind == CONFIG_SCALAR,
          "bad kind %d", (int)n->kind);
    FUZZ_CHECK(n->pos.file != NULL, "node without a file");
    FUZZ_CHECK(!!n->key == (parent && parent->kind == CONFIG_MAP), "key on a non-map item");
    /* the path fits or is cut short, but is always a terminated string */
    config_path(n, path, sizeof(path));
    FUZZ_CHECK(memchr(path, 0, sizeof(path)), "unterminated path");
    config_path(n, path, 1);
    FUZZ_CHECK(path[0] == 0, "path in a 1-byte buffer");

    if (*budget) {
        (*budget)--;
        if (n->kind == CONFIG_SCALAR)
            check_scalar(n);
        else if (n->kind == CONFIG_MAP)
            check_map(n);
    }
    for (size_t i = 0; i < n->count; i++)
        walk(n->items[i], n, depth + 1, budget);
}

static void check_tree(const struct config *cfg)
{
    unsigned budget = MAX_WALK_NODES;
    const struct config_node *root = config_root(cfg);

    FUZZ_CHECK(root != NULL, "accepted file without a root");
    walk(root, NULL, 0, &budget);
}

/* Overrides that match in many trees; each must succeed or fail cleanly. */
static void apply_overrides(struct config *cfg)
{
    static const char *const sets[] = {
        "fuzzkey=42", "a=1", "*=2K", "*.*=on", "0=x", "a.b.c=", "b.0.*=1ns", "=v", "a..b=1",
        "noequals",
    };
    for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
        struct config_err err = { 0 };
        const struct config_node *root = config_root(cfg);
        const struct config_node *before = config_find(root, "fuzzkey");
        int rc = config_set(cfg, sets[i], &err);

        if (rc) {
            FUZZ_CHECK(rc < 0 && err.code == rc, "config_set('%s'): rc %d, code %d", sets[i], rc,
                  err.code);
            FUZZ_CHECK(!strncmp(err.msg, "<command line>:--set ", 21),
                  "config_set message '%s'", err.msg);
        } else {
            check_ok(rc, &err);
        }
        if (i == 0 && root->kind == CONFIG_MAP && (!before || before->kind == CONFIG_SCALAR)) {
            /* a last key missing from an existing map is created; a scalar replaced */
            const struct config_node *n = config_find(root, "fuzzkey");

            FUZZ_CHECK(rc == 0 && n && n->kind == CONFIG_SCALAR && !strcmp(n->value, "42"),
                  "fuzzkey=42 on a map root: rc %d", rc);
            FUZZ_CHECK(n->pos.line == 0 && !strcmp(n->pos.file, "<command line>:--set 1"),
                  "position of a --set value");
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct config_err err = { 0 };
    struct config *cfg;
    bool tagged = memchr(data, '!', size) != NULL;

    /* keep !include inside the fixture directory */
    if (tagged && memchr(data, '/', size))
        return -1;
    cfg = config_parse(name, (const char *)data, size, &err);
    if (!cfg) {
        FUZZ_CHECK(err.code < 0, "refused with code %d", err.code);
        FUZZ_CHECK(err.msg[0] && memchr(err.msg, 0, sizeof(err.msg)), "refused without a message");
        /* "NAME:LINE:COL: error: ..." or "NAME: error: ..."; an error inside an
         * included file names that file, which is in the same directory */
        if (tagged)
            FUZZ_CHECK(!strncmp(err.msg, dir, strlen(dir)), "message '%s' names no file", err.msg);
        else
            FUZZ_CHECK(!strncmp(err.msg, name, strlen(name)) && err.msg[strlen(name)] == ':',
                  "message '%s' does not start with '%s:'", err.msg, name);
        return 0;
    }
    FUZZ_CHECK(err.code == 0 && !err.msg[0], "accepted with an error recorded: %s", err.msg);
    check_tree(cfg);
    apply_overrides(cfg);
    check_tree(cfg);
    config_free(cfg);
    return 0;
}
