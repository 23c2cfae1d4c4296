/* tests/replay/world.c - the scripted world: upstream, mirrors, answer cache, virtual clock. */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "world.h"

/* The clocks take no argument (as now_ms and wall_s): they read the one world. */
static struct world *world_current;

/* 2026-01-01T00:00:00Z: any fixed start does; wall-clock expiry counts from here. */
#define WORLD_EPOCH 1767225600

struct world *
world_new(struct event_base *base)
{
	struct world *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return NULL;
	w->base = base;
	w->mono_ms = 1000;
	w->wall_s = WORLD_EPOCH;
	TAILQ_INIT(&w->asked);
	TAILQ_INIT(&w->upstream);
	TAILQ_INIT(&w->probes);
	world_current = w;
	return w;
}

void
world_free(struct world *w)
{
	struct mirror_req *r;
	struct resolve_wait *rw;
	struct probe *p;

	if (w == NULL)
		return;
	while ((p = TAILQ_FIRST(&w->probes)) != NULL) {
		TAILQ_REMOVE(&w->probes, p, link);
		free(p);
	}
	while ((r = TAILQ_FIRST(&w->asked)) != NULL) {
		TAILQ_REMOVE(&w->asked, r, link);
		free(r);
	}
	while ((rw = TAILQ_FIRST(&w->upstream)) != NULL) {
		TAILQ_REMOVE(&w->upstream, rw, link);
		free(rw);
	}
	if (world_current == w)
		world_current = NULL;
	free(w);
}

struct mirror *
world_add_mirror(struct world *w, const char *name, const char *region)
{
	struct mirror *m;

	if (w->n_mirrors == WORLD_MAX_MIRRORS)
		return NULL;
	m = &w->mirrors[w->n_mirrors++];
	snprintf(m->name, sizeof(m->name), "%s", name);
	snprintf(m->region, sizeof(m->region), "%s", region);
	snprintf(m->id, sizeof(m->id), "ca-of-%s", name);
	return m;
}

struct mirror *
world_mirror(struct world *w, const char *name)
{
	for (size_t i = 0; i < w->n_mirrors; i++)
		if (strcmp(w->mirrors[i].name, name) == 0)
			return &w->mirrors[i];
	return NULL;
}

void
world_advance(struct world *w, uint64_t ms)
{
	w->mono_ms += ms;
	w->wall_s += ms / 1000;
}

static int
world_same_q(const struct dnsq *q, const uint8_t *qname, size_t qname_len, uint16_t qtype)
{
	return q->qtype == qtype && q->qname_len == qname_len &&
	    memcmp(q->qname, qname, qname_len) == 0;
}

struct mirror_req *
world_find_mirror_q(struct world *w, const struct mirror *m, const uint8_t *qname,
    size_t qname_len, uint16_t qtype)
{
	struct mirror_req *r;

	TAILQ_FOREACH(r, &w->asked, link)
		if (r->m == m && r->cb && world_same_q(&r->q, qname, qname_len, qtype))
			return r;
	return NULL;
}

void
world_answer_mirror(struct world *w, struct mirror_req *r, enum cons_transport t,
    const uint8_t *wire, size_t len)
{
	TAILQ_REMOVE(&w->asked, r, link);
	r->cb(r->arg, t, t == TRANSPORT_OK ? wire : NULL, t == TRANSPORT_OK ? len : 0);
	free(r);
}

struct resolve_wait *
world_find_upstream(struct world *w, const uint8_t *qname, size_t qname_len, uint16_t qtype)
{
	struct resolve_wait *rw;

	TAILQ_FOREACH(rw, &w->upstream, link)
		if (world_same_q(&rw->q, qname, qname_len, qtype))
			return rw;
	return NULL;
}

/* What else than the question keys an answer, as in lib/dnscache.c: the DO and CD bits. */
static uint8_t
world_bits(const struct dnsq *q)
{
	return (uint8_t)((q->do_bit ? 1 : 0) | ((q->flags & DNS_FLAG_CD) ? 2 : 0));
}

/* Whether e holds q's answer (live or not). */
static int
world_holds(const struct world_entry *e, const struct dnsq *q)
{
	return e->used && e->qtype == q->qtype && e->bits == world_bits(q) &&
	    e->qname_len == q->qname_len && memcmp(e->qname, q->qname, q->qname_len) == 0;
}

/* The cache slot for q: its own, else a free one, else the first. */
static struct world_entry *
world_slot(struct world *w, const struct dnsq *q)
{
	struct world_entry *free_slot = NULL;

	for (size_t i = 0; i < WORLD_MAX_CACHE; i++) {
		struct world_entry *e = &w->cache[i];
		if (world_holds(e, q))
			return e;
		if (!e->used && free_slot == NULL)
			free_slot = e;
	}
	return free_slot ? free_slot : &w->cache[0];
}

static void
world_cache_put(struct world *w, const struct dnsq *q, const uint8_t *wire, size_t len,
    uint32_t ttl, int verified)
{
	struct world_entry *e = world_slot(w, q);

	if (len > sizeof(e->wire))
		return;
	memcpy(e->qname, q->qname, q->qname_len);
	e->qname_len = q->qname_len;
	e->qtype = q->qtype;
	e->bits = world_bits(q);
	memcpy(e->wire, wire, len);
	e->len = len;
	e->stored_s = w->wall_s;
	e->ttl = ttl;
	e->used = 1;
	e->verified = verified;
	e->prefetched = 0;
}

void
world_answer_upstream(struct world *w, struct resolve_wait *rw, enum upstream_status st,
    const uint8_t *wire, size_t len, uint32_t ttl)
{
	struct resolve_result res = { .status = st, .wire = wire, .len = len, .ttl = ttl };

	TAILQ_REMOVE(&w->upstream, rw, link);
	if (st == UPSTREAM_OK && !rw->nostore)
		world_cache_put(w, &rw->q, wire, len, ttl, 0);
	rw->cb(rw->arg, &res);
	free(rw);
}

int
world_cache_lookup(struct world *w, const struct dnsq *q, struct resolve_result *res)
{
	struct world_entry *e = world_slot(w, q);

	if (!world_holds(e, q) || w->wall_s - e->stored_s >= e->ttl)
		return 0;
	memset(res, 0, sizeof(*res));
	res->status = UPSTREAM_OK;
	res->wire = e->wire;
	res->len = e->len;
	res->age = (uint32_t)(w->wall_s - e->stored_s);
	res->ttl = e->ttl - res->age;
	res->from_cache = 1;
	return 1;
}

int
world_cache_prefetch_claim(struct world *w, const struct dnsq *q)
{
	struct world_entry *e = world_slot(w, q);

	if (!world_holds(e, q) || w->wall_s - e->stored_s >= e->ttl || e->prefetched)
		return 0;
	e->prefetched = 1;
	return 1;
}

int
world_cache_stale(struct world *w, const struct dnsq *q, uint64_t window_s,
    struct resolve_result *res)
{
	struct world_entry *e = world_slot(w, q);
	uint64_t age = w->wall_s - e->stored_s;

	if (!world_holds(e, q) || !e->verified || age < e->ttl || age - e->ttl >= window_s)
		return 0;
	memset(res, 0, sizeof(*res));
	res->status = UPSTREAM_OK;
	res->wire = e->wire;
	res->len = e->len;
	res->age = (uint32_t)age;
	res->from_cache = 1;
	return 1;
}

size_t
world_build(const uint8_t *qname, size_t qname_len, uint16_t qtype, int rcode,
    const uint8_t *const *rd, const size_t *rdlen, size_t n, uint32_t ttl, uint8_t *out,
    size_t cap)
{
	size_t o = DNS_HDRLEN;

	if (cap < DNS_HDRLEN + qname_len + 4)
		return 0;
	memset(out, 0, DNS_HDRLEN);
	dnswire_put16(out + 2, (uint16_t)(DNS_FLAG_QR | DNS_FLAG_RD | DNS_FLAG_RA | rcode));
	dnswire_put16(out + 4, 1);
	dnswire_put16(out + 6, (uint16_t)n);
	memcpy(out + o, qname, qname_len);
	o += qname_len;
	dnswire_put16(out + o, qtype);
	dnswire_put16(out + o + 2, DNS_CLASS_IN);
	o += 4;
	for (size_t i = 0; i < n; i++) {
		if (o + 12 + rdlen[i] > cap)
			return 0;
		dnswire_put16(out + o, 0xc00c); /* the question's name */
		dnswire_put16(out + o + 2, qtype);
		dnswire_put16(out + o + 4, DNS_CLASS_IN);
		dnswire_put16(out + o + 6, (uint16_t)(ttl >> 16));
		dnswire_put16(out + o + 8, (uint16_t)ttl);
		dnswire_put16(out + o + 10, (uint16_t)rdlen[i]);
		memcpy(out + o + 12, rd[i], rdlen[i]);
		o += 12 + rdlen[i];
	}
	return o;
}

/* ---- the services, as check_env.h's operation tables ---- */

static int
world_configured(void *svc)
{
	return ((struct world *)svc)->n_mirrors > 0;
}

/* The first k mirrors in their order: selection is mirror_set.c's, not under test here. */
static size_t
world_select(void *svc, const uint8_t *qname, size_t qname_len, size_t k, struct mirror **out)
{
	struct world *w = svc;
	size_t n = 0;

	(void)qname;
	(void)qname_len;
	for (size_t i = 0; i < w->n_mirrors && n < k; i++)
		out[n++] = &w->mirrors[i];
	return n;
}

static struct mirror_req *
world_queue(struct mirror *m, void *arg)
{
	struct world *w = world_current;
	struct mirror_req *r;

	if (w == NULL || m->down || (r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->m = m;
	r->arg = arg;
	m->asked++;
	w->n_mirrors_asked++;
	TAILQ_INSERT_TAIL(&w->asked, r, link);
	return r;
}

static struct mirror_req *
world_mirror_query(struct mirror *m, const struct dnsq *q, uint32_t timeout_ms,
    check_mirror_cb cb, void *arg)
{
	struct mirror_req *r = world_queue(m, arg);

	(void)timeout_ms; /* the scenario says when a mirror times out */
	if (r != NULL) {
		r->q = *q;
		r->cb = cb;
	}
	return r;
}

static struct mirror_req *
world_mirror_get(struct mirror *m, const char *target, uint32_t timeout_ms, check_body_cb cb,
    void *arg)
{
	struct mirror_req *r = world_queue(m, arg);

	(void)timeout_ms;
	if (r != NULL) {
		snprintf(r->target, sizeof(r->target), "%s", target);
		r->body_cb = cb;
	}
	return r;
}

static void
world_mirror_cancel(struct mirror_req *r)
{
	if (r == NULL || world_current == NULL)
		return;
	TAILQ_REMOVE(&world_current->asked, r, link);
	free(r);
}

static int
world_send_report(struct mirror *m, const char *json, size_t len)
{
	(void)json;
	(void)len;
	m->reports++;
	return 0;
}

static const char *
world_mirror_name(const struct mirror *m)
{
	return m->name;
}

static const char *
world_mirror_region(const struct mirror *m)
{
	return m->region;
}

static const char *
world_mirror_id(const struct mirror *m)
{
	return m->id;
}

static int
world_mirror_usable(const struct mirror *m)
{
	return !m->down;
}

static void
world_note_evidence(struct mirror *m, enum cons_evidence e)
{
	if (e == EVIDENCE_CORROBORATES)
		m->agreements++;
	else if (e == EVIDENCE_DISSENTS)
		m->dissents++;
}

const struct check_mirror_ops world_mirror_ops = {
	.configured = world_configured,
	.select = world_select,
	.query = world_mirror_query,
	.get = world_mirror_get,
	.cancel = world_mirror_cancel,
	.send_report = world_send_report,
	.name = world_mirror_name,
	.region = world_mirror_region,
	.id_hex = world_mirror_id,
	.usable = world_mirror_usable,
	.note_evidence = world_note_evidence,
};

static struct resolve_wait *
world_resolve(void *svc, const struct dnsq *q, resolve_cb cb, void *arg)
{
	struct world *w = svc;
	struct resolve_wait *rw = calloc(1, sizeof(*rw));

	if (rw == NULL)
		return NULL;
	rw->q = *q;
	rw->cb = cb;
	rw->arg = arg;
	w->n_upstream_asked++;
	TAILQ_INSERT_TAIL(&w->upstream, rw, link);
	return rw;
}

/* resolve_refresh's: the answer does not join the cache. */
static struct resolve_wait *
world_refresh(void *svc, const struct dnsq *q, resolve_cb cb, void *arg)
{
	struct resolve_wait *rw = world_resolve(svc, q, cb, arg);

	if (rw != NULL)
		rw->nostore = 1;
	return rw;
}

static void
world_resolve_cancel(struct resolve_wait *rw)
{
	if (rw == NULL || world_current == NULL)
		return;
	TAILQ_REMOVE(&world_current->upstream, rw, link);
	free(rw);
}

/* The built message takes the upstream answer's place, as resolve_replace does. */
static int
world_replace(void *svc, const struct dnsq *q, const uint8_t *wire, size_t len, uint32_t cap,
    int verified, struct resolve_result *kept)
{
	struct world *w = svc;
	struct world_entry *e;
	struct dnsq rq;
	struct dnsresp r;
	uint64_t age;
	uint32_t ttl;

	e = world_slot(w, q);
	age = w->wall_s - e->stored_s;
	/* Its upstream answer's remaining TTL (300 s when there was none in the cache). */
	ttl = e->used && age < e->ttl ? e->ttl - (uint32_t)age : 300;
	/* A re-verification's answer never was in the cache (resolve_refresh): the message's
	 * own TTL then, as lib/dnscache.c reads it, not what the old entry has left. */
	if (world_holds(e, q) && e->verified && dnswire_parse_response(wire, len, &rq, &r) == 0 &&
	    r.ancount > 0)
		ttl = r.min_ttl;
	if (cap && cap < ttl)
		ttl = cap;
	world_cache_put(w, q, wire, len, ttl, verified);
	e = world_slot(w, q);
	memset(kept, 0, sizeof(*kept));
	kept->status = UPSTREAM_OK;
	kept->wire = e->wire;
	kept->len = e->len;
	kept->ttl = ttl;
	return 1;
}

const struct check_upstream_ops world_upstream_ops = {
	.start = world_resolve,
	.refresh = world_refresh,
	.cancel = world_resolve_cancel,
	.replace = world_replace,
};

static uint64_t
world_now_ms(void)
{
	return world_current ? world_current->mono_ms : 0;
}

static uint64_t
world_wall_s(void)
{
	return world_current ? world_current->wall_s : 0;
}

const struct check_clock world_clock = { .now_ms = world_now_ms, .wall_s = world_wall_s };

/* ---- the probes ---- */

static struct probe *
world_probe_queue(void *svc, const struct netaddr *addr, const char *name, size_t n_cas,
    probe_cb cb, void *arg)
{
	struct world *w = svc;
	struct probe *p = calloc(1, sizeof(*p));
	char buf[NETADDR_STRLEN];

	if (p == NULL)
		return NULL;
	/* "127.193.215.14:443" or "[::ffff:127.193.215.14]:443": the address alone. (IPv6 in
	 * the stories is IPv4-mapped loopback: answers hand out nothing but 127/8.) */
	netaddr_str(addr, buf, sizeof(buf));
	if (buf[0] == '[')
		snprintf(p->addr, sizeof(p->addr), "%.*s", (int)strcspn(buf + 1, "]"), buf + 1);
	else
		snprintf(p->addr, sizeof(p->addr), "%.*s", (int)strcspn(buf, ":"), buf);
	snprintf(p->name, sizeof(p->name), "%s", name);
	p->n_cas = n_cas;
	p->cb = cb;
	p->arg = arg;
	TAILQ_INSERT_TAIL(&w->probes, p, link);
	return p;
}

static struct probe *
world_probe_start(void *svc, const struct netaddr *addr, uint16_t port, const char *name,
    const struct probe_ca *cas, size_t n_cas, uint32_t timeout_ms, probe_cb cb, void *arg,
    enum probe_result *why)
{
	(void)port;
	(void)cas;
	(void)timeout_ms;
	(void)why;
	return world_probe_queue(svc, addr, name, n_cas, cb, arg);
}

static struct probe *
world_probe_webpki(void *svc, const struct netaddr *addr, uint16_t port, const char *name,
    struct tls_store *st, uint32_t timeout_ms, probe_cb cb, void *arg, enum probe_result *why)
{
	(void)port;
	(void)st;
	(void)timeout_ms;
	(void)why;
	return world_probe_queue(svc, addr, name, 0, cb, arg);
}

static void
world_probe_cancel(struct probe *p)
{
	if (p == NULL || world_current == NULL)
		return;
	TAILQ_REMOVE(&world_current->probes, p, link);
	free(p);
}

const struct check_probe_ops world_probe_ops = {
	.start = world_probe_start,
	.start_webpki = world_probe_webpki,
	.cancel = world_probe_cancel,
};

struct probe *
world_find_probe(struct world *w, const char *addr)
{
	struct probe *p;

	TAILQ_FOREACH(p, &w->probes, link)
		if (strcmp(p->addr, addr) == 0)
			return p;
	return NULL;
}

void
world_answer_probe(struct world *w, struct probe *p, enum probe_result r)
{
	struct probe_outcome o;

	memset(&o, 0, sizeof(o));
	o.result = r;
	o.matched = r == PROBE_OK && p->n_cas > 0 ? 0 : -1;
	o.detail = "scripted";
	TAILQ_REMOVE(&w->probes, p, link);
	p->cb(p->arg, &o);
	free(p);
}
