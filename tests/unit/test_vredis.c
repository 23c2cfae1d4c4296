/* tests/unit/test_vredis.c - lib/vredis.c's URL parser and description (no server needed). */
#include "autoconf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "vredis.h"

static void
parse_ok(const char *url, struct vredis_addr *a)
{
	char err[160] = "";

	if (vredis_parse_url(url, a, err, sizeof(err)) != 0)
		fail_msg("%s: %s", url, err);
}

static void
test_tcp(void **state)
{
	struct vredis_addr a;
	char d[300];

	(void)state;
	parse_ok("redis://127.0.0.1:6379/0", &a);
	assert_false(a.is_unix);
	assert_string_equal(a.host, "127.0.0.1");
	assert_int_equal(a.port, 6379);
	assert_int_equal(a.db, 0);
	parse_ok("redis://127.0.0.2", &a);
	assert_int_equal(a.port, 6379);
	parse_ok("redis://127.0.0.2:7000/3", &a);
	assert_int_equal(a.port, 7000);
	assert_int_equal(a.db, 3);
	parse_ok("redis://localhost/", &a);
	assert_string_equal(a.host, "127.0.0.1");
	parse_ok("redis://[::1]:6380/2", &a);
	assert_string_equal(a.host, "::1");
	assert_int_equal(a.port, 6380);
	vredis_describe(&a, d, sizeof(d));
	assert_string_equal(d, "[::1]:6380/2");
}

static void
test_userinfo(void **state)
{
	struct vredis_addr a;
	char d[300];

	(void)state;
	parse_ok("redis://fleet:s3cret@127.0.0.1:6379/1", &a);
	assert_string_equal(a.user, "fleet");
	assert_string_equal(a.password, "s3cret");
	parse_ok("redis://:only-pass@127.0.0.1", &a);
	assert_string_equal(a.user, "");
	assert_string_equal(a.password, "only-pass");
	/* The description is for logs and status: never the password. */
	vredis_describe(&a, d, sizeof(d));
	assert_null(strstr(d, "only-pass"));
	assert_string_equal(d, "127.0.0.1:6379/0");
}

static void
test_unix(void **state)
{
	struct vredis_addr a;
	char d[300];

	(void)state;
	parse_ok("unix:/run/redis/redis.sock", &a);
	assert_true(a.is_unix);
	assert_string_equal(a.path, "/run/redis/redis.sock");
	parse_ok("unix:///run/redis/redis.sock?db=4", &a);
	assert_string_equal(a.path, "/run/redis/redis.sock");
	assert_int_equal(a.db, 4);
	vredis_describe(&a, d, sizeof(d));
	assert_string_equal(d, "unix:/run/redis/redis.sock/4");
}

static void
test_bad(void **state)
{
	static const char *const bad[] = {
		"", "127.0.0.1:6379", "http://127.0.0.1", "rediss://127.0.0.1",
		"redis://", "redis://:6379", "redis://127.0.0.1:0", "redis://127.0.0.1:65536",
		"redis://127.0.0.1:63x9", "redis://127.0.0.1/x", "redis://127.0.0.1/-1",
		"redis://redis.example.test:6379", /* a name: the lookup would block the loop */
		"redis://[::1", "redis://[::1]x", "redis://127.0.0.1 /0", "redis://127.0.0.1/0\n",
		"unix:", "unix:relative.sock", "unix:/x?db=", "unix:/x?db=a", "unix:/x?foo=1",
		"redis://127.0.0.1/99999999999999999999",
	};
	struct vredis_addr a;
	char err[160];
	char longpath[300];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (vredis_parse_url(bad[i], &a, err, sizeof(err)) == 0)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_true(err[0] != '\0');
	}
	memset(longpath, 'a', sizeof(longpath) - 1);
	memcpy(longpath, "unix:/", 6);
	longpath[sizeof(longpath) - 1] = '\0';
	assert_int_equal(vredis_parse_url(longpath, &a, err, sizeof(err)), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp),
		cmocka_unit_test(test_userinfo),
		cmocka_unit_test(test_unix),
		cmocka_unit_test(test_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
