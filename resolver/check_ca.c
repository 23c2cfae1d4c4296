/*
 * resolver/check_ca.c - the CA evidence for one verdict (DESIGN.md section 5, ladder rule 5):
 * the name's CA from the mirrors (TLSA, else their notary observations), a TLS probe of
 * the local addresses, CAA and history. The I/O side of the pure resolver/ca.c; it includes
 * neither ldns nor wolfSSL (digest.c and probe.c do).
 */
#include "autoconf.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check_ca.h"
#include "fleet.h"
#include "check_ca_int.h"
#include "digest.h"
#include "log.h"
#include "probe.h"
#include "stats.h"
#include "vcache.h"
#include "vstore.h"
#include "vcache_ca.h"

/* How long a proven (name, address, CA) pair spares the probe (s): a day keeps a CDN's
 * addresses answering at once, and bounds how long a reassigned address stays trusted. */
#define CHECK_CA_PAIR_TTL 86400
/* Probes in flight at once, daemon-wide: each is a TCP connection and a handshake. */
#define CHECK_CA_MAX_PROBES 64
/* Wait before asking a busy notary again (ms): a mirror observes one target at a time per
 * client (doc/mirror-protocol.md 3.5), and a loopback or LAN handshake takes a few ms. */
#define CHECK_CA_OBSERVE_RETRY 20

static void check_ca_step(struct check_ca *ca);

/* The daemon's probe set behind check_probe_ops (when the env brings none). */
static struct probe *
check_ca_probe_start(void *svc, const struct netaddr *addr, uint16_t port, const char *name,
    const struct probe_ca *cas, size_t n_cas, uint32_t timeout_ms, probe_cb cb, void *arg,
    enum probe_result *why)
{
	return probe_start(svc, addr, port, name, cas, n_cas, timeout_ms, cb, arg, why);
}

static struct probe *
check_ca_probe_webpki(void *svc, const struct netaddr *addr, uint16_t port, const char *name,
    struct tls_store *st, uint32_t timeout_ms, probe_cb cb, void *arg, enum probe_result *why)
{
	return probe_start_webpki(svc, addr, port, name, st, timeout_ms, cb, arg, why);
}

static const struct check_probe_ops check_ca_probe_ops = {
	.start = check_ca_probe_start,
	.start_webpki = check_ca_probe_webpki,
	.cancel = probe_cancel,
};

/* Forget probe p (NULL: none). */
static void
check_ca_probe_cancel(struct check_ca *ca, struct probe *p)
{
	if (p != NULL)
		ca->cx->probes->cancel(p);
}


int
check_ca_wanted(const struct check_ca_ctx *cx, const struct dnsq *q,
    const struct consensus_settings *set, const struct cons_answer *local,
    const struct cons_verdict *v)
{
	if (cx == NULL || cx->probes == NULL || set->probe == PROBE_MODE_OFF)
		return 0;
	if (q->qtype != DNS_TYPE_A && q->qtype != DNS_TYPE_AAAA)
		return 0;
	if (local->rclass != RCLASS_DATA || local->n_addrs == 0)
		return 0;
	/* A private address only we were given, or a quorum's NXDOMAIN against data: no
	 * certificate changes that (DESIGN.md section 4). A dissent by data or by a weak
	 * signal (overlap, prefix, CNAME tail) is what the certificate decides. */
	if (!ca_dissents_probeable(v))
		return 0;
	if (set->probe == PROBE_MODE_ON_DISSENT)
		return v->outcome == OUTCOME_DISSENT;
	return v->corroborated + v->dissented > 0;
}

/* Cancel everything still out; nothing calls back afterwards. */
static void
check_ca_stop(struct check_ca *ca)
{
	for (size_t i = 0; i < ca->nm; i++) {
		ca->cx->env.mirrors->cancel(ca->tlsa[i].req);
		ca->tlsa[i].req = NULL;
		ca->cx->env.mirrors->cancel(ca->obs[i].req);
		ca->obs[i].req = NULL;
		if (ca->obs[i].retry)
			event_del(ca->obs[i].retry);
	}
	for (size_t i = 0; ca->caa && i < ca->levels * ca->nm; i++) {
		ca->cx->env.mirrors->cancel(ca->caa[i].req);
		ca->caa[i].req = NULL;
	}
	for (size_t i = 0; i < ca->n_addrs; i++) {
		check_ca_probe_cancel(ca, ca->addrs[i].p);
		ca->addrs[i].p = NULL;
	}
	check_ca_probe_cancel(ca, ca->hs);
	ca->hs = NULL;
	if (ca->kick)
		event_del(ca->kick);
	if (ca->deadline)
		event_del(ca->deadline);
}

static void
check_ca_drop(struct check_ca *ca)
{
	check_ca_stop(ca);
	for (size_t i = 0; i < ca->nm; i++) {
		free(ca->tlsa[i].d);
		if (ca->obs[i].retry)
			event_free(ca->obs[i].retry);
	}
	for (size_t i = 0; ca->caa && i < ca->levels * ca->nm; i++)
		free(ca->caa[i].d);
	free(ca->caa);
	if (ca->kick)
		event_free(ca->kick);
	if (ca->deadline)
		event_free(ca->deadline);
	free(ca);
}

void
check_ca_cancel(struct check_ca *ca)
{
	if (ca)
		check_ca_drop(ca);
}

static void
check_ca_slot_cb(void *arg, enum cons_transport transport, const uint8_t *wire, size_t len)
{
	struct check_ca_slot *s = arg;

	s->req = NULL;
	s->done = 1;
	if ((s->d = malloc(sizeof(*s->d))) != NULL &&
	    (transport != TRANSPORT_OK ||
		digest_answer(s->d, wire, len, s->qname, s->qname_len, s->qtype) != 0))
		digest_failed(s->d, transport == TRANSPORT_OK ? TRANSPORT_ERROR : transport);
	check_ca_step(s->ca);
}

/* Ask mirror m about (qname, qtype) for slot s. */
static void
check_ca_ask(struct check_ca *ca, struct check_ca_slot *s, struct mirror *m,
    const uint8_t *qname, size_t ql, uint16_t qtype, uint32_t timeout_ms)
{
	struct dnsq q = ca->q;

	s->ca = ca;
	memcpy(s->qname, qname, ql);
	s->qname_len = ql;
	s->qtype = qtype;
	memcpy(q.qname, qname, ql);
	q.qname_len = (uint8_t)ql;
	q.qtype = qtype;
	q.qclass = DNS_CLASS_IN;
	if ((s->req = ca->cx->env.mirrors->query(m, &q, timeout_ms, check_ca_slot_cb, s)) == NULL)
		s->done = 1;
}

static uint32_t check_ca_left(const struct check_ca *ca);
static void check_ca_obs_cb(void *arg, enum cons_transport transport, int status,
    const uint8_t *body, size_t len);

static void
check_ca_obs_retry(evutil_socket_t fd, short what, void *arg)
{
	struct check_ca_obs *o = arg;

	(void)fd;
	(void)what;
	if ((o->req = o->ca->cx->env.mirrors->get(o->ca->m[o->mi], o->target, check_ca_left(o->ca),
		 check_ca_obs_cb, o)) == NULL) {
		o->done = 1;
		check_ca_step(o->ca);
	}
}

static void
check_ca_obs_cb(void *arg, enum cons_transport transport, int status, const uint8_t *body,
    size_t len)
{
	struct check_ca_obs *o = arg;
	struct check_ca *ca = o->ca;
	struct ca_chain *ch = &ca->chains[o->mi];
	struct timeval tv = { 0, CHECK_CA_OBSERVE_RETRY * 1000 };
	int n;

	o->req = NULL;
	/* Busy with another of our names: ask again while the budget allows. */
	if (transport == TRANSPORT_OK && status == 429 &&
	    check_ca_left(ca) > 4 * CHECK_CA_OBSERVE_RETRY &&
	    (o->retry || (o->retry = evtimer_new(ca->cx->env.base, check_ca_obs_retry, o))) &&
	    evtimer_add(o->retry, &tv) == 0) {
		log_debug(LOG_G_CONSENSUS, "%s: notary %s busy with another of our names, asking again",
		    ca->name, ca->cx->env.mirrors->name(ca->m[o->mi]));
		return;
	}
	o->done = 1;
	if (transport == TRANSPORT_OK && status == 200 &&
	    (n = ca_observe_parse((const char *)body, len, ch->fps, TLS_MAX_CHAIN)) >= 0) {
		ch->n = (size_t)n;
		ca->view.observed++;
	} else
		log_debug(LOG_G_CONSENSUS, "%s: %s could not observe it (HTTP %d)", ca->name,
		    ca->cx->env.mirrors->name(ca->m[o->mi]), status);
	check_ca_step(ca);
}

/* Ask mirror i to observe the name at the address it was given itself. */
static void
check_ca_observe(struct check_ca *ca, size_t i, const struct cons_answer *ans,
    uint32_t timeout_ms)
{
	char ip[48];
	uint16_t family = ca->q.qtype == DNS_TYPE_A ? 4 : 6;
	const struct cons_addr *a = NULL;

	ca->obs[i].ca = ca;
	ca->obs[i].mi = i;
	ca->obs[i].done = 1;
	for (size_t k = 0; ans && ans->transport == TRANSPORT_OK && k < ans->n_addrs && !a; k++)
		if (ans->addrs[k].family == family)
			a = &ans->addrs[k];
	if (a == NULL)
		return; /* no address of its own: nothing to observe */
	/* The mirror accepts host names of letters, digits, '-', '_' and dots only. */
	for (const char *p = ca->host; *p; p++)
		if (!(((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z') || (*p >= '0' && *p <= '9') ||
			*p == '-' || *p == '_' || *p == '.'))
			return;
	check_ca_addr_str(a, ip, sizeof(ip));
	snprintf(ca->obs[i].target, sizeof(ca->obs[i].target),
	    "/v1/observe?name=%s&ip=%s&port=%lu", ca->host, ip, ca->set.probe_port);
	ca->obs[i].done = 0;
	if ((ca->obs[i].req = ca->cx->env.mirrors->get(ca->m[i], ca->obs[i].target, timeout_ms,
		 check_ca_obs_cb, &ca->obs[i])) == NULL)
		ca->obs[i].done = 1;
}

static void
check_ca_probe_cb(void *arg, const struct probe_outcome *o)
{
	struct check_ca_addr *ad = arg;
	struct check_ca *ca = ad->ca;

	ad->p = NULL;
	ad->done = 1;
	ad->result = o->result;
	snprintf(ad->detail, sizeof(ad->detail), "%s", o->detail ? o->detail : "");
	if (o->result == PROBE_OK && o->matched >= 0 && (size_t)o->matched < ca->cas.n)
		ad->matched = ca->cas.cas[o->matched];
	if ((unsigned)o->result < sizeof(ca->cx->env.st->ca_probes) / sizeof(ca->cx->env.st->ca_probes[0]))
		ca->cx->env.st->ca_probes[o->result]++;
	check_ca_step(ca);
}

/* The CAs are known: probe every address no cached pair vouches for. */
static void
check_ca_start_probes(struct check_ca *ca, uint32_t timeout_ms)
{
	for (size_t i = 0; i < ca->n_addrs; i++) {
		struct check_ca_addr *ad = &ca->addrs[i];
		struct netaddr na;
		char ip[48];
		enum probe_result why = PROBE_UNREACHABLE;
		uint16_t port = (uint16_t)ca->set.probe_port;

		if (ad->cached)
			continue;
		ad->ca = ca;
		ad->started = 1;
		check_ca_addr_str(&ad->a, ip, sizeof(ip));
		if (netaddr_parse(ip, port, &na) != 0 ||
		    (ad->p = ca->cx->probes->start(ca->cx->probes_svc, &na, port, ca->host,
			 ca->cas.cas, ca->cas.n, timeout_ms, check_ca_probe_cb, ad, &why)) == NULL) {
			ad->done = 1;
			ad->result = why;
			snprintf(ad->detail, sizeof(ad->detail), "probe not started");
			ca->cx->env.st->ca_probes[why]++;
		}
	}
}

/* What is left of the budget (ms), never 0: a probe always gets a chance to start. */
static uint32_t
check_ca_left(const struct check_ca *ca)
{
	uint64_t spent = ca->cx->env.clock.now_ms() - ca->start;

	return spent >= ca->budget ? 1 : (uint32_t)(ca->budget - spent);
}

/* The pairs this check's probes proved: kept, and shared with the fleet (fleet.c). */
static void
check_ca_keep_pairs(struct check_ca *ca, struct vcache_ca *vc)
{
	struct fleet_pair fp = { .qname_len = ca->q.qname_len };

	memcpy(fp.qname, ca->q.qname, ca->q.qname_len);
	fp.expire = ca->cx->env.clock.wall_s() + CHECK_CA_PAIR_TTL;
	for (size_t i = 0; i < ca->n_addrs; i++) {
		const struct check_ca_addr *ad = &ca->addrs[i];
		if (ad->cached || !ad->done || ad->result != PROBE_OK)
			continue;
		if (vcache_ca_pair_store(vc, ca->q.qname, ca->q.qname_len, &ad->a, &ad->matched,
			fp.expire) == 0) {
			ca->cx->env.st->ca_pairs_stored++;
			vstore_touch(ca->cx->env.store);
		}
		fp.addr = ad->a;
		fp.ca = ad->matched;
		if (ca->cx->env.fleet)
			fleet_publish_pair(ca->cx->env.fleet, &fp);
	}
}

/* Everything is in (or the budget ran out): judge, remember, call back, free. */
static void
check_ca_finish(struct check_ca *ca)
{
	struct vcache_ca *vc = ca->cx->env.vcache ? vcache_cadata(ca->cx->env.vcache) : NULL;
	const char *regions[CONSENSUS_MAX_MIRRORS];
	char tb[16];

	ca->finished = 1;
	check_ca_stop(ca);
	check_ca_judge(ca);
	if (!ca->from_pairs) {
		check_ca_caa(ca);
		/* A CA taken from one handshake is no mirrors' consensus to keep a history of. */
		if (!ca->view.fresh_only)
			check_ca_history(ca);
	}
	for (size_t i = 0; i < ca->nm; i++)
		regions[i] = ca->regions[i];
	ca_verdict_apply(&ca->v, ca->view.judgement, regions, ca->nm);
	/*
	 * A pair spares every later question the mirrors (check_pairs_decide): store it only
	 * when this verdict is an agreement, or a probe that passed while the quorum or the
	 * region spread failed would become an agreement next time. Never from the stub's own
	 * handshake: that is fresh evidence for this verdict only (view.fresh_only).
	 */
	if (ca->view.judgement == CA_OK && ca->v.outcome == OUTCOME_AGREE && vc &&
	    !ca->from_pairs && !ca->view.fresh_only)
		check_ca_keep_pairs(ca, vc);
	ca->view.elapsed_ms = ca->cx->env.clock.now_ms() - ca->start;
	if (ca->view.judgement == CA_DISSENT)
		log_warnx(LOG_G_CONSENSUS, "%s %s: CA evidence (%s) dissents: %s", ca->name,
		    dnswire_type2str(ca->q.qtype, tb, sizeof(tb)), ca->view.source,
		    ca->view.text + strlen("vantage: "));
	else if (ca->from_pairs)
		log_debug(LOG_G_CONSENSUS, "%s %s: CA evidence: every address has a proven pair",
		    ca->name, dnswire_type2str(ca->q.qtype, tb, sizeof(tb)));
	else
		log_debug(LOG_G_CONSENSUS, "%s %s: CA evidence (%s, %zu CA%s): %s in %llu ms%s",
		    ca->name, dnswire_type2str(ca->q.qtype, tb, sizeof(tb)), ca->view.source,
		    ca->view.n_cas, ca->view.n_cas == 1 ? "" : "s",
		    ca_judgement_name(ca->view.judgement), (unsigned long long)ca->view.elapsed_ms,
		    ca->view.timed_out ? " (probe budget ran out)" : "");
	ca->cb(ca->arg, &ca->v, &ca->view);
	check_ca_drop(ca);
}

static int
check_ca_all_done(const struct check_ca_slot *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!s[i].done)
			return 0;
	return 1;
}

static void
check_ca_hs_cb(void *arg, const struct probe_outcome *o)
{
	struct check_ca *ca = arg;

	ca->hs = NULL;
	ca->hs_done = 1;
	/*
	 * Only a chain that verifies up to the trust store for the name gives CAs, and only
	 * the certificates of that verified path: an attacker on the path to the agreed address
	 * can present any chain, and one of his own CA would otherwise become "the quorum's
	 * CA" his forged local address then chains to.
	 */
	if (o->result == PROBE_OK)
		for (size_t i = 0; i < o->n_path && i < TLS_MAX_CHAIN; i++) {
			struct probe_ca c = { .selector = 0 };
			memcpy(c.sha256, o->path[i], TLS_SHA256_LEN);
			ca_set_add(&ca->hs_cas, &c);
		}
	log_debug(LOG_G_CONSENSUS, "%s: own handshake with the mirrors' address: %s (%s), %zu "
	    "CA%s", ca->name, probe_result_name(o->result), o->detail ? o->detail : "",
	    ca->hs_cas.n, ca->hs_cas.n == 1 ? "" : "s");
	check_ca_step(ca);
}

/* Connect to the address the mirrors agree on; hs_done at once when that cannot start. */
static void
check_ca_handshake(struct check_ca *ca)
{
	struct netaddr na;
	char ip[48];
	uint16_t port = (uint16_t)ca->set.probe_port;

	ca->hs_started = 1;
	check_ca_addr_str(&ca->agreed, ip, sizeof(ip));
	if (ca->cx->trust_store == NULL || netaddr_parse(ip, port, &na) != 0 ||
	    (ca->hs = ca->cx->probes->start_webpki(ca->cx->probes_svc, &na, port, ca->host,
		 ca->cx->trust_store, check_ca_left(ca), check_ca_hs_cb, ca, NULL)) == NULL)
		ca->hs_done = 1;
}

static void
check_ca_find_cas(struct check_ca *ca)
{
	struct cons_answer answers[CONSENSUS_MAX_MIRRORS];
	unsigned required = consensus_required((unsigned)ca->nm, (unsigned)ca->set.quorum);

	for (size_t i = 0; i < ca->nm; i++) {
		memset(&answers[i], 0, sizeof(answers[i]));
		if (ca->tlsa[i].d)
			answers[i] = ca->tlsa[i].d->ans;
		else
			answers[i].transport = TRANSPORT_ERROR;
	}
	ca->view.tlsa = ca_tlsa_agree(answers, ca->nm, required, &ca->cas, NULL);
	if (ca->view.tlsa == CA_TLSA_AGREED) {
		ca->view.source = "tlsa";
		ca->cas_known = 1;
		for (size_t i = 0; i < ca->nm; i++) {
			ca->cx->env.mirrors->cancel(ca->obs[i].req); /* the domain said it: no notary needed */
			ca->obs[i].req = NULL;
			if (ca->obs[i].retry)
				event_del(ca->obs[i].retry);
			ca->obs[i].done = 1;
		}
		return;
	}
	for (size_t i = 0; i < ca->nm; i++)
		if (!ca->obs[i].done)
			return;
	ca_notary_quorum(ca->chains, ca->nm, required, &ca->cas);
	if (ca->cas.n == 0 && ca->have_agreed) {
		if (!ca->hs_started)
			check_ca_handshake(ca);
		if (!ca->hs_done)
			return; /* check_ca_hs_cb steps again */
		/* The CAs of the verified path (not its leaf: a CDN's leaves differ per address). */
		ca->cas = ca->hs_cas;
		ca->view.source = ca->cas.n ? "handshake" : "none";
		ca->view.fresh_only = ca->cas.n > 0;
		ca->cas_known = 1;
		return;
	}
	ca->view.source = ca->cas.n ? "notary" : "none";
	ca->cas_known = 1;
}

static void
check_ca_step(struct check_ca *ca)
{
	if (ca->finished)
		return;
	if (ca->from_pairs) {
		check_ca_finish(ca);
		return;
	}
	if (!ca->cas_known) {
		if (!check_ca_all_done(ca->tlsa, ca->nm))
			return;
		check_ca_find_cas(ca);
		if (!ca->cas_known)
			return;
		if (ca->cas.n == 0) {
			check_ca_finish(ca);
			return;
		}
		check_ca_start_probes(ca, check_ca_left(ca));
	}
	for (size_t i = 0; i < ca->n_addrs; i++)
		if (ca->addrs[i].started && !ca->addrs[i].done)
			return;
	if (ca->caa && !check_ca_all_done(ca->caa, ca->levels * ca->nm))
		return;
	check_ca_finish(ca);
}

static void
check_ca_kick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	check_ca_step(arg);
}

static void
check_ca_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct check_ca *ca = arg;

	(void)fd;
	(void)what;
	ca->view.timed_out = 1;
	check_ca_finish(ca);
}

/* The pair cache: 1 when every local address already proved the name's CA. */
static int
check_ca_pairs(struct check_ca *ca, const struct cons_answer *local)
{
	struct vcache_ca *vc = ca->cx->env.vcache ? vcache_cadata(ca->cx->env.vcache) : NULL;
	uint64_t wall = ca->cx->env.clock.wall_s();
	size_t cached = 0;

	for (size_t i = 0; i < local->n_addrs && ca->n_addrs < CHECK_CA_MAX_ADDRS; i++) {
		struct check_ca_addr *ad = &ca->addrs[ca->n_addrs++];
		ad->ca = ca;
		ad->a = local->addrs[i];
		if (vc && vcache_ca_pair_lookup(vc, ca->q.qname, ca->q.qname_len, &ad->a, wall,
			      &ad->matched)) {
			ad->cached = 1;
			cached++;
		}
	}
	/* Past CHECK_CA_MAX_ADDRS the rest stay unproven: no shortcut then. */
	ca->truncated = local->n_addrs > CHECK_CA_MAX_ADDRS;
	return cached == ca->n_addrs && !ca->truncated;
}

/* Ask for the name's CAA at the name and its parents (RFC 8659 section 3), all at once. */
static void
check_ca_ask_caa(struct check_ca *ca, uint32_t timeout_ms)
{
	const uint8_t *name = ca->q.qname;
	size_t len = ca->q.qname_len, levels = 0;

	/* Only an issuer map lets CAA say anything about a fingerprint: no map, no questions. */
	if ((*ca->cx->env.cfg)->consensus.n_ca_issuers == 0)
		return;
	for (size_t o = 0; o + 1 < len && levels < CA_CAA_LEVELS; o += 1u + name[o])
		levels++;
	if (levels == 0 || (ca->caa = calloc(levels * ca->nm, sizeof(*ca->caa))) == NULL)
		return;
	ca->levels = levels;
	for (size_t l = 0, o = 0; l < levels; l++, o += 1u + name[o])
		for (size_t i = 0; i < ca->nm; i++)
			check_ca_ask(ca, &ca->caa[l * ca->nm + i], ca->m[i], name + o, len - o,
			    DNS_TYPE_CAA, timeout_ms);
}

/* _PORT._tcp.NAME (RFC 6698 section 3) in wire form into out; its length, 0 when too long. */
static size_t
check_ca_tlsa_name(const struct check_ca *ca, uint8_t out[DNS_MAXNAME])
{
	char label[8];
	size_t l;

	snprintf(label, sizeof(label), "_%lu", ca->set.probe_port);
	l = strlen(label);
	if (ca->q.qname_len + l + 6 > DNS_MAXNAME)
		return 0;
	out[0] = (uint8_t)l;
	memcpy(out + 1, label, l);
	memcpy(out + 1 + l, "\004_tcp", 5);
	memcpy(out + 6 + l, ca->q.qname, ca->q.qname_len);
	return l + 6 + ca->q.qname_len;
}

struct check_ca *
check_ca_start(struct check_ca_ctx *cx, const struct check_ca_req *req)
{
	struct check_ca *ca;
	struct timeval now = { 0, 0 }, tv;
	uint8_t tname[DNS_MAXNAME];
	size_t tl, hl;

	if (cx == NULL || req->nm == 0 || (ca = calloc(1, sizeof(*ca))) == NULL)
		return NULL;
	ca->cx = cx;
	ca->q = *req->q;
	ca->set = *req->set;
	ca->v = *req->v;
	ca->cb = req->cb;
	ca->arg = req->arg;
	ca->start = ca->cx->env.clock.now_ms();
	ca->budget = req->budget_ms;
	ca->view.source = "none";
	ca->nm = req->nm < CONSENSUS_MAX_MIRRORS ? req->nm : CONSENSUS_MAX_MIRRORS;
	dnswire_name2str(ca->q.qname, ca->q.qname_len, ca->name, sizeof(ca->name));
	snprintf(ca->host, sizeof(ca->host), "%s", ca->name);
	if ((hl = strlen(ca->host)) > 1 && ca->host[hl - 1] == '.')
		ca->host[hl - 1] = '\0';
	for (size_t i = 0; i < ca->nm; i++) {
		ca->m[i] = req->mirrors[i];
		snprintf(ca->regions[i], sizeof(ca->regions[i]), "%s", ca->cx->env.mirrors->region(ca->m[i]));
	}
	if ((ca->kick = evtimer_new(ca->cx->env.base, check_ca_kick, ca)) == NULL ||
	    (ca->deadline = evtimer_new(ca->cx->env.base, check_ca_timeout, ca)) == NULL)
		goto fail;
	if (check_ca_pairs(ca, req->local)) {
		/* Proven before: the answer goes out now, no mirror or probe asked. */
		ca->view.source = "pair";
		ca->from_pairs = 1;
		ca->cx->env.st->ca_pair_hits++;
		if (evtimer_add(ca->kick, &now) != 0)
			goto fail;
		return ca;
	}
	tv.tv_sec = req->budget_ms / 1000;
	tv.tv_usec = (suseconds_t)(req->budget_ms % 1000) * 1000;
	if (evtimer_add(ca->deadline, &tv) != 0 || evtimer_add(ca->kick, &now) != 0)
		goto fail;
	tl = check_ca_tlsa_name(ca, tname);
	for (size_t i = 0; i < ca->nm; i++) {
		if (tl)
			check_ca_ask(ca, &ca->tlsa[i], ca->m[i], tname, tl, DNS_TYPE_TLSA,
			    req->budget_ms);
		else
			ca->tlsa[i].done = 1;
		check_ca_observe(ca, i, req->answers[i], req->budget_ms);
	}
	check_ca_ask_caa(ca, req->budget_ms);
	ca->have_agreed = ca_agreed_addr(req->answers, ca->nm,
	    consensus_required((unsigned)ca->nm, (unsigned)ca->set.quorum),
	    ca->q.qtype == DNS_TYPE_A ? 4 : 6, &ca->agreed);
	return ca;
fail:
	check_ca_drop(ca);
	return NULL;
}


/* The trust store at path, or NULL (logged): the handshake then gives no CA evidence. */
static struct tls_store *
check_ca_load_store(const char *path)
{
	struct tls_store *st;
	char err[256];

	if ((st = tls_store_load(path, err, sizeof(err))) == NULL) {
		log_warnx(LOG_G_CONSENSUS, "%s: no CA evidence from the stub's own handshakes", err);
		return NULL;
	}
	log_info(LOG_G_CONSENSUS, "trust store %s: %zu CA certificates", path,
	    tls_store_count(st));
	return st;
}

/* Whether any name may be probed (consensus.probe, globally or for a zone). */
static int
check_ca_probes_on(const struct config *cfg)
{
	if (cfg->consensus.probe != PROBE_MODE_OFF)
		return 1;
	for (size_t i = 0; i < cfg->consensus.n_overrides; i++)
		if ((cfg->consensus.overrides[i].set & OVERRIDE_PROBE) &&
		    cfg->consensus.overrides[i].s.probe != PROBE_MODE_OFF)
			return 1;
	return 0;
}

struct check_ca_ctx *
check_ca_new(const struct check_ca_env *env)
{
	struct check_ca_ctx *cx = calloc(1, sizeof(*cx));

	if (cx == NULL)
		return NULL;
	cx->env = *env;
	if (env->probes != NULL) {
		cx->probes = env->probes;
		cx->probes_svc = env->probes_svc;
	} else if ((cx->own = probe_set_new(env->base, CHECK_CA_MAX_PROBES)) != NULL) {
		cx->probes = &check_ca_probe_ops;
		cx->probes_svc = cx->own;
	}
	if (cx->probes == NULL)
		log_warnx(LOG_G_CONSENSUS, "cannot make the TLS probe set: no CA evidence");
	/* Once per (re)load, not per probe: a bundle is ~150 certificates to parse. */
	else if (check_ca_probes_on(*env->cfg))
		cx->trust_store = check_ca_load_store((*env->cfg)->mirrors_trust_store);
	return cx;
}

int
check_ca_reconfigure(struct check_ca_ctx *cx, const struct config *cfg)
{
	struct tls_store *st;

	if (cx == NULL || cx->probes == NULL)
		return 0;
	if (!check_ca_probes_on(cfg)) {
		tls_store_free(cx->trust_store);
		cx->trust_store = NULL;
		return 0;
	}
	if ((st = check_ca_load_store(cfg->mirrors_trust_store)) == NULL)
		return -1;
	/* Probes under way hold their own reference. */
	tls_store_free(cx->trust_store);
	cx->trust_store = st;
	return 0;
}

void
check_ca_free(struct check_ca_ctx *cx)
{
	if (cx == NULL)
		return;
	probe_set_free(cx->own);
	tls_store_free(cx->trust_store);
	free(cx);
}
