/* tests/unit/test_hlru.c - lib/hlru.c: find by key, LRU order, bounds, walks, rehash. */
#include "autoconf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hlru.h"

/* An entry of the tests: an int key, the node somewhere inside (not first, on purpose). */
struct item {
	int key;
	struct hlru_node node;
	int *dropped;			/* counts the drops of the test */
};

static int
item_same(void *arg, const struct hlru_node *n, const void *key)
{
	(void)arg;
	return HLRU_ENTRY(n, const struct item, node)->key == *(const int *)key;
}

static void
item_drop(void *arg, struct hlru_node *n)
{
	struct item *it = HLRU_ENTRY(n, struct item, node);

	(void)arg;
	(*it->dropped)++;
	free(it);
}

/* A weak hash on purpose: every key of the same parity shares a chain in a 2-bucket table. */
static uint32_t
hash_of(int key)
{
	return (uint32_t)key;
}

static struct item *
add(struct hlru *h, int key, uint32_t bytes, int *dropped)
{
	struct item *it = calloc(1, sizeof(*it));

	assert_non_null(it);
	it->key = key;
	it->dropped = dropped;
	hlru_insert(h, &it->node, hash_of(key), bytes);
	return it;
}

static int
has(struct hlru *h, int key)
{
	return hlru_find(h, hash_of(key), &key) != NULL;
}

static void
test_find_and_remove(void **state)
{
	struct hlru *h = hlru_new(2, item_same, item_drop, NULL);
	int dropped = 0, k = 3;
	struct item *it;

	(void)state;
	assert_non_null(h);
	assert_null(hlru_new(3, item_same, NULL, NULL)); /* not a power of two */
	for (int i = 0; i < 10; i++)
		add(h, i, 1, &dropped);
	assert_int_equal(hlru_count(h), 10);
	assert_int_equal(hlru_bytes(h), 10);
	for (int i = 0; i < 10; i++)
		assert_true(has(h, i));
	assert_false(has(h, 10));
	it = HLRU_ENTRY(hlru_find(h, hash_of(k), &k), struct item, node);
	assert_int_equal(it->key, 3);
	hlru_remove(h, &it->node);
	assert_int_equal(dropped, 1);
	assert_false(has(h, 3));
	assert_int_equal(hlru_count(h), 9);
	hlru_free(h);
	assert_int_equal(dropped, 10);
	hlru_free(NULL);
}

/* Bounded by entries: the least recently used go, and a touch saves an entry. */
static void
test_lru_entries(void **state)
{
	struct hlru *h = hlru_new(4, item_same, item_drop, NULL);
	int dropped = 0, k0 = 0;
	struct item *first;

	(void)state;
	hlru_set_bounds(h, 3, HLRU_UNBOUNDED);
	first = add(h, 0, 1, &dropped);
	add(h, 1, 1, &dropped);
	add(h, 2, 1, &dropped);
	assert_int_equal(hlru_trim(h), 0);
	hlru_touch(h, hlru_find(h, hash_of(k0), &k0));
	assert_ptr_equal(hlru_newest(h), &first->node);
	add(h, 3, 1, &dropped);
	assert_int_equal(hlru_trim(h), 1);
	assert_true(has(h, 0));
	assert_false(has(h, 1)); /* the oldest untouched */
	assert_true(has(h, 2));
	assert_true(has(h, 3));
	hlru_set_bounds(h, 0, HLRU_UNBOUNDED);
	assert_int_equal(hlru_trim(h), 3);
	assert_int_equal(hlru_count(h), 0);
	assert_null(hlru_newest(h));
	assert_null(hlru_oldest(h));
	hlru_free(h);
}

/* Bounded by bytes: as many of the oldest go as it takes. */
static void
test_lru_bytes(void **state)
{
	struct hlru *h = hlru_new(4, item_same, item_drop, NULL);
	int dropped = 0;

	(void)state;
	hlru_set_bounds(h, HLRU_UNBOUNDED, 100);
	add(h, 1, 40, &dropped);
	add(h, 2, 40, &dropped);
	add(h, 3, 10, &dropped);
	assert_int_equal(hlru_trim(h), 0);
	add(h, 4, 70, &dropped);
	assert_int_equal(hlru_trim(h), 2);
	assert_int_equal(hlru_bytes(h), 80);
	assert_true(has(h, 3));
	assert_true(has(h, 4));
	hlru_clear(h);
	assert_int_equal(dropped, 4);
	assert_int_equal(hlru_bytes(h), 0);
	hlru_free(h);
}

/* Walks both ways, removal while walking, unlink without drop, rehash keeps everything. */
static void
test_walk_unlink_resize(void **state)
{
	struct hlru *h = hlru_new(1, item_same, item_drop, NULL);
	int dropped = 0, i = 0;
	struct hlru_node *n, *next;
	struct item *mine;

	(void)state;
	for (int k = 0; k < 6; k++)
		add(h, k, 1, &dropped);
	for (n = hlru_oldest(h); n; n = hlru_newer(h, n))
		assert_int_equal(HLRU_ENTRY(n, struct item, node)->key, i++);
	for (n = hlru_newest(h); n; n = hlru_older(h, n))
		assert_int_equal(HLRU_ENTRY(n, struct item, node)->key, --i);
	for (n = hlru_oldest(h); n; n = next) {
		next = hlru_newer(h, n);
		if (HLRU_ENTRY(n, struct item, node)->key % 2)
			hlru_remove(h, n);
	}
	assert_int_equal(hlru_count(h), 3);
	assert_int_equal(hlru_resize(h, 64), 0);
	assert_int_equal(hlru_buckets(h), 64);
	assert_int_equal(hlru_resize(h, 48), -1);
	for (int k = 0; k < 6; k++)
		assert_int_equal(has(h, k), k % 2 == 0);
	mine = HLRU_ENTRY(hlru_oldest(h), struct item, node);
	hlru_unlink(h, &mine->node);
	assert_int_equal(dropped, 3); /* unlinked is not dropped: it is ours again */
	assert_false(has(h, 0));
	free(mine);
	hlru_free(h);
	assert_int_equal(dropped, 5);
}

/* FNV-1a 64, continued in pieces, equals the whole. */
static void
test_fnv(void **state)
{
	(void)state;
	assert_true(hlru_fnv(HLRU_FNV_INIT, "", 0) == HLRU_FNV_INIT);
	assert_true(hlru_fnv(HLRU_FNV_INIT, "a", 1) == 0xaf63dc4c8601ec8cull);
	assert_true(hlru_fnv(hlru_fnv(HLRU_FNV_INIT, "foo", 3), "bar", 3) ==
	    hlru_fnv(HLRU_FNV_INIT, "foobar", 6));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find_and_remove),
		cmocka_unit_test(test_lru_entries),
		cmocka_unit_test(test_lru_bytes),
		cmocka_unit_test(test_walk_unlink_resize),
		cmocka_unit_test(test_fnv),
	};

	return cmocka_run_group_tests_name("hlru", tests, NULL, NULL);
}
