/*
 * resolver/portal_live.h - the captive-portal watch in production: the mirror set looked at
 * once a second, the upstream asked a connectivity-check name while no mirror is reachable,
 * both handed to portal.c, which decides.
 */
#ifndef VANTAGED_PORTAL_LIVE_H
#define VANTAGED_PORTAL_LIVE_H

#include <event2/event.h>

#include "portal.h"
#include "resolve.h"

struct mirror_set;
struct portal_live;

/* What the watch is given: slots, read at each tick (a reload may swap the mirror set). */
struct portal_live_env {
	struct event_base *base;
	struct mirror_set *const *mirrors;	/* the daemon's mirror set slot (NULL: none) */
	struct resolve *const *res;		/* the upstream, asked through resolve_refresh */
};

/* portal_live_new - start watching (first look on the next loop turn). NULL: no memory. */
struct portal_live *portal_live_new(const struct portal_live_env *env);

/* portal_live_portal - the state the checks and the control socket use; NULL for NULL. */
struct portal *portal_live_portal(const struct portal_live *pl);

/* portal_live_free - stop watching, cancel a probe under way, free; accepts NULL. */
void portal_live_free(struct portal_live *pl);

#endif
