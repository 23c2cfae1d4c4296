/* mirror/reputation.c - what this mirror thinks of each peer; shared by its replicas only. */
#include "autoconf.h"

#include <errno.h>
#include <event2/buffer.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "reputation.h"
#include "statefile.h"
#include "yconf.h"

/* Records kept; a table that could grow without bound would be a memory attack via joins. */
#define REPUTATION_MAX 8192

struct reputation {
	char *dir;
	struct rep *t;
	size_t n, cap;
	int dirty;
};

static struct rep *
rep_lookup(struct reputation *r, const uint8_t *id, int create)
{
	struct rep *nt;
	size_t i;

	for (i = 0; i < r->n; i++)
		if (memcmp(r->t[i].id, id, TLS_SHA256_LEN) == 0)
			return &r->t[i];
	if (!create || r->n == REPUTATION_MAX)
		return NULL;
	if (r->n == r->cap) {
		if ((nt = realloc(r->t, (r->cap + 64) * sizeof(*nt))) == NULL)
			return NULL;
		r->t = nt;
		r->cap += 64;
	}
	memset(&r->t[r->n], 0, sizeof(r->t[0]));
	memcpy(r->t[r->n].id, id, TLS_SHA256_LEN);
	return &r->t[r->n++];
}

const struct rep *
reputation_find(const struct reputation *r, const uint8_t *id)
{
	return rep_lookup((struct reputation *)r, id, 0);
}

size_t
reputation_count(const struct reputation *r)
{
	return r->n;
}

struct rep *
reputation_at(struct reputation *r, size_t i)
{
	return i < r->n ? &r->t[i] : NULL;
}

struct rep *
reputation_record(struct reputation *r, const uint8_t *id)
{
	struct rep *e = rep_lookup(r, id, 1);

	if (e != NULL)
		r->dirty = 1;
	return e;
}

/* An exponentially weighted mean, 1/8 per sample: smooth, and still moves in a few rounds. */
static uint32_t
rep_ewma(uint32_t avg, uint32_t sample)
{
	if (avg == 0)
		return sample ? sample : 1;
	return (uint32_t)(((uint64_t)avg * 7 + sample + 7) / 8);
}

void
reputation_replay(struct reputation *r, const uint8_t *id, enum rep_outcome o,
    uint32_t elapsed_ms, uint64_t now)
{
	struct rep *e = rep_lookup(r, id, 1);

	if (e == NULL)
		return;
	switch (o) {
	case REP_AGREE: e->agree++; break;
	case REP_DISSENT: e->dissent++; break;
	default: e->timeout++; break;
	}
	if (o != REP_TIMEOUT)
		e->response_ms = rep_ewma(e->response_ms, elapsed_ms);
	e->hist_bad = (e->hist_bad << 1) | (o != REP_AGREE);
	if (e->n_hist < REP_HISTORY)
		e->n_hist++;
	e->last = now;
	r->dirty = 1;
}

void
reputation_ping(struct reputation *r, const uint8_t *id, int ok, uint32_t rtt_ms, uint64_t now)
{
	struct rep *e = rep_lookup(r, id, 1);

	if (e == NULL)
		return;
	e->pings++;
	if (!ok)
		e->ping_fail++;
	else
		e->ping_ms = rep_ewma(e->ping_ms, rtt_ms);
	e->last = now;
	r->dirty = 1;
}

void
reputation_clear_recent(struct reputation *r, const uint8_t *id)
{
	struct rep *e = rep_lookup(r, id, 0);

	if (e != NULL) {
		e->hist_bad = 0;
		e->n_hist = 0;
		r->dirty = 1;
	}
}

void
reputation_forget(struct reputation *r, const uint8_t *id)
{
	struct rep *e = rep_lookup(r, id, 0);

	if (e == NULL)
		return;
	*e = r->t[--r->n];
	r->dirty = 1;
}

static unsigned
rep_popcount(uint32_t v)
{
	unsigned n = 0;

	for (; v; v &= v - 1)
		n++;
	return n;
}

int
reputation_tripped(const struct rep *rep, const struct mirror_network *cfg, char *why,
    size_t len)
{
	uint32_t mask;
	unsigned bad;

	if (rep == NULL || rep->n_hist < cfg->min_samples)
		return 0;
	mask = rep->n_hist >= 32 ? UINT32_MAX : (UINT32_C(1) << rep->n_hist) - 1;
	bad = rep_popcount(rep->hist_bad & mask);
	if (bad * 100 >= cfg->remove_dissent * rep->n_hist && bad > 0) {
		snprintf(why, len, "%u of the last %u replays dissented or failed", bad,
		    rep->n_hist);
		return 1;
	}
	if (rep->response_ms > cfg->max_response_ms) {
		snprintf(why, len, "mean response %" PRIu32 " ms (limit %" PRIu64 " ms)",
		    rep->response_ms, cfg->max_response_ms);
		return 1;
	}
	return 0;
}

enum rep_verdict
reputation_judge(const struct rep_counts *c, const struct mirror_network *cfg, char *why,
    size_t len)
{
	unsigned total = c->agree + c->dissent + c->timeout;
	unsigned ptotal = c->pings + c->ping_fail;

	if (total < cfg->min_samples) {
		snprintf(why, len, "only %u replays (need %u)", total, cfg->min_samples);
		return REP_UNDECIDED;
	}
	if ((uint64_t)c->agree * 100 < (uint64_t)cfg->pass_agree * total) {
		snprintf(why, len, "agreed on %u of %u replays (%u dissents, %u timeouts; need %u%%)",
		    c->agree, total, c->dissent, c->timeout, cfg->pass_agree);
		return REP_FAIL;
	}
	if (c->responses > 0 && c->response_ms_sum / c->responses > cfg->max_response_ms) {
		snprintf(why, len, "mean response %" PRIu64 " ms (limit %" PRIu64 " ms)",
		    c->response_ms_sum / c->responses, cfg->max_response_ms);
		return REP_FAIL;
	}
	if (ptotal > 0 && (uint64_t)c->ping_fail * 100 > (uint64_t)(100 - cfg->pass_agree) * ptotal) {
		snprintf(why, len, "/v1/health failed %u of %u times", c->ping_fail, ptotal);
		return REP_FAIL;
	}
	if (c->pings > 0 && c->ping_ms_sum / c->pings > cfg->max_ping_ms) {
		snprintf(why, len, "mean ping %" PRIu64 " ms (limit %" PRIu64 " ms)",
		    c->ping_ms_sum / c->pings, cfg->max_ping_ms);
		return REP_FAIL;
	}
	snprintf(why, len, "agreed on %u of %u replays", c->agree, total);
	return REP_PASS;
}

static int
rep_u64(struct yconf *y, const yaml_node_t *node, const char *key, uint64_t *out)
{
	yaml_node_t *v = yconf_get(y, node, key);
	unsigned long u;

	if (v == NULL)
		return 0;
	if (yconf_uint(y, v, key, 0, ULONG_MAX, &u) != 0)
		return -1;
	*out = u;
	return 0;
}

static int
rep_load_entry(struct yconf *y, struct reputation *r, const yaml_node_t *node)
{
	static const char *const keys[] = { "id", "agree", "dissent", "timeout", "pings",
		"ping_fail", "ping_ms", "response_ms", "hist_bad", "n_hist", "last", NULL };
	uint8_t id[TLS_SHA256_LEN];
	uint64_t ping_ms = 0, response_ms = 0, hist = 0, n_hist = 0;
	yaml_node_t *v;
	const char *s;
	struct rep *e;

	if (yconf_check_keys(y, node, "peer", keys) != 0)
		return -1;
	if ((v = yconf_get(y, node, "id")) == NULL || (s = yconf_scalar(y, v, "id")) == NULL ||
	    tls_unhex(s, id, sizeof(id)) != 0)
		return yconf_error(y, node, "peer: bad id");
	if ((e = rep_lookup(r, id, 1)) == NULL)
		return yconf_error(y, node, "too many peers");
	if (rep_u64(y, node, "agree", &e->agree) || rep_u64(y, node, "dissent", &e->dissent) ||
	    rep_u64(y, node, "timeout", &e->timeout) || rep_u64(y, node, "pings", &e->pings) ||
	    rep_u64(y, node, "ping_fail", &e->ping_fail) || rep_u64(y, node, "ping_ms", &ping_ms) ||
	    rep_u64(y, node, "response_ms", &response_ms) ||
	    rep_u64(y, node, "hist_bad", &hist) || rep_u64(y, node, "n_hist", &n_hist) ||
	    rep_u64(y, node, "last", &e->last))
		return -1;
	if (ping_ms > UINT32_MAX || response_ms > UINT32_MAX || hist > UINT32_MAX ||
	    n_hist > REP_HISTORY)
		return yconf_error(y, node, "peer: value out of range");
	e->ping_ms = (uint32_t)ping_ms;
	e->response_ms = (uint32_t)response_ms;
	e->hist_bad = (uint32_t)hist;
	e->n_hist = (uint8_t)n_hist;
	return 0;
}

static int
rep_load_item(struct yconf *y, const yaml_node_t *item, void *arg)
{
	return rep_load_entry(y, arg, item);
}

static int
rep_load(struct reputation *r, char *err, size_t errlen)
{
	static const char *const keys[] = { "version", "peers", NULL };
	char *path = statefile_path(r->dir, REPUTATION_FILE);
	int rc;

	if (path == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rc = statefile_load_list(path, keys, "peers", rep_load_item, r, err, errlen);
	free(path);
	return rc;
}

struct reputation *
reputation_open(const char *dir, char *err, size_t errlen)
{
	struct reputation *r;

	if ((r = calloc(1, sizeof(*r))) == NULL || (r->dir = strdup(dir)) == NULL) {
		snprintf(err, errlen, "out of memory");
		reputation_free(r);
		return NULL;
	}
	if (rep_load(r, err, errlen) != 0) {
		reputation_free(r);
		return NULL;
	}
	return r;
}

void
reputation_free(struct reputation *r)
{
	if (r == NULL)
		return;
	free(r->t);
	free(r->dir);
	free(r);
}

int
reputation_dirty(const struct reputation *r)
{
	return r->dirty;
}

int
reputation_save(struct reputation *r)
{
	struct evbuffer *b = evbuffer_new();
	char hex[TLS_SHA256_HEX];
	const struct rep *e;
	size_t i;
	int rc;

	if (b == NULL)
		return -1;
	evbuffer_add_printf(b, "{\"version\":1,\"peers\":[");
	for (i = 0; i < r->n; i++) {
		e = &r->t[i];
		evbuffer_add_printf(b, "%s\n{\"id\":\"%s\",\"agree\":%" PRIu64 ",\"dissent\":%" PRIu64
		    ",\"timeout\":%" PRIu64 ",\"pings\":%" PRIu64 ",\"ping_fail\":%" PRIu64
		    ",\"ping_ms\":%" PRIu32 ",\"response_ms\":%" PRIu32 ",\"hist_bad\":%" PRIu32
		    ",\"n_hist\":%u,\"last\":%" PRIu64 "}", i ? "," : "",
		    tls_hex(e->id, TLS_SHA256_LEN, hex), e->agree, e->dissent, e->timeout, e->pings,
		    e->ping_fail, e->ping_ms, e->response_ms, e->hist_bad, e->n_hist, e->last);
	}
	evbuffer_add_printf(b, "\n]}\n");
	if ((rc = statefile_write(r->dir, REPUTATION_FILE, b)) == 0)
		r->dirty = 0;
	evbuffer_free(b);
	return rc;
}
