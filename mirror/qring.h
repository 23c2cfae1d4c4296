/* mirror/qring.h - the ring of recent client questions, each client network kept to its share. */
#ifndef VANTAGE_MIRROR_QRING_H
#define VANTAGE_MIRROR_QRING_H

#include <stddef.h>
#include <stdint.h>

#include "dnswire.h"
#include "netaddr.h"

/* The part of the ring (1/N) one client network may hold. */
#define QRING_SHARE 8
/* The client network a question came from: family, then an IPv4 /24 or IPv6 /48. */
#define QRING_SRC_LEN 7

/* One remembered client question. */
struct qring_q {
	uint8_t qname[DNS_MAXNAME];
	uint8_t qname_len;
	uint16_t qtype, qclass;
	uint8_t src[QRING_SRC_LEN];
	uint8_t taken;			/* asked of another replica of this mirror */
};

/* The ring: the oldest entry is at next once it is full. */
struct qring {
	struct qring_q *q;
	size_t cap, n, next;
};

/* qring_resize - cap entries (emptied when it changes); 0, or -1 out of memory (kept). */
int qring_resize(struct qring *r, size_t cap);

/* qring_free - the entries; r is empty after. */
void qring_free(struct qring *r);

/*
 * qring_note - remember q, asked by client (may be NULL). Once the ring is full a client
 * network holding 1/QRING_SHARE of it replaces its own oldest entry. Entries taken from the
 * other replicas (taken != 0: their client networks are what Redis says) are one class
 * with one such share for all of them, and each network 1/QRING_SHARE of that: whoever
 * writes to Redis, even with the seal's key, cannot push local clients' questions out.
 */
void qring_note(struct qring *r, const struct dnsq *q, const struct netaddr *client, int taken);

/* qring_held - entries of client's network (NULL: no address), local (taken 0) or taken. */
size_t qring_held(const struct qring *r, const struct netaddr *client, int taken);

/* qring_taken - entries taken from the other replicas. */
size_t qring_taken(const struct qring *r);

/* qring_random - a random entry, or NULL when the ring is empty. */
const struct qring_q *qring_random(const struct qring *r);

#endif
