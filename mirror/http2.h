/* mirror/http2.h - HTTP/2 connections (nghttp2): every stream into the routes, concurrently. */
#ifndef VANTAGE_MIRROR_HTTP2_H
#define VANTAGE_MIRROR_HTTP2_H

#include <event2/bufferevent.h>

struct event_base;
struct guard_conn;
struct http2_conn;
struct mirror_config;
struct routes;

/* What an HTTP/2 connection works with (copied into each). */
struct http2_env {
	struct event_base *base;
	struct mirror_config *const *cfg;	/* the mirror's current-config slot: limits */
	struct routes *routes;			/* where each stream's request goes */
};

/* At most this many streams open at once per connection (SETTINGS_MAX_CONCURRENT_STREAMS). */
#define HTTP2_MAX_STREAMS 100

/*
 * http2_conn_new - serve HTTP/2 on bev, a TLS connection that evhttp accepted and whose
 * handshake chose "h2" (call it from the TLS ready hook, before any application data is
 * read). Takes over bev's callbacks from evhttp and gives them back, with an end-of-file
 * event, when the connection is to close: evhttp keeps owning bev, so the connection is
 * counted, limited and freed exactly as an HTTP/1.1 one. gc (may be NULL) counts its
 * deadline misses. Returns the connection, freed with http2_conn_free from the TLS free
 * hook; NULL when out of memory (the caller closes bev).
 */
struct http2_conn *http2_conn_new(const struct http2_env *env, struct bufferevent *bev,
    struct guard_conn *gc);

/*
 * http2_conn_free - bev is being freed: stop every stream's work and free the
 * connection. Touches neither bev nor the server (it may run after both are gone).
 * Accepts NULL.
 */
void http2_conn_free(struct http2_conn *c);

#endif
