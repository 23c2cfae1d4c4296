/* resolver/config.c - vantaged's configuration: the YAML contract of DESIGN.md section 7. */
#include "autoconf.h"
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "acl.h"
#include "config_int.h"
#include "dnswire.h"
#include "log.h"
#include "plugin_conf.h"
#include "vutil.h"
#include "yconf.h"

static const char *const config_top_keys[] = { "listen", "upstreams", "upstreams_from",
	"upstream_timeout", "forward", "forward_from", "mirrors", "consensus", "cache", "tcp", "acl", "ratelimit",
	"control", "metrics", "dashboard", "log",
	"user", "sandbox", "workers", "plugins", "shared", NULL };
static const char *const config_acl_keys[] = { "from", "action", NULL };
static const char *const config_forward_keys[] = { "zone", "to", NULL };
static const char *const config_acl_actions[] = { "allow", "refuse", "drop", NULL };
static const char *const config_ratelimit_keys[] = { "qps", "burst", NULL };
static const char *const config_mirrors_keys[] = { "bootstrap", "list", "learn", "trust_store",
	"connect_at_start", NULL };
static const char *const config_mirror_keys[] = { "name", "address", "region", "ca_sha256",
	"verify", "hostname", "ca_pem", "method", NULL };
/* RFC 8484 section 4.1: a DoH client may use POST or GET; POST is the default. */
static const char *const config_doh_methods[] = { "post", "get", NULL };
static const char *const config_cache_keys[] = { "max_entries", "min_ttl", "max_ttl",
	"serve_stale", "stale_after", "prefetch",
	"negative_max_ttl", "state_file", NULL };
static const char *const config_tcp_keys[] = { "max_connections", "max_per_client",
	"idle_timeout", NULL };
static const char *const config_control_keys[] = { "socket", NULL };
static const char *const config_metrics_keys[] = { "listen", NULL };
static const char *const config_dashboard_keys[] = { "listen", "root", "token", "hostnames",
	NULL };
static const char *const config_log_keys[] = { "level", "dissent_log", NULL };

const char *const config_modes[] = { "enforce", "monitor", NULL };
const char *const config_matches[] = { "ladder", "exact", "overlap", "prefix", NULL };
const char *const config_dissents[] = { "refuse", "servfail", "flag", "consensus", NULL };
const char *const config_insufficients[] = { "flag", "refuse", NULL };
const char *const config_verifies[] = { "pin", "webpki", NULL };
const char *const config_levels[] = { "warn", "info", "debug", NULL };
const char *const config_probes[] = { "off", "on-dissent", "always", NULL };

static void
config_defaults(struct config *c)
{
	netaddr_parse("127.0.0.1:53", 53, &c->listen[0]);
	netaddr_parse("[::1]:53", 53, &c->listen[1]);
	c->n_listen = 2;
	c->upstreams_auto = 1;
	c->upstream_timeout_ms = 3000;
	c->consensus.mode = MODE_ENFORCE;
	c->consensus.mirrors_per_query = 3;
	c->consensus.quorum = 0;
	c->consensus.address_match = MATCH_LADDER;
	c->consensus.on_dissent = DISSENT_REFUSE;
	c->consensus.on_insufficient = INSUFFICIENT_FLAG;
	c->consensus.timeout_ms = 1500;
	/* CA fingerprints: probe only where the addresses alone dissent (the CDN case). */
	c->consensus.probe = PROBE_MODE_ON_DISSENT;
	c->consensus.probe_port = 443;
	c->consensus.probe_timeout_ms = 1000;
	c->consensus.ca_history_stable_ms = 30ull * 86400000;
	c->consensus.ca_history_flag_for_ms = 7ull * 86400000;
	{
		static const uint16_t types[] = { DNS_TYPE_A, DNS_TYPE_AAAA, DNS_TYPE_HTTPS,
			DNS_TYPE_TLSA, DNS_TYPE_MX, DNS_TYPE_CAA };
		static const char *const bypass[] = { "home.arpa", "local", "lan" };
		c->consensus.check_types = xcalloc(NELEMS(types), sizeof(uint16_t));
		memcpy(c->consensus.check_types, types, sizeof(types));
		c->consensus.n_check_types = NELEMS(types);
		c->consensus.bypass = xcalloc(NELEMS(bypass) + 1, sizeof(char *));
		for (size_t i = 0; i < NELEMS(bypass); i++)
			c->consensus.bypass[i] = xstrdup(bypass[i]);
		c->consensus.n_bypass = NELEMS(bypass);
	}
	c->cache.max_entries = 100000;
	c->cache.min_ttl = 0;
	c->cache.max_ttl = 86400;
	c->cache.negative_max_ttl = 3600;
	c->cache.serve_stale_ms = 86400000; /* RFC 8767 suggests one to three days */
	c->cache.stale_after_ms = 1800;	     /* ... and a client-response timer of 1.8 s */
	c->cache.prefetch = 1;
	c->tcp.max_connections = 256;
	c->tcp.max_per_client = 32;
	/* Loopback only until the operator says otherwise: an open resolver is an amplifier. */
	c->acl = xcalloc(2, sizeof(*c->acl));
	acl_parse_prefix("127.0.0.0/8", &c->acl[0].addr, &c->acl[0].len);
	acl_parse_prefix("::1", &c->acl[1].addr, &c->acl[1].len);
	c->acl[0].action = c->acl[1].action = ACL_ALLOW;
	c->n_acl = 2;
	c->tcp.idle_timeout_ms = 10000;
	c->log_level = LOG_L_INFO;
	c->sandbox = 1;
	c->mirrors_learn = 1;
	c->mirrors_trust_store = xstrdup(CONFIG_DEFAULT_TRUST_STORE);
	c->mirrors_connect_at_start = 1;
}

void
config_free(struct config *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->n_mirrors; i++)
		config_mirror_clear(&c->mirrors[i]);
	free(c->mirrors);
	free(c->acl);
	free(c->mirrors_bootstrap);
	free(c->mirrors_trust_store);
	free(c->consensus.check_types);
	yconf_strlist_free(c->consensus.bypass);
	free(c->consensus.bypass_wire);
	for (size_t i = 0; i < c->consensus.n_overrides; i++)
		free(c->consensus.overrides[i].zone);
	free(c->consensus.overrides);
	for (size_t i = 0; i < c->consensus.n_ca_issuers; i++) {
		free(c->consensus.ca_issuers[i].domain);
		free(c->consensus.ca_issuers[i].sha256);
	}
	free(c->consensus.ca_issuers);
	free(c->cache.state_file);
	yconf_strlist_free(c->upstreams_from);
	yconf_strlist_free(c->forward_from);
	for (size_t i = 0; i < c->n_forwards; i++)
		free(c->forwards[i].zone);
	free(c->forwards);
	free(c->control_socket);
	free(c->dissent_log);
	free(c->dashboard.root);
	free(c->dashboard.token);
	yconf_strlist_free(c->dashboard.hostnames);
	free(c->user);
	free(c->path);
	plugin_conf_free(c->plugins);
	config_shared_free(c);
	free(c);
}

/* An optional path or name: ~ (null) means unset, as config_print writes it. */
int
config_opt_str(struct yconf *y, const yaml_node_t *v, const char *key, char **out)
{
	if (yconf_is_null(v)) {
		free(*out);
		*out = NULL;
		return 0;
	}
	return yconf_str(y, v, key, out);
}

int
config_addr(struct yconf *y, const yaml_node_t *n, const char *key, uint16_t port,
    struct netaddr *out)
{
	const char *v = yconf_scalar(y, n, key);

	if (v == NULL)
		return -1;
	if (netaddr_parse(v, port, out) != 0)
		return yconf_error(y, n, "%s: '%s' is not an address (like 127.0.0.1:53 or [::1]:53)",
		    key, v);
	return 0;
}

int
config_addr_list(struct yconf *y, const yaml_node_t *n, const char *key, uint16_t port,
    struct netaddr *out, size_t max, size_t *count)
{
	yaml_node_t *item;

	*count = 0;
	if (n->type == YAML_SCALAR_NODE)
		return config_addr(y, n, key, port, &out[(*count)++]);
	if (n->type != YAML_SEQUENCE_NODE)
		return yconf_error(y, n, "%s: expected a list of addresses", key);
	YCONF_SEQ_FOREACH(y, n, item)
	{
		if (*count == max)
			return yconf_error(y, item, "%s: more than %zu addresses", key, max);
		if (config_addr(y, item, key, port, &out[*count]) != 0)
			return -1;
		for (size_t i = 0; i < *count; i++)
			if (netaddr_equal(&out[i], &out[*count]))
				return yconf_error(y, item, "%s: address listed twice", key);
		(*count)++;
	}
	if (*count == 0)
		return yconf_error(y, n, "%s: the list is empty", key);
	return 0;
}

/* Two optional strings are equal (both absent, or the same text). */
static int
config_str_same(const char *a, const char *b)
{
	return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static int
config_mirror_same(const struct config_mirror *a, const struct config_mirror *b)
{
	return config_str_same(a->name, b->name) && netaddr_equal(&a->addr, &b->addr) &&
	    config_str_same(a->region, b->region) && a->has_pin == b->has_pin &&
	    memcmp(a->ca_sha256, b->ca_sha256, sizeof(a->ca_sha256)) == 0 &&
	    a->verify == b->verify && config_str_same(a->hostname, b->hostname) &&
	    config_str_same(a->ca_pem, b->ca_pem);
}

int
config_mirrors_same(const struct config *a, const struct config *b)
{
	if (a->n_mirrors != b->n_mirrors || a->mirrors_learn != b->mirrors_learn ||
	    !config_str_same(a->mirrors_bootstrap, b->mirrors_bootstrap) ||
	    !config_str_same(a->mirrors_trust_store, b->mirrors_trust_store) ||
	    !config_str_same(a->cache.state_file, b->cache.state_file))
		return 0;
	for (size_t i = 0; i < a->n_mirrors; i++)
		if (!config_mirror_same(&a->mirrors[i], &b->mirrors[i]))
			return 0;
	return 1;
}
/* dashboard: the web pages' listener (dashboard.c); off unless listen is set. */
static int
config_dashboard(struct yconf *y, const yaml_node_t *v, struct config *c)
{
	const yaml_node_t *w;

	if (yconf_check_keys(y, v, "dashboard", config_dashboard_keys) != 0)
		return -1;
	if ((w = yconf_get(y, v, "listen")) && !yconf_is_null(w)) {
		if (config_addr(y, w, "listen", CONFIG_DASHBOARD_PORT, &c->dashboard.listen) != 0)
			return -1;
		c->dashboard.on = 1;
	}
	if ((w = yconf_get(y, v, "root")) && config_opt_str(y, w, "root", &c->dashboard.root) != 0)
		return -1;
	if (c->dashboard.root == NULL)
		c->dashboard.root = xstrdup(DASHBOARD_ROOT);
	if ((w = yconf_get(y, v, "token")) && config_opt_str(y, w, "token", &c->dashboard.token) != 0)
		return -1;
	/* A guessable token is no token: it guards what changes the daemon's state. */
	if (c->dashboard.token && strlen(c->dashboard.token) < 16)
		return yconf_error(y, w, "dashboard.token must be at least 16 characters");
	if ((w = yconf_get(y, v, "hostnames")) && !yconf_is_null(w) &&
	    yconf_strlist(y, w, "hostnames", &c->dashboard.hostnames,
		&c->dashboard.n_hostnames) != 0)
		return -1;
	return 0;
}


int
config_hex32(const char *s, uint8_t out[32])
{
	size_t j = 0;

	/* Accept the forms people paste: plain hex, or colon-separated as openssl prints. */
	for (size_t i = 0; s[i]; i++) {
		int hi, lo;
		if (s[i] == ':')
			continue;
		if (j == 32 || !isxdigit((unsigned char)s[i]) || !isxdigit((unsigned char)s[i + 1]))
			return -1;
		hi = isdigit((unsigned char)s[i]) ? s[i] - '0' : tolower((unsigned char)s[i]) - 'a' + 10;
		lo = isdigit((unsigned char)s[i + 1]) ? s[i + 1] - '0'
						       : tolower((unsigned char)s[i + 1]) - 'a' + 10;
		out[j++] = (uint8_t)(hi << 4 | lo);
		i++;
	}
	return j == 32 ? 0 : -1;
}

void
config_mirror_clear(struct config_mirror *m)
{
	free(m->name);
	free(m->region);
	free(m->hostname);
	free(m->ca_pem);
	memset(m, 0, sizeof(*m));
}

int
config_mirror_parse(struct yconf *y, const yaml_node_t *n, struct config_mirror *m)
{
	yaml_node_t *v;
	int idx;

	memset(m, 0, sizeof(*m));
	if (yconf_check_keys(y, n, "mirror entry", config_mirror_keys) != 0)
		return -1;
	m->line = yconf_line(n);
	m->verify = VERIFY_PIN;
	if ((v = yconf_get(y, n, "name")) && yconf_str(y, v, "name", &m->name) != 0)
		return -1;
	if ((v = yconf_get(y, n, "address")) == NULL)
		return yconf_error(y, n, "mirror entry: 'address' is required");
	if (config_addr(y, v, "address", 443, &m->addr) != 0)
		return -1;
	if ((v = yconf_get(y, n, "region")) == NULL)
		return yconf_error(y, n, "mirror entry: 'region' is required");
	if (yconf_str(y, v, "region", &m->region) != 0)
		return -1;
	if ((v = yconf_get(y, n, "verify"))) {
		if (yconf_enum(y, v, "verify", config_verifies, &idx) != 0)
			return -1;
		m->verify = (enum mirror_verify)idx;
	}
	if ((v = yconf_get(y, n, "hostname")) && config_opt_str(y, v, "hostname", &m->hostname) != 0)
		return -1;
	if ((v = yconf_get(y, n, "ca_pem")) && config_opt_str(y, v, "ca_pem", &m->ca_pem) != 0)
		return -1;
	if ((v = yconf_get(y, n, "method"))) {
		if (yconf_enum(y, v, "method", config_doh_methods, &idx) != 0)
			return -1;
		m->doh_get = idx == 1;
	}
	if ((v = yconf_get(y, n, "ca_sha256"))) {
		const char *s = yconf_scalar(y, v, "ca_sha256");
		if (s == NULL)
			return -1;
		if (config_hex32(s, m->ca_sha256) != 0)
			return yconf_error(y, v, "ca_sha256: expected 64 hex digits (SHA-256)");
		m->has_pin = 1;
	}
	if (m->verify == VERIFY_PIN && !m->has_pin)
		return yconf_error(y, n, "mirror entry: 'ca_sha256' is required (or verify: webpki)");
	/* A webpki entry without hostname is checked for its address (an IP SAN). */
	if (m->verify == VERIFY_WEBPKI && m->hostname != NULL && m->hostname[0] == '\0')
		return yconf_error(y, n, "mirror entry: empty 'hostname'");
	if (m->name == NULL)
		m->name = xstrdup(m->hostname ? m->hostname : m->region);
	return 0;
}

static int
config_mirrors(struct yconf *y, const yaml_node_t *n, struct config *c)
{
	yaml_node_t *v, *item;

	if (yconf_check_keys(y, n, "mirrors", config_mirrors_keys) != 0)
		return -1;
	if ((v = yconf_get(y, n, "bootstrap")) &&
	    config_opt_str(y, v, "bootstrap", &c->mirrors_bootstrap) != 0)
		return -1;
	if ((v = yconf_get(y, n, "learn")) && yconf_bool(y, v, "learn", &c->mirrors_learn) != 0)
		return -1;
	if ((v = yconf_get(y, n, "connect_at_start")) &&
	    yconf_bool(y, v, "connect_at_start", &c->mirrors_connect_at_start) != 0)
		return -1;
	if ((v = yconf_get(y, n, "trust_store"))) {
		free(c->mirrors_trust_store);
		c->mirrors_trust_store = NULL;
		if (yconf_str(y, v, "trust_store", &c->mirrors_trust_store) != 0)
			return -1;
	}
	if ((v = yconf_get(y, n, "list")) == NULL || yconf_is_null(v))
		return 0;
	if (v->type != YAML_SEQUENCE_NODE)
		return yconf_error(y, v, "list: expected a list of mirror entries");
	c->n_mirrors = 0;
	c->mirrors = xcalloc((size_t)(v->data.sequence.items.top - v->data.sequence.items.start),
	    sizeof(*c->mirrors));
	YCONF_SEQ_FOREACH(y, v, item)
	{
		struct config_mirror *m = &c->mirrors[c->n_mirrors++];
		if (config_mirror_parse(y, item, m) != 0)
			return -1;
		for (size_t i = 0; i + 1 < c->n_mirrors; i++)
			if (netaddr_equal(&c->mirrors[i].addr, &m->addr))
				return yconf_error(y, item, "mirror %s: same address as line %lu",
				    m->name, c->mirrors[i].line);
	}
	return 0;
}

static int
config_cache(struct yconf *y, const yaml_node_t *n, struct config *c)
{
	yaml_node_t *v;

	if (yconf_check_keys(y, n, "cache", config_cache_keys) != 0)
		return -1;
	if ((v = yconf_get(y, n, "max_entries")) &&
	    yconf_uint(y, v, "max_entries", 0, 100000000, &c->cache.max_entries) != 0)
		return -1;
	if ((v = yconf_get(y, n, "min_ttl")) &&
	    yconf_uint(y, v, "min_ttl", 0, 86400, &c->cache.min_ttl) != 0)
		return -1;
	if ((v = yconf_get(y, n, "max_ttl")) &&
	    yconf_uint(y, v, "max_ttl", 1, 604800, &c->cache.max_ttl) != 0)
		return -1;
	if ((v = yconf_get(y, n, "negative_max_ttl")) &&
	    yconf_uint(y, v, "negative_max_ttl", 0, 86400, &c->cache.negative_max_ttl) != 0)
		return -1;
	if ((v = yconf_get(y, n, "serve_stale")) &&
	    yconf_duration_ms(y, v, "serve_stale", 0, 7 * 86400000ull, &c->cache.serve_stale_ms) != 0)
		return -1;
	if ((v = yconf_get(y, n, "stale_after")) &&
	    yconf_duration_ms(y, v, "stale_after", 0, 60000, &c->cache.stale_after_ms) != 0)
		return -1;
	if ((v = yconf_get(y, n, "prefetch")) &&
	    yconf_bool(y, v, "prefetch", &c->cache.prefetch) != 0)
		return -1;
	if ((v = yconf_get(y, n, "state_file")) &&
	    config_opt_str(y, v, "state_file", &c->cache.state_file) != 0)
		return -1;
	if (c->cache.min_ttl > c->cache.max_ttl)
		return yconf_error(y, n, "cache: min_ttl %lu is above max_ttl %lu",
		    c->cache.min_ttl, c->cache.max_ttl);
	return 0;
}

/* One forward: entry, { zone: NAME, to: [ADDR...] }, into f. */
static int
config_forward_entry(struct yconf *y, yaml_node_t *item, struct config_forward *f)
{
	yaml_node_t *v;

	if (yconf_check_keys(y, item, "forward entry", config_forward_keys) != 0)
		return -1;
	if ((v = yconf_get(y, item, "zone")) == NULL)
		return yconf_error(y, item, "forward entry: 'zone' is required");
	if (yconf_str(y, v, "zone", &f->zone) != 0)
		return -1;
	if ((f->len = dnswire_name_from_str(f->zone, f->wire, sizeof(f->wire))) == 0)
		return yconf_error(y, v, "zone: '%s' is not a domain name", f->zone);
	/* The root would send every name there: that is what upstreams are for. */
	if (f->len == 1)
		return yconf_error(y, v, "zone: the root is not a forward zone; set upstreams");
	if ((v = yconf_get(y, item, "to")) == NULL)
		return yconf_error(y, item, "forward entry: 'to' is required");
	return config_addr_list(y, v, "to", 53, f->to, CONFIG_MAX_FORWARD_TO, &f->n_to);
}

/* forward: split DNS, the zones a VPN or the LAN resolves and nobody else can. */
static int
config_forward(struct yconf *y, const yaml_node_t *n, struct config *c)
{
	yaml_node_t *item;
	size_t count;

	if (n->type != YAML_SEQUENCE_NODE)
		return yconf_error(y, n, "forward: expected a list of { zone: NAME, to: [ADDRESS...] }");
	count = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	if (count > CONFIG_MAX_FORWARDS)
		return yconf_error(y, n, "forward: at most %d zones", CONFIG_MAX_FORWARDS);
	c->forwards = xcalloc(CONFIG_MAX_FORWARDS, sizeof(*c->forwards)); /* + learned */
	YCONF_SEQ_FOREACH(y, n, item)
	{
		struct config_forward *f = &c->forwards[c->n_forwards++];
		if (config_forward_entry(y, item, f) != 0)
			return -1;
		for (size_t i = 0; i + 1 < c->n_forwards; i++)
			if (c->forwards[i].len == f->len && memcmp(c->forwards[i].wire, f->wire, f->len) == 0)
				return yconf_error(y, item, "forward: %s is listed twice", f->zone);
	}
	return 0;
}

int
config_forwarded(const struct config *c, const uint8_t *qname, size_t qname_len)
{
	for (size_t i = 0; i < c->n_forwards; i++)
		if (dnswire_name_is_sub(qname, qname_len, c->forwards[i].wire, c->forwards[i].len))
			return 1;
	return 0;
}

static int
config_acl(struct yconf *y, const yaml_node_t *n, struct config *c)
{
	yaml_node_t *item, *v;
	size_t count;

	if (n->type != YAML_SEQUENCE_NODE)
		return yconf_error(y, n, "acl: expected a list of { from: PREFIX, action: ACTION }");
	count = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	free(c->acl);
	c->acl = xcalloc(count, sizeof(*c->acl));
	c->n_acl = 0;
	YCONF_SEQ_FOREACH(y, n, item)
	{
		struct acl_rule *r = &c->acl[c->n_acl];
		const char *s;
		int idx;

		if (yconf_check_keys(y, item, "acl entry", config_acl_keys) != 0)
			return -1;
		if ((v = yconf_get(y, item, "from")) == NULL)
			return yconf_error(y, item, "acl entry: 'from' is required");
		if ((s = yconf_scalar(y, v, "from")) == NULL)
			return -1;
		if (acl_parse_prefix(s, &r->addr, &r->len) != 0)
			return yconf_error(y, v,
			    "from: '%s' is not a prefix (like 192.168.0.0/16 or 2001:db8::/32, "
			    "host bits zero)", s);
		if ((v = yconf_get(y, item, "action")) == NULL)
			return yconf_error(y, item, "acl entry: 'action' is required");
		if (yconf_enum(y, v, "action", config_acl_actions, &idx) != 0)
			return -1;
		r->action = (enum acl_action)idx;
		for (size_t i = 0; i < c->n_acl; i++)
			if (c->acl[i].len == r->len && netaddr_equal_ip(&c->acl[i].addr, &r->addr))
				return yconf_error(y, item, "acl: %s is listed twice", s);
		c->n_acl++;
	}
	return 0;
}

static int
config_tcp(struct yconf *y, const yaml_node_t *v, struct config *c)
{
	yaml_node_t *w;

	if (yconf_check_keys(y, v, "tcp", config_tcp_keys) != 0)
		return -1;
	if ((w = yconf_get(y, v, "max_connections")) &&
	    yconf_uint(y, w, "max_connections", 1, 100000, &c->tcp.max_connections) != 0)
		return -1;
	if ((w = yconf_get(y, v, "max_per_client")) &&
	    yconf_uint(y, w, "max_per_client", 1, 100000, &c->tcp.max_per_client) != 0)
		return -1;
	if ((w = yconf_get(y, v, "idle_timeout")) &&
	    yconf_duration_ms(y, w, "idle_timeout", 100, 3600000, &c->tcp.idle_timeout_ms) != 0)
		return -1;
	return 0;
}

static int
config_ratelimit(struct yconf *y, const yaml_node_t *v, struct config *c)
{
	yaml_node_t *w;
	unsigned long n;

	if (yconf_check_keys(y, v, "ratelimit", config_ratelimit_keys) != 0)
		return -1;
	if ((w = yconf_get(y, v, "qps"))) {
		if (yconf_uint(y, w, "qps", 0, 1000000, &n) != 0)
			return -1;
		c->ratelimit_qps = (uint32_t)n;
	}
	if ((w = yconf_get(y, v, "burst"))) {
		if (yconf_uint(y, w, "burst", 0, 10000000, &n) != 0)
			return -1;
		c->ratelimit_burst = (uint32_t)n;
	}
	return 0;
}

/* control: and metrics: (metrics is on when it has a listen address). */
static int
config_operation(struct yconf *y, const yaml_node_t *root, struct config *c)
{
	yaml_node_t *v, *w;

	if ((v = yconf_get(y, root, "control"))) {
		if (yconf_check_keys(y, v, "control", config_control_keys) != 0)
			return -1;
		if ((w = yconf_get(y, v, "socket")) &&
		    config_opt_str(y, w, "socket", &c->control_socket) != 0)
			return -1;
	}
	if ((v = yconf_get(y, root, "metrics")) && !yconf_is_null(v)) {
		if (yconf_check_keys(y, v, "metrics", config_metrics_keys) != 0)
			return -1;
		if ((w = yconf_get(y, v, "listen"))) {
			if (config_addr(y, w, "listen", 9153, &c->metrics_listen) != 0)
				return -1;
			c->has_metrics = 1;
		}
	}
	return 0;
}

static int
config_log(struct yconf *y, const yaml_node_t *v, struct config *c)
{
	yaml_node_t *w;
	int idx;

	if (yconf_check_keys(y, v, "log", config_log_keys) != 0)
		return -1;
	if ((w = yconf_get(y, v, "level"))) {
		if (yconf_enum(y, w, "level", config_levels, &idx) != 0)
			return -1;
		c->log_level = idx;
	}
	if ((w = yconf_get(y, v, "dissent_log")) &&
	    config_opt_str(y, w, "dissent_log", &c->dissent_log) != 0)
		return -1;
	return 0;
}

/* workers: N (1..CONFIG_MAX_WORKERS) or auto (0 here: decided at start, config_workers_auto). */
static int
config_workers(struct yconf *y, const yaml_node_t *v, struct config *c)
{
	const char *s = yconf_scalar(y, v, "workers");
	unsigned long n;

	if (s == NULL)
		return -1;
	if (strcmp(s, "auto") == 0) {
		c->workers = 0;
		return 0;
	}
	if (s[0] < '0' || s[0] > '9')
		return yconf_error(y, v, "workers: '%s': a number of event loops (1..%d) or auto", s,
		    CONFIG_MAX_WORKERS);
	if (yconf_uint(y, v, "workers", 1, CONFIG_MAX_WORKERS, &n) != 0)
		return -1;
	c->workers = (int)n;
	return 0;
}

/* The sections after cache:, in the order their errors have always been reported in. */
static int
config_sections(struct yconf *y, const yaml_node_t *root, struct config *c)
{
	yaml_node_t *v;

	if ((v = yconf_get(y, root, "tcp")) && config_tcp(y, v, c) != 0)
		return -1;
	if ((v = yconf_get(y, root, "acl")) && config_acl(y, v, c) != 0)
		return -1;
	if ((v = yconf_get(y, root, "ratelimit")) && config_ratelimit(y, v, c) != 0)
		return -1;
	if (config_operation(y, root, c) != 0)
		return -1;
	if ((v = yconf_get(y, root, "dashboard")) && !yconf_is_null(v) &&
	    config_dashboard(y, v, c) != 0)
		return -1;
	if ((v = yconf_get(y, root, "log")) && config_log(y, v, c) != 0)
		return -1;
	if ((v = yconf_get(y, root, "sandbox")) && yconf_bool(y, v, "sandbox", &c->sandbox) != 0)
		return -1;
	if ((v = yconf_get(y, root, "workers")) && config_workers(y, v, c) != 0)
		return -1;
	if ((v = yconf_get(y, root, "user"))) {
		if (yconf_is_null(v))
			c->user = xstrdup("");
		else if (yconf_str(y, v, "user", &c->user) != 0)
			return -1;
	}
	return 0;
}

/* listen, upstreams, upstreams_from, upstream_timeout and forward: where questions go. */
static int
config_paths(struct yconf *y, const yaml_node_t *root, struct config *c)
{
	yaml_node_t *v;

	if ((v = yconf_get(y, root, "listen")) &&
	    config_addr_list(y, v, "listen", 53, c->listen, CONFIG_MAX_LISTEN, &c->n_listen) != 0)
		return -1;
	if ((v = yconf_get(y, root, "upstreams")) && config_upstreams_parse(y, v, c) != 0)
		return -1;
	if ((v = yconf_get(y, root, "upstreams_from")) && !yconf_is_null(v) &&
	    (yconf_strlist(y, v, "upstreams_from", &c->upstreams_from, &c->n_upstreams_from) != 0 ||
		(c->n_upstreams_from > CONFIG_MAX_UPSTREAMS_FROM &&
		    yconf_error(y, v, "upstreams_from: at most %d files",
			CONFIG_MAX_UPSTREAMS_FROM) != 0)))
		return -1;
	if ((v = yconf_get(y, root, "upstream_timeout")) &&
	    yconf_duration_ms(y, v, "upstream_timeout", 100, 60000, &c->upstream_timeout_ms) != 0)
		return -1;
	if ((v = yconf_get(y, root, "forward")) && !yconf_is_null(v) &&
	    config_forward(y, v, c) != 0)
		return -1;
	c->n_forwards_conf = c->n_forwards;
	return config_forward_from_parse(y, yconf_get(y, root, "forward_from"), c);
}

/* Every section of the file at root into c. */
static int
config_top(struct yconf *y, const yaml_node_t *root, struct config *c)
{
	yaml_node_t *v;

	if (yconf_check_keys(y, root, "the top level", config_top_keys) != 0)
		return -1;
	if (config_paths(y, root, c) != 0)
		return -1;
	if ((v = yconf_get(y, root, "mirrors")) && !yconf_is_null(v) &&
	    config_mirrors(y, v, c) != 0)
		return -1;
	if ((v = yconf_get(y, root, "consensus")) && config_consensus_parse(y, v, c) != 0)
		return -1;
	if ((v = yconf_get(y, root, "cache")) && config_cache(y, v, c) != 0)
		return -1;
	if (config_sections(y, root, c) != 0)
		return -1;
	if ((v = yconf_get(y, root, "shared")) && config_shared_parse(y, v, c) != 0)
		return -1;
	return plugin_conf_parse(y, yconf_get(y, root, "plugins"), &c->plugins);
}

/* Upstreams and forward resolvers that are our own listeners would loop. */
static int
config_check_loops(struct yconf *y, const yaml_node_t *root, const struct config *c)
{
	char a[NETADDR_STRLEN];

	for (size_t i = 0; i < c->n_upstreams; i++)
		for (size_t j = 0; j < c->n_listen; j++)
			if (netaddr_equal(&c->upstreams[i], &c->listen[j]))
				return yconf_error(y, yconf_get(y, root, "upstreams"),
				    "upstreams: %s is one of our own listen addresses (a loop)",
				    netaddr_str(&c->upstreams[i], a, sizeof(a)));
	for (size_t i = 0; i < c->n_forwards; i++)
		for (size_t k = 0; k < c->forwards[i].n_to; k++)
			for (size_t j = 0; j < c->n_listen; j++)
				if (netaddr_equal(&c->forwards[i].to[k], &c->listen[j]))
					return yconf_error(y, yconf_get(y, root, "forward"),
					    "forward: %s (%s) is one of our own listen addresses (a loop)",
					    netaddr_str(&c->forwards[i].to[k], a, sizeof(a)),
					    c->forwards[i].zone);
	return 0;
}

/* What follows from the whole file: the user's default, the bypass zones' wire forms. */
static void
config_finish(struct config *c)
{
	if (c->user == NULL)
		c->user = xstrdup("vantage");
	/* Wire forms once here: check_applies matches every question against them. */
	c->consensus.bypass_wire = xcalloc(c->consensus.n_bypass, sizeof(*c->consensus.bypass_wire));
	for (size_t i = 0; i < c->consensus.n_bypass; i++)
		c->consensus.bypass_wire[i].len = dnswire_name_from_str(c->consensus.bypass[i],
		    c->consensus.bypass_wire[i].wire, sizeof(c->consensus.bypass_wire[i].wire));
}

struct config *
config_load(const char *path, const char *resolv_conf, char *err, size_t errlen)
{
	struct yconf y;
	struct config *c = xcalloc(1, sizeof(*c));
	yaml_node_t *root, *ups;
	int rc = -1;

	config_defaults(c);
	c->path = xstrdup(path);
	if (yconf_load_file(&y, path) != 0)
		goto out;
	if ((root = yconf_root(&y)) == NULL) {
		yconf_error(&y, NULL, "the file is empty");
		goto out;
	}
	if (config_top(&y, root, c) != 0)
		goto out;
	ups = yconf_get(&y, root, "upstreams");
	if (config_upstreams_auto(&y, ups ? ups : root, c, resolv_conf) != 0 ||
	    config_check_loops(&y, root, c) != 0)
		goto out;
	config_finish(c);
	rc = 0;
out:
	if (rc != 0 || y.err[0]) {
		snprintf(err, errlen, "%s", y.err[0] ? y.err : "invalid configuration");
		yconf_free(&y);
		config_free(c);
		return NULL;
	}
	yconf_free(&y);
	return c;
}
