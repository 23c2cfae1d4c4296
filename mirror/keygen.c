/* mirror/keygen.c - `vantage-mirror keygen`: the mirror's private CA and server certificate. */
#include <wolfssl/options.h>
/* Feature macros (_GNU_SOURCE) must precede the first system header wolfSSL pulls in. */
#include "autoconf.h"

#include <wolfssl/wolfcrypt/asn_public.h>
#include <wolfssl/wolfcrypt/ecc.h>
#ifdef HAVE_ED25519
#include <wolfssl/wolfcrypt/ed25519.h>
#endif
#include <wolfssl/wolfcrypt/error-crypt.h>
#include <wolfssl/wolfcrypt/random.h>
#include <wolfssl/wolfcrypt/sha256.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keygen.h"
#include "netaddr.h"
#include "tls.h"

#define KEYGEN_DER_MAX 4096
#define KEYGEN_PEM_MAX 8192
/*
 * Validity in days. The CA's key is thrown away after signing, so the pair cannot be
 * re-issued: the certificates live as long as the mirror's identity (rotate = new id).
 */
#define KEYGEN_DAYS 3650

enum keygen_algo { KEYGEN_ED25519, KEYGEN_P256 };

/* One key of either algorithm. */
struct keygen_key {
	enum keygen_algo algo;
	union {
#ifdef HAVE_ED25519
		ed25519_key ed;
#endif
		ecc_key ec;
	} k;
};

/* A generated certificate: DER and PEM. */
struct keygen_cert {
	byte der[KEYGEN_DER_MAX];
	int der_len;
	char pem[KEYGEN_PEM_MAX];
	int pem_len;
};

static int
keygen_key_type(const struct keygen_key *key)
{
#ifdef HAVE_ED25519
	if (key->algo == KEYGEN_ED25519)
		return ED25519_TYPE;
#endif
	return ECC_TYPE;
}

static int
keygen_make_key(struct keygen_key *key, enum keygen_algo algo, WC_RNG *rng)
{
	key->algo = algo;
#ifdef HAVE_ED25519
	if (algo == KEYGEN_ED25519) {
		if (wc_ed25519_init(&key->k.ed) != 0)
			return -1;
		return wc_ed25519_make_key(rng, ED25519_KEY_SIZE, &key->k.ed) == 0 ? 0 : -1;
	}
#else
	if (algo == KEYGEN_ED25519)
		return -1;
#endif
	if (wc_ecc_init(&key->k.ec) != 0)
		return -1;
	return wc_ecc_make_key_ex(rng, 32, &key->k.ec, ECC_SECP256R1) == 0 ? 0 : -1;
}

static void
keygen_free_key(struct keygen_key *key)
{
#ifdef HAVE_ED25519
	if (key->algo == KEYGEN_ED25519) {
		wc_ed25519_free(&key->k.ed);
		return;
	}
#endif
	wc_ecc_free(&key->k.ec);
}

/* The private key as PEM into pem (cap bytes); its length or -1. */
static int
keygen_key_pem(struct keygen_key *key, char *pem, int cap)
{
	byte der[KEYGEN_DER_MAX];
	int n;

#ifdef HAVE_ED25519
	if (key->algo == KEYGEN_ED25519) {
		if ((n = wc_Ed25519PrivateKeyToDer(&key->k.ed, der, sizeof(der))) <= 0)
			return -1;
		n = wc_DerToPem(der, (word32)n, (byte *)pem, (word32)cap, PKCS8_PRIVATEKEY_TYPE);
		memset(der, 0, sizeof(der));
		return n > 0 ? n : -1;
	}
#endif
	if ((n = wc_EccKeyToDer(&key->k.ec, der, sizeof(der))) <= 0)
		return -1;
	n = wc_DerToPem(der, (word32)n, (byte *)pem, (word32)cap, ECC_PRIVATEKEY_TYPE);
	memset(der, 0, sizeof(der));
	return n > 0 ? n : -1;
}

/* Sign the prepared cert with signer and fill out (DER and PEM). */
static int
keygen_finish(Cert *cert, struct keygen_key *subject, struct keygen_key *signer, WC_RNG *rng,
    struct keygen_cert *out)
{
	int n, type = keygen_key_type(subject);

#ifdef HAVE_ED25519
	cert->sigType = signer->algo == KEYGEN_ED25519 ? CTC_ED25519 : CTC_SHA256wECDSA;
#else
	cert->sigType = CTC_SHA256wECDSA;
#endif
	n = wc_MakeCert_ex(cert, out->der, sizeof(out->der), type, &subject->k, rng);
	if (n <= 0)
		return -1;
	n = wc_SignCert_ex(cert->bodySz, cert->sigType, out->der, sizeof(out->der),
	    keygen_key_type(signer), &signer->k, rng);
	if (n <= 0)
		return -1;
	out->der_len = n;
	n = wc_DerToPem(out->der, (word32)n, (byte *)out->pem, sizeof(out->pem) - 1, CERT_TYPE);
	if (n <= 0)
		return -1;
	out->pem_len = n;
	out->pem[n] = '\0';
	return 0;
}

static void
keygen_name(Cert *cert, const char *cn, const char *region)
{
	snprintf(cert->subject.commonName, CTC_NAME_SIZE, "%s", cn);
	snprintf(cert->subject.org, CTC_NAME_SIZE, "vantage-mirror");
	snprintf(cert->subject.unit, CTC_NAME_SIZE, "region %s", region);
}

static int
keygen_make_ca(struct keygen_key *ca, const char *region, WC_RNG *rng, struct keygen_cert *out)
{
	Cert cert;
	uint8_t rnd[6];
	char cn[64], hex[13];

	if (wc_InitCert(&cert) != 0)
		return -1;
	wc_RNG_GenerateBlock(rng, rnd, sizeof(rnd));
	snprintf(cn, sizeof(cn), "vantage-mirror CA %s", tls_hex(rnd, sizeof(rnd), hex));
	keygen_name(&cert, cn, region);
	cert.isCA = 1;
	cert.selfSigned = 1;
	cert.daysValid = KEYGEN_DAYS;
	if (wc_SetSubjectKeyIdFromPublicKey_ex(&cert, keygen_key_type(ca), &ca->k) != 0 ||
	    wc_SetKeyUsage(&cert, "keyCertSign,cRLSign") != 0)
		return -1;
	return keygen_finish(&cert, ca, ca, rng, out);
}

/* The IP SAN as raw DER GeneralNames: SEQUENCE { [7] iPAddress } over n address bytes. */
static void
keygen_ip_san(Cert *cert, const void *ip, size_t n)
{
	cert->altNames[0] = 0x30;
	cert->altNames[1] = (byte)(n + 2);
	cert->altNames[2] = 0x87;
	cert->altNames[3] = (byte)n;
	memcpy(cert->altNames + 4, ip, n);
	cert->altNamesSz = (int)(n + 4);
}

static int
keygen_make_leaf(struct keygen_key *leaf, struct keygen_key *ca, const struct keygen_cert *cacert,
    const struct netaddr *addr, const char *region, WC_RNG *rng, struct keygen_cert *out)
{
	Cert cert;
	char ip[NETADDR_STRLEN];

	if (wc_InitCert(&cert) != 0)
		return -1;
	keygen_name(&cert, netaddr_ip_str(addr, ip, sizeof(ip)), region);
	cert.daysValid = KEYGEN_DAYS;
	if (addr->ss.ss_family == AF_INET)
		keygen_ip_san(&cert, &((const struct sockaddr_in *)&addr->ss)->sin_addr, 4);
	else
		keygen_ip_san(&cert, &((const struct sockaddr_in6 *)&addr->ss)->sin6_addr, 16);
	if (wc_SetIssuerBuffer(&cert, cacert->der, cacert->der_len) != 0 ||
	    wc_SetSubjectKeyIdFromPublicKey_ex(&cert, keygen_key_type(leaf), &leaf->k) != 0 ||
	    wc_SetAuthKeyIdFromPublicKey_ex(&cert, keygen_key_type(ca), &ca->k) != 0 ||
	    wc_SetKeyUsage(&cert, "digitalSignature") != 0 ||
	    wc_SetExtKeyUsage(&cert, "serverAuth") != 0)
		return -1;
	return keygen_finish(&cert, leaf, ca, rng, out);
}

/* Write len bytes to dir/name atomically (temp file, fsync, rename) with mode. */
static int
keygen_write(const char *dir, const char *name, const void *data, size_t len, mode_t mode)
{
	char path[4096], tmp[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, name);
	unlink(tmp);
	/* O_EXCL with the final mode: a key is never readable by others, not even briefly. */
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)) < 0) {
		fprintf(stderr, "vantage-mirror keygen: %s: %s\n", tmp, strerror(errno));
		return -1;
	}
	if (fchmod(fd, mode) != 0 || write(fd, data, len) != (ssize_t)len || fsync(fd) != 0) {
		fprintf(stderr, "vantage-mirror keygen: %s: %s\n", tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		return -1;
	}
	close(fd);
	if (rename(tmp, path) != 0) {
		fprintf(stderr, "vantage-mirror keygen: %s: %s\n", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

static int
keygen_prepare_dir(const char *dir, int force)
{
	static const char *const files[] = { KEYGEN_CA_FILE, KEYGEN_CERT_FILE, KEYGEN_KEY_FILE };
	char path[4096];
	struct stat st;
	size_t i;

	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		fprintf(stderr, "vantage-mirror keygen: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "vantage-mirror keygen: %s: not a directory\n", dir);
		return -1;
	}
	if (chmod(dir, 0700) != 0) {
		fprintf(stderr, "vantage-mirror keygen: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		if (!force && lstat(path, &st) == 0) {
			fprintf(stderr, "vantage-mirror keygen: %s already exists; refusing to "
			    "overwrite a mirror's identity (use --force to replace it)\n", path);
			return -1;
		}
	}
	return 0;
}

static void
keygen_usage(void)
{
	fprintf(stderr, "usage: vantage-mirror keygen --dir DIR --address IP[:PORT] --region R\n"
	    "           [--name NAME] [--algo ed25519|ecdsa-p256] [--force]\n");
}

/*
 * Write the key, the chain (leaf then CA: a client that holds the pin can match chain[1]
 * without a lookup) and the CA into dir, then print the mirror entry. 0, or 1.
 */
static int
keygen_save(const char *dir, const char *keypem, size_t keylen,
    const struct keygen_cert *cacert, const struct keygen_cert *leafcert,
    const struct netaddr *addr, const char *region, const char *name)
{
	char *chain, hex[TLS_SHA256_HEX], astr[NETADDR_STRLEN], defname[32];
	uint8_t fp[TLS_SHA256_LEN];
	int rc;

	if ((chain = calloc(1, 2 * KEYGEN_PEM_MAX)) == NULL) {
		fprintf(stderr, "vantage-mirror keygen: key or certificate generation failed\n");
		return 1;
	}
	memcpy(chain, leafcert->pem, (size_t)leafcert->pem_len);
	memcpy(chain + leafcert->pem_len, cacert->pem, (size_t)cacert->pem_len);
	rc = keygen_write(dir, KEYGEN_KEY_FILE, keypem, keylen, 0600) != 0 ||
	    keygen_write(dir, KEYGEN_CERT_FILE, chain,
	    (size_t)(leafcert->pem_len + cacert->pem_len), 0644) != 0 ||
	    keygen_write(dir, KEYGEN_CA_FILE, cacert->pem, (size_t)cacert->pem_len, 0644) != 0;
	free(chain);
	if (rc != 0)
		return 1;
	tls_sha256(cacert->der, (size_t)cacert->der_len, fp);
	tls_hex(fp, sizeof(fp), hex);
	if (name == NULL) {
		snprintf(defname, sizeof(defname), "%s-%.8s", region, hex);
		name = defname;
	}
	printf("- { name: %s, address: \"%s\", region: %s, ca_sha256: \"%s\" }\n", name,
	    netaddr_str(addr, astr, sizeof(astr)), region, hex);
	return 0;
}

/* Everything after argument parsing; returns the exit code. */
static int
keygen_run(const char *dir, const struct netaddr *addr, const char *region, const char *name,
    enum keygen_algo algo, int force)
{
	struct keygen_key ca, leaf;
	struct keygen_cert *cacert = NULL, *leafcert = NULL;
	char keypem[KEYGEN_PEM_MAX];
	WC_RNG rng;
	int keylen, rc = 1, have_ca = 0, have_leaf = 0;

	if (keygen_prepare_dir(dir, force) != 0)
		return 1;
	if (wc_InitRng(&rng) != 0) {
		fprintf(stderr, "vantage-mirror keygen: no random number generator\n");
		return 1;
	}
	cacert = calloc(1, sizeof(*cacert));
	leafcert = calloc(1, sizeof(*leafcert));
	if (cacert == NULL || leafcert == NULL)
		goto fail;
	if (keygen_make_key(&ca, algo, &rng) != 0)
		goto fail;
	have_ca = 1;
	if (keygen_make_key(&leaf, algo, &rng) != 0)
		goto fail;
	have_leaf = 1;
	if (keygen_make_ca(&ca, region, &rng, cacert) != 0 ||
	    keygen_make_leaf(&leaf, &ca, cacert, addr, region, &rng, leafcert) != 0)
		goto fail;
	if ((keylen = keygen_key_pem(&leaf, keypem, sizeof(keypem))) < 0)
		goto fail;
	rc = keygen_save(dir, keypem, (size_t)keylen, cacert, leafcert, addr, region, name);
	goto out;
fail:
	fprintf(stderr, "vantage-mirror keygen: key or certificate generation failed\n");
	rc = 1;
out:
	memset(keypem, 0, sizeof(keypem));
	if (have_ca)
		keygen_free_key(&ca);
	if (have_leaf)
		keygen_free_key(&leaf);
	wc_FreeRng(&rng);
	free(cacert);
	free(leafcert);
	return rc;
}

/* Region and name end up in YAML and JSON unquoted: keep them to a safe alphabet. */
static int
keygen_safe_word(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 32)
		return 0;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") == n;
}

/* --algo: ecdsa-p256, or ed25519 when this wolfSSL has it; 0, or -1 (said on stderr). */
static int
keygen_algo_parse(const char *s, enum keygen_algo *algo)
{
	if (strcmp(s, "ecdsa-p256") == 0) {
		*algo = KEYGEN_P256;
		return 0;
	}
	if (strcmp(s, "ed25519") != 0) {
		fprintf(stderr, "vantage-mirror keygen: --algo: ed25519 or ecdsa-p256\n");
		return -1;
	}
#ifdef HAVE_ED25519
	*algo = KEYGEN_ED25519;
	return 0;
#else
	fprintf(stderr, "vantage-mirror keygen: --algo ed25519: this wolfSSL has no Ed25519; "
	    "use ecdsa-p256\n");
	return -1;
#endif
}

int
keygen_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "address", required_argument, NULL, 'a' },
		{ "region", required_argument, NULL, 'r' },
		{ "name", required_argument, NULL, 'n' },
		{ "algo", required_argument, NULL, 'g' },
		{ "force", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 }
	};
	const char *dir = NULL, *address = NULL, *region = NULL, *name = NULL;
	/* P-256 by default: a client whose wolfSSL lacks Ed25519 (OpenWrt's stock one) cannot
	 * verify an Ed25519 mirror at all (doc/mirror-protocol.md). */
	enum keygen_algo algo = KEYGEN_P256;
	struct netaddr addr;
	int ch, force = 0;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd': dir = optarg; break;
		case 'a': address = optarg; break;
		case 'r': region = optarg; break;
		case 'n': name = optarg; break;
		case 'f': force = 1; break;
		case 'g':
			if (keygen_algo_parse(optarg, &algo) != 0)
				return 2;
			break;
		default:
			keygen_usage();
			return 2;
		}
	}
	if (optind != argc || dir == NULL || address == NULL || region == NULL) {
		keygen_usage();
		return 2;
	}
	if (netaddr_parse(address, 443, &addr) != 0) {
		fprintf(stderr, "vantage-mirror keygen: --address: '%s' is not IP[:PORT]\n", address);
		return 2;
	}
	if (netaddr_is_any(&addr)) {
		fprintf(stderr, "vantage-mirror keygen: --address: give the address clients "
		    "connect to, not a wildcard\n");
		return 2;
	}
	if (!keygen_safe_word(region) || (name != NULL && !keygen_safe_word(name))) {
		fprintf(stderr, "vantage-mirror keygen: region and name: 1-32 of A-Z a-z 0-9 - _ .\n");
		return 2;
	}
	return keygen_run(dir, &addr, region, name, algo, force);
}
