/*
 * resolver/dissent.h - the dissent log (dissent_log: in the configuration): one JSON line per
 * dissent or flag, with what we were told, what each mirror said and what we did.
 */
#ifndef VANTAGED_DISSENT_H
#define VANTAGED_DISSENT_H

#include <stddef.h>
#include <stdint.h>

#include "consensus.h"
#include "policy.h"

struct dissent;
struct check_ca_view;

/* One mirror's part in a logged verdict. */
struct dissent_mirror {
	const char *name;
	const char *region;
	const char *answer;		/* its answer in short ("192.0.2.1", "NXDOMAIN", "timeout") */
};

/* One line: the question, the local answer, the verdict, the action and the evidence. */
struct dissent_entry {
	const char *name;		/* presentation form */
	uint16_t qtype;
	const char *local;		/* the local answer in short */
	const struct cons_verdict *v;	/* evidence, why and the weak rule per mirror */
	enum policy_action action;
	const struct dissent_mirror *mirrors;	/* as many as v->asked at most */
	size_t n_mirrors;
	const struct check_ca_view *ca;	/* the CA evidence of the verdict, or NULL */
};

/*
 * dissent_new - open the log at path for appending (created 0640); NULL path: no log,
 * an open that fails is logged and leaves no log either. Returns NULL only when out of
 * memory.
 */
struct dissent *dissent_new(const char *path);

/* dissent_reopen - open path again (at reload: logrotate moved the file away). */
void dissent_reopen(struct dissent *dl, const char *path);

/* dissent_free - close the log; accepts NULL. */
void dissent_free(struct dissent *dl);

/*
 * dissent_format - the line for e (with its newline) into out (cap bytes), stamped with
 * time (RFC 3339). Returns its length, or 0 when it does not fit.
 */
size_t dissent_format(const struct dissent_entry *e, const char *time, char *out, size_t cap);

/* dissent_write - append e's line, stamped now; a failed write is logged. Accepts NULL dl. */
void dissent_write(struct dissent *dl, const struct dissent_entry *e);

#endif
