/* resolver/explain.h - why a name gets its answer: cached and fresh verdicts, with evidence. */
#ifndef VANTAGED_EXPLAIN_H
#define VANTAGED_EXPLAIN_H

#include <event2/buffer.h>
#include <stddef.h>

#include "jw.h"
#include "report.h"

/*
 * The producer of `vantagectl explain` and of the dashboard's /api/explain: both call
 * explain_start and write what it gives them, so the two say the same thing.
 */
struct explain;

/* What explain_start did. */
enum { EXPLAIN_DONE, EXPLAIN_PENDING, EXPLAIN_ERROR };

/*
 * The answer of a pending explain: err NULL and fields holding the members (each with its
 * leading comma), or err saying why. fields belongs to the caller of the callback (copy
 * or move what you need). The explain is freed after the callback returns.
 */
typedef void (*explain_cb)(void *arg, const char *err, struct evbuffer *fields);

/*
 * explain_start - explain name (presentation form) for type (NULL: A), reading the daemon
 * through src (copied). Returns
 * EXPLAIN_DONE when the members are already in w (a question that is not cross-checked
 * and is in the answer cache); EXPLAIN_PENDING with *out set when the upstream and the
 * mirrors are asked afresh (cb runs exactly once, later, unless explain_cancel(*out));
 * EXPLAIN_ERROR with err filled (errlen bytes) for a bad name or type, or no memory.
 */
int explain_start(const struct report_src *src, const char *name, const char *type, struct jw *w,
    explain_cb cb, void *arg, struct explain **out, char *err, size_t errlen);

/* explain_cancel - forget a pending explain (its callback never runs); accepts NULL. Not
 * from inside its own callback. */
void explain_cancel(struct explain *e);

#endif
