/* lib/upstream.c - forwarding questions to the configured recursive resolvers. */
#include "autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <unistd.h>

#include "upstream.h"
#include "vutil.h"

/*
 * Per-attempt timeout bounds, in ms. The lower bound keeps a fast upstream that hiccups
 * from being abandoned while its answer is on the way; the upper one lets a question move
 * on to the next upstream well inside a client's own retry (glibc waits 5 s, dig 5 s).
 */
#define UPSTREAM_RTO_MIN 150
#define UPSTREAM_RTO_MAX 1000
#define UPSTREAM_RTO_INITIAL 400	/* before any RTT sample */
/* Consecutive failures that mark an upstream unhealthy, and how long it is avoided (ms). */
#define UPSTREAM_FAILS_DOWN 3
#define UPSTREAM_DOWN_MIN 2000
#define UPSTREAM_DOWN_MAX 60000
#define UPSTREAM_MAX 16
/* At most one "not answering" warning per upstream in this many ms. */
#define UPSTREAM_LOG_INTERVAL 60000
/* UDP tries of one question kept open at once (the oldest is closed for a new one). */
#define UPSTREAM_TRIES 4
/* Datagrams read per wake-up: spoofed floods must not starve the real answer. */
#define UPSTREAM_READ_BURST 16

struct upstream {
	struct netaddr addr;
	char name[NETADDR_STRLEN];
	uint32_t srtt_ms, rttvar_ms;
	unsigned fails;
	uint32_t down_ms;		/* current back-off */
	uint64_t down_until;		/* now_ms() before which it is skipped if others are up */
	uint64_t last_answer;		/* now_ms() of its last answer */
	uint64_t last_down_log;		/* now_ms() of the last "not answering" warning */
	int down_logged;		/* ... and it has not been taken back yet */
	struct upstream_stats st;
};

struct upstream_set {
	struct event_base *base;
	struct upstream ups[UPSTREAM_MAX];
	size_t n;
	uint32_t total_timeout_ms;
	LIST_HEAD(, upstream_req) reqs;	/* outstanding, for upstream_set_free */
};

/*
 * One datagram or connection sent to one upstream. Earlier UDP tries stay open while later
 * ones run: an upstream slower than our timeout still gets its answer through.
 */
struct upstream_try {
	struct upstream_req *req;
	int fd;
	struct event *io;
	uint64_t start;
	uint16_t id;
	uint8_t up;			/* index into set->ups */
	uint8_t tcp;
};

struct upstream_req {
	struct upstream_set *set;
	LIST_ENTRY(upstream_req) link;	/* the set's outstanding requests */
	uint8_t linked;			/* on that list (unlinking twice is harmless) */
	struct dnsq q;
	upstream_cb cb;
	void *arg;
	struct upstream_try tries[UPSTREAM_TRIES];
	struct event *timer;
	uint64_t deadline;
	uint8_t order[UPSTREAM_MAX];
	size_t norder, cur;		/* cur indexes order[] for the next attempt */
	unsigned attempts;
	uint8_t last_up;		/* upstream of the newest try, for the timeout */
	uint64_t last_start;		/* ... and when it was sent */
	uint8_t tcp;			/* truncated once: every further try is TCP */
	uint8_t advance;		/* the timer means "next attempt now", not a timeout */
	uint8_t same;			/* ... and that attempt goes to order[cur] again */
	uint8_t waiting;		/* no attempt left: the timer is the deadline */
	uint8_t any_timeout;
	size_t qlen;
	uint8_t qwire[2 + DNS_HDRLEN + DNS_MAXNAME + 4 + 11];	/* TCP length first */
	uint8_t *tbuf;			/* TCP: length + message */
	size_t tlen, twant, tsent;
	uint8_t *fallback;		/* last SERVFAIL/REFUSED answer, used if nothing better */
	size_t fallback_len;
};

static void upstream_attempt(struct upstream_req *req);
static void upstream_timer_cb(evutil_socket_t fd, short what, void *arg);

struct upstream_set *
upstream_set_new(struct event_base *base, const struct netaddr *addrs, size_t n,
    uint32_t total_timeout_ms)
{
	struct upstream_set *set = calloc(1, sizeof(*set));

	if (set == NULL)
		return NULL;
	set->base = base;
	LIST_INIT(&set->reqs);
	set->n = n < UPSTREAM_MAX ? n : UPSTREAM_MAX;
	set->total_timeout_ms = total_timeout_ms;
	for (size_t i = 0; i < set->n; i++) {
		set->ups[i].addr = addrs[i];
		netaddr_str(&addrs[i], set->ups[i].name, sizeof(set->ups[i].name));
		set->ups[i].down_ms = UPSTREAM_DOWN_MIN;
	}
	return set;
}

static void
upstream_try_close(struct upstream_try *t)
{
	if (t->io) {
		event_free(t->io);
		t->io = NULL;
	}
	if (t->fd >= 0) {
		close(t->fd);
		t->fd = -1;
	}
	if (t->tcp) {
		free(t->req->tbuf);
		t->req->tbuf = NULL;
		t->tcp = 0;
	}
}

static void
upstream_close(struct upstream_req *req)
{
	for (size_t i = 0; i < UPSTREAM_TRIES; i++)
		upstream_try_close(&req->tries[i]);
}

static int
upstream_outstanding(const struct upstream_req *req)
{
	for (size_t i = 0; i < UPSTREAM_TRIES; i++)
		if (req->tries[i].fd >= 0)
			return 1;
	return 0;
}

/* Take req off its set's list of outstanding requests. */
static void
upstream_req_unlink(struct upstream_req *req)
{
	if (req->linked)
		LIST_REMOVE(req, link);
	req->linked = 0;
}

static void
upstream_req_free(struct upstream_req *req)
{
	upstream_close(req);
	free(req->tbuf);
	if (req->timer)
		event_free(req->timer);
	upstream_req_unlink(req);
	free(req->fallback);
	free(req);
}

void
upstream_set_free(struct upstream_set *set)
{
	if (set == NULL)
		return;
	while (!LIST_EMPTY(&set->reqs))
		upstream_req_free(LIST_FIRST(&set->reqs));
	free(set);
}

void
upstream_cancel(struct upstream_req *req)
{
	if (req)
		upstream_req_free(req);
}

int
upstream_set_busy(const struct upstream_set *set)
{
	return !LIST_EMPTY(&set->reqs);
}

void
upstream_set_adopt(struct upstream_set *set, const struct upstream_set *old)
{
	for (size_t i = 0; i < set->n; i++)
		for (size_t j = 0; j < old->n; j++) {
			const struct upstream *o = &old->ups[j];
			struct upstream *u = &set->ups[i];
			if (!netaddr_equal(&u->addr, &o->addr))
				continue;
			u->srtt_ms = o->srtt_ms;
			u->rttvar_ms = o->rttvar_ms;
			u->fails = o->fails;
			u->down_ms = o->down_ms;
			u->down_until = o->down_until;
			u->last_answer = o->last_answer;
			u->last_down_log = o->last_down_log;
			u->down_logged = o->down_logged;
			u->st = o->st;
			break;
		}
}

size_t
upstream_count(const struct upstream_set *set)
{
	return set->n;
}

void
upstream_get_stats(const struct upstream_set *set, size_t i, struct upstream_stats *st)
{
	const struct upstream *u = &set->ups[i];

	*st = u->st;
	memcpy(st->addr, u->name, sizeof(st->addr));
	st->srtt_ms = u->srtt_ms;
	st->healthy = u->fails < UPSTREAM_FAILS_DOWN;
}

static uint32_t
upstream_rto(const struct upstream *u)
{
	uint32_t rto;

	if (u->srtt_ms == 0)
		return UPSTREAM_RTO_INITIAL;
	rto = u->srtt_ms + 4 * u->rttvar_ms;
	if (rto < UPSTREAM_RTO_MIN)
		rto = UPSTREAM_RTO_MIN;
	return rto > UPSTREAM_RTO_MAX ? UPSTREAM_RTO_MAX : rto;
}

static void
upstream_note_ok(struct upstream *u, uint32_t rtt_ms, int sample)
{
	if (u->down_logged) {
		log_info(LOG_G_UPSTREAM, "%s is answering again", u->name);
		u->down_logged = 0;
	}
	u->last_answer = now_ms();
	u->fails = 0;
	u->down_ms = UPSTREAM_DOWN_MIN;
	u->down_until = 0;
	u->st.answers++;
	if (!sample)
		return;
	if (rtt_ms == 0)
		rtt_ms = 1;
	if (u->srtt_ms == 0) {
		u->srtt_ms = rtt_ms;
		u->rttvar_ms = rtt_ms / 2;
	} else {
		/* RFC 6298 smoothing: gains 1/8 and 1/4. */
		uint32_t d = rtt_ms > u->srtt_ms ? rtt_ms - u->srtt_ms : u->srtt_ms - rtt_ms;
		u->rttvar_ms = (3 * u->rttvar_ms + d) / 4;
		u->srtt_ms = (7 * u->srtt_ms + rtt_ms) / 8;
		if (u->srtt_ms == 0)
			u->srtt_ms = 1;
	}
}

/*
 * A try sent at since failed. It counts against the upstream only when nothing came from
 * it since: under load many tries time out while answers keep arriving, and that upstream
 * is slow, not down (the RTT sample of each late answer raises its timeout instead).
 */
static void
upstream_note_fail(struct upstream *u, uint64_t since)
{
	uint64_t now = now_ms();

	if (u->last_answer >= since)
		return;
	/* Warn once a minute at most: an upstream that comes and goes must not flood the log. */
	if (++u->fails == UPSTREAM_FAILS_DOWN && !u->down_logged &&
	    now - u->last_down_log >= UPSTREAM_LOG_INTERVAL) {
		log_warnx(LOG_G_UPSTREAM, "%s is not answering; trying others first", u->name);
		u->last_down_log = now;
		u->down_logged = 1;
	}
	if (u->fails >= UPSTREAM_FAILS_DOWN) {
		u->down_until = now + u->down_ms;
		u->down_ms = u->down_ms * 2 > UPSTREAM_DOWN_MAX ? UPSTREAM_DOWN_MAX : u->down_ms * 2;
	}
}

/* Attempt order: upstreams that are up, fastest first (unmeasured ones first, to learn
 * them); those backing off after failures go last but are still tried. */
static void
upstream_plan(struct upstream_req *req)
{
	struct upstream_set *set = req->set;
	uint64_t now = now_ms();
	size_t n = 0;

	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < set->n; i++) {
			int down = set->ups[i].down_until > now;
			if (down != pass)
				continue;
			size_t j = n++;
			/* insertion sort by srtt within the pass */
			while (j > 0 && pass == 0) {
				const struct upstream *a = &set->ups[req->order[j - 1]];
				if (set->ups[req->order[j - 1]].down_until > now ||
				    a->srtt_ms <= set->ups[i].srtt_ms)
					break;
				req->order[j] = req->order[j - 1];
				j--;
			}
			req->order[j] = (uint8_t)i;
		}
	req->norder = n;
	req->cur = 0;
}

struct upstream_req *
upstream_query(struct upstream_set *set, const struct dnsq *q, upstream_cb cb, void *arg)
{
	struct upstream_req *req;
	struct timeval tv = { 0, 0 };

	if (set->n == 0)
		return NULL;
	if ((req = calloc(1, sizeof(*req))) == NULL)
		return NULL;
	req->set = set;
	req->q = *q;
	req->cb = cb;
	req->arg = arg;
	for (size_t i = 0; i < UPSTREAM_TRIES; i++) {
		req->tries[i].req = req;
		req->tries[i].fd = -1;
	}
	req->timer = evtimer_new(set->base, upstream_timer_cb, req);
	if (req->timer == NULL) {
		free(req);
		return NULL;
	}
	LIST_INSERT_HEAD(&set->reqs, req, link);
	req->linked = 1;
	req->deadline = now_ms() + set->total_timeout_ms;
	upstream_plan(req);
	/* Start from the loop, so that even a failure at once never calls back from here. */
	req->cur = 0;
	req->advance = 1;
	req->same = 1;
	evtimer_add(req->timer, &tv);
	return req;
}

/*
 * Finish: call back once, then free. The request leaves the set's list first, so the
 * callback may free the set; wire may point into req->tbuf, so that dies last.
 */
static void
upstream_finish(struct upstream_req *req, enum upstream_status st, const uint8_t *wire,
    size_t len)
{

	if (st != UPSTREAM_OK && req->fallback) {
		/* Every upstream failed us, but one did answer: its SERVFAIL/REFUSED is the truth. */
		st = UPSTREAM_OK;
		wire = req->fallback;
		len = req->fallback_len;
	}
	upstream_req_unlink(req);
	for (size_t i = 0; i < UPSTREAM_TRIES; i++)
		if (req->tries[i].io) {
			event_free(req->tries[i].io);
			req->tries[i].io = NULL;
		}
	event_free(req->timer);
	req->timer = NULL;
	req->cb(req->arg, st, wire, len);
	for (size_t i = 0; i < UPSTREAM_TRIES; i++)
		if (req->tries[i].fd >= 0)
			close(req->tries[i].fd);
	free(req->tbuf);
	free(req->fallback);
	free(req);
}

/* Schedule the next attempt from the event loop (never recursively). */
static void
upstream_next_soon(struct upstream_req *req, int same)
{
	struct timeval tv = { 0, 0 };

	req->advance = 1;
	req->same = (uint8_t)same;
	req->waiting = 0;
	evtimer_add(req->timer, &tv);
}

/* Accept or reject one complete message that arrived on try t. Returns 1 when t is done. */
static int
upstream_consider(struct upstream_try *t, const uint8_t *wire, size_t len)
{
	struct upstream_req *req = t->req;
	struct upstream *u = &req->set->ups[t->up];
	struct dnsq rq;
	struct dnsresp r;
	uint8_t rcode;

	/* Match the question too: an off-path attacker can guess a 16-bit ID. */
	if (len < DNS_HDRLEN || dnswire_get16(wire) != t->id ||
	    dnswire_parse_response(wire, len, &rq, &r) != 0 || !dnswire_same_question(&rq, &req->q)) {
		u->st.mismatches++;
		log_debug(LOG_G_UPSTREAM, "%s: ignored a message that does not answer our query",
		    u->name);
		return 0;
	}
	upstream_note_ok(u, (uint32_t)(now_ms() - t->start), !t->tcp);
	if (r.tc && !t->tcp) {
		log_debug(LOG_G_UPSTREAM, "%s: truncated answer, retrying over TCP", u->name);
		u->st.tcp_retries++;
		/* The full answer needs TCP: ask the same upstream, and forget the UDP tries. */
		for (size_t j = 0; j < req->norder; j++)
			if (req->order[j] == t->up)
				req->cur = j;
		upstream_close(req);
		req->tcp = 1;
		upstream_next_soon(req, 1);
		return 1;
	}
	rcode = r.rcode;
	if ((rcode == DNS_RCODE_SERVFAIL || rcode == DNS_RCODE_REFUSED ||
		rcode == DNS_RCODE_NOTIMP) &&
	    req->norder > 1) {
		uint8_t *fb = malloc(len);
		if (fb) {
			memcpy(fb, wire, len);
			free(req->fallback);
			req->fallback = fb;
			req->fallback_len = len;
		}
		upstream_try_close(t);
		if (upstream_outstanding(req) || req->attempts < req->norder)
			upstream_next_soon(req, 0);
		else
			upstream_finish(req, UPSTREAM_ERROR, NULL, 0); /* serves the fallback */
		return 1;
	}
	evtimer_del(req->timer);
	upstream_finish(req, UPSTREAM_OK, wire, len);
	return 1;
}

/* Try t failed outright (refused, reset): move on now rather than at the timeout. */
static void
upstream_try_failed(struct upstream_try *t, const char *why)
{
	struct upstream_req *req = t->req;
	struct upstream *u = &req->set->ups[t->up];

	log_debug(LOG_G_UPSTREAM, "%s: %s", u->name, why);
	u->st.errors++;
	upstream_note_fail(u, t->start);
	upstream_try_close(t);
	upstream_next_soon(req, 0);
}

static void
upstream_udp_read(evutil_socket_t fd, short what, void *arg)
{
	struct upstream_try *t = arg;
	struct upstream *u = &t->req->set->ups[t->up];
	uint8_t buf[DNS_MAXMSG];

	for (int i = 0; i < UPSTREAM_READ_BURST; i++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		struct netaddr from;
		ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&ss, &sl);

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				return;
			/* ECONNREFUSED: the ICMP port unreachable of a dead upstream. */
			upstream_try_failed(t, strerror(errno));
			return;
		}
		netaddr_from_sockaddr(&from, (struct sockaddr *)&ss, sl);
		if (!netaddr_equal(&from, &u->addr)) {
			u->st.mismatches++;
			continue;
		}
		if (upstream_consider(t, buf, (size_t)n))
			return;
	}
}

static void
upstream_tcp_io(evutil_socket_t fd, short what, void *arg)
{
	struct upstream_try *t = arg;
	struct upstream_req *req = t->req;
	ssize_t n = 0;

	if (what & EV_WRITE) {
		n = send(fd, req->qwire + req->tsent, req->qlen + 2 - req->tsent, MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EINTR || errno == EINPROGRESS))
			return;
		if (n < 0)
			goto fail;
		req->tsent += (size_t)n;
		if (req->tsent == req->qlen + 2) {
			event_del(t->io);
			event_assign(t->io, req->set->base, fd, EV_READ | EV_PERSIST, upstream_tcp_io, t);
			event_add(t->io, NULL);
		}
		return;
	}
	if (req->tbuf == NULL && (req->tbuf = malloc(2 + DNS_MAXMSG)) == NULL)
		goto fail;
	n = recv(fd, req->tbuf + req->tlen, (req->twant ? req->twant : 2) - req->tlen, 0);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0)
		goto fail;
	req->tlen += (size_t)n;
	if (req->twant == 0 && req->tlen == 2) {
		req->twant = 2 + (size_t)dnswire_get16(req->tbuf);
		if (req->twant < 2 + DNS_HDRLEN)
			goto fail;
	}
	if (req->twant && req->tlen == req->twant &&
	    !upstream_consider(t, req->tbuf + 2, req->tlen - 2))
		goto fail; /* one connection, one answer: a wrong one ends it */
	return;
fail:
	upstream_try_failed(t, n < 0 ? strerror(errno) : "TCP connection closed early");
}

static void
upstream_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct upstream_req *req = arg;
	struct upstream *u;

	if (req->advance) {
		req->advance = 0;
		if (!req->same)
			req->cur++;
		req->same = 0;
		upstream_attempt(req);
		return;
	}
	if (req->waiting) {
		upstream_finish(req, req->any_timeout ? UPSTREAM_TIMEOUT : UPSTREAM_ERROR, NULL, 0);
		return;
	}
	/* The newest try timed out; it stays open in case its answer is only late. */
	u = &req->set->ups[req->last_up];
	u->st.timeouts++;
	req->any_timeout = 1;
	upstream_note_fail(u, req->last_start);
	log_debug(LOG_G_UPSTREAM, "%s: no answer in %ums, trying further", u->name,
	    upstream_rto(u));
	req->cur++;
	upstream_attempt(req);
}

/* Open a socket to u; returns the fd or -1. */
static int
upstream_socket(const struct upstream *u, int tcp)
{
	int fd = socket(u->addr.ss.ss_family, (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	/*
	 * connect() makes the kernel pick a random ephemeral source port and drop datagrams
	 * from any other source; recvfrom() checks the address again all the same.
	 */
	if (connect(fd, (const struct sockaddr *)&u->addr.ss, u->addr.len) != 0 &&
	    errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	return fd;
}

/* A free try slot; the oldest UDP try gives way when all are busy. */
static struct upstream_try *
upstream_try_slot(struct upstream_req *req)
{
	struct upstream_try *oldest = NULL;

	for (size_t i = 0; i < UPSTREAM_TRIES; i++) {
		struct upstream_try *t = &req->tries[i];
		if (t->fd < 0)
			return t;
		if (oldest == NULL || t->start < oldest->start)
			oldest = t;
	}
	upstream_try_close(oldest);
	return oldest;
}

/* Nothing more to try: wait for the tries still open until the deadline, or give up. */
static void
upstream_give_up(struct upstream_req *req, uint64_t now)
{
	if (upstream_outstanding(req) && now < req->deadline) {
		uint64_t left = req->deadline - now;
		struct timeval tv = { (time_t)(left / 1000), (suseconds_t)(left % 1000) * 1000 };
		req->waiting = 1;
		evtimer_add(req->timer, &tv);
		return;
	}
	upstream_finish(req, req->any_timeout ? UPSTREAM_TIMEOUT : UPSTREAM_ERROR, NULL, 0);
}

/*
 * Open try t's socket to u and start it: the query sent (UDP), or the connection under way
 * (TCP). 0; -1 when u cannot be used now (the next upstream is tried); -2 when no event can
 * be set (the question gives up).
 */
static int
upstream_try_start(struct upstream_req *req, struct upstream_try *t, struct upstream *u,
    uint64_t now)
{
	struct upstream_set *set = req->set;

	if ((t->fd = upstream_socket(u, req->tcp)) < 0) {
		log_warn(LOG_G_UPSTREAM, "%s: socket", u->name);
		u->st.errors++;
		return -1;
	}
	u->st.queries++;
	t->start = now;
	t->tcp = req->tcp;
	req->last_up = t->up;
	req->last_start = now;
	if (req->tcp) {
		t->io = event_new(set->base, t->fd, EV_WRITE | EV_PERSIST, upstream_tcp_io, t);
	} else {
		if (send(t->fd, req->qwire + 2, req->qlen, 0) < 0) {
			log_debug(LOG_G_UPSTREAM, "%s: send: %s", u->name, strerror(errno));
			u->st.errors++;
			upstream_note_fail(u, now);
			upstream_try_close(t);
			return -1;
		}
		t->io = event_new(set->base, t->fd, EV_READ | EV_PERSIST, upstream_udp_read, t);
	}
	if (t->io == NULL || event_add(t->io, NULL) != 0) {
		upstream_try_close(t);
		return -2;
	}
	return 0;
}

/* Wait for u's answer: its retransmission timeout, doubled each round, within the deadline. */
static void
upstream_wait(struct upstream_req *req, const struct upstream *u, unsigned round, uint64_t now)
{
	struct timeval tv;
	uint32_t rto = upstream_rto(u) * (req->tcp ? 2 : 1) << (round < 3 ? round : 3);

	if (now + rto > req->deadline)
		rto = (uint32_t)(req->deadline - now);
	tv.tv_sec = rto / 1000;
	tv.tv_usec = (rto % 1000) * 1000;
	req->advance = 0;
	req->waiting = 0;
	evtimer_add(req->timer, &tv);
}

static void
upstream_attempt(struct upstream_req *req)
{
	uint64_t now = now_ms();

	for (;;) {
		struct upstream_try *t;
		struct upstream *u;
		unsigned round;
		int rc;

		if (req->cur >= req->norder) {
			/* Every upstream tried once: go round again while time is left. */
			req->cur = 0;
			if (req->norder == 0 || now + UPSTREAM_RTO_MIN > req->deadline ||
			    req->attempts >= 4 * req->norder) {
				upstream_give_up(req, now);
				return;
			}
		}
		if (now >= req->deadline) {
			upstream_give_up(req, now);
			return;
		}
		u = &req->set->ups[req->order[req->cur]];
		round = req->attempts / (unsigned)req->norder;
		req->attempts++;
		if (req->tcp)
			upstream_close(req); /* one TCP try at a time */
		t = upstream_try_slot(req);
		t->up = req->order[req->cur];
		random_buf(&t->id, sizeof(t->id));
		req->qlen = dnswire_build_query(req->qwire + 2, sizeof(req->qwire) - 2, &req->q,
		    t->id, DNS_EDNS_SIZE);
		dnswire_put16(req->qwire, (uint16_t)req->qlen);
		req->tlen = req->twant = req->tsent = 0;
		if ((rc = upstream_try_start(req, t, u, now)) == -1) {
			req->cur++;
			continue;
		}
		if (rc == 0)
			upstream_wait(req, u, round, now);
		else
			upstream_give_up(req, now);
		return;
	}
}
