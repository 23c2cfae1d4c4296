/* lib/yconf.h - strict YAML (and JSON) documents for configs and protocol bodies. */
#ifndef VANTAGE_YCONF_H
#define VANTAGE_YCONF_H

#include <stddef.h>
#include <stdint.h>
#include <yaml.h>

/* Keys one mapping may have unless the caller says otherwise (configs; bodies set less). */
#define YCONF_MAX_KEYS 1024

/*
 * One loaded document. Loading rejects what libyaml lets through and a config must not
 * have: aliases and anchors (they can blow up a walk), duplicate keys, several documents,
 * nesting deeper than 32. The work is linear in the input and stops at the first node
 * past a limit (max_nodes, max_keys), so that a hostile body costs what its size allows.
 * Every error is "name:line: message"; the first one is kept in err, later ones are counted.
 */
struct yconf {
	yaml_document_t doc;
	int loaded;
	const char *name;	/* file name or label, for messages; not owned */
	char err[512];		/* the first error, "" while there is none */
	int nerrors;
	size_t max_nodes;	/* 0 = no limit; a budget against hostile bodies */
	size_t max_keys;	/* keys per mapping; 0 = YCONF_MAX_KEYS */
};

/*
 * yconf_load_file - read and check the YAML file at path.
 * Returns 0, or -1 with y->err set (also for an unreadable file). Call yconf_free either way.
 */
int yconf_load_file(struct yconf *y, const char *path);

/*
 * yconf_load_buffer - the same for a buffer (a JSON body, a test string).
 * name labels the messages and must outlive y. An empty buffer is an empty document
 * (root NULL), not an error. y->max_nodes and y->max_keys, set before the call, are kept.
 */
int yconf_load_buffer(struct yconf *y, const char *name, const void *buf, size_t len);

/* yconf_free - release the document; accepts a zeroed or failed yconf. */
void yconf_free(struct yconf *y);

/*
 * yconf_done - the end of a parse: when rc is not 0 the recorded error goes into err
 * (errlen bytes); the document is released either way. Returns rc.
 */
int yconf_done(struct yconf *y, int rc, char *err, size_t errlen);

/* yconf_root - the root node, or NULL for an empty document. */
yaml_node_t *yconf_root(struct yconf *y);

/*
 * yconf_root_keys - the root node of a document that must be a mapping whose keys are all
 * in keys (NULL-terminated), or NULL with the error recorded: "empty DOC" for an empty
 * document (doc: "state file", "body"), yconf_check_keys's naming what otherwise.
 */
yaml_node_t *yconf_root_keys(struct yconf *y, const char *doc, const char *what,
    const char *const keys[]);

/* yconf_error - record an error at node's line (node may be NULL: no line). Returns -1. */
int yconf_error(struct yconf *y, const yaml_node_t *node, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* yconf_line - the 1-based line of a node. */
unsigned long yconf_line(const yaml_node_t *node);

/* yconf_node - node by id (from a pair or sequence item). */
yaml_node_t *yconf_node(struct yconf *y, int id);

/*
 * yconf_check_keys - every key of map must be one of allowed (NULL-terminated).
 * what names the mapping in messages ("consensus"). Not a mapping is an error too.
 * Returns 0 or -1 after recording an error.
 */
int yconf_check_keys(struct yconf *y, const yaml_node_t *map, const char *what,
    const char *const allowed[]);

/* yconf_get - the value node of key in map, or NULL when map lacks it or is no mapping. */
yaml_node_t *yconf_get(struct yconf *y, const yaml_node_t *map, const char *key);

/* yconf_scalar - the scalar text of node, or NULL after recording "KEY: expected a scalar". */
const char *yconf_scalar(struct yconf *y, const yaml_node_t *node, const char *key);

/* yconf_is_null - a plain ~, null, or empty scalar. */
int yconf_is_null(const yaml_node_t *node);

/* Typed readers. Each returns 0, or -1 after recording "key: why". */
int yconf_str(struct yconf *y, const yaml_node_t *node, const char *key, char **out);
int yconf_uint(struct yconf *y, const yaml_node_t *node, const char *key,
    unsigned long min, unsigned long max, unsigned long *out);
int yconf_bool(struct yconf *y, const yaml_node_t *node, const char *key, int *out);
/* Durations: "1500ms", "2s", "5m", "1h", "7d"; a bare number is seconds. */
int yconf_duration_ms(struct yconf *y, const yaml_node_t *node, const char *key,
    uint64_t min_ms, uint64_t max_ms, uint64_t *out);
/* One of the NULL-terminated choices; *out is its index. */
int yconf_enum(struct yconf *y, const yaml_node_t *node, const char *key,
    const char *const choices[], int *out);

/*
 * yconf_strlist - a sequence of scalars (or one scalar, taken as a list of one) into a
 * NULL-terminated malloc'd array of malloc'd strings; *n gets the count. Free with
 * yconf_strlist_free.
 */
int yconf_strlist(struct yconf *y, const yaml_node_t *node, const char *key, char ***out,
    size_t *n);
void yconf_strlist_free(char **list);

/* Iteration helpers over a sequence node's items and a mapping node's pairs. */
#define YCONF_SEQ_FOREACH(y, seq, item)                                               \
	for (yaml_node_item_t *item##_it = (seq)->data.sequence.items.start;         \
	     item##_it < (seq)->data.sequence.items.top &&                           \
	     ((item) = yconf_node((y), *item##_it)) != NULL;                         \
	     item##_it++)

#endif
