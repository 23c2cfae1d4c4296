/* mirror/server.c - the mirror's HTTPS server: listeners, TLS, evhttp, shared state. */
#include "autoconf.h"

#include <errno.h>
#include <event2/bufferevent.h>
#include <event2/http.h>
#include <event2/listener.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "audit.h"
#include "guard.h"
#include "http1.h"
#include "http2.h"
#include "log.h"
#include "observe.h"
#include "peers.h"
#include "replica.h"
#include "reports.h"
#include "reputation.h"
#include "resolve.h"
#include "routes.h"
#include "server.h"
#include "tls.h"
#include "vutil.h"

/* Coalesce report writes: at most one fsync'd file per this many ms. */
#define SERVER_SAVE_DELAY_MS 1000
/*
 * How long clients may keep a session ticket (seconds): a day of resumed handshakes for a
 * vantaged that asks all day; wolfSSL rotates the keys that seal them on its own.
 */
#define SERVER_TICKET_HINT_S 1800
/*
 * After accept() fails for want of descriptors or memory, how long the listeners stay off
 * (ms), and how often that is logged at most. Why: the pending connection stays in the
 * backlog, so the listener is readable again at once: without the pause, a client that
 * exhausted our descriptors made us spin on accept() and log each failure.
 */
#define SERVER_ACCEPT_BACKOFF_MS 500
#define SERVER_ACCEPT_LOG_MS 60000

/*
 * The wiring: what the mirror is made of, each module created with the narrow env it
 * needs (data first, then services), and the listeners that feed them.
 */
struct server {
	struct event_base *base;
	struct mirror_config *cfg;		/* owned; replaced on reload (modules hold &cfg) */
	struct tls_ctx *tls;
	struct evhttp *http;
	struct evconnlistener *listeners[MIRROR_MAX_LISTEN];
	struct netaddr bound[MIRROR_MAX_LISTEN];
	size_t n_listeners;
	int paused;				/* listeners off at max_connections */
	int accept_backoff;			/* listeners off: accept() ran out of fds */
	struct event *accept_timer;		/* ends accept_backoff */
	uint64_t accept_errors;			/* backoffs since the last log line */
	uint64_t accept_logged_ms;
	struct resolve *resolve;
	struct reports *reports;
	struct event *save_timer;
	struct observe *observe;
	struct peers *peers;			/* the mirror network (peers.c) */
	struct reputation *rep;			/* what we think of each peer */
	struct audit *audit;			/* replays, audits, votes and their timer */
	struct replica *replica;		/* shared: the other replicas, via Redis; or NULL */
	struct guard *guard;			/* per-address caps, handshake/request deadlines */
	struct routes *routes;			/* the endpoints, for both protocols */
	struct http2_env h2env;			/* what each HTTP/2 connection is given */
	struct routes_stats stats;
};

static void server_schedule_save(void *arg);

/*
 * Connections are counted through the TLS filter's free hook, which libevent may run as
 * a finalizer after the server is gone (even from event_base_free). One server per
 * process, so the hook reaches it through this pointer, cleared by server_free.
 */
static struct server *server_live;

/* Listeners on unless max_connections is reached or accept() is backing off. */
static void
server_listeners_update(struct server *s)
{
	size_t i;

	for (i = 0; i < s->n_listeners; i++)
		if (s->paused || s->accept_backoff)
			evconnlistener_disable(s->listeners[i]);
		else
			evconnlistener_enable(s->listeners[i]);
}

static void
server_accept_resume(evutil_socket_t fd, short what, void *arg)
{
	struct server *s = arg;

	(void)fd;
	(void)what;
	s->accept_backoff = 0;
	server_listeners_update(s);
}

/* accept() failed (EMFILE, ENFILE, ENOBUFS...: libevent retries EAGAIN/EINTR itself). */
static void
server_accept_error(struct evconnlistener *l, void *arg)
{
	/* arg is evhttp's (the listener's callback argument), not ours. */
	struct server *s = server_live;
	struct timeval tv = { SERVER_ACCEPT_BACKOFF_MS / 1000,
		SERVER_ACCEPT_BACKOFF_MS % 1000 * 1000 };
	int err = EVUTIL_SOCKET_ERROR();
	uint64_t now = now_ms();

	(void)l;
	(void)arg;
	if (s == NULL)
		return;
	s->accept_errors++;
	if (s->accept_logged_ms == 0 || now - s->accept_logged_ms >= SERVER_ACCEPT_LOG_MS) {
		log_warnx(LOG_G_LISTEN, "accept: %s: pausing accept for %d ms (%llu times since "
		    "the last such line)", strerror(err), SERVER_ACCEPT_BACKOFF_MS,
		    (unsigned long long)s->accept_errors);
		s->accept_logged_ms = now;
		s->accept_errors = 0;
	}
	if (s->accept_timer == NULL &&
	    (s->accept_timer = evtimer_new(s->base, server_accept_resume, s)) == NULL)
		return;	/* out of memory: keep accepting rather than never again */
	s->accept_backoff = 1;
	server_listeners_update(s);
	evtimer_add(s->accept_timer, &tv);
}

/* What the server keeps per accepted connection; freed with its TLS filter. */
struct server_conn {
	struct bufferevent *bev;
	struct guard_conn *gc;
	struct http2_conn *h2;		/* NULL for HTTP/1.1 */
};

static void
server_conn_freed(void *arg)
{
	struct server_conn *sc = arg;
	struct server *s = server_live;

	/* Both are safe after the server is gone: neither reaches it from here. */
	http2_conn_free(sc->h2);
	guard_conn_free(sc->gc);
	free(sc);
	if (s == NULL)
		return;
	s->stats.open--;
	if (s->paused && s->stats.open < s->cfg->limits.max_connections) {
		s->paused = 0;
		server_listeners_update(s);
		log_info(LOG_G_LISTEN, "below max_connections again: accepting");
	}
}

static void
server_conn_up(struct tls_conn *conn, void *arg)
{
	struct server_conn *sc = arg;

	guard_conn_up(conn, sc->gc);
}

/*
 * The handshake has just finished, and no request byte has reached evhttp yet: a client
 * that chose h2 gets an HTTP/2 session on this connection instead of evhttp's parser.
 */
static void
server_conn_ready(struct tls_conn *conn, void *arg)
{
	struct server_conn *sc = arg;

	if (server_live == NULL || strcmp(tls_conn_alpn(conn), "h2") != 0)
		return;
	guard_conn_h2(sc->gc);
	if ((sc->h2 = http2_conn_new(&server_live->h2env, sc->bev, sc->gc)) == NULL) {
		log_warnx(LOG_G_HTTP, "out of memory for an HTTP/2 session: closing");
		bufferevent_trigger_event(sc->bev, BEV_EVENT_ERROR | BEV_EVENT_READING,
		    BEV_TRIG_DEFER_CALLBACKS);
	}
}

/* The refusing filter's both ways: nothing passes, the first byte ends the connection. */
static enum bufferevent_filter_result
server_refuse_filter(struct evbuffer *src, struct evbuffer *dst, ev_ssize_t lim,
    enum bufferevent_flush_mode mode, void *arg)
{
	(void)src;
	(void)dst;
	(void)lim;
	(void)mode;
	(void)arg;
	return BEV_ERROR;
}

/*
 * A bufferevent for a connection we cannot serve: no TLS session could be made (wolfSSL
 * opens /dev/urandom for each one, so out of descriptors it fails). Why not fatal, as it
 * was: a client that used up our descriptors then ended the mirror. Why not NULL: evhttp
 * would then speak plain HTTP on the socket. NULL only when even this cannot be had.
 */
static struct bufferevent *
server_refuse_bev(struct server *s)
{
	struct bufferevent *under, *bev;
	uint64_t now = now_ms();

	s->accept_errors++;
	if (s->accept_logged_ms == 0 || now - s->accept_logged_ms >= SERVER_ACCEPT_LOG_MS) {
		log_warnx(LOG_G_LISTEN, "cannot set up TLS for a connection (out of descriptors "
		    "or memory?): refusing it (%llu such since the last such line)",
		    (unsigned long long)s->accept_errors);
		s->accept_logged_ms = now;
		s->accept_errors = 0;
	}
	if ((under = bufferevent_socket_new(s->base, -1, BEV_OPT_CLOSE_ON_FREE)) == NULL)
		return NULL;
	bev = bufferevent_filter_new(under, server_refuse_filter, server_refuse_filter,
	    BEV_OPT_CLOSE_ON_FREE, NULL, NULL);
	if (bev == NULL)
		bufferevent_free(under);
	return bev;
}

/* evhttp asks for each accepted connection's bufferevent: ours is TLS. */
static struct bufferevent *
server_bevcb(struct event_base *base, void *arg)
{
	struct server *s = arg;
	struct bufferevent *bev;
	struct server_conn *sc;
	struct tls_conn *conn;

	if ((sc = calloc(1, sizeof(*sc))) != NULL &&
	    (bev = tls_bev_new(base, -1, s->tls, 1, NULL, &conn)) == NULL) {
		free(sc);
		sc = NULL;
	}
	if (sc == NULL) {
		if ((bev = server_refuse_bev(s)) != NULL)
			return bev;
		/*
		 * evhttp would fall back to a plain socket bufferevent and serve HTTP in the
		 * clear; it cannot be told "no", so this failure (out of memory) is fatal.
		 */
		fatalx("cannot allocate a TLS connection");
	}
	/* Per-address cap and deadlines: slowloris must not hold the slots (guard.c). */
	sc->bev = bev;
	sc->gc = guard_conn_new(s->guard, bev);
	tls_conn_set_callbacks(conn, server_conn_up, server_conn_freed, sc);
	tls_conn_set_ready_hook(conn, server_conn_ready, sc);
	s->stats.open++;
	s->stats.connections++;
	/* At the limit stop accepting; the kernel's backlog holds the rest for a while. */
	if (!s->paused && s->stats.open >= s->cfg->limits.max_connections) {
		s->paused = 1;
		server_listeners_update(s);
		log_warnx(LOG_G_LISTEN, "max_connections (%zu) reached: pausing accept",
		    s->cfg->limits.max_connections);
	}
	return bev;
}

/* The TLS context: the key and chain, ALPN (h2, then http/1.1), session tickets. */
static struct tls_ctx *
server_tls_new(const struct mirror_config *cfg, char *err, size_t errlen)
{
	struct tls_ctx *tls;

	if ((tls = tls_server_ctx_new(cfg->tls_cert, cfg->tls_key, err, errlen)) == NULL)
		return NULL;
	if (tls_server_ctx_alpn(tls) != 0 ||
	    tls_server_ctx_tickets(tls, SERVER_TICKET_HINT_S) != 0) {
		snprintf(err, errlen, "cannot set up ALPN and session tickets");
		tls_ctx_free(tls);
		return NULL;
	}
	return tls;
}

static void
server_apply_limits(struct server *s)
{
	const struct mirror_limits *l = &s->cfg->limits;
	struct timeval tv;

	tv.tv_sec = (time_t)(l->idle_timeout_ms / 1000);
	tv.tv_usec = (suseconds_t)(l->idle_timeout_ms % 1000 * 1000);
	evhttp_set_timeout_tv(s->http, &tv);
	evhttp_set_max_headers_size(s->http, (ev_ssize_t)l->max_header);
	evhttp_set_max_body_size(s->http, (ev_ssize_t)l->max_body);
	guard_set_limits(s->guard, l);
}

static int
server_resolve_config(const struct mirror_config *cfg, struct resolve_config *rc)
{
	memset(rc, 0, sizeof(*rc));
	rc->upstreams = cfg->upstreams;
	rc->n_upstreams = cfg->n_upstreams;
	rc->timeout_ms = (uint32_t)cfg->upstream_timeout_ms;
	rc->cache.max_entries = cfg->cache_max_entries;
	rc->cache.min_ttl = 0;
	rc->cache.max_ttl = cfg->cache_max_ttl;
	rc->cache.neg_max_ttl = cfg->cache_max_ttl < 3600 ? cfg->cache_max_ttl : 3600;
	return 0;
}

static int
server_listen(struct server *s, char *err, size_t errlen)
{
	char a[NETADDR_STRLEN];
	struct sockaddr_storage ss;
	socklen_t sl;
	size_t i;

	for (i = 0; i < s->cfg->n_listen; i++) {
		const struct netaddr *la = &s->cfg->listen[i];
		struct evconnlistener *l;

		l = evconnlistener_new_bind(s->base, NULL, NULL,
		    LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 128,
		    (const struct sockaddr *)&la->ss, (int)la->len);
		if (l == NULL) {
			snprintf(err, errlen, "listen %s: %s", netaddr_str(la, a, sizeof(a)),
			    strerror(errno));
			return -1;
		}
		s->listeners[s->n_listeners] = l;
		sl = sizeof(ss);
		getsockname(evconnlistener_get_fd(l), (struct sockaddr *)&ss, &sl);
		netaddr_from_sockaddr(&s->bound[s->n_listeners], (struct sockaddr *)&ss, sl);
		s->n_listeners++;
		if (evhttp_bind_listener(s->http, l) == NULL) {
			snprintf(err, errlen, "listen %s: evhttp refused it", netaddr_str(la, a,
			    sizeof(a)));
			return -1;
		}
		evconnlistener_set_error_cb(l, server_accept_error);
		/* Tests bind port 0 and read the port from this line. */
		log_info(LOG_G_LISTEN, "bound %s", netaddr_str(&s->bound[s->n_listeners - 1], a,
		    sizeof(a)));
	}
	return 0;
}

/* A client asked q here: the other replicas' rings get it too. */
static void
server_noted(void *arg, const struct dnsq *q, const struct netaddr *client)
{
	struct server *s = arg;

	replica_ring_note(s->replica, q, client);
}

/* A peer is forgotten: so is its shared row. */
static void
server_peer_deleted(void *arg, const uint8_t *id)
{
	struct server *s = arg;

	replica_peer_deleted(s->replica, id);
}

/* shared.redis: this mirror is one of several replicas keeping their tables in step. */
static int
server_replica(struct server *s, char *err, size_t errlen)
{
	struct replica_env re = { s->base, &s->cfg, s->peers, s->reports, s->rep, s->audit,
		server_schedule_save, s };
	char where[VREDIS_HOST_MAX + VREDIS_PATH_MAX + 32];

	if (s->cfg->shared.redis == NULL)
		return 0;
	if ((s->replica = replica_new(&re, err, errlen)) == NULL)
		return -1;
	vredis_describe(&s->cfg->shared.addr, where, sizeof(where));
	log_info(LOG_G_SHARED, "a replica; peers, votes and counts kept in step through "
	    "Redis at %s (prefix %s)", where, s->cfg->shared.prefix);
	return 0;
}

/* The modules, each with its env: reports, reputation, peers, resolver, network, notary. */
static int
server_modules(struct server *s, char *err, size_t errlen)
{
	struct resolve_config rc;
	struct peers_env pe = { s->base, &s->cfg, &s->bound[0], NULL, server_schedule_save, s,
		server_peer_deleted };
	struct audit_env ae = { s->base, &s->cfg, NULL, NULL, NULL, server_schedule_save, s,
		server_noted, s };

	if ((s->reports = reports_open(s->cfg->state_dir, err, errlen)) == NULL)
		return -1;
	if ((s->rep = reputation_open(s->cfg->state_dir, err, errlen)) == NULL)
		return -1;
	pe.rep = s->rep;
	if ((s->peers = peers_new(&pe, err, errlen)) == NULL)
		return -1;
	server_resolve_config(s->cfg, &rc);
	if ((s->resolve = resolve_new(s->base, &rc)) == NULL) {
		snprintf(err, errlen, "cannot set up the resolver");
		return -1;
	}
	ae.peers = s->peers;
	ae.rep = s->rep;
	ae.resolve = s->resolve;
	if ((s->audit = audit_new(&ae)) == NULL) {
		snprintf(err, errlen, "cannot set up peer verification");
		return -1;
	}
	if ((s->observe = observe_new(s->base)) == NULL) {
		snprintf(err, errlen, "cannot set up the notary");
		return -1;
	}
	return server_replica(s, err, errlen);
}

/* The endpoints and evhttp in front of them (HTTP/2 connections get h2env). */
static int
server_http(struct server *s, char *err, size_t errlen)
{
	struct routes_env re = { &s->cfg, &s->bound[0], &s->stats, s->resolve, s->reports,
		s->rep, s->peers, s->audit, s->observe, NULL, s->replica, server_schedule_save, s };

	s->guard = guard_new(s->base, &s->cfg->limits);
	re.guard = s->guard;
	if ((s->routes = routes_new(&re)) == NULL || (s->http = evhttp_new(s->base)) == NULL) {
		snprintf(err, errlen, "cannot create the HTTP server");
		return -1;
	}
	s->h2env = (struct http2_env){ s->base, &s->cfg, s->routes };
	evhttp_set_bevcb(s->http, server_bevcb, s);
	evhttp_set_gencb(s->http, http1_dispatch, s->routes);
	/* Every method reaches the router, which answers 405 in JSON rather than evhttp's 501. */
	evhttp_set_allowed_methods(s->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
	    EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH);
	server_apply_limits(s);
	return 0;
}

struct server *
server_new(struct event_base *base, struct mirror_config *cfg, char *err, size_t errlen)
{
	struct server *s = xcalloc(1, sizeof(*s));
	char hex[TLS_SHA256_HEX];

	s->base = base;
	s->cfg = cfg;
	s->stats.started_ms = now_ms();
	if ((s->tls = server_tls_new(cfg, err, errlen)) == NULL)
		goto fail;
	if (server_modules(s, err, errlen) != 0 || server_http(s, err, errlen) != 0)
		goto fail;
	server_live = s;
	if (server_listen(s, err, errlen) != 0)
		goto fail;
	log_info(LOG_G_MIRROR, "mirror %s (%s, region %s) serving", s->cfg->name,
	    tls_hex(cfg->id, TLS_SHA256_LEN, hex), s->cfg->region);
	return s;
fail:
	s->cfg = NULL;	/* the caller keeps cfg on failure */
	server_free(s);
	return NULL;
}

static int
server_same_str(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static int
server_same_shared(const struct mirror_shared *a, const struct mirror_shared *b)
{
	return server_same_str(a->redis, b->redis) && server_same_str(a->password, b->password) &&
	    server_same_str(a->username, b->username) && strcmp(a->prefix, b->prefix) == 0 &&
	    a->timeout_ms == b->timeout_ms;
}

int
server_reload(struct server *s, struct mirror_config *cfg, char *err, size_t errlen)
{
	char hex[TLS_SHA256_HEX];
	struct tls_ctx *tls;
	struct resolve_config rc;
	size_t i;

	if (cfg->n_listen != s->cfg->n_listen)
		log_warnx(LOG_G_CONFIG, "listen changes take effect at restart");
	else
		for (i = 0; i < cfg->n_listen; i++)
			if (!netaddr_equal(&cfg->listen[i], &s->cfg->listen[i]))
				log_warnx(LOG_G_CONFIG, "listen changes take effect at restart");
	if (strcmp(cfg->state_dir, s->cfg->state_dir) != 0)
		log_warnx(LOG_G_CONFIG, "state_dir changes take effect at restart");
	if (!server_same_shared(&cfg->shared, &s->cfg->shared))
		log_warnx(LOG_G_CONFIG, "shared changes take effect at restart");
	if ((tls = server_tls_new(cfg, err, errlen)) == NULL)
		return -1;
	server_resolve_config(cfg, &rc);
	if (resolve_reconfigure(s->resolve, &rc) != 0) {
		snprintf(err, errlen, "cannot apply the new upstreams");
		tls_ctx_free(tls);
		return -1;
	}
	/* Open connections keep the context they started with (it is refcounted). */
	tls_ctx_free(s->tls);
	s->tls = tls;
	/* Keep the old state_dir: reports are open there. */
	free(cfg->state_dir);
	cfg->state_dir = xstrdup(s->cfg->state_dir);
	mirror_config_free(s->cfg);
	s->cfg = cfg;
	routes_reconfigure(s->routes);
	server_apply_limits(s);
	peers_reconfigure(s->peers);
	audit_reconfigure(s->audit);
	log_info(LOG_G_CONFIG, "configuration reloaded; mirror %s region %s",
	    tls_hex(s->cfg->id, TLS_SHA256_LEN, hex),
	    s->cfg->region);
	return 0;
}

void
server_save(struct server *s)
{
	if (s->reports != NULL && reports_dirty(s->reports) && reports_save(s->reports) != 0)
		log_warnx(LOG_G_MIRROR, "report tallies not saved; will retry");
	if (s->peers != NULL && peers_dirty(s->peers) && peers_save(s->peers) != 0)
		log_warnx(LOG_G_MIRROR, "peer table not saved; will retry");
	if (s->rep != NULL && reputation_dirty(s->rep) && reputation_save(s->rep) != 0)
		log_warnx(LOG_G_MIRROR, "reputation not saved; will retry");
}

static void
server_save_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	server_save(arg);
}

static void
server_schedule_save(void *arg)
{
	struct server *s = arg;
	struct timeval tv = { SERVER_SAVE_DELAY_MS / 1000, SERVER_SAVE_DELAY_MS % 1000 * 1000 };

	if (s->save_timer == NULL && (s->save_timer = evtimer_new(s->base, server_save_cb, s)) ==
	    NULL)
		return;
	if (!evtimer_pending(s->save_timer, NULL))
		evtimer_add(s->save_timer, &tv);
}

void
server_free(struct server *s)
{
	if (s == NULL)
		return;
	if (s->routes != NULL)
		routes_cancel_all(s->routes);
	server_save(s);
	/* evhttp_free frees the bound sockets and so the listeners too. */
	if (s->http != NULL)
		evhttp_free(s->http);
	else
		while (s->n_listeners > 0)
			evconnlistener_free(s->listeners[--s->n_listeners]);
	server_live = NULL;
	routes_free(s->routes);
	guard_free(s->guard);
	/* Rounds wait on the resolver and on peer connections: end them first. */
	audit_free(s->audit);
	/* Before the tables it keeps in step: a late reply must find none of them gone. */
	replica_free(s->replica);
	s->replica = NULL;
	peers_free(s->peers);
	reputation_free(s->rep);
	observe_free(s->observe);
	resolve_free(s->resolve);
	reports_free(s->reports);
	if (s->save_timer != NULL)
		event_free(s->save_timer);
	if (s->accept_timer != NULL)
		event_free(s->accept_timer);
	tls_ctx_free(s->tls);
	mirror_config_free(s->cfg);
	free(s);
}
