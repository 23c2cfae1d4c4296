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
struct check;
struct control;
struct metrics;
struct recent;
struct dashboard;
struct probe_set;
struct plugin_chain;

/* In-flight checks table size (a power of two). */
#define VANTAGED_CHECK_BUCKETS 1024


struct vantaged {
	struct event_base *base;
	struct config *cfg;
	struct resolve *res;
	struct listen_ctx *listen;	/* the sockets and TCP connections (listen.c) */
	struct query_ctx *query;	/* the query path (query.c) */
	uint64_t start_ms;
	struct vstats st;
	const char *resolv_conf;
	const char *config_path;
	int verbose;			/* -v: debug logging that a reload must not undo */

	/* Consensus (check.c). */
	struct mirror_set *mirrors;
	/* The files the mirror set was read from (bootstrap list, trust store), as stat saw
	 * them: a reload that changes neither them nor the mirror keys keeps the set. */
	struct stat mirror_files[2];
	struct vcache *vcache;
	struct check *checks[VANTAGED_CHECK_BUCKETS];
	int dissent_fd;
	uint8_t secret[32];		/* keys mirror selection; per install, in the state dir */
	struct event *save_timer;
	int vcache_dirty;
	uint64_t vcache_saved;		/* monotonic seconds of the last save */
	struct probe_set *probes;	/* TLS probes of local addresses (check_ca.c) */
	struct tls_store *trust_store;	/* mirrors.trust_store, loaded per (re)load: the
					 * stub's own handshake is judged against it */

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

/* vantaged_notify - tell systemd (Type=notify) about a state change, e.g. "READY=1". */
void vantaged_notify(const char *state);

/*
 * vantaged_resolve_config - the resolver's settings (upstreams, forward zones, timeout, cache
 * limits) from cfg; rc points into cfg and fw (the forward zones' room).
 */
void vantaged_resolve_config(const struct config *cfg, struct resolve_config *rc,
    struct resolve_forward fw[RESOLVE_MAX_FORWARDS]);

#endif
