/* resolver/stats.c - the one description of every counter, for status and metrics. */
#include "autoconf.h"

#include <string.h>

#include "stats.h"
#include "upstream.h"
#include "vutil.h"

#define OFF(field) offsetof(struct vstats, field)

const struct stats_family_desc stats_families[STATS_F_COUNT] = {
	[STATS_F_QUERIES] = { "vantaged_queries_total", "counter",
	    "DNS queries received, by transport.", "transport" },
	[STATS_F_ANSWERS] = { "vantaged_answers_total", "counter",
	    "Answers served, by where they came from.", "source" },
	[STATS_F_ERRORS] = { "vantaged_error_responses_total", "counter",
	    "Error responses sent, by RCODE (FORMERR, NOTIMP and REFUSED for bad queries, "
	    "SERVFAIL for failures and policy).", "rcode" },
	[STATS_F_DROPPED] = { "vantaged_dropped_queries_total", "counter",
	    "Queries dropped without an answer, by reason.", "reason" },
	[STATS_F_ACL_REFUSED] = { "vantaged_acl_refused_total", "counter",
	    "Queries refused (REFUSED, EDE 18) because of the access list.", NULL },
	[STATS_F_TRUNCATED] = { "vantaged_truncated_responses_total", "counter",
	    "UDP answers cut to fit with TC set.", NULL },
	[STATS_F_TCP] = { "vantaged_tcp_connections_total", "counter",
	    "TCP connections from clients, by result.", "result" },
	[STATS_F_VERDICTS] = { "vantaged_verdicts_total", "counter",
	    "Consensus verdicts taken with the mirrors, by outcome.", "outcome" },
	[STATS_F_VERDICTS_CACHED] = { "vantaged_verdicts_cached_total", "counter",
	    "Answers served on a verdict from the verified cache, no mirror asked.", NULL },
	[STATS_F_BYPASSED] = { "vantaged_bypassed_queries_total", "counter",
	    "Questions of checked types under consensus.bypass, never sent to mirrors.", NULL },
	[STATS_F_ACTIONS] = { "vantaged_actions_total", "counter",
	    "Answers changed by the consensus policy, by action.", "action" },
	[STATS_F_CA_PROBES] = { "vantaged_ca_probes_total", "counter",
	    "TLS probes of local addresses against the mirrors' CA, by result.", "result" },
	[STATS_F_CA_PAIRS_STORED] = { "vantaged_ca_pairs_stored_total", "counter",
	    "(name, address, CA) pairs proven by a probe and kept.", NULL },
	[STATS_F_CA_PAIR_HITS] = { "vantaged_ca_pair_hits_total", "counter",
	    "Verdicts decided by cached pairs, without a probe.", NULL },
	[STATS_F_CA_CHANGES] = { "vantaged_ca_changes_flagged_total", "counter",
	    "Names whose mirrors' CA changed after a stable period (consensus.ca_history).", NULL },
	[STATS_F_PREFETCHES] = { "vantaged_prefetches_total", "counter",
	    "Background refreshes of cached names near expiry (cache.prefetch).", NULL },
	[STATS_F_PREFETCH_RESULTS] = { "vantaged_prefetch_results_total", "counter",
	    "Prefetches of cross-checked names, by result: agree (the entry was replaced) or "
	    "rejected (the old entry was kept until it expires).", "result" },
	[STATS_F_SHARED_LOOKUPS] = { "vantaged_shared_lookups_total", "counter",
	    "The fleet's shared verdicts looked up in Redis, by result: hit (an answer decided on "
	    "one, no mirror asked), miss (none, or not on this answer), invalid (malformed or "
	    "forged), ignored (refused by the trust rules).", "result" },
	[STATS_F_SHARED_VERDICTS] = { "vantaged_shared_verdicts_total", "counter",
	    "Verdicts imported from the fleet into the verified cache, and published to it.",
	    "direction" },
	[STATS_F_SHARED_FAILURES] = { "vantaged_shared_failures_total", "counter",
	    "Redis commands that failed (error reply, connection lost or refused) or passed "
	    "shared.timeout.", "kind" },
	[STATS_F_SHARED_LOCKS] = { "vantaged_shared_locks_total", "counter",
	    "The per-name lock: won (this instance asked the mirrors) or held by another "
	    "instance (a wait).", "result" },
	[STATS_F_SHARED_WAITS] = { "vantaged_shared_waits_total", "counter",
	    "Waits for another instance's verdict, by how they ended.", "result" },
};

/*
 * In status order. The probe results are spelled as probe_result_name spells them
 * (probe.c), in the order of enum probe_result; tcp_per_client_refused is counted but
 * shown nowhere yet.
 */
static const struct stats_counter stats_counters[] = {
	{ "queries", "udp", STATS_F_QUERIES, 0, "udp", OFF(queries_udp) },
	{ "queries", "tcp", STATS_F_QUERIES, 1, "tcp", OFF(queries_tcp) },
	{ "queries", "tcp_connections", STATS_F_TCP, 0, "accepted", OFF(tcp_accepted) },
	{ "queries", "tcp_refused", STATS_F_TCP, 1, "refused", OFF(tcp_refused) },
	{ "answers", "cache", STATS_F_ANSWERS, 0, "cache", OFF(answers_cache) },
	{ "answers", "stale", STATS_F_ANSWERS, 2, "stale", OFF(answers_stale) },
	{ "answers", "upstream", STATS_F_ANSWERS, 1, "upstream", OFF(answers_upstream) },
	{ "answers", "truncated", STATS_F_TRUNCATED, 0, NULL, OFF(truncated) },
	{ "answers", "formerr", STATS_F_ERRORS, 0, "FORMERR", OFF(formerr) },
	{ "answers", "notimp", STATS_F_ERRORS, 1, "NOTIMP", OFF(notimp) },
	{ "answers", "refused", STATS_F_ERRORS, 2, "REFUSED", OFF(refused) },
	{ "answers", "servfail", STATS_F_ERRORS, 3, "SERVFAIL", OFF(servfail) },
	{ "answers", "dropped", STATS_F_DROPPED, 0, "malformed", OFF(dropped) },
	{ "answers", "acl_refused", STATS_F_ACL_REFUSED, 0, NULL, OFF(acl_refused) },
	{ "answers", "acl_dropped", STATS_F_DROPPED, 1, "acl", OFF(acl_dropped) },
	{ "answers", "ratelimited", STATS_F_DROPPED, 2, "ratelimit", OFF(ratelimited) },
	{ "verdicts", "agree", STATS_F_VERDICTS, 0, "agree", OFF(verdict_agree) },
	{ "verdicts", "dissent", STATS_F_VERDICTS, 1, "dissent", OFF(verdict_dissent) },
	{ "verdicts", "insufficient", STATS_F_VERDICTS, 2, "insufficient",
	    OFF(verdict_insufficient) },
	{ "verdicts", "cached", STATS_F_VERDICTS_CACHED, 0, NULL, OFF(verdict_cached) },
	{ "verdicts", "bypassed", STATS_F_BYPASSED, 0, NULL, OFF(bypassed) },
	{ "verdicts", "prefetches", STATS_F_PREFETCHES, 0, NULL, OFF(prefetches) },
	{ "verdicts", "prefetch_agree", STATS_F_PREFETCH_RESULTS, 0, "agree", OFF(prefetch_agree) },
	{ "verdicts", "prefetch_rejected", STATS_F_PREFETCH_RESULTS, 1, "rejected",
	    OFF(prefetch_rejected) },
	{ "actions", "refuse", STATS_F_ACTIONS, 0, "refuse", OFF(action_refuse) },
	{ "actions", "servfail", STATS_F_ACTIONS, 1, "servfail", OFF(action_servfail) },
	{ "actions", "flag", STATS_F_ACTIONS, 2, "flag", OFF(action_flag) },
	{ "actions", "consensus", STATS_F_ACTIONS, 3, "consensus", OFF(action_consensus) },
	{ "ca.probes", "ok", STATS_F_CA_PROBES, 0, "ok", OFF(ca_probes[0]) },
	{ "ca.probes", "other-ca", STATS_F_CA_PROBES, 1, "other-ca", OFF(ca_probes[1]) },
	{ "ca.probes", "bad-chain", STATS_F_CA_PROBES, 2, "bad-chain", OFF(ca_probes[2]) },
	{ "ca.probes", "bad-name", STATS_F_CA_PROBES, 3, "bad-name", OFF(ca_probes[3]) },
	{ "ca.probes", "unreachable", STATS_F_CA_PROBES, 4, "unreachable", OFF(ca_probes[4]) },
	{ "ca.probes", "busy", STATS_F_CA_PROBES, 5, "busy", OFF(ca_probes[5]) },
	{ "ca", "pairs_stored", STATS_F_CA_PAIRS_STORED, 0, NULL, OFF(ca_pairs_stored) },
	{ "ca", "pair_hits", STATS_F_CA_PAIR_HITS, 0, NULL, OFF(ca_pair_hits) },
	{ "ca", "changes_flagged", STATS_F_CA_CHANGES, 0, NULL, OFF(ca_changes_flagged) },
	{ "shared", "hits", STATS_F_SHARED_LOOKUPS, 0, "hit", OFF(shared_hits) },
	{ "shared", "misses", STATS_F_SHARED_LOOKUPS, 1, "miss", OFF(shared_misses) },
	{ "shared", "invalid", STATS_F_SHARED_LOOKUPS, 2, "invalid", OFF(shared_invalid) },
	{ "shared", "ignored", STATS_F_SHARED_LOOKUPS, 3, "ignored", OFF(shared_ignored) },
	{ "shared", "imported", STATS_F_SHARED_VERDICTS, 0, "imported", OFF(shared_imported) },
	{ "shared", "published", STATS_F_SHARED_VERDICTS, 1, "published", OFF(shared_published) },
	{ "shared", "errors", STATS_F_SHARED_FAILURES, 0, "error", OFF(shared_errors) },
	{ "shared", "timeouts", STATS_F_SHARED_FAILURES, 1, "timeout", OFF(shared_timeouts) },
	{ "shared", "lock_wins", STATS_F_SHARED_LOCKS, 0, "won", OFF(shared_lock_wins) },
	{ "shared", "lock_waits", STATS_F_SHARED_LOCKS, 1, "wait", OFF(shared_lock_waits) },
	{ "shared", "waits_answered", STATS_F_SHARED_WAITS, 0, "answered",
	    OFF(shared_wait_answered) },
	{ "shared", "waits_timed_out", STATS_F_SHARED_WAITS, 1, "timeout",
	    OFF(shared_wait_timeouts) },
};

static const struct stats_item stats_upstream_counters[] = {
	{ "queries", "vantaged_upstream_queries_total", "Queries sent to the upstream.",
	    offsetof(struct upstream_stats, queries) },
	{ "answers", "vantaged_upstream_answers_total", "Usable answers from the upstream.",
	    offsetof(struct upstream_stats, answers) },
	{ "timeouts", "vantaged_upstream_timeouts_total",
	    "Queries the upstream did not answer in time.",
	    offsetof(struct upstream_stats, timeouts) },
	{ "errors", "vantaged_upstream_errors_total", "Refusals (ICMP, RST) and unusable answers.",
	    offsetof(struct upstream_stats, errors) },
	{ "tcp_retries", "vantaged_upstream_tcp_retries_total",
	    "Truncated answers asked again over TCP.",
	    offsetof(struct upstream_stats, tcp_retries) },
	{ "mismatches", "vantaged_upstream_mismatches_total",
	    "Answers dropped for a wrong source, ID or question (spoofing attempts).",
	    offsetof(struct upstream_stats, mismatches) },
};

const struct stats_item *
stats_upstream(size_t *n)
{
	*n = NELEMS(stats_upstream_counters);
	return stats_upstream_counters;
}

uint64_t
stats_item_value(const void *base, const struct stats_item *c)
{
	uint64_t v;

	memcpy(&v, (const char *)base + c->off, sizeof(v));
	return v;
}

const struct stats_counter *
stats_find(enum stats_family f, unsigned pos)
{
	for (size_t i = 0; i < NELEMS(stats_counters); i++)
		if (stats_counters[i].family == f && stats_counters[i].pos == pos)
			return &stats_counters[i];
	return NULL;
}

uint64_t
stats_value(const struct vstats *st, const struct stats_counter *c)
{
	uint64_t v;

	memcpy(&v, (const char *)st + c->off, sizeof(v));
	return v;
}

void
stats_status(const struct vstats *st, struct jw *w, const char *group)
{
	for (size_t i = 0; i < NELEMS(stats_counters); i++)
		if (strcmp(stats_counters[i].group, group) == 0)
			jw_u64(w, stats_counters[i].key, stats_value(st, &stats_counters[i]));
}
