/* resolver/control_cmd.c - the control commands that answer at once. */
#include "autoconf.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "control_int.h"
#include "probe.h"
#include "vcache_ca.h"
#include "dnscache.h"
#include "listen.h"
#include "log.h"
#include "mirror_client.h"
#include "upstream.h"
#include "vutil.h"

/* `cache dump` lists this many entries unless asked for fewer; never more than the cap,
 * so that one answer stays a few MiB at most. */
#define CTL_DUMP_DEFAULT 1000
#define CTL_DUMP_MAX 100000

static void
ctl_upstreams(struct jw *w, struct vantaged *vd)
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

static void
ctl_cache_fields(struct jw *w, struct vantaged *vd)
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
ctl_ca_fields(struct jw *w, struct vantaged *vd)
{
	const struct vantaged_stats *st = &vd->st;

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

int
ctl_status(struct ctl_conn *cc, struct jw *w, int argc, char **argv)
{
	struct vantaged *vd = cc->vd;
	const struct vantaged_stats *st = &vd->st;
	const struct netaddr *a;
	size_t ready = 0, total = vd->mirrors ? mirror_set_count(vd->mirrors) : 0;
	char buf[NETADDR_STRLEN];

	(void)argc;
	(void)argv;
	jw_str(w, "version", PACKAGE_VERSION);
	jw_int(w, "pid", (long)getpid());
	jw_u64(w, "uptime_s", (now_ms() - vd->start_ms) / 1000);
	jw_str(w, "config", vd->config_path);
	jw_str(w, "mode", vd->cfg->consensus.mode == MODE_MONITOR ? "monitor" : "enforce");
	jw_open(w, "listen", '[');
	for (size_t i = 0; (a = listen_bound(vd, i)) != NULL; i++) {
		jw_open(w, NULL, '{');
		jw_str(w, "address", netaddr_str(a, buf, sizeof(buf)));
		jw_u64(w, "port", netaddr_port(a));
		jw_close(w, '}');
	}
	jw_close(w, ']');
	ctl_upstreams(w, vd);
	for (size_t i = 0; i < total; i++) {
		struct mirror_stats ms;
		mirror_get_stats(mirror_set_get(vd->mirrors, i), &ms);
		ready += ms.state == MIRROR_UP;
	}
	jw_open(w, "mirrors", '{');
	jw_u64(w, "ready", ready);
	jw_u64(w, "total", total);
	jw_close(w, '}');
	ctl_cache_fields(w, vd);
	jw_open(w, "queries", '{');
	jw_u64(w, "udp", st->queries_udp);
	jw_u64(w, "tcp", st->queries_tcp);
	jw_u64(w, "tcp_connections", st->tcp_accepted);
	jw_u64(w, "tcp_refused", st->tcp_refused);
	jw_close(w, '}');
	jw_open(w, "answers", '{');
	jw_u64(w, "cache", st->answers_cache);
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
	ctl_ca_fields(w, vd);
	return CTL_DONE;
}

/*
 * A mirror's verification: its kind, why it is not used now, and for a webpki mirror the
 * chain it presented last (SHA-256s, leaf first, space-separated; "ca" is the issuer of
 * the leaf) and how often its CA changed.
 */
static void
ctl_mirror_webpki(struct jw *w, const struct mirror *m, const struct mirror_stats *ms)
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

int
ctl_mirrors(struct ctl_conn *cc, struct jw *w, int argc, char **argv)
{
	struct vantaged *vd = cc->vd;
	size_t n = vd->mirrors ? mirror_set_count(vd->mirrors) : 0, ready = 0;

	(void)argc;
	(void)argv;
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
		ctl_mirror_webpki(w, m, &ms);
		jw_close(w, '}');
	}
	jw_close(w, ']');
	jw_u64(w, "ready", ready);
	jw_u64(w, "total", n);
	jw_u64(w, "per_query", vd->cfg->consensus.mirrors_per_query);
	return CTL_DONE;
}

int
ctl_cache_stats(struct ctl_conn *cc, struct jw *w, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	ctl_cache_fields(w, cc->vd);
	return CTL_DONE;
}

int
ctl_cache_flush(struct ctl_conn *cc, struct jw *w, int argc, char **argv)
{
	struct vantaged *vd = cc->vd;
	struct dnscache *c = resolve_cache(vd->res);
	size_t answers, verified = 0;

	if (argc == 1) {
		uint8_t name[DNS_MAXNAME];
		size_t len = dnswire_name_from_str(argv[0], name, sizeof(name));
		if (len == 0) {
			snprintf(cc->err, sizeof(cc->err), "not a domain name: %.200s", argv[0]);
			return CTL_ERROR;
		}
		answers = dnscache_remove(c, name, len, 0);
		if (vd->vcache)
			verified = vcache_remove(vd->vcache, name, len);
		jw_str(w, "name", argv[0]);
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
	return CTL_DONE;
}

struct ctl_dump {
	struct vantaged *vd;
	struct jw *w;
	size_t max, shown;
	uint64_t wall;
};

static int
ctl_dump_entry(void *arg, const struct dnscache_entry_info *e)
{
	struct ctl_dump *d = arg;
	struct jw *w = d->w;
	struct vcache_info vi;
	char name[DNS_MAXNAME * 4 + 1], tb[16];

	if (d->shown == d->max)
		return 1;
	d->shown++;
	dnswire_name2str(e->qname, e->qname_len, name, sizeof(name));
	jw_open(w, NULL, '{');
	jw_str(w, "name", name);
	jw_str(w, "type", dnswire_type2str(e->qtype, tb, sizeof(tb)));
	jw_u64(w, "ttl", e->ttl);
	jw_bool(w, "negative", e->negative);
	jw_bool(w, "do", e->do_bit);
	jw_bool(w, "cd", e->cd_bit);
	jw_u64(w, "bytes", e->len);
	if (d->vd->vcache && vcache_lookup(d->vd->vcache, e->qname, e->qname_len, e->qtype,
				 d->wall, &vi))
		jw_str(w, "verdict", consensus_outcome_name(vi.outcome));
	else
		jw_null(w, "verdict");
	jw_close(w, '}');
	return w->err;
}

int
ctl_cache_dump(struct ctl_conn *cc, struct jw *w, int argc, char **argv)
{
	struct vantaged *vd = cc->vd;
	struct dnscache *c = resolve_cache(vd->res);
	struct dnscache_stats cs;
	struct ctl_dump d = { .vd = vd, .w = w, .max = CTL_DUMP_DEFAULT,
		.wall = (uint64_t)time(NULL) };

	if (argc == 1) {
		char *end;
		unsigned long v = strtoul(argv[0], &end, 10);
		if (*argv[0] == '\0' || *end != '\0' || v == 0 || v > CTL_DUMP_MAX) {
			snprintf(cc->err, sizeof(cc->err), "MAX must be 1 to %d", CTL_DUMP_MAX);
			return CTL_ERROR;
		}
		d.max = v;
	}
	dnscache_get_stats(c, &cs);
	jw_open(w, "entries", '[');
	dnscache_walk(c, resolve_clock(vd->res), ctl_dump_entry, &d);
	jw_close(w, ']');
	jw_u64(w, "shown", d.shown);
	jw_u64(w, "total", cs.entries);
	jw_bool(w, "truncated", d.shown < cs.entries && d.shown == d.max);
	return CTL_DONE;
}

int
ctl_reload(struct ctl_conn *cc, struct jw *w, int argc, char **argv)
{
	struct vantaged *vd = cc->vd;
	const struct config *before = vd->cfg;
	struct config *probe;
	char err[512];

	(void)argc;
	(void)argv;
	/*
	 * Read the file once more first, only to hand the operator the exact error: the
	 * reload itself logs it, but the person at the terminal should not need the log.
	 */
	if ((probe = config_load(vd->config_path, vd->resolv_conf, err, sizeof(err))) == NULL) {
		log_warnx(LOG_G_CONFIG, "reload failed, keeping the running configuration: %s", err);
		snprintf(cc->err, sizeof(cc->err), "%.500s", err);
		return CTL_ERROR;
	}
	config_free(probe);
	vantaged_reload(vd);
	if (vd->cfg == before) {
		snprintf(cc->err, sizeof(cc->err),
		    "reload failed; the running configuration stays (see the log)");
		return CTL_ERROR;
	}
	jw_str(w, "config", vd->config_path);
	ctl_upstreams(w, vd);
	jw_u64(w, "mirrors", vd->mirrors ? mirror_set_count(vd->mirrors) : 0);
	return CTL_DONE;
}

static const char *
ctl_level_name(enum log_group g)
{
	return log_enabled(g, LOG_L_DEBUG) ? "debug" : log_enabled(g, LOG_L_INFO) ? "info" : "warn";
}

int
ctl_log_level(struct ctl_conn *cc, struct jw *w, int argc, char **argv)
{
	int group = -1, level;

	if (argc == 1) {
		snprintf(cc->err, sizeof(cc->err), "usage: log level [GROUP LEVEL]");
		return CTL_ERROR;
	}
	if (argc == 2) {
		if (strcmp(argv[0], "all") != 0 && (group = log_group_by_name(argv[0])) < 0) {
			snprintf(cc->err, sizeof(cc->err), "unknown log group '%.40s' (all", argv[0]);
			for (int g = 0; g < LOG_G_COUNT; g++)
				snprintf(cc->err + strlen(cc->err), sizeof(cc->err) - strlen(cc->err),
				    ", %s", log_group_name((enum log_group)g));
			snprintf(cc->err + strlen(cc->err), sizeof(cc->err) - strlen(cc->err), ")");
			return CTL_ERROR;
		}
		if ((level = log_level_by_name(argv[1])) < 0) {
			snprintf(cc->err, sizeof(cc->err),
			    "unknown log level '%.40s' (warn, info, debug)", argv[1]);
			return CTL_ERROR;
		}
		log_set_level(group, (enum log_level)level);
		log_info(LOG_G_CTL, "log level of %s set to %s", group < 0 ? "all groups" : argv[0],
		    argv[1]);
	}
	jw_open(w, "levels", '{');
	for (int g = 0; g < LOG_G_COUNT; g++)
		jw_str(w, log_group_name((enum log_group)g), ctl_level_name((enum log_group)g));
	jw_close(w, '}');
	return CTL_DONE;
}
