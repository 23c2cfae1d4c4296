/*
 * resolver/check_ca_int.h - the CA evidence's private state, shared by check_ca.c (gathering
 * it: questions, observations, probes) and check_ca_judge.c (judging it). Nobody else
 * includes it.
 */
#ifndef VANTAGED_CHECK_CA_INT_H
#define VANTAGED_CHECK_CA_INT_H

#include <event2/event.h>

#include "check_ca_view.h"
#include "check_env.h"
#include "config.h"
#include "dnswire.h"
#include "probe.h"

struct digest;

struct check_ca_ctx {
	struct check_ca_env env;
	/* TLS probes of local addresses: the env's, or the daemon's probe set (own); NULL:
	 * no CA evidence. */
	const struct check_probe_ops *probes;
	void *probes_svc;
	struct probe_set *own;
	struct tls_store *trust_store;	/* mirrors.trust_store, loaded per (re)load: the
					 * stub's own handshake is judged against it */
};

struct check_ca;

/* One DNS question to one mirror: its TLSA, or its CAA at one level. */
struct check_ca_slot {
	struct check_ca *ca;
	struct mirror_req *req;
	int done;
	struct digest *d;		/* the answer; NULL when none came */
	uint8_t qname[DNS_MAXNAME];	/* the question, for the digest */
	size_t qname_len;
	uint16_t qtype;
};

/* One notary observation by one mirror. */
struct check_ca_obs {
	struct check_ca *ca;
	size_t mi;
	struct mirror_req *req;
	int done;
	struct event *retry;		/* 429: this client already has one in flight there */
	char target[DNS_MAXNAME * 4 + 128];
};

/* One local address. */
struct check_ca_addr {
	struct check_ca *ca;
	struct cons_addr a;
	struct probe *p;
	int started, done, cached;
	enum probe_result result;
	struct probe_ca matched;
	char detail[96];
};

struct check_ca {
	struct check_ca_ctx *cx;
	struct dnsq q;
	struct consensus_settings set;
	struct cons_verdict v;
	char name[DNS_MAXNAME * 4 + 1];	/* presentation, trailing dot */
	char host[DNS_MAXNAME * 4 + 1];	/* the same without it: SNI and observe */
	size_t nm;
	struct mirror *m[CONSENSUS_MAX_MIRRORS];
	char regions[CONSENSUS_MAX_MIRRORS][64];
	struct check_ca_slot tlsa[CONSENSUS_MAX_MIRRORS];
	struct check_ca_obs obs[CONSENSUS_MAX_MIRRORS];
	struct ca_chain chains[CONSENSUS_MAX_MIRRORS];
	struct check_ca_slot *caa;	/* levels * nm, level-major; NULL when CAA is not asked */
	size_t levels;
	struct check_ca_addr addrs[CHECK_CA_MAX_ADDRS];
	size_t n_addrs;
	int cas_known, finished;
	/*
	 * No notary (mirrors that are plain DoH resolvers, or observations that failed): the
	 * stub's own handshake with an address the quorum of mirrors agrees on gives the CA
	 * the local addresses must chain to.
	 */
	struct cons_addr agreed;
	int have_agreed, hs_started, hs_done;
	struct probe *hs;
	struct ca_set hs_cas;		/* the verified path above the leaf: intermediates and
					 * the trust store's root */
	int from_pairs;			/* every address had a cached pair: nothing asked */
	int truncated;			/* more addresses than CHECK_CA_MAX_ADDRS */
	struct ca_set cas;
	struct check_ca_view view;
	struct event *kick, *deadline;
	uint64_t start;			/* monotonic ms */
	uint32_t budget;		/* ms from start */
	/* check_ca_cb */
	void (*cb)(void *arg, const struct cons_verdict *v, const struct check_ca_view *view);
	void *arg;
};


/* check_ca_addr_str - a in presentation form into buf ("?" when it cannot be written). */
void check_ca_addr_str(const struct cons_addr *a, char *buf, size_t cap);

/* check_ca_judge - fill the view's fingerprints, probes and judgement from what came in. */
void check_ca_judge(struct check_ca *ca);

/* check_ca_caa - CAA: the relevant RRset among the mirrors' answers, judged against the
 * consensus CAs (a CAA that forbids the issuer makes the judgement a dissent). */
void check_ca_caa(struct check_ca *ca);

/* check_ca_history - the mirrors agreed on a CA: remember it, and notice a sudden change. */
void check_ca_history(struct check_ca *ca);

#endif
