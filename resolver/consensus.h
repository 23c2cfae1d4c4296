/* resolver/consensus.h - what "agree" means: the quorum table and the agreement ladder. */
#ifndef VANTAGED_CONSENSUS_H
#define VANTAGED_CONSENSUS_H

#include <stddef.h>
#include <stdint.h>

#define CONSENSUS_MAX_MIRRORS 16
#define CONSENSUS_MAX_ADDRS 32

/* How an answer ended, by class (ladder rule 1). */
enum cons_rclass {
	RCLASS_DATA,		/* NOERROR with records of the type asked */
	RCLASS_NODATA,		/* NOERROR, name exists, no such records */
	RCLASS_NXDOMAIN,
	RCLASS_OTHER		/* SERVFAIL, REFUSED...: says nothing about the name */
};

/* Whether a mirror's answer arrived at all. */
enum cons_transport {
	TRANSPORT_OK,
	TRANSPORT_TIMEOUT,	/* asked, no answer by the deadline */
	TRANSPORT_ERROR,	/* connection refused, reset, garbage */
	TRANSPORT_TLS		/* the pin or the certificate did not verify */
};

/* One address of an answer. */
struct cons_addr {
	uint8_t family;		/* 4 or 6 */
	uint8_t bytes[16];
};

/* One record of the final RRset, in canonical form (lower-cased names, no TTL). */
struct cons_rr {
	uint16_t type;
	uint16_t len;
	const uint8_t *rdata;	/* not owned */
};

/*
 * An answer, digested from the wire by digest.c: what the ladder compares.
 * Records are sorted (canonical order) so that equal sets compare equal.
 */
struct cons_answer {
	enum cons_transport transport;
	enum cons_rclass rclass;
	const struct cons_rr *rrs;	/* the RRset of the type asked, at the end of any CNAMEs */
	size_t n_rrs;
	struct cons_addr addrs[CONSENSUS_MAX_ADDRS];	/* A/AAAA rdata of rrs */
	size_t n_addrs;
	uint8_t cname_tail[255];	/* the last CNAME target, wire form; len 0 = no CNAME */
	size_t cname_tail_len;
	/*
	 * The whole CNAME chain from the question name to the owner of rrs: each hop's target as
	 * a lower-cased wire name, concatenated in order (not owned; chain_len 0 = no CNAME).
	 * The client is served this chain, so it is evidence to compare like the final set.
	 */
	const uint8_t *chain;
	size_t chain_len;
	unsigned n_chain;
};

/* A mirror's answer plus where it stands. */
struct cons_mirror {
	const char *region;		/* not owned */
	struct cons_answer ans;
};

/*
 * Rules of the ladder and the weak signals beside it (DESIGN.md section 4). The numbers are
 * kept in the state file: never renumber, only add. The ranking (which rule is "weaker")
 * is consensus_rule_rank, not the number.
 */
enum cons_rule {
	RULE_NONE = 0,
	RULE_RCODE,		/* 1: both NXDOMAIN, or both NODATA */
	RULE_EQUAL,		/* 2: equal RRsets over the whole chain served */
	RULE_OVERLAP,		/* weak signal: the address sets overlap; never corroboration */
	RULE_PREFIX,		/* weak signal: every local address within a mirror address's
				 * /24 or /48; never corroboration */
	RULE_CNAME,		/* weak signal: same CNAME chain tail; never corroboration */
	RULE_CA,		/* 5: CA evidence (decided outside, by the TLS probe) */
	RULE_ADDRS		/* 3: every address the client gets is in the mirror's answer */
};

/*
 * Which weak signals are reported (consensus.address_match). None of them corroborates any
 * more: they only mark a dissent as a probe candidate (WHY_WEAK), and say which signal held.
 */
enum cons_match {
	CONS_MATCH_LADDER,	/* every weak signal: overlap, prefix, CNAME tail */
	CONS_MATCH_EXACT,	/* none: a dissent by data says only "data" */
	CONS_MATCH_OVERLAP,	/* overlap only */
	CONS_MATCH_PREFIX	/* overlap and prefix */
};

/* What one mirror's answer says of the local answer. */
enum cons_evidence {
	EVIDENCE_CORROBORATES,
	EVIDENCE_DISSENTS,
	EVIDENCE_FAILED		/* no usable answer: transport failure or SERVFAIL-like */
};

/* Why a mirror dissents (for explain and the dissent log). */
enum cons_why {
	WHY_NONE,
	WHY_RCODE,		/* NXDOMAIN against data, and the like */
	WHY_DATA,		/* no rule of the ladder holds */
	WHY_PRIVATE,		/* the local answer has a private/loopback/bogon address only it has */
	WHY_WEAK		/* no rule holds, but a weak signal does (mirror_rule says which):
				 * a candidate for the CA evidence, like WHY_DATA, never more */
};

struct cons_policy {
	unsigned quorum;	/* 0 = auto: the MPIC table */
	enum cons_match match;
	int allow_private;
	unsigned prefix4;	/* the prefix weak signal, IPv4 prefix length: 24 */
	unsigned prefix6;	/* the prefix weak signal, IPv6 prefix length: 48 */
	int settled;		/* 1: every mirror asked has answered or given up, a timeout is
				 * a failure. 0 (a verdict taken early): a timeout may be an
				 * answer still on its way, and the outcome must hold whatever
				 * it says (consensus_outcome's pending) */
};

/*
 * The outcome table (DESIGN.md section 4), with c mirrors corroborating, d dissenting and f
 * failed (timeout, error, pin, SERVFAIL: no evidence either way) of those asked, and the
 * quorum q (consensus_required: the MPIC table, or consensus.quorum):
 * - AGREE when c >= q and the corroborating mirrors span two regions (one when at most two
 *   were asked): BR 3.2.2.9, unchanged.
 * - Else DISSENT when some mirror dissents and either at least as many dissent as
 *   corroborate (d >= c: one honest dissent beside blocked mirrors, or beside a lying
 *   mirror's corroboration, is evidence and not thrown away) or the dissenters alone make
 *   the quorum impossible (c + f < q).
 * - Else INSUFFICIENT: nobody dissents, or the mirrors that answered mostly corroborate and
 *   the quorum is lost to failures only (on_insufficient decides, sticky evidence first).
 * Three mirrors (q = 2), as corroborate / dissent / fail: 3/0/0, 2/1/0 and 2/0/1 AGREE
 * (given the spread); 1/1/1, 1/2/0, 0/1/2, 0/2/1 and 0/3/0 DISSENT; 1/0/2 and 0/0/3
 * INSUFFICIENT.
 */
enum cons_outcome {
	OUTCOME_AGREE,		/* a quorum corroborates the local answer */
	OUTCOME_DISSENT,	/* no quorum, and dissent at least matches corroboration or
				 * makes a quorum impossible */
	OUTCOME_INSUFFICIENT	/* no quorum, and only failures to blame */
};

struct cons_verdict {
	enum cons_outcome outcome;
	enum cons_rule rule;		/* AGREE: the weakest rule a corroborating mirror needed */
	unsigned asked, corroborated, dissented, failed;
	unsigned required;		/* corroborations the quorum needs */
	unsigned regions;		/* distinct regions among corroborating mirrors */
	int regions_short;		/* the count was there but not the region spread */
	int tls_failures;		/* some mirror failed its pin: EDE 23 territory */
	int consensus_mirror;		/* DISSENT: index of a mirror whose answer a quorum of
					 * mirrors share (served with on_dissent: consensus), or -1 */
	int chain_corroborated;		/* AGREE: every corroborating mirror has the local CNAME
					 * chain; otherwise the chain is not served as such */
	enum cons_evidence evidence[CONSENSUS_MAX_MIRRORS];
	enum cons_rule mirror_rule[CONSENSUS_MAX_MIRRORS];	/* CORROBORATES: the rule that
					 * held; DISSENTS with WHY_WEAK: the weak signal seen */
	enum cons_why why[CONSENSUS_MAX_MIRRORS];
	uint8_t mirror_chain[CONSENSUS_MAX_MIRRORS];	/* 1: the mirror's CNAME chain equals
							 * the local one */
};

/*
 * consensus_required - the MPIC table (CA/B Forum BR 3.2.2.9): of n mirrors asked, at most
 * one may fail to corroborate when n <= 5, at most two when n >= 6; never fewer than one.
 * quorum != 0 overrides it (capped at n).
 */
unsigned consensus_required(unsigned n, unsigned quorum);

/*
 * consensus_compare - the ladder: what mirror answer m says of local answer l. m
 * corroborates only when everything the client is served is backed by it: equal RRsets
 * (rule 2; for other types than A/AAAA the CNAME chains must be equal too), or, for an
 * A/AAAA answer, every local address in m's answer (rule 3). Overlap, prefix and CNAME
 * tail are weak signals: a dissent with *why = WHY_WEAK and *rule naming the signal.
 * Sets *rule (the rule that held, or the weak signal) and *why (why it dissents).
 */
enum cons_evidence consensus_compare(const struct cons_answer *l, const struct cons_answer *m,
    const struct cons_policy *pol, enum cons_rule *rule, enum cons_why *why);

/*
 * consensus_outcome - the outcome table above for corroborated, dissented and failed
 * mirrors, pending more still to answer (each may corroborate, dissent or fail), required
 * the quorum, spread_now whether the corroborating mirrors span the regions needed and
 * spread_all whether they would with every pending mirror corroborating. AGREE or DISSENT
 * only when every way the pending mirrors may answer gives it; else INSUFFICIENT (with
 * pending > 0: wait). Pure.
 */
enum cons_outcome consensus_outcome(unsigned corroborated, unsigned dissented, unsigned failed,
    unsigned pending, unsigned required, int spread_now, int spread_all);

/*
 * consensus_decide - the verdict on local answer l from mirrors[0..n-1] under pol. Unless
 * pol->settled, a mirror whose transport is TRANSPORT_TIMEOUT counts as pending (see
 * consensus_outcome); it is counted in v->failed either way.
 * Pure: no I/O, no clock, no allocation, no globals. n is capped at CONSENSUS_MAX_MIRRORS.
 */
void consensus_decide(const struct cons_answer *l, const struct cons_mirror *mirrors, size_t n,
    const struct cons_policy *pol, struct cons_verdict *v);

/*
 * consensus_addr_is_private - RFC 1918/6598/4193, loopback, link-local, bogons. An IPv6
 * address that embeds an IPv4 one (consensus_v6_embedded_v4) is judged by the IPv4 address
 * it reaches; the local-use NAT64 prefix 64:ff9b:1::/48 is private as a whole.
 */
int consensus_addr_is_private(const struct cons_addr *a);

/*
 * consensus_v6_embedded_v4 - the IPv4 addresses the 16 bytes b of an IPv6 address carry:
 * IPv4-mapped ::ffff:0:0/96, IPv4-translated ::ffff:0:0:0/96, NAT64 64:ff9b::/96 and 6to4
 * 2002::/16 one (out[0]); Teredo 2001::/32 two (the server, the de-obfuscated client).
 * Returns how many were written to out, 0 for any other address. Pure.
 */
size_t consensus_v6_embedded_v4(const uint8_t *b, uint8_t out[2][4]);

/*
 * consensus_chains_equal - whether a and b were reached through the same CNAME chain
 * (both without CNAME included): what decides whether a chain may be served as such.
 */
int consensus_chains_equal(const struct cons_answer *a, const struct cons_answer *b);

/*
 * consensus_rule_rank - how weak evidence rule r is, for "the weakest rule a corroborating
 * mirror needed": rcode < equal < addresses < CA. Weak signals and RULE_NONE rank 0.
 */
unsigned consensus_rule_rank(enum cons_rule r);

/*
 * consensus_chain_corroborated - 1 when every mirror of v (n asked) that corroborates has
 * the local CNAME chain (v->mirror_chain) and at least one corroborates; else 0. For
 * callers that change v's evidence afterwards (the CA evidence, ca_verdict_apply).
 */
int consensus_chain_corroborated(const struct cons_verdict *v, size_t n);

/* Names for logs and explain. */
const char *consensus_rule_name(enum cons_rule r);
const char *consensus_outcome_name(enum cons_outcome o);
const char *consensus_why_name(enum cons_why w);

/*
 * consensus_rrsets_equal - a and b hold the same records in the same order (type and rdata;
 * both are sorted by the digest): the ladder's "equal RRsets", also the CA evidence's "same
 * TLSA answer". 1 or 0.
 */
int consensus_rrsets_equal(const struct cons_answer *a, const struct cons_answer *b);

#endif
