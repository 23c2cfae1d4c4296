/* resolver/acl.h - who may ask: the client prefixes of acl:, longest prefix wins. */
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

/*
 * acl_addr_bytes - the address bytes of a into out, an IPv4-mapped IPv6 address as the IPv4
 * one (a client is judged, and limited, by the address it really has). Returns the family
 * (4: out[0..3], 6: out[0..15]), or 0 for anything else (out untouched).
 */
int acl_addr_bytes(const struct netaddr *a, uint8_t out[16]);

#endif
