/*
 * scenario_keys.c - the typed getters and name rules the scenario readers share
 * (scenario_keys.h).
 */
#include "sim/scenario/scenario_keys.h"

#include <errno.h>
#include <string.h>

const char *const scn_partition_names[] = { "video_firmware", "video_main", "gen", NULL };

bool scn_has(const struct config_node *map, const char *key)
{
    return config_find(map, key) != NULL;
}

/*
 * The names of buffers, masters, SMMUs, contexts and domains become parts of statistic
 * names (master.NAME.bytes, smmu.NAME.ctx.CTX.hits) and columns of the report: 1 to
 * SCN_NAME_MAX letters, digits, '_' and '-', starting with a letter or '_' (no '.', the
 * separator of statistic names; no space, comma or quote, which CSV would quote; no
 * control character). docs/scenarios.md "Names".
 */
#define SCN_NAME_MAX    64

static bool name_char(char c, bool first)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
           (!first && ((c >= '0' && c <= '9') || c == '-'));
}

int scn_check_name(const struct config_node *n, const char *what, struct config_err *err)
{
    size_t len = strlen(n->key);
    bool ok = len >= 1 && len <= SCN_NAME_MAX;

    for (size_t i = 0; ok && i < len; i++)
        ok = name_char(n->key[i], i == 0);
    if (ok)
        return 0;
    return config_fail_key(err, n, -EINVAL, "%s name '%.*s%s' is not allowed: a name is 1 to "
                           "%d letters, digits, '_' and '-', starting with a letter or '_'",
                           what, SCN_NAME_MAX + 8, n->key, len > SCN_NAME_MAX + 8 ? "..." : "",
                           SCN_NAME_MAX);
}

/* Optional getters: leave *out alone when the key is absent. */
int scn_opt_u64(const struct config_node *m, const char *k, uint64_t lo, uint64_t hi,
                   uint64_t *out, struct config_err *err)
{
    return scn_has(m, k) ? config_get_u64(m, k, lo, hi, out, err) : 0;
}

int scn_opt_unsigned(const struct config_node *m, const char *k, unsigned lo, unsigned hi,
                        unsigned *out, struct config_err *err)
{
    uint64_t v = *out;
    int rc = scn_opt_u64(m, k, lo, hi, &v, err);

    *out = (unsigned)v;
    return rc;
}

int scn_opt_size(const struct config_node *m, const char *k, uint64_t lo, uint64_t hi,
                    uint64_t *out, struct config_err *err)
{
    return scn_has(m, k) ? config_get_size(m, k, lo, hi, out, err) : 0;
}

int scn_opt_bool(const struct config_node *m, const char *k, bool *out,
                    struct config_err *err)
{
    return scn_has(m, k) ? config_get_bool(m, k, out, err) : 0;
}

int scn_opt_time(const struct config_node *m, const char *k, uint64_t lo, uint64_t hi,
                    uint64_t *out, struct config_err *err)
{
    return scn_has(m, k) ? config_get_time(m, k, lo, hi, out, err) : 0;
}

/* A list of scalars (or one scalar) as an array of strings. */
int scn_get_names(const struct config_node *map, const char *key, const char **out,
                     unsigned max, unsigned *n, struct config_err *err)
{
    const struct config_node *node = config_find(map, key);

    *n = 0;
    if (!node)
        return 0;
    if (node->kind == CONFIG_SCALAR) {
        out[(*n)++] = node->value;
        return 0;
    }
    if (node->kind != CONFIG_LIST)
        return config_fail(err, node, -EINVAL, "expected a name or a list of names");
    if (node->count > max)
        return config_fail(err, node, -EINVAL, "%zu names; at most %u", node->count, max);
    for (size_t i = 0; i < node->count; i++) {
        if (node->items[i]->kind != CONFIG_SCALAR)
            return config_fail(err, node->items[i], -EINVAL, "expected a name");
        out[(*n)++] = node->items[i]->value;
    }
    return 0;
}

/*
 * A name that appears twice in one list (no_resume, a step's map or unmap): the error
 * is at the second, for lists; `what` is "context" or "buffer".
 */
int scn_check_twice(const struct config_node *map, const char *key, const char *const *names,
                       unsigned n, const char *what, struct config_err *err)
{
    const struct config_node *list = config_find(map, key);

    for (unsigned i = 1; i < n; i++)
        for (unsigned k = 0; k < i; k++)
            if (!strcmp(names[i], names[k]))
                return config_fail(err, list->kind == CONFIG_LIST ? list->items[i] : list,
                                   -EINVAL, "%s '%s' is named twice", what, names[i]);
    return 0;
}

