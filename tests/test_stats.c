/*
 * test_stats.c - unit tests of the histograms and the statistics registry (sim/core/stats.c).
 *
 * Bucket boundaries are checked against the rule of docs/stats.md worked out by hand:
 * values below 128 are their own bucket; the group of values with highest bit k
 * (k >= 7) is 64 buckets of width 2^(k-6) starting at bucket 128 + 64 * (k - 7).
 * Quantiles are checked on sample sets whose answer follows from the definition
 * (smallest bucket whose running count reaches ceil(p * count), its upper bound
 * clamped to [min, max]). The writers are checked byte for byte against texts written
 * out here from the format rules, through open_memstream; the atomic file write in a
 * fresh temporary directory.
 */
#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "sim/core/stats.h"
#include "sim/core/util.h"
#include "tests/lib/file.h"

/* ------------------------------------------------------------------ helpers */

static struct stats_hist *hist_new(void)
{
    struct stats_hist *h = calloc(1, sizeof(*h));   /* zeroed memory is an empty histogram */

    assert_non_null(h);
    return h;
}

static struct stats_hist *hist_of(const uint64_t *v, size_t n)
{
    struct stats_hist *h = hist_new();
    size_t i;

    for (i = 0; i < n; i++)
        stats_hist_add(h, v[i]);
    return h;
}

/* The bucket a single value lands in, found by scanning the array. */
static unsigned bucket_of(uint64_t v)
{
    struct stats_hist *h = hist_of(&v, 1);
    unsigned i, found = STATS_HIST_BUCKETS, nonzero = 0;

    for (i = 0; i < STATS_HIST_BUCKETS; i++) {
        if (h->bucket[i]) {
            assert_int_equal(h->bucket[i], 1);
            found = i;
            nonzero++;
        }
    }
    assert_int_equal(nonzero, 1);
    free(h);
    return found;
}

static struct stats *reg(void)
{
    struct stats *st = stats_new();

    assert_non_null(st);
    return st;
}

/* What a writer produces, as a NUL-terminated heap string. */
static char *capture(int (*fn)(const struct stats *, FILE *), const struct stats *st)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    assert_non_null(f);
    assert_int_equal(fn(st, f), 0);
    assert_int_equal(fclose(f), 0);
    assert_non_null(buf);
    return buf;
}

static void assert_json(const struct stats *st, const char *expect)
{
    char *got = capture(stats_write_json, st);

    assert_string_equal(got, expect);
    free(got);
}

static void assert_csv(const struct stats *st, const char *expect)
{
    char *got = capture(stats_write_csv, st);

    assert_string_equal(got, expect);
    free(got);
}

static void assert_value_text(const struct stats *st, size_t i, const char *expect)
{
    char buf[400];

    stats_format_value(st, i, buf, sizeof(buf));
    assert_string_equal(buf, expect);
}

/* The names in a directory, sorted and joined with ' ', for comparing with a literal. */
static void dir_listing(const char *dir, char *out, size_t len)
{
    char names[8][256];
    unsigned n = 0, i, j;
    struct dirent *d;
    DIR *dh = opendir(dir);

    assert_non_null(dh);
    while ((d = readdir(dh)) != NULL) {
        if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
            continue;
        assert_true(n < 8);
        snprintf(names[n++], sizeof(names[0]), "%s", d->d_name);
    }
    closedir(dh);
    for (i = 1; i < n; i++)
        for (j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
            char t[256];

            memcpy(t, names[j], sizeof(t));
            memcpy(names[j], names[j - 1], sizeof(t));
            memcpy(names[j - 1], t, sizeof(t));
        }
    out[0] = '\0';
    for (i = 0; i < n; i++) {
        if (i)
            strncat(out, " ", len - strlen(out) - 1);
        strncat(out, names[i], len - strlen(out) - 1);
    }
}

/* ------------------------------------------------------------------ histograms */

static void hist_empty(void **state)
{
    struct stats_hist *h = hist_new();

    (void)state;
    assert_int_equal(h->count, 0);
    assert_true(stats_hist_mean(h) == 0.0);
    assert_int_equal(stats_hist_quantile(h, 0.0), 0);
    assert_int_equal(stats_hist_quantile(h, 0.5), 0);
    assert_int_equal(stats_hist_quantile(h, 1.0), 0);
    free(h);
}

static void hist_bucket_boundaries(void **state)
{
    (void)state;
    /* Exact range: bucket v holds v. */
    assert_int_equal(bucket_of(0), 0);
    assert_int_equal(bucket_of(1), 1);
    assert_int_equal(bucket_of(63), 63);
    assert_int_equal(bucket_of(64), 64);
    assert_int_equal(bucket_of(127), 127);
    /* k = 7 ([128, 256)): width 2, buckets 128 .. 191. */
    assert_int_equal(bucket_of(128), 128);   /* [128, 129] */
    assert_int_equal(bucket_of(129), 128);
    assert_int_equal(bucket_of(130), 129);   /* [130, 131] */
    assert_int_equal(bucket_of(131), 129);
    assert_int_equal(bucket_of(254), 191);   /* [254, 255] */
    assert_int_equal(bucket_of(255), 191);
    /* k = 8 ([256, 512)): width 4, starting at 128 + 64 = 192. */
    assert_int_equal(bucket_of(256), 192);   /* [256, 259] */
    assert_int_equal(bucket_of(259), 192);
    assert_int_equal(bucket_of(260), 193);   /* [260, 263] */
    assert_int_equal(bucket_of(511), 255);
    assert_int_equal(bucket_of(512), 256);
    /* k = 9: width 8 from 128 + 128 = 256; 1000 = 512 + 61 * 8 -> 256 + 61. */
    assert_int_equal(bucket_of(1000), 317);
    assert_int_equal(bucket_of(1007), 317);
    assert_int_equal(bucket_of(1008), 318);
    /* k = 63: width 2^57 from 128 + 64 * 56 = 3712; the last bucket is 3775. */
    assert_int_equal(bucket_of(UINT64_C(1) << 63), 3712);
    assert_int_equal(bucket_of((UINT64_C(1) << 63) + (UINT64_C(1) << 57) - 1), 3712);
    assert_int_equal(bucket_of((UINT64_C(1) << 63) + (UINT64_C(1) << 57)), 3713);
    assert_int_equal(bucket_of(UINT64_MAX), 3775);
    assert_int_equal(STATS_HIST_BUCKETS - 1, 3775);
}

/*
 * A bucket's upper bound is visible as the median of {v, far}: ceil(0.5 * 2) = 1
 * sample is reached in v's bucket, whose upper bound lies below `far`, the maximum.
 */
static void hist_bucket_upper_bounds(void **state)
{
    static const struct { uint64_t v, upper; } cases[] = {
        { 100, 100 },                   /* exact */
        { 127, 127 },
        { 128, 129 },
        { 130, 131 },
        { 255, 255 },
        { 256, 259 },
        { 1000, 1007 },
        { 1008, 1015 },
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint64_t v[2] = { cases[i].v, 100000 };
        struct stats_hist *h = hist_of(v, 2);

        assert_int_equal(stats_hist_quantile(h, 0.5), cases[i].upper);
        free(h);
    }
    {
        /* The top group: [2^63, 2^63 + 2^57 - 1], well below UINT64_MAX. */
        uint64_t v[2] = { UINT64_C(1) << 63, UINT64_MAX };
        struct stats_hist *h = hist_of(v, 2);

        assert_int_equal(stats_hist_quantile(h, 0.5),
                         (UINT64_C(1) << 63) + (UINT64_C(1) << 57) - 1);
        assert_int_equal(stats_hist_quantile(h, 0.99), UINT64_MAX);
        free(h);
    }
}

static void hist_count_sum_min_max(void **state)
{
    uint64_t v[] = { 40, 7, 300, 7 };
    struct stats_hist *h = hist_of(v, 4);

    (void)state;
    assert_int_equal(h->count, 4);
    assert_int_equal(h->sum, 354);
    assert_int_equal(h->min, 7);
    assert_int_equal(h->max, 300);
    assert_true(stats_hist_mean(h) == 88.5);        /* 354 / 4 */
    assert_int_equal(h->bucket[7], 2);
    assert_int_equal(h->bucket[40], 1);
    assert_int_equal(h->bucket[192 + 11], 1);       /* 300 = 256 + 11 * 4 */
    free(h);

    /* A zero sample in an empty histogram: min and max both 0. */
    h = hist_new();
    stats_hist_add(h, 0);
    assert_int_equal(h->count, 1);
    assert_int_equal(h->min, 0);
    assert_int_equal(h->max, 0);
    assert_int_equal(h->bucket[0], 1);
    free(h);

    /* The sum saturates instead of wrapping. */
    h = hist_new();
    stats_hist_add(h, UINT64_MAX);
    stats_hist_add(h, 5);
    assert_int_equal(h->count, 2);
    assert_int_equal(h->sum, UINT64_MAX);
    assert_int_equal(h->min, 5);
    assert_int_equal(h->max, UINT64_MAX);
    free(h);
}

/* 1..100, all in exact buckets: the p-quantile is ceil(100 p). */
static void hist_quantile_exact(void **state)
{
    struct stats_hist *h = hist_new();
    uint64_t v;

    (void)state;
    for (v = 100; v >= 1; v--)
        stats_hist_add(h, v);
    assert_true(stats_hist_mean(h) == 50.5);        /* 5050 / 100 */
    assert_int_equal(stats_hist_quantile(h, 0.0), 1);        /* the minimum */
    assert_int_equal(stats_hist_quantile(h, 0.01), 1);
    assert_int_equal(stats_hist_quantile(h, 0.011), 2);      /* ceil(1.1) */
    assert_int_equal(stats_hist_quantile(h, 0.07), 7);       /* not 8: 0.07 * 100 */
    assert_int_equal(stats_hist_quantile(h, 0.5), 50);
    assert_int_equal(stats_hist_quantile(h, 0.9), 90);
    assert_int_equal(stats_hist_quantile(h, 0.99), 99);
    assert_int_equal(stats_hist_quantile(h, 0.995), 100);    /* ceil(99.5) */
    assert_int_equal(stats_hist_quantile(h, 1.0), 100);
    /* Outside [0, 1]: the nearest end. */
    assert_int_equal(stats_hist_quantile(h, -0.5), 1);
    assert_int_equal(stats_hist_quantile(h, 1.5), 100);
    free(h);
}

/*
 * {1000, 1001, 1030}: 1000 and 1001 share bucket [1000, 1007]; 1030 is in
 * [1024, 1039]. ceil(0.5 * 3) = 2 is reached in the first, whose upper bound 1007 is
 * reported; ceil(0.99 * 3) = 3 in the second, whose upper bound 1039 is clamped to the
 * maximum 1030.
 */
static void hist_quantile_wide_buckets(void **state)
{
    uint64_t v[] = { 1030, 1001, 1000 };
    struct stats_hist *h = hist_of(v, 3);

    (void)state;
    assert_int_equal(stats_hist_quantile(h, 0.0), 1000);
    assert_int_equal(stats_hist_quantile(h, 0.33), 1007);   /* ceil(0.99) = 1 */
    assert_int_equal(stats_hist_quantile(h, 0.5), 1007);
    assert_int_equal(stats_hist_quantile(h, 0.67), 1030);   /* ceil(2.01) = 3 */
    assert_int_equal(stats_hist_quantile(h, 0.99), 1030);
    assert_int_equal(stats_hist_quantile(h, 1.0), 1030);
    free(h);

    /* One sample: every quantile is that sample, not its bucket's bound 1007. */
    v[0] = 1000;
    h = hist_of(v, 1);
    assert_int_equal(stats_hist_quantile(h, 0.5), 1000);
    assert_int_equal(stats_hist_quantile(h, 0.99), 1000);
    free(h);
}

static void hist_merge(void **state)
{
    uint64_t va[] = { 5, 200 }, vb[] = { 3, 1000, 1000 };
    struct stats_hist *a = hist_of(va, 2), *b = hist_of(vb, 3), *e = hist_new();
    struct stats_hist *copy = hist_new();

    (void)state;
    stats_hist_merge(a, b);
    assert_int_equal(a->count, 5);
    assert_int_equal(a->sum, 2208);                 /* 5 + 200 + 3 + 2000 */
    assert_int_equal(a->min, 3);
    assert_int_equal(a->max, 1000);
    assert_int_equal(a->bucket[3], 1);
    assert_int_equal(a->bucket[5], 1);
    assert_int_equal(a->bucket[128 + 36], 1);       /* 200 = 128 + 36 * 2 */
    assert_int_equal(a->bucket[317], 2);            /* 1000, as above */
    assert_int_equal(stats_hist_quantile(a, 0.5), 200 + 1);  /* 3rd of 5: bucket [200, 201] */

    /* An empty histogram changes nothing; merged into one, it copies. */
    memcpy(copy, a, sizeof(*a));
    stats_hist_merge(a, e);
    assert_memory_equal(a, copy, sizeof(*a));
    stats_hist_merge(e, a);
    assert_memory_equal(e, copy, sizeof(*a));
    free(a);
    free(b);
    free(e);
    free(copy);
}

/* ------------------------------------------------------------------ registry */

static void registry_kinds_and_lookup(void **state)
{
    struct stats *st = reg();
    uint64_t u = 0;
    double f = 0;
    const char *s = NULL;

    (void)state;
    assert_int_equal(stats_count(st), 0);
    assert_int_equal(stats_add_u64(st, 42, "smmu.%s.ctx%u.walks", "rot", 2u), 0);
    assert_int_equal(stats_add_f64(st, 2.5, "smmu.rot.util"), 0);
    assert_int_equal(stats_add_str(st, "mdp0", "master.name"), 0);
    assert_int_equal(stats_count(st), 3);

    assert_string_equal(stats_name(st, 0), "smmu.rot.ctx2.walks");
    assert_string_equal(stats_name(st, 1), "smmu.rot.util");
    assert_string_equal(stats_name(st, 2), "master.name");
    assert_null(stats_name(st, 3));
    assert_int_equal(stats_kind(st, 0), STATS_U64);
    assert_int_equal(stats_kind(st, 1), STATS_F64);
    assert_int_equal(stats_kind(st, 2), STATS_STR);

    assert_int_equal(stats_get_u64(st, "smmu.rot.ctx2.walks", &u), 0);
    assert_int_equal(u, 42);
    assert_int_equal(stats_get_f64(st, "smmu.rot.util", &f), 0);
    assert_true(f == 2.5);
    assert_int_equal(stats_get_str(st, "master.name", &s), 0);
    assert_string_equal(s, "mdp0");

    /* Another kind. */
    assert_int_equal(stats_get_f64(st, "smmu.rot.ctx2.walks", &f), -EINVAL);
    assert_int_equal(stats_get_u64(st, "master.name", &u), -EINVAL);
    assert_int_equal(stats_get_str(st, "smmu.rot.util", &s), -EINVAL);
    /* No such value: unknown, an object (prefix), longer than a value. */
    assert_int_equal(stats_get_u64(st, "smmu.rot.ctx3.walks", &u), -ENOENT);
    assert_int_equal(stats_get_u64(st, "smmu.rot", &u), -ENOENT);
    assert_int_equal(stats_get_u64(st, "smmu", &u), -ENOENT);
    assert_int_equal(stats_get_u64(st, "smmu.rot.ctx2.walks.x", &u), -ENOENT);
    assert_int_equal(stats_get_u64(st, "", &u), -ENOENT);
    stats_free(st);
}

static void registry_strings_are_copied(void **state)
{
    struct stats *st = reg();
    char v[] = "before";
    const char *s;

    (void)state;
    assert_int_equal(stats_add_str(st, v, "s"), 0);
    strcpy(v, "after!");
    assert_int_equal(stats_get_str(st, "s", &s), 0);
    assert_string_equal(s, "before");
    stats_free(st);
}

static void registry_duplicates_and_prefixes(void **state)
{
    struct stats *st = reg();

    (void)state;
    assert_int_equal(stats_add_u64(st, 1, "a.b"), 0);
    assert_int_equal(stats_add_u64(st, 2, "a.b"), -EEXIST);          /* duplicate */
    assert_int_equal(stats_add_f64(st, 2.0, "a.b"), -EEXIST);        /* any kind */
    assert_int_equal(stats_add_u64(st, 2, "a"), -EEXIST);            /* prefix of a.b */
    assert_int_equal(stats_add_u64(st, 2, "a.b.c"), -EEXIST);        /* a.b is its prefix */
    assert_int_equal(stats_add_u64(st, 2, "a.b.c.d"), -EEXIST);
    assert_int_equal(stats_count(st), 1);
    /* Not prefixes at a '.' boundary, or siblings: fine. */
    assert_int_equal(stats_add_u64(st, 3, "a.bc"), 0);
    assert_int_equal(stats_add_u64(st, 4, "ab"), 0);
    assert_int_equal(stats_add_u64(st, 5, "a.c"), 0);
    assert_int_equal(stats_add_u64(st, 6, "a.x.y"), 0);
    assert_int_equal(stats_add_u64(st, 7, "a.x.z"), 0);
    assert_int_equal(stats_add_u64(st, 8, "a.x"), -EEXIST);
    assert_int_equal(stats_add_u64(st, 8, "a.x.y.q"), -EEXIST);
    assert_int_equal(stats_add_u64(st, 8, "a.bc.d"), -EEXIST);
    assert_int_equal(stats_add_u64(st, 8, "ab.x"), -EEXIST);
    assert_int_equal(stats_count(st), 6);
    /* Case matters. */
    assert_int_equal(stats_add_u64(st, 9, "A.b"), 0);
    assert_int_equal(stats_count(st), 7);
    stats_free(st);
}

static void registry_bad_names(void **state)
{
    static const char *const bad[] = {
        "", ".", "..", ".a", "a.", "a..b", "a.b.", "a b", "a/b", "a:b", "a\tb", "a,b",
        "caf\xc3\xa9", "a.b..c",
    };
    struct stats *st = reg();
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(stats_add_u64(st, 1, "%s", bad[i]), -EINVAL);
        assert_int_equal(stats_add_f64(st, 1.0, "%s", bad[i]), -EINVAL);
        assert_int_equal(stats_add_str(st, "x", "%s", bad[i]), -EINVAL);
    }
    assert_int_equal(stats_add_u64(st, 1, NULL), -EINVAL);
    assert_int_equal(stats_add_u64(NULL, 1, "a"), -EINVAL);
    /* A bad name is reported as bad even where it would also conflict. */
    assert_int_equal(stats_add_u64(st, 1, "q"), 0);
    assert_int_equal(stats_add_u64(st, 1, "q.r s"), -EINVAL);
    assert_int_equal(stats_count(st), 1);
    /* Every allowed character. */
    assert_int_equal(stats_add_u64(st, 1, "AZaz09_-.x"), 0);
    assert_int_equal(stats_count(st), 2);
    stats_free(st);
}

static void registry_bad_values(void **state)
{
    static const char *const bad_utf8[] = {
        "\x80",                 /* continuation byte first */
        "\xc0\xaf",             /* overlong '/' */
        "\xe0\x80\xaf",         /* overlong '/' in three bytes */
        "\xed\xa0\x80",         /* a UTF-16 surrogate, U+D800 */
        "\xf4\x90\x80\x80",     /* U+110000, beyond Unicode */
        "\xe2\x82",             /* cut short */
        "ok\xff",
    };
    struct stats *st = reg();
    size_t i;

    (void)state;
    assert_int_equal(stats_add_f64(st, NAN, "f"), -EINVAL);
    assert_int_equal(stats_add_f64(st, INFINITY, "f"), -EINVAL);
    assert_int_equal(stats_add_f64(st, -INFINITY, "f"), -EINVAL);
    assert_int_equal(stats_add_str(st, NULL, "s"), -EINVAL);
    for (i = 0; i < sizeof(bad_utf8) / sizeof(bad_utf8[0]); i++)
        assert_int_equal(stats_add_str(st, bad_utf8[i], "s%zu", i), -EINVAL);
    assert_int_equal(stats_count(st), 0);
    /* The rejected names are free: nothing of them was kept. */
    assert_int_equal(stats_add_f64(st, DBL_MAX, "f"), 0);
    assert_int_equal(stats_add_str(st, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", "s"), 0);
    assert_int_equal(stats_add_str(st, "", "e"), 0);
    assert_int_equal(stats_count(st), 3);
    stats_free(st);
}

/* Thousands of names: every one found by name, the order kept, conflicts still seen. */
static void registry_many_names(void **state)
{
    enum { N = 5000, GROUPS = 7 };
    struct stats *st = reg();
    char name[64], *json, *prev = NULL;
    uint64_t v;
    unsigned i;

    (void)state;
    for (i = 0; i < N; i++)
        assert_int_equal(stats_add_u64(st, i * 3u, "blk%u.ctx%u.v", i % GROUPS, i), 0);
    assert_int_equal(stats_count(st), N);
    for (i = 0; i < N; i++) {
        snprintf(name, sizeof(name), "blk%u.ctx%u.v", i % GROUPS, i);
        assert_string_equal(stats_name(st, i), name);
        assert_int_equal(stats_get_u64(st, name, &v), 0);
        assert_int_equal(v, i * 3u);
    }
    assert_int_equal(stats_add_u64(st, 0, "blk3"), -EEXIST);
    assert_int_equal(stats_add_u64(st, 0, "blk3.ctx3"), -EEXIST);
    assert_int_equal(stats_add_u64(st, 0, "blk3.ctx3.v.x"), -EEXIST);
    assert_int_equal(stats_add_u64(st, 0, "blk3.ctx3.w"), 0);
    assert_int_equal(stats_get_u64(st, "blk3.ctx4.v", &v), -ENOENT);  /* 4 is in blk4 */

    /* Top-level keys blk0 .. blk6 each once, in that order (their first values are 0..6). */
    json = capture(stats_write_json, st);
    for (i = 0; i < GROUPS; i++) {
        char *at;

        snprintf(name, sizeof(name), "\n  \"blk%u\": {\n", i);
        at = strstr(json, name);
        assert_non_null(at);
        assert_null(strstr(at + 1, name));
        assert_true(prev == NULL || at > prev);
        prev = at;
    }
    free(json);
    stats_free(st);
}

static void format_values(void **state)
{
    struct stats *st = reg();
    char buf[400];

    (void)state;
    stats_add_u64(st, 0, "u0");
    stats_add_u64(st, UINT64_MAX, "umax");
    stats_add_f64(st, 2.0, "f2");                   /* "2.000000" */
    stats_add_f64(st, 0.1, "f01");                  /* "0.100000" */
    stats_add_f64(st, 1234.5678904, "fr");          /* "1234.567890" */
    stats_add_f64(st, -2.5, "fneg");
    stats_add_f64(st, -0.0, "fnz");                 /* "-0.000000" */
    /* below 0.1 a value keeps six significant digits: -4e-7 is at least 10^-7, which
     * "%.12f" shows as its sixth decimal digit: "-0.000000400000" */
    stats_add_f64(st, -4e-7, "ftiny");
    stats_add_f64(st, 1e-6, "fmicro");
    stats_add_f64(st, 123.0000004, "fround");       /* "123.000000" */
    stats_add_f64(st, 1e20, "fbig");
    stats_add_f64(st, DBL_MAX, "fmax");
    stats_add_str(st, "a, \"b\"", "s");
    assert_int_equal(stats_count(st), 13);

    assert_value_text(st, 0, "0");
    assert_value_text(st, 1, "18446744073709551615");
    assert_value_text(st, 2, "2");
    assert_value_text(st, 3, "0.1");
    assert_value_text(st, 4, "1234.56789");
    assert_value_text(st, 5, "-2.5");
    assert_value_text(st, 6, "0");
    assert_value_text(st, 7, "-0.0000004");
    assert_value_text(st, 8, "0.000001");
    assert_value_text(st, 9, "123");
    assert_value_text(st, 10, "100000000000000000000");
    assert_value_text(st, 12, "a, \"b\"");          /* as it is */
    /* A 1M-page miss rate, 118 misses in 1024000 lookups = 0.00011523437...: at least
     * 10^-4, so "%.9f" (10^(6 - 1 - 9)), 0.000115234, not the 0.000115 of "%.6f". */
    assert_int_equal(stats_add_f64(st, 118.0 / 1024000.0, "fmiss"), 0);
    assert_value_text(st, 13, "0.000115234");
    /* 0.05 is at least 10^-2: "%.7f", 0.0500000, trimmed. */
    assert_int_equal(stats_add_f64(st, 0.05, "fhalf"), 0);
    assert_value_text(st, 14, "0.05");
    /* at most 20 decimals: 1.75e-20 rounds to 2 in the last of them */
    assert_int_equal(stats_add_f64(st, 1.75e-20, "fcap"), 0);
    assert_value_text(st, 15, "0.00000000000000000002");

    /* DBL_MAX = 1.7976931348623157e308: 309 integer digits, nothing after them. */
    stats_format_value(st, 11, buf, sizeof(buf));
    assert_int_equal(strlen(buf), 309);
    assert_memory_equal(buf, "17976931348623157", 17);
    assert_null(strchr(buf, '.'));

    /* Truncated like snprintf; out of range gives "". */
    stats_format_value(st, 1, buf, 4);
    assert_string_equal(buf, "184");
    stats_format_value(st, 16, buf, sizeof(buf));
    assert_string_equal(buf, "");
    stats_free(st);
}

/* ------------------------------------------------------------------ writers */

static void json_nesting_and_order(void **state)
{
    struct stats *st = reg();

    (void)state;
    assert_int_equal(stats_add_u64(st, 1, "a.b"), 0);
    assert_int_equal(stats_add_u64(st, 2, "c"), 0);
    assert_int_equal(stats_add_u64(st, 3, "a.d"), 0);
    assert_json(st,
                "{\n"
                "  \"a\": {\n"
                "    \"b\": 1,\n"
                "    \"d\": 3\n"
                "  },\n"
                "  \"c\": 2\n"
                "}\n");
    stats_free(st);

    st = reg();
    assert_int_equal(stats_add_u64(st, 1, "x.y.z"), 0);
    assert_int_equal(stats_add_f64(st, 2.5, "x.w"), 0);
    assert_int_equal(stats_add_str(st, "s", "v"), 0);
    assert_int_equal(stats_add_f64(st, 0.0, "x.y.q"), 0);
    assert_int_equal(stats_add_u64(st, 9, "x.y.r.s.t"), 0);
    assert_json(st,
                "{\n"
                "  \"x\": {\n"
                "    \"y\": {\n"
                "      \"z\": 1,\n"
                "      \"q\": 0,\n"
                "      \"r\": {\n"
                "        \"s\": {\n"
                "          \"t\": 9\n"
                "        }\n"
                "      }\n"
                "    },\n"
                "    \"w\": 2.5\n"
                "  },\n"
                "  \"v\": \"s\"\n"
                "}\n");
    assert_csv(st,
               "name,value\n"
               "x.y.z,1\n"
               "x.w,2.5\n"
               "v,s\n"
               "x.y.q,0\n"
               "x.y.r.s.t,9\n");
    stats_free(st);
}

static void json_empty_and_single(void **state)
{
    struct stats *st = reg();

    (void)state;
    assert_json(st, "{}\n");
    assert_csv(st, "name,value\n");
    assert_int_equal(stats_add_f64(st, 0.25, "only"), 0);
    assert_json(st, "{\n  \"only\": 0.25\n}\n");
    stats_free(st);
}

static void json_string_escapes(void **state)
{
    struct stats *st = reg();

    (void)state;
    /* quote, backslash, LF, TAB, 0x01, 0x1F, then '/', DEL and 'é' passed through. */
    assert_int_equal(stats_add_str(st, "a\"b\\c\nd\te\x01\x1f/\x7f\xc3\xa9", "s"), 0);
    assert_json(st, "{\n  \"s\": \"a\\\"b\\\\c\\u000Ad\\u0009e\\u0001\\u001F/\x7f\xc3\xa9\"\n}\n");
    stats_free(st);
}

static void csv_quoting(void **state)
{
    struct stats *st = reg();

    (void)state;
    stats_add_str(st, "plain text", "s.plain");
    stats_add_str(st, "a,b", "s.comma");
    stats_add_str(st, "say \"hi\"", "s.quote");
    stats_add_str(st, "two\nlines", "s.lf");
    stats_add_str(st, "cr\r", "s.cr");
    stats_add_str(st, "", "s.empty");
    stats_add_u64(st, 12, "n.u");
    stats_add_f64(st, -1.125, "n.f");
    assert_int_equal(stats_count(st), 8);
    assert_csv(st,
               "name,value\n"
               "s.plain,plain text\n"
               "s.comma,\"a,b\"\n"
               "s.quote,\"say \"\"hi\"\"\"\n"
               "s.lf,\"two\nlines\"\n"
               "s.cr,\"cr\r\"\n"
               "s.empty,\n"
               "n.u,12\n"
               "n.f,-1.125\n");
    stats_free(st);
}

/* A write that cannot reach its stream reports the stream's error. */
static void writer_stream_error(void **state)
{
    struct stats *st = reg();
    FILE *f = fopen("/dev/full", "w");

    (void)state;
    assert_non_null(f);
    assert_int_equal(stats_add_u64(st, 1, "a"), 0);
    assert_int_equal(stats_write_json(st, f), -ENOSPC);
    clearerr(f);
    assert_int_equal(stats_write_csv(st, f), -ENOSPC);
    fclose(f);
    stats_free(st);
}

/* ------------------------------------------------------------------ histograms in the registry */

static void add_hist_entries(void **state)
{
    uint64_t v[] = { 1000, 1001, 1030 };
    struct stats_hist *h = hist_of(v, 3);
    struct stats *st = reg();
    static const char *const names[] = {
        "m.lat.count", "m.lat.mean", "m.lat.min", "m.lat.p50", "m.lat.p90", "m.lat.p99",
        "m.lat.max",
    };
    uint64_t u;
    double f;
    size_t i;

    (void)state;
    assert_int_equal(stats_add_hist(st, h, 1000.0, "m.%s", "lat"), 0);
    assert_int_equal(stats_count(st), 7);
    for (i = 0; i < 7; i++) {
        assert_string_equal(stats_name(st, i), names[i]);
        assert_int_equal(stats_kind(st, i), i == 0 ? STATS_U64 : STATS_F64);
    }
    assert_int_equal(stats_get_u64(st, "m.lat.count", &u), 0);
    assert_int_equal(u, 3);                         /* not scaled */
    assert_int_equal(stats_get_f64(st, "m.lat.mean", &f), 0);
    assert_true(fabs(f - 3031.0 / 3.0 / 1000.0) < 1e-12);
    assert_int_equal(stats_get_f64(st, "m.lat.min", &f), 0);
    assert_true(f == 1.0);
    assert_int_equal(stats_get_f64(st, "m.lat.p50", &f), 0);
    assert_true(f == 1007 / 1000.0);                /* bucket [1000, 1007] */
    assert_int_equal(stats_get_f64(st, "m.lat.p90", &f), 0);
    assert_true(f == 1030 / 1000.0);                /* ceil(2.7) = 3: clamped to max */
    assert_int_equal(stats_get_f64(st, "m.lat.p99", &f), 0);
    assert_true(f == 1030 / 1000.0);
    assert_int_equal(stats_get_f64(st, "m.lat.max", &f), 0);
    assert_true(f == 1030 / 1000.0);
    assert_csv(st,
               "name,value\n"
               "m.lat.count,3\n"
               "m.lat.mean,1.010333\n"          /* 3031 / 3 / 1000 = 1.0103333... */
               "m.lat.min,1\n"
               "m.lat.p50,1.007\n"
               "m.lat.p90,1.03\n"
               "m.lat.p99,1.03\n"
               "m.lat.max,1.03\n");
    assert_json(st,
                "{\n"
                "  \"m\": {\n"
                "    \"lat\": {\n"
                "      \"count\": 3,\n"
                "      \"mean\": 1.010333,\n"
                "      \"min\": 1,\n"
                "      \"p50\": 1.007,\n"
                "      \"p90\": 1.03,\n"
                "      \"p99\": 1.03,\n"
                "      \"max\": 1.03\n"
                "    }\n"
                "  }\n"
                "}\n");
    stats_free(st);

    /* Empty, scale 1: all zero. */
    memset(h, 0, sizeof(*h));
    st = reg();
    assert_int_equal(stats_add_hist(st, h, 1.0, "e"), 0);
    assert_csv(st,
               "name,value\n"
               "e.count,0\n"
               "e.mean,0\n"
               "e.min,0\n"
               "e.p50,0\n"
               "e.p90,0\n"
               "e.p99,0\n"
               "e.max,0\n");
    stats_free(st);
    free(h);
}

/* A histogram that cannot be registered registers none of its seven values. */
static void add_hist_errors(void **state)
{
    uint64_t v[] = { 1000 };
    struct stats_hist *h = hist_of(v, 1);
    struct stats *st = reg();

    (void)state;
    assert_int_equal(stats_add_u64(st, 1, "h.p50"), 0);
    assert_int_equal(stats_add_hist(st, h, 1.0, "h"), -EEXIST);     /* h.p50 taken */
    assert_int_equal(stats_add_u64(st, 1, "leaf"), 0);
    assert_int_equal(stats_add_hist(st, h, 1.0, "leaf"), -EEXIST);  /* leaf is a value */
    assert_int_equal(stats_add_hist(st, h, 1.0, "bad..name"), -EINVAL);
    assert_int_equal(stats_add_hist(st, h, 1.0, NULL), -EINVAL);
    assert_int_equal(stats_add_hist(st, h, 0.0, "g"), -EINVAL);
    assert_int_equal(stats_add_hist(st, h, -1.0, "g"), -EINVAL);
    assert_int_equal(stats_add_hist(st, h, NAN, "g"), -EINVAL);
    assert_int_equal(stats_add_hist(st, h, INFINITY, "g"), -EINVAL);
    assert_int_equal(stats_add_hist(st, h, 1e-320, "g"), -EINVAL);  /* 1000 / 1e-320 = inf */
    assert_int_equal(stats_add_hist(st, NULL, 1.0, "g"), -EINVAL);
    assert_int_equal(stats_count(st), 2);
    assert_int_equal(stats_get_u64(st, "h.count", NULL), -ENOENT);
    assert_csv(st, "name,value\nh.p50,1\nleaf,1\n");
    /* The names are still free after the failures. */
    assert_int_equal(stats_add_hist(st, h, 1.0, "g"), 0);
    assert_int_equal(stats_count(st), 9);
    stats_free(st);
    free(h);
}

/* ------------------------------------------------------------------ files */

/* Each case writes into a fresh directory of its own in the scratch directory
 * (tests/lib/file.h). */
struct tmpdir {
    char path[96];                  /* room in the cases' 128-byte paths for a file name */
};

static int tmpdir_setup(void **state)
{
    static unsigned cases;
    static struct tmpdir t;

    if ((size_t)snprintf(t.path, sizeof(t.path), "%s", tmp_path("case%u", cases++)) >=
        sizeof(t.path) || mkdir(t.path, 0755))
        return -1;
    *state = &t;
    return 0;
}

static struct stats *sample_stats(void)
{
    struct stats *st = reg();

    assert_int_equal(stats_add_u64(st, 1, "a.b"), 0);
    assert_int_equal(stats_add_str(st, "x,y", "c"), 0);
    return st;
}

static void write_file_json_then_csv(void **state)
{
    struct tmpdir *t = *state;
    struct stats *st = sample_stats();
    char path[128], err[256] = "", list[256];
    char *text;

    snprintf(path, sizeof(path), "%s/out", t->path);
    assert_int_equal(stats_write_file(st, path, "json", err, sizeof(err)), 0);
    assert_string_equal(err, "");
    text = slurp(path, NULL);
    assert_non_null(text);
    assert_string_equal(text, "{\n  \"a\": {\n    \"b\": 1\n  },\n  \"c\": \"x,y\"\n}\n");
    free(text);
    dir_listing(t->path, list, sizeof(list));
    assert_string_equal(list, "out");               /* no temporary left */

    /* Replaces the file. */
    assert_int_equal(stats_write_file(st, path, "csv", err, sizeof(err)), 0);
    text = slurp(path, NULL);
    assert_non_null(text);
    assert_string_equal(text, "name,value\na.b,1\nc,\"x,y\"\n");
    free(text);
    dir_listing(t->path, list, sizeof(list));
    assert_string_equal(list, "out");
    stats_free(st);
}

/*
 * A deferred sync (util.h) changes when the files become durable, not what is written:
 * the same bytes, no temporary left; the deferral must be open to be ended, and its
 * directory must exist.
 */
static void write_file_deferred_sync(void **state)
{
    struct tmpdir *t = *state;
    struct stats *st = sample_stats();
    char path[128], err[256] = "", list[256], missing[160];
    char *text;

    snprintf(path, sizeof(path), "%s/out", t->path);
    sync_defer_begin();
    assert_int_equal(stats_write_file(st, path, "csv", err, sizeof(err)), 0);
    assert_int_equal(sync_defer_end(t->path), 0);
    text = slurp(path, NULL);
    assert_non_null(text);
    assert_string_equal(text, "name,value\na.b,1\nc,\"x,y\"\n");
    free(text);
    dir_listing(t->path, list, sizeof(list));
    assert_string_equal(list, "out");

    assert_int_equal(sync_defer_end(t->path), -EINVAL);     /* none open */
    snprintf(missing, sizeof(missing), "%s/missing", t->path);
    sync_defer_begin();
    assert_int_equal(sync_defer_end(missing), -ENOENT);
    assert_int_equal(sync_defer_end(NULL), -EINVAL);        /* that call closed it */
    sync_defer_begin();
    assert_int_equal(sync_defer_end(NULL), 0);
    stats_free(st);
}

static void write_file_missing_directory(void **state)
{
    struct tmpdir *t = *state;
    struct stats *st = sample_stats();
    char path[128], err[256] = "", expect[300];

    snprintf(path, sizeof(path), "%s/missing/out.json", t->path);
    assert_int_equal(stats_write_file(st, path, "json", err, sizeof(err)), -ENOENT);
    snprintf(expect, sizeof(expect), "cannot write %s: %s", path, strerror(ENOENT));
    assert_string_equal(err, expect);
    stats_free(st);
}

/* The path is a directory: the rename fails, and the temporary is removed. */
static void write_file_onto_directory(void **state)
{
    struct tmpdir *t = *state;
    struct stats *st = sample_stats();
    char path[128], err[256] = "", expect[300], list[256];

    snprintf(path, sizeof(path), "%s/sub", t->path);
    assert_int_equal(mkdir(path, 0700), 0);
    assert_int_equal(stats_write_file(st, path, "csv", err, sizeof(err)), -EISDIR);
    snprintf(expect, sizeof(expect), "cannot write %s: %s", path, strerror(EISDIR));
    assert_string_equal(err, expect);
    dir_listing(t->path, list, sizeof(list));
    assert_string_equal(list, "sub");
    stats_free(st);
}

static void write_file_bad_format(void **state)
{
    struct tmpdir *t = *state;
    struct stats *st = sample_stats();
    char path[128], err[256] = "", expect[300], list[256];

    snprintf(path, sizeof(path), "%s/out.xml", t->path);
    assert_int_equal(stats_write_file(st, path, "xml", err, sizeof(err)), -EINVAL);
    snprintf(expect, sizeof(expect),
             "cannot write %s: unknown format \"xml\" (expected json or csv)", path);
    assert_string_equal(err, expect);
    assert_int_equal(stats_write_file(st, path, NULL, err, sizeof(err)), -EINVAL);
    assert_int_equal(stats_write_file(st, "", "json", err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "cannot write statistics: no output path given");
    /* No err buffer: still the error code, no crash. */
    assert_int_equal(stats_write_file(st, path, "xml", NULL, 0), -EINVAL);
    dir_listing(t->path, list, sizeof(list));
    assert_string_equal(list, "");
    stats_free(st);
}

/*
 * Whole histograms: one row per non-empty bucket, bounds narrowed to min and max.
 * By the bucket rule of stats.h: 5 is below 2 * 64, its own bucket [5, 5]. 130 and
 * 131 have their highest bit at 7, shift 1, so the bucket is the pair [130, 131];
 * 200 is in [200, 201], narrowed to the maximum, 200. In the second histogram 1000
 * and 1007 have their highest bit at 9, shift 3: the bucket [1000, 1007] (1000 = 125
 * x 8); 1008 starts the next one, [1008, 1015], narrowed to 1008; the minimum 1000
 * is the first bucket's low bound already. The empty third histogram has no rows.
 */
static void write_hists(void **state)
{
    struct tmpdir *t = *state;
    struct stats_hist a = { 0 }, b = { 0 }, empty = { 0 };
    static const uint64_t va[] = { 5, 5, 130, 131, 200 }, vb[] = { 1000, 1007, 1008 };
    const struct stats_hist *h[] = { &a, &b, &empty };
    const char *names[] = { "m.a", "m.b", "m.empty" };
    char path[128], err[256] = "", list[256], expect[300];
    char *text;

    for (size_t i = 0; i < sizeof(va) / sizeof(va[0]); i++)
        stats_hist_add(&a, va[i]);
    for (size_t i = 0; i < sizeof(vb) / sizeof(vb[0]); i++)
        stats_hist_add(&b, vb[i]);
    assert_int_equal(stats_hist_bucket_low(0), 0);
    assert_int_equal(stats_hist_bucket_high(127), 127);
    assert_int_equal(stats_hist_bucket_low(128), 128);
    assert_int_equal(stats_hist_bucket_high(128), 129);
    snprintf(path, sizeof(path), "%s/h.csv", t->path);
    assert_int_equal(stats_hists_write_file(path, 3, names, h, err, sizeof(err)), 0);
    text = slurp(path, NULL);
    assert_non_null(text);
    assert_string_equal(text, "name,low,high,count\n"
                              "m.a,5,5,2\n"
                              "m.a,130,131,2\n"
                              "m.a,200,200,1\n"
                              "m.b,1000,1007,2\n"
                              "m.b,1008,1008,1\n");
    free(text);
    dir_listing(t->path, list, sizeof(list));
    assert_string_equal(list, "h.csv");             /* no temporary left */

    /* Onto a directory: the rename fails, nothing is left but the directory. */
    snprintf(path, sizeof(path), "%s/sub", t->path);
    assert_int_equal(mkdir(path, 0700), 0);
    assert_int_equal(stats_hists_write_file(path, 3, names, h, err, sizeof(err)), -EISDIR);
    snprintf(expect, sizeof(expect), "cannot write %s: %s", path, strerror(EISDIR));
    assert_string_equal(err, expect);
    dir_listing(t->path, list, sizeof(list));
    assert_string_equal(list, "h.csv sub");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hist_empty),
        cmocka_unit_test(hist_bucket_boundaries),
        cmocka_unit_test(hist_bucket_upper_bounds),
        cmocka_unit_test(hist_count_sum_min_max),
        cmocka_unit_test(hist_quantile_exact),
        cmocka_unit_test(hist_quantile_wide_buckets),
        cmocka_unit_test(hist_merge),
        cmocka_unit_test(registry_kinds_and_lookup),
        cmocka_unit_test(registry_strings_are_copied),
        cmocka_unit_test(registry_duplicates_and_prefixes),
        cmocka_unit_test(registry_bad_names),
        cmocka_unit_test(registry_bad_values),
        cmocka_unit_test(registry_many_names),
        cmocka_unit_test(format_values),
        cmocka_unit_test(json_nesting_and_order),
        cmocka_unit_test(json_empty_and_single),
        cmocka_unit_test(json_string_escapes),
        cmocka_unit_test(csv_quoting),
        cmocka_unit_test(writer_stream_error),
        cmocka_unit_test(add_hist_entries),
        cmocka_unit_test(add_hist_errors),
        cmocka_unit_test_setup(write_file_json_then_csv, tmpdir_setup),
        cmocka_unit_test_setup(write_file_deferred_sync, tmpdir_setup),
        cmocka_unit_test_setup(write_file_missing_directory, tmpdir_setup),
        cmocka_unit_test_setup(write_file_onto_directory, tmpdir_setup),
        cmocka_unit_test_setup(write_file_bad_format, tmpdir_setup),
        cmocka_unit_test_setup(write_hists, tmpdir_setup),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
