/* resolver/acl.c - who may ask: client prefixes, a token bucket per client, TCP limits. */
#include "autoconf.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "acl.h"
#include "vutil.h"

/* The address bytes of a, v4-mapped v6 taken as v4; returns the family (4, 6) or 0. */
static int
acl_bytes(const struct netaddr *a, uint8_t out[16])
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
	fam = acl_bytes(addr, b);
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
	int fam = acl_bytes(peer, p), best = -1;
	unsigned best_len = 0;

	for (size_t i = 0; i < n; i++) {
		if (acl_bytes(&rules[i].addr, r) != fam || (best >= 0 && rules[i].len < best_len))
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

struct ratelimit_slot {
	uint8_t key[8];		/* IPv4 address or IPv6 /64 */
	uint32_t tokens_milli;	/* thousandths of a token: smooth refill at any rate */
	uint64_t last_ms;
};

struct ratelimit {
	uint32_t qps, burst;
	size_t nslots;
	uint64_t seed;
	struct ratelimit_slot slots[];
};

struct ratelimit *
ratelimit_new(uint32_t qps, uint32_t burst, size_t slots)
{
	struct ratelimit *rl;

	if (slots == 0)
		slots = 1;
	if ((rl = calloc(1, sizeof(*rl) + slots * sizeof(rl->slots[0]))) == NULL)
		return NULL;
	rl->qps = qps;
	rl->burst = burst < qps ? qps : burst;
	rl->nslots = slots;
	random_buf(&rl->seed, sizeof(rl->seed));
	return rl;
}

void
ratelimit_free(struct ratelimit *rl)
{
	free(rl);
}

int
ratelimit_allow(struct ratelimit *rl, const struct netaddr *peer, uint64_t now)
{
	uint8_t b[16], key[8] = { 0 };
	uint64_t h;
	struct ratelimit_slot *s;
	uint64_t cap;
	int fam;

	if (rl == NULL || rl->qps == 0)
		return 1;
	fam = acl_bytes(peer, b);
	/* A v6 client controls its whole /64: one bucket for it, or it could rotate. */
	memcpy(key, b, fam == 4 ? 4 : 8);
	h = rl->seed ^ (uint64_t)fam;
	for (size_t i = 0; i < sizeof(key); i++)
		h = (h ^ key[i]) * 0x100000001b3ull;
	s = &rl->slots[(h ^ (h >> 29)) % rl->nslots];
	cap = (uint64_t)rl->burst * 1000;
	if (memcmp(s->key, key, sizeof(key)) != 0 || s->last_ms == 0) {
		memcpy(s->key, key, sizeof(key));
		s->tokens_milli = (uint32_t)(cap > UINT32_MAX ? UINT32_MAX : cap);
		s->last_ms = now;
	} else if (now > s->last_ms) {
		uint64_t t = s->tokens_milli + (now - s->last_ms) * rl->qps;
		s->tokens_milli = (uint32_t)(t > cap ? (cap > UINT32_MAX ? UINT32_MAX : cap) : t);
		s->last_ms = now;
	}
	if (s->tokens_milli < 1000)
		return 0;
	s->tokens_milli -= 1000;
	return 1;
}
