/*
 * resolver/check_cached.c - the questions the cross-check answers without running: whether
 * one is checked at all, and whether a cached answer already has its verdict. Both run on
 * every answer, in every worker loop, and change nothing of the checks' context.
 */
#include "autoconf.h"

#include <stdio.h>

#include "check.h"
#include "check_ca.h"
#include "check_int.h"
#include "config.h"
#include "dnswire.h"
#include "portal.h"
#include "stats.h"
#include "vcache.h"

int
check_applies(const struct check_ctx *cx, const struct dnsq *q)
{
	const struct config *cfg = *cx->env.cfg;
	int typed = 0;

	if (!cx->env.mirrors->configured(cx->env.mirrors_svc) || q->qclass != DNS_CLASS_IN)
		return 0;
	for (size_t i = 0; i < cfg->consensus.n_check_types && !typed; i++)
		typed = cfg->consensus.check_types[i] == q->qtype;
	if (!typed)
		return 0;
	for (size_t i = 0; i < cfg->consensus.n_bypass; i++) {
		const struct config_zone *z = &cfg->consensus.bypass_wire[i];
		if (z->len && dnswire_name_is_sub(q->qname, q->qname_len, z->wire, z->len))
			return 0; /* never leaves the machine: home.arpa, VPN zones, ... */
	}
	/* Split DNS: a VPN's or the LAN's own zone is theirs to answer, and theirs to know. */
	return !config_forwarded(cfg, q->qname, q->qname_len);
}

int
check_cached(struct check_ctx *cx, const struct dnsq *q, const struct resolve_result *hit,
    struct policy_decision *d)
{
	return check_cached_in(cx, *cx->env.cfg, cx->env.st, q, hit, d);
}

/*
 * Reads only what is fixed once the daemon runs (the install's secret, the vcache and CA
 * context pointers, the clock) and the verified cache under its read lock: worker loops call
 * it on every cached answer while the main loop's checks write.
 */
int
check_cached_in(const struct check_ctx *cx, const struct config *cfg, struct vstats *st,
    const struct dnsq *q, const struct resolve_result *hit, struct policy_decision *d)
{
	struct vcache_info info;
	struct cons_verdict v;
	struct consensus_settings set;

	if (!vcache_peek(cx->env.vcache, q->qname, q->qname_len, q->qtype,
		cx->env.clock.wall_s(), &info))
		return 0;
	/* In a captive-portal window, a connectivity-check name's sticky refusal is not reused. */
	if (info.raw_hash != check_raw_hash(cx, hit->wire, hit->len, q) ||
	    ((info.flags & VCACHE_F_STICKY) && check_portal_exempt(cx, q)))
		return 0;
	config_consensus_for(cfg, q->qname, q->qname_len, &set);
	/* The consensus answer itself is not kept: ask again to be able to serve it. */
	if (info.outcome == OUTCOME_DISSENT && set.on_dissent == DISSENT_CONSENSUS)
		return 0;
	check_info_verdict(&info, &v);
	policy_decide(&v, &set, info.summary, d);
	portal_decide(cx->env.portal, cx->env.clock.now_ms(), &v, d); /* atomics only */
	if ((info.flags & VCACHE_F_CA) && d->action != ACTION_SERVE)
		snprintf(d->text, sizeof(d->text),
		    "vantage: local %s fails the TLS check against the mirrors' CA", info.summary);
	else if ((info.flags & VCACHE_F_STICKY) && d->action != ACTION_SERVE)
		snprintf(d->text, sizeof(d->text),
		    "vantage: local %s contradicts the addresses verified before; mirrors insufficient",
		    info.summary);
	check_ca_flag(cx->env.ca, q, d);
	st->verdict_cached++;
	return 1;
}
