/*
 * resolver/mirror_types.h - the mirror client's types: states, callbacks and figures, shared
 * by its public header (mirror_client.h) and its internal one (mirror_int.h).
 */
#ifndef VANTAGED_MIRROR_TYPES_H
#define VANTAGED_MIRROR_TYPES_H

#include <stddef.h>
#include <stdint.h>

#include "consensus.h"

struct mirror;
struct mirror_set;
struct mirror_req;

/* Connection state of one mirror, as shown by status output. */
enum mirror_state {
	MIRROR_IDLE,		/* no connection yet (connects on first use) */
	MIRROR_CONNECTING,	/* TCP + TLS handshake under way */
	MIRROR_UP,		/* persistent connection ready */
	MIRROR_BACKOFF,		/* failed; waiting before the next attempt */
	MIRROR_PIN_FAILED	/* its certificate does not chain to the pinned CA */
};

/*
 * Called once per mirror_query that was not cancelled. transport says whether an answer
 * came (TRANSPORT_OK: wire/len hold the DNS message, valid only during the call).
 */
typedef void (*mirror_cb)(void *arg, enum cons_transport transport, const uint8_t *wire,
    size_t len);

/*
 * Upper bounds (microseconds) of the request round-trip histogram buckets, for metrics:
 * from a same-datacentre mirror (a few ms) to one across the planet on a slow link.
 * A last, implicit bucket holds everything slower (+Inf).
 */
#define MIRROR_RTT_BUCKETS 10
extern const uint32_t mirror_rtt_bounds_us[MIRROR_RTT_BUCKETS];

/* The HTTP version of a mirror's last connection (ALPN), as shown by status output. */
enum mirror_proto {
	MIRROR_PROTO_NONE,	/* not connected yet */
	MIRROR_PROTO_HTTP1,	/* http/1.1: pipelined on up to MIRROR_LANES connections */
	MIRROR_PROTO_H2		/* h2: concurrent streams on one connection */
};

/* Figures of one mirror. */
struct mirror_stats {
	enum mirror_state state;
	uint64_t queries, answers, timeouts, errors, tls_failures, handshakes;
	/* Questions actually written to a connection (queries counts those assigned to it,
	 * including those failed at once because it was unreachable): what it was told. */
	uint64_t sent;
	uint32_t srtt_ms;		/* EWMA of request round trips, 0 before the first */
	/* Round trips of answered requests: rtt_hist[i] counts those <= bound i (not
	 * cumulative); rtt_hist[MIRROR_RTT_BUCKETS] the slower ones. */
	uint64_t rtt_hist[MIRROR_RTT_BUCKETS + 1];
	uint64_t rtt_count, rtt_sum_us;
	/* What its answers said of the local answer, as counted by mirror_note_evidence. */
	uint64_t agreements, dissents;
	/* webpki: how often the CA of its chain changed while we ran (logged each time). */
	uint64_t ca_changes;
	/* Of handshakes: full ones (a certificate verified) and resumed ones (a ticket). */
	uint64_t full_handshakes, resumed;
	enum mirror_proto proto;
	/* DNS questions that failed on their own (bad status, media type or stream reset). */
	uint64_t stream_errors;
};

/*
 * Called once per mirror_get that was not cancelled: transport TRANSPORT_OK with the HTTP
 * status and body (valid only during the call; any status, the caller judges it), or a
 * failure with status 0 and no body.
 */
typedef void (*mirror_body_cb)(void *arg, enum cons_transport transport, int status,
    const uint8_t *body, size_t len);

#endif
