/* tests/unit/test_mirror_routes.c - request parsing: content types and the GET dns= parameter. */
#include "autoconf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "observe.h"
#include "routes.h"

static void
test_content_type(void **state)
{
	(void)state;
	assert_true(routes_content_type_is("application/dns-message", "application/dns-message"));
	assert_true(routes_content_type_is("Application/DNS-Message", "application/dns-message"));
	assert_true(routes_content_type_is(" application/json; charset=utf-8", "application/json"));
	assert_true(routes_content_type_is("application/json ;x=1", "application/json"));
	assert_false(routes_content_type_is("application/dns-messagex", "application/dns-message"));
	assert_false(routes_content_type_is("application/dns", "application/dns-message"));
	assert_false(routes_content_type_is("text/plain", "application/json"));
	assert_false(routes_content_type_is("", "application/json"));
	assert_false(routes_content_type_is(NULL, "application/json"));
}

static void
test_dns_param(void **state)
{
	uint8_t out[ROUTES_MAX_DNS];
	const char *why = NULL;

	(void)state;
	assert_int_equal(routes_dns_param("dns=AAABAAABAAAAAAAAA3d3dwdleGFtcGxlA2NvbQAAAQAB", out,
	    sizeof(out), &why), 33);
	assert_int_equal(routes_dns_param("ct=x&dns=AAAB&y=2", out, sizeof(out), &why), 3);
	assert_int_equal(routes_dns_param("dns=AAAB&dns=AAAB", out, sizeof(out), &why), -1);
	assert_string_equal(why, "dns given twice");
	assert_int_equal(routes_dns_param("xdns=AAAB", out, sizeof(out), &why), -1);
	assert_string_equal(why, "missing dns parameter");
	assert_int_equal(routes_dns_param("dns=", out, sizeof(out), &why), -1);
	assert_int_equal(routes_dns_param(NULL, out, sizeof(out), &why), -1);
	assert_int_equal(routes_dns_param("dns=AA%2BB", out, sizeof(out), &why), -1);
	assert_string_equal(why, "dns is not base64url");
}

static void
test_dns_param_too_long(void **state)
{
	size_t n = 90000;
	char *q = malloc(n + 5);
	uint8_t *out = malloc(ROUTES_MAX_DNS);
	const char *why = NULL;

	(void)state;
	memcpy(q, "dns=", 4);
	memset(q + 4, 'A', n);
	q[n + 4] = '\0';
	assert_int_equal(routes_dns_param(q, out, ROUTES_MAX_DNS, &why), -1);
	assert_string_equal(why, "dns parameter too long");
	free(q);
	free(out);
}

static void
test_observe_names_and_addresses(void **state)
{
	struct netaddr a;

	(void)state;
	assert_true(observe_name_ok("www.example.com"));
	assert_true(observe_name_ok("www.example.com."));
	assert_false(observe_name_ok("192.0.2.1"));
	assert_false(observe_name_ok("a..b"));
	assert_false(observe_name_ok(".a"));
	assert_false(observe_name_ok("a b"));
	assert_false(observe_name_ok(""));
	netaddr_parse("93.184.216.34", 443, &a);
	assert_true(observe_addr_is_public(&a));
	netaddr_parse("127.0.0.1", 443, &a);
	assert_false(observe_addr_is_public(&a));
	netaddr_parse("10.1.2.3", 443, &a);
	assert_false(observe_addr_is_public(&a));
	netaddr_parse("172.31.0.1", 443, &a);
	assert_false(observe_addr_is_public(&a));
	netaddr_parse("172.32.0.1", 443, &a);
	assert_true(observe_addr_is_public(&a));
	netaddr_parse("::1", 443, &a);
	assert_false(observe_addr_is_public(&a));
	netaddr_parse("::ffff:192.168.1.1", 443, &a);
	assert_false(observe_addr_is_public(&a));
	netaddr_parse("fe80::1", 443, &a);
	assert_false(observe_addr_is_public(&a));
	netaddr_parse("2a00:1450::1", 443, &a);
	assert_true(observe_addr_is_public(&a));
}

/* IPv6 forms that carry an IPv4 address are judged by that address (issue 12, finding 8). */
static void
test_observe_embedded_ipv4(void **state)
{
	static const struct { const char *ip; int public; } cases[] = {
		/* NAT64 well-known prefix (RFC 6052): the translator reaches the IPv4 inside. */
		{ "64:ff9b::7f00:1", 0 },		/* 127.0.0.1 */
		{ "64:ff9b::a00:1", 0 },		/* 10.0.0.1 */
		{ "64:ff9b::c0a8:101", 0 },		/* 192.168.1.1 */
		{ "64:ff9b::a9fe:a9fe", 0 },		/* 169.254.169.254 (cloud metadata) */
		{ "64:ff9b::5db8:d822", 1 },		/* 93.184.216.34 */
		/* The local-use NAT64 prefix (RFC 8215): the operator's, refused whole. */
		{ "64:ff9b:1::5db8:d822", 0 },
		{ "64:ff9b:1:ffff::1", 0 },
		/* 6to4 (RFC 3056): 2002:AABB:CCDD::/48 tunnels to A.B.C.D. */
		{ "2002:7f00:1::1", 0 },
		{ "2002:a00:1::", 0 },
		{ "2002:c0a8:101:1::1", 0 },
		{ "2002:5db8:d822::1", 1 },
		/* IPv4-mapped, SIIT-translated, IPv4-compatible (deprecated, refused whole). */
		{ "::ffff:127.0.0.1", 0 },
		{ "::ffff:93.184.216.34", 1 },
		{ "::ffff:0:10.0.0.1", 0 },
		{ "::ffff:0:93.184.216.34", 1 },
		{ "::127.0.0.1", 0 },
		{ "::93.184.216.34", 0 },
		/* Teredo (RFC 4380): server at bits 32-63, client inverted at bits 96-127. */
		{ "2001:0:7f00:1::ffff:ffff", 0 },	/* server 127.0.0.1 */
		{ "2001:0:5db8:d822::80ff:fffe", 0 },	/* client ~ = 127.0.0.1 */
		{ "2001:0:5db8:d822::a247:27dd", 1 },	/* client ~ = 93.184.216.34 */
		/* Special-purpose prefixes with nothing public behind them. */
		{ "100::1", 0 },
		{ "3fff::1", 0 },
		{ "2001:2::1", 0 },
		{ "2001:10::1", 0 },
		{ "2001:20::1", 0 },
		{ "2a00:1450:4001::1", 1 },
	};
	struct netaddr a;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(netaddr_parse(cases[i].ip, 443, &a), 0);
		if (observe_addr_is_public(&a) != cases[i].public)
			fail_msg("%s: expected %s", cases[i].ip,
			    cases[i].public ? "public" : "refused");
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_content_type),
		cmocka_unit_test(test_observe_embedded_ipv4),
		cmocka_unit_test(test_dns_param),
		cmocka_unit_test(test_dns_param_too_long),
		cmocka_unit_test(test_observe_names_and_addresses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
