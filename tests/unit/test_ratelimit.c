/* tests/unit/test_ratelimit.c - resolver/ratelimit.c: the token bucket per client on a clock the
 * test drives: burst, refill, the cap, clients keyed by IPv4 address and IPv6 /64. */
#include "autoconf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "netaddr.h"
#include "ratelimit.h"

static int
ask(struct ratelimit *rl, const char *client, uint64_t now_ms)
{
	struct netaddr peer;

	assert_int_equal(netaddr_parse(client, 5353, &peer), 0);
	return ratelimit_allow(rl, &peer, now_ms);
}

/* How many of n questions at now_ms are allowed. */
static int
allowed(struct ratelimit *rl, const char *client, uint64_t now_ms, int n)
{
	int k = 0;

	for (int i = 0; i < n; i++)
		k += ask(rl, client, now_ms);
	return k;
}

static void
test_off(void **state)
{
	struct ratelimit *rl = ratelimit_new(0, 0, 16);

	(void)state;
	assert_non_null(rl);
	assert_int_equal(allowed(rl, "192.0.2.1", 1000, 1000), 1000);
	ratelimit_free(rl);
	/* No table at all (ratelimit off in the daemon): everything passes. */
	assert_int_equal(allowed(NULL, "192.0.2.1", 1000, 10), 10);
	ratelimit_free(NULL);
}

static void
test_burst_and_refill(void **state)
{
	struct ratelimit *rl = ratelimit_new(2, 5, 64);

	(void)state;
	assert_non_null(rl);
	/* A new client starts with a full bucket: burst questions at once, then no more. */
	assert_int_equal(allowed(rl, "192.0.2.1", 10000, 8), 5);
	/* Two tokens a second: half a second later, one more; a tenth later, none yet. */
	assert_int_equal(allowed(rl, "192.0.2.1", 10100, 3), 0);
	assert_int_equal(allowed(rl, "192.0.2.1", 10500, 3), 1);
	/* Thousandths of a token add up: 250 ms twice is one token. */
	assert_int_equal(allowed(rl, "192.0.2.1", 10750, 1), 0);
	assert_int_equal(allowed(rl, "192.0.2.1", 11000, 2), 1);
	/* An idle minute refills to burst, not beyond. */
	assert_int_equal(allowed(rl, "192.0.2.1", 71000, 10), 5);
	/* A clock that goes back refills nothing and breaks nothing. */
	assert_int_equal(allowed(rl, "192.0.2.1", 50000, 3), 0);
	ratelimit_free(rl);
}

static void
test_burst_at_least_qps(void **state)
{
	/* burst below qps would refuse what the rate allows: it is raised to qps. */
	struct ratelimit *rl = ratelimit_new(10, 1, 64);

	(void)state;
	assert_non_null(rl);
	assert_int_equal(allowed(rl, "198.51.100.7", 5000, 20), 10);
	ratelimit_free(rl);
}

static void
test_clients_keyed(void **state)
{
	/* One slot: every client collides, which must never merge two clients' budgets. */
	struct ratelimit *rl = ratelimit_new(1, 2, 1);

	(void)state;
	assert_non_null(rl);
	assert_int_equal(allowed(rl, "192.0.2.1", 1000, 3), 2);
	/* Another IPv4 address is another client. */
	assert_int_equal(allowed(rl, "192.0.2.2", 1000, 3), 2);
	/* An IPv6 client owns its /64: rotating within it does not buy tokens. */
	assert_int_equal(allowed(rl, "[2001:db8:1:2::1]:53", 1000, 1), 1);
	assert_int_equal(allowed(rl, "[2001:db8:1:2::ffff]:53", 1000, 1), 1);
	assert_int_equal(allowed(rl, "[2001:db8:1:2:aaaa::9]:53", 1000, 1), 0);
	/* ... but another /64 is another client. */
	assert_int_equal(allowed(rl, "[2001:db8:1:3::1]:53", 1000, 3), 2);
	/* A v4-mapped client is the IPv4 client. */
	assert_int_equal(allowed(rl, "198.51.100.1", 1000, 1), 1);
	assert_int_equal(allowed(rl, "[::ffff:198.51.100.1]:53", 1000, 2), 1);
	ratelimit_free(rl);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_off),
		cmocka_unit_test(test_burst_and_refill),
		cmocka_unit_test(test_burst_at_least_qps),
		cmocka_unit_test(test_clients_keyed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
