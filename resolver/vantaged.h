/* resolver/vantaged.h - the daemon's shared state, handed to each module. */
#ifndef VANTAGED_H
#define VANTAGED_H

#include <event2/event.h>
#include <stdint.h>

#include "config.h"
#include "resolve.h"

struct listener;
struct tcp_conn;

/* Counters of the query path, for status output and metrics. */
struct vantaged_stats {
	uint64_t queries_udp, queries_tcp;
	uint64_t answers_cache, answers_upstream;
	uint64_t formerr, notimp, refused, servfail, dropped;
	uint64_t tcp_accepted, tcp_refused;
	uint64_t truncated;
};

struct vantaged {
	struct event_base *base;
	struct config *cfg;
	struct resolve *res;
	struct listener *listeners;
	struct tcp_conn *conns;
	unsigned long n_conns;
	uint64_t start_ms;
	struct vantaged_stats st;
	const char *resolv_conf;
	const char *config_path;
	int verbose;			/* -v: debug logging that a reload must not undo */
};

#endif
