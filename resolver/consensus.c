/* resolver/consensus.c - what "agree" means: the quorum table and the agreement ladder. */
#include "autoconf.h"

#include <string.h>

#include "consensus.h"

unsigned
consensus_required(unsigned n, unsigned quorum)
{
	unsigned r;

	if (n == 0)
		return 1; /* nothing asked: a quorum is out of reach, never "zero needed" */
	if (quorum)
		return quorum < n ? quorum : n;
	r = n <= 5 ? n - 1 : n - 2;
	return r ? r : 1;
}

static int
consensus_in_v4(const uint8_t *b, uint32_t net, unsigned len)
{
	uint32_t a = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
	uint32_t mask = len ? ~(uint32_t)0 << (32 - len) : 0;

	return (a & mask) == (net & mask);
}

static int
consensus_v4_private(const uint8_t *b)
{
	static const struct {
		uint32_t net;
		unsigned len;
	} nets[] = {
		{ 0x00000000, 8 },  /* "this network" */
		{ 0x0a000000, 8 },  /* RFC 1918 */
		{ 0x64400000, 10 }, /* RFC 6598 shared address space */
		{ 0x7f000000, 8 },  /* loopback */
		{ 0xa9fe0000, 16 }, /* link-local */
		{ 0xac100000, 12 }, /* RFC 1918 */
		{ 0xc0000000, 24 }, /* IETF protocol assignments */
		{ 0xc0000200, 24 }, /* TEST-NET-1 */
		{ 0xc0a80000, 16 }, /* RFC 1918 */
		{ 0xc6120000, 15 }, /* benchmarking */
		{ 0xc6336400, 24 }, /* TEST-NET-2 */
		{ 0xcb007100, 24 }, /* TEST-NET-3 */
		{ 0xe0000000, 4 },  /* multicast */
		{ 0xf0000000, 4 },  /* reserved and broadcast */
	};

	for (size_t i = 0; i < sizeof(nets) / sizeof(nets[0]); i++)
		if (consensus_in_v4(b, nets[i].net, nets[i].len))
			return 1;
	return 0;
}

size_t
consensus_v6_embedded_v4(const uint8_t *b, uint8_t out[2][4])
{
	static const uint8_t zero[12];
	static const uint8_t nat64[12] = { 0x00, 0x64, 0xff, 0x9b };

	/* ::ffff:0:0/96 mapped, ::ffff:0:0:0/96 translated (SIIT), 64:ff9b::/96 NAT64. */
	if ((memcmp(b, zero, 10) == 0 && b[10] == 0xff && b[11] == 0xff) ||
	    (memcmp(b, zero, 8) == 0 && b[8] == 0xff && b[9] == 0xff && b[10] == 0 &&
		b[11] == 0) ||
	    memcmp(b, nat64, 12) == 0) {
		memcpy(out[0], b + 12, 4);
		return 1;
	}
	if (b[0] == 0x20 && b[1] == 0x02) { /* 2002::/16 6to4 */
		memcpy(out[0], b + 2, 4);
		return 1;
	}
	if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0 && b[3] == 0) { /* 2001::/32 Teredo */
		memcpy(out[0], b + 4, 4);	/* the server */
		for (size_t i = 0; i < 4; i++)
			out[1][i] = (uint8_t)~b[12 + i]; /* the client, obfuscated */
		return 2;
	}
	return 0;
}

int
consensus_addr_is_private(const struct cons_addr *a)
{
	const uint8_t *b = a->bytes;
	static const uint8_t zero[16];
	uint8_t emb[2][4];
	size_t n;

	if (a->family == 4)
		return consensus_v4_private(b);
	if (memcmp(b, zero, 15) == 0 && (b[15] == 0 || b[15] == 1))
		return 1; /* :: and ::1 */
	/*
	 * An address that carries an IPv4 address (mapped, NAT64, 6to4, Teredo) reaches that
	 * IPv4 address: judge it, else a lying resolver sends the probe through the local
	 * NAT64 to 10.0.0.1 without WHY_PRIVATE ever firing.
	 */
	if ((n = consensus_v6_embedded_v4(b, emb)) > 0) {
		for (size_t i = 0; i < n; i++)
			if (consensus_v4_private(emb[i]))
				return 1;
		return 0;
	}
	if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && b[4] == 0x00 &&
	    b[5] == 0x01)
		return 1; /* 64:ff9b:1::/48 local-use NAT64 (RFC 8215): translates anywhere */
	if (memcmp(b, zero, 12) == 0)
		return 1; /* ::/96 IPv4-compatible, deprecated (RFC 4291) */
	if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0)
		return 1; /* fec0::/10 site-local, deprecated (RFC 3879) */
	if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x00 && b[3] == 0x02 && b[4] == 0 && b[5] == 0)
		return 1; /* 2001:2::/48 benchmarking (RFC 5180) */
	if (b[0] == 0x3f && b[1] == 0xff && (b[2] & 0xf0) == 0)
		return 1; /* 3fff::/20 documentation (RFC 9637) */
	if ((b[0] & 0xfe) == 0xfc)
		return 1; /* fc00::/7 unique local */
	if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80)
		return 1; /* fe80::/10 link-local */
	if (b[0] == 0xff)
		return 1; /* multicast */
	if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8)
		return 1; /* 2001:db8::/32 documentation */
	if (b[0] == 0x01 && memcmp(b + 1, zero, 7) == 0)
		return 1; /* 100::/64 discard */
	return 0;
}

static int
consensus_addr_equal(const struct cons_addr *a, const struct cons_addr *b)
{
	return a->family == b->family && memcmp(a->bytes, b->bytes, a->family == 4 ? 4 : 16) == 0;
}

static int
consensus_has_addr(const struct cons_answer *x, const struct cons_addr *a)
{
	for (size_t i = 0; i < x->n_addrs; i++)
		if (consensus_addr_equal(&x->addrs[i], a))
			return 1;
	return 0;
}

static int
consensus_same_prefix(const struct cons_addr *a, const struct cons_addr *b, unsigned bits)
{
	unsigned whole = bits / 8, rest = bits % 8;

	if (a->family != b->family)
		return 0;
	if (memcmp(a->bytes, b->bytes, whole) != 0)
		return 0;
	if (rest == 0)
		return 1;
	return ((a->bytes[whole] ^ b->bytes[whole]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

int
consensus_rrsets_equal(const struct cons_answer *a, const struct cons_answer *b)
{
	if (a->n_rrs != b->n_rrs)
		return 0;
	for (size_t i = 0; i < a->n_rrs; i++)
		if (a->rrs[i].type != b->rrs[i].type || a->rrs[i].len != b->rrs[i].len ||
		    memcmp(a->rrs[i].rdata, b->rrs[i].rdata, a->rrs[i].len) != 0)
			return 0;
	return 1;
}

/* The prefix weak signal: every local address lies in the prefix of some mirror address. */
static int
consensus_prefix_covers(const struct cons_answer *l, const struct cons_answer *m,
    const struct cons_policy *pol)
{
	if (l->n_addrs == 0)
		return 0;
	for (size_t i = 0; i < l->n_addrs; i++) {
		int found = 0;
		for (size_t j = 0; j < m->n_addrs && !found; j++)
			found = consensus_same_prefix(&l->addrs[i], &m->addrs[j],
			    l->addrs[i].family == 4 ? pol->prefix4 : pol->prefix6);
		if (!found)
			return 0;
	}
	return 1;
}

int
consensus_chains_equal(const struct cons_answer *a, const struct cons_answer *b)
{
	if (a->chain_len != b->chain_len || a->n_chain != b->n_chain)
		return 0;
	return a->chain_len == 0 || memcmp(a->chain, b->chain, a->chain_len) == 0;
}

/*
 * An answer made of addresses only, every one of them digested: then "every address the
 * client gets" is exactly l->addrs. Anything else in the set (an HTTPS record and its
 * hints and ECH, an MX) is judged by equality alone.
 */
static int
consensus_only_addrs(const struct cons_answer *l)
{
	return l->n_addrs > 0 && l->n_addrs == l->n_rrs;
}

/* Rule 3: every local address is in the mirror's answer (a CDN's subset, a rotation). */
static int
consensus_addrs_covered(const struct cons_answer *l, const struct cons_answer *m)
{
	if (!consensus_only_addrs(l))
		return 0;
	for (size_t i = 0; i < l->n_addrs; i++)
		if (!consensus_has_addr(m, &l->addrs[i]))
			return 0;
	return 1;
}

/*
 * The weak signals, strongest first, as far as pol->match reports them: never
 * corroboration (a lying resolver adds its address to the honest set, picks a neighbour in
 * the same /24, or keeps the honest CNAME tail and changes what follows), only a reason for
 * the CA evidence to look. RULE_NONE when none holds.
 */
static enum cons_rule
consensus_weak_signal(const struct cons_answer *l, const struct cons_answer *m,
    const struct cons_policy *pol)
{
	if (pol->match == CONS_MATCH_EXACT)
		return RULE_NONE;
	for (size_t i = 0; i < l->n_addrs; i++)
		if (consensus_has_addr(m, &l->addrs[i]))
			return RULE_OVERLAP;
	if (pol->match == CONS_MATCH_OVERLAP)
		return RULE_NONE;
	if (consensus_prefix_covers(l, m, pol))
		return RULE_PREFIX;
	if (pol->match == CONS_MATCH_PREFIX)
		return RULE_NONE;
	if (l->cname_tail_len > 0 && l->cname_tail_len == m->cname_tail_len &&
	    memcmp(l->cname_tail, m->cname_tail, l->cname_tail_len) == 0)
		return RULE_CNAME;
	return RULE_NONE;
}

enum cons_evidence
consensus_compare(const struct cons_answer *l, const struct cons_answer *m,
    const struct cons_policy *pol, enum cons_rule *rule, enum cons_why *why)
{
	*rule = RULE_NONE;
	*why = WHY_NONE;
	if (m->transport != TRANSPORT_OK || m->rclass == RCLASS_OTHER)
		return EVIDENCE_FAILED;
	/* Rule 1: the class of the answer must match; NXDOMAIN against data is dissent. */
	if (l->rclass != m->rclass) {
		*why = WHY_RCODE;
		return EVIDENCE_DISSENTS;
	}
	if (l->rclass != RCLASS_DATA) {
		*rule = RULE_RCODE;
		return EVIDENCE_CORROBORATES;
	}
	/* Never corroborated: a private/loopback/bogon address that only we were given. */
	if (!pol->allow_private)
		for (size_t i = 0; i < l->n_addrs; i++)
			if (consensus_addr_is_private(&l->addrs[i]) &&
			    !consensus_has_addr(m, &l->addrs[i])) {
				*why = WHY_PRIVATE;
				return EVIDENCE_DISSENTS;
			}
	/*
	 * Rule 2: equal RRsets. An address answer's chain is judged apart (chain_corroborated:
	 * served only when equal, else flattened); any other type must have come the same way,
	 * since its data (an HTTPS "." target, an MX exchange) may be read relative to it.
	 */
	if (consensus_rrsets_equal(l, m) &&
	    (consensus_only_addrs(l) || consensus_chains_equal(l, m))) {
		*rule = RULE_EQUAL;
		return EVIDENCE_CORROBORATES;
	}
	/* Rule 3: every address the client will get is one the mirror was given too. */
	if (consensus_addrs_covered(l, m)) {
		*rule = RULE_ADDRS;
		return EVIDENCE_CORROBORATES;
	}
	if ((*rule = consensus_weak_signal(l, m, pol)) != RULE_NONE) {
		*why = WHY_WEAK;
		return EVIDENCE_DISSENTS;
	}
	*why = WHY_DATA;
	return EVIDENCE_DISSENTS;
}

/* Distinct non-empty regions among the mirrors whose evidence is ev. */
static unsigned
consensus_regions(const struct cons_mirror *mirrors, size_t n, const struct cons_verdict *v)
{
	unsigned count = 0;

	for (size_t i = 0; i < n; i++) {
		int seen = 0;
		/* A mirror of unknown region cannot show a spread. */
		if (v->evidence[i] != EVIDENCE_CORROBORATES || mirrors[i].region == NULL ||
		    mirrors[i].region[0] == '\0')
			continue;
		for (size_t j = 0; j < i && !seen; j++)
			seen = v->evidence[j] == EVIDENCE_CORROBORATES && mirrors[j].region &&
			    strcmp(mirrors[i].region, mirrors[j].region) == 0;
		count += !seen;
	}
	return count;
}

/*
 * A dissenting mirror whose answer a quorum of the mirrors share, or -1. Dissenting only:
 * a dissent may now stand beside a quorum that lacks the region spread, and serving "the
 * consensus" must never mean the local answer again.
 */
static int
consensus_mirror_majority(const struct cons_mirror *mirrors, size_t n, unsigned required,
    const struct cons_policy *pol, const struct cons_verdict *v)
{
	int best = -1;
	unsigned best_count = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned count = 0;
		if (v->evidence[i] != EVIDENCE_DISSENTS)
			continue;
		for (size_t j = 0; j < n; j++) {
			enum cons_rule r;
			enum cons_why w;
			if (consensus_compare(&mirrors[i].ans, &mirrors[j].ans, pol, &r, &w) ==
			    EVIDENCE_CORROBORATES)
				count++;
		}
		if (count > best_count) {
			best_count = count;
			best = (int)i;
		}
	}
	return best_count >= required ? best : -1;
}

unsigned
consensus_rule_rank(enum cons_rule r)
{
	switch (r) {
	case RULE_RCODE:
		return 1;
	case RULE_EQUAL:
		return 2;
	case RULE_ADDRS:
		return 3;
	case RULE_CA:
		return 4;
	default:
		return 0; /* none, and the weak signals: they never corroborate */
	}
}

int
consensus_chain_corroborated(const struct cons_verdict *v, size_t n)
{
	unsigned with = 0;

	if (n > CONSENSUS_MAX_MIRRORS)
		n = CONSENSUS_MAX_MIRRORS;
	for (size_t i = 0; i < n; i++) {
		if (v->evidence[i] != EVIDENCE_CORROBORATES)
			continue;
		if (!v->mirror_chain[i])
			return 0;
		with++;
	}
	return with > 0;
}

/*
 * Whether mirror i's answer may still arrive: a timeout stands for "not answered yet"
 * until the caller says every mirror is settled (pol->settled).
 */
static int
consensus_pending(const struct cons_mirror *m, const struct cons_policy *pol)
{
	return !pol->settled && m->ans.transport == TRANSPORT_TIMEOUT;
}

/* The table for counts that will not change (consensus.h, consensus_outcome). */
static enum cons_outcome
consensus_settled_outcome(unsigned c, unsigned d, unsigned f, unsigned required, int spread)
{
	if (c >= required && spread)
		return OUTCOME_AGREE;
	/*
	 * No quorum. A dissent is positive evidence that the answer is wrong; a failure is no
	 * evidence at all. Failures are blamed (INSUFFICIENT) only when the mirrors that did
	 * answer mostly corroborate and the quorum is lost to them alone; else one honest
	 * mirror's dissent beside blocked ones would be thrown away and on_insufficient: flag
	 * would serve the forgery.
	 */
	if (d > 0 && (d >= c || c + f < required))
		return OUTCOME_DISSENT;
	return OUTCOME_INSUFFICIENT;
}

enum cons_outcome
consensus_outcome(unsigned corroborated, unsigned dissented, unsigned failed, unsigned pending,
    unsigned required, int spread_now, int spread_all)
{
	/*
	 * Decided only when every way the pending mirrors may answer gives the same outcome:
	 * agreement even if they all dissent (a quorum stays a quorum), dissent even if they
	 * all corroborate. Else a verdict taken early would hang on which mirror was fastest.
	 */
	if (consensus_settled_outcome(corroborated, dissented + pending, failed, required,
		spread_now) == OUTCOME_AGREE)
		return OUTCOME_AGREE;
	if (consensus_settled_outcome(corroborated + pending, dissented, failed, required,
		spread_all) == OUTCOME_DISSENT)
		return OUTCOME_DISSENT;
	return OUTCOME_INSUFFICIENT;
}

void
consensus_decide(const struct cons_answer *l, const struct cons_mirror *mirrors, size_t n,
    const struct cons_policy *pol, struct cons_verdict *v)
{
	struct cons_verdict all;
	unsigned regions_needed, pending = 0;

	memset(v, 0, sizeof(*v));
	v->consensus_mirror = -1;
	if (n > CONSENSUS_MAX_MIRRORS)
		n = CONSENSUS_MAX_MIRRORS;
	v->asked = (unsigned)n;
	v->required = consensus_required((unsigned)n, pol->quorum);
	for (size_t i = 0; i < n; i++) {
		v->evidence[i] = consensus_compare(l, &mirrors[i].ans, pol, &v->mirror_rule[i],
		    &v->why[i]);
		v->mirror_chain[i] = (uint8_t)(mirrors[i].ans.transport == TRANSPORT_OK &&
		    consensus_chains_equal(l, &mirrors[i].ans));
		switch (v->evidence[i]) {
		case EVIDENCE_CORROBORATES:
			v->corroborated++;
			if (consensus_rule_rank(v->mirror_rule[i]) > consensus_rule_rank(v->rule))
				v->rule = v->mirror_rule[i];
			break;
		case EVIDENCE_DISSENTS:
			v->dissented++;
			break;
		case EVIDENCE_FAILED:
			v->failed++;
			pending += consensus_pending(&mirrors[i], pol);
			if (mirrors[i].ans.transport == TRANSPORT_TLS)
				v->tls_failures = 1;
			break;
		}
	}
	v->regions = consensus_regions(mirrors, n, v);
	v->chain_corroborated = consensus_chain_corroborated(v, n);
	/* The region spread if every pending mirror corroborated. */
	all = *v;
	for (size_t i = 0; i < n; i++)
		if (v->evidence[i] == EVIDENCE_FAILED && consensus_pending(&mirrors[i], pol))
			all.evidence[i] = EVIDENCE_CORROBORATES;
	/* BR 3.2.2.9: with more than two perspectives, those that agree span two regions. */
	regions_needed = n > 2 ? 2 : 1;
	v->regions_short = n > 0 && v->corroborated >= v->required && v->regions < regions_needed;
	v->outcome = n == 0 ? OUTCOME_INSUFFICIENT
			    : consensus_outcome(v->corroborated, v->dissented, v->failed - pending,
				  pending, v->required, v->regions >= regions_needed,
				  consensus_regions(mirrors, n, &all) >= regions_needed);
	if (v->outcome == OUTCOME_AGREE)
		return;
	v->rule = RULE_NONE;
	if (v->outcome == OUTCOME_DISSENT)
		v->consensus_mirror = consensus_mirror_majority(mirrors, n, v->required, pol, v);
}

const char *
consensus_rule_name(enum cons_rule r)
{
	static const char *const names[] = { "none", "rcode", "equal", "overlap", "prefix",
		"cname", "ca", "addresses" };

	return (unsigned)r < sizeof(names) / sizeof(names[0]) ? names[r] : "?";
}

const char *
consensus_outcome_name(enum cons_outcome o)
{
	static const char *const names[] = { "agree", "dissent", "insufficient" };

	return (unsigned)o < sizeof(names) / sizeof(names[0]) ? names[o] : "?";
}

const char *
consensus_why_name(enum cons_why w)
{
	static const char *const names[] = { "", "rcode", "data", "private", "weak" };

	return (unsigned)w < sizeof(names) / sizeof(names[0]) ? names[w] : "?";
}
