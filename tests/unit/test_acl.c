/* tests/unit/test_acl.c - resolver/acl.c: prefixes as written in acl:, longest-prefix
 * matching whatever the rules' order, the refusal of unlisted clients, v4-mapped clients. */
#include "autoconf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "acl.h"
#include "netaddr.h"

/* A rule from its text; the prefix must parse. */
static struct acl_rule
rule(const char *prefix, enum acl_action action)
{
	struct acl_rule r;

	memset(&r, 0, sizeof(r));
	assert_int_equal(acl_parse_prefix(prefix, &r.addr, &r.len), 0);
	r.action = action;
	return r;
}

static enum acl_action
judge(const struct acl_rule *rules, size_t n, const char *client)
{
	struct netaddr peer;

	assert_int_equal(netaddr_parse(client, 5353, &peer), 0);
	return acl_match(rules, n, &peer);
}

static void
test_parse_prefix(void **state)
{
	struct netaddr a;
	unsigned len = 99;

	(void)state;
	assert_int_equal(acl_parse_prefix("192.0.2.0/24", &a, &len), 0);
	assert_int_equal(len, 24);
	assert_int_equal(acl_parse_prefix("2001:db8::/32", &a, &len), 0);
	assert_int_equal(len, 32);
	/* A bare address is a host: /32, /128. */
	assert_int_equal(acl_parse_prefix("192.0.2.1", &a, &len), 0);
	assert_int_equal(len, 32);
	assert_int_equal(acl_parse_prefix("::1", &a, &len), 0);
	assert_int_equal(len, 128);
	assert_int_equal(acl_parse_prefix("0.0.0.0/0", &a, &len), 0);
	assert_int_equal(len, 0);
	/* Host bits set: more likely a typo than a wish. */
	assert_int_equal(acl_parse_prefix("192.0.2.1/24", &a, &len), -1);
	assert_int_equal(acl_parse_prefix("2001:db8::1/64", &a, &len), -1);
	/* Lengths past the family, signs, garbage, ports, brackets, v4 written as mapped v6. */
	assert_int_equal(acl_parse_prefix("192.0.2.0/33", &a, &len), -1);
	assert_int_equal(acl_parse_prefix("2001:db8::/129", &a, &len), -1);
	assert_int_equal(acl_parse_prefix("192.0.2.0/-1", &a, &len), -1);
	assert_int_equal(acl_parse_prefix("192.0.2.0/", &a, &len), -1);
	assert_int_equal(acl_parse_prefix("192.0.2.0/24x", &a, &len), -1);
	assert_int_equal(acl_parse_prefix("192.0.2.1:53", &a, &len), -1);
	assert_int_equal(acl_parse_prefix("[::1]", &a, &len), -1);
	assert_int_equal(acl_parse_prefix("::ffff:192.0.2.0/120", &a, &len), -1);
	assert_int_equal(acl_parse_prefix("example.com", &a, &len), -1);
	assert_int_equal(acl_parse_prefix("", &a, &len), -1);
}

static void
test_longest_prefix_wins(void **state)
{
	struct acl_rule r[4];

	(void)state;
	r[0] = rule("10.0.0.0/8", ACL_ALLOW);
	r[1] = rule("10.1.0.0/16", ACL_REFUSE);
	r[2] = rule("10.1.2.0/24", ACL_DROP);
	r[3] = rule("10.1.2.3", ACL_ALLOW);
	assert_int_equal(judge(r, 4, "10.9.9.9"), ACL_ALLOW);
	assert_int_equal(judge(r, 4, "10.1.9.9"), ACL_REFUSE);
	assert_int_equal(judge(r, 4, "10.1.2.9"), ACL_DROP);
	assert_int_equal(judge(r, 4, "10.1.2.3"), ACL_ALLOW);
	/* The order of the rules does not matter: the same rules backwards. */
	{
		struct acl_rule b[4] = { r[3], r[2], r[1], r[0] };
		assert_int_equal(judge(b, 4, "10.9.9.9"), ACL_ALLOW);
		assert_int_equal(judge(b, 4, "10.1.9.9"), ACL_REFUSE);
		assert_int_equal(judge(b, 4, "10.1.2.9"), ACL_DROP);
		assert_int_equal(judge(b, 4, "10.1.2.3"), ACL_ALLOW);
	}
	/* A prefix that is not on a byte boundary. */
	r[0] = rule("192.0.2.128/25", ACL_ALLOW);
	assert_int_equal(judge(r, 1, "192.0.2.200"), ACL_ALLOW);
	assert_int_equal(judge(r, 1, "192.0.2.127"), ACL_REFUSE);
}

static void
test_unlisted_refused(void **state)
{
	struct acl_rule r[2];

	(void)state;
	/* No rule at all, and a client no rule covers: REFUSED (an open resolver amplifies). */
	assert_int_equal(judge(NULL, 0, "127.0.0.1"), ACL_REFUSE);
	r[0] = rule("127.0.0.0/8", ACL_ALLOW);
	r[1] = rule("::1", ACL_ALLOW);
	assert_int_equal(judge(r, 2, "127.0.0.1"), ACL_ALLOW);
	assert_int_equal(judge(r, 2, "[::1]:53"), ACL_ALLOW);
	assert_int_equal(judge(r, 2, "192.0.2.1"), ACL_REFUSE);
	assert_int_equal(judge(r, 2, "[2001:db8::1]:53"), ACL_REFUSE);
	/* 0.0.0.0/0 covers every IPv4 client and no IPv6 one. */
	r[0] = rule("0.0.0.0/0", ACL_DROP);
	assert_int_equal(judge(r, 1, "198.51.100.1"), ACL_DROP);
	assert_int_equal(judge(r, 1, "[2001:db8::1]:53"), ACL_REFUSE);
}

static void
test_families_and_mapped(void **state)
{
	struct acl_rule r[2];
	struct netaddr a;
	uint8_t b[16];

	(void)state;
	r[0] = rule("192.0.2.0/24", ACL_ALLOW);
	r[1] = rule("2001:db8::/32", ACL_DROP);
	assert_int_equal(judge(r, 2, "[2001:db8:1::5]:53"), ACL_DROP);
	/* A v4-mapped client is judged by its IPv4 address: the IPv4 rule applies to it. */
	assert_int_equal(judge(r, 2, "[::ffff:192.0.2.9]:53"), ACL_ALLOW);
	assert_int_equal(judge(r, 2, "[::ffff:198.51.100.9]:53"), ACL_REFUSE);
	assert_int_equal(netaddr_parse("[::ffff:192.0.2.9]:53", 53, &a), 0);
	assert_int_equal(acl_addr_bytes(&a, b), 4);
	assert_memory_equal(b, "\xc0\x00\x02\x09", 4);
	assert_int_equal(netaddr_parse("[2001:db8::1]:53", 53, &a), 0);
	assert_int_equal(acl_addr_bytes(&a, b), 6);
	assert_int_equal(b[0], 0x20);
	assert_int_equal(b[15], 1);
}

static void
test_action_names(void **state)
{
	(void)state;
	assert_string_equal(acl_action_name(ACL_ALLOW), "allow");
	assert_string_equal(acl_action_name(ACL_REFUSE), "refuse");
	assert_string_equal(acl_action_name(ACL_DROP), "drop");
	assert_string_equal(acl_action_name((enum acl_action)7), "?");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_prefix),
		cmocka_unit_test(test_longest_prefix_wins),
		cmocka_unit_test(test_unlisted_refused),
		cmocka_unit_test(test_families_and_mapped),
		cmocka_unit_test(test_action_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
