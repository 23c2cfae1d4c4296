/* lib/tls.c - the TLS connection: wolfSSL as a bufferevent filter for libevent, and what it saw. */
#include <wolfssl/options.h>
/* Feature macros (_GNU_SOURCE) must precede the first system header wolfSSL pulls in. */
#include "autoconf.h"

#include <wolfssl/ssl.h>
#include <wolfssl/wolfcrypt/sha256.h>
#include <wolfssl/wolfcrypt/asn_public.h>

#include <event2/buffer.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/stat.h>

#include "tls.h"
#include "tls_int.h"
#include "vutil.h"

/* The most plaintext handed to wolfSSL_write at once: one TLS record. */
#define TLS_CHUNK 16384

static void
tls_errstr(int code, char *err, size_t errlen)
{
	char buf[WOLFSSL_MAX_ERROR_SZ];

	if (err == NULL || errlen == 0)
		return;
	wolfSSL_ERR_error_string_n((unsigned long)code, buf, sizeof(buf));
	snprintf(err, errlen, "%s (%d)", buf, code);
}

/* wolfSSL reads ciphertext from the socket bufferevent's input. */
static int
tls_io_recv(WOLFSSL *ssl, char *buf, int sz, void *arg)
{
	struct tls_conn *c = arg;
	int n;

	(void)ssl;
	n = evbuffer_remove(bufferevent_get_input(c->under), buf, (size_t)sz);
	return n > 0 ? n : WOLFSSL_CBIO_ERR_WANT_READ;
}

/* ... and writes it to the socket bufferevent's output, which never refuses. */
static int
tls_io_send(WOLFSSL *ssl, char *buf, int sz, void *arg)
{
	struct tls_conn *c = arg;

	(void)ssl;
	if (evbuffer_add(bufferevent_get_output(c->under), buf, (size_t)sz) != 0)
		return WOLFSSL_CBIO_ERR_GENERAL;
	return sz;
}

/*
 * libevent ignores BEV_ERROR from an input filter ("XXXX use return value"), so a fatal
 * TLS error is raised as an event by hand; deferred, because we are inside the filter.
 */
/* A certificate not valid at this machine's time (wolfSSL's codes for it). */
static int
tls_date_error(int code)
{
	return code == ASN_BEFORE_DATE_E || code == ASN_AFTER_DATE_E;
}

static void
tls_fail(struct tls_conn *c, int code)
{
	if (c->failed)
		return;
	c->failed = 1;
	tls_errstr(code, c->err, sizeof(c->err));
	if (c->fail_kind == TLS_FAIL_NONE)
		c->fail_kind = tls_date_error(c->verify_err) || tls_date_error(code) ? TLS_FAIL_TIME
		    : c->verify_err != 0 ? TLS_FAIL_CHAIN : TLS_FAIL_OTHER;
	bufferevent_trigger_event(c->bev, BEV_EVENT_ERROR | BEV_EVENT_READING,
	    BEV_TRIG_DEFER_CALLBACKS);
}

/* Fail the connection for a reason of ours (not a wolfSSL code): kind and one sentence. */
static void
tls_fail_why(struct tls_conn *c, enum tls_failure kind, const char *why)
{
	if (c->failed)
		return;
	c->failed = 1;
	c->fail_kind = kind;
	snprintf(c->err, sizeof(c->err), "%s", why);
	bufferevent_trigger_event(c->bev, BEV_EVENT_ERROR | BEV_EVENT_READING,
	    BEV_TRIG_DEFER_CALLBACKS);
}

/*
 * After wolfSSL verified the chain against the trust store: the leaf must be valid for
 * the expected name (DNS SAN, wildcards as RFC 6125) or address (IP SAN), else any
 * certificate any public CA issued to anyone would do; and with a pin, some certificate
 * of the verified chain must hash to it. Nothing has been sent yet: failing here costs the
 * peer nothing it could use. 0 when both hold, else -1 (the connection has failed).
 */
static int
tls_check_expectations(struct tls_conn *c)
{
	WOLFSSL_X509_CHAIN *chain = wolfSSL_get_peer_chain(c->ssl);
	const unsigned char *der = chain ? wolfSSL_get_chain_cert(chain, 0) : NULL;
	int len = chain ? wolfSSL_get_chain_length(chain, 0) : 0, ok = 0;
	WOLFSSL_X509 *leaf;
	char why[160];

	if (der == NULL || len <= 0 || (leaf = wolfSSL_X509_d2i(NULL, der, len)) == NULL) {
		tls_fail_why(c, TLS_FAIL_OTHER, "no leaf certificate to check");
		return -1;
	}
	if (c->expect_ip)
		ok = wolfSSL_X509_check_ip_asc(leaf, c->expect_name, 0) == 1;
	else
		ok = wolfSSL_X509_check_host(leaf, c->expect_name, strlen(c->expect_name), 0,
		    NULL) == 1;
	wolfSSL_X509_free(leaf);
	if (!ok) {
		snprintf(why, sizeof(why), "the certificate is not valid for %s%s",
		    c->expect_ip ? "the address " : "", c->expect_name);
		tls_fail_why(c, TLS_FAIL_NAME, why);
		return -1;
	}
	if (!c->has_pin)
		return 0;
	for (int i = 0; i < TLS_MAX_CHAIN; i++)
		if ((c->vchain_set & 1u << i) &&
		    memcmp(c->vchain[i], c->pin, TLS_SHA256_LEN) == 0)
			return 0;
	tls_fail_why(c, TLS_FAIL_PIN, "no certificate of the verified chain has the pinned "
	    "SHA-256 (ca_sha256)");
	return -1;
}

/*
 * After a client handshake: 1 when it resumed the session we offered, which then stands
 * for the checks its full handshake passed (tls_conn_set_session says why that is sound;
 * the chain seen then is restored for tls_conn_verified_chain), else 0.
 */
static int
tls_resumed_check(struct tls_conn *c)
{
	if (c->server || c->offered == NULL || wolfSSL_session_reused(c->ssl) != 1)
		return 0;
	c->resumed = 1;
	memcpy(c->vchain, c->offered->vchain, sizeof(c->vchain));
	c->vchain_set = c->offered->vchain_set;
	return 1;
}

/* Advance the handshake: 1 done, 0 waiting for the peer, -1 failed. */
static int
tls_drive(struct tls_conn *c)
{
	int r, e;

	if (c->failed)
		return -1;
	if (c->hs_done)
		return 1;
	r = c->server ? wolfSSL_accept(c->ssl) : wolfSSL_connect(c->ssl);
	if (r == WOLFSSL_SUCCESS) {
		if (!c->server && tls_resumed_check(c) == 0 && c->expect_name != NULL &&
		    tls_check_expectations(c) != 0)
			return -1;
		c->hs_done = 1;
		/* Before the first plaintext byte reaches the owner: it may pick who reads it. */
		if (c->ready != NULL)
			c->ready(c, c->ready_arg);
		/* Plaintext queued during the handshake goes out now, and the done hook runs. */
		event_active(c->kick, EV_WRITE, 0);
		return 1;
	}
	e = wolfSSL_get_error(c->ssl, r);
	if (e == WOLFSSL_ERROR_WANT_READ || e == WOLFSSL_ERROR_WANT_WRITE)
		return 0;
	tls_fail(c, e);
	return -1;
}

static enum bufferevent_filter_result
tls_in(struct evbuffer *src, struct evbuffer *dst, ev_ssize_t limit,
    enum bufferevent_flush_mode mode, void *arg)
{
	struct tls_conn *c = arg;
	struct evbuffer_iovec v;
	size_t produced = 0;
	int d, n, e;

	(void)src;
	(void)limit;
	(void)mode;
	if ((d = tls_drive(c)) < 0)
		return BEV_ERROR;
	if (d == 0)
		return BEV_NEED_MORE;
	/*
	 * Drain wolfSSL completely, ignoring dst_limit: records it has decrypted but we did
	 * not take would sit inside it with the socket input empty, and nothing would wake us.
	 */
	for (;;) {
		if (evbuffer_reserve_space(dst, TLS_CHUNK, &v, 1) < 1)
			break;
		n = wolfSSL_read(c->ssl, v.iov_base, (int)(v.iov_len > INT_MAX ? INT_MAX : v.iov_len));
		if (n > 0) {
			v.iov_len = (size_t)n;
			evbuffer_commit_space(dst, &v, 1);
			produced += (size_t)n;
			continue;
		}
		e = wolfSSL_get_error(c->ssl, n);
		if (e == WOLFSSL_ERROR_WANT_READ || e == WOLFSSL_ERROR_WANT_WRITE)
			break;
		if (e == WOLFSSL_ERROR_ZERO_RETURN) {
			/* close_notify: answer it and report end of stream. */
			wolfSSL_shutdown(c->ssl);
			bufferevent_trigger_event(c->bev, BEV_EVENT_EOF | BEV_EVENT_READING,
			    BEV_TRIG_DEFER_CALLBACKS);
			break;
		}
		tls_fail(c, e);
		return BEV_ERROR;
	}
	return produced ? BEV_OK : BEV_NEED_MORE;
}

/*
 * Hand the ciphertext to the kernel now instead of on the next loop turn. The filter tells
 * its user "written" as soon as the plaintext is encrypted; evhttp then frees a
 * "Connection: close" connection at once and shutdown()s the socket, which would lose
 * the ciphertext still queued in the socket bufferevent (curl saw "Empty reply" for every
 * 413). Whatever the kernel does not take now stays queued for libevent to write later.
 */
static void
tls_write_through(struct tls_conn *c)
{
	struct evbuffer *out = bufferevent_get_output(c->under);
	evutil_socket_t fd = bufferevent_getfd(c->under);

	if (fd < 0 || !c->hs_done)
		return;
	/*
	 * Requests and replies are whole records written at once: Nagle's algorithm could
	 * only hold the last segment of one back for a delayed ACK (40 ms per round trip).
	 */
	if (!c->nodelay) {
		int one = 1;

		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		c->nodelay = 1;
	}
	/* A socket bufferevent freezes the front of its output; only it may drain there. */
	evbuffer_unfreeze(out, 1);
	while (evbuffer_get_length(out) > 0)
		if (evbuffer_write(out, fd) <= 0)
			break;	/* EAGAIN or an error the socket bufferevent will see itself */
	evbuffer_freeze(out, 1);
}

static enum bufferevent_filter_result
tls_out(struct evbuffer *src, struct evbuffer *dst, ev_ssize_t limit,
    enum bufferevent_flush_mode mode, void *arg)
{
	struct tls_conn *c = arg;
	size_t len, n;
	unsigned char *p;
	int d, r, e, wrote = 0;

	(void)dst;
	(void)limit;
	(void)mode;
	if ((d = tls_drive(c)) < 0)
		return BEV_ERROR;
	if (d == 0)
		return BEV_NEED_MORE;	/* plaintext waits for the handshake */
	/*
	 * Encrypt only from the kick: by then everything the user queued in this loop turn
	 * (evhttp writes a reply in many small pieces) goes out as one record and one
	 * segment, instead of a record and a segment per piece.
	 */
	if (!c->kicking) {
		if (evbuffer_get_length(src) > 0)
			event_active(c->kick, EV_WRITE, 0);
		return BEV_NEED_MORE;
	}
	while ((len = evbuffer_get_length(src)) > 0) {
		n = len < TLS_CHUNK ? len : TLS_CHUNK;
		if ((p = evbuffer_pullup(src, (ev_ssize_t)n)) == NULL)
			return BEV_ERROR;
		r = wolfSSL_write(c->ssl, p, (int)n);
		if (r <= 0) {
			e = wolfSSL_get_error(c->ssl, r);
			if (e == WOLFSSL_ERROR_WANT_READ || e == WOLFSSL_ERROR_WANT_WRITE)
				break;
			tls_fail(c, e);
			return BEV_ERROR;
		}
		evbuffer_drain(src, (size_t)r);
		wrote = 1;
	}
	if (wrote)
		tls_write_through(c);
	return wrote ? BEV_OK : BEV_NEED_MORE;
}

/*
 * The output kick. A filter's enable(EV_WRITE) does not push output that is already
 * queued, and evhttp queues a whole reply while EV_WRITE is off and enables it after, so
 * the reply would stay in the filter. Every addition schedules a flush; deferred, so that
 * evhttp has enabled EV_WRITE and installed its write callback by then (else it never
 * learns that the reply went out and keep-alive breaks).
 */
static void
tls_out_added(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
	struct tls_conn *c = arg;

	(void)buf;
	if (info->n_added > 0)
		event_active(c->kick, EV_WRITE, 0);
}

/*
 * Whether the owner still has the bufferevent: bufferevent_free() clears its callbacks
 * (every user sets an event callback before connecting or serving).
 */
static int
tls_owner_present(struct tls_conn *c)
{
	bufferevent_event_cb eventcb = NULL;

	bufferevent_getcb(c->bev, NULL, NULL, &eventcb, NULL);
	return eventcb != NULL;
}

static void
tls_kick(evutil_socket_t fd, short what, void *arg)
{
	struct tls_conn *c = arg;

	(void)fd;
	(void)what;
	/*
	 * The kick is our own event: libevent does not cancel it when the owner frees the
	 * bufferevent (from a timeout, or any callback of the loop turn in which the
	 * handshake ended), it only finalizes the bufferevent later, and tls_conn_free then
	 * deletes the kick. In between, c and the bufferevent are still there but their
	 * count of references is zero: a flush took one and dropped it, which ran the whole
	 * teardown a second time (libevent: "BEV_OPT_CLOSE_ON_FREE set on an bufferevent with
	 * too few references"), and the handshake hook called an owner that had freed its
	 * state (the probe freed itself twice that way: the double free seen with bufferevent
	 * timeouts). With the owner gone there is nobody to flush for or to tell.
	 */
	if (!tls_owner_present(c))
		return;
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) > 0) {
		c->kicking = 1;
		bufferevent_flush(c->bev, EV_WRITE, BEV_NORMAL);
		c->kicking = 0;
	}
	/* Last: the hook may free the bufferevent. */
	if (c->hs_done && !c->done_called && tls_owner_present(c)) {
		c->done_called = 1;
		if (c->done != NULL)
			c->done(c, c->arg);
	}
}

static void
tls_conn_free(void *arg)
{
	struct tls_conn *c = arg;

	free(c->expect_name);
	free(c->alpn_list);
	tls_session_free(c->offered);
	if (c->freed != NULL)
		c->freed(c->arg);
	wolfSSL_free(c->ssl);
	if (c->kick != NULL)
		event_free(c->kick);
	tls_ctx_free(c->ctx);
	free(c);
}

struct bufferevent *
tls_bev_new(struct event_base *base, evutil_socket_t fd, struct tls_ctx *ctx, int server,
    const char *sni, struct tls_conn **connp)
{
	struct tls_conn *c;
	struct bufferevent *under = NULL, *bev;
	unsigned char tmp[16];

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->server = server;
	if ((c->ssl = wolfSSL_new(ctx->ctx)) == NULL)
		goto fail;
	c->ctx = ctx;
	ctx->refs++;
	wolfSSL_SSLSetIORecv(c->ssl, tls_io_recv);
	wolfSSL_SSLSetIOSend(c->ssl, tls_io_send);
	wolfSSL_SetIOReadCtx(c->ssl, c);
	wolfSSL_SetIOWriteCtx(c->ssl, c);
	if (!server)
		(void)wolfSSL_set_SessionTicket_cb(c->ssl, tls_session_ticket_cb, c);
	/* SNI carries host names only (RFC 6066 section 3); a mirror reached by IP gets none. */
	if (!server && sni != NULL && *sni != '\0' && inet_pton(AF_INET, sni, tmp) != 1 &&
	    inet_pton(AF_INET6, sni, tmp) != 1 &&
	    wolfSSL_UseSNI(c->ssl, WOLFSSL_SNI_HOST_NAME, sni, (unsigned short)strlen(sni)) !=
	    WOLFSSL_SUCCESS)
		goto fail;
	if ((c->kick = event_new(base, -1, 0, tls_kick, c)) == NULL)
		goto fail;
	if ((under = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE)) == NULL)
		goto fail;
	c->under = under;
	bev = bufferevent_filter_new(under, tls_in, tls_out, BEV_OPT_CLOSE_ON_FREE, tls_conn_free, c);
	if (bev == NULL)
		goto fail;
	c->bev = bev;
	if (evbuffer_add_cb(bufferevent_get_output(bev), tls_out_added, c) == NULL) {
		bufferevent_free(bev);	/* frees c through tls_conn_free */
		return NULL;
	}
	if (connp != NULL)
		*connp = c;
	return bev;
fail:
	if (under != NULL)
		bufferevent_free(under);
	tls_conn_free(c);
	return NULL;
}

int
tls_bev_connect(struct bufferevent *bev, const struct sockaddr *sa, int salen)
{
	struct bufferevent *under = bufferevent_get_underlying(bev);

	if (under == NULL || bufferevent_socket_connect(under, sa, salen) != 0)
		return -1;
	/*
	 * Queue the ClientHello in the socket's output now; libevent writes it as soon as
	 * the connection is up. We cannot identify our filter's context from bev alone, so
	 * the flush drives tls_out, which drives the handshake.
	 */
	bufferevent_flush(bev, EV_WRITE, BEV_FLUSH);
	return 0;
}

void
tls_conn_set_callbacks(struct tls_conn *conn, tls_done_cb done, tls_free_cb freed, void *arg)
{
	conn->done = done;
	conn->freed = freed;
	conn->arg = arg;
}

int
tls_conn_expect(struct tls_conn *conn, const char *name, const uint8_t *pin)
{
	unsigned char tmp[16];

	if (name == NULL || *name == '\0' || (conn->expect_name = strdup(name)) == NULL)
		return -1;
	conn->expect_ip = inet_pton(AF_INET, name, tmp) == 1 || inet_pton(AF_INET6, name, tmp) == 1;
	if (pin != NULL) {
		memcpy(conn->pin, pin, TLS_SHA256_LEN);
		conn->has_pin = 1;
	}
	/* The verify callback finds this connection through the store's user context. */
	wolfSSL_SetCertCbCtx(conn->ssl, conn);
	return 0;
}

enum tls_failure
tls_conn_failure_kind(const struct tls_conn *conn)
{
	return conn->fail_kind;
}

int
tls_conn_verified_chain(const struct tls_conn *conn, uint8_t (*fps)[TLS_SHA256_LEN],
    size_t max)
{
	size_t n = 0;

	/* Depth order, leaf first; the run stops at the first gap. */
	for (int i = 0; i < TLS_MAX_CHAIN && n < max && (conn->vchain_set & 1u << i); i++)
		memcpy(fps[n++], conn->vchain[i], TLS_SHA256_LEN);
	return (int)n;
}

int
tls_conn_handshake_done(const struct tls_conn *conn)
{
	return conn->hs_done;
}

const char *
tls_conn_error(const struct tls_conn *conn)
{
	return conn->err;
}

const char *
tls_conn_failure(const struct tls_conn *conn, int err, char *buf, size_t len)
{
	if (conn != NULL && conn->err[0] != '\0')
		snprintf(buf, len, "TLS handshake failed: %s", conn->err);
	else
		snprintf(buf, len, "connect failed: %s", err != 0 ? strerror(err) : "unknown error");
	return buf;
}

const char *
tls_conn_version(const struct tls_conn *conn)
{
	return conn->hs_done ? wolfSSL_get_version(conn->ssl) : "";
}

int
tls_conn_offer_alpn(struct tls_conn *conn, const char *protos)
{
	if (conn->server || protos == NULL || *protos == '\0' || conn->alpn_list != NULL ||
	    (conn->alpn_list = strdup(protos)) == NULL)
		return -1;
	/* Continue on mismatch: a server that speaks no ALPN (or none of ours) gets HTTP/1.1. */
	return wolfSSL_UseALPN(conn->ssl, conn->alpn_list, (unsigned int)strlen(conn->alpn_list),
	    WOLFSSL_ALPN_CONTINUE_ON_MISMATCH) == WOLFSSL_SUCCESS ? 0 : -1;
}

int
tls_conn_peer_chain(struct tls_conn *conn, uint8_t (*fps)[TLS_SHA256_LEN], size_t max)
{
	WOLFSSL_X509_CHAIN *chain;
	int i, count;

	if (!conn->hs_done || (chain = wolfSSL_get_peer_chain(conn->ssl)) == NULL)
		return -1;
	count = wolfSSL_get_chain_count(chain);
	if (count <= 0)
		return -1;
	for (i = 0; i < count && (size_t)i < max; i++) {
		const unsigned char *der = wolfSSL_get_chain_cert(chain, i);
		int len = wolfSSL_get_chain_length(chain, i);

		if (der == NULL || len <= 0)
			return -1;
		tls_sha256(der, (size_t)len, fps[i]);
	}
	return i;
}

int
tls_conn_peer_der(struct tls_conn *conn, const uint8_t **der, size_t *len, size_t max)
{
	WOLFSSL_X509_CHAIN *chain;
	int i, count;

	if (!conn->hs_done || (chain = wolfSSL_get_peer_chain(conn->ssl)) == NULL)
		return -1;
	if ((count = wolfSSL_get_chain_count(chain)) <= 0)
		return -1;
	for (i = 0; i < count && (size_t)i < max; i++) {
		int n = wolfSSL_get_chain_length(chain, i);

		if ((der[i] = wolfSSL_get_chain_cert(chain, i)) == NULL || n <= 0)
			return -1;
		len[i] = (size_t)n;
	}
	return i;
}

const char *
tls_conn_alpn(const struct tls_conn *conn)
{
	char *name = NULL;
	unsigned short len = 0;
	static char buf[32];

	if (conn == NULL || !conn->hs_done ||
	    wolfSSL_ALPN_GetProtocol(conn->ssl, &name, &len) != WOLFSSL_SUCCESS ||
	    name == NULL || len == 0 || len >= sizeof(buf))
		return "";
	if (len == 2 && memcmp(name, "h2", 2) == 0)
		return "h2";
	if (len == 8 && memcmp(name, "http/1.1", 8) == 0)
		return "http/1.1";
	memcpy(buf, name, len);
	buf[len] = '\0';
	return buf;
}

void
tls_conn_set_ready_hook(struct tls_conn *conn, tls_done_cb ready, void *arg)
{
	conn->ready = ready;
	conn->ready_arg = arg;
}
