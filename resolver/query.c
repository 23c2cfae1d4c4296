/* resolver/query.c - one client question: parse, answer from cache or upstream, reply. */
#include "autoconf.h"

#include <event2/event.h>
#include <stdlib.h>
#include <string.h>

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
#include "vutil.h"

struct query;

/* The query path's state: what it was given, and the questions that wait. */
struct query_ctx {
	struct query_env env;
	TAILQ_HEAD(, query) pending;	/* waiting for an upstream, a verdict or a plugin */
};

/*
 * Who asked what: the client, its message (the answer carries its ID and its spelling of
 * the name) and the parsed question. A cache hit builds one on the stack; a waiting
 * question keeps one pointing into its struct query.
 */
struct query_ask {
	const struct query_req *req;
	const uint8_t *wire;
	const struct dnsq *q;
};

/* One answer on its way to the client, and how it was judged. */
struct query_answer {
	const uint8_t *wire;
	size_t len;
	uint32_t age;
	const struct policy_decision *d;
	enum plugin_outcome outcome;
};

/* A question waiting for the upstream, the mirrors or a plugin. */
struct query {
	struct query_ctx *qc;
	struct query_req req;		/* the transport's copy: hold/release see &req */
	struct query_ask ask;		/* into req, qwire and q */
	struct dnsq q;
	struct resolve_wait *w;		/* a plain forwarded question, or */
	struct check_wait *cw;		/* ... one cross-checked with the mirrors */
	TAILQ_ENTRY(query) entry;	/* on qc->pending */
	int pending;			/* on that list (and held by its transport) */
	uint8_t qwire[DNS_HDRLEN + DNS_MAXNAME + 4];
	/* The plugin chain's view (pr.active 0 when no plugin runs); while a plugin waits on
	 * the verdict, the answer is kept here. */
	struct plugin_req pr;
	uint8_t *awire;
	size_t alen;
	uint32_t age;
	/* RFC 8767's client-response timer: a verified answer served stale if the upstream
	 * is slow; the question goes on to refresh the cache, and its outcome is not sent. */
	struct event *stale_timer;
	int answered;
};

/* One reply at a time per event loop: each worker's thread has its own. */
static _Thread_local uint8_t query_out[DNS_MAXMSG + 512];

static void
query_send(const struct query_ask *a, const uint8_t *msg, size_t len)
{
	if (len == 0)
		return;
	a->req->sink->send(a->req, msg, len);
}

static void
query_error(const struct query_ask *a, int rcode, int ede, const char *text)
{
	struct dnswire_ede e = { ede, text };
	size_t len = dnswire_error(query_out, sizeof(query_out), a->wire, a->q, rcode, &e);

	query_send(a, query_out, len);
}

static void
query_answer(struct query_ctx *qc, const struct query_ask *a, const struct query_answer *an,
    const struct dnswire_ede *ede)
{
	size_t len = dnswire_answer(query_out, sizeof(query_out), an->wire, an->len, an->age,
	    a->wire, a->q, a->req->tcp, ede);

	if (len == 0) {
		/* A stored answer we cannot re-serve is a bug, not the client's fault. */
		log_warnx(LOG_G_QUERY, "could not build an answer from a stored message");
		qc->env.st->servfail++;
		query_error(a, DNS_RCODE_SERVFAIL, -1, NULL);
		return;
	}
	if (dnswire_get16(query_out + 2) & DNS_FLAG_TC)
		qc->env.st->truncated++;
	query_send(a, query_out, len);
}

/* Answer as the policy decided (an->d). A refusal without EDNS is still a plain
 * REFUSED/SERVFAIL (and was logged by the check). */
static void
query_respond(struct query_ctx *qc, const struct query_ask *a, const struct query_answer *an)
{
	const struct policy_decision *d = an->d;
	struct dnswire_ede ede = { d->ede, d->text };

	switch (d->action) {
	case ACTION_SERVE:
		query_answer(qc, a, an, NULL);
		break;
	case ACTION_SERVE_FLAG:
	case ACTION_SERVE_CONSENSUS:
		query_answer(qc, a, an, &ede);
		break;
	case ACTION_REFUSE:
		qc->env.st->refused++;
		query_error(a, DNS_RCODE_REFUSED, d->ede, d->text);
		break;
	case ACTION_SERVFAIL:
		qc->env.st->servfail++;
		query_error(a, DNS_RCODE_SERVFAIL, d->ede, d->text);
		break;
	}
}

/* Put qr on the pending list; its transport holds it (and cancels it if it goes). */
static void
query_link(struct query *qr)
{
	qr->pending = 1;
	TAILQ_INSERT_HEAD(&qr->qc->pending, qr, entry);
	if (qr->req.sink->hold)
		qr->req.sink->hold(&qr->req);
}

/* Free qr. release: tell the transport (not when it is the one cancelling). */
static void
query_rec_free(struct query *qr, int release)
{
	if (qr->pending) {
		TAILQ_REMOVE(&qr->qc->pending, qr, entry);
		qr->pending = 0;
		if (release && qr->req.sink->release)
			qr->req.sink->release(&qr->req);
	}
	if (qr->stale_timer)
		event_free(qr->stale_timer);
	free(qr->awire);
	free(qr);
}

/* Done with qr: the client has its answer (or never will). */
static void
query_done(struct query *qr)
{
	plugin_req_cancel(&qr->pr);
	query_rec_free(qr, 1);
}

/* Abandon qr: nothing more reaches the client. release as in query_rec_free. */
static void
query_abandon(struct query *qr, int release)
{
	if (qr->w)
		resolve_cancel(qr->w);
	if (qr->cw)
		qr->qc->env.svc.check_cancel(qr->cw);
	qr->w = NULL;
	qr->cw = NULL;
	plugin_req_cancel(&qr->pr);
	query_rec_free(qr, release);
}

static struct query *
query_rec_new(struct query_ctx *qc, const struct query_ask *a)
{
	struct query *qr = calloc(1, sizeof(*qr));

	if (qr == NULL)
		return NULL;
	qr->qc = qc;
	qr->req = *a->req;
	qr->q = *a->q;
	memcpy(qr->qwire, a->wire, a->q->qend);
	qr->ask.req = &qr->req;
	qr->ask.wire = qr->qwire;
	qr->ask.q = &qr->q;
	qc->env.svc.plugin_req_init(qc->env.svc.arg, &qr->pr, a->q, &a->req->peer, a->req->tcp);
	return qr;
}

/* The reply as the chain left it, then on_response. */
static void
query_reply(struct query *qr, const uint8_t *wire, size_t len, uint32_t age)
{
	struct plugin_req *pr = &qr->pr;
	struct policy_decision d = { .ede = pr->ede };
	struct query_answer an = { wire, len, age, &d, pr->outcome };
	int rcode = -1;

	snprintf(d.text, sizeof(d.text), "%s", pr->ede_text);
	switch (pr->action) {
	case PLUGIN_A_SERVE:
		d.action = ACTION_SERVE;
		break;
	case PLUGIN_A_FLAG:
		d.action = ACTION_SERVE_FLAG;
		break;
	case PLUGIN_A_CONSENSUS:
		d.action = ACTION_SERVE_CONSENSUS;
		break;
	case PLUGIN_A_REFUSE:
		d.action = ACTION_REFUSE;
		rcode = DNS_RCODE_REFUSED;
		break;
	case PLUGIN_A_SERVFAIL:
		d.action = ACTION_SERVFAIL;
		rcode = DNS_RCODE_SERVFAIL;
		break;
	case PLUGIN_A_DROP:
		qr->qc->env.st->dropped++;
		plugin_on_response(pr, -1, NULL, 0);
		return;
	}
	if (rcode < 0)
		rcode = len >= DNS_HDRLEN ? (dnswire_get16(wire + 2) & 0xf) : DNS_RCODE_SERVFAIL;
	query_respond(qr->qc, &qr->ask, &an);
	plugin_on_response(pr, rcode, rcode == DNS_RCODE_REFUSED || rcode == DNS_RCODE_SERVFAIL ?
	    NULL : wire, len);
}

static void
query_resumed(struct plugin_req *pr, void *arg)
{
	struct query *qr = arg;

	(void)pr;
	query_reply(qr, qr->awire, qr->alen, qr->age);
	query_done(qr);
}

/*
 * The verdict stage and the reply, for a question that has its record (a cache hit with
 * no plugin running answers with query_respond alone). Returns 1 when qr waits for a
 * plugin (it stays, pending), 0 when the client has its answer (the caller frees qr).
 */
static int
query_finish(struct query *qr, const struct query_answer *an)
{
	if (!qr->pr.active) {
		query_respond(qr->qc, &qr->ask, an);
		return 0;
	}
	/*
	 * A copy of the answer for the chain: the caller's bytes may not outlive a plugin's
	 * next call into the daemon (a cache hit's buffer is reused by the next lookup that
	 * env->ask makes), let alone a wait.
	 */
	if ((qr->awire = malloc(an->len ? an->len : 1)) == NULL) {
		struct policy_decision fail = { .action = ACTION_SERVFAIL, .ede = -1 };
		struct query_answer f = *an;
		f.d = &fail;
		query_respond(qr->qc, &qr->ask, &f);
		return 0;
	}
	memcpy(qr->awire, an->wire, an->len);
	qr->alen = an->len;
	qr->age = an->age;
	if (plugin_on_verdict(&qr->pr, qr->awire, an->len, an->d, an->outcome, query_resumed,
		qr) != PLUGIN_WAIT) {
		query_reply(qr, qr->awire, an->len, an->age);
		return 0;
	}
	if (!qr->pending)
		query_link(qr);
	return 1;
}

/* How a check's decision was reached, for the chain. */
static enum plugin_outcome
query_outcome(const struct check_result *res)
{
	if (res->verdict == NULL)
		return PLUGIN_O_CACHED;
	switch (res->verdict->outcome) {
	case OUTCOME_AGREE:
		return PLUGIN_O_AGREE;
	case OUTCOME_DISSENT:
		return PLUGIN_O_DISSENT;
	case OUTCOME_INSUFFICIENT:
		return PLUGIN_O_INSUFFICIENT;
	}
	return PLUGIN_O_CACHED;
}

/* What the EDE of a stale answer says went wrong. */
static const char *
query_failure_text(enum upstream_status status)
{
	return status == UPSTREAM_OK ? "the upstream answered SERVFAIL"
	    : status == UPSTREAM_TIMEOUT ? "no upstream resolver answered"
	    : "every upstream resolver failed";
}

/* Whether a message (as the check serves it) is a SERVFAIL. */
static int
query_is_servfail(const uint8_t *wire, size_t len)
{
	return wire != NULL && len >= DNS_HDRLEN &&
	    (dnswire_get16(wire + 2) & 0xf) == DNS_RCODE_SERVFAIL;
}

/* RFC 8767 section 4: the TTL a stale answer is served with. */
#define QUERY_STALE_TTL 30

/*
 * Serve-stale (RFC 8767): the upstream failed, but q's answer was verified and expired within
 * cache.serve_stale. Served with TTL 30 and EDE 3 (Stale Answer), never unverified data: only
 * an answer the mirrors corroborated is kept past its expiry (dnscache_lookup_stale). Returns
 * 1 when it answered (qr is then the caller's to free, unless the chain made it wait: 2).
 */
static int
query_serve_stale(struct query *qr, const char *why)
{
	struct query_ctx *qc = qr->qc;
	struct resolve_result st;
	struct policy_decision d = { .action = ACTION_SERVE_FLAG, .ede = DNS_EDE_STALE_ANSWER };
	struct query_answer an = { .d = &d, .outcome = PLUGIN_O_CACHED };
	uint8_t *wire;
	int waits;

	if (!resolve_lookup_stale(qc->env.res, &qr->q, &st) || (wire = malloc(st.len)) == NULL)
		return 0;
	memcpy(wire, st.wire, st.len);
	an.wire = wire;
	an.len = st.len;
	dnswire_clamp_ttls(wire, an.len, QUERY_STALE_TTL, QUERY_STALE_TTL);
	snprintf(d.text, sizeof(d.text), "vantage: stale answer, verified %u s ago; %s", st.age,
	    why);
	qc->env.st->answers_stale++;
	waits = query_finish(qr, &an);
	free(wire);
	return waits ? 2 : 1;
}

static void
query_stale_timer(evutil_socket_t fd, short what, void *arg)
{
	struct query *qr = arg;

	(void)fd;
	(void)what;
	if (!qr->answered && query_serve_stale(qr, "the upstream is slow") == 1)
		qr->answered = 1;
}

/*
 * Arm the client-response timer when q has a verified answer to serve stale (RFC 8767
 * section 5). Not with plugins: the chain sees one answer per question.
 */
static void
query_arm_stale(struct query *qr)
{
	struct query_ctx *qc = qr->qc;
	uint64_t ms = (*qc->env.cfg)->cache.stale_after_ms;
	struct timeval tv = { (time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000 };

	if (ms == 0 || qr->pr.active || !resolve_has_stale(qc->env.res, &qr->q))
		return;
	if ((qr->stale_timer = evtimer_new(qc->env.base, query_stale_timer, qr)) != NULL)
		evtimer_add(qr->stale_timer, &tv);
}

static void
query_upstream_failed(struct query *qr, enum upstream_status status)
{
	char name[DNS_MAXNAME * 4 + 1];

	qr->qc->env.st->servfail++;
	log_info(LOG_G_QUERY, "SERVFAIL for %s: %s",
	    dnswire_name2str(qr->q.qname, qr->q.qname_len, name, sizeof(name)),
	    status == UPSTREAM_TIMEOUT ? "no upstream answered in time" : "every upstream failed");
	query_error(&qr->ask, DNS_RCODE_SERVFAIL, DNS_EDE_NO_REACHABLE_AUTHORITY,
	    status == UPSTREAM_TIMEOUT ? "vantage: no upstream resolver answered"
				       : "vantage: every upstream resolver failed");
	if (qr->pr.active) {
		qr->pr.outcome = PLUGIN_O_FAILED;
		qr->pr.action = PLUGIN_A_SERVFAIL;
		qr->pr.ede = DNS_EDE_NO_REACHABLE_AUTHORITY;
		plugin_on_response(&qr->pr, DNS_RCODE_SERVFAIL, NULL, 0);
	}
}

static void
query_resolved(void *arg, const struct resolve_result *res)
{
	struct query *qr = arg;
	int stale;

	qr->w = NULL; /* resolve frees the waiter after we return */
	if (qr->answered) { /* served stale already; the cache is refreshed all the same */
		query_done(qr);
		return;
	}
	if (res->status == UPSTREAM_OK) {
		struct policy_decision d = { .action = ACTION_SERVE, .ede = -1 };
		struct query_answer an = { res->wire, res->len, res->age, &d, PLUGIN_O_UNCHECKED };
		qr->qc->env.st->answers_upstream++;
		if (query_finish(qr, &an))
			return;
	} else if ((stale = query_serve_stale(qr, query_failure_text(res->status))) == 2)
		return;
	else if (!stale)
		query_upstream_failed(qr, res->status);
	query_done(qr);
}

static void
query_checked(void *arg, const struct check_result *res)
{
	struct query *qr = arg;
	struct query_ctx *qc = qr->qc;
	int stale;

	qr->cw = NULL; /* check frees the waiter after we return */
	if (qr->answered) { /* served stale already; the verdict is cached all the same */
		query_done(qr);
		return;
	}
	/* An upstream that answered SERVFAIL failed as much as one that did not answer. */
	if ((res->status != UPSTREAM_OK || query_is_servfail(res->wire, res->len)) &&
	    (stale = query_serve_stale(qr, query_failure_text(res->status))) != 0) {
		if (stale == 1)
			query_done(qr);
		return;
	}
	if (res->status == UPSTREAM_OK) {
		struct query_answer an = { res->wire, res->len, res->age, &res->decision,
			query_outcome(res) };
		qc->env.st->answers_upstream++;
		if (qc->env.recent)
			recent_note(qc->env.recent, &qr->req.peer, &qr->q, &res->decision, res);
		if (query_finish(qr, &an))
			return;
	} else
		query_upstream_failed(qr, res->status);
	query_done(qr);
}

/* on_query: returns 1 when a plugin answered (or dropped) the question; qr is then gone. */
static int
query_plugins_first(struct query *qr)
{
	struct vstats *st = qr->qc->env.st;
	struct plugin_req *pr = &qr->pr;
	enum plugin_state ps = plugin_on_query(pr);

	switch (ps) {
	case PLUGIN_PASS:
		return 0;
	case PLUGIN_DROP:
		st->dropped++;
		plugin_on_response(pr, -1, NULL, 0);
		break;
	default:
		if (pr->rcode == DNS_RCODE_REFUSED)
			st->refused++;
		else if (pr->rcode == DNS_RCODE_SERVFAIL)
			st->servfail++;
		query_error(&qr->ask, pr->rcode, pr->ede, pr->ede_text);
		if (ps == PLUGIN_REFUSE)
			pr->action = PLUGIN_A_REFUSE;
		else if (ps == PLUGIN_ERROR)
			pr->action = PLUGIN_A_SERVFAIL;
		plugin_on_response(pr, pr->rcode, NULL, 0);
		break;
	}
	query_done(qr);
	return 1;
}

struct query_ctx *
query_new(const struct query_env *env)
{
	struct query_ctx *qc = calloc(1, sizeof(*qc));

	if (qc == NULL)
		return NULL;
	qc->env = *env;
	TAILQ_INIT(&qc->pending);
	return qc;
}

void
query_free(struct query_ctx *qc)
{
	struct query *qr;

	if (qc == NULL)
		return;
	while ((qr = TAILQ_FIRST(&qc->pending)) != NULL)
		query_abandon(qr, 1);
	free(qc);
}

void
query_cancel(struct query_req *req)
{
	/* req is the copy inside a struct query: hold was only ever given that one. */
	struct query *qr = (struct query *)((char *)req - offsetof(struct query, req));

	query_abandon(qr, 0);
}

/* A parse outcome other than OK: answer (or not) and count. Returns 0. */
static int
query_reject(struct query_ctx *qc, const struct query_ask *a, enum dnswire_verdict p)
{
	struct vstats *st = qc->env.st;

	switch (p) {
	case DNSWIRE_OK:
		return 1;
	case DNSWIRE_DROP:
		st->dropped++;
		break;
	case DNSWIRE_FORMERR:
		st->formerr++;
		query_error(a, DNS_RCODE_FORMERR, -1, NULL);
		break;
	case DNSWIRE_NOTIMP:
		st->notimp++;
		query_error(a, DNS_RCODE_NOTIMP, -1, NULL);
		break;
	case DNSWIRE_BADVERS:
		st->formerr++;
		query_error(a, DNS_RCODE_BADVERS, -1, NULL);
		break;
	case DNSWIRE_REFUSED:
		st->refused++;
		query_error(a, DNS_RCODE_REFUSED, DNS_EDE_PROHIBITED,
		    "vantage: zone transfers are not served by a stub resolver");
		break;
	}
	return 0;
}

/* Who may ask, how often, and what: 1 when a->q holds a question that goes on, else 0
 * (the client was answered, or not, and the case counted). */
static int
query_admit(struct query_ctx *qc, const uint8_t *pkt, size_t len, const struct query_ask *a,
    struct dnsq *q)
{
	const struct config *cfg = *qc->env.cfg;
	struct ratelimit *rl = *qc->env.ratelimit;
	struct vstats *st = qc->env.st;
	const struct netaddr *peer = &a->req->peer;
	enum acl_action acl;

	if (a->req->tcp)
		st->queries_tcp++;
	else
		st->queries_udp++;
	if ((acl = acl_match(cfg->acl, cfg->n_acl, peer)) == ACL_DROP) {
		st->acl_dropped++;
		return 0;
	}
	/*
	 * Limited clients get nothing: an answer, even REFUSED, is what a reflector wants. So
	 * the limit comes before the ACL's refusal: exposed beyond loopback, a REFUSED with its
	 * EDE text is larger than many questions, for any spoofed source.
	 */
	if (rl && !ratelimit_allow(rl, peer, now_ms())) {
		st->ratelimited++;
		return 0;
	}
	if (acl == ACL_REFUSE) {
		st->acl_refused++;
		if (dnswire_parse_query(pkt, len, q) != DNSWIRE_DROP)
			query_error(a, DNS_RCODE_REFUSED, DNS_EDE_PROHIBITED,
			    "vantage: this resolver does not serve your address");
		return 0;
	}
	if (qc->env.recent)
		recent_query(qc->env.recent, peer);
	return query_reject(qc, a, dnswire_parse_query(pkt, len, q));
}

/*
 * Prefetch, as Unbound's: a hit on an entry with at most QUERY_PREFETCH_PERCENT of its
 * lifetime left refreshes it in the background, so that a hot name is never a miss that
 * waits on the upstream and the mirrors. Entries younger than QUERY_PREFETCH_FLOOR seconds
 * are not worth it (a CDN's 5-second TTL would double the traffic for little gain).
 */
#define QUERY_PREFETCH_PERCENT 10
#define QUERY_PREFETCH_FLOOR 10 /* s: the shortest lifetime prefetched */

/*
 * Refresh q's entry (age seconds old, ttl left) if it is due. The client was answered
 * already: nothing here delays or changes its reply. At most one prefetch per entry
 * (resolve_prefetch_claim), however often a name near expiry is asked for, and a bounded
 * number under way (RESOLVE_PREFETCH_MAX, CHECK_PREFETCH_MAX). A cross-checked name is
 * re-verified (check_prefetch): its entry is replaced only on the mirrors' agreement.
 */
static void
query_prefetch(struct query_ctx *qc, const struct dnsq *q, uint32_t age, uint32_t ttl,
    int checked)
{
	struct query_services *svc = &qc->env.svc;
	uint64_t life = (uint64_t)age + ttl;
	int rc;

	if (!(*qc->env.cfg)->cache.prefetch || life < QUERY_PREFETCH_FLOOR ||
	    (uint64_t)ttl * 100 > life * QUERY_PREFETCH_PERCENT ||
	    (checked && svc->check_prefetch == NULL) || !resolve_prefetch_claim(qc->env.res, q))
		return;
	rc = checked ? svc->check_prefetch(svc->arg, q) : resolve_prefetch(qc->env.res, q);
	if (rc == 1)
		qc->env.st->prefetches++;
}

/* Forward (or cross-check) a question the cache could not answer; qr waits for it. */
static void
query_forward(struct query *qr, int checked, const struct resolve_result *hit)
{
	struct query_ctx *qc = qr->qc;
	struct query_services *svc = &qc->env.svc;

	if (checked)
		qr->cw = svc->check_start(svc->arg, &qr->q, hit, query_checked, qr);
	else
		qr->w = resolve_start(qc->env.res, &qr->q, query_resolved, qr);
	if (qr->w == NULL && qr->cw == NULL) {
		qc->env.st->servfail++;
		query_error(&qr->ask, DNS_RCODE_SERVFAIL, DNS_EDE_NO_REACHABLE_AUTHORITY,
		    "vantage: could not forward the question");
		query_done(qr);
		return;
	}
	query_link(qr);
	query_arm_stale(qr);
}

void
query_handle(struct query_ctx *qc, const struct query_req *req, const uint8_t *pkt, size_t len)
{
	struct query_services *svc = &qc->env.svc;
	struct dnsq q;
	struct query_ask a = { req, pkt, &q };
	struct resolve_result res = { 0 };
	struct query *qr = NULL;
	int checked;

	if (!query_admit(qc, pkt, len, &a, &q))
		return;
	/* With plugins, the question gets its record now: on_query may answer it, and a
	 * plugin may make even a cache hit wait at the verdict. */
	if (svc->plugins_active(svc->arg) && (qr = query_rec_new(qc, &a)) == NULL)
		goto fail;
	if (qr && query_plugins_first(qr))
		return;
	checked = svc->check_applies(svc->arg, &q);
	if (resolve_lookup(qc->env.res, &q, &res)) {
		struct policy_decision d = { .action = ACTION_SERVE, .ede = -1 };
		struct query_answer an = { res.wire, res.len, res.age, &d, PLUGIN_O_UNCHECKED };
		if (checked) {
			if (!svc->check_cached(svc->arg, &q, &res, &d))
				goto miss;
			an.outcome = PLUGIN_O_CACHED;
			if (qc->env.recent)
				recent_note(qc->env.recent, &req->peer, &q, &d, NULL);
		}
		qc->env.st->answers_cache++;
		/* No plugin: the answer goes out with nothing allocated. */
		if (qr == NULL)
			query_respond(qc, &a, &an);
		else if (!query_finish(qr, &an))
			query_done(qr);
		query_prefetch(qc, &q, res.age, res.ttl, checked);
		return;
	}
miss:
	if (qr == NULL && (qr = query_rec_new(qc, &a)) == NULL)
		goto fail;
	query_forward(qr, checked, res.wire ? &res : NULL);
	return;
fail:
	qc->env.st->servfail++;
	query_error(&a, DNS_RCODE_SERVFAIL, -1, NULL);
}
