/* mirror/http1.c - HTTP/1.1 requests (libevent's evhttp) into the routes. */
#include "autoconf.h"

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <stdlib.h>
#include <string.h>

#include "http1.h"
#include "request.h"
#include "routes.h"

static void
http1_send(struct request *r, int status, struct evbuffer *body)
{
	struct evhttp_request *req = r->tctx;
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);

	for (size_t i = 0; i < r->n_hdr; i++)
		evhttp_add_header(h, r->hdr[i].name, r->hdr[i].value);
	evhttp_send_reply(req, status, NULL, body);
}

/* A route dropped the request without a reply: evhttp still wants one. */
static void
http1_release(struct request *r)
{
	evhttp_send_error(r->tctx, 500, NULL);
}

static const struct request_transport http1_transport = { http1_send, http1_release };

/* The body, copied out of evhttp's buffer: routes read it as one contiguous block. */
static int
http1_body(struct evhttp_request *req, struct request *r)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(in);
	uint8_t *b;

	if (len == 0)
		return 0;
	if ((b = malloc(len)) == NULL)
		return -1;
	evbuffer_copyout(in, b, len);
	request_set_body(r, b, len);
	return 0;
}

void
http1_dispatch(struct evhttp_request *req, void *arg)
{
	struct routes *rt = arg;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
	const char *query = uri ? evhttp_uri_get_query(uri) : NULL;
	const struct sockaddr *sa;
	enum request_method m;
	struct request *r;

	switch (evhttp_request_get_command(req)) {
	case EVHTTP_REQ_GET:
		m = REQUEST_GET;
		break;
	case EVHTTP_REQ_POST:
		m = REQUEST_POST;
		break;
	default:
		m = REQUEST_OTHER;
		break;
	}
	if ((r = request_new(&http1_transport, req, m, path != NULL ? path : "")) == NULL) {
		evhttp_send_error(req, 500, NULL);
		return;
	}
	if ((query != NULL && (r->query = strdup(query)) == NULL) ||
	    request_set_content_type(r, evhttp_find_header(evhttp_request_get_input_headers(req),
	    "Content-Type")) != 0 || http1_body(req, r) != 0) {
		request_drop(r);
		return;
	}
	if ((sa = evhttp_connection_get_addr(evhttp_request_get_connection(req))) != NULL) {
		netaddr_from_sockaddr(&r->client, sa, sa->sa_family == AF_INET6 ?
		    sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in));
		r->has_client = 1;
	}
	routes_handle(rt, r);
}
