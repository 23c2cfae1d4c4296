/* resolver/vantaged.c - vantaged: start-up, signals, reload and shutdown. */
#include "autoconf.h"

#include <event2/event.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stddef.h>
#include <unistd.h>

#include "ratelimit.h"
#include "check.h"
#include "check_ca.h"
#include "check_live.h"
#include "portal_live.h"
#include "dissent.h"
#include "config.h"
#include "control.h"
#include "listen.h"
#include "log.h"
#include "query.h"
#include "metrics.h"
#include "daemon.h"
#include "dashboard.h"
#include "recent.h"
#include "plugin.h"
#include "plugin_conf.h"
#include "resolve.h"
#include "sandbox.h"
#include "fleet.h"
#include "follow.h"
#include "vantaged.h"
#include "tcp_admit.h"
#include "vstore.h"
#include "worker.h"
#include "vutil.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif
#define VANTAGED_DEFAULT_CONFIG SYSCONFDIR "/vantage/vantaged.yaml"

static void
usage(void)
{
	fprintf(stderr, "usage: vantaged [-dnvV] [-c file]\n"
			"  -c file  configuration (default %s)\n"
			"  -d       stay in the foreground and log to stderr\n"
			"  -n       check the configuration and exit (with -v: print it)\n"
			"  -v       more logging (debug)\n"
			"  -V       print the version and exit\n",
	    VANTAGED_DEFAULT_CONFIG);
	exit(1);
}

/* The resolver's settings (upstreams, forward zones, timeout, cache limits) from cfg; rc
 * points into cfg and fw (the forward zones' room). */
static void
vantaged_resolve_config(const struct config *cfg, struct resolve_config *rc,
    struct resolve_forward fw[RESOLVE_MAX_FORWARDS])
{
	memset(rc, 0, sizeof(*rc));
	rc->upstreams = cfg->upstreams;
	rc->n_upstreams = cfg->n_upstreams;
	for (size_t i = 0; i < cfg->n_forwards && i < RESOLVE_MAX_FORWARDS; i++) {
		fw[i].zone = cfg->forwards[i].wire;
		fw[i].zone_len = cfg->forwards[i].len;
		fw[i].to = cfg->forwards[i].to;
		fw[i].n_to = cfg->forwards[i].n_to;
		rc->n_forwards = i + 1;
	}
	rc->forwards = fw;
	rc->timeout_ms = (uint32_t)cfg->upstream_timeout_ms;
	rc->cache.max_entries = cfg->cache.max_entries;
	rc->cache.min_ttl = (uint32_t)cfg->cache.min_ttl;
	rc->cache.max_ttl = (uint32_t)cfg->cache.max_ttl;
	rc->cache.neg_max_ttl = (uint32_t)cfg->cache.negative_max_ttl;
	rc->cache.stale_ttl = (uint32_t)(cfg->cache.serve_stale_ms / 1000);
}

static void
vantaged_log_upstreams(const struct config *cfg)
{
	char list[CONFIG_MAX_UPSTREAMS * (NETADDR_STRLEN + 1)];

	netaddr_list_str(cfg->upstreams, cfg->n_upstreams, list, sizeof(list));
	if (cfg->upstreams_auto && cfg->n_upstreams == 0)
		log_warnx(LOG_G_UPSTREAM, "upstreams: auto: no file of upstreams_from names a "
					  "resolver yet; answering SERVFAIL until one does");
	else if (cfg->upstreams_auto)
		log_info(LOG_G_UPSTREAM, "forwarding to %s (auto, from %s)", list,
		    cfg->upstreams_from[cfg->upstreams_source]);
	else
		log_info(LOG_G_UPSTREAM, "forwarding to %s", list);
}

/* The per-client token buckets for cfg into *rl (NULL: no limit); 0, or -1 (out of memory). */
static int
vantaged_ratelimit(const struct config *cfg, struct ratelimit **rl)
{
	/* 64k slots of 24 bytes: 1.5 MiB at most, and only when limiting is on. */
	*rl = NULL;
	if (cfg->ratelimit_qps && (*rl = ratelimit_new(cfg->ratelimit_qps, cfg->ratelimit_burst,
				       65536)) == NULL)
		return -1;
	return 0;
}

/* The event loops cfg asks for; one when plugins run (their chain is the main loop's). */
static int
vantaged_workers(const struct config *cfg)
{
	int n = worker_count(cfg);

	if (n > 1 && plugin_conf_any(cfg->plugins)) {
		if (cfg->workers > 1)
			log_warnx(LOG_G_CONFIG, "workers: %d: plugins run on one loop; using 1",
			    cfg->workers);
		return 1;
	}
	return n;
}

/* What a reload cannot change while the worker loops run; 0, or -1 (said why). */
static int
vantaged_reload_workers(struct vantaged *vd, const struct config *cfg)
{
	if (worker_pool_size(vd->workers) > 1 && plugin_conf_any(cfg->plugins)) {
		log_warnx(LOG_G_CONFIG, "reload failed, keeping the running configuration: plugins "
					"need workers: 1, and %zu worker loops run; restart to apply",
		    worker_pool_size(vd->workers));
		return -1;
	}
	if (vantaged_workers(cfg) != (int)worker_pool_size(vd->workers))
		log_warnx(LOG_G_CONFIG, "reload: workers changed; it takes effect at the next restart");
	return 0;
}

/* Each loop's resolver gets rc, or none does (busy); 0 or -1. */
static int
vantaged_resolvers(struct vantaged *vd, const struct resolve_config *rc)
{
	if (!resolve_can_reconfigure(vd->res) || !worker_pool_can_reconfigure(vd->workers) ||
	    resolve_reconfigure(vd->res, rc) != 0)
		return -1;
	(void)worker_pool_reconfigure(vd->workers, rc); /* out of memory only: logged */
	return 0;
}

/* Apply cfg (loaded); the worker loops are parked. */
static void
vantaged_reload_apply(struct vantaged *vd, struct config *cfg)
{
	char err[512];
	struct resolve_config rc;
	struct resolve_forward fw[RESOLVE_MAX_FORWARDS];
	struct ratelimit *rl;

	if (vantaged_reload_workers(vd, cfg) != 0) {
		config_free(cfg);
		return;
	}
	if (!listen_same(vd->listen, cfg)) {
		/* Privileges are gone: port 53 cannot be bound again. Say so, keep serving. */
		log_warnx(LOG_G_CONFIG,
		    "reload: listen addresses changed; they take effect at the next restart");
		memcpy(cfg->listen, vd->cfg->listen, sizeof(cfg->listen));
		cfg->n_listen = vd->cfg->n_listen;
	}
	if (vantaged_ratelimit(cfg, &rl) != 0) {
		log_warnx(LOG_G_CONFIG, "reload failed (out of memory), keeping the running configuration");
		config_free(cfg);
		return;
	}
	vantaged_resolve_config(cfg, &rc, fw);
	if (vantaged_resolvers(vd, &rc) != 0) {
		/* All or none: the new buckets go too (installed before, they outlived this). */
		ratelimit_free(rl);
		log_warnx(LOG_G_CONFIG, "reload failed (busy), keeping the running configuration");
		config_free(cfg);
		return;
	}
	ratelimit_free(vd->ratelimit);
	vd->ratelimit = rl;
	if (check_live_reload(vd->live, vd->cfg, cfg, vd->checks, err, sizeof(err)) != 0) {
		/* The upstreams already changed; the mirrors stay as they were. */
		log_warnx(LOG_G_CONFIG, "reload: mirrors unchanged: %s", err);
	} else {
		vstore_reconfigure(vd->store, cfg);
		dissent_reopen(vd->dissent, cfg->dissent_log); /* logrotate moved it away */
	}
	config_shared_keep(vd->cfg, cfg); /* the fleet's connection lives until a restart */
	if (!vd->verbose)
		log_set_level(-1, (enum log_level)cfg->log_level);
	/* logs; the running store stays on failure */
	(void)check_ca_reconfigure(vd->check_ca, cfg);
	control_reload(vd->control, cfg);
	metrics_reload(vd->metrics, cfg);
	dashboard_reload(vd->dashboard, cfg);
	plugin_reconfigure(vd->plugins, cfg);
	config_free(vd->cfg);
	vd->cfg = cfg;
	vantaged_log_upstreams(cfg);
	follow_reconfigure(vd->follow);
	log_info(LOG_G_MAIN, "configuration reloaded");
}

void
vantaged_reload(struct vantaged *vd)
{
	char err[512];
	struct config *cfg;

	daemon_notify("RELOADING=1");
	log_info(LOG_G_MAIN, "reloading %s", vd->config_path);
	if ((cfg = config_load(vd->config_path, vd->resolv_conf, err, sizeof(err))) == NULL)
		log_warnx(LOG_G_CONFIG, "reload failed, keeping the running configuration: %s", err);
	else {
		/* Every loop reads the config slot: they wait while it changes. */
		worker_pool_pause(vd->workers);
		vantaged_reload_apply(vd, cfg);
		worker_pool_resume(vd->workers);
	}
	daemon_notify("READY=1"); /* also after a failure: the old configuration serves */
}

static void
vantaged_signal(evutil_socket_t sig, short what, void *arg)
{
	struct vantaged *vd = arg;

	switch (sig) {
	case SIGHUP:
		vantaged_reload(vd);
		break;
	case SIGTERM:
	case SIGINT:
		log_info(LOG_G_MAIN, "stopping on signal %d", (int)sig);
		event_base_loopbreak(vd->base);
		break;
	}
}

/*
 * Shrink what a compromised daemon could do: it keeps reading its configuration (reload)
 * and writing its state, dissent log and control socket, and nothing else on disk; no
 * process it might start can gain privileges, and none can start (seccomp: execve fails).
 */
static void
vantaged_sandbox(struct vantaged *vd)
{
	struct sandbox_paths p = { 0 };
	struct sandbox_state st;
	char d0[4096], d1[4096], d2[4096], why[256], links[CONFIG_MAX_FORWARD_FROM][4096];
	int e;

	if (!vd->cfg->sandbox) {
		log_info(LOG_G_MAIN, "sandbox: off (sandbox: false)");
		return;
	}
	p.read[0] = vd->config_path;
	p.read[1] = vd->resolv_conf;
	p.read[2] = vd->cfg->mirrors_bootstrap;
	/* The trust store of webpki mirrors and of the stub's own handshakes (CA evidence),
	 * loaded again on reload. */
	p.read[3] = vd->cfg->mirrors_trust_store;
	/* The dashboard's pages, read again on reload. */
	p.read[4] = vd->cfg->dashboard.on ? vd->cfg->dashboard.root : NULL;
	/* upstreams: auto follows these files (follow.c); their directories stay readable. */
	for (size_t i = 0; vd->cfg->upstreams_auto && i < vd->cfg->n_upstreams_from &&
	     i < CONFIG_MAX_UPSTREAMS_FROM; i++)
		p.read[5 + i] = vd->cfg->upstreams_from[i];
	/* shared.key_file, read again on reload (config_shared.c). */
	p.read[5 + CONFIG_MAX_UPSTREAMS_FROM + CONFIG_MAX_FORWARD_FROM] = vd->cfg->shared.key_file;
	/* forward_from: the links' directories (resolved renames its files there). */
	for (size_t i = 0; i < vd->cfg->n_forward_from && i < CONFIG_MAX_FORWARD_FROM; i++)
		p.read[5 + CONFIG_MAX_UPSTREAMS_FROM + i] =
		    follow_sandbox_dir(vd->cfg->forward_from[i], links[i], sizeof(links[i]));
	p.write_dirs[0] = sandbox_dirname(vd->cfg->cache.state_file, d0, sizeof(d0));
	p.write_dirs[1] = sandbox_dirname(vd->cfg->dissent_log, d1, sizeof(d1));
	p.write_dirs[2] = sandbox_dirname(vd->cfg->control_socket, d2, sizeof(d2));
	if (plugin_sandbox_paths(vd->plugins, p.read, sizeof(p.read) / sizeof(p.read[0]), p.write_dirs,
		sizeof(p.write_dirs) / sizeof(p.write_dirs[0])) > 0)
		log_warnx(LOG_G_PLUGIN, "sandbox: too many plugin file directories; some files "
					"will not be reopened on reload");
	if (sandbox_enter(&p, 1, &st, why, sizeof(why)) != 0)
		fatalx("sandbox: %s", why);
	log_info(LOG_G_MAIN, "sandbox: no_new_privs, landlock %s, seccomp %s",
	    st.landlock_abi ? "on" : "not offered by the kernel",
	    st.seccomp > 0 ? "on" : st.seccomp < 0 ? "off (sanitizer build)" : "not built");
	if (log_enabled(LOG_G_MAIN, LOG_L_DEBUG)) {
		e = sandbox_selftest_exec();
		log_debug(LOG_G_MAIN, "sandbox: self-test: exec of /bin/true %s%s",
		    e == 0 ? "ran" : "refused: ", e == 0 ? "" : e > 0 ? strerror(e) : "?");
	}
}

/* ---- what the operation rooms (report.h) read of the daemon, and the reload they ask for ---- */

static struct mirror_set *
vantaged_src_mirrors(void *arg)
{
	return ((struct vantaged *)arg)->mirrors;
}

static struct vcache *
vantaged_src_vcache(void *arg)
{
	return ((struct vantaged *)arg)->vcache;
}

static const struct netaddr *
vantaged_src_listen(void *arg, size_t i)
{
	return listen_bound(((struct vantaged *)arg)->listen, i);
}

static int
vantaged_src_in_path(void *arg)
{
	return follow_in_path(((struct vantaged *)arg)->follow);
}

static void
vantaged_src_vcache_changed(void *arg)
{
	vstore_touch(((struct vantaged *)arg)->store);
}

static int
vantaged_src_applies(void *arg, const struct dnsq *q)
{
	return check_applies(((struct vantaged *)arg)->checks, q);
}

static struct check_wait *
vantaged_src_check(void *arg, const struct dnsq *q, check_cb cb, void *cbarg)
{
	return check_explain(((struct vantaged *)arg)->checks, q, cb, cbarg);
}

static void
vantaged_src_plugin_metrics(void *arg, struct evbuffer *out)
{
	plugin_metrics(((struct vantaged *)arg)->plugins, out);
}

static void
vantaged_src_reload(void *arg)
{
	vantaged_reload(arg);
}

/* Loop i's counters: 0 the main loop's, then each worker's. */
static const struct vstats *
vantaged_loop_stats(void *arg, size_t i)
{
	struct vantaged *vd = arg;

	return i >= worker_pool_size(vd->workers) ? NULL
	    : i == 0				      ? &vd->st
						      : worker_pool_stats(vd->workers, i);
}

/* Worker loop i's resolver (i >= 1). */
static struct resolve *
vantaged_loop_res(void *arg, size_t i)
{
	struct vantaged *vd = arg;

	return i >= 1 && i < worker_pool_size(vd->workers) ? worker_pool_res(vd->workers, i) : NULL;
}

/* Worker loop i's queue toward the checks (report_src.loop_queue). */
static int
vantaged_loop_queue(void *arg, size_t i, uint64_t *waiting, uint64_t *high, uint64_t *full)
{
	return worker_pool_queue(((struct vantaged *)arg)->workers, i, waiting, high, full);
}

/* The instance's counters: the loops' summed (each a word its loop alone writes). */
static void
vantaged_totals(void *arg)
{
	struct vantaged *vd = arg;
	const size_t n = sizeof(struct vstats) / sizeof(uint64_t);
	uint64_t *t = (uint64_t *)&vd->st_total;
	const struct vstats *st;

	memset(t, 0, sizeof(vd->st_total));
	for (size_t i = 0; (st = vantaged_loop_stats(vd, i)) != NULL; i++)
		for (size_t k = 0; k < n; k++)
			t[k] += __atomic_load_n((const uint64_t *)st + k, __ATOMIC_RELAXED);
}

/* Open the control socket, the metrics endpoint and the dashboard (as root still: the
 * control socket goes where only root may write, /run). None is worth leaving the
 * machine without DNS for: they log why and the daemon goes on. */
static void
vantaged_ops_open(struct vantaged *vd)
{
	const struct report_src src = { .cfg = &vd->cfg, .st = &vd->st_total,
		.config_path = vd->config_path, .resolv_conf = vd->resolv_conf,
		.start_ms = vd->start_ms, .res = &vd->res, .recent = &vd->recent, .arg = vd,
		.mirrors = vantaged_src_mirrors, .vcache = vantaged_src_vcache,
		.listen_bound = vantaged_src_listen, .in_path = vantaged_src_in_path,
		.vcache_changed = vantaged_src_vcache_changed, .applies = vantaged_src_applies,
		.check = vantaged_src_check, .plugin_metrics = vantaged_src_plugin_metrics,
		.refresh = vantaged_totals, .loop_stats = vantaged_loop_stats,
		.loop_res = vantaged_loop_res, .loop_queue = vantaged_loop_queue,
		.portal = &vd->portal, .fleet = &vd->fleet };
	const struct control_env cenv = { .base = vd->base, .src = src,
		.reload = vantaged_src_reload, .arg = vd };
	const struct metrics_env menv = { .base = vd->base, .src = src };
	const struct dashboard_env denv = { .base = vd->base, .src = src };

	if (control_open(&cenv, &vd->control) != 0)
		log_warnx(LOG_G_CTL, "running without a control socket");
	if (metrics_open(&menv, &vd->metrics) != 0)
		log_warnx(LOG_G_MAIN, "running without the metrics endpoint");
	if ((vd->recent = recent_new(vd->base, &vd->st_total)) == NULL)
		fatalx("out of memory");
	recent_set_refresh(vd->recent, vantaged_totals, vd);
	if (dashboard_open(&denv, &vd->dashboard) != 0)
		log_warnx(LOG_G_MAIN, "running without the dashboard");
}

/* Hand the config's upstreams (follow.c learned them) to the resolver; 0, or -1 when busy. */
static int
vantaged_apply_upstreams(void *arg)
{
	struct vantaged *vd = arg;
	struct resolve_config rc;
	struct resolve_forward fw[RESOLVE_MAX_FORWARDS];

	vantaged_resolve_config(vd->cfg, &rc, fw);
	return vantaged_resolvers(vd, &rc);
}

/* follow.c is about to change the config slot's upstreams or zones (begin), or is done. */
static void
vantaged_quiesce(void *arg, int begin)
{
	struct vantaged *vd = arg;

	(begin ? worker_pool_pause : worker_pool_resume)(vd->workers);
}

/* The links' forward zones changed: the cached answers came from who was asked before. */
static void
vantaged_zones_changed(void *arg)
{
	dnscache_flush(resolve_cache(((struct vantaged *)arg)->res));
}

/* Follow the network's resolvers (upstreams: auto), the links' zones (forward_from) and
 * whether the system still asks us. */
static void
vantaged_follow(struct vantaged *vd)
{
	struct follow_env env = { .base = vd->base, .cfg = &vd->cfg,
		.resolv_conf = vd->resolv_conf, .bound = vantaged_src_listen,
		.apply = vantaged_apply_upstreams, .zones_changed = vantaged_zones_changed,
		.quiesce = vantaged_quiesce, .arg = vd };

	if ((vd->follow = follow_new(&env)) == NULL)
		log_warnx(LOG_G_MAIN, "out of memory: not following the network's resolvers");
}

/* The plugins' env->ask: a cross-check like a client's, when there are mirrors to ask. */
static struct check_wait *
vantaged_plugin_ask(void *arg, const struct dnsq *q, check_cb done, void *done_arg)
{
	struct vantaged *vd = arg;

	return vd->mirrors ? check_start(vd->checks, q, NULL, done, done_arg) : NULL;
}

/* Start the plugin chain on the config slot; a plugin that does not start stops us. */
static void
vantaged_plugins(struct vantaged *vd)
{
	struct plugin_chain_env env = { .base = vd->base, .cfg = &vd->cfg,
		.ask = vantaged_plugin_ask, .ask_cancel = check_cancel, .ask_arg = vd };
	char err[512];

	if ((vd->plugins = plugin_chain_new(&env, err, sizeof(err))) == NULL)
		fatalx("%s", err);
}

/* The checks' answers reach the plugins' on_answer (observe only). */
static void
vantaged_on_answer(void *arg, const struct dnsq *q, const char *source, const char *region,
    const uint8_t *wire, size_t len)
{
	plugin_on_answer(((struct vantaged *)arg)->plugins, q, source, region, wire, len);
}

/*
 * The cross-check and what it is given: the verified cache and its store, the mirror set,
 * the dissent log, the CA evidence. Returns 0, or -1 (err set).
 */
static int
vantaged_checks_new(struct vantaged *vd, char *err, size_t errlen)
{
	struct vstore_env se = { vd->base, &vd->cfg };
	struct portal_live_env pe = { .base = vd->base, .mirrors = &vd->mirrors, .res = &vd->res };
	struct check_ca_env ce = { .base = vd->base, .cfg = &vd->cfg, .st = &vd->st,
		.mirrors = &check_live_mirror_ops, .clock = check_live_clock };
	struct check_env env = { .base = vd->base, .cfg = &vd->cfg, .st = &vd->st,
		.mirrors = &check_live_mirror_ops, .mirrors_svc = &vd->mirrors,
		.upstream = &check_live_upstream_ops, .upstream_svc = vd->res,
		.clock = check_live_clock, .on_answer = vantaged_on_answer, .on_answer_arg = vd };

	if ((vd->store = vstore_new(&se, err, errlen)) == NULL)
		return -1;
	vd->vcache = vstore_vcache(vd->store);
	if (vd->cfg->shared.on &&
	    (env.fleet = ce.fleet = vd->fleet = fleet_new(&(struct fleet_env){ .base = vd->base,
		 .shared = &vd->cfg->shared, .st = &vd->st, .vcache = vd->vcache,
		 .store = vd->store, .wall_s = check_live_clock.wall_s })) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if ((vd->live = check_live_new(vd->base, vd->cfg, &vd->mirrors,
		 vstore_secret(vd->store), err, errlen)) == NULL)
		return -1;
	ce.vcache = env.vcache = vd->vcache;
	ce.store = env.store = vd->store;
	env.dissent = vd->dissent = dissent_new(vd->cfg->dissent_log);
	env.ca = vd->check_ca = check_ca_new(&ce);
	env.portal = portal_live_portal(vd->portal = portal_live_new(&pe));
	if (vd->dissent == NULL || vd->check_ca == NULL || vd->portal == NULL ||
	    (vd->checks = check_new(&env)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

/* The checks first (their waiters get SERVFAIL), then what they were given. */
static void
vantaged_checks_free(struct vantaged *vd)
{
	check_free(vd->checks);
	fleet_free(vd->fleet);
	portal_live_free(vd->portal);
	check_ca_free(vd->check_ca);
	check_live_free(vd->live);
	dissent_free(vd->dissent);
	vstore_free(vd->store); /* saves the verified cache */
}

/* The query path's services (query.h), bound to this daemon's checks and plugin chain. */
static int
vantaged_q_check_applies(void *vd, const struct dnsq *q)
{
	return check_applies(((struct vantaged *)vd)->checks, q);
}

static int
vantaged_q_check_cached(void *vd, const struct dnsq *q, const struct resolve_result *hit,
    struct policy_decision *d)
{
	return check_cached(((struct vantaged *)vd)->checks, q, hit, d);
}

static struct check_wait *
vantaged_q_check_start(void *vd, const struct dnsq *q, const struct resolve_result *local,
    check_cb cb, void *arg)
{
	return check_start(((struct vantaged *)vd)->checks, q, local, cb, arg);
}

static int
vantaged_q_check_prefetch(void *vd, const struct dnsq *q)
{
	return check_prefetch(((struct vantaged *)vd)->checks, q);
}

static int
vantaged_q_plugins_active(void *vd)
{
	return plugin_active(((struct vantaged *)vd)->plugins);
}

static void
vantaged_q_plugin_req_init(void *vd, struct plugin_req *pr, const struct dnsq *q,
    const struct netaddr *peer, int tcp)
{
	plugin_req_init(pr, ((struct vantaged *)vd)->plugins, q, peer, tcp);
}

/* The query path, once everything it uses runs; questions start flowing to it. */
static void
vantaged_query(struct vantaged *vd)
{
	struct query_env qe = {
		.base = vd->base, .cfg = &vd->cfg, .st = &vd->st, .ratelimit = &vd->ratelimit,
		.res = vd->res, .recent = vd->recent,
		.svc = { vd, vantaged_q_check_applies, vantaged_q_check_cached,
		    vantaged_q_check_start, check_cancel, vantaged_q_plugins_active,
		    vantaged_q_plugin_req_init, vantaged_q_check_prefetch },
	};

	if ((vd->query = query_new(&qe)) == NULL)
		fatalx("out of memory");
	listen_set_query(vd->listen, vd->query);
}

/* The command line. */
struct vantaged_opts {
	const char *path;		/* -c */
	const char *resolv_conf;	/* $VANTAGED_RESOLV_CONF, else the system's */
	int debug, check, verbose;	/* -d, -n, -v (counted) */
};

/* Read the command line into o; -V prints and exits, a usage error exits. */
static void
vantaged_options(int argc, char **argv, struct vantaged_opts *o)
{
	char err[512];
	int ch;

	memset(o, 0, sizeof(*o));
	o->path = VANTAGED_DEFAULT_CONFIG;
	while ((ch = getopt(argc, argv, "c:dnvV")) != -1) {
		switch (ch) {
		case 'c':
			o->path = optarg;
			break;
		case 'd':
			o->debug = 1;
			break;
		case 'n':
			o->check = 1;
			break;
		case 'v':
			o->verbose++;
			break;
		case 'V':
			printf("vantaged %s\n", PACKAGE_VERSION);
			plugin_conf_print_version(stdout);
			exit(plugin_conf_check_table(err, sizeof(err)) == 0 ? 0 : (printf("%s\n", err), 1));
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	/* Tests point "auto" at their own file; operators never need this. */
	if ((o->resolv_conf = getenv("VANTAGED_RESOLV_CONF")) == NULL)
		o->resolv_conf = CONFIG_RESOLV_CONF;
}

/* The plugin table and the configuration, checked before anything runs; -n ends here. */
static void
vantaged_load(struct vantaged *vd, const struct vantaged_opts *o)
{
	char err[512];

	memset(vd, 0, sizeof(*vd));
	/* A descriptor built for another plugin API is refused before anything runs. */
	if (plugin_conf_check_table(err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		exit(1);
	}
	if ((vd->cfg = config_load(o->path, o->resolv_conf, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s\n", err);
		exit(1);
	}
	if (o->check) {
		if (o->verbose)
			config_print(vd->cfg, stdout);
		else
			fprintf(stderr, "%s: configuration OK\n", o->path);
		config_free(vd->cfg);
		exit(0);
	}
	vd->config_path = o->path;
	vd->verbose = o->verbose;
	vd->resolv_conf = o->resolv_conf;
}

/* What needs root: the loop, the listeners, the control socket (/run) and the HTTP
 * endpoints; then root is dropped for good. */
static void
vantaged_open(struct vantaged *vd)
{
	int n;

	if ((vd->base = event_base_new()) == NULL)
		fatalx("cannot create the event loop");
	if (vantaged_ratelimit(vd->cfg, &vd->ratelimit) != 0)
		fatalx("out of memory");
	n = vantaged_workers(vd->cfg);
	if (n > 1 && (vd->admit = tcp_admit_new()) == NULL)
		fatalx("out of memory");
	if ((vd->listen = listen_new(&(struct listen_env){ .base = vd->base, .cfg = &vd->cfg,
		 .st = &vd->st, .reuseport = n > 1, .admit = vd->admit })) == NULL)
		fatalx("cannot listen; stopping");
	if (n > 1 && (vd->workers = worker_pool_new(&(struct worker_env){ .main_base = vd->base,
		 .cfg = &vd->cfg, .ratelimit = &vd->ratelimit, .listen = vd->listen,
		 .admit = vd->admit, .st = &vd->st }, n)) == NULL)
		fatalx("cannot start %d worker loops; stopping", n);
	vantaged_ops_open(vd);
	daemon_drop_privileges(vd->cfg->user);
}

/* The modules that answer: the resolver, the cross-check, the plugins, following. */
static void
vantaged_start(struct vantaged *vd)
{
	struct resolve_config rc;
	struct resolve_forward fw[RESOLVE_MAX_FORWARDS];
	char err[512];

	vantaged_resolve_config(vd->cfg, &rc, fw);
	if ((vd->res = resolve_new(vd->base, &rc)) == NULL)
		fatalx("out of memory");
	vantaged_log_upstreams(vd->cfg);
	if (vantaged_checks_new(vd, err, sizeof(err)) != 0)
		fatalx("%s", err);
	vantaged_plugins(vd);
	vantaged_query(vd);
	if (vd->workers && worker_pool_start(vd->workers, vd->res, &rc, vd->checks, vd->recent) != 0)
		fatalx("out of memory");
	vantaged_follow(vd);
}

/* Everything vantaged_open and vantaged_start made, in the order that lets each go. */
static void
vantaged_stop(struct vantaged *vd)
{
	worker_pool_stop(vd->workers);	/* first: their questions go before what they use */
	follow_free(vd->follow);
	query_free(vd->query);
	plugin_chain_free(vd->plugins);
	vd->plugins = NULL;
	listen_free(vd->listen);
	control_close(vd->control);	/* before vantaged_checks_free: it cancels pending explains */
	metrics_close(vd->metrics);
	dashboard_close(vd->dashboard);	/* before vantaged_checks_free: it cancels pending explains */
	vantaged_checks_free(vd);
	recent_free(vd->recent);
	worker_pool_free(vd->workers);	/* after the checks: their last answers to the workers */
	resolve_free(vd->res);
	ratelimit_free(vd->ratelimit);
	tcp_admit_free(vd->admit);	/* every loop's connections are gone */
}

/* SIGHUP reloads, SIGTERM and SIGINT stop: into sigs (VANTAGED_SIGNALS events). */
#define VANTAGED_SIGNALS 3
static void
vantaged_signals(struct vantaged *vd, struct event *sigs[VANTAGED_SIGNALS])
{
	static const int signums[VANTAGED_SIGNALS] = { SIGHUP, SIGTERM, SIGINT };

	for (int i = 0; i < VANTAGED_SIGNALS; i++) {
		sigs[i] = evsignal_new(vd->base, signums[i], vantaged_signal, vd);
		if (sigs[i] == NULL || evsignal_add(sigs[i], NULL) != 0)
			fatalx("cannot install signal handlers");
	}
}

int
main(int argc, char **argv)
{
	struct vantaged_opts o;
	struct vantaged vd;
	struct event *sigs[VANTAGED_SIGNALS];

	vantaged_options(argc, argv, &o);
	vantaged_load(&vd, &o);
	log_init("vantaged", o.debug, o.verbose ? LOG_L_DEBUG : (enum log_level)vd.cfg->log_level);
	vd.start_ms = now_ms();
	signal(SIGPIPE, SIG_IGN);
	if (!o.debug)
		daemon_detach();
	vantaged_open(&vd);
	vantaged_start(&vd);
	vantaged_signals(&vd, sigs);
	vantaged_sandbox(&vd);
	if (worker_pool_run(vd.workers) != 0)
		fatalx("cannot start the worker loops; stopping");
	log_info(LOG_G_MAIN, "ready: %zu worker loop%s", worker_pool_size(vd.workers),
	    worker_pool_size(vd.workers) > 1 ? "s" : "");
	daemon_notify("READY=1\nSTATUS=answering");
	event_base_dispatch(vd.base);
	daemon_notify("STOPPING=1");

	vantaged_stop(&vd);
	for (int i = 0; i < VANTAGED_SIGNALS; i++)
		event_free(sigs[i]);
	event_base_free(vd.base);
	config_free(vd.cfg);
	log_info(LOG_G_MAIN, "stopped");
	return 0;
}
