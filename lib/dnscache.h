/* lib/dnscache.h - the answer cache: whole responses keyed by question, TTL-decayed, LRU. */
#ifndef VANTAGE_DNSCACHE_H
#define VANTAGE_DNSCACHE_H

#include <stddef.h>
#include <stdint.h>

#include "dnswire.h"

struct dnscache;

/* TTL policy. Times in seconds. */
struct dnscache_limits {
	size_t max_entries;	/* LRU eviction beyond this */
	uint32_t min_ttl;	/* answers are kept at least this long */
	uint32_t max_ttl;	/* ... and at most this long */
	uint32_t neg_max_ttl;	/* cap for NXDOMAIN/NODATA (RFC 2308 section 5) */
	/* Serve-stale (RFC 8767): how long past its expiry a verified answer is kept for
	 * dnscache_lookup_stale; 0 keeps nothing expired. */
	uint32_t stale_ttl;
};

/* A cache hit: the stored answer (no OPT) and its age. Valid until the next cache call. */
struct dnscache_hit {
	const uint8_t *wire;
	size_t len;
	uint32_t age;		/* seconds since stored */
	uint32_t ttl;		/* seconds left */
	uint8_t negative;
};

/* dnscache_new - an empty cache; NULL on allocation failure. */
struct dnscache *dnscache_new(const struct dnscache_limits *lim);

/*
 * dnscache_set_shared - from now on several threads (vantaged's workers) use c: each call
 * holds a lock, and hits are copies in the calling thread's buffer. Call before a second
 * thread sees c.
 */
void dnscache_set_shared(struct dnscache *c);

/* dnscache_free - accepts NULL. */
void dnscache_free(struct dnscache *c);

/* dnscache_set_limits - new limits; shrinks at once if max_entries went down. */
void dnscache_set_limits(struct dnscache *c, const struct dnscache_limits *lim);

/*
 * dnscache_lookup - the live answer for q (name, type, class, DO and CD bits) at time now
 * (seconds, monotonic). Expired entries are removed, but for verified ones kept for
 * serve-stale (dnscache_lookup_stale). Returns 1 and fills hit, or 0.
 */
int dnscache_lookup(struct dnscache *c, const struct dnsq *q, uint64_t now, struct dnscache_hit *hit);

/*
 * dnscache_store - keep a validated upstream answer (with or without OPT; the OPT is
 * dropped) for q. Decides the TTL from the records and the limits: positive answers by
 * their smallest TTL, NXDOMAIN/NODATA by the SOA (RFC 2308; without SOA not cached);
 * SERVFAIL, REFUSED, truncated answers are not cached. Returns 1 if stored, 0 if not
 * cacheable, -1 on allocation failure or a malformed answer.
 */
int dnscache_store(struct dnscache *c, const struct dnsq *q, const uint8_t *wire, size_t len,
    uint64_t now);

/*
 * dnscache_lookup_stale - q's answer that expired less than lim.stale_ttl seconds ago, when it
 * was stored as verified (dnscache_replace's verified): for serve-stale when the upstream
 * fails. hit->ttl is 0, hit->age the seconds since it was stored. Returns 1 or 0.
 */
int dnscache_lookup_stale(struct dnscache *c, const struct dnsq *q, uint64_t now,
    struct dnscache_hit *hit);

/* dnscache_has_stale - whether dnscache_lookup_stale would answer q now; changes nothing. */
int dnscache_has_stale(struct dnscache *c, const struct dnsq *q, uint64_t now);

/*
 * dnscache_replace - like dnscache_store, for a message the caller built in the stored form
 * (vantaged's verified answer, which takes the place of the upstream's): on 1 hit holds the
 * bytes as kept (TTLs clamped like every entry; valid until the next cache call) for the
 * caller to serve and hash. max_ttl, when not 0, bounds the entry's lifetime and its TTLs
 * below the limits, cache.min_ttl included (an answer the caller refused must not outlive its
 * verdict). verified marks it as corroborated: only such an answer outlives its expiry for
 * serve-stale (an unchecked, flagged or refused one never does). When it is not kept, q's
 * entry is removed (the upstream's message must not stay in its place; an expired verified
 * answer stays for serve-stale) and 0 (not cacheable) or -1 is returned.
 */
int dnscache_replace(struct dnscache *c, const struct dnsq *q, const uint8_t *wire, size_t len,
    uint64_t now, uint32_t max_ttl, int verified, struct dnscache_hit *hit);

/*
 * dnscache_prefetch_claim - mark q's live entry as being refreshed: 1 the first time, 0
 * when it was marked already or there is no live entry. The mark lives and dies with the
 * entry (a replacement starts unmarked), so one entry gets at most one prefetch however
 * often it is asked for, even when that prefetch did not replace it.
 */
int dnscache_prefetch_claim(struct dnscache *c, const struct dnsq *q, uint64_t now);

/* dnscache_remove - drop q's entries for every type when qtype is 0, else just that one. */
size_t dnscache_remove(struct dnscache *c, const uint8_t *qname, size_t qname_len, uint16_t qtype);

/* dnscache_flush - drop everything. */
void dnscache_flush(struct dnscache *c);

/* One live entry, as dnscache_walk shows it (for `vantagectl cache dump`). */
struct dnscache_entry_info {
	const uint8_t *qname;	/* lower-cased wire form; valid during the callback */
	size_t qname_len;
	uint16_t qtype, qclass;
	uint8_t do_bit, cd_bit;
	uint8_t negative;
	uint32_t ttl;		/* seconds left */
	size_t len;		/* of the stored answer */
};

/*
 * dnscache_walk - call cb for each live entry at time now, most recently used first,
 * until cb returns non-zero. Expired entries are skipped, not removed: the walk changes
 * nothing. Returns how many entries cb saw.
 */
size_t dnscache_walk(const struct dnscache *c, uint64_t now,
    int (*cb)(void *arg, const struct dnscache_entry_info *e), void *arg);

/* Figures. */
struct dnscache_stats {
	size_t entries;
	size_t bytes;		/* memory held by entries (headers + wire) */
	uint64_t hits, misses, inserts, evictions, expired;
	uint64_t stale_hits;	/* answers dnscache_lookup_stale gave */
};
void dnscache_get_stats(const struct dnscache *c, struct dnscache_stats *st);

#endif
