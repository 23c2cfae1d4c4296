/* lib/tls.h - wolfSSL TLS contexts, a TLS bufferevent filter for libevent, pins and hashes. */
#ifndef VANTAGE_TLS_H
#define VANTAGE_TLS_H

/*
 * This header deliberately includes no wolfSSL header: files that use ldns (whose headers
 * clash with wolfSSL's OpenSSL compatibility layer) can still drive TLS connections
 * through it. Only lib/tls.c, lib/tls_chain.c, lib/tls_pem.c and mirror/keygen.c include wolfSSL.
 */
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#define TLS_SHA256_LEN 32
#define TLS_SHA256_HEX 65	/* 64 hex digits and the NUL */
/* The longest chain /v1/observe reports; real chains have 2-4 certificates. */
#define TLS_MAX_CHAIN 10
/* A CA certificate's DER is far smaller than this (bytes); a bound for PEM decoding. */
#define TLS_MAX_DER 16384

struct tls_ctx;
struct tls_conn;

/* tls_init - initialise wolfSSL once per process; returns 0 or -1. */
int tls_init(void);

/* tls_cleanup - release wolfSSL's global state (at exit, for valgrind). */
void tls_cleanup(void);

/*
 * tls_server_ctx_new - a TLS 1.3-only server context with the certificate chain in
 * cert_file (PEM, leaf first) and the private key in key_file (PEM); key groups X25519
 * (when this wolfSSL has it) then P-256. On failure returns NULL and writes a reason into
 * err (errlen bytes). Free with tls_ctx_free; connections made from it keep it alive.
 */
struct tls_ctx *tls_server_ctx_new(const char *cert_file, const char *key_file, char *err,
    size_t errlen);

/*
 * tls_client_ctx_new_pinned - a TLS 1.3-only client context that trusts exactly the CA
 * certificate in ca_pem (len bytes of PEM, which must hold that one certificate and
 * nothing else, see tls_pem_cert_der), after checking that the SHA-256 of its DER equals
 * pin (32 bytes; NULL skips the check). The DER that was hashed is the only trust anchor. No host name check: mirrors are reached by
 * IP and authenticated by their private CA alone. Use one context per mirror, so that no
 * mirror's CA can vouch for another. NULL with err set on failure.
 */
struct tls_ctx *tls_client_ctx_new_pinned(const char *ca_pem, size_t len, const uint8_t *pin,
    char *err, size_t errlen);

/*
 * tls_client_ctx_new_notary - a client context (TLS 1.2 and 1.3) that accepts any chain:
 * for observing what a server presents, never for trusting it. NULL on failure.
 */
struct tls_ctx *tls_client_ctx_new_notary(char *err, size_t errlen);

/*
 * tls_client_ctx_new_webpki - a client context (TLS 1.2 and 1.3) that verifies the peer's
 * chain against the CA certificates in trust_store: a PEM bundle file, or a directory of
 * PEM files (certificates wolfSSL cannot parse are skipped). For public DoH resolvers
 * ("verify: webpki" mirrors). The chain alone proves nothing about whom it belongs to:
 * every connection made from it must say what the leaf must be valid for, with
 * tls_conn_expect, before it connects. NULL with err set on failure (missing store, no
 * certificate loaded). One context may serve many mirrors: the per-connection name and
 * pin keep them apart.
 */
struct tls_ctx *tls_client_ctx_new_webpki(const char *trust_store, char *err, size_t errlen);

/* tls_ctx_ref - take another reference to ctx (released with tls_ctx_free); returns ctx. */
struct tls_ctx *tls_ctx_ref(struct tls_ctx *ctx);

/* tls_ctx_free - drop the caller's reference; accepts NULL. */
void tls_ctx_free(struct tls_ctx *ctx);

/* Called once when a connection's handshake completes (client and server). */
typedef void (*tls_done_cb)(struct tls_conn *conn, void *arg);
/* Called when the filter is freed (connection accounting); conn is going away. */
typedef void (*tls_free_cb)(void *arg);

/*
 * tls_bev_new - a bufferevent that speaks TLS over a socket bufferevent on fd (-1: none
 * yet, as evhttp's bevcb wants). Both bufferevents own what is below them
 * (BEV_OPT_CLOSE_ON_FREE), so freeing the returned one closes everything. server selects
 * the role; sni (client only, may be NULL) is sent as server name. *connp (may be NULL)
 * gets the connection handle, valid until the bufferevent is freed. A fatal TLS error is
 * raised as BEV_EVENT_ERROR on the returned bufferevent. NULL on allocation failure.
 */
struct bufferevent *tls_bev_new(struct event_base *base, evutil_socket_t fd,
    struct tls_ctx *ctx, int server, const char *sni, struct tls_conn **connp);

/*
 * tls_bev_connect - start a client connection made with tls_bev_new(fd -1) to sa:
 * connects the underlying socket (not the filter: libevent 2.1 cannot connect a filter)
 * and queues the ClientHello. Returns 0 or -1.
 */
int tls_bev_connect(struct bufferevent *bev, const struct sockaddr *sa, int salen);

/* tls_conn_set_callbacks - handshake-done and free hooks with their argument. */
void tls_conn_set_callbacks(struct tls_conn *conn, tls_done_cb done, tls_free_cb freed,
    void *arg);

/* Why a client handshake failed, as far as the peer's certificates go. */
enum tls_failure {
	TLS_FAIL_NONE,		/* it did not fail (or not yet) */
	TLS_FAIL_CHAIN,		/* the chain does not verify against the trust anchors */
	TLS_FAIL_NAME,		/* it verifies, but the leaf is not valid for the expected name */
	TLS_FAIL_PIN,		/* it verifies, but no certificate of it has the pinned SHA-256 */
	TLS_FAIL_TIME,		/* a certificate is not valid at this machine's time: not yet
				 * (a router without a clock before NTP) or no longer */
	TLS_FAIL_OTHER		/* anything else: protocol, alert, version, cipher */
};

/*
 * tls_conn_expect - for a client connection of a web PKI context, before it connects:
 * once the chain verified, the leaf must be valid for name (a host name: a DNS SAN, or
 * the CN when the leaf has no DNS SAN; an IPv4/IPv6 literal: an IP SAN), and, when pin is
 * not NULL, the SHA-256 of the DER of some certificate of the verified chain (the leaf,
 * what the server sent, or the trust-store certificate that issued the topmost one sent)
 * must equal pin (32 bytes). Otherwise the handshake fails (tls_conn_failure_kind says
 * which). Does not set SNI (tls_bev_new does). 0, or -1 on a bad name or no memory.
 */
int tls_conn_expect(struct tls_conn *conn, const char *name, const uint8_t *pin);

/* tls_conn_failure_kind - why the handshake failed (TLS_FAIL_NONE while it has not). */
enum tls_failure tls_conn_failure_kind(const struct tls_conn *conn);

/*
 * tls_conn_verified_chain - for a connection with expectations (tls_conn_expect): the
 * SHA-256 of each certificate of the chain wolfSSL verified, leaf first, up to the
 * trust-store certificate that issued the topmost one sent, into fps (max entries).
 * Returns the count (0 before verification).
 */
int tls_conn_verified_chain(const struct tls_conn *conn, uint8_t (*fps)[TLS_SHA256_LEN],
    size_t max);

/* tls_conn_handshake_done - 1 once the handshake has completed. */
int tls_conn_handshake_done(const struct tls_conn *conn);

/* tls_conn_error - the last TLS error as text ("" when none); owned by conn. */
const char *tls_conn_error(const struct tls_conn *conn);

/*
 * tls_conn_failure - one sentence for a client connection that ended with BEV_EVENT_ERROR
 * before or during its handshake: the TLS error when there is one, else the socket error
 * err (EVUTIL_SOCKET_ERROR() taken in the event callback; 0 when unknown). Writes into buf
 * (len bytes) and returns it.
 */
const char *tls_conn_failure(const struct tls_conn *conn, int err, char *buf, size_t len);

/* tls_conn_version - "TLSv1.3" and the like, or "" before the handshake. */
const char *tls_conn_version(const struct tls_conn *conn);

/*
 * tls_conn_offer_alpn - for a client connection, before it connects: offer the ALPN
 * protocols in protos (comma-separated, most preferred first, e.g. "h2,http/1.1"). A
 * server that selects none of them (or speaks no ALPN) is not refused: tls_conn_alpn then
 * says "". 0, or -1 (server side, called twice, no memory).
 */
int tls_conn_offer_alpn(struct tls_conn *conn, const char *protos);


/* A client TLS session kept for resumption (TLS 1.3 tickets only). */
struct tls_session;

/* Seconds a session may be resumed after the full handshake that verified its chain. */
#define TLS_SESSION_MAX_AGE (24 * 3600)

/*
 * tls_conn_session - a copy of conn's session once it can be resumed (TLS 1.3 only: once
 * the server's ticket arrived, which is after the handshake; call again later when NULL),
 * with the checks it was made under (context, tls_conn_expect name and pin, verified
 * chain, the time of that verification and the leaf's notAfter; a resumed connection's
 * session keeps those of the full handshake). The caller owns it (tls_session_free).
 * NULL when there is none (TLS 1.2: never), or no memory.
 */
struct tls_session *tls_conn_session(struct tls_conn *conn);

/*
 * tls_conn_set_session - for a client connection, before it connects and after
 * tls_conn_expect: offer s for resumption (s stays the caller's; conn keeps its own copy).
 * Refused (-1, a full handshake follows) unless s was made from the same context with the
 * same expectations: a resumption skips the certificate checks, so it must stand for the
 * very checks this connection would run; and unless it is fresh (tls_session_fresh). 0
 * when offered.
 */
int tls_conn_set_session(struct tls_conn *conn, struct tls_session *s);

/*
 * tls_session_fresh - whether a session verified at verified_at, for a leaf valid until
 * not_after (0: unknown), may still be offered at now: less than TLS_SESSION_MAX_AGE old
 * and the leaf not expired. Pure (the clock is the caller's), for the unit tests.
 */
int tls_session_fresh(time_t verified_at, time_t not_after, time_t now);

/* tls_conn_resumed - 1 when the completed handshake resumed the offered session. */
int tls_conn_resumed(const struct tls_conn *conn);

/* tls_session_free - free a session from tls_conn_session; accepts NULL. */
void tls_session_free(struct tls_session *s);

/*
 * tls_conn_peer_chain - the SHA-256 of each certificate the peer sent, in the order sent
 * (leaf first), into fps (max entries). Returns the count, or -1 when there is no chain.
 */
int tls_conn_peer_chain(struct tls_conn *conn, uint8_t (*fps)[TLS_SHA256_LEN], size_t max);

/*
 * tls_conn_peer_der - the DER of each certificate the peer sent, in the order sent (leaf
 * first): der[i] points at len[i] bytes owned by conn, valid until its bufferevent is
 * freed. At most max entries; returns the count, or -1 when there is no chain.
 */
int tls_conn_peer_der(struct tls_conn *conn, const uint8_t **der, size_t *len, size_t max);

/*
 * An accepted trust anchor, in the shape of a TLSA record's association data with
 * matching type 1 (SHA-256): selector 0 hashes the whole DER certificate, selector 1 its
 * SubjectPublicKeyInfo.
 */
struct tls_anchor {
	uint8_t selector;
	uint8_t sha256[TLS_SHA256_LEN];
};

/* What tls_chain_judge concluded. */
enum tls_judgement {
	TLS_JUDGE_OK,		/* reaches an anchor, verifies, the leaf is valid for the name */
	TLS_JUDGE_NO_ANCHOR,	/* no certificate of the chain matches an anchor */
	TLS_JUDGE_BAD_CHAIN,	/* an anchor matches, the path to it does not verify */
	TLS_JUDGE_BAD_NAME	/* the chain verifies, the leaf is not valid for the name */
};

/*
 * tls_chain_judge - judge the chain der[0..n-1] (len[i] bytes each, leaf first, as sent)
 * for the host name: some certificate must match one of anchors[0..n_anchors-1]; the
 * path from the leaf to it through the certificates sent (any order) must verify with
 * that certificate as the only trust anchor (signatures, validity dates now, basic
 * constraints of the intermediates, server use when the leaf has an extended key
 * usage); the leaf's DNS names (its CN only when it has none) must match name (see
 * tls_name_match). Matches nearer the leaf are tried first. *matched gets the index of
 * the anchor used (-1 for TLS_JUDGE_NO_ANCHOR); why gets one sentence in any case.
 */
enum tls_judgement tls_chain_judge(const uint8_t *const *der, const size_t *len, size_t n,
    const char *name, const struct tls_anchor *anchors, size_t n_anchors, int *matched,
    char *why, size_t whylen);

/* A Web PKI trust store: the CA certificates of a PEM bundle or a directory of them. */
struct tls_store;

/*
 * tls_store_load - every CERTIFICATE block of the PEM file at path, or of each file of the
 * directory at path (other PEM blocks and bad certificates are skipped; duplicates kept
 * once). Returns a store with one reference (free with tls_store_free), or NULL with one
 * sentence in err (errlen bytes) when path cannot be read or holds no certificate.
 */
struct tls_store *tls_store_load(const char *path, char *err, size_t errlen);

/* tls_store_count - the certificates in st (0 for NULL). */
size_t tls_store_count(const struct tls_store *st);

/* tls_store_ref - one more reference to st (may be NULL); returns st. */
struct tls_store *tls_store_ref(struct tls_store *st);

/* tls_store_free - drop a reference; the last one frees the store. Accepts NULL. */
void tls_store_free(struct tls_store *st);

/*
 * tls_chain_judge_store - judge the chain der[0..n-1] (as tls_chain_judge) for the host
 * name against the trust store st: the path from the leaf through the certificates sent
 * must verify up to a certificate of st (one sent, or one of st that issued a certificate
 * sent), and the leaf must be valid for name (RFC 6125). On TLS_JUDGE_OK, path_fps gets
 * the SHA-256 of each certificate of that path above the leaf (intermediates, then the
 * store's certificate; max entries) and *n_path their count; else *n_path is 0. why gets
 * one sentence in any case.
 */
enum tls_judgement tls_chain_judge_store(const uint8_t *const *der, const size_t *len, size_t n,
    const char *name, const struct tls_store *st, uint8_t (*path_fps)[TLS_SHA256_LEN],
    size_t max, size_t *n_path, char *why, size_t whylen);

/*
 * tls_name_match - whether the DNS-ID pattern (plen bytes, not NUL-terminated) from a
 * certificate covers host (RFC 6125 section 6.4): ASCII case-insensitive, one trailing
 * dot ignored on either side, a wildcard only as the whole leftmost label standing for
 * exactly one label with at least two labels after it; partial wildcards, empty labels
 * and anything but letters, digits, '-' and '_' never match. 1 or 0.
 */
int tls_name_match(const char *pattern, size_t plen, const char *host);

/*
 * tls_der_spki - find the SubjectPublicKeyInfo inside the DER certificate der (len
 * bytes): its offset and length (header included), for TLSA selector 1. 0, or -1 when
 * der is not a certificate this walk understands.
 */
int tls_der_spki(const uint8_t *der, size_t len, size_t *off, size_t *spki_len);

/*
 * tls_pem_cert_der - the DER of the one certificate in pem (len bytes), parsed strictly:
 * white space, then one "-----BEGIN CERTIFICATE-----" block of base64 (line breaks
 * anywhere), its END line, then white space only. A second certificate, a key, another
 * PEM type, headers, text before or after, bad base64 or DER that is not exactly one
 * certificate are refused: a PEM that becomes a trust anchor must hold exactly what its
 * pin names. On success *der gets a malloc'd copy (the caller frees it), *derlen its
 * length, and 0 is returned; else -1 with one sentence in err (errlen bytes; err may be
 * NULL) and *der NULL.
 */
int tls_pem_cert_der(const char *pem, size_t len, uint8_t **der, size_t *derlen, char *err,
    size_t errlen);

/*
 * tls_pem_sha256 - the SHA-256 of the DER of the one certificate in pem (len bytes), with
 * the strictness of tls_pem_cert_der. Returns 0, or -1 with err set (err may be NULL).
 */
int tls_pem_sha256(const char *pem, size_t len, uint8_t out[TLS_SHA256_LEN], char *err,
    size_t errlen);

/*
 * tls_server_ctx_alpn - answer ALPN on the server context ctx (RFC 7301): "h2" when the
 * client offers it, else "http/1.1" when offered; a client offering neither gets no ALPN
 * answer (it is taken to speak HTTP/1.1). Applies to connections made afterwards.
 * Returns 0, or -1 for a NULL ctx.
 */
int tls_server_ctx_alpn(struct tls_ctx *ctx);

/*
 * tls_server_ctx_tickets - TLS 1.3 session tickets from the server context ctx, so that
 * clients resume without a full handshake: sealed with wolfSSL's random in-memory keys,
 * rotated by wolfSSL (hourly), never stored; hint_s is the lifetime announced to clients
 * (seconds, 1 to 3599: below the keys' hour). Without this call wolfSSL still issues
 * tickets, with a 300 s hint. Returns 0, or -1 (hint out of range).
 */
int tls_server_ctx_tickets(struct tls_ctx *ctx, unsigned int hint_s);

/*
 * tls_conn_alpn - the protocol ALPN chose for conn: "h2", "http/1.1", another name, or ""
 * when none was negotiated (or before the handshake). The string is static or owned by
 * the library; copy it before the next call.
 */
const char *tls_conn_alpn(const struct tls_conn *conn);

/*
 * tls_conn_set_ready_hook - call ready(conn, arg) once, synchronously, the moment the
 * handshake completes and before any application data is handed to the bufferevent's
 * owner (unlike the done hook of tls_conn_set_callbacks, which runs a loop turn later).
 * A server uses it to give an HTTP/2 connection to another reader (bufferevent_setcb)
 * before the client's first bytes reach the HTTP/1.1 parser. The hook must not free the
 * bufferevent.
 */
void tls_conn_set_ready_hook(struct tls_conn *conn, tls_done_cb ready, void *arg);

/* tls_sha256 - SHA-256 of len bytes at p. */
void tls_sha256(const void *p, size_t len, uint8_t out[TLS_SHA256_LEN]);

/* tls_hex - lower-case hex of len bytes into out (2*len+1 bytes); returns out. */
char *tls_hex(const uint8_t *p, size_t len, char *out);

/* tls_unhex - exactly 2*len hex digits (either case) into out; 0 or -1. */
int tls_unhex(const char *hex, uint8_t *out, size_t len);

#endif
