/*
 * config.h - the configuration tree: YAML files loaded into maps, lists and scalars,
 * with positions, includes, command-line overrides and typed, validated access.
 *
 * This is the generic layer under the SoC builder and the scenario loader: it knows
 * nothing of SMMUs. A program loads a file (config_load), applies the command line's
 * `--set KEY=VALUE` overrides (config_set), and only then lets the schema code read the
 * tree with the config_get_* functions and config_check_keys, so that an override of a
 * misspelt key is reported by the schema like any other unknown key.
 *
 * Every node remembers where it starts (file, 1-based line and column; columns count
 * characters). A value from --set has the position "<command line>:--set N" (N counts
 * the config_set calls on this tree from 1) and no line or column.
 *
 * Includes: a scalar tagged `!include` is replaced by the whole tree of the named file,
 * whose path is relative to the directory of the including file:
 *     soc: !include ../msm8960.yaml
 * Included nodes keep their own file name in their positions. Include cycles, anchors,
 * aliases, other tags and files with more than one document are errors.
 *
 * Errors: every function that can fail takes a struct config_err (which may be NULL),
 * records "FILE:LINE:COLUMN: error: KEY.PATH: what is wrong" there unless it already
 * holds an error (the first error wins), and returns a negative errno. docs/config.md
 * lists the messages.
 */
#ifndef IOMMUSIM_SIM_CONFIG_H
#define IOMMUSIM_SIM_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CONFIG_ERR_MAX          1024    /* bytes of an error message, with its NUL */
#define CONFIG_MAX_DEPTH        64      /* nesting of maps and lists, across includes */
#define CONFIG_MAX_INCLUDES     16      /* depth of !include chains */
#define CONFIG_MAX_FILE_BYTES   (16u << 20)

struct config_err {
    int code;                           /* 0, or the first error's negative errno */
    char msg[CONFIG_ERR_MAX];           /* the first error's message, "" if none */
};

enum config_kind {
    CONFIG_MAP,
    CONFIG_LIST,
    CONFIG_SCALAR,
};

struct config_pos {
    const char *file;                   /* owned by the tree */
    unsigned line, col;                 /* 1-based; 0 for values from --set */
};

/*
 * A node. The tree owns every node and string; callers read the fields and must not
 * change them (config_set is the only way to change a loaded tree).
 */
struct config_node {
    enum config_kind kind;
    struct config_pos pos;              /* where the value starts */
    struct config_node *parent;         /* NULL for the root */
    char *key;                          /* key in the parent map, NULL otherwise */
    struct config_pos key_pos;          /* where that key is written */
    char *value;                        /* CONFIG_SCALAR: the text, without quotes */
    size_t count;                       /* CONFIG_MAP, CONFIG_LIST: children */
    struct config_node **items;         /* in file order */
};

struct config;

/* Load a file, or text already in memory (`name` is used for positions and includes). */
struct config *config_load(const char *path, struct config_err *err);
struct config *config_parse(const char *name, const char *text, size_t len,
                            struct config_err *err);
void config_free(struct config *cfg);
struct config_node *config_root(const struct config *cfg);

/*
 * Override: "PATH=VALUE". PATH is keys and list indices separated by '.', where `*`
 * matches every item of a map or list. The matched nodes must be scalars; VALUE
 * replaces their text. A last key that is missing from a map that exists is created
 * (as the map's last key); nothing else is ever created.
 */
int config_set(struct config *cfg, const char *assignment, struct config_err *err);

/* Reading. `key` NULL means the node itself (e.g. a list item). */
const struct config_node *config_find(const struct config_node *map, const char *key);
int config_get_node(const struct config_node *map, const char *key, enum config_kind kind,
                    const struct config_node **out, struct config_err *err);
int config_get_string(const struct config_node *map, const char *key, const char **out,
                      struct config_err *err);
int config_get_bool(const struct config_node *map, const char *key, bool *out,
                    struct config_err *err);
int config_get_enum(const struct config_node *map, const char *key,
                    const char *const names[], unsigned *out, struct config_err *err);
int config_get_u64(const struct config_node *map, const char *key, uint64_t min,
                   uint64_t max, uint64_t *out, struct config_err *err);
int config_get_double(const struct config_node *map, const char *key, double min,
                      double max, double *out, struct config_err *err);
int config_get_size(const struct config_node *map, const char *key, uint64_t min,
                    uint64_t max, uint64_t *bytes, struct config_err *err);
int config_get_time(const struct config_node *map, const char *key, uint64_t min,
                    uint64_t max, uint64_t *ps, struct config_err *err);
int config_get_freq(const struct config_node *map, const char *key, uint64_t min,
                    uint64_t max, uint64_t *hz, struct config_err *err);
/* A rate in bytes per second: B/s, kB/s (= KB/s), MB/s, GB/s (decimal), or a bare 0;
 * a fraction is rounded to the nearest byte per second, and one that rounds to 0 is
 * refused. min and max apply to the converted value. */
int config_get_rate(const struct config_node *map, const char *key, uint64_t min,
                    uint64_t max, uint64_t *bytes_per_s, struct config_err *err);
int config_get_fraction(const struct config_node *map, const char *key, double min,
                        double max, double *out, struct config_err *err);

/* Every key of `map` must be in `allowed` (NULL-terminated). */
int config_check_keys(const struct config_node *map, const char *const allowed[],
                      struct config_err *err);

/*
 * The text parsers under the getters: 0, -EINVAL (not a value of that kind) or
 * -ERANGE (does not fit in 64 bits). Integers are decimal or 0x-hex; sizes, times and
 * frequencies are decimal with an optional fraction and a unit (docs/config.md).
 */
int config_parse_u64(const char *s, uint64_t *out);
int config_parse_size(const char *s, uint64_t *bytes);
int config_parse_time(const char *s, uint64_t *ps);
int config_parse_freq(const char *s, uint64_t *hz);
int config_parse_fraction(const char *s, double *out);

/* For the schema code: report an error at a node (prefixed by its position and path). */
int config_fail(struct config_err *err, const struct config_node *node, int code,
                const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* The same at the node's key in its map (for an error in the key itself: a bad name). */
int config_fail_key(struct config_err *err, const struct config_node *node, int code,
                    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* The node's key path ("smmus.rot.tlb.entries", "" for the root), truncated to fit. */
void config_path(const struct config_node *node, char *buf, size_t len);

/*
 * sim/config/config_write.c: the tree written out (a run's resolved configuration), keys
 * in the file's order. YAML through libyaml's emitter, block style, scalars quoted only
 * where a plain scalar would read differently; loading it gives the same tree. JSON with
 * two spaces of indentation, every scalar a string (the tree has no types). Both end
 * with a newline and flush: 0, or a negative errno when the stream failed.
 */
int config_write_yaml(const struct config_node *root, FILE *out);
int config_write_json(const struct config_node *root, FILE *out);
/* A JSON string (RFC 8259 section 7): quote and backslash escaped, control characters as \u00XX. */
void config_json_string(FILE *out, const char *s);

#endif
