/*
 * resolver/follow.c - follow the network. A laptop changes networks: DHCP, a VPN or
 * NetworkManager rewrite the files where the system keeps its resolvers (most often by
 * renaming a new file over the old). With `upstreams: auto`, vantaged forwards to what those
 * files say now, not to what they said at start; and when the system's resolv.conf stops
 * naming vantaged, the log says so once, since from then on nothing is protected.
 */
#include "autoconf.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "follow.h"
#include "listen.h"
#include "log.h"
#include "vantaged.h"
#include "vutil.h"

/* resolved's own list of servers: where its stub (127.0.0.53) sends questions. */
#define FOLLOW_RESOLVED_FILE "/run/systemd/resolve/resolv.conf"

struct follow {
	struct vantaged *vd;
	struct event *timer;
	struct stat seen[CONFIG_MAX_UPSTREAMS_FROM];	/* upstreams_from, as last looked at */
	struct stat seen_resolv;			/* the system's resolv.conf */
	int in_path;					/* last verdict: 1, 0, -1 */
	int none_warned;	/* "no file names a nameserver" was said for this change */
};

/* Whether any upstreams_from file changed since the last look (and remember them now). */
static int
follow_sources_changed(struct follow *f)
{
	const struct config *cfg = f->vd->cfg;
	int changed = 0;

	for (size_t i = 0; i < cfg->n_upstreams_from && i < CONFIG_MAX_UPSTREAMS_FROM; i++) {
		struct stat st;
		vutil_stat(cfg->upstreams_from[i], &st);
		if (!vutil_same_file(&st, &f->seen[i]))
			changed = 1;
		f->seen[i] = st;
	}
	return changed;
}

/* Forward to ups[0..n-1] from now on; 0, or -1 when the resolver was busy (try again). */
static int
follow_apply(struct follow *f, const struct netaddr *ups, size_t n, size_t source)
{
	struct vantaged *vd = f->vd;
	struct config *cfg = vd->cfg;
	struct netaddr old[CONFIG_MAX_UPSTREAMS];
	size_t n_old = cfg->n_upstreams;
	struct resolve_config rc;
	struct resolve_forward fw[RESOLVE_MAX_FORWARDS];
	char was[CONFIG_MAX_UPSTREAMS * NETADDR_STRLEN], now[sizeof(was)];

	memcpy(old, cfg->upstreams, sizeof(old));
	memcpy(cfg->upstreams, ups, n * sizeof(*ups));
	cfg->n_upstreams = n;
	vantaged_resolve_config(cfg, &rc, fw);
	if (resolve_reconfigure(vd->res, &rc) != 0) {
		memcpy(cfg->upstreams, old, sizeof(old));
		cfg->n_upstreams = n_old;
		return -1;
	}
	cfg->upstreams_source = source;
	netaddr_list_str(old, n_old, was, sizeof(was));
	if (n_old == 0)
		snprintf(was, sizeof(was), "none");
	netaddr_list_str(ups, n, now, sizeof(now));
	log_info(LOG_G_UPSTREAM, "following %s: forwarding to %s (was %s)",
	    cfg->upstreams_from[source], now, was);
	return 0;
}

static void
follow_upstreams(struct follow *f)
{
	struct config *cfg = f->vd->cfg;
	struct netaddr ups[CONFIG_MAX_UPSTREAMS];
	size_t source = 0;
	int n = config_learn_upstreams(cfg, ups, CONFIG_MAX_UPSTREAMS, &source);

	if (n == 0) {
		/* Between two networks (or a file being rewritten): keep what worked last. */
		if (!f->none_warned && cfg->n_upstreams > 0)
			log_warnx(LOG_G_UPSTREAM, "upstreams: auto: no file of upstreams_from names "
						  "a usable nameserver now; still forwarding to the last ones");
		f->none_warned = 1;
		return;
	}
	f->none_warned = 0;
	if ((size_t)n == cfg->n_upstreams &&
	    memcmp(ups, cfg->upstreams, (size_t)n * sizeof(*ups)) == 0) {
		cfg->upstreams_source = source;
		return;
	}
	if (follow_apply(f, ups, (size_t)n, source) != 0)
		memset(f->seen, 0, sizeof(f->seen)); /* busy: look again at the next tick */
}

/* Whether a is an address vantaged answers on at port 53 (where resolv.conf points). */
static int
follow_ours(const struct vantaged *vd, const struct netaddr *a)
{
	const struct netaddr *l;

	for (size_t i = 0; (l = listen_bound(vd->listen, i)) != NULL; i++) {
		if (netaddr_port(l) != 53 || netaddr_port(a) != 53)
			continue;
		if (netaddr_equal_ip(l, a) ||
		    (netaddr_is_any(l) && netaddr_is_loopback(a) &&
			l->ss.ss_family == a->ss.ss_family))
			return 1;
	}
	return 0;
}

static int
follow_port53(const struct vantaged *vd)
{
	const struct netaddr *l;

	for (size_t i = 0; (l = listen_bound(vd->listen, i)) != NULL; i++)
		if (netaddr_port(l) == 53)
			return 1;
	return 0;
}

int
follow_in_path(const struct vantaged *vd)
{
	struct netaddr ns[1], stub;

	if (!follow_port53(vd) ||
	    config_read_resolv_conf(vd->resolv_conf, NULL, 0, ns, 1) != 1)
		return -1;
	if (follow_ours(vd, &ns[0]))
		return 1;
	/* resolved's stub first: in the path when resolved asks us first. */
	netaddr_parse("127.0.0.53:53", 53, &stub);
	if (netaddr_equal(&ns[0], &stub) &&
	    config_read_resolv_conf(FOLLOW_RESOLVED_FILE, NULL, 0, ns, 1) == 1)
		return follow_ours(vd, &ns[0]);
	return 0;
}

/* Say once when the system stops asking us, and when it asks us again. */
static void
follow_path(struct follow *f)
{
	struct vantaged *vd = f->vd;
	struct stat st;
	char first[NETADDR_STRLEN] = "nothing";
	struct netaddr ns[1];
	int in;

	vutil_stat(vd->resolv_conf, &st);
	if (vutil_same_file(&st, &f->seen_resolv) && f->in_path != -2)
		return;
	f->seen_resolv = st;
	if ((in = follow_in_path(vd)) == f->in_path || in < 0) {
		f->in_path = in;
		return;
	}
	if (in == 0) {
		if (config_read_resolv_conf(vd->resolv_conf, NULL, 0, ns, 1) == 1)
			netaddr_str(&ns[0], first, sizeof(first));
		log_warnx(LOG_G_MAIN, "vantaged is out of the system's path: %s names %s first, "
				      "so applications ask it and nothing is cross-checked",
		    vd->resolv_conf, first);
	} else if (f->in_path == 0)
		log_info(LOG_G_MAIN, "vantaged is in the system's path again (%s)", vd->resolv_conf);
	f->in_path = in;
}

static void
follow_tick(evutil_socket_t fd, short what, void *arg)
{
	struct follow *f = arg;
	struct timeval tv = { FOLLOW_TICK_MS / 1000, (FOLLOW_TICK_MS % 1000) * 1000 };

	(void)fd;
	(void)what;
	if (f->vd->cfg->upstreams_auto && follow_sources_changed(f))
		follow_upstreams(f);
	follow_path(f);
	evtimer_add(f->timer, &tv);
}

void
follow_reconfigure(struct follow *f)
{
	if (f == NULL)
		return;
	(void)follow_sources_changed(f); /* the reload learned from them as they are */
	f->none_warned = 0;
}

struct follow *
follow_new(struct vantaged *vd)
{
	struct follow *f = calloc(1, sizeof(*f));
	struct timeval now = { 0, 0 };

	if (f == NULL)
		return NULL;
	f->vd = vd;
	f->in_path = -2; /* not looked at yet: the first look says what it finds */
	if ((f->timer = evtimer_new(vd->base, follow_tick, f)) == NULL) {
		free(f);
		return NULL;
	}
	(void)follow_sources_changed(f);
	evtimer_add(f->timer, &now);
	return f;
}

void
follow_free(struct follow *f)
{
	if (f == NULL)
		return;
	event_free(f->timer);
	free(f);
}
