/* mirror/peerfile.h - peers.json: one remembered peer per entry, checked as it is read. */
#ifndef VANTAGE_MIRROR_PEERFILE_H
#define VANTAGE_MIRROR_PEERFILE_H

#include <stdint.h>

#include "netaddr.h"
#include "tls.h"
#include "yconf.h"

/* One entry of peers.json, as read. */
struct peerfile_row {
	uint8_t id[TLS_SHA256_LEN];
	char *name, *region, *pem, *reason;	/* owned: peerfile_row_free; pem, reason may be NULL */
	unsigned long since, last_ok, hops;
	struct netaddr addr;
	int st;					/* index into the state names; the caller's default */
	int fwd;
	/* Only in the replicas' shared rows (mirror/replica.c); peers.json has none. */
	unsigned long rev;			/* when the writer last changed the row (wall ms) */
	char *finding, *finding_reason;		/* the writer's audit finding; may be NULL */
};

/*
 * peerfile_row_parse - the mapping node of y (an entry of peers.json) into r, zeroed by
 * the caller but for its default st: only the known keys, an id, an address, a name, a
 * region, a state among state_names (NULL-terminated), and a CA PEM, when present, whose
 * SHA-256 is the id. Returns 0, or -1 with y's error set; free r with peerfile_row_free
 * either way.
 */
int peerfile_row_parse(struct yconf *y, const yaml_node_t *node, const char *const *state_names,
    struct peerfile_row *r);

/* peerfile_row_free - the strings of r (not r itself). */
void peerfile_row_free(struct peerfile_row *r);

#endif
