/* mirror/replica_count.c - replicas' report tallies and reputation counts, summed in Redis. */
#include "autoconf.h"

#include <hiredis/hiredis.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "peers.h"
#include "replica_int.h"
#include "reports.h"
#include "reputation.h"
#include "vutil.h"

/* A counter increment in flight: undone when it is known not to have been applied. */
struct replica_count_incr {
	struct replica_ctx base;
	enum replica_kind kind;
	uint8_t id[TLS_SHA256_LEN];
	int k;
	uint64_t delta;
};

/* ---- counters: report tallies and reputation, summed over the replicas ---- */

/*
 * Counters are sums: each replica adds what it counted (HINCRBY) and takes what the
 * others added. shared[k] is the part of a count that Redis had when we last looked; the
 * rest was counted here since and is written at the next tick. A total below shared[k]
 * means Redis lost data (restarted without persistence): ours stays as it is, and only
 * what is counted from then on is added there.
 */
/* The k-th shared counter of a reputation record, and its shared part in *shared. */
static uint64_t *
replica_count_rep(struct rep *e, int k, uint64_t **shared)
{
	*shared = &e->shared[k];
	switch (k) {
	case 0: return &e->agree;
	case 1: return &e->dissent;
	case 2: return &e->timeout;
	case 3: return &e->pings;
	default: return &e->ping_fail;
	}
}

static uint64_t *
replica_count_at(struct replica *rp, enum replica_kind kind, const uint8_t *id, int k,
    uint64_t **shared, int create)
{
	struct report_tally *t;
	struct rep *e;

	if (kind == RK_REPORTS) {
		t = create ? reports_tally(rp->env.reports, id, wall_s()) :
		    (struct report_tally *)reports_find(rp->env.reports, id);
		if (t == NULL)
			return NULL;
		*shared = &t->shared[k];
		return &t->counts[k];
	}
	e = create ? reputation_record(rp->env.rep, id) :
	    (struct rep *)reputation_find(rp->env.rep, id);
	return e != NULL ? replica_count_rep(e, k, shared) : NULL;
}

/* Only counts about this mirror and its peers are shared: ids in reports are anyone's. */
static int
replica_count_known(struct replica *rp, const uint8_t *id)
{
	return memcmp(id, replica_cfg(rp)->id, TLS_SHA256_LEN) == 0 ||
	    peers_find(rp->env.peers, id) != NULL;
}

static void
replica_count_incr_done(void *arg, enum vredis_status status, const struct redisReply *r)
{
	struct replica_count_incr *in = arg;
	uint64_t *cnt, *sh;

	/*
	 * Refused by Redis: not applied, written again at the next tick. A timeout or a lost
	 * connection may or may not have applied it: taken as applied, since writing it again
	 * would count it twice at every replica, and losing it loses it from the sum only.
	 */
	if (!replica_ok(in->base.rp, status, r) && status == VREDIS_OK &&
	    (cnt = replica_count_at(in->base.rp, in->kind, in->id, in->k, &sh, 0)) != NULL)
		*sh = *sh >= in->delta ? *sh - in->delta : 0;
	replica_ctx_free(in);
}

/* HINCRBY key "<id>:<k>" delta; 0, or -1 when it cannot go. */
static int
replica_count_incr(struct replica *rp, enum replica_kind kind, const uint8_t *id, int k,
    uint64_t delta)
{
	char field[TLS_SHA256_HEX + 4], num[24];
	const char *argv[4] = { "HINCRBY", kind == RK_REPORTS ? rp->k_reports : rp->k_rep,
		field, num };
	struct replica_count_incr *in;

	tls_hex(id, TLS_SHA256_LEN, field);
	snprintf(field + TLS_SHA256_HEX - 1, 4, ":%d", k);
	snprintf(num, sizeof(num), "%" PRIu64, delta);
	if ((in = replica_ctx_new(rp, sizeof(*in))) == NULL)
		return -1;
	in->kind = kind;
	in->k = k;
	in->delta = delta;
	memcpy(in->id, id, TLS_SHA256_LEN);
	if (replica_send(rp, replica_count_incr_done, in, 4, argv) == NULL) {
		replica_ctx_free(in);
		return -1;
	}
	rp->st.counts_pushed++;
	return 0;
}

/* One counter: write what was counted here since; 1 if something went, -1 if it cannot. */
static int
replica_count_push_one(struct replica *rp, enum replica_kind kind, const uint8_t *id, int k,
    uint64_t *cnt, uint64_t *sh)
{
	uint64_t delta;

	if (*cnt <= *sh)
		return 0;
	delta = *cnt - *sh;
	if (!replica_count_known(rp, id)) {
		*sh = *cnt;	/* a mirror nobody here knows: its count stays local */
		return 0;
	}
	if (replica_count_incr(rp, kind, id, k, delta) != 0)
		return -1;
	*sh += delta;
	return 1;
}

void
replica_count_push(struct replica *rp)
{
	struct report_tally *t;
	struct rep *e;
	const char *argv[3] = { "PUBLISH", rp->channel, NULL };
	char msg[32];
	size_t i;
	int k, rc, sent = 0;

	for (i = 0; (t = reports_at(rp->env.reports, i)) != NULL; i++)
		for (k = 0; k < REPORT_NOUTCOMES; k++)
			if ((rc = replica_count_push_one(rp, RK_REPORTS, t->mirror, k, &t->counts[k],
			    &t->shared[k])) < 0)
				return;
			else
				sent += rc;
	for (i = 0; (e = reputation_at(rp->env.rep, i)) != NULL; i++)
		for (k = 0; k < REP_NCOUNTS; k++) {
			uint64_t *sh, *cnt = replica_count_rep(e, k, &sh);

			if ((rc = replica_count_push_one(rp, RK_REP, e->id, k, cnt, sh)) < 0)
				return;
			sent += rc;
		}
	if (sent == 0)
		return;
	snprintf(msg, sizeof(msg), "counts %s", rp->rid);
	argv[2] = msg;
	(void)replica_send(rp, replica_done, rp, 3, argv);
}

/* "<64 hex>:<k>" with k below nk into id and *k; 0 or -1. */
static int
replica_count_field(const char *s, size_t len, int nk, uint8_t *id, int *k)
{
	char hex[TLS_SHA256_HEX];

	if (len != TLS_SHA256_HEX + 1 || s[TLS_SHA256_HEX - 1] != ':' ||
	    s[TLS_SHA256_HEX] < '0' || s[TLS_SHA256_HEX] >= '0' + nk)
		return -1;
	memcpy(hex, s, TLS_SHA256_HEX - 1);
	hex[TLS_SHA256_HEX - 1] = '\0';
	*k = s[TLS_SHA256_HEX] - '0';
	return tls_unhex(hex, id, TLS_SHA256_LEN);
}

/* A decimal count, at most REPLICA_COUNT_MAX; 0 or -1. */
static int
replica_count_number(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (len == 0 || len > 15)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > REPLICA_COUNT_MAX)
		return -1;
	*out = v;
	return 0;
}

/* One counter read from Redis: what other replicas added since is added here. */
void
replica_count_apply(struct replica *rp, enum replica_kind kind, const struct redisReply *f,
    const struct redisReply *v)
{
	const char *where = kind == RK_REPORTS ? "report counter" : "reputation counter";
	uint8_t id[TLS_SHA256_LEN];
	uint64_t total, *cnt, *sh;
	int k;

	if (f->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING ||
	    replica_count_field(f->str, f->len, kind == RK_REPORTS ? REPORT_NOUTCOMES : REP_NCOUNTS,
	    id, &k) != 0) {
		replica_refuse(rp, where, "bad field");
		return;
	}
	if (replica_count_number(v->str, v->len, &total) != 0) {
		replica_refuse(rp, where, "not a count");
		return;
	}
	if (!replica_count_known(rp, id))
		return;		/* a peer we do not know (yet): its row brings it first */
	if ((cnt = replica_count_at(rp, kind, id, k, &sh, 0)) != NULL && total <= *sh)
		return;		/* nothing new, or Redis lost data: ours stands */
	if (cnt == NULL && (total == 0 || (cnt = replica_count_at(rp, kind, id, k, &sh, 1)) ==
	    NULL))
		return;
	*cnt += total - *sh;
	*sh = total;
	rp->st.counts_taken++;
	replica_changed(rp);
}


void
replica_count_baseline(struct replica *rp)
{
	struct report_tally *t;
	struct rep *e;
	size_t i;
	int k;

	for (i = 0; (t = reports_at(rp->env.reports, i)) != NULL; i++)
		memcpy(t->shared, t->counts, sizeof(t->shared));
	for (i = 0; (e = reputation_at(rp->env.rep, i)) != NULL; i++)
		for (k = 0; k < REP_NCOUNTS; k++) {
			uint64_t *sh, *cnt = replica_count_rep(e, k, &sh);

			*sh = *cnt;
		}
}
