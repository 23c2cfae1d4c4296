/* tests/integration/mirror/doh_dns.c - the ldns half of the test client: build and check messages. */
#include <ldns/ldns.h>
#include <stdio.h>
#include <string.h>

#include "doh_dns.h"

size_t
doh_dns_query(const char *name, const char *type, uint16_t id, uint8_t *out, size_t cap)
{
	ldns_pkt *pkt = NULL;
	uint8_t *wire = NULL;
	size_t len = 0;
	ldns_rr_type t = ldns_get_rr_type_by_name(type);

	if (ldns_pkt_query_new_frm_str(&pkt, name, t, LDNS_RR_CLASS_IN, LDNS_RD) != LDNS_STATUS_OK)
		return 0;
	ldns_pkt_set_id(pkt, id);
	if (ldns_pkt2wire(&wire, pkt, &len) != LDNS_STATUS_OK || len > cap)
		len = 0;
	else
		memcpy(out, wire, len);
	free(wire);
	ldns_pkt_free(pkt);
	return len;
}

int
doh_dns_check(const uint8_t *wire, size_t len, uint16_t id, const char *name, char *summary,
    size_t cap)
{
	ldns_pkt *pkt = NULL;
	ldns_rdf *want = NULL;
	ldns_rr_list *an;
	size_t i, off;
	int rc = -1;

	if (ldns_wire2pkt(&pkt, wire, len) != LDNS_STATUS_OK)
		return -1;
	if (ldns_pkt_id(pkt) != id || ldns_pkt_qdcount(pkt) != 1 ||
	    ldns_str2rdf_dname(&want, name) != LDNS_STATUS_OK ||
	    ldns_dname_compare(ldns_rr_owner(ldns_rr_list_rr(ldns_pkt_question(pkt), 0)), want) != 0)
		goto out;
	{
		ldns_lookup_table *lt = ldns_lookup_by_id(ldns_rcodes, (int)ldns_pkt_get_rcode(pkt));

		off = (size_t)snprintf(summary, cap, "%s %u ", lt ? lt->name : "RCODE?",
		    (unsigned)ldns_pkt_ancount(pkt));
	}
	an = ldns_pkt_answer(pkt);
	for (i = 0; an != NULL && i < ldns_rr_list_rr_count(an) && off < cap; i++) {
		ldns_rr *rr = ldns_rr_list_rr(an, i);
		char *s;

		/* Only simple rdata types are printed: never ldns_pkt2str on what a peer sent. */
		if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_A && ldns_rr_get_type(rr) != LDNS_RR_TYPE_AAAA &&
		    ldns_rr_get_type(rr) != LDNS_RR_TYPE_TXT)
			continue;
		if ((s = ldns_rdf2str(ldns_rr_rdf(rr, 0))) == NULL)
			continue;
		off += (size_t)snprintf(summary + off, cap - off, "%s%s", i ? "," : "", s);
		free(s);
	}
	rc = 0;
out:
	ldns_rdf_deep_free(want);
	ldns_pkt_free(pkt);
	return rc;
}
