/* tests/unit/test_mirror_replica_row.c - a shared peer row: sealed, checked, ordered. */
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

#include "keygen.h"
#include "peers.h"
#include "replica_row.h"
#include "reputation.h"
#include "tls.h"
#include "vote.h"

static struct {
	char dir[64];
	char *pem;
	struct mirror_config cfg, *slot;
	struct mirror_peer mp;
	struct event_base *base;
	struct reputation *rep;
	struct peers *ps;
	struct peer *p;
	uint8_t key[REPLICA_KEY_LEN];
} w;

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

/* One peer with a real CA (keygen's; its chatter kept out of the TAP stream). */
static int
setup(void **state)
{
	char kdir[128], path[160], err[256];
	char *argv[] = { "keygen", "--dir", kdir, "--address", "127.0.0.10", "--region", "eu",
		NULL };
	struct peers_env env;
	int out = dup(1), null = open("/dev/null", O_WRONLY);

	(void)state;
	tls_init();
	snprintf(w.dir, sizeof(w.dir), "/tmp/vtest-replica-XXXXXX");
	assert_non_null(mkdtemp(w.dir));
	snprintf(kdir, sizeof(kdir), "%s/k", w.dir);
	fflush(stdout);
	dup2(null, 1);
	assert_int_equal(keygen_main(7, argv), 0);
	fflush(stdout);
	dup2(out, 1);
	close(out);
	close(null);
	snprintf(path, sizeof(path), "%s/ca.pem", kdir);
	w.pem = slurp(path);
	w.mp.name = "m0";
	w.mp.region = "eu";
	netaddr_parse("127.0.0.10", 443, &w.mp.addr);
	assert_int_equal(tls_pem_sha256(w.pem, strlen(w.pem), w.mp.ca_sha256, NULL, 0), 0);
	w.mp.ca_pem = w.pem;
	w.cfg.state_dir = w.dir;
	w.cfg.peers = &w.mp;
	w.cfg.n_peers = 1;
	w.slot = &w.cfg;
	assert_non_null(w.base = event_base_new());
	assert_non_null(w.rep = reputation_open(w.dir, err, sizeof(err)));
	env = (struct peers_env){ w.base, &w.slot, &w.mp.addr, w.rep, NULL, NULL };
	assert_non_null(w.ps = peers_new(&env, err, sizeof(err)));
	assert_non_null(w.p = peers_first(w.ps));
	assert_int_equal(replica_row_key("vm:", "key file", 8, w.key), 0);
	return 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", w.dir);
	if (system(cmd) != 0)
		print_message("could not remove %s\n", w.dir);
	peers_free(w.ps);
	reputation_free(w.rep);
	event_base_free(w.base);
	free(w.pem);
	tls_cleanup();
	return 0;
}

/* p's row, sealed with key, as a NUL-terminated string (caller frees). */
static char *
row_of(const uint8_t *key, size_t *len)
{
	struct evbuffer *b = evbuffer_new();
	char *s;

	assert_int_equal(replica_row_encode(key, w.p, b), 0);
	*len = evbuffer_get_length(b);
	s = calloc(1, *len + 1);
	evbuffer_copyout(b, s, *len);
	evbuffer_free(b);
	return s;
}

/* A row written is read back: the same peer, state, reason, rev and finding. */
static void
test_round_trip(void **state)
{
	struct peerfile_row r;
	char err[256], *s;
	size_t len;

	(void)state;
	peers_set_state(w.ps, w.p, PEER_INACTIVE, "removed by vote");
	w.p->shared_rev = 1234567;
	w.p->finding = VOTE_REMOVE;
	snprintf(w.p->finding_reason, sizeof(w.p->finding_reason), "dissents");
	s = row_of(w.key, &len);
	assert_int_equal(strncmp(s, "v1 ", 3), 0);
	assert_int_equal(replica_row_decode(w.key, s, len, &r, err, sizeof(err)), 0);
	assert_memory_equal(r.id, w.p->id, TLS_SHA256_LEN);
	assert_int_equal(r.st, PEER_INACTIVE);
	assert_string_equal(r.reason, "removed by vote");
	assert_int_equal(r.rev, 1234567);
	assert_string_equal(r.finding, "remove");
	assert_string_equal(r.finding_reason, "dissents");
	peerfile_row_free(&r);
	free(s);
}

/*
 * A row names the id it is filed under, which is looked at before the row is parsed: a
 * genuine row copied under other fields is refused without its costly parse.
 */
static void
test_filed(void **state)
{
	char other[TLS_SHA256_HEX], *s;
	size_t len;

	(void)state;
	s = row_of(w.key, &len);
	assert_int_equal(replica_row_unseal(w.key, s, len, other, sizeof(other)), 0);
	assert_true(replica_row_filed(w.p->idhex, strlen(w.p->idhex), s, len));
	memcpy(other, w.p->idhex, sizeof(other));
	other[0] = other[0] == 'a' ? 'b' : 'a';
	assert_false(replica_row_filed(other, strlen(other), s, len));
	/* A prefix of the id, or the id with more after it, is another field. */
	assert_false(replica_row_filed(w.p->idhex, strlen(w.p->idhex) - 1, s, len));
	assert_false(replica_row_filed(w.p->idhex, strlen(w.p->idhex), s, 40));
	free(s);
}

/* Anything not sealed with the key is refused before it is parsed. */
static void
test_refused(void **state)
{
	uint8_t other[REPLICA_KEY_LEN];
	struct peerfile_row r;
	char err[256], *s, *big;
	size_t len;

	(void)state;
	s = row_of(w.key, &len);
	assert_int_equal(replica_row_key("other:", "key file", 8, other), 0);
	assert_int_equal(replica_row_decode(other, s, len, &r, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "seal does not match"));
	peerfile_row_free(&r);
	s[len - 3] ^= 1;	/* one bit of the JSON */
	assert_int_equal(replica_row_decode(w.key, s, len, &r, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "seal does not match"));
	peerfile_row_free(&r);
	assert_int_equal(replica_row_decode(w.key, s + 3, len - 3, &r, err, sizeof(err)), -1);
	assert_string_equal(err, "not a v1 row");
	peerfile_row_free(&r);
	assert_int_equal(replica_row_decode(w.key, "v1 ", 3, &r, err, sizeof(err)), -1);
	peerfile_row_free(&r);
	big = calloc(1, REPLICA_ROW_MAX + 2);
	memset(big, 'a', REPLICA_ROW_MAX + 1);
	assert_int_equal(replica_row_decode(w.key, big, REPLICA_ROW_MAX + 1, &r, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "oversize"));
	peerfile_row_free(&r);
	free(big);
	free(s);
}

/* A sealed row that fails the peers.json checks (here: not JSON) is refused all the same. */
static void
test_sealed_garbage(void **state)
{
	const char *body = "{\"id\": [1, 2]}";
	uint8_t mac[TLS_SHA256_LEN];
	char hex[TLS_SHA256_HEX], buf[256], err[256];
	struct peerfile_row r;

	(void)state;
	replica_row_mac(w.key, body, strlen(body), mac);
	snprintf(buf, sizeof(buf), "v1 %s %s", tls_hex(mac, sizeof(mac), hex), body);
	assert_int_equal(replica_row_decode(w.key, buf, strlen(buf), &r, err, sizeof(err)), -1);
	peerfile_row_free(&r);
}

/*
 * Any value sealed with replica_row_seal (ring entries, under a key derived from the row
 * key) unseals under its key only: not under the row key, not once a byte changed.
 */
static void
test_seal_round_trip(void **state)
{
	static const char label[] = "vantage-mirror replica ring v1", entry[] = "1 192.0.2.0 a.test.";
	struct evbuffer *b = evbuffer_new();
	uint8_t ring_key[REPLICA_KEY_LEN];
	char err[256], *s;
	size_t len;

	(void)state;
	replica_row_mac(w.key, label, strlen(label), ring_key);
	assert_memory_not_equal(ring_key, w.key, REPLICA_KEY_LEN);
	assert_int_equal(replica_row_seal(ring_key, entry, strlen(entry), b), 0);
	len = evbuffer_get_length(b);
	assert_int_equal(len, REPLICA_SEAL_HEAD + strlen(entry));
	s = (char *)evbuffer_pullup(b, -1);
	assert_memory_equal(s + REPLICA_SEAL_HEAD, entry, strlen(entry));
	assert_int_equal(replica_row_unseal(ring_key, s, len, err, sizeof(err)), 0);
	assert_int_equal(replica_row_unseal(w.key, s, len, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "seal does not match"));
	s[len - 2] ^= 1;	/* another network or name */
	assert_int_equal(replica_row_unseal(ring_key, s, len, err, sizeof(err)), -1);
	s[len - 2] ^= 1;
	assert_int_equal(replica_row_unseal(ring_key, s + REPLICA_SEAL_HEAD,
	    len - REPLICA_SEAL_HEAD, err, sizeof(err)), -1);	/* unsealed */
	assert_non_null(strstr(err, "not a v1"));
	evbuffer_free(b);
}

/* The view: what replicas order rows by. Pending findings are ours alone; never 0. */
static void
test_view(void **state)
{
	struct replica_view v;
	uint64_t d1, d2, d3;

	(void)state;
	peers_set_state(w.ps, w.p, PEER_ACTIVE, NULL);
	w.p->finding = VOTE_NONE;
	replica_view_of(w.p, &v);
	d1 = replica_view_digest(&v);
	assert_true(d1 != 0);
	w.p->finding = VOTE_PENDING;
	snprintf(w.p->finding_reason, sizeof(w.p->finding_reason), "audit in progress");
	replica_view_of(w.p, &v);
	assert_int_equal(v.finding, VOTE_NONE);
	assert_true(replica_view_digest(&v) == d1);
	peers_set_state(w.ps, w.p, PEER_INACTIVE, "lies");
	replica_view_of(w.p, &v);
	d2 = replica_view_digest(&v);
	assert_true(d2 != d1);
	peers_set_state(w.ps, w.p, PEER_INACTIVE, "other lies");
	replica_view_of(w.p, &v);
	d3 = replica_view_digest(&v);
	assert_true(d3 != d2);
}

/* Two replicas that each hold the other's row end on the same one, in either order. */
static void
test_newer(void **state)
{
	(void)state;
	assert_true(replica_row_newer(2, 1, 1, 9));	/* a later change wins */
	assert_false(replica_row_newer(1, 9, 2, 1));
	assert_true(replica_row_newer(5, 7, 5, 3));	/* the same ms: the larger digest */
	assert_false(replica_row_newer(5, 3, 5, 7));
	assert_false(replica_row_newer(5, 7, 5, 7));	/* ours already: nothing to take */
	assert_true(replica_row_newer(1, 1, 0, 0));	/* a peer we never had */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_filed),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_sealed_garbage),
		cmocka_unit_test(test_seal_round_trip),
		cmocka_unit_test(test_view),
		cmocka_unit_test(test_newer),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
