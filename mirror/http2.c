/* mirror/http2.c - HTTP/2 connections (nghttp2): every stream into the routes, concurrently. */
#include "autoconf.h"

#include <event2/buffer.h>
#include <event2/event.h>
#include <nghttp2/nghttp2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "guard.h"
#include "http2.h"
#include "log.h"
#include "mirror_config.h"
#include "request.h"
#include "routes.h"
#include "vutil.h"

/*
 * Why HTTP/2: evhttp answers one request per connection at a time, so a question that
 * waits on a slow upstream held every question behind it (issue 13). Here each stream is
 * a request of its own, handed to the same routes as HTTP/1.1, and answered whenever its
 * answer is ready. What an outsider can do with the multiplexing is bounded below.
 */

/*
 * Streams that end before their reply is complete, whoever reset them, allowed: a burst,
 * then a refill rate. Past it the connection ends with GOAWAY(ENHANCE_YOUR_CALM). Why:
 * "rapid reset" (CVE-2023-44487) opens and cancels streams without end, so the stream
 * limit never binds; "MadeYouReset" (CVE-2025-8671) gets the same by making US reset them
 * (a WINDOW_UPDATE overflow, DATA after END_STREAM...), so counting only the client's
 * RST_STREAM frames is not enough. An honest client cancels a handful per minute.
 */
#define HTTP2_RST_BURST 200
#define HTTP2_RST_PER_S 20
/*
 * Request body bytes held over all streams of one connection (bytes), while they arrive
 * and while a route holds them (a POST /dns-query waits for its upstream with its body).
 * Each stream is bounded by limits.max_body; without this, 100 streams each one byte
 * short of it would hold 100 bodies' worth per connection.
 */
#define HTTP2_CONN_BODY_MAX (1024 * 1024)
/*
 * Encrypted output queued but not yet taken by the kernel (bytes) above which no more
 * frames are produced: a client that asks and never reads must not grow our buffers.
 */
#define HTTP2_OUT_MAX (256 * 1024)
/* After GOAWAY, time to flush it and read what the client still sends before closing (ms). */
#define HTTP2_LINGER_MS 1000

enum http2_phase {
	HTTP2_HEADERS,		/* the header block is arriving */
	HTTP2_BODY,		/* headers done, the body is arriving */
	HTTP2_ROUTED		/* handed to the routes (or answered) */
};

struct http2_stream {
	TAILQ_ENTRY(http2_stream) entry;
	struct http2_conn *c;
	int32_t id;
	enum http2_phase phase;
	uint64_t deadline_ms;		/* end of the current phase's deadline */
	enum request_method method;
	int head;			/* HEAD: the reply has no body */
	char *path;
	char *ctype;
	size_t header_bytes;		/* RFC 9113 section 6.5.2 accounting */
	uint8_t *body;
	size_t body_len;
	int too_large;			/* the body passed limits.max_body: answer 413 */
	int reset;			/* we reset it: never routed, its data not taken */
	size_t held;			/* body bytes counted in c->body_bytes until freed */
	struct request *req;		/* while a route holds it */
	struct evbuffer *out;		/* the reply body being sent */
};

struct http2_conn {
	struct http2_env env;
	struct bufferevent *bev;
	struct bufferevent *under;	/* the socket below TLS: its output is watched */
	struct guard_conn *gc;
	nghttp2_session *ng;
	struct event *timer;		/* stream deadlines, idle, linger */
	struct event *flush;		/* deferred nghttp2_session_send */
	/* evhttp's callbacks, given back at the end. */
	bufferevent_data_cb h1_read, h1_write;
	bufferevent_event_cb h1_event;
	void *h1_arg;
	TAILQ_HEAD(, http2_stream) streams;
	size_t n_streams;
	size_t body_bytes;		/* buffered over all streams */
	uint64_t idle_since_ms;		/* the last stream closed (0: streams open) */
	uint64_t write_ms;		/* output last taken by the kernel, or queued anew */
	uint64_t linger_until_ms;	/* closing: give up flushing then (0: not closing) */
	double rst_tokens;		/* rapid-reset bucket */
	uint64_t rst_last_ms;
	int detached;			/* given back to evhttp; nothing more to do */
	int sending;			/* inside http2_send_frames */
};

static void http2_close(struct http2_conn *c);
static void http2_arm(struct http2_conn *c);

static struct http2_stream *
http2_stream_get(struct http2_conn *c, int32_t id)
{
	return nghttp2_session_get_stream_user_data(c->ng, id);
}

static void
http2_stream_free(struct http2_stream *st)
{
	struct http2_conn *c = st->c;
	struct request *req = st->req;

	TAILQ_REMOVE(&c->streams, st, entry);
	c->n_streams--;
	c->body_bytes -= st->body_len + st->held;
	if (c->n_streams == 0)
		c->idle_since_ms = now_ms();
	st->req = NULL;
	if (req != NULL)
		request_abandon(req);	/* stops the lookup: nobody is left to answer */
	free(st->path);
	free(st->ctype);
	free(st->body);
	if (st->out != NULL)
		evbuffer_free(st->out);
	free(st);
}

/* The reply body, read by nghttp2 as flow control allows. */
static ssize_t
http2_read_body(nghttp2_session *ng, int32_t id, uint8_t *buf, size_t len, uint32_t *flags,
    nghttp2_data_source *src, void *arg)
{
	struct http2_stream *st = src->ptr;
	int n;

	(void)ng;
	(void)id;
	(void)arg;
	n = evbuffer_remove(st->out, buf, len);
	if (n < 0)
		return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
	if (evbuffer_get_length(st->out) == 0)
		*flags |= NGHTTP2_DATA_FLAG_EOF;
	return n;
}

/* Header names are lower case in HTTP/2 (RFC 9113 section 8.2.1). */
static void
http2_lower(char *dst, const char *src, size_t cap)
{
	size_t i;

	for (i = 0; i + 1 < cap && src[i] != '\0'; i++)
		dst[i] = (char)(src[i] >= 'A' && src[i] <= 'Z' ? src[i] - 'A' + 'a' : src[i]);
	dst[i] = '\0';
}

#define HTTP2_NV(n, v) { (uint8_t *)(n), (uint8_t *)(v), strlen(n), strlen(v), \
	NGHTTP2_NV_FLAG_NONE }

/* request_transport.send: queue the reply of the request's stream. */
static void
http2_send(struct request *r, int status, struct evbuffer *body)
{
	struct http2_stream *st = r->tctx;
	struct http2_conn *c = st->c;
	char names[REQUEST_MAX_HEADERS][REQUEST_HEADER_NAME], code[8], clen[24];
	nghttp2_nv nv[REQUEST_MAX_HEADERS + 2];
	nghttp2_data_provider dp;
	size_t n = 0, i;

	st->req = NULL;
	if (c->detached || (st->out = evbuffer_new()) == NULL)
		return;
	if (body != NULL && !st->head)
		evbuffer_add_buffer(st->out, body);
	snprintf(code, sizeof(code), "%d", status);
	snprintf(clen, sizeof(clen), "%zu", evbuffer_get_length(st->out));
	nv[n++] = (nghttp2_nv)HTTP2_NV(":status", code);
	for (i = 0; i < r->n_hdr; i++) {
		http2_lower(names[i], r->hdr[i].name, sizeof(names[i]));
		nv[n++] = (nghttp2_nv)HTTP2_NV(names[i], r->hdr[i].value);
	}
	nv[n++] = (nghttp2_nv)HTTP2_NV("content-length", clen);
	dp.source.ptr = st;
	dp.read_callback = http2_read_body;
	/*
	 * The reply must be taken in time: a client that sets its window to 0, or never
	 * reads, must not hold the stream (and our copy of the reply) for ever. Each DATA
	 * frame sent renews it (http2_on_frame_send).
	 */
	st->deadline_ms = now_ms() + (*c->env.cfg)->limits.idle_timeout_ms;
	if (nghttp2_submit_response(c->ng, st->id, nv, n,
	    evbuffer_get_length(st->out) > 0 ? &dp : NULL) != 0)
		nghttp2_submit_rst_stream(c->ng, NGHTTP2_FLAG_NONE, st->id,
		    NGHTTP2_INTERNAL_ERROR);
	/* Answers that arrive later (an upstream's) go out without waiting for input. */
	event_active(c->flush, EV_WRITE, 0);
}

/* request_transport.release: a route dropped the request; the stream is reset. */
static void
http2_release(struct request *r)
{
	struct http2_stream *st = r->tctx;

	st->req = NULL;
	if (!st->c->detached) {
		nghttp2_submit_rst_stream(st->c->ng, NGHTTP2_FLAG_NONE, st->id,
		    NGHTTP2_INTERNAL_ERROR);
		event_active(st->c->flush, EV_WRITE, 0);
	}
}

static const struct request_transport http2_transport = { http2_send, http2_release };

/* The stream's request is complete: into the routes, as an HTTP/1.1 one would go. */
static void
http2_route(struct http2_conn *c, struct http2_stream *st)
{
	struct request *r;

	st->phase = HTTP2_ROUTED;
	st->deadline_ms = 0;
	if ((r = request_new(&http2_transport, st, st->method,
	    st->path != NULL ? st->path : "")) == NULL ||
	    request_set_content_type(r, st->ctype) != 0) {
		request_drop(r);
		nghttp2_submit_rst_stream(c->ng, NGHTTP2_FLAG_NONE, st->id,
		    NGHTTP2_INTERNAL_ERROR);
		return;
	}
	st->req = r;
	if (st->too_large) {
		routes_fail(c->env.routes, r, 413, "too-large", "the request body is over limits.max_body");
		return;
	}
	/* Still counted while the route holds it: released with the stream. */
	st->held = st->body_len;
	request_set_body(r, st->body, st->body_len);
	st->body = NULL;
	st->body_len = 0;
	r->has_client = c->gc != NULL && guard_conn_peer(c->gc, &r->client) == 0;
	routes_handle(c->env.routes, r);
}

static int
http2_on_begin_headers(nghttp2_session *ng, const nghttp2_frame *f, void *arg)
{
	struct http2_conn *c = arg;
	struct http2_stream *st;

	if (f->hd.type != NGHTTP2_HEADERS || f->headers.cat != NGHTTP2_HCAT_REQUEST)
		return 0;
	if ((st = calloc(1, sizeof(*st))) == NULL)
		return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
	st->c = c;
	st->id = f->hd.stream_id;
	st->method = REQUEST_OTHER;
	st->phase = HTTP2_HEADERS;
	st->deadline_ms = now_ms() + (*c->env.cfg)->limits.header_timeout_ms;
	TAILQ_INSERT_TAIL(&c->streams, st, entry);
	c->n_streams++;
	c->idle_since_ms = 0;
	nghttp2_session_set_stream_user_data(ng, st->id, st);
	return 0;
}

static int
http2_on_header(nghttp2_session *ng, const nghttp2_frame *f, const uint8_t *name,
    size_t namelen, const uint8_t *value, size_t valuelen, uint8_t flags, void *arg)
{
	struct http2_conn *c = arg;
	struct http2_stream *st = http2_stream_get(c, f->hd.stream_id);
	char **slot = NULL;

	(void)ng;
	(void)flags;
	if (st == NULL || f->hd.type != NGHTTP2_HEADERS)
		return 0;
	/* The limit evhttp applies to an HTTP/1.1 head, counted as SETTINGS counts it. */
	st->header_bytes += namelen + valuelen + 32;
	if (st->header_bytes > (*c->env.cfg)->limits.max_header)
		return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;	/* resets this stream */
	if (namelen == 7 && memcmp(name, ":method", 7) == 0) {
		st->method = valuelen == 3 && memcmp(value, "GET", 3) == 0 ? REQUEST_GET :
		    valuelen == 4 && memcmp(value, "POST", 4) == 0 ? REQUEST_POST : REQUEST_OTHER;
		st->head = valuelen == 4 && memcmp(value, "HEAD", 4) == 0;
	} else if (namelen == 5 && memcmp(name, ":path", 5) == 0) {
		slot = &st->path;
	} else if (namelen == 12 && memcmp(name, "content-type", 12) == 0) {
		slot = &st->ctype;
	}
	if (slot != NULL) {
		free(*slot);
		if ((*slot = strndup((const char *)value, valuelen)) == NULL)
			return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
	}
	return 0;
}

static int
http2_on_data(nghttp2_session *ng, uint8_t flags, int32_t id, const uint8_t *data,
    size_t len, void *arg)
{
	struct http2_conn *c = arg;
	struct http2_stream *st = http2_stream_get(c, id);
	uint8_t *nb;

	(void)flags;
	if (st == NULL || st->phase != HTTP2_BODY || st->too_large || st->reset)
		return 0;
	if (st->body_len + len > (*c->env.cfg)->limits.max_body) {
		/* Like evhttp: 413 once the client is done; what it still sends is dropped. */
		st->too_large = 1;
		c->body_bytes -= st->body_len;
		free(st->body);
		st->body = NULL;
		st->body_len = 0;
		return 0;
	}
	if (c->body_bytes + len > HTTP2_CONN_BODY_MAX) {
		/*
		 * Reset, and remembered: a later DATA with END_STREAM (already on its way)
		 * must not route what is left, a body with a hole in it.
		 */
		st->reset = 1;
		nghttp2_submit_rst_stream(ng, NGHTTP2_FLAG_NONE, id, NGHTTP2_ENHANCE_YOUR_CALM);
		return 0;
	}
	if ((nb = realloc(st->body, st->body_len + len)) == NULL)
		return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
	memcpy(nb + st->body_len, data, len);
	st->body = nb;
	st->body_len += len;
	c->body_bytes += len;
	return 0;
}

/* A stream ended unanswered: one token of the reset bucket. 0, or -1 when it is empty. */
static int
http2_count_reset(struct http2_conn *c)
{
	uint64_t now = now_ms();

	c->rst_tokens += (double)(now - c->rst_last_ms) * HTTP2_RST_PER_S / 1000.0;
	if (c->rst_tokens > HTTP2_RST_BURST)
		c->rst_tokens = HTTP2_RST_BURST;
	c->rst_last_ms = now;
	if (c->rst_tokens < 1.0)
		return -1;
	c->rst_tokens -= 1.0;
	return 0;
}

static int
http2_on_frame(nghttp2_session *ng, const nghttp2_frame *f, void *arg)
{
	struct http2_conn *c = arg;
	struct http2_stream *st;

	if ((f->hd.type != NGHTTP2_HEADERS && f->hd.type != NGHTTP2_DATA) ||
	    (st = http2_stream_get(c, f->hd.stream_id)) == NULL || st->phase == HTTP2_ROUTED ||
	    st->reset)
		return 0;
	if (f->hd.type == NGHTTP2_HEADERS && st->phase == HTTP2_HEADERS) {
		st->phase = HTTP2_BODY;
		st->deadline_ms = now_ms() + (*c->env.cfg)->limits.body_timeout_ms;
	}
	if (f->hd.flags & NGHTTP2_FLAG_END_STREAM)
		http2_route(c, st);
	return 0;
}

static int
http2_on_close(nghttp2_session *ng, int32_t id, uint32_t code, void *arg)
{
	struct http2_conn *c = arg;
	struct http2_stream *st = nghttp2_session_get_stream_user_data(ng, id);

	if (st == NULL)
		return 0;
	nghttp2_session_set_stream_user_data(ng, id, NULL);
	/*
	 * Ended before its reply was complete, by the client's RST_STREAM or by one of
	 * ours that the client provoked: either way its work was for nothing (see
	 * HTTP2_RST_BURST).
	 */
	if ((code != NGHTTP2_NO_ERROR || st->req != NULL) && !c->detached &&
	    http2_count_reset(c) != 0) {
		log_info(LOG_G_HTTP, "HTTP/2: too many streams reset: GOAWAY");
		nghttp2_session_terminate_session(ng, NGHTTP2_ENHANCE_YOUR_CALM);
	}
	http2_stream_free(st);
	return 0;
}

/* A DATA frame of a reply went out: the client is reading, its stream may go on. */
static int
http2_on_frame_send(nghttp2_session *ng, const nghttp2_frame *f, void *arg)
{
	struct http2_conn *c = arg;
	struct http2_stream *st;

	if (f->hd.type == NGHTTP2_DATA &&
	    (st = nghttp2_session_get_stream_user_data(ng, f->hd.stream_id)) != NULL &&
	    st->phase == HTTP2_ROUTED && st->deadline_ms != 0)
		st->deadline_ms = now_ms() + (*c->env.cfg)->limits.idle_timeout_ms;
	return 0;
}

static size_t
http2_out_queued(struct http2_conn *c)
{
	return evbuffer_get_length(bufferevent_get_output(c->bev)) +
	    evbuffer_get_length(bufferevent_get_output(c->under));
}

/* Produce frames while nghttp2 has some and the client is reading them. */
static void
http2_send_frames(struct http2_conn *c)
{
	const uint8_t *data;
	ssize_t n = 0;

	if (c->detached || c->sending)
		return;
	c->sending = 1;
	while (http2_out_queued(c) < HTTP2_OUT_MAX &&
	    (n = nghttp2_session_mem_send(c->ng, &data)) > 0)
		if (bufferevent_write(c->bev, data, (size_t)n) != 0)
			break;
	c->sending = 0;
	if (n < 0) {
		http2_close(c);
		return;
	}
	if (!nghttp2_session_want_read(c->ng) && !nghttp2_session_want_write(c->ng))
		http2_close(c);
	else
		http2_arm(c);
}

static void
http2_flush_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	http2_send_frames(arg);
}

static void
http2_read_cb(struct bufferevent *bev, void *arg)
{
	struct http2_conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	struct evbuffer_iovec v[4];
	ssize_t r;
	int i, n;

	if (c->linger_until_ms != 0) {
		/* Closing: read and drop (see http2_close). */
		evbuffer_drain(in, evbuffer_get_length(in));
		return;
	}
	while (!c->detached && evbuffer_get_length(in) > 0) {
		n = evbuffer_peek(in, -1, NULL, v, 4);
		for (i = 0; i < n && i < 4; i++) {
			r = nghttp2_session_mem_recv(c->ng, v[i].iov_base, v[i].iov_len);
			if (r < 0) {
				/* Bad framing, a flood nghttp2 caught: the session is over. */
				log_debug(LOG_G_HTTP, "HTTP/2: %s: closing", nghttp2_strerror((int)r));
				evbuffer_drain(in, evbuffer_get_length(in));
				http2_close(c);
				event_active(c->flush, EV_WRITE, 0);	/* its GOAWAY, if any */
				return;
			}
			evbuffer_drain(in, (size_t)r);
		}
		if (c->detached)
			return;
	}
	http2_send_frames(c);
}

static void
http2_write_cb(struct bufferevent *bev, void *arg)
{
	(void)bev;
	http2_send_frames(arg);
}

/* The kernel took some of our output: there may be room for more frames. */
static void
http2_under_drained(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
	struct http2_conn *c = arg;

	(void)buf;
	/* Taken by the kernel, or queued on an empty buffer: the no-progress clock restarts. */
	if ((info->n_deleted > 0 || info->orig_size == 0) && !c->detached)
		c->write_ms = now_ms();
	if (info->n_deleted > 0 && !c->detached)
		event_active(c->flush, EV_WRITE, 0);
}

static void
http2_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct http2_conn *c = arg;

	(void)bev;
	(void)what;
	/* End of file, an error, a guard timeout: nothing more to read or write. */
	c->linger_until_ms = 1;
	http2_close(c);
}

/* Whether the stream's deadline passed: a header block or body that never ends. */
static int
http2_check_stream(struct http2_conn *c, struct http2_stream *st, uint64_t now)
{
	if (st->deadline_ms == 0 || now < st->deadline_ms)
		return 0;
	if (st->phase != HTTP2_ROUTED)
		guard_conn_timeout(c->gc, st->phase == HTTP2_BODY);
	else
		log_debug(LOG_G_HTTP, "HTTP/2: a reply not taken in time: reset");
	st->deadline_ms = 0;
	if (st->phase == HTTP2_HEADERS) {
		/* No other frame may pass an unfinished header block: the connection is stuck. */
		nghttp2_session_terminate_session(c->ng, NGHTTP2_PROTOCOL_ERROR);
		return 1;
	}
	nghttp2_submit_rst_stream(c->ng, NGHTTP2_FLAG_NONE, st->id, NGHTTP2_CANCEL);
	return 0;
}

static void
http2_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct http2_conn *c = arg;
	struct http2_stream *st, *next;
	uint64_t now = now_ms();

	(void)fd;
	(void)what;
	if (c->detached)
		return;
	if (c->linger_until_ms != 0 && now >= c->linger_until_ms) {
		c->linger_until_ms = 1;
		http2_close(c);
		return;
	}
	for (st = TAILQ_FIRST(&c->streams); st != NULL; st = next) {
		next = TAILQ_NEXT(st, entry);
		if (http2_check_stream(c, st, now))
			break;
	}
	if (http2_out_queued(c) > 0 &&
	    now >= c->write_ms + (*c->env.cfg)->limits.idle_timeout_ms) {
		/* The client takes nothing: flushing a GOAWAY would wait on it too. */
		log_debug(LOG_G_HTTP, "HTTP/2: no write progress: closing");
		c->linger_until_ms = 1;
		http2_close(c);
		return;
	}
	if (c->n_streams == 0 && c->idle_since_ms != 0 &&
	    now >= c->idle_since_ms + (*c->env.cfg)->limits.idle_timeout_ms) {
		log_debug(LOG_G_HTTP, "HTTP/2: idle: GOAWAY");
		nghttp2_session_terminate_session(c->ng, NGHTTP2_NO_ERROR);
		/*
		 * Acted on once: the deadline is over, and the linger bounds the close even
		 * if the GOAWAY cannot be written (a full output buffer would otherwise
		 * re-arm this past deadline at 0 s for ever, a busy loop).
		 */
		c->idle_since_ms = 0;
		if (c->linger_until_ms == 0)
			c->linger_until_ms = now + HTTP2_LINGER_MS;
	}
	http2_send_frames(c);
}

/* The timer: the earliest stream deadline, the idle deadline, or the end of lingering. */
static void
http2_arm(struct http2_conn *c)
{
	uint64_t when = UINT64_MAX, now = now_ms(), d;
	struct http2_stream *st;
	struct timeval tv;

	if (c->detached)
		return;
	if (c->linger_until_ms > 1)
		when = c->linger_until_ms;
	TAILQ_FOREACH(st, &c->streams, entry)
		if (st->deadline_ms != 0 && st->deadline_ms < when)
			when = st->deadline_ms;
	if (c->n_streams == 0 && c->idle_since_ms != 0 &&
	    (d = c->idle_since_ms + (*c->env.cfg)->limits.idle_timeout_ms) < when)
		when = d;
	if (http2_out_queued(c) > 0 &&
	    (d = c->write_ms + (*c->env.cfg)->limits.idle_timeout_ms) < when)
		when = d;
	if (when == UINT64_MAX) {
		evtimer_del(c->timer);
		return;
	}
	d = when > now ? when - now : 0;
	tv.tv_sec = (time_t)(d / 1000);
	tv.tv_usec = (suseconds_t)(d % 1000 * 1000);
	evtimer_add(c->timer, &tv);
}

/* Stop everything of ours: the streams' work, the session, the timers. */
static void
http2_teardown(struct http2_conn *c)
{
	struct http2_stream *st;

	if (c->detached)
		return;
	c->detached = 1;
	while ((st = TAILQ_FIRST(&c->streams)) != NULL)
		http2_stream_free(st);
	nghttp2_session_del(c->ng);
	c->ng = NULL;
	event_free(c->timer);
	event_free(c->flush);
	c->timer = c->flush = NULL;
	/* Also from the TLS free hook: the socket bufferevent is freed only after it. */
	evbuffer_remove_cb(bufferevent_get_output(c->under), http2_under_drained, c);
}

/*
 * End the connection: give bev back to evhttp with an end-of-file event, which frees it.
 * Not at once: for HTTP2_LINGER_MS (or until the client closes) our last frames (a
 * GOAWAY) go out while what the client still sends is read and dropped. Why: closing a
 * socket with unread input makes the kernel send a reset, and a reset makes the client's
 * kernel drop the GOAWAY it had not read yet, so the client never learns why.
 */
static void
http2_close(struct http2_conn *c)
{
	if (c->detached)
		return;
	if (c->linger_until_ms == 0)
		c->linger_until_ms = now_ms() + HTTP2_LINGER_MS;
	if (c->linger_until_ms != 1) {
		http2_arm(c);
		return;
	}
	http2_teardown(c);
	bufferevent_setcb(c->bev, c->h1_read, c->h1_write, c->h1_event, c->h1_arg);
	bufferevent_trigger_event(c->bev, BEV_EVENT_EOF | BEV_EVENT_READING,
	    BEV_TRIG_DEFER_CALLBACKS);
}

static nghttp2_session *
http2_session(struct http2_conn *c)
{
	nghttp2_session_callbacks *cbs;
	nghttp2_option *opt;
	nghttp2_session *ng = NULL;
	nghttp2_settings_entry set[] = {
		{ NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, HTTP2_MAX_STREAMS },
		{ NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, (uint32_t)(*c->env.cfg)->limits.max_header },
		{ NGHTTP2_SETTINGS_ENABLE_PUSH, 0 },
	};

	if (nghttp2_session_callbacks_new(&cbs) != 0)
		return NULL;
	if (nghttp2_option_new(&opt) != 0) {
		nghttp2_session_callbacks_del(cbs);
		return NULL;
	}
	nghttp2_session_callbacks_set_on_begin_headers_callback(cbs, http2_on_begin_headers);
	nghttp2_session_callbacks_set_on_header_callback(cbs, http2_on_header);
	nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, http2_on_data);
	nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, http2_on_frame);
	nghttp2_session_callbacks_set_on_stream_close_callback(cbs, http2_on_close);
	nghttp2_session_callbacks_set_on_frame_send_callback(cbs, http2_on_frame_send);
	/*
	 * nghttp2's own flood limits stay on: unanswered PING and SETTINGS acknowledgements
	 * (max_outbound_ack), entries per SETTINGS frame, CONTINUATION frames per header
	 * block; each ends the session, which ends the connection.
	 */
	nghttp2_option_set_max_outbound_ack(opt, 1000);
	nghttp2_option_set_max_settings(opt, 32);
	nghttp2_option_set_max_continuations(opt, 8);
	if (nghttp2_session_server_new2(&ng, cbs, c, opt) == 0 &&
	    nghttp2_submit_settings(ng, NGHTTP2_FLAG_NONE, set, sizeof(set) / sizeof(set[0])) != 0) {
		nghttp2_session_del(ng);
		ng = NULL;
	}
	nghttp2_option_del(opt);
	nghttp2_session_callbacks_del(cbs);
	return ng;
}

struct http2_conn *
http2_conn_new(const struct http2_env *env, struct bufferevent *bev, struct guard_conn *gc)
{
	struct http2_conn *c = calloc(1, sizeof(*c));
	struct bufferevent *under = bufferevent_get_underlying(bev);

	if (c == NULL)
		return NULL;
	c->env = *env;
	c->bev = bev;
	c->under = under;
	c->gc = gc;
	TAILQ_INIT(&c->streams);
	c->rst_tokens = HTTP2_RST_BURST;
	c->rst_last_ms = c->idle_since_ms = c->write_ms = now_ms();
	if ((c->ng = http2_session(c)) == NULL ||
	    (c->timer = evtimer_new(env->base, http2_timer_cb, c)) == NULL ||
	    (c->flush = event_new(env->base, -1, 0, http2_flush_cb, c)) == NULL ||
	    under == NULL ||
	    evbuffer_add_cb(bufferevent_get_output(under), http2_under_drained, c) == NULL) {
			if (c->ng != NULL)
			nghttp2_session_del(c->ng);
		if (c->timer != NULL)
			event_free(c->timer);
		if (c->flush != NULL)
			event_free(c->flush);
		free(c);
		return NULL;
	}
	/* evhttp's timeouts would end a busy HTTP/2 connection: ours apply instead. */
	bufferevent_getcb(bev, &c->h1_read, &c->h1_write, &c->h1_event, &c->h1_arg);
	bufferevent_setcb(bev, http2_read_cb, http2_write_cb, http2_event_cb, c);
	bufferevent_set_timeouts(bev, NULL, NULL);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
	/* Our SETTINGS go out with the first reply (or now, if the client waits for them). */
	event_active(c->flush, EV_WRITE, 0);
	return c;
}

void
http2_conn_free(struct http2_conn *c)
{
	if (c == NULL)
		return;
	c->bev = NULL;	/* being freed: its buffers are not ours to touch any more */
	http2_teardown(c);
	free(c);
}
