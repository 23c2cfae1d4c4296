/* tests/fuzz/fuzz_ca.c - the CA evidence from what mirrors send: TLSA and CAA answers (digested
 * with ldns) and /v1/observe bodies, through the pure judgements of resolver/ca.c. */
#include "autoconf.h"

#include <stdio.h>

#include "ca.h"
#include "consensus.h"
#include "digest.h"
#include "fuzz.h"

/*
 * Input: two control bytes, then a DNS answer and a /v1/observe body.
 *   byte 0: bits 0-3 mirrors asked - 1 (1..16), bits 4-5 quorum (1, 2, 3, n), bit 6 a
 *           wildcard leaf, bit 7 the answer stands at the parent level instead of the name
 *   byte 1: where the rest splits into the answer (before) and the body (after), in 256ths
 * The answer is digested as a TLSA answer for _443._tcp.www.example.com and as a CAA answer
 * for www.example.com, as resolver/check_ca.c does with the mirrors' answers; mirrors give
 * it, a failure or NODATA in turn. The body is parsed as an observation and fed to the
 * notary quorum, several times over, with the chains of a CDN: a shared issuer, other leaves.
 * Every result must stay within its bounds.
 */

static const uint8_t tlsa_name[] = "\4_443\4_tcp\3www\7example\3com";
static const uint8_t caa_name[] = "\3www\7example\3com";
static const uint8_t caa_parent[] = "\7example\3com";

/* NODATA for name/type: header, question, nothing else. */
static size_t
nodata(uint8_t *b, const uint8_t *name, size_t nlen, uint16_t type)
{
	static const uint8_t hdr[] = { 0, 0, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0 };
	size_t n = sizeof(hdr);

	memcpy(b, hdr, sizeof(hdr));
	memcpy(b + n, name, nlen);
	n += nlen;
	b[n++] = (uint8_t)(type >> 8), b[n++] = (uint8_t)type, b[n++] = 0, b[n++] = 1;
	return n;
}

static void
fuzz_answers(const uint8_t *wire, size_t len, uint8_t c0)
{
	size_t n = (size_t)(c0 & 15) + 1, levels = (c0 & 0x80) ? 2 : 1;
	unsigned quorums[4] = { 1, 2, 3, (unsigned)n }, required = quorums[(c0 >> 4) & 3];
	struct digest *dt = malloc(sizeof(*dt)), *dc = malloc(sizeof(*dc));
	struct digest *fail = malloc(sizeof(*fail)), *none = malloc(sizeof(*none));
	struct cons_answer *tl = calloc(n, sizeof(*tl)), *caa = calloc(levels * n, sizeof(*caa));
	static const uint8_t le[TLS_SHA256_LEN] = { 0x4c, 0x45 };
	const uint8_t (*le_fps)[TLS_SHA256_LEN] = &le;
	struct ca_issuer iss = { "letsencrypt.org", le_fps, 1 };
	struct ca_set set = { 0 }, cas = { 0 };
	uint8_t nd[512];
	char issuer[256];
	int which, rel;

	if (dt == NULL || dc == NULL || fail == NULL || none == NULL || tl == NULL || caa == NULL)
		abort();
	/* Garbage is legal input to the digest: it says TRANSPORT_ERROR then. */
	digest_answer(dt, wire, len, tlsa_name, sizeof(tlsa_name), 52);
	digest_answer(dc, wire, len, (c0 & 0x80) ? caa_parent : caa_name,
	    (c0 & 0x80) ? sizeof(caa_parent) : sizeof(caa_name), 257);
	digest_failed(fail, TRANSPORT_TIMEOUT);
	if (digest_answer(none, nd, nodata(nd, caa_name, sizeof(caa_name), 257), caa_name,
	    sizeof(caa_name), 257) != 0)
		abort();	/* the NODATA reference is well formed */
	for (size_t i = 0; i < n; i++) {
		tl[i] = (i % 3 == 2 ? fail : dt)->ans;
		for (size_t l = 0; l < levels; l++)
			caa[l * n + i] = (l + 1 == levels && i % 3 != 1 ? dc : i % 3 == 2 ? fail
			    : none)->ans;
	}
	switch (ca_tlsa_agree(tl, n, required, &set, &which)) {
	case CA_TLSA_AGREED:
		if (set.n == 0 || set.n > CA_MAX || which < 0 || (size_t)which >= n)
			abort();
		break;
	default:
		if (which >= (int)n)
			abort();
		break;
	}
	(void)ca_tlsa_name(CA_TLSA_AGREED);
	rel = ca_caa_relevant(caa, levels, n, required);
	if (rel >= (int)(levels * n) || rel < -2)
		abort();
	cas.cas[0].selector = 0;
	memcpy(cas.cas[0].sha256, le, sizeof(le));
	cas.n = 1;
	if (rel >= 0) {
		enum ca_caa j = ca_caa_judge(&caa[rel], &cas, &iss, 1, (c0 >> 6) & 1, issuer,
		    sizeof(issuer));

		if (j == CA_CAA_FORBIDS && strlen(issuer) >= sizeof(issuer))
			abort();
		(void)ca_caa_name(j);
	}
	free(caa);
	free(tl);
	free(none);
	free(fail);
	free(dc);
	free(dt);
}

static void
fuzz_observe(const uint8_t *body, size_t len, uint8_t c0)
{
	struct ca_chain *chains = calloc(4, sizeof(*chains));
	struct ca_set out = { 0 };
	int got;

	if (chains == NULL)
		abort();
	got = ca_observe_parse((const char *)body, len, chains[0].fps, TLS_MAX_CHAIN);
	if (got > TLS_MAX_CHAIN || got < -1)
		abort();
	chains[0].n = got < 0 ? 0 : (size_t)got;
	/* Three more mirrors saw the same issuer under leaves of their own. */
	for (size_t i = 1; i < 4; i++) {
		chains[i] = chains[0];
		if (chains[i].n > 0)
			chains[i].fps[0][0] ^= (uint8_t)i;
	}
	if (ca_notary_quorum(chains, 4, (unsigned)(c0 & 3) + 1, &out) > CA_MAX || out.n > CA_MAX)
		abort();
	free(chains);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	uint8_t c0 = fuzz_u8(&in), c1 = fuzz_u8(&in);
	size_t split = (size_t)c1 * in.n / 256;
	uint8_t *wire = fuzz_dup(in.p, split, 0);
	uint8_t *body = fuzz_dup(in.p + split, in.n - split, 1);

	fuzz_answers(wire, split, c0);
	fuzz_observe(body, in.n - split, c0);
	free(body);
	free(wire);
	return 0;
}
