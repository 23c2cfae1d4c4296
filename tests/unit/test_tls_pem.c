/* tests/unit/test_tls_pem.c - lib/tls_pem.c: exactly one CA certificate per PEM, the pinned DER trusted. */
#include <wolfssl/options.h>
#include "autoconf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tls.h"

/*
 * Two self-signed EC P-256 CAs made once with openssl req -x509 (valid until 2126):
 * "Unit CA A" (the genuine mirror's) and "Unit CA B" (the attacker's).
 */
static const char ca_a[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIBfzCCASWgAwIBAgIUZHDnOmzCfiUT/9gPJEduGv9sSuQwCgYIKoZIzj0EAwIw\n"
	"FDESMBAGA1UEAwwJVW5pdCBDQSBBMCAXDTI2MTIwNDIxMTE1OFoYDzIxMjYxMTEw\n"
	"MjExMTU4WjAUMRIwEAYDVQQDDAlVbml0IENBIEEwWTATBgcqhkjOPQIBBggqhkjO\n"
	"PQMBBwNCAATa4s2lf4REpoVncHrtvl3mn83BD7nTfDh5tXdMjluVdQjwb7vZ6hPF\n"
	"T0Li8Ds+WRyEJiX/dOItjH4yibRUJCq7o1MwUTAdBgNVHQ4EFgQUL31CuaUnQzU4\n"
	"DLVJx2d4yhb/u+4wHwYDVR0jBBgwFoAUL31CuaUnQzU4DLVJx2d4yhb/u+4wDwYD\n"
	"VR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNIADBFAiEAwZYUyOyHdj7/51VyfXDS\n"
	"09eTCI7FMEDFk1up+aW1r3wCICT40csgo7jpDRBI/W+dCPB5PPwPVbSx9uH8UHO5\n"
	"t/IT\n"
	"-----END CERTIFICATE-----\n";

static const char ca_b[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIBfzCCASWgAwIBAgIUNza2x6a8T9lg66JrwLV0f9YUf9owCgYIKoZIzj0EAwIw\n"
	"FDESMBAGA1UEAwwJVW5pdCBDQSBCMCAXDTI2MTIwNDIxMTE1OFoYDzIxMjYxMTEw\n"
	"MjExMTU4WjAUMRIwEAYDVQQDDAlVbml0IENBIEIwWTATBgcqhkjOPQIBBggqhkjO\n"
	"PQMBBwNCAAQ+A9egbyzNUvwu5mCUPPCz4uDkE2SMFsenSj7u4yye3p+0H0VwuxG8\n"
	"0tPWIywvrp/HG8jdvLz3xxsl2shdLUeDo1MwUTAdBgNVHQ4EFgQUCfjgyNtcZRTb\n"
	"U3Fwhbwh73Ptb0IwHwYDVR0jBBgwFoAUCfjgyNtcZRTbU3Fwhbwh73Ptb0IwDwYD\n"
	"VR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNIADBFAiEA4WugWxGvEI4T8+MV8bjK\n"
	"AdjCbXhDXWNPMcDEl5sEDR4CIBGVjQwptKAPjbMpA6139s2st9DZ+DsazET6ZK1Z\n"
	"Enz8\n"
	"-----END CERTIFICATE-----\n";

/* Both DERs inside one BEGIN/END block: one PEM block, two certificates. */
static const char two_in_one[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIBfzCCASWgAwIBAgIUZHDnOmzCfiUT/9gPJEduGv9sSuQwCgYIKoZIzj0EAwIw\n"
	"FDESMBAGA1UEAwwJVW5pdCBDQSBBMCAXDTI2MTIwNDIxMTE1OFoYDzIxMjYxMTEw\n"
	"MjExMTU4WjAUMRIwEAYDVQQDDAlVbml0IENBIEEwWTATBgcqhkjOPQIBBggqhkjO\n"
	"PQMBBwNCAATa4s2lf4REpoVncHrtvl3mn83BD7nTfDh5tXdMjluVdQjwb7vZ6hPF\n"
	"T0Li8Ds+WRyEJiX/dOItjH4yibRUJCq7o1MwUTAdBgNVHQ4EFgQUL31CuaUnQzU4\n"
	"DLVJx2d4yhb/u+4wHwYDVR0jBBgwFoAUL31CuaUnQzU4DLVJx2d4yhb/u+4wDwYD\n"
	"VR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNIADBFAiEAwZYUyOyHdj7/51VyfXDS\n"
	"09eTCI7FMEDFk1up+aW1r3wCICT40csgo7jpDRBI/W+dCPB5PPwPVbSx9uH8UHO5\n"
	"t/ITMIIBfzCCASWgAwIBAgIUNza2x6a8T9lg66JrwLV0f9YUf9owCgYIKoZIzj0E\n"
	"AwIwFDESMBAGA1UEAwwJVW5pdCBDQSBCMCAXDTI2MTIwNDIxMTE1OFoYDzIxMjYx\n"
	"MTEwMjExMTU4WjAUMRIwEAYDVQQDDAlVbml0IENBIEIwWTATBgcqhkjOPQIBBggq\n"
	"hkjOPQMBBwNCAAQ+A9egbyzNUvwu5mCUPPCz4uDkE2SMFsenSj7u4yye3p+0H0Vw\n"
	"uxG80tPWIywvrp/HG8jdvLz3xxsl2shdLUeDo1MwUTAdBgNVHQ4EFgQUCfjgyNtc\n"
	"ZRTbU3Fwhbwh73Ptb0IwHwYDVR0jBBgwFoAUCfjgyNtcZRTbU3Fwhbwh73Ptb0Iw\n"
	"DwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNIADBFAiEA4WugWxGvEI4T8+MV\n"
	"8bjKAdjCbXhDXWNPMcDEl5sEDR4CIBGVjQwptKAPjbMpA6139s2st9DZ+DsazET6\n"
	"ZK1ZEnz8\n"
	"-----END CERTIFICATE-----\n";

static const char ca_a_sha256[] = "eef53e944ba0dc4e3f1c3151ecc99337a4f4f490b44534dbf94790b145df7e65";
static const char ca_b_sha256[] = "9818199c46ce73a92b7ad17de2d7bdac309c282e7673999b32cc7866f06f2726";

/* pem as given must be refused, with a reason containing why. */
static void
assert_refused(const char *pem, size_t len, const char *why)
{
	uint8_t *der = (uint8_t *)1, fp[TLS_SHA256_LEN];
	size_t n = 99;
	char err[200] = "";

	assert_int_equal(tls_pem_cert_der(pem, len, &der, &n, err, sizeof(err)), -1);
	assert_null(der);
	assert_int_equal(n, 0);
	if (strstr(err, why) == NULL)
		fail_msg("expected '%s' in '%s'", why, err);
	assert_int_equal(tls_pem_sha256(pem, len, fp, NULL, 0), -1);
}

/* A string built from parts, malloc'd (the caller frees). */
static char *
cat3(const char *a, const char *b, const char *c)
{
	size_t n = strlen(a) + strlen(b) + strlen(c) + 1;
	char *s = malloc(n);

	assert_non_null(s);
	snprintf(s, n, "%s%s%s", a, b, c);
	return s;
}

static void
assert_sha(const char *pem, const char *hex)
{
	uint8_t fp[TLS_SHA256_LEN];
	char got[TLS_SHA256_HEX], err[200] = "";

	if (tls_pem_sha256(pem, strlen(pem), fp, err, sizeof(err)) != 0)
		fail_msg("refused: %s", err);
	assert_string_equal(tls_hex(fp, sizeof(fp), got), hex);
}

static void
test_one_certificate(void **state)
{
	uint8_t *der;
	size_t n;
	char *s;

	(void)state;
	assert_sha(ca_a, ca_a_sha256);
	assert_sha(ca_b, ca_b_sha256);
	assert_int_equal(tls_pem_cert_der(ca_a, strlen(ca_a), &der, &n, NULL, 0), 0);
	assert_true(n > 300 && n < 500);
	assert_int_equal(der[0], 0x30);
	free(der);
	/* White space around the block, no final newline: still the one certificate. */
	s = cat3("\n  \t\r\n", ca_a, "\n\n  ");
	assert_sha(s, ca_a_sha256);
	free(s);
	s = strdup(ca_a);
	s[strlen(s) - 1] = '\0';
	assert_sha(s, ca_a_sha256);
	free(s);
}

static void
test_crlf_and_rewrapped(void **state)
{
	char buf[2048], *o = buf;

	(void)state;
	/* CRLF line ends (a PEM saved on Windows). */
	for (const char *p = ca_a; *p; p++) {
		if (*p == '\n')
			*o++ = '\r';
		*o++ = *p;
	}
	*o = '\0';
	assert_sha(buf, ca_a_sha256);
	/* The base64 on one line: line length is not the parser's business. */
	o = buf;
	for (const char *p = ca_a; *p; p++) {
		if (*p == '\n' && p[1] != '-' && p > ca_a + 28)
			continue;
		*o++ = *p;
	}
	*o = '\0';
	assert_sha(buf, ca_a_sha256);
}

/* The attack of issue 12 finding 1: the genuine CA followed by the attacker's. */
static void
test_second_certificate_refused(void **state)
{
	char *s;

	(void)state;
	s = cat3(ca_a, "", ca_b);
	assert_refused(s, strlen(s), "more than one PEM block");
	free(s);
	s = cat3(ca_a, "\n\n", ca_b);
	assert_refused(s, strlen(s), "more than one PEM block");
	free(s);
	/* The attacker's first: refused as well, not hashed as B and trusted as both. */
	s = cat3(ca_b, "", ca_a);
	assert_refused(s, strlen(s), "more than one PEM block");
	free(s);
	/* Two DERs in one block. */
	assert_refused(two_in_one, strlen(two_in_one), "not exactly one DER certificate");
}

static void
test_other_blocks_refused(void **state)
{
	static const char key[] = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n"
	    "-----END PRIVATE KEY-----\n";
	char *s;

	(void)state;
	assert_refused(key, strlen(key), "type 'PRIVATE KEY'");
	s = cat3(ca_a, "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n",
	    "");
	assert_refused(s, strlen(s), "more than one PEM block");
	free(s);
	s = cat3("Bag Attributes\n", ca_a, "");
	assert_refused(s, strlen(s), "text before the certificate");
	free(s);
	s = cat3(ca_a, "trailing words\n", "");
	assert_refused(s, strlen(s), "data after the certificate");
	free(s);
	s = cat3("-----BEGIN X509 CRL-----\n", ca_a + 28, "");
	assert_refused(s, strlen(s), "type 'X509 CRL'");
	free(s);
	/* RFC 1421 headers inside the block. */
	s = cat3("-----BEGIN CERTIFICATE-----\nProc-Type: 4,ENCRYPTED\n", ca_a + 28, "");
	assert_refused(s, strlen(s), "END CERTIFICATE");
	free(s);
}

static void
test_broken_refused(void **state)
{
	char *s;
	size_t len = strlen(ca_a);

	(void)state;
	assert_refused("", 0, "empty PEM");
	assert_refused(" \n\t", 3, "empty PEM");
	assert_refused("hello", 5, "text before");
	/* No END line. */
	assert_refused(ca_a, len - 26, "has no -----END CERTIFICATE----- line");
	/* A NUL inside: C strings and the PEM would disagree about where it ends. */
	s = strdup(ca_a);
	s[100] = '\0';
	assert_refused(s, len, "NUL byte");
	free(s);
	/* A foreign character in the base64. */
	s = strdup(ca_a);
	s[100] = '*';
	assert_refused(s, len, "not valid base64");
	free(s);
	/* One character dropped: a length that is not a multiple of 4. */
	s = cat3("", ca_a, "");
	memmove(s + 100, s + 101, len - 100);
	assert_refused(s, len - 1, "not valid base64");
	free(s);
	/* A whole line dropped: a truncated DER, no longer one certificate. */
	s = cat3("", ca_a, "");
	memmove(s + 28, s + 28 + 65, len - 28 - 65 + 1);
	assert_refused(s, strlen(s), "not exactly one DER certificate");
	free(s);
	/* Base64 of something that is a SEQUENCE but no certificate. */
	assert_refused("-----BEGIN CERTIFICATE-----\nMAMCAQE=\n-----END CERTIFICATE-----\n",
	    63, "not a certificate");
	/* Padding in the middle. */
	assert_refused("-----BEGIN CERTIFICATE-----\nMA==MCAQE=\n-----END CERTIFICATE-----\n",
	    65, "not valid base64");
}

static void
test_pinned_context(void **state)
{
	uint8_t pin_a[TLS_SHA256_LEN], pin_b[TLS_SHA256_LEN];
	struct tls_ctx *ctx;
	char err[256] = "", *s;

	(void)state;
	assert_int_equal(tls_unhex(ca_a_sha256, pin_a, sizeof(pin_a)), 0);
	assert_int_equal(tls_unhex(ca_b_sha256, pin_b, sizeof(pin_b)), 0);
	ctx = tls_client_ctx_new_pinned(ca_a, strlen(ca_a), pin_a, err, sizeof(err));
	assert_non_null(ctx);
	tls_ctx_free(ctx);
	assert_null(tls_client_ctx_new_pinned(ca_a, strlen(ca_a), pin_b, err, sizeof(err)));
	assert_non_null(strstr(err, "does not match its pinned SHA-256"));
	/* The bypass: pinned A, the PEM brings A and B. No context, a clear reason. */
	s = cat3(ca_a, "", ca_b);
	err[0] = '\0';
	assert_null(tls_client_ctx_new_pinned(s, strlen(s), pin_a, err, sizeof(err)));
	assert_non_null(strstr(err, "CA PEM rejected: more than one PEM block"));
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_certificate),
		cmocka_unit_test(test_crlf_and_rewrapped),
		cmocka_unit_test(test_second_certificate_refused),
		cmocka_unit_test(test_other_blocks_refused),
		cmocka_unit_test(test_broken_refused),
		cmocka_unit_test(test_pinned_context),
	};

	tls_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
