/* mirror/request.c - one HTTP request and its reply, whatever protocol carried it. */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "request.h"

struct request *
request_new(const struct request_transport *t, void *tctx, enum request_method method,
    const char *path)
{
	struct request *r;
	const char *q = strchr(path, '?');

	/* Per request, on network input: out of memory fails the request, not the process. */
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->t = t;
	r->tctx = tctx;
	r->method = method;
	r->path = q != NULL ? strndup(path, (size_t)(q - path)) : strdup(path);
	if (q != NULL && (r->query = strdup(q + 1)) == NULL)
		r->path = (free(r->path), NULL);
	if (r->path == NULL) {
		free(r);
		return NULL;
	}
	return r;
}

int
request_set_content_type(struct request *r, const char *value)
{
	free(r->content_type);
	r->content_type = value != NULL ? strdup(value) : NULL;
	return value != NULL && r->content_type == NULL ? -1 : 0;
}

void
request_set_body(struct request *r, uint8_t *body, size_t len)
{
	free(r->body);
	r->body = body;
	r->body_len = len;
}

void
request_header(struct request *r, const char *name, const char *value)
{
	if (r->n_hdr >= REQUEST_MAX_HEADERS)
		return;
	snprintf(r->hdr[r->n_hdr].name, REQUEST_HEADER_NAME, "%s", name);
	snprintf(r->hdr[r->n_hdr].value, REQUEST_HEADER_VALUE, "%s", value);
	r->n_hdr++;
}

static void
request_free(struct request *r)
{
	free(r->path);
	free(r->query);
	free(r->content_type);
	free(r->body);
	free(r);
}

void
request_reply(struct request *r, int status, struct evbuffer *body)
{
	if (!r->gone && r->t != NULL)
		r->t->send(r, status, body);
	request_free(r);
}

void
request_on_cancel(struct request *r, request_cancel_fn fn, void *arg)
{
	r->cancel = fn;
	r->cancel_arg = arg;
}

void
request_abandon(struct request *r)
{
	r->gone = 1;
	r->t = NULL;
	r->tctx = NULL;
	/* Stop the work too: a client that resets what it asked must not leave it running. */
	if (r->cancel != NULL)
		r->cancel(r->cancel_arg);
}

void
request_drop(struct request *r)
{
	if (r == NULL)
		return;
	if (!r->gone && r->t != NULL && r->t->release != NULL)
		r->t->release(r);
	request_free(r);
}
