/* lib/dnswire.c - bounds-checked DNS wire-format helpers for the hot path (no ldns). */
#include "autoconf.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dnswire.h"

/*
 * Compression pointers followed while reading one name. A valid name has at most 127
 * labels, and every pointer must go strictly backwards, so this also ends loops.
 */
#define DNSWIRE_MAX_HOPS 128

/*
 * dnswire_name - walk the name at *off in p[0..len). With out != NULL, the name is
 * expanded there, lower-cased (at least DNS_MAXNAME bytes). Pointers must point
 * backwards and past the header; allow_ptr 0 rejects them altogether (a query's
 * question, so that its length equals the stored answer's). Sets *off past the name
 * as it stands in the message. Returns the expanded length, or 0 for a malformed name.
 */
static size_t
dnswire_name_ex(const uint8_t *p, size_t len, size_t *off, uint8_t *out, int allow_ptr,
    const uint8_t *fixed)
{
	size_t pos = *off, start = *off, outlen = 0, end = 0;
	size_t limit = pos; /* a pointer must land before the name that holds it */
	int hops = 0, jumped = 0;

	for (;;) {
		uint8_t c;

		if (pos >= len)
			return 0;
		c = p[pos];
		if ((c & 0xc0) == 0xc0) {
			size_t target;

			if (!allow_ptr || pos + 1 >= len || ++hops > DNSWIRE_MAX_HOPS)
				return 0;
			target = (size_t)(c & 0x3f) << 8 | p[pos + 1];
			if (target < DNS_HDRLEN || target >= limit)
				return 0;
			/* Never into a record's type, class, TTL or length: we rewrite TTLs, and a
			 * name read through them would change under our feet. */
			if (fixed && (fixed[target >> 3] & (1u << (target & 7))))
				return 0;
			if (!jumped)
				end = pos + 2;
			jumped = 1;
			limit = target;
			pos = target;
			continue;
		}
		if (c & 0xc0) /* 0x40 and 0x80: extended label types, obsolete */
			return 0;
		if (outlen + 1 + c > DNS_MAXNAME || pos + 1 + c > len)
			return 0;
		/*
		 * The same for every byte read after a jump: a pointer into a record's data may
		 * run on, label by label, into a later record's fixed fields, or past the name
		 * that holds the pointer into its own (not marked yet). A real compressed name
		 * lies wholly before the pointer to it.
		 */
		if (jumped && pos + 1 + c > start)
			return 0;
		for (size_t i = pos; jumped && fixed && i <= pos + c; i++)
			if (fixed[i >> 3] & (1u << (i & 7)))
				return 0;
		if (out) {
			out[outlen] = c;
			for (size_t i = 0; i < c; i++)
				out[outlen + 1 + i] = (uint8_t)tolower(p[pos + 1 + i]);
		}
		outlen += 1 + (size_t)c;
		pos += 1 + (size_t)c;
		if (c == 0)
			break;
	}
	*off = jumped ? end : pos;
	return outlen;
}

static size_t
dnswire_name(const uint8_t *p, size_t len, size_t *off, uint8_t *out, int allow_ptr)
{
	return dnswire_name_ex(p, len, off, out, allow_ptr, NULL);
}

size_t
dnswire_read_name(const uint8_t *p, size_t len, size_t *off, uint8_t *out)
{
	return dnswire_name(p, len, off, out, 1);
}

/* Walk one resource record header; fills type, class, ttl and the rdata span. */
struct dnswire_rr {
	uint16_t type, klass;
	uint32_t ttl;
	size_t ttl_off, rdata_off, rdlen;
	size_t start;
};

static int
dnswire_rr_next_ex(const uint8_t *p, size_t len, size_t *off, struct dnswire_rr *rr,
    uint8_t *fixed)
{
	size_t pos = *off;

	rr->start = pos;
	if (dnswire_name_ex(p, len, &pos, NULL, 1, fixed) == 0 || pos + 10 > len)
		return -1;
	if (fixed)
		for (size_t i = pos; i < pos + 10; i++)
			fixed[i >> 3] |= (uint8_t)(1u << (i & 7));
	rr->type = dnswire_get16(p + pos);
	rr->klass = dnswire_get16(p + pos + 2);
	rr->ttl_off = pos + 4;
	rr->ttl = dnswire_get32(p + pos + 4);
	rr->rdlen = dnswire_get16(p + pos + 8);
	rr->rdata_off = pos + 10;
	if (rr->rdata_off + rr->rdlen > len)
		return -1;
	*off = rr->rdata_off + rr->rdlen;
	return 0;
}

static int
dnswire_rr_next(const uint8_t *p, size_t len, size_t *off, struct dnswire_rr *rr)
{
	return dnswire_rr_next_ex(p, len, off, rr, NULL);
}

/*
 * The names inside the rdata of the types that may be compressed (RFC 3597 section 4, and
 * SRV seen in the wild) must be valid too, and keep clear of fixed fields.
 */
static int
dnswire_rdata_names_ok(const uint8_t *p, const struct dnswire_rr *rr, const uint8_t *fixed)
{
	size_t at = rr->rdata_off, end = rr->rdata_off + rr->rdlen;

	switch (rr->type) {
	case DNS_TYPE_NS:
	case DNS_TYPE_CNAME:
	case 12: /* PTR */
		break;
	case DNS_TYPE_MX:
		at += 2;
		break;
	case 33: /* SRV */
		at += 6;
		break;
	case DNS_TYPE_SOA:
		if (dnswire_name_ex(p, end, &at, NULL, 1, fixed) == 0)
			return 0;
		break;
	default:
		return 1;
	}
	return at < end && dnswire_name_ex(p, end, &at, NULL, 1, fixed) != 0;
}

/* Read the question at offset 12 into q (name lower-cased). */
static int
dnswire_question(const uint8_t *p, size_t len, struct dnsq *q, int allow_ptr)
{
	size_t off = DNS_HDRLEN, n;

	n = dnswire_name(p, len, &off, q->qname, allow_ptr);
	if (n == 0 || off + 4 > len)
		return -1;
	q->qname_len = (uint8_t)n;
	q->qtype = dnswire_get16(p + off);
	q->qclass = dnswire_get16(p + off + 2);
	q->qend = (uint16_t)(off + 4);
	return 0;
}

enum dnswire_verdict
dnswire_parse_query(const uint8_t *p, size_t len, struct dnsq *q)
{
	uint16_t qd, an, ns, ar;
	size_t off;
	int opts = 0;

	memset(q, 0, sizeof(*q));
	if (len < DNS_HDRLEN || len > DNS_MAXMSG)
		return DNSWIRE_DROP;
	q->id = dnswire_get16(p);
	q->flags = dnswire_get16(p + 2);
	if (q->flags & DNS_FLAG_QR)
		return DNSWIRE_DROP; /* never answer an answer: that is how loops start */
	qd = dnswire_get16(p + 4);
	an = dnswire_get16(p + 6);
	ns = dnswire_get16(p + 8);
	ar = dnswire_get16(p + 10);
	if (qd != 1)
		return ((q->flags >> 11) & 0xf) != 0 ? DNSWIRE_NOTIMP : DNSWIRE_FORMERR;
	if (dnswire_question(p, len, q, 0) != 0)
		return DNSWIRE_FORMERR;
	if (((q->flags >> 11) & 0xf) != 0)
		return DNSWIRE_NOTIMP;
	if (an != 0 || ns != 0)
		return DNSWIRE_FORMERR;
	off = q->qend;
	for (uint16_t i = 0; i < ar; i++) {
		struct dnswire_rr rr;

		if (dnswire_rr_next(p, len, &off, &rr) != 0)
			return DNSWIRE_FORMERR;
		if (rr.type != DNS_TYPE_OPT)
			continue; /* e.g. TSIG: we cannot check it, so it just does not apply */
		/* RFC 6891 6.1.1: one OPT, owned by the root. */
		if (++opts > 1 || p[rr.start] != 0)
			return DNSWIRE_FORMERR;
		q->edns = 1;
		q->edns_size = rr.klass < 512 ? 512 : rr.klass;
		q->edns_version = (uint8_t)(rr.ttl >> 16);
		q->do_bit = (rr.ttl & 0x8000) != 0;
	}
	if (off != len)
		return DNSWIRE_FORMERR;
	if (q->qtype == DNS_TYPE_OPT)
		return DNSWIRE_FORMERR;
	if (q->edns && q->edns_version != 0)
		return DNSWIRE_BADVERS;
	if (q->qtype == DNS_TYPE_AXFR || q->qtype == DNS_TYPE_IXFR)
		return DNSWIRE_REFUSED;
	return DNSWIRE_OK;
}

/* RFC 2181 section 8: a TTL with the top bit set means zero. */
static uint32_t
dnswire_ttl(uint32_t ttl)
{
	return (ttl & 0x80000000u) ? 0 : ttl;
}

static int
dnswire_soa_minimum(const uint8_t *p, size_t len, const struct dnswire_rr *rr, uint32_t *min)
{
	size_t off = rr->rdata_off, end = rr->rdata_off + rr->rdlen;

	if (dnswire_name(p, end, &off, NULL, 1) == 0 || dnswire_name(p, end, &off, NULL, 1) == 0)
		return -1;
	if (off + 20 != end)
		return -1;
	*min = dnswire_ttl(dnswire_get32(p + off + 16));
	(void)len;
	return 0;
}

int
dnswire_parse_response(const uint8_t *p, size_t len, struct dnsq *q, struct dnsresp *r)
{
	size_t off;
	unsigned total;
	uint8_t fixed[DNS_MAXMSG / 8 + 1];	/* bytes of type/class/TTL/length fields */

	memset(q, 0, sizeof(*q));
	memset(r, 0, sizeof(*r));
	if (len < DNS_HDRLEN || len > DNS_MAXMSG)
		return -1;
	q->id = dnswire_get16(p);
	q->flags = dnswire_get16(p + 2);
	if (!(q->flags & DNS_FLAG_QR) || dnswire_get16(p + 4) != 1)
		return -1;
	r->ancount = dnswire_get16(p + 6);
	r->nscount = dnswire_get16(p + 8);
	r->arcount = dnswire_get16(p + 10);
	r->rcode = q->flags & 0xf;
	r->tc = (q->flags & DNS_FLAG_TC) != 0;
	if (dnswire_question(p, len, q, 0) != 0)
		return -1;
	off = q->qend;
	r->min_ttl = UINT32_MAX;
	total = (unsigned)r->ancount + r->nscount + r->arcount;
	memset(fixed, 0, (len >> 3) + 1);
	for (unsigned i = 0; i < total; i++) {
		struct dnswire_rr rr;

		if (dnswire_rr_next_ex(p, len, &off, &rr, fixed) != 0)
			return r->tc ? 0 : -1; /* a truncated answer may end mid-record */
		if (!dnswire_rdata_names_ok(p, &rr, fixed))
			return -1;
		if (rr.type == DNS_TYPE_OPT) {
			if (i < (unsigned)r->ancount + r->nscount || r->has_opt || p[rr.start] != 0)
				return -1;
			r->has_opt = 1;
			q->edns = 1;
			q->edns_size = rr.klass;
			q->do_bit = (rr.ttl & 0x8000) != 0;
			continue;
		}
		if (i < (unsigned)r->ancount + r->nscount && dnswire_ttl(rr.ttl) < r->min_ttl)
			r->min_ttl = dnswire_ttl(rr.ttl);
		if (rr.type == DNS_TYPE_SOA && i >= r->ancount &&
		    i < (unsigned)r->ancount + r->nscount && !r->has_soa) {
			uint32_t min;
			if (dnswire_soa_minimum(p, len, &rr, &min) != 0)
				return -1;
			r->has_soa = 1;
			r->neg_ttl = min < dnswire_ttl(rr.ttl) ? min : dnswire_ttl(rr.ttl);
		}
	}
	if (r->min_ttl == UINT32_MAX)
		r->min_ttl = 0;
	return 0;
}

int
dnswire_same_question(const struct dnsq *a, const struct dnsq *b)
{
	return a->qtype == b->qtype && a->qclass == b->qclass && a->qname_len == b->qname_len &&
	    memcmp(a->qname, b->qname, a->qname_len) == 0;
}

/* Append an OPT record (with an optional EDE option) at out[len]; returns new length or 0. */
static size_t
dnswire_put_opt(uint8_t *out, size_t len, size_t cap, uint16_t size, int do_bit,
    uint8_t ext_rcode, const struct dnswire_ede *ede)
{
	size_t textlen = (ede && ede->code >= 0 && ede->text) ? strlen(ede->text) : 0;
	size_t optlen = (ede && ede->code >= 0) ? 4 + 2 + textlen : 0;

	if (textlen > 400) /* keep EXTRA-TEXT short: it rides in every such answer */
		textlen = 400, optlen = 4 + 2 + textlen;
	if (len + 11 + optlen > cap)
		return 0;
	out[len] = 0;
	dnswire_put16(out + len + 1, DNS_TYPE_OPT);
	dnswire_put16(out + len + 3, size);
	dnswire_put32(out + len + 5, (uint32_t)ext_rcode << 24 | (do_bit ? 0x8000u : 0));
	dnswire_put16(out + len + 9, (uint16_t)optlen);
	len += 11;
	if (optlen) {
		dnswire_put16(out + len, DNS_EDNS_OPT_EDE);
		dnswire_put16(out + len + 2, (uint16_t)(optlen - 4));
		dnswire_put16(out + len + 4, (uint16_t)ede->code);
		if (textlen)
			memcpy(out + len + 6, ede->text, textlen);
		len += optlen;
	}
	return len;
}

size_t
dnswire_build_query(uint8_t *buf, size_t cap, const struct dnsq *q, uint16_t id,
    uint16_t edns_size)
{
	size_t len = DNS_HDRLEN + q->qname_len + 4;
	uint16_t flags = DNS_FLAG_RD | (q->flags & DNS_FLAG_CD);

	if (len > cap)
		return 0;
	dnswire_put16(buf, id);
	dnswire_put16(buf + 2, flags);
	dnswire_put16(buf + 4, 1);
	dnswire_put16(buf + 6, 0);
	dnswire_put16(buf + 8, 0);
	dnswire_put16(buf + 10, edns_size ? 1 : 0);
	memcpy(buf + DNS_HDRLEN, q->qname, q->qname_len);
	dnswire_put16(buf + DNS_HDRLEN + q->qname_len, q->qtype);
	dnswire_put16(buf + DNS_HDRLEN + q->qname_len + 2, q->qclass);
	if (edns_size)
		len = dnswire_put_opt(buf, len, cap, edns_size, q->do_bit, 0, NULL);
	return len;
}

size_t
dnswire_pad_query(uint8_t *buf, size_t len, size_t cap, size_t block)
{
	size_t total, pad;

	/* Our own query: one OPT record, last, with no options yet (RDLENGTH 0). */
	if (block == 0 || len < DNS_HDRLEN + 11 || dnswire_get16(buf + 10) != 1 ||
	    dnswire_get16(buf + len - 11 + 1) != DNS_TYPE_OPT || dnswire_get16(buf + len - 2) != 0)
		return 0;
	total = (len + 4 + block - 1) / block * block;
	if (total > cap || total - len - 4 > UINT16_MAX)
		return 0;
	pad = total - len - 4;
	dnswire_put16(buf + len, DNS_EDNS_OPT_PADDING);
	dnswire_put16(buf + len + 2, (uint16_t)pad);
	memset(buf + len + 4, 0, pad);
	dnswire_put16(buf + len - 2, (uint16_t)(pad + 4));
	return total;
}

/* Whether the name at off follows a compression pointer to limit or beyond. */
static int
dnswire_name_reaches(const uint8_t *p, size_t len, size_t off, size_t limit)
{
	for (int hops = 0; off < len && hops < DNSWIRE_MAX_HOPS;) {
		uint8_t c = p[off];
		if ((c & 0xc0) == 0xc0) {
			size_t t;
			if (off + 1 >= len)
				return 1;
			t = (size_t)(c & 0x3f) << 8 | p[off + 1];
			if (t >= limit)
				return 1;
			off = t;
			hops++;
			continue;
		}
		if (c == 0)
			return 0;
		off += 1 + (size_t)c;
	}
	return 1;
}

/*
 * Whether any name in the records between from and to points at limit or beyond: the
 * owners, and the names inside the rdata of the types that may be compressed
 * (RFC 3597 section 4: those of RFC 1035, plus SRV seen in the wild).
 */
static int
dnswire_points_into(const uint8_t *p, size_t len, size_t from, size_t to, size_t limit)
{
	size_t off = from;

	while (off < to) {
		struct dnswire_rr rr;
		size_t at;

		if (dnswire_name_reaches(p, len, off, limit) || dnswire_rr_next(p, len, &off, &rr) != 0)
			return 1;
		at = rr.rdata_off;
		switch (rr.type) {
		case DNS_TYPE_NS:
		case DNS_TYPE_CNAME:
		case 12: /* PTR */
			if (dnswire_name_reaches(p, len, at, limit))
				return 1;
			break;
		case DNS_TYPE_MX:
			if (rr.rdlen < 3 || dnswire_name_reaches(p, len, at + 2, limit))
				return 1;
			break;
		case 33: /* SRV */
			if (rr.rdlen < 7 || dnswire_name_reaches(p, len, at + 6, limit))
				return 1;
			break;
		case DNS_TYPE_SOA:
			if (dnswire_name_reaches(p, len, at, limit) ||
			    dnswire_name(p, len, &at, NULL, 1) == 0 ||
			    dnswire_name_reaches(p, len, at, limit))
				return 1;
			break;
		default:
			break;
		}
	}
	return 0;
}

size_t
dnswire_strip_opt(const uint8_t *p, size_t len, uint8_t *out, size_t cap)
{
	struct dnsq q;
	struct dnswire_rr rr;
	size_t off, opt_start = 0, opt_end = 0;
	unsigned total;

	if (len < DNS_HDRLEN || dnswire_question(p, len, &q, 0) != 0)
		return 0;
	total = (unsigned)dnswire_get16(p + 6) + dnswire_get16(p + 8) + dnswire_get16(p + 10);
	off = q.qend;
	for (unsigned i = 0; i < total; i++) {
		if (dnswire_rr_next(p, len, &off, &rr) != 0)
			return 0;
		if (rr.type == DNS_TYPE_OPT) {
			opt_start = rr.start;
			opt_end = off;
		}
	}
	if (off > cap)
		return 0;
	if (opt_end == 0) {
		memcpy(out, p, off);
		return off;
	}
	if (opt_end != off && dnswire_points_into(p, len, opt_end, off, opt_start))
		return 0;
	memcpy(out, p, opt_start);
	memcpy(out + opt_start, p + opt_end, off - opt_end);
	dnswire_put16(out + 10, (uint16_t)(dnswire_get16(p + 10) - 1));
	return off - (opt_end - opt_start);
}

/* The UDP size the client can take. */
static size_t
dnswire_client_limit(const struct dnsq *cq, int tcp)
{
	if (tcp)
		return DNS_MAXMSG;
	if (!cq->edns)
		return 512;
	return cq->edns_size < DNS_EDNS_SIZE ? cq->edns_size : DNS_EDNS_SIZE;
}

size_t
dnswire_answer(uint8_t *out, size_t cap, const uint8_t *stored, size_t slen, uint32_t age,
    const uint8_t *client, const struct dnsq *cq, int tcp, const struct dnswire_ede *ede)
{
	size_t squend, off, len, limit = dnswire_client_limit(cq, tcp);
	uint16_t sflags, flags;
	unsigned total;
	struct dnsq sq;

	if (slen < DNS_HDRLEN || dnswire_question(stored, slen, &sq, 0) != 0 ||
	    sq.qname_len != cq->qname_len)
		return 0;
	squend = sq.qend;
	if (slen > cap)
		return 0;
	sflags = dnswire_get16(stored + 2);
	/* RA: we offer recursion, whatever the (maybe authoritative) upstream said. */
	flags = DNS_FLAG_QR | DNS_FLAG_RA | (sflags & (DNS_FLAG_TC | 0xf)) |
	    (cq->flags & (DNS_FLAG_RD | DNS_FLAG_CD));
	/*
	 * Never AD: nothing here validated DNSSEC, and the upstream's AD is only its word (on a
	 * path an attacker may own). A client trusting it (glibc trust-ad, ssh VerifyHostKeyDNS
	 * with SSHFP) would take forged records as proven.
	 */
	memcpy(out, stored, slen);
	dnswire_put16(out, cq->id);
	dnswire_put16(out + 2, flags);
	/* The client's own question bytes: same length, its case (some rely on 0x20). */
	memcpy(out + DNS_HDRLEN, client + DNS_HDRLEN, squend - DNS_HDRLEN);
	total = (unsigned)dnswire_get16(out + 6) + dnswire_get16(out + 8) + dnswire_get16(out + 10);
	off = squend;
	for (unsigned i = 0; i < total; i++) {
		struct dnswire_rr rr;
		uint32_t ttl;

		if (dnswire_rr_next(out, slen, &off, &rr) != 0)
			return 0;
		ttl = dnswire_ttl(rr.ttl);
		dnswire_put32(out + rr.ttl_off, ttl > age ? ttl - age : 0);
	}
	len = off;
	if (cq->edns) {
		size_t l = dnswire_put_opt(out, len, cap, DNS_EDNS_SIZE, cq->do_bit, 0, ede);
		if (l == 0)
			return 0;
		dnswire_put16(out + 10, (uint16_t)(dnswire_get16(out + 10) + 1));
		len = l;
	}
	if (len > limit) {
		/* Too big for this client's UDP: header + question + OPT, TC set (RFC 2181 9). */
		dnswire_put16(out + 2, flags | DNS_FLAG_TC);
		dnswire_put16(out + 6, 0);
		dnswire_put16(out + 8, 0);
		dnswire_put16(out + 10, 0);
		len = squend;
		if (cq->edns) {
			len = dnswire_put_opt(out, len, cap, DNS_EDNS_SIZE, cq->do_bit, 0, ede);
			dnswire_put16(out + 10, 1);
		}
	}
	return len;
}

size_t
dnswire_error(uint8_t *out, size_t cap, const uint8_t *client, const struct dnsq *cq, int rcode,
    const struct dnswire_ede *ede)
{
	size_t len = cq->qend > DNS_HDRLEN ? cq->qend : DNS_HDRLEN;
	uint16_t flags;

	if (len > cap)
		return 0;
	flags = DNS_FLAG_QR | DNS_FLAG_RA | (cq->flags & (0x7800 | DNS_FLAG_RD | DNS_FLAG_CD)) |
	    (rcode & 0xf);
	dnswire_put16(out, cq->id);
	dnswire_put16(out + 2, flags);
	dnswire_put16(out + 4, cq->qend > DNS_HDRLEN ? 1 : 0);
	dnswire_put16(out + 6, 0);
	dnswire_put16(out + 8, 0);
	dnswire_put16(out + 10, 0);
	if (cq->qend > DNS_HDRLEN)
		memcpy(out + DNS_HDRLEN, client + DNS_HDRLEN, cq->qend - DNS_HDRLEN);
	if (cq->edns) {
		len = dnswire_put_opt(out, len, cap, DNS_EDNS_SIZE, cq->do_bit,
		    (uint8_t)(rcode >> 4), ede);
		if (len == 0)
			return 0;
		dnswire_put16(out + 10, 1);
	}
	return len;
}

int
dnswire_clamp_ttls(uint8_t *p, size_t len, uint32_t min, uint32_t max)
{
	struct dnsq q;
	size_t off;
	unsigned total;

	if (len < DNS_HDRLEN || dnswire_question(p, len, &q, 0) != 0)
		return -1;
	total = (unsigned)dnswire_get16(p + 6) + dnswire_get16(p + 8) + dnswire_get16(p + 10);
	off = q.qend;
	for (unsigned i = 0; i < total; i++) {
		struct dnswire_rr rr;
		uint32_t ttl;

		if (dnswire_rr_next(p, len, &off, &rr) != 0)
			return -1;
		if (rr.type == DNS_TYPE_OPT)
			continue;
		ttl = dnswire_ttl(rr.ttl);
		dnswire_put32(p + rr.ttl_off, ttl < min ? min : ttl > max ? max : ttl);
	}
	return 0;
}

char *
dnswire_name2str(const uint8_t *name, size_t len, char *buf, size_t cap)
{
	size_t o = 0, i = 0;

	if (cap == 0)
		return buf;
	if (len == 0 || name[0] == 0) {
		snprintf(buf, cap, ".");
		return buf;
	}
	while (i < len && name[i] != 0) {
		uint8_t l = name[i++];
		for (uint8_t j = 0; j < l && i < len; j++, i++) {
			uint8_t c = name[i];
			if (c == '.' || c == '\\' || c <= ' ' || c >= 0x7f) {
				if (o + 4 < cap)
					o += (size_t)snprintf(buf + o, cap - o, "\\%03u", c);
			} else if (o + 1 < cap)
				buf[o++] = (char)c;
		}
		if (o + 1 < cap)
			buf[o++] = '.';
	}
	buf[o < cap ? o : cap - 1] = '\0';
	return buf;
}

static const struct {
	uint16_t type;
	const char *name;
} dnswire_types[] = {
	{ 1, "A" }, { 2, "NS" }, { 5, "CNAME" }, { 6, "SOA" }, { 12, "PTR" }, { 15, "MX" },
	{ 16, "TXT" }, { 28, "AAAA" }, { 33, "SRV" }, { 35, "NAPTR" }, { 39, "DNAME" },
	{ 41, "OPT" }, { 43, "DS" }, { 46, "RRSIG" }, { 47, "NSEC" }, { 48, "DNSKEY" },
	{ 50, "NSEC3" }, { 52, "TLSA" }, { 64, "SVCB" }, { 65, "HTTPS" }, { 99, "SPF" },
	{ 251, "IXFR" }, { 252, "AXFR" }, { 255, "ANY" }, { 257, "CAA" },
};

const char *
dnswire_type2str(uint16_t type, char *buf, size_t cap)
{
	for (size_t i = 0; i < sizeof(dnswire_types) / sizeof(dnswire_types[0]); i++)
		if (dnswire_types[i].type == type)
			return dnswire_types[i].name;
	snprintf(buf, cap, "TYPE%u", type);
	return buf;
}

uint16_t
dnswire_str2type(const char *s)
{
	for (size_t i = 0; i < sizeof(dnswire_types) / sizeof(dnswire_types[0]); i++)
		if (strcasecmp(dnswire_types[i].name, s) == 0)
			return dnswire_types[i].type;
	if (strncasecmp(s, "TYPE", 4) == 0 && s[4] >= '0' && s[4] <= '9') {
		char *end;
		unsigned long v = strtoul(s + 4, &end, 10);
		if (*end == '\0' && v > 0 && v <= 65535)
			return (uint16_t)v;
	}
	return 0;
}

size_t
dnswire_name_from_str(const char *s, uint8_t *out, size_t cap)
{
	size_t o = 0;

	if (strcmp(s, ".") == 0 || *s == '\0') {
		if (cap < 1)
			return 0;
		out[0] = 0;
		return 1;
	}
	while (*s) {
		const char *dot = strchr(s, '.');
		size_t l = dot ? (size_t)(dot - s) : strlen(s);
		if (l == 0 || l > 63 || o + 1 + l + 1 > cap || o + 1 + l + 1 > DNS_MAXNAME)
			return 0;
		out[o++] = (uint8_t)l;
		for (size_t i = 0; i < l; i++)
			out[o++] = (uint8_t)tolower((unsigned char)s[i]);
		s += l;
		if (*s == '.')
			s++;
	}
	out[o++] = 0;
	return o;
}

int
dnswire_name_is_sub(const uint8_t *name, size_t nlen, const uint8_t *zone, size_t zlen)
{
	size_t i = 0;

	if (zlen > nlen)
		return 0;
	/* Step label by label so that "xexample.com" is not taken as under "example.com". */
	while (nlen - i > zlen) {
		if (name[i] == 0)
			return 0;
		i += 1 + (size_t)name[i];
	}
	return nlen - i == zlen && memcmp(name + i, zone, zlen) == 0;
}
