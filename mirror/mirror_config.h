/* mirror/mirror_config.h - vantage-mirror.yaml: loading, checking, defaults. */
#ifndef VANTAGE_MIRROR_CONFIG_H
#define VANTAGE_MIRROR_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "netaddr.h"
#include "tls.h"
#include "vredis.h"

#define MIRROR_MAX_LISTEN 16
#define MIRROR_MAX_UPSTREAMS 8
#define MIRROR_MAX_PEERS 1024
#define MIRROR_MAX_PORTS 64
#define MIRROR_NAME_MAX 64
#define MIRROR_MAX_FANOUT 16	/* peers one join or removal is sent to at once */

/* A known mirror: the entry shape of mirrors.yaml. */
struct mirror_peer {
	char *name;
	struct netaddr addr;
	char *region;
	uint8_t ca_sha256[TLS_SHA256_LEN];
	char *ca_pem;		/* NULL when the entry has none */
};

struct mirror_limits {
	size_t max_connections;		/* concurrent client connections */
	uint64_t idle_timeout_ms;	/* a connection with nothing to read or write */
	size_t max_body;		/* request body bytes */
	size_t max_header;		/* request line + header bytes */
	size_t max_per_address;		/* connections from one IPv4 address or IPv6 /64 */
	uint64_t handshake_timeout_ms;	/* accept to a finished TLS handshake */
	uint64_t header_timeout_ms;	/* a request's first byte to the end of its headers */
	uint64_t body_timeout_ms;	/* the end of the headers to the end of the body */
};

struct mirror_observe {
	uint16_t ports[MIRROR_MAX_PORTS];	/* the default list plus extra_ports */
	size_t n_ports;
	int allow_private;			/* private/loopback targets (tests, labs) */
	uint64_t timeout_ms;
	size_t max_concurrent;
	size_t max_per_client;			/* in flight for one client address */
};

/*
 * The mirror network (issue 8): joining, peer verification, audits and votes. Every
 * interval is configurable so that the loopback simulation can run in seconds.
 */
struct mirror_network {
	int announce;			/* send our own join to the configured peers at start */
	size_t fanout;			/* peers a join (or a removal) is forwarded to */
	uint64_t verify_interval_ms;	/* one replay round per peer under test per interval */
	unsigned verify_rounds;		/* rounds a candidate (or a retested peer) must pass */
	unsigned verify_questions;	/* questions replayed per round */
	unsigned check_peers;		/* active peers spot-checked per interval */
	uint64_t response_timeout_ms;	/* a replay or a pull not answered by then is a timeout */
	uint64_t max_response_ms;	/* mean DoH response time a peer must stay under */
	uint64_t max_ping_ms;		/* mean /v1/health round trip a peer must stay under */
	unsigned pass_agree;		/* percent of replays that must agree to pass */
	unsigned remove_dissent;	/* percent of bad recent replays that starts a removal */
	unsigned min_samples;		/* replays before any judgement */
	uint64_t audit_period_ms;	/* how long an auditor replays before it votes */
	size_t audit_fanout;		/* peers asked to audit and vote */
	uint64_t retest_interval_ms;	/* how often an inactive peer is tested again */
	uint64_t forget_after_ms;	/* unreachable this long: deleted (learned peers only) */
	size_t max_candidates;		/* candidates under test at once */
	unsigned joins_per_minute;	/* joins, removal requests and notices per source address */
	int allow_private;		/* accept candidates at private/loopback addresses */
	size_t recent_questions;	/* the replay ring: questions remembered */
};

/*
 * shared: replicas behind one address and one CA, one Redis (mirror/replica.c). Off when
 * redis is NULL. The keys are vantaged's: one Redis may serve a fleet of both.
 */
struct mirror_shared {
	char *redis;			/* the URL as written; NULL: off */
	struct vredis_addr addr;	/* what vredis_parse_url made of it */
	char *username, *password;	/* NULL: the URL's, if any */
	char *prefix;			/* of every key and of the channel */
	uint64_t timeout_ms;		/* the most one command waits */
};

struct mirror_config {
	char *name;			/* this mirror's name in /v1/mirrors */
	struct netaddr listen[MIRROR_MAX_LISTEN];
	size_t n_listen;
	struct netaddr address;		/* advertised address; len 0 = first bound listener */
	char *tls_cert, *tls_key, *tls_ca;
	char *ca_pem;			/* the contents of tls_ca */
	uint8_t id[TLS_SHA256_LEN];	/* SHA-256 of the CA's DER: this mirror's identity */
	struct netaddr upstreams[MIRROR_MAX_UPSTREAMS];
	size_t n_upstreams;
	uint64_t upstream_timeout_ms;
	size_t cache_max_entries;
	uint32_t cache_max_ttl;
	char *region;
	char *state_dir;
	struct mirror_peer *peers;
	size_t n_peers;
	struct mirror_limits limits;
	struct mirror_observe observe;
	struct mirror_network network;
	struct mirror_shared shared;
};

/*
 * mirror_config_load - read and check the file at path. On success *out is a new config
 * (free with mirror_config_free) and 0 is returned; on failure -1 with the first error,
 * "file:line: message", in err (errlen bytes).
 */
int mirror_config_load(const char *path, struct mirror_config **out, char *err, size_t errlen);

/* mirror_config_free - accepts NULL. */
void mirror_config_free(struct mirror_config *c);

/* mirror_config_print - the effective configuration, normalised, as YAML (for -n -v). */
void mirror_config_print(const struct mirror_config *c, FILE *f);

/* mirror_observe_port_allowed - whether /v1/observe may connect to port. */
int mirror_observe_port_allowed(const struct mirror_observe *o, uint16_t port);

#endif
