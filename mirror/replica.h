/* mirror/replica.h - replicas of one mirror share peers, votes and counts through Redis. */
#ifndef VANTAGE_MIRROR_REPLICA_H
#define VANTAGE_MIRROR_REPLICA_H

#include <stddef.h>
#include <stdint.h>

#include "replica_env.h"

struct dnsq;
struct evbuffer;
struct netaddr;
struct replica;

/*
 * replica_new - connect to shared.redis (it must be set) and keep env's tables in step:
 * read the shared state at each (re)connection, write what changes here, take what other
 * replicas announce. The tables as they are now count as already shared (they were, or
 * were read from this replica's own files). env is copied. NULL with err set when the
 * TLS key cannot be read (it keys the seal of shared rows) or out of memory.
 */
struct replica *replica_new(const struct replica_env *env, char *err, size_t errlen);

/* replica_free - disconnects; what is not yet written stays in the state files. NULL ok. */
void replica_free(struct replica *rp);

/*
 * replica_ring_note - a client (address, may be NULL) asked q here: written to the shared
 * ring of recent questions at the next tick, for the other replicas' audits. rp may be NULL.
 */
void replica_ring_note(struct replica *rp, const struct dnsq *q, const struct netaddr *client);

/* replica_peer_deleted - the peer id was forgotten here: its row goes from Redis. NULL ok. */
void replica_peer_deleted(struct replica *rp, const uint8_t *id);

/* replica_stats - a copy of the counters. */
void replica_stats(const struct replica *rp, struct replica_stats *out);

/*
 * replica_health_json - ,"shared":{...} for /v1/health: the Redis state ("off" when rp
 * is NULL), whether the shared state was read since the last connection, the counters.
 */
void replica_health_json(const struct replica *rp, struct evbuffer *b);

#endif
