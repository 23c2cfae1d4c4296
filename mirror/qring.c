/* mirror/qring.c - the ring of recent client questions, each client network kept to its share. */
#include "autoconf.h"

#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "qring.h"
#include "vutil.h"

static void
src_key(const struct netaddr *a, uint8_t key[QRING_SRC_LEN])
{
	memset(key, 0, QRING_SRC_LEN);
	if (a == NULL)
		return;
	if (a->ss.ss_family == AF_INET) {
		key[0] = 4;
		memcpy(key + 1, &((const struct sockaddr_in *)&a->ss)->sin_addr, 3);
	} else if (a->ss.ss_family == AF_INET6) {
		key[0] = 6;
		memcpy(key + 1, ((const struct sockaddr_in6 *)&a->ss)->sin6_addr.s6_addr, 6);
	}
}

/*
 * The slot for a question from key once the ring is full: its network's oldest when it
 * holds its share; for a taken one also the oldest taken when the other replicas together
 * hold theirs. A local question replaces the oldest taken while they hold more than that
 * (an empty ring took them all), so that local clients take the ring back.
 */
static size_t
qring_slot(const struct qring *r, const uint8_t key[QRING_SRC_LEN], int taken)
{
	size_t cap = r->cap / QRING_SHARE, ncap, held = 0, all = 0, i, k;
	size_t oldest = SIZE_MAX, oldest_all = SIZE_MAX;

	if (r->n < r->cap)
		return r->next;
	if (cap < 1)
		cap = 1;
	ncap = cap;
	if (taken)
		ncap = cap / QRING_SHARE > 0 ? cap / QRING_SHARE : 1;
	/* From the oldest entry (at next once the ring is full) to the newest. */
	for (k = 0; k < r->n; k++) {
		i = (r->next + k) % r->cap;
		if (r->q[i].taken && all++ == 0)
			oldest_all = i;
		/* A taken entry's network must not use up a local one's share. */
		if (r->q[i].taken == taken && memcmp(r->q[i].src, key, QRING_SRC_LEN) == 0 &&
		    held++ == 0)
			oldest = i;
	}
	if (held >= ncap && (taken || key[0] != 0))	/* no address: no share */
		return oldest;
	if (taken)
		return all >= cap ? oldest_all : r->next;
	return all > cap ? oldest_all : r->next;
}

void
qring_note(struct qring *r, const struct dnsq *q, const struct netaddr *client, int taken)
{
	uint8_t key[QRING_SRC_LEN];
	struct qring_q *e;
	size_t i, back, slot;

	if (r->cap == 0 || r->q == NULL)
		return;
	/* Skip repeats of the last few: a busy name should not crowd out the rest. */
	for (back = 0; back < 4 && back < r->n; back++) {
		i = (r->next + r->cap - 1 - back) % r->cap;
		e = &r->q[i];
		if (e->qtype == q->qtype && e->qclass == q->qclass && e->qname_len == q->qname_len &&
		    memcmp(e->qname, q->qname, q->qname_len) == 0)
			return;
	}
	src_key(client, key);
	slot = qring_slot(r, key, taken != 0);
	e = &r->q[slot];
	memcpy(e->qname, q->qname, q->qname_len);
	e->qname_len = q->qname_len;
	e->qtype = q->qtype;
	e->qclass = q->qclass;
	memcpy(e->src, key, QRING_SRC_LEN);
	e->taken = taken != 0;
	if (slot != r->next)
		return;		/* replaced its own oldest in place */
	r->next = (r->next + 1) % r->cap;
	if (r->n < r->cap)
		r->n++;
}

size_t
qring_held(const struct qring *r, const struct netaddr *client, int taken)
{
	uint8_t key[QRING_SRC_LEN];
	size_t i, n = 0;

	src_key(client, key);
	for (i = 0; i < r->n; i++)
		n += r->q[i].taken == (taken != 0) && memcmp(r->q[i].src, key, QRING_SRC_LEN) == 0;
	return n;
}

size_t
qring_taken(const struct qring *r)
{
	size_t i, n = 0;

	for (i = 0; i < r->n; i++)
		n += r->q[i].taken;
	return n;
}

const struct qring_q *
qring_random(const struct qring *r)
{
	return r->n > 0 ? &r->q[random_uniform((uint32_t)r->n)] : NULL;
}

int
qring_resize(struct qring *r, size_t cap)
{
	struct qring_q *q;

	if (cap == r->cap && r->q != NULL)
		return 0;
	if ((q = calloc(cap ? cap : 1, sizeof(*q))) == NULL)
		return -1;
	free(r->q);
	r->q = q;
	r->cap = cap;
	r->n = r->next = 0;
	return 0;
}

void
qring_free(struct qring *r)
{
	free(r->q);
	memset(r, 0, sizeof(*r));
}
