/* mirror/doh.c - DNS over HTTPS (RFC 8484): a client's question, answered from our resolver. */
#include "autoconf.h"

#include <event2/buffer.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "doh.h"
#include "pending.h"
#include "reply.h"
#include "request.h"
#include "resolve.h"

#define CT_DNS "application/dns-message"

struct doh {
	struct doh_env env;
};

struct doh *
doh_new(const struct doh_env *env)
{
	struct doh *d = calloc(1, sizeof(*d));

	if (d != NULL)
		d->env = *env;
	return d;
}

void
doh_free(struct doh *d)
{
	free(d);
}

/* Send a DNS message with the HTTP caching lifetime RFC 8484 section 5.1 asks for. */
static void
doh_reply(struct doh *d, struct request *req, const uint8_t *wire, size_t len,
    uint32_t max_age)
{
	struct evbuffer *b = evbuffer_new();
	char cc[32];

	if (b == NULL || evbuffer_add(b, wire, len) != 0) {
		if (b != NULL)
			evbuffer_free(b);
		reply_error(req, d->env.ident, 500, "internal", "out of memory");
		return;
	}
	snprintf(cc, sizeof(cc), "max-age=%u", max_age);
	request_header(req, "Cache-Control", cc);
	reply_send(req, d->env.ident, 200, CT_DNS, b);
	evbuffer_free(b);
}

static void
doh_error(struct doh *d, struct request *req, const uint8_t *msg,
    const struct dnsq *q, int rcode, const struct dnswire_ede *ede)
{
	uint8_t out[1024];
	size_t n = dnswire_error(out, sizeof(out), msg, q, rcode, ede);

	if (n == 0) {
		reply_error(req, d->env.ident, 400, "bad-dns-message", "cannot answer this message");
		return;
	}
	doh_reply(d, req, out, n, 0);
}

static void
doh_answer(struct doh *d, struct request *req, const uint8_t *msg,
    const struct dnsq *q, const struct resolve_result *res)
{
	static const struct dnswire_ede timeout_ede = { DNS_EDE_NO_REACHABLE_AUTHORITY,
		"upstream timeout" };
	static const struct dnswire_ede error_ede = { DNS_EDE_NETWORK_ERROR, "upstream error" };
	uint8_t *out;
	size_t n;

	if (res->status != UPSTREAM_OK) {
		doh_error(d, req, msg, q, DNS_RCODE_SERVFAIL,
		    res->status == UPSTREAM_TIMEOUT ? &timeout_ede : &error_ede);
		return;
	}
	if ((out = malloc(DNS_MAXMSG)) == NULL) {
		reply_error(req, d->env.ident, 500, "internal", "out of memory");
		return;
	}
	/* tcp = 1: HTTP has no datagram limit, so never truncate. */
	n = dnswire_answer(out, DNS_MAXMSG, res->wire, res->len, res->age, msg, q, 1, NULL);
	if (n == 0)
		doh_error(d, req, msg, q, DNS_RCODE_SERVFAIL, NULL);
	else
		doh_reply(d, req, out, n, res->ttl);
	free(out);
}

static void
doh_done(void *arg, const struct resolve_result *res)
{
	struct pending *p = arg;
	struct request *req = p->req;

	/* p's msg is needed for the answer: p goes after it, the request with the reply. */
	p->rw = NULL;
	request_on_cancel(req, NULL, NULL);
	p->req = NULL;
	doh_answer(p->arg, req, p->msg, &p->q, res);
	pending_free(p);
}

void
doh_query(struct doh *d, struct request *req, const uint8_t *msg, size_t len)
{
	struct resolve_result res;
	struct pending *p;
	struct dnsq q;

	(*d->env.queries)++;
	switch (dnswire_parse_query(msg, len, &q)) {
	case DNSWIRE_OK:
		break;
	case DNSWIRE_DROP:
		reply_error(req, d->env.ident, 400, "bad-dns-message", "not a DNS query");
		return;
	case DNSWIRE_FORMERR:
		doh_error(d, req, msg, &q, DNS_RCODE_FORMERR, NULL);
		return;
	case DNSWIRE_NOTIMP:
		doh_error(d, req, msg, &q, DNS_RCODE_NOTIMP, NULL);
		return;
	case DNSWIRE_BADVERS:
		doh_error(d, req, msg, &q, DNS_RCODE_BADVERS, NULL);
		return;
	case DNSWIRE_REFUSED:
	default:
		doh_error(d, req, msg, &q, DNS_RCODE_REFUSED, NULL);
		return;
	}
	audit_note_question(d->env.audit, &q, req->has_client ? &req->client : NULL);
	if (resolve_lookup(d->env.resolve, &q, &res)) {
		doh_answer(d, req, msg, &q, &res);
		return;
	}
	if (resolve_in_flight(d->env.resolve) >= DOH_UPSTREAM_MAX) {
		request_header(req, "Retry-After", "1");
		reply_error(req, d->env.ident, 503, "busy", "too many questions in flight upstream");
		return;
	}
	if ((p = pending_wait(d->env.pending, req, len, d->env.ident)) == NULL)
		return;
	p->arg = d;
	memcpy(p->msg, msg, len);
	p->q = q;
	if ((p->rw = resolve_start(d->env.resolve, &q, doh_done, p)) == NULL) {
		pending_free(p);
		reply_error(req, d->env.ident, 500, "internal", "cannot start the lookup");
	}
}
