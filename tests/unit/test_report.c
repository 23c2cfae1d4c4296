/* tests/unit/test_report.c - resolver/report.c: status, cache flush and the envelope, through a report_src. */
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
#include <event2/buffer.h>
#include <event2/event.h>

#include "config.h"
#include "mirror_client.h"
#include "recent.h"
#include "report.h"
#include "vcache.h"
#include "vutil.h"

/*
 * The view is all report.c sees of a daemon, so a test builds one by hand: a real resolver
 * (never asked: no question is sent), a real recent ring and verified cache, no mirrors,
 * one listener, and callbacks that count what they are asked.
 */
struct fake {
	struct event_base *base;
	struct config cfg_store;
	struct config *cfg;
	struct vstats st;
	struct resolve *res;
	struct recent *recent;
	struct vcache *vc;
	struct netaddr listener;
	char resolv_conf[64];
	int changed;			/* vcache_changed calls */
	struct report_src src;
};

/* report.c asks for none of these without a mirror set; they only satisfy the linker. */
size_t mirror_set_count(const struct mirror_set *set) { (void)set; fail(); return 0; }
struct mirror *mirror_set_get(struct mirror_set *set, size_t i) { (void)set; (void)i; fail(); return NULL; }
void mirror_get_stats(const struct mirror *m, struct mirror_stats *st) { (void)m; (void)st; fail(); }
const char *mirror_name(const struct mirror *m) { (void)m; fail(); return NULL; }
const char *mirror_region(const struct mirror *m) { (void)m; fail(); return NULL; }
const char *mirror_id_hex(const struct mirror *m) { (void)m; fail(); return NULL; }
const char *mirror_addr_str(const struct mirror *m) { (void)m; fail(); return NULL; }
const char *mirror_proto_name(enum mirror_proto p) { (void)p; fail(); return NULL; }
const char *mirror_last_error(const struct mirror *m) { (void)m; fail(); return NULL; }
const char *mirror_state_name(enum mirror_state s) { (void)s; fail(); return NULL; }
int mirror_usable(const struct mirror *m) { (void)m; fail(); return 0; }
int mirror_is_webpki(const struct mirror *m) { (void)m; fail(); return 0; }
const char *mirror_why(const struct mirror *m) { (void)m; fail(); return NULL; }
size_t mirror_chain(const struct mirror *m, uint8_t (*fps)[TLS_SHA256_LEN], size_t max)
{ (void)m; (void)fps; (void)max; fail(); return 0; }

static struct mirror_set *
fake_mirrors(void *arg)
{
	(void)arg;
	return NULL;
}

static struct vcache *
fake_vcache(void *arg)
{
	return ((struct fake *)arg)->vc;
}

static const struct netaddr *
fake_listen(void *arg, size_t i)
{
	return i == 0 ? &((struct fake *)arg)->listener : NULL;
}

static int
fake_in_path(void *arg)
{
	(void)arg;
	return 1;
}

static void
fake_changed(void *arg)
{
	((struct fake *)arg)->changed++;
}

static int
setup(void **state)
{
	struct fake *f = calloc(1, sizeof(*f));
	struct resolve_config rc = { .timeout_ms = 1000, .cache = { .max_entries = 100 } };
	FILE *fp;
	int fd;

	assert_non_null(f);
	assert_non_null(f->base = event_base_new());
	f->cfg = &f->cfg_store;
	f->cfg->cache.max_entries = 100;
	f->cfg->consensus.mode = MODE_MONITOR;
	f->cfg->consensus.mirrors_per_query = 3;
	assert_non_null(f->res = resolve_new(f->base, &rc));
	assert_non_null(f->recent = recent_new(f->base, &f->st));
	assert_non_null(f->vc = vcache_new(10));
	assert_int_equal(netaddr_parse("127.0.0.1", 53, &f->listener), 0);
	snprintf(f->resolv_conf, sizeof(f->resolv_conf), "/tmp/test_report.XXXXXX");
	assert_true((fd = mkstemp(f->resolv_conf)) >= 0);
	assert_non_null(fp = fdopen(fd, "w"));
	fprintf(fp, "# written by test_report\nnameserver 127.0.0.1\n");
	fclose(fp);
	f->src = (struct report_src){ .cfg = &f->cfg, .st = &f->st, .config_path = "/etc/v.yaml",
		.resolv_conf = f->resolv_conf, .start_ms = now_ms(), .res = &f->res,
		.recent = &f->recent, .arg = f, .mirrors = fake_mirrors, .vcache = fake_vcache,
		.listen_bound = fake_listen, .in_path = fake_in_path, .vcache_changed = fake_changed };
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fake *f = *state;

	unlink(f->resolv_conf);
	vcache_free(f->vc);
	recent_free(f->recent);
	resolve_free(f->res);
	event_base_free(f->base);
	free(f);
	return 0;
}

/* What a producer wrote, NUL-terminated (free it). */
static char *
produce(const struct report_src *src, void (*fn)(const struct report_src *, struct jw *))
{
	struct evbuffer *b = evbuffer_new();
	struct jw w;
	size_t n;
	char *s;

	jw_init(&w, b);
	fn(src, &w);
	assert_false(w.err);
	n = evbuffer_get_length(b);
	s = malloc(n + 1);
	evbuffer_remove(b, s, n);
	s[n] = '\0';
	evbuffer_free(b);
	return s;
}

/* The status: who, where, the counters from the table, in the order clients know. */
static void
test_status(void **state)
{
	struct fake *f = *state;
	char *s, want[256];

	f->st.queries_udp = 5;
	f->st.queries_tcp = 2;
	f->st.tcp_accepted = 1;
	f->st.answers_stale = 4;
	f->st.ca_probes[1] = 6;
	s = produce(&f->src, report_status);
	assert_non_null(strstr(s, "\"config\":\"/etc/v.yaml\",\"mode\":\"monitor\","
				  "\"listen\":[{\"address\":\"127.0.0.1:53\",\"port\":53}]"));
	assert_non_null(strstr(s, "\"mirrors\":{\"ready\":0,\"total\":0},\"cache\":{\"entries\":0,"
				  "\"max_entries\":100,"));
	assert_non_null(strstr(s, "\"verified_cache\":{\"entries\":0},"
				  "\"queries\":{\"udp\":5,\"tcp\":2,\"tcp_connections\":1,\"tcp_refused\":0},"
				  "\"answers\":{\"cache\":0,\"stale\":4,\"upstream\":0,"));
	assert_non_null(strstr(s, "\"ca\":{\"probes\":{\"ok\":0,\"other-ca\":6,\"bad-chain\":0,"
				  "\"bad-name\":0,\"unreachable\":0,\"busy\":0},\"pairs\":0,"
				  "\"pairs_stored\":0,\"pair_hits\":0,\"changes_flagged\":0}"));
	snprintf(want, sizeof(want), "\"resolv_conf\":{\"path\":\"%s\",\"nameservers\":"
				     "[\"127.0.0.1:53\"],\"in_path\":true}", f->resolv_conf);
	assert_non_null(strstr(s, want));
	assert_int_equal(s[strlen(s) - 1], '}');
	free(s);
}

/* A reload's new configuration is what the next status reads: the view holds the slot. */
static void
test_status_follows_the_slot(void **state)
{
	struct fake *f = *state;
	struct config other = *f->cfg;
	struct config *before = f->cfg;
	char *s;

	other.consensus.mode = MODE_ENFORCE;
	f->cfg = &other;
	s = produce(&f->src, report_status);
	assert_non_null(strstr(s, "\"mode\":\"enforce\""));
	free(s);
	f->cfg = before;
}

/* cache flush: a bad name is an error; everything empties both caches. Nothing verified
 * went, so the state file is not marked. */
static void
test_cache_flush(void **state)
{
	struct fake *f = *state;
	struct evbuffer *b = evbuffer_new();
	struct jw w;
	char err[128], out[256];
	size_t n;

	jw_init(&w, b);
	assert_int_equal(report_cache_flush(&f->src, &w, "a..b", err, sizeof(err)), -1);
	assert_string_equal(err, "not a domain name: a..b");
	assert_int_equal(report_cache_flush(&f->src, &w, NULL, err, sizeof(err)), 0);
	n = evbuffer_remove(b, out, sizeof(out) - 1);
	out[n] = '\0';
	assert_string_equal(out, ",\"flushed\":{\"answers\":0,\"verified\":0}");
	assert_int_equal(f->changed, 0);
	evbuffer_free(b);
}

/* The envelope: the command, then the fields or the error. */
static void
test_envelope(void **state)
{
	struct evbuffer *b = evbuffer_new(), *fields = evbuffer_new();
	char out[256];
	size_t n;

	(void)state;
	evbuffer_add_printf(fields, ",\"x\":1");
	assert_int_equal(report_envelope(b, "status", NULL, fields), 0);
	assert_int_equal(report_envelope(b, "cache flush", "bad \"name\"", NULL), 0);
	n = evbuffer_remove(b, out, sizeof(out) - 1);
	out[n] = '\0';
	assert_string_equal(out, "{\"ok\":true,\"command\":\"status\",\"x\":1}"
				 "{\"ok\":false,\"command\":\"cache flush\",\"error\":\"bad \\\"name\\\"\"}");
	evbuffer_free(fields);
	evbuffer_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_status, setup, teardown),
		cmocka_unit_test_setup_teardown(test_status_follows_the_slot, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cache_flush, setup, teardown),
		cmocka_unit_test(test_envelope),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
