/* tests/unit/test_ca.c - resolver/ca.c: TLSA agreement, notary quorum, probe results, CAA
 * and history, each with the lie or the edge that must not move it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ca.h"
#include "dnswire.h"

/* Test answers: up to 4 records each, rdata in the answer's own storage. */
struct tans {
	struct cons_answer a;
	struct cons_rr rrs[4];
	uint8_t buf[4][300];
};

static void
tans_none(struct tans *t, enum cons_rclass rc)
{
	memset(t, 0, sizeof(*t));
	t->a.transport = TRANSPORT_OK;
	t->a.rclass = rc;
	t->a.rrs = t->rrs;
}

static void
tans_failed(struct tans *t)
{
	tans_none(t, RCLASS_OTHER);
	t->a.transport = TRANSPORT_TIMEOUT;
}

static void
tans_add(struct tans *t, uint16_t type, const uint8_t *rdata, size_t len)
{
	size_t i = t->a.n_rrs++;

	t->a.rclass = RCLASS_DATA;
	memcpy(t->buf[i], rdata, len);
	t->rrs[i].type = type;
	t->rrs[i].len = (uint16_t)len;
	t->rrs[i].rdata = t->buf[i];
}

static void
fp(uint8_t out[32], uint8_t v)
{
	memset(out, v, 32);
}

static void
tans_tlsa(struct tans *t, uint8_t usage, uint8_t sel, uint8_t mt, uint8_t v)
{
	uint8_t r[35] = { usage, sel, mt };

	fp(r + 3, v);
	tans_add(t, DNS_TYPE_TLSA, r, sizeof(r));
}

static void
tans_caa(struct tans *t, uint8_t flags, const char *tag, const char *value)
{
	uint8_t r[300];
	size_t tl = strlen(tag), vl = strlen(value);

	r[0] = flags;
	r[1] = (uint8_t)tl;
	memcpy(r + 2, tag, tl);
	memcpy(r + 2 + tl, value, vl);
	tans_add(t, DNS_TYPE_CAA, r, 2 + tl + vl);
}

static void
test_tlsa_lying_minority(void **state)
{
	struct tans t[3];
	struct cons_answer a[3];
	struct ca_set s;
	int which;

	(void)state;
	for (int i = 0; i < 3; i++)
		tans_none(&t[i], RCLASS_NODATA);
	tans_tlsa(&t[0], 2, 0, 1, 0xaa);
	tans_tlsa(&t[1], 2, 0, 1, 0xaa);
	tans_tlsa(&t[2], 2, 0, 1, 0xbb); /* the liar */
	for (int i = 0; i < 3; i++)
		a[i] = t[i].a;
	assert_int_equal(ca_tlsa_agree(a, 3, 2, &s, &which), CA_TLSA_AGREED);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.cas[0].selector, 0);
	assert_int_equal(s.cas[0].sha256[0], 0xaa);
	assert_true(which == 0 || which == 1);
	/* A liar that hides the TLSA does not move it either. */
	tans_none(&t[2], RCLASS_NXDOMAIN);
	a[2] = t[2].a;
	assert_int_equal(ca_tlsa_agree(a, 3, 2, &s, NULL), CA_TLSA_AGREED);
	assert_int_equal(s.cas[0].sha256[31], 0xaa);
	/* Nor one that invents one: two say none (NODATA and NXDOMAIN alike). */
	tans_none(&t[0], RCLASS_NODATA);
	a[0] = t[0].a;
	tans_none(&t[2], RCLASS_NXDOMAIN);
	a[2] = t[2].a;
	assert_int_equal(ca_tlsa_agree(a, 3, 2, &s, NULL), CA_TLSA_NONE);
	assert_int_equal(s.n, 0);
}

static void
test_tlsa_disputed_and_unusable(void **state)
{
	struct tans t[3];
	struct cons_answer a[3];
	struct ca_set s;

	(void)state;
	tans_none(&t[0], RCLASS_NODATA);
	tans_tlsa(&t[0], 2, 1, 1, 0x11);
	tans_none(&t[1], RCLASS_NODATA);
	tans_tlsa(&t[1], 2, 1, 1, 0x22);
	tans_failed(&t[2]);
	for (int i = 0; i < 3; i++)
		a[i] = t[i].a;
	assert_int_equal(ca_tlsa_agree(a, 3, 2, &s, NULL), CA_TLSA_DISPUTED);
	/* Agreed, but DANE-EE (3 1 1), SHA-512 (2 0 2) and PKIX-TA (0 0 1) are not CA pins. */
	for (int i = 0; i < 3; i++) {
		tans_none(&t[i], RCLASS_NODATA);
		tans_tlsa(&t[i], 3, 1, 1, 0x33);
		tans_tlsa(&t[i], 0, 0, 1, 0x34);
		a[i] = t[i].a;
	}
	assert_int_equal(ca_tlsa_agree(a, 3, 2, &s, NULL), CA_TLSA_UNUSABLE);
	/* 2 1 1 next to them is kept, selector 1. */
	for (int i = 0; i < 3; i++) {
		tans_tlsa(&t[i], 2, 1, 1, 0x35);
		a[i] = t[i].a;
	}
	assert_int_equal(ca_tlsa_agree(a, 3, 2, &s, NULL), CA_TLSA_AGREED);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.cas[0].selector, 1);
	/* Nothing at all answered: disputed, never "none". */
	for (int i = 0; i < 3; i++) {
		tans_failed(&t[i]);
		a[i] = t[i].a;
	}
	assert_int_equal(ca_tlsa_agree(a, 3, 2, &s, NULL), CA_TLSA_DISPUTED);
}

static void
test_observe_parse(void **state)
{
	char body[600];
	uint8_t fps[TLS_MAX_CHAIN][TLS_SHA256_LEN];
	const char *leaf = "0101010101010101010101010101010101010101010101010101010101010101";
	const char *ca = "AbababababababababababababababababababababababababababababababAB";

	(void)state;
	snprintf(body, sizeof(body),
	    "{\"name\":\"www.example.test\",\"ip\":\"192.0.2.1\",\"port\":443,\"tls_version\":"
	    "\"TLSv1.3\",\"observed_at\":1795480000,\"elapsed_ms\":48,\"chain\":[{\"sha256\":"
	    "\"%s\"},\n { \"sha256\" : \"%s\" } ]}",
	    leaf, ca);
	assert_int_equal(ca_observe_parse(body, strlen(body), fps, TLS_MAX_CHAIN), 2);
	assert_int_equal(fps[0][0], 0x01);
	assert_int_equal(fps[1][0], 0xab);
	assert_int_equal(ca_observe_parse(body, strlen(body), fps, 1), -1); /* too long */
	assert_int_equal(ca_observe_parse(body, strlen(body) - 10, fps, TLS_MAX_CHAIN), -1);
	assert_int_equal(ca_observe_parse("{\"error\":\"connect-failed\"}", 26, fps, 4), -1);
	assert_int_equal(ca_observe_parse("{\"chain\":[]}", 12, fps, 4), 0);
	assert_int_equal(ca_observe_parse("{\"chain\":[{\"sha256\":\"0x\"}]}", 27, fps, 4), -1);
}

static void
test_notary_quorum(void **state)
{
	struct ca_chain c[3];
	struct ca_set s;

	(void)state;
	memset(c, 0, sizeof(c));
	/* A CDN: every leaf differs, the intermediate (and here the root) does not. */
	for (int i = 0; i < 3; i++) {
		fp(c[i].fps[0], (uint8_t)(0x10 + i));
		fp(c[i].fps[1], 0x77);
		c[i].n = 2;
	}
	fp(c[0].fps[2], 0x99);
	fp(c[1].fps[2], 0x99);
	c[0].n = c[1].n = 3;
	assert_int_equal(ca_notary_quorum(c, 3, 2, &s), 2);
	assert_int_equal(s.cas[0].sha256[0], 0x77);
	assert_int_equal(s.cas[1].sha256[0], 0x99);
	assert_int_equal(s.cas[0].selector, 0);
	assert_int_equal(ca_notary_quorum(c, 3, 3, &s), 1); /* only the intermediate in all 3 */
	/* One mirror sees another CA: alone it is no quorum. */
	fp(c[2].fps[1], 0x66);
	assert_int_equal(ca_notary_quorum(c, 3, 2, &s), 2);
	assert_int_equal(ca_notary_quorum(c, 3, 3, &s), 0);
	/* A leaf is never a CA, even when it appears first in every chain (self-signed). */
	for (int i = 0; i < 3; i++) {
		fp(c[i].fps[0], 0x55);
		c[i].n = 1;
	}
	assert_int_equal(ca_notary_quorum(c, 3, 2, &s), 0);
	/* No mirror observed anything. */
	memset(c, 0, sizeof(c));
	assert_int_equal(ca_notary_quorum(c, 3, 2, &s), 0);
}

static void
test_probe_judge(void **state)
{
	enum probe_result r[3] = { PROBE_OK, PROBE_OK, PROBE_OK };
	int bad;

	(void)state;
	assert_int_equal(ca_probe_judge(r, 3, &bad), CA_OK);
	assert_int_equal(bad, -1);
	r[1] = PROBE_UNREACHABLE;
	assert_int_equal(ca_probe_judge(r, 3, &bad), CA_UNKNOWN);
	r[2] = PROBE_OTHER_CA;
	assert_int_equal(ca_probe_judge(r, 3, &bad), CA_DISSENT);
	assert_int_equal(bad, 2);
	r[2] = PROBE_BAD_NAME;
	assert_int_equal(ca_probe_judge(r, 3, NULL), CA_DISSENT);
	r[2] = PROBE_BAD_CHAIN;
	assert_int_equal(ca_probe_judge(r, 3, NULL), CA_DISSENT);
	r[1] = PROBE_BUSY;
	r[2] = PROBE_OK;
	assert_int_equal(ca_probe_judge(r, 3, NULL), CA_UNKNOWN);
	assert_int_equal(ca_probe_judge(r, 0, NULL), CA_UNKNOWN);
}

static void
test_caa_relevant(void **state)
{
	struct tans t[3][3];
	struct cons_answer a[9];

	(void)state;
	/* level 0 (the name): nothing; level 1: issue "good.ca"; level 2: issue "other.ca" */
	for (int m = 0; m < 3; m++) {
		tans_none(&t[0][m], RCLASS_NODATA);
		tans_none(&t[1][m], RCLASS_NODATA);
		tans_caa(&t[1][m], 0, "issue", "good.ca");
		tans_none(&t[2][m], RCLASS_NODATA);
		tans_caa(&t[2][m], 0, "issue", "other.ca");
	}
	for (int l = 0; l < 3; l++)
		for (int m = 0; m < 3; m++)
			a[l * 3 + m] = t[l][m].a;
	assert_int_equal(ca_caa_relevant(a, 3, 3, 2) / 3, 1);
	/* One liar hiding level 1 does not move it. */
	tans_none(&t[1][0], RCLASS_NXDOMAIN);
	a[3] = t[1][0].a;
	assert_int_equal(ca_caa_relevant(a, 3, 3, 2) / 3, 1);
	/* Level 1 disputed (one lies, one times out): CAA cannot be told. */
	tans_failed(&t[1][1]);
	a[4] = t[1][1].a;
	assert_int_equal(ca_caa_relevant(a, 3, 3, 2), -2);
	/* Nobody has CAA anywhere. */
	for (int l = 0; l < 3; l++)
		for (int m = 0; m < 3; m++) {
			tans_none(&t[l][m], RCLASS_NODATA);
			a[l * 3 + m] = t[l][m].a;
		}
	assert_int_equal(ca_caa_relevant(a, 3, 3, 2), -1);
}

static void
test_caa_judge(void **state)
{
	struct tans t;
	struct ca_set s = { .n = 2 };
	uint8_t good[1][32], other[2][32];
	struct ca_issuer iss[2] = { { "good.ca", (const uint8_t(*)[32])good, 1 },
		{ "other.ca", (const uint8_t(*)[32])other, 2 } };
	char who[64];

	(void)state;
	fp(good[0], 0x01);
	fp(other[0], 0x02);
	fp(other[1], 0x03);
	fp(s.cas[0].sha256, 0x03); /* the consensus: other.ca's intermediate */
	fp(s.cas[1].sha256, 0x09); /* and an unmapped root */
	tans_none(&t, RCLASS_NODATA);
	tans_caa(&t, 0, "issue", "good.ca; account=42");
	tans_caa(&t, 0, "iodef", "mailto:x@example.test");
	assert_int_equal(ca_caa_judge(&t.a, &s, iss, 2, 0, who, sizeof(who)), CA_CAA_FORBIDS);
	assert_string_equal(who, "other.ca");
	tans_caa(&t, 0, "ISSUE", " Other.CA");
	assert_int_equal(ca_caa_judge(&t.a, &s, iss, 2, 0, who, sizeof(who)), CA_CAA_PERMITS);
	assert_string_equal(who, "other.ca");
	/* Unmapped consensus CA: CAA says nothing. */
	assert_int_equal(ca_caa_judge(&t.a, &s, iss, 1, 0, who, sizeof(who)), CA_CAA_SILENT);
	/* No issue property (iodef only): no restriction. */
	tans_none(&t, RCLASS_NODATA);
	tans_caa(&t, 0, "iodef", "mailto:x@example.test");
	assert_int_equal(ca_caa_judge(&t.a, &s, iss, 2, 0, NULL, 0), CA_CAA_SILENT);
	/* issue ";" permits nobody. */
	tans_caa(&t, 0, "issue", ";");
	assert_int_equal(ca_caa_judge(&t.a, &s, iss, 2, 0, NULL, 0), CA_CAA_FORBIDS);
	/* issuewild rules wildcard leaves; issue still rules the others. */
	tans_caa(&t, 0, "issuewild", "other.ca");
	assert_int_equal(ca_caa_judge(&t.a, &s, iss, 2, 1, NULL, 0), CA_CAA_PERMITS);
	assert_int_equal(ca_caa_judge(&t.a, &s, iss, 2, 0, NULL, 0), CA_CAA_FORBIDS);
	/* An unknown critical property forbids every issuer (RFC 8659 4.1), a known one not. */
	tans_none(&t, RCLASS_NODATA);
	tans_caa(&t, 0, "issue", "other.ca");
	tans_caa(&t, 128, "iodef", "mailto:x@example.test");
	assert_int_equal(ca_caa_judge(&t.a, &s, iss, 2, 0, NULL, 0), CA_CAA_PERMITS);
	tans_caa(&t, 128, "tbs", "unknown");
	assert_int_equal(ca_caa_judge(&t.a, &s, iss, 2, 0, NULL, 0), CA_CAA_FORBIDS);
	assert_int_equal(ca_caa_judge(&t.a, &s, iss, 1, 0, NULL, 0), CA_CAA_SILENT); /* unmapped */
	/* No CAA at all. */
	assert_int_equal(ca_caa_judge(NULL, &s, iss, 2, 0, NULL, 0), CA_CAA_SILENT);
	/* A prefix is not a match: "other.ca.evil" is not "other.ca". */
	tans_none(&t, RCLASS_NODATA);
	tans_caa(&t, 0, "issue", "other.ca.evil");
	assert_int_equal(ca_caa_judge(&t.a, &s, iss, 2, 0, NULL, 0), CA_CAA_FORBIDS);
}

static void
test_history(void **state)
{
	struct ca_history h;
	struct ca_set a = { .n = 1 }, b = { .n = 1 }, ab = { .n = 2 };
	const uint64_t day = 86400, t0 = 1800000000;

	(void)state;
	fp(a.cas[0].sha256, 0xa0);
	fp(b.cas[0].sha256, 0xb0);
	ab.cas[0] = a.cas[0];
	ab.cas[1] = b.cas[0];
	assert_int_equal(ca_history_judge(&h, 0, &a, t0, 30 * day, 7 * day), CA_HIST_NEW);
	assert_int_equal(ca_history_judge(&h, 1, &a, t0 + 10 * day, 30 * day, 7 * day),
	    CA_HIST_SAME);
	/* Changed after 10 days only: not flagged, the new one starts its own history. */
	assert_int_equal(ca_history_judge(&h, 1, &b, t0 + 10 * day, 30 * day, 7 * day),
	    CA_HIST_CHANGED);
	assert_false(ca_history_flagged(&h, t0 + 10 * day));
	assert_int_equal(h.since, t0 + 10 * day);
	/* Stable 40 days, then a set sharing a fingerprint: a sibling, no change. */
	assert_int_equal(ca_history_judge(&h, 1, &b, t0 + 50 * day, 30 * day, 7 * day),
	    CA_HIST_SAME);
	assert_int_equal(ca_history_judge(&h, 1, &ab, t0 + 50 * day, 30 * day, 7 * day),
	    CA_HIST_SAME);
	assert_int_equal(h.since, t0 + 10 * day);
	assert_int_equal(ca_history_judge(&h, 1, &b, t0 + 50 * day, 30 * day, 7 * day),
	    CA_HIST_SAME);
	/* Then a disjoint one: stable from day 10 to day 50 as seen, so flagged for 7 days. */
	assert_int_equal(ca_history_judge(&h, 1, &a, t0 + 50 * day + 1, 30 * day, 7 * day),
	    CA_HIST_FLAG);
	assert_int_equal(h.flag_days, 40);
	assert_true(ca_history_flagged(&h, t0 + 57 * day));
	assert_false(ca_history_flagged(&h, t0 + 57 * day + 1));
	/* The flag stays while the new CA is seen again. */
	assert_int_equal(ca_history_judge(&h, 1, &a, t0 + 51 * day, 30 * day, 7 * day),
	    CA_HIST_SAME);
	assert_true(ca_history_flagged(&h, t0 + 52 * day));
	/* Stability is what was seen, not what was not: one day is no stable CA. */
	assert_int_equal(ca_history_judge(&h, 1, &b, t0 + 80 * day, 30 * day, 7 * day),
	    CA_HIST_CHANGED);
	/* stable 0 disables flags. */
	h.since = t0;
	h.seen = t0 + 365 * day;
	assert_int_equal(ca_history_judge(&h, 1, &a, t0 + 366 * day, 0, 7 * day),
	    CA_HIST_CHANGED);
}

static void
test_verdict_apply(void **state)
{
	struct cons_verdict v, w;
	const char *regions[3] = { "eu", "us", "ap" };

	(void)state;
	/* A CDN: all three dissent by data; CA evidence turns each into rule 6. */
	memset(&v, 0, sizeof(v));
	v.outcome = OUTCOME_DISSENT;
	v.asked = 3;
	v.required = 2;
	v.dissented = 3;
	v.consensus_mirror = 1;
	for (int i = 0; i < 3; i++) {
		v.evidence[i] = EVIDENCE_DISSENTS;
		v.why[i] = WHY_DATA;
	}
	w = v;
	assert_int_equal(ca_verdict_apply(&w, CA_OK, regions, 3), 1);
	assert_int_equal(w.outcome, OUTCOME_AGREE);
	assert_int_equal(w.rule, RULE_CA);
	assert_int_equal(w.corroborated, 3);
	assert_int_equal(w.dissented, 0);
	assert_int_equal(w.consensus_mirror, -1);
	assert_int_equal(w.chain_corroborated, 0); /* no mirror had the local chain */
	/* Weak signals (overlap, prefix, CNAME tail) are CA matters too; the chain is served
	 * only when every mirror now corroborating had it. */
	w = v;
	w.why[0] = WHY_WEAK;
	w.mirror_rule[0] = RULE_OVERLAP;
	w.why[1] = WHY_WEAK;
	w.mirror_rule[1] = RULE_CNAME;
	for (int i = 0; i < 3; i++)
		w.mirror_chain[i] = 1;
	assert_int_equal(ca_verdict_apply(&w, CA_OK, regions, 3), 1);
	assert_int_equal(w.outcome, OUTCOME_AGREE);
	assert_int_equal(w.mirror_rule[0], RULE_CA);
	assert_int_equal(w.why[1], WHY_NONE);
	assert_int_equal(w.chain_corroborated, 1);
	w = v;
	w.mirror_chain[0] = 1;
	w.mirror_chain[2] = 1;
	ca_verdict_apply(&w, CA_OK, regions, 3);
	assert_int_equal(w.outcome, OUTCOME_AGREE);
	assert_int_equal(w.chain_corroborated, 0);
	/* A private address only the local answer has stays a dissent. */
	w = v;
	w.why[0] = WHY_PRIVATE;
	w.why[1] = WHY_PRIVATE;
	ca_verdict_apply(&w, CA_OK, regions, 3);
	assert_int_equal(w.outcome, OUTCOME_DISSENT);
	/* NXDOMAIN against data is no CA matter; one such mirror and one failed leave one
	 * corroboration: no quorum, the verdict stays a dissent. */
	w = v;
	w.why[0] = WHY_RCODE;
	w.evidence[1] = EVIDENCE_FAILED;
	w.why[1] = WHY_NONE;
	ca_verdict_apply(&w, CA_OK, regions, 3);
	assert_int_equal(w.outcome, OUTCOME_DISSENT);
	assert_int_equal(w.corroborated, 1);
	/* Two corroborating mirrors of one region are no spread (n > 2). */
	w = v;
	w.evidence[2] = EVIDENCE_FAILED;
	w.why[2] = WHY_NONE;
	{
		const char *same[3] = { "eu", "eu", "ap" };
		ca_verdict_apply(&w, CA_OK, same, 3);
	}
	assert_int_equal(w.outcome, OUTCOME_DISSENT);
	/* A CA dissent overrides an agreement; unknown changes nothing. */
	w = v;
	w.outcome = OUTCOME_AGREE;
	w.rule = RULE_PREFIX;
	assert_int_equal(ca_verdict_apply(&w, CA_DISSENT, regions, 3), 1);
	assert_int_equal(w.outcome, OUTCOME_DISSENT);
	assert_int_equal(w.rule, RULE_NONE);
	w = v;
	assert_int_equal(ca_verdict_apply(&w, CA_UNKNOWN, regions, 3), 0);
	assert_memory_equal(&w, &v, sizeof(v));
}

/* The address a quorum of mirrors agrees on: where the stub takes the CA itself. */
static void
test_agreed_addr(void **state)
{
	struct cons_answer a[4], fail;
	const struct cons_answer *p[5];
	struct cons_addr got;
	const uint8_t x[4] = { 93, 184, 216, 34 }, y[4] = { 151, 101, 1, 1 }, z[4] = { 45, 33, 32, 1 };

	(void)state;
	memset(a, 0, sizeof(a));
	memset(&fail, 0, sizeof(fail));
	fail.transport = TRANSPORT_TIMEOUT;
	for (int i = 0; i < 4; i++) {
		a[i].transport = TRANSPORT_OK;
		a[i].rclass = RCLASS_DATA;
		p[i] = &a[i];
	}
	/* Three mirrors: x in all, y in one. */
	for (int i = 0; i < 3; i++) {
		a[i].addrs[0].family = 4;
		memcpy(a[i].addrs[0].bytes, i == 1 ? y : x, 4);
		a[i].n_addrs = 1;
	}
	a[1].addrs[1].family = 4;
	memcpy(a[1].addrs[1].bytes, x, 4);
	a[1].n_addrs = 2;
	assert_int_equal(ca_agreed_addr(p, 3, 2, 4, &got), 1);
	assert_memory_equal(got.bytes, x, 4);
	assert_int_equal(ca_agreed_addr(p, 3, 3, 4, &got), 1);
	/* Wrong family, a quorum out of reach, nobody required. */
	assert_int_equal(ca_agreed_addr(p, 3, 2, 6, &got), 0);
	assert_int_equal(ca_agreed_addr(p, 3, 4, 4, &got), 0);
	assert_int_equal(ca_agreed_addr(p, 3, 0, 4, &got), 0);
	/* A CDN: every mirror another address. */
	memcpy(a[0].addrs[0].bytes, z, 4);
	a[1].n_addrs = 1;
	assert_int_equal(ca_agreed_addr(p, 3, 2, 4, &got), 0);
	/* Failures, NULLs and NXDOMAIN are silent, never votes. */
	memcpy(a[0].addrs[0].bytes, y, 4);
	p[2] = NULL;
	assert_int_equal(ca_agreed_addr(p, 3, 2, 4, &got), 1);
	assert_memory_equal(got.bytes, y, 4);
	a[1].rclass = RCLASS_NXDOMAIN;
	assert_int_equal(ca_agreed_addr(p, 3, 2, 4, &got), 0);
	p[1] = &fail;
	assert_int_equal(ca_agreed_addr(p, 3, 1, 4, &got), 1);
	assert_int_equal(ca_agreed_addr(p, 3, 2, 4, &got), 0);
}

/*
 * Finding 9 of the review: one lying mirror answering NXDOMAIN for a CDN name must not switch
 * the CA evidence off (the honest mirrors dissent by data, the certificate decides those);
 * RCODE dissents veto the probe only when they alone reach the quorum.
 */
static void
test_dissents_probeable(void **state)
{
	struct cons_verdict v;
	const char *regions[3] = { "eu", "us", "ap" };

	(void)state;
	memset(&v, 0, sizeof(v));
	v.outcome = OUTCOME_DISSENT;
	v.asked = 3;
	v.required = 2;
	v.dissented = 3;
	v.consensus_mirror = -1;
	for (int i = 0; i < 3; i++) {
		v.evidence[i] = EVIDENCE_DISSENTS;
		v.why[i] = WHY_DATA;
	}
	assert_int_equal(ca_dissents_probeable(&v), 1);
	v.why[0] = WHY_RCODE; /* one liar within the tolerance */
	assert_int_equal(ca_dissents_probeable(&v), 1);
	/* ... and the CA evidence still makes it an agreement of the other two */
	assert_int_equal(ca_verdict_apply(&v, CA_OK, regions, 3), 1);
	assert_int_equal(v.outcome, OUTCOME_AGREE);
	assert_int_equal(v.corroborated, 2);
	assert_int_equal(v.dissented, 1);
	for (int i = 0; i < 3; i++) {
		v.evidence[i] = EVIDENCE_DISSENTS;
		v.why[i] = i < 2 ? WHY_RCODE : WHY_DATA; /* a quorum says NXDOMAIN */
	}
	assert_int_equal(ca_dissents_probeable(&v), 0);
	v.why[1] = WHY_WEAK;
	v.why[2] = WHY_PRIVATE; /* a private address only the local answer has */
	assert_int_equal(ca_dissents_probeable(&v), 0);
	v.why[2] = WHY_DATA;
	v.evidence[0] = EVIDENCE_FAILED;
	assert_int_equal(ca_dissents_probeable(&v), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tlsa_lying_minority),
		cmocka_unit_test(test_tlsa_disputed_and_unusable),
		cmocka_unit_test(test_observe_parse),
		cmocka_unit_test(test_notary_quorum),
		cmocka_unit_test(test_probe_judge),
		cmocka_unit_test(test_caa_relevant),
		cmocka_unit_test(test_caa_judge),
		cmocka_unit_test(test_history),
		cmocka_unit_test(test_verdict_apply),
		cmocka_unit_test(test_agreed_addr),
		cmocka_unit_test(test_dissents_probeable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
