/* resolver/probe.c - the TLS probe: does an address serve a name under the agreed CA? */
#include "autoconf.h"

#include <errno.h>
#include <event2/bufferevent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "log.h"
#include "probe.h"
#include "vutil.h"

/*
 * The handshake accepts any chain (a notary context) and the chain is judged afterwards
 * by tls_chain_judge: wolfSSL cannot take a fingerprint as its trust anchor, and the
 * verdict needs more than pass/fail (which CA, which failure, the chain as evidence).
 * Nothing is ever sent over the connection but the handshake.
 */
struct probe {
	TAILQ_ENTRY(probe) entry;
	struct probe_set *ps;
	struct bufferevent *bev;
	struct tls_conn *conn;
	struct event *later;		/* a failure seen inside probe_start, reported from here */
	char *name;
	struct tls_anchor *cas;
	size_t n_cas;
	struct tls_store *store;	/* probe_start_webpki: judged against it, not cas */
	probe_cb cb;
	void *arg;
	uint64_t start;
	uint32_t timeout_ms;
	int starting;			/* inside probe_start: callbacks must wait */
	int failed_early;		/* an error event came while starting */
	char early[160];
};

struct probe_set {
	struct event_base *base;
	struct tls_ctx *ctx;
	TAILQ_HEAD(, probe) probes;
	size_t n_probes;
	size_t max_concurrent;
	size_t conns_pending;		/* freed bufferevents whose TLS state libevent frees later */
	int in_callback;		/* inside a probe_cb */
	int dead;			/* probe_set_free ran; free when the above drop to 0 */
	int tls_inited;
};

static void probe_set_destroy(struct probe_set *ps);

const char *
probe_result_name(enum probe_result r)
{
	switch (r) {
	case PROBE_OK:
		return "ok";
	case PROBE_OTHER_CA:
		return "other-ca";
	case PROBE_BAD_CHAIN:
		return "bad-chain";
	case PROBE_BAD_NAME:
		return "bad-name";
	case PROBE_UNREACHABLE:
		return "unreachable";
	case PROBE_BUSY:
		return "busy";
	}
	return "unknown";
}

struct probe_set *
probe_set_new(struct event_base *base, size_t max_concurrent)
{
	struct probe_set *ps;
	char err[128];

	if (base == NULL || max_concurrent == 0 || (ps = calloc(1, sizeof(*ps))) == NULL)
		return NULL;
	ps->base = base;
	ps->max_concurrent = max_concurrent;
	TAILQ_INIT(&ps->probes);
	/* wolfSSL counts its initialisations; probe_set_destroy balances this one. */
	if (tls_init() != 0)
		goto fail;
	ps->tls_inited = 1;
	if ((ps->ctx = tls_client_ctx_new_notary(err, sizeof(err))) == NULL) {
		log_warnx(LOG_G_TLS, "probe: %s", err);
		goto fail;
	}
	return ps;
fail:
	probe_set_destroy(ps);
	return NULL;
}

/*
 * The last moment of a freed connection's TLS state. libevent 2.1 frees a bufferevent
 * from the event loop after bufferevent_free returns, and wolfSSL_free runs just after
 * this hook; so wolfSSL's global state must outlive it (see probe_set_free).
 */
static void
probe_conn_gone(void *arg)
{
	struct probe_set *ps = arg;

	ps->conns_pending--;
	if (ps->dead && ps->conns_pending == 0 && ps->in_callback == 0) {
		/* Not tls_cleanup here: this connection's wolfSSL object is freed after us. */
		ps->tls_inited = 0;
		probe_set_destroy(ps);
	}
}

static void
probe_free(struct probe *p)
{
	struct probe_set *ps = p->ps;

	TAILQ_REMOVE(&ps->probes, p, entry);
	ps->n_probes--;
	if (p->bev != NULL) {
		/* Count the connection until libevent has freed its TLS state (see above). */
		tls_conn_set_callbacks(p->conn, NULL, probe_conn_gone, ps);
		ps->conns_pending++;
		bufferevent_free(p->bev);
	}
	if (p->later != NULL)
		event_free(p->later);
	free(p->name);
	free(p->cas);
	tls_store_free(p->store);
	free(p);
}

static void
probe_set_destroy(struct probe_set *ps)
{
	tls_ctx_free(ps->ctx);
	if (ps->tls_inited)
		tls_cleanup();
	free(ps);
}

void
probe_set_free(struct probe_set *ps)
{
	struct probe *p;

	if (ps == NULL)
		return;
	while ((p = TAILQ_FIRST(&ps->probes)) != NULL)
		probe_free(p);
	ps->dead = 1;
	/*
	 * Connections libevent has yet to free still hold wolfSSL objects: the set stays
	 * until the last one is gone, and then leaves wolfSSL initialised (a few bytes, once)
	 * rather than free its global state under them.
	 */
	if (ps->conns_pending == 0 && ps->in_callback == 0)
		probe_set_destroy(ps);
}

void
probe_cancel(struct probe *p)
{
	if (p != NULL)
		probe_free(p);
}

/* Report o and forget p. The probe goes first: the callback may start, cancel or free. */
static void
probe_finish(struct probe *p, struct probe_outcome *o)
{
	struct probe_set *ps = p->ps;
	probe_cb cb = p->cb;
	void *arg = p->arg;

	o->elapsed_ms = now_ms() - p->start;
	log_debug(LOG_G_TLS, "probe %s: %s in %llu ms: %s", p->name, probe_result_name(o->result),
	    (unsigned long long)o->elapsed_ms, o->detail);
	probe_free(p);
	ps->in_callback++;
	cb(arg, o);
	ps->in_callback--;
	if (ps->dead && ps->in_callback == 0 && ps->conns_pending == 0) {
		ps->tls_inited = 0;	/* see probe_conn_gone */
		probe_set_destroy(ps);
	}
}

static void
probe_unreachable(struct probe *p, const char *detail)
{
	struct probe_outcome o;

	memset(&o, 0, sizeof(o));
	o.result = PROBE_UNREACHABLE;
	o.matched = -1;
	o.detail = detail;
	probe_finish(p, &o);
}

/* The handshake is done: record the chain, judge it, report. */
static void
probe_done(struct tls_conn *conn, void *arg)
{
	struct probe *p = arg;
	struct probe_outcome o;
	const uint8_t *der[TLS_MAX_CHAIN];
	size_t len[TLS_MAX_CHAIN];
	char why[256];
	int n, i;
	enum tls_judgement j;

	memset(&o, 0, sizeof(o));
	o.matched = -1;
	if ((n = tls_conn_peer_der(conn, der, len, TLS_MAX_CHAIN)) <= 0) {
		probe_unreachable(p, "the server sent no certificate");
		return;
	}
	for (i = 0; i < n; i++)
		tls_sha256(der[i], len[i], o.chain[i]);
	o.n_chain = (size_t)n;
	if (p->store)
		j = tls_chain_judge_store(der, len, (size_t)n, p->name, p->store, o.path,
		    TLS_MAX_CHAIN, &o.n_path, why, sizeof(why));
	else
		j = tls_chain_judge(der, len, (size_t)n, p->name, p->cas, p->n_cas, &o.matched,
		    why, sizeof(why));
	switch (j) {
	case TLS_JUDGE_OK:
		o.result = PROBE_OK;
		break;
	case TLS_JUDGE_NO_ANCHOR:
		o.result = PROBE_OTHER_CA;
		break;
	case TLS_JUDGE_BAD_CHAIN:
		o.result = PROBE_BAD_CHAIN;
		break;
	case TLS_JUDGE_BAD_NAME:
		o.result = PROBE_BAD_NAME;
		break;
	}
	o.detail = why;
	probe_finish(p, &o);
}

static void
probe_event(struct bufferevent *bev, short what, void *arg)
{
	struct probe *p = arg;
	char detail[160];
	int err = EVUTIL_SOCKET_ERROR();

	(void)bev;
	if (what & BEV_EVENT_CONNECTED)
		return;
	if (what & BEV_EVENT_TIMEOUT) {
		snprintf(detail, sizeof(detail), "no TLS handshake within %u ms", p->timeout_ms);
	} else if (what & BEV_EVENT_ERROR) {
		tls_conn_failure(p->conn, err, detail, sizeof(detail));
	} else {
		snprintf(detail, sizeof(detail), "the server closed the connection during the "
		    "handshake");
	}
	if (p->starting) {
		/* libevent may report a failed connect() from inside bufferevent_socket_connect. */
		p->failed_early = 1;
		snprintf(p->early, sizeof(p->early), "%s", detail);
		return;
	}
	probe_unreachable(p, detail);
}

static void
probe_later(evutil_socket_t fd, short what, void *arg)
{
	struct probe *p = arg;
	char detail[sizeof(p->early)];

	(void)fd;
	(void)what;
	snprintf(detail, sizeof(detail), "%s", p->early);
	probe_unreachable(p, detail);
}

/* Whether name can be sent as SNI: a host name of LDH labels, no IP literal. */
static int
probe_name_ok(const char *name)
{
	size_t n = strlen(name);

	return n > 0 && n <= 253 && tls_name_match(name, n, name) && strchr(name, '*') == NULL;
}

/* A probe in ps's list with copies of name and cas; NULL when out of memory. */
static struct probe *
probe_new(struct probe_set *ps, const char *name, const struct probe_ca *cas, size_t n_cas,
    uint32_t timeout_ms, probe_cb cb, void *arg)
{
	struct probe *p;
	size_t i;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->ps = ps;
	p->cb = cb;
	p->arg = arg;
	p->timeout_ms = timeout_ms;
	p->start = now_ms();
	TAILQ_INSERT_TAIL(&ps->probes, p, entry);
	ps->n_probes++;
	if ((p->name = strdup(name)) == NULL)
		goto fail;
	/* The SNI and the name judged: one trailing dot is tolerated, never sent. */
	if (p->name[strlen(p->name) - 1] == '.')
		p->name[strlen(p->name) - 1] = '\0';
	if (n_cas > 0 && (p->cas = calloc(n_cas, sizeof(*p->cas))) == NULL)
		goto fail;
	for (i = 0; i < n_cas; i++) {
		p->cas[i].selector = cas[i].selector;
		memcpy(p->cas[i].sha256, cas[i].sha256, sizeof(p->cas[i].sha256));
	}
	p->n_cas = n_cas;
	return p;
fail:
	probe_free(p);
	return NULL;
}

/* Arm the deadline and start the TLS connection to addr at port; 0 or -1. */
static int
probe_connect(struct probe *p, const struct netaddr *addr, uint16_t port)
{
	struct probe_set *ps = p->ps;
	struct netaddr to;
	struct timeval tv;

	p->later = evtimer_new(ps->base, probe_later, p);
	p->bev = tls_bev_new(ps->base, -1, ps->ctx, 0, p->name, &p->conn);
	if (p->later == NULL || p->bev == NULL)
		return -1;
	tls_conn_set_callbacks(p->conn, probe_done, NULL, p);
	bufferevent_setcb(p->bev, NULL, NULL, probe_event, p);
	bufferevent_enable(p->bev, EV_READ | EV_WRITE);
	/*
	 * The deadline is the filter's read timeout: it is reset only when the filter hands
	 * plaintext up, which a probe never gets, so it bounds the whole connect and
	 * handshake. (A probe freed from it in the loop turn where the handshake ended used to
	 * be called back after its end; lib/tls.c now holds the bufferevent for its deferred
	 * work and stops calling an owner that freed it.)
	 */
	tv.tv_sec = (time_t)(p->timeout_ms / 1000);
	tv.tv_usec = (suseconds_t)(p->timeout_ms % 1000 * 1000);
	if (bufferevent_set_timeouts(p->bev, &tv, NULL) != 0)
		return -1;
	to = *addr;
	netaddr_set_port(&to, port);
	p->starting = 1;
	if (tls_bev_connect(p->bev, (const struct sockaddr *)&to.ss, (int)to.len) != 0) {
		log_debug(LOG_G_TLS, "probe %s: cannot connect: %s", p->name,
		    p->failed_early ? p->early : strerror(errno));
		return -1;
	}
	p->starting = 0;
	if (p->failed_early) {
		/* Reported from the loop, as promised: never from inside probe_start. */
		tv.tv_sec = 0;
		tv.tv_usec = 0;
		evtimer_add(p->later, &tv);
	}
	return 0;
}

/* Both kinds of probe: against cas, or against the trust store st when it is not NULL. */
static struct probe *
probe_begin(struct probe_set *ps, const struct netaddr *addr, uint16_t port, const char *name,
    const struct probe_ca *cas, size_t n_cas, struct tls_store *st, uint32_t timeout_ms,
    probe_cb cb, void *arg, enum probe_result *why)
{
	struct probe *p;

	if (why != NULL)
		*why = PROBE_UNREACHABLE;
	if (ps == NULL || ps->dead || addr == NULL || name == NULL || cb == NULL ||
	    (cas == NULL && n_cas > 0) || timeout_ms == 0 || port == 0 || !probe_name_ok(name))
		return NULL;
	if (addr->ss.ss_family != AF_INET && addr->ss.ss_family != AF_INET6)
		return NULL;
	if (ps->n_probes >= ps->max_concurrent) {
		if (why != NULL)
			*why = PROBE_BUSY;
		return NULL;
	}
	if ((p = probe_new(ps, name, cas, n_cas, timeout_ms, cb, arg)) == NULL)
		return NULL;
	p->store = tls_store_ref(st);
	if (probe_connect(p, addr, port) != 0) {
		probe_free(p);
		return NULL;
	}
	return p;
}

struct probe *
probe_start(struct probe_set *ps, const struct netaddr *addr, uint16_t port, const char *name,
    const struct probe_ca *cas, size_t n_cas, uint32_t timeout_ms, probe_cb cb, void *arg,
    enum probe_result *why)
{
	return probe_begin(ps, addr, port, name, cas, n_cas, NULL, timeout_ms, cb, arg, why);
}

struct probe *
probe_start_webpki(struct probe_set *ps, const struct netaddr *addr, uint16_t port,
    const char *name, struct tls_store *st, uint32_t timeout_ms, probe_cb cb, void *arg,
    enum probe_result *why)
{
	if (st == NULL) {
		if (why != NULL)
			*why = PROBE_UNREACHABLE;
		return NULL;
	}
	return probe_begin(ps, addr, port, name, NULL, 0, st, timeout_ms, cb, arg, why);
}
