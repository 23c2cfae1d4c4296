/* lib/vredis.c - one Redis server shared by a fleet: deadlines, one subscription, backoff. */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include "log.h"
#include "vredis.h"
#include "vutil.h"

/*
 * hiredis 0.14 has no deadline of its own for a connection attempt: one to an address that
 * drops SYNs would wait for the kernel's minutes. A second is plenty on a LAN.
 */
#define VREDIS_CONNECT_MS 1000
/* Reconnection backoff: the first retry soon (a restart takes Redis a moment), then doubling
 * to a few seconds so a fleet does not hammer a server that is coming back up. */
#define VREDIS_BACKOFF_MIN_MS 100
#define VREDIS_BACKOFF_MAX_MS 5000
/* A connection that stayed up this long went down for a new reason: the next attempt is soon
 * again. One that goes down sooner (a server that hangs up after each handshake, a reply we
 * refuse each time) keeps the backoff growing: a working handshake alone is no reason to
 * retry at once. */
#define VREDIS_STABLE_MS 10000
/* An idle command connection is checked this often (a PING), so the state shown is the
 * truth even without traffic, and a silently dead path is noticed. */
#define VREDIS_HEARTBEAT_MS 1000
/* A connection with commands out and no reply for this long is dropped and reopened: its
 * replies, if they ever come, are too late for anyone. */
#define VREDIS_STUCK_MS 2000
/*
 * What one reply may hold. Redis is not trusted more than the network (a MITM on a TCP path,
 * a compromised server): hiredis 0.14 would buffer a bulk string of any announced length and
 * allocate an array of any announced count. Past these the connection is dropped. Our
 * values are small (a verdict, a peer row); 16 MiB still fits a mirror's whole shared state.
 */
#define VREDIS_BUF_MAX (16u << 20)	/* bytes buffered for one unfinished reply; also
					 * what one whole reply may take once parsed */
#define VREDIS_ARRAY_MAX 262144		/* elements of one array reply */

enum vconn_kind { VCONN_CMD, VCONN_SUB };

struct vconn {
	struct vredis *vr;
	enum vconn_kind kind;
	redisAsyncContext *ac;		/* NULL while down */
	int ready;			/* AUTH/SELECT done (CMD) or subscribed (SUB) */
	int handshake_err;		/* AUTH or SELECT refused: drop after the handshake */
	struct event *retry;		/* next attempt (backoff) */
	struct event *deadline;		/* the attempt's deadline */
	uint32_t backoff_ms;
	unsigned failures;		/* attempts failed in a row */
	uint64_t up_ms;			/* when it became ready */
	const char *refused;		/* why the reader refused a reply (a static string) */
};

struct vredis {
	struct event_base *base;
	struct vredis_addr addr;
	char desc[VREDIS_HOST_MAX + 32];
	char *username, *password, *channel, *log_sub;
	uint32_t timeout_ms;
	vredis_msg_cb msg;
	void *msg_arg;
	void (*on_up)(void *arg);
	void *on_up_arg;
	struct vconn cmd, sub;
	struct event *heartbeat;
	uint64_t waiting_since_ms;	/* last progress while commands are out */
	int freeing;			/* callbacks are not called any more */
	struct vredis_stats st;
};

struct vredis_cmd {
	struct vredis *vr;
	vredis_cb cb;			/* NULL: answered, timed out or cancelled */
	void *arg;
	struct event *timer;
};

static void vconn_start(struct vconn *c);

const char *
vredis_state_name(enum vredis_state s)
{
	switch (s) {
	case VREDIS_CONNECTING:
		return "connecting";
	case VREDIS_UP:
		return "up";
	case VREDIS_DOWN:
		return "down";
	}
	return "?";
}

/* ---- connections ---- */

static const char *
vconn_name(const struct vconn *c)
{
	return c->kind == VCONN_CMD ? "" : " (subscription)";
}

static void
vredis_set_state(struct vredis *vr, enum vredis_state s)
{
	if (vr->st.state != s)
		vr->st.since = wall_s();
	vr->st.state = s;
}

/* The connection is gone (or never came): say so once, and try again after the backoff. */
static void
vconn_down(struct vconn *c, const char *why)
{
	struct vredis *vr = c->vr;
	struct timeval tv;
	uint32_t wait;

	if (c->ready && now_ms() - c->up_ms >= VREDIS_STABLE_MS)
		c->backoff_ms = VREDIS_BACKOFF_MIN_MS;
	wait = c->backoff_ms;
	c->ready = 0;
	c->ac = NULL;
	event_del(c->deadline);
	if (vr->freeing)
		return;
	if (c->failures++ == 0)
		log_warnx(LOG_G_SHARED, "%s: redis %s%s down: %s; retrying with backoff", vr->log_sub,
		    vr->desc, vconn_name(c), why);
	else
		log_debug(LOG_G_SHARED, "%s: redis %s%s still down: %s", vr->log_sub, vr->desc,
		    vconn_name(c), why);
	if (c->kind == VCONN_CMD) {
		snprintf(vr->st.last_error, sizeof(vr->st.last_error), "%s", why);
		vredis_set_state(vr, VREDIS_DOWN);
		vr->st.backoff_ms = wait;
	} else
		vr->st.subscribed = 0;
	wait += random_uniform(wait / 4 + 1); /* a fleet restarted together spreads out */
	c->backoff_ms = c->backoff_ms * 2 > VREDIS_BACKOFF_MAX_MS ? VREDIS_BACKOFF_MAX_MS :
								    c->backoff_ms * 2;
	tv.tv_sec = wait / 1000;
	tv.tv_usec = (suseconds_t)(wait % 1000) * 1000;
	evtimer_add(c->retry, &tv);
}

/* Drop the connection from our side (not from inside a hiredis callback's caller chain
 * that still uses ac: hiredis defers the free when it is). */
static void
vconn_drop(struct vconn *c, const char *why)
{
	redisAsyncContext *ac = c->ac;

	if (ac == NULL)
		return;
	c->vr->st.disconnects += c->ready;
	vconn_down(c, why); /* c->ac = NULL first: the disconnect callback then ignores ac */
	redisAsyncFree(ac);
}

static void
vconn_ready(struct vconn *c)
{
	struct vredis *vr = c->vr;

	c->ready = 1;
	c->up_ms = now_ms();
	event_del(c->deadline);
	vr->st.connects++;
	if (c->failures > 0 || c->kind == VCONN_CMD)
		log_info(LOG_G_SHARED, "%s: redis %s%s up%s", vr->log_sub, vr->desc, vconn_name(c),
		    c->failures > 0 ? " again" : "");
	c->failures = 0;
	if (c->kind == VCONN_CMD) {
		vr->st.backoff_ms = 0;
		vr->waiting_since_ms = now_ms();
		vredis_set_state(vr, VREDIS_UP);
		if (vr->on_up != NULL && !vr->freeing)
			vr->on_up(vr->on_up_arg);
	} else
		vr->st.subscribed = 1;
}

/* AUTH and SELECT replies: an error ends the attempt (wrong password, no such db). */
static void
vconn_handshake_cb(redisAsyncContext *ac, void *reply, void *priv)
{
	struct vconn *c = priv;
	const redisReply *r = reply;

	if (c->ac != ac || r == NULL)
		return;
	if (r->type == REDIS_REPLY_ERROR) {
		char why[128];
		snprintf(why, sizeof(why), "refused: %.*s", (int)(r->len < 100 ? r->len : 100),
		    r->str);
		vconn_drop(c, why);
	}
}

/* The PING after the handshake: commands may go once it answers. Refused (NOAUTH: Redis
 * wants a password and none is configured): the attempt ends with Redis's reason. */
static void
vconn_ready_cb(redisAsyncContext *ac, void *reply, void *priv)
{
	struct vconn *c = priv;

	if (c->ac == ac && reply != NULL && ((redisReply *)reply)->type != REDIS_REPLY_ERROR)
		vconn_ready(c);
	else
		vconn_handshake_cb(ac, reply, priv);
}

static void
vconn_message_cb(redisAsyncContext *ac, void *reply, void *priv)
{
	struct vconn *c = priv;
	struct vredis *vr = c->vr;
	const redisReply *r = reply;

	if (c->ac != ac || r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements != 3 ||
	    r->element[0]->type != REDIS_REPLY_STRING)
		return;
	if (r->element[0]->len == 9 && memcmp(r->element[0]->str, "subscribe", 9) == 0) {
		if (!c->ready) /* a repeated confirmation is no new connection */
			vconn_ready(c);
		return;
	}
	if (r->element[0]->len != 7 || memcmp(r->element[0]->str, "message", 7) != 0 ||
	    r->element[2]->type != REDIS_REPLY_STRING)
		return;
	vr->st.messages++;
	if (vr->msg != NULL && !vr->freeing)
		vr->msg(vr->msg_arg, (const uint8_t *)r->element[2]->str, r->element[2]->len);
}

/* What every connection sends first; hiredis queues it until the socket is writable. */
static int
vconn_handshake(struct vconn *c)
{
	struct vredis *vr = c->vr;
	char db[16];

	if (vr->password[0] != '\0') {
		/* "AUTH password" without a user name: also what Redis before 6 understands. */
		const char *argv[3] = { "AUTH", vr->password, NULL };
		size_t len[3] = { 4, strlen(vr->password), 0 };
		int argc = 2;
		if (vr->username[0] != '\0') {
			argv[1] = vr->username, len[1] = strlen(vr->username);
			argv[2] = vr->password, len[2] = strlen(vr->password);
			argc = 3;
		}
		if (redisAsyncCommandArgv(c->ac, vconn_handshake_cb, c, argc, argv, len) != REDIS_OK)
			return -1;
	}
	if (c->kind == VCONN_SUB) {
		const char *argv[2] = { "SUBSCRIBE", vr->channel };
		size_t len[2] = { 9, strlen(vr->channel) };
		return redisAsyncCommandArgv(c->ac, vconn_message_cb, c, 2, argv, len);
	}
	snprintf(db, sizeof(db), "%u", vr->addr.db);
	if (vr->addr.db != 0 &&
	    redisAsyncCommand(c->ac, vconn_handshake_cb, c, "SELECT %s", db) != REDIS_OK)
		return -1;
	return redisAsyncCommand(c->ac, vconn_ready_cb, c, "PING");
}

static void
vconn_connect_cb(const redisAsyncContext *ac, int status)
{
	struct vconn *c = ac->data;

	if (c->ac != ac)
		return;
	if (status != REDIS_OK) /* hiredis frees ac after this call */
		vconn_down(c, ac->errstr[0] ? ac->errstr : "connection failed");
}

static void
vconn_disconnect_cb(const redisAsyncContext *ac, int status)
{
	struct vconn *c = ac->data;

	(void)status;
	if (c->ac != ac) /* our own drop: already handled */
		return;
	c->vr->st.disconnects += c->ready;
	if (ac->err && c->refused != NULL) /* the reader's error: a reply we refused */
		vconn_down(c, c->refused);
	else if (ac->err && strcmp(ac->errstr, "Out of memory") == 0)
		vconn_down(c, "out of memory");
	else
		vconn_down(c, ac->err ? ac->errstr : "connection closed by the server");
}

static void
vconn_deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	vconn_drop(arg, "no answer within the connection deadline");
}

static void
vconn_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	vconn_start(arg);
}

/* ---- the event adapter (ours, not hiredis's: it bounds what one reply may buffer) ---- */

struct vconn_ev {
	struct vconn *c;
	redisAsyncContext *ac;
	struct event *rev, *wev;
	size_t reply_bytes;		/* what the reply being read takes so far */
	int pubsub;			/* it goes to hiredis's pub/sub path (SUB, none awaited) */
};

static const redisReplyObjectFunctions *vredis_default_fns;

/* An element of a pub/sub array: hiredis 0.14 asserts [bulk, bulk, ...], and for an
 * "unsubscribe" an integer third; we subscribe once and never leave, so only a
 * "subscribe" confirmation or a "message" of three plain elements is taken. */
static int
vredis_pubsub_element(const redisReadTask *task, const char *str, size_t len)
{
	if (task->idx == 0)
		return task->type == REDIS_REPLY_STRING && ((len == 7 &&
		    memcmp(str, "message", 7) == 0) || (len == 9 && memcmp(str, "subscribe", 9) == 0));
	if (task->idx == 1)
		return task->type == REDIS_REPLY_STRING;
	return task->type == REDIS_REPLY_STRING || task->type == REDIS_REPLY_INTEGER;
}

/*
 * Every object of a reply passes here as hiredis's reader builds it (task->privdata is the
 * connection's vconn_ev); a refusal is a reader error: the connection is dropped, the
 * reason kept. hiredis 0.14 aborts the process (assert) on a reply nobody asked for on a
 * connection not subscribed, and on a pub/sub array of another shape: such replies never
 * reach it. The whole reply is bounded too, not only what is buffered: the reader frees
 * its buffer as it goes, so many elements just under the buffer bound would pass it.
 */
static int
vredis_reply_allowed(const redisReadTask *task, int elements, const char *str, size_t len)
{
	struct vconn_ev *e = task->privdata;
	const char *why = NULL;

	if (task->parent == NULL) {
		e->reply_bytes = 0;
		e->pubsub = e->c->kind == VCONN_SUB && e->ac->replies.head == NULL;
		if (e->c->kind == VCONN_CMD && e->ac->replies.head == NULL &&
		    task->type != REDIS_REPLY_ERROR) /* an error: hiredis hangs up itself */
			why = "a reply nobody asked for (a broken or hostile server)";
		else if (e->pubsub && task->type == REDIS_REPLY_ARRAY && elements != 3)
			why = "a reply of an unexpected shape on the subscription";
	} else if (e->pubsub && !vredis_pubsub_element(task, str, len))
		why = "a reply of an unexpected shape on the subscription";
	if (elements < 0 || elements > VREDIS_ARRAY_MAX)
		why = "a reply too large (over 262144 elements)";
	e->reply_bytes += sizeof(redisReply) + len;
	if (elements > 0)
		e->reply_bytes += (size_t)elements * sizeof(redisReply *);
	if (why == NULL && e->reply_bytes > VREDIS_BUF_MAX)
		why = "a reply over 16 MiB (a broken or hostile server)";
	if (why != NULL)
		e->c->refused = why;
	return why == NULL;
}

/* hiredis reports a NULL object as out of memory and drops the connection. */
static void *
vredis_create_string(const redisReadTask *task, char *str, size_t len)
{
	return vredis_reply_allowed(task, 0, str, len) ?
	    vredis_default_fns->createString(task, str, len) : NULL;
}

static void *
vredis_create_array(const redisReadTask *task, int elements)
{
	return vredis_reply_allowed(task, elements, NULL, 0) ?
	    vredis_default_fns->createArray(task, elements) : NULL;
}

static void *
vredis_create_integer(const redisReadTask *task, long long value)
{
	return vredis_reply_allowed(task, 0, NULL, 0) ?
	    vredis_default_fns->createInteger(task, value) : NULL;
}

static void *
vredis_create_nil(const redisReadTask *task)
{
	return vredis_reply_allowed(task, 0, NULL, 0) ? vredis_default_fns->createNil(task) :
							 NULL;
}

static redisReplyObjectFunctions vredis_fns;

static void
vconn_ev_read(evutil_socket_t fd, short what, void *arg)
{
	struct vconn_ev *e = arg;
	struct vconn *c = e->c;
	redisAsyncContext *ac = e->ac;

	(void)fd;
	(void)what;
	redisAsyncHandleRead(ac); /* may free ac and e (a disconnect): only c is used after */
	if (c->ac == ac && ac->c.reader->len - ac->c.reader->pos > VREDIS_BUF_MAX)
		vconn_drop(c, "a reply over 16 MiB (a broken or hostile server)");
}

static void
vconn_ev_write(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	redisAsyncHandleWrite(((struct vconn_ev *)arg)->ac);
}

static void
vconn_ev_add_read(void *arg)
{
	event_add(((struct vconn_ev *)arg)->rev, NULL);
}

static void
vconn_ev_del_read(void *arg)
{
	event_del(((struct vconn_ev *)arg)->rev);
}

static void
vconn_ev_add_write(void *arg)
{
	event_add(((struct vconn_ev *)arg)->wev, NULL);
}

static void
vconn_ev_del_write(void *arg)
{
	event_del(((struct vconn_ev *)arg)->wev);
}

static void
vconn_ev_cleanup(void *arg)
{
	struct vconn_ev *e = arg;

	event_free(e->rev);
	event_free(e->wev);
	free(e);
}

static int
vconn_attach(struct vconn *c, redisAsyncContext *ac)
{
	struct vconn_ev *e = calloc(1, sizeof(*e));

	if (e == NULL)
		return -1;
	e->c = c;
	e->ac = ac;
	e->rev = event_new(c->vr->base, ac->c.fd, EV_READ, vconn_ev_read, e);
	e->wev = event_new(c->vr->base, ac->c.fd, EV_WRITE, vconn_ev_write, e);
	if (e->rev == NULL || e->wev == NULL) {
		if (e->rev)
			event_free(e->rev);
		if (e->wev)
			event_free(e->wev);
		free(e);
		return -1;
	}
	ac->ev.data = e;
	ac->ev.addRead = vconn_ev_add_read;
	ac->ev.delRead = vconn_ev_del_read;
	ac->ev.addWrite = vconn_ev_add_write;
	ac->ev.delWrite = vconn_ev_del_write;
	ac->ev.cleanup = vconn_ev_cleanup;
	/* Every reader starts with hiredis's own functions: wrap them once. */
	if (vredis_default_fns == NULL) {
		vredis_default_fns = ac->c.reader->fn;
		vredis_fns = *vredis_default_fns;
		vredis_fns.createString = vredis_create_string;
		vredis_fns.createArray = vredis_create_array;
		vredis_fns.createInteger = vredis_create_integer;
		vredis_fns.createNil = vredis_create_nil;
	}
	ac->c.reader->fn = &vredis_fns;
	ac->c.reader->privdata = e;
	event_add(e->rev, NULL);
	event_add(e->wev, NULL);
	return 0;
}

static void
vconn_start(struct vconn *c)
{
	struct vredis *vr = c->vr;
	struct timeval tv = { VREDIS_CONNECT_MS / 1000, (VREDIS_CONNECT_MS % 1000) * 1000 };
	redisAsyncContext *ac;

	ac = vr->addr.is_unix ? redisAsyncConnectUnix(vr->addr.path) :
				redisAsyncConnect(vr->addr.host, vr->addr.port);
	if (ac == NULL || ac->err) {
		char why[128];
		snprintf(why, sizeof(why), "%s", ac ? ac->errstr : "out of memory");
		if (ac)
			redisAsyncFree(ac);
		vconn_down(c, why);
		return;
	}
	ac->data = c;
	c->ac = ac;
	c->refused = NULL;
	if (vconn_attach(c, ac) != 0 ||
	    redisAsyncSetConnectCallback(ac, vconn_connect_cb) != REDIS_OK ||
	    redisAsyncSetDisconnectCallback(ac, vconn_disconnect_cb) != REDIS_OK ||
	    vconn_handshake(c) != REDIS_OK) {
		vconn_drop(c, "cannot set the connection up");
		return;
	}
	evtimer_add(c->deadline, &tv);
}

/* ---- commands ---- */

static void
vredis_reply_cb(redisAsyncContext *ac, void *reply, void *priv)
{
	struct vredis_cmd *cmd = priv;
	struct vredis *vr = cmd->vr;
	const redisReply *r = reply;

	(void)ac;
	vr->st.outstanding--;
	if (r != NULL)
		vr->waiting_since_ms = now_ms();
	if (cmd->cb != NULL && !vr->freeing) {
		vredis_cb cb = cmd->cb;
		cmd->cb = NULL;
		evtimer_del(cmd->timer);
		if (r != NULL) {
			vr->st.replies++;
			vr->st.error_replies += r->type == REDIS_REPLY_ERROR;
		} else
			vr->st.lost++;
		cb(cmd->arg, r ? VREDIS_OK : VREDIS_LOST, r);
	}
	event_free(cmd->timer);
	free(cmd);
}

/* Commands out and nothing back for VREDIS_STUCK_MS: the connection is of no use. */
static void
vredis_check_stuck(struct vredis *vr)
{
	if (vr->cmd.ready && vr->st.outstanding > 0 &&
	    now_ms() - vr->waiting_since_ms > VREDIS_STUCK_MS)
		vconn_drop(&vr->cmd, "no reply for 2 s");
}

static void
vredis_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct vredis_cmd *cmd = arg;
	vredis_cb cb = cmd->cb;

	(void)fd;
	(void)what;
	if (cb == NULL)
		return;
	cmd->cb = NULL; /* the reply, if it comes, is dropped */
	cmd->vr->st.timeouts++;
	cb(cmd->arg, VREDIS_TIMEOUT, NULL);
	vredis_check_stuck(cmd->vr);
}

struct vredis_cmd *
vredis_command(struct vredis *vr, uint32_t timeout_ms, vredis_cb cb, void *arg, int argc,
    const char *const *argv, const size_t *argvlen)
{
	struct vredis_cmd *cmd;
	struct timeval tv;

	if (timeout_ms == 0)
		timeout_ms = vr->timeout_ms;
	if (!vr->cmd.ready || vr->st.outstanding >= VREDIS_OUTSTANDING_MAX ||
	    (cmd = calloc(1, sizeof(*cmd))) == NULL) {
		vr->st.refused++;
		return NULL;
	}
	cmd->vr = vr;
	cmd->cb = cb;
	cmd->arg = arg;
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (suseconds_t)(timeout_ms % 1000) * 1000;
	if ((cmd->timer = evtimer_new(vr->base, vredis_timeout_cb, cmd)) == NULL ||
	    evtimer_add(cmd->timer, &tv) != 0 ||
	    redisAsyncCommandArgv(vr->cmd.ac, vredis_reply_cb, cmd, argc, (const char **)argv,
		argvlen) != REDIS_OK) {
		if (cmd->timer)
			event_free(cmd->timer);
		free(cmd);
		vr->st.refused++;
		return NULL;
	}
	if (vr->st.outstanding++ == 0)
		vr->waiting_since_ms = now_ms();
	vr->st.commands++;
	return cmd;
}

void
vredis_cancel(struct vredis_cmd *cmd)
{
	if (cmd == NULL)
		return;
	cmd->cb = NULL; /* freed when hiredis hands the reply (or the loss) back */
	evtimer_del(cmd->timer);
}

static void
vredis_heartbeat_ping(void *arg, enum vredis_status status, const struct redisReply *r)
{
	(void)arg;
	(void)status;
	(void)r;
}

static void
vredis_heartbeat_cb(evutil_socket_t fd, short what, void *arg)
{
	struct vredis *vr = arg;
	static const char *const ping[1] = { "PING" };
	static const size_t ping_len[1] = { 4 };

	(void)fd;
	(void)what;
	vredis_check_stuck(vr);
	if (vr->cmd.ready && vr->st.outstanding == 0)
		vredis_command(vr, VREDIS_HEARTBEAT_MS, vredis_heartbeat_ping, vr, 1, ping,
		    ping_len);
}

/* ---- the handle ---- */

static int
vconn_init(struct vredis *vr, struct vconn *c, enum vconn_kind kind)
{
	c->vr = vr;
	c->kind = kind;
	c->backoff_ms = VREDIS_BACKOFF_MIN_MS;
	c->retry = evtimer_new(vr->base, vconn_retry_cb, c);
	c->deadline = evtimer_new(vr->base, vconn_deadline_cb, c);
	return c->retry && c->deadline ? 0 : -1;
}

static void
vconn_fini(struct vconn *c)
{
	redisAsyncContext *ac = c->ac;

	c->ac = NULL;
	c->ready = 0;
	if (ac != NULL)
		redisAsyncFree(ac); /* runs the commands' callbacks: they free, never call back */
	if (c->retry)
		event_free(c->retry);
	if (c->deadline)
		event_free(c->deadline);
}

static char *
vredis_strdup(const char *s)
{
	return strdup(s ? s : "");
}

struct vredis *
vredis_new(struct event_base *base, const struct vredis_config *cfg, vredis_msg_cb msg,
    void *msg_arg)
{
	struct vredis *vr = calloc(1, sizeof(*vr));
	struct timeval hb = { VREDIS_HEARTBEAT_MS / 1000, (VREDIS_HEARTBEAT_MS % 1000) * 1000 };

	if (vr == NULL)
		return NULL;
	vr->base = base;
	vr->addr = cfg->addr;
	vredis_describe(&vr->addr, vr->desc, sizeof(vr->desc));
	vr->username = vredis_strdup(cfg->username && *cfg->username ? cfg->username : vr->addr.user);
	vr->password = vredis_strdup(cfg->password && *cfg->password ? cfg->password :
								     vr->addr.password);
	vr->channel = cfg->channel ? strdup(cfg->channel) : NULL;
	vr->log_sub = vredis_strdup(cfg->log_sub ? cfg->log_sub : "shared");
	vr->timeout_ms = cfg->timeout_ms ? cfg->timeout_ms : 20;
	vr->msg = msg;
	vr->msg_arg = msg_arg;
	vr->on_up = cfg->on_up;
	vr->on_up_arg = cfg->on_up_arg;
	vr->st.state = VREDIS_CONNECTING;
	vr->st.since = wall_s();
	vr->heartbeat = event_new(base, -1, EV_PERSIST, vredis_heartbeat_cb, vr);
	if (!vr->username || !vr->password || !vr->log_sub || (cfg->channel && !vr->channel) ||
	    !vr->heartbeat || vconn_init(vr, &vr->cmd, VCONN_CMD) != 0 ||
	    (vr->channel && vconn_init(vr, &vr->sub, VCONN_SUB) != 0) ||
	    event_add(vr->heartbeat, &hb) != 0) {
		vredis_free(vr);
		return NULL;
	}
	vconn_start(&vr->cmd);
	if (vr->channel)
		vconn_start(&vr->sub);
	return vr;
}

void
vredis_free(struct vredis *vr)
{
	if (vr == NULL)
		return;
	vr->freeing = 1;
	if (vr->heartbeat)
		event_free(vr->heartbeat);
	vconn_fini(&vr->cmd);
	vconn_fini(&vr->sub);
	free(vr->username);
	free(vr->password);
	free(vr->channel);
	free(vr->log_sub);
	free(vr);
}

int
vredis_up(const struct vredis *vr)
{
	return vr != NULL && vr->cmd.ready;
}

int
vredis_subscribed(const struct vredis *vr)
{
	return vr != NULL && vr->sub.ready;
}

void
vredis_stats(const struct vredis *vr, struct vredis_stats *out)
{
	*out = vr->st;
}
