/* mirror/join.c - the join message (protocol 5.2): its JSON both ways, checked strictly. */
#include "autoconf.h"

#include <event2/buffer.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "join.h"
#include "json.h"
#include "tls.h"

/* A join body: a CA PEM (a few KB) and a few words. Far below max_body. */
#define JOIN_MAX_NODES 64

/* A name or a region: 1 to MIRROR_NAME_MAX letters, digits, '-', '_' or '.'. */
static int
join_word_ok(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= MIRROR_NAME_MAX && strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") == n;
}

int
join_parse_fields(struct yconf *y, const yaml_node_t *root, struct join_req *j)
{
	uint8_t fp[TLS_SHA256_LEN];
	unsigned long port;
	yaml_node_t *v;
	const char *s;
	char why[160];

	if ((v = yconf_get(y, root, "id")) == NULL || (s = yconf_scalar(y, v, "id")) == NULL ||
	    v->data.scalar.style == YAML_PLAIN_SCALAR_STYLE || tls_unhex(s, j->id, TLS_SHA256_LEN))
		return yconf_error(y, v ? v : root, "id: a quoted string of 64 hex digits is required");
	if ((v = yconf_get(y, root, "name")) == NULL || yconf_str(y, v, "name", &j->name) != 0)
		return yconf_error(y, v ? v : root, "name: required");
	if ((v = yconf_get(y, root, "region")) == NULL || yconf_str(y, v, "region", &j->region))
		return yconf_error(y, v ? v : root, "region: required");
	if (!join_word_ok(j->name))
		return yconf_error(y, root, "name: 1-%d of A-Z a-z 0-9 - _ .", MIRROR_NAME_MAX);
	if (!join_word_ok(j->region))
		return yconf_error(y, root, "region: 1-%d of A-Z a-z 0-9 - _ .", MIRROR_NAME_MAX);
	if ((v = yconf_get(y, root, "address")) == NULL ||
	    (s = yconf_scalar(y, v, "address")) == NULL || strchr(s, '[') != NULL ||
	    netaddr_parse(s, 0, &j->addr) != 0 || netaddr_port(&j->addr) != 0 ||
	    netaddr_is_any(&j->addr))
		return yconf_error(y, v ? v : root, "address: a bare IPv4 or IPv6 address is required");
	if ((v = yconf_get(y, root, "port")) == NULL || yconf_uint(y, v, "port", 1, 65535, &port))
		return yconf_error(y, v ? v : root, "port: 1..65535 is required");
	netaddr_set_port(&j->addr, (uint16_t)port);
	if ((v = yconf_get(y, root, "hops")) != NULL && yconf_uint(y, v, "hops", 0, 255, &j->hops))
		return -1;
	if ((v = yconf_get(y, root, "ca_pem")) == NULL || yconf_str(y, v, "ca_pem", &j->ca_pem))
		return yconf_error(y, v ? v : root, "ca_pem: required");
	/* Self-authenticating: whoever sends it, the PEM must be the CA the id names. */
	if (tls_pem_sha256(j->ca_pem, strlen(j->ca_pem), fp, why, sizeof(why)) != 0)
		return yconf_error(y, v, "ca_pem: %s", why);
	if (memcmp(fp, j->id, TLS_SHA256_LEN) != 0)
		return yconf_error(y, v, "ca_pem: its SHA-256 is not id");
	return 0;
}

static int
join_parse_root(struct yconf *y, const yaml_node_t *root, struct join_req *j)
{
	static const char *const keys[] = { "version", "id", "name", "address", "port",
		"region", "ca_pem", "hops", NULL };
	unsigned long u;
	yaml_node_t *v;

	if (root == NULL)
		return yconf_error(y, NULL, "empty body");
	if (yconf_check_keys(y, root, "join", keys) != 0)
		return -1;
	if ((v = yconf_get(y, root, "version")) == NULL || yconf_uint(y, v, "version", 1, 1, &u))
		return yconf_error(y, root, "version: 1 is required");
	return join_parse_fields(y, root, j);
}

int
join_parse(const void *body, size_t len, struct join_req *j, char *err, size_t errlen)
{
	struct yconf y;
	int rc;

	memset(&y, 0, sizeof(y));
	y.max_nodes = JOIN_MAX_NODES;
	y.max_keys = JOIN_MAX_KEYS;
	rc = yconf_load_buffer(&y, "body", body, len);
	if (rc == 0)
		rc = join_parse_root(&y, yconf_root(&y), j);
	return yconf_done(&y, rc, err, errlen);
}

void
join_req_free(struct join_req *j)
{
	free(j->name);
	free(j->region);
	free(j->ca_pem);
}

/* The JSON of a join for the mirror described; hops as given. */
void
join_body(struct evbuffer *b, const char *idhex, const char *name, const struct netaddr *addr,
    const char *region, const char *ca_pem, unsigned hops)
{
	evbuffer_add(b, "{", 1);
	json_kv_u64(b, 1, "version", 1);
	join_json_identity(b, 0, idhex, name, addr, region);
	json_kv_str(b, 0, "ca_pem", ca_pem);
	json_kv_u64(b, 0, "hops", hops);
	evbuffer_add(b, "}\n", 2);
}

void
join_json_identity(struct evbuffer *b, int first, const char *idhex, const char *name,
    const struct netaddr *addr, const char *region)
{
	char ip[NETADDR_STRLEN];

	json_kv_str(b, first, "id", idhex);
	json_kv_str(b, 0, "name", name);
	json_kv_str(b, 0, "address", netaddr_ip_str(addr, ip, sizeof(ip)));
	json_kv_u64(b, 0, "port", netaddr_port(addr));
	json_kv_str(b, 0, "region", region);
}
