/*
 * tests/unit/testresp.h - a scripted DNS responder on 127.0.0.1 (a free port, UDP and TCP),
 * driven by the test's own event loop: for lib/upstream.c and lib/resolve.c without a real
 * server. Everything happens in the loop, so a test waits for events, never for time.
 */
#ifndef VANTAGE_TESTRESP_H
#define VANTAGE_TESTRESP_H

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#include "dnswire.h"
#include "netaddr.h"
#include "testpkt.h"

/* What the responder does with a UDP question (TCP questions are always answered). */
enum tr_mode {
	TR_ANSWER,		/* one A record, 192.0.2.<n> with n the responder's tag */
	TR_SILENT,		/* nothing: the asker times out */
	TR_SERVFAIL,		/* rcode SERVFAIL */
	TR_TC,			/* TC=1 without records: the asker retries over TCP */
	TR_WRONG_ID_FIRST	/* a reply with a wrong ID, then the right one */
};

struct tr {
	int udp, tcp, conn;		/* the bound sockets; conn: the accepted TCP one */
	struct event *uev, *tev, *cev;
	struct netaddr addr;
	enum tr_mode mode;
	uint8_t tag;			/* last byte of the address answered */
	uint32_t ttl;
	unsigned udp_queries, tcp_queries;
	uint8_t tbuf[2 + 512];		/* a TCP question being read */
	size_t tlen;
};

/* The reply to the question q (len bytes, its question ending at qend) into out; its length. */
static inline size_t
tr_reply(struct tr *t, const uint8_t *q, size_t qend, int tcp, uint8_t *out)
{
	struct tpkt p;
	uint16_t flags = DNS_FLAG_QR | DNS_FLAG_RD | DNS_FLAG_RA;
	int answer = tcp || t->mode == TR_ANSWER || t->mode == TR_WRONG_ID_FIRST;

	if (!tcp && t->mode == TR_SERVFAIL)
		flags |= DNS_RCODE_SERVFAIL;
	if (!tcp && t->mode == TR_TC)
		flags |= DNS_FLAG_TC;
	tp_hdr(&p, tp_get16(q, 0), flags, 1, answer ? 1 : 0, 0, 0);
	tp_bytes(&p, q + DNS_HDRLEN, qend - DNS_HDRLEN);
	if (answer)
		tp_a_at_q(&p, t->ttl, 192, 0, 2, t->tag);
	memcpy(out, p.b, p.n);
	return p.n;
}

/* Where q's question ends, or 0. */
static inline size_t
tr_qend(const uint8_t *q, size_t len)
{
	struct dnsq dq;

	return dnswire_parse_query(q, len, &dq) == DNSWIRE_OK ? dq.qend : 0;
}

static inline void
tr_udp_cb(evutil_socket_t fd, short what, void *arg)
{
	struct tr *t = arg;
	uint8_t q[1500], out[1500];
	struct sockaddr_storage from;
	socklen_t flen = sizeof(from);
	ssize_t n = recvfrom(fd, q, sizeof(q), 0, (struct sockaddr *)&from, &flen);
	size_t qend, olen;

	(void)what;
	if (n <= 0 || (qend = tr_qend(q, (size_t)n)) == 0)
		return;
	t->udp_queries++;
	if (t->mode == TR_SILENT)
		return;
	olen = tr_reply(t, q, qend, 0, out);
	if (t->mode == TR_WRONG_ID_FIRST) {
		out[0] ^= 0x5a; /* another ID first: it must be ignored */
		(void)sendto(fd, out, olen, 0, (struct sockaddr *)&from, flen);
		out[0] ^= 0x5a;
	}
	(void)sendto(fd, out, olen, 0, (struct sockaddr *)&from, flen);
}

static inline void
tr_conn_cb(evutil_socket_t fd, short what, void *arg)
{
	struct tr *t = arg;
	uint8_t out[2 + 1500];
	ssize_t n = read(fd, t->tbuf + t->tlen, sizeof(t->tbuf) - t->tlen);
	size_t want, qend, olen;

	(void)what;
	if (n <= 0) {
		event_free(t->cev);
		t->cev = NULL;
		close(t->conn);
		t->conn = -1;
		return;
	}
	t->tlen += (size_t)n;
	if (t->tlen < 2 || t->tlen < 2 + (want = tp_get16(t->tbuf, 0)))
		return;
	t->tcp_queries++;
	if ((qend = tr_qend(t->tbuf + 2, want)) == 0)
		return;
	olen = tr_reply(t, t->tbuf + 2, qend, 1, out + 2);
	out[0] = (uint8_t)(olen >> 8);
	out[1] = (uint8_t)olen;
	(void)write(fd, out, olen + 2); /* small: the socket buffer takes it whole */
	t->tlen = 0;
}

static inline void
tr_accept_cb(evutil_socket_t fd, short what, void *arg)
{
	struct tr *t = arg;
	int c = accept(fd, NULL, NULL);

	(void)what;
	if (c < 0)
		return;
	if (t->conn >= 0) { /* one connection at a time is all these tests need */
		close(c);
		return;
	}
	t->conn = c;
	t->tlen = 0;
	t->cev = event_new(event_get_base(t->tev), c, EV_READ | EV_PERSIST, tr_conn_cb, t);
	event_add(t->cev, NULL);
}

/* Bind UDP and TCP sockets of t to one port of 127.0.0.1 the kernel picks; 0 or -1. */
static inline int
tr_bind_pair(struct tr *t, struct sockaddr_in *sin)
{
	socklen_t slen = sizeof(*sin);
	int one = 1;

	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((t->udp = socket(AF_INET, SOCK_DGRAM, 0)) < 0)
		return -1;
	if (bind(t->udp, (struct sockaddr *)sin, sizeof(*sin)) != 0 ||
	    getsockname(t->udp, (struct sockaddr *)sin, &slen) != 0 ||
	    (t->tcp = socket(AF_INET, SOCK_STREAM, 0)) < 0) {
		close(t->udp);
		return -1;
	}
	if (setsockopt(t->tcp, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(t->tcp, (struct sockaddr *)sin, sizeof(*sin)) != 0 || listen(t->tcp, 4) != 0) {
		close(t->udp);
		close(t->tcp);
		return -1;
	}
	return 0;
}

/* Start a responder in base on 127.0.0.1 at a port the kernel picks (UDP and TCP alike). */
static inline int
tr_start(struct tr *t, struct event_base *base, enum tr_mode mode, uint8_t tag)
{
	struct sockaddr_in sin;
	int tries;

	memset(t, 0, sizeof(*t));
	t->conn = -1;
	t->mode = mode;
	t->tag = tag;
	t->ttl = 300;
	/* The UDP port the kernel picked may be taken for TCP (another test's connection on a
	 * busy machine): pick again, a bounded number of times. */
	for (tries = 0; tries < 32; tries++)
		if (tr_bind_pair(t, &sin) == 0)
			break;
	if (tries == 32)
		return -1;
	netaddr_from_sockaddr(&t->addr, (struct sockaddr *)&sin, sizeof(sin));
	t->uev = event_new(base, t->udp, EV_READ | EV_PERSIST, tr_udp_cb, t);
	t->tev = event_new(base, t->tcp, EV_READ | EV_PERSIST, tr_accept_cb, t);
	if (t->uev == NULL || t->tev == NULL || event_add(t->uev, NULL) != 0 ||
	    event_add(t->tev, NULL) != 0)
		return -1;
	return 0;
}

static inline void
tr_stop(struct tr *t)
{
	if (t->cev) {
		event_free(t->cev);
		close(t->conn);
	}
	event_free(t->uev);
	event_free(t->tev);
	close(t->udp);
	close(t->tcp);
}

/* A closed port on 127.0.0.1: questions to it are refused (ICMP port unreachable). */
static inline void
tr_closed_port(struct netaddr *a)
{
	struct sockaddr_in sin;
	socklen_t slen = sizeof(sin);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	(void)bind(fd, (struct sockaddr *)&sin, sizeof(sin));
	(void)getsockname(fd, (struct sockaddr *)&sin, &slen);
	close(fd);
	netaddr_from_sockaddr(a, (struct sockaddr *)&sin, sizeof(sin));
}

/* A client question for name/type (DO, CD as given), parsed into q. */
static inline int
tr_question(struct dnsq *q, const char *name, uint16_t qtype, int do_bit, int cd)
{
	struct tpkt p;

	tp_hdr(&p, 1, DNS_FLAG_RD | (cd ? DNS_FLAG_CD : 0), 1, 0, 0, 1);
	tp_question(&p, name, qtype);
	tp_opt(&p, 1232, 0, do_bit);
	return dnswire_parse_query(p.b, p.n, q) == DNSWIRE_OK ? 0 : -1;
}

static inline void
tr_guard_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	*(int *)arg = 1;
}

/*
 * Run base until *done is non-zero, at most limit_ms (a guard against a hung test: the
 * condition, not the time, ends a passing test). Returns *done.
 */
static inline int
tr_run_until(struct event_base *base, const int *done, unsigned limit_ms)
{
	struct timeval tv = { limit_ms / 1000, (limit_ms % 1000) * 1000 };
	int expired = 0;
	struct event *guard = evtimer_new(base, tr_guard_cb, &expired);

	evtimer_add(guard, &tv);
	while (!*done && !expired)
		event_base_loop(base, EVLOOP_ONCE);
	event_free(guard);
	return *done;
}

#endif
