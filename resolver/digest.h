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

/* A digested answer with the storage its records point into. */
struct digest {
	struct cons_answer ans;
	struct cons_rr rrs[DIGEST_MAX_RRS];
	uint8_t buf[DIGEST_BUF];
	size_t used;
};

/*
 * digest_answer - digest the answer wire[0..len) to the question (qname in lower-cased
 * wire form, qtype). Follows the CNAME chain from qname through the answer section, keeps
 * the RRset of qtype at its end in canonical form (RFC 4034 6.2: lower-cased names in
 * rdata, no TTL), sorted, plus its addresses and the chain's last target.
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
