/* resolver/query.c - one client question: parse, answer from cache or upstream, reply. */
#include "autoconf.h"

#include <stdlib.h>
#include <string.h>

#include "acl.h"
#include "check.h"
#include "dnswire.h"
#include "listen.h"
#include "log.h"
#include "plugin.h"
#include "query.h"
#include "ratelimit.h"
#include "recent.h"
#include "vutil.h"

/* A question waiting for the upstream. The client's header and question are kept so the
 * answer can carry its ID and its spelling of the name. */
struct query {
	struct vantaged *vd;
	struct query_client client;
	struct dnsq q;
	struct resolve_wait *w;		/* a plain forwarded question, or */
	struct check_wait *cw;		/* ... one cross-checked with the mirrors */
	struct query *tprev, *tnext;	/* on the TCP connection's list */
	struct query *prev, *next;	/* on the daemon's list of pending queries */
	int pending;			/* on that list (and on its TCP connection's) */
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

/* One reply at a time: the daemon is a single thread. */
static uint8_t query_out[DNS_MAXMSG + 512];

static void
query_send(struct vantaged *vd, const struct query_client *c, const uint8_t *msg, size_t len)
{
	if (len == 0)
		return;
	if (c->conn)
		tcp_conn_reply(c->conn, msg, len);
	else
		listen_udp_reply(c->udp_fd, &c->peer, &c->local, c->has_local, msg, len);
}

static void
query_error(struct vantaged *vd, const struct query_client *c, const uint8_t *wire,
    const struct dnsq *q, int rcode, int ede, const char *text)
{
	struct dnswire_ede e = { ede, text };
	size_t len = dnswire_error(query_out, sizeof(query_out), wire, q, rcode, &e);

	query_send(vd, c, query_out, len);
}

static void
query_answer(struct vantaged *vd, const struct query_client *c, const uint8_t *client_wire,
    const struct dnsq *q, const uint8_t *wire, size_t wlen, uint32_t age,
    const struct dnswire_ede *ede)
{
	size_t len = dnswire_answer(query_out, sizeof(query_out), wire, wlen, age, client_wire, q,
	    c->conn != NULL, ede);

	if (len == 0) {
		/* A stored answer we cannot re-serve is a bug, not the client's fault. */
		log_warnx(LOG_G_QUERY, "could not build an answer from a stored message");
		vd->st.servfail++;
		query_error(vd, c, client_wire, q, DNS_RCODE_SERVFAIL, -1, NULL);
		return;
	}
	if (dnswire_get16(query_out + 2) & DNS_FLAG_TC)
		vd->st.truncated++;
	query_send(vd, c, query_out, len);
}

/* Answer as the policy decided. A refusal without EDNS is still a plain REFUSED/SERVFAIL
 * (and was logged by the check). */
static void
query_respond(struct vantaged *vd, const struct query_client *c, const uint8_t *client_wire,
    const struct dnsq *q, const uint8_t *wire, size_t len, uint32_t age,
    const struct policy_decision *d)
{
	struct dnswire_ede ede = { d->ede, d->text };

	switch (d->action) {
	case ACTION_SERVE:
		query_answer(vd, c, client_wire, q, wire, len, age, NULL);
		break;
	case ACTION_SERVE_FLAG:
	case ACTION_SERVE_CONSENSUS:
		query_answer(vd, c, client_wire, q, wire, len, age, &ede);
		break;
	case ACTION_REFUSE:
		vd->st.refused++;
		query_error(vd, c, client_wire, q, DNS_RCODE_REFUSED, d->ede, d->text);
		break;
	case ACTION_SERVFAIL:
		vd->st.servfail++;
		query_error(vd, c, client_wire, q, DNS_RCODE_SERVFAIL, d->ede, d->text);
		break;
	}
}

static void
query_unlink(struct query *qr)
{
	if (!qr->pending)
		return;
	if (qr->prev)
		qr->prev->next = qr->next;
	else if (qr->vd->queries == qr)
		qr->vd->queries = qr->next;
	if (qr->next)
		qr->next->prev = qr->prev;
	qr->prev = qr->next = NULL;
	qr->pending = 0;
}

/* Put qr on the pending lists: the daemon's, and its TCP connection's (which cancels it
 * when the connection goes). */
static void
query_link(struct query *qr)
{
	struct vantaged *vd = qr->vd;

	qr->pending = 1;
	qr->next = vd->queries;
	if (vd->queries)
		vd->queries->prev = qr;
	vd->queries = qr;
	if (qr->client.conn)
		tcp_conn_attach(qr->client.conn, qr);
}

static void
query_free(struct query *qr)
{
	int pending = qr->pending;

	plugin_req_cancel(&qr->pr);
	query_unlink(qr);
	if (qr->client.conn && pending)
		tcp_conn_detach(qr->client.conn, qr);
	if (qr->stale_timer)
		event_free(qr->stale_timer);
	free(qr->awire);
	free(qr);
}

static struct query *
query_new(struct vantaged *vd, const struct query_client *c, const struct dnsq *q,
    const uint8_t *pkt)
{
	struct query *qr = calloc(1, sizeof(*qr));

	if (qr == NULL)
		return NULL;
	qr->vd = vd;
	qr->client = *c;
	qr->q = *q;
	memcpy(qr->qwire, pkt, q->qend);
	plugin_req_init(&qr->pr, vd->plugins, q, &c->peer, c->conn != NULL);
	return qr;
}

/* The reply as the chain left it, then on_response. */
static void
query_reply(struct query *qr, const uint8_t *wire, size_t len, uint32_t age)
{
	struct vantaged *vd = qr->vd;
	struct plugin_req *pr = &qr->pr;
	struct policy_decision d = { .ede = pr->ede };
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
		vd->st.dropped++;
		plugin_on_response(pr, -1, NULL, 0);
		return;
	}
	if (rcode < 0)
		rcode = len >= DNS_HDRLEN ? (dnswire_get16(wire + 2) & 0xf) : DNS_RCODE_SERVFAIL;
	query_respond(vd, &qr->client, qr->qwire, &qr->q, wire, len, age, &d);
	plugin_on_response(pr, rcode, rcode == DNS_RCODE_REFUSED || rcode == DNS_RCODE_SERVFAIL ?
	    NULL : wire, len);
}

static void
query_resumed(struct plugin_req *pr, void *arg)
{
	struct query *qr = arg;

	query_reply(qr, qr->awire, qr->alen, qr->age);
	query_free(qr);
}

/*
 * The verdict stage and the reply. qr is NULL when no plugin runs (a cache hit then needs
 * no allocation). Returns 1 when qr waits for a plugin (it stays, pending), 0 when the
 * client has its answer (the caller frees qr).
 */
static int
query_finish(struct vantaged *vd, struct query *qr, const struct query_client *c,
    const uint8_t *cwire, const struct dnsq *q, const uint8_t *wire, size_t len, uint32_t age,
    const struct policy_decision *d, enum plugin_outcome outcome)
{
	if (qr == NULL || !qr->pr.active) {
		query_respond(vd, c, cwire, q, wire, len, age, d);
		return 0;
	}
	/*
	 * A copy of the answer for the chain: the caller's bytes may not outlive a plugin's
	 * next call into the daemon (a cache hit's buffer is reused by the next lookup that
	 * env->ask makes), let alone a wait.
	 */
	if ((qr->awire = malloc(len ? len : 1)) == NULL) {
		struct policy_decision fail = { .action = ACTION_SERVFAIL, .ede = -1 };
		query_respond(vd, c, cwire, q, wire, len, age, &fail);
		return 0;
	}
	memcpy(qr->awire, wire, len);
	qr->alen = len;
	qr->age = age;
	if (plugin_on_verdict(&qr->pr, qr->awire, len, d, outcome, query_resumed, qr) !=
	    PLUGIN_WAIT) {
		query_reply(qr, qr->awire, len, age);
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
	struct vantaged *vd = qr->vd;
	struct resolve_result st;
	struct policy_decision d = { .action = ACTION_SERVE_FLAG, .ede = DNS_EDE_STALE_ANSWER };
	uint8_t *wire;
	size_t len;
	int waits;

	if (!resolve_lookup_stale(vd->res, &qr->q, &st) || (wire = malloc(st.len)) == NULL)
		return 0;
	memcpy(wire, st.wire, st.len);
	len = st.len;
	dnswire_clamp_ttls(wire, len, QUERY_STALE_TTL, QUERY_STALE_TTL);
	snprintf(d.text, sizeof(d.text), "vantage: stale answer, verified %u s ago; %s", st.age,
	    why);
	vd->st.answers_stale++;
	waits = query_finish(vd, qr, &qr->client, qr->qwire, &qr->q, wire, len, 0, &d,
	    PLUGIN_O_CACHED);
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
	struct vantaged *vd = qr->vd;
	uint64_t ms = vd->cfg->cache.stale_after_ms;
	struct timeval tv = { (time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000 };

	if (ms == 0 || qr->pr.active || !resolve_has_stale(vd->res, &qr->q))
		return;
	if ((qr->stale_timer = evtimer_new(vd->base, query_stale_timer, qr)) != NULL)
		evtimer_add(qr->stale_timer, &tv);
}

static void
query_upstream_failed(struct query *qr, enum upstream_status status)
{
	struct vantaged *vd = qr->vd;
	char name[DNS_MAXNAME * 4 + 1];

	vd->st.servfail++;
	log_info(LOG_G_QUERY, "SERVFAIL for %s: %s",
	    dnswire_name2str(qr->q.qname, qr->q.qname_len, name, sizeof(name)),
	    status == UPSTREAM_TIMEOUT ? "no upstream answered in time" : "every upstream failed");
	query_error(vd, &qr->client, qr->qwire, &qr->q, DNS_RCODE_SERVFAIL,
	    DNS_EDE_NO_REACHABLE_AUTHORITY,
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
	struct vantaged *vd = qr->vd;
	int stale;

	qr->w = NULL; /* resolve frees the waiter after we return */
	if (qr->answered) { /* served stale already; the cache is refreshed all the same */
		query_free(qr);
		return;
	}
	if (res->status == UPSTREAM_OK) {
		struct policy_decision d = { .action = ACTION_SERVE, .ede = -1 };
		vd->st.answers_upstream++;
		if (query_finish(vd, qr, &qr->client, qr->qwire, &qr->q, res->wire, res->len,
			res->age, &d, PLUGIN_O_UNCHECKED))
			return;
	} else if ((stale = query_serve_stale(qr, query_failure_text(res->status))) == 2)
		return;
	else if (!stale)
		query_upstream_failed(qr, res->status);
	query_free(qr);
}

static void
query_checked(void *arg, const struct check_result *res)
{
	struct query *qr = arg;
	struct vantaged *vd = qr->vd;
	int stale;

	qr->cw = NULL; /* check frees the waiter after we return */
	if (qr->answered) { /* served stale already; the verdict is cached all the same */
		query_free(qr);
		return;
	}
	/* An upstream that answered SERVFAIL failed as much as one that did not answer. */
	if ((res->status != UPSTREAM_OK || query_is_servfail(res->wire, res->len)) &&
	    (stale = query_serve_stale(qr, query_failure_text(res->status))) != 0) {
		if (stale == 1)
			query_free(qr);
		return;
	}
	if (res->status == UPSTREAM_OK) {
		vd->st.answers_upstream++;
		recent_note(vd->recent, &qr->client.peer, &qr->q, &res->decision, res);
		if (query_finish(vd, qr, &qr->client, qr->qwire, &qr->q, res->wire, res->len,
			res->age, &res->decision, query_outcome(res)))
			return;
	} else
		query_upstream_failed(qr, res->status);
	query_free(qr);
}

/* on_query: returns 1 when a plugin answered (or dropped) the question; qr is then gone. */
static int
query_plugins_first(struct query *qr)
{
	struct vantaged *vd = qr->vd;
	struct plugin_req *pr = &qr->pr;
	enum plugin_state st = plugin_on_query(pr);

	switch (st) {
	case PLUGIN_PASS:
		return 0;
	case PLUGIN_DROP:
		vd->st.dropped++;
		plugin_on_response(pr, -1, NULL, 0);
		break;
	default:
		if (pr->rcode == DNS_RCODE_REFUSED)
			vd->st.refused++;
		else if (pr->rcode == DNS_RCODE_SERVFAIL)
			vd->st.servfail++;
		query_error(vd, &qr->client, qr->qwire, &qr->q, pr->rcode, pr->ede, pr->ede_text);
		if (st == PLUGIN_REFUSE)
			pr->action = PLUGIN_A_REFUSE;
		else if (st == PLUGIN_ERROR)
			pr->action = PLUGIN_A_SERVFAIL;
		plugin_on_response(pr, pr->rcode, NULL, 0);
		break;
	}
	query_free(qr);
	return 1;
}

void
query_shutdown(struct vantaged *vd)
{
	while (vd->queries) {
		struct query *qr = vd->queries;
		resolve_cancel(qr->w);
		check_cancel(qr->cw);
		qr->w = NULL;
		qr->cw = NULL;
		query_free(qr);
	}
}

void
query_cancel(struct query *qr)
{
	query_unlink(qr);
	resolve_cancel(qr->w);
	check_cancel(qr->cw);
	plugin_req_cancel(&qr->pr);
	qr->client.conn = NULL; /* the connection is already taking us off its list */
	if (qr->stale_timer)
		event_free(qr->stale_timer);
	free(qr->awire);
	free(qr);
}

/* Who may ask, how often, and what: the question in q and 1 when it goes on, else 0 (the
 * client was answered, or not, and the case counted). */
static int
query_admit(struct vantaged *vd, const uint8_t *pkt, size_t len, const struct query_client *c,
    struct dnsq *qp)
{
	struct dnsq q;
	enum acl_action acl;

	if (c->conn)
		vd->st.queries_tcp++;
	else
		vd->st.queries_udp++;
	if ((acl = acl_match(vd->cfg->acl, vd->cfg->n_acl, &c->peer)) == ACL_DROP) {
		vd->st.acl_dropped++;
		return 0;
	}
	/*
	 * Limited clients get nothing: an answer, even REFUSED, is what a reflector wants. So
	 * the limit comes before the ACL's refusal: exposed beyond loopback, a REFUSED with its
	 * EDE text is larger than many questions, for any spoofed source.
	 */
	if (vd->ratelimit && !ratelimit_allow(vd->ratelimit, &c->peer, now_ms())) {
		vd->st.ratelimited++;
		return 0;
	}
	if (acl == ACL_REFUSE) {
		vd->st.acl_refused++;
		if (dnswire_parse_query(pkt, len, &q) != DNSWIRE_DROP)
			query_error(vd, c, pkt, &q, DNS_RCODE_REFUSED, DNS_EDE_PROHIBITED,
			    "vantage: this resolver does not serve your address");
		return 0;
	}
	recent_query(vd->recent, &c->peer);
	switch (dnswire_parse_query(pkt, len, &q)) {
	case DNSWIRE_OK:
		break;
	case DNSWIRE_DROP:
		vd->st.dropped++;
		return 0;
	case DNSWIRE_FORMERR:
		vd->st.formerr++;
		query_error(vd, c, pkt, &q, DNS_RCODE_FORMERR, -1, NULL);
		return 0;
	case DNSWIRE_NOTIMP:
		vd->st.notimp++;
		query_error(vd, c, pkt, &q, DNS_RCODE_NOTIMP, -1, NULL);
		return 0;
	case DNSWIRE_BADVERS:
		vd->st.formerr++;
		query_error(vd, c, pkt, &q, DNS_RCODE_BADVERS, -1, NULL);
		return 0;
	case DNSWIRE_REFUSED:
		vd->st.refused++;
		query_error(vd, c, pkt, &q, DNS_RCODE_REFUSED, DNS_EDE_PROHIBITED,
		    "vantage: zone transfers are not served by a stub resolver");
		return 0;
	}
	*qp = q;
	return 1;
}

void
query_handle(struct vantaged *vd, const uint8_t *pkt, size_t len, const struct query_client *c)
{
	struct dnsq q;
	struct resolve_result res = { 0 };
	struct query *qr = NULL;
	int checked;

	if (!query_admit(vd, pkt, len, c, &q))
		return;
	/* With plugins, the question gets its record now: on_query may answer it, and a
	 * plugin may make even a cache hit wait at the verdict. */
	if (plugin_active(vd->plugins) && (qr = query_new(vd, c, &q, pkt)) == NULL) {
		vd->st.servfail++;
		query_error(vd, c, pkt, &q, DNS_RCODE_SERVFAIL, -1, NULL);
		return;
	}
	if (qr && query_plugins_first(qr))
		return;
	checked = check_applies(vd->checks, &q);
	if (resolve_lookup(vd->res, &q, &res)) {
		struct policy_decision d = { .action = ACTION_SERVE, .ede = -1 };
		enum plugin_outcome outcome = PLUGIN_O_UNCHECKED;
		if (checked) {
			if (!check_cached(vd->checks, &q, &res, &d))
				goto miss;
			outcome = PLUGIN_O_CACHED;
			recent_note(vd->recent, &c->peer, &q, &d, NULL);
		}
		vd->st.answers_cache++;
		if (!query_finish(vd, qr, c, pkt, &q, res.wire, res.len, res.age, &d, outcome) &&
		    qr)
			query_free(qr);
		return;
	}
miss:
	if (qr == NULL && (qr = query_new(vd, c, &q, pkt)) == NULL) {
		vd->st.servfail++;
		query_error(vd, c, pkt, &q, DNS_RCODE_SERVFAIL, -1, NULL);
		return;
	}
	if (checked)
		qr->cw = check_start(vd->checks, &q, res.wire ? &res : NULL, query_checked, qr);
	else
		qr->w = resolve_start(vd->res, &q, query_resolved, qr);
	if (qr->w == NULL && qr->cw == NULL) {
		vd->st.servfail++;
		query_error(vd, c, pkt, &q, DNS_RCODE_SERVFAIL, DNS_EDE_NO_REACHABLE_AUTHORITY,
		    "vantage: could not forward the question");
		query_free(qr);
		return;
	}
	query_link(qr);
	query_arm_stale(qr);
}

void
query_tcp_link(struct query **head, struct query *q)
{
	q->tprev = NULL;
	q->tnext = *head;
	if (*head)
		(*head)->tprev = q;
	*head = q;
}

void
query_tcp_unlink(struct query **head, struct query *q)
{
	if (q->tprev)
		q->tprev->tnext = q->tnext;
	else if (*head == q)
		*head = q->tnext;
	if (q->tnext)
		q->tnext->tprev = q->tprev;
	q->tprev = q->tnext = NULL;
}

struct query *
query_tcp_next(struct query *q)
{
	return q->tnext;
}
