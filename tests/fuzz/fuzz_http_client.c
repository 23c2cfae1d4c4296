/* tests/fuzz/fuzz_http_client.c - the mirror client's response path: lib/http.c + /v1/mirrors JSON. */
#include "autoconf.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <strings.h>

#include "dnswire.h"
#include "fuzz.h"
#include "http.h"
#include "tls.h"
#include "yconf.h"

/*
 * Input: one control byte, then the bytes a mirror sends back on a connection.
 *   bits 0-1: the size of the pieces the bytes arrive in (all at once, 1, 7 or 300 bytes)
 *   bit 2:    the owner frees the client from inside the second response callback, as
 *             mirror_conn_fail does
 *   bit 3:    each response callback queues a new request, as mirror_pump does
 *   bit 4:    the body limit of a DoH connection (64 KiB) instead of the CA fetch (4 MiB)
 * The client (lib/http.c) runs on one end of a bufferevent pair; the fuzzer's bytes are
 * written into the other end piece by piece, with the event loop run (EVLOOP_NONBLOCK)
 * after each, and the end is closed (EOF) at the last. Responses are handled as
 * resolver/mirror_client.c does: the /v1/mirrors body is loaded with yconf under the
 * same node budget and every ca_pem is hashed; DoH answers have their Content-Type and
 * DNS message checked.
 */

#define LIST_MAX_NODES 8192	/* as MIRROR_LIST_MAX_NODES */
#define LIST_MAX_KEYS 64	/* as MIRROR_LIST_MAX_KEYS */

struct fuzz_http {
	struct http_client *c;
	int closed;
	int responses;
	int free_in_cb;
	int refill;
};

static void
mirrors_body(const uint8_t *body, size_t len)
{
	struct yconf y = { 0 };
	yaml_node_t *root, *list, *e, *v;
	uint8_t fp[TLS_SHA256_LEN];

	y.max_nodes = LIST_MAX_NODES;
	y.max_keys = LIST_MAX_KEYS;
	if (yconf_load_buffer(&y, "/v1/mirrors", body, len) != 0)
		goto out;
	if ((root = yconf_root(&y)) == NULL || root->type != YAML_MAPPING_NODE ||
	    (list = yconf_get(&y, root, "mirrors")) == NULL || list->type != YAML_SEQUENCE_NODE)
		goto out;
	YCONF_SEQ_FOREACH(&y, list, e)
	{
		if (e->type != YAML_MAPPING_NODE)
			continue;
		if ((v = yconf_get(&y, e, "id")) != NULL && v->type == YAML_SCALAR_NODE)
			(void)strcasecmp((const char *)v->data.scalar.value, "00");
		if ((v = yconf_get(&y, e, "ca_pem")) == NULL || v->type != YAML_SCALAR_NODE ||
		    yconf_is_null(v))
			continue;
		(void)tls_pem_sha256((const char *)v->data.scalar.value, v->data.scalar.length, fp,
		    NULL, 0);
	}
out:
	yconf_free(&y);
}

static void
doh_body(const struct http_response *resp)
{
	const char *ct = http_response_header(resp, "Content-Type");
	struct dnsresp dr;
	struct dnsq aq;
	size_t ctlen;

	ctlen = ct == NULL ? 0 : strcspn(ct, "; \t");
	if (ct == NULL || ctlen != strlen("application/dns-message") ||
	    strncasecmp(ct, "application/dns-message", ctlen) != 0)
		return;
	if (resp->body_len <= DNS_MAXMSG)
		(void)dnswire_parse_response(resp->body, resp->body_len, &aq, &dr);
}

static void response_cb(void *arg, const struct http_response *resp);

static void
request(struct fuzz_http *f, int kind)
{
	static const uint8_t q[] = { 0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 3, 'w', 'w', 'w',
		7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0, 0, 1, 0, 1 };

	switch (kind % 3) {
	case 0:
		(void)http_client_request(f->c, "GET", "/v1/mirrors", NULL, NULL, 0, response_cb, f);
		break;
	case 1:
		(void)http_client_request(f->c, "POST", "/dns-query",
		    "application/dns-message\r\nAccept: application/dns-message", q, sizeof(q),
		    response_cb, f);
		break;
	default:
		(void)http_client_request(f->c, "HEAD", "/v1/health", NULL, NULL, 0, response_cb, f);
		break;
	}
}

static void
response_cb(void *arg, const struct http_response *resp)
{
	struct fuzz_http *f = arg;

	if (resp->status == 0) {
		if (resp->error == NULL)
			abort();	/* a failure always says why */
		return;
	}
	if (resp->status < 100 || resp->status > 599 || (resp->body_len && resp->body == NULL))
		abort();
	f->responses++;
	if (resp->status == 200) {
		mirrors_body(resp->body, resp->body_len);
		doh_body(resp);
	}
	(void)http_response_header(resp, "Content-Length");
	if (f->c == NULL)
		return;
	if (f->free_in_cb && f->responses == 2) {
		http_client_free(f->c);
		f->c = NULL;
		return;
	}
	if (f->refill && f->responses < 16)
		request(f, f->responses);
}

static void
close_cb(void *arg, const char *why)
{
	struct fuzz_http *f = arg;

	if (why == NULL)
		abort();
	f->closed = 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct event_base *base;
	static const size_t pieces[4] = { 0, 1, 7, 300 };
	struct fuzz_in in = { data, size };
	uint8_t c0 = fuzz_u8(&in);
	struct bufferevent *pair[2];
	struct fuzz_http f = { 0 };
	size_t piece = pieces[c0 & 3], off = 0, n;
	int i;

	if (base == NULL && (base = event_base_new()) == NULL)
		abort();
	if (bufferevent_pair_new(base, 0, pair) != 0)
		abort();
	f.free_in_cb = (c0 >> 2) & 1;
	f.refill = (c0 >> 3) & 1;
	f.c = http_client_new(pair[0], "192.0.2.1", (c0 & 0x10) ? 65535 : 4u * 1024 * 1024);
	if (f.c == NULL)
		abort();
	http_client_set_close_cb(f.c, close_cb, &f);
	bufferevent_enable(pair[1], EV_READ | EV_WRITE);
	for (i = 0; i < 4; i++)
		request(&f, i);
	do {
		n = piece == 0 || in.n - off < piece ? in.n - off : piece;
		if (n > 0 && bufferevent_write(pair[1], in.p + off, n) != 0)
			abort();
		off += n;
		for (i = 0; i < 4 && event_base_loop(base, EVLOOP_NONBLOCK) == 0; i++)
			;
		/* Keep what the client sent from piling up in the server end. */
		evbuffer_drain(bufferevent_get_input(pair[1]),
		    evbuffer_get_length(bufferevent_get_input(pair[1])));
	} while (off < in.n && f.c != NULL);
	/* The server closes: a close-delimited body ends here, the rest fail. */
	bufferevent_flush(pair[1], EV_WRITE, BEV_FINISHED);
	for (i = 0; i < 4 && event_base_loop(base, EVLOOP_NONBLOCK) == 0; i++)
		;
	http_client_free(f.c);	/* frees pair[0] too */
	bufferevent_free(pair[1]);
	for (i = 0; i < 4 && event_base_loop(base, EVLOOP_NONBLOCK) == 0; i++)
		;
	return 0;
}
