/* resolver/acl.h - who may ask: client prefixes, a token bucket per client, TCP limits. */
#ifndef VANTAGED_ACL_H
#define VANTAGED_ACL_H

#include <stddef.h>
#include <stdint.h>

#include "netaddr.h"

enum acl_action {
	ACL_ALLOW,
	ACL_REFUSE,		/* REFUSED, with EDE 18 (Prohibited) for EDNS clients */
	ACL_DROP		/* no answer at all */
};

/* One rule: clients in addr/len get action. */
struct acl_rule {
	struct netaddr addr;
	unsigned len;
	enum acl_action action;
};

/*
 * acl_parse_prefix - "192.0.2.0/24", "2001:db8::/32", or a bare address (/32, /128).
 * Host bits beyond the prefix must be zero. Returns 0 or -1.
 */
int acl_parse_prefix(const char *text, struct netaddr *addr, unsigned *len);

/*
 * acl_match - the action for client peer: the rule with the longest prefix that contains
 * it wins; a client no rule covers is refused. IPv4-mapped IPv6 clients are judged by
 * their IPv4 address.
 */
enum acl_action acl_match(const struct acl_rule *rules, size_t n, const struct netaddr *peer);

/* acl_action_name - "allow", "refuse", "drop". */
const char *acl_action_name(enum acl_action a);

struct ratelimit;

/*
 * ratelimit_new - token buckets per client (IPv4 address, IPv6 /64): qps tokens a second,
 * up to burst. slots bounds the memory (clients share a slot when they collide; the table
 * never grows). qps 0 = no limit (ratelimit_allow always says yes). NULL on failure.
 */
struct ratelimit *ratelimit_new(uint32_t qps, uint32_t burst, size_t slots);
void ratelimit_free(struct ratelimit *rl);

/* ratelimit_allow - take one token for peer at now_ms; 1 when allowed, 0 when limited. */
int ratelimit_allow(struct ratelimit *rl, const struct netaddr *peer, uint64_t now_ms);

#endif
