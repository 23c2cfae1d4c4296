/* resolver/answer.c - the message served for a checked question, built from verified records. */
#include "autoconf.h"

#include <string.h>

#include "answer.h"
#include "dnswire.h"

/* Where a message is written, and how far. */
struct answer_buf {
	uint8_t *p;
	size_t cap, len;
	int full;
};

static void
answer_put(struct answer_buf *b, const void *data, size_t n)
{
	if (b->full || b->len + n > b->cap) {
		b->full = 1;
		return;
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
}

/* One record: owner (wire, uncompressed), type, class IN, TTL less age, rdata. */
static void
answer_rr(struct answer_buf *b, const uint8_t *owner, size_t olen, uint16_t type, uint32_t ttl,
    uint32_t age, const uint8_t *rdata, size_t rdlen)
{
	uint8_t f[10];

	dnswire_put16(f, type);
	dnswire_put16(f + 2, DNS_CLASS_IN);
	dnswire_put32(f + 4, ttl > age ? ttl - age : 0);
	dnswire_put16(f + 8, (uint16_t)rdlen);
	answer_put(b, owner, olen);
	answer_put(b, f, sizeof(f));
	answer_put(b, rdata, rdlen);
}

/* The length of the wire name at p (labels up to the root). */
static size_t
answer_name_len(const uint8_t *p)
{
	size_t n = 0;

	while (p[n] != 0)
		n += 1 + (size_t)p[n];
	return n + 1;
}

/* The chain (unless flattened) and the final set; returns how many records. */
static unsigned
answer_data(struct answer_buf *b, const struct digest *d, int flatten, uint32_t age)
{
	const uint8_t *owner = d->qname, *hop = d->ans.chain;
	size_t olen = d->qname_len;
	uint32_t cap = UINT32_MAX;
	unsigned n = 0;

	for (unsigned i = 0; i < d->ans.n_chain; i++) {
		size_t hl = answer_name_len(hop);
		if (flatten) {
			/* The question name stands for the chain: it lives as long as its links. */
			if (d->chain_ttls[i] < cap)
				cap = d->chain_ttls[i];
		} else {
			answer_rr(b, owner, olen, DNS_TYPE_CNAME, d->chain_ttls[i], age, hop, hl);
			owner = hop;
			olen = hl;
			n++;
		}
		hop += hl;
	}
	for (size_t i = 0; i < d->ans.n_rrs; i++) {
		uint32_t ttl = d->ttls[i] < cap ? d->ttls[i] : cap;
		answer_rr(b, owner, olen, d->ans.rrs[i].type, ttl, age, d->ans.rrs[i].rdata,
		    d->ans.rrs[i].len);
		n++;
	}
	return n;
}

/* The RCODE served for d, and whether its records are. */
static int
answer_rcode(const struct digest *d, int *records)
{
	*records = 0;
	switch (d->rcode) {
	case DNS_RCODE_NOERROR:
	case DNS_RCODE_NXDOMAIN:
		/* A contradictory chain is no answer at all. */
		if (d->ans.rclass == RCLASS_OTHER)
			return DNS_RCODE_SERVFAIL;
		*records = 1;
		return d->ans.rclass == RCLASS_NXDOMAIN ? DNS_RCODE_NXDOMAIN : DNS_RCODE_NOERROR;
	case DNS_RCODE_SERVFAIL:
	case DNS_RCODE_REFUSED:
		return d->rcode;
	default:
		/* FORMERR, NOTIMP, YXDOMAIN...: nothing a stub passes on unchecked. */
		return DNS_RCODE_SERVFAIL;
	}
}

size_t
answer_build(uint8_t *out, size_t cap, const struct digest *d, int flatten, uint32_t age)
{
	struct answer_buf b = { out, cap, 0, 0 };
	uint8_t h[DNS_HDRLEN], qt[4];
	unsigned an = 0, ns = 0;
	int rcode, records;

	if (d->ans.transport != TRANSPORT_OK || d->qname_len == 0 || d->qname_len > DNS_MAXNAME)
		return 0;
	rcode = answer_rcode(d, &records);
	memset(h, 0, sizeof(h));
	dnswire_put16(h + 2, (uint16_t)(DNS_FLAG_QR | DNS_FLAG_RA | rcode));
	dnswire_put16(h + 4, 1);
	answer_put(&b, h, sizeof(h));
	answer_put(&b, d->qname, d->qname_len);
	dnswire_put16(qt, d->qtype);
	dnswire_put16(qt + 2, DNS_CLASS_IN);
	answer_put(&b, qt, sizeof(qt));
	if (records && d->ans.rclass == RCLASS_DATA)
		an = answer_data(&b, d, flatten, age);
	else if (records && d->soa_owner_len > 0) {
		answer_rr(&b, d->soa_owner, d->soa_owner_len, DNS_TYPE_SOA, d->soa_ttl, age,
		    d->soa_rdata, d->soa_len);
		ns = 1;
	}
	if (b.full)
		return 0;
	dnswire_put16(out + 6, (uint16_t)an);
	dnswire_put16(out + 8, (uint16_t)ns);
	return b.len;
}
