/* mirror/replica_ring.c - the replicas' shared ring of recent client questions. */
#include "autoconf.h"

#include <event2/buffer.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "dnswire.h"
#include "netaddr.h"
#include "replica.h"
#include "replica_int.h"

/*
 * An entry is "<qtype> <client network> <name>": the client's address cut to its /24 or
 * /48 ("-" for none), which is all the ring uses of it (one network's share) and all that
 * Redis needs to hold of who asked. A presentation name is at most ~1,000 bytes escaped.
 * Each entry is sealed as a row is ("v1 <HMAC> <entry>", replica_row_seal) under a key of
 * its own: the network is the writer's word, and whoever writes to Redis or publishes on
 * the channel without the key must not fill the rings with questions and networks of its
 * choosing (audits vet what is in the ring).
 */
#define RING_ENTRY_MAX 1100
#define RING_SEALED_MAX (REPLICA_SEAL_HEAD + RING_ENTRY_MAX)

void
replica_ring_key(struct replica *rp)
{
	static const char label[] = "vantage-mirror replica ring v1";

	replica_row_mac(rp->key, label, sizeof(label) - 1, rp->ring_key);
}

static size_t
replica_ring_size(const struct replica *rp)
{
	return replica_cfg(rp)->network.recent_questions;
}

/* The client's network as text: the address with its host part zeroed. */
static void
replica_ring_net(const struct netaddr *client, char *buf, size_t len)
{
	struct netaddr a;

	if (client == NULL || client->len == 0) {
		snprintf(buf, len, "-");
		return;
	}
	a = *client;
	if (a.ss.ss_family == AF_INET)
		((uint8_t *)&((struct sockaddr_in *)&a.ss)->sin_addr)[3] = 0;
	else if (a.ss.ss_family == AF_INET6)
		memset(((uint8_t *)&((struct sockaddr_in6 *)&a.ss)->sin6_addr) + 6, 0, 10);
	netaddr_ip_str(&a, buf, len);
}

void
replica_ring_note(struct replica *rp, const struct dnsq *q, const struct netaddr *client)
{
	char name[RING_ENTRY_MAX], net[NETADDR_STRLEN], entry[RING_ENTRY_MAX + 1];
	int n;

	if (rp == NULL)
		return;
	if (rp->ring_n >= replica_ring_size(rp)) {
		rp->st.ring_dropped++;	/* a ring's worth per tick is all the others keep */
		return;
	}
	if (dnswire_name2str(q->qname, q->qname_len, name, sizeof(name)) == NULL)
		return;
	replica_ring_net(client, net, sizeof(net));
	n = snprintf(entry, sizeof(entry), "%u %s %s", (unsigned)q->qtype, net, name);
	if (n <= 0 || (size_t)n >= sizeof(entry))
		return;		/* the others would refuse it */
	if (replica_row_seal(rp->ring_key, entry, (size_t)n, rp->ring_out) != 0 ||
	    evbuffer_add(rp->ring_out, "\n", 1) != 0)
		return;
	rp->ring_n++;
}

/* One entry (s, len bytes, untrusted, unsealed) into our ring; 0, or -1 when not one. */
static int
replica_ring_entry(struct replica *rp, const char *s, size_t len)
{
	char buf[RING_ENTRY_MAX + 1], *net, *name, *end;
	struct netaddr client, *cp = NULL;
	struct dnsq q;
	unsigned long t;

	if (len == 0 || len > RING_ENTRY_MAX || memchr(s, '\0', len) != NULL)
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	t = strtoul(buf, &end, 10);
	if (end == buf || *end != ' ' || t == 0 || t > 65535)
		return -1;
	net = end + 1;
	if ((name = strchr(net, ' ')) == NULL)
		return -1;
	*name++ = '\0';
	if (strcmp(net, "-") != 0) {
		if (netaddr_parse(net, 0, &client) != 0)
			return -1;
		cp = &client;
	}
	memset(&q, 0, sizeof(q));
	if ((q.qname_len = (uint8_t)dnswire_name_from_str(name, q.qname, sizeof(q.qname))) == 0)
		return -1;
	q.qtype = (uint16_t)t;
	q.qclass = 1;	/* IN: the only class the mirror answers */
	audit_take_question(rp->env.audit, &q, cp);
	rp->st.ring_taken++;
	return 0;
}

/* One sealed entry from Redis or the channel: taken, or refused and counted. */
static void
replica_ring_take(struct replica *rp, const char *s, size_t len)
{
	char err[160], why[200];

	if (len > RING_SEALED_MAX) {
		snprintf(why, sizeof(why), "oversize (%zu bytes, at most %d)", len,
		    (int)RING_SEALED_MAX);
		replica_refuse(rp, "ring entry", why);
	} else if (replica_row_unseal(rp->ring_key, s, len, err, sizeof(err)) != 0) {
		snprintf(why, sizeof(why), "%s", strncmp(err, "not a v1", 8) == 0 ?
		    "not sealed (entries are \"v1 <seal> <entry>\")" : err);
		replica_refuse(rp, "ring entry", why);
	} else if (replica_ring_entry(rp, s + REPLICA_SEAL_HEAD, len - REPLICA_SEAL_HEAD) != 0)
		replica_refuse(rp, "ring entry", "not a question");
}

void
replica_ring_read(struct replica *rp, const struct redisReply *r)
{
	const struct redisReply *x;
	size_t i;

	if (r->type != REDIS_REPLY_ARRAY) {
		replica_refuse(rp, "ring", "not a list");
		return;
	}
	/* LPUSH keeps the newest first: the oldest go in first, as they were asked. */
	for (i = r->elements; i-- > 0;) {
		if ((x = r->element[i]) == NULL || x->type != REDIS_REPLY_STRING)
			replica_refuse(rp, "ring entry", "not a string");
		else
			replica_ring_take(rp, x->str, x->len);
	}
}

void
replica_ring_message(struct replica *rp, const uint8_t *data, size_t len)
{
	const char *s = (const char *)data, *end = s + len, *nl;
	size_t n = 0, max = replica_ring_size(rp);

	/* "ring <replica>\n" then entries one a line, oldest first; ours come back too. */
	if (len < 5 + sizeof(rp->rid) || s[4 + sizeof(rp->rid)] != '\n') {
		replica_refuse(rp, "announcement", "not one of ours");
		return;
	}
	if (memcmp(s + 5, rp->rid, sizeof(rp->rid) - 1) == 0)
		return;
	for (s += 5 + sizeof(rp->rid); s < end && n++ < max; s = nl + 1) {
		if ((nl = memchr(s, '\n', (size_t)(end - s))) == NULL)
			nl = end;
		replica_ring_take(rp, s, (size_t)(nl - s));
	}
}

/* Split the entries noted since the last tick into argv from first (n of them). */
static size_t
replica_ring_split(char *buf, size_t blen, const char **argv, size_t *alen, size_t first)
{
	size_t n = first;
	char *s = buf, *end = buf + blen, *nl;

	while (s < end && (nl = memchr(s, '\n', (size_t)(end - s))) != NULL) {
		argv[n] = s;
		alen[n++] = (size_t)(nl - s);
		s = nl + 1;
	}
	return n;
}

void
replica_ring_push(struct replica *rp)
{
	size_t blen = evbuffer_get_length(rp->ring_out), n, size = replica_ring_size(rp);
	const char **argv = NULL, *pub[3];
	size_t *alen = NULL, plen[3];
	char *buf = NULL, head[64], top[24];
	const char *trim[4] = { "LTRIM", rp->k_ring, "0", top };

	if (rp->ring_n == 0)
		return;
	if ((buf = malloc(blen)) == NULL || (argv = calloc(rp->ring_n + 2, sizeof(*argv))) ==
	    NULL || (alen = calloc(rp->ring_n + 2, sizeof(*alen))) == NULL)
		goto out;
	evbuffer_copyout(rp->ring_out, buf, blen);
	argv[0] = "LPUSH", alen[0] = 5;
	argv[1] = rp->k_ring, alen[1] = strlen(rp->k_ring);
	n = replica_ring_split(buf, blen, argv, alen, 2);
	if (vredis_command(rp->vr, 0, replica_done, rp, (int)n, argv, alen) == NULL)
		goto out;	/* kept for the next tick */
	snprintf(top, sizeof(top), "%zu", size - 1);
	(void)replica_send(rp, replica_done, rp, 4, trim);
	/* The announcement carries the entries: the others take them without a read. */
	snprintf(head, sizeof(head), "ring %s\n", rp->rid);
	evbuffer_prepend(rp->ring_out, head, strlen(head));
	pub[0] = "PUBLISH", plen[0] = 7;
	pub[1] = rp->channel, plen[1] = strlen(rp->channel);
	plen[2] = evbuffer_get_length(rp->ring_out);
	if ((pub[2] = (const char *)evbuffer_pullup(rp->ring_out, -1)) != NULL)
		(void)vredis_command(rp->vr, 0, replica_done, rp, 3, pub, plen);
	rp->st.ring_pushed += n - 2;
	evbuffer_drain(rp->ring_out, evbuffer_get_length(rp->ring_out));
	rp->ring_n = 0;
out:
	free(buf);
	free(argv);
	free(alen);
}
