/*
 * resolver/fleet.h - the fleet: vantaged instances sharing their verdicts through one Redis
 * (issue 14). One instance asks the mirrors for a name at a time (a short lock); the others
 * wait for its verdict (published), and every verdict an instance took from its mirrors is
 * kept in Redis for as long as it lives. Everything read from Redis is checked as network
 * input (fleet_codec.c) and enters the verified cache only under the trust rules: a shared
 * verdict never replaces a live local one and never contradicts the addresses verified here
 * (plugins and Redis can lower trust, never raise it). Main loop only.
 */
#ifndef VANTAGED_FLEET_H
#define VANTAGED_FLEET_H

#include <stddef.h>
#include <stdint.h>

#include "fleet_codec.h"
#include "vredis.h"

struct event_base;
struct config_shared;
struct vstats;
struct vcache;
struct vstore;
struct fleet;
struct fleet_ask;

/* What the fleet is given (borrowed; shared is read by fleet_new only, and copied). */
struct fleet_env {
	struct event_base *base;
	const struct config_shared *shared;
	struct vstats *st;		/* counts shared_* */
	struct vcache *vcache;		/* where shared verdicts are imported */
	struct vstore *store;		/* told of each import; NULL: none */
	uint64_t (*wall_s)(void);	/* the wall clock (expiries are wall-clock seconds) */
};

/* How fleet_ask ended. */
enum fleet_outcome {
	FLEET_IMPORTED,		/* a shared verdict on the name is in the verified cache now */
	FLEET_OWNER,		/* the lock is ours: ask the mirrors, publish the verdict */
	FLEET_ALONE		/* ask the mirrors without the fleet: nothing usable in time */
};

typedef void (*fleet_cb)(void *arg, enum fleet_outcome o);

/*
 * fleet_new - connect to shared.redis (vredis: a deadline per command, reconnection with
 * backoff) and subscribe to the verdicts' channel. NULL when out of memory.
 */
struct fleet *fleet_new(const struct fleet_env *env);

/* fleet_free - close; asks still out are never called back (their checks go first). NULL ok. */
void fleet_free(struct fleet *f);

/* fleet_up - whether questions can go to Redis now. */
int fleet_up(const struct fleet *f);

/*
 * fleet_ask - what the fleet knows of (qname, qtype): its shared verdict, else the lock
 * (taken for lock_ms; one atomic EVAL does both), else the owner's verdict, waited for at
 * most wait_ms. cb runs once, later (never from inside this call), unless fleet_ask_free
 * comes first. NULL when Redis is not up: ask the mirrors at once.
 */
struct fleet_ask *fleet_ask(struct fleet *f, const uint8_t *qname, size_t qname_len,
    uint16_t qtype, uint32_t lock_ms, uint32_t wait_ms, fleet_cb cb, void *arg);

/* fleet_ask_free - forget a (its lock released if it holds it). Accepts NULL. */
void fleet_ask_free(struct fleet_ask *a);

/*
 * fleet_publish - share v, a verdict this instance took from its mirrors: kept in Redis
 * until v->expire, and announced to the instances waiting for it. Fire and forget.
 */
void fleet_publish(struct fleet *f, const struct fleet_verdict *v);

/*
 * fleet_publish_pair - share p, a pair this instance's probe proved: kept in Redis until
 * p->expire and announced; every instance imports it (unless it contradicts the addresses
 * that instance verified, or it holds a live pair of its own). Fire and forget.
 */
void fleet_publish_pair(struct fleet *f, const struct fleet_pair *p);

/*
 * fleet_publish_history - share h, a name's CA history as this instance's mirrors left it:
 * kept in Redis for FLEET_HISTORY_TTL_S and announced. An instance without a history of the
 * name takes it; one with its own only takes a flag that lasts longer than its own (a
 * history can only ever flag answers: lower trust). Fire and forget.
 */
void fleet_publish_history(struct fleet *f, const struct fleet_history *h);

/* What `vantagectl status` and /metrics show of the connection. */
struct fleet_status {
	struct vredis_stats redis;
	char server[VREDIS_HOST_MAX + VREDIS_PATH_MAX + 16];	/* never the password */
	char prefix[FLEET_PREFIX_MAX + 1];
	int keyed;			/* 1: shared.key_file; 0: the key derived from the password */
	uint64_t loaded;		/* pairs and histories read at the last connection */
};

/* fleet_status - the connection's state and figures. */
void fleet_status(const struct fleet *f, struct fleet_status *out);

#endif
