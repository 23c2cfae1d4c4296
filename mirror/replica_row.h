/* mirror/replica_row.h - one peer as replicas share it in Redis: written, sealed, checked. */
#ifndef VANTAGE_MIRROR_REPLICA_ROW_H
#define VANTAGE_MIRROR_REPLICA_ROW_H

#include <event2/buffer.h>
#include <stddef.h>
#include <stdint.h>

#include "peerfile.h"
#include "peers.h"
#include "tls.h"

/*
 * A shared row is "v1 <HMAC-SHA256 in hex> <JSON>": the JSON is a peers.json entry plus
 * rev and the audit finding. A peer with a CA is a few kilobytes; a join body is at most
 * limits.max_body (64 KiB by default). Past this a row is not one of ours (and a peer whose
 * row would be is not shared: logged).
 */
#define REPLICA_ROW_MAX 65536
#define REPLICA_KEY_LEN TLS_SHA256_LEN
/* A sealed value (a row, a ring entry) is "v1 <HMAC-SHA256 hex> <body>": the head's length. */
#define REPLICA_SEAL_HEAD (3 + 2 * TLS_SHA256_LEN + 1)

/*
 * What of a peer the replicas agree on, and order by rev: its state and why, and our
 * audit's finding. Name, address and CA never change for an id; last_ok is each
 * replica's own contact and is merged as the latest of the two.
 */
struct replica_view {
	int state;			/* enum peer_state */
	const char *reason;
	uint64_t since;
	unsigned hops;
	int forwarded;
	int finding;			/* enum audit_vote; VOTE_NONE while ours is pending */
	const char *finding_reason;
};

/*
 * replica_row_key - the key that seals rows: SHA-256 over a label, the key prefix and the
 * contents of the mirror's TLS private key (key_pem, len bytes), which every replica of
 * the mirror holds and Redis does not. 0, or -1 out of memory.
 */
int replica_row_key(const char *prefix, const void *key_pem, size_t len,
    uint8_t out[REPLICA_KEY_LEN]);

/*
 * replica_row_mac - HMAC-SHA256 of msg (len bytes) under key. Pure. Also derives the keys
 * of other sealed values from the row key (the MAC of a label), so that no sealed value
 * passes for one of another kind.
 */
void replica_row_mac(const uint8_t key[REPLICA_KEY_LEN], const void *msg, size_t len,
    uint8_t out[TLS_SHA256_LEN]);

/* replica_row_seal - "v1 <HMAC of body under key> " then body (len bytes) onto out; 0 or -1. */
int replica_row_seal(const uint8_t key[REPLICA_KEY_LEN], const void *body, size_t len,
    struct evbuffer *out);

/* replica_view_of - p's shared view (strings point into p). */
void replica_view_of(const struct peer *p, struct replica_view *v);

/*
 * replica_view_of_row - r's view: -1 when its finding is not a finding's name. Strings
 * point into r.
 */
int replica_view_of_row(const struct peerfile_row *r, struct replica_view *v);

/* replica_view_digest - a 64-bit FNV-1a of v, never 0 (0 means "never written"). Pure. */
uint64_t replica_view_digest(const struct replica_view *v);

/*
 * replica_row_newer - whether a row (rev, digest) wins over ours (our_rev, our_digest):
 * the larger rev, then the larger digest. Every replica orders two rows alike, so that all
 * end on the same one whatever order they came in. Pure.
 */
int replica_row_newer(uint64_t rev, uint64_t digest, uint64_t our_rev, uint64_t our_digest);

/* replica_row_encode - p's sealed row, with rev p->shared_rev, appended to out. 0 or -1. */
int replica_row_encode(const uint8_t key[REPLICA_KEY_LEN], const struct peer *p,
    struct evbuffer *out);

/*
 * replica_row_unseal - size (at most REPLICA_ROW_MAX), magic and seal of a sealed value
 * (untrusted) under key: a row, or a ring entry under its own key. 0, or -1 with err set.
 */
int replica_row_unseal(const uint8_t key[REPLICA_KEY_LEN], const char *s, size_t len, char *err,
    size_t errlen);

/*
 * replica_row_filed - whether a row (val, len bytes, untrusted) names the id field (flen
 * bytes of hex) it is filed under: a look at the JSON, not a parse; 1 or 0.
 */
int replica_row_filed(const char *field, size_t flen, const char *val, size_t len);

/*
 * replica_row_decode - check a row read from Redis or a channel (val, len bytes: untrusted)
 * and parse it into r (zeroed here): size, shape, seal, then the peers.json checks (known
 * keys, an id, an address, a state, a CA whose SHA-256 is the id). Returns 0, or -1 with
 * a one-line reason in err; free r with peerfile_row_free either way.
 */
int replica_row_decode(const uint8_t key[REPLICA_KEY_LEN], const void *val, size_t len,
    struct peerfile_row *r, char *err, size_t errlen);

#endif
