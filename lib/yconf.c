/* lib/yconf.c - strict YAML (and JSON) documents for configs and protocol bodies. */
#include "autoconf.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "yconf.h"

/* Deeper than any config or protocol body we define; bounds the composer's stack. */
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

int
yconf_done(struct yconf *y, int rc, char *err, size_t errlen)
{
	if (rc != 0)
		snprintf(err, errlen, "%s", y->err);
	yconf_free(y);
	return rc;
}

yaml_node_t *
yconf_root(struct yconf *y)
{
	return y->loaded ? yaml_document_get_root_node(&y->doc) : NULL;
}

yaml_node_t *
yconf_root_keys(struct yconf *y, const char *doc, const char *what, const char *const keys[])
{
	yaml_node_t *root;

	if ((root = yconf_root(y)) == NULL) {
		yconf_error(y, NULL, "empty %s", doc);
		return NULL;
	}
	return yconf_check_keys(y, root, what, keys) == 0 ? root : NULL;
}

/*
 * The document is composed here from libyaml's events in one pass, instead of a scan of
 * the events then yaml_parser_load and a walk of the tree: every limit is checked as the
 * node arrives, so a hostile body stops costing work at the first node over a limit, and
 * the tree is never built twice. Duplicate keys are found with one hash set for the whole
 * document (mapping, key) - linear; the pairwise check it replaces let one 2 MB
 * /v1/mirrors body of 199,000 keys hold vantaged's event loop for minutes.
 */

/* One open sequence or mapping. */
struct yconf_frame {
	int node;		/* its node id */
	int key;		/* mapping: the key waiting for its value, 0 when none */
	size_t nkeys;
};

/* The duplicate-key set: (mapping node, key node) pairs, open addressing. */
struct yconf_keyset {
	struct yconf_keyslot {
		int map, key;		/* key 0: empty */
		uint32_t hash;
	} *slots;
	size_t cap, n;
	uint32_t seed;
};

struct yconf_composer {
	struct yconf *y;
	struct yconf_frame stack[YCONF_MAX_DEPTH + 2];
	size_t depth;
	size_t nodes, max_keys;
	int docs;
	struct yconf_keyset keys;
};

static uint32_t
yconf_hash(uint32_t seed, int map, const unsigned char *s, size_t len)
{
	uint32_t h = seed ^ (uint32_t)map * 2654435761u;

	for (size_t i = 0; i < len; i++)
		h = (h ^ s[i]) * 16777619u;
	return h ^ (h >> 15);
}

static int
yconf_keyset_grow(struct yconf_keyset *ks)
{
	size_t cap = ks->cap ? ks->cap * 2 : 64;
	struct yconf_keyslot *slots = calloc(cap, sizeof(*slots));

	if (slots == NULL)
		return -1;
	for (size_t i = 0; i < ks->cap; i++) {
		size_t j;

		if (ks->slots[i].key == 0)
			continue;
		for (j = ks->slots[i].hash & (cap - 1); slots[j].key != 0; j = (j + 1) & (cap - 1))
			;
		slots[j] = ks->slots[i];
	}
	free(ks->slots);
	ks->slots = slots;
	ks->cap = cap;
	return 0;
}

/*
 * Add key (a scalar node) to mapping map. Returns 0, -1 out of memory, or the id of the
 * earlier key with the same text.
 */
static int
yconf_keyset_add(struct yconf *y, struct yconf_keyset *ks, int map, int key)
{
	yaml_node_t *k = yconf_node(y, key);
	const unsigned char *t = k->data.scalar.value;
	size_t len = k->data.scalar.length, i;
	uint32_t h = yconf_hash(ks->seed, map, t, len);

	if ((ks->n + 1) * 2 > ks->cap && yconf_keyset_grow(ks) != 0)
		return -1;
	for (i = h & (ks->cap - 1); ks->slots[i].key != 0; i = (i + 1) & (ks->cap - 1)) {
		yaml_node_t *o;

		if (ks->slots[i].hash != h || ks->slots[i].map != map)
			continue;
		o = yconf_node(y, ks->slots[i].key);
		if (o->data.scalar.length == len && memcmp(o->data.scalar.value, t, len) == 0)
			return ks->slots[i].key;
	}
	ks->slots[i].map = map;
	ks->slots[i].key = key;
	ks->slots[i].hash = h;
	ks->n++;
	return 0;
}

/*
 * Room for one more element on libyaml stack s (its start, top and end pointers), doubling it
 * from first elements: ok is 1, or 0 when memory (or int node ids) ran out.
 */
#define YCONF_STACK_ROOM(s, first, ok)                                                     \
	do {                                                                               \
		size_t n_ = (size_t)((s).top - (s).start), cap_ = n_ ? 2 * n_ : (first);   \
		void *p_ = NULL;                                                           \
		(ok) = (s).top != (s).end || (cap_ <= INT_MAX &&                           \
		    (p_ = realloc((s).start, cap_ * sizeof(*(s).start))) != NULL);         \
		if (p_ != NULL) {                                                          \
			(s).start = p_;                                                    \
			(s).top = (s).start + n_;                                          \
			(s).end = (s).start + cap_;                                        \
		}                                                                          \
	} while (0)

/*
 * The tree is built by hand rather than with yaml_document_add_*: those copy every scalar
 * and every tag (two allocations a node), which made composing cost six times what
 * parsing did. The document owns what its nodes point to, as yaml_document_delete expects;
 * arrays grow by doubling from NULL.
 */
static int
yconf_push_node(yaml_document_t *d, const yaml_node_t *node)
{
	int ok;

	YCONF_STACK_ROOM(d->nodes, 16, ok);
	if (!ok)
		return 0;
	*d->nodes.top++ = *node;
	return (int)(d->nodes.top - d->nodes.start);
}

static int
yconf_append_item(yaml_node_t *seq, int id)
{
	int ok;

	YCONF_STACK_ROOM(seq->data.sequence.items, 8, ok);
	if (!ok)
		return -1;
	*seq->data.sequence.items.top++ = id;
	return 0;
}

static int
yconf_append_pair(yaml_node_t *map, int key, int value)
{
	int ok;

	YCONF_STACK_ROOM(map->data.mapping.pairs, 8, ok);
	if (!ok)
		return -1;
	map->data.mapping.pairs.top->key = key;
	map->data.mapping.pairs.top->value = value;
	map->data.mapping.pairs.top++;
	return 0;
}

/* Hang the new node id under the open container, if any. Returns 0 or -1 (error set). */
static int
yconf_attach(struct yconf_composer *c, int id)
{
	struct yconf *y = c->y;
	struct yconf_frame *f;
	yaml_node_t *n = yconf_node(y, id);
	int dup;

	if (c->depth == 0)
		return 0;	/* the root */
	if (c->depth > YCONF_MAX_DEPTH)
		return yconf_error(y, n, "nesting too deep");
	f = &c->stack[c->depth - 1];
	if (yconf_node(y, f->node)->type == YAML_SEQUENCE_NODE)
		return yconf_append_item(yconf_node(y, f->node), id) == 0 ? 0 :
		    yconf_error(y, n, "out of memory");
	if (f->key != 0) {
		if (yconf_append_pair(yconf_node(y, f->node), f->key, id) != 0)
			return yconf_error(y, n, "out of memory");
		f->key = 0;
		return 0;
	}
	if (n->type != YAML_SCALAR_NODE)
		return yconf_error(y, n, "keys must be plain strings");
	if (++f->nkeys > c->max_keys)
		return yconf_error(y, n, "more than %zu keys in one mapping", c->max_keys);
	if ((dup = yconf_keyset_add(y, &c->keys, f->node, id)) < 0)
		return yconf_error(y, n, "out of memory");
	if (dup > 0)
		return yconf_error(y, n, "duplicate key '%s' (first on line %lu)",
		    (char *)n->data.scalar.value, yconf_line(yconf_node(y, dup)));
	f->key = id;
	return 0;
}

/*
 * A new node from a scalar or collection-start event; pushes collections. A scalar's text
 * and any tag are taken over from the event (which then no longer frees them).
 */
static int
yconf_add_node(struct yconf_composer *c, yaml_event_t *ev)
{
	struct yconf *y = c->y;
	yaml_node_t node;
	int id;

	if (++c->nodes > (y->max_nodes ? y->max_nodes : SIZE_MAX))
		return yconf_error_line(y, 0, "document too large");
	memset(&node, 0, sizeof(node));
	node.start_mark = ev->start_mark;
	node.end_mark = ev->end_mark;
	if (ev->type == YAML_SCALAR_EVENT) {
		node.type = YAML_SCALAR_NODE;
		node.tag = ev->data.scalar.tag;
		node.data.scalar.value = ev->data.scalar.value;
		node.data.scalar.length = ev->data.scalar.length;
		node.data.scalar.style = ev->data.scalar.style;
	} else if (ev->type == YAML_SEQUENCE_START_EVENT) {
		node.type = YAML_SEQUENCE_NODE;
		node.tag = ev->data.sequence_start.tag;
		node.data.sequence.style = ev->data.sequence_start.style;
	} else {
		node.type = YAML_MAPPING_NODE;
		node.tag = ev->data.mapping_start.tag;
		node.data.mapping.style = ev->data.mapping_start.style;
	}
	if ((id = yconf_push_node(&y->doc, &node)) == 0)
		return yconf_error_line(y, ev->start_mark.line + 1, "out of memory");
	if (ev->type == YAML_SCALAR_EVENT)
		ev->data.scalar.tag = ev->data.scalar.value = NULL;
	else if (ev->type == YAML_SEQUENCE_START_EVENT)
		ev->data.sequence_start.tag = NULL;
	else
		ev->data.mapping_start.tag = NULL;
	if (yconf_attach(c, id) != 0)
		return -1;
	if (ev->type != YAML_SCALAR_EVENT) {
		if (c->depth >= YCONF_MAX_DEPTH + 1)
			return yconf_error_line(y, ev->start_mark.line + 1, "nesting too deep");
		c->stack[c->depth].node = id;
		c->stack[c->depth].key = 0;
		c->stack[c->depth].nkeys = 0;
		c->depth++;
	}
	return 0;
}

/* Whether the event carries an anchor (they, and aliases, are refused). */
static int
yconf_anchored(const yaml_event_t *ev)
{
	return (ev->type == YAML_SCALAR_EVENT && ev->data.scalar.anchor) ||
	    (ev->type == YAML_SEQUENCE_START_EVENT && ev->data.sequence_start.anchor) ||
	    (ev->type == YAML_MAPPING_START_EVENT && ev->data.mapping_start.anchor);
}

static int
yconf_event(struct yconf_composer *c, yaml_event_t *ev)
{
	struct yconf *y = c->y;
	unsigned long line = ev->start_mark.line + 1;

	if (ev->type == YAML_ALIAS_EVENT)
		return yconf_error_line(y, line, "aliases are not allowed");
	if (yconf_anchored(ev))
		return yconf_error_line(y, line, "anchors are not allowed");
	switch (ev->type) {
	case YAML_DOCUMENT_START_EVENT:
		if (++c->docs > 1)
			return yconf_error_line(y, line, "only one document is allowed");
		if (!yaml_document_initialize(&y->doc, NULL, NULL, NULL, 1, 1))
			return yconf_error_line(y, line, "out of memory");
		y->loaded = 1;
		return 0;
	case YAML_SCALAR_EVENT:
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		return yconf_add_node(c, ev);
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		if (c->depth > 0)
			c->depth--;
		return 0;
	default:
		return 0;
	}
}

static int
yconf_load(struct yconf *y, const void *buf, size_t len)
{
	struct yconf_composer c;
	yaml_parser_t p;
	yaml_event_t ev;
	int rc = 0, done = 0;

	y->err[0] = '\0';
	y->nerrors = 0;
	y->loaded = 0;
	memset(&c, 0, sizeof(c));
	c.y = y;
	c.max_keys = y->max_keys ? y->max_keys : YCONF_MAX_KEYS;
	c.keys.seed = (uint32_t)random();
	if (!yaml_parser_initialize(&p))
		return yconf_error_line(y, 0, "out of memory");
	yaml_parser_set_input_string(&p, buf, len);
	while (!done && rc == 0) {
		if (!yaml_parser_parse(&p, &ev)) {
			rc = yconf_error_line(y, p.problem_mark.line + 1, "%s%s%s",
			    p.problem ? p.problem : "syntax error", p.context ? " " : "",
			    p.context ? p.context : "");
			break;
		}
		done = ev.type == YAML_STREAM_END_EVENT;
		rc = yconf_event(&c, &ev);
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	free(c.keys.slots);
	return rc;
}

int
yconf_load_buffer(struct yconf *y, const char *name, const void *buf, size_t len)
{
	size_t max = y->max_nodes, max_keys = y->max_keys;

	memset(y, 0, sizeof(*y));
	y->name = name;
	y->max_nodes = max;
	y->max_keys = max_keys;
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
