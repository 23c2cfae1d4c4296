/*
 * lib/tls_chain.c - judging a peer's certificate chain against accepted CAs (TLSA 2 x 1), or
 * against a Web PKI trust store.
 */
#include <wolfssl/options.h>
/* Feature macros (_GNU_SOURCE) must precede the first system header wolfSSL pulls in. */
#include "autoconf.h"

#include <wolfssl/ssl.h>
#include <wolfssl/wolfcrypt/asn.h>
#include <wolfssl/wolfcrypt/asn_public.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tls.h"

/* ---- pure helpers: host names and DER ---- */

static int
tls_lower(int ch)
{
	return ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch;
}

/*
 * The letters a DNS-ID may hold (RFC 6125 section 6.4.1 compares LDH labels, A-labels
 * included, as ASCII). '_' is allowed: it appears in real service names.
 */
static int
tls_ldh(int ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	    ch == '-' || ch == '_';
}

/* Whether s[0..n) is a non-empty sequence of non-empty LDH labels separated by dots. */
static int
tls_labels_ok(const char *s, size_t n)
{
	size_t i, label = 0;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++) {
		if (s[i] == '.') {
			if (label == 0)
				return 0;
			label = 0;
		} else if (!tls_ldh((unsigned char)s[i]) || ++label > 63) {
			return 0;
		}
	}
	return label > 0;
}

static size_t
tls_count_dots(const char *s, size_t n)
{
	size_t i, dots = 0;

	for (i = 0; i < n; i++)
		dots += s[i] == '.';
	return dots;
}

int
tls_name_match(const char *pattern, size_t plen, const char *host)
{
	size_t hlen = strlen(host), i;
	const char *rest;

	/* An absolute name and its relative form are the same name; strip one trailing dot. */
	if (hlen > 0 && host[hlen - 1] == '.')
		hlen--;
	if (plen > 0 && pattern[plen - 1] == '.')
		plen--;
	if (hlen > 253 || !tls_labels_ok(host, hlen))
		return 0;
	if (plen >= 2 && pattern[0] == '*' && pattern[1] == '.') {
		/*
		 * A wildcard is the whole leftmost label and stands for exactly one label. At
		 * least two labels must follow, so "*.com" matches nothing (there is no public
		 * suffix list here, and CAs do not issue such names anyway).
		 */
		rest = pattern + 2;
		plen -= 2;
		if (!tls_labels_ok(rest, plen) || tls_count_dots(rest, plen) < 1)
			return 0;
		for (i = 0; i < hlen && host[i] != '.'; i++)
			;
		if (i == hlen || hlen - i - 1 != plen)
			return 0;
		host += i + 1;
		hlen = plen;
		pattern = rest;
	} else if (!tls_labels_ok(pattern, plen)) {
		/* Partial wildcards ("w*.example.com", "xn--*.example.com"), '*' anywhere else,
		 * NULs and bytes outside LDH never match. */
		return 0;
	}
	if (plen != hlen)
		return 0;
	for (i = 0; i < plen; i++)
		if (tls_lower((unsigned char)pattern[i]) != tls_lower((unsigned char)host[i]))
			return 0;
	return 1;
}

/*
 * One DER header at p[off..len): its tag, the header's length and the content's length.
 * Definite lengths of at most 4 bytes only (DER forbids indefinite ones). 0 or -1.
 */
static int
tls_der_header(const uint8_t *p, size_t len, size_t off, uint8_t *tag, size_t *hdr,
    size_t *clen)
{
	size_t n, i, l = 0;

	if (off >= len || len - off < 2)
		return -1;
	*tag = p[off];
	if ((p[off] & 0x1f) == 0x1f)
		return -1;	/* high tag numbers: never in the fields we walk */
	if (p[off + 1] < 0x80) {
		l = p[off + 1];
		n = 0;
	} else {
		n = p[off + 1] & 0x7f;
		if (n == 0 || n > 4 || len - off - 2 < n)
			return -1;
		for (i = 0; i < n; i++)
			l = l << 8 | p[off + 2 + i];
	}
	*hdr = 2 + n;
	if (l > len - off - *hdr)
		return -1;
	*clen = l;
	return 0;
}

int
tls_der_spki(const uint8_t *der, size_t len, size_t *off, size_t *spki_len)
{
	uint8_t tag;
	size_t hdr, clen, pos, end, skip;
	/* tbsCertificate: serialNumber, signature, issuer, validity, subject, then the key. */
	static const uint8_t before[] = { 0x02, 0x30, 0x30, 0x30, 0x30 };

	if (tls_der_header(der, len, 0, &tag, &hdr, &clen) != 0 || tag != 0x30)
		return -1;
	pos = hdr;
	if (tls_der_header(der, len, pos, &tag, &hdr, &clen) != 0 || tag != 0x30)
		return -1;
	end = pos + hdr + clen;
	pos += hdr;
	/* version [0] EXPLICIT is optional (absent in v1 certificates). */
	if (tls_der_header(der, end, pos, &tag, &hdr, &clen) != 0)
		return -1;
	if (tag == 0xa0)
		pos += hdr + clen;
	for (skip = 0; skip < sizeof(before); skip++) {
		if (tls_der_header(der, end, pos, &tag, &hdr, &clen) != 0 || tag != before[skip])
			return -1;
		pos += hdr + clen;
	}
	if (tls_der_header(der, end, pos, &tag, &hdr, &clen) != 0 || tag != 0x30)
		return -1;
	*off = pos;
	*spki_len = hdr + clen;
	return 0;
}

/* ---- the chain, judged with wolfSSL's certificate manager ---- */

/*
 * Certificates judged at once: the chain sent (TLS_MAX_CHAIN at most) and the trust-store
 * certificates that may issue one of them (tls_chain_judge_store).
 */
#define TLS_JUDGE_MAX (2 * TLS_MAX_CHAIN)

/* What one attempt with a given anchor found out. */
struct tls_judge_ctx {
	const uint8_t *const *der;
	const size_t *len;
	size_t n;
	DecodedCert *dc;	/* parsed copies of der[] (NO_VERIFY) */
	int *parsed;		/* 1 when dc[i] parsed */
	char *why;
	size_t whylen;
};

static void
tls_wolf_err(int code, char *buf, size_t len)
{
	char tmp[WOLFSSL_MAX_ERROR_SZ];

	wolfSSL_ERR_error_string_n((unsigned long)(code < 0 ? -code : code), tmp, sizeof(tmp));
	snprintf(buf, len, "%s (%d)", tmp, code);
}

/* Whether certificate i matches anchor a (selector 0: whole DER, 1: its SPKI). */
static int
tls_anchor_matches(const uint8_t *der, size_t len, const struct tls_anchor *a)
{
	uint8_t h[TLS_SHA256_LEN];
	size_t off, slen;

	if (a->selector == 0) {
		tls_sha256(der, len, h);
	} else if (a->selector == 1) {
		if (tls_der_spki(der, len, &off, &slen) != 0)
			return 0;
		tls_sha256(der + off, slen, h);
	} else {
		return 0;
	}
	return memcmp(h, a->sha256, sizeof(h)) == 0;
}

/*
 * The path from the leaf (index 0) to the anchor m through the certificates sent, in any
 * order: each step takes a certificate whose subject is the current one's issuer. Fills
 * path[] (leaf first, m last); returns its length, or 0 when m cannot be reached.
 */
static size_t
tls_path(struct tls_judge_ctx *j, size_t m, size_t *path)
{
	size_t plen = 1, cur = 0, k, next;
	int used[TLS_JUDGE_MAX] = { 0 };

	path[0] = 0;
	used[0] = 1;
	while (cur != m) {
		next = j->n;
		if (memcmp(j->dc[cur].issuerHash, j->dc[m].subjectHash, KEYID_SIZE) == 0)
			next = m;
		for (k = 1; next == j->n && k < j->n; k++)
			if (!used[k] && j->parsed[k] &&
			    memcmp(j->dc[cur].issuerHash, j->dc[k].subjectHash, KEYID_SIZE) == 0)
				next = k;
		if (next == j->n || plen == j->n)
			return 0;
		used[next] = 1;
		path[plen++] = next;
		cur = next;
	}
	return plen;
}

/*
 * Load der[idx] into cm as a trust anchor (anchor: the path's top) or as the CA of the next
 * certificate down. 0, or -1 with j->why saying why.
 */
static int
tls_verify_add_ca(struct tls_judge_ctx *j, WOLFSSL_CERT_MANAGER *cm, size_t idx, int anchor)
{
	char err[96];
	int rc = wolfSSL_CertManagerLoadCABuffer(cm, j->der[idx], (long)j->len[idx],
	    WOLFSSL_FILETYPE_ASN1);

	if (rc == WOLFSSL_SUCCESS)
		return 0;
	tls_wolf_err(rc, err, sizeof(err));
	if (anchor)
		snprintf(j->why, j->whylen, "the accepted CA (certificate %zu) is unusable: %s",
		    idx, err);
	else
		snprintf(j->why, j->whylen, "certificate %zu cannot be used as a CA: %s", idx, err);
	return -1;
}

/* Verify path[plen-2] down to path[0], each by the one above it (already in cm). 0 or -1. */
static int
tls_verify_links(struct tls_judge_ctx *j, WOLFSSL_CERT_MANAGER *cm, const size_t *path,
    size_t plen)
{
	char err[96];
	size_t k, idx;
	int rc;

	for (k = plen - 1; k-- > 0;) {
		idx = path[k];
		rc = wolfSSL_CertManagerVerifyBuffer(cm, j->der[idx], (long)j->len[idx],
		    WOLFSSL_FILETYPE_ASN1);
		if (rc != WOLFSSL_SUCCESS) {
			tls_wolf_err(rc, err, sizeof(err));
			snprintf(j->why, j->whylen, "certificate %zu does not verify: %s", idx, err);
			return -1;
		}
		if (k == 0)
			break;
		/*
		 * A user CA skips wolfSSL's own basic constraints check, so it is done here:
		 * an intermediate must be a CA, within its path length.
		 */
		if (!j->dc[idx].isCA || (j->dc[idx].pathLengthSet && j->dc[idx].pathLength < k - 1)) {
			snprintf(j->why, j->whylen, "certificate %zu signs but is not a CA%s", idx,
			    j->dc[idx].isCA ? " for a path this long" : "");
			return -1;
		}
		if (tls_verify_add_ca(j, cm, idx, 0) != 0)
			return -1;
	}
	return 0;
}

/* Verify path[] top-down with its last certificate as the only trust anchor. */
static enum tls_judgement
tls_verify_path(struct tls_judge_ctx *j, const size_t *path, size_t plen)
{
	WOLFSSL_CERT_MANAGER *cm;
	enum tls_judgement res = TLS_JUDGE_BAD_CHAIN;

	if ((cm = wolfSSL_CertManagerNew()) == NULL) {
		snprintf(j->why, j->whylen, "out of memory");
		return TLS_JUDGE_BAD_CHAIN;
	}
	/*
	 * Loaded as a user CA, the anchor need not be self-signed nor even a CA (a pinned
	 * leaf); its dates are still checked.
	 */
	if (tls_verify_add_ca(j, cm, path[plen - 1], 1) != 0 ||
	    tls_verify_links(j, cm, path, plen) != 0)
		goto out;
	/* The leaf must be meant for TLS servers when it says what it is meant for. */
	if (j->dc[0].extExtKeyUsageSet &&
	    !(j->dc[0].extExtKeyUsage & (EXTKEYUSE_SERVER_AUTH | EXTKEYUSE_ANY))) {
		snprintf(j->why, j->whylen, "the leaf is not for TLS servers (extended key usage)");
		goto out;
	}
	res = TLS_JUDGE_OK;
out:
	wolfSSL_CertManagerFree(cm);
	return res;
}

/* Whether the parsed leaf is valid for name: its DNS SANs, or its CN when it has none. */
static int
tls_leaf_name_ok(const DecodedCert *leaf, const char *name)
{
	const DNS_entry *e;
	int seen = 0;

	for (e = leaf->altNames; e != NULL; e = e->next) {
		if (e->type != ASN_DNS_TYPE || e->name == NULL || e->len < 0)
			continue;
		seen = 1;
		if (tls_name_match(e->name, (size_t)e->len, name))
			return 1;
	}
	if (seen || leaf->subjectCN == NULL || leaf->subjectCNLen <= 0)
		return 0;
	return tls_name_match(leaf->subjectCN, (size_t)leaf->subjectCNLen, name);
}

/* One attempt with the anchor at index m; on TLS_JUDGE_OK path[0..*plen) is the path. */
static enum tls_judgement
tls_judge_anchor(struct tls_judge_ctx *j, size_t m, const char *name, size_t *path,
    size_t *plenp)
{
	size_t plen;
	enum tls_judgement res;

	if (!j->parsed[m]) {
		snprintf(j->why, j->whylen, "the accepted CA (certificate %zu) does not parse", m);
		return TLS_JUDGE_BAD_CHAIN;
	}
	if ((plen = tls_path(j, m, path)) == 0) {
		snprintf(j->why, j->whylen,
		    "the chain does not lead from the leaf to the accepted CA (certificate %zu)", m);
		return TLS_JUDGE_BAD_CHAIN;
	}
	if ((res = tls_verify_path(j, path, plen)) != TLS_JUDGE_OK)
		return res;
	if (!tls_leaf_name_ok(&j->dc[0], name)) {
		snprintf(j->why, j->whylen, "the leaf is not valid for %s", name);
		return TLS_JUDGE_BAD_NAME;
	}
	snprintf(j->why, j->whylen, "the chain verifies up to the accepted CA (certificate %zu, "
	    "%zu certificate%s) and the leaf is valid for the name", m, plen,
	    plen == 1 ? "" : "s");
	*plenp = plen;
	return TLS_JUDGE_OK;
}

/*
 * tls_chain_judge with up to TLS_JUDGE_MAX certificates; on TLS_JUDGE_OK path[0..*plen)
 * (TLS_JUDGE_MAX entries) holds the indexes of the verified path, leaf first.
 */
/*
 * Try every certificate of j that matches an accepted CA, nearest the leaf first; the first
 * that verifies decides. When none does, the first failure is the reason given (in j->why,
 * with its anchor in *matched).
 */
static enum tls_judgement
tls_judge_anchors(struct tls_judge_ctx *j, const char *name, const struct tls_anchor *anchors,
    size_t n_anchors, int *matched, size_t *path, size_t *plen)
{
	char first_why[256] = "";
	enum tls_judgement res, first = TLS_JUDGE_NO_ANCHOR;
	int first_matched = -1;
	size_t i, a;

	for (i = 0; i < j->n; i++) {
		for (a = 0; a < n_anchors; a++)
			if (tls_anchor_matches(j->der[i], j->len[i], &anchors[a]))
				break;
		if (a == n_anchors)
			continue;
		if (!j->parsed[0]) {
			*matched = (int)a;
			snprintf(j->why, j->whylen, "the leaf certificate does not parse");
			return TLS_JUDGE_BAD_CHAIN;
		}
		res = tls_judge_anchor(j, i, name, path, plen);
		if (res == TLS_JUDGE_OK || res == TLS_JUDGE_BAD_NAME) {
			*matched = (int)a;
			return res;
		}
		if (first == TLS_JUDGE_NO_ANCHOR) {
			first = res;
			first_matched = (int)a;
			snprintf(first_why, sizeof(first_why), "%s", j->why);
		}
	}
	if (first != TLS_JUDGE_NO_ANCHOR) {
		*matched = first_matched;
		snprintf(j->why, j->whylen, "%s", first_why);
	} else
		snprintf(j->why, j->whylen, "no certificate of the chain is an accepted CA");
	return first;
}

static enum tls_judgement
tls_chain_judge_path(const uint8_t *const *der, const size_t *len, size_t n, const char *name,
    const struct tls_anchor *anchors, size_t n_anchors, int *matched, size_t *path,
    size_t *plen, char *why, size_t whylen)
{
	struct tls_judge_ctx j = { der, len, n, NULL, NULL, why, whylen };
	enum tls_judgement res;
	size_t n_init = 0;

	*matched = -1;
	*plen = 0;
	snprintf(why, whylen, "no certificate of the chain is an accepted CA");
	if (n == 0 || n > TLS_JUDGE_MAX) {
		snprintf(why, whylen, n == 0 ? "the server sent no certificate" :
		    "the chain is too long");
		return n == 0 ? TLS_JUDGE_NO_ANCHOR : TLS_JUDGE_BAD_CHAIN;
	}
	j.dc = calloc(n, sizeof(*j.dc));
	j.parsed = calloc(n, sizeof(*j.parsed));
	if (j.dc == NULL || j.parsed == NULL) {
		snprintf(why, whylen, "out of memory");
		res = TLS_JUDGE_BAD_CHAIN;
		goto out;
	}
	for (n_init = 0; n_init < n; n_init++) {
		wc_InitDecodedCert(&j.dc[n_init], der[n_init], (word32)len[n_init], NULL);
		j.parsed[n_init] = wc_ParseCert(&j.dc[n_init], CERT_TYPE, NO_VERIFY, NULL) == 0;
	}
	res = tls_judge_anchors(&j, name, anchors, n_anchors, matched, path, plen);
out:
	for (size_t i = 0; i < n_init; i++)
		wc_FreeDecodedCert(&j.dc[i]);
	free(j.dc);
	free(j.parsed);
	return res;
}

enum tls_judgement
tls_chain_judge(const uint8_t *const *der, const size_t *len, size_t n, const char *name,
    const struct tls_anchor *anchors, size_t n_anchors, int *matched, char *why, size_t whylen)
{
	size_t path[TLS_JUDGE_MAX], plen;

	if (n > TLS_MAX_CHAIN) {
		*matched = -1;
		snprintf(why, whylen, "the chain is too long");
		return TLS_JUDGE_BAD_CHAIN;
	}
	return tls_chain_judge_path(der, len, n, name, anchors, n_anchors, matched, path, &plen,
	    why, whylen);
}

/* ---- the Web PKI trust store ---- */

/* One certificate of the store: its DER, fingerprint and subject (wolfSSL's hash of it). */
struct tls_store_cert {
	uint8_t *der;
	size_t len;
	uint8_t sha256[TLS_SHA256_LEN];
	uint8_t subject[KEYID_SIZE];
};

struct tls_store {
	struct tls_store_cert *certs;
	size_t n, cap;
	unsigned refs;
};

/* A bundle or directory far larger than any real one is refused (bytes per file). */
#define TLS_STORE_MAX_FILE (16 * 1024 * 1024)
/* Certificates kept at most: the Mozilla bundle has about 150. */
#define TLS_STORE_MAX_CERTS 4096

static void
tls_store_add_der(struct tls_store *st, const uint8_t *der, size_t len)
{
	DecodedCert dc;
	struct tls_store_cert c;
	int ok;

	memset(&c, 0, sizeof(c));
	tls_sha256(der, len, c.sha256);
	for (size_t i = 0; i < st->n; i++)
		if (memcmp(st->certs[i].sha256, c.sha256, TLS_SHA256_LEN) == 0)
			return; /* a directory holds each certificate under several names */
	wc_InitDecodedCert(&dc, der, (word32)len, NULL);
	ok = wc_ParseCert(&dc, CERT_TYPE, NO_VERIFY, NULL) == 0;
	if (ok)
		memcpy(c.subject, dc.subjectHash, KEYID_SIZE);
	wc_FreeDecodedCert(&dc);
	if (!ok || st->n >= TLS_STORE_MAX_CERTS)
		return;
	if (st->n == st->cap) {
		size_t cap = st->cap ? 2 * st->cap : 64;
		struct tls_store_cert *nc = realloc(st->certs, cap * sizeof(*nc));
		if (nc == NULL)
			return;
		st->certs = nc;
		st->cap = cap;
	}
	if ((c.der = malloc(len)) == NULL)
		return;
	memcpy(c.der, der, len);
	c.len = len;
	st->certs[st->n++] = c;
}

/* Every CERTIFICATE block of the PEM text p (len bytes); anything else is skipped. */
static void
tls_store_add_pem(struct tls_store *st, const char *p, size_t len)
{
	static const char begin[] = "-----BEGIN CERTIFICATE-----";
	static const char end[] = "-----END CERTIFICATE-----";
	const char *b, *e, *stop = p + len;

	while ((b = memmem(p, (size_t)(stop - p), begin, sizeof(begin) - 1)) != NULL &&
	    (e = memmem(b, (size_t)(stop - b), end, sizeof(end) - 1)) != NULL) {
		uint8_t *der;
		size_t dlen;
		e += sizeof(end) - 1;
		/* One block at a time, strictly (tls_pem_cert_der); a bad one is skipped. */
		if (tls_pem_cert_der(b, (size_t)(e - b), &der, &dlen, NULL, 0) == 0) {
			tls_store_add_der(st, der, dlen);
			free(der);
		}
		p = e;
	}
}

static int
tls_store_add_file(struct tls_store *st, const char *path)
{
	FILE *f;
	struct stat sb;
	char *buf;
	size_t got;

	if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size > TLS_STORE_MAX_FILE)
		return -1;
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	if ((buf = malloc((size_t)sb.st_size + 1)) == NULL) {
		fclose(f);
		return -1;
	}
	got = fread(buf, 1, (size_t)sb.st_size, f);
	fclose(f);
	tls_store_add_pem(st, buf, got);
	free(buf);
	return 0;
}

struct tls_store *
tls_store_load(const char *path, char *err, size_t errlen)
{
	struct tls_store *st;
	struct stat sb;

	if (path == NULL || stat(path, &sb) != 0) {
		snprintf(err, errlen, "trust store %s: %s", path ? path : "(none)",
		    path ? strerror(errno) : "not configured");
		return NULL;
	}
	if ((st = calloc(1, sizeof(*st))) == NULL) {
		snprintf(err, errlen, "trust store %s: out of memory", path);
		return NULL;
	}
	st->refs = 1;
	if (S_ISDIR(sb.st_mode)) {
		DIR *d = opendir(path);
		struct dirent *de;
		char fp[4096];
		if (d == NULL) {
			snprintf(err, errlen, "trust store %s: %s", path, strerror(errno));
			tls_store_free(st);
			return NULL;
		}
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			if ((size_t)snprintf(fp, sizeof(fp), "%s/%s", path, de->d_name) < sizeof(fp))
				(void)tls_store_add_file(st, fp);
		}
		closedir(d);
	} else if (tls_store_add_file(st, path) != 0) {
		snprintf(err, errlen, "trust store %s: %s", path,
		    errno ? strerror(errno) : "not a readable file");
		tls_store_free(st);
		return NULL;
	}
	if (st->n == 0) {
		snprintf(err, errlen, "trust store %s: no certificate in it", path);
		tls_store_free(st);
		return NULL;
	}
	return st;
}

size_t
tls_store_count(const struct tls_store *st)
{
	return st ? st->n : 0;
}

struct tls_store *
tls_store_ref(struct tls_store *st)
{
	if (st)
		st->refs++;
	return st;
}

void
tls_store_free(struct tls_store *st)
{
	if (st == NULL || --st->refs > 0)
		return;
	for (size_t i = 0; i < st->n; i++)
		free(st->certs[i].der);
	free(st->certs);
	free(st);
}

/*
 * The anchors are the store's certificates that the chain (n certificates: fingerprints fp,
 * issuers issuer when parsed) holds itself (a server may send its root) or that may have
 * issued one of its certificates (by subject; the signature is checked by the judge). Those
 * last are appended to all[]/alen[] (*m of them, at most TLS_JUDGE_MAX), so that the path can
 * end at a root the server did not send. Returns how many anchors went to anchors[].
 */
static size_t
tls_store_anchors(const struct tls_store *st, uint8_t (*fp)[TLS_SHA256_LEN],
    uint8_t (*issuer)[KEYID_SIZE], const int *parsed, size_t n, struct tls_anchor *anchors,
    const uint8_t **all, size_t *alen, size_t *m)
{
	size_t na = 0;

	for (size_t s = 0; s < st->n && na < TLS_JUDGE_MAX; s++) {
		const struct tls_store_cert *c = &st->certs[s];
		int sent = 0, issues = 0;
		for (size_t i = 0; i < n; i++) {
			sent |= memcmp(fp[i], c->sha256, TLS_SHA256_LEN) == 0;
			issues |= parsed[i] && memcmp(issuer[i], c->subject, KEYID_SIZE) == 0;
		}
		if (!sent && !(issues && *m < TLS_JUDGE_MAX))
			continue;
		anchors[na].selector = 0;
		memcpy(anchors[na++].sha256, c->sha256, TLS_SHA256_LEN);
		if (!sent) {
			all[*m] = c->der;
			alen[(*m)++] = c->len;
		}
	}
	return na;
}

enum tls_judgement
tls_chain_judge_store(const uint8_t *const *der, const size_t *len, size_t n, const char *name,
    const struct tls_store *st, uint8_t (*path_fps)[TLS_SHA256_LEN], size_t max,
    size_t *n_path, char *why, size_t whylen)
{
	const uint8_t *all[TLS_JUDGE_MAX];
	size_t alen[TLS_JUDGE_MAX], path[TLS_JUDGE_MAX], plen, m = n, na = 0;
	struct tls_anchor anchors[TLS_JUDGE_MAX];
	uint8_t issuer[TLS_MAX_CHAIN][KEYID_SIZE], fp[TLS_MAX_CHAIN][TLS_SHA256_LEN];
	int parsed[TLS_MAX_CHAIN] = { 0 }, matched;
	enum tls_judgement res;

	*n_path = 0;
	if (n == 0 || n > TLS_MAX_CHAIN) {
		snprintf(why, whylen, n == 0 ? "the server sent no certificate" :
		    "the chain is too long");
		return n == 0 ? TLS_JUDGE_NO_ANCHOR : TLS_JUDGE_BAD_CHAIN;
	}
	if (st == NULL || st->n == 0) {
		snprintf(why, whylen, "no trust store");
		return TLS_JUDGE_NO_ANCHOR;
	}
	for (size_t i = 0; i < n; i++) {
		DecodedCert dc;
		all[i] = der[i];
		alen[i] = len[i];
		tls_sha256(der[i], len[i], fp[i]);
		wc_InitDecodedCert(&dc, der[i], (word32)len[i], NULL);
		if ((parsed[i] = wc_ParseCert(&dc, CERT_TYPE, NO_VERIFY, NULL) == 0))
			memcpy(issuer[i], dc.issuerHash, KEYID_SIZE);
		wc_FreeDecodedCert(&dc);
	}
	na = tls_store_anchors(st, fp, issuer, parsed, n, anchors, all, alen, &m);
	if (na == 0) {
		snprintf(why, whylen, "no certificate of the chain is or is issued by a CA of the "
		    "trust store");
		return TLS_JUDGE_NO_ANCHOR;
	}
	res = tls_chain_judge_path(all, alen, m, name, anchors, na, &matched, path, &plen, why,
	    whylen);
	if (res != TLS_JUDGE_OK)
		return res;
	/* Above the leaf: the intermediates and the root of the path that verified. */
	for (size_t k = 1; k < plen && *n_path < max; k++)
		tls_sha256(all[path[k]], alen[path[k]], path_fps[(*n_path)++]);
	return res;
}
