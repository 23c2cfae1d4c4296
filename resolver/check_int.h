/*
 * resolver/check_int.h - the checks' private state, shared by check.c (the state machine)
 * and check_verdict.c (what a verdict leaves behind). Nobody else includes it.
 */
#ifndef VANTAGED_CHECK_INT_H
#define VANTAGED_CHECK_INT_H

#include "check_env.h"
#include "coalesce.h"
#include "config.h"
#include "digest.h"
#include "policy.h"
#include "vcache.h"

struct check_result;
struct check_mirror_view;
struct check_ca;
struct check_ca_view;
struct fleet_ask;

/* In-flight checks table: its chains (a power of two). */
#define CHECK_BUCKETS 1024

/* How long a dissent verdict is remembered (s): long enough to spare the mirrors a
 * storm of repeats, short enough that a fixed resolver is believed again soon. */
#define CHECK_DISSENT_TTL 30

/* struct check's fresh: explain's (the mirrors asked afresh, every one waited for), and a
 * prefetch's (asked afresh; the cache changes only on agreement: check_keep_for). */
#define CHECK_EXPLAIN 1
#define CHECK_PREFETCH 2

/* Prefetch checks under way at most (cache.prefetch): a flood of hits on expiring names
 * cannot make us flood the upstream and the mirrors. */
#define CHECK_PREFETCH_MAX 64

struct check;

/* One waiter of a check; its job (wait.job) is the check's (CHECK_OF). */
struct check_wait {
	struct coalesce_wait wait;
	void (*cb)(void *arg, const struct check_result *res);	/* check_cb */
	void *arg;
};

/* One mirror asked about the question. */
struct check_mirror {
	struct check *c;
	struct mirror *m;
	struct mirror_req *req;
	int done;
	struct digest *d;		/* its answer (on_dissent: consensus serves it, built) */
};

/* One question being cross-checked; identical questions share it. */
struct check {
	struct coalesce_job job;	/* its place in the in-flight table, its waiters */
	struct check_ctx *cx;
	struct dnsq q;
	struct resolve_wait *rw;	/* the upstream question, while it runs */
	int have_local;
	uint8_t *lwire;			/* stored form (no OPT) */
	size_t llen;
	uint32_t lage, lttl;
	struct digest *ld;
	uint64_t lraw, lcanon;		/* hashes of the built message and of the digest */
	int hint;			/* a verdict was cached: mirrors wait for the local answer */
	int fresh;			/* CHECK_EXPLAIN, CHECK_PREFETCH: never reuse a cached
					 * verdict; 0 for a client's question */
	struct consensus_settings set;	/* the name's: global, or its zone's override */
	struct event *kick;		/* a local answer given to check_start, handled from the loop */
	int mirrors_started;
	int delivered;			/* monitor mode: waiters already have the answer */
	size_t nm;
	struct check_mirror mir[CONSENSUS_MAX_MIRRORS];
	/* CA evidence (check_ca.c): under way, done, and what it found. */
	struct check_ca *ca;
	int ca_done;
	struct check_ca_view *ca_view;
	uint64_t start_ms;		/* monotonic: the CA budget counts from here */
	int prefetch_kept;		/* CHECK_PREFETCH: its answer replaced the live entry */
	/* The fleet (check_fleet.c): its question, while it runs or holds the lock; whether
	 * the mirrors wait for it; whether it imported a verdict to judge the local answer by;
	 * no_publish: decided on cached CA pairs, which may be another's, so never shared. */
	struct fleet_ask *fleet;
	int fleet_wait, fleet_got, no_publish;
};

/* The check a coalesce_job link belongs to. */
#define CHECK_OF(j) COALESCE_ENTRY(j, struct check, job)

struct check_ctx {
	struct check_env env;
	struct coalesce *inflight;	/* the checks under way, by (question, DO, CD, fresh) */
	uint64_t seed;			/* keys its chains (check_qhash) */
	size_t prefetching;		/* CHECK_PREFETCH checks under way */
};

/* What check_build does with the message besides returning it. */
enum check_keep {
	CHECK_KEEP_NOT,		/* nothing: served once (the mirrors' answer, monitor mode) */
	CHECK_KEEP,		/* in the answer cache, in place of the upstream's */
	CHECK_KEEP_VERIFIED	/* ... as corroborated: it may be served stale (RFC 8767) */
};

/* check.c, for check_fleet.c */

/* check_local_go - the local answer is digested and the fleet has answered: reuse a
 * verdict, or ask the mirrors and decide. c may be gone on return. */
void check_local_go(struct check *c);

/* check_start_mirrors - ask the k mirrors selected for c's question. */
void check_start_mirrors(struct check *c);

/* check_reuse - when c->hint and the verified cache holds an agreement on exactly the
 * local answer, serve it; returns 1 then (c is gone). */
int check_reuse(struct check *c);

/*
 * check_serve_now - serve the message built from the local answer to every waiter without
 * a verdict taken now (d says how; SERVFAIL when nothing can be built), kept in the answer
 * cache as keep says (*raw: its hash; cap: its TTLs' bound, 0 none), and end the check.
 */
void check_serve_now(struct check *c, int flatten, const struct policy_decision *d,
    uint64_t *raw, enum check_keep keep, uint32_t cap);

/* check_fleet.c */

/*
 * check_fleet_begin - when c is a client's question without a live local verdict and the
 * fleet is up, ask the fleet first; returns 1 when the mirrors wait for its answer.
 */
int check_fleet_begin(struct check *c);

/* check_fleet_end - c goes: its fleet question too (a lock it holds is given back). */
void check_fleet_end(struct check *c);

/*
 * check_fleet_reuse - when the fleet imported a verdict on exactly the local answer, serve
 * it (agreement: verified; dissent: the policy's action) and return 1 (c is gone); else 0.
 */
int check_fleet_reuse(struct check *c);

/*
 * check_fleet_publish - share verdict v (sticky: made by the sticky evidence) with the
 * fleet, when this instance took it from its mirrors and kept it.
 */
void check_fleet_publish(struct check *c, const struct cons_verdict *v, int sticky);

/* check_verdict.c */

/*
 * check_build - the message served from d (answer.c): only the records the verdict
 * covered, the chain flattened unless it covered the chain too. With keep it also takes
 * the upstream answer's place in the answer cache, so that a hit serves these very bytes
 * and check_cached finds them by their hash (*raw). cap, when not 0, bounds its TTLs and
 * its life in the cache. Returns a buffer the caller frees (*len set), or NULL when d
 * holds nothing to build from or memory ran out.
 */
uint8_t *check_build(struct check *c, const struct digest *d, int flatten, uint32_t age,
    enum check_keep keep, uint32_t cap, size_t *len, uint64_t *raw);

/*
 * check_keep_for - what the answer cache does with the message built on verdict v (action:
 * the policy's): kept verified when corroborated and served; else kept (bounded, keyed to a
 * verdict that refuses or flags it); for a prefetch only an agreement replaces the live
 * entry, anything else leaves it (CHECK_KEEP_NOT) to expire. Counts prefetch_agree.
 */
enum check_keep check_keep_for(struct check *c, const struct cons_verdict *v,
    enum policy_action action);

/* check_raw_hash - the keyed hash of a stored answer past its question (vcache_raw_hash). */
uint64_t check_raw_hash(const struct check_ctx *cx, const uint8_t *wire, size_t len,
    const struct dnsq *q);

/* check_chain_covered - whether verdict v covers the local CNAME chain (served as such). */
int check_chain_covered(const struct cons_verdict *v);

/* check_info_verdict - a verdict from the verified cache, rebuilt for the policy. */
void check_info_verdict(const struct vcache_info *info, struct cons_verdict *v);

/*
 * check_portal_exempt - whether the captive-portal window sets aside the sticky evidence of
 * q's name (portal_exempt: a connectivity-check name while the window is open).
 */
int check_portal_exempt(const struct check_ctx *cx, const struct dnsq *q);

/*
 * check_sticky - when the mirrors could not settle v and the local answer contradicts the
 * addresses verified for the name before, the dissent it becomes into *out, with its
 * EXTRA-TEXT in text; returns 1 then, else 0 (DESIGN.md section 4: evidence is sticky).
 */
int check_sticky(struct check *c, const struct cons_verdict *v, struct cons_verdict *out,
    char *text, size_t cap);

/* check_remember_addrs - an agreement on addresses: they become the name's evidence. */
void check_remember_addrs(struct check *c, const struct cons_verdict *v);

/* check_remember - keep v in the verified cache, keyed to the built message's hash. */
void check_remember(struct check *c, const struct cons_verdict *v, const char *local,
    int sticky);

/* check_log_verdict - count and log v (and a dissent in the dissent log). */
void check_log_verdict(struct check *c, const struct cons_verdict *v,
    const struct policy_decision *d, const char *name, const char *local);

/* check_dissent_log - one line in the dissent log (when there is one) about v and d. */
void check_dissent_log(struct check *c, const struct cons_verdict *v,
    const struct policy_decision *d, const char *name, const char *local);

/* check_views - what each mirror said, for explain and the plugins (views: c->nm). */
void check_views(struct check *c, const struct cons_verdict *v,
    struct check_mirror_view *views);

/* check_count_action - count the action taken. */
void check_count_action(struct check_ctx *cx, enum policy_action action);

/* check_report - tell each mirror asked how its answer fared against the settled one. */
void check_report(struct check *c, const struct cons_verdict *v);

#endif
