/* mirror/routes.h - the protocol's endpoints (doc/mirror-protocol.md) on evhttp. */
#ifndef VANTAGE_MIRROR_ROUTES_H
#define VANTAGE_MIRROR_ROUTES_H

#include <event2/http.h>
#include <stddef.h>
#include <stdint.h>

struct server;

/* The largest DNS message a request may carry (RFC 1035 over TCP / RFC 8484). */
#define ROUTES_MAX_DNS 65535

/* routes_dispatch - evhttp's generic callback; arg is the struct server. */
void routes_dispatch(struct evhttp_request *req, void *arg);

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
