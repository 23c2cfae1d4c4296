/* lib/http.c - a small pipelining HTTP/1.1 client on any bufferevent (a TLS filter in practice). */
#include "autoconf.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>

#include "http.h"

struct http_req {
	TAILQ_ENTRY(http_req) entry;
	http_response_cb cb;
	void *arg;
	int head;		/* HEAD: the response has no body whatever it says */
	size_t max_body;	/* this response's bound; 0: the client's */
};

enum http_state { HTTP_STATUS, HTTP_HEADERS, HTTP_BODY, HTTP_BODY_TO_CLOSE };

struct http_client {
	struct bufferevent *bev;
	char *host;
	size_t max_body;
	TAILQ_HEAD(, http_req) reqs;
	size_t pending;
	enum http_state state;
	int status;
	struct http_header headers[HTTP_MAX_HEADERS];
	size_t n_headers;
	size_t header_bytes;
	size_t body_len;
	int closed;
	int busy;		/* inside a callback: free later */
	int dead;		/* http_client_free was called while busy */
	http_close_cb close_cb;
	void *close_arg;
};

/* The body bound of the response being read: its request's own, else the client's. */
static size_t
http_max_body(const struct http_client *c)
{
	const struct http_req *r = TAILQ_FIRST(&c->reqs);

	return r != NULL && r->max_body != 0 ? r->max_body : c->max_body;
}

static void
http_clear_headers(struct http_client *c)
{
	size_t i;

	for (i = 0; i < c->n_headers; i++) {
		free(c->headers[i].name);
		free(c->headers[i].value);
	}
	c->n_headers = 0;
	c->header_bytes = 0;
}

static void
http_destroy(struct http_client *c)
{
	struct http_req *r;

	while ((r = TAILQ_FIRST(&c->reqs)) != NULL) {
		TAILQ_REMOVE(&c->reqs, r, entry);
		free(r);
	}
	http_clear_headers(c);
	bufferevent_free(c->bev);
	free(c->host);
	free(c);
}

/* End the connection: fail every pending request, then tell the owner once. */
static void
http_close(struct http_client *c, const char *why)
{
	struct http_response resp = { 0 };
	struct http_req *r;

	if (c->closed)
		return;
	c->closed = 1;
	bufferevent_disable(c->bev, EV_READ | EV_WRITE);
	resp.error = why;
	c->busy++;
	while (!c->dead && (r = TAILQ_FIRST(&c->reqs)) != NULL) {
		TAILQ_REMOVE(&c->reqs, r, entry);
		c->pending--;
		r->cb(r->arg, &resp);
		free(r);
	}
	if (!c->dead && c->close_cb != NULL)
		c->close_cb(c->close_arg, why);
	c->busy--;
}

const char *
http_response_header(const struct http_response *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->n_headers; i++)
		if (strcasecmp(r->headers[i].name, name) == 0)
			return r->headers[i].value;
	return NULL;
}

/* Hand the complete response at the front of input to its request. */
static void
http_deliver(struct http_client *c, struct evbuffer *in, size_t len)
{
	struct http_response resp = { 0 };
	struct http_req *r = TAILQ_FIRST(&c->reqs);

	resp.status = c->status;
	resp.headers = c->headers;
	resp.n_headers = c->n_headers;
	resp.body_len = len;
	resp.body = len ? evbuffer_pullup(in, (ev_ssize_t)len) : (const uint8_t *)"";
	TAILQ_REMOVE(&c->reqs, r, entry);
	c->pending--;
	c->busy++;
	r->cb(r->arg, &resp);
	c->busy--;
	free(r);
	evbuffer_drain(in, len);
	http_clear_headers(c);
	c->state = HTTP_STATUS;
}

static int
http_parse_status(struct http_client *c, const char *line)
{
	char *end;
	long code;

	if (strncmp(line, "HTTP/1.", 7) != 0 || (line[7] != '0' && line[7] != '1') || line[8] != ' ')
		return -1;
	code = strtol(line + 9, &end, 10);
	if (end != line + 12 || code < 100 || code > 599 || (*end != ' ' && *end != '\0'))
		return -1;
	c->status = (int)code;
	return 0;
}

static int
http_parse_header(struct http_client *c, char *line)
{
	char *colon = strchr(line, ':'), *v;
	size_t vl;

	if (colon == NULL || colon == line || c->n_headers == HTTP_MAX_HEADERS)
		return -1;
	*colon = '\0';
	v = colon + 1;
	v += strspn(v, " \t");
	for (vl = strlen(v); vl > 0 && (v[vl - 1] == ' ' || v[vl - 1] == '\t'); vl--)
		v[vl - 1] = '\0';
	c->headers[c->n_headers].name = strdup(line);
	c->headers[c->n_headers].value = strdup(v);
	c->n_headers++;
	if (c->headers[c->n_headers - 1].name == NULL || c->headers[c->n_headers - 1].value == NULL)
		return -1;
	return 0;
}

/* The headers are complete: decide how the body is framed. */
static const char *
http_frame(struct http_client *c)
{
	struct http_response tmp = { 0 };
	const char *te, *cl;
	char *end;
	unsigned long long n;

	tmp.headers = c->headers;
	tmp.n_headers = c->n_headers;
	te = http_response_header(&tmp, "Transfer-Encoding");
	cl = http_response_header(&tmp, "Content-Length");
	if (te != NULL && strcasecmp(te, "identity") != 0)
		return "chunked responses are not supported";
	if (TAILQ_FIRST(&c->reqs)->head || c->status == 204 || c->status == 304 ||
	    c->status < 200) {
		c->body_len = 0;
		c->state = HTTP_BODY;
		return NULL;
	}
	if (cl == NULL) {
		c->state = HTTP_BODY_TO_CLOSE;
		return NULL;
	}
	errno = 0;
	n = strtoull(cl, &end, 10);
	if (*cl < '0' || *cl > '9' || *end != '\0' || errno != 0)
		return "bad Content-Length";
	if (n > http_max_body(c))
		return "response body too large";
	c->body_len = (size_t)n;
	c->state = HTTP_BODY;
	return NULL;
}

/* Consume what input holds; returns an error text or NULL. */
static const char *
http_parse(struct http_client *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	const char *err;
	size_t n;
	char *line;

	while (!c->dead && !c->closed) {
		if (c->state == HTTP_BODY) {
			if (evbuffer_get_length(in) < c->body_len)
				return NULL;
			http_deliver(c, in, c->body_len);
			continue;
		}
		if (c->state == HTTP_BODY_TO_CLOSE) {
			if (evbuffer_get_length(in) > http_max_body(c))
				return "response body too large";
			return NULL;
		}
		if (evbuffer_get_length(in) == 0)
			return NULL;
		if (TAILQ_EMPTY(&c->reqs))
			return "response without a request";
		if ((line = evbuffer_readln(in, &n, EVBUFFER_EOL_CRLF)) == NULL) {
			if (evbuffer_get_length(in) + c->header_bytes > HTTP_MAX_HEADER)
				return "response header too large";
			return NULL;
		}
		c->header_bytes += n + 2;
		if (c->header_bytes > HTTP_MAX_HEADER) {
			free(line);
			return "response header too large";
		}
		if (c->state == HTTP_STATUS) {
			err = http_parse_status(c, line) ? "bad status line" : NULL;
			c->state = HTTP_HEADERS;
		} else if (n == 0) {
			err = http_frame(c);
		} else {
			err = http_parse_header(c, line) ? "bad header" : NULL;
		}
		free(line);
		if (err != NULL)
			return err;
	}
	return NULL;
}

static void
http_finish(struct http_client *c)
{
	if (c->dead && c->busy == 0)
		http_destroy(c);
}

static void
http_readcb(struct bufferevent *bev, void *arg)
{
	struct http_client *c = arg;
	const char *err;

	(void)bev;
	c->busy++;
	if ((err = http_parse(c)) != NULL)
		http_close(c, err);
	c->busy--;
	http_finish(c);
}

static void
http_eventcb(struct bufferevent *bev, short what, void *arg)
{
	struct http_client *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);

	if (what & BEV_EVENT_CONNECTED)
		return;
	c->busy++;
	if ((what & BEV_EVENT_EOF) && c->state == HTTP_BODY_TO_CLOSE && !TAILQ_EMPTY(&c->reqs))
		http_deliver(c, in, evbuffer_get_length(in));
	if (what & BEV_EVENT_TIMEOUT)
		http_close(c, "timeout");
	else if (what & BEV_EVENT_ERROR)
		http_close(c, "connection error");
	else
		http_close(c, "connection closed");
	c->busy--;
	http_finish(c);
}

struct http_client *
http_client_new(struct bufferevent *bev, const char *host, size_t max_body)
{
	struct http_client *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	if ((c->host = strdup(host)) == NULL) {
		free(c);
		return NULL;
	}
	c->bev = bev;
	c->max_body = max_body;
	TAILQ_INIT(&c->reqs);
	bufferevent_setcb(bev, http_readcb, NULL, http_eventcb, c);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
	return c;
}

void
http_client_set_close_cb(struct http_client *c, http_close_cb cb, void *arg)
{
	c->close_cb = cb;
	c->close_arg = arg;
}

int
http_client_request_max(struct http_client *c, const char *method, const char *target,
    const char *content_type, const void *body, size_t len, size_t max_body,
    http_response_cb cb, void *arg)
{
	return http_client_request_ex(c, method, target, NULL, content_type, body, len, max_body,
	    cb, arg);
}

int
http_client_request_ex(struct http_client *c, const char *method, const char *target,
    const char *accept, const char *content_type, const void *body, size_t len,
    size_t max_body, http_response_cb cb, void *arg)
{
	struct evbuffer *out;
	struct http_req *r;
	int rc = 0;

	if (c->closed || c->dead || (r = calloc(1, sizeof(*r))) == NULL)
		return -1;
	/* Built aside and added at once: one TLS record, one segment per request. */
	if ((out = evbuffer_new()) == NULL) {
		free(r);
		return -1;
	}
	r->cb = cb;
	r->arg = arg;
	r->max_body = max_body;
	r->head = strcmp(method, "HEAD") == 0;
	rc |= evbuffer_add_printf(out, "%s %s HTTP/1.1\r\nHost: %s\r\n", method, target, c->host) < 0;
	if (accept != NULL)
		rc |= evbuffer_add_printf(out, "Accept: %s\r\n", accept) < 0;
	if (content_type != NULL)
		rc |= evbuffer_add_printf(out, "Content-Type: %s\r\n", content_type) < 0;
	if (content_type != NULL || len > 0 || strcmp(method, "POST") == 0)
		rc |= evbuffer_add_printf(out, "Content-Length: %zu\r\n", len) < 0;
	rc |= evbuffer_add(out, "\r\n", 2);
	if (len > 0)
		rc |= evbuffer_add(out, body, len);
	if (!rc)
		rc |= evbuffer_add_buffer(bufferevent_get_output(c->bev), out);
	evbuffer_free(out);
	if (rc) {
		free(r);
		return -1;
	}
	TAILQ_INSERT_TAIL(&c->reqs, r, entry);
	c->pending++;
	return 0;
}

int
http_client_request(struct http_client *c, const char *method, const char *target,
    const char *content_type, const void *body, size_t len, http_response_cb cb, void *arg)
{
	return http_client_request_max(c, method, target, content_type, body, len, 0, cb, arg);
}

size_t
http_client_pending(const struct http_client *c)
{
	return c->pending;
}

struct bufferevent *
http_client_bev(struct http_client *c)
{
	return c->bev;
}

void
http_client_free(struct http_client *c)
{
	if (c == NULL)
		return;
	c->dead = 1;
	if (c->busy == 0)
		http_destroy(c);
}
