/* mirror/ratelimit.h - per-source budgets for the network's POSTs (joins, removes, notices). */
#ifndef VANTAGE_MIRROR_RATELIMIT_H
#define VANTAGE_MIRROR_RATELIMIT_H

#include <stdint.h>

#include "netaddr.h"

/* Sources remembered; the one seen longest ago is reused beyond. */
#define RATELIMIT_SLOTS 1024

struct ratelimit;

/* ratelimit_new - an empty table of sources. NULL on allocation failure. */
struct ratelimit *ratelimit_new(void);

/* ratelimit_free - accepts NULL. */
void ratelimit_free(struct ratelimit *rl);

/*
 * ratelimit_ok - one more request from client's address (IPv4, or the /64 of an IPv6
 * one) at now (monotonic ms), within per_minute (at least 1)? A token bucket holding one
 * minute's worth, refilled continuously. Returns 1 and counts it, or 0 (also when out of
 * memory for a new source).
 */
int ratelimit_ok(struct ratelimit *rl, const struct netaddr *client, unsigned per_minute,
    uint64_t now);

#endif
