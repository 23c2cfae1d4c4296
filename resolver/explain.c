/* resolver/explain.c - why a name gets its answer: cached and fresh verdicts, with evidence. */
#include "autoconf.h"

#include <ldns/ldns.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "explain.h"
#include "check_ca.h"
#include "log.h"
#include "vutil.h"
#include "policy.h"

/* Records listed per answer: enough for any real RRset, bounded for a hostile one. */
#define EXPLAIN_MAX_RRS 64

/* One explain while it waits for the upstream and the mirrors. */
struct explain {
	struct vantaged *vd;
	explain_cb cb;
	void *arg;
	struct check_wait *cw;
	struct resolve_wait *rw;
	struct dnsq q;
	int checked;
	char reason[160];		/* why the question is not cross-checked */
	int has_cached;
	struct vcache_info cached;
};

static const char *
explain_rcode_name(int rcode, char *buf, size_t cap)
{
	static const char *const names[] = { "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
		"NOTIMP", "REFUSED" };

	if (rcode >= 0 && (size_t)rcode < sizeof(names) / sizeof(names[0]))
		return names[rcode];
	snprintf(buf, cap, "RCODE%d", rcode);
	return buf;
}

/*
 * The answer section as presentation lines. The stored form has no OPT record, so the
 * ldns printer never sees the EDNS option that crashes it (DESIGN.md section 8); records
 * are printed one by one, never the packet.
 */
static void
explain_answer_rrs(struct jw *w, const char *key, const uint8_t *wire, size_t len)
{
	ldns_pkt *pkt = NULL;

	jw_open(w, key, '[');
	if (wire && ldns_wire2pkt(&pkt, wire, len) == LDNS_STATUS_OK) {
		ldns_rr_list *an = ldns_pkt_answer(pkt);
		size_t n = an ? ldns_rr_list_rr_count(an) : 0;

		for (size_t i = 0; i < n && i < EXPLAIN_MAX_RRS; i++) {
			char *s = ldns_rr2str(ldns_rr_list_rr(an, i));
			size_t l;
			if (s == NULL)
				continue;
			l = strlen(s);
			while (l > 0 && (s[l - 1] == '\n' || s[l - 1] == ' '))
				s[--l] = '\0';
			for (char *p = s; *p; p++)
				if (*p == '\t')
					*p = ' ';
			jw_str(w, NULL, s);
			free(s);
		}
	}
	ldns_pkt_free(pkt);
	jw_close(w, ']');
}

static int
explain_wire_rcode(const uint8_t *wire, size_t len)
{
	return wire && len >= DNS_HDRLEN ? dnswire_get16(wire + 2) & 0xf : -1;
}

static const char *
explain_evidence_name(enum cons_evidence e)
{
	return e == EVIDENCE_CORROBORATES ? "corroborates"
	    : e == EVIDENCE_DISSENTS	  ? "dissents"
					  : "failed";
}

static const char *
explain_status_name(enum upstream_status s)
{
	return s == UPSTREAM_OK ? "ok" : s == UPSTREAM_TIMEOUT ? "timeout" : "error";
}

/* The members every explain answer starts with. */
static void
explain_head(struct explain *e, struct jw *w)
{
	char name[DNS_MAXNAME * 4 + 1], tb[16];

	dnswire_name2str(e->q.qname, e->q.qname_len, name, sizeof(name));
	jw_str(w, "name", name);
	jw_str(w, "type", dnswire_type2str(e->q.qtype, tb, sizeof(tb)));
	jw_bool(w, "checked", e->checked);
	if (!e->checked)
		jw_str(w, "reason", e->reason);
}

static void
explain_cached(struct explain *e, struct jw *w)
{
	const struct vcache_info *vi = &e->cached;
	uint64_t now = wall_s();

	if (!e->has_cached) {
		jw_null(w, "cached");
		return;
	}
	jw_open(w, "cached", '{');
	jw_str(w, "outcome", consensus_outcome_name(vi->outcome));
	jw_str(w, "rule", consensus_rule_name(vi->rule));
	jw_u64(w, "corroborated", vi->corroborated);
	jw_u64(w, "dissented", vi->dissented);
	jw_u64(w, "asked", vi->asked);
	jw_str(w, "local", vi->summary);
	jw_u64(w, "expires_in", vi->expire > now ? vi->expire - now : 0);
	jw_close(w, '}');
}

static void
explain_verdict(struct jw *w, const struct check_result *res)
{
	const struct cons_verdict *v = res->verdict;

	jw_open(w, "verdict", '{');
	jw_str(w, "outcome", consensus_outcome_name(v->outcome));
	jw_str(w, "rule", consensus_rule_name(v->rule));
	jw_u64(w, "asked", v->asked);
	jw_u64(w, "corroborated", v->corroborated);
	jw_u64(w, "dissented", v->dissented);
	jw_u64(w, "failed", v->failed);
	jw_u64(w, "required", v->required);
	jw_u64(w, "regions", v->regions);
	jw_bool(w, "regions_short", v->regions_short);
	jw_bool(w, "tls_failures", v->tls_failures);
	jw_bool(w, "chain_corroborated", v->chain_corroborated);
	jw_close(w, '}');
	jw_open(w, "mirrors", '[');
	for (size_t i = 0; i < res->n_mirrors; i++) {
		const struct check_mirror_view *m = &res->mirrors[i];
		jw_open(w, NULL, '{');
		jw_str(w, "name", m->name);
		jw_str(w, "region", m->region);
		jw_str(w, "answer", m->answer);
		/* check.c decides as soon as the outcome cannot change, so a mirror may not have
		 * answered yet: that is not a failure. */
		jw_str(w, "evidence", m->evidence == EVIDENCE_FAILED &&
			strcmp(m->answer, "not waited for") == 0 ? "not waited for"
								 : explain_evidence_name(m->evidence));
		jw_str(w, "rule", m->evidence == EVIDENCE_CORROBORATES ? consensus_rule_name(m->rule)
								    : NULL);
		jw_str(w, "why", m->evidence == EVIDENCE_DISSENTS ? consensus_why_name(m->why) : NULL);
		/* A weak signal (overlap, prefix, cname) says why the CA evidence looked; it
		 * never corroborated anything. */
		jw_str(w, "weak", m->evidence == EVIDENCE_DISSENTS && m->why == WHY_WEAK
			? consensus_rule_name(m->rule) : NULL);
		jw_str(w, "id", m->id);
		jw_close(w, '}');
	}
	jw_close(w, ']');
}

/* The CA evidence (ladder rule 5), when the verdict took it. */
static void
explain_ca(struct jw *w, const struct check_ca_view *ca)
{
	if (ca == NULL) {
		jw_null(w, "ca");
		return;
	}
	jw_open(w, "ca", '{');
	jw_str(w, "source", ca->source);
	jw_str(w, "tlsa", ca_tlsa_name(ca->tlsa));
	jw_u64(w, "observed", ca->observed);
	jw_open(w, "consensus_ca", '[');
	for (size_t i = 0; i < ca->n_cas; i++)
		jw_str(w, NULL, ca->cas[i]);
	jw_close(w, ']');
	jw_open(w, "probes", '[');
	for (size_t i = 0; i < ca->n_probes; i++) {
		jw_open(w, NULL, '{');
		jw_str(w, "address", ca->probes[i].addr);
		jw_str(w, "result", probe_result_name(ca->probes[i].result));
		jw_bool(w, "cached", ca->probes[i].cached);
		jw_str(w, "detail", ca->probes[i].detail);
		jw_close(w, '}');
	}
	jw_close(w, ']');
	jw_str(w, "judgement", ca_judgement_name(ca->judgement));
	jw_str(w, "caa", ca_caa_name(ca->caa));
	jw_str(w, "caa_issuer", ca->caa_issuer[0] ? ca->caa_issuer : NULL);
	jw_bool(w, "timed_out", ca->timed_out);
	jw_u64(w, "elapsed_ms", ca->elapsed_ms);
	jw_close(w, '}');
}

/* The answer is complete: hand it over, then e is gone. */
static void
explain_finish(struct explain *e, const char *err, struct evbuffer *fields)
{
	e->cb(e->arg, err, fields);
	free(e);
}

/* The fresh check is done: the whole story in one answer. */
static void
explain_done(void *arg, const struct check_result *res)
{
	struct explain *e = arg;
	struct evbuffer *fields = evbuffer_new();
	struct jw w;
	char rb[16];

	e->cw = NULL; /* check frees the waiter after we return */
	if (fields == NULL) {
		explain_finish(e, "out of memory", NULL);
		return;
	}
	jw_init(&w, fields);
	explain_head(e, &w);
	explain_cached(e, &w);
	jw_str(&w, "status", explain_status_name(res->status));
	if (res->status == UPSTREAM_OK) {
		jw_str(&w, "rcode", explain_rcode_name(explain_wire_rcode(res->wire, res->len), rb, sizeof(rb)));
		explain_answer_rrs(&w, "answer", res->wire, res->len);
	}
	jw_str(&w, "local", res->local_summary);
	if (res->verdict) {
		explain_verdict(&w, res);
		explain_ca(&w, res->ca);
	} else {
		jw_null(&w, "verdict");
		jw_str(&w, "note", res->status != UPSTREAM_OK
			? "no local answer: clients get SERVFAIL with EDE 22"
			: "no verdict: the local answer was passed on unchecked (an upstream "
			  "SERVFAIL or REFUSED, or monitor mode, which answers before the verdict)");
	}
	jw_str(&w, "action", res->status == UPSTREAM_OK ? policy_action_name(res->decision.action)
						       : "servfail");
	if (res->status == UPSTREAM_OK && res->decision.ede >= 0) {
		jw_int(&w, "ede", res->decision.ede);
		jw_str(&w, "ede_text", res->decision.text);
	} else if (res->status != UPSTREAM_OK) {
		jw_int(&w, "ede", DNS_EDE_NO_REACHABLE_AUTHORITY);
		jw_null(&w, "ede_text");
	} else {
		jw_null(&w, "ede");
		jw_null(&w, "ede_text");
	}
	explain_finish(e, w.err ? "out of memory" : NULL, fields);
	evbuffer_free(fields);
}

/* A question that is not cross-checked: its plain answer, as a client gets it. */
static void
explain_plain(struct explain *e, struct jw *w, const struct resolve_result *res)
{
	char rb[16];

	explain_head(e, w);
	jw_str(w, "status", explain_status_name(res->status));
	if (res->status != UPSTREAM_OK)
		return;
	jw_str(w, "rcode", explain_rcode_name(explain_wire_rcode(res->wire, res->len), rb, sizeof(rb)));
	jw_bool(w, "from_cache", res->from_cache);
	jw_u64(w, "ttl", res->ttl);
	explain_answer_rrs(w, "answer", res->wire, res->len);
}

static void
explain_plain_done(void *arg, const struct resolve_result *res)
{
	struct explain *e = arg;
	struct evbuffer *fields = evbuffer_new();
	struct jw w;

	e->rw = NULL; /* resolve frees the waiter after we return */
	if (fields == NULL) {
		explain_finish(e, "out of memory", NULL);
		return;
	}
	jw_init(&w, fields);
	explain_plain(e, &w, res);
	explain_finish(e, w.err ? "out of memory" : NULL, fields);
	evbuffer_free(fields);
}

/* Why check_applies says no, in words (it answers only yes or no). */
static void
explain_reason(struct explain *e)
{
	const struct config *cfg = e->vd->cfg;
	int typed = 0;

	snprintf(e->reason, sizeof(e->reason), "not cross-checked");
	if (e->vd->mirrors == NULL) {
		snprintf(e->reason, sizeof(e->reason), "no mirrors configured");
		return;
	}
	for (size_t i = 0; i < cfg->consensus.n_check_types; i++)
		typed |= cfg->consensus.check_types[i] == e->q.qtype;
	if (!typed) {
		snprintf(e->reason, sizeof(e->reason),
		    "type not in consensus.check_types: answered as a plain caching forwarder");
		return;
	}
	for (size_t i = 0; i < cfg->consensus.n_bypass; i++) {
		uint8_t zone[DNS_MAXNAME];
		size_t zl = dnswire_name_from_str(cfg->consensus.bypass[i], zone, sizeof(zone));
		if (zl && dnswire_name_is_sub(e->q.qname, e->q.qname_len, zone, zl)) {
			snprintf(e->reason, sizeof(e->reason),
			    "under consensus.bypass %.100s: never sent to mirrors", cfg->consensus.bypass[i]);
			return;
		}
	}
}

int
explain_start(struct vantaged *vd, const char *name, const char *type, struct jw *w,
    explain_cb cb, void *arg, struct explain **out, char *err, size_t errlen)
{
	struct resolve_result hit;
	struct explain *e;
	uint16_t qtype = DNS_TYPE_A;
	size_t len;

	*out = NULL;
	if (type && (qtype = dnswire_str2type(type)) == 0) {
		snprintf(err, errlen, "unknown type: %.40s", type);
		return EXPLAIN_ERROR;
	}
	if ((e = calloc(1, sizeof(*e))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return EXPLAIN_ERROR;
	}
	if ((len = dnswire_name_from_str(name, e->q.qname, sizeof(e->q.qname))) == 0) {
		snprintf(err, errlen, "not a domain name: %.200s", name);
		free(e);
		return EXPLAIN_ERROR;
	}
	e->vd = vd;
	e->cb = cb;
	e->arg = arg;
	e->q.qname_len = (uint8_t)len;
	e->q.qtype = qtype;
	e->q.qclass = DNS_CLASS_IN;
	e->q.flags = DNS_FLAG_RD;
	e->q.edns_size = 512;
	if ((e->checked = check_applies(vd->checks, &e->q))) {
		e->has_cached = vd->vcache && vcache_lookup(vd->vcache, e->q.qname, e->q.qname_len,
						  e->q.qtype, wall_s(), &e->cached);
		if ((e->cw = check_explain(vd->checks, &e->q, explain_done, e)) == NULL)
			goto oom;
		*out = e;
		return EXPLAIN_PENDING;
	}
	explain_reason(e);
	if (resolve_lookup(vd->res, &e->q, &hit)) {
		explain_plain(e, w, &hit);
		free(e);
		return EXPLAIN_DONE;
	}
	if ((e->rw = resolve_start(vd->res, &e->q, explain_plain_done, e)) == NULL)
		goto oom;
	*out = e;
	return EXPLAIN_PENDING;
oom:
	snprintf(err, errlen, "out of memory");
	free(e);
	return EXPLAIN_ERROR;
}

void
explain_cancel(struct explain *e)
{
	if (e == NULL)
		return;
	if (e->cw)
		check_cancel(e->cw);
	if (e->rw)
		resolve_cancel(e->rw);
	free(e);
}
