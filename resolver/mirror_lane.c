/*
 * resolver/mirror_lane.c - the connection lanes of one mirror: which lane a request takes,
 * moving queued requests into a connection's window, the stall check, the retry timer, and
 * the mirror's state as its lanes make it.
 */
#include "autoconf.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/queue.h>

#include "log.h"
#include "vutil.h"
#include "mirror_client.h"
#include "mirror_int.h"
#include "mirror_h2.h"

/* Requests written to one lane's connection and not yet answered: pipelining depth. */
#define MIRROR_WINDOW 32
/*
 * An established connection whose oldest request has waited this long (ms) with no
 * answer is declared stalled and dropped: otherwise abandoned requests would fill the
 * window for good while the server never closes.
 */
#define MIRROR_STALL_MS 10000

/*
 * The mirror as a whole: up when any lane is; connecting when one is on its way; else what
 * the primary lane says, unless some lane met a certificate that is not the pinned CA.
 */
static void
mirror_lane_update_mirror(struct mirror *m)
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
		    mirror_state_name(m->st.state), mirror_state_name(s));
	m->st.state = s;
}

void
mirror_lane_set_state(struct mirror_lane *l, enum mirror_state s)
{
	l->state = s;
	mirror_lane_update_mirror(l->m);
}

/* How many lanes have an established connection. */
size_t
mirror_lane_count_up(const struct mirror *m)
{
	size_t n = 0;

	for (size_t i = 0; i < MIRROR_LANES; i++)
		n += m->lanes[i].state == MIRROR_UP;
	return n;
}

/*
 * After a request timed out: a connection that answered nothing for MIRROR_STALL_MS while
 * requests waited on it is not coming back (a server that stopped reading, or keeps its
 * HTTP/2 window at 0): drop it, saying which. HTTP/1.1 looks at its oldest request (an
 * orphan stays in flight there); HTTP/2 at the first request sent since its last answer
 * (a timed-out stream is given up, so the oldest in flight says nothing). 1 when dropped.
 */
int
mirror_lane_check_stall(struct mirror_lane *l)
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

/* Fail the lane's queued requests with t. */
static void
mirror_lane_fail_queued(struct mirror_lane *l, enum cons_transport t)
{
	struct mirror_req *r;

	while ((r = TAILQ_FIRST(&l->queue)) != NULL)
		mirror_req_settle(r, t);
}

/* Fail every request of the lane with t (orphans are just freed). */
void
mirror_lane_fail_all(struct mirror_lane *l, enum cons_transport t)
{
	struct mirror_req *r;

	while ((r = TAILQ_FIRST(&l->inflight)) != NULL)
		mirror_req_settle(r, t);
	while ((r = TAILQ_FIRST(&l->queue)) != NULL)
		mirror_req_settle(r, t);
}

/* The per-lane timer: the handshake deadline, or the end of a backoff. */
static void
mirror_lane_timer(evutil_socket_t fd, short what, void *arg)
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
		mirror_conn_open(l);
}

/* How many requests the lane's connection may carry at once. */
static size_t
mirror_lane_window(const struct mirror_lane *l)
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
	struct mirror_lane *to = mirror_lane_pick(l->m);
	struct mirror_req *r;

	if (to == NULL || to == l) {
		mirror_lane_fail_queued(l, TRANSPORT_ERROR);
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
		mirror_conn_open(to);
	else if (to->state == MIRROR_UP)
		mirror_lane_pump(to);
}

/* Move the lane's queued requests into its window. */
void
mirror_lane_pump(struct mirror_lane *l)
{
	struct mirror_req *r;

	if (l->state != MIRROR_UP || l->conn == NULL)
		return;
	/* Its streams are reset when their users give up: no timeout may come to tell. */
	if (l->conn->h2 != NULL && !TAILQ_EMPTY(&l->queue) && mirror_lane_check_stall(l))
		return;
	if (mirror_conn_draining(l->conn)) {
		if (!TAILQ_EMPTY(&l->queue))
			mirror_lane_migrate(l);
		return;
	}
	/* A server that allows no stream at all is no use (a legal SETTINGS, a useless one). */
	if (l->conn->h2 != NULL && mirror_lane_window(l) == 0 && l->n_inflight == 0 &&
	    !TAILQ_EMPTY(&l->queue)) {
		mirror_note_error(l->m, "the server allows no HTTP/2 stream");
		mirror_conn_fail(l, TRANSPORT_ERROR, "the server allows no HTTP/2 stream");
		return;
	}
	while (l->state == MIRROR_UP && l->conn != NULL && l->n_inflight < mirror_lane_window(l) &&
	    (r = TAILQ_FIRST(&l->queue)) != NULL) {
		switch (mirror_req_send(l, r)) {
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
mirror_lane_pick_h2(struct mirror *m)
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
 * The lane a new request goes to. HTTP/2: see mirror_lane_pick_h2. HTTP/1.1: an open lane
 * with nothing to do, first; else a lane not
 * open yet, since a handshake costs about one round trip while waiting behind a busy
 * connection costs a whole upstream resolution per request ahead (the server answers one
 * request of a connection at a time); else the least loaded open lane. Extra lanes open
 * only while some lane is up and the CA is known: a mirror in backoff gets no new SYNs
 * through them. NULL when no lane can take a request now.
 */
struct mirror_lane *
mirror_lane_pick(struct mirror *m)
{
	struct mirror_lane *best = NULL, *idle = NULL;
	size_t best_load = SIZE_MAX, load;
	int any_up = 0;

	if (m->st.proto == MIRROR_PROTO_H2 && m->ctx != NULL)
		return mirror_lane_pick_h2(m);
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

void
mirror_probe(struct mirror *m)
{
	if (m->usable && m->lanes[0].state == MIRROR_IDLE && m->lanes[0].conn == NULL)
		mirror_conn_open(&m->lanes[0]);
}

int
mirror_settled(const struct mirror *m)
{
	return !m->usable || m->st.state == MIRROR_UP || m->why[0] != '\0';
}

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
		if ((l->timer = evtimer_new(base, mirror_lane_timer, l)) == NULL)
			return -1;
	}
	return 0;
}

/* Free every request on list h without calling back. */
static void
mirror_lane_free_list(struct req_list *h)
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
		mirror_lane_free_list(&l->inflight);
		mirror_lane_free_list(&l->queue);
		l->n_inflight = l->n_queued = 0;
	}
	if (m->loose.tqh_last != NULL)
		mirror_lane_free_list(&m->loose);
}
