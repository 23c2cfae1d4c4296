/* mirror/audit.h - peer verification: the timer that drives trials, audits, rounds and votes. */
#ifndef VANTAGE_MIRROR_AUDIT_H
#define VANTAGE_MIRROR_AUDIT_H

#include <event2/buffer.h>
#include <stddef.h>
#include <stdint.h>

#include "dnswire.h"
#include "mirror_config.h"
#include "netaddr.h"
#include "peers.h"
#include "reports.h"

struct audit;
struct event_base;
struct reputation;
struct resolve;

/*
 * What the network engine works with: the event base and the configuration slot, then
 * services, then save (called after each interval, to have the state files written soon).
 */
struct audit_env {
	struct event_base *base;
	struct mirror_config *const *cfg;	/* the mirror's current-config slot (reloads swap it) */
	struct peers *peers;
	struct reputation *rep;
	struct resolve *resolve;
	void (*save)(void *arg);
	void *save_arg;
	/* noted (may be NULL): a client asked q here (audit_note_question), for the replicas */
	void (*noted)(void *arg, const struct dnsq *q, const struct netaddr *client);
	void *noted_arg;
};

/*
 * audit_new - the network engine: the ring of recent questions (replay.c), replay rounds
 * (round.c), removal votes (vote.c), notices (notice.c) and the timer that runs them every
 * network.verify_interval; env is copied. Free it before env->peers. NULL on allocation
 * failure.
 */
struct audit *audit_new(const struct audit_env *env);

/* audit_free - stops the timer and cancels every round and vote; accepts NULL. */
void audit_free(struct audit *a);

/* audit_reconfigure - apply new network settings (ring size, interval) after a reload. */
void audit_reconfigure(struct audit *a);

/*
 * audit_note_question - remember a question a client (address, may be NULL) asked: a
 * candidate for replays, which are vetted first (replay.h).
 */
void audit_note_question(struct audit *a, const struct dnsq *q, const struct netaddr *client);

/*
 * audit_take_question - the same for a question a client asked another replica of this
 * mirror (replica.c): into the ring under the other replicas' share (replay_take), and not
 * handed to env->noted again.
 */
void audit_take_question(struct audit *a, const struct dnsq *q, const struct netaddr *client);

/* The outcome of a POST /v1/remove or /v1/notice, for the route. */
struct audit_result {
	int http;			/* 200, 400, 429 */
	const char *error;		/* JSON error code when http != 200 */
	char detail[512];
	const char *status;		/* what happened, for the 200 body */
};

/*
 * audit_post - POST /v1/remove (notice 0) or /v1/notice (notice 1), rate-limited per client
 * address, into res.
 * A removal request: a peer (or anyone: the request proves nothing) asks us to audit a
 * mirror. We audit it for network.audit_period ourselves, at most once per period per
 * suspect; our vote is then published at GET /v1/audit for whoever asks over a pinned
 * connection.
 * A notice: a peer tells us it removed us. The claim is not trusted: we ask that peer
 * (pinned to its CA, when we know it) for its state of us, and show the reason it gives
 * in /v1/health.
 */
void audit_post(struct audit *a, int notice, const void *body, size_t len,
    const struct netaddr *client, struct audit_result *res);

/*
 * audit_vote_json - the body of GET /v1/audit?id=: our state for the id and our vote.
 * Appends to b and returns 200.
 */
int audit_vote_json(struct audit *a, const uint8_t *id, struct evbuffer *b);

/*
 * audit_report_hint - a client report names mirrors: known peers reported as dissenting
 * or failing get an extra replay round soon (reports are unauthenticated hints, never
 * evidence); unknown ids are logged (a report carries no address to test them at).
 */
void audit_report_hint(struct audit *a, const struct report *rep);

/* audit_health_json - append ,"network":{...} for /v1/health. */
void audit_health_json(struct audit *a, struct evbuffer *b);

#endif
