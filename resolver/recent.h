/* resolver/recent.h - what happened lately: refusals and flags, per-client counts, verdicts per minute. */
#ifndef VANTAGED_RECENT_H
#define VANTAGED_RECENT_H

#include <event2/event.h>
#include <stdint.h>

#include "dnswire.h"
#include "jw.h"
#include "netaddr.h"
#include "stats.h"

struct check_result;
struct policy_decision;

/*
 * Everything here is bounded whatever the clients send: a ring of the last RECENT_EVENTS
 * verdicts that were acted on (refused, SERVFAIL, flagged, consensus served), a table of
 * RECENT_CLIENTS clients (the least active one makes room for a new one), and an hour of
 * per-minute verdict counts. The dashboard's pages and `vantagectl recent|clients|history`
 * read it through report.c.
 */
#define RECENT_EVENTS 64
/* Mirrors kept per event: mirrors_per_query is 3 to 5 in practice. */
#define RECENT_MIRRORS 8
#define RECENT_CLIENTS 256
/* Minutes of verdict history. */
#define RECENT_MINUTES 60

struct recent;

/*
 * recent_new - the state, with a timer on base that closes a minute of verdict counts
 * from st (the daemon's counters, read each minute; st must outlive it). NULL on failure.
 */
struct recent *recent_new(struct event_base *base, const struct vstats *st);

/* recent_set_refresh - call refresh(arg) before each reading of st (the minute's tick):
 * with worker loops, st is a sum the daemon brings up to date. */
void recent_set_refresh(struct recent *r, void (*refresh)(void *arg), void *arg);

/* recent_free - stop the timer and free; accepts NULL. */
void recent_free(struct recent *r);

/*
 * recent_query - count one admitted question of peer (clients the ACL refuses or drops are
 * not counted one by one: spoofed sources would only churn the table).
 */
void recent_query(struct recent *r, const struct netaddr *peer);

/*
 * recent_note - a verdict acted on for peer's question q: d the decision (only actions
 * other than "serve" are kept), res the fresh evidence (mirrors' answers) or NULL for a
 * verdict reused from the verified cache. Copies what it keeps.
 */
void recent_note(struct recent *r, const struct netaddr *peer, const struct dnsq *q,
    const struct policy_decision *d, const struct check_result *res);

/* recent_events_json - the ring, newest first, as member "events" of w; plus "total". */
void recent_events_json(const struct recent *r, struct jw *w);

/* recent_clients_json - the clients, most questions first, as member "clients" of w. */
void recent_clients_json(const struct recent *r, struct jw *w);

/*
 * recent_history_json - "minutes": the closed minutes, oldest first, each with its start
 * (Unix time) and the verdicts counted in it by outcome; "current": the minute under way.
 */
void recent_history_json(const struct recent *r, struct jw *w);

#endif
