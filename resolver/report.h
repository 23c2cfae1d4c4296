/* resolver/report.h - the daemon's state as JSON: one producer each for the control socket and the dashboard. */
#ifndef VANTAGED_REPORT_H
#define VANTAGED_REPORT_H

#include <event2/buffer.h>
#include <stddef.h>
#include <stdint.h>

#include "jw.h"
#include "netaddr.h"
#include "resolve.h"
#include "stats.h"

struct config;
struct mirror_set;
struct vcache;
struct recent;
struct check_wait;
struct check_result;
struct dnsq;
struct portal_live;
struct fleet;
struct resolve_stats;
struct upstream_set;
struct upstream_stats;

/*
 * What the operation rooms (report, explain, metrics, control, dashboard) read of the
 * running daemon: they show the whole instance, but through this read-only view instead
 * of the daemon's own struct. vantaged.c fills it once; every module that takes one
 * copies it. Handles the daemon makes after the operation modules start (the resolver,
 * the recent ring) are slots read at each use; the check room's handles (mirrors, the
 * verified cache) and what other rooms compute from the whole daemon are callbacks, all
 * given arg.
 */
struct report_src {
	struct config *const *cfg;	/* the daemon's current-config slot: reloads swap it */
	const struct vstats *st;
	const char *config_path;	/* the file -c named */
	const char *resolv_conf;	/* the system's resolv.conf (the tests' own, in tests) */
	uint64_t start_ms;		/* now_ms() when the daemon started */
	struct resolve *const *res;
	struct recent *const *recent;
	struct portal_live *const *portal;	/* captive portals (NULL slot or value: none) */
	struct fleet *const *fleet;	/* shared: the fleet's Redis (NULL slot or value: off) */

	void *arg;
	/* The mirror set (NULL: none configured) and the verified cache (NULL: none). */
	struct mirror_set *(*mirrors)(void *arg);
	struct vcache *(*vcache)(void *arg);
	/* The i-th bound DNS listener address; NULL past the last (listen_bound). */
	const struct netaddr *(*listen_bound)(void *arg, size_t i);
	/* Whether the system asks us first: 1, 0, -1 unknown (follow_in_path). */
	int (*in_path)(void *arg);
	/* Verdicts were flushed: the state file must forget them too. */
	void (*vcache_changed)(void *arg);
	/* explain.c: whether q is cross-checked (check_applies), and a fresh check of it that
	 * reuses no cached verdict (check_explain; cb runs once unless check_cancel). */
	int (*applies)(void *arg, const struct dnsq *q);
	struct check_wait *(*check)(void *arg, const struct dnsq *q,
	    void (*cb)(void *cbarg, const struct check_result *res), void *cbarg);
	/* metrics.c: the plugin chain's metrics text into out (plugin_metrics). */
	void (*plugin_metrics)(void *arg, struct evbuffer *out);
	/* Bring *st up to date before reading it (with worker loops it is their sum); NULL:
	 * it always is. */
	void (*refresh)(void *arg);
	/* Event loop i's own counters (0: the main loop); NULL past the last, or when NULL. */
	const struct vstats *(*loop_stats)(void *arg, size_t i);
	/* Event loop i's resolver (i >= 1: a worker's, whose upstream sockets are its own);
	 * NULL past the last, or when NULL. */
	struct resolve *(*loop_res)(void *arg, size_t i);
	/* Worker loop i's (i >= 1) questions waiting for the checks now, the most that ever
	 * waited, and those answered SERVFAIL because too many did; -1 when i is not a worker
	 * (or when NULL). */
	int (*loop_queue)(void *arg, size_t i, uint64_t *waiting, uint64_t *high, uint64_t *full);
};

/* report_upstream_stats - upstream i of the main loop's set, its counters summed over
 * every loop's resolver (the same upstream in each). */
void report_upstream_stats(const struct report_src *src, struct upstream_set *ups, size_t i,
    struct upstream_stats *st);

/* report_resolve_stats - the resolvers' figures, summed over every loop. */
void report_resolve_stats(const struct report_src *src, struct resolve_stats *rs);

/* report_refresh - src->refresh, when there is one. */
void report_refresh(const struct report_src *src);

/*
 * Each producer writes its members into w (jw_init'ed on the answer's buffer, as after a
 * first member). `vantagectl CMD` and the dashboard's /api/CMD call the same producer, so
 * the two never disagree (tests/integration/dashboard_api.sh compares them). A failed
 * append sets w->err; the caller then answers "out of memory".
 */

/* report_status - `status`: version, listeners, upstreams, mirrors ready, cache, counters,
 * CA evidence, whether resolv.conf still sends the system to us ("resolv_conf"), and the
 * captive-portal state ("portal"). */
void report_status(const struct report_src *src, struct jw *w);

/* report_mirrors - `mirrors`: each mirror's state, round trip, counters and verification. */
void report_mirrors(const struct report_src *src, struct jw *w);

/* report_cache - `cache stats`: the answer cache and the verified cache. */
void report_cache(const struct report_src *src, struct jw *w);

/*
 * report_cache_flush - `cache flush [NAME]`: forget NAME's answers and verdicts (NULL:
 * everything), and say how many ("flushed"). Changes state: the dashboard asks for its
 * token first. Returns 0, or -1 with err (errlen bytes) for a bad name.
 */
int report_cache_flush(const struct report_src *src, struct jw *w, const char *name, char *err,
    size_t errlen);

/* report_upstreams - the upstreams array (also part of status and reload). */
void report_upstreams(const struct report_src *src, struct jw *w);

/* report_recent - `recent`: the last refused or flagged answers, newest first. */
void report_recent(const struct report_src *src, struct jw *w);

/* report_clients - `clients`: per-client counts, most questions first. */
void report_clients(const struct report_src *src, struct jw *w);

/* report_history - `history`: verdicts per minute over the last hour, by outcome. */
void report_history(const struct report_src *src, struct jw *w);

/*
 * report_shared - status's "shared": the fleet's Redis (state up, down, connecting or off;
 * the server, never its password; since when; the counters of stats.c's "shared" group).
 */
void report_shared(const struct report_src *src, struct jw *w);

/* report_portal - the captive-portal state and window (portal_live_portal), or NULL. */
struct portal *report_portal(const struct report_src *src);

/* report_mirror_count - how many mirrors are configured (0 without a set). */
size_t report_mirror_count(const struct report_src *src);

/*
 * report_envelope - the whole answer into out: {"ok":true,"command":CMD<fields>} when err
 * is NULL (fields: the producer's members, each with its leading comma; may be NULL), else
 * {"ok":false,"command":CMD,"error":ERR}; no newline. Returns 0 or -1 (memory).
 */
int report_envelope(struct evbuffer *out, const char *cmd, const char *err,
    struct evbuffer *fields);

#endif
