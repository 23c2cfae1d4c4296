/* resolver/vantaged.h - the daemon's shared state, handed to each module. */
#ifndef VANTAGED_H
#define VANTAGED_H

#include <event2/event.h>
#include <stdint.h>
#include <sys/stat.h>

#include "config.h"
#include "resolve.h"
#include "stats.h"

struct listen_ctx;
struct query_ctx;
struct mirror_set;
struct vcache;
struct vstore;
struct dissent;
struct check_ctx;
struct check_ca_ctx;
struct check_live;
struct portal_live;
struct control;
struct metrics;
struct recent;
struct dashboard;
struct probe_set;
struct plugin_chain;
struct worker_pool;
struct fleet;


struct vantaged {
	struct event_base *base;
	struct config *cfg;
	struct resolve *res;
	struct listen_ctx *listen;	/* the sockets and TCP connections (listen.c) */
	struct query_ctx *query;	/* the query path (query.c) */
	uint64_t start_ms;
	struct vstats st;		/* the main loop's counters */
	struct vstats st_total;		/* the instance's: st and every worker's (vantaged_totals) */
	struct worker_pool *workers;	/* the other loops (worker.c), NULL with one */
	struct tcp_admit *admit;	/* the TCP limits every loop shares (NULL with one) */
	const char *resolv_conf;
	const char *config_path;
	int verbose;			/* -v: debug logging that a reload must not undo */

	/* Consensus: the checks (check.c), their CA evidence (check_ca.c), the mirror set
	 * they ask (check_live.c keeps it), the verified cache and its persistence (vstore.c),
	 * the dissent log (dissent.c). */
	struct check_ctx *checks;
	struct check_ca_ctx *check_ca;
	struct check_live *live;
	struct mirror_set *mirrors;
	struct vstore *store;
	struct vcache *vcache;		/* the store's */
	struct dissent *dissent;
	struct portal_live *portal;	/* captive portals: the watch and the window */
	struct fleet *fleet;		/* shared: the fleet's Redis (fleet.c), or NULL */

	struct ratelimit *ratelimit;	/* NULL when ratelimit.qps is 0 */
	struct follow *follow;		/* upstreams: auto and the system's path (follow.c) */

	/* Operation: the control socket (control.c) and the metrics endpoint (metrics.c). */
	struct control *control;
	struct metrics *metrics;
	struct recent *recent;		/* refusals, clients, verdicts per minute (recent.c) */
	struct dashboard *dashboard;	/* the web dashboard (dashboard.c), or NULL */

	/* The plugin chain (plugin.c). */
	struct plugin_chain *plugins;
};

/*
 * vantaged_reload - read the configuration file again and apply it; a broken file is
 * logged and the running configuration stays. (SIGHUP and `vantagectl reload`.)
 */
void vantaged_reload(struct vantaged *vd);


#endif
