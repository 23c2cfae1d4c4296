/* resolver/check.h - one question cross-checked: local answer + mirrors -> verdict -> action. */
#ifndef VANTAGED_CHECK_H
#define VANTAGED_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "check_env.h"
#include "config.h"
#include "dnswire.h"
#include "policy.h"
#include "resolve.h"

/* The checks under way and what they were given (struct check_env, check_env.h). */
struct check_ctx;
struct check_wait;
struct check_ca_view;

/* One mirror's part in a verdict, for `vantagectl explain`. */
struct check_mirror_view {
	const char *name;
	const char *region;
	const char *id;			/* CA SHA-256 hex */
	char answer[160];		/* its answer, short ("192.0.2.1", "NXDOMAIN", "timeout") */
	enum cons_evidence evidence;
	enum cons_rule rule;
	enum cons_why why;
};

/* What a waiting client gets. Everything lives only during the callback. */
struct check_result {
	enum upstream_status status;	/* of the local answer; not OK: SERVFAIL, EDE 22 */
	const uint8_t *wire;		/* the answer to serve (stored form, no OPT) */
	size_t len;
	uint32_t age;
	struct policy_decision decision;
	/* The evidence, when a verdict was taken just now (else verdict is NULL: reused from
	 * the verified cache, passed through, or served early in monitor mode). */
	const struct cons_verdict *verdict;
	const struct check_mirror_view *mirrors;
	size_t n_mirrors;
	const char *local_summary;
	const struct check_ca_view *ca;	/* the CA evidence taken for this verdict, or NULL */
};

typedef void (*check_cb)(void *arg, const struct check_result *res);

/* check_new - the checks' context (env is copied); NULL when out of memory. */
struct check_ctx *check_new(const struct check_env *env);

/*
 * check_free - end every check under way (whoever still waits gets SERVFAIL, EDE 22) and
 * free cx. Accepts NULL. The services of the env must still be alive.
 */
void check_free(struct check_ctx *cx);

/*
 * check_mirrors_gone - the mirror set is about to be freed (a reload replaced it). Checks
 * that have their local answer decide now on what they have; the others drop their
 * mirrors and pick new ones from the next set when the local answer comes. The ops must
 * find no mirror (configured() false) while this runs: verdicts handed out here reach
 * waiters and plugins, which may start new questions.
 */
void check_mirrors_gone(struct check_ctx *cx);

/* check_chain_max - the longest chain of the in-flight checks' table (tests, diagnostics). */
size_t check_chain_max(const struct check_ctx *cx);

/* check_applies - whether q is cross-checked: a checked type, class IN, not bypassed,
 * not forwarded to a zone's own servers, and mirrors are configured. */
int check_applies(const struct check_ctx *cx, const struct dnsq *q);

/*
 * check_cached - the fast path for an answer-cache hit: when the verified cache holds a
 * live verdict on exactly this answer, fill d and return 1; else 0 (call check_start).
 */
int check_cached(struct check_ctx *cx, const struct dnsq *q, const struct resolve_result *hit,
    struct policy_decision *d);

/* check_cached_in - check_cached under cfg, counting in st: what a worker loop calls (it
 * changes nothing of cx, and reads the verified cache under its lock). */
int check_cached_in(const struct check_ctx *cx, const struct config *cfg, struct vstats *st,
    const struct dnsq *q, const struct resolve_result *hit, struct policy_decision *d);

/*
 * check_start - cross-check q. local is the answer already at hand (a cache hit; copied),
 * or NULL to ask the upstream, in parallel with the mirrors. Identical questions share
 * one check. cb runs exactly once, later, unless cancelled. NULL on allocation failure.
 */
struct check_wait *check_start(struct check_ctx *cx, const struct dnsq *q,
    const struct resolve_result *local, check_cb cb, void *arg);

/*
 * check_explain - like check_start without a local answer, but never reusing a cached
 * verdict: the mirrors are asked afresh, so the result carries the whole evidence.
 */
struct check_wait *check_explain(struct check_ctx *cx, const struct dnsq *q, check_cb cb,
    void *arg);

/*
 * check_prefetch - re-verify q in the background, nobody waiting (cache.prefetch): the
 * upstream is asked without its answer joining the cache (resolve_refresh), the mirrors
 * afresh; the answer replaces the live entry only when they agree, else the entry stays
 * until it expires. Returns 1 when started, 0 when q's prefetch is under way already, -1
 * when CHECK_PREFETCH_MAX are or on failure.
 */
int check_prefetch(struct check_ctx *cx, const struct dnsq *q);

/* check_cancel - the waiter leaves (not from inside its own callback). Accepts NULL. */
void check_cancel(struct check_wait *w);

#endif
