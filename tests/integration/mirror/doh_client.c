/* tests/integration/mirror/doh_client.c - DoH test client on lib/tls + lib/http: checks and q/s. */
#include "autoconf.h"

#include <arpa/inet.h>
#include <event2/event.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* No wolfSSL or ldns header here: TLS goes through lib/tls.h, DNS through doh_dns.h. */
#include "doh_dns.h"
#include "http.h"
#include "json.h"
#include "netaddr.h"
#include "tls.h"
#include "vutil.h"

struct client {
	struct event_base *base;
	struct tls_ctx *ctx;
	struct tls_conn *conn;
	struct http_client *http;
	struct netaddr addr;
	const char *name, *type, *expect, *method;
	long count, depth, sent, answered, good;
	int failed, quiet;
	uint64_t t0;
	char first[512];
};

struct req {
	struct client *c;
	uint16_t id;
};

static void client_send(struct client *c);

static void
client_response(void *arg, const struct http_response *r)
{
	struct req *q = arg;
	struct client *c = q->c;
	const char *ct;
	char summary[512];

	c->answered++;
	if (r->status == 0) {
		fprintf(stderr, "error: %s: %s\n", r->error, tls_conn_error(c->conn));
		c->failed = 1;
	} else if (r->status != 200) {
		fprintf(stderr, "error: HTTP %d: %.*s\n", r->status, (int)r->body_len, r->body);
		c->failed = 1;
	} else if ((ct = http_response_header(r, "Content-Type")) == NULL ||
	    strcmp(ct, "application/dns-message") != 0 ||
	    http_response_header(r, "X-Vantage-Mirror") == NULL) {
		fprintf(stderr, "error: missing DoH headers\n");
		c->failed = 1;
	} else if (doh_dns_check(r->body, r->body_len, q->id, c->name, summary, sizeof(summary))) {
		fprintf(stderr, "error: bad DNS answer for id %u\n", q->id);
		c->failed = 1;
	} else if (c->expect != NULL && strstr(summary, c->expect) == NULL) {
		fprintf(stderr, "error: answer '%s' lacks '%s'\n", summary, c->expect);
		c->failed = 1;
	} else {
		if (c->good++ == 0) {
			snprintf(c->first, sizeof(c->first), "%s", summary);
			if (!c->quiet)
				printf("answer: %s (Cache-Control: %s, mirror %.16s...)\n", summary,
				    http_response_header(r, "Cache-Control") ?
				    http_response_header(r, "Cache-Control") : "-",
				    http_response_header(r, "X-Vantage-Mirror"));
		}
	}
	free(q);
	if (c->failed || c->answered == c->count)
		event_base_loopbreak(c->base);
	else
		client_send(c);
}

static void
client_close(void *arg, const char *why)
{
	struct client *c = arg;

	if (c->answered < c->count) {
		fprintf(stderr, "error: connection ended: %s %s\n", why, tls_conn_error(c->conn));
		c->failed = 1;
		event_base_loopbreak(c->base);
	}
}

/* Keep depth requests in flight until count were sent. */
static void
client_send(struct client *c)
{
	uint8_t wire[512];
	char target[1024], b64[800];
	size_t len;
	struct req *q;
	int rc;

	while (c->sent < c->count && c->sent - c->answered < c->depth) {
		q = calloc(1, sizeof(*q));
		q->c = c;
		q->id = (uint16_t)(c->sent + 1);
		len = doh_dns_query(c->name, c->type, q->id, wire, sizeof(wire));
		if (len == 0) {
			fprintf(stderr, "error: cannot build a query for %s\n", c->name);
			exit(2);
		}
		if (strcmp(c->method, "get") == 0) {
			base64url_encode(wire, len, b64, sizeof(b64));
			snprintf(target, sizeof(target), "/dns-query?dns=%s", b64);
			rc = http_client_request(c->http, "GET", target, NULL, NULL, 0,
			    client_response, q);
		} else {
			rc = http_client_request(c->http, "POST", "/dns-query",
			    "application/dns-message", wire, len, client_response, q);
		}
		if (rc != 0) {
			free(q);
			c->failed = 1;
			return;
		}
		c->sent++;
	}
}

static void
hs_done(struct tls_conn *conn, void *arg)
{
	(void)conn;
	event_base_loopbreak(arg);
}

static void
hs_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	if (!(what & BEV_EVENT_CONNECTED)) {
		fprintf(stderr, "error: handshake failed\n");
		exit(3);
	}
	(void)arg;
}

/* Full TLS handshakes, one after the other, each on a fresh connection. */
static void
measure_handshakes(struct client *c, long n)
{
	uint64_t t, total = 0, best = UINT64_MAX, first = 0;
	long i;

	for (i = 0; i < n; i++) {
		struct bufferevent *bev = tls_bev_new(c->base, -1, c->ctx, 0, NULL, &c->conn);

		tls_conn_set_callbacks(c->conn, hs_done, NULL, c->base);
		bufferevent_setcb(bev, NULL, NULL, hs_event, NULL);
		bufferevent_enable(bev, EV_READ | EV_WRITE);
		t = now_us();
		tls_bev_connect(bev, (struct sockaddr *)&c->addr.ss, (int)c->addr.len);
		event_base_dispatch(c->base);
		t = now_us() - t;
		if (!tls_conn_handshake_done(c->conn)) {
			fprintf(stderr, "error: handshake %ld failed\n", i);
			exit(3);
		}
		if (i == 0)
			first = t;
		total += t;
		best = t < best ? t : best;
		bufferevent_free(bev);
	}
	printf("handshakes: %ld, first %.3f ms, mean %.3f ms, best %.3f ms\n", n, first / 1000.0,
	    total / 1000.0 / (double)n, best / 1000.0);
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = malloc(1 << 20);

	if (f == NULL || buf == NULL) {
		fprintf(stderr, "error: cannot read %s\n", path);
		exit(2);
	}
	*len = fread(buf, 1, (1 << 20) - 1, f);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

static void
usage(void)
{
	fprintf(stderr, "usage: doh_client --addr IP:PORT --ca FILE [--pin HEX] [--name N] [--type T]\n"
	    "  [--count N] [--depth D] [--method post|get] [--expect TEXT] [--handshakes N] [--quiet]\n"
	    "       doh_client --decode FILE --name N [--id ID] [--expect TEXT]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "addr", 1, NULL, 'a' }, { "ca", 1, NULL, 'c' }, { "pin", 1, NULL, 'p' },
		{ "name", 1, NULL, 'n' }, { "type", 1, NULL, 't' }, { "count", 1, NULL, 'N' },
		{ "depth", 1, NULL, 'D' }, { "method", 1, NULL, 'm' }, { "expect", 1, NULL, 'e' },
		{ "handshakes", 1, NULL, 'H' }, { "decode", 1, NULL, 'd' }, { "id", 1, NULL, 'i' },
		{ "quiet", 0, NULL, 'q' }, { NULL, 0, NULL, 0 }
	};
	struct client c = { 0 };
	const char *ca = NULL, *pin_hex = NULL, *addr = NULL, *decode = NULL;
	uint8_t pin[TLS_SHA256_LEN];
	long handshakes = 0, id = 0;
	char err[256], summary[512];
	size_t len;
	char *pem;
	double secs;
	int ch, hs = 1;

	c.name = "www.example.test.";
	c.type = "A";
	c.method = "post";
	c.count = 1;
	c.depth = 1;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'a': addr = optarg; break;
		case 'c': ca = optarg; break;
		case 'p': pin_hex = optarg; break;
		case 'n': c.name = optarg; break;
		case 't': c.type = optarg; break;
		case 'N': c.count = atol(optarg); break;
		case 'D': c.depth = atol(optarg); break;
		case 'm': c.method = optarg; break;
		case 'e': c.expect = optarg; break;
		case 'H': handshakes = atol(optarg); break;
		case 'd': decode = optarg; break;
		case 'i': id = atol(optarg); break;
		case 'q': c.quiet = 1; break;
		default: usage();
		}
	}
	log_init("doh_client", 1, LOG_L_WARN);
	if (decode != NULL) {
		pem = slurp(decode, &len);
		if (doh_dns_check((uint8_t *)pem, len, (uint16_t)id, c.name, summary, sizeof(summary))) {
			fprintf(stderr, "error: not an answer for %s id %ld\n", c.name, id);
			return 1;
		}
		printf("answer: %s\n", summary);
		free(pem);
		return c.expect && strstr(summary, c.expect) == NULL ? 1 : 0;
	}
	if (addr == NULL || ca == NULL || c.count < 1 || c.depth < 1 ||
	    netaddr_parse(addr, 443, &c.addr) != 0)
		usage();
	if (pin_hex != NULL && tls_unhex(pin_hex, pin, sizeof(pin)) != 0)
		usage();
	tls_init();
	pem = slurp(ca, &len);
	if ((c.ctx = tls_client_ctx_new_pinned(pem, len, pin_hex ? pin : NULL, err, sizeof(err))) ==
	    NULL) {
		fprintf(stderr, "error: %s\n", err);
		return 3;
	}
	free(pem);
	c.base = event_base_new();
	if (handshakes > 0) {
		measure_handshakes(&c, handshakes);
	} else {
		struct bufferevent *bev = tls_bev_new(c.base, -1, c.ctx, 0, NULL, &c.conn);

		c.http = http_client_new(bev, addr, 1 << 20);
		http_client_set_close_cb(c.http, client_close, &c);
		c.t0 = now_us();
		if (tls_bev_connect(bev, (struct sockaddr *)&c.addr.ss, (int)c.addr.len) != 0) {
			fprintf(stderr, "error: connect failed\n");
			return 3;
		}
		client_send(&c);
		event_base_dispatch(c.base);
		secs = (double)(now_us() - c.t0) / 1e6;
		printf("%s: %ld/%ld answers, %.0f q/s (one connection, %s, depth %ld)\n",
		    c.failed ? "FAILED" : "ok", c.good, c.count, c.good / secs, c.method, c.depth);
		hs = tls_conn_handshake_done(c.conn);
		http_client_free(c.http);
	}
	tls_ctx_free(c.ctx);
	event_base_free(c.base);
	tls_cleanup();
	if (c.failed)
		return hs ? 1 : 3;	/* 3: no TLS session (refused, wrong CA) */
	return 0;
}
