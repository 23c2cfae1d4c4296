/* mirror/replica_row.c - one peer as replicas share it in Redis: written, sealed, checked. */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "replica_row.h"
#include "vote.h"
#include "vutil.h"
#include "yconf.h"

#define ROW_MAGIC "v1 "
#define ROW_HEAD REPLICA_SEAL_HEAD	/* "v1 " MAC ' ' */
/* A row has 14 keys and scalars: more nodes or keys are not a row of ours. */
#define ROW_MAX_NODES 64
#define ROW_MAX_KEYS 32

int
replica_row_key(const char *prefix, const void *key_pem, size_t len,
    uint8_t out[REPLICA_KEY_LEN])
{
	static const char label[] = "vantage-mirror replica rows v1";
	size_t plen = strlen(prefix), n = sizeof(label) + plen + 1 + len;
	uint8_t *buf = malloc(n);

	if (buf == NULL)
		return -1;
	memcpy(buf, label, sizeof(label));
	memcpy(buf + sizeof(label), prefix, plen + 1);
	memcpy(buf + sizeof(label) + plen + 1, key_pem, len);
	tls_sha256(buf, n, out);
	memset(buf, 0, n);
	free(buf);
	return 0;
}

void
replica_row_mac(const uint8_t key[REPLICA_KEY_LEN], const void *msg, size_t len,
    uint8_t out[TLS_SHA256_LEN])
{
	uint8_t pad[64 + TLS_SHA256_LEN], *in;
	size_t i;

	/* RFC 2104 with SHA-256 (64-byte blocks); the key is shorter than a block. */
	if ((in = malloc(64 + len)) == NULL) {
		memset(out, 0, TLS_SHA256_LEN);	/* matches no row: it is refused, never taken */
		return;
	}
	memset(in, 0x36, 64);
	for (i = 0; i < REPLICA_KEY_LEN; i++)
		in[i] ^= key[i];
	memcpy(in + 64, msg, len);
	memset(pad, 0x5c, 64);
	for (i = 0; i < REPLICA_KEY_LEN; i++)
		pad[i] ^= key[i];
	tls_sha256(in, 64 + len, pad + 64);
	tls_sha256(pad, sizeof(pad), out);
	free(in);
}

void
replica_view_of(const struct peer *p, struct replica_view *v)
{
	v->state = (int)p->state;
	v->reason = p->reason;
	v->since = p->since;
	v->hops = p->hops;
	v->forwarded = p->forwarded;
	/* Our audit in progress is ours alone: another replica runs none. */
	v->finding = p->finding == VOTE_PENDING ? VOTE_NONE : (int)p->finding;
	v->finding_reason = v->finding == VOTE_NONE ? "" : p->finding_reason;
}

int
replica_view_of_row(const struct peerfile_row *r, struct replica_view *v)
{
	int i;

	v->state = r->st;
	v->reason = r->reason ? r->reason : "";
	v->since = r->since;
	v->hops = (unsigned)r->hops;
	v->forwarded = r->fwd;
	v->finding = VOTE_NONE;
	if (r->finding != NULL) {
		for (i = VOTE_NONE; i <= VOTE_ABSTAIN; i++)
			if (strcmp(vote_name((enum audit_vote)i), r->finding) == 0)
				break;
		if (i > VOTE_ABSTAIN || i == VOTE_PENDING)
			return -1;
		v->finding = i;
	}
	v->finding_reason = v->finding != VOTE_NONE && r->finding_reason ? r->finding_reason : "";
	return 0;
}

static uint64_t
fnv(uint64_t h, const void *p, size_t len)
{
	const uint8_t *s = p;

	while (len-- > 0)
		h = (h ^ *s++) * 0x100000001b3ull;
	return h;
}

uint64_t
replica_view_digest(const struct replica_view *v)
{
	uint64_t h = 0xcbf29ce484222325ull, n[4] = { (uint64_t)v->state, v->since,
		(uint64_t)v->hops << 1 | (v->forwarded != 0), (uint64_t)v->finding };

	h = fnv(h, n, sizeof(n));
	h = fnv(h, v->reason, strlen(v->reason) + 1);
	h = fnv(h, v->finding_reason, strlen(v->finding_reason) + 1);
	return h ? h : 1;
}

int
replica_row_newer(uint64_t rev, uint64_t digest, uint64_t our_rev, uint64_t our_digest)
{
	return rev > our_rev || (rev == our_rev && digest > our_digest);
}

/* The JSON of p's row: a peers.json entry, plus rev and the finding. */
static void
replica_row_json(const struct peer *p, struct evbuffer *b)
{
	struct replica_view v;

	replica_view_of(p, &v);
	evbuffer_add(b, "{", 1);
	json_kv_str(b, 1, "id", p->idhex);
	json_kv_str(b, 0, "name", p->name);
	json_kv_str(b, 0, "address", p->addr_str);
	json_kv_str(b, 0, "region", p->region);
	json_kv_str(b, 0, "ca_pem", p->ca_pem);
	json_kv_str(b, 0, "state", peers_state_name(p->state));
	json_kv_str(b, 0, "reason", p->reason);
	json_kv_u64(b, 0, "since", p->since);
	json_kv_u64(b, 0, "last_ok", p->last_ok);
	json_kv_u64(b, 0, "hops", p->hops);
	evbuffer_add_printf(b, ",\"forwarded\":%s", p->forwarded ? "true" : "false");
	json_kv_u64(b, 0, "rev", p->shared_rev);
	json_kv_str(b, 0, "finding", vote_name((enum audit_vote)v.finding));
	json_kv_str(b, 0, "finding_reason", v.finding_reason);
	evbuffer_add(b, "}", 1);
}

int
replica_row_seal(const uint8_t key[REPLICA_KEY_LEN], const void *body, size_t len,
    struct evbuffer *out)
{
	uint8_t mac[TLS_SHA256_LEN];
	char hex[TLS_SHA256_HEX];

	replica_row_mac(key, body, len, mac);
	if (evbuffer_add_printf(out, "%s%s ", ROW_MAGIC, tls_hex(mac, sizeof(mac), hex)) < 0)
		return -1;
	return evbuffer_add(out, body, len);
}

int
replica_row_encode(const uint8_t key[REPLICA_KEY_LEN], const struct peer *p,
    struct evbuffer *out)
{
	struct evbuffer *b = evbuffer_new();
	const void *json;
	size_t len;
	int rc = -1;

	if (b == NULL)
		return -1;
	replica_row_json(p, b);
	len = evbuffer_get_length(b);
	if (len + ROW_HEAD > REPLICA_ROW_MAX || (json = evbuffer_pullup(b, -1)) == NULL)
		goto out;
	rc = replica_row_seal(key, json, len, out);
out:
	evbuffer_free(b);
	return rc;
}

int
replica_row_unseal(const uint8_t key[REPLICA_KEY_LEN], const char *s, size_t len, char *err,
    size_t errlen)
{
	uint8_t mac[TLS_SHA256_LEN], want[TLS_SHA256_LEN], diff = 0;
	char hex[TLS_SHA256_HEX];
	size_t i;

	if (len > REPLICA_ROW_MAX) {
		snprintf(err, errlen, "oversize (%zu bytes, at most %d)", len, REPLICA_ROW_MAX);
		return -1;
	}
	if (len <= ROW_HEAD || memcmp(s, ROW_MAGIC, sizeof(ROW_MAGIC) - 1) != 0 ||
	    s[ROW_HEAD - 1] != ' ') {
		snprintf(err, errlen, "not a v1 row");
		return -1;
	}
	memcpy(hex, s + sizeof(ROW_MAGIC) - 1, 2 * TLS_SHA256_LEN);
	hex[2 * TLS_SHA256_LEN] = '\0';
	if (tls_unhex(hex, mac, sizeof(mac)) != 0) {
		snprintf(err, errlen, "not a v1 row (bad seal)");
		return -1;
	}
	replica_row_mac(key, s + ROW_HEAD, len - ROW_HEAD, want);
	/* Constant time: the seal is the only thing a writer without the key cannot make. */
	for (i = 0; i < sizeof(mac); i++)
		diff |= (uint8_t)(mac[i] ^ want[i]);
	if (diff != 0) {
		snprintf(err, errlen, "seal does not match (not written by a replica of this "
		    "mirror)");
		return -1;
	}
	return 0;
}

/*
 * Whether the row (untrusted) names the id it is filed under (field, flen bytes): a cheap
 * look at the JSON before the row is parsed (its CA hashed), the costly part. A Redis writer may copy one genuine row under thousands of fields: each
 * was parsed in full before it was found misfiled, ~0.5 s of a stalled loop for 12,000
 * copies (tests/bench/mirror_replica_stall.sh). The parsed id is compared again after.
 */
int
replica_row_filed(const char *field, size_t flen, const char *val, size_t len)
{
	char pat[TLS_SHA256_HEX + 8];

	if (flen != TLS_SHA256_HEX - 1)
		return 0;
	memcpy(pat, "\"id\":\"", 6);
	memcpy(pat + 6, field, flen);
	pat[6 + flen] = '"';
	return memmem(val, len, pat, flen + 7) != NULL;
}

int
replica_row_decode(const uint8_t key[REPLICA_KEY_LEN], const void *val, size_t len,
    struct peerfile_row *r, char *err, size_t errlen)
{
	const char *names[4] = { NULL, NULL, NULL, NULL };
	struct yconf y;
	yaml_node_t *root;
	int rc = -1, i;

	memset(r, 0, sizeof(*r));
	if (replica_row_unseal(key, val, len, err, errlen) != 0)
		return -1;
	for (i = 0; i < 3; i++)
		names[i] = peers_state_name((enum peer_state)i);
	memset(&y, 0, sizeof(y));
	y.max_nodes = ROW_MAX_NODES;
	y.max_keys = ROW_MAX_KEYS;
	r->st = -1;
	if (yconf_load_buffer(&y, "row", (const char *)val + ROW_HEAD, len - ROW_HEAD) != 0 ||
	    (root = yconf_root(&y)) == NULL || root->type != YAML_MAPPING_NODE) {
		snprintf(err, errlen, "%s", y.err[0] ? y.err : "not a JSON object");
		goto out;
	}
	if (peerfile_row_parse(&y, root, names, r) != 0) {
		snprintf(err, errlen, "%s", y.err);
		goto out;
	}
	if (r->pem == NULL) {
		snprintf(err, errlen, "no CA");
		goto out;
	}
	rc = 0;
out:
	yconf_free(&y);
	return rc;
}
