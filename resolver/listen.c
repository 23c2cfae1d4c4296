/* resolver/listen.c - UDP and TCP listeners, and the TCP connections they accept. */
#include "autoconf.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <unistd.h>

#include "acl.h"
#include "config.h"
#include "dnswire.h"
#include "listen.h"
#include "tcp_admit.h"
#include "log.h"
#include "query.h"
#include "stats.h"
#include "vutil.h"

/* Datagrams taken per wake-up with one recvmmsg(2): fewer system calls under load. It is
 * also the bound on the work one wake-up does, before the loop looks at its other sockets
 * and timers (about 0.2 ms of cache hits). */
#define LISTEN_UDP_BATCH 32
/* Largest answer queued for the batched send (bytes); a longer one, rare on UDP, is sent
 * alone at once. 4096 is the EDNS buffer size most clients still offer. */
#define LISTEN_UDP_OUT_MAX 4096
/* Length-prefixed questions one TCP read callback answers before it lets the loop serve
 * its other sockets (a pipelining client can have a whole read, 4 KiB or more, waiting). */
#define LISTEN_TCP_BATCH 32
/* Questions one TCP connection may have in flight before we stop reading it (RFC 7766 6.2.1.1
 * asks servers to process pipelined queries concurrently, within reason). */
#define LISTEN_TCP_MAX_PENDING 64
/* Unsent answers a TCP client may leave with us before it is cut off (bytes). */
#define LISTEN_TCP_MAX_OUTPUT (256 * 1024)
/* UDP receive buffer asked for (bytes): bursts beyond the kernel's default (~200 KiB)
 * were dropped at a steady 20k q/s in the benchmark. Best effort: rmem_max caps it. */
#define LISTEN_UDP_RCVBUF (4 * 1024 * 1024)
/* Tries to find a port free for both UDP and TCP when the config says port 0. */
#define LISTEN_PORT_TRIES 20

struct listener {
	STAILQ_ENTRY(listener) entry;
	struct listen_ctx *ls;
	struct netaddr conf;		/* as configured (maybe port 0) */
	struct netaddr bound;		/* as bound */
	int udp_fd;
	int wildcard;			/* 0.0.0.0 or ::: reply from the address asked */
	struct event *udp_ev;
	struct evconnlistener *tcp;
};

struct tcp_conn {
	LIST_ENTRY(tcp_conn) entry;
	struct listen_ctx *ls;
	struct bufferevent *bev;
	struct netaddr peer;
	TAILQ_HEAD(, query_req) held;	/* questions waiting: cancelled if the connection goes */
	unsigned nq;
	uint8_t in_read;	/* inside tcp_read (no re-entry from tcp_release) */
	uint8_t dead;		/* closing: freed from the event loop */
};

/* A pktinfo control message (the address an answer leaves from). */
union udp_ctl {
	char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	struct cmsghdr align;
};

/*
 * One recvmmsg(2) batch in, and its answers out with one sendmmsg(2): per listen context,
 * so each worker's loop has its own. out_l is the listener being read while its questions
 * are answered; answers for it are queued, any other answer is sent at once.
 */
struct udp_batch {
	uint8_t bufs[LISTEN_UDP_BATCH][DNS_MAXMSG];
	struct mmsghdr mm[LISTEN_UDP_BATCH];
	struct iovec iov[LISTEN_UDP_BATCH];
	struct sockaddr_storage from[LISTEN_UDP_BATCH];
	union udp_ctl ctl[LISTEN_UDP_BATCH];
	const struct listener *out_l;
	unsigned n_out;
	uint8_t out[LISTEN_UDP_BATCH][LISTEN_UDP_OUT_MAX];
	struct mmsghdr omm[LISTEN_UDP_BATCH];
	struct iovec oiov[LISTEN_UDP_BATCH];
	struct sockaddr_storage to[LISTEN_UDP_BATCH];
	union udp_ctl octl[LISTEN_UDP_BATCH];
};

struct listen_ctx {
	struct listen_env env;
	struct udp_batch *batch;
	STAILQ_HEAD(, listener) listeners;	/* in configuration order */
	LIST_HEAD(, tcp_conn) conns;
	struct tcp_admit *admit;		/* env's, or this context's own */
	int own_admit;
};

static void tcp_read(struct bufferevent *bev, void *arg);

static void
tcp_conn_free(struct tcp_conn *conn)
{
	struct query_req *req;

	/* Nothing may answer into a freed connection: its waiting questions go first. */
	while ((req = TAILQ_FIRST(&conn->held)) != NULL) {
		TAILQ_REMOVE(&conn->held, req, held);
		query_cancel(req);
	}
	LIST_REMOVE(conn, entry);
	tcp_admit_give(conn->ls->admit, &conn->peer);
	bufferevent_free(conn->bev);
	free(conn);
}

static void
tcp_reap(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	tcp_conn_free(arg);
}

/*
 * Close from the event loop, never from under a caller: a connection is closed while
 * answers are being sent and questions read, and those callers still hold it.
 */
static void
tcp_conn_close(struct tcp_conn *conn)
{
	struct timeval now = { 0, 0 };

	if (conn->dead)
		return;
	conn->dead = 1;
	bufferevent_disable(conn->bev, EV_READ | EV_WRITE);
	if (event_base_once(conn->ls->env.base, -1, EV_TIMEOUT, tcp_reap, conn, &now) != 0)
		log_warnx(LOG_G_LISTEN, "cannot schedule a connection close");
}

/* The TCP sink's hold: one more question in flight on the connection. */
static void
tcp_hold(struct query_req *req)
{
	struct tcp_conn *conn = req->sink_arg;

	TAILQ_INSERT_HEAD(&conn->held, req, held);
	conn->nq++;
	if (conn->nq >= LISTEN_TCP_MAX_PENDING)
		bufferevent_disable(conn->bev, EV_READ);
}

/* The TCP sink's release: the question is done; read again if we had stopped. */
static void
tcp_release(struct query_req *req)
{
	struct tcp_conn *conn = req->sink_arg;

	TAILQ_REMOVE(&conn->held, req, held);
	conn->nq--;
	if (conn->nq + 1 == LISTEN_TCP_MAX_PENDING && !conn->dead) {
		bufferevent_enable(conn->bev, EV_READ);
		/* Questions may already wait in the input buffer: no new bytes will wake us. */
		if (evbuffer_get_length(bufferevent_get_input(conn->bev)) >= 2 && !conn->in_read)
			tcp_read(conn->bev, conn);
	}
}

/* The TCP sink's send: a length-prefixed answer. The connection is closed when the client
 * does not read its answers. */
static void
tcp_send(const struct query_req *req, const uint8_t *msg, size_t len)
{
	struct tcp_conn *conn = req->sink_arg;
	struct evbuffer *out = bufferevent_get_output(conn->bev);
	uint8_t pfx[2];

	if (conn->dead)
		return;
	if (evbuffer_get_length(out) > LISTEN_TCP_MAX_OUTPUT) {
		char a[NETADDR_STRLEN];
		log_info(LOG_G_LISTEN, "TCP client %s does not read its answers; closing",
		    netaddr_str(&conn->peer, a, sizeof(a)));
		tcp_conn_close(conn);
		return;
	}
	dnswire_put16(pfx, (uint16_t)len);
	evbuffer_add(out, pfx, 2);
	evbuffer_add(out, msg, len);
}

static const struct query_sink tcp_sink = { tcp_send, tcp_hold, tcp_release };

static void
tcp_read(struct bufferevent *bev, void *arg)
{
	struct tcp_conn *conn = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	struct query_req req = { .tcp = 1, .sink = &tcp_sink, .sink_arg = conn };

	req.peer = conn->peer;
	conn->in_read = 1;
	for (int n = 0; !conn->dead && conn->nq < LISTEN_TCP_MAX_PENDING; n++) {
		uint8_t pfx[2];
		size_t mlen;
		uint8_t *msg;

		if (evbuffer_copyout(in, pfx, 2) < 2)
			break;
		mlen = dnswire_get16(pfx);
		if (mlen < DNS_HDRLEN) {
			/* Not DNS: no length-prefixed message is that short. */
			tcp_conn_close(conn);
			break;
		}
		if (evbuffer_get_length(in) < 2 + mlen)
			break;
		if (n == LISTEN_TCP_BATCH) {
			/* More is waiting: come back after the loop's other ready events (deferred),
			 * as no new bytes may arrive to wake us. */
			bufferevent_trigger(bev, EV_READ, BEV_TRIG_DEFER_CALLBACKS);
			break;
		}
		if ((msg = evbuffer_pullup(in, (ev_ssize_t)(2 + mlen))) == NULL) {
			tcp_conn_close(conn);
			break;
		}
		query_handle(conn->ls->env.query, &req, msg + 2, mlen);
		evbuffer_drain(in, 2 + mlen);
	}
	conn->in_read = 0;
}

static void
tcp_event(struct bufferevent *bev, short what, void *arg)
{
	struct tcp_conn *conn = arg;

	if (conn->dead)
		return;
	if ((what & BEV_EVENT_TIMEOUT) && conn->nq > 0) {
		/* Idle only counts while nothing is pending for the client. */
		bufferevent_enable(bev, EV_READ | EV_WRITE);
		return;
	}
	tcp_conn_free(conn);
}

/* Whether the ACL and the limits let peer connect (a place taken then, given back when the
 * connection goes); counts the refusal when not. */
static int
tcp_admit(struct listen_ctx *ls, const struct netaddr *peer)
{
	const struct config *cfg = *ls->env.cfg;
	struct vstats *st = ls->env.st;

	if (acl_match(cfg->acl, cfg->n_acl, peer) == ACL_DROP) {
		st->acl_dropped++;
		return 0;
	}
	/* The limits are the instance's, whichever loop the kernel gave the connection. */
	switch (tcp_admit_take(ls->admit, peer, cfg->tcp.max_connections, cfg->tcp.max_per_client)) {
	case TCP_ADMIT_OK:
		return 1;
	case TCP_ADMIT_PER_CLIENT:
		/* One client must not take every connection slot from the others. */
		st->tcp_per_client_refused++;
		return 0;
	case TCP_ADMIT_FULL:
		if (++st->tcp_refused % 1000 == 1)
			log_warnx(LOG_G_LISTEN, "TCP connection limit (%lu) reached; refusing",
			    cfg->tcp.max_connections);
		return 0;
	}
	return 0;
}

static void
tcp_accept(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa, int salen,
    void *arg)
{
	struct listen_ctx *ls = ((struct listener *)arg)->ls;
	const struct config *cfg = *ls->env.cfg;
	struct tcp_conn *conn;
	struct timeval idle;
	struct netaddr peer;

	(void)lev;
	netaddr_from_sockaddr(&peer, sa, (socklen_t)salen);
	if (!tcp_admit(ls, &peer)) {
		close(fd);
		return;
	}
	if ((conn = calloc(1, sizeof(*conn))) == NULL) {
		tcp_admit_give(ls->admit, &peer);
		close(fd);
		return;
	}
	conn->ls = ls;
	conn->peer = peer;
	TAILQ_INIT(&conn->held);
	conn->bev = bufferevent_socket_new(ls->env.base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (conn->bev == NULL) {
		tcp_admit_give(ls->admit, &peer);
		close(fd);
		free(conn);
		return;
	}
	ls->env.st->tcp_accepted++;
	idle.tv_sec = (time_t)(cfg->tcp.idle_timeout_ms / 1000);
	idle.tv_usec = (suseconds_t)(cfg->tcp.idle_timeout_ms % 1000) * 1000;
	bufferevent_setcb(conn->bev, tcp_read, NULL, tcp_event, conn);
	bufferevent_set_timeouts(conn->bev, &idle, &idle);
	bufferevent_enable(conn->bev, EV_READ | EV_WRITE);
	LIST_INSERT_HEAD(&ls->conns, conn, entry);
}

/* The pktinfo control message that makes a UDP answer leave from the address asked. */
static size_t
udp_pktinfo(const struct netaddr *local, struct cmsghdr *c)
{
	struct in_pktinfo pi = { 0 };
	struct in6_pktinfo pi6 = { 0 };
	const void *data = &pi;
	size_t len = sizeof(pi);

	c->cmsg_level = IPPROTO_IP;
	c->cmsg_type = IP_PKTINFO;
	if (local->ss.ss_family == AF_INET)
		pi.ipi_spec_dst = ((const struct sockaddr_in *)&local->ss)->sin_addr;
	else {
		pi6.ipi6_addr = ((const struct sockaddr_in6 *)&local->ss)->sin6_addr;
		c->cmsg_level = IPPROTO_IPV6;
		c->cmsg_type = IPV6_PKTINFO;
		data = &pi6;
		len = sizeof(pi6);
	}
	c->cmsg_len = CMSG_LEN(len);
	memcpy(CMSG_DATA(c), data, len);
	return CMSG_SPACE(len);
}

/* The message header of req's answer in iov, to "to" (a copy of the client's address). */
static void
udp_msghdr(struct msghdr *mh, const struct query_req *req, struct iovec *iov,
    struct sockaddr_storage *to, union udp_ctl *cm)
{
	memset(mh, 0, sizeof(*mh));
	memcpy(to, &req->peer.ss, req->peer.len);
	mh->msg_name = to;
	mh->msg_namelen = req->peer.len;
	mh->msg_iov = iov;
	mh->msg_iovlen = 1;
	if (req->has_local) {
		/* Answer from the address the client asked, or it will drop our answer. */
		memset(cm, 0, sizeof(*cm));
		mh->msg_control = cm->buf;
		mh->msg_controllen = udp_pktinfo(&req->local, &cm->align);
	}
}

/*
 * Send the queued answers with as few sendmmsg(2) calls as the kernel allows. A full socket
 * buffer drops the rest, as it would drop one sendmsg; another error skips that answer.
 */
static void
udp_flush(struct udp_batch *b)
{
	unsigned done = 0;

	while (done < b->n_out) {
		int n = sendmmsg(b->out_l->udp_fd, b->omm + done, b->n_out - done, MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			log_debug(LOG_G_LISTEN, "sendmmsg: %s", strerror(errno));
			n = 1;
		}
		done += (unsigned)n;
	}
	b->n_out = 0;
}

/*
 * The UDP sink's send: from the socket that got the question. An answer given while its
 * batch is read (a cache hit) is queued and leaves with the batch's others: one system
 * call for up to LISTEN_UDP_BATCH answers instead of one each.
 */
static void
udp_send(const struct query_req *req, const uint8_t *msg, size_t len)
{
	const struct listener *l = req->sink_arg;
	struct udp_batch *b = l->ls->batch;
	struct iovec iov = { (void *)msg, len };
	struct sockaddr_storage to;
	union udp_ctl cm;
	struct msghdr mh;

	if (b->out_l == l && len <= LISTEN_UDP_OUT_MAX) {
		unsigned i = b->n_out;

		if (i == LISTEN_UDP_BATCH) {
			udp_flush(b);
			i = 0;
		}
		memcpy(b->out[i], msg, len);
		b->oiov[i] = (struct iovec){ b->out[i], len };
		udp_msghdr(&b->omm[i].msg_hdr, req, &b->oiov[i], &b->to[i], &b->octl[i]);
		b->n_out = i + 1;
		return;
	}
	udp_msghdr(&mh, req, &iov, &to, &cm);
	if (sendmsg(l->udp_fd, &mh, MSG_DONTWAIT) < 0 && errno != EAGAIN)
		log_debug(LOG_G_LISTEN, "sendmsg: %s", strerror(errno));
}

static const struct query_sink udp_sink = { udp_send, NULL, NULL };

/* Where a datagram arrived (pktinfo), for a listener on a wildcard address. */
static void
udp_local_addr(struct msghdr *mh, const struct listener *l, struct query_req *r)
{
	r->has_local = 0;
	if (!l->wildcard)
		return;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
		struct sockaddr_storage ss = { 0 };
		struct in_pktinfo pi;
		struct in6_pktinfo pi6;
		socklen_t len;

		if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO) {
			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			((struct sockaddr_in *)&ss)->sin_addr = pi.ipi_addr;
			ss.ss_family = AF_INET;
			len = sizeof(struct sockaddr_in);
		} else if (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_PKTINFO) {
			memcpy(&pi6, CMSG_DATA(cm), sizeof(pi6));
			((struct sockaddr_in6 *)&ss)->sin6_addr = pi6.ipi6_addr;
			ss.ss_family = AF_INET6;
			len = sizeof(struct sockaddr_in6);
		} else
			continue;
		netaddr_from_sockaddr(&r->local, (struct sockaddr *)&ss, len);
		r->has_local = 1;
	}
}

static void
udp_read(evutil_socket_t fd, short what, void *arg)
{
	struct listener *l = arg;
	struct udp_batch *b = l->ls->batch;
	struct mmsghdr *mm = b->mm;
	int n;

	(void)what;
	for (int i = 0; i < LISTEN_UDP_BATCH; i++) {
		b->iov[i].iov_base = b->bufs[i];
		b->iov[i].iov_len = sizeof(b->bufs[i]);
		mm[i].msg_hdr.msg_iov = &b->iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
		mm[i].msg_hdr.msg_name = &b->from[i];
		mm[i].msg_hdr.msg_namelen = sizeof(b->from[i]);
		mm[i].msg_hdr.msg_control = l->wildcard ? b->ctl[i].buf : NULL;
		mm[i].msg_hdr.msg_controllen = l->wildcard ? sizeof(b->ctl[i].buf) : 0;
		mm[i].msg_hdr.msg_flags = 0;
	}
	n = recvmmsg(fd, mm, LISTEN_UDP_BATCH, MSG_DONTWAIT, NULL);
	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			log_warn(LOG_G_LISTEN, "recvmmsg");
		return;
	}
	b->out_l = l;
	for (int i = 0; i < n; i++) {
		struct query_req req = { .sink = &udp_sink, .sink_arg = l };

		netaddr_from_sockaddr(&req.peer, (struct sockaddr *)&b->from[i],
		    mm[i].msg_hdr.msg_namelen);
		udp_local_addr(&mm[i].msg_hdr, l, &req);
		query_handle(l->ls->env.query, &req, b->bufs[i], mm[i].msg_len);
	}
	udp_flush(b);
	b->out_l = NULL;
}

static int
listen_socket(const struct netaddr *a, int type, int reuseport)
{
	int fd = socket(a->ss.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), on = 1;

	if (fd < 0)
		return -1;
	/* Worker loops: one socket each on the same address, the kernel spreads the clients.
	 * Only sockets of the same user (root, here) may join the group. */
	if (reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) != 0) {
		close(fd);
		return -1;
	}
	if (a->ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
	if (type == SOCK_STREAM)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	else {
		int size = LISTEN_UDP_RCVBUF;
		/* SO_RCVBUFFORCE passes rmem_max when we are still root; else take what we get. */
		if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) != 0)
			setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	}
	if (bind(fd, (const struct sockaddr *)&a->ss, a->len) != 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* Bind UDP then TCP on the same port; with port 0, retry until one port suits both. */
static int
listen_bind_pair(struct listener *l, int *tcp_fd)
{
	char a[NETADDR_STRLEN];

	for (int tries = 0; tries < LISTEN_PORT_TRIES; tries++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		int on = 1;

		l->bound = l->conf;
		if ((l->udp_fd = listen_socket(&l->bound, SOCK_DGRAM, l->ls->env.reuseport)) < 0)
			break;
		getsockname(l->udp_fd, (struct sockaddr *)&ss, &sl);
		netaddr_from_sockaddr(&l->bound, (struct sockaddr *)&ss, sl);
		if ((*tcp_fd = listen_socket(&l->bound, SOCK_STREAM, l->ls->env.reuseport)) >= 0) {
			if (l->wildcard) {
				if (l->bound.ss.ss_family == AF_INET)
					setsockopt(l->udp_fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof(on));
				else
					setsockopt(l->udp_fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on,
					    sizeof(on));
			}
			return 0;
		}
		close(l->udp_fd);
		l->udp_fd = -1;
		if (netaddr_port(&l->conf) != 0 || errno != EADDRINUSE)
			break;
	}
	log_warn(LOG_G_LISTEN, "cannot bind %s", netaddr_str(&l->conf, a, sizeof(a)));
	return -1;
}

static void
listener_free(struct listener *l)
{
	if (l->udp_ev)
		event_free(l->udp_ev);
	if (l->udp_fd >= 0)
		close(l->udp_fd);
	if (l->tcp)
		evconnlistener_free(l->tcp);
	free(l);
}

/* Bind one configured address and watch it; 0, or -1 after logging why. */
static int
listen_one(struct listener *l, int *tcp_fd)
{
	struct event_base *base = l->ls->env.base;
	char a[NETADDR_STRLEN];

	if (listen_bind_pair(l, tcp_fd) != 0)
		return -1;
	l->udp_ev = event_new(base, l->udp_fd, EV_READ | EV_PERSIST, udp_read, l);
	l->tcp = evconnlistener_new(base, tcp_accept, l,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 128, *tcp_fd);
	if (l->udp_ev == NULL || l->tcp == NULL || event_add(l->udp_ev, NULL) != 0) {
		if (l->tcp == NULL)
			close(*tcp_fd);
		log_warnx(LOG_G_LISTEN, "cannot listen on %s",
		    netaddr_str(&l->bound, a, sizeof(a)));
		return -1;
	}
	log_info(LOG_G_LISTEN, "bound %s (udp+tcp)", netaddr_str(&l->bound, a, sizeof(a)));
	return 0;
}

struct listen_ctx *
listen_new(const struct listen_env *env)
{
	struct listen_ctx *ls = xcalloc(1, sizeof(*ls));
	const struct config *cfg = *env->cfg;

	ls->env = *env;
	ls->batch = xcalloc(1, sizeof(*ls->batch));
	if ((ls->admit = env->admit) == NULL) {
		ls->own_admit = 1;
		if ((ls->admit = tcp_admit_new()) == NULL)
			fatalx("out of memory");
	}
	STAILQ_INIT(&ls->listeners);
	LIST_INIT(&ls->conns);
	for (size_t i = 0; i < cfg->n_listen; i++) {
		struct listener *l = xcalloc(1, sizeof(*l));
		int tcp_fd = -1;

		l->ls = ls;
		l->udp_fd = -1;
		/* A worker's sockets join the first loop's, port 0 included. */
		l->conf = env->like && listen_bound(env->like, i) ? *listen_bound(env->like, i) :
		    cfg->listen[i];
		l->wildcard = netaddr_is_any(&l->conf);
		STAILQ_INSERT_TAIL(&ls->listeners, l, entry);
		if (listen_one(l, &tcp_fd) != 0) {
			listen_free(ls);
			return NULL;
		}
	}
	return ls;
}

void
listen_set_query(struct listen_ctx *ls, struct query_ctx *query)
{
	ls->env.query = query;
}

void
listen_free(struct listen_ctx *ls)
{
	struct listener *l;

	if (ls == NULL)
		return;
	while (!LIST_EMPTY(&ls->conns))
		tcp_conn_free(LIST_FIRST(&ls->conns));
	while ((l = STAILQ_FIRST(&ls->listeners)) != NULL) {
		STAILQ_REMOVE_HEAD(&ls->listeners, entry);
		listener_free(l);
	}
	free(ls->batch);
	if (ls->own_admit)
		tcp_admit_free(ls->admit);
	free(ls);
}

int
listen_same(const struct listen_ctx *ls, const struct config *cfg)
{
	const struct listener *l;
	size_t i = 0;

	STAILQ_FOREACH(l, &ls->listeners, entry) {
		if (i >= cfg->n_listen || !netaddr_equal(&l->conf, &cfg->listen[i]))
			return 0;
		i++;
	}
	return i == cfg->n_listen;
}

const struct netaddr *
listen_bound(const struct listen_ctx *ls, size_t i)
{
	const struct listener *l;

	STAILQ_FOREACH(l, &ls->listeners, entry)
		if (i-- == 0)
			return &l->bound;
	return NULL;
}
