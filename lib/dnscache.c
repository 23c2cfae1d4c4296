/* lib/dnscache.c - the answer cache: whole responses keyed by question, TTL-decayed, LRU. */
#include "autoconf.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "dnscache.h"
#include "hlru.h"
#include "vutil.h"

/*
 * One cached answer. The key is the answer's own question (lower-cased at store time),
 * so the name is held once: header + wire is all an entry costs (48 bytes plus the
 * message, which matters for a home router's memory).
 */
struct dnscache_entry {
	struct hlru_node node;		/* hash chain and LRU list (lib/hlru.h) */
	uint32_t stored;		/* seconds, on the cache's clock */
	uint32_t expire;
	uint16_t qtype;
	uint16_t len;			/* of wire */
	uint8_t qname_len;
	uint8_t bits;			/* DO and CD: they change what an answer holds */
	uint8_t negative;
	uint8_t verified;		/* corroborated: may be served stale (RFC 8767) */
	uint8_t prefetched;		/* a refresh was started for it (dnscache_prefetch_claim) */
	uint8_t wire[];
};

/* What dnscache_find looks for. */
struct dnscache_key {
	const uint8_t *name;
	size_t len;
	uint16_t qtype, qclass;
	uint8_t bits;
};

struct dnscache {
	struct dnscache_limits lim;
	struct hlru *table;
	uint64_t seed;			/* keyed hash: clients cannot aim at one chain */
	struct dnscache_stats st;	/* entries and bytes are the table's */
	uint8_t scratch[DNS_MAXMSG];
	/* dnscache_set_shared: several threads use it. Every call then holds mu, and a hit is
	 * copied out to the calling thread's buffer before mu is let go. */
	int shared;
	pthread_mutex_t mu;
};

#define DNSCACHE_BIT_DO 1
#define DNSCACHE_BIT_CD 2

#define DNSCACHE_E(n) HLRU_ENTRY(n, struct dnscache_entry, node)

static uint8_t
dnscache_bits(const struct dnsq *q)
{
	return (q->do_bit ? DNSCACHE_BIT_DO : 0) | ((q->flags & DNS_FLAG_CD) ? DNSCACHE_BIT_CD : 0);
}

static void
dnscache_key(struct dnscache_key *k, const struct dnsq *q)
{
	k->name = q->qname;
	k->len = q->qname_len;
	k->qtype = q->qtype;
	k->qclass = q->qclass;
	k->bits = dnscache_bits(q);
}

static uint32_t
dnscache_hash(const struct dnscache *c, const struct dnscache_key *k)
{
	uint64_t h = hlru_fnv(HLRU_FNV_INIT ^ c->seed, k->name, k->len);

	h = (h ^ k->qtype) * 0x100000001b3ull;
	h = (h ^ k->qclass) * 0x100000001b3ull;
	h = (h ^ k->bits) * 0x100000001b3ull;
	return hlru_fold(h);
}

static int
dnscache_same(void *arg, const struct hlru_node *n, const void *key)
{
	const struct dnscache_entry *e = HLRU_ENTRY(n, const struct dnscache_entry, node);
	const struct dnscache_key *k = key;
	const uint8_t *q = e->wire + DNS_HDRLEN;

	(void)arg;
	return e->qtype == k->qtype && e->bits == k->bits && e->qname_len == k->len &&
	    memcmp(q, k->name, k->len) == 0 && dnswire_get16(q + k->len + 2) == k->qclass;
}

static void
dnscache_drop(void *arg, struct hlru_node *n)
{
	(void)arg;
	free(DNSCACHE_E(n));
}

static size_t
dnscache_bucket_count(size_t max_entries)
{
	size_t n = 64;

	while (n < max_entries && n < ((size_t)1 << 30))
		n <<= 1;
	return n;
}

struct dnscache *
dnscache_new(const struct dnscache_limits *lim)
{
	struct dnscache *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->lim = *lim;
	c->table = hlru_new(dnscache_bucket_count(lim->max_entries), dnscache_same, dnscache_drop,
	    NULL);
	if (c->table == NULL) {
		free(c);
		return NULL;
	}
	hlru_set_bounds(c->table, lim->max_entries, HLRU_UNBOUNDED);
	random_buf(&c->seed, sizeof(c->seed));
	return c;
}

static void
dc_flush(struct dnscache *c)
{
	c->st.evictions += hlru_count(c->table);
	hlru_clear(c->table);
}

void
dnscache_free(struct dnscache *c)
{
	if (c == NULL)
		return;
	hlru_free(c->table);
	if (c->shared)
		pthread_mutex_destroy(&c->mu);
	free(c);
}

static void
dc_set_limits(struct dnscache *c, const struct dnscache_limits *lim)
{
	size_t nb = dnscache_bucket_count(lim->max_entries);

	c->lim = *lim;
	hlru_set_bounds(c->table, lim->max_entries, HLRU_UNBOUNDED);
	c->st.evictions += hlru_trim(c->table);
	/* On failure the old chains stay: only the load factor suffers. */
	if (nb != hlru_buckets(c->table))
		(void)hlru_resize(c->table, nb);
}

static struct dnscache_entry *
dnscache_find(struct dnscache *c, const struct dnsq *q)
{
	struct dnscache_key k;
	struct hlru_node *n;

	dnscache_key(&k, q);
	n = hlru_find(c->table, dnscache_hash(c, &k), &k);
	return n ? DNSCACHE_E(n) : NULL;
}

/* Fill hit from e at now (ttl left to the caller: live and stale hits differ). */
static void
dnscache_hit(const struct dnscache_entry *e, uint64_t now, struct dnscache_hit *hit)
{
	hit->wire = e->wire;
	hit->len = e->len;
	hit->age = (uint32_t)now - e->stored;
	hit->negative = e->negative;
}

/* Whether expired e may still be served stale at now. */
static int
dnscache_stale_ok(const struct dnscache *c, const struct dnscache_entry *e, uint64_t now)
{
	return e->verified && (uint64_t)e->expire + c->lim.stale_ttl > now;
}

static int
dc_lookup(struct dnscache *c, const struct dnsq *q, uint64_t now, struct dnscache_hit *hit)
{
	struct dnscache_entry *e = dnscache_find(c, q);

	if (e == NULL) {
		c->st.misses++;
		return 0;
	}
	if ((uint32_t)now >= e->expire) {
		/* A verified answer stays for serve-stale until its window closes (or LRU). */
		if (!dnscache_stale_ok(c, e, now)) {
			hlru_remove(c->table, &e->node);
			c->st.expired++;
		}
		c->st.misses++;
		return 0;
	}
	hlru_touch(c->table, &e->node);
	c->st.hits++;
	dnscache_hit(e, now, hit);
	hit->ttl = e->expire - (uint32_t)now;
	return 1;
}

static int
dc_lookup_stale(struct dnscache *c, const struct dnsq *q, uint64_t now,
    struct dnscache_hit *hit)
{
	struct dnscache_entry *e = dnscache_find(c, q);

	if (e == NULL || (uint32_t)now < e->expire || !dnscache_stale_ok(c, e, now))
		return 0;
	hlru_touch(c->table, &e->node);
	c->st.stale_hits++;
	dnscache_hit(e, now, hit);
	hit->ttl = 0;
	return 1;
}

static int
dc_has_stale(struct dnscache *c, const struct dnsq *q, uint64_t now)
{
	struct dnscache_entry *e = dnscache_find(c, q);

	return e != NULL && (uint32_t)now >= e->expire && dnscache_stale_ok(c, e, now);
}

/* The cache lifetime of an answer under the limits, or 0 when it must not be cached. */
static uint32_t
dnscache_ttl(const struct dnscache *c, const struct dnsresp *r, int *negative)
{
	uint32_t ttl;

	*negative = 0;
	if (r->tc)
		return 0;
	if (r->rcode == DNS_RCODE_NOERROR && r->ancount > 0)
		ttl = r->min_ttl < c->lim.max_ttl ? r->min_ttl : c->lim.max_ttl;
	else if (r->rcode == DNS_RCODE_NXDOMAIN || r->rcode == DNS_RCODE_NOERROR) {
		/* RFC 2308 section 5: without an SOA there is no negative TTL to use. */
		if (!r->has_soa)
			return 0;
		*negative = 1;
		ttl = r->neg_ttl < c->lim.neg_max_ttl ? r->neg_ttl : c->lim.neg_max_ttl;
	} else
		return 0;
	return ttl < c->lim.min_ttl ? c->lim.min_ttl : ttl;
}

/*
 * A new entry holding wire in the stored form (no OPT, the name as q has it, TTLs clamped
 * to what it is kept for: clients must not cache it longer); NULL on failure.
 */
static struct dnscache_entry *
dnscache_entry_new(struct dnscache *c, const struct dnsq *q, const uint8_t *wire, size_t len,
    int negative, uint32_t cap)
{
	struct dnscache_entry *e;
	uint32_t lo, hi;
	size_t slen;

	if ((slen = dnswire_strip_opt(wire, len, c->scratch, sizeof(c->scratch))) == 0)
		return NULL;
	if ((e = malloc(sizeof(*e) + slen)) == NULL)
		return NULL;
	memcpy(e->wire, c->scratch, slen);
	/* The key is the question as stored: lower-case it once here. */
	memcpy(e->wire + DNS_HDRLEN, q->qname, q->qname_len);
	lo = c->lim.min_ttl;
	hi = negative ? c->lim.neg_max_ttl : c->lim.max_ttl;
	if (cap && hi > cap)
		hi = cap;
	if (lo > hi)
		lo = hi;
	dnswire_clamp_ttls(e->wire, slen, lo, hi);
	e->len = (uint16_t)slen;
	e->qtype = q->qtype;
	e->qname_len = q->qname_len;
	e->bits = dnscache_bits(q);
	e->negative = (uint8_t)negative;
	e->verified = 0;
	e->prefetched = 0;
	return e;
}

/* dnscache_store's work. cap, when not 0, bounds the entry's lifetime and TTLs below the
 * limits (min_ttl included). */
static int
dnscache_insert(struct dnscache *c, const struct dnsq *q, const uint8_t *wire, size_t len,
    uint64_t now, uint32_t cap)
{
	struct dnsq rq;
	struct dnsresp r;
	struct dnscache_entry *e, *old;
	struct dnscache_key k;
	uint32_t ttl;
	int negative;

	if (c->lim.max_entries == 0)
		return 0;
	if (dnswire_parse_response(wire, len, &rq, &r) != 0 || !dnswire_same_question(q, &rq))
		return -1;
	if ((ttl = dnscache_ttl(c, &r, &negative)) == 0)
		return 0;
	if (cap && ttl > cap)
		ttl = cap;
	if ((e = dnscache_entry_new(c, q, wire, len, negative, cap)) == NULL)
		return -1;
	if ((old = dnscache_find(c, q)) != NULL)
		hlru_remove(c->table, &old->node);
	e->stored = (uint32_t)now;
	e->expire = (uint32_t)now + ttl;
	dnscache_key(&k, q);
	hlru_insert(c->table, &e->node, dnscache_hash(c, &k), (uint32_t)(sizeof(*e) + e->len));
	c->st.inserts++;
	c->st.evictions += hlru_trim(c->table);
	return 1;
}

static int
dc_store(struct dnscache *c, const struct dnsq *q, const uint8_t *wire, size_t len,
    uint64_t now)
{
	return dnscache_insert(c, q, wire, len, now, 0);
}

static int
dc_replace(struct dnscache *c, const struct dnsq *q, const uint8_t *wire, size_t len,
    uint64_t now, uint32_t max_ttl, int verified, struct dnscache_hit *hit)
{
	int rc = dnscache_insert(c, q, wire, len, now, max_ttl);
	/* Found again rather than trusted: the trim after the insert may have taken it. */
	struct dnscache_entry *e = dnscache_find(c, q);

	if (rc == 1 && e != NULL) {
		e->verified = verified != 0;
		dnscache_hit(e, e->stored, hit);
		hit->ttl = e->expire - e->stored;
		return 1;
	}
	/*
	 * Not kept: what the upstream said must not stay in its place. An expired verified
	 * answer is not the upstream's (an uncacheable SERVFAIL never replaced it): it stays,
	 * to be served stale because of that very failure.
	 */
	if (e && !((uint32_t)now >= e->expire && dnscache_stale_ok(c, e, now)))
		hlru_remove(c->table, &e->node);
	return rc < 0 ? -1 : 0;
}

static int
dc_prefetch_claim(struct dnscache *c, const struct dnsq *q, uint64_t now)
{
	struct dnscache_entry *e = dnscache_find(c, q);

	if (e == NULL || (uint32_t)now >= e->expire || e->prefetched)
		return 0;
	e->prefetched = 1;
	return 1;
}

static size_t
dc_remove(struct dnscache *c, const uint8_t *qname, size_t qname_len, uint16_t qtype)
{
	size_t n = 0;
	struct hlru_node *node = hlru_newest(c->table), *next;

	/* A control-socket operation: a full walk is fine and catches every type and bit. */
	for (; node; node = next) {
		struct dnscache_entry *e = DNSCACHE_E(node);
		next = hlru_older(c->table, node);
		if (e->qname_len == qname_len && memcmp(e->wire + DNS_HDRLEN, qname, qname_len) == 0 &&
		    (qtype == 0 || e->qtype == qtype)) {
			hlru_remove(c->table, node);
			n++;
		}
	}
	return n;
}

static void
dc_get_stats(const struct dnscache *c, struct dnscache_stats *st)
{
	*st = c->st;
	st->entries = hlru_count(c->table);
	st->bytes = hlru_bytes(c->table);
}

static size_t
dc_walk(const struct dnscache *c, uint64_t now,
    int (*cb)(void *arg, const struct dnscache_entry_info *e), void *arg)
{
	size_t n = 0;

	for (const struct hlru_node *nd = hlru_newest(c->table); nd; nd = hlru_older(c->table, nd)) {
		const struct dnscache_entry *e = HLRU_ENTRY(nd, const struct dnscache_entry, node);
		struct dnscache_entry_info info;
		const uint8_t *q = e->wire + DNS_HDRLEN;

		if ((uint32_t)now >= e->expire)
			continue;
		info.qname = q;
		info.qname_len = e->qname_len;
		info.qtype = e->qtype;
		info.qclass = dnswire_get16(q + e->qname_len + 2);
		info.do_bit = (e->bits & DNSCACHE_BIT_DO) != 0;
		info.cd_bit = (e->bits & DNSCACHE_BIT_CD) != 0;
		info.negative = e->negative;
		info.ttl = e->expire - (uint32_t)now;
		info.len = e->len;
		n++;
		if (cb(arg, &info) != 0)
			break;
	}
	return n;
}

/* ---- the public calls: one at a time when the cache is shared between threads ---- */

void
dnscache_set_shared(struct dnscache *c)
{
	if (c->shared)
		return;
	REQUIRE(pthread_mutex_init(&c->mu, NULL) == 0);
	c->shared = 1;
}

static void
dnscache_lock(const struct dnscache *c)
{
	if (c->shared)
		pthread_mutex_lock(&((struct dnscache *)c)->mu);
}

static void
dnscache_unlock(const struct dnscache *c)
{
	if (c->shared)
		pthread_mutex_unlock(&((struct dnscache *)c)->mu);
}

/*
 * A hit points into the entry; once the lock is let go another thread may replace it, so
 * a shared cache hands out a copy in this thread's buffer (one per kind of call: a caller
 * may hold a lookup's hit while it replaces). Valid until this thread's next such call.
 */
static void
dnscache_hit_out(const struct dnscache *c, struct dnscache_hit *hit, int slot)
{
	static _Thread_local uint8_t out[2][DNS_MAXMSG];

	if (!c->shared || hit->len > sizeof(out[slot]))
		return;
	memcpy(out[slot], hit->wire, hit->len);
	hit->wire = out[slot];
}

void
dnscache_flush(struct dnscache *c)
{
	dnscache_lock(c);
	dc_flush(c);
	dnscache_unlock(c);
}

void
dnscache_set_limits(struct dnscache *c, const struct dnscache_limits *lim)
{
	dnscache_lock(c);
	dc_set_limits(c, lim);
	dnscache_unlock(c);
}

int
dnscache_lookup(struct dnscache *c, const struct dnsq *q, uint64_t now, struct dnscache_hit *hit)
{
	int rc;

	dnscache_lock(c);
	if ((rc = dc_lookup(c, q, now, hit)) == 1)
		dnscache_hit_out(c, hit, 0);
	dnscache_unlock(c);
	return rc;
}

int
dnscache_lookup_stale(struct dnscache *c, const struct dnsq *q, uint64_t now,
    struct dnscache_hit *hit)
{
	int rc;

	dnscache_lock(c);
	if ((rc = dc_lookup_stale(c, q, now, hit)) == 1)
		dnscache_hit_out(c, hit, 0);
	dnscache_unlock(c);
	return rc;
}

int
dnscache_has_stale(struct dnscache *c, const struct dnsq *q, uint64_t now)
{
	int rc;

	dnscache_lock(c);
	rc = dc_has_stale(c, q, now);
	dnscache_unlock(c);
	return rc;
}

int
dnscache_store(struct dnscache *c, const struct dnsq *q, const uint8_t *wire, size_t len,
    uint64_t now)
{
	int rc;

	dnscache_lock(c);
	rc = dc_store(c, q, wire, len, now);
	dnscache_unlock(c);
	return rc;
}

int
dnscache_replace(struct dnscache *c, const struct dnsq *q, const uint8_t *wire, size_t len,
    uint64_t now, uint32_t max_ttl, int verified, struct dnscache_hit *hit)
{
	int rc;

	dnscache_lock(c);
	if ((rc = dc_replace(c, q, wire, len, now, max_ttl, verified, hit)) == 1)
		dnscache_hit_out(c, hit, 1);
	dnscache_unlock(c);
	return rc;
}

int
dnscache_prefetch_claim(struct dnscache *c, const struct dnsq *q, uint64_t now)
{
	int rc;

	dnscache_lock(c);
	rc = dc_prefetch_claim(c, q, now);
	dnscache_unlock(c);
	return rc;
}

size_t
dnscache_remove(struct dnscache *c, const uint8_t *qname, size_t qname_len, uint16_t qtype)
{
	size_t n;

	dnscache_lock(c);
	n = dc_remove(c, qname, qname_len, qtype);
	dnscache_unlock(c);
	return n;
}

void
dnscache_get_stats(const struct dnscache *c, struct dnscache_stats *st)
{
	dnscache_lock(c);
	dc_get_stats(c, st);
	dnscache_unlock(c);
}

size_t
dnscache_walk(const struct dnscache *c, uint64_t now,
    int (*cb)(void *arg, const struct dnscache_entry_info *e), void *arg)
{
	size_t n;

	dnscache_lock(c);
	n = dc_walk(c, now, cb, arg);
	dnscache_unlock(c);
	return n;
}
