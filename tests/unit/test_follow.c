/* tests/unit/test_follow.c - resolver/follow.c on its env: files that change under
 * `upstreams: auto` reach the resolver (or wait when it is busy), and whether the system's
 * resolv.conf still names one of our listeners. */
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

#include <event2/event.h>

#include "config.h"
#include "follow.h"
#include "netaddr.h"

static char dir[] = "/tmp/test_follow.XXXXXX";
static char cfg_path[300], resolv_path[300], up_path[300];

/* The world follow sees: our listeners, and the resolver it hands upstreams to. */
static struct netaddr bound_addrs[2];
static size_t n_bound;
static int applied, apply_rc;

static const struct netaddr *
fake_bound(void *arg, size_t i)
{
	(void)arg;
	return i < n_bound ? &bound_addrs[i] : NULL;
}

static int
fake_apply(void *arg)
{
	(void)arg;
	applied++;
	return apply_rc;
}

/* Write path anew by rename, as DHCP clients and NetworkManager do. */
static void
write_file(const char *path, const char *text)
{
	char tmp[320];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.new", path);
	assert_non_null(f = fopen(tmp, "w"));
	fputs(text, f);
	fclose(f);
	assert_int_equal(rename(tmp, path), 0);
}

static int
group_setup(void **state)
{
	(void)state;
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(cfg_path, sizeof(cfg_path), "%s/vantaged.yaml", dir);
	snprintf(resolv_path, sizeof(resolv_path), "%s/resolv.conf", dir);
	snprintf(up_path, sizeof(up_path), "%s/up.conf", dir);
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	unlink(cfg_path);
	unlink(resolv_path);
	unlink(up_path);
	rmdir(dir);
	return 0;
}

/* A config following up.conf, loaded as vantaged would; and follow on it. */
static struct config *
load(void)
{
	char yaml[512], err[512];
	struct config *c;

	snprintf(yaml, sizeof(yaml), "listen: [\"127.0.0.1:53\"]\nupstreams: auto\n"
				     "upstreams_from: [\"%s\"]\n", up_path);
	write_file(cfg_path, yaml);
	write_file(up_path, "nameserver 192.0.2.1\n");
	write_file(resolv_path, "nameserver 127.0.0.1\n");
	c = config_load(cfg_path, resolv_path, err, sizeof(err));
	assert_non_null(c);
	return c;
}

static struct follow *
start(struct event_base *base, struct config *const *slot)
{
	struct follow_env env = { .base = base, .cfg = slot, .resolv_conf = resolv_path,
		.bound = fake_bound, .apply = fake_apply, .arg = NULL };
	struct follow *f = follow_new(&env);

	assert_non_null(f);
	return f;
}

static void
test_upstreams_follow_the_file(void **state)
{
	struct event_base *base = event_base_new();
	struct config *cfg = load();
	struct follow *f;
	struct netaddr want;
	char s[NETADDR_STRLEN];

	(void)state;
	n_bound = 1;
	netaddr_parse("127.0.0.1:53", 53, &bound_addrs[0]);
	applied = apply_rc = 0;
	assert_int_equal(cfg->n_upstreams, 1);
	f = start(base, &cfg);
	/* The first look: nothing changed since the config learned, nothing to hand over. */
	event_base_loop(base, EVLOOP_ONCE);
	assert_int_equal(applied, 0);
	follow_free(f);

	/* The network changes: the new resolver reaches the config and the resolver. */
	f = start(base, &cfg);
	write_file(up_path, "nameserver 192.0.2.2\nnameserver 192.0.2.3\n");
	event_base_loop(base, EVLOOP_ONCE);
	assert_int_equal(applied, 1);
	assert_int_equal(cfg->n_upstreams, 2);
	netaddr_parse("192.0.2.2", 53, &want);
	assert_string_equal(netaddr_str(&cfg->upstreams[0], s, sizeof(s)), "192.0.2.2:53");
	assert_true(netaddr_equal(&cfg->upstreams[0], &want));
	follow_free(f);

	/* The resolver is busy: the config keeps what the resolver has. */
	f = start(base, &cfg);
	apply_rc = -1;
	write_file(up_path, "nameserver 198.51.100.1\n");
	event_base_loop(base, EVLOOP_ONCE);
	assert_int_equal(applied, 2);
	assert_int_equal(cfg->n_upstreams, 2);
	assert_true(netaddr_equal(&cfg->upstreams[0], &want));
	follow_free(f);

	/* Between two networks (a file naming nobody): keep forwarding to the last ones. */
	f = start(base, &cfg);
	apply_rc = 0;
	write_file(up_path, "# nothing yet\n");
	event_base_loop(base, EVLOOP_ONCE);
	assert_int_equal(applied, 2);
	assert_int_equal(cfg->n_upstreams, 2);
	follow_free(f);
	config_free(cfg);
	event_base_free(base);
}

static void
test_in_path(void **state)
{
	struct event_base *base = event_base_new();
	struct config *cfg = load();
	struct follow *f = start(base, &cfg);

	(void)state;
	n_bound = 1;
	netaddr_parse("127.0.0.1:53", 53, &bound_addrs[0]);
	assert_int_equal(follow_in_path(f), 1);
	/* Another resolver first: applications no longer ask us. */
	write_file(resolv_path, "nameserver 192.0.2.9\nnameserver 127.0.0.1\n");
	assert_int_equal(follow_in_path(f), 0);
	/* A wildcard listener answers on loopback. */
	netaddr_parse("0.0.0.0:53", 53, &bound_addrs[0]);
	write_file(resolv_path, "nameserver 127.0.0.2\n");
	assert_int_equal(follow_in_path(f), 1);
	/* Not on port 53: resolv.conf cannot point at us at all. */
	netaddr_parse("127.0.0.1:5353", 53, &bound_addrs[0]);
	assert_int_equal(follow_in_path(f), -1);
	assert_int_equal(follow_in_path(NULL), -1);
	follow_free(f);
	follow_free(NULL);
	config_free(cfg);
	event_base_free(base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_upstreams_follow_the_file),
		cmocka_unit_test(test_in_path),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
