/* tests/unit/test_digest.c - resolver/digest.c: wire answers into what the ladder compares. */
#include "autoconf.h"

#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <ldns/ldns.h>

#include "consensus.h"
#include "digest.h"
#include "testname.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define QNAME "www.example.com."

/* Large: keep them off the stack. */
static struct digest d1, d2;

/* An answer to (qname, qtype) with rcode and the answer records rrs[] (NULL-terminated). */
static uint8_t *
mkanswer(const char *qname, ldns_rr_type qtype, uint8_t rcode, const char *const *rrs,
    const char *const *additional, size_t *len)
{
	ldns_pkt *p = NULL;
	uint8_t *wire = NULL;

	assert_int_equal(ldns_pkt_query_new_frm_str(&p, qname, qtype, LDNS_RR_CLASS_IN, LDNS_RD),
	    LDNS_STATUS_OK);
	ldns_pkt_set_qr(p, true);
	ldns_pkt_set_ra(p, true);
	ldns_pkt_set_id(p, 4242);
	ldns_pkt_set_rcode(p, rcode);
	for (size_t i = 0; rrs && rrs[i]; i++) {
		ldns_rr *rr = NULL;
		if (ldns_rr_new_frm_str(&rr, rrs[i], 300, NULL, NULL) != LDNS_STATUS_OK)
			fail_msg("bad rr in test: %s", rrs[i]);
		assert_true(ldns_pkt_push_rr(p, LDNS_SECTION_ANSWER, rr));
	}
	for (size_t i = 0; additional && additional[i]; i++) {
		ldns_rr *rr = NULL;
		if (ldns_rr_new_frm_str(&rr, additional[i], 300, NULL, NULL) != LDNS_STATUS_OK)
			fail_msg("bad rr in test: %s", additional[i]);
		assert_true(ldns_pkt_push_rr(p, LDNS_SECTION_ADDITIONAL, rr));
	}
	assert_int_equal(ldns_pkt2wire(&wire, p, len), LDNS_STATUS_OK);
	ldns_pkt_free(p);
	return wire;
}

/* Digest an answer to (qname, qtype) made of rrs; returns digest_answer's result. */
static int
dig(struct digest *d, const char *qname, ldns_rr_type qtype, uint8_t rcode,
    const char *const *rrs)
{
	uint8_t q[LDNS_MAX_DOMAINLEN + 1];
	size_t qlen = qwire(qname, q), len;
	uint8_t *wire = mkanswer(qname, qtype, rcode, rrs, NULL, &len);
	int rc;

	memset(d, 0x5a, sizeof(*d)); /* digest_answer must not rely on a clean struct */
	rc = digest_answer(d, wire, len, q, qlen, (uint16_t)qtype);
	free(wire);
	return rc;
}

static int
has_addr(const struct digest *d, const char *s)
{
	struct cons_addr a;

	memset(&a, 0, sizeof(a));
	if (inet_pton(AF_INET, s, a.bytes) == 1)
		a.family = 4;
	else {
		assert_int_equal(inet_pton(AF_INET6, s, a.bytes), 1);
		a.family = 6;
	}
	for (size_t i = 0; i < d->ans.n_addrs; i++)
		if (d->ans.addrs[i].family == a.family &&
		    memcmp(d->ans.addrs[i].bytes, a.bytes, a.family == 4 ? 4 : 16) == 0)
			return 1;
	return 0;
}

static void
assert_same_rrs(const struct digest *a, const struct digest *b)
{
	assert_int_equal(a->ans.n_rrs, b->ans.n_rrs);
	assert_ptr_equal(a->ans.rrs, a->rrs);
	for (size_t i = 0; i < a->ans.n_rrs; i++) {
		assert_int_equal(a->ans.rrs[i].type, b->ans.rrs[i].type);
		assert_int_equal(a->ans.rrs[i].len, b->ans.rrs[i].len);
		assert_memory_equal(a->ans.rrs[i].rdata, b->ans.rrs[i].rdata, a->ans.rrs[i].len);
	}
}

/* RFC 4034 6.3: rdata as left-justified unsigned octet strings, a missing octet sorts first. */
static void
assert_canonical_order(const struct digest *d)
{
	for (size_t i = 1; i < d->ans.n_rrs; i++) {
		const struct cons_rr *p = &d->ans.rrs[i - 1], *q = &d->ans.rrs[i];
		size_t m = p->len < q->len ? p->len : q->len;
		int c = memcmp(p->rdata, q->rdata, m);
		assert_int_equal(p->type, q->type);
		if (c > 0 || (c == 0 && p->len > q->len))
			fail_msg("rrs[%zu] and rrs[%zu] out of canonical order", i - 1, i);
	}
}

static void
assert_tail(const struct digest *d, const char *name)
{
	uint8_t w[LDNS_MAX_DOMAINLEN + 1];
	size_t n = qwire(name, w);

	assert_int_equal(d->ans.cname_tail_len, n);
	assert_memory_equal(d->ans.cname_tail, w, n);
}

static struct cons_policy
pol_default(void)
{
	struct cons_policy p = { 0, CONS_MATCH_LADDER, 0, 24, 48, 0 };

	return p;
}

/* ---- addresses ---- */

static void
test_a_addresses(void **state)
{
	static const char *const rrs[] = { QNAME " 300 IN A 93.184.216.34",
		QNAME " 300 IN A 93.184.216.35", NULL };
	const uint8_t rd[] = { 93, 184, 216, 34 };

	(void)state;
	assert_int_equal(dig(&d1, QNAME, LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, rrs), 0);
	assert_int_equal(d1.ans.transport, TRANSPORT_OK);
	assert_int_equal(d1.ans.rclass, RCLASS_DATA);
	assert_int_equal(d1.ans.n_rrs, 2);
	assert_int_equal(d1.ans.n_addrs, 2);
	assert_true(has_addr(&d1, "93.184.216.34"));
	assert_true(has_addr(&d1, "93.184.216.35"));
	assert_int_equal(d1.ans.addrs[0].family, 4);
	assert_int_equal(d1.ans.rrs[0].type, LDNS_RR_TYPE_A);
	assert_int_equal(d1.ans.rrs[0].len, 4);
	assert_memory_equal(d1.ans.rrs[0].rdata, rd, 4);
	assert_int_equal(d1.ans.cname_tail_len, 0);
}

static void
test_aaaa_addresses(void **state)
{
	static const char *const rrs[] = { QNAME " 300 IN AAAA 2a00:1450:4001:81c::200e",
		QNAME " 300 IN AAAA 2606:4700::6810:84e5", NULL };

	(void)state;
	assert_int_equal(dig(&d1, QNAME, LDNS_RR_TYPE_AAAA, LDNS_RCODE_NOERROR, rrs), 0);
	assert_int_equal(d1.ans.rclass, RCLASS_DATA);
	assert_int_equal(d1.ans.n_rrs, 2);
	assert_int_equal(d1.ans.n_addrs, 2);
	assert_int_equal(d1.ans.addrs[0].family, 6);
	assert_int_equal(d1.ans.addrs[1].family, 6);
	assert_true(has_addr(&d1, "2a00:1450:4001:81c::200e"));
	assert_true(has_addr(&d1, "2606:4700::6810:84e5"));
	assert_int_equal(d1.ans.rrs[0].type, LDNS_RR_TYPE_AAAA);
	assert_int_equal(d1.ans.rrs[0].len, 16);
	assert_canonical_order(&d1);
}

/* ---- canonical form ---- */

static void
test_sorted_any_order(void **state)
{
	static const char *const a[] = { QNAME " 300 IN A 151.101.1.1",
		QNAME " 300 IN A 93.184.216.34", QNAME " 300 IN A 93.184.216.35",
		QNAME " 300 IN A 2.16.1.1", NULL };
	static const char *const b[] = { QNAME " 300 IN A 93.184.216.35",
		QNAME " 300 IN A 2.16.1.1", QNAME " 300 IN A 151.101.1.1",
		QNAME " 300 IN A 93.184.216.34", NULL };
	struct cons_policy pol = pol_default();
	enum cons_rule r;
	enum cons_why w;

	(void)state;
	assert_int_equal(dig(&d1, QNAME, LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, a), 0);
	assert_int_equal(dig(&d2, QNAME, LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, b), 0);
	assert_same_rrs(&d1, &d2);
	assert_canonical_order(&d1);
	assert_int_equal(d1.ans.rrs[0].rdata[0], 2);
	assert_int_equal(d1.ans.rrs[3].rdata[0], 151);
	assert_int_equal(consensus_compare(&d1.ans, &d2.ans, &pol, &r, &w), EVIDENCE_CORROBORATES);
	assert_int_equal(r, RULE_EQUAL);
}

/* Every permutation of five TXT records of different lengths sorts the same. */
static void
test_sorted_lengths_every_order(void **state)
{
	static const char *const txt[] = { QNAME " IN TXT \"b\"", QNAME " IN TXT \"ab\"",
		QNAME " IN TXT \"a\"", QNAME " IN TXT \"a\" \"b\"", QNAME " IN TXT \"\"" };
	size_t idx[5] = { 0, 1, 2, 3, 4 }, perms = 0;
	const char *rrs[6];

	(void)state;
	rrs[5] = NULL;
	for (size_t i = 0; i < 5; i++)
		rrs[i] = txt[i];
	assert_int_equal(dig(&d2, QNAME, LDNS_RR_TYPE_TXT, LDNS_RCODE_NOERROR, rrs), 0);
	assert_int_equal(d2.ans.n_rrs, 5);
	assert_int_equal(d2.ans.n_addrs, 0);
	assert_canonical_order(&d2);
	/* Heap's algorithm, iterative. */
	{
		size_t c[5] = { 0 }, i = 0;
		do {
			for (size_t j = 0; j < 5; j++)
				rrs[j] = txt[idx[j]];
			assert_int_equal(dig(&d1, QNAME, LDNS_RR_TYPE_TXT, LDNS_RCODE_NOERROR, rrs), 0);
			assert_same_rrs(&d1, &d2);
			perms++;
			while (i < 5 && c[i] >= i) {
				c[i] = 0;
				i++;
			}
			if (i < 5) {
				size_t t, k = i % 2 ? c[i] : 0;
				t = idx[k];
				idx[k] = idx[i];
				idx[i] = t;
				c[i]++;
				i = 0;
			}
		} while (i < 5);
	}
	assert_int_equal(perms, 120);
}

static void
test_ttl_and_case_ignored(void **state)
{
	static const char *const a[] = { QNAME " 60 IN A 93.184.216.34",
		QNAME " 86400 IN A 93.184.216.35", NULL };
	static const char *const b[] = { "WWW.Example.COM. 7 IN A 93.184.216.35",
		"www.EXAMPLE.com. 3600 IN A 93.184.216.34", NULL };

	(void)state;
	assert_int_equal(dig(&d1, QNAME, LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, a), 0);
	assert_int_equal(dig(&d2, QNAME, LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, b), 0);
	assert_int_equal(d2.ans.rclass, RCLASS_DATA);
	assert_same_rrs(&d1, &d2);
}

static void
test_mx_names_lowercased(void **state)
{
	static const char *const a[] = { "example.com. 300 IN MX 10 MAIL.Example.COM.",
		"example.com. 300 IN MX 20 Backup.EXAMPLE.net.", NULL };
	static const char *const b[] = { "example.com. 60 IN MX 20 backup.example.net.",
		"EXAMPLE.com. 60 IN MX 10 mail.example.com.", NULL };
	static const uint8_t want0[] = "\000\012\004mail\007example\003com";

	(void)state;
	assert_int_equal(dig(&d1, "example.com.", LDNS_RR_TYPE_MX, LDNS_RCODE_NOERROR, a), 0);
	assert_int_equal(dig(&d2, "example.com.", LDNS_RR_TYPE_MX, LDNS_RCODE_NOERROR, b), 0);
	assert_int_equal(d1.ans.rclass, RCLASS_DATA);
	assert_int_equal(d1.ans.n_addrs, 0);
	assert_same_rrs(&d1, &d2);
	assert_int_equal(d1.ans.rrs[0].type, LDNS_RR_TYPE_MX);
	assert_int_equal(d1.ans.rrs[0].len, sizeof(want0)); /* incl. the root label */
	assert_memory_equal(d1.ans.rrs[0].rdata, want0, sizeof(want0));
}

static void
test_txt_case_kept(void **state)
{
	static const char *const a[] = { QNAME " IN TXT \"Hello\"", NULL };
	static const char *const b[] = { QNAME " IN TXT \"hello\"", NULL };
	struct cons_policy pol = pol_default();
	enum cons_rule r;
	enum cons_why w;

	(void)state;
	/* Only names are case-insensitive: text is data. */
	assert_int_equal(dig(&d1, QNAME, LDNS_RR_TYPE_TXT, LDNS_RCODE_NOERROR, a), 0);
	assert_int_equal(dig(&d2, QNAME, LDNS_RR_TYPE_TXT, LDNS_RCODE_NOERROR, b), 0);
	assert_int_equal(consensus_compare(&d1.ans, &d2.ans, &pol, &r, &w), EVIDENCE_DISSENTS);
}

/* ---- CNAME chains ---- */

static void
test_cname_chain(void **state)
{
	static const char *const a[] = { QNAME " 300 IN CNAME www.example.com.cdn.net.",
		"www.example.com.cdn.net. 300 IN CNAME E1234.A.AkamaiEdge.NET.",
		"e1234.a.akamaiedge.net. 20 IN A 2.16.1.1",
		"e1234.a.akamaiedge.net. 20 IN A 2.16.1.2", NULL };
	/* The same records, last first. */
	static const char *const b[] = { "e1234.a.akamaiedge.net. 20 IN A 2.16.1.2",
		"e1234.a.akamaiedge.net. 20 IN A 2.16.1.1",
		"www.example.com.cdn.net. 300 IN CNAME e1234.a.akamaiedge.net.",
		QNAME " 300 IN CNAME WWW.example.com.CDN.net.", NULL };

	(void)state;
	assert_int_equal(dig(&d1, QNAME, LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, a), 0);
	assert_int_equal(d1.ans.rclass, RCLASS_DATA);
	assert_int_equal(d1.ans.n_rrs, 2);
	assert_int_equal(d1.ans.n_addrs, 2);
	assert_true(has_addr(&d1, "2.16.1.1"));
	assert_true(has_addr(&d1, "2.16.1.2"));
	assert_tail(&d1, "e1234.a.akamaiedge.net.");
	assert_int_equal(dig(&d2, QNAME, LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, b), 0);
	assert_same_rrs(&d1, &d2);
	assert_tail(&d2, "e1234.a.akamaiedge.net.");
}

static void
test_cname_one_hop(void **state)
{
	static const char *const a[] = { QNAME " 300 IN CNAME edge.example.net.",
		"edge.example.net. 300 IN AAAA 2a04:4e42::223", NULL };

	(void)state;
	assert_int_equal(dig(&d1, QNAME, LDNS_RR_TYPE_AAAA, LDNS_RCODE_NOERROR, a), 0);
	assert_int_equal(d1.ans.rclass, RCLASS_DATA);
	assert_true(has_addr(&d1, "2a04:4e42::223"));
	assert_tail(&d1, "edge.example.net.");
}

static void
test_cname_only_is_nodata(void **state)
{
	static const char *const a[] = { QNAME " 300 IN CNAME a.example.net.",
		"a.example.net. 300 IN CNAME b.example.org.", NULL };

	(void)state;
	assert_int_equal(dig(&d1, QNAME, LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, a), 0);
	assert_int_equal(d1.ans.transport, TRANSPORT_OK);
	assert_int_equal(d1.ans.rclass, RCLASS_NODATA);
	assert_int_equal(d1.ans.n_rrs, 0);
	assert_int_equal(d1.ans.n_addrs, 0);
	assert_tail(&d1, "b.example.org.");
}

static void
test_cname_asked_for(void **state)
{
	static const char *const a[] = { QNAME " 300 IN CNAME A.Example.NET.",
		"a.example.net. 300 IN A 93.184.216.34", NULL };
	static const uint8_t want[] = "\001a\007example\003net";

	(void)state;
	/* qtype CNAME: the CNAME is the data, not a chain to follow. */
	assert_int_equal(dig(&d1, QNAME, LDNS_RR_TYPE_CNAME, LDNS_RCODE_NOERROR, a), 0);
	assert_int_equal(d1.ans.rclass, RCLASS_DATA);
	assert_int_equal(d1.ans.n_rrs, 1);
	assert_int_equal(d1.ans.n_addrs, 0);
	assert_int_equal(d1.ans.cname_tail_len, 0);
	assert_int_equal(d1.ans.rrs[0].len, sizeof(want));
	assert_memory_equal(d1.ans.rrs[0].rdata, want, sizeof(want));
}

static void
test_cname_loop_bounded(void **state)
{
	static const char *const loop2[] = { QNAME " IN CNAME a.example.net.",
		"a.example.net. IN CNAME www.example.com.", NULL };
	static const char *const self[] = { QNAME " IN CNAME www.example.com.", NULL };
	static const char *const loop_then_a[] = { QNAME " IN CNAME a.example.net.",
		"a.example.net. IN CNAME b.example.net.", "b.example.net. IN CNAME a.example.net.",
		"c.example.net. IN A 93.184.216.34", NULL };

	(void)state;
	assert_int_equal(dig(&d1, QNAME, LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, loop2), 0);
	assert_int_not_equal(d1.ans.rclass, RCLASS_DATA);
	assert_int_equal(d1.ans.n_rrs, 0);
	assert_int_equal(dig(&d1, QNAME, LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, self), 0);
	assert_int_not_equal(d1.ans.rclass, RCLASS_DATA);
	assert_int_equal(dig(&d1, QNAME, LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, loop_then_a), 0);
	assert_int_not_equal(d1.ans.rclass, RCLASS_DATA);
	assert_int_equal(d1.ans.n_addrs, 0);
}

/* A chain of hops CNAMEs from QNAME, c1 ... c<hops>, then an A at the end. */
static int
dig_chain(struct digest *d, int hops)
{
	static char bufs[40][96];
	const char *rrs[42];
	int n = 0;

	for (int i = 0; i < hops; i++) {
		char from[32];
		if (i == 0)
			snprintf(from, sizeof(from), "%s", QNAME);
		else
			snprintf(from, sizeof(from), "c%d.example.net.", i);
		snprintf(bufs[n], sizeof(bufs[n]), "%s IN CNAME c%d.example.net.", from, i + 1);
		rrs[n] = bufs[n];
		n++;
	}
	snprintf(bufs[n], sizeof(bufs[n]), "c%d.example.net. IN A 93.184.216.34", hops);
	rrs[n] = bufs[n];
	n++;
	rrs[n] = NULL;
	return dig(d, QNAME, LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, rrs);
}

static void
test_cname_chain_limit(void **state)
{
	char tail[32];

	(void)state;
	/* DIGEST_MAX_CHAIN hops are followed. */
	assert_int_equal(dig_chain(&d1, DIGEST_MAX_CHAIN), 0);
	assert_int_equal(d1.ans.rclass, RCLASS_DATA);
	assert_true(has_addr(&d1, "93.184.216.34"));
	snprintf(tail, sizeof(tail), "c%d.example.net.", DIGEST_MAX_CHAIN);
	assert_tail(&d1, tail);
}

/*
 * One hop more than the limit: the digest stops before the data. What the answer says past
 * the limit was never looked at, so it must not be taken for "the name has no such data"
 * (NODATA corroborates NODATA by rule 1): the answer is unusable.
 */
static void
test_cname_chain_too_long_unusable(void **state)
{
	(void)state;
	assert_int_equal(dig_chain(&d1, DIGEST_MAX_CHAIN + 1), 0);
	assert_int_equal(d1.ans.n_rrs, 0);
	assert_int_equal(d1.ans.rclass, RCLASS_OTHER);
}

/* ---- rcodes and garbage ---- */

static void
test_nxdomain(void **state)
{
	static const char *const a[] = { QNAME " IN CNAME gone.example.net.", NULL };

	(void)state;
	assert_int_equal(dig(&d1, QNAME, LDNS_RR_TYPE_A, LDNS_RCODE_NXDOMAIN, NULL), 0);
	assert_int_equal(d1.ans.transport, TRANSPORT_OK);
	assert_int_equal(d1.ans.rclass, RCLASS_NXDOMAIN);
	assert_int_equal(d1.ans.n_rrs, 0);
	assert_int_equal(d1.ans.n_addrs, 0);
	/* RFC 6604: NXDOMAIN at the end of a chain is still NXDOMAIN. */
	assert_int_equal(dig(&d1, QNAME, LDNS_RR_TYPE_A, LDNS_RCODE_NXDOMAIN, a), 0);
	assert_int_equal(d1.ans.rclass, RCLASS_NXDOMAIN);
}

static void
test_empty_noerror_is_nodata(void **state)
{
	(void)state;
	assert_int_equal(dig(&d1, QNAME, LDNS_RR_TYPE_AAAA, LDNS_RCODE_NOERROR, NULL), 0);
	assert_int_equal(d1.ans.rclass, RCLASS_NODATA);
	assert_int_equal(d1.ans.n_rrs, 0);
	assert_int_equal(d1.ans.cname_tail_len, 0);
}

static void
test_servfail_refused(void **state)
{
	static const uint8_t rcodes[] = { LDNS_RCODE_SERVFAIL, LDNS_RCODE_REFUSED,
		LDNS_RCODE_FORMERR, LDNS_RCODE_NOTIMPL };
	static const char *const a[] = { QNAME " IN A 93.184.216.34", NULL };

	(void)state;
	for (size_t i = 0; i < NELEM(rcodes); i++) {
		assert_int_equal(dig(&d1, QNAME, LDNS_RR_TYPE_A, rcodes[i], a), 0);
		assert_int_equal(d1.ans.transport, TRANSPORT_OK);
		assert_int_equal(d1.ans.rclass, RCLASS_OTHER);
		assert_int_equal(d1.ans.n_rrs, 0);
		assert_int_equal(d1.ans.n_addrs, 0);
	}
}

static void
test_garbage(void **state)
{
	static const char *const a[] = { QNAME " IN A 93.184.216.34",
		QNAME " IN A 93.184.216.35", NULL };
	uint8_t q[LDNS_MAX_DOMAINLEN + 1], junk[64];
	size_t qlen = qwire(QNAME, q), len;
	uint8_t *wire;

	(void)state;
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)(0xc0 | i);
	memset(&d1, 0x5a, sizeof(d1));
	assert_int_equal(digest_answer(&d1, junk, sizeof(junk), q, qlen, LDNS_RR_TYPE_A), -1);
	assert_int_equal(d1.ans.transport, TRANSPORT_ERROR);
	assert_int_equal(d1.ans.rclass, RCLASS_OTHER);
	assert_int_equal(d1.ans.n_rrs, 0);
	assert_int_equal(d1.ans.n_addrs, 0);
	assert_int_equal(d1.ans.cname_tail_len, 0);

	/* Empty, and shorter than a header. */
	assert_int_equal(digest_answer(&d1, junk, 0, q, qlen, LDNS_RR_TYPE_A), -1);
	assert_int_equal(d1.ans.transport, TRANSPORT_ERROR);
	assert_int_equal(digest_answer(&d1, junk, 11, q, qlen, LDNS_RR_TYPE_A), -1);

	/* A good answer cut short anywhere inside its answer section. */
	wire = mkanswer(QNAME, LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, a, NULL, &len);
	for (size_t cut = 12; cut < len; cut++) {
		memset(&d1, 0x5a, sizeof(d1));
		if (digest_answer(&d1, wire, cut, q, qlen, LDNS_RR_TYPE_A) != -1 ||
		    d1.ans.transport != TRANSPORT_ERROR)
			fail_msg("cut at %zu of %zu: parsed", cut, len);
	}
	assert_int_equal(digest_answer(&d1, wire, len, q, qlen, LDNS_RR_TYPE_A), 0);
	assert_int_equal(d1.ans.n_rrs, 2);
	free(wire);
}

/* ---- what is not ours ---- */

static void
test_other_owners_ignored(void **state)
{
	static const char *const a[] = { "other.example.com. IN A 45.33.32.156",
		QNAME " IN A 93.184.216.34", "example.com. IN A 151.101.1.1",
		QNAME " IN AAAA 2a00:1450:4001::1", QNAME " IN TXT \"v=spf1 -all\"",
		"sub.www.example.com. IN A 2.16.1.1", NULL };
	static const char *const only_others[] = { "other.example.com. IN A 45.33.32.156",
		"a.example.net. IN CNAME b.example.net.", NULL };
	static const char *const add[] = { QNAME " IN A 6.6.6.6", NULL };
	uint8_t q[LDNS_MAX_DOMAINLEN + 1], *wire;
	size_t qlen = qwire(QNAME, q), len;

	(void)state;
	assert_int_equal(dig(&d1, QNAME, LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, a), 0);
	assert_int_equal(d1.ans.rclass, RCLASS_DATA);
	assert_int_equal(d1.ans.n_rrs, 1);
	assert_int_equal(d1.ans.n_addrs, 1);
	assert_true(has_addr(&d1, "93.184.216.34"));

	assert_int_equal(dig(&d1, QNAME, LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, only_others), 0);
	assert_int_equal(d1.ans.rclass, RCLASS_NODATA);
	assert_int_equal(d1.ans.cname_tail_len, 0);

	/* Records outside the answer section are not the answer. */
	wire = mkanswer(QNAME, LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, a, add, &len);
	assert_int_equal(digest_answer(&d1, wire, len, q, qlen, LDNS_RR_TYPE_A), 0);
	assert_int_equal(d1.ans.n_rrs, 1);
	assert_false(has_addr(&d1, "6.6.6.6"));
	free(wire);
}

/* Data beside a CNAME: the checker would see the honest set, glibc follows the CNAME. */
static void
test_data_beside_cname(void **state)
{
	static const char *const a[] = { QNAME " IN CNAME evil.example.net.",
		"evil.example.net. IN A 45.33.32.156", QNAME " IN A 93.184.216.34", NULL };
	static const char *const mid[] = { QNAME " IN CNAME a.example.net.",
		"a.example.net. IN CNAME b.example.net.", "a.example.net. IN A 45.33.32.156",
		"b.example.net. IN A 93.184.216.34", NULL };

	(void)state;
	assert_int_equal(dig(&d1, QNAME, LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, a), 0);
	assert_int_equal(d1.ans.transport, TRANSPORT_OK);
	assert_int_equal(d1.ans.rclass, RCLASS_OTHER);
	/* The same inside the chain. */
	assert_int_equal(dig(&d1, QNAME, LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, mid), 0);
	assert_int_equal(d1.ans.rclass, RCLASS_OTHER);
}

/* Two different CNAMEs at one owner: which one a client follows is the liar's choice. */
static void
test_two_cnames_unusable(void **state)
{
	static const char *const a[] = { QNAME " IN CNAME a.example.net.",
		QNAME " IN CNAME evil.example.net.", "a.example.net. IN A 93.184.216.34",
		"evil.example.net. IN A 45.33.32.156", NULL };
	static const char *const dup[] = { QNAME " IN CNAME a.example.net.",
		QNAME " IN CNAME A.Example.NET.", "a.example.net. IN A 93.184.216.34", NULL };

	(void)state;
	assert_int_equal(dig(&d1, QNAME, LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, a), 0);
	assert_int_equal(d1.ans.rclass, RCLASS_OTHER);
	/* The same CNAME twice (any case) is one CNAME. */
	assert_int_equal(dig(&d1, QNAME, LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, dup), 0);
	assert_int_equal(d1.ans.rclass, RCLASS_DATA);
	assert_int_equal(d1.ans.n_chain, 1);
	/* Asked for the CNAME itself: the CNAMEs are the data, compared as a set. */
	assert_int_equal(dig(&d1, QNAME, LDNS_RR_TYPE_CNAME, LDNS_RCODE_NOERROR, a), 0);
	assert_int_equal(d1.ans.rclass, RCLASS_DATA);
	assert_int_equal(d1.ans.n_rrs, 2);
}

/* The whole chain is recorded, lower-cased, in order, with each hop's TTL. */
static void
test_chain_recorded(void **state)
{
	static const char *const a[] = { "c2.example.net. 60 IN CNAME Edge.CDN.example.",
		QNAME " 300 IN CNAME C1.example.NET.", "c1.example.net. 120 IN CNAME c2.example.net.",
		"edge.cdn.example. 30 IN A 93.184.216.34", "edge.cdn.example. 20 IN A 93.184.216.35",
		NULL };
	uint8_t w[3 * 256];
	size_t n = 0;

	(void)state;
	n += qwire("c1.example.net.", w + n);
	n += qwire("c2.example.net.", w + n);
	n += qwire("edge.cdn.example.", w + n);
	assert_int_equal(dig(&d1, QNAME, LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, a), 0);
	assert_int_equal(d1.ans.rclass, RCLASS_DATA);
	assert_int_equal(d1.ans.n_chain, 3);
	assert_int_equal(d1.ans.chain_len, n);
	assert_ptr_equal(d1.ans.chain, d1.chain);
	assert_memory_equal(d1.ans.chain, w, n);
	assert_int_equal(d1.chain_ttls[0], 300);
	assert_int_equal(d1.chain_ttls[1], 120);
	assert_int_equal(d1.chain_ttls[2], 60);
	/* Per-record TTLs follow their records through the sort. */
	assert_int_equal(d1.ans.n_rrs, 2);
	assert_int_equal(d1.ans.rrs[0].rdata[3], 34);
	assert_int_equal(d1.ttls[0], 30);
	assert_int_equal(d1.ttls[1], 20);
	assert_tail(&d1, "edge.cdn.example.");
	/* No chain: nothing recorded. */
	assert_int_equal(dig(&d1, QNAME, LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR,
			     (const char *const[]){ QNAME " IN A 93.184.216.34", NULL }),
	    0);
	assert_int_equal(d1.ans.n_chain, 0);
	assert_int_equal(d1.ans.chain_len, 0);
}

/* What is not on the chain does not count: the final set elsewhere, a CNAME of another
 * owner, DNAME (its synthesised CNAME is what is followed). */
static void
test_off_chain_ignored(void **state)
{
	static const char *const elsewhere[] = { QNAME " IN CNAME a.example.net.",
		"b.example.net. IN A 45.33.32.156", NULL };
	static const char *const unrelated[] = { QNAME " IN A 93.184.216.34",
		"zz.example.com. IN CNAME evil.example.net.", "evil.example.net. IN A 45.33.32.156",
		NULL };
	static const char *const dname[] = { "example.com. IN DNAME example.net.",
		QNAME " IN CNAME www.example.net.", "www.example.net. IN A 93.184.216.34",
		"example.com. IN DNAME evil.example.", NULL };

	(void)state;
	assert_int_equal(dig(&d1, QNAME, LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, elsewhere), 0);
	assert_int_equal(d1.ans.rclass, RCLASS_NODATA);
	assert_int_equal(d1.ans.n_chain, 1);
	assert_int_equal(dig(&d1, QNAME, LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, unrelated), 0);
	assert_int_equal(d1.ans.rclass, RCLASS_DATA);
	assert_int_equal(d1.ans.n_chain, 0);
	assert_int_equal(d1.ans.n_addrs, 1);
	assert_true(has_addr(&d1, "93.184.216.34"));
	assert_int_equal(dig(&d1, QNAME, LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, dname), 0);
	assert_int_equal(d1.ans.rclass, RCLASS_DATA);
	assert_int_equal(d1.ans.n_chain, 1);
	assert_int_equal(d1.ans.n_addrs, 1);
	assert_tail(&d1, "www.example.net.");
}

/* An answer with authority records (answer rrs, authority ns); returns digest_answer's. */
static int
dig_ns(struct digest *d, const char *qname, ldns_rr_type qtype, uint8_t rcode,
    const char *const *rrs, const char *const *ns)
{
	uint8_t q[LDNS_MAX_DOMAINLEN + 1], *wire = NULL;
	size_t qlen = qwire(qname, q), len;
	ldns_pkt *p = NULL;
	int rc;

	assert_int_equal(ldns_pkt_query_new_frm_str(&p, qname, qtype, LDNS_RR_CLASS_IN, LDNS_RD),
	    LDNS_STATUS_OK);
	ldns_pkt_set_qr(p, true);
	ldns_pkt_set_rcode(p, rcode);
	for (int sec = 0; sec < 2; sec++) {
		const char *const *l = sec ? ns : rrs;
		for (size_t i = 0; l && l[i]; i++) {
			ldns_rr *rr = NULL;
			assert_int_equal(ldns_rr_new_frm_str(&rr, l[i], 300, NULL, NULL), LDNS_STATUS_OK);
			assert_true(ldns_pkt_push_rr(p, sec ? LDNS_SECTION_AUTHORITY : LDNS_SECTION_ANSWER, rr));
		}
	}
	assert_int_equal(ldns_pkt2wire(&wire, p, &len), LDNS_STATUS_OK);
	ldns_pkt_free(p);
	memset(d, 0x5a, sizeof(*d));
	rc = digest_answer(d, wire, len, q, qlen, (uint16_t)qtype);
	free(wire);
	return rc;
}

/* A negative answer keeps the SOA of an ancestor only, its TTL min(TTL, MINIMUM). */
static void
test_negative_soa(void **state)
{
	static const char *const soas[] = {
		"evil.example. 300 IN SOA ns.evil.example. h.evil.example. 1 2 3 4 5",
		"sub.www.example.com. 300 IN SOA ns.x. h.x. 1 2 3 4 5",
		"Example.COM. 3600 IN SOA NS1.Example.com. host.example.com. 1 3600 900 604800 60",
		NULL };
	static const char *const low[] = { "example.com. 20 IN SOA ns1.example.com. h.example.com. 1 2 3 4 60",
		NULL };
	static const char *const chain[] = { QNAME " IN CNAME a.example.net.", NULL };
	static const char *const net[] = { "example.net. 300 IN SOA ns.example.net. h.example.net. 1 2 3 4 30",
		NULL };
	static const char *const data[] = { QNAME " IN A 45.33.32.156", NULL };
	uint8_t w[256];
	size_t n = qwire("example.com.", w);

	(void)state;
	assert_int_equal(dig_ns(&d1, QNAME, LDNS_RR_TYPE_A, LDNS_RCODE_NXDOMAIN, NULL, soas), 0);
	assert_int_equal(d1.ans.rclass, RCLASS_NXDOMAIN);
	assert_int_equal(d1.soa_owner_len, n);
	assert_memory_equal(d1.soa_owner, w, n);
	assert_int_equal(d1.soa_ttl, 60);
	assert_true(d1.soa_len > 22);
	assert_int_equal(d1.soa_rdata[1], 'n'); /* canonical: lower-cased names */
	assert_int_equal(dig_ns(&d1, QNAME, LDNS_RR_TYPE_AAAA, LDNS_RCODE_NOERROR, NULL, low), 0);
	assert_int_equal(d1.ans.rclass, RCLASS_NODATA);
	assert_int_equal(d1.soa_ttl, 20);
	/* No SOA of an ancestor: none kept. */
	assert_int_equal(dig_ns(&d1, QNAME, LDNS_RR_TYPE_A, LDNS_RCODE_NXDOMAIN, NULL, (const char *const[]){ soas[0], soas[1], NULL }), 0);
	assert_int_equal(d1.soa_owner_len, 0);
	/* After a chain, the SOA of the zone of its end. */
	assert_int_equal(dig_ns(&d1, QNAME, LDNS_RR_TYPE_A, LDNS_RCODE_NXDOMAIN, chain, net), 0);
	assert_int_equal(d1.ans.rclass, RCLASS_NXDOMAIN);
	assert_int_equal(d1.soa_ttl, 30);
	/* NXDOMAIN with data: the data is neither compared nor served. */
	assert_int_equal(dig_ns(&d1, QNAME, LDNS_RR_TYPE_A, LDNS_RCODE_NXDOMAIN, data, NULL), 0);
	assert_int_equal(d1.ans.rclass, RCLASS_NXDOMAIN);
	assert_int_equal(d1.ans.n_rrs, 0);
	assert_int_equal(d1.ans.n_addrs, 0);
	assert_int_equal(d1.rcode, LDNS_RCODE_NXDOMAIN);
}

/* ---- limits ---- */

static int
dig_many_a(struct digest *d, size_t n, const char *last)
{
	static char bufs[80][64];
	const char *rrs[81];

	assert_true(n < NELEM(rrs));
	for (size_t i = 0; i < n; i++) {
		if (last && i == n - 1)
			snprintf(bufs[i], sizeof(bufs[i]), "%s IN A %s", QNAME, last);
		else
			snprintf(bufs[i], sizeof(bufs[i]), "%s IN A 93.184.%zu.%zu", QNAME, i / 8,
			    i % 8 + 1);
		rrs[i] = bufs[i];
	}
	rrs[n] = NULL;
	return dig(d, QNAME, LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, rrs);
}

static int
dig_many_txt(struct digest *d, size_t n)
{
	static char bufs[80][64];
	const char *rrs[81];

	assert_true(n < NELEM(rrs));
	for (size_t i = 0; i < n; i++) {
		snprintf(bufs[i], sizeof(bufs[i]), "%s IN TXT \"record %zu\"", QNAME, n - i);
		rrs[i] = bufs[i];
	}
	rrs[n] = NULL;
	return dig(d, QNAME, LDNS_RR_TYPE_TXT, LDNS_RCODE_NOERROR, rrs);
}

static void
test_many_records(void **state)
{
	(void)state;
	assert_int_equal(dig_many_txt(&d1, DIGEST_MAX_RRS), 0);
	assert_int_equal(d1.ans.rclass, RCLASS_DATA);
	assert_int_equal(d1.ans.n_rrs, DIGEST_MAX_RRS);
	assert_canonical_order(&d1);
	/* One more than the digest can hold: unusable, never a silently shortened set. */
	assert_int_equal(dig_many_txt(&d1, DIGEST_MAX_RRS + 1), -1);
	assert_int_equal(d1.ans.transport, TRANSPORT_ERROR);
	assert_int_equal(d1.ans.n_rrs, 0);
	/* A reused digest starts afresh. */
	assert_int_equal(dig_many_a(&d1, 3, NULL), 0);
	assert_int_equal(d1.ans.n_rrs, 3);
	assert_int_equal(d1.ans.n_addrs, 3);
}

/* As many addresses as struct cons_answer holds: all kept. */
static void
test_max_addresses(void **state)
{
	(void)state;
	assert_int_equal(dig_many_a(&d1, CONSENSUS_MAX_ADDRS, "10.9.9.9"), 0);
	assert_int_equal(d1.ans.n_rrs, CONSENSUS_MAX_ADDRS);
	assert_int_equal(d1.ans.n_addrs, CONSENSUS_MAX_ADDRS);
	assert_true(has_addr(&d1, "10.9.9.9"));
	assert_canonical_order(&d1);
}

/*
 * More addresses than CONSENSUS_MAX_ADDRS: the ladder looks only at ans.addrs. A poisoned
 * answer that hides a private address past the 32nd must not get past the "private address
 * only the local answer has" rule by overlapping with an honest mirror on another address.
 */
static void
test_many_addresses_private_hidden(void **state)
{
	static const char *const honest[] = { QNAME " IN A 93.184.0.1", NULL };
	struct cons_policy pol = pol_default();
	enum cons_rule r;
	enum cons_why w;
	int rc;

	(void)state;
	rc = dig_many_a(&d1, CONSENSUS_MAX_ADDRS + 1, "10.0.0.1");
	assert_int_equal(dig(&d2, QNAME, LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, honest), 0);
	/* Either the digest refuses the answer, or it keeps every address. */
	if (rc == 0) {
		assert_int_equal(d1.ans.n_rrs, CONSENSUS_MAX_ADDRS + 1);
		assert_true(has_addr(&d1, "10.0.0.1"));
	}
	assert_int_not_equal(consensus_compare(&d1.ans, &d2.ans, &pol, &r, &w),
	    EVIDENCE_CORROBORATES);
}

/* ---- digest_failed and digest_summary ---- */

static void
test_failed(void **state)
{
	static const enum cons_transport trs[] = { TRANSPORT_TIMEOUT, TRANSPORT_ERROR,
		TRANSPORT_TLS };

	(void)state;
	for (size_t i = 0; i < NELEM(trs); i++) {
		memset(&d1, 0x5a, sizeof(d1));
		digest_failed(&d1, trs[i]);
		assert_int_equal(d1.ans.transport, trs[i]);
		assert_int_equal(d1.ans.rclass, RCLASS_OTHER);
		assert_int_equal(d1.ans.n_rrs, 0);
		assert_int_equal(d1.ans.n_addrs, 0);
		assert_int_equal(d1.ans.cname_tail_len, 0);
		assert_ptr_equal(d1.ans.rrs, d1.rrs);
	}
}

static void
test_summary(void **state)
{
	static const char *const a1[] = { QNAME " IN A 203.0.113.9", NULL };
	static const char *const a2[] = { QNAME " IN A 93.184.216.34",
		QNAME " IN A 93.184.216.35", NULL };
	static const char *const v6[] = { QNAME " IN AAAA 2a00:1450:4001:81c::200e", NULL };
	static const char *const mx2[] = { "example.com. IN MX 10 a.example.com.",
		"example.com. IN MX 20 b.example.com.", NULL };
	static const char *const mx1[] = { "example.com. IN MX 10 a.example.com.", NULL };
	char buf[256], *s;

	(void)state;
	assert_int_equal(dig(&d1, QNAME, LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, a1), 0);
	s = digest_summary(&d1, buf, sizeof(buf));
	assert_ptr_equal(s, buf);
	assert_string_equal(buf, "203.0.113.9");
	assert_int_equal(dig(&d1, QNAME, LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, a2), 0);
	assert_string_equal(digest_summary(&d1, buf, sizeof(buf)), "93.184.216.34 93.184.216.35");
	assert_int_equal(dig(&d1, QNAME, LDNS_RR_TYPE_AAAA, LDNS_RCODE_NOERROR, v6), 0);
	assert_string_equal(digest_summary(&d1, buf, sizeof(buf)), "2a00:1450:4001:81c::200e");
	assert_int_equal(dig(&d1, "example.com.", LDNS_RR_TYPE_MX, LDNS_RCODE_NOERROR, mx2), 0);
	assert_string_equal(digest_summary(&d1, buf, sizeof(buf)), "2 records");
	assert_int_equal(dig(&d1, "example.com.", LDNS_RR_TYPE_MX, LDNS_RCODE_NOERROR, mx1), 0);
	assert_string_equal(digest_summary(&d1, buf, sizeof(buf)), "1 record");
	assert_int_equal(dig(&d1, QNAME, LDNS_RR_TYPE_A, LDNS_RCODE_NXDOMAIN, NULL), 0);
	assert_string_equal(digest_summary(&d1, buf, sizeof(buf)), "NXDOMAIN");
	assert_int_equal(dig(&d1, QNAME, LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, NULL), 0);
	assert_string_equal(digest_summary(&d1, buf, sizeof(buf)), "NODATA");
	assert_int_equal(dig(&d1, QNAME, LDNS_RR_TYPE_A, LDNS_RCODE_SERVFAIL, NULL), 0);
	assert_string_equal(digest_summary(&d1, buf, sizeof(buf)), "SERVFAIL");
	digest_failed(&d1, TRANSPORT_TIMEOUT);
	assert_string_equal(digest_summary(&d1, buf, sizeof(buf)), "timeout");
	digest_failed(&d1, TRANSPORT_TLS);
	assert_string_equal(digest_summary(&d1, buf, sizeof(buf)), "TLS failure");
	digest_failed(&d1, TRANSPORT_ERROR);
	assert_string_equal(digest_summary(&d1, buf, sizeof(buf)), "error");
}

static void
test_summary_small_buffer(void **state)
{
	char buf[256];

	(void)state;
	/* Many addresses into a small buffer: cut at an address boundary, terminated. */
	assert_int_equal(dig_many_a(&d1, 20, NULL), 0);
	memset(buf, 'x', sizeof(buf));
	digest_summary(&d1, buf, 64);
	assert_true(strlen(buf) < 64);
	assert_true(strlen(buf) > 0);
	assert_int_equal(buf[63 + 1], 'x'); /* nothing written past cap */
	assert_true(buf[strlen(buf) - 1] != ' ');
	/* Text answers into a tiny buffer. */
	digest_failed(&d1, TRANSPORT_TLS);
	memset(buf, 'x', sizeof(buf));
	digest_summary(&d1, buf, 4);
	assert_string_equal(buf, "TLS");
	assert_int_equal(buf[4], 'x');
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_addresses),
		cmocka_unit_test(test_aaaa_addresses),
		cmocka_unit_test(test_sorted_any_order),
		cmocka_unit_test(test_sorted_lengths_every_order),
		cmocka_unit_test(test_ttl_and_case_ignored),
		cmocka_unit_test(test_mx_names_lowercased),
		cmocka_unit_test(test_txt_case_kept),
		cmocka_unit_test(test_cname_chain),
		cmocka_unit_test(test_cname_one_hop),
		cmocka_unit_test(test_cname_only_is_nodata),
		cmocka_unit_test(test_cname_asked_for),
		cmocka_unit_test(test_cname_loop_bounded),
		cmocka_unit_test(test_cname_chain_limit),
		cmocka_unit_test(test_cname_chain_too_long_unusable),
		cmocka_unit_test(test_nxdomain),
		cmocka_unit_test(test_empty_noerror_is_nodata),
		cmocka_unit_test(test_servfail_refused),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_other_owners_ignored),
		cmocka_unit_test(test_data_beside_cname),
		cmocka_unit_test(test_two_cnames_unusable),
		cmocka_unit_test(test_chain_recorded),
		cmocka_unit_test(test_off_chain_ignored),
		cmocka_unit_test(test_negative_soa),
		cmocka_unit_test(test_many_records),
		cmocka_unit_test(test_max_addresses),
		cmocka_unit_test(test_many_addresses_private_hidden),
		cmocka_unit_test(test_failed),
		cmocka_unit_test(test_summary),
		cmocka_unit_test(test_summary_small_buffer),
	};

	return cmocka_run_group_tests_name("digest", tests, NULL, NULL);
}
