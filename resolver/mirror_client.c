/* resolver/mirror_client.c - the secure mirrors: pinned TLS connections, DoH queries, selection. */
#include "autoconf.h"
#include "mirror_client.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <unistd.h>

/*
 * No wolfSSL and no ldns header here (they clash, DESIGN.md section 8): TLS goes through
 * lib/tls.h, HTTP through lib/http.h, DNS through lib/dnswire.h, all plain buffers.
 */
#include "http.h"
#include "log.h"
#include "netaddr.h"
#include "tls.h"
#include "vutil.h"
#include "yconf.h"

/* Requests written to one connection and not yet answered: pipelining depth. */
#define MIRROR_WINDOW 32
/* A DoH answer is one DNS message (RFC 8484 section 6); anything longer is garbage. */
#define MIRROR_MAX_ANSWER DNS_MAXMSG
/* /v1/mirrors lists ~100 entries of ~1 KiB (CA PEM included); 4 MiB is generous. */
#define MIRROR_MAX_LIST (4u * 1024 * 1024)
/* A node budget for the /v1/mirrors body: a hostile list must not cost unbounded memory. */
#define MIRROR_LIST_MAX_NODES 200000
/* Reconnect backoff (ms): doubles per failure, so a dead mirror costs one SYN a minute. */
#define MIRROR_BACKOFF_MIN_MS 500
#define MIRROR_BACKOFF_MAX_MS 60000
/*
 * TCP + TLS handshake (and the one-time CA fetch) must finish within this (ms). A full
 * handshake is 1-20 ms even cold (notes/libraries.md section 3); seconds mean a black hole.
 */
#define MIRROR_CONNECT_TIMEOUT_MS 5000
/*
 * An established connection whose oldest request has waited this long (ms) with no
 * answer is declared stalled and dropped: otherwise abandoned requests would fill the
 * window for good while the server never closes.
 */
#define MIRROR_STALL_MS 10000
/* SRTT gain 1/8, as TCP's (RFC 6298): smooth, yet follows a change within ~10 samples. */
#define MIRROR_SRTT_SHIFT 3
/* HMAC-SHA-256 block size (RFC 2104, RFC 4634). */
#define HMAC_BLOCK 64

/* RFC 8484 media type; Accept rides along, see mirror_send. */
#define DOH_CT "application/dns-message"

enum req_where {
	REQ_QUEUED,	/* waiting for the connection or a window slot */
	REQ_INFLIGHT,	/* written; its HTTP response has not come */
	REQ_LOOSE,	/* its outcome is decided; the event delivers it */
};

struct mirror_req {
	TAILQ_ENTRY(mirror_req) entry;
	struct mirror *m;
	struct event *ev;	/* the deadline; also delivers a decided outcome */
	struct dnsq q;
	mirror_cb cb;		/* NULL once delivered or cancelled (an orphan when in flight) */
	void *arg;
	uint64_t sent_us;
	enum req_where where;
	enum cons_transport result;	/* for REQ_LOOSE */
	int retried;		/* re-sent once after a keep-alive close race */
};
TAILQ_HEAD(req_list, mirror_req);

enum conn_kind {
	CONN_NOTARY,	/* fetching this mirror's CA from its /v1/mirrors (accepts any chain) */
	CONN_DOH	/* the pinned connection queries travel on */
};

struct mirror_conn {
	struct mirror *m;
	enum conn_kind kind;
	struct http_client *http;	/* owns the TLS bufferevent and tls */
	struct tls_conn *tls;
	int up;				/* handshake done */
	uint64_t started_us;
};

struct mirror {
	struct mirror_set *set;
	char *name, *region, *hostname, *ca_pem;
	char id_hex[TLS_SHA256_HEX + 8];	/* hex CA SHA-256, or "webpki:HOST" (truncated) */
	uint8_t pin[TLS_SHA256_LEN];
	uint8_t *id;		/* what the selection hashes: the pin, or "webpki:HOST" */
	size_t id_len;
	struct netaddr addr;
	char addr_str[NETADDR_STRLEN];
	enum mirror_verify verify;
	int usable;		/* 0: verify: webpki, which lib/tls cannot do yet */
	struct tls_ctx *ctx;	/* trusts exactly this mirror's CA; NULL until known */
	struct mirror_conn *conn;
	struct event *timer;	/* CONNECTING: handshake deadline; BACKOFF: retry time */
	uint32_t backoff_ms;
	int fail_logged;	/* the current failure kind was logged (0 none, else 1 + transport) */
	struct req_list queue, inflight, loose;
	size_t n_inflight;
	uint64_t srtt_us;
	struct mirror_stats st;
};

struct mirror_set {
	struct event_base *base;
	uint8_t secret[32];
	struct mirror **mirrors;
	size_t n;
	struct tls_ctx *notary;	/* for the CA fetch only; trusts nothing */
	int busy;		/* depth of user callbacks on the stack */
	int dead;		/* mirror_set_free was called inside one: free on the way out */
	int tls_inited;
};

static void mirror_connect(struct mirror *m);
static void mirror_pump(struct mirror *m);
static void mirror_set_destroy(struct mirror_set *set, int nested);

static const char *const mirror_state_names[] = { "idle", "connecting", "up", "backoff",
	"pin-failed" };

const uint32_t mirror_rtt_bounds_us[MIRROR_RTT_BUCKETS] = { 5000, 10000, 25000, 50000, 100000,
	250000, 500000, 1000000, 2500000, 5000000 };

/* Count one answered request's round trip in the histogram (metrics). */
static void
mirror_rtt_note(struct mirror *m, uint64_t rtt_us)
{
	size_t i = 0;

	while (i < MIRROR_RTT_BUCKETS && rtt_us > mirror_rtt_bounds_us[i])
		i++;
	m->st.rtt_hist[i]++;
	m->st.rtt_count++;
	m->st.rtt_sum_us += rtt_us;
}

/* ---- HMAC-SHA-256 (RFC 2104) on lib/tls's one-shot SHA-256 ---- */

/*
 * mirror_hmac - HMAC-SHA-256 of the concatenation a || b under key. The one-shot hash
 * needs the whole message at once, so ipad||message is built in a buffer; names are at
 * most 255 bytes and ids short, so the stack buffer always suffices (checked anyway).
 */
static int
mirror_hmac(const uint8_t *key, size_t klen, const uint8_t *a, size_t alen, const uint8_t *b,
    size_t blen, uint8_t out[TLS_SHA256_LEN])
{
	uint8_t k[HMAC_BLOCK], buf[HMAC_BLOCK + DNS_MAXNAME + 512];
	size_t i;

	if (alen + blen > sizeof(buf) - HMAC_BLOCK)
		return -1;
	memset(k, 0, sizeof(k));
	if (klen > HMAC_BLOCK)
		tls_sha256(key, klen, k);
	else
		memcpy(k, key, klen);
	for (i = 0; i < HMAC_BLOCK; i++)
		buf[i] = k[i] ^ 0x36;
	memcpy(buf + HMAC_BLOCK, a, alen);
	if (blen > 0)
		memcpy(buf + HMAC_BLOCK + alen, b, blen);
	tls_sha256(buf, HMAC_BLOCK + alen + blen, out);
	for (i = 0; i < HMAC_BLOCK; i++)
		buf[i] = k[i] ^ 0x5c;
	memcpy(buf + HMAC_BLOCK, out, TLS_SHA256_LEN);
	tls_sha256(buf, HMAC_BLOCK + TLS_SHA256_LEN, out);
	return 0;
}

/* ---- requests ---- */

static void
mirror_timer_add(struct event *ev, uint32_t ms)
{
	struct timeval tv = { (time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000 };

	evtimer_add(ev, &tv);
}

static void
mirror_req_free(struct mirror_req *r)
{
	if (r->ev != NULL)
		event_free(r->ev);
	free(r);
}

/* Unlink r from the list its state says it is on. */
static void
mirror_req_unlink(struct mirror_req *r)
{
	struct mirror *m = r->m;

	switch (r->where) {
	case REQ_QUEUED:
		TAILQ_REMOVE(&m->queue, r, entry);
		break;
	case REQ_INFLIGHT:
		TAILQ_REMOVE(&m->inflight, r, entry);
		m->n_inflight--;
		break;
	case REQ_LOOSE:
		TAILQ_REMOVE(&m->loose, r, entry);
		break;
	}
}

/*
 * Decide r's outcome now and deliver it from the event loop (never from the caller's
 * stack: mirror_query promises that, and connection teardown must not be re-entered).
 * An orphan (cb NULL) is simply freed.
 */
static void
mirror_req_settle(struct mirror_req *r, enum cons_transport t)
{
	struct mirror *m = r->m;

	mirror_req_unlink(r);
	if (r->cb == NULL) {
		mirror_req_free(r);
		return;
	}
	r->where = REQ_LOOSE;
	r->result = t;
	TAILQ_INSERT_TAIL(&m->loose, r, entry);
	event_del(r->ev);
	event_active(r->ev, EV_TIMEOUT, 0);
}

static void
mirror_count(struct mirror *m, enum cons_transport t)
{
	switch (t) {
	case TRANSPORT_OK:
		m->st.answers++;
		break;
	case TRANSPORT_TIMEOUT:
		m->st.timeouts++;
		break;
	case TRANSPORT_ERROR:
	case TRANSPORT_TLS:
		m->st.errors++;
		break;
	}
}

/*
 * Run the user's callback. Returns 1 when the set was freed meanwhile (the caller must
 * then touch nothing of it), else 0.
 */
static int
mirror_req_call(struct mirror_set *set, mirror_cb cb, void *arg, enum cons_transport t,
    const uint8_t *wire, size_t len)
{
	set->busy++;
	cb(arg, t, wire, len);
	set->busy--;
	if (set->dead) {
		if (set->busy == 0)
			mirror_set_destroy(set, 1);
		return 1;
	}
	return 0;
}

static void mirror_conn_fail(struct mirror *m, enum cons_transport t, const char *why);

/* The deadline passed, or a decided outcome is due. */
static void
mirror_req_event(evutil_socket_t fd, short what, void *arg)
{
	struct mirror_req *r = arg;
	struct mirror *m = r->m;
	struct mirror_set *set = m->set;
	enum cons_transport t = TRANSPORT_TIMEOUT;
	mirror_cb cb = r->cb;
	void *cbarg = r->arg;
	int owned = 0;

	(void)fd;
	(void)what;
	if (cb == NULL)
		return;		/* cannot happen: a delivered request has no pending event */
	r->cb = NULL;
	switch (r->where) {
	case REQ_LOOSE:
		t = r->result;
		TAILQ_REMOVE(&m->loose, r, entry);
		owned = 1;
		break;
	case REQ_QUEUED:
		TAILQ_REMOVE(&m->queue, r, entry);
		owned = 1;
		break;
	case REQ_INFLIGHT:
		/* Stays in flight as an orphan: its response must still be read off the pipe. */
		break;
	}
	mirror_count(m, t);
	if (owned)
		mirror_req_free(r);
	if (mirror_req_call(set, cb, cbarg, t, NULL, 0))
		return;
	/* A connection whose oldest request waited this long is not coming back. */
	if (t == TRANSPORT_TIMEOUT && m->conn != NULL && m->conn->up &&
	    (r = TAILQ_FIRST(&m->inflight)) != NULL &&
	    now_us() - r->sent_us >= (uint64_t)MIRROR_STALL_MS * 1000)
		mirror_conn_fail(m, TRANSPORT_ERROR, "no answer for 10 s: connection stalled");
}

/* ---- connection state ---- */

static void
mirror_set_state(struct mirror *m, enum mirror_state s)
{
	if (m->st.state != s)
		log_debug(LOG_G_MIRROR, "mirror %s (%s): %s -> %s", m->name, m->addr_str,
		    mirror_state_names[m->st.state], mirror_state_names[s]);
	m->st.state = s;
}

/* Close the current connection, if any; no callbacks run. */
static void
mirror_conn_close(struct mirror *m)
{
	struct mirror_conn *c = m->conn;

	if (c == NULL)
		return;
	m->conn = NULL;
	/* Safe from inside the client's own callbacks: it frees itself on the way out. */
	http_client_free(c->http);
	free(c);
	evtimer_del(m->timer);
}

/* Fail every request of m with t (orphans are just freed). */
static void
mirror_fail_requests(struct mirror *m, enum cons_transport t)
{
	struct mirror_req *r;

	while ((r = TAILQ_FIRST(&m->inflight)) != NULL)
		mirror_req_settle(r, t);
	while ((r = TAILQ_FIRST(&m->queue)) != NULL)
		mirror_req_settle(r, t);
}

/*
 * The connection (or the attempt) failed: close it, fail its requests with t, and wait
 * before the next attempt. Logged once per kind of failure, not once per retry.
 */
static void
mirror_conn_fail(struct mirror *m, enum cons_transport t, const char *why)
{
	int kind = 1 + (int)t;

	mirror_conn_close(m);
	mirror_fail_requests(m, t);
	m->backoff_ms = m->backoff_ms == 0 ? MIRROR_BACKOFF_MIN_MS
	    : m->backoff_ms >= MIRROR_BACKOFF_MAX_MS / 2 ? MIRROR_BACKOFF_MAX_MS
	    : m->backoff_ms * 2;
	if (t == TRANSPORT_TLS) {
		m->st.tls_failures++;
		if (m->fail_logged != kind)
			log_warnx(LOG_G_MIRROR,
			    "mirror %s (%s): certificate does not chain to the pinned CA (%s)",
			    m->name, m->addr_str, why);
		else
			log_debug(LOG_G_MIRROR, "mirror %s (%s): pin failure again (%s)", m->name,
			    m->addr_str, why);
		mirror_set_state(m, MIRROR_PIN_FAILED);
	} else {
		if (m->fail_logged != kind)
			log_warnx(LOG_G_MIRROR, "mirror %s (%s): %s; retrying in %u ms", m->name,
			    m->addr_str, why, m->backoff_ms);
		else
			log_debug(LOG_G_MIRROR, "mirror %s (%s): %s; retrying in %u ms", m->name,
			    m->addr_str, why, m->backoff_ms);
		mirror_set_state(m, MIRROR_BACKOFF);
	}
	m->fail_logged = kind;
	mirror_timer_add(m->timer, m->backoff_ms);
}

/* The per-mirror timer: the handshake deadline, or the end of a backoff. */
static void
mirror_timer(evutil_socket_t fd, short what, void *arg)
{
	struct mirror *m = arg;

	(void)fd;
	(void)what;
	if (m->st.state == MIRROR_CONNECTING) {
		mirror_conn_fail(m, TRANSPORT_TIMEOUT, "no TLS connection within 5 s");
		return;
	}
	/* Backoff over: try again when the next query asks for it. */
	mirror_set_state(m, MIRROR_IDLE);
	if (!TAILQ_EMPTY(&m->queue))
		mirror_connect(m);
}

/* Did this connection fail in the TLS handshake (as opposed to TCP)? */
static int
mirror_conn_tls_failed(const struct mirror_conn *c)
{
	return c->kind == CONN_DOH && c->tls != NULL && !tls_conn_handshake_done(c->tls) &&
	    tls_conn_error(c->tls)[0] != '\0';
}

/*
 * The server ended the connection. A close with nothing in flight is the ordinary
 * keep-alive idle close: reconnect on demand. Requests caught in flight by such a close
 * (the race RFC 9112 section 9.3.1 allows) are re-sent once on a new connection; DNS
 * questions are idempotent.
 */
static void
mirror_conn_closed(void *arg, const char *why)
{
	struct mirror_conn *c = arg;
	struct mirror *m = c->m;
	struct mirror_req *r;
	int benign = c->kind == CONN_DOH && c->up && strcmp(why, "connection closed") == 0;
	char buf[160];

	if (mirror_conn_tls_failed(c)) {
		snprintf(buf, sizeof(buf), "%s", tls_conn_error(c->tls));
		mirror_conn_fail(m, TRANSPORT_TLS, buf);
		return;
	}
	if (!benign) {
		snprintf(buf, sizeof(buf), "%s%s", c->up ? "" : "connect: ", why);
		mirror_conn_fail(m, TRANSPORT_ERROR, buf);
		return;
	}
	TAILQ_FOREACH(r, &m->inflight, entry)
		if (r->cb != NULL && r->retried) {
			mirror_conn_fail(m, TRANSPORT_ERROR, "closed twice with requests in flight");
			return;
		}
	log_debug(LOG_G_MIRROR, "mirror %s (%s): server closed the connection (%zu in flight)",
	    m->name, m->addr_str, m->n_inflight);
	mirror_conn_close(m);
	/* Back to the front of the queue, in their original order; orphans are dropped. */
	while ((r = TAILQ_LAST(&m->inflight, req_list)) != NULL) {
		TAILQ_REMOVE(&m->inflight, r, entry);
		m->n_inflight--;
		if (r->cb == NULL) {
			mirror_req_free(r);
			continue;
		}
		r->retried = 1;
		r->where = REQ_QUEUED;
		TAILQ_INSERT_HEAD(&m->queue, r, entry);
	}
	mirror_set_state(m, MIRROR_IDLE);
	if (!TAILQ_EMPTY(&m->queue))
		mirror_connect(m);
}

/* ---- the CA fetch: GET /v1/mirrors over a notary connection ---- */

/*
 * Find in a /v1/mirrors body ({"version":1,"mirrors":[{"id":..,"ca_pem":..},..]}) the CA
 * PEM whose SHA-256 is the pin. The PEM authenticates itself through its hash, so what
 * the unauthenticated connection delivered is trusted only after that check. The entry
 * whose id is the pin is tried first, then every other PEM (a mirror may list itself
 * under another id by mistake; the hash decides). Returns a malloc'd PEM or NULL.
 */
static char *
mirror_find_ca(const struct mirror *m, const uint8_t *body, size_t len, char *why, size_t wlen)
{
	struct yconf y = { 0 };
	yaml_node_t *root, *list, *e, *v;
	uint8_t fp[TLS_SHA256_LEN];
	char *found = NULL;
	int pass;

	y.max_nodes = MIRROR_LIST_MAX_NODES;
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
			if (tls_pem_sha256(pem, v->data.scalar.length, fp) == 0 &&
			    memcmp(fp, m->pin, sizeof(fp)) == 0) {
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
mirror_list_response(void *arg, const struct http_response *resp)
{
	struct mirror_conn *c = arg;
	struct mirror *m = c->m;
	char why[600] = "", err[256];
	char *pem;

	if (resp->status == 0)
		return;		/* the close hook handles a failed connection */
	if (resp->status != 200) {
		snprintf(why, sizeof(why), "GET /v1/mirrors: HTTP %d", resp->status);
		mirror_conn_fail(m, TRANSPORT_ERROR, why);
		return;
	}
	if ((pem = mirror_find_ca(m, resp->body, resp->body_len, why, sizeof(why))) == NULL) {
		/* Whoever answers at this address cannot show the pinned CA: a pin failure. */
		mirror_conn_fail(m, TRANSPORT_TLS, why);
		return;
	}
	m->ctx = tls_client_ctx_new_pinned(pem, strlen(pem), m->pin, err, sizeof(err));
	if (m->ctx == NULL) {
		free(pem);
		mirror_conn_fail(m, TRANSPORT_TLS, err);
		return;
	}
	free(m->ca_pem);
	m->ca_pem = pem;
	log_info(LOG_G_MIRROR, "mirror %s (%s): CA fetched from /v1/mirrors, SHA-256 matches the pin",
	    m->name, m->addr_str);
	/* Now the real connection, verified against that CA alone. */
	mirror_conn_close(m);
	mirror_connect(m);
}

/* ---- connecting ---- */

/* The TLS handshake completed (the certificate verified, for a pinned context). */
static void
mirror_conn_up(struct tls_conn *tls, void *arg)
{
	struct mirror_conn *c = arg;
	struct mirror *m = c->m;

	(void)tls;
	c->up = 1;
	if (c->kind == CONN_NOTARY) {
		if (http_client_request(c->http, "GET", "/v1/mirrors", NULL, NULL, 0,
		    mirror_list_response, c) != 0)
			mirror_conn_fail(m, TRANSPORT_ERROR, "cannot send GET /v1/mirrors");
		return;
	}
	evtimer_del(m->timer);
	m->st.handshakes++;
	if (m->fail_logged)
		log_info(LOG_G_MIRROR, "mirror %s (%s): connected again", m->name, m->addr_str);
	log_debug(LOG_G_MIRROR, "mirror %s (%s): %s in %llu us", m->name, m->addr_str,
	    tls_conn_version(tls), (unsigned long long)(now_us() - c->started_us));
	m->fail_logged = 0;
	m->backoff_ms = 0;
	mirror_set_state(m, MIRROR_UP);
	mirror_pump(m);
}

/*
 * Open the connection: the pinned one when the CA is known, else the notary one that
 * fetches it. Failures are reported through mirror_conn_fail (deferred callbacks only).
 */
static void
mirror_connect(struct mirror *m)
{
	struct mirror_set *set = m->set;
	struct mirror_conn *c;
	struct bufferevent *bev;
	struct tls_ctx *ctx = m->ctx;
	evutil_socket_t fd;
	int one = 1;
	char err[256];

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		mirror_conn_fail(m, TRANSPORT_ERROR, "out of memory");
		return;
	}
	c->m = m;
	c->kind = ctx != NULL ? CONN_DOH : CONN_NOTARY;
	c->started_us = now_us();
	if (ctx == NULL) {
		if (set->notary == NULL &&
		    (set->notary = tls_client_ctx_new_notary(err, sizeof(err))) == NULL) {
			free(c);
			mirror_conn_fail(m, TRANSPORT_ERROR, err);
			return;
		}
		ctx = set->notary;
		log_debug(LOG_G_MIRROR, "mirror %s (%s): fetching its CA (pin only)", m->name,
		    m->addr_str);
	}
	bev = tls_bev_new(set->base, -1, ctx, 0, m->hostname, &c->tls);
	if (bev == NULL || (c->http = http_client_new(bev, m->hostname ? m->hostname :
	    m->addr_str, c->kind == CONN_DOH ? MIRROR_MAX_ANSWER : MIRROR_MAX_LIST)) == NULL) {
		if (bev != NULL)
			bufferevent_free(bev);
		free(c);
		mirror_conn_fail(m, TRANSPORT_ERROR, "out of memory");
		return;
	}
	http_client_set_close_cb(c->http, mirror_conn_closed, c);
	tls_conn_set_callbacks(c->tls, mirror_conn_up, NULL, c);
	m->conn = c;
	mirror_set_state(m, MIRROR_CONNECTING);
	mirror_timer_add(m->timer, MIRROR_CONNECT_TIMEOUT_MS);
	if (tls_bev_connect(bev, (const struct sockaddr *)&m->addr.ss, (int)m->addr.len) != 0) {
		mirror_conn_fail(m, TRANSPORT_ERROR, "connect failed");
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

/* ---- DoH ---- */

/* Is the response an acceptable answer to r? */
static enum cons_transport
mirror_check_answer(struct mirror *m, struct mirror_req *r, const struct http_response *resp)
{
	const char *ct = http_response_header(resp, "Content-Type");
	struct dnsresp dr;
	struct dnsq aq;
	size_t ctlen;

	if (resp->status != 200) {
		log_debug(LOG_G_MIRROR, "mirror %s (%s): HTTP %d", m->name, m->addr_str,
		    resp->status);
		return TRANSPORT_ERROR;
	}
	/* The media type, parameters aside ("application/dns-message; x=y" is fine). */
	ctlen = ct == NULL ? 0 : strcspn(ct, "; \t");
	if (ct == NULL || ctlen != strlen(DOH_CT) || strncasecmp(ct, DOH_CT, ctlen) != 0) {
		log_debug(LOG_G_MIRROR, "mirror %s (%s): answer is not %s", m->name, m->addr_str,
		    DOH_CT);
		return TRANSPORT_ERROR;
	}
	if (resp->body_len > MIRROR_MAX_ANSWER ||
	    dnswire_parse_response(resp->body, resp->body_len, &aq, &dr) != 0) {
		log_debug(LOG_G_MIRROR, "mirror %s (%s): malformed DNS answer", m->name,
		    m->addr_str);
		return TRANSPORT_ERROR;
	}
	/* The question must be ours: a mirror answering another name is no answer. */
	if (!dnswire_same_question(&aq, &r->q)) {
		log_debug(LOG_G_MIRROR, "mirror %s (%s): answer to another question", m->name,
		    m->addr_str);
		return TRANSPORT_ERROR;
	}
	return TRANSPORT_OK;
}

static void
mirror_doh_response(void *arg, const struct http_response *resp)
{
	struct mirror_req *r = arg;
	struct mirror *m = r->m;
	struct mirror_set *set = m->set;
	enum cons_transport t;
	uint64_t rtt;
	mirror_cb cb;
	void *cbarg;

	if (resp->status == 0)
		return;		/* the close hook fails what was in flight */
	/* Responses come in request order (HTTP/1.1 pipelining): r is the head. */
	TAILQ_REMOVE(&m->inflight, r, entry);
	m->n_inflight--;
	rtt = now_us() - r->sent_us;
	m->srtt_us = m->srtt_us == 0 ? rtt
	    : m->srtt_us - (m->srtt_us >> MIRROR_SRTT_SHIFT) + (rtt >> MIRROR_SRTT_SHIFT);
	m->st.srtt_ms = (uint32_t)((m->srtt_us + 999) / 1000);
	mirror_rtt_note(m, rtt);
	cb = r->cb;
	cbarg = r->arg;
	if (cb == NULL) {	/* timed out or cancelled earlier */
		mirror_req_free(r);
		mirror_pump(m);
		return;
	}
	t = mirror_check_answer(m, r, resp);
	mirror_count(m, t);
	mirror_req_free(r);
	/* The window slot is free: refill before the callback so its new queries queue behind. */
	mirror_pump(m);
	mirror_req_call(set, cb, cbarg, t, t == TRANSPORT_OK ? resp->body : NULL,
	    t == TRANSPORT_OK ? resp->body_len : 0);
}

/* Write one request to the connection: 0, -1 when the question cannot be encoded, -2 when the
 * connection refuses it. */
static int
mirror_send(struct mirror *m, struct mirror_req *r)
{
	uint8_t wire[DNS_HDRLEN + DNS_MAXNAME + 4 + 11 + 16];
	size_t n;

	/* RFC 8484 section 4.1: ID 0, so that identical questions give cacheable requests. */
	n = dnswire_build_query(wire, sizeof(wire), &r->q, 0, DNS_EDNS_SIZE);
	if (n == 0)
		return -1;
	/*
	 * lib/http writes only Host, Content-Type and Content-Length; RFC 8484 section 4.1
	 * asks for Accept too, so it rides on the content type line. Both strings are ours.
	 */
	if (http_client_request(m->conn->http, "POST", "/dns-query", DOH_CT "\r\nAccept: " DOH_CT,
	    wire, n, mirror_doh_response, r) != 0)
		return -2;
	return 0;
}

/* Move queued requests into the window. */
static void
mirror_pump(struct mirror *m)
{
	struct mirror_req *r;

	while (m->st.state == MIRROR_UP && m->conn != NULL && m->n_inflight < MIRROR_WINDOW &&
	    (r = TAILQ_FIRST(&m->queue)) != NULL) {
		switch (mirror_send(m, r)) {
		case -1:	/* a question we cannot encode fails alone */
			mirror_req_settle(r, TRANSPORT_ERROR);
			continue;
		case -2:	/* a connection that takes nothing fails everything */
			mirror_conn_fail(m, TRANSPORT_ERROR, "cannot write to the connection");
			return;
		}
		TAILQ_REMOVE(&m->queue, r, entry);
		r->where = REQ_INFLIGHT;
		r->sent_us = now_us();
		TAILQ_INSERT_TAIL(&m->inflight, r, entry);
		m->n_inflight++;
	}
}

static void
mirror_report_response(void *arg, const struct http_response *resp)
{
	struct mirror *m = arg;

	/* A report is a hint to the mirror; its fate changes nothing here. */
	if (resp->status != 0 && resp->status != 200)
		log_debug(LOG_G_MIRROR, "mirror %s (%s): report answered HTTP %d", m->name,
		    m->addr_str, resp->status);
}

int
mirror_send_report(struct mirror *m, const char *json, size_t len)
{
	if (m == NULL || !m->usable || m->st.state != MIRROR_UP || m->conn == NULL ||
	    m->conn->kind != CONN_DOH)
		return -1;
	return http_client_request(m->conn->http, "POST", "/v1/report", "application/json", json,
	    len, mirror_report_response, m);
}

struct mirror_req *
mirror_query(struct mirror *m, const struct dnsq *q, uint32_t timeout_ms, mirror_cb cb,
    void *arg)
{
	struct mirror_req *r;

	if (m == NULL || q == NULL || cb == NULL || (r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	if ((r->ev = evtimer_new(m->set->base, mirror_req_event, r)) == NULL) {
		free(r);
		return NULL;
	}
	r->m = m;
	r->q = *q;
	r->cb = cb;
	r->arg = arg;
	r->where = REQ_QUEUED;
	m->st.queries++;
	TAILQ_INSERT_TAIL(&m->queue, r, entry);
	mirror_timer_add(r->ev, timeout_ms);
	if (!m->usable) {
		mirror_req_settle(r, TRANSPORT_ERROR);
		return r;
	}
	switch (m->st.state) {
	case MIRROR_IDLE:
		mirror_connect(m);
		break;
	case MIRROR_UP:
		mirror_pump(m);
		break;
	case MIRROR_CONNECTING:
		break;
	case MIRROR_BACKOFF:
		mirror_req_settle(r, TRANSPORT_ERROR);
		break;
	case MIRROR_PIN_FAILED:
		mirror_req_settle(r, TRANSPORT_TLS);
		break;
	}
	return r;
}

void
mirror_cancel(struct mirror_req *r)
{
	if (r == NULL || r->cb == NULL)
		return;
	r->cb = NULL;
	if (r->where == REQ_INFLIGHT) {
		/* Its response is still coming down the pipe: keep it as an orphan until then. */
		event_del(r->ev);
		return;
	}
	mirror_req_unlink(r);
	mirror_req_free(r);
}

/* ---- the set ---- */

static void
mirror_free(struct mirror *m)
{
	struct mirror_req *r;

	if (m == NULL)
		return;
	mirror_conn_close(m);
	while ((r = TAILQ_FIRST(&m->inflight)) != NULL) {
		mirror_req_unlink(r);
		mirror_req_free(r);
	}
	while ((r = TAILQ_FIRST(&m->queue)) != NULL) {
		mirror_req_unlink(r);
		mirror_req_free(r);
	}
	while ((r = TAILQ_FIRST(&m->loose)) != NULL) {
		mirror_req_unlink(r);
		mirror_req_free(r);
	}
	if (m->timer != NULL)
		event_free(m->timer);
	tls_ctx_free(m->ctx);
	free(m->name);
	free(m->region);
	free(m->hostname);
	free(m->ca_pem);
	free(m->id);
	free(m);
}

/*
 * mirror_new - one mirror of the set from a config entry. Returns NULL with err set when
 * the entry cannot be used (its ca_pem does not hash to its ca_sha256, memory).
 */
static struct mirror *
mirror_new(struct mirror_set *set, const struct config_mirror *e, char *err, size_t errlen)
{
	struct mirror *m;
	char tlserr[256];

	if ((m = calloc(1, sizeof(*m))) == NULL)
		goto nomem;
	m->set = set;
	TAILQ_INIT(&m->queue);
	TAILQ_INIT(&m->inflight);
	TAILQ_INIT(&m->loose);
	m->addr = e->addr;
	netaddr_str(&m->addr, m->addr_str, sizeof(m->addr_str));
	m->verify = e->verify;
	m->usable = 1;
	m->name = strdup(e->name != NULL ? e->name : m->addr_str);
	m->region = strdup(e->region != NULL ? e->region : "");
	if (m->name == NULL || m->region == NULL)
		goto nomem;
	if ((m->timer = evtimer_new(set->base, mirror_timer, m)) == NULL)
		goto nomem;
	if (e->verify == VERIFY_WEBPKI) {
		/* Not usable yet: lib/tls has no system-trust-store context (see mirror_set_new). */
		m->usable = 0;
		if ((m->hostname = strdup(e->hostname ? e->hostname : "")) == NULL)
			goto nomem;
		snprintf(m->id_hex, sizeof(m->id_hex), "webpki:%s", m->hostname);
		m->id_len = strlen(m->id_hex);
		if ((m->id = malloc(m->id_len)) == NULL)
			goto nomem;
		memcpy(m->id, m->id_hex, m->id_len);
		return m;
	}
	if (!e->has_pin) {
		snprintf(err, errlen, "mirror %s (%s): no ca_sha256", m->name, m->addr_str);
		goto fail;
	}
	memcpy(m->pin, e->ca_sha256, sizeof(m->pin));
	tls_hex(m->pin, sizeof(m->pin), m->id_hex);
	m->id_len = sizeof(m->pin);
	if ((m->id = malloc(m->id_len)) == NULL)
		goto nomem;
	memcpy(m->id, m->pin, m->id_len);
	if (e->ca_pem != NULL) {
		/* Checks that the PEM's SHA-256 is the pin before trusting it. */
		m->ctx = tls_client_ctx_new_pinned(e->ca_pem, strlen(e->ca_pem), m->pin, tlserr,
		    sizeof(tlserr));
		if (m->ctx == NULL) {
			snprintf(err, errlen, "mirror %s (%s): ca_pem: %s", m->name, m->addr_str,
			    tlserr);
			goto fail;
		}
		if ((m->ca_pem = strdup(e->ca_pem)) == NULL)
			goto nomem;
	}
	return m;
nomem:
	snprintf(err, errlen, "out of memory");
fail:
	mirror_free(m);
	return NULL;
}

static int
mirror_set_add(struct mirror_set *set, struct mirror *m)
{
	struct mirror **n = realloc(set->mirrors, (set->n + 1) * sizeof(*n));

	if (n == NULL)
		return -1;
	set->mirrors = n;
	set->mirrors[set->n++] = m;
	return 0;
}

static int
mirror_set_has_addr(const struct mirror_set *set, const struct netaddr *a)
{
	for (size_t i = 0; i < set->n; i++)
		if (netaddr_equal(&set->mirrors[i]->addr, a))
			return 1;
	return 0;
}

/* ---- the bootstrap file ---- */

/*
 * Add the entries of the bootstrap file. A missing file is normal (debug); a broken one
 * costs only itself: warn with file:line and keep the inline list. Entries whose address
 * is already in the set are skipped. Returns -1 only when memory ran out.
 */
static int
mirror_set_bootstrap(struct mirror_set *set, const char *path)
{
	struct config_mirror *es = NULL;
	struct yconf y = { 0 };
	yaml_node_t *root, *item;
	size_t n = 0, added = 0, cap;
	char err[512];
	int rc = 0;

	if (access(path, F_OK) != 0 && errno == ENOENT) {
		log_debug(LOG_G_MIRROR, "bootstrap file %s: absent", path);
		return 0;
	}
	if (yconf_load_file(&y, path) != 0) {
		log_warnx(LOG_G_MIRROR, "%s (bootstrap file ignored)", y.err);
		goto out;
	}
	if ((root = yconf_root(&y)) == NULL || yconf_is_null(root))
		goto out;
	if (root->type != YAML_SEQUENCE_NODE) {
		yconf_error(&y, root, "expected a list of mirror entries");
		log_warnx(LOG_G_MIRROR, "%s (bootstrap file ignored)", y.err);
		goto out;
	}
	cap = (size_t)(root->data.sequence.items.top - root->data.sequence.items.start);
	if ((es = calloc(cap ? cap : 1, sizeof(*es))) == NULL) {
		rc = -1;
		goto out;
	}
	/* All or nothing: a file broken halfway is not half trusted. */
	YCONF_SEQ_FOREACH(&y, root, item)
	{
		if (config_mirror_parse(&y, item, &es[n++]) != 0) {
			log_warnx(LOG_G_MIRROR, "%s (bootstrap file ignored)", y.err);
			goto out;
		}
	}
	for (size_t i = 0; i < n; i++) {
		struct mirror *m;

		if (mirror_set_has_addr(set, &es[i].addr)) {
			log_debug(LOG_G_MIRROR, "%s:%lu: address already listed; skipped", path,
			    es[i].line);
			continue;
		}
		if ((m = mirror_new(set, &es[i], err, sizeof(err))) == NULL) {
			log_warnx(LOG_G_MIRROR, "%s:%lu: %s; skipped", path, es[i].line, err);
			continue;
		}
		if (mirror_set_add(set, m) != 0) {
			mirror_free(m);
			rc = -1;
			goto out;
		}
		added++;
	}
	log_info(LOG_G_MIRROR, "bootstrap file %s: %zu mirrors added", path, added);
out:
	for (size_t i = 0; i < n; i++)
		config_mirror_clear(&es[i]);
	free(es);
	yconf_free(&y);
	return rc;
}

struct mirror_set *
mirror_set_new(struct event_base *base, const struct config *cfg, const uint8_t secret[32],
    char *err, size_t errlen)
{
	struct mirror_set *set;
	struct mirror *m;
	size_t webpki = 0;
	const char *first_webpki = NULL;

	if ((set = calloc(1, sizeof(*set))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	set->base = base;
	memcpy(set->secret, secret, sizeof(set->secret));
	/* wolfSSL counts its initialisations; mirror_set_destroy balances this one. */
	if (tls_init() != 0) {
		snprintf(err, errlen, "cannot initialise TLS");
		goto fail;
	}
	set->tls_inited = 1;
	for (size_t i = 0; i < cfg->n_mirrors; i++) {
		if ((m = mirror_new(set, &cfg->mirrors[i], err, errlen)) == NULL)
			goto fail;
		if (mirror_set_add(set, m) != 0) {
			mirror_free(m);
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
	}
	if (cfg->mirrors_bootstrap != NULL && mirror_set_bootstrap(set, cfg->mirrors_bootstrap)) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < set->n; i++)
		if (set->mirrors[i]->verify == VERIFY_WEBPKI && webpki++ == 0)
			first_webpki = set->mirrors[i]->name;
	if (webpki > 0)
		log_warnx(LOG_G_MIRROR,
		    "webpki mirrors need lib/tls support: not yet (%zu unusable, e.g. %s)", webpki,
		    first_webpki);
	return set;
fail:
	mirror_set_destroy(set, 0);
	return NULL;
}

/*
 * nested: called on the way out of a callback of ours, where lib/http may still hold a
 * TLS object to free after we return; wolfSSL's global state must outlive it, so its
 * reference is kept (a few bytes, once).
 */
static void
mirror_set_destroy(struct mirror_set *set, int nested)
{
	for (size_t i = 0; i < set->n; i++)
		mirror_free(set->mirrors[i]);
	free(set->mirrors);
	tls_ctx_free(set->notary);
	if (set->tls_inited && !nested)
		tls_cleanup();
	explicit_bzero(set->secret, sizeof(set->secret));
	free(set);
}

void
mirror_set_free(struct mirror_set *set)
{
	if (set == NULL)
		return;
	if (set->busy > 0) {
		/* Inside one of our callbacks: the outermost frame frees it on the way out. */
		set->dead = 1;
		return;
	}
	mirror_set_destroy(set, 0);
}

size_t
mirror_set_count(const struct mirror_set *set)
{
	return set == NULL ? 0 : set->n;
}

struct mirror *
mirror_set_get(struct mirror_set *set, size_t i)
{
	return set != NULL && i < set->n ? set->mirrors[i] : NULL;
}

/* ---- selection ---- */

struct mirror_score {
	struct mirror *m;
	uint64_t score;
};

static int
mirror_score_cmp(const void *a, const void *b)
{
	const struct mirror_score *x = a, *y = b;

	return x->score < y->score ? 1 : x->score > y->score ? -1 : 0;
}

static int
mirror_healthy(const struct mirror *m)
{
	return m->st.state != MIRROR_BACKOFF && m->st.state != MIRROR_PIN_FAILED;
}

size_t
mirror_set_select(struct mirror_set *set, const uint8_t *qname, size_t qname_len, size_t k,
    struct mirror **out)
{
	struct mirror_score *s;
	uint8_t mac[TLS_SHA256_LEN];
	size_t n = 0, chosen = 0, i, j;
	int pass;

	if (set == NULL || k == 0 || set->n == 0 || qname_len > DNS_MAXNAME)
		return 0;
	if ((s = calloc(set->n, sizeof(*s))) == NULL)
		return 0;
	/*
	 * Rendezvous hashing keyed by the install's secret: each mirror's score for this name
	 * is HMAC(secret, qname || id). Stable per name (the same mirrors keep answering it,
	 * so their answers stay comparable), and without the secret nobody can tell which
	 * mirrors a name goes to, so nobody can pick names that land on mirrors they control.
	 */
	for (i = 0; i < set->n; i++) {
		struct mirror *m = set->mirrors[i];

		if (!m->usable || mirror_hmac(set->secret, sizeof(set->secret), qname, qname_len,
		    m->id, m->id_len, mac) != 0)
			continue;
		s[n].m = m;
		s[n].score = (uint64_t)dnswire_get32(mac) << 32 | dnswire_get32(mac + 4);
		n++;
	}
	qsort(s, n, sizeof(*s), mirror_score_cmp);
	/*
	 * Four passes, best first: healthy in a region not yet chosen, healthy in any region,
	 * then the same for mirrors in backoff (they fail fast, which consensus counts as "no
	 * corroboration", better than asking fewer mirrors).
	 */
	for (pass = 0; pass < 4 && chosen < k; pass++) {
		int want_healthy = pass < 2, distinct = pass % 2 == 0;

		for (i = 0; i < n && chosen < k; i++) {
			struct mirror *m = s[i].m;
			int clash = 0;

			if (m == NULL || mirror_healthy(m) != want_healthy)
				continue;
			for (j = 0; distinct && j < chosen; j++)
				if (strcmp(out[j]->region, m->region) == 0)
					clash = 1;
			if (clash)
				continue;
			out[chosen++] = m;
			s[i].m = NULL;
		}
	}
	free(s);
	return chosen;
}

/* ---- accessors ---- */

const char *
mirror_name(const struct mirror *m)
{
	return m->name;
}

const char *
mirror_region(const struct mirror *m)
{
	return m->region;
}

const char *
mirror_id_hex(const struct mirror *m)
{
	return m->id_hex;
}

const char *
mirror_addr_str(const struct mirror *m)
{
	return m->addr_str;
}

void
mirror_get_stats(const struct mirror *m, struct mirror_stats *st)
{
	*st = m->st;
}

const char *
mirror_state_name(enum mirror_state s)
{
	return (unsigned)s < NELEMS(mirror_state_names) ? mirror_state_names[s] : "?";
}

void
mirror_note_evidence(struct mirror *m, enum cons_evidence e)
{
	if (m == NULL)
		return;
	if (e == EVIDENCE_CORROBORATES)
		m->st.agreements++;
	else if (e == EVIDENCE_DISSENTS)
		m->st.dissents++;
}

int
mirror_usable(const struct mirror *m)
{
	return m->usable;
}
