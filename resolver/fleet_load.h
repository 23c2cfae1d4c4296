/*
 * resolver/fleet_load.h - what the fleet proved before this instance was listening: the
 * proven (name, address, CA) pairs and the CA histories already in Redis, read once each
 * time the connection comes up (a new instance, or one back after Redis was away). Verdicts
 * are not read in bulk: a question looks its own up (fleet_ask). Main loop only.
 */
#ifndef VANTAGED_FLEET_LOAD_H
#define VANTAGED_FLEET_LOAD_H

#include <stddef.h>
#include <stdint.h>

struct vredis;
struct fleet_load;

/* At most this many keys are read per load: a bound on the work, whatever Redis holds
 * (the verified cache keeps fewer anyway). */
#define FLEET_LOAD_MAX 200000

struct fleet_load_env {
	struct vredis *vr;
	const char *prefix;		/* the fleet's key prefix (copied) */
	/* One value read: validated and imported by the caller (key is "<prefix>p:..." or
	 * "<prefix>h:..."); the same rules as a value announced on the channel. */
	void (*take)(void *arg, const char *key, const uint8_t *val, size_t len);
	void *arg;
};

/* fleet_load_new - idle until fleet_load_start; NULL on allocation failure. */
struct fleet_load *fleet_load_new(const struct fleet_load_env *env);

/* fleet_load_free - a read under way is abandoned. Accepts NULL. */
void fleet_load_free(struct fleet_load *l);

/*
 * fleet_load_start - read every pair and history under the prefix (SCAN ... MATCH, then MGET
 * each batch), from the start: a read already under way is abandoned first. Logs what it
 * read when done. The connection going away ends the read; the next start reads again, but
 * not within a minute of the last (a connection cut again and again costs one read).
 */
void fleet_load_start(struct fleet_load *l);

/* fleet_load_read - keys read by the last complete or current load. */
uint64_t fleet_load_read(const struct fleet_load *l);

#endif
