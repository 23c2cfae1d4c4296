/* tests/unit/test_config.c - resolver/config.c: loading, defaults, resolv.conf, printing. */
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

#include "config.h"
#include "dnswire.h"
#include "log.h"
#include "netaddr.h"

/* A scratch directory per run, holding the config and resolv.conf each test writes. */
static char dir[] = "/tmp/test_config.XXXXXX";
static char cfg_path[300], resolv_path[300];

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int
group_setup(void **state)
{
	(void)state;
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(cfg_path, sizeof(cfg_path), "%s/vantaged.yaml", dir);
	snprintf(resolv_path, sizeof(resolv_path), "%s/resolv.conf", dir);
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	unlink(cfg_path);
	unlink(resolv_path);
	rmdir(dir);
	return 0;
}

/* Load text as a config with a resolv.conf naming 192.0.2.1 and 192.0.2.2. */
static struct config *
load(const char *text, char *err, size_t errlen)
{
	write_file(resolv_path, "nameserver 192.0.2.1\nnameserver 192.0.2.2\n");
	write_file(cfg_path, text);
	err[0] = '\0';
	return config_load(cfg_path, resolv_path, err, errlen);
}

/* The error for text, with the path replaced by FILE. */
static const char *
load_err(const char *text)
{
	static char err[512], out[600];
	struct config *c = load(text, err, sizeof(err));
	size_t pl = strlen(cfg_path);

	assert_null(c);
	if (strncmp(err, cfg_path, pl) == 0)
		snprintf(out, sizeof(out), "FILE%s", err + pl);
	else
		snprintf(out, sizeof(out), "%s", err);
	return out;
}

static const char *
addr(const struct netaddr *a)
{
	static char buf[NETADDR_STRLEN];
	return netaddr_str(a, buf, sizeof(buf));
}

static void
test_defaults(void **state)
{
	char err[512];
	struct config *c;

	(void)state;
	c = load("user: vantage\n", err, sizeof(err));
	assert_non_null(c);
	assert_string_equal(err, "");
	assert_int_equal(c->n_listen, 2);
	assert_string_equal(addr(&c->listen[0]), "127.0.0.1:53");
	assert_string_equal(addr(&c->listen[1]), "[::1]:53");
	assert_int_equal(c->upstreams_auto, 1);
	assert_int_equal(c->n_upstreams, 2);
	assert_string_equal(addr(&c->upstreams[0]), "192.0.2.1:53");
	assert_string_equal(addr(&c->upstreams[1]), "192.0.2.2:53");
	assert_int_equal(c->upstream_timeout_ms, 3000);
	assert_int_equal(c->n_mirrors, 0);
	assert_string_equal(c->mirrors_trust_store, "/etc/ssl/certs/ca-certificates.crt");
	assert_null(c->mirrors_bootstrap);
	assert_int_equal(c->consensus.mode, MODE_ENFORCE);
	assert_int_equal(c->consensus.mirrors_per_query, 3);
	assert_int_equal(c->consensus.quorum, 0);
	assert_int_equal(c->consensus.address_match, MATCH_LADDER);
	assert_int_equal(c->consensus.on_dissent, DISSENT_REFUSE);
	assert_int_equal(c->consensus.on_insufficient, INSUFFICIENT_FLAG);
	assert_int_equal(c->consensus.timeout_ms, 1500);
	assert_int_equal(c->consensus.allow_private, 0);
	/* DESIGN.md section 7: the default check_types and bypass lists. */
	assert_int_equal(c->consensus.n_check_types, 6);
	assert_int_equal(c->consensus.check_types[0], DNS_TYPE_A);
	assert_int_equal(c->consensus.check_types[5], DNS_TYPE_CAA);
	assert_int_equal(c->consensus.n_bypass, 3);
	assert_string_equal(c->consensus.bypass[0], "home.arpa");
	assert_null(c->consensus.bypass[3]);
	assert_int_equal(c->cache.max_entries, 100000);
	assert_int_equal(c->cache.max_ttl, 86400);
	assert_int_equal(c->cache.negative_max_ttl, 3600);
	assert_int_equal(c->tcp.max_connections, 256);
	assert_int_equal(c->tcp.idle_timeout_ms, 10000);
	assert_null(c->control_socket);
	assert_int_equal(c->has_metrics, 0);
	assert_int_equal(c->log_level, LOG_L_INFO);
	assert_null(c->dissent_log);
	assert_string_equal(c->user, "vantage");
	assert_string_equal(c->path, cfg_path);
	config_free(c);
	/* user absent: vantage; user: ~ means do not change user. */
	c = load("listen: \"127.0.0.1:53\"\n", err, sizeof(err));
	assert_non_null(c);
	assert_string_equal(c->user, "vantage");
	assert_int_equal(c->n_listen, 1);
	config_free(c);
	c = load("user: ~\n", err, sizeof(err));
	assert_non_null(c);
	assert_string_equal(c->user, "");
	config_free(c);
}

static void
test_full(void **state)
{
	char err[512];
	struct config *c;
	const char *text =
	    "listen: [\"127.0.0.53:53\", \"[::1]:5353\", \"127.0.0.1:0\"]\n"
	    "upstreams: [\"9.9.9.9\", \"[2620:fe::fe]:53\", \"192.0.2.53:5300\"]\n"
	    "upstream_timeout: 2s\n"
	    "mirrors:\n"
	    "  bootstrap: /etc/vantage/mirrors.yaml\n"
	    "  list:\n"
	    "    - { name: m1, address: \"198.51.100.7:443\", region: eu, ca_sha256: "
	    "\"00112233445566778899AABBCCDDEEFF00112233445566778899aabbccddeeff\" }\n"
	    "    - { address: \"9.9.9.9\", region: ch, verify: webpki, hostname: dns.quad9.net, "
	    "method: get }\n"
	    "    - { name: ip-only, address: \"192.0.2.9:8443\", region: R, verify: webpki, "
	    "ca_sha256: \"00112233445566778899aabbccddeeff00112233445566778899aabbccddee00\" }\n"
	    "  trust_store: /etc/ssl/certs\n"
	    "consensus:\n"
	    "  mode: monitor\n"
	    "  mirrors_per_query: 5\n"
	    "  quorum: 4\n"
	    "  address_match: prefix\n"
	    "  on_dissent: consensus\n"
	    "  on_insufficient: refuse\n"
	    "  timeout: 800ms\n"
	    "  check_types: [A, aaaa, TYPE65]\n"
	    "  bypass: [home.arpa, Local.]\n"
	    "  allow_private: yes\n"
	    "cache: { max_entries: 5000, min_ttl: 10, max_ttl: 3600, negative_max_ttl: 60, "
	    "state_file: /var/lib/vantage/state }\n"
	    "tcp: { max_connections: 10, idle_timeout: 1m }\n"
	    "control: { socket: /run/vantage/control.sock }\n"
	    "metrics: { listen: \"127.0.0.1\" }\n"
	    "log: { level: debug, dissent_log: /var/log/vantage/dissent.jsonl }\n"
	    "user: _vantage\n";

	(void)state;
	c = load(text, err, sizeof(err));
	if (c == NULL)
		fail_msg("%s", err);
	assert_int_equal(c->n_listen, 3);
	assert_string_equal(addr(&c->listen[1]), "[::1]:5353");
	assert_string_equal(addr(&c->listen[2]), "127.0.0.1:0");
	assert_int_equal(c->upstreams_auto, 0);
	assert_int_equal(c->n_upstreams, 3);
	assert_string_equal(addr(&c->upstreams[0]), "9.9.9.9:53");
	assert_string_equal(addr(&c->upstreams[1]), "[2620:fe::fe]:53");
	assert_string_equal(addr(&c->upstreams[2]), "192.0.2.53:5300");
	assert_int_equal(c->upstream_timeout_ms, 2000);
	assert_string_equal(c->mirrors_bootstrap, "/etc/vantage/mirrors.yaml");
	assert_int_equal(c->n_mirrors, 3);
	assert_string_equal(c->mirrors_trust_store, "/etc/ssl/certs");
	/* A webpki entry without hostname is verified for its address; a pin is allowed. */
	assert_int_equal(c->mirrors[2].verify, VERIFY_WEBPKI);
	assert_null(c->mirrors[2].hostname);
	assert_int_equal(c->mirrors[2].has_pin, 1);
	assert_int_equal(c->mirrors[2].ca_sha256[31], 0x00);
	assert_string_equal(c->mirrors[0].name, "m1");
	assert_string_equal(addr(&c->mirrors[0].addr), "198.51.100.7:443");
	assert_string_equal(c->mirrors[0].region, "eu");
	assert_int_equal(c->mirrors[0].verify, VERIFY_PIN);
	assert_int_equal(c->mirrors[0].has_pin, 1);
	assert_int_equal(c->mirrors[0].ca_sha256[0], 0x00);
	assert_int_equal(c->mirrors[0].ca_sha256[10], 0xaa);
	assert_int_equal(c->mirrors[0].ca_sha256[31], 0xff);
	assert_int_equal(c->mirrors[0].line, 7);
	assert_string_equal(c->mirrors[1].name, "dns.quad9.net");
	assert_string_equal(addr(&c->mirrors[1].addr), "9.9.9.9:443");
	assert_int_equal(c->mirrors[1].verify, VERIFY_WEBPKI);
	assert_int_equal(c->mirrors[1].has_pin, 0);
	assert_string_equal(c->mirrors[1].hostname, "dns.quad9.net");
	/* RFC 8484 GET for that entry; POST, the default, for the others. */
	assert_int_equal(c->mirrors[1].doh_get, 1);
	assert_int_equal(c->mirrors[0].doh_get, 0);
	assert_int_equal(c->consensus.mode, MODE_MONITOR);
	assert_int_equal(c->consensus.mirrors_per_query, 5);
	assert_int_equal(c->consensus.quorum, 4);
	assert_int_equal(c->consensus.address_match, MATCH_PREFIX);
	assert_int_equal(c->consensus.on_dissent, DISSENT_CONSENSUS);
	assert_int_equal(c->consensus.on_insufficient, INSUFFICIENT_REFUSE);
	assert_int_equal(c->consensus.timeout_ms, 800);
	assert_int_equal(c->consensus.n_check_types, 3);
	assert_int_equal(c->consensus.check_types[0], DNS_TYPE_A);
	assert_int_equal(c->consensus.check_types[1], DNS_TYPE_AAAA);
	assert_int_equal(c->consensus.check_types[2], DNS_TYPE_HTTPS);
	assert_int_equal(c->consensus.n_bypass, 2);
	assert_string_equal(c->consensus.bypass[0], "home.arpa");
	assert_int_equal(c->consensus.allow_private, 1);
	assert_int_equal(c->cache.max_entries, 5000);
	assert_int_equal(c->cache.min_ttl, 10);
	assert_int_equal(c->cache.max_ttl, 3600);
	assert_int_equal(c->cache.negative_max_ttl, 60);
	assert_string_equal(c->cache.state_file, "/var/lib/vantage/state");
	assert_int_equal(c->tcp.max_connections, 10);
	assert_int_equal(c->tcp.idle_timeout_ms, 60000);
	assert_string_equal(c->control_socket, "/run/vantage/control.sock");
	assert_int_equal(c->has_metrics, 1);
	assert_string_equal(addr(&c->metrics_listen), "127.0.0.1:9153");
	assert_int_equal(c->log_level, LOG_L_DEBUG);
	assert_string_equal(c->dissent_log, "/var/log/vantage/dissent.jsonl");
	assert_string_equal(c->user, "_vantage");
	config_free(c);
}

static void
test_errors(void **state)
{
	(void)state;
	assert_string_equal(load_err(""), "FILE: the file is empty");
	assert_string_equal(load_err("listen: [\"127.0.0.1:53\"]\nfoo: 1\n"),
	    "FILE:2: unknown key 'foo' in the top level");
	assert_string_equal(load_err("cache:\n  max_entries: 1\n  max_entires: 2\n"),
	    "FILE:3: unknown key 'max_entires' in cache");
	assert_string_equal(load_err("listen: [\"127.0.0.1:53\", \"127.0.0.1:53\"]\n"),
	    "FILE:1: listen: address listed twice");
	assert_string_equal(load_err("listen: []\n"), "FILE:1: listen: the list is empty");
	assert_string_equal(load_err("listen: {a: 1}\n"),
	    "FILE:1: listen: expected a list of addresses");
	assert_string_equal(load_err("listen: \"localhost:53\"\n"),
	    "FILE:1: listen: 'localhost:53' is not an address (like 127.0.0.1:53 or [::1]:53)");
	assert_string_equal(load_err("listen: \"127.0.0.1:53\"\nupstreams: [\"127.0.0.1\"]\n"),
	    "FILE:2: upstreams: 127.0.0.1:53 is one of our own listen addresses (a loop)");
	assert_string_equal(load_err("consensus: {quorum: 0}\n"),
	    "FILE:1: quorum: 0 is out of range 1..16");
	assert_string_equal(load_err("consensus: {check_types: [A, BOGUS]}\n"),
	    "FILE:1: check_types: unknown type 'BOGUS'");
	assert_string_equal(load_err("consensus: {bypass: [\"a..b\"]}\n"),
	    "FILE:1: bypass: 'a..b' is not a domain name");
	assert_string_equal(load_err("cache: {min_ttl: 100, max_ttl: 50}\n"),
	    "FILE:1: cache: min_ttl 100 is above max_ttl 50");
	assert_string_equal(load_err("mirrors:\n  list:\n    - { address: \"192.0.2.1\", "
				     "region: eu }\n"),
	    "FILE:3: mirror entry: 'ca_sha256' is required (or verify: webpki)");
	assert_string_equal(load_err("mirrors:\n  list:\n    - { address: \"192.0.2.1\", "
				     "region: eu, verify: webpki, method: put }\n"),
	    "FILE:3: method: 'put' is not one of post, get");
}

static void
test_missing_file(void **state)
{
	char err[512], want[600];
	struct config *c;

	(void)state;
	c = config_load("/nonexistent/vantaged.yaml", resolv_path, err, sizeof(err));
	assert_null(c);
	snprintf(want, sizeof(want), "/nonexistent/vantaged.yaml: No such file or directory");
	assert_string_equal(err, want);
}

static void
test_auto_errors(void **state)
{
	char err[512], want[1024];
	struct config *c;

	(void)state;
	write_file(cfg_path, "upstreams: auto\n");
	c = config_load(cfg_path, "/nonexistent/resolv.conf", err, sizeof(err));
	assert_null(c);
	snprintf(want, sizeof(want),
	    "%s:1: upstreams: auto: cannot read /nonexistent/resolv.conf: No such file or directory",
	    cfg_path);
	assert_string_equal(err, want);
	/* Only ourselves in resolv.conf. */
	write_file(resolv_path, "nameserver 127.0.0.1\nnameserver ::1\n");
	c = config_load(cfg_path, resolv_path, err, sizeof(err));
	assert_null(c);
	snprintf(want, sizeof(want),
	    "%s:1: upstreams: auto: %s names no usable nameserver (other than vantaged itself); "
	    "list the upstreams explicitly", cfg_path, resolv_path);
	assert_string_equal(err, want);
}

static void
test_resolv_conf(void **state)
{
	struct netaddr skip[3], out[4];
	int n;

	(void)state;
	write_file(resolv_path,
	    "# comment\n"
	    "; other comment\n"
	    "search example.com\n"
	    "nameserver 127.0.0.1\n"
	    "  nameserver\t192.0.2.1   # trailing\n"
	    "nameserverx 192.0.2.99\n"
	    "nameserver not-an-address\n"
	    "nameserver\n"
	    "nameserver ::1\n"
	    "nameserver 192.0.2.2\n"
	    "nameserver 192.0.2.3\n"
	    "nameserver 192.0.2.4\n"
	    "options edns0\n");
	assert_int_equal(netaddr_parse("127.0.0.1:53", 53, &skip[0]), 0);
	assert_int_equal(netaddr_parse("[::1]:53", 53, &skip[1]), 0);
	n = config_read_resolv_conf(resolv_path, skip, 2, out, 4);
	assert_int_equal(n, 4);
	assert_string_equal(addr(&out[0]), "192.0.2.1:53");
	assert_string_equal(addr(&out[1]), "192.0.2.2:53");
	assert_string_equal(addr(&out[2]), "192.0.2.3:53");
	assert_string_equal(addr(&out[3]), "192.0.2.4:53");
	/* Listening on 0.0.0.0:53 covers every IPv4 nameserver (this host's own). */
	write_file(resolv_path, "nameserver 192.0.2.1\nnameserver 2001:db8::1\n");
	assert_int_equal(netaddr_parse("0.0.0.0:53", 53, &skip[0]), 0);
	n = config_read_resolv_conf(resolv_path, skip, 1, out, 4);
	assert_int_equal(n, 1);
	assert_string_equal(addr(&out[0]), "[2001:db8::1]:53");
	/* ... but not on another port. */
	assert_int_equal(netaddr_parse("0.0.0.0:5353", 53, &skip[0]), 0);
	assert_int_equal(config_read_resolv_conf(resolv_path, skip, 1, out, 4), 2);
	/* A listener on another port is not the nameserver at :53. */
	assert_int_equal(netaddr_parse("192.0.2.1:5353", 53, &skip[0]), 0);
	assert_int_equal(config_read_resolv_conf(resolv_path, skip, 1, out, 4), 2);
	assert_int_equal(config_read_resolv_conf("/nonexistent/resolv.conf", skip, 1, out, 4), -1);
	write_file(resolv_path, "");
	assert_int_equal(config_read_resolv_conf(resolv_path, skip, 1, out, 4), 0);
}

/* Print c into a malloc'd string. */
static char *
print(const struct config *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	config_print(c, f);
	fclose(f);
	return buf;
}

static void
test_print_reload(void **state)
{
	char err[512];
	struct config *c, *c2;
	char *p1, *p2;
	const char *text =
	    "listen: [\"127.0.0.53:53\", \"[::1]:5353\"]\n"
	    "upstreams: [\"9.9.9.9\"]\n"
	    "mirrors:\n"
	    "  list:\n"
	    "    - { name: m1, address: \"198.51.100.7\", region: eu, ca_sha256: "
	    "\"00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:00:11:22:33:44:55:66:77:88:99:aa:bb:"
	    "cc:dd:ee:ff\" }\n"
	    "consensus: { check_types: [A, CAA], bypass: [lan], quorum: 2 }\n"
	    "metrics: { listen: \"[::1]:9000\" }\n"
	    "cache: { state_file: /var/lib/vantage/state }\n";

	(void)state;
	c = load(text, err, sizeof(err));
	if (c == NULL)
		fail_msg("%s", err);
	p1 = print(c);
	/* The printed form is itself a valid config that prints the same. */
	c2 = load(p1, err, sizeof(err));
	if (c2 == NULL)
		fail_msg("printed config does not load: %s\n%s", err, p1);
	p2 = print(c2);
	assert_string_equal(p1, p2);
	assert_non_null(strstr(p1, "ca_sha256: \"00112233445566778899aabbccddeeff"
				   "00112233445566778899aabbccddeeff\""));
	assert_non_null(strstr(p1, "check_types: [A, CAA]\n"));
	assert_non_null(strstr(p1, "quorum: 2\n"));
	free(p1);
	free(p2);
	config_free(c);
	config_free(c2);
}

/*
 * KNOWN BUG (fails now): config_print writes an unset path as "~", and a null scalar is
 * read back by yconf_str as the literal string "~". So `-nv` output fed back in (or a
 * user's `control: { socket: ~ }`) yields a control socket, state file, dissent log and
 * bootstrap file named "~" instead of "none".
 */
static void
test_null_paths_mean_unset(void **state)
{
	char err[512];
	struct config *c;

	(void)state;
	c = load("mirrors: { bootstrap: ~ }\ncache: { state_file: ~ }\ncontrol: { socket: ~ }\n"
		 "log: { dissent_log: ~ }\n",
	    err, sizeof(err));
	int unset[4];

	if (c == NULL)
		fail_msg("%s", err);
	/* Collect first, free, then assert: a failing assert must not leak. */
	unset[0] = c->mirrors_bootstrap == NULL;
	unset[1] = c->cache.state_file == NULL;
	unset[2] = c->control_socket == NULL;
	unset[3] = c->dissent_log == NULL;
	config_free(c);
	assert_true(unset[0]); /* mirrors.bootstrap */
	assert_true(unset[1]); /* cache.state_file */
	assert_true(unset[2]); /* control.socket */
	assert_true(unset[3]); /* log.dissent_log */
}

static void
test_free_null(void **state)
{
	(void)state;
	config_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_auto_errors),
		cmocka_unit_test(test_resolv_conf),
		cmocka_unit_test(test_print_reload),
		cmocka_unit_test(test_null_paths_mean_unset),
		cmocka_unit_test(test_free_null),
	};

	return cmocka_run_group_tests_name("config", tests, group_setup, group_teardown);
}
