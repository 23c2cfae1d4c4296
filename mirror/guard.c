/* mirror/guard.c - slow and greedy clients: connections per address, handshake and request deadlines. */
#include "autoconf.h"

#include <event2/buffer.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include "guard.h"
#include "log.h"
#include "netaddr.h"
#include "vutil.h"

/*
 * Why: 1,024 TLS connections from one address, each sending a header byte every 10 s,
 * held every slot of max_connections; evhttp's idle timeout restarts at every byte, so it
 * never fired. Now one address (IPv6: one /64, what a single subscriber gets) holds at
 * most max_per_address connections, and every phase of a connection has a deadline that
 * progress does not extend.
 */

/* Buckets of the per-address table; chains stay short (at most max_connections entries). */
#define GUARD_BUCKETS 1024
/* At most one "refusing" warning per this many ms: a flood must not flood the log too. */
#define GUARD_LOG_EVERY_MS 10000
/* Bytes of a header line kept to recognise Content-Length and Transfer-Encoding. */
#define GUARD_LINE 64

/* An IPv4 address, or the /64 of an IPv6 address: tag byte 4 or 6, then the bytes. */
struct guard_key {
	uint8_t b[9];
};

struct guard_addr {
	struct guard_key key;
	size_t count;
	SLIST_ENTRY(guard_addr) entry;
};

SLIST_HEAD(guard_bucket, guard_addr);

enum guard_phase {
	GUARD_ADMIT,		/* accepted, not yet counted */
	GUARD_HANDSHAKE,	/* TLS handshake under way */
	GUARD_IDLE,		/* between requests (evhttp's idle_timeout applies) */
	GUARD_HEADERS,		/* a request's first byte seen, its headers not complete */
	GUARD_BODY,		/* headers complete, body not */
	GUARD_CLOSING,		/* refused or timed out; evhttp is closing it */
	GUARD_H2		/* HTTP/2: http2.c keeps the per-stream deadlines */
};

/*
 * Where a chunked body is (RFC 9112 section 7.1): a chunk-size line (hex digits, maybe
 * extensions after ';'), that many data bytes, their CRLF; a zero size starts the
 * trailer section, which an empty line ends.
 */
enum guard_chunk_state {
	CHUNK_SIZE,		/* hex digits of a chunk size */
	CHUNK_EXT,		/* the rest of a chunk-size line */
	CHUNK_DATA,		/* chunk_left data bytes to go */
	CHUNK_DATA_END,		/* the CRLF after a chunk's data */
	CHUNK_TRAILER		/* trailer lines; an empty one ends the body */
};

/* A chunk size past this (16 hex digits) saturates: the body deadline ends it anyway. */
#define GUARD_CHUNK_MAX (UINT64_MAX >> 4)

struct guard_conn {
	struct guard *g;		/* NULL once the guard is gone */
	struct bufferevent *bev;
	struct event *admit, *timer;
	enum guard_phase phase;
	struct guard_key key;
	int counted;
	char addr[NETADDR_STRLEN];
	struct netaddr peer;		/* valid once counted */
	size_t scanned;			/* input bytes already looked at */
	/* The request scanner. */
	char line[GUARD_LINE];
	size_t line_len;
	uint64_t content_length;
	int chunked;
	/* The chunked-body parser: where in the framing we are, and the chunk left to read. */
	enum guard_chunk_state chunk_state;
	uint64_t chunk_left;
	TAILQ_ENTRY(guard_conn) entry;
};

struct guard {
	struct event_base *base;
	struct mirror_limits limits;
	struct guard_bucket buckets[GUARD_BUCKETS];
	uint32_t seed;
	TAILQ_HEAD(, guard_conn) conns;
	struct guard_stats stats;
	uint64_t last_log_ms;
	uint64_t unlogged;
};

struct guard *
guard_new(struct event_base *base, const struct mirror_limits *limits)
{
	struct guard *g = xcalloc(1, sizeof(*g));

	g->base = base;
	g->limits = *limits;
	/* Keyed, so that nobody can aim many addresses at one chain. */
	g->seed = (uint32_t)random() ^ (uint32_t)now_ms();
	TAILQ_INIT(&g->conns);
	return g;
}

void
guard_set_limits(struct guard *g, const struct mirror_limits *limits)
{
	g->limits = *limits;
}

const struct guard_stats *
guard_stats(const struct guard *g)
{
	return &g->stats;
}

void
guard_free(struct guard *g)
{
	struct guard_conn *gc;
	struct guard_addr *a;

	if (g == NULL)
		return;
	while ((gc = TAILQ_FIRST(&g->conns)) != NULL) {
		TAILQ_REMOVE(&g->conns, gc, entry);
		event_free(gc->admit);
		event_free(gc->timer);
		gc->admit = gc->timer = NULL;
		gc->g = NULL;
	}
	for (size_t i = 0; i < GUARD_BUCKETS; i++)
		while ((a = SLIST_FIRST(&g->buckets[i])) != NULL) {
			SLIST_REMOVE_HEAD(&g->buckets[i], entry);
			free(a);
		}
	free(g);
}

/* The key of a peer: v4-mapped IPv6 is the IPv4 address it carries. */
static void
guard_key_of(const struct sockaddr_storage *ss, struct guard_key *k)
{
	memset(k, 0, sizeof(*k));
	if (ss->ss_family == AF_INET) {
		k->b[0] = 4;
		memcpy(k->b + 1, &((const struct sockaddr_in *)ss)->sin_addr, 4);
	} else if (ss->ss_family == AF_INET6) {
		const uint8_t *a = ((const struct sockaddr_in6 *)ss)->sin6_addr.s6_addr;
		static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

		if (memcmp(a, mapped, 12) == 0) {
			k->b[0] = 4;
			memcpy(k->b + 1, a + 12, 4);
		} else {
			k->b[0] = 6;
			memcpy(k->b + 1, a, 8);
		}
	}
}

/* The count of k's address, or NULL; *bucket is where it lives or would. */
static struct guard_addr *
guard_find(struct guard *g, const struct guard_key *k, struct guard_bucket **bucket)
{
	uint32_t h = g->seed;
	struct guard_addr *a;

	for (size_t i = 0; i < sizeof(k->b); i++)
		h = (h ^ k->b[i]) * 16777619u;
	*bucket = &g->buckets[h % GUARD_BUCKETS];
	SLIST_FOREACH(a, *bucket, entry)
		if (memcmp(&a->key, k, sizeof(*k)) == 0)
			return a;
	return NULL;
}

/* Close the connection: evhttp drops it on a timeout event, as for its own idle timeout. */
static void
guard_close(struct guard_conn *gc)
{
	gc->phase = GUARD_CLOSING;
	if (gc->timer != NULL)
		evtimer_del(gc->timer);
	bufferevent_trigger_event(gc->bev, BEV_EVENT_TIMEOUT | BEV_EVENT_READING,
	    BEV_TRIG_DEFER_CALLBACKS);
}

static void
guard_arm(struct guard_conn *gc, enum guard_phase phase, uint64_t ms)
{
	struct timeval tv = { (time_t)(ms / 1000), (suseconds_t)(ms % 1000 * 1000) };

	gc->phase = phase;
	evtimer_add(gc->timer, &tv);
}

static void
guard_refuse_log(struct guard *g, const struct guard_conn *gc, size_t count)
{
	uint64_t now = now_ms();

	g->unlogged++;
	if (g->last_log_ms != 0 && now - g->last_log_ms < GUARD_LOG_EVERY_MS)
		return;
	log_warnx(LOG_G_LISTEN, "%s holds %zu connections (limits.max_per_address, per IPv4 "
	    "address or IPv6 /64): refusing more (%llu refused since the last such line)",
	    gc->addr, count, (unsigned long long)g->unlogged);
	g->last_log_ms = now;
	g->unlogged = 0;
}

/* Count the new connection against its address, or close it (the loop turn of its accept). */
static void
guard_admit(evutil_socket_t fd, short what, void *arg)
{
	struct guard_conn *gc = arg;
	struct guard *g = gc->g;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct guard_bucket *bucket;
	struct guard_addr *a;
	struct netaddr na;

	(void)fd;
	(void)what;
	if (g == NULL || gc->phase != GUARD_ADMIT)
		return;
	if ((fd = bufferevent_getfd(gc->bev)) < 0 ||
	    getpeername(fd, (struct sockaddr *)&ss, &sl) != 0) {
		guard_close(gc);	/* already gone: nothing to serve */
		return;
	}
	netaddr_from_sockaddr(&na, (struct sockaddr *)&ss, sl);
	netaddr_ip_str(&na, gc->addr, sizeof(gc->addr));
	gc->peer = na;
	guard_key_of(&ss, &gc->key);
	a = guard_find(g, &gc->key, &bucket);
	if (a != NULL && a->count >= g->limits.max_per_address) {
		g->stats.refused++;
		guard_refuse_log(g, gc, a->count);
		guard_close(gc);
		return;
	}
	if (a == NULL) {
		if ((a = calloc(1, sizeof(*a))) == NULL) {
			guard_close(gc);
			return;
		}
		a->key = gc->key;
		SLIST_INSERT_HEAD(bucket, a, entry);
	}
	a->count++;
	gc->counted = 1;
	guard_arm(gc, GUARD_HANDSHAKE, g->limits.handshake_timeout_ms);
}

static void
guard_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct guard_conn *gc = arg;
	struct guard *g = gc->g;
	const char *phase;

	(void)fd;
	(void)what;
	if (g == NULL)
		return;
	switch (gc->phase) {
	case GUARD_HANDSHAKE:
		g->stats.handshake_timeouts++;
		phase = "TLS handshake";
		break;
	case GUARD_HEADERS:
		g->stats.header_timeouts++;
		phase = "request headers";
		break;
	case GUARD_BODY:
		g->stats.body_timeouts++;
		phase = "request body";
		break;
	default:
		return;
	}
	log_debug(LOG_G_LISTEN, "%s: %s not complete in time: closing", gc->addr, phase);
	guard_close(gc);
}

void
guard_conn_up(struct tls_conn *conn, void *arg)
{
	struct guard_conn *gc = arg;

	(void)conn;
	if (gc->g == NULL || gc->phase != GUARD_HANDSHAKE)
		return;
	evtimer_del(gc->timer);
	gc->phase = GUARD_IDLE;
}

/* The request is complete: no deadline until the next one starts. */
static void
guard_request_done(struct guard_conn *gc)
{
	evtimer_del(gc->timer);
	gc->phase = GUARD_IDLE;
}

/* A header line ended (line holds its first bytes, CR removed). */
static void
guard_header_line(struct guard_conn *gc)
{
	static const char cl[] = "content-length:", te[] = "transfer-encoding:";
	char *p;

	if (gc->line_len == 0) {
		/* The empty line: the headers are complete. */
		if (!gc->chunked && gc->content_length == 0) {
			guard_request_done(gc);
			return;
		}
		guard_arm(gc, GUARD_BODY, gc->g->limits.body_timeout_ms);
		return;
	}
	gc->line[gc->line_len < GUARD_LINE ? gc->line_len : GUARD_LINE - 1] = '\0';
	for (p = gc->line; *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	if (strncmp(gc->line, cl, sizeof(cl) - 1) == 0)
		gc->content_length = strtoull(gc->line + sizeof(cl) - 1, NULL, 10);
	else if (strncmp(gc->line, te, sizeof(te) - 1) == 0)
		gc->chunked = 1;
}

/* The end of a chunk-size line: data follows, or (size 0) the trailer section. */
static void
guard_chunk_size_end(struct guard_conn *gc)
{
	gc->line_len = 0;
	gc->chunk_state = gc->chunk_left == 0 ? CHUNK_TRAILER : CHUNK_DATA;
}

/*
 * One byte of a chunked body. Why a parser and not a search for a "0" line and an empty
 * line: those bytes may sit inside chunk data, and a client that sent them there (then
 * "x\n\n" every few seconds, which looked like new requests) reset the deadlines while
 * evhttp was still reading one body. Only the framing ends a body; bytes it does not
 * allow are left to evhttp to reject, and the body deadline still runs.
 */
static void
guard_chunked_byte(struct guard_conn *gc, char ch)
{
	int h;

	switch (gc->chunk_state) {
	case CHUNK_SIZE:
		if ((h = vutil_hexval(ch)) >= 0) {
			gc->chunk_left = gc->chunk_left > GUARD_CHUNK_MAX ? UINT64_MAX :
			    gc->chunk_left << 4 | (uint64_t)h;
			return;
		}
		if (ch == '\n')
			guard_chunk_size_end(gc);
		else if (ch != '\r')
			gc->chunk_state = CHUNK_EXT;
		return;
	case CHUNK_EXT:
		if (ch == '\n')
			guard_chunk_size_end(gc);
		return;
	case CHUNK_DATA:
		if (--gc->chunk_left == 0)
			gc->chunk_state = CHUNK_DATA_END;
		return;
	case CHUNK_DATA_END:
		if (ch == '\n') {
			gc->chunk_state = CHUNK_SIZE;
			gc->chunk_left = 0;
		}
		return;
	case CHUNK_TRAILER:
		if (ch == '\r')
			return;
		if (ch != '\n') {
			gc->line_len++;
			return;
		}
		if (gc->line_len == 0)
			guard_request_done(gc);
		gc->line_len = 0;
		return;
	}
}

/* Follow the plaintext stream: where each request starts, where its headers and body end. */
static void
guard_scan_byte(struct guard_conn *gc, char ch)
{
	switch (gc->phase) {
	case GUARD_IDLE:
		if (ch == '\r' || ch == '\n')
			return;		/* RFC 9112 section 2.2: empty lines before a request */
		gc->line_len = 0;
		gc->content_length = 0;
		gc->chunked = 0;
		gc->chunk_state = CHUNK_SIZE;
		gc->chunk_left = 0;
		guard_arm(gc, GUARD_HEADERS, gc->g->limits.header_timeout_ms);
		/* FALLTHROUGH */
	case GUARD_HEADERS:
		if (ch == '\n') {
			guard_header_line(gc);
			gc->line_len = 0;
		} else if (ch != '\r') {
			if (gc->line_len < GUARD_LINE)
				gc->line[gc->line_len] = ch;
			gc->line_len++;
		}
		return;
	case GUARD_BODY:
		if (gc->chunked)
			guard_chunked_byte(gc, ch);
		else if (--gc->content_length == 0)
			guard_request_done(gc);
		return;
	default:
		return;
	}
}

/* Plaintext was added to (or drained from) the connection's input. */
static void
guard_input(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
	struct guard_conn *gc = arg;
	struct evbuffer_ptr pos;
	struct evbuffer_iovec v[8];
	size_t len = evbuffer_get_length(buf);
	int n;

	gc->scanned -= info->n_deleted < gc->scanned ? info->n_deleted : gc->scanned;
	if (gc->g == NULL || info->n_added == 0 || gc->scanned >= len)
		return;
	/* Plaintext means the handshake is done; its hook runs a little later (deferred). */
	if (gc->phase == GUARD_HANDSHAKE)
		guard_conn_up(NULL, gc);
	while (gc->scanned < len && gc->phase != GUARD_CLOSING && gc->phase != GUARD_ADMIT &&
	    gc->phase != GUARD_HANDSHAKE) {
		if (evbuffer_ptr_set(buf, &pos, gc->scanned, EVBUFFER_PTR_SET) != 0 ||
		    (n = evbuffer_peek(buf, (ev_ssize_t)(len - gc->scanned), &pos, v, 8)) <= 0)
			return;
		for (int i = 0; i < n && i < 8; i++) {
			const char *p = v[i].iov_base;
			size_t take = v[i].iov_len;

			if (take > len - gc->scanned)
				take = len - gc->scanned;
			for (size_t j = 0; j < take; j++)
				guard_scan_byte(gc, p[j]);
			gc->scanned += take;
		}
	}
}

void
guard_conn_h2(struct guard_conn *gc)
{
	if (gc == NULL || gc->g == NULL)
		return;
	/* Binary frames are not HTTP/1.1 lines: scanning them would invent deadlines. */
	evbuffer_remove_cb(bufferevent_get_input(gc->bev), guard_input, gc);
	evtimer_del(gc->timer);
	gc->phase = GUARD_H2;
}

void
guard_conn_timeout(struct guard_conn *gc, int body)
{
	if (gc == NULL || gc->g == NULL)
		return;
	if (body)
		gc->g->stats.body_timeouts++;
	else
		gc->g->stats.header_timeouts++;
	log_debug(LOG_G_LISTEN, "%s: HTTP/2 request %s not complete in time", gc->addr,
	    body ? "body" : "headers");
}

int
guard_conn_peer(const struct guard_conn *gc, struct netaddr *peer)
{
	if (gc == NULL || !gc->counted)
		return -1;
	*peer = gc->peer;
	return 0;
}

struct guard_conn *
guard_conn_new(struct guard *g, struct bufferevent *bev)
{
	struct guard_conn *gc = xcalloc(1, sizeof(*gc));

	gc->g = g;
	gc->bev = bev;
	gc->phase = GUARD_ADMIT;
	snprintf(gc->addr, sizeof(gc->addr), "?");
	if ((gc->admit = event_new(g->base, -1, 0, guard_admit, gc)) == NULL ||
	    (gc->timer = evtimer_new(g->base, guard_timeout, gc)) == NULL ||
	    evbuffer_add_cb(bufferevent_get_input(bev), guard_input, gc) == NULL)
		fatalx("guard: out of memory");
	TAILQ_INSERT_TAIL(&g->conns, gc, entry);
	/* Now, before the loop polls again: evhttp sets the socket right after this returns. */
	event_active(gc->admit, EV_TIMEOUT, 0);
	return gc;
}

void
guard_conn_free(struct guard_conn *gc)
{
	struct guard *g;
	struct guard_bucket *bucket;
	struct guard_addr *a;

	if (gc == NULL)
		return;
	if ((g = gc->g) != NULL) {
		TAILQ_REMOVE(&g->conns, gc, entry);
		event_free(gc->admit);
		event_free(gc->timer);
		if (gc->counted && (a = guard_find(g, &gc->key, &bucket)) != NULL &&
		    --a->count == 0) {
			SLIST_REMOVE(bucket, a, guard_addr, entry);
			free(a);
		}
	}
	free(gc);
}
