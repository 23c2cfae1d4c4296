/* mirror/pending.c - requests waiting for an upstream or a notary, and the caps on them. */
#include "autoconf.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "observe.h"
#include "pending.h"
#include "reply.h"
#include "request.h"
#include "resolve.h"

struct pending_list {
	TAILQ_HEAD(, pending) list;
	size_t per_client, max;
};

struct pending_list *
pending_list_new(size_t per_client, size_t max)
{
	struct pending_list *pl = calloc(1, sizeof(*pl));

	if (pl == NULL)
		return NULL;
	TAILQ_INIT(&pl->list);
	pl->per_client = per_client;
	pl->max = max;
	return pl;
}

void
pending_list_free(struct pending_list *pl)
{
	struct pending *p;

	if (pl == NULL)
		return;
	/* Normally none is left (routes_cancel_all answered them); forget any that is. */
	while ((p = TAILQ_FIRST(&pl->list)) != NULL)
		pending_free(p);
	free(pl);
}

struct pending *
pending_first(struct pending_list *pl)
{
	return TAILQ_FIRST(&pl->list);
}

/* An IPv4 address or the /64 of an IPv6 one (tag byte, then the bytes); zeros: unknown. */
static void
pending_client_key(const struct request *req, uint8_t key[9])
{
	const struct sockaddr_storage *ss = &req->client.ss;

	memset(key, 0, 9);
	if (!req->has_client)
		return;
	if (ss->ss_family == AF_INET) {
		key[0] = 4;
		memcpy(key + 1, &((const struct sockaddr_in *)ss)->sin_addr, 4);
	} else if (ss->ss_family == AF_INET6) {
		key[0] = 6;
		memcpy(key + 1, &((const struct sockaddr_in6 *)ss)->sin6_addr, 8);
	}
}

/* Room for one more waiting request of key's client? Linear, but over at most max. */
static int
pending_admit(const struct pending_list *pl, const uint8_t key[9],
    enum pending_refusal *why)
{
	const struct pending *p;
	size_t all = 0, mine = 0;

	TAILQ_FOREACH(p, &pl->list, entry) {
		all++;
		if (key[0] != 0 && memcmp(p->key, key, 9) == 0)
			mine++;
	}
	if (mine >= pl->per_client) {
		*why = PENDING_CLIENT_FULL;
		return -1;
	}
	if (all >= pl->max) {
		*why = PENDING_FULL;
		return -1;
	}
	return 0;
}

/*
 * The client went away first (an HTTP/2 stream reset, a closed connection): stop the
 * lookup or the observation. Why: a client that asks and resets at once (CVE-2023-44487,
 * "rapid reset") would otherwise leave the work running with nobody to answer.
 */
static void
pending_cancel(void *arg)
{
	struct pending *p = arg;
	struct request *req = p->req;

	/* Nobody else waiting: the upstream query stops too (it would hold its sockets). */
	if (p->rw != NULL)
		resolve_abandon(p->rw);
	if (p->oj != NULL)
		observe_cancel(p->oj);
	pending_free(p);
	request_drop(req);
}

struct pending *
pending_new(struct pending_list *pl, struct request *req, size_t msglen,
    enum pending_refusal *why)
{
	struct pending *p;
	uint8_t key[9];

	pending_client_key(req, key);
	if (pending_admit(pl, key, why) != 0)
		return NULL;
	if ((p = calloc(1, sizeof(*p) + msglen)) == NULL) {
		*why = PENDING_NOMEM;
		return NULL;
	}
	p->pl = pl;
	p->req = req;
	p->len = msglen;
	memcpy(p->key, key, sizeof(p->key));
	TAILQ_INSERT_TAIL(&pl->list, p, entry);
	request_on_cancel(req, pending_cancel, p);
	return p;
}

struct request *
pending_take(struct pending *p)
{
	struct request *req = p->req;

	request_on_cancel(req, NULL, NULL);
	p->req = NULL;
	TAILQ_REMOVE(&p->pl->list, p, entry);
	free(p);
	return req;
}

void
pending_free(struct pending *p)
{
	if (p->req != NULL)
		request_on_cancel(p->req, NULL, NULL);
	TAILQ_REMOVE(&p->pl->list, p, entry);
	free(p);
}

struct pending *
pending_wait(struct pending_list *pl, struct request *req, size_t msglen, const char *ident)
{
	enum pending_refusal why;
	struct pending *p;

	if ((p = pending_new(pl, req, msglen, &why)) != NULL)
		return p;
	if (why == PENDING_NOMEM) {
		reply_error(req, ident, 500, "internal", "out of memory");
		return NULL;
	}
	request_header(req, "Retry-After", "1");
	if (why == PENDING_CLIENT_FULL)
		reply_error(req, ident, 429, "too-many-requests",
		    "too many requests waiting for this client");
	else
		reply_error(req, ident, 503, "busy", "too many requests waiting");
	return NULL;
}
