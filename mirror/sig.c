/* mirror/sig.c - answer signatures: one hash that equal DNS answers share. */
#include "autoconf.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "dnswire.h"
#include "sig.h"

/* Records of an answer section that enter a signature; more is not an answer we replay. */
#define SIG_MAX_RECORDS 256

/* Read the (possibly compressed) name at *off into out, lower-cased; advance *off past it. */
static int
sig_name(const uint8_t *m, size_t len, size_t *off, uint8_t *out, size_t *olen)
{
	size_t o = *off, n = 0, i;
	int jumped = 0, hops = 0;
	uint8_t l;

	for (;;) {
		if (o >= len)
			return -1;
		l = m[o];
		if ((l & 0xC0) == 0xC0) {
			/* Pointers must go backwards and not loop: 128 jumps is more than any name. */
			if (o + 1 >= len || ++hops > 128)
				return -1;
			if (!jumped)
				*off = o + 2;
			jumped = 1;
			o = ((size_t)(l & 0x3F) << 8) | m[o + 1];
			continue;
		}
		if ((l & 0xC0) != 0 || n + l + 1 > DNS_MAXNAME || o + 1 + l > len)
			return -1;
		out[n++] = l;
		for (i = 0; i < l; i++)
			out[n++] = (uint8_t)tolower(m[o + 1 + i]);
		o += (size_t)l + 1;
		if (l == 0)
			break;
	}
	if (!jumped)
		*off = o;
	*olen = n;
	return 0;
}

static int
sig_cmp(const void *x, const void *y)
{
	return memcmp(x, y, TLS_SHA256_LEN);
}

/* The hash of one record: type, then its RDATA with embedded names made canonical. */
static int
sig_record(const uint8_t *m, size_t len, size_t rd, uint16_t type, uint16_t rdlen,
    uint8_t out[TLS_SHA256_LEN])
{
	uint8_t buf[2 + 2 + DNS_MAXNAME], name[DNS_MAXNAME];
	size_t off = rd, nlen, pre = 0;

	dnswire_put16(buf, type);
	switch (type) {
	case DNS_TYPE_MX:
		pre = 2;
		/* FALLTHROUGH */
	case DNS_TYPE_CNAME:
	case DNS_TYPE_NS:
	case 12:	/* PTR */
	case 39:	/* DNAME */
		if (rdlen < pre + 1)
			return -1;
		memcpy(buf + 2, m + rd, pre);
		off = rd + pre;
		if (sig_name(m, len, &off, name, &nlen) != 0)
			return -1;
		memcpy(buf + 2 + pre, name, nlen);
		tls_sha256(buf, 2 + pre + nlen, out);
		return 0;
	default:
		break;
	}
	{
		uint8_t *tmp = malloc((size_t)rdlen + 2);

		if (tmp == NULL)
			return -1;
		dnswire_put16(tmp, type);
		memcpy(tmp + 2, m + rd, rdlen);
		tls_sha256(tmp, (size_t)rdlen + 2, out);
		free(tmp);
	}
	return 0;
}

int
sig_answer(const uint8_t *m, size_t len, uint8_t out[TLS_SHA256_LEN])
{
	uint8_t (*recs)[TLS_SHA256_LEN] = NULL, name[DNS_MAXNAME], rcode;
	size_t off = DNS_HDRLEN, nlen, n = 0, i;
	uint16_t qd, an, type, rdlen;
	int rc = -1;
	void *h;

	if (len < DNS_HDRLEN)
		return -1;
	rcode = m[3] & 0x0F;
	qd = dnswire_get16(m + 4);
	an = dnswire_get16(m + 6);
	if (qd > 1 || an > SIG_MAX_RECORDS)
		return -1;
	if (qd == 1 && (sig_name(m, len, &off, name, &nlen) != 0 || (off += 4) > len))
		return -1;
	if ((recs = calloc((size_t)an + 1, sizeof(*recs))) == NULL)
		return -1;
	for (i = 0; i < an; i++) {
		if (sig_name(m, len, &off, name, &nlen) != 0 || off + 10 > len)
			goto out;
		type = dnswire_get16(m + off);
		rdlen = dnswire_get16(m + off + 8);
		off += 10;
		if (off + rdlen > len)
			goto out;
		if (type != DNS_TYPE_OPT && sig_record(m, len, off, type, rdlen, recs[n]) == 0)
			n++;
		off += rdlen;
	}
	qsort(recs, n, sizeof(*recs), sig_cmp);
	/* RCODE first, then the sorted record hashes: order and TTLs do not matter. */
	if ((h = malloc(1 + n * TLS_SHA256_LEN)) == NULL)
		goto out;
	((uint8_t *)h)[0] = rcode;
	memcpy((uint8_t *)h + 1, recs, n * TLS_SHA256_LEN);
	tls_sha256(h, 1 + n * TLS_SHA256_LEN, out);
	free(h);
	rc = 0;
out:
	free(recs);
	return rc;
}
