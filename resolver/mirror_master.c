/*
 * resolver/mirror_master.c - the master list (DESIGN.md section 6): mirrors that a majority of
 * the configured mirrors list with the same CA fingerprint are taken in, and kept in a file.
 */
#include "autoconf.h"

#include <event2/buffer.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <netinet/in.h>

/* No wolfSSL and no ldns header here: hashes come from lib/tls.h, JSON through lib/yconf. */
#include "log.h"
#include "mirror_client.h"
#include "mirror_int.h"
#include "statefile.h"
#include "vutil.h"
#include "yconf.h"

/* A /v1/mirrors fetch may take a TLS handshake and the CA fetch first: generous (ms). */
#define MASTER_FETCH_TIMEOUT_MS 10000
/*
 * How often the lists are asked again (s). Mirrors join and leave over days (removal is a
 * vote among peers, doc/mirror-protocol.md section 5), so an hour follows them closely at
 * the cost of one small request per configured mirror.
 */
#define MASTER_REFRESH_S 3600
/* The first round, shortly after start (ms): the daemon answers before the lists come. */
#define MASTER_FIRST_MS 200
/* Fewer voters than this and nothing is learned: two mirrors could vouch for anything. */
#define MASTER_MIN_VOTERS 3
/*
 * Bounds on what hostile lists may cost: distinct entries tallied in a round, new entries
 * one list may bring (a real list names ~100 mirrors; the first list to arrive must not
 * take every slot), JSON nodes parsed per list.
 */
#define MASTER_MAX_CANDIDATES 4096
#define MASTER_MAX_NEW_PER_LIST 256
/*
 * Slots of the candidate index (a power of two, twice the candidates): finding an entry's
 * candidate is one probe, not a walk of all 4,096, so a list costs what its length says.
 */
#define MASTER_INDEX_SLOTS (2 * MASTER_MAX_CANDIDATES)

/* One (CA fingerprint, address) seen in the lists, and who listed it how. */
struct master_candidate {
	uint8_t id[TLS_SHA256_LEN];
	struct netaddr addr;
	char *name, *region;
	unsigned active, inactive;	/* voters listing it as self/active, as inactive */
	size_t last_voter;		/* a voter listing it twice counts once */
};

/* One voter's part in a round. */
struct master_ask {
	struct mirror_master *mm;
	struct mirror *m;
	struct mirror_req *req;		/* while its /v1/mirrors is awaited */
};

struct mirror_master {
	struct mirror_set *set;
	char *path;			/* where learned mirrors are kept; NULL: not kept */
	struct event *timer;
	struct master_ask *asks;	/* one per voter: the configured, usable mirrors */
	size_t n_voters, pending, answered;
	struct master_candidate *cands;
	size_t n_cands;
	uint32_t *index;		/* MASTER_INDEX_SLOTS: candidate number + 1, 0 empty */
	int capped;			/* MASTER_MAX_CANDIDATES was reached this round */
};

static void
master_round_clear(struct mirror_master *mm)
{
	for (size_t i = 0; i < mm->n_cands; i++) {
		free(mm->cands[i].name);
		free(mm->cands[i].region);
	}
	free(mm->cands);
	mm->cands = NULL;
	mm->n_cands = 0;
	free(mm->index);
	mm->index = NULL;
	mm->capped = 0;
	mm->answered = 0;
}

/*
 * The index slot to start at for (id, addr). The id is the attacker's to choose, and so is
 * the address; both go in, so that one id at many addresses spreads out. A list holds at
 * most MASTER_MAX_NEW_PER_LIST new entries, which bounds any run of collisions.
 */
static size_t
master_hash(const uint8_t id[TLS_SHA256_LEN], const struct netaddr *addr)
{
	const struct sockaddr *sa = (const struct sockaddr *)&addr->ss;
	const uint8_t *p;
	size_t n;
	uint32_t h = 2166136261u;

	if (sa->sa_family == AF_INET) {
		p = (const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr;
		n = 4;
	} else {
		p = (const uint8_t *)&((const struct sockaddr_in6 *)sa)->sin6_addr;
		n = 16;
	}
	for (size_t i = 0; i < 8; i++)
		h = (h ^ id[i]) * 16777619u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	h = (h ^ (uint32_t)netaddr_port(addr)) * 16777619u;
	return (h ^ (h >> 16)) & (MASTER_INDEX_SLOTS - 1);
}

/*
 * The candidate for (id, addr), added when new and *budget allows (it is then spent); NULL
 * past the caps or without memory.
 */
static struct master_candidate *
master_candidate(struct mirror_master *mm, const uint8_t id[TLS_SHA256_LEN],
    const struct netaddr *addr, size_t *budget)
{
	struct master_candidate *c;
	size_t slot;

	if (mm->index == NULL &&
	    (mm->index = calloc(MASTER_INDEX_SLOTS, sizeof(*mm->index))) == NULL)
		return NULL;
	for (slot = master_hash(id, addr); mm->index[slot] != 0;
	    slot = (slot + 1) & (MASTER_INDEX_SLOTS - 1)) {
		c = &mm->cands[mm->index[slot] - 1];
		if (memcmp(c->id, id, TLS_SHA256_LEN) == 0 && netaddr_equal(&c->addr, addr))
			return c;
	}
	if (mm->n_cands == MASTER_MAX_CANDIDATES || *budget == 0) {
		mm->capped = 1;
		return NULL;
	}
	(*budget)--;
	if ((c = realloc(mm->cands, (mm->n_cands + 1) * sizeof(*c))) == NULL)
		return NULL;
	mm->cands = c;
	c = &mm->cands[mm->n_cands++];
	mm->index[slot] = (uint32_t)mm->n_cands;
	memset(c, 0, sizeof(*c));
	memcpy(c->id, id, TLS_SHA256_LEN);
	c->addr = *addr;
	c->last_voter = SIZE_MAX;
	return c;
}

/* A scalar's text, or NULL. */
static const char *
master_str(struct yconf *y, yaml_node_t *map, const char *key)
{
	yaml_node_t *v = yconf_get(y, map, key);

	if (v == NULL || v->type != YAML_SCALAR_NODE || yconf_is_null(v))
		return NULL;
	return (const char *)v->data.scalar.value;
}

/*
 * Tally one voter's list. Entries without a usable id, address or port are skipped; only
 * `self` and `active` count for a mirror, `inactive` against it, `candidate` not at all
 * (doc/mirror-protocol.md 3.2). Returns 0, or -1 when the body is not a mirrors list.
 */
static int
master_tally(struct mirror_master *mm, size_t voter, const uint8_t *body, size_t len)
{
	struct yconf y = { 0 };
	yaml_node_t *root, *list, *e;
	size_t budget = MASTER_MAX_NEW_PER_LIST;
	int rc = -1;

	y.max_nodes = MIRROR_LIST_MAX_NODES;
	y.max_keys = MIRROR_LIST_MAX_KEYS;
	if (yconf_load_buffer(&y, "/v1/mirrors", body, len) != 0 ||
	    (root = yconf_root(&y)) == NULL || root->type != YAML_MAPPING_NODE ||
	    (list = yconf_get(&y, root, "mirrors")) == NULL || list->type != YAML_SEQUENCE_NODE)
		goto out;
	YCONF_SEQ_FOREACH(&y, list, e)
	{
		const char *id, *ip, *port, *state, *name, *region;
		uint8_t fp[TLS_SHA256_LEN];
		struct master_candidate *c;
		struct netaddr a;
		char *end;
		unsigned long p;
		int active;

		if (e->type != YAML_MAPPING_NODE || (id = master_str(&y, e, "id")) == NULL ||
		    strlen(id) != 2 * TLS_SHA256_LEN || tls_unhex(id, fp, sizeof(fp)) != 0 ||
		    (ip = master_str(&y, e, "address")) == NULL ||
		    (port = master_str(&y, e, "port")) == NULL || (state = master_str(&y, e,
		    "state")) == NULL)
			continue;
		p = strtoul(port, &end, 10);
		if (*end != '\0' || p == 0 || p > 65535 || netaddr_parse(ip, (uint16_t)p, &a) != 0)
			continue;
		active = strcmp(state, "self") == 0 || strcmp(state, "active") == 0;
		if (!active && strcmp(state, "inactive") != 0)
			continue;
		if ((c = master_candidate(mm, fp, &a, &budget)) == NULL || c->last_voter == voter)
			continue;
		c->last_voter = voter;
		if (active)
			c->active++;
		else
			c->inactive++;
		name = master_str(&y, e, "name");
		region = master_str(&y, e, "region");
		if (c->name == NULL && name != NULL && name[0] != '\0' && strlen(name) < 64)
			c->name = strdup(name);
		if (c->region == NULL && region != NULL && region[0] != '\0' && strlen(region) < 64)
			c->region = strdup(region);
	}
	rc = 0;
out:
	yconf_free(&y);
	return rc;
}

/* The mirror of the set at addr, or NULL. */
static struct mirror *
master_find(struct mirror_set *set, const struct netaddr *addr)
{
	for (size_t i = 0; i < set->n; i++)
		if (netaddr_equal(&set->mirrors[i]->addr, addr))
			return set->mirrors[i];
	return NULL;
}

/* Write the learned, active mirrors to mm->path in the bootstrap file's shape. */
static void
master_save(struct mirror_master *mm)
{
	struct mirror_set *set = mm->set;
	struct evbuffer *b;
	size_t n = 0;

	if (mm->path == NULL || (b = evbuffer_new()) == NULL)
		return;
	evbuffer_add_printf(b, "# vantaged: mirrors learned from the lists of the configured ones\n"
	    "# (a majority listed each with this CA fingerprint). Rewritten every hour.\n");
	for (size_t i = 0; i < set->n; i++) {
		struct mirror *m = set->mirrors[i];

		if (!m->learned || m->inactive)
			continue;
		evbuffer_add_printf(b, "- { name: \"%s\", address: \"%s\", region: \"%s\", "
		    "ca_sha256: \"%s\" }\n", m->name, m->addr_str, m->region, m->id_hex);
		n++;
	}
	if (n == 0)
		evbuffer_add_printf(b, "[]\n");
	(void)statefile_write_path(mm->path, b);
	evbuffer_free(b);
}

/* Make up a name for a learned mirror that came without one. */
static void
master_name(const struct master_candidate *c, char *out, size_t len)
{
	char hex[TLS_SHA256_HEX];

	if (c->name != NULL) {
		snprintf(out, len, "%s", c->name);
		return;
	}
	tls_hex(c->id, 4, hex);
	snprintf(out, len, "learned-%s", hex);
}

/* Add the candidate as a learned mirror (pin only: its CA is fetched on first use). */
static int
master_learn(struct mirror_master *mm, const struct master_candidate *c)
{
	struct config_mirror e = { 0 };
	struct mirror *m;
	char name[80], err[256];

	master_name(c, name, sizeof(name));
	e.name = name;
	e.addr = c->addr;
	e.region = c->region != NULL ? c->region : "";
	memcpy(e.ca_sha256, c->id, sizeof(e.ca_sha256));
	e.has_pin = 1;
	e.verify = VERIFY_PIN;
	if ((m = mirror_set_add_entry(mm->set, &e, 1, err, sizeof(err))) == NULL) {
		log_warnx(LOG_G_MIRROR, "master list: %s not taken in: %s", name, err);
		return -1;
	}
	log_info(LOG_G_MIRROR, "master list: mirror %s (%s, %s) taken in: listed by %u of %zu "
	    "configured mirrors", m->name, m->addr_str, m->region, c->active, mm->n_voters);
	return 0;
}

/*
 * What the candidate c says of m, a mirror the set has at its address: inactive or active
 * again, by a strict majority of the n voters. 1 when m changed.
 */
static int
master_judge_known(struct mirror *m, const struct master_candidate *c, size_t n)
{
	if (memcmp(m->pin, c->id, TLS_SHA256_LEN) != 0) {
		if (c->active * 2 > n)
			log_warnx(LOG_G_MIRROR, "master list: a majority lists %s with another CA "
			    "than mirror %s has; kept as it is", m->addr_str, m->name);
		return 0;
	}
	if (c->inactive * 2 > n && !m->inactive) {
		m->inactive = 1;
		log_warnx(LOG_G_MIRROR, "master list: mirror %s (%s) is inactive for %u of %zu "
		    "configured mirrors; not asked until that changes", m->name, m->addr_str,
		    c->inactive, n);
		return 1;
	}
	if (c->inactive * 2 <= n && m->inactive && (c->active * 2 > n || !m->learned)) {
		m->inactive = 0;
		log_info(LOG_G_MIRROR, "master list: mirror %s (%s) is active again", m->name,
		    m->addr_str);
		return 1;
	}
	return 0;
}

/*
 * A learned mirror the majority no longer lists goes quiet (it may be in use: kept). Not
 * after a capped round: entries were ignored, so silence proves nothing. 1 when any did.
 */
static int
master_quiet_unlisted(struct mirror_master *mm)
{
	struct mirror_set *set = mm->set;
	size_t n = mm->n_voters;
	int changed = 0;

	for (size_t i = 0; i < set->n && !mm->capped; i++) {
		struct mirror *m = set->mirrors[i];
		int listed = 0;

		if (!m->learned || m->inactive)
			continue;
		for (size_t j = 0; j < mm->n_cands && !listed; j++)
			listed = netaddr_equal(&mm->cands[j].addr, &m->addr) &&
			    memcmp(mm->cands[j].id, m->pin, TLS_SHA256_LEN) == 0 &&
			    mm->cands[j].active * 2 > n;
		if (!listed) {
			m->inactive = 1;
			changed = 1;
			log_info(LOG_G_MIRROR, "master list: learned mirror %s (%s) no longer listed "
			    "by a majority; not asked", m->name, m->addr_str);
		}
	}
	return changed;
}

/*
 * Every voter answered or failed: decide. A strict majority of the voters (not of those
 * that answered: silence must not shrink the bar) decides both ways.
 */
static void
master_decide(struct mirror_master *mm)
{
	struct mirror_set *set = mm->set;
	size_t learned = 0, n = mm->n_voters;
	int changed = 0;

	if (mm->capped)
		log_warnx(LOG_G_MIRROR, "master list: a list brought more than %d new entries, or "
		    "all brought more than %d; the rest ignored, and no learned mirror is dropped "
		    "this round", MASTER_MAX_NEW_PER_LIST, MASTER_MAX_CANDIDATES);
	for (size_t i = 0; i < mm->n_cands; i++) {
		const struct master_candidate *c = &mm->cands[i];
		struct mirror *m = master_find(set, &c->addr);

		if (m != NULL)
			changed |= master_judge_known(m, c, n);
		else if (c->active * 2 > n && master_learn(mm, c) == 0) {
			learned++;
			changed = 1;
		}
	}
	changed |= master_quiet_unlisted(mm);
	log_info(LOG_G_MIRROR, "master list: %zu of %zu configured mirrors answered; %zu mirrors "
	    "taken in", mm->answered, n, learned);
	if (changed || learned)
		master_save(mm);
}

static void master_schedule(struct mirror_master *mm, uint32_t ms);

static void
master_response(void *arg, enum cons_transport t, int status, const uint8_t *body, size_t len)
{
	struct master_ask *ask = arg;
	struct mirror_master *mm = ask->mm;
	size_t voter = (size_t)(ask - mm->asks);

	ask->req = NULL;
	if (t == TRANSPORT_OK && status == 200 && master_tally(mm, voter, body, len) == 0)
		mm->answered++;
	else
		log_debug(LOG_G_MIRROR, "master list: no usable /v1/mirrors from %s (%s)",
		    mirror_name(ask->m), t == TRANSPORT_OK ? "bad status or body"
		    : "transport");
	if (--mm->pending > 0)
		return;
	master_decide(mm);
	master_round_clear(mm);
	master_schedule(mm, MASTER_REFRESH_S * 1000u);
}

/*
 * A voter: a configured, usable secure mirror. A public DoH resolver (webpki) is asked
 * DNS questions only: it knows nothing of the master list, and asking it would tell its
 * operator that this client runs vantaged.
 */
static int
master_can_vote(const struct mirror *m)
{
	return !m->learned && m->usable && m->verify == VERIFY_PIN;
}

/* Start a round: ask every voter for its list. */
static void
master_round(evutil_socket_t fd, short what, void *arg)
{
	struct mirror_master *mm = arg;

	(void)fd;
	(void)what;
	master_round_clear(mm);
	for (size_t i = 0; i < mm->n_voters; i++) {
		struct master_ask *ask = &mm->asks[i];

		ask->req = mirror_get(ask->m, "/v1/mirrors", MASTER_FETCH_TIMEOUT_MS,
		    master_response, ask);
		if (ask->req != NULL)
			mm->pending++;
	}
	if (mm->pending == 0)
		master_schedule(mm, MASTER_REFRESH_S * 1000u);
}

static void
master_schedule(struct mirror_master *mm, uint32_t ms)
{
	struct timeval tv = { (time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000 };

	evtimer_add(mm->timer, &tv);
}

struct mirror_master *
mirror_master_new(struct mirror_set *set, const char *path)
{
	struct mirror_master *mm;

	if ((mm = calloc(1, sizeof(*mm))) == NULL)
		return NULL;
	mm->set = set;
	for (size_t i = 0; i < set->n; i++)
		if (master_can_vote(set->mirrors[i]))
			mm->n_voters++;
	if (mm->n_voters < MASTER_MIN_VOTERS) {
		log_debug(LOG_G_MIRROR, "master list: %zu configured mirrors, %d needed to learn "
		    "others", mm->n_voters, MASTER_MIN_VOTERS);
		free(mm);
		return NULL;
	}
	if ((path != NULL && (mm->path = strdup(path)) == NULL) ||
	    (mm->asks = calloc(mm->n_voters, sizeof(*mm->asks))) == NULL ||
	    (mm->timer = evtimer_new(set->base, master_round, mm)) == NULL) {
		mirror_master_free(mm);
		return NULL;
	}
	mm->n_voters = 0;
	for (size_t i = 0; i < set->n; i++)
		if (master_can_vote(set->mirrors[i]))
			mm->asks[mm->n_voters++] = (struct master_ask){ mm, set->mirrors[i], NULL };
	master_schedule(mm, MASTER_FIRST_MS);
	return mm;
}

void
mirror_master_free(struct mirror_master *mm)
{
	if (mm == NULL)
		return;
	for (size_t i = 0; mm->asks != NULL && i < mm->n_voters; i++)
		mirror_cancel(mm->asks[i].req);
	if (mm->timer != NULL)
		event_free(mm->timer);
	master_round_clear(mm);
	free(mm->asks);
	free(mm->path);
	free(mm);
}
