/* resolver/stats.h - the counters of the query path, one table for status and metrics. */
#ifndef VANTAGED_STATS_H
#define VANTAGED_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "jw.h"

/*
 * Each module is handed a pointer to the instance's one struct vstats and counts into
 * it. stats.c describes every counter once (stats_counters: where `vantagectl status`
 * shows it, which Prometheus family and label it is); report.c and metrics.c both render
 * from that table, so a new counter is one field here and one row there.
 */
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
	/* Prefetch (cache.prefetch): refreshes started for hot names near expiry, and how the
	 * cross-checked ones ended: replaced on agreement, or the old entry kept. */
	uint64_t prefetches, prefetch_agree, prefetch_rejected;
	/* The fleet (fleet.c, check_fleet.c; main loop only): answers decided on a shared
	 * verdict and lookups that found none or none usable; values refused as malformed or
	 * forged (invalid) or by the trust rules (ignored); verdicts imported and published;
	 * commands failed or late; the lock won, lost (a wait), and how each wait ended. */
	uint64_t shared_hits, shared_misses, shared_invalid, shared_ignored;
	uint64_t shared_imported, shared_published;
	uint64_t shared_errors, shared_timeouts;
	uint64_t shared_lock_wins, shared_lock_waits, shared_wait_answered, shared_wait_timeouts;
};

/* The Prometheus families of the counters, in the order /metrics lists them. */
enum stats_family {
	STATS_F_QUERIES,
	STATS_F_ANSWERS,
	STATS_F_ERRORS,
	STATS_F_DROPPED,
	STATS_F_ACL_REFUSED,
	STATS_F_TRUNCATED,
	STATS_F_TCP,
	STATS_F_VERDICTS,
	STATS_F_VERDICTS_CACHED,
	STATS_F_BYPASSED,
	STATS_F_ACTIONS,
	STATS_F_CA_PROBES,
	STATS_F_CA_PAIRS_STORED,
	STATS_F_CA_PAIR_HITS,
	STATS_F_CA_CHANGES,
	STATS_F_PREFETCHES,
	STATS_F_PREFETCH_RESULTS,
	STATS_F_SHARED_LOOKUPS,
	STATS_F_SHARED_VERDICTS,
	STATS_F_SHARED_FAILURES,
	STATS_F_SHARED_LOCKS,
	STATS_F_SHARED_WAITS,
	STATS_F_COUNT
};

/* A family: its name, Prometheus type, HELP text and label key (NULL: one unlabelled series). */
struct stats_family_desc {
	const char *name, *type, *help, *label;
};

/*
 * One counter: the status object it is a member of ("queries", "ca.probes", ...) and its
 * key there, in the order status lists them; its family and its place in the family
 * (label value, NULL for an unlabelled family; pos orders the family's series); where it
 * is in struct vstats.
 */
struct stats_counter {
	const char *group, *key;
	enum stats_family family;
	unsigned pos;
	const char *value;
	size_t off;
};

/* The families, indexed by enum stats_family. */
extern const struct stats_family_desc stats_families[STATS_F_COUNT];

/*
 * stats_find - the counter at position pos of family f; NULL past its last. Walking pos
 * from 0 gives a family's series in /metrics order.
 */
const struct stats_counter *stats_find(enum stats_family f, unsigned pos);

/*
 * The counters each upstream keeps (struct upstream_stats, lib/upstream.h): its key in
 * status's "upstreams" entries, and its Prometheus family (labelled by upstream), in the
 * order both list them.
 */
struct stats_item {
	const char *key, *metric, *help;
	size_t off;
};

/* stats_upstream - the per-upstream counters; *n gets their count. */
const struct stats_item *stats_upstream(size_t *n);

/* stats_item_value - the value of counter c in the stats struct at base. */
uint64_t stats_item_value(const void *base, const struct stats_item *c);

/* stats_value - the current value of counter c in st. */
uint64_t stats_value(const struct vstats *st, const struct stats_counter *c);

/*
 * stats_status - the counters of one status group as members of w, in table order (the
 * caller opens and closes the group's object). Unknown groups write nothing.
 */
void stats_status(const struct vstats *st, struct jw *w, const char *group);

#endif
