/* tests/integration/tools/dnsjunk.c - malformed-query sender, black-hole upstream, TCP pipeliner
 * and spoofing upstream for the integration tests.
 *
 * Usage:
 *   dnsjunk send ADDR PORT COUNT [SEED]  COUNT malformed UDP packets and COUNT/10 malformed TCP
 *                                        streams; prints "sent N responses M bad K" where bad counts
 *                                        responses that are not DNS responses to what was sent
 *                                        (wrong ID, QR clear); exit 1 when bad > 0
 *   dnsjunk probe ADDR PORT KIND         one crafted UDP packet; prints "noanswer" or
 *                                        "rcode=NAME id=ok|bad qr=0|1 qd=N an=N"; KIND is one of
 *                                        qr short qd0 qd2 trunc ptrloop badlabel update ednsver
 *                                        good (a well-formed A query for probe.example.test)
 *   dnsjunk pipe ADDR PORT NAME...       one TCP connection, every query (type A) written before
 *                                        any answer is read; prints "NAME rcode=NAME an=N first=IP"
 *                                        per answer in arrival order; exit 0 when all came back
 *   dnsjunk sink ADDR PORT               binds UDP and TCP, reads and never answers; prints
 *                                        "listening"; runs until killed
 *   dnsjunk spoof ADDR PORT              an upstream that answers every UDP query four times:
 *                                        wrong ID, wrong question, right answer from another
 *                                        source port (all with A 127.203.0.66), then the real
 *                                        answer A 127.192.0.77 (TTL 300); prints "listening"
 *   dnsjunk tc ADDR PORT                 an upstream whose every answer, over UDP and TCP, has TC=1
 *   dnsjunk slow ADDR PORT MS            an upstream that answers every UDP query with A 127.192.0.77
 *                                        (TTL 300) MS milliseconds later; prints "listening", then
 *                                        "query N NAME" per query received
 *
 * It builds packets by hand, without ldns, so that it can build the broken ones.
 */
#include "autoconf.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAXPKT 65535
/* How long a probe waits for an answer (ms): vantaged answers locally-decided errors at once. */
#define PROBE_WAIT_MS 1500

static uint32_t rng_state = 1;

static uint32_t
rnd(void)
{
	/* xorshift32: reproducible from the seed, which the test prints. */
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

static int
mkaddr(const char *host, const char *port, struct sockaddr_in *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)atoi(port));
	if (inet_pton(AF_INET, host, &sa->sin_addr) != 1) {
		fprintf(stderr, "dnsjunk: bad IPv4 address %s\n", host);
		return -1;
	}
	return 0;
}

static size_t
put_name(uint8_t *p, const char *name)
{
	size_t n = 0;
	const char *s = name;

	while (*s != '\0') {
		const char *dot = strchr(s, '.');
		size_t len = dot != NULL ? (size_t)(dot - s) : strlen(s);
		p[n++] = (uint8_t)len;
		memcpy(p + n, s, len);
		n += len;
		s += len;
		if (*s == '.')
			s++;
	}
	p[n++] = 0;
	return n;
}

static size_t
put_header(uint8_t *p, uint16_t id, uint16_t flags, uint16_t qd, uint16_t an, uint16_t ns, uint16_t ar)
{
	uint16_t v[6] = { id, flags, qd, an, ns, ar };
	for (int i = 0; i < 6; i++) {
		p[2 * i] = (uint8_t)(v[i] >> 8);
		p[2 * i + 1] = (uint8_t)v[i];
	}
	return 12;
}

static size_t
build_query(uint8_t *p, uint16_t id, const char *name, uint16_t type)
{
	size_t n = put_header(p, id, 0x0100, 1, 0, 0, 0);
	n += put_name(p + n, name);
	p[n++] = (uint8_t)(type >> 8);
	p[n++] = (uint8_t)type;
	p[n++] = 0;
	p[n++] = 1;
	return n;
}

static const char *
rcode_name(int rc)
{
	static const char *names[] = { "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP",
		"REFUSED" };
	static char buf[16];
	if (rc >= 0 && rc < 6)
		return names[rc];
	snprintf(buf, sizeof(buf), "RCODE%d", rc);
	return buf;
}

/* Build one malformed (or, for "good", well-formed) packet of the given kind. Returns its length,
 * 0 for an unknown kind. */
static size_t
build_kind(uint8_t *p, const char *kind, uint16_t id)
{
	size_t n;

	if (strcmp(kind, "good") == 0)
		return build_query(p, id, "probe.example.test", 1);
	if (strcmp(kind, "qr") == 0) {
		n = build_query(p, id, "www.example.test", 1);
		p[2] |= 0x80;
		return n;
	}
	if (strcmp(kind, "short") == 0) {
		put_header(p, id, 0x0100, 1, 0, 0, 0);
		return 7;
	}
	if (strcmp(kind, "qd0") == 0)
		return put_header(p, id, 0x0100, 0, 0, 0, 0);
	if (strcmp(kind, "qd2") == 0) {
		n = build_query(p, id, "www.example.test", 1);
		p[5] = 2;
		memcpy(p + n, p + 12, n - 12);
		return n + (n - 12);
	}
	if (strcmp(kind, "trunc") == 0)
		return build_query(p, id, "www.example.test", 1) - 3;
	if (strcmp(kind, "ptrloop") == 0) {
		n = put_header(p, id, 0x0100, 1, 0, 0, 0);
		p[n++] = 0xc0; /* pointer to offset 12: itself */
		p[n++] = 12;
		p[n++] = 0;
		p[n++] = 1;
		p[n++] = 0;
		p[n++] = 1;
		return n;
	}
	if (strcmp(kind, "badlabel") == 0) {
		n = put_header(p, id, 0x0100, 1, 0, 0, 0);
		p[n++] = 70; /* labels are at most 63 bytes; 0x40 is the reserved label type */
		memset(p + n, 'a', 70);
		n += 70;
		p[n++] = 0;
		p[n++] = 0;
		p[n++] = 1;
		p[n++] = 0;
		p[n++] = 1;
		return n;
	}
	if (strcmp(kind, "update") == 0) {
		n = build_query(p, id, "example.test", 6);
		p[2] = (uint8_t)((p[2] & 0x87) | (5 << 3));
		return n;
	}
	if (strcmp(kind, "ednsver") == 0) {
		n = build_query(p, id, "www.example.test", 1);
		p[11] = 1;
		p[n++] = 0;                 /* root owner */
		p[n++] = 0; p[n++] = 41;    /* OPT */
		p[n++] = 0x04; p[n++] = 0xd0; /* 1232 */
		p[n++] = 0; p[n++] = 1;     /* extended rcode 0, version 1 */
		p[n++] = 0; p[n++] = 0;
		p[n++] = 0; p[n++] = 0;     /* rdlen */
		return n;
	}
	return 0;
}

/* A random malformed packet: random bytes, a good query cut short, a good query with one byte
 * flipped, or a header with absurd counts. */
static size_t
build_random(uint8_t *p, uint16_t id)
{
	static const char *kinds[] = { "qr", "short", "qd0", "qd2", "trunc", "ptrloop", "badlabel",
		"update", "ednsver" };
	size_t n;

	switch (rnd() % 6) {
	case 0:
		n = rnd() % 600;
		for (size_t i = 0; i < n; i++)
			p[i] = (uint8_t)rnd();
		return n;
	case 1:
		n = build_query(p, id, "junk.example.test", 1);
		return rnd() % n;
	case 2:
		n = build_query(p, id, "junk.example.test", 1);
		p[rnd() % n] ^= (uint8_t)(1u << (rnd() % 8));
		return n;
	case 3:
		n = put_header(p, id, (uint16_t)rnd(), (uint16_t)rnd(), (uint16_t)rnd(), (uint16_t)rnd(),
		    (uint16_t)rnd());
		for (size_t i = 0; i < 40; i++)
			p[n++] = (uint8_t)rnd();
		return n;
	default:
		return build_kind(p, kinds[rnd() % (sizeof(kinds) / sizeof(kinds[0]))], id);
	}
}

static int
udp_socket(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		perror("dnsjunk: socket");
	return fd;
}

/* Check one response to a packet whose ID was id. Returns 1 when it is bad. */
static int
bad_response(const uint8_t *r, ssize_t n, const uint16_t *ids, size_t nids)
{
	uint16_t rid;
	if (n < 12)
		return 1;
	if ((r[2] & 0x80) == 0)
		return 1;
	rid = (uint16_t)(r[0] << 8 | r[1]);
	for (size_t i = 0; i < nids; i++)
		if (ids[i] == rid)
			return 0;
	return 1;
}

static int
cmd_send(const char *host, const char *port, int count, uint32_t seed)
{
	struct sockaddr_in sa;
	uint8_t pkt[MAXPKT], resp[MAXPKT];
	uint16_t *ids;
	int fd, responses = 0, bad = 0, tcp_streams = 0;
	struct pollfd pfd;

	if (mkaddr(host, port, &sa) < 0 || (fd = udp_socket()) < 0)
		return 2;
	rng_state = seed != 0 ? seed : 1;
	ids = calloc((size_t)count + 1, sizeof(*ids));
	if (ids == NULL)
		return 2;
	for (int i = 0; i < count; i++) {
		uint16_t id = (uint16_t)rnd();
		size_t n = build_random(pkt, id);
		/* random bytes may not carry the ID we think; remember what is really there */
		ids[i] = n >= 2 ? (uint16_t)(pkt[0] << 8 | pkt[1]) : id;
		(void)sendto(fd, pkt, n, 0, (struct sockaddr *)&sa, sizeof(sa));
		/* drain answers as we go, so that the socket buffer never drops them */
		pfd.fd = fd;
		pfd.events = POLLIN;
		while (poll(&pfd, 1, 0) > 0) {
			ssize_t r = recv(fd, resp, sizeof(resp), 0);
			if (r < 0)
				break;
			responses++;
			bad += bad_response(resp, r, ids, (size_t)i + 1);
		}
	}
	pfd.fd = fd;
	pfd.events = POLLIN;
	while (poll(&pfd, 1, 500) > 0) {
		ssize_t r = recv(fd, resp, sizeof(resp), 0);
		if (r < 0)
			break;
		responses++;
		bad += bad_response(resp, r, ids, (size_t)count);
	}
	close(fd);

	/* TCP: a length prefix that lies, a stream cut in the middle, random bytes. */
	for (int i = 0; i < count / 10; i++) {
		int t = socket(AF_INET, SOCK_STREAM, 0);
		size_t n;
		uint8_t buf[MAXPKT + 2];
		if (t < 0)
			continue;
		if (connect(t, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			close(t);
			continue;
		}
		tcp_streams++;
		n = build_random(buf + 2, (uint16_t)rnd());
		switch (rnd() % 3) {
		case 0: /* length larger than what follows, then close */
			buf[0] = 0x10;
			buf[1] = 0x00;
			break;
		case 1: /* honest length, broken content */
			buf[0] = (uint8_t)(n >> 8);
			buf[1] = (uint8_t)n;
			break;
		default: /* zero length */
			buf[0] = 0;
			buf[1] = 0;
			break;
		}
		(void)send(t, buf, n + 2, MSG_NOSIGNAL);
		shutdown(t, SHUT_WR);
		pfd.fd = t;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 200) > 0)
			(void)recv(t, buf, sizeof(buf), 0);
		close(t);
	}
	printf("sent %d tcp %d responses %d bad %d seed %u\n", count, tcp_streams, responses, bad,
	    (unsigned)seed);
	free(ids);
	return bad > 0;
}

static int
cmd_probe(const char *host, const char *port, const char *kind)
{
	struct sockaddr_in sa;
	uint8_t pkt[1024], resp[MAXPKT];
	uint16_t id;
	size_t n;
	int fd;
	struct pollfd pfd;
	ssize_t r;

	if (mkaddr(host, port, &sa) < 0 || (fd = udp_socket()) < 0)
		return 2;
	rng_state = (uint32_t)time(NULL) ^ (uint32_t)getpid();
	id = (uint16_t)rnd();
	n = build_kind(pkt, kind, id);
	if (n == 0) {
		fprintf(stderr, "dnsjunk: unknown probe kind %s\n", kind);
		return 2;
	}
	if (sendto(fd, pkt, n, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("dnsjunk: sendto");
		return 2;
	}
	pfd.fd = fd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, PROBE_WAIT_MS) <= 0 || (r = recv(fd, resp, sizeof(resp), 0)) < 12) {
		printf("noanswer\n");
		return 0;
	}
	printf("rcode=%s id=%s qr=%d qd=%d an=%d\n", rcode_name(resp[3] & 0x0f),
	    (resp[0] << 8 | resp[1]) == id ? "ok" : "bad", resp[2] >> 7, resp[4] << 8 | resp[5],
	    resp[6] << 8 | resp[7]);
	return 0;
}

static int
read_full(int fd, uint8_t *buf, size_t len)
{
	size_t got = 0;
	while (got < len) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t r;
		if (poll(&pfd, 1, 5000) <= 0)
			return -1;
		r = recv(fd, buf + got, len - got, 0);
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

/* First A address in the answer section of msg, or "-". */
static void
first_a(const uint8_t *m, size_t len, char *out, size_t outlen)
{
	size_t p = 12;
	int qd = m[4] << 8 | m[5], an = m[6] << 8 | m[7];

	snprintf(out, outlen, "-");
	for (int i = 0; i < qd + an; i++) {
		while (p < len && m[p] != 0 && (m[p] & 0xc0) != 0xc0)
			p += (size_t)m[p] + 1;
		if (p >= len)
			return;
		p += (m[p] & 0xc0) == 0xc0 ? 2 : 1;
		if (i < qd) {
			p += 4;
			continue;
		}
		if (p + 10 > len)
			return;
		uint16_t type = (uint16_t)(m[p] << 8 | m[p + 1]);
		uint16_t rdlen = (uint16_t)(m[p + 8] << 8 | m[p + 9]);
		p += 10;
		if (type == 1 && rdlen == 4 && p + 4 <= len) {
			inet_ntop(AF_INET, m + p, out, (socklen_t)outlen);
			return;
		}
		p += rdlen;
	}
}

static int
cmd_pipe(const char *host, const char *port, int nnames, char **names)
{
	struct sockaddr_in sa;
	uint8_t *out, buf[MAXPKT];
	size_t outlen = 0;
	int fd, answered = 0;

	if (mkaddr(host, port, &sa) < 0)
		return 2;
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("dnsjunk: connect");
		return 2;
	}
	out = malloc((size_t)nnames * 300);
	if (out == NULL)
		return 2;
	for (int i = 0; i < nnames; i++) {
		size_t n = build_query(out + outlen + 2, (uint16_t)(0x4000 + i), names[i], 1);
		out[outlen] = (uint8_t)(n >> 8);
		out[outlen + 1] = (uint8_t)n;
		outlen += n + 2;
	}
	/* one write: every query is on the wire before the first answer can be read */
	if (send(fd, out, outlen, MSG_NOSIGNAL) != (ssize_t)outlen) {
		perror("dnsjunk: send");
		return 2;
	}
	for (int i = 0; i < nnames; i++) {
		uint8_t lb[2];
		size_t len;
		char a[INET_ADDRSTRLEN];
		int id;
		if (read_full(fd, lb, 2) < 0)
			break;
		len = (size_t)(lb[0] << 8 | lb[1]);
		if (len < 12 || read_full(fd, buf, len) < 0)
			break;
		id = (buf[0] << 8 | buf[1]) - 0x4000;
		first_a(buf, len, a, sizeof(a));
		printf("%s rcode=%s an=%d first=%s\n", id >= 0 && id < nnames ? names[id] : "?badid",
		    rcode_name(buf[3] & 0x0f), buf[6] << 8 | buf[7], a);
		answered++;
	}
	close(fd);
	free(out);
	return answered == nnames ? 0 : 1;
}

static int
bind_both(const char *host, const char *port, int *ufd, int *tfd)
{
	struct sockaddr_in sa;
	int one = 1;

	if (mkaddr(host, port, &sa) < 0)
		return -1;
	*ufd = socket(AF_INET, SOCK_DGRAM, 0);
	*tfd = socket(AF_INET, SOCK_STREAM, 0);
	if (*ufd < 0 || *tfd < 0)
		return -1;
	setsockopt(*tfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(*ufd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    bind(*tfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(*tfd, 64) < 0) {
		perror("dnsjunk: bind");
		return -1;
	}
	return 0;
}

static int
cmd_sink(const char *host, const char *port)
{
	int ufd, tfd, conns[64], nconns = 0;
	uint8_t buf[MAXPKT];
	unsigned long udp = 0, tcp = 0;

	if (bind_both(host, port, &ufd, &tfd) < 0)
		return 2;
	printf("listening\n");
	fflush(stdout);
	for (;;) {
		struct pollfd pfd[66];
		int n = 0;
		pfd[n].fd = ufd; pfd[n++].events = POLLIN;
		pfd[n].fd = tfd; pfd[n++].events = POLLIN;
		for (int i = 0; i < nconns; i++) {
			pfd[n].fd = conns[i];
			pfd[n++].events = POLLIN;
		}
		if (poll(pfd, (nfds_t)n, -1) < 0 && errno != EINTR)
			return 2;
		if (pfd[0].revents & POLLIN) {
			(void)recv(ufd, buf, sizeof(buf), 0);
			printf("udp %lu\n", ++udp);
			fflush(stdout);
		}
		if (pfd[1].revents & POLLIN) {
			int c = accept(tfd, NULL, NULL);
			if (c >= 0 && nconns < 64) {
				conns[nconns++] = c;
				printf("tcp %lu\n", ++tcp);
				fflush(stdout);
			} else if (c >= 0) {
				close(c);
			}
		}
		for (int i = 2; i < n; i++) {
			if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR)) {
				if (recv(pfd[i].fd, buf, sizeof(buf), 0) <= 0) {
					close(pfd[i].fd);
					for (int j = 0; j < nconns; j++)
						if (conns[j] == pfd[i].fd)
							conns[j] = conns[--nconns];
				}
			}
		}
	}
}

/* Append an A record answer (owner = pointer to the question name) to a copy of the query. */
static size_t
make_answer(uint8_t *r, const uint8_t *q, size_t qlen, const uint8_t addr[4])
{
	size_t n = qlen;
	memcpy(r, q, qlen);
	r[2] = (uint8_t)(0x84 | (q[2] & 0x01)); /* QR AA, keep RD */
	r[3] = 0;
	r[6] = 0;
	r[7] = 1;
	r[8] = r[9] = r[10] = r[11] = 0;
	r[n++] = 0xc0; r[n++] = 12;
	r[n++] = 0; r[n++] = 1; r[n++] = 0; r[n++] = 1;
	r[n++] = 0; r[n++] = 0; r[n++] = 0x01; r[n++] = 0x2c; /* TTL 300 */
	r[n++] = 0; r[n++] = 4;
	memcpy(r + n, addr, 4);
	return n + 4;
}

static int
cmd_spoof(const char *host, const char *port)
{
	static const uint8_t evil[4] = { 127, 203, 0, 66 }, good[4] = { 127, 192, 0, 77 };
	int ufd, tfd, other;
	uint8_t q[MAXPKT], r[MAXPKT];

	if (bind_both(host, port, &ufd, &tfd) < 0)
		return 2;
	other = udp_socket();
	printf("listening\n");
	fflush(stdout);
	for (;;) {
		struct sockaddr_storage from;
		socklen_t fl = sizeof(from);
		ssize_t ql = recvfrom(ufd, q, sizeof(q), 0, (struct sockaddr *)&from, &fl);
		size_t qlen, n, end;
		if (ql < 17)
			continue;
		/* the question ends after the name and 4 bytes; drop any additional section (EDNS) */
		end = 12;
		while (end < (size_t)ql && q[end] != 0)
			end += (size_t)q[end] + 1;
		qlen = end + 5;
		if (qlen > (size_t)ql)
			continue;
		q[10] = q[11] = 0;
		printf("query\n");
		fflush(stdout);
		/* 1: wrong ID */
		n = make_answer(r, q, qlen, evil);
		r[1] ^= 0x5a;
		sendto(ufd, r, n, 0, (struct sockaddr *)&from, fl);
		/* 2: right ID, different question name (first letter changed) */
		n = make_answer(r, q, qlen, evil);
		if (qlen > 13)
			r[13] = r[13] == 'x' ? 'y' : 'x';
		sendto(ufd, r, n, 0, (struct sockaddr *)&from, fl);
		/* 3: right ID and question, wrong source port */
		n = make_answer(r, q, qlen, evil);
		sendto(other, r, n, 0, (struct sockaddr *)&from, fl);
		/* 4: the genuine answer */
		n = make_answer(r, q, qlen, good);
		sendto(ufd, r, n, 0, (struct sockaddr *)&from, fl);
	}
}

/* Pending answers of the slow upstream. */
#define SLOW_MAX 256

struct slow_answer {
	struct timespec due;
	struct sockaddr_storage to;
	socklen_t tolen;
	size_t len;
	uint8_t pkt[600];
};

static long
ms_until(const struct timespec *t)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (t->tv_sec - now.tv_sec) * 1000 + (t->tv_nsec - now.tv_nsec) / 1000000;
}

static int
cmd_slow(const char *host, const char *port, int delay_ms)
{
	static const uint8_t good[4] = { 127, 192, 0, 77 };
	static struct slow_answer pend[SLOW_MAX];
	int ufd, tfd, npend = 0;
	unsigned long nq = 0;
	uint8_t q[MAXPKT];

	if (bind_both(host, port, &ufd, &tfd) < 0)
		return 2;
	printf("listening\n");
	for (;;) {
		long wait = -1;
		struct pollfd pfd = { .fd = ufd, .events = POLLIN };
		for (int i = 0; i < npend; i++) {
			long w = ms_until(&pend[i].due);
			if (w < 0)
				w = 0;
			if (wait < 0 || w < wait)
				wait = w;
		}
		if (poll(&pfd, 1, (int)wait) > 0 && npend < SLOW_MAX) {
			struct slow_answer *a = &pend[npend];
			ssize_t ql;
			size_t end = 12;
			char name[256];
			size_t nl = 0;
			a->tolen = sizeof(a->to);
			ql = recvfrom(ufd, q, sizeof(q), 0, (struct sockaddr *)&a->to, &a->tolen);
			while (ql > 12 && end < (size_t)ql && q[end] != 0 && q[end] < 64) {
				if (nl + q[end] + 1 < sizeof(name)) {
					memcpy(name + nl, q + end + 1, q[end]);
					nl += q[end];
					name[nl++] = '.';
				}
				end += (size_t)q[end] + 1;
			}
			name[nl] = '\0';
			if (ql >= 17 && end + 5 <= (size_t)ql && end + 5 + 16 <= sizeof(a->pkt)) {
				q[10] = q[11] = 0;
				a->len = make_answer(a->pkt, q, end + 5, good);
				clock_gettime(CLOCK_MONOTONIC, &a->due);
				a->due.tv_sec += delay_ms / 1000;
				a->due.tv_nsec += (long)(delay_ms % 1000) * 1000000;
				if (a->due.tv_nsec >= 1000000000) {
					a->due.tv_sec++;
					a->due.tv_nsec -= 1000000000;
				}
				npend++;
				printf("query %lu %s\n", ++nq, name);
			}
		}
		for (int i = 0; i < npend;) {
			if (ms_until(&pend[i].due) <= 0) {
				sendto(ufd, pend[i].pkt, pend[i].len, 0, (struct sockaddr *)&pend[i].to,
				    pend[i].tolen);
				pend[i] = pend[--npend];
			} else {
				i++;
			}
		}
	}
}

/* The answer of a resolver stuck on truncation: the question, QR+RA+TC, nothing else. */
static size_t
tc_answer(uint8_t *r, size_t cap, const uint8_t *q, size_t qlen)
{
	size_t end = 12;

	while (end < qlen && q[end] != 0 && q[end] < 64)
		end += (size_t)q[end] + 1;
	end += 5;
	if (qlen < 17 || end > qlen || end > cap)
		return 0;
	memcpy(r, q, end);
	r[2] = 0x80 | 0x02 | (q[2] & 0x01);	/* QR, TC, RD echoed */
	r[3] = 0x80;				/* RA */
	r[6] = r[7] = r[8] = r[9] = r[10] = r[11] = 0;
	return end;
}

/*
 * dnsjunk tc ADDR PORT: an upstream that answers every query with TC=1 and no records, over
 * UDP and over TCP alike, so that a client retrying over TCP gets truncation again.
 */
static int
cmd_tc(const char *host, const char *port)
{
	int ufd, tfd;
	uint8_t q[MAXPKT], r[MAXPKT];

	if (bind_both(host, port, &ufd, &tfd) < 0)
		return 2;
	printf("listening\n");
	for (;;) {
		struct pollfd pfd[2] = { { .fd = ufd, .events = POLLIN }, { .fd = tfd, .events = POLLIN } };
		if (poll(pfd, 2, -1) <= 0)
			continue;
		if (pfd[0].revents & POLLIN) {
			struct sockaddr_storage from;
			socklen_t fl = sizeof(from);
			ssize_t n = recvfrom(ufd, q, sizeof(q), 0, (struct sockaddr *)&from, &fl);
			size_t rl = n > 0 ? tc_answer(r, sizeof(r), q, (size_t)n) : 0;
			if (rl)
				sendto(ufd, r, rl, 0, (struct sockaddr *)&from, fl);
			printf("udp query\n");
		}
		if (pfd[1].revents & POLLIN) {
			int c = accept(tfd, NULL, NULL);
			struct timeval tv = { 2, 0 };
			uint8_t len[2];
			size_t ql, rl;
			if (c < 0)
				continue;
			setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
			if (recv(c, len, 2, MSG_WAITALL) == 2) {
				ql = (size_t)len[0] << 8 | len[1];
				if (ql <= sizeof(q) && recv(c, q, ql, MSG_WAITALL) == (ssize_t)ql &&
				    (rl = tc_answer(r + 2, sizeof(r) - 2, q, ql)) > 0) {
					r[0] = (uint8_t)(rl >> 8);
					r[1] = (uint8_t)rl;
					send(c, r, rl + 2, MSG_NOSIGNAL);
					printf("tcp query\n");
				}
			}
			close(c);
		}
	}
}

int
main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 5 && strcmp(argv[1], "send") == 0)
		return cmd_send(argv[2], argv[3], atoi(argv[4]),
		    argc > 5 ? (uint32_t)strtoul(argv[5], NULL, 10) : (uint32_t)time(NULL));
	if (argc == 5 && strcmp(argv[1], "probe") == 0)
		return cmd_probe(argv[2], argv[3], argv[4]);
	if (argc >= 5 && strcmp(argv[1], "pipe") == 0)
		return cmd_pipe(argv[2], argv[3], argc - 4, argv + 4);
	if (argc == 4 && strcmp(argv[1], "sink") == 0)
		return cmd_sink(argv[2], argv[3]);
	if (argc == 4 && strcmp(argv[1], "spoof") == 0)
		return cmd_spoof(argv[2], argv[3]);
	if (argc == 5 && strcmp(argv[1], "slow") == 0)
		return cmd_slow(argv[2], argv[3], atoi(argv[4]));
	if (argc == 4 && strcmp(argv[1], "tc") == 0)
		return cmd_tc(argv[2], argv[3]);
	fprintf(stderr, "usage: dnsjunk send|probe|pipe|sink|spoof|slow|tc ADDR PORT ...\n");
	return 2;
}
