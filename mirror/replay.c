/* mirror/replay.c - which client questions are fit to judge peers with, and how to judge. */
#include "autoconf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "digest.h"
#include "http.h"
#include "log.h"
#include "peers.h"
#include "qring.h"
#include "replay.h"
#include "resolve.h"
#include "sig.h"
#include "tls.h"
#include "vutil.h"

#define CT_DNS "application/dns-message"

/* A verdict on a question (fit to replay, or rejected), valid until some time. */
struct pool_q {
	struct dnsq q;
	uint64_t until_ms;
};

/* Verdicts of one kind. */
struct pool {
	struct pool_q *v;
	size_t n, cap;
};

/* An answer kept for comparison. */
struct kept {
	uint8_t *wire;
	size_t len;
	int done;
};

/* One question being vetted. */
struct vet {
	struct replay *rp;
	uint64_t serial;
	struct dnsq q;
	uint64_t started_ms, first_ms;
	int stage;			/* VET_FIRST, VET_GAP, VET_SECOND, VET_DONE */
	struct resolve_wait *rw;
	struct kept own[2];
	uint32_t ttl;			/* of the first own answer */
	size_t n_wit;
	struct kept wit[REPLAY_WITNESSES];
};

enum { VET_FIRST, VET_GAP, VET_SECOND, VET_DONE };

/* What a witness request is about (copied by peers_request): the replay lives as long as
 * the peer table's callbacks can run, since audit frees it before the table. */
struct vet_ref {
	struct replay *rp;
	uint64_t serial;
	size_t idx;
};

/* The confirmed dissents one domain added to one peer's record in the current window. */
struct dom_tally {
	uint8_t id[TLS_SHA256_LEN];
	uint8_t dom[DNS_MAXNAME];
	uint8_t dom_len;
	unsigned n;
	uint64_t since_ms;		/* 0: free slot */
};

struct replay {
	struct replay_env env;
	struct dom_tally dom[REPLAY_DOMAIN_SLOTS];
	struct qring ring;
	struct pool stable, reject;
	struct pool_q stable_v[REPLAY_STABLE_MAX], reject_v[REPLAY_REJECT_MAX];
	struct vet *vets[REPLAY_VET_MAX];
	uint64_t serial;
};

static const struct mirror_config *
replay_cfg(const struct replay *rp)
{
	return *rp->env.cfg;
}

int
replay_doh_answer(const struct http_response *resp, const struct dnsq *q)
{
	const char *ct = resp->status == 200 ? http_response_header(resp, "Content-Type") : NULL;
	struct dnsresp dr;
	struct dnsq aq;

	return ct != NULL && strncasecmp(ct, CT_DNS, strlen(CT_DNS)) == 0 &&
	    dnswire_parse_response(resp->body, resp->body_len, &aq, &dr) == 0 &&
	    dnswire_same_question(&aq, q);
}

static uint8_t
lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
}

/*
 * Names compare without case: a flood spelling one name in 0x20 variants is one
 * question, not many (the label length bytes are below 'A' and never fold).
 */
static int
same_q(const struct dnsq *a, const uint8_t *qname, size_t qlen, uint16_t qtype,
    uint16_t qclass)
{
	size_t i;

	if (a->qtype != qtype || a->qclass != qclass || a->qname_len != qlen)
		return 0;
	for (i = 0; i < qlen; i++)
		if (lower(a->qname[i]) != lower(qname[i]))
			return 0;
	return 1;
}

/* ---- the ring of candidates ---- */

size_t
replay_ring_held(const struct replay *rp, const struct netaddr *client)
{
	return qring_held(&rp->ring, client, 0);
}

size_t
replay_ring_count(const struct replay *rp)
{
	return rp->ring.n;
}

size_t
replay_ring_taken(const struct replay *rp)
{
	return qring_taken(&rp->ring);
}

void
replay_note(struct replay *rp, const struct dnsq *q, const struct netaddr *client)
{
	if (rp != NULL)
		qring_note(&rp->ring, q, client, 0);
}

void
replay_take(struct replay *rp, const struct dnsq *q, const struct netaddr *client)
{
	if (rp != NULL)
		qring_note(&rp->ring, q, client, 1);
}

void
replay_reconfigure(struct replay *rp)
{
	(void)qring_resize(&rp->ring, replay_cfg(rp)->network.recent_questions);
}

/* ---- the verdicts ---- */

static struct pool_q *
pool_find(struct pool *pl, const uint8_t *qname, size_t qlen, uint16_t qtype, uint16_t qclass)
{
	size_t i;

	for (i = 0; i < pl->n; i++)
		if (same_q(&pl->v[i].q, qname, qlen, qtype, qclass))
			return &pl->v[i];
	return NULL;
}

static void
pool_drop(struct pool *pl, const struct dnsq *q)
{
	struct pool_q *e = pool_find(pl, q->qname, q->qname_len, q->qtype, q->qclass);

	if (e != NULL)
		*e = pl->v[--pl->n];
}

static void
pool_put(struct pool *pl, const struct dnsq *q, uint64_t until)
{
	struct pool_q *e;
	size_t i, old = 0;

	if ((e = pool_find(pl, q->qname, q->qname_len, q->qtype, q->qclass)) == NULL) {
		if (pl->n < pl->cap) {
			e = &pl->v[pl->n++];
		} else {
			for (i = 1; i < pl->n; i++)
				if (pl->v[i].until_ms < pl->v[old].until_ms)
					old = i;
			e = &pl->v[old];
		}
	}
	e->q = *q;
	e->until_ms = until;
}

static void
pool_expire(struct pool *pl, uint64_t now)
{
	size_t i = 0;

	while (i < pl->n) {
		if (pl->v[i].until_ms <= now)
			pl->v[i] = pl->v[--pl->n];
		else
			i++;
	}
}

/* Whether q has a verdict of either kind. */
static int
pool_known(struct replay *rp, const uint8_t *qname, size_t qlen, uint16_t qtype,
    uint16_t qclass)
{
	return pool_find(&rp->stable, qname, qlen, qtype, qclass) != NULL ||
	    pool_find(&rp->reject, qname, qlen, qtype, qclass) != NULL;
}

size_t
replay_count(const struct replay *rp)
{
	return rp != NULL ? rp->stable.n : 0;
}

int
replay_pick(struct replay *rp, struct dnsq *q)
{
	if (rp == NULL || rp->stable.n == 0)
		return -1;
	*q = rp->stable.v[random_uniform((uint32_t)rp->stable.n)].q;
	q->flags = DNS_FLAG_RD;
	return 0;
}

/* ---- judging ---- */

/* digest_answer wants the question name lower-cased. */
static void
lower_name(const struct dnsq *q, uint8_t *out)
{
	size_t i;

	for (i = 0; i < q->qname_len; i++)
		out[i] = lower(q->qname[i]);
}

enum replay_judgement
replay_judge(const struct dnsq *q, const uint8_t *own, size_t olen, const uint8_t *peer,
    size_t plen, int allow_private)
{
	struct cons_policy pol = { .quorum = 0, .match = CONS_MATCH_LADDER,
	    .allow_private = allow_private, .prefix4 = 24, .prefix6 = 48 };
	struct digest *dl, *dm;
	uint8_t qname[DNS_MAXNAME];
	enum replay_judgement j = REPLAY_UNUSABLE;
	enum cons_rule rule;
	enum cons_why why;

	if (own == NULL || peer == NULL)
		return REPLAY_UNUSABLE;
	/* Two digests are ~5 KB each: off the stack of the event loop. */
	dl = malloc(sizeof(*dl));
	dm = malloc(sizeof(*dm));
	if (dl == NULL || dm == NULL)
		goto out;
	lower_name(q, qname);
	if (digest_answer(dm, own, olen, qname, q->qname_len, q->qtype) != 0 ||
	    dm->ans.rclass == RCLASS_OTHER)
		goto out;
	/*
	 * The peer's answer is the claim, ours the evidence: everything it says must be
	 * backed by what we saw (l = peer, m = ours). A peer's garbage is dissent, not an
	 * excuse: the DoH layer already turned transport failures into timeouts.
	 */
	if (digest_answer(dl, peer, plen, qname, q->qname_len, q->qtype) != 0) {
		j = REPLAY_DISSENT;
		goto out;
	}
	switch (consensus_compare(&dl->ans, &dm->ans, &pol, &rule, &why)) {
	case EVIDENCE_CORROBORATES:
		j = REPLAY_AGREE;
		break;
	case EVIDENCE_DISSENTS:
		j = REPLAY_DISSENT;
		break;
	default:
		j = REPLAY_UNUSABLE;
		break;
	}
out:
	free(dl);
	free(dm);
	return j;
}

/* Count a witness's answer (wit, wlen) against ours: one more agreeing or dissenting. */
static void
replay_count_witness(const struct dnsq *q, const uint8_t *own, size_t olen,
    const uint8_t *wit, size_t wlen, int allow_private, unsigned *agree, unsigned *dissent)
{
	switch (replay_judge(q, own, olen, wit, wlen, allow_private)) {
	case REPLAY_AGREE:
		(*agree)++;
		break;
	case REPLAY_DISSENT:
		(*dissent)++;
		break;
	default:
		break;
	}
}

enum replay_judgement
replay_confirm(const struct dnsq *q, const uint8_t *own, size_t olen, const uint8_t *peer,
    size_t plen, const uint8_t *const *wit, const size_t *wlen, size_t nwit, int allow_private)
{
	unsigned agree = 0, dissent = 0, need;
	size_t i;

	switch (replay_judge(q, own, olen, peer, plen, allow_private)) {
	case REPLAY_AGREE:
		return REPLAY_AGREE;	/* our first answer was stale, or the peer's was */
	case REPLAY_UNUSABLE:
		return REPLAY_UNUSABLE;
	default:
		break;
	}
	for (i = 0; i < nwit; i++) {
		if (wit[i] == NULL)
			continue;
		/* A witness that backs the peer: the peer is not alone, the name splits views. */
		if (replay_judge(q, wit[i], wlen[i], peer, plen, allow_private) == REPLAY_AGREE)
			return REPLAY_UNUSABLE;
		replay_count_witness(q, own, olen, wit[i], wlen[i], allow_private, &agree,
		    &dissent);
	}
	/* Of the witnesses asked, not of those that answered: silence confirms nothing. */
	need = nwit < REPLAY_CONFIRM_QUORUM ? (unsigned)nwit : REPLAY_CONFIRM_QUORUM;
	if (need == 0 || agree < need || dissent >= agree)
		return REPLAY_UNUSABLE;
	return REPLAY_DISSENT;
}

/* The registrable domain of q's name, approximated: its last two labels, lower-cased. */
static size_t
domain_of(const struct dnsq *q, uint8_t *out)
{
	size_t off = 0, starts[DNS_MAXNAME / 2 + 1], n = 0, from, i;

	while (off < q->qname_len && q->qname[off] != 0 && n < sizeof(starts) / sizeof(starts[0])) {
		starts[n++] = off;
		off += 1 + (size_t)q->qname[off];
	}
	if (off >= q->qname_len)
		return 0;	/* malformed: never ours (dnswire built it) */
	from = n > 2 ? starts[n - 2] : 0;
	for (i = from; i < q->qname_len; i++)
		out[i - from] = lower(q->qname[i]);
	return q->qname_len - from;
}

int
replay_domain_charge(struct replay *rp, const uint8_t *id, const struct dnsq *q, uint64_t now)
{
	uint64_t window = replay_cfg(rp)->network.audit_period_ms;
	uint8_t dom[DNS_MAXNAME];
	struct dom_tally *t, *slot = NULL;
	size_t len = domain_of(q, dom), i;

	if (window < REPLAY_DOMAIN_WINDOW_MS)
		window = REPLAY_DOMAIN_WINDOW_MS;
	for (i = 0; i < REPLAY_DOMAIN_SLOTS; i++) {
		t = &rp->dom[i];
		if (t->since_ms != 0 && now - t->since_ms >= window)
			t->since_ms = 0;	/* its window is over */
		if (t->since_ms != 0 && t->dom_len == len && memcmp(t->dom, dom, len) == 0 &&
		    memcmp(t->id, id, TLS_SHA256_LEN) == 0) {
			if (t->n >= REPLAY_DOMAIN_DISSENTS)
				return 0;
			t->n++;
			return 1;
		}
		if (slot == NULL || (slot->since_ms != 0 && (t->since_ms == 0 ||
		    t->since_ms < slot->since_ms)))
			slot = t;
	}
	/*
	 * Full of open windows: the oldest makes room. An outsider who wanted to evict his
	 * own domain's tally needs REPLAY_DOMAIN_SLOTS other confirmed dissents first.
	 */
	memcpy(slot->id, id, TLS_SHA256_LEN);
	memcpy(slot->dom, dom, len);
	slot->dom_len = (uint8_t)len;
	slot->n = 1;
	slot->since_ms = now;
	return 1;
}

void
replay_reject(struct replay *rp, const struct dnsq *q, uint64_t now)
{
	if (rp == NULL)
		return;
	pool_drop(&rp->stable, q);
	pool_put(&rp->reject, q, now + REPLAY_REJECT_MS);
}

/* ---- vetting ---- */

static void
kept_set(struct kept *k, const uint8_t *wire, size_t len)
{
	k->done = 1;
	if (wire != NULL && len > 0 && (k->wire = malloc(len)) != NULL) {
		memcpy(k->wire, wire, len);
		k->len = len;
	}
}

static void
vet_free(struct vet *v)
{
	size_t i;

	if (v == NULL)
		return;
	if (v->rw != NULL)
		resolve_cancel(v->rw);
	free(v->own[0].wire);
	free(v->own[1].wire);
	for (i = 0; i < REPLAY_WITNESSES; i++)
		free(v->wit[i].wire);
	free(v);
}

/* Keep our own answer when it is one to judge others by: NOERROR or NXDOMAIN. */
static void
vet_own(struct vet *v, const struct resolve_result *res)
{
	struct kept *k = &v->own[v->stage == VET_FIRST ? 0 : 1];
	struct dnsresp dr;
	struct dnsq aq;
	int ok;

	ok = res->status == UPSTREAM_OK &&
	    dnswire_parse_response(res->wire, res->len, &aq, &dr) == 0 &&
	    (dr.rcode == DNS_RCODE_NOERROR || dr.rcode == DNS_RCODE_NXDOMAIN);
	kept_set(k, ok ? res->wire : NULL, ok ? res->len : 0);
	if (v->stage == VET_FIRST) {
		v->ttl = res->ttl;
		v->first_ms = now_ms();
		v->stage = VET_GAP;
	} else {
		v->stage = VET_DONE;
	}
}

static void
vet_resolved(void *arg, const struct resolve_result *res)
{
	struct vet *v = arg;

	v->rw = NULL;
	vet_own(v, res);
}

/* Look q up ourselves (the cache counts: it is what we would answer a client). */
static void
vet_lookup(struct vet *v)
{
	struct resolve *r = v->rp->env.resolve;
	struct resolve_result res;

	if (resolve_lookup(r, &v->q, &res)) {
		vet_own(v, &res);
		return;
	}
	if ((v->rw = resolve_start(r, &v->q, vet_resolved, v)) == NULL) {
		res.status = UPSTREAM_ERROR;
		res.wire = NULL;
		res.len = 0;
		res.ttl = 0;
		vet_own(v, &res);
	}
}

static struct vet *
vet_find(struct replay *rp, uint64_t serial)
{
	size_t i;

	for (i = 0; i < REPLAY_VET_MAX; i++)
		if (rp->vets[i] != NULL && rp->vets[i]->serial == serial)
			return rp->vets[i];
	return NULL;
}

static void
vet_witness(struct peers *ps, struct peer *p, const struct http_response *resp,
    uint64_t elapsed_ms, void *ctx)
{
	struct vet_ref *ref = ctx;
	struct vet *v = vet_find(ref->rp, ref->serial);
	int ok;

	(void)ps;
	(void)p;
	(void)elapsed_ms;
	if (v == NULL || ref->idx >= v->n_wit || v->wit[ref->idx].done)
		return;
	ok = replay_doh_answer(resp, &v->q);
	kept_set(&v->wit[ref->idx], ok ? resp->body : NULL, ok ? resp->body_len : 0);
}

/* Ask up to REPLAY_WITNESSES random active peers the question over their pinned DoH. */
static void
vet_ask_witnesses(struct replay *rp, struct vet *v)
{
	struct peer *to[REPLAY_WITNESSES];
	uint8_t wire[DNS_HDRLEN + DNS_MAXNAME + 4 + 11];
	struct vet_ref ref;
	size_t i, n, len;

	len = dnswire_build_query(wire, sizeof(wire), &v->q, 0, DNS_EDNS_SIZE);
	n = len == 0 ? 0 : peers_pick(rp->env.peers, to, REPLAY_WITNESSES, NULL, NULL, 0);
	v->n_wit = n;
	for (i = 0; i < n; i++) {
		ref.rp = rp;
		ref.serial = v->serial;
		ref.idx = i;
		if (peers_request(rp->env.peers, to[i], "POST", "/dns-query", CT_DNS, wire, len,
		    vet_witness, &ref, sizeof(ref)) != 0)
			v->wit[i].done = 1;
	}
}

/* The verdict on a vetted question; why says what kept it out. */
static int
vet_stable(struct replay *rp, struct vet *v, const char **why)
{
	uint8_t s0[TLS_SHA256_LEN], s1[TLS_SHA256_LEN];
	int allow = replay_cfg(rp)->network.allow_private;
	unsigned agree = 0, dissent = 0;
	size_t i;

	if (v->own[0].wire == NULL || v->own[1].wire == NULL) {
		*why = "our own lookup failed";
		return 0;
	}
	if (v->ttl < REPLAY_MIN_TTL) {
		*why = "TTL too short";
		return 0;
	}
	if (sig_answer(v->own[0].wire, v->own[0].len, s0) != 0 ||
	    sig_answer(v->own[1].wire, v->own[1].len, s1) != 0 ||
	    memcmp(s0, s1, sizeof(s0)) != 0) {
		*why = "our answer changed between two lookups";
		return 0;
	}
	for (i = 0; i < v->n_wit; i++) {
		if (v->wit[i].wire == NULL)
			continue;
		replay_count_witness(&v->q, v->own[1].wire, v->own[1].len, v->wit[i].wire,
		    v->wit[i].len, allow, &agree, &dissent);
	}
	if (agree == 0 || dissent > agree) {
		*why = "the answer depends on who asks (the witnesses differ)";
		return 0;
	}
	*why = "stable";
	return 1;
}

static int
vet_witnesses_done(const struct vet *v)
{
	size_t i;

	for (i = 0; i < v->n_wit; i++)
		if (!v->wit[i].done)
			return 0;
	return 1;
}

/* Advance one vetting; returns 1 when it is over (judged or given up). */
static int
vet_step(struct replay *rp, struct vet *v, uint64_t now)
{
	const struct mirror_network *net = &replay_cfg(rp)->network;
	uint64_t limit = 2 * net->response_timeout_ms + 2 * replay_cfg(rp)->upstream_timeout_ms +
	    REPLAY_GAP_MS + net->verify_interval_ms;
	const char *why;
	int stable;

	if (v->stage == VET_GAP && now >= v->first_ms + REPLAY_GAP_MS) {
		v->stage = VET_SECOND;
		vet_lookup(v);
	}
	if (v->stage == VET_DONE && vet_witnesses_done(v)) {
		stable = vet_stable(rp, v, &why);
		/* A new verdict replaces the old one of the other kind. */
		pool_drop(stable ? &rp->reject : &rp->stable, &v->q);
		pool_put(stable ? &rp->stable : &rp->reject, &v->q,
		    now + (stable ? REPLAY_STABLE_MS : REPLAY_REJECT_MS));
		log_debug(LOG_G_MIRROR, "replay: question %s fit to replay: %s",
		    stable ? "is" : "is not", why);
		return 1;
	}
	/* Stuck (a witness never answered): nothing is learnt; it may be vetted again. */
	return now - v->started_ms > limit;
}

/* A random ring question that has no verdict and is not being vetted; -1 when none. */
static int
vet_candidate(struct replay *rp, struct dnsq *q)
{
	const struct qring_q *e;
	unsigned tries;
	size_t i;

	for (tries = 0; tries < 8 && (e = qring_random(&rp->ring)) != NULL; tries++) {
		if (pool_known(rp, e->qname, e->qname_len, e->qtype, e->qclass))
			continue;
		for (i = 0; i < REPLAY_VET_MAX; i++)
			if (rp->vets[i] != NULL && same_q(&rp->vets[i]->q, e->qname, e->qname_len,
			    e->qtype, e->qclass))
				break;
		if (i < REPLAY_VET_MAX)
			continue;
		memset(q, 0, sizeof(*q));
		memcpy(q->qname, e->qname, e->qname_len);
		q->qname_len = e->qname_len;
		q->qtype = e->qtype;
		q->qclass = e->qclass;
		q->flags = DNS_FLAG_RD;
		return 0;
	}
	return -1;
}

static void
vet_start(struct replay *rp, size_t slot, uint64_t now)
{
	struct vet *v;
	struct dnsq q;

	if (vet_candidate(rp, &q) != 0 || (v = calloc(1, sizeof(*v))) == NULL)
		return;
	v->rp = rp;
	v->serial = ++rp->serial;
	v->q = q;
	v->started_ms = now;
	v->stage = VET_FIRST;
	rp->vets[slot] = v;
	vet_ask_witnesses(rp, v);
	vet_lookup(v);
}

void
replay_tick(struct replay *rp, uint64_t now)
{
	size_t i, started = 0;

	pool_expire(&rp->stable, now);
	pool_expire(&rp->reject, now);
	for (i = 0; i < REPLAY_VET_MAX; i++)
		if (rp->vets[i] != NULL && vet_step(rp, rp->vets[i], now)) {
			vet_free(rp->vets[i]);
			rp->vets[i] = NULL;
		}
	for (i = 0; i < REPLAY_VET_MAX && started < REPLAY_VET_PER_TICK; i++)
		if (rp->vets[i] == NULL) {
			vet_start(rp, i, now);
			started++;
		}
}

struct replay *
replay_new(const struct replay_env *env)
{
	struct replay *rp = calloc(1, sizeof(*rp));

	if (rp == NULL)
		return NULL;
	rp->env = *env;
	rp->stable.v = rp->stable_v;
	rp->stable.cap = REPLAY_STABLE_MAX;
	rp->reject.v = rp->reject_v;
	rp->reject.cap = REPLAY_REJECT_MAX;
	replay_reconfigure(rp);
	if (rp->ring.q == NULL) {
		free(rp);
		return NULL;
	}
	return rp;
}

void
replay_free(struct replay *rp)
{
	size_t i;

	if (rp == NULL)
		return;
	for (i = 0; i < REPLAY_VET_MAX; i++)
		vet_free(rp->vets[i]);
	qring_free(&rp->ring);
	free(rp);
}
