/* lib/hlru.c - an intrusive hash table with an LRU list, bounded by entries or bytes. */
#include "autoconf.h"

#include <stdlib.h>

#include "hlru.h"

SLIST_HEAD(hlru_chain, hlru_node);
TAILQ_HEAD(hlru_list, hlru_node);

struct hlru {
	struct hlru_chain *buckets;
	size_t mask;			/* buckets - 1 */
	struct hlru_list lru;		/* most recently used first */
	size_t count, bytes;
	size_t max_entries, max_bytes;
	hlru_same_fn same;
	hlru_drop_fn drop;
	void *arg;
};

struct hlru *
hlru_new(size_t nbuckets, hlru_same_fn same, hlru_drop_fn drop, void *arg)
{
	struct hlru *h;

	if (nbuckets == 0 || (nbuckets & (nbuckets - 1)) != 0 || (h = calloc(1, sizeof(*h))) == NULL)
		return NULL;
	if ((h->buckets = calloc(nbuckets, sizeof(*h->buckets))) == NULL) {
		free(h);
		return NULL;
	}
	h->mask = nbuckets - 1;
	TAILQ_INIT(&h->lru);
	h->max_entries = h->max_bytes = HLRU_UNBOUNDED;
	h->same = same;
	h->drop = drop;
	h->arg = arg;
	return h;
}

void
hlru_free(struct hlru *h)
{
	if (h == NULL)
		return;
	hlru_clear(h);
	free(h->buckets);
	free(h);
}

int
hlru_resize(struct hlru *h, size_t nbuckets)
{
	struct hlru_chain *b;
	struct hlru_node *n;

	if (nbuckets == 0 || (nbuckets & (nbuckets - 1)) != 0 ||
	    (b = calloc(nbuckets, sizeof(*b))) == NULL)
		return -1;
	/* Every entry is on the LRU list: relink from there, the old chains are dropped whole. */
	TAILQ_FOREACH(n, &h->lru, lru)
		SLIST_INSERT_HEAD(&b[n->hash & (nbuckets - 1)], n, chain);
	free(h->buckets);
	h->buckets = b;
	h->mask = nbuckets - 1;
	return 0;
}

size_t
hlru_buckets(const struct hlru *h)
{
	return h->mask + 1;
}

void
hlru_set_bounds(struct hlru *h, size_t max_entries, size_t max_bytes)
{
	h->max_entries = max_entries;
	h->max_bytes = max_bytes;
}

struct hlru_node *
hlru_find(const struct hlru *h, uint32_t hash, const void *key)
{
	struct hlru_node *n;

	/* The hash first: the key compare is an indirect call, made once per hit. */
	SLIST_FOREACH(n, &h->buckets[hash & h->mask], chain)
		if (n->hash == hash && h->same(h->arg, n, key))
			return n;
	return NULL;
}

void
hlru_insert(struct hlru *h, struct hlru_node *n, uint32_t hash, uint32_t bytes)
{
	n->hash = hash;
	n->bytes = bytes;
	SLIST_INSERT_HEAD(&h->buckets[hash & h->mask], n, chain);
	TAILQ_INSERT_HEAD(&h->lru, n, lru);
	h->count++;
	h->bytes += bytes;
}

void
hlru_touch(struct hlru *h, struct hlru_node *n)
{
	if (TAILQ_FIRST(&h->lru) == n)
		return;
	TAILQ_REMOVE(&h->lru, n, lru);
	TAILQ_INSERT_HEAD(&h->lru, n, lru);
}

void
hlru_unlink(struct hlru *h, struct hlru_node *n)
{
	SLIST_REMOVE(&h->buckets[n->hash & h->mask], n, hlru_node, chain);
	TAILQ_REMOVE(&h->lru, n, lru);
	h->count--;
	h->bytes -= n->bytes;
}

void
hlru_remove(struct hlru *h, struct hlru_node *n)
{
	hlru_unlink(h, n);
	if (h->drop)
		h->drop(h->arg, n);
}

size_t
hlru_trim(struct hlru *h)
{
	size_t n = 0;

	while ((h->count > h->max_entries || h->bytes > h->max_bytes) && !TAILQ_EMPTY(&h->lru)) {
		hlru_remove(h, TAILQ_LAST(&h->lru, hlru_list));
		n++;
	}
	return n;
}

void
hlru_clear(struct hlru *h)
{
	while (!TAILQ_EMPTY(&h->lru))
		hlru_remove(h, TAILQ_LAST(&h->lru, hlru_list));
}

size_t
hlru_chain_max(const struct hlru *h)
{
	size_t longest = 0;

	for (size_t b = 0; b <= h->mask; b++) {
		size_t len = 0;
		const struct hlru_node *n;
		SLIST_FOREACH(n, &h->buckets[b], chain)
			len++;
		if (len > longest)
			longest = len;
	}
	return longest;
}

size_t
hlru_count(const struct hlru *h)
{
	return h->count;
}

size_t
hlru_bytes(const struct hlru *h)
{
	return h->bytes;
}

struct hlru_node *
hlru_newest(const struct hlru *h)
{
	return TAILQ_FIRST(&h->lru);
}

struct hlru_node *
hlru_oldest(const struct hlru *h)
{
	return TAILQ_LAST(&h->lru, hlru_list);
}

struct hlru_node *
hlru_older(const struct hlru *h, const struct hlru_node *n)
{
	(void)h;
	return TAILQ_NEXT(n, lru);
}

struct hlru_node *
hlru_newer(const struct hlru *h, const struct hlru_node *n)
{
	(void)h;
	return TAILQ_PREV(n, hlru_list, lru);
}

uint64_t
hlru_fnv(uint64_t h, const void *p, size_t len)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < len; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

uint32_t
hlru_fold(uint64_t h)
{
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 32;
	return (uint32_t)h;
}
