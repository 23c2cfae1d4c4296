/* resolver/mirror_set.c - the set of mirrors: entries, the bootstrap file, keyed selection. */
#include "autoconf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* No wolfSSL and no ldns header here either: hashes come from lib/tls.h. */
#include "log.h"
#include "mirror_client.h"
#include "mirror_int.h"
#include "vutil.h"
#include "yconf.h"

/* HMAC-SHA-256 block size (RFC 2104, RFC 4634). */
#define HMAC_BLOCK 64

/* ---- HMAC-SHA-256 (RFC 2104) on lib/tls's one-shot SHA-256 ---- */

/*
 * mirror_hmac - HMAC-SHA-256 of the concatenation a || b under key. The one-shot hash
 * needs the whole message at once, so ipad||message is built in a buffer; names are at
 * most 255 bytes and ids short, so the stack buffer always suffices (checked anyway).
 */
static int
mirror_hmac(const uint8_t *key, size_t klen, const uint8_t *a, size_t alen, const uint8_t *b,
    size_t blen, uint8_t out[TLS_SHA256_LEN])
{
	uint8_t k[HMAC_BLOCK], buf[HMAC_BLOCK + DNS_MAXNAME + 512];
	size_t i;

	if (alen + blen > sizeof(buf) - HMAC_BLOCK)
		return -1;
	memset(k, 0, sizeof(k));
	if (klen > HMAC_BLOCK)
		tls_sha256(key, klen, k);
	else
		memcpy(k, key, klen);
	for (i = 0; i < HMAC_BLOCK; i++)
		buf[i] = k[i] ^ 0x36;
	memcpy(buf + HMAC_BLOCK, a, alen);
	if (blen > 0)
		memcpy(buf + HMAC_BLOCK + alen, b, blen);
	tls_sha256(buf, HMAC_BLOCK + alen + blen, out);
	for (i = 0; i < HMAC_BLOCK; i++)
		buf[i] = k[i] ^ 0x5c;
	memcpy(buf + HMAC_BLOCK, out, TLS_SHA256_LEN);
	tls_sha256(buf, HMAC_BLOCK + TLS_SHA256_LEN, out);
	return 0;
}

/* ---- the set ---- */

static void
mirror_free(struct mirror *m)
{
	if (m == NULL)
		return;
	mirror_lanes_free(m);
	tls_session_free(m->session);
	tls_ctx_free(m->ctx);
	free(m->name);
	free(m->region);
	free(m->hostname);
	free(m->ca_pem);
	free(m->id);
	free(m);
}

/*
 * The webpki part of mirror_new: a public DoH resolver, verified against the trust store
 * for its hostname (or its address), optionally pinned. The trust store is loaded once,
 * for the first such mirror; when it cannot be, the mirror stays in the set, unusable,
 * with the reason for vantagectl. 0, or -1 (m freed, err set) when memory ran out.
 */
static int
mirror_new_webpki(struct mirror_set *set, struct mirror *m, const struct config_mirror *e,
    char *err, size_t errlen)
{
	char ip[NETADDR_STRLEN];

	if ((m->hostname = strdup(e->hostname ? e->hostname : "")) == NULL)
		goto nomem;
	/* The selection id: the name it is verified for, so that a renumbered resolver keeps
	 * its names (and an address-only one is told apart by its address). */
	snprintf(m->id_hex, sizeof(m->id_hex), "webpki:%s", m->hostname[0] ? m->hostname :
	    netaddr_ip_str(&m->addr, ip, sizeof(ip)));
	m->id_len = strlen(m->id_hex);
	if ((m->id = malloc(m->id_len)) == NULL)
		goto nomem;
	memcpy(m->id, m->id_hex, m->id_len);
	if (e->has_pin) {
		memcpy(m->pin, e->ca_sha256, sizeof(m->pin));
		m->has_pin = 1;
	}
	if (set->webpki == NULL && set->webpki_err[0] == '\0' &&
	    (set->webpki = tls_client_ctx_new_webpki(set->trust_store, set->webpki_err,
		sizeof(set->webpki_err))) == NULL)
		log_warnx(LOG_G_MIRROR, "webpki mirrors unusable: %s", set->webpki_err);
	if (set->webpki == NULL) {
		m->usable = 0;
		snprintf(m->why, sizeof(m->why), "no trust store: %s", set->webpki_err);
		return 0;
	}
	m->ctx = tls_ctx_ref(set->webpki);
	return 0;
nomem:
	snprintf(err, errlen, "out of memory");
	mirror_free(m);
	return -1;
}

/*
 * mirror_new - one mirror of the set from a config entry. Returns NULL with err set when
 * the entry cannot be used (its ca_pem does not hash to its ca_sha256, memory).
 */
static struct mirror *
mirror_new(struct mirror_set *set, const struct config_mirror *e, char *err, size_t errlen)
{
	struct mirror *m;
	char tlserr[256];

	if ((m = calloc(1, sizeof(*m))) == NULL)
		goto nomem;
	m->set = set;
	m->addr = e->addr;
	netaddr_str(&m->addr, m->addr_str, sizeof(m->addr_str));
	m->verify = e->verify;
	m->doh_get = e->doh_get;
	m->usable = 1;
	m->name = strdup(e->name != NULL ? e->name : m->addr_str);
	m->region = strdup(e->region != NULL ? e->region : "");
	if (m->name == NULL || m->region == NULL)
		goto nomem;
	if (mirror_lanes_init(m, set->base) != 0)
		goto nomem;
	if (e->verify == VERIFY_WEBPKI)
		return mirror_new_webpki(set, m, e, err, errlen) == 0 ? m : NULL;
	if (!e->has_pin) {
		snprintf(err, errlen, "mirror %s (%s): no ca_sha256", m->name, m->addr_str);
		goto fail;
	}
	memcpy(m->pin, e->ca_sha256, sizeof(m->pin));
	tls_hex(m->pin, sizeof(m->pin), m->id_hex);
	m->id_len = sizeof(m->pin);
	if ((m->id = malloc(m->id_len)) == NULL)
		goto nomem;
	memcpy(m->id, m->pin, m->id_len);
	if (e->ca_pem != NULL) {
		/* Checks that the PEM's SHA-256 is the pin before trusting it. */
		m->ctx = tls_client_ctx_new_pinned(e->ca_pem, strlen(e->ca_pem), m->pin, tlserr,
		    sizeof(tlserr));
		if (m->ctx == NULL) {
			snprintf(err, errlen, "mirror %s (%s): ca_pem: %s", m->name, m->addr_str,
			    tlserr);
			goto fail;
		}
		if ((m->ca_pem = strdup(e->ca_pem)) == NULL)
			goto nomem;
	}
	return m;
nomem:
	snprintf(err, errlen, "out of memory");
fail:
	mirror_free(m);
	return NULL;
}

static int
mirror_set_add(struct mirror_set *set, struct mirror *m)
{
	struct mirror **n = realloc(set->mirrors, (set->n + 1) * sizeof(*n));

	if (n == NULL)
		return -1;
	set->mirrors = n;
	set->mirrors[set->n++] = m;
	return 0;
}

static int
mirror_set_has_addr(const struct mirror_set *set, const struct netaddr *a)
{
	for (size_t i = 0; i < set->n; i++)
		if (netaddr_equal(&set->mirrors[i]->addr, a))
			return 1;
	return 0;
}

/* ---- the bootstrap file ---- */

struct mirror *
mirror_set_add_entry(struct mirror_set *set, const struct config_mirror *e, int learned,
    char *err, size_t errlen)
{
	struct mirror *m;

	if ((m = mirror_new(set, e, err, errlen)) == NULL)
		return NULL;
	m->learned = learned;
	if (mirror_set_add(set, m) != 0) {
		mirror_free(m);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	return m;
}

/*
 * Add the n entries parsed from path, but those whose address is in the set already and
 * those that are unusable (logged with path:line). 0, or -1 when memory ran out.
 */
static int
mirror_set_add_parsed(struct mirror_set *set, const struct config_mirror *es, size_t n,
    const char *path, int learned)
{
	char err[512];

	for (size_t i = 0; i < n; i++) {
		if (mirror_set_has_addr(set, &es[i].addr)) {
			log_debug(LOG_G_MIRROR, "%s:%lu: address already listed; skipped", path,
			    es[i].line);
			continue;
		}
		if (mirror_set_add_entry(set, &es[i], learned, err, sizeof(err)) == NULL) {
			if (strcmp(err, "out of memory") == 0)
				return -1;
			log_warnx(LOG_G_MIRROR, "%s:%lu: %s; skipped", path, es[i].line, err);
		}
	}
	return 0;
}

/*
 * Add the entries of the bootstrap file (or, learned set, of the master list file). A
 * missing file is normal (debug); a broken one costs only itself: warn with file:line and
 * keep the inline list. Entries whose address is already in the set are skipped. Returns
 * -1 only when memory ran out.
 */
static int
mirror_set_bootstrap(struct mirror_set *set, const char *path, int learned)
{
	const char *what = learned ? "learned mirrors file" : "bootstrap file";
	struct config_mirror *es = NULL;
	struct yconf y = { 0 };
	yaml_node_t *root, *item;
	size_t n = 0, cap, before = set->n;
	int rc = 0;

	if (access(path, F_OK) != 0 && errno == ENOENT) {
		log_debug(LOG_G_MIRROR, "%s %s: absent", what, path);
		return 0;
	}
	if (yconf_load_file(&y, path) != 0) {
		log_warnx(LOG_G_MIRROR, "%s (%s ignored)", y.err, what);
		goto out;
	}
	if ((root = yconf_root(&y)) == NULL || yconf_is_null(root))
		goto out;
	if (root->type != YAML_SEQUENCE_NODE) {
		yconf_error(&y, root, "expected a list of mirror entries");
		log_warnx(LOG_G_MIRROR, "%s (%s ignored)", y.err, what);
		goto out;
	}
	cap = (size_t)(root->data.sequence.items.top - root->data.sequence.items.start);
	if ((es = calloc(cap ? cap : 1, sizeof(*es))) == NULL) {
		rc = -1;
		goto out;
	}
	/* All or nothing: a file broken halfway is not half trusted. */
	YCONF_SEQ_FOREACH(&y, root, item)
	{
		if (config_mirror_parse(&y, item, &es[n++]) != 0) {
			log_warnx(LOG_G_MIRROR, "%s (%s ignored)", y.err, what);
			goto out;
		}
	}
	if ((rc = mirror_set_add_parsed(set, es, n, path, learned)) == 0)
		log_info(LOG_G_MIRROR, "%s %s: %zu mirrors added", what, path,
		    set->n - before);
out:
	for (size_t i = 0; i < n; i++)
		config_mirror_clear(&es[i]);
	free(es);
	yconf_free(&y);
	return rc;
}

/*
 * The master list: the mirrors learned before (kept beside the state file), and the rounds
 * that learn more. Returns -1 only when memory ran out.
 */
static int
mirror_set_learn(struct mirror_set *set, const struct config *cfg)
{
	char *path = NULL;
	int rc = 0;

	if (cfg->cache.state_file != NULL) {
		size_t len = strlen(cfg->cache.state_file) + sizeof(".mirrors");

		if ((path = malloc(len)) == NULL)
			return -1;
		snprintf(path, len, "%s.mirrors", cfg->cache.state_file);
		rc = mirror_set_bootstrap(set, path, 1);
	}
	if (rc == 0)
		set->master = mirror_master_new(set, path);
	free(path);
	return rc;
}

/* The webpki mirrors' known CAs, from <state_file>.chains. -1 when memory ran out. */
static int
mirror_set_chains(struct mirror_set *set, const char *state_file)
{
	size_t len = strlen(state_file) + sizeof(".chains");
	char *path = malloc(len);

	if (path == NULL)
		return -1;
	snprintf(path, len, "%s.chains", state_file);
	mirror_chains_load(set, path);
	free(path);
	return 0;
}

struct mirror_set *
mirror_set_new(struct event_base *base, const struct config *cfg, const uint8_t secret[32],
    char *err, size_t errlen)
{
	struct mirror_set *set;
	struct mirror *m;

	if ((set = calloc(1, sizeof(*set))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	set->base = base;
	memcpy(set->secret, secret, sizeof(set->secret));
	if (cfg->mirrors_trust_store != NULL &&
	    (set->trust_store = strdup(cfg->mirrors_trust_store)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	/* wolfSSL counts its initialisations; mirror_set_destroy balances this one. */
	if (tls_init() != 0) {
		snprintf(err, errlen, "cannot initialise TLS");
		goto fail;
	}
	set->tls_inited = 1;
	for (size_t i = 0; i < cfg->n_mirrors; i++) {
		if ((m = mirror_new(set, &cfg->mirrors[i], err, errlen)) == NULL)
			goto fail;
		if (mirror_set_add(set, m) != 0) {
			mirror_free(m);
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
	}
	if (cfg->mirrors_bootstrap != NULL &&
	    mirror_set_bootstrap(set, cfg->mirrors_bootstrap, 0) != 0) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (cfg->cache.state_file != NULL && mirror_set_chains(set, cfg->cache.state_file) != 0) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (cfg->mirrors_learn && mirror_set_learn(set, cfg) != 0) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	return set;
fail:
	mirror_set_destroy(set, 0);
	return NULL;
}

/* Give up waiting for first handshakes after this (ms): the connect deadline and a margin. */
#define MIRROR_START_WAIT_MS 6000
#define MIRROR_START_TICK_MS 200

/* The start-up line: "N of M mirrors usable", then each unusable one and why. */
static void
mirror_set_start_report(struct mirror_set *set)
{
	char line[1024];
	size_t usable = 0, o = 0;

	line[0] = '\0';
	for (size_t i = 0; i < set->n; i++) {
		struct mirror *m = set->mirrors[i];

		if (m->usable && m->st.state == MIRROR_UP) {
			usable++;
			continue;
		}
		if (o < sizeof(line))
			o += (size_t)snprintf(line + o, sizeof(line) - o, "%s %s (%s)", o ? ";" :
			    "; not usable:", m->name, m->why[0] ? m->why : "no answer yet");
	}
	if (o >= sizeof(line))
		memcpy(line + sizeof(line) - 4, "...", 4);
	if (usable == 0)
		log_warnx(LOG_G_MIRROR, "0 of %zu mirrors usable: answers cannot be cross-checked "
		    "now%s", set->n, line);
	else
		log_info(LOG_G_MIRROR, "%zu of %zu mirrors usable%s", usable, set->n, line);
}

static void
mirror_set_start_tick(evutil_socket_t fd, short what, void *arg)
{
	struct mirror_set *set = arg;
	struct timeval tv = { 0, MIRROR_START_TICK_MS * 1000 };
	int all = 1;

	(void)fd;
	(void)what;
	for (size_t i = 0; i < set->n && all; i++)
		all = mirror_settled(set->mirrors[i]);
	if (!all && now_ms() - set->start_ms < MIRROR_START_WAIT_MS) {
		evtimer_add(set->start_timer, &tv);
		return;
	}
	mirror_set_start_report(set);
}

void
mirror_set_start(struct mirror_set *set)
{
	struct timeval tv = { 0, MIRROR_START_TICK_MS * 1000 };

	if (set == NULL || set->start_timer != NULL)
		return;
	for (size_t i = 0; i < set->n; i++)
		mirror_probe(set->mirrors[i]);
	set->start_ms = now_ms();
	if ((set->start_timer = evtimer_new(set->base, mirror_set_start_tick, set)) != NULL)
		evtimer_add(set->start_timer, &tv);
}

/*
 * nested: called on the way out of a callback of ours, where lib/http may still hold a
 * TLS object to free after we return; wolfSSL's global state must outlive it, so its
 * reference is kept (a few bytes, once).
 */
void
mirror_set_destroy(struct mirror_set *set, int nested)
{
	mirror_master_free(set->master);
	if (set->start_timer != NULL)
		event_free(set->start_timer);
	for (size_t i = 0; i < set->n; i++)
		mirror_free(set->mirrors[i]);
	free(set->mirrors);
	tls_ctx_free(set->notary);
	tls_ctx_free(set->webpki);
	free(set->trust_store);
	free(set->chains_path);
	if (set->tls_inited && !nested)
		tls_cleanup();
	explicit_bzero(set->secret, sizeof(set->secret));
	free(set);
}

void
mirror_set_free(struct mirror_set *set)
{
	if (set == NULL)
		return;
	if (set->busy > 0) {
		/* Inside one of our callbacks: the outermost frame frees it on the way out. */
		set->dead = 1;
		return;
	}
	mirror_set_destroy(set, 0);
}

size_t
mirror_set_count(const struct mirror_set *set)
{
	return set == NULL ? 0 : set->n;
}

struct mirror *
mirror_set_get(struct mirror_set *set, size_t i)
{
	return set != NULL && i < set->n ? set->mirrors[i] : NULL;
}

/* ---- selection ---- */

struct mirror_score {
	struct mirror *m;
	uint64_t score;
};

static int
mirror_score_cmp(const void *a, const void *b)
{
	const struct mirror_score *x = a, *y = b;

	return x->score < y->score ? 1 : x->score > y->score ? -1 : 0;
}

/* Healthy: not failing now, and no failure since its last good handshake (a mirror whose
 * backoff is over is only being probed again: it is asked only when others are lacking). */
static int
mirror_healthy(const struct mirror *m)
{
	return m->st.state != MIRROR_BACKOFF && m->st.state != MIRROR_PIN_FAILED &&
	    m->why[0] == '\0';
}

size_t
mirror_set_select(struct mirror_set *set, const uint8_t *qname, size_t qname_len, size_t k,
    struct mirror **out)
{
	struct mirror_score *s;
	uint8_t mac[TLS_SHA256_LEN];
	size_t n = 0, chosen = 0, i, j;
	int pass;

	if (set == NULL || k == 0 || set->n == 0 || qname_len > DNS_MAXNAME)
		return 0;
	if ((s = calloc(set->n, sizeof(*s))) == NULL)
		return 0;
	/*
	 * Rendezvous hashing keyed by the install's secret: each mirror's score for this name
	 * is HMAC(secret, qname || id). Stable per name (the same mirrors keep answering it,
	 * so their answers stay comparable), and without the secret nobody can tell which
	 * mirrors a name goes to, so nobody can pick names that land on mirrors they control.
	 */
	for (i = 0; i < set->n; i++) {
		struct mirror *m = set->mirrors[i];

		if (!m->usable || m->inactive || mirror_hmac(set->secret, sizeof(set->secret), qname, qname_len,
		    m->id, m->id_len, mac) != 0)
			continue;
		s[n].m = m;
		s[n].score = (uint64_t)dnswire_get32(mac) << 32 | dnswire_get32(mac + 4);
		n++;
	}
	qsort(s, n, sizeof(*s), mirror_score_cmp);
	/*
	 * Four passes, best first: healthy in a region not yet chosen, healthy in any region,
	 * then the same for mirrors in backoff (they fail fast, which consensus counts as "no
	 * corroboration", better than asking fewer mirrors).
	 */
	for (pass = 0; pass < 4 && chosen < k; pass++) {
		int want_healthy = pass < 2, distinct = pass % 2 == 0;

		for (i = 0; i < n && chosen < k; i++) {
			struct mirror *m = s[i].m;
			int clash = 0;

			if (m == NULL || mirror_healthy(m) != want_healthy)
				continue;
			for (j = 0; distinct && j < chosen; j++)
				if (strcmp(out[j]->region, m->region) == 0)
					clash = 1;
			if (clash)
				continue;
			out[chosen++] = m;
			s[i].m = NULL;
		}
	}
	free(s);
	return chosen;
}

/* ---- accessors ---- */

const char *
mirror_name(const struct mirror *m)
{
	return m->name;
}

const char *
mirror_region(const struct mirror *m)
{
	return m->region;
}

const char *
mirror_id_hex(const struct mirror *m)
{
	return m->id_hex;
}

const char *
mirror_addr_str(const struct mirror *m)
{
	return m->addr_str;
}

void
mirror_get_stats(const struct mirror *m, struct mirror_stats *st)
{
	*st = m->st;
}

void
mirror_note_evidence(struct mirror *m, enum cons_evidence e)
{
	if (m == NULL)
		return;
	if (e == EVIDENCE_CORROBORATES)
		m->st.agreements++;
	else if (e == EVIDENCE_DISSENTS)
		m->st.dissents++;
}

int
mirror_usable(const struct mirror *m)
{
	return m->usable;
}

int
mirror_is_webpki(const struct mirror *m)
{
	return m->verify == VERIFY_WEBPKI;
}

const char *
mirror_why(const struct mirror *m)
{
	return m->why;
}

size_t
mirror_chain(const struct mirror *m, uint8_t (*fps)[TLS_SHA256_LEN], size_t max)
{
	size_t n = m->chain_n < max ? m->chain_n : max;

	memcpy(fps, m->chain, n * sizeof(*fps));
	return n;
}
