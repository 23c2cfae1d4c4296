/*
 * resolver/portal.c - captive portals: the state that status shows, and the operator's login
 * window (pure: time and what was seen come in; see portal.h for what may change an answer).
 */
#include "autoconf.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dnswire.h"
#include "log.h"
#include "portal.h"

/* How often the upstream is asked a probe name while no mirror is reachable (ms): one
 * question every 10 s is nothing to the upstream, and status is that fresh. */
#define PORTAL_PROBE_EVERY_MS 10000
/* How long a probe's answer counts (ms): three probes, so one lost question changes
 * nothing. */
#define PORTAL_PROBE_FRESH_MS 30000

/*
 * The names operating systems ask to find a portal (Ubuntu, Firefox, Apple, GNOME, Android,
 * Windows), lower-cased. A portal that answers every name with its own address answers
 * these too; the probe rotates through them, and they are the only names whose earlier
 * evidence the window sets aside (portal_exempt).
 */
static const char *const portal_probes[] = {
	"connectivity-check.ubuntu.com",
	"detectportal.firefox.com",
	"captive.apple.com",
	"nmcheck.gnome.org",
	"connectivitycheck.gstatic.com",
	"www.msftconnecttest.com",
};

struct portal {
	/* Read by the checks, maybe from other threads: the window's end (monotonic ms, 0:
	 * closed) and the answers it served. Everything else is the main loop's alone. */
	_Atomic uint64_t window_end;
	_Atomic uint64_t served;
	uint64_t windows;
	unsigned window_minutes;
	int configured;			/* the last look saw mirrors to reach */
	int all_unreachable;
	uint64_t since_wall;		/* when the last mirror became unreachable (epoch s) */
	char why[160];
	/* The last probe (when, which name, 0: answered without an address, -1: no answer),
	 * and the last one answered with an address: a portal may hijack one probe name and
	 * not the next, so the sign lasts PORTAL_PROBE_FRESH_MS whatever came after it. */
	uint64_t probe_ms, addr_ms;
	unsigned probe_next;		/* index into portal_probes */
	int probe_answered;
	char probe_name[64], addr_name[64], addr[64];
};

const char *
portal_state_name(enum portal_state s)
{
	static const char *const names[] = { "none", "unreachable", "suspected", "window" };

	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

struct portal *
portal_new(void)
{
	struct portal *p = calloc(1, sizeof(*p));

	if (p != NULL) {
		atomic_init(&p->window_end, 0);
		atomic_init(&p->served, 0);
	}
	return p;
}

void
portal_free(struct portal *p)
{
	free(p);
}

static int
portal_window_open(const struct portal *p, uint64_t now_ms)
{
	uint64_t end = atomic_load_explicit(&p->window_end, memory_order_relaxed);

	return end != 0 && now_ms < end;
}

/* Close an open window, saying why in the log. */
static void
portal_end(struct portal *p, const char *why)
{
	if (atomic_exchange(&p->window_end, 0) == 0)
		return;
	log_warnx(LOG_G_CONSENSUS, "captive portal window closed (%s): answers are verified again",
	    why);
}

void
portal_observe(struct portal *p, const struct portal_facts *f)
{
	uint64_t end;

	if (p == NULL)
		return;
	p->configured = f->mirrors > 0;
	if (f->mirrors == 0 || f->reachable > 0) {
		portal_end(p, f->mirrors ? "a mirror is reachable again" : "no mirror configured");
		if (p->all_unreachable && f->mirrors)
			log_info(LOG_G_CONSENSUS, "%u of %u mirrors reachable again", f->reachable,
			    f->mirrors);
		p->all_unreachable = 0;
		p->since_wall = 0;
		p->probe_ms = p->addr_ms = 0;
		return;
	}
	if (!p->all_unreachable) {
		p->all_unreachable = 1;
		p->since_wall = f->wall_s;
	}
	snprintf(p->why, sizeof(p->why), "%s", f->why ? f->why : "no answer");
	end = atomic_load(&p->window_end);
	if (end != 0 && f->now_ms >= end) {
		char why[64];
		snprintf(why, sizeof(why), "its %u minute%s over", p->window_minutes,
		    p->window_minutes == 1 ? " is" : "s are");
		portal_end(p, why);
	}
}

const char *
portal_probe_name(const struct portal *p, uint64_t now_ms)
{
	if (p == NULL || !p->all_unreachable ||
	    (p->probe_ms != 0 && now_ms - p->probe_ms < PORTAL_PROBE_EVERY_MS))
		return NULL;
	return portal_probes[p->probe_next % (sizeof(portal_probes) / sizeof(portal_probes[0]))];
}

void
portal_probed(struct portal *p, uint64_t now_ms, const char *name, int answered,
    const char *addr)
{
	int fresh;

	if (p == NULL)
		return;
	fresh = p->addr_ms != 0 && now_ms - p->addr_ms < PORTAL_PROBE_FRESH_MS;
	p->probe_ms = now_ms ? now_ms : 1;
	p->probe_next++;
	p->probe_answered = answered;
	snprintf(p->probe_name, sizeof(p->probe_name), "%s", name);
	if (answered != 1)
		return;
	p->addr_ms = p->probe_ms;
	snprintf(p->addr_name, sizeof(p->addr_name), "%s", name);
	snprintf(p->addr, sizeof(p->addr), "%s", addr ? addr : "?");
	if (!fresh && p->all_unreachable)
		log_warnx(LOG_G_CONSENSUS, "captive portal suspected: no mirror reachable (%s) while "
		    "the upstream resolves %s to %s; `vantagectl portal` opens a login window",
		    p->why, name, p->addr);
}

/* The state at now_ms, from what the last look and the last probe saw. */
static enum portal_state
portal_state_at(const struct portal *p, uint64_t now_ms)
{
	if (p == NULL || !p->all_unreachable)
		return PORTAL_NONE;
	if (portal_window_open(p, now_ms))
		return PORTAL_WINDOW;
	if (p->addr_ms != 0 && now_ms - p->addr_ms < PORTAL_PROBE_FRESH_MS)
		return PORTAL_SUSPECTED;
	return PORTAL_UNREACHABLE;
}

int
portal_open(struct portal *p, uint64_t now_ms, unsigned minutes, char *err, size_t errlen)
{
	if (p == NULL || !p->configured) {
		snprintf(err, errlen, "no mirror is configured: answers are not cross-checked, "
				      "there is nothing to open");
		return -1;
	}
	if (!p->all_unreachable) {
		snprintf(err, errlen, "a mirror is reachable: no captive portal is in the way, and "
				      "answers the mirrors can judge are judged");
		return -1;
	}
	if (minutes < 1 || minutes > PORTAL_MAX_MINUTES) {
		snprintf(err, errlen, "MINUTES must be 1 to %d", PORTAL_MAX_MINUTES);
		return -1;
	}
	p->window_minutes = minutes;
	p->windows++;
	atomic_store(&p->window_end, now_ms + (uint64_t)minutes * 60000);
	log_warnx(LOG_G_CONSENSUS, "captive portal window open for %u minute%s: answers no mirror "
	    "can verify are served flagged; it closes as soon as a mirror is reachable", minutes,
	    minutes == 1 ? "" : "s");
	return 0;
}

int
portal_close(struct portal *p, uint64_t now_ms)
{
	int open = p != NULL && portal_window_open(p, now_ms);

	if (p != NULL)
		portal_end(p, "by the operator");
	return open;
}

int
portal_decide(struct portal *p, uint64_t now_ms, const struct cons_verdict *v,
    struct policy_decision *d)
{
	/*
	 * Only the answer nobody could judge: a mirror that answered at all (corroborating or
	 * dissenting) makes this a verdict like any other, and a dissent is never an outcome
	 * here (a lying resolver with the mirrors reachable gains nothing from the window).
	 */
	if (p == NULL || v->outcome != OUTCOME_INSUFFICIENT || v->failed != v->asked ||
	    v->corroborated != 0 || v->dissented != 0 || !portal_window_open(p, now_ms))
		return 0;
	d->action = ACTION_SERVE_FLAG;
	d->ede = DNS_EDE_NO_REACHABLE_AUTHORITY;
	snprintf(d->text, sizeof(d->text),
	    "vantage: portal window: not verified, no mirror reachable (%u asked)", v->asked);
	atomic_fetch_add_explicit(&p->served, 1, memory_order_relaxed);
	return 1;
}

int
portal_exempt(const struct portal *p, uint64_t now_ms, const uint8_t *qname,
    size_t qname_len)
{
	uint8_t wire[DNS_MAXNAME];
	size_t len;

	if (p == NULL || !portal_window_open(p, now_ms))
		return 0;
	for (size_t i = 0; i < sizeof(portal_probes) / sizeof(portal_probes[0]); i++)
		if ((len = dnswire_name_from_str(portal_probes[i], wire, sizeof(wire))) ==
			qname_len &&
		    memcmp(wire, qname, len) == 0)
			return 1;
	return 0;
}

/* The sentence status shows (out->say), from the rest of out. */
static void
portal_say(struct portal_view *out)
{
	char *s = out->say;
	char since[32] = "?";
	time_t t = (time_t)out->since_wall;
	struct tm tm;

	if (gmtime_r(&t, &tm) != NULL)
		strftime(since, sizeof(since), "%Y-%m-%d %H:%M:%S UTC", &tm);
	switch (out->state) {
	case PORTAL_NONE:
		snprintf(s, sizeof(out->say), "no captive portal in the way");
		break;
	case PORTAL_UNREACHABLE:
		snprintf(s, sizeof(out->say), "no mirror reachable since %s (%s)%s%s; if a captive "
		    "portal is in the way, run `vantagectl portal` to log in", since, out->why,
		    out->probe[0] ? "; " : "", out->probe);
		break;
	case PORTAL_SUSPECTED:
		snprintf(s, sizeof(out->say), "captive portal suspected since %s: no mirror "
		    "reachable (%s) while %s; run `vantagectl portal` to log in", since, out->why,
		    out->probe);
		break;
	case PORTAL_WINDOW:
		snprintf(s, sizeof(out->say), "captive portal login window open for %llu s more: "
		    "answers no mirror can verify are served flagged (EDE 22, portal window); it "
		    "closes as soon as a mirror is reachable", (unsigned long long)out->window_left_s);
		break;
	}
}

void
portal_get(const struct portal *p, uint64_t now_ms, struct portal_view *out)
{
	memset(out, 0, sizeof(*out));
	out->state = portal_state_at(p, now_ms);
	if (p != NULL) {
		uint64_t end = atomic_load(&p->window_end);
		out->windows = p->windows;
		out->served = atomic_load(&p->served);
		if (out->state == PORTAL_WINDOW)
			out->window_left_s = (end - now_ms + 999) / 1000;
		if (p->all_unreachable) {
			out->since_wall = p->since_wall;
			snprintf(out->why, sizeof(out->why), "%s", p->why);
		}
		if (out->state == PORTAL_SUSPECTED || (out->state == PORTAL_WINDOW && p->addr_ms))
			snprintf(out->probe, sizeof(out->probe), "the upstream resolves %s to %s",
			    p->addr_name, p->addr);
		else if (p->all_unreachable && p->probe_ms)
			snprintf(out->probe, sizeof(out->probe), "the upstream %s %s",
			    p->probe_answered == 0 ? "has no address for" : "does not answer",
			    p->probe_name);
	}
	portal_say(out);
}

void
portal_json(const struct portal *p, uint64_t now_ms, struct jw *w)
{
	struct portal_view v;

	portal_get(p, now_ms, &v);
	jw_open(w, "portal", '{');
	jw_str(w, "state", portal_state_name(v.state));
	if (v.since_wall)
		jw_u64(w, "since", v.since_wall);
	else
		jw_null(w, "since");
	jw_u64(w, "window_left_s", v.window_left_s);
	jw_u64(w, "windows", v.windows);
	jw_u64(w, "served", v.served);
	jw_str(w, "say", v.say);
	jw_close(w, '}');
}
