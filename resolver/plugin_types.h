/* resolver/plugin_types.h - the plugin chain's public types: what it is created with, one
 * question as it sees it, its counters (plugin.h declares the functions; plugin_int.h, the
 * chain's inside, needs these and not them). */
#ifndef VANTAGED_PLUGIN_TYPES_H
#define VANTAGED_PLUGIN_TYPES_H

#include <event2/event.h>
#include <stddef.h>
#include <stdint.h>

#include "dnswire.h"
#include "netaddr.h"
#include "plugin_api.h"

struct check_result;
struct check_wait;
struct config;
struct plugin_chain;

/*
 * What the chain is created with (copied): data, then services. The chain reaches the rest
 * of the daemon through this and nothing else.
 */
struct plugin_chain_env {
	struct event_base *base;	/* timers, wait deadlines */
	struct config *const *cfg;	/* the daemon's config slot: plugins:, consensus.timeout
					 * (a wait's deadline) and .bypass (never asked) */
	/*
	 * env->ask's way to the cross-check (check.c): start one for q as a client's question;
	 * done(done_arg, res) runs once, later, unless cancelled. NULL when it cannot be asked
	 * (no mirror set, memory). ask NULL: plugins cannot ask.
	 */
	struct check_wait *(*ask)(void *arg, const struct dnsq *q,
	    void (*done)(void *done_arg, const struct check_result *res), void *done_arg);
	void (*ask_cancel)(struct check_wait *w);	/* not from inside done */
	void *ask_arg;
};

/*
 * One client question as the chain sees it, from on_query to on_response. It lives in the
 * daemon's struct query (or on the stack when nothing can wait), and must not move while a
 * plugin waits.
 */
struct plugin_req {
	struct plugin_chain *ch;
	int active;			/* the chain had plugins when the question came */
	struct plugin_question q;
	struct plugin_client client;
	char name[DNS_MAXNAME * 4 + 1];
	char type[16];
	char addr[NETADDR_STRLEN];
	uint8_t qname[DNS_MAXNAME];
	uint64_t start_us;
	/* What the answer will be. */
	int rcode;			/* on_query DONE */
	int ede;
	char ede_text[160];
	int pend_ede;			/* set by a plugin, applied when its lowering is */
	char pend_text[160];
	enum plugin_outcome outcome;
	enum plugin_action action;
	const uint8_t *wire;		/* the answer on_verdict judges; see plugin_req_rewire */
	size_t len;
	/* A waiting on_verdict. */
	size_t next;			/* the chain position to go on from */
	struct plugin_wait *wait;
	struct event *deadline;
	void (*resume)(struct plugin_req *pr, void *arg);
	void *resume_arg;
};

/* Counters of the chain itself (metrics and tests). */
struct plugin_stats {
	uint64_t raise_refused;		/* on_verdict requests that would have raised trust */
	uint64_t wait_timeouts;		/* waits the deadline ended */
	uint64_t answered;		/* questions on_query answered or dropped */
};

#endif
