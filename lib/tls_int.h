/*
 * lib/tls_int.h - what the TLS files share inside lib/ (tls.c, tls_ctx.c, tls_session.c):
 * the structures behind tls.h's opaque handles. Include after <wolfssl/ssl.h> and "tls.h"
 * (their types are used here; not included again, so that this header stays a leaf of the
 * tls module rather than a second module around it); nothing outside these files includes it.
 */
#ifndef VANTAGE_TLS_INT_H
#define VANTAGE_TLS_INT_H

#include <time.h>

struct tls_ctx {
	WOLFSSL_CTX *ctx;
	int refs;
};

struct tls_conn {
	WOLFSSL *ssl;
	struct tls_ctx *ctx;
	struct bufferevent *under;	/* the socket bufferevent */
	struct bufferevent *bev;	/* the filter the user sees */
	struct event *kick;		/* deferred output flush, see tls_out_added */
	tls_done_cb done;
	tls_free_cb freed;
	void *arg;
	int server;
	int hs_done;
	int done_called;
	int failed;
	int kicking;		/* inside tls_kick: tls_out may encrypt */
	int nodelay;		/* TCP_NODELAY set on the socket */
	char err[160];
	/* Web PKI expectations (tls_conn_expect) and what the verification saw. */
	char *expect_name;	/* host name or IP address literal the leaf must be valid for */
	int expect_ip;
	int has_pin;
	uint8_t pin[TLS_SHA256_LEN];
	enum tls_failure fail_kind;
	int verify_err;		/* the first error wolfSSL's chain verification reported */
	uint8_t vchain[TLS_MAX_CHAIN][TLS_SHA256_LEN];	/* by depth: 0 the leaf */
	uint32_t vchain_set;	/* bit i: vchain[i] holds a certificate */
	/* Client resumption (tls_conn_set_session): what the offered session was made under. */
	struct tls_session *offered;
	int resumed;		/* the handshake resumed the offered session */
	int ticket_seen;	/* the server sent a ticket on this connection */
	char *alpn_list;	/* tls_conn_offer_alpn: what we offered (wolfSSL keeps no copy) */
	/* The synchronous handshake hook (tls_conn_set_ready_hook). */
	tls_done_cb ready;
	void *ready_arg;
};

/*
 * A client session kept for resumption, with what its full handshake verified: the
 * context (trust anchors), the expected name and pin, and the chain seen then.
 */
struct tls_session {
	WOLFSSL_SESSION *s;
	struct tls_ctx *ctx;	/* a reference: the address is never reused while we hold it */
	char *expect_name;	/* NULL for a pinned (private CA) context */
	int has_pin;
	uint8_t pin[TLS_SHA256_LEN];
	uint8_t vchain[TLS_MAX_CHAIN][TLS_SHA256_LEN];
	uint32_t vchain_set;
	time_t verified_at;	/* when the full handshake verified the chain */
	time_t not_after;	/* the leaf's notAfter then (0: unknown) */
};

/*
 * tls_session_ticket_cb - wolfSSL's session-ticket callback for a client connection (arg is
 * the struct tls_conn): notes that the server sent a ticket on it (tls_session.c).
 */
int tls_session_ticket_cb(WOLFSSL *ssl, const unsigned char *ticket, int len, void *arg);

#endif
