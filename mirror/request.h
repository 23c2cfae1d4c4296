/* mirror/request.h - one HTTP request and its reply, whatever protocol carried it. */
#ifndef VANTAGE_MIRROR_REQUEST_H
#define VANTAGE_MIRROR_REQUEST_H

#include <event2/buffer.h>
#include <stddef.h>
#include <stdint.h>

#include "netaddr.h"

/*
 * Why: the endpoints (routes.c) were written on evhttp's request, so HTTP/2 would have
 * needed a second copy of every one. A route now sees only this: method, path, query,
 * Content-Type, body and client address in; status, a few headers and a body out, sent
 * now or later (a /dns-query waits for its upstream). The transport (http1.c, http2.c)
 * fills one in and is told, through its send hook, when the reply is ready.
 */

enum request_method { REQUEST_GET, REQUEST_POST, REQUEST_OTHER };

/* Reply headers a route may add besides Content-Type (Cache-Control, Allow, ...). */
#define REQUEST_MAX_HEADERS 6
#define REQUEST_HEADER_NAME 32
#define REQUEST_HEADER_VALUE 192

struct request;

/* What a transport does with a request. */
struct request_transport {
	/*
	 * Send the reply: status, r's headers, body (may be NULL; the transport takes its
	 * bytes, the caller keeps the evbuffer). Called at most once, never after abandon.
	 */
	void (*send)(struct request *r, int status, struct evbuffer *body);
	/* The request is freed without a reply (the route dropped it): release tctx. */
	void (*release)(struct request *r);
};

/* Called when the client has gone before the reply (HTTP/2 RST_STREAM, connection closed). */
typedef void (*request_cancel_fn)(void *arg);

struct request {
	enum request_method method;
	char *path;			/* owned */
	char *query;			/* owned; NULL when there is none */
	char *content_type;		/* owned; NULL when the client sent none */
	uint8_t *body;			/* owned; body_len bytes (NULL when empty) */
	size_t body_len;
	struct netaddr client;
	int has_client;
	struct {
		char name[REQUEST_HEADER_NAME];
		char value[REQUEST_HEADER_VALUE];
	} hdr[REQUEST_MAX_HEADERS];
	size_t n_hdr;
	const struct request_transport *t;
	void *tctx;			/* the transport's own (evhttp request, stream) */
	request_cancel_fn cancel;	/* set by a route that answers later */
	void *cancel_arg;
	int gone;			/* the client has gone: the reply is dropped */
};

/*
 * request_new - an empty request for transport t with its context tctx; method and path
 * (copied; path ends at '?', the rest is the query) set. NULL when out of memory. Free
 * by replying (request_reply), by request_drop, or through request_abandon.
 */
struct request *request_new(const struct request_transport *t, void *tctx,
    enum request_method method, const char *path);

/*
 * request_set_content_type - remember the Content-Type header's value (copied; NULL ok).
 * 0, or -1 when out of memory.
 */
int request_set_content_type(struct request *r, const char *value);

/*
 * request_set_body - take ownership of body (malloc'd, len bytes; NULL when len is 0).
 */
void request_set_body(struct request *r, uint8_t *body, size_t len);

/* request_header - add a reply header (name and value truncated to fit; extra ones ignored). */
void request_header(struct request *r, const char *name, const char *value);

/*
 * request_reply - send status and body (may be NULL; the caller keeps it) with the
 * headers added so far, then free r. When the client has gone, only frees r.
 */
void request_reply(struct request *r, int status, struct evbuffer *body);

/*
 * request_on_cancel - a route answering later says how to stop its work if the client
 * goes first: fn(arg) is called from request_abandon, and must end with request_drop.
 * fn NULL clears it (the work has finished).
 */
void request_on_cancel(struct request *r, request_cancel_fn fn, void *arg);

/*
 * request_abandon - the transport's client has gone: the transport forgets r, and r's
 * cancel hook (if any) stops the route's work and frees r; without one, r stays until
 * the route replies, and that reply is dropped.
 */
void request_abandon(struct request *r);

/* request_drop - free r without a reply (the transport's release hook runs). NULL ok. */
void request_drop(struct request *r);

#endif
