/* mirror/server.h - the mirror's wiring: listeners, TLS, evhttp, and the modules it creates. */
#ifndef VANTAGE_MIRROR_SERVER_H
#define VANTAGE_MIRROR_SERVER_H

#include <event2/event.h>
#include <stddef.h>

#include "mirror_config.h"

struct server;

/*
 * server_new - bind every listener of cfg, load the TLS key, open the report state and
 * start serving on base. Takes ownership of cfg on success. Returns NULL with err set.
 */
struct server *server_new(struct event_base *base, struct mirror_config *cfg, char *err,
    size_t errlen);

/*
 * server_reload - apply a new configuration (SIGHUP): TLS key, upstreams, limits, peers,
 * region, observe settings. Listener changes need a restart (logged). Takes ownership of
 * cfg on success; on failure returns -1 with err set and the old configuration stays.
 */
int server_reload(struct server *s, struct mirror_config *cfg, char *err, size_t errlen);

/* server_save - write the report tallies, peers and reputation if they changed. */
void server_save(struct server *s);

/* server_free - answer waiting requests with 503, save reports, close all; accepts NULL. */
void server_free(struct server *s);

#endif
