/*
 * resolver/check_ca_judge.c - what the CA evidence says: the probes, CAA and the history
 * judged into the view (resolver/ca.c decides, this file feeds it), the cached pairs that
 * answer at once, the history's flag on a served answer, and the view as JSON.
 */
#include "autoconf.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_ca.h"
#include "check_ca_int.h"
#include "digest.h"
#include "fleet.h"
#include "json.h"
#include "log.h"
#include "stats.h"
#include "vcache.h"
#include "vcache_ca.h"
#include "vstore.h"

void
check_ca_addr_str(const struct cons_addr *a, char *buf, size_t cap)
{
	if (inet_ntop(a->family == 4 ? AF_INET : AF_INET6, a->bytes, buf, (socklen_t)cap) == NULL)
		snprintf(buf, cap, "?");
}

/* Fill the view's fingerprints, probes and judgement from what came in. */
void
check_ca_judge(struct check_ca *ca)
{
	struct check_ca_view *vw = &ca->view;
	enum probe_result results[CHECK_CA_MAX_ADDRS];
	int bad = -1;

	vw->n_cas = ca->cas.n;
	for (size_t i = 0; i < ca->cas.n; i++)
		tls_hex(ca->cas.cas[i].sha256, TLS_SHA256_LEN, vw->cas[i]);
	vw->n_probes = ca->n_addrs;
	for (size_t i = 0; i < ca->n_addrs; i++) {
		struct check_ca_addr *ad = &ca->addrs[i];
		struct check_ca_probe *p = &vw->probes[i];
		check_ca_addr_str(&ad->a, p->addr, sizeof(p->addr));
		p->cached = ad->cached;
		p->result = ad->cached ? PROBE_OK : ad->done ? ad->result : PROBE_UNREACHABLE;
		snprintf(p->detail, sizeof(p->detail), "%s",
		    ad->cached ? "pair cached" : ad->done ? ad->detail : "no answer in time");
		results[i] = p->result;
	}
	vw->judgement = ca->cas.n || ca->from_pairs ? ca_probe_judge(results,
	    ca->n_addrs, &bad) : CA_UNKNOWN;
	/* Addresses past the probed ones are unproven: they may still make a dissent of it,
	 * never an agreement. */
	if (vw->judgement == CA_OK && ca->truncated)
		vw->judgement = CA_UNKNOWN;
	if (vw->judgement == CA_DISSENT) {
		const struct check_ca_probe *p = &vw->probes[bad];
		switch (p->result) {
		case PROBE_BAD_NAME:
			snprintf(vw->text, sizeof(vw->text),
			    "vantage: local %s presents a certificate not valid for %.100s", p->addr,
			    ca->host);
			break;
		case PROBE_BAD_CHAIN:
			snprintf(vw->text, sizeof(vw->text),
			    "vantage: local %s presents a chain that does not verify up to the mirrors' CA",
			    p->addr);
			break;
		default:
			snprintf(vw->text, sizeof(vw->text),
			    "vantage: local %s presents a certificate from a CA the mirrors do not see for %.60s",
			    p->addr, ca->host);
			break;
		}
	}
}

/* CAA: the relevant RRset among the mirrors' answers, judged against the consensus CAs. */
void
check_ca_caa(struct check_ca *ca)
{
	const struct config *cfg = *ca->cx->env.cfg;
	struct cons_answer *answers;
	struct ca_issuer iss[64];
	size_t n_iss = 0;
	int rel;

	ca->view.caa = CA_CAA_SILENT;
	if (ca->caa == NULL || ca->cas.n == 0)
		return;
	if ((answers = calloc(ca->levels * ca->nm, sizeof(*answers))) == NULL)
		return;
	for (size_t i = 0; i < ca->levels * ca->nm; i++) {
		if (ca->caa[i].done && ca->caa[i].d)
			answers[i] = ca->caa[i].d->ans;
		else
			answers[i].transport = TRANSPORT_TIMEOUT;
	}
	for (size_t i = 0; i < cfg->consensus.n_ca_issuers && n_iss < 64; i++) {
		iss[n_iss].domain = cfg->consensus.ca_issuers[i].domain;
		iss[n_iss].sha256 = (const uint8_t(*)[TLS_SHA256_LEN])cfg->consensus.ca_issuers[i].sha256;
		iss[n_iss++].n = cfg->consensus.ca_issuers[i].n;
	}
	rel = ca_caa_relevant(answers, ca->levels, ca->nm,
	    consensus_required((unsigned)ca->nm, (unsigned)ca->set.quorum));
	if (rel >= 0)
		/* The leaf's names are not known here (the probe reports fingerprints), so
		 * issuewild is never chosen: issue rules. */
		ca->view.caa = ca_caa_judge(&answers[rel], &ca->cas, iss, n_iss, 0,
		    ca->view.caa_issuer, sizeof(ca->view.caa_issuer));
	if (ca->view.caa == CA_CAA_FORBIDS) {
		ca->view.judgement = CA_DISSENT;
		snprintf(ca->view.text, sizeof(ca->view.text),
		    "vantage: CAA of %.80s forbids %.60s, the issuer the mirrors see", ca->host,
		    ca->view.caa_issuer);
	} else
		log_debug(LOG_G_CONSENSUS, "%s: CAA %s%s%s", ca->name,
		    rel == -2 ? "disputed among the mirrors: says nothing"
		    : rel == -1 ? "absent: says nothing"
				: ca_caa_name(ca->view.caa),
		    ca->view.caa_issuer[0] ? " " : "", ca->view.caa_issuer);
	free(answers);
}

/* The fleet (fleet.c) learns the history as this instance's mirrors left it. */
static void
check_ca_share_history(const struct check_ca *ca, const struct ca_history *h)
{
	struct fleet_history fh = { .qname_len = ca->q.qname_len, .h = *h };

	if (ca->cx->env.fleet == NULL)
		return;
	memcpy(fh.qname, ca->q.qname, ca->q.qname_len);
	fleet_publish_history(ca->cx->env.fleet, &fh);
}

/* History: the mirrors agreed on a CA; remember it, and notice a sudden change. */
void
check_ca_history(struct check_ca *ca)
{
	const struct config *cfg = *ca->cx->env.cfg;
	struct vcache_ca *vc = ca->cx->env.vcache ? vcache_cadata(ca->cx->env.vcache) : NULL;
	struct ca_history h;
	int have;

	if (vc == NULL || ca->cas.n == 0)
		return;
	have = vcache_ca_history_get(vc, ca->q.qname, ca->q.qname_len, &h);
	ca->view.hist = ca_history_judge(&h, have, &ca->cas, ca->cx->env.clock.wall_s(),
	    cfg->consensus.ca_history_stable_ms / 1000, cfg->consensus.ca_history_flag_for_ms / 1000);
	if (vcache_ca_history_put(vc, ca->q.qname, ca->q.qname_len, &h) == 0)
		vstore_touch(ca->cx->env.store);
	check_ca_share_history(ca, &h);
	if (ca->view.hist == CA_HIST_FLAG) {
		ca->cx->env.st->ca_changes_flagged++;
		log_warnx(LOG_G_CONSENSUS, "%s: the mirrors' CA changed after %u days (now %s)",
		    ca->name, h.flag_days, ca->view.cas[0]);
	}
}

int
check_ca_pairs_cover(struct check_ca_ctx *cx, const struct dnsq *q,
    const struct consensus_settings *set, const struct cons_answer *local, size_t nm,
    struct cons_verdict *v, struct check_ca_view *view)
{
	struct vcache_ca *vc = cx != NULL && cx->env.vcache ? vcache_cadata(cx->env.vcache) : NULL;
	uint64_t wall;

	if (vc == NULL || set->probe == PROBE_MODE_OFF || cx->probes == NULL ||
	    (q->qtype != DNS_TYPE_A && q->qtype != DNS_TYPE_AAAA) ||
	    local->rclass != RCLASS_DATA || local->n_addrs == 0 ||
	    local->n_addrs > CHECK_CA_MAX_ADDRS)
		return 0;
	wall = cx->env.clock.wall_s();
	memset(view, 0, sizeof(*view));
	for (size_t i = 0; i < local->n_addrs; i++) {
		if (!vcache_ca_pair_lookup(vc, q->qname, q->qname_len, &local->addrs[i], wall, NULL))
			return 0;
		check_ca_addr_str(&local->addrs[i], view->probes[i].addr, sizeof(view->probes[i].addr));
		view->probes[i].result = PROBE_OK;
		view->probes[i].cached = 1;
		snprintf(view->probes[i].detail, sizeof(view->probes[i].detail), "pair cached");
	}
	view->n_probes = local->n_addrs;
	view->source = "pair";
	view->judgement = CA_OK;
	memset(v, 0, sizeof(*v));
	v->outcome = OUTCOME_AGREE;
	v->rule = RULE_CA;
	v->asked = (unsigned)(nm < CONSENSUS_MAX_MIRRORS ? nm : CONSENSUS_MAX_MIRRORS);
	v->required = consensus_required(v->asked, (unsigned)set->quorum);
	v->consensus_mirror = -1;
	for (size_t i = 0; i < v->asked; i++)
		v->evidence[i] = EVIDENCE_FAILED; /* not waited for */
	cx->env.st->ca_pair_hits++;
	if (log_enabled(LOG_G_CONSENSUS, LOG_L_DEBUG)) {
		char name[DNS_MAXNAME * 4 + 1], tb[16];
		dnswire_name2str(q->qname, q->qname_len, name, sizeof(name));
		log_debug(LOG_G_CONSENSUS, "%s %s: every address has a proven pair: answered "
		    "without the mirrors", name, dnswire_type2str(q->qtype, tb, sizeof(tb)));
	}
	return 1;
}

int
check_ca_flag(struct check_ca_ctx *cx, const struct dnsq *q, struct policy_decision *d)
{
	struct vcache_ca *vc = cx != NULL && cx->env.vcache ? vcache_cadata(cx->env.vcache) : NULL;
	struct ca_history h;
	char name[DNS_MAXNAME * 4 + 1];
	size_t l;

	if (vc == NULL || d->action != ACTION_SERVE ||
	    (q->qtype != DNS_TYPE_A && q->qtype != DNS_TYPE_AAAA) ||
	    !vcache_ca_history_get(vc, q->qname, q->qname_len, &h) ||
	    !ca_history_flagged(&h, cx->env.clock.wall_s()))
		return 0;
	dnswire_name2str(q->qname, q->qname_len, name, sizeof(name));
	if ((l = strlen(name)) > 1 && name[l - 1] == '.')
		name[l - 1] = '\0';
	d->action = ACTION_SERVE_FLAG;
	d->ede = DNS_EDE_OTHER;
	snprintf(d->text, sizeof(d->text), "vantage: CA of %s changed after %u days", name,
	    h.flag_days);
	return 1;
}

size_t
check_ca_json(const struct check_ca_view *vw, char *out, size_t cap)
{
	char text[420];
	size_t o;

	json_escape(text, sizeof(text), vw->text);
	o = (size_t)snprintf(out, cap,
	    ",\"ca\":{\"source\":\"%s\",\"judgement\":\"%s\",\"caa\":\"%s\",\"text\":\"%s\","
	    "\"cas\":[", vw->source, ca_judgement_name(vw->judgement), ca_caa_name(vw->caa), text);
	for (size_t i = 0; i < vw->n_cas && o < cap; i++)
		o += (size_t)snprintf(out + o, cap - o, "%s\"%s\"", i ? "," : "", vw->cas[i]);
	if (o < cap)
		o += (size_t)snprintf(out + o, cap - o, "],\"probes\":[");
	for (size_t i = 0; i < vw->n_probes && o < cap; i++)
		o += (size_t)snprintf(out + o, cap - o,
		    "%s{\"address\":\"%s\",\"result\":\"%s\",\"cached\":%s}", i ? "," : "",
		    vw->probes[i].addr, probe_result_name(vw->probes[i].result),
		    vw->probes[i].cached ? "true" : "false");
	if (o < cap)
		o += (size_t)snprintf(out + o, cap - o, "]}");
	return o < cap ? o : 0;
}
