/* mirror/server.h - the mirror's HTTPS server: listeners, TLS, evhttp, shared state. */
#ifndef VANTAGE_MIRROR_SERVER_H
#define VANTAGE_MIRROR_SERVER_H

#include <event2/event.h>
#include <event2/http.h>
#include <event2/listener.h>
#include <stdint.h>
#include <sys/queue.h>

#include "mirror_config.h"
#include "netaddr.h"
#include "resolve.h"
#include "tls.h"

struct reports;
struct observe;
struct pending;
struct peers;
struct reputation;
struct audit;
struct guard;

/* Counters for /v1/health and the log. */
struct server_stats {
	uint64_t connections;	/* accepted in all */
	uint64_t requests;
	uint64_t dns_queries;
	uint64_t reports;
	uint64_t observes;
};

struct server {
	struct event_base *base;
	struct mirror_config *cfg;		/* owned; replaced on reload */
	struct tls_ctx *tls;
	struct evhttp *http;
	struct evconnlistener *listeners[MIRROR_MAX_LISTEN];
	struct netaddr bound[MIRROR_MAX_LISTEN];
	size_t n_listeners;
	size_t n_conns;				/* open client connections */
	int paused;				/* listeners off at max_connections */
	int accept_backoff;			/* listeners off: accept() ran out of fds */
	struct event *accept_timer;		/* ends accept_backoff */
	uint64_t accept_errors;			/* backoffs since the last log line */
	uint64_t accept_logged_ms;
	struct resolve *resolve;
	struct reports *reports;
	struct event *save_timer;
	struct observe *observe;
	struct peers *peers;			/* the mirror network (peers.c) */
	struct reputation *rep;			/* what we think of each peer */
	struct audit *audit;			/* replays, audits, votes and their timer */
	struct replay *replay;			/* questions fit to replay (owned by audit) */
	struct guard *guard;			/* per-address caps, handshake/request deadlines */
	TAILQ_HEAD(, pending) pending;		/* requests waiting for DNS or a notary job */
	char id_hex[TLS_SHA256_HEX];
	char mirror_header[160];		/* X-Vantage-Mirror value */
	uint64_t started_ms;
	struct server_stats stats;
};

/*
 * server_new - bind every listener of cfg, load the TLS key, open the report state and
 * start serving on base. Takes ownership of cfg on success. Returns NULL with err set.
 */
struct server *server_new(struct event_base *base, struct mirror_config *cfg, char *err,
    size_t errlen);

/*
 * server_reload - apply a new configuration (SIGHUP): TLS key, upstreams, limits, peers,
 * region, observe settings. Listener changes need a restart (logged). Takes ownership of
 * cfg on success; on failure returns -1 with err set and the old configuration stays.
 */
int server_reload(struct server *s, struct mirror_config *cfg, char *err, size_t errlen);

/* server_save - write the report tallies, peers and reputation if they changed. */
void server_save(struct server *s);

/* server_free - answer waiting requests with 503, save reports, close all; accepts NULL. */
void server_free(struct server *s);

/* server_schedule_save - save the state files soon (coalesces bursts of changes). */
void server_schedule_save(struct server *s);

#endif
