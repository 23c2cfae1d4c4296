/* resolver/report.c - the daemon's state as JSON: one producer each for the control socket and the dashboard. */
#include "autoconf.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "dnscache.h"
#include "listen.h"
#include "log.h"
#include "mirror_client.h"
#include "probe.h"
#include "recent.h"
#include "follow.h"
#include "report.h"
#include "upstream.h"
#include "vcache.h"
#include "vcache_ca.h"
#include "vutil.h"

/* Nameservers of resolv.conf looked at: glibc uses three (MAXNS). */
#define REPORT_MAX_NS 8

void
report_upstreams(struct vantaged *vd, struct jw *w)
{
	struct upstream_set *ups = resolve_upstreams(vd->res);
	size_t n = ups ? upstream_count(ups) : 0;

	jw_open(w, "upstreams", '[');
	for (size_t i = 0; i < n; i++) {
		struct upstream_stats st;
		upstream_get_stats(ups, i, &st);
		jw_open(w, NULL, '{');
		jw_str(w, "address", st.addr);
		jw_bool(w, "healthy", st.healthy);
		jw_u64(w, "srtt_ms", st.srtt_ms);
		jw_u64(w, "queries", st.queries);
		jw_u64(w, "answers", st.answers);
		jw_u64(w, "timeouts", st.timeouts);
		jw_u64(w, "errors", st.errors);
		jw_u64(w, "tcp_retries", st.tcp_retries);
		jw_u64(w, "mismatches", st.mismatches);
		jw_close(w, '}');
	}
	jw_close(w, ']');
}

void
report_cache(struct vantaged *vd, struct jw *w)
{
	struct dnscache_stats cs;
	struct resolve_stats rs;

	dnscache_get_stats(resolve_cache(vd->res), &cs);
	resolve_get_stats(vd->res, &rs);
	jw_open(w, "cache", '{');
	jw_u64(w, "entries", cs.entries);
	jw_u64(w, "max_entries", vd->cfg->cache.max_entries);
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
	jw_u64(w, "entries", vd->vcache ? vcache_count(vd->vcache) : 0);
	jw_close(w, '}');
}

/* The CA evidence: probes by result, pairs kept and used, history flags. */
static void
report_ca(struct vantaged *vd, struct jw *w)
{
	const struct vstats *st = &vd->st;

	jw_open(w, "ca", '{');
	jw_open(w, "probes", '{');
	for (int r = PROBE_OK; r <= PROBE_BUSY; r++)
		jw_u64(w, probe_result_name((enum probe_result)r), st->ca_probes[r]);
	jw_close(w, '}');
	jw_u64(w, "pairs", vd->vcache ? vcache_ca_pairs(vcache_cadata(vd->vcache)) : 0);
	jw_u64(w, "pairs_stored", st->ca_pairs_stored);
	jw_u64(w, "pair_hits", st->ca_pair_hits);
	jw_u64(w, "changes_flagged", st->ca_changes_flagged);
	jw_close(w, '}');
}

/*
 * Whether the system still asks us: the first nameserver of resolv.conf is one of our
 * listeners (glibc asks the first one first). Another program (DHCP client, VPN,
 * NetworkManager) rewriting the file takes the machine out of vantage's protection;
 * the log says so once (follow.c) and the status page for as long as it lasts.
 */
static void
report_resolv_conf(struct vantaged *vd, struct jw *w)
{
	struct netaddr ns[REPORT_MAX_NS];
	char buf[NETADDR_STRLEN];
	int n = vd->resolv_conf ? config_read_resolv_conf(vd->resolv_conf, NULL, 0, ns,
					 REPORT_MAX_NS) : -1;
	int in;

	jw_open(w, "resolv_conf", '{');
	jw_str(w, "path", vd->resolv_conf);
	jw_open(w, "nameservers", '[');
	for (int i = 0; i < n; i++)
		jw_str(w, NULL, netaddr_str(&ns[i], buf, sizeof(buf)));
	jw_close(w, ']');
	/* follow.c decides, as for its "out of the system's path" warning. */
	if ((in = follow_in_path(vd)) < 0)
		jw_null(w, "in_path");
	else
		jw_bool(w, "in_path", in);
	jw_close(w, '}');
}

void
report_status(struct vantaged *vd, struct jw *w)
{
	const struct vstats *st = &vd->st;
	const struct netaddr *a;
	size_t ready = 0, total = vd->mirrors ? mirror_set_count(vd->mirrors) : 0;
	char buf[NETADDR_STRLEN];

	jw_str(w, "version", PACKAGE_VERSION);
	jw_int(w, "pid", (long)getpid());
	jw_u64(w, "uptime_s", (now_ms() - vd->start_ms) / 1000);
	jw_str(w, "config", vd->config_path);
	jw_str(w, "mode", vd->cfg->consensus.mode == MODE_MONITOR ? "monitor" : "enforce");
	jw_open(w, "listen", '[');
	for (size_t i = 0; (a = listen_bound(vd->listen, i)) != NULL; i++) {
		jw_open(w, NULL, '{');
		jw_str(w, "address", netaddr_str(a, buf, sizeof(buf)));
		jw_u64(w, "port", netaddr_port(a));
		jw_close(w, '}');
	}
	jw_close(w, ']');
	report_upstreams(vd, w);
	for (size_t i = 0; i < total; i++) {
		struct mirror_stats ms;
		mirror_get_stats(mirror_set_get(vd->mirrors, i), &ms);
		ready += ms.state == MIRROR_UP;
	}
	jw_open(w, "mirrors", '{');
	jw_u64(w, "ready", ready);
	jw_u64(w, "total", total);
	jw_close(w, '}');
	report_cache(vd, w);
	jw_open(w, "queries", '{');
	jw_u64(w, "udp", st->queries_udp);
	jw_u64(w, "tcp", st->queries_tcp);
	jw_u64(w, "tcp_connections", st->tcp_accepted);
	jw_u64(w, "tcp_refused", st->tcp_refused);
	jw_close(w, '}');
	jw_open(w, "answers", '{');
	jw_u64(w, "cache", st->answers_cache);
	jw_u64(w, "stale", st->answers_stale);
	jw_u64(w, "upstream", st->answers_upstream);
	jw_u64(w, "truncated", st->truncated);
	jw_u64(w, "formerr", st->formerr);
	jw_u64(w, "notimp", st->notimp);
	jw_u64(w, "refused", st->refused);
	jw_u64(w, "servfail", st->servfail);
	jw_u64(w, "dropped", st->dropped);
	jw_u64(w, "acl_refused", st->acl_refused);
	jw_u64(w, "acl_dropped", st->acl_dropped);
	jw_u64(w, "ratelimited", st->ratelimited);
	jw_close(w, '}');
	jw_open(w, "verdicts", '{');
	jw_u64(w, "agree", st->verdict_agree);
	jw_u64(w, "dissent", st->verdict_dissent);
	jw_u64(w, "insufficient", st->verdict_insufficient);
	jw_u64(w, "cached", st->verdict_cached);
	jw_u64(w, "bypassed", st->bypassed);
	jw_close(w, '}');
	jw_open(w, "actions", '{');
	jw_u64(w, "refuse", st->action_refuse);
	jw_u64(w, "servfail", st->action_servfail);
	jw_u64(w, "flag", st->action_flag);
	jw_u64(w, "consensus", st->action_consensus);
	jw_close(w, '}');
	report_ca(vd, w);
	report_resolv_conf(vd, w);
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
report_mirrors(struct vantaged *vd, struct jw *w)
{
	size_t n = vd->mirrors ? mirror_set_count(vd->mirrors) : 0, ready = 0;

	jw_open(w, "mirrors", '[');
	for (size_t i = 0; i < n; i++) {
		struct mirror *m = mirror_set_get(vd->mirrors, i);
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
	jw_u64(w, "per_query", vd->cfg->consensus.mirrors_per_query);
}


int
report_cache_flush(struct vantaged *vd, struct jw *w, const char *name, char *err,
    size_t errlen)
{
	struct dnscache *c = resolve_cache(vd->res);
	size_t answers, verified = 0;

	if (name) {
		uint8_t wire[DNS_MAXNAME];
		size_t len = dnswire_name_from_str(name, wire, sizeof(wire));
		if (len == 0) {
			snprintf(err, errlen, "not a domain name: %.200s", name);
			return -1;
		}
		answers = dnscache_remove(c, wire, len, 0);
		if (vd->vcache)
			verified = vcache_remove(vd->vcache, wire, len);
		jw_str(w, "name", name);
	} else {
		struct dnscache_stats cs;
		dnscache_get_stats(c, &cs);
		answers = cs.entries;
		dnscache_flush(c);
		if (vd->vcache) {
			verified = vcache_count(vd->vcache);
			vcache_flush(vd->vcache);
		}
	}
	/* The state file must forget them too, or a restart would bring them back. */
	if (verified)
		vd->vcache_dirty = 1;
	jw_open(w, "flushed", '{');
	jw_u64(w, "answers", answers);
	jw_u64(w, "verified", verified);
	jw_close(w, '}');
	return 0;
}

void
report_recent(struct vantaged *vd, struct jw *w)
{
	recent_events_json(vd->recent, w);
}

void
report_clients(struct vantaged *vd, struct jw *w)
{
	recent_clients_json(vd->recent, w);
}

void
report_history(struct vantaged *vd, struct jw *w)
{
	recent_history_json(vd->recent, w);
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
