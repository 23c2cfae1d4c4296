/* resolver/query.c - one client question: parse, answer from cache or upstream, reply. */
#include "autoconf.h"

#include <stdlib.h>
#include <string.h>

#include "acl.h"
#include "check.h"
#include "dnswire.h"
#include "listen.h"
#include "log.h"
#include "query.h"
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
	uint8_t qwire[DNS_HDRLEN + DNS_MAXNAME + 4];
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
	if (qr->prev)
		qr->prev->next = qr->next;
	else if (qr->vd->queries == qr)
		qr->vd->queries = qr->next;
	if (qr->next)
		qr->next->prev = qr->prev;
	qr->prev = qr->next = NULL;
}

static void
query_free(struct query *qr)
{
	query_unlink(qr);
	if (qr->client.conn)
		tcp_conn_detach(qr->client.conn, qr);
	free(qr);
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
}

static void
query_resolved(void *arg, const struct resolve_result *res)
{
	struct query *qr = arg;
	struct vantaged *vd = qr->vd;

	qr->w = NULL; /* resolve frees the waiter after we return */
	if (res->status == UPSTREAM_OK) {
		vd->st.answers_upstream++;
		query_answer(vd, &qr->client, qr->qwire, &qr->q, res->wire, res->len, res->age, NULL);
	} else
		query_upstream_failed(qr, res->status);
	query_free(qr);
}

static void
query_checked(void *arg, const struct check_result *res)
{
	struct query *qr = arg;
	struct vantaged *vd = qr->vd;

	qr->cw = NULL; /* check frees the waiter after we return */
	if (res->status == UPSTREAM_OK) {
		vd->st.answers_upstream++;
		query_respond(vd, &qr->client, qr->qwire, &qr->q, res->wire, res->len, res->age,
		    &res->decision);
	} else
		query_upstream_failed(qr, res->status);
	query_free(qr);
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
	qr->client.conn = NULL; /* the connection is already taking us off its list */
	free(qr);
}

void
query_handle(struct vantaged *vd, const uint8_t *pkt, size_t len, const struct query_client *c)
{
	struct dnsq q;
	struct resolve_result res = { 0 };
	struct query *qr;
	int checked;

	if (c->conn)
		vd->st.queries_tcp++;
	else
		vd->st.queries_udp++;
	switch (acl_match(vd->cfg->acl, vd->cfg->n_acl, &c->peer)) {
	case ACL_ALLOW:
		break;
	case ACL_DROP:
		vd->st.acl_dropped++;
		return;
	case ACL_REFUSE:
		vd->st.acl_refused++;
		if (dnswire_parse_query(pkt, len, &q) != DNSWIRE_DROP)
			query_error(vd, c, pkt, &q, DNS_RCODE_REFUSED, DNS_EDE_PROHIBITED,
			    "vantage: this resolver does not serve your address");
		return;
	}
	/* Limited clients get nothing: an answer, even REFUSED, is what a reflector wants. */
	if (vd->ratelimit && !ratelimit_allow(vd->ratelimit, &c->peer, now_ms())) {
		vd->st.ratelimited++;
		return;
	}
	switch (dnswire_parse_query(pkt, len, &q)) {
	case DNSWIRE_OK:
		break;
	case DNSWIRE_DROP:
		vd->st.dropped++;
		return;
	case DNSWIRE_FORMERR:
		vd->st.formerr++;
		query_error(vd, c, pkt, &q, DNS_RCODE_FORMERR, -1, NULL);
		return;
	case DNSWIRE_NOTIMP:
		vd->st.notimp++;
		query_error(vd, c, pkt, &q, DNS_RCODE_NOTIMP, -1, NULL);
		return;
	case DNSWIRE_BADVERS:
		vd->st.formerr++;
		query_error(vd, c, pkt, &q, DNS_RCODE_BADVERS, -1, NULL);
		return;
	case DNSWIRE_REFUSED:
		vd->st.refused++;
		query_error(vd, c, pkt, &q, DNS_RCODE_REFUSED, DNS_EDE_PROHIBITED,
		    "vantage: zone transfers are not served by a stub resolver");
		return;
	}
	checked = check_applies(vd, &q);
	if (resolve_lookup(vd->res, &q, &res)) {
		struct policy_decision d;
		if (!checked) {
			vd->st.answers_cache++;
			query_answer(vd, c, pkt, &q, res.wire, res.len, res.age, NULL);
			return;
		}
		if (check_cached(vd, &q, &res, &d)) {
			vd->st.answers_cache++;
			query_respond(vd, c, pkt, &q, res.wire, res.len, res.age, &d);
			return;
		}
	}
	if ((qr = calloc(1, sizeof(*qr))) == NULL) {
		vd->st.servfail++;
		query_error(vd, c, pkt, &q, DNS_RCODE_SERVFAIL, -1, NULL);
		return;
	}
	qr->vd = vd;
	qr->client = *c;
	qr->q = q;
	memcpy(qr->qwire, pkt, q.qend);
	if (checked)
		qr->cw = check_start(vd, &q, res.wire ? &res : NULL, query_checked, qr);
	else
		qr->w = resolve_start(vd->res, &q, query_resolved, qr);
	if (qr->w == NULL && qr->cw == NULL) {
		free(qr);
		vd->st.servfail++;
		query_error(vd, c, pkt, &q, DNS_RCODE_SERVFAIL, DNS_EDE_NO_REACHABLE_AUTHORITY,
		    "vantage: could not forward the question");
		return;
	}
	qr->next = vd->queries;
	if (vd->queries)
		vd->queries->prev = qr;
	vd->queries = qr;
	if (c->conn)
		tcp_conn_attach(c->conn, qr);
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
