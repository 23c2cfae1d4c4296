/* resolver/report.h - the daemon's state as JSON: one producer each for the control socket and the dashboard. */
#ifndef VANTAGED_REPORT_H
#define VANTAGED_REPORT_H

#include <event2/buffer.h>

#include "jw.h"
#include "vantaged.h"

/*
 * Each producer writes its members into w (jw_init'ed on the answer's buffer, as after a
 * first member). `vantagectl CMD` and the dashboard's /api/CMD call the same producer, so
 * the two never disagree (tests/integration/dashboard_api.sh compares them). A failed
 * append sets w->err; the caller then answers "out of memory".
 */

/* report_status - `status`: version, listeners, upstreams, mirrors ready, cache, counters,
 * CA evidence, and whether resolv.conf still sends the system to us ("resolv_conf"). */
void report_status(struct vantaged *vd, struct jw *w);

/* report_mirrors - `mirrors`: each mirror's state, round trip, counters and verification. */
void report_mirrors(struct vantaged *vd, struct jw *w);

/* report_cache - `cache stats`: the answer cache and the verified cache. */
void report_cache(struct vantaged *vd, struct jw *w);

/*
 * report_cache_flush - `cache flush [NAME]`: forget NAME's answers and verdicts (NULL:
 * everything), and say how many ("flushed"). Changes state: the dashboard asks for its
 * token first. Returns 0, or -1 with err (errlen bytes) for a bad name.
 */
int report_cache_flush(struct vantaged *vd, struct jw *w, const char *name, char *err,
    size_t errlen);

/* report_upstreams - the upstreams array (also part of status and reload). */
void report_upstreams(struct vantaged *vd, struct jw *w);

/* report_recent - `recent`: the last refused or flagged answers, newest first. */
void report_recent(struct vantaged *vd, struct jw *w);

/* report_clients - `clients`: per-client counts, most questions first. */
void report_clients(struct vantaged *vd, struct jw *w);

/* report_history - `history`: verdicts per minute over the last hour, by outcome. */
void report_history(struct vantaged *vd, struct jw *w);

/*
 * report_envelope - the whole answer into out: {"ok":true,"command":CMD<fields>} when err
 * is NULL (fields: the producer's members, each with its leading comma; may be NULL), else
 * {"ok":false,"command":CMD,"error":ERR}; no newline. Returns 0 or -1 (memory).
 */
int report_envelope(struct evbuffer *out, const char *cmd, const char *err,
    struct evbuffer *fields);

#endif
