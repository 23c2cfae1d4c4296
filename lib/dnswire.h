/* lib/dnswire.h - bounds-checked DNS wire-format helpers for the hot path (no ldns). */
#ifndef VANTAGE_DNSWIRE_H
#define VANTAGE_DNSWIRE_H

#include <stddef.h>
#include <stdint.h>

#define DNS_HDRLEN 12
#define DNS_MAXNAME 255
#define DNS_MAXMSG 65535
/* RFC 9715 / DNS flag day 2020: the EDNS buffer that avoids IP fragmentation. */
#define DNS_EDNS_SIZE 1232

#define DNS_FLAG_QR 0x8000
#define DNS_FLAG_AA 0x0400
#define DNS_FLAG_TC 0x0200
#define DNS_FLAG_RD 0x0100
#define DNS_FLAG_RA 0x0080
#define DNS_FLAG_AD 0x0020
#define DNS_FLAG_CD 0x0010

#define DNS_RCODE_NOERROR 0
#define DNS_RCODE_FORMERR 1
#define DNS_RCODE_SERVFAIL 2
#define DNS_RCODE_NXDOMAIN 3
#define DNS_RCODE_NOTIMP 4
#define DNS_RCODE_REFUSED 5
#define DNS_RCODE_BADVERS 16

#define DNS_TYPE_A 1
#define DNS_TYPE_NS 2
#define DNS_TYPE_CNAME 5
#define DNS_TYPE_SOA 6
#define DNS_TYPE_MX 15
#define DNS_TYPE_TXT 16
#define DNS_TYPE_AAAA 28
#define DNS_TYPE_OPT 41
#define DNS_TYPE_TLSA 52
#define DNS_TYPE_SVCB 64
#define DNS_TYPE_HTTPS 65
#define DNS_TYPE_AXFR 252
#define DNS_TYPE_IXFR 251
#define DNS_TYPE_ANY 255
#define DNS_TYPE_CAA 257
#define DNS_CLASS_IN 1

#define DNS_EDNS_OPT_EDE 15
#define DNS_EDNS_OPT_PADDING 12	/* RFC 7830 */

/* RFC 8914 INFO-CODEs we emit. */
#define DNS_EDE_OTHER 0
#define DNS_EDE_STALE_ANSWER 3
#define DNS_EDE_FORGED_ANSWER 4
#define DNS_EDE_NOT_READY 14
#define DNS_EDE_BLOCKED 15
#define DNS_EDE_PROHIBITED 18
#define DNS_EDE_NO_REACHABLE_AUTHORITY 22
#define DNS_EDE_NETWORK_ERROR 23

/* The question of a message, plus what we need of its header and EDNS. */
struct dnsq {
	uint8_t qname[DNS_MAXNAME];	/* wire form, lower-cased */
	uint8_t qname_len;		/* including the root label */
	uint16_t qtype;
	uint16_t qclass;
	uint16_t id;
	uint16_t flags;			/* the header's flags word (QR, opcode, AA, ... RCODE) */
	uint16_t qend;			/* offset just past the question */
	uint8_t edns;			/* an OPT record was present */
	uint8_t edns_version;
	uint8_t do_bit;
	uint16_t edns_size;		/* requestor's UDP payload size (>= 512) */
};

/* What dnswire_parse_query concluded. */
enum dnswire_verdict {
	DNSWIRE_OK = 0,
	DNSWIRE_DROP,		/* not worth an answer: too short for a header, or QR=1 */
	DNSWIRE_FORMERR,	/* answer FORMERR (header and question echoed as far as valid) */
	DNSWIRE_NOTIMP,		/* opcode other than QUERY */
	DNSWIRE_BADVERS,	/* EDNS version other than 0 */
	DNSWIRE_REFUSED		/* AXFR/IXFR and the like: not what a stub serves */
};

/*
 * dnswire_parse_query - check a client query and fill q.
 * Accepts exactly one question, no answer/authority records and at most one OPT in
 * the additional section. Never reads past len.
 */
enum dnswire_verdict dnswire_parse_query(const uint8_t *p, size_t len, struct dnsq *q);

/* What a response says, beyond its question. */
struct dnsresp {
	uint8_t rcode;		/* the 4-bit header RCODE (extended bits ignored) */
	uint8_t tc;
	uint16_t ancount, nscount, arcount;
	uint32_t min_ttl;	/* smallest TTL of the answer and authority records (OPT excluded) */
	uint32_t neg_ttl;	/* RFC 2308: min(SOA TTL, SOA MINIMUM) of an authority SOA, or 0 */
	uint8_t has_soa;
	uint8_t has_opt;
};

/*
 * dnswire_parse_response - check every record of a response (names, compression
 * pointers pointing backwards, lengths) and fill q with its question and r with a summary.
 * Returns 0, or -1 for a malformed message.
 */
int dnswire_parse_response(const uint8_t *p, size_t len, struct dnsq *q, struct dnsresp *r);

/* dnswire_same_question - same name (case-insensitive), type and class. */
int dnswire_same_question(const struct dnsq *a, const struct dnsq *b);

/*
 * dnswire_build_query - a recursive query for q with the given ID; adds OPT with
 * edns_size (and DO if q->do_bit) when edns_size != 0. Returns its length, 0 if cap is short.
 */
size_t dnswire_build_query(uint8_t *buf, size_t cap, const struct dnsq *q, uint16_t id,
    uint16_t edns_size);

/*
 * dnswire_pad_query - append an EDNS Padding option (RFC 7830) to a query built by
 * dnswire_build_query with EDNS (its OPT record last, without options) so that its length
 * becomes a multiple of block: RFC 8467 section 4.1 recommends blocks of 128 octets for
 * queries, so that an observer of the encrypted stream cannot tell names apart by the
 * length of the question. Returns the new length, or 0 when buf is not such a query or
 * cap is short.
 */
size_t dnswire_pad_query(uint8_t *buf, size_t len, size_t cap, size_t block);

/*
 * dnswire_strip_opt - copy a validated response into out without its OPT record (the
 * stored form of a cached answer; EDNS is per hop). Returns the new length, or 0.
 */
size_t dnswire_strip_opt(const uint8_t *p, size_t len, uint8_t *out, size_t cap);

/* An Extended DNS Error to attach (code < 0: none). text is UTF-8, may be NULL. */
struct dnswire_ede {
	int code;
	const char *text;
};

/*
 * dnswire_answer - the response to a client from a stored answer (as kept by the cache:
 * no OPT record). The client's ID, RD/CD bits and question bytes (case preserved) are
 * used; AD is never set (nothing validated DNSSEC on the way); every TTL is lowered by age (not below 0); an OPT record is appended when the
 * client sent EDNS, carrying ede when given. If the result exceeds the client's limit
 * (512 without EDNS, else min(its size, DNS_EDNS_SIZE); max_udp 0 = TCP, no limit)
 * the answer is cut to header + question (+ OPT) with TC set.
 * Returns the length written to out, or 0 when stored is malformed or cap too small.
 */
size_t dnswire_answer(uint8_t *out, size_t cap, const uint8_t *stored, size_t slen,
    uint32_t age, const uint8_t *client, const struct dnsq *cq, int tcp,
    const struct dnswire_ede *ede);

/*
 * dnswire_error - a header+question (+OPT, +EDE) response with the given RCODE to the
 * query cq, whose wire is client (only its first cq->qend bytes are used; with qend == 0
 * no question is echoed). Returns its length or 0.
 */
size_t dnswire_error(uint8_t *out, size_t cap, const uint8_t *client, const struct dnsq *cq,
    int rcode, const struct dnswire_ede *ede);

/*
 * dnswire_clamp_ttls - raise every record TTL below min to min and lower every one above
 * max to max, in place, in a message already checked by dnswire_parse_response (OPT
 * records are left alone). Returns 0, or -1 for a malformed message.
 */
int dnswire_clamp_ttls(uint8_t *p, size_t len, uint32_t min, uint32_t max);

/*
 * dnswire_read_name - the (possibly compressed) name at *off in p[0..len) into out
 * (DNS_MAXNAME bytes, lower-cased wire form); *off moves past it as it stands in the
 * message. Returns the name's length, or 0 when it is malformed.
 */
size_t dnswire_read_name(const uint8_t *p, size_t len, size_t *off, uint8_t *out);

/* dnswire_name2str - the wire name as presentation text ("www.example.com."). */
char *dnswire_name2str(const uint8_t *name, size_t len, char *buf, size_t cap);

/* dnswire_type2str - "A", "AAAA", ... or "TYPE123" into buf. */
const char *dnswire_type2str(uint16_t type, char *buf, size_t cap);

/* dnswire_str2type - the type number for "A", "aaaa", "TYPE65"; 0 when unknown. */
uint16_t dnswire_str2type(const char *s);

/* dnswire_name_from_str - presentation name into lower-cased wire form; length or 0. */
size_t dnswire_name_from_str(const char *s, uint8_t *out, size_t cap);

/* dnswire_name_is_sub - name equals zone or lies below it (both lower-cased wire form). */
int dnswire_name_is_sub(const uint8_t *name, size_t nlen, const uint8_t *zone, size_t zlen);

/* dnswire_get16/32 and put: big-endian access. */
static inline uint16_t
dnswire_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t
dnswire_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void
dnswire_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void
dnswire_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

#endif
