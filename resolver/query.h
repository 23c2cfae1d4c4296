/* resolver/query.h - one client question: parse, answer from cache or upstream, reply. */
#ifndef VANTAGED_QUERY_H
#define VANTAGED_QUERY_H

#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

#include "netaddr.h"

struct check_result;
struct check_wait;
struct config;
struct dnsq;
struct event_base;
struct plugin_req;
struct policy_decision;
struct query_ctx;
struct query_req;
struct ratelimit;
struct recent;
struct resolve;
struct resolve_result;
struct vstats;

/*
 * Where answers go: the transport that read the question (listen.c) provides one per
 * socket or connection. query.c answers only through it and knows nothing else of the
 * transport.
 */
struct query_sink {
	/* send - one answer msg[0..len) to req's client, now (the bytes are not kept). */
	void (*send)(const struct query_req *req, const uint8_t *msg, size_t len);
	/*
	 * hold / release - req waits (for the upstream, the mirrors or a plugin) and is done
	 * waiting. Between the two the transport may take it back with query_cancel(), and
	 * must, before its connection goes. NULL when the transport does not care (UDP).
	 */
	void (*hold)(struct query_req *req);
	void (*release)(struct query_req *req);
};

/*
 * One client question as the transport hands it over: who asked and where the answer
 * goes. query_handle copies it; a waiting question's copy is what hold/release see.
 */
struct query_req {
	struct netaddr peer;		/* the client */
	struct netaddr local;		/* UDP on a wildcard address: where it arrived */
	int has_local;
	int tcp;			/* came over TCP: the answer may be long */
	const struct query_sink *sink;
	void *sink_arg;			/* the transport's: its socket or connection */
	TAILQ_ENTRY(query_req) held;	/* the transport's list while held */
};

/*
 * The services a question uses that are other modules' (check.c, plugin.c), as function
 * pointers so the query path can be tested alone. Each gets arg back.
 */
struct query_services {
	void *arg;
	/* check_applies: whether q is cross-checked. */
	int (*check_applies)(void *arg, const struct dnsq *q);
	/* check_cached: a live verdict on exactly this cache hit (fills d): 1, else 0. */
	int (*check_cached)(void *arg, const struct dnsq *q, const struct resolve_result *hit,
	    struct policy_decision *d);
	/* check_start: cross-check q (local: a cache hit to judge, or NULL); cb runs once. */
	struct check_wait *(*check_start)(void *arg, const struct dnsq *q,
	    const struct resolve_result *local,
	    void (*cb)(void *cbarg, const struct check_result *res), void *cbarg);
	/* check_cancel: the waiter leaves. */
	void (*check_cancel)(struct check_wait *w);
	/* plugins_active: whether the plugin chain runs. */
	int (*plugins_active)(void *arg);
	/* plugin_req_init: pr for q from peer (tcp: over TCP). */
	void (*plugin_req_init)(void *arg, struct plugin_req *pr, const struct dnsq *q,
	    const struct netaddr *peer, int tcp);
	/* check_prefetch: re-verify q in the background (1 started, 0 under way, -1 not);
	 * NULL: cross-checked names are never prefetched. */
	int (*check_prefetch)(void *arg, const struct dnsq *q);
};

/* What the query path is given: data, then services. */
struct query_env {
	struct event_base *base;
	struct config *const *cfg;	/* the daemon's current-config slot */
	struct vstats *st;
	struct ratelimit *const *ratelimit; /* the daemon's slot; NULL inside when off */
	struct resolve *res;		/* the upstream and the answer cache */
	struct recent *recent;		/* the dashboard's recent activity, or NULL */
	struct query_services svc;
};

/* query_new - the query path's state; env is copied. NULL when out of memory. */
struct query_ctx *query_new(const struct query_env *env);

/* query_free - drop every pending question without answering (stopping), then free qc.
 * Accepts NULL. */
void query_free(struct query_ctx *qc);

/*
 * query_handle - answer the message pkt[0..len) that req's client sent: at once from the
 * cache or with an error, or later when the upstream answers; always through req->sink.
 * Never fails: malformed input is answered with FORMERR or dropped, and counted.
 */
void query_handle(struct query_ctx *qc, const struct query_req *req, const uint8_t *pkt,
    size_t len);

/*
 * query_cancel - forget a held question without answering (its connection goes). req is
 * the one hold was given; release is not called for it.
 */
void query_cancel(struct query_req *req);

#endif
