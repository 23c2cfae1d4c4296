/*
 * resolver/probe.h - the TLS probe (DESIGN.md section 5, ladder rule 5): does the address the
 * local resolver gave serve the name with a certificate chain that reaches the CA the mirrors
 * agree on? wolfSSL side: probe.c includes no ldns header, this header neither.
 */
#ifndef VANTAGED_PROBE_H
#define VANTAGED_PROBE_H

#include <event2/event.h>
#include <stddef.h>
#include <stdint.h>

#include "netaddr.h"
#include "tls.h"

struct probe_set;
struct probe;

/*
 * An accepted CA, in the shape of a TLSA record's association data with matching type 1
 * (SHA-256): selector 0 hashes the whole DER certificate, selector 1 its
 * SubjectPublicKeyInfo. Notary observations (/v1/observe) always give selector 0.
 */
struct probe_ca {
	uint8_t selector;		/* 0 = Cert, 1 = SPKI */
	uint8_t sha256[TLS_SHA256_LEN];
};

enum probe_result {
	PROBE_OK,		/* a certificate of the chain is an accepted CA, the chain verifies
				 * up to it (signatures, validity dates, CA constraints, server
				 * use) and the leaf is valid for the name: the address is honest.
				 * The accepted "CA" may be the leaf itself (a pinned leaf). */
	PROBE_OTHER_CA,		/* handshake done, but no certificate of the chain is an accepted
				 * CA (self-signed, another CA): dissent */
	PROBE_BAD_CHAIN,	/* an accepted CA is in the chain, but the chain does not verify up
				 * to it (bad signature, expired, not yet valid, an intermediate
				 * that is no CA, a leaf for clients only): dissent */
	PROBE_BAD_NAME,		/* the leaf is not valid for the name: dissent */
	PROBE_UNREACHABLE,	/* refused, reset, timed out, no TLS: says nothing either way */
	PROBE_BUSY		/* too many probes in flight; not started (never a callback) */
};

struct probe_outcome {
	enum probe_result result;
	int matched;			/* PROBE_OK/BAD_*: index into cas of the CA found, else -1 */
	uint8_t chain[TLS_MAX_CHAIN][TLS_SHA256_LEN];	/* SHA-256 of each certificate sent,
							 * leaf first */
	size_t n_chain;
	uint8_t path[TLS_MAX_CHAIN][TLS_SHA256_LEN];	/* probe_start_webpki, PROBE_OK: the
							 * verified path above the leaf,
							 * up to the store's CA */
	size_t n_path;
	const char *detail;		/* one short sentence for logs and explain; valid
					 * during the callback only */
	uint64_t elapsed_ms;
};

/*
 * Called exactly once per started probe unless cancelled; o is valid during the call. The
 * probe is already gone then: forget its handle (never probe_cancel it from here).
 */
typedef void (*probe_cb)(void *arg, const struct probe_outcome *o);

/*
 * probe_set_new - probes on base, at most max_concurrent at once; NULL on failure. It holds
 * a wolfSSL initialisation (tls_init) for its lifetime; no other set-up is needed.
 */
struct probe_set *probe_set_new(struct event_base *base, size_t max_concurrent);

/*
 * probe_set_free - cancels every probe without calling back; accepts NULL. May be called
 * from a probe callback. Call it before event_base_free(base).
 */
void probe_set_free(struct probe_set *ps);

/*
 * probe_start - connect to addr (its port ignored) at port (TCP, then TLS 1.2 or 1.3 with SNI = name, a host
 * name without the trailing dot) and judge the chain against cas[0..n_cas-1]. name and
 * cas are copied. timeout_ms bounds the whole probe (connect, handshake). cb runs later,
 * never from inside this call; it may start, cancel or free probes. Returns NULL when not
 * started (busy, no memory, bad arguments, a connect() that failed at once); *why (may be
 * NULL) then says PROBE_BUSY or PROBE_UNREACHABLE.
 */
struct probe *probe_start(struct probe_set *ps, const struct netaddr *addr, uint16_t port,
    const char *name, const struct probe_ca *cas, size_t n_cas, uint32_t timeout_ms,
    probe_cb cb, void *arg, enum probe_result *why);

/*
 * probe_start_webpki - like probe_start, but the chain is judged against the trust store
 * st (tls_chain_judge_store: it verifies up to a CA of st and the leaf is valid for name),
 * not against fingerprints: PROBE_OK with the verified path in the outcome's path,
 * PROBE_OTHER_CA when no CA of st is reached, PROBE_BAD_CHAIN / PROBE_BAD_NAME as there.
 * The probe holds a reference to st (tls_store_ref) until it ends.
 */
struct probe *probe_start_webpki(struct probe_set *ps, const struct netaddr *addr,
    uint16_t port, const char *name, struct tls_store *st, uint32_t timeout_ms, probe_cb cb,
    void *arg, enum probe_result *why);

/* probe_cancel - forget p; its callback will not run. Accepts NULL. */
void probe_cancel(struct probe *p);

/* probe_result_name - "ok", "other-ca", "bad-chain", "bad-name", "unreachable", "busy". */
const char *probe_result_name(enum probe_result r);

#endif
