/* resolver/acl.c - who may ask: the client prefixes of acl:, longest prefix wins. */
#include "autoconf.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "acl.h"

int
acl_addr_bytes(const struct netaddr *a, uint8_t out[16])
{
	if (a->ss.ss_family == AF_INET) {
		memcpy(out, &((const struct sockaddr_in *)&a->ss)->sin_addr, 4);
		return 4;
	}
	if (a->ss.ss_family == AF_INET6) {
		const uint8_t *b = ((const struct sockaddr_in6 *)&a->ss)->sin6_addr.s6_addr;
		static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
		if (memcmp(b, mapped, 12) == 0) {
			memcpy(out, b + 12, 4);
			return 4;
		}
		memcpy(out, b, 16);
		return 6;
	}
	return 0;
}

static int
acl_prefix_eq(const uint8_t *a, const uint8_t *b, unsigned len)
{
	unsigned whole = len / 8, rest = len % 8;

	if (memcmp(a, b, whole) != 0)
		return 0;
	return rest == 0 || ((a[whole] ^ b[whole]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

int
acl_parse_prefix(const char *text, struct netaddr *addr, unsigned *len)
{
	char buf[NETADDR_STRLEN];
	const char *slash = strchr(text, '/');
	unsigned long l;
	uint8_t b[16] = { 0 };
	int fam;

	if (strlen(text) >= sizeof(buf))
		return -1;
	strcpy(buf, text);
	if (slash)
		buf[slash - text] = '\0';
	/* Brackets are for ports; a prefix is written bare. */
	if (strchr(buf, '[') || netaddr_parse(buf, 0, addr) != 0 || netaddr_port(addr) != 0)
		return -1;
	fam = acl_addr_bytes(addr, b);
	if (addr->ss.ss_family == AF_INET6 && fam == 4)
		return -1; /* write v4 prefixes as v4 */
	if (slash) {
		char *end;
		if (slash[1] < '0' || slash[1] > '9')
			return -1;
		l = strtoul(slash + 1, &end, 10);
		if (*end != '\0' || l > (fam == 4 ? 32u : 128u))
			return -1;
	} else
		l = fam == 4 ? 32 : 128;
	/* Host bits must be zero: "192.0.2.1/24" is more likely a typo than a wish. */
	{
		uint8_t masked[16];
		memcpy(masked, b, 16);
		for (unsigned i = (unsigned)l; i < (unsigned)(fam == 4 ? 32 : 128); i++)
			masked[i / 8] &= (uint8_t)~(0x80 >> (i % 8));
		if (memcmp(masked, b, fam == 4 ? 4 : 16) != 0)
			return -1;
	}
	*len = (unsigned)l;
	return 0;
}

enum acl_action
acl_match(const struct acl_rule *rules, size_t n, const struct netaddr *peer)
{
	uint8_t p[16], r[16];
	int fam = acl_addr_bytes(peer, p), best = -1;
	unsigned best_len = 0;

	for (size_t i = 0; i < n; i++) {
		if (acl_addr_bytes(&rules[i].addr, r) != fam || (best >= 0 && rules[i].len < best_len))
			continue;
		if (acl_prefix_eq(p, r, rules[i].len)) {
			best = (int)i;
			best_len = rules[i].len;
		}
	}
	return best < 0 ? ACL_REFUSE : rules[best].action;
}

const char *
acl_action_name(enum acl_action a)
{
	static const char *const names[] = { "allow", "refuse", "drop" };

	return (unsigned)a < 3 ? names[a] : "?";
}
