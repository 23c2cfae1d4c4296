/*
 * tests/replay/world.h - the scripted world a replay runs in (like Unbound's testbound and
 * Knot's Deckard): an upstream and mirrors that answer only when the scenario says so, the
 * answer cache resolve.c would keep, and a virtual clock. No socket is opened. The services
 * are the operation tables of resolver/check_env.h, so check.c runs on them unchanged; a
 * driver for query.c can use the same world.
 */
#ifndef VANTAGE_REPLAY_WORLD_H
#define VANTAGE_REPLAY_WORLD_H

#include <event2/event.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

#include "check_env.h"

#define WORLD_MAX_MIRRORS 16
#define WORLD_MAX_CACHE 64

/* One scripted mirror: the checks see only its handle. */
struct mirror {
	char name[32];
	char region[32];
	char id[80];			/* stands for its CA's SHA-256 */
	int down;			/* "mirror NAME down": cannot be asked (query fails at once) */
	uint64_t asked, reports, agreements, dissents;
};

/* A question to a mirror, waiting for the scenario to answer it. */
struct mirror_req {
	TAILQ_ENTRY(mirror_req) link;
	struct mirror *m;
	struct dnsq q;			/* DNS questions */
	char target[512];		/* GETs (/v1/observe) */
	check_mirror_cb cb;
	check_body_cb body_cb;
	void *arg;
};

/* A question to the upstream, waiting likewise. */
struct resolve_wait {
	TAILQ_ENTRY(resolve_wait) link;
	struct dnsq q;
	resolve_cb cb;
	void *arg;
	int nostore;			/* a re-verification: the answer stays out of the cache */
};

/* A TLS probe of an address, waiting for the scenario to say how it went. */
struct probe {
	TAILQ_ENTRY(probe) link;
	char addr[48];			/* presentation form, no port */
	char name[DNS_MAXNAME * 4 + 1];	/* SNI */
	size_t n_cas;			/* the CAs it would accept (0: the trust store) */
	probe_cb cb;
	void *arg;
};

/* One answer in the answer cache (what resolve.c would hold). */
struct world_entry {
	uint8_t qname[DNS_MAXNAME];
	size_t qname_len;
	uint16_t qtype;
	uint8_t bits;			/* DO and CD: answers differ by them (lib/dnscache.c) */
	uint8_t wire[DNS_MAXMSG];
	size_t len;
	uint64_t stored_s;		/* virtual wall clock at store */
	uint32_t ttl;
	int used;
	int verified;			/* kept by the check as corroborated: may be served stale */
	int prefetched;			/* a prefetch was started for it (resolve_prefetch_claim) */
};

struct world {
	struct event_base *base;
	uint64_t mono_ms;		/* virtual monotonic clock */
	uint64_t wall_s;		/* virtual wall clock */
	struct mirror mirrors[WORLD_MAX_MIRRORS];
	size_t n_mirrors;
	TAILQ_HEAD(, mirror_req) asked;	/* questions out to mirrors */
	TAILQ_HEAD(, resolve_wait) upstream;	/* questions out to the upstream */
	TAILQ_HEAD(, probe) probes;	/* TLS probes under way */
	struct world_entry cache[WORLD_MAX_CACHE];
	uint64_t n_upstream_asked, n_mirrors_asked;
};

/* Scripted services over the world of world_new (one at a time). */
extern const struct check_mirror_ops world_mirror_ops;
extern const struct check_upstream_ops world_upstream_ops;
extern const struct check_clock world_clock;
extern const struct check_probe_ops world_probe_ops;

/* world_new - an empty world on base, its clocks at a fixed start; NULL on failure. */
struct world *world_new(struct event_base *base);

/* world_free - frees the world and every question still out (no callback). */
void world_free(struct world *w);

/* world_add_mirror - a mirror named name in region; NULL when there is no room. */
struct mirror *world_add_mirror(struct world *w, const char *name, const char *region);

/* world_mirror - the mirror named name, or NULL. */
struct mirror *world_mirror(struct world *w, const char *name);

/* world_advance - move both clocks on by ms milliseconds. */
void world_advance(struct world *w, uint64_t ms);

/* world_find_mirror_q - the oldest question out to m about (qname, qtype), or NULL. */
struct mirror_req *world_find_mirror_q(struct world *w, const struct mirror *m,
    const uint8_t *qname, size_t qname_len, uint16_t qtype);

/* world_answer_mirror - answer r (it leaves the list first) and free it. */
void world_answer_mirror(struct world *w, struct mirror_req *r, enum cons_transport t,
    const uint8_t *wire, size_t len);

/* world_find_upstream - the oldest question out to the upstream about (qname, qtype). */
struct resolve_wait *world_find_upstream(struct world *w, const uint8_t *qname,
    size_t qname_len, uint16_t qtype);

/*
 * world_answer_upstream - answer rw (status OK: wire, cached for ttl seconds as resolve.c
 * would) and free it.
 */
void world_answer_upstream(struct world *w, struct resolve_wait *rw, enum upstream_status st,
    const uint8_t *wire, size_t len, uint32_t ttl);

/* world_find_probe - the oldest probe of addr (presentation form) under way, or NULL. */
struct probe *world_find_probe(struct world *w, const char *addr);

/* world_answer_probe - end p with result r (OK: the first CA matched) and free it. */
void world_answer_probe(struct world *w, struct probe *p, enum probe_result r);

/* world_cache_lookup - a live answer-cache entry for q into *res (wire borrowed): 1, else 0. */
int world_cache_lookup(struct world *w, const struct dnsq *q, struct resolve_result *res);

/* world_cache_prefetch_claim - as dnscache_prefetch_claim: 1 the first time for q's live
 * entry, else 0. */
int world_cache_prefetch_claim(struct world *w, const struct dnsq *q);

/*
 * world_cache_stale - q's verified entry that expired less than window_s seconds ago into
 * *res (ttl 0, age since it was stored; wire borrowed): 1, else 0 (resolve_lookup_stale).
 */
int world_cache_stale(struct world *w, const struct dnsq *q, uint64_t window_s,
    struct resolve_result *res);

/*
 * world_build - a response to (qname, qtype): rcode, and n records of qtype with rdata
 * rd[i] (rdlen[i] bytes) and ttl, into out (cap). Returns its length, 0 when it does not fit.
 */
size_t world_build(const uint8_t *qname, size_t qname_len, uint16_t qtype, int rcode,
    const uint8_t *const *rd, const size_t *rdlen, size_t n, uint32_t ttl, uint8_t *out,
    size_t cap);

/*
 * world_resolve_new - the world as lib/resolve.h's handle, for resolver/query.c: its answer
 * cache, its upstream, and verified answers served stale for serve_stale_s seconds past
 * their expiry (0: never). world_resolve.c stands in for lib/resolve.c at link time.
 */
struct resolve *world_resolve_new(struct world *w, uint64_t serve_stale_s);

/* world_resolve_free - frees the handle (not the world); accepts NULL. */
void world_resolve_free(struct resolve *r);

#endif
