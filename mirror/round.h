/* mirror/round.h - replay rounds: a peer asked vetted questions and pinged, its answers judged. */
#ifndef VANTAGE_MIRROR_ROUND_H
#define VANTAGE_MIRROR_ROUND_H

#include <stdint.h>

#include "mirror_config.h"
#include "peers.h"
#include "reputation.h"

/* Questions replayed in one round, at most (network.verify_questions is bounded by it). */
#define ROUND_MAX_QUESTIONS 16

struct replay;
struct resolve;
struct round_ctx;

/*
 * round_done_cb - a round of p is over (p is alive during the call): c holds its samples
 * as counted for audits and trials (dissents only once confirmed); the reputation has
 * already been told.
 */
typedef void (*round_done_cb)(void *arg, struct peer *p, const struct rep_counts *c);

/* What rounds work with: the configuration slot, then services, then the caller's hook. */
struct round_env {
	struct mirror_config *const *cfg;	/* the mirror's current-config slot (reloads swap it) */
	struct peers *peers;			/* the peer asked, and witnesses of a dissent */
	struct reputation *rep;			/* every judged sample goes into it */
	struct resolve *resolve;		/* our own answers to the questions */
	struct replay *replay;			/* the vetted questions, the judge, domain shares */
	round_done_cb done;
	void *done_arg;
};

/* round_ctx_new - no round running yet; env is copied. NULL on allocation failure. */
struct round_ctx *round_ctx_new(const struct round_env *env);

/* round_ctx_free - cancels every round without calling done; accepts NULL. */
void round_ctx_free(struct round_ctx *rc);

/*
 * round_start - ask p up to network.verify_questions vetted questions over its pinned
 * DoH, ask our own resolver the same, and ping its /v1/health; dissents are confirmed
 * with witnesses before they count. Nothing when p has a round running or no CA.
 */
void round_start(struct round_ctx *rc, struct peer *p);

/*
 * round_expire - end the rounds running longer than two peer timeouts and an upstream
 * timeout at now (monotonic ms): what did not come back counts as a timeout.
 */
void round_expire(struct round_ctx *rc, uint64_t now);

/* round_counts_add - add the samples of c to those of to. */
void round_counts_add(struct rep_counts *to, const struct rep_counts *c);

/*
 * round_outcome - how one replayed question counts, from our answer's and the peer's
 * fate and the judge's verdict on them: REP_TIMEOUT when the peer's answer is missing,
 * unusable or later than timeout_ms, else the judgement (REPLAY_AGREE: REP_AGREE,
 * REPLAY_DISSENT: REP_DISSENT). Returns -1 when the question does not count (our own
 * lookup failed, or the answers cannot be compared). Pure.
 */
int round_outcome(int own_ok, int peer_ok, uint64_t peer_ms, uint64_t timeout_ms,
    int judgement);

#endif
