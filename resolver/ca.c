/*
 * resolver/ca.c - the name's CA, decided from the mirrors' evidence (DESIGN.md section 5):
 * TLSA agreement, notary quorum, probe results, CAA and history. Pure: no I/O, no clock.
 */
#include "autoconf.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "ca.h"
#include "dnswire.h"
#include "tls.h"

/* Seconds per day, for the history's "stable for N days". */
#define CA_DAY 86400

int
ca_set_has(const struct ca_set *s, const struct probe_ca *ca)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->cas[i].selector == ca->selector &&
		    memcmp(s->cas[i].sha256, ca->sha256, TLS_SHA256_LEN) == 0)
			return 1;
	return 0;
}

int
ca_set_add(struct ca_set *s, const struct probe_ca *ca)
{
	if (ca_set_has(s, ca))
		return 0;
	if (s->n == CA_MAX)
		return -1;
	s->cas[s->n++] = *ca;
	return 0;
}

/* A usable answer: it came, and it says something about the name. */
static int
ca_usable(const struct cons_answer *a)
{
	return a->transport == TRANSPORT_OK && a->rclass != RCLASS_OTHER;
}

/* Same RRset, where NODATA and NXDOMAIN are the same "nothing there". */
static int
ca_same(const struct cons_answer *a, const struct cons_answer *b)
{
	if ((a->rclass == RCLASS_DATA) != (b->rclass == RCLASS_DATA))
		return 0;
	return consensus_rrsets_equal(a, b);
}

/* The usable answer that most others share, and how many share it (itself included). */
static int
ca_majority(const struct cons_answer *answers, size_t n, unsigned *count)
{
	int best = -1;

	*count = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned c = 0;
		if (!ca_usable(&answers[i]))
			continue;
		for (size_t j = 0; j < n; j++)
			c += ca_usable(&answers[j]) && ca_same(&answers[i], &answers[j]);
		if (c > *count) {
			*count = c;
			best = (int)i;
		}
	}
	return best;
}

enum ca_tlsa
ca_tlsa_agree(const struct cons_answer *answers, size_t n, unsigned required,
    struct ca_set *out, int *which)
{
	unsigned count;
	int best = ca_majority(answers, n, &count);
	const struct cons_answer *a;

	memset(out, 0, sizeof(*out));
	if (which)
		*which = -1;
	/* A quorum, never "the most": one lying mirror must not move the consensus. */
	if (best < 0 || count < required || required == 0)
		return CA_TLSA_DISPUTED;
	if (which)
		*which = best;
	a = &answers[best];
	if (a->rclass != RCLASS_DATA)
		return CA_TLSA_NONE;
	for (size_t i = 0; i < a->n_rrs; i++) {
		const struct cons_rr *rr = &a->rrs[i];
		struct probe_ca ca;
		/* usage 2 (DANE-TA), selector 0 (Cert) or 1 (SPKI), matching type 1 (SHA-256) */
		if (rr->type != DNS_TYPE_TLSA || rr->len != 3 + TLS_SHA256_LEN ||
		    rr->rdata[0] != 2 || rr->rdata[1] > 1 || rr->rdata[2] != 1)
			continue;
		ca.selector = rr->rdata[1];
		memcpy(ca.sha256, rr->rdata + 3, TLS_SHA256_LEN);
		ca_set_add(out, &ca);
	}
	return out->n ? CA_TLSA_AGREED : CA_TLSA_UNUSABLE;
}

/* Skip JSON white space. */
static size_t
ca_ws(const char *s, size_t len, size_t i)
{
	while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
		i++;
	return i;
}

/* The offset just past the first occurrence of lit at or after i, or len. */
static size_t
ca_find(const char *s, size_t len, size_t i, const char *lit)
{
	size_t l = strlen(lit);

	for (; i + l <= len; i++)
		if (memcmp(s + i, lit, l) == 0)
			return i + l;
	return len;
}

int
ca_observe_parse(const char *body, size_t len, uint8_t (*fps)[TLS_SHA256_LEN], size_t max)
{
	size_t i = ca_find(body, len, 0, "\"chain\"");
	int n = 0;

	i = ca_ws(body, len, i);
	if (i >= len || body[i] != ':')
		return -1;
	i = ca_ws(body, len, i + 1);
	if (i >= len || body[i] != '[')
		return -1;
	i++;
	for (;;) {
		char hex[2 * TLS_SHA256_LEN + 1];
		i = ca_ws(body, len, i);
		if (i < len && body[i] == ']')
			return n;
		if (i < len && body[i] == ',')
			i = ca_ws(body, len, i + 1);
		if (i >= len || body[i] != '{')
			return -1;
		i = ca_ws(body, len, i + 1);
		if (len - i < 8 || memcmp(body + i, "\"sha256\"", 8) != 0)
			return -1;
		i = ca_ws(body, len, i + 8);
		if (i >= len || body[i] != ':')
			return -1;
		i = ca_ws(body, len, i + 1);
		if (len - i < 2 * TLS_SHA256_LEN + 2 || body[i] != '"' ||
		    body[i + 1 + 2 * TLS_SHA256_LEN] != '"')
			return -1;
		memcpy(hex, body + i + 1, 2 * TLS_SHA256_LEN);
		hex[2 * TLS_SHA256_LEN] = '\0';
		if ((size_t)n == max || tls_unhex(hex, fps[n], TLS_SHA256_LEN) != 0)
			return -1;
		n++;
		i = ca_ws(body, len, i + 2 * TLS_SHA256_LEN + 2);
		if (i >= len || body[i] != '}')
			return -1;
		i++;
	}
}

static int
ca_chain_has(const struct ca_chain *c, const uint8_t *fp)
{
	/* Position 0 is the leaf: a CDN's leaves differ, and a leaf is no CA. */
	for (size_t i = 1; i < c->n; i++)
		if (memcmp(c->fps[i], fp, TLS_SHA256_LEN) == 0)
			return 1;
	return 0;
}

size_t
ca_notary_quorum(const struct ca_chain *chains, size_t n, unsigned required, struct ca_set *out)
{
	memset(out, 0, sizeof(*out));
	if (required == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		for (size_t k = 1; k < chains[i].n && k < TLS_MAX_CHAIN; k++) {
			struct probe_ca ca = { .selector = 0 };
			unsigned count = 0;
			memcpy(ca.sha256, chains[i].fps[k], TLS_SHA256_LEN);
			if (ca_set_has(out, &ca))
				continue;
			for (size_t j = 0; j < n; j++)
				count += ca_chain_has(&chains[j], ca.sha256);
			if (count >= required)
				ca_set_add(out, &ca);
		}
	return out->n;
}

static int
ca_answer_has_addr(const struct cons_answer *a, const struct cons_addr *x)
{
	for (size_t i = 0; i < a->n_addrs; i++)
		if (a->addrs[i].family == x->family &&
		    memcmp(a->addrs[i].bytes, x->bytes, x->family == 4 ? 4 : 16) == 0)
			return 1;
	return 0;
}

static int
ca_answer_usable(const struct cons_answer *a)
{
	return a != NULL && a->transport == TRANSPORT_OK && a->rclass == RCLASS_DATA;
}

int
ca_agreed_addr(const struct cons_answer *const *answers, size_t n, unsigned required,
    uint8_t family, struct cons_addr *out)
{
	if (required == 0)
		return 0; /* nobody agrees with nobody */
	for (size_t i = 0; i < n; i++) {
		if (!ca_answer_usable(answers[i]))
			continue;
		for (size_t k = 0; k < answers[i]->n_addrs; k++) {
			const struct cons_addr *x = &answers[i]->addrs[k];
			unsigned count = 0;
			if (x->family != family)
				continue;
			for (size_t j = 0; j < n; j++)
				count += ca_answer_usable(answers[j]) && ca_answer_has_addr(answers[j], x);
			if (count >= required) {
				*out = *x;
				return 1;
			}
		}
	}
	return 0;
}

enum ca_judgement
ca_probe_judge(const enum probe_result *results, size_t n, int *bad)
{
	size_t ok = 0;

	if (bad)
		*bad = -1;
	for (size_t i = 0; i < n; i++)
		switch (results[i]) {
		case PROBE_OK:
			ok++;
			break;
		case PROBE_OTHER_CA:
		case PROBE_BAD_CHAIN:
		case PROBE_BAD_NAME:
			if (bad)
				*bad = (int)i;
			return CA_DISSENT;
		case PROBE_UNREACHABLE:
		case PROBE_BUSY:
			break;
		}
	return n > 0 && ok == n ? CA_OK : CA_UNKNOWN;
}

int
ca_verdict_apply(struct cons_verdict *v, enum ca_judgement j, const char *const *regions,
    size_t n)
{
	unsigned corr = 0, diss = 0, spread = 0;
	int changed = 0;

	if (n > CONSENSUS_MAX_MIRRORS)
		n = CONSENSUS_MAX_MIRRORS;
	if (j == CA_DISSENT) {
		changed = v->outcome != OUTCOME_DISSENT;
		v->outcome = OUTCOME_DISSENT;
		v->rule = RULE_NONE;
		return changed;
	}
	if (j != CA_OK)
		return 0;
	/* A dissent by data or by a weak signal only: the certificate is what decides those. */
	for (size_t i = 0; i < n; i++)
		if (v->evidence[i] == EVIDENCE_DISSENTS &&
		    (v->why[i] == WHY_DATA || v->why[i] == WHY_WEAK)) {
			v->evidence[i] = EVIDENCE_CORROBORATES;
			v->mirror_rule[i] = RULE_CA;
			v->why[i] = WHY_NONE;
			changed = 1;
		}
	for (size_t i = 0; i < n; i++) {
		int seen = 0;
		if (v->evidence[i] == EVIDENCE_DISSENTS)
			diss++;
		if (v->evidence[i] != EVIDENCE_CORROBORATES)
			continue;
		corr++;
		if (regions == NULL || regions[i] == NULL || regions[i][0] == '\0')
			continue;
		for (size_t k = 0; k < i && !seen; k++)
			seen = v->evidence[k] == EVIDENCE_CORROBORATES && regions[k] &&
			    strcmp(regions[k], regions[i]) == 0;
		spread += !seen;
	}
	v->corroborated = corr;
	v->dissented = diss;
	v->regions = spread;
	/* The addresses are proven; a CNAME chain only some mirrors share is not. */
	v->chain_corroborated = consensus_chain_corroborated(v, n);
	/* The quorum rules of consensus_decide, unchanged: CA evidence only adds rule 5. */
	if (corr >= v->required && spread >= (n > 2 ? 2u : 1u)) {
		v->outcome = OUTCOME_AGREE;
		v->regions_short = 0;
		v->consensus_mirror = -1;
		v->rule = RULE_NONE;
		for (size_t i = 0; i < n; i++)
			if (v->evidence[i] == EVIDENCE_CORROBORATES &&
			    consensus_rule_rank(v->mirror_rule[i]) > consensus_rule_rank(v->rule))
				v->rule = v->mirror_rule[i];
	}
	return changed;
}

int
ca_dissents_probeable(const struct cons_verdict *v)
{
	unsigned rcode = 0;

	for (size_t i = 0; i < v->asked && i < CONSENSUS_MAX_MIRRORS; i++) {
		if (v->evidence[i] != EVIDENCE_DISSENTS)
			continue;
		/* A private address only we were given: no certificate changes that (DESIGN.md
		 * section 4). */
		if (v->why[i] == WHY_PRIVATE)
			return 0;
		rcode += v->why[i] == WHY_RCODE;
	}
	/*
	 * NXDOMAIN against data vetoes the probe only when a quorum says so: one lying mirror
	 * within the tolerance must not switch the CA evidence off for a CDN name it would
	 * have proven (the mirror then dissents, the others' CA rule corroborates).
	 */
	return v->required == 0 || rcode < v->required;
}

int
ca_caa_relevant(const struct cons_answer *answers, size_t levels, size_t n, unsigned required)
{
	for (size_t l = 0; l < levels; l++) {
		unsigned count;
		int best = ca_majority(answers + l * n, n, &count);
		if (best < 0 || count < required || required == 0)
			return -2; /* a lie or silence hides what this level holds */
		if (answers[l * n + (size_t)best].rclass == RCLASS_DATA &&
		    answers[l * n + (size_t)best].n_rrs > 0)
			return (int)(l * n + (size_t)best);
	}
	return -1;
}

/* Whether the CAA property value names domain ("ca.example; account=1" names ca.example). */
static int
ca_caa_names(const uint8_t *v, size_t len, const char *domain)
{
	size_t b = 0, e, dl = strlen(domain);

	while (b < len && isspace(v[b]))
		b++;
	e = b;
	while (e < len && v[e] != ';' && !isspace(v[e]))
		e++;
	if (e - b != dl || dl == 0)
		return 0; /* ";" alone names no issuer: nobody may issue */
	for (size_t i = 0; i < dl; i++)
		if (tolower(v[b + i]) != tolower((unsigned char)domain[i]))
			return 0;
	return 1;
}

/* Whether the record rr is a CAA property with tag (case-insensitive). */
static int
ca_caa_tag(const struct cons_rr *rr, const char *tag)
{
	size_t tl = strlen(tag);

	if (rr->type != DNS_TYPE_CAA || rr->len < 2 || rr->rdata[1] != tl ||
	    (size_t)rr->len < 2 + tl)
		return 0;
	for (size_t i = 0; i < tl; i++)
		if (tolower(rr->rdata[2 + i]) != tag[i])
			return 0;
	return 1;
}

enum ca_caa
ca_caa_judge(const struct cons_answer *caa, const struct ca_set *cas,
    const struct ca_issuer *issuers, size_t n_issuers, int wildcard, char *issuer, size_t cap)
{
	const char *tag = "issue", *first = NULL;
	int restricted = 0, critical = 0;

	if (issuer && cap)
		issuer[0] = '\0';
	if (caa == NULL || caa->rclass != RCLASS_DATA)
		return CA_CAA_SILENT;
	/* RFC 8659 4.3: issuewild rules wildcard certificates when present, else issue does. */
	if (wildcard)
		for (size_t i = 0; i < caa->n_rrs; i++)
			if (ca_caa_tag(&caa->rrs[i], "issuewild"))
				tag = "issuewild";
	for (size_t i = 0; i < caa->n_rrs; i++) {
		const struct cons_rr *rr = &caa->rrs[i];
		restricted |= ca_caa_tag(rr, tag);
		/* RFC 8659 section 4.1: a CA must not issue past a critical property it does
		 * not know; for us, one that is neither issue, issuewild nor iodef. */
		if (rr->len >= 2 && (rr->rdata[0] & 0x80) && !ca_caa_tag(rr, "issue") &&
		    !ca_caa_tag(rr, "issuewild") && !ca_caa_tag(rr, "iodef"))
			critical = 1;
	}
	if (critical) {
		restricted = 1;
		tag = "\001"; /* matches no property: nothing is permitted */
	}
	if (!restricted)
		return CA_CAA_SILENT; /* RFC 8659 4.2: no issue property, no restriction */
	for (size_t k = 0; k < n_issuers; k++) {
		int mapped = 0;
		for (size_t j = 0; j < issuers[k].n && !mapped; j++) {
			struct probe_ca ca = { .selector = 0 };
			memcpy(ca.sha256, issuers[k].sha256[j], TLS_SHA256_LEN);
			mapped = ca_set_has(cas, &ca);
		}
		if (!mapped)
			continue;
		if (first == NULL)
			first = issuers[k].domain;
		for (size_t i = 0; i < caa->n_rrs; i++) {
			const struct cons_rr *rr = &caa->rrs[i];
			if (ca_caa_tag(rr, tag) &&
			    ca_caa_names(rr->rdata + 2 + rr->rdata[1], rr->len - 2 - rr->rdata[1],
				issuers[k].domain)) {
				if (issuer && cap)
					snprintf(issuer, cap, "%s", issuers[k].domain);
				return CA_CAA_PERMITS;
			}
		}
	}
	if (first == NULL)
		return CA_CAA_SILENT; /* no consensus CA is mapped to an issuer domain */
	if (issuer && cap)
		snprintf(issuer, cap, "%s", first);
	return CA_CAA_FORBIDS;
}

static int
ca_sets_overlap(const struct ca_set *a, const struct ca_set *b)
{
	for (size_t i = 0; i < a->n; i++)
		if (ca_set_has(b, &a->cas[i]))
			return 1;
	return 0;
}

enum ca_hist
ca_history_judge(struct ca_history *h, int have, const struct ca_set *set, uint64_t now,
    uint64_t stable_s, uint64_t flag_for_s)
{
	uint64_t stable_for;

	if (!have) {
		memset(h, 0, sizeof(*h));
		h->set = *set;
		h->since = h->seen = now;
		return CA_HIST_NEW;
	}
	/*
	 * Sets, not single fingerprints: a site that moves from one intermediate to its
	 * sibling under the same root keeps a fingerprint in common, and that is no change.
	 */
	if (ca_sets_overlap(&h->set, set)) {
		h->set = *set;
		h->seen = now;
		return CA_HIST_SAME;
	}
	stable_for = h->seen > h->since ? h->seen - h->since : 0;
	h->set = *set;
	h->since = h->seen = now;
	if (stable_s == 0 || stable_for < stable_s)
		return CA_HIST_CHANGED;
	h->flag_until = now + flag_for_s;
	h->flag_days = (uint32_t)(stable_for / CA_DAY);
	return flag_for_s ? CA_HIST_FLAG : CA_HIST_CHANGED;
}

int
ca_history_flagged(const struct ca_history *h, uint64_t now)
{
	return h->flag_until > now;
}

const char *
ca_judgement_name(enum ca_judgement j)
{
	static const char *const names[] = { "unknown", "ok", "dissent" };

	return (unsigned)j < sizeof(names) / sizeof(names[0]) ? names[j] : "?";
}

const char *
ca_tlsa_name(enum ca_tlsa t)
{
	static const char *const names[] = { "none", "agreed", "unusable", "disputed" };

	return (unsigned)t < sizeof(names) / sizeof(names[0]) ? names[t] : "?";
}

const char *
ca_caa_name(enum ca_caa c)
{
	static const char *const names[] = { "silent", "permits", "forbids" };

	return (unsigned)c < sizeof(names) / sizeof(names[0]) ? names[c] : "?";
}
