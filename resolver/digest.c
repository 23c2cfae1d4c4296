/* resolver/digest.c - turn an answer's wire form into what the consensus ladder compares. */
#include "autoconf.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <ldns/ldns.h>
#include <stdio.h>
#include <string.h>

#include "digest.h"
#include "dnswire.h"

void
digest_failed(struct digest *d, enum cons_transport transport)
{
	memset(&d->ans, 0, sizeof(d->ans));
	d->used = 0;
	d->ans.transport = transport;
	d->ans.rclass = RCLASS_OTHER;
	d->ans.rrs = d->rrs;
	d->ans.chain = d->chain;
	d->qname_len = 0;
	d->qtype = 0;
	d->rcode = 2; /* SERVFAIL: nothing usable */
	d->soa_owner_len = 0;
	d->soa_len = 0;
	d->soa_ttl = 0;
}

/* RFC 2181 section 8: a TTL with the top bit set means zero. */
static uint32_t
digest_ttl(const ldns_rr *rr)
{
	uint32_t t = ldns_rr_ttl(rr);

	return (t & 0x80000000u) ? 0 : t;
}

/*
 * A name rdf into lower-cased wire form (out holds DIGEST_NAME bytes); its length, or 0.
 * Label lengths are at most 63, below 'A': lower-casing every byte leaves them alone.
 */
static size_t
digest_name(const ldns_rdf *r, uint8_t *out)
{
	size_t n;

	if (r == NULL || ldns_rdf_get_type(r) != LDNS_RDF_TYPE_DNAME ||
	    (n = ldns_rdf_size(r)) == 0 || n > DIGEST_NAME)
		return 0;
	memcpy(out, ldns_rdf_data(r), n);
	for (size_t i = 0; i < n; i++)
		out[i] = (uint8_t)tolower(out[i]);
	return n;
}

/*
 * Keep one record's canonical rdata; returns 0, -1 when the digest is full, -2 for rdata
 * short of its type's fields (ldns takes an empty rdata of any type, as in an UPDATE): served
 * on, such a record would make the whole message unreadable to the client.
 */
static int
digest_add(struct digest *d, ldns_rr *rr)
{
	const ldns_rr_descriptor *desc = ldns_rr_descript(ldns_rr_get_type(rr));
	ldns_buffer *b;
	struct cons_rr *c;
	size_t len;
	int rc = -1;

	if (ldns_rr_rd_count(rr) == 0 ||
	    (desc && ldns_rr_rd_count(rr) < ldns_rr_descriptor_minimum(desc)))
		return -2;
	if ((b = ldns_buffer_new(512)) == NULL || d->ans.n_rrs == DIGEST_MAX_RRS)
		goto out;
	/* Every address must reach the ladder: one it never saw could be a private one. */
	if ((ldns_rr_get_type(rr) == LDNS_RR_TYPE_A || ldns_rr_get_type(rr) == LDNS_RR_TYPE_AAAA) &&
	    d->ans.n_addrs == CONSENSUS_MAX_ADDRS)
		goto out;
	ldns_rr2canonical(rr);
	for (size_t i = 0; i < ldns_rr_rd_count(rr); i++)
		if (ldns_rdf2buffer_wire_canonical(b, ldns_rr_rdf(rr, i)) != LDNS_STATUS_OK)
			goto out;
	len = ldns_buffer_position(b);
	if (len > 65535 || d->used + len > DIGEST_BUF)
		goto out;
	memcpy(d->buf + d->used, ldns_buffer_begin(b), len);
	c = &d->rrs[d->ans.n_rrs];
	c->type = (uint16_t)ldns_rr_get_type(rr);
	c->len = (uint16_t)len;
	c->rdata = d->buf + d->used;
	d->ttls[d->ans.n_rrs] = digest_ttl(rr);
	d->used += len;
	/* Keep the set sorted (canonical order): equal sets then compare byte for byte. */
	for (size_t j = d->ans.n_rrs; j > 0; j--) {
		struct cons_rr *p = &d->rrs[j - 1], *q = &d->rrs[j], t;
		size_t m = p->len < q->len ? p->len : q->len;
		int cmp = p->type != q->type ? (p->type < q->type ? -1 : 1) : memcmp(p->rdata, q->rdata, m);
		uint32_t tt;
		if (cmp < 0 || (cmp == 0 && p->len <= q->len))
			break;
		t = *p;
		*p = *q;
		*q = t;
		tt = d->ttls[j - 1];
		d->ttls[j - 1] = d->ttls[j];
		d->ttls[j] = tt;
	}
	d->ans.n_rrs++;
	if (c->type == LDNS_RR_TYPE_A || c->type == LDNS_RR_TYPE_AAAA) {
		struct cons_addr *a;
		if (len == 4 || len == 16) {
			a = &d->ans.addrs[d->ans.n_addrs++];
			a->family = len == 4 ? 4 : 6;
			memcpy(a->bytes, d->buf + d->used - len, len);
		}
	}
	rc = 0;
out:
	ldns_buffer_free(b);
	return rc;
}

/* Whether name (wire) is the question or already a hop of the chain: a loop. */
static int
digest_on_chain(const struct digest *d, const uint8_t *name, size_t len)
{
	size_t o = 0;

	if (len == d->qname_len && memcmp(name, d->qname, len) == 0)
		return 1;
	for (unsigned i = 0; i < d->ans.n_chain; i++) {
		size_t n = 0;
		while (d->chain[o + n] != 0)
			n += 1 + d->chain[o + n];
		n++;
		if (n == len && memcmp(d->chain + o, name, len) == 0)
			return 1;
		o += n;
	}
	return 0;
}

/* Outcome of following the chain. */
enum digest_walk { DIGEST_WALK_OK, DIGEST_WALK_BAD, DIGEST_WALK_FULL };

/*
 * The records at owner cur: the final set's (added), and the CNAME that moves the chain on
 * (its target into next, *next_len 0 when none). BAD for a contradiction at this owner.
 */
static enum digest_walk
digest_owner(struct digest *d, ldns_rr_list *an, const uint8_t *cur, size_t cur_len,
    uint8_t *next, size_t *next_len, uint32_t *next_ttl)
{
	uint8_t owner[DIGEST_NAME], t[DIGEST_NAME];
	size_t n;
	int data = 0;

	*next_len = 0;
	*next_ttl = UINT32_MAX;
	for (size_t i = 0; i < ldns_rr_list_rr_count(an); i++) {
		ldns_rr *rr = ldns_rr_list_rr(an, i);
		if (ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN ||
		    digest_name(ldns_rr_owner(rr), owner) != cur_len || memcmp(owner, cur, cur_len) != 0)
			continue;
		if ((uint16_t)ldns_rr_get_type(rr) == d->qtype) {
			switch (digest_add(d, rr)) {
			case 0:
				break;
			case -2:
				return DIGEST_WALK_BAD;
			default:
				return DIGEST_WALK_FULL;
			}
			data = 1;
		} else if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_CNAME) {
			/* Two CNAMEs that differ: which one glibc takes is up to the liar. */
			if (ldns_rr_rd_count(rr) != 1 || (n = digest_name(ldns_rr_rdf(rr, 0), t)) == 0 ||
			    (*next_len && (n != *next_len || memcmp(t, next, n) != 0)))
				return DIGEST_WALK_BAD;
			memcpy(next, t, n);
			*next_len = n;
			if (digest_ttl(rr) < *next_ttl)
				*next_ttl = digest_ttl(rr);
		}
	}
	/* Data beside a CNAME: the honest set for the checker, the CNAME for the client. */
	if (data && *next_len && d->qtype != LDNS_RR_TYPE_CNAME)
		return DIGEST_WALK_BAD;
	return DIGEST_WALK_OK;
}

/* Follow the chain from the question name; *end is where it stops. */
static enum digest_walk
digest_chain(struct digest *d, ldns_rr_list *an, uint8_t *end, size_t *end_len)
{
	uint8_t next[DIGEST_NAME];
	size_t next_len, o = 0;
	uint32_t ttl;
	enum digest_walk w;

	memcpy(end, d->qname, d->qname_len);
	*end_len = d->qname_len;
	for (unsigned hop = 0;; hop++) {
		if ((w = digest_owner(d, an, end, *end_len, next, &next_len, &ttl)) != DIGEST_WALK_OK)
			return w;
		/* A CNAME question is answered by the CNAME itself: nothing to follow. */
		if (next_len == 0 || d->qtype == LDNS_RR_TYPE_CNAME)
			return DIGEST_WALK_OK;
		/* A loop or an over-long chain: what lies past it was never looked at. */
		if (hop == DIGEST_MAX_CHAIN || digest_on_chain(d, next, next_len))
			return DIGEST_WALK_BAD;
		memcpy(d->chain + o, next, next_len);
		d->chain_ttls[hop] = ttl;
		o += next_len;
		d->ans.chain_len = o;
		d->ans.n_chain = hop + 1;
		memcpy(end, next, next_len);
		*end_len = next_len;
		if (next_len <= sizeof(d->ans.cname_tail)) {
			memcpy(d->ans.cname_tail, next, next_len);
			d->ans.cname_tail_len = next_len;
		}
	}
}

/*
 * A negative answer's SOA: the first of class IN in authority whose owner is an ancestor of
 * the question name or of the chain's end (the name denied). Others are never served.
 */
static int
digest_soa(struct digest *d, ldns_rr_list *ns, const uint8_t *end, size_t end_len)
{
	uint8_t owner[DIGEST_NAME];
	size_t n;

	for (size_t i = 0; i < ldns_rr_list_rr_count(ns); i++) {
		ldns_rr *rr = ldns_rr_list_rr(ns, i);
		ldns_buffer *b;
		uint32_t min;
		size_t len;

		if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_SOA ||
		    ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN || ldns_rr_rd_count(rr) != 7 ||
		    (n = digest_name(ldns_rr_owner(rr), owner)) == 0 ||
		    (!dnswire_name_is_sub(d->qname, d->qname_len, owner, n) &&
			!dnswire_name_is_sub(end, end_len, owner, n)))
			continue;
		if ((b = ldns_buffer_new(DIGEST_SOA_MAX)) == NULL)
			return -1;
		ldns_rr2canonical(rr);
		for (size_t k = 0; k < 7; k++)
			if (ldns_rdf2buffer_wire_canonical(b, ldns_rr_rdf(rr, k)) != LDNS_STATUS_OK)
				break;
		len = ldns_buffer_position(b);
		if (len < 22 || len > DIGEST_SOA_MAX) {
			ldns_buffer_free(b);
			continue;
		}
		memcpy(d->soa_rdata, ldns_buffer_begin(b), len);
		ldns_buffer_free(b);
		d->soa_len = len;
		memcpy(d->soa_owner, owner, n);
		d->soa_owner_len = n;
		/* RFC 2308 5: a negative answer lives min(SOA TTL, MINIMUM). */
		min = (uint32_t)d->soa_rdata[len - 4] << 24 | (uint32_t)d->soa_rdata[len - 3] << 16 |
		    (uint32_t)d->soa_rdata[len - 2] << 8 | d->soa_rdata[len - 1];
		if (min & 0x80000000u)
			min = 0;
		d->soa_ttl = digest_ttl(rr) < min ? digest_ttl(rr) : min;
		return 0;
	}
	return 0;
}

int
digest_answer(struct digest *d, const uint8_t *wire, size_t len, const uint8_t *qname,
    size_t qname_len, uint16_t qtype)
{
	ldns_pkt *pkt = NULL;
	uint8_t end[DIGEST_NAME];
	size_t end_len = 0;
	ldns_pkt_rcode rcode;
	int rc = -1;

	digest_failed(d, TRANSPORT_ERROR);
	if (qname_len == 0 || qname_len > DIGEST_NAME ||
	    ldns_wire2pkt(&pkt, wire, len) != LDNS_STATUS_OK)
		return -1;
	d->ans.transport = TRANSPORT_OK;
	memcpy(d->qname, qname, qname_len);
	d->qname_len = qname_len;
	d->qtype = qtype;
	rcode = ldns_pkt_get_rcode(pkt);
	d->rcode = (uint8_t)(rcode & 0xf);
	if (rcode != LDNS_RCODE_NOERROR && rcode != LDNS_RCODE_NXDOMAIN) {
		d->ans.rclass = RCLASS_OTHER; /* SERVFAIL, REFUSED...: says nothing of the name */
		rc = 0;
		goto out;
	}
	switch (digest_chain(d, ldns_pkt_answer(pkt), end, &end_len)) {
	case DIGEST_WALK_FULL:
		goto out;
	case DIGEST_WALK_BAD:
		d->ans.rclass = RCLASS_OTHER;
		rc = 0;
		goto out;
	case DIGEST_WALK_OK:
		break;
	}
	if (rcode == LDNS_RCODE_NXDOMAIN) {
		/* Records beside it are neither compared nor served. */
		d->ans.rclass = RCLASS_NXDOMAIN;
		d->ans.n_rrs = 0;
		d->ans.n_addrs = 0;
	} else
		d->ans.rclass = d->ans.n_rrs > 0 ? RCLASS_DATA : RCLASS_NODATA;
	if (d->ans.rclass != RCLASS_DATA &&
	    digest_soa(d, ldns_pkt_authority(pkt), end, end_len) != 0)
		goto out;
	rc = 0;
out:
	ldns_pkt_free(pkt);
	if (rc != 0)
		digest_failed(d, TRANSPORT_ERROR);
	return rc;
}

char *
digest_summary(const struct digest *d, char *buf, size_t cap)
{
	size_t o = 0;

	if (d->ans.transport != TRANSPORT_OK) {
		snprintf(buf, cap, "%s", d->ans.transport == TRANSPORT_TLS ? "TLS failure"
			 : d->ans.transport == TRANSPORT_TIMEOUT		  ? "timeout"
										  : "error");
		return buf;
	}
	if (d->ans.rclass != RCLASS_DATA) {
		snprintf(buf, cap, "%s", d->ans.rclass == RCLASS_NXDOMAIN ? "NXDOMAIN"
			 : d->ans.rclass == RCLASS_NODATA		  ? "NODATA"
									  : "SERVFAIL");
		return buf;
	}
	if (d->ans.n_addrs == 0) {
		snprintf(buf, cap, "%zu record%s", d->ans.n_rrs, d->ans.n_rrs == 1 ? "" : "s");
		return buf;
	}
	buf[0] = '\0';
	for (size_t i = 0; i < d->ans.n_addrs && o + 48 < cap; i++) {
		char a[INET6_ADDRSTRLEN];
		inet_ntop(d->ans.addrs[i].family == 4 ? AF_INET : AF_INET6, d->ans.addrs[i].bytes, a,
		    sizeof(a));
		o += (size_t)snprintf(buf + o, cap - o, "%s%s", i ? " " : "", a);
	}
	return buf;
}
