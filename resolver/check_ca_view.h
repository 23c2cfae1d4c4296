/*
 * resolver/check_ca_view.h - what the CA evidence found for one verdict (check_ca.c), as the
 * policy, the logs, `vantagectl explain` and the dashboard see it.
 */
#ifndef VANTAGED_CHECK_CA_VIEW_H
#define VANTAGED_CHECK_CA_VIEW_H

#include <stddef.h>
#include <stdint.h>

#include "ca.h"
#include "probe.h"
#include "tls.h"

/* Local addresses probed per answer; more are left unproven (the verdict then stays). */
#define CHECK_CA_MAX_ADDRS 8

struct mirror;
struct check_ca;
struct check_ca_ctx;
struct vcache;
struct vstats;
struct vstore;


/* One local address and what its probe (or a cached pair) said. */
struct check_ca_probe {
	char addr[48];
	enum probe_result result;
	int cached;			/* proven by a cached pair, not probed now */
	char detail[96];
};

/* What the CA evidence found, for the policy, the logs and `vantagectl explain`. */
struct check_ca_view {
	const char *source;		/* "pair", "tlsa", "notary", "handshake" (the stub's own
					 * with an address the mirrors agree on), or "none" */
	enum ca_tlsa tlsa;
	unsigned observed;		/* mirrors whose notary observation arrived */
	char cas[CA_MAX][TLS_SHA256_HEX];	/* the consensus CA fingerprints */
	size_t n_cas;
	struct check_ca_probe probes[CHECK_CA_MAX_ADDRS];
	size_t n_probes;
	enum ca_judgement judgement;	/* of the probes and CAA together */
	enum ca_caa caa;
	char caa_issuer[64];
	enum ca_hist hist;
	int timed_out;			/* the probe budget ran out */
	int fresh_only;			/* source "handshake": evidence for this verdict only;
					 * no pair, no history and no sticky address may be
					 * kept from it (check_remember_addrs) */
	char text[200];			/* EXTRA-TEXT when the CA evidence decided; "" else */
	uint64_t elapsed_ms;
};

#endif
