/* tests/unit/test_yconf.c - lib/yconf.c: strict YAML/JSON loading and the typed readers. */
#include "autoconf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "vutil.h"
#include "yconf.h"

/* Load text under the name "t"; returns what yconf_load_buffer returned. */
static int
load(struct yconf *y, const char *text)
{
	memset(y, 0, sizeof(*y));
	return yconf_load_buffer(y, "t", text, strlen(text));
}

/* Load text that must fail, and check the first error message. */
static void
load_fails(const char *text, const char *want)
{
	struct yconf y;

	assert_int_equal(load(&y, text), -1);
	assert_string_equal(y.err, want);
	yconf_free(&y);
}

/* The value node of key in the root mapping of text (loaded into y). */
static yaml_node_t *
val(struct yconf *y, const char *text, const char *key)
{
	yaml_node_t *n;

	assert_int_equal(load(y, text), 0);
	n = yconf_get(y, yconf_root(y), key);
	assert_non_null(n);
	return n;
}

static void
test_load_simple(void **state)
{
	struct yconf y;
	yaml_node_t *root, *n;

	(void)state;
	assert_int_equal(load(&y, "a: 1\nb:\n  c: x\n"), 0);
	assert_string_equal(y.err, "");
	root = yconf_root(&y);
	assert_non_null(root);
	assert_int_equal(root->type, YAML_MAPPING_NODE);
	n = yconf_get(&y, yconf_get(&y, root, "b"), "c");
	assert_non_null(n);
	assert_string_equal(yconf_scalar(&y, n, "c"), "x");
	assert_int_equal(yconf_line(n), 3);
	assert_null(yconf_get(&y, root, "zz"));
	assert_null(yconf_get(&y, n, "c")); /* not a mapping */
	assert_null(yconf_get(&y, NULL, "c"));
	yconf_free(&y);
	yconf_free(&y); /* twice is fine */
}

static void
test_load_empty(void **state)
{
	struct yconf y;

	(void)state;
	assert_int_equal(load(&y, ""), 0);
	assert_null(yconf_root(&y));
	yconf_free(&y);
	assert_int_equal(load(&y, "# only a comment\n"), 0);
	assert_null(yconf_root(&y));
	yconf_free(&y);
}

static void
test_syntax_error(void **state)
{
	struct yconf y;

	(void)state;
	assert_int_equal(load(&y, "a: 1\nb: [1, 2\n"), -1);
	assert_true(strncmp(y.err, "t:", 2) == 0);
	assert_int_equal(y.nerrors, 1);
	yconf_free(&y);
	assert_int_equal(load(&y, "a: 1\n  b: 2\n"), -1);
	assert_true(strncmp(y.err, "t:2: ", 5) == 0);
	yconf_free(&y);
}

static void
test_aliases_rejected(void **state)
{
	(void)state;
	load_fails("a: &x 1\nb: *x\n", "t:1: anchors are not allowed");
	load_fails("a: 1\nb: *x\n", "t:2: aliases are not allowed");
	load_fails("a: 1\nb: &m\n  c: 1\n", "t:2: anchors are not allowed");
	load_fails("a: 1\n\nb: &s [1, 2]\n", "t:3: anchors are not allowed");
	load_fails("a: 1\nb:\n  - 1\n  - &i 2\n", "t:4: anchors are not allowed");
	/* A merge key needs an alias, so it is out too. */
	load_fails("base: &b {x: 1}\nc:\n  <<: *b\n", "t:1: anchors are not allowed");
}

static void
test_duplicate_keys(void **state)
{
	(void)state;
	load_fails("a: 1\nb: 2\na: 3\n", "t:3: duplicate key 'a' (first on line 1)");
	load_fails("top:\n  x: 1\n  y: 2\n\n  x: 3\n", "t:5: duplicate key 'x' (first on line 2)");
	load_fails("l:\n  - {k: 1, k: 2}\n", "t:2: duplicate key 'k' (first on line 2)");
	/* Same key in different mappings is fine. */
	{
		struct yconf y;
		assert_int_equal(load(&y, "a: {k: 1}\nb: {k: 2}\n"), 0);
		yconf_free(&y);
	}
}

static void
test_complex_keys(void **state)
{
	struct yconf y;

	(void)state;
	assert_int_equal(load(&y, "? [a, b]\n: 1\n"), -1);
	assert_non_null(strstr(y.err, "keys must be plain strings"));
	yconf_free(&y);
}

static void
test_multi_document(void **state)
{
	(void)state;
	load_fails("a: 1\n---\nb: 2\n", "t:2: only one document is allowed");
	load_fails("---\na: 1\n---\nb: 2\n", "t:3: only one document is allowed");
	{
		struct yconf y;
		assert_int_equal(load(&y, "---\na: 1\n...\n"), 0);
		yconf_free(&y);
	}
}

static void
test_nul_byte(void **state)
{
	struct yconf y = { 0 };
	const char doc[] = "a: 1\0b: 2\n";

	(void)state;
	assert_int_equal(yconf_load_buffer(&y, "t", doc, sizeof(doc) - 1), -1);
	assert_string_equal(y.err, "t: NUL byte in document");
	yconf_free(&y);
}

static void
test_nesting_depth(void **state)
{
	struct yconf y;
	char deep[200], ok[200];

	(void)state;
	memset(deep, 0, sizeof(deep));
	for (int i = 0; i < 40; i++)
		deep[i] = '[', deep[79 - i] = ']';
	assert_int_equal(load(&y, deep), -1);
	assert_non_null(strstr(y.err, "nesting too deep"));
	yconf_free(&y);
	memset(ok, 0, sizeof(ok));
	for (int i = 0; i < 10; i++)
		ok[i] = '[', ok[19 - i] = ']';
	assert_int_equal(load(&y, ok), 0);
	yconf_free(&y);
}

static void
test_json(void **state)
{
	struct yconf y;
	yaml_node_t *root, *n, *item;
	const char *body = "{\"answers\": [{\"type\": \"A\", \"ttl\": 300}, {\"type\": \"AAAA\", "
			   "\"ttl\": 60}], \"ok\": true, \"id\": \"m1\", \"none\": null}";
	unsigned long v;
	int b, count = 0;

	(void)state;
	assert_int_equal(load(&y, body), 0);
	root = yconf_root(&y);
	assert_int_equal(root->type, YAML_MAPPING_NODE);
	n = yconf_get(&y, root, "answers");
	assert_int_equal(n->type, YAML_SEQUENCE_NODE);
	YCONF_SEQ_FOREACH(&y, n, item)
	{
		assert_int_equal(yconf_uint(&y, yconf_get(&y, item, "ttl"), "ttl", 0, 1000, &v), 0);
		assert_int_equal(v, count == 0 ? 300 : 60);
		count++;
	}
	assert_int_equal(count, 2);
	assert_int_equal(yconf_bool(&y, yconf_get(&y, root, "ok"), "ok", &b), 0);
	assert_int_equal(b, 1);
	assert_string_equal(yconf_scalar(&y, yconf_get(&y, root, "id"), "id"), "m1");
	assert_true(yconf_is_null(yconf_get(&y, root, "none")));
	yconf_free(&y);
	/* JSON duplicates are caught as well. */
	load_fails("{\"a\": 1, \"a\": 2}", "t:1: duplicate key 'a' (first on line 1)");
}

static void
test_max_nodes(void **state)
{
	struct yconf y;
	char big[4096];
	size_t o = 0;

	(void)state;
	o += (size_t)snprintf(big + o, sizeof(big) - o, "[");
	for (int i = 0; i < 500; i++)
		o += (size_t)snprintf(big + o, sizeof(big) - o, "%s%d", i ? "," : "", i);
	snprintf(big + o, sizeof(big) - o, "]");
	memset(&y, 0, sizeof(y));
	y.max_nodes = 100;
	assert_int_equal(yconf_load_buffer(&y, "body", big, strlen(big)), -1);
	assert_string_equal(y.err, "body: document too large");
	assert_int_equal(y.max_nodes, 100); /* kept across the load */
	yconf_free(&y);
	memset(&y, 0, sizeof(y));
	y.max_nodes = 1000;
	assert_int_equal(yconf_load_buffer(&y, "body", big, strlen(big)), 0);
	yconf_free(&y);
	memset(&y, 0, sizeof(y));
	y.max_nodes = 10;
	assert_int_equal(yconf_load_buffer(&y, "body", "{\"a\": 1}", 8), 0);
	yconf_free(&y);
}

/* A JSON object of n keys "k0".."k(n-1)" (plus "k<dup>" again at the end when dup >= 0). */
static char *
many_keys(int n, int dup)
{
	size_t cap = (size_t)n * 16 + 64, o = 0;
	char *s = malloc(cap);

	assert_non_null(s);
	s[o++] = '{';
	for (int i = 0; i < n; i++)
		o += (size_t)snprintf(s + o, cap - o, "%s\"k%d\":1", i ? "," : "", i);
	if (dup >= 0)
		o += (size_t)snprintf(s + o, cap - o, ",\"k%d\":2", dup);
	snprintf(s + o, cap - o, "}");
	return s;
}

/*
 * Issue 12 finding 4: duplicate keys were found pairwise, and a /v1/mirrors body of
 * 199,000 keys took minutes. Now linear: 100,000 distinct keys load in well under a
 * second (pairwise: 5 * 10^9 comparisons), a duplicate at the end is still found, and
 * max_keys stops a mapping at its cap before any more work.
 */
static void
test_many_keys(void **state)
{
	struct yconf y;
	char *s;
	uint64_t t0;

	(void)state;
	s = many_keys(100000, -1);
	memset(&y, 0, sizeof(y));
	y.max_keys = 200000;
	t0 = now_ms();
	assert_int_equal(yconf_load_buffer(&y, "body", s, strlen(s)), 0);
	/*
	 * Not a speed test (tests/bench/stall.sh measures): pairwise duplicate detection took
	 * minutes on 100,000 keys, linear takes well under a second, so a bound of 30 s tells
	 * the two apart even under ASAN on a loaded machine.
	 */
	assert_true(now_ms() - t0 < 30000);
	yconf_free(&y);
	free(s);
	s = many_keys(20000, 7);
	memset(&y, 0, sizeof(y));
	y.max_keys = 200000;
	assert_int_equal(yconf_load_buffer(&y, "body", s, strlen(s)), -1);
	assert_string_equal(y.err, "body:1: duplicate key 'k7' (first on line 1)");
	yconf_free(&y);
	free(s);
	/* The default cap (YCONF_MAX_KEYS), and a caller's. */
	s = many_keys(YCONF_MAX_KEYS + 1, -1);
	assert_int_equal(load(&y, s), -1);
	assert_string_equal(y.err, "t:1: more than 1024 keys in one mapping");
	yconf_free(&y);
	free(s);
	s = many_keys(65, -1);
	memset(&y, 0, sizeof(y));
	y.max_keys = 64;
	assert_int_equal(yconf_load_buffer(&y, "body", s, strlen(s)), -1);
	assert_string_equal(y.err, "body:1: more than 64 keys in one mapping");
	assert_int_equal(y.max_keys, 64); /* kept across the load */
	yconf_free(&y);
	free(s);
	s = many_keys(64, -1);
	memset(&y, 0, sizeof(y));
	y.max_keys = 64;
	assert_int_equal(yconf_load_buffer(&y, "body", s, strlen(s)), 0);
	yconf_free(&y);
	free(s);
}

/* The composed tree keeps what readers rely on: lines, styles, order, nesting. */
static void
test_composed_tree(void **state)
{
	struct yconf y;
	yaml_node_t *root, *l, *item;
	int n = 0;

	(void)state;
	assert_int_equal(load(&y, "a: 1\nb:\n  - x\n  - 'y'\n  - {c: ~}\nd: \"\"\n"), 0);
	root = yconf_root(&y);
	assert_int_equal(root->type, YAML_MAPPING_NODE);
	l = yconf_get(&y, root, "b");
	assert_int_equal(l->type, YAML_SEQUENCE_NODE);
	assert_int_equal(yconf_line(l), 3);
	YCONF_SEQ_FOREACH(&y, l, item)
		n++;
	assert_int_equal(n, 3);
	item = yconf_node(&y, l->data.sequence.items.start[1]);
	assert_string_equal((char *)item->data.scalar.value, "y");
	assert_int_equal(item->data.scalar.style, YAML_SINGLE_QUOTED_SCALAR_STYLE);
	assert_int_equal(yconf_line(item), 4);
	item = yconf_node(&y, l->data.sequence.items.start[2]);
	assert_true(yconf_is_null(yconf_get(&y, item, "c")));
	assert_false(yconf_is_null(yconf_get(&y, root, "d")));
	yconf_free(&y);
	/* An empty document: no root, no error. */
	assert_int_equal(load(&y, ""), 0);
	assert_null(yconf_root(&y));
	yconf_free(&y);
	assert_int_equal(load(&y, "# only a comment\n"), 0);
	assert_null(yconf_root(&y));
	yconf_free(&y);
}

static void
test_check_keys(void **state)
{
	struct yconf y;
	static const char *const allowed[] = { "mode", "timeout", NULL };

	(void)state;
	assert_int_equal(load(&y, "consensus:\n  mode: enforce\n  timeuot: 5s\n"), 0);
	assert_int_equal(yconf_check_keys(&y, yconf_get(&y, yconf_root(&y), "consensus"),
	    "consensus", allowed), -1);
	assert_string_equal(y.err, "t:3: unknown key 'timeuot' in consensus");
	yconf_free(&y);
	/* Every unknown key is counted, the first one reported. */
	assert_int_equal(load(&y, "a: 1\nb: 2\nmode: x\n"), 0);
	assert_int_equal(yconf_check_keys(&y, yconf_root(&y), "top", allowed), -1);
	assert_string_equal(y.err, "t:1: unknown key 'a' in top");
	assert_int_equal(y.nerrors, 2);
	yconf_free(&y);
	/* Not a mapping. */
	assert_int_equal(load(&y, "consensus: [1]\n"), 0);
	assert_int_equal(yconf_check_keys(&y, yconf_get(&y, yconf_root(&y), "consensus"),
	    "consensus", allowed), -1);
	assert_string_equal(y.err, "t:1: consensus: expected a mapping");
	yconf_free(&y);
	assert_int_equal(load(&y, "mode: 1\ntimeout: 2\n"), 0);
	assert_int_equal(yconf_check_keys(&y, yconf_root(&y), "top", allowed), 0);
	yconf_free(&y);
}

static void
test_uint(void **state)
{
	struct yconf y;
	unsigned long v = 77;
	static const struct {
		const char *text;
		int rc;
		unsigned long v;
		const char *err;
	} cases[] = {
		{ "n: 5\n", 0, 5, "" },
		{ "n: 1\n", 0, 1, "" },
		{ "n: 10\n", 0, 10, "" },
		{ "n: \"7\"\n", 0, 7, "" },
		{ "n: 0\n", -1, 0, "t:1: n: 0 is out of range 1..10" },
		{ "n: 11\n", -1, 0, "t:1: n: 11 is out of range 1..10" },
		{ "n: 99999999999999999999999\n", -1, 0,
		    "t:1: n: 99999999999999999999999 is out of range 1..10" },
		{ "n: -1\n", -1, 0, "t:1: n: '-1' is not a number" },
		{ "n: +5\n", -1, 0, "t:1: n: '+5' is not a number" },
		{ "n: 5x\n", -1, 0, "t:1: n: '5x' is not a number" },
		{ "n: 1.5\n", -1, 0, "t:1: n: '1.5' is not a number" },
		{ "n: ''\n", -1, 0, "t:1: n: '' is not a number" },
		{ "n: [1]\n", -1, 0, "t:1: n: expected a single value" },
		{ "n: {a: 1}\n", -1, 0, "t:1: n: expected a single value" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		yaml_node_t *n = val(&y, cases[i].text, "n");
		v = 77;
		assert_int_equal(yconf_uint(&y, n, "n", 1, 10, &v), cases[i].rc);
		assert_string_equal(y.err, cases[i].err);
		assert_int_equal(v, cases[i].rc == 0 ? cases[i].v : 77);
		yconf_free(&y);
	}
}

static void
test_bool(void **state)
{
	struct yconf y;
	int b;
	static const struct {
		const char *text;
		int rc, v;
	} cases[] = {
		{ "b: true\n", 0, 1 }, { "b: yes\n", 0, 1 }, { "b: on\n", 0, 1 },
		{ "b: false\n", 0, 0 }, { "b: no\n", 0, 0 }, { "b: off\n", 0, 0 },
		{ "b: maybe\n", -1, 0 }, { "b: 1\n", -1, 0 }, { "b: [true]\n", -1, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		yaml_node_t *n = val(&y, cases[i].text, "b");
		b = 42;
		assert_int_equal(yconf_bool(&y, n, "b", &b), cases[i].rc);
		assert_int_equal(b, cases[i].rc == 0 ? cases[i].v : 42);
		yconf_free(&y);
	}
	(void)val(&y, "b: maybe\n", "b");
	assert_int_equal(yconf_bool(&y, yconf_get(&y, yconf_root(&y), "b"), "b", &b), -1);
	assert_string_equal(y.err, "t:1: b: expected true or false, not 'maybe'");
	yconf_free(&y);
}

static void
test_duration(void **state)
{
	struct yconf y;
	uint64_t ms;
	static const struct {
		const char *text;
		int rc;
		uint64_t ms;
	} cases[] = {
		{ "d: 1500ms\n", 0, 1500 },
		{ "d: 2s\n", 0, 2000 },
		{ "d: 5m\n", 0, 300000 },
		{ "d: 1h\n", 0, 3600000 },
		{ "d: 7d\n", 0, 604800000 },
		{ "d: 30\n", 0, 30000 },
		{ "d: 0\n", 0, 0 },
		{ "d: 10x\n", -1, 0 },
		{ "d: ms\n", -1, 0 },
		{ "d: -1s\n", -1, 0 },
		{ "d: 1.5s\n", -1, 0 },
		{ "d: 5 s\n", -1, 0 },
		{ "d: 5S\n", -1, 0 },
		{ "d: 8d\n", -1, 0 },
		{ "d: 99999999999999999999d\n", -1, 0 },
		{ "d: 18446744073709551d\n", -1, 0 },
		{ "d: [1s]\n", -1, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		yaml_node_t *n = val(&y, cases[i].text, "d");
		ms = 4242;
		assert_int_equal(yconf_duration_ms(&y, n, "d", 0, 604800000ull, &ms), cases[i].rc);
		assert_true(ms == (cases[i].rc == 0 ? cases[i].ms : 4242));
		yconf_free(&y);
	}
	(void)val(&y, "d: 5ms\n", "d");
	assert_int_equal(yconf_duration_ms(&y, yconf_get(&y, yconf_root(&y), "d"), "timeout", 10,
	    60000, &ms), -1);
	assert_string_equal(y.err, "t:1: timeout: 5ms is out of range 10ms..60000ms");
	yconf_free(&y);
	(void)val(&y, "d: soon\n", "d");
	assert_int_equal(yconf_duration_ms(&y, yconf_get(&y, yconf_root(&y), "d"), "timeout", 10,
	    60000, &ms), -1);
	assert_string_equal(y.err, "t:1: timeout: 'soon' is not a duration (like 1500ms, 2s, 5m)");
	yconf_free(&y);
}

static void
test_enum(void **state)
{
	struct yconf y;
	static const char *const modes[] = { "enforce", "monitor", NULL };
	int idx = -1;

	(void)state;
	assert_int_equal(yconf_enum(&y, val(&y, "m: monitor\n", "m"), "mode", modes, &idx), 0);
	assert_int_equal(idx, 1);
	yconf_free(&y);
	assert_int_equal(yconf_enum(&y, val(&y, "m: enforce\n", "m"), "mode", modes, &idx), 0);
	assert_int_equal(idx, 0);
	yconf_free(&y);
	assert_int_equal(yconf_enum(&y, val(&y, "m: Enforce\n", "m"), "mode", modes, &idx), -1);
	assert_string_equal(y.err, "t:1: mode: 'Enforce' is not one of enforce, monitor");
	yconf_free(&y);
}

static void
test_str_and_null(void **state)
{
	struct yconf y;
	char *s = NULL;
	yaml_node_t *root;

	(void)state;
	assert_int_equal(load(&y, "a: hello\nb: ~\nc: null\nd:\ne: \"null\"\nf: ''\n"), 0);
	root = yconf_root(&y);
	assert_int_equal(yconf_str(&y, yconf_get(&y, root, "a"), "a", &s), 0);
	assert_string_equal(s, "hello");
	assert_int_equal(yconf_str(&y, yconf_get(&y, root, "e"), "e", &s), 0); /* replaces */
	assert_string_equal(s, "null");
	free(s);
	assert_false(yconf_is_null(yconf_get(&y, root, "a")));
	assert_true(yconf_is_null(yconf_get(&y, root, "b")));
	assert_true(yconf_is_null(yconf_get(&y, root, "c")));
	assert_true(yconf_is_null(yconf_get(&y, root, "d")));
	assert_false(yconf_is_null(yconf_get(&y, root, "e")));
	assert_false(yconf_is_null(yconf_get(&y, root, "f")));
	assert_true(yconf_is_null(NULL));
	yconf_free(&y);
}

static void
test_strlist(void **state)
{
	struct yconf y;
	char **l = NULL;
	size_t n = 0;
	yaml_node_t *root;

	(void)state;
	assert_int_equal(load(&y, "a: [A, AAAA, HTTPS]\nb: one\nc: [x, [y]]\nd: {k: v}\ne: []\n"), 0);
	root = yconf_root(&y);
	assert_int_equal(yconf_strlist(&y, yconf_get(&y, root, "a"), "a", &l, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(l[0], "A");
	assert_string_equal(l[2], "HTTPS");
	assert_null(l[3]);
	assert_int_equal(yconf_strlist(&y, yconf_get(&y, root, "b"), "b", &l, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(l[0], "one");
	assert_null(l[1]);
	assert_int_equal(yconf_strlist(&y, yconf_get(&y, root, "e"), "e", &l, &n), 0);
	assert_int_equal(n, 0);
	assert_null(l[0]);
	assert_int_equal(yconf_strlist(&y, yconf_get(&y, root, "c"), "c", &l, &n), -1);
	assert_string_equal(y.err, "t:3: c: list items must be single values");
	yconf_strlist_free(l);
	l = NULL;
	yconf_free(&y);
	assert_int_equal(load(&y, "d: {k: v}\n"), 0);
	assert_int_equal(yconf_strlist(&y, yconf_get(&y, yconf_root(&y), "d"), "d", &l, &n), -1);
	assert_string_equal(y.err, "t:1: d: expected a list");
	assert_null(l);
	yconf_free(&y);
	yconf_strlist_free(NULL);
}

static void
test_error_first_kept(void **state)
{
	struct yconf y;

	(void)state;
	assert_int_equal(load(&y, "a: 1\n"), 0);
	assert_int_equal(yconf_error(&y, yconf_root(&y), "first %d", 1), -1);
	assert_int_equal(yconf_error(&y, NULL, "second"), -1);
	assert_string_equal(y.err, "t:1: first 1");
	assert_int_equal(y.nerrors, 2);
	yconf_free(&y);
	assert_int_equal(load(&y, "a: 1\n"), 0);
	yconf_error(&y, NULL, "no line");
	assert_string_equal(y.err, "t: no line");
	yconf_free(&y);
}

static void
test_load_file(void **state)
{
	struct yconf y;
	char dir[] = "/tmp/test_yconf.XXXXXX", path[256];
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/c.yaml", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("listen: [\"127.0.0.1:53\"]\nuser: x\n", f);
	fclose(f);
	assert_int_equal(yconf_load_file(&y, path), 0);
	assert_string_equal(y.name, path);
	assert_non_null(yconf_get(&y, yconf_root(&y), "user"));
	yconf_free(&y);
	/* A NUL in the file. */
	f = fopen(path, "w");
	fwrite("a: 1\n\0b: 2\n", 1, 11, f);
	fclose(f);
	assert_int_equal(yconf_load_file(&y, path), -1);
	{
		char want[300];
		snprintf(want, sizeof(want), "%s: NUL byte in file", path);
		assert_string_equal(y.err, want);
	}
	yconf_free(&y);
	/* An empty file is an empty document. */
	f = fopen(path, "w");
	fclose(f);
	assert_int_equal(yconf_load_file(&y, path), 0);
	assert_null(yconf_root(&y));
	yconf_free(&y);
	unlink(path);
	/* A missing file. */
	assert_int_equal(yconf_load_file(&y, path), -1);
	{
		char want[300];
		snprintf(want, sizeof(want), "%s: No such file or directory", path);
		assert_string_equal(y.err, want);
	}
	yconf_free(&y);
	/* A directory. */
	assert_int_equal(yconf_load_file(&y, dir), -1);
	assert_true(strncmp(y.err, dir, strlen(dir)) == 0);
	yconf_free(&y);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load_simple),
		cmocka_unit_test(test_load_empty),
		cmocka_unit_test(test_syntax_error),
		cmocka_unit_test(test_aliases_rejected),
		cmocka_unit_test(test_duplicate_keys),
		cmocka_unit_test(test_complex_keys),
		cmocka_unit_test(test_multi_document),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_nesting_depth),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_max_nodes),
		cmocka_unit_test(test_many_keys),
		cmocka_unit_test(test_composed_tree),
		cmocka_unit_test(test_check_keys),
		cmocka_unit_test(test_uint),
		cmocka_unit_test(test_bool),
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_enum),
		cmocka_unit_test(test_str_and_null),
		cmocka_unit_test(test_strlist),
		cmocka_unit_test(test_error_first_kept),
		cmocka_unit_test(test_load_file),
	};

	return cmocka_run_group_tests_name("yconf", tests, NULL, NULL);
}
