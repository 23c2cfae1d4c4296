/* tests/fuzz/fuzz_answer.c - the served message: digest an upstream answer, build, re-serve. */
#include "autoconf.h"

#include "answer.h"
#include "digest.h"
#include "dnswire.h"
#include "fuzz.h"

/*
 * Input: one control byte, then an upstream's answer to www.example.com.
 *   bits 0-2: the question type; bit 3: flatten the chain; bits 4-7: the age (x 37 s)
 * The answer is digested as resolver/check.c does, and answer_build makes the served
 * message. What it builds must be a valid message (dnswire_parse_response) to the same
 * question, with nothing in additional, no answer records unless the digest had data, and,
 * digested again, the very same final set and chain (none when flattened): the builder
 * serves exactly what was digested. It is then served to a client as query.c does.
 */

static const uint8_t qname[] = "\3www\7example\3com";
static const uint16_t qtypes[8] = { 1, 28, 5, 15, 52, 65, 257, 16 };

/* Large: off the stack. */
static struct digest d, again;
static uint8_t out[DNS_MAXMSG], served[DNS_MAXMSG + 512];

static void
check_same(const struct digest *a, const struct digest *b, int flatten)
{
	if (b->ans.transport != TRANSPORT_OK || b->ans.rclass != a->ans.rclass ||
	    b->ans.n_rrs != a->ans.n_rrs || b->ans.n_addrs != a->ans.n_addrs)
		abort();
	for (size_t i = 0; i < a->ans.n_rrs; i++)
		if (a->ans.rrs[i].type != b->ans.rrs[i].type || a->ans.rrs[i].len != b->ans.rrs[i].len ||
		    memcmp(a->ans.rrs[i].rdata, b->ans.rrs[i].rdata, a->ans.rrs[i].len) != 0)
			abort();
	if (flatten ? b->ans.n_chain != 0
		    : (b->ans.chain_len != a->ans.chain_len ||
			  memcmp(b->ans.chain, a->ans.chain, a->ans.chain_len) != 0))
		abort();
}

static void
serve(const uint8_t *msg, size_t n, const struct dnsq *q)
{
	uint8_t client[DNS_HDRLEN + DNS_MAXNAME + 4 + 11];
	struct dnsq cq;
	size_t clen = dnswire_build_query(client, sizeof(client), q, 0x4242, 1232);

	if (clen == 0 || dnswire_parse_query(client, clen, &cq) != DNSWIRE_OK)
		return;
	for (int tcp = 0; tcp < 2; tcp++)
		if (dnswire_answer(served, sizeof(served), msg, n, 3, client, &cq, tcp, NULL) == 0)
			abort(); /* a built message must always be servable */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *wire;
	uint16_t qtype;
	uint32_t age;
	int flatten;
	struct dnsq rq;
	struct dnsresp info;
	size_t n;

	if (size < 1)
		return 0;
	qtype = qtypes[data[0] & 7];
	flatten = (data[0] >> 3) & 1;
	age = (uint32_t)(data[0] >> 4) * 37;
	wire = fuzz_dup(data + 1, size - 1, 0);
	if (digest_answer(&d, wire, size - 1, qname, sizeof(qname), qtype) != 0) {
		if (answer_build(out, sizeof(out), &d, flatten, age) != 0)
			abort(); /* nothing digested, nothing built */
		free(wire);
		return 0;
	}
	n = answer_build(out, sizeof(out), &d, flatten, age);
	if (n == 0 || dnswire_parse_response(out, n, &rq, &info) != 0 ||
	    rq.qtype != qtype || rq.qname_len != sizeof(qname) ||
	    memcmp(rq.qname, qname, sizeof(qname)) != 0 || info.arcount != 0 || info.tc ||
	    (out[2] & 0x04) || (out[3] & DNS_FLAG_AD))
		abort();
	if (info.ancount != 0 && d.ans.rclass != RCLASS_DATA)
		abort(); /* NXDOMAIN, NODATA, SERVFAIL...: never an answer record */
	if (info.rcode != DNS_RCODE_NOERROR && info.rcode != DNS_RCODE_NXDOMAIN &&
	    info.rcode != DNS_RCODE_SERVFAIL && info.rcode != DNS_RCODE_REFUSED)
		abort();
	if (d.ans.rclass == RCLASS_DATA) {
		if (digest_answer(&again, out, n, qname, sizeof(qname), qtype) != 0)
			abort();
		check_same(&d, &again, flatten);
	}
	serve(out, n, &rq);
	free(wire);
	return 0;
}
