/* resolver/report.c - the daemon's state as JSON: one producer each for the control socket and the dashboard. */
#include "autoconf.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "dnscache.h"
#include "fleet.h"
#include "log.h"
#include "mirror_client.h"
#include "portal_live.h"
#include "recent.h"
#include "report.h"
#include "upstream.h"
#include "vcache.h"
#include "vcache_ca.h"
#include "vutil.h"

/* Nameservers of resolv.conf looked at: glibc uses three (MAXNS). */
#define REPORT_MAX_NS 8

void
report_upstream_stats(const struct report_src *src, struct upstream_set *ups, size_t i,
    struct upstream_stats *st)
{
	size_t nc;
	const struct stats_item *c = stats_upstream(&nc);
	struct resolve *r;

	upstream_get_stats(ups, i, st);
	for (size_t l = 1; src->loop_res && (r = src->loop_res(src->arg, l)) != NULL; l++) {
		struct upstream_set *other = resolve_upstreams(r);
		struct upstream_stats o;
		if (other == NULL || i >= upstream_count(other))
			continue;
		upstream_get_stats(other, i, &o);
		if (strcmp(o.addr, st->addr) != 0)
			continue; /* between a reload's two halves: not the same upstream */
		for (size_t k = 0; k < nc; k++)
			*(uint64_t *)((char *)st + c[k].off) += stats_item_value(&o, &c[k]);
	}
}

void
report_resolve_stats(const struct report_src *src, struct resolve_stats *rs)
{
	struct resolve *r;

	resolve_get_stats(*src->res, rs);
	for (size_t l = 1; src->loop_res && (r = src->loop_res(src->arg, l)) != NULL; l++) {
		struct resolve_stats o;
		resolve_get_stats(r, &o);
		rs->lookups += o.lookups;
		rs->hits += o.hits;
		rs->forwarded += o.forwarded;
		rs->coalesced += o.coalesced;
		rs->failures += o.failures;
		rs->in_flight += o.in_flight;
	}
}

void
report_upstreams(const struct report_src *src, struct jw *w)
{
	struct upstream_set *ups = resolve_upstreams(*src->res);
	size_t n = ups ? upstream_count(ups) : 0, nc;
	const struct stats_item *c = stats_upstream(&nc);

	jw_open(w, "upstreams", '[');
	for (size_t i = 0; i < n; i++) {
		struct upstream_stats st;
		report_upstream_stats(src, ups, i, &st);
		jw_open(w, NULL, '{');
		jw_str(w, "address", st.addr);
		jw_bool(w, "healthy", st.healthy);
		jw_u64(w, "srtt_ms", st.srtt_ms);
		/* The counters, as stats.c lists them (the same table /metrics renders). */
		for (size_t k = 0; k < nc; k++)
			jw_u64(w, c[k].key, stats_item_value(&st, &c[k]));
		jw_close(w, '}');
	}
	jw_close(w, ']');
}

void
report_cache(const struct report_src *src, struct jw *w)
{
	struct vcache *vc = src->vcache(src->arg);
	struct dnscache_stats cs;
	struct resolve_stats rs;

	dnscache_get_stats(resolve_cache(*src->res), &cs);
	report_resolve_stats(src, &rs);
	jw_open(w, "cache", '{');
	jw_u64(w, "entries", cs.entries);
	jw_u64(w, "max_entries", (*src->cfg)->cache.max_entries);
	jw_u64(w, "bytes", cs.bytes);
	jw_u64(w, "hits", cs.hits);
	jw_u64(w, "misses", cs.misses);
	jw_u64(w, "inserts", cs.inserts);
	jw_u64(w, "evictions", cs.evictions);
	jw_u64(w, "expired", cs.expired);
	jw_u64(w, "forwarded", rs.forwarded);
	jw_u64(w, "coalesced", rs.coalesced);
	jw_u64(w, "in_flight", rs.in_flight);
	jw_close(w, '}');
	jw_open(w, "verified_cache", '{');
	jw_u64(w, "entries", vc ? vcache_count(vc) : 0);
	jw_close(w, '}');
}

/* The CA evidence: probes by result, pairs kept and used, history flags. */
static void
report_ca(const struct report_src *src, struct jw *w)
{
	struct vcache *vc = src->vcache(src->arg);

	jw_open(w, "ca", '{');
	jw_open(w, "probes", '{');
	stats_status(src->st, w, "ca.probes");
	jw_close(w, '}');
	jw_u64(w, "pairs", vc ? vcache_ca_pairs(vcache_cadata(vc)) : 0);
	stats_status(src->st, w, "ca");
	jw_close(w, '}');
}

/*
 * Whether the system still asks us: the first nameserver of resolv.conf is one of our
 * listeners (glibc asks the first one first). Another program (DHCP client, VPN,
 * NetworkManager) rewriting the file takes the machine out of vantage's protection;
 * the log says so once (follow.c) and the status page for as long as it lasts.
 */
static void
report_resolv_conf(const struct report_src *src, struct jw *w)
{
	struct netaddr ns[REPORT_MAX_NS];
	char buf[NETADDR_STRLEN];
	int n = src->resolv_conf ? config_read_resolv_conf(src->resolv_conf, NULL, 0, ns,
					  REPORT_MAX_NS) : -1;
	int in;

	jw_open(w, "resolv_conf", '{');
	jw_str(w, "path", src->resolv_conf);
	jw_open(w, "nameservers", '[');
	for (int i = 0; i < n; i++)
		jw_str(w, NULL, netaddr_str(&ns[i], buf, sizeof(buf)));
	jw_close(w, ']');
	/* follow.c decides, as for its "out of the system's path" warning. */
	if ((in = src->in_path(src->arg)) < 0)
		jw_null(w, "in_path");
	else
		jw_bool(w, "in_path", in);
	jw_close(w, '}');
}

/* Who we are: version, pid, uptime, configuration, mode, the bound listeners. */
static void
report_self(const struct report_src *src, struct jw *w)
{
	const struct netaddr *a;
	char buf[NETADDR_STRLEN];

	jw_str(w, "version", PACKAGE_VERSION);
	jw_int(w, "pid", (long)getpid());
	jw_u64(w, "uptime_s", (now_ms() - src->start_ms) / 1000);
	jw_str(w, "config", src->config_path);
	jw_str(w, "mode", (*src->cfg)->consensus.mode == MODE_MONITOR ? "monitor" : "enforce");
	jw_open(w, "listen", '[');
	for (size_t i = 0; (a = src->listen_bound(src->arg, i)) != NULL; i++) {
		jw_open(w, NULL, '{');
		jw_str(w, "address", netaddr_str(a, buf, sizeof(buf)));
		jw_u64(w, "port", netaddr_port(a));
		jw_close(w, '}');
	}
	jw_close(w, ']');
}

size_t
report_mirror_count(const struct report_src *src)
{
	struct mirror_set *set = src->mirrors(src->arg);

	return set ? mirror_set_count(set) : 0;
}

/* How many mirrors have their connection up. */
static size_t
report_mirrors_ready(struct mirror_set *set, size_t n)
{
	size_t ready = 0;

	for (size_t i = 0; i < n; i++) {
		struct mirror_stats ms;
		mirror_get_stats(mirror_set_get(set, i), &ms);
		ready += ms.state == MIRROR_UP;
	}
	return ready;
}

/* Split DNS: the forward: zones, then those learned from the links (forward_from). */
static void
report_forwards(const struct report_src *src, struct jw *w)
{
	const struct config *cfg = *src->cfg;
	char buf[NETADDR_STRLEN];

	jw_open(w, "forward", '[');
	for (size_t i = 0; i < cfg->n_forwards; i++) {
		jw_open(w, NULL, '{');
		jw_str(w, "zone", cfg->forwards[i].zone);
		jw_open(w, "to", '[');
		for (size_t k = 0; k < cfg->forwards[i].n_to; k++)
			jw_str(w, NULL, netaddr_str(&cfg->forwards[i].to[k], buf, sizeof(buf)));
		jw_close(w, ']');
		jw_bool(w, "learned", i >= cfg->n_forwards_conf);
		jw_close(w, '}');
	}
	jw_close(w, ']');
}

void
report_refresh(const struct report_src *src)
{
	if (src->refresh)
		src->refresh(src->arg);
}

/* A worker's queue toward the checks: a main loop that cannot keep up shows here. */
static void
report_loop_queue(const struct report_src *src, struct jw *w, size_t i)
{
	uint64_t waiting, high, full;

	if (src->loop_queue == NULL || src->loop_queue(src->arg, i, &waiting, &high, &full) != 0)
		return;
	jw_open(w, "check_queue", '{');
	jw_u64(w, "waiting", waiting);
	jw_u64(w, "high", high);
	jw_u64(w, "full", full);
	jw_close(w, '}');
}

/* Each event loop's share ("workers"), to find a hot one: the kernel spreads clients over
 * the loops by their address and port. */
static void
report_loops(const struct report_src *src, struct jw *w)
{
	const struct vstats *st;

	jw_open(w, "workers", '[');
	for (size_t i = 0; src->loop_stats && (st = src->loop_stats(src->arg, i)) != NULL; i++) {
		jw_open(w, NULL, '{');
		jw_u64(w, "loop", i);
		jw_u64(w, "queries", st->queries_udp + st->queries_tcp);
		jw_u64(w, "answers_cache", st->answers_cache);
		jw_u64(w, "answers_upstream", st->answers_upstream);
		jw_u64(w, "verdicts_cached", st->verdict_cached);
		report_loop_queue(src, w, i);
		jw_close(w, '}');
	}
	jw_close(w, ']');
}

void
report_status(const struct report_src *src, struct jw *w)
{
	static const char *const groups[] = { "queries", "answers", "verdicts", "actions" };
	size_t total = report_mirror_count(src);

	report_refresh(src);
	report_self(src, w);
	report_upstreams(src, w);
	report_forwards(src, w);
	jw_open(w, "mirrors", '{');
	jw_u64(w, "ready", report_mirrors_ready(src->mirrors(src->arg), total));
	jw_u64(w, "total", total);
	jw_close(w, '}');
	report_cache(src, w);
	/* The counters, as stats.c lists them (the same table /metrics renders). */
	for (size_t g = 0; g < NELEMS(groups); g++) {
		jw_open(w, groups[g], '{');
		stats_status(src->st, w, groups[g]);
		jw_close(w, '}');
	}
	report_ca(src, w);
	report_shared(src, w);
	report_loops(src, w);
	report_resolv_conf(src, w);
	portal_json(report_portal(src), now_ms(), w);
}

void
report_shared(const struct report_src *src, struct jw *w)
{
	struct fleet *f = src->fleet ? *src->fleet : NULL;
	struct fleet_status fs;

	jw_open(w, "shared", '{');
	if (f == NULL) {
		jw_str(w, "state", "off");
		jw_close(w, '}');
		return;
	}
	fleet_status(f, &fs);
	jw_str(w, "state", vredis_state_name(fs.redis.state));
	jw_bool(w, "subscribed", fs.redis.subscribed);
	jw_str(w, "server", fs.server);
	jw_str(w, "prefix", fs.prefix);
	jw_bool(w, "key_file", fs.keyed);
	jw_u64(w, "since", fs.redis.since);
	stats_status(src->st, w, "shared");
	jw_u64(w, "outstanding", fs.redis.outstanding);
	jw_u64(w, "reconnects", fs.redis.connects);
	jw_u64(w, "loaded", fs.loaded);
	jw_str(w, "last_error", fs.redis.last_error);
	jw_close(w, '}');
}

struct portal *
report_portal(const struct report_src *src)
{
	return src->portal ? portal_live_portal(*src->portal) : NULL;
}

/*
 * A mirror's verification: its kind, why it is not used now, and for a webpki mirror the
 * chain it presented last (SHA-256s, leaf first, space-separated; "ca" is the issuer of
 * the leaf) and how often its CA changed.
 */
static void
report_mirror_webpki(struct jw *w, const struct mirror *m, const struct mirror_stats *ms)
{
	uint8_t fps[TLS_MAX_CHAIN][TLS_SHA256_LEN];
	char chain[TLS_MAX_CHAIN * TLS_SHA256_HEX], hex[TLS_SHA256_HEX];
	size_t n, o = 0;

	jw_str(w, "verify", mirror_is_webpki(m) ? "webpki" : "pin");
	jw_str(w, "why", mirror_why(m));
	if (!mirror_is_webpki(m))
		return;
	n = mirror_chain(m, fps, TLS_MAX_CHAIN);
	chain[0] = '\0';
	for (size_t i = 0; i < n; i++)
		o += (size_t)snprintf(chain + o, sizeof(chain) - o, "%s%s", i ? " " : "",
		    tls_hex(fps[i], TLS_SHA256_LEN, hex));
	jw_str(w, "ca", n > 1 ? tls_hex(fps[1], TLS_SHA256_LEN, hex) : "");
	jw_str(w, "chain", chain);
	jw_u64(w, "ca_changes", ms->ca_changes);
}

void
report_mirrors(const struct report_src *src, struct jw *w)
{
	struct mirror_set *set = src->mirrors(src->arg);
	size_t n = report_mirror_count(src), ready = 0;

	jw_open(w, "mirrors", '[');
	for (size_t i = 0; i < n; i++) {
		struct mirror *m = mirror_set_get(set, i);
		struct mirror_stats ms;

		mirror_get_stats(m, &ms);
		ready += ms.state == MIRROR_UP;
		jw_open(w, NULL, '{');
		jw_str(w, "name", mirror_name(m));
		jw_str(w, "region", mirror_region(m));
		jw_str(w, "address", mirror_addr_str(m));
		jw_str(w, "state", mirror_usable(m) ? mirror_state_name(ms.state) : "unusable");
		jw_u64(w, "srtt_ms", ms.srtt_ms);
		jw_u64(w, "queries", ms.queries);
		jw_u64(w, "sent", ms.sent);
		jw_u64(w, "answers", ms.answers);
		jw_u64(w, "timeouts", ms.timeouts);
		jw_u64(w, "errors", ms.errors);
		jw_u64(w, "tls_failures", ms.tls_failures);
		jw_u64(w, "handshakes", ms.handshakes);
		jw_u64(w, "full_handshakes", ms.full_handshakes);
		jw_u64(w, "resumed", ms.resumed);
		jw_str(w, "proto", mirror_proto_name(ms.proto));
		jw_u64(w, "stream_errors", ms.stream_errors);
		jw_str(w, "last_error", mirror_last_error(m));
		jw_u64(w, "agreements", ms.agreements);
		jw_u64(w, "dissents", ms.dissents);
		jw_str(w, "id", mirror_id_hex(m));
		report_mirror_webpki(w, m, &ms);
		jw_close(w, '}');
	}
	jw_close(w, ']');
	jw_u64(w, "ready", ready);
	jw_u64(w, "total", n);
	jw_u64(w, "per_query", (*src->cfg)->consensus.mirrors_per_query);
}


int
report_cache_flush(const struct report_src *src, struct jw *w, const char *name, char *err,
    size_t errlen)
{
	struct dnscache *c = resolve_cache(*src->res);
	struct vcache *vc = src->vcache(src->arg);
	size_t answers, verified = 0;

	if (name) {
		uint8_t wire[DNS_MAXNAME];
		size_t len = dnswire_name_from_str(name, wire, sizeof(wire));
		if (len == 0) {
			snprintf(err, errlen, "not a domain name: %.200s", name);
			return -1;
		}
		answers = dnscache_remove(c, wire, len, 0);
		if (vc)
			verified = vcache_remove(vc, wire, len);
		jw_str(w, "name", name);
	} else {
		struct dnscache_stats cs;
		dnscache_get_stats(c, &cs);
		answers = cs.entries;
		dnscache_flush(c);
		if (vc) {
			verified = vcache_count(vc);
			vcache_flush(vc);
		}
	}
	/* The state file must forget them too, or a restart would bring them back. */
	if (verified)
		src->vcache_changed(src->arg);
	jw_open(w, "flushed", '{');
	jw_u64(w, "answers", answers);
	jw_u64(w, "verified", verified);
	jw_close(w, '}');
	return 0;
}

void
report_recent(const struct report_src *src, struct jw *w)
{
	recent_events_json(*src->recent, w);
}

void
report_clients(const struct report_src *src, struct jw *w)
{
	recent_clients_json(*src->recent, w);
}

void
report_history(const struct report_src *src, struct jw *w)
{
	recent_history_json(*src->recent, w);
}

int
report_envelope(struct evbuffer *out, const char *cmd, const char *err, struct evbuffer *fields)
{
	int rc = 0;

	rc |= evbuffer_add_printf(out, "{\"ok\":%s,\"command\":", err ? "false" : "true") < 0;
	rc |= json_str(out, cmd);
	if (err) {
		rc |= evbuffer_add_printf(out, ",\"error\":") < 0;
		rc |= json_str(out, err);
	} else if (fields)
		rc |= evbuffer_add_buffer(out, fields);
	rc |= evbuffer_add(out, "}", 1);
	return rc ? -1 : 0;
}
