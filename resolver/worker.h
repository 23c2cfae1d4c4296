/*
 * resolver/worker.h - the worker loops (workers: N): N-1 threads beside the main loop, each
 * with its own event loop, its own SO_REUSEPORT sockets on every listen address, its own
 * query path and upstream sockets. They share with the main loop what makes one verified
 * truth: the answer cache (lib/dnscache, locked), the verified cache (vcache, read-locked on
 * each cached answer) and the checks, which run on the main loop only: a worker hands a
 * question to be cross-checked over a queue and gets the answer back the same way, so
 * identical questions from every loop join one check and the mirrors see one client.
 *
 * The configuration is the daemon's one slot. The main loop changes it (a reload, the
 * network's resolvers learned by follow.c) only while every worker is parked between two
 * events (worker_pool_pause): a reload applies to every loop or to none.
 */
#ifndef VANTAGED_WORKER_H
#define VANTAGED_WORKER_H

#include <stddef.h>
#include <stdint.h>

struct check_ctx;
struct config;
struct event_base;
struct listen_ctx;
struct tcp_admit;
struct ratelimit;
struct recent;
struct resolve;
struct resolve_config;
struct vstats;
struct worker_pool;

/* What the workers are given: the main loop's, shared. */
struct worker_env {
	struct event_base *main_base;	/* where their checks run */
	struct config *const *cfg;	/* the daemon's slot */
	struct ratelimit *const *ratelimit; /* the daemon's slot (its buckets are locked) */
	const struct listen_ctx *listen; /* the main loop's sockets: the workers join them */
	struct tcp_admit *admit;	/* the instance's TCP limits (the main loop's too) */
	struct vstats *st;		/* the main loop's counters: prefetches started there */
};

/* worker_count - the loops cfg asks for: workers: N, or auto (the CPUs this process may run
 * on, at most CONFIG_AUTO_WORKERS_MAX; 1 on a machine with less than 512 MiB). */
int worker_count(const struct config *cfg);

/*
 * worker_pool_new - n-1 worker loops (n counts the main loop), their sockets bound beside
 * env->listen's (as root: before privileges drop). NULL after logging why.
 */
struct worker_pool *worker_pool_new(const struct worker_env *env, int n);

/*
 * worker_pool_start - each worker's query path, once the main loop's modules run: res is the
 * main loop's resolver (whose answer cache they share), rc its settings, checks the
 * cross-check, recent the dashboard's activity (or NULL). No thread runs yet. 0 or -1.
 */
int worker_pool_start(struct worker_pool *wp, struct resolve *res,
    const struct resolve_config *rc, struct check_ctx *checks, struct recent *recent);

/* worker_pool_run - start the threads (after the sandbox: they inherit it). 0 or -1. */
int worker_pool_run(struct worker_pool *wp);

/* worker_pool_pause / resume - park every worker between two events / let them go. The main
 * loop changes the configuration, or a worker's resolver, only in between. Nests. */
void worker_pool_pause(struct worker_pool *wp);
void worker_pool_resume(struct worker_pool *wp);

/* worker_pool_can_reconfigure - whether every worker's resolver has room for new upstreams
 * (resolve_can_reconfigure). Paused. */
int worker_pool_can_reconfigure(struct worker_pool *wp);

/* worker_pool_reconfigure - hand rc to every worker's resolver. Paused. 0, or -1 when one
 * failed (it keeps its upstreams; logged). */
int worker_pool_reconfigure(struct worker_pool *wp, const struct resolve_config *rc);

/* worker_pool_size - the loops, the main one included (1 when wp is NULL). */
size_t worker_pool_size(const struct worker_pool *wp);

/* worker_pool_stats - worker i's counters (1 <= i < worker_pool_size); read while it
 * counts: each is one aligned word. */
const struct vstats *worker_pool_stats(const struct worker_pool *wp, size_t i);

/*
 * worker_pool_queue - worker i's questions to the checks: waiting now (not yet taken by the
 * main loop), the most that ever waited (at most WORKER_QUEUE_MAX), and those answered
 * SERVFAIL because that many waited. Main loop. 0, or -1 when i is not a worker (wp NULL).
 */
int worker_pool_queue(struct worker_pool *wp, size_t i, uint64_t *waiting, uint64_t *high,
    uint64_t *full);

/* worker_pool_res - worker i's resolver (1 <= i < worker_pool_size), NULL once stopped. */
struct resolve *worker_pool_res(const struct worker_pool *wp, size_t i);

/* worker_pool_stop - stop and join the threads, then free their query paths (their
 * questions still with the checks are dropped when those answer). Accepts NULL. */
void worker_pool_stop(struct worker_pool *wp);

/* worker_pool_free - what is left, after the checks are freed (their last answers to the
 * workers are freed here). Accepts NULL. */
void worker_pool_free(struct worker_pool *wp);

#endif
