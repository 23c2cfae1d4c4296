/*
 * tests/unit/test_query.c - resolver/query.c alone: a sink that records what the client
 * gets, the cache and the upstream (lib/resolve) and the plugin chain stubbed below, the
 * cross-check through the query_env's services. No socket and no sleep: the upstream's and
 * the check's answers are handed in by calling back the waiter they were given.
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
#include <event2/event.h>

#include "acl.h"
#include "check.h"
#include "config.h"
#include "dnswire.h"
#include "log.h"
#include "plugin.h"
#include "query.h"
#include "ratelimit.h"
#include "recent.h"
#include "resolve.h"
#include "stats.h"
#include "testpkt.h"

/* ---- the world: cache, upstream, check, plugins ---- */

static struct {
	int hit, stale;			/* resolve_lookup / resolve_lookup_stale answer */
	struct tpkt answer;		/* the stored answer they give */
	int starts, cancels;
	resolve_cb cb;
	void *arg;
} up;

static struct {
	int applies, cached;
	struct policy_decision d;	/* what check_cached decides */
	int starts, cancels, had_local;
	void (*cb)(void *, const struct check_result *);
	void *arg;
} ck;

static struct {
	int active;
	enum plugin_state on_query, on_verdict;
	int responses, last_rcode, cancels;
	void (*resume)(struct plugin_req *, void *);
	void *resume_arg;
	struct plugin_req *waiting;
} pl;

int
resolve_lookup(struct resolve *r, const struct dnsq *q, struct resolve_result *res)
{
	(void)r;
	(void)q;
	if (!up.hit)
		return 0;
	memset(res, 0, sizeof(*res));
	res->status = UPSTREAM_OK;
	res->wire = up.answer.b;
	res->len = up.answer.n;
	res->age = 10;
	return 1;
}

int
resolve_lookup_stale(struct resolve *r, const struct dnsq *q, struct resolve_result *res)
{
	(void)r;
	(void)q;
	if (!up.stale)
		return 0;
	memset(res, 0, sizeof(*res));
	res->wire = up.answer.b;
	res->len = up.answer.n;
	res->age = 600;
	return 1;
}

int
resolve_has_stale(struct resolve *r, const struct dnsq *q)
{
	(void)r;
	(void)q;
	return up.stale;
}

struct resolve_wait *
resolve_start(struct resolve *r, const struct dnsq *q, resolve_cb cb, void *arg)
{
	(void)r;
	(void)q;
	up.starts++;
	up.cb = cb;
	up.arg = arg;
	return (struct resolve_wait *)&up;
}

void
resolve_cancel(struct resolve_wait *w)
{
	if (w != NULL)
		up.cancels++;
}

/* Prefetch is not these tests' subject (tests/replay/prefetch_*.rpl): never due here. */
int
resolve_prefetch_claim(struct resolve *r, const struct dnsq *q)
{
	(void)r;
	(void)q;
	return 0;
}

int
resolve_prefetch(struct resolve *r, const struct dnsq *q)
{
	(void)r;
	(void)q;
	return -1;
}

void
plugin_req_cancel(struct plugin_req *pr)
{
	if (pr->active && pl.waiting == pr)
		pl.cancels++;
}

enum plugin_state
plugin_on_query(struct plugin_req *pr)
{
	if (pl.on_query == PLUGIN_REFUSE) {
		pr->rcode = DNS_RCODE_REFUSED;
		pr->ede = 15;
		snprintf(pr->ede_text, sizeof(pr->ede_text), "blocked");
	}
	return pl.on_query;
}

enum plugin_state
plugin_on_verdict(struct plugin_req *pr, const uint8_t *wire, size_t len,
    const struct policy_decision *d, enum plugin_outcome outcome,
    void (*resume)(struct plugin_req *, void *), void *arg)
{
	(void)wire;
	(void)len;
	(void)d;
	pr->outcome = outcome;
	if (pl.on_verdict == PLUGIN_WAIT) {
		pl.resume = resume;
		pl.resume_arg = arg;
		pl.waiting = pr;
	}
	return pl.on_verdict;
}

void
plugin_on_response(struct plugin_req *pr, int rcode, const uint8_t *wire, size_t len)
{
	(void)pr;
	(void)wire;
	(void)len;
	pl.responses++;
	pl.last_rcode = rcode;
}

void
recent_query(struct recent *r, const struct netaddr *peer)
{
	(void)r;
	(void)peer;
}

void
recent_note(struct recent *r, const struct netaddr *peer, const struct dnsq *q,
    const struct policy_decision *d, const struct check_result *res)
{
	(void)r;
	(void)peer;
	(void)q;
	(void)d;
	(void)res;
}

static int
svc_check_applies(void *arg, const struct dnsq *q)
{
	(void)arg;
	(void)q;
	return ck.applies;
}

static int
svc_check_cached(void *arg, const struct dnsq *q, const struct resolve_result *hit,
    struct policy_decision *d)
{
	(void)arg;
	(void)q;
	(void)hit;
	if (ck.cached)
		*d = ck.d;
	return ck.cached;
}

static struct check_wait *
svc_check_start(void *arg, const struct dnsq *q, const struct resolve_result *local,
    void (*cb)(void *, const struct check_result *), void *cbarg)
{
	(void)arg;
	(void)q;
	ck.starts++;
	ck.had_local = local != NULL;
	ck.cb = cb;
	ck.arg = cbarg;
	return (struct check_wait *)&ck;
}

static void
svc_check_cancel(struct check_wait *w)
{
	(void)w;
	ck.cancels++;
}

static int
svc_plugins_active(void *arg)
{
	(void)arg;
	return pl.active;
}

static void
svc_plugin_req_init(void *arg, struct plugin_req *pr, const struct dnsq *q,
    const struct netaddr *peer, int tcp)
{
	(void)arg;
	(void)q;
	(void)peer;
	(void)tcp;
	memset(pr, 0, sizeof(*pr));
	pr->active = pl.active;
	pr->ede = -1;
	pr->action = PLUGIN_A_SERVE;
	pr->outcome = PLUGIN_O_UNCHECKED;
}

/* ---- the sink: what the client got ---- */

#define MAX_REPLIES 8

static struct {
	struct tpkt msg[MAX_REPLIES];
	int n, holds, releases;
	struct query_req *held;
} sk;

static void
sink_send(const struct query_req *req, const uint8_t *msg, size_t len)
{
	(void)req;
	assert_true(sk.n < MAX_REPLIES);
	memcpy(sk.msg[sk.n].b, msg, len);
	sk.msg[sk.n++].n = len;
}

static void
sink_hold(struct query_req *req)
{
	sk.holds++;
	sk.held = req;
}

static void
sink_release(struct query_req *req)
{
	assert_ptr_equal(req, sk.held);
	sk.releases++;
	sk.held = NULL;
}

static const struct query_sink tcp_sink = { sink_send, sink_hold, sink_release };
static const struct query_sink udp_sink = { sink_send, NULL, NULL };

/* ---- the fixture ---- */

static struct config cfg;
static struct config *cfg_slot = &cfg;
static struct acl_rule rules[2];
static struct ratelimit *rl;
static struct vstats st;
static struct event_base *base;
static struct query_ctx *qc;

static int
setup(void **state)
{
	struct query_env env = {
		.cfg = &cfg_slot, .st = &st, .ratelimit = &rl,
		.svc = { NULL, svc_check_applies, svc_check_cached, svc_check_start,
		    svc_check_cancel, svc_plugins_active, svc_plugin_req_init },
	};

	(void)state;
	memset(&up, 0, sizeof(up));
	memset(&ck, 0, sizeof(ck));
	memset(&pl, 0, sizeof(pl));
	memset(&sk, 0, sizeof(sk));
	memset(&st, 0, sizeof(st));
	memset(&cfg, 0, sizeof(cfg));
	/* 127.0.0.0/8 is served, 127.9.0.0/16 refused, 127.9.9.0/24 dropped. */
	assert_int_equal(acl_parse_prefix("127.0.0.0/8", &rules[0].addr, &rules[0].len), 0);
	rules[0].action = ACL_ALLOW;
	assert_int_equal(acl_parse_prefix("127.9.9.0/24", &rules[1].addr, &rules[1].len), 0);
	rules[1].action = ACL_DROP;
	cfg.acl = rules;
	cfg.n_acl = 2;
	rl = NULL;
	assert_non_null(base = event_base_new());
	env.base = base;
	assert_non_null(qc = query_new(&env));
	/* The stored answer: www.example.test A 192.0.2.1, TTL 300. */
	tp_hdr(&up.answer, 0, DNS_FLAG_QR | DNS_FLAG_RD | DNS_FLAG_RA, 1, 1, 0, 0);
	tp_question(&up.answer, "www.example.test", 1);
	tp_a_at_q(&up.answer, 300, 192, 0, 2, 1);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	query_free(qc);
	ratelimit_free(rl);
	event_base_free(base);
	return 0;
}

/* A request from ip (dotted) over the given sink. */
static struct query_req
req_from(const char *ip, const struct query_sink *sink)
{
	struct query_req r = { .sink = sink, .tcp = sink == &tcp_sink };

	assert_int_equal(netaddr_parse(ip, 5353, &r.peer), 0);
	return r;
}

/* Ask for name A with ID id (EDNS when edns). */
static void
ask(const struct query_req *r, uint16_t id, const char *name, int edns)
{
	struct tpkt q;

	tp_hdr(&q, id, DNS_FLAG_RD, 1, 0, 0, edns ? 1 : 0);
	tp_question(&q, name, 1);
	if (edns)
		tp_opt(&q, 1232, 0, 0);
	query_handle(qc, r, q.b, q.n);
}

static uint16_t
reply_id(int i)
{
	return dnswire_get16(sk.msg[i].b);
}

static int
reply_rcode(int i)
{
	return dnswire_get16(sk.msg[i].b + 2) & 0xf;
}

static uint16_t
reply_ancount(int i)
{
	return dnswire_get16(sk.msg[i].b + 6);
}

/* Whether reply i carries the bytes s (an EDE text, say). */
static int
reply_has(int i, const char *s)
{
	size_t l = strlen(s);

	for (size_t o = 0; o + l <= sk.msg[i].n; o++)
		if (memcmp(sk.msg[i].b + o, s, l) == 0)
			return 1;
	return 0;
}

/* ---- the tests ---- */

static void
test_cache_hit_udp(void **state)
{
	struct query_req r = req_from("127.0.0.1", &udp_sink);

	(void)state;
	up.hit = 1;
	ask(&r, 0x1234, "www.Example.test", 0);
	assert_int_equal(sk.n, 1);
	assert_int_equal(reply_id(0), 0x1234);
	assert_int_equal(reply_rcode(0), DNS_RCODE_NOERROR);
	assert_int_equal(reply_ancount(0), 1);
	assert_true(reply_has(0, "\x07" "Example"));	/* the client's spelling */
	assert_int_equal(st.queries_udp, 1);
	assert_int_equal(st.answers_cache, 1);
	assert_int_equal(up.starts, 0);
}

static void
test_miss_then_upstream_tcp(void **state)
{
	struct query_req r = req_from("127.0.0.1", &tcp_sink);
	struct resolve_result res = { .status = UPSTREAM_OK };

	(void)state;
	ask(&r, 7, "www.example.test", 1);
	assert_int_equal(sk.n, 0);
	assert_int_equal(up.starts, 1);
	assert_int_equal(sk.holds, 1);		/* the connection must outlive the wait */
	assert_ptr_not_equal(sk.held, &r);	/* query keeps its own copy */
	res.wire = up.answer.b;
	res.len = up.answer.n;
	up.cb(up.arg, &res);
	assert_int_equal(sk.n, 1);
	assert_int_equal(reply_id(0), 7);
	assert_int_equal(reply_ancount(0), 1);
	assert_int_equal(sk.releases, 1);
	assert_int_equal(st.queries_tcp, 1);
	assert_int_equal(st.answers_upstream, 1);
}

static void
test_upstream_fails(void **state)
{
	struct query_req r = req_from("127.0.0.1", &udp_sink);
	struct resolve_result res = { .status = UPSTREAM_TIMEOUT };

	(void)state;
	ask(&r, 9, "www.example.test", 1);
	up.cb(up.arg, &res);
	assert_int_equal(sk.n, 1);
	assert_int_equal(reply_rcode(0), DNS_RCODE_SERVFAIL);
	assert_true(reply_has(0, "no upstream resolver answered"));
	assert_int_equal(st.servfail, 1);
}

static void
test_serve_stale(void **state)
{
	struct query_req r = req_from("127.0.0.1", &udp_sink);
	struct resolve_result res = { .status = UPSTREAM_ERROR };

	(void)state;
	up.stale = 1;
	ask(&r, 11, "www.example.test", 1);
	up.cb(up.arg, &res);
	assert_int_equal(sk.n, 1);
	assert_int_equal(reply_rcode(0), DNS_RCODE_NOERROR);
	assert_true(reply_has(0, "stale answer, verified 600 s ago"));
	assert_int_equal(st.answers_stale, 1);
}

static void
test_connection_gone(void **state)
{
	struct query_req r = req_from("127.0.0.1", &tcp_sink);

	(void)state;
	ask(&r, 1, "www.example.test", 0);
	assert_non_null(sk.held);
	/* The transport takes it back: the upstream waiter goes, nothing is sent or released. */
	query_cancel(sk.held);
	assert_int_equal(up.cancels, 1);
	assert_int_equal(sk.n, 0);
	assert_int_equal(sk.releases, 0);
}

static void
test_shutdown_pending(void **state)
{
	struct query_req r = req_from("127.0.0.1", &tcp_sink);

	(void)state;
	ask(&r, 1, "www.example.test", 0);
	query_free(qc);
	qc = NULL;
	assert_int_equal(up.cancels, 1);
	assert_int_equal(sk.releases, 1);
	assert_int_equal(sk.n, 0);
}

static void
test_malformed(void **state)
{
	struct query_req r = req_from("127.0.0.1", &udp_sink);
	struct tpkt q;

	(void)state;
	/* A response is never answered (no reflection loops). */
	tp_hdr(&q, 5, DNS_FLAG_QR, 1, 0, 0, 0);
	tp_question(&q, "www.example.test", 1);
	query_handle(qc, &r, q.b, q.n);
	assert_int_equal(sk.n, 0);
	assert_int_equal(st.dropped, 1);
	/* Two questions: FORMERR with the client's ID. */
	tp_hdr(&q, 6, 0, 2, 0, 0, 0);
	tp_question(&q, "a.test", 1);
	tp_question(&q, "b.test", 1);
	query_handle(qc, &r, q.b, q.n);
	assert_int_equal(sk.n, 1);
	assert_int_equal(reply_id(0), 6);
	assert_int_equal(reply_rcode(0), DNS_RCODE_FORMERR);
	assert_int_equal(st.formerr, 1);
}

static void
test_acl(void **state)
{
	struct query_req refused = req_from("10.0.0.1", &udp_sink);
	struct query_req dropped = req_from("127.9.9.9", &udp_sink);

	(void)state;
	ask(&refused, 3, "www.example.test", 1);
	assert_int_equal(sk.n, 1);
	assert_int_equal(reply_rcode(0), DNS_RCODE_REFUSED);
	assert_true(reply_has(0, "does not serve your address"));
	assert_int_equal(st.acl_refused, 1);
	ask(&dropped, 4, "www.example.test", 1);
	assert_int_equal(sk.n, 1);
	assert_int_equal(st.acl_dropped, 1);
}

static void
test_ratelimit(void **state)
{
	struct query_req r = req_from("127.0.0.1", &udp_sink);

	(void)state;
	/* The daemon's slot: a reload may swap the buckets, query reads them each time. */
	assert_non_null(rl = ratelimit_new(1, 2, 64));
	up.hit = 1;
	for (int i = 0; i < 5; i++)
		ask(&r, (uint16_t)i, "www.example.test", 0);
	assert_int_equal(sk.n, 2);
	assert_int_equal(st.ratelimited, 3);
}

static void
test_checked_cache_hit(void **state)
{
	struct query_req r = req_from("127.0.0.1", &udp_sink);

	(void)state;
	up.hit = 1;
	ck.applies = 1;
	/* A live verdict on this answer: refused at once, no check started. */
	ck.cached = 1;
	ck.d.action = ACTION_REFUSE;
	ck.d.ede = 0;
	snprintf(ck.d.text, sizeof(ck.d.text), "the mirrors dissent");
	ask(&r, 21, "www.example.test", 1);
	assert_int_equal(sk.n, 1);
	assert_int_equal(reply_rcode(0), DNS_RCODE_REFUSED);
	assert_true(reply_has(0, "the mirrors dissent"));
	assert_int_equal(ck.starts, 0);
	/* No verdict: the hit is checked, and the client waits for it. */
	ck.cached = 0;
	ask(&r, 22, "www.example.test", 1);
	assert_int_equal(sk.n, 1);
	assert_int_equal(ck.starts, 1);
	assert_true(ck.had_local);
}

static void
test_checked_verdict(void **state)
{
	struct query_req r = req_from("127.0.0.1", &tcp_sink);
	struct check_result res = { .status = UPSTREAM_OK };

	(void)state;
	ck.applies = 1;
	ask(&r, 31, "www.example.test", 1);
	assert_int_equal(ck.starts, 1);
	assert_false(ck.had_local);
	assert_int_equal(sk.holds, 1);
	res.wire = up.answer.b;
	res.len = up.answer.n;
	res.decision.action = ACTION_SERVE_FLAG;
	res.decision.ede = 0;
	snprintf(res.decision.text, sizeof(res.decision.text), "insufficient corroboration");
	ck.cb(ck.arg, &res);
	assert_int_equal(sk.n, 1);
	assert_int_equal(reply_rcode(0), DNS_RCODE_NOERROR);
	assert_int_equal(reply_ancount(0), 1);
	assert_true(reply_has(0, "insufficient corroboration"));
	assert_int_equal(sk.releases, 1);
}

static void
test_plugin_refuses(void **state)
{
	struct query_req r = req_from("127.0.0.1", &udp_sink);

	(void)state;
	pl.active = 1;
	pl.on_query = PLUGIN_REFUSE;
	ask(&r, 41, "www.example.test", 1);
	assert_int_equal(sk.n, 1);
	assert_int_equal(reply_rcode(0), DNS_RCODE_REFUSED);
	assert_true(reply_has(0, "blocked"));
	assert_int_equal(pl.responses, 1);
	assert_int_equal(pl.last_rcode, DNS_RCODE_REFUSED);
	assert_int_equal(up.starts, 0);
}

static void
test_plugin_waits_on_cache_hit(void **state)
{
	struct query_req r = req_from("127.0.0.1", &tcp_sink);

	(void)state;
	/* With plugins a cache hit has its record: it may wait at the verdict, held. */
	pl.active = 1;
	pl.on_query = PLUGIN_PASS;
	pl.on_verdict = PLUGIN_WAIT;
	up.hit = 1;
	ask(&r, 51, "www.example.test", 1);
	assert_int_equal(sk.n, 0);
	assert_int_equal(sk.holds, 1);
	assert_non_null(pl.resume);
	pl.resume(pl.waiting, pl.resume_arg);
	assert_int_equal(sk.n, 1);
	assert_int_equal(reply_id(0), 51);
	assert_int_equal(reply_ancount(0), 1);
	assert_int_equal(sk.releases, 1);
	assert_int_equal(pl.responses, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_cache_hit_udp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_miss_then_upstream_tcp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_upstream_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_serve_stale, setup, teardown),
		cmocka_unit_test_setup_teardown(test_connection_gone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shutdown_pending, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_acl, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ratelimit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_checked_cache_hit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_checked_verdict, setup, teardown),
		cmocka_unit_test_setup_teardown(test_plugin_refuses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_plugin_waits_on_cache_hit, setup, teardown),
	};

	log_init("test_query", 1, LOG_L_WARN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
