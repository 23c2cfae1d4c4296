/*
 * tests/unit/test_resolve.c - lib/resolve.c against a scripted responder on 127.0.0.1: the
 * cache in front, questions coalesced by (question, DO, CD), waiters that leave, forward
 * zones, a reload that keeps the cache, and the in-flight table under it (lib/coalesce.c).
 */
#include "autoconf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "coalesce.h"
#include "resolve.h"
#include "testresp.h"

#define GUARD_MS 5000

struct outcome {
	int done;
	enum upstream_status status;
	uint8_t from_cache;
	uint8_t tag;			/* the answer's last address byte */
	int *count;			/* when set, counts every callback of a test */
};

static void
outcome_cb(void *arg, const struct resolve_result *res)
{
	struct outcome *o = arg;

	o->done++;
	o->status = res->status;
	o->from_cache = res->from_cache;
	o->tag = res->status == UPSTREAM_OK && res->len > 0 ? res->wire[res->len - 1] : 0;
	if (o->count)
		(*o->count)++;
}

struct fixture {
	struct event_base *base;
	struct tr r[2];
	struct resolve *res;
};

static const struct dnscache_limits lim = {
	.max_entries = 100, .min_ttl = 0, .max_ttl = 86400, .neg_max_ttl = 3600
};

/* A resolve over responder 0, with forward zones fwd[0..nf-1]. */
static struct resolve *
mkresolve(struct fixture *f, const struct resolve_forward *fwd, size_t nf)
{
	struct resolve_config cfg = { .upstreams = &f->r[0].addr, .n_upstreams = 1,
		.forwards = fwd, .n_forwards = nf, .timeout_ms = 2000, .cache = lim };

	return resolve_new(f->base, &cfg);
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL || (f->base = event_base_new()) == NULL ||
	    tr_start(&f->r[0], f->base, TR_ANSWER, 1) != 0 ||
	    tr_start(&f->r[1], f->base, TR_ANSWER, 2) != 0 || (f->res = mkresolve(f, NULL, 0)) == NULL)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	resolve_free(f->res);
	tr_stop(&f->r[0]);
	tr_stop(&f->r[1]);
	event_base_free(f->base);
	free(f);
	return 0;
}

static void
q_of(struct dnsq *q, const char *name, int do_bit, int cd)
{
	assert_int_equal(tr_question(q, name, DNS_TYPE_A, do_bit, cd), 0);
}

/* A miss goes upstream once; the same question then comes from the cache. */
static void
test_miss_then_hit(void **state)
{
	struct fixture *f = *state;
	struct resolve_result res;
	struct resolve_stats st;
	struct outcome o = { 0 };
	struct dnsq q;

	q_of(&q, "www.example.com", 0, 0);
	assert_int_equal(resolve_lookup(f->res, &q, &res), 0);
	assert_non_null(resolve_start(f->res, &q, outcome_cb, &o));
	assert_int_equal(o.done, 0); /* never from inside resolve_start */
	assert_int_equal(resolve_in_flight(f->res), 1);
	assert_true(tr_run_until(f->base, &o.done, GUARD_MS));
	assert_int_equal(o.status, UPSTREAM_OK);
	assert_int_equal(o.from_cache, 0);
	assert_int_equal(o.tag, 1);
	assert_int_equal(resolve_in_flight(f->res), 0);
	assert_int_equal(resolve_lookup(f->res, &q, &res), 1);
	assert_int_equal(res.from_cache, 1);
	assert_int_equal(res.wire[res.len - 1], 1);
	assert_true(res.ttl > 0 && res.ttl <= 300);
	resolve_get_stats(f->res, &st);
	assert_int_equal(st.lookups, 2);
	assert_int_equal(st.hits, 1);
	assert_int_equal(st.forwarded, 1);
	assert_int_equal(f->r[0].udp_queries, 1);
}

/* Two clients asking the same question at once: one upstream query, two answers. */
static void
test_coalesced(void **state)
{
	struct fixture *f = *state;
	struct outcome a = { 0 }, b = { 0 };
	struct resolve_stats st;
	struct dnsq q;
	int both = 0;

	a.count = b.count = &both;
	q_of(&q, "same.example.com", 0, 0);
	assert_non_null(resolve_start(f->res, &q, outcome_cb, &a));
	assert_non_null(resolve_start(f->res, &q, outcome_cb, &b));
	assert_int_equal(resolve_in_flight(f->res), 1);
	while (both < 2 && tr_run_until(f->base, &a.done, GUARD_MS) && b.done == 0)
		;
	assert_int_equal(a.done, 1);
	assert_int_equal(b.done, 1);
	assert_int_equal(a.status, UPSTREAM_OK);
	assert_int_equal(b.status, UPSTREAM_OK);
	assert_int_equal(f->r[0].udp_queries, 1);
	resolve_get_stats(f->res, &st);
	assert_int_equal(st.coalesced, 1);
	assert_int_equal(st.forwarded, 1);
}

/* DO and CD are part of the key: a CD=1 answer never reaches a CD=0 client. */
static void
test_not_coalesced_across_do_cd(void **state)
{
	struct fixture *f = *state;
	struct outcome o[3] = { { 0 } };
	struct dnsq q[3];
	int all = 0;

	q_of(&q[0], "bits.example.com", 0, 0);
	q_of(&q[1], "bits.example.com", 1, 0);
	q_of(&q[2], "bits.example.com", 0, 1);
	for (int i = 0; i < 3; i++) {
		o[i].count = &all;
		assert_non_null(resolve_start(f->res, &q[i], outcome_cb, &o[i]));
	}
	assert_int_equal(resolve_in_flight(f->res), 3);
	for (int i = 0; i < 3; i++)
		assert_true(tr_run_until(f->base, &o[i].done, GUARD_MS));
	assert_int_equal(all, 3);
	assert_int_equal(f->r[0].udp_queries, 3);
}

/* A waiter that leaves is not called; the others and the cache still get the answer. */
static void
test_cancel_one_waiter(void **state)
{
	struct fixture *f = *state;
	struct outcome a = { 0 }, b = { 0 };
	struct resolve_result res;
	struct resolve_wait *wa;
	struct dnsq q;

	q_of(&q, "leave.example.com", 0, 0);
	assert_non_null(wa = resolve_start(f->res, &q, outcome_cb, &a));
	assert_non_null(resolve_start(f->res, &q, outcome_cb, &b));
	resolve_cancel(wa);
	assert_true(tr_run_until(f->base, &b.done, GUARD_MS));
	assert_int_equal(a.done, 0);
	assert_int_equal(b.done, 1);
	assert_int_equal(resolve_lookup(f->res, &q, &res), 1);
}

/* The last waiter cancelled: the question goes on and fills the cache. */
static void
test_cancel_last_keeps_question(void **state)
{
	struct fixture *f = *state;
	struct outcome a = { 0 }, later = { 0 };
	struct resolve_wait *wa;
	struct resolve_result res;
	struct dnsq q, other;

	q_of(&q, "fill.example.com", 0, 0);
	q_of(&other, "other.example.com", 0, 0);
	assert_non_null(wa = resolve_start(f->res, &q, outcome_cb, &a));
	resolve_cancel(wa);
	assert_int_equal(resolve_in_flight(f->res), 1);
	/* A second question sent after it: its answer comes after the first one's. */
	assert_non_null(resolve_start(f->res, &other, outcome_cb, &later));
	assert_true(tr_run_until(f->base, &later.done, GUARD_MS));
	while (resolve_in_flight(f->res) > 0 && tr_run_until(f->base, &a.done, 50) == 0)
		;
	assert_int_equal(a.done, 0);
	assert_int_equal(resolve_lookup(f->res, &q, &res), 1);
}

/* The last waiter abandons (a reset stream): the upstream query stops at once. */
static void
test_abandon_last_stops_query(void **state)
{
	struct fixture *f = *state;
	struct outcome a = { 0 }, b = { 0 };
	struct resolve_wait *wa, *wb;
	struct dnsq q;

	q_of(&q, "reset.example.com", 0, 0);
	assert_non_null(wa = resolve_start(f->res, &q, outcome_cb, &a));
	assert_non_null(wb = resolve_start(f->res, &q, outcome_cb, &b));
	resolve_abandon(wa);
	assert_int_equal(resolve_in_flight(f->res), 1); /* b still waits */
	resolve_abandon(wb);
	assert_int_equal(resolve_in_flight(f->res), 0);
	event_base_loop(f->base, EVLOOP_NONBLOCK);
	assert_int_equal(a.done + b.done, 0);
	/* The same question again is a new one, not a join of the abandoned one. */
	assert_non_null(resolve_start(f->res, &q, outcome_cb, &a));
	assert_true(tr_run_until(f->base, &a.done, GUARD_MS));
	assert_int_equal(a.status, UPSTREAM_OK);
}

/* A callback that cancels another waiter of the same question: that one is not called. */
struct canceller {
	struct outcome o;
	struct resolve_wait *victim;
};

static void
canceller_cb(void *arg, const struct resolve_result *res)
{
	struct canceller *c = arg;

	outcome_cb(&c->o, res);
	if (c->victim)
		resolve_cancel(c->victim);
	c->victim = NULL;
}

static void
test_callback_cancels_other(void **state)
{
	struct fixture *f = *state;
	struct canceller c = { { 0 }, NULL };
	struct outcome v = { 0 };
	struct dnsq q;

	q_of(&q, "chain.example.com", 0, 0);
	/* Waiters are handed the answer newest first: the canceller joins last. */
	assert_non_null(c.victim = resolve_start(f->res, &q, outcome_cb, &v));
	assert_non_null(resolve_start(f->res, &q, canceller_cb, &c));
	assert_true(tr_run_until(f->base, &c.o.done, GUARD_MS));
	event_base_loop(f->base, EVLOOP_NONBLOCK);
	assert_int_equal(c.o.done, 1);
	assert_int_equal(v.done, 0);
}

/* A name under a forward zone goes to that zone's resolver; others to the upstreams. */
static void
test_forward_zone(void **state)
{
	struct fixture *f = *state;
	static const uint8_t zone[] = "\4corp\7example\0";
	struct resolve_forward fwd = { zone, sizeof(zone) - 1, &f->r[1].addr, 1 };
	struct outcome in = { 0 }, out = { 0 };
	struct dnsq qi, qo;

	resolve_free(f->res);
	assert_non_null(f->res = mkresolve(f, &fwd, 1));
	q_of(&qi, "host.corp.example", 0, 0);
	q_of(&qo, "host.example", 0, 0);
	assert_non_null(resolve_start(f->res, &qi, outcome_cb, &in));
	assert_non_null(resolve_start(f->res, &qo, outcome_cb, &out));
	assert_true(tr_run_until(f->base, &in.done, GUARD_MS));
	assert_true(tr_run_until(f->base, &out.done, GUARD_MS));
	assert_int_equal(in.tag, 2);
	assert_int_equal(out.tag, 1);
	assert_int_equal(f->r[1].udp_queries, 1);
	assert_int_equal(f->r[0].udp_queries, 1);
}

/* A reload to other upstreams keeps the cache; the next miss goes to the new ones. */
static void
test_reconfigure_keeps_cache(void **state)
{
	struct fixture *f = *state;
	struct resolve_config cfg = { .upstreams = &f->r[1].addr, .n_upstreams = 1,
		.timeout_ms = 2000, .cache = lim };
	struct outcome a = { 0 }, b = { 0 };
	struct resolve_result res;
	struct dnsq q, q2;

	q_of(&q, "kept.example.com", 0, 0);
	q_of(&q2, "new.example.com", 0, 0);
	assert_non_null(resolve_start(f->res, &q, outcome_cb, &a));
	assert_true(tr_run_until(f->base, &a.done, GUARD_MS));
	assert_int_equal(resolve_reconfigure(f->res, &cfg), 0);
	assert_int_equal(resolve_lookup(f->res, &q, &res), 1);
	assert_int_equal(res.wire[res.len - 1], 1);
	assert_non_null(resolve_start(f->res, &q2, outcome_cb, &b));
	assert_true(tr_run_until(f->base, &b.done, GUARD_MS));
	assert_int_equal(b.tag, 2);
}

/* A failure reaches every waiter as such, and nothing is cached. */
static void
test_failure(void **state)
{
	struct fixture *f = *state;
	struct outcome o = { 0 };
	struct resolve_result res;
	struct resolve_stats st;
	struct dnsq q;

	f->r[0].mode = TR_SILENT;
	resolve_free(f->res);
	{
		struct resolve_config cfg = { .upstreams = &f->r[0].addr, .n_upstreams = 1,
			.timeout_ms = 300, .cache = lim };
		assert_non_null(f->res = resolve_new(f->base, &cfg));
	}
	q_of(&q, "dead.example.com", 0, 0);
	assert_non_null(resolve_start(f->res, &q, outcome_cb, &o));
	assert_true(tr_run_until(f->base, &o.done, GUARD_MS));
	assert_int_equal(o.status, UPSTREAM_TIMEOUT);
	assert_int_equal(resolve_lookup(f->res, &q, &res), 0);
	assert_int_equal(resolve_lookup_stale(f->res, &q, &res), 0);
	resolve_get_stats(f->res, &st);
	assert_int_equal(st.failures, 1);
}

/* resolve_free with questions in flight calls nobody back. */
static void
test_free_in_flight(void **state)
{
	struct fixture *f = *state;
	struct outcome o = { 0 };
	struct dnsq q;

	q_of(&q, "pending.example.com", 0, 0);
	assert_non_null(resolve_start(f->res, &q, outcome_cb, &o));
	assert_non_null(resolve_start(f->res, &q, outcome_cb, &o));
	resolve_free(f->res);
	f->res = NULL;
	event_base_loop(f->base, EVLOOP_NONBLOCK);
	assert_int_equal(o.done, 0);
}

/* The in-flight table by itself: find, join, leave, pop in order, remove. */
struct job {
	struct coalesce_job job;
	int key;
};

static int
job_same(const struct coalesce_job *j, const void *key)
{
	return COALESCE_ENTRY(j, const struct job, job)->key == *(const int *)key;
}

static void
test_coalesce_table(void **state)
{
	struct coalesce *t = coalesce_new(4, job_same);
	struct job a = { .key = 1 }, b = { .key = 5 };
	struct coalesce_wait w[3];
	int k = 5, none = 9;

	(void)state;
	assert_non_null(t);
	coalesce_add(t, &a.job, 1);
	coalesce_add(t, &b.job, 1); /* the same chain: the key tells them apart */
	assert_int_equal(coalesce_count(t), 2);
	assert_ptr_equal(coalesce_find(t, 1, &k), &b.job);
	assert_null(coalesce_find(t, 1, &none));
	assert_ptr_equal(coalesce_oldest(t), &a.job);
	assert_ptr_equal(coalesce_newer(t, &a.job), &b.job);
	assert_null(coalesce_newer(t, &b.job));
	for (int i = 0; i < 3; i++)
		coalesce_join(&b.job, &w[i]);
	assert_ptr_equal(w[1].job, &b.job);
	coalesce_leave(&w[1]);
	assert_ptr_equal(coalesce_pop(&b.job), &w[2]); /* the newest first */
	assert_ptr_equal(coalesce_pop(&b.job), &w[0]);
	assert_null(coalesce_pop(&b.job));
	assert_false(coalesce_waiting(&b.job));
	coalesce_remove(t, &b.job);
	coalesce_remove(t, &b.job); /* twice is harmless */
	assert_null(coalesce_find(t, 1, &k));
	assert_int_equal(coalesce_count(t), 1);
	coalesce_remove(t, &a.job);
	coalesce_free(t);
	coalesce_free(NULL);
}

/*
 * The in-flight table's hash as it was up to this test: FNV-1a (32 bits) of the name, the
 * qtype, the DO/CD bits, xor the class; 1024 chains. Unkeyed, anyone can compute it.
 */
#define FLOOD_BUCKETS 1024u

static uint32_t
flood_unkeyed(const struct dnsq *q)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < q->qname_len; i++)
		h = (h ^ q->qname[i]) * 16777619u;
	h = (h ^ q->qtype) * 16777619u;
	h = (h ^ (uint32_t)(q->do_bit | ((q->flags & DNS_FLAG_CD) ? 2 : 0))) * 16777619u;
	return h ^ q->qclass;
}

/*
 * Hash flooding: the questions in flight are a client's to choose, and nothing caps how
 * many are (an upstream that answers slowly keeps them there). Chosen against the unkeyed
 * hash, 64 questions shared one chain, which every new question and every answer walked;
 * keyed per instance (as the answer cache is), they spread like any others.
 */
static void
test_inflight_flood(void **state)
{
	struct fixture *f = *state;
	struct outcome o = { 0 };
	uint32_t target = 0;
	size_t n = 0;
	char name[64];
	struct dnsq q;

	for (uint32_t i = 0; n < 64; i++) {
		uint32_t b;
		snprintf(name, sizeof(name), "f%08x.example.com", i);
		q_of(&q, name, 0, 0);
		b = flood_unkeyed(&q) & (FLOOD_BUCKETS - 1);
		if (n == 0)
			target = b;
		if (b != target)
			continue;
		assert_non_null(resolve_start(f->res, &q, outcome_cb, &o));
		n++;
	}
	assert_int_equal(resolve_in_flight(f->res), 64);
	/* 64 random picks of 1024 chains: more than 6 in one has odds below 1e-9. */
	assert_true(resolve_chain_max(f->res) <= 6);
	resolve_free(f->res);	/* nobody called back: the loop never ran */
	f->res = NULL;
	assert_int_equal(o.done, 0);
}

/* A re-verification's answer reaches its waiter but not the cache (resolve_refresh). */
static void
test_refresh_not_cached(void **state)
{
	struct fixture *f = *state;
	struct outcome o = { 0 };
	struct resolve_result res;
	struct dnsq q;

	q_of(&q, "again.example.com", 0, 0);
	assert_non_null(resolve_refresh(f->res, &q, outcome_cb, &o));
	assert_true(tr_run_until(f->base, &o.done, GUARD_MS));
	assert_int_equal(o.status, UPSTREAM_OK);
	assert_int_equal(o.tag, 1);
	assert_int_equal(resolve_lookup(f->res, &q, &res), 0);
}

/*
 * A plain prefetch: no waiter, its answer fills the cache; one per question in flight, and
 * no more than RESOLVE_PREFETCH_MAX at once; an entry is claimed once.
 */
static void
test_prefetch(void **state)
{
	struct fixture *f = *state;
	struct outcome o = { 0 };
	struct resolve_result res;
	char name[64];
	struct dnsq q;
	int n = 0;

	q_of(&q, "pre.example.com", 0, 0);
	assert_int_equal(resolve_prefetch_claim(f->res, &q), 0); /* nothing cached */
	assert_int_equal(resolve_prefetch(f->res, &q), 1);
	assert_int_equal(resolve_prefetch(f->res, &q), 0);
	for (int i = 0; i < RESOLVE_PREFETCH_MAX + 4; i++) {
		snprintf(name, sizeof(name), "p%d.example.com", i);
		q_of(&q, name, 0, 0);
		n += resolve_prefetch(f->res, &q) == 1;
	}
	assert_int_equal(n, RESOLVE_PREFETCH_MAX - 1);
	/* all answered: the cache holds them, and the bound is free again */
	while (resolve_in_flight(f->res) > 0 && tr_run_until(f->base, &o.done, 50) == 0)
		;
	q_of(&q, "pre.example.com", 0, 0);
	assert_int_equal(resolve_lookup(f->res, &q, &res), 1);
	assert_int_equal(resolve_prefetch_claim(f->res, &q), 1);
	assert_int_equal(resolve_prefetch_claim(f->res, &q), 0);
	q_of(&q, "after.example.com", 0, 0);
	assert_int_equal(resolve_prefetch(f->res, &q), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_miss_then_hit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_coalesced, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_coalesced_across_do_cd, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel_one_waiter, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel_last_keeps_question, setup, teardown),
		cmocka_unit_test_setup_teardown(test_abandon_last_stops_query, setup, teardown),
		cmocka_unit_test_setup_teardown(test_callback_cancels_other, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forward_zone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reconfigure_keeps_cache, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_in_flight, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inflight_flood, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refresh_not_cached, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prefetch, setup, teardown),
		cmocka_unit_test(test_coalesce_table),
	};

	return cmocka_run_group_tests_name("resolve", tests, NULL, NULL);
}
