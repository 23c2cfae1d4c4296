/* mirror/replica.h - replicas of one mirror share peers, votes and counts through Redis. */
#ifndef VANTAGE_MIRROR_REPLICA_H
#define VANTAGE_MIRROR_REPLICA_H

#include <event2/buffer.h>
#include <stddef.h>
#include <stdint.h>

#include "mirror_config.h"

struct event_base;
struct peers;
struct replica;
struct reports;
struct reputation;

/*
 * What a replica works with: the event base, the configuration slot (shared: is read at
 * start only), then the tables it keeps in step with the other replicas, and save (may be
 * NULL), called when it changed them so that the state files are written soon.
 */
struct replica_env {
	struct event_base *base;
	struct mirror_config *const *cfg;	/* the mirror's current-config slot */
	struct peers *peers;
	struct reports *reports;
	struct reputation *rep;
	void (*save)(void *arg);
	void *save_arg;
};

/* What /v1/health shows of it. */
struct replica_stats {
	uint64_t loads;			/* full reads of the shared state (at each connection) */
	uint64_t rows_loaded;		/* peer rows read in those reads */
	uint64_t rows_taken;		/* rows (read or announced) that changed our table */
	uint64_t rows_pushed;		/* our peer rows written */
	uint64_t counts_pushed;		/* counter increments written */
	uint64_t counts_taken;		/* counters raised by other replicas' increments */
	uint64_t events;		/* announcements received from the channel */
	uint64_t invalid;		/* rows, counters or announcements refused */
	uint64_t errors;		/* commands that failed (error reply, timeout, lost) */
};

/*
 * replica_new - connect to shared.redis (it must be set) and keep env's tables in step:
 * read the shared state at each (re)connection, write what changes here, take what other
 * replicas announce. The tables as they are now count as already shared (they were, or
 * were read from this replica's own files). env is copied. NULL with err set when the
 * TLS key cannot be read (it keys the seal of shared rows) or out of memory.
 */
struct replica *replica_new(const struct replica_env *env, char *err, size_t errlen);

/* replica_free - disconnects; what is not yet written stays in the state files. NULL ok. */
void replica_free(struct replica *rp);

/* replica_stats - a copy of the counters. */
void replica_stats(const struct replica *rp, struct replica_stats *out);

/*
 * replica_health_json - ,"shared":{...} for /v1/health: the Redis state ("off" when rp
 * is NULL), whether the shared state was read since the last connection, the counters.
 */
void replica_health_json(const struct replica *rp, struct evbuffer *b);

#endif
