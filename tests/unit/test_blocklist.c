/* tests/unit/test_blocklist.c - plugins/blocklist: its configuration, the lookup (a name and
 * everything below it, not its siblings or parents), list files, reload, and a lookup time
 * over 100,000 names. The plugin runs on a fake services table, as the daemon would run it. */
#include "autoconf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "dnswire.h"
#include "plugin_api.h"
#include "vutil.h"

extern const struct plugin_descriptor plugin_blocklist;

static int ede_code, rcode_set;
static char ede_text[200], last_log[512];

static void
t_log(const struct plugin_ctx *ctx, enum plugin_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_log, sizeof(last_log), fmt, ap);
	va_end(ap);
}

static uint64_t
t_now_us(void)
{
	return now_us();
}

static void
t_set_ede(struct plugin_ctx *ctx, int code, const char *text)
{
	ede_code = code;
	snprintf(ede_text, sizeof(ede_text), "%s", text);
}

static void
t_set_rcode(struct plugin_ctx *ctx, int rcode)
{
	rcode_set = rcode;
}

static size_t
t_str2name(const char *s, uint8_t *out, size_t cap)
{
	return dnswire_name_from_str(s, out, cap);
}

static char *
t_name2str(const uint8_t *name, size_t len, char *buf, size_t cap)
{
	return dnswire_name2str(name, len, buf, cap);
}

static const struct plugin_env env = { .log = t_log, .now_us = t_now_us, .set_ede = t_set_ede,
	.set_rcode = t_set_rcode, .str2name = t_str2name, .name2str = t_name2str };

struct bl {
	struct yconf y;
	void *conf;
	struct plugin_ctx ctx;
};

/* Parse the blocklist subtree yaml; 0, or -1 with y.err set. */
static int
bl_parse(struct bl *b, const char *yaml)
{
	memset(b, 0, sizeof(*b));
	if (yconf_load_buffer(&b->y, "t.yaml", yaml, strlen(yaml)) != 0)
		return -1;
	return plugin_blocklist.config_parse(&env, &b->y, yconf_root(&b->y), &b->conf);
}

static void
bl_start(struct bl *b, const char *yaml)
{
	assert_int_equal(bl_parse(b, yaml), 0);
	b->ctx.env = &env;
	b->ctx.plugin = "blocklist";
	assert_int_equal(plugin_blocklist.init(&b->ctx, b->conf, &b->ctx.inst), 0);
}

static void
bl_free(struct bl *b)
{
	if (b->ctx.inst)
		plugin_blocklist.free(b->ctx.inst);
	plugin_blocklist.config_free(b->conf);
	yconf_free(&b->y);
}

/* Ask name: the plugin's state. */
static enum plugin_state
ask(struct bl *b, const char *name)
{
	struct plugin_question q = { .name = name, .type = "A", .qtype = 1, .qclass = 1 };
	uint8_t wire[255];

	q.qname_len = dnswire_name_from_str(name, wire, sizeof(wire));
	q.qname = wire;
	assert_true(q.qname_len > 0);
	b->ctx.q = &q;
	ede_code = rcode_set = -1;
	return plugin_blocklist.on_query(&b->ctx);
}

static void
test_config(void **state)
{
	struct bl b;

	assert_int_equal(bl_parse(&b, "names: [a.example]\nbogus: 1\n"), -1);
	assert_string_equal(b.y.err, "t.yaml:2: unknown key 'bogus' in blocklist");
	bl_free(&b);
	assert_int_equal(bl_parse(&b, "action: refuse\n"), -1);
	assert_string_equal(b.y.err, "t.yaml:1: blocklist: list some 'names' or 'files'");
	bl_free(&b);
	assert_int_equal(bl_parse(&b, "names: [a.example, \".\"]\n"), -1);
	assert_string_equal(b.y.err, "t.yaml:1: names: '.' is not a domain name");
	bl_free(&b);
	assert_int_equal(bl_parse(&b, "names: [a..b]\n"), -1);
	assert_string_equal(b.y.err, "t.yaml:1: names: 'a..b' is not a domain name");
	bl_free(&b);
	assert_int_equal(bl_parse(&b, "names: [a.example]\naction: drop\n"), -1);
	assert_string_equal(b.y.err, "t.yaml:2: action: 'drop' is not one of refuse, nxdomain");
	bl_free(&b);
	assert_int_equal(bl_parse(&b, "files: /nonexistent/list\n"), 0); /* read at init, not -n */
	bl_free(&b);
}

static void
test_lookup(void **state)
{
	struct bl b;

	bl_start(&b, "names: [ads.example, Tracker.Example.NET., deep.a.b.c.test]\n");
	assert_int_equal(ask(&b, "ads.example"), PLUGIN_REFUSE);
	assert_int_equal(ede_code, 15);
	assert_string_equal(ede_text, "vantage: blocked by local policy");
	assert_int_equal(ask(&b, "x.y.ads.example"), PLUGIN_REFUSE);
	assert_int_equal(ask(&b, "tracker.example.net"), PLUGIN_REFUSE);	/* case-blind */
	assert_int_equal(ask(&b, "cdn.tracker.example.net"), PLUGIN_REFUSE);
	assert_int_equal(ask(&b, "x.deep.a.b.c.test"), PLUGIN_REFUSE);
	/* siblings, parents and look-alikes pass */
	assert_int_equal(ask(&b, "myads.example"), PLUGIN_PASS);
	assert_int_equal(ask(&b, "example"), PLUGIN_PASS);
	assert_int_equal(ask(&b, "a.b.c.test"), PLUGIN_PASS);
	assert_int_equal(ask(&b, "ads.example.com"), PLUGIN_PASS);
	assert_int_equal(ask(&b, "example.net"), PLUGIN_PASS);
	assert_int_equal(ede_code, -1);
	bl_free(&b);

	bl_start(&b, "names: [ads.example]\naction: nxdomain\ntext: no ads here\n");
	assert_int_equal(ask(&b, "www.ads.example"), PLUGIN_DONE);
	assert_int_equal(rcode_set, 3);
	assert_string_equal(ede_text, "no ads here");
	bl_free(&b);
}

static void
test_files_and_reload(void **state)
{
	char path[] = "/tmp/test_blocklist.XXXXXX", yaml[256];
	struct bl b;
	FILE *f;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fprintf(f, "# a comment\n\nfile.example   # trailing comment\n0.0.0.0 hosts.example\n"
		   "bad..name\n127.0.0.1\tlocalhost.example\r\n");
	fclose(f);
	snprintf(yaml, sizeof(yaml), "files: [\"%s\"]\n", path);
	bl_start(&b, yaml);
	assert_string_equal(last_log, "3 names blocked (1 files, 0 inline, some lines skipped)");
	assert_int_equal(ask(&b, "www.file.example"), PLUGIN_REFUSE);
	assert_int_equal(ask(&b, "hosts.example"), PLUGIN_REFUSE);
	assert_int_equal(ask(&b, "localhost.example"), PLUGIN_REFUSE);
	assert_int_equal(ask(&b, "0.0.0.0"), PLUGIN_PASS);
	/* The file changes: reload reads it again. */
	f = fopen(path, "w");
	fprintf(f, "new.example\n");
	fclose(f);
	assert_int_equal(plugin_blocklist.reload(&b.ctx, b.conf), 0);
	assert_int_equal(ask(&b, "new.example"), PLUGIN_REFUSE);
	assert_int_equal(ask(&b, "file.example"), PLUGIN_PASS);
	/* The file is gone: reload fails and the list stays. */
	unlink(path);
	assert_int_equal(plugin_blocklist.reload(&b.ctx, b.conf), -1);
	assert_string_equal(last_log, "keeping the previous list (1 names)");
	assert_int_equal(ask(&b, "new.example"), PLUGIN_REFUSE);
	bl_free(&b);
	/* At start, an unreadable file stops the plugin. */
	assert_int_equal(bl_parse(&b, yaml), 0);
	b.ctx.env = &env;
	b.ctx.plugin = "blocklist";
	assert_int_equal(plugin_blocklist.init(&b.ctx, b.conf, &b.ctx.inst), -1);
	b.ctx.inst = NULL;
	bl_free(&b);
}

/* 100,000 names; every lookup walks the labels of a 5-label name. */
static void
test_scale(void **state)
{
	char path[] = "/tmp/test_blocklist.XXXXXX", yaml[256], name[64];
	struct bl b;
	FILE *f;
	int fd = mkstemp(path), hits = 0;
	const int n = 100000, lookups = 200000;
	uint64_t t0, us;

	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	for (int i = 0; i < n; i++)
		fprintf(f, "ads%d.tracker%d.example\n", i, i % 97);
	fclose(f);
	snprintf(yaml, sizeof(yaml), "files: [\"%s\"]\n", path);
	t0 = now_us();
	bl_start(&b, yaml);
	us = now_us() - t0;
	print_message("# loading %d names: %llu ms\n", n, (unsigned long long)(us / 1000));
	t0 = now_us();
	for (int i = 0; i < lookups; i++) {
		snprintf(name, sizeof(name), "a.b.ads%d.tracker%d.example", i, i % 97);
		hits += ask(&b, name) == PLUGIN_REFUSE;
	}
	us = now_us() - t0;
	print_message("# %d lookups: %.0f ns each (name building included)\n", lookups,
	    us * 1000.0 / lookups);
	assert_int_equal(hits, n);
	/* Misses: the common case, each a walk over all 5 labels of the name. */
	t0 = now_us();
	for (int i = 0; i < lookups; i++) {
		snprintf(name, sizeof(name), "a.b.www%d.site%d.example", i, i % 97);
		hits += ask(&b, name) == PLUGIN_REFUSE;
	}
	us = now_us() - t0;
	print_message("# %d misses: %.0f ns each (name building included)\n", lookups,
	    us * 1000.0 / lookups);
	assert_int_equal(hits, n);
	unlink(path);
	bl_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_files_and_reload),
		cmocka_unit_test(test_scale),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
