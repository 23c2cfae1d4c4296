/*
 * resolver/follow.h - follow the network: the upstreams of `upstreams: auto` follow the files
 * where the system keeps its resolvers, and a warning says when the system stops asking us.
 */
#ifndef VANTAGED_FOLLOW_H
#define VANTAGED_FOLLOW_H

#include <event2/event.h>
#include <stddef.h>

#include "config.h"
#include "netaddr.h"

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
	/* The forward zones changed (learned from the links): answers cached for names they
	 * moved came from resolvers no longer asked. May be NULL. */
	void (*zones_changed)(void *arg);
	/* About to change (*cfg)'s upstreams or zones (begin 1), and done (0): other threads
	 * reading the slot wait in between. May be NULL. */
	void (*quiesce)(void *arg, int begin);
	void *arg;			/* for bound, apply, zones_changed and quiesce */
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

/*
 * follow_sandbox_dir - the directory a sandbox read rule must cover for forward_from's dir:
 * dir itself when it is there, else its parent (resolved makes netif/ at its first link),
 * into buf (len bytes). Returns buf, or NULL.
 */
const char *follow_sandbox_dir(const char *dir, char *buf, size_t len);

/* ---- split DNS learned from the links (follow_links.c) ---- */

/* What a link file says: its servers and its domains (presentation form, no '~'). */
#define FOLLOW_LINK_MAX_DOMAINS 16
struct follow_link {
	struct netaddr servers[CONFIG_MAX_FORWARD_TO];
	size_t n_servers;
	char domains[FOLLOW_LINK_MAX_DOMAINS][256];
	size_t n_domains;
	int default_route;	/* "~." (or "."): the link takes any name; not a forward zone */
};

/*
 * follow_link_parse - a link file's text (modified in place): resolved's netif files
 * (SERVERS=, DOMAINS= with '~' for route-only domains) and networkd's (DNS=, DOMAINS=,
 * ROUTE_DOMAINS=). Link-local servers (with a %zone) and unparsable entries are skipped.
 */
void follow_link_parse(char *text, struct follow_link *l);

/* Which servers a learned zone must not go to: refuse returns 1 and says why. */
struct follow_refuse {
	int (*refuse)(void *arg, const struct netaddr *a, char *why, size_t len);
	void *arg;
};

/* The zones learned from the links; zone strings are owned. */
struct follow_learned {
	struct config_forward z[CONFIG_MAX_FORWARDS];
	size_t n;
};

/*
 * follow_links_learn - the zones of the link files in c's forward_from directories, sorted:
 * each domain of a link with servers (those r refuses left out, with a log line), a domain
 * at or below a configured forward: zone left to the configuration; at most
 * CONFIG_MAX_FORWARDS with the configured ones.
 */
void follow_links_learn(const struct config *c, const struct follow_refuse *r,
    struct follow_learned *ls);

/* follow_learned_clear - free ls's zone strings; n = 0. */
void follow_learned_clear(struct follow_learned *ls);

/* follow_learned_str - "corp.example to 10.0.0.1:53, ..." or "none" into buf. */
char *follow_learned_str(const struct config_forward *z, size_t n, char *buf, size_t len);

#endif
