/* mirror/guard.h - slow and greedy clients: connections per address, handshake and request deadlines. */
#ifndef VANTAGE_MIRROR_GUARD_H
#define VANTAGE_MIRROR_GUARD_H

#include <event2/bufferevent.h>
#include <event2/event.h>
#include <stdint.h>

#include "mirror_config.h"
#include "netaddr.h"
#include "tls.h"

struct guard;
struct guard_conn;

/* What the guard has done, for /v1/health and the log. */
struct guard_stats {
	uint64_t refused;		/* connections over max_per_address */
	uint64_t handshake_timeouts;
	uint64_t header_timeouts;
	uint64_t body_timeouts;
};

/*
 * guard_new - the guard of one server on base, with a copy of limits (max_per_address
 * and the three deadlines). Never NULL (allocation failure is fatal at start-up).
 */
struct guard *guard_new(struct event_base *base, const struct mirror_limits *limits);

/* guard_set_limits - new limits (reload); open connections get them at their next phase. */
void guard_set_limits(struct guard *g, const struct mirror_limits *limits);

/* guard_stats - the counters so far. */
const struct guard_stats *guard_stats(const struct guard *g);

/*
 * guard_free - forget the table and stop every connection's timers; connections still
 * open keep their guard_conn until guard_conn_free (from the TLS free hook, which libevent
 * may run after this). Accepts NULL.
 */
void guard_free(struct guard *g);

/*
 * guard_conn_new - watch a connection evhttp has just accepted: bev is the TLS filter
 * that server_bevcb made (the socket is set by evhttp right after). In this loop turn,
 * before any byte is read, its peer address is counted; past max_per_address for its
 * IPv4 address or IPv6 /64 it is closed at once. Then the TLS handshake must finish
 * within handshake_timeout (see guard_conn_up), each request's headers within
 * header_timeout of its first byte, its body within body_timeout of the headers' end
 * (Content-Length or chunked framing); otherwise the connection is closed. Returns the
 * watch, owned by the connection: pass it as the argument of the TLS hooks and free it
 * with guard_conn_free from the free hook.
 */
struct guard_conn *guard_conn_new(struct guard *g, struct bufferevent *bev);

/* guard_conn_up - the TLS handshake-done hook (tls_done_cb), arg being the guard_conn. */
void guard_conn_up(struct tls_conn *conn, void *arg);

/*
 * guard_conn_h2 - the connection speaks HTTP/2 (ALPN h2): stop reading it as HTTP/1.1
 * and stop its handshake deadline; http2.c applies header_timeout and body_timeout per
 * stream and reports misses with guard_conn_timeout. NULL ok.
 */
void guard_conn_h2(struct guard_conn *gc);

/* guard_conn_timeout - count an HTTP/2 stream's missed deadline (body: 1, headers: 0). */
void guard_conn_timeout(struct guard_conn *gc, int body);

/* guard_conn_peer - the connection's peer address into *peer: 0, or -1 when not known. */
int guard_conn_peer(const struct guard_conn *gc, struct netaddr *peer);

/* guard_conn_free - the connection is going away: uncount it, free the watch. NULL ok. */
void guard_conn_free(struct guard_conn *gc);

#endif
