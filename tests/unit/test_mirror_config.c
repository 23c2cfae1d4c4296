/* tests/unit/test_mirror_config.c - vantage-mirror.yaml: defaults and file:line errors. */
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

#include "mirror_config.h"

/* A throwaway CA file: the config reads it to learn the mirror's id. */
static const char ca_pem[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBrTCCAV+gAwIBAgIQSAs5zRgz90sS9tLmJbW0pjAFBgMrZXAwVjEXMBUGA1UE\n"
    "CgwOdmFudGFnZS1taXJyb3IxEjAQBgNVBAsMCXJlZ2lvbiBldTEnMCUGA1UEAwwe\n"
    "dmFudGFnZS1taXJyb3IgQ0EgNjRjNjA1ZTBiMmVjMCIYDzIwMjYxMTIzMDAyMzA0\n"
    "WhgPMjAzNjExMjEwMDIzMDRaMFYxFzAVBgNVBAoMDnZhbnRhZ2UtbWlycm9yMRIw\n"
    "EAYDVQQLDAlyZWdpb24gZXUxJzAlBgNVBAMMHnZhbnRhZ2UtbWlycm9yIENBIDY0\n"
    "YzYwNWUwYjJlYzAqMAUGAytlcAMhALc8nTMnNsSOPYlk5I1gJ2O73m0eyfFvZT+G\n"
    "hHVs0BXuoz8wPTAMBgNVHRMEBTADAQH/MB0GA1UdDgQWBBQLHSZk0qgE6Ln/dxo0\n"
    "vFZGpBYEHzAOBgNVHQ8BAf8EBAMCAQYwBQYDK2VwA0EA2tM7Ge9nIbHdA2t2wpB3\n"
    "h1hPGPZ0T8zh8jyDslCqOXMQPWtvA8y1dKB8D8xDwpuhcWlLtl1KmMa/d8rOBjmB\n"
    "Aw==\n"
    "-----END CERTIFICATE-----\n";

static char dir[] = "/tmp/test_mirror_config.XXXXXX";
static char cfgpath[600];

static int
setup(void **state)
{
	char p[600];
	FILE *f;

	(void)state;
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(p, sizeof(p), "%s/ca.pem", dir);
	if ((f = fopen(p, "w")) == NULL)
		return -1;
	fputs(ca_pem, f);
	fclose(f);
	snprintf(cfgpath, sizeof(cfgpath), "%s/m.yaml", dir);
	return 0;
}

static int
teardown(void **state)
{
	char p[600];

	(void)state;
	snprintf(p, sizeof(p), "%s/ca.pem", dir);
	unlink(p);
	unlink(cfgpath);
	rmdir(dir);
	return 0;
}

/* Load text as the config; returns the error ("" on success) with the path stripped. */
static const char *
load(const char *text, struct mirror_config **out)
{
	static char err[700];
	struct mirror_config *c = NULL;
	FILE *f = fopen(cfgpath, "w");

	fprintf(f, "listen: [\"127.0.0.1:0\"]\ntls: { dir: \"%s\" }\n%s", dir, text);
	fclose(f);
	err[0] = '\0';
	if (mirror_config_load(cfgpath, &c, err, sizeof(err)) == 0) {
		if (out != NULL)
			*out = c;
		else
			mirror_config_free(c);
		return "";
	}
	assert_null(c);
	if (strncmp(err, cfgpath, strlen(cfgpath)) == 0)
		return err + strlen(cfgpath);
	return err;
}

#define BASE "upstreams: [\"127.0.0.1\"]\nregion: eu\nstate_dir: /tmp\n"

static void
test_defaults(void **state)
{
	struct mirror_config *c = NULL;

	(void)state;
	assert_string_equal(load(BASE, &c), "");
	assert_int_equal(c->n_listen, 1);
	assert_int_equal(netaddr_port(&c->upstreams[0]), 53);
	assert_int_equal(c->limits.max_connections, 1024);
	assert_int_equal(c->limits.idle_timeout_ms, 30000);
	assert_int_equal(c->limits.max_body, 65536);
	assert_int_equal(c->limits.max_per_address, 64);
	assert_int_equal(c->limits.handshake_timeout_ms, 10000);
	assert_int_equal(c->limits.header_timeout_ms, 10000);
	assert_int_equal(c->limits.body_timeout_ms, 10000);
	assert_true(mirror_observe_port_allowed(&c->observe, 443));
	assert_true(mirror_observe_port_allowed(&c->observe, 853));
	assert_false(mirror_observe_port_allowed(&c->observe, 22));
	assert_false(c->observe.allow_private);
	assert_string_equal(c->name, "mirror");
	assert_non_null(strstr(c->tls_key, "/server.key"));
	mirror_config_free(c);
}

static void
test_values(void **state)
{
	struct mirror_config *c = NULL;

	(void)state;
	assert_string_equal(load(BASE "limits: { max_connections: 5, idle_timeout: 1500ms }\n"
	    "observe: { extra_ports: [10443], allow_private: true }\n", &c), "");
	assert_int_equal(c->limits.max_connections, 5);
	assert_int_equal(c->limits.idle_timeout_ms, 1500);
	assert_true(mirror_observe_port_allowed(&c->observe, 10443));
	assert_true(c->observe.allow_private);
	mirror_config_free(c);
	c = NULL;
	assert_string_equal(load(BASE "limits: { max_per_address: 8, handshake_timeout: 2s, "
	    "header_timeout: 1500ms, body_timeout: 1m }\n", &c), "");
	assert_int_equal(c->limits.max_per_address, 8);
	assert_int_equal(c->limits.handshake_timeout_ms, 2000);
	assert_int_equal(c->limits.header_timeout_ms, 1500);
	assert_int_equal(c->limits.body_timeout_ms, 60000);
	mirror_config_free(c);
}

static void
test_errors(void **state)
{
	(void)state;
	assert_string_equal(load(BASE "bogus: 1\n", NULL), ":6: unknown key 'bogus' in the configuration");
	assert_string_equal(load(BASE "region: us\n", NULL), ":6: duplicate key 'region' (first on line 4)");
	assert_string_equal(load(BASE "limits: { max_connections: 0 }\n", NULL),
	    ":6: max_connections: 0 is out of range 1..100000");
	assert_string_equal(load(BASE "limits: { max_per_address: 0 }\n", NULL),
	    ":6: max_per_address: 0 is out of range 1..100000");
	assert_string_equal(load(BASE "limits: { header_timeout: 0 }\n", NULL),
	    ":6: header_timeout: 0 is out of range 100ms..600000ms");
	assert_string_equal(load(BASE "limits: { idle_timeout: soon }\n", NULL),
	    ":6: idle_timeout: 'soon' is not a duration (like 1500ms, 2s, 5m)");
	assert_string_equal(load("upstreams: [\"no.where\"]\nregion: eu\nstate_dir: /tmp\n", NULL),
	    ":3: upstreams: 'no.where' is not IP[:PORT]");
	assert_string_equal(load("upstreams: [\"127.0.0.1\"]\nregion: \"e u\"\nstate_dir: /tmp\n", NULL),
	    ":4: region: 'e u' must be 1-64 of A-Z a-z 0-9 - _ .");
	assert_string_equal(load("upstreams: [\"127.0.0.1\"]\nregion: eu\n", NULL), ":1: missing state_dir");
	assert_string_equal(load(BASE "peers:\n  - { name: a, address: \"192.0.2.1\", region: eu }\n", NULL),
	    ":7: peers entry: missing ca_sha256");
	assert_string_equal(load(BASE "observe: { extra_ports: [70000] }\n", NULL),
	    ":6: extra_ports: 70000 is out of range 1..65535");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
