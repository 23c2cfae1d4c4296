/*
 * resolver/mirror_client.c - the secure mirrors' requests: DoH questions and GETs, from
 * submission to the user's callback, and what their answers must be. The lanes they travel
 * on are mirror_lane.c's, the connections mirror_conn.c's.
 */
#include "autoconf.h"
#include "mirror_client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>

/*
 * No wolfSSL and no ldns header here (they clash, DESIGN.md section 8): TLS goes through
 * lib/tls.h, HTTP through lib/http.h, DNS through lib/dnswire.h, all plain buffers.
 */
#include "http.h"
#include "json.h"
#include "log.h"
#include "vutil.h"
#include "mirror_int.h"
#include "mirror_h2.h"

/* SRTT gain 1/8, as TCP's (RFC 6298): smooth, yet follows a change within ~10 samples. */
#define MIRROR_SRTT_SHIFT 3

/* Queries to mirrors are padded to a multiple of this (RFC 8467 section 4.1). */
#define MIRROR_PAD_BLOCK 128

/* RFC 8484 media type, of the body and in Accept. */
#define DOH_CT "application/dns-message"

/* What a request's user gets called with, taken off the request before it is freed. */
struct mirror_delivery {
	enum req_kind kind;
	mirror_cb cb;
	mirror_body_cb bcb;
	void *arg;
};

static const char *const mirror_state_names[] = { "idle", "connecting", "up", "backoff",
	"pin-failed" };
static const char *const mirror_proto_names[] = { "", "http/1.1", "h2" };

/* Keep why a request failed, for vantagectl mirrors (its log line is debug only). */
void
mirror_note_error(struct mirror *m, const char *why)
{
	snprintf(m->last_err, sizeof(m->last_err), "%s", why);
}

const uint32_t mirror_rtt_bounds_us[MIRROR_RTT_BUCKETS] = { 5000, 10000, 25000, 50000, 100000,
	250000, 500000, 1000000, 2500000, 5000000 };

/* Count one answered request's round trip: the SRTT and the histogram (metrics). */
static void
mirror_rtt_note(struct mirror *m, uint64_t rtt_us)
{
	size_t i = 0;

	m->srtt_us = m->srtt_us == 0 ? rtt_us
	    : m->srtt_us - (m->srtt_us >> MIRROR_SRTT_SHIFT) + (rtt_us >> MIRROR_SRTT_SHIFT);
	m->st.srtt_ms = (uint32_t)((m->srtt_us + 999) / 1000);

	while (i < MIRROR_RTT_BUCKETS && rtt_us > mirror_rtt_bounds_us[i])
		i++;
	m->st.rtt_hist[i]++;
	m->st.rtt_count++;
	m->st.rtt_sum_us += rtt_us;
}

void
mirror_timer_add(struct event *ev, uint32_t ms)
{
	struct timeval tv = { (time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000 };

	evtimer_add(ev, &tv);
}

void
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
void
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
			mirror_lane_pump(l);
		}
		return;
	}
	/* Taken first: giving up an HTTP/2 stream below may call its response hook. */
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
		mirror_lane_check_stall(l);
	if (l != NULL)
		mirror_lane_pump(l);		/* an HTTP/2 slot may have come free */
}

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
	struct mirror_delivery d;
	enum cons_transport t = TRANSPORT_OK;

	if (resp->status == 0)
		return;		/* the close hook fails what was in flight */
	/* HTTP/1.1 answers in request order (r is the head); HTTP/2 in any order. */
	TAILQ_REMOVE(&l->inflight, r, entry);
	l->n_inflight--;
	if (l->conn != NULL) {
		l->conn->waiting_us = 0;
		mirror_conn_keep_session(l->conn);
	}
	/* Only DNS round trips feed the SRTT: an observation takes a whole TLS handshake. */
	if (r->kind == REQ_DOH)
		mirror_rtt_note(m, now_us() - r->sent_us);
	if (!r->live) {	/* timed out or cancelled earlier */
		/* Its verdict is not waited for; what is wrong with it is still worth knowing. */
		if (r->kind == REQ_DOH)
			(void)mirror_check_answer(m, r, resp);
		mirror_req_free(r);
		mirror_lane_pump(l);
		return;
	}
	if (r->kind == REQ_DOH)
		t = mirror_check_answer(m, r, resp);
	mirror_delivery_take(r, &d);
	mirror_count(m, d.kind, t);
	mirror_req_free(r);
	/* The window slot is free: refill before the callback so its new requests queue behind. */
	mirror_lane_pump(l);
	mirror_deliver(m->set, &d, t, resp->status, t == TRANSPORT_OK ? resp->body : NULL,
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
		mirror_lane_pump(l);
		return;
	}
	if (retry && !r->retried) {
		mirror_req_unlink(r);
		r->retried = 1;
		r->where = REQ_QUEUED;
		TAILQ_INSERT_HEAD(&l->queue, r, entry);
		l->n_queued++;
		mirror_lane_pump(l);		/* the lane is draining: it moves its queue on */
		return;
	}
	log_debug(LOG_G_MIRROR, "mirror %s (%s): %s", m->name, m->addr_str, resp->error);
	if (r->kind == REQ_DOH) {
		mirror_note_error(m, resp->error);
		m->st.stream_errors++;
	}
	mirror_req_settle(r, TRANSPORT_ERROR);
	mirror_lane_pump(l);
}

/* Write one request to the lane's connection: 0, -1 when the question cannot be encoded,
 * -2 when the connection refuses it. */
int
mirror_req_send(struct mirror_lane *l, struct mirror_req *r)
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

	if (!m->usable || (l = mirror_lane_pick(m)) == NULL) {
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
			mirror_conn_open(&m->lanes[0]);
		mirror_req_loosen(r, m->why_t);
		return;
	}
	r->lane = l;
	r->where = REQ_QUEUED;
	TAILQ_INSERT_TAIL(&l->queue, r, entry);
	l->n_queued++;
	mirror_timer_add(r->ev, timeout_ms);
	if (l->state == MIRROR_IDLE)
		mirror_conn_open(l);
	else if (l->state == MIRROR_UP)
		mirror_lane_pump(l);
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
