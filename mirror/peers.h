/* mirror/peers.h - the peer table: who this mirror knows, joins, fan-out, pinned connections. */
#ifndef VANTAGE_MIRROR_PEERS_H
#define VANTAGE_MIRROR_PEERS_H

#include <event2/buffer.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

#include "http.h"
#include "mirror_config.h"
#include "netaddr.h"
#include "reputation.h"
#include "tls.h"

#define PEERS_FILE "peers.json"
/* Peers kept in all (configured + learned); joins beyond are refused with 503. */
#define PEERS_MAX 4096

struct event_base;
struct peer_conn;
struct peers;

enum peer_state {
	PEER_CANDIDATE,		/* joined, under test */
	PEER_ACTIVE,		/* passed (or configured) */
	PEER_INACTIVE		/* failed a test or removed by vote; retested now and then */
};

/* What a peer is being tested for (audit.c judges the trial, round.c runs its rounds). */
enum peer_trial {
	TRIAL_NONE,
	TRIAL_JOIN,		/* a candidate: pass to become active */
	TRIAL_RETEST		/* an inactive peer: pass to be active again */
};

/* An auditor's finding about a peer, as GET /v1/audit reports it. */
enum audit_vote {
	VOTE_NONE,		/* never audited here */
	VOTE_PENDING,		/* audit running */
	VOTE_REMOVE,
	VOTE_KEEP,
	VOTE_ABSTAIN		/* the audit had too few samples to judge */
};

struct peer {
	TAILQ_ENTRY(peer) entry;
	uint8_t id[TLS_SHA256_LEN];
	char idhex[TLS_SHA256_HEX];
	char name[MIRROR_NAME_MAX + 1];
	char region[MIRROR_NAME_MAX + 1];
	struct netaddr addr;
	char addr_str[NETADDR_STRLEN];
	char *ca_pem;			/* NULL: known by pin only, never contacted */
	struct tls_ctx *ctx;		/* trusts ca_pem alone */
	enum peer_state state;
	char reason[256];		/* why inactive ("" otherwise) */
	int configured;			/* from the configuration's peers */
	int announced;			/* our own join reached it */
	int forwarded;			/* its join was passed on after it passed */
	unsigned hops;			/* joins forwarded before it reached us */
	uint64_t since;			/* unix time of the last state change */
	uint64_t last_ok;		/* unix time of the last successful contact */
	struct peer_conn *conn;

	/* Testing, driven by audit.c (trials, audits) and round.c (replay rounds). */
	enum peer_trial trial;
	unsigned trial_rounds;		/* rounds with samples so far */
	uint64_t trial_started_ms;
	struct rep_counts trial_counts;
	uint64_t audit_until_ms;	/* auditing until then (monotonic ms); 0 = not */
	uint64_t audit_done_ms;		/* when the last audit ended */
	struct rep_counts audit_counts;
	enum audit_vote finding;
	char finding_reason[200];
	uint64_t next_retest_ms;
	int round_busy;			/* a replay round is in flight */
	int check_soon;			/* a client report named it dissenting */

	/* Replicas (replica.c): what the shared row last said, so that changes are seen. */
	uint64_t shared_rev;		/* wall ms of the row's last change; orders writers */
	uint64_t shared_digest;		/* of the shared fields as last written or taken */
	int shared_unsent;		/* Redis does not have our row yet */
};

/*
 * What the peer table works with: the event base, the configuration slot, then services.
 * save (may be NULL) is called whenever the table changed, to have it written soon.
 */
struct peers_env {
	struct event_base *base;
	struct mirror_config *const *cfg;	/* the mirror's current-config slot (reloads swap it) */
	const struct netaddr *bound;		/* our first bound listener: announced when the
						 * configuration has no address */
	struct reputation *rep;			/* records of deleted peers are dropped */
	void (*save)(void *arg);
	void *save_arg;
	/* deleted (may be NULL): p is forgotten (peers_delete), called with save_arg */
	void (*deleted)(void *arg, const uint8_t *id);
};

/*
 * peer_cb - a peer request's outcome: resp->status 0 when the connection failed or timed
 * out. p is the peer asked (alive during the call); ctx is the caller's copy made at
 * request time; elapsed_ms is the time from sending to the response.
 */
typedef void (*peer_cb)(struct peers *ps, struct peer *p, const struct http_response *resp,
    uint64_t elapsed_ms, void *ctx);

/*
 * peers_new - the table: the configured peers of *env->cfg, then what state_dir/peers.json
 * remembers (learned peers, states); env is copied. NULL with err set on a corrupt state
 * file or out of memory.
 */
struct peers *peers_new(const struct peers_env *env, char *err, size_t errlen);

/* peers_free - closes every connection without calling back; accepts NULL. */
void peers_free(struct peers *ps);

/* peers_reconfigure - add peers newly configured (SIGHUP); existing ones are kept. */
void peers_reconfigure(struct peers *ps);

/*
 * peers_first / peers_next - walk the table in order: p = peers_first(ps); p != NULL;
 * p = peers_next(p). Take the next one before deleting p.
 */
struct peer *peers_first(struct peers *ps);
struct peer *peers_next(struct peer *p);

/* peers_total - peers in the table, in any state. */
size_t peers_total(const struct peers *ps);

/* peers_start_trial - test p for kind over network.verify_rounds rounds from now on. */
void peers_start_trial(struct peer *p, enum peer_trial kind);

/*
 * peers_add - a new entry for id, active (the caller sets its state): a join accepted, a
 * configured peer, a remembered one, or one another replica of this mirror accepted
 * (replica.c). The table is marked to be saved. NULL past PEERS_MAX or out of memory.
 */
struct peer *peers_add(struct peers *ps, const uint8_t *id, const char *name,
    const struct netaddr *addr, const char *region, const char *ca_pem);

/* peers_find - the peer with this id, or NULL. */
struct peer *peers_find(struct peers *ps, const uint8_t *id);

/* peers_set_state - change p's state (reason may be NULL for active); logs and saves. */
void peers_set_state(struct peers *ps, struct peer *p, enum peer_state st, const char *reason);

/* peers_delete - forget p entirely (long unreachable); its connection is dropped. */
void peers_delete(struct peers *ps, struct peer *p);

/*
 * peers_sync - anti-entropy: ask one random active peer for its /v1/mirrors and take the
 * active mirrors it lists that we do not know as candidates (tested here before use).
 */
void peers_sync(struct peers *ps);

/* peers_state_name - "candidate", "active", "inactive". */
const char *peers_state_name(enum peer_state st);

/*
 * peers_request - send a request to p over its pinned connection (opened on demand).
 * ctx (ctxlen bytes, may be 0) is copied and handed to cb. Returns 0 (cb will run once,
 * later) or -1 (p has no CA, or no memory; cb will not run).
 */
int peers_request(struct peers *ps, struct peer *p, const char *method, const char *target,
    const char *ctype, const void *body, size_t len, peer_cb cb, const void *ctx,
    size_t ctxlen);

/*
 * peers_expire - fail (status 0, "timeout") the requests of every connection whose oldest
 * request is older than network.response_timeout at now (monotonic ms), and drop it.
 */
void peers_expire(struct peers *ps, uint64_t now);

/*
 * peers_pick - up to max random active, reachable peers (a CA known) into out, none of
 * them equal to exclude (may be NULL) or to an id in skip[0..nskip). Returns the count.
 */
size_t peers_pick(struct peers *ps, struct peer **out, size_t max, const uint8_t *exclude,
    const uint8_t (*skip)[TLS_SHA256_LEN], size_t nskip);

/* What a join did, for the route's status. */
struct peers_join_result {
	int http;			/* 200, 400, 403, 429, 503 */
	const char *error;		/* JSON error code when http != 200 */
	char detail[512];
	const char *state;		/* the id's state here after the join */
};

/*
 * peers_join - handle a POST /v1/join body from client: validate strictly (the CA PEM
 * must hash to the id), rate-limit per source address, then make it a candidate (tested
 * by audit.c and forwarded to fanout peers when it came first-hand), or schedule the
 * retest of a known inactive peer (readmission). Fills res.
 */
void peers_join(struct peers *ps, const void *body, size_t len, const struct netaddr *client,
    struct peers_join_result *res);

/* peers_forward_join - pass p's join (hops + 1) on to fanout random active peers. */
void peers_forward_join(struct peers *ps, struct peer *p);

/* peers_announce - send our own join to configured peers that have not taken it yet. */
void peers_announce(struct peers *ps);

/*
 * peers_admission - the per-address budget that joins, removal requests and notices share:
 * 1 when client may go on, else 0 with *http = 429, *error and detail set for the answer.
 */
int peers_admission(struct peers *ps, const struct netaddr *client, int *http, const char **error,
    char *detail, size_t dlen);

/*
 * peers_rate_ok - one more request of a limited kind (join, remove, notice) from client's
 * address (IPv6: its /64) within joins_per_minute? Returns 1 and counts it, or 0.
 */
int peers_rate_ok(struct peers *ps, const struct netaddr *client, uint64_t now_ms);

/* peers_count - peers in state st. */
size_t peers_count(const struct peers *ps, enum peer_state st);

/* peers_dirty / peers_save - whether to save; write state_dir/peers.json atomically. */
int peers_dirty(const struct peers *ps);
int peers_save(struct peers *ps);

#endif
