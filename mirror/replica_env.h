/* mirror/replica_env.h - what a replica is given and what it counts (replica.h's types). */
#ifndef VANTAGE_MIRROR_REPLICA_ENV_H
#define VANTAGE_MIRROR_REPLICA_ENV_H

#include <stdint.h>

#include "mirror_config.h"

struct audit;
struct event_base;
struct peers;
struct reports;
struct reputation;

/*
 * What a replica works with: the event base, the configuration slot (shared: is read at
 * start only), then the tables it keeps in step with the other replicas, the audits (whose
 * ring takes the other replicas' questions), and save (may be NULL), called when it
 * changed the tables so that the state files are written soon.
 */
struct replica_env {
	struct event_base *base;
	struct mirror_config *const *cfg;	/* the mirror's current-config slot */
	struct peers *peers;
	struct reports *reports;
	struct reputation *rep;
	struct audit *audit;			/* the ring of recent questions */
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
	uint64_t ring_pushed;		/* client questions written to the shared ring */
	uint64_t ring_taken;		/* questions other replicas' clients asked, taken */
	uint64_t ring_dropped;		/* noted faster than a ring's worth per tick: dropped */
};

#endif
