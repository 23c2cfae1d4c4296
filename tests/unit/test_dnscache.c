/* tests/unit/test_dnscache.c - lib/dnscache.c: TTLs, negative answers, keys, LRU, stats. */
#include "autoconf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "dnscache.h"
#include "dnswire.h"
#include "testpkt.h"

/* The clock of these tests, in seconds; any value works, the cache only subtracts. */
#define T0 100000

static const struct dnscache_limits default_limits = {
	.max_entries = 1000, .min_ttl = 0, .max_ttl = 86400, .neg_max_ttl = 3600
};

static int
setup(void **state)
{
	*state = dnscache_new(&default_limits);
	return *state == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	dnscache_free(*state);
	return 0;
}

/* The client side: a parsed query for name/type with the DO and CD bits given. */
static void
mkq(struct dnsq *q, const char *name, uint16_t qtype, int do_bit, int cd)
{
	struct tpkt p;

	tp_hdr(&p, 1, DNS_FLAG_RD | (cd ? DNS_FLAG_CD : 0), 1, 0, 0, 1);
	tp_question(&p, name, qtype);
	tp_opt(&p, 1232, 0, do_bit);
	assert_int_equal(dnswire_parse_query(p.b, p.n, q), DNSWIRE_OK);
}

/* A positive answer for name/type: one A record with ttl, optionally with an OPT. */
static void
mkans(struct tpkt *p, const char *name, uint16_t qtype, uint32_t ttl, int opt)
{
	tp_hdr(p, 7, DNS_FLAG_QR | DNS_FLAG_RD | DNS_FLAG_RA, 1, 1, 0, opt ? 1 : 0);
	tp_question(p, name, qtype);
	tp_a_at_q(p, ttl, 192, 0, 2, 1);
	if (opt)
		tp_opt(p, 1232, 0, 0);
}

/* A negative answer with rcode and, when soa_ttl != 0, an SOA (TTL soa_ttl, MINIMUM min). */
static void
mkneg(struct tpkt *p, const char *name, int rcode, uint32_t soa_ttl, uint32_t min)
{
	tp_hdr(p, 7, (uint16_t)(DNS_FLAG_QR | DNS_FLAG_RA | rcode), 1, 0, soa_ttl ? 1 : 0, 0);
	tp_question(p, name, DNS_TYPE_A);
	if (soa_ttl)
		tp_soa_at_q(p, soa_ttl, min);
}

static int
store(struct dnscache *c, const char *name, uint16_t qtype, int do_bit, int cd, uint32_t ttl,
    uint64_t now)
{
	struct dnsq q;
	struct tpkt p;

	mkq(&q, name, qtype, do_bit, cd);
	mkans(&p, name, qtype, ttl, 0);
	return dnscache_store(c, &q, p.b, p.n, now);
}

static int
lookup(struct dnscache *c, const char *name, uint16_t qtype, int do_bit, int cd, uint64_t now,
    struct dnscache_hit *hit)
{
	struct dnsq q;

	mkq(&q, name, qtype, do_bit, cd);
	return dnscache_lookup(c, &q, now, hit);
}

static void
test_store_lookup(void **state)
{
	struct dnscache *c = *state;
	struct dnscache_hit hit;
	struct tpkt p;
	struct dnsq q;

	mkq(&q, "www.example.com", DNS_TYPE_A, 0, 0);
	mkans(&p, "www.example.com", DNS_TYPE_A, 300, 0);
	assert_int_equal(lookup(c, "www.example.com", DNS_TYPE_A, 0, 0, T0, &hit), 0);
	assert_int_equal(dnscache_store(c, &q, p.b, p.n, T0), 1);
	assert_int_equal(lookup(c, "www.example.com", DNS_TYPE_A, 0, 0, T0, &hit), 1);
	assert_int_equal(hit.len, p.n);
	assert_memory_equal(hit.wire, p.b, p.n);
	assert_int_equal(hit.age, 0);
	assert_int_equal(hit.ttl, 300);
	assert_int_equal(hit.negative, 0);
	/* Another type or name is a miss. */
	assert_int_equal(lookup(c, "www.example.com", DNS_TYPE_AAAA, 0, 0, T0, &hit), 0);
	assert_int_equal(lookup(c, "ww.example.com", DNS_TYPE_A, 0, 0, T0, &hit), 0);
}

/* A built message takes the upstream's place; the kept bytes come back to be served and
 * hashed; a message that cannot be kept removes the upstream's too (CD keys apart). */
static void
test_replace_built(void **state)
{
	struct dnscache *c = *state;
	struct dnscache_hit hit, kept;
	struct tpkt raw, built;
	struct dnsq q;

	mkq(&q, "www.example.com", DNS_TYPE_A, 0, 0);
	mkans(&raw, "www.example.com", DNS_TYPE_A, 300, 0);
	assert_int_equal(dnscache_store(c, &q, raw.b, raw.n, T0), 1);
	assert_int_equal(store(c, "www.example.com", DNS_TYPE_A, 0, 1, 300, T0), 1);
	mkans(&built, "www.example.com", DNS_TYPE_A, 250, 0);
	tp_set16(&built, 0, 0);
	tp_set16(&built, 2, DNS_FLAG_QR | DNS_FLAG_RA);
	assert_int_equal(dnscache_replace(c, &q, built.b, built.n, T0 + 50, 0, 0, &kept), 1);
	assert_int_equal(kept.len, built.n);
	assert_memory_equal(kept.wire, built.b, built.n);
	assert_int_equal(kept.age, 0);
	assert_int_equal(kept.ttl, 250);
	assert_int_equal(lookup(c, "www.example.com", DNS_TYPE_A, 0, 0, T0 + 60, &hit), 1);
	assert_memory_equal(hit.wire, built.b, built.n);
	assert_int_equal(hit.age, 10);
	/* Not cacheable (SERVFAIL): the entry goes; the CD=1 one is another key and stays. */
	mkneg(&built, "www.example.com", DNS_RCODE_SERVFAIL, 0, 0);
	assert_int_equal(dnscache_replace(c, &q, built.b, built.n, T0 + 60, 0, 0, &kept), 0);
	assert_int_equal(lookup(c, "www.example.com", DNS_TYPE_A, 0, 0, T0 + 60, &hit), 0);
	assert_int_equal(lookup(c, "www.example.com", DNS_TYPE_A, 0, 1, T0 + 60, &hit), 1);
}

/*
 * A capped replace (a refused forgery, review finding 6): the entry and its TTLs last no longer
 * than the cap, whatever the attacker's TTL and even above cache.min_ttl, so that the name is
 * asked upstream again once the verdict expires.
 */
static void
test_replace_capped(void **state)
{
	struct dnscache *c = *state;
	struct dnscache_limits lim = default_limits;
	struct dnscache_hit hit, kept;
	struct tpkt raw, built;
	struct dnsq q;

	mkq(&q, "forged.example.com", DNS_TYPE_A, 0, 0);
	mkans(&raw, "forged.example.com", DNS_TYPE_A, 86400, 0);
	assert_int_equal(dnscache_store(c, &q, raw.b, raw.n, T0), 1);
	mkans(&built, "forged.example.com", DNS_TYPE_A, 86400, 0);
	assert_int_equal(dnscache_replace(c, &q, built.b, built.n, T0, 30, 0, &kept), 1);
	assert_int_equal(kept.ttl, 30);
	assert_int_equal(tp_get32(kept.wire, kept.len - 10), 30); /* the A record's TTL */
	assert_int_equal(lookup(c, "forged.example.com", DNS_TYPE_A, 0, 0, T0 + 29, &hit), 1);
	assert_int_equal(lookup(c, "forged.example.com", DNS_TYPE_A, 0, 0, T0 + 30, &hit), 0);
	/* cache.min_ttl above the cap: the cap wins. */
	lim.min_ttl = 600;
	dnscache_set_limits(c, &lim);
	assert_int_equal(dnscache_replace(c, &q, built.b, built.n, T0 + 40, 30, 0, &kept), 1);
	assert_int_equal(kept.ttl, 30);
	assert_int_equal(tp_get32(kept.wire, kept.len - 10), 30);
	assert_int_equal(lookup(c, "forged.example.com", DNS_TYPE_A, 0, 0, T0 + 70, &hit), 0);
	/* No cap: the limits alone (min_ttl raises a short TTL). */
	mkans(&built, "forged.example.com", DNS_TYPE_A, 5, 0);
	assert_int_equal(dnscache_replace(c, &q, built.b, built.n, T0 + 80, 0, 0, &kept), 1);
	assert_int_equal(kept.ttl, 600);
}

/*
 * Serve-stale (RFC 8767): only an answer stored as verified outlives its expiry, only for
 * stale_ttl seconds, and only dnscache_lookup_stale gives it (a plain lookup misses, so the
 * upstream is asked); a fresh upstream answer or a refusal in its place ends it; stale_ttl 0
 * keeps nothing.
 */
static void
test_serve_stale(void **state)
{
	struct dnscache *c = *state;
	struct dnscache_limits lim = default_limits;
	struct dnscache_hit hit, kept;
	struct tpkt raw, built, other;
	struct dnsq q, q2;

	lim.stale_ttl = 100;
	dnscache_set_limits(c, &lim);
	mkq(&q, "www.example.com", DNS_TYPE_A, 0, 0);
	mkq(&q2, "unverified.example.com", DNS_TYPE_A, 0, 0);
	mkans(&built, "www.example.com", DNS_TYPE_A, 60, 0);
	mkans(&other, "unverified.example.com", DNS_TYPE_A, 60, 0);
	assert_int_equal(dnscache_replace(c, &q, built.b, built.n, T0, 0, 1, &kept), 1);
	assert_int_equal(dnscache_replace(c, &q2, other.b, other.n, T0, 0, 0, &kept), 1);
	/* live: no stale answer (the live one is the answer) */
	assert_int_equal(dnscache_lookup_stale(c, &q, T0 + 59, &hit), 0);
	/* expired: a miss, but kept for serve-stale; the unverified one is gone */
	assert_int_equal(dnscache_lookup(c, &q, T0 + 60, &hit), 0);
	assert_int_equal(dnscache_lookup(c, &q2, T0 + 60, &hit), 0);
	assert_int_equal(dnscache_lookup_stale(c, &q2, T0 + 60, &hit), 0);
	assert_int_equal(dnscache_lookup_stale(c, &q, T0 + 61, &hit), 1);
	assert_memory_equal(hit.wire, built.b, built.n);
	assert_int_equal(hit.ttl, 0);
	assert_int_equal(hit.age, 61);
	assert_int_equal(dnscache_lookup_stale(c, &q, T0 + 159, &hit), 1);
	/* the window (60 + 100 s) closed */
	assert_int_equal(dnscache_lookup_stale(c, &q, T0 + 160, &hit), 0);
	/* a fresh upstream answer takes its place: not verified, not stale-servable */
	assert_int_equal(dnscache_replace(c, &q, built.b, built.n, T0 + 200, 0, 1, &kept), 1);
	mkans(&raw, "www.example.com", DNS_TYPE_A, 60, 0);
	assert_int_equal(dnscache_store(c, &q, raw.b, raw.n, T0 + 270), 1);
	assert_int_equal(dnscache_lookup_stale(c, &q, T0 + 331, &hit), 0);
	/* a SERVFAIL from upstream is not stored: the verified answer stays stale-servable */
	assert_int_equal(dnscache_replace(c, &q, built.b, built.n, T0 + 400, 0, 1, &kept), 1);
	mkneg(&raw, "www.example.com", DNS_RCODE_SERVFAIL, 0, 0);
	assert_int_equal(dnscache_store(c, &q, raw.b, raw.n, T0 + 470), 0);
	assert_int_equal(dnscache_lookup_stale(c, &q, T0 + 470, &hit), 1);
	/* ... nor does vantaged's SERVFAIL built from it take it away (a live one it would) */
	assert_int_equal(dnscache_replace(c, &q, raw.b, raw.n, T0 + 470, 0, 0, &kept), 0);
	assert_int_equal(dnscache_lookup_stale(c, &q, T0 + 470, &hit), 1);
	/* stale_ttl 0: nothing is kept past expiry */
	lim.stale_ttl = 0;
	dnscache_set_limits(c, &lim);
	assert_int_equal(dnscache_replace(c, &q, built.b, built.n, T0 + 500, 0, 1, &kept), 1);
	assert_int_equal(dnscache_lookup_stale(c, &q, T0 + 560, &hit), 0);
	assert_int_equal(dnscache_lookup(c, &q, T0 + 560, &hit), 0);
}

static void
test_ttl_decay_and_expiry(void **state)
{
	struct dnscache *c = *state;
	struct dnscache_hit hit;
	struct dnscache_stats st;

	assert_int_equal(store(c, "www.example.com", DNS_TYPE_A, 0, 0, 300, T0), 1);
	assert_int_equal(lookup(c, "www.example.com", DNS_TYPE_A, 0, 0, T0 + 100, &hit), 1);
	assert_int_equal(hit.age, 100);
	assert_int_equal(hit.ttl, 200);
	assert_int_equal(lookup(c, "www.example.com", DNS_TYPE_A, 0, 0, T0 + 299, &hit), 1);
	assert_int_equal(hit.age, 299);
	assert_int_equal(hit.ttl, 1);
	/* At T0 + 300 it is gone, and the entry is removed. */
	assert_int_equal(lookup(c, "www.example.com", DNS_TYPE_A, 0, 0, T0 + 300, &hit), 0);
	dnscache_get_stats(c, &st);
	assert_int_equal(st.entries, 0);
	assert_int_equal(st.bytes, 0);
	assert_int_equal(st.expired, 1);
	assert_int_equal(st.hits, 2);
	assert_int_equal(st.misses, 1);
}

static void
test_ttl_clamps(void **state)
{
	struct dnscache *c = *state;
	struct dnscache_hit hit;
	struct dnscache_limits lim = default_limits;

	lim.min_ttl = 60;
	lim.max_ttl = 3600;
	dnscache_set_limits(c, &lim);
	assert_int_equal(store(c, "short.example", DNS_TYPE_A, 0, 0, 10, T0), 1);
	assert_int_equal(lookup(c, "short.example", DNS_TYPE_A, 0, 0, T0, &hit), 1);
	assert_int_equal(hit.ttl, 60);
	assert_int_equal(store(c, "long.example", DNS_TYPE_A, 0, 0, 86400 * 7, T0), 1);
	assert_int_equal(lookup(c, "long.example", DNS_TYPE_A, 0, 0, T0, &hit), 1);
	assert_int_equal(hit.ttl, 3600);
	/* TTL 0 is raised to min_ttl too. */
	assert_int_equal(store(c, "zero.example", DNS_TYPE_A, 0, 0, 0, T0), 1);
	assert_int_equal(lookup(c, "zero.example", DNS_TYPE_A, 0, 0, T0, &hit), 1);
	assert_int_equal(hit.ttl, 60);
}

static void
test_ttl_zero_not_cached(void **state)
{
	struct dnscache *c = *state;
	struct dnscache_hit hit;
	struct dnscache_stats st;

	assert_int_equal(store(c, "zero.example", DNS_TYPE_A, 0, 0, 0, T0), 0);
	/* The top bit makes a TTL 0 (RFC 2181 8), not 68 years. */
	assert_int_equal(store(c, "neg.example", DNS_TYPE_A, 0, 0, 0x80000000u, T0), 0);
	assert_int_equal(lookup(c, "zero.example", DNS_TYPE_A, 0, 0, T0, &hit), 0);
	dnscache_get_stats(c, &st);
	assert_int_equal(st.entries, 0);
	assert_int_equal(st.inserts, 0);
}

static void
test_negative_with_soa(void **state)
{
	struct dnscache *c = *state;
	struct dnscache_hit hit;
	struct tpkt p;
	struct dnsq q;

	mkq(&q, "nx.example.com", DNS_TYPE_A, 0, 0);
	mkneg(&p, "nx.example.com", DNS_RCODE_NXDOMAIN, 900, 300);
	assert_int_equal(dnscache_store(c, &q, p.b, p.n, T0), 1);
	assert_int_equal(dnscache_lookup(c, &q, T0 + 10, &hit), 1);
	assert_int_equal(hit.negative, 1);
	assert_int_equal(hit.ttl, 290);
	assert_int_equal(tp_get16(hit.wire, 2) & 0xf, DNS_RCODE_NXDOMAIN);
	/* NODATA: NOERROR without answers, SOA TTL below MINIMUM. */
	mkneg(&p, "nx.example.com", DNS_RCODE_NOERROR, 120, 3600);
	assert_int_equal(dnscache_store(c, &q, p.b, p.n, T0), 1);
	assert_int_equal(dnscache_lookup(c, &q, T0, &hit), 1);
	assert_int_equal(hit.negative, 1);
	assert_int_equal(hit.ttl, 120);
}

static void
test_negative_cap(void **state)
{
	struct dnscache *c = *state;
	struct dnscache_hit hit;
	struct dnscache_limits lim = default_limits;
	struct tpkt p;
	struct dnsq q;

	lim.neg_max_ttl = 100;
	lim.max_ttl = 50; /* the positive cap does not apply to negative answers */
	dnscache_set_limits(c, &lim);
	mkq(&q, "nx.example.com", DNS_TYPE_A, 0, 0);
	mkneg(&p, "nx.example.com", DNS_RCODE_NXDOMAIN, 86400, 86400);
	assert_int_equal(dnscache_store(c, &q, p.b, p.n, T0), 1);
	assert_int_equal(dnscache_lookup(c, &q, T0, &hit), 1);
	assert_int_equal(hit.ttl, 100);
	/* neg_max_ttl 0: negative answers are not kept (unless min_ttl says otherwise). */
	lim.neg_max_ttl = 0;
	dnscache_set_limits(c, &lim);
	mkq(&q, "nx2.example.com", DNS_TYPE_A, 0, 0);
	mkneg(&p, "nx2.example.com", DNS_RCODE_NXDOMAIN, 600, 600);
	assert_int_equal(dnscache_store(c, &q, p.b, p.n, T0), 0);
}

static void
test_negative_without_soa(void **state)
{
	struct dnscache *c = *state;
	struct tpkt p;
	struct dnsq q;

	mkq(&q, "nx.example.com", DNS_TYPE_A, 0, 0);
	mkneg(&p, "nx.example.com", DNS_RCODE_NXDOMAIN, 0, 0);
	assert_int_equal(dnscache_store(c, &q, p.b, p.n, T0), 0);
	mkneg(&p, "nx.example.com", DNS_RCODE_NOERROR, 0, 0);
	assert_int_equal(dnscache_store(c, &q, p.b, p.n, T0), 0);
}

static void
test_not_cached_rcodes(void **state)
{
	struct dnscache *c = *state;
	struct dnscache_hit hit;
	struct dnscache_stats st;
	struct tpkt p;
	struct dnsq q;

	mkq(&q, "www.example.com", DNS_TYPE_A, 0, 0);
	mkneg(&p, "www.example.com", DNS_RCODE_SERVFAIL, 600, 600);
	assert_int_equal(dnscache_store(c, &q, p.b, p.n, T0), 0);
	mkneg(&p, "www.example.com", DNS_RCODE_REFUSED, 600, 600);
	assert_int_equal(dnscache_store(c, &q, p.b, p.n, T0), 0);
	mkneg(&p, "www.example.com", DNS_RCODE_FORMERR, 600, 600);
	assert_int_equal(dnscache_store(c, &q, p.b, p.n, T0), 0);
	/* A SERVFAIL that carries an answer record is still not cached. */
	mkans(&p, "www.example.com", DNS_TYPE_A, 600, 0);
	tp_set16(&p, 2, DNS_FLAG_QR | DNS_RCODE_SERVFAIL);
	assert_int_equal(dnscache_store(c, &q, p.b, p.n, T0), 0);
	/* Truncated. */
	mkans(&p, "www.example.com", DNS_TYPE_A, 600, 0);
	tp_set16(&p, 2, DNS_FLAG_QR | DNS_FLAG_TC);
	assert_int_equal(dnscache_store(c, &q, p.b, p.n, T0), 0);
	assert_int_equal(dnscache_lookup(c, &q, T0, &hit), 0);
	dnscache_get_stats(c, &st);
	assert_int_equal(st.entries, 0);
}

static void
test_store_rejects_bad(void **state)
{
	struct dnscache *c = *state;
	struct tpkt p;
	struct dnsq q;

	/* An answer to another question. */
	mkq(&q, "www.example.com", DNS_TYPE_A, 0, 0);
	mkans(&p, "www.example.org", DNS_TYPE_A, 600, 0);
	assert_int_equal(dnscache_store(c, &q, p.b, p.n, T0), -1);
	mkans(&p, "www.example.com", DNS_TYPE_AAAA, 600, 0);
	assert_int_equal(dnscache_store(c, &q, p.b, p.n, T0), -1);
	/* Malformed. */
	mkans(&p, "www.example.com", DNS_TYPE_A, 600, 0);
	assert_int_equal(dnscache_store(c, &q, p.b, p.n - 1, T0), -1);
}

static void
test_opt_dropped(void **state)
{
	struct dnscache *c = *state;
	struct dnscache_hit hit;
	struct tpkt p;
	struct dnsq q;

	mkq(&q, "www.example.com", DNS_TYPE_A, 0, 0);
	mkans(&p, "www.example.com", DNS_TYPE_A, 600, 1);
	assert_int_equal(dnscache_store(c, &q, p.b, p.n, T0), 1);
	assert_int_equal(dnscache_lookup(c, &q, T0, &hit), 1);
	assert_int_equal(hit.len, p.n - 11);
	assert_int_equal(tp_get16(hit.wire, 10), 0);
}

static void
test_keyed_by_do_cd(void **state)
{
	struct dnscache *c = *state;
	struct dnscache_hit hit;

	assert_int_equal(store(c, "www.example.com", DNS_TYPE_A, 1, 0, 300, T0), 1);
	assert_int_equal(lookup(c, "www.example.com", DNS_TYPE_A, 1, 0, T0, &hit), 1);
	assert_int_equal(lookup(c, "www.example.com", DNS_TYPE_A, 0, 0, T0, &hit), 0);
	assert_int_equal(lookup(c, "www.example.com", DNS_TYPE_A, 1, 1, T0, &hit), 0);
	assert_int_equal(lookup(c, "www.example.com", DNS_TYPE_A, 0, 1, T0, &hit), 0);
	assert_int_equal(store(c, "www.example.com", DNS_TYPE_A, 0, 1, 100, T0), 1);
	assert_int_equal(lookup(c, "www.example.com", DNS_TYPE_A, 0, 1, T0, &hit), 1);
	assert_int_equal(hit.ttl, 100);
	assert_int_equal(lookup(c, "www.example.com", DNS_TYPE_A, 1, 0, T0, &hit), 1);
	assert_int_equal(hit.ttl, 300);
}

static void
test_case_insensitive(void **state)
{
	struct dnscache *c = *state;
	struct dnscache_hit hit;
	struct tpkt p;
	struct dnsq q;

	/* The upstream echoed our 0x20 mix; the client asked in another mix. */
	mkq(&q, "WwW.ExAmPlE.cOm", DNS_TYPE_A, 0, 0);
	mkans(&p, "wWw.eXaMpLe.CoM", DNS_TYPE_A, 600, 0);
	assert_int_equal(dnscache_store(c, &q, p.b, p.n, T0), 1);
	assert_int_equal(lookup(c, "WWW.EXAMPLE.COM", DNS_TYPE_A, 0, 0, T0, &hit), 1);
	assert_int_equal(lookup(c, "www.example.com", DNS_TYPE_A, 0, 0, T0, &hit), 1);
	/* The stored question is lower-cased: the key and the answer agree. */
	assert_memory_equal(hit.wire + 12, "\3www\7example\3com", 17);
}

static void
test_replace(void **state)
{
	struct dnscache *c = *state;
	struct dnscache_hit hit;
	struct dnscache_stats st;

	assert_int_equal(store(c, "www.example.com", DNS_TYPE_A, 0, 0, 300, T0), 1);
	assert_int_equal(store(c, "www.example.com", DNS_TYPE_A, 0, 0, 50, T0 + 10), 1);
	dnscache_get_stats(c, &st);
	assert_int_equal(st.entries, 1);
	assert_int_equal(lookup(c, "www.example.com", DNS_TYPE_A, 0, 0, T0 + 10, &hit), 1);
	assert_int_equal(hit.ttl, 50);
	assert_int_equal(hit.age, 0);
}

static void
test_lru_eviction(void **state)
{
	struct dnscache *c = *state;
	struct dnscache_hit hit;
	struct dnscache_stats st;
	struct dnscache_limits lim = default_limits;

	lim.max_entries = 3;
	dnscache_set_limits(c, &lim);
	assert_int_equal(store(c, "a.example", DNS_TYPE_A, 0, 0, 300, T0), 1);
	assert_int_equal(store(c, "b.example", DNS_TYPE_A, 0, 0, 300, T0), 1);
	assert_int_equal(store(c, "c.example", DNS_TYPE_A, 0, 0, 300, T0), 1);
	/* Touch a: b is now the least recently used. */
	assert_int_equal(lookup(c, "a.example", DNS_TYPE_A, 0, 0, T0, &hit), 1);
	assert_int_equal(store(c, "d.example", DNS_TYPE_A, 0, 0, 300, T0), 1);
	dnscache_get_stats(c, &st);
	assert_int_equal(st.entries, 3);
	assert_int_equal(st.evictions, 1);
	assert_int_equal(lookup(c, "b.example", DNS_TYPE_A, 0, 0, T0, &hit), 0);
	assert_int_equal(lookup(c, "a.example", DNS_TYPE_A, 0, 0, T0, &hit), 1);
	assert_int_equal(lookup(c, "c.example", DNS_TYPE_A, 0, 0, T0, &hit), 1);
	assert_int_equal(lookup(c, "d.example", DNS_TYPE_A, 0, 0, T0, &hit), 1);
	/* Order now (most recent first): d c a. Two more stores evict a, then c. */
	assert_int_equal(store(c, "e.example", DNS_TYPE_A, 0, 0, 300, T0), 1);
	assert_int_equal(lookup(c, "a.example", DNS_TYPE_A, 0, 0, T0, &hit), 0);
	assert_int_equal(store(c, "f.example", DNS_TYPE_A, 0, 0, 300, T0), 1);
	assert_int_equal(lookup(c, "c.example", DNS_TYPE_A, 0, 0, T0, &hit), 0);
	assert_int_equal(lookup(c, "d.example", DNS_TYPE_A, 0, 0, T0, &hit), 1);
	assert_int_equal(lookup(c, "e.example", DNS_TYPE_A, 0, 0, T0, &hit), 1);
	assert_int_equal(lookup(c, "f.example", DNS_TYPE_A, 0, 0, T0, &hit), 1);
	dnscache_get_stats(c, &st);
	assert_int_equal(st.evictions, 3);
	assert_int_equal(st.entries, 3);
}

static void
test_lru_touch_tail_and_head(void **state)
{
	struct dnscache *c = *state;
	struct dnscache_hit hit;
	struct dnscache_limits lim = default_limits;

	lim.max_entries = 2;
	dnscache_set_limits(c, &lim);
	assert_int_equal(store(c, "a.example", DNS_TYPE_A, 0, 0, 300, T0), 1);
	assert_int_equal(store(c, "b.example", DNS_TYPE_A, 0, 0, 300, T0), 1);
	/* Touch the tail (a), then the head (a again): b must be the victim. */
	assert_int_equal(lookup(c, "a.example", DNS_TYPE_A, 0, 0, T0, &hit), 1);
	assert_int_equal(lookup(c, "a.example", DNS_TYPE_A, 0, 0, T0, &hit), 1);
	assert_int_equal(store(c, "c.example", DNS_TYPE_A, 0, 0, 300, T0), 1);
	assert_int_equal(lookup(c, "b.example", DNS_TYPE_A, 0, 0, T0, &hit), 0);
	assert_int_equal(lookup(c, "a.example", DNS_TYPE_A, 0, 0, T0, &hit), 1);
	assert_int_equal(lookup(c, "c.example", DNS_TYPE_A, 0, 0, T0, &hit), 1);
	/* A one-entry cache. */
	lim.max_entries = 1;
	dnscache_set_limits(c, &lim);
	assert_int_equal(lookup(c, "a.example", DNS_TYPE_A, 0, 0, T0, &hit), 0);
	assert_int_equal(lookup(c, "c.example", DNS_TYPE_A, 0, 0, T0, &hit), 1);
	assert_int_equal(store(c, "d.example", DNS_TYPE_A, 0, 0, 300, T0), 1);
	assert_int_equal(lookup(c, "c.example", DNS_TYPE_A, 0, 0, T0, &hit), 0);
	assert_int_equal(lookup(c, "d.example", DNS_TYPE_A, 0, 0, T0, &hit), 1);
}

static void
test_max_entries_zero(void **state)
{
	struct dnscache *c = *state;
	struct dnscache_limits lim = default_limits;
	struct dnscache_stats st;

	lim.max_entries = 0;
	dnscache_set_limits(c, &lim);
	assert_int_equal(store(c, "a.example", DNS_TYPE_A, 0, 0, 300, T0), 0);
	dnscache_get_stats(c, &st);
	assert_int_equal(st.entries, 0);
}

static void
test_many_entries(void **state)
{
	struct dnscache *c = *state;
	struct dnscache_hit hit;
	struct dnscache_stats st;
	char name[64];

	/* More than buckets (1024 for 1000 entries): chains, and the cap at 1000. */
	for (int i = 0; i < 1500; i++) {
		snprintf(name, sizeof(name), "host%d.example", i);
		assert_int_equal(store(c, name, DNS_TYPE_A, 0, 0, 300, T0), 1);
	}
	dnscache_get_stats(c, &st);
	assert_int_equal(st.entries, 1000);
	assert_int_equal(st.evictions, 500);
	for (int i = 0; i < 1500; i++) {
		snprintf(name, sizeof(name), "host%d.example", i);
		assert_int_equal(lookup(c, name, DNS_TYPE_A, 0, 0, T0, &hit), i >= 500);
	}
}

static void
test_remove(void **state)
{
	struct dnscache *c = *state;
	struct dnscache_hit hit;
	struct dnscache_stats st;
	uint8_t name[DNS_MAXNAME];
	size_t nl = dnswire_name_from_str("www.example.com", name, sizeof(name));

	assert_int_equal(store(c, "www.example.com", DNS_TYPE_A, 0, 0, 300, T0), 1);
	assert_int_equal(store(c, "www.example.com", DNS_TYPE_A, 1, 0, 300, T0), 1);
	assert_int_equal(store(c, "www.example.com", DNS_TYPE_AAAA, 0, 0, 300, T0), 1);
	assert_int_equal(store(c, "www.example.com", DNS_TYPE_MX, 0, 1, 300, T0), 1);
	assert_int_equal(store(c, "sub.www.example.com", DNS_TYPE_A, 0, 0, 300, T0), 1);
	assert_int_equal(store(c, "example.com", DNS_TYPE_A, 0, 0, 300, T0), 1);
	assert_int_equal(dnscache_remove(c, name, nl, DNS_TYPE_A), 2);
	assert_int_equal(lookup(c, "www.example.com", DNS_TYPE_A, 0, 0, T0, &hit), 0);
	assert_int_equal(lookup(c, "www.example.com", DNS_TYPE_A, 1, 0, T0, &hit), 0);
	assert_int_equal(lookup(c, "www.example.com", DNS_TYPE_AAAA, 0, 0, T0, &hit), 1);
	assert_int_equal(dnscache_remove(c, name, nl, DNS_TYPE_A), 0);
	assert_int_equal(dnscache_remove(c, name, nl, 0), 2);
	assert_int_equal(lookup(c, "www.example.com", DNS_TYPE_AAAA, 0, 0, T0, &hit), 0);
	assert_int_equal(lookup(c, "www.example.com", DNS_TYPE_MX, 0, 1, T0, &hit), 0);
	/* Names below and above are untouched. */
	assert_int_equal(lookup(c, "sub.www.example.com", DNS_TYPE_A, 0, 0, T0, &hit), 1);
	assert_int_equal(lookup(c, "example.com", DNS_TYPE_A, 0, 0, T0, &hit), 1);
	dnscache_get_stats(c, &st);
	assert_int_equal(st.entries, 2);
	/* After removals the LRU list is intact: fill up and evict through it. */
	for (int i = 0; i < 1100; i++) {
		char n[32];
		snprintf(n, sizeof(n), "h%d.example", i);
		assert_int_equal(store(c, n, DNS_TYPE_A, 0, 0, 300, T0), 1);
	}
	dnscache_get_stats(c, &st);
	assert_int_equal(st.entries, 1000);
}

static void
test_set_limits_shrink(void **state)
{
	struct dnscache *c = *state;
	struct dnscache_hit hit;
	struct dnscache_stats st;
	struct dnscache_limits lim = default_limits;
	char name[32];

	for (int i = 0; i < 10; i++) {
		snprintf(name, sizeof(name), "n%d.example", i);
		assert_int_equal(store(c, name, DNS_TYPE_A, 0, 0, 300, T0), 1);
	}
	/* 1000 -> 4 entries also shrinks the table (1024 -> 64 buckets): a rehash. */
	lim.max_entries = 4;
	dnscache_set_limits(c, &lim);
	dnscache_get_stats(c, &st);
	assert_int_equal(st.entries, 4);
	assert_int_equal(st.evictions, 6);
	for (int i = 0; i < 10; i++) {
		snprintf(name, sizeof(name), "n%d.example", i);
		assert_int_equal(lookup(c, name, DNS_TYPE_A, 0, 0, T0, &hit), i >= 6);
	}
	/* And growing again (64 -> 131072 buckets) keeps what is there. */
	lim.max_entries = 100000;
	dnscache_set_limits(c, &lim);
	for (int i = 6; i < 10; i++) {
		snprintf(name, sizeof(name), "n%d.example", i);
		assert_int_equal(lookup(c, name, DNS_TYPE_A, 0, 0, T0, &hit), 1);
	}
	/* Removal after a rehash finds the entries in their new chains. */
	{
		uint8_t w[DNS_MAXNAME];
		size_t wl = dnswire_name_from_str("n7.example", w, sizeof(w));
		assert_int_equal(dnscache_remove(c, w, wl, 0), 1);
		assert_int_equal(lookup(c, "n7.example", DNS_TYPE_A, 0, 0, T0, &hit), 0);
		assert_int_equal(lookup(c, "n8.example", DNS_TYPE_A, 0, 0, T0, &hit), 1);
	}
}

static void
test_stats_and_flush(void **state)
{
	struct dnscache *c = *state;
	struct dnscache_hit hit;
	struct dnscache_stats st;
	struct tpkt p1, p2;
	size_t hdr;

	mkans(&p1, "a.example", DNS_TYPE_A, 300, 0);
	mkans(&p2, "bb.example", DNS_TYPE_A, 300, 0);
	assert_int_equal(store(c, "a.example", DNS_TYPE_A, 0, 0, 300, T0), 1);
	assert_int_equal(store(c, "bb.example", DNS_TYPE_A, 0, 0, 300, T0), 1);
	assert_int_equal(lookup(c, "a.example", DNS_TYPE_A, 0, 0, T0, &hit), 1);
	assert_int_equal(lookup(c, "a.example", DNS_TYPE_A, 0, 0, T0, &hit), 1);
	assert_int_equal(lookup(c, "zz.example", DNS_TYPE_A, 0, 0, T0, &hit), 0);
	dnscache_get_stats(c, &st);
	assert_int_equal(st.entries, 2);
	assert_int_equal(st.inserts, 2);
	assert_int_equal(st.hits, 2);
	assert_int_equal(st.misses, 1);
	assert_int_equal(st.evictions, 0);
	/* bytes = per-entry header * 2 + the two messages. */
	assert_true(st.bytes > p1.n + p2.n);
	hdr = st.bytes - p1.n - p2.n;
	assert_int_equal(hdr % 2, 0);
	assert_true(hdr / 2 <= 128); /* a header small enough for a home router */
	dnscache_flush(c);
	dnscache_get_stats(c, &st);
	assert_int_equal(st.entries, 0);
	assert_int_equal(st.bytes, 0);
	assert_int_equal(lookup(c, "a.example", DNS_TYPE_A, 0, 0, T0, &hit), 0);
	/* Still usable after a flush. */
	assert_int_equal(store(c, "a.example", DNS_TYPE_A, 0, 0, 300, T0), 1);
	assert_int_equal(lookup(c, "a.example", DNS_TYPE_A, 0, 0, T0, &hit), 1);
}

/* The memory a typical answer costs: one A RRset for a 20-odd byte name. */
static void
test_bytes_per_entry(void **state)
{
	struct dnscache *c = *state;
	struct dnscache_stats st;
	char name[64];
	const int n = 1000;

	for (int i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "www%04d.example.com", i);
		assert_int_equal(store(c, name, DNS_TYPE_A, 0, 0, 300, T0), 1);
	}
	dnscache_get_stats(c, &st);
	assert_int_equal(st.entries, (size_t)n);
	{
		struct tpkt p;
		mkans(&p, "www0000.example.com", DNS_TYPE_A, 300, 0);
		printf("# bytes per cached RRset: %zu\n", st.bytes / st.entries);
		printf("# (one A record for www0000.example.com: %zu bytes of message, %zu of "
		       "entry header; malloc overhead and buckets not counted)\n",
		    p.n, st.bytes / st.entries - p.n);
	}
}

/* One prefetch per entry: the mark stays with the entry, a replacement starts unmarked, an
 * expired entry or none is never claimed. */
static void
test_prefetch_claim(void **state)
{
	struct dnscache *c = *state;
	struct dnscache_hit hit;
	struct dnsq q;
	struct tpkt p;

	mkq(&q, "hot.example.test", DNS_TYPE_A, 0, 0);
	assert_int_equal(dnscache_prefetch_claim(c, &q, T0), 0);
	assert_int_equal(store(c, "hot.example.test", DNS_TYPE_A, 0, 0, 100, T0), 1);
	assert_int_equal(dnscache_prefetch_claim(c, &q, T0 + 91), 1);
	assert_int_equal(dnscache_prefetch_claim(c, &q, T0 + 91), 0);
	assert_int_equal(dnscache_prefetch_claim(c, &q, T0 + 95), 0);
	/* the refreshed entry may be prefetched in its own turn */
	mkans(&p, "hot.example.test", DNS_TYPE_A, 100, 0);
	assert_int_equal(dnscache_replace(c, &q, p.b, p.n, T0 + 95, 0, 1, &hit), 1);
	assert_int_equal(dnscache_prefetch_claim(c, &q, T0 + 190), 1);
	/* expired (kept for nothing): not claimed */
	assert_int_equal(store(c, "cold.example.test", DNS_TYPE_A, 0, 0, 10, T0), 1);
	mkq(&q, "cold.example.test", DNS_TYPE_A, 0, 0);
	assert_int_equal(dnscache_prefetch_claim(c, &q, T0 + 10), 0);
}

static void
test_free_null(void **state)
{
	(void)state;
	dnscache_free(NULL);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_store_lookup),
		T(test_replace_capped),
		T(test_ttl_decay_and_expiry),
		T(test_serve_stale),
		T(test_ttl_clamps),
		T(test_ttl_zero_not_cached),
		T(test_negative_with_soa),
		T(test_negative_cap),
		T(test_negative_without_soa),
		T(test_not_cached_rcodes),
		T(test_store_rejects_bad),
		T(test_opt_dropped),
		T(test_keyed_by_do_cd),
		T(test_case_insensitive),
		T(test_replace),
		T(test_replace_built),
		T(test_lru_eviction),
		T(test_lru_touch_tail_and_head),
		T(test_max_entries_zero),
		T(test_many_entries),
		T(test_remove),
		T(test_set_limits_shrink),
		T(test_stats_and_flush),
		T(test_bytes_per_entry),
		T(test_prefetch_claim),
		cmocka_unit_test(test_free_null),
	};

	return cmocka_run_group_tests_name("dnscache", tests, NULL, NULL);
}
