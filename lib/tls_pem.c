/* lib/tls_pem.c - one CA certificate from PEM, strictly: the DER that is pinned is the DER trusted. */
#include <wolfssl/options.h>
/* Feature macros (_GNU_SOURCE) must precede the first system header wolfSSL pulls in. */
#include "autoconf.h"

#include <wolfssl/ssl.h>
#include <wolfssl/wolfcrypt/asn.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tls.h"

#define PEM_DASHES "-----"
#define PEM_BEGIN_CERT "-----BEGIN CERTIFICATE-----"
#define PEM_END_CERT "-----END CERTIFICATE-----"

/* PEM white space (RFC 7468 section 3: WSP and line breaks). */
static int
tls_pem_ws(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

static size_t
tls_pem_skip_ws(const char *s, size_t len, size_t i)
{
	while (i < len && tls_pem_ws(s[i]))
		i++;
	return i;
}

static int
tls_pem_b64val(char ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9')
		return ch - '0' + 52;
	if (ch == '+')
		return 62;
	if (ch == '/')
		return 63;
	return -1;
}

/*
 * Decode the base64 text s[0..len) (white space ignored) into out (cap bytes). Strict:
 * '=' only as the last one or two characters of the last quantum, no bits left over.
 * Returns the decoded length or -1.
 */
static long
tls_pem_b64(const char *s, size_t len, uint8_t *out, size_t cap)
{
	uint32_t acc = 0;
	size_t n = 0, chars = 0, pad = 0;

	for (size_t i = 0; i < len; i++) {
		int v;

		if (tls_pem_ws(s[i]))
			continue;
		if (s[i] == '=') {
			pad++;
			chars++;
			continue;
		}
		if (pad > 0 || (v = tls_pem_b64val(s[i])) < 0)
			return -1;	/* data after padding, or a foreign character */
		acc = acc << 6 | (uint32_t)v;
		if (++chars % 4 == 0) {
			if (n + 3 > cap)
				return -1;
			out[n++] = (uint8_t)(acc >> 16);
			out[n++] = (uint8_t)(acc >> 8);
			out[n++] = (uint8_t)acc;
			acc = 0;
		}
	}
	if (chars % 4 != 0 || pad > 2)
		return -1;
	if (pad == 0)
		return (long)n;
	/* The last quantum holds 4 - pad characters: 18 or 12 bits, of which 16 or 8 count. */
	if (pad == 1) {
		if ((acc & 3) != 0 || n + 2 > cap)
			return -1;
		out[n++] = (uint8_t)(acc >> 10);
		out[n++] = (uint8_t)(acc >> 2);
	} else {
		if ((acc & 15) != 0 || n + 1 > cap)
			return -1;
		out[n++] = (uint8_t)(acc >> 4);
	}
	return (long)n;
}

/*
 * Whether der[0..len) is exactly one DER SEQUENCE (definite length, no bytes after it): a
 * certificate's outer shape. Catches two certificates concatenated inside one block.
 */
static int
tls_pem_one_sequence(const uint8_t *der, size_t len)
{
	size_t hdr = 2, body;

	if (len < 2 || der[0] != 0x30)
		return 0;
	if (der[1] < 0x80) {
		body = der[1];
	} else {
		size_t nlen = der[1] & 0x7f;

		if (nlen == 0 || nlen > 3 || len < 2 + nlen)
			return 0;
		body = 0;
		for (size_t i = 0; i < nlen; i++)
			body = body << 8 | der[2 + i];
		hdr += nlen;
	}
	return hdr + body == len;
}

/* Whether wolfSSL parses der[0..len) as a certificate (signature not checked). */
static int
tls_pem_parses(const uint8_t *der, size_t len)
{
	DecodedCert *dc;
	int ok;

	if ((dc = malloc(sizeof(*dc))) == NULL)
		return 0;
	wc_InitDecodedCert(dc, der, (word32)len, NULL);
	ok = wc_ParseCert(dc, CERT_TYPE, NO_VERIFY, NULL) == 0;
	wc_FreeDecodedCert(dc);
	free(dc);
	return ok;
}

/* The type named by a "-----BEGIN X-----" line at s[i..len), for messages. */
static void
tls_pem_type(const char *s, size_t len, size_t i, char *out, size_t outlen)
{
	size_t start = i + strlen("-----BEGIN "), end = start;

	while (end < len && end - start < 40 && s[end] != '-' && s[end] != '\n')
		end++;
	snprintf(out, outlen, "%.*s", (int)(end - start), s + start);
}

/* Find the certificate block in pem; its base64 text is pem[*b64..*b64 + *b64len). */
static int
tls_pem_block(const char *pem, size_t len, size_t *b64, size_t *b64len, char *err,
    size_t errlen)
{
	const size_t blen = strlen(PEM_BEGIN_CERT), elen = strlen(PEM_END_CERT);
	size_t i = tls_pem_skip_ws(pem, len, 0), j;
	char type[48];

	if (i == len) {
		snprintf(err, errlen, "no certificate (empty PEM)");
		return -1;
	}
	if (len - i >= 11 && memcmp(pem + i, "-----BEGIN ", 11) == 0 &&
	    (len - i < blen || memcmp(pem + i, PEM_BEGIN_CERT, blen) != 0)) {
		tls_pem_type(pem, len, i, type, sizeof(type));
		snprintf(err, errlen, "a PEM block of type '%s', not a CERTIFICATE", type);
		return -1;
	}
	if (len - i < blen || memcmp(pem + i, PEM_BEGIN_CERT, blen) != 0) {
		snprintf(err, errlen, "text before the certificate (PEM must start with %s)",
		    PEM_BEGIN_CERT);
		return -1;
	}
	*b64 = i += blen;
	/* The base64 text ends at the first dash: anything else there is not base64. */
	for (j = i; j < len && pem[j] != '-'; j++)
		;
	if (j == len || len - j < elen || memcmp(pem + j, PEM_END_CERT, elen) != 0) {
		snprintf(err, errlen, "the certificate has no %s line", PEM_END_CERT);
		return -1;
	}
	*b64len = j - i;
	i = tls_pem_skip_ws(pem, len, j + elen);
	if (i < len) {
		/* The attack: the genuine CA first, the attacker's CA after it. */
		if (len - i >= 5 && memcmp(pem + i, PEM_DASHES, 5) == 0)
			snprintf(err, errlen, "more than one PEM block (exactly one CA "
			    "certificate is allowed)");
		else
			snprintf(err, errlen, "data after the certificate");
		return -1;
	}
	return 0;
}

int
tls_pem_cert_der(const char *pem, size_t len, uint8_t **der, size_t *derlen, char *err,
    size_t errlen)
{
	char dummy[8];
	size_t b64, b64len;
	uint8_t *buf;
	long n;

	if (err == NULL || errlen == 0) {
		err = dummy;
		errlen = sizeof(dummy);
	}
	*der = NULL;
	*derlen = 0;
	if (pem == NULL || memchr(pem, '\0', len) != NULL) {
		snprintf(err, errlen, "NUL byte in the PEM");
		return -1;
	}
	if (tls_pem_block(pem, len, &b64, &b64len, err, errlen) != 0)
		return -1;
	if ((buf = malloc(TLS_MAX_DER)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if ((n = tls_pem_b64(pem + b64, b64len, buf, TLS_MAX_DER)) <= 0) {
		snprintf(err, errlen, "the certificate is not valid base64 (or over %d bytes)",
		    TLS_MAX_DER);
		goto fail;
	}
	if (!tls_pem_one_sequence(buf, (size_t)n)) {
		snprintf(err, errlen, "the PEM block is not exactly one DER certificate");
		goto fail;
	}
	/* Parse it as wolfSSL will, so that a pin never names something it cannot load. */
	if (!tls_pem_parses(buf, (size_t)n)) {
		snprintf(err, errlen, "the PEM block is not a certificate");
		goto fail;
	}
	*der = buf;
	*derlen = (size_t)n;
	return 0;
fail:
	free(buf);
	return -1;
}

int
tls_pem_sha256(const char *pem, size_t len, uint8_t out[TLS_SHA256_LEN], char *err,
    size_t errlen)
{
	uint8_t *der;
	size_t n;

	if (tls_pem_cert_der(pem, len, &der, &n, err, errlen) != 0)
		return -1;
	tls_sha256(der, n, out);
	free(der);
	return 0;
}
