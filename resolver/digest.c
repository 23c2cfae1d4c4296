/* resolver/digest.c - turn an answer's wire form into what the consensus ladder compares. */
#include "autoconf.h"

#include <arpa/inet.h>
#include <ldns/ldns.h>
#include <stdio.h>
#include <string.h>

#include "digest.h"

void
digest_failed(struct digest *d, enum cons_transport transport)
{
	memset(&d->ans, 0, sizeof(d->ans));
	d->used = 0;
	d->ans.transport = transport;
	d->ans.rclass = RCLASS_OTHER;
	d->ans.rrs = d->rrs;
}

/* Keep one record's canonical rdata; returns 0, or -1 when the digest is full. */
static int
digest_add(struct digest *d, ldns_rr *rr)
{
	ldns_buffer *b = ldns_buffer_new(512);
	struct cons_rr *c;
	size_t len;
	int rc = -1;

	if (b == NULL || d->ans.n_rrs == DIGEST_MAX_RRS)
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
	d->used += len;
	/* Keep the set sorted (canonical order): equal sets then compare byte for byte. */
	for (size_t j = d->ans.n_rrs; j > 0; j--) {
		struct cons_rr *p = &d->rrs[j - 1], *q = &d->rrs[j], t;
		size_t m = p->len < q->len ? p->len : q->len;
		int cmp = p->type != q->type ? (p->type < q->type ? -1 : 1) : memcmp(p->rdata, q->rdata, m);
		if (cmp < 0 || (cmp == 0 && p->len <= q->len))
			break;
		t = *p;
		*p = *q;
		*q = t;
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

int
digest_answer(struct digest *d, const uint8_t *wire, size_t len, const uint8_t *qname,
    size_t qname_len, uint16_t qtype)
{
	ldns_pkt *pkt = NULL;
	ldns_rdf *cur = NULL;
	ldns_rr_list *an;
	int rc = -1;

	digest_failed(d, TRANSPORT_ERROR);
	if (ldns_wire2pkt(&pkt, wire, len) != LDNS_STATUS_OK)
		return -1;
	d->ans.transport = TRANSPORT_OK;
	switch (ldns_pkt_get_rcode(pkt)) {
	case LDNS_RCODE_NXDOMAIN:
		d->ans.rclass = RCLASS_NXDOMAIN;
		rc = 0;
		goto out;
	case LDNS_RCODE_NOERROR:
		break;
	default:
		d->ans.rclass = RCLASS_OTHER;
		rc = 0;
		goto out;
	}
	if ((cur = ldns_dname_new_frm_data((uint16_t)qname_len, qname)) == NULL)
		goto out;
	an = ldns_pkt_answer(pkt);
	for (int hop = 0; hop <= DIGEST_MAX_CHAIN; hop++) {
		ldns_rdf *next = NULL;
		for (size_t i = 0; i < ldns_rr_list_rr_count(an); i++) {
			ldns_rr *rr = ldns_rr_list_rr(an, i);
			if (ldns_dname_compare(ldns_rr_owner(rr), cur) != 0)
				continue;
			if ((uint16_t)ldns_rr_get_type(rr) == qtype) {
				if (digest_add(d, rr) != 0)
					goto out;
			} else if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_CNAME && next == NULL &&
			    ldns_rr_rd_count(rr) == 1)
				next = ldns_rr_rdf(rr, 0);
		}
		if (d->ans.n_rrs > 0 || next == NULL || qtype == LDNS_RR_TYPE_CNAME)
			break;
		if (hop == DIGEST_MAX_CHAIN) {
			/* A loop or an over-long chain: what lies past it was never looked at. */
			d->ans.rclass = RCLASS_OTHER;
			rc = 0;
			goto out;
		}
		ldns_rdf_deep_free(cur);
		if ((cur = ldns_rdf_clone(next)) == NULL)
			goto out;
		ldns_dname2canonical(cur);
		if (ldns_rdf_size(cur) <= sizeof(d->ans.cname_tail)) {
			memcpy(d->ans.cname_tail, ldns_rdf_data(cur), ldns_rdf_size(cur));
			d->ans.cname_tail_len = ldns_rdf_size(cur);
		}
	}
	d->ans.rclass = d->ans.n_rrs > 0 ? RCLASS_DATA : RCLASS_NODATA;
	rc = 0;
out:
	ldns_rdf_deep_free(cur);
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
