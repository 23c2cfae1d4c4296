/*
 * mirror/replica_int.h - what replica.c and replica_count.c share; nothing else includes it.
 */
#ifndef VANTAGE_MIRROR_REPLICA_INT_H
#define VANTAGE_MIRROR_REPLICA_INT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

#include "replica_env.h"
#include "replica_row.h"
#include "vredis.h"

/* A shared counter never exceeds this: past it a value is garbage, not a count. */
#define REPLICA_COUNT_MAX (1ull << 48)
/* The counters of a reputation record kept in Redis, in struct rep's shared[] order. */
#define REP_NCOUNTS 5

struct event;
struct evbuffer;
struct redisReply;

enum replica_kind { RK_REPORTS, RK_REP };

/*
 * What a command in flight carries to its callback: the first member of each such
 * struct. vredis_free calls no callback of the commands still out, so the replica keeps
 * them listed and frees them itself when it goes.
 */
struct replica_ctx {
	LIST_ENTRY(replica_ctx) link;
	struct replica *rp;
};

struct replica {
	struct replica_env env;
	struct vredis *vr;
	uint8_t key[REPLICA_KEY_LEN];		/* seals peer rows */
	uint8_t ring_key[REPLICA_KEY_LEN];	/* seals ring entries (replica_ring_key) */
	char rid[17];			/* this process, to skip its own count notices */
	char *k_peers, *k_reports, *k_rep, *k_ring, *channel;
	struct evbuffer *ring_out;	/* questions noted since the last tick, one a line */
	size_t ring_n;
	struct event *tick;
	int was_up, was_sub;
	unsigned unsub_ticks;		/* ticks up but not subscribed */
	int loaded;			/* the shared state was read since the connection */
	int loading;			/* reads out */
	int load_failed;
	unsigned read_fails[4];		/* full reads of each table (replica.c's enum
					 * replica_read) that failed in a row */
	int counts_stale;		/* another replica counted: read the counters again */
	uint64_t counts_read_ms;	/* when a notice last had them read */
	struct replica_stats st;
	uint64_t log_minute;
	unsigned logged;
	LIST_HEAD(, replica_ctx) ctxs;	/* commands in flight */
};

/* replica_ctx_new - size bytes (a struct beginning with a replica_ctx), listed; NULL. */
void *replica_ctx_new(struct replica *rp, size_t size);

/* replica_ctx_free - its callback ran (or the command never went): unlisted and freed. */
void replica_ctx_free(void *ctx);

/* replica_cfg - the current configuration. */
const struct mirror_config *replica_cfg(const struct replica *rp);

/* replica_refuse - a value from Redis refused (where, why): counted, logged now and then. */
void replica_refuse(struct replica *rp, const char *where, const char *why);

/* replica_ok - whether a command's outcome is a reply (not an error); counts the others. */
int replica_ok(struct replica *rp, enum vredis_status status, const struct redisReply *r);

/* replica_changed - our tables changed: have the state files written soon. */
void replica_changed(struct replica *rp);

/*
 * replica_send - send argv (argc strings, at most 8) with cb and shared.timeout; the handle,
 * or NULL when it cannot go (as vredis_command: cb is then never called).
 */
struct vredis_cmd *replica_send(struct replica *rp, vredis_cb cb, void *arg, int argc,
    const char *const *argv);

/* replica_done - a vredis_cb (arg: the replica) for commands whose outcome only counts. */
void replica_done(void *arg, enum vredis_status status, const struct redisReply *r);

/* replica_count_baseline - the counts in the tables now count as shared (at start). */
void replica_count_baseline(struct replica *rp);

/* replica_count_push - write what was counted here since the last tick, and announce it. */
void replica_count_push(struct replica *rp);

/*
 * replica_count_apply - one field f and value v of a counter hash read from Redis
 * (untrusted): what the other replicas added since our last look is added here.
 */
void replica_count_apply(struct replica *rp, enum replica_kind kind, const struct redisReply *f,
    const struct redisReply *v);

/* replica_ring_key - rp->ring_key, derived from rp->key. */
void replica_ring_key(struct replica *rp);

/* replica_ring_read - an LRANGE of the shared ring (untrusted) into our ring, oldest first. */
void replica_ring_read(struct replica *rp, const struct redisReply *r);

/* replica_ring_message - "ring <replica>\n<entries>" announced (untrusted), taken. */
void replica_ring_message(struct replica *rp, const uint8_t *data, size_t len);

/* replica_ring_push - the questions noted since the last tick: written, trimmed, announced. */
void replica_ring_push(struct replica *rp);

#endif
