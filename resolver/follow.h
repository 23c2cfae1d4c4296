/*
 * resolver/follow.h - follow the network: the upstreams of `upstreams: auto` follow the files
 * where the system keeps its resolvers, and a warning says when the system stops asking us.
 */
#ifndef VANTAGED_FOLLOW_H
#define VANTAGED_FOLLOW_H

#include <event2/event.h>
#include <stddef.h>

#include "netaddr.h"

struct config;
struct follow;

/* What follow is created with (copied): data, then services. */
struct follow_env {
	struct event_base *base;
	struct config *const *cfg;	/* the daemon's config slot: its upstreams_from files, and
					 * where the upstreams learned from them are written */
	const char *resolv_conf;	/* the system's resolv.conf (a test's own, in tests) */
	/* The i-th address vantaged's listeners are bound to; NULL past the end. */
	const struct netaddr *(*bound)(void *arg, size_t i);
	/* Hand (*cfg)'s upstreams to the resolver: 0, or -1 when it was busy (try again). */
	int (*apply)(void *arg);
	void *arg;			/* for bound and apply */
};

/* How often the files are looked at (a stat each: nothing for a laptop's battery). */
#define FOLLOW_TICK_MS 2000

/*
 * follow_new - start watching the config's upstreams_from files (with upstreams: auto) and
 * env->resolv_conf. What they say now is the starting point: the config already holds it.
 * Returns the watcher to free with follow_free, or NULL when memory ran out (vantaged then
 * runs without following; said in the log).
 */
struct follow *follow_new(const struct follow_env *env);

/* follow_reconfigure - after a reload replaced the config (which learned afresh): start
 * over. Accepts NULL. */
void follow_reconfigure(struct follow *f);

/*
 * follow_in_path - whether the system's resolv.conf makes applications ask vantaged first:
 * its first nameserver is one of our port-53 listeners, or systemd-resolved's stub whose own
 * first server is. 1 yes, 0 no, -1 unknown (unreadable, no listener on port 53, f NULL).
 */
int follow_in_path(const struct follow *f);

/* follow_free - stop; accepts NULL. */
void follow_free(struct follow *f);

#endif
