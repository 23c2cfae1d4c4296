/* tests/unit/testname.h - a presentation name in the lower-cased wire form digest.c expects. */
#ifndef VANTAGE_TESTNAME_H
#define VANTAGE_TESTNAME_H

#include <ldns/ldns.h>
#include <string.h>

/* name into lower-cased wire form at w (room for 255 bytes); returns its length. */
static inline size_t
qwire(const char *name, uint8_t *w)
{
	ldns_rdf *r = ldns_dname_new_frm_str(name);
	size_t n;

	assert_non_null(r);
	ldns_dname2canonical(r);
	n = ldns_rdf_size(r);
	memcpy(w, ldns_rdf_data(r), n);
	ldns_rdf_deep_free(r);
	return n;
}

#endif
