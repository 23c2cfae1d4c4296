/* mirror/observe.h - the notary: which certificate chain a TLS server shows from here. */
#ifndef VANTAGE_MIRROR_OBSERVE_H
#define VANTAGE_MIRROR_OBSERVE_H

#include <event2/event.h>
#include <stddef.h>
#include <stdint.h>

#include "mirror_config.h"
#include "netaddr.h"
#include "tls.h"

struct observe;
struct observe_job;

/* How an observation ended; http is the status the route answers with. */
struct observe_result {
	int http;			/* 200, or 502 (no TLS), 504 (timeout) */
	const char *error;		/* short code for the JSON error body, NULL on success */
	const char *detail;
	const char *version;		/* negotiated TLS version on success */
	uint8_t (*chain)[TLS_SHA256_LEN];
	size_t n_chain;
	uint64_t elapsed_ms;
};

/* Called exactly once per started job unless cancelled; res valid during the call. */
typedef void (*observe_cb)(void *arg, const struct observe_result *res);

/* Why observe_start refused. */
enum observe_refusal {
	OBSERVE_STARTED = 0,
	OBSERVE_BUSY_CLIENT,	/* this client has max_per_client in flight (429) */
	OBSERVE_BUSY,		/* max_concurrent in flight (503) */
	OBSERVE_FAILED		/* no socket or memory (500) */
};

/* observe_new - a notary on base; NULL on failure. */
struct observe *observe_new(struct event_base *base);

/* observe_free - cancels every job without calling back; accepts NULL. */
void observe_free(struct observe *o);

/*
 * observe_start - connect to target with SNI name, complete a TLS handshake accepting any
 * chain, and report the SHA-256 of each certificate seen, within lim->timeout_ms. At
 * most lim->max_per_client jobs per client IP and lim->max_concurrent in all. *jobp gets
 * the handle for observe_cancel.
 */
enum observe_refusal observe_start(struct observe *o, const struct netaddr *client,
    const char *name, const struct netaddr *target, const struct mirror_observe *lim,
    observe_cb cb, void *arg, struct observe_job **jobp);

/* observe_cancel - forget job; its callback will not run. */
void observe_cancel(struct observe_job *job);

/*
 * observe_addr_is_public - 0 for addresses a notary must not be pointed at unless
 * allowed: loopback, private (RFC 1918, ULA), link-local, CGNAT, multicast, unspecified,
 * documentation and IPv4-mapped forms of those.
 */
int observe_addr_is_public(const struct netaddr *a);

/* observe_name_ok - a host name usable as SNI (LDH labels, 1..253 chars, no IP literal). */
int observe_name_ok(const char *name);

#endif
