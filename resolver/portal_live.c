/*
 * resolver/portal_live.c - the captive-portal watch in production: once a second it looks at
 * the mirror set (portal_observe), and while no mirror is reachable it asks the upstream a
 * connectivity-check name now and then (portal_probed). The decisions are portal.c's.
 */
#include "autoconf.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "mirror_client.h"
#include "portal_live.h"
#include "vutil.h"

/* How often the mirrors are looked at (ms): the window closes within this of a mirror
 * becoming reachable, and a look costs a walk over a few mirrors. */
#define PORTAL_LIVE_TICK_MS 1000

struct portal_live {
	struct portal_live_env env;
	struct portal *portal;
	struct event *tick;
	struct resolve_wait *rw;	/* the probe question under way, or NULL */
	char asked[64];			/* its name */
};

/* The mirror set as the portal sees it: usable mirrors, reachable ones, one reason. */
static void
portal_live_look(struct portal_live *pl, struct portal_facts *f)
{
	struct mirror_set *set = *pl->env.mirrors;
	size_t n = set ? mirror_set_count(set) : 0;

	memset(f, 0, sizeof(*f));
	f->now_ms = now_ms();
	f->wall_s = wall_s();
	for (size_t i = 0; i < n; i++) {
		const struct mirror *m = mirror_set_get(set, i);
		const char *why = mirror_why(m);

		if (!mirror_usable(m))
			continue;
		f->mirrors++;
		if (why[0] == '\0')
			f->reachable++;
		else if (f->why == NULL)
			f->why = why;
	}
}

/* The upstream's answer to the probe name: its first address, if any. */
static void
portal_live_answered(void *arg, const struct resolve_result *res)
{
	struct portal_live *pl = arg;
	struct digest *d = NULL;
	char addr[INET6_ADDRSTRLEN + 16] = "";
	uint8_t qname[DNS_MAXNAME];
	size_t qlen = dnswire_name_from_str(pl->asked, qname, sizeof(qname));
	int answered = -1;

	pl->rw = NULL;
	if (res->status == UPSTREAM_OK && qlen && (d = malloc(sizeof(*d))) != NULL) {
		answered = 0;
		if (digest_answer(d, res->wire, res->len, qname, qlen, DNS_TYPE_A) == 0 &&
		    d->ans.n_addrs > 0 &&
		    inet_ntop(d->ans.addrs[0].family == 4 ? AF_INET : AF_INET6,
			d->ans.addrs[0].bytes, addr, sizeof(addr)) != NULL) {
			answered = 1;
			/* A portal that answers every name tends to answer with its own LAN address. */
			if (consensus_addr_is_private(&d->ans.addrs[0]))
				strncat(addr, " (private)", sizeof(addr) - strlen(addr) - 1);
		}
	}
	free(d);
	portal_probed(pl->portal, now_ms(), pl->asked, answered, addr);
}

/* Ask the upstream name A, as a client would, without the answer joining the cache. */
static void
portal_live_probe(struct portal_live *pl, const char *name)
{
	struct resolve *res = *pl->env.res;
	struct dnsq q;
	size_t len;

	memset(&q, 0, sizeof(q));
	snprintf(pl->asked, sizeof(pl->asked), "%s", name);
	if (res == NULL || (len = dnswire_name_from_str(name, q.qname, sizeof(q.qname))) == 0) {
		portal_probed(pl->portal, now_ms(), name, -1, NULL);
		return;
	}
	q.qname_len = (uint8_t)len;
	q.qtype = DNS_TYPE_A;
	q.qclass = DNS_CLASS_IN;
	q.flags = DNS_FLAG_RD;
	q.edns_size = 512;
	if ((pl->rw = resolve_refresh(res, &q, portal_live_answered, pl)) == NULL)
		portal_probed(pl->portal, now_ms(), name, -1, NULL);
}

static void
portal_live_tick(evutil_socket_t fd, short what, void *arg)
{
	struct portal_live *pl = arg;
	struct timeval tv = { PORTAL_LIVE_TICK_MS / 1000, (PORTAL_LIVE_TICK_MS % 1000) * 1000 };
	struct portal_facts f;
	const char *name;

	(void)fd;
	(void)what;
	portal_live_look(pl, &f);
	portal_observe(pl->portal, &f);
	if (pl->rw == NULL && (name = portal_probe_name(pl->portal, f.now_ms)) != NULL)
		portal_live_probe(pl, name);
	evtimer_add(pl->tick, &tv);
}

struct portal_live *
portal_live_new(const struct portal_live_env *env)
{
	struct portal_live *pl = calloc(1, sizeof(*pl));
	struct timeval now = { 0, 0 };

	if (pl == NULL)
		return NULL;
	pl->env = *env;
	if ((pl->portal = portal_new()) == NULL ||
	    (pl->tick = evtimer_new(env->base, portal_live_tick, pl)) == NULL ||
	    evtimer_add(pl->tick, &now) != 0) {
		portal_live_free(pl);
		return NULL;
	}
	return pl;
}

struct portal *
portal_live_portal(const struct portal_live *pl)
{
	return pl ? pl->portal : NULL;
}

void
portal_live_free(struct portal_live *pl)
{
	if (pl == NULL)
		return;
	if (pl->rw)
		resolve_cancel(pl->rw);
	if (pl->tick)
		event_free(pl->tick);
	portal_free(pl->portal);
	free(pl);
}
