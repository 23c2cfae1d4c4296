/* resolver/metrics.h - Prometheus text metrics over plain HTTP (GET /metrics). */
#ifndef VANTAGED_METRICS_H
#define VANTAGED_METRICS_H

#include <event2/buffer.h>
#include <event2/event.h>

#include "report.h"

struct metrics;

/* What the endpoint is given: its loop and the view of the daemon it renders. */
struct metrics_env {
	struct event_base *base;
	struct report_src src;		/* copied; *src.cfg says where to serve */
};

/*
 * metrics_open - the endpoint into *out (env copied), serving GET /metrics on
 * cfg->metrics_listen when cfg->has_metrics (nothing otherwise; a reload may start it).
 * Port 0 picks a free port. Logs "metrics: serving http://ADDR:PORT/metrics". Returns 0,
 * or -1 after logging why (*out is then still set when memory allowed, so that a reload
 * can try again).
 */
int metrics_open(const struct metrics_env *env, struct metrics **out);

/* metrics_close - stop serving (open scrapes are dropped) and free; accepts NULL. */
void metrics_close(struct metrics *mt);

/*
 * metrics_reload - apply cfg's metrics settings: a new address is bound first and the old
 * one closed only when that worked (a warning keeps the old one otherwise); an address
 * removed from the configuration stops the endpoint. Accepts NULL.
 */
void metrics_reload(struct metrics *mt, const struct config *cfg);

/*
 * metrics_render - the exposition text (format 0.0.4) of every metric of src into out.
 * Returns 0, or -1 when memory ran out (out then holds a partial text).
 */
int metrics_render(const struct report_src *src, struct evbuffer *out);

#endif
