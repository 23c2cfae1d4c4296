/* tests/unit/testpkt.h - a tiny DNS message builder for unit tests (names kept as written). */
#ifndef VANTAGE_TESTPKT_H
#define VANTAGE_TESTPKT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* A message under construction; every helper writes at b[n] and advances n. */
struct tpkt {
	uint8_t b[8192];
	size_t n;
};

static inline void
tp_u8(struct tpkt *p, uint8_t v)
{
	p->b[p->n++] = v;
}

static inline void
tp_u16(struct tpkt *p, uint16_t v)
{
	tp_u8(p, (uint8_t)(v >> 8));
	tp_u8(p, (uint8_t)v);
}

static inline void
tp_u32(struct tpkt *p, uint32_t v)
{
	tp_u16(p, (uint16_t)(v >> 16));
	tp_u16(p, (uint16_t)v);
}

static inline void
tp_bytes(struct tpkt *p, const void *d, size_t len)
{
	memcpy(p->b + p->n, d, len);
	p->n += len;
}

/* The header: counts in order QD, AN, NS, AR. */
static inline void
tp_hdr(struct tpkt *p, uint16_t id, uint16_t flags, uint16_t qd, uint16_t an, uint16_t ns,
    uint16_t ar)
{
	p->n = 0;
	tp_u16(p, id);
	tp_u16(p, flags);
	tp_u16(p, qd);
	tp_u16(p, an);
	tp_u16(p, ns);
	tp_u16(p, ar);
}

/* A presentation name ("www.Example.com", "." or "") written uncompressed, case kept. */
static inline void
tp_name(struct tpkt *p, const char *s)
{
	while (*s && strcmp(s, ".") != 0) {
		const char *dot = strchr(s, '.');
		size_t l = dot ? (size_t)(dot - s) : strlen(s);
		tp_u8(p, (uint8_t)l);
		tp_bytes(p, s, l);
		s += l;
		if (*s == '.')
			s++;
	}
	tp_u8(p, 0);
}

/* A compression pointer to offset off. */
static inline void
tp_ptr(struct tpkt *p, uint16_t off)
{
	tp_u16(p, (uint16_t)(0xc000 | off));
}

static inline void
tp_question(struct tpkt *p, const char *name, uint16_t qtype)
{
	tp_name(p, name);
	tp_u16(p, qtype);
	tp_u16(p, 1);
}

/* Type, class IN, TTL and rdata after an owner name the caller already wrote. */
static inline void
tp_rr_tail(struct tpkt *p, uint16_t type, uint32_t ttl, const void *rdata, uint16_t rdlen)
{
	tp_u16(p, type);
	tp_u16(p, 1);
	tp_u32(p, ttl);
	tp_u16(p, rdlen);
	tp_bytes(p, rdata, rdlen);
}

/* An A record owned by the question name (pointer to offset 12). */
static inline void
tp_a_at_q(struct tpkt *p, uint32_t ttl, uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	const uint8_t ip[4] = { a, b, c, d };

	tp_ptr(p, 12);
	tp_rr_tail(p, 1, ttl, ip, 4);
}

/* An OPT record: owner root, class = size, TTL = ext-rcode/version/DO. */
static inline void
tp_opt(struct tpkt *p, uint16_t size, uint8_t version, int do_bit)
{
	tp_u8(p, 0);
	tp_u16(p, 41);
	tp_u16(p, size);
	tp_u32(p, (uint32_t)version << 16 | (do_bit ? 0x8000u : 0));
	tp_u16(p, 0);
}

/* An SOA owned by the question name with the given TTL and MINIMUM (short names). */
static inline void
tp_soa_at_q(struct tpkt *p, uint32_t ttl, uint32_t minimum)
{
	tp_ptr(p, 12);
	tp_u16(p, 6);
	tp_u16(p, 1);
	tp_u32(p, ttl);
	tp_u16(p, 2 + 2 + 20);
	tp_ptr(p, 12); /* MNAME */
	tp_ptr(p, 12); /* RNAME */
	tp_u32(p, 2024010101);
	tp_u32(p, 7200);
	tp_u32(p, 3600);
	tp_u32(p, 1209600);
	tp_u32(p, minimum);
}

/* Patch a 16-bit field at off (a count, after the fact). */
static inline void
tp_set16(struct tpkt *p, size_t off, uint16_t v)
{
	p->b[off] = (uint8_t)(v >> 8);
	p->b[off + 1] = (uint8_t)v;
}

static inline uint16_t
tp_get16(const uint8_t *b, size_t off)
{
	return (uint16_t)(b[off] << 8 | b[off + 1]);
}

static inline uint32_t
tp_get32(const uint8_t *b, size_t off)
{
	return (uint32_t)b[off] << 24 | (uint32_t)b[off + 1] << 16 | (uint32_t)b[off + 2] << 8 |
	    b[off + 3];
}

#endif
