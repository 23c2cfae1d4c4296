/*
 * tests/replay/replay_steps.c - the steps of a story: a client asks (query), leaves
 * (cancel), the upstream or a mirror answers, times out or fails, and what the verified
 * cache already knows (given).
 */
#include "autoconf.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "replay.h"
#include "vcache.h"
#include "vcache_ca.h"

void
replay_name(struct replay *rp, const char *name, struct dnsq *q)
{
	size_t n = dnswire_name_from_str(name, q->qname, sizeof(q->qname));

	if (n == 0)
		replay_bail(rp, "bad name '%s'", name);
	q->qname_len = (uint8_t)n;
}

/* NAME TYPE at argv[0], argv[1] into q. */
static void
replay_question(struct replay *rp, char **argv, struct dnsq *q)
{
	memset(q, 0, sizeof(*q));
	replay_name(rp, argv[0], q);
	if ((q->qtype = dnswire_str2type(argv[1])) == 0)
		replay_bail(rp, "bad type '%s'", argv[1]);
	q->qclass = DNS_CLASS_IN;
	q->id = 1;
	q->flags = DNS_FLAG_RD;
}

void
replay_summary(const struct dnsq *q, const uint8_t *wire, size_t len, char *out, size_t cap)
{
	struct digest *d = malloc(sizeof(*d));

	if (d == NULL || wire == NULL ||
	    digest_answer(d, wire, len, q->qname, q->qname_len, q->qtype) != 0)
		snprintf(out, cap, "%s", wire == NULL ? "none" : "unreadable");
	else if (d->rcode == DNS_RCODE_SERVFAIL || d->rcode == DNS_RCODE_REFUSED)
		snprintf(out, cap, "%s", d->rcode == DNS_RCODE_SERVFAIL ? "SERVFAIL" : "REFUSED");
	else
		digest_summary(d, out, cap);
	free(d);
}

static struct replay_result *
replay_label(struct replay *rp, const char *label)
{
	for (size_t i = 0; i < rp->n_res; i++)
		if (strcmp(rp->res[i].label, label) == 0)
			return &rp->res[i];
	return NULL;
}

/* A client gets its answer. */
static void
replay_done(void *arg, const struct check_result *res)
{
	struct replay_result *r = arg;

	r->calls++;
	r->done = 1;
	r->cw = NULL;
	r->status = res->status;
	r->d = res->decision;
	r->has_verdict = res->verdict != NULL;
	r->outcome = res->verdict ? res->verdict->outcome : OUTCOME_AGREE;
	r->n_mirrors = res->n_mirrors;
	if (res->status != UPSTREAM_OK)
		snprintf(r->answer, sizeof(r->answer), "none");
	else
		replay_summary(&r->q, res->wire, res->len, r->answer, sizeof(r->answer));
}

/* A new client's result for "VERB LABEL NAME TYPE [cd]". */
static struct replay_result *
replay_client(struct replay *rp, int argc, char **argv)
{
	struct replay_result *r;

	if (argc < 4 || rp->n_res == REPLAY_MAX_QUERIES || replay_label(rp, argv[1]))
		replay_bail(rp, "%s LABEL NAME TYPE [cd], each LABEL once", argv[0]);
	r = &rp->res[rp->n_res++];
	snprintf(r->label, sizeof(r->label), "%s", argv[1]);
	replay_question(rp, argv + 2, &r->q);
	if (argc > 4 && strcmp(argv[4], "cd") == 0)
		r->q.flags |= DNS_FLAG_CD;
	r->checked = check_applies(rp->cx, &r->q);
	return r;
}

/* explain LABEL NAME TYPE: `vantagectl explain`, the mirrors asked afresh, all of them. */
void
replay_explain(struct replay *rp, int argc, char **argv)
{
	struct replay_result *r = replay_client(rp, argc, argv);

	if (r->checked && (r->cw = check_explain(rp->cx, &r->q, replay_done, r)) == NULL)
		replay_bail(rp, "check_explain failed");
}

/* query LABEL NAME TYPE [cd]: as query.c asks, the answer cache first. */
void
replay_query(struct replay *rp, int argc, char **argv)
{
	struct replay_result *r = replay_client(rp, argc, argv);
	struct resolve_result hit;

	if (!r->checked)
		return; /* a plain forwarder's business, not the checks' */
	if (world_cache_lookup(rp->w, &r->q, &hit)) {
		if (check_cached(rp->cx, &r->q, &hit, &r->d)) {
			r->done = r->fast = 1;
			r->status = UPSTREAM_OK;
			replay_summary(&r->q, hit.wire, hit.len, r->answer, sizeof(r->answer));
			return;
		}
		r->cw = check_start(rp->cx, &r->q, &hit, replay_done, r);
	} else
		r->cw = check_start(rp->cx, &r->q, NULL, replay_done, r);
	if (r->cw == NULL)
		replay_bail(rp, "check_start failed");
}

/* cancel LABEL: the client leaves (a TCP connection closed). */
void
replay_cancel(struct replay *rp, int argc, char **argv)
{
	struct replay_result *r;

	if (argc != 2 || (r = replay_label(rp, argv[1])) == NULL || r->cw == NULL)
		replay_bail(rp, "cancel LABEL, of a question still waiting");
	check_cancel(r->cw);
	r->cw = NULL;
}

/* "tlsa USAGE SELECTOR MTYPE HEX" at argv[i..i+4] into rd (3 + 32 bytes); its length. */
static size_t
replay_tlsa(struct replay *rp, int argc, char **argv, int i, uint8_t rd[35])
{
	const char *hex;

	if (i + 4 >= argc || strlen(hex = argv[i + 4]) != 64)
		replay_bail(rp, "tlsa USAGE SELECTOR MTYPE SHA256HEX");
	for (int k = 0; k < 3; k++)
		rd[k] = (uint8_t)atoi(argv[i + 1 + k]);
	for (int k = 0; k < 32; k++) {
		unsigned v;
		if (sscanf(hex + 2 * k, "%2x", &v) != 1)
			replay_bail(rp, "bad hex '%s'", hex);
		rd[3 + k] = (uint8_t)v;
	}
	return 35;
}

/* The records after NAME TYPE: addresses, "tlsa U S M HEX", "nxdomain", "nodata",
 * "servfail", "ttl N". */
static size_t
replay_records(struct replay *rp, const struct dnsq *q, int argc, char **argv, uint8_t *out,
    size_t cap, uint32_t *ttl)
{
	uint8_t rdata[REPLAY_MAX_RECORDS][35];
	const uint8_t *rd[REPLAY_MAX_RECORDS];
	size_t rdlen[REPLAY_MAX_RECORDS], n = 0;
	int rcode = DNS_RCODE_NOERROR;

	*ttl = 300;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "ttl") == 0 && i + 1 < argc)
			*ttl = (uint32_t)strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "nxdomain") == 0)
			rcode = DNS_RCODE_NXDOMAIN;
		else if (strcmp(argv[i], "servfail") == 0)
			rcode = DNS_RCODE_SERVFAIL;
		else if (strcmp(argv[i], "nodata") == 0)
			continue;
		else if (n < REPLAY_MAX_RECORDS && strcmp(argv[i], "tlsa") == 0 && q->qtype == DNS_TYPE_TLSA) {
			rdlen[n] = replay_tlsa(rp, argc, argv, i, rdata[n]);
			n++;
			i += 4;
		}
		else if (n < REPLAY_MAX_RECORDS && q->qtype == DNS_TYPE_A && inet_pton(AF_INET, argv[i], rdata[n]) == 1)
			rdlen[n++] = 4;
		else if (n < REPLAY_MAX_RECORDS && q->qtype == DNS_TYPE_AAAA &&
		    inet_pton(AF_INET6, argv[i], rdata[n]) == 1)
			rdlen[n++] = 16;
		else
			replay_bail(rp, "bad record '%s'", argv[i]);
	}
	for (size_t i = 0; i < n; i++)
		rd[i] = rdata[i];
	return world_build(q->qname, q->qname_len, q->qtype, rcode, rd, rdlen, n, *ttl, out, cap);
}

/* The upstream's turn: answer, timeout or fail. */
static void
replay_upstream(struct replay *rp, const char *verb, const struct dnsq *q, int argc,
    char **argv)
{
	struct resolve_wait *rw = world_find_upstream(rp->w, q->qname, q->qname_len, q->qtype);
	uint8_t wire[DNS_MAXMSG];
	uint32_t ttl;
	size_t n;

	if (rw == NULL)
		replay_bail(rp, "the upstream was not asked that");
	if (strcmp(verb, "answer") != 0) {
		world_answer_upstream(rp->w, rw,
		    strcmp(verb, "timeout") == 0 ? UPSTREAM_TIMEOUT : UPSTREAM_ERROR, NULL, 0, 0);
		return;
	}
	if ((n = replay_records(rp, q, argc, argv, wire, sizeof(wire), &ttl)) == 0)
		replay_bail(rp, "answer too big");
	world_answer_upstream(rp->w, rw, UPSTREAM_OK, wire, n, ttl);
}

/* A mirror's turn: answer, timeout or fail. */
static void
replay_mirror_turn(struct replay *rp, const char *verb, const char *name,
    const struct dnsq *q, int argc, char **argv)
{
	struct mirror *m = world_mirror(rp->w, name);
	struct mirror_req *r;
	uint8_t wire[DNS_MAXMSG];
	uint32_t ttl;
	size_t n;

	if (m == NULL)
		replay_bail(rp, "no mirror or upstream named %s", name);
	if ((r = world_find_mirror_q(rp->w, m, q->qname, q->qname_len, q->qtype)) == NULL)
		replay_bail(rp, "%s was not asked that", name);
	if (strcmp(verb, "answer") != 0) {
		world_answer_mirror(rp->w, r,
		    strcmp(verb, "timeout") == 0 ? TRANSPORT_TIMEOUT : TRANSPORT_ERROR, NULL, 0);
		return;
	}
	if ((n = replay_records(rp, q, argc, argv, wire, sizeof(wire), &ttl)) == 0)
		replay_bail(rp, "answer too big");
	world_answer_mirror(rp->w, r, TRANSPORT_OK, wire, n);
}

/* answer|timeout|fail WHO NAME TYPE [records]: WHO is "upstream" or a mirror's name. */
void
replay_answer(struct replay *rp, int argc, char **argv)
{
	struct dnsq q;

	if (argc < 4)
		replay_bail(rp, "%s WHO NAME TYPE [records]", argv[0]);
	replay_question(rp, argv + 2, &q);
	if (strcmp(argv[1], "upstream") == 0)
		replay_upstream(rp, argv[0], &q, argc - 4, argv + 4);
	else
		replay_mirror_turn(rp, argv[0], argv[1], &q, argc - 4, argv + 4);
}

/* given pair NAME ADDR: the address proved the name's CA before (a cached pair, a day). */
void
replay_given(struct replay *rp, int argc, char **argv)
{
	struct dnsq q;
	struct cons_addr a = { 0 };
	struct probe_ca ca = { .selector = 0 };

	if (argc != 4 || strcmp(argv[1], "pair") != 0)
		replay_bail(rp, "given pair NAME ADDR");
	replay_name(rp, argv[2], &q);
	if (inet_pton(AF_INET, argv[3], a.bytes) == 1)
		a.family = 4;
	else if (inet_pton(AF_INET6, argv[3], a.bytes) == 1)
		a.family = 6;
	else
		replay_bail(rp, "bad address '%s'", argv[3]);
	memset(ca.sha256, 0xca, sizeof(ca.sha256));
	if (vcache_ca_pair_store(vcache_cadata(rp->vc), q.qname, q.qname_len, &a, &ca,
		rp->w->wall_s + 86400) != 0)
		replay_bail(rp, "cannot store the pair");
}

/* probe ADDR RESULT: the TLS probe of ADDR ends with RESULT (ok, other-ca, bad-chain,
 * bad-name, unreachable). */
void
replay_probe(struct replay *rp, int argc, char **argv)
{
	static const char *const names[] = { "ok", "other-ca", "bad-chain", "bad-name",
		"unreachable" };
	struct probe *p;

	if (argc != 3)
		replay_bail(rp, "probe ADDR RESULT");
	if ((p = world_find_probe(rp->w, argv[1])) == NULL)
		replay_bail(rp, "no probe of %s under way", argv[1]);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(argv[2], names[i]) == 0) {
			world_answer_probe(rp->w, p, (enum probe_result)i);
			return;
		}
	replay_bail(rp, "bad probe result '%s'", argv[2]);
}
