/*
 * resolver/vstore.h - the verified cache's persistence: the state file read at start, the
 * journal of changes since the last save replayed after a crash, saves every 5 minutes
 * when something changed (sooner when the journal grows) and at exit; and the install's
 * secret that keys the cache's hashes (secret.c).
 */
#ifndef VANTAGED_VSTORE_H
#define VANTAGED_VSTORE_H

#include <event2/event.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

struct vstore;
struct vcache;

/* What the store is given. */
struct vstore_env {
	struct event_base *base;	/* for the save timer */
	struct config *const *cfg;	/* the daemon's configuration slot: cache.state_file,
					 * cache.max_entries */
};

/*
 * vstore_new - make the verified cache (keyed by the install's secret), fill it from the
 * state file and its journal, and start the save timer. A state file that cannot be read
 * is logged and the cache starts empty. NULL (err set) when out of memory.
 */
struct vstore *vstore_new(const struct vstore_env *env, char *err, size_t errlen);

/* vstore_free - save (logs failures) and free the store and its cache; accepts NULL. */
void vstore_free(struct vstore *vs);

/* vstore_vcache - the verified cache; the store owns it. */
struct vcache *vstore_vcache(struct vstore *vs);

/* vstore_secret - the install's secret (SECRET_LEN bytes), for mirror selection. */
const uint8_t *vstore_secret(const struct vstore *vs);

/* vstore_touch - the cache changed: the next save tick saves it. Accepts NULL. */
void vstore_touch(struct vstore *vs);

/* vstore_save - write the state file now (logs failures); 0, or -1 (the old file kept). */
int vstore_save(struct vstore *vs);

/* vstore_reconfigure - cfg's cache size, at reload (before cfg replaces the running one). */
void vstore_reconfigure(struct vstore *vs, const struct config *cfg);

#endif
