/* resolver/config.h - vantaged's configuration: the YAML contract of DESIGN.md section 7. */
#ifndef VANTAGED_CONFIG_H
#define VANTAGED_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "acl.h"
#include "netaddr.h"
#include "yconf.h"

struct plugin_config;

#define CONFIG_MAX_LISTEN 16
#define CONFIG_MAX_UPSTREAMS 16
/* mirrors.trust_store when not set: the system bundle (Debian's ca-certificates). */
#define CONFIG_DEFAULT_TRUST_STORE "/etc/ssl/certs/ca-certificates.crt"

enum consensus_mode { MODE_ENFORCE, MODE_MONITOR };
enum address_match { MATCH_LADDER, MATCH_EXACT, MATCH_OVERLAP, MATCH_PREFIX };
enum on_dissent { DISSENT_REFUSE, DISSENT_SERVFAIL, DISSENT_FLAG, DISSENT_CONSENSUS };
enum on_insufficient { INSUFFICIENT_FLAG, INSUFFICIENT_REFUSE };
enum mirror_verify { VERIFY_PIN, VERIFY_WEBPKI };
/* consensus.probe: when the TLS probe checks the local address (DESIGN.md section 5). */
enum probe_mode { PROBE_MODE_OFF, PROBE_MODE_ON_DISSENT, PROBE_MODE_ALWAYS };

/* The consensus settings that may differ per zone (consensus.overrides). */
struct consensus_settings {
	enum consensus_mode mode;
	unsigned long quorum;			/* 0 = auto */
	enum address_match address_match;
	enum on_dissent on_dissent;
	enum on_insufficient on_insufficient;
	/* CA fingerprints (check_ca.c) */
	enum probe_mode probe;
	unsigned long probe_port;		/* TLSA _PORT._tcp, notary and probe port */
};

/* consensus.overrides: settings for a zone and everything below it. */
struct config_override {
	char *zone;				/* as written, for config_print */
	uint8_t wire[255];			/* lower-cased wire form */
	size_t wire_len;
	unsigned set;				/* OVERRIDE_* bits: what this entry changes */
	struct consensus_settings s;
	unsigned long line;
};
#define OVERRIDE_MODE 1
#define OVERRIDE_QUORUM 2
#define OVERRIDE_MATCH 4
#define OVERRIDE_DISSENT 8
#define OVERRIDE_INSUFFICIENT 16
#define OVERRIDE_PROBE 32
#define OVERRIDE_PROBE_PORT 64

/* consensus.ca_issuers: the issuer domain CAA names, and its CA certificates' SHA-256. */
struct config_ca_issuer {
	char *domain;				/* lower case, no trailing dot */
	uint8_t (*sha256)[32];
	size_t n;
	unsigned long line;
};

/* One mirror entry (inline or from the bootstrap file). */
struct config_mirror {
	char *name;
	struct netaddr addr;
	char *region;
	uint8_t ca_sha256[32];
	int has_pin;
	enum mirror_verify verify;
	char *hostname;		/* webpki: the name to verify and send as SNI */
	char *ca_pem;		/* optional: the CA certificate itself */
	int doh_get;		/* method: get (RFC 8484 GET ?dns=); default POST */
	unsigned long line;	/* where it was defined, for messages */
};

struct config {
	char *path;

	struct netaddr listen[CONFIG_MAX_LISTEN];
	size_t n_listen;

	int upstreams_auto;
	struct netaddr upstreams[CONFIG_MAX_UPSTREAMS];
	size_t n_upstreams;
	uint64_t upstream_timeout_ms;

	char *mirrors_bootstrap;
	struct config_mirror *mirrors;
	size_t n_mirrors;
	int mirrors_learn;	/* take in mirrors a majority of the configured ones list */
	char *mirrors_trust_store;	/* webpki mirrors' CAs: a PEM bundle or a directory */
	int mirrors_connect_at_start;	/* handshake with every mirror at start (and reload) */

	struct {
		enum consensus_mode mode;
		unsigned long mirrors_per_query;
		unsigned long quorum;	/* 0 = auto (the MPIC table) */
		enum address_match address_match;
		enum on_dissent on_dissent;
		enum on_insufficient on_insufficient;
		uint64_t timeout_ms;
		uint16_t *check_types;
		size_t n_check_types;
		char **bypass;	/* presentation names */
		size_t n_bypass;
		struct config_zone {
			uint8_t wire[255];	/* lower-cased wire form of bypass[i] */
			size_t len;
		} *bypass_wire;
		int allow_private;
		struct config_override *overrides;
		size_t n_overrides;
		/* CA fingerprints (check_ca.c) */
		enum probe_mode probe;
		unsigned long probe_port;
		uint64_t probe_timeout_ms;	/* added to timeout for the CA evidence */
		struct config_ca_issuer *ca_issuers;
		size_t n_ca_issuers;
		uint64_t ca_history_stable_ms;	/* 0: CA changes are never flagged */
		uint64_t ca_history_flag_for_ms;
	} consensus;

	struct {
		unsigned long max_entries;
		unsigned long min_ttl, max_ttl, negative_max_ttl;
		char *state_file;
	} cache;

	struct {
		unsigned long max_connections;
		unsigned long max_per_client;
		uint64_t idle_timeout_ms;
	} tcp;

	struct acl_rule *acl;	/* longest prefix wins; unlisted clients are refused */
	size_t n_acl;
	uint32_t ratelimit_qps;	/* per client (IPv4 address, IPv6 /64); 0 = off */
	uint32_t ratelimit_burst;

	char *control_socket;
	int has_metrics;
	struct netaddr metrics_listen;
	int log_level;		/* enum log_level */
	char *dissent_log;
	char *user;		/* "" = do not change user */
	int sandbox;		/* no_new_privs + Landlock + seccomp after start-up */
	struct plugin_config *plugins;	/* plugins: (plugin_conf.c) */
};

/*
 * config_load - read and check the file at path.
 * resolv_conf: the file `upstreams: [auto]` reads (normally /etc/resolv.conf).
 * Returns a config to free with config_free, or NULL with the first "file:line: message"
 * in err (errlen bytes).
 */
struct config *config_load(const char *path, const char *resolv_conf, char *err, size_t errlen);

/*
 * config_consensus_for - the consensus settings for qname (lower-cased wire form): the
 * global ones, changed by the override of the longest zone that contains qname.
 */
void config_consensus_for(const struct config *c, const uint8_t *qname, size_t qname_len,
    struct consensus_settings *out);

/* config_free - accepts NULL. */
void config_free(struct config *c);

/*
 * config_mirror_parse - one mirror entry (the shape of mirrors.list and of the bootstrap
 * file) from mapping n into m (zeroed first). Returns 0, or -1 after recording a
 * file:line error in y; m then holds what was read so far: clear it either way.
 */
int config_mirror_parse(struct yconf *y, const yaml_node_t *n, struct config_mirror *m);

/* config_mirror_clear - free what an entry holds and zero it. */
void config_mirror_clear(struct config_mirror *m);

/* config_print - the normalised config (every key, defaults filled in) as YAML. */
void config_print(const struct config *c, FILE *out);

/*
 * config_read_resolv_conf - the nameservers of a resolv.conf, skipping those equal to one
 * of skip[0..nskip-1] (our own listeners). Fills out (max entries), returns the count, or
 * -1 when the file cannot be read.
 */
int config_read_resolv_conf(const char *path, const struct netaddr *skip, size_t nskip,
    struct netaddr *out, size_t max);

#endif
