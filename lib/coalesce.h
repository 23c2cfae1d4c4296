/*
 * lib/coalesce.h - work in flight, found by key, and the waiters that joined it: one
 * question asked once however many clients ask it meanwhile (resolve.c's upstream
 * questions; the same shape fits vantaged's cross-checks).
 */
#ifndef VANTAGE_COALESCE_H
#define VANTAGE_COALESCE_H

#include <sys/queue.h>

#include <stddef.h>
#include <stdint.h>

#include "hlru.h"

struct coalesce_job;

/*
 * The link a waiter embeds (intrusive, like the job's): the caller allocates its waiter
 * with its own callback and argument, and finds it again from this member with
 * COALESCE_ENTRY.
 */
struct coalesce_wait {
	LIST_ENTRY(coalesce_wait) link;
	struct coalesce_job *job;	/* what it waits for */
};

/* The link a job embeds: its place in the table and its waiters (the newest first). */
struct coalesce_job {
	struct hlru_node node;
	LIST_HEAD(, coalesce_wait) waiters;
	uint8_t in_table;		/* findable: new waiters may join */
};

/* The structure of type that holds p as its member. */
#define COALESCE_ENTRY(p, type, member) HLRU_ENTRY(p, type, member)

/*
 * coalesce_same_fn - whether job is the work for key (the caller's key type, as passed to
 * coalesce_find); called only for jobs whose hash matches. A job that must not be joined
 * any more (its result already handed out) can say no here.
 */
typedef int (*coalesce_same_fn)(const struct coalesce_job *job, const void *key);

struct coalesce;

/* coalesce_new - an empty table of nbuckets chains (a power of two); NULL on failure. */
struct coalesce *coalesce_new(size_t nbuckets, coalesce_same_fn same);

/* coalesce_free - the table only: the jobs are the caller's (take them out first); NULL ok. */
void coalesce_free(struct coalesce *t);

/* coalesce_find - the job in t for key under hash, or NULL. */
struct coalesce_job *coalesce_find(struct coalesce *t, uint32_t hash, const void *key);

/* coalesce_add - put job (its link zeroed, no waiters yet) into t under hash. */
void coalesce_add(struct coalesce *t, struct coalesce_job *job, uint32_t hash);

/*
 * coalesce_remove - take job out of t: nobody joins it any more; its waiters stay. Does
 * nothing when it is not in t.
 */
void coalesce_remove(struct coalesce *t, struct coalesce_job *job);

/* coalesce_join - w (not waiting on anything) waits for job from now on. */
void coalesce_join(struct coalesce_job *job, struct coalesce_wait *w);

/* coalesce_leave - w stops waiting; the job goes on for the others. */
void coalesce_leave(struct coalesce_wait *w);

/*
 * coalesce_pop - the next waiter of job to hand the result to, taken off it (the newest
 * first), or NULL when none is left. Call it again after each callback: a callback may
 * make other waiters of the job leave.
 */
struct coalesce_wait *coalesce_pop(struct coalesce_job *job);

/* coalesce_waiting - whether anyone waits for job. */
int coalesce_waiting(const struct coalesce_job *job);

/* coalesce_chain_max - the longest hash chain of t (tests, diagnostics). */
size_t coalesce_chain_max(const struct coalesce *t);

/* coalesce_count - the jobs in t. */
size_t coalesce_count(const struct coalesce *t);

/*
 * coalesce_oldest / coalesce_newer - the jobs in t, the longest-running first; NULL at the
 * end. To take the job in hand out while walking, get the next one first.
 */
struct coalesce_job *coalesce_oldest(const struct coalesce *t);
struct coalesce_job *coalesce_newer(const struct coalesce *t, const struct coalesce_job *job);

#endif
