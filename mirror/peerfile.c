/* mirror/peerfile.c - peers.json: one remembered peer per entry, checked as it is read. */
#include "autoconf.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "peerfile.h"

/* The scalar fields of an entry (counters, flags); 0, or -1 with y's error set. */
static int
peerfile_row_numbers(struct yconf *y, const yaml_node_t *node, struct peerfile_row *r)
{
	yaml_node_t *v;

	if (((v = yconf_get(y, node, "since")) && yconf_uint(y, v, "since", 0, ULONG_MAX,
	    &r->since)) || ((v = yconf_get(y, node, "last_ok")) && yconf_uint(y, v, "last_ok", 0,
	    ULONG_MAX, &r->last_ok)) || ((v = yconf_get(y, node, "hops")) && yconf_uint(y, v,
	    "hops", 0, 255, &r->hops)) || ((v = yconf_get(y, node, "forwarded")) &&
	    yconf_bool(y, v, "forwarded", &r->fwd)) || ((v = yconf_get(y, node, "rev")) &&
	    yconf_uint(y, v, "rev", 0, ULONG_MAX, &r->rev)))
		return -1;
	if (((v = yconf_get(y, node, "finding")) != NULL && !yconf_is_null(v) &&
	    yconf_str(y, v, "finding", &r->finding) != 0) ||
	    ((v = yconf_get(y, node, "finding_reason")) != NULL && !yconf_is_null(v) &&
	    yconf_str(y, v, "finding_reason", &r->finding_reason) != 0))
		return -1;
	return 0;
}

int
peerfile_row_parse(struct yconf *y, const yaml_node_t *node, const char *const *state_names,
    struct peerfile_row *r)
{
	static const char *const keys[] = { "id", "name", "address", "region", "ca_pem", "state",
		"reason", "since", "last_ok", "hops", "configured", "forwarded", "rev", "finding",
		"finding_reason", NULL };
	uint8_t fp[TLS_SHA256_LEN];
	yaml_node_t *v;
	const char *s;

	if (yconf_check_keys(y, node, "peer", keys) != 0)
		return -1;
	if ((v = yconf_get(y, node, "id")) == NULL || (s = yconf_scalar(y, v, "id")) == NULL ||
	    tls_unhex(s, r->id, sizeof(r->id)) != 0)
		return yconf_error(y, node, "peer: bad id");
	if ((v = yconf_get(y, node, "address")) == NULL ||
	    (s = yconf_scalar(y, v, "address")) == NULL || netaddr_parse(s, 443, &r->addr) != 0)
		return yconf_error(y, node, "peer: bad address");
	if ((v = yconf_get(y, node, "name")) == NULL || yconf_str(y, v, "name", &r->name) != 0 ||
	    (v = yconf_get(y, node, "region")) == NULL || yconf_str(y, v, "region", &r->region))
		return -1;
	if ((v = yconf_get(y, node, "state")) == NULL || yconf_enum(y, v, "state", state_names,
	    &r->st) != 0)
		return -1;
	if ((v = yconf_get(y, node, "reason")) != NULL && !yconf_is_null(v) &&
	    yconf_str(y, v, "reason", &r->reason) != 0)
		return -1;
	if ((v = yconf_get(y, node, "ca_pem")) != NULL && !yconf_is_null(v)) {
		if (yconf_str(y, v, "ca_pem", &r->pem) != 0)
			return -1;
		if (tls_pem_sha256(r->pem, strlen(r->pem), fp, NULL, 0) != 0 ||
		    memcmp(fp, r->id, sizeof(fp)) != 0)
			return yconf_error(y, v, "ca_pem: does not hash to id");
	}
	return peerfile_row_numbers(y, node, r);
}

void
peerfile_row_free(struct peerfile_row *r)
{
	free(r->name);
	free(r->region);
	free(r->pem);
	free(r->reason);
	free(r->finding);
	free(r->finding_reason);
}
