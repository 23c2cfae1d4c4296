/* lib/resolve.c - answer a question from the cache or through the upstreams, coalesced. */
#include "autoconf.h"

#include <stdlib.h>
#include <string.h>

#include "coalesce.h"
#include "resolve.h"
#include "vutil.h"

/* In-flight table size; a power of two. Chains stay short at thousands of misses. */
#define RESOLVE_BUCKETS 1024

struct resolve_wait {
	struct coalesce_wait cw;	/* on its question's list of waiters */
	resolve_cb cb;
	void *arg;
};

/* One question on its way upstream, and everyone waiting for it. */
struct resolve_pending {
	struct coalesce_job job;	/* in r->inflight, with the waiters */
	struct resolve *r;
	struct upstream_req *ureq;
	struct upstream_set *set;	/* the set it was sent through */
	struct dnsq q;
	uint8_t nostore;		/* a re-verification: its answer stays out of the cache */
	uint8_t prefetch;		/* a plain prefetch (counted in r->prefetching) */
};

#define RESOLVE_W(cwp) COALESCE_ENTRY(cwp, struct resolve_wait, cw)
#define RESOLVE_P(jobp) COALESCE_ENTRY(jobp, struct resolve_pending, job)

static int resolve_same(const struct coalesce_job *job, const void *key);

/* A forward zone and its resolvers. */
struct resolve_fwd {
	uint8_t zone[DNS_MAXNAME];
	size_t len;
	struct upstream_set *ups;
};

struct resolve {
	struct event_base *base;
	struct dnscache *cache;
	int cache_owned;			/* else another resolve's (share_cache_of) */
	struct upstream_set *ups;
	struct resolve_fwd fwd[RESOLVE_MAX_FORWARDS];
	size_t n_fwd;
	/* Old sets finishing their questions: a reload retires the upstreams and every
	 * forward zone's set. */
	struct upstream_set *retired[4 * (RESOLVE_MAX_FORWARDS + 1)];
	struct coalesce *inflight;		/* questions upstream, by (question, DO, CD) */
	uint64_t seed;				/* keys the in-flight chains (resolve_hash) */
	uint64_t t0;				/* origin of the cache's seconds clock */
	struct dnscache_limits lim;		/* also bounds the TTLs of uncached answers */
	struct resolve_stats st;
	size_t prefetching;			/* plain prefetches under way */
};

static uint64_t
resolve_now(const struct resolve *r)
{
	/* Seconds from start; +1 so that "stored at 0" never looks like "unset". */
	return (now_ms() - r->t0) / 1000 + 1;
}

/* The forward zones of cfg, each with its own set, into fwd (*n of them); 0 or -1. */
static int
resolve_forwards_new(struct resolve *r, const struct resolve_config *cfg,
    struct resolve_fwd fwd[RESOLVE_MAX_FORWARDS], size_t *n)
{
	*n = 0;
	for (size_t i = 0; i < cfg->n_forwards && i < RESOLVE_MAX_FORWARDS; i++) {
		const struct resolve_forward *f = &cfg->forwards[i];
		if (f->zone_len > sizeof(fwd[i].zone))
			return -1;
		memcpy(fwd[i].zone, f->zone, f->zone_len);
		fwd[i].len = f->zone_len;
		if ((fwd[i].ups = upstream_set_new(r->base, f->to, f->n_to, cfg->timeout_ms)) ==
		    NULL) {
			while (i-- > 0)
				upstream_set_free(fwd[i].ups);
			return -1;
		}
		*n = i + 1;
	}
	return 0;
}

/* The set a question goes through: its longest forward zone's, else the upstreams. */
static struct upstream_set *
resolve_set_for(struct resolve *r, const struct dnsq *q)
{
	struct upstream_set *set = r->ups;
	size_t best = 0;

	for (size_t i = 0; i < r->n_fwd; i++)
		if (r->fwd[i].len > best &&
		    dnswire_name_is_sub(q->qname, q->qname_len, r->fwd[i].zone, r->fwd[i].len)) {
			set = r->fwd[i].ups;
			best = r->fwd[i].len;
		}
	return set;
}

struct resolve *
resolve_new(struct event_base *base, const struct resolve_config *cfg)
{
	struct resolve *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return NULL;
	r->base = base;
	r->t0 = cfg->share_cache_of ? cfg->share_cache_of->t0 : now_ms();
	r->lim = cfg->cache;
	r->cache_owned = cfg->share_cache_of == NULL;
	r->cache = r->cache_owned ? dnscache_new(&cfg->cache) : cfg->share_cache_of->cache;
	r->inflight = coalesce_new(RESOLVE_BUCKETS, resolve_same);
	random_buf(&r->seed, sizeof(r->seed));
	r->ups = upstream_set_new(base, cfg->upstreams, cfg->n_upstreams, cfg->timeout_ms);
	if (r->cache == NULL || r->inflight == NULL || r->ups == NULL ||
	    resolve_forwards_new(r, cfg, r->fwd, &r->n_fwd) != 0) {
		resolve_free(r);
		return NULL;
	}
	return r;
}

static void
resolve_pending_free(struct resolve_pending *p)
{
	struct coalesce_wait *cw;

	while ((cw = coalesce_pop(&p->job)) != NULL)
		free(RESOLVE_W(cw));
	free(p);
}

void
resolve_free(struct resolve *r)
{
	if (r == NULL)
		return;
	for (struct coalesce_job *job; r->inflight && (job = coalesce_oldest(r->inflight));) {
		struct resolve_pending *p = RESOLVE_P(job);
		coalesce_remove(r->inflight, job);
		upstream_cancel(p->ureq);
		r->prefetching -= p->prefetch;
		resolve_pending_free(p);
		r->st.in_flight--;
	}
	coalesce_free(r->inflight);
	for (size_t i = 0; i < NELEMS(r->retired); i++)
		upstream_set_free(r->retired[i]);
	for (size_t i = 0; i < r->n_fwd; i++)
		upstream_set_free(r->fwd[i].ups);
	upstream_set_free(r->ups);
	if (r->cache_owned)
		dnscache_free(r->cache);
	free(r);
}

static void
resolve_reap(struct resolve *r)
{
	for (size_t i = 0; i < NELEMS(r->retired); i++)
		if (r->retired[i] && !upstream_set_busy(r->retired[i])) {
			upstream_set_free(r->retired[i]);
			r->retired[i] = NULL;
		}
}

/* Put set among the retired ones (a free slot is known to exist). */
static void
resolve_retire(struct resolve *r, struct upstream_set *set)
{
	for (size_t i = 0; i < NELEMS(r->retired); i++)
		if (r->retired[i] == NULL) {
			r->retired[i] = set;
			return;
		}
	upstream_set_free(set); /* not reached: the caller counted the slots */
}

int
resolve_can_reconfigure(struct resolve *r)
{
	size_t free_slots = 0;

	resolve_reap(r);
	for (size_t i = 0; i < NELEMS(r->retired); i++)
		free_slots += r->retired[i] == NULL;
	return free_slots >= 1 + r->n_fwd;
}

int
resolve_reconfigure(struct resolve *r, const struct resolve_config *cfg)
{
	struct resolve_fwd fwd[RESOLVE_MAX_FORWARDS];
	struct upstream_set *set;
	size_t n_fwd;

	if (!resolve_can_reconfigure(r))
		return -1; /* reloads faster than questions finish: try again later */
	set = upstream_set_new(r->base, cfg->upstreams, cfg->n_upstreams, cfg->timeout_ms);
	if (set == NULL)
		return -1;
	if (resolve_forwards_new(r, cfg, fwd, &n_fwd) != 0) {
		upstream_set_free(set);
		return -1;
	}
	upstream_set_adopt(set, r->ups);
	for (size_t i = 0; i < n_fwd; i++)
		for (size_t j = 0; j < r->n_fwd; j++)
			if (fwd[i].len == r->fwd[j].len &&
			    memcmp(fwd[i].zone, r->fwd[j].zone, fwd[i].len) == 0)
				upstream_set_adopt(fwd[i].ups, r->fwd[j].ups);
	resolve_retire(r, r->ups);
	for (size_t j = 0; j < r->n_fwd; j++)
		resolve_retire(r, r->fwd[j].ups);
	r->ups = set;
	memcpy(r->fwd, fwd, sizeof(fwd));
	r->n_fwd = n_fwd;
	dnscache_set_limits(r->cache, &cfg->cache);
	r->lim = cfg->cache;
	resolve_reap(r);
	return 0;
}

int
resolve_lookup(struct resolve *r, const struct dnsq *q, struct resolve_result *res)
{
	struct dnscache_hit hit;

	r->st.lookups++;
	if (!dnscache_lookup(r->cache, q, resolve_now(r), &hit))
		return 0;
	r->st.hits++;
	res->status = UPSTREAM_OK;
	res->wire = hit.wire;
	res->len = hit.len;
	res->age = hit.age;
	res->ttl = hit.ttl;
	res->from_cache = 1;
	return 1;
}

int
resolve_has_stale(struct resolve *r, const struct dnsq *q)
{
	return dnscache_has_stale(r->cache, q, resolve_now(r));
}

int
resolve_lookup_stale(struct resolve *r, const struct dnsq *q, struct resolve_result *res)
{
	struct dnscache_hit hit;

	if (!dnscache_lookup_stale(r->cache, q, resolve_now(r), &hit))
		return 0;
	res->status = UPSTREAM_OK;
	res->wire = hit.wire;
	res->len = hit.len;
	res->age = hit.age;
	res->ttl = 0;
	res->from_cache = 1;
	return 1;
}

int
resolve_replace(struct resolve *r, const struct dnsq *q, const uint8_t *wire, size_t len,
    uint32_t max_ttl, int verified, struct resolve_result *res)
{
	struct dnscache_hit hit;
	int rc = dnscache_replace(r->cache, q, wire, len, resolve_now(r), max_ttl, verified, &hit);

	if (rc != 1)
		return rc;
	res->status = UPSTREAM_OK;
	res->wire = hit.wire;
	res->len = hit.len;
	res->age = 0;
	res->ttl = hit.ttl;
	res->from_cache = 1;
	return 1;
}

/*
 * The in-flight chain of q, keyed by this instance's random seed (hlru_fold): questions are
 * a client's choice and their number is not capped, so they must not be aimable at one
 * chain (the unkeyed FNV-1a this was let them).
 */
static uint32_t
resolve_hash(const struct resolve *r, const struct dnsq *q)
{
	uint8_t bits = (uint8_t)(q->do_bit | ((q->flags & DNS_FLAG_CD) ? 2 : 0));
	uint64_t h = hlru_fnv(HLRU_FNV_INIT ^ r->seed, q->qname, q->qname_len);

	h = hlru_fnv(h, &q->qtype, sizeof(q->qtype));
	h = hlru_fnv(h, &bits, sizeof(bits));
	h = hlru_fnv(h, &q->qclass, sizeof(q->qclass));
	return hlru_fold(h);
}

/* Whether job asks key (a struct dnsq): the same question with the same DO and CD bits. */
static int
resolve_same(const struct coalesce_job *job, const void *key)
{
	const struct dnsq *a = &COALESCE_ENTRY(job, const struct resolve_pending, job)->q;
	const struct dnsq *b = key;

	return dnswire_same_question(a, b) && a->do_bit == b->do_bit &&
	    (a->flags & DNS_FLAG_CD) == (b->flags & DNS_FLAG_CD);
}

static void
resolve_upstream_cb(void *arg, enum upstream_status status, const uint8_t *wire, size_t len)
{
	struct resolve_pending *p = arg;
	struct resolve *r = p->r;
	struct resolve_result res = { .status = status };
	uint8_t *stored = NULL;

	p->ureq = NULL;
	coalesce_remove(r->inflight, &p->job);
	r->st.in_flight--;
	r->prefetching -= p->prefetch;
	if (status == UPSTREAM_OK) {
		struct dnsq rq;
		struct dnsresp info;

		if (!p->nostore && dnscache_store(r->cache, &p->q, wire, len, resolve_now(r)) < 0)
			log_debug(LOG_G_CACHE, "answer not stored");
		/* Waiters get the stored form (no OPT), even when it was not cacheable. */
		if ((stored = malloc(len)) != NULL &&
		    (res.len = dnswire_strip_opt(wire, len, stored, len)) > 0 &&
		    dnswire_parse_response(stored, res.len, &rq, &info) == 0) {
			int negative = info.rcode == DNS_RCODE_NXDOMAIN || info.ancount == 0;
			uint32_t max = negative ? r->lim.neg_max_ttl : r->lim.max_ttl;
			/* The first client gets the TTLs every later one will: bounded alike. */
			dnswire_clamp_ttls(stored, res.len, r->lim.min_ttl, max);
			res.wire = stored;
			res.ttl = negative ? info.neg_ttl : info.min_ttl;
			if (res.ttl > max)
				res.ttl = max;
		} else
			res.status = UPSTREAM_ERROR;
	}
	if (res.status != UPSTREAM_OK)
		r->st.failures++;
	/* One at a time: a callback may cancel other waiters of p. */
	for (struct coalesce_wait *cw; (cw = coalesce_pop(&p->job)) != NULL;) {
		struct resolve_wait *w = RESOLVE_W(cw);
		w->cb(w->arg, &res);
		free(w);
	}
	free(stored);
	free(p);
	resolve_reap(r);
}

/* q's question in flight (*h its chain), or a new one sent upstream; NULL on failure. */
static struct resolve_pending *
resolve_pending_get(struct resolve *r, const struct dnsq *q, uint32_t h, int nostore)
{
	struct coalesce_job *job = coalesce_find(r->inflight, h, q);
	struct resolve_pending *p;

	if (job != NULL) {
		r->st.coalesced++;
		return RESOLVE_P(job);
	}
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->r = r;
	p->q = *q;
	p->nostore = (uint8_t)(nostore != 0);
	p->set = resolve_set_for(r, q);
	if ((p->ureq = upstream_query(p->set, q, resolve_upstream_cb, p)) == NULL) {
		free(p);
		return NULL;
	}
	coalesce_add(r->inflight, &p->job, h);
	r->st.forwarded++;
	r->st.in_flight++;
	return p;
}

/* resolve_start and resolve_refresh: nostore keeps a new question's answer out of the cache. */
static struct resolve_wait *
resolve_join(struct resolve *r, const struct dnsq *q, resolve_cb cb, void *arg, int nostore)
{
	struct resolve_pending *p;
	struct resolve_wait *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return NULL;
	w->cb = cb;
	w->arg = arg;
	if ((p = resolve_pending_get(r, q, resolve_hash(r, q), nostore)) == NULL) {
		free(w);
		return NULL;
	}
	coalesce_join(&p->job, &w->cw);
	return w;
}

struct resolve_wait *
resolve_start(struct resolve *r, const struct dnsq *q, resolve_cb cb, void *arg)
{
	return resolve_join(r, q, cb, arg, 0);
}

struct resolve_wait *
resolve_refresh(struct resolve *r, const struct dnsq *q, resolve_cb cb, void *arg)
{
	return resolve_join(r, q, cb, arg, 1);
}

int
resolve_prefetch_claim(struct resolve *r, const struct dnsq *q)
{
	return dnscache_prefetch_claim(r->cache, q, resolve_now(r));
}

int
resolve_prefetch(struct resolve *r, const struct dnsq *q)
{
	uint32_t h = resolve_hash(r, q);
	struct resolve_pending *p;

	if (coalesce_find(r->inflight, h, q) != NULL)
		return 0; /* asked already: its answer will fill the cache */
	if (r->prefetching >= RESOLVE_PREFETCH_MAX)
		return -1;
	/* No waiter: the answer fills the cache, as a question whose client left (resolve_cancel). */
	if ((p = resolve_pending_get(r, q, h, 0)) == NULL)
		return -1;
	p->prefetch = 1;
	r->prefetching++;
	return 1;
}

void
resolve_cancel(struct resolve_wait *w)
{
	if (w == NULL)
		return;
	coalesce_leave(&w->cw);
	free(w);
	/*
	 * The question stays in flight even with nobody waiting: its answer fills the cache,
	 * and the client that left will most likely ask again.
	 */
}

void
resolve_abandon(struct resolve_wait *w)
{
	struct resolve_pending *p;
	struct resolve *r;

	if (w == NULL)
		return;
	p = RESOLVE_P(w->cw.job);
	r = p->r;
	resolve_cancel(w);
	/* ureq is NULL while its answer is being handed out: resolve_upstream_cb frees p. */
	if (coalesce_waiting(&p->job) || p->ureq == NULL)
		return;
	upstream_cancel(p->ureq);
	coalesce_remove(r->inflight, &p->job);
	r->st.in_flight--;
	r->prefetching -= p->prefetch;
	free(p);
	resolve_reap(r);
}

size_t
resolve_in_flight(const struct resolve *r)
{
	return r->st.in_flight;
}

size_t
resolve_chain_max(const struct resolve *r)
{
	return coalesce_chain_max(r->inflight);
}

uint64_t
resolve_clock(const struct resolve *r)
{
	return resolve_now(r);
}

struct dnscache *
resolve_cache(struct resolve *r)
{
	return r->cache;
}

struct upstream_set *
resolve_upstreams(struct resolve *r)
{
	return r->ups;
}

void
resolve_get_stats(const struct resolve *r, struct resolve_stats *st)
{
	*st = r->st;
}
