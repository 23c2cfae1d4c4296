/* resolver/mirror_h2.c - an HTTP/2 client session (libnghttp2) on a mirror's TLS bufferevent. */
#include "autoconf.h"
#include "mirror_h2.h"

#include <event2/buffer.h>
#include <event2/event.h>
#include <nghttp2/nghttp2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "vutil.h"

/*
 * Header bytes (names, values and RFC 9113's 32 octets of overhead each) one response may
 * carry: a DoH answer has a handful of short headers; 16 KiB is HTTP/1.1's bound here too.
 */
#define MIRROR_H2_MAX_HEADER 16384
/*
 * CONTINUATION frames one header block may have. A real server needs none for a DoH
 * answer; an endless run of empty ones costs us CPU and never yields a header to bound
 * (the CONTINUATION flood, CVE-2024-27316 and kin), so the connection is dropped.
 */
#define MIRROR_H2_MAX_CONTINUATIONS 8
/*
 * SETTINGS frames the server may send: a burst of this many, then one a second. A server
 * sends one at the start and rarely another; each costs us an ACK (the SETTINGS flood).
 */
#define MIRROR_H2_SETTINGS_BURST 16
/*
 * Bytes we let wait to be sent (the plaintext in the TLS filter plus the ciphertext in the
 * socket's output). Past it nghttp2 keeps its frames, so that its own flood limit (1000
 * queued PING and SETTINGS ACKs and RST_STREAMs) fires on a server that makes us answer
 * faster than it reads; before, every ACK went to our buffers and a PING flood read slowly
 * grew us at the flood's rate. 300 questions are about 60 KB.
 */
#define MIRROR_H2_MAX_UNSENT (256 * 1024)
/* How long our output may stay over that bound before the connection is dropped. */
#define MIRROR_H2_UNSENT_MS 5000
/*
 * Streams that timed out and were forgotten rather than reset, at most (and at most half
 * the server's limit): RST_STREAM for each one, under load with a slow resolver, looks like
 * the rapid-reset attack to the server (GOAWAY ENHANCE_YOUR_CALM).
 */
#define MIRROR_H2_MAX_FORGOTTEN 32
/* Our first allocation for a response body (bytes): most DNS answers fit. */
#define MIRROR_H2_BODY_START 512

struct h2_stream {
	TAILQ_ENTRY(h2_stream) entry;	/* h->open, then h->done once closed */
	int32_t id;
	mirror_h2_cb cb;	/* NULL: cancelled */
	void *arg;
	uint8_t *req;		/* the request body */
	size_t req_len, req_off;
	int status;
	char ct[96];		/* Content-Type ("" none; "?" too long to be ours) */
	size_t hdr_bytes;
	uint8_t *body;
	size_t body_len, body_cap, max_body;
	int complete;		/* END_STREAM received */
	uint32_t error_code;	/* of the stream's close */
	char fail[96];		/* why we ended it ("" we did not) */
	int forgotten;		/* timed out, left open without RST_STREAM */
};
TAILQ_HEAD(h2_list, h2_stream);

struct mirror_h2 {
	struct bufferevent *bev;
	nghttp2_session *s;
	char *authority;
	struct h2_list open, done;
	int busy;		/* inside our callbacks: free later */
	int dead;		/* mirror_h2_free was called while busy */
	int closed;
	int goaway;
	http_close_cb close_cb;
	void *close_arg;
	char why[128];		/* a fatal reason found in a frame callback */
	unsigned conts;		/* CONTINUATION frames of the current header block */
	uint64_t answer_us;	/* when a response frame last came, on any stream */
	unsigned settings_tokens;
	uint64_t settings_at_us;	/* when the tokens were last refilled */
	struct event *later;	/* deferred: resume sending, deliver closed streams */
	uint64_t full_us;	/* since when our output is over MIRROR_H2_MAX_UNSENT (0: not) */
	unsigned forgotten;	/* open streams forgotten without a reset */
};

static void
h2_stream_free(struct h2_stream *st)
{
	free(st->req);
	free(st->body);
	free(st);
}

static void h2_out_drained(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg);

static void
h2_destroy(struct mirror_h2 *h)
{
	struct h2_stream *st;

	/* nghttp2_session_del calls no stream callback; our streams are freed by hand. */
	nghttp2_session_del(h->s);
	while ((st = TAILQ_FIRST(&h->open)) != NULL) {
		TAILQ_REMOVE(&h->open, st, entry);
		h2_stream_free(st);
	}
	while ((st = TAILQ_FIRST(&h->done)) != NULL) {
		TAILQ_REMOVE(&h->done, st, entry);
		h2_stream_free(st);
	}
	if (h->later != NULL)
		event_free(h->later);
	if (h->bev != NULL && bufferevent_get_underlying(h->bev) != NULL)
		evbuffer_remove_cb(bufferevent_get_output(bufferevent_get_underlying(h->bev)),
		    h2_out_drained, h);
	bufferevent_free(h->bev);
	free(h->authority);
	free(h);
}

/* End the connection once and tell the owner; streams get no callback (see mirror_h2_cb). */
static void
h2_close(struct mirror_h2 *h, const char *why)
{
	if (h->closed)
		return;
	h->closed = 1;
	bufferevent_disable(h->bev, EV_READ | EV_WRITE);
	if (h->close_cb != NULL && !h->dead) {
		h->busy++;
		h->close_cb(h->close_arg, why);
		h->busy--;
	}
}

/* What waits to be sent: plaintext in the TLS filter and ciphertext in the socket's output. */
static size_t
h2_unsent(const struct mirror_h2 *h)
{
	struct bufferevent *under = bufferevent_get_underlying(h->bev);
	size_t n = evbuffer_get_length(bufferevent_get_output(h->bev));

	return n + (under != NULL ? evbuffer_get_length(bufferevent_get_output(under)) : 0);
}

/*
 * Hand nghttp2's pending frames to the TLS filter (it batches them into records), while
 * less than MIRROR_H2_MAX_UNSENT waits; the rest stays in nghttp2 (see there). 0, or -1
 * with h->why set when the connection must end.
 */
static int
h2_flush(struct mirror_h2 *h)
{
	struct evbuffer *out = bufferevent_get_output(h->bev);
	const uint8_t *d;
	ssize_t n = 0;

	if (h->closed)
		return -1;
	while (h2_unsent(h) < MIRROR_H2_MAX_UNSENT) {
		if ((n = nghttp2_session_mem_send(h->s, &d)) <= 0)
			break;
		if (evbuffer_add(out, d, (size_t)n) != 0)
			return -1;
	}
	if (n < 0)
		return -1;
	if (h2_unsent(h) < MIRROR_H2_MAX_UNSENT)
		h->full_us = 0;
	else if (h->full_us == 0)
		h->full_us = now_us();
	else if (now_us() - h->full_us >= (uint64_t)MIRROR_H2_UNSENT_MS * 1000) {
		snprintf(h->why, sizeof(h->why), "HTTP/2: the server does not read what we send "
		    "(over %d KiB waiting for %d s)", MIRROR_H2_MAX_UNSENT / 1024,
		    MIRROR_H2_UNSENT_MS / 1000);
		return -1;
	}
	return 0;
}

/* The socket's output drained: send what nghttp2 kept back (from the loop: we are in a write). */
static void
h2_out_drained(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
	struct mirror_h2 *h = arg;

	if (info->n_deleted > 0 && h->full_us != 0 && !h->closed &&
	    evbuffer_get_length(buf) < MIRROR_H2_MAX_UNSENT / 2)
		event_active(h->later, EV_WRITE, 0);
}

/* ---- nghttp2 callbacks ---- */

static int
h2_on_begin_frame(nghttp2_session *s, const nghttp2_frame_hd *hd, void *arg)
{
	struct mirror_h2 *h = arg;
	uint64_t now;

	(void)s;
	if (hd->type == NGHTTP2_HEADERS)
		h->conts = 0;
	else if (hd->type == NGHTTP2_CONTINUATION && ++h->conts > MIRROR_H2_MAX_CONTINUATIONS) {
		snprintf(h->why, sizeof(h->why), "HTTP/2: more than %d CONTINUATION frames",
		    MIRROR_H2_MAX_CONTINUATIONS);
		return NGHTTP2_ERR_CALLBACK_FAILURE;
	}
	if (hd->type == NGHTTP2_SETTINGS && !(hd->flags & NGHTTP2_FLAG_ACK)) {
		now = now_us();
		if (now - h->settings_at_us >= 1000000) {
			h->settings_at_us = now;
			if (h->settings_tokens < MIRROR_H2_SETTINGS_BURST)
				h->settings_tokens++;
		}
		if (h->settings_tokens == 0) {
			snprintf(h->why, sizeof(h->why), "HTTP/2: SETTINGS flood");
			return NGHTTP2_ERR_CALLBACK_FAILURE;
		}
		h->settings_tokens--;
	}
	return 0;
}

static int
h2_on_begin_headers(nghttp2_session *s, const nghttp2_frame *frame, void *arg)
{
	struct h2_stream *st = nghttp2_session_get_stream_user_data(s, frame->hd.stream_id);

	(void)arg;
	/* A 1xx response comes first sometimes: the final one starts afresh. */
	if (st != NULL && frame->headers.cat == NGHTTP2_HCAT_RESPONSE) {
		st->status = 0;
		st->ct[0] = '\0';
	}
	return 0;
}

static int
h2_on_header(nghttp2_session *s, const nghttp2_frame *frame, const uint8_t *name, size_t namelen,
    const uint8_t *value, size_t valuelen, uint8_t flags, void *arg)
{
	struct h2_stream *st = nghttp2_session_get_stream_user_data(s, frame->hd.stream_id);

	(void)flags;
	(void)arg;
	if (st == NULL || frame->hd.type != NGHTTP2_HEADERS)
		return 0;
	st->hdr_bytes += namelen + valuelen + 32;
	if (st->hdr_bytes > MIRROR_H2_MAX_HEADER) {
		snprintf(st->fail, sizeof(st->fail), "response header too large");
		return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;	/* resets this stream only */
	}
	if (frame->headers.cat == NGHTTP2_HCAT_HEADERS)
		return 0;	/* trailers: counted, otherwise ignored */
	/* nghttp2 checked :status is three digits (RFC 9113 section 8.3.2). */
	if (namelen == 7 && memcmp(name, ":status", 7) == 0 && valuelen == 3)
		st->status = (value[0] - '0') * 100 + (value[1] - '0') * 10 + (value[2] - '0');
	else if (namelen == 12 && memcmp(name, "content-type", 12) == 0) {
		if (valuelen < sizeof(st->ct)) {
			memcpy(st->ct, value, valuelen);
			st->ct[valuelen] = '\0';
		} else
			snprintf(st->ct, sizeof(st->ct), "?");
	}
	return 0;
}

static int
h2_on_data(nghttp2_session *s, uint8_t flags, int32_t sid, const uint8_t *data, size_t len,
    void *arg)
{
	struct h2_stream *st = nghttp2_session_get_stream_user_data(s, sid);
	size_t cap;
	uint8_t *p;

	(void)flags;
	(void)arg;
	if (st == NULL || st->fail[0] != '\0')
		return 0;
	if (len > st->max_body - st->body_len) {
		snprintf(st->fail, sizeof(st->fail), "response body too large (over %zu bytes)",
		    st->max_body);
		nghttp2_submit_rst_stream(s, NGHTTP2_FLAG_NONE, sid, NGHTTP2_CANCEL);
		return 0;
	}
	if (st->body_len + len > st->body_cap) {
		cap = st->body_cap ? st->body_cap : MIRROR_H2_BODY_START;
		while (cap < st->body_len + len)
			cap *= 2;
		if (cap > st->max_body)
			cap = st->max_body;
		if ((p = realloc(st->body, cap)) == NULL) {
			snprintf(st->fail, sizeof(st->fail), "out of memory");
			nghttp2_submit_rst_stream(s, NGHTTP2_FLAG_NONE, sid, NGHTTP2_CANCEL);
			return 0;
		}
		st->body = p;
		st->body_cap = cap;
	}
	memcpy(st->body + st->body_len, data, len);
	st->body_len += len;
	return 0;
}

static int
h2_on_frame(nghttp2_session *s, const nghttp2_frame *frame, void *arg)
{
	struct mirror_h2 *h = arg;
	struct h2_stream *st;

	if (frame->hd.type == NGHTTP2_GOAWAY)
		h->goaway = 1;
	if ((frame->hd.type != NGHTTP2_HEADERS && frame->hd.type != NGHTTP2_DATA) ||
	    (st = nghttp2_session_get_stream_user_data(s, frame->hd.stream_id)) == NULL)
		return 0;
	/*
	 * The server is alive: a frame nghttp2 accepted, on a stream we still hold (forgotten
	 * ones too: a slow server's late answers). Not from on_begin_frame: a frame on a stream
	 * nghttp2 then ignores would keep a server that answers nothing (while it floods us)
	 * from ever being found stalled.
	 */
	h->answer_us = now_us();
	if (frame->hd.flags & NGHTTP2_FLAG_END_STREAM)
		st->complete = 1;
	return 0;
}

static int
h2_on_close(nghttp2_session *s, int32_t sid, uint32_t error_code, void *arg)
{
	struct mirror_h2 *h = arg;
	struct h2_stream *st = nghttp2_session_get_stream_user_data(s, sid);

	if (st == NULL)
		return 0;
	if (st->forgotten)
		h->forgotten--;
	st->error_code = error_code;
	nghttp2_session_set_stream_user_data(s, sid, NULL);
	/* Delivered after nghttp2 returns: the owner may then submit or free freely. */
	TAILQ_REMOVE(&h->open, st, entry);
	TAILQ_INSERT_TAIL(&h->done, st, entry);
	return 0;
}

static ssize_t
h2_read_body(nghttp2_session *s, int32_t sid, uint8_t *buf, size_t length, uint32_t *flags,
    nghttp2_data_source *src, void *arg)
{
	struct h2_stream *st = src->ptr;
	size_t n = st->req_len - st->req_off;

	(void)s;
	(void)sid;
	(void)arg;
	if (n > length)
		n = length;
	memcpy(buf, st->req + st->req_off, n);
	st->req_off += n;
	if (st->req_off == st->req_len)
		*flags |= NGHTTP2_DATA_FLAG_EOF;
	return (ssize_t)n;
}

/* ---- delivery and I/O ---- */

/* Run the callback of one closed stream, then free it. */
static void
h2_deliver(struct mirror_h2 *h, struct h2_stream *st)
{
	struct http_response resp = { 0 };
	struct http_header hdr = { (char *)"Content-Type", st->ct };
	char why[128];
	int retry = 0;

	if (st->cb == NULL) {
		h2_stream_free(st);
		return;
	}
	if (st->fail[0] == '\0' && st->complete && st->error_code == NGHTTP2_NO_ERROR &&
	    st->status >= 200) {
		resp.status = st->status;
		resp.headers = &hdr;
		resp.n_headers = st->ct[0] != '\0';
		resp.body = st->body != NULL ? st->body : (const uint8_t *)"";
		resp.body_len = st->body_len;
	} else {
		retry = st->fail[0] == '\0' && st->error_code == NGHTTP2_REFUSED_STREAM;
		if (st->fail[0] != '\0')
			snprintf(why, sizeof(why), "%s", st->fail);
		else if (retry)
			snprintf(why, sizeof(why), "stream refused by the server (GOAWAY)");
		else
			snprintf(why, sizeof(why), "stream reset by the server (%s)",
			    nghttp2_http2_strerror(st->error_code));
		resp.error = why;
	}
	h->busy++;
	st->cb(st->arg, &resp, retry);
	h->busy--;
	h2_stream_free(st);
}

/* After nghttp2 ran: send what it queued, deliver closed streams, end a finished session. */
static void
h2_after(struct mirror_h2 *h)
{
	struct h2_stream *st;

	if (h->closed || h2_flush(h) != 0) {
		h2_close(h, h->why[0] != '\0' ? h->why : "HTTP/2: cannot write");
		return;
	}
	while (!h->dead && !h->closed && (st = TAILQ_FIRST(&h->done)) != NULL) {
		TAILQ_REMOVE(&h->done, st, entry);
		h2_deliver(h, st);
	}
	if (h->dead || h->closed)
		return;
	if (h2_flush(h) != 0)
		h2_close(h, h->why[0] != '\0' ? h->why : "HTTP/2: cannot write");
	else if (!nghttp2_session_want_read(h->s) && !nghttp2_session_want_write(h->s))
		h2_close(h, "connection closed");	/* GOAWAY and every stream done */
}

static void
h2_finish(struct mirror_h2 *h)
{
	if (h->dead && h->busy == 0)
		h2_destroy(h);
}

static void
h2_readcb(struct bufferevent *bev, void *arg)
{
	struct mirror_h2 *h = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	char why[160];
	size_t n;
	ssize_t rv;

	h->busy++;
	while (!h->closed && !h->dead && (n = evbuffer_get_contiguous_space(in)) > 0) {
		rv = nghttp2_session_mem_recv(h->s, evbuffer_pullup(in, (ev_ssize_t)n), n);
		if (rv == NGHTTP2_ERR_FLOODED && h->why[0] == '\0')
			snprintf(h->why, sizeof(h->why), "HTTP/2: the server floods us with frames "
			    "to acknowledge (PING, SETTINGS) and does not read the replies");
		if (rv < 0) {
			if (h->why[0] == '\0')
				snprintf(h->why, sizeof(h->why), "HTTP/2: %s",
				    nghttp2_strerror((int)rv));
			snprintf(why, sizeof(why), "%s", h->why);
			h2_close(h, why);
			break;
		}
		evbuffer_drain(in, n);
	}
	if (!h->dead)
		h2_after(h);
	h->busy--;
	h2_finish(h);
}

/* Deferred work (h->later): send what waited for room, deliver streams closed meanwhile. */
static void
h2_later_cb(evutil_socket_t fd, short what, void *arg)
{
	struct mirror_h2 *h = arg;

	(void)fd;
	(void)what;
	h->busy++;
	if (!h->dead)
		h2_after(h);
	h->busy--;
	h2_finish(h);
}

/* After a flush from outside nghttp2's callbacks: run h2_after from the loop if needed. */
static void
h2_flush_outside(struct mirror_h2 *h)
{
	if (h2_flush(h) != 0 || !TAILQ_EMPTY(&h->done))
		event_active(h->later, EV_WRITE, 0);
}

static void
h2_eventcb(struct bufferevent *bev, short what, void *arg)
{
	struct mirror_h2 *h = arg;

	(void)bev;
	h->busy++;
	if (what & BEV_EVENT_ERROR)
		h2_close(h, "connection error");
	else if (what & (BEV_EVENT_EOF | BEV_EVENT_TIMEOUT))
		h2_close(h, "connection closed");
	h->busy--;
	h2_finish(h);
}

static int
h2_callbacks(nghttp2_session_callbacks **cbs)
{
	if (nghttp2_session_callbacks_new(cbs) != 0)
		return -1;
	nghttp2_session_callbacks_set_on_begin_frame_callback(*cbs, h2_on_begin_frame);
	nghttp2_session_callbacks_set_on_begin_headers_callback(*cbs, h2_on_begin_headers);
	nghttp2_session_callbacks_set_on_header_callback(*cbs, h2_on_header);
	nghttp2_session_callbacks_set_on_data_chunk_recv_callback(*cbs, h2_on_data);
	nghttp2_session_callbacks_set_on_frame_recv_callback(*cbs, h2_on_frame);
	nghttp2_session_callbacks_set_on_stream_close_callback(*cbs, h2_on_close);
	return 0;
}

/* The session with our SETTINGS queued: no push, our header bound. 0 or -1. */
static int
h2_session_start(struct mirror_h2 *h)
{
	nghttp2_session_callbacks *cbs = NULL;
	nghttp2_option *opt = NULL;
	nghttp2_settings_entry iv[] = {
		{ NGHTTP2_SETTINGS_ENABLE_PUSH, 0 },
		{ NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, 0 },	/* the server opens none */
		{ NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, MIRROR_H2_MAX_HEADER },
	};
	int rc = -1;

	if (h2_callbacks(&cbs) != 0 || nghttp2_option_new(&opt) != 0)
		goto out;
	/* A pushed stream would be the server's, unasked; none is reserved for it. */
	nghttp2_option_set_max_reserved_remote_streams(opt, 0);
	if (nghttp2_session_client_new2(&h->s, cbs, h, opt) != 0)
		goto out;
	if (nghttp2_submit_settings(h->s, NGHTTP2_FLAG_NONE, iv, NELEMS(iv)) != 0)
		goto out;
	rc = 0;
out:
	nghttp2_option_del(opt);
	nghttp2_session_callbacks_del(cbs);
	return rc;
}

static size_t h2_stream_limit(const struct mirror_h2 *h);

struct mirror_h2 *
mirror_h2_new(struct bufferevent *bev, const char *authority, char *err, size_t errlen)
{
	struct mirror_h2 *h;

	if ((h = calloc(1, sizeof(*h))) == NULL || (h->authority = strdup(authority)) == NULL) {
		free(h);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	TAILQ_INIT(&h->open);
	TAILQ_INIT(&h->done);
	h->settings_tokens = MIRROR_H2_SETTINGS_BURST;
	h->settings_at_us = now_us();
	if (h2_session_start(h) != 0) {
		nghttp2_session_del(h->s);
		free(h->authority);
		free(h);
		snprintf(err, errlen, "cannot start an HTTP/2 session");
		return NULL;
	}
	if ((h->later = event_new(bufferevent_get_base(bev), -1, 0, h2_later_cb, h)) == NULL ||
	    (bufferevent_get_underlying(bev) != NULL &&
	    evbuffer_add_cb(bufferevent_get_output(bufferevent_get_underlying(bev)),
	    h2_out_drained, h) == NULL)) {
		if (h->later != NULL)
			event_free(h->later);
		nghttp2_session_del(h->s);
		free(h->authority);
		free(h);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	h->bev = bev;
	bufferevent_setcb(bev, h2_readcb, NULL, h2_eventcb, h);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
	/*
	 * The preface and SETTINGS go out; what the server sent already (its SETTINGS may
	 * come with the handshake's last flight) is read from the loop, once the owner has
	 * h and its close hook.
	 */
	if (h2_flush(h) != 0)
		h2_close(h, h->why[0] != '\0' ? h->why : "HTTP/2: cannot write");
	if (evbuffer_get_length(bufferevent_get_input(bev)) > 0)
		bufferevent_trigger(bev, EV_READ, BEV_TRIG_DEFER_CALLBACKS);
	return h;
}

void
mirror_h2_set_close_cb(struct mirror_h2 *h, http_close_cb cb, void *arg)
{
	h->close_cb = cb;
	h->close_arg = arg;
}

int32_t
mirror_h2_request(struct mirror_h2 *h, const char *method, const char *path, const char *accept,
    const char *content_type, const void *body, size_t len, size_t max_body, mirror_h2_cb cb,
    void *arg)
{
#define H2_NV(n, v) { (uint8_t *)(n), (uint8_t *)(v), sizeof(n) - 1, strlen(v), \
	NGHTTP2_NV_FLAG_NONE }
	struct h2_stream *st;
	nghttp2_data_provider prd;
	nghttp2_nv nva[7];
	char clen[24];
	size_t n = 0;
	int with_body = len > 0 || strcmp(method, "POST") == 0;
	int32_t sid;

	if (h->closed || h->dead || h->goaway || !nghttp2_session_check_request_allowed(h->s) ||
	    (st = calloc(1, sizeof(*st))) == NULL)
		return -1;
	if (len > 0 && (st->req = malloc(len)) == NULL) {
		free(st);
		return -1;
	}
	if (len > 0)
		memcpy(st->req, body, len);
	st->req_len = len;
	st->cb = cb;
	st->arg = arg;
	st->max_body = max_body;
	snprintf(clen, sizeof(clen), "%zu", len);
	nva[n++] = (nghttp2_nv)H2_NV(":method", method);
	nva[n++] = (nghttp2_nv)H2_NV(":scheme", "https");
	nva[n++] = (nghttp2_nv)H2_NV(":authority", h->authority);
	nva[n++] = (nghttp2_nv)H2_NV(":path", path);
	if (accept != NULL)
		nva[n++] = (nghttp2_nv)H2_NV("accept", accept);
	if (with_body && content_type != NULL)
		nva[n++] = (nghttp2_nv)H2_NV("content-type", content_type);
	if (with_body)
		nva[n++] = (nghttp2_nv)H2_NV("content-length", clen);
	prd.source.ptr = st;
	prd.read_callback = h2_read_body;
	sid = nghttp2_submit_request(h->s, NULL, nva, n, with_body ? &prd : NULL, st);
	if (sid < 0) {
		h2_stream_free(st);
		return -1;
	}
	st->id = sid;
	TAILQ_INSERT_TAIL(&h->open, st, entry);
	/*
	 * Never called from inside nghttp2. Streams the flush closed, and a write failure (the
	 * connection's end), are dealt with from the loop: the caller is in the middle of
	 * its own bookkeeping.
	 */
	h2_flush_outside(h);
	return sid;
#undef H2_NV
}

void
mirror_h2_cancel(struct mirror_h2 *h, int32_t sid)
{
	struct h2_stream *st;

	if (h == NULL || sid <= 0)
		return;
	if ((st = nghttp2_session_get_stream_user_data(h->s, sid)) != NULL) {
		st->cb = NULL;
		if (h->closed || st->forgotten)
			return;
		/*
		 * Forgotten, not reset, while few are: its late answer is read and dropped (and
		 * shows the server alive). A reset per timed-out stream, under load with a slow
		 * resolver behind the server, looks like the rapid-reset attack to it.
		 */
		if (h->forgotten < MIRROR_H2_MAX_FORGOTTEN &&
		    h->forgotten < h2_stream_limit(h) / 2) {
			st->forgotten = 1;
			h->forgotten++;
			return;
		}
		nghttp2_submit_rst_stream(h->s, NGHTTP2_FLAG_NONE, sid, NGHTTP2_CANCEL);
		h2_flush_outside(h);
		return;
	}
	/* Closed already, waiting for delivery. */
	TAILQ_FOREACH(st, &h->done, entry)
		if (st->id == sid)
			st->cb = NULL;
	/*
	 * Not opened yet: nghttp2 holds its HEADERS back (the server's stream limit, or our
	 * output bound) and knows no stream for it. Its callback must not run should it be
	 * opened and answered later (the caller frees its request now); the reset cancels the
	 * queued HEADERS, nothing goes out. It stays in h->open until the session ends.
	 */
	TAILQ_FOREACH(st, &h->open, entry)
		if (st->id == sid && st->cb != NULL) {
			st->cb = NULL;
			if (!h->closed) {
				nghttp2_submit_rst_stream(h->s, NGHTTP2_FLAG_NONE, sid, NGHTTP2_CANCEL);
				h2_flush_outside(h);
			}
		}
}

/* The server's limit of concurrent streams, within ours. */
static size_t
h2_stream_limit(const struct mirror_h2 *h)
{
	uint32_t n = nghttp2_session_get_remote_settings(h->s,
	    NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS);

	return n < MIRROR_H2_MAX_STREAMS ? n : MIRROR_H2_MAX_STREAMS;
}

size_t
mirror_h2_max_streams(const struct mirror_h2 *h)
{
	size_t n = h2_stream_limit(h);

	/* Forgotten streams still hold a slot of the server's (at most half of them). */
	return n > h->forgotten ? n - h->forgotten : 0;
}

uint64_t
mirror_h2_answer_us(const struct mirror_h2 *h)
{
	return h->answer_us;
}

int
mirror_h2_draining(const struct mirror_h2 *h)
{
	return h->closed || h->goaway;
}

const char *
mirror_h2_stall_why(const struct mirror_h2 *h)
{
	if (h->full_us != 0)
		return "the server does not read what we send";
	if (nghttp2_session_get_remote_window_size(h->s) <= 0 ||
	    nghttp2_session_get_remote_settings(h->s, NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE) == 0)
		return "the server keeps its HTTP/2 flow-control window closed";
	return "no answer on its HTTP/2 streams";
}

void
mirror_h2_free(struct mirror_h2 *h)
{
	if (h == NULL)
		return;
	h->dead = 1;
	if (h->busy == 0)
		h2_destroy(h);
}
