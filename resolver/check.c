/* resolver/check.c - one question cross-checked: local answer + mirrors -> verdict -> action. */
#include "autoconf.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "answer.h"
#include "check.h"
#include "check_ca.h"
#include "consensus.h"
#include "digest.h"
#include "json.h"
#include "log.h"
#include "mirror_client.h"
#include "plugin.h"
#include "tls.h"
#include "vcache.h"
#include "vcache_ca.h"
#include "vutil.h"

/* How long a dissent verdict is remembered (s): long enough to spare the mirrors a
 * storm of repeats, short enough that a fixed resolver is believed again soon. */
#define CHECK_DISSENT_TTL 30
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
 * The verified cache is saved whole every CHECK_SAVE_INTERVAL seconds when something changed,
 * and sooner when its journal passes CHECK_JOURNAL_MAX bytes (a busy resolver verifies
 * thousands of names a minute; the journal must not grow for five minutes at that rate).
 * Between saves the journal alone keeps verdicts across a crash. The timer ticks every
 * CHECK_SAVE_TICK seconds to look.
 */
#define CHECK_SAVE_INTERVAL 300
#define CHECK_SAVE_TICK 10
#define CHECK_JOURNAL_MAX (16u * 1024 * 1024)
/* A journal holding only its magic line has nothing to save. */
#define CHECK_JOURNAL_EMPTY 32
/* Past this, with saves failing, journaling stops rather than fill the disk (bytes). */
#define CHECK_JOURNAL_CAP (4u * CHECK_JOURNAL_MAX)

struct check;

struct check_wait {
	struct check_wait *prev, *next;
	struct check *c;
	check_cb cb;
	void *arg;
};

/* One mirror asked about the question. */
struct check_mirror {
	struct check *c;
	struct mirror *m;
	struct mirror_req *req;
	int done;
	struct digest *d;		/* its answer (on_dissent: consensus serves it, built) */
};

struct check {
	struct check *hnext;
	uint32_t hash;
	int in_table;
	struct vantaged *vd;
	struct dnsq q;
	struct resolve_wait *rw;	/* the upstream question, while it runs */
	int have_local;
	uint8_t *lwire;			/* stored form (no OPT) */
	size_t llen;
	uint32_t lage, lttl;
	struct digest *ld;
	uint64_t lraw, lcanon;		/* hashes of the built message and of the digest */
	int hint;			/* a verdict was cached: mirrors wait for the local answer */
	int fresh;			/* explain: never reuse a cached verdict */
	struct consensus_settings set;	/* the name's: global, or its zone's override */
	struct event *kick;		/* a local answer given to check_start, handled from the loop */
	int mirrors_started;
	int delivered;			/* monitor mode: waiters already have the answer */
	size_t nm;
	struct check_mirror mir[CONSENSUS_MAX_MIRRORS];
	struct check_wait *waiters;
	/* CA evidence (check_ca.c): under way, done, and what it found. */
	struct check_ca *ca;
	int ca_done;
	struct check_ca_view *ca_view;
	uint64_t start_ms;		/* monotonic: the CA budget counts from here */
};

static const struct cons_answer check_pending_answer = { .transport = TRANSPORT_TIMEOUT,
	.rclass = RCLASS_OTHER };


int
check_applies(const struct vantaged *vd, const struct dnsq *q)
{
	const struct config *cfg = vd->cfg;
	int typed = 0;

	if (vd->mirrors == NULL || q->qclass != DNS_CLASS_IN)
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

/*
 * Keyed hash of a stored answer past its question (vcache_raw_hash): stable for one cache
 * entry (TTLs are kept as received and decayed only on output). Only messages built by
 * answer.c are hashed. Hashes saved by an older vantaged (unkeyed FNV-1a) never match again:
 * those names are only checked again.
 */
static uint64_t
check_raw_hash(const struct vantaged *vd, const uint8_t *wire, size_t len, const struct dnsq *q)
{
	return vcache_raw_hash(vd->vcache, wire, len, DNS_HDRLEN + q->qname_len + 4);
}

/* What check_build does with the message besides returning it. */
enum check_keep {
	CHECK_KEEP_NOT,		/* nothing: served once (the mirrors' answer, monitor mode) */
	CHECK_KEEP,		/* in the answer cache, in place of the upstream's */
	CHECK_KEEP_VERIFIED	/* ... as corroborated: it may be served stale (RFC 8767) */
};

/*
 * The message served from d (answer.c): only the records the verdict covered, the chain
 * flattened unless it covered the chain too. With keep it also takes the upstream answer's
 * place in the answer cache, so that a hit serves these very bytes and check_cached finds
 * them by their hash (*raw). cap, when not 0, bounds its TTLs and its life in the cache.
 * Returns a buffer the caller frees (*len set), or NULL when d holds nothing to build from
 * or memory ran out.
 */
static uint8_t *
check_build(struct check *c, const struct digest *d, int flatten, uint32_t age,
    enum check_keep keep, uint32_t cap, size_t *len, uint64_t *raw)
{
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
	    resolve_replace(c->vd->res, &c->q, out, n, cap, keep == CHECK_KEEP_VERIFIED, &kept) == 1 &&
	    kept.len <= DNS_MAXMSG) {
		memmove(out, kept.wire, kept.len);
		n = kept.len;
	}
	if (raw)
		*raw = check_raw_hash(c->vd, out, n, &c->q);
	*len = n;
	return out;
}

/*
 * Whether the verdict covers the local CNAME chain (every corroborating mirror has it, as the
 * ladder says), which is then served as such; otherwise it is flattened.
 */
static int
check_chain_covered(const struct cons_verdict *v)
{
	return v->outcome == OUTCOME_AGREE && v->chain_corroborated;
}

/* A verdict from the verified cache, rebuilt for the policy. */
static void
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

int
check_cached(struct vantaged *vd, const struct dnsq *q, const struct resolve_result *hit,
    struct policy_decision *d)
{
	struct vcache_info info;
	struct cons_verdict v;
	struct consensus_settings set;

	if (!vcache_lookup(vd->vcache, q->qname, q->qname_len, q->qtype, wall_s(), &info))
		return 0;
	if (info.raw_hash != check_raw_hash(vd, hit->wire, hit->len, q))
		return 0;
	config_consensus_for(vd->cfg, q->qname, q->qname_len, &set);
	/* The consensus answer itself is not kept: ask again to be able to serve it. */
	if (info.outcome == OUTCOME_DISSENT && set.on_dissent == DISSENT_CONSENSUS)
		return 0;
	check_info_verdict(&info, &v);
	policy_decide(&v, &set, info.summary, d);
	if ((info.flags & VCACHE_F_CA) && d->action != ACTION_SERVE)
		snprintf(d->text, sizeof(d->text),
		    "vantage: local %s fails the TLS check against the mirrors' CA", info.summary);
	else if ((info.flags & VCACHE_F_STICKY) && d->action != ACTION_SERVE)
		snprintf(d->text, sizeof(d->text),
		    "vantage: local %s contradicts the addresses verified before; mirrors insufficient",
		    info.summary);
	check_ca_flag(vd, q, d);
	vd->st.verdict_cached++;
	return 1;
}

static uint32_t
check_qhash(const struct dnsq *q)
{
	uint64_t h = vcache_hash(VCACHE_HASH_INIT, q->qname, q->qname_len);
	uint8_t cd = (q->flags & DNS_FLAG_CD) != 0;

	h = vcache_hash(h, &q->qtype, sizeof(q->qtype));
	h = vcache_hash(h, &q->do_bit, sizeof(q->do_bit));
	h = vcache_hash(h, &cd, sizeof(cd));
	return (uint32_t)(h ^ (h >> 32));
}

static void
check_unhash(struct check *c)
{
	struct check **pp = &c->vd->checks[c->hash & (VANTAGED_CHECK_BUCKETS - 1)];

	if (!c->in_table)
		return;
	while (*pp && *pp != c)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = c->hnext;
	c->in_table = 0;
}

/* Hand the result to every waiter; callbacks may cancel other waiters of c. */
static void
check_deliver(struct check *c, const struct check_result *res)
{
	while (c->waiters) {
		struct check_wait *w = c->waiters;
		c->waiters = w->next;
		if (c->waiters)
			c->waiters->prev = NULL;
		w->cb(w->arg, res);
		free(w);
	}
}

static void
check_free(struct check *c)
{
	check_unhash(c);
	if (c->rw)
		resolve_cancel(c->rw);
	for (size_t i = 0; i < c->nm; i++) {
		mirror_cancel(c->mir[i].req);
		free(c->mir[i].d);
	}
	/*
	 * Nobody may be left waiting: a waiter freed silently stays referenced by its query,
	 * whose cancel (the TCP client leaving) would then write into freed memory, and a UDP
	 * client would never be answered. Whoever is still here gets an error instead.
	 */
	if (c->waiters) {
		struct check_result fail = { .status = UPSTREAM_ERROR };
		check_deliver(c, &fail);
	}
	if (c->kick)
		event_free(c->kick);
	check_ca_cancel(c->ca);
	free(c->ca_view);
	free(c->ld);
	free(c->lwire);
	free(c);
}


/* One JSON line per dissent: what we were told, what each mirror said, what we did. */
static void
check_dissent_log(struct check *c, const struct cons_verdict *v, const struct policy_decision *d,
    const char *name, const char *local)
{
	struct vantaged *vd = c->vd;
	char line[8192], esc[1100], tb[16], sum[512], stamp[VUTIL_RFC3339_LEN];
	size_t o;

	if (vd->dissent_fd < 0)
		return;
	json_escape(esc, sizeof(esc), name);
	vutil_rfc3339(stamp);
	o = (size_t)snprintf(line, sizeof(line),
	    "{\"time\":\"%s\",\"name\":\"%s\",\"type\":\"%s\",\"local\":\"%s\",\"outcome\":\"%s\","
	    "\"action\":\"%s\",\"mirrors\":[",
	    stamp, esc, dnswire_type2str(c->q.qtype, tb, sizeof(tb)),
	    local, consensus_outcome_name(v->outcome), policy_action_name(d->action));
	for (size_t i = 0; i < c->nm && o < sizeof(line) - 600; i++) {
		const struct check_mirror *cm = &c->mir[i];
		const char *evidence = v->evidence[i] == EVIDENCE_CORROBORATES ? "corroborates"
		    : v->evidence[i] == EVIDENCE_DISSENTS			  ? "dissents"
										  : "failed";
		char mname[200];
		json_escape(mname, sizeof(mname), mirror_name(cm->m));
		if (cm->d)
			digest_summary(cm->d, sum, sizeof(sum));
		else
			snprintf(sum, sizeof(sum), "timeout");
		o += (size_t)snprintf(line + o, sizeof(line) - o,
		    "%s{\"mirror\":\"%s\",\"region\":\"%s\",\"answer\":\"%s\",\"evidence\":\"%s\"",
		    i ? "," : "", mname, mirror_region(cm->m), sum, evidence);
		/* Why it dissents, and the weak signal (overlap, prefix, cname) if one held:
		 * what an operator needs to tell a CDN from an attacker. */
		if (v->evidence[i] == EVIDENCE_DISSENTS)
			o += (size_t)snprintf(line + o, sizeof(line) - o, ",\"why\":\"%s\"%s%s%s",
			    consensus_why_name(v->why[i]), v->why[i] == WHY_WEAK ? ",\"weak\":\"" : "",
			    v->why[i] == WHY_WEAK ? consensus_rule_name(v->mirror_rule[i]) : "",
			    v->why[i] == WHY_WEAK ? "\"" : "");
		o += (size_t)snprintf(line + o, sizeof(line) - o, "}");
	}
	o += (size_t)snprintf(line + o, sizeof(line) - o, "]");
	if (c->ca_view && o < sizeof(line) - 1200)
		o += check_ca_json(c->ca_view, line + o, sizeof(line) - o);
	o += (size_t)snprintf(line + o, sizeof(line) - o, "}\n");
	if (o >= sizeof(line))
		return;
	if (write(vd->dissent_fd, line, o) < 0)
		log_warn(LOG_G_CONSENSUS, "dissent log");
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

/*
 * Tell each mirror asked how its answer fared against the answer we settled on (the local
 * one on agreement, the mirrors' consensus on dissent), after the clients have theirs. No
 * report when nothing was settled: an outcome without a reference means nothing.
 */
static void
check_report(struct check *c, const struct cons_verdict *v)
{
	char json[8192], name[DNS_MAXNAME * 4 + 1], esc[1100], tb[16], hex[TLS_SHA256_HEX];
	size_t o, n = 0;
	int ref = v->outcome == OUTCOME_DISSENT ? v->consensus_mirror : -1;

	if (c->nm == 0 || (v->outcome != OUTCOME_AGREE && ref < 0))
		return;
	dnswire_name2str(c->q.qname, c->q.qname_len, name, sizeof(name));
	json_escape(esc, sizeof(esc), name);
	o = (size_t)snprintf(json, sizeof(json),
	    "{\"version\":1,\"question\":{\"name\":\"%s\",\"type\":\"%s\"},\"results\":[", esc,
	    dnswire_type2str(c->q.qtype, tb, sizeof(tb)));
	for (size_t i = 0; i < c->nm && o < sizeof(json) - 200; i++) {
		const struct check_mirror *cm = &c->mir[i];
		const char *sep = n ? "," : "";
		int agree;

		/* Not waited for (decided without it) or not identified by a pin: no word. */
		if (!cm->done || !mirror_usable(cm->m))
			continue;
		n++;
		if (cm->d == NULL || cm->d->ans.transport != TRANSPORT_OK ||
		    cm->d->ans.rclass == RCLASS_OTHER) {
			o += (size_t)snprintf(json + o, sizeof(json) - o,
			    "%s{\"mirror\":\"%s\",\"outcome\":\"%s\"}", sep, mirror_id_hex(cm->m),
			    cm->d && cm->d->ans.transport == TRANSPORT_TIMEOUT ? "timeout" : "error");
			continue;
		}
		if (ref < 0)
			agree = v->evidence[i] == EVIDENCE_CORROBORATES;
		else {
			enum cons_rule r;
			enum cons_why w;
			agree = consensus_compare(&c->mir[ref].d->ans, &cm->d->ans,
				    &(struct cons_policy){ .match = CONS_MATCH_LADDER,
					.allow_private = 1, .prefix4 = 24, .prefix6 = 48 },
				    &r, &w) == EVIDENCE_CORROBORATES;
		}
		check_answer_sha256(cm->d, hex);
		o += (size_t)snprintf(json + o, sizeof(json) - o,
		    "%s{\"mirror\":\"%s\",\"digest\":\"%s\",\"outcome\":\"%s\"}", sep,
		    mirror_id_hex(cm->m), hex, agree ? "agree" : "dissent");
	}
	if (n == 0)
		return;
	o += (size_t)snprintf(json + o, sizeof(json) - o, "]}");
	if (o >= sizeof(json))
		return;
	for (size_t i = 0; i < c->nm; i++)
		mirror_send_report(c->mir[i].m, json, o);
}

/*
 * Evidence is sticky (DESIGN.md section 4): when the mirrors cannot settle the question
 * (none reachable, or too few answers), an answer with an address that is neither among
 * those verified for the name before nor proven by a CA pair is no "unverified" answer but a
 * contradiction, refused like a dissent. Else a lying resolver that also blocks the mirrors
 * would get its address out with only an EDE attached. A name never verified is left to
 * on_insufficient. Fills *out and text (EXTRA-TEXT) and returns 1 when it turns v around.
 */
static int
check_sticky(struct check *c, const struct cons_verdict *v, struct cons_verdict *out,
    char *text, size_t cap)
{
	struct vcache_ca *vc = c->vd->vcache ? vcache_cadata(c->vd->vcache) : NULL;
	const struct cons_answer *l = &c->ld->ans;
	char addr[64], name[DNS_MAXNAME * 4 + 1];
	size_t bad = 0;

	if (vc == NULL || v->outcome != OUTCOME_INSUFFICIENT || l->rclass != RCLASS_DATA ||
	    l->n_addrs == 0 ||
	    !vcache_ca_contradicts(vc, c->q.qname, c->q.qname_len, l->addrs, l->n_addrs,
		wall_s(), &bad))
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

/* An agreement on addresses: they become the name's evidence (check_sticky). */
static void
check_remember_addrs(struct check *c, const struct cons_verdict *v)
{
	struct vcache_ca *vc = c->vd->vcache ? vcache_cadata(c->vd->vcache) : NULL;
	const struct cons_answer *l = &c->ld->ans;
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
			c->q.qtype == DNS_TYPE_A ? 4 : 6, wall_s(), wall_s() + life) == 0)
			c->vd->vcache_dirty = 1;
		return;
	}
	if (l->rclass != RCLASS_DATA || l->n_addrs == 0)
		return;
	if (vcache_ca_seen_add(vc, c->q.qname, c->q.qname_len, l->addrs, l->n_addrs, wall_s(),
		wall_s() + life) == 0)
		c->vd->vcache_dirty = 1;
}

/* Count and log a verdict: a dissent is a warning, an unverified answer only debug. */
static void
check_log_verdict(struct check *c, const struct cons_verdict *v, const struct policy_decision *d,
    const char *name, const char *local)
{
	struct vantaged *vd = c->vd;
	char tb[16];
	const char *type = dnswire_type2str(c->q.qtype, tb, sizeof(tb));
	switch (v->outcome) {
	case OUTCOME_AGREE:
		vd->st.verdict_agree++;
		log_debug(LOG_G_CONSENSUS, "%s %s: %u of %u mirrors corroborate (rule %s)", name,
		    type, v->corroborated, v->asked, consensus_rule_name(v->rule));
		break;
	case OUTCOME_DISSENT:
		vd->st.verdict_dissent++;
		log_warnx(LOG_G_CONSENSUS, "%s %s: %u of %u mirrors dissent (local %s): %s", name,
		    type, v->dissented, v->asked, local, policy_action_name(d->action));
		check_dissent_log(c, v, d, name, local);
		break;
	case OUTCOME_INSUFFICIENT:
		vd->st.verdict_insufficient++;
		/* Per question, so debug: while mirrors are down this is every question (the
		 * mirror client logs the outage once; metrics count these verdicts). */
		log_debug(LOG_G_CONSENSUS, "%s %s: not verified (%s): %s", name, type, d->text,
		    policy_action_name(d->action));
		break;
	}
}

/* Keep the verdict in the verified cache, keyed to the hash of the built message. */
static void
check_remember(struct check *c, const struct cons_verdict *v, const char *local, int sticky)
{
	struct vantaged *vd = c->vd;
	struct vcache_info info;
	uint32_t ttl = c->lttl;

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
	if (v->outcome == OUTCOME_DISSENT)
		ttl = CHECK_DISSENT_TTL;
	else if (v->outcome == OUTCOME_INSUFFICIENT)
		ttl = CHECK_INSUFFICIENT_TTL;
	else if (ttl < CHECK_AGREE_TTL_MIN)
		ttl = CHECK_AGREE_TTL_MIN;
	else if (ttl > CHECK_AGREE_TTL_MAX)
		ttl = CHECK_AGREE_TTL_MAX;
	info.expire = wall_s() + ttl;
	if (vcache_store(vd->vcache, c->q.qname, c->q.qname_len, c->q.qtype, &info) == 0)
		vd->vcache_dirty = 1;
}

/* What each mirror said, for explain and the plugins; feeds the mirrors' evidence counts. */
static void
check_views(struct check *c, const struct cons_verdict *v, struct check_mirror_view *views)
{
	for (size_t i = 0; i < c->nm; i++) {
		views[i].name = mirror_name(c->mir[i].m);
		views[i].region = mirror_region(c->mir[i].m);
		views[i].id = mirror_id_hex(c->mir[i].m);
		if (c->mir[i].d)
			digest_summary(c->mir[i].d, views[i].answer, sizeof(views[i].answer));
		else
			snprintf(views[i].answer, sizeof(views[i].answer), "%s",
			    c->mir[i].done ? "error" : "not waited for");
		views[i].evidence = v->evidence[i];
		if (c->mir[i].done)
			mirror_note_evidence(c->mir[i].m, v->evidence[i]);
		views[i].rule = v->mirror_rule[i];
		views[i].why = v->why[i];
	}
}

static void
check_count_action(struct vantaged *vd, enum policy_action action)
{
	switch (action) {
	case ACTION_REFUSE:
		vd->st.action_refuse++;
		break;
	case ACTION_SERVFAIL:
		vd->st.action_servfail++;
		break;
	case ACTION_SERVE_FLAG:
		vd->st.action_flag++;
		break;
	case ACTION_SERVE_CONSENSUS:
		vd->st.action_consensus++;
		break;
	case ACTION_SERVE:
		break;
	}
}

/* The verdict is in: remember it, log it, and answer everyone waiting. */
static void
check_decide(struct check *c, const struct cons_verdict *v)
{
	struct vantaged *vd = c->vd;
	struct check_result res = { .status = UPSTREAM_OK };
	struct check_mirror_view views[CONSENSUS_MAX_MIRRORS];
	char name[DNS_MAXNAME * 4 + 1], local[256], tb[16], sticky_text[300] = "";
	struct cons_verdict sticky_v;
	uint8_t *cwire = NULL, *served;
	enum check_keep keep;
	size_t slen = 0;

	for (size_t i = 0; i < c->nm; i++) {
		mirror_cancel(c->mir[i].req); /* the rest cannot change the verdict */
		c->mir[i].req = NULL;
	}
	digest_summary(c->ld, local, sizeof(local));
	dnswire_name2str(c->q.qname, c->q.qname_len, name, sizeof(name));
	if (check_sticky(c, v, &sticky_v, sticky_text, sizeof(sticky_text))) {
		v = &sticky_v;
		log_warnx(LOG_G_CONSENSUS, "%s %s: %s", name,
		    dnswire_type2str(c->q.qtype, tb, sizeof(tb)), sticky_text + strlen("vantage: "));
	}
	check_remember_addrs(c, v);
	policy_decide(v, &c->set, local, &res.decision);
	if (sticky_text[0] && res.decision.action != ACTION_SERVE)
		snprintf(res.decision.text, sizeof(res.decision.text), "%s", sticky_text);
	/* The CA evidence decided: say why in its words, not in the address ladder's. */
	if (c->ca_view && c->ca_view->text[0] && res.decision.action != ACTION_SERVE)
		snprintf(res.decision.text, sizeof(res.decision.text), "%s", c->ca_view->text);
	if (check_ca_flag(vd, &c->q, &res.decision)) {
		log_warnx(LOG_G_CONSENSUS, "%s %s: flagged: %s", name,
		    dnswire_type2str(c->q.qtype, tb, sizeof(tb)), res.decision.text);
		check_dissent_log(c, v, &res.decision, name, local);
	}
	check_log_verdict(c, v, &res.decision, name, local);
	/*
	 * What the local answer serves, whatever the action: the answer cache then holds it in
	 * place of the upstream's message, and the verdict is keyed to its hash, so a cache hit
	 * can only ever serve these bytes. A dissent (a sticky or CA refusal included) keeps it
	 * no longer than its verdict: kept with the forger's TTL, once the verdict expired the
	 * cached forgery would be checked again and again, never the (by then honest) resolver,
	 * and the name stay refused for as long as the attacker chose (a day after leaving the
	 * café's network).
	 */
	/* Only an answer served as corroborated may be served stale once it expires. */
	keep = v->outcome == OUTCOME_AGREE && res.decision.action == ACTION_SERVE
	    ? CHECK_KEEP_VERIFIED : CHECK_KEEP;
	if ((served = check_build(c, c->ld, !check_chain_covered(v), c->lage, keep,
		 v->outcome == OUTCOME_DISSENT ? CHECK_DISSENT_TTL : 0, &slen, &c->lraw)) == NULL)
		c->lraw = 0;
	check_remember(c, v, local, sticky_text[0] != '\0');
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
	if (res.decision.action == ACTION_SERVE_CONSENSUS) {
		const struct check_mirror *cm = &c->mir[v->consensus_mirror];
		size_t sl;
		/* The mirrors' answer, built like any other: its chain flattened (the quorum
		 * shares its final set, not necessarily its chain), not kept in the cache. */
		if (cm->d && (cwire = check_build(c, cm->d, 1, 0, CHECK_KEEP_NOT, 0, &sl, NULL)) !=
		    NULL) {
			res.wire = cwire;
			res.len = sl;
			res.age = 0;
		} else
			res.decision.action = ACTION_REFUSE;
	}
	check_count_action(vd, res.decision.action);
	check_unhash(c);
	if (!c->delivered)
		check_deliver(c, &res);
	free(cwire);
	free(served);
	check_report(c, v);
	check_free(c);
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
	const struct config *cfg = c->vd->cfg;
	struct mirror *ms[CONSENSUS_MAX_MIRRORS];
	const struct cons_answer *as[CONSENSUS_MAX_MIRRORS];
	uint64_t spent = now_ms() - c->start_ms;
	uint64_t budget = cfg->consensus.timeout_ms + cfg->consensus.probe_timeout_ms;
	struct check_ca_req req;

	if (c->ca_done || !check_ca_wanted(c->vd, &c->q, &c->set, &c->ld->ans, v))
		return -1;
	c->ca_done = 1;
	for (size_t i = 0; i < c->nm; i++) {
		ms[i] = c->mir[i].m;
		as[i] = c->mir[i].done && c->mir[i].d ? &c->mir[i].d->ans : NULL;
	}
	memset(&req, 0, sizeof(req));
	req.vd = c->vd;
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
	return (c->ca = check_ca_start(&req)) != NULL ? 0 : -1;
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
	if (!check_ca_pairs_cover(c->vd, &c->q, &c->set, &c->ld->ans, c->nm, &v, c->ca_view)) {
		free(c->ca_view);
		c->ca_view = NULL;
		return 0;
	}
	c->ca_done = 1;
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
	const struct config *cfg = c->vd->cfg;
	size_t pending = 0;

	if (!c->have_local || !c->mirrors_started || c->ca)
		return; /* c->ca: the CA evidence is under way and will decide */
	for (size_t i = 0; i < c->nm; i++) {
		ms[i].region = mirror_region(c->mir[i].m);
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
	if (pending == 0 || (v.outcome != OUTCOME_INSUFFICIENT && !c->fresh)) {
		if (check_start_ca(c, &v) == 0)
			return;
		check_decide(c, &v);
	}
}

static void
check_mirror_cb(void *arg, enum cons_transport transport, const uint8_t *wire, size_t len)
{
	struct check_mirror *cm = arg;
	struct check *c = cm->c;

	cm->req = NULL;
	cm->done = 1;
	plugin_on_answer(c->vd->plugins, &c->q, mirror_name(cm->m), mirror_region(cm->m),
	    transport == TRANSPORT_OK ? wire : NULL, len); /* observe only */
	if ((cm->d = malloc(sizeof(*cm->d))) == NULL) {
		check_try_decide(c); /* counted as pending-failed: better than nothing */
		return;
	}
	if (transport != TRANSPORT_OK ||
	    digest_answer(cm->d, wire, len, c->q.qname, c->q.qname_len, c->q.qtype) != 0)
		digest_failed(cm->d, transport == TRANSPORT_OK ? TRANSPORT_ERROR : transport);
	check_try_decide(c);
}

static void
check_start_mirrors(struct check *c)
{
	struct vantaged *vd = c->vd;
	struct mirror *chosen[CONSENSUS_MAX_MIRRORS];
	size_t k = vd->cfg->consensus.mirrors_per_query;

	c->mirrors_started = 1;
	if (k > CONSENSUS_MAX_MIRRORS)
		k = CONSENSUS_MAX_MIRRORS;
	c->nm = mirror_set_select(vd->mirrors, c->q.qname, c->q.qname_len, k, chosen);
	for (size_t i = 0; i < c->nm; i++) {
		struct check_mirror *cm = &c->mir[i];
		cm->c = c;
		cm->m = chosen[i];
		cm->req = mirror_query(cm->m, &c->q, (uint32_t)vd->cfg->consensus.timeout_ms,
		    check_mirror_cb, cm);
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

/*
 * Serve the message built from the local answer to every waiter without a verdict taken now
 * (d says how; SERVFAIL when nothing can be built), kept in the answer cache (*raw: its hash),
 * and end the check.
 */
static void
check_serve_now(struct check *c, int flatten, const struct policy_decision *d, uint64_t *raw,
    enum check_keep keep)
{
	struct check_result res = { .status = UPSTREAM_OK, .decision = *d };
	uint8_t *served = check_build(c, c->ld, flatten, c->lage, keep, 0, &res.len, raw);

	res.wire = served;
	if (served == NULL) {
		res.decision.action = ACTION_SERVFAIL;
		res.decision.ede = -1;
	}
	check_unhash(c);
	check_deliver(c, &res);
	free(served);
	check_free(c);
}

/* The local answer is known: digest it, maybe reuse a verdict, maybe serve at once. */
static void
check_local_ready(struct check *c)
{
	struct vantaged *vd = c->vd;
	struct vcache_info info;
	struct policy_decision serve = { .action = ACTION_SERVE, .ede = -1 };

	if (c->lwire == NULL || (c->ld = malloc(sizeof(*c->ld))) == NULL) {
		struct check_result fail = { .status = UPSTREAM_ERROR };
		check_unhash(c);
		check_deliver(c, &fail);
		check_free(c);
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
		check_serve_now(c, 1, &serve, NULL, CHECK_KEEP);
		return;
	}
	/* Keyed (vcache_canon_hash): an equal hash spares the mirrors, so it must be one no
	 * resolver can aim at. */
	c->lcanon = vcache_canon_hash(vd->vcache, &c->ld->ans);
	if (c->hint && vcache_lookup(vd->vcache, c->q.qname, c->q.qname_len, c->q.qtype,
			   wall_s(), &info) &&
	    info.canon_hash == c->lcanon && info.outcome == OUTCOME_AGREE) {
		/* Same content as what the mirrors already corroborated: no need to ask again.
		 * Served as built then (the chain only if that verdict covered it). */
		struct dnsq q = c->q; /* c is gone after serving */
		uint64_t raw = 0;
		vd->st.verdict_cached++;
		check_ca_flag(vd, &q, &serve);
		check_serve_now(c, !(info.flags & VCACHE_F_CHAIN), &serve, &raw,
		    serve.action == ACTION_SERVE ? CHECK_KEEP_VERIFIED : CHECK_KEEP);
		vcache_set_raw_hash(vd->vcache, q.qname, q.qname_len, q.qtype, raw);
		return;
	}
	if (!c->fresh && check_pairs_decide(c))
		return;
	if (c->set.mode == MODE_MONITOR && !c->fresh) {
		/* Monitor: the answer goes out now; the verdict only flags and logs. Built all the
		 * same, its chain flattened: nothing is verified yet. */
		struct check_result now = { .status = UPSTREAM_OK, .decision = serve };
		uint8_t *built = check_build(c, c->ld, 1, c->lage, CHECK_KEEP_NOT, 0, &now.len, NULL);
		now.wire = built;
		if (built == NULL)
			now.decision.action = ACTION_SERVFAIL;
		check_deliver(c, &now);
		free(built);
		/* From now on no question joins c (check_begin): it would never be called back.
		 * c stays in the table for the reload and shutdown walks. */
		c->delivered = 1;
	}
	if (!c->mirrors_started)
		check_start_mirrors(c);
	check_try_decide(c);
}

static void
check_local_cb(void *arg, const struct resolve_result *res)
{
	struct check *c = arg;

	c->rw = NULL;
	plugin_on_answer(c->vd->plugins, &c->q, "upstream", NULL,
	    res->status == UPSTREAM_OK ? res->wire : NULL, res->len); /* observe only */
	if (res->status != UPSTREAM_OK) {
		struct check_result fail = { .status = res->status };
		check_unhash(c);
		check_deliver(c, &fail);
		check_free(c);
		return;
	}
	check_copy_local(c, res);
	check_local_ready(c);
}

static void
check_kick(evutil_socket_t fd, short what, void *arg)
{
	check_local_ready(arg);
}

static struct check_wait *
check_begin(struct vantaged *vd, const struct dnsq *q, const struct resolve_result *local,
    int fresh, check_cb cb, void *arg)
{
	uint32_t h = check_qhash(q);
	struct check *c;
	struct check_wait *w = calloc(1, sizeof(*w));
	struct vcache_info info;

	if (w == NULL)
		return NULL;
	w->cb = cb;
	w->arg = arg;
	for (c = vd->checks[h & (VANTAGED_CHECK_BUCKETS - 1)]; c; c = c->hnext)
		/* CD too: a CD=1 client's answer (never validated upstream) must not reach a
		 * CD=0 client, nor the other way round. */
		/* Not a check that answered early (monitor mode): it calls nobody back again, so
		 * a question joining it would wait forever and its waiter be freed under it. */
		if (c->hash == h && dnswire_same_question(&c->q, q) && c->q.do_bit == q->do_bit &&
		    (c->q.flags & DNS_FLAG_CD) == (q->flags & DNS_FLAG_CD) && c->fresh == fresh &&
		    !c->delivered)
			break;
	if (c == NULL) {
		if ((c = calloc(1, sizeof(*c))) == NULL) {
			free(w);
			return NULL;
		}
		c->vd = vd;
		c->q = *q;
		c->hash = h;
		c->start_ms = now_ms();
		config_consensus_for(vd->cfg, q->qname, q->qname_len, &c->set);
		c->hnext = vd->checks[h & (VANTAGED_CHECK_BUCKETS - 1)];
		vd->checks[h & (VANTAGED_CHECK_BUCKETS - 1)] = c;
		c->in_table = 1;
		c->fresh = fresh;
		/* Only an agreement can spare the mirrors; anything else is asked again. */
		c->hint = !fresh &&
		    vcache_lookup(vd->vcache, q->qname, q->qname_len, q->qtype, wall_s(), &info) &&
		    info.outcome == OUTCOME_AGREE;
		if (local == NULL &&
		    (c->rw = resolve_start(vd->res, q, check_local_cb, c)) == NULL) {
			check_free(c);
			free(w);
			return NULL;
		}
		/* In parallel with the upstream, unless a verdict may spare the mirrors. */
		if (!c->hint && local == NULL)
			check_start_mirrors(c);
	}
	w->c = c;
	w->next = c->waiters;
	if (c->waiters)
		c->waiters->prev = w;
	c->waiters = w;
	if (local && c->lwire == NULL && c->rw == NULL) {
		/* A cache hit without a usable verdict: the answer is at hand, ask only the
		 * mirrors. Carry on from the loop: never call back from inside this call. */
		struct timeval now = { 0, 0 };
		if (check_copy_local(c, local) != 0 ||
		    (c->kick = evtimer_new(vd->base, check_kick, c)) == NULL ||
		    evtimer_add(c->kick, &now) != 0) {
			/* w leaves before c goes: NULL means cb is never called. */
			check_cancel(w);
			check_free(c);
			return NULL;
		}
	}
	return w;
}

struct check_wait *
check_start(struct vantaged *vd, const struct dnsq *q, const struct resolve_result *local,
    check_cb cb, void *arg)
{
	return check_begin(vd, q, local, 0, cb, arg);
}

struct check_wait *
check_explain(struct vantaged *vd, const struct dnsq *q, check_cb cb, void *arg)
{
	return check_begin(vd, q, NULL, 1, cb, arg);
}

void
check_cancel(struct check_wait *w)
{
	struct check *c;

	if (w == NULL)
		return;
	c = w->c;
	if (w->prev)
		w->prev->next = w->next;
	else
		c->waiters = w->next;
	if (w->next)
		w->next->prev = w->prev;
	free(w);
}

/* The per-install secret: random once, kept beside the state file. */
static int
check_load_secret(struct vantaged *vd, char *err, size_t errlen)
{
	char path[4096];
	int fd;
	ssize_t n;

	random_buf(vd->secret, sizeof(vd->secret));
	if (vd->cfg->cache.state_file == NULL)
		return 0; /* no state: a fresh secret each start */
	snprintf(path, sizeof(path), "%s.key", vd->cfg->cache.state_file);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0) {
		n = read(fd, vd->secret, sizeof(vd->secret));
		close(fd);
		if (n == (ssize_t)sizeof(vd->secret))
			return 0;
		log_warnx(LOG_G_CONSENSUS, "%s: short key file; making a new one", path);
		random_buf(vd->secret, sizeof(vd->secret));
	}
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0 ||
	    write(fd, vd->secret, sizeof(vd->secret)) != (ssize_t)sizeof(vd->secret)) {
		/* Not fatal: selection stays unpredictable, only less stable across restarts. */
		log_warn(LOG_G_CONSENSUS, "cannot keep the selection key in %s", path);
	}
	if (fd >= 0)
		close(fd);
	(void)err;
	(void)errlen;
	return 0;
}

static void
check_save_timer(evutil_socket_t fd, short what, void *arg)
{
	struct vantaged *vd = arg;
	size_t jb = vcache_journal_bytes(vd->vcache);
	int due = now_us() / 1000000 - vd->vcache_saved >= CHECK_SAVE_INTERVAL;

	(void)fd;
	(void)what;
	if ((jb > CHECK_JOURNAL_MAX || (due && (vd->vcache_dirty || jb > CHECK_JOURNAL_EMPTY))) &&
	    check_save(vd) != 0 && jb > CHECK_JOURNAL_CAP) {
		vcache_journal_close(vd->vcache);
		log_warnx(LOG_G_CACHE, "the journal passed %u MiB and the state file cannot be "
		    "saved: journaling stops; verdicts are kept in memory and saved when a save "
		    "succeeds", CHECK_JOURNAL_CAP >> 20);
	}
}

int
check_save(struct vantaged *vd)
{
	int n;

	if (vd->cfg->cache.state_file == NULL || vd->vcache == NULL)
		return 0;
	if ((n = vcache_save(vd->vcache, vd->cfg->cache.state_file, wall_s())) < 0) {
		log_warn(LOG_G_CACHE, "cannot save the verified cache to %s (the previous file is kept)",
		    vd->cfg->cache.state_file);
		return -1;
	}
	vd->vcache_dirty = 0;
	vd->vcache_saved = now_us() / 1000000;
	log_debug(LOG_G_CACHE, "saved %d verified entries to %s", n, vd->cfg->cache.state_file);
	return 0;
}

/*
 * Replay the journal of changes made after the last save (a crash or SIGKILL ended that run),
 * save the result at once, and keep journaling. Without a journal vantaged works on and, as
 * before, a crash loses the verdicts of the last CHECK_SAVE_INTERVAL at most.
 */
static void
check_journal_open(struct vantaged *vd)
{
	char path[4096];
	size_t bad = 0;
	int n;

	if (snprintf(path, sizeof(path), "%s.journal", vd->cfg->cache.state_file) >=
	    (int)sizeof(path))
		return;
	n = vcache_load(vd->vcache, path, wall_s(), &bad);
	if (n < 0 && errno != ENOENT)
		log_warn(LOG_G_CACHE, "cannot replay the journal %s", path);
	else if (n > 0 || bad > 0)
		log_info(LOG_G_CACHE, "replayed %d changes from %s (the last run did not save)%s", n,
		    path, bad ? "; some lines were unreadable" : "");
	if (vcache_journal_open(vd->vcache, path) != 0) {
		log_warn(LOG_G_CACHE, "cannot open the journal %s; verdicts are saved every %d s "
		    "only", path, CHECK_SAVE_INTERVAL);
		return;
	}
	if (n > 0)
		(void)check_save(vd);
}

static int
check_open_dissent_log(const struct config *cfg)
{
	int fd;

	if (cfg->dissent_log == NULL)
		return -1;
	fd = open(cfg->dissent_log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0)
		log_warn(LOG_G_CONSENSUS, "cannot open the dissent log %s", cfg->dissent_log);
	return fd;
}

/* stat of the files a mirror set is read from (vutil_stat). */
static void
check_mirror_files(const struct config *cfg, struct stat st[2])
{
	vutil_stat(cfg->mirrors_bootstrap, &st[0]);
	vutil_stat(cfg->mirrors_trust_store, &st[1]);
}

int
check_init(struct vantaged *vd, char *err, size_t errlen)
{
	struct timeval tv = { CHECK_SAVE_TICK, 0 };
	size_t bad = 0;
	int n;

	vd->dissent_fd = -1;
	if ((vd->vcache = vcache_new(vd->cfg->cache.max_entries)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (check_load_secret(vd, err, errlen) != 0)
		return -1;
	vcache_set_secret(vd->vcache, vd->secret);
	if (vd->cfg->cache.state_file) {
		n = vcache_load(vd->vcache, vd->cfg->cache.state_file, wall_s(), &bad);
		if (n < 0)
			log_warn(LOG_G_CACHE, "cannot read the state file %s; starting empty",
			    vd->cfg->cache.state_file);
		else if (n > 0 || bad > 0)
			log_info(LOG_G_CACHE, "loaded %d verified entries from %s%s", n,
			    vd->cfg->cache.state_file, bad ? " (some lines were unreadable)" : "");
		check_journal_open(vd);
	}
	vd->vcache_saved = now_us() / 1000000;
	check_mirror_files(vd->cfg, vd->mirror_files);
	if (vd->cfg->n_mirrors > 0 || vd->cfg->mirrors_bootstrap) {
		vd->mirrors = mirror_set_new(vd->base, vd->cfg, vd->secret, err, errlen);
		if (vd->mirrors == NULL)
			return -1;
		if (mirror_set_count(vd->mirrors) == 0) {
			log_warnx(LOG_G_MIRROR, "no mirrors configured: answers are not cross-checked");
			mirror_set_free(vd->mirrors);
			vd->mirrors = NULL;
		} else {
			log_info(LOG_G_MIRROR, "%zu mirrors, %lu asked per question",
			    mirror_set_count(vd->mirrors), vd->cfg->consensus.mirrors_per_query);
			if (vd->cfg->mirrors_connect_at_start)
				mirror_set_start(vd->mirrors);
		}
	}
	vd->dissent_fd = check_open_dissent_log(vd->cfg);
	check_ca_init(vd);
	vd->save_timer = event_new(vd->base, -1, EV_PERSIST, check_save_timer, vd);
	if (vd->save_timer)
		event_add(vd->save_timer, &tv);
	return 0;
}

/*
 * The mirror set is about to be freed (reload). Checks that have their local answer
 * decide now on what they have; the others drop their mirrors and pick new ones from
 * the next set when the local answer comes.
 */
static void
check_abort_mirrors(struct vantaged *vd)
{
	for (size_t b = 0; b < VANTAGED_CHECK_BUCKETS; b++) {
		struct check *c = vd->checks[b], *next;
		for (; c; c = next) {
			next = c->hnext;
			/* The CA evidence asks these mirrors too: the verdict goes without it. */
			check_ca_cancel(c->ca);
			c->ca = NULL;
			for (size_t i = 0; i < c->nm; i++) {
				mirror_cancel(c->mir[i].req);
				c->mir[i].req = NULL;
				c->mir[i].done = 1;
			}
			if (c->have_local && c->mirrors_started) {
				/* No CA step either: it would ask the mirrors being freed. */
				c->ca_done = 1;
				check_try_decide(c); /* nothing pending: decides and frees c */
				continue;
			}
			for (size_t i = 0; i < c->nm; i++) {
				free(c->mir[i].d);
				memset(&c->mir[i], 0, sizeof(c->mir[i]));
			}
			c->nm = 0;
			c->mirrors_started = 0;
		}
	}
}

/* The dissent log is reopened at every reload (logrotate moved it away). */
static void
check_reopen_dissent_log(struct vantaged *vd, const struct config *cfg)
{
	int fd = check_open_dissent_log(cfg);

	if (vd->dissent_fd >= 0)
		close(vd->dissent_fd);
	vd->dissent_fd = fd;
}

int
check_reconfigure(struct vantaged *vd, const struct config *cfg, char *err, size_t errlen)
{
	struct mirror_set *set = NULL, *old = vd->mirrors;
	struct stat files[2];

	/*
	 * Nothing the mirror set is made of changed: keep it, with its connections, their TLS
	 * sessions, its counters and the checks under way. A reload (every night, by logrotate)
	 * then costs no handshake and fails no question.
	 */
	check_mirror_files(cfg, files);
	if (config_mirrors_same(vd->cfg, cfg) && vutil_same_file(&files[0], &vd->mirror_files[0]) &&
	    vutil_same_file(&files[1], &vd->mirror_files[1])) {
		log_info(LOG_G_MIRROR, "reload: mirrors unchanged, connections kept");
		vcache_set_max(vd->vcache, cfg->cache.max_entries);
		check_reopen_dissent_log(vd, cfg);
		return 0;
	}
	if (cfg->n_mirrors > 0 || cfg->mirrors_bootstrap) {
		if ((set = mirror_set_new(vd->base, cfg, vd->secret, err, errlen)) == NULL)
			return -1;
		if (mirror_set_count(set) == 0) {
			mirror_set_free(set);
			set = NULL;
		}
	}
	if (cfg->mirrors_connect_at_start)
		mirror_set_start(set);
	/*
	 * The verdicts the abort hands out reach waiters and plugins, which may start new
	 * questions: they must find no mirror set rather than the old one about to be freed.
	 */
	vd->mirrors = NULL;
	check_abort_mirrors(vd);
	mirror_set_free(old);
	vd->mirrors = set;
	memcpy(vd->mirror_files, files, sizeof(files));
	vcache_set_max(vd->vcache, cfg->cache.max_entries);
	check_reopen_dissent_log(vd, cfg);
	return 0;
}

void
check_shutdown(struct vantaged *vd)
{
	for (size_t b = 0; b < VANTAGED_CHECK_BUCKETS; b++)
		while (vd->checks[b])
			check_free(vd->checks[b]);
	check_save(vd);
	check_ca_shutdown(vd);
	if (vd->save_timer)
		event_free(vd->save_timer);
	mirror_set_free(vd->mirrors);
	vd->mirrors = NULL;
	vcache_free(vd->vcache);
	vd->vcache = NULL;
	if (vd->dissent_fd >= 0)
		close(vd->dissent_fd);
}
