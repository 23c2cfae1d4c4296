/*
 * tests/replay/replay_client.c - clients on the wire: the query path (resolver/query.c)
 * driven end to end. A client's question, built as it would come off a UDP socket or a TCP
 * connection, goes to query_handle with a sink that records what query.c writes back;
 * query.c's services are the story's check context (check.c, as replay_world.c built it),
 * no plugin chain, and the world's answer cache and upstream (world_resolve.c).
 *
 *   client LABEL udp|tcp NAME TYPE [edns] [do] [cd]   a question arrives (NAME's case kept)
 *   tcp close LABEL                                    its connection goes while it waits
 *
 * What the client got is read by replay_reply_value (expect LABEL key=value).
 */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "config.h"
#include "plugin.h"
#include "query.h"
#include "replay.h"

#define REPLAY_MAX_CLIENTS 32

/* One client: what it sent, and every byte query.c wrote back to it. */
struct replay_client {
	char label[32];
	struct dnsq q;			/* the question, lower-cased (for the summary) */
	int tcp;
	uint8_t msg[DNS_HDRLEN + DNS_MAXNAME + 4 + 11];
	size_t len;
	struct query_req req;
	struct query_req *held;		/* the waiting question's copy (TCP), or NULL */
	int closed;			/* tcp close: nothing may reach it any more */
	unsigned replies;
	uint8_t reply[DNS_MAXMSG + 512];
	size_t rlen;
};

struct replay_clients {
	struct query_ctx *qc;
	struct resolve *res;		/* the world, as query.c's answer cache and upstream */
	struct replay_client c[REPLAY_MAX_CLIENTS];
	size_t n;
};

/* No ratelimit: query.c reads the daemon's slot, which holds NULL when it is off. */
static struct ratelimit *const replay_no_ratelimit;

static void
replay_sink_send(const struct query_req *req, const uint8_t *msg, size_t len)
{
	struct replay_client *c = req->sink_arg;

	c->replies++;
	c->rlen = len < sizeof(c->reply) ? len : sizeof(c->reply);
	memcpy(c->reply, msg, c->rlen);
}

/* A TCP connection keeps its waiting question, to take it back when it closes. */
static void
replay_sink_hold(struct query_req *req)
{
	((struct replay_client *)req->sink_arg)->held = req;
}

static void
replay_sink_release(struct query_req *req)
{
	((struct replay_client *)req->sink_arg)->held = NULL;
}

static const struct query_sink replay_udp_sink = { replay_sink_send, NULL, NULL };
static const struct query_sink replay_tcp_sink = { replay_sink_send, replay_sink_hold,
	replay_sink_release };

/* ---- query.c's services: the story's checks, no plugin ---- */

static int
replay_svc_applies(void *arg, const struct dnsq *q)
{
	return check_applies(arg, q);
}

static int
replay_svc_cached(void *arg, const struct dnsq *q, const struct resolve_result *hit,
    struct policy_decision *d)
{
	return check_cached(arg, q, hit, d);
}

static struct check_wait *
replay_svc_start(void *arg, const struct dnsq *q, const struct resolve_result *local,
    void (*cb)(void *, const struct check_result *), void *cbarg)
{
	return check_start(arg, q, local, cb, cbarg);
}

static int
replay_svc_prefetch(void *arg, const struct dnsq *q)
{
	return check_prefetch(arg, q);
}

static int
replay_svc_plugins(void *arg)
{
	(void)arg;
	return 0;
}

static void
replay_svc_plugin_init(void *arg, struct plugin_req *pr, const struct dnsq *q,
    const struct netaddr *peer, int tcp)
{
	(void)arg;
	(void)q;
	(void)peer;
	(void)tcp;
	memset(pr, 0, sizeof(*pr));	/* inactive: every plugin_ call returns at once */
}

/* The query path over the story's checks and world, made on the first client. */
static struct replay_clients *
replay_clients(struct replay *rp)
{
	struct replay_clients *cl = rp->clients;
	struct query_env env = { .base = rp->base, .cfg = &rp->cfg, .st = &rp->st,
		.ratelimit = &replay_no_ratelimit,
		.svc = { rp->cx, replay_svc_applies, replay_svc_cached, replay_svc_start,
		    check_cancel, replay_svc_plugins, replay_svc_plugin_init, replay_svc_prefetch } };

	if (cl != NULL)
		return cl;
	if ((cl = calloc(1, sizeof(*cl))) == NULL ||
	    (cl->res = world_resolve_new(rp->w, rp->cfg->cache.serve_stale_ms / 1000)) == NULL)
		replay_bail(rp, "out of memory");
	env.res = cl->res;
	if ((cl->qc = query_new(&env)) == NULL)
		replay_bail(rp, "out of memory");
	return rp->clients = cl;
}

void
replay_clients_end(struct replay *rp)
{
	struct replay_clients *cl = rp->clients;

	if (cl == NULL)
		return;
	query_free(cl->qc); /* before the checks go: it cancels its waiting questions */
	world_resolve_free(cl->res);
	free(cl);
	rp->clients = NULL;
}

static struct replay_client *
replay_client_find(struct replay *rp, const char *label)
{
	struct replay_clients *cl = rp->clients;

	for (size_t i = 0; cl != NULL && i < cl->n; i++)
		if (strcmp(cl->c[i].label, label) == 0)
			return &cl->c[i];
	return NULL;
}

/* name in wire form into out with the case it is written in (q's name is lower-cased). */
static size_t
replay_cased_name(const char *name, const struct dnsq *q, uint8_t *out)
{
	size_t o = 0;
	const char *s = name;

	memcpy(out, q->qname, q->qname_len);
	while (o < q->qname_len && out[o] != 0) {
		size_t n = out[o++];
		for (size_t i = 0; i < n; i++, o++, s++)
			out[o] = (uint8_t)*s;
		if (*s == '.')
			s++;
	}
	return q->qname_len;
}

/* The client's message: header, question, and an OPT record with edns (DO with do_bit). */
static void
replay_client_msg(struct replay_client *c, const char *name, uint16_t id, int edns, int do_bit)
{
	uint8_t *m = c->msg;
	size_t o = DNS_HDRLEN;

	memset(m, 0, DNS_HDRLEN);
	dnswire_put16(m, id);
	dnswire_put16(m + 2, c->q.flags);
	dnswire_put16(m + 4, 1);
	dnswire_put16(m + 10, edns ? 1 : 0);
	o += replay_cased_name(name, &c->q, m + o);
	dnswire_put16(m + o, c->q.qtype);
	dnswire_put16(m + o + 2, DNS_CLASS_IN);
	o += 4;
	if (edns) {
		m[o] = 0; /* the root */
		dnswire_put16(m + o + 1, DNS_TYPE_OPT);
		dnswire_put16(m + o + 3, DNS_EDNS_SIZE);
		dnswire_put32(m + o + 5, do_bit ? 0x8000 : 0);
		dnswire_put16(m + o + 9, 0);
		o += 11;
	}
	c->len = o;
}

/* client LABEL udp|tcp NAME TYPE [edns] [do] [cd]: the question goes to query_handle. */
void
replay_client_step(struct replay *rp, int argc, char **argv)
{
	struct replay_clients *cl = replay_clients(rp);
	struct replay_client *c;
	int edns = 0, do_bit = 0;

	if (argc < 5 || cl->n == REPLAY_MAX_CLIENTS || replay_client_find(rp, argv[1]) ||
	    (strcmp(argv[2], "udp") != 0 && strcmp(argv[2], "tcp") != 0))
		replay_bail(rp, "client LABEL udp|tcp NAME TYPE [edns] [do] [cd], each LABEL once");
	c = &cl->c[cl->n++];
	snprintf(c->label, sizeof(c->label), "%s", argv[1]);
	c->tcp = argv[2][0] == 't';
	replay_name(rp, argv[3], &c->q);
	if ((c->q.qtype = dnswire_str2type(argv[4])) == 0)
		replay_bail(rp, "bad type '%s'", argv[4]);
	c->q.flags = DNS_FLAG_RD;
	for (int i = 5; i < argc; i++)
		if (strcmp(argv[i], "edns") == 0)
			edns = 1;
		else if (strcmp(argv[i], "do") == 0)
			edns = do_bit = 1;
		else if (strcmp(argv[i], "cd") == 0)
			c->q.flags |= DNS_FLAG_CD;
		else
			replay_bail(rp, "bad flag '%s'", argv[i]);
	replay_client_msg(c, argv[3], (uint16_t)(0x5100 + cl->n), edns, do_bit);
	netaddr_parse("127.0.0.1", 40000 + (uint16_t)cl->n, &c->req.peer);
	c->req.tcp = c->tcp;
	c->req.sink = c->tcp ? &replay_tcp_sink : &replay_udp_sink;
	c->req.sink_arg = c;
	query_handle(cl->qc, &c->req, c->msg, c->len);
}

/* tcp close LABEL: the client's connection goes while its question waits. */
void
replay_tcp_step(struct replay *rp, int argc, char **argv)
{
	struct replay_client *c;

	if (argc != 3 || strcmp(argv[1], "close") != 0 ||
	    (c = replay_client_find(rp, argv[2])) == NULL || !c->tcp)
		replay_bail(rp, "tcp close LABEL, of a TCP client");
	if (c->held == NULL)
		replay_bail(rp, "%s is not waiting: nothing to take back", c->label);
	query_cancel(c->held);
	c->held = NULL;
	c->closed = 1;
}

/* ---- what the client got ---- */

/* What a reply says, read back from its bytes. */
struct replay_reply {
	int rcode, tc, opt, do_bit, ede;
	unsigned ancount;
	long ttl;			/* the first answer record's, or -1 */
	char text[256];			/* the EDE's */
};

/* The EDE option in an OPT record's rdata p[0..n), into r. */
static void
replay_read_ede(const uint8_t *p, size_t n, struct replay_reply *r)
{
	for (size_t o = 0; o + 4 <= n;) {
		uint16_t code = dnswire_get16(p + o), olen = dnswire_get16(p + o + 2);
		if (o + 4 + olen > n)
			return;
		if (code == 15 && olen >= 2) {
			r->ede = dnswire_get16(p + o + 4);
			snprintf(r->text, sizeof(r->text), "%.*s", olen - 2, (const char *)p + o + 6);
		}
		o += 4 + (size_t)olen;
	}
}

/* Walk c's reply: the header, past the question, every record. 0, or -1 when malformed. */
static int
replay_read_reply(const struct replay_client *c, struct replay_reply *r)
{
	const uint8_t *p = c->reply;
	uint8_t name[DNS_MAXNAME];
	size_t off = DNS_HDRLEN, len = c->rlen;
	unsigned n;

	memset(r, 0, sizeof(*r));
	r->ede = -1;
	r->ttl = -1;
	if (len < DNS_HDRLEN)
		return -1;
	r->rcode = dnswire_get16(p + 2) & 0xf;
	r->tc = (dnswire_get16(p + 2) & DNS_FLAG_TC) != 0;
	r->ancount = dnswire_get16(p + 6);
	n = r->ancount + dnswire_get16(p + 8) + dnswire_get16(p + 10);
	if (dnswire_get16(p + 4) == 1 && (dnswire_read_name(p, len, &off, name) == 0 ||
	    (off += 4) > len))
		return -1;
	for (unsigned i = 0; i < n; i++) {
		uint16_t type, rdlen;
		if (dnswire_read_name(p, len, &off, name) == 0 || off + 10 > len)
			return -1;
		type = dnswire_get16(p + off);
		rdlen = dnswire_get16(p + off + 8);
		if (off + 10 + rdlen > len)
			return -1;
		if (i == 0 && r->ancount > 0)
			r->ttl = (long)dnswire_get32(p + off + 4);
		if (type == DNS_TYPE_OPT) {
			r->opt = 1;
			r->do_bit = (dnswire_get32(p + off + 4) & 0x8000) != 0;
			replay_read_ede(p + off + 10, rdlen, r);
		}
		off += 10 + (size_t)rdlen;
	}
	return 0;
}

static const char *
replay_rcode_name(int rcode)
{
	static const char *const names[] = { "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
		"NOTIMP", "REFUSED" };

	return rcode >= 0 && rcode < 6 ? names[rcode] : "OTHER";
}

/* Whether the reply echoes the client's ID (question: its question's bytes, the name's
 * case with them). */
static const char *
replay_echo(const struct replay_client *c, int question)
{
	size_t from = question ? DNS_HDRLEN : 0;
	size_t to = question ? DNS_HDRLEN + c->q.qname_len + 4 : 2;

	return c->rlen >= to && memcmp(c->reply + from, c->msg + from, to - from) == 0 ? "echo"
										       : "differs";
}

/* The value of key for one client's reply. */
static const char *
replay_reply_key(const struct replay_client *c, const struct replay_reply *r, const char *key,
    char *buf, size_t cap)
{
	if (strcmp(key, "replies") == 0)
		return snprintf(buf, cap, "%u", c->replies), buf;
	if (c->replies == 0)
		return "none";
	if (strcmp(key, "rcode") == 0)
		return replay_rcode_name(r->rcode);
	if (strcmp(key, "answer") == 0) {
		replay_summary(&c->q, c->reply, c->rlen, buf, cap);
		return buf;
	}
	if (strcmp(key, "text") == 0)
		return snprintf(buf, cap, "%s", r->text), buf;
	if (strcmp(key, "id") == 0 || strcmp(key, "case") == 0)
		return replay_echo(c, key[0] == 'c');
	if (strcmp(key, "ede") == 0)
		return snprintf(buf, cap, "%d", r->ede), buf;
	if (strcmp(key, "ttl") == 0)
		return snprintf(buf, cap, "%ld", r->ttl), buf;
	if (strcmp(key, "ancount") == 0)
		return snprintf(buf, cap, "%u", r->ancount), buf;
	if (strcmp(key, "tc") == 0 || strcmp(key, "opt") == 0 || strcmp(key, "do") == 0)
		return (key[0] == 't' ? r->tc : key[0] == 'o' ? r->opt : r->do_bit) ? "yes" : "no";
	return NULL;
}

const char *
replay_reply_value(struct replay *rp, const char *label, const char *key, char *buf,
    size_t cap, int *known)
{
	const struct replay_client *c = replay_client_find(rp, label);
	struct replay_reply r = { .ede = -1 };

	if ((*known = c != NULL) == 0)
		return NULL;
	if (c->replies > 0 && replay_read_reply(c, &r) != 0)
		return "malformed";
	return replay_reply_key(c, &r, key, buf, cap);
}
