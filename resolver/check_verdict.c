/*
 * resolver/check_verdict.c - what a verdict leaves behind: the message built for it (and kept
 * in the answer cache), its entry in the verified cache, the sticky addresses, the counters,
 * the logs, each mirror's view, and the report that tells the mirrors how they fared.
 */
#include "autoconf.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "check.h"
#include "check_ca.h"
#include "check_int.h"
#include "dissent.h"
#include "json.h"
#include "log.h"
#include "portal.h"
#include "stats.h"
#include "tls.h"
#include "vcache_ca.h"
#include "vstore.h"

/* How long "not enough mirrors answered" is remembered (s): a hot name must not send a
 * question to every mirror for each client query while they are down or overloaded. */
#define CHECK_INSUFFICIENT_TTL 5
/* Bounds on how long an agreement is remembered (s), whatever the record TTL says. */
#define CHECK_AGREE_TTL_MIN 5
#define CHECK_AGREE_TTL_MAX 86400
/*
 * How long the addresses of an agreement stay evidence for the name (s): the record's TTL,
 * but at least an hour, because an attacker who blocks the mirrors picks the moment, and a
 * CDN's 20-second TTL would hand the name back to on_insufficient at once; at most a day,
 * like a CA pair. The cost: a name that honestly moves to an address never verified while
 * no mirror can be reached is refused until its evidence expires (vantagectl cache flush
 * NAME forgets it).
 */
#define CHECK_STICKY_MIN 3600
#define CHECK_STICKY_MAX 86400

/*
 * Keyed hash of a stored answer past its question (vcache_raw_hash): stable for one cache
 * entry (TTLs are kept as received and decayed only on output). Only messages built by
 * answer.c are hashed. Hashes saved by an older vantaged (unkeyed FNV-1a) never match again:
 * those names are only checked again.
 */
uint64_t
check_raw_hash(const struct check_ctx *cx, const uint8_t *wire, size_t len, const struct dnsq *q)
{
	return vcache_raw_hash(cx->env.vcache, wire, len, DNS_HDRLEN + q->qname_len + 4);
}

uint8_t *
check_build(struct check *c, const struct digest *d, int flatten, uint32_t age,
    enum check_keep keep, uint32_t cap, size_t *len, uint64_t *raw)
{
	const struct check_env *env = &c->cx->env;
	uint8_t *out = malloc(DNS_MAXMSG);
	struct resolve_result kept;
	size_t n;

	if (out == NULL || (n = answer_build(out, DNS_MAXMSG, d, flatten, age)) == 0) {
		free(out);
		return NULL;
	}
	if (cap)
		dnswire_clamp_ttls(out, n, 0, cap);
	/* Kept bytes may differ (TTLs clamped to the cache's limits): serve and hash those. */
	if (keep != CHECK_KEEP_NOT &&
	    env->upstream->replace(env->upstream_svc, &c->q, out, n, cap,
		keep == CHECK_KEEP_VERIFIED, &kept) == 1 &&
	    kept.len <= DNS_MAXMSG) {
		memmove(out, kept.wire, kept.len);
		n = kept.len;
	}
	if (raw)
		*raw = check_raw_hash(c->cx, out, n, &c->q);
	*len = n;
	return out;
}

enum check_keep
check_keep_for(struct check *c, const struct cons_verdict *v, enum policy_action action)
{
	int corroborated = v->outcome == OUTCOME_AGREE && action == ACTION_SERVE;

	/*
	 * A prefetch replaces the live, verified entry only with what a client's question would
	 * have served as corroborated: a lying upstream gets nothing into the cache this way,
	 * and a refusal does not take the place of the answer still being served. The old entry
	 * is not extended either: it expires when it would have, and the normal path decides.
	 */
	if (c->fresh == CHECK_PREFETCH) {
		if (!corroborated)
			return CHECK_KEEP_NOT;
		c->prefetch_kept = 1;
		c->cx->env.st->prefetch_agree++;
		return CHECK_KEEP_VERIFIED;
	}
	/*
	 * What the local answer serves, whatever the action: the answer cache then holds it in
	 * place of the upstream's message, and the verdict is keyed to its hash, so a cache hit
	 * can only ever serve these bytes. A dissent (a sticky or CA refusal included) keeps it
	 * no longer than its verdict (CHECK_DISSENT_TTL): kept with the forger's TTL, once the
	 * verdict expired the cached forgery would be checked again and again, never the (by
	 * then honest) resolver, and the name stay refused for as long as the attacker chose (a
	 * day after leaving the café's network). Only an answer served as corroborated may be
	 * served stale.
	 */
	return corroborated ? CHECK_KEEP_VERIFIED : CHECK_KEEP;
}

/*
 * Whether the verdict covers the local CNAME chain (every corroborating mirror has it, as the
 * ladder says), which is then served as such; otherwise it is flattened.
 */
int
check_chain_covered(const struct cons_verdict *v)
{
	return v->outcome == OUTCOME_AGREE && v->chain_corroborated;
}

void
check_info_verdict(const struct vcache_info *info, struct cons_verdict *v)
{
	memset(v, 0, sizeof(*v));
	v->outcome = info->outcome;
	v->rule = info->rule;
	v->corroborated = info->corroborated;
	v->dissented = info->dissented;
	v->asked = info->asked;
	v->failed = info->failed;
	v->tls_failures = (info->flags & VCACHE_F_TLS) != 0;
	v->regions_short = (info->flags & VCACHE_F_REGIONS) != 0;
	v->consensus_mirror = -1;
}

void
check_dissent_log(struct check *c, const struct cons_verdict *v, const struct policy_decision *d,
    const char *name, const char *local)
{
	const struct check_env *env = &c->cx->env;
	struct dissent_mirror ms[CONSENSUS_MAX_MIRRORS];
	char sums[CONSENSUS_MAX_MIRRORS][512];
	struct dissent_entry e = { .name = name, .qtype = c->q.qtype, .local = local, .v = v,
		.action = d->action, .mirrors = ms, .n_mirrors = c->nm, .ca = c->ca_view };

	if (env->dissent == NULL)
		return;
	for (size_t i = 0; i < c->nm; i++) {
		const struct check_mirror *cm = &c->mir[i];
		if (cm->d)
			digest_summary(cm->d, sums[i], sizeof(sums[i]));
		else
			snprintf(sums[i], sizeof(sums[i]), "timeout");
		ms[i].name = env->mirrors->name(cm->m);
		ms[i].region = env->mirrors->region(cm->m);
		ms[i].answer = sums[i];
	}
	dissent_write(env->dissent, &e);
}

/* SHA-256 of a digested answer (its class and sorted canonical RDATA), hex. */
static void
check_answer_sha256(const struct digest *d, char hex[TLS_SHA256_HEX])
{
	uint8_t buf[DIGEST_BUF + DIGEST_MAX_RRS * 4 + 4], sum[TLS_SHA256_LEN];
	size_t o = 0;

	buf[o++] = (uint8_t)d->ans.rclass;
	for (size_t i = 0; i < d->ans.n_rrs && o + 4 + d->ans.rrs[i].len <= sizeof(buf); i++) {
		dnswire_put16(buf + o, d->ans.rrs[i].type);
		dnswire_put16(buf + o + 2, d->ans.rrs[i].len);
		memcpy(buf + o + 4, d->ans.rrs[i].rdata, d->ans.rrs[i].len);
		o += 4 + d->ans.rrs[i].len;
	}
	tls_sha256(buf, o, sum);
	tls_hex(sum, sizeof(sum), hex);
}

/* Whether mirror i's answer agrees with the settled one (ref: the consensus mirror, or -1). */
static int
check_report_agrees(const struct check *c, const struct cons_verdict *v, int ref, size_t i)
{
	enum cons_rule r;
	enum cons_why w;

	if (ref < 0)
		return v->evidence[i] == EVIDENCE_CORROBORATES;
	return consensus_compare(&c->mir[ref].d->ans, &c->mir[i].d->ans,
		   &(struct cons_policy){ .match = CONS_MATCH_LADDER, .allow_private = 1,
		       .prefix4 = 24, .prefix6 = 48 },
		   &r, &w) == EVIDENCE_CORROBORATES;
}

/* The report's "results" members into json from o; how many mirrors it holds. */
static size_t
check_report_results(const struct check *c, const struct cons_verdict *v, int ref, char *json,
    size_t cap, size_t *op)
{
	const struct check_mirror_ops *mo = c->cx->env.mirrors;
	char hex[TLS_SHA256_HEX];
	size_t o = *op, n = 0;

	for (size_t i = 0; i < c->nm && o < cap - 200; i++) {
		const struct check_mirror *cm = &c->mir[i];
		const char *sep = n ? "," : "";

		/* Not waited for (decided without it) or not identified by a pin: no word. */
		if (!cm->done || !mo->usable(cm->m))
			continue;
		n++;
		if (cm->d == NULL || cm->d->ans.transport != TRANSPORT_OK ||
		    cm->d->ans.rclass == RCLASS_OTHER) {
			o += (size_t)snprintf(json + o, cap - o,
			    "%s{\"mirror\":\"%s\",\"outcome\":\"%s\"}", sep, mo->id_hex(cm->m),
			    cm->d && cm->d->ans.transport == TRANSPORT_TIMEOUT ? "timeout" : "error");
			continue;
		}
		check_answer_sha256(cm->d, hex);
		o += (size_t)snprintf(json + o, cap - o,
		    "%s{\"mirror\":\"%s\",\"digest\":\"%s\",\"outcome\":\"%s\"}", sep,
		    mo->id_hex(cm->m), hex, check_report_agrees(c, v, ref, i) ? "agree" : "dissent");
	}
	*op = o;
	return n;
}

/*
 * Tell each mirror asked how its answer fared against the answer we settled on (the local
 * one on agreement, the mirrors' consensus on dissent), after the clients have theirs. No
 * report when nothing was settled: an outcome without a reference means nothing.
 */
void
check_report(struct check *c, const struct cons_verdict *v)
{
	char json[8192], name[DNS_MAXNAME * 4 + 1], esc[1100], tb[16];
	size_t o;
	int ref = v->outcome == OUTCOME_DISSENT ? v->consensus_mirror : -1;

	if (c->nm == 0 || (v->outcome != OUTCOME_AGREE && ref < 0))
		return;
	dnswire_name2str(c->q.qname, c->q.qname_len, name, sizeof(name));
	json_escape(esc, sizeof(esc), name);
	o = (size_t)snprintf(json, sizeof(json),
	    "{\"version\":1,\"question\":{\"name\":\"%s\",\"type\":\"%s\"},\"results\":[", esc,
	    dnswire_type2str(c->q.qtype, tb, sizeof(tb)));
	if (check_report_results(c, v, ref, json, sizeof(json), &o) == 0)
		return;
	o += (size_t)snprintf(json + o, sizeof(json) - o, "]}");
	if (o >= sizeof(json))
		return;
	for (size_t i = 0; i < c->nm; i++)
		c->cx->env.mirrors->send_report(c->mir[i].m, json, o);
}

int
check_portal_exempt(const struct check_ctx *cx, const struct dnsq *q)
{
	return portal_exempt(cx->env.portal, cx->env.clock.now_ms(), q->qname, q->qname_len);
}

int
check_sticky(struct check *c, const struct cons_verdict *v, struct cons_verdict *out,
    char *text, size_t cap)
{
	const struct check_env *env = &c->cx->env;
	struct vcache_ca *vc = env->vcache ? vcache_cadata(env->vcache) : NULL;
	const struct cons_answer *l = &c->ld->ans;
	char addr[64], name[DNS_MAXNAME * 4 + 1];
	size_t bad = 0;

	/* The window sets aside the evidence of the connectivity-check names only (portal.h). */
	if (vc == NULL || v->outcome != OUTCOME_INSUFFICIENT || l->rclass != RCLASS_DATA ||
	    l->n_addrs == 0 ||
	    check_portal_exempt(c->cx, &c->q) ||
	    !vcache_ca_contradicts(vc, c->q.qname, c->q.qname_len, l->addrs, l->n_addrs,
		env->clock.wall_s(), &bad))
		return 0;
	*out = *v;
	out->outcome = OUTCOME_DISSENT;
	out->rule = RULE_NONE;
	out->consensus_mirror = -1; /* nothing the mirrors share to serve instead */
	if (inet_ntop(l->addrs[bad].family == 4 ? AF_INET : AF_INET6, l->addrs[bad].bytes, addr,
		sizeof(addr)) == NULL)
		snprintf(addr, sizeof(addr), "?");
	dnswire_name2str(c->q.qname, c->q.qname_len, name, sizeof(name));
	snprintf(text, cap, "vantage: local %s contradicts the addresses verified for %.60s; "
	    "%u of %u mirrors answered", addr, name, v->asked - v->failed, v->asked);
	return 1;
}

void
check_remember_addrs(struct check *c, const struct cons_verdict *v)
{
	const struct check_env *env = &c->cx->env;
	struct vcache_ca *vc = env->vcache ? vcache_cadata(env->vcache) : NULL;
	const struct cons_answer *l = &c->ld->ans;
	uint64_t wall = env->clock.wall_s();
	uint32_t life = c->lttl < CHECK_STICKY_MIN ? CHECK_STICKY_MIN
	    : c->lttl > CHECK_STICKY_MAX	       ? CHECK_STICKY_MAX
						       : c->lttl;

	/* Evidence of the stub's own handshake is fresh for this verdict only: kept as sticky,
	 * an address it wrongly proved would outlive the moment it was proven in. */
	if (vc == NULL || v->outcome != OUTCOME_AGREE || (c->ca_view && c->ca_view->fresh_only))
		return;
	/* A verified NODATA for A or AAAA is evidence too: that family's addresses are then a
	 * contradiction when the mirrors cannot be asked. */
	if (l->rclass == RCLASS_NODATA &&
	    (c->q.qtype == DNS_TYPE_A || c->q.qtype == DNS_TYPE_AAAA)) {
		if (vcache_ca_nodata_add(vc, c->q.qname, c->q.qname_len,
			c->q.qtype == DNS_TYPE_A ? 4 : 6, wall, wall + life) == 0)
			vstore_touch(env->store);
		return;
	}
	if (l->rclass != RCLASS_DATA || l->n_addrs == 0)
		return;
	if (vcache_ca_seen_add(vc, c->q.qname, c->q.qname_len, l->addrs, l->n_addrs, wall,
		wall + life) == 0)
		vstore_touch(env->store);
}

void
check_log_verdict(struct check *c, const struct cons_verdict *v, const struct policy_decision *d,
    const char *name, const char *local)
{
	struct vstats *st = c->cx->env.st;
	char tb[16];
	const char *type = dnswire_type2str(c->q.qtype, tb, sizeof(tb));

	switch (v->outcome) {
	case OUTCOME_AGREE:
		st->verdict_agree++;
		log_debug(LOG_G_CONSENSUS, "%s %s: %u of %u mirrors corroborate (rule %s)", name,
		    type, v->corroborated, v->asked, consensus_rule_name(v->rule));
		break;
	case OUTCOME_DISSENT:
		st->verdict_dissent++;
		log_warnx(LOG_G_CONSENSUS, "%s %s: %u of %u mirrors dissent (local %s): %s", name,
		    type, v->dissented, v->asked, local, policy_action_name(d->action));
		check_dissent_log(c, v, d, name, local);
		break;
	case OUTCOME_INSUFFICIENT:
		st->verdict_insufficient++;
		/* Per question, so debug: while mirrors are down this is every question (the
		 * mirror client logs the outage once; metrics count these verdicts). */
		log_debug(LOG_G_CONSENSUS, "%s %s: not verified (%s): %s", name, type, d->text,
		    policy_action_name(d->action));
		break;
	}
}

/* How long a verdict is kept (s): dissents and insufficient answers briefly, agreements
 * as long as the answer's TTL within bounds. */
static uint32_t
check_verdict_ttl(const struct cons_verdict *v, uint32_t ttl)
{
	if (v->outcome == OUTCOME_DISSENT)
		return CHECK_DISSENT_TTL;
	if (v->outcome == OUTCOME_INSUFFICIENT)
		return CHECK_INSUFFICIENT_TTL;
	if (ttl < CHECK_AGREE_TTL_MIN)
		return CHECK_AGREE_TTL_MIN;
	return ttl > CHECK_AGREE_TTL_MAX ? CHECK_AGREE_TTL_MAX : ttl;
}

void
check_remember(struct check *c, const struct cons_verdict *v, const char *local, int sticky)
{
	const struct check_env *env = &c->cx->env;
	struct vcache_info info;

	memset(&info, 0, sizeof(info));
	info.outcome = v->outcome;
	info.rule = v->rule;
	info.corroborated = v->corroborated;
	info.dissented = v->dissented;
	info.asked = v->asked;
	info.failed = v->failed;
	info.flags = (v->tls_failures ? VCACHE_F_TLS : 0) | (v->regions_short ? VCACHE_F_REGIONS : 0);
	if (c->ca_view && c->ca_view->judgement == CA_DISSENT)
		info.flags |= VCACHE_F_CA;
	if (sticky)
		info.flags |= VCACHE_F_STICKY;
	if (check_chain_covered(v))
		info.flags |= VCACHE_F_CHAIN;
	info.canon_hash = c->lcanon;
	info.raw_hash = c->lraw;
	snprintf(info.summary, sizeof(info.summary), "%.63s", local);
	info.expire = env->clock.wall_s() + check_verdict_ttl(v, c->lttl);
	if (vcache_store(env->vcache, c->q.qname, c->q.qname_len, c->q.qtype, &info) == 0)
		vstore_touch(env->store);
}

void
check_views(struct check *c, const struct cons_verdict *v, struct check_mirror_view *views)
{
	const struct check_mirror_ops *mo = c->cx->env.mirrors;

	for (size_t i = 0; i < c->nm; i++) {
		views[i].name = mo->name(c->mir[i].m);
		views[i].region = mo->region(c->mir[i].m);
		views[i].id = mo->id_hex(c->mir[i].m);
		if (c->mir[i].d)
			digest_summary(c->mir[i].d, views[i].answer, sizeof(views[i].answer));
		else
			snprintf(views[i].answer, sizeof(views[i].answer), "%s",
			    c->mir[i].done ? "error" : "not waited for");
		views[i].evidence = v->evidence[i];
		if (c->mir[i].done)
			mo->note_evidence(c->mir[i].m, v->evidence[i]);
		views[i].rule = v->mirror_rule[i];
		views[i].why = v->why[i];
	}
}

void
check_count_action(struct check_ctx *cx, enum policy_action action)
{
	struct vstats *st = cx->env.st;

	switch (action) {
	case ACTION_REFUSE:
		st->action_refuse++;
		break;
	case ACTION_SERVFAIL:
		st->action_servfail++;
		break;
	case ACTION_SERVE_FLAG:
		st->action_flag++;
		break;
	case ACTION_SERVE_CONSENSUS:
		st->action_consensus++;
		break;
	case ACTION_SERVE:
		break;
	}
}
