/* mirror/reports.c - clients' reports: strict parsing and per-mirror tallies kept on disk. */
#include "autoconf.h"

#include <errno.h>
#include <event2/buffer.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dnswire.h"
#include "log.h"
#include "reports.h"
#include "statefile.h"
#include "yconf.h"

static const char *const outcome_names[] = { "agree", "dissent", "timeout", "error", NULL };

struct reports {
	char *path;
	char *dir;
	struct report_tally *t;
	size_t n;
	uint64_t evicted;
	uint64_t seq;		/* counts reports; orders tallies within one second */
	int dirty;
};

const char *
report_outcome_name(enum report_outcome o)
{
	return (unsigned)o < REPORT_NOUTCOMES ? outcome_names[o] : "?";
}

static int
rp_hex(struct yconf *y, const yaml_node_t *node, const char *key, uint8_t *out)
{
	const char *s = yconf_scalar(y, node, key);

	if (s == NULL)
		return -1;
	if (node->data.scalar.style == YAML_PLAIN_SCALAR_STYLE ||
	    tls_unhex(s, out, TLS_SHA256_LEN) != 0)
		return yconf_error(y, node, "%s: expected a string of 64 hex digits", key);
	return 0;
}

static int
rp_question(struct yconf *y, const yaml_node_t *q, struct report *rep)
{
	static const char *const keys[] = { "name", "type", NULL };
	uint8_t wire[DNS_MAXNAME];
	yaml_node_t *v;
	const char *s;

	if (yconf_check_keys(y, q, "question", keys) != 0)
		return -1;
	if ((v = yconf_get(y, q, "name")) == NULL || (s = yconf_scalar(y, v, "name")) == NULL)
		return yconf_error(y, q, "question: missing name");
	if (strlen(s) >= sizeof(rep->name) || dnswire_name_from_str(s, wire, sizeof(wire)) == 0)
		return yconf_error(y, v, "name: not a domain name");
	snprintf(rep->name, sizeof(rep->name), "%s", s);
	if ((v = yconf_get(y, q, "type")) == NULL || (s = yconf_scalar(y, v, "type")) == NULL)
		return yconf_error(y, q, "question: missing type");
	if ((rep->qtype = dnswire_str2type(s)) == 0)
		return yconf_error(y, v, "type: unknown type '%s'", s);
	return 0;
}

static int
rp_result(struct yconf *y, const yaml_node_t *node, struct report_result *res)
{
	static const char *const keys[] = { "mirror", "digest", "outcome", NULL };
	yaml_node_t *v;
	int o;

	if (yconf_check_keys(y, node, "result", keys) != 0)
		return -1;
	if ((v = yconf_get(y, node, "mirror")) == NULL)
		return yconf_error(y, node, "result: missing mirror");
	if (rp_hex(y, v, "mirror", res->mirror) != 0)
		return -1;
	if ((v = yconf_get(y, node, "outcome")) == NULL)
		return yconf_error(y, node, "result: missing outcome");
	if (yconf_enum(y, v, "outcome", outcome_names, &o) != 0)
		return -1;
	res->outcome = (enum report_outcome)o;
	v = yconf_get(y, node, "digest");
	if (v != NULL && v->type == YAML_SCALAR_NODE && v->data.scalar.style ==
	    YAML_PLAIN_SCALAR_STYLE && yconf_is_null(v))
		v = NULL;
	/* A digest says what was answered: required exactly when something was. */
	if (res->outcome == REPORT_AGREE || res->outcome == REPORT_DISSENT) {
		if (v == NULL)
			return yconf_error(y, node, "result: %s needs a digest",
			    outcome_names[res->outcome]);
		if (rp_hex(y, v, "digest", res->digest) != 0)
			return -1;
		res->has_digest = 1;
	} else if (v != NULL) {
		return yconf_error(y, v, "digest: not allowed with outcome %s",
		    outcome_names[res->outcome]);
	}
	return 0;
}

static int
rp_root(struct yconf *y, const yaml_node_t *root, struct report *rep)
{
	static const char *const keys[] = { "version", "question", "results", NULL };
	yaml_node_t *v, *item;
	unsigned long ver;
	size_t i;

	if (root == NULL)
		return yconf_error(y, NULL, "empty body");
	if (yconf_check_keys(y, root, "report", keys) != 0)
		return -1;
	if ((v = yconf_get(y, root, "version")) == NULL)
		return yconf_error(y, root, "missing version");
	if (yconf_uint(y, v, "version", 1, 1, &ver) != 0)
		return -1;
	if ((v = yconf_get(y, root, "question")) == NULL)
		return yconf_error(y, root, "missing question");
	if (rp_question(y, v, rep) != 0)
		return -1;
	if ((v = yconf_get(y, root, "results")) == NULL)
		return yconf_error(y, root, "missing results");
	if (v->type != YAML_SEQUENCE_NODE)
		return yconf_error(y, v, "results: expected a list");
	YCONF_SEQ_FOREACH(y, v, item) {
		if (rep->n_results == REPORT_MAX_RESULTS)
			return yconf_error(y, item, "results: at most %d entries", REPORT_MAX_RESULTS);
		if (rp_result(y, item, &rep->results[rep->n_results]) != 0)
			return -1;
		for (i = 0; i < rep->n_results; i++)
			if (memcmp(rep->results[i].mirror, rep->results[rep->n_results].mirror,
			    TLS_SHA256_LEN) == 0)
				return yconf_error(y, item, "results: mirror listed twice");
		rep->n_results++;
	}
	if (rep->n_results == 0)
		return yconf_error(y, v, "results: the list is empty");
	return 0;
}

int
report_parse(const void *body, size_t len, struct report *rep, char *err, size_t errlen)
{
	struct yconf y;
	int rc;

	memset(rep, 0, sizeof(*rep));
	memset(&y, 0, sizeof(y));
	y.max_nodes = REPORT_MAX_NODES;
	y.max_keys = REPORT_MAX_KEYS;
	rc = yconf_load_buffer(&y, "body", body, len);
	if (rc == 0)
		rc = rp_root(&y, yconf_root(&y), rep);
	return yconf_done(&y, rc, err, errlen);
}

static uint64_t
rs_total(const struct report_tally *t)
{
	uint64_t n = 0;
	int i;

	for (i = 0; i < REPORT_NOUTCOMES; i++)
		n += t->counts[i];
	return n;
}

/*
 * The tally to give up at now: any older than REPORTS_MAX_AGE, else the least reported,
 * the least recent among those. A flood of one-off ids then mostly evicts itself, and
 * mirrors that clients report again and again stay.
 */
static size_t
rs_victim(const struct reports *r, uint64_t now)
{
	size_t i, v = 0;
	uint64_t tv = UINT64_MAX, ti;

	for (i = 0; i < r->n; i++) {
		const struct report_tally *t = &r->t[i];

		if (t->last + REPORTS_MAX_AGE < now)
			return i;
		ti = rs_total(t);
		if (ti < tv || (ti == tv && (t->last < r->t[v].last ||
		    (t->last == r->t[v].last && t->seq < r->t[v].seq)))) {
			v = i;
			tv = ti;
		}
	}
	return v;
}

static struct report_tally *
rs_lookup(struct reports *r, const uint8_t *mirror, int create, uint64_t now)
{
	struct report_tally *t;
	size_t i;

	for (i = 0; i < r->n; i++)
		if (memcmp(r->t[i].mirror, mirror, TLS_SHA256_LEN) == 0)
			return &r->t[i];
	if (!create)
		return NULL;
	if (r->n == REPORTS_MAX_MIRRORS) {
		t = &r->t[rs_victim(r, now)];
		r->evicted++;
	} else {
		if (r->n % 64 == 0) {
			struct report_tally *nt = realloc(r->t, (r->n + 64) * sizeof(*nt));

			if (nt == NULL)
				return NULL;
			r->t = nt;
		}
		t = &r->t[r->n++];
	}
	memset(t, 0, sizeof(*t));
	memcpy(t->mirror, mirror, TLS_SHA256_LEN);
	return t;
}

/* Read one tally of the state file. */
static int
rs_load_entry(struct yconf *y, struct reports *r, const yaml_node_t *node)
{
	static const char *const keys[] = { "id", "agree", "dissent", "timeout", "error", "last",
		NULL };
	uint8_t id[TLS_SHA256_LEN];
	struct report_tally *t;
	unsigned long u;
	yaml_node_t *v;
	int i;

	if (yconf_check_keys(y, node, "mirror", keys) != 0)
		return -1;
	if ((v = yconf_get(y, node, "id")) == NULL || rp_hex(y, v, "id", id) != 0)
		return yconf_error(y, node, "mirror: bad id");
	/* A file written by an older build may hold more: the stalest go, as at run time. */
	if ((t = rs_lookup(r, id, 1, 0)) == NULL)
		return yconf_error(y, node, "out of memory");
	for (i = 0; i < REPORT_NOUTCOMES; i++) {
		if ((v = yconf_get(y, node, outcome_names[i])) == NULL)
			continue;
		if (yconf_uint(y, v, outcome_names[i], 0, ULONG_MAX, &u) != 0)
			return -1;
		t->counts[i] = u;
	}
	if ((v = yconf_get(y, node, "last")) != NULL) {
		if (yconf_uint(y, v, "last", 0, ULONG_MAX, &u) != 0)
			return -1;
		t->last = u;
	}
	t->seq = ++r->seq;
	return 0;
}

static int
rs_load_item(struct yconf *y, const yaml_node_t *item, void *arg)
{
	return rs_load_entry(y, arg, item);
}

static int
rs_load(struct reports *r, char *err, size_t errlen)
{
	static const char *const keys[] = { "version", "mirrors", NULL };

	return statefile_load_list(r->path, keys, "mirrors", rs_load_item, r, err, errlen);
}

struct reports *
reports_open(const char *dir, char *err, size_t errlen)
{
	struct reports *r;
	size_t n = strlen(dir) + sizeof(REPORTS_FILE) + 2;

	if ((r = calloc(1, sizeof(*r))) == NULL || (r->path = malloc(n)) == NULL ||
	    (r->dir = strdup(dir)) == NULL) {
		snprintf(err, errlen, "out of memory");
		reports_free(r);
		return NULL;
	}
	snprintf(r->path, n, "%s/%s", dir, REPORTS_FILE);
	if (rs_load(r, err, errlen) != 0) {
		reports_free(r);
		return NULL;
	}
	return r;
}

void
reports_free(struct reports *r)
{
	if (r == NULL)
		return;
	free(r->t);
	free(r->path);
	free(r->dir);
	free(r);
}

size_t
reports_record(struct reports *r, const struct report *rep, uint64_t now)
{
	struct report_tally *t;
	size_t i, counted = 0;

	for (i = 0; i < rep->n_results; i++) {
		if ((t = rs_lookup(r, rep->results[i].mirror, 1, now)) == NULL)
			continue;	/* out of memory */
		t->counts[rep->results[i].outcome]++;
		t->last = now;
		t->seq = ++r->seq;
		counted++;
	}
	if (counted)
		r->dirty = 1;
	return counted;
}

int
reports_dirty(const struct reports *r)
{
	return r->dirty;
}

const struct report_tally *
reports_find(const struct reports *r, const uint8_t *mirror)
{
	return rs_lookup((struct reports *)r, mirror, 0, 0);
}

struct report_tally *
reports_at(struct reports *r, size_t i)
{
	return i < r->n ? &r->t[i] : NULL;
}

struct report_tally *
reports_tally(struct reports *r, const uint8_t *mirror, uint64_t now)
{
	struct report_tally *t = rs_lookup(r, mirror, 1, now);

	if (t != NULL)
		r->dirty = 1;
	return t;
}

size_t
reports_count(const struct reports *r)
{
	return r->n;
}

uint64_t
reports_evicted(const struct reports *r)
{
	return r->evicted;
}

int
reports_save(struct reports *r)
{
	struct evbuffer *b = evbuffer_new();
	char hex[TLS_SHA256_HEX];
	size_t i;
	int j, rc = -1;

	if (b == NULL)
		return -1;
	evbuffer_add_printf(b, "{\"version\":1,\"mirrors\":[");
	for (i = 0; i < r->n; i++) {
		evbuffer_add_printf(b, "%s\n{\"id\":\"%s\"", i ? "," : "",
		    tls_hex(r->t[i].mirror, TLS_SHA256_LEN, hex));
		for (j = 0; j < REPORT_NOUTCOMES; j++)
			evbuffer_add_printf(b, ",\"%s\":%" PRIu64, outcome_names[j], r->t[i].counts[j]);
		evbuffer_add_printf(b, ",\"last\":%" PRIu64 "}", r->t[i].last);
	}
	evbuffer_add_printf(b, "\n]}\n");
	if (statefile_write(r->dir, REPORTS_FILE, b) != 0)
		goto out;
	r->dirty = 0;
	rc = 0;
out:
	evbuffer_free(b);
	return rc;
}
