/* tests/unit/test_tls_chain.c - lib/tls_chain.c: host names (RFC 6125), the SPKI walk, the judge. */
#include <wolfssl/options.h>
#include "autoconf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "tls.h"

/*
 * A root and a leaf made once with openssl ca (EC P-256, valid 2024-01-01 to 2124-01-01):
 * "Unit Root" (CA:TRUE) signs "www.unit.test" (SANs www.unit.test, *.wild.unit.test,
 * extended key usage serverAuth).
 */
static const uint8_t root_der[] = {
	0x30, 0x82, 0x01, 0x5c, 0x30, 0x82, 0x01, 0x02, 0xa0, 0x03, 0x02, 0x01,
	0x02, 0x02, 0x02, 0x10, 0x00, 0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48,
	0xce, 0x3d, 0x04, 0x03, 0x02, 0x30, 0x14, 0x31, 0x12, 0x30, 0x10, 0x06,
	0x03, 0x55, 0x04, 0x03, 0x0c, 0x09, 0x55, 0x6e, 0x69, 0x74, 0x20, 0x52,
	0x6f, 0x6f, 0x74, 0x30, 0x20, 0x17, 0x0d, 0x32, 0x34, 0x30, 0x31, 0x30,
	0x31, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x5a, 0x18, 0x0f, 0x32, 0x31,
	0x32, 0x34, 0x30, 0x31, 0x30, 0x31, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30,
	0x5a, 0x30, 0x14, 0x31, 0x12, 0x30, 0x10, 0x06, 0x03, 0x55, 0x04, 0x03,
	0x0c, 0x09, 0x55, 0x6e, 0x69, 0x74, 0x20, 0x52, 0x6f, 0x6f, 0x74, 0x30,
	0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01,
	0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42,
	0x00, 0x04, 0xe4, 0xd2, 0xe0, 0x91, 0x47, 0x52, 0xee, 0x1c, 0xa7, 0xb0,
	0x40, 0x2c, 0x14, 0xc2, 0x0c, 0x15, 0x2c, 0xe7, 0x0f, 0xa7, 0x35, 0x15,
	0xa6, 0x6b, 0xd1, 0x58, 0xe6, 0x60, 0xb6, 0x9a, 0x20, 0x93, 0xfe, 0xe9,
	0x69, 0x25, 0x7b, 0xd0, 0x2a, 0x22, 0x93, 0xe8, 0x9a, 0x8f, 0xd2, 0xc8,
	0xfa, 0xad, 0xf5, 0x5c, 0xc2, 0x34, 0x4b, 0x00, 0x88, 0x9c, 0xc1, 0xd2,
	0xc6, 0x76, 0xb9, 0x44, 0x28, 0x24, 0xa3, 0x42, 0x30, 0x40, 0x30, 0x0f,
	0x06, 0x03, 0x55, 0x1d, 0x13, 0x01, 0x01, 0xff, 0x04, 0x05, 0x30, 0x03,
	0x01, 0x01, 0xff, 0x30, 0x0e, 0x06, 0x03, 0x55, 0x1d, 0x0f, 0x01, 0x01,
	0xff, 0x04, 0x04, 0x03, 0x02, 0x01, 0x06, 0x30, 0x1d, 0x06, 0x03, 0x55,
	0x1d, 0x0e, 0x04, 0x16, 0x04, 0x14, 0x28, 0x0f, 0x02, 0x77, 0x21, 0xe1,
	0x3f, 0x2f, 0xeb, 0xf6, 0x6c, 0xe5, 0xdb, 0x06, 0x75, 0xa3, 0x86, 0x6e,
	0x7a, 0xb3, 0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04,
	0x03, 0x02, 0x03, 0x48, 0x00, 0x30, 0x45, 0x02, 0x21, 0x00, 0x95, 0xb5,
	0xaa, 0x3d, 0xb0, 0xbf, 0x0e, 0xe5, 0x06, 0xd4, 0x51, 0xc0, 0xbf, 0x98,
	0xf2, 0x3b, 0x09, 0x02, 0x84, 0x61, 0xef, 0x80, 0x3c, 0x77, 0x47, 0x91,
	0x56, 0xe3, 0x56, 0xec, 0x56, 0x99, 0x02, 0x20, 0x6c, 0x36, 0x86, 0x28,
	0x41, 0xd5, 0xc0, 0x71, 0x88, 0x0c, 0x3e, 0x11, 0x57, 0xc7, 0xa8, 0x76,
	0x2d, 0x03, 0x15, 0x3b, 0x50, 0x1f, 0xf9, 0xe3, 0x6a, 0xba, 0xb9, 0x4e,
	0x3e, 0xed, 0x05, 0x74,
};
static const uint8_t leaf_der[] = {
	0x30, 0x82, 0x01, 0xc1, 0x30, 0x82, 0x01, 0x67, 0xa0, 0x03, 0x02, 0x01,
	0x02, 0x02, 0x02, 0x10, 0x01, 0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48,
	0xce, 0x3d, 0x04, 0x03, 0x02, 0x30, 0x14, 0x31, 0x12, 0x30, 0x10, 0x06,
	0x03, 0x55, 0x04, 0x03, 0x0c, 0x09, 0x55, 0x6e, 0x69, 0x74, 0x20, 0x52,
	0x6f, 0x6f, 0x74, 0x30, 0x20, 0x17, 0x0d, 0x32, 0x34, 0x30, 0x31, 0x30,
	0x31, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x5a, 0x18, 0x0f, 0x32, 0x31,
	0x32, 0x34, 0x30, 0x31, 0x30, 0x31, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30,
	0x5a, 0x30, 0x18, 0x31, 0x16, 0x30, 0x14, 0x06, 0x03, 0x55, 0x04, 0x03,
	0x0c, 0x0d, 0x77, 0x77, 0x77, 0x2e, 0x75, 0x6e, 0x69, 0x74, 0x2e, 0x74,
	0x65, 0x73, 0x74, 0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48,
	0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03,
	0x01, 0x07, 0x03, 0x42, 0x00, 0x04, 0x6f, 0xbd, 0x0e, 0xe5, 0xee, 0xe3,
	0xfc, 0x13, 0xa0, 0xf3, 0x6c, 0x58, 0x9a, 0x21, 0x62, 0x89, 0xfe, 0x9e,
	0x6e, 0x7a, 0xec, 0xf8, 0x61, 0xa0, 0x0f, 0x9e, 0x98, 0x7c, 0x89, 0xe8,
	0x81, 0x3c, 0xf7, 0xce, 0x02, 0x8c, 0xac, 0x37, 0xf1, 0x93, 0x29, 0x36,
	0x4f, 0xfd, 0xcd, 0x88, 0x92, 0xbd, 0xac, 0xd7, 0x42, 0x02, 0xbf, 0x50,
	0x58, 0xa2, 0x84, 0x78, 0x94, 0x3d, 0x62, 0x7a, 0x6b, 0x6c, 0xa3, 0x81,
	0xa2, 0x30, 0x81, 0x9f, 0x30, 0x0c, 0x06, 0x03, 0x55, 0x1d, 0x13, 0x01,
	0x01, 0xff, 0x04, 0x02, 0x30, 0x00, 0x30, 0x0e, 0x06, 0x03, 0x55, 0x1d,
	0x0f, 0x01, 0x01, 0xff, 0x04, 0x04, 0x03, 0x02, 0x07, 0x80, 0x30, 0x13,
	0x06, 0x03, 0x55, 0x1d, 0x25, 0x04, 0x0c, 0x30, 0x0a, 0x06, 0x08, 0x2b,
	0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01, 0x30, 0x1d, 0x06, 0x03, 0x55,
	0x1d, 0x0e, 0x04, 0x16, 0x04, 0x14, 0xaf, 0xcb, 0xb4, 0x66, 0x38, 0x64,
	0xc6, 0xd5, 0xfc, 0xf9, 0xa1, 0xda, 0xe0, 0x7d, 0x01, 0x01, 0x50, 0xc8,
	0x5b, 0x31, 0x30, 0x1f, 0x06, 0x03, 0x55, 0x1d, 0x23, 0x04, 0x18, 0x30,
	0x16, 0x80, 0x14, 0x28, 0x0f, 0x02, 0x77, 0x21, 0xe1, 0x3f, 0x2f, 0xeb,
	0xf6, 0x6c, 0xe5, 0xdb, 0x06, 0x75, 0xa3, 0x86, 0x6e, 0x7a, 0xb3, 0x30,
	0x2a, 0x06, 0x03, 0x55, 0x1d, 0x11, 0x04, 0x23, 0x30, 0x21, 0x82, 0x0d,
	0x77, 0x77, 0x77, 0x2e, 0x75, 0x6e, 0x69, 0x74, 0x2e, 0x74, 0x65, 0x73,
	0x74, 0x82, 0x10, 0x2a, 0x2e, 0x77, 0x69, 0x6c, 0x64, 0x2e, 0x75, 0x6e,
	0x69, 0x74, 0x2e, 0x74, 0x65, 0x73, 0x74, 0x30, 0x0a, 0x06, 0x08, 0x2a,
	0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02, 0x03, 0x48, 0x00, 0x30, 0x45,
	0x02, 0x20, 0x3d, 0xed, 0x41, 0xa7, 0xe1, 0xa1, 0x8a, 0xe9, 0x63, 0x8f,
	0xf5, 0xc1, 0x1b, 0x3c, 0xee, 0xee, 0xda, 0x0a, 0xb0, 0xea, 0x5a, 0xa4,
	0x5e, 0xc5, 0x8c, 0x5a, 0xae, 0x60, 0x54, 0x5d, 0x9e, 0x23, 0x02, 0x21,
	0x00, 0xde, 0xc2, 0xb9, 0xaa, 0x58, 0x10, 0x52, 0x30, 0xaa, 0x0c, 0x3f,
	0x7a, 0x92, 0x44, 0x10, 0x62, 0x85, 0x6d, 0xce, 0x46, 0x09, 0xbd, 0xc2,
	0xd3, 0x46, 0x70, 0x60, 0xb6, 0x84, 0x83, 0x73, 0x8a,
};
/* openssl x509 -pubkey | openssl pkey -pubin -outform DER | sha256sum, of the root */
static const char root_spki_sha256[] =
    "7fe9d37840f060e555c6b7e566afb62a0de433ddd161a1db7262e421f78ba875";
static const char root_sha256[] =
    "443b10bb2a96d190ac39fc68f4a46f504205c5152f42b2d69a06e5874299cb08";
static const char leaf_sha256[] =
    "cec6cf2eb173eb55ba891f6559d9885344d9e56d67288f836c9a26af16acda11";

static int
match(const char *pattern, const char *host)
{
	return tls_name_match(pattern, strlen(pattern), host);
}

static void
test_name_exact(void **state)
{
	(void)state;
	assert_true(match("www.example.com", "www.example.com"));
	assert_true(match("WWW.Example.COM", "www.example.com"));
	assert_true(match("www.example.com", "WwW.eXample.com"));
	assert_true(match("www.example.com.", "www.example.com"));
	assert_true(match("www.example.com", "www.example.com."));
	assert_true(match("_dmarc-x.example.com", "_dmarc-x.example.com"));
	assert_false(match("www.example.com", "example.com"));
	assert_false(match("example.com", "www.example.com"));
	assert_false(match("www.example.com", "www.example.co"));
	assert_false(match("www.example.com", "www.example.com.."));
	assert_false(match("www..example.com", "www..example.com"));
	assert_false(match(".example.com", ".example.com"));
	assert_false(match("", ""));
	assert_false(match("www.example.com", ""));
	assert_false(match("www example.com", "www example.com"));
	/* An IP literal is not a DNS-ID for a host name, but as text it is plain labels. */
	assert_false(match("192.0.2.1", "192.0.2.10"));
}

static void
test_name_wildcard(void **state)
{
	(void)state;
	assert_true(match("*.example.com", "www.example.com"));
	assert_true(match("*.example.com", "WWW.EXAMPLE.COM."));
	assert_true(match("*.Example.Com", "x.example.com"));
	/* one label, exactly */
	assert_false(match("*.example.com", "example.com"));
	assert_false(match("*.example.com", "a.b.example.com"));
	assert_false(match("*.example.com", ".example.com"));
	/* only the whole leftmost label, never partial, never elsewhere, never twice */
	assert_false(match("w*.example.com", "www.example.com"));
	assert_false(match("*w.example.com", "www.example.com"));
	assert_false(match("www.*.com", "www.example.com"));
	assert_false(match("*.*.com", "www.example.com"));
	assert_false(match("**.example.com", "www.example.com"));
	assert_false(match("*", "com"));
	/* at least two labels after the wildcard */
	assert_false(match("*.com", "example.com"));
	assert_false(match("*.", "com."));
	/* the host itself may not carry a wildcard */
	assert_false(match("*.example.com", "*.example.com"));
	assert_false(match("www.example.com", "*.example.com"));
}

static void
test_name_idna(void **state)
{
	(void)state;
	/* A-labels compare as ASCII; a wildcard may stand for one */
	assert_true(match("xn--bcher-kva.example", "xn--bcher-kva.example"));
	assert_true(match("XN--BCHER-KVA.example", "xn--bcher-kva.example"));
	assert_true(match("*.example.org", "xn--bcher-kva.example.org"));
	/* but never inside one (RFC 6125 section 6.4.3) */
	assert_false(match("xn--*.example.org", "xn--bcher-kva.example.org"));
	assert_false(match("xn--bcher*.example.org", "xn--bcher-kva.example.org"));
	/* U-labels and other bytes outside LDH are not IA5 DNS-IDs: no match, not even equal */
	assert_false(match("b\xc3\xbc" "cher.example", "b\xc3\xbc" "cher.example"));
	assert_false(match("bucher.example", "b\xc3\xbc" "cher.example"));
}

static void
test_name_embedded_nul(void **state)
{
	static const char evil[] = "www.example.com\0.attacker.test";

	(void)state;
	assert_false(tls_name_match(evil, sizeof(evil) - 1, "www.example.com"));
	assert_true(tls_name_match("www.example.comXX", 15, "www.example.com"));
}

static void
test_name_long(void **state)
{
	char host[300], label[70];

	(void)state;
	memset(label, 'a', 63);
	label[63] = '\0';
	snprintf(host, sizeof(host), "%s.example", label);
	assert_true(match(host, host));
	memset(label, 'a', 64);
	label[64] = '\0';
	snprintf(host, sizeof(host), "%s.example", label);
	assert_false(match(host, host));
}

static void
hex_of(const uint8_t *p, size_t len, char *out)
{
	tls_hex(p, len, out);
}

static void
test_spki(void **state)
{
	size_t off = 0, len = 0;
	uint8_t h[TLS_SHA256_LEN];
	char hex[TLS_SHA256_HEX];

	(void)state;
	assert_int_equal(tls_der_spki(root_der, sizeof(root_der), &off, &len), 0);
	assert_int_equal(len, 91);	/* SEQUENCE { P-256 algorithm, 65-byte point } */
	tls_sha256(root_der + off, len, h);
	hex_of(h, sizeof(h), hex);
	assert_string_equal(hex, root_spki_sha256);
	assert_int_equal(tls_der_spki(leaf_der, sizeof(leaf_der), &off, &len), 0);
	assert_int_equal(len, 91);
	/* truncated anywhere before the end of the key: refused, never read past the end */
	for (size_t n = 0; n < 170; n++)
		assert_int_equal(tls_der_spki(root_der, n, &off, &len), -1);
	assert_int_equal(tls_der_spki((const uint8_t *)"\x30\x80\x30\x80", 4, &off, &len), -1);
	assert_int_equal(tls_der_spki((const uint8_t *)"\x31\x03\x02\x01\x00", 5, &off, &len), -1);
}

static struct tls_anchor
anchor(uint8_t selector, const char *hex)
{
	struct tls_anchor a;

	a.selector = selector;
	assert_int_equal(tls_unhex(hex, a.sha256, sizeof(a.sha256)), 0);
	return a;
}

static enum tls_judgement
judge(const uint8_t *const *der, const size_t *len, size_t n, const char *name,
    const struct tls_anchor *a, size_t n_a, int *matched)
{
	char why[256];
	enum tls_judgement r = tls_chain_judge(der, len, n, name, a, n_a, matched, why, sizeof(why));

	assert_true(why[0] != '\0');
	return r;
}

static void
test_judge(void **state)
{
	const uint8_t *der[2] = { leaf_der, root_der };
	size_t len[2] = { sizeof(leaf_der), sizeof(root_der) };
	struct tls_anchor a[3];
	int m;

	(void)state;
	a[0] = anchor(0, leaf_sha256);
	a[0].sha256[0] ^= 1;		/* accepts nothing sent */
	a[1] = anchor(0, root_sha256);
	a[2] = anchor(1, root_spki_sha256);
	assert_int_equal(judge(der, len, 2, "www.unit.test", a + 1, 1, &m), TLS_JUDGE_OK);
	assert_int_equal(m, 0);
	assert_int_equal(judge(der, len, 2, "www.unit.test", a, 2, &m), TLS_JUDGE_OK);
	assert_int_equal(m, 1);
	assert_int_equal(judge(der, len, 2, "x.wild.unit.test", a + 2, 1, &m), TLS_JUDGE_OK);
	assert_int_equal(m, 0);
	assert_int_equal(judge(der, len, 2, "wild.unit.test", a + 2, 1, &m), TLS_JUDGE_BAD_NAME);
	assert_int_equal(judge(der, len, 2, "unit.test", a + 1, 1, &m), TLS_JUDGE_BAD_NAME);
	assert_int_equal(m, 0);
	assert_int_equal(judge(der, len, 2, "www.unit.test", a, 1, &m), TLS_JUDGE_NO_ANCHOR);
	assert_int_equal(m, -1);
	assert_int_equal(judge(der, len, 2, "www.unit.test", NULL, 0, &m), TLS_JUDGE_NO_ANCHOR);
	/* the root accepted but not sent: nothing to anchor on */
	assert_int_equal(judge(der, len, 1, "www.unit.test", a + 1, 1, &m), TLS_JUDGE_NO_ANCHOR);
	/* the leaf pinned: it is its own anchor */
	a[0] = anchor(0, leaf_sha256);
	assert_int_equal(judge(der, len, 1, "www.unit.test", a, 1, &m), TLS_JUDGE_OK);
	/* the root sent first: the order of the certificates after the leaf does not matter */
	{
		const uint8_t *der3[3] = { leaf_der, root_der, root_der };
		size_t len3[3] = { sizeof(leaf_der), sizeof(root_der), sizeof(root_der) };

		assert_int_equal(judge(der3, len3, 3, "www.unit.test", a + 1, 1, &m), TLS_JUDGE_OK);
	}
}

static void
test_judge_tampered(void **state)
{
	uint8_t bad[sizeof(leaf_der)];
	const uint8_t *der[2] = { bad, root_der };
	size_t len[2] = { sizeof(bad), sizeof(root_der) };
	struct tls_anchor a = anchor(0, root_sha256);
	int m;

	(void)state;
	/* one bit of the signature */
	memcpy(bad, leaf_der, sizeof(bad));
	bad[sizeof(bad) - 1] ^= 1;
	assert_int_equal(judge(der, len, 2, "www.unit.test", &a, 1, &m), TLS_JUDGE_BAD_CHAIN);
	assert_int_equal(m, 0);
	/* one bit of the signed part (a SAN letter: www.unit.test becomes wvw.unit.test) */
	memcpy(bad, leaf_der, sizeof(bad));
	for (size_t i = 0; i + 13 <= sizeof(bad); i++)
		if (memcmp(bad + i, "www.unit.test", 13) == 0 && i > 200) {
			bad[i + 1] = 'v';
			break;
		}
	assert_int_equal(judge(der, len, 2, "wvw.unit.test", &a, 1, &m), TLS_JUDGE_BAD_CHAIN);
	/* garbage for a leaf */
	memset(bad, 0x30, sizeof(bad));
	assert_int_equal(judge(der, len, 2, "www.unit.test", &a, 1, &m), TLS_JUDGE_BAD_CHAIN);
	/* nothing at all */
	assert_int_equal(judge(der, len, 0, "www.unit.test", &a, 1, &m), TLS_JUDGE_NO_ANCHOR);
}

/* der as one PEM certificate into f. */
static void
write_pem(FILE *f, const uint8_t *der, size_t len)
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t col = 0;

	fprintf(f, "-----BEGIN CERTIFICATE-----\n");
	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)der[i] << 16 | (i + 1 < len ? (uint32_t)der[i + 1] << 8 : 0) |
		    (i + 2 < len ? der[i + 2] : 0);
		fputc(b64[v >> 18 & 63], f);
		fputc(b64[v >> 12 & 63], f);
		fputc(i + 1 < len ? b64[v >> 6 & 63] : '=', f);
		fputc(i + 2 < len ? b64[v & 63] : '=', f);
		if ((col += 4) == 64) {
			fputc('\n', f);
			col = 0;
		}
	}
	fprintf(f, "%s-----END CERTIFICATE-----\n", col ? "\n" : "");
}

/* A trust store file holding the given certificates (text in between, like a bundle). */
static struct tls_store *
store_of(const uint8_t *const *der, const size_t *len, size_t n, char *path)
{
	char err[256];
	struct tls_store *st;
	FILE *f;
	int fd;

	strcpy(path, "/tmp/test_tls_chain.XXXXXX");
	assert_true((fd = mkstemp(path)) >= 0);
	assert_non_null(f = fdopen(fd, "w"));
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "# certificate %zu\n", i);
		write_pem(f, der[i], len[i]);
	}
	fclose(f);
	st = tls_store_load(path, err, sizeof(err));
	unlink(path);
	return st;
}

/*
 * Review finding 1: the stub's own handshake with the mirrors' address must verify up to the
 * trust store for the name before its CAs count; a chain of the attacker's own CA (not in
 * the store), one for another name, or a root of the same name but another key gives none.
 */
static void
test_judge_store(void **state)
{
	const uint8_t *der[2] = { leaf_der, root_der };
	size_t len[2] = { sizeof(leaf_der), sizeof(root_der) };
	uint8_t path[TLS_MAX_CHAIN][TLS_SHA256_LEN], want[TLS_SHA256_LEN], fake[sizeof(root_der)];
	const uint8_t *fake_der[1] = { fake };
	size_t n_path, off, slen;
	char why[256], file[64];
	struct tls_store *st;

	(void)state;
	assert_non_null(st = store_of(der + 1, len + 1, 1, file));
	assert_int_equal(tls_store_count(st), 1);
	assert_int_equal(tls_unhex(root_sha256, want, sizeof(want)), 0);
	/* the root not sent: the store supplies it, and it is the path's CA */
	assert_int_equal(tls_chain_judge_store(der, len, 1, "www.unit.test", st, path,
			     TLS_MAX_CHAIN, &n_path, why, sizeof(why)), TLS_JUDGE_OK);
	assert_int_equal(n_path, 1);
	assert_memory_equal(path[0], want, TLS_SHA256_LEN);
	/* the root sent too */
	assert_int_equal(tls_chain_judge_store(der, len, 2, "www.unit.test", st, path,
			     TLS_MAX_CHAIN, &n_path, why, sizeof(why)), TLS_JUDGE_OK);
	assert_int_equal(n_path, 1);
	/* a name the leaf is not for: no CA */
	assert_int_equal(tls_chain_judge_store(der, len, 2, "bank.example", st, path,
			     TLS_MAX_CHAIN, &n_path, why, sizeof(why)), TLS_JUDGE_BAD_NAME);
	assert_int_equal(n_path, 0);
	tls_store_free(st);

	/* a store without the chain's CA: the attacker's own CA is no anchor */
	assert_non_null(st = store_of(der, len, 1, file));
	assert_int_equal(tls_chain_judge_store(der + 1, len + 1, 1, "www.unit.test", st, path,
			     TLS_MAX_CHAIN, &n_path, why, sizeof(why)), TLS_JUDGE_NO_ANCHOR);
	assert_int_equal(n_path, 0);
	assert_int_equal(tls_chain_judge_store(der, len, 2, "www.unit.test", NULL, path,
			     TLS_MAX_CHAIN, &n_path, why, sizeof(why)), TLS_JUDGE_NO_ANCHOR);
	tls_store_free(st);

	/* a root of the same name with another key in the store: the leaf does not verify */
	memcpy(fake, root_der, sizeof(fake));
	assert_int_equal(tls_der_spki(fake, sizeof(fake), &off, &slen), 0);
	fake[off + slen - 1] ^= 1;
	assert_non_null(st = store_of(fake_der, len + 1, 1, file));
	assert_int_equal(tls_chain_judge_store(der, len, 1, "www.unit.test", st, path,
			     TLS_MAX_CHAIN, &n_path, why, sizeof(why)), TLS_JUDGE_BAD_CHAIN);
	assert_int_equal(n_path, 0);
	tls_store_free(st);

	/* no certificate, no store */
	assert_null(store_of(der, len, 0, file));
	assert_null(tls_store_load("/nonexistent/bundle.pem", why, sizeof(why)));
	tls_store_free(NULL);
}

/* A directory of PEM files, as /etc/ssl/certs: each certificate once. */
static void
test_store_dir(void **state)
{
	char dir[64] = "/tmp/test_tls_chain.XXXXXX", p[128], err[256];
	struct tls_store *st;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	for (int i = 0; i < 2; i++) {
		snprintf(p, sizeof(p), "%s/root%d.pem", dir, i);
		assert_non_null(f = fopen(p, "w"));
		write_pem(f, root_der, sizeof(root_der));
		fclose(f);
	}
	snprintf(p, sizeof(p), "%s/leaf.pem", dir);
	assert_non_null(f = fopen(p, "w"));
	write_pem(f, leaf_der, sizeof(leaf_der));
	fclose(f);
	st = tls_store_load(dir, err, sizeof(err));
	for (int i = 0; i < 2; i++) {
		snprintf(p, sizeof(p), "%s/root%d.pem", dir, i);
		unlink(p);
	}
	snprintf(p, sizeof(p), "%s/leaf.pem", dir);
	unlink(p);
	rmdir(dir);
	assert_non_null(st);
	assert_int_equal(tls_store_count(st), 2);
	assert_ptr_equal(tls_store_ref(st), st);
	tls_store_free(st);
	assert_int_equal(tls_store_count(st), 2); /* one reference left */
	tls_store_free(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_exact),
		cmocka_unit_test(test_name_wildcard),
		cmocka_unit_test(test_name_idna),
		cmocka_unit_test(test_name_embedded_nul),
		cmocka_unit_test(test_name_long),
		cmocka_unit_test(test_spki),
		cmocka_unit_test(test_judge),
		cmocka_unit_test(test_judge_tampered),
		cmocka_unit_test(test_judge_store),
		cmocka_unit_test(test_store_dir),
	};
	int rc;

	tls_init();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	tls_cleanup();
	return rc;
}
