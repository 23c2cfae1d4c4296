/* resolver/config.h - vantaged's configuration: the YAML contract of DESIGN.md section 7. */
#ifndef VANTAGED_CONFIG_H
#define VANTAGED_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "acl.h"
#include "netaddr.h"
#include "vredis.h"
#include "yconf.h"

struct plugin_config;

/* workers: at most this many event loops (and what auto picks at most: beyond, the one
 * main loop that runs the checks becomes the bottleneck before the cores do). */
#define CONFIG_MAX_WORKERS 64
#define CONFIG_AUTO_WORKERS_MAX 8
#define CONFIG_MAX_LISTEN 16
#define CONFIG_MAX_UPSTREAMS 16
/* mirrors.trust_store when not set: the system bundle (Debian's ca-certificates). */
#define CONFIG_DEFAULT_TRUST_STORE "/etc/ssl/certs/ca-certificates.crt"
/* dashboard.root when not set: where `make install` puts share/dashboard. */
#ifndef DASHBOARD_ROOT
#define DASHBOARD_ROOT "/usr/share/vantage/dashboard"
#endif
/* dashboard.listen's port when the address has none. */
#define CONFIG_DASHBOARD_PORT 8053

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
/* The system's resolv.conf: what `upstreams: auto` reads last, and what applications read. */
#define CONFIG_RESOLV_CONF "/etc/resolv.conf"
/* forward: zones at most (RESOLVE_MAX_FORWARDS), resolvers per zone. */
#define CONFIG_MAX_FORWARDS 32
#define CONFIG_MAX_FORWARD_TO 4
/* forward_from: `resolved`, the directory where systemd-resolved keeps its links. */
#define CONFIG_RESOLVED_NETIF "/run/systemd/resolve/netif"
#define CONFIG_MAX_FORWARD_FROM 4
/* upstreams_from: files at most. */
#define CONFIG_MAX_UPSTREAMS_FROM 8

/* forward: questions at or below zone go to its resolvers, never to the mirrors. */
struct config_forward {
	char *zone;
	uint8_t wire[255];	/* lower-cased wire form */
	size_t len;
	struct netaddr to[CONFIG_MAX_FORWARD_TO];
	size_t n_to;
};

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

/* shared: the fleet's Redis (fleet.c); off unless shared.redis is set. */
#define CONFIG_SHARED_PREFIX "vantage:"
#define CONFIG_SHARED_TIMEOUT_MS 20
#define CONFIG_SHARED_KEY_MIN 32	/* bytes of key_file: a 256-bit key */
#define CONFIG_SHARED_KEY_MAX 4096
struct config_shared {
	int on;
	char *redis;			/* the URL as written (it may hold a password) */
	struct vredis_addr addr;	/* vredis_parse_url's */
	char *password, *username;	/* NULL: the URL's, if any */
	char *prefix;
	uint64_t timeout_ms;
	char *key_file;			/* NULL: the key is derived from password and prefix */
	uint8_t *key;			/* key_file's bytes, as they are */
	size_t key_len;
};

struct config {
	char *path;

	struct netaddr listen[CONFIG_MAX_LISTEN];
	size_t n_listen;

	int upstreams_auto;
	/* auto: the files where the system keeps its resolvers, first usable one wins
	 * (upstreams_from, or the defaults: systemd-resolved's, NetworkManager's, resolv.conf);
	 * upstreams_source is the index of the one in use. */
	char **upstreams_from;
	size_t n_upstreams_from;
	size_t upstreams_source;
	struct netaddr upstreams[CONFIG_MAX_UPSTREAMS];
	size_t n_upstreams;
	uint64_t upstream_timeout_ms;
	/* split DNS: forward:'s zones (the first n_forwards_conf), then those follow.c learned
	 * from the links of forward_from's directories; room for CONFIG_MAX_FORWARDS */
	struct config_forward *forwards;
	size_t n_forwards, n_forwards_conf;
	char **forward_from;	/* systemd-resolved's (or networkd's) per-link state directories */
	size_t n_forward_from;

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
		uint64_t serve_stale_ms;	/* RFC 8767 window past expiry; 0 = off */
		uint64_t stale_after_ms;	/* ... and the client-response timer; 0 = off */
		int prefetch;			/* refresh hot names near expiry (query.c) */
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
	struct {
		int on;			/* dashboard.listen is set */
		struct netaddr listen;
		char *root;		/* the pages' directory */
		char *token;		/* NULL: nothing on the dashboard changes state */
		char **hostnames;	/* Host headers accepted besides IP literals, localhost */
		size_t n_hostnames;
	} dashboard;
	int log_level;		/* enum log_level */
	char *dissent_log;
	char *user;		/* "" = do not change user */
	int sandbox;		/* no_new_privs + Landlock + seccomp after start-up */
	int workers;		/* event loops answering: 1..CONFIG_MAX_WORKERS, 0 = auto */
	struct plugin_config *plugins;	/* plugins: (plugins/plugin_conf.c) */
	struct config_shared shared;	/* shared: the fleet's Redis (config_shared.c) */
};

/*
 * config_load - read and check the file at path.
 * resolv_conf: the system's resolv.conf (normally /etc/resolv.conf), the last file
 * `upstreams: [auto]` reads; when it is another (a test's), the only one.
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

/*
 * config_forwarded - whether the question for qname (lower-cased wire form) goes to a forward
 * zone's resolvers: it then never reaches a mirror.
 */
int config_forwarded(const struct config *c, const uint8_t *qname, size_t qname_len);

/*
 * config_shared_same - whether a and b configure the same fleet (every key of shared:, the
 * key file's bytes included): a reload that changes it takes effect at the next restart.
 */
int config_shared_same(const struct config *a, const struct config *b);

/*
 * config_shared_keep - a reload from running to next: when shared: changed, say that it
 * takes effect at the next restart and keep the running section in next (the fleet's
 * connection and key were made from it).
 */
void config_shared_keep(struct config *running, struct config *next);

/* config_free - accepts NULL. */
void config_free(struct config *c);

/*
 * config_mirrors_same - whether a and b configure the same mirror set: the same entries in
 * the same order, bootstrap file, trust store and learning, and the same state file (where
 * learned mirrors and presented chains are kept). The files' contents are the caller's to
 * compare.
 */
int config_mirrors_same(const struct config *a, const struct config *b);

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
 * config_learn_upstreams - upstreams: auto: the nameservers of the first of c's
 * upstreams_from files that names a usable one (not vantaged itself, not systemd-resolved's
 * stub 127.0.0.53: asking it could loop back to us), into out (max entries). *source gets
 * that file's index. Returns the count, 0 when no file names one.
 */
int config_learn_upstreams(const struct config *c, struct netaddr *out, size_t max,
    size_t *source);

/*
 * config_read_resolv_conf - the nameservers of a resolv.conf, skipping those equal to one
 * of skip[0..nskip-1] (our own listeners). Fills out (max entries), returns the count, or
 * -1 when the file cannot be read.
 */
int config_read_resolv_conf(const char *path, const struct netaddr *skip, size_t nskip,
    struct netaddr *out, size_t max);

#endif
