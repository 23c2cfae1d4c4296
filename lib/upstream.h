/* lib/upstream.h - forwarding questions to the configured recursive resolvers. */
#ifndef VANTAGE_UPSTREAM_H
#define VANTAGE_UPSTREAM_H

#include <event2/event.h>
#include <stddef.h>
#include <stdint.h>

#include "dnswire.h"
#include "netaddr.h"

struct upstream_set;
struct upstream_req;

/* How a forwarded question ended. */
enum upstream_status {
	UPSTREAM_OK = 0,	/* wire holds a validated answer to the question */
	UPSTREAM_TIMEOUT,	/* every upstream was tried until the deadline */
	UPSTREAM_ERROR		/* every upstream refused (ICMP, RST) or sent unusable answers */
};

/*
 * upstream_cb - called once per upstream_query that was not cancelled.
 * wire/len: the answer (valid only during the call), NULL unless UPSTREAM_OK.
 */
typedef void (*upstream_cb)(void *arg, enum upstream_status status, const uint8_t *wire,
    size_t len);

/* Per-upstream figures for status output and metrics. */
struct upstream_stats {
	char addr[NETADDR_STRLEN];
	int healthy;
	uint64_t queries, answers, timeouts, errors, tcp_retries, mismatches;
	uint32_t srtt_ms;	/* smoothed RTT, 0 before the first answer */
};

/*
 * upstream_set_new - the resolvers at addrs[0..n-1] (copied), tried in order of health
 * and RTT. total_timeout_ms bounds one question across every attempt.
 * Returns NULL on allocation failure.
 */
struct upstream_set *upstream_set_new(struct event_base *base, const struct netaddr *addrs,
    size_t n, uint32_t total_timeout_ms);

/*
 * upstream_set_adopt - give each upstream of set that old also has (same address and port)
 * what old knew of it: its counters, round-trip estimate and back-off. A reload then keeps
 * counting (metrics are counters) and keeps avoiding an upstream it saw failing.
 */
void upstream_set_adopt(struct upstream_set *set, const struct upstream_set *old);

/* upstream_set_free - cancels outstanding requests without calling back; accepts NULL. */
void upstream_set_free(struct upstream_set *set);

/*
 * upstream_query - forward q (RD set; DO/CD as in q) from a fresh socket with a random
 * ID and source port. An answer counts only if it comes from the address asked, with the
 * ID sent and the same question; TC=1 is retried over TCP; a timeout or refusal moves on
 * to the next upstream. Returns a handle for upstream_cancel, or NULL (cb is then not
 * called) when no socket could be made.
 */
struct upstream_req *upstream_query(struct upstream_set *set, const struct dnsq *q,
    upstream_cb cb, void *arg);

/* upstream_cancel - forget req; cb will not be called. */
void upstream_cancel(struct upstream_req *req);

/* upstream_set_busy - whether requests are outstanding (a retired set waits for them). */
int upstream_set_busy(const struct upstream_set *set);

/* upstream_count / upstream_get_stats - figures of upstream i (0 <= i < count). */
size_t upstream_count(const struct upstream_set *set);
void upstream_get_stats(const struct upstream_set *set, size_t i, struct upstream_stats *st);

#endif
