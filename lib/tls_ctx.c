/* lib/tls_ctx.c - wolfSSL TLS contexts (server, pinned, web PKI, notary), ALPN and tickets on
 * the server side, and the hashes and hex the TLS files share. */
#include <wolfssl/options.h>
/* Feature macros (_GNU_SOURCE) must precede the first system header wolfSSL pulls in. */
#include "autoconf.h"

#include <wolfssl/ssl.h>
#include <wolfssl/wolfcrypt/sha256.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tls.h"
#include "tls_int.h"
#include "vutil.h"

/* wolfSSL's default WOLFSSL_TICKET_KEY_LIFETIME (seconds): ticket hints stay below it. */
#define TLS_TICKET_KEY_LIFETIME_S 3600

int
tls_init(void)
{
	return wolfSSL_Init() == WOLFSSL_SUCCESS ? 0 : -1;
}

void
tls_cleanup(void)
{
	wolfSSL_Cleanup();
}

static struct tls_ctx *
tls_ctx_wrap(WOLFSSL_CTX *wctx)
{
	struct tls_ctx *ctx;
	/*
	 * X25519 first when this wolfSSL has it: it is the cheapest key exchange (no P-256
	 * warm-up). OpenWrt's stock libwolfssl is built without Curve25519, and P-256 alone is
	 * then offered: every mirror accepts it (doc/mirror-protocol.md).
	 */
	int groups[] = {
#ifdef HAVE_CURVE25519
		WOLFSSL_ECC_X25519,
#endif
		WOLFSSL_ECC_SECP256R1,
	};

	if (wctx == NULL)
		return NULL;
	if (wolfSSL_CTX_set_groups(wctx, groups, (int)(sizeof(groups) / sizeof(groups[0]))) !=
	    WOLFSSL_SUCCESS) {
		wolfSSL_CTX_free(wctx);
		return NULL;
	}
	if ((ctx = calloc(1, sizeof(*ctx))) == NULL) {
		wolfSSL_CTX_free(wctx);
		return NULL;
	}
	ctx->ctx = wctx;
	ctx->refs = 1;
	return ctx;
}

struct tls_ctx *
tls_server_ctx_new(const char *cert_file, const char *key_file, char *err, size_t errlen)
{
	WOLFSSL_CTX *wctx;
	struct tls_ctx *ctx;
	int rc;

	if ((wctx = wolfSSL_CTX_new(wolfTLSv1_3_server_method())) == NULL) {
		snprintf(err, errlen, "cannot create a TLS context");
		return NULL;
	}
	if ((rc = wolfSSL_CTX_use_certificate_chain_file(wctx, cert_file)) != WOLFSSL_SUCCESS) {
		snprintf(err, errlen, "%s: cannot load the certificate chain", cert_file);
		goto fail;
	}
	if ((rc = wolfSSL_CTX_use_PrivateKey_file(wctx, key_file, WOLFSSL_FILETYPE_PEM)) !=
	    WOLFSSL_SUCCESS) {
		snprintf(err, errlen, "%s: cannot load the private key", key_file);
		goto fail;
	}
	if (wolfSSL_CTX_check_private_key(wctx) != WOLFSSL_SUCCESS) {
		snprintf(err, errlen, "%s: the key does not match %s", key_file, cert_file);
		goto fail;
	}
	if ((ctx = tls_ctx_wrap(wctx)) == NULL)
		snprintf(err, errlen, "cannot set up the TLS context");
	return ctx;
fail:
	wolfSSL_CTX_free(wctx);
	return NULL;
}

struct tls_ctx *
tls_client_ctx_new_pinned(const char *ca_pem, size_t len, const uint8_t *pin, char *err,
    size_t errlen)
{
	WOLFSSL_CTX *wctx = NULL;
	uint8_t fp[TLS_SHA256_LEN], *der;
	size_t derlen;
	char why[160];

	/*
	 * Exactly one certificate, and exactly its DER is loaded: hashing one certificate of a
	 * PEM and trusting all of them let "genuine CA + attacker's CA" pass the pin.
	 */
	if (tls_pem_cert_der(ca_pem, len, &der, &derlen, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "CA PEM rejected: %s", why);
		return NULL;
	}
	tls_sha256(der, derlen, fp);
	if (pin != NULL && memcmp(fp, pin, sizeof(fp)) != 0) {
		snprintf(err, errlen, "the CA does not match its pinned SHA-256");
		goto out;
	}
	if ((wctx = wolfSSL_CTX_new(wolfTLSv1_3_client_method())) == NULL) {
		snprintf(err, errlen, "cannot create a TLS context");
		goto out;
	}
	if (wolfSSL_CTX_load_verify_buffer(wctx, der, (long)derlen, WOLFSSL_FILETYPE_ASN1) !=
	    WOLFSSL_SUCCESS) {
		snprintf(err, errlen, "cannot load the CA certificate");
		wolfSSL_CTX_free(wctx);
		wctx = NULL;
		goto out;
	}
	wolfSSL_CTX_set_verify(wctx, WOLFSSL_VERIFY_PEER, NULL);
out:
	free(der);
	return wctx != NULL ? tls_ctx_wrap(wctx) : NULL;
}

/*
 * Called by wolfSSL for every certificate of the peer's chain it verifies, from the one
 * nearest the root down to the leaf (WOLFSSL_ALWAYS_VERIFY_CB, VERIFY_CB_ALL_CERTS). It
 * decides nothing (preverify stands): it records the first verification error, so that a
 * failed handshake says "not trusted" rather than a bare code, and the SHA-256 of each
 * certificate by depth, plus the trust-store certificate that issued the topmost one sent
 * (servers rarely send their root), so that a ca_sha256 pin may name any certificate of
 * the verified chain, root included.
 */
static int
tls_verify_cb(int preverify, WOLFSSL_X509_STORE_CTX *store)
{
	struct tls_conn *c = store != NULL ? store->userCtx : NULL;
	WOLFSSL_X509 *x, *iss = NULL;
	const unsigned char *der;
	int depth, len;

	if (c == NULL || c->server)
		return preverify;
	if (!preverify && c->verify_err == 0)
		c->verify_err = store->error != 0 ? store->error : -1;
	depth = store->error_depth;
	if ((x = store->current_cert) == NULL || depth < 0 || depth >= TLS_MAX_CHAIN)
		return preverify;
	if ((der = wolfSSL_X509_get_der(x, &len)) != NULL && len > 0) {
		tls_sha256(der, (size_t)len, c->vchain[depth]);
		c->vchain_set |= 1u << depth;
	}
	if (preverify && depth + 1 < TLS_MAX_CHAIN && !(c->vchain_set & 1u << (depth + 1)) &&
	    wolfSSL_X509_STORE_CTX_get1_issuer(&iss, store, x) == WOLFSSL_SUCCESS &&
	    iss != NULL && iss != x) {
		if ((der = wolfSSL_X509_get_der(iss, &len)) != NULL && len > 0) {
			tls_sha256(der, (size_t)len, c->vchain[depth + 1]);
			c->vchain_set |= 1u << (depth + 1);
		}
		wolfSSL_X509_free(iss);
	}
	return preverify;
}

struct tls_ctx *
tls_client_ctx_new_webpki(const char *trust_store, char *err, size_t errlen)
{
	WOLFSSL_CTX *wctx;
	struct stat st;
	int dir, rc;

	if (trust_store == NULL || stat(trust_store, &st) != 0) {
		snprintf(err, errlen, "trust store %s: %s", trust_store ? trust_store : "(none)",
		    trust_store ? strerror(errno) : "not configured");
		return NULL;
	}
	dir = S_ISDIR(st.st_mode);
	/* TLS 1.2 too: public DoH resolvers are run by others, and some still stop at 1.2. */
	if ((wctx = wolfSSL_CTX_new(wolfSSLv23_client_method())) == NULL) {
		snprintf(err, errlen, "cannot create a TLS context");
		return NULL;
	}
	wolfSSL_CTX_SetMinVersion(wctx, WOLFSSL_TLSV1_2);
	/*
	 * A system bundle holds certificates wolfSSL cannot parse (old algorithms); they are
	 * skipped rather than failing the whole store. What loaded is what is trusted.
	 */
	rc = wolfSSL_CTX_load_verify_locations_ex(wctx, dir ? NULL : trust_store,
	    dir ? trust_store : NULL, WOLFSSL_LOAD_FLAG_IGNORE_ERR | WOLFSSL_LOAD_FLAG_PEM_CA_ONLY);
	if (rc != WOLFSSL_SUCCESS) {
		snprintf(err, errlen, "trust store %s: no CA certificate could be loaded",
		    trust_store);
		wolfSSL_CTX_free(wctx);
		return NULL;
	}
	wolfSSL_CTX_set_verify(wctx, WOLFSSL_VERIFY_PEER, tls_verify_cb);
	return tls_ctx_wrap(wctx);
}

struct tls_ctx *
tls_ctx_ref(struct tls_ctx *ctx)
{
	if (ctx != NULL)
		ctx->refs++;
	return ctx;
}

struct tls_ctx *
tls_client_ctx_new_notary(char *err, size_t errlen)
{
	WOLFSSL_CTX *wctx;

	if ((wctx = wolfSSL_CTX_new(wolfSSLv23_client_method())) == NULL) {
		snprintf(err, errlen, "cannot create a TLS context");
		return NULL;
	}
	/* TLS 1.2 too: a notary reports what real servers present, and many still speak 1.2. */
	wolfSSL_CTX_SetMinVersion(wctx, WOLFSSL_TLSV1_2);
	wolfSSL_CTX_set_verify(wctx, WOLFSSL_VERIFY_NONE, NULL);
	return tls_ctx_wrap(wctx);
}

void
tls_ctx_free(struct tls_ctx *ctx)
{
	if (ctx == NULL || --ctx->refs > 0)
		return;
	wolfSSL_CTX_free(ctx->ctx);
	free(ctx);
}

void
tls_sha256(const void *p, size_t len, uint8_t out[TLS_SHA256_LEN])
{
	wc_Sha256Hash(p, (word32)len, out);
}

char *
tls_hex(const uint8_t *p, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * len] = '\0';
	return out;
}

int
tls_unhex(const char *hex, uint8_t *out, size_t len)
{
	size_t i;

	if (strlen(hex) != 2 * len)
		return -1;
	for (i = 0; i < len; i++) {
		int hi = vutil_hexval(hex[2 * i]), lo = vutil_hexval(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

/*
 * Server-side ALPN (RFC 7301): h2 when the client offers it, else http/1.1 when offered.
 * A client that offers neither (or no ALPN at all) gets no ALPN answer rather than a
 * fatal no_application_protocol alert: such clients speak HTTP/1.1 (RFC 9113 section 3.2).
 */
static int
tls_alpn_select(WOLFSSL *ssl, const unsigned char **out, unsigned char *outlen,
    const unsigned char *in, unsigned int inlen, void *arg)
{
	static const char *const prefs[] = { "h2", "http/1.1" };
	unsigned int i;
	size_t k;

	(void)ssl;
	(void)arg;
	for (k = 0; k < sizeof(prefs) / sizeof(prefs[0]); k++) {
		size_t plen = strlen(prefs[k]);

		/* The list is length-prefixed names; a length past the end ends the walk. */
		for (i = 0; i < inlen && in[i] != 0 && i + 1u + in[i] <= inlen; i += 1u + in[i])
			if (in[i] == plen && memcmp(in + i + 1, prefs[k], plen) == 0) {
				*out = in + i + 1;
				*outlen = in[i];
				return SSL_TLSEXT_ERR_OK;
			}
	}
	return SSL_TLSEXT_ERR_NOACK;
}

int
tls_server_ctx_alpn(struct tls_ctx *ctx)
{
	if (ctx == NULL)
		return -1;
	wolfSSL_CTX_set_alpn_select_cb(ctx->ctx, tls_alpn_select, NULL);
	return 0;
}

int
tls_server_ctx_tickets(struct tls_ctx *ctx, unsigned int hint_s)
{
	/*
	 * wolfSSL's default ticket callback (built in: HAVE_SESSION_TICKET without
	 * WOLFSSL_NO_DEF_TICKET_ENC_CB) seals tickets with random in-memory keys of this
	 * context and replaces each key an hour after its first ticket; nothing is written to
	 * disk, and a reload makes a new context, so old tickets then fall back to a full
	 * handshake. A hint at or past the key's hour made wolfSSL fail every handshake after
	 * the first (seen with 86400): refused here.
	 */
	if (ctx == NULL || hint_s == 0 || hint_s >= TLS_TICKET_KEY_LIFETIME_S)
		return -1;
	return wolfSSL_CTX_set_TicketHint(ctx->ctx, (int)hint_s) == WOLFSSL_SUCCESS ? 0 : -1;
}
