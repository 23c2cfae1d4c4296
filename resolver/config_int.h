/* resolver/config_int.h - what the configuration's parts share: value names and key helpers. */
#ifndef VANTAGED_CONFIG_INT_H
#define VANTAGED_CONFIG_INT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "netaddr.h"
#include "yconf.h"

struct config;

/* The names of each enum's values, in enum order, NULL-terminated: the parser accepts them
 * and config_print writes them, so the two never disagree. */
extern const char *const config_modes[];
extern const char *const config_matches[];
extern const char *const config_dissents[];
extern const char *const config_insufficients[];
extern const char *const config_verifies[];
extern const char *const config_levels[];
extern const char *const config_probes[];

/*
 * config_opt_str - an optional path or name at v: ~ (null) unsets *out (freed), a string
 * replaces it. Returns 0, or -1 after recording the error in y.
 */
int config_opt_str(struct yconf *y, const yaml_node_t *v, const char *key, char **out);

/*
 * config_addr - the address at n ("127.0.0.1:53", "[::1]:53"; port when it names none) into
 * out. Returns 0, or -1 after recording the error in y.
 */
int config_addr(struct yconf *y, const yaml_node_t *n, const char *key, uint16_t port,
    struct netaddr *out);

/*
 * config_addr_list - one address or a non-empty list of distinct ones (at most max) at n
 * into out; *count gets how many. Returns 0, or -1 after recording the error in y.
 */
int config_addr_list(struct yconf *y, const yaml_node_t *n, const char *key, uint16_t port,
    struct netaddr *out, size_t max, size_t *count);

/*
 * config_hex32 - a SHA-256 written as 64 hex digits, plain or colon-separated (as openssl
 * prints it), into out. Returns 0, or -1 when s is not one.
 */
int config_hex32(const char *s, uint8_t out[32]);

/*
 * config_consensus_parse - the consensus: mapping n into c (consensus.c keys, the per-zone
 * overrides and the CA evidence keys). Returns 0, or -1 after recording the error in y.
 */
int config_consensus_parse(struct yconf *y, const yaml_node_t *n, struct config *c);

/*
 * config_upstreams_parse - upstreams: at v, a list of addresses or `auto` (c->upstreams_auto).
 * Returns 0, or -1 after recording the error in y.
 */
int config_upstreams_parse(struct yconf *y, const yaml_node_t *v, struct config *c);

/*
 * config_forward_from_parse - forward_from: at v (NULL when absent): `resolved` (its netif
 * directory), `none`, or a list of directories; room for the zones learned from them.
 */
int config_forward_from_parse(struct yconf *y, const yaml_node_t *v, struct config *c);

/*
 * config_upstreams_auto - with upstreams: auto, fill in upstreams_from's defaults (the
 * system's files, then resolv_conf) and learn the upstreams from them; at is where errors
 * point. Returns 0, or -1 after recording the error in y.
 */
int config_upstreams_auto(struct yconf *y, const yaml_node_t *at, struct config *c,
    const char *resolv_conf);

/*
 * config_shared_parse - shared: at v into c->shared (config_shared.c): the URL checked by
 * vredis_parse_url, the prefix, the timeout, the key file read. Returns 0, or -1 after
 * recording the error in y.
 */
int config_shared_parse(struct yconf *y, const yaml_node_t *v, struct config *c);

/* config_shared_free - what c->shared holds (the key wiped first). */
void config_shared_free(struct config *c);

/* config_shared_print - shared: as config_print writes it, never the password. */
void config_shared_print(const struct config *c, FILE *out);

#endif
