/* tests/fuzz/fuzz_dnsquery.c - client query parsing and answer building (lib/dnswire). */
#include "autoconf.h"

#include "dnswire.h"
#include "fuzz.h"

/*
 * The input is one client query as it arrives over UDP or TCP. Whatever
 * dnswire_parse_query says, the daemon answers it the way resolver/query.c does: a
 * stored answer re-served with dnswire_answer (UDP and TCP limits, with and without an
 * EDE), or an error with dnswire_error. Output buffers are heap blocks of the exact size
 * the daemon passes, so ASAN sees any write past them.
 */

/* A long EXTRA-TEXT, as the consensus writes for a refusal. */
static const char ede_text[] =
    "vantage: 3 of 3 mirrors dissent (local 203.0.113.9, 2001:db8::1 and 14 more); "
    "refused by policy on_dissent: refuse";

/* Build a stored answer (no OPT) to question qname/qtype with nrr A records of ttl. */
static size_t
stored_answer(uint8_t *b, size_t cap, const uint8_t *qname, size_t qlen, uint16_t qtype,
    unsigned nrr, uint32_t ttl)
{
	size_t n = 0;
	unsigned i;

	if (DNS_HDRLEN + qlen + 4 + (size_t)nrr * 16 > cap)
		return 0;
	dnswire_put16(b, 0);
	dnswire_put16(b + 2, DNS_FLAG_QR | DNS_FLAG_RD | DNS_FLAG_RA);
	dnswire_put16(b + 4, 1);
	dnswire_put16(b + 6, (uint16_t)nrr);
	dnswire_put16(b + 8, 0);
	dnswire_put16(b + 10, 0);
	n = DNS_HDRLEN;
	memcpy(b + n, qname, qlen);
	n += qlen;
	dnswire_put16(b + n, qtype);
	dnswire_put16(b + n + 2, DNS_CLASS_IN);
	n += 4;
	for (i = 0; i < nrr; i++) {
		dnswire_put16(b + n, 0xc00c);		/* the question's name */
		dnswire_put16(b + n + 2, DNS_TYPE_A);
		dnswire_put16(b + n + 4, DNS_CLASS_IN);
		dnswire_put32(b + n + 6, ttl + i);
		dnswire_put16(b + n + 10, 4);
		b[n + 12] = 192;
		b[n + 13] = 0;
		b[n + 14] = 2;
		b[n + 15] = (uint8_t)i;
		n += 16;
	}
	return n;
}

static void
answer_all(const uint8_t *client, const struct dnsq *q, const uint8_t *stored, size_t slen)
{
	static const struct dnswire_ede ede = { DNS_EDE_FORGED_ANSWER, ede_text };
	static const struct dnswire_ede ede0 = { DNS_EDE_STALE_ANSWER, NULL };
	const size_t caps[] = { DNS_MAXMSG + 512, 512, 64 };
	uint8_t *st = fuzz_dup(stored, slen, 0);
	size_t c, n;

	for (c = 0; c < sizeof(caps) / sizeof(caps[0]); c++) {
		uint8_t *out = malloc(caps[c]);

		if (out == NULL)
			abort();
		for (int tcp = 0; tcp < 2; tcp++) {
			n = dnswire_answer(out, caps[c], st, slen, 7, client, q, tcp, NULL);
			if (n > caps[c])
				abort();
			n = dnswire_answer(out, caps[c], st, slen, 0xffffffffu, client, q, tcp, &ede);
			if (n > caps[c])
				abort();
			/* dnswire.h allows a NULL text (regress/dnsquery/ede-null-text). */
			n = dnswire_answer(out, caps[c], st, slen, 1, client, q, tcp, &ede0);
			if (n > caps[c])
				abort();
		}
		free(out);
	}
	free(st);
}

static void
error_all(const uint8_t *client, const struct dnsq *q, int rcode)
{
	static const struct dnswire_ede ede = { DNS_EDE_PROHIBITED, ede_text };
	const size_t caps[] = { DNS_MAXMSG + 512, 1024, 12 };
	size_t c, n;

	for (c = 0; c < sizeof(caps) / sizeof(caps[0]); c++) {
		uint8_t *out = malloc(caps[c]);

		if (out == NULL)
			abort();
		n = dnswire_error(out, caps[c], client, q, rcode, NULL);
		if (n > caps[c])
			abort();
		n = dnswire_error(out, caps[c], client, q, rcode, &ede);
		if (n > caps[c])
			abort();
		free(out);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* www.example.com. in wire form */
	static const uint8_t fixed_name[] = "\3www\7example\3com";
	uint8_t *stored = malloc(DNS_MAXMSG);
	uint8_t *client = fuzz_dup(data, size, 0);
	struct dnsq q;
	size_t slen;

	if (stored == NULL)
		abort();
	memset(&q, 0xa5, sizeof(q));	/* what the parser leaves unset must not matter */
	switch (dnswire_parse_query(client, size, &q)) {
	case DNSWIRE_OK:
		if (q.qend > size || q.qname_len == 0)
			abort();
		/* The cache's copy: this very question, a few and then many records. */
		slen = stored_answer(stored, DNS_MAXMSG, q.qname, q.qname_len, q.qtype, 2, 300);
		if (slen)
			answer_all(client, &q, stored, slen);
		slen = stored_answer(stored, DNS_MAXMSG, q.qname, q.qname_len, q.qtype, 120, 60);
		if (slen)
			answer_all(client, &q, stored, slen);
		/* A stored answer to another question (a bug elsewhere must not become a crash). */
		slen = stored_answer(stored, DNS_MAXMSG, fixed_name, sizeof(fixed_name), 1, 3, 5);
		answer_all(client, &q, stored, slen);
		error_all(client, &q, DNS_RCODE_SERVFAIL);
		break;
	case DNSWIRE_DROP:
		break;
	case DNSWIRE_FORMERR:
		error_all(client, &q, DNS_RCODE_FORMERR);
		break;
	case DNSWIRE_NOTIMP:
		error_all(client, &q, DNS_RCODE_NOTIMP);
		break;
	case DNSWIRE_BADVERS:
		error_all(client, &q, DNS_RCODE_BADVERS);
		break;
	case DNSWIRE_REFUSED:
	default:
		error_all(client, &q, DNS_RCODE_REFUSED);
		break;
	}
	free(client);
	free(stored);
	return 0;
}
