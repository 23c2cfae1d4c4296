/* lib/coalesce.c - work in flight, found by key, and the waiters that joined it. */
#include "autoconf.h"

#include <stdlib.h>

#include "coalesce.h"

struct coalesce {
	struct hlru *table;		/* unbounded: a job leaves when its owner removes it */
	coalesce_same_fn same;
};

#define COALESCE_JOB(n) HLRU_ENTRY(n, struct coalesce_job, node)

static int
coalesce_same(void *arg, const struct hlru_node *n, const void *key)
{
	const struct coalesce *t = arg;

	return t->same(HLRU_ENTRY(n, const struct coalesce_job, node), key);
}

struct coalesce *
coalesce_new(size_t nbuckets, coalesce_same_fn same)
{
	struct coalesce *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->same = same;
	/* No drop callback: the jobs belong to the caller, the table only finds them. */
	if ((t->table = hlru_new(nbuckets, coalesce_same, NULL, t)) == NULL) {
		free(t);
		return NULL;
	}
	return t;
}

void
coalesce_free(struct coalesce *t)
{
	if (t == NULL)
		return;
	hlru_free(t->table);
	free(t);
}

struct coalesce_job *
coalesce_find(struct coalesce *t, uint32_t hash, const void *key)
{
	struct hlru_node *n = hlru_find(t->table, hash, key);

	return n ? COALESCE_JOB(n) : NULL;
}

void
coalesce_add(struct coalesce *t, struct coalesce_job *job, uint32_t hash)
{
	LIST_INIT(&job->waiters);
	hlru_insert(t->table, &job->node, hash, 0);
	job->in_table = 1;
}

void
coalesce_remove(struct coalesce *t, struct coalesce_job *job)
{
	if (!job->in_table)
		return;
	hlru_unlink(t->table, &job->node);
	job->in_table = 0;
}

void
coalesce_join(struct coalesce_job *job, struct coalesce_wait *w)
{
	w->job = job;
	LIST_INSERT_HEAD(&job->waiters, w, link);
}

void
coalesce_leave(struct coalesce_wait *w)
{
	LIST_REMOVE(w, link);
}

struct coalesce_wait *
coalesce_pop(struct coalesce_job *job)
{
	struct coalesce_wait *w = LIST_FIRST(&job->waiters);

	if (w != NULL)
		LIST_REMOVE(w, link);
	return w;
}

int
coalesce_waiting(const struct coalesce_job *job)
{
	return !LIST_EMPTY(&job->waiters);
}

size_t
coalesce_chain_max(const struct coalesce *t)
{
	return hlru_chain_max(t->table);
}

size_t
coalesce_count(const struct coalesce *t)
{
	return hlru_count(t->table);
}

struct coalesce_job *
coalesce_oldest(const struct coalesce *t)
{
	struct hlru_node *n = hlru_oldest(t->table);

	return n ? COALESCE_JOB(n) : NULL;
}

struct coalesce_job *
coalesce_newer(const struct coalesce *t, const struct coalesce_job *job)
{
	struct hlru_node *n = hlru_newer(t->table, &job->node);

	return n ? COALESCE_JOB(n) : NULL;
}
