/* mirror/join.h - the join message (protocol 5.2): its JSON both ways, checked strictly. */
#ifndef VANTAGE_MIRROR_JOIN_H
#define VANTAGE_MIRROR_JOIN_H

#include <event2/buffer.h>
#include <stddef.h>
#include <stdint.h>

#include "mirror_config.h"
#include "netaddr.h"
#include "tls.h"
#include "yconf.h"

/* Keys in one JSON object of a peer's body (an entry has ~20). */
#define JOIN_MAX_KEYS 64

/* A parsed join body, or an entry of a peer's /v1/mirrors. */
struct join_req {
	uint8_t id[TLS_SHA256_LEN];
	char *name, *region, *ca_pem;	/* owned: join_req_free */
	struct netaddr addr;
	unsigned long hops;
};

/*
 * join_parse - a POST /v1/join body (len bytes) into j (zeroed by the caller): only the
 * known keys, version 1, a name and a region of safe characters, a bare address and a
 * port, and a CA PEM whose SHA-256 is the id. Returns 0, or -1 with the reason in err.
 * j is to be freed with join_req_free either way.
 */
int join_parse(const void *body, size_t len, struct join_req *j, char *err, size_t errlen);

/*
 * join_parse_fields - the fields a join and an entry of /v1/mirrors share (id, name,
 * region, address, port, ca_pem, and hops when present) from the mapping root of y into
 * j. Returns 0, or -1 with y's error set.
 */
int join_parse_fields(struct yconf *y, const yaml_node_t *root, struct join_req *j);

/* join_req_free - the strings of j (not j itself). */
void join_req_free(struct join_req *j);

/* join_body - append the JSON of a join for the mirror described (hops as given) to b. */
void join_body(struct evbuffer *b, const char *idhex, const char *name,
    const struct netaddr *addr, const char *region, const char *ca_pem, unsigned hops);

/*
 * join_json_identity - append "id", "name", "address", "port", "region" (first: no comma
 * before the first key): what a join and an entry of /v1/mirrors both say of a mirror.
 */
void join_json_identity(struct evbuffer *b, int first, const char *idhex, const char *name,
    const struct netaddr *addr, const char *region);

#endif
