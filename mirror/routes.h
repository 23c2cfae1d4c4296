/* mirror/routes.h - the protocol's endpoints (doc/mirror-protocol.md), for HTTP/1.1 and HTTP/2 alike. */
#ifndef VANTAGE_MIRROR_ROUTES_H
#define VANTAGE_MIRROR_ROUTES_H

#include <stddef.h>
#include <stdint.h>

struct audit;
struct guard;
struct mirror_config;
struct netaddr;
struct observe;
struct peers;
struct replica;
struct reports;
struct reputation;
struct request;
struct resolve;
struct routes;

/* The mirror's counters: the server counts connections, the routes the rest. */
struct routes_stats {
	uint64_t connections;	/* accepted in all */
	uint64_t requests;
	uint64_t dns_queries;
	uint64_t reports;
	uint64_t observes;
	size_t open;		/* client connections open now */
	uint64_t started_ms;	/* monotonic, for the uptime */
};

/*
 * What the endpoints work with: the configuration slot and what the server owns, then
 * every service they answer from. save (may be NULL) has the state files written soon.
 */
struct routes_env {
	struct mirror_config *const *cfg;	/* the mirror's current-config slot (reloads swap it) */
	const struct netaddr *bound;		/* our first bound listener: /v1/mirrors' own entry
						 * when the configuration has no address */
	struct routes_stats *st;
	struct resolve *resolve;
	struct reports *reports;
	struct reputation *rep;
	struct peers *peers;
	struct audit *audit;
	struct observe *observe;
	struct guard *guard;
	struct replica *replica;		/* NULL: no shared: (its /v1/health says "off") */
	void (*save)(void *arg);
	void *save_arg;
};

/* The largest DNS message a request may carry (RFC 1035 over TCP / RFC 8484). */
#define ROUTES_MAX_DNS 65535
/*
 * The largest DNS query /dns-query takes (bytes; 413 for POST, 414 for GET past it). A
 * query is one question and an OPT record, RFC 8467 padding takes it to 128 bytes: a
 * bigger one is only there to be held (with its copy) while its upstream answers.
 */
#define ROUTES_MAX_QUERY 4096
/*
 * Requests waiting for an upstream or a notary: per client (an IPv4 address or an IPv6
 * /64; 256 is what one vantaged may have in flight to a mirror: 8 lanes of 32) and over
 * all clients; 429 and 503 past them (pending.c). Why: a client that makes the lookups
 * outlive their streams (CVE-2025-8671) or simply asks without end must run out of
 * these, not of file descriptors. Questions of ours in flight upstream: DOH_UPSTREAM_MAX.
 */
#define ROUTES_PENDING_PER_CLIENT 256
#define ROUTES_PENDING_MAX 4096

/* routes_new - the endpoints over env (copied). NULL on allocation failure. */
struct routes *routes_new(const struct routes_env *env);

/* routes_free - answers every waiting request with 503 first; accepts NULL. */
void routes_free(struct routes *rt);

/* routes_reconfigure - take the identity (id, region) of a reloaded configuration. */
void routes_reconfigure(struct routes *rt);

/*
 * routes_handle - answer req (from http1.c or http2.c): now, or later for a lookup or an
 * observation (the request is then owned by the route until it replies; a client that
 * leaves first cancels the work through request_abandon).
 */
void routes_handle(struct routes *rt, struct request *req);

/*
 * routes_fail - answer req with an error in the protocol's JSON shape
 * ({"error":..., "detail":...}), as the routes do; for transports refusing a request
 * themselves (an HTTP/2 body over limits.max_body). Frees req.
 */
void routes_fail(struct routes *rt, struct request *req, int code, const char *error,
    const char *detail);

/* routes_cancel_all - answer every waiting request with 503 (shutdown). */
void routes_cancel_all(struct routes *rt);

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
