/*
 * sweep_collect.c - the files of a sweep: its definition in sweep.txt, and
 * results.csv merged from the statistics of its points.
 *
 * sweep.txt is written before a sweep runs and read back by a resumed sweep (which
 * must have the same definition) and by `iommusim sweep --collect`, so it is plain
 * key=value lines in one canonical order: two definitions are the same exactly
 * when their texts are.
 *
 * Each point's run left DIR/points/NNNN/stats.csv, a "name,value" file written by
 * sim/core/stats.c (docs/stats.md). The results file has one row per point and one
 * column per numeric statistic: the union of the names over the done points, in
 * order of first appearance (points in order, each file top to bottom). String
 * statistics (run.scenario, run.mode, ...) are left out. Values are copied as the
 * bytes the run wrote, never parsed into numbers and printed again, so a sweep's
 * figure is exactly the single run's.
 *
 * Two passes over the files: the first finds the columns, the second writes the
 * rows, so memory holds one point's file at a time however large the sweep.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim/cli/cli.h"
#include "sim/cli/results.h"
#include "sim/cli/sweep.h"
#include "sim/config/config.h"
#include "sim/core/outfile.h"
#include "sim/core/util.h"

#define CMD                     "sweep"
#define TEXT_MAX_BYTES          (64u << 20)     /* far above any stats.csv or sweep.txt */
#define STATS_CSV_HEADER        "name,value"
#define PARAM_WHY_MAX           128
#define FNV_OFFSET              1469598103934665603ull
#define FNV_PRIME               1099511628211ull

/* Lines of sweep.txt that appear exactly once: bits of `seen` in sweep_manifest_read. */
enum {
    SEEN_SCENARIO = 1,
    SEEN_MODE = 2,
    SEEN_SEED = 4,
    SEEN_POINTS = 8,
};

/* ------------------------------------------------------------------ the sweep */

void sweep_param_free(struct sweep_param *p)
{
    free(p->key);
    for (size_t v = 0; v < p->nvalues; v++)
        free(p->values[v]);
    free(p->values);
    memset(p, 0, sizeof(*p));
}

void sweep_clear(struct sweep *sw)
{
    free(sw->scenario);
    free(sw->mode);
    free(sw->seed);
    for (size_t i = 0; i < sw->nsets; i++)
        free(sw->sets[i]);
    free(sw->sets);
    for (size_t p = 0; p < sw->nparams; p++)
        sweep_param_free(&sw->params[p]);
    free(sw->params);
    memset(sw, 0, sizeof(*sw));
}

int sweep_parse_param(const char *spec, struct sweep_param *p, char *why, size_t len)
{
    const char *eq = strchr(spec, '=');
    size_t n = 1;

    memset(p, 0, sizeof(*p));
    if (!eq) {
        snprintf(why, len, "expected KEY=V1,V2,...");
        return -EINVAL;
    }
    if (eq == spec) {
        snprintf(why, len, "the key is empty");
        return -EINVAL;
    }
    if (!eq[1]) {
        snprintf(why, len, "no values (expected KEY=V1,V2,...)");
        return -EINVAL;
    }
    for (const char *v = eq + 1; *v; v++)
        n += *v == ',';
    for (size_t i = 0, at = 0; i < n; i++) {
        size_t vlen = strcspn(eq + 1 + at, ",");
        if (!vlen) {
            snprintf(why, len, "value %zu is empty", i + 1);
            return -EINVAL;
        }
        at += vlen + 1;
    }
    p->key = strndup(spec, (size_t)(eq - spec));
    p->values = calloc(n, sizeof(*p->values));
    if (!p->key || !p->values)
        return -ENOMEM;
    for (const char *v = eq + 1; p->nvalues < n; v += strcspn(v, ",") + 1)
        if (!(p->values[p->nvalues++] = strndup(v, strcspn(v, ","))))
            return -ENOMEM;
    return 0;
}

int sweep_add_param(struct sweep *sw, const struct sweep_param *p)
{
    struct sweep_param *bigger = realloc(sw->params, (sw->nparams + 1) * sizeof(*bigger));

    if (!bigger)
        return -ENOMEM;
    sw->params = bigger;
    sw->params[sw->nparams++] = *p;
    return 0;
}

int sweep_add_set(struct sweep *sw, const char *set)
{
    char **bigger = realloc(sw->sets, (sw->nsets + 1) * sizeof(*bigger));

    if (!bigger)
        return -ENOMEM;
    sw->sets = bigger;
    if (!(sw->sets[sw->nsets] = strdup(set)))
        return -ENOMEM;
    sw->nsets++;
    return 0;
}

int sweep_count_points(struct sweep *sw)
{
    size_t n = 1;

    for (size_t p = 0; p < sw->nparams; p++) {
        if (n > SWEEP_MAX_POINTS / sw->params[p].nvalues)
            return -ERANGE;
        n *= sw->params[p].nvalues;
    }
    sw->npoints = n;
    return 0;
}

/* Point numbers are mixed-radix numbers whose last digit is the last parameter. */
size_t sweep_value_index(const struct sweep *sw, size_t point, size_t param)
{
    for (size_t p = sw->nparams; --p > param;)
        point /= sw->params[p].nvalues;
    return point % sw->params[param].nvalues;
}

int sweep_point_digits(const struct sweep *sw)
{
    int digits = 1;

    for (size_t n = sw->npoints ? sw->npoints - 1 : 0; n >= 10; n /= 10)
        digits++;
    return digits < SWEEP_MIN_DIGITS ? SWEEP_MIN_DIGITS : digits;
}

char *sweep_point_path(const struct sweep *sw, const char *dir, size_t point,
                       const char *file)
{
    int digits = sweep_point_digits(sw);
    int n = snprintf(NULL, 0, "%s/points/%0*zu%s%s", dir, digits, point, file ? "/" : "",
                     file ? file : "");
    char *path = n < 0 ? NULL : malloc((size_t)n + 1);

    if (path)
        snprintf(path, (size_t)n + 1, "%s/points/%0*zu%s%s", dir, digits, point,
                 file ? "/" : "", file ? file : "");
    return path;
}

/* A whole file as a NUL-terminated string; *len excludes the NUL. */
static int read_text(const char *path, char **text, size_t *len)
{
    FILE *f = fopen(path, "rb");
    struct stat st;
    char *buf = NULL;
    size_t n;
    int rc = 0;

    if (!f)
        return -errno;
    if (fstat(fileno(f), &st))
        rc = -errno;
    else if (S_ISDIR(st.st_mode))
        rc = -EISDIR;
    else if (st.st_size > TEXT_MAX_BYTES)
        rc = -EFBIG;
    else if (!(buf = malloc((size_t)st.st_size + 1)))
        rc = -ENOMEM;
    if (rc) {
        fclose(f);
        return rc;
    }
    n = fread(buf, 1, (size_t)st.st_size, f);
    if (ferror(f)) {
        free(buf);
        fclose(f);
        return -EIO;
    }
    fclose(f);
    buf[n] = '\0';
    *text = buf;
    *len = n;
    return 0;
}

/* ------------------------------------------------------------------ sweep.txt */

char *sweep_manifest_text(const struct sweep *sw)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);

    if (!f)
        return NULL;
    fprintf(f, "scenario=%s\n", sw->scenario);
    fprintf(f, "mode=%s\n", sw->mode ? sw->mode : "");
    fprintf(f, "seed=%s\n", sw->seed ? sw->seed : "");
    for (size_t i = 0; i < sw->nsets; i++)
        fprintf(f, "set=%s\n", sw->sets[i]);
    for (size_t p = 0; p < sw->nparams; p++) {
        fprintf(f, "param=%s=", sw->params[p].key);
        for (size_t v = 0; v < sw->params[p].nvalues; v++)
            fprintf(f, "%s%s", v ? "," : "", sw->params[p].values[v]);
        fputc('\n', f);
    }
    fprintf(f, "points=%zu\n", sw->npoints);
    if (ferror(f)) {
        fclose(f);
        free(text);
        return NULL;
    }
    fclose(f);
    return text;
}

static int manifest_error(const char *path, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int manifest_error(const char *path, unsigned line, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "iommusim " CMD ": %s", path);
    if (line)
        fprintf(stderr, ":%u", line);
    fputs(": error: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return -1;
}

static bool is_decimal(const char *s)
{
    uint64_t u;

    return *s && strspn(s, "0123456789") == strlen(s) && !config_parse_u64(s, &u);
}

/* scenario=, mode= or seed=: a string field, which an empty value leaves NULL. */
static int manifest_field(const char *path, unsigned line, const char *key, const char *val,
                          char **field, unsigned bit, unsigned *seen)
{
    if (*seen & bit)
        return manifest_error(path, line, "a second '%s=' line", key);
    *seen |= bit;
    if (bit == SEEN_SCENARIO && val[0] != '/')
        return manifest_error(path, line, "scenario '%s' is not an absolute path", val);
    if (bit == SEEN_MODE && *val && strcmp(val, "timing") && strcmp(val, "functional"))
        return manifest_error(path, line, "mode '%s': expected timing, functional or nothing "
                              "(the scenario's)", val);
    if (bit == SEEN_SEED && *val && !is_decimal(val))
        return manifest_error(path, line, "seed '%s': expected a decimal integer or nothing "
                              "(the scenario's)", val);
    if (*val && !(*field = strdup(val)))
        return manifest_error(path, line, "out of memory");
    return 0;
}

/* One KEY=VALUE line of sweep.txt into sw. */
static int manifest_line(const char *path, unsigned line, const char *key, const char *val,
                         struct sweep *sw, unsigned *seen)
{
    char why[PARAM_WHY_MAX];
    struct sweep_param p;
    uint64_t u;
    int rc;

    if (!strcmp(key, "scenario"))
        return manifest_field(path, line, key, val, &sw->scenario, SEEN_SCENARIO, seen);
    if (!strcmp(key, "mode"))
        return manifest_field(path, line, key, val, &sw->mode, SEEN_MODE, seen);
    if (!strcmp(key, "seed"))
        return manifest_field(path, line, key, val, &sw->seed, SEEN_SEED, seen);
    if (!strcmp(key, "set")) {
        if (!strchr(val, '='))
            return manifest_error(path, line, "set '%s': expected KEY=VALUE", val);
        return sweep_add_set(sw, val) ? manifest_error(path, line, "out of memory") : 0;
    }
    if (!strcmp(key, "param")) {
        if (!(rc = sweep_parse_param(val, &p, why, sizeof(why))))
            rc = sweep_add_param(sw, &p);
        if (!rc)
            return 0;
        sweep_param_free(&p);
        return rc == -ENOMEM ? manifest_error(path, line, "out of memory")
                             : manifest_error(path, line, "param %s: %s", val, why);
    }
    if (!strcmp(key, "points")) {
        if (*seen & SEEN_POINTS)
            return manifest_error(path, line, "a second 'points=' line");
        *seen |= SEEN_POINTS;
        if (!is_decimal(val) || config_parse_u64(val, &u) || u < 1 || u > SWEEP_MAX_POINTS)
            return manifest_error(path, line, "points '%s': expected 1 .. %u", val,
                                  SWEEP_MAX_POINTS);
        sw->npoints = (size_t)u;
        return 0;
    }
    return manifest_error(path, line, "unknown key '%s' (expected scenario, mode, seed, set, "
                          "param or points)", key);
}

/* The checks that need the whole file. */
static int manifest_complete(const char *path, struct sweep *sw, unsigned seen)
{
    size_t npoints = sw->npoints;

    if (!(seen & SEEN_SCENARIO))
        return manifest_error(path, 0, "no 'scenario=' line");
    if (!sw->nparams)
        return manifest_error(path, 0, "no 'param=' line");
    if (!(seen & SEEN_POINTS))
        return manifest_error(path, 0, "no 'points=' line");
    if (sweep_count_points(sw))
        return manifest_error(path, 0, "the params give more than %u points",
                              SWEEP_MAX_POINTS);
    if (sw->npoints != npoints)
        return manifest_error(path, 0, "points=%zu, but the params give %zu points", npoints,
                              sw->npoints);
    return 0;
}

int sweep_manifest_read(const char *path, struct sweep *sw)
{
    unsigned line = 0, seen = 0;
    char *text = NULL, *s, *next;
    size_t len = 0;
    int rc;

    memset(sw, 0, sizeof(*sw));
    if ((rc = read_text(path, &text, &len))) {
        cli_error(CMD, "cannot read %s: %s", path, strerror(-rc));
        return -1;
    }
    if (strlen(text) != len)
        rc = manifest_error(path, 0, "holds a NUL byte: not a sweep definition");
    for (s = text; !rc && *s; s = next) {
        char *eol = s + strcspn(s, "\n"), *eq;
        next = *eol ? eol + 1 : eol;
        *eol = '\0';
        line++;
        if (!*s || *s == '#')
            continue;
        if (!(eq = strchr(s, '=')))
            rc = manifest_error(path, line, "expected KEY=VALUE, not '%s'", s);
        else {
            *eq = '\0';
            rc = manifest_line(path, line, s, eq + 1, sw, &seen);
        }
    }
    free(text);
    if (!rc)
        rc = manifest_complete(path, sw, seen);
    if (rc)
        sweep_clear(sw);
    return rc;
}

/* The lines of text that start with "key=", cut out in place. */
static size_t lines_with_key(char *text, const char *key, char **lines, size_t max)
{
    size_t n = 0, klen = strlen(key);

    for (char *s = text; *s;) {
        char *eol = s + strcspn(s, "\n");
        bool more = *eol != '\0';
        *eol = '\0';
        if (!strncmp(s, key, klen) && s[klen] == '=' && n < max)
            lines[n++] = s;
        s = more ? eol + 1 : eol;
    }
    return n;
}

static const char *note_of(const char *line)
{
    return !strcmp(line, "mode=") || !strcmp(line, "seed=") ? " (the scenario's)" : "";
}

bool sweep_manifest_differs(const char *there, const char *here, char *why, size_t len)
{
    static const char *const keys[] = { "scenario", "mode", "seed", "set", "param", "points" };
    size_t tlen = strlen(there) + 1, hlen = strlen(here) + 1;
    size_t max = tlen + hlen;           /* more lines than either text can hold */
    char *a = malloc(tlen), *b = malloc(hlen);
    char **la = malloc(max * sizeof(*la)), **lb = malloc(max * sizeof(*lb));
    bool differs = false;

    if (!a || !b || !la || !lb) {
        snprintf(why, len, "(out of memory comparing them)");
        differs = true;
    }
    /* Key by key, so that an extra --set is reported as such, not as a shifted line. */
    for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]) && !differs; k++) {
        memcpy(a, there, tlen);
        memcpy(b, here, hlen);
        size_t na = lines_with_key(a, keys[k], la, max);
        size_t nb = lines_with_key(b, keys[k], lb, max);
        for (size_t i = 0; i < (na > nb ? na : nb) && !differs; i++) {
            if (i < na && i < nb && !strcmp(la[i], lb[i]))
                continue;
            differs = true;
            if (i < na && i < nb)
                snprintf(why, len, "its " SWEEP_MANIFEST " has '%s'%s where this sweep has "
                         "'%s'%s", la[i], note_of(la[i]), lb[i], note_of(lb[i]));
            else if (i < na)
                snprintf(why, len, "its " SWEEP_MANIFEST " has '%s', which this sweep has not",
                         la[i]);
            else
                snprintf(why, len, "this sweep has '%s', which its " SWEEP_MANIFEST " has not",
                         lb[i]);
        }
    }
    free(a);
    free(b);
    free(la);
    free(lb);
    return differs;
}

/* ------------------------------------------------------------ one stats.csv */

struct stat_row {
    const char *name;                   /* NUL-terminated, inside stats_file.text */
    const char *value;
};

/* The numeric rows of one stats.csv, pointing into its text. */
struct stats_file {
    char *text;
    struct stat_row *rows;
    size_t nrows, cap;
};

static void stats_file_free(struct stats_file *f)
{
    free(f->text);
    free(f->rows);
    memset(f, 0, sizeof(*f));
}

/* What sim/core/stats.c writes for u64 and f64: -?[0-9]+(\.[0-9]+)?, nothing else. */
static bool is_number(const char *s)
{
    if (*s == '-')
        s++;
    if (*s < '0' || *s > '9')
        return false;
    while (*s >= '0' && *s <= '9')
        s++;
    if (*s == '.') {
        s++;
        if (*s < '0' || *s > '9')
            return false;
        while (*s >= '0' && *s <= '9')
            s++;
    }
    return *s == '\0';
}

static int add_row(struct stats_file *f, const char *name, const char *value)
{
    if (f->nrows == f->cap) {
        size_t cap = f->cap ? 2 * f->cap : 256;
        struct stat_row *rows = realloc(f->rows, cap * sizeof(*rows));
        if (!rows)
            return -ENOMEM;
        f->rows = rows;
        f->cap = cap;
    }
    f->rows[f->nrows++] = (struct stat_row){ name, value };
    return 0;
}

/*
 * Skips a quoted CSV field starting at s[0] == '"' (RFC 4180: "" inside is one
 * quote; line breaks may be inside). Returns the character after the closing
 * quote, or NULL when the quote is never closed. *line counts the line breaks.
 */
static char *skip_quoted(char *s, long *line)
{
    for (s++;; s++) {
        if (*s == '\0')
            return NULL;
        if (*s == '\n')
            (*line)++;
        if (*s == '"') {
            if (s[1] != '"')
                return s + 1;
            s++;
        }
    }
}

/*
 * Parses stats.csv text in place: "name,value" on the first line, then one
 * NAME,VALUE record per line, VALUE quoted when it is a string holding a comma,
 * quote or line break. Keeps the unquoted numeric rows, NUL-terminating their
 * fields in the text. Returns 0, the line of the first malformed record, or
 * -ENOMEM. Lines end with LF alone, as sim/core/stats.c writes them: a CR outside
 * quotes is malformed, so an edited file cannot lose a column without a word.
 */
static long parse_stats_csv(char *s, struct stats_file *f)
{
    static const char field_end[] = ",\n\r\"";
    size_t hlen = strlen(STATS_CSV_HEADER);
    long line = 1;

    if (strncmp(s, STATS_CSV_HEADER, hlen) || (s[hlen] != '\n' && s[hlen] != '\0'))
        return 1;
    s += hlen;
    if (*s == '\n')
        s++;
    while (*s) {
        char *name = s, *value, *eol;

        line++;
        s += strcspn(s, field_end);
        if (s == name || *s != ',')
            return line;                /* names are never empty and never quoted */
        *s++ = '\0';
        value = s;
        if (*s == '"') {                /* a string: not a column */
            if (!(s = skip_quoted(s, &line)) || (*s != '\n' && *s != '\0'))
                return line;
            if (*s)
                s++;
            continue;
        }
        eol = s + strcspn(s, field_end);
        if (*eol != '\n' && *eol != '\0')
            return line;
        s = *eol ? eol + 1 : eol;
        *eol = '\0';
        if (is_number(value) && add_row(f, name, value))
            return -ENOMEM;
    }
    return 0;
}

/*
 * Reads one point's stats.csv. Returns 0, or prints why it cannot be used (the
 * file, and the line of a malformed record) and returns -1.
 */
static int stats_file_load(const char *path, struct stats_file *f)
{
    size_t len = 0;
    long bad;
    int rc;

    memset(f, 0, sizeof(*f));
    if ((rc = read_text(path, &f->text, &len))) {
        cli_error(CMD, "%s: cannot read: %s", path, strerror(-rc));
        return -1;
    }
    if (strlen(f->text) != len) {
        cli_error(CMD, "%s: holds a NUL byte, not a statistics file", path);
        stats_file_free(f);
        return -1;
    }
    if ((bad = parse_stats_csv(f->text, f))) {
        if (bad < 0)
            cli_error(CMD, "%s: out of memory", path);
        else if (bad == 1)
            cli_error(CMD, "%s:1: expected the header '" STATS_CSV_HEADER "'", path);
        else
            cli_error(CMD, "%s:%ld: malformed record (expected NAME,VALUE)", path, bad);
        stats_file_free(f);
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------ the columns */

/* The STAT columns: names in order of first appearance, and a hash index of them. */
struct columns {
    char **names;
    size_t n, cap;
    size_t *slots;                      /* column + 1, 0 for empty; open addressing */
    size_t nslots;                      /* power of two, at most half full */
};

static uint64_t fnv1a(const char *s)
{
    uint64_t h = FNV_OFFSET;

    while (*s)
        h = (h ^ (unsigned char)*s++) * FNV_PRIME;
    return h;
}

static size_t *column_slot(const struct columns *c, const char *name)
{
    size_t mask = c->nslots - 1, i = (size_t)fnv1a(name) & mask;

    while (c->slots[i] && strcmp(c->names[c->slots[i] - 1], name))
        i = (i + 1) & mask;
    return &c->slots[i];
}

static int columns_grow(struct columns *c)
{
    size_t nslots = c->nslots ? 2 * c->nslots : 1024;
    size_t *slots = calloc(nslots, sizeof(*slots));
    size_t *old = c->slots, nold = c->nslots;

    if (!slots)
        return -ENOMEM;
    c->slots = slots;
    c->nslots = nslots;
    for (size_t i = 0; i < nold; i++)
        if (old[i])
            *column_slot(c, c->names[old[i] - 1]) = old[i];
    free(old);
    return 0;
}

/* Column index of name, or -1 when it is not a column. */
static long column_find(const struct columns *c, const char *name)
{
    if (!c->nslots)
        return -1;
    size_t slot = *column_slot(c, name);
    return slot ? (long)slot - 1 : -1;
}

static int column_add(struct columns *c, const char *name)
{
    size_t *slot;

    if (column_find(c, name) >= 0)
        return 0;
    if (2 * (c->n + 1) > c->nslots && columns_grow(c))
        return -ENOMEM;
    if (c->n == c->cap) {
        size_t cap = c->cap ? 2 * c->cap : 256;
        char **names = realloc(c->names, cap * sizeof(*names));
        if (!names)
            return -ENOMEM;
        c->names = names;
        c->cap = cap;
    }
    if (!(c->names[c->n] = strdup(name)))
        return -ENOMEM;
    slot = column_slot(c, name);
    *slot = ++c->n;
    return 0;
}

static void columns_free(struct columns *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->names[i]);
    free(c->names);
    free(c->slots);
    memset(c, 0, sizeof(*c));
}

/* ------------------------------------------------------------ results.csv */

/*
 * The field prefix + s as RFC 4180 wants it: quoted, quotes doubled, when it holds
 * a comma, a quote, a CR or an LF (the prefix never does).
 */
static void csv_field(FILE *out, const char *prefix, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(prefix, out);
        fputs(s, out);
        return;
    }
    fputc('"', out);
    fputs(prefix, out);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

/*
 * Loads point i's statistics when the point is done: its results complete
 * (sim/cli/results.h) and stats.csv well-formed. Returns 1 (loaded into *f), 0 (not
 * done), -ENOMEM.
 */
static int load_point(const struct sweep *sw, const char *dir, size_t i, struct stats_file *f)
{
    char *pdir = sweep_point_path(sw, dir, i, NULL);
    char *csv = sweep_point_path(sw, dir, i, "stats.csv");
    char why[256];
    int rc = 0;

    if (!pdir || !csv)
        rc = -ENOMEM;
    else if ((rc = cli_results_check(pdir, why, sizeof(why))) == 1)
        rc = stats_file_load(csv, f) ? 0 : 1;
    free(pdir);
    free(csv);
    return rc;
}

static int find_columns(const struct sweep *sw, const char *dir, bool *ok, struct columns *c)
{
    for (size_t i = 0; i < sw->npoints; i++) {
        struct stats_file f;
        int rc = load_point(sw, dir, i, &f);

        if (rc < 0)
            return rc;
        ok[i] = rc == 1;
        rc = 0;
        for (size_t r = 0; ok[i] && r < f.nrows && !rc; r++)
            rc = column_add(c, f.rows[r].name);
        if (ok[i])
            stats_file_free(&f);
        if (rc)
            return rc;
    }
    return 0;
}

static void write_header(FILE *out, const struct sweep *sw, const struct columns *c)
{
    fputs("point,status", out);
    for (size_t p = 0; p < sw->nparams; p++) {
        fputc(',', out);
        csv_field(out, "param:", sw->params[p].key);
    }
    for (size_t k = 0; k < c->n; k++) {
        fputc(',', out);
        fputs(c->names[k], out);        /* the parser let no , " CR or LF into a name */
    }
    fputc('\n', out);
}

/*
 * Point i's row. A point whose file turned unreadable since the first pass is
 * written, and counted, as failed.
 */
static int write_row(FILE *out, const struct sweep *sw, const char *dir, size_t i, bool *ok,
                     const struct columns *c, const char **vals)
{
    struct stats_file f = { 0 };

    if (ok[i]) {
        int rc = load_point(sw, dir, i, &f);
        if (rc < 0)
            return rc;
        ok[i] = rc == 1;
    }
    fprintf(out, "%zu,%s", i, ok[i] ? "ok" : "failed");
    for (size_t p = 0; p < sw->nparams; p++) {
        fputc(',', out);
        csv_field(out, "", sw->params[p].values[sweep_value_index(sw, i, p)]);
    }
    for (size_t k = 0; k < c->n; k++)
        vals[k] = NULL;
    for (size_t r = 0; ok[i] && r < f.nrows; r++) {
        long k = column_find(c, f.rows[r].name);
        if (k >= 0)
            vals[k] = f.rows[r].value;
    }
    for (size_t k = 0; k < c->n; k++) {
        fputc(',', out);
        if (vals[k])
            fputs(vals[k], out);
    }
    fputc('\n', out);
    if (ok[i])
        stats_file_free(&f);
    return 0;
}

/* Writes the header and the rows to path, through a temporary renamed into place. */
static int write_results_file(const struct sweep *sw, const char *dir, bool *ok,
                              const struct columns *c, const char **vals, const char *path)
{
    char err[PATH_MAX + 128];
    struct outfile out;

    if (outfile_open(&out, path, err, sizeof(err))) {
        cli_error(CMD, "%s", err);
        return -1;
    }
    write_header(out.f, sw, c);
    for (size_t i = 0; i < sw->npoints; i++)
        if (write_row(out.f, sw, dir, i, ok, c, vals)) {
            cli_error(CMD, "out of memory collecting the results of %zu points", sw->npoints);
            outfile_abort(&out);
            return -1;
        }
    if (outfile_commit(&out, err, sizeof(err))) {
        cli_error(CMD, "%s", err);
        return -1;
    }
    return 0;
}

int sweep_write_results(const struct sweep *sw, const char *dir, bool *ok)
{
    struct columns c = { 0 };
    int rc = find_columns(sw, dir, ok, &c);
    char *path = str_printf("%s/" SWEEP_RESULTS, dir);
    const char **vals = malloc((c.n ? c.n : 1) * sizeof(*vals));

    if (rc || !path || !vals) {
        cli_error(CMD, "out of memory collecting the results of %zu points", sw->npoints);
        rc = -ENOMEM;                   /* ok[] is not known */
    } else {
        rc = write_results_file(sw, dir, ok, &c, vals, path);
    }
    free(vals);
    free(path);
    columns_free(&c);
    return rc;
}
