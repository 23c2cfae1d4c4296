/* mirror/pending.h - requests waiting for an upstream or a notary, and the caps on them. */
#ifndef VANTAGE_MIRROR_PENDING_H
#define VANTAGE_MIRROR_PENDING_H

#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

#include "dnswire.h"
#include "netaddr.h"

struct observe_job;
struct request;
struct resolve_wait;

/* A request answered later: by the resolver or by the notary. */
struct pending {
	TAILQ_ENTRY(pending) entry;
	struct pending_list *pl;
	struct request *req;
	struct resolve_wait *rw;	/* the lookup, while it runs */
	struct observe_job *oj;		/* the observation, while it runs */
	void *arg;			/* the owner's */
	char name[256];
	char ip[NETADDR_STRLEN];
	uint16_t port;
	struct dnsq q;
	uint8_t key[9];			/* the client: an IPv4 address or IPv6 /64, tagged */
	size_t len;
	uint8_t msg[];			/* the client's query, for the answer's header and question */
};

/* Why pending_new refused. */
enum pending_refusal {
	PENDING_CLIENT_FULL,		/* per_client reached for this client: 429 */
	PENDING_FULL,			/* max reached over all clients: 503 */
	PENDING_NOMEM
};

struct pending_list;

/* pending_list_new - empty, with these caps. NULL on allocation failure. */
struct pending_list *pending_list_new(size_t per_client, size_t max);

/*
 * pending_list_free - the list; entries still in it are forgotten (their requests are
 * not answered: end them first, as routes_cancel_all does). Accepts NULL.
 */
void pending_list_free(struct pending_list *pl);

/*
 * pending_new - req waits (msglen bytes of msg to be filled by the caller): NULL with
 * *why set when a cap is reached or memory is short. When the client goes away first
 * (request_abandon), the lookup or observation is stopped, the entry freed and the
 * request dropped: a client that asks and resets at once (CVE-2023-44487) must leave no
 * work running.
 */
struct pending *pending_new(struct pending_list *pl, struct request *req, size_t msglen,
    enum pending_refusal *why);

/*
 * pending_wait - pending_new, answering a refusal itself (X-Vantage-Mirror ident): 429
 * for this client's cap and 503 for the overall one (both with Retry-After: 1), 500 out
 * of memory. Returns the entry (its arg to be set by the caller), or NULL after answering.
 */
struct pending *pending_wait(struct pending_list *pl, struct request *req, size_t msglen,
    const char *ident);

/*
 * pending_take - the work is done: free p and return its request, to be answered now (the
 * cancel hook is cleared first, so that nothing reaches p afterwards).
 */
struct request *pending_take(struct pending *p);

/* pending_free - forget p (its request, if still set, is the caller's to answer). */
void pending_free(struct pending *p);

/* pending_first - the oldest waiting request, or NULL. */
struct pending *pending_first(struct pending_list *pl);

#endif
