/* tests/unit/test_answer.c - resolver/answer.c: the served message holds the verified records only. */
#include "autoconf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <ldns/ldns.h>

#include "answer.h"
#include "digest.h"
#include "dnswire.h"
#include "testname.h"

#define QNAME "www.example.com."

/* Large: keep them off the stack. */
static struct digest d;
static uint8_t out[DNS_MAXMSG];

/* Digest an upstream answer (flags AA AD set, as a liar would) with the given sections. */
static void
digest(ldns_rr_type qtype, uint8_t rcode, const char *const *an, const char *const *ns,
    const char *const *ar)
{
	const char *const *secs[3] = { an, ns, ar };
	static const ldns_pkt_section which[3] = { LDNS_SECTION_ANSWER, LDNS_SECTION_AUTHORITY,
		LDNS_SECTION_ADDITIONAL };
	uint8_t q[LDNS_MAX_DOMAINLEN + 1], *wire = NULL;
	size_t qlen = qwire(QNAME, q), len;
	ldns_pkt *p = NULL;

	assert_int_equal(ldns_pkt_query_new_frm_str(&p, QNAME, qtype, LDNS_RR_CLASS_IN, LDNS_RD),
	    LDNS_STATUS_OK);
	ldns_pkt_set_qr(p, true);
	ldns_pkt_set_aa(p, true);
	ldns_pkt_set_ad(p, true);
	ldns_pkt_set_id(p, 4242);
	ldns_pkt_set_rcode(p, rcode);
	for (int s = 0; s < 3; s++)
		for (size_t i = 0; secs[s] && secs[s][i]; i++) {
			ldns_rr *rr = NULL;
			if (ldns_rr_new_frm_str(&rr, secs[s][i], 300, NULL, NULL) != LDNS_STATUS_OK)
				fail_msg("bad rr in test: %s", secs[s][i]);
			assert_true(ldns_pkt_push_rr(p, which[s], rr));
		}
	assert_int_equal(ldns_pkt2wire(&wire, p, &len), LDNS_STATUS_OK);
	ldns_pkt_free(p);
	memset(&d, 0x5a, sizeof(d));
	assert_int_equal(digest_answer(&d, wire, len, q, qlen, (uint16_t)qtype), 0);
	free(wire);
}

/* Build and parse back; the caller frees the packet. */
static ldns_pkt *
build(int flatten, uint32_t age)
{
	size_t n = answer_build(out, sizeof(out), &d, flatten, age);
	struct dnsq rq;
	struct dnsresp info;
	ldns_pkt *p = NULL;

	assert_int_not_equal(n, 0);
	/* Valid for our own parser (the cache's) and for ldns. */
	assert_int_equal(dnswire_parse_response(out, n, &rq, &info), 0);
	assert_int_equal(ldns_wire2pkt(&p, out, n), LDNS_STATUS_OK);
	/* Never AA, AD, TC; ID 0 (the client's goes in at serving); nothing in additional. */
	assert_int_equal(dnswire_get16(out), 0);
	assert_false(dnswire_get16(out + 2) & (DNS_FLAG_AA | DNS_FLAG_AD | DNS_FLAG_TC));
	assert_true(dnswire_get16(out + 2) & DNS_FLAG_QR);
	assert_int_equal(ldns_pkt_arcount(p), 0);
	return p;
}

/* Record i of a section as text without the TTL: "owner TYPE rdata". */
static void
assert_rr(ldns_rr_list *l, size_t i, const char *owner, ldns_rr_type type, uint32_t ttl,
    const char *rdata)
{
	ldns_rr *rr;
	char *o, *r;

	assert_true(i < ldns_rr_list_rr_count(l));
	rr = ldns_rr_list_rr(l, i);
	o = ldns_rdf2str(ldns_rr_owner(rr));
	r = ldns_rdf2str(ldns_rr_rdf(rr, 0));
	assert_string_equal(o, owner);
	assert_int_equal(ldns_rr_get_type(rr), type);
	assert_int_equal(ldns_rr_ttl(rr), ttl);
	assert_string_equal(r, rdata);
	free(o);
	free(r);
}

static void
test_final_set_only(void **state)
{
	static const char *const an[] = { QNAME " 300 IN A 93.184.216.34",
		"evil.example.net. 300 IN A 45.33.32.156", QNAME " 120 IN A 93.184.216.35",
		"zz.example.com. 300 IN CNAME evil.example.net.", QNAME " 300 IN TXT \"x\"", NULL };
	static const char *const ns[] = { "example.com. 300 IN NS evil.example.net.", NULL };
	static const char *const ar[] = { "evil.example.net. 300 IN A 45.33.32.156", NULL };
	ldns_pkt *p;

	(void)state;
	digest(LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, an, ns, ar);
	p = build(0, 0);
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
	assert_int_equal(ldns_pkt_ancount(p), 2);
	assert_int_equal(ldns_pkt_nscount(p), 0);
	assert_rr(ldns_pkt_answer(p), 0, QNAME, LDNS_RR_TYPE_A, 300, "93.184.216.34");
	assert_rr(ldns_pkt_answer(p), 1, QNAME, LDNS_RR_TYPE_A, 120, "93.184.216.35");
	ldns_pkt_free(p);
}

static void
test_chain_served(void **state)
{
	static const char *const an[] = { QNAME " 300 IN CNAME C1.Example.NET.",
		"c1.example.net. 60 IN CNAME edge.cdn.example.", "edge.cdn.example. 30 IN A 93.184.216.34",
		NULL };
	ldns_pkt *p;

	(void)state;
	digest(LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, an, NULL, NULL);
	p = build(0, 0);
	assert_int_equal(ldns_pkt_ancount(p), 3);
	assert_rr(ldns_pkt_answer(p), 0, QNAME, LDNS_RR_TYPE_CNAME, 300, "c1.example.net.");
	assert_rr(ldns_pkt_answer(p), 1, "c1.example.net.", LDNS_RR_TYPE_CNAME, 60, "edge.cdn.example.");
	assert_rr(ldns_pkt_answer(p), 2, "edge.cdn.example.", LDNS_RR_TYPE_A, 30, "93.184.216.34");
	ldns_pkt_free(p);
	/* Flattened: the final set at the question name, for as long as the chain holds. */
	p = build(1, 0);
	assert_int_equal(ldns_pkt_ancount(p), 1);
	assert_rr(ldns_pkt_answer(p), 0, QNAME, LDNS_RR_TYPE_A, 30, "93.184.216.34");
	ldns_pkt_free(p);
	digest(LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR,
	    (const char *const[]){ QNAME " 300 IN CNAME a.example.net.",
		"a.example.net. 10 IN CNAME b.example.net.", "b.example.net. 600 IN A 93.184.216.34", NULL },
	    NULL, NULL);
	p = build(1, 0);
	assert_rr(ldns_pkt_answer(p), 0, QNAME, LDNS_RR_TYPE_A, 10, "93.184.216.34");
	ldns_pkt_free(p);
}

static void
test_age(void **state)
{
	static const char *const an[] = { QNAME " 300 IN CNAME a.example.net.",
		"a.example.net. 100 IN A 93.184.216.34", "a.example.net. 20 IN A 93.184.216.35", NULL };
	ldns_pkt *p;

	(void)state;
	digest(LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, an, NULL, NULL);
	p = build(0, 50);
	assert_rr(ldns_pkt_answer(p), 0, QNAME, LDNS_RR_TYPE_CNAME, 250, "a.example.net.");
	assert_rr(ldns_pkt_answer(p), 1, "a.example.net.", LDNS_RR_TYPE_A, 50, "93.184.216.34");
	assert_rr(ldns_pkt_answer(p), 2, "a.example.net.", LDNS_RR_TYPE_A, 0, "93.184.216.35");
	ldns_pkt_free(p);
}

static void
test_negative(void **state)
{
	static const char *const ns[] = {
		"evil.example. 300 IN SOA ns.evil.example. h.evil.example. 1 2 3 4 5",
		"example.com. 3600 IN SOA ns1.example.com. host.example.com. 1 3600 900 604800 60",
		"example.com. 300 IN NS evil.example.net.", NULL };
	static const char *const data[] = { QNAME " 300 IN A 45.33.32.156",
		"evil.example.net. 300 IN A 45.33.32.156", NULL };
	ldns_pkt *p;

	(void)state;
	/* NXDOMAIN carrying data: none of it, only the ancestor's SOA, TTL capped (RFC 2308). */
	digest(LDNS_RR_TYPE_A, LDNS_RCODE_NXDOMAIN, data, ns, NULL);
	p = build(0, 0);
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NXDOMAIN);
	assert_int_equal(ldns_pkt_ancount(p), 0);
	assert_int_equal(ldns_pkt_nscount(p), 1);
	assert_rr(ldns_pkt_authority(p), 0, "example.com.", LDNS_RR_TYPE_SOA, 60, "ns1.example.com.");
	ldns_pkt_free(p);
	/* NODATA with records of other owners. */
	digest(LDNS_RR_TYPE_AAAA, LDNS_RCODE_NOERROR, data + 1, ns, NULL);
	p = build(0, 0);
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
	assert_int_equal(ldns_pkt_ancount(p), 0);
	assert_int_equal(ldns_pkt_nscount(p), 1);
	ldns_pkt_free(p);
	/* No SOA of an ancestor: nothing in authority. */
	digest(LDNS_RR_TYPE_AAAA, LDNS_RCODE_NOERROR, NULL, ns, NULL);
	digest(LDNS_RR_TYPE_AAAA, LDNS_RCODE_NOERROR, NULL, (const char *const[]){ ns[0], ns[2], NULL },
	    NULL);
	p = build(0, 0);
	assert_int_equal(ldns_pkt_nscount(p), 0);
	ldns_pkt_free(p);
}

static void
test_rcodes(void **state)
{
	static const char *const an[] = { QNAME " 300 IN A 45.33.32.156", NULL };
	static const struct {
		uint8_t in, served;
	} cases[] = { { LDNS_RCODE_SERVFAIL, LDNS_RCODE_SERVFAIL },
		{ LDNS_RCODE_REFUSED, LDNS_RCODE_REFUSED }, { LDNS_RCODE_FORMERR, LDNS_RCODE_SERVFAIL },
		{ LDNS_RCODE_NOTIMPL, LDNS_RCODE_SERVFAIL }, { LDNS_RCODE_YXDOMAIN, LDNS_RCODE_SERVFAIL },
		{ LDNS_RCODE_NOTAUTH, LDNS_RCODE_SERVFAIL } };
	ldns_pkt *p;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		digest(LDNS_RR_TYPE_A, cases[i].in, an, NULL, an);
		p = build(0, 0);
		assert_int_equal(ldns_pkt_get_rcode(p), cases[i].served);
		assert_int_equal(ldns_pkt_ancount(p) + ldns_pkt_nscount(p), 0);
		ldns_pkt_free(p);
	}
}

/* A contradictory chain is no answer: SERVFAIL, no records. */
static void
test_contradiction(void **state)
{
	static const char *const an[] = { QNAME " 300 IN A 93.184.216.34",
		QNAME " 300 IN CNAME evil.example.net.", "evil.example.net. 300 IN A 45.33.32.156", NULL };
	ldns_pkt *p;

	(void)state;
	digest(LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, an, NULL, NULL);
	assert_int_equal(d.ans.rclass, RCLASS_OTHER);
	p = build(0, 0);
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_SERVFAIL);
	assert_int_equal(ldns_pkt_ancount(p), 0);
	ldns_pkt_free(p);
}

static void
test_nothing_to_build(void **state)
{
	static const char *const an[] = { QNAME " 300 IN A 93.184.216.34", NULL };

	(void)state;
	digest_failed(&d, TRANSPORT_TIMEOUT);
	assert_int_equal(answer_build(out, sizeof(out), &d, 0, 0), 0);
	digest(LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, an, NULL, NULL);
	/* Too small a buffer: 0, never a cut message. */
	for (size_t cap = 0; cap < 12 + 17 + 4 + 17 + 10; cap++)
		assert_int_equal(answer_build(out, cap, &d, 0, 0), 0);
}

/* Served to a client: its ID, its spelling of the name, its RD/CD; never AD. */
static void
test_served_to_client(void **state)
{
	static const char *const an[] = { QNAME " 300 IN A 93.184.216.34", NULL };
	uint8_t client[512], reply[1024];
	ldns_pkt *q = NULL;
	struct dnsq cq;
	size_t clen, n, rlen;
	uint8_t *w = NULL;

	(void)state;
	digest(LDNS_RR_TYPE_A, LDNS_RCODE_NOERROR, an, NULL, NULL);
	n = answer_build(out, sizeof(out), &d, 0, 0);
	assert_int_equal(ldns_pkt_query_new_frm_str(&q, "WwW.ExAmple.com.", LDNS_RR_TYPE_A,
			     LDNS_RR_CLASS_IN, LDNS_RD | LDNS_CD | LDNS_AD),
	    LDNS_STATUS_OK);
	ldns_pkt_set_id(q, 777);
	assert_int_equal(ldns_pkt2wire(&w, q, &clen), LDNS_STATUS_OK);
	memcpy(client, w, clen);
	free(w);
	ldns_pkt_free(q);
	assert_int_equal(dnswire_parse_query(client, clen, &cq), DNSWIRE_OK);
	rlen = dnswire_answer(reply, sizeof(reply), out, n, 0, client, &cq, 0, NULL);
	assert_int_not_equal(rlen, 0);
	assert_int_equal(dnswire_get16(reply), 777);
	assert_true(dnswire_get16(reply + 2) & DNS_FLAG_CD);
	assert_true(dnswire_get16(reply + 2) & DNS_FLAG_RD);
	assert_false(dnswire_get16(reply + 2) & DNS_FLAG_AD);
	assert_memory_equal(reply + 12, client + 12, cq.qend - 12);
	assert_int_equal(dnswire_get16(reply + 6), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_final_set_only),
		cmocka_unit_test(test_chain_served),
		cmocka_unit_test(test_age),
		cmocka_unit_test(test_negative),
		cmocka_unit_test(test_rcodes),
		cmocka_unit_test(test_contradiction),
		cmocka_unit_test(test_nothing_to_build),
		cmocka_unit_test(test_served_to_client),
	};

	return cmocka_run_group_tests_name("answer", tests, NULL, NULL);
}
