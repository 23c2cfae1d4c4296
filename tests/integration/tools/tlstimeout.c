/*
 * tests/integration/tools/tlstimeout.c - a lib/tls client with bufferevent timeouts, freed
 * by its owner from the timeout callback.
 *
 * tlstimeout ADDR PORT TIMEOUT_MS [--write TEXT] [--stall MS]
 *
 * Connects with a notary context (any chain) and SNI www.example.test, sets a read
 * timeout of TIMEOUT_MS on the TLS bufferevent, queues TEXT before the handshake when
 * given, and frees the bufferevent from its event callback (timeout, error, EOF) or from
 * the handshake hook, whichever comes first. --stall blocks the loop for MS ms on
 * BEV_EVENT_CONNECTED, right after writing the queued ClientHello to the socket itself:
 * the server's answer and the expired timeout then land in one loop turn (I/O first,
 * then timers), the timeout running between the end of the handshake and the TLS
 * layer's deferred work. Prints one line per event, then "freed=N late_hook=N" and exits 0 when the TLS
 * state was freed exactly once and no hook ran after the owner freed the bufferevent.
 */
#include "autoconf.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "netaddr.h"
#include "tls.h"

struct state {
	struct event_base *base;
	struct bufferevent *bev;
	int owner_freed;
	int freed;
	int late_hook;
	long stall_ms;
};

static void
release(struct state *st, const char *why)
{
	struct timeval tv = { 0, 200 * 1000 };

	if (st->bev == NULL)
		return;
	printf("%s\n", why);
	bufferevent_free(st->bev);
	st->bev = NULL;
	st->owner_freed = 1;
	/* Give libevent's finalizers (and any stray TLS work) a few loop turns. */
	event_base_loopexit(st->base, &tv);
}

/* Write the ClientHello now (libevent would right after this callback), then block. */
static void
stall(struct state *st, struct bufferevent *bev)
{
	struct bufferevent *under = bufferevent_get_underlying(bev);
	struct evbuffer *out = bufferevent_get_output(under);

	evbuffer_unfreeze(out, 1);
	while (evbuffer_get_length(out) > 0 && evbuffer_write(out, bufferevent_getfd(under)) > 0)
		;
	evbuffer_freeze(out, 1);
	usleep((useconds_t)st->stall_ms * 1000);
}

static void
on_event(struct bufferevent *bev, short what, void *arg)
{
	struct state *st = arg;

	if (what & BEV_EVENT_CONNECTED) {
		if (st->stall_ms > 0)
			stall(st, bev);
		return;
	}
	release(arg, what & BEV_EVENT_TIMEOUT ? "timeout" : what & BEV_EVENT_ERROR ? "error" :
	    "eof");
}

static void
on_done(struct tls_conn *conn, void *arg)
{
	struct state *st = arg;

	(void)conn;
	if (st->owner_freed) {
		printf("late-hook\n");
		st->late_hook++;
		return;
	}
	release(st, "handshake");
}

static void
on_freed(void *arg)
{
	((struct state *)arg)->freed++;
}

int
main(int argc, char **argv)
{
	struct state st;
	struct tls_conn *conn;
	struct tls_ctx *ctx;
	struct netaddr to;
	struct timeval rt;
	const char *text = NULL;
	char err[128];
	long timeout_ms;
	int i;

	if (argc < 4 || netaddr_parse(argv[1], (uint16_t)atoi(argv[2]), &to) != 0 ||
	    (timeout_ms = atol(argv[3])) <= 0) {
		fprintf(stderr, "usage: tlstimeout ADDR PORT TIMEOUT_MS [--write TEXT] "
		    "[--stall MS]\n");
		return 2;
	}
	memset(&st, 0, sizeof(st));
	for (i = 4; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--write") == 0)
			text = argv[i + 1];
		else if (strcmp(argv[i], "--stall") == 0)
			st.stall_ms = atol(argv[i + 1]);
		else
			return 2;
	}
	if (tls_init() != 0 || (st.base = event_base_new()) == NULL ||
	    (ctx = tls_client_ctx_new_notary(err, sizeof(err))) == NULL)
		return 1;
	st.bev = tls_bev_new(st.base, -1, ctx, 0, "www.example.test", &conn);
	tls_ctx_free(ctx);	/* the connection holds its own reference */
	if (st.bev == NULL)
		return 1;
	tls_conn_set_callbacks(conn, on_done, on_freed, &st);
	bufferevent_setcb(st.bev, NULL, NULL, on_event, &st);
	bufferevent_enable(st.bev, EV_READ | EV_WRITE);
	rt.tv_sec = timeout_ms / 1000;
	rt.tv_usec = (timeout_ms % 1000) * 1000;
	bufferevent_set_timeouts(st.bev, &rt, NULL);
	if (text != NULL)
		bufferevent_write(st.bev, text, strlen(text));
	if (tls_bev_connect(st.bev, (const struct sockaddr *)&to.ss, (int)to.len) != 0) {
		printf("connect failed\n");
		bufferevent_free(st.bev);
		st.bev = NULL;
	}
	event_base_dispatch(st.base);
	if (st.bev != NULL)
		release(&st, "end");
	/* Run the finalizers of what was freed last. */
	event_base_loop(st.base, EVLOOP_NONBLOCK);
	event_base_free(st.base);
	tls_cleanup();
	printf("freed=%d late_hook=%d\n", st.freed, st.late_hook);
	return st.freed == 1 && st.late_hook == 0 ? 0 : 1;
}
