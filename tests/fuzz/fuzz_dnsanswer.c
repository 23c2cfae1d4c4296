/* tests/fuzz/fuzz_dnsanswer.c - upstream answer handling: parse, strip, clamp, cache, re-serve. */
#include "autoconf.h"

#include "dnscache.h"
#include "dnswire.h"
#include "fuzz.h"

/*
 * The input is an upstream's answer to www.example.com A (the fixed question the seeds
 * ask), or to whatever question it carries. It goes the way lib/resolve.c takes it:
 * dnscache_store, then the stored form for waiters (dnswire_strip_opt into a buffer of
 * the answer's own length, dnswire_parse_response, dnswire_clamp_ttls), then a cache
 * hit re-served to a client with dnswire_answer, and finally expiry.
 */

static const struct dnscache_limits limits = {
	.max_entries = 4,	/* small: the fuzzed answers also walk the eviction path */
	.min_ttl = 5,
	.max_ttl = 86400,
	.neg_max_ttl = 3600,
};

static void
serve(struct dnscache *cache, const struct dnsq *q, uint64_t now)
{
	static const struct dnswire_ede ede = { DNS_EDE_OTHER, "vantage: 1 of 3 mirrors dissent" };
	struct dnscache_hit hit;
	uint8_t client[DNS_HDRLEN + DNS_MAXNAME + 4 + 11];
	uint8_t *out;
	struct dnsq cq;
	size_t clen, n;

	if (!dnscache_lookup(cache, q, now, &hit))
		return;
	/* The client asks the same question, with EDNS and without. */
	for (int edns = 0; edns < 2; edns++) {
		clen = dnswire_build_query(client, sizeof(client), q, 0x1234, edns ? 4096 : 0);
		/* A question no client may ask (qtype OPT, AXFR) is never served from cache. */
		if (clen == 0 || dnswire_parse_query(client, clen, &cq) != DNSWIRE_OK)
			return;
		if ((out = malloc(DNS_MAXMSG + 512)) == NULL)
			abort();
		for (int tcp = 0; tcp < 2; tcp++) {
			n = dnswire_answer(out, DNS_MAXMSG + 512, hit.wire, hit.len, hit.age, client,
			    &cq, tcp, edns ? &ede : NULL);
			if (n > DNS_MAXMSG + 512)
				abort();
		}
		free(out);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t qname[] = "\3www\7example\3com";
	struct dnscache *cache = dnscache_new(&limits);
	uint8_t *wire = fuzz_dup(data, size, 0), *stored;
	struct dnsq fq, rq, sq;
	struct dnsresp info, sinfo;
	const uint64_t t0 = 1000;
	size_t slen;
	int parsed;

	if (cache == NULL)
		abort();
	memset(&fq, 0, sizeof(fq));
	memcpy(fq.qname, qname, sizeof(qname));
	fq.qname_len = sizeof(qname);
	fq.qtype = DNS_TYPE_A;
	fq.qclass = DNS_CLASS_IN;

	parsed = dnswire_parse_response(wire, size, &rq, &info) == 0;
	dnscache_store(cache, &fq, wire, size, t0);
	if (parsed) {
		/* The same answer stored under its own question, DO and CD set as a client might. */
		dnscache_store(cache, &rq, wire, size, t0);
		rq.do_bit = 1;
		rq.flags |= DNS_FLAG_CD;
		dnscache_store(cache, &rq, wire, size, t0);
		rq.do_bit = 0;
		rq.flags &= (uint16_t)~DNS_FLAG_CD;
	}

	/* What resolve.c hands to waiters: the stored form, in a buffer of exactly len bytes. */
	stored = fuzz_dup(data, size, 0);
	if ((slen = dnswire_strip_opt(wire, size, stored, size)) > 0) {
		if (slen > size)
			abort();
		if (dnswire_parse_response(stored, slen, &sq, &sinfo) == 0) {
			dnswire_clamp_ttls(stored, slen, limits.min_ttl,
			    sinfo.rcode == DNS_RCODE_NXDOMAIN || sinfo.ancount == 0 ?
			    limits.neg_max_ttl : limits.max_ttl);
			/*
			 * Clamping TTLs must keep the message valid: no name may be read
			 * through a TTL (regress/dnsanswer/clamp-ptr-into-ttl).
			 */
			if (dnswire_parse_response(stored, slen, &sq, &sinfo) != 0)
				abort();
		}
	}
	if (parsed) {
		dnswire_clamp_ttls(wire, size, 0, 1);
		dnswire_clamp_ttls(wire, size, 0x7fffffffu, 0xffffffffu);
	}

	serve(cache, &fq, t0 + 1);
	if (parsed)
		serve(cache, &rq, t0 + 3);
	/* Past every TTL: the entries expire on lookup. */
	serve(cache, &fq, t0 + 100000000ull);
	if (parsed)
		serve(cache, &rq, t0 + 100000000ull);
	dnscache_remove(cache, fq.qname, fq.qname_len, 0);

	free(stored);
	free(wire);
	dnscache_free(cache);
	return 0;
}
