/*
 * resolver/mirror_conn.c - one lane's connection to a mirror: the notary connection that
 * fetches a pinned CA, the pinned (or webpki) TLS connection, the HTTP client ALPN chose,
 * and what a failure or a close does to the lane (backoff, retries).
 */
#include "autoconf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/queue.h>
#include <sys/socket.h>

/* No wolfSSL and no ldns header here either (DESIGN.md section 8); see mirror_client.c. */
#include "http.h"
#include "log.h"
#include "netaddr.h"
#include "tls.h"
#include "vutil.h"
#include "mirror_client.h"
#include "mirror_int.h"
#include "mirror_h2.h"
#include "yconf.h"

/*
 * CA PEMs one /v1/mirrors body may make us decode and parse (~15 us each): a mirror lists
 * itself once, and a list of thousands of PEMs under the pinned id is an attack.
 */
#define MIRROR_FIND_CA_TRIES 32
/* Reconnect backoff (ms): doubles per failure, so a dead mirror costs one SYN a minute. */
#define MIRROR_BACKOFF_MIN_MS 500
#define MIRROR_BACKOFF_MAX_MS 60000
/*
 * TCP + TLS handshake (and the one-time CA fetch) must finish within this (ms). A full
 * handshake is 1-20 ms even cold (notes/libraries.md section 3); seconds mean a black hole.
 */
#define MIRROR_CONNECT_TIMEOUT_MS 5000
/* What we offer in ALPN on a DoH connection: HTTP/2 first, HTTP/1.1 where it is all. */
#define MIRROR_ALPN "h2,http/1.1"
/* How a TLS failure caused by the clock begins (mirror_conn_tls_why): logged as it is. */
#define MIRROR_WHY_CLOCK "certificate not valid at this machine's time"

/* Is c an HTTP/2 connection that takes no new stream (GOAWAY)? */
int
mirror_conn_draining(const struct mirror_conn *c)
{
	return c->h2 != NULL && mirror_h2_draining(c->h2);
}

/* Close the lane's connection, if any; no callbacks run. */
void
mirror_conn_close(struct mirror_lane *l)
{
	struct mirror_conn *c = l->conn;

	if (c == NULL)
		return;
	l->conn = NULL;
	/* Safe from inside the clients' own callbacks: they free themselves on the way out. */
	if (c->http != NULL)
		http_client_free(c->http);
	else if (c->h2 != NULL)
		mirror_h2_free(c->h2);
	else
		bufferevent_free(c->bev);
	free(c);
	evtimer_del(l->timer);
}

/*
 * Keep why the mirror cannot be used now, for vantagectl mirrors. A TLS failure's text
 * already names its kind (mirror_conn_closed); anything else before a handshake means the
 * mirror could not be reached.
 */
static void
mirror_conn_set_why(struct mirror *m, enum cons_transport t, const char *why)
{
	m->why_t = t == TRANSPORT_TLS ? TRANSPORT_TLS : TRANSPORT_ERROR;
	/* A server that broke the HTTP/2 rules was reached: it says so itself. */
	if (t == TRANSPORT_TLS || strncmp(why, "HTTP/2", 6) == 0)
		snprintf(m->why, sizeof(m->why), "%s", why);
	else
		snprintf(m->why, sizeof(m->why), "unreachable: %s", why);
}

/*
 * The lane's connection (or the attempt) failed: close it, fail its requests with t, and
 * wait before the next attempt. Logged once per kind of failure, not once per retry, and
 * only at debug level for an extra lane while other lanes still serve.
 */
void
mirror_conn_fail(struct mirror_lane *l, enum cons_transport t, const char *why)
{
	struct mirror *m = l->m;
	int kind = 1 + (int)t;
	int loud;

	mirror_conn_close(l);
	mirror_lane_fail_all(l, t);
	mirror_note_error(m, why);
	loud = l->fail_logged != kind && (l->idx == 0 || mirror_lane_count_up(m) == 0);
	l->backoff_ms = l->backoff_ms == 0 ? MIRROR_BACKOFF_MIN_MS
	    : l->backoff_ms >= MIRROR_BACKOFF_MAX_MS / 2 ? MIRROR_BACKOFF_MAX_MS
	    : l->backoff_ms * 2;
	/* A lane lost while others serve says nothing against the mirror. */
	if (mirror_lane_count_up(m) - (l->state == MIRROR_UP) == 0)
		mirror_conn_set_why(m, t, why);
	if (t == TRANSPORT_TLS) {
		m->st.tls_failures++;
		if (loud && (m->verify == VERIFY_WEBPKI ||
				strncmp(why, MIRROR_WHY_CLOCK, strlen(MIRROR_WHY_CLOCK)) == 0))
			log_warnx(LOG_G_MIRROR, "mirror %s (%s): not used: %s", m->name,
			    m->addr_str, why);
		else if (loud)
			log_warnx(LOG_G_MIRROR,
			    "mirror %s (%s): certificate does not chain to the pinned CA (%s)",
			    m->name, m->addr_str, why);
		else
			log_debug(LOG_G_MIRROR, "mirror %s (%s) lane %u: pin failure (%s)", m->name,
			    m->addr_str, l->idx, why);
		mirror_lane_set_state(l, MIRROR_PIN_FAILED);
	} else {
		if (loud)
			log_warnx(LOG_G_MIRROR, "mirror %s (%s): %s; retrying in %u ms", m->name,
			    m->addr_str, why, l->backoff_ms);
		else
			log_debug(LOG_G_MIRROR, "mirror %s (%s) lane %u: %s; retrying in %u ms",
			    m->name, m->addr_str, l->idx, why, l->backoff_ms);
		mirror_lane_set_state(l, MIRROR_BACKOFF);
	}
	l->fail_logged = kind;
	mirror_timer_add(l->timer, l->backoff_ms);
}

/* Did this connection fail in the TLS handshake (as opposed to TCP)? */
static int
mirror_conn_tls_failed(const struct mirror_conn *c)
{
	return c->kind == CONN_DOH && c->tls != NULL && !tls_conn_handshake_done(c->tls) &&
	    tls_conn_error(c->tls)[0] != '\0';
}

/*
 * One sentence for a failed handshake: for a webpki mirror, which check refused it (the
 * words vantagectl mirrors and the documentation use: wrong CA, wrong name, pin missing).
 */
static void
mirror_conn_tls_why(const struct mirror *m, const struct tls_conn *tls, char *buf, size_t len)
{
	const char *kind = "TLS";
	char now[32];

	/* A clock before the certificates (no RTC before NTP) is not an attack: say so. The
	 * backoff tries again, so the mirror comes back once the clock is right. */
	if (tls_conn_failure_kind(tls) == TLS_FAIL_TIME) {
		time_t t = time(NULL);
		struct tm tm;
		strftime(now, sizeof(now), "%Y-%m-%d %H:%M UTC", gmtime_r(&t, &tm));
		snprintf(buf, len, MIRROR_WHY_CLOCK " (%s): is the clock right? (%s)", now,
		    tls_conn_error(tls));
		return;
	}
	if (m->verify == VERIFY_WEBPKI)
		switch (tls_conn_failure_kind(tls)) {
		case TLS_FAIL_CHAIN:
			kind = "wrong CA: the chain does not verify against the trust store";
			break;
		case TLS_FAIL_NAME:
			kind = "wrong name";
			break;
		case TLS_FAIL_PIN:
			kind = "pin missing";
			break;
		default:
			kind = "TLS handshake failed";
			break;
		}
	snprintf(buf, len, "%s: %s", kind, tls_conn_error(tls));
}

/*
 * The server ended the connection. A close with nothing in flight is the ordinary
 * keep-alive idle close: reconnect on demand. Requests caught in flight by such a close
 * (the race RFC 9112 section 9.3.1 allows) are re-sent once on a new connection; DNS
 * questions and GETs are idempotent.
 */
static void
mirror_conn_closed(void *arg, const char *why)
{
	struct mirror_conn *c = arg;
	struct mirror_lane *l = c->lane;
	struct mirror *m = l->m;
	struct mirror_req *r;
	int benign = c->kind == CONN_DOH && c->up && strcmp(why, "connection closed") == 0;
	char buf[160];

	if (mirror_conn_tls_failed(c)) {
		/*
		 * A session the server would not resume must not be offered again: the next
		 * attempt is a full handshake (whatever the server's reason, it costs one).
		 */
		tls_session_free(m->session);
		m->session = NULL;
		mirror_conn_tls_why(m, c->tls, buf, sizeof(buf));
		mirror_conn_fail(l, TRANSPORT_TLS, buf);
		return;
	}
	if (!benign) {
		snprintf(buf, sizeof(buf), "%s%s", c->up ? "" : "connect: ", why);
		mirror_conn_fail(l, TRANSPORT_ERROR, buf);
		return;
	}
	TAILQ_FOREACH(r, &l->inflight, entry)
		if (r->live && r->retried) {
			mirror_conn_fail(l, TRANSPORT_ERROR, "closed twice with requests in flight");
			return;
		}
	log_debug(LOG_G_MIRROR, "mirror %s (%s) lane %u: server closed the connection "
	    "(%zu in flight)", m->name, m->addr_str, l->idx, l->n_inflight);
	mirror_conn_close(l);
	/* Back to the front of the queue, in their original order; orphans are dropped. */
	while ((r = TAILQ_LAST(&l->inflight, req_list)) != NULL) {
		TAILQ_REMOVE(&l->inflight, r, entry);
		l->n_inflight--;
		if (!r->live) {
			mirror_req_free(r);
			continue;
		}
		r->retried = 1;
		r->where = REQ_QUEUED;
		TAILQ_INSERT_HEAD(&l->queue, r, entry);
		l->n_queued++;
	}
	mirror_lane_set_state(l, MIRROR_IDLE);
	if (!TAILQ_EMPTY(&l->queue))
		mirror_conn_open(l);
}

/*
 * Find in a /v1/mirrors body ({"version":1,"mirrors":[{"id":..,"ca_pem":..},..]}) the CA
 * PEM whose SHA-256 is the pin. The PEM authenticates itself through its hash, so what
 * the unauthenticated connection delivered is trusted only after that check. The entry
 * whose id is the pin is tried first, then every other PEM (a mirror may list itself
 * under another id by mistake; the hash decides). Returns a malloc'd PEM or NULL.
 */
static char *
mirror_conn_find_ca(const struct mirror *m, const uint8_t *body, size_t len, char *why, size_t wlen)
{
	struct yconf y = { 0 };
	yaml_node_t *root, *list, *e, *v;
	uint8_t fp[TLS_SHA256_LEN];
	char *found = NULL, bad[160];
	int pass, tries = 0;

	y.max_nodes = MIRROR_LIST_MAX_NODES;
	y.max_keys = MIRROR_LIST_MAX_KEYS;
	if (yconf_load_buffer(&y, "/v1/mirrors", body, len) != 0) {
		snprintf(why, wlen, "unparsable /v1/mirrors: %s", y.err);
		goto out;
	}
	if ((root = yconf_root(&y)) == NULL || root->type != YAML_MAPPING_NODE ||
	    (list = yconf_get(&y, root, "mirrors")) == NULL || list->type != YAML_SEQUENCE_NODE) {
		snprintf(why, wlen, "/v1/mirrors has no mirrors list");
		goto out;
	}
	for (pass = 0; pass < 2 && found == NULL; pass++) {
		YCONF_SEQ_FOREACH(&y, list, e)
		{
			const char *id = NULL, *pem;

			if (e->type != YAML_MAPPING_NODE)
				continue;
			if ((v = yconf_get(&y, e, "id")) != NULL && v->type == YAML_SCALAR_NODE)
				id = (const char *)v->data.scalar.value;
			if ((pass == 0) != (id != NULL && strcasecmp(id, m->id_hex) == 0))
				continue;
			if ((v = yconf_get(&y, e, "ca_pem")) == NULL || v->type != YAML_SCALAR_NODE ||
			    yconf_is_null(v))
				continue;
			pem = (const char *)v->data.scalar.value;
			if (++tries > MIRROR_FIND_CA_TRIES) {
				snprintf(why, wlen, "its /v1/mirrors offers more than %d CA PEMs "
				    "without the pinned one", MIRROR_FIND_CA_TRIES);
				goto out;
			}
			/*
			 * Strict: one certificate and nothing else. A PEM holding the genuine CA
			 * and the attacker's once passed this check and both became anchors.
			 */
			if (tls_pem_sha256(pem, v->data.scalar.length, fp, bad, sizeof(bad)) != 0) {
				if (pass == 0)
					snprintf(why, wlen, "its /v1/mirrors entry for the pinned "
					    "id has an unusable CA PEM: %s", bad);
				continue;
			}
			if (memcmp(fp, m->pin, sizeof(fp)) == 0) {
				found = strdup(pem);
				break;
			}
		}
	}
	if (found == NULL && why[0] == '\0')
		snprintf(why, wlen, "its /v1/mirrors offers no CA with the pinned SHA-256");
out:
	yconf_free(&y);
	return found;
}

static void
mirror_conn_list_response(void *arg, const struct http_response *resp)
{
	struct mirror_conn *c = arg;
	struct mirror_lane *l = c->lane;
	struct mirror *m = l->m;
	char why[600] = "", err[256];
	char *pem;

	if (resp->status == 0)
		return;		/* the close hook handles a failed connection */
	if (resp->status != 200) {
		snprintf(why, sizeof(why), "GET /v1/mirrors: HTTP %d", resp->status);
		mirror_conn_fail(l, TRANSPORT_ERROR, why);
		return;
	}
	if ((pem = mirror_conn_find_ca(m, resp->body, resp->body_len, why, sizeof(why))) == NULL) {
		/* Whoever answers at this address cannot show the pinned CA: a pin failure. */
		mirror_conn_fail(l, TRANSPORT_TLS, why);
		return;
	}
	m->ctx = tls_client_ctx_new_pinned(pem, strlen(pem), m->pin, err, sizeof(err));
	if (m->ctx == NULL) {
		free(pem);
		mirror_conn_fail(l, TRANSPORT_TLS, err);
		return;
	}
	free(m->ca_pem);
	m->ca_pem = pem;
	log_info(LOG_G_MIRROR, "mirror %s (%s): CA fetched from /v1/mirrors, SHA-256 matches the pin",
	    m->name, m->addr_str);
	/* Now the real connection, verified against that CA alone. */
	mirror_conn_close(l);
	mirror_conn_open(l);
}

/*
 * Remember the chain a webpki mirror presented. Its leaf changes with every renewal (a
 * few months); a change of anything above it means another CA now vouches for the
 * resolver: legitimate (a CA switch) or a mis-issuance or interception, so it is logged
 * and counted for vantagectl mirrors, not refused (pin the CA with ca_sha256 to refuse).
 */
static void
mirror_conn_note_chain(struct mirror *m, const struct tls_conn *tls)
{
	uint8_t fps[TLS_MAX_CHAIN][TLS_SHA256_LEN];
	char was[TLS_SHA256_HEX], now[TLS_SHA256_HEX];
	int n = tls_conn_verified_chain(tls, fps, TLS_MAX_CHAIN);

	if (n <= 0)
		return;
	memcpy(m->chain, fps, (size_t)n * sizeof(fps[0]));
	m->chain_n = (size_t)n;
	if (n < 2 || (m->has_known_ca && memcmp(m->known_ca, fps[1], TLS_SHA256_LEN) == 0))
		return;
	if (m->has_known_ca) {
		m->st.ca_changes++;
		log_warnx(LOG_G_MIRROR, "mirror %s (%s): its CA changed: issuer %s, was %s",
		    m->name, m->addr_str, tls_hex(fps[1], TLS_SHA256_LEN, now),
		    tls_hex(m->known_ca, TLS_SHA256_LEN, was));
	} else
		log_info(LOG_G_MIRROR, "mirror %s (%s): verified for %s, issuer %s (first seen)",
		    m->name, m->addr_str, m->hostname[0] ? m->hostname : "its address",
		    tls_hex(fps[1], TLS_SHA256_LEN, now));
	memcpy(m->known_ca, fps[1], TLS_SHA256_LEN);
	m->has_known_ca = 1;
	/* Rare (a first sight or a change): the file is written then, not per handshake. */
	mirror_chains_save(m->set);
}

/*
 * Keep c's TLS session for m's next connection, once it can be resumed (a TLS 1.3 ticket
 * comes after the handshake: tried again at each answer until one came). Only the newest
 * is kept, per mirror: a ticket is never offered to another mirror, which would link us.
 */
void
mirror_conn_keep_session(struct mirror_conn *c)
{
	struct mirror *m = c->lane->m;
	struct tls_session *s;

	if (c->session_kept || c->kind != CONN_DOH || c->tls == NULL ||
	    (s = tls_conn_session(c->tls)) == NULL)
		return;
	tls_session_free(m->session);
	m->session = s;
	c->session_kept = 1;
}

/*
 * The handshake is done: put the HTTP client on the connection that ALPN chose, HTTP/2
 * or HTTP/1.1 (also when the server chose nothing). The notary connection (the CA fetch)
 * offers no ALPN and stays HTTP/1.1. 0, or -1 (no memory).
 */
static int
mirror_conn_transport(struct mirror_conn *c)
{
	struct mirror *m = c->lane->m;
	const char *host = m->hostname && m->hostname[0] ? m->hostname : m->addr_str;
	char err[128];

	if (c->kind == CONN_DOH && strcmp(tls_conn_alpn(c->tls), "h2") == 0) {
		if ((c->h2 = mirror_h2_new(c->bev, host, err, sizeof(err))) == NULL)
			return -1;
		mirror_h2_set_close_cb(c->h2, mirror_conn_closed, c);
		m->st.proto = MIRROR_PROTO_H2;
		return 0;
	}
	if ((c->http = http_client_new(c->bev, host, c->kind == CONN_DOH ? MIRROR_MAX_ANSWER :
	    MIRROR_MAX_LIST)) == NULL)
		return -1;
	http_client_set_close_cb(c->http, mirror_conn_closed, c);
	if (c->kind == CONN_DOH)
		m->st.proto = MIRROR_PROTO_HTTP1;
	return 0;
}

/* The TLS handshake completed (the certificate verified, for a pinned context). */
static void
mirror_conn_up(struct tls_conn *tls, void *arg)
{
	struct mirror_conn *c = arg;
	struct mirror_lane *l = c->lane;
	struct mirror *m = l->m;

	c->up = 1;
	if (mirror_conn_transport(c) != 0) {
		mirror_conn_fail(l, TRANSPORT_ERROR, "out of memory");
		return;
	}
	if (c->kind == CONN_NOTARY) {
		char target[96];

		/*
		 * Only the entry of the pinned id (protocol 3.2, ?id=): the whole list of a
		 * large network would not fit the bounds we read it under. A mirror that
		 * ignores the parameter sends the whole list, searched as before.
		 */
		snprintf(target, sizeof(target), "/v1/mirrors?id=%s", m->id_hex);
		if (http_client_request(c->http, "GET", target, NULL, NULL, 0,
		    mirror_conn_list_response, c) != 0)
			mirror_conn_fail(l, TRANSPORT_ERROR, "cannot send GET /v1/mirrors");
		return;
	}
	evtimer_del(l->timer);
	m->st.handshakes++;
	if (tls_conn_resumed(tls))
		m->st.resumed++;
	else
		m->st.full_handshakes++;
	mirror_conn_keep_session(c);
	if (m->verify == VERIFY_WEBPKI)
		mirror_conn_note_chain(m, tls);
	m->why[0] = '\0';
	if (l->fail_logged && l->idx == 0)
		log_info(LOG_G_MIRROR, "mirror %s (%s): connected again", m->name, m->addr_str);
	log_debug(LOG_G_MIRROR, "mirror %s (%s) lane %u: %s %s%s in %llu us", m->name,
	    m->addr_str, l->idx, tls_conn_version(tls), mirror_proto_name(m->st.proto),
	    tls_conn_resumed(tls) ? " (resumed)" : "",
	    (unsigned long long)(now_us() - c->started_us));
	l->fail_logged = 0;
	l->backoff_ms = 0;
	mirror_lane_set_state(l, MIRROR_UP);
	mirror_lane_pump(l);
}

/*
 * A webpki mirror's connection must prove the name it is listed with (or its address when
 * it has none) and carry its pin: a trust store vouches for a million servers. The address
 * connected to is still the listed one; the name is never resolved. 0, or -1 (memory).
 */
static int
mirror_conn_expect(const struct mirror *m, struct tls_conn *tls)
{
	char ip[NETADDR_STRLEN];

	if (m->verify != VERIFY_WEBPKI)
		return 0;
	return tls_conn_expect(tls, m->hostname[0] ? m->hostname :
	    netaddr_ip_str(&m->addr, ip, sizeof(ip)), m->has_pin ? m->pin : NULL);
}

/* The connection ended before its handshake completed (the HTTP clients take over after). */
static void
mirror_conn_bev_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	if (what & BEV_EVENT_CONNECTED)
		return;
	mirror_conn_closed(arg, (what & BEV_EVENT_ERROR) ? "connection error"
	    : (what & BEV_EVENT_TIMEOUT) ? "timeout" : "connection closed");
}

/* The notary context (trusts nothing: the CA fetch), made once per set; NULL with err set. */
static struct tls_ctx *
mirror_conn_notary(struct mirror *m, char *err, size_t errlen)
{
	struct mirror_set *set = m->set;

	if (set->notary == NULL &&
	    (set->notary = tls_client_ctx_new_notary(err, errlen)) == NULL)
		return NULL;
	log_debug(LOG_G_MIRROR, "mirror %s (%s): fetching its CA (pin only)", m->name,
	    m->addr_str);
	return set->notary;
}

/*
 * Open the lane's connection: the pinned one when the CA is known, else the notary one that
 * fetches it (primary lane only). Failures are reported through mirror_conn_fail (deferred
 * callbacks only).
 */
void
mirror_conn_open(struct mirror_lane *l)
{
	struct mirror *m = l->m;
	struct mirror_set *set = m->set;
	struct mirror_conn *c;
	struct bufferevent *bev;
	struct tls_ctx *ctx = m->ctx;
	evutil_socket_t fd;
	int one = 1;
	char err[256];

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		mirror_conn_fail(l, TRANSPORT_ERROR, "out of memory");
		return;
	}
	c->lane = l;
	c->kind = ctx != NULL ? CONN_DOH : CONN_NOTARY;
	c->started_us = now_us();
	if (ctx == NULL && (ctx = mirror_conn_notary(m, err, sizeof(err))) == NULL) {
		free(c);
		mirror_conn_fail(l, TRANSPORT_ERROR, err);
		return;
	}
	bev = tls_bev_new(set->base, -1, ctx, 0, m->hostname, &c->tls);
	if (bev == NULL || mirror_conn_expect(m, c->tls) != 0 ||
	    (c->kind == CONN_DOH && tls_conn_offer_alpn(c->tls, MIRROR_ALPN) != 0)) {
		if (bev != NULL)
			bufferevent_free(bev);
		free(c);
		mirror_conn_fail(l, TRANSPORT_ERROR, "out of memory");
		return;
	}
	/*
	 * Refused (a full handshake then) when the session was made under other checks, or is
	 * too old to stand for them (a day, the leaf's expiry): then it is dropped.
	 */
	if (c->kind == CONN_DOH && m->session != NULL &&
	    tls_conn_set_session(c->tls, m->session) != 0) {
		tls_session_free(m->session);
		m->session = NULL;
	}
	/* Until the handshake, only the connection's end matters (the HTTP client comes then). */
	c->bev = bev;
	bufferevent_setcb(bev, NULL, NULL, mirror_conn_bev_event, c);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
	tls_conn_set_callbacks(c->tls, mirror_conn_up, NULL, c);
	l->conn = c;
	mirror_lane_set_state(l, MIRROR_CONNECTING);
	mirror_timer_add(l->timer, MIRROR_CONNECT_TIMEOUT_MS);
	if (tls_bev_connect(bev, (const struct sockaddr *)&m->addr.ss, (int)m->addr.len) != 0) {
		mirror_conn_fail(l, TRANSPORT_ERROR, "connect failed");
		return;
	}
	/*
	 * Requests are small writes on a long-lived connection: without TCP_NODELAY, Nagle
	 * holds each one back until the previous segment is acknowledged, and the peer's
	 * delayed ACK turns that into ~40 ms per sequential query.
	 */
	if ((fd = bufferevent_getfd(bev)) >= 0)
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

/*
 * Send a request on c, HTTP/2 or HTTP/1.1. On HTTP/2, *sid gets its stream. 0 or -1.
 * Only the headers RFC 8484 asks for go out: nothing names or fingerprints us.
 */
int
mirror_conn_request(struct mirror_conn *c, const char *method, const char *target,
    const char *accept, const char *ct, const void *body, size_t len, size_t max_body,
    http_response_cb cb1, mirror_h2_cb cb2, void *arg, int32_t *sid)
{
	int32_t id;

	if (c->h2 == NULL)
		return http_client_request_ex(c->http, method, target, accept, ct, body, len,
		    max_body, cb1, arg);
	if ((id = mirror_h2_request(c->h2, method, target, accept, ct, body, len,
	    max_body ? max_body : MIRROR_MAX_ANSWER, cb2, arg)) < 0)
		return -1;
	if (sid != NULL)
		*sid = id;
	return 0;
}
