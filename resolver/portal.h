/*
 * resolver/portal.h - captive portals: what suggests one, and the login window the operator
 * opens with `vantagectl portal`. Pure: what was seen and the time are passed in
 * (portal_live.c looks at the mirrors and asks the upstream); no socket, no clock.
 *
 * Detection only informs (status, metrics, one log line): a lying resolver can play a portal
 * perfectly, so nothing it does changes what the client gets. What changes it is the window,
 * and only an operator opens it, only while no mirror is reachable, for at most
 * PORTAL_MAX_MINUTES; it closes by itself at its end or as soon as a mirror is reachable.
 * Within it, an answer that no mirror could verify because every mirror asked failed (never
 * one a mirror dissented from, never one that contradicts the addresses verified for the name
 * before) is served flagged, whatever on_insufficient says; nothing it serves is kept as
 * evidence (it is an insufficient verdict like any other: no agreement, no sticky address).
 */
#ifndef VANTAGED_PORTAL_H
#define VANTAGED_PORTAL_H

#include <stddef.h>
#include <stdint.h>

#include "consensus.h"
#include "jw.h"
#include "policy.h"

/* The longest window (minutes): long enough to read a hotel's terms and type a room
 * number, short enough that a forgotten window does not leave the machine unprotected. */
#define PORTAL_MAX_MINUTES 15
/* The window `vantagectl portal` opens without an argument (minutes). */
#define PORTAL_DEFAULT_MINUTES 5

enum portal_state {
	PORTAL_NONE,		/* a mirror is reachable, or none is configured */
	PORTAL_UNREACHABLE,	/* no mirror reachable, no sign of a portal (offline?) */
	PORTAL_SUSPECTED,	/* no mirror reachable while the upstream resolves a probe name */
	PORTAL_WINDOW		/* the login window is open */
};

/* One look at the mirrors (portal_live.c: mirror_usable and mirror_why of each). */
struct portal_facts {
	uint64_t now_ms;	/* monotonic */
	uint64_t wall_s;	/* epoch seconds, for what status shows */
	unsigned mirrors;	/* mirrors this process can talk to */
	unsigned reachable;	/* of them, those with no failure since their last handshake */
	const char *why;	/* one unreachable mirror's reason, or NULL */
};

/* What status and /metrics show (portal_get). */
struct portal_view {
	enum portal_state state;
	uint64_t since_wall;		/* when the last mirror became unreachable; 0: none is */
	uint64_t window_left_s;		/* while the window is open */
	uint64_t windows;		/* windows opened since start */
	uint64_t served;		/* answers served unverified in a window */
	char why[160];			/* a mirror's reason for being unreachable */
	char probe[200];		/* what the upstream said of the probe name, or "" */
	char say[480];			/* one sentence for a person */
};

struct portal;

/* portal_new - no mirror known unreachable, no window. NULL when out of memory. */
struct portal *portal_new(void);

/* portal_free - accepts NULL. */
void portal_free(struct portal *p);

/*
 * portal_observe - the mirrors as they are now (f): the state follows, and an open window
 * closes when its time is up or a mirror is reachable again (logged). p may be NULL.
 */
void portal_observe(struct portal *p, const struct portal_facts *f);

/*
 * portal_probe_name - the name to ask the upstream now, presentation form, when no mirror is
 * reachable and the last answer is older than PORTAL_PROBE_EVERY_MS; NULL otherwise. The
 * caller calls portal_probed with the outcome (or portal_probed(p, now, name, -1, NULL) when
 * it could not ask).
 */
const char *portal_probe_name(const struct portal *p, uint64_t now_ms);

/*
 * portal_probed - what the upstream said of probe name (portal_probe_name): answered 1 with
 * addr (text) its first address, 0 answered without an address (NXDOMAIN, NODATA, SERVFAIL),
 * -1 no answer at all.
 */
void portal_probed(struct portal *p, uint64_t now_ms, const char *name, int answered,
    const char *addr);

/*
 * portal_open - open (or extend) the login window for minutes (1 to PORTAL_MAX_MINUTES) from
 * now_ms. Refused while a mirror is reachable or none is configured: there is nothing to log
 * in to, and answers the mirrors can judge must be judged. Returns 0, or -1 with err set.
 */
int portal_open(struct portal *p, uint64_t now_ms, unsigned minutes, char *err, size_t errlen);

/* portal_close - close the window now (`vantagectl portal close`); 1 if one was open. */
int portal_close(struct portal *p, uint64_t now_ms);

/*
 * portal_decide - the window's word on a decision d already taken for verdict v: when the
 * window is open and every mirror asked failed (no answer, hence no dissent and no
 * agreement), d becomes a flagged serve with EDE 22 saying "portal window". Returns 1 when
 * it changed d, 0 otherwise (p NULL, no window, or a mirror answered). Safe to call from
 * any thread.
 */
int portal_decide(struct portal *p, uint64_t now_ms, const struct cons_verdict *v,
    struct policy_decision *d);

/*
 * portal_exempt - 1 when the window is open and qname (lower-cased wire form) is one of the
 * operating systems' connectivity-check names: a portal that answers every name with its own
 * address must be able to answer those, or the system never shows its login page; their
 * addresses verified before are not held against it then. Every other name keeps its
 * evidence in the window.
 */
int portal_exempt(const struct portal *p, uint64_t now_ms, const uint8_t *qname,
    size_t qname_len);

/* portal_get - the state for status and /metrics at now_ms (p may be NULL: PORTAL_NONE). */
void portal_get(const struct portal *p, uint64_t now_ms, struct portal_view *out);

/* portal_json - the "portal" member of status: state, since, window_left_s, counters, say. */
void portal_json(const struct portal *p, uint64_t now_ms, struct jw *w);

/* portal_state_name - "none", "unreachable", "suspected", "window". */
const char *portal_state_name(enum portal_state s);

#endif
