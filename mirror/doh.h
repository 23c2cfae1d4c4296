/* mirror/doh.h - DNS over HTTPS (RFC 8484): a client's question, answered from our resolver. */
#ifndef VANTAGE_MIRROR_DOH_H
#define VANTAGE_MIRROR_DOH_H

#include <stddef.h>
#include <stdint.h>

/*
 * Questions of ours in flight to the upstreams (each holds up to four sockets): 503 past
 * it, so that a client asking without end runs out of these, not of file descriptors.
 */
#define DOH_UPSTREAM_MAX 512

struct audit;
struct doh;
struct pending_list;
struct request;
struct resolve;

/* What the DoH endpoint works with. */
struct doh_env {
	const char *ident;		/* X-Vantage-Mirror value; its owner keeps it current */
	uint64_t *queries;		/* the counter of DNS questions asked */
	struct resolve *resolve;	/* our resolver and its cache */
	struct audit *audit;		/* told every question: candidates for replays */
	struct pending_list *pending;	/* where a question waits for the upstream */
};

/* doh_new - the endpoint over env (copied). NULL on allocation failure. */
struct doh *doh_new(const struct doh_env *env);

/* doh_free - accepts NULL; waiting questions are the pending list's owner's to end. */
void doh_free(struct doh *d);

/*
 * doh_query - answer req, which carries the DNS message msg (len bytes, at most
 * ROUTES_MAX_QUERY): an error in DNS (FORMERR, NOTIMP, BADVERS, REFUSED) or JSON for a
 * message that is not a query, else the answer from the cache now or from the upstream
 * later (the request then waits in the pending list), SERVFAIL with an EDE when the
 * upstream fails. msg is copied when needed.
 */
void doh_query(struct doh *d, struct request *req, const uint8_t *msg, size_t len);

#endif
