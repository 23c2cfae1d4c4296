/*
 * resolver/check_live.h - the checks' services in production: the daemon's mirror set (made
 * from the configuration, kept across a reload when nothing it is made of changed, swapped
 * otherwise) behind check_mirror_ops, the upstream (resolve.c) behind check_upstream_ops,
 * and the clocks of lib/vutil.h.
 */
#ifndef VANTAGED_CHECK_LIVE_H
#define VANTAGED_CHECK_LIVE_H

#include <event2/event.h>
#include <stddef.h>
#include <stdint.h>

#include "check_env.h"
#include "config.h"

struct check_ctx;
struct check_live;
struct mirror_set;

/* mirror_client.c's functions, with the mirror set slot of check_live_new as svc. */
extern const struct check_mirror_ops check_live_mirror_ops;
/* resolve.c's functions, with a struct resolve as svc. */
extern const struct check_upstream_ops check_live_upstream_ops;
/* now_ms and wall_s. */
extern const struct check_clock check_live_clock;

/*
 * check_live_new - make the mirror set cfg describes (NULL in *slot when it has none) and
 * start its handshakes (mirrors.connect_at_start). slot is the daemon's mirror set slot,
 * the svc of check_live_mirror_ops; secret keys the selection. NULL (err set) when the set
 * cannot be made.
 */
struct check_live *check_live_new(struct event_base *base, const struct config *cfg,
    struct mirror_set **slot, const uint8_t *secret, char *err, size_t errlen);

/*
 * check_live_reload - the mirror set for cfg (at reload, before cfg replaces the running
 * one): kept, with its connections, when neither the mirror keys nor its files changed;
 * else the new set replaces the old once the checks let go of it (check_mirrors_gone).
 * Returns 0, or -1 (err set) with the old set kept.
 */
int check_live_reload(struct check_live *cl, const struct config *cur,
    const struct config *cfg, struct check_ctx *checks, char *err, size_t errlen);

/* check_live_free - free the mirror set (*slot = NULL) and cl; accepts NULL. */
void check_live_free(struct check_live *cl);

#endif
