/* resolver/mirror_client.h - the secure mirrors: pinned TLS connections, DoH queries, selection. */
#ifndef VANTAGED_MIRROR_CLIENT_H
#define VANTAGED_MIRROR_CLIENT_H

#include <event2/event.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "consensus.h"
#include "dnswire.h"
#include "tls.h"

#include "mirror_types.h"

/*
 * mirror_set_new - the mirrors of cfg->mirrors (and, when readable, those of
 * cfg->mirrors_bootstrap). Connections are opened lazily and kept. secret (32 bytes) keys
 * the per-name selection. Returns NULL with err set when an entry is unusable.
 */
struct mirror_set *mirror_set_new(struct event_base *base, const struct config *cfg,
    const uint8_t secret[32], char *err, size_t errlen);

/*
 * mirror_set_start - connect to every usable mirror now (handshakes only, no question), so
 * that an unreachable or impostor mirror is found out once at start, not by the first
 * questions, and log one line when all have an outcome (at most ~6 s): how many mirrors are
 * usable, and why the others are not.
 */
void mirror_set_start(struct mirror_set *set);

/* mirror_set_free - closes connections, cancels requests without calling back; accepts NULL. */
void mirror_set_free(struct mirror_set *set);

/* mirror_set_count - how many mirrors the set holds. */
size_t mirror_set_count(const struct mirror_set *set);

/* mirror_set_get - the i-th mirror (0 <= i < count). */
struct mirror *mirror_set_get(struct mirror_set *set, size_t i);

/*
 * mirror_set_select - up to k mirrors to ask about qname (lower-cased wire form): healthy
 * ones first, distinct regions first, ordered by an HMAC-SHA-256 of the name under the
 * set's secret, so an attacker can neither predict nor shop for the set. Fills out[] and
 * returns the count (less than k when fewer mirrors are usable).
 */
size_t mirror_set_select(struct mirror_set *set, const uint8_t *qname, size_t qname_len,
    size_t k, struct mirror **out);

/*
 * mirror_query - ask m the question q (RFC 8484 POST, pipelined on one of m's persistent
 * connection lanes: an idle open lane first, else a new lane while every open one is busy,
 * up to MIRROR_LANES, else the least loaded). cb runs exactly once, later (never from inside this call), unless cancelled:
 * with the answer, or TRANSPORT_TIMEOUT after timeout_ms, or TRANSPORT_ERROR /
 * TRANSPORT_TLS when the connection fails. The answer's question is checked against q.
 * Returns NULL on allocation failure (cb then never runs).
 */
struct mirror_req *mirror_query(struct mirror *m, const struct dnsq *q, uint32_t timeout_ms,
    mirror_cb cb, void *arg);

/*
 * mirror_get - GET target (e.g. "/v1/observe?name=a.example&ip=192.0.2.1&port=443") on one
 * of m's pinned connections, opening one when none is up, like a query. cb runs exactly
 * once, later, unless cancelled (mirror_cancel). Bodies are bounded like a /v1/mirrors
 * list (4 MiB).
 * Returns NULL on allocation failure or an unusable mirror (cb then never runs).
 */
struct mirror_req *mirror_get(struct mirror *m, const char *target, uint32_t timeout_ms,
    mirror_body_cb cb, void *arg);

/*
 * mirror_send_report - POST a /v1/report body (JSON, doc/mirror-protocol.md 3.4) on m's
 * least busy open connection, pipelined behind its queries, only when one is up: a report
 * never opens a connection nor delays a query. Returns 0 when sent, -1 otherwise.
 */
int mirror_send_report(struct mirror *m, const char *json, size_t len);

/* mirror_cancel - forget req; its callback will not run. Accepts NULL. */
void mirror_cancel(struct mirror_req *req);

/* Accessors. */
const char *mirror_name(const struct mirror *m);
const char *mirror_region(const struct mirror *m);
const char *mirror_id_hex(const struct mirror *m);	/* CA SHA-256, or "webpki:HOST" */
const char *mirror_addr_str(const struct mirror *m);	/* "198.51.100.7:443" */
void mirror_get_stats(const struct mirror *m, struct mirror_stats *st);

/* mirror_proto_name - "", "http/1.1", "h2". */
const char *mirror_proto_name(enum mirror_proto p);

/*
 * mirror_last_error - why the last request of m that failed failed (one phrase: "HTTP
 * 503", "stream reset by the server (...)", "connection stalled: ..."), "" when none did.
 */
const char *mirror_last_error(const struct mirror *m);

/* mirror_state_name - "idle", "connecting", "up", "backoff", "pin-failed". */
const char *mirror_state_name(enum mirror_state s);

/*
 * mirror_note_evidence - count a verdict's word on m's answer: corroborating is an
 * agreement, dissenting a dissent (a failure is already counted by the transport).
 */
void mirror_note_evidence(struct mirror *m, enum cons_evidence e);

/*
 * mirror_usable - 0 for a mirror this process cannot talk to (a webpki mirror whose trust
 * store could not be loaded): mirror_set_select never picks it and mirror_query fails it
 * with TRANSPORT_ERROR. 1 otherwise.
 */
int mirror_usable(const struct mirror *m);

/* mirror_is_webpki - 1 for a public DoH resolver (verify: webpki), 0 for a secure mirror. */
int mirror_is_webpki(const struct mirror *m);

/*
 * mirror_why - why the mirror is not usable now, one sentence ("wrong CA: ...", "wrong
 * name: ...", "pin missing: ...", "unreachable: ..."), or "" while it is (or untried).
 */
const char *mirror_why(const struct mirror *m);

/*
 * mirror_chain - the SHA-256 of each certificate of the chain a webpki mirror presented
 * last (leaf first, up to the trust-store certificate above what it sent) into fps (max
 * entries); returns the count (0 before the first handshake, and for secure mirrors).
 */
size_t mirror_chain(const struct mirror *m, uint8_t (*fps)[TLS_SHA256_LEN], size_t max);

#endif
