/* mirror/observe.c - the notary: which certificate chain a TLS server shows from here. */
#include "autoconf.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/bufferevent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "log.h"
#include "observe.h"
#include "vutil.h"

struct observe_job {
	TAILQ_ENTRY(observe_job) entry;
	struct observe *o;
	struct netaddr client;
	struct bufferevent *bev;
	struct tls_conn *conn;
	struct event *timer;
	observe_cb cb;
	void *arg;
	uint64_t start;
};

struct observe {
	struct event_base *base;
	struct tls_ctx *ctx;
	TAILQ_HEAD(, observe_job) jobs;
	size_t n_jobs;
};

struct observe *
observe_new(struct event_base *base)
{
	struct observe *o;
	char err[128];

	if ((o = calloc(1, sizeof(*o))) == NULL)
		return NULL;
	if ((o->ctx = tls_client_ctx_new_notary(err, sizeof(err))) == NULL) {
		log_warnx(LOG_G_MIRROR, "observe: %s", err);
		free(o);
		return NULL;
	}
	o->base = base;
	TAILQ_INIT(&o->jobs);
	return o;
}

static void
observe_job_free(struct observe_job *job)
{
	TAILQ_REMOVE(&job->o->jobs, job, entry);
	job->o->n_jobs--;
	if (job->bev != NULL)
		bufferevent_free(job->bev);
	if (job->timer != NULL)
		event_free(job->timer);
	free(job);
}

void
observe_free(struct observe *o)
{
	struct observe_job *job;

	if (o == NULL)
		return;
	while ((job = TAILQ_FIRST(&o->jobs)) != NULL)
		observe_job_free(job);
	tls_ctx_free(o->ctx);
	free(o);
}

void
observe_cancel(struct observe_job *job)
{
	if (job != NULL)
		observe_job_free(job);
}

static void
observe_finish(struct observe_job *job, struct observe_result *res)
{
	res->elapsed_ms = now_ms() - job->start;
	job->cb(job->arg, res);
	observe_job_free(job);
}

static void
observe_fail(struct observe_job *job, int http, const char *error, const char *detail)
{
	struct observe_result res = { 0 };

	res.http = http;
	res.error = error;
	res.detail = detail;
	observe_finish(job, &res);
}

static void
observe_done(struct tls_conn *conn, void *arg)
{
	struct observe_job *job = arg;
	uint8_t chain[TLS_MAX_CHAIN][TLS_SHA256_LEN];
	struct observe_result res = { 0 };
	int n;

	if ((n = tls_conn_peer_chain(conn, chain, TLS_MAX_CHAIN)) <= 0) {
		observe_fail(job, 502, "no-chain", "the server sent no certificate");
		return;
	}
	res.http = 200;
	res.version = tls_conn_version(conn);
	res.chain = chain;
	res.n_chain = (size_t)n;
	observe_finish(job, &res);
}

static void
observe_event(struct bufferevent *bev, short what, void *arg)
{
	struct observe_job *job = arg;
	char detail[160];
	int err = EVUTIL_SOCKET_ERROR();

	(void)bev;
	if (what & BEV_EVENT_CONNECTED)
		return;
	if (what & BEV_EVENT_ERROR) {
		observe_fail(job, 502, "connect-failed",
		    tls_conn_failure(job->conn, err, detail, sizeof(detail)));
	} else {
		observe_fail(job, 502, "connect-failed", "the server closed the connection");
	}
}

static void
observe_timeout(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	observe_fail(arg, 504, "timeout", "no TLS handshake within the observe timeout");
}

/*
 * Whether two clients count as one for the budget: the same IPv4 address, or the same
 * IPv6 /64 (what one subscriber is given: anyone holds 2^64 addresses of it).
 */
static int
observe_same_client(const struct netaddr *a, const struct netaddr *b)
{
	if (a->ss.ss_family != b->ss.ss_family)
		return 0;
	if (a->ss.ss_family == AF_INET6)
		return memcmp(((const struct sockaddr_in6 *)&a->ss)->sin6_addr.s6_addr,
		    ((const struct sockaddr_in6 *)&b->ss)->sin6_addr.s6_addr, 8) == 0;
	return netaddr_equal_ip(a, b);
}

static size_t
observe_held(const struct observe *o, const struct netaddr *client)
{
	const struct observe_job *job;
	size_t n = 0;

	TAILQ_FOREACH(job, &o->jobs, entry)
		n += observe_same_client(&job->client, client);
	return n;
}

/*
 * The budget is full and client holds mine jobs: free a slot by ending the newest job of
 * the client that holds the most, when that is more than client would hold with one
 * more. Without it a few addresses, each within max_per_client, kept every slot busy
 * (a black-hole target holds one for the whole timeout) and nobody else was ever served.
 * Returns 1 when a slot was freed.
 */
static int
observe_preempt(struct observe *o, size_t mine)
{
	struct observe_job *job, *victim = NULL;
	size_t most = 0, n;

	TAILQ_FOREACH(job, &o->jobs, entry)
		if ((n = observe_held(o, &job->client)) > most ||
		    (n == most && victim != NULL && job->start >= victim->start)) {
			most = n;
			victim = job;
		}
	if (victim == NULL || most <= mine + 1)
		return 0;
	observe_fail(victim, 503, "busy", "preempted: this client holds more than its share "
	    "of the notary");
	return 1;
}

enum observe_refusal
observe_start(struct observe *o, const struct netaddr *client, const char *name,
    const struct netaddr *target, const struct mirror_observe *lim, observe_cb cb, void *arg,
    struct observe_job **jobp)
{
	struct observe_job *job;
	struct timeval tv;
	uint64_t timeout_ms = lim->timeout_ms;
	size_t mine = observe_held(o, client);

	/* A few at a time per client: a notary answers questions, it does not scan for anyone. */
	if (mine >= lim->max_per_client)
		return OBSERVE_BUSY_CLIENT;
	/* A fair share of the whole: a newcomer takes a slot from the biggest holder. */
	if (o->n_jobs >= lim->max_concurrent && !observe_preempt(o, mine))
		return OBSERVE_BUSY;
	if ((job = calloc(1, sizeof(*job))) == NULL)
		return OBSERVE_FAILED;
	job->o = o;
	job->client = *client;
	job->cb = cb;
	job->arg = arg;
	job->start = now_ms();
	TAILQ_INSERT_TAIL(&o->jobs, job, entry);
	o->n_jobs++;
	job->bev = tls_bev_new(o->base, -1, o->ctx, 0, name, &job->conn);
	job->timer = evtimer_new(o->base, observe_timeout, job);
	if (job->bev == NULL || job->timer == NULL)
		goto fail;
	tls_conn_set_callbacks(job->conn, observe_done, NULL, job);
	bufferevent_setcb(job->bev, NULL, NULL, observe_event, job);
	bufferevent_enable(job->bev, EV_READ | EV_WRITE);
	tv.tv_sec = (time_t)(timeout_ms / 1000);
	tv.tv_usec = (suseconds_t)(timeout_ms % 1000 * 1000);
	evtimer_add(job->timer, &tv);
	if (tls_bev_connect(job->bev, (const struct sockaddr *)&target->ss, (int)target->len) != 0)
		goto fail;
	*jobp = job;
	return OBSERVE_STARTED;
fail:
	observe_job_free(job);
	return OBSERVE_FAILED;
}

/* Whether the first bits of addr (len bytes) equal prefix. */
static int
observe_in(const uint8_t *addr, const char *prefix, int bits)
{
	uint8_t p[16];
	int fam = strchr(prefix, ':') ? AF_INET6 : AF_INET, i;

	if (inet_pton(fam, prefix, p) != 1)
		return 0;
	for (i = 0; i < bits / 8; i++)
		if (addr[i] != p[i])
			return 0;
	if (bits % 8 && (addr[i] ^ p[i]) >> (8 - bits % 8))
		return 0;
	return 1;
}

/* Whether the IPv4 address b (4 bytes) is one a notary may be pointed at. */
static int
observe_v4_public(const uint8_t *b)
{
	static const struct { const char *p; int bits; } v4[] = {
		{ "0.0.0.0", 8 }, { "10.0.0.0", 8 }, { "100.64.0.0", 10 }, { "127.0.0.0", 8 },
		{ "169.254.0.0", 16 }, { "172.16.0.0", 12 }, { "192.0.0.0", 24 },
		{ "192.0.2.0", 24 }, { "192.168.0.0", 16 }, { "198.18.0.0", 15 },
		{ "198.51.100.0", 24 }, { "203.0.113.0", 24 }, { "224.0.0.0", 3 },
	};
	size_t i;

	for (i = 0; i < NELEMS(v4); i++)
		if (observe_in(b, v4[i].p, v4[i].bits))
			return 0;
	return 1;
}

/*
 * IPv6 forms that carry an IPv4 address a packet may end up at: the NAT64 well-known
 * prefix (RFC 6052: 64:ff9b::/96 reaches 64:ff9b::10.0.0.1 = 10.0.0.1 through the
 * operator's translator), 6to4 (RFC 3056: 2002:AABB:CCDD::/48 tunnels to A.B.C.D),
 * IPv4-mapped and SIIT-translated (::ffff:0:0/96, ::ffff:0:0:0/96) and Teredo (RFC 4380:
 * the server at bits 32-63, the client obfuscated at bits 96-127). Fills out[] (4 bytes
 * each) and returns how many there are.
 */
static size_t
observe_v6_embedded(const uint8_t *b, uint8_t out[2][4])
{
	size_t i;

	if (observe_in(b, "64:ff9b::", 96) || observe_in(b, "::ffff:0:0", 96) ||
	    observe_in(b, "::ffff:0:0:0", 96)) {
		memcpy(out[0], b + 12, 4);
		return 1;
	}
	if (observe_in(b, "2002::", 16)) {
		memcpy(out[0], b + 2, 4);
		return 1;
	}
	if (observe_in(b, "2001::", 32)) {
		memcpy(out[0], b + 4, 4);
		for (i = 0; i < 4; i++)
			out[1][i] = (uint8_t)~b[12 + i];
		return 2;
	}
	return 0;
}

int
observe_addr_is_public(const struct netaddr *a)
{
	/*
	 * Whole prefixes with nothing public behind them: unspecified and loopback,
	 * IPv4-compatible (deprecated, RFC 4291 2.5.5.1), discard-only (RFC 6666), ULA,
	 * link-local, multicast, documentation (both), benchmarking, ORCHID, and the
	 * local-use NAT64 prefix (RFC 8215: the operator's own, it may translate anywhere).
	 */
	static const struct { const char *p; int bits; } v6[] = {
		{ "::", 96 }, { "100::", 64 }, { "fc00::", 7 }, { "fe80::", 10 },
		{ "ff00::", 8 }, { "2001:db8::", 32 }, { "3fff::", 20 }, { "2001:2::", 48 },
		{ "2001:10::", 28 }, { "2001:20::", 28 }, { "64:ff9b:1::", 48 },
	};
	uint8_t emb[2][4];
	const uint8_t *b;
	size_t i, n;

	if (a->ss.ss_family == AF_INET)
		return observe_v4_public(
		    (const uint8_t *)&((const struct sockaddr_in *)&a->ss)->sin_addr);
	if (a->ss.ss_family != AF_INET6)
		return 0;
	b = ((const struct sockaddr_in6 *)&a->ss)->sin6_addr.s6_addr;
	for (i = 0; i < NELEMS(v6); i++)
		if (observe_in(b, v6[i].p, v6[i].bits))
			return 0;
	/* Judge the IPv4 address the packet reaches, not the wrapper it travels in. */
	n = observe_v6_embedded(b, emb);
	for (i = 0; i < n; i++)
		if (!observe_v4_public(emb[i]))
			return 0;
	return 1;
}

int
observe_name_ok(const char *name)
{
	size_t n = strlen(name), label = 0, i;
	uint8_t tmp[16];

	if (n == 0 || n > 253 || inet_pton(AF_INET, name, tmp) == 1 ||
	    inet_pton(AF_INET6, name, tmp) == 1)
		return 0;
	for (i = 0; i < n; i++) {
		char ch = name[i];

		if (ch == '.') {
			if (label == 0 && !(i == n - 1 && i > 0))
				return 0;
			label = 0;
			continue;
		}
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || ch == '_'))
			return 0;
		if (++label > 63)
			return 0;
	}
	return 1;
}
