/*
 * resolver/worker.c - the worker loops: threads that answer beside the main loop (worker.h
 * says what they share). Why threads and not processes: the verified truth (the answer
 * cache, the verified cache, the checks in flight) must be one for the whole instance, and
 * threads share it with a lock on the tables instead of a protocol between processes.
 */
#include "autoconf.h"

#include <errno.h>
#include <event2/event.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/queue.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include "check.h"
#include "config.h"
#include "dnscache.h"
#include "listen.h"
#include "log.h"
#include "plugin.h"
#include "query.h"
#include "resolve.h"
#include "stats.h"
#include "vutil.h"
#include "worker.h"

/* Messages taken per wake-up: a burst of answers from the checks does not hold a loop. */
#define WORKER_BATCH 256
/*
 * Questions one worker may have waiting for the main loop to take them. A worker reads and
 * parses far faster than the main loop starts checks (an upstream question and the mirrors'
 * each), and the main loop may stall (a slow disk under the state file's fsync): without a
 * bound a flood of cold names on a worker grows this queue, and the memory behind it (a
 * question record and this message, about 2.5 KiB), for as long as it lasts. The single
 * loop's bound is its socket's receive buffer; past this one the worker answers SERVFAIL
 * at once, as when a check cannot start.
 */
#define WORKER_QUEUE_MAX 2048
/* auto: below this much memory (a router), one loop. */
#define WORKER_SMALL_RAM (512ull << 20)

/* A question a worker hands to the main loop's checks, and, filled there, its answer. */
struct wcheck {
	TAILQ_ENTRY(wcheck) entry;
	struct worker *w;
	int prefetch;			/* check_prefetch: nobody waits */
	struct dnsq q;
	uint8_t *local;			/* the cache hit to judge, or NULL */
	size_t local_len;
	uint32_t local_age, local_ttl;
	check_cb cb;			/* the worker's query path */
	void *cbarg;
	int cancelled;			/* the worker's: its question went */
	/* The answer, copied: nothing of the checks' may be read once they go on. */
	struct check_result res;
	struct cons_verdict verdict;
	struct check_mirror_view *mirrors;
	char *strings;			/* the views' names, regions, ids and the summary */
};
TAILQ_HEAD(wcheck_list, wcheck);

/* One direction: a queue and the eventfd that wakes its reader. */
struct wchan {
	pthread_mutex_t mu;
	struct wcheck_list q;
	int efd;
	struct event *ev;
};

/* A worker's share of the main loop's queue (under that queue's mu). */
struct wqueued {
	size_t n;			/* its messages not yet taken */
	size_t high;			/* the most there ever were */
	uint64_t full;			/* questions answered SERVFAIL: WORKER_QUEUE_MAX waited */
};

struct worker {
	struct worker_pool *wp;
	size_t id;			/* 1.. (the main loop is 0) */
	pthread_t thread;
	int running;
	unsigned parked_gen;		/* the pause it is parked in (wp->mu) */
	int stop;			/* wp->mu */
	struct event_base *base;
	struct listen_ctx *listen;
	struct resolve *res;
	struct query_ctx *query;
	struct vstats st;
	struct wchan in;		/* answers from the checks */
	struct wqueued queued;		/* in wp->in, under its mu */
};

struct worker_pool {
	struct worker_env env;
	struct check_ctx *checks;
	struct wchan in;		/* questions from every worker, on the main loop */
	pthread_mutex_t mu;		/* the pause handshake */
	pthread_cond_t cond;
	int pausing;
	unsigned gen;
	int depth;			/* worker_pool_pause nests */
	size_t n;
	struct worker w[];
};

int
worker_count(const struct config *cfg)
{
	cpu_set_t set;
	struct sysinfo si;
	long n;

	if (cfg->workers > 0)
		return cfg->workers;
	if (sysinfo(&si) == 0 && (unsigned long long)si.totalram * si.mem_unit < WORKER_SMALL_RAM)
		return 1;
	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		n = CPU_COUNT(&set);
	else
		n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > CONFIG_AUTO_WORKERS_MAX ? CONFIG_AUTO_WORKERS_MAX : (int)n;
}

/* ---- the queues ---- */

static int
wchan_init(struct wchan *c, struct event_base *base, event_callback_fn fn, void *arg)
{
	TAILQ_INIT(&c->q);
	REQUIRE(pthread_mutex_init(&c->mu, NULL) == 0);
	if ((c->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0)
		return -1;
	if ((c->ev = event_new(base, c->efd, EV_READ | EV_PERSIST, fn, arg)) == NULL ||
	    event_add(c->ev, NULL) != 0)
		return -1;
	return 0;
}

static void
wchan_wake(struct wchan *c)
{
	uint64_t one = 1;

	/* Only EAGAIN can fail (the counter is full): it is awake then. */
	(void)!write(c->efd, &one, sizeof(one));
}

/* Queue wc; with wq (a worker's question to the main loop), only while fewer than
 * WORKER_QUEUE_MAX of that worker's wait. 0, or -1 when full (wc is the caller's still). */
static int
wchan_push(struct wchan *c, struct wcheck *wc, struct wqueued *wq)
{
	int was_empty;

	pthread_mutex_lock(&c->mu);
	if (wq != NULL && wq->n >= WORKER_QUEUE_MAX) {
		wq->full++;
		pthread_mutex_unlock(&c->mu);
		return -1;
	}
	if (wq != NULL && ++wq->n > wq->high)
		wq->high = wq->n;
	was_empty = TAILQ_EMPTY(&c->q);
	TAILQ_INSERT_TAIL(&c->q, wc, entry);
	pthread_mutex_unlock(&c->mu);
	if (was_empty)
		wchan_wake(c);
	return 0;
}

/* Up to WORKER_BATCH messages into out; the reader is woken again for the rest. toward_main:
 * the main loop's queue, whose messages count against their worker's share. */
static void
wchan_take(struct wchan *c, struct wcheck_list *out, int toward_main)
{
	uint64_t v;
	struct wcheck *wc;
	int n = 0;

	(void)!read(c->efd, &v, sizeof(v));
	TAILQ_INIT(out);
	pthread_mutex_lock(&c->mu);
	while (n++ < WORKER_BATCH && (wc = TAILQ_FIRST(&c->q)) != NULL) {
		TAILQ_REMOVE(&c->q, wc, entry);
		TAILQ_INSERT_TAIL(out, wc, entry);
		if (toward_main)
			wc->w->queued.n--;
	}
	if (!TAILQ_EMPTY(&c->q))
		wchan_wake(c);
	pthread_mutex_unlock(&c->mu);
}

static void
wcheck_free(struct wcheck *wc)
{
	free(wc->local);
	free((void *)wc->res.wire);
	free(wc->mirrors);
	free(wc->strings);
	free(wc);
}

static void
wchan_close(struct wchan *c)
{
	struct wcheck *wc;

	if (c->ev)
		event_free(c->ev);
	c->ev = NULL;
	if (c->efd >= 0)
		close(c->efd);
	c->efd = -1;
	while ((wc = TAILQ_FIRST(&c->q)) != NULL) {
		TAILQ_REMOVE(&c->q, wc, entry);
		wcheck_free(wc);
	}
	pthread_mutex_destroy(&c->mu);
}

/* ---- the main loop's side: run the workers' questions through the checks ---- */

/* Bytes the strings of res take in a copy (NUL included). */
static size_t
wcheck_strings_len(const struct check_result *res)
{
	size_t n = res->local_summary ? strlen(res->local_summary) + 1 : 0;

	for (size_t i = 0; i < res->n_mirrors; i++) {
		const struct check_mirror_view *m = &res->mirrors[i];
		n += (m->name ? strlen(m->name) + 1 : 0) + (m->region ? strlen(m->region) + 1 : 0) +
		    (m->id ? strlen(m->id) + 1 : 0);
	}
	return n;
}

static const char *
wcheck_str(char **p, const char *s)
{
	char *out = *p;
	size_t n;

	if (s == NULL)
		return NULL;
	n = strlen(s) + 1;
	memcpy(out, s, n);
	*p += n;
	return out;
}

/* Copy what the waiter reads of res into wc (the CA evidence stays with the main loop). */
static int
wcheck_copy(struct wcheck *wc, const struct check_result *res)
{
	size_t slen = wcheck_strings_len(res);
	uint8_t *wire = NULL;
	char *p;

	wc->res = *res;
	wc->res.wire = NULL;
	wc->res.mirrors = NULL;
	wc->res.n_mirrors = 0;
	wc->res.local_summary = NULL;
	wc->res.verdict = NULL;
	wc->res.ca = NULL;
	if (res->wire && res->len && (wire = malloc(res->len)) == NULL)
		return -1;
	if (wire)
		memcpy(wire, res->wire, res->len);
	wc->res.wire = wire;
	if (res->verdict) {
		wc->verdict = *res->verdict;
		wc->res.verdict = &wc->verdict;
	}
	if ((slen && (wc->strings = malloc(slen)) == NULL) ||
	    (res->n_mirrors && (wc->mirrors = calloc(res->n_mirrors, sizeof(*wc->mirrors))) == NULL))
		return 0; /* the answer is what matters; the views are for the dashboard */
	p = wc->strings;
	wc->res.local_summary = wcheck_str(&p, res->local_summary);
	for (size_t i = 0; i < res->n_mirrors; i++) {
		wc->mirrors[i] = res->mirrors[i];
		wc->mirrors[i].name = wcheck_str(&p, res->mirrors[i].name);
		wc->mirrors[i].region = wcheck_str(&p, res->mirrors[i].region);
		wc->mirrors[i].id = wcheck_str(&p, res->mirrors[i].id);
	}
	wc->res.mirrors = wc->mirrors;
	wc->res.n_mirrors = res->n_mirrors;
	return 0;
}

/* A check answered a worker's question: back to the worker with a copy. */
static void
worker_checked(void *arg, const struct check_result *res)
{
	struct wcheck *wc = arg;

	if (wcheck_copy(wc, res) != 0) {
		memset(&wc->res, 0, sizeof(wc->res));
		wc->res.status = UPSTREAM_ERROR; /* out of memory: SERVFAIL, as for the main loop */
		wc->res.decision.action = ACTION_SERVE;
		wc->res.decision.ede = -1;
	}
	(void)wchan_push(&wc->w->in, wc, NULL);
}

static void
worker_pool_serve(struct worker_pool *wp, struct wcheck *wc)
{
	struct resolve_result local = { .status = UPSTREAM_OK, .wire = wc->local,
		.len = wc->local_len, .age = wc->local_age, .ttl = wc->local_ttl, .from_cache = 1 };

	if (wc->prefetch) {
		/* Counted where it starts: the worker cannot know whether it will. */
		if (check_prefetch(wp->checks, &wc->q) == 1 && wp->env.st)
			wp->env.st->prefetches++;
		wcheck_free(wc);
	} else if (check_start(wp->checks, &wc->q, wc->local ? &local : NULL, worker_checked,
		       wc) == NULL) {
		struct check_result fail = { .status = UPSTREAM_ERROR,
			.decision = { .action = ACTION_SERVE, .ede = -1 } };
		worker_checked(wc, &fail);
	}
}

static void
worker_pool_inbox(evutil_socket_t fd, short what, void *arg)
{
	struct worker_pool *wp = arg;
	struct wcheck_list batch;
	struct wcheck *wc;

	(void)fd;
	(void)what;
	wchan_take(&wp->in, &batch, 1);
	while ((wc = TAILQ_FIRST(&batch)) != NULL) {
		TAILQ_REMOVE(&batch, wc, entry);
		worker_pool_serve(wp, wc);
	}
}

/* ---- the worker's side: its query path's services ---- */

static int
worker_q_check_applies(void *arg, const struct dnsq *q)
{
	return check_applies(((struct worker *)arg)->wp->checks, q);
}

static int
worker_q_check_cached(void *arg, const struct dnsq *q, const struct resolve_result *hit,
    struct policy_decision *d)
{
	struct worker *w = arg;

	return check_cached_in(w->wp->checks, *w->wp->env.cfg, &w->st, q, hit, d);
}

static struct wcheck *
worker_wcheck(struct worker *w, const struct dnsq *q)
{
	struct wcheck *wc = calloc(1, sizeof(*wc));

	if (wc == NULL)
		return NULL;
	wc->w = w;
	wc->q = *q;
	return wc;
}

/* A question refused because WORKER_QUEUE_MAX wait: said now and then, never per question. */
static void
worker_queue_full(struct worker *w)
{
	uint64_t full;

	pthread_mutex_lock(&w->wp->in.mu);
	full = w->queued.full;
	pthread_mutex_unlock(&w->wp->in.mu);
	if (full % 1000 == 1)
		log_warnx(LOG_G_QUERY, "worker %zu: %d questions wait for the checks; answering "
		    "SERVFAIL (%llu so far)", w->id, WORKER_QUEUE_MAX, (unsigned long long)full);
}

static struct check_wait *
worker_q_check_start(void *arg, const struct dnsq *q, const struct resolve_result *local,
    check_cb cb, void *cbarg)
{
	struct worker *w = arg;
	struct wcheck *wc = worker_wcheck(w, q);

	if (wc == NULL)
		return NULL;
	if (local && local->wire && local->len) {
		if ((wc->local = malloc(local->len)) == NULL) {
			free(wc);
			return NULL;
		}
		memcpy(wc->local, local->wire, local->len);
		wc->local_len = local->len;
		wc->local_age = local->age;
		wc->local_ttl = local->ttl;
	}
	wc->cb = cb;
	wc->cbarg = cbarg;
	if (wchan_push(&w->wp->in, wc, &w->queued) != 0) {
		worker_queue_full(w);
		wcheck_free(wc);
		return NULL; /* the query path answers SERVFAIL */
	}
	/* Opaque to the query path: only worker_q_check_cancel looks inside. */
	return (struct check_wait *)wc;
}

/* The question went: its answer is dropped when it comes (the check goes on for the others
 * waiting on it, and for the verified cache). */
static void
worker_q_check_cancel(struct check_wait *cw)
{
	if (cw != NULL)
		((struct wcheck *)cw)->cancelled = 1;
}

static int
worker_q_check_prefetch(void *arg, const struct dnsq *q)
{
	struct worker *w = arg;
	struct wcheck *wc = worker_wcheck(w, q);

	if (wc == NULL)
		return -1;
	wc->prefetch = 1;
	if (wchan_push(&w->wp->in, wc, &w->queued) != 0) {
		wcheck_free(wc);
		return -1;
	}
	return 0; /* the main loop counts it if it starts */
}

/* Worker loops run only without plugins (vantaged.c): the chain is the main loop's. */
static int
worker_q_plugins_active(void *arg)
{
	(void)arg;
	return 0;
}

static void
worker_q_plugin_req_init(void *arg, struct plugin_req *pr, const struct dnsq *q,
    const struct netaddr *peer, int tcp)
{
	(void)arg;
	plugin_req_init(pr, NULL, q, peer, tcp);
}

/* Park while the main loop changes what every loop reads; stop when told. */
static void
worker_park(struct worker *w)
{
	struct worker_pool *wp = w->wp;

	pthread_mutex_lock(&wp->mu);
	while (wp->pausing && !w->stop) {
		w->parked_gen = wp->gen;
		pthread_cond_broadcast(&wp->cond);
		pthread_cond_wait(&wp->cond, &wp->mu);
	}
	if (w->stop)
		event_base_loopbreak(w->base);
	pthread_mutex_unlock(&wp->mu);
}

static void
worker_inbox(evutil_socket_t fd, short what, void *arg)
{
	struct worker *w = arg;
	struct wcheck_list batch;
	struct wcheck *wc;

	(void)fd;
	(void)what;
	/*
	 * Take (which reads the eventfd) before looking whether to park: a pause's wake-up
	 * written after worker_park looked and before the read would be consumed here, and the
	 * main loop would wait for this worker for ever. Parked after the read, it sees every
	 * pause asked before it, and a later one wakes it again.
	 */
	wchan_take(&w->in, &batch, 0);
	worker_park(w);
	while ((wc = TAILQ_FIRST(&batch)) != NULL) {
		TAILQ_REMOVE(&batch, wc, entry);
		if (!wc->cancelled)
			wc->cb(wc->cbarg, &wc->res);
		wcheck_free(wc);
	}
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;

	log_debug(LOG_G_MAIN, "worker %zu: running", w->id);
	event_base_dispatch(w->base);
	log_debug(LOG_G_MAIN, "worker %zu: stopped", w->id);
	return NULL;
}

/* ---- the pool ---- */

struct worker_pool *
worker_pool_new(const struct worker_env *env, int n)
{
	struct worker_pool *wp;
	size_t extra = n > 1 ? (size_t)n - 1 : 0;

	wp = xcalloc(1, sizeof(*wp) + extra * sizeof(wp->w[0]));
	wp->env = *env;
	wp->n = extra;
	wp->in.efd = -1;
	REQUIRE(pthread_mutex_init(&wp->mu, NULL) == 0);
	REQUIRE(pthread_cond_init(&wp->cond, NULL) == 0);
	for (size_t i = 0; i < extra; i++) {
		struct worker *w = &wp->w[i];
		w->wp = wp;
		w->id = i + 1;
		w->in.efd = -1;
		if ((w->base = event_base_new()) == NULL) {
			log_warnx(LOG_G_MAIN, "worker %zu: cannot create its event loop", w->id);
			worker_pool_free(wp);
			return NULL;
		}
		w->listen = listen_new(&(struct listen_env){ .base = w->base, .cfg = env->cfg,
		    .st = &w->st, .reuseport = 1, .like = env->listen, .admit = env->admit });
		if (w->listen == NULL) {
			worker_pool_free(wp);
			return NULL;
		}
	}
	return wp;
}

int
worker_pool_start(struct worker_pool *wp, struct resolve *res, const struct resolve_config *rc,
    struct check_ctx *checks, struct recent *recent)
{
	struct resolve_config wrc = *rc;

	wp->checks = checks;
	if (wchan_init(&wp->in, wp->env.main_base, worker_pool_inbox, wp) != 0)
		return -1;
	dnscache_set_shared(resolve_cache(res));
	wrc.share_cache_of = res;
	for (size_t i = 0; i < wp->n; i++) {
		struct worker *w = &wp->w[i];
		struct query_env qe = { .base = w->base, .cfg = wp->env.cfg, .st = &w->st,
			.ratelimit = wp->env.ratelimit, .recent = recent,
			.svc = { w, worker_q_check_applies, worker_q_check_cached,
			    worker_q_check_start, worker_q_check_cancel, worker_q_plugins_active,
			    worker_q_plugin_req_init, worker_q_check_prefetch } };

		if (wchan_init(&w->in, w->base, worker_inbox, w) != 0 ||
		    (w->res = resolve_new(w->base, &wrc)) == NULL)
			return -1;
		qe.res = w->res;
		if ((w->query = query_new(&qe)) == NULL)
			return -1;
		listen_set_query(w->listen, w->query);
	}
	return 0;
}

int
worker_pool_run(struct worker_pool *wp)
{
	sigset_t all, old;
	int rc = 0;

	if (wp == NULL || wp->n == 0)
		return 0;
	/* Signals are the main loop's: the threads start with every one blocked. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (size_t i = 0; i < wp->n && rc == 0; i++) {
		struct worker *w = &wp->w[i];
		if ((rc = pthread_create(&w->thread, NULL, worker_main, w)) != 0)
			log_warnx(LOG_G_MAIN, "worker %zu: cannot start: %s", w->id, strerror(rc));
		else
			w->running = 1;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc == 0 ? 0 : -1;
}

void
worker_pool_pause(struct worker_pool *wp)
{
	int all;

	if (wp == NULL || wp->depth++ > 0)
		return;
	pthread_mutex_lock(&wp->mu);
	wp->pausing = 1;
	wp->gen++;
	pthread_mutex_unlock(&wp->mu);
	for (size_t i = 0; i < wp->n; i++)
		if (wp->w[i].running)
			wchan_wake(&wp->w[i].in);
	pthread_mutex_lock(&wp->mu);
	do {
		all = 1;
		for (size_t i = 0; i < wp->n; i++)
			if (wp->w[i].running && wp->w[i].parked_gen != wp->gen)
				all = 0;
		if (!all)
			pthread_cond_wait(&wp->cond, &wp->mu);
	} while (!all);
	pthread_mutex_unlock(&wp->mu);
}

void
worker_pool_resume(struct worker_pool *wp)
{
	if (wp == NULL || --wp->depth > 0)
		return;
	pthread_mutex_lock(&wp->mu);
	wp->pausing = 0;
	pthread_cond_broadcast(&wp->cond);
	pthread_mutex_unlock(&wp->mu);
}

int
worker_pool_can_reconfigure(struct worker_pool *wp)
{
	for (size_t i = 0; wp && i < wp->n; i++)
		if (wp->w[i].res && !resolve_can_reconfigure(wp->w[i].res))
			return 0;
	return 1;
}

int
worker_pool_reconfigure(struct worker_pool *wp, const struct resolve_config *rc)
{
	int failed = 0;

	for (size_t i = 0; wp && i < wp->n; i++)
		if (wp->w[i].res && resolve_reconfigure(wp->w[i].res, rc) != 0) {
			log_warnx(LOG_G_CONFIG, "worker %zu: keeps its upstreams (out of memory)",
			    wp->w[i].id);
			failed = 1;
		}
	return failed ? -1 : 0;
}

size_t
worker_pool_size(const struct worker_pool *wp)
{
	return wp ? wp->n + 1 : 1;
}

const struct vstats *
worker_pool_stats(const struct worker_pool *wp, size_t i)
{
	return &wp->w[i - 1].st;
}

int
worker_pool_queue(struct worker_pool *wp, size_t i, uint64_t *waiting, uint64_t *high,
    uint64_t *full)
{
	struct worker *w;

	if (wp == NULL || i < 1 || i > wp->n)
		return -1;
	w = &wp->w[i - 1];
	pthread_mutex_lock(&wp->in.mu);
	*waiting = w->queued.n;
	*high = w->queued.high;
	*full = w->queued.full;
	pthread_mutex_unlock(&wp->in.mu);
	return 0;
}

struct resolve *
worker_pool_res(const struct worker_pool *wp, size_t i)
{
	return wp->w[i - 1].res;
}

void
worker_pool_stop(struct worker_pool *wp)
{
	if (wp == NULL)
		return;
	pthread_mutex_lock(&wp->mu);
	for (size_t i = 0; i < wp->n; i++)
		wp->w[i].stop = 1;
	pthread_cond_broadcast(&wp->cond);
	pthread_mutex_unlock(&wp->mu);
	for (size_t i = 0; i < wp->n; i++) {
		struct worker *w = &wp->w[i];
		if (w->running) {
			wchan_wake(&w->in);
			pthread_join(w->thread, NULL);
			w->running = 0;
		}
		query_free(w->query);
		w->query = NULL;
		listen_free(w->listen);
		w->listen = NULL;
		resolve_free(w->res);
		w->res = NULL;
	}
}

void
worker_pool_free(struct worker_pool *wp)
{
	if (wp == NULL)
		return;
	worker_pool_stop(wp);
	for (size_t i = 0; i < wp->n; i++) {
		wchan_close(&wp->w[i].in);
		if (wp->w[i].base)
			event_base_free(wp->w[i].base);
	}
	wchan_close(&wp->in);
	pthread_cond_destroy(&wp->cond);
	pthread_mutex_destroy(&wp->mu);
	free(wp);
}
