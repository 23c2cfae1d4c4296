/* resolver/ratelimit.h - ratelimit: a token bucket per client (IPv4 address, IPv6 /64). */
#ifndef VANTAGED_RATELIMIT_H
#define VANTAGED_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

#include "netaddr.h"

struct ratelimit;

/*
 * ratelimit_new - token buckets per client (IPv4 address, IPv6 /64): qps tokens a second,
 * up to burst (at least qps). slots bounds the memory (clients share a slot when they
 * collide; the table never grows). qps 0 = no limit (ratelimit_allow always says yes).
 * Returns the table to free with ratelimit_free, or NULL when memory ran out.
 */
struct ratelimit *ratelimit_new(uint32_t qps, uint32_t burst, size_t slots);

/* ratelimit_free - accepts NULL. */
void ratelimit_free(struct ratelimit *rl);

/*
 * ratelimit_allow - take one token for peer at now_ms (a monotonic clock, passed in so that
 * tests can drive it). Returns 1 when allowed, 0 when limited; rl NULL always allows.
 */
int ratelimit_allow(struct ratelimit *rl, const struct netaddr *peer, uint64_t now_ms);

#endif
