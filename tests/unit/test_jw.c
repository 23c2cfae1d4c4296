/* tests/unit/test_jw.c - lib/jw.h: commas, nesting, escaping and the sticky error. */
#include "autoconf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <event2/buffer.h>

#include "jw.h"

/* What b holds, NUL-terminated (free it); b is emptied. */
static char *
drain(struct evbuffer *b)
{
	size_t n = evbuffer_get_length(b);
	char *s = malloc(n + 1);

	assert_non_null(s);
	evbuffer_remove(b, s, n);
	s[n] = '\0';
	return s;
}

/* Members after an open object's first one: each with its leading comma. */
static void
test_members(void **state)
{
	struct evbuffer *b = evbuffer_new();
	struct jw w;
	char *s;

	(void)state;
	jw_init(&w, b);
	jw_str(&w, "s", "a\"b\\c\n");
	jw_u64(&w, "u", UINT64_MAX);
	jw_int(&w, "i", -5);
	jw_bool(&w, "t", 1);
	jw_bool(&w, "f", 0);
	jw_null(&w, "n");
	jw_str(&w, "z", NULL);
	assert_false(w.err);
	s = drain(b);
	assert_string_equal(s, ",\"s\":\"a\\\"b\\\\c\\n\",\"u\":18446744073709551615,\"i\":-5,"
			       "\"t\":true,\"f\":false,\"n\":null,\"z\":null");
	free(s);
	evbuffer_free(b);
}

/* Objects and arrays nest; elements of an array carry no key; empty ones stay empty. */
static void
test_nesting(void **state)
{
	struct evbuffer *b = evbuffer_new();
	struct jw w;
	char *s;

	(void)state;
	jw_init(&w, b);
	jw_open(&w, "a", '[');
	jw_u64(&w, NULL, 1);
	jw_open(&w, NULL, '{');
	jw_str(&w, "k", "v");
	jw_open(&w, "e", '[');
	jw_close(&w, ']');
	jw_close(&w, '}');
	jw_str(&w, NULL, "x");
	jw_close(&w, ']');
	jw_open(&w, "o", '{');
	jw_close(&w, '}');
	assert_false(w.err);
	assert_int_equal(w.depth, 0);
	s = drain(b);
	assert_string_equal(s, ",\"a\":[1,{\"k\":\"v\",\"e\":[]},\"x\"],\"o\":{}");
	free(s);
	evbuffer_free(b);
}

/* Past JW_MAX_DEPTH the writer says the document is incomplete, and never overruns. */
static void
test_depth(void **state)
{
	struct evbuffer *b = evbuffer_new();
	struct jw w;

	(void)state;
	jw_init(&w, b);
	for (int i = 0; i < JW_MAX_DEPTH + 4; i++)
		jw_open(&w, NULL, '[');
	assert_true(w.err);
	assert_true(w.depth < JW_MAX_DEPTH);
	evbuffer_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_members),
		cmocka_unit_test(test_nesting),
		cmocka_unit_test(test_depth),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
