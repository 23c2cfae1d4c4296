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

#include "config.h"
#include "dnscache.h"
#include "fleet.h"
#include "httpsrv.h"
#include "log.h"
#include "metrics.h"
#include "mirror_client.h"
#include "netaddr.h"
#include "portal.h"
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
	struct metrics_env env;
	struct evhttp *http;		/* NULL: not serving */
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

/* A family of one unlabelled series: its HELP, TYPE and value. */
static void
mw_single(struct mw *m, const char *name, const char *type, const char *help, uint64_t v)
{
	mw_head(m, name, type, help);
	mw_u64(m, name, NULL, v);
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

/* The families of the counter table (stats.c) from first to last, in their order. */
static void
metrics_stats(struct mw *m, const struct vstats *st, enum stats_family first,
    enum stats_family last)
{
	const struct stats_counter *c;
	char l[128];

	for (int f = first; f <= (int)last; f++) {
		const struct stats_family_desc *fd = &stats_families[f];
		mw_head(m, fd->name, fd->type, fd->help);
		for (unsigned pos = 0; (c = stats_find((enum stats_family)f, pos)) != NULL; pos++)
			mw_u64(m, fd->name, fd->label ? mw_label(l, sizeof(l), fd->label, c->value) : NULL,
			    stats_value(st, c));
	}
}

static void
metrics_cache(struct mw *m, const struct report_src *src)
{
	struct vcache *vc = src->vcache(src->arg);
	struct dnscache_stats cs;
	struct resolve_stats rs;

	dnscache_get_stats(resolve_cache(*src->res), &cs);
	report_resolve_stats(src, &rs);
	mw_single(m, "vantaged_cache_hits_total", "counter",
	    "Answer cache lookups that hit.", cs.hits);
	mw_single(m, "vantaged_cache_misses_total", "counter",
	    "Answer cache lookups that missed.", cs.misses);
	mw_single(m, "vantaged_cache_inserts_total", "counter",
	    "Answers stored in the cache.", cs.inserts);
	mw_single(m, "vantaged_cache_evictions_total", "counter",
	    "Answers evicted to respect cache.max_entries.", cs.evictions);
	mw_single(m, "vantaged_cache_expired_total", "counter",
	    "Cached answers found expired.", cs.expired);
	mw_single(m, "vantaged_cache_entries", "gauge", "Answers in the cache.", cs.entries);
	mw_single(m, "vantaged_cache_bytes", "gauge", "Memory held by cached answers.", cs.bytes);
	mw_single(m, "vantaged_coalesced_queries_total", "counter",
	    "Questions that joined an identical one already in flight upstream.", rs.coalesced);
	mw_single(m, "vantaged_in_flight_queries", "gauge",
	    "Questions waiting for an upstream.", rs.in_flight);
	mw_single(m, "vantaged_verified_cache_entries", "gauge",
	    "Consensus verdicts held in the verified cache.", vc ? vcache_count(vc) : 0);
}

/* The consensus counters, the CA evidence (check_ca.c: probes, pairs, history flags) and the
 * prefetches; every family of the counter table up to its last. */
static void
metrics_consensus(struct mw *m, const struct report_src *src)
{
	struct vcache *vc = src->vcache(src->arg);

	metrics_stats(m, src->st, STATS_F_VERDICTS, STATS_F_CA_PAIR_HITS);
	mw_single(m, "vantaged_ca_pairs", "gauge",
	    "(name, address, CA) pairs held.", vc ? vcache_ca_pairs(vcache_cadata(vc)) : 0);
	metrics_stats(m, src->st, STATS_F_CA_CHANGES, STATS_F_COUNT - 1);
}

/*
 * The counters kept per mirror (struct mirror_stats), one family each, in /metrics order;
 * no status keys: `mirrors` lists these among other fields (report_mirrors). Those per
 * upstream are in stats.c, which status renders too.
 */
static const struct stats_item metrics_mirror_counters[] = {
	{ NULL, "vantaged_mirror_queries_total", "DoH queries sent to the mirror.",
	    offsetof(struct mirror_stats, queries) },
	{ NULL, "vantaged_mirror_answers_total", "Answers from the mirror.",
	    offsetof(struct mirror_stats, answers) },
	{ NULL, "vantaged_mirror_timeouts_total", "Queries the mirror did not answer in time.",
	    offsetof(struct mirror_stats, timeouts) },
	{ NULL, "vantaged_mirror_errors_total", "Queries failed by connection or protocol errors.",
	    offsetof(struct mirror_stats, errors) },
	{ NULL, "vantaged_mirror_tls_failures_total",
	    "TLS handshakes that failed, the pin check included.",
	    offsetof(struct mirror_stats, tls_failures) },
	{ NULL, "vantaged_mirror_handshakes_total", "TLS connections established.",
	    offsetof(struct mirror_stats, handshakes) },
	{ NULL, "vantaged_mirror_full_handshakes_total",
	    "TLS connections established by a full handshake (a certificate checked).",
	    offsetof(struct mirror_stats, full_handshakes) },
	{ NULL, "vantaged_mirror_resumed_handshakes_total",
	    "TLS connections established by resuming a session (a ticket).",
	    offsetof(struct mirror_stats, resumed) },
	{ NULL, "vantaged_mirror_stream_errors_total",
	    "Queries failed alone: bad status or media type, stream reset or refused.",
	    offsetof(struct mirror_stats, stream_errors) },
	{ NULL, "vantaged_mirror_agreements_total",
	    "Answers of the mirror that corroborated the local answer.",
	    offsetof(struct mirror_stats, agreements) },
	{ NULL, "vantaged_mirror_dissents_total",
	    "Answers of the mirror that dissented from the local answer.",
	    offsetof(struct mirror_stats, dissents) },
};

/*
 * The n_table counters of table over n items: item i's stats at base + i * stride, its
 * labels at labels + i * label_len.
 */
static void
mw_per_item(struct mw *m, const struct stats_item *table, size_t n_table, const void *base,
    size_t stride, const char *labels, size_t label_len, size_t n)
{
	for (size_t c = 0; c < n_table; c++) {
		mw_head(m, table[c].metric, "counter", table[c].help);
		for (size_t i = 0; i < n; i++)
			mw_u64(m, table[c].metric, labels + i * label_len,
			    stats_item_value((const char *)base + i * stride, &table[c]));
	}
}


/* An upstream's label: upstream="ADDR". */
#define METRICS_UPSTREAM_LABEL (NETADDR_STRLEN + 16)

static void
metrics_upstreams(struct mw *m, const struct report_src *src)
{
	struct upstream_set *ups = resolve_upstreams(*src->res);
	size_t n = ups ? upstream_count(ups) : 0, n_table;
	struct upstream_stats *st = n ? calloc(n, sizeof(*st)) : NULL;
	char (*lab)[METRICS_UPSTREAM_LABEL] = n ? calloc(n, sizeof(*lab)) : NULL;
	const struct stats_item *table;

	if (n && (st == NULL || lab == NULL)) {
		free(st);
		free(lab);
		m->err = 1;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		report_upstream_stats(src, ups, i, &st[i]);
		mw_label(lab[i], sizeof(lab[i]), "upstream", st[i].addr);
	}
	table = stats_upstream(&n_table);
	mw_per_item(m, table, n_table, st, sizeof(*st), (const char *)lab, sizeof(*lab), n);
	mw_head(m, "vantaged_upstream_healthy", "gauge", "1 when the upstream is in use, 0 when failing.");
	for (size_t i = 0; i < n; i++)
		mw_u64(m, "vantaged_upstream_healthy", lab[i], (uint64_t)(st[i].healthy != 0));
	mw_head(m, "vantaged_upstream_srtt_seconds", "gauge",
	    "Smoothed round-trip time of the upstream (0 before its first answer).");
	for (size_t i = 0; i < n; i++)
		mw_dbl(m, "vantaged_upstream_srtt_seconds", lab[i], st[i].srtt_ms / 1000.0);
	free(st);
	free(lab);
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


/* A mirror's label: mirror="NAME". */
#define METRICS_MIRROR_LABEL 256

/* The mirrors' gauges before their counters: how many, which, up, protocol. */
static void
metrics_mirror_gauges(struct mw *m, struct mirror_set *set, const struct mirror_stats *st,
    char (*lab)[METRICS_MIRROR_LABEL], size_t n)
{
	size_t ready = 0;
	char a[160], b[160], c[200];

	for (size_t i = 0; i < n; i++)
		ready += st[i].state == MIRROR_UP;
	mw_single(m, "vantaged_mirrors", "gauge", "Mirrors configured.", n);
	mw_single(m, "vantaged_mirrors_ready", "gauge", "Mirrors with their connection up.", ready);
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
}

static void
metrics_mirrors(struct mw *m, const struct report_src *src)
{
	struct mirror_set *set = src->mirrors(src->arg);
	size_t n = set ? mirror_set_count(set) : 0;
	struct mirror_stats *st = n ? calloc(n, sizeof(*st)) : NULL;
	char (*lab)[METRICS_MIRROR_LABEL] = n ? calloc(n, sizeof(*lab)) : NULL;

	if (n && (st == NULL || lab == NULL)) {
		free(st);
		free(lab);
		m->err = 1;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		mirror_get_stats(mirror_set_get(set, i), &st[i]);
		metrics_mirror_label(set, i, lab[i], sizeof(lab[i]));
	}
	metrics_mirror_gauges(m, set, st, lab, n);
	mw_per_item(m, metrics_mirror_counters, NELEMS(metrics_mirror_counters), st, sizeof(*st),
	    (const char *)lab, sizeof(*lab), n);
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

/* Captive portals: the state as a set of 0/1 series (one is 1), the window, its counters. */
static void
metrics_portal(struct mw *m, const struct report_src *src)
{
	struct portal_view v;
	char l[64];

	portal_get(report_portal(src), now_ms(), &v);
	mw_head(m, "vantaged_portal_state", "gauge",
	    "Captive portal: 1 for the current state (none, unreachable, suspected, window).");
	for (int s = PORTAL_NONE; s <= PORTAL_WINDOW; s++)
		mw_u64(m, "vantaged_portal_state",
		    mw_label(l, sizeof(l), "state", portal_state_name((enum portal_state)s)),
		    v.state == (enum portal_state)s);
	mw_single(m, "vantaged_portal_window_seconds", "gauge",
	    "Seconds left in the captive-portal login window (0: closed).", v.window_left_s);
	mw_single(m, "vantaged_portal_windows_total", "counter",
	    "Captive-portal login windows opened (vantagectl portal).", v.windows);
	mw_single(m, "vantaged_portal_window_answers_total", "counter",
	    "Answers served unverified, flagged, in a captive-portal login window.", v.served);
}

/* The fleet's Redis: whether it is up (its counters are stats.c's "shared" families). */
static void
metrics_shared(struct mw *m, const struct report_src *src)
{
	struct fleet *f = src->fleet ? *src->fleet : NULL;

	mw_single(m, "vantaged_shared_on", "gauge",
	    "1 when a fleet's Redis is configured (shared.redis), 0 when off.", f != NULL);
	mw_single(m, "vantaged_shared_up", "gauge",
	    "1 when the fleet's Redis (shared.redis) takes commands, 0 when down or off.",
	    fleet_up(f));
}

/* Each event loop's questions (workers: N): a hot loop shows. */
static void
metrics_loops(struct mw *m, const struct report_src *src)
{
	const struct vstats *st;
	char l[64], n[24];

	mw_head(m, "vantaged_worker_queries_total", "counter",
	    "Questions each event loop took (worker 0 is the main loop).");
	for (size_t i = 0; src->loop_stats && (st = src->loop_stats(src->arg, i)) != NULL; i++) {
		snprintf(n, sizeof(n), "%zu", i);
		mw_u64(m, "vantaged_worker_queries_total", mw_label(l, sizeof(l), "worker", n),
		    st->queries_udp + st->queries_tcp);
	}
}

int
metrics_render(const struct report_src *src, struct evbuffer *out)
{
	struct mw m = { .b = out };
	char l[64];

	report_refresh(src);
	mw_head(&m, "vantaged_build_info", "gauge", "The version of vantaged (value 1).");
	mw_u64(&m, "vantaged_build_info", mw_label(l, sizeof(l), "version", PACKAGE_VERSION), 1);
	mw_head(&m, "vantaged_uptime_seconds", "gauge", "Seconds since vantaged started.");
	mw_dbl(&m, "vantaged_uptime_seconds", NULL, (now_ms() - src->start_ms) / 1000.0);
	metrics_stats(&m, src->st, STATS_F_QUERIES, STATS_F_TCP);
	metrics_loops(&m, src);
	metrics_cache(&m, src);
	metrics_consensus(&m, src);
	metrics_shared(&m, src);
	metrics_upstreams(&m, src);
	metrics_mirrors(&m, src);
	metrics_portal(&m, src);
	src->plugin_metrics(src->arg, out);
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
	if ((body = evbuffer_new()) == NULL || metrics_render(&mt->env.src, body) != 0) {
		evbuffer_free(body);
		evhttp_send_error(req, HTTP_INTERNAL, "out of memory");
		return;
	}
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
	    METRICS_CONTENT_TYPE);
	evhttp_send_reply(req, HTTP_OK, "OK", body);
	evbuffer_free(body);
}

/* An evhttp serving on addr, or NULL after logging why. */
static struct evhttp *
metrics_serve(struct metrics *mt, const struct netaddr *addr)
{
	const struct httpsrv_conf hc = { .who = "metrics",
		.methods = EVHTTP_REQ_GET | EVHTTP_REQ_HEAD, .timeout_s = METRICS_TIMEOUT,
		.max_headers = METRICS_MAX_HEADERS, .max_body = METRICS_MAX_BODY, .backlog = 64,
		.cb = metrics_request, .arg = mt };
	struct evhttp *http;
	struct netaddr bound;
	char s[NETADDR_STRLEN];
	int fd;

	if ((http = httpsrv_new(mt->env.base, &hc)) == NULL)
		return NULL;
	if ((fd = httpsrv_socket(&hc, addr, &bound)) < 0) {
		evhttp_free(http);
		return NULL;
	}
	if (evhttp_accept_socket_with_handle(http, fd) == NULL) {
		log_warnx(LOG_G_MAIN, "metrics: cannot serve on the socket");
		close(fd);
		evhttp_free(http);
		return NULL;
	}
	log_info(LOG_G_MAIN, "metrics: serving http://%s/metrics", netaddr_str(&bound, s, sizeof(s)));
	if (!netaddr_is_loopback(&bound))
		log_info(LOG_G_MAIN, "metrics: not on loopback: restrict who can reach %s", s);
	return http;
}

int
metrics_open(const struct metrics_env *env, struct metrics **out)
{
	const struct config *cfg = *env->src.cfg;
	struct metrics *mt;

	if ((*out = mt = calloc(1, sizeof(*mt))) == NULL)
		return -1;
	mt->env = *env;
	if (!cfg->has_metrics)
		return 0;
	mt->addr = cfg->metrics_listen;
	return (mt->http = metrics_serve(mt, &mt->addr)) == NULL ? -1 : 0;
}

void
metrics_close(struct metrics *mt)
{
	if (mt == NULL)
		return;
	if (mt->http)
		evhttp_free(mt->http);
	free(mt);
}

void
metrics_reload(struct metrics *mt, const struct config *cfg)
{
	struct evhttp *http;

	if (mt == NULL)
		return;
	if (!cfg->has_metrics) {
		if (mt->http) {
			log_info(LOG_G_MAIN, "metrics: endpoint removed from the configuration");
			evhttp_free(mt->http);
			mt->http = NULL;
		}
		return;
	}
	if (mt->http && netaddr_equal(&mt->addr, &cfg->metrics_listen))
		return;
	if ((http = metrics_serve(mt, &cfg->metrics_listen)) == NULL) {
		log_warnx(LOG_G_CONFIG, "reload: metrics.listen unchanged%s",
		    mt->http ? " (the old address still serves)" : "");
		return;
	}
	if (mt->http)
		evhttp_free(mt->http);
	mt->http = http;
	mt->addr = cfg->metrics_listen;
}
