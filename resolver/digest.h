/* resolver/digest.h - turn an answer's wire form into what the consensus ladder compares. */
#ifndef VANTAGED_DIGEST_H
#define VANTAGED_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#include "consensus.h"

#define DIGEST_MAX_RRS 64
#define DIGEST_BUF 4096	/* canonical rdata bytes; ample for the checked types */
/* CNAME hops followed from the question name; more is a loop or an attack. */
#define DIGEST_MAX_CHAIN 16
#define DIGEST_NAME 255	/* a wire name's longest */
/* An SOA's rdata: two names and five 32-bit fields. */
#define DIGEST_SOA_MAX (2 * DIGEST_NAME + 20)

/*
 * A digested answer with the storage its records point into, and what answer.c needs to
 * serve it: the question, each record's TTL, the chain's TTLs and a negative answer's SOA.
 *
 * What an answer means (the client is served this and nothing else, answer.c):
 * - the chain starts at the question name; at each owner on it, one CNAME moves it on;
 *   records of the type asked at the owner where it ends are the final set;
 * - records not on the chain (other owners, other types, DNAME: its synthesised CNAME is
 *   what is followed) are simply not looked at, and never served;
 * - a contradictory chain (two different CNAMEs at one owner, records of the type asked
 *   beside a CNAME, a loop, more than DIGEST_MAX_CHAIN hops) makes the answer unusable:
 *   RCLASS_OTHER. Not a dissent of its own: a mirror's such answer counts as failed (a broken
 *   mirror must not outvote anyone), and the local one meets the mirrors' data, which then
 *   dissents from it (rule 1), so it is refused or replaced as the policy says.
 */
struct digest {
	struct cons_answer ans;
	struct cons_rr rrs[DIGEST_MAX_RRS];
	uint32_t ttls[DIGEST_MAX_RRS];		/* of rrs[i], as received (RFC 2181 8) */
	uint8_t buf[DIGEST_BUF];
	size_t used;
	uint8_t chain[DIGEST_MAX_CHAIN * DIGEST_NAME];	/* ans.chain points here */
	uint32_t chain_ttls[DIGEST_MAX_CHAIN];
	uint8_t qname[DIGEST_NAME];		/* the question, lower-cased wire form */
	size_t qname_len;
	uint16_t qtype;
	uint8_t rcode;				/* the header's RCODE */
	/* NXDOMAIN/NODATA: the authority SOA whose owner is an ancestor of the name denied
	 * (canonical rdata; TTL already min(TTL, MINIMUM), RFC 2308 5), if any. */
	uint8_t soa_owner[DIGEST_NAME];
	size_t soa_owner_len;			/* 0: none */
	uint8_t soa_rdata[DIGEST_SOA_MAX];
	size_t soa_len;
	uint32_t soa_ttl;
};

/*
 * digest_answer - digest the answer wire[0..len) to the question (qname in lower-cased
 * wire form, qtype). Follows the CNAME chain from qname through the answer section and
 * records it (ans.chain), keeps the RRset of qtype at its end in canonical form (RFC 4034
 * 6.2: lower-cased names in rdata, no TTL), sorted, plus its addresses and the chain's last
 * target. See struct digest for what a contradictory chain means.
 * Returns 0, or -1 when the message cannot be parsed (d->ans then says TRANSPORT_ERROR).
 */
int digest_answer(struct digest *d, const uint8_t *wire, size_t len, const uint8_t *qname,
    size_t qname_len, uint16_t qtype);

/* digest_failed - an answer that never came: transport says why. */
void digest_failed(struct digest *d, enum cons_transport transport);

/*
 * digest_summary - the RRset as short text for logs and EDE ("203.0.113.9",
 * "NXDOMAIN", "NODATA", "2 records"); returns buf.
 */
char *digest_summary(const struct digest *d, char *buf, size_t cap);

#endif
