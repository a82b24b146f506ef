/* YAML -> JSON tree with typed plain scalars, so both formats share one loader. */
#ifdef GOST_WITH_YAML
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "config/config_int.h"
#include "core/error.h"

#define MAX_DEPTH 64

/* Plain scalars follow YAML 1.2 core-schema typing; quoted ones stay strings. */
static json_t *scalar(const yaml_node_t *n) {
  const char *s = (const char *)n->data.scalar.value;
  size_t len = n->data.scalar.length;
  if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) return json_stringn(s, len);
  if (!len || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") || !strcmp(s, "NULL"))
    return json_null();
  if (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "TRUE")) return json_true();
  if (!strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "FALSE")) return json_false();
  char *end;
  errno = 0;
  long long v = strtoll(s, &end, 0);
  if (*end == '\0' && errno == 0 && (s[0] != '0' || len == 1 || s[1] == 'x' || s[1] == 'X'))
    return json_integer(v);
  if (strchr("+-.0123456789", s[0]) && strcspn(s, "0123456789") < len) {
    double d = strtod(s, &end);
    if (*end == '\0') return json_real(d);
  }
  return json_stringn(s, len);
}

static json_t *convert(yaml_document_t *doc, yaml_node_t *n, int depth);

/* Duplicate keys: lists are concatenated (GOST's docs repeat `services:` in one example and
 * mean both lists); anything else, the later value wins. */
static int put(json_t *obj, const char *key, json_t *v) {
  json_t *old = json_object_get(obj, key);
  if (old && json_is_array(old) && json_is_array(v)) {
    int rc = json_array_extend(old, v);
    json_decref(v);
    return rc;
  }
  return json_object_set_new(obj, key, v);
}

static json_t *convert(yaml_document_t *doc, yaml_node_t *n, int depth) {
  if (!n || depth > MAX_DEPTH) return NULL;
  switch (n->type) {
    case YAML_SCALAR_NODE: return scalar(n);
    case YAML_SEQUENCE_NODE: {
      json_t *arr = json_array();
      for (yaml_node_item_t *it = n->data.sequence.items.start; arr && it < n->data.sequence.items.top; it++) {
        json_t *v = convert(doc, yaml_document_get_node(doc, *it), depth + 1);
        if (!v || json_array_append_new(arr, v)) json_decref(arr), arr = NULL;
      }
      return arr;
    }
    case YAML_MAPPING_NODE: {
      json_t *obj = json_object();
      for (yaml_node_pair_t *p = n->data.mapping.pairs.start; obj && p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(doc, p->key);
        json_t *v = convert(doc, yaml_document_get_node(doc, p->value), depth + 1);
        if (!k || k->type != YAML_SCALAR_NODE || !v) {
          json_decref(v);
          json_decref(obj);
          return NULL;
        }
        char *key = strndup((const char *)k->data.scalar.value, k->data.scalar.length);
        if (!key || put(obj, key, v)) json_decref(obj), obj = NULL;
        free(key);
      }
      return obj;
    }
    default: return NULL;
  }
}

json_t *gost__yaml_to_json(const char *text, size_t len) {
  yaml_parser_t parser;
  yaml_document_t doc;
  if (!yaml_parser_initialize(&parser)) {
    gost__error(GOST_ENOMEM, "yaml: cannot initialise parser");
    return NULL;
  }
  yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
  if (!yaml_parser_load(&parser, &doc)) {
    gost__error(GOST_ECONFIG, "yaml: line %zu column %zu: %s", parser.problem_mark.line + 1,
                parser.problem_mark.column + 1, parser.problem ? parser.problem : "syntax error");
    yaml_parser_delete(&parser);
    return NULL;
  }
  yaml_node_t *root = yaml_document_get_root_node(&doc);
  json_t *out = root ? convert(&doc, root, 0) : json_object();
  yaml_document_delete(&doc);
  yaml_parser_delete(&parser);
  if (!out) gost__error(GOST_ECONFIG, "yaml: unsupported structure (complex key or too deep)");
  return out;
}
#endif
