/* mirror/mirror_config.c - vantage-mirror.yaml: loading, checking, defaults. */
#include "autoconf.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "keygen.h"
#include "mirror_config.h"
#include "vutil.h"
#include "yconf.h"

/* Ports a notary may be asked about by default: HTTPS, DoT, SMTP(S), IMAPS, alt-HTTPS. */
static const uint16_t observe_default_ports[] = { 443, 853, 25, 465, 587, 993, 8443 };
/* A CA certificate in PEM is well under this; more is not a CA file. */
#define MIRROR_MAX_PEM 65536

static int
mc_name_ok(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= MIRROR_NAME_MAX &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") == n;
}

/* A word (name, region) from the safe alphabet: it is echoed into YAML, JSON and headers. */
static int
mc_word(struct yconf *y, const yaml_node_t *node, const char *key, char **out)
{
	if (yconf_str(y, node, key, out) != 0)
		return -1;
	if (!mc_name_ok(*out))
		return yconf_error(y, node, "%s: '%s' must be 1-%d of A-Z a-z 0-9 - _ .", key, *out,
		    MIRROR_NAME_MAX);
	return 0;
}

static int
mc_addrs(struct yconf *y, const yaml_node_t *node, const char *key, uint16_t defport,
    struct netaddr *out, size_t max, size_t *n)
{
	yaml_node_t *item;
	const char *v;

	*n = 0;
	if (node->type == YAML_SCALAR_NODE)
		return yconf_error(y, node, "%s: expected a list like [\"127.0.0.1:%u\"]", key, defport);
	if (node->type != YAML_SEQUENCE_NODE)
		return yconf_error(y, node, "%s: expected a list", key);
	YCONF_SEQ_FOREACH(y, node, item) {
		if ((v = yconf_scalar(y, item, key)) == NULL)
			return -1;
		if (*n == max)
			return yconf_error(y, item, "%s: at most %zu addresses", key, max);
		if (netaddr_parse(v, defport, &out[*n]) != 0)
			return yconf_error(y, item, "%s: '%s' is not IP[:PORT]", key, v);
		(*n)++;
	}
	if (*n == 0)
		return yconf_error(y, node, "%s: the list is empty", key);
	return 0;
}

static char *
mc_read_file(const char *path, size_t max, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *buf;
	size_t n;

	if (f == NULL)
		return NULL;
	if ((buf = malloc(max + 1)) == NULL) {
		fclose(f);
		return NULL;
	}
	n = fread(buf, 1, max + 1, f);
	fclose(f);
	if (n == 0 || n > max) {
		free(buf);
		errno = n ? EFBIG : EINVAL;
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

static char *
mc_join(const char *dir, const char *file)
{
	size_t n = strlen(dir) + strlen(file) + 2;
	char *p = xmalloc(n);

	snprintf(p, n, "%s/%s", dir, file);
	return p;
}

static int
mc_tls(struct yconf *y, const yaml_node_t *node, struct mirror_config *c)
{
	static const char *const keys[] = { "dir", "cert", "key", "ca", NULL };
	yaml_node_t *v;
	char *dir = NULL, why[160];
	size_t len;

	if (yconf_check_keys(y, node, "tls", keys) != 0)
		return -1;
	if ((v = yconf_get(y, node, "dir")) != NULL) {
		if (yconf_str(y, v, "tls.dir", &dir) != 0)
			return -1;
		c->tls_cert = mc_join(dir, KEYGEN_CERT_FILE);
		c->tls_key = mc_join(dir, KEYGEN_KEY_FILE);
		c->tls_ca = mc_join(dir, KEYGEN_CA_FILE);
		free(dir);
	}
	if ((v = yconf_get(y, node, "cert")) != NULL &&
	    (free(c->tls_cert), c->tls_cert = NULL, yconf_str(y, v, "tls.cert", &c->tls_cert)) != 0)
		return -1;
	if ((v = yconf_get(y, node, "key")) != NULL &&
	    (free(c->tls_key), c->tls_key = NULL, yconf_str(y, v, "tls.key", &c->tls_key)) != 0)
		return -1;
	if ((v = yconf_get(y, node, "ca")) != NULL &&
	    (free(c->tls_ca), c->tls_ca = NULL, yconf_str(y, v, "tls.ca", &c->tls_ca)) != 0)
		return -1;
	if (c->tls_cert == NULL || c->tls_key == NULL || c->tls_ca == NULL)
		return yconf_error(y, node, "tls: give dir, or all of cert, key and ca");
	/* The CA is our identity: read it now so that -n catches a wrong path. */
	if ((c->ca_pem = mc_read_file(c->tls_ca, MIRROR_MAX_PEM, &len)) == NULL)
		return yconf_error(y, node, "tls: cannot read %s: %s", c->tls_ca, strerror(errno));
	/* Strict: the CA we announce must be exactly one certificate, as peers require. */
	if (tls_pem_sha256(c->ca_pem, len, c->id, why, sizeof(why)) != 0)
		return yconf_error(y, node, "tls: %s: %s", c->tls_ca, why);
	return 0;
}

static int
mc_peer(struct yconf *y, const yaml_node_t *node, struct mirror_peer *p)
{
	static const char *const keys[] = { "name", "address", "region", "ca_sha256", "ca_pem", NULL };
	yaml_node_t *v;
	const char *s;
	uint8_t fp[TLS_SHA256_LEN];
	char why[160];

	if (yconf_check_keys(y, node, "peers entry", keys) != 0)
		return -1;
	if ((v = yconf_get(y, node, "name")) == NULL)
		return yconf_error(y, node, "peers entry: missing name");
	if (mc_word(y, v, "name", &p->name) != 0)
		return -1;
	if ((v = yconf_get(y, node, "address")) == NULL)
		return yconf_error(y, node, "peers entry: missing address");
	if ((s = yconf_scalar(y, v, "address")) == NULL)
		return -1;
	if (netaddr_parse(s, 443, &p->addr) != 0)
		return yconf_error(y, v, "address: '%s' is not IP[:PORT]", s);
	if ((v = yconf_get(y, node, "region")) == NULL)
		return yconf_error(y, node, "peers entry: missing region");
	if (mc_word(y, v, "region", &p->region) != 0)
		return -1;
	if ((v = yconf_get(y, node, "ca_sha256")) == NULL)
		return yconf_error(y, node, "peers entry: missing ca_sha256");
	if ((s = yconf_scalar(y, v, "ca_sha256")) == NULL)
		return -1;
	if (tls_unhex(s, p->ca_sha256, sizeof(p->ca_sha256)) != 0)
		return yconf_error(y, v, "ca_sha256: expected 64 hex digits");
	if ((v = yconf_get(y, node, "ca_pem")) != NULL) {
		if (yconf_str(y, v, "ca_pem", &p->ca_pem) != 0)
			return -1;
		/* Self-authenticating: the PEM must hash to the pin it travels with. */
		if (tls_pem_sha256(p->ca_pem, strlen(p->ca_pem), fp, why, sizeof(why)) != 0)
			return yconf_error(y, v, "ca_pem: %s", why);
		if (memcmp(fp, p->ca_sha256, sizeof(fp)) != 0)
			return yconf_error(y, v, "ca_pem: its SHA-256 is not ca_sha256");
	}
	return 0;
}

static int
mc_peers(struct yconf *y, const yaml_node_t *node, struct mirror_config *c)
{
	yaml_node_t *item;
	size_t i;

	if (yconf_is_null(node))
		return 0;
	if (node->type != YAML_SEQUENCE_NODE)
		return yconf_error(y, node, "peers: expected a list");
	YCONF_SEQ_FOREACH(y, node, item) {
		if (c->n_peers == MIRROR_MAX_PEERS)
			return yconf_error(y, item, "peers: at most %d entries", MIRROR_MAX_PEERS);
		c->peers = realloc(c->peers, (c->n_peers + 1) * sizeof(*c->peers));
		if (c->peers == NULL)
			fatal("realloc");
		memset(&c->peers[c->n_peers], 0, sizeof(*c->peers));
		c->n_peers++;
		if (mc_peer(y, item, &c->peers[c->n_peers - 1]) != 0)
			return -1;
		for (i = 0; i + 1 < c->n_peers; i++)
			if (memcmp(c->peers[i].ca_sha256, c->peers[c->n_peers - 1].ca_sha256,
			    TLS_SHA256_LEN) == 0)
				return yconf_error(y, item, "peers: ca_sha256 listed twice");
	}
	return 0;
}

/* The keys against slow clients (slowloris): a per-address cap and three deadlines. */
static int
mc_limits_slow(struct yconf *y, const yaml_node_t *node, struct mirror_limits *l)
{
	yaml_node_t *v;
	unsigned long u;

	if ((v = yconf_get(y, node, "max_per_address")) != NULL) {
		if (yconf_uint(y, v, "max_per_address", 1, 100000, &u) != 0)
			return -1;
		l->max_per_address = u;
	}
	if ((v = yconf_get(y, node, "handshake_timeout")) != NULL &&
	    yconf_duration_ms(y, v, "handshake_timeout", 100, 600000, &l->handshake_timeout_ms))
		return -1;
	if ((v = yconf_get(y, node, "header_timeout")) != NULL &&
	    yconf_duration_ms(y, v, "header_timeout", 100, 600000, &l->header_timeout_ms))
		return -1;
	if ((v = yconf_get(y, node, "body_timeout")) != NULL &&
	    yconf_duration_ms(y, v, "body_timeout", 100, 600000, &l->body_timeout_ms))
		return -1;
	return 0;
}

static int
mc_limits(struct yconf *y, const yaml_node_t *node, struct mirror_limits *l)
{
	static const char *const keys[] = { "max_connections", "idle_timeout", "max_body",
		"max_header", "max_per_address", "handshake_timeout", "header_timeout",
		"body_timeout", NULL };
	yaml_node_t *v;
	unsigned long u;

	if (yconf_check_keys(y, node, "limits", keys) != 0)
		return -1;
	if ((v = yconf_get(y, node, "max_connections")) != NULL) {
		if (yconf_uint(y, v, "max_connections", 1, 100000, &u) != 0)
			return -1;
		l->max_connections = u;
	}
	if ((v = yconf_get(y, node, "idle_timeout")) != NULL &&
	    yconf_duration_ms(y, v, "idle_timeout", 100, 3600000, &l->idle_timeout_ms) != 0)
		return -1;
	if ((v = yconf_get(y, node, "max_body")) != NULL) {
		if (yconf_uint(y, v, "max_body", 512, 1048576, &u) != 0)
			return -1;
		l->max_body = u;
	}
	if ((v = yconf_get(y, node, "max_header")) != NULL) {
		if (yconf_uint(y, v, "max_header", 1024, 65536, &u) != 0)
			return -1;
		l->max_header = u;
	}
	return mc_limits_slow(y, node, l);
}

static int
mc_observe(struct yconf *y, const yaml_node_t *node, struct mirror_observe *o)
{
	static const char *const keys[] = { "extra_ports", "allow_private", "timeout",
		"max_concurrent", "max_per_client", NULL };
	yaml_node_t *v, *item;
	unsigned long u;

	if (yconf_check_keys(y, node, "observe", keys) != 0)
		return -1;
	if ((v = yconf_get(y, node, "extra_ports")) != NULL) {
		if (v->type != YAML_SEQUENCE_NODE)
			return yconf_error(y, v, "extra_ports: expected a list");
		YCONF_SEQ_FOREACH(y, v, item) {
			if (yconf_uint(y, item, "extra_ports", 1, 65535, &u) != 0)
				return -1;
			if (o->n_ports == MIRROR_MAX_PORTS)
				return yconf_error(y, item, "extra_ports: too many ports");
			if (!mirror_observe_port_allowed(o, (uint16_t)u))
				o->ports[o->n_ports++] = (uint16_t)u;
		}
	}
	if ((v = yconf_get(y, node, "allow_private")) != NULL &&
	    yconf_bool(y, v, "allow_private", &o->allow_private) != 0)
		return -1;
	if ((v = yconf_get(y, node, "timeout")) != NULL &&
	    yconf_duration_ms(y, v, "timeout", 100, 60000, &o->timeout_ms) != 0)
		return -1;
	if ((v = yconf_get(y, node, "max_per_client")) != NULL) {
		if (yconf_uint(y, v, "max_per_client", 1, 64, &u) != 0)
			return -1;
		o->max_per_client = u;
	}
	if ((v = yconf_get(y, node, "max_concurrent")) != NULL) {
		if (yconf_uint(y, v, "max_concurrent", 1, 1024, &u) != 0)
			return -1;
		o->max_concurrent = u;
	}
	return 0;
}

static int
mc_cache(struct yconf *y, const yaml_node_t *node, struct mirror_config *c)
{
	static const char *const keys[] = { "max_entries", "max_ttl", NULL };
	yaml_node_t *v;
	unsigned long u;
	uint64_t ms;

	if (yconf_check_keys(y, node, "cache", keys) != 0)
		return -1;
	if ((v = yconf_get(y, node, "max_entries")) != NULL) {
		if (yconf_uint(y, v, "max_entries", 16, 10000000, &u) != 0)
			return -1;
		c->cache_max_entries = u;
	}
	if ((v = yconf_get(y, node, "max_ttl")) != NULL) {
		if (yconf_duration_ms(y, v, "max_ttl", 1000, 7ull * 86400 * 1000, &ms) != 0)
			return -1;
		c->cache_max_ttl = (uint32_t)(ms / 1000);
	}
	return 0;
}

/* A percentage key (0..100). */
static int
mc_percent(struct yconf *y, const yaml_node_t *v, const char *key, unsigned *out)
{
	unsigned long u;

	if (yconf_uint(y, v, key, 0, 100, &u) != 0)
		return -1;
	*out = (unsigned)u;
	return 0;
}

static int
mc_count(struct yconf *y, const yaml_node_t *v, const char *key, unsigned long min,
    unsigned long max, size_t *out)
{
	unsigned long u;

	if (yconf_uint(y, v, key, min, max, &u) != 0)
		return -1;
	*out = u;
	return 0;
}

static int
mc_network_counts(struct yconf *y, const yaml_node_t *node, struct mirror_network *n)
{
	yaml_node_t *v;
	size_t z;

	if ((v = yconf_get(y, node, "fanout")) != NULL &&
	    mc_count(y, v, "fanout", 1, MIRROR_MAX_FANOUT, &n->fanout) != 0)
		return -1;
	if ((v = yconf_get(y, node, "audit_fanout")) != NULL &&
	    mc_count(y, v, "audit_fanout", 1, MIRROR_MAX_FANOUT, &n->audit_fanout) != 0)
		return -1;
	if ((v = yconf_get(y, node, "verify_rounds")) != NULL) {
		if (mc_count(y, v, "verify_rounds", 1, 1000, &z) != 0)
			return -1;
		n->verify_rounds = (unsigned)z;
	}
	if ((v = yconf_get(y, node, "verify_questions")) != NULL) {
		if (mc_count(y, v, "verify_questions", 1, 16, &z) != 0)
			return -1;
		n->verify_questions = (unsigned)z;
	}
	if ((v = yconf_get(y, node, "check_peers")) != NULL) {
		if (mc_count(y, v, "check_peers", 0, 64, &z) != 0)
			return -1;
		n->check_peers = (unsigned)z;
	}
	if ((v = yconf_get(y, node, "min_samples")) != NULL) {
		if (mc_count(y, v, "min_samples", 1, 32, &z) != 0)
			return -1;
		n->min_samples = (unsigned)z;
	}
	if ((v = yconf_get(y, node, "max_candidates")) != NULL &&
	    mc_count(y, v, "max_candidates", 1, 4096, &n->max_candidates) != 0)
		return -1;
	if ((v = yconf_get(y, node, "joins_per_minute")) != NULL) {
		if (mc_count(y, v, "joins_per_minute", 1, 6000, &z) != 0)
			return -1;
		n->joins_per_minute = (unsigned)z;
	}
	if ((v = yconf_get(y, node, "recent_questions")) != NULL &&
	    mc_count(y, v, "recent_questions", 8, 65536, &n->recent_questions) != 0)
		return -1;
	if ((v = yconf_get(y, node, "pass_agree")) != NULL &&
	    mc_percent(y, v, "pass_agree", &n->pass_agree) != 0)
		return -1;
	if ((v = yconf_get(y, node, "remove_dissent")) != NULL &&
	    mc_percent(y, v, "remove_dissent", &n->remove_dissent) != 0)
		return -1;
	return 0;
}

static int
mc_network(struct yconf *y, const yaml_node_t *node, struct mirror_network *n)
{
	static const char *const keys[] = { "announce", "fanout", "verify_interval",
		"verify_rounds", "verify_questions", "check_peers", "response_timeout",
		"max_response", "max_ping", "pass_agree", "remove_dissent", "min_samples",
		"audit_period", "audit_fanout", "retest_interval", "forget_after", "max_candidates",
		"joins_per_minute", "allow_private", "recent_questions", NULL };
	static const struct { const char *key; uint64_t min, max; size_t off; } durs[] = {
		{ "verify_interval", 50, 3600000, offsetof(struct mirror_network, verify_interval_ms) },
		{ "response_timeout", 50, 60000, offsetof(struct mirror_network, response_timeout_ms) },
		{ "max_response", 1, 60000, offsetof(struct mirror_network, max_response_ms) },
		{ "max_ping", 1, 60000, offsetof(struct mirror_network, max_ping_ms) },
		{ "audit_period", 50, 7ull * 86400 * 1000, offsetof(struct mirror_network, audit_period_ms) },
		{ "retest_interval", 50, 30ull * 86400 * 1000,
		    offsetof(struct mirror_network, retest_interval_ms) },
		{ "forget_after", 1000, 3650ull * 86400 * 1000,
		    offsetof(struct mirror_network, forget_after_ms) },
	};
	yaml_node_t *v;
	size_t i;

	if (yconf_check_keys(y, node, "network", keys) != 0)
		return -1;
	if ((v = yconf_get(y, node, "announce")) != NULL &&
	    yconf_bool(y, v, "announce", &n->announce) != 0)
		return -1;
	if ((v = yconf_get(y, node, "allow_private")) != NULL &&
	    yconf_bool(y, v, "allow_private", &n->allow_private) != 0)
		return -1;
	for (i = 0; i < NELEMS(durs); i++)
		if ((v = yconf_get(y, node, durs[i].key)) != NULL &&
		    yconf_duration_ms(y, v, durs[i].key, durs[i].min, durs[i].max,
		    (uint64_t *)((char *)n + durs[i].off)) != 0)
			return -1;
	if (mc_network_counts(y, node, n) != 0)
		return -1;
	/* An audit shorter than one round would vote on nothing. */
	if (n->audit_period_ms < n->verify_interval_ms)
		return yconf_error(y, node, "network: audit_period must be at least verify_interval");
	return 0;
}

static void
mc_defaults(struct mirror_config *c)
{
	c->limits.max_connections = 1024;
	c->limits.idle_timeout_ms = 30000;
	c->limits.max_body = 65536;
	c->limits.max_header = 8192;
	/*
	 * vantaged opens up to 8 lanes per mirror, and a NAT may hide a few stubs: 64 is
	 * generous for them, and 1,024 slots then take 16 addresses (or /64s) to fill.
	 */
	c->limits.max_per_address = 64;
	/* A handshake or a request takes milliseconds; seconds mean a slow sender. */
	c->limits.handshake_timeout_ms = 10000;
	c->limits.header_timeout_ms = 10000;
	c->limits.body_timeout_ms = 10000;
	memcpy(c->observe.ports, observe_default_ports, sizeof(observe_default_ports));
	c->observe.n_ports = NELEMS(observe_default_ports);
	c->observe.timeout_ms = 5000;
	c->observe.max_concurrent = 16;
	/*
	 * A stub checks the names its clients ask for, several CDN names at once on a busy
	 * network; one observation at a time per client serialised them past its budget. Four
	 * keep a notary from being a scanner's engine all the same.
	 */
	c->observe.max_per_client = 4;
	c->upstream_timeout_ms = 3000;
	c->cache_max_entries = 100000;
	c->cache_max_ttl = 86400;
	c->network.announce = 1;
	c->network.fanout = 3;
	c->network.verify_interval_ms = 10000;
	c->network.verify_rounds = 6;
	c->network.verify_questions = 3;
	c->network.check_peers = 1;
	c->network.response_timeout_ms = 3000;
	c->network.max_response_ms = 1000;
	c->network.max_ping_ms = 1000;
	c->network.pass_agree = 90;
	c->network.remove_dissent = 50;
	c->network.min_samples = 6;
	c->network.audit_period_ms = 120000;
	c->network.audit_fanout = 3;
	c->network.retest_interval_ms = 3600000;
	c->network.forget_after_ms = 30ull * 86400 * 1000;
	c->network.max_candidates = 64;
	c->network.joins_per_minute = 6;
	c->network.allow_private = 0;
	c->network.recent_questions = 256;
	c->shared.prefix = xstrdup("vantage-mirror:");
	/* vantaged's default: a replica never waits on Redis for longer than this. */
	c->shared.timeout_ms = 20;
}

/* Key prefixes are short printable words: they name keys in a Redis others may share. */
#define MIRROR_PREFIX_MAX 64

/* shared: the replicas' Redis (vantaged's keys, the mirror's default prefix). */
static int
mc_shared(struct yconf *y, const yaml_node_t *node, struct mirror_shared *sh)
{
	static const char *const keys[] = { "redis", "password", "username", "prefix",
		"timeout", NULL };
	char err[200];
	yaml_node_t *v;
	size_t i;

	if (yconf_check_keys(y, node, "shared", keys) != 0)
		return -1;
	if ((v = yconf_get(y, node, "redis")) != NULL) {
		if (yconf_str(y, v, "redis", &sh->redis) != 0)
			return -1;
		if (vredis_parse_url(sh->redis, &sh->addr, err, sizeof(err)) != 0)
			return yconf_error(y, v, "redis: %s", err);
	}
	if (((v = yconf_get(y, node, "password")) != NULL &&
	    yconf_str(y, v, "password", &sh->password) != 0) ||
	    ((v = yconf_get(y, node, "username")) != NULL &&
	    yconf_str(y, v, "username", &sh->username) != 0))
		return -1;
	if ((v = yconf_get(y, node, "prefix")) != NULL) {
		free(sh->prefix);
		sh->prefix = NULL;
		if (yconf_str(y, v, "prefix", &sh->prefix) != 0)
			return -1;
		for (i = 0; sh->prefix[i] != '\0'; i++)
			if (sh->prefix[i] <= ' ' || sh->prefix[i] > '~')
				break;
		if (i == 0 || i > MIRROR_PREFIX_MAX || sh->prefix[i] != '\0')
			return yconf_error(y, v, "prefix: 1 to %d printable characters without "
			    "spaces", MIRROR_PREFIX_MAX);
	}
	if ((v = yconf_get(y, node, "timeout")) != NULL &&
	    yconf_duration_ms(y, v, "timeout", 1, 10000, &sh->timeout_ms) != 0)
		return -1;
	return 0;
}

/* The top level, key by key; every section reports its own errors. */
static int
mc_root(struct yconf *y, const yaml_node_t *root, struct mirror_config *c)
{
	static const char *const keys[] = { "listen", "name", "address", "tls", "upstreams",
		"upstream_timeout", "region", "state_dir", "peers", "limits", "observe", "cache",
		"network", "shared", NULL };
	yaml_node_t *v;
	const char *s;

	if (root == NULL)
		return yconf_error(y, NULL, "empty configuration");
	if (yconf_check_keys(y, root, "the configuration", keys) != 0)
		return -1;
	if ((v = yconf_get(y, root, "listen")) == NULL)
		return yconf_error(y, root, "missing listen");
	if (mc_addrs(y, v, "listen", 443, c->listen, MIRROR_MAX_LISTEN, &c->n_listen) != 0)
		return -1;
	if ((v = yconf_get(y, root, "name")) != NULL && mc_word(y, v, "name", &c->name) != 0)
		return -1;
	if ((v = yconf_get(y, root, "address")) != NULL) {
		if ((s = yconf_scalar(y, v, "address")) == NULL)
			return -1;
		if (netaddr_parse(s, 443, &c->address) != 0 || netaddr_is_any(&c->address))
			return yconf_error(y, v, "address: '%s' is not a usable IP[:PORT]", s);
	}
	if ((v = yconf_get(y, root, "tls")) == NULL)
		return yconf_error(y, root, "missing tls");
	if (mc_tls(y, v, c) != 0)
		return -1;
	if ((v = yconf_get(y, root, "upstreams")) == NULL)
		return yconf_error(y, root, "missing upstreams");
	if (mc_addrs(y, v, "upstreams", 53, c->upstreams, MIRROR_MAX_UPSTREAMS, &c->n_upstreams))
		return -1;
	if ((v = yconf_get(y, root, "upstream_timeout")) != NULL &&
	    yconf_duration_ms(y, v, "upstream_timeout", 100, 60000, &c->upstream_timeout_ms) != 0)
		return -1;
	if ((v = yconf_get(y, root, "region")) == NULL)
		return yconf_error(y, root, "missing region");
	if (mc_word(y, v, "region", &c->region) != 0)
		return -1;
	if ((v = yconf_get(y, root, "state_dir")) == NULL)
		return yconf_error(y, root, "missing state_dir");
	if (yconf_str(y, v, "state_dir", &c->state_dir) != 0)
		return -1;
	if ((v = yconf_get(y, root, "peers")) != NULL && mc_peers(y, v, c) != 0)
		return -1;
	if ((v = yconf_get(y, root, "limits")) != NULL && mc_limits(y, v, &c->limits) != 0)
		return -1;
	if ((v = yconf_get(y, root, "observe")) != NULL && mc_observe(y, v, &c->observe) != 0)
		return -1;
	if ((v = yconf_get(y, root, "cache")) != NULL && mc_cache(y, v, c) != 0)
		return -1;
	if ((v = yconf_get(y, root, "network")) != NULL && mc_network(y, v, &c->network) != 0)
		return -1;
	if ((v = yconf_get(y, root, "shared")) != NULL && mc_shared(y, v, &c->shared) != 0)
		return -1;
	return 0;
}

int
mirror_config_load(const char *path, struct mirror_config **out, char *err, size_t errlen)
{
	struct yconf y;
	struct mirror_config *c;
	int rc;

	memset(&y, 0, sizeof(y));
	*out = NULL;
	if (yconf_load_file(&y, path) != 0) {
		snprintf(err, errlen, "%s", y.err);
		yconf_free(&y);
		return -1;
	}
	c = xcalloc(1, sizeof(*c));
	mc_defaults(c);
	rc = mc_root(&y, yconf_root(&y), c);
	if (rc == 0 && c->name == NULL)
		c->name = xstrdup("mirror");
	if (rc != 0) {
		snprintf(err, errlen, "%s", y.err);
		mirror_config_free(c);
	} else {
		*out = c;
	}
	yconf_free(&y);
	return rc;
}

void
mirror_config_free(struct mirror_config *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->n_peers; i++) {
		free(c->peers[i].name);
		free(c->peers[i].region);
		free(c->peers[i].ca_pem);
	}
	free(c->peers);
	free(c->name);
	free(c->tls_cert);
	free(c->tls_key);
	free(c->tls_ca);
	free(c->ca_pem);
	free(c->region);
	free(c->state_dir);
	free(c->shared.redis);
	free(c->shared.username);
	free(c->shared.password);
	free(c->shared.prefix);
	free(c);
}

int
mirror_observe_port_allowed(const struct mirror_observe *o, uint16_t port)
{
	size_t i;

	for (i = 0; i < o->n_ports; i++)
		if (o->ports[i] == port)
			return 1;
	return 0;
}

static void
mc_print_network(const struct mirror_network *n, FILE *f)
{
	fprintf(f, "network:\n  announce: %s\n  fanout: %zu\n  verify_interval: %llums\n"
	    "  verify_rounds: %u\n  verify_questions: %u\n  check_peers: %u\n"
	    "  response_timeout: %llums\n  max_response: %llums\n  max_ping: %llums\n"
	    "  pass_agree: %u\n  remove_dissent: %u\n  min_samples: %u\n",
	    n->announce ? "true" : "false", n->fanout,
	    (unsigned long long)n->verify_interval_ms, n->verify_rounds, n->verify_questions,
	    n->check_peers, (unsigned long long)n->response_timeout_ms,
	    (unsigned long long)n->max_response_ms, (unsigned long long)n->max_ping_ms,
	    n->pass_agree, n->remove_dissent, n->min_samples);
	fprintf(f, "  audit_period: %llums\n  audit_fanout: %zu\n  retest_interval: %llums\n"
	    "  forget_after: %llums\n  max_candidates: %zu\n  joins_per_minute: %u\n"
	    "  allow_private: %s\n  recent_questions: %zu\n",
	    (unsigned long long)n->audit_period_ms, n->audit_fanout,
	    (unsigned long long)n->retest_interval_ms, (unsigned long long)n->forget_after_ms,
	    n->max_candidates, n->joins_per_minute, n->allow_private ? "true" : "false",
	    n->recent_questions);
}

/* shared:, the password never printed (the URL's neither: vredis_describe omits it). */
static void
mc_print_shared(const struct mirror_shared *sh, FILE *f)
{
	char where[VREDIS_HOST_MAX + VREDIS_PATH_MAX + 32];

	if (sh->redis == NULL) {
		fprintf(f, "shared: { redis: off, prefix: \"%s\", timeout: %llums }\n", sh->prefix,
		    (unsigned long long)sh->timeout_ms);
		return;
	}
	vredis_describe(&sh->addr, where, sizeof(where));
	fprintf(f, "shared: { redis: \"%s\", username: \"%s\", password: %s, prefix: \"%s\", "
	    "timeout: %llums }\n", where, sh->username ? sh->username : sh->addr.user,
	    (sh->password && *sh->password) || sh->addr.password[0] ? "(set)" : "(none)",
	    sh->prefix, (unsigned long long)sh->timeout_ms);
}

void
mirror_config_print(const struct mirror_config *c, FILE *f)
{
	char a[NETADDR_STRLEN], hex[TLS_SHA256_HEX];
	size_t i;

	fprintf(f, "name: %s\nid: %s\nlisten: [", c->name, tls_hex(c->id, TLS_SHA256_LEN, hex));
	for (i = 0; i < c->n_listen; i++)
		fprintf(f, "%s\"%s\"", i ? ", " : "", netaddr_str(&c->listen[i], a, sizeof(a)));
	fprintf(f, "]\n");
	if (c->address.len)
		fprintf(f, "address: \"%s\"\n", netaddr_str(&c->address, a, sizeof(a)));
	fprintf(f, "tls: { cert: %s, key: %s, ca: %s }\nupstreams: [", c->tls_cert, c->tls_key,
	    c->tls_ca);
	for (i = 0; i < c->n_upstreams; i++)
		fprintf(f, "%s\"%s\"", i ? ", " : "", netaddr_str(&c->upstreams[i], a, sizeof(a)));
	fprintf(f, "]\nupstream_timeout: %llums\nregion: %s\nstate_dir: %s\npeers:%s\n",
	    (unsigned long long)c->upstream_timeout_ms, c->region, c->state_dir,
	    c->n_peers ? "" : " []");
	for (i = 0; i < c->n_peers; i++)
		fprintf(f, "  - { name: %s, address: \"%s\", region: %s, ca_sha256: \"%s\"%s }\n",
		    c->peers[i].name, netaddr_str(&c->peers[i].addr, a, sizeof(a)),
		    c->peers[i].region, tls_hex(c->peers[i].ca_sha256, TLS_SHA256_LEN, hex),
		    c->peers[i].ca_pem ? ", ca_pem: ..." : "");
	fprintf(f, "limits: { max_connections: %zu, idle_timeout: %llums, max_body: %zu, "
	    "max_header: %zu, max_per_address: %zu, handshake_timeout: %llums, "
	    "header_timeout: %llums, body_timeout: %llums }\n", c->limits.max_connections,
	    (unsigned long long)c->limits.idle_timeout_ms, c->limits.max_body, c->limits.max_header,
	    c->limits.max_per_address, (unsigned long long)c->limits.handshake_timeout_ms,
	    (unsigned long long)c->limits.header_timeout_ms,
	    (unsigned long long)c->limits.body_timeout_ms);
	fprintf(f, "observe: { ports: [");
	for (i = 0; i < c->observe.n_ports; i++)
		fprintf(f, "%s%u", i ? ", " : "", c->observe.ports[i]);
	fprintf(f, "], allow_private: %s, timeout: %llums, max_concurrent: %zu, "
	    "max_per_client: %zu }\n",
	    c->observe.allow_private ? "true" : "false", (unsigned long long)c->observe.timeout_ms,
	    c->observe.max_concurrent,
	    c->observe.max_per_client);
	fprintf(f, "cache: { max_entries: %zu, max_ttl: %us }\n", c->cache_max_entries,
	    c->cache_max_ttl);
	mc_print_network(&c->network, f);
	mc_print_shared(&c->shared, f);
}
