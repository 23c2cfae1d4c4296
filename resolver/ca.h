/*
 * resolver/ca.h - the name's CA, decided from the mirrors' evidence (DESIGN.md section 5):
 * TLSA agreement, notary quorum, probe results, CAA and history. Pure: no I/O, no clock
 * (time is passed in), no allocation, no globals.
 */
#ifndef VANTAGED_CA_H
#define VANTAGED_CA_H

#include <stddef.h>
#include <stdint.h>

#include "consensus.h"
#include "probe.h"

/* Consensus CA fingerprints kept per name: a root, an intermediate or two, a cross-sign. */
#define CA_MAX 8
/* Parent levels looked at for CAA (RFC 8659 section 3), the name itself included. */
#define CA_CAA_LEVELS 6

/* A set of CA fingerprints in TLSA 2 x 1 shape. */
struct ca_set {
	struct probe_ca cas[CA_MAX];
	size_t n;
};

/* What the mirrors' TLSA answers say. */
enum ca_tlsa {
	CA_TLSA_NONE,		/* a quorum says there is no TLSA RRset */
	CA_TLSA_AGREED,		/* a quorum gives the same RRset, with usable 2 x 1 records */
	CA_TLSA_UNUSABLE,	/* a quorum gives the same RRset, but no 2 0 1 / 2 1 1 record */
	CA_TLSA_DISPUTED	/* no quorum either way: a lie, or too few answers */
};

/*
 * ca_tlsa_agree - the TLSA consensus of answers[0..n-1] (digested TLSA answers, one per
 * mirror asked; failed ones included) with required mirrors needed (consensus_required).
 * NODATA and NXDOMAIN both mean "no TLSA". On CA_TLSA_AGREED, out holds the usage-2,
 * matching-type-1 records (selector 0 or 1). *which (may be NULL) gets the index of an
 * answer of the winning group, or -1.
 */
enum ca_tlsa ca_tlsa_agree(const struct cons_answer *answers, size_t n, unsigned required,
    struct ca_set *out, int *which);

/*
 * ca_observe_parse - the chain of a /v1/observe answer body (doc/mirror-protocol.md 3.5):
 * the "sha256" of each "chain" entry, leaf first, into fps (max entries). Returns the
 * count, or -1 when the body is not such an answer.
 */
int ca_observe_parse(const char *body, size_t len, uint8_t (*fps)[TLS_SHA256_LEN], size_t max);

/* One mirror's observation: the chain it saw, leaf first; n == 0 when it has none. */
struct ca_chain {
	uint8_t fps[TLS_MAX_CHAIN][TLS_SHA256_LEN];
	size_t n;
};

/*
 * ca_notary_quorum - every non-leaf fingerprint that the chains of at least required of
 * chains[0..n-1] contain (CDN leaves differ per region, the issuing CA does not), as
 * selector-0 CAs into out. Returns out->n.
 */
size_t ca_notary_quorum(const struct ca_chain *chains, size_t n, unsigned required,
    struct ca_set *out);

/*
 * ca_agreed_addr - an address of family (4 or 6) that at least required of the mirror
 * answers[0..n-1] (NULL entries, failures and non-data answers count as silent) hold: one
 * the quorum agrees on, whose server the stub may take the name's CA from by its own TLS
 * handshake when no notary can (DESIGN.md section 4, rule 5). The first such address in
 * answer order into *out and 1; 0 when there is none (a CDN whose regions see unrelated
 * addresses has none).
 */
int ca_agreed_addr(const struct cons_answer *const *answers, size_t n, unsigned required,
    uint8_t family, struct cons_addr *out);

/* What the probes of the local addresses say, together. */
enum ca_judgement {
	CA_UNKNOWN,		/* nothing proven either way: the verdict stays */
	CA_OK,			/* every address serves a chain to the consensus CA */
	CA_DISSENT		/* an address serves another CA, a bad chain or a wrong name */
};

/*
 * ca_probe_judge - results[0..n-1] of the local addresses (PROBE_OK for those with a cached
 * pair): any OTHER_CA / BAD_* is dissent, all OK is OK, anything else unknown. *bad (may
 * be NULL) gets the index of the first dissenting address, or -1.
 */
enum ca_judgement ca_probe_judge(const enum probe_result *results, size_t n, int *bad);

/*
 * ca_caa_relevant - RFC 8659 section 3: the relevant CAA RRset is that of the closest
 * level (0 = the name, 1 = its parent, ...) that has one. answers holds levels * n
 * digested CAA answers, level-major (answers[level * n + mirror]); a level counts as
 * settled when required mirrors agree on it. Returns the index into answers of an answer
 * of the relevant RRset; -1 when a quorum says no level has one; -2 when some level
 * closer than any agreed RRset is disputed (CAA then says nothing).
 */
int ca_caa_relevant(const struct cons_answer *answers, size_t levels, size_t n,
    unsigned required);

/* A CA fingerprint mapped to the issuer domain CAA names (consensus.ca_issuers). */
struct ca_issuer {
	const char *domain;			/* "letsencrypt.org", lower case */
	const uint8_t (*sha256)[TLS_SHA256_LEN];
	size_t n;
};

enum ca_caa {
	CA_CAA_SILENT,		/* no CAA, no issue property, or no consensus CA is mapped */
	CA_CAA_PERMITS,		/* a mapped consensus CA's issuer is permitted */
	CA_CAA_FORBIDS		/* mapped consensus CAs exist and CAA permits none of them */
};

/*
 * ca_caa_judge - does the relevant CAA RRset caa permit the issuer of a CA of cas?
 * Mapped through issuers[0..n_issuers-1]; wildcard selects issuewild (RFC 8659 4.3,
 * falling back to issue when there is no issuewild). issuer (cap bytes, may be NULL) gets
 * the issuer domain judged (the forbidden one on CA_CAA_FORBIDS).
 */
enum ca_caa ca_caa_judge(const struct cons_answer *caa, const struct ca_set *cas,
    const struct ca_issuer *issuers, size_t n_issuers, int wildcard, char *issuer,
    size_t cap);

/* A name's CA history, as kept in the state file. */
struct ca_history {
	struct ca_set set;		/* the fingerprints last agreed on */
	uint64_t since;			/* wall clock (s): since when the set has been stable */
	uint64_t seen;			/* wall clock (s): last time the mirrors agreed on it */
	uint64_t flag_until;		/* wall clock (s): answers flagged until then; 0 none */
	uint32_t flag_days;		/* how long the previous CA had been stable */
};

enum ca_hist {
	CA_HIST_NEW,		/* first record for the name */
	CA_HIST_SAME,		/* the new set shares a fingerprint with the stored one */
	CA_HIST_CHANGED,	/* changed, but the old one was not stable long enough */
	CA_HIST_FLAG		/* changed after being stable for stable_s or more: flag */
};

/*
 * ca_history_judge - the mirrors now agree on set at wall-clock now: judge it against *h
 * (have = 0: no record) and update *h. A change is flagged when the old set had been
 * stable for stable_s seconds; the flag lasts flag_for_s. stable_s == 0 disables flags.
 */
enum ca_hist ca_history_judge(struct ca_history *h, int have, const struct ca_set *set,
    uint64_t now, uint64_t stable_s, uint64_t flag_for_s);

/* ca_history_flagged - whether answers for the name are flagged at now. */
int ca_history_flagged(const struct ca_history *h, uint64_t now);

/*
 * ca_verdict_apply - what judgement j does to verdict v on mirrors of regions[0..n-1]
 * (NULL or "" for unknown). CA_OK: each mirror that dissented by data or by a weak signal
 * only (WHY_DATA, WHY_WEAK) now corroborates by rule 5 (RULE_CA), chain_corroborated is
 * recomputed from v->mirror_chain, and the verdict becomes
 * AGREE when the quorum and region spread are then met. CA_DISSENT: the verdict becomes
 * DISSENT. CA_UNKNOWN: unchanged. Returns 1 when v changed.
 */
int ca_verdict_apply(struct cons_verdict *v, enum ca_judgement j, const char *const *regions,
    size_t n);

/*
 * ca_dissents_probeable - whether the dissents of v leave the CA evidence something to
 * decide: none by a private address only the local answer has (WHY_PRIVATE), and fewer
 * than v->required by RCODE (NXDOMAIN or NODATA against the local data). A minority of
 * RCODE dissents is within the quorum's tolerance for lying mirrors and vetoes nothing.
 * Dissents by data or by a weak signal are what the certificate decides. 1 or 0.
 */
int ca_dissents_probeable(const struct cons_verdict *v);

/* ca_set_has - whether s holds fingerprint (selector, sha256). */
int ca_set_has(const struct ca_set *s, const struct probe_ca *ca);

/* ca_set_add - add ca to s unless present or full; returns 0, or -1 when full. */
int ca_set_add(struct ca_set *s, const struct probe_ca *ca);

/* ca_judgement_name - "unknown", "ok", "dissent"; ca_tlsa_name, ca_caa_name alike. */
const char *ca_judgement_name(enum ca_judgement j);
const char *ca_tlsa_name(enum ca_tlsa t);
const char *ca_caa_name(enum ca_caa c);

#endif
