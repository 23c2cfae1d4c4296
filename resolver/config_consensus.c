/* resolver/config_consensus.c - the consensus: section: the global settings, the per-zone
 * overrides, the CA evidence keys, and the settings that apply to one name. */
#include "autoconf.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "config_int.h"
#include "dnswire.h"
#include "vutil.h"
#include "yconf.h"

static const char *const config_consensus_keys[] = { "mode", "mirrors_per_query", "quorum",
	"address_match", "on_dissent", "on_insufficient", "timeout", "check_types", "bypass",
	"allow_private", "overrides", "probe", "probe_port", "probe_timeout", "ca_issuers",
	"ca_history", NULL };
static const char *const config_override_keys[] = { "zone", "mode", "quorum", "address_match",
	"on_dissent", "on_insufficient", "probe", "probe_port", NULL };
static const char *const config_ca_issuer_keys[] = { "domain", "sha256", NULL };
static const char *const config_ca_history_keys[] = { "stable", "flag_for", NULL };

/* The keys that may differ per zone, in the order consensus: and an override read them;
 * setting i is the OVERRIDE_* bit 1 << i. */
enum config_setting {
	SETTING_MODE,
	SETTING_QUORUM,
	SETTING_MATCH,
	SETTING_DISSENT,
	SETTING_INSUFFICIENT,
	SETTING_PROBE,
	SETTING_PROBE_PORT,
	SETTING_N
};

/* The global settings of c, as the per-zone struct. */
static void
config_settings_get(const struct config *c, struct consensus_settings *s)
{
	s->mode = c->consensus.mode;
	s->quorum = c->consensus.quorum;
	s->address_match = c->consensus.address_match;
	s->on_dissent = c->consensus.on_dissent;
	s->on_insufficient = c->consensus.on_insufficient;
	s->probe = c->consensus.probe;
	s->probe_port = c->consensus.probe_port;
}

static void
config_settings_put(struct config *c, const struct consensus_settings *s)
{
	c->consensus.mode = s->mode;
	c->consensus.quorum = s->quorum;
	c->consensus.address_match = s->address_match;
	c->consensus.on_dissent = s->on_dissent;
	c->consensus.on_insufficient = s->on_insufficient;
	c->consensus.probe = s->probe;
	c->consensus.probe_port = s->probe_port;
}

/* quorum: a number of mirrors, or auto (0: the MPIC table decides). */
static int
config_quorum(struct yconf *y, const yaml_node_t *v, unsigned long *out)
{
	const char *s = yconf_scalar(y, v, "quorum");

	if (s == NULL)
		return -1;
	if (strcmp(s, "auto") == 0) {
		*out = 0;
		return 0;
	}
	return yconf_uint(y, v, "quorum", 1, 16, out);
}

/* Setting key of mapping n into s: 1 when it is there, 0 when not, -1 after an error. */
static int
config_setting(struct yconf *y, const yaml_node_t *n, enum config_setting key,
    struct consensus_settings *s)
{
	static const char *const names[SETTING_N] = { "mode", "quorum", "address_match",
		"on_dissent", "on_insufficient", "probe", "probe_port" };
	static const char *const *const values[SETTING_N] = { config_modes, NULL, config_matches,
		config_dissents, config_insufficients, config_probes, NULL };
	yaml_node_t *v = yconf_get(y, n, names[key]);
	int idx = 0;

	if (v == NULL)
		return 0;
	if (values[key] && yconf_enum(y, v, names[key], values[key], &idx) != 0)
		return -1;
	switch (key) {
	case SETTING_MODE:
		s->mode = (enum consensus_mode)idx;
		break;
	case SETTING_QUORUM:
		return config_quorum(y, v, &s->quorum) != 0 ? -1 : 1;
	case SETTING_MATCH:
		s->address_match = (enum address_match)idx;
		break;
	case SETTING_DISSENT:
		s->on_dissent = (enum on_dissent)idx;
		break;
	case SETTING_INSUFFICIENT:
		s->on_insufficient = (enum on_insufficient)idx;
		break;
	case SETTING_PROBE:
		s->probe = (enum probe_mode)idx;
		break;
	case SETTING_PROBE_PORT:
		return yconf_uint(y, v, "probe_port", 1, 65535, &s->probe_port) != 0 ? -1 : 1;
	case SETTING_N:
		break;
	}
	return 1;
}

/* Settings from up to before (exclusive) of n into s, each found one marked in *set. */
static int
config_settings(struct yconf *y, const yaml_node_t *n, enum config_setting from,
    enum config_setting before, struct consensus_settings *s, unsigned *set)
{
	for (unsigned i = from; i < before; i++) {
		int r = config_setting(y, n, (enum config_setting)i, s);
		if (r < 0)
			return -1;
		if (r > 0)
			*set |= 1u << i;
	}
	return 0;
}

static int
config_override(struct yconf *y, const yaml_node_t *n, struct config_override *o)
{
	yaml_node_t *v;

	if (yconf_check_keys(y, n, "override", config_override_keys) != 0)
		return -1;
	o->line = yconf_line(n);
	if ((v = yconf_get(y, n, "zone")) == NULL)
		return yconf_error(y, n, "override: 'zone' is required");
	if (yconf_str(y, v, "zone", &o->zone) != 0)
		return -1;
	if ((o->wire_len = dnswire_name_from_str(o->zone, o->wire, sizeof(o->wire))) == 0)
		return yconf_error(y, v, "zone: '%s' is not a domain name", o->zone);
	if (config_settings(y, n, SETTING_MODE, SETTING_N, &o->s, &o->set) != 0)
		return -1;
	if (o->set == 0)
		return yconf_error(y, n, "override for %s changes nothing", o->zone);
	return 0;
}

static int
config_overrides(struct yconf *y, const yaml_node_t *n, struct config *c)
{
	yaml_node_t *item;
	size_t count;

	if (n->type != YAML_SEQUENCE_NODE)
		return yconf_error(y, n, "overrides: expected a list of { zone: NAME, ... }");
	count = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	c->consensus.overrides = xcalloc(count, sizeof(*c->consensus.overrides));
	YCONF_SEQ_FOREACH(y, n, item)
	{
		struct config_override *o = &c->consensus.overrides[c->consensus.n_overrides++];
		if (config_override(y, item, o) != 0)
			return -1;
		for (size_t i = 0; i + 1 < c->consensus.n_overrides; i++)
			if (c->consensus.overrides[i].wire_len == o->wire_len &&
			    memcmp(c->consensus.overrides[i].wire, o->wire, o->wire_len) == 0)
				return yconf_error(y, item, "override for %s: already on line %lu",
				    o->zone, c->consensus.overrides[i].line);
	}
	return 0;
}

void
config_consensus_for(const struct config *c, const uint8_t *qname, size_t qname_len,
    struct consensus_settings *out)
{
	const struct config_override *best = NULL;

	config_settings_get(c, out);
	for (size_t i = 0; i < c->consensus.n_overrides; i++) {
		const struct config_override *o = &c->consensus.overrides[i];
		if ((best == NULL || o->wire_len > best->wire_len) &&
		    dnswire_name_is_sub(qname, qname_len, o->wire, o->wire_len))
			best = o;
	}
	if (best == NULL)
		return;
	if (best->set & OVERRIDE_MODE)
		out->mode = best->s.mode;
	if (best->set & OVERRIDE_QUORUM)
		out->quorum = best->s.quorum;
	if (best->set & OVERRIDE_MATCH)
		out->address_match = best->s.address_match;
	if (best->set & OVERRIDE_DISSENT)
		out->on_dissent = best->s.on_dissent;
	if (best->set & OVERRIDE_INSUFFICIENT)
		out->on_insufficient = best->s.on_insufficient;
	if (best->set & OVERRIDE_PROBE)
		out->probe = best->s.probe;
	if (best->set & OVERRIDE_PROBE_PORT)
		out->probe_port = best->s.probe_port;
}

/* The domain of a ca_issuers entry at v: lower case, without its trailing dot. */
static int
config_ca_domain(struct yconf *y, const yaml_node_t *v, struct config_ca_issuer *is)
{
	uint8_t wire[DNS_MAXNAME];

	if (yconf_str(y, v, "domain", &is->domain) != 0)
		return -1;
	for (char *p = is->domain; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	if (is->domain[0] && is->domain[strlen(is->domain) - 1] == '.')
		is->domain[strlen(is->domain) - 1] = '\0';
	if (is->domain[0] == '\0' || dnswire_name_from_str(is->domain, wire, sizeof(wire)) == 0)
		return yconf_error(y, v, "domain: '%s' is not a domain name", is->domain);
	return 0;
}

/* One ca_issuers entry, { domain: NAME, sha256: [HEX, ...] }, into is. */
static int
config_ca_issuer(struct yconf *y, const yaml_node_t *item, struct config_ca_issuer *is)
{
	yaml_node_t *v;
	char **fps = NULL;
	size_t nf = 0;

	if (yconf_check_keys(y, item, "ca_issuers entry", config_ca_issuer_keys) != 0)
		return -1;
	is->line = yconf_line(item);
	if ((v = yconf_get(y, item, "domain")) == NULL)
		return yconf_error(y, item, "ca_issuers entry: 'domain' is required");
	if (config_ca_domain(y, v, is) != 0)
		return -1;
	if ((v = yconf_get(y, item, "sha256")) == NULL)
		return yconf_error(y, item, "ca_issuers entry: 'sha256' is required");
	if (yconf_strlist(y, v, "sha256", &fps, &nf) != 0)
		return -1;
	is->sha256 = xcalloc(nf ? nf : 1, sizeof(*is->sha256));
	for (size_t i = 0; i < nf; i++)
		if (config_hex32(fps[i], is->sha256[is->n++]) != 0) {
			yconf_error(y, v, "sha256: '%s': expected 64 hex digits (SHA-256)", fps[i]);
			yconf_strlist_free(fps);
			return -1;
		}
	yconf_strlist_free(fps);
	if (is->n == 0)
		return yconf_error(y, v, "sha256: the list is empty");
	return 0;
}

/* consensus.ca_issuers: [{ domain: NAME, sha256: [HEX, ...] }, ...] */
static int
config_ca_issuers(struct yconf *y, const yaml_node_t *n, struct config *c)
{
	yaml_node_t *item;
	size_t count;

	if (n->type != YAML_SEQUENCE_NODE)
		return yconf_error(y, n, "ca_issuers: expected a list of { domain: NAME, sha256: [...] }");
	count = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	c->consensus.ca_issuers = xcalloc(count ? count : 1, sizeof(*c->consensus.ca_issuers));
	YCONF_SEQ_FOREACH(y, n, item)
	{
		if (config_ca_issuer(y, item,
			&c->consensus.ca_issuers[c->consensus.n_ca_issuers++]) != 0)
			return -1;
	}
	return 0;
}

/* The CA fingerprint keys of consensus (DESIGN.md section 5) past probe and probe_port. */
static int
config_consensus_ca(struct yconf *y, const yaml_node_t *n, struct config *c)
{
	yaml_node_t *v, *w;

	if ((v = yconf_get(y, n, "probe_timeout")) &&
	    yconf_duration_ms(y, v, "probe_timeout", 10, 60000, &c->consensus.probe_timeout_ms) != 0)
		return -1;
	if ((v = yconf_get(y, n, "ca_issuers")) && !yconf_is_null(v) &&
	    config_ca_issuers(y, v, c) != 0)
		return -1;
	if ((v = yconf_get(y, n, "ca_history"))) {
		if (yconf_check_keys(y, v, "ca_history", config_ca_history_keys) != 0)
			return -1;
		/* 0 disables; the bounds keep the wall-clock sums far from overflow. */
		if ((w = yconf_get(y, v, "stable")) &&
		    yconf_duration_ms(y, w, "stable", 0, 3650ull * 86400000,
			&c->consensus.ca_history_stable_ms) != 0)
			return -1;
		if ((w = yconf_get(y, v, "flag_for")) &&
		    yconf_duration_ms(y, w, "flag_for", 0, 3650ull * 86400000,
			&c->consensus.ca_history_flag_for_ms) != 0)
			return -1;
	}
	return 0;
}

/* consensus.check_types: type names, replacing the default list. */
static int
config_check_types(struct yconf *y, const yaml_node_t *v, struct config *c)
{
	char **types = NULL;
	size_t nt = 0;

	if (yconf_strlist(y, v, "check_types", &types, &nt) != 0)
		return -1;
	free(c->consensus.check_types);
	c->consensus.check_types = xcalloc(nt, sizeof(uint16_t));
	c->consensus.n_check_types = nt;
	for (size_t i = 0; i < nt; i++)
		if ((c->consensus.check_types[i] = dnswire_str2type(types[i])) == 0) {
			yconf_error(y, v, "check_types: unknown type '%s'", types[i]);
			yconf_strlist_free(types);
			return -1;
		}
	yconf_strlist_free(types);
	return 0;
}

/* consensus.bypass: the zones never cross-checked, replacing the default list. */
static int
config_bypass(struct yconf *y, const yaml_node_t *v, struct config *c)
{
	if (yconf_strlist(y, v, "bypass", &c->consensus.bypass, &c->consensus.n_bypass) != 0)
		return -1;
	for (size_t i = 0; i < c->consensus.n_bypass; i++) {
		uint8_t wire[DNS_MAXNAME];
		if (dnswire_name_from_str(c->consensus.bypass[i], wire, sizeof(wire)) == 0)
			return yconf_error(y, v, "bypass: '%s' is not a domain name",
			    c->consensus.bypass[i]);
	}
	return 0;
}

/* The keys between the settings: timeout, the lists, allow_private and overrides. */
static int
config_consensus_rest(struct yconf *y, const yaml_node_t *n, struct config *c)
{
	yaml_node_t *v;

	if ((v = yconf_get(y, n, "timeout")) &&
	    yconf_duration_ms(y, v, "timeout", 10, 60000, &c->consensus.timeout_ms) != 0)
		return -1;
	if ((v = yconf_get(y, n, "check_types")) && config_check_types(y, v, c) != 0)
		return -1;
	if ((v = yconf_get(y, n, "bypass")) && config_bypass(y, v, c) != 0)
		return -1;
	if ((v = yconf_get(y, n, "allow_private")) &&
	    yconf_bool(y, v, "allow_private", &c->consensus.allow_private) != 0)
		return -1;
	if ((v = yconf_get(y, n, "overrides")) && !yconf_is_null(v) &&
	    config_overrides(y, v, c) != 0)
		return -1;
	return 0;
}

int
config_consensus_parse(struct yconf *y, const yaml_node_t *n, struct config *c)
{
	struct consensus_settings s;
	yaml_node_t *v;
	unsigned set = 0;

	if (yconf_check_keys(y, n, "consensus", config_consensus_keys) != 0)
		return -1;
	/* Key by key in the order the file's errors have always been reported in. */
	config_settings_get(c, &s);
	if (config_settings(y, n, SETTING_MODE, SETTING_QUORUM, &s, &set) != 0)
		return -1;
	if ((v = yconf_get(y, n, "mirrors_per_query")) &&
	    yconf_uint(y, v, "mirrors_per_query", 1, 16, &c->consensus.mirrors_per_query) != 0)
		return -1;
	if (config_settings(y, n, SETTING_QUORUM, SETTING_PROBE, &s, &set) != 0 ||
	    config_consensus_rest(y, n, c) != 0 ||
	    config_settings(y, n, SETTING_PROBE, SETTING_N, &s, &set) != 0)
		return -1;
	config_settings_put(c, &s);
	return config_consensus_ca(y, n, c);
}
