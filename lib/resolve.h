/* lib/resolve.h - answer a question from the cache or through the upstreams, coalesced. */
#ifndef VANTAGE_RESOLVE_H
#define VANTAGE_RESOLVE_H

#include <event2/event.h>
#include <stddef.h>
#include <stdint.h>

#include "dnscache.h"
#include "dnswire.h"
#include "netaddr.h"
#include "upstream.h"

struct resolve;
struct resolve_wait;

/* Max forward zones (split DNS). */
#define RESOLVE_MAX_FORWARDS 32

/* Questions at or below zone go to these resolvers instead of the upstreams (split DNS). */
struct resolve_forward {
	const uint8_t *zone;			/* lower-cased wire form; copied */
	size_t zone_len;
	const struct netaddr *to;		/* copied */
	size_t n_to;
};

struct resolve_config {
	const struct netaddr *upstreams;	/* copied */
	size_t n_upstreams;
	const struct resolve_forward *forwards;	/* at most RESOLVE_MAX_FORWARDS; the longest
						 * zone that holds a name wins */
	size_t n_forwards;
	uint32_t timeout_ms;			/* one question, all attempts */
	struct dnscache_limits cache;
	/* At creation: share this resolve's answer cache (and its clock) instead of making
	 * one; it must outlive r, and be dnscache_set_shared when threads share it. */
	const struct resolve *share_cache_of;
};

/* The outcome handed to a waiter. */
struct resolve_result {
	enum upstream_status status;	/* UPSTREAM_OK: wire is set */
	const uint8_t *wire;		/* stored form (no OPT); valid only during the callback */
	size_t len;
	uint32_t age;			/* seconds the answer spent in the cache */
	uint32_t ttl;			/* seconds it stays valid (for Cache-Control) */
	uint8_t from_cache;
};

typedef void (*resolve_cb)(void *arg, const struct resolve_result *res);

/* resolve_new - cache + upstreams + in-flight table; NULL on failure. */
struct resolve *resolve_new(struct event_base *base, const struct resolve_config *cfg);

/* resolve_free - cancels every waiter without calling it; accepts NULL. */
void resolve_free(struct resolve *r);

/* resolve_can_reconfigure - whether resolve_reconfigure would find room now (it may still
 * fail when memory runs out). */
int resolve_can_reconfigure(struct resolve *r);

/*
 * resolve_reconfigure - new upstreams and limits (SIGHUP). The cache is kept; questions
 * in flight finish on the old upstreams. Returns 0 or -1 (then nothing changed).
 */
int resolve_reconfigure(struct resolve *r, const struct resolve_config *cfg);

/*
 * resolve_lookup - the cache fast path: fills res and returns 1 on a hit, else 0.
 * res->wire is valid until the next call into r.
 */
int resolve_lookup(struct resolve *r, const struct dnsq *q, struct resolve_result *res);

/*
 * resolve_replace - keep wire (a message in the stored form that the caller built to serve
 * for q, such as vantaged's verified answer) in the cache in place of the upstream's, for at
 * most max_ttl seconds when max_ttl is not 0 (dnscache_replace); verified: corroborated, so
 * it may be served stale. On 1 res holds the bytes as kept (valid until the next call into
 * r); 0 when it was not cacheable (q's entry is then gone), -1 on failure.
 */
int resolve_replace(struct resolve *r, const struct dnsq *q, const uint8_t *wire, size_t len,
    uint32_t max_ttl, int verified, struct resolve_result *res);

/*
 * resolve_lookup_stale - q's verified answer that expired within the serve-stale window
 * (dnscache_lookup_stale), for when the upstream failed: fills res (ttl 0, age since it was
 * stored; valid until the next call into r) and returns 1, else 0.
 */
int resolve_lookup_stale(struct resolve *r, const struct dnsq *q, struct resolve_result *res);

/* resolve_has_stale - whether resolve_lookup_stale would answer q now; changes nothing. */
int resolve_has_stale(struct resolve *r, const struct dnsq *q);

/*
 * resolve_start - wait for q's answer: joins an identical question in flight or forwards
 * it. cb runs exactly once, later (never from inside this call), unless cancelled.
 * Returns a handle, or NULL on allocation failure (cb not called).
 */
struct resolve_wait *resolve_start(struct resolve *r, const struct dnsq *q, resolve_cb cb,
    void *arg);

/*
 * resolve_refresh - like resolve_start, but when q is not in flight already the upstream's
 * answer does not join the cache: for a re-verification (a prefetch of a cross-checked
 * name), whose answer may only replace the live entry once the mirrors agreed with it.
 */
struct resolve_wait *resolve_refresh(struct resolve *r, const struct dnsq *q, resolve_cb cb,
    void *arg);

/* Plain prefetches under way at most: a flood of hits on expiring names cannot make us
 * flood the upstream. */
#define RESOLVE_PREFETCH_MAX 64

/*
 * resolve_prefetch - refresh q's cache entry in the background, nobody waiting: the
 * upstream's answer replaces it as a miss's would. For names not cross-checked only.
 * Returns 1 when asked, 0 when q is in flight already, -1 when RESOLVE_PREFETCH_MAX
 * prefetches are under way or on failure.
 */
int resolve_prefetch(struct resolve *r, const struct dnsq *q);

/*
 * resolve_prefetch_claim - whether q's live entry may be prefetched now: 1 the first time
 * for that entry (dnscache_prefetch_claim), else 0.
 */
int resolve_prefetch_claim(struct resolve *r, const struct dnsq *q);

/*
 * resolve_cancel - the waiter leaves; the question goes on for the others or the cache.
 * Not for a waiter whose callback is running (it is freed when its callback returns).
 */
void resolve_cancel(struct resolve_wait *w);

/*
 * resolve_abandon - like resolve_cancel, but when w was the question's last waiter the
 * upstream query stops too. For a client that went away (a reset HTTP/2 stream): left
 * running, the queries of streams that a client opens and gets reset (CVE-2025-8671)
 * pile up with their sockets. Same restriction as resolve_cancel.
 */
void resolve_abandon(struct resolve_wait *w);

/* resolve_in_flight - questions on their way upstream now. */
size_t resolve_in_flight(const struct resolve *r);

/* resolve_chain_max - the longest hash chain of the questions in flight (tests, diagnostics). */
size_t resolve_chain_max(const struct resolve *r);

/* Access for status and control. */
struct dnscache *resolve_cache(struct resolve *r);
/* resolve_clock - the cache's clock now (seconds), for dnscache_walk. */
uint64_t resolve_clock(const struct resolve *r);
struct upstream_set *resolve_upstreams(struct resolve *r);

/* Counters. */
struct resolve_stats {
	uint64_t lookups, hits, forwarded, coalesced, failures;
	size_t in_flight;
};
void resolve_get_stats(const struct resolve *r, struct resolve_stats *st);

#endif
