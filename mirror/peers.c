/* mirror/peers.c - the peer table: who this mirror knows, joins, fan-out, pinned connections. */
#include "autoconf.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "join.h"
#include "json.h"
#include "log.h"
#include "observe.h"
#include "peerfile.h"
#include "peers.h"
#include "ratelimit.h"
#include "reputation.h"
#include "statefile.h"
#include "vutil.h"
#include "yconf.h"

/*
 * A peer's /v1/mirrors is at most PEERS_MAX_RESPONSE bytes: 4,096 nodes take every real
 * entry of it, and keep a body of tiny nodes to a few milliseconds of parsing.
 */
#define PEERS_SYNC_MAX_NODES 4096
/* Keys in one JSON object of a peer's body (an entry has ~20). */
#define JOIN_MAX_KEYS 64
/* The largest answer a peer request may bring: a DNS message or a small JSON body. */
#define PEERS_MAX_RESPONSE 70000

struct peers {
	struct peers_env env;
	TAILQ_HEAD(, peer) list;
	size_t n;
	int dirty;
	struct ratelimit *rate;		/* per-source limits of joins, removes, notices */
};

/* A request in flight on a peer connection; ctx is the caller's copy. */
struct peer_req {
	TAILQ_ENTRY(peer_req) entry;
	struct peer_conn *c;
	peer_cb cb;
	uint64_t started_ms;
	size_t ctxlen;
	unsigned char ctx[];
};

struct peer_conn {
	struct peers *ps;
	struct peer *p;
	struct http_client *http;
	TAILQ_HEAD(, peer_req) reqs;
};

static const char *const state_names[] = { "candidate", "active", "inactive", NULL };

static const struct mirror_config *
peers_cfg(const struct peers *ps)
{
	return *ps->env.cfg;
}

/* The tables changed: have them written soon (the owner coalesces bursts). */
static void
peers_save_soon(struct peers *ps)
{
	if (ps->env.save != NULL)
		ps->env.save(ps->env.save_arg);
}

struct peer *
peers_first(struct peers *ps)
{
	return TAILQ_FIRST(&ps->list);
}

struct peer *
peers_next(struct peer *p)
{
	return TAILQ_NEXT(p, entry);
}

size_t
peers_total(const struct peers *ps)
{
	return ps->n;
}

void
peers_start_trial(struct peer *p, enum peer_trial kind)
{
	p->trial = kind;
	p->trial_rounds = 0;
	p->trial_started_ms = now_ms();
	memset(&p->trial_counts, 0, sizeof(p->trial_counts));
}

const char *
peers_state_name(enum peer_state st)
{
	return (unsigned)st <= PEER_INACTIVE ? state_names[st] : "?";
}


struct peer *
peers_find(struct peers *ps, const uint8_t *id)
{
	struct peer *p;

	TAILQ_FOREACH(p, &ps->list, entry)
		if (memcmp(p->id, id, TLS_SHA256_LEN) == 0)
			return p;
	return NULL;
}

size_t
peers_count(const struct peers *ps, enum peer_state st)
{
	const struct peer *p;
	size_t n = 0;

	TAILQ_FOREACH(p, &ps->list, entry)
		n += p->state == st;
	return n;
}

/* ---- connections ---- */

static void
pc_free(struct peer_conn *c)
{
	struct peer_req *r;

	while ((r = TAILQ_FIRST(&c->reqs)) != NULL) {
		TAILQ_REMOVE(&c->reqs, r, entry);
		free(r);
	}
	if (c->p != NULL && c->p->conn == c)
		c->p->conn = NULL;
	http_client_free(c->http);
	free(c);
}

static void
pc_closed(void *arg, const char *why)
{
	struct peer_conn *c = arg;

	if (c->p != NULL)
		log_debug(LOG_G_MIRROR, "peer %s (%s): connection closed: %s", c->p->name,
		    c->p->addr_str, why ? why : "");
	pc_free(c);
}

static void
pc_response(void *arg, const struct http_response *resp)
{
	struct peer_req *r = arg;
	struct peer_conn *c = r->c;

	TAILQ_REMOVE(&c->reqs, r, entry);
	if (resp->status != 0)
		c->p->last_ok = wall_s();
	r->cb(c->ps, c->p, resp, now_ms() - r->started_ms, r->ctxlen ? r->ctx : NULL);
	free(r);
}

static struct peer_conn *
pc_open(struct peers *ps, struct peer *p)
{
	struct bufferevent *bev;
	struct peer_conn *c;
	evutil_socket_t fd;
	int one = 1;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->ps = ps;
	c->p = p;
	TAILQ_INIT(&c->reqs);
	if ((bev = tls_bev_new(ps->env.base, -1, p->ctx, 0, NULL, NULL)) == NULL) {
		free(c);
		return NULL;
	}
	if ((c->http = http_client_new(bev, p->addr_str, PEERS_MAX_RESPONSE)) == NULL) {
		bufferevent_free(bev);
		free(c);
		return NULL;
	}
	http_client_set_close_cb(c->http, pc_closed, c);
	if (tls_bev_connect(bev, (const struct sockaddr *)&p->addr.ss, (int)p->addr.len) != 0) {
		http_client_free(c->http);
		free(c);
		return NULL;
	}
	/* Small requests on a kept connection: no Nagle delay (see resolver/mirror_client.c). */
	if ((fd = bufferevent_getfd(bev)) >= 0)
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	p->conn = c;
	return c;
}

void
peers_expire(struct peers *ps, uint64_t now)
{
	uint64_t tmo = peers_cfg(ps)->network.response_timeout_ms;
	struct http_response resp = { 0 };
	struct peer_conn *c;
	struct peer_req *r;
	struct peer *p;

	/*
	 * Our own deadline rather than bufferevent timeouts on the TLS filter: a stuck peer
	 * (connect or answer) fails its requests here, and the connection is dropped. The
	 * connection is detached first, so that callbacks asking again open a fresh one.
	 */
	resp.error = "timeout";
	TAILQ_FOREACH(p, &ps->list, entry) {
		c = p->conn;
		if (c == NULL || (r = TAILQ_FIRST(&c->reqs)) == NULL || now - r->started_ms < tmo)
			continue;
		p->conn = NULL;
		log_debug(LOG_G_MIRROR, "peer %s (%s): no answer in %" PRIu64 " ms, dropping the "
		    "connection", p->name, p->addr_str, tmo);
		while ((r = TAILQ_FIRST(&c->reqs)) != NULL) {
			TAILQ_REMOVE(&c->reqs, r, entry);
			r->cb(ps, p, &resp, now - r->started_ms, r->ctxlen ? r->ctx : NULL);
			free(r);
		}
		c->p = NULL;
		pc_free(c);
	}
}

int
peers_request(struct peers *ps, struct peer *p, const char *method, const char *target,
    const char *ctype, const void *body, size_t len, peer_cb cb, const void *ctx,
    size_t ctxlen)
{
	struct peer_req *r;

	if (p->ctx == NULL)
		return -1;
	if (p->conn == NULL && pc_open(ps, p) == NULL)
		return -1;
	if ((r = calloc(1, sizeof(*r) + ctxlen)) == NULL)
		return -1;
	r->c = p->conn;
	r->cb = cb;
	r->started_ms = now_ms();
	r->ctxlen = ctxlen;
	if (ctxlen)
		memcpy(r->ctx, ctx, ctxlen);
	TAILQ_INSERT_TAIL(&p->conn->reqs, r, entry);
	if (http_client_request(p->conn->http, method, target, ctype, body, len, pc_response,
	    r) != 0) {
		TAILQ_REMOVE(&p->conn->reqs, r, entry);
		free(r);
		/* A closed connection lingers until its close hook; start afresh next time. */
		return -1;
	}
	return 0;
}

/* ---- the table ---- */

struct peer *
peers_add(struct peers *ps, const uint8_t *id, const char *name, const struct netaddr *addr,
    const char *region, const char *ca_pem)
{
	char err[256];
	struct peer *p;

	if (ps->n >= PEERS_MAX || (p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	memcpy(p->id, id, TLS_SHA256_LEN);
	tls_hex(id, TLS_SHA256_LEN, p->idhex);
	snprintf(p->name, sizeof(p->name), "%s", name);
	snprintf(p->region, sizeof(p->region), "%s", region);
	p->addr = *addr;
	netaddr_str(addr, p->addr_str, sizeof(p->addr_str));
	if (ca_pem != NULL) {
		if ((p->ca_pem = strdup(ca_pem)) == NULL) {
			free(p);
			return NULL;
		}
		/* One context per peer: its CA may vouch for nobody else (protocol 1.3). */
		p->ctx = tls_client_ctx_new_pinned(ca_pem, strlen(ca_pem), id, err, sizeof(err));
		if (p->ctx == NULL)
			log_warnx(LOG_G_MIRROR, "peer %s (%s): unusable CA: %s", p->name, p->addr_str,
			    err);
	}
	p->state = PEER_ACTIVE;
	p->since = wall_s();
	TAILQ_INSERT_TAIL(&ps->list, p, entry);
	ps->n++;
	ps->dirty = 1;
	return p;
}

static void
peer_free(struct peer *p)
{
	if (p->conn != NULL) {
		p->conn->p = NULL;
		pc_free(p->conn);
	}
	tls_ctx_free(p->ctx);
	free(p->ca_pem);
	free(p);
}

void
peers_delete(struct peers *ps, struct peer *p)
{
	log_info(LOG_G_MIRROR, "peer %s (%s, %s) forgotten: unreachable since %" PRIu64,
	    p->name, p->addr_str, p->idhex, p->last_ok);
	TAILQ_REMOVE(&ps->list, p, entry);
	ps->n--;
	reputation_forget(ps->env.rep, p->id);
	if (ps->env.deleted != NULL)
		ps->env.deleted(ps->env.save_arg, p->id);
	peer_free(p);
	ps->dirty = 1;
	peers_save_soon(ps);
}

void
peers_set_state(struct peers *ps, struct peer *p, enum peer_state st, const char *reason)
{
	if (st == p->state && (reason == NULL || strcmp(reason, p->reason) == 0))
		return;
	if (st == PEER_INACTIVE)
		log_warnx(LOG_G_MIRROR, "peer %s (%s, %s): %s -> inactive: %s", p->name,
		    p->addr_str, p->idhex, peers_state_name(p->state), reason ? reason : "");
	else
		log_info(LOG_G_MIRROR, "peer %s (%s, %s): %s -> %s", p->name, p->addr_str,
		    p->idhex, peers_state_name(p->state), peers_state_name(st));
	p->state = st;
	snprintf(p->reason, sizeof(p->reason), "%s", st == PEER_INACTIVE && reason ? reason : "");
	p->since = wall_s();
	ps->dirty = 1;
	peers_save_soon(ps);
}

size_t
peers_pick(struct peers *ps, struct peer **out, size_t max, const uint8_t *exclude,
    const uint8_t (*skip)[TLS_SHA256_LEN], size_t nskip)
{
	struct peer *p;
	size_t n = 0, seen = 0, i, j;

	/* Reservoir sampling: a fair random choice in one pass, without a copy of the list. */
	TAILQ_FOREACH(p, &ps->list, entry) {
		if (p->state != PEER_ACTIVE || p->ctx == NULL)
			continue;
		if (exclude != NULL && memcmp(p->id, exclude, TLS_SHA256_LEN) == 0)
			continue;
		for (i = 0; i < nskip; i++)
			if (memcmp(p->id, skip[i], TLS_SHA256_LEN) == 0)
				break;
		if (i < nskip)
			continue;
		seen++;
		if (n < max) {
			out[n++] = p;
		} else if ((j = random_uniform((uint32_t)seen)) < max) {
			out[j] = p;
		}
	}
	return n;
}

/* ---- joins ---- */

static void
peers_join_sent(struct peers *ps, struct peer *to, const struct http_response *resp,
    uint64_t elapsed_ms, void *ctx)
{
	const int *own = ctx;

	(void)ps;
	(void)elapsed_ms;
	if (resp->status == 200) {
		if (*own && !to->announced)
			log_info(LOG_G_MIRROR, "join: peer %s (%s) took our join request", to->name,
			    to->addr_str);
		if (*own)
			to->announced = 1;
	} else {
		log_debug(LOG_G_MIRROR, "join: peer %s (%s) answered %d%s%s", to->name,
		    to->addr_str, resp->status, resp->error ? ": " : "",
		    resp->error ? resp->error : "");
	}
}

static void
peers_send_join(struct peers *ps, struct peer *to, struct evbuffer *body, int own)
{
	size_t len = evbuffer_get_length(body);
	const void *data = evbuffer_pullup(body, -1);

	if (data == NULL || peers_request(ps, to, "POST", "/v1/join", "application/json", data,
	    len, peers_join_sent, &own, sizeof(own)) != 0)
		log_debug(LOG_G_MIRROR, "join: cannot send to %s (%s)", to->name, to->addr_str);
}

void
peers_forward_join(struct peers *ps, struct peer *p)
{
	struct peer *to[MIRROR_MAX_FANOUT];
	struct evbuffer *b;
	size_t n, i;
	const uint8_t *self = peers_cfg(ps)->id;

	if ((b = evbuffer_new()) == NULL)
		return;
	n = peers_pick(ps, to, peers_cfg(ps)->network.fanout, p->id,
	    (const uint8_t (*)[TLS_SHA256_LEN])self, 1);
	for (i = 0; i < n; i++) {
		evbuffer_drain(b, evbuffer_get_length(b));
		join_body(b, p->idhex, p->name, &p->addr, p->region, p->ca_pem, p->hops + 1);
		peers_send_join(ps, to[i], b, 0);
	}
	log_info(LOG_G_MIRROR, "join: %s (%s) forwarded to %zu peer(s)", p->name, p->addr_str, n);
	evbuffer_free(b);
}

void
peers_announce(struct peers *ps)
{
	const struct mirror_config *c = peers_cfg(ps);
	const struct netaddr *self = c->address.len ? &c->address : ps->env.bound;
	char idhex[TLS_SHA256_HEX];
	struct evbuffer *b;
	struct peer *p;

	if (!c->network.announce)
		return;
	if ((b = evbuffer_new()) == NULL)
		return;
	TAILQ_FOREACH(p, &ps->list, entry) {
		if (!p->configured || p->announced || p->ctx == NULL || p->state != PEER_ACTIVE)
			continue;
		evbuffer_drain(b, evbuffer_get_length(b));
		join_body(b, tls_hex(c->id, TLS_SHA256_LEN, idhex), c->name, self, c->region, c->ca_pem, 0);
		peers_send_join(ps, p, b, 1);
	}
	evbuffer_free(b);
}

/* A known id joined again: readmission for an inactive one, nothing for the others. */
static void
peers_join_known(struct peers *ps, struct peer *p, const struct join_req *j,
    struct peers_join_result *res)
{
	if (!netaddr_equal(&p->addr, &j->addr))
		log_info(LOG_G_MIRROR, "join: %s rejoined from %s but is known at %s; kept the "
		    "known address", p->idhex, netaddr_str(&j->addr, res->detail,
		    sizeof(res->detail)), p->addr_str);
	if (p->state == PEER_INACTIVE && p->trial == TRIAL_NONE) {
		log_info(LOG_G_MIRROR, "join: inactive peer %s (%s) asks for readmission: retesting",
		    p->name, p->addr_str);
		peers_start_trial(p, TRIAL_RETEST);
	}
	res->state = peers_state_name(p->state);
}

/* A mirror we did not know becomes a candidate under test; 0, or -1 with res set. */
static int
peers_admit(struct peers *ps, const struct join_req *j, struct peers_join_result *res)
{
	const struct mirror_network *net = &peers_cfg(ps)->network;
	struct peer *p;

	/* Joins make us connect out: not to private networks unless the operator says so. */
	if (!net->allow_private && !observe_addr_is_public(&j->addr)) {
		res->http = 403;
		res->error = "address-not-allowed";
		snprintf(res->detail, sizeof(res->detail), "private and special-purpose addresses "
		    "cannot join");
		return -1;
	}
	if (peers_count(ps, PEER_CANDIDATE) >= net->max_candidates || ps->n >= PEERS_MAX ||
	    (p = peers_add(ps, j->id, j->name, &j->addr, j->region, j->ca_pem)) == NULL) {
		res->http = 503;
		res->error = "busy";
		snprintf(res->detail, sizeof(res->detail), "too many candidates under test");
		return -1;
	}
	p->state = PEER_CANDIDATE;
	p->hops = (unsigned)j->hops;
	log_info(LOG_G_MIRROR, "join: candidate %s (%s, region %s, %s), %u hop(s)", p->name,
	    p->addr_str, p->region, p->idhex, p->hops);
	peers_start_trial(p, TRIAL_JOIN);
	return 0;
}

void
peers_join(struct peers *ps, const void *body, size_t len, const struct netaddr *client,
    struct peers_join_result *res)
{
	struct join_req j;
	struct peer *p;

	memset(&j, 0, sizeof(j));
	memset(res, 0, sizeof(*res));
	res->http = 200;
	if (!peers_admission(ps, client, &res->http, &res->error, res->detail,
	    sizeof(res->detail)))
		return;
	if (join_parse(body, len, &j, res->detail, sizeof(res->detail)) != 0) {
		res->http = 400;
		res->error = "bad-join";
		goto out;
	}
	if (memcmp(j.id, peers_cfg(ps)->id, TLS_SHA256_LEN) == 0) {
		res->state = "self";
		goto out;
	}
	if ((p = peers_find(ps, j.id)) != NULL) {
		peers_join_known(ps, p, &j, res);
		goto out;
	}
	if (peers_admit(ps, &j, res) != 0)
		goto out;
	/* First-hand joins go out at once; second-hand ones only once they pass here. */
	if (j.hops == 0)
		peers_forward_join(ps, peers_find(ps, j.id));
	res->state = "candidate";
	peers_save_soon(ps);
out:
	join_req_free(&j);
}

int
peers_admission(struct peers *ps, const struct netaddr *client, int *http, const char **error,
    char *detail, size_t dlen)
{
	if (peers_rate_ok(ps, client, now_ms()))
		return 1;
	*http = 429;
	*error = "too-many-requests";
	snprintf(detail, dlen, "at most %u per minute per address",
	    peers_cfg(ps)->network.joins_per_minute);
	return 0;
}

int
peers_rate_ok(struct peers *ps, const struct netaddr *client, uint64_t now)
{
	return ratelimit_ok(ps->rate, client, peers_cfg(ps)->network.joins_per_minute, now);
}

/* ---- anti-entropy ---- */

/*
 * A join is forwarded once, to a few random peers: such gossip leaves a few percent of a
 * large network unreached (about e^-fanout). So every few intervals each mirror also pulls
 * one random active peer's /v1/mirrors, and an active mirror it did not know is taken as
 * a second-hand join: a candidate it tests itself, as ever. Nothing listed is trusted as
 * is: the PEM must hash to the id, and admission is by this mirror's own tests.
 */
static void
peers_synced(struct peers *ps, struct peer *from, const struct http_response *resp,
    uint64_t elapsed_ms, void *ctx)
{
	struct yconf y;
	yaml_node_t *root, *list, *item, *v;
	size_t learned = 0;

	(void)elapsed_ms;
	(void)ctx;
	if (resp->status != 200)
		return;
	memset(&y, 0, sizeof(y));
	/* A peer's list fits PEERS_MAX_RESPONSE: ~60 entries of ~35 nodes; see yconf.h. */
	y.max_nodes = PEERS_SYNC_MAX_NODES;
	y.max_keys = JOIN_MAX_KEYS;
	if (yconf_load_buffer(&y, "mirrors", resp->body, resp->body_len) != 0 ||
	    (root = yconf_root(&y)) == NULL ||
	    (list = yconf_get(&y, root, "mirrors")) == NULL || list->type != YAML_SEQUENCE_NODE) {
		log_debug(LOG_G_MIRROR, "sync: unusable /v1/mirrors from %s", from->name);
		goto out;
	}
	YCONF_SEQ_FOREACH(&y, list, item)
	{
		struct join_req j;
		struct peers_join_result res;
		const char *st;

		if ((v = yconf_get(&y, item, "state")) == NULL ||
		    (st = yconf_scalar(&y, v, "state")) == NULL ||
		    (strcmp(st, "active") != 0 && strcmp(st, "self") != 0))
			continue;
		memset(&j, 0, sizeof(j));
		memset(&res, 0, sizeof(res));
		if (join_parse_fields(&y, item, &j) == 0 &&
		    memcmp(j.id, peers_cfg(ps)->id, TLS_SHA256_LEN) != 0 &&
		    peers_find(ps, j.id) == NULL) {
			j.hops = from->hops + 1;
			if (peers_admit(ps, &j, &res) == 0)
				learned++;
		}
		join_req_free(&j);
		y.err[0] = '\0'; /* one bad entry must not hide the others */
	}
	if (learned) {
		log_info(LOG_G_MIRROR, "sync: %zu mirror(s) learned from %s", learned, from->name);
		peers_save_soon(ps);
	}
out:
	yconf_free(&y);
}

void
peers_sync(struct peers *ps)
{
	struct peer *to;

	if (peers_pick(ps, &to, 1, NULL, NULL, 0) == 1 &&
	    peers_request(ps, to, "GET", "/v1/mirrors", NULL, NULL, 0, peers_synced, NULL, 0) != 0)
		log_debug(LOG_G_MIRROR, "sync: cannot ask %s", to->name);
}

/* ---- persistence ---- */

static int
peers_load_entry(struct yconf *y, struct peers *ps, const yaml_node_t *node)
{
	struct peerfile_row r;
	struct peer *p;
	int rc = -1;

	memset(&r, 0, sizeof(r));
	r.st = PEER_ACTIVE;
	if (peerfile_row_parse(y, node, state_names, &r) != 0)
		goto out;
	/* A configured peer keeps its configured entry; only its state comes from the file. */
	if ((p = peers_find(ps, r.id)) == NULL) {
		if (r.pem == NULL) {
			rc = 0;		/* a configured peer no longer configured, known by pin only */
			goto out;
		}
		if ((p = peers_add(ps, r.id, r.name, &r.addr, r.region, r.pem)) == NULL) {
			yconf_error(y, node, "too many peers");
			goto out;
		}
	}
	p->state = (enum peer_state)r.st;
	snprintf(p->reason, sizeof(p->reason), "%s", r.reason ? r.reason : "");
	p->since = r.since;
	p->last_ok = r.last_ok;
	p->hops = (unsigned)r.hops;
	p->forwarded = r.fwd;
	rc = 0;
out:
	peerfile_row_free(&r);
	return rc;
}

static int
peers_load_item(struct yconf *y, const yaml_node_t *item, void *arg)
{
	return peers_load_entry(y, arg, item);
}

static int
peers_load(struct peers *ps, char *err, size_t errlen)
{
	static const char *const keys[] = { "version", "peers", NULL };
	char *path = statefile_path(peers_cfg(ps)->state_dir, PEERS_FILE);
	int rc;

	if (path == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rc = statefile_load_list(path, keys, "peers", peers_load_item, ps, err, errlen);
	free(path);
	return rc;
}

int
peers_dirty(const struct peers *ps)
{
	return ps->dirty;
}

int
peers_save(struct peers *ps)
{
	struct evbuffer *b = evbuffer_new();
	char ip[NETADDR_STRLEN];
	struct peer *p;
	int rc, first = 1;

	if (b == NULL)
		return -1;
	evbuffer_add_printf(b, "{\"version\":1,\"peers\":[");
	TAILQ_FOREACH(p, &ps->list, entry) {
		evbuffer_add_printf(b, "%s\n{", first ? "" : ",");
		first = 0;
		json_kv_str(b, 1, "id", p->idhex);
		json_kv_str(b, 0, "name", p->name);
		netaddr_str(&p->addr, ip, sizeof(ip));
		json_kv_str(b, 0, "address", ip);
		json_kv_str(b, 0, "region", p->region);
		json_kv_str(b, 0, "ca_pem", p->ca_pem);
		json_kv_str(b, 0, "state", peers_state_name(p->state));
		json_kv_str(b, 0, "reason", p->reason);
		json_kv_u64(b, 0, "since", p->since);
		json_kv_u64(b, 0, "last_ok", p->last_ok);
		json_kv_u64(b, 0, "hops", p->hops);
		evbuffer_add_printf(b, ",\"configured\":%s,\"forwarded\":%s}",
		    p->configured ? "true" : "false", p->forwarded ? "true" : "false");
	}
	evbuffer_add_printf(b, "\n]}\n");
	if ((rc = statefile_write(peers_cfg(ps)->state_dir, PEERS_FILE, b)) == 0)
		ps->dirty = 0;
	evbuffer_free(b);
	return rc;
}

void
peers_reconfigure(struct peers *ps)
{
	const struct mirror_config *c = peers_cfg(ps);
	struct peer *p;
	size_t i;

	for (i = 0; i < c->n_peers; i++) {
		const struct mirror_peer *mp = &c->peers[i];

		if ((p = peers_find(ps, mp->ca_sha256)) != NULL) {
			p->configured = 1;
			continue;
		}
		if ((p = peers_add(ps, mp->ca_sha256, mp->name, &mp->addr, mp->region,
		    mp->ca_pem)) != NULL)
			p->configured = 1;
	}
}

struct peers *
peers_new(const struct peers_env *env, char *err, size_t errlen)
{
	struct peers *ps = calloc(1, sizeof(*ps));

	if (ps == NULL || (ps->rate = ratelimit_new()) == NULL) {
		free(ps);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	ps->env = *env;
	TAILQ_INIT(&ps->list);
	peers_reconfigure(ps);
	if (peers_load(ps, err, errlen) != 0) {
		peers_free(ps);
		return NULL;
	}
	ps->dirty = 0;
	return ps;
}

void
peers_free(struct peers *ps)
{
	struct peer *p;

	if (ps == NULL)
		return;
	while ((p = TAILQ_FIRST(&ps->list)) != NULL) {
		TAILQ_REMOVE(&ps->list, p, entry);
		peer_free(p);
	}
	ratelimit_free(ps->rate);
	free(ps);
}
