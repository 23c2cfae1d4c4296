/* resolver/httpsrv.h - what the metrics endpoint and the dashboard share: an evhttp on a TCP listener of their own. */
#ifndef VANTAGED_HTTPSRV_H
#define VANTAGED_HTTPSRV_H

#include <event2/event.h>
#include <event2/http.h>
#include <stddef.h>

#include "netaddr.h"

/* The limits and the handler of one server (evhttp's settings, with their units). */
struct httpsrv_conf {
	const char *who;		/* the log prefix: "metrics", "dashboard" */
	int methods;			/* EVHTTP_REQ_* evhttp lets through to cb */
	int timeout_s;			/* a request must arrive, and its answer leave, within this */
	size_t max_headers, max_body;	/* bytes */
	int backlog;			/* listen(2) */
	void (*cb)(struct evhttp_request *req, void *arg);
	void *arg;
};

/*
 * httpsrv_new - an evhttp on base with c's limits and handler, serving nothing yet.
 * Returns it (evhttp_free), or NULL when memory ran out (the caller says what it means).
 */
struct evhttp *httpsrv_new(struct event_base *base, const struct httpsrv_conf *c);

/*
 * httpsrv_socket - a non-blocking listening TCP socket on a (SO_REUSEADDR; IPv6 only for
 * an IPv6 address, so that a wildcard does not take IPv4 too) with c->backlog, and the
 * address it got in *bound (port 0 picks one). Returns the descriptor, or -1 after logging
 * why ("WHO: cannot listen on ADDR").
 */
int httpsrv_socket(const struct httpsrv_conf *c, const struct netaddr *a, struct netaddr *bound);

#endif
