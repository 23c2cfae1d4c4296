/*
 * tests/replay/world_resolve.c - lib/resolve.h's query-path calls over the scripted world,
 * so that resolver/query.c runs unchanged and socket-free in a replay. The real
 * lib/resolve.c cannot: it forwards through lib/upstream.c's sockets and ages its cache on
 * the real monotonic clock, while the checks of the same story store their verified
 * answers in the world's cache (check_upstream_ops.replace) and age them on the virtual
 * one. The replay binary defines these symbols itself, so the linker never takes
 * resolve.o from lib/libvantage.a; a link error naming a resolve_ function here means
 * something else in the binary now needs the real module.
 */
#include "autoconf.h"

#include <stdlib.h>

#include "resolve.h"
#include "world.h"

/* The answer cache and upstream that query.c is given: the world's. */
struct resolve {
	struct world *w;
	uint64_t stale_s;		/* cache.serve_stale: the RFC 8767 window */
};

struct resolve *
world_resolve_new(struct world *w, uint64_t serve_stale_s)
{
	struct resolve *r = calloc(1, sizeof(*r));

	if (r != NULL) {
		r->w = w;
		r->stale_s = serve_stale_s;
	}
	return r;
}

void
world_resolve_free(struct resolve *r)
{
	free(r);
}

int
resolve_lookup(struct resolve *r, const struct dnsq *q, struct resolve_result *res)
{
	return world_cache_lookup(r->w, q, res);
}

int
resolve_lookup_stale(struct resolve *r, const struct dnsq *q, struct resolve_result *res)
{
	return r->stale_s > 0 && world_cache_stale(r->w, q, r->stale_s, res);
}

int
resolve_has_stale(struct resolve *r, const struct dnsq *q)
{
	struct resolve_result res;

	return resolve_lookup_stale(r, q, &res);
}

struct resolve_wait *
resolve_start(struct resolve *r, const struct dnsq *q, resolve_cb cb, void *arg)
{
	return world_upstream_ops.start(r->w, q, cb, arg);
}

/* No waiter: the world's upstream question is answered by the story like any other. */
static void
world_prefetch_done(void *arg, const struct resolve_result *res)
{
	(void)arg;
	(void)res;
}

int
resolve_prefetch(struct resolve *r, const struct dnsq *q)
{
	return world_upstream_ops.start(r->w, q, world_prefetch_done, NULL) ? 1 : -1;
}

int
resolve_prefetch_claim(struct resolve *r, const struct dnsq *q)
{
	return world_cache_prefetch_claim(r->w, q);
}

void
resolve_cancel(struct resolve_wait *w)
{
	world_upstream_ops.cancel(w);
}
