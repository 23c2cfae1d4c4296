/* lib/yconf.c - strict YAML (and JSON) documents for configs and protocol bodies. */
#include "autoconf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "yconf.h"

/* Deeper than any config or protocol body we define; bounds recursion on hostile input. */
#define YCONF_MAX_DEPTH 32

unsigned long
yconf_line(const yaml_node_t *node)
{
	return node ? (unsigned long)node->start_mark.line + 1 : 0;
}

static int
yconf_verror(struct yconf *y, unsigned long line, const char *fmt, va_list ap)
{
	char msg[400];

	y->nerrors++;
	if (y->err[0] != '\0')
		return -1;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (line)
		snprintf(y->err, sizeof(y->err), "%s:%lu: %s", y->name, line, msg);
	else
		snprintf(y->err, sizeof(y->err), "%s: %s", y->name, msg);
	return -1;
}

int
yconf_error(struct yconf *y, const yaml_node_t *node, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	yconf_verror(y, yconf_line(node), fmt, ap);
	va_end(ap);
	return -1;
}

static int
yconf_error_line(struct yconf *y, unsigned long line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	yconf_verror(y, line, fmt, ap);
	va_end(ap);
	return -1;
}

yaml_node_t *
yconf_node(struct yconf *y, int id)
{
	return yaml_document_get_node(&y->doc, id);
}

yaml_node_t *
yconf_root(struct yconf *y)
{
	return y->loaded ? yaml_document_get_root_node(&y->doc) : NULL;
}

/*
 * First pass over the event stream: libyaml's loader silently shares aliased nodes and
 * merges nothing, so anchors and aliases are only visible here.
 */
static int
yconf_scan_events(struct yconf *y, yaml_parser_t *p)
{
	yaml_event_t ev;
	int docs = 0, done = 0, rc = 0;
	size_t events = 0;

	while (!done) {
		if (!yaml_parser_parse(p, &ev))
			return yconf_error_line(y, p->problem_mark.line + 1, "%s%s%s",
			    p->problem ? p->problem : "syntax error", p->context ? " " : "",
			    p->context ? p->context : "");
		events++;
		switch (ev.type) {
		case YAML_ALIAS_EVENT:
			rc = yconf_error_line(y, ev.start_mark.line + 1,
			    "aliases are not allowed");
			break;
		case YAML_SCALAR_EVENT:
			if (ev.data.scalar.anchor)
				rc = yconf_error_line(y, ev.start_mark.line + 1,
				    "anchors are not allowed");
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if ((ev.type == YAML_SEQUENCE_START_EVENT ? ev.data.sequence_start.anchor
								  : ev.data.mapping_start.anchor))
				rc = yconf_error_line(y, ev.start_mark.line + 1,
				    "anchors are not allowed");
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++docs > 1)
				rc = yconf_error_line(y, ev.start_mark.line + 1,
				    "only one document is allowed");
			break;
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
		if (rc != 0)
			return rc;
		if (y->max_nodes && events > 2 * y->max_nodes + 8)
			return yconf_error_line(y, 0, "document too large");
	}
	return 0;
}

/* Second pass over the loaded tree: duplicate keys, non-scalar keys, depth. */
static int
yconf_check_tree(struct yconf *y, yaml_node_t *n, int depth)
{
	if (depth > YCONF_MAX_DEPTH)
		return yconf_error(y, n, "nesting too deep");
	if (n->type == YAML_SEQUENCE_NODE) {
		for (yaml_node_item_t *it = n->data.sequence.items.start;
		     it < n->data.sequence.items.top; it++) {
			yaml_node_t *c = yconf_node(y, *it);
			if (c && yconf_check_tree(y, c, depth + 1) != 0)
				return -1;
		}
	} else if (n->type == YAML_MAPPING_NODE) {
		for (yaml_node_pair_t *a = n->data.mapping.pairs.start;
		     a < n->data.mapping.pairs.top; a++) {
			yaml_node_t *k = yconf_node(y, a->key), *v = yconf_node(y, a->value);
			if (k == NULL || k->type != YAML_SCALAR_NODE)
				return yconf_error(y, k ? k : n, "keys must be plain strings");
			for (yaml_node_pair_t *b = n->data.mapping.pairs.start; b < a; b++) {
				yaml_node_t *kb = yconf_node(y, b->key);
				if (kb && kb->type == YAML_SCALAR_NODE &&
				    strcmp((char *)kb->data.scalar.value,
					(char *)k->data.scalar.value) == 0)
					return yconf_error(y, k,
					    "duplicate key '%s' (first on line %lu)",
					    (char *)k->data.scalar.value, yconf_line(kb));
			}
			if (v && yconf_check_tree(y, v, depth + 1) != 0)
				return -1;
		}
	}
	return 0;
}

static int
yconf_load(struct yconf *y, const void *buf, size_t len)
{
	yaml_parser_t p;
	yaml_node_t *root;

	y->err[0] = '\0';
	y->nerrors = 0;
	y->loaded = 0;
	if (!yaml_parser_initialize(&p))
		return yconf_error_line(y, 0, "out of memory");
	yaml_parser_set_input_string(&p, buf, len);
	if (yconf_scan_events(y, &p) != 0) {
		yaml_parser_delete(&p);
		return -1;
	}
	yaml_parser_delete(&p);

	if (!yaml_parser_initialize(&p))
		return yconf_error_line(y, 0, "out of memory");
	yaml_parser_set_input_string(&p, buf, len);
	if (!yaml_parser_load(&p, &y->doc)) {
		yconf_error_line(y, p.problem_mark.line + 1, "%s",
		    p.problem ? p.problem : "syntax error");
		yaml_parser_delete(&p);
		return -1;
	}
	yaml_parser_delete(&p);
	y->loaded = 1;
	root = yconf_root(y);
	if (root && yconf_check_tree(y, root, 0) != 0)
		return -1;
	return 0;
}

int
yconf_load_buffer(struct yconf *y, const char *name, const void *buf, size_t len)
{
	size_t max = y->max_nodes;

	memset(y, 0, sizeof(*y));
	y->name = name;
	y->max_nodes = max;
	if (memchr(buf, '\0', len) != NULL)
		return yconf_error_line(y, 0, "NUL byte in document");
	return yconf_load(y, buf, len);
}

int
yconf_load_file(struct yconf *y, const char *path)
{
	FILE *f;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int rc;
	/* A config is small; a larger file is a mistake (a log, a binary) not a config. */
	const size_t max_size = 4u << 20;

	memset(y, 0, sizeof(*y));
	y->name = path;
	if ((f = fopen(path, "r")) == NULL)
		return yconf_error_line(y, 0, "%s", strerror(errno));
	for (;;) {
		if (len == cap) {
			char *nb;
			if (cap >= max_size) {
				free(buf);
				fclose(f);
				return yconf_error_line(y, 0, "file larger than %zu bytes",
				    max_size);
			}
			cap = cap ? cap * 2 : 4096;
			if ((nb = realloc(buf, cap)) == NULL) {
				free(buf);
				fclose(f);
				return yconf_error_line(y, 0, "out of memory");
			}
			buf = nb;
		}
		size_t n = fread(buf + len, 1, cap - len, f);
		if (n == 0)
			break;
		len += n;
	}
	if (ferror(f)) {
		rc = yconf_error_line(y, 0, "read error");
		goto out;
	}
	if (memchr(buf, '\0', len) != NULL) {
		rc = yconf_error_line(y, 0, "NUL byte in file");
		goto out;
	}
	rc = yconf_load(y, buf ? buf : "", len);
out:
	free(buf);
	fclose(f);
	return rc;
}

void
yconf_free(struct yconf *y)
{
	if (y && y->loaded) {
		yaml_document_delete(&y->doc);
		y->loaded = 0;
	}
}

int
yconf_check_keys(struct yconf *y, const yaml_node_t *map, const char *what,
    const char *const allowed[])
{
	int rc = 0;

	if (map->type != YAML_MAPPING_NODE)
		return yconf_error(y, map, "%s: expected a mapping", what);
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = yconf_node(y, p->key);
		const char *key = (const char *)k->data.scalar.value;
		int ok = 0;
		for (size_t i = 0; allowed[i] && !ok; i++)
			ok = strcmp(key, allowed[i]) == 0;
		if (!ok)
			rc = yconf_error(y, k, "unknown key '%s' in %s", key, what);
	}
	return rc;
}

yaml_node_t *
yconf_get(struct yconf *y, const yaml_node_t *map, const char *key)
{
	if (map == NULL || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = yconf_node(y, p->key);
		if (k && k->type == YAML_SCALAR_NODE &&
		    strcmp((const char *)k->data.scalar.value, key) == 0)
			return yconf_node(y, p->value);
	}
	return NULL;
}

const char *
yconf_scalar(struct yconf *y, const yaml_node_t *node, const char *key)
{
	if (node == NULL || node->type != YAML_SCALAR_NODE) {
		yconf_error(y, node, "%s: expected a single value", key);
		return NULL;
	}
	return (const char *)node->data.scalar.value;
}

int
yconf_is_null(const yaml_node_t *node)
{
	const char *v;

	if (node == NULL || node->type != YAML_SCALAR_NODE)
		return node == NULL;
	if (node->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return 0;
	v = (const char *)node->data.scalar.value;
	return v[0] == '\0' || strcmp(v, "~") == 0 || strcmp(v, "null") == 0;
}

int
yconf_str(struct yconf *y, const yaml_node_t *node, const char *key, char **out)
{
	const char *v = yconf_scalar(y, node, key);
	char *s;

	if (v == NULL)
		return -1;
	if ((s = strdup(v)) == NULL)
		return yconf_error(y, node, "out of memory");
	free(*out);
	*out = s;
	return 0;
}

int
yconf_uint(struct yconf *y, const yaml_node_t *node, const char *key, unsigned long min,
    unsigned long max, unsigned long *out)
{
	const char *v = yconf_scalar(y, node, key);
	char *end;
	unsigned long n;

	if (v == NULL)
		return -1;
	errno = 0;
	if (v[0] < '0' || v[0] > '9')
		return yconf_error(y, node, "%s: '%s' is not a number", key, v);
	n = strtoul(v, &end, 10);
	if (*end != '\0')
		return yconf_error(y, node, "%s: '%s' is not a number", key, v);
	if (errno == ERANGE || n < min || n > max)
		return yconf_error(y, node, "%s: %s is out of range %lu..%lu", key, v, min, max);
	*out = n;
	return 0;
}

int
yconf_bool(struct yconf *y, const yaml_node_t *node, const char *key, int *out)
{
	const char *v = yconf_scalar(y, node, key);

	if (v == NULL)
		return -1;
	if (strcmp(v, "true") == 0 || strcmp(v, "yes") == 0 || strcmp(v, "on") == 0)
		*out = 1;
	else if (strcmp(v, "false") == 0 || strcmp(v, "no") == 0 || strcmp(v, "off") == 0)
		*out = 0;
	else
		return yconf_error(y, node, "%s: expected true or false, not '%s'", key, v);
	return 0;
}

int
yconf_duration_ms(struct yconf *y, const yaml_node_t *node, const char *key, uint64_t min_ms,
    uint64_t max_ms, uint64_t *out)
{
	const char *v = yconf_scalar(y, node, key);
	static const struct {
		const char *unit;
		uint64_t ms;
	} units[] = { { "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 },
		{ "d", 86400000 }, { "", 1000 } };
	char *end;
	unsigned long long n;

	if (v == NULL)
		return -1;
	errno = 0;
	if (v[0] < '0' || v[0] > '9')
		return yconf_error(y, node, "%s: '%s' is not a duration (like 1500ms, 2s, 5m)",
		    key, v);
	n = strtoull(v, &end, 10);
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].unit) != 0)
			continue;
		if (errno == ERANGE || n > UINT64_MAX / units[i].ms ||
		    n * units[i].ms < min_ms || n * units[i].ms > max_ms)
			return yconf_error(y, node,
			    "%s: %s is out of range %llums..%llums", key, v,
			    (unsigned long long)min_ms, (unsigned long long)max_ms);
		*out = n * units[i].ms;
		return 0;
	}
	return yconf_error(y, node, "%s: '%s' is not a duration (like 1500ms, 2s, 5m)", key, v);
}

int
yconf_enum(struct yconf *y, const yaml_node_t *node, const char *key, const char *const choices[],
    int *out)
{
	const char *v = yconf_scalar(y, node, key);
	char list[256] = "";

	if (v == NULL)
		return -1;
	for (int i = 0; choices[i]; i++) {
		if (strcmp(v, choices[i]) == 0) {
			*out = i;
			return 0;
		}
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", i ? ", " : "",
		    choices[i]);
	}
	return yconf_error(y, node, "%s: '%s' is not one of %s", key, v, list);
}

void
yconf_strlist_free(char **list)
{
	if (list == NULL)
		return;
	for (char **p = list; *p; p++)
		free(*p);
	free(list);
}

int
yconf_strlist(struct yconf *y, const yaml_node_t *node, const char *key, char ***out, size_t *n)
{
	char **list;
	size_t count = 0, i = 0;
	yaml_node_t *item;

	if (node == NULL)
		return yconf_error(y, node, "%s: missing value", key);
	if (node->type == YAML_SCALAR_NODE) {
		if ((list = calloc(2, sizeof(*list))) == NULL ||
		    (list[0] = strdup((const char *)node->data.scalar.value)) == NULL) {
			free(list);
			return yconf_error(y, node, "out of memory");
		}
		count = 1;
		goto done;
	}
	if (node->type != YAML_SEQUENCE_NODE)
		return yconf_error(y, node, "%s: expected a list", key);
	count = (size_t)(node->data.sequence.items.top - node->data.sequence.items.start);
	if ((list = calloc(count + 1, sizeof(*list))) == NULL)
		return yconf_error(y, node, "out of memory");
	YCONF_SEQ_FOREACH(y, node, item)
	{
		if (item->type != YAML_SCALAR_NODE) {
			yconf_strlist_free(list);
			return yconf_error(y, item, "%s: list items must be single values", key);
		}
		if ((list[i++] = strdup((const char *)item->data.scalar.value)) == NULL) {
			yconf_strlist_free(list);
			return yconf_error(y, item, "out of memory");
		}
	}
done:
	yconf_strlist_free(*out);
	*out = list;
	if (n)
		*n = count;
	return 0;
}
