/* lib/tls.h - wolfSSL TLS contexts, a TLS bufferevent filter for libevent, pins and hashes. */
#ifndef VANTAGE_TLS_H
#define VANTAGE_TLS_H

/*
 * This header deliberately includes no wolfSSL header: files that use ldns (whose headers
 * clash with wolfSSL's OpenSSL compatibility layer) can still drive TLS connections
 * through it. Only lib/tls.c and mirror/keygen.c include wolfSSL.
 */
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define TLS_SHA256_LEN 32
#define TLS_SHA256_HEX 65	/* 64 hex digits and the NUL */
/* The longest chain /v1/observe reports; real chains have 2-4 certificates. */
#define TLS_MAX_CHAIN 10

struct tls_ctx;
struct tls_conn;

/* tls_init - initialise wolfSSL once per process; returns 0 or -1. */
int tls_init(void);

/* tls_cleanup - release wolfSSL's global state (at exit, for valgrind). */
void tls_cleanup(void);

/*
 * tls_server_ctx_new - a TLS 1.3-only server context with the certificate chain in
 * cert_file (PEM, leaf first) and the private key in key_file (PEM); key groups X25519
 * then P-256. On failure returns NULL and writes a reason into err (errlen bytes).
 * Free with tls_ctx_free; connections made from it keep it alive.
 */
struct tls_ctx *tls_server_ctx_new(const char *cert_file, const char *key_file, char *err,
    size_t errlen);

/*
 * tls_client_ctx_new_pinned - a TLS 1.3-only client context that trusts exactly the CA
 * certificate in ca_pem (len bytes of PEM), after checking that the SHA-256 of its DER
 * equals pin (32 bytes; NULL skips the check). No host name check: mirrors are reached by
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

/* tls_conn_handshake_done - 1 once the handshake has completed. */
int tls_conn_handshake_done(const struct tls_conn *conn);

/* tls_conn_error - the last TLS error as text ("" when none); owned by conn. */
const char *tls_conn_error(const struct tls_conn *conn);

/* tls_conn_version - "TLSv1.3" and the like, or "" before the handshake. */
const char *tls_conn_version(const struct tls_conn *conn);

/*
 * tls_conn_peer_chain - the SHA-256 of each certificate the peer sent, in the order sent
 * (leaf first), into fps (max entries). Returns the count, or -1 when there is no chain.
 */
int tls_conn_peer_chain(struct tls_conn *conn, uint8_t (*fps)[TLS_SHA256_LEN], size_t max);

/*
 * tls_pem_sha256 - the SHA-256 of the DER of the first certificate in pem (len bytes).
 * Returns 0, or -1 when pem holds no certificate.
 */
int tls_pem_sha256(const char *pem, size_t len, uint8_t out[TLS_SHA256_LEN]);

/* tls_sha256 - SHA-256 of len bytes at p. */
void tls_sha256(const void *p, size_t len, uint8_t out[TLS_SHA256_LEN]);

/* tls_hex - lower-case hex of len bytes into out (2*len+1 bytes); returns out. */
char *tls_hex(const uint8_t *p, size_t len, char *out);

/* tls_unhex - exactly 2*len hex digits (either case) into out; 0 or -1. */
int tls_unhex(const char *hex, uint8_t *out, size_t len);

#endif
