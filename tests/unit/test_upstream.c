/*
 * tests/unit/test_upstream.c - lib/upstream.c against a scripted responder on 127.0.0.1:
 * answers, IDs that do not match, truncation and the TCP retry, SERVFAIL and the next
 * upstream, timeouts, refusals and cancellation.
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

#include "testresp.h"
#include "upstream.h"

/* Generous: only a hung test ever waits this long. */
#define GUARD_MS 5000

/* What the upstream callback saw. */
struct outcome {
	int done;
	enum upstream_status status;
	uint8_t wire[1500];
	size_t len;
};

static void
outcome_cb(void *arg, enum upstream_status status, const uint8_t *wire, size_t len)
{
	struct outcome *o = arg;

	o->done++;
	o->status = status;
	o->len = 0;
	if (wire != NULL && len <= sizeof(o->wire)) {
		memcpy(o->wire, wire, len);
		o->len = len;
	}
}

struct fixture {
	struct event_base *base;
	struct tr r[2];
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL || (f->base = event_base_new()) == NULL)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	event_base_free(f->base);
	free(f);
	return 0;
}

/* Ask name A through set and run the loop until the callback came. */
static void
ask(struct upstream_set *set, const char *name, struct outcome *o, struct event_base *base)
{
	struct dnsq q;

	memset(o, 0, sizeof(*o));
	assert_int_equal(tr_question(&q, name, DNS_TYPE_A, 0, 0), 0);
	assert_non_null(upstream_query(set, &q, outcome_cb, o));
	assert_true(tr_run_until(base, &o->done, GUARD_MS));
	assert_int_equal(o->done, 1);
}

/* The last address byte of the answer's A record (rdata at the end of the message). */
static uint8_t
answered_tag(const struct outcome *o)
{
	assert_true(o->len > 4);
	assert_int_equal(tp_get16(o->wire, 6), 1); /* ANCOUNT */
	return o->wire[o->len - 1];
}

static void
test_answer(void **state)
{
	struct fixture *f = *state;
	struct upstream_set *set;
	struct upstream_stats st;
	struct outcome o;

	assert_int_equal(tr_start(&f->r[0], f->base, TR_ANSWER, 7), 0);
	assert_non_null(set = upstream_set_new(f->base, &f->r[0].addr, 1, 2000));
	ask(set, "www.example.com", &o, f->base);
	assert_int_equal(o.status, UPSTREAM_OK);
	assert_int_equal(answered_tag(&o), 7);
	assert_int_equal(upstream_count(set), 1);
	upstream_get_stats(set, 0, &st);
	assert_int_equal(st.queries, 1);
	assert_int_equal(st.answers, 1);
	assert_int_equal(st.mismatches, 0);
	assert_true(st.healthy);
	assert_false(upstream_set_busy(set));
	upstream_set_free(set);
	tr_stop(&f->r[0]);
}

/* A reply with another ID is not the answer (an off-path guess): ignored, counted. */
static void
test_wrong_id_ignored(void **state)
{
	struct fixture *f = *state;
	struct upstream_set *set;
	struct upstream_stats st;
	struct outcome o;

	assert_int_equal(tr_start(&f->r[0], f->base, TR_WRONG_ID_FIRST, 9), 0);
	assert_non_null(set = upstream_set_new(f->base, &f->r[0].addr, 1, 2000));
	ask(set, "id.example.com", &o, f->base);
	assert_int_equal(o.status, UPSTREAM_OK);
	assert_int_equal(answered_tag(&o), 9);
	upstream_get_stats(set, 0, &st);
	assert_int_equal(st.mismatches, 1);
	upstream_set_free(set);
	tr_stop(&f->r[0]);
}

/* TC=1 over UDP: the same upstream is asked again over TCP, and that answer is the one. */
static void
test_truncated_retries_tcp(void **state)
{
	struct fixture *f = *state;
	struct upstream_set *set;
	struct upstream_stats st;
	struct outcome o;

	assert_int_equal(tr_start(&f->r[0], f->base, TR_TC, 11), 0);
	assert_non_null(set = upstream_set_new(f->base, &f->r[0].addr, 1, 2000));
	ask(set, "big.example.com", &o, f->base);
	assert_int_equal(o.status, UPSTREAM_OK);
	assert_int_equal(answered_tag(&o), 11);
	assert_int_equal(f->r[0].udp_queries, 1);
	assert_int_equal(f->r[0].tcp_queries, 1);
	upstream_get_stats(set, 0, &st);
	assert_int_equal(st.tcp_retries, 1);
	upstream_set_free(set);
	tr_stop(&f->r[0]);
}

/* SERVFAIL from one upstream: the next one is asked, and its answer wins. */
static void
test_servfail_next_upstream(void **state)
{
	struct fixture *f = *state;
	struct netaddr addrs[2];
	struct upstream_set *set;
	struct outcome o;

	assert_int_equal(tr_start(&f->r[0], f->base, TR_SERVFAIL, 1), 0);
	assert_int_equal(tr_start(&f->r[1], f->base, TR_ANSWER, 2), 0);
	addrs[0] = f->r[0].addr;
	addrs[1] = f->r[1].addr;
	assert_non_null(set = upstream_set_new(f->base, addrs, 2, 2000));
	ask(set, "sf.example.com", &o, f->base);
	assert_int_equal(o.status, UPSTREAM_OK);
	assert_int_equal(answered_tag(&o), 2);
	upstream_set_free(set);
	tr_stop(&f->r[0]);
	tr_stop(&f->r[1]);
}

/* Every upstream says SERVFAIL: that answer is the truth, handed on as it came. */
static void
test_servfail_everywhere(void **state)
{
	struct fixture *f = *state;
	struct netaddr addrs[2];
	struct upstream_set *set;
	struct outcome o;

	assert_int_equal(tr_start(&f->r[0], f->base, TR_SERVFAIL, 1), 0);
	assert_int_equal(tr_start(&f->r[1], f->base, TR_SERVFAIL, 2), 0);
	addrs[0] = f->r[0].addr;
	addrs[1] = f->r[1].addr;
	assert_non_null(set = upstream_set_new(f->base, addrs, 2, 2000));
	ask(set, "sf2.example.com", &o, f->base);
	assert_int_equal(o.status, UPSTREAM_OK);
	assert_true(o.len >= DNS_HDRLEN);
	assert_int_equal(o.wire[3] & 0x0f, DNS_RCODE_SERVFAIL);
	upstream_set_free(set);
	tr_stop(&f->r[0]);
	tr_stop(&f->r[1]);
}

/* A silent upstream: asked again until the question's deadline, then a timeout. */
static void
test_timeout(void **state)
{
	struct fixture *f = *state;
	struct upstream_set *set;
	struct upstream_stats st;
	struct outcome o;

	assert_int_equal(tr_start(&f->r[0], f->base, TR_SILENT, 1), 0);
	assert_non_null(set = upstream_set_new(f->base, &f->r[0].addr, 1, 300));
	ask(set, "slow.example.com", &o, f->base);
	assert_int_equal(o.status, UPSTREAM_TIMEOUT);
	assert_int_equal(o.len, 0);
	assert_true(f->r[0].udp_queries >= 1);
	upstream_get_stats(set, 0, &st);
	assert_true(st.timeouts >= 1);
	upstream_set_free(set);
	tr_stop(&f->r[0]);
}

/* Nobody listens (ICMP port unreachable): an error, not a wait for the deadline. */
static void
test_refused(void **state)
{
	struct fixture *f = *state;
	struct upstream_set *set;
	struct netaddr closed;
	struct outcome o;

	tr_closed_port(&closed);
	assert_non_null(set = upstream_set_new(f->base, &closed, 1, 4000));
	ask(set, "nobody.example.com", &o, f->base);
	assert_int_equal(o.status, UPSTREAM_ERROR);
	upstream_set_free(set);
}

/* Cancelled before the answer: the callback never runs, the set is idle again. */
static void
test_cancel(void **state)
{
	struct fixture *f = *state;
	struct upstream_set *set;
	struct upstream_req *req;
	struct outcome o;
	struct dnsq q;

	memset(&o, 0, sizeof(o));
	assert_int_equal(tr_start(&f->r[0], f->base, TR_ANSWER, 3), 0);
	assert_non_null(set = upstream_set_new(f->base, &f->r[0].addr, 1, 2000));
	assert_int_equal(tr_question(&q, "gone.example.com", DNS_TYPE_A, 0, 0), 0);
	assert_non_null(req = upstream_query(set, &q, outcome_cb, &o));
	assert_true(upstream_set_busy(set));
	upstream_cancel(req);
	assert_false(upstream_set_busy(set));
	/* Nothing left to run: the loop ends at once, and nobody was called. */
	event_base_loop(f->base, EVLOOP_NONBLOCK);
	assert_int_equal(o.done, 0);
	upstream_set_free(set);
	tr_stop(&f->r[0]);
}

/* Freeing a set with a question outstanding cancels it without calling back. */
static void
test_set_free_outstanding(void **state)
{
	struct fixture *f = *state;
	struct upstream_set *set;
	struct outcome o;
	struct dnsq q;

	memset(&o, 0, sizeof(o));
	assert_int_equal(tr_start(&f->r[0], f->base, TR_SILENT, 3), 0);
	assert_non_null(set = upstream_set_new(f->base, &f->r[0].addr, 1, 2000));
	assert_int_equal(tr_question(&q, "a.example.com", DNS_TYPE_A, 0, 0), 0);
	assert_non_null(upstream_query(set, &q, outcome_cb, &o));
	assert_int_equal(tr_question(&q, "b.example.com", DNS_TYPE_A, 0, 0), 0);
	assert_non_null(upstream_query(set, &q, outcome_cb, &o));
	upstream_set_free(set);
	event_base_loop(f->base, EVLOOP_NONBLOCK);
	assert_int_equal(o.done, 0);
	tr_stop(&f->r[0]);
}

/* A reload's new set takes over what the old one knew of the same address. */
static void
test_adopt(void **state)
{
	struct fixture *f = *state;
	struct upstream_set *old, *set;
	struct upstream_stats st;
	struct outcome o;

	assert_int_equal(tr_start(&f->r[0], f->base, TR_ANSWER, 5), 0);
	assert_non_null(old = upstream_set_new(f->base, &f->r[0].addr, 1, 2000));
	ask(old, "x.example.com", &o, f->base);
	assert_non_null(set = upstream_set_new(f->base, &f->r[0].addr, 1, 2000));
	upstream_set_adopt(set, old);
	upstream_get_stats(set, 0, &st);
	assert_int_equal(st.queries, 1);
	assert_int_equal(st.answers, 1);
	upstream_set_free(old);
	upstream_set_free(set);
	tr_stop(&f->r[0]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_answer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_id_ignored, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated_retries_tcp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_servfail_next_upstream, setup, teardown),
		cmocka_unit_test_setup_teardown(test_servfail_everywhere, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_set_free_outstanding, setup, teardown),
		cmocka_unit_test_setup_teardown(test_adopt, setup, teardown),
	};

	return cmocka_run_group_tests_name("upstream", tests, NULL, NULL);
}
