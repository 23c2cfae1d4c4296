/*
 * tests/unit/test_mirror_set.c - resolver/mirror_set.c: the inline list and the bootstrap
 * file, the keyed regional selection, and a set rebuilt from the same configuration (a
 * reload) choosing the same mirrors. No connection is opened: sets connect lazily.
 */
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
#include "dnswire.h"
#include "log.h"
#include "mirror_client.h"
#include "vutil.h"

static char dir[] = "/tmp/test_mirror_set.XXXXXX";
static struct event_base *base;

/* A pin-only entry: its CA is fetched on first use, so nothing connects here. */
#define ENTRY(name, addr, region, n) \
	"    - { name: " name ", address: \"" addr "\", region: " region ", ca_sha256: \"" \
	"00000000000000000000000000000000000000000000000000000000000000" n "\" }\n"

/* The six inline mirrors: two per region. */
static const char *const inline_list =
    ENTRY("eu1", "127.192.0.1:443", "eu", "01") ENTRY("eu2", "127.192.0.2:443", "eu", "02")
    ENTRY("us1", "127.192.0.3:443", "us", "03") ENTRY("us2", "127.192.0.4:443", "us", "04")
    ENTRY("ap1", "127.192.0.5:443", "ap", "05") ENTRY("ap2", "127.192.0.6:443", "ap", "06");

/* Write text to dir/name; the path goes to path. */
static void
write_file(const char *name, const char *text, char *path, size_t len)
{
	FILE *f;

	snprintf(path, len, "%s/%s", dir, name);
	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
}

/* A configuration with the inline list, and bootstrap when not NULL (its file's text). */
static struct config *
conf(const char *bootstrap)
{
	char path[256], boot[256], text[4096], err[512];
	struct config *cfg;

	boot[0] = '\0';
	if (bootstrap != NULL)
		write_file("boot.yaml", bootstrap, boot, sizeof(boot));
	snprintf(text, sizeof(text),
	    "listen: [\"127.0.0.1:0\"]\nupstreams: [\"127.0.0.1:53\"]\nmirrors:\n%s%s%s  list:\n%s",
	    boot[0] ? "  bootstrap: \"" : "", boot, boot[0] ? "\"\n" : "", inline_list);
	write_file("vantaged.yaml", text, path, sizeof(path));
	cfg = config_load(path, "/dev/null", err, sizeof(err));
	if (cfg == NULL)
		fail_msg("config_load: %s", err);
	return cfg;
}

static struct mirror_set *
set_new(const struct config *cfg, uint8_t key)
{
	uint8_t secret[32];
	char err[512];
	struct mirror_set *set;

	memset(secret, key, sizeof(secret));
	set = mirror_set_new(base, cfg, secret, err, sizeof(err));
	if (set == NULL)
		fail_msg("mirror_set_new: %s", err);
	return set;
}

/* The names of the k mirrors chosen for name (dotted), comma-separated in out. */
static const char *
select_names(struct mirror_set *set, const char *name, size_t k, char *out, size_t len)
{
	struct mirror *chosen[8];
	uint8_t qname[DNS_MAXNAME];
	size_t n, qlen = 0, o = 0;
	const char *p = name;

	/* "www.example.test" in wire form. */
	while (*p) {
		size_t l = strcspn(p, ".");
		qname[qlen++] = (uint8_t)l;
		memcpy(qname + qlen, p, l);
		qlen += l;
		p += l + (p[l] == '.');
	}
	qname[qlen++] = 0;
	n = mirror_set_select(set, qname, qlen, k, chosen);
	out[0] = '\0';
	for (size_t i = 0; i < n; i++)
		o += (size_t)snprintf(out + o, len - o, "%s%s", i ? "," : "", mirror_name(chosen[i]));
	return out;
}

static void
test_inline_only(void **state)
{
	struct config *cfg = conf(NULL);
	struct mirror_set *set = set_new(cfg, 1);

	(void)state;
	assert_int_equal(mirror_set_count(set), 6);
	assert_string_equal(mirror_name(mirror_set_get(set, 0)), "eu1");
	assert_string_equal(mirror_region(mirror_set_get(set, 5)), "ap");
	assert_string_equal(mirror_addr_str(mirror_set_get(set, 2)), "127.192.0.3:443");
	assert_true(mirror_usable(mirror_set_get(set, 0)));
	assert_null(mirror_set_get(set, 6));
	mirror_set_free(set);
	config_free(cfg);
}

static void
test_bootstrap_merged(void **state)
{
	/* A new mirror, one at an address the inline list has already, another new one. */
	struct config *cfg = conf("# pasted from keygen\n"
	    "- { name: b1, address: \"127.192.0.7:443\", region: sa, ca_sha256: \""
	    "0000000000000000000000000000000000000000000000000000000000000007\" }\n"
	    "- { name: dup, address: \"127.192.0.1:443\", region: eu, ca_sha256: \""
	    "0000000000000000000000000000000000000000000000000000000000000001\" }\n"
	    "- { name: b2, address: \"127.192.0.8:443\", region: af, ca_sha256: \""
	    "0000000000000000000000000000000000000000000000000000000000000008\" }\n");
	struct mirror_set *set = set_new(cfg, 1);

	(void)state;
	assert_int_equal(mirror_set_count(set), 8);
	assert_string_equal(mirror_name(mirror_set_get(set, 0)), "eu1");
	assert_string_equal(mirror_name(mirror_set_get(set, 6)), "b1");
	assert_string_equal(mirror_name(mirror_set_get(set, 7)), "b2");
	mirror_set_free(set);
	config_free(cfg);
}

static void
test_bootstrap_broken(void **state)
{
	/* Broken on its second entry: all or nothing, the inline list alone. */
	struct config *cfg = conf(
	    "- { name: b1, address: \"127.192.0.7:443\", region: sa, ca_sha256: \""
	    "0000000000000000000000000000000000000000000000000000000000000007\" }\n"
	    "- { name: b2, address: \"127.192.0.8:443\" }\n");
	struct mirror_set *set = set_new(cfg, 1);

	(void)state;
	assert_int_equal(mirror_set_count(set), 6);
	mirror_set_free(set);
	config_free(cfg);

	/* Not a list at all, and an empty file: the inline list too. */
	cfg = conf("name: b1\n");
	set = set_new(cfg, 1);
	assert_int_equal(mirror_set_count(set), 6);
	mirror_set_free(set);
	config_free(cfg);
	cfg = conf("");
	set = set_new(cfg, 1);
	assert_int_equal(mirror_set_count(set), 6);
	mirror_set_free(set);
	config_free(cfg);
}

static void
test_bootstrap_missing(void **state)
{
	char text[4096], path[256], err[512];
	struct config *cfg;
	struct mirror_set *set;

	(void)state;
	snprintf(text, sizeof(text), "listen: [\"127.0.0.1:0\"]\nupstreams: [\"127.0.0.1:53\"]\n"
	    "mirrors:\n  bootstrap: \"%s/nonexistent.yaml\"\n  list:\n%s", dir, inline_list);
	write_file("missing.yaml", text, path, sizeof(path));
	assert_non_null(cfg = config_load(path, "/dev/null", err, sizeof(err)));
	set = set_new(cfg, 1);
	assert_int_equal(mirror_set_count(set), 6);
	mirror_set_free(set);
	config_free(cfg);
}

static void
test_select_regions(void **state)
{
	struct config *cfg = conf(NULL);
	struct mirror_set *set = set_new(cfg, 1);
	static const char *const names[] = { "www.example.test", "a.example", "b.example.org",
		"mail.example.net", "x.test" };
	char out[256];

	(void)state;
	for (size_t i = 0; i < NELEMS(names); i++) {
		/* Three regions, one mirror each, while healthy mirrors of three regions exist
		 * (a name's region is its first two letters). */
		select_names(set, names[i], 3, out, sizeof(out));
		assert_int_equal(strlen(out), 3 * 3 + 2);
		assert_memory_not_equal(out, out + 4, 2);
		assert_memory_not_equal(out, out + 8, 2);
		assert_memory_not_equal(out + 4, out + 8, 2);
		/* Asked for all six: each once. */
		select_names(set, names[i], 6, out, sizeof(out));
		assert_int_equal(strlen(out), 6 * 3 + 5);
	}
	/* Nothing to choose: no k, a name too long. */
	{
		struct mirror *chosen[1];
		uint8_t long_name[DNS_MAXNAME + 1] = { 0 };

		assert_int_equal(mirror_set_select(set, (const uint8_t *)"\0", 1, 0, chosen), 0);
		assert_int_equal(mirror_set_select(set, long_name, sizeof(long_name), 1, chosen),
		    0);
	}
	mirror_set_free(set);
	config_free(cfg);
}

static void
test_select_keyed(void **state)
{
	struct config *cfg = conf(NULL);
	struct mirror_set *a = set_new(cfg, 1), *b = set_new(cfg, 2);
	char x[256], y[256], name[32];
	int differ = 0;

	(void)state;
	/* Stable per name under one secret; another secret picks others for some name. */
	assert_string_equal(select_names(a, "www.example.test", 3, x, sizeof(x)),
	    select_names(a, "www.example.test", 3, y, sizeof(y)));
	for (int i = 0; i < 20 && !differ; i++) {
		snprintf(name, sizeof(name), "n%d.example", i);
		differ = strcmp(select_names(a, name, 1, x, sizeof(x)),
		    select_names(b, name, 1, y, sizeof(y))) != 0;
	}
	assert_true(differ);
	mirror_set_free(a);
	mirror_set_free(b);
	config_free(cfg);
}

static void
test_reload_same_set(void **state)
{
	/* A reload builds the set again from the same configuration and the same secret: every
	 * name must go to the same mirrors, in the same order, as before. */
	struct config *c1 = conf(NULL), *c2 = conf(NULL);
	struct mirror_set *a = set_new(c1, 7), *b = set_new(c2, 7);
	char x[256], y[256], name[32];

	(void)state;
	assert_true(config_mirrors_same(c1, c2));
	assert_int_equal(mirror_set_count(a), mirror_set_count(b));
	for (int i = 0; i < 50; i++) {
		snprintf(name, sizeof(name), "host%d.example.com", i);
		assert_string_equal(select_names(a, name, 3, x, sizeof(x)),
		    select_names(b, name, 3, y, sizeof(y)));
	}
	mirror_set_free(a);
	mirror_set_free(b);
	config_free(c1);
	config_free(c2);
}

static void
test_webpki_without_store(void **state)
{
	/* A public resolver whose trust store cannot be read is listed, unusable, never
	 * selected. */
	char text[4096], path[256], err[512], out[256], name[32];
	struct config *cfg;
	struct mirror_set *set;
	struct mirror *q9;

	(void)state;
	snprintf(text, sizeof(text), "listen: [\"127.0.0.1:0\"]\nupstreams: [\"127.0.0.1:53\"]\n"
	    "mirrors:\n  trust_store: \"%s/no-such-store.pem\"\n  list:\n%s"
	    "    - { name: quad9, address: \"127.192.0.9:443\", region: ch, verify: webpki, "
	    "hostname: dns.quad9.net }\n", dir, inline_list);
	write_file("webpki.yaml", text, path, sizeof(path));
	assert_non_null(cfg = config_load(path, "/dev/null", err, sizeof(err)));
	set = set_new(cfg, 1);
	q9 = mirror_set_get(set, 6);
	assert_int_equal(mirror_set_count(set), 7);
	assert_string_equal(mirror_name(q9), "quad9");
	assert_true(mirror_is_webpki(q9));
	assert_false(mirror_usable(q9));
	assert_string_equal(mirror_id_hex(q9), "webpki:dns.quad9.net");
	assert_string_not_equal(mirror_why(q9), "");
	for (int i = 0; i < 30; i++) {
		snprintf(name, sizeof(name), "w%d.example", i);
		assert_null(strstr(select_names(set, name, 7, out, sizeof(out)), "quad9"));
	}
	mirror_set_free(set);
	config_free(cfg);
}

static int
setup(void **state)
{
	(void)state;
	log_init("test_mirror_set", 1, LOG_L_WARN);
	if (mkdtemp(dir) == NULL)
		return -1;
	base = event_base_new();
	return base == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char cmd[256];

	(void)state;
	event_base_free(base);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inline_only),
		cmocka_unit_test(test_bootstrap_merged),
		cmocka_unit_test(test_bootstrap_broken),
		cmocka_unit_test(test_bootstrap_missing),
		cmocka_unit_test(test_select_regions),
		cmocka_unit_test(test_select_keyed),
		cmocka_unit_test(test_reload_same_set),
		cmocka_unit_test(test_webpki_without_store),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
