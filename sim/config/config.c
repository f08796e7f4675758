/*
 * config.c - YAML configuration tree: loading with libyaml's event parser, includes,
 * --set overrides, and the typed getters the SoC and scenario schemas are built on.
 *
 * The loader consumes events one at a time and attaches every node to its parent
 * before filling it, so an error deep inside a file already knows its full key path,
 * and freeing the tree after any error frees everything built so far. Numbers with
 * units are parsed exactly: a decimal mantissa and a count of fraction digits are
 * scaled in 128-bit integers, never through a double.
 */
#define _POSIX_C_SOURCE 200809L

#include "sim/config/config.h"
#include "sim/core/util.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <yaml.h>

#define INCLUDE_TAG     "!include"
#define SET_FILE_FMT    "<command line>:--set %u"
#define SHOW_MAX        40      /* characters of a value quoted in a message */
#define SUGGEST_MAX     64      /* longest word the edit distance looks at */

typedef unsigned __int128 u128;

struct config_str {
    struct config_str *next;
    char s[];
};

struct config {
    struct config_node *root;
    struct config_str *strings;         /* file names and --set labels */
    unsigned nsets;
};

/* One file being parsed; `up` is the file that included it. */
struct source {
    struct config *cfg;
    struct config_err *err;
    const char *file;
    const unsigned char *text;
    size_t len;
    bool has_id;
    dev_t dev;
    ino_t ino;
    const struct source *up;
    unsigned includes;
    yaml_parser_t parser;
};

/* ------------------------------------------------------------------ messages */

struct sbuf {
    char *p;
    size_t cap, len;
};

static void sb_vprintf(struct sbuf *sb, const char *fmt, va_list ap)
{
    int n;

    if (sb->len + 1 >= sb->cap)
        return;
    n = vsnprintf(sb->p + sb->len, sb->cap - sb->len, fmt, ap);
    if (n > 0)
        sb->len += (size_t)n < sb->cap - sb->len ? (size_t)n : sb->cap - sb->len - 1;
}

static void sb_printf(struct sbuf *sb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void sb_printf(struct sbuf *sb, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    sb_vprintf(sb, fmt, ap);
    va_end(ap);
}

static void sb_pos(struct sbuf *sb, const struct config_pos *pos)
{
    if (pos->line)
        sb_printf(sb, "%s:%u:%u", pos->file, pos->line, pos->col);
    else
        sb_printf(sb, "%s", pos->file);
}

static size_t index_of(const struct config_node *n)
{
    size_t i;

    for (i = 0; i < n->parent->count && n->parent->items[i] != n; i++)
        ;
    return i;
}

static void sb_path(struct sbuf *sb, const struct config_node *n)
{
    if (!n || !n->parent)
        return;
    sb_path(sb, n->parent);
    if (n->parent->parent)
        sb_printf(sb, ".");
    if (n->key)
        sb_printf(sb, "%s", n->key);
    else
        sb_printf(sb, "%zu", index_of(n));
}

void config_path(const struct config_node *node, char *buf, size_t len)
{
    struct sbuf sb = { buf, len, 0 };

    if (!len)
        return;
    buf[0] = 0;
    sb_path(&sb, node);
}

/* "in smmus.rot.tlb" or "at top level", for messages about a map's contents. */
static const char *where(const struct config_node *n, char *buf, size_t len)
{
    struct sbuf sb = { buf, len, 0 };

    buf[0] = 0;
    if (!n || !n->parent) {
        sb_printf(&sb, "at top level");
    } else {
        sb_printf(&sb, "in ");
        sb_path(&sb, n);
    }
    return buf;
}

/* What a value looks like, for "expected X, found Y". */
static const char *describe(const struct config_node *n, char *buf, size_t len)
{
    if (n->kind == CONFIG_MAP)
        return "a map";
    if (n->kind == CONFIG_LIST)
        return "a list";
    if (!n->value[0])
        return "an empty value";
    if (strlen(n->value) > SHOW_MAX)
        snprintf(buf, len, "'%.*s...'", SHOW_MAX, n->value);
    else
        snprintf(buf, len, "'%s'", n->value);
    return buf;
}

/* Records the first error only: later ones are usually consequences of it. */
static int vreport(struct config_err *err, int code, const struct config_pos *pos,
                   const struct config_node *node, const char *fmt, va_list ap)
{
    struct sbuf sb;

    if (!err || err->code)
        return code;
    sb = (struct sbuf){ err->msg, sizeof(err->msg), 0 };
    err->msg[0] = 0;
    if (pos && pos->file) {
        sb_pos(&sb, pos);
        sb_printf(&sb, ": ");
    }
    sb_printf(&sb, "error: ");
    if (node && node->parent) {
        sb_path(&sb, node);
        sb_printf(&sb, ": ");
    }
    sb_vprintf(&sb, fmt, ap);
    err->code = code;
    /* The message quotes the input: never hand its control characters to a terminal. */
    if (ctl_has(err->msg)) {
        char raw[sizeof(err->msg)];

        memcpy(raw, err->msg, sizeof(raw));
        ctl_escape(err->msg, sizeof(err->msg), raw);
    }
    return code;
}

static int report(struct config_err *err, int code, const struct config_pos *pos,
                  const struct config_node *node, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static int report(struct config_err *err, int code, const struct config_pos *pos,
                  const struct config_node *node, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vreport(err, code, pos, node, fmt, ap);
    va_end(ap);
    return code;
}

int config_fail_key(struct config_err *err, const struct config_node *node, int code,
                    const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vreport(err, code, node ? &node->key_pos : NULL, NULL, fmt, ap);
    va_end(ap);
    return code;
}

int config_fail(struct config_err *err, const struct config_node *node, int code,
                const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vreport(err, code, node ? &node->pos : NULL, node, fmt, ap);
    va_end(ap);
    return code;
}

/* Keeps a failed call's error for the caller without overwriting an earlier one. */
static int pass_error(struct config_err *err, const struct config_err *local)
{
    if (err && !err->code)
        *err = *local;
    return local->code;
}

/* ------------------------------------------------------------ suggestions */

/* Optimal string alignment distance: a swapped pair of letters counts as one edit. */
static unsigned edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), i, j;
    unsigned d[SUGGEST_MAX + 1][SUGGEST_MAX + 1];

    if (la > SUGGEST_MAX || lb > SUGGEST_MAX)
        return UINT_MAX;
    for (i = 0; i <= la; i++)
        d[i][0] = (unsigned)i;
    for (j = 0; j <= lb; j++)
        d[0][j] = (unsigned)j;
    for (i = 1; i <= la; i++) {
        for (j = 1; j <= lb; j++) {
            unsigned cost = a[i - 1] != b[j - 1], best = d[i - 1][j - 1] + cost;

            if (d[i - 1][j] + 1 < best)
                best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    }
    return d[la][lb];
}

/* The nearest of `names` if it is close enough to be a likely typo, else NULL. */
static const char *suggest(const char *word, const char *const names[])
{
    unsigned best = UINT_MAX, limit = strlen(word) / 3 > 1 ? strlen(word) / 3 : 1;
    const char *pick = NULL;
    size_t i;

    for (i = 0; names[i]; i++) {
        unsigned d = edit_distance(word, names[i]);

        if (d < best) {
            best = d;
            pick = names[i];
        }
    }
    return best <= limit ? pick : NULL;
}

static void sb_names(struct sbuf *sb, const char *const names[])
{
    size_t i;

    for (i = 0; names[i]; i++)
        sb_printf(sb, "%s%s", i ? ", " : "", names[i]);
}

/* ------------------------------------------------------------------- nodes */

static const char *intern(struct config *cfg, const char *s)
{
    size_t len = strlen(s);
    struct config_str *str;

    for (str = cfg->strings; str; str = str->next)
        if (!strcmp(str->s, s))
            return str->s;
    str = malloc(sizeof(*str) + len + 1);
    if (!str)
        return NULL;
    memcpy(str->s, s, len + 1);
    str->next = cfg->strings;
    cfg->strings = str;
    return str->s;
}

static void node_free(struct config_node *n)
{
    size_t i;

    if (!n)
        return;
    for (i = 0; i < n->count; i++)
        node_free(n->items[i]);
    free(n->items);
    free(n->key);
    free(n->value);
    free(n);
}

/* Capacity is 4, then the next power of two at or above count: no field needed. */
static int grow(struct config_node *p)
{
    size_t n = p->count, cap = n < 4 ? 4 : 2 * n;
    struct config_node **items;

    if ((n > 0 && n < 4) || (n > 4 && (n & (n - 1))))
        return 0;
    items = realloc(p->items, cap * sizeof(*items));
    if (!items)
        return -ENOMEM;
    p->items = items;
    return 0;
}

/*
 * A new node, attached at once to `parent` (or made the root) so that it is freed
 * with the tree whatever happens next. Takes ownership of `key` in every case.
 */
static struct config_node *attach(struct config *cfg, struct config_err *err,
                                  struct config_node *parent, char *key,
                                  const struct config_pos *key_pos,
                                  enum config_kind kind, const struct config_pos *pos)
{
    struct config_node *n = calloc(1, sizeof(*n));

    if (!n || (parent && grow(parent))) {
        free(n);
        free(key);
        report(err, -ENOMEM, pos, NULL, "out of memory");
        return NULL;
    }
    n->kind = kind;
    n->pos = *pos;
    n->key = key;
    if (key_pos)
        n->key_pos = *key_pos;
    n->parent = parent;
    if (parent)
        parent->items[parent->count++] = n;
    else
        cfg->root = n;
    return n;
}

const struct config_node *config_find(const struct config_node *map, const char *key)
{
    size_t i;

    if (!map || !key || map->kind != CONFIG_MAP)
        return NULL;
    for (i = 0; i < map->count; i++)
        if (!strcmp(map->items[i]->key, key))
            return map->items[i];
    return NULL;
}

/* --------------------------------------------------------------- file input */

/*
 * Only regular files: a FIFO or a terminal named by mistake would block the loader,
 * and a device such as /dev/zero would only stop at the size limit.
 */
static int read_file(const char *path, unsigned char **text, size_t *len, struct stat *st)
{
    unsigned char *buf = NULL;
    size_t cap = 0, n = 0;
    int rc = 0;
    FILE *f;

    if (stat(path, st))
        return -errno;
    if (!S_ISREG(st->st_mode))
        return S_ISDIR(st->st_mode) ? -EISDIR : -ENOTSUP;
    f = fopen(path, "rb");
    if (!f)
        return -errno;
    if (fstat(fileno(f), st))
        rc = -errno;
    while (!rc) {
        if (n == cap) {
            unsigned char *bigger;

            cap = cap ? 2 * cap : 4096;
            bigger = realloc(buf, cap);
            if (!bigger) {
                rc = -ENOMEM;
                break;
            }
            buf = bigger;
        }
        n += fread(buf + n, 1, cap - n, f);
        if (ferror(f))
            rc = errno ? -errno : -EIO;
        else if (n > CONFIG_MAX_FILE_BYTES)
            rc = -EFBIG;
        else if (feof(f))
            break;
    }
    fclose(f);
    if (rc) {
        free(buf);
        return rc;
    }
    *text = buf;
    *len = n;
    return 0;
}

/* ------------------------------------------------------------------ parsing */

static struct config_pos mark_pos(const struct source *src, const yaml_mark_t *m)
{
    return (struct config_pos){
        src->file,
        m->line < UINT_MAX ? (unsigned)m->line + 1 : UINT_MAX,
        m->column < UINT_MAX ? (unsigned)m->column + 1 : UINT_MAX,
    };
}

/* The byte at a line and column (columns count UTF-8 characters), or 0. */
static unsigned char char_at(const struct source *src, unsigned line, unsigned col)
{
    size_t i = 0;

    for (; line > 1 && i < src->len; i++)
        if (src->text[i] == '\n')
            line--;
    for (; i < src->len; i++) {
        if ((src->text[i] & 0xc0) == 0x80)
            continue;
        if (col-- <= 1)
            return src->text[i];
    }
    return 0;
}

static struct config_pos offset_pos(const struct source *src, size_t offset)
{
    struct config_pos pos = { src->file, 1, 1 };
    size_t i;

    for (i = 0; i < offset && i < src->len; i++) {
        if (src->text[i] == '\n') {
            pos.line++;
            pos.col = 1;
        } else if ((src->text[i] & 0xc0) != 0x80) {
            pos.col++;
        }
    }
    return pos;
}

/* libyaml's problem texts, said the way a person editing the file needs them. */
static const char *const plain_words[][2] = {
    { "mapping values are not allowed in this context",
      "':' is not allowed here; check the indentation, or quote a value that holds ': '" },
    { "did not find expected key", "expected a key here; check the indentation" },
    { "did not find expected '-' indicator",
      "expected a list item '- ' here; check the indentation" },
    { "block sequence entries are not allowed in this context",
      "a list item '- ' is not allowed here; check the indentation" },
    { "could not find expected ':'", "expected ':' after a key" },
    { "found unexpected end of stream",
      "the file ends inside a value; is a quote or a bracket left open?" },
    { "did not find expected ',' or ']'", "expected ',' or ']' in a [...] list" },
    { "did not find expected ',' or '}'", "expected ',' or '}' in a {...} map" },
    { "did not find expected node content", "expected a value here" },
    { "found unknown escape character", "unknown escape sequence in a double-quoted string" },
    { "found character that cannot start any token",
      "this character cannot start a value; quote values that begin with '@' or '`'" },
};

static int syntax_error(struct source *src)
{
    const yaml_parser_t *p = &src->parser;
    struct config_pos pos = mark_pos(src, &p->problem_mark), ctx;
    const char *what = p->problem ? p->problem : "malformed YAML";
    size_t i;

    if (p->error == YAML_MEMORY_ERROR)
        return report(src->err, -ENOMEM, &(struct config_pos){ src->file, 0, 0 }, NULL,
                      "out of memory while parsing");
    if (p->error == YAML_READER_ERROR) {
        pos = offset_pos(src, p->problem_offset);
        return report(src->err, -EINVAL, &pos, NULL, "%s (the file must be UTF-8 text)", what);
    }
    for (i = 0; i < sizeof(plain_words) / sizeof(plain_words[0]); i++)
        if (!strcmp(what, plain_words[i][0]))
            what = plain_words[i][1];
    if (char_at(src, pos.line, pos.col) == '\t')
        what = "a tab character here; YAML indents with spaces only";
    ctx = mark_pos(src, &p->context_mark);
    if (p->context && (ctx.line != pos.line || ctx.col != pos.col))
        return report(src->err, -EINVAL, &pos, NULL, "%s (%s that starts at %u:%u)", what,
                      p->context, ctx.line, ctx.col);
    return report(src->err, -EINVAL, &pos, NULL, "%s", what);
}

/* On failure the event is left empty, so deleting it is always safe. */
static int next_event(struct source *src, yaml_event_t *ev)
{
    if (yaml_parser_parse(&src->parser, ev))
        return 0;
    memset(ev, 0, sizeof(*ev));
    return syntax_error(src);
}

static int load_source(struct config *cfg, struct config_err *err, const char *path,
                       const struct source *up, const struct config_pos *site,
                       struct config_node *parent, char *key,
                       const struct config_pos *key_pos, unsigned depth);

static void sb_chain(struct sbuf *sb, const struct source *s)
{
    if (s->up)
        sb_chain(sb, s->up);
    sb_printf(sb, "%s -> ", s->file);
}

static int include_file(struct source *src, const char *target, const struct config_pos *site,
                        struct config_node *parent, char *key,
                        const struct config_pos *key_pos, unsigned depth)
{
    const char *slash = strrchr(src->file, '/');
    size_t dir = target[0] != '/' && slash ? (size_t)(slash - src->file) + 1 : 0;
    char *path = malloc(dir + strlen(target) + 1);
    int rc;

    if (!path) {
        free(key);
        return report(src->err, -ENOMEM, site, NULL, "out of memory");
    }
    memcpy(path, src->file, dir);
    strcpy(path + dir, target);
    if (src->includes >= CONFIG_MAX_INCLUDES) {
        free(key);
        rc = report(src->err, -ELOOP, site, NULL,
                    "cannot include '%s': includes nest deeper than %d files", path,
                    CONFIG_MAX_INCLUDES);
    } else {
        rc = load_source(src->cfg, src->err, path, src, site, parent, key, key_pos, depth);
    }
    free(path);
    return rc;
}

/* Anchors, aliases and tags other than !include are refused, with the reason. */
static int check_event(struct source *src, const yaml_event_t *ev, const struct config_pos *pos)
{
    const yaml_char_t *anchor = NULL, *tag = NULL;

    switch (ev->type) {
    case YAML_ALIAS_EVENT:
        return report(src->err, -EINVAL, pos, NULL,
                      "aliases (*%s) are not supported; write the value out, or use !include",
                      (const char *)ev->data.alias.anchor);
    case YAML_SCALAR_EVENT:
        anchor = ev->data.scalar.anchor;
        tag = ev->data.scalar.tag;
        break;
    case YAML_SEQUENCE_START_EVENT:
        anchor = ev->data.sequence_start.anchor;
        tag = ev->data.sequence_start.tag;
        break;
    case YAML_MAPPING_START_EVENT:
        anchor = ev->data.mapping_start.anchor;
        tag = ev->data.mapping_start.tag;
        break;
    default:
        return report(src->err, -EINVAL, pos, NULL, "expected a value here");
    }
    if (anchor)
        return report(src->err, -EINVAL, pos, NULL,
                      "anchors (&%s) are not supported; write the value out, or use !include",
                      (const char *)anchor);
    if (tag && strcmp((const char *)tag, INCLUDE_TAG))
        return report(src->err, -EINVAL, pos, NULL, "tag '%s' is not supported (only "
                      INCLUDE_TAG " is)", (const char *)tag);
    if (tag && ev->type != YAML_SCALAR_EVENT)
        return report(src->err, -EINVAL, pos, NULL, INCLUDE_TAG " takes a file name, not a %s",
                      ev->type == YAML_MAPPING_START_EVENT ? "map" : "list");
    return 0;
}

static char *copy_scalar(struct source *src, const yaml_event_t *ev,
                         const struct config_pos *pos)
{
    size_t len = ev->data.scalar.length;
    char *s;

    if (memchr(ev->data.scalar.value, 0, len)) {
        report(src->err, -EINVAL, pos, NULL, "a value holds a NUL character");
        return NULL;
    }
    s = malloc(len + 1);
    if (!s) {
        report(src->err, -ENOMEM, pos, NULL, "out of memory");
        return NULL;
    }
    memcpy(s, ev->data.scalar.value, len);
    s[len] = 0;
    return s;
}

static int parse_list(struct source *src, struct config_node *list, unsigned depth);
static int parse_map(struct source *src, struct config_node *map, unsigned depth);

/*
 * One value starting with the event `ev` (consumed), attached under `key` (owned).
 * `depth` is how many maps and lists enclose it.
 */
static int parse_value(struct source *src, yaml_event_t *ev, struct config_node *parent,
                       char *key, const struct config_pos *key_pos, unsigned depth)
{
    struct config_pos pos = mark_pos(src, &ev->start_mark);
    enum config_kind kind = ev->type == YAML_MAPPING_START_EVENT ? CONFIG_MAP : CONFIG_LIST;
    bool scalar = ev->type == YAML_SCALAR_EVENT;
    bool include = scalar && ev->data.scalar.tag;
    struct config_node *n;
    char *text = NULL;
    int rc = check_event(src, ev, &pos);

    if (!rc && scalar && !(text = copy_scalar(src, ev, &pos)))
        rc = src->err->code;
    yaml_event_delete(ev);
    if (!rc && include && !text[0])
        rc = report(src->err, -EINVAL, &pos, NULL, INCLUDE_TAG " needs a file name");
    if (!rc && !scalar && depth >= CONFIG_MAX_DEPTH)
        rc = report(src->err, -E2BIG, &pos, NULL, "maps and lists nest deeper than %d levels",
                    CONFIG_MAX_DEPTH);
    if (rc) {
        free(text);
        free(key);
        return rc;
    }
    if (include) {
        rc = include_file(src, text, &pos, parent, key, key_pos, depth);
        free(text);
        return rc;
    }
    n = attach(src->cfg, src->err, parent, key, key_pos, scalar ? CONFIG_SCALAR : kind, &pos);
    if (!n) {
        free(text);
        return src->err->code;
    }
    if (scalar) {
        n->value = text;
        return 0;
    }
    return kind == CONFIG_MAP ? parse_map(src, n, depth + 1) : parse_list(src, n, depth + 1);
}

static int parse_list(struct source *src, struct config_node *list, unsigned depth)
{
    for (;;) {
        yaml_event_t ev;
        int rc = next_event(src, &ev);

        if (rc)
            return rc;
        if (ev.type == YAML_SEQUENCE_END_EVENT) {
            yaml_event_delete(&ev);
            return 0;
        }
        rc = parse_value(src, &ev, list, NULL, NULL, depth);
        if (rc)
            return rc;
    }
}

/* A key must be a plain word that a --set path can name. */
static int check_key(struct source *src, const struct config_node *map, const char *key,
                     const struct config_pos *pos)
{
    char buf[CONFIG_ERR_MAX / 2];
    const struct config_node *first = config_find(map, key);

    if (!key[0])
        return report(src->err, -EINVAL, pos, NULL, "empty key %s", where(map, buf, sizeof(buf)));
    if (strchr(key, '.'))
        return report(src->err, -EINVAL, pos, NULL,
                      "key '%s' holds a '.', which separates the parts of a key path", key);
    if (strchr(key, '='))
        return report(src->err, -EINVAL, pos, NULL,
                      "key '%s' holds a '=', which ends the path in a --set", key);
    if (!strcmp(key, "*"))
        return report(src->err, -EINVAL, pos, NULL,
                      "'*' cannot be a key: it means every item in a --set path");
    if (first)
        return report(src->err, -EINVAL, pos, NULL, "duplicate key '%s' %s (first at %s:%u:%u)",
                      key, where(map, buf, sizeof(buf)), first->key_pos.file,
                      first->key_pos.line, first->key_pos.col);
    return 0;
}

static int parse_map(struct source *src, struct config_node *map, unsigned depth)
{
    for (;;) {
        yaml_event_t ev;
        struct config_pos key_pos;
        char *key = NULL;
        int rc = next_event(src, &ev);

        if (rc)
            return rc;
        if (ev.type == YAML_MAPPING_END_EVENT) {
            yaml_event_delete(&ev);
            return 0;
        }
        key_pos = mark_pos(src, &ev.start_mark);
        rc = check_event(src, &ev, &key_pos);
        if (!rc && ev.type != YAML_SCALAR_EVENT)
            rc = report(src->err, -EINVAL, &key_pos, NULL, "a key must be a scalar, not a %s",
                        ev.type == YAML_MAPPING_START_EVENT ? "map" : "list");
        if (!rc && ev.data.scalar.tag)
            rc = report(src->err, -EINVAL, &key_pos, NULL, INCLUDE_TAG " cannot be a key");
        if (!rc) {
            key = copy_scalar(src, &ev, &key_pos);
            rc = key ? check_key(src, map, key, &key_pos) : src->err->code;
        }
        yaml_event_delete(&ev);
        if (!rc)
            rc = next_event(src, &ev);
        if (rc) {
            free(key);
            return rc;
        }
        rc = parse_value(src, &ev, map, key, &key_pos, depth);
        if (rc)
            return rc;
    }
}

/* Skips one event of a type known from the stream's structure. */
static int skip_event(struct source *src)
{
    yaml_event_t ev;
    int rc = next_event(src, &ev);

    yaml_event_delete(&ev);
    return rc;
}

/* A whole stream that must hold exactly one document. Takes ownership of `key`. */
static int parse_stream(struct source *src, struct config_node *parent, char *key,
                        const struct config_pos *key_pos, unsigned depth)
{
    struct config_pos pos = { src->file, 0, 0 };
    yaml_event_t ev;
    int rc = skip_event(src);                   /* stream start */

    memset(&ev, 0, sizeof(ev));
    if (!rc)
        rc = next_event(src, &ev);
    if (!rc && ev.type != YAML_DOCUMENT_START_EVENT)
        rc = report(src->err, -EINVAL, &pos, NULL, "the file holds no YAML document");
    if (!rc) {
        yaml_event_delete(&ev);
        rc = next_event(src, &ev);
    }
    if (rc) {
        yaml_event_delete(&ev);
        free(key);
        return rc;
    }
    rc = parse_value(src, &ev, parent, key, key_pos, depth);
    if (!rc)
        rc = skip_event(src);                   /* document end */
    if (!rc)
        rc = next_event(src, &ev);
    if (rc)
        return rc;
    if (ev.type == YAML_DOCUMENT_START_EVENT) {
        pos = mark_pos(src, &ev.start_mark);
        rc = report(src->err, -EINVAL, &pos, NULL,
                    "a second YAML document starts here; a file holds one document");
    }
    yaml_event_delete(&ev);
    return rc;
}

static int parse_text(struct config *cfg, struct config_err *err, const char *name,
                      const unsigned char *text, size_t len, const struct stat *st,
                      const struct source *up, struct config_node *parent, char *key,
                      const struct config_pos *key_pos, unsigned depth)
{
    struct source src = {
        .cfg = cfg, .err = err, .text = text, .len = len, .up = up,
        .includes = up ? up->includes + 1 : 0,
    };
    int rc;

    src.file = intern(cfg, name);
    if (st) {
        src.has_id = true;
        src.dev = st->st_dev;
        src.ino = st->st_ino;
    }
    if (!src.file || !yaml_parser_initialize(&src.parser)) {
        free(key);
        return report(err, -ENOMEM, NULL, NULL, "out of memory");
    }
    yaml_parser_set_input_string(&src.parser, text, len);
    rc = parse_stream(&src, parent, key, key_pos, depth);
    yaml_parser_delete(&src.parser);
    return rc;
}

/* Reads and parses `path`; `site` is the !include that names it (NULL for the top file). */
static int load_source(struct config *cfg, struct config_err *err, const char *path,
                       const struct source *up, const struct config_pos *site,
                       struct config_node *parent, char *key,
                       const struct config_pos *key_pos, unsigned depth)
{
    unsigned char *text = NULL;
    struct stat st;
    const struct source *s;
    size_t len = 0;
    int rc = read_file(path, &text, &len, &st);

    if (rc) {
        const char *why = rc == -ENOTSUP ? "not a regular file" : strerror(-rc);

        free(key);
        if (site)
            return report(err, rc, site, NULL, "cannot open included file '%s': %s", path, why);
        return report(err, rc, &(struct config_pos){ path, 0, 0 }, NULL, "cannot open: %s", why);
    }
    for (s = up; s; s = s->up) {
        if (s->has_id && s->dev == st.st_dev && s->ino == st.st_ino) {
            struct config_err local = { 0 };
            struct sbuf sb = { local.msg, sizeof(local.msg), 0 };

            sb_chain(&sb, up);
            sb_printf(&sb, "%s", path);
            free(text);
            free(key);
            return report(err, -ELOOP, site, NULL, "include cycle: %s", local.msg);
        }
    }
    rc = parse_text(cfg, err, path, text, len, &st, up, parent, key, key_pos, depth);
    free(text);
    return rc;
}

struct config *config_load(const char *path, struct config_err *err)
{
    struct config_err local = { 0 };
    struct config *cfg = calloc(1, sizeof(*cfg));

    if (!cfg || !path) {
        free(cfg);
        report(&local, cfg ? -EINVAL : -ENOMEM, NULL, NULL, cfg ? "no file name" : "out of memory");
        pass_error(err, &local);
        return NULL;
    }
    if (load_source(cfg, &local, path, NULL, NULL, NULL, NULL, NULL, 0)) {
        config_free(cfg);
        pass_error(err, &local);
        return NULL;
    }
    return cfg;
}

struct config *config_parse(const char *name, const char *text, size_t len,
                            struct config_err *err)
{
    struct config_err local = { 0 };
    struct config *cfg = calloc(1, sizeof(*cfg));

    if (!cfg || !name || (!text && len)) {
        free(cfg);
        report(&local, cfg ? -EINVAL : -ENOMEM, NULL, NULL, cfg ? "no text" : "out of memory");
        pass_error(err, &local);
        return NULL;
    }
    if (parse_text(cfg, &local, name, (const unsigned char *)(text ? text : ""), len, NULL,
                   NULL, NULL, NULL, NULL, 0)) {
        config_free(cfg);
        pass_error(err, &local);
        return NULL;
    }
    return cfg;
}

void config_free(struct config *cfg)
{
    struct config_str *s, *next;

    if (!cfg)
        return;
    node_free(cfg->root);
    for (s = cfg->strings; s; s = next) {
        next = s->next;
        free(s);
    }
    free(cfg);
}

struct config_node *config_root(const struct config *cfg)
{
    return cfg ? cfg->root : NULL;
}

/* ---------------------------------------------------------------- overrides */

struct match {
    struct config_node **v;
    size_t n, cap;
};

static int match_add(struct match *m, struct config_node *n)
{
    if (m->n == m->cap) {
        size_t cap = m->cap ? 2 * m->cap : 8;
        struct config_node **v = realloc(m->v, cap * sizeof(*v));

        if (!v)
            return -ENOMEM;
        m->v = v;
        m->cap = cap;
    }
    m->v[m->n++] = n;
    return 0;
}

/* A list index: decimal digits only, so "01" and "+1" name nothing. */
static bool parse_index(const char *seg, size_t *out)
{
    size_t v = 0;
    const char *p;

    if (!seg[0] || (seg[0] == '0' && seg[1]))
        return false;
    for (p = seg; *p; p++) {
        if (*p < '0' || *p > '9' || v > (SIZE_MAX - 9) / 10)
            return false;
        v = v * 10 + (size_t)(*p - '0');
    }
    *out = v;
    return true;
}

/* "no key 'tbl' in smmus.rot; valid keys: tlb, walker" */
static int no_match(struct config_err *err, const struct config_pos *pos,
                    const struct config_node *n, const char *seg)
{
    char buf[CONFIG_ERR_MAX], in[CONFIG_ERR_MAX / 2];
    struct sbuf sb = { buf, sizeof(buf), 0 };
    size_t i;

    buf[0] = 0;
    if (n->kind == CONFIG_SCALAR)
        sb_printf(&sb, "it is a scalar");
    else if (!n->count)
        sb_printf(&sb, "the %s is empty", n->kind == CONFIG_MAP ? "map" : "list");
    else if (n->kind == CONFIG_LIST)
        sb_printf(&sb, "valid indices: 0..%zu", n->count - 1);
    else
        for (i = 0; i < n->count; i++)
            sb_printf(&sb, "%s%s", i ? ", " : "valid keys: ", n->items[i]->key);
    return report(err, -ENOENT, pos, NULL, "no %s '%s' %s; %s",
                  n->kind == CONFIG_LIST ? "item" : "key", seg, where(n, in, sizeof(in)), buf);
}

/*
 * The nodes `seg` names under each node of `from`. With `create` (the last segment),
 * a map that lacks the key goes to `missing` instead of failing.
 */
static int step(struct config_err *err, const struct config_pos *pos, const struct match *from,
                const char *seg, struct match *to, struct match *missing)
{
    size_t i, j, idx;
    int rc = 0;

    for (i = 0; i < from->n && !rc; i++) {
        struct config_node *n = from->v[i];
        struct config_node *hit = NULL;

        if (n->kind != CONFIG_SCALAR && !strcmp(seg, "*")) {
            for (j = 0; j < n->count && !rc; j++)
                rc = match_add(to, n->items[j]);
            if (!rc && !n->count)
                rc = no_match(err, pos, n, seg);
            continue;
        }
        if (n->kind == CONFIG_MAP)
            hit = (struct config_node *)config_find(n, seg);
        else if (n->kind == CONFIG_LIST && parse_index(seg, &idx) && idx < n->count)
            hit = n->items[idx];
        if (hit)
            rc = match_add(to, hit);
        else if (missing && n->kind == CONFIG_MAP)
            rc = match_add(missing, n);
        else
            rc = no_match(err, pos, n, seg);
    }
    if (rc == -ENOMEM)
        report(err, rc, pos, NULL, "out of memory");
    return rc;
}

/* Every target is checked before any is changed: a failed --set changes nothing. */
static int apply(struct config *cfg, struct config_err *err, const struct config_pos *pos,
                 const struct match *found, const struct match *missing, const char *seg,
                 const char *value)
{
    size_t i;
    char *v;

    for (i = 0; i < found->n; i++) {
        char path[CONFIG_ERR_MAX / 2];
        const struct config_node *n = found->v[i];

        if (n->kind == CONFIG_SCALAR)
            continue;
        config_path(n, path, sizeof(path));
        return report(err, -EINVAL, pos, NULL, "%s is a %s; --set changes only scalars",
                      path[0] ? path : "the top level", n->kind == CONFIG_MAP ? "map" : "list");
    }
    for (i = 0; i < found->n + missing->n; i++) {
        struct config_node *n = i < found->n ? found->v[i] : NULL;
        char *key = n ? NULL : strdup(seg);

        v = strdup(value);
        if (!v || (!n && !key)) {
            free(v);
            free(key);
            return report(err, -ENOMEM, pos, NULL, "out of memory");
        }
        if (!n) {
            n = attach(cfg, err, missing->v[i - found->n], key, pos, CONFIG_SCALAR, pos);
            if (!n) {
                free(v);
                return -ENOMEM;
            }
        }
        free(n->value);
        n->value = v;
        n->pos = *pos;
    }
    return 0;
}

int config_set(struct config *cfg, const char *assignment, struct config_err *err)
{
    struct match cur = { 0 }, next = { 0 }, missing = { 0 }, swap;
    struct config_pos pos = { NULL, 0, 0 };
    char label[64], *path, *seg, *dot;
    const char *eq;
    int rc;

    if (!cfg || !cfg->root || !assignment)
        return report(err, -EINVAL, NULL, NULL, "--set needs a loaded configuration");
    snprintf(label, sizeof(label), SET_FILE_FMT, ++cfg->nsets);
    pos.file = intern(cfg, label);
    if (!pos.file)
        return report(err, -ENOMEM, NULL, NULL, "out of memory");
    eq = strchr(assignment, '=');
    if (!eq || eq == assignment)
        return report(err, -EINVAL, &pos, NULL, "expected KEY=VALUE, found '%s'", assignment);
    path = strndup(assignment, (size_t)(eq - assignment));
    rc = path ? match_add(&cur, cfg->root) : -ENOMEM;
    if (rc)
        report(err, rc, &pos, NULL, "out of memory");
    for (seg = path; !rc; seg = dot + 1) {
        dot = strchr(seg, '.');
        if (dot)
            *dot = 0;
        if (!seg[0]) {
            rc = report(err, -EINVAL, &pos, NULL, "empty key in '%.*s'",
                        (int)(eq - assignment), assignment);
            break;
        }
        next.n = 0;
        rc = step(err, &pos, &cur, seg, &next, dot ? NULL : &missing);
        if (!rc && !dot)
            rc = apply(cfg, err, &pos, &next, &missing, seg, eq + 1);
        if (rc || !dot)
            break;
        swap = cur;
        cur = next;
        next = swap;
    }
    free(cur.v);
    free(next.v);
    free(missing.v);
    free(path);
    return rc;
}

/* -------------------------------------------------------------- quantities */

struct unit {
    const char *name;
    uint64_t scale;
    bool show;                          /* used when printing a range */
};

struct quantity {
    const char *what;                   /* for "expected X" */
    const char *base;                   /* for "not a whole number of X" */
    const struct unit *units;           /* "" = no unit written */
    bool hex, fraction, round, bare_zero;
};

enum scan {
    SCAN_OK,
    SCAN_SYNTAX,
    SCAN_NEGATIVE,
    SCAN_UNIT,
    SCAN_NO_UNIT,
    SCAN_INEXACT,
    SCAN_DIGITS,
    SCAN_RANGE,
    SCAN_TINY,                          /* not zero, but rounds to 0 */
};

#define KIB (UINT64_C(1) << 10)
#define MAX_FRAC_DIGITS 24
#define MANT_LIMIT ((u128)10000000000000ULL * 1000000000000ULL)     /* 10^25 */

static const struct unit int_units[] = { { "", 1, true }, { NULL, 0, false } };
static const struct unit size_units[] = {
    { "", 1, true }, { "B", 1, false },
    { "K", KIB, true }, { "KiB", KIB, false },
    { "M", KIB * KIB, true }, { "MiB", KIB * KIB, false },
    { "G", KIB * KIB * KIB, true }, { "GiB", KIB * KIB * KIB, false },
    { "T", KIB * KIB * KIB * KIB, true }, { "TiB", KIB * KIB * KIB * KIB, false },
    { NULL, 0, false },
};
static const struct unit time_units[] = {
    { "ps", 1, true }, { "ns", 1000, true }, { "us", 1000000, true },
    { "ms", UINT64_C(1000000000), true }, { "s", UINT64_C(1000000000000), true },
    { NULL, 0, false },
};
static const struct unit freq_units[] = {
    { "Hz", 1, true }, { "kHz", 1000, true }, { "MHz", 1000000, true },
    { "GHz", UINT64_C(1000000000), true }, { NULL, 0, false },
};

/* Rates are decimal: 1 kB/s is 1000 B/s (docs/scenarios.md). */
static const struct unit rate_units[] = {
    { "B/s", 1, true }, { "kB/s", 1000, true }, { "KB/s", 1000, false },
    { "MB/s", 1000000, true }, { "GB/s", UINT64_C(1000000000), true }, { NULL, 0, false },
};

static const struct quantity q_rate = {
    "a rate (such as 668MB/s or 1.5GB/s)", "bytes per second", rate_units, false, true, true,
    true,
};
static const struct quantity q_int = {
    "an integer (decimal or 0x-hex)", "", int_units, true, false, false, false,
};
static const struct quantity q_size = {
    "a size (such as 4096, 0x1000, 64K or 16M)", "bytes", size_units, true, true, false, false,
};
static const struct quantity q_time = {
    "a time (such as 10ns, 5us or 1.5ms)", "picoseconds", time_units, false, true, false, true,
};
static const struct quantity q_freq = {
    "a frequency (such as 200MHz or 228.57MHz)", "Hz", freq_units, false, true, true, false,
};

static u128 pow10_u128(unsigned n)
{
    u128 p = 1;

    while (n--)
        p *= 10;
    return p;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '%';
}

/* "12.50" -> mant 125, frac 1: trailing zeros of the fraction are dropped. */
static enum scan scan_decimal(const char *s, bool fraction, u128 *mant, unsigned *frac,
                              const char **rest)
{
    unsigned zeros = 0;

    *mant = 0;
    *frac = 0;
    if (*s == '-' && (is_digit(s[1]) || s[1] == '.'))
        return SCAN_NEGATIVE;
    if (!is_digit(*s))
        return SCAN_SYNTAX;
    for (; is_digit(*s); s++) {
        if (*mant >= MANT_LIMIT)
            return SCAN_RANGE;
        *mant = *mant * 10 + (unsigned)(*s - '0');
    }
    if (*s == '.') {
        if (!fraction || !is_digit(s[1]))
            return SCAN_SYNTAX;
        for (s++; is_digit(*s); s++) {
            if (*s == '0') {
                zeros++;
                continue;
            }
            for (zeros++; zeros; zeros--) {
                if (*mant >= MANT_LIMIT || *frac >= MAX_FRAC_DIGITS)
                    return SCAN_DIGITS;
                *mant *= 10;
                (*frac)++;
            }
            *mant += (unsigned)(*s - '0');
        }
    }
    *rest = s;
    return SCAN_OK;
}

static enum scan scan_hex(const char *s, uint64_t *out)
{
    uint64_t v = 0;

    if (!*s)
        return SCAN_SYNTAX;
    for (; *s; s++) {
        unsigned d;

        if (is_digit(*s))
            d = (unsigned)(*s - '0');
        else if (*s >= 'a' && *s <= 'f')
            d = (unsigned)(*s - 'a' + 10);
        else if (*s >= 'A' && *s <= 'F')
            d = (unsigned)(*s - 'A' + 10);
        else
            return SCAN_SYNTAX;
        if (v >> 60)
            return SCAN_RANGE;
        v = v << 4 | d;
    }
    *out = v;
    return SCAN_OK;
}

static enum scan scan_quantity(const char *s, const struct quantity *q, uint64_t *out,
                               const char **unit)
{
    const struct unit *u;
    unsigned frac;
    u128 mant, p10, v, r;
    enum scan st;

    *unit = "";
    if (q->hex && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        return scan_hex(s + 2, out);
    st = scan_decimal(s, q->fraction, &mant, &frac, unit);
    if (st)
        return st;
    for (u = q->units; u->name && strcmp(u->name, *unit); u++)
        ;
    if (!u->name && !**unit && q->bare_zero && !mant) {
        *out = 0;
        return SCAN_OK;
    }
    if (!u->name)
        return !**unit ? SCAN_NO_UNIT : is_alpha(**unit) ? SCAN_UNIT : SCAN_SYNTAX;
    p10 = pow10_u128(frac);
    v = mant * u->scale / p10;
    r = mant * u->scale % p10;
    if (r && q->round && 2 * r >= p10)
        v++;
    else if (r && !q->round)
        return SCAN_INEXACT;
    if (!v && mant)
        return SCAN_TINY;
    if (v > UINT64_MAX)
        return SCAN_RANGE;
    *out = (uint64_t)v;
    return SCAN_OK;
}

static int scan_errno(enum scan st)
{
    return st == SCAN_OK ? 0 : st == SCAN_RANGE ? -ERANGE : -EINVAL;
}

int config_parse_u64(const char *s, uint64_t *out)
{
    const char *unit;

    return s ? scan_errno(scan_quantity(s, &q_int, out, &unit)) : -EINVAL;
}

int config_parse_size(const char *s, uint64_t *bytes)
{
    const char *unit;

    return s ? scan_errno(scan_quantity(s, &q_size, bytes, &unit)) : -EINVAL;
}

int config_parse_time(const char *s, uint64_t *ps)
{
    const char *unit;

    return s ? scan_errno(scan_quantity(s, &q_time, ps, &unit)) : -EINVAL;
}

int config_parse_freq(const char *s, uint64_t *hz)
{
    const char *unit;

    return s ? scan_errno(scan_quantity(s, &q_freq, hz, &unit)) : -EINVAL;
}

/* Fractions go through a double at the end only: one rounding, the same everywhere. */
static enum scan scan_fraction(const char *s, double *out, bool *percent)
{
    const char *rest;
    unsigned frac;
    u128 mant;
    enum scan st = scan_decimal(s, true, &mant, &frac, &rest);

    if (st)
        return st;
    *percent = !strcmp(rest, "%");
    if (*rest && !*percent)
        return is_alpha(*rest) ? SCAN_UNIT : SCAN_SYNTAX;
    *out = (double)mant / (double)pow10_u128(frac + (*percent ? 2 : 0));
    return SCAN_OK;
}

int config_parse_fraction(const char *s, double *out)
{
    bool percent;

    return s ? scan_errno(scan_fraction(s, out, &percent)) : -EINVAL;
}

/* The largest unit that shows `v` exactly: 4096 -> "4K", 1500000 ps -> "1500ns". */
static const char *show_quantity(uint64_t v, const struct quantity *q, char *buf, size_t len)
{
    const struct unit *u, *best = NULL;

    for (u = q->units; u->name; u++)
        if (u->show && (!best || (v && v % u->scale == 0 && u->scale > best->scale)))
            best = u;
    if (!v && q->bare_zero)
        snprintf(buf, len, "0");
    else
        snprintf(buf, len, "%llu%s", (unsigned long long)(v / best->scale), best->name);
    return buf;
}

/* ------------------------------------------------------------------ getters */

static int lookup(const struct config_node *map, const char *key,
                  const struct config_node **out, struct config_err *err)
{
    char buf[SHOW_MAX + 8];

    if (!map)
        return report(err, -EINVAL, NULL, NULL, "no configuration node");
    if (!key) {
        *out = map;
        return 0;
    }
    if (map->kind != CONFIG_MAP)
        return config_fail(err, map, -EINVAL, "expected a map, found %s",
                           describe(map, buf, sizeof(buf)));
    *out = config_find(map, key);
    if (!*out)
        return config_fail(err, map, -ENOENT, "missing key '%s'", key);
    return 0;
}

static int get_scalar(const struct config_node *map, const char *key, const char *what,
                      const struct config_node **out, struct config_err *err)
{
    char buf[SHOW_MAX + 8];
    int rc = lookup(map, key, out, err);

    if (!rc && (*out)->kind != CONFIG_SCALAR)
        rc = config_fail(err, *out, -EINVAL, "expected %s, found %s", what,
                         describe(*out, buf, sizeof(buf)));
    return rc;
}

int config_get_node(const struct config_node *map, const char *key, enum config_kind kind,
                    const struct config_node **out, struct config_err *err)
{
    static const char *const names[] = { "a map", "a list", "a scalar" };
    char buf[SHOW_MAX + 8];
    int rc = lookup(map, key, out, err);

    if (!rc && (unsigned)kind > CONFIG_SCALAR)
        rc = report(err, -EINVAL, NULL, NULL, "config_get_node: no node kind %d", (int)kind);
    if (!rc && (*out)->kind != kind)
        rc = config_fail(err, *out, -EINVAL, "expected %s, found %s", names[kind],
                         describe(*out, buf, sizeof(buf)));
    return rc;
}

int config_get_string(const struct config_node *map, const char *key, const char **out,
                      struct config_err *err)
{
    const struct config_node *n;
    int rc = get_scalar(map, key, "a string", &n, err);

    if (!rc)
        *out = n->value;
    return rc;
}

int config_get_bool(const struct config_node *map, const char *key, bool *out,
                    struct config_err *err)
{
    char buf[SHOW_MAX + 8];
    const struct config_node *n;
    int rc = get_scalar(map, key, "true or false", &n, err);

    if (rc)
        return rc;
    if (strcmp(n->value, "true") && strcmp(n->value, "false"))
        return config_fail(err, n, -EINVAL, "expected true or false, found %s",
                           describe(n, buf, sizeof(buf)));
    *out = !strcmp(n->value, "true");
    return 0;
}

int config_get_enum(const struct config_node *map, const char *key,
                    const char *const names[], unsigned *out, struct config_err *err)
{
    char list[CONFIG_ERR_MAX / 2], buf[SHOW_MAX + 8];
    struct sbuf sb = { list, sizeof(list), 0 };
    const struct config_node *n;
    const char *near;
    unsigned i;
    int rc;

    if (!names)
        return report(err, -EINVAL, NULL, NULL, "config_get_enum needs a list of names");
    sb_printf(&sb, "one of ");
    sb_names(&sb, names);
    rc = get_scalar(map, key, list, &n, err);
    if (rc)
        return rc;
    for (i = 0; names[i]; i++) {
        if (!strcmp(n->value, names[i])) {
            *out = i;
            return 0;
        }
    }
    near = suggest(n->value, names);
    if (near)
        return config_fail(err, n, -EINVAL, "%s is not %s; did you mean '%s'?",
                           describe(n, buf, sizeof(buf)), list, near);
    return config_fail(err, n, -EINVAL, "%s is not %s", describe(n, buf, sizeof(buf)), list);
}

static int get_quantity(const struct config_node *map, const char *key,
                        const struct quantity *q, uint64_t min, uint64_t max, uint64_t *out,
                        struct config_err *err)
{
    char buf[SHOW_MAX + 8], lo[32], hi[32], units[64];
    struct sbuf sb = { units, sizeof(units), 0 };
    const struct config_node *n;
    const struct unit *u;
    const char *unit;
    uint64_t v = 0;
    enum scan st;
    int rc = get_scalar(map, key, q->what, &n, err);

    if (rc)
        return rc;
    units[0] = 0;
    for (u = q->units; u->name; u++)
        if (u->name[0])
            sb_printf(&sb, "%s%s", sb.len ? ", " : "", u->name);
    describe(n, buf, sizeof(buf));
    st = scan_quantity(n->value, q, &v, &unit);
    switch (st) {
    case SCAN_OK:
        if (v >= min && v <= max)
            break;
        /* fall through */
    case SCAN_RANGE:
        return config_fail(err, n, -ERANGE, "%s is out of range %s..%s", n->value,
                           show_quantity(min, q, lo, sizeof(lo)),
                           show_quantity(max, q, hi, sizeof(hi)));
    case SCAN_NEGATIVE:
        return config_fail(err, n, -ERANGE, "%s is negative; expected %s", buf, q->what);
    case SCAN_UNIT:
        if (!units[0])                  /* a plain number: no unit to list */
            return config_fail(err, n, -EINVAL, "expected %s, found %s", q->what, buf);
        return config_fail(err, n, -EINVAL, "unknown unit '%s' in %s; valid units: %s", unit,
                           buf, units);
    case SCAN_NO_UNIT:
        return config_fail(err, n, -EINVAL, "%s has no unit; valid units: %s", buf, units);
    case SCAN_INEXACT:
        return config_fail(err, n, -EINVAL, "%s is not a whole number of %s", buf, q->base);
    case SCAN_TINY:
        return config_fail(err, n, -ERANGE, "%s is not 0 but rounds to 0 %s; the smallest is "
                           "%s", buf, q->base, show_quantity(min ? min : 1, q, lo, sizeof(lo)));
    case SCAN_DIGITS:
        return config_fail(err, n, -EINVAL, "%s has more than %d digits after the point or "
                           "25 in all", buf, MAX_FRAC_DIGITS);
    case SCAN_SYNTAX:
        return config_fail(err, n, -EINVAL, "expected %s, found %s", q->what, buf);
    }
    *out = v;
    return 0;
}

int config_get_u64(const struct config_node *map, const char *key, uint64_t min,
                   uint64_t max, uint64_t *out, struct config_err *err)
{
    return get_quantity(map, key, &q_int, min, max, out, err);
}

int config_get_size(const struct config_node *map, const char *key, uint64_t min,
                    uint64_t max, uint64_t *bytes, struct config_err *err)
{
    return get_quantity(map, key, &q_size, min, max, bytes, err);
}

int config_get_time(const struct config_node *map, const char *key, uint64_t min,
                    uint64_t max, uint64_t *ps, struct config_err *err)
{
    return get_quantity(map, key, &q_time, min, max, ps, err);
}

int config_get_rate(const struct config_node *map, const char *key, uint64_t min,
                    uint64_t max, uint64_t *bytes_per_s, struct config_err *err)
{
    return get_quantity(map, key, &q_rate, min, max, bytes_per_s, err);
}

int config_get_freq(const struct config_node *map, const char *key, uint64_t min,
                    uint64_t max, uint64_t *hz, struct config_err *err)
{
    return get_quantity(map, key, &q_freq, min, max, hz, err);
}

/* strtod takes "inf", "nan", hex floats and leading blanks; a number here is plainer. */
static bool plain_number(const char *s)
{
    if (*s == '+' || *s == '-')
        s++;
    if (!is_digit(*s) && !(*s == '.' && is_digit(s[1])))
        return false;
    for (; *s; s++)
        if (!is_digit(*s) && !strchr(".eE+-", *s))
            return false;
    return true;
}

int config_get_double(const struct config_node *map, const char *key, double min,
                      double max, double *out, struct config_err *err)
{
    char buf[SHOW_MAX + 8];
    const struct config_node *n;
    char *end;
    double v;
    int rc = get_scalar(map, key, "a number", &n, err);

    if (rc)
        return rc;
    if (!plain_number(n->value) || (v = strtod(n->value, &end), *end))
        return config_fail(err, n, -EINVAL, "expected a number, found %s",
                           describe(n, buf, sizeof(buf)));
    if (!isfinite(v) || v < min || v > max)
        return config_fail(err, n, -ERANGE, "%s is out of range %g..%g", n->value, min, max);
    *out = v;
    return 0;
}

int config_get_fraction(const struct config_node *map, const char *key, double min,
                        double max, double *out, struct config_err *err)
{
    static const char what[] = "a fraction (such as 0.25 or 25%)";
    char buf[SHOW_MAX + 8];
    const struct config_node *n;
    bool percent = false;
    double v = 0;
    enum scan st;
    int rc = get_scalar(map, key, what, &n, err);

    if (rc)
        return rc;
    describe(n, buf, sizeof(buf));
    st = scan_fraction(n->value, &v, &percent);
    if (st == SCAN_NEGATIVE)
        return config_fail(err, n, -ERANGE, "%s is negative; expected %s", buf, what);
    if (st == SCAN_OK && (v < min || v > max)) {
        if (percent)
            return config_fail(err, n, -ERANGE, "%s is out of range %g%%..%g%%", n->value,
                               min * 100, max * 100);
        return config_fail(err, n, -ERANGE, "%s is out of range %g..%g", n->value, min, max);
    }
    if (st != SCAN_OK)
        return config_fail(err, n, -EINVAL, "expected %s, found %s", what, buf);
    *out = v;
    return 0;
}

int config_check_keys(const struct config_node *map, const char *const allowed[],
                      struct config_err *err)
{
    char in[CONFIG_ERR_MAX / 2], list[CONFIG_ERR_MAX / 2];
    struct sbuf sb = { list, sizeof(list), 0 };
    const char *near;
    size_t i, j;
    int rc = config_get_node(map, NULL, CONFIG_MAP, &map, err);

    if (!rc && !allowed)
        rc = report(err, -EINVAL, NULL, NULL, "config_check_keys needs a list of keys");
    if (rc)
        return rc;
    for (i = 0; i < map->count; i++) {
        const struct config_node *n = map->items[i];

        for (j = 0; allowed[j] && strcmp(allowed[j], n->key); j++)
            ;
        if (allowed[j])
            continue;
        where(map, in, sizeof(in));
        near = suggest(n->key, allowed);
        if (near)
            return report(err, -EINVAL, &n->key_pos, NULL,
                          "unknown key '%s' %s; did you mean '%s'?", n->key, in, near);
        list[0] = 0;
        sb_names(&sb, allowed);
        return report(err, -EINVAL, &n->key_pos, NULL, "unknown key '%s' %s; valid keys: %s",
                      n->key, in, list);
    }
    return 0;
}
