/* lib/hlru.h - an intrusive hash table with an LRU list, bounded by entries or bytes. */
#ifndef VANTAGE_HLRU_H
#define VANTAGE_HLRU_H

#include <sys/queue.h>

#include <stddef.h>
#include <stdint.h>

/*
 * The link a table's entry embeds (intrusive: the table allocates nothing per entry, and an
 * entry costs these 32 bytes beside its own fields). The caller owns the entry; the table
 * only links it, and hands it to the drop callback when it evicts or removes it.
 */
struct hlru_node {
	SLIST_ENTRY(hlru_node) chain;	/* hash chain: singly linked, 8 bytes less per entry */
	TAILQ_ENTRY(hlru_node) lru;	/* most recently used first */
	uint32_t hash;			/* the caller's hash of the key */
	uint32_t bytes;			/* what the entry counts against max_bytes */
};

/* The entry of type that holds node n as its member (n not NULL). */
#define HLRU_ENTRY(n, type, member) ((type *)(void *)((char *)(n) - offsetof(type, member)))

/* No bound (hlru_set_bounds): a table that only its owner empties. */
#define HLRU_UNBOUNDED SIZE_MAX

/*
 * hlru_same_fn - whether node n holds key (the caller's key type, as passed to hlru_find).
 * Called only for nodes whose hash equals the one looked up.
 */
typedef int (*hlru_same_fn)(void *arg, const struct hlru_node *n, const void *key);

/* hlru_drop_fn - n left the table by eviction, hlru_remove or hlru_clear: free it. */
typedef void (*hlru_drop_fn)(void *arg, struct hlru_node *n);

struct hlru;

/*
 * hlru_new - an empty table of nbuckets chains (a power of two, at least 1), unbounded
 * until hlru_set_bounds. same compares keys; drop (may be NULL: entries are then the
 * caller's to free) takes the entries the table lets go; arg goes to both. NULL on failure.
 */
struct hlru *hlru_new(size_t nbuckets, hlru_same_fn same, hlru_drop_fn drop, void *arg);

/* hlru_free - drops every entry (hlru_clear), then the table; accepts NULL. */
void hlru_free(struct hlru *h);

/*
 * hlru_resize - rehash into nbuckets chains (a power of two). Returns 0, or -1 on
 * allocation failure (the old chains stay: only the load factor suffers).
 */
int hlru_resize(struct hlru *h, size_t nbuckets);

/* hlru_buckets - the number of chains. */
size_t hlru_buckets(const struct hlru *h);

/*
 * hlru_set_bounds - at most max_entries entries and max_bytes bytes (HLRU_UNBOUNDED for no
 * bound). Nothing is evicted until hlru_trim.
 */
void hlru_set_bounds(struct hlru *h, size_t max_entries, size_t max_bytes);

/* hlru_find - the entry with key under hash, or NULL. Changes nothing (see hlru_touch). */
struct hlru_node *hlru_find(const struct hlru *h, uint32_t hash, const void *key);

/*
 * hlru_insert - link n (not in any table) under hash as the most recently used entry,
 * counting bytes against max_bytes. An entry of the same key is not looked for: the
 * caller removes it first. Call hlru_trim after to apply the bounds.
 */
void hlru_insert(struct hlru *h, struct hlru_node *n, uint32_t hash, uint32_t bytes);

/* hlru_touch - n becomes the most recently used entry. */
void hlru_touch(struct hlru *h, struct hlru_node *n);

/* hlru_unlink - take n out of the table without dropping it: it is the caller's again. */
void hlru_unlink(struct hlru *h, struct hlru_node *n);

/* hlru_remove - take n out of the table and drop it. */
void hlru_remove(struct hlru *h, struct hlru_node *n);

/* hlru_trim - drop the least recently used entries while a bound is exceeded; how many. */
size_t hlru_trim(struct hlru *h);

/* hlru_clear - drop every entry. */
void hlru_clear(struct hlru *h);

/*
 * hlru_chain_max - the longest hash chain, in entries: O(buckets), for tests and
 * diagnostics (a chain much longer than count / buckets means the hash is being aimed at).
 */
size_t hlru_chain_max(const struct hlru *h);

/* hlru_count / hlru_bytes - the entries held and the bytes they count. */
size_t hlru_count(const struct hlru *h);
size_t hlru_bytes(const struct hlru *h);

/*
 * The walk, most recently used first (hlru_newest, hlru_older) or least recently used first
 * (hlru_oldest, hlru_newer); NULL at the end. To remove the entry in hand while walking,
 * take the next one first.
 */
struct hlru_node *hlru_newest(const struct hlru *h);
struct hlru_node *hlru_oldest(const struct hlru *h);
struct hlru_node *hlru_older(const struct hlru *h, const struct hlru_node *n);
struct hlru_node *hlru_newer(const struct hlru *h, const struct hlru_node *n);

/*
 * hlru_fnv - 64-bit FNV-1a of len bytes, continuing from h (start with HLRU_FNV_INIT, or
 * that xor a secret seed). Unkeyed by itself: for chains only, never for evidence.
 */
#define HLRU_FNV_INIT 0xcbf29ce484222325ull
uint64_t hlru_fnv(uint64_t h, const void *p, size_t len);

/*
 * hlru_fold - a chain hash from h, an hlru_fnv started from HLRU_FNV_INIT xor a random
 * per-table seed: the bits mixed down so that the chain depends on all of the seed, not
 * only its low bits (FNV's multiply carries upward only). The keyed form every table
 * that holds names a client chooses uses (dnscache, vcache_ca, the in-flight questions).
 */
uint32_t hlru_fold(uint64_t h);

#endif
