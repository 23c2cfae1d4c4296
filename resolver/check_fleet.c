/*
 * resolver/check_fleet.c - a check's part in the fleet (fleet.h): before any mirror, the
 * verdict another instance shared on the name, or the lock that makes this instance the one
 * to ask, or the wait for the instance that asks; after the verdict, publishing it. The
 * fleet only ever spares mirror questions: whatever fails, the check goes on as without it.
 */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "check_ca_view.h"
#include "check_int.h"
#include "fleet.h"
#include "log.h"
#include "portal.h"
#include "stats.h"
#include "vcache.h"

/* The lock outlives the owner's longest check (consensus.timeout plus the CA evidence's
 * probe_timeout) by this much (ms): an owner that dies holding it delays the others that
 * long at most, and then they ask themselves. */
#define CHECK_FLEET_LOCK_MARGIN_MS 500

/* The fleet has answered (o): go on where the check stood. */
static void
check_fleet_done(void *arg, enum fleet_outcome o)
{
	struct check *c = arg;

	c->fleet_wait = 0;
	if (o == FLEET_IMPORTED)
		c->fleet_got = 1;
	if (o != FLEET_OWNER) {
		/* Nothing to hold: a lock it may have taken meanwhile goes back now. */
		fleet_ask_free(c->fleet);
		c->fleet = NULL;
	}
	if (c->have_local)
		check_local_go(c);
	else if (!c->fleet_got && !c->mirrors_started)
		check_start_mirrors(c); /* in parallel with the upstream, as without a fleet */
}

int
check_fleet_begin(struct check *c)
{
	const struct check_env *env = &c->cx->env;
	const struct config *cfg = *env->cfg;
	struct vcache_info info;
	uint64_t lock = cfg->consensus.timeout_ms + cfg->consensus.probe_timeout_ms +
	    CHECK_FLEET_LOCK_MARGIN_MS;

	/* Explain and prefetch ask the mirrors afresh. */
	if (env->fleet == NULL || c->fresh || c->hint)
		return 0;
	/* A live local verdict of any outcome wins over whatever the fleet says (it would not
	 * be imported). One the fleet announced is judged like the fleet's answer: a shared
	 * dissent on the very same answer spares the mirrors as a shared agreement does. */
	if (vcache_lookup(env->vcache, c->q.qname, c->q.qname_len, c->q.qtype, env->clock.wall_s(),
		&info)) {
		c->fleet_got = (info.flags & VCACHE_F_SHARED) && info.outcome == OUTCOME_DISSENT;
		return c->fleet_got;
	}
	c->fleet = fleet_ask(env->fleet, c->q.qname, c->q.qname_len, c->q.qtype,
	    (uint32_t)lock, (uint32_t)cfg->consensus.timeout_ms, check_fleet_done, c);
	c->fleet_wait = c->fleet != NULL;
	return c->fleet_wait;
}

void
check_fleet_end(struct check *c)
{
	fleet_ask_free(c->fleet);
	c->fleet = NULL;
}

/* A shared dissent on exactly this answer: the policy's action, no mirror asked. */
static void
check_fleet_dissent(struct check *c, const struct vcache_info *info)
{
	struct check_ctx *cx = c->cx;
	struct policy_decision d;
	struct cons_verdict v;
	char local[256], name[DNS_MAXNAME * 4 + 1], tb[16];
	struct dnsq q = c->q; /* c is gone after serving */
	uint64_t raw = 0;

	check_info_verdict(info, &v);
	digest_summary(c->ld, local, sizeof(local));
	dnswire_name2str(q.qname, q.qname_len, name, sizeof(name));
	policy_decide(&v, &c->set, local, &d);
	portal_decide(cx->env.portal, cx->env.clock.now_ms(), &v, &d);
	log_warnx(LOG_G_CONSENSUS, "%s %s: %u of %u mirrors dissent (local %s), as another "
	    "instance of the fleet found: %s", name, dnswire_type2str(q.qtype, tb, sizeof(tb)),
	    v.dissented, v.asked, local, policy_action_name(d.action));
	cx->env.st->verdict_cached++;
	check_count_action(cx, d.action);
	check_serve_now(c, 1, &d, &raw, CHECK_KEEP, CHECK_DISSENT_TTL);
	vcache_set_raw_hash(cx->env.vcache, q.qname, q.qname_len, q.qtype, raw);
}

int
check_fleet_reuse(struct check *c)
{
	struct check_ctx *cx = c->cx;
	struct vcache_info info;

	if (!c->fleet_got)
		return 0;
	c->fleet_got = 0;
	/* Only on the very content it judged: an equal keyed hash (vcache_canon_hash). */
	if (!vcache_lookup(cx->env.vcache, c->q.qname, c->q.qname_len, c->q.qtype,
		cx->env.clock.wall_s(), &info) ||
	    info.canon_hash != c->lcanon ||
	    /* on_dissent: consensus serves the mirrors' answer, which the fleet does not keep */
	    (info.outcome == OUTCOME_DISSENT && c->set.on_dissent == DISSENT_CONSENSUS)) {
		cx->env.st->shared_misses++;
		return 0;
	}
	cx->env.st->shared_hits++;
	if (info.outcome == OUTCOME_AGREE) {
		c->hint = 1;
		return check_reuse(c);
	}
	check_fleet_dissent(c, &info);
	return 1;
}

/* Whether v, just taken, is this instance's own word to share. */
static int
check_fleet_shareable(const struct check *c, const struct cons_verdict *v, int sticky)
{
	/* Not from the cached CA pairs (they may be another's), not the sticky evidence's
	 * (this instance's alone), not the stub's one-off handshake (never kept as a pair). */
	return c->cx->env.fleet != NULL && !c->no_publish && !sticky && c->nm > 0 &&
	    (v->outcome == OUTCOME_AGREE || v->outcome == OUTCOME_DISSENT) &&
	    !(c->ca_view && c->ca_view->fresh_only) && fleet_up(c->cx->env.fleet);
}

void
check_fleet_publish(struct check *c, const struct cons_verdict *v, int sticky)
{
	const struct check_env *env = &c->cx->env;
	struct fleet_verdict *fv;
	struct vcache_info info;

	/* What check_remember kept, if it kept it (a prefetch that was not believed did not). */
	if (!check_fleet_shareable(c, v, sticky) ||
	    !vcache_lookup(env->vcache, c->q.qname, c->q.qname_len, c->q.qtype,
		env->clock.wall_s(), &info) ||
	    info.canon_hash != c->lcanon || info.outcome != v->outcome ||
	    (info.flags & VCACHE_F_SHARED) || (fv = calloc(1, sizeof(*fv))) == NULL)
		return;
	memcpy(fv->qname, c->q.qname, c->q.qname_len);
	fv->qname_len = c->q.qname_len;
	fv->qtype = c->q.qtype;
	fv->outcome = info.outcome;
	fv->rule = info.rule;
	fv->flags = info.flags;
	fv->corroborated = info.corroborated;
	fv->dissented = info.dissented;
	fv->asked = info.asked;
	fv->failed = info.failed;
	fv->expire = info.expire;
	fv->ans = c->ld->ans; /* points into c->ld, alive while this runs */
	for (size_t i = 0; i < c->nm; i++)
		snprintf(fv->mirrors[fv->n_mirrors++], sizeof(fv->mirrors[0]), "%s",
		    env->mirrors->name(c->mir[i].m));
	snprintf(fv->summary, sizeof(fv->summary), "%s", info.summary);
	fleet_publish(env->fleet, fv);
	free(fv);
}
