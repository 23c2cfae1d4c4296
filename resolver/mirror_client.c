/* resolver/mirror_client.c - the secure mirrors: pinned TLS connection lanes, DoH queries. */
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
#include "json.h"
#include "log.h"
#include "netaddr.h"
#include "tls.h"
#include "vutil.h"
#include "mirror_int.h"
#include "mirror_h2.h"
#include "yconf.h"

/* Requests written to one lane's connection and not yet answered: pipelining depth. */
#define MIRROR_WINDOW 32
/* A DoH answer is one DNS message (RFC 8484 section 6); anything longer is garbage. */
#define MIRROR_MAX_ANSWER DNS_MAXMSG
/* /v1/mirrors lists ~100 entries of ~1.2 KiB (CA PEM included); see mirror_int.h. */
#define MIRROR_MAX_LIST MIRROR_LIST_MAX_BYTES
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
/*
 * An established connection whose oldest request has waited this long (ms) with no
 * answer is declared stalled and dropped: otherwise abandoned requests would fill the
 * window for good while the server never closes.
 */
#define MIRROR_STALL_MS 10000
/* SRTT gain 1/8, as TCP's (RFC 6298): smooth, yet follows a change within ~10 samples. */
#define MIRROR_SRTT_SHIFT 3

/* Queries to mirrors are padded to a multiple of this (RFC 8467 section 4.1). */
#define MIRROR_PAD_BLOCK 128

/* RFC 8484 media type, of the body and in Accept. */
#define DOH_CT "application/dns-message"
/* What we offer in ALPN on a DoH connection: HTTP/2 first, HTTP/1.1 where it is all. */
#define MIRROR_ALPN "h2,http/1.1"

enum conn_kind {
	CONN_NOTARY,	/* fetching this mirror's CA from its /v1/mirrors (accepts any chain) */
	CONN_DOH	/* a pinned connection requests travel on */
};

struct mirror_conn {
	struct mirror_lane *lane;
	enum conn_kind kind;
	/* The TLS bufferevent: ours until the handshake, then owned by http or h2. */
	struct bufferevent *bev;
	struct http_client *http;	/* HTTP/1.1 (and every notary connection) */
	struct mirror_h2 *h2;		/* HTTP/2, when ALPN said h2 */
	struct tls_conn *tls;
	int up;				/* handshake done */
	int session_kept;		/* its TLS session was kept for resumption */
	uint64_t started_us;
	/* The first request sent since its last answer (0: none waits): for the stall check. */
	uint64_t waiting_us;
};

/* What a request's user gets called with, taken off the request before it is freed. */
struct mirror_delivery {
	enum req_kind kind;
	mirror_cb cb;
	mirror_body_cb bcb;
	void *arg;
};

/* How a TLS failure caused by the clock begins (mirror_tls_why): logged as it is. */
#define MIRROR_WHY_CLOCK "certificate not valid at this machine's time"

static void mirror_connect(struct mirror_lane *l);
static void mirror_pump(struct mirror_lane *l);
static void mirror_conn_fail(struct mirror_lane *l, enum cons_transport t, const char *why);
static struct mirror_lane *mirror_pick_lane(struct mirror *m);

static const char *const mirror_state_names[] = { "idle", "connecting", "up", "backoff",
	"pin-failed" };
static const char *const mirror_proto_names[] = { "", "http/1.1", "h2" };

/* Keep why a request failed, for vantagectl mirrors (its log line is debug only). */
static void
mirror_note_error(struct mirror *m, const char *why)
{
	snprintf(m->last_err, sizeof(m->last_err), "%s", why);
}

/* Is c an HTTP/2 connection that takes no new stream (GOAWAY)? */
static int
mirror_conn_draining(const struct mirror_conn *c)
{
	return c->h2 != NULL && mirror_h2_draining(c->h2);
}

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

static void
mirror_timer_add(struct event *ev, uint32_t ms)
{
	struct timeval tv = { (time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000 };

	evtimer_add(ev, &tv);
}

/* ---- requests ---- */

static void
mirror_req_free(struct mirror_req *r)
{
	if (r->ev != NULL)
		event_free(r->ev);
	free(r->target);
	free(r);
}

/* Unlink r from the list its state says it is on. */
static void
mirror_req_unlink(struct mirror_req *r)
{
	struct mirror_lane *l = r->lane;

	switch (r->where) {
	case REQ_QUEUED:
		TAILQ_REMOVE(&l->queue, r, entry);
		l->n_queued--;
		break;
	case REQ_INFLIGHT:
		TAILQ_REMOVE(&l->inflight, r, entry);
		l->n_inflight--;
		break;
	case REQ_LOOSE:
		TAILQ_REMOVE(&r->m->loose, r, entry);
		break;
	}
}

/* Make r loose with outcome t, delivered from the event loop; r is on no list. */
static void
mirror_req_loosen(struct mirror_req *r, enum cons_transport t)
{
	r->where = REQ_LOOSE;
	r->result = t;
	TAILQ_INSERT_TAIL(&r->m->loose, r, entry);
	event_del(r->ev);
	event_active(r->ev, EV_TIMEOUT, 0);
}

/*
 * Decide r's outcome now and deliver it from the event loop (never from the caller's
 * stack: mirror_query promises that, and connection teardown must not be re-entered).
 * An orphan (no longer live) is simply freed.
 */
static void
mirror_req_settle(struct mirror_req *r, enum cons_transport t)
{
	mirror_req_unlink(r);
	if (!r->live) {
		mirror_req_free(r);
		return;
	}
	mirror_req_loosen(r, t);
}

/* Count a DNS question's outcome (GETs are not DNS traffic and count nowhere). */
static void
mirror_count(struct mirror *m, enum req_kind kind, enum cons_transport t)
{
	if (kind != REQ_DOH)
		return;
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

/* Take r's callback off it: from now on r is an orphan (or about to be freed). */
static void
mirror_delivery_take(struct mirror_req *r, struct mirror_delivery *d)
{
	d->kind = r->kind;
	d->cb = r->cb;
	d->bcb = r->bcb;
	d->arg = r->arg;
	r->live = 0;
}

/*
 * Run the user's callback. Returns 1 when the set was freed meanwhile (the caller must
 * then touch nothing of it), else 0.
 */
static int
mirror_deliver(struct mirror_set *set, const struct mirror_delivery *d, enum cons_transport t,
    int status, const uint8_t *body, size_t len)
{
	set->busy++;
	if (d->kind == REQ_DOH)
		d->cb(d->arg, t, body, len);
	else
		d->bcb(d->arg, t, status, body, len);
	set->busy--;
	if (set->dead) {
		if (set->busy == 0)
			mirror_set_destroy(set, 1);
		return 1;
	}
	return 0;
}

/*
 * After a request timed out: a connection that answered nothing for MIRROR_STALL_MS while
 * requests waited on it is not coming back (a server that stopped reading, or keeps its
 * HTTP/2 window at 0): drop it, saying which. HTTP/1.1 looks at its oldest request (an
 * orphan stays in flight there); HTTP/2 at the first request sent since its last answer
 * (a timed-out stream is given up, so the oldest in flight says nothing). 1 when dropped.
 */
static int
mirror_check_stall(struct mirror_lane *l)
{
	struct mirror_conn *c = l != NULL ? l->conn : NULL;
	struct mirror_req *r;
	uint64_t stall = (uint64_t)MIRROR_STALL_MS * 1000, now = now_us();
	char why[160];

	if (c == NULL || !c->up)
		return 0;
	if (c->h2 != NULL) {
		/*
		 * Answers to streams given up meanwhile count too (mirror_h2 forgets them, and
		 * reads their late answers): a mirror slower than the quorum sees most of its
		 * streams given up before it answers, and is alive all the same.
		 */
		if (c->waiting_us != 0 && mirror_h2_answer_us(c->h2) >= c->waiting_us)
			c->waiting_us = 0;
		if (c->waiting_us == 0 || now - c->waiting_us < stall)
			return 0;
		snprintf(why, sizeof(why), "no answer for 10 s: connection stalled (%s)",
		    mirror_h2_stall_why(c->h2));
		mirror_conn_fail(l, TRANSPORT_ERROR, why);
		return 1;
	}
	if ((r = TAILQ_FIRST(&l->inflight)) != NULL && now - r->sent_us >= stall) {
		mirror_conn_fail(l, TRANSPORT_ERROR, "no answer for 10 s: connection stalled");
		return 1;
	}
	return 0;
}

/* The deadline passed, or a decided outcome is due. */
static void
mirror_req_event(evutil_socket_t fd, short what, void *arg)
{
	struct mirror_req *r = arg;
	struct mirror *m = r->m;
	struct mirror_lane *l = r->lane;
	struct mirror_set *set = m->set;
	struct mirror_delivery d;
	enum cons_transport t = TRANSPORT_TIMEOUT;
	int owned = 0;

	(void)fd;
	(void)what;
	if (!r->live) {
		/* An HTTP/2 orphan (mirror_cancel) reached its deadline: give its stream up. */
		if (r->where == REQ_INFLIGHT && l->conn != NULL && l->conn->h2 != NULL) {
			mirror_h2_cancel(l->conn->h2, r->sid);
			mirror_req_unlink(r);
			mirror_req_free(r);
			mirror_pump(l);
		}
		return;
	}
	mirror_delivery_take(r, &d);
	switch (r->where) {
	case REQ_LOOSE:
		t = r->result;
		TAILQ_REMOVE(&m->loose, r, entry);
		owned = 1;
		break;
	case REQ_QUEUED:
		TAILQ_REMOVE(&l->queue, r, entry);
		l->n_queued--;
		owned = 1;
		break;
	case REQ_INFLIGHT:
		/*
		 * HTTP/2: the stream is given up (forgotten or reset, mirror_h2_cancel) and its
		 * request freed. HTTP/1.1: it stays in flight as an orphan,
		 * its response must still be read off the pipe.
		 */
		if (l->conn != NULL && l->conn->h2 != NULL) {
			mirror_h2_cancel(l->conn->h2, r->sid);
			TAILQ_REMOVE(&l->inflight, r, entry);
			l->n_inflight--;
			owned = 1;
		}
		break;
	}
	mirror_count(m, d.kind, t);
	if (owned)
		mirror_req_free(r);
	if (mirror_deliver(set, &d, t, 0, NULL, 0))
		return;
	if (t == TRANSPORT_TIMEOUT)
		mirror_check_stall(l);
	if (l != NULL)
		mirror_pump(l);		/* an HTTP/2 slot may have come free */
}

/* ---- lane and mirror state ---- */

/*
 * The mirror as a whole: up when any lane is; connecting when one is on its way; else what
 * the primary lane says, unless some lane met a certificate that is not the pinned CA.
 */
static void
mirror_update_state(struct mirror *m)
{
	enum mirror_state s = m->lanes[0].state;
	int up = 0, connecting = 0, pin = 0;

	for (size_t i = 0; i < MIRROR_LANES; i++) {
		up |= m->lanes[i].state == MIRROR_UP;
		connecting |= m->lanes[i].state == MIRROR_CONNECTING;
		pin |= m->lanes[i].state == MIRROR_PIN_FAILED;
	}
	if (up)
		s = MIRROR_UP;
	else if (connecting)
		s = MIRROR_CONNECTING;
	else if (pin)
		s = MIRROR_PIN_FAILED;
	if (m->st.state != s)
		log_debug(LOG_G_MIRROR, "mirror %s (%s): %s -> %s", m->name, m->addr_str,
		    mirror_state_names[m->st.state], mirror_state_names[s]);
	m->st.state = s;
}

static void
mirror_lane_set_state(struct mirror_lane *l, enum mirror_state s)
{
	l->state = s;
	mirror_update_state(l->m);
}

/* How many lanes have an established connection. */
static size_t
mirror_lanes_up(const struct mirror *m)
{
	size_t n = 0;

	for (size_t i = 0; i < MIRROR_LANES; i++)
		n += m->lanes[i].state == MIRROR_UP;
	return n;
}

/* ---- connection state ---- */

/* Close the lane's connection, if any; no callbacks run. */
static void
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

/* Fail the lane's queued requests with t. */
static void
mirror_fail_requests_queued(struct mirror_lane *l, enum cons_transport t)
{
	struct mirror_req *r;

	while ((r = TAILQ_FIRST(&l->queue)) != NULL)
		mirror_req_settle(r, t);
}

/* Fail every request of the lane with t (orphans are just freed). */
static void
mirror_fail_requests(struct mirror_lane *l, enum cons_transport t)
{
	struct mirror_req *r;

	while ((r = TAILQ_FIRST(&l->inflight)) != NULL)
		mirror_req_settle(r, t);
	while ((r = TAILQ_FIRST(&l->queue)) != NULL)
		mirror_req_settle(r, t);
}

/*
 * Keep why the mirror cannot be used now, for vantagectl mirrors. A TLS failure's text
 * already names its kind (mirror_conn_closed); anything else before a handshake means the
 * mirror could not be reached.
 */
static void
mirror_set_why(struct mirror *m, enum cons_transport t, const char *why)
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
static void
mirror_conn_fail(struct mirror_lane *l, enum cons_transport t, const char *why)
{
	struct mirror *m = l->m;
	int kind = 1 + (int)t;
	int loud;

	mirror_conn_close(l);
	mirror_fail_requests(l, t);
	mirror_note_error(m, why);
	loud = l->fail_logged != kind && (l->idx == 0 || mirror_lanes_up(m) == 0);
	l->backoff_ms = l->backoff_ms == 0 ? MIRROR_BACKOFF_MIN_MS
	    : l->backoff_ms >= MIRROR_BACKOFF_MAX_MS / 2 ? MIRROR_BACKOFF_MAX_MS
	    : l->backoff_ms * 2;
	/* A lane lost while others serve says nothing against the mirror. */
	if (mirror_lanes_up(m) - (l->state == MIRROR_UP) == 0)
		mirror_set_why(m, t, why);
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

/* The per-lane timer: the handshake deadline, or the end of a backoff. */
static void
mirror_timer(evutil_socket_t fd, short what, void *arg)
{
	struct mirror_lane *l = arg;

	(void)fd;
	(void)what;
	if (l->state == MIRROR_CONNECTING) {
		mirror_conn_fail(l, TRANSPORT_TIMEOUT, "no TLS connection within 5 s");
		return;
	}
	/* Backoff over: try again when the next query asks for it. */
	mirror_lane_set_state(l, MIRROR_IDLE);
	if (!TAILQ_EMPTY(&l->queue))
		mirror_connect(l);
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
mirror_tls_why(const struct mirror *m, const struct tls_conn *tls, char *buf, size_t len)
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
		mirror_tls_why(m, c->tls, buf, sizeof(buf));
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
		mirror_connect(l);
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
mirror_list_response(void *arg, const struct http_response *resp)
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
	if ((pem = mirror_find_ca(m, resp->body, resp->body_len, why, sizeof(why))) == NULL) {
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
	mirror_connect(l);
}

/* ---- connecting ---- */

/*
 * Remember the chain a webpki mirror presented. Its leaf changes with every renewal (a
 * few months); a change of anything above it means another CA now vouches for the
 * resolver: legitimate (a CA switch) or a mis-issuance or interception, so it is logged
 * and counted for vantagectl mirrors, not refused (pin the CA with ca_sha256 to refuse).
 */
static void
mirror_note_chain(struct mirror *m, const struct tls_conn *tls)
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
static void
mirror_keep_session(struct mirror_conn *c)
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
		    mirror_list_response, c) != 0)
			mirror_conn_fail(l, TRANSPORT_ERROR, "cannot send GET /v1/mirrors");
		return;
	}
	evtimer_del(l->timer);
	m->st.handshakes++;
	if (tls_conn_resumed(tls))
		m->st.resumed++;
	else
		m->st.full_handshakes++;
	mirror_keep_session(c);
	if (m->verify == VERIFY_WEBPKI)
		mirror_note_chain(m, tls);
	m->why[0] = '\0';
	if (l->fail_logged && l->idx == 0)
		log_info(LOG_G_MIRROR, "mirror %s (%s): connected again", m->name, m->addr_str);
	log_debug(LOG_G_MIRROR, "mirror %s (%s) lane %u: %s %s%s in %llu us", m->name,
	    m->addr_str, l->idx, tls_conn_version(tls), mirror_proto_names[m->st.proto],
	    tls_conn_resumed(tls) ? " (resumed)" : "",
	    (unsigned long long)(now_us() - c->started_us));
	l->fail_logged = 0;
	l->backoff_ms = 0;
	mirror_lane_set_state(l, MIRROR_UP);
	mirror_pump(l);
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

/*
 * Open the lane's connection: the pinned one when the CA is known, else the notary one that
 * fetches it (primary lane only). Failures are reported through mirror_conn_fail (deferred
 * callbacks only).
 */
static void
mirror_connect(struct mirror_lane *l)
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
	if (ctx == NULL) {
		if (set->notary == NULL &&
		    (set->notary = tls_client_ctx_new_notary(err, sizeof(err))) == NULL) {
			free(c);
			mirror_conn_fail(l, TRANSPORT_ERROR, err);
			return;
		}
		ctx = set->notary;
		log_debug(LOG_G_MIRROR, "mirror %s (%s): fetching its CA (pin only)", m->name,
		    m->addr_str);
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

/* ---- requests on the wire ---- */

/* Is the response an acceptable answer to r? If not, why is kept for vantagectl. */
static enum cons_transport
mirror_check_answer(struct mirror *m, struct mirror_req *r, const struct http_response *resp)
{
	const char *ct = http_response_header(resp, "Content-Type");
	struct dnsresp dr;
	struct dnsq aq;
	size_t ctlen;
	char why[160];

	if (resp->status != 200) {
		snprintf(why, sizeof(why), "HTTP %d", resp->status);
		goto bad;
	}
	/* The media type, parameters aside ("application/dns-message; x=y" is fine). */
	ctlen = ct == NULL ? 0 : strcspn(ct, "; \t");
	if (ct == NULL || ctlen != strlen(DOH_CT) || strncasecmp(ct, DOH_CT, ctlen) != 0) {
		snprintf(why, sizeof(why), "answer is not %s", DOH_CT);
		goto bad;
	}
	if (resp->body_len > MIRROR_MAX_ANSWER ||
	    dnswire_parse_response(resp->body, resp->body_len, &aq, &dr) != 0) {
		snprintf(why, sizeof(why), "malformed DNS answer");
		goto bad;
	}
	/* The question must be ours: a mirror answering another name is no answer. */
	if (!dnswire_same_question(&aq, &r->q)) {
		snprintf(why, sizeof(why), "answer to another question");
		goto bad;
	}
	return TRANSPORT_OK;
bad:
	log_debug(LOG_G_MIRROR, "mirror %s (%s): %s", m->name, m->addr_str, why);
	mirror_note_error(m, why);
	m->st.stream_errors++;
	return TRANSPORT_ERROR;
}

static void
mirror_response(void *arg, const struct http_response *resp)
{
	struct mirror_req *r = arg;
	struct mirror_lane *l = r->lane;
	struct mirror *m = r->m;
	struct mirror_set *set = m->set;
	struct mirror_delivery d;
	enum cons_transport t = TRANSPORT_OK;
	uint64_t rtt;

	if (resp->status == 0)
		return;		/* the close hook fails what was in flight */
	/* HTTP/1.1 answers in request order (r is the head); HTTP/2 in any order. */
	TAILQ_REMOVE(&l->inflight, r, entry);
	l->n_inflight--;
	if (l->conn != NULL) {
		l->conn->waiting_us = 0;
		mirror_keep_session(l->conn);
	}
	/* Only DNS round trips feed the SRTT: an observation takes a whole TLS handshake. */
	if (r->kind == REQ_DOH) {
		rtt = now_us() - r->sent_us;
		m->srtt_us = m->srtt_us == 0 ? rtt
		    : m->srtt_us - (m->srtt_us >> MIRROR_SRTT_SHIFT) + (rtt >> MIRROR_SRTT_SHIFT);
		m->st.srtt_ms = (uint32_t)((m->srtt_us + 999) / 1000);
		mirror_rtt_note(m, rtt);
	}
	if (!r->live) {	/* timed out or cancelled earlier */
		/* Its verdict is not waited for; what is wrong with it is still worth knowing. */
		if (r->kind == REQ_DOH)
			(void)mirror_check_answer(m, r, resp);
		mirror_req_free(r);
		mirror_pump(l);
		return;
	}
	if (r->kind == REQ_DOH)
		t = mirror_check_answer(m, r, resp);
	mirror_delivery_take(r, &d);
	mirror_count(m, d.kind, t);
	mirror_req_free(r);
	/* The window slot is free: refill before the callback so its new requests queue behind. */
	mirror_pump(l);
	mirror_deliver(set, &d, t, resp->status, t == TRANSPORT_OK ? resp->body : NULL,
	    t == TRANSPORT_OK ? resp->body_len : 0);
}

/*
 * An HTTP/2 stream ended: an answer goes the HTTP/1.1 way; a stream that failed alone
 * (reset, refused, too large) fails its request alone. One the server refused before
 * working on it (GOAWAY, REFUSED_STREAM) is sent once more, on a new connection.
 */
static void
mirror_h2_response(void *arg, const struct http_response *resp, int retry)
{
	struct mirror_req *r = arg;
	struct mirror_lane *l = r->lane;
	struct mirror *m = r->m;

	if (resp->status != 0) {
		mirror_response(arg, resp);
		return;
	}
	if (l->conn != NULL)
		l->conn->waiting_us = 0;	/* it answered, if only with a reset */
	if (retry && !r->live) {	/* nobody waits for it: nothing to retry or to note */
		mirror_req_settle(r, TRANSPORT_ERROR);
		mirror_pump(l);
		return;
	}
	if (retry && !r->retried) {
		mirror_req_unlink(r);
		r->retried = 1;
		r->where = REQ_QUEUED;
		TAILQ_INSERT_HEAD(&l->queue, r, entry);
		l->n_queued++;
		mirror_pump(l);		/* the lane is draining: it moves its queue on */
		return;
	}
	log_debug(LOG_G_MIRROR, "mirror %s (%s): %s", m->name, m->addr_str, resp->error);
	if (r->kind == REQ_DOH) {
		mirror_note_error(m, resp->error);
		m->st.stream_errors++;
	}
	mirror_req_settle(r, TRANSPORT_ERROR);
	mirror_pump(l);
}

/*
 * Send a request on c, HTTP/2 or HTTP/1.1. On HTTP/2, *sid gets its stream. 0 or -1.
 * Only the headers RFC 8484 asks for go out: nothing names or fingerprints us.
 */
static int
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

/* Write one request to the lane's connection: 0, -1 when the question cannot be encoded,
 * -2 when the connection refuses it. */
static int
mirror_send(struct mirror_lane *l, struct mirror_req *r)
{
	uint8_t wire[512];	/* the longest question, padded to a 128-octet block: 384 */
	/* "/dns-query?dns=" and the unpadded base64url of wire: 15 + 683 + NUL. */
	char target[720];
	size_t n;

	/* A GET may fetch a whole /v1/mirrors list; DoH answers stay bounded by the lane's
	 * own limit, one DNS message. */
	if (r->kind == REQ_GET)
		return mirror_conn_request(l->conn, "GET", r->target, NULL, NULL, NULL, 0,
		    MIRROR_MAX_LIST, mirror_response, mirror_h2_response, r, &r->sid) != 0 ? -2 : 0;
	/* RFC 8484 section 4.1: ID 0, so that identical questions give cacheable requests. */
	n = dnswire_build_query(wire, sizeof(wire), &r->q, 0, DNS_EDNS_SIZE);
	/* RFC 8467: the length of the encrypted question must not tell the name. */
	if (n == 0 || (n = dnswire_pad_query(wire, n, sizeof(wire), MIRROR_PAD_BLOCK)) == 0)
		return -1;
	/* RFC 8484 section 4.1: GET carries the question as unpadded base64url in ?dns=. */
	if (l->m->doh_get) {
		memcpy(target, "/dns-query?dns=", 15);
		if (base64url_encode(wire, n, target + 15, sizeof(target) - 15) < 0)
			return -1;
		return mirror_conn_request(l->conn, "GET", target, DOH_CT, NULL, NULL, 0, 0,
		    mirror_response, mirror_h2_response, r, &r->sid) != 0 ? -2 : 0;
	}
	return mirror_conn_request(l->conn, "POST", "/dns-query", DOH_CT, DOH_CT, wire, n, 0,
	    mirror_response, mirror_h2_response, r, &r->sid) != 0 ? -2 : 0;
}

/* How many requests the lane's connection may carry at once. */
static size_t
mirror_window(const struct mirror_lane *l)
{
	return l->conn->h2 != NULL ? mirror_h2_max_streams(l->conn->h2) : MIRROR_WINDOW;
}

/*
 * The lane's HTTP/2 connection takes no new stream (GOAWAY): its queued requests go to
 * the lane the mirror uses now (a new connection), first in line, in their order.
 */
static void
mirror_lane_migrate(struct mirror_lane *l)
{
	struct mirror_lane *to = mirror_pick_lane(l->m);
	struct mirror_req *r;

	if (to == NULL || to == l) {
		mirror_fail_requests_queued(l, TRANSPORT_ERROR);
		return;
	}
	while ((r = TAILQ_LAST(&l->queue, req_list)) != NULL) {
		TAILQ_REMOVE(&l->queue, r, entry);
		l->n_queued--;
		r->lane = to;
		TAILQ_INSERT_HEAD(&to->queue, r, entry);
		to->n_queued++;
	}
	if (to->state == MIRROR_IDLE)
		mirror_connect(to);
	else if (to->state == MIRROR_UP)
		mirror_pump(to);
}

/* Move the lane's queued requests into its window. */
static void
mirror_pump(struct mirror_lane *l)
{
	struct mirror_req *r;

	if (l->state != MIRROR_UP || l->conn == NULL)
		return;
	/* Its streams are reset when their users give up: no timeout may come to tell. */
	if (l->conn->h2 != NULL && !TAILQ_EMPTY(&l->queue) && mirror_check_stall(l))
		return;
	if (mirror_conn_draining(l->conn)) {
		if (!TAILQ_EMPTY(&l->queue))
			mirror_lane_migrate(l);
		return;
	}
	/* A server that allows no stream at all is no use (a legal SETTINGS, a useless one). */
	if (l->conn->h2 != NULL && mirror_window(l) == 0 && l->n_inflight == 0 &&
	    !TAILQ_EMPTY(&l->queue)) {
		mirror_note_error(l->m, "the server allows no HTTP/2 stream");
		mirror_conn_fail(l, TRANSPORT_ERROR, "the server allows no HTTP/2 stream");
		return;
	}
	while (l->state == MIRROR_UP && l->conn != NULL && l->n_inflight < mirror_window(l) &&
	    (r = TAILQ_FIRST(&l->queue)) != NULL) {
		switch (mirror_send(l, r)) {
		case -1:	/* a question we cannot encode fails alone */
			mirror_req_settle(r, TRANSPORT_ERROR);
			continue;
		case -2:	/* a connection that takes nothing fails everything */
			mirror_conn_fail(l, TRANSPORT_ERROR, "cannot write to the connection");
			return;
		}
		TAILQ_REMOVE(&l->queue, r, entry);
		l->n_queued--;
		r->where = REQ_INFLIGHT;
		r->sent_us = now_us();
		if (l->conn->waiting_us == 0)
			l->conn->waiting_us = r->sent_us;
		if (r->kind == REQ_DOH && !r->retried)
			l->m->st.sent++;
		TAILQ_INSERT_TAIL(&l->inflight, r, entry);
		l->n_inflight++;
	}
}

/*
 * The lane of an HTTP/2 mirror a new request goes to: its one connection, unless that
 * drains after a GOAWAY; then the one connecting, else a new one on an idle lane.
 */
static struct mirror_lane *
mirror_pick_lane_h2(struct mirror *m)
{
	struct mirror_lane *connecting = NULL, *idle = NULL;

	for (size_t i = 0; i < MIRROR_LANES; i++) {
		struct mirror_lane *l = &m->lanes[i];

		if (l->state == MIRROR_UP && l->conn != NULL && !mirror_conn_draining(l->conn))
			return l;
		if (l->state == MIRROR_CONNECTING && connecting == NULL)
			connecting = l;
		if (l->state == MIRROR_IDLE && idle == NULL)
			idle = l;
	}
	return connecting != NULL ? connecting : idle;
}

/*
 * The lane a new request goes to. HTTP/2: see mirror_pick_lane_h2. HTTP/1.1: an open lane
 * with nothing to do, first; else a lane not
 * open yet, since a handshake costs about one round trip while waiting behind a busy
 * connection costs a whole upstream resolution per request ahead (the server answers one
 * request of a connection at a time); else the least loaded open lane. Extra lanes open
 * only while some lane is up and the CA is known: a mirror in backoff gets no new SYNs
 * through them. NULL when no lane can take a request now.
 */
static struct mirror_lane *
mirror_pick_lane(struct mirror *m)
{
	struct mirror_lane *best = NULL, *idle = NULL;
	size_t best_load = SIZE_MAX, load;
	int any_up = 0;

	if (m->st.proto == MIRROR_PROTO_H2 && m->ctx != NULL)
		return mirror_pick_lane_h2(m);
	for (size_t i = 0; i < MIRROR_LANES; i++) {
		struct mirror_lane *l = &m->lanes[i];

		if (i > 0 && m->ctx == NULL)
			break;
		switch (l->state) {
		case MIRROR_UP:
			any_up = 1;
			load = l->n_inflight + l->n_queued;
			break;
		case MIRROR_CONNECTING:
			load = l->n_queued + 1;
			break;
		case MIRROR_IDLE:
			if (idle == NULL)
				idle = l;
			continue;
		default:
			continue;
		}
		if (load < best_load) {
			best = l;
			best_load = load;
		}
	}
	if (best != NULL && best_load == 0)
		return best;
	if (idle != NULL && (idle->idx == 0 || any_up))
		return idle;
	return best;
}

/* A new request of m, live, with its deadline event (not armed). NULL on no memory. */
static struct mirror_req *
mirror_req_new(struct mirror *m, enum req_kind kind, void *arg)
{
	struct mirror_req *r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	if ((r->ev = evtimer_new(m->set->base, mirror_req_event, r)) == NULL) {
		free(r);
		return NULL;
	}
	r->m = m;
	r->kind = kind;
	r->arg = arg;
	r->live = 1;
	return r;
}

/* Put r on a lane (or fail it, deferred, as the mirror's state says) and start its clock. */
static void
mirror_req_submit(struct mirror_req *r, uint32_t timeout_ms)
{
	struct mirror *m = r->m;
	struct mirror_lane *l;

	if (!m->usable || (l = mirror_pick_lane(m)) == NULL) {
		mirror_req_loosen(r, m->st.state == MIRROR_PIN_FAILED ? TRANSPORT_TLS
		    : TRANSPORT_ERROR);
		return;
	}
	/*
	 * The mirror failed last time and has not connected since: probe it again in the
	 * background once its backoff is over, but fail this question now, also while that
	 * probe is under way. A mirror that is unreachable (no route, a black hole, an
	 * air-gapped lab) then costs a question nothing, rather than a question per backoff
	 * period waiting the whole timeout for a handshake.
	 */
	if (m->why[0] != '\0') {
		if (m->lanes[0].state == MIRROR_IDLE)
			mirror_connect(&m->lanes[0]);
		mirror_req_loosen(r, m->why_t);
		return;
	}
	r->lane = l;
	r->where = REQ_QUEUED;
	TAILQ_INSERT_TAIL(&l->queue, r, entry);
	l->n_queued++;
	mirror_timer_add(r->ev, timeout_ms);
	if (l->state == MIRROR_IDLE)
		mirror_connect(l);
	else if (l->state == MIRROR_UP)
		mirror_pump(l);
}

struct mirror_req *
mirror_query(struct mirror *m, const struct dnsq *q, uint32_t timeout_ms, mirror_cb cb,
    void *arg)
{
	struct mirror_req *r;

	if (m == NULL || q == NULL || cb == NULL || (r = mirror_req_new(m, REQ_DOH, arg)) == NULL)
		return NULL;
	r->q = *q;
	r->cb = cb;
	m->st.queries++;
	mirror_req_submit(r, timeout_ms);
	return r;
}

struct mirror_req *
mirror_get(struct mirror *m, const char *target, uint32_t timeout_ms, mirror_body_cb cb,
    void *arg)
{
	struct mirror_req *r;

	/* A public DoH resolver is asked DNS questions and nothing else (RFC 8484 only). */
	if (m == NULL || target == NULL || target[0] != '/' || cb == NULL || !m->usable ||
	    m->verify == VERIFY_WEBPKI || (r = mirror_req_new(m, REQ_GET, arg)) == NULL)
		return NULL;
	if ((r->target = strdup(target)) == NULL) {
		mirror_req_free(r);
		return NULL;
	}
	r->bcb = cb;
	mirror_req_submit(r, timeout_ms);
	return r;
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

static void
mirror_report_h2_response(void *arg, const struct http_response *resp, int retry)
{
	(void)retry;	/* a report refused is a report lost, as on HTTP/1.1 */
	mirror_report_response(arg, resp);
}

int
mirror_send_report(struct mirror *m, const char *json, size_t len)
{
	struct mirror_lane *best = NULL;

	if (m == NULL || !m->usable || m->verify == VERIFY_WEBPKI)
		return -1;
	/* The least busy open lane: a report must not delay a question more than it must. */
	for (size_t i = 0; i < MIRROR_LANES; i++) {
		struct mirror_lane *l = &m->lanes[i];

		if (l->state == MIRROR_UP && l->conn != NULL && l->conn->kind == CONN_DOH &&
		    !mirror_conn_draining(l->conn) &&
		    (best == NULL || l->n_inflight < best->n_inflight))
			best = l;
	}
	if (best == NULL)
		return -1;
	return mirror_conn_request(best->conn, "POST", "/v1/report", NULL, "application/json",
	    json, len, 0, mirror_report_response, mirror_report_h2_response, m, NULL);
}

void
mirror_cancel(struct mirror_req *r)
{
	if (r == NULL || !r->live)
		return;
	r->live = 0;
	/*
	 * HTTP/2: the stream stays open until the answer or the request's deadline (its event
	 * stays armed), so that a late answer still feeds the round-trip estimate and a
	 * mirror's bad answers are seen even when the quorum never waits for them.
	 */
	if (r->where == REQ_INFLIGHT && r->lane->conn != NULL && r->lane->conn->h2 != NULL)
		return;
	if (r->where == REQ_INFLIGHT) {
		/* Its response is still coming down the pipe: keep it as an orphan until then. */
		event_del(r->ev);
		return;
	}
	mirror_req_unlink(r);
	mirror_req_free(r);
}

void
mirror_probe(struct mirror *m)
{
	if (m->usable && m->lanes[0].state == MIRROR_IDLE && m->lanes[0].conn == NULL)
		mirror_connect(&m->lanes[0]);
}

int
mirror_settled(const struct mirror *m)
{
	return !m->usable || m->st.state == MIRROR_UP || m->why[0] != '\0';
}

/* ---- lanes of a mirror ---- */

int
mirror_lanes_init(struct mirror *m, struct event_base *base)
{
	TAILQ_INIT(&m->loose);
	for (size_t i = 0; i < MIRROR_LANES; i++) {
		struct mirror_lane *l = &m->lanes[i];

		l->m = m;
		l->idx = (unsigned)i;
		l->state = MIRROR_IDLE;
		TAILQ_INIT(&l->queue);
		TAILQ_INIT(&l->inflight);
		if ((l->timer = evtimer_new(base, mirror_timer, l)) == NULL)
			return -1;
	}
	return 0;
}

/* Free every request on list h without calling back. */
static void
mirror_free_list(struct req_list *h)
{
	struct mirror_req *r;

	while ((r = TAILQ_FIRST(h)) != NULL) {
		TAILQ_REMOVE(h, r, entry);
		mirror_req_free(r);
	}
}

void
mirror_lanes_free(struct mirror *m)
{
	for (size_t i = 0; i < MIRROR_LANES; i++) {
		struct mirror_lane *l = &m->lanes[i];

		if (l->m == NULL)
			continue;	/* mirror_lanes_init stopped before this lane */
		if (l->timer != NULL) {
			mirror_conn_close(l);
			event_free(l->timer);
			l->timer = NULL;
		}
		mirror_free_list(&l->inflight);
		mirror_free_list(&l->queue);
		l->n_inflight = l->n_queued = 0;
	}
	if (m->loose.tqh_last != NULL)
		mirror_free_list(&m->loose);
}

const char *
mirror_proto_name(enum mirror_proto p)
{
	return (unsigned)p < NELEMS(mirror_proto_names) ? mirror_proto_names[p] : "?";
}

const char *
mirror_last_error(const struct mirror *m)
{
	return m->last_err;
}

const char *
mirror_state_name(enum mirror_state s)
{
	return (unsigned)s < NELEMS(mirror_state_names) ? mirror_state_names[s] : "?";
}
