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
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <event2/event.h>

#include "config.h"
#include "dnswire.h"
#include "follow.h"
#include "netaddr.h"

static char dir[] = "/tmp/test_follow.XXXXXX";
static char cfg_path[300], resolv_path[300], up_path[300];

/* The world follow sees: our listeners, and the resolver it hands upstreams to. */
static struct netaddr bound_addrs[2];
static size_t n_bound;
static int applied, apply_rc, zones_changed;

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


static void
count_zones_changed(void *arg)
{
	(void)arg;
	zones_changed++;
}

static void
test_link_parse(void **state)
{
	char resolved[] = "# This is private data. Do not parse.\nLLMNR=yes\nDEFAULT_ROUTE=no\n"
			  "SERVERS=10.8.0.1 10.8.0.2:5353 fe80::1%3 [2001:db8::1]:53#dns.corp "
			  "1.1.1.1#one.one.one.one bogus\n"
			  "DOMAINS=corp.example ~vpn.example ~.\nNTA=x.example\n";
	char networkd[] = "ADMIN_STATE=configured\nDNS=192.0.2.1\nDOMAINS=lan\n"
			  "ROUTE_DOMAINS=internal.test\nNTP=192.0.2.2\n";
	char none[] = "LLMNR=no\nDOMAINS=.\n";
	struct follow_link l;
	char s[NETADDR_STRLEN];

	(void)state;
	follow_link_parse(resolved, &l);
	assert_int_equal(l.n_servers, 4); /* the link-local one and "bogus" are skipped */
	assert_string_equal(netaddr_str(&l.servers[0], s, sizeof(s)), "10.8.0.1:53");
	assert_string_equal(netaddr_str(&l.servers[1], s, sizeof(s)), "10.8.0.2:5353");
	assert_string_equal(netaddr_str(&l.servers[2], s, sizeof(s)), "[2001:db8::1]:53");
	assert_string_equal(netaddr_str(&l.servers[3], s, sizeof(s)), "1.1.1.1:53");
	assert_int_equal(l.n_domains, 2);
	assert_string_equal(l.domains[0], "corp.example");
	assert_string_equal(l.domains[1], "vpn.example");
	assert_int_equal(l.default_route, 1);

	follow_link_parse(networkd, &l);
	assert_int_equal(l.n_servers, 1); /* NTP= is not a DNS server */
	assert_int_equal(l.n_domains, 2);
	assert_string_equal(l.domains[0], "lan");
	assert_string_equal(l.domains[1], "internal.test");
	assert_int_equal(l.default_route, 0);

	follow_link_parse(none, &l);
	assert_int_equal(l.n_servers + l.n_domains, 0);
	assert_int_equal(l.default_route, 1);
}

/* A config with a configured zone and forward_from: netif, a directory of link files. */
static struct config *
load_links(const char *netif)
{
	char yaml[768], err[512];
	struct config *c;

	snprintf(yaml, sizeof(yaml), "listen: [\"127.0.0.1:53\", \"127.0.0.9:5353\"]\n"
				     "upstreams: [\"192.0.2.1\"]\nforward_from: [\"%s\"]\n"
				     "forward:\n  - { zone: corp.example, to: [\"10.1.1.1\"] }\n",
	    netif);
	write_file(cfg_path, yaml);
	c = config_load(cfg_path, resolv_path, err, sizeof(err));
	if (c == NULL)
		fail_msg("%s", err);
	return c;
}

static int
forwarded(const struct config *c, const char *name)
{
	uint8_t wire[255];
	size_t len = dnswire_name_from_str(name, wire, sizeof(wire));

	return config_forwarded(c, wire, len);
}

static void
test_links_learned(void **state)
{
	struct event_base *base = event_base_new();
	char netif[300], l2[320], l3[320], tmp[320], s[256];
	struct follow_env env = { .base = base, .resolv_conf = resolv_path, .bound = fake_bound,
		.apply = fake_apply, .zones_changed = count_zones_changed };
	struct config *cfg;
	struct follow *f;

	(void)state;
	snprintf(netif, sizeof(netif), "%s/netif", dir);
	snprintf(l2, sizeof(l2), "%s/2", netif);
	snprintf(l3, sizeof(l3), "%s/3", netif);
	snprintf(tmp, sizeof(tmp), "%s/.#3xyz", netif);
	assert_int_equal(mkdir(netif, 0755), 0);
	write_file(resolv_path, "nameserver 127.0.0.1\n");
	/* A VPN: its servers, one of them resolved's stub and one of our own: those are loops.
	 * corp.example and below stay the configuration's. */
	write_file(l2, "SERVERS=10.8.0.1 127.0.0.53 127.0.0.9:5353 127.0.0.1\n"
		       "DOMAINS=~vpn.test corp.example ~sub.corp.example\n");
	/* The Wi-Fi: the default route only. And a file being written: not a link yet. */
	write_file(l3, "SERVERS=192.0.2.53\nDOMAINS=~.\n");
	write_file(tmp, "SERVERS=192.0.2.54\nDOMAINS=tmp.test\n");
	n_bound = 1;
	netaddr_parse("127.0.0.1:53", 53, &bound_addrs[0]);
	applied = apply_rc = zones_changed = 0;
	cfg = load_links(netif);
	assert_int_equal(cfg->n_forwards, 1);
	env.cfg = &cfg;
	assert_non_null(f = follow_new(&env));
	/* Learned at once, before any question: no answer cached yet, nothing to drop. */
	assert_int_equal(applied, 1);
	assert_int_equal(zones_changed, 0);
	assert_int_equal(cfg->n_forwards, 2);
	assert_string_equal(follow_learned_str(cfg->forwards + 1, 1, s, sizeof(s)),
	    "vpn.test to 10.8.0.1:53");
	assert_true(forwarded(cfg, "www.vpn.test"));
	assert_false(forwarded(cfg, "www.tmp.test"));
	assert_true(forwarded(cfg, "www.corp.example"));

	/* The Wi-Fi link gets a search domain too; nothing else changes. */
	write_file(l3, "SERVERS=192.0.2.53\nDOMAINS=~. lan\n");
	event_base_loop(base, EVLOOP_ONCE);
	assert_int_equal(applied, 2);
	assert_int_equal(cfg->n_forwards, 3);
	assert_string_equal(follow_learned_str(cfg->forwards + 1, 2, s, sizeof(s)),
	    "lan to 192.0.2.53:53, vpn.test to 10.8.0.1:53");

	/* The resolver is busy: nothing changes, and it is tried again. */
	apply_rc = -1;
	unlink(l2);
	event_base_loop(base, EVLOOP_ONCE);
	assert_int_equal(applied, 3);
	assert_int_equal(cfg->n_forwards, 3);
	assert_true(forwarded(cfg, "www.vpn.test"));

	/* The VPN went down: its zone goes. */
	apply_rc = 0;
	event_base_loop(base, EVLOOP_ONCE);
	assert_int_equal(applied, 4);
	assert_int_equal(zones_changed, 2);
	assert_int_equal(cfg->n_forwards, 2);
	assert_false(forwarded(cfg, "www.vpn.test"));
	assert_true(forwarded(cfg, "x.lan"));

	/* A reload: the new config gets the learned zones back, no news for the log. */
	{
		struct config *old = cfg;
		cfg = load_links(netif);
		config_free(old);
	}
	follow_reconfigure(f);
	assert_int_equal(applied, 5);
	assert_int_equal(zones_changed, 2);
	assert_true(forwarded(cfg, "x.lan"));
	follow_free(f);
	config_free(cfg);
	unlink(l3);
	unlink(tmp);
	rmdir(netif);
	event_base_free(base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_upstreams_follow_the_file),
		cmocka_unit_test(test_in_path),
		cmocka_unit_test(test_link_parse),
		cmocka_unit_test(test_links_learned),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
