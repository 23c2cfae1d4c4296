/* tests/fuzz/fuzz_consensus.c - digest (ldns) of fuzzed answers, then the consensus verdict. */
#include "autoconf.h"

#include <stdio.h>

#include "consensus.h"
#include "digest.h"
#include "fuzz.h"

/*
 * Input: three control bytes, then one or two DNS answers.
 *   byte 0: bits 0-2 the question type, bits 3-4 address_match, bit 5 allow_private,
 *           bits 6-7 quorum (auto, 1, 2, 5)
 *   byte 1: bits 0-3 mirrors asked - 1, bits 4-7 the mix of answers they give
 *   byte 2: 0 = one answer (the rest); otherwise where the rest splits into answers A and B
 * The question is always www.example.com. The answers are digested as resolver/check.c
 * does for the local resolver and the mirrors; then consensus_decide runs with A, B and
 * an honest reference answer each as the local answer, against mirrors giving A, B, the
 * reference or a transport failure. The verdict's counts must add up.
 */

static const uint8_t qname[] = "\3www\7example\3com";
static const uint16_t qtypes[8] = { 1, 28, 5, 15, 52, 65, 257, 16 };
static const unsigned quorums[4] = { 0, 1, 2, 5 };
static const char *const regions[] = { "eu", "us", "ap", "", "eu", NULL };

/*
 * An honest answer to www.example.com: two A records for A, two AAAA records for AAAA,
 * NODATA for the other types. TTL 300.
 */
static size_t
reference(uint8_t *b, uint16_t qtype)
{
	static const uint8_t hdr[] = { 0, 0, 0x81, 0x80, 0, 1, 0, 2, 0, 0, 0, 0 };
	int v6 = qtype == 28, data = qtype == 1 || qtype == 28;
	size_t n, i;

	memcpy(b, hdr, sizeof(hdr));
	if (!data)
		b[7] = 0;
	n = sizeof(hdr);
	memcpy(b + n, qname, sizeof(qname));
	n += sizeof(qname);
	b[n++] = (uint8_t)(qtype >> 8), b[n++] = (uint8_t)qtype, b[n++] = 0, b[n++] = 1;
	for (i = 0; data && i < 2; i++) {
		b[n++] = 0xc0, b[n++] = 12;
		b[n++] = 0, b[n++] = v6 ? 28 : 1, b[n++] = 0, b[n++] = 1;
		b[n++] = 0, b[n++] = 0, b[n++] = 1, b[n++] = 44;
		b[n++] = 0, b[n++] = v6 ? 16 : 4;
		if (v6) {
			memset(b + n, 0, 16);
			b[n] = 0x24, b[n + 1] = 0x00, b[n + 2] = 0xcb, b[n + 15] = (uint8_t)(1 + i);
			n += 16;
		} else {
			b[n++] = 93, b[n++] = 184, b[n++] = 216, b[n++] = (uint8_t)(34 + i);
		}
	}
	return n;
}

static void
check_verdict(const struct cons_verdict *v, const struct cons_mirror *ms, size_t n)
{
	if (v->asked != n || v->corroborated + v->dissented + v->failed != v->asked)
		abort();
	if (v->required < 1 || (n > 0 && v->required > n))
		abort();
	if (v->outcome == OUTCOME_AGREE && (v->corroborated < v->required || v->rule == RULE_NONE))
		abort();
	if (v->outcome == OUTCOME_DISSENT && v->dissented == 0)
		abort();
	if (v->consensus_mirror >= (int)n || v->consensus_mirror < -1)
		abort();
	if (v->consensus_mirror >= 0 && (v->outcome != OUTCOME_DISSENT ||
	    ms[v->consensus_mirror].ans.transport != TRANSPORT_OK))
		abort();
	(void)consensus_rule_name(v->rule);
	(void)consensus_outcome_name(v->outcome);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	uint8_t c0 = fuzz_u8(&in), c1 = fuzz_u8(&in), c2 = fuzz_u8(&in);
	uint16_t qtype = qtypes[c0 & 7];
	struct cons_policy pol = {
		.quorum = quorums[c0 >> 6],
		.match = (enum cons_match)((c0 >> 3) & 3),
		.allow_private = (c0 >> 5) & 1,
		.prefix4 = 24,
		.prefix6 = 48,
		.settled = c2 & 1,	/* a timeout pending or failed */
	};
	size_t n = (size_t)(c1 & 15) + 1, split = c2 ? (size_t)c2 * in.n / 256 : in.n;
	uint8_t *wa = fuzz_dup(in.p, split, 0);
	uint8_t *wb = c2 ? fuzz_dup(in.p + split, in.n - split, 0) : wa;
	size_t la = split, lb = c2 ? in.n - split : in.n;
	uint8_t refwire[512];
	size_t lref = reference(refwire, qtype);
	struct digest *da = malloc(sizeof(*da)), *db = malloc(sizeof(*db)), *dr = malloc(sizeof(*dr));
	struct digest *fail = malloc(sizeof(*fail));
	struct cons_mirror ms[CONSENSUS_MAX_MIRRORS];
	struct cons_verdict v;
	const struct digest *locals[3];
	char sum[256];
	size_t i;

	if (da == NULL || db == NULL || dr == NULL || fail == NULL)
		abort();
	/* Garbage is legal input to the digest: it says TRANSPORT_ERROR then. */
	digest_answer(da, wa, la, qname, sizeof(qname), qtype);
	digest_answer(db, wb, lb, qname, sizeof(qname), qtype);
	if (digest_answer(dr, refwire, lref, qname, sizeof(qname), qtype) != 0)
		abort();	/* the reference answer is well formed */
	digest_failed(fail, (c1 & 0x80) ? TRANSPORT_TLS : TRANSPORT_TIMEOUT);
	digest_summary(da, sum, sizeof(sum));
	digest_summary(db, sum, 8);	/* a short buffer, as a log line may give */
	if (da->ans.n_rrs > DIGEST_MAX_RRS || da->ans.n_addrs > CONSENSUS_MAX_ADDRS ||
	    da->used > DIGEST_BUF || da->ans.cname_tail_len > sizeof(da->ans.cname_tail))
		abort();

	for (i = 0; i < n; i++) {
		/* The mix: a rotating pattern picked by the high bits of byte 1. */
		unsigned kind = ((unsigned)(c1 >> 4) + (unsigned)i * ((c1 >> 4) | 1)) % 4;
		const struct digest *d = kind == 0 ? da : kind == 1 ? db : kind == 2 ? dr : fail;

		ms[i].region = regions[i % (sizeof(regions) / sizeof(regions[0]))];
		ms[i].ans = d->ans;
	}
	locals[0] = da;
	locals[1] = db;
	locals[2] = dr;
	for (i = 0; i < 3; i++) {
		consensus_decide(&locals[i]->ans, ms, n, &pol, &v);
		check_verdict(&v, ms, n);
	}
	/* The ladder both ways round, as the majority search uses it. */
	for (i = 0; i < n; i++) {
		enum cons_rule r;
		enum cons_why w;
		(void)consensus_compare(&ms[i].ans, &da->ans, &pol, &r, &w);
	}
	free(fail);
	free(dr);
	free(db);
	if (wb != wa)
		free(wb);
	free(wa);
	free(da);
	return 0;
}
