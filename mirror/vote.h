/* mirror/vote.h - removal votes: the auditors asked, their findings pulled, the majority acted on. */
#ifndef VANTAGE_MIRROR_VOTE_H
#define VANTAGE_MIRROR_VOTE_H

#include <event2/buffer.h>
#include <stddef.h>
#include <stdint.h>

#include "http.h"
#include "mirror_config.h"
#include "peers.h"

struct reputation;
struct vote_ctx;

/*
 * What votes work with: the configuration slot, then services, then the hooks into the
 * audits that run alongside (both called with arg): begin_audit starts our own audit of
 * a suspect (so that our finding is there for others who ask), deactivate sets a peer
 * inactive by the vote's decision with its reason.
 */
struct vote_env {
	struct mirror_config *const *cfg;	/* the mirror's current-config slot (reloads swap it) */
	struct peers *peers;			/* the suspects and the auditors asked */
	struct reputation *rep;			/* a kept suspect's recent record is forgotten */
	void (*begin_audit)(void *arg, struct peer *p);
	void (*deactivate)(void *arg, struct peer *p, const char *reason);
	void *arg;
};

/* vote_ctx_new - no vote running yet; env is copied. NULL on allocation failure. */
struct vote_ctx *vote_ctx_new(const struct vote_env *env);

/* vote_ctx_free - drops every vote; accepts NULL. */
void vote_ctx_free(struct vote_ctx *vc);

/*
 * vote_start - a vote on p for reason: up to network.audit_fanout random active peers
 * (never p, never us) are asked to audit p (POST /v1/remove), our own audit begins, and
 * their findings are pulled (GET /v1/audit) once an audit period has passed.
 */
void vote_start(struct vote_ctx *vc, struct peer *p, const char *reason);

/* vote_running - whether a vote on suspect is under way. */
int vote_running(struct vote_ctx *vc, const uint8_t *suspect);

/* vote_count - votes under way. */
size_t vote_count(const struct vote_ctx *vc);

/*
 * vote_tick - at now (monotonic ms): pull the findings still pending of every vote past
 * its wait, and decide those with every finding in or past their deadline.
 */
void vote_tick(struct vote_ctx *vc, uint64_t now);

/*
 * vote_decide_count - the majority rule over n findings: *rm and *keep are the remove and
 * keep findings (abstentions and missing ones count for neither); returns 1 for removal
 * (more remove than keep: ties keep). *why (may be NULL) points at the last remove
 * finding's reason that is not empty in reasons (may be NULL), or stays as it was. Pure.
 */
int vote_decide_count(const enum audit_vote *v, const char *const *reasons, size_t n,
    unsigned *rm, unsigned *keep, const char **why);

/* vote_name - "none", "pending", "remove", "keep", "abstain". */
const char *vote_name(enum audit_vote v);

/*
 * vote_parse - a GET /v1/audit answer: the finding into *vote, its reason into reason
 * (rlen bytes; the state's reason instead when the state is "inactive"), and our state
 * there into state (slen bytes). Returns 0, or -1 for anything but a 200 with a vote.
 */
int vote_parse(const struct http_response *resp, enum audit_vote *vote, char *reason,
    size_t rlen, char *state, size_t slen);

/*
 * vote_json - the body of GET /v1/audit?id=: auditor self's state for the peer id in ps
 * and its finding, appended to b.
 */
void vote_json(struct peers *ps, const uint8_t *self, const uint8_t *id, struct evbuffer *b);

#endif
