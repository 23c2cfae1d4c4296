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

/* Rules of the ladder, weakest last; a verdict names the one that decided. */
enum cons_rule {
	RULE_NONE = 0,
	RULE_RCODE,		/* 1: both NXDOMAIN, or both NODATA */
	RULE_EQUAL,		/* 2: equal RRsets */
	RULE_OVERLAP,		/* 3: address sets overlap */
	RULE_PREFIX,		/* 4: every local address within a mirror address's prefix */
	RULE_CNAME,		/* 5: same CNAME chain tail */
	RULE_CA			/* 6: CA evidence (decided outside, by the TLS probe) */
};

/* Which rungs of the ladder count (consensus.address_match). */
enum cons_match {
	CONS_MATCH_LADDER,	/* every rule */
	CONS_MATCH_EXACT,	/* 1-2 */
	CONS_MATCH_OVERLAP,	/* 1-3 */
	CONS_MATCH_PREFIX	/* 1-4 */
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
	WHY_PRIVATE		/* the local answer has a private/loopback/bogon address only it has */
};

struct cons_policy {
	unsigned quorum;	/* 0 = auto: the MPIC table */
	enum cons_match match;
	int allow_private;
	unsigned prefix4;	/* rule 4, IPv4 prefix length: 24 */
	unsigned prefix6;	/* rule 4, IPv6 prefix length: 48 */
};

enum cons_outcome {
	OUTCOME_AGREE,		/* a quorum corroborates the local answer */
	OUTCOME_DISSENT,	/* dissenting mirrors alone make the quorum impossible */
	OUTCOME_INSUFFICIENT	/* no quorum either way: too few usable answers */
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
	enum cons_rule mirror_rule[CONSENSUS_MAX_MIRRORS];
	enum cons_why why[CONSENSUS_MAX_MIRRORS];
};

/*
 * consensus_required - the MPIC table (CA/B Forum BR 3.2.2.9): of n mirrors asked, at most
 * one may fail to corroborate when n <= 5, at most two when n >= 6; never fewer than one.
 * quorum != 0 overrides it (capped at n).
 */
unsigned consensus_required(unsigned n, unsigned quorum);

/*
 * consensus_compare - the ladder: what mirror answer m says of local answer l.
 * Sets *rule (the rule that held) and *why (why it dissents).
 */
enum cons_evidence consensus_compare(const struct cons_answer *l, const struct cons_answer *m,
    const struct cons_policy *pol, enum cons_rule *rule, enum cons_why *why);

/*
 * consensus_decide - the verdict on local answer l from mirrors[0..n-1] under pol.
 * Pure: no I/O, no clock, no allocation, no globals. n is capped at CONSENSUS_MAX_MIRRORS.
 */
void consensus_decide(const struct cons_answer *l, const struct cons_mirror *mirrors, size_t n,
    const struct cons_policy *pol, struct cons_verdict *v);

/* consensus_addr_is_private - RFC 1918/6598/4193, loopback, link-local, bogons. */
int consensus_addr_is_private(const struct cons_addr *a);

/* Names for logs and explain. */
const char *consensus_rule_name(enum cons_rule r);
const char *consensus_outcome_name(enum cons_outcome o);
const char *consensus_why_name(enum cons_why w);

#endif
