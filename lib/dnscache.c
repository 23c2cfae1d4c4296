/* lib/dnscache.c - the answer cache: whole responses keyed by question, TTL-decayed, LRU. */
#include "autoconf.h"

#include <stdlib.h>
#include <string.h>

#include "dnscache.h"
#include "vutil.h"

/*
 * One cached answer. The key is the answer's own question (lower-cased at store time),
 * so the name is held once: header + wire is all an entry costs (about 60 bytes plus the
 * message, which matters for a home router's memory).
 */
struct dnscache_entry {
	struct dnscache_entry *hnext;	/* hash chain */
	struct dnscache_entry *prev;	/* LRU list, most recent first */
	struct dnscache_entry *next;
	uint32_t hash;
	uint32_t stored;		/* seconds, on the cache's clock */
	uint32_t expire;
	uint16_t qtype;
	uint16_t len;			/* of wire */
	uint8_t qname_len;
	uint8_t bits;			/* DO and CD: they change what an answer holds */
	uint8_t negative;
	uint8_t verified;		/* corroborated: may be served stale (RFC 8767) */
	uint8_t wire[];
};

struct dnscache {
	struct dnscache_limits lim;
	struct dnscache_entry **buckets;
	size_t nbuckets;		/* a power of two */
	struct dnscache_entry *head, *tail;
	uint64_t seed;			/* keyed hash: clients cannot aim at one chain */
	struct dnscache_stats st;
	uint8_t scratch[DNS_MAXMSG];
};

#define DNSCACHE_BIT_DO 1
#define DNSCACHE_BIT_CD 2

static uint8_t
dnscache_bits(const struct dnsq *q)
{
	return (q->do_bit ? DNSCACHE_BIT_DO : 0) | ((q->flags & DNS_FLAG_CD) ? DNSCACHE_BIT_CD : 0);
}

static uint32_t
dnscache_hash(const struct dnscache *c, const uint8_t *name, size_t len, uint16_t qtype,
    uint16_t qclass, uint8_t bits)
{
	uint64_t h = 0xcbf29ce484222325ull ^ c->seed;

	for (size_t i = 0; i < len; i++)
		h = (h ^ name[i]) * 0x100000001b3ull;
	h = (h ^ qtype) * 0x100000001b3ull;
	h = (h ^ qclass) * 0x100000001b3ull;
	h = (h ^ bits) * 0x100000001b3ull;
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 32;
	return (uint32_t)h;
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
	c->nbuckets = dnscache_bucket_count(lim->max_entries);
	if ((c->buckets = calloc(c->nbuckets, sizeof(*c->buckets))) == NULL) {
		free(c);
		return NULL;
	}
	random_buf(&c->seed, sizeof(c->seed));
	return c;
}

static void
dnscache_unlink(struct dnscache *c, struct dnscache_entry *e)
{
	struct dnscache_entry **pp = &c->buckets[e->hash & (c->nbuckets - 1)];

	while (*pp && *pp != e)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = e->hnext;
	if (e->prev)
		e->prev->next = e->next;
	else
		c->head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		c->tail = e->prev;
	c->st.entries--;
	c->st.bytes -= sizeof(*e) + e->len;
	free(e);
}

/* Put an unlinked entry at the head of the LRU list. */
static void
dnscache_lru_push(struct dnscache *c, struct dnscache_entry *e)
{
	e->prev = NULL;
	e->next = c->head;
	if (c->head)
		c->head->prev = e;
	c->head = e;
	if (c->tail == NULL)
		c->tail = e;
}

static void
dnscache_lru_front(struct dnscache *c, struct dnscache_entry *e)
{
	if (c->head == e)
		return;
	if (e->prev)
		e->prev->next = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else if (c->tail == e)
		c->tail = e->prev;
	dnscache_lru_push(c, e);
}

static void
dnscache_trim(struct dnscache *c, size_t max)
{
	while (c->st.entries > max && c->tail) {
		dnscache_unlink(c, c->tail);
		c->st.evictions++;
	}
}

void
dnscache_flush(struct dnscache *c)
{
	dnscache_trim(c, 0);
}

void
dnscache_free(struct dnscache *c)
{
	if (c == NULL)
		return;
	dnscache_flush(c);
	free(c->buckets);
	free(c);
}

void
dnscache_set_limits(struct dnscache *c, const struct dnscache_limits *lim)
{
	size_t nb = dnscache_bucket_count(lim->max_entries);

	c->lim = *lim;
	dnscache_trim(c, lim->max_entries);
	if (nb != c->nbuckets) {
		struct dnscache_entry **b = calloc(nb, sizeof(*b));
		if (b == NULL)
			return; /* keep the old table: only the load factor suffers */
		for (struct dnscache_entry *e = c->head; e; e = e->next) {
			e->hnext = b[e->hash & (nb - 1)];
			b[e->hash & (nb - 1)] = e;
		}
		free(c->buckets);
		c->buckets = b;
		c->nbuckets = nb;
	}
}

static struct dnscache_entry *
dnscache_find(struct dnscache *c, const uint8_t *name, size_t len, uint16_t qtype,
    uint16_t qclass, uint8_t bits, uint32_t hash)
{
	for (struct dnscache_entry *e = c->buckets[hash & (c->nbuckets - 1)]; e; e = e->hnext) {
		const uint8_t *q = e->wire + DNS_HDRLEN;
		if (e->hash == hash && e->qtype == qtype && e->bits == bits &&
		    e->qname_len == len && memcmp(q, name, len) == 0 &&
		    dnswire_get16(q + len + 2) == qclass)
			return e;
	}
	return NULL;
}

/* Whether expired e may still be served stale at now. */
static int
dnscache_stale_ok(const struct dnscache *c, const struct dnscache_entry *e, uint64_t now)
{
	return e->verified && (uint64_t)e->expire + c->lim.stale_ttl > now;
}

int
dnscache_lookup(struct dnscache *c, const struct dnsq *q, uint64_t now, struct dnscache_hit *hit)
{
	uint8_t bits = dnscache_bits(q);
	uint32_t h = dnscache_hash(c, q->qname, q->qname_len, q->qtype, q->qclass, bits);
	struct dnscache_entry *e;

	e = dnscache_find(c, q->qname, q->qname_len, q->qtype, q->qclass, bits, h);
	if (e == NULL) {
		c->st.misses++;
		return 0;
	}
	if ((uint32_t)now >= e->expire) {
		/* A verified answer stays for serve-stale until its window closes (or LRU). */
		if (!dnscache_stale_ok(c, e, now)) {
			dnscache_unlink(c, e);
			c->st.expired++;
		}
		c->st.misses++;
		return 0;
	}
	dnscache_lru_front(c, e);
	c->st.hits++;
	hit->wire = e->wire;
	hit->len = e->len;
	hit->age = (uint32_t)now - e->stored;
	hit->ttl = e->expire - (uint32_t)now;
	hit->negative = e->negative;
	return 1;
}

int
dnscache_lookup_stale(struct dnscache *c, const struct dnsq *q, uint64_t now,
    struct dnscache_hit *hit)
{
	uint8_t bits = dnscache_bits(q);
	uint32_t h = dnscache_hash(c, q->qname, q->qname_len, q->qtype, q->qclass, bits);
	struct dnscache_entry *e;

	e = dnscache_find(c, q->qname, q->qname_len, q->qtype, q->qclass, bits, h);
	if (e == NULL || (uint32_t)now < e->expire || !dnscache_stale_ok(c, e, now))
		return 0;
	dnscache_lru_front(c, e);
	c->st.stale_hits++;
	hit->wire = e->wire;
	hit->len = e->len;
	hit->age = (uint32_t)now - e->stored;
	hit->ttl = 0;
	hit->negative = e->negative;
	return 1;
}

int
dnscache_has_stale(struct dnscache *c, const struct dnsq *q, uint64_t now)
{
	uint8_t bits = dnscache_bits(q);
	uint32_t h = dnscache_hash(c, q->qname, q->qname_len, q->qtype, q->qclass, bits);
	struct dnscache_entry *e = dnscache_find(c, q->qname, q->qname_len, q->qtype, q->qclass,
	    bits, h);

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

/* dnscache_store's work; *out is the entry stored (when 1 is returned). cap, when not 0,
 * bounds its lifetime and TTLs below the limits (min_ttl included). */
static int
dnscache_insert(struct dnscache *c, const struct dnsq *q, const uint8_t *wire, size_t len,
    uint64_t now, uint32_t cap, struct dnscache_entry **out)
{
	struct dnsq rq;
	struct dnsresp r;
	struct dnscache_entry *e, *old;
	uint32_t ttl, h, lo, hi;
	uint8_t bits = dnscache_bits(q);
	int negative;
	size_t slen;

	if (c->lim.max_entries == 0)
		return 0;
	if (dnswire_parse_response(wire, len, &rq, &r) != 0 || !dnswire_same_question(q, &rq))
		return -1;
	if ((ttl = dnscache_ttl(c, &r, &negative)) == 0)
		return 0;
	if (cap && ttl > cap)
		ttl = cap;
	if ((slen = dnswire_strip_opt(wire, len, c->scratch, sizeof(c->scratch))) == 0)
		return -1;
	if ((e = malloc(sizeof(*e) + slen)) == NULL)
		return -1;
	memcpy(e->wire, c->scratch, slen);
	/* The key is the question as stored: lower-case it once here. */
	memcpy(e->wire + DNS_HDRLEN, q->qname, q->qname_len);
	/* Serve the TTLs we keep the answer for: clients must not cache it longer. */
	lo = c->lim.min_ttl;
	hi = negative ? c->lim.neg_max_ttl : c->lim.max_ttl;
	if (cap && hi > cap)
		hi = cap;
	if (lo > hi)
		lo = hi;
	dnswire_clamp_ttls(e->wire, slen, lo, hi);
	h = dnscache_hash(c, q->qname, q->qname_len, q->qtype, q->qclass, bits);
	if ((old = dnscache_find(c, q->qname, q->qname_len, q->qtype, q->qclass, bits, h)))
		dnscache_unlink(c, old);
	e->hash = h;
	e->stored = (uint32_t)now;
	e->expire = (uint32_t)now + ttl;
	e->qtype = q->qtype;
	e->len = (uint16_t)slen;
	e->qname_len = q->qname_len;
	e->bits = bits;
	e->negative = (uint8_t)negative;
	e->verified = 0;
	e->hnext = c->buckets[h & (c->nbuckets - 1)];
	c->buckets[h & (c->nbuckets - 1)] = e;
	dnscache_lru_push(c, e);
	c->st.entries++;
	c->st.bytes += sizeof(*e) + slen;
	c->st.inserts++;
	*out = e;
	dnscache_trim(c, c->lim.max_entries);
	return 1;
}

int
dnscache_store(struct dnscache *c, const struct dnsq *q, const uint8_t *wire, size_t len,
    uint64_t now)
{
	struct dnscache_entry *e;

	return dnscache_insert(c, q, wire, len, now, 0, &e);
}

int
dnscache_replace(struct dnscache *c, const struct dnsq *q, const uint8_t *wire, size_t len,
    uint64_t now, uint32_t max_ttl, int verified, struct dnscache_hit *hit)
{
	struct dnscache_entry *e = NULL;
	uint8_t bits = dnscache_bits(q);
	uint32_t h = dnscache_hash(c, q->qname, q->qname_len, q->qtype, q->qclass, bits);
	int rc = dnscache_insert(c, q, wire, len, now, max_ttl, &e);

	/* Found again rather than trusted: the trim after the insert may have taken it. */
	e = dnscache_find(c, q->qname, q->qname_len, q->qtype, q->qclass, bits, h);
	if (rc == 1 && e != NULL) {
		e->verified = verified != 0;
		hit->wire = e->wire;
		hit->len = e->len;
		hit->age = 0;
		hit->ttl = e->expire - e->stored;
		hit->negative = e->negative;
		return 1;
	}
	/*
	 * Not kept: what the upstream said must not stay in its place. An expired verified
	 * answer is not the upstream's (an uncacheable SERVFAIL never replaced it): it stays,
	 * to be served stale because of that very failure.
	 */
	if (e && !((uint32_t)now >= e->expire && dnscache_stale_ok(c, e, now)))
		dnscache_unlink(c, e);
	return rc < 0 ? -1 : 0;
}

size_t
dnscache_remove(struct dnscache *c, const uint8_t *qname, size_t qname_len, uint16_t qtype)
{
	size_t n = 0;
	struct dnscache_entry *e = c->head, *next;

	/* A control-socket operation: a full walk is fine and catches every type and bit. */
	for (; e; e = next) {
		next = e->next;
		if (e->qname_len == qname_len && memcmp(e->wire + DNS_HDRLEN, qname, qname_len) == 0 &&
		    (qtype == 0 || e->qtype == qtype)) {
			dnscache_unlink(c, e);
			n++;
		}
	}
	return n;
}

void
dnscache_get_stats(const struct dnscache *c, struct dnscache_stats *st)
{
	*st = c->st;
}

size_t
dnscache_walk(const struct dnscache *c, uint64_t now,
    int (*cb)(void *arg, const struct dnscache_entry_info *e), void *arg)
{
	size_t n = 0;

	for (const struct dnscache_entry *e = c->head; e; e = e->next) {
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
