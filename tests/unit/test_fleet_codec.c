/* tests/unit/test_fleet_codec.c - resolver/fleet_codec.c: shared verdicts as Redis values. */
#include "autoconf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dnswire.h"
#include "fleet_codec.h"
#include "tls.h"
#include "vcache.h"

#define PREFIX "vantage:"
#define NOW 1700000000ull

static const uint8_t mkey[32] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
static const uint8_t other_key[32] = { 9, 9, 9 };

/* Large: keep them off the stack. */
static struct fleet_verdict in, out;
static uint8_t val[FLEET_VALUE_MAX + 64];

/* An agreement on www.example.com A 192.0.2.1, 192.0.2.2, by 3 mirrors. */
static void
mkverdict(struct fleet_verdict *v)
{
	static const uint8_t a1[4] = { 192, 0, 2, 1 }, a2[4] = { 192, 0, 2, 2 };

	memset(v, 0, sizeof(*v));
	v->qname_len = dnswire_name_from_str("www.example.com.", v->qname, sizeof(v->qname));
	v->qtype = DNS_TYPE_A;
	v->outcome = OUTCOME_AGREE;
	v->rule = RULE_EQUAL;
	v->flags = VCACHE_F_CHAIN;
	v->corroborated = 3;
	v->asked = 3;
	v->expire = NOW + 300;
	v->ans.rclass = RCLASS_DATA;
	v->rrs[0] = (struct cons_rr){ DNS_TYPE_A, 4, a1 };
	v->rrs[1] = (struct cons_rr){ DNS_TYPE_A, 4, a2 };
	v->ans.rrs = v->rrs;
	v->ans.n_rrs = 2;
	v->n_mirrors = 2;
	snprintf(v->mirrors[0], sizeof(v->mirrors[0]), "m1");
	snprintf(v->mirrors[1], sizeof(v->mirrors[1]), "m2");
	snprintf(v->summary, sizeof(v->summary), "192.0.2.1 192.0.2.2");
}

static void
key_of(const struct fleet_verdict *v, char *key)
{
	assert_int_not_equal(fleet_key(PREFIX, FLEET_KEY_VERDICT, v->qname, v->qname_len, v->qtype,
				 key, FLEET_KEY_MAX),
	    0);
}

static size_t
enc(const struct fleet_verdict *v, const char *key)
{
	size_t n = fleet_encode(v, key, mkey, sizeof(mkey), val, sizeof(val));

	assert_int_not_equal(n, 0);
	return n;
}

static enum fleet_err
dec(size_t n, const char *key, uint64_t now)
{
	return fleet_decode(val, n, key, PREFIX, mkey, sizeof(mkey), now, &out);
}

static void
test_keys(void **state)
{
	char key[FLEET_KEY_MAX];

	(void)state;
	mkverdict(&in);
	key_of(&in, key);
	assert_string_equal(key, "vantage:v:A:www.example.com.");
	assert_int_not_equal(fleet_key(PREFIX, FLEET_KEY_LOCK, in.qname, in.qname_len,
				 DNS_TYPE_AAAA, key, sizeof(key)),
	    0);
	assert_string_equal(key, "vantage:l:AAAA:www.example.com.");
	assert_int_equal(fleet_key(PREFIX, FLEET_KEY_LOCK, in.qname, in.qname_len, 1, key, 8), 0);
}

/* RFC 4231 test case 2: HMAC-SHA256("Jefe", "what do ya want for nothing?"). */
static void
test_hmac_rfc4231(void **state)
{
	uint8_t mac[FLEET_MAC_LEN];
	char hex[TLS_SHA256_HEX];

	(void)state;
	assert_int_equal(fleet_hmac((const uint8_t *)"Jefe", 4, "what do ya want ", 16,
			     "for nothing?", 12, mac),
	    0);
	tls_hex(mac, sizeof(mac), hex);
	assert_string_equal(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

static void
test_roundtrip(void **state)
{
	char key[FLEET_KEY_MAX];
	size_t n;

	(void)state;
	mkverdict(&in);
	in.ans.n_chain = 1;
	in.ans.chain = (const uint8_t *)"\3cdn\3net\0";
	in.ans.chain_len = 9;
	key_of(&in, key);
	n = enc(&in, key);
	assert_int_equal(dec(n, key, NOW), FLEET_OK);
	assert_int_equal(out.outcome, OUTCOME_AGREE);
	assert_int_equal(out.rule, RULE_EQUAL);
	assert_int_equal(out.flags, VCACHE_F_CHAIN);
	assert_int_equal(out.expire, NOW + 300);
	assert_int_equal(out.ans.n_rrs, 2);
	assert_int_equal(out.ans.n_addrs, 2);
	assert_int_equal(out.ans.addrs[1].bytes[3], 2);
	assert_int_equal(out.ans.chain_len, 9);
	assert_int_equal(out.ans.cname_tail_len, 9);
	assert_true(consensus_rrsets_equal(&in.ans, &out.ans));
	assert_true(consensus_chains_equal(&in.ans, &out.ans));
	assert_string_equal(out.mirrors[1], "m2");
	assert_string_equal(out.summary, "192.0.2.1 192.0.2.2");
}

/* Equal content, equal keyed hash: what an importer compares with its own answer. */
static void
test_canon_hash_survives(void **state)
{
	struct vcache *vc = vcache_new(10);
	char key[FLEET_KEY_MAX];

	(void)state;
	mkverdict(&in);
	key_of(&in, key);
	assert_int_equal(dec(enc(&in, key), key, NOW), FLEET_OK);
	assert_true(vcache_canon_hash(vc, &in.ans) == vcache_canon_hash(vc, &out.ans));
	vcache_free(vc);
}

/* Every byte cut off, every byte changed: a miss, never a crash, never a verdict. */
static void
test_truncated_and_flipped(void **state)
{
	char key[FLEET_KEY_MAX];
	size_t n;

	(void)state;
	mkverdict(&in);
	key_of(&in, key);
	n = enc(&in, key);
	for (size_t cut = 0; cut < n; cut++)
		assert_int_not_equal(dec(cut, key, NOW), FLEET_OK);
	for (size_t i = 0; i < n; i++) {
		val[i] ^= 0x40;
		assert_int_not_equal(dec(n, key, NOW), FLEET_OK);
		val[i] ^= 0x40;
	}
	assert_int_equal(dec(n, key, NOW), FLEET_OK);
}

static void
test_garbage_and_oversize(void **state)
{
	char key[FLEET_KEY_MAX];

	(void)state;
	mkverdict(&in);
	key_of(&in, key);
	srand(7);
	for (int round = 0; round < 2000; round++) {
		size_t n = (size_t)rand() % 400;
		for (size_t i = 0; i < n; i++)
			val[i] = (uint8_t)rand();
		if (round & 1) {
			val[0] = 'V'; /* past the magic and version, to the MAC */
			val[1] = 'F';
			val[2] = FLEET_VERSION;
		}
		assert_int_not_equal(dec(n, key, NOW), FLEET_OK);
	}
	memset(val, 'V', sizeof(val));
	assert_int_equal(dec(FLEET_VALUE_MAX + 1, key, NOW), FLEET_E_SIZE);
	assert_int_equal(dec(0, key, NOW), FLEET_E_SIZE);
}

static void
test_wrong_version_and_magic(void **state)
{
	char key[FLEET_KEY_MAX];
	size_t n;

	(void)state;
	mkverdict(&in);
	key_of(&in, key);
	n = enc(&in, key);
	val[2] = FLEET_VERSION + 1;
	assert_int_equal(dec(n, key, NOW), FLEET_E_VERSION);
	val[2] = FLEET_VERSION;
	val[0] = 'X';
	assert_int_equal(dec(n, key, NOW), FLEET_E_MAGIC);
}

/* Signed with another key (a forger without the fleet key), or moved to another name. */
static void
test_wrong_key_and_name(void **state)
{
	char key[FLEET_KEY_MAX], other[FLEET_KEY_MAX];
	struct fleet_verdict *o = calloc(1, sizeof(*o));
	size_t n;

	(void)state;
	mkverdict(&in);
	key_of(&in, key);
	n = fleet_encode(&in, key, other_key, sizeof(other_key), val, sizeof(val));
	assert_int_not_equal(n, 0);
	assert_int_equal(dec(n, key, NOW), FLEET_E_MAC);
	/* A value for www.example.com copied under mail.example.com's key. */
	n = enc(&in, key);
	*o = in;
	o->qname_len = dnswire_name_from_str("mail.example.com.", o->qname, sizeof(o->qname));
	key_of(o, other);
	assert_int_equal(dec(n, other, NOW), FLEET_E_MAC);
	/* Even signed for that key, its name says which it is about. */
	n = enc(&in, other);
	assert_int_equal(dec(n, other, NOW), FLEET_E_NAME);
	/* The same name under another type's key. */
	o->qname_len = in.qname_len;
	memcpy(o->qname, in.qname, in.qname_len);
	o->qtype = DNS_TYPE_AAAA;
	key_of(o, other);
	n = enc(&in, other);
	assert_int_equal(dec(n, other, NOW), FLEET_E_NAME);
	free(o);
}

static void
test_expiry_bounds(void **state)
{
	char key[FLEET_KEY_MAX];

	(void)state;
	mkverdict(&in);
	key_of(&in, key);
	assert_int_equal(dec(enc(&in, key), key, NOW + 300), FLEET_E_EXPIRY);
	assert_int_equal(dec(enc(&in, key), key, NOW + 299), FLEET_OK);
	in.expire = NOW + FLEET_AGREE_MAX_S + FLEET_SKEW_S + 1;
	assert_int_equal(dec(enc(&in, key), key, NOW), FLEET_E_EXPIRY);
	in.outcome = OUTCOME_DISSENT;
	in.expire = NOW + 300; /* a dissent is kept 30 s: 300 is no honest value */
	assert_int_equal(dec(enc(&in, key), key, NOW), FLEET_E_EXPIRY);
	in.expire = NOW + 30;
	assert_int_equal(dec(enc(&in, key), key, NOW), FLEET_OK);
	assert_int_equal(out.outcome, OUTCOME_DISSENT);
}

/* Fields out of range, each signed correctly: the MAC is no reason to believe the rest. */
static void
test_fields(void **state)
{
	char key[FLEET_KEY_MAX];
	static const uint8_t six[6] = { 1 };

	(void)state;
	mkverdict(&in);
	key_of(&in, key);
	in.asked = 0;
	in.corroborated = 0;
	assert_int_equal(dec(enc(&in, key), key, NOW), FLEET_E_FIELD);
	mkverdict(&in);
	in.asked = CONSENSUS_MAX_MIRRORS + 1;
	assert_int_equal(dec(enc(&in, key), key, NOW), FLEET_E_FIELD);
	mkverdict(&in);
	in.corroborated = 3;
	in.dissented = 1;
	assert_int_equal(dec(enc(&in, key), key, NOW), FLEET_E_FIELD);
	mkverdict(&in);
	in.rule = RULE_OVERLAP; /* a weak signal never makes an agreement */
	assert_int_equal(dec(enc(&in, key), key, NOW), FLEET_E_FIELD);
	mkverdict(&in);
	in.outcome = OUTCOME_INSUFFICIENT; /* never shared */
	assert_int_equal(fleet_encode(&in, key, mkey, sizeof(mkey), val, sizeof(val)), 0);
	mkverdict(&in);
	in.rrs[1].len = 6; /* an A record of 6 bytes */
	in.rrs[1].rdata = six;
	assert_int_equal(dec(enc(&in, key), key, NOW), FLEET_E_CONTENT);
	mkverdict(&in);
	in.rrs[1].type = DNS_TYPE_AAAA; /* not the type asked */
	assert_int_equal(dec(enc(&in, key), key, NOW), FLEET_E_CONTENT);
	mkverdict(&in);
	in.ans.rclass = RCLASS_NODATA; /* NODATA with records */
	assert_int_equal(dec(enc(&in, key), key, NOW), FLEET_E_CONTENT);
	mkverdict(&in);
	in.ans.n_chain = 2; /* says two names, holds one */
	in.ans.chain = (const uint8_t *)"\3cdn\3net\0";
	in.ans.chain_len = 9;
	assert_int_equal(dec(enc(&in, key), key, NOW), FLEET_E_CONTENT);
	mkverdict(&in);
	snprintf(in.mirrors[0], sizeof(in.mirrors[0]), "m\x1b[31m"); /* escapes into logs */
	assert_int_equal(dec(enc(&in, key), key, NOW), FLEET_OK);
	assert_string_equal(out.mirrors[0], "m?[31m");
}

static void
test_message(void **state)
{
	char key[FLEET_KEY_MAX], got[FLEET_KEY_MAX];
	uint8_t msg[FLEET_VALUE_MAX + FLEET_KEY_MAX + 2];
	const uint8_t *v;
	size_t n, m, vlen;

	(void)state;
	mkverdict(&in);
	key_of(&in, key);
	n = enc(&in, key);
	m = fleet_msg_encode(key, val, n, msg, sizeof(msg));
	assert_int_not_equal(m, 0);
	assert_int_equal(fleet_msg_split(msg, m, got, &v, &vlen), 0);
	assert_string_equal(got, key);
	assert_int_equal(vlen, n);
	assert_memory_equal(v, val, n);
	for (size_t cut = 0; cut < 2 + strlen(key); cut++)
		assert_int_equal(fleet_msg_split(msg, cut, got, &v, &vlen), -1);
	msg[0] = 0xff; /* a key longer than any */
	assert_int_equal(fleet_msg_split(msg, m, got, &v, &vlen), -1);
}

/* A proven pair: round trip, and the checks that guard its import. */
static void
test_pair(void **state)
{
	struct fleet_pair p, o;
	char key[FLEET_KEY_MAX], other[FLEET_KEY_MAX];
	size_t n;

	(void)state;
	memset(&p, 0, sizeof(p));
	p.qname_len = dnswire_name_from_str("www.example.com.", p.qname, sizeof(p.qname));
	p.addr.family = 4;
	memcpy(p.addr.bytes, (const uint8_t[]){ 192, 0, 2, 7 }, 4);
	p.ca.selector = 1;
	memset(p.ca.sha256, 0xab, sizeof(p.ca.sha256));
	p.expire = NOW + 3600;
	assert_int_not_equal(fleet_pair_key(PREFIX, &p, key, sizeof(key)), 0);
	assert_string_equal(key, "vantage:p:www.example.com.:192.0.2.7");
	n = fleet_pair_encode(&p, key, mkey, sizeof(mkey), val, sizeof(val));
	assert_int_not_equal(n, 0);
	assert_int_equal(fleet_pair_decode(val, n, key, PREFIX, mkey, sizeof(mkey), NOW, &o),
	    FLEET_OK);
	assert_memory_equal(o.addr.bytes, p.addr.bytes, 4);
	assert_memory_equal(o.ca.sha256, p.ca.sha256, sizeof(o.ca.sha256));
	assert_int_equal(o.expire, p.expire);
	for (size_t cut = 0; cut < n; cut++)
		assert_int_not_equal(
		    fleet_pair_decode(val, cut, key, PREFIX, mkey, sizeof(mkey), NOW, &o), FLEET_OK);
	assert_int_equal(fleet_pair_decode(val, n, key, PREFIX, other_key, sizeof(other_key), NOW,
			     &o),
	    FLEET_E_MAC);
	assert_int_equal(fleet_pair_decode(val, n, key, PREFIX, mkey, sizeof(mkey), NOW + 3600, &o),
	    FLEET_E_EXPIRY);
	/* Signed for another address's key: the address inside says which it is. */
	p.addr.bytes[3] = 8;
	assert_int_not_equal(fleet_pair_key(PREFIX, &p, other, sizeof(other)), 0);
	p.addr.bytes[3] = 7;
	n = fleet_pair_encode(&p, other, mkey, sizeof(mkey), val, sizeof(val));
	assert_int_equal(fleet_pair_decode(val, n, other, PREFIX, mkey, sizeof(mkey), NOW, &o),
	    FLEET_E_NAME);
	p.expire = NOW + FLEET_PAIR_MAX_S + FLEET_SKEW_S + 1;
	n = fleet_pair_encode(&p, key, mkey, sizeof(mkey), val, sizeof(val));
	assert_int_equal(fleet_pair_decode(val, n, key, PREFIX, mkey, sizeof(mkey), NOW, &o),
	    FLEET_E_EXPIRY);
	/* A verdict's value is no pair, nor the other way round. */
	assert_int_equal(fleet_decode(val, n, key, PREFIX, mkey, sizeof(mkey), NOW, &out),
	    FLEET_E_MAGIC);
}

/* A CA history: round trip, and the bounds its import relies on. */
static void
test_history(void **state)
{
	struct fleet_history h, o;
	char key[FLEET_KEY_MAX];
	size_t n;

	(void)state;
	memset(&h, 0, sizeof(h));
	h.qname_len = dnswire_name_from_str("www.example.com.", h.qname, sizeof(h.qname));
	h.h.set.n = 2;
	h.h.set.cas[0].selector = 1;
	memset(h.h.set.cas[1].sha256, 0x5a, sizeof(h.h.set.cas[1].sha256));
	h.h.since = NOW - 86400 * 40;
	h.h.seen = NOW - 10;
	h.h.flag_until = NOW + 86400;
	h.h.flag_days = 40;
	assert_int_not_equal(fleet_history_key(PREFIX, h.qname, h.qname_len, key, sizeof(key)), 0);
	assert_string_equal(key, "vantage:h:www.example.com.");
	n = fleet_history_encode(&h, key, mkey, sizeof(mkey), val, sizeof(val));
	assert_int_not_equal(n, 0);
	assert_int_equal(fleet_history_decode(val, n, key, PREFIX, mkey, sizeof(mkey), NOW, &o),
	    FLEET_OK);
	assert_int_equal(o.h.set.n, 2);
	assert_int_equal(o.h.set.cas[1].sha256[31], 0x5a);
	assert_int_equal(o.h.since, h.h.since);
	assert_int_equal(o.h.flag_until, h.h.flag_until);
	assert_int_equal(o.h.flag_days, 40);
	for (size_t cut = 0; cut < n; cut++)
		assert_int_not_equal(
		    fleet_history_decode(val, cut, key, PREFIX, mkey, sizeof(mkey), NOW, &o), FLEET_OK);
	assert_int_equal(fleet_history_decode(val, n, key, PREFIX, other_key, sizeof(other_key),
			     NOW, &o),
	    FLEET_E_MAC);
	h.h.flag_until = NOW + FLEET_HISTORY_FLAG_MAX_S + 1; /* a flag for ever */
	n = fleet_history_encode(&h, key, mkey, sizeof(mkey), val, sizeof(val));
	assert_int_equal(fleet_history_decode(val, n, key, PREFIX, mkey, sizeof(mkey), NOW, &o),
	    FLEET_E_FIELD);
	h.h.flag_until = 0;
	h.h.seen = NOW + 3600; /* seen in the future */
	n = fleet_history_encode(&h, key, mkey, sizeof(mkey), val, sizeof(val));
	assert_int_equal(fleet_history_decode(val, n, key, PREFIX, mkey, sizeof(mkey), NOW, &o),
	    FLEET_E_FIELD);
	h.h.seen = NOW;
	h.h.set.n = 0; /* a history of nothing */
	n = fleet_history_encode(&h, key, mkey, sizeof(mkey), val, sizeof(val));
	assert_int_equal(fleet_history_decode(val, n, key, PREFIX, mkey, sizeof(mkey), NOW, &o),
	    FLEET_E_FIELD);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_hmac_rfc4231),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_canon_hash_survives),
		cmocka_unit_test(test_truncated_and_flipped),
		cmocka_unit_test(test_garbage_and_oversize),
		cmocka_unit_test(test_wrong_version_and_magic),
		cmocka_unit_test(test_wrong_key_and_name),
		cmocka_unit_test(test_expiry_bounds),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_message),
		cmocka_unit_test(test_pair),
		cmocka_unit_test(test_history),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
