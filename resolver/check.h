/* resolver/check.h - one question cross-checked: local answer + mirrors -> verdict -> action. */
#ifndef VANTAGED_CHECK_H
#define VANTAGED_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "dnswire.h"
#include "policy.h"
#include "resolve.h"
#include "vantaged.h"

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

/* check_applies - whether q is cross-checked: a checked type, class IN, not bypassed,
 * and mirrors are configured. */
int check_applies(const struct vantaged *vd, const struct dnsq *q);

/*
 * check_cached - the fast path for an answer-cache hit: when the verified cache holds a
 * live verdict on exactly this answer, fill d and return 1; else 0 (call check_start).
 */
int check_cached(struct vantaged *vd, const struct dnsq *q, const struct resolve_result *hit,
    struct policy_decision *d);

/*
 * check_start - cross-check q. local is the answer already at hand (a cache hit; copied),
 * or NULL to ask the upstream, in parallel with the mirrors. Identical questions share
 * one check. cb runs exactly once, later, unless cancelled. NULL on allocation failure.
 */
struct check_wait *check_start(struct vantaged *vd, const struct dnsq *q,
    const struct resolve_result *local, check_cb cb, void *arg);

/*
 * check_explain - like check_start without a local answer, but never reusing a cached
 * verdict: the mirrors are asked afresh, so the result carries the whole evidence.
 */
struct check_wait *check_explain(struct vantaged *vd, const struct dnsq *q, check_cb cb,
    void *arg);

/* check_cancel - the waiter leaves (not from inside its own callback). */
void check_cancel(struct check_wait *w);

/* check_init / check_shutdown - per-daemon state: secret, verified cache, mirrors, log. */
int check_init(struct vantaged *vd, char *err, size_t errlen);
void check_shutdown(struct vantaged *vd);

/* check_reconfigure - new mirrors and settings after a reload; 0 or -1 (err set, old kept). */
int check_reconfigure(struct vantaged *vd, const struct config *cfg, char *err, size_t errlen);

/* check_save - persist the verified cache now (logs failures); returns 0 or -1. */
int check_save(struct vantaged *vd);

#endif
