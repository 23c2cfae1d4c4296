/* mirror/routes.h - the protocol's endpoints (doc/mirror-protocol.md), for HTTP/1.1 and HTTP/2 alike. */
#ifndef VANTAGE_MIRROR_ROUTES_H
#define VANTAGE_MIRROR_ROUTES_H

#include <stddef.h>
#include <stdint.h>

struct server;
struct request;

/* The largest DNS message a request may carry (RFC 1035 over TCP / RFC 8484). */
#define ROUTES_MAX_DNS 65535

/*
 * routes_handle - answer req (from http1.c or http2.c) on server s: now, or later for a
 * lookup or an observation (the request is then owned by the route until it replies; a
 * client that leaves first cancels the work through request_abandon).
 */
void routes_handle(struct server *s, struct request *req);

/*
 * routes_fail - answer req with an error in the protocol's JSON shape
 * ({"error":..., "detail":...}), as the routes do; for transports refusing a request
 * themselves (an HTTP/2 body over limits.max_body). Frees req.
 */
void routes_fail(struct server *s, struct request *req, int code, const char *error,
    const char *detail);

/* routes_cancel_all - answer every waiting request with 503 (shutdown). */
void routes_cancel_all(struct server *s);

/*
 * routes_content_type_is - whether a Content-Type header value names type (parameters
 * after ';' and surrounding blanks ignored, case-insensitive). NULL value: no.
 */
int routes_content_type_is(const char *value, const char *type);

/*
 * routes_dns_param - the DNS message of a GET request's query string ("dns=<base64url>"
 * among other parameters) into out (cap bytes). Returns its length, or -1 with a reason
 * in *why (static text) for a missing, repeated or undecodable parameter.
 */
long routes_dns_param(const char *query, uint8_t *out, size_t cap, const char **why);

#endif
