/* resolver/stats.h - the counters of the query path, one table for status and metrics. */
#ifndef VANTAGED_STATS_H
#define VANTAGED_STATS_H

#include <stdint.h>

/*
 * Each module is handed a pointer to the instance's one struct vstats and counts into
 * it; the control socket and the metrics endpoint both render it.
 */
/* Counters of the query path, for status output and metrics. */
struct vstats {
	uint64_t queries_udp, queries_tcp;
	uint64_t answers_cache, answers_upstream;
	uint64_t answers_stale;		/* verified answers served past expiry (RFC 8767) */
	uint64_t formerr, notimp, refused, servfail, dropped;
	uint64_t tcp_accepted, tcp_refused;
	uint64_t truncated;
	uint64_t verdict_agree, verdict_dissent, verdict_insufficient;
	uint64_t verdict_cached;	/* answered on a verified-cache verdict, no mirror asked */
	uint64_t action_refuse, action_servfail, action_flag, action_consensus;
	uint64_t bypassed;		/* checked types under consensus.bypass */
	uint64_t acl_refused, acl_dropped, ratelimited, tcp_per_client_refused;
	/* CA evidence (check_ca.c) */
	uint64_t ca_probes[6];		/* by enum probe_result */
	uint64_t ca_pairs_stored;	/* (name, address, CA) pairs proven and kept */
	uint64_t ca_pair_hits;		/* answers decided by cached pairs, no probe */
	uint64_t ca_changes_flagged;	/* CA changes after a stable period */
};

#endif
