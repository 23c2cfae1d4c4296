/* tests/unit/test_consensus.c - resolver/consensus.c: the quorum table, the ladder, the verdict. */
#include "autoconf.h"

#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "consensus.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define T_A 1
#define T_MX 15
#define T_TXT 16
#define T_AAAA 28
#define T_HTTPS 65

/*
 * A test answer with the storage its records point into. Build it in place and never copy the
 * struct tans itself; copying its .a (into a struct cons_mirror) is fine while it lives.
 */
struct tans {
	struct cons_answer a;
	struct cons_rr rr[CONSENSUS_MAX_ADDRS];
	uint8_t data[CONSENSUS_MAX_ADDRS][64];
	uint8_t chain[512];
};

static int
rr_cmp(const struct cons_rr *p, const struct cons_rr *q)
{
	size_t m = p->len < q->len ? p->len : q->len;
	int c;

	if (p->type != q->type)
		return p->type < q->type ? -1 : 1;
	if ((c = memcmp(p->rdata, q->rdata, m)) != 0)
		return c;
	return p->len < q->len ? -1 : p->len > q->len;
}

/* Keep t->rr in canonical order, as digest.c promises. */
static void
tans_sort(struct tans *t)
{
	for (size_t i = 1; i < t->a.n_rrs; i++)
		for (size_t j = i; j > 0 && rr_cmp(&t->rr[j - 1], &t->rr[j]) > 0; j--) {
			struct cons_rr x = t->rr[j - 1];
			t->rr[j - 1] = t->rr[j];
			t->rr[j] = x;
		}
}

static void
tans_init(struct tans *t, enum cons_rclass rclass)
{
	memset(t, 0, sizeof(*t));
	t->a.transport = TRANSPORT_OK;
	t->a.rclass = rclass;
	t->a.rrs = t->rr;
}

static void
tans_rr(struct tans *t, uint16_t type, const void *rdata, size_t len)
{
	size_t i = t->a.n_rrs++;

	assert_true(i < CONSENSUS_MAX_ADDRS && len <= sizeof(t->data[0]));
	memcpy(t->data[i], rdata, len);
	t->rr[i].type = type;
	t->rr[i].len = (uint16_t)len;
	t->rr[i].rdata = t->data[i];
	tans_sort(t);
}

static void
parse_addr(const char *s, struct cons_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, a->bytes) == 1)
		a->family = 4;
	else if (inet_pton(AF_INET6, s, a->bytes) == 1)
		a->family = 6;
	else
		fail_msg("bad address in test: %s", s);
}

/* A data answer of the addresses in list ("93.184.216.34 2a00::1"), rrs and addrs both set. */
static void
tans_addrs(struct tans *t, const char *list)
{
	char buf[1024], *save = NULL;

	tans_init(t, RCLASS_DATA);
	snprintf(buf, sizeof(buf), "%s", list);
	for (char *tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		struct cons_addr *a = &t->a.addrs[t->a.n_addrs++];
		parse_addr(tok, a);
		tans_rr(t, a->family == 4 ? T_A : T_AAAA, a->bytes, a->family == 4 ? 4 : 16);
	}
}

/* "a.cdn.net" into wire form; returns its length. */
static size_t
name_wire(const char *s, uint8_t *out)
{
	size_t n = 0;

	while (*s) {
		const char *dot = strchr(s, '.');
		size_t l = dot ? (size_t)(dot - s) : strlen(s);
		out[n++] = (uint8_t)l;
		memcpy(out + n, s, l);
		n += l;
		s += l + (dot != NULL);
	}
	out[n++] = 0;
	return n;
}

static void
tans_tail(struct tans *t, const char *name)
{
	t->a.cname_tail_len = name_wire(name, t->a.cname_tail);
}

/*
 * The CNAME chain: the targets in list ("a.net b.net"), in wire form, into the answer's own
 * storage; the last one is also the tail.
 */
static void
tans_chain(struct tans *t, const char *list)
{
	char buf[512], *save = NULL;

	t->a.chain_len = 0;
	t->a.n_chain = 0;
	snprintf(buf, sizeof(buf), "%s", list);
	for (char *tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		assert_true(t->a.chain_len + strlen(tok) + 2 <= sizeof(t->chain));
		t->a.chain_len += name_wire(tok, t->chain + t->a.chain_len);
		t->a.n_chain++;
		tans_tail(t, tok);
	}
	t->a.chain = t->chain;
}

/* An MX record's rdata: preference then the exchange name. */
static void
tans_mx(struct tans *t, uint16_t pref, const char *exchange)
{
	uint8_t rd[64];

	rd[0] = (uint8_t)(pref >> 8);
	rd[1] = (uint8_t)pref;
	tans_rr(t, T_MX, rd, 2 + name_wire(exchange, rd + 2));
}

static void
tans_fail(struct tans *t, enum cons_transport tr)
{
	tans_init(t, RCLASS_OTHER);
	t->a.transport = tr;
}

static struct cons_policy
pol_default(void)
{
	struct cons_policy p = { 0, CONS_MATCH_LADDER, 0, 24, 48, 0 };

	return p;
}

static enum cons_evidence
cmp(const struct tans *l, const struct tans *m, const struct cons_policy *pol,
    enum cons_rule *rule, enum cons_why *why)
{
	return consensus_compare(&l->a, &m->a, pol, rule, why);
}

/* compare and check all three outputs. */
#define CHECK_CMP(l, m, pol, ev, ru, wh)                                   \
	do {                                                                \
		enum cons_rule r_ = (enum cons_rule)99;                     \
		enum cons_why w_ = (enum cons_why)99;                       \
		assert_int_equal(cmp((l), (m), (pol), &r_, &w_), (ev));     \
		assert_int_equal(r_, (ru));                                 \
		assert_int_equal(w_, (wh));                                 \
	} while (0)

/* ---- the quorum table ---- */

static void
test_required_table(void **state)
{
	/* BR 3.2.2.9: 2-5 perspectives allow 1 non-corroboration, 6+ allow 2; never fewer than 1. */
	static const unsigned want[17] = { 1, 1, 1, 2, 3, 4, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13,
		14 };

	(void)state;
	for (unsigned n = 0; n <= 16; n++)
		if (consensus_required(n, 0) != want[n])
			fail_msg("n=%u: required %u, want %u", n, consensus_required(n, 0), want[n]);
}

static void
test_required_explicit(void **state)
{
	(void)state;
	for (unsigned n = 0; n <= 16; n++)
		for (unsigned q = 1; q <= 20; q++) {
			unsigned want = n == 0 ? 1 : (q < n ? q : n);
			if (consensus_required(n, q) != want)
				fail_msg("n=%u q=%u: required %u, want %u", n, q,
				    consensus_required(n, q), want);
		}
}

/* ---- rule 1: the class of the answer ---- */

static void
test_rule1_classes(void **state)
{
	static const enum cons_rclass cls[] = { RCLASS_DATA, RCLASS_NODATA, RCLASS_NXDOMAIN };
	struct cons_policy pol = pol_default();
	struct tans l, m;

	(void)state;
	for (size_t i = 0; i < NELEM(cls); i++)
		for (size_t j = 0; j < NELEM(cls); j++) {
			enum cons_rule r;
			enum cons_why w;
			enum cons_evidence e;
			if (cls[i] == RCLASS_DATA)
				tans_addrs(&l, "93.184.216.34");
			else
				tans_init(&l, cls[i]);
			if (cls[j] == RCLASS_DATA)
				tans_addrs(&m, "93.184.216.34");
			else
				tans_init(&m, cls[j]);
			e = cmp(&l, &m, &pol, &r, &w);
			if (i != j) {
				if (e != EVIDENCE_DISSENTS || w != WHY_RCODE || r != RULE_NONE)
					fail_msg("class %zu vs %zu: ev %d rule %d why %d", i, j, e, r, w);
			} else if (e != EVIDENCE_CORROBORATES || w != WHY_NONE ||
			    r != (cls[i] == RCLASS_DATA ? RULE_EQUAL : RULE_RCODE))
				fail_msg("class %zu vs %zu: ev %d rule %d why %d", i, j, e, r, w);
		}
}

static void
test_rule1_nxdomain_vs_data(void **state)
{
	struct cons_policy pol = pol_default();
	struct tans l, m;

	(void)state;
	tans_addrs(&l, "93.184.216.34");
	tans_init(&m, RCLASS_NXDOMAIN);
	CHECK_CMP(&l, &m, &pol, EVIDENCE_DISSENTS, RULE_NONE, WHY_RCODE);
	CHECK_CMP(&m, &l, &pol, EVIDENCE_DISSENTS, RULE_NONE, WHY_RCODE);
	/* NODATA against NXDOMAIN: the name exists against it does not. */
	tans_init(&l, RCLASS_NODATA);
	CHECK_CMP(&l, &m, &pol, EVIDENCE_DISSENTS, RULE_NONE, WHY_RCODE);
	CHECK_CMP(&m, &l, &pol, EVIDENCE_DISSENTS, RULE_NONE, WHY_RCODE);
	/* Both NXDOMAIN; both NODATA, even with different CNAME tails and in exact mode. */
	tans_init(&l, RCLASS_NXDOMAIN);
	CHECK_CMP(&l, &m, &pol, EVIDENCE_CORROBORATES, RULE_RCODE, WHY_NONE);
	pol.match = CONS_MATCH_EXACT;
	tans_init(&l, RCLASS_NODATA);
	tans_tail(&l, "a.example.net");
	tans_init(&m, RCLASS_NODATA);
	tans_tail(&m, "b.example.net");
	CHECK_CMP(&l, &m, &pol, EVIDENCE_CORROBORATES, RULE_RCODE, WHY_NONE);
}

/* ---- rule 2: equal RRsets ---- */

static void
test_rule2_equal(void **state)
{
	struct cons_policy pol = pol_default();
	struct tans l, m;

	(void)state;
	/* Built in different orders: the sorted arrays are equal. */
	tans_addrs(&l, "93.184.216.34 93.184.216.35 151.101.1.1");
	tans_addrs(&m, "151.101.1.1 93.184.216.35 93.184.216.34");
	CHECK_CMP(&l, &m, &pol, EVIDENCE_CORROBORATES, RULE_EQUAL, WHY_NONE);
	pol.match = CONS_MATCH_EXACT;
	CHECK_CMP(&l, &m, &pol, EVIDENCE_CORROBORATES, RULE_EQUAL, WHY_NONE);

	/* Non-address records: MX. */
	tans_init(&l, RCLASS_DATA);
	tans_mx(&l, 10, "mx1.example.com");
	tans_mx(&l, 20, "mx2.example.com");
	tans_init(&m, RCLASS_DATA);
	tans_mx(&m, 20, "mx2.example.com");
	tans_mx(&m, 10, "mx1.example.com");
	CHECK_CMP(&l, &m, &pol, EVIDENCE_CORROBORATES, RULE_EQUAL, WHY_NONE);
}

static void
test_rule2_unequal(void **state)
{
	struct cons_policy pol = pol_default();
	struct tans l, m;
	const uint8_t txt_a[] = "\001a", txt_ab[] = "\002ab", txt_b[] = "\001b";

	(void)state;
	pol.match = CONS_MATCH_EXACT;
	/* Unequal lengths of the set (a subset). */
	tans_init(&l, RCLASS_DATA);
	tans_mx(&l, 10, "mx1.example.com");
	tans_mx(&l, 20, "mx2.example.com");
	tans_init(&m, RCLASS_DATA);
	tans_mx(&m, 10, "mx1.example.com");
	CHECK_CMP(&l, &m, &pol, EVIDENCE_DISSENTS, RULE_NONE, WHY_DATA);
	CHECK_CMP(&m, &l, &pol, EVIDENCE_DISSENTS, RULE_NONE, WHY_DATA);
	/* Same rdata, different type. */
	tans_init(&l, RCLASS_DATA);
	tans_rr(&l, T_TXT, txt_a, 2);
	tans_init(&m, RCLASS_DATA);
	tans_rr(&m, 99, txt_a, 2);
	CHECK_CMP(&l, &m, &pol, EVIDENCE_DISSENTS, RULE_NONE, WHY_DATA);
	/* Same length, different rdata. */
	tans_init(&m, RCLASS_DATA);
	tans_rr(&m, T_TXT, txt_b, 2);
	CHECK_CMP(&l, &m, &pol, EVIDENCE_DISSENTS, RULE_NONE, WHY_DATA);
	/* One rdata a prefix of the other: lengths differ. */
	tans_init(&m, RCLASS_DATA);
	tans_rr(&m, T_TXT, txt_ab, 2); /* "\002a" */
	tans_init(&l, RCLASS_DATA);
	tans_rr(&l, T_TXT, txt_ab, 3); /* "\002ab" */
	CHECK_CMP(&l, &m, &pol, EVIDENCE_DISSENTS, RULE_NONE, WHY_DATA);
	CHECK_CMP(&m, &l, &pol, EVIDENCE_DISSENTS, RULE_NONE, WHY_DATA);
	/* Differing MX preference only. */
	tans_init(&l, RCLASS_DATA);
	tans_mx(&l, 10, "mx1.example.com");
	tans_init(&m, RCLASS_DATA);
	tans_mx(&m, 11, "mx1.example.com");
	CHECK_CMP(&l, &m, &pol, EVIDENCE_DISSENTS, RULE_NONE, WHY_DATA);
	/* Addresses: a subset is not equal (overlap is not allowed in exact mode). */
	tans_addrs(&l, "93.184.216.34 93.184.216.35");
	tans_addrs(&m, "93.184.216.34");
	CHECK_CMP(&l, &m, &pol, EVIDENCE_DISSENTS, RULE_NONE, WHY_DATA);
}

/* ---- rule 3: every address the client gets is in the mirror's answer ---- */

static void
test_rule3_addrs(void **state)
{
	struct cons_policy pol = pol_default();
	struct tans l, m;

	(void)state;
	/* A subset: a CDN hands this client two of the mirror's three addresses. */
	tans_addrs(&l, "93.184.216.34 45.33.32.156");
	tans_addrs(&m, "151.101.1.1 45.33.32.156 93.184.216.34");
	CHECK_CMP(&l, &m, &pol, EVIDENCE_CORROBORATES, RULE_ADDRS, WHY_NONE);
	/* In every address_match mode: rule 3 is no weak signal. */
	pol.match = CONS_MATCH_EXACT;
	CHECK_CMP(&l, &m, &pol, EVIDENCE_CORROBORATES, RULE_ADDRS, WHY_NONE);
	pol.match = CONS_MATCH_LADDER;
	/* The forgery the old overlap rule let through: the honest set plus the attacker's. */
	CHECK_CMP(&m, &l, &pol, EVIDENCE_DISSENTS, RULE_OVERLAP, WHY_WEAK);
	tans_addrs(&l, "93.184.216.34 45.33.32.156 203.0.113.66");
	tans_addrs(&m, "93.184.216.34 45.33.32.156");
	pol.allow_private = 1; /* so that the data rules, not the bogon rule, decide */
	CHECK_CMP(&l, &m, &pol, EVIDENCE_DISSENTS, RULE_OVERLAP, WHY_WEAK);
	pol.allow_private = 0;
	/* Overlapping, neither a subset. */
	tans_addrs(&l, "93.184.216.34 45.33.32.156");
	tans_addrs(&m, "151.101.1.1 45.33.32.156");
	CHECK_CMP(&l, &m, &pol, EVIDENCE_DISSENTS, RULE_OVERLAP, WHY_WEAK);
	/* IPv6, and a mixed answer. */
	tans_addrs(&l, "2606:4700::6810:84e5");
	tans_addrs(&m, "2606:4700::6810:84e5 2a04:4e42::223");
	CHECK_CMP(&l, &m, &pol, EVIDENCE_CORROBORATES, RULE_ADDRS, WHY_NONE);
	tans_addrs(&l, "2606:4700::6810:84e5 93.184.216.34");
	tans_addrs(&m, "93.184.216.34 2a04:4e42::223 2606:4700::6810:84e5");
	CHECK_CMP(&l, &m, &pol, EVIDENCE_CORROBORATES, RULE_ADDRS, WHY_NONE);
	/* Mixed families never match, even a v4-mapped twin; different /8s so no prefix. */
	tans_addrs(&l, "93.184.216.34");
	tans_addrs(&m, "::ffff:93.184.216.34");
	CHECK_CMP(&l, &m, &pol, EVIDENCE_DISSENTS, RULE_NONE, WHY_DATA);
	/* Disjoint. */
	tans_addrs(&m, "151.101.1.1");
	CHECK_CMP(&l, &m, &pol, EVIDENCE_DISSENTS, RULE_NONE, WHY_DATA);
	/* An answer with more than addresses in it (here an MX beside an A): equality only. */
	tans_addrs(&l, "93.184.216.34");
	tans_mx(&l, 10, "mx1.example.com");
	tans_addrs(&m, "93.184.216.34 151.101.1.1");
	CHECK_CMP(&l, &m, &pol, EVIDENCE_DISSENTS, RULE_OVERLAP, WHY_WEAK);
	/* Rule 3 does not care about the chain (chain_corroborated does). */
	tans_addrs(&l, "93.184.216.34");
	tans_chain(&l, "a.cdn.example.net");
	tans_addrs(&m, "93.184.216.34 151.101.1.1");
	tans_chain(&m, "b.cdn.example.net");
	CHECK_CMP(&l, &m, &pol, EVIDENCE_CORROBORATES, RULE_ADDRS, WHY_NONE);
}

/* ---- weak signal: prefix (never corroboration) ---- */

struct prefix_case {
	const char *l, *m;
	unsigned p4, p6;
	int allow_private;
	int match;
};

static void
test_rule4_prefix_table(void **state)
{
	static const struct prefix_case cases[] = {
		{ "93.184.216.34", "93.184.216.200", 24, 48, 0, 1 },
		{ "93.184.216.34", "93.184.217.34", 24, 48, 0, 0 },
		{ "93.184.216.34", "93.184.217.34", 23, 48, 0, 1 },
		/* Boundary bits: .255 and the next /24's .0. */
		{ "93.184.215.255", "93.184.216.0", 24, 48, 0, 0 },
		{ "93.184.215.255", "93.184.216.0", 21, 48, 0, 0 },
		{ "93.184.215.255", "93.184.216.0", 20, 48, 0, 1 },
		{ "192.0.2.255", "192.0.3.0", 24, 48, 1, 0 },
		{ "192.0.2.255", "192.0.3.0", 23, 48, 1, 1 },
		{ "192.0.2.255", "192.0.3.0", 24, 48, 0, 0 },
		/* Non-byte-aligned /20: 93.184.208.0/20 = .208-.223. */
		{ "93.184.208.1", "93.184.223.254", 20, 48, 0, 1 },
		{ "93.184.207.1", "93.184.208.1", 20, 48, 0, 0 },
		{ "93.184.224.1", "93.184.223.1", 20, 48, 0, 0 },
		/* /32 and /0. */
		{ "93.184.216.34", "93.184.216.35", 32, 48, 0, 0 },
		{ "93.184.216.34", "151.101.1.1", 0, 48, 0, 1 },
		{ "93.184.216.34", "151.101.1.1", 1, 48, 0, 0 },
		/* IPv6 /48. */
		{ "2a00:1450:4001:81c::200e", "2a00:1450:4001:82a::2004", 24, 48, 0, 1 },
		{ "2a00:1450:4001:ffff:ffff:ffff:ffff:ffff", "2a00:1450:4002::", 24, 48, 0, 0 },
		{ "2a00:1450:4001:81c::200e", "2a00:1450:4002:81c::200e", 24, 48, 0, 0 },
		/* Non-byte-aligned /44: 2a00:1450:4000::/44 = 4000-400f. */
		{ "2a00:1450:4001:81c::200e", "2a00:1450:400f::1", 24, 44, 0, 1 },
		{ "2a00:1450:4001:81c::200e", "2a00:1450:4011::1", 24, 44, 0, 0 },
		{ "2a00:1450:4001:81c::200e", "2a00:1450:4011::1", 24, 43, 0, 1 },
		{ "2a00:1450:4001::1", "2a00:1450:4001::2", 24, 128, 0, 0 },
		{ "2a00:1450:4001::1", "2606:4700::1", 24, 0, 0, 1 },
		/* Mixed families never match, whatever the prefix. */
		{ "93.184.216.34", "::ffff:93.184.216.35", 24, 48, 0, 0 },
		{ "93.184.216.34", "2a00:1450:4001::1", 0, 0, 0, 0 },
		{ "2a00:1450:4001::1", "93.184.216.34", 0, 0, 0, 0 },
		/* Every local address must be covered, by any mirror address. */
		{ "93.184.216.34 93.184.216.99", "93.184.216.1", 24, 48, 0, 1 },
		{ "93.184.216.34 151.101.1.1", "93.184.216.1", 24, 48, 0, 0 },
		{ "93.184.216.34 151.101.1.1", "151.101.1.7 93.184.216.1", 24, 48, 0, 1 },
		{ "93.184.216.34 2a00:1450:4001::1", "93.184.216.1", 24, 48, 0, 0 },
		{ "93.184.216.34 2a00:1450:4001::1", "2a00:1450:4001::2 93.184.216.1", 24, 48, 0, 1 },
	};
	struct tans l, m;

	(void)state;
	for (size_t i = 0; i < NELEM(cases); i++) {
		struct cons_policy pol = pol_default();
		enum cons_rule r;
		enum cons_why w;
		enum cons_evidence e;

		pol.match = CONS_MATCH_PREFIX;
		pol.prefix4 = cases[i].p4;
		pol.prefix6 = cases[i].p6;
		pol.allow_private = cases[i].allow_private;
		tans_addrs(&l, cases[i].l);
		tans_addrs(&m, cases[i].m);
		e = cmp(&l, &m, &pol, &r, &w);
		if (cases[i].match ? (e != EVIDENCE_DISSENTS || r != RULE_PREFIX || w != WHY_WEAK)
				   : (e != EVIDENCE_DISSENTS || r != RULE_NONE ||
					 w != (cases[i].allow_private ||
						   strncmp(cases[i].l, "192.0.2", 7) != 0
					       ? WHY_DATA
					       : WHY_PRIVATE)))
			fail_msg("case %zu (%s vs %s /%u /%u): ev %d rule %d why %d", i, cases[i].l,
			    cases[i].m, cases[i].p4, cases[i].p6, e, r, w);
	}
}

/*
 * Exhaustive over bit positions: flip bit k of a public address; for every prefix length p
 * the pair shares the prefix exactly when p <= k.
 */
static void
test_rule4_prefix_every_bit(void **state)
{
	static const char *const base[] = { "93.184.216.34", "2a00:1450:4001:81c::200e" };
	struct tans l, m;

	(void)state;
	for (size_t b = 0; b < NELEM(base); b++) {
		struct cons_addr a;
		unsigned bits;
		parse_addr(base[b], &a);
		bits = a.family == 4 ? 32 : 128;
		for (unsigned k = 0; k < bits; k++)
			for (unsigned p = 0; p <= bits; p++) {
				struct cons_policy pol = pol_default();
				enum cons_rule r;
				enum cons_why w;
				enum cons_evidence e;
				int want = p <= k;
				tans_addrs(&l, base[b]);
				tans_addrs(&m, base[b]);
				m.a.addrs[0].bytes[k / 8] ^= (uint8_t)(0x80 >> (k % 8));
				m.data[0][k / 8] ^= (uint8_t)(0x80 >> (k % 8));
				pol.match = CONS_MATCH_PREFIX;
				pol.prefix4 = a.family == 4 ? p : 24;
				pol.prefix6 = a.family == 6 ? p : 48;
				e = cmp(&l, &m, &pol, &r, &w);
				if (want ? (e != EVIDENCE_DISSENTS || r != RULE_PREFIX ||
						       w != WHY_WEAK)
					 : (e != EVIDENCE_DISSENTS || w != WHY_DATA))
					fail_msg("%s bit %u /%u: ev %d rule %d why %d", base[b], k, p,
					    e, r, w);
			}
	}
}

static void
test_rule4_no_addresses(void **state)
{
	struct cons_policy pol = pol_default();
	struct tans l, m;

	(void)state;
	/* MX answers have no addresses: the prefix signal cannot hold vacuously. */
	pol.prefix4 = 0;
	pol.prefix6 = 0;
	tans_init(&l, RCLASS_DATA);
	tans_mx(&l, 10, "mx1.example.com");
	tans_init(&m, RCLASS_DATA);
	tans_mx(&m, 10, "mx9.example.org");
	CHECK_CMP(&l, &m, &pol, EVIDENCE_DISSENTS, RULE_NONE, WHY_DATA);
}

/* ---- weak signal: CNAME tail (never corroboration) ---- */

static void
test_weak_cname(void **state)
{
	struct cons_policy pol = pol_default();
	struct tans l, m;

	(void)state;
	/* The forgery the old tail rule let through: the honest tail, the attacker's address. */
	tans_addrs(&l, "93.184.216.34");
	tans_tail(&l, "e1234.a.akamaiedge.net");
	tans_addrs(&m, "151.101.1.1");
	tans_tail(&m, "e1234.a.akamaiedge.net");
	CHECK_CMP(&l, &m, &pol, EVIDENCE_DISSENTS, RULE_CNAME, WHY_WEAK);
	/* Different tails. */
	tans_tail(&m, "e1235.a.akamaiedge.net");
	CHECK_CMP(&l, &m, &pol, EVIDENCE_DISSENTS, RULE_NONE, WHY_DATA);
	tans_tail(&m, "a.akamaiedge.net");
	CHECK_CMP(&l, &m, &pol, EVIDENCE_DISSENTS, RULE_NONE, WHY_DATA);
	/* Absent on one side, or on both. */
	m.a.cname_tail_len = 0;
	CHECK_CMP(&l, &m, &pol, EVIDENCE_DISSENTS, RULE_NONE, WHY_DATA);
	CHECK_CMP(&m, &l, &pol, EVIDENCE_DISSENTS, RULE_NONE, WHY_DATA);
	l.a.cname_tail_len = 0;
	CHECK_CMP(&l, &m, &pol, EVIDENCE_DISSENTS, RULE_NONE, WHY_DATA);
	/* Non-address data with the same tail. */
	tans_init(&l, RCLASS_DATA);
	tans_mx(&l, 10, "mx1.example.com");
	tans_tail(&l, "mail.example.net");
	tans_init(&m, RCLASS_DATA);
	tans_mx(&m, 10, "mx2.example.com");
	tans_tail(&m, "mail.example.net");
	CHECK_CMP(&l, &m, &pol, EVIDENCE_DISSENTS, RULE_CNAME, WHY_WEAK);
	/* Equal data with the same tail: rule 2. */
	tans_init(&m, RCLASS_DATA);
	tans_mx(&m, 10, "mx1.example.com");
	tans_tail(&m, "mail.example.net");
	CHECK_CMP(&l, &m, &pol, EVIDENCE_CORROBORATES, RULE_EQUAL, WHY_NONE);
	/* A stronger rule that holds wins over the tail. */
	tans_addrs(&l, "93.184.216.34");
	tans_tail(&l, "edge.example.net");
	tans_addrs(&m, "93.184.216.34 151.101.1.1");
	tans_tail(&m, "edge.example.net");
	CHECK_CMP(&l, &m, &pol, EVIDENCE_CORROBORATES, RULE_ADDRS, WHY_NONE);
}

/* ---- rule 2 over the chain; the chain served ---- */

static void
test_chain_rules(void **state)
{
	struct cons_policy pol = pol_default();
	struct tans l, m;

	(void)state;
	/* Equal chain and data: equal. */
	tans_init(&l, RCLASS_DATA);
	tans_mx(&l, 10, "mx1.example.com");
	tans_chain(&l, "mail.example.net");
	tans_init(&m, RCLASS_DATA);
	tans_mx(&m, 10, "mx1.example.com");
	tans_chain(&m, "mail.example.net");
	CHECK_CMP(&l, &m, &pol, EVIDENCE_CORROBORATES, RULE_EQUAL, WHY_NONE);
	assert_true(consensus_chains_equal(&l.a, &m.a));
	/* Same final data reached through another chain: not equal for a non-address type. */
	tans_chain(&m, "mail.evil.example");
	assert_false(consensus_chains_equal(&l.a, &m.a));
	CHECK_CMP(&l, &m, &pol, EVIDENCE_DISSENTS, RULE_NONE, WHY_DATA);
	/* A chain on one side only. */
	m.a.chain_len = 0;
	m.a.n_chain = 0;
	CHECK_CMP(&l, &m, &pol, EVIDENCE_DISSENTS, RULE_NONE, WHY_DATA);
	CHECK_CMP(&m, &l, &pol, EVIDENCE_DISSENTS, RULE_NONE, WHY_DATA);
	/* A longer chain with the same first hop. */
	tans_chain(&m, "mail.example.net mail2.example.net");
	assert_false(consensus_chains_equal(&l.a, &m.a));
	CHECK_CMP(&l, &m, &pol, EVIDENCE_DISSENTS, RULE_NONE, WHY_DATA);
	/* An address answer with equal data through another chain: equal, chain judged apart. */
	tans_addrs(&l, "93.184.216.34");
	tans_chain(&l, "www.cdn.example.net");
	tans_addrs(&m, "93.184.216.34");
	tans_chain(&m, "www.evil.example");
	CHECK_CMP(&l, &m, &pol, EVIDENCE_CORROBORATES, RULE_EQUAL, WHY_NONE);
}

/* ---- HTTPS/SVCB: equality only (hints and ECH are in the rdata) ---- */

static void
test_https_hints(void **state)
{
	/* Priority 1, target ".", ipv4hint (key 4) with one address: the honest record, and
	 * the same with the hint swapped for the attacker's address. */
	static const uint8_t honest[] = { 0, 1, 0, 0, 4, 0, 4, 93, 184, 216, 34 };
	static const uint8_t forged[] = { 0, 1, 0, 0, 4, 0, 4, 45, 33, 32, 156 };
	static const uint8_t both[] = { 0, 1, 0, 0, 4, 0, 8, 93, 184, 216, 34, 45, 33, 32, 156 };
	static const uint8_t ech_a[] = { 0, 1, 0, 0, 5, 0, 2, 0xaa, 0xbb };
	static const uint8_t ech_b[] = { 0, 1, 0, 0, 5, 0, 2, 0xaa, 0xbc };
	static const enum cons_match modes[] = { CONS_MATCH_EXACT, CONS_MATCH_OVERLAP,
		CONS_MATCH_PREFIX, CONS_MATCH_LADDER };
	struct tans l, m;

	(void)state;
	for (size_t i = 0; i < NELEM(modes); i++) {
		struct cons_policy pol = pol_default();
		pol.match = modes[i];
		tans_init(&l, RCLASS_DATA);
		tans_rr(&l, T_HTTPS, honest, sizeof(honest));
		tans_init(&m, RCLASS_DATA);
		tans_rr(&m, T_HTTPS, honest, sizeof(honest));
		CHECK_CMP(&l, &m, &pol, EVIDENCE_CORROBORATES, RULE_EQUAL, WHY_NONE);
		tans_init(&l, RCLASS_DATA);
		tans_rr(&l, T_HTTPS, forged, sizeof(forged));
		CHECK_CMP(&l, &m, &pol, EVIDENCE_DISSENTS, RULE_NONE, WHY_DATA);
		/* A superset of hints is no subset of records. */
		tans_init(&l, RCLASS_DATA);
		tans_rr(&l, T_HTTPS, both, sizeof(both));
		CHECK_CMP(&l, &m, &pol, EVIDENCE_DISSENTS, RULE_NONE, WHY_DATA);
		/* The same record set plus one more record. */
		tans_init(&l, RCLASS_DATA);
		tans_rr(&l, T_HTTPS, honest, sizeof(honest));
		tans_rr(&l, T_HTTPS, forged, sizeof(forged));
		CHECK_CMP(&l, &m, &pol, EVIDENCE_DISSENTS, RULE_NONE, WHY_DATA);
		/* ECH that differs by one byte. */
		tans_init(&l, RCLASS_DATA);
		tans_rr(&l, T_HTTPS, ech_a, sizeof(ech_a));
		tans_init(&m, RCLASS_DATA);
		tans_rr(&m, T_HTTPS, ech_b, sizeof(ech_b));
		CHECK_CMP(&l, &m, &pol, EVIDENCE_DISSENTS, RULE_NONE, WHY_DATA);
		/* Same CNAME tail, swapped hint: a weak signal at most (ladder mode). */
		tans_init(&l, RCLASS_DATA);
		tans_rr(&l, T_HTTPS, forged, sizeof(forged));
		tans_tail(&l, "svc.cdn.example.net");
		tans_init(&m, RCLASS_DATA);
		tans_rr(&m, T_HTTPS, honest, sizeof(honest));
		tans_tail(&m, "svc.cdn.example.net");
		CHECK_CMP(&l, &m, &pol, EVIDENCE_DISSENTS,
		    modes[i] == CONS_MATCH_LADDER ? RULE_CNAME : RULE_NONE,
		    modes[i] == CONS_MATCH_LADDER ? WHY_WEAK : WHY_DATA);
	}
}

/* ---- address_match: which weak signals each mode reports; none corroborates ---- */

static void
test_match_modes(void **state)
{
	static const enum cons_match modes[] = { CONS_MATCH_EXACT, CONS_MATCH_OVERLAP,
		CONS_MATCH_PREFIX, CONS_MATCH_LADDER };
	/* The last weak signal each mode reports, in the order of modes[] (NONE: none). */
	static const enum cons_rule top[] = { RULE_NONE, RULE_OVERLAP, RULE_PREFIX, RULE_CNAME };
	static const struct {
		const char *l, *m;
		enum cons_rule holds; /* what holds: a rule, or the first weak signal */
	} pairs[] = {
		{ "93.184.216.34 93.184.216.35", "93.184.216.35 93.184.216.34", RULE_EQUAL },
		{ "93.184.216.34", "93.184.216.35 93.184.216.34", RULE_ADDRS },
		{ "93.184.216.34 93.184.216.35", "93.184.216.35 151.101.1.1", RULE_OVERLAP },
		{ "93.184.216.34 93.184.216.35", "93.184.216.99", RULE_PREFIX },
		{ "93.184.216.34", "151.101.1.1", RULE_CNAME },
		{ "93.184.216.34", "151.101.1.1", RULE_NONE },
	};
	static const enum cons_rule order[] = { RULE_OVERLAP, RULE_PREFIX, RULE_CNAME };
	struct tans l, m;

	(void)state;
	for (size_t i = 0; i < NELEM(modes); i++)
		for (size_t j = 0; j < NELEM(pairs); j++) {
			struct cons_policy pol = pol_default();
			enum cons_rule r;
			enum cons_why w;
			enum cons_evidence e;
			int rule = pairs[j].holds == RULE_EQUAL || pairs[j].holds == RULE_ADDRS;
			int reported = 0;
			pol.match = modes[i];
			for (size_t k = 0; k < NELEM(order) && top[i] != RULE_NONE; k++) {
				if (order[k] == pairs[j].holds)
					reported = 1;
				if (order[k] == top[i])
					break;
			}
			tans_addrs(&l, pairs[j].l);
			tans_addrs(&m, pairs[j].m);
			/* Every pair has the same tail, but the last. */
			tans_tail(&l, "edge.example.net");
			tans_tail(&m, pairs[j].holds == RULE_NONE ? "other.example.net"
								  : "edge.example.net");
			e = cmp(&l, &m, &pol, &r, &w);
			if (rule ? (e != EVIDENCE_CORROBORATES || r != pairs[j].holds || w != WHY_NONE)
			    : reported ? (e != EVIDENCE_DISSENTS || r != pairs[j].holds || w != WHY_WEAK)
				       : (e != EVIDENCE_DISSENTS || r != RULE_NONE || w != WHY_DATA))
				fail_msg("mode %d pair %zu: ev %d rule %d why %d", modes[i], j, e, r, w);
		}
	/* Rule 1 holds in every mode. */
	for (size_t i = 0; i < NELEM(modes); i++) {
		struct cons_policy pol = pol_default();
		pol.match = modes[i];
		tans_init(&l, RCLASS_NXDOMAIN);
		tans_init(&m, RCLASS_NXDOMAIN);
		CHECK_CMP(&l, &m, &pol, EVIDENCE_CORROBORATES, RULE_RCODE, WHY_NONE);
	}
}

/* ---- private, loopback, bogon addresses ---- */

static void
test_private_only_local(void **state)
{
	static const enum cons_match modes[] = { CONS_MATCH_EXACT, CONS_MATCH_OVERLAP,
		CONS_MATCH_PREFIX, CONS_MATCH_LADDER };
	struct tans l, m;

	(void)state;
	for (size_t i = 0; i < NELEM(modes); i++) {
		struct cons_policy pol = pol_default();
		pol.match = modes[i];
		/* Only the local answer has it: never corroborated, whatever rule would hold. */
		tans_addrs(&l, "10.0.0.1");
		tans_addrs(&m, "93.184.216.34");
		CHECK_CMP(&l, &m, &pol, EVIDENCE_DISSENTS, RULE_NONE, WHY_PRIVATE);
		tans_addrs(&l, "93.184.216.34 127.0.0.1");
		CHECK_CMP(&l, &m, &pol, EVIDENCE_DISSENTS, RULE_NONE, WHY_PRIVATE);
		tans_addrs(&l, "10.0.0.1");
		tans_addrs(&m, "10.0.0.2"); /* same /24 */
		CHECK_CMP(&l, &m, &pol, EVIDENCE_DISSENTS, RULE_NONE, WHY_PRIVATE);
		tans_tail(&l, "edge.example.net");
		tans_tail(&m, "edge.example.net");
		CHECK_CMP(&l, &m, &pol, EVIDENCE_DISSENTS, RULE_NONE, WHY_PRIVATE);
		tans_addrs(&l, "fd00::1");
		tans_addrs(&m, "2a00:1450:4001::1");
		CHECK_CMP(&l, &m, &pol, EVIDENCE_DISSENTS, RULE_NONE, WHY_PRIVATE);
		/* The mirror has the same private address: it corroborates. */
		tans_addrs(&l, "10.0.0.1");
		tans_addrs(&m, "10.0.0.1");
		CHECK_CMP(&l, &m, &pol, EVIDENCE_CORROBORATES, RULE_EQUAL, WHY_NONE);
		/* A private address only the mirror has does not matter. */
		tans_addrs(&l, "93.184.216.34");
		tans_addrs(&m, "93.184.216.34 10.0.0.1");
		CHECK_CMP(&l, &m, &pol, EVIDENCE_CORROBORATES, RULE_ADDRS, WHY_NONE);
	}
	/* Mirror has the private address plus another one: overlap, a weak signal. */
	{
		struct cons_policy pol = pol_default();
		tans_addrs(&l, "10.0.0.1 93.184.216.34");
		tans_addrs(&m, "10.0.0.1 151.101.1.1");
		CHECK_CMP(&l, &m, &pol, EVIDENCE_DISSENTS, RULE_OVERLAP, WHY_WEAK);
		tans_addrs(&m, "10.0.0.1 151.101.1.1 93.184.216.34");
		CHECK_CMP(&l, &m, &pol, EVIDENCE_CORROBORATES, RULE_ADDRS, WHY_NONE);
	}
}

static void
test_private_allowed(void **state)
{
	struct cons_policy pol = pol_default();
	struct tans l, m;

	(void)state;
	pol.allow_private = 1;
	/* Allowed is not "corroborated": the honest set plus a loopback address is a forgery. */
	tans_addrs(&l, "93.184.216.34 127.0.0.1");
	tans_addrs(&m, "93.184.216.34");
	CHECK_CMP(&l, &m, &pol, EVIDENCE_DISSENTS, RULE_OVERLAP, WHY_WEAK);
	CHECK_CMP(&m, &l, &pol, EVIDENCE_CORROBORATES, RULE_ADDRS, WHY_NONE);
	tans_addrs(&l, "10.0.0.1");
	tans_addrs(&m, "10.0.0.2");
	CHECK_CMP(&l, &m, &pol, EVIDENCE_DISSENTS, RULE_PREFIX, WHY_WEAK);
	tans_addrs(&m, "93.184.216.34");
	CHECK_CMP(&l, &m, &pol, EVIDENCE_DISSENTS, RULE_NONE, WHY_DATA);
	tans_tail(&l, "lab.example.net");
	tans_tail(&m, "lab.example.net");
	CHECK_CMP(&l, &m, &pol, EVIDENCE_DISSENTS, RULE_CNAME, WHY_WEAK);
	tans_addrs(&m, "10.0.0.1");
	CHECK_CMP(&l, &m, &pol, EVIDENCE_CORROBORATES, RULE_EQUAL, WHY_NONE);
}

static const struct {
	const char *addr;
	int priv;
} private_cases[] = {
	/* IPv4: every listed range, at both ends, and the neighbours outside. */
	{ "0.0.0.0", 1 }, { "0.255.255.255", 1 }, { "1.0.0.0", 0 },
	{ "9.255.255.255", 0 }, { "10.0.0.0", 1 }, { "10.255.255.255", 1 }, { "11.0.0.0", 0 },
	{ "100.63.255.255", 0 }, { "100.64.0.0", 1 }, { "100.127.255.255", 1 },
	{ "100.128.0.0", 0 }, { "126.255.255.255", 0 }, { "127.0.0.1", 1 },
	{ "127.255.255.255", 1 }, { "128.0.0.0", 0 }, { "169.253.255.255", 0 },
	{ "169.254.0.0", 1 }, { "169.254.169.254", 1 }, { "169.255.0.0", 0 },
	{ "172.15.255.255", 0 }, { "172.16.0.0", 1 }, { "172.31.255.255", 1 },
	{ "172.32.0.0", 0 }, { "191.255.255.255", 0 }, { "192.0.0.0", 1 }, { "192.0.0.255", 1 },
	{ "192.0.1.0", 0 }, { "192.0.2.0", 1 }, { "192.0.2.255", 1 }, { "192.0.3.0", 0 },
	{ "192.167.255.255", 0 }, { "192.168.0.0", 1 }, { "192.168.255.255", 1 },
	{ "192.169.0.0", 0 }, { "198.17.255.255", 0 }, { "198.18.0.0", 1 },
	{ "198.19.255.255", 1 }, { "198.20.0.0", 0 }, { "198.51.99.255", 0 },
	{ "198.51.100.1", 1 }, { "198.51.101.0", 0 }, { "203.0.112.255", 0 },
	{ "203.0.113.9", 1 }, { "203.0.114.0", 0 }, { "223.255.255.255", 0 },
	{ "224.0.0.1", 1 }, { "239.255.255.250", 1 }, { "240.0.0.1", 1 },
	{ "255.255.255.255", 1 },
	/* Public. */
	{ "8.8.8.8", 0 }, { "1.1.1.1", 0 }, { "93.184.216.34", 0 }, { "151.101.1.1", 0 },
	/* IPv6. */
	{ "::", 1 }, { "::1", 1 }, { "::ffff:10.1.2.3", 1 }, { "::ffff:127.0.0.1", 1 },
	{ "::ffff:192.168.1.1", 1 }, { "::ffff:169.254.1.1", 1 }, { "::ffff:8.8.8.8", 0 },
	{ "::ffff:93.184.216.34", 0 }, { "fc00::", 1 }, { "fc00::1", 1 }, { "fd12:3456::1", 1 },
	{ "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 1 }, { "fbff:ffff::1", 0 },
	{ "fe80::", 1 }, { "fe80::1", 1 }, { "febf:ffff::1", 1 }, { "ff00::", 1 },
	{ "ff02::1", 1 }, { "ff0e::101", 1 }, { "2001:db8::", 1 }, { "2001:db8::1", 1 },
	{ "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", 1 }, { "2001:db7:ffff::1", 0 },
	{ "2001:db9::1", 0 }, { "100::", 1 }, { "100::ffff:ffff:ffff:ffff", 1 },
	/* Public IPv6. */
	{ "2001:4860:4860::8888", 0 }, { "2606:4700:4700::1111", 0 },
	{ "2a00:1450:4001:81c::200e", 0 }, { "2620:fe::fe", 0 }, { "2001:3::1", 0 },
	{ "2001:2:1::1", 0 }, { "3fff:1000::1", 0 },
	/*
	 * IPv6 that carries IPv4 (review finding 13): judged by the IPv4 address reached.
	 * IPv4-translated, NAT64 (well-known), 6to4, Teredo (server at bytes 4-7, the client
	 * obfuscated in bytes 12-15: ~f5ff:fffe is 10.0.0.1); the local-use NAT64 /48 whole.
	 */
	{ "::ffff:0:10.0.0.1", 1 }, { "::ffff:0:8.8.8.8", 0 }, { "64:ff9b::10.0.0.1", 1 },
	{ "64:ff9b::127.0.0.1", 1 }, { "64:ff9b::169.254.169.254", 1 },
	{ "64:ff9b::192.168.1.1", 1 }, { "64:ff9b::8.8.8.8", 0 }, { "64:ff9b::1:8.8.8.8", 0 },
	{ "64:ff9b:1::8.8.8.8", 1 }, { "64:ff9b:1:ffff::1", 1 }, { "64:ff9b:2::1", 0 },
	{ "2002:0a00:0001::1", 1 }, { "2002:c0a8:0101::1", 1 }, { "2002:7f00:0001::1", 1 },
	{ "2002:0808:0808::1", 0 }, { "2001:0:0808:0808::f5ff:fffe", 1 },
	{ "2001:0:0a00:0001::f7f7:f7f7", 1 }, { "2001:0:0808:0808::f7f7:f7f7", 0 },
	{ "2001::1", 1 }, /* Teredo server 0.0.0.0 */
};

static void
test_addr_is_private(void **state)
{
	(void)state;
	for (size_t i = 0; i < NELEM(private_cases); i++) {
		struct cons_addr a;
		parse_addr(private_cases[i].addr, &a);
		if (!!consensus_addr_is_private(&a) != private_cases[i].priv)
			fail_msg("%s: private %d, want %d", private_cases[i].addr,
			    consensus_addr_is_private(&a), private_cases[i].priv);
	}
}

/*
 * IPv6 special-purpose ranges the IPv4 side has equivalents of (benchmarking 198.18.0.0/15,
 * documentation TEST-NETs) and the deprecated site-local and IPv4-compatible ranges: none is
 * reachable on the Internet, so a local answer carrying one only it has is a bogon.
 */
static void
test_addr_is_private_v6_bogons(void **state)
{
	static const char *const bogons[] = {
		"2001:2::1",	  /* 2001:2::/48 benchmarking (RFC 5180) */
		"3fff::1",	  /* 3fff::/20 documentation (RFC 9637) */
		"fec0::1",	  /* fec0::/10 site-local, deprecated (RFC 3879) */
		"::7f00:1",	  /* ::/96 IPv4-compatible, deprecated (RFC 4291): ::127.0.0.1 */
		"::a00:1",	  /* ::10.0.0.1 */
	};

	char missed[256] = "";

	(void)state;
	for (size_t i = 0; i < NELEM(bogons); i++) {
		struct cons_addr a;
		parse_addr(bogons[i], &a);
		if (!consensus_addr_is_private(&a))
			snprintf(missed + strlen(missed), sizeof(missed) - strlen(missed), " %s",
			    bogons[i]);
	}
	if (missed[0])
		fail_msg("not judged private/bogon:%s", missed);
}

/* ---- failed mirrors ---- */

static void
test_failed_mirrors(void **state)
{
	static const enum cons_transport trs[] = { TRANSPORT_TIMEOUT, TRANSPORT_ERROR,
		TRANSPORT_TLS };
	struct cons_policy pol = pol_default();
	struct tans l, m;

	(void)state;
	tans_addrs(&l, "93.184.216.34");
	for (size_t i = 0; i < NELEM(trs); i++) {
		/* Even a transport failure carrying the very same data is no evidence. */
		tans_addrs(&m, "93.184.216.34");
		m.a.transport = trs[i];
		CHECK_CMP(&l, &m, &pol, EVIDENCE_FAILED, RULE_NONE, WHY_NONE);
		tans_fail(&m, trs[i]);
		CHECK_CMP(&l, &m, &pol, EVIDENCE_FAILED, RULE_NONE, WHY_NONE);
	}
	/* SERVFAIL, REFUSED: says nothing about the name. */
	tans_init(&m, RCLASS_OTHER);
	CHECK_CMP(&l, &m, &pol, EVIDENCE_FAILED, RULE_NONE, WHY_NONE);
	tans_init(&l, RCLASS_NXDOMAIN);
	CHECK_CMP(&l, &m, &pol, EVIDENCE_FAILED, RULE_NONE, WHY_NONE);
}

/* ---- consensus_decide: scenarios ---- */

/* A world of n mirrors: answers t[i], regions r[i]. */
struct world {
	struct tans local;
	struct tans t[CONSENSUS_MAX_MIRRORS + 4];
	struct cons_mirror ms[CONSENSUS_MAX_MIRRORS + 4];
	size_t n;
};

static struct world w_;

/* Mirror i answers list ("=" the local answer's addresses, "!T" fails, "!X" NXDOMAIN...). */
static void
world_set(struct world *w, size_t i, const char *region, const char *answer)
{
	if (strcmp(answer, "TIMEOUT") == 0)
		tans_fail(&w->t[i], TRANSPORT_TIMEOUT);
	else if (strcmp(answer, "ERROR") == 0)
		tans_fail(&w->t[i], TRANSPORT_ERROR);
	else if (strcmp(answer, "TLS") == 0)
		tans_fail(&w->t[i], TRANSPORT_TLS);
	else if (strcmp(answer, "SERVFAIL") == 0)
		tans_init(&w->t[i], RCLASS_OTHER);
	else if (strcmp(answer, "NXDOMAIN") == 0)
		tans_init(&w->t[i], RCLASS_NXDOMAIN);
	else if (strcmp(answer, "NODATA") == 0)
		tans_init(&w->t[i], RCLASS_NODATA);
	else
		tans_addrs(&w->t[i], answer);
	w->ms[i].region = region;
	w->ms[i].ans = w->t[i].a;
	if (i >= w->n)
		w->n = i + 1;
}

static struct world *
world_new(const char *local)
{
	struct world *w = &w_;

	memset(w, 0, sizeof(*w));
	if (strcmp(local, "NXDOMAIN") == 0)
		tans_init(&w->local, RCLASS_NXDOMAIN);
	else
		tans_addrs(&w->local, local);
	return w;
}

static void
decide(struct world *w, const struct cons_policy *pol, struct cons_verdict *v)
{
	memset(v, 0xa5, sizeof(*v)); /* decide must set every field */
	consensus_decide(&w->local.a, w->ms, w->n, pol, v);
}

#define GOOD "93.184.216.34"
#define EVIL "45.33.32.156"

static void
test_decide_honest(void **state)
{
	struct cons_policy pol = pol_default();
	struct cons_verdict v;
	struct world *w = world_new(GOOD);

	(void)state;
	world_set(w, 0, "eu", GOOD);
	world_set(w, 1, "us", GOOD);
	world_set(w, 2, "ap", GOOD);
	decide(w, &pol, &v);
	assert_int_equal(v.outcome, OUTCOME_AGREE);
	assert_int_equal(v.rule, RULE_EQUAL);
	assert_int_equal(v.asked, 3);
	assert_int_equal(v.corroborated, 3);
	assert_int_equal(v.dissented, 0);
	assert_int_equal(v.failed, 0);
	assert_int_equal(v.required, 2);
	assert_int_equal(v.regions, 3);
	assert_int_equal(v.regions_short, 0);
	assert_int_equal(v.tls_failures, 0);
	assert_int_equal(v.consensus_mirror, -1);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(v.evidence[i], EVIDENCE_CORROBORATES);
		assert_int_equal(v.mirror_rule[i], RULE_EQUAL);
		assert_int_equal(v.why[i], WHY_NONE);
	}
}

static void
test_decide_nxdomain_everywhere(void **state)
{
	struct cons_policy pol = pol_default();
	struct cons_verdict v;
	struct world *w = world_new("NXDOMAIN");

	(void)state;
	world_set(w, 0, "eu", "NXDOMAIN");
	world_set(w, 1, "us", "NXDOMAIN");
	world_set(w, 2, "ap", GOOD);
	decide(w, &pol, &v);
	assert_int_equal(v.outcome, OUTCOME_AGREE);
	assert_int_equal(v.rule, RULE_RCODE);
	assert_int_equal(v.dissented, 1);
	assert_int_equal(v.why[2], WHY_RCODE);
}

static void
test_decide_one_liar_of_three(void **state)
{
	struct cons_policy pol = pol_default();
	struct cons_verdict v;
	struct world *w = world_new(GOOD);

	(void)state;
	world_set(w, 0, "eu", GOOD);
	world_set(w, 1, "us", EVIL);
	world_set(w, 2, "ap", GOOD);
	decide(w, &pol, &v);
	assert_int_equal(v.outcome, OUTCOME_AGREE);
	assert_int_equal(v.corroborated, 2);
	assert_int_equal(v.dissented, 1);
	assert_int_equal(v.evidence[1], EVIDENCE_DISSENTS);
	assert_int_equal(v.why[1], WHY_DATA);
	assert_int_equal(v.mirror_rule[1], RULE_NONE);
	assert_int_equal(v.consensus_mirror, -1);
}

static void
test_decide_liars_of_six(void **state)
{
	struct cons_policy pol = pol_default();
	struct cons_verdict v;
	struct world *w = world_new(GOOD);
	static const char *const regions[] = { "eu", "us", "ap", "sa", "af", "oc" };

	(void)state;
	for (size_t i = 0; i < 6; i++)
		world_set(w, i, regions[i], i == 1 || i == 4 ? EVIL : GOOD);
	decide(w, &pol, &v);
	assert_int_equal(v.outcome, OUTCOME_AGREE);
	assert_int_equal(v.required, 4);
	assert_int_equal(v.corroborated, 4);
	assert_int_equal(v.dissented, 2);

	/* A third liar: 3 of 6 make the quorum of 4 impossible. */
	world_set(w, 5, "oc", EVIL);
	decide(w, &pol, &v);
	assert_int_not_equal(v.outcome, OUTCOME_AGREE);
	assert_int_equal(v.outcome, OUTCOME_DISSENT);
	assert_int_equal(v.corroborated, 3);
	assert_int_equal(v.dissented, 3);
	assert_int_equal(v.rule, RULE_NONE);
	/* Neither answer has 4 mirrors behind it. */
	assert_int_equal(v.consensus_mirror, -1);
}

static void
test_decide_lying_majority(void **state)
{
	struct cons_policy pol = pol_default();
	struct cons_verdict v;
	struct world *w = world_new(EVIL); /* the local resolver is poisoned */

	(void)state;
	world_set(w, 0, "eu", EVIL);
	world_set(w, 1, "us", GOOD);
	world_set(w, 2, "ap", GOOD);
	decide(w, &pol, &v);
	assert_int_equal(v.outcome, OUTCOME_DISSENT);
	assert_int_equal(v.corroborated, 1);
	assert_int_equal(v.dissented, 2);
	assert_int_equal(v.rule, RULE_NONE);
	assert_true(v.consensus_mirror == 1 || v.consensus_mirror == 2);

	/* All three dissent, and share the honest answer. */
	world_set(w, 0, "eu", GOOD);
	decide(w, &pol, &v);
	assert_int_equal(v.outcome, OUTCOME_DISSENT);
	assert_int_equal(v.dissented, 3);
	assert_true(v.consensus_mirror >= 0 && v.consensus_mirror <= 2);

	/* Mirrors disagree among themselves: no consensus answer to serve. */
	world_set(w, 0, "eu", "151.101.1.1");
	world_set(w, 1, "us", "2.16.1.1");
	world_set(w, 2, "ap", "23.1.1.1");
	decide(w, &pol, &v);
	assert_int_equal(v.outcome, OUTCOME_DISSENT);
	assert_int_equal(v.consensus_mirror, -1);

	/* Two mirrors agree with each other (by overlap): a quorum of 2 shares that answer. */
	world_set(w, 1, "us", "151.101.1.1 151.101.65.1");
	decide(w, &pol, &v);
	assert_int_equal(v.outcome, OUTCOME_DISSENT);
	assert_true(v.consensus_mirror == 0 || v.consensus_mirror == 1);

	/* The mirror majority says NXDOMAIN. */
	world_set(w, 0, "eu", "NXDOMAIN");
	world_set(w, 1, "us", "NXDOMAIN");
	decide(w, &pol, &v);
	assert_int_equal(v.outcome, OUTCOME_DISSENT);
	assert_int_equal(v.why[0], WHY_RCODE);
	assert_true(v.consensus_mirror == 0 || v.consensus_mirror == 1);

	/* A failed mirror is never the consensus mirror. */
	world_set(w, 0, "eu", "TIMEOUT");
	world_set(w, 1, "us", GOOD);
	world_set(w, 2, "ap", GOOD);
	decide(w, &pol, &v);
	assert_int_equal(v.outcome, OUTCOME_DISSENT);
	assert_true(v.consensus_mirror == 1 || v.consensus_mirror == 2);
}

static void
test_decide_all_down(void **state)
{
	struct cons_policy pol = pol_default();
	struct cons_verdict v;
	struct world *w = world_new(GOOD);

	(void)state;
	world_set(w, 0, "eu", "TIMEOUT");
	world_set(w, 1, "us", "ERROR");
	world_set(w, 2, "ap", "SERVFAIL");
	decide(w, &pol, &v);
	assert_int_equal(v.outcome, OUTCOME_INSUFFICIENT);
	assert_int_equal(v.failed, 3);
	assert_int_equal(v.dissented, 0);
	assert_int_equal(v.corroborated, 0);
	assert_int_equal(v.tls_failures, 0);
	assert_int_equal(v.rule, RULE_NONE);
	assert_int_equal(v.regions, 0);
	assert_int_equal(v.consensus_mirror, -1);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(v.evidence[i], EVIDENCE_FAILED);
		assert_int_equal(v.why[i], WHY_NONE);
	}

	/* A pin failure is told apart. */
	world_set(w, 1, "us", "TLS");
	decide(w, &pol, &v);
	assert_int_equal(v.outcome, OUTCOME_INSUFFICIENT);
	assert_int_equal(v.tls_failures, 1);
}

static void
test_decide_failures_block(void **state)
{
	struct cons_policy pol = pol_default();
	struct cons_verdict v;
	struct world *w = world_new(GOOD);

	(void)state;
	/* One corroborates, one dissents, one still out: it may yet make the quorum. */
	world_set(w, 0, "eu", GOOD);
	world_set(w, 1, "us", EVIL);
	world_set(w, 2, "ap", "TIMEOUT");
	decide(w, &pol, &v);
	assert_int_equal(v.outcome, OUTCOME_INSUFFICIENT);
	assert_int_equal(v.corroborated, 1);
	assert_int_equal(v.dissented, 1);
	assert_int_equal(v.failed, 1);
	assert_int_equal(v.rule, RULE_NONE);
	assert_int_equal(v.consensus_mirror, -1);
	/*
	 * Settled, it timed out: one corroboration against one dissent is no reason to serve
	 * (review finding 8: a lying mirror's word beside a blocked honest one and an honest
	 * dissent was "insufficient", and on_insufficient: flag served the forgery).
	 */
	pol.settled = 1;
	decide(w, &pol, &v);
	assert_int_equal(v.outcome, OUTCOME_DISSENT);
	assert_int_equal(v.failed, 1);
	assert_int_equal(v.consensus_mirror, -1);

	/* One dissent and two failures: the failures are no evidence, the dissent is. Even
	 * with one still out: whatever it answers, it is a dissent. */
	world_set(w, 0, "eu", "TLS");
	decide(w, &pol, &v);
	assert_int_equal(v.outcome, OUTCOME_DISSENT);
	assert_int_equal(v.tls_failures, 1);
	pol.settled = 0;
	decide(w, &pol, &v);
	assert_int_equal(v.outcome, OUTCOME_DISSENT);
	/* Two still out: both may corroborate, and then the quorum holds. */
	world_set(w, 0, "eu", "TIMEOUT");
	decide(w, &pol, &v);
	assert_int_equal(v.outcome, OUTCOME_INSUFFICIENT);
	pol.settled = 1;
	decide(w, &pol, &v);
	assert_int_equal(v.outcome, OUTCOME_DISSENT);
	/* One corroborates, the others failed: nobody dissents, on_insufficient decides. */
	world_set(w, 1, "us", GOOD);
	decide(w, &pol, &v);
	assert_int_equal(v.outcome, OUTCOME_INSUFFICIENT);
}

/* The outcome table of consensus.h, counts only, every combination up to 8 mirrors. */
static void
test_outcome_table(void **state)
{
	(void)state;
	for (unsigned n = 1; n <= 8; n++)
		for (unsigned q = 0; q <= n; q++)
			for (unsigned c = 0; c <= n; c++)
				for (unsigned d = 0; c + d <= n; d++)
					for (unsigned spread = 0; spread < 2; spread++) {
						unsigned f = n - c - d, req = consensus_required(n, q);
						enum cons_outcome want, got;

						if (c >= req && spread)
							want = OUTCOME_AGREE;
						else if (d > 0 && (d >= c || c + f < req))
							want = OUTCOME_DISSENT;
						else
							want = OUTCOME_INSUFFICIENT;
						got = consensus_outcome(c, d, f, 0, req, spread, spread);
						if (got != want)
							fail_msg("n=%u q=%u c=%u d=%u f=%u spread=%u: %d, want "
								 "%d", n, q, c, d, f, spread, got, want);
						/* With MPIC, no dissent is thrown away: no quorum and a
						 * dissent at least as strong is never "insufficient". */
						if (q == 0 && d > 0 && d >= c && got == OUTCOME_INSUFFICIENT)
							fail_msg("n=%u c=%u d=%u: dissent thrown away", n, c, d);
					}
	/* The three-mirror rows of consensus.h. */
	assert_int_equal(consensus_outcome(1, 1, 1, 0, 2, 1, 1), OUTCOME_DISSENT);
	assert_int_equal(consensus_outcome(0, 1, 2, 0, 2, 1, 1), OUTCOME_DISSENT);
	assert_int_equal(consensus_outcome(1, 2, 0, 0, 2, 1, 1), OUTCOME_DISSENT);
	assert_int_equal(consensus_outcome(1, 0, 2, 0, 2, 1, 1), OUTCOME_INSUFFICIENT);
	assert_int_equal(consensus_outcome(0, 0, 3, 0, 2, 1, 1), OUTCOME_INSUFFICIENT);
	assert_int_equal(consensus_outcome(2, 1, 0, 0, 2, 1, 1), OUTCOME_AGREE);
	assert_int_equal(consensus_outcome(2, 0, 1, 0, 2, 0, 0), OUTCOME_INSUFFICIENT);
	/* Pending: decided only when no answer still out could change it. */
	assert_int_equal(consensus_outcome(0, 1, 0, 2, 2, 0, 1), OUTCOME_INSUFFICIENT);
	assert_int_equal(consensus_outcome(0, 1, 1, 1, 2, 0, 1), OUTCOME_DISSENT);
	assert_int_equal(consensus_outcome(0, 2, 0, 1, 2, 0, 1), OUTCOME_DISSENT);
	assert_int_equal(consensus_outcome(2, 0, 0, 1, 2, 1, 1), OUTCOME_AGREE);
	assert_int_equal(consensus_outcome(1, 1, 0, 1, 2, 0, 1), OUTCOME_INSUFFICIENT);
	/* 2 / 1 / 0 without the region spread: no quorum, and the dissent is weaker. */
	assert_int_equal(consensus_outcome(1, 1, 0, 1, 2, 0, 0), OUTCOME_INSUFFICIENT);
	assert_int_equal(consensus_outcome(1, 2, 0, 1, 3, 0, 1), OUTCOME_DISSENT); /* 4 asked */
}

static void
test_decide_regions(void **state)
{
	struct cons_policy pol = pol_default();
	struct cons_verdict v;
	struct world *w = world_new(GOOD);

	(void)state;
	/* n > 2: all corroborators in one region. */
	world_set(w, 0, "eu", GOOD);
	world_set(w, 1, "eu", GOOD);
	world_set(w, 2, "eu", GOOD);
	decide(w, &pol, &v);
	assert_int_equal(v.outcome, OUTCOME_INSUFFICIENT);
	assert_int_equal(v.corroborated, 3);
	assert_int_equal(v.regions, 1);
	assert_int_equal(v.regions_short, 1);
	assert_int_equal(v.rule, RULE_NONE);

	/* The one mirror elsewhere dissents: the two that corroborate share a region. */
	world_set(w, 2, "us", EVIL);
	decide(w, &pol, &v);
	assert_int_equal(v.outcome, OUTCOME_INSUFFICIENT);
	assert_int_equal(v.regions, 1);
	assert_int_equal(v.regions_short, 1);

	/* The region spread only counts corroborating mirrors. */
	world_set(w, 2, "us", "TIMEOUT");
	decide(w, &pol, &v);
	assert_int_equal(v.outcome, OUTCOME_INSUFFICIENT);
	assert_int_equal(v.regions, 1);

	world_set(w, 2, "us", GOOD);
	decide(w, &pol, &v);
	assert_int_equal(v.outcome, OUTCOME_AGREE);
	assert_int_equal(v.regions, 2);
	assert_int_equal(v.regions_short, 0);

	/* n <= 2: one region is enough. */
	w = world_new(GOOD);
	world_set(w, 0, "eu", GOOD);
	world_set(w, 1, "eu", GOOD);
	decide(w, &pol, &v);
	assert_int_equal(v.outcome, OUTCOME_AGREE);
	assert_int_equal(v.regions, 1);
	w->n = 1;
	decide(w, &pol, &v);
	assert_int_equal(v.outcome, OUTCOME_AGREE);
	assert_int_equal(v.required, 1);

	/* Equal strings at different addresses are one region. */
	{
		char eu2[] = "eu";
		w = world_new(GOOD);
		world_set(w, 0, "eu", GOOD);
		world_set(w, 1, eu2, GOOD);
		world_set(w, 2, "eu", GOOD);
		decide(w, &pol, &v);
		assert_int_equal(v.regions, 1);
		assert_int_equal(v.outcome, OUTCOME_INSUFFICIENT);
	}

	/*
	 * An explicit quorum of 1 of 3 still needs the region spread (DESIGN 4: "when n > 2"),
	 * so one corroborating mirror is not enough.
	 */
	pol.quorum = 1;
	w = world_new(GOOD);
	world_set(w, 0, "eu", GOOD);
	world_set(w, 1, "us", "TIMEOUT");
	world_set(w, 2, "ap", "TIMEOUT");
	decide(w, &pol, &v);
	assert_int_equal(v.required, 1);
	assert_int_equal(v.outcome, OUTCOME_INSUFFICIENT);
	assert_int_equal(v.regions_short, 1);
}

static void
test_decide_null_regions(void **state)
{
	struct cons_policy pol = pol_default();
	struct cons_verdict v;
	struct world *w = world_new(GOOD);

	(void)state;
	/* No region known at all: no spread can be shown. */
	world_set(w, 0, NULL, GOOD);
	world_set(w, 1, NULL, GOOD);
	world_set(w, 2, NULL, GOOD);
	decide(w, &pol, &v);
	assert_int_equal(v.outcome, OUTCOME_INSUFFICIENT);
	assert_int_equal(v.regions_short, 1);

	/* Two mirrors in two named regions: NULL mixes fine with names. */
	world_set(w, 0, "eu", GOOD);
	world_set(w, 1, "us", GOOD);
	decide(w, &pol, &v);
	assert_int_equal(v.outcome, OUTCOME_AGREE);

	/*
	 * One named region plus mirrors of unknown region: "distinct non-empty regions" (the
	 * comment on consensus_regions) is 1, so the spread is not shown.
	 */
	world_set(w, 0, "eu", GOOD);
	world_set(w, 1, NULL, GOOD);
	world_set(w, 2, NULL, GOOD);
	decide(w, &pol, &v);
	assert_int_equal(v.regions, 1);
	assert_int_equal(v.outcome, OUTCOME_INSUFFICIENT);
	assert_int_equal(v.regions_short, 1);
}

static void
test_decide_weakest_rule(void **state)
{
	struct cons_policy pol = pol_default();
	struct cons_verdict v;
	struct world *w = world_new("93.184.216.34 93.184.216.35");

	(void)state;
	tans_tail(&w->local, "edge.example.net");
	world_set(w, 0, "eu", "93.184.216.35 93.184.216.34");
	world_set(w, 1, "us", "93.184.216.34 151.101.1.1 93.184.216.35");
	world_set(w, 2, "ap", "93.184.216.34 151.101.1.1");
	world_set(w, 3, "sa", "93.184.216.99");
	world_set(w, 4, "af", "151.101.1.1");
	tans_tail(&w->t[4], "edge.example.net");
	w->ms[4].ans = w->t[4].a;
	world_set(w, 5, "oc", "TIMEOUT");
	pol.quorum = 2;
	decide(w, &pol, &v);
	assert_int_equal(v.outcome, OUTCOME_AGREE);
	assert_int_equal(v.corroborated, 2);
	assert_int_equal(v.dissented, 3);
	assert_int_equal(v.evidence[0], EVIDENCE_CORROBORATES);
	assert_int_equal(v.mirror_rule[0], RULE_EQUAL);
	assert_int_equal(v.evidence[1], EVIDENCE_CORROBORATES);
	assert_int_equal(v.mirror_rule[1], RULE_ADDRS);
	/* The weak signals are dissent, and say which signal held. */
	for (size_t i = 2; i <= 4; i++) {
		assert_int_equal(v.evidence[i], EVIDENCE_DISSENTS);
		assert_int_equal(v.why[i], WHY_WEAK);
	}
	assert_int_equal(v.mirror_rule[2], RULE_OVERLAP);
	assert_int_equal(v.mirror_rule[3], RULE_PREFIX);
	assert_int_equal(v.mirror_rule[4], RULE_CNAME);
	assert_int_equal(v.mirror_rule[5], RULE_NONE);
	assert_int_equal(v.rule, RULE_ADDRS);

	/* Without the superset mirror (failed instead), the weakest is equality. */
	world_set(w, 1, "us", "ERROR");
	world_set(w, 5, "oc", "93.184.216.34 93.184.216.35");
	decide(w, &pol, &v);
	assert_int_equal(v.outcome, OUTCOME_AGREE);
	assert_int_equal(v.rule, RULE_EQUAL);

	/* Weak signals alone never make a quorum, whatever the quorum. */
	world_set(w, 0, "eu", EVIL);
	world_set(w, 1, "us", EVIL);
	world_set(w, 5, "oc", EVIL);
	pol.quorum = 1;
	decide(w, &pol, &v);
	assert_int_equal(v.outcome, OUTCOME_DISSENT);
	assert_int_equal(v.corroborated, 0);
	assert_int_equal(v.rule, RULE_NONE);
	/* The rank: none and weak signals below every rule. */
	assert_int_equal(consensus_rule_rank(RULE_OVERLAP), 0);
	assert_int_equal(consensus_rule_rank(RULE_PREFIX), 0);
	assert_int_equal(consensus_rule_rank(RULE_CNAME), 0);
	assert_true(consensus_rule_rank(RULE_RCODE) < consensus_rule_rank(RULE_EQUAL));
	assert_true(consensus_rule_rank(RULE_EQUAL) < consensus_rule_rank(RULE_ADDRS));
	assert_true(consensus_rule_rank(RULE_ADDRS) < consensus_rule_rank(RULE_CA));
}

/* ---- the four forgeries of the first attacker review, through consensus_decide ---- */

static void
test_decide_forgeries(void **state)
{
	static const uint8_t h_honest[] = { 0, 1, 0, 0, 4, 0, 4, 93, 184, 216, 34 };
	static const uint8_t h_forged[] = { 0, 1, 0, 0, 4, 0, 4, 45, 33, 32, 156 };
	struct cons_policy pol = pol_default();
	struct cons_verdict v;
	struct world *w;

	(void)state;
	pol.allow_private = 1; /* what stops them must be the data rules */
	/* (a) The honest set plus the attacker's address. */
	w = world_new(GOOD " 93.184.216.35 " EVIL);
	world_set(w, 0, "eu", GOOD " 93.184.216.35");
	world_set(w, 1, "us", GOOD " 93.184.216.35");
	world_set(w, 2, "ap", GOOD " 93.184.216.35");
	decide(w, &pol, &v);
	assert_int_equal(v.outcome, OUTCOME_DISSENT);
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(v.why[i], WHY_WEAK);
		assert_int_equal(v.mirror_rule[i], RULE_OVERLAP);
	}
	assert_int_equal(v.consensus_mirror, 0);
	/* (b) A neighbour in the honest /24. */
	w = world_new("93.184.216.66");
	world_set(w, 0, "eu", GOOD);
	world_set(w, 1, "us", GOOD);
	world_set(w, 2, "ap", GOOD);
	decide(w, &pol, &v);
	assert_int_equal(v.outcome, OUTCOME_DISSENT);
	assert_int_equal(v.mirror_rule[0], RULE_PREFIX);
	assert_int_equal(v.why[0], WHY_WEAK);
	/* (c) The honest CNAME tail, the attacker's final address. */
	w = world_new(EVIL);
	tans_tail(&w->local, "www.cdn.example.net");
	tans_chain(&w->local, "www.cdn.example.net");
	for (size_t i = 0; i < 3; i++) {
		world_set(w, i, i == 0 ? "eu" : i == 1 ? "us" : "ap", GOOD);
		tans_tail(&w->t[i], "www.cdn.example.net");
		tans_chain(&w->t[i], "www.cdn.example.net");
		w->ms[i].ans = w->t[i].a;
	}
	decide(w, &pol, &v);
	assert_int_equal(v.outcome, OUTCOME_DISSENT);
	assert_int_equal(v.mirror_rule[1], RULE_CNAME);
	assert_int_equal(v.why[1], WHY_WEAK);
	assert_int_equal(v.chain_corroborated, 0);
	/* (d) An HTTPS record whose ipv4hint is the attacker's. */
	w = world_new(GOOD);
	tans_init(&w->local, RCLASS_DATA);
	tans_rr(&w->local, T_HTTPS, h_forged, sizeof(h_forged));
	for (size_t i = 0; i < 3; i++) {
		world_set(w, i, i == 0 ? "eu" : i == 1 ? "us" : "ap", GOOD);
		tans_init(&w->t[i], RCLASS_DATA);
		tans_rr(&w->t[i], T_HTTPS, h_honest, sizeof(h_honest));
		w->ms[i].ans = w->t[i].a;
	}
	decide(w, &pol, &v);
	assert_int_equal(v.outcome, OUTCOME_DISSENT);
	assert_int_equal(v.why[2], WHY_DATA);
	/* And the honest HTTPS record is corroborated, chain and all. */
	tans_init(&w->local, RCLASS_DATA);
	tans_rr(&w->local, T_HTTPS, h_honest, sizeof(h_honest));
	decide(w, &pol, &v);
	assert_int_equal(v.outcome, OUTCOME_AGREE);
	assert_int_equal(v.rule, RULE_EQUAL);
	assert_int_equal(v.chain_corroborated, 1);
	/* The mirrors' own majority still forms from subsets (on_dissent: consensus). */
	w = world_new(EVIL);
	world_set(w, 0, "eu", GOOD);
	world_set(w, 1, "us", GOOD " 93.184.216.35");
	world_set(w, 2, "ap", "93.184.216.35 " GOOD);
	decide(w, &pol, &v);
	assert_int_equal(v.outcome, OUTCOME_DISSENT);
	assert_int_equal(v.consensus_mirror, 0); /* its one address is in all three */
	/* ...but not from weak signals: three unrelated CDN answers have no majority. */
	world_set(w, 0, "eu", "93.184.216.1");
	world_set(w, 1, "us", "93.184.216.2");
	world_set(w, 2, "ap", "93.184.216.3");
	decide(w, &pol, &v);
	assert_int_equal(v.outcome, OUTCOME_DISSENT);
	assert_int_equal(v.consensus_mirror, -1);
	/* Honest subsets (a CDN's rotation) corroborate. */
	w = world_new("93.184.216.35");
	world_set(w, 0, "eu", GOOD " 93.184.216.35");
	world_set(w, 1, "us", "93.184.216.35 93.184.216.36");
	world_set(w, 2, "ap", "93.184.216.35");
	decide(w, &pol, &v);
	assert_int_equal(v.outcome, OUTCOME_AGREE);
	assert_int_equal(v.rule, RULE_ADDRS);
}

/* ---- chain_corroborated: the chain is served only when every corroborator has it ---- */

static void
test_decide_chain(void **state)
{
	struct cons_policy pol = pol_default();
	struct cons_verdict v;
	struct world *w = world_new(GOOD);

	(void)state;
	tans_chain(&w->local, "www.cdn.example.net");
	for (size_t i = 0; i < 3; i++) {
		world_set(w, i, i == 0 ? "eu" : i == 1 ? "us" : "ap", GOOD);
		tans_chain(&w->t[i], "www.cdn.example.net");
		w->ms[i].ans = w->t[i].a;
	}
	decide(w, &pol, &v);
	assert_int_equal(v.outcome, OUTCOME_AGREE);
	assert_int_equal(v.chain_corroborated, 1);
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(v.mirror_chain[i], 1);
	/* One corroborating mirror came another way: the addresses stand, the chain does not. */
	tans_chain(&w->t[1], "www.other.example.net");
	w->ms[1].ans = w->t[1].a;
	decide(w, &pol, &v);
	assert_int_equal(v.outcome, OUTCOME_AGREE);
	assert_int_equal(v.mirror_chain[1], 0);
	assert_int_equal(v.chain_corroborated, 0);
	/* A dissenting or failed mirror's chain does not matter. */
	world_set(w, 1, "us", "TIMEOUT");
	world_set(w, 3, "sa", EVIL);
	pol.quorum = 2;
	decide(w, &pol, &v);
	assert_int_equal(v.outcome, OUTCOME_AGREE);
	assert_int_equal(v.chain_corroborated, 1);
	/* The local answer without a chain, the mirrors with one. */
	w->local.a.chain_len = 0;
	w->local.a.n_chain = 0;
	decide(w, &pol, &v);
	assert_int_equal(v.outcome, OUTCOME_AGREE);
	assert_int_equal(v.chain_corroborated, 0);
	/* No chain anywhere: trivially the same chain. */
	w = world_new(GOOD);
	world_set(w, 0, "eu", GOOD);
	world_set(w, 1, "us", GOOD);
	decide(w, &pol, &v);
	assert_int_equal(v.chain_corroborated, 1);
	/* No corroboration, no chain. */
	world_set(w, 0, "eu", EVIL);
	world_set(w, 1, "us", EVIL);
	decide(w, &pol, &v);
	assert_int_equal(v.outcome, OUTCOME_DISSENT);
	assert_int_equal(v.chain_corroborated, 0);
	assert_int_equal(consensus_chain_corroborated(&v, 2), 0);
}

static void
test_decide_explicit_quorum(void **state)
{
	struct cons_policy pol = pol_default();
	struct cons_verdict v;
	struct world *w = world_new(GOOD);
	static const char *const regions[] = { "eu", "us", "ap", "sa", "af", "oc" };

	(void)state;
	/* quorum 2 of 6: two corroborating mirrors in two regions are enough. */
	pol.quorum = 2;
	for (size_t i = 0; i < 6; i++)
		world_set(w, i, regions[i], i < 2 ? GOOD : EVIL);
	decide(w, &pol, &v);
	assert_int_equal(v.required, 2);
	assert_int_equal(v.outcome, OUTCOME_AGREE);
	/* quorum 9 of 6: capped at 6, all must corroborate. */
	pol.quorum = 9;
	for (size_t i = 0; i < 6; i++)
		world_set(w, i, regions[i], GOOD);
	decide(w, &pol, &v);
	assert_int_equal(v.required, 6);
	assert_int_equal(v.outcome, OUTCOME_AGREE);
	world_set(w, 5, "oc", "TIMEOUT");
	decide(w, &pol, &v);
	assert_int_equal(v.outcome, OUTCOME_INSUFFICIENT);
	world_set(w, 5, "oc", EVIL);
	decide(w, &pol, &v);
	assert_int_equal(v.outcome, OUTCOME_DISSENT);
	assert_int_equal(v.consensus_mirror, -1); /* the good five share an answer: 5 < 6 */
}

static void
test_decide_capped(void **state)
{
	struct cons_policy pol = pol_default();
	struct cons_verdict v;
	struct world *w = world_new(GOOD);
	char regions[CONSENSUS_MAX_MIRRORS + 4][8];

	(void)state;
	for (size_t i = 0; i < CONSENSUS_MAX_MIRRORS + 4; i++) {
		snprintf(regions[i], sizeof(regions[i]), "r%zu", i);
		/* Mirrors past the cap lie and fail their pin: they must not be looked at. */
		world_set(w, i, regions[i], i < CONSENSUS_MAX_MIRRORS ? GOOD : (i % 2 ? EVIL : "TLS"));
	}
	assert_int_equal(w->n, CONSENSUS_MAX_MIRRORS + 4);
	decide(w, &pol, &v);
	assert_int_equal(v.asked, CONSENSUS_MAX_MIRRORS);
	assert_int_equal(v.required, CONSENSUS_MAX_MIRRORS - 2);
	assert_int_equal(v.corroborated, CONSENSUS_MAX_MIRRORS);
	assert_int_equal(v.dissented, 0);
	assert_int_equal(v.failed, 0);
	assert_int_equal(v.tls_failures, 0);
	assert_int_equal(v.regions, CONSENSUS_MAX_MIRRORS);
	assert_int_equal(v.outcome, OUTCOME_AGREE);
}

static void
test_decide_none(void **state)
{
	struct cons_policy pol = pol_default();
	struct cons_verdict v;
	struct world *w = world_new(GOOD);

	(void)state;
	decide(w, &pol, &v);
	assert_int_equal(v.outcome, OUTCOME_INSUFFICIENT);
	assert_int_equal(v.asked, 0);
	assert_int_equal(v.required, 1);
	assert_int_equal(v.corroborated, 0);
	assert_int_equal(v.dissented, 0);
	assert_int_equal(v.failed, 0);
	assert_int_equal(v.regions, 0);
	assert_int_equal(v.regions_short, 0);
	assert_int_equal(v.tls_failures, 0);
	assert_int_equal(v.rule, RULE_NONE);
	assert_int_equal(v.consensus_mirror, -1);
	/* NULL mirrors with n = 0 are fine too. */
	memset(&v, 0xa5, sizeof(v));
	consensus_decide(&w->local.a, NULL, 0, &pol, &v);
	assert_int_equal(v.outcome, OUTCOME_INSUFFICIENT);
	/* An explicit quorum of 0 mirrors is still out of reach. */
	pol.quorum = 1;
	decide(w, &pol, &v);
	assert_int_equal(v.outcome, OUTCOME_INSUFFICIENT);
}

/* ---- consensus_decide: every combination against an independent reference ---- */

/* What mirror i does in a combination. */
enum st { ST_EQUAL, ST_OVERLAP, ST_LIE, ST_FAIL, ST_N };

static unsigned
ref_required(unsigned n, unsigned q)
{
	unsigned allowed = n >= 6 ? 2 : 1; /* non-corroborations BR 3.2.2.9 allows */

	if (n == 0)
		return 1;
	if (q)
		return q > n ? n : q;
	return n > allowed ? n - allowed : 1;
}

struct ref_verdict {
	enum cons_outcome outcome;
	enum cons_rule rule;
	unsigned c, d, f, req, regions;
	int regions_short, tls, lie_group;
};

static const char *
region_of(int mode, size_t i)
{
	static const char *const distinct[] = { "r0", "r1", "r2", "r3", "r4", "r5" };

	switch (mode) {
	case 0:
		return distinct[i];
	case 1:
		return "eu";
	default:
		return i % 2 ? "us" : "eu";
	}
}

/* Distinct regions among the mirrors of mask (rmode as region_of). */
static unsigned
ref_regions(unsigned mask, size_t k, int rmode)
{
	unsigned count = 0;

	for (size_t i = 0; i < k; i++) {
		int seen = 0;
		if (!(mask & 1u << i))
			continue;
		for (size_t j = 0; j < i && !seen; j++)
			seen = (mask & 1u << j) && strcmp(region_of(rmode, i), region_of(rmode, j)) == 0;
		count += !seen;
	}
	return count;
}

/* The table of consensus.h for settled counts, written out again. */
static enum cons_outcome
ref_final(unsigned c, unsigned d, size_t k, unsigned req, unsigned regions)
{
	if (c >= req && (k <= 2 || regions >= 2))
		return OUTCOME_AGREE;
	if (d > 0 && (d >= c || k - d < req))
		return OUTCOME_DISSENT;
	return OUTCOME_INSUFFICIENT;
}

static void
ref_decide(const enum st *st, size_t k, unsigned q, int rmode, int same_lie, size_t combo,
    int settled, struct ref_verdict *r)
{
	int seen_eu = 0, seen_us = 0;
	unsigned cmask = 0, pend[6], np = 0, fates = 1;
	int first = 1;

	memset(r, 0, sizeof(*r));
	for (size_t i = 0; i < k; i++) {
		switch (st[i]) {
		case ST_EQUAL:
		case ST_OVERLAP:
			r->c++;
			if (rmode == 0)
				r->regions++;
			else if (strcmp(region_of(rmode, i), "eu") == 0)
				seen_eu = 1;
			else
				seen_us = 1;
			if (st[i] == ST_OVERLAP)
				r->rule = RULE_ADDRS;
			else if (r->rule == RULE_NONE)
				r->rule = RULE_EQUAL;
			break;
		case ST_LIE:
			r->d++;
			break;
		default:
			r->f++;
			if ((i + combo) % 4 == 2)
				r->tls = 1;
			if (!settled && (i + combo) % 4 == 0)
				pend[np++] = (unsigned)i; /* a timeout, maybe still on its way */
			break;
		}
		if (st[i] == ST_EQUAL || st[i] == ST_OVERLAP)
			cmask |= 1u << i;
	}
	if (rmode != 0)
		r->regions = (unsigned)(seen_eu + seen_us);
	r->req = ref_required((unsigned)k, q);
	r->lie_group = same_lie ? (int)r->d : (r->d > 0);
	if (r->c >= r->req && (k <= 2 || r->regions >= 2)) {
		r->outcome = OUTCOME_AGREE;
		return;
	}
	r->regions_short = r->c >= r->req;
	r->rule = RULE_NONE;
	/* Every way the pending mirrors may answer (corroborate, dissent, fail): decided
	 * only when all of them give the same outcome. */
	for (unsigned i = 0; i < np; i++)
		fates *= 3;
	for (unsigned x = 0; x < fates; x++) {
		unsigned c = r->c, d = r->d, mask = cmask, y = x;
		enum cons_outcome o;
		for (unsigned i = 0; i < np; i++, y /= 3) {
			if (y % 3 == 0) {
				c++;
				mask |= 1u << pend[i];
			} else if (y % 3 == 1)
				d++;
		}
		o = ref_final(c, d, k, r->req, rmode == 0 ? c : ref_regions(mask, k, rmode));
		if (first)
			r->outcome = o;
		else if (o != r->outcome)
			r->outcome = OUTCOME_INSUFFICIENT;
		first = 0;
	}
}

static void
test_decide_exhaustive(void **state)
{
	static struct tans local, equal, overlap, lie, lies[6], fails[4];
	static const enum cons_transport ftr[4] = { TRANSPORT_TIMEOUT, TRANSPORT_ERROR,
		TRANSPORT_TLS, TRANSPORT_OK };
	unsigned long checked = 0;

	(void)state;
	tans_addrs(&local, "93.184.216.34 93.184.216.35");
	tans_addrs(&equal, "93.184.216.35 93.184.216.34");
	tans_addrs(&overlap, "93.184.216.34 151.101.1.1 93.184.216.35"); /* rule 3 */
	tans_addrs(&lie, EVIL);
	for (size_t i = 0; i < 6; i++) {
		char s[32];
		snprintf(s, sizeof(s), "45.33.%zu.156", i);
		tans_addrs(&lies[i], s);
	}
	for (size_t i = 0; i < 4; i++) {
		tans_fail(&fails[i], ftr[i]); /* TRANSPORT_OK + RCLASS_OTHER: SERVFAIL */
	}

	for (size_t k = 1; k <= 6; k++) {
		size_t combos = 1;
		for (size_t i = 0; i < k; i++)
			combos *= ST_N;
		for (size_t combo = 0; combo < combos; combo++) {
			enum st st[6];
			size_t x = combo;
			for (size_t i = 0; i < k; i++, x /= ST_N)
				st[i] = (enum st)(x % ST_N);
			for (unsigned q = 0; q <= k; q++)
				for (int rmode = 0; rmode < 3; rmode++)
					for (int sl = 0; sl < 4; sl++) {
						struct cons_mirror ms[6];
						struct cons_policy pol = pol_default();
						struct cons_verdict v;
						struct ref_verdict r;
						int same_lie = sl & 1, settled = sl >> 1;
						pol.quorum = q;
						pol.settled = settled;
						for (size_t i = 0; i < k; i++) {
							ms[i].region = region_of(rmode, i);
							ms[i].ans = st[i] == ST_EQUAL ? equal.a
							    : st[i] == ST_OVERLAP   ? overlap.a
							    : st[i] == ST_LIE ? (same_lie ? lie.a : lies[i].a)
									      : fails[(i + combo) % 4].a;
						}
						memset(&v, 0xa5, sizeof(v));
						consensus_decide(&local.a, ms, k, &pol, &v);
						ref_decide(st, k, q, rmode, same_lie, combo, settled, &r);
						checked++;
#define EXP(cond)                                                                               \
	do {                                                                                    \
		if (!(cond))                                                                    \
			fail_msg("k=%zu combo=%zu q=%u rmode=%d same_lie=%d settled=%d: %s "    \
				 "(outcome %d, want %d)",                                       \
			    k, combo, q, rmode, same_lie, settled, #cond, v.outcome,           \
			    r.outcome);                                                         \
	} while (0)
						EXP(v.outcome == r.outcome);
						EXP(v.rule == r.rule);
						EXP(v.asked == k);
						EXP(v.corroborated == r.c);
						EXP(v.dissented == r.d);
						EXP(v.failed == r.f);
						EXP(v.required == r.req);
						EXP(v.regions == r.regions);
						EXP(v.regions_short == r.regions_short);
						EXP(!!v.tls_failures == r.tls);
						for (size_t i = 0; i < k; i++) {
							EXP(v.evidence[i] ==
							    (st[i] == ST_LIE	  ? EVIDENCE_DISSENTS
								: st[i] == ST_FAIL ? EVIDENCE_FAILED
										   : EVIDENCE_CORROBORATES));
							EXP(v.mirror_rule[i] ==
							    (st[i] == ST_EQUAL	    ? RULE_EQUAL
								: st[i] == ST_OVERLAP ? RULE_ADDRS
										      : RULE_NONE));
							EXP(v.why[i] == (st[i] == ST_LIE ? WHY_DATA : WHY_NONE));
						}
						if (r.outcome == OUTCOME_DISSENT &&
						    (unsigned)r.lie_group >= r.req) {
							EXP(v.consensus_mirror >= 0 &&
							    (size_t)v.consensus_mirror < k);
							EXP(st[v.consensus_mirror] == ST_LIE);
						} else
							EXP(v.consensus_mirror == -1);
#undef EXP
					}
		}
	}
	assert_true(checked > 100000);
}

/* ---- names ---- */

static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(consensus_rule_name(RULE_NONE), "none");
	assert_string_equal(consensus_rule_name(RULE_RCODE), "rcode");
	assert_string_equal(consensus_rule_name(RULE_EQUAL), "equal");
	assert_string_equal(consensus_rule_name(RULE_OVERLAP), "overlap");
	assert_string_equal(consensus_rule_name(RULE_PREFIX), "prefix");
	assert_string_equal(consensus_rule_name(RULE_CNAME), "cname");
	assert_string_equal(consensus_rule_name(RULE_CA), "ca");
	assert_string_equal(consensus_rule_name(RULE_ADDRS), "addresses");
	assert_string_equal(consensus_rule_name((enum cons_rule)42), "?");
	assert_string_equal(consensus_outcome_name(OUTCOME_AGREE), "agree");
	assert_string_equal(consensus_outcome_name(OUTCOME_DISSENT), "dissent");
	assert_string_equal(consensus_outcome_name(OUTCOME_INSUFFICIENT), "insufficient");
	assert_string_equal(consensus_outcome_name((enum cons_outcome)7), "?");
	assert_string_equal(consensus_why_name(WHY_NONE), "");
	assert_string_equal(consensus_why_name(WHY_RCODE), "rcode");
	assert_string_equal(consensus_why_name(WHY_DATA), "data");
	assert_string_equal(consensus_why_name(WHY_PRIVATE), "private");
	assert_string_equal(consensus_why_name(WHY_WEAK), "weak");
	assert_string_equal(consensus_why_name((enum cons_why)9), "?");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_required_table),
		cmocka_unit_test(test_required_explicit),
		cmocka_unit_test(test_rule1_classes),
		cmocka_unit_test(test_rule1_nxdomain_vs_data),
		cmocka_unit_test(test_rule2_equal),
		cmocka_unit_test(test_rule2_unequal),
		cmocka_unit_test(test_rule3_addrs),
		cmocka_unit_test(test_rule4_prefix_table),
		cmocka_unit_test(test_rule4_prefix_every_bit),
		cmocka_unit_test(test_rule4_no_addresses),
		cmocka_unit_test(test_weak_cname),
		cmocka_unit_test(test_chain_rules),
		cmocka_unit_test(test_https_hints),
		cmocka_unit_test(test_match_modes),
		cmocka_unit_test(test_private_only_local),
		cmocka_unit_test(test_private_allowed),
		cmocka_unit_test(test_addr_is_private),
		cmocka_unit_test(test_addr_is_private_v6_bogons),
		cmocka_unit_test(test_failed_mirrors),
		cmocka_unit_test(test_decide_honest),
		cmocka_unit_test(test_decide_nxdomain_everywhere),
		cmocka_unit_test(test_decide_one_liar_of_three),
		cmocka_unit_test(test_decide_liars_of_six),
		cmocka_unit_test(test_decide_lying_majority),
		cmocka_unit_test(test_decide_all_down),
		cmocka_unit_test(test_decide_failures_block),
		cmocka_unit_test(test_outcome_table),
		cmocka_unit_test(test_decide_regions),
		cmocka_unit_test(test_decide_null_regions),
		cmocka_unit_test(test_decide_weakest_rule),
		cmocka_unit_test(test_decide_forgeries),
		cmocka_unit_test(test_decide_chain),
		cmocka_unit_test(test_decide_explicit_quorum),
		cmocka_unit_test(test_decide_capped),
		cmocka_unit_test(test_decide_none),
		cmocka_unit_test(test_decide_exhaustive),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests_name("consensus", tests, NULL, NULL);
}
