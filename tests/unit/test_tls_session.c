/* tests/unit/test_tls_session.c - lib/tls_session.c: how long a TLS session may be offered again. */
#include <wolfssl/options.h>
#include "autoconf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <cmocka.h>

#include "tls.h"

#define T0 ((time_t)1800000000)	/* the full handshake */
#define DAY ((time_t)TLS_SESSION_MAX_AGE)

/* Up to a day after the full handshake; not a second more (a resumption checks no chain). */
static void
test_age(void **state)
{
	(void)state;
	assert_int_equal(TLS_SESSION_MAX_AGE, 24 * 3600);
	assert_true(tls_session_fresh(T0, 0, T0));
	assert_true(tls_session_fresh(T0, 0, T0 + DAY - 1));
	assert_false(tls_session_fresh(T0, 0, T0 + DAY));
	assert_false(tls_session_fresh(T0, 0, T0 + 30 * DAY));
}

/* Never past the leaf's notAfter, even within the day. */
static void
test_leaf_expiry(void **state)
{
	(void)state;
	assert_true(tls_session_fresh(T0, T0 + 3600, T0 + 3599));
	assert_false(tls_session_fresh(T0, T0 + 3600, T0 + 3600));
	assert_false(tls_session_fresh(T0, T0 - 1, T0));	/* expired already */
	assert_true(tls_session_fresh(T0, T0 + 365 * DAY, T0 + DAY - 1));
	assert_false(tls_session_fresh(T0, T0 + 365 * DAY, T0 + DAY));
}

/* A clock set back before the handshake: the age is unknown, no resumption. */
static void
test_clock_back(void **state)
{
	(void)state;
	assert_false(tls_session_fresh(T0, 0, T0 - 1));
	assert_false(tls_session_fresh(T0, T0 + DAY, T0 - DAY));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_age),
		cmocka_unit_test(test_leaf_expiry),
		cmocka_unit_test(test_clock_back),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
