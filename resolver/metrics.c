/* resolver/metrics.c - Prometheus text metrics over plain HTTP (GET /metrics). */
#include "autoconf.h"

#include <errno.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dnscache.h"
#include "log.h"
#include "metrics.h"
#include "mirror_client.h"
#include "netaddr.h"
#include "plugin.h"
#include "upstream.h"
#include "vcache.h"
#include "vcache_ca.h"
#include "vutil.h"

/* A scrape must be sent and answered within this (s); Prometheus' default timeout is 10 s. */
#define METRICS_TIMEOUT 10
/* A scrape request is a GET with a few headers: anything larger is not a scraper. */
#define METRICS_MAX_HEADERS 8192
#define METRICS_MAX_BODY 1024
/* The exposition format this text follows. */
#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct metrics {
	struct vantaged *vd;
	struct evhttp *http;
	struct netaddr addr;		/* as configured (maybe port 0) */
};

/* ---- the text ---- */

struct mw {
	struct evbuffer *b;
	int err;
};

static void
mw_printf(struct mw *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
mw_printf(struct mw *m, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	m->err |= evbuffer_add_vprintf(m->b, fmt, ap) < 0;
	va_end(ap);
}

static void
mw_head(struct mw *m, const char *name, const char *type, const char *help)
{
	mw_printf(m, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* name{labels} value; labels is the text inside the braces, or NULL. */
static void
mw_u64(struct mw *m, const char *name, const char *labels, uint64_t v)
{
	if (labels)
		mw_printf(m, "%s{%s} %" PRIu64 "\n", name, labels, v);
	else
		mw_printf(m, "%s %" PRIu64 "\n", name, v);
}

static void
mw_dbl(struct mw *m, const char *name, const char *labels, double v)
{
	if (labels)
		mw_printf(m, "%s{%s} %.9g\n", name, labels, v);
	else
		mw_printf(m, "%s %.9g\n", name, v);
}

/* One label pair, key="value", the value escaped as the format wants (\\, \", \n). */
static char *
mw_label(char *buf, size_t cap, const char *key, const char *value)
{
	size_t o = (size_t)snprintf(buf, cap, "%s=\"", key);

	for (; *value && o + 3 < cap; value++) {
		if (*value == '\\' || *value == '"') {
			buf[o++] = '\\';
			buf[o++] = *value;
		} else if (*value == '\n') {
			buf[o++] = '\\';
			buf[o++] = 'n';
		} else
			buf[o++] = *value;
	}
	if (o + 2 > cap)
		o = cap - 2;
	buf[o++] = '"';
	buf[o] = '\0';
	return buf;
}

/* A counter or gauge with one label over a small fixed set of values. */
static void
mw_family(struct mw *m, const char *name, const char *type, const char *help, const char *key,
    const char *const values[], const uint64_t counts[], size_t n)
{
	char l[128];

	mw_head(m, name, type, help);
	for (size_t i = 0; i < n; i++)
		mw_u64(m, name, mw_label(l, sizeof(l), key, values[i]), counts[i]);
}

static void
metrics_query_path(struct mw *m, struct vantaged *vd)
{
	const struct vstats *st = &vd->st;

	mw_family(m, "vantaged_queries_total", "counter", "DNS queries received, by transport.",
	    "transport", (const char *const[]){ "udp", "tcp" },
	    (const uint64_t[]){ st->queries_udp, st->queries_tcp }, 2);
	mw_family(m, "vantaged_answers_total", "counter",
	    "Answers served, by where they came from.", "source",
	    (const char *const[]){ "cache", "upstream", "stale" },
	    (const uint64_t[]){ st->answers_cache, st->answers_upstream, st->answers_stale }, 3);
	mw_family(m, "vantaged_error_responses_total", "counter",
	    "Error responses sent, by RCODE (FORMERR, NOTIMP and REFUSED for bad queries, "
	    "SERVFAIL for failures and policy).",
	    "rcode", (const char *const[]){ "FORMERR", "NOTIMP", "REFUSED", "SERVFAIL" },
	    (const uint64_t[]){ st->formerr, st->notimp, st->refused, st->servfail }, 4);
	mw_family(m, "vantaged_dropped_queries_total", "counter",
	    "Queries dropped without an answer, by reason.", "reason",
	    (const char *const[]){ "malformed", "acl", "ratelimit" },
	    (const uint64_t[]){ st->dropped, st->acl_dropped, st->ratelimited }, 3);
	mw_head(m, "vantaged_acl_refused_total", "counter",
	    "Queries refused (REFUSED, EDE 18) because of the access list.");
	mw_u64(m, "vantaged_acl_refused_total", NULL, st->acl_refused);
	mw_head(m, "vantaged_truncated_responses_total", "counter",
	    "UDP answers cut to fit with TC set.");
	mw_u64(m, "vantaged_truncated_responses_total", NULL, st->truncated);
	mw_family(m, "vantaged_tcp_connections_total", "counter",
	    "TCP connections from clients, by result.", "result",
	    (const char *const[]){ "accepted", "refused" },
	    (const uint64_t[]){ st->tcp_accepted, st->tcp_refused }, 2);
}

static void
metrics_cache(struct mw *m, struct vantaged *vd)
{
	struct dnscache_stats cs;
	struct resolve_stats rs;

	dnscache_get_stats(resolve_cache(vd->res), &cs);
	resolve_get_stats(vd->res, &rs);
	mw_head(m, "vantaged_cache_hits_total", "counter", "Answer cache lookups that hit.");
	mw_u64(m, "vantaged_cache_hits_total", NULL, cs.hits);
	mw_head(m, "vantaged_cache_misses_total", "counter", "Answer cache lookups that missed.");
	mw_u64(m, "vantaged_cache_misses_total", NULL, cs.misses);
	mw_head(m, "vantaged_cache_inserts_total", "counter", "Answers stored in the cache.");
	mw_u64(m, "vantaged_cache_inserts_total", NULL, cs.inserts);
	mw_head(m, "vantaged_cache_evictions_total", "counter",
	    "Answers evicted to respect cache.max_entries.");
	mw_u64(m, "vantaged_cache_evictions_total", NULL, cs.evictions);
	mw_head(m, "vantaged_cache_expired_total", "counter", "Cached answers found expired.");
	mw_u64(m, "vantaged_cache_expired_total", NULL, cs.expired);
	mw_head(m, "vantaged_cache_entries", "gauge", "Answers in the cache.");
	mw_u64(m, "vantaged_cache_entries", NULL, cs.entries);
	mw_head(m, "vantaged_cache_bytes", "gauge", "Memory held by cached answers.");
	mw_u64(m, "vantaged_cache_bytes", NULL, cs.bytes);
	mw_head(m, "vantaged_coalesced_queries_total", "counter",
	    "Questions that joined an identical one already in flight upstream.");
	mw_u64(m, "vantaged_coalesced_queries_total", NULL, rs.coalesced);
	mw_head(m, "vantaged_in_flight_queries", "gauge", "Questions waiting for an upstream.");
	mw_u64(m, "vantaged_in_flight_queries", NULL, rs.in_flight);
	mw_head(m, "vantaged_verified_cache_entries", "gauge",
	    "Consensus verdicts held in the verified cache.");
	mw_u64(m, "vantaged_verified_cache_entries", NULL, vd->vcache ? vcache_count(vd->vcache) : 0);
}

/* The CA evidence (check_ca.c): probes, pairs, history flags. */
static void
metrics_ca(struct mw *m, struct vantaged *vd)
{
	const struct vstats *st = &vd->st;

	mw_family(m, "vantaged_ca_probes_total", "counter",
	    "TLS probes of local addresses against the mirrors' CA, by result.", "result",
	    (const char *const[]){ "ok", "other-ca", "bad-chain", "bad-name", "unreachable",
		"busy" },
	    st->ca_probes, 6);
	mw_head(m, "vantaged_ca_pairs_stored_total", "counter",
	    "(name, address, CA) pairs proven by a probe and kept.");
	mw_u64(m, "vantaged_ca_pairs_stored_total", NULL, st->ca_pairs_stored);
	mw_head(m, "vantaged_ca_pair_hits_total", "counter",
	    "Verdicts decided by cached pairs, without a probe.");
	mw_u64(m, "vantaged_ca_pair_hits_total", NULL, st->ca_pair_hits);
	mw_head(m, "vantaged_ca_pairs", "gauge", "(name, address, CA) pairs held.");
	mw_u64(m, "vantaged_ca_pairs", NULL,
	    vd->vcache ? vcache_ca_pairs(vcache_cadata(vd->vcache)) : 0);
	mw_head(m, "vantaged_ca_changes_flagged_total", "counter",
	    "Names whose mirrors' CA changed after a stable period (consensus.ca_history).");
	mw_u64(m, "vantaged_ca_changes_flagged_total", NULL, st->ca_changes_flagged);
}

static void
metrics_consensus(struct mw *m, struct vantaged *vd)
{
	const struct vstats *st = &vd->st;

	mw_family(m, "vantaged_verdicts_total", "counter",
	    "Consensus verdicts taken with the mirrors, by outcome.", "outcome",
	    (const char *const[]){ "agree", "dissent", "insufficient" },
	    (const uint64_t[]){ st->verdict_agree, st->verdict_dissent, st->verdict_insufficient },
	    3);
	mw_head(m, "vantaged_verdicts_cached_total", "counter",
	    "Answers served on a verdict from the verified cache, no mirror asked.");
	mw_u64(m, "vantaged_verdicts_cached_total", NULL, st->verdict_cached);
	mw_head(m, "vantaged_bypassed_queries_total", "counter",
	    "Questions of checked types under consensus.bypass, never sent to mirrors.");
	mw_u64(m, "vantaged_bypassed_queries_total", NULL, st->bypassed);
	mw_family(m, "vantaged_actions_total", "counter",
	    "Answers changed by the consensus policy, by action.", "action",
	    (const char *const[]){ "refuse", "servfail", "flag", "consensus" },
	    (const uint64_t[]){ st->action_refuse, st->action_servfail, st->action_flag,
		st->action_consensus },
	    4);	metrics_ca(m, vd);
}

static void
metrics_upstreams(struct mw *m, struct vantaged *vd)
{
	static const struct {
		const char *name, *help;
		size_t off;
	} counters[] = {
		{ "vantaged_upstream_queries_total", "Queries sent to the upstream.",
		    offsetof(struct upstream_stats, queries) },
		{ "vantaged_upstream_answers_total", "Usable answers from the upstream.",
		    offsetof(struct upstream_stats, answers) },
		{ "vantaged_upstream_timeouts_total", "Queries the upstream did not answer in time.",
		    offsetof(struct upstream_stats, timeouts) },
		{ "vantaged_upstream_errors_total", "Refusals (ICMP, RST) and unusable answers.",
		    offsetof(struct upstream_stats, errors) },
		{ "vantaged_upstream_tcp_retries_total", "Truncated answers asked again over TCP.",
		    offsetof(struct upstream_stats, tcp_retries) },
		{ "vantaged_upstream_mismatches_total",
		    "Answers dropped for a wrong source, ID or question (spoofing attempts).",
		    offsetof(struct upstream_stats, mismatches) },
	};
	struct upstream_set *ups = resolve_upstreams(vd->res);
	size_t n = ups ? upstream_count(ups) : 0;
	struct upstream_stats *st = n ? calloc(n, sizeof(*st)) : NULL;
	char l[NETADDR_STRLEN + 16];

	if (n && st == NULL) {
		m->err = 1;
		return;
	}
	for (size_t i = 0; i < n; i++)
		upstream_get_stats(ups, i, &st[i]);
	for (size_t c = 0; c < NELEMS(counters); c++) {
		mw_head(m, counters[c].name, "counter", counters[c].help);
		for (size_t i = 0; i < n; i++)
			mw_u64(m, counters[c].name, mw_label(l, sizeof(l), "upstream", st[i].addr),
			    *(const uint64_t *)((const char *)&st[i] + counters[c].off));
	}
	mw_head(m, "vantaged_upstream_healthy", "gauge", "1 when the upstream is in use, 0 when failing.");
	for (size_t i = 0; i < n; i++)
		mw_u64(m, "vantaged_upstream_healthy", mw_label(l, sizeof(l), "upstream", st[i].addr),
		    (uint64_t)(st[i].healthy != 0));
	mw_head(m, "vantaged_upstream_srtt_seconds", "gauge",
	    "Smoothed round-trip time of the upstream (0 before its first answer).");
	for (size_t i = 0; i < n; i++)
		mw_dbl(m, "vantaged_upstream_srtt_seconds",
		    mw_label(l, sizeof(l), "upstream", st[i].addr), st[i].srtt_ms / 1000.0);
	free(st);
}

/* The mirror label: its name, made unique with "#N" when two entries share one. */
static void
metrics_mirror_label(struct mirror_set *set, size_t i, char *buf, size_t cap)
{
	const char *name = mirror_name(mirror_set_get(set, i));
	unsigned dup = 0;
	char v[200];

	for (size_t j = 0; j < i; j++)
		dup += strcmp(mirror_name(mirror_set_get(set, j)), name) == 0;
	if (dup)
		snprintf(v, sizeof(v), "%.150s#%u", name, dup + 1);
	else
		snprintf(v, sizeof(v), "%.150s", name);
	mw_label(buf, cap, "mirror", v);
}

static void
metrics_mirror_hist(struct mw *m, const char *label, const struct mirror_stats *ms)
{
	uint64_t cum = 0;

	for (size_t b = 0; b <= MIRROR_RTT_BUCKETS; b++) {
		cum += ms->rtt_hist[b];
		if (b < MIRROR_RTT_BUCKETS)
			mw_printf(m, "vantaged_mirror_rtt_seconds_bucket{%s,le=\"%g\"} %" PRIu64 "\n",
			    label, mirror_rtt_bounds_us[b] / 1e6, cum);
		else
			mw_printf(m, "vantaged_mirror_rtt_seconds_bucket{%s,le=\"+Inf\"} %" PRIu64 "\n",
			    label, cum);
	}
	mw_dbl(m, "vantaged_mirror_rtt_seconds_sum", label, ms->rtt_sum_us / 1e6);
	mw_u64(m, "vantaged_mirror_rtt_seconds_count", label, ms->rtt_count);
}

static void
metrics_mirrors(struct mw *m, struct vantaged *vd)
{
	static const struct {
		const char *name, *help;
		size_t off;
	} counters[] = {
		{ "vantaged_mirror_queries_total", "DoH queries sent to the mirror.",
		    offsetof(struct mirror_stats, queries) },
		{ "vantaged_mirror_answers_total", "Answers from the mirror.",
		    offsetof(struct mirror_stats, answers) },
		{ "vantaged_mirror_timeouts_total", "Queries the mirror did not answer in time.",
		    offsetof(struct mirror_stats, timeouts) },
		{ "vantaged_mirror_errors_total", "Queries failed by connection or protocol errors.",
		    offsetof(struct mirror_stats, errors) },
		{ "vantaged_mirror_tls_failures_total",
		    "TLS handshakes that failed, the pin check included.",
		    offsetof(struct mirror_stats, tls_failures) },
		{ "vantaged_mirror_handshakes_total", "TLS connections established.",
		    offsetof(struct mirror_stats, handshakes) },
		{ "vantaged_mirror_full_handshakes_total",
		    "TLS connections established by a full handshake (a certificate checked).",
		    offsetof(struct mirror_stats, full_handshakes) },
		{ "vantaged_mirror_resumed_handshakes_total",
		    "TLS connections established by resuming a session (a ticket).",
		    offsetof(struct mirror_stats, resumed) },
		{ "vantaged_mirror_stream_errors_total",
		    "Queries failed alone: bad status or media type, stream reset or refused.",
		    offsetof(struct mirror_stats, stream_errors) },
		{ "vantaged_mirror_agreements_total",
		    "Answers of the mirror that corroborated the local answer.",
		    offsetof(struct mirror_stats, agreements) },
		{ "vantaged_mirror_dissents_total",
		    "Answers of the mirror that dissented from the local answer.",
		    offsetof(struct mirror_stats, dissents) },
	};
	struct mirror_set *set = vd->mirrors;
	size_t n = set ? mirror_set_count(set) : 0, ready = 0;
	struct mirror_stats *st = n ? calloc(n, sizeof(*st)) : NULL;
	char (*lab)[256] = n ? calloc(n, sizeof(*lab)) : NULL;
	char a[160], b[160], c[200];

	if (n && (st == NULL || lab == NULL)) {
		free(st);
		free(lab);
		m->err = 1;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		mirror_get_stats(mirror_set_get(set, i), &st[i]);
		metrics_mirror_label(set, i, lab[i], sizeof(lab[i]));
		ready += st[i].state == MIRROR_UP;
	}
	mw_head(m, "vantaged_mirrors", "gauge", "Mirrors configured.");
	mw_u64(m, "vantaged_mirrors", NULL, n);
	mw_head(m, "vantaged_mirrors_ready", "gauge", "Mirrors with their connection up.");
	mw_u64(m, "vantaged_mirrors_ready", NULL, ready);
	mw_head(m, "vantaged_mirror_info", "gauge", "Each mirror's region, address and CA pin (value 1).");
	for (size_t i = 0; i < n; i++) {
		struct mirror *mi = mirror_set_get(set, i);
		mw_printf(m, "vantaged_mirror_info{%s,%s,%s,%s} 1\n", lab[i],
		    mw_label(a, sizeof(a), "region", mirror_region(mi)),
		    mw_label(b, sizeof(b), "address", mirror_addr_str(mi)),
		    mw_label(c, sizeof(c), "id", mirror_id_hex(mi)));
	}
	mw_head(m, "vantaged_mirror_up", "gauge", "1 when the mirror's connection is up.");
	for (size_t i = 0; i < n; i++)
		mw_u64(m, "vantaged_mirror_up", lab[i], st[i].state == MIRROR_UP);
	mw_head(m, "vantaged_mirror_http2", "gauge",
	    "1 when the mirror's last connection speaks HTTP/2 (ALPN h2), 0 for HTTP/1.1.");
	for (size_t i = 0; i < n; i++)
		mw_u64(m, "vantaged_mirror_http2", lab[i], st[i].proto == MIRROR_PROTO_H2);
	for (size_t k = 0; k < NELEMS(counters); k++) {
		mw_head(m, counters[k].name, "counter", counters[k].help);
		for (size_t i = 0; i < n; i++)
			mw_u64(m, counters[k].name, lab[i],
			    *(const uint64_t *)((const char *)&st[i] + counters[k].off));
	}
	mw_head(m, "vantaged_mirror_srtt_seconds", "gauge",
	    "Smoothed round-trip time of the mirror's requests (0 before the first).");
	for (size_t i = 0; i < n; i++)
		mw_dbl(m, "vantaged_mirror_srtt_seconds", lab[i], st[i].srtt_ms / 1000.0);
	mw_head(m, "vantaged_mirror_rtt_seconds", "histogram",
	    "Round-trip times of the mirror's answered requests.");
	for (size_t i = 0; i < n; i++)
		metrics_mirror_hist(m, lab[i], &st[i]);
	free(st);
	free(lab);
}

int
metrics_render(struct vantaged *vd, struct evbuffer *out)
{
	struct mw m = { .b = out };
	char l[64];

	mw_head(&m, "vantaged_build_info", "gauge", "The version of vantaged (value 1).");
	mw_u64(&m, "vantaged_build_info", mw_label(l, sizeof(l), "version", PACKAGE_VERSION), 1);
	mw_head(&m, "vantaged_uptime_seconds", "gauge", "Seconds since vantaged started.");
	mw_dbl(&m, "vantaged_uptime_seconds", NULL, (now_ms() - vd->start_ms) / 1000.0);
	metrics_query_path(&m, vd);
	metrics_cache(&m, vd);
	metrics_consensus(&m, vd);
	metrics_upstreams(&m, vd);
	metrics_mirrors(&m, vd);
	plugin_metrics(vd->plugins, out);
	return m.err ? -1 : 0;
}

/* ---- the endpoint ---- */

static void
metrics_request(struct evhttp_request *req, void *arg)
{
	struct metrics *mt = arg;
	const char *uri = evhttp_request_get_uri(req);
	struct evbuffer *body;

	if (uri == NULL || strncmp(uri, "/metrics", 8) != 0 || (uri[8] != '\0' && uri[8] != '?')) {
		evhttp_send_error(req, HTTP_NOTFOUND, "only /metrics is served here");
		return;
	}
	if ((body = evbuffer_new()) == NULL || metrics_render(mt->vd, body) != 0) {
		evbuffer_free(body);
		evhttp_send_error(req, HTTP_INTERNAL, "out of memory");
		return;
	}
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
	    METRICS_CONTENT_TYPE);
	evhttp_send_reply(req, HTTP_OK, "OK", body);
	evbuffer_free(body);
}

/* A listening TCP socket on a, with the bound address in *bound; -1 after logging. */
static int
metrics_socket(const struct netaddr *a, struct netaddr *bound)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int fd, on = 1;
	char s[NETADDR_STRLEN];

	fd = socket(a->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		log_warn(LOG_G_MAIN, "metrics: socket");
		return -1;
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (a->ss.ss_family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
	if (bind(fd, (const struct sockaddr *)&a->ss, a->len) != 0 || listen(fd, 64) != 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &len) != 0) {
		log_warn(LOG_G_MAIN, "metrics: cannot listen on %s", netaddr_str(a, s, sizeof(s)));
		close(fd);
		return -1;
	}
	netaddr_from_sockaddr(bound, (struct sockaddr *)&ss, len);
	return fd;
}

static struct metrics *
metrics_start(struct vantaged *vd, const struct netaddr *addr)
{
	struct metrics *mt = calloc(1, sizeof(*mt));
	struct netaddr bound;
	char s[NETADDR_STRLEN];
	int fd = -1;

	if (mt == NULL || (mt->http = evhttp_new(vd->base)) == NULL)
		goto fail;
	mt->vd = vd;
	mt->addr = *addr;
	evhttp_set_allowed_methods(mt->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD);
	evhttp_set_timeout(mt->http, METRICS_TIMEOUT);
	evhttp_set_max_headers_size(mt->http, METRICS_MAX_HEADERS);
	evhttp_set_max_body_size(mt->http, METRICS_MAX_BODY);
	evhttp_set_gencb(mt->http, metrics_request, mt);
	if ((fd = metrics_socket(addr, &bound)) < 0)
		goto fail;
	if (evhttp_accept_socket_with_handle(mt->http, fd) == NULL) {
		log_warnx(LOG_G_MAIN, "metrics: cannot serve on the socket");
		close(fd);
		goto fail;
	}
	log_info(LOG_G_MAIN, "metrics: serving http://%s/metrics", netaddr_str(&bound, s, sizeof(s)));
	if (!netaddr_is_loopback(&bound))
		log_info(LOG_G_MAIN, "metrics: not on loopback: restrict who can reach %s", s);
	return mt;
fail:
	if (mt && mt->http)
		evhttp_free(mt->http);
	free(mt);
	return NULL;
}

static void
metrics_stop(struct metrics *mt)
{
	if (mt == NULL)
		return;
	evhttp_free(mt->http);
	free(mt);
}

int
metrics_open(struct vantaged *vd)
{
	if (!vd->cfg->has_metrics)
		return 0;
	if ((vd->metrics = metrics_start(vd, &vd->cfg->metrics_listen)) == NULL)
		return -1;
	return 0;
}

void
metrics_close(struct vantaged *vd)
{
	metrics_stop(vd->metrics);
	vd->metrics = NULL;
}

void
metrics_reload(struct vantaged *vd, const struct config *cfg)
{
	struct metrics *mt;

	if (!cfg->has_metrics) {
		if (vd->metrics)
			log_info(LOG_G_MAIN, "metrics: endpoint removed from the configuration");
		metrics_close(vd);
		return;
	}
	if (vd->metrics && netaddr_equal(&vd->metrics->addr, &cfg->metrics_listen))
		return;
	if ((mt = metrics_start(vd, &cfg->metrics_listen)) == NULL) {
		log_warnx(LOG_G_CONFIG, "reload: metrics.listen unchanged%s",
		    vd->metrics ? " (the old address still serves)" : "");
		return;
	}
	metrics_stop(vd->metrics);
	vd->metrics = mt;
}
