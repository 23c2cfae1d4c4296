/* resolver/config_print.c - the normalised configuration as YAML (`vantaged -nv`): every key,
 * defaults filled in, in the order of the file's sections. */
#include "autoconf.h"

#include <stdio.h>

#include "acl.h"
#include "config.h"
#include "config_int.h"
#include "dnswire.h"
#include "plugin_conf.h"

static void
config_print_addrs(FILE *out, const char *key, const struct netaddr *a, size_t n)
{
	char s[NETADDR_STRLEN];

	fprintf(out, "%s: [", key);
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%s\"%s\"", i ? ", " : "", netaddr_str(&a[i], s, sizeof(s)));
	fprintf(out, "]\n");
}

static void
config_print_hex(FILE *out, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%02x", b[i]);
}

/* A long duration in whole days when it is one ("30d" reads better than 2592000000ms). */
static void
config_print_days(FILE *out, const char *key, uint64_t ms)
{
	if (ms && ms % 86400000 == 0)
		fprintf(out, "    %s: %llud\n", key, (unsigned long long)(ms / 86400000));
	else
		fprintf(out, "    %s: %llums\n", key, (unsigned long long)ms);
}

/* The CA fingerprint keys of consensus. */
static void
config_print_ca(const struct config *c, FILE *out)
{
	fprintf(out, "  probe: %s\n  probe_port: %lu\n  probe_timeout: %llums\n",
	    config_probes[c->consensus.probe], c->consensus.probe_port,
	    (unsigned long long)c->consensus.probe_timeout_ms);
	fprintf(out, "  ca_issuers:%s\n", c->consensus.n_ca_issuers ? "" : " []");
	for (size_t i = 0; i < c->consensus.n_ca_issuers; i++) {
		const struct config_ca_issuer *is = &c->consensus.ca_issuers[i];
		fprintf(out, "    - { domain: \"%s\", sha256: [", is->domain);
		for (size_t j = 0; j < is->n; j++) {
			fprintf(out, "%s\"", j ? ", " : "");
			config_print_hex(out, is->sha256[j], 32);
			fprintf(out, "\"");
		}
		fprintf(out, "] }\n");
	}
	fprintf(out, "  ca_history:\n");
	config_print_days(out, "stable", c->consensus.ca_history_stable_ms);
	config_print_days(out, "flag_for", c->consensus.ca_history_flag_for_ms);
}

/* The dashboard's settings; the token itself is never printed (-nv output lands in logs). */
static void
config_print_dashboard(const struct config *c, FILE *out)
{
	char s[NETADDR_STRLEN];

	if (!c->dashboard.on) {
		fprintf(out, "dashboard: ~\n");
		return;
	}
	fprintf(out, "dashboard:\n  listen: \"%s\"\n  root: %s\n  token: %s\n  hostnames: [",
	    netaddr_str(&c->dashboard.listen, s, sizeof(s)), c->dashboard.root,
	    c->dashboard.token ? "(set)" : "~");
	for (size_t i = 0; i < c->dashboard.n_hostnames; i++)
		fprintf(out, "%s\"%s\"", i ? ", " : "", c->dashboard.hostnames[i]);
	fprintf(out, "]\n");
}

/* listen, upstreams (and where auto found them), upstream_timeout, forward. */
static void
config_print_upstreams(const struct config *c, FILE *out)
{
	config_print_addrs(out, "listen", c->listen, c->n_listen);
	if (c->upstreams_auto) {
		fprintf(out, "# upstreams: auto, from %s\nupstreams_from: [",
		    c->upstreams_from[c->upstreams_source]);
		for (size_t i = 0; i < c->n_upstreams_from; i++)
			fprintf(out, "%s%s", i ? ", " : "", c->upstreams_from[i]);
		fprintf(out, "]\n");
	}
	config_print_addrs(out, "upstreams", c->upstreams, c->n_upstreams);
	fprintf(out, "upstream_timeout: %llums\n", (unsigned long long)c->upstream_timeout_ms);
	if (c->n_forward_from) {
		fprintf(out, "forward_from: [");
		for (size_t i = 0; i < c->n_forward_from; i++)
			fprintf(out, "%s%s", i ? ", " : "", c->forward_from[i]);
		fprintf(out, "]\n");
	}
	if (c->n_forwards_conf)
		fprintf(out, "forward:\n");
	for (size_t i = 0; i < c->n_forwards_conf; i++) {
		fprintf(out, "  - zone: %s\n    ", c->forwards[i].zone);
		config_print_addrs(out, "to", c->forwards[i].to, c->forwards[i].n_to);
	}
}

static void
config_print_mirrors(const struct config *c, FILE *out)
{
	char s[NETADDR_STRLEN];

	fprintf(out, "mirrors:\n  bootstrap: %s\n  learn: %s\n  trust_store: %s\n"
	    "  connect_at_start: %s\n  list:%s\n",
	    c->mirrors_bootstrap ? c->mirrors_bootstrap : "~", c->mirrors_learn ? "true" : "false",
	    c->mirrors_trust_store, c->mirrors_connect_at_start ? "true" : "false",
	    c->n_mirrors ? "" : " []");
	for (size_t i = 0; i < c->n_mirrors; i++) {
		const struct config_mirror *m = &c->mirrors[i];
		fprintf(out, "    - { name: \"%s\", address: \"%s\", region: \"%s\", verify: %s", m->name,
		    netaddr_str(&m->addr, s, sizeof(s)), m->region, config_verifies[m->verify]);
		if (m->has_pin) {
			fprintf(out, ", ca_sha256: \"");
			config_print_hex(out, m->ca_sha256, 32);
			fprintf(out, "\"");
		}
		if (m->hostname)
			fprintf(out, ", hostname: \"%s\"", m->hostname);
		if (m->doh_get)
			fprintf(out, ", method: get");
		fprintf(out, " }\n");
	}
}

/* One consensus.overrides entry: only what it changes. */
static void
config_print_override(const struct config_override *o, FILE *out)
{
	fprintf(out, "    - { zone: \"%s\"", o->zone);
	if (o->set & OVERRIDE_MODE)
		fprintf(out, ", mode: %s", config_modes[o->s.mode]);
	if (o->set & OVERRIDE_QUORUM) {
		if (o->s.quorum)
			fprintf(out, ", quorum: %lu", o->s.quorum);
		else
			fprintf(out, ", quorum: auto");
	}
	if (o->set & OVERRIDE_MATCH)
		fprintf(out, ", address_match: %s", config_matches[o->s.address_match]);
	if (o->set & OVERRIDE_DISSENT)
		fprintf(out, ", on_dissent: %s", config_dissents[o->s.on_dissent]);
	if (o->set & OVERRIDE_INSUFFICIENT)
		fprintf(out, ", on_insufficient: %s", config_insufficients[o->s.on_insufficient]);
	if (o->set & OVERRIDE_PROBE)
		fprintf(out, ", probe: %s", config_probes[o->s.probe]);
	if (o->set & OVERRIDE_PROBE_PORT)
		fprintf(out, ", probe_port: %lu", o->s.probe_port);
	fprintf(out, " }\n");
}

static void
config_print_consensus(const struct config *c, FILE *out)
{
	char tb[16];

	fprintf(out, "consensus:\n  mode: %s\n  mirrors_per_query: %lu\n",
	    config_modes[c->consensus.mode], c->consensus.mirrors_per_query);
	if (c->consensus.quorum)
		fprintf(out, "  quorum: %lu\n", c->consensus.quorum);
	else
		fprintf(out, "  quorum: auto\n");
	fprintf(out, "  address_match: %s\n  on_dissent: %s\n  on_insufficient: %s\n  timeout: %llums\n",
	    config_matches[c->consensus.address_match], config_dissents[c->consensus.on_dissent],
	    config_insufficients[c->consensus.on_insufficient],
	    (unsigned long long)c->consensus.timeout_ms);
	fprintf(out, "  check_types: [");
	for (size_t i = 0; i < c->consensus.n_check_types; i++)
		fprintf(out, "%s%s", i ? ", " : "",
		    dnswire_type2str(c->consensus.check_types[i], tb, sizeof(tb)));
	fprintf(out, "]\n  bypass: [");
	for (size_t i = 0; i < c->consensus.n_bypass; i++)
		fprintf(out, "%s%s", i ? ", " : "", c->consensus.bypass[i]);
	fprintf(out, "]\n  allow_private: %s\n", c->consensus.allow_private ? "true" : "false");
	fprintf(out, "  overrides:%s\n", c->consensus.n_overrides ? "" : " []");
	for (size_t i = 0; i < c->consensus.n_overrides; i++)
		config_print_override(&c->consensus.overrides[i], out);
	config_print_ca(c, out);
}

/* cache, tcp, acl and ratelimit: what bounds the work clients can cause. */
static void
config_print_limits(const struct config *c, FILE *out)
{
	char s[NETADDR_STRLEN];

	fprintf(out, "cache:\n  max_entries: %lu\n  min_ttl: %lu\n  max_ttl: %lu\n"
		     "  negative_max_ttl: %lu\n  serve_stale: %llus\n  stale_after: %llums\n"
		     "  prefetch: %s\n  state_file: %s\n",
	    c->cache.max_entries, c->cache.min_ttl, c->cache.max_ttl, c->cache.negative_max_ttl,
	    (unsigned long long)(c->cache.serve_stale_ms / 1000),
	    (unsigned long long)c->cache.stale_after_ms, c->cache.prefetch ? "true" : "false",
	    c->cache.state_file ? c->cache.state_file : "~");
	fprintf(out, "tcp:\n  max_connections: %lu\n  max_per_client: %lu\n  idle_timeout: %llums\n",
	    c->tcp.max_connections, c->tcp.max_per_client,
	    (unsigned long long)c->tcp.idle_timeout_ms);
	fprintf(out, "acl:\n");
	for (size_t i = 0; i < c->n_acl; i++)
		fprintf(out, "  - { from: \"%s/%u\", action: %s }\n",
		    netaddr_ip_str(&c->acl[i].addr, s, sizeof(s)), c->acl[i].len,
		    acl_action_name(c->acl[i].action));
	fprintf(out, "ratelimit:\n  qps: %u\n  burst: %u\n", c->ratelimit_qps, c->ratelimit_burst);
}

void
config_print(const struct config *c, FILE *out)
{
	char s[NETADDR_STRLEN];

	config_print_upstreams(c, out);
	config_print_mirrors(c, out);
	config_print_consensus(c, out);
	config_print_limits(c, out);
	fprintf(out, "control:\n  socket: %s\n", c->control_socket ? c->control_socket : "~");
	if (c->has_metrics)
		fprintf(out, "metrics:\n  listen: \"%s\"\n",
		    netaddr_str(&c->metrics_listen, s, sizeof(s)));
	else
		fprintf(out, "metrics: ~\n");
	config_print_dashboard(c, out);
	fprintf(out, "log:\n  level: %s\n  dissent_log: %s\n", config_levels[c->log_level],
	    c->dissent_log ? c->dissent_log : "~");
	fprintf(out, "user: \"%s\"\n", c->user);
	fprintf(out, "sandbox: %s\n", c->sandbox ? "true" : "false");
	if (c->workers)
		fprintf(out, "workers: %d\n", c->workers);
	else
		fprintf(out, "workers: auto\n");
	config_shared_print(c, out);
	plugin_conf_print(c->plugins, out);
}
