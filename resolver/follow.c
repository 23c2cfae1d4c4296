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
#include "log.h"
#include "sandbox.h"
#include "vutil.h"

/* resolved's own list of servers: where its stub (127.0.0.53) sends questions. */
#define FOLLOW_RESOLVED_FILE "/run/systemd/resolve/resolv.conf"

struct follow {
	struct follow_env env;
	struct event *timer;
	struct stat seen[CONFIG_MAX_UPSTREAMS_FROM];	/* upstreams_from, as last looked at */
	struct stat seen_resolv;			/* the system's resolv.conf */
	int in_path;					/* last verdict: 1, 0, -1 */
	int none_warned;	/* "no file names a nameserver" was said for this change */
	struct stat seen_links[CONFIG_MAX_FORWARD_FROM];	/* forward_from's directories */
	struct follow_learned learned;	/* the zones learned last (a reload keeps them) */
	int running;		/* past follow_new: the cache may hold answers a change moves */
};

/* Whether any upstreams_from file changed since the last look (and remember them now). */
static int
follow_sources_changed(struct follow *f)
{
	const struct config *cfg = *f->env.cfg;
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
	struct config *cfg = *f->env.cfg;
	struct netaddr old[CONFIG_MAX_UPSTREAMS];
	size_t n_old = cfg->n_upstreams;
	char was[CONFIG_MAX_UPSTREAMS * NETADDR_STRLEN], now[sizeof(was)];

	memcpy(old, cfg->upstreams, sizeof(old));
	memcpy(cfg->upstreams, ups, n * sizeof(*ups));
	cfg->n_upstreams = n;
	if (f->env.apply(f->env.arg) != 0) {
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
	struct config *cfg = *f->env.cfg;
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
follow_ours(const struct follow *f, const struct netaddr *a)
{
	const struct netaddr *l;

	for (size_t i = 0; (l = f->env.bound(f->env.arg, i)) != NULL; i++) {
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
follow_port53(const struct follow *f)
{
	const struct netaddr *l;

	for (size_t i = 0; (l = f->env.bound(f->env.arg, i)) != NULL; i++)
		if (netaddr_port(l) == 53)
			return 1;
	return 0;
}

int
follow_in_path(const struct follow *f)
{
	struct netaddr ns[1], stub;

	if (f == NULL || !follow_port53(f) ||
	    config_read_resolv_conf(f->env.resolv_conf, NULL, 0, ns, 1) != 1)
		return -1;
	if (follow_ours(f, &ns[0]))
		return 1;
	/* resolved's stub first: in the path when resolved asks us first. */
	netaddr_parse("127.0.0.53:53", 53, &stub);
	if (netaddr_equal(&ns[0], &stub) &&
	    config_read_resolv_conf(FOLLOW_RESOLVED_FILE, NULL, 0, ns, 1) == 1)
		return follow_ours(f, &ns[0]);
	return 0;
}

/* Say once when the system stops asking us, and when it asks us again. */
static void
follow_path(struct follow *f)
{
	const char *resolv_conf = f->env.resolv_conf;
	struct stat st;
	char first[NETADDR_STRLEN] = "nothing";
	struct netaddr ns[1];
	int in;

	vutil_stat(resolv_conf, &st);
	if (vutil_same_file(&st, &f->seen_resolv) && f->in_path != -2)
		return;
	f->seen_resolv = st;
	if ((in = follow_in_path(f)) == f->in_path || in < 0) {
		f->in_path = in;
		return;
	}
	if (in == 0) {
		if (config_read_resolv_conf(resolv_conf, NULL, 0, ns, 1) == 1)
			netaddr_str(&ns[0], first, sizeof(first));
		log_warnx(LOG_G_MAIN, "vantaged is out of the system's path: %s names %s first, "
				      "so applications ask it and nothing is cross-checked",
		    resolv_conf, first);
	} else if (f->in_path == 0)
		log_info(LOG_G_MAIN, "vantaged is in the system's path again (%s)", resolv_conf);
	f->in_path = in;
}

/* A learned zone must not go back to us: our listeners, or resolved's stubs (which may ask
 * us: the package's drop-in makes vantaged resolved's server). */
static int
follow_refuse(void *arg, const struct netaddr *a, char *why, size_t len)
{
	const struct follow *f = arg;
	const struct config *cfg = *f->env.cfg;
	const struct netaddr *l;
	struct netaddr stub, proxy;

	netaddr_parse("127.0.0.53", 53, &stub);
	netaddr_parse("127.0.0.54", 53, &proxy);
	if (netaddr_equal_ip(a, &stub) || netaddr_equal_ip(a, &proxy)) {
		snprintf(why, len, "systemd-resolved's stub");
		return 1;
	}
	for (size_t i = 0; i < cfg->n_listen; i++)
		if (netaddr_equal(a, &cfg->listen[i]))
			goto ours;
	for (size_t i = 0; (l = f->env.bound(f->env.arg, i)) != NULL; i++)
		if (netaddr_equal(a, l))
			goto ours;
	if (!follow_ours(f, a))
		return 0;
ours:
	snprintf(why, len, "vantaged's own address");
	return 1;
}

/* Whether a forward_from directory changed since the last look (and remember them now). */
static int
follow_links_changed(struct follow *f)
{
	const struct config *cfg = *f->env.cfg;
	int changed = 0;

	for (size_t i = 0; i < cfg->n_forward_from && i < CONFIG_MAX_FORWARD_FROM; i++) {
		struct stat st;
		vutil_stat(cfg->forward_from[i], &st);
		if (!vutil_same_file(&st, &f->seen_links[i]) ||
		    st.st_mtim.tv_nsec != f->seen_links[i].st_mtim.tv_nsec)
			changed = 1;
		f->seen_links[i] = st;
	}
	return changed;
}

static int
follow_same_zones(const struct config_forward *a, const struct config_forward *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (a[i].len != b[i].len || memcmp(a[i].wire, b[i].wire, a[i].len) != 0 ||
		    a[i].n_to != b[i].n_to)
			return 0;
		for (size_t k = 0; k < a[i].n_to; k++)
			if (!netaddr_equal(&a[i].to[k], &b[i].to[k]))
				return 0;
	}
	return 1;
}

/* Put the learned zones ls after the configured ones; 0, or -1 when the resolver was busy
 * (nothing changed). ls then holds the zones replaced, for the caller to free. */
static int
follow_links_apply(struct follow *f, struct follow_learned *ls)
{
	struct config *cfg = *f->env.cfg;
	struct config_forward *tail = cfg->forwards + cfg->n_forwards_conf;
	size_t n_old = cfg->n_forwards - cfg->n_forwards_conf, n_new = ls->n;
	struct follow_learned *old = calloc(1, sizeof(*old));
	char was[2048], now[2048];
	int news = ls->n != f->learned.n || !follow_same_zones(ls->z, f->learned.z, ls->n);

	if (old == NULL)
		return -1;
	memcpy(old->z, tail, n_old * sizeof(*tail));
	old->n = n_old;
	memcpy(tail, ls->z, n_new * sizeof(*tail));
	cfg->n_forwards = cfg->n_forwards_conf + n_new;
	if (f->env.apply(f->env.arg) != 0) {
		memcpy(tail, old->z, n_old * sizeof(*tail));
		cfg->n_forwards = cfg->n_forwards_conf + n_old;
		free(old);
		return -1;
	}
	if (news) { /* not merely a reload putting them back */
		log_info(LOG_G_UPSTREAM, "forward zones learned from the links: %s (was %s)",
		    follow_learned_str(tail, n_new, now, sizeof(now)),
		    follow_learned_str(f->learned.z, f->learned.n, was, sizeof(was)));
		if (f->running && f->env.zones_changed)
			f->env.zones_changed(f->env.arg);
	}
	follow_learned_clear(&f->learned);
	memcpy(f->learned.z, tail, n_new * sizeof(*tail));
	for (size_t i = 0; i < n_new; i++)
		f->learned.z[i].zone = xstrdup(tail[i].zone);
	f->learned.n = n_new;
	memcpy(ls, old, sizeof(*ls));
	free(old);
	return 0;
}

/* forward_from: learn the links' zones again; hand them over when they changed. */
static void
follow_links(struct follow *f)
{
	const struct config *cfg = *f->env.cfg;
	const struct follow_refuse r = { follow_refuse, f };
	struct follow_learned *ls = calloc(1, sizeof(*ls));

	if (ls == NULL) {
		memset(f->seen_links, 0, sizeof(f->seen_links)); /* again at the next tick */
		return;
	}
	follow_links_learn(cfg, &r, ls);
	if (ls->n == cfg->n_forwards - cfg->n_forwards_conf &&
	    follow_same_zones(ls->z, cfg->forwards + cfg->n_forwards_conf, ls->n))
		;
	else if (follow_links_apply(f, ls) != 0)
		memset(f->seen_links, 0, sizeof(f->seen_links)); /* busy: look again */
	follow_learned_clear(ls);
	free(ls);
}

static void
follow_tick(evutil_socket_t fd, short what, void *arg)
{
	struct follow *f = arg;
	struct timeval tv = { FOLLOW_TICK_MS / 1000, (FOLLOW_TICK_MS % 1000) * 1000 };
	int ups, links;

	(void)fd;
	(void)what;
	ups = (*f->env.cfg)->upstreams_auto && follow_sources_changed(f);
	links = follow_links_changed(f);
	if ((ups || links) && f->env.quiesce)
		f->env.quiesce(f->env.arg, 1);
	if (ups)
		follow_upstreams(f);
	if (links)
		follow_links(f);
	if ((ups || links) && f->env.quiesce)
		f->env.quiesce(f->env.arg, 0);
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
	/* The new config has the configured zones only: learn the links' now, before any
	 * question can miss them. */
	(void)follow_links_changed(f);
	if ((*f->env.cfg)->n_forward_from)
		follow_links(f);
	else
		follow_learned_clear(&f->learned);
}

struct follow *
follow_new(const struct follow_env *env)
{
	struct follow *f = calloc(1, sizeof(*f));
	struct timeval now = { 0, 0 };

	if (f == NULL)
		return NULL;
	f->env = *env;
	f->in_path = -2; /* not looked at yet: the first look says what it finds */
	if ((f->timer = evtimer_new(env->base, follow_tick, f)) == NULL) {
		free(f);
		return NULL;
	}
	(void)follow_sources_changed(f);
	(void)follow_links_changed(f);
	if ((*env->cfg)->n_forward_from)
		follow_links(f);
	f->running = 1;
	evtimer_add(f->timer, &now);
	return f;
}

void
follow_free(struct follow *f)
{
	if (f == NULL)
		return;
	follow_learned_clear(&f->learned);
	event_free(f->timer);
	free(f);
}

const char *
follow_sandbox_dir(const char *dir, char *buf, size_t len)
{
	struct stat st;

	if (stat(dir, &st) == 0 || sandbox_dirname(dir, buf, len) == NULL)
		return snprintf(buf, len, "%s", dir) < (int)len ? buf : NULL;
	return buf;
}
