/*
 * tests/integration/tools/vredisdrive.c - drives lib/vredis.c against a real redis-server for
 * tests/integration/vredis_live.sh: a GET every 20 ms (and a PUBLISH every 200 ms when
 * subscribed), each result timed; every 50 ms the state and the counts go to a file the test
 * reads (written whole, then renamed, so it never reads half a line).
 *
 *   vredisdrive URL OUTFILE [-p PASSWORD] [-t TIMEOUT_MS] [-c CHANNEL] [-l SLACK_MS]
 *
 * The line: state=up subscribed=1 ok=N timeouts=N lost=N refused=N late=N maxlat_ms=N
 * messages=N pubok=N connects=N disconnects=N error=...
 * late counts callbacks that came after their deadline plus 200 ms (-l): the bound vredis
 * promises.
 * SIGTERM ends it with vredis_free (exit 0), so valgrind sees the teardown.
 */
#include "autoconf.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <unistd.h>

#include <event2/event.h>
#include <hiredis/hiredis.h>

#include "vredis.h"
#include "vutil.h"
#include "log.h"

#define TICK_MS 20
/* A loaded test machine may delay a wake-up; a missing deadline is seconds (the stuck drop
 * comes after 2 s). -l sets another (a sanitizer build on a busy machine). */
#define LATE_SLACK_MS 200

struct req;

struct drive {
	LIST_HEAD(, req) reqs;		/* out: vredis_free calls no callback, they are freed here */
	struct event_base *base;
	struct vredis *vr;
	const char *out, *channel;
	uint32_t timeout_ms;
	uint32_t slack_ms;
	uint64_t ok, timeouts, lost, late, maxlat, messages, pubok, ticks;
	char last_msg[64];
};

struct req {
	LIST_ENTRY(req) link;
	struct drive *d;
	uint64_t sent_ms;
};

static void
drive_done(void *arg, enum vredis_status status, const struct redisReply *r)
{
	struct req *q = arg;
	struct drive *d = q->d;
	uint64_t lat = now_ms() - q->sent_ms;

	if (lat > d->maxlat)
		d->maxlat = lat;
	if (lat > d->timeout_ms + d->slack_ms)
		d->late++;
	if (status == VREDIS_OK)
		d->ok++;
	else if (status == VREDIS_TIMEOUT)
		d->timeouts++;
	else
		d->lost++;
	(void)r;
	LIST_REMOVE(q, link);
	free(q);
}

static void
drive_pub_done(void *arg, enum vredis_status status, const struct redisReply *r)
{
	struct drive *d = arg;

	if (status == VREDIS_OK && r->type == REDIS_REPLY_INTEGER)
		d->pubok++;
}

static void
drive_msg(void *arg, const uint8_t *data, size_t len)
{
	struct drive *d = arg;

	d->messages++;
	snprintf(d->last_msg, sizeof(d->last_msg), "%.*s", (int)(len < 60 ? len : 60),
	    (const char *)data);
}

static void
drive_write(struct drive *d)
{
	struct vredis_stats st;
	char tmp[4096];
	FILE *f;

	vredis_stats(d->vr, &st);
	snprintf(tmp, sizeof(tmp), "%s.tmp", d->out);
	if ((f = fopen(tmp, "w")) == NULL)
		return;
	fprintf(f,
	    "state=%s subscribed=%d ok=%llu timeouts=%llu lost=%llu refused=%llu late=%llu "
	    "maxlat_ms=%llu messages=%llu pubok=%llu connects=%llu disconnects=%llu "
	    "last_msg=%s error=%s\n",
	    vredis_state_name(st.state), st.subscribed, (unsigned long long)d->ok,
	    (unsigned long long)d->timeouts, (unsigned long long)d->lost,
	    (unsigned long long)st.refused, (unsigned long long)d->late,
	    (unsigned long long)d->maxlat, (unsigned long long)d->messages,
	    (unsigned long long)d->pubok, (unsigned long long)st.connects,
	    (unsigned long long)st.disconnects, d->last_msg, st.last_error);
	fclose(f);
	rename(tmp, d->out);
}

static void
drive_tick(evutil_socket_t fd, short what, void *arg)
{
	struct drive *d = arg;
	static const char *const get[2] = { "GET", "vredisdrive:key" };
	static const size_t get_len[2] = { 3, 15 };
	struct req *q = calloc(1, sizeof(*q));

	(void)fd;
	(void)what;
	if (q != NULL) {
		q->d = d;
		q->sent_ms = now_ms();
		if (vredis_command(d->vr, 0, drive_done, q, 2, get, get_len) == NULL)
			free(q);
		else
			LIST_INSERT_HEAD(&d->reqs, q, link);
	}
	if (d->channel && ++d->ticks % 10 == 0) {
		char body[32];
		const char *pub[3] = { "PUBLISH", d->channel, body };
		size_t len[3] = { 7, strlen(d->channel), 0 };
		len[2] = (size_t)snprintf(body, sizeof(body), "tick-%llu",
		    (unsigned long long)d->ticks);
		vredis_command(d->vr, 0, drive_pub_done, d, 3, pub, len);
	}
	if (d->ticks % 3 == 0 || !d->channel)
		drive_write(d);
}

static void
drive_stop(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	event_base_loopbreak(arg);
}

int
main(int argc, char **argv)
{
	struct drive d = { 0 };
	struct vredis_config cfg = { 0 };
	struct timeval tick = { 0, TICK_MS * 1000 };
	struct event *t, *sig;
	char err[160];
	int ch;

	if (argc < 3) {
		fprintf(stderr, "usage: vredisdrive URL OUTFILE [-p PASSWORD] [-t MS] [-c CHANNEL] [-l SLACK_MS]\n");
		return 2;
	}
	log_init("vredisdrive", 1, LOG_L_DEBUG);
	if (vredis_parse_url(argv[1], &cfg.addr, err, sizeof(err)) != 0) {
		fprintf(stderr, "vredisdrive: %s: %s\n", argv[1], err);
		return 2;
	}
	LIST_INIT(&d.reqs);
	d.out = argv[2];
	cfg.timeout_ms = 20;
	optind = 3;
	d.slack_ms = LATE_SLACK_MS;
	while ((ch = getopt(argc, argv, "p:t:c:l:")) != -1) {
		if (ch == 'p')
			cfg.password = optarg;
		else if (ch == 't')
			cfg.timeout_ms = (uint32_t)atoi(optarg);
		else if (ch == 'l')
			d.slack_ms = (uint32_t)atoi(optarg);
		else if (ch == 'c')
			cfg.channel = d.channel = optarg;
		else
			return 2;
	}
	d.timeout_ms = cfg.timeout_ms;
	cfg.log_sub = "drive";
	signal(SIGPIPE, SIG_IGN);
	d.base = event_base_new();
	if (d.base == NULL || (d.vr = vredis_new(d.base, &cfg, drive_msg, &d)) == NULL)
		return 1;
	t = event_new(d.base, -1, EV_PERSIST, drive_tick, &d);
	sig = evsignal_new(d.base, SIGTERM, drive_stop, d.base);
	if (t == NULL || sig == NULL || event_add(t, &tick) != 0 || event_add(sig, NULL) != 0)
		return 1;
	event_base_dispatch(d.base);
	drive_write(&d);
	vredis_free(d.vr);
	while (!LIST_EMPTY(&d.reqs)) {
		struct req *q = LIST_FIRST(&d.reqs);
		LIST_REMOVE(q, link);
		free(q);
	}
	event_free(t);
	event_free(sig);
	event_base_free(d.base);
	return 0;
}
