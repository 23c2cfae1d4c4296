/* mirror/audit.c - peer verification: the timer that drives trials, audits, rounds and votes. */
#include "autoconf.h"

#include <event2/buffer.h>
#include <event2/event.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "json.h"
#include "log.h"
#include "notice.h"
#include "peers.h"
#include "replay.h"
#include "reputation.h"
#include "round.h"
#include "vote.h"
#include "vutil.h"

/* Verify intervals between two anti-entropy pulls of a random peer's /v1/mirrors. */
#define AUDIT_SYNC_TICKS 5

struct audit {
	struct audit_env env;
	struct event *timer;
	uint64_t interval_ms;
	struct replay *replay;		/* the questions fit to replay */
	struct round_ctx *rounds;	/* replay rounds in flight */
	struct vote_ctx *votes;		/* removal votes we run */
	struct notice_ctx *notices;	/* removal notices, both ways */
	uint64_t ticks;
};

static const struct mirror_config *
audit_config(const struct audit *a)
{
	return *a->env.cfg;
}

static const struct mirror_network *
audit_cfg(const struct audit *a)
{
	return &audit_config(a)->network;
}

void
audit_note_question(struct audit *a, const struct dnsq *q, const struct netaddr *client)
{
	if (a == NULL)
		return;
	replay_note(a->replay, q, client);
	if (a->env.noted != NULL)
		a->env.noted(a->env.noted_arg, q, client);
}

void
audit_take_question(struct audit *a, const struct dnsq *q, const struct netaddr *client)
{
	if (a != NULL)
		replay_take(a->replay, q, client);
}

/* ---- trials (joins, retests) and audits ---- */

/* Set p inactive for reason and tell it; it is retested after retest_interval. */
static void
audit_deactivate(void *arg, struct peer *p, const char *reason)
{
	struct audit *a = arg;

	peers_set_state(a->env.peers, p, PEER_INACTIVE, reason);
	p->next_retest_ms = now_ms() + audit_cfg(a)->retest_interval_ms;
	notice_send(a->notices, p);
}

/* After each round of a trial: judge once verify_rounds rounds had samples. */
static void
audit_trial_round(struct audit *a, struct peer *p)
{
	const struct mirror_network *net = audit_cfg(a);
	enum peer_trial kind = p->trial;
	char why[256], reason[300];
	enum rep_verdict v;

	if (p->trial_rounds < net->verify_rounds)
		return;
	v = reputation_judge(&p->trial_counts, net, why, sizeof(why));
	if (v == REP_UNDECIDED)
		return;		/* too few samples yet (an empty ring): keep testing */
	p->trial = TRIAL_NONE;
	if (v == REP_PASS) {
		log_info(LOG_G_MIRROR, "peer %s (%s) passed its %s tests in %u rounds (%" PRIu64
		    " ms): %s", p->name, p->addr_str, kind == TRIAL_JOIN ? "join" : "re-",
		    p->trial_rounds, now_ms() - p->trial_started_ms, why);
		reputation_clear_recent(a->env.rep, p->id);
		peers_set_state(a->env.peers, p, PEER_ACTIVE, NULL);
		if (!p->forwarded) {
			p->forwarded = 1;
			peers_forward_join(a->env.peers, p);
		}
		return;
	}
	snprintf(reason, sizeof(reason), "failed %s tests: %s",
	    kind == TRIAL_JOIN ? "join" : "readmission", why);
	audit_deactivate(a, p, reason);
}

static void
audit_begin(void *arg, struct peer *p)
{
	struct audit *a = arg;

	p->audit_until_ms = now_ms() + audit_cfg(a)->audit_period_ms;
	memset(&p->audit_counts, 0, sizeof(p->audit_counts));
	p->finding = VOTE_PENDING;
	snprintf(p->finding_reason, sizeof(p->finding_reason), "audit in progress");
}

/* An audit's period is over: our finding, and a vote of our own if it says remove. */
static void
audit_end(struct audit *a, struct peer *p)
{
	char why[200];
	enum rep_verdict v = reputation_judge(&p->audit_counts, audit_cfg(a), why, sizeof(why));

	p->audit_until_ms = 0;
	p->audit_done_ms = now_ms();
	p->finding = v == REP_PASS ? VOTE_KEEP : v == REP_FAIL ? VOTE_REMOVE : VOTE_ABSTAIN;
	snprintf(p->finding_reason, sizeof(p->finding_reason), "%s", why);
	log_info(LOG_G_MIRROR, "audit of %s (%s): %s: %s", p->name, p->addr_str,
	    vote_name(p->finding), why);
	/* Removal propagates: whoever finds for removal asks its own cluster. */
	if (p->finding == VOTE_REMOVE && p->state == PEER_ACTIVE && !vote_running(a->votes, p->id))
		vote_start(a->votes, p, why);
}

/* A round of p is over: its counts go to p's audit and trial; a bad record starts a vote. */
static void
audit_round_done(void *arg, struct peer *p, const struct rep_counts *c)
{
	struct audit *a = arg;
	char why[256];

	if (p->audit_until_ms != 0)
		round_counts_add(&p->audit_counts, c);
	if (p->trial != TRIAL_NONE) {
		round_counts_add(&p->trial_counts, c);
		if (c->agree + c->dissent + c->timeout > 0)
			p->trial_rounds++;
		audit_trial_round(a, p);
		return;
	}
	if (p->state == PEER_ACTIVE && !vote_running(a->votes, p->id) && p->audit_until_ms == 0 &&
	    reputation_tripped(reputation_find(a->env.rep, p->id), audit_cfg(a), why, sizeof(why)))
		vote_start(a->votes, p, why);
}

/* ---- requests from others ---- */

/*
 * A removal request (POST /v1/remove) for id: we audit the suspect ourselves, at most
 * once per period. Returns the status for the answer.
 */
static const char *
audit_request(struct audit *a, const uint8_t *id, const char *reason)
{
	struct peer *p;

	if (memcmp(id, audit_config(a)->id, TLS_SHA256_LEN) == 0)
		return "self";
	if ((p = peers_find(a->env.peers, id)) == NULL || p->ctx == NULL)
		return "unknown";
	if (p->audit_until_ms != 0)
		return "running";
	/* One audit per suspect per period: a flood of requests costs one audit. */
	if (p->audit_done_ms != 0 && now_ms() - p->audit_done_ms < audit_cfg(a)->audit_period_ms)
		return "done";
	log_info(LOG_G_MIRROR, "audit of %s (%s) requested: %s", p->name, p->addr_str,
	    reason[0] ? reason : "(no reason given)");
	audit_begin(a, p);
	return "started";
}

void
audit_post(struct audit *a, int notice, const void *body, size_t len,
    const struct netaddr *client, struct audit_result *res)
{
	uint8_t id[TLS_SHA256_LEN];
	char reason[200];

	memset(res, 0, sizeof(*res));
	res->http = 200;
	if (!peers_admission(a->env.peers, client, &res->http, &res->error, res->detail,
	    sizeof(res->detail)))
		return;
	if (notice_parse_body(body, len, notice ? "from" : "id", id, reason, sizeof(reason),
	    res->detail, sizeof(res->detail)) != 0) {
		res->http = 400;
		res->error = notice ? "bad-notice" : "bad-remove";
		return;
	}
	res->status = notice ? notice_receive(a->notices, id, reason) :
	    audit_request(a, id, reason);
}

int
audit_vote_json(struct audit *a, const uint8_t *id, struct evbuffer *b)
{
	vote_json(a->env.peers, audit_config(a)->id, id, b);
	return 200;
}

void
audit_report_hint(struct audit *a, const struct report *rep)
{
	char hex[TLS_SHA256_HEX];
	struct peer *p;
	size_t i;

	for (i = 0; i < rep->n_results; i++) {
		const struct report_result *r = &rep->results[i];

		if (memcmp(r->mirror, audit_config(a)->id, TLS_SHA256_LEN) == 0)
			continue;
		if ((p = peers_find(a->env.peers, r->mirror)) == NULL) {
			/* The report has the id only: no address, no CA, nothing to test. */
			log_debug(LOG_G_MIRROR, "report names unknown mirror %s: cannot test it "
			    "(a report carries no address)", tls_hex(r->mirror, TLS_SHA256_LEN, hex));
			continue;
		}
		if (r->outcome != REPORT_AGREE)
			p->check_soon = 1;
	}
}

void
audit_health_json(struct audit *a, struct evbuffer *b)
{
	struct peers *ps = a->env.peers;

	evbuffer_add_printf(b, ",\"network\":{");
	json_kv_u64(b, 1, "peers", peers_total(ps));
	json_kv_u64(b, 0, "active", peers_count(ps, PEER_ACTIVE));
	json_kv_u64(b, 0, "candidates", peers_count(ps, PEER_CANDIDATE));
	json_kv_u64(b, 0, "inactive", peers_count(ps, PEER_INACTIVE));
	json_kv_u64(b, 0, "votes", vote_count(a->votes));
	json_kv_u64(b, 0, "rounds", a->ticks);
	json_kv_u64(b, 0, "replayable", replay_count(a->replay));
	json_kv_u64(b, 0, "recent", replay_ring_count(a->replay));
	json_kv_u64(b, 0, "recent_taken", replay_ring_taken(a->replay));
	notice_json(a->notices, b);
	evbuffer_add(b, "}", 1);
}

/* ---- the timer ---- */

static void
audit_peer_tick(struct audit *a, struct peer *p, uint64_t now)
{
	const struct mirror_network *net = audit_cfg(a);

	if (p->audit_until_ms != 0 && now >= p->audit_until_ms)
		audit_end(a, p);
	if (p->state == PEER_INACTIVE && p->trial == TRIAL_NONE && p->ctx != NULL &&
	    now >= p->next_retest_ms) {
		if (p->next_retest_ms != 0)
			peers_start_trial(p, TRIAL_RETEST);
		p->next_retest_ms = now + net->retest_interval_ms;
	}
	if (p->trial != TRIAL_NONE || p->audit_until_ms != 0 || p->check_soon) {
		p->check_soon = 0;
		round_start(a->rounds, p);
	}
}

/* Deleting is the one irreversible act: only a learned peer, inactive and silent for long. */
static void
audit_forget(struct audit *a, uint64_t unow)
{
	const struct mirror_network *net = audit_cfg(a);
	struct peer *p, *next;
	uint64_t seen;

	for (p = peers_first(a->env.peers); p != NULL; p = next) {
		next = peers_next(p);
		seen = p->last_ok > p->since ? p->last_ok : p->since;
		if (p->configured || p->state != PEER_INACTIVE || p->round_busy ||
		    vote_running(a->votes, p->id) || seen + net->forget_after_ms / 1000 > unow)
			continue;
		peers_delete(a->env.peers, p);
	}
}

static void
audit_tick(evutil_socket_t fd, short what, void *arg)
{
	struct audit *a = arg;
	const struct mirror_network *net = audit_cfg(a);
	struct peer *p, *pick[64];
	uint64_t now = now_ms(), unow = wall_s();
	size_t i, n;

	(void)fd;
	(void)what;
	a->ticks++;
	peers_expire(a->env.peers, now);
	replay_tick(a->replay, now);
	round_expire(a->rounds, now);
	peers_announce(a->env.peers);
	/* Every fifth interval: cheap at any size, and enough to close gossip's gaps fast. */
	if (a->ticks % AUDIT_SYNC_TICKS == 0)
		peers_sync(a->env.peers);
	for (p = peers_first(a->env.peers); p != NULL; p = peers_next(p))
		audit_peer_tick(a, p, now);
	/* Spot checks: a few random active peers per interval keep every reputation fresh. */
	n = peers_pick(a->env.peers, pick, net->check_peers < 64 ? net->check_peers : 64, NULL,
	    NULL, 0);
	for (i = 0; i < n; i++)
		round_start(a->rounds, pick[i]);
	vote_tick(a->votes, now);
	audit_forget(a, unow);
	if (a->env.save != NULL)
		a->env.save(a->env.save_arg);
}

static void
audit_arm(struct audit *a)
{
	uint64_t ms = audit_cfg(a)->verify_interval_ms;
	struct timeval tv = { (time_t)(ms / 1000), (suseconds_t)(ms % 1000 * 1000) };

	a->interval_ms = ms;
	evtimer_del(a->timer);
	event_assign(a->timer, a->env.base, -1, EV_PERSIST, audit_tick, a);
	evtimer_add(a->timer, &tv);
}

struct audit *
audit_new(const struct audit_env *env)
{
	struct audit *a = calloc(1, sizeof(*a));
	struct replay_env re;
	struct round_env ro;
	struct vote_env ve;

	if (a == NULL)
		return NULL;
	a->env = *env;
	re = (struct replay_env){ env->cfg, env->resolve, env->peers };
	if ((a->replay = replay_new(&re)) == NULL)
		goto fail;
	ro = (struct round_env){ env->cfg, env->peers, env->rep, env->resolve, a->replay,
		audit_round_done, a };
	ve = (struct vote_env){ env->cfg, env->peers, env->rep, audit_begin, audit_deactivate,
		a };
	if ((a->rounds = round_ctx_new(&ro)) == NULL || (a->votes = vote_ctx_new(&ve)) == NULL ||
	    (a->notices = notice_ctx_new(env->cfg, env->peers)) == NULL ||
	    (a->timer = event_new(env->base, -1, EV_PERSIST, audit_tick, a)) == NULL)
		goto fail;
	audit_arm(a);
	return a;
fail:
	audit_free(a);
	return NULL;
}

void
audit_reconfigure(struct audit *a)
{
	replay_reconfigure(a->replay);
	if (a->interval_ms != audit_cfg(a)->verify_interval_ms)
		audit_arm(a);
}

void
audit_free(struct audit *a)
{
	if (a == NULL)
		return;
	if (a->timer != NULL)
		event_free(a->timer);
	round_ctx_free(a->rounds);
	vote_ctx_free(a->votes);
	notice_ctx_free(a->notices);
	replay_free(a->replay);
	free(a);
}
