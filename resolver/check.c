/*
 * resolver/check.c - one question cross-checked: local answer + mirrors -> verdict -> action.
 * The state machine: identical questions coalesced, the upstream and the mirrors asked, the
 * verdict taken as soon as it cannot change, the CA evidence when it wants it, the answer
 * handed to every waiter. What a verdict leaves behind is in check_verdict.c.
 */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "check_ca.h"
#include "check_int.h"
#include "consensus.h"
#include "log.h"
#include "portal.h"
#include "stats.h"
#include "vcache.h"
#include "vutil.h"

static const struct cons_answer check_pending_answer = { .transport = TRANSPORT_TIMEOUT,
	.rclass = RCLASS_OTHER };

static void check_try_decide(struct check *c);
static int check_same(const struct coalesce_job *job, const void *key);

/* What a new waiter looks for in the in-flight table (check_same). */
struct check_key {
	const struct dnsq *q;
	int fresh;
};

#define CHECK_W(cw) COALESCE_ENTRY(cw, struct check_wait, wait)

struct check_ctx *
check_new(const struct check_env *env)
{
	struct check_ctx *cx = calloc(1, sizeof(*cx));

	if (cx == NULL)
		return NULL;
	cx->env = *env;
	if ((cx->inflight = coalesce_new(CHECK_BUCKETS, check_same)) == NULL) {
		free(cx);
		return NULL;
	}
	random_buf(&cx->seed, sizeof(cx->seed));
	return cx;
}

/*
 * The in-flight chain of q, keyed by this context's random seed (hlru_fold): clients choose
 * the questions and nothing caps how many checks are under way (mirrors that answer slowly
 * keep them there), so they must not be aimable at one chain, as the unkeyed hash this was
 * let them.
 */
static uint32_t
check_qhash(const struct check_ctx *cx, const struct dnsq *q)
{
	uint8_t bits = (uint8_t)(q->do_bit | ((q->flags & DNS_FLAG_CD) ? 2 : 0));
	uint64_t h = hlru_fnv(HLRU_FNV_INIT ^ cx->seed, q->qname, q->qname_len);

	h = hlru_fnv(h, &q->qtype, sizeof(q->qtype));
	h = hlru_fnv(h, &bits, sizeof(bits));
	return hlru_fold(h);
}

/*
 * Whether a new waiter for key (a struct check_key) may join job: the same question with
 * the same DO and CD bits (a CD=1 client's answer, never validated upstream, must not reach
 * a CD=0 client, nor the other way round), explain's with explain's, and not a check that
 * answered early (monitor mode): it calls nobody back again, so a question joining it
 * would wait forever and its waiter be freed under it.
 */
static int
check_same(const struct coalesce_job *job, const void *key)
{
	const struct check *c = COALESCE_ENTRY(job, const struct check, job);
	const struct check_key *k = key;

	return dnswire_same_question(&c->q, k->q) && c->q.do_bit == k->q->do_bit &&
	    (c->q.flags & DNS_FLAG_CD) == (k->q->flags & DNS_FLAG_CD) && c->fresh == k->fresh &&
	    !c->delivered;
}

static void
check_unhash(struct check *c)
{
	coalesce_remove(c->cx->inflight, &c->job);
}

/* Hand the result to every waiter, one at a time: a callback may cancel other waiters of
 * c, or start new checks. */
static void
check_deliver(struct check *c, const struct check_result *res)
{
	for (struct coalesce_wait *cw; (cw = coalesce_pop(&c->job)) != NULL;) {
		struct check_wait *w = CHECK_W(cw);
		w->cb(w->arg, res);
		free(w);
	}
}

/* End c: cancel what it still asks, answer whoever still waits, free it. */
static void
check_drop(struct check *c)
{
	const struct check_env *env = &c->cx->env;

	check_unhash(c);
	check_fleet_end(c);
	if (c->rw)
		env->upstream->cancel(c->rw);
	for (size_t i = 0; i < c->nm; i++) {
		env->mirrors->cancel(c->mir[i].req);
		free(c->mir[i].d);
	}
	/*
	 * Nobody may be left waiting: a waiter freed silently stays referenced by its query,
	 * whose cancel (the TCP client leaving) would then write into freed memory, and a UDP
	 * client would never be answered. Whoever is still here gets an error instead.
	 */
	if (coalesce_waiting(&c->job)) {
		struct check_result fail = { .status = UPSTREAM_ERROR };
		check_deliver(c, &fail);
	}
	if (c->kick)
		event_free(c->kick);
	if (c->fresh == CHECK_PREFETCH) {
		c->cx->prefetching--;
		if (!c->prefetch_kept)
			c->cx->env.st->prefetch_rejected++;
	}
	check_ca_cancel(c->ca);
	free(c->ca_view);
	free(c->ld);
	free(c->lwire);
	free(c);
}

/*
 * The decision on v for the clients: the policy's action and the text that says why, with
 * the verdict logged and counted. Returns the verdict as it stands: v, or the dissent the
 * sticky evidence made of it (in *sticky_v; *sticky set then).
 */
static const struct cons_verdict *
check_judge(struct check *c, const struct cons_verdict *v, struct cons_verdict *sticky_v,
    const char *name, const char *local, struct policy_decision *d, int *sticky)
{
	char tb[16], sticky_text[300] = "";

	if (check_sticky(c, v, sticky_v, sticky_text, sizeof(sticky_text))) {
		v = sticky_v;
		log_warnx(LOG_G_CONSENSUS, "%s %s: %s", name,
		    dnswire_type2str(c->q.qtype, tb, sizeof(tb)), sticky_text + strlen("vantage: "));
	}
	check_remember_addrs(c, v);
	policy_decide(v, &c->set, local, d);
	portal_decide(c->cx->env.portal, c->cx->env.clock.now_ms(), v, d);
	if (sticky_text[0] && d->action != ACTION_SERVE)
		snprintf(d->text, sizeof(d->text), "%s", sticky_text);
	/* The CA evidence decided: say why in its words, not in the address ladder's. */
	if (c->ca_view && c->ca_view->text[0] && d->action != ACTION_SERVE)
		snprintf(d->text, sizeof(d->text), "%s", c->ca_view->text);
	if (check_ca_flag(c->cx->env.ca, &c->q, d)) {
		log_warnx(LOG_G_CONSENSUS, "%s %s: flagged: %s", name,
		    dnswire_type2str(c->q.qtype, tb, sizeof(tb)), d->text);
		check_dissent_log(c, v, d, name, local);
	}
	check_log_verdict(c, v, d, name, local);
	*sticky = sticky_text[0] != '\0';
	return v;
}

/*
 * on_dissent: consensus. The mirrors' answer, built like any other: its chain flattened (the
 * quorum shares its final set, not necessarily its chain), not kept in the cache. Refused
 * when it cannot be built. Returns the buffer res now points to (the caller frees it).
 */
static uint8_t *
check_consensus_answer(struct check *c, const struct cons_verdict *v, struct check_result *res)
{
	const struct check_mirror *cm = &c->mir[v->consensus_mirror];
	uint8_t *cwire = NULL;
	size_t sl;

	if (cm->d && (cwire = check_build(c, cm->d, 1, 0, CHECK_KEEP_NOT, 0, &sl, NULL)) != NULL) {
		res->wire = cwire;
		res->len = sl;
		res->age = 0;
	} else
		res->decision.action = ACTION_REFUSE;
	return cwire;
}

/* The verdict is in: remember it, log it, and answer everyone waiting. */
static void
check_decide(struct check *c, const struct cons_verdict *v)
{
	struct check_result res = { .status = UPSTREAM_OK };
	struct check_mirror_view views[CONSENSUS_MAX_MIRRORS];
	char name[DNS_MAXNAME * 4 + 1], local[256];
	struct cons_verdict sticky_v;
	uint8_t *cwire = NULL, *served;
	enum check_keep keep;
	size_t slen = 0;
	int sticky;

	for (size_t i = 0; i < c->nm; i++) {
		c->cx->env.mirrors->cancel(c->mir[i].req); /* the rest cannot change the verdict */
		c->mir[i].req = NULL;
	}
	digest_summary(c->ld, local, sizeof(local));
	dnswire_name2str(c->q.qname, c->q.qname_len, name, sizeof(name));
	v = check_judge(c, v, &sticky_v, name, local, &res.decision, &sticky);
	keep = check_keep_for(c, v, res.decision.action);
	if ((served = check_build(c, c->ld, !check_chain_covered(v), c->lage, keep,
		 v->outcome == OUTCOME_DISSENT ? CHECK_DISSENT_TTL : 0, &slen, &c->lraw)) == NULL)
		c->lraw = 0;
	/* A prefetch that was not believed leaves the verdict the live entry is keyed to. */
	if (keep != CHECK_KEEP_NOT) {
		check_remember(c, v, local, sticky);
		check_fleet_publish(c, v, sticky);
	}
	res.wire = served;
	res.len = slen;
	res.age = 0; /* built with the TTLs decayed already */
	if (served == NULL && (res.decision.action == ACTION_SERVE ||
				  res.decision.action == ACTION_SERVE_FLAG))
		res.decision.action = ACTION_SERVFAIL; /* nothing built: nothing unverified instead */
	res.verdict = v;
	res.local_summary = local;
	res.mirrors = views;
	res.n_mirrors = c->nm;
	res.ca = c->ca_view;
	check_views(c, v, views);
	/* A prefetch answers nobody: no consensus answer to build, no action taken. */
	if (c->fresh != CHECK_PREFETCH && res.decision.action == ACTION_SERVE_CONSENSUS)
		cwire = check_consensus_answer(c, v, &res);
	if (c->fresh != CHECK_PREFETCH)
		check_count_action(c->cx, res.decision.action);
	check_unhash(c);
	if (!c->delivered)
		check_deliver(c, &res);
	free(cwire);
	free(served);
	check_report(c, v);
	check_drop(c);
}

/* The CA evidence is in: decide on the verdict as it left it. */
static void
check_ca_done(void *arg, const struct cons_verdict *v, const struct check_ca_view *view)
{
	struct check *c = arg;

	c->ca = NULL;
	if ((c->ca_view = malloc(sizeof(*c->ca_view))) != NULL)
		*c->ca_view = *view;
	check_decide(c, v);
}

/* Ask for CA evidence when the verdict wants it (check_ca.c); 0 when under way. */
static int
check_start_ca(struct check *c, const struct cons_verdict *v)
{
	const struct config *cfg = *c->cx->env.cfg;
	struct mirror *ms[CONSENSUS_MAX_MIRRORS];
	const struct cons_answer *as[CONSENSUS_MAX_MIRRORS];
	uint64_t spent = c->cx->env.clock.now_ms() - c->start_ms;
	uint64_t budget = cfg->consensus.timeout_ms + cfg->consensus.probe_timeout_ms;
	struct check_ca_req req;

	if (c->ca_done || !check_ca_wanted(c->cx->env.ca, &c->q, &c->set, &c->ld->ans, v))
		return -1;
	c->ca_done = 1;
	for (size_t i = 0; i < c->nm; i++) {
		ms[i] = c->mir[i].m;
		as[i] = c->mir[i].done && c->mir[i].d ? &c->mir[i].d->ans : NULL;
	}
	memset(&req, 0, sizeof(req));
	req.q = &c->q;
	req.set = &c->set;
	req.local = &c->ld->ans;
	req.mirrors = ms;
	req.answers = as;
	req.nm = c->nm;
	req.v = v;
	/* The first answer waits at most consensus.timeout plus the probe budget. */
	req.budget_ms = (uint32_t)(spent < budget ? budget - spent : 1);
	req.cb = check_ca_done;
	req.arg = c;
	return (c->ca = check_ca_start(c->cx->env.ca, &req)) != NULL ? 0 : -1;
}

/*
 * Every local address proved the name's CA not long ago (a cached pair): the answer needs
 * neither the mirrors nor a probe. Returns 1 when it decided (c is gone).
 */
static int
check_pairs_decide(struct check *c)
{
	struct cons_verdict v;

	if (c->ca_view != NULL || (c->ca_view = malloc(sizeof(*c->ca_view))) == NULL)
		return 0;
	if (!check_ca_pairs_cover(c->cx->env.ca, &c->q, &c->set, &c->ld->ans, c->nm, &v,
		c->ca_view)) {
		free(c->ca_view);
		c->ca_view = NULL;
		return 0;
	}
	c->ca_done = 1;
	c->no_publish = 1;
	check_decide(c, &v);
	return 1;
}

/* Decide as soon as the outcome cannot change: agreement reached, or dissent that the
 * mirrors still out could not overturn, or nobody left to wait for. */
static void
check_try_decide(struct check *c)
{
	struct cons_mirror ms[CONSENSUS_MAX_MIRRORS] = { 0 };
	struct cons_policy pol;
	struct cons_verdict v;
	const struct config *cfg = *c->cx->env.cfg;
	size_t pending = 0;

	if (!c->have_local || !c->mirrors_started || c->ca)
		return; /* c->ca: the CA evidence is under way and will decide */
	for (size_t i = 0; i < c->nm; i++) {
		ms[i].region = c->cx->env.mirrors->region(c->mir[i].m);
		if (c->mir[i].done && c->mir[i].d)
			ms[i].ans = c->mir[i].d->ans;
		else {
			ms[i].ans = check_pending_answer;
			pending += !c->mir[i].done;
		}
	}
	memset(&pol, 0, sizeof(pol));
	pol.quorum = (unsigned)c->set.quorum;
	pol.match = (enum cons_match)c->set.address_match;
	pol.allow_private = cfg->consensus.allow_private;
	pol.prefix4 = 24;
	pol.prefix6 = 48;
	/* A mirror still out may yet answer: only when none is may a timeout count as failed. */
	pol.settled = pending == 0;
	consensus_decide(&c->ld->ans, ms, c->nm, &pol, &v);
	/* An explanation wants every mirror's word, not just enough of them. */
	if (pending == 0 || (v.outcome != OUTCOME_INSUFFICIENT && c->fresh != CHECK_EXPLAIN)) {
		if (check_start_ca(c, &v) == 0)
			return;
		check_decide(c, &v);
	}
}

static void
check_mirror_answered(void *arg, enum cons_transport transport, const uint8_t *wire, size_t len)
{
	struct check_mirror *cm = arg;
	struct check *c = cm->c;
	const struct check_env *env = &c->cx->env;

	cm->req = NULL;
	cm->done = 1;
	if (env->on_answer) /* observe only */
		env->on_answer(env->on_answer_arg, &c->q, env->mirrors->name(cm->m),
		    env->mirrors->region(cm->m), transport == TRANSPORT_OK ? wire : NULL, len);
	if ((cm->d = malloc(sizeof(*cm->d))) == NULL) {
		check_try_decide(c); /* counted as pending-failed: better than nothing */
		return;
	}
	if (transport != TRANSPORT_OK ||
	    digest_answer(cm->d, wire, len, c->q.qname, c->q.qname_len, c->q.qtype) != 0)
		digest_failed(cm->d, transport == TRANSPORT_OK ? TRANSPORT_ERROR : transport);
	check_try_decide(c);
}

void
check_start_mirrors(struct check *c)
{
	const struct check_env *env = &c->cx->env;
	struct mirror *chosen[CONSENSUS_MAX_MIRRORS];
	size_t k = (*env->cfg)->consensus.mirrors_per_query;

	c->mirrors_started = 1;
	if (k > CONSENSUS_MAX_MIRRORS)
		k = CONSENSUS_MAX_MIRRORS;
	c->nm = env->mirrors->select(env->mirrors_svc, c->q.qname, c->q.qname_len, k, chosen);
	for (size_t i = 0; i < c->nm; i++) {
		struct check_mirror *cm = &c->mir[i];
		cm->c = c;
		cm->m = chosen[i];
		cm->req = env->mirrors->query(cm->m, &c->q,
		    (uint32_t)(*env->cfg)->consensus.timeout_ms, check_mirror_answered, cm);
		if (cm->req == NULL) {
			cm->done = 1; /* no digest: counted as failed */
			if ((cm->d = malloc(sizeof(*cm->d))) != NULL)
				digest_failed(cm->d, TRANSPORT_ERROR);
		}
	}
}

/* Keep a copy of the local answer (res->wire lives only as long as the call). */
static int
check_copy_local(struct check *c, const struct resolve_result *res)
{
	if ((c->lwire = malloc(res->len ? res->len : 1)) == NULL)
		return -1;
	memcpy(c->lwire, res->wire, res->len);
	c->llen = res->len;
	c->lage = res->age;
	c->lttl = res->ttl;
	return 0;
}

void
check_serve_now(struct check *c, int flatten, const struct policy_decision *d, uint64_t *raw,
    enum check_keep keep, uint32_t cap)
{
	struct check_result res = { .status = UPSTREAM_OK, .decision = *d };
	uint8_t *served;

	if (c->fresh == CHECK_PREFETCH)
		keep = CHECK_KEEP_NOT; /* nothing verified: the live entry stays */
	served = check_build(c, c->ld, flatten, c->lage, keep, cap, &res.len, raw);

	res.wire = served;
	if (served == NULL) {
		res.decision.action = ACTION_SERVFAIL;
		res.decision.ede = -1;
	}
	check_unhash(c);
	check_deliver(c, &res);
	free(served);
	check_drop(c);
}

/* The check ends without an answer: every waiter gets status (SERVFAIL, EDE 22). */
static void
check_fail(struct check *c, enum upstream_status status)
{
	struct check_result fail = { .status = status };

	check_unhash(c);
	check_deliver(c, &fail);
	check_drop(c);
}

/*
 * The local answer has the content the mirrors already corroborated (the verified cache):
 * no need to ask again. Served as built then (the chain only if that verdict covered it).
 */
int
check_reuse(struct check *c)
{
	struct check_ctx *cx = c->cx;
	struct vcache_info info;
	struct policy_decision serve = { .action = ACTION_SERVE, .ede = -1 };
	struct dnsq q = c->q; /* c is gone after serving */
	uint64_t raw = 0;

	if (!c->hint || !vcache_lookup(cx->env.vcache, c->q.qname, c->q.qname_len, c->q.qtype,
			    cx->env.clock.wall_s(), &info) ||
	    info.canon_hash != c->lcanon || info.outcome != OUTCOME_AGREE)
		return 0;
	cx->env.st->verdict_cached++;
	check_ca_flag(cx->env.ca, &q, &serve);
	check_serve_now(c, !(info.flags & VCACHE_F_CHAIN), &serve, &raw,
	    serve.action == ACTION_SERVE ? CHECK_KEEP_VERIFIED : CHECK_KEEP, 0);
	vcache_set_raw_hash(cx->env.vcache, q.qname, q.qname_len, q.qtype, raw);
	return 1;
}

/* Monitor: the answer goes out now; the verdict only flags and logs. Built all the same,
 * its chain flattened: nothing is verified yet. */
static void
check_monitor_early(struct check *c)
{
	struct check_result now = { .status = UPSTREAM_OK,
		.decision = { .action = ACTION_SERVE, .ede = -1 } };
	uint8_t *built = check_build(c, c->ld, 1, c->lage, CHECK_KEEP_NOT, 0, &now.len, NULL);

	now.wire = built;
	if (built == NULL)
		now.decision.action = ACTION_SERVFAIL;
	check_deliver(c, &now);
	free(built);
	/* From now on no question joins c (check_find): it would never be called back.
	 * c stays in the table for the reload and shutdown walks. */
	c->delivered = 1;
}

/* The local answer is known: digest it, maybe reuse a verdict, maybe serve at once. */
static void
check_local_ready(struct check *c)
{
	struct policy_decision serve = { .action = ACTION_SERVE, .ede = -1 };

	if (c->lwire == NULL || (c->ld = malloc(sizeof(*c->ld))) == NULL) {
		check_fail(c, UPSTREAM_ERROR);
		return;
	}
	c->have_local = 1;
	if (digest_answer(c->ld, c->lwire, c->llen, c->q.qname, c->q.qname_len, c->q.qtype) != 0 ||
	    (c->ld->rcode != DNS_RCODE_NOERROR && c->ld->rcode != DNS_RCODE_NXDOMAIN)) {
		/*
		 * SERVFAIL or REFUSED from upstream says nothing to check: passed on, without any
		 * record it carried; any other RCODE, or a message the digest cannot read, becomes
		 * SERVFAIL (answer.c). (A NOERROR answer the digest finds unusable, such as a
		 * contradictory CNAME chain, is still checked: the mirrors' data dissents from it.)
		 */
		check_serve_now(c, 1, &serve, NULL, CHECK_KEEP, 0);
		return;
	}
	/* Keyed (vcache_canon_hash): an equal hash spares the mirrors, so it must be one no
	 * resolver can aim at. */
	c->lcanon = vcache_canon_hash(c->cx->env.vcache, &c->ld->ans);
	/* The fleet answers first: within shared.timeout per step, or a wait for the verdict
	 * of the instance asking the mirrors, within consensus.timeout. */
	if (!c->fleet_wait)
		check_local_go(c);
}

void
check_local_go(struct check *c)
{
	if (check_fleet_reuse(c) || check_reuse(c))
		return;
	if (!c->fresh && check_pairs_decide(c))
		return;
	if (c->set.mode == MODE_MONITOR && !c->fresh)
		check_monitor_early(c);
	if (!c->mirrors_started)
		check_start_mirrors(c);
	check_try_decide(c);
}

static void
check_local_cb(void *arg, const struct resolve_result *res)
{
	struct check *c = arg;
	const struct check_env *env = &c->cx->env;

	c->rw = NULL;
	if (env->on_answer) /* observe only */
		env->on_answer(env->on_answer_arg, &c->q, "upstream", NULL,
		    res->status == UPSTREAM_OK ? res->wire : NULL, res->len);
	if (res->status != UPSTREAM_OK) {
		check_fail(c, res->status);
		return;
	}
	check_copy_local(c, res);
	check_local_ready(c);
}

static void
check_kick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	check_local_ready(arg);
}

/* The check under way for q that a new waiter may join (check_same), or NULL. */
static struct check *
check_find(struct check_ctx *cx, const struct dnsq *q, uint32_t h, int fresh)
{
	struct check_key key = { .q = q, .fresh = fresh };
	struct coalesce_job *job = coalesce_find(cx->inflight, h, &key);

	return job ? CHECK_OF(job) : NULL;
}

/* A new check of q in the table, its upstream question (local NULL) and maybe its
 * mirrors under way; NULL when it cannot start. */
static struct check *
check_create(struct check_ctx *cx, const struct dnsq *q, uint32_t h,
    const struct resolve_result *local, int fresh)
{
	const struct check_env *env = &cx->env;
	struct vcache_info info;
	struct check *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->cx = cx;
	c->q = *q;
	c->start_ms = env->clock.now_ms();
	config_consensus_for(*env->cfg, q->qname, q->qname_len, &c->set);
	c->fresh = fresh;
	coalesce_add(cx->inflight, &c->job, h);
	/* Only an agreement can spare the mirrors; anything else is asked again. */
	c->hint = !fresh &&
	    vcache_lookup(env->vcache, q->qname, q->qname_len, q->qtype, env->clock.wall_s(),
		&info) &&
	    info.outcome == OUTCOME_AGREE;
	if (local == NULL &&
	    (c->rw = (fresh == CHECK_PREFETCH ? env->upstream->refresh : env->upstream->start)(
		 env->upstream_svc, q, check_local_cb, c)) == NULL) {
		check_drop(c);
		return NULL;
	}
	/* In parallel with the upstream, unless a verdict (ours or the fleet's) may spare the
	 * mirrors. */
	if (!check_fleet_begin(c) && !c->hint && local == NULL)
		check_start_mirrors(c);
	return c;
}

static struct check_wait *
check_begin(struct check_ctx *cx, const struct dnsq *q, const struct resolve_result *local,
    int fresh, check_cb cb, void *arg)
{
	uint32_t h = check_qhash(cx, q);
	struct check *c;
	struct check_wait *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return NULL;
	w->cb = cb;
	w->arg = arg;
	if ((c = check_find(cx, q, h, fresh)) == NULL &&
	    (c = check_create(cx, q, h, local, fresh)) == NULL) {
		free(w);
		return NULL;
	}
	coalesce_join(&c->job, &w->wait);
	if (local && c->lwire == NULL && c->rw == NULL) {
		/* A cache hit without a usable verdict: the answer is at hand, ask only the
		 * mirrors. Carry on from the loop: never call back from inside this call. */
		struct timeval now = { 0, 0 };
		if (check_copy_local(c, local) != 0 ||
		    (c->kick = evtimer_new(cx->env.base, check_kick, c)) == NULL ||
		    evtimer_add(c->kick, &now) != 0) {
			/* w leaves before c goes: NULL means cb is never called. */
			check_cancel(w);
			check_drop(c);
			return NULL;
		}
	}
	return w;
}

struct check_wait *
check_start(struct check_ctx *cx, const struct dnsq *q, const struct resolve_result *local,
    check_cb cb, void *arg)
{
	return check_begin(cx, q, local, 0, cb, arg);
}

struct check_wait *
check_explain(struct check_ctx *cx, const struct dnsq *q, check_cb cb, void *arg)
{
	return check_begin(cx, q, NULL, CHECK_EXPLAIN, cb, arg);
}

/* A prefetch has nobody waiting: its result is what it leaves in the caches. */
static void
check_prefetch_done(void *arg, const struct check_result *res)
{
	(void)arg;
	(void)res;
}

int
check_prefetch(struct check_ctx *cx, const struct dnsq *q)
{
	struct check_wait *w;

	if (check_find(cx, q, check_qhash(cx, q), CHECK_PREFETCH) != NULL)
		return 0;
	/* Without refresh the upstream's answer would take the live entry's place unchecked. */
	if (cx->prefetching >= CHECK_PREFETCH_MAX || cx->env.upstream->refresh == NULL ||
	    (w = check_begin(cx, q, NULL, CHECK_PREFETCH, check_prefetch_done, NULL)) == NULL)
		return -1;
	cx->prefetching++;
	check_cancel(w); /* the check goes on, as for a client that left */
	return 1;
}

void
check_cancel(struct check_wait *w)
{
	if (w == NULL)
		return;
	/* The check goes on without w: its verdict fills the caches (as resolve_cancel). */
	coalesce_leave(&w->wait);
	free(w);
}

/* Drop c's mirrors (their set is going); decide when the local answer is in. */
static void
check_drop_mirrors(struct check *c)
{
	const struct check_mirror_ops *mo = c->cx->env.mirrors;

	/* The CA evidence asks these mirrors too: the verdict goes without it. */
	check_ca_cancel(c->ca);
	c->ca = NULL;
	for (size_t i = 0; i < c->nm; i++) {
		mo->cancel(c->mir[i].req);
		c->mir[i].req = NULL;
		c->mir[i].done = 1;
	}
	if (c->have_local && c->mirrors_started) {
		/* No CA step either: it would ask the mirrors being freed. */
		c->ca_done = 1;
		check_try_decide(c); /* nothing pending: decides and frees c */
		return;
	}
	for (size_t i = 0; i < c->nm; i++) {
		free(c->mir[i].d);
		memset(&c->mir[i], 0, sizeof(c->mir[i]));
	}
	c->nm = 0;
	c->mirrors_started = 0;
}

void
check_mirrors_gone(struct check_ctx *cx)
{
	struct coalesce_job *job = coalesce_oldest(cx->inflight), *next;

	/* The oldest first; the next one taken before c may decide and leave the table. */
	for (; job != NULL; job = next) {
		next = coalesce_newer(cx->inflight, job);
		check_drop_mirrors(CHECK_OF(job));
	}
}

size_t
check_chain_max(const struct check_ctx *cx)
{
	return coalesce_chain_max(cx->inflight);
}

void
check_free(struct check_ctx *cx)
{
	if (cx == NULL)
		return;
	/* Each drop answers its waiters, who may start checks: until none is left. */
	for (struct coalesce_job *job; (job = coalesce_oldest(cx->inflight)) != NULL;)
		check_drop(CHECK_OF(job));
	coalesce_free(cx->inflight);
	free(cx);
}
