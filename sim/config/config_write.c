/*
 * config_write.c - a loaded configuration tree written back out, as YAML (through
 * libyaml's emitter) and as JSON: what a run records as its resolved configuration,
 * after every !include has been replaced by the included tree and every --set applied
 * (config.h). Keys keep the file's order; scalars are the text the loader kept, so
 * loading the YAML again gives the same tree (positions aside). In JSON every scalar is
 * a string: the tree does not know types, the schema does.
 */
#define _POSIX_C_SOURCE 200809L

#include "sim/config/config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <yaml.h>

#define JSON_INDENT     2

/* ------------------------------------------------------------------ YAML */

static int yaml_out(void *data, unsigned char *buf, size_t size)
{
    FILE *out = data;

    return fwrite(buf, 1, size, out) == size;
}

static int emit(yaml_emitter_t *e, yaml_event_t *ev, int made)
{
    if (!made)
        return -ENOMEM;
    return yaml_emitter_emit(e, ev) ? 0 : -EIO;
}

static int emit_scalar(yaml_emitter_t *e, const char *text)
{
    yaml_event_t ev;

    return emit(e, &ev, yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)text,
                                                     (int)strlen(text), 1, 1,
                                                     YAML_ANY_SCALAR_STYLE));
}

/* A node and everything under it. depth is bounded by CONFIG_MAX_DEPTH (the loader's). */
static int emit_node(yaml_emitter_t *e, const struct config_node *n)
{
    yaml_event_t ev;
    int rc;

    if (n->kind == CONFIG_SCALAR)
        return emit_scalar(e, n->value);
    if (n->kind == CONFIG_MAP)
        rc = emit(e, &ev, yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
                                                              YAML_BLOCK_MAPPING_STYLE));
    else
        rc = emit(e, &ev, yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
                                                               YAML_BLOCK_SEQUENCE_STYLE));
    for (size_t i = 0; !rc && i < n->count; i++) {
        if (n->kind == CONFIG_MAP)
            rc = emit_scalar(e, n->items[i]->key);
        if (!rc)
            rc = emit_node(e, n->items[i]);
    }
    if (rc)
        return rc;
    if (n->kind == CONFIG_MAP)
        return emit(e, &ev, yaml_mapping_end_event_initialize(&ev));
    return emit(e, &ev, yaml_sequence_end_event_initialize(&ev));
}

int config_write_yaml(const struct config_node *root, FILE *out)
{
    yaml_emitter_t e;
    yaml_event_t ev;
    int rc;

    if (!yaml_emitter_initialize(&e))
        return -ENOMEM;
    yaml_emitter_set_output(&e, yaml_out, out);
    yaml_emitter_set_unicode(&e, 1);
    yaml_emitter_set_indent(&e, 2);
    yaml_emitter_set_width(&e, -1);             /* no folding of long values */
    rc = emit(&e, &ev, yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING));
    if (!rc)
        rc = emit(&e, &ev, yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1));
    if (!rc)
        rc = emit_node(&e, root);
    if (!rc)
        rc = emit(&e, &ev, yaml_document_end_event_initialize(&ev, 1));
    if (!rc)
        rc = emit(&e, &ev, yaml_stream_end_event_initialize(&ev));
    if (!rc && !yaml_emitter_flush(&e))
        rc = -EIO;
    yaml_emitter_delete(&e);
    if (fflush(out) || ferror(out))
        return errno ? -errno : -EIO;
    return rc;
}

/* ------------------------------------------------------------------ JSON */

/* RFC 8259 section 7: '"' and '\' escaped, control characters as \u00XX. */
void config_json_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(out, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(out, "\\u%04X", *p);
        else
            fputc(*p, out);
    }
    fputc('"', out);
}

static void indent(FILE *out, unsigned depth)
{
    fprintf(out, "%*s", (int)(depth * JSON_INDENT), "");
}

static void json_node(FILE *out, const struct config_node *n, unsigned depth)
{
    bool map = n->kind == CONFIG_MAP;

    if (n->kind == CONFIG_SCALAR) {
        config_json_string(out, n->value);
        return;
    }
    if (!n->count) {
        fputs(map ? "{}" : "[]", out);
        return;
    }
    fputs(map ? "{\n" : "[\n", out);
    for (size_t i = 0; i < n->count; i++) {
        indent(out, depth + 1);
        if (map) {
            config_json_string(out, n->items[i]->key);
            fputs(": ", out);
        }
        json_node(out, n->items[i], depth + 1);
        fputs(i + 1 < n->count ? ",\n" : "\n", out);
    }
    indent(out, depth);
    fputc(map ? '}' : ']', out);
}

int config_write_json(const struct config_node *root, FILE *out)
{
    json_node(out, root, 0);
    fputc('\n', out);
    if (fflush(out) || ferror(out))
        return errno ? -errno : -EIO;
    return 0;
}
