/* tests/unit/test_mirror_peers.c - the peer table: its list, picks, states, file, joins. */
#include "autoconf.h"

#include <event2/buffer.h>
#include <event2/event.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "join.h"
#include "keygen.h"
#include "peers.h"
#include "reputation.h"
#include "tls.h"
#include "vote.h"

#define NCA 4	/* three configured peers, and one that joins */

static struct {
	char dir[64];
	char *pem[NCA];
	uint8_t id[NCA][TLS_SHA256_LEN];
	char idhex[NCA][TLS_SHA256_HEX];
	struct mirror_config cfg, *slot;
	struct mirror_peer mp[NCA];
	struct event_base *base;
	struct reputation *rep;
	unsigned saves;
} w;

static void
count_save(void *arg)
{
	(void)arg;
	w.saves++;
}

static char *
slurp(const char *path)
{
	char *b = calloc(1, 65536);
	FILE *f = fopen(path, "r");

	assert_non_null(f);
	assert_true(fread(b, 1, 65535, f) > 0);
	fclose(f);
	return b;
}

/* A fresh CA from keygen (its chatter on stdout kept out of the TAP stream). */
static void
make_ca(int i)
{
	char kdir[128], path[160], addr[32];
	char *argv[] = { "keygen", "--dir", kdir, "--address", addr, "--region", "eu", NULL };
	int out = dup(1), null = open("/dev/null", O_WRONLY);

	snprintf(kdir, sizeof(kdir), "%s/k%d", w.dir, i);
	snprintf(addr, sizeof(addr), "127.0.0.%d", 10 + i);
	fflush(stdout);
	dup2(null, 1);
	assert_int_equal(keygen_main(7, argv), 0);
	fflush(stdout);
	dup2(out, 1);
	close(out);
	close(null);
	snprintf(path, sizeof(path), "%s/ca.pem", kdir);
	w.pem[i] = slurp(path);
	assert_int_equal(tls_pem_sha256(w.pem[i], strlen(w.pem[i]), w.id[i], NULL, 0), 0);
	tls_hex(w.id[i], TLS_SHA256_LEN, w.idhex[i]);
}

static int
setup(void **state)
{
	static char names[NCA][8];
	char err[256];
	int i;

	(void)state;
	tls_init();
	snprintf(w.dir, sizeof(w.dir), "/tmp/vtest-peers-XXXXXX");
	assert_non_null(mkdtemp(w.dir));
	for (i = 0; i < NCA; i++) {
		make_ca(i);
		snprintf(names[i], sizeof(names[i]), "m%d", i);
		w.mp[i].name = names[i];
		w.mp[i].region = "eu";
		netaddr_parse("127.0.0.1", 1, &w.mp[i].addr);
		memcpy(w.mp[i].ca_sha256, w.id[i], TLS_SHA256_LEN);
		w.mp[i].ca_pem = w.pem[i];
	}
	w.cfg.state_dir = w.dir;
	w.cfg.peers = w.mp;
	w.cfg.n_peers = 3;
	w.cfg.network.joins_per_minute = 2;
	w.cfg.network.fanout = 2;
	w.cfg.network.max_candidates = 8;
	w.cfg.network.allow_private = 1;
	w.slot = &w.cfg;
	assert_non_null(w.base = event_base_new());
	assert_non_null(w.rep = reputation_open(w.dir, err, sizeof(err)));
	return 0;
}

static int
teardown(void **state)
{
	char cmd[128];
	int i;

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", w.dir);
	if (system(cmd) != 0)
		print_message("could not remove %s\n", w.dir);
	reputation_free(w.rep);
	event_base_free(w.base);
	for (i = 0; i < NCA; i++)
		free(w.pem[i]);
	tls_cleanup();
	return 0;
}

static struct peers *
table(void)
{
	struct peers_env env = { w.base, &w.slot, &w.mp[0].addr, w.rep, count_save, NULL };
	char err[256];
	struct peers *ps = peers_new(&env, err, sizeof(err));

	assert_non_null(ps);
	return ps;
}

/* The configured peers, in order; walking, finding, counting. */
static void
test_list(void **state)
{
	struct peers *ps = table();
	struct peer *p;
	int i = 0;

	(void)state;
	assert_int_equal(peers_total(ps), 3);
	assert_int_equal(peers_count(ps, PEER_ACTIVE), 3);
	assert_int_equal(peers_count(ps, PEER_CANDIDATE), 0);
	for (p = peers_first(ps); p != NULL; p = peers_next(p), i++) {
		assert_memory_equal(p->id, w.id[i], TLS_SHA256_LEN);
		assert_string_equal(p->idhex, w.idhex[i]);
		assert_true(p->configured);
		assert_non_null(p->ctx);
		assert_ptr_equal(peers_find(ps, w.id[i]), p);
	}
	assert_int_equal(i, 3);
	assert_null(peers_find(ps, w.id[3]));
	assert_false(peers_dirty(ps));
	peers_free(ps);
}

/* Picks: active peers with a CA only, never the excluded or skipped ones. */
static void
test_pick(void **state)
{
	struct peers *ps = table();
	struct peer *out[4];
	unsigned saves = w.saves;
	size_t n, k;

	(void)state;
	for (k = 0; k < 20; k++) {
		n = peers_pick(ps, out, 2, w.id[0], NULL, 0);
		assert_int_equal(n, 2);
		assert_memory_not_equal(out[0]->id, w.id[0], TLS_SHA256_LEN);
		assert_memory_not_equal(out[1]->id, w.id[0], TLS_SHA256_LEN);
		assert_ptr_not_equal(out[0], out[1]);
	}
	n = peers_pick(ps, out, 4, w.id[0], (const uint8_t (*)[TLS_SHA256_LEN])w.id[1], 1);
	assert_int_equal(n, 1);
	assert_memory_equal(out[0]->id, w.id[2], TLS_SHA256_LEN);
	peers_set_state(ps, peers_find(ps, w.id[2]), PEER_INACTIVE, "lies");
	assert_true(w.saves > saves);
	assert_true(peers_dirty(ps));
	assert_int_equal(peers_count(ps, PEER_INACTIVE), 1);
	assert_int_equal(peers_pick(ps, out, 4, w.id[0], NULL, 0), 1);
	assert_memory_equal(out[0]->id, w.id[1], TLS_SHA256_LEN);
	peers_free(ps);
}

/* States survive a restart through peers.json; /v1/audit tells them. */
static void
test_file(void **state)
{
	struct peers *ps = table();
	struct evbuffer *b = evbuffer_new();
	struct http_response r;
	char reason[200], st[32];
	enum audit_vote v;
	struct peer *p;

	(void)state;
	peers_set_state(ps, peers_find(ps, w.id[1]), PEER_INACTIVE, "removed by vote");
	assert_int_equal(peers_save(ps), 0);
	assert_false(peers_dirty(ps));
	peers_free(ps);
	ps = table();
	assert_non_null(p = peers_find(ps, w.id[1]));
	assert_int_equal(p->state, PEER_INACTIVE);
	assert_string_equal(p->reason, "removed by vote");
	assert_int_equal(peers_find(ps, w.id[0])->state, PEER_ACTIVE);
	vote_json(ps, w.id[0], w.id[1], b);
	memset(&r, 0, sizeof(r));
	r.status = 200;
	r.body_len = evbuffer_get_length(b);
	r.body = evbuffer_pullup(b, -1);
	assert_int_equal(vote_parse(&r, &v, reason, sizeof(reason), st, sizeof(st)), 0);
	assert_int_equal(v, VOTE_NONE);
	assert_string_equal(st, "inactive");
	assert_string_equal(reason, "removed by vote");
	peers_set_state(ps, p, PEER_ACTIVE, NULL);
	assert_int_equal(peers_save(ps), 0);
	evbuffer_free(b);
	peers_free(ps);
}

/* joins_per_minute per source address (an IPv6 /64), refilled continuously. */
static void
test_rate(void **state)
{
	struct peers *ps = table();
	struct netaddr a, b, a6, a6b;

	(void)state;
	netaddr_parse("192.0.2.1", 0, &a);
	netaddr_parse("192.0.2.2", 0, &b);
	netaddr_parse("2001:db8::1", 0, &a6);
	netaddr_parse("2001:db8::2:1", 0, &a6b);	/* the same /64 */
	assert_true(peers_rate_ok(ps, &a, 1000));
	assert_true(peers_rate_ok(ps, &a, 1000));
	assert_false(peers_rate_ok(ps, &a, 1000));
	assert_true(peers_rate_ok(ps, &b, 1000));
	assert_true(peers_rate_ok(ps, &a6, 1000));
	assert_true(peers_rate_ok(ps, &a6b, 1000));
	assert_false(peers_rate_ok(ps, &a6, 1000));
	/* Half a minute gives one back at two a minute. */
	assert_true(peers_rate_ok(ps, &a, 31000));
	assert_false(peers_rate_ok(ps, &a, 31000));
	peers_free(ps);
}

/* A join: strictly checked, then a candidate under test; a second time, nothing new. */
static void
test_join(void **state)
{
	struct peers *ps = table();
	struct peers_join_result res;
	struct evbuffer *b = evbuffer_new();
	struct netaddr client, at;
	struct peer *p;

	(void)state;
	netaddr_parse("192.0.2.9", 0, &client);
	netaddr_parse("127.0.0.1", 8443, &at);
	peers_join(ps, "{\"version\":1}", 13, &client, &res);
	assert_int_equal(res.http, 400);
	assert_string_equal(res.error, "bad-join");
	/* The PEM must be the CA the id names. */
	join_body(b, w.idhex[3], "m3", &at, "eu", w.pem[2], 1);
	peers_join(ps, evbuffer_pullup(b, -1), evbuffer_get_length(b), &client, &res);
	assert_int_equal(res.http, 400);
	assert_non_null(strstr(res.detail, "ca_pem"));
	evbuffer_drain(b, evbuffer_get_length(b));
	/* hops 1: second-hand, forwarded only once it passes here. */
	join_body(b, w.idhex[3], "m3", &at, "eu", w.pem[3], 1);
	netaddr_parse("192.0.2.10", 0, &client);
	peers_join(ps, evbuffer_pullup(b, -1), evbuffer_get_length(b), &client, &res);
	assert_int_equal(res.http, 200);
	assert_string_equal(res.state, "candidate");
	assert_non_null(p = peers_find(ps, w.id[3]));
	assert_int_equal(p->state, PEER_CANDIDATE);
	assert_int_equal(p->trial, TRIAL_JOIN);
	assert_int_equal(p->hops, 1);
	assert_int_equal(peers_total(ps), 4);
	netaddr_parse("192.0.2.11", 0, &client);
	peers_join(ps, evbuffer_pullup(b, -1), evbuffer_get_length(b), &client, &res);
	assert_int_equal(res.http, 200);
	assert_string_equal(res.state, "candidate");
	assert_int_equal(peers_total(ps), 4);
	peers_delete(ps, p);
	assert_int_equal(peers_total(ps), 3);
	assert_null(peers_find(ps, w.id[3]));
	evbuffer_free(b);
	peers_free(ps);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_pick),
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_rate),
		cmocka_unit_test(test_join),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
