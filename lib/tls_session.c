/* lib/tls_session.c - client TLS session resumption: a session kept with what its full
 * handshake verified, and offered again only under the same checks. */
#include <wolfssl/options.h>
/* Feature macros (_GNU_SOURCE) must precede the first system header wolfSSL pulls in. */
#include "autoconf.h"

#include <wolfssl/ssl.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tls.h"
#include "tls_int.h"

/* wolfSSL got a session ticket on the connection (TLS 1.2: in the handshake; 1.3: after it). */
int
tls_session_ticket_cb(WOLFSSL *ssl, const unsigned char *ticket, int len, void *arg)
{
	struct tls_conn *c = arg;

	(void)ssl;
	(void)ticket;
	if (len > 0)
		c->ticket_seen = 1;
	return 0;
}

/* Whether session s was made under exactly the checks conn would run now. */
static int
tls_session_matches(const struct tls_session *s, const struct tls_conn *conn)
{
	if (s->ctx != conn->ctx || (s->expect_name == NULL) != (conn->expect_name == NULL))
		return 0;
	if (s->expect_name != NULL && strcmp(s->expect_name, conn->expect_name) != 0)
		return 0;
	if (s->has_pin != conn->has_pin ||
	    (s->has_pin && memcmp(s->pin, conn->pin, TLS_SHA256_LEN) != 0))
		return 0;
	return 1;
}

/* An independent copy of s (the connection keeps one of what it offered). NULL on no memory. */
static struct tls_session *
tls_session_copy(const struct tls_session *s)
{
	struct tls_session *d;

	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	*d = *s;
	d->s = wolfSSL_SESSION_dup(s->s);
	d->expect_name = s->expect_name != NULL ? strdup(s->expect_name) : NULL;
	d->ctx = tls_ctx_ref(s->ctx);
	if (d->s == NULL || (s->expect_name != NULL && d->expect_name == NULL)) {
		tls_session_free(d);
		return NULL;
	}
	return d;
}

/* The peer leaf's notAfter, 0 when it cannot be read. */
static time_t
tls_leaf_not_after(struct tls_conn *conn)
{
	WOLFSSL_X509_CHAIN *chain = wolfSSL_get_peer_chain(conn->ssl);
	const unsigned char *der = chain ? wolfSSL_get_chain_cert(chain, 0) : NULL;
	int len = chain ? wolfSSL_get_chain_length(chain, 0) : 0;
	const WOLFSSL_ASN1_TIME *t;
	WOLFSSL_X509 *leaf;
	struct tm tm;
	time_t when = 0;

	if (der == NULL || len <= 0 || (leaf = wolfSSL_X509_d2i(NULL, der, len)) == NULL)
		return 0;
	memset(&tm, 0, sizeof(tm));
	if ((t = wolfSSL_X509_get_notAfter(leaf)) != NULL &&
	    wolfSSL_ASN1_TIME_to_tm(t, &tm) == WOLFSSL_SUCCESS)
		when = timegm(&tm);
	wolfSSL_X509_free(leaf);
	return when > 0 ? when : 0;
}

int
tls_session_fresh(time_t verified_at, time_t not_after, time_t now)
{
	if (now < verified_at || now - verified_at >= TLS_SESSION_MAX_AGE)
		return 0;
	return not_after == 0 || now < not_after;
}

struct tls_session *
tls_conn_session(struct tls_conn *conn)
{
	WOLFSSL_SESSION *cur;
	struct tls_session *s;

	if (conn->server || !conn->hs_done || conn->failed ||
	    (cur = wolfSSL_get_session(conn->ssl)) == NULL)
		return NULL;
	/*
	 * TLS 1.3 only. A TLS 1.2 server that declines the session we offer (its ticket key
	 * rotated, its cache forgot us) answers with a full handshake, which wolfSSL 5.5.4's
	 * client aborts (OUT_OF_ORDER_E, -373): an honest mirror would look like a TLS failure.
	 * A declined TLS 1.3 resumption falls back to a full, verified handshake.
	 *
	 * TLS 1.3 resumes only with a ticket, and the server sends it after the handshake: until
	 * one came on this very connection there is nothing to keep. On a resumed connection the
	 * session still holds the ticket it was resumed with, under the old connection's
	 * resumption secret: kept now, the next resumption's binder would be wrong (the server
	 * answers with a fatal alert).
	 */
	if (wolfSSL_version(conn->ssl) < TLS1_3_VERSION || !conn->ticket_seen ||
	    !wolfSSL_SESSION_has_ticket(cur))
		return NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	/* A copy: wolfSSL updates the connection's own session object as tickets arrive. */
	if ((s->s = wolfSSL_SESSION_dup(cur)) == NULL ||
	    (conn->expect_name != NULL && (s->expect_name = strdup(conn->expect_name)) == NULL)) {
		tls_session_free(s);
		return NULL;
	}
	s->ctx = tls_ctx_ref(conn->ctx);
	s->has_pin = conn->has_pin;
	memcpy(s->pin, conn->pin, TLS_SHA256_LEN);
	memcpy(s->vchain, conn->vchain, sizeof(s->vchain));
	s->vchain_set = conn->vchain_set;
	/* A resumption verified nothing new: the session stays as old as its full handshake. */
	if (conn->resumed) {
		s->verified_at = conn->offered->verified_at;
		s->not_after = conn->offered->not_after;
	} else {
		s->verified_at = time(NULL);
		s->not_after = tls_leaf_not_after(conn);
	}
	return s;
}

int
tls_conn_set_session(struct tls_conn *conn, struct tls_session *s)
{
	/*
	 * Why a resumed connection is still the verified identity: the session's secret came
	 * out of a full handshake that passed this very context's verification (the pinned CA,
	 * or the trust store) and this connection's name and pin checks (tls_session_matches
	 * refuses any other), and was handed to us encrypted under that handshake's keys. A
	 * server can resume it only by proving it holds that secret, which only the verified
	 * peer (or whoever it shares its ticket keys with, i.e. itself) has: no new chain
	 * needs checking, and none is sent. A session is kept per mirror, never shared.
	 */
	if (conn->server || s == NULL || conn->offered != NULL || !tls_session_matches(s, conn))
		return -1;
	/*
	 * Resumption skips the chain: a session lives no longer than a day past the full
	 * handshake that verified it (RFC 8446 section 4.6.1's bound), nor past the leaf's
	 * notAfter, so that expiry, revocation and a changed trust store (ca_changes) are seen
	 * again, and a stolen ticket key impersonates the mirror for a day at most.
	 */
	if (!tls_session_fresh(s->verified_at, s->not_after, time(NULL)))
		return -1;
	(void)wolfSSL_UseSessionTicket(conn->ssl);
	if (wolfSSL_set_session(conn->ssl, s->s) != WOLFSSL_SUCCESS)
		return -1;
	conn->offered = tls_session_copy(s);
	return conn->offered != NULL ? 0 : -1;
}

int
tls_conn_resumed(const struct tls_conn *conn)
{
	return conn->resumed;
}

void
tls_session_free(struct tls_session *s)
{
	if (s == NULL)
		return;
	if (s->s != NULL)
		wolfSSL_SESSION_free(s->s);
	tls_ctx_free(s->ctx);
	free(s->expect_name);
	free(s);
}
