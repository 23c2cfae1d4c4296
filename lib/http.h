/* lib/http.h - a small pipelining HTTP/1.1 client on any bufferevent (a TLS filter in practice). */
#ifndef VANTAGE_HTTP_H
#define VANTAGE_HTTP_H

/*
 * Why our own: libevent 2.1's evhttp client cannot run over a filter bufferevent (its
 * connect never completes, libevent issue #440) and never pipelines. This client sends
 * requests as they come, matches responses in order, and needs Content-Length framing
 * (or a close-delimited body); chunked responses are refused.
 */
#include <event2/bufferevent.h>
#include <stddef.h>
#include <stdint.h>

/* The most header bytes (status line + headers) a response may have. */
#define HTTP_MAX_HEADER 16384
#define HTTP_MAX_HEADERS 48

struct http_client;

struct http_header {
	char *name;
	char *value;
};

/* A response, or a failure (status 0, error set). Everything is valid during the callback. */
struct http_response {
	int status;
	const char *error;
	const struct http_header *headers;
	size_t n_headers;
	const uint8_t *body;
	size_t body_len;
};

/* Called once per request: with the response, or status 0 when the connection failed. */
typedef void (*http_response_cb)(void *arg, const struct http_response *resp);
/* Called once when the connection ends (after failing every pending request). */
typedef void (*http_close_cb)(void *arg, const char *why);

/*
 * http_client_new - take over bev (its callbacks and its lifetime: http_client_free frees
 * it). host is the Host header (copied). max_body bounds a response body (bytes).
 * Returns NULL on allocation failure (bev is then not taken).
 */
struct http_client *http_client_new(struct bufferevent *bev, const char *host, size_t max_body);

/* http_client_set_close_cb - the connection-end hook and its argument. */
void http_client_set_close_cb(struct http_client *c, http_close_cb cb, void *arg);

/*
 * http_client_request - queue a request (written at once, pipelined behind others).
 * content_type may be NULL (no body then unless len > 0). target is the request target
 * ("/dns-query?dns=..."). cb runs later, never from inside this call.
 * Returns 0, or -1 when the connection is already closed or memory ran out.
 */
int http_client_request(struct http_client *c, const char *method, const char *target,
    const char *content_type, const void *body, size_t len, http_response_cb cb, void *arg);

/*
 * http_client_request_max - the same, with this response's body bounded by max_body
 * instead of the client's (0: the client's), e.g. a large list fetched on a connection
 * whose other responses are small.
 */
int http_client_request_max(struct http_client *c, const char *method, const char *target,
    const char *content_type, const void *body, size_t len, size_t max_body,
    http_response_cb cb, void *arg);

/*
 * http_client_request_ex - the same, with an Accept header (accept, when not NULL): a DoH
 * request states the media type it takes (RFC 8484 section 4.1), also a GET that has no
 * body and so no Content-Type.
 */
int http_client_request_ex(struct http_client *c, const char *method, const char *target,
    const char *accept, const char *content_type, const void *body, size_t len,
    size_t max_body, http_response_cb cb, void *arg);

/* http_client_pending - requests sent and not yet answered. */
size_t http_client_pending(const struct http_client *c);

/* http_client_bev - the bufferevent (for timeouts); owned by c. */
struct bufferevent *http_client_bev(struct http_client *c);

/*
 * http_client_free - close the connection and free c; pending callbacks are not called.
 * Safe from inside a callback. Accepts NULL.
 */
void http_client_free(struct http_client *c);

/* http_response_header - the first header named name (case-insensitive), or NULL. */
const char *http_response_header(const struct http_response *r, const char *name);

#endif
