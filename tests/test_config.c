/*
 * test_config.c - the configuration tree: positions, includes, every error message
 * (with line and column counted by hand in the fixtures under tests/data/config/),
 * typed getters, unit parsers and --set overrides.
 *
 * Run from the repository root (the Makefile does): fixtures are found by relative
 * paths, and those paths appear verbatim in the expected messages.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sim/config/config.h"

#define DATA "tests/data/config/"

static const char *const policies[] = { "4k", "64k", "1m", "16m", "best", NULL };

static struct config *load_ok(const char *path)
{
    struct config_err err = { 0 };
    struct config *cfg = config_load(path, &err);

    if (!cfg)
        fail_msg("%s", err.msg);
    assert_int_equal(err.code, 0);
    return cfg;
}

static void expect_load_error(const char *path, int code, const char *msg)
{
    struct config_err err = { 0 };

    assert_null(config_load(path, &err));
    assert_int_equal(err.code, code);
    assert_string_equal(err.msg, msg);
}

static void expect_parse_error(const char *text, size_t len, int code, const char *msg)
{
    struct config_err err = { 0 };

    assert_null(config_parse("mem.yaml", text, len, &err));
    assert_int_equal(err.code, code);
    assert_string_equal(err.msg, msg);
}

/* Walks a dotted path of map keys (test helper; no '*' or indices). */
static const struct config_node *at(const struct config *cfg, const char *p1, const char *p2,
                                    const char *p3, const char *p4, const char *p5)
{
    const char *parts[] = { p1, p2, p3, p4, p5 };
    const struct config_node *n = config_root(cfg);
    size_t i;

    for (i = 0; i < 5 && parts[i] && n; i++)
        n = config_find(n, parts[i]);
    assert_non_null(n);
    return n;
}

/* ------------------------------------------------------------- the tree */

static void test_order_and_positions(void **state)
{
    struct config_err err = { 0 };
    static const char text[] = "{a: 1, b: [x, y]}";
    struct config *cfg = config_parse("mem.yaml", text, strlen(text), &err);
    const struct config_node *root, *b;

    (void)state;
    assert_non_null(cfg);
    root = config_root(cfg);
    /* Columns in "{a: 1, b: [x, y]}": { 1, a 2, 1 5, b 8, [ 11, x 12, y 15. */
    assert_int_equal(root->kind, CONFIG_MAP);
    assert_int_equal(root->pos.line, 1);
    assert_int_equal(root->pos.col, 1);
    assert_int_equal(root->count, 2);
    assert_string_equal(root->items[0]->key, "a");
    assert_int_equal(root->items[0]->key_pos.col, 2);
    assert_int_equal(root->items[0]->pos.col, 5);
    assert_string_equal(root->items[0]->value, "1");
    b = root->items[1];
    assert_string_equal(b->key, "b");
    assert_int_equal(b->key_pos.col, 8);
    assert_int_equal(b->kind, CONFIG_LIST);
    assert_int_equal(b->pos.col, 11);
    assert_int_equal(b->count, 2);
    assert_null(b->items[0]->key);
    assert_int_equal(b->items[0]->pos.col, 12);
    assert_int_equal(b->items[1]->pos.col, 15);
    assert_string_equal(b->items[1]->value, "y");
    assert_ptr_equal(b->items[1]->parent, b);
    config_free(cfg);
}

static void test_include_relative(void **state)
{
    struct config *cfg = load_ok(DATA "scenarios/play.yaml");
    const struct config_node *root = config_root(cfg), *soc, *entries;
    struct config_err err = { 0 };
    uint64_t v = 0;
    char path[64];

    (void)state;
    /* Keys in file order, the included tree grafted under "soc". */
    assert_int_equal(root->count, 3);
    assert_string_equal(root->items[0]->key, "soc");
    assert_string_equal(root->items[1]->key, "duration");
    assert_string_equal(root->items[2]->key, "buffers");
    soc = root->items[0];
    assert_int_equal(soc->kind, CONFIG_MAP);
    /* The key is written in play.yaml line 2 column 1; the value is soc.yaml's root map,
     * which starts at its first key, line 2 column 1 (line 1 is a comment). */
    assert_string_equal(soc->key_pos.file, DATA "scenarios/play.yaml");
    assert_int_equal(soc->key_pos.line, 2);
    assert_string_equal(soc->pos.file, DATA "scenarios/../soc.yaml");
    assert_int_equal(soc->pos.line, 2);
    assert_int_equal(soc->pos.col, 1);
    assert_int_equal(config_get_u64(at(cfg, "soc", "smmus", "rot", "tlb", NULL), "entries", 1,
                                    256, &v, &err), 0);
    assert_int_equal(v, 16);
    /* soc.yaml line 7 "      entries: 16": 6 spaces, "entries" 7-13, ':' 14, '1' at 16. */
    entries = at(cfg, "soc", "smmus", "rot", "tlb", "entries");
    assert_string_equal(entries->pos.file, DATA "scenarios/../soc.yaml");
    assert_int_equal(entries->pos.line, 7);
    assert_int_equal(entries->pos.col, 16);
    config_path(entries, path, sizeof(path));
    assert_string_equal(path, "soc.smmus.rot.tlb.entries");
    /* An error inside the included file names that file and the full key path. */
    assert_int_equal(config_get_u64(entries->parent, "entries", 32, 256, &v, &err), -ERANGE);
    assert_string_equal(err.msg, DATA "scenarios/../soc.yaml:7:16: error: "
                        "soc.smmus.rot.tlb.entries: 16 is out of range 32..256");
    config_free(cfg);
}

/* ------------------------------------------------------------ load errors */

static void test_syntax_error(void **state)
{
    (void)state;
    /* syntax.yaml line 4 "  ways: 4": 'ways' at column 3 closes the inner map (keys at
     * column 5) but is not at column 1 where the top-level map (from 2:1) has its keys. */
    expect_load_error(DATA "syntax.yaml", -EINVAL, DATA "syntax.yaml:4:3: error: expected a "
                      "key here; check the indentation (while parsing a block mapping that "
                      "starts at 2:1)");
    /* tab.yaml line 3 begins with a tab: column 1. */
    expect_load_error(DATA "tab.yaml", -EINVAL, DATA "tab.yaml:3:1: error: a tab character "
                      "here; YAML indents with spaces only");
    /* "a: \"abc\n": the quote opens at column 4 and the text ends at line 2 column 1. */
    expect_parse_error("a: \"abc\n", 8, -EINVAL, "mem.yaml:2:1: error: the file ends inside "
                       "a value; is a quote or a bracket left open? (while scanning a quoted "
                       "scalar that starts at 1:4)");
    /* Invalid UTF-8: byte 0xff is the 4th character of line 1. */
    expect_parse_error("a: \xff\n", 5, -EINVAL, "mem.yaml:1:4: error: invalid leading UTF-8 "
                       "octet (the file must be UTF-8 text)");
}

static void test_duplicate_key(void **state)
{
    (void)state;
    /* dup.yaml: "  entries:" at line 3 column 3 and again at line 5 column 3. */
    expect_load_error(DATA "dup.yaml", -EINVAL, DATA "dup.yaml:5:3: error: duplicate key "
                      "'entries' in tlb (first at " DATA "dup.yaml:3:3)");
}

static void test_rejected_constructs(void **state)
{
    static const char deep[] = "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
                               "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]";
    static const char nul[] = "a: \"x\\0y\"\n";

    (void)state;
    /* two_docs.yaml: "---" at line 3 column 1. */
    expect_load_error(DATA "two_docs.yaml", -EINVAL, DATA "two_docs.yaml:3:1: error: a second "
                      "YAML document starts here; a file holds one document");
    /* alias.yaml line 2 "base: &b 16": "base" 1-4, ':' 5, '&' 7. */
    expect_load_error(DATA "alias.yaml", -EINVAL, DATA "alias.yaml:2:7: error: anchors (&b) "
                      "are not supported; write the value out, or use !include");
    expect_parse_error("", 0, -EINVAL, "mem.yaml: error: the file holds no YAML document");
    /* "a: !!str 5": the tag starts the value at column 4. */
    expect_parse_error("a: !!str 5\n", 11, -EINVAL, "mem.yaml:1:4: error: tag "
                       "'tag:yaml.org,2002:str' is not supported (only !include is)");
    expect_parse_error("a: !include\n", 12, -EINVAL, "mem.yaml:1:4: error: !include needs a "
                       "file name");
    expect_parse_error("a.b: 1\n", 7, -EINVAL, "mem.yaml:1:1: error: key 'a.b' holds a '.', "
                       "which separates the parts of a key path");
    /* "? [a]\n: 1": the key (a list) starts at column 3. */
    expect_parse_error("? [a]\n: 1\n", 10, -EINVAL, "mem.yaml:1:3: error: a key must be a "
                       "scalar, not a list");
    /* The escape \0 makes a NUL inside the value that starts at column 4. */
    expect_parse_error(nul, strlen(nul), -EINVAL, "mem.yaml:1:4: error: a value holds a NUL "
                       "character");
    /* 65 nested lists: the list at depth 64 (0-based) is the '[' at column 65. */
    assert_int_equal(strlen(deep), 130);
    expect_parse_error(deep, strlen(deep), -E2BIG, "mem.yaml:1:65: error: maps and lists nest "
                       "deeper than 64 levels");
}

static void test_include_errors(void **state)
{
    (void)state;
    /* cycle_b.yaml line 2 "back: !include cycle_a.yaml": '!' at column 7. */
    expect_load_error(DATA "cycle_a.yaml", -ELOOP, DATA "cycle_b.yaml:2:7: error: include "
                      "cycle: " DATA "cycle_a.yaml -> " DATA "cycle_b.yaml -> "
                      DATA "cycle_a.yaml");
    /* include_missing.yaml line 2 "soc: !include ...": '!' at column 6. */
    expect_load_error(DATA "include_missing.yaml", -ENOENT, DATA "include_missing.yaml:2:6: "
                      "error: cannot open included file '" DATA "no_such_soc.yaml': No such "
                      "file or directory");
    expect_load_error(DATA "no_such_file.yaml", -ENOENT, DATA "no_such_file.yaml: error: "
                      "cannot open: No such file or directory");
    expect_load_error(DATA, -EISDIR, DATA ": error: cannot open: Is a directory");
}

/* ------------------------------------------------------------ the schema */

static void test_unknown_keys(void **state)
{
    static const char *const tlb_keys[] = { "entries", "ways", "replacement", NULL };
    static const char *const top_keys[] = { "soc", "buffers", NULL };
    struct config *cfg = load_ok(DATA "schema.yaml");
    struct config_err err = { 0 };

    (void)state;
    /* schema.yaml line 5 "      entires: 64": the key at column 7; "entires" is one
     * swap away from "entries". */
    assert_int_equal(config_check_keys(at(cfg, "smmus", "rot", "tlb", NULL, NULL), tlb_keys,
                                       &err), -EINVAL);
    assert_string_equal(err.msg, DATA "schema.yaml:5:7: error: unknown key 'entires' in "
                        "smmus.rot.tlb; did you mean 'entries'?");
    /* "smmus" is 4 edits from "soc": too far to guess, so the valid keys are listed. */
    memset(&err, 0, sizeof(err));
    assert_int_equal(config_check_keys(config_root(cfg), top_keys, &err), -EINVAL);
    assert_string_equal(err.msg, DATA "schema.yaml:2:1: error: unknown key 'smmus' at top "
                        "level; valid keys: soc, buffers");
    memset(&err, 0, sizeof(err));
    assert_int_equal(config_check_keys(at(cfg, "smmus", "rot", NULL, NULL, NULL),
                                       (const char *const[]){ "tlb", NULL }, &err), 0);
    assert_int_equal(err.code, 0);
    config_free(cfg);
}

static void test_suggestions(void **state)
{
    static const char text[] = "{a: bestt, b: bst, c: 6k}";
    struct config_err err = { 0 };
    struct config *cfg = config_parse("mem.yaml", text, strlen(text), &err);
    const struct config_node *root = config_root(cfg);
    unsigned e = 99;

    (void)state;
    assert_non_null(cfg);
    /* One letter too many ("bestt", value at column 5) and one too few ("bst", column 15). */
    assert_int_equal(config_get_enum(root, "a", policies, &e, &err), -EINVAL);
    assert_string_equal(err.msg, "mem.yaml:1:5: error: a: 'bestt' is not one of 4k, 64k, 1m, "
                        "16m, best; did you mean 'best'?");
    memset(&err, 0, sizeof(err));
    assert_int_equal(config_get_enum(root, "b", policies, &e, &err), -EINVAL);
    assert_string_equal(err.msg, "mem.yaml:1:15: error: b: 'bst' is not one of 4k, 64k, 1m, "
                        "16m, best; did you mean 'best'?");
    /* "6k" is one edit from both "4k" and "64k": the first in the list wins (column 23). */
    memset(&err, 0, sizeof(err));
    assert_int_equal(config_get_enum(root, "c", policies, &e, &err), -EINVAL);
    assert_string_equal(err.msg, "mem.yaml:1:23: error: c: '6k' is not one of 4k, 64k, 1m, "
                        "16m, best; did you mean '4k'?");
    config_free(cfg);
}

/* values.yaml: the value of "KEY: v" on line L starts at column strlen(KEY) + 3. */
#define VALUES DATA "values.yaml:"

static void test_get_u64(void **state)
{
    struct config *cfg = load_ok(DATA "values.yaml");
    const struct config_node *root = config_root(cfg), *list;
    struct config_err err = { 0 };
    uint64_t v = 0;

    (void)state;
    assert_int_equal(config_get_u64(root, "entries", 1, 256, &v, &err), 0);
    assert_int_equal(v, 16);
    assert_int_equal(config_get_u64(root, "hex", 0, UINT64_MAX, &v, &err), 0);
    assert_int_equal(v, 0x1000);
    /* "entries" (7) -> column 10. */
    assert_int_equal(config_get_u64(root, "entries", 32, 256, &v, &err), -ERANGE);
    assert_string_equal(err.msg, VALUES "2:10: error: entries: 16 is out of range 32..256");
    /* "word" (4) -> column 7. */
    memset(&err, 0, sizeof(err));
    assert_int_equal(config_get_u64(root, "word", 0, 10, &v, &err), -EINVAL);
    assert_string_equal(err.msg, VALUES "4:7: error: word: expected an integer (decimal or "
                        "0x-hex), found 'sixteen'");
    /* "negative" (8) -> column 11. */
    memset(&err, 0, sizeof(err));
    assert_int_equal(config_get_u64(root, "negative", 0, 10, &v, &err), -ERANGE);
    assert_string_equal(err.msg, VALUES "5:11: error: negative: '-1' is negative; expected an "
                        "integer (decimal or 0x-hex)");
    /* 2^64 does not fit: reported as out of the (full) range. */
    memset(&err, 0, sizeof(err));
    assert_int_equal(config_get_u64(root, "huge", 0, UINT64_MAX, &v, &err), -ERANGE);
    assert_string_equal(err.msg, VALUES "6:7: error: huge: 18446744073709551616 is out of "
                        "range 0..18446744073709551615");
    /* The root map starts at its first key, line 2 column 1. */
    memset(&err, 0, sizeof(err));
    assert_int_equal(config_get_u64(root, "nope", 0, 1, &v, &err), -ENOENT);
    assert_string_equal(err.msg, VALUES "2:1: error: missing key 'nope'");
    /* List items by index: "list: [1, 2]" has '2' at column 11. */
    memset(&err, 0, sizeof(err));
    assert_int_equal(config_get_node(root, "list", CONFIG_LIST, &list, &err), 0);
    assert_int_equal(list->count, 2);
    assert_int_equal(config_get_u64(list->items[1], NULL, 0, 1, &v, &err), -ERANGE);
    assert_string_equal(err.msg, VALUES "19:11: error: list.1: 2 is out of range 0..1");
    /* A key asked of a scalar. */
    memset(&err, 0, sizeof(err));
    assert_int_equal(config_get_u64(config_find(root, "entries"), "x", 0, 1, &v, &err),
                     -EINVAL);
    assert_string_equal(err.msg, VALUES "2:10: error: entries: expected a map, found '16'");
    config_free(cfg);
}

static void test_get_units(void **state)
{
    struct config *cfg = load_ok(DATA "values.yaml");
    const struct config_node *root = config_root(cfg);
    struct config_err err = { 0 };
    uint64_t v = 0;
    double d = 0;

    (void)state;
    /* 16M = 16 * 2^20 = 16777216; 1.5ms = 1.5 * 10^9 ps; 228.57MHz = 22857 * 10^4 Hz. */
    assert_int_equal(config_get_size(root, "size", 1, UINT64_MAX, &v, &err), 0);
    assert_int_equal(v, 16777216);
    assert_int_equal(config_get_time(root, "time", 0, UINT64_MAX, &v, &err), 0);
    assert_int_equal(v, 1500000000);
    assert_int_equal(config_get_freq(root, "freq", 1, UINT64_MAX, &v, &err), 0);
    assert_int_equal(v, 228570000);
    /* Ranges are shown in the largest unit that is exact: 4096 = 4K, 2^20 = 1M. */
    assert_int_equal(config_get_size(root, "size", 4096, 1 << 20, &v, &err), -ERANGE);
    assert_string_equal(err.msg, VALUES "7:7: error: size: 16M is out of range 4K..1M");
    /* "size_bad_unit" (13) -> column 16. */
    memset(&err, 0, sizeof(err));
    assert_int_equal(config_get_size(root, "size_bad_unit", 0, UINT64_MAX, &v, &err), -EINVAL);
    assert_string_equal(err.msg, VALUES "8:16: error: size_bad_unit: unknown unit 'Q' in "
                        "'64Q'; valid units: B, K, KiB, M, MiB, G, GiB, T, TiB");
    /* 0.3 * 1024 = 307.2; "size_inexact" (12) -> column 15. */
    memset(&err, 0, sizeof(err));
    assert_int_equal(config_get_size(root, "size_inexact", 0, UINT64_MAX, &v, &err), -EINVAL);
    assert_string_equal(err.msg, VALUES "9:15: error: size_inexact: '0.3K' is not a whole "
                        "number of bytes");
    /* 1000 ps = 1ns, 10^9 ps = 1ms. */
    memset(&err, 0, sizeof(err));
    assert_int_equal(config_get_time(root, "time", 1000, 1000000000, &v, &err), -ERANGE);
    assert_string_equal(err.msg, VALUES "10:7: error: time: 1.5ms is out of range 1ns..1ms");
    memset(&err, 0, sizeof(err));
    assert_int_equal(config_get_time(root, "time_no_unit", 0, UINT64_MAX, &v, &err), -EINVAL);
    assert_string_equal(err.msg, VALUES "11:15: error: time_no_unit: '10' has no unit; valid "
                        "units: ps, ns, us, ms, s");
    memset(&err, 0, sizeof(err));
    assert_int_equal(config_get_time(root, "time_negative", 0, UINT64_MAX, &v, &err), -ERANGE);
    assert_string_equal(err.msg, VALUES "12:16: error: time_negative: '-5ns' is negative; "
                        "expected a time (such as 10ns, 5us or 1.5ms)");
    memset(&err, 0, sizeof(err));
    assert_int_equal(config_get_freq(root, "freq", 1000000, 200000000, &v, &err), -ERANGE);
    assert_string_equal(err.msg, VALUES "13:7: error: freq: 228.57MHz is out of range "
                        "1MHz..200MHz");
    /* A number where a unit is needed is a type error, reported with an example. */
    memset(&err, 0, sizeof(err));
    assert_int_equal(config_get_time(root, "word", 0, UINT64_MAX, &v, &err), -EINVAL);
    assert_string_equal(err.msg, VALUES "4:7: error: word: expected a time (such as 10ns, 5us "
                        "or 1.5ms), found 'sixteen'");
    /* Fractions: 25% = 0.25, and a range is shown the way the value was written. */
    memset(&err, 0, sizeof(err));
    assert_int_equal(config_get_fraction(root, "share", 0, 1, &d, &err), 0);
    assert_true(d == 0.25);
    assert_int_equal(config_get_fraction(root, "ratio", 0, 1, &d, &err), 0);
    assert_true(d == 0.125);
    assert_int_equal(config_get_fraction(root, "share", 0, 0.2, &d, &err), -ERANGE);
    assert_string_equal(err.msg, VALUES "14:8: error: share: 25% is out of range 0%..20%");
    config_free(cfg);
}

static void test_get_other_types(void **state)
{
    struct config *cfg = load_ok(DATA "values.yaml");
    const struct config_node *root = config_root(cfg);
    struct config_err err = { 0 };
    const char *s = NULL;
    unsigned e = 99;
    bool b = false;
    double d = 0;

    (void)state;
    assert_int_equal(config_get_bool(root, "flag", &b, &err), 0);
    assert_true(b);
    assert_int_equal(config_get_string(root, "word", &s, &err), 0);
    assert_string_equal(s, "sixteen");
    assert_int_equal(config_get_double(root, "scale", 0, 1e6, &d, &err), 0);
    assert_true(d == 1500.0);
    /* "flag_bad" (8) -> column 11: only true and false are booleans. */
    assert_int_equal(config_get_bool(root, "flag_bad", &b, &err), -EINVAL);
    assert_string_equal(err.msg, VALUES "17:11: error: flag_bad: expected true or false, "
                        "found 'yes'");
    /* "policy" (6) -> column 9; "4K" is one edit from "4k". */
    memset(&err, 0, sizeof(err));
    assert_int_equal(config_get_enum(root, "policy", policies, &e, &err), -EINVAL);
    assert_string_equal(err.msg, VALUES "18:9: error: policy: '4K' is not one of 4k, 64k, 1m, "
                        "16m, best; did you mean '4k'?");
    assert_int_equal(e, 99);
    /* Nothing within a third of "sixteen" (7 letters, so 2 edits): no guess. */
    memset(&err, 0, sizeof(err));
    assert_int_equal(config_get_enum(root, "word", policies, &e, &err), -EINVAL);
    assert_string_equal(err.msg, VALUES "4:7: error: word: 'sixteen' is not one of 4k, 64k, 1m, "
                        "16m, best");
    /* "list: [1, 2]": the list starts at column 7. */
    memset(&err, 0, sizeof(err));
    assert_int_equal(config_get_enum(root, "list", policies, &e, &err), -EINVAL);
    assert_string_equal(err.msg, VALUES "19:7: error: list: expected one of 4k, 64k, 1m, 16m, "
                        "best, found a list");
    memset(&err, 0, sizeof(err));
    assert_int_equal(config_get_string(root, "list", &s, &err), -EINVAL);
    assert_string_equal(err.msg, VALUES "19:7: error: list: expected a string, found a list");
    memset(&err, 0, sizeof(err));
    assert_int_equal(config_get_double(root, "word", 0, 1, &d, &err), -EINVAL);
    assert_string_equal(err.msg, VALUES "4:7: error: word: expected a number, found 'sixteen'");
    memset(&err, 0, sizeof(err));
    assert_int_equal(config_get_double(root, "scale", 0, 1000, &d, &err), -ERANGE);
    assert_string_equal(err.msg, VALUES "20:8: error: scale: 1.5e3 is out of range 0..1000");
    config_free(cfg);
}

static void test_first_error_wins(void **state)
{
    struct config *cfg = load_ok(DATA "values.yaml");
    struct config_err err = { .code = -EIO, .msg = "earlier" };
    uint64_t v = 7;

    (void)state;
    /* The call still fails with its own code, but the sink keeps the first error. */
    assert_int_equal(config_get_u64(config_root(cfg), "word", 0, 1, &v, &err), -EINVAL);
    assert_int_equal(err.code, -EIO);
    assert_string_equal(err.msg, "earlier");
    assert_int_equal(v, 7);
    /* No sink at all is allowed. */
    assert_int_equal(config_get_u64(config_root(cfg), "word", 0, 1, &v, NULL), -EINVAL);
    assert_int_equal(config_fail(NULL, config_root(cfg), -EDOM, "x"), -EDOM);
    config_free(cfg);
}

/* ------------------------------------------------------------ unit parsers */

static void test_parse_size(void **state)
{
    uint64_t v = 0;

    (void)state;
    assert_int_equal(config_parse_size("4096", &v), 0);
    assert_int_equal(v, 4096);
    assert_int_equal(config_parse_size("64K", &v), 0);
    assert_int_equal(v, 65536);                         /* 64 * 1024 */
    assert_int_equal(config_parse_size("16M", &v), 0);
    assert_int_equal(v, 16777216);                      /* 16 * 2^20 */
    assert_int_equal(config_parse_size("2G", &v), 0);
    assert_int_equal(v, 2147483648u);                   /* 2^31 */
    assert_int_equal(config_parse_size("1MiB", &v), 0);
    assert_int_equal(v, 1048576);
    assert_int_equal(config_parse_size("16T", &v), 0);
    assert_int_equal(v, 17592186044416ull);             /* 2^44 */
    assert_int_equal(config_parse_size("0x1000", &v), 0);
    assert_int_equal(v, 4096);
    assert_int_equal(config_parse_size("1.5K", &v), 0);
    assert_int_equal(v, 1536);                          /* 1.5 * 1024, exact */
    assert_int_equal(config_parse_size("0.3K", &v), -EINVAL);  /* 307.2 bytes */
    assert_int_equal(config_parse_size("16E", &v), -EINVAL);
    assert_int_equal(config_parse_size("16 M", &v), -EINVAL);
    assert_int_equal(config_parse_size("-1K", &v), -EINVAL);
    assert_int_equal(config_parse_size("0x1K", &v), -EINVAL);  /* hex takes no unit */
    assert_int_equal(config_parse_size("0x", &v), -EINVAL);
    assert_int_equal(config_parse_size("", &v), -EINVAL);
    assert_int_equal(config_parse_size("16777215T", &v), 0);   /* 2^64 - 2^40 */
    assert_int_equal(v, 18446742974197923840ull);
    assert_int_equal(config_parse_size("16777216T", &v), -ERANGE); /* 2^24 * 2^40 = 2^64 */
    assert_int_equal(config_parse_size("0x10000000000000000", &v), -ERANGE);
}

static void test_parse_time(void **state)
{
    uint64_t v = 0;

    (void)state;
    assert_int_equal(config_parse_time("10ns", &v), 0);
    assert_int_equal(v, 10000);
    assert_int_equal(config_parse_time("5us", &v), 0);
    assert_int_equal(v, 5000000);
    assert_int_equal(config_parse_time("1.5ms", &v), 0);
    assert_int_equal(v, 1500000000);
    assert_int_equal(config_parse_time("2s", &v), 0);
    assert_int_equal(v, 2000000000000ull);
    assert_int_equal(config_parse_time("0.001ns", &v), 0);
    assert_int_equal(v, 1);
    assert_int_equal(config_parse_time("4.37500ns", &v), 0);   /* trailing zeros are fine */
    assert_int_equal(v, 4375);
    assert_int_equal(config_parse_time("0", &v), 0);           /* zero needs no unit */
    assert_int_equal(v, 0);
    assert_int_equal(config_parse_time("18446744073709551615ps", &v), 0);
    assert_int_equal(v, UINT64_MAX);
    assert_int_equal(config_parse_time("18446744073709551616ps", &v), -ERANGE);
    assert_int_equal(config_parse_time("18446745s", &v), -ERANGE); /* > 1.8446744e19 ps */
    assert_int_equal(config_parse_time("0.5ps", &v), -EINVAL);
    assert_int_equal(config_parse_time("-5ns", &v), -EINVAL);
    assert_int_equal(config_parse_time("10", &v), -EINVAL);
    assert_int_equal(config_parse_time("10 ns", &v), -EINVAL);
    assert_int_equal(config_parse_time("10NS", &v), -EINVAL);
    assert_int_equal(config_parse_time("1.ns", &v), -EINVAL);
}

static void test_parse_freq_fraction_u64(void **state)
{
    uint64_t v = 0;
    double d = 0;

    (void)state;
    assert_int_equal(config_parse_freq("200MHz", &v), 0);
    assert_int_equal(v, 200000000);
    assert_int_equal(config_parse_freq("228.57MHz", &v), 0);
    assert_int_equal(v, 228570000);
    assert_int_equal(config_parse_freq("1GHz", &v), 0);
    assert_int_equal(v, 1000000000);
    assert_int_equal(config_parse_freq("19.2kHz", &v), 0);
    assert_int_equal(v, 19200);
    /* Below 1 Hz the value is rounded to the nearest Hz, halves up. */
    assert_int_equal(config_parse_freq("33.3333333MHz", &v), 0);   /* 33333333.3 Hz */
    assert_int_equal(v, 33333333);
    assert_int_equal(config_parse_freq("0.5Hz", &v), 0);
    assert_int_equal(v, 1);
    assert_int_equal(config_parse_freq("200", &v), -EINVAL);
    assert_int_equal(config_parse_freq("200mhz", &v), -EINVAL);

    assert_int_equal(config_parse_fraction("25%", &d), 0);
    assert_true(d == 0.25);
    assert_int_equal(config_parse_fraction("12.5%", &d), 0);
    assert_true(d == 0.125);
    assert_int_equal(config_parse_fraction("0.75", &d), 0);
    assert_true(d == 0.75);
    assert_int_equal(config_parse_fraction("1/2", &d), -EINVAL);
    assert_int_equal(config_parse_fraction("-1%", &d), -EINVAL);

    assert_int_equal(config_parse_u64("18446744073709551615", &v), 0);
    assert_int_equal(v, UINT64_MAX);
    assert_int_equal(config_parse_u64("0xffffffffffffffff", &v), 0);
    assert_int_equal(v, UINT64_MAX);
    assert_int_equal(config_parse_u64("18446744073709551616", &v), -ERANGE);
    assert_int_equal(config_parse_u64("1.0", &v), -EINVAL);
    assert_int_equal(config_parse_u64("+1", &v), -EINVAL);
    assert_int_equal(config_parse_u64(" 1", &v), -EINVAL);
    assert_int_equal(config_parse_u64("1K", &v), -EINVAL);
}

/* ---------------------------------------------------------------- --set */

#define SET(cfg, text, err) assert_int_equal(config_set(cfg, text, err), 0)

static void test_set_scalar(void **state)
{
    struct config *cfg = load_ok(DATA "scenarios/play.yaml");
    const struct config_node *tlb = at(cfg, "soc", "smmus", "rot", "tlb", NULL), *n;
    struct config_err err = { 0 };
    uint64_t v = 0;

    (void)state;
    SET(cfg, "soc.smmus.rot.tlb.entries=64", &err);
    assert_int_equal(config_get_u64(tlb, "entries", 1, 256, &v, &err), 0);
    assert_int_equal(v, 64);
    n = config_find(tlb, "entries");
    assert_string_equal(n->pos.file, "<command line>:--set 1");
    assert_int_equal(n->pos.line, 0);
    /* The key itself is still where the file wrote it (line 7, column 7). */
    assert_int_equal(n->key_pos.line, 7);
    assert_int_equal(n->key_pos.col, 7);
    /* A bad value from the command line is reported at the --set that gave it. */
    SET(cfg, "soc.smmus.rot.tlb.entries=0", &err);
    assert_int_equal(config_get_u64(tlb, "entries", 1, 256, &v, &err), -ERANGE);
    assert_string_equal(err.msg, "<command line>:--set 2: error: soc.smmus.rot.tlb.entries: 0 "
                        "is out of range 1..256");
    config_free(cfg);
}

static void test_set_star_over_map(void **state)
{
    struct config *cfg = load_ok(DATA "scenarios/play.yaml");
    struct config_err err = { 0 };
    uint64_t v = 0;

    (void)state;
    SET(cfg, "soc.smmus.*.tlb.ways=8", &err);
    assert_int_equal(config_get_u64(at(cfg, "soc", "smmus", "rot", "tlb", NULL), "ways", 1, 64,
                                    &v, &err), 0);
    assert_int_equal(v, 8);
    assert_int_equal(config_get_u64(at(cfg, "soc", "smmus", "vcodec", "tlb", NULL), "ways", 1,
                                    64, &v, &err), 0);
    assert_int_equal(v, 8);
    /* Untouched siblings keep their file values (vcodec entries: 64). */
    assert_int_equal(config_get_u64(at(cfg, "soc", "smmus", "vcodec", "tlb", NULL), "entries",
                                    1, 256, &v, &err), 0);
    assert_int_equal(v, 64);
    config_free(cfg);
}

static void test_set_star_over_list(void **state)
{
    struct config *cfg = load_ok(DATA "scenarios/play.yaml");
    const struct config_node *buffers = at(cfg, "buffers", NULL, NULL, NULL, NULL);
    struct config_err err = { 0 };
    unsigned e = 99;

    (void)state;
    /* In the file: best (index 4) and 64k (index 1). */
    assert_int_equal(config_get_enum(buffers->items[0], "policy", policies, &e, &err), 0);
    assert_int_equal(e, 4);
    SET(cfg, "buffers.*.policy=4k", &err);
    assert_int_equal(config_get_enum(buffers->items[0], "policy", policies, &e, &err), 0);
    assert_int_equal(e, 0);
    assert_int_equal(config_get_enum(buffers->items[1], "policy", policies, &e, &err), 0);
    assert_int_equal(e, 0);
    /* One item by index. */
    SET(cfg, "buffers.1.policy=1m", &err);
    assert_int_equal(config_get_enum(buffers->items[1], "policy", policies, &e, &err), 0);
    assert_int_equal(e, 2);
    assert_int_equal(config_get_enum(buffers->items[0], "policy", policies, &e, &err), 0);
    assert_int_equal(e, 0);
    config_free(cfg);
}

static void test_set_missing_paths(void **state)
{
    struct config *cfg = load_ok(DATA "scenarios/play.yaml");
    struct config_err err = { 0 };

    (void)state;
    assert_int_equal(config_set(cfg, "soc.smmus.rot.tbl.entries=1", &err), -ENOENT);
    assert_string_equal(err.msg, "<command line>:--set 1: error: no key 'tbl' in "
                        "soc.smmus.rot; valid keys: clock, tlb");
    memset(&err, 0, sizeof(err));
    assert_int_equal(config_set(cfg, "smmus.rot.tlb.entries=1", &err), -ENOENT);
    assert_string_equal(err.msg, "<command line>:--set 2: error: no key 'smmus' at top level; "
                        "valid keys: soc, duration, buffers");
    memset(&err, 0, sizeof(err));
    assert_int_equal(config_set(cfg, "buffers.2.size=1M", &err), -ENOENT);
    assert_string_equal(err.msg, "<command line>:--set 3: error: no item '2' in buffers; "
                        "valid indices: 0..1");
    memset(&err, 0, sizeof(err));
    assert_int_equal(config_set(cfg, "duration.max=1ms", &err), -ENOENT);
    assert_string_equal(err.msg, "<command line>:--set 4: error: no key 'max' in duration; "
                        "it is a scalar");
    memset(&err, 0, sizeof(err));
    assert_int_equal(config_set(cfg, "duration", &err), -EINVAL);
    assert_string_equal(err.msg, "<command line>:--set 5: error: expected KEY=VALUE, found "
                        "'duration'");
    memset(&err, 0, sizeof(err));
    assert_int_equal(config_set(cfg, "soc..name=x", &err), -EINVAL);
    assert_string_equal(err.msg, "<command line>:--set 6: error: empty key in 'soc..name'");
    config_free(cfg);
}

static void test_set_creates_and_is_atomic(void **state)
{
    static const char *const buffer_keys[] = { "name", "size", "policy", NULL };
    struct config *cfg = load_ok(DATA "scenarios/play.yaml");
    const struct config_node *rot = at(cfg, "soc", "smmus", "rot", NULL, NULL);
    const struct config_node *buffers = at(cfg, "buffers", NULL, NULL, NULL, NULL);
    struct config_err err = { 0 };

    (void)state;
    /* A map target is refused, and the scalar beside it (clock) is left as it was. */
    assert_int_equal(config_set(cfg, "soc.smmus.rot.*=1", &err), -EINVAL);
    assert_string_equal(err.msg, "<command line>:--set 1: error: soc.smmus.rot.tlb is a map; "
                        "--set changes only scalars");
    assert_string_equal(config_find(rot, "clock")->value, "228.57MHz");
    assert_string_equal(config_find(rot, "clock")->pos.file, DATA "scenarios/../soc.yaml");
    /* A missing last key of an existing map is created, last in that map... */
    memset(&err, 0, sizeof(err));
    SET(cfg, "buffers.*.sise=4K", &err);
    assert_int_equal(buffers->items[1]->count, 4);
    assert_string_equal(buffers->items[1]->items[3]->key, "sise");
    assert_string_equal(buffers->items[1]->items[3]->value, "4K");
    /* ...and a misspelt one is then caught by the schema, at the --set that made it. */
    assert_int_equal(config_check_keys(buffers->items[0], buffer_keys, &err), -EINVAL);
    assert_string_equal(err.msg, "<command line>:--set 2: error: unknown key 'sise' in "
                        "buffers.0; did you mean 'size'?");
    config_free(cfg);
}

static void test_fail_at_node(void **state)
{
    struct config *cfg = load_ok(DATA "scenarios/play.yaml");
    const struct config_node *buffers = at(cfg, "buffers", NULL, NULL, NULL, NULL);
    struct config_err err = { 0 };

    (void)state;
    /* play.yaml line 8 "  - name: bitstream": the item's map starts at column 5. */
    assert_int_equal(config_fail(&err, buffers->items[1], -EINVAL, "needs %d more", 2),
                     -EINVAL);
    assert_string_equal(err.msg, DATA "scenarios/play.yaml:8:5: error: buffers.1: needs 2 more");
    config_free(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order_and_positions),
        cmocka_unit_test(test_include_relative),
        cmocka_unit_test(test_syntax_error),
        cmocka_unit_test(test_duplicate_key),
        cmocka_unit_test(test_rejected_constructs),
        cmocka_unit_test(test_include_errors),
        cmocka_unit_test(test_unknown_keys),
        cmocka_unit_test(test_suggestions),
        cmocka_unit_test(test_get_u64),
        cmocka_unit_test(test_get_units),
        cmocka_unit_test(test_get_other_types),
        cmocka_unit_test(test_first_error_wins),
        cmocka_unit_test(test_parse_size),
        cmocka_unit_test(test_parse_time),
        cmocka_unit_test(test_parse_freq_fraction_u64),
        cmocka_unit_test(test_set_scalar),
        cmocka_unit_test(test_set_star_over_map),
        cmocka_unit_test(test_set_star_over_list),
        cmocka_unit_test(test_set_missing_paths),
        cmocka_unit_test(test_set_creates_and_is_atomic),
        cmocka_unit_test(test_fail_at_node),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
