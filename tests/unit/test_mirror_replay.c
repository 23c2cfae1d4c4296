/* tests/unit/test_mirror_replay.c - peers' replayed answers are judged on the ladder. */
#include "autoconf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "mirror_config.h"
#include "replay.h"
#include "testpkt.h"

static struct dnsq q_www;

/* An answer to www.example.test A: rcode, then n addresses 127.200.0.x. */
static void
answer(struct tpkt *p, const char *qname, int rcode, const uint8_t *last, size_t n)
{
	size_t i;

	tp_hdr(p, 1, (uint16_t)(0x8180 | rcode), 1, (uint16_t)n, 0, 0);
	tp_question(p, qname, 1);
	for (i = 0; i < n; i++)
		tp_a_at_q(p, 300, 127, 200, 0, last[i]);
}

static enum replay_judgement
judge(const uint8_t *own, size_t no, const uint8_t *peer, size_t np)
{
	struct tpkt a, b;

	answer(&a, "www.example.test", 0, own, no);
	answer(&b, "www.example.test", 0, peer, np);
	return replay_judge(&q_www, a.b, a.n, b.b, b.n, 1);
}

static void
test_same_set_any_order(void **state)
{
	const uint8_t x[] = { 10, 11 }, y[] = { 11, 10 };

	(void)state;
	assert_int_equal(judge(x, 2, y, 2), REPLAY_AGREE);
	assert_int_equal(judge(x, 2, x, 2), REPLAY_AGREE);
}

/* The liar's address (another /24, so that no rung of any ladder covers it). */
static void
test_other_address_dissents(void **state)
{
	const uint8_t x[] = { 10 };
	struct tpkt a, b;

	(void)state;
	answer(&a, "www.example.test", 0, x, 1);
	tp_hdr(&b, 1, 0x8180, 1, 1, 0, 0);
	tp_question(&b, "www.example.test", 1);
	tp_a_at_q(&b, 300, 127, 201, 0, 66);
	assert_int_equal(replay_judge(&q_www, a.b, a.n, b.b, b.n, 1), REPLAY_DISSENT);
}

static void
test_case_of_name_ignored(void **state)
{
	struct tpkt a, b;
	const uint8_t x[] = { 10 };

	(void)state;
	answer(&a, "www.example.test", 0, x, 1);
	answer(&b, "WWW.Example.TEST", 0, x, 1);
	assert_int_equal(replay_judge(&q_www, a.b, a.n, b.b, b.n, 1), REPLAY_AGREE);
}

static void
test_nxdomain_against_data(void **state)
{
	struct tpkt a, b;
	const uint8_t x[] = { 10 };

	(void)state;
	answer(&a, "www.example.test", 0, x, 1);
	answer(&b, "www.example.test", 3, NULL, 0);
	assert_int_equal(replay_judge(&q_www, a.b, a.n, b.b, b.n, 1), REPLAY_DISSENT);
	/* Both NXDOMAIN: agree (rule 1). */
	answer(&a, "www.example.test", 3, NULL, 0);
	assert_int_equal(replay_judge(&q_www, a.b, a.n, b.b, b.n, 1), REPLAY_AGREE);
}

static void
test_garbage(void **state)
{
	const uint8_t junk[] = { 1, 2, 3 };
	struct tpkt a;
	const uint8_t x[] = { 10 };

	(void)state;
	answer(&a, "www.example.test", 0, x, 1);
	/* Our own answer unusable: nothing to judge by. */
	assert_int_equal(replay_judge(&q_www, junk, sizeof(junk), a.b, a.n, 1), REPLAY_UNUSABLE);
	assert_int_equal(replay_judge(&q_www, NULL, 0, a.b, a.n, 1), REPLAY_UNUSABLE);
	/* The peer's garbage is not agreement. */
	assert_int_not_equal(replay_judge(&q_www, a.b, a.n, junk, sizeof(junk), 1), REPLAY_AGREE);
}

/* q_www with a first label "xNNN": a distinct question per n. */
static void
flood_q(struct dnsq *q, unsigned n)
{
	char label[8];
	int l = snprintf(label, sizeof(label), "x%u", n);

	*q = q_www;
	q->qname[0] = (uint8_t)l;
	memcpy(q->qname + 1, label, (size_t)l);
	memcpy(q->qname + 1 + l, q_www.qname + 4, q_www.qname_len - 4);
	q->qname_len = (uint8_t)(1 + l + q_www.qname_len - 4);
}

/* One network flooding the ring keeps only its share; others' questions stay. */
static void
test_ring_share(void **state)
{
	struct mirror_config cfg, *slot = &cfg;
	struct replay_env env = { &slot, NULL, NULL };
	struct replay *rp;
	struct netaddr flood, other, flood2;
	struct dnsq q;
	unsigned i;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	cfg.network.recent_questions = 64;
	assert_non_null(rp = replay_new(&env));
	netaddr_parse("192.0.2.7", 0, &flood);
	netaddr_parse("192.0.2.200", 0, &flood2);	/* the same /24 */
	netaddr_parse("198.51.100.1", 0, &other);
	for (i = 0; i < 20; i++) {
		flood_q(&q, 1000 + i);
		replay_note(rp, &q, &other);
	}
	for (i = 0; i < 1000; i++) {
		flood_q(&q, i);
		replay_note(rp, &q, i % 2 ? &flood : &flood2);
	}
	/* The ring is full: the flood took the free slots, then only replaced its own. */
	assert_int_equal(replay_ring_held(rp, &other), 20);
	assert_int_equal(replay_ring_held(rp, &flood), 44);
	/* A newcomer still gets in, in plain ring order (the oldest question goes). */
	flood_q(&q, 5000);
	replay_note(rp, &q, NULL);
	assert_int_equal(replay_ring_held(rp, NULL), 1);
	assert_int_equal(replay_ring_held(rp, &other), 19);
	assert_int_equal(replay_ring_held(rp, &flood), 44);
	replay_free(rp);
}

/* 10.<n / 256>.<n % 256>.1: a network of its own per n. */
static void
net_n(struct netaddr *a, unsigned n)
{
	char s[32];

	snprintf(s, sizeof(s), "10.%u.%u.1", (n / 256) % 256, n % 256);
	assert_int_equal(netaddr_parse(s, 0, a), 0);
}

/*
 * Questions taken from the other replicas carry the network Redis says: whoever writes
 * there (with the key, even) makes up as many as it likes. Together they hold one share of
 * a full ring, each network a share of that; local clients take the rest back.
 */
static void
test_ring_taken_share(void **state)
{
	struct mirror_config cfg, *slot = &cfg;
	struct replay_env env = { &slot, NULL, NULL };
	struct replay *rp;
	struct netaddr a, one;
	struct dnsq q;
	size_t held;
	unsigned i;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	cfg.network.recent_questions = 64;
	assert_non_null(rp = replay_new(&env));
	/* An empty ring takes anyone's (an idle replica audits with the others' questions). */
	for (i = 0; i < 1000; i++) {
		flood_q(&q, i);
		net_n(&a, i);
		replay_take(rp, &q, &a);
	}
	assert_int_equal(replay_ring_taken(rp), 64);
	/* Local clients of 8 networks: each takes the oldest slot until the ring is theirs
	 * but for the taken share, while the flood goes on replacing only its own. */
	for (i = 0; i < 2000; i++) {
		flood_q(&q, 3000 + i);
		net_n(&a, 100 + i % 8);
		replay_note(rp, &q, &a);
		flood_q(&q, 6000 + i);
		net_n(&a, 200 + i);
		replay_take(rp, &q, &a);
	}
	assert_true(replay_ring_taken(rp) <= 64 / REPLAY_RING_SHARE);
	assert_true(replay_ring_taken(rp) >= 1);
	net_n(&a, 100);
	assert_true(replay_ring_held(rp, &a) >= 6);
	/* Taken entries that claim a local client's /24 take one slot, not its share. */
	net_n(&one, 100);
	held = replay_ring_held(rp, &one);
	for (i = 0; i < 100; i++) {
		flood_q(&q, 9000 + i);
		replay_take(rp, &q, &one);
	}
	assert_true(replay_ring_taken(rp) <= 64 / REPLAY_RING_SHARE);
	assert_true(replay_ring_held(rp, &one) + 1 >= held);
	replay_free(rp);
}

/*
 * Review finding 7: a dissent counts only when the witnesses, asked again, back our fresh
 * answer and not the peer's. Addresses 127.200.0.N: a shared /24 is a weak signal, never
 * corroboration, so .10 and .66 dissent.
 */
static enum replay_judgement
confirm(uint8_t own, uint8_t peer, const uint8_t *wits, size_t n)
{
	struct tpkt a, b, w[3];
	const uint8_t *wp[3];
	size_t wl[3], i;

	answer(&a, "www.example.test", 0, &own, 1);
	answer(&b, "www.example.test", 0, &peer, 1);
	for (i = 0; i < n; i++) {
		if (wits[i] == 0) {
			wp[i] = NULL;	/* no answer */
			wl[i] = 0;
			continue;
		}
		answer(&w[i], "www.example.test", 0, &wits[i], 1);
		wp[i] = w[i].b;
		wl[i] = w[i].n;
	}
	return replay_confirm(&q_www, a.b, a.n, b.b, b.n, wp, wl, n, 1);
}

static void
test_confirm(void **state)
{
	const uint8_t all_x[] = { 10, 10, 10 }, one_y[] = { 10, 10, 66 }, split[] = { 10, 77, 0 },
	    two_silent[] = { 10, 0, 0 }, two_x[] = { 10, 10, 0 };

	(void)state;
	/* The peer alone against a quorum of witnesses that back us: confirmed. */
	assert_int_equal(confirm(10, 66, all_x, 3), REPLAY_DISSENT);
	assert_int_equal(confirm(10, 66, two_x, 3), REPLAY_DISSENT);
	/* A witness backs the peer: the name splits views, not the peer's doing. */
	assert_int_equal(confirm(10, 66, one_y, 3), REPLAY_UNUSABLE);
	/* The witnesses disagree among themselves, or too few answered. */
	assert_int_equal(confirm(10, 66, split, 3), REPLAY_UNUSABLE);
	assert_int_equal(confirm(10, 66, two_silent, 3), REPLAY_UNUSABLE);
	assert_int_equal(confirm(10, 66, NULL, 0), REPLAY_UNUSABLE);
	/* A network of three: the one other witness is all there is. */
	assert_int_equal(confirm(10, 66, all_x, 1), REPLAY_DISSENT);
	/* Our fresh answer is the peer's: our first one was stale. */
	assert_int_equal(confirm(66, 66, all_x, 3), REPLAY_AGREE);
}

/* One registrable domain adds at most REPLAY_DOMAIN_DISSENTS per peer per window. */
static void
test_domain_charge(void **state)
{
	static const uint8_t a_q[] = "\3www\1a\4test", evil[] = "\2s1\4evil\4test",
	    evil2[] = "\4deep\2s2\4EVIL\4test";
	uint8_t m3[TLS_SHA256_LEN] = { 3 }, m4[TLS_SHA256_LEN] = { 4 };
	const uint64_t w = REPLAY_DOMAIN_WINDOW_MS;
	struct mirror_config cfg, *slot = &cfg;
	struct replay_env env = { &slot, NULL, NULL };
	struct dnsq qa, qe, qe2;
	struct replay *rp;
	unsigned i;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	cfg.network.recent_questions = 8;
	cfg.network.audit_period_ms = 1000;	/* shorter than the window: the window holds */
	assert_non_null(rp = replay_new(&env));
	qa = qe = qe2 = q_www;
	memcpy(qa.qname, a_q, sizeof(a_q));
	qa.qname_len = sizeof(a_q);
	memcpy(qe.qname, evil, sizeof(evil));
	qe.qname_len = sizeof(evil);
	memcpy(qe2.qname, evil2, sizeof(evil2));
	qe2.qname_len = sizeof(evil2);
	/* The outsider's zone: one dissent of m3 counts, the flood's others do not. */
	assert_true(replay_domain_charge(rp, m3, &qe, 100));
	for (i = 0; i < 50; i++)
		assert_false(replay_domain_charge(rp, m3, i % 2 ? &qe : &qe2, 100 + i * 1000));
	/* Another domain, another peer: their own shares. */
	assert_true(replay_domain_charge(rp, m3, &qa, 200));
	assert_true(replay_domain_charge(rp, m4, &qe, 200));
	assert_false(replay_domain_charge(rp, m4, &qe2, 300));
	/* The next window: one more. */
	assert_false(replay_domain_charge(rp, m3, &qe2, 100 + w - 1));
	assert_true(replay_domain_charge(rp, m3, &qe2, 100 + w));
	assert_false(replay_domain_charge(rp, m3, &qe, 100 + w + 1));
	/* A longer audit period is the window. */
	cfg.network.audit_period_ms = 3 * w;
	assert_false(replay_domain_charge(rp, m3, &qe, 100 + 3 * w));
	assert_true(replay_domain_charge(rp, m3, &qe, 100 + 4 * w));
	replay_free(rp);
}

int
main(void)
{
	static const uint8_t qn[] = "\3www\7example\4test";
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_set_any_order),
		cmocka_unit_test(test_other_address_dissents),
		cmocka_unit_test(test_case_of_name_ignored),
		cmocka_unit_test(test_nxdomain_against_data),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_ring_share),
		cmocka_unit_test(test_ring_taken_share),
		cmocka_unit_test(test_confirm),
		cmocka_unit_test(test_domain_charge),
	};

	memcpy(q_www.qname, qn, sizeof(qn));
	q_www.qname_len = sizeof(qn);
	q_www.qtype = 1;
	q_www.qclass = 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
