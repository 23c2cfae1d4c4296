/* mirror/round.c - replay rounds: a peer asked vetted questions and pinged, its answers judged. */
#include "autoconf.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "dnswire.h"
#include "http.h"
#include "log.h"
#include "replay.h"
#include "resolve.h"
#include "round.h"
#include "vutil.h"

#define CT_DNS "application/dns-message"

/* One question of a round: our own answer and the peer's, kept for the ladder. */
struct round_q {
	struct round *r;
	struct dnsq q;
	struct resolve_wait *rw;
	int own_done, own_ok;
	int peer_done, peer_ok;
	uint8_t *own, *peer;
	size_t own_len, peer_len;
	uint64_t peer_ms;
	/*
	 * A dissent being confirmed (replay_confirm): our fresh answer, and the answers of
	 * other mirrors (never the peer) asked at the same time.
	 */
	int confirm;
	struct resolve_wait *rw2;
	uint8_t *own2;
	size_t own2_len;
	size_t n_wit;
	int wit_done[REPLAY_WITNESSES];
	uint8_t *wit[REPLAY_WITNESSES];
	size_t wit_len[REPLAY_WITNESSES];
};

/* One replay round against one peer: verify_questions questions and a ping. */
struct round {
	TAILQ_ENTRY(round) entry;
	struct round_ctx *rc;
	uint64_t serial;
	uint8_t peer[TLS_SHA256_LEN];
	uint64_t started_ms;
	unsigned nq, left;
	int confirming;			/* ROUND_ASKING, ROUND_CONFIRMING, ROUND_UNCONFIRMED */
	int ping_done, ping_ok;
	uint64_t ping_ms;
	struct round_q qs[ROUND_MAX_QUESTIONS];
};

enum { ROUND_ASKING, ROUND_CONFIRMING, ROUND_UNCONFIRMED };

/*
 * What a peer request of a round is about: question idx, or -1 for the ping; wit is -1
 * for the peer's own answer, else the witness asked to confirm a dissent on idx. The
 * context outlives no peer callback: it is freed before the peer table.
 */
struct round_ref {
	struct round_ctx *rc;
	uint64_t serial;
	int idx;
	int wit;
};

struct round_ctx {
	struct round_env env;
	uint64_t serial;
	TAILQ_HEAD(, round) rounds;
};

static const struct mirror_network *
round_net(const struct round_ctx *rc)
{
	return &(*rc->env.cfg)->network;
}

static struct round *
round_find(struct round_ctx *rc, uint64_t serial)
{
	struct round *r;

	TAILQ_FOREACH(r, &rc->rounds, entry)
		if (r->serial == serial)
			return r;
	return NULL;
}

static void round_finish(struct round *r);

static void
round_part_done(struct round *r)
{
	if (r->left > 0 && --r->left == 0)
		round_finish(r);
}

/* A copy of wire in *out (len in *olen); 0, or -1 out of memory. */
static int
round_keep(const uint8_t *wire, size_t len, uint8_t **out, size_t *olen)
{
	if ((*out = malloc(len ? len : 1)) == NULL)
		return -1;
	memcpy(*out, wire, len);
	*olen = len;
	return 0;
}

/*
 * Whether our own lookup gave an answer to judge by (kept in *out): our own failure says
 * nothing about the peer, so that question does not count.
 */
static int
round_own_usable(const struct resolve_result *res, uint8_t **out, size_t *olen)
{
	struct dnsresp dr;
	struct dnsq aq;

	return res->status == UPSTREAM_OK &&
	    dnswire_parse_response(res->wire, res->len, &aq, &dr) == 0 &&
	    dr.rcode != DNS_RCODE_SERVFAIL && round_keep(res->wire, res->len, out, olen) == 0;
}

static void
round_own_answer(struct round_q *rq, const struct resolve_result *res)
{
	rq->own_done = 1;
	rq->own_ok = round_own_usable(res, &rq->own, &rq->own_len);
}

static void
round_resolved(void *arg, const struct resolve_result *res)
{
	struct round_q *rq = arg;

	rq->rw = NULL;
	round_own_answer(rq, res);
	round_part_done(rq->r);
}

/* Whether resp is a DoH answer to q; its body is then kept in *out (length *olen). */
static int
round_doh_answer(const struct http_response *resp, const struct dnsq *q, uint8_t **out,
    size_t *olen)
{
	return replay_doh_answer(resp, q) &&
	    round_keep(resp->body, resp->body_len, out, olen) == 0;
}

/* A witness's answer to a dissent being confirmed. */
static void
round_witness_answer(struct round *r, struct round_q *rq, size_t k,
    const struct http_response *resp)
{
	if (r->confirming != ROUND_CONFIRMING || k >= rq->n_wit || rq->wit_done[k])
		return;
	rq->wit_done[k] = 1;
	if (!round_doh_answer(resp, &rq->q, &rq->wit[k], &rq->wit_len[k]))
		rq->wit[k] = NULL;
	round_part_done(r);
}

static void
round_peer_answer(struct peers *ps, struct peer *p, const struct http_response *resp,
    uint64_t elapsed_ms, void *ctx)
{
	struct round_ref *ref = ctx;
	struct round *r = round_find(ref->rc, ref->serial);
	struct round_q *rq;

	(void)ps;
	(void)p;
	if (r == NULL)
		return;		/* the round ended without it */
	if (ref->idx < 0) {
		if (r->ping_done)
			return;
		r->ping_done = 1;
		r->ping_ok = resp->status == 200;
		r->ping_ms = elapsed_ms;
		round_part_done(r);
		return;
	}
	rq = &r->qs[ref->idx];
	if (ref->wit >= 0) {
		round_witness_answer(r, rq, (size_t)ref->wit, resp);
		return;
	}
	if (rq->peer_done)
		return;
	rq->peer_done = 1;
	rq->peer_ms = elapsed_ms;
	rq->peer_ok = round_doh_answer(resp, &rq->q, &rq->peer, &rq->peer_len);
	round_part_done(r);
}

/* Send q over the peer's pinned DoH (POST) for question idx (witness wit, or -1). */
static int
round_send(struct round_ctx *rc, struct round *r, struct peer *to, const uint8_t *wire,
    size_t n, int idx, int wit)
{
	struct round_ref ref = { rc, r->serial, idx, wit };

	return n == 0 ? -1 : peers_request(rc->env.peers, to, "POST", "/dns-query", CT_DNS,
	    wire, n, round_peer_answer, &ref, sizeof(ref));
}

/* Send question i of r to the peer (DoH POST) and ask our own resolver. */
static void
round_ask(struct round_ctx *rc, struct round *r, struct peer *p, unsigned i)
{
	struct round_q *rq = &r->qs[i];
	struct resolve_result res;
	uint8_t wire[DNS_HDRLEN + DNS_MAXNAME + 4 + 11];
	size_t n;

	r->left += 2;
	n = dnswire_build_query(wire, sizeof(wire), &rq->q, 0, DNS_EDNS_SIZE);
	if (round_send(rc, r, p, wire, n, (int)i, -1) != 0) {
		rq->peer_done = 1;
		r->left--;
	}
	if (resolve_lookup(rc->env.resolve, &rq->q, &res)) {
		round_own_answer(rq, &res);
		r->left--;
	} else if ((rq->rw = resolve_start(rc->env.resolve, &rq->q, round_resolved, rq)) ==
	    NULL) {
		rq->own_done = 1;
		r->left--;
	}
}

void
round_start(struct round_ctx *rc, struct peer *p)
{
	const struct mirror_network *net = round_net(rc);
	struct round_ref ref;
	struct round *r;
	unsigned i, nq;

	if (p->round_busy || p->ctx == NULL || (r = calloc(1, sizeof(*r))) == NULL)
		return;
	r->rc = rc;
	r->serial = ++rc->serial;
	memcpy(r->peer, p->id, TLS_SHA256_LEN);
	r->started_ms = now_ms();
	/*
	 * Only questions we vetted ourselves: a client's question whose answer changes in
	 * time or with the asker would make an honest peer look like a liar.
	 */
	nq = replay_count(rc->env.replay) < net->verify_questions ?
	    (unsigned)replay_count(rc->env.replay) : net->verify_questions;
	r->nq = nq;
	/* One guard part so that nothing finishes the round while it is being set up. */
	r->left = 1;
	TAILQ_INSERT_TAIL(&rc->rounds, r, entry);
	p->round_busy = 1;
	for (i = 0; i < nq; i++) {
		r->qs[i].r = r;
		if (replay_pick(rc->env.replay, &r->qs[i].q) != 0)
			break;
		round_ask(rc, r, p, i);
	}
	r->nq = i;
	ref.rc = rc;
	ref.serial = r->serial;
	ref.idx = -1;
	ref.wit = -1;
	r->left++;
	if (peers_request(rc->env.peers, p, "GET", "/v1/health", NULL, NULL, 0,
	    round_peer_answer, &ref, sizeof(ref)) != 0) {
		r->ping_done = 1;
		r->left--;
	}
	round_part_done(r);
}

/*
 * Whether a dissent of p on rq counts, in its reputation (*to_rep: what starts votes)
 * and in the counts of its audit or trial (*to_counts). Why not at once: an outsider's
 * zone can answer one mirror's resolver (told apart by its address) differently from
 * everyone else's, or flip between the vetting and the replay; every auditor then saw
 * that mirror dissent until a vote removed it. The dissent counts only when it is
 * confirmed at the moment (the witnesses, asked again, back our fresh answer and not the
 * peer's), and in the reputation only while the name's registrable domain has not used
 * its share of the peer's record (replay.h).
 */
static void
round_dissent_counts(struct round_ctx *rc, struct round *r, struct peer *p,
    struct round_q *rq, int *to_rep, int *to_counts)
{
	const uint8_t *wit[REPLAY_WITNESSES];
	char name[4 * DNS_MAXNAME + 1];
	uint64_t now = now_ms();
	size_t i;

	*to_rep = *to_counts = 0;
	if (r->confirming != ROUND_CONFIRMING || !rq->confirm)
		return;		/* the round ran out of time: nothing proven */
	for (i = 0; i < rq->n_wit; i++)
		wit[i] = rq->wit[i];
	dnswire_name2str(rq->q.qname, rq->q.qname_len, name, sizeof(name));
	switch (replay_confirm(&rq->q, rq->own2, rq->own2_len, rq->peer, rq->peer_len, wit,
	    rq->wit_len, rq->n_wit, round_net(rc)->allow_private)) {
	case REPLAY_DISSENT:
		*to_counts = 1;
		if ((*to_rep = replay_domain_charge(rc->env.replay, p->id, &rq->q, now)) == 0)
			log_debug(LOG_G_MIRROR, "peer %s: dissent on %s not added to its "
			    "reputation: its domain has used its share", p->name, name);
		return;
	default:
		log_debug(LOG_G_MIRROR, "peer %s: dissent on %s not confirmed by %zu witnesses: "
		    "the question is no longer replayed", p->name, name, rq->n_wit);
		replay_reject(rc->env.replay, &rq->q, now);
		return;
	}
}

int
round_outcome(int own_ok, int peer_ok, uint64_t peer_ms, uint64_t timeout_ms, int judgement)
{
	if (!own_ok)
		return -1;
	if (!peer_ok || peer_ms > timeout_ms)
		return REP_TIMEOUT;
	/* The ladder, not byte equality: a reordered or re-cased answer agrees. */
	switch (judgement) {
	case REPLAY_AGREE:
		return REP_AGREE;
	case REPLAY_DISSENT:
		return REP_DISSENT;
	default:
		return -1;	/* nothing to judge by */
	}
}

/* How question rq counts (round_outcome), the judge asked only when it matters. */
static int
round_q_outcome(const struct round_ctx *rc, const struct round_q *rq)
{
	const struct mirror_network *net = round_net(rc);
	int own_ok = rq->own_done && rq->own_ok, peer_ok = rq->peer_done && rq->peer_ok;
	int j = REPLAY_UNUSABLE;

	if (own_ok && peer_ok && rq->peer_ms <= net->response_timeout_ms)
		j = replay_judge(&rq->q, rq->own, rq->own_len, rq->peer, rq->peer_len,
		    net->allow_private);
	return round_outcome(own_ok, peer_ok, rq->peer_ms, net->response_timeout_ms, j);
}

/* One sample into c. */
static void
round_tally(struct rep_counts *c, enum rep_outcome o, uint64_t peer_ms)
{
	if (o == REP_AGREE)
		c->agree++;
	else if (o == REP_DISSENT)
		c->dissent++;
	else
		c->timeout++;
	if (o != REP_TIMEOUT) {
		c->responses++;
		c->response_ms_sum += peer_ms;
	}
}

/* Fold one round's samples into reputation, trial and audit counts. */
static void
round_count(struct round_ctx *rc, struct round *r, struct peer *p, struct rep_counts *c)
{
	uint64_t now = wall_s();
	unsigned i;
	int o;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < r->nq; i++) {
		struct round_q *rq = &r->qs[i];
		int to_rep = 1, to_counts = 1;

		if ((o = round_q_outcome(rc, rq)) < 0)
			continue;
		if (o == REP_DISSENT)
			round_dissent_counts(rc, r, p, rq, &to_rep, &to_counts);
		if (to_rep)
			reputation_replay(rc->env.rep, p->id, (enum rep_outcome)o,
			    (uint32_t)rq->peer_ms, now);
		if (to_counts)
			round_tally(c, (enum rep_outcome)o, rq->peer_ms);
	}
	reputation_ping(rc->env.rep, p->id, r->ping_done && r->ping_ok, (uint32_t)r->ping_ms,
	    now);
	if (r->ping_done && r->ping_ok) {
		c->pings++;
		c->ping_ms_sum += r->ping_ms;
	} else {
		c->ping_fail++;
	}
}

void
round_counts_add(struct rep_counts *to, const struct rep_counts *c)
{
	to->agree += c->agree;
	to->dissent += c->dissent;
	to->timeout += c->timeout;
	to->responses += c->responses;
	to->response_ms_sum += c->response_ms_sum;
	to->pings += c->pings;
	to->ping_fail += c->ping_fail;
	to->ping_ms_sum += c->ping_ms_sum;
}

static void
round_free(struct round_ctx *rc, struct round *r)
{
	unsigned i;

	for (i = 0; i < r->nq; i++) {
		if (r->qs[i].rw != NULL) {
			resolve_cancel(r->qs[i].rw);
			r->qs[i].rw = NULL;
		}
		if (r->qs[i].rw2 != NULL) {
			resolve_cancel(r->qs[i].rw2);
			r->qs[i].rw2 = NULL;
		}
		free(r->qs[i].own);
		free(r->qs[i].peer);
		free(r->qs[i].own2);
		for (size_t k = 0; k < r->qs[i].n_wit; k++)
			free(r->qs[i].wit[k]);
	}
	TAILQ_REMOVE(&rc->rounds, r, entry);
	free(r);
}

/* Our fresh answer to a dissent being confirmed. */
static void
round_own2_answer(struct round_q *rq, const struct resolve_result *res)
{
	if (!round_own_usable(res, &rq->own2, &rq->own2_len))
		rq->own2 = NULL;
}

static void
round_resolved2(void *arg, const struct resolve_result *res)
{
	struct round_q *rq = arg;

	rq->rw2 = NULL;
	round_own2_answer(rq, res);
	round_part_done(rq->r);
}

/* Confirm a dissent on question i of r: ask ourselves again, and other mirrors. */
static void
round_confirm(struct round_ctx *rc, struct round *r, unsigned i)
{
	struct round_q *rq = &r->qs[i];
	struct peer *to[REPLAY_WITNESSES];
	uint8_t wire[DNS_HDRLEN + DNS_MAXNAME + 4 + 11];
	struct resolve_result res;
	size_t k, n;

	rq->confirm = 1;
	n = dnswire_build_query(wire, sizeof(wire), &rq->q, 0, DNS_EDNS_SIZE);
	/* Never the peer under audit: it cannot witness for itself. */
	rq->n_wit = n == 0 ? 0 : peers_pick(rc->env.peers, to, REPLAY_WITNESSES, r->peer, NULL,
	    0);
	for (k = 0; k < rq->n_wit; k++) {
		r->left++;
		if (round_send(rc, r, to[k], wire, n, (int)i, (int)k) != 0) {
			rq->wit_done[k] = 1;
			r->left--;
		}
	}
	r->left++;
	if (resolve_lookup(rc->env.resolve, &rq->q, &res)) {
		round_own2_answer(rq, &res);
		r->left--;
	} else if ((rq->rw2 = resolve_start(rc->env.resolve, &rq->q, round_resolved2, rq)) ==
	    NULL) {
		r->left--;
	}
}

/*
 * The round's answers are in: confirm its dissents before it counts. Returns 1 when
 * confirmations are under way (round_finish runs again when they are in, or when the
 * round runs out of time).
 */
static int
round_confirm_dissents(struct round_ctx *rc, struct round *r)
{
	int started = 0;
	unsigned i;

	if (r->confirming != ROUND_ASKING)
		return 0;
	if (r->left > 0) {
		/* Out of time before every answer came: its dissents are not confirmed. */
		r->confirming = ROUND_UNCONFIRMED;
		return 0;
	}
	r->confirming = ROUND_CONFIRMING;
	r->started_ms = now_ms();
	r->left = 1;		/* the guard part, as in round_start */
	for (i = 0; i < r->nq; i++) {
		if (round_q_outcome(rc, &r->qs[i]) == REP_DISSENT) {
			round_confirm(rc, r, i);
			started = 1;
		}
	}
	if (!started) {
		r->left = 0;
		return 0;
	}
	round_part_done(r);
	return 1;
}

static void
round_finish(struct round *r)
{
	struct round_ctx *rc = r->rc;
	struct peer *p = peers_find(rc->env.peers, r->peer);
	struct rep_counts c;

	if (p == NULL) {
		round_free(rc, r);
		return;
	}
	if (round_confirm_dissents(rc, r))
		return;
	p->round_busy = 0;
	round_count(rc, r, p, &c);
	log_debug(LOG_G_MIRROR, "peer %s: round %" PRIu64 ": %u agree, %u dissent, %u timeout, "
	    "ping %s %" PRIu64 " ms", p->name, r->serial, c.agree, c.dissent, c.timeout,
	    c.pings ? "ok" : "failed", r->ping_ms);
	round_free(rc, r);
	if (rc->env.done != NULL)
		rc->env.done(rc->env.done_arg, p, &c);
}

void
round_expire(struct round_ctx *rc, uint64_t now)
{
	/* Rounds stuck past this are ended: what did not come back counts as a timeout. */
	uint64_t limit = 2 * round_net(rc)->response_timeout_ms +
	    (*rc->env.cfg)->upstream_timeout_ms;
	struct round *r, *rnext;

	for (r = TAILQ_FIRST(&rc->rounds); r != NULL; r = rnext) {
		rnext = TAILQ_NEXT(r, entry);
		if (now - r->started_ms > limit)
			round_finish(r);
	}
}

struct round_ctx *
round_ctx_new(const struct round_env *env)
{
	struct round_ctx *rc = calloc(1, sizeof(*rc));

	if (rc == NULL)
		return NULL;
	rc->env = *env;
	TAILQ_INIT(&rc->rounds);
	return rc;
}

void
round_ctx_free(struct round_ctx *rc)
{
	struct round *r;

	if (rc == NULL)
		return;
	while ((r = TAILQ_FIRST(&rc->rounds)) != NULL)
		round_free(rc, r);
	free(rc);
}
