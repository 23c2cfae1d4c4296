/* tests/unit/test_mirror_guard.c - mirror/guard.c: per-address caps and the request scanner's deadlines. */
#include "autoconf.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "guard.h"

/*
 * A connection as server_bevcb makes it, minus TLS: a bufferevent on one end of a
 * socketpair (all AF_UNIX peers share one key, so they count as one address). Plaintext
 * "arrives" by adding to the bufferevent's input, as the TLS filter does.
 */
struct conn {
	struct bufferevent *bev;
	struct guard_conn *gc;
	int fds[2];
	short closed;		/* the events guard_close raised */
};

static struct event_base *base;

static void
conn_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	((struct conn *)arg)->closed = what;
}

static void
conn_open(struct guard *g, struct conn *c)
{
	memset(c, 0, sizeof(*c));
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, c->fds), 0);
	c->bev = bufferevent_socket_new(base, c->fds[0], BEV_OPT_CLOSE_ON_FREE);
	assert_non_null(c->bev);
	bufferevent_setcb(c->bev, NULL, NULL, conn_event, c);
	c->gc = guard_conn_new(g, c->bev);
	/* The admission check runs in the loop turn of the accept. */
	event_base_loop(base, EVLOOP_NONBLOCK);
}

static void
conn_close(struct conn *c)
{
	guard_conn_free(c->gc);
	bufferevent_free(c->bev);
	close(c->fds[1]);
}

static void
conn_feed(struct conn *c, const char *s)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);

	/* A socket bufferevent freezes the end of its input; the TLS filter's is open. */
	evbuffer_unfreeze(in, 0);
	assert_int_equal(evbuffer_add(in, s, strlen(s)), 0);
	evbuffer_freeze(in, 0);
}

/* Run the loop for ms milliseconds. */
static void
run_ms(int ms)
{
	struct timeval tv = { 0, ms * 1000 };

	event_base_loopexit(base, &tv);
	event_base_dispatch(base);
}

static struct mirror_limits
limits(void)
{
	struct mirror_limits l = { 0 };

	l.max_per_address = 2;
	l.handshake_timeout_ms = 100;
	l.header_timeout_ms = 100;
	l.body_timeout_ms = 100;
	return l;
}

static void
test_per_address_cap(void **state)
{
	struct mirror_limits l = limits();
	struct guard *g = guard_new(base, &l);
	struct conn c[3];

	(void)state;
	for (int i = 0; i < 3; i++)
		conn_open(g, &c[i]);
	run_ms(20);
	assert_int_equal(c[0].closed, 0);
	assert_int_equal(c[1].closed, 0);
	assert_true(c[2].closed & BEV_EVENT_TIMEOUT);
	assert_int_equal(guard_stats(g)->refused, 1);
	/* One leaves: the next one gets in. */
	conn_close(&c[0]);
	conn_close(&c[2]);
	conn_open(g, &c[0]);
	guard_conn_up(NULL, c[0].gc);
	run_ms(20);
	assert_int_equal(c[0].closed, 0);
	conn_close(&c[0]);
	conn_close(&c[1]);
	guard_free(g);
}

static void
test_handshake_deadline(void **state)
{
	struct mirror_limits l = limits();
	struct guard *g = guard_new(base, &l);
	struct conn c;

	(void)state;
	conn_open(g, &c);
	run_ms(50);
	assert_int_equal(c.closed, 0);
	run_ms(120);
	assert_true(c.closed & BEV_EVENT_TIMEOUT);
	assert_int_equal(guard_stats(g)->handshake_timeouts, 1);
	conn_close(&c);
	guard_free(g);
}

/* Feed each part, one every 30 ms; then whether the connection was closed within 250 ms. */
static int
closed_after(const char *const *parts, const char *stat, uint64_t *count)
{
	struct mirror_limits l = limits();
	struct guard *g = guard_new(base, &l);
	struct conn c;
	short closed;

	conn_open(g, &c);
	guard_conn_up(NULL, c.gc);
	for (; *parts != NULL; parts++) {
		conn_feed(&c, *parts);
		run_ms(30);
	}
	run_ms(250);
	closed = c.closed;
	if (strcmp(stat, "header") == 0)
		*count = guard_stats(g)->header_timeouts;
	else
		*count = guard_stats(g)->body_timeouts;
	conn_close(&c);
	guard_free(g);
	return (closed & BEV_EVENT_TIMEOUT) != 0;
}

static void
test_request_deadlines(void **state)
{
	static const char *const complete_get[] = { "GET /v1/health HTTP/1.1\r\n", "Host: m\r\n",
		"\r\n", NULL };
	static const char *const dribbled_headers[] = { "GET /v1/health HTTP/1.1\r\n", "Host",
		": m\r\nX-A: 1\r\n", "X-B: 2\r\n", "X-C: 3\r\n", "X-D: 4\r\n", NULL };
	static const char *const complete_post[] = { "POST /dns-query HTTP/1.1\r\nHost: m\r\n"
		"content-LENGTH: 10\r\n\r\n", "01234", "56789", NULL };
	static const char *const short_body[] = { "POST /dns-query HTTP/1.1\r\nHost: m\r\n"
		"Content-Length: 10\r\n\r\n01234", NULL };
	static const char *const chunked[] = { "POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n"
		"\r\n5\r\nhello\r\n", "0\r\n\r\n", NULL };
	static const char *const chunked_open[] = { "POST /x HTTP/1.1\r\nTransfer-Encoding: "
		"chunked\r\n\r\n5\r\nhello\r\n", NULL };
	/* vantaged pipelines DoH POSTs: two in one record, then an idle connection. */
	static const char *const pipelined[] = { "POST /dns-query HTTP/1.1\r\nContent-Length: 3"
		"\r\n\r\nabcPOST /dns-query HTTP/1.1\r\nContent-Length: 2\r\n\r\nde", NULL };
	uint64_t n = 0;

	(void)state;
	assert_false(closed_after(complete_get, "header", &n));
	assert_int_equal(n, 0);
	/* Progress does not extend the deadline: 5 parts over 150 ms, deadline 100 ms. */
	assert_true(closed_after(dribbled_headers, "header", &n));
	assert_int_equal(n, 1);
	assert_false(closed_after(complete_post, "body", &n));
	assert_true(closed_after(short_body, "body", &n));
	assert_int_equal(n, 1);
	assert_false(closed_after(chunked, "body", &n));
	assert_true(closed_after(chunked_open, "body", &n));
	assert_false(closed_after(pipelined, "body", &n));
	assert_int_equal(n, 0);
}

/*
 * Review finding 12: a "0" line and an empty line inside chunk data, then "x\n\n" every
 * 30 ms, looked to the guard like the body's end followed by new header-only requests, so
 * the deadlines kept restarting while evhttp still read one 0x400-byte chunk.
 */
static void
test_chunked_framing(void **state)
{
	static const char *const fake_end[] = { "POST /dns-query HTTP/1.1\r\nTransfer-Encoding: "
		"chunked\r\n\r\n400\r\nabc\n0\n\n", "x\n\n", "x\n\n", "x\n\n", "x\n\n",
		"x\n\n", "x\n\n", NULL };
	/* The same bytes as honest chunk data, sized right, with extensions and a trailer. */
	static const char *const honest[] = { "POST /dns-query HTTP/1.1\r\nTransfer-Encoding: "
		"chunked\r\n\r\n7;ext=1\r\nab\n0\n\nc\r\n", "A\r\n0\r\n\r\nxxxxx\r\n",
		"0\r\nX-Trailer: 1\r\n\r\n", NULL };
	/* The trailer section is still open: the body is not complete. */
	static const char *const open_trailer[] = { "POST /x HTTP/1.1\r\nTransfer-Encoding: "
		"chunked\r\n\r\n0\r\nX-Trailer: 1\r\n", NULL };
	uint64_t n = 0;

	(void)state;
	assert_true(closed_after(fake_end, "body", &n));
	assert_int_equal(n, 1);
	assert_false(closed_after(honest, "body", &n));
	assert_int_equal(n, 0);
	assert_true(closed_after(open_trailer, "body", &n));
	assert_int_equal(n, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_per_address_cap),
		cmocka_unit_test(test_handshake_deadline),
		cmocka_unit_test(test_request_deadlines),
		cmocka_unit_test(test_chunked_framing),
	};
	int rc;

	base = event_base_new();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	event_base_free(base);
	return rc;
}
