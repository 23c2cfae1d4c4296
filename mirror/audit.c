/* mirror/audit.c - peer verification: replayed questions, join tests, audits, removal votes. */
#include "autoconf.h"

#include <ctype.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "audit.h"
#include "json.h"
#include "log.h"
#include "peers.h"
#include "replay.h"
#include "reputation.h"
#include "resolve.h"
#include "server.h"
#include "vutil.h"
#include "yconf.h"

/* Verify intervals between two anti-entropy pulls of a random peer's /v1/mirrors. */
#define AUDIT_SYNC_TICKS 5
#define CT_DNS "application/dns-message"
#define CT_JSON "application/json"
/* Records of an answer section that enter a signature; more is not an answer we replay. */
#define SIG_MAX_RECORDS 256
/* A remove or notice body: three short keys. */
#define AUDIT_BODY_MAX_NODES 16

/* One question of a round: our own answer and the peer's, kept for the ladder. */
struct round_q {
	struct round *r;
	struct dnsq q;
	struct resolve_wait *rw;
	int own_done, own_ok;
	int peer_done, peer_ok;
	uint8_t *own, *peer;
	size_t own_len, peer_len;
	uint64_t peer_ms;
	/*
	 * A dissent being confirmed (replay_confirm): our fresh answer, and the answers of
	 * other mirrors (never the peer) asked at the same time.
	 */
	int confirm;
	struct resolve_wait *rw2;
	uint8_t *own2;
	size_t own2_len;
	size_t n_wit;
	int wit_done[REPLAY_WITNESSES];
	uint8_t *wit[REPLAY_WITNESSES];
	size_t wit_len[REPLAY_WITNESSES];
};

/* One replay round against one peer: verify_questions questions and a ping. */
struct round {
	TAILQ_ENTRY(round) entry;
	struct audit *a;
	uint64_t serial;
	uint8_t peer[TLS_SHA256_LEN];
	uint64_t started_ms;
	unsigned nq, left;
	int confirming;			/* ROUND_ASKING, ROUND_CONFIRMING, ROUND_UNCONFIRMED */
	int ping_done, ping_ok;
	uint64_t ping_ms;
	struct round_q qs[AUDIT_MAX_QUESTIONS];
};

enum { ROUND_ASKING, ROUND_CONFIRMING, ROUND_UNCONFIRMED };

/*
 * What a peer request of a round is about: question idx, or -1 for the ping; wit is -1
 * for the peer's own answer, else the witness asked to confirm a dissent on idx.
 */
struct round_ref {
	uint64_t serial;
	int idx;
	int wit;
};

/* A removal vote this mirror runs: the peers asked and what they answered. */
struct vote {
	TAILQ_ENTRY(vote) entry;
	uint64_t serial;
	uint8_t suspect[TLS_SHA256_LEN];
	char reason[200];
	uint64_t pull_after_ms, deadline_ms;
	size_t n;
	struct {
		uint8_t id[TLS_SHA256_LEN];
		enum audit_vote v;
		int busy;
		char reason[200];
	} asked[MIRROR_MAX_FANOUT];
};

struct vote_ref {
	uint64_t serial;
	size_t idx;
};

/* A removal this mirror was told about, for its operator. */
struct notice {
	uint8_t by[TLS_SHA256_LEN];
	char name[MIRROR_NAME_MAX + 1];
	char reason[256];
	int verified;
	uint64_t at;
};

struct audit {
	struct server *s;
	struct event *timer;
	uint64_t interval_ms;
	struct replay *replay;		/* the questions fit to replay */
	uint64_t serial;
	TAILQ_HEAD(, round) rounds;
	TAILQ_HEAD(, vote) votes;
	struct notice notices[AUDIT_MAX_NOTICES];
	size_t n_notices;
	uint64_t ticks;
};

static const char *const vote_names[] = { "none", "pending", "remove", "keep", "abstain",
	NULL };


static const struct mirror_network *
audit_cfg(const struct audit *a)
{
	return &a->s->cfg->network;
}

/* ---- answer signatures ---- */

/* Read the (possibly compressed) name at *off into out, lower-cased; advance *off past it. */
static int
sig_name(const uint8_t *m, size_t len, size_t *off, uint8_t *out, size_t *olen)
{
	size_t o = *off, n = 0, i;
	int jumped = 0, hops = 0;
	uint8_t l;

	for (;;) {
		if (o >= len)
			return -1;
		l = m[o];
		if ((l & 0xC0) == 0xC0) {
			/* Pointers must go backwards and not loop: 128 jumps is more than any name. */
			if (o + 1 >= len || ++hops > 128)
				return -1;
			if (!jumped)
				*off = o + 2;
			jumped = 1;
			o = ((size_t)(l & 0x3F) << 8) | m[o + 1];
			continue;
		}
		if ((l & 0xC0) != 0 || n + l + 1 > DNS_MAXNAME || o + 1 + l > len)
			return -1;
		out[n++] = l;
		for (i = 0; i < l; i++)
			out[n++] = (uint8_t)tolower(m[o + 1 + i]);
		o += (size_t)l + 1;
		if (l == 0)
			break;
	}
	if (!jumped)
		*off = o;
	*olen = n;
	return 0;
}

static int
sig_cmp(const void *x, const void *y)
{
	return memcmp(x, y, TLS_SHA256_LEN);
}

/* The hash of one record: type, then its RDATA with embedded names made canonical. */
static int
sig_record(const uint8_t *m, size_t len, size_t rd, uint16_t type, uint16_t rdlen,
    uint8_t out[TLS_SHA256_LEN])
{
	uint8_t buf[2 + 2 + DNS_MAXNAME], name[DNS_MAXNAME];
	size_t off = rd, nlen, pre = 0;

	dnswire_put16(buf, type);
	switch (type) {
	case DNS_TYPE_MX:
		pre = 2;
		/* FALLTHROUGH */
	case DNS_TYPE_CNAME:
	case DNS_TYPE_NS:
	case 12:	/* PTR */
	case 39:	/* DNAME */
		if (rdlen < pre + 1)
			return -1;
		memcpy(buf + 2, m + rd, pre);
		off = rd + pre;
		if (sig_name(m, len, &off, name, &nlen) != 0)
			return -1;
		memcpy(buf + 2 + pre, name, nlen);
		tls_sha256(buf, 2 + pre + nlen, out);
		return 0;
	default:
		break;
	}
	{
		uint8_t *tmp = malloc((size_t)rdlen + 2);

		if (tmp == NULL)
			return -1;
		dnswire_put16(tmp, type);
		memcpy(tmp + 2, m + rd, rdlen);
		tls_sha256(tmp, (size_t)rdlen + 2, out);
		free(tmp);
	}
	return 0;
}

int
audit_answer_sig(const uint8_t *m, size_t len, uint8_t out[TLS_SHA256_LEN])
{
	uint8_t (*recs)[TLS_SHA256_LEN] = NULL, name[DNS_MAXNAME], rcode;
	size_t off = DNS_HDRLEN, nlen, n = 0, i;
	uint16_t qd, an, type, rdlen;
	int rc = -1;
	void *h;

	if (len < DNS_HDRLEN)
		return -1;
	rcode = m[3] & 0x0F;
	qd = dnswire_get16(m + 4);
	an = dnswire_get16(m + 6);
	if (qd > 1 || an > SIG_MAX_RECORDS)
		return -1;
	if (qd == 1 && (sig_name(m, len, &off, name, &nlen) != 0 || (off += 4) > len))
		return -1;
	if ((recs = calloc((size_t)an + 1, sizeof(*recs))) == NULL)
		return -1;
	for (i = 0; i < an; i++) {
		if (sig_name(m, len, &off, name, &nlen) != 0 || off + 10 > len)
			goto out;
		type = dnswire_get16(m + off);
		rdlen = dnswire_get16(m + off + 8);
		off += 10;
		if (off + rdlen > len)
			goto out;
		if (type != DNS_TYPE_OPT && sig_record(m, len, off, type, rdlen, recs[n]) == 0)
			n++;
		off += rdlen;
	}
	qsort(recs, n, sizeof(*recs), sig_cmp);
	/* RCODE first, then the sorted record hashes: order and TTLs do not matter. */
	if ((h = malloc(1 + n * TLS_SHA256_LEN)) == NULL)
		goto out;
	((uint8_t *)h)[0] = rcode;
	memcpy((uint8_t *)h + 1, recs, n * TLS_SHA256_LEN);
	tls_sha256(h, 1 + n * TLS_SHA256_LEN, out);
	free(h);
	rc = 0;
out:
	free(recs);
	return rc;
}

/* ---- the questions replayed ---- */

void
audit_note_question(struct audit *a, const struct dnsq *q, const struct netaddr *client)
{
	if (a != NULL)
		replay_note(a->replay, q, client);
}

/* ---- rounds ---- */

static struct round *
round_find(struct audit *a, uint64_t serial)
{
	struct round *r;

	TAILQ_FOREACH(r, &a->rounds, entry)
		if (r->serial == serial)
			return r;
	return NULL;
}

static void round_finish(struct round *r);

static void
round_part_done(struct round *r)
{
	if (r->left > 0 && --r->left == 0)
		round_finish(r);
}

/* A copy of wire in *out (len in *olen); 0, or -1 out of memory. */
static int
round_keep(const uint8_t *wire, size_t len, uint8_t **out, size_t *olen)
{
	if ((*out = malloc(len ? len : 1)) == NULL)
		return -1;
	memcpy(*out, wire, len);
	*olen = len;
	return 0;
}

static void
round_own_answer(struct round_q *rq, const struct resolve_result *res)
{
	struct dnsresp dr;
	struct dnsq aq;

	rq->own_done = 1;
	/* Our own failure says nothing about the peer: that question does not count. */
	rq->own_ok = res->status == UPSTREAM_OK &&
	    dnswire_parse_response(res->wire, res->len, &aq, &dr) == 0 &&
	    dr.rcode != DNS_RCODE_SERVFAIL &&
	    round_keep(res->wire, res->len, &rq->own, &rq->own_len) == 0;
}

static void
round_resolved(void *arg, const struct resolve_result *res)
{
	struct round_q *rq = arg;

	rq->rw = NULL;
	round_own_answer(rq, res);
	round_part_done(rq->r);
}

/* Whether resp is a DoH answer to q; its body is then kept in *out (length *olen). */
static int
round_doh_answer(const struct http_response *resp, const struct dnsq *q, uint8_t **out,
    size_t *olen)
{
	const char *ct = resp->status == 200 ? http_response_header(resp, "Content-Type") : NULL;
	struct dnsresp dr;
	struct dnsq aq;

	return ct != NULL && strncasecmp(ct, CT_DNS, strlen(CT_DNS)) == 0 &&
	    dnswire_parse_response(resp->body, resp->body_len, &aq, &dr) == 0 &&
	    dnswire_same_question(&aq, q) &&
	    round_keep(resp->body, resp->body_len, out, olen) == 0;
}

/* A witness's answer to a dissent being confirmed. */
static void
round_witness_answer(struct round *r, struct round_q *rq, size_t k,
    const struct http_response *resp)
{
	if (r->confirming != ROUND_CONFIRMING || k >= rq->n_wit || rq->wit_done[k])
		return;
	rq->wit_done[k] = 1;
	if (!round_doh_answer(resp, &rq->q, &rq->wit[k], &rq->wit_len[k]))
		rq->wit[k] = NULL;
	round_part_done(r);
}

static void
round_peer_answer(struct peers *ps, struct peer *p, const struct http_response *resp,
    uint64_t elapsed_ms, void *ctx)
{
	struct round_ref *ref = ctx;
	struct audit *a = ps->s->audit;
	struct round *r = round_find(a, ref->serial);
	const char *ct;
	struct round_q *rq;
	struct dnsresp dr;
	struct dnsq aq;

	(void)p;
	if (r == NULL)
		return;		/* the round ended without it */
	if (ref->idx < 0) {
		if (r->ping_done)
			return;
		r->ping_done = 1;
		r->ping_ok = resp->status == 200;
		r->ping_ms = elapsed_ms;
		round_part_done(r);
		return;
	}
	rq = &r->qs[ref->idx];
	if (ref->wit >= 0) {
		round_witness_answer(r, rq, (size_t)ref->wit, resp);
		return;
	}
	if (rq->peer_done)
		return;
	rq->peer_done = 1;
	rq->peer_ms = elapsed_ms;
	ct = resp->status == 200 ? http_response_header(resp, "Content-Type") : NULL;
	rq->peer_ok = ct != NULL && strncasecmp(ct, CT_DNS, strlen(CT_DNS)) == 0 &&
	    dnswire_parse_response(resp->body, resp->body_len, &aq, &dr) == 0 &&
	    dnswire_same_question(&aq, &rq->q) &&
	    round_keep(resp->body, resp->body_len, &rq->peer, &rq->peer_len) == 0;
	round_part_done(r);
}

/* Send question i of r to the peer (DoH POST) and ask our own resolver. */
static void
round_ask(struct audit *a, struct round *r, struct peer *p, unsigned i)
{
	struct round_q *rq = &r->qs[i];
	struct round_ref ref = { r->serial, (int)i, -1 };
	struct resolve_result res;
	uint8_t wire[DNS_HDRLEN + DNS_MAXNAME + 4 + 11];
	size_t n;

	r->left += 2;
	n = dnswire_build_query(wire, sizeof(wire), &rq->q, 0, DNS_EDNS_SIZE);
	if (n == 0 || peers_request(a->s->peers, p, "POST", "/dns-query", CT_DNS, wire, n,
	    round_peer_answer, &ref, sizeof(ref)) != 0) {
		rq->peer_done = 1;
		r->left--;
	}
	if (resolve_lookup(a->s->resolve, &rq->q, &res)) {
		round_own_answer(rq, &res);
		r->left--;
	} else if ((rq->rw = resolve_start(a->s->resolve, &rq->q, round_resolved, rq)) == NULL) {
		rq->own_done = 1;
		r->left--;
	}
}

static void
round_start(struct audit *a, struct peer *p)
{
	const struct mirror_network *net = audit_cfg(a);
	struct round_ref ref;
	struct round *r;
	unsigned i, nq;

	if (p->round_busy || p->ctx == NULL || (r = calloc(1, sizeof(*r))) == NULL)
		return;
	r->a = a;
	r->serial = ++a->serial;
	memcpy(r->peer, p->id, TLS_SHA256_LEN);
	r->started_ms = now_ms();
	/*
	 * Only questions we vetted ourselves: a client's question whose answer changes in
	 * time or with the asker would make an honest peer look like a liar.
	 */
	nq = replay_count(a->replay) < net->verify_questions ?
	    (unsigned)replay_count(a->replay) : net->verify_questions;
	r->nq = nq;
	/* One guard part so that nothing finishes the round while it is being set up. */
	r->left = 1;
	TAILQ_INSERT_TAIL(&a->rounds, r, entry);
	p->round_busy = 1;
	for (i = 0; i < nq; i++) {
		r->qs[i].r = r;
		if (replay_pick(a->replay, &r->qs[i].q) != 0)
			break;
		round_ask(a, r, p, i);
	}
	r->nq = i;
	ref.serial = r->serial;
	ref.idx = -1;
	ref.wit = -1;
	r->left++;
	if (peers_request(a->s->peers, p, "GET", "/v1/health", NULL, NULL, 0, round_peer_answer,
	    &ref, sizeof(ref)) != 0) {
		r->ping_done = 1;
		r->left--;
	}
	round_part_done(r);
}

static void audit_trial_round(struct audit *a, struct peer *p);
static void vote_start(struct audit *a, struct peer *p, const char *reason);
static struct vote *vote_find(struct audit *a, const uint8_t *suspect);

/*
 * Whether a dissent of p on rq counts, in its reputation (*to_rep: what starts votes)
 * and in the counts of its audit or trial (*to_counts). Why not at once: an outsider's
 * zone can answer one mirror's resolver (told apart by its address) differently from
 * everyone else's, or flip between the vetting and the replay; every auditor then saw
 * that mirror dissent until a vote removed it. The dissent counts only when it is
 * confirmed at the moment (the witnesses, asked again, back our fresh answer and not the
 * peer's), and in the reputation only while the name's registrable domain has not used
 * its share of the peer's record (replay.h).
 */
static void
round_dissent_counts(struct audit *a, struct round *r, struct peer *p, struct round_q *rq,
    int *to_rep, int *to_counts)
{
	const struct mirror_network *net = audit_cfg(a);
	const uint8_t *wit[REPLAY_WITNESSES];
	char name[4 * DNS_MAXNAME + 1];
	uint64_t now = now_ms();
	size_t i;

	*to_rep = *to_counts = 0;
	if (r->confirming != ROUND_CONFIRMING || !rq->confirm)
		return;		/* the round ran out of time: nothing proven */
	for (i = 0; i < rq->n_wit; i++)
		wit[i] = rq->wit[i];
	dnswire_name2str(rq->q.qname, rq->q.qname_len, name, sizeof(name));
	switch (replay_confirm(&rq->q, rq->own2, rq->own2_len, rq->peer, rq->peer_len, wit,
	    rq->wit_len, rq->n_wit, net->allow_private)) {
	case REPLAY_DISSENT:
		*to_counts = 1;
		if ((*to_rep = replay_domain_charge(a->replay, p->id, &rq->q, now)) == 0)
			log_debug(LOG_G_MIRROR, "peer %s: dissent on %s not added to its "
			    "reputation: its domain has used its share", p->name, name);
		return;
	default:
		log_debug(LOG_G_MIRROR, "peer %s: dissent on %s not confirmed by %zu witnesses: "
		    "the question is no longer replayed", p->name, name, rq->n_wit);
		replay_reject(a->replay, &rq->q, now);
		return;
	}
}

/* Fold one round's samples into reputation, trial and audit counts. */
static void
round_count(struct audit *a, struct round *r, struct peer *p, struct rep_counts *c)
{
	const struct mirror_network *net = audit_cfg(a);
	uint64_t now = wall_s();
	enum rep_outcome o;
	unsigned i;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < r->nq; i++) {
		struct round_q *rq = &r->qs[i];
		int to_rep = 1, to_counts = 1;

		if (!rq->own_done || !rq->own_ok)
			continue;
		if (!rq->peer_done || !rq->peer_ok || rq->peer_ms > net->response_timeout_ms) {
			o = REP_TIMEOUT;
		} else {
			/* The ladder, not byte equality: a reordered or re-cased answer agrees. */
			switch (replay_judge(&rq->q, rq->own, rq->own_len, rq->peer, rq->peer_len,
			    net->allow_private)) {
			case REPLAY_AGREE:
				o = REP_AGREE;
				break;
			case REPLAY_DISSENT:
				round_dissent_counts(a, r, p, rq, &to_rep, &to_counts);
				o = REP_DISSENT;
				break;
			default:
				continue;	/* nothing to judge by */
			}
		}
		if (to_rep)
			reputation_replay(a->s->rep, p->id, o, (uint32_t)rq->peer_ms, now);
		if (!to_counts)
			continue;
		if (o == REP_AGREE)
			c->agree++;
		else if (o == REP_DISSENT)
			c->dissent++;
		else
			c->timeout++;
		if (o != REP_TIMEOUT) {
			c->responses++;
			c->response_ms_sum += rq->peer_ms;
		}
	}
	reputation_ping(a->s->rep, p->id, r->ping_done && r->ping_ok, (uint32_t)r->ping_ms, now);
	if (r->ping_done && r->ping_ok) {
		c->pings++;
		c->ping_ms_sum += r->ping_ms;
	} else {
		c->ping_fail++;
	}
}

static void
counts_add(struct rep_counts *to, const struct rep_counts *c)
{
	to->agree += c->agree;
	to->dissent += c->dissent;
	to->timeout += c->timeout;
	to->responses += c->responses;
	to->response_ms_sum += c->response_ms_sum;
	to->pings += c->pings;
	to->ping_fail += c->ping_fail;
	to->ping_ms_sum += c->ping_ms_sum;
}

static void
round_free(struct audit *a, struct round *r)
{
	unsigned i;

	for (i = 0; i < r->nq; i++) {
		if (r->qs[i].rw != NULL) {
			resolve_cancel(r->qs[i].rw);
			r->qs[i].rw = NULL;
		}
		if (r->qs[i].rw2 != NULL) {
			resolve_cancel(r->qs[i].rw2);
			r->qs[i].rw2 = NULL;
		}
		free(r->qs[i].own);
		free(r->qs[i].peer);
		free(r->qs[i].own2);
		for (size_t k = 0; k < r->qs[i].n_wit; k++)
			free(r->qs[i].wit[k]);
	}
	TAILQ_REMOVE(&a->rounds, r, entry);
	free(r);
}

/* Our fresh answer to a dissent being confirmed. */
static void
round_own2_answer(struct round_q *rq, const struct resolve_result *res)
{
	struct dnsresp dr;
	struct dnsq aq;

	if (!(res->status == UPSTREAM_OK &&
	    dnswire_parse_response(res->wire, res->len, &aq, &dr) == 0 &&
	    dr.rcode != DNS_RCODE_SERVFAIL &&
	    round_keep(res->wire, res->len, &rq->own2, &rq->own2_len) == 0))
		rq->own2 = NULL;
}

static void
round_resolved2(void *arg, const struct resolve_result *res)
{
	struct round_q *rq = arg;

	rq->rw2 = NULL;
	round_own2_answer(rq, res);
	round_part_done(rq->r);
}

/* Confirm a dissent on question i of r: ask ourselves again, and other mirrors. */
static void
round_confirm(struct audit *a, struct round *r, unsigned i)
{
	struct round_q *rq = &r->qs[i];
	struct peer *to[REPLAY_WITNESSES];
	uint8_t wire[DNS_HDRLEN + DNS_MAXNAME + 4 + 11];
	struct resolve_result res;
	struct round_ref ref;
	size_t k, n;

	rq->confirm = 1;
	n = dnswire_build_query(wire, sizeof(wire), &rq->q, 0, DNS_EDNS_SIZE);
	/* Never the peer under audit: it cannot witness for itself. */
	rq->n_wit = n == 0 ? 0 : peers_pick(a->s->peers, to, REPLAY_WITNESSES, r->peer, NULL, 0);
	for (k = 0; k < rq->n_wit; k++) {
		ref.serial = r->serial;
		ref.idx = (int)i;
		ref.wit = (int)k;
		r->left++;
		if (peers_request(a->s->peers, to[k], "POST", "/dns-query", CT_DNS, wire, n,
		    round_peer_answer, &ref, sizeof(ref)) != 0) {
			rq->wit_done[k] = 1;
			r->left--;
		}
	}
	r->left++;
	if (resolve_lookup(a->s->resolve, &rq->q, &res)) {
		round_own2_answer(rq, &res);
		r->left--;
	} else if ((rq->rw2 = resolve_start(a->s->resolve, &rq->q, round_resolved2, rq)) ==
	    NULL) {
		r->left--;
	}
}

/*
 * The round's answers are in: confirm its dissents before it counts. Returns 1 when
 * confirmations are under way (round_finish runs again when they are in, or when the
 * round runs out of time).
 */
static int
round_confirm_dissents(struct audit *a, struct round *r)
{
	const struct mirror_network *net = audit_cfg(a);
	int started = 0;
	unsigned i;

	if (r->confirming != ROUND_ASKING)
		return 0;
	if (r->left > 0) {
		/* Out of time before every answer came: its dissents are not confirmed. */
		r->confirming = ROUND_UNCONFIRMED;
		return 0;
	}
	r->confirming = ROUND_CONFIRMING;
	r->started_ms = now_ms();
	r->left = 1;		/* the guard part, as in round_start */
	for (i = 0; i < r->nq; i++) {
		struct round_q *rq = &r->qs[i];

		if (rq->own_done && rq->own_ok && rq->peer_done && rq->peer_ok &&
		    rq->peer_ms <= net->response_timeout_ms &&
		    replay_judge(&rq->q, rq->own, rq->own_len, rq->peer, rq->peer_len,
		    net->allow_private) == REPLAY_DISSENT) {
			round_confirm(a, r, i);
			started = 1;
		}
	}
	if (!started) {
		r->left = 0;
		return 0;
	}
	round_part_done(r);
	return 1;
}

static void
round_finish(struct round *r)
{
	struct audit *a = r->a;
	struct peer *p = peers_find(a->s->peers, r->peer);
	struct rep_counts c;
	char why[256];

	if (p == NULL) {
		round_free(a, r);
		return;
	}
	if (round_confirm_dissents(a, r))
		return;
	p->round_busy = 0;
	round_count(a, r, p, &c);
	log_debug(LOG_G_MIRROR, "peer %s: round %" PRIu64 ": %u agree, %u dissent, %u timeout, "
	    "ping %s %" PRIu64 " ms", p->name, r->serial, c.agree, c.dissent, c.timeout,
	    c.pings ? "ok" : "failed", r->ping_ms);
	round_free(a, r);
	if (p->audit_until_ms != 0)
		counts_add(&p->audit_counts, &c);
	if (p->trial != TRIAL_NONE) {
		counts_add(&p->trial_counts, &c);
		if (c.agree + c.dissent + c.timeout > 0)
			p->trial_rounds++;
		audit_trial_round(a, p);
		return;
	}
	if (p->state == PEER_ACTIVE && vote_find(a, p->id) == NULL && p->audit_until_ms == 0 &&
	    reputation_tripped(reputation_find(a->s->rep, p->id), audit_cfg(a), why, sizeof(why)))
		vote_start(a, p, why);
}

/* ---- trials (joins, retests) and audits ---- */

void
audit_start_trial(struct audit *a, struct peer *p, enum peer_trial kind)
{
	p->trial = kind;
	p->trial_rounds = 0;
	p->trial_started_ms = now_ms();
	memset(&p->trial_counts, 0, sizeof(p->trial_counts));
	(void)a;
}

/* Tell a peer we set it inactive; it checks the claim with us (audit_notice). */
static void
notice_sent(struct peers *ps, struct peer *p, const struct http_response *resp,
    uint64_t elapsed_ms, void *ctx)
{
	(void)ps;
	(void)elapsed_ms;
	(void)ctx;
	log_debug(LOG_G_MIRROR, "notice to %s (%s): HTTP %d", p->name, p->addr_str, resp->status);
}

static void
audit_send_notice(struct audit *a, struct peer *p)
{
	struct evbuffer *b = evbuffer_new();
	const void *data;

	if (b == NULL)
		return;
	evbuffer_add(b, "{", 1);
	json_kv_u64(b, 1, "version", 1);
	json_kv_str(b, 0, "from", a->s->id_hex);
	json_kv_str(b, 0, "reason", p->reason);
	evbuffer_add(b, "}\n", 2);
	if ((data = evbuffer_pullup(b, -1)) != NULL)
		(void)peers_request(a->s->peers, p, "POST", "/v1/notice", CT_JSON, data,
		    evbuffer_get_length(b), notice_sent, NULL, 0);
	evbuffer_free(b);
}

static void
audit_deactivate(struct audit *a, struct peer *p, const char *reason)
{
	peers_set_state(a->s->peers, p, PEER_INACTIVE, reason);
	p->next_retest_ms = now_ms() + audit_cfg(a)->retest_interval_ms;
	audit_send_notice(a, p);
}

/* After each round of a trial: judge once verify_rounds rounds had samples. */
static void
audit_trial_round(struct audit *a, struct peer *p)
{
	const struct mirror_network *net = audit_cfg(a);
	enum peer_trial kind = p->trial;
	char why[256], reason[300];
	enum rep_verdict v;

	if (p->trial_rounds < net->verify_rounds)
		return;
	v = reputation_judge(&p->trial_counts, net, why, sizeof(why));
	if (v == REP_UNDECIDED)
		return;		/* too few samples yet (an empty ring): keep testing */
	p->trial = TRIAL_NONE;
	if (v == REP_PASS) {
		log_info(LOG_G_MIRROR, "peer %s (%s) passed its %s tests in %u rounds (%" PRIu64
		    " ms): %s", p->name, p->addr_str, kind == TRIAL_JOIN ? "join" : "re-",
		    p->trial_rounds, now_ms() - p->trial_started_ms, why);
		reputation_clear_recent(a->s->rep, p->id);
		peers_set_state(a->s->peers, p, PEER_ACTIVE, NULL);
		if (!p->forwarded) {
			p->forwarded = 1;
			peers_forward_join(a->s->peers, p);
		}
		return;
	}
	snprintf(reason, sizeof(reason), "failed %s tests: %s",
	    kind == TRIAL_JOIN ? "join" : "readmission", why);
	audit_deactivate(a, p, reason);
}

static void
audit_begin(struct audit *a, struct peer *p)
{
	p->audit_until_ms = now_ms() + audit_cfg(a)->audit_period_ms;
	memset(&p->audit_counts, 0, sizeof(p->audit_counts));
	p->finding = VOTE_PENDING;
	snprintf(p->finding_reason, sizeof(p->finding_reason), "audit in progress");
}

/* An audit's period is over: our finding, and a vote of our own if it says remove. */
static void
audit_end(struct audit *a, struct peer *p)
{
	char why[200];
	enum rep_verdict v = reputation_judge(&p->audit_counts, audit_cfg(a), why, sizeof(why));

	p->audit_until_ms = 0;
	p->audit_done_ms = now_ms();
	p->finding = v == REP_PASS ? VOTE_KEEP : v == REP_FAIL ? VOTE_REMOVE : VOTE_ABSTAIN;
	snprintf(p->finding_reason, sizeof(p->finding_reason), "%s", why);
	log_info(LOG_G_MIRROR, "audit of %s (%s): %s: %s", p->name, p->addr_str,
	    vote_names[p->finding], why);
	/* Removal propagates: whoever finds for removal asks its own cluster. */
	if (p->finding == VOTE_REMOVE && p->state == PEER_ACTIVE && vote_find(a, p->id) == NULL)
		vote_start(a, p, why);
}

/* ---- votes ---- */

static struct vote *
vote_find(struct audit *a, const uint8_t *suspect)
{
	struct vote *v;

	TAILQ_FOREACH(v, &a->votes, entry)
		if (memcmp(v->suspect, suspect, TLS_SHA256_LEN) == 0)
			return v;
	return NULL;
}

static void
remove_sent(struct peers *ps, struct peer *p, const struct http_response *resp,
    uint64_t elapsed_ms, void *ctx)
{
	(void)ps;
	(void)elapsed_ms;
	(void)ctx;
	log_debug(LOG_G_MIRROR, "remove request to %s (%s): HTTP %d", p->name, p->addr_str,
	    resp->status);
}

static void
audit_send_remove(struct audit *a, struct peer *to, const struct peer *suspect,
    const char *reason)
{
	struct evbuffer *b = evbuffer_new();
	const void *data;

	if (b == NULL)
		return;
	evbuffer_add(b, "{", 1);
	json_kv_u64(b, 1, "version", 1);
	json_kv_str(b, 0, "id", suspect->idhex);
	json_kv_str(b, 0, "reason", reason);
	evbuffer_add(b, "}\n", 2);
	if ((data = evbuffer_pullup(b, -1)) != NULL)
		(void)peers_request(a->s->peers, to, "POST", "/v1/remove", CT_JSON, data,
		    evbuffer_get_length(b), remove_sent, NULL, 0);
	evbuffer_free(b);
}

static void
vote_start(struct audit *a, struct peer *p, const char *reason)
{
	const struct mirror_network *net = audit_cfg(a);
	struct peer *to[MIRROR_MAX_FANOUT];
	struct vote *v;
	size_t i;

	if ((v = calloc(1, sizeof(*v))) == NULL)
		return;
	v->serial = ++a->serial;
	memcpy(v->suspect, p->id, TLS_SHA256_LEN);
	snprintf(v->reason, sizeof(v->reason), "%s", reason);
	v->n = peers_pick(a->s->peers, to, net->audit_fanout, p->id,
	    (const uint8_t (*)[TLS_SHA256_LEN])a->s->cfg->id, 1);
	for (i = 0; i < v->n; i++) {
		memcpy(v->asked[i].id, to[i]->id, TLS_SHA256_LEN);
		v->asked[i].v = VOTE_PENDING;
		audit_send_remove(a, to[i], p, reason);
	}
	/* Our own audit runs alongside, so that our vote is there for others who ask. */
	if (p->audit_until_ms == 0)
		audit_begin(a, p);
	v->pull_after_ms = now_ms() + net->audit_period_ms;
	v->deadline_ms = v->pull_after_ms + net->audit_period_ms + 2 * net->response_timeout_ms;
	TAILQ_INSERT_TAIL(&a->votes, v, entry);
	log_info(LOG_G_MIRROR, "vote on %s (%s): %s; asked %zu peer(s) to audit", p->name,
	    p->addr_str, reason, v->n);
}

/* Parse a GET /v1/audit body: the vote, the reason, our state there. */
static int
vote_parse(const struct http_response *resp, enum audit_vote *vote, char *reason, size_t rlen,
    char *state, size_t slen)
{
	struct yconf y;
	yaml_node_t *root, *v;
	const char *s;
	int i, rc = -1;

	memset(&y, 0, sizeof(y));
	y.max_nodes = 64;
	if (resp->status != 200 || yconf_load_buffer(&y, "audit", resp->body, resp->body_len))
		goto out;
	if ((root = yconf_root(&y)) == NULL || (v = yconf_get(&y, root, "vote")) == NULL ||
	    yconf_enum(&y, v, "vote", vote_names, &i) != 0)
		goto out;
	*vote = (enum audit_vote)i;
	reason[0] = state[0] = '\0';
	if ((v = yconf_get(&y, root, "vote_reason")) != NULL && v->type == YAML_SCALAR_NODE &&
	    (s = yconf_scalar(&y, v, "vote_reason")) != NULL)
		snprintf(reason, rlen, "%s", s);
	if ((v = yconf_get(&y, root, "state")) != NULL && v->type == YAML_SCALAR_NODE &&
	    (s = yconf_scalar(&y, v, "state")) != NULL)
		snprintf(state, slen, "%s", s);
	if ((v = yconf_get(&y, root, "state_reason")) != NULL && v->type == YAML_SCALAR_NODE &&
	    !yconf_is_null(v) && (s = yconf_scalar(&y, v, "state_reason")) != NULL && *s &&
	    strcmp(state, "inactive") == 0)
		snprintf(reason, rlen, "%s", s);
	rc = 0;
out:
	yconf_free(&y);
	return rc;
}

static void
vote_pulled(struct peers *ps, struct peer *p, const struct http_response *resp,
    uint64_t elapsed_ms, void *ctx)
{
	struct vote_ref *ref = ctx;
	struct audit *a = ps->s->audit;
	struct vote *v;
	enum audit_vote val;
	char reason[200], state[32];

	(void)elapsed_ms;
	TAILQ_FOREACH(v, &a->votes, entry)
		if (v->serial == ref->serial)
			break;
	if (v == NULL || ref->idx >= v->n)
		return;
	v->asked[ref->idx].busy = 0;
	if (vote_parse(resp, &val, reason, sizeof(reason), state, sizeof(state)) != 0) {
		log_debug(LOG_G_MIRROR, "vote: no usable answer from %s (HTTP %d)", p->name,
		    resp->status);
		return;
	}
	/* The connection is pinned to p's CA: this answer is p's, and p's only. */
	v->asked[ref->idx].v = val == VOTE_NONE ? VOTE_ABSTAIN : val;
	snprintf(v->asked[ref->idx].reason, sizeof(v->asked[ref->idx].reason), "%s", reason);
}

/* Count and act: the majority of the auditors that voted decides, ties keep. */
static void
vote_decide(struct audit *a, struct vote *v)
{
	struct peer *p = peers_find(a->s->peers, v->suspect), *to[MIRROR_MAX_FANOUT];
	unsigned rm = 0, keep = 0;
	const char *why = v->reason;
	char reason[320];
	size_t i, n;

	for (i = 0; i < v->n; i++) {
		if (v->asked[i].v == VOTE_REMOVE) {
			rm++;
			if (v->asked[i].reason[0])
				why = v->asked[i].reason;
		} else if (v->asked[i].v == VOTE_KEEP) {
			keep++;
		}
	}
	if (p == NULL)
		goto out;
	if (rm > keep) {
		snprintf(reason, sizeof(reason), "removed by vote (%u of %zu auditors): %s", rm,
		    v->n, why);
		log_warnx(LOG_G_MIRROR, "vote on %s (%s): remove, %u remove / %u keep / %zu asked",
		    p->name, p->addr_str, rm, keep, v->n);
		if (p->state != PEER_INACTIVE) {
			audit_deactivate(a, p, reason);
			/* Propagate to peers that were not in this cluster: each audits for itself. */
			n = peers_pick(a->s->peers, to, audit_cfg(a)->fanout, p->id,
			    (const uint8_t (*)[TLS_SHA256_LEN])v->asked, v->n);
			for (i = 0; i < n; i++)
				audit_send_remove(a, to[i], p, reason);
		}
	} else {
		log_info(LOG_G_MIRROR, "vote on %s (%s): keep, %u remove / %u keep / %zu asked",
		    p->name, p->addr_str, rm, keep, v->n);
		reputation_clear_recent(a->s->rep, p->id);
	}
out:
	TAILQ_REMOVE(&a->votes, v, entry);
	free(v);
}

static void
vote_tick(struct audit *a, struct vote *v, uint64_t now)
{
	struct peer *p, *suspect = peers_find(a->s->peers, v->suspect);
	struct vote_ref ref;
	char target[96];
	size_t i, open = 0;

	if (suspect == NULL) {
		TAILQ_REMOVE(&a->votes, v, entry);
		free(v);
		return;
	}
	if (now < v->pull_after_ms)
		return;
	snprintf(target, sizeof(target), "/v1/audit?id=%s", suspect->idhex);
	for (i = 0; i < v->n; i++) {
		if (v->asked[i].v != VOTE_PENDING)
			continue;
		open++;
		if (v->asked[i].busy || (p = peers_find(a->s->peers, v->asked[i].id)) == NULL)
			continue;
		ref.serial = v->serial;
		ref.idx = i;
		if (peers_request(a->s->peers, p, "GET", target, NULL, NULL, 0, vote_pulled, &ref,
		    sizeof(ref)) == 0)
			v->asked[i].busy = 1;
	}
	if (open == 0 || now >= v->deadline_ms)
		vote_decide(a, v);
}

/* ---- requests from others ---- */

/* Parse {"version":1, KEY:"<64 hex>", "reason":"..."} (remove: id; notice: from). */
static int
audit_parse_body(const void *body, size_t len, const char *key, uint8_t *id, char *reason,
    size_t rlen, char *err, size_t errlen)
{
	const char *keys[] = { "version", key, "reason", NULL };
	struct yconf y;
	yaml_node_t *root, *v;
	unsigned long u;
	const char *s;
	int rc = -1;

	memset(&y, 0, sizeof(y));
	y.max_nodes = AUDIT_BODY_MAX_NODES;
	reason[0] = '\0';
	if (yconf_load_buffer(&y, "body", body, len) != 0)
		goto out;
	if ((root = yconf_root(&y)) == NULL) {
		yconf_error(&y, NULL, "empty body");
		goto out;
	}
	if (yconf_check_keys(&y, root, "request", keys) != 0)
		goto out;
	if ((v = yconf_get(&y, root, "version")) == NULL || yconf_uint(&y, v, "version", 1, 1, &u)) {
		yconf_error(&y, root, "version: 1 is required");
		goto out;
	}
	if ((v = yconf_get(&y, root, key)) == NULL || (s = yconf_scalar(&y, v, key)) == NULL ||
	    tls_unhex(s, id, TLS_SHA256_LEN) != 0) {
		yconf_error(&y, v ? v : root, "%s: 64 hex digits are required", key);
		goto out;
	}
	if ((v = yconf_get(&y, root, "reason")) != NULL && !yconf_is_null(v)) {
		if ((s = yconf_scalar(&y, v, "reason")) == NULL)
			goto out;
		snprintf(reason, rlen, "%s", s);
	}
	rc = 0;
out:
	if (rc != 0)
		snprintf(err, errlen, "%s", y.err);
	yconf_free(&y);
	return rc;
}

void
audit_remove(struct audit *a, const void *body, size_t len, const struct netaddr *client,
    struct audit_result *res)
{
	uint8_t id[TLS_SHA256_LEN];
	char reason[200];
	struct peer *p;

	memset(res, 0, sizeof(*res));
	res->http = 200;
	if (!peers_admission(a->s->peers, client, &res->http, &res->error, res->detail,
	    sizeof(res->detail)))
		return;
	if (audit_parse_body(body, len, "id", id, reason, sizeof(reason), res->detail,
	    sizeof(res->detail)) != 0) {
		res->http = 400;
		res->error = "bad-remove";
		return;
	}
	if (memcmp(id, a->s->cfg->id, TLS_SHA256_LEN) == 0) {
		res->status = "self";
		return;
	}
	if ((p = peers_find(a->s->peers, id)) == NULL || p->ctx == NULL) {
		res->status = "unknown";
		return;
	}
	if (p->audit_until_ms != 0) {
		res->status = "running";
		return;
	}
	/* One audit per suspect per period: a flood of requests costs one audit. */
	if (p->audit_done_ms != 0 && now_ms() - p->audit_done_ms < audit_cfg(a)->audit_period_ms) {
		res->status = "done";
		return;
	}
	log_info(LOG_G_MIRROR, "audit of %s (%s) requested: %s", p->name, p->addr_str,
	    reason[0] ? reason : "(no reason given)");
	audit_begin(a, p);
	res->status = "started";
}

int
audit_vote_json(struct audit *a, const uint8_t *id, struct evbuffer *b)
{
	struct peer *p = peers_find(a->s->peers, id);
	char hex[TLS_SHA256_HEX];

	evbuffer_add(b, "{", 1);
	json_kv_u64(b, 1, "version", 1);
	json_kv_str(b, 0, "id", tls_hex(id, TLS_SHA256_LEN, hex));
	json_kv_str(b, 0, "auditor", a->s->id_hex);
	json_kv_str(b, 0, "state", p ? peers_state_name(p->state) : "unknown");
	json_kv_str(b, 0, "state_reason", p && p->reason[0] ? p->reason : NULL);
	json_kv_str(b, 0, "vote", vote_names[p ? p->finding : VOTE_NONE]);
	json_kv_str(b, 0, "vote_reason", p && p->finding != VOTE_NONE ? p->finding_reason : NULL);
	if (p != NULL)
		json_kv_u64(b, 0, "replays", p->audit_counts.agree + p->audit_counts.dissent +
		    p->audit_counts.timeout);
	evbuffer_add(b, "}\n", 2);
	return 200;
}

static void
notice_add(struct audit *a, const uint8_t *by, const char *name, const char *reason,
    int verified)
{
	struct notice *n = NULL;
	size_t i;

	for (i = 0; i < a->n_notices; i++)
		if (memcmp(a->notices[i].by, by, TLS_SHA256_LEN) == 0)
			n = &a->notices[i];
	if (n == NULL) {
		if (a->n_notices < AUDIT_MAX_NOTICES)
			a->n_notices++;
		memmove(&a->notices[1], &a->notices[0], (a->n_notices - 1) * sizeof(*n));
		n = &a->notices[0];
	}
	memcpy(n->by, by, TLS_SHA256_LEN);
	snprintf(n->name, sizeof(n->name), "%s", name);
	snprintf(n->reason, sizeof(n->reason), "%s", reason);
	n->verified = verified;
	n->at = wall_s();
	log_warnx(LOG_G_MIRROR, "peer %s reports this mirror removed%s: %s", name,
	    verified ? "" : " (unverified: its CA is unknown here)", reason);
}

static void
notice_checked(struct peers *ps, struct peer *p, const struct http_response *resp,
    uint64_t elapsed_ms, void *ctx)
{
	enum audit_vote val;
	char reason[200], state[32];

	(void)elapsed_ms;
	(void)ctx;
	if (vote_parse(resp, &val, reason, sizeof(reason), state, sizeof(state)) != 0)
		return;
	if (strcmp(state, "inactive") == 0)
		notice_add(ps->s->audit, p->id, p->name, reason, 1);
}

void
audit_notice(struct audit *a, const void *body, size_t len, const struct netaddr *client,
    struct audit_result *res)
{
	uint8_t from[TLS_SHA256_LEN];
	char reason[200], target[96], hex[TLS_SHA256_HEX];
	struct peer *p;

	memset(res, 0, sizeof(*res));
	res->http = 200;
	if (!peers_admission(a->s->peers, client, &res->http, &res->error, res->detail,
	    sizeof(res->detail)))
		return;
	if (audit_parse_body(body, len, "from", from, reason, sizeof(reason), res->detail,
	    sizeof(res->detail)) != 0) {
		res->http = 400;
		res->error = "bad-notice";
		return;
	}
	/* Ask the named peer itself, over its pinned connection, rather than trust the POST. */
	if ((p = peers_find(a->s->peers, from)) != NULL && p->ctx != NULL) {
		snprintf(target, sizeof(target), "/v1/audit?id=%s", a->s->id_hex);
		if (peers_request(a->s->peers, p, "GET", target, NULL, NULL, 0, notice_checked, NULL,
		    0) == 0) {
			res->status = "verifying";
			return;
		}
	}
	notice_add(a, from, tls_hex(from, TLS_SHA256_LEN, hex), reason, 0);
	res->status = "unverified";
}

void
audit_report_hint(struct audit *a, const struct report *rep)
{
	char hex[TLS_SHA256_HEX];
	struct peer *p;
	size_t i;

	for (i = 0; i < rep->n_results; i++) {
		const struct report_result *r = &rep->results[i];

		if (memcmp(r->mirror, a->s->cfg->id, TLS_SHA256_LEN) == 0)
			continue;
		if ((p = peers_find(a->s->peers, r->mirror)) == NULL) {
			/* The report has the id only: no address, no CA, nothing to test. */
			log_debug(LOG_G_MIRROR, "report names unknown mirror %s: cannot test it "
			    "(a report carries no address)", tls_hex(r->mirror, TLS_SHA256_LEN, hex));
			continue;
		}
		if (r->outcome != REPORT_AGREE)
			p->check_soon = 1;
	}
}

void
audit_health_json(struct audit *a, struct evbuffer *b)
{
	struct peers *ps = a->s->peers;
	char hex[TLS_SHA256_HEX];
	size_t i;
	struct vote *v;
	size_t nv = 0;

	TAILQ_FOREACH(v, &a->votes, entry)
		nv++;
	evbuffer_add_printf(b, ",\"network\":{");
	json_kv_u64(b, 1, "peers", ps->n);
	json_kv_u64(b, 0, "active", peers_count(ps, PEER_ACTIVE));
	json_kv_u64(b, 0, "candidates", peers_count(ps, PEER_CANDIDATE));
	json_kv_u64(b, 0, "inactive", peers_count(ps, PEER_INACTIVE));
	json_kv_u64(b, 0, "votes", nv);
	json_kv_u64(b, 0, "rounds", a->ticks);
	json_kv_u64(b, 0, "replayable", replay_count(a->replay));
	evbuffer_add_printf(b, ",\"removed_by\":[");
	for (i = 0; i < a->n_notices; i++) {
		const struct notice *n = &a->notices[i];

		evbuffer_add_printf(b, "%s{", i ? "," : "");
		json_kv_str(b, 1, "id", tls_hex(n->by, TLS_SHA256_LEN, hex));
		json_kv_str(b, 0, "name", n->name);
		json_kv_str(b, 0, "reason", n->reason);
		evbuffer_add_printf(b, ",\"verified\":%s", n->verified ? "true" : "false");
		json_kv_u64(b, 0, "at", n->at);
		evbuffer_add(b, "}", 1);
	}
	evbuffer_add_printf(b, "]}");
}

/* ---- the timer ---- */

/* Rounds stuck past this are ended: what did not come back counts as a timeout. */
static uint64_t
audit_round_limit(const struct audit *a)
{
	return 2 * audit_cfg(a)->response_timeout_ms + a->s->cfg->upstream_timeout_ms;
}

static void
audit_peer_tick(struct audit *a, struct peer *p, uint64_t now)
{
	const struct mirror_network *net = audit_cfg(a);

	if (p->audit_until_ms != 0 && now >= p->audit_until_ms)
		audit_end(a, p);
	if (p->state == PEER_INACTIVE && p->trial == TRIAL_NONE && p->ctx != NULL &&
	    now >= p->next_retest_ms) {
		if (p->next_retest_ms != 0)
			audit_start_trial(a, p, TRIAL_RETEST);
		p->next_retest_ms = now + net->retest_interval_ms;
	}
	if (p->trial != TRIAL_NONE || p->audit_until_ms != 0 || p->check_soon) {
		p->check_soon = 0;
		round_start(a, p);
	}
}

/* Deleting is the one irreversible act: only a learned peer, inactive and silent for long. */
static void
audit_forget(struct audit *a, uint64_t unow)
{
	const struct mirror_network *net = audit_cfg(a);
	struct peer *p, *next;
	uint64_t seen;

	for (p = TAILQ_FIRST(&a->s->peers->list); p != NULL; p = next) {
		next = TAILQ_NEXT(p, entry);
		seen = p->last_ok > p->since ? p->last_ok : p->since;
		if (p->configured || p->state != PEER_INACTIVE || p->round_busy ||
		    vote_find(a, p->id) != NULL || seen + net->forget_after_ms / 1000 > unow)
			continue;
		peers_delete(a->s->peers, p);
	}
}

static void
audit_tick(evutil_socket_t fd, short what, void *arg)
{
	struct audit *a = arg;
	const struct mirror_network *net = audit_cfg(a);
	struct peer *p, *pick[64];
	struct round *r, *rnext;
	struct vote *v, *vnext;
	uint64_t now = now_ms(), unow = wall_s();
	size_t i, n;

	(void)fd;
	(void)what;
	a->ticks++;
	peers_expire(a->s->peers, now);
	replay_tick(a->replay, now);
	for (r = TAILQ_FIRST(&a->rounds); r != NULL; r = rnext) {
		rnext = TAILQ_NEXT(r, entry);
		if (now - r->started_ms > audit_round_limit(a))
			round_finish(r);
	}
	peers_announce(a->s->peers);
	/* Every fifth interval: cheap at any size, and enough to close gossip's gaps fast. */
	if (a->ticks % AUDIT_SYNC_TICKS == 0)
		peers_sync(a->s->peers);
	TAILQ_FOREACH(p, &a->s->peers->list, entry)
		audit_peer_tick(a, p, now);
	/* Spot checks: a few random active peers per interval keep every reputation fresh. */
	n = peers_pick(a->s->peers, pick, net->check_peers < 64 ? net->check_peers : 64, NULL,
	    NULL, 0);
	for (i = 0; i < n; i++)
		round_start(a, pick[i]);
	for (v = TAILQ_FIRST(&a->votes); v != NULL; v = vnext) {
		vnext = TAILQ_NEXT(v, entry);
		vote_tick(a, v, now);
	}
	audit_forget(a, unow);
	server_schedule_save(a->s);
}

static void
audit_arm(struct audit *a)
{
	uint64_t ms = audit_cfg(a)->verify_interval_ms;
	struct timeval tv = { (time_t)(ms / 1000), (suseconds_t)(ms % 1000 * 1000) };

	a->interval_ms = ms;
	evtimer_del(a->timer);
	event_assign(a->timer, a->s->base, -1, EV_PERSIST, audit_tick, a);
	evtimer_add(a->timer, &tv);
}

struct audit *
audit_new(struct server *s)
{
	struct audit *a = calloc(1, sizeof(*a));

	if (a == NULL)
		return NULL;
	a->s = s;
	TAILQ_INIT(&a->rounds);
	TAILQ_INIT(&a->votes);
	a->replay = replay_new(s);
	if (a->replay == NULL || (a->timer = event_new(s->base, -1, EV_PERSIST, audit_tick, a)) ==
	    NULL) {
		audit_free(a);
		return NULL;
	}
	audit_arm(a);
	return a;
}

void
audit_reconfigure(struct audit *a)
{
	replay_reconfigure(a->replay);
	if (a->interval_ms != audit_cfg(a)->verify_interval_ms)
		audit_arm(a);
}

void
audit_free(struct audit *a)
{
	struct round *r;
	struct vote *v;

	if (a == NULL)
		return;
	if (a->timer != NULL)
		event_free(a->timer);
	while ((r = TAILQ_FIRST(&a->rounds)) != NULL)
		round_free(a, r);
	while ((v = TAILQ_FIRST(&a->votes)) != NULL) {
		TAILQ_REMOVE(&a->votes, v, entry);
		free(v);
	}
	replay_free(a->replay);
	free(a);
}
