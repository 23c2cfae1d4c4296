/* resolver/metrics.h - Prometheus text metrics over plain HTTP (GET /metrics). */
#ifndef VANTAGED_METRICS_H
#define VANTAGED_METRICS_H

#include <event2/buffer.h>

#include "config.h"
#include "vantaged.h"

/*
 * metrics_open - serve GET /metrics on vd->cfg->metrics_listen when cfg->has_metrics
 * (nothing otherwise); vd->metrics holds it. Port 0 picks a free port. Logs
 * "metrics: serving http://ADDR:PORT/metrics". Returns 0, or -1 after logging why.
 */
int metrics_open(struct vantaged *vd);

/* metrics_close - stop serving (open scrapes are dropped); safe when nothing is open. */
void metrics_close(struct vantaged *vd);

/*
 * metrics_reload - apply cfg's metrics settings: a new address is bound first and the old
 * one closed only when that worked (a warning keeps the old one otherwise); an address
 * removed from the configuration stops the endpoint.
 */
void metrics_reload(struct vantaged *vd, const struct config *cfg);

/*
 * metrics_render - the exposition text (format 0.0.4) of every metric into out.
 * Returns 0, or -1 when memory ran out (out then holds a partial text).
 */
int metrics_render(struct vantaged *vd, struct evbuffer *out);

#endif
