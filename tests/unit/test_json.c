/* tests/unit/test_json.c - lib/json: base64url both ways and JSON string escaping. */
#include "autoconf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <event2/buffer.h>

#include "json.h"

static void
test_b64_roundtrip(void **state)
{
	uint8_t in[300], out[300];
	char text[500];
	long n, m;
	size_t len;

	(void)state;
	for (len = 0; len < sizeof(in); len++) {
		in[len] = (uint8_t)(len * 7 + 3);
		n = base64url_encode(in, len, text, sizeof(text));
		assert_true(n >= 0);
		assert_null(strchr(text, '='));
		assert_null(strchr(text, '+'));
		assert_null(strchr(text, '/'));
		m = base64url_decode(text, (size_t)n, out, sizeof(out));
		assert_int_equal(m, (long)len);
		assert_memory_equal(in, out, len);
	}
}

static void
test_b64_rfc8484_example(void **state)
{
	/* RFC 8484 section 4.1.1: www.example.com A, ID 0. */
	static const char q[] = "AAABAAABAAAAAAAAA3d3dwdleGFtcGxlA2NvbQAAAQAB";
	uint8_t out[64];
	long n;

	(void)state;
	n = base64url_decode(q, strlen(q), out, sizeof(out));
	assert_int_equal(n, 33);
	assert_memory_equal(out + 12, "\3www\7example\3com\0", 17);
}

static void
test_b64_rejects(void **state)
{
	uint8_t out[64];

	(void)state;
	assert_int_equal(base64url_decode("AB+C", 4, out, sizeof(out)), -1);	/* base64, not url */
	assert_int_equal(base64url_decode("AB/C", 4, out, sizeof(out)), -1);
	assert_int_equal(base64url_decode("A", 1, out, sizeof(out)), -1);	/* impossible length */
	assert_int_equal(base64url_decode("AB C", 4, out, sizeof(out)), -1);
	assert_int_equal(base64url_decode("AB%3D", 5, out, sizeof(out)), -1);
	assert_int_equal(base64url_decode("AB", 2, out, 0), -1);		/* too long for out */
	assert_int_equal(base64url_decode("AR", 2, out, sizeof(out)), -1);	/* non-zero spare bits */
	assert_int_equal(base64url_decode("AQ==", 4, out, sizeof(out)), 1);	/* padding tolerated */
	assert_int_equal(base64url_decode("AQ=", 3, out, sizeof(out)), -1);
	assert_int_equal(base64url_decode("", 0, out, sizeof(out)), 0);
}

static char *
json_of(const char *s, size_t len)
{
	struct evbuffer *b = evbuffer_new();
	static char out[256];
	size_t n;

	json_strn(b, s, len);
	n = evbuffer_get_length(b);
	evbuffer_remove(b, out, n < sizeof(out) ? n : sizeof(out) - 1);
	out[n < sizeof(out) ? n : sizeof(out) - 1] = '\0';
	evbuffer_free(b);
	return out;
}

static void
test_json_escapes(void **state)
{
	(void)state;
	assert_string_equal(json_of("a\"b\\c", 5), "\"a\\\"b\\\\c\"");
	assert_string_equal(json_of("l1\nl2\t", 6), "\"l1\\nl2\\u0009\"");
	assert_string_equal(json_of("caf\xc3\xa9", 5), "\"caf\xc3\xa9\"");		/* raw UTF-8 */
	assert_string_equal(json_of("\xff" "a", 2), "\"\xef\xbf\xbd" "a\"");		/* invalid byte */
	assert_string_equal(json_of("\xed\xa0\x80", 3), "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
	assert_string_equal(json_of("\xc0\xaf", 2), "\"\xef\xbf\xbd\xef\xbf\xbd\"");	/* overlong */
	assert_string_equal(json_of("\xf0\x9f\x98\x80", 4), "\"\xf0\x9f\x98\x80\"");
}

/* json_escape: the same rule into a fixed buffer, cut before a character that does not fit. */
static void
test_json_escape_buf(void **state)
{
	char out[16];

	(void)state;
	assert_int_equal(json_escape(out, sizeof(out), "a\"b\\c\n"), 9);
	assert_string_equal(out, "a\\\"b\\\\c\\n");
	json_escape(out, sizeof(out), "caf\xc3\xa9\xff");
	assert_string_equal(out, "caf\xc3\xa9\xef\xbf\xbd");
	/* 14 bytes fit; the next escape (6 bytes) would not: cut whole, still terminated. */
	assert_int_equal(json_escape(out, sizeof(out), "abcdefghijklmn\x01"), 14);
	assert_string_equal(out, "abcdefghijklmn");
	assert_int_equal(json_escape(out, 8, "abc\x01"), 3);
	assert_string_equal(out, "abc");
	assert_int_equal(json_escape(out, 1, "abc"), 0);
	assert_string_equal(out, "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_b64_roundtrip),
		cmocka_unit_test(test_b64_rfc8484_example),
		cmocka_unit_test(test_b64_rejects),
		cmocka_unit_test(test_json_escapes),
		cmocka_unit_test(test_json_escape_buf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
