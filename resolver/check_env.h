/*
 * resolver/check_env.h - what the cross-check is given (Unbound's module_env: data, then
 * services): the mirrors and the upstream behind small operation tables, and the clocks. The
 * daemon wires them to mirror_client.c and resolve.c (check_live.c); tests/replay/ wires them
 * to scripted answers and a virtual clock.
 */
#ifndef VANTAGED_CHECK_ENV_H
#define VANTAGED_CHECK_ENV_H

#include <stddef.h>
#include <stdint.h>

#include "consensus.h"
#include "dnswire.h"
#include "probe.h"
#include "resolve.h"

struct event_base;
struct config;
struct vstats;
struct vcache;
struct vstore;
struct dissent;
struct check_ca_ctx;
struct portal;
struct fleet;
struct mirror;		/* one mirror: opaque to the checks, named through the ops */
struct mirror_req;	/* one question to it, while it runs */

/* A mirror's DNS answer: wire is valid during the call only (NULL unless transport OK). */
typedef void (*check_mirror_cb)(void *arg, enum cons_transport transport, const uint8_t *wire,
    size_t len);
/* A mirror's answer to a GET (/v1/observe): HTTP status and body, valid during the call. */
typedef void (*check_body_cb)(void *arg, enum cons_transport transport, int status,
    const uint8_t *body, size_t len);

/*
 * The mirror service: "ask these mirrors this question, call me back". svc is the
 * operation table's own handle (the daemon: its mirror set slot). Callbacks run later,
 * never from inside query or get, exactly once unless cancelled.
 */
struct check_mirror_ops {
	/* Whether any mirror is configured now (check_applies). */
	int (*configured)(void *svc);
	/* Up to k mirrors for qname into out (keyed, healthy first); how many. */
	size_t (*select)(void *svc, const uint8_t *qname, size_t qname_len, size_t k,
	    struct mirror **out);
	/* Ask m about q; NULL when it cannot be asked (then no callback). */
	struct mirror_req *(*query)(struct mirror *m, const struct dnsq *q, uint32_t timeout_ms,
	    check_mirror_cb cb, void *arg);
	/* GET target (a secure mirror's /v1 path) from m; NULL when it cannot be asked. */
	struct mirror_req *(*get)(struct mirror *m, const char *target, uint32_t timeout_ms,
	    check_body_cb cb, void *arg);
	/* Forget req: its callback will not run. Accepts NULL. */
	void (*cancel)(struct mirror_req *req);
	/* Tell m how its answers fared (a JSON report); 0 when sent or queued. */
	int (*send_report)(struct mirror *m, const char *json, size_t len);
	const char *(*name)(const struct mirror *m);
	const char *(*region)(const struct mirror *m);
	const char *(*id_hex)(const struct mirror *m);
	/* Whether m is identified by a pin or the web PKI (its word may be reported). */
	int (*usable)(const struct mirror *m);
	/* Count what m's answer said of the local answer (its agreement statistics). */
	void (*note_evidence)(struct mirror *m, enum cons_evidence e);
};

/* The upstream (resolve.c): the local answer, and the answer cache the built message joins. */
struct check_upstream_ops {
	/* Ask the upstream about q; cb runs later, exactly once unless cancelled; NULL when
	 * it cannot start. */
	struct resolve_wait *(*start)(void *svc, const struct dnsq *q, resolve_cb cb, void *arg);
	/* Like start, but the answer does not join the answer cache (resolve_refresh): a
	 * prefetch's, which replaces the live entry only once the mirrors agreed. */
	struct resolve_wait *(*refresh)(void *svc, const struct dnsq *q, resolve_cb cb,
	    void *arg);
	void (*cancel)(struct resolve_wait *w);
	/* Put wire in the answer cache in place of the upstream's (resolve_replace). */
	int (*replace)(void *svc, const struct dnsq *q, const uint8_t *wire, size_t len,
	    uint32_t cap, int verified, struct resolve_result *kept);
};

/*
 * The TLS probe (probe.c): does an address serve the name with a chain up to one of cas
 * (start), or up to the trust store st (start_webpki)? svc is the probe set. As probe.h
 * says: cb runs later, exactly once unless cancelled; NULL (and *why) when not started.
 */
struct check_probe_ops {
	struct probe *(*start)(void *svc, const struct netaddr *addr, uint16_t port,
	    const char *name, const struct probe_ca *cas, size_t n_cas, uint32_t timeout_ms,
	    probe_cb cb, void *arg, enum probe_result *why);
	struct probe *(*start_webpki)(void *svc, const struct netaddr *addr, uint16_t port,
	    const char *name, struct tls_store *st, uint32_t timeout_ms, probe_cb cb, void *arg,
	    enum probe_result *why);
	void (*cancel)(struct probe *p);
};

/* The clocks: monotonic milliseconds and wall-clock epoch seconds (lib/vutil.h's). */
struct check_clock {
	uint64_t (*now_ms)(void);
	uint64_t (*wall_s)(void);
};

/*
 * An observer of every answer a check receives (the plugins' on_answer): source "upstream"
 * (region NULL) or the mirror's name; wire NULL when that answer failed.
 */
typedef void (*check_answer_cb)(void *arg, const struct dnsq *q, const char *source,
    const char *region, const uint8_t *wire, size_t len);

/*
 * What the checks are given: data, then services. Pointers are borrowed (the daemon keeps
 * them alive longer than the check context); cfg is the daemon's configuration slot, so a
 * reload reaches the checks as it reaches everyone.
 */
struct check_env {
	struct event_base *base;
	struct config *const *cfg;
	struct vstats *st;		/* the counters (resolver/stats.h) */
	struct vcache *vcache;		/* verdicts, sticky addresses, CA pairs and histories */
	struct vstore *store;		/* its persistence: told of every change; NULL: none */
	struct dissent *dissent;	/* the dissent log, or NULL */
	struct check_ca_ctx *ca;	/* the CA evidence (check_ca.c), or NULL: none */
	struct portal *portal;		/* the captive-portal window (portal.c), or NULL */
	struct fleet *fleet;		/* the fleet's shared verdicts (fleet.c), or NULL */
	const struct check_mirror_ops *mirrors;
	void *mirrors_svc;
	const struct check_upstream_ops *upstream;
	void *upstream_svc;
	struct check_clock clock;
	check_answer_cb on_answer;	/* the plugins' observer, or NULL */
	void *on_answer_arg;
};

/* What the CA evidence is given: data, then services (borrowed, as in check_env). */
struct check_ca_env {
	struct event_base *base;
	struct config *const *cfg;	/* the daemon's configuration slot */
	struct vstats *st;
	struct vcache *vcache;		/* CA pairs and histories (vcache_ca.c) */
	struct vstore *store;		/* told of every change; NULL: none */
	struct fleet *fleet;		/* proven pairs are shared there; NULL: none */
	const struct check_mirror_ops *mirrors;	/* TLSA, CAA and notary questions */
	/* The probes; NULL: check_ca_new makes the daemon's own probe set (probe.c). */
	const struct check_probe_ops *probes;
	void *probes_svc;
	struct check_clock clock;
};

#endif
