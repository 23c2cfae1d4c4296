/*
 * tests/unit/test_check.c - resolver/check.c's in-flight table (lib/coalesce.c) on the
 * replay tier's scripted world (tests/replay/world.c): which questions share a check, what
 * a check's waiters get when the context ends, and chains no client can aim at.
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

#include "check.h"
#include "config.h"
#include "hlru.h"
#include "log.h"
#include "stats.h"
#include "vcache.h"
#include "world.h"

struct fixture {
	struct event_base *base;
	struct world *w;
	struct config *cfg;
	struct vstats st;
	struct vcache *vc;
	struct check_ctx *cx;
	char dir[64];
};

/* Every callback of a test: how many, and how many said UPSTREAM_OK. */
struct outcome {
	int calls;
	int ok;
};

static void
outcome_cb(void *arg, const struct check_result *res)
{
	struct outcome *o = arg;

	o->calls++;
	o->ok += res->status == UPSTREAM_OK;
}

static int
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		return -1;
	fputs(text, f);
	return fclose(f);
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char cfg_path[96], resolv_path[96], err[256];
	struct check_env env = { .mirrors = &world_mirror_ops, .upstream = &world_upstream_ops,
		.clock = world_clock };

	assert_non_null(f);
	log_init("test_check", 1, LOG_L_WARN);
	snprintf(f->dir, sizeof(f->dir), "%s/test_check.XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(f->dir));
	snprintf(cfg_path, sizeof(cfg_path), "%s/vantaged.yaml", f->dir);
	snprintf(resolv_path, sizeof(resolv_path), "%s/resolv.conf", f->dir);
	assert_int_equal(write_file(cfg_path, "upstreams: [192.0.2.53]\n"), 0);
	assert_int_equal(write_file(resolv_path, "nameserver 192.0.2.53\n"), 0);
	f->cfg = config_load(cfg_path, resolv_path, err, sizeof(err));
	unlink(cfg_path);
	unlink(resolv_path);
	rmdir(f->dir);
	assert_non_null(f->cfg);
	assert_non_null(f->base = event_base_new());
	assert_non_null(f->w = world_new(f->base));
	assert_non_null(world_add_mirror(f->w, "m1", "eu-west"));
	assert_non_null(f->vc = vcache_new(f->cfg->cache.max_entries));
	env.base = f->base;
	env.cfg = &f->cfg;
	env.st = &f->st;
	env.vcache = f->vc;
	env.mirrors_svc = env.upstream_svc = f->w;
	assert_non_null(f->cx = check_new(&env));
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	check_free(f->cx);
	vcache_free(f->vc);
	world_free(f->w);
	event_base_free(f->base);
	config_free(f->cfg);
	free(f);
	return 0;
}

/* An A question for name, with the DO and CD bits given. */
static void
q_of(struct dnsq *q, const char *name, int do_bit, int cd)
{
	memset(q, 0, sizeof(*q));
	q->qname_len = (uint8_t)dnswire_name_from_str(name, q->qname, sizeof(q->qname));
	assert_true(q->qname_len > 0);
	q->qtype = DNS_TYPE_A;
	q->qclass = DNS_CLASS_IN;
	q->flags = DNS_FLAG_RD | (cd ? DNS_FLAG_CD : 0);
	q->edns = 1;
	q->do_bit = (uint8_t)do_bit;
	q->edns_size = 1232;
}

/*
 * Who joins whom: the same question with the same DO and CD bits shares one check (one
 * upstream question); another DO or CD bit, or explain's fresh check, is a check of its
 * own. Ending the context answers every waiter still there, once, with an error; one that
 * left hears nothing.
 */
static void
test_join(void **state)
{
	struct fixture *f = *state;
	struct outcome o = { 0 }, gone = { 0 };
	struct check_wait *w;
	struct dnsq q, qdo, qcd;

	q_of(&q, "hot.example.test", 0, 0);
	q_of(&qdo, "hot.example.test", 1, 0);
	q_of(&qcd, "hot.example.test", 0, 1);
	assert_non_null(check_start(f->cx, &q, NULL, outcome_cb, &o));
	assert_non_null(check_start(f->cx, &q, NULL, outcome_cb, &o));
	assert_non_null(w = check_start(f->cx, &q, NULL, outcome_cb, &gone));
	assert_int_equal(f->w->n_upstream_asked, 1);
	assert_non_null(check_start(f->cx, &qdo, NULL, outcome_cb, &o));
	assert_non_null(check_start(f->cx, &qcd, NULL, outcome_cb, &o));
	assert_non_null(check_explain(f->cx, &q, outcome_cb, &o));
	assert_int_equal(f->w->n_upstream_asked, 4);
	assert_non_null(check_explain(f->cx, &q, outcome_cb, &o));
	assert_int_equal(f->w->n_upstream_asked, 4);
	check_cancel(w);
	assert_int_equal(o.calls, 0); /* never from inside a start */
	check_free(f->cx);
	f->cx = NULL;
	assert_int_equal(o.calls, 6);
	assert_int_equal(o.ok, 0);
	assert_int_equal(gone.calls, 0);
}

/*
 * The in-flight table's hash as it was up to this test: an unkeyed 64-bit FNV-1a of the
 * name, the qtype, the DO bit and the CD bit, folded to 32 bits; 1024 chains.
 */
#define FLOOD_BUCKETS 1024u

static uint32_t
flood_unkeyed(const struct dnsq *q)
{
	uint64_t h = hlru_fnv(HLRU_FNV_INIT, q->qname, q->qname_len);
	uint8_t cd = (q->flags & DNS_FLAG_CD) != 0;

	h = hlru_fnv(h, &q->qtype, sizeof(q->qtype));
	h = hlru_fnv(h, &q->do_bit, sizeof(q->do_bit));
	h = hlru_fnv(h, &cd, sizeof(cd));
	return (uint32_t)(h ^ (h >> 32));
}

/*
 * Hash flooding: the questions checked are a client's to choose, and nothing caps how many
 * checks are under way (mirrors that answer slowly keep them there). Chosen against the
 * unkeyed hash, 64 checks shared one chain, which every new question and every verdict
 * walked; keyed per context, they spread like any others.
 */
static void
test_inflight_flood(void **state)
{
	struct fixture *f = *state;
	struct outcome o = { 0 };
	uint32_t target = 0;
	size_t n = 0;
	char name[64];
	struct dnsq q;

	for (uint32_t i = 0; n < 64; i++) {
		uint32_t b;
		snprintf(name, sizeof(name), "f%08x.example.com", i);
		q_of(&q, name, 0, 0);
		b = flood_unkeyed(&q) & (FLOOD_BUCKETS - 1);
		if (n == 0)
			target = b;
		if (b != target)
			continue;
		assert_non_null(check_start(f->cx, &q, NULL, outcome_cb, &o));
		n++;
	}
	assert_int_equal(f->w->n_upstream_asked, 64);
	/* 64 random picks of 1024 chains: more than 6 in one has odds below 1e-9. */
	assert_true(check_chain_max(f->cx) <= 6);
	check_free(f->cx);
	f->cx = NULL;
	assert_int_equal(o.calls, 64);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_join, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inflight_flood, setup, teardown),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
