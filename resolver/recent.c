/* resolver/recent.c - what happened lately: refusals and flags, per-client counts, verdicts per minute. */
#include "autoconf.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "consensus.h"
#include "policy.h"
#include "recent.h"
#include "vutil.h"

/* Hash buckets of the client table (a power of two; chains are bounded by the table). */
#define RECENT_BUCKETS 256
#define RECENT_NONE 0xffff
/* A minute of history (s). */
#define RECENT_TICK 60

struct recent_mirror {
	char name[64];
	char region[32];
	char answer[160];
	char evidence[16];		/* "corroborates", "dissents", "failed", "not waited for" */
};

struct recent_event {
	uint64_t time;			/* Unix seconds */
	char client[NETADDR_STRLEN];
	char name[DNS_MAXNAME * 4 + 1];	/* presentation form: odd bytes escaped as \DDD */
	uint16_t qtype;
	char outcome[16];		/* "dissent", "insufficient", "cached" */
	char action[12];
	int ede;
	char text[200];
	uint8_t n_mirrors;
	struct recent_mirror mirrors[RECENT_MIRRORS];
};

struct recent_client {
	struct netaddr addr;
	uint64_t queries, refused, flagged;
	uint64_t last;			/* Unix seconds */
	uint16_t next;			/* the bucket's chain */
	uint8_t used;
};

/* The counters one minute of history keeps, in the order of recent_outcomes. */
enum { RH_AGREE, RH_DISSENT, RH_INSUFFICIENT, RH_CACHED, RH_REFUSED, RH_FLAGGED, RH_COUNT };
static const char *const recent_outcomes[RH_COUNT] = { "agree", "dissent", "insufficient",
	"cached", "refused", "flagged" };

struct recent {
	const struct vstats *st;
	void (*refresh)(void *arg);	/* recent_set_refresh: brings *st up to date */
	void *refresh_arg;
	/* Worker loops note their clients' questions while the main loop reads: one at a time. */
	pthread_mutex_t mu;
	struct event *tick;
	uint64_t key;			/* seeds the client hash: clients cannot aim at one chain */

	struct recent_event ev[RECENT_EVENTS];
	size_t ev_next;			/* the slot the next event takes */
	uint64_t ev_total;

	struct recent_client cl[RECENT_CLIENTS];
	uint16_t bucket[RECENT_BUCKETS];
	size_t n_clients;
	uint64_t evicted;

	uint64_t snap[RH_COUNT];	/* the counters when the minute under way began */
	uint64_t snap_time;
	uint32_t minutes[RECENT_MINUTES][RH_COUNT];
	uint64_t minute_start[RECENT_MINUTES];
	size_t min_next, n_minutes;
};

static void
recent_sample(const struct vstats *st, uint64_t out[RH_COUNT])
{
	out[RH_AGREE] = st->verdict_agree;
	out[RH_DISSENT] = st->verdict_dissent;
	out[RH_INSUFFICIENT] = st->verdict_insufficient;
	out[RH_CACHED] = st->verdict_cached;
	out[RH_REFUSED] = st->action_refuse + st->action_servfail;
	out[RH_FLAGGED] = st->action_flag + st->action_consensus;
}

/* A minute is over: keep its counts (deltas of the daemon's counters). */
static void
recent_tick(evutil_socket_t fd, short what, void *arg)
{
	struct recent *r = arg;
	uint64_t now[RH_COUNT];

	(void)fd;
	(void)what;
	pthread_mutex_lock(&r->mu);
	if (r->refresh)
		r->refresh(r->refresh_arg);
	recent_sample(r->st, now);
	for (int i = 0; i < RH_COUNT; i++) {
		uint64_t d = now[i] - r->snap[i];
		r->minutes[r->min_next][i] = d > UINT32_MAX ? UINT32_MAX : (uint32_t)d;
	}
	r->minute_start[r->min_next] = r->snap_time;
	r->min_next = (r->min_next + 1) % RECENT_MINUTES;
	if (r->n_minutes < RECENT_MINUTES)
		r->n_minutes++;
	memcpy(r->snap, now, sizeof(now));
	r->snap_time = wall_s();
	pthread_mutex_unlock(&r->mu);
}

struct recent *
recent_new(struct event_base *base, const struct vstats *st)
{
	struct recent *r = calloc(1, sizeof(*r));
	struct timeval tv = { RECENT_TICK, 0 };

	if (r == NULL)
		return NULL;
	pthread_mutex_init(&r->mu, NULL);
	r->st = st;
	random_buf(&r->key, sizeof(r->key));
	for (size_t i = 0; i < RECENT_BUCKETS; i++)
		r->bucket[i] = RECENT_NONE;
	recent_sample(st, r->snap);
	r->snap_time = wall_s();
	if ((r->tick = event_new(base, -1, EV_PERSIST, recent_tick, r)) == NULL ||
	    event_add(r->tick, &tv) != 0) {
		recent_free(r);
		return NULL;
	}
	return r;
}

void
recent_free(struct recent *r)
{
	if (r == NULL)
		return;
	if (r->tick)
		event_free(r->tick);
	pthread_mutex_destroy(&r->mu);
	free(r);
}

/* ---- clients ---- */

/* The address bytes that identify a client (the port is not part of it). */
static size_t
recent_addr_bytes(const struct netaddr *a, const uint8_t **p)
{
	if (a->ss.ss_family == AF_INET) {
		*p = (const uint8_t *)&((const struct sockaddr_in *)&a->ss)->sin_addr;
		return 4;
	}
	if (a->ss.ss_family == AF_INET6) {
		*p = ((const struct sockaddr_in6 *)&a->ss)->sin6_addr.s6_addr;
		return 16;
	}
	*p = NULL;
	return 0;
}

static size_t
recent_bucket(const struct recent *r, const struct netaddr *a)
{
	const uint8_t *p;
	size_t n = recent_addr_bytes(a, &p);
	uint64_t h = r->key ^ 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	h ^= h >> 29;
	return (size_t)(h & (RECENT_BUCKETS - 1));
}

static void
recent_unchain(struct recent *r, uint16_t idx)
{
	uint16_t *pp = &r->bucket[recent_bucket(r, &r->cl[idx].addr)];

	while (*pp != RECENT_NONE && *pp != idx)
		pp = &r->cl[*pp].next;
	if (*pp == idx)
		*pp = r->cl[idx].next;
}

/*
 * The entry of peer, made when missing. A full table gives up its least active client
 * (fewest questions): a burst of new addresses churns only the small entries, the
 * clients that matter stay.
 */
static struct recent_client *
recent_client(struct recent *r, const struct netaddr *peer)
{
	size_t b = recent_bucket(r, peer);
	uint16_t idx;

	for (idx = r->bucket[b]; idx != RECENT_NONE; idx = r->cl[idx].next)
		if (netaddr_equal_ip(&r->cl[idx].addr, peer))
			return &r->cl[idx];
	if (r->n_clients < RECENT_CLIENTS)
		idx = (uint16_t)r->n_clients++;
	else {
		idx = 0;
		for (uint16_t i = 1; i < RECENT_CLIENTS; i++)
			if (r->cl[i].queries < r->cl[idx].queries)
				idx = i;
		recent_unchain(r, idx);
		r->evicted++;
	}
	memset(&r->cl[idx], 0, sizeof(r->cl[idx]));
	r->cl[idx].addr = *peer;
	netaddr_set_port(&r->cl[idx].addr, 0);
	r->cl[idx].used = 1;
	r->cl[idx].next = r->bucket[b];
	r->bucket[b] = idx;
	return &r->cl[idx];
}

static void
recent_u_query(struct recent *r, const struct netaddr *peer)
{
	struct recent_client *c;

	if (r == NULL)
		return;
	c = recent_client(r, peer);
	c->queries++;
	c->last = wall_s();
}

/* ---- events ---- */

static void
recent_copy_mirrors(struct recent_event *e, const struct check_result *res)
{
	for (size_t i = 0; res && i < res->n_mirrors && i < RECENT_MIRRORS; i++) {
		const struct check_mirror_view *m = &res->mirrors[i];
		struct recent_mirror *rm = &e->mirrors[e->n_mirrors++];
		snprintf(rm->name, sizeof(rm->name), "%s", m->name ? m->name : "");
		snprintf(rm->region, sizeof(rm->region), "%s", m->region ? m->region : "");
		snprintf(rm->answer, sizeof(rm->answer), "%s", m->answer);
		/* As explain says it: a mirror the verdict did not need to wait for has not
		 * failed. */
		snprintf(rm->evidence, sizeof(rm->evidence), "%s",
		    m->evidence == EVIDENCE_CORROBORATES ? "corroborates"
		    : m->evidence == EVIDENCE_DISSENTS	 ? "dissents"
		    : strcmp(m->answer, "not waited for") == 0 ? "not waited for"
							 : "failed");
	}
}

static void
recent_u_note(struct recent *r, const struct netaddr *peer, const struct dnsq *q,
    const struct policy_decision *d, const struct check_result *res)
{
	struct recent_event *e;
	struct recent_client *c;
	int refused;

	if (r == NULL || d->action == ACTION_SERVE)
		return;
	refused = d->action == ACTION_REFUSE || d->action == ACTION_SERVFAIL;
	c = recent_client(r, peer);
	c->refused += refused;
	c->flagged += !refused;
	e = &r->ev[r->ev_next];
	r->ev_next = (r->ev_next + 1) % RECENT_EVENTS;
	r->ev_total++;
	memset(e, 0, sizeof(*e));
	e->time = wall_s();
	netaddr_ip_str(peer, e->client, sizeof(e->client));
	dnswire_name2str(q->qname, q->qname_len, e->name, sizeof(e->name));
	e->qtype = q->qtype;
	snprintf(e->outcome, sizeof(e->outcome), "%s",
	    res && res->verdict ? consensus_outcome_name(res->verdict->outcome) : "cached");
	snprintf(e->action, sizeof(e->action), "%s", policy_action_name(d->action));
	e->ede = d->ede;
	snprintf(e->text, sizeof(e->text), "%s", d->ede >= 0 ? d->text : "");
	recent_copy_mirrors(e, res);
}

static void
recent_event_json(const struct recent_event *e, struct jw *w)
{
	char tb[16];

	jw_open(w, NULL, '{');
	jw_u64(w, "time", e->time);
	jw_str(w, "client", e->client);
	jw_str(w, "name", e->name);
	jw_str(w, "type", dnswire_type2str(e->qtype, tb, sizeof(tb)));
	jw_str(w, "outcome", e->outcome);
	jw_str(w, "action", e->action);
	if (e->ede >= 0) {
		jw_int(w, "ede", e->ede);
		jw_str(w, "ede_text", e->text);
	} else {
		jw_null(w, "ede");
		jw_null(w, "ede_text");
	}
	jw_open(w, "mirrors", '[');
	for (size_t i = 0; i < e->n_mirrors; i++) {
		jw_open(w, NULL, '{');
		jw_str(w, "name", e->mirrors[i].name);
		jw_str(w, "region", e->mirrors[i].region);
		jw_str(w, "answer", e->mirrors[i].answer);
		jw_str(w, "evidence", e->mirrors[i].evidence);
		jw_close(w, '}');
	}
	jw_close(w, ']');
	jw_close(w, '}');
}

static void
recent_u_events_json(const struct recent *r, struct jw *w)
{
	size_t n = r ? (r->ev_total < RECENT_EVENTS ? (size_t)r->ev_total : RECENT_EVENTS) : 0;

	jw_open(w, "events", '[');
	for (size_t i = 0; i < n; i++)
		recent_event_json(&r->ev[(r->ev_next + RECENT_EVENTS - 1 - i) % RECENT_EVENTS], w);
	jw_close(w, ']');
	jw_u64(w, "total", r ? r->ev_total : 0);
	jw_u64(w, "kept", RECENT_EVENTS);
}

/* ---- clients, sorted ---- */

/* Whether client a goes before b: more questions first, then the more recent. */
static int
recent_before(const struct recent_client *a, const struct recent_client *b)
{
	return a->queries != b->queries ? a->queries > b->queries : a->last > b->last;
}

static void
recent_u_clients_json(const struct recent *r, struct jw *w)
{
	uint16_t order[RECENT_CLIENTS];
	size_t n = r ? r->n_clients : 0;
	char buf[NETADDR_STRLEN];

	for (size_t i = 0; i < n; i++)
		order[i] = (uint16_t)i;
	/* Insertion sort: at most RECENT_CLIENTS entries, only when someone asks. */
	for (size_t i = 1; i < n; i++) {
		uint16_t v = order[i];
		size_t j = i;
		for (; j > 0 && recent_before(&r->cl[v], &r->cl[order[j - 1]]); j--)
			order[j] = order[j - 1];
		order[j] = v;
	}
	jw_open(w, "clients", '[');
	for (size_t i = 0; i < n; i++) {
		const struct recent_client *c = &r->cl[order[i]];
		jw_open(w, NULL, '{');
		jw_str(w, "address", netaddr_ip_str(&c->addr, buf, sizeof(buf)));
		jw_u64(w, "queries", c->queries);
		jw_u64(w, "refused", c->refused);
		jw_u64(w, "flagged", c->flagged);
		jw_u64(w, "last", c->last);
		jw_close(w, '}');
	}
	jw_close(w, ']');
	jw_u64(w, "kept", RECENT_CLIENTS);
	jw_u64(w, "evicted", r ? r->evicted : 0);
}

static void
recent_u_history_json(const struct recent *r, struct jw *w)
{
	uint64_t now[RH_COUNT];

	jw_open(w, "outcomes", '[');
	for (int i = 0; i < RH_COUNT; i++)
		jw_str(w, NULL, recent_outcomes[i]);
	jw_close(w, ']');
	jw_u64(w, "minute_s", RECENT_TICK);
	jw_open(w, "minutes", '[');
	for (size_t k = 0; r && k < r->n_minutes; k++) {
		size_t s = (r->min_next + RECENT_MINUTES - r->n_minutes + k) % RECENT_MINUTES;
		jw_open(w, NULL, '{');
		jw_u64(w, "start", r->minute_start[s]);
		for (int i = 0; i < RH_COUNT; i++)
			jw_u64(w, recent_outcomes[i], r->minutes[s][i]);
		jw_close(w, '}');
	}
	jw_close(w, ']');
	jw_open(w, "current", '{');
	if (r) {
		recent_sample(r->st, now);
		jw_u64(w, "start", r->snap_time);
		for (int i = 0; i < RH_COUNT; i++)
			jw_u64(w, recent_outcomes[i], now[i] - r->snap[i]);
	}
	jw_close(w, '}');
}

/* ---- the public calls, one thread at a time ---- */

void
recent_set_refresh(struct recent *r, void (*refresh)(void *arg), void *arg)
{
	r->refresh = refresh;
	r->refresh_arg = arg;
}

void
recent_query(struct recent *r, const struct netaddr *peer)
{
	pthread_mutex_lock(&r->mu);
	recent_u_query(r, peer);
	pthread_mutex_unlock(&((struct recent *)r)->mu);
}

void
recent_note(struct recent *r, const struct netaddr *peer, const struct dnsq *q,
    const struct policy_decision *d, const struct check_result *res)
{
	pthread_mutex_lock(&r->mu);
	recent_u_note(r, peer, q, d, res);
	pthread_mutex_unlock(&((struct recent *)r)->mu);
}

void
recent_events_json(const struct recent *r, struct jw *w)
{
	pthread_mutex_lock(&((struct recent *)r)->mu);
	recent_u_events_json(r, w);
	pthread_mutex_unlock(&((struct recent *)r)->mu);
}

void
recent_clients_json(const struct recent *r, struct jw *w)
{
	pthread_mutex_lock(&((struct recent *)r)->mu);
	recent_u_clients_json(r, w);
	pthread_mutex_unlock(&((struct recent *)r)->mu);
}

void
recent_history_json(const struct recent *r, struct jw *w)
{
	pthread_mutex_lock(&((struct recent *)r)->mu);
	recent_u_history_json(r, w);
	pthread_mutex_unlock(&((struct recent *)r)->mu);
}
