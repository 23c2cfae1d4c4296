/* resolver/listen.h - UDP and TCP listeners, and the TCP connections they accept. */
#ifndef VANTAGED_LISTEN_H
#define VANTAGED_LISTEN_H

#include <stddef.h>
#include <stdint.h>

#include "netaddr.h"

struct config;
struct event_base;
struct listen_ctx;
struct tcp_admit;
struct query_ctx;
struct vstats;

/* What the listeners are given: data, then the service questions go to. */
struct listen_env {
	struct event_base *base;
	struct config *const *cfg;	/* the daemon's current-config slot */
	struct vstats *st;
	struct query_ctx *query;	/* may be set later: listen_set_query */
	int reuseport;			/* SO_REUSEPORT: worker loops share the addresses */
	const struct listen_ctx *like;	/* a worker's: bind what this one bound (or NULL) */
	struct tcp_admit *admit;	/* the instance's TCP limits, shared by every loop; NULL:
					 * this context keeps its own */
};

/*
 * listen_new - bind UDP and TCP on every configured address. Port 0 picks one free port
 * used for both. Logs "listen: bound ADDR (udp+tcp)" per address. env is copied. Returns
 * the listeners, or NULL after logging why (nothing stays open then).
 */
struct listen_ctx *listen_new(const struct listen_env *env);

/*
 * listen_set_query - where questions go. The sockets are bound before privileges drop,
 * the query path is built after: questions arrive only once the event loop runs.
 */
void listen_set_query(struct listen_ctx *ls, struct query_ctx *query);

/* listen_free - close every listener and TCP connection (held questions are cancelled).
 * Accepts NULL. */
void listen_free(struct listen_ctx *ls);

/* listen_same - whether the configured addresses equal the bound ones (reload check). */
int listen_same(const struct listen_ctx *ls, const struct config *cfg);

/* listen_bound - the i-th bound address (for status output); NULL past the end. */
const struct netaddr *listen_bound(const struct listen_ctx *ls, size_t i);

#endif
