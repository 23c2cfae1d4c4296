/* mirror/routes.c - the protocol's endpoints (doc/mirror-protocol.md), for HTTP/1.1 and HTTP/2 alike. */
#include "autoconf.h"

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include "audit.h"
#include "dnswire.h"
#include "doh.h"
#include "guard.h"
#include "json.h"
#include "log.h"
#include "join.h"
#include "observe.h"
#include "peers.h"
#include "pending.h"
#include "reports.h"
#include "replica.h"
#include "reply.h"
#include "reputation.h"
#include "request.h"
#include "resolve.h"
#include "routes.h"
#include "vutil.h"

#define CT_DNS "application/dns-message"
#define CT_JSON "application/json"
/* base64url of ROUTES_MAX_DNS bytes, unpadded. */
#define ROUTES_MAX_B64 87380

struct routes {
	struct routes_env env;
	struct pending_list *pending;		/* requests waiting for DNS or a notary job */
	struct doh *doh;			/* /dns-query's questions */
	char id_hex[TLS_SHA256_HEX];
	char mirror_header[160];		/* X-Vantage-Mirror value */
};

static const struct mirror_config *
routes_cfg(const struct routes *rt)
{
	return *rt->env.cfg;
}

/* Every error is {"error":"code","detail":"text"} with the status it goes with. */
static void
routes_error(struct routes *rt, struct request *req, int code, const char *error,
    const char *detail)
{
	reply_error(req, rt->mirror_header, code, error, detail);
}

void
routes_fail(struct routes *rt, struct request *req, int code, const char *error,
    const char *detail)
{
	routes_error(rt, req, code, error, detail);
}

static void
routes_json(struct routes *rt, struct request *req, struct evbuffer *b)
{
	reply_json(req, rt->mirror_header, b);
}

int
routes_content_type_is(const char *value, const char *type)
{
	size_t n = strlen(type);

	if (value == NULL)
		return 0;
	value += strspn(value, " \t");
	if (strncasecmp(value, type, n) != 0)
		return 0;
	value += n;
	value += strspn(value, " \t");
	return *value == '\0' || *value == ';';
}

long
routes_dns_param(const char *query, uint8_t *out, size_t cap, const char **why)
{
	const char *p = query, *val = NULL, *amp;
	size_t vlen = 0;
	long n;

	/*
	 * Walk the raw query ourselves: base64url needs no percent-decoding, and a repeated
	 * dns= (which evhttp's parser would silently pick one of) is an error, not a choice.
	 */
	while (p != NULL && *p != '\0') {
		amp = strchr(p, '&');
		if (strncmp(p, "dns=", 4) == 0) {
			if (val != NULL) {
				*why = "dns given twice";
				return -1;
			}
			val = p + 4;
			vlen = amp ? (size_t)(amp - val) : strlen(val);
		}
		p = amp ? amp + 1 : NULL;
	}
	if (val == NULL || vlen == 0) {
		*why = "missing dns parameter";
		return -1;
	}
	if (vlen > ROUTES_MAX_B64) {
		*why = "dns parameter too long";
		return -1;
	}
	if ((n = base64url_decode(val, vlen, out, cap)) < 0) {
		*why = "dns is not base64url";
		return -1;
	}
	return n;
}

static void
routes_dns_get(struct routes *rt, struct request *req, const char *query)
{
	const char *why;
	uint8_t *msg;
	long n;

	if ((msg = malloc(ROUTES_MAX_DNS)) == NULL) {
		routes_error(rt, req, 500, "internal", "out of memory");
		return;
	}
	if ((n = routes_dns_param(query, msg, ROUTES_MAX_DNS, &why)) < 0)
		routes_error(rt, req, 400, "bad-request", why);
	else if (n > ROUTES_MAX_QUERY)
		routes_error(rt, req, 414, "too-large", "a DNS query is at most 4096 bytes");
	else
		doh_query(rt->doh, req, msg, (size_t)n);
	free(msg);
}

static void
routes_dns_post(struct routes *rt, struct request *req, const char *query)
{
	(void)query;
	size_t len = req->body_len;

	if (!routes_content_type_is(req->content_type, CT_DNS)) {
		routes_error(rt, req, 415, "unsupported-media-type",
		    "POST /dns-query takes Content-Type: application/dns-message");
		return;
	}
	if (len == 0) {
		routes_error(rt, req, 400, "bad-request", "empty body");
		return;
	}
	if (len > ROUTES_MAX_QUERY) {
		routes_error(rt, req, 413, "too-large", "a DNS query is at most 4096 bytes");
		return;
	}
	doh_query(rt->doh, req, req->body, len);
}

/* One entry of /v1/mirrors; p is NULL for this mirror itself. */
static void
routes_mirror_entry(struct routes *rt, struct evbuffer *b, int first, const char *name,
    const struct netaddr *addr, const char *region, const uint8_t *id, const char *state,
    const char *ca_pem, const struct peer *p)
{
	const struct report_tally *t = reports_find(rt->env.reports, id);
	const struct rep *r = p ? reputation_find(rt->env.rep, id) : NULL;
	char hex[TLS_SHA256_HEX];
	int i;

	evbuffer_add_printf(b, "%s{", first ? "" : ",");
	join_json_identity(b, 1, tls_hex(id, TLS_SHA256_LEN, hex), name, addr, region);
	json_kv_str(b, 0, "state", state);
	json_kv_str(b, 0, "ca_pem", ca_pem);
	evbuffer_add_printf(b, ",\"reports\":{");
	for (i = 0; i < REPORT_NOUTCOMES; i++)
		json_kv_u64(b, i == 0, report_outcome_name((enum report_outcome)i),
		    t ? t->counts[i] : 0);
	evbuffer_add(b, "}", 1);
	if (p != NULL) {
		/* Protocol 1.1 additions; local and advisory like the report tallies. */
		json_kv_str(b, 0, "reason", p->reason[0] ? p->reason : NULL);
		json_kv_u64(b, 0, "since", p->since);
		evbuffer_add_printf(b, ",\"reputation\":{");
		json_kv_u64(b, 1, "agree", r ? r->agree : 0);
		json_kv_u64(b, 0, "dissent", r ? r->dissent : 0);
		json_kv_u64(b, 0, "timeout", r ? r->timeout : 0);
		json_kv_u64(b, 0, "ping_ms", r ? r->ping_ms : 0);
		json_kv_u64(b, 0, "response_ms", r ? r->response_ms : 0);
		evbuffer_add(b, "}", 1);
	}
	evbuffer_add(b, "}", 1);
}

/*
 * GET /v1/mirrors, or with ?id=HEX only the entries with that id (protocol 3.2, since 1.1):
 * a client fetching one CA needs one entry, and a list of thousands would cost it more than
 * it reads from an unauthenticated peer (issue 12). Returns -1 after answering 400.
 */
static int
routes_mirrors_filter(struct routes *rt, struct request *req, const char *query,
    uint8_t *id, int *filtered)
{
	struct evkeyvalq params;
	const char *v;
	int rc = 0;

	*filtered = 0;
	if (query == NULL)
		return 0;
	TAILQ_INIT(&params);
	if (evhttp_parse_query_str(query, &params) == 0 &&
	    (v = evhttp_find_header(&params, "id")) != NULL) {
		if (tls_unhex(v, id, TLS_SHA256_LEN) == 0) {
			*filtered = 1;
		} else {
			routes_error(rt, req, 400, "bad-request", "id: 64 hex digits are required");
			rc = -1;
		}
	}
	evhttp_clear_headers(&params);
	return rc;
}

static void
routes_mirrors(struct routes *rt, struct request *req, const char *query)
{
	const struct mirror_config *c = routes_cfg(rt);
	const struct netaddr *self = c->address.len ? &c->address : rt->env.bound;
	struct peer *p;
	uint8_t id[TLS_SHA256_LEN];
	struct evbuffer *b;
	int filtered, first = 1;

	if (routes_mirrors_filter(rt, req, query, id, &filtered) != 0)
		return;
	if ((b = evbuffer_new()) == NULL) {
		routes_error(rt, req, 500, "internal", "out of memory");
		return;
	}
	evbuffer_add_printf(b, "{\"version\":1,\"mirrors\":[");
	if (!filtered || memcmp(id, c->id, TLS_SHA256_LEN) == 0) {
		routes_mirror_entry(rt, b, 1, c->name, self, c->region, c->id, "self", c->ca_pem,
		    NULL);
		first = 0;
	}
	for (p = peers_first(rt->env.peers); p != NULL; p = peers_next(p)) {
		if (filtered && memcmp(id, p->id, TLS_SHA256_LEN) != 0)
			continue;
		routes_mirror_entry(rt, b, first, p->name, &p->addr, p->region, p->id,
		    peers_state_name(p->state), p->ca_pem, p);
		first = 0;
	}
	evbuffer_add_printf(b, "]}\n");
	routes_json(rt, req, b);
	evbuffer_free(b);
}

/* What the guard did against greedy and slow clients (since 1.1, additive). */
static void
routes_health_guard(struct routes *rt, struct evbuffer *b)
{
	const struct guard_stats *g = guard_stats(rt->env.guard);

	evbuffer_add_printf(b, ",\"guard\":{\"refused\":%llu,\"handshake_timeouts\":%llu,"
	    "\"header_timeouts\":%llu,\"body_timeouts\":%llu}", (unsigned long long)g->refused,
	    (unsigned long long)g->handshake_timeouts, (unsigned long long)g->header_timeouts,
	    (unsigned long long)g->body_timeouts);
}

static void
routes_health(struct routes *rt, struct request *req, const char *query)
{
	(void)query;
	struct evbuffer *b = evbuffer_new();

	if (b == NULL) {
		routes_error(rt, req, 500, "internal", "out of memory");
		return;
	}
	evbuffer_add(b, "{", 1);
	json_kv_str(b, 1, "status", "ok");
	json_kv_str(b, 0, "version", PACKAGE_VERSION);
	json_kv_u64(b, 0, "protocol", 1);
	json_kv_str(b, 0, "id", rt->id_hex);
	json_kv_str(b, 0, "name", routes_cfg(rt)->name);
	json_kv_str(b, 0, "region", routes_cfg(rt)->region);
	json_kv_u64(b, 0, "uptime", (now_ms() - rt->env.st->started_ms) / 1000);
	json_kv_u64(b, 0, "connections", rt->env.st->open);
	json_kv_u64(b, 0, "accepted", rt->env.st->connections);
	json_kv_u64(b, 0, "dns_queries", rt->env.st->dns_queries);
	json_kv_u64(b, 0, "reports", rt->env.st->reports);
	routes_health_guard(rt, b);
	audit_health_json(rt->env.audit, b);
	replica_health_json(rt->env.replica, b);
	evbuffer_add(b, "}\n", 2);
	routes_json(rt, req, b);
	evbuffer_free(b);
}

static void
routes_report(struct routes *rt, struct request *req, const char *query)
{
	(void)query;
	struct evbuffer *b;
	size_t len = req->body_len, n;
	struct report *rep;
	char err[512];
	const void *body;

	if (!routes_content_type_is(req->content_type, CT_JSON)) {
		routes_error(rt, req, 415, "unsupported-media-type",
		    "POST /v1/report takes Content-Type: application/json");
		return;
	}
	if ((rep = malloc(sizeof(*rep))) == NULL || (b = evbuffer_new()) == NULL) {
		free(rep);
		routes_error(rt, req, 500, "internal", "out of memory");
		return;
	}
	body = len ? (const void *)req->body : (const void *)"";
	if (report_parse(body, len, rep, err, sizeof(err)) != 0) {
		routes_error(rt, req, 400, "bad-report", err);
	} else {
		n = reports_record(rt->env.reports, rep, wall_s());
		audit_report_hint(rt->env.audit, rep);
		rt->env.st->reports++;
		if (rt->env.save != NULL)
			rt->env.save(rt->env.save_arg);
		evbuffer_add(b, "{", 1);
		json_kv_u64(b, 1, "accepted", n);
		evbuffer_add(b, "}\n", 2);
		routes_json(rt, req, b);
	}
	evbuffer_free(b);
	free(rep);
}

/* The client's address (for per-source limits). 0, or -1 when the transport has none. */
static int
routes_client(struct request *req, struct netaddr *client)
{
	if (!req->has_client)
		return -1;
	*client = req->client;
	return 0;
}

/*
 * The JSON body of a network POST: Content-Type checked, pulled up, with the client's
 * address. Returns the body (len in *len), or NULL after answering the error.
 */
static const void *
routes_json_body(struct routes *rt, struct request *req, const char *what, size_t *len,
    struct netaddr *client)
{
	const void *body;
	char detail[96];

	if (!routes_content_type_is(req->content_type, CT_JSON)) {
		snprintf(detail, sizeof(detail), "POST %s takes Content-Type: application/json",
		    what);
		routes_error(rt, req, 415, "unsupported-media-type", detail);
		return NULL;
	}
	if (routes_client(req, client) != 0) {
		routes_error(rt, req, 500, "internal", "no client address");
		return NULL;
	}
	*len = req->body_len;
	body = *len ? (const void *)req->body : (const void *)"";
	return body;
}

/*
 * A network POST's outcome: its error (with Retry-After: 60 for 429 and 503: the budgets
 * refill by the minute), or {key: status}.
 */
static void
routes_post_answer(struct routes *rt, struct request *req, int http, const char *error,
    const char *detail, const char *key, const char *status)
{
	struct evbuffer *b;

	if (http != 200) {
		if (http == 429 || http == 503)
			request_header(req, "Retry-After", "60");
		routes_error(rt, req, http, error, detail);
		return;
	}
	if ((b = evbuffer_new()) == NULL) {
		routes_error(rt, req, 500, "internal", "out of memory");
		return;
	}
	evbuffer_add(b, "{", 1);
	json_kv_str(b, 1, key, status);
	evbuffer_add(b, "}\n", 2);
	routes_json(rt, req, b);
	evbuffer_free(b);
}

/* POST /v1/join: a mirror asks to join; it becomes a candidate (protocol 5.2). */
static void
routes_join(struct routes *rt, struct request *req, const char *query)
{
	(void)query;
	struct peers_join_result res;
	struct netaddr client;
	const void *body;
	size_t len;

	if ((body = routes_json_body(rt, req, "/v1/join", &len, &client)) == NULL)
		return;
	peers_join(rt->env.peers, body, len, &client, &res);
	routes_post_answer(rt, req, res.http, res.error, res.detail, "state", res.state);
}

/* POST /v1/remove and /v1/notice share their shape: a request, a status. */
static void
routes_audit_post(struct routes *rt, struct request *req, int notice)
{
	struct audit_result res;
	struct netaddr client;
	const void *body;
	size_t len;

	if ((body = routes_json_body(rt, req, notice ? "/v1/notice" : "/v1/remove", &len,
	    &client)) == NULL)
		return;
	audit_post(rt->env.audit, notice, body, len, &client, &res);
	routes_post_answer(rt, req, res.http, res.error, res.detail, notice ? "notice" : "audit",
	    res.status);
}

/* GET /v1/audit?id=: our vote on a mirror, pulled by whoever runs a vote. */
static void
routes_remove(struct routes *rt, struct request *req, const char *query)
{
	(void)query;
	routes_audit_post(rt, req, 0);
}

static void
routes_notice(struct routes *rt, struct request *req, const char *query)
{
	(void)query;
	routes_audit_post(rt, req, 1);
}

static void
routes_audit_get(struct routes *rt, struct request *req, const char *query)
{
	struct evkeyvalq params;
	uint8_t id[TLS_SHA256_LEN];
	struct evbuffer *b;
	const char *v;

	TAILQ_INIT(&params);
	if (query == NULL || evhttp_parse_query_str(query, &params) != 0 ||
	    (v = evhttp_find_header(&params, "id")) == NULL || tls_unhex(v, id, sizeof(id)) != 0) {
		routes_error(rt, req, 400, "bad-request", "id: 64 hex digits are required");
		goto out;
	}
	if ((b = evbuffer_new()) == NULL) {
		routes_error(rt, req, 500, "internal", "out of memory");
		goto out;
	}
	audit_vote_json(rt->env.audit, id, b);
	routes_json(rt, req, b);
	evbuffer_free(b);
out:
	evhttp_clear_headers(&params);
}

static void
routes_observe_done(void *arg, const struct observe_result *res)
{
	struct pending *p = arg;
	struct routes *rt = p->arg;
	char name[sizeof(p->name)], ip[sizeof(p->ip)], hex[TLS_SHA256_HEX];
	uint16_t port = p->port;
	struct request *req;
	struct evbuffer *b;
	size_t i;

	memcpy(name, p->name, sizeof(name));
	memcpy(ip, p->ip, sizeof(ip));
	p->oj = NULL;
	req = pending_take(p);
	if (res->http != 200) {
		routes_error(rt, req, res->http, res->error, res->detail);
		return;
	}
	if ((b = evbuffer_new()) == NULL) {
		routes_error(rt, req, 500, "internal", "out of memory");
		return;
	}
	evbuffer_add(b, "{", 1);
	json_kv_str(b, 1, "name", name);
	json_kv_str(b, 0, "ip", ip);
	json_kv_u64(b, 0, "port", port);
	json_kv_str(b, 0, "tls_version", res->version);
	json_kv_u64(b, 0, "observed_at", wall_s());
	json_kv_u64(b, 0, "elapsed_ms", res->elapsed_ms);
	evbuffer_add_printf(b, ",\"chain\":[");
	for (i = 0; i < res->n_chain; i++) {
		evbuffer_add_printf(b, "%s{", i ? "," : "");
		json_kv_str(b, 1, "sha256", tls_hex(res->chain[i], TLS_SHA256_LEN, hex));
		evbuffer_add(b, "}", 1);
	}
	evbuffer_add_printf(b, "]}\n");
	routes_json(rt, req, b);
	evbuffer_free(b);
}

/*
 * The target of GET /v1/observe from its parameters: a host name, a bare address and a
 * port this mirror observes, public unless allowed otherwise. 0, or -1 after answering.
 */
static int
routes_observe_target(struct routes *rt, struct request *req, const char *name,
    const char *ip, const char *port, struct netaddr *target)
{
	const struct mirror_observe *ob = &routes_cfg(rt)->observe;
	unsigned long pn = 443;
	char *end;

	if (name == NULL || !observe_name_ok(name)) {
		routes_error(rt, req, 400, "bad-request", "name: a host name is required");
		return -1;
	}
	/* A bare address: a port belongs in port=, and "[v6]:port" forms are refused. */
	if (ip == NULL || strchr(ip, '[') != NULL || netaddr_parse(ip, 0, target) != 0 ||
	    netaddr_port(target) != 0) {
		routes_error(rt, req, 400, "bad-request", "ip: a numeric IPv4 or IPv6 address is required");
		return -1;
	}
	if (port != NULL && (pn = strtoul(port, &end, 10), *port < '0' || *port > '9' ||
	    *end != '\0' || pn == 0 || pn > 65535)) {
		routes_error(rt, req, 400, "bad-request", "port: 1..65535");
		return -1;
	}
	if (!mirror_observe_port_allowed(ob, (uint16_t)pn)) {
		routes_error(rt, req, 403, "port-not-allowed",
		    "this mirror observes only its configured TLS ports");
		return -1;
	}
	netaddr_set_port(target, (uint16_t)pn);
	if (!ob->allow_private && !observe_addr_is_public(target)) {
		routes_error(rt, req, 403, "address-not-allowed",
		    "private, loopback and special-purpose addresses are not observed");
		return -1;
	}
	return 0;
}

/* Start the observation for p; on refusal p is freed and the request answered. */
static void
routes_observe_start(struct routes *rt, struct pending *p, const struct netaddr *client,
    const char *name, const struct netaddr *target)
{
	struct request *req = p->req;

	switch (observe_start(rt->env.observe, client, name, target, &routes_cfg(rt)->observe,
	    routes_observe_done, p, &p->oj)) {
	case OBSERVE_STARTED:
		rt->env.st->observes++;
		break;
	case OBSERVE_BUSY_CLIENT:
		pending_free(p);
		request_header(req, "Retry-After", "1");
		routes_error(rt, req, 429, "too-many-requests", "too many observations in flight for this client");
		break;
	case OBSERVE_BUSY:
		pending_free(p);
		request_header(req, "Retry-After", "1");
		routes_error(rt, req, 503, "busy", "too many observations in progress");
		break;
	default:
		pending_free(p);
		routes_error(rt, req, 500, "internal", "cannot start the observation");
		break;
	}
}

static void
routes_observe(struct routes *rt, struct request *req, const char *query)
{
	struct evkeyvalq params;
	const char *name;
	struct netaddr target, client;
	struct pending *p;

	TAILQ_INIT(&params);
	if (query == NULL || evhttp_parse_query_str(query, &params) != 0) {
		routes_error(rt, req, 400, "bad-request", "cannot parse the query string");
		goto out;
	}
	name = evhttp_find_header(&params, "name");
	if (routes_observe_target(rt, req, name, evhttp_find_header(&params, "ip"),
	    evhttp_find_header(&params, "port"), &target) != 0)
		goto out;
	if (routes_client(req, &client) != 0) {
		routes_error(rt, req, 500, "internal", "no client address");
		goto out;
	}
	if ((p = pending_wait(rt->pending, req, 0, rt->mirror_header)) == NULL)
		goto out;
	p->arg = rt;
	snprintf(p->name, sizeof(p->name), "%s", name);
	netaddr_ip_str(&target, p->ip, sizeof(p->ip));
	p->port = netaddr_port(&target);
	routes_observe_start(rt, p, &client, name, &target);
out:
	evhttp_clear_headers(&params);
}

void
routes_cancel_all(struct routes *rt)
{
	struct pending *p;

	while ((p = pending_first(rt->pending)) != NULL) {
		if (p->rw != NULL)
			resolve_cancel(p->rw);
		if (p->oj != NULL)
			observe_cancel(p->oj);
		routes_error(rt, pending_take(p), 503, "shutting-down",
		    "the mirror is stopping");
	}
}

static void
routes_method(struct routes *rt, struct request *req, const char *allow)
{
	request_header(req, "Allow", allow);
	routes_error(rt, req, 405, "method-not-allowed", allow);
}

/* The endpoints of protocol v1/v1.1: one row each, the handler per method. */
typedef void (*route_fn)(struct routes *rt, struct request *req, const char *query);
static const struct route {
	const char *path;
	const char *allow;	/* the Allow header of a 405 */
	route_fn get, post;
} routes[] = {
	{ "/dns-query", "GET, POST", routes_dns_get, routes_dns_post },
	{ "/v1/mirrors", "GET", routes_mirrors, NULL },
	{ "/v1/health", "GET", routes_health, NULL },
	{ "/v1/report", "POST", NULL, routes_report },
	{ "/v1/join", "POST", NULL, routes_join },
	{ "/v1/remove", "POST", NULL, routes_remove },
	{ "/v1/notice", "POST", NULL, routes_notice },
	{ "/v1/audit", "GET", routes_audit_get, NULL },
	{ "/v1/observe", "GET", routes_observe, NULL },
};

void
routes_handle(struct routes *rt, struct request *req)
{
	rt->env.st->requests++;
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		const struct route *r = &routes[i];
		if (strcmp(req->path, r->path) != 0)
			continue;
		if (req->method == REQUEST_GET && r->get)
			r->get(rt, req, req->query);
		else if (req->method == REQUEST_POST && r->post)
			r->post(rt, req, req->query);
		else
			routes_method(rt, req, r->allow);
		return;
	}
	routes_error(rt, req, 404, "not-found", "no such endpoint in protocol v1");
}

/* The identity every answer carries, from the configuration (again after a reload). */
void
routes_reconfigure(struct routes *rt)
{
	const struct mirror_config *c = routes_cfg(rt);

	tls_hex(c->id, TLS_SHA256_LEN, rt->id_hex);
	snprintf(rt->mirror_header, sizeof(rt->mirror_header), "%s; region=%s", rt->id_hex,
	    c->region);
}

struct routes *
routes_new(const struct routes_env *env)
{
	struct routes *rt = calloc(1, sizeof(*rt));
	struct doh_env de;

	if (rt == NULL)
		return NULL;
	rt->env = *env;
	if ((rt->pending = pending_list_new(ROUTES_PENDING_PER_CLIENT, ROUTES_PENDING_MAX)) ==
	    NULL) {
		free(rt);
		return NULL;
	}
	routes_reconfigure(rt);
	de = (struct doh_env){ rt->mirror_header, &env->st->dns_queries, env->resolve,
		env->audit, rt->pending };
	if ((rt->doh = doh_new(&de)) == NULL) {
		routes_free(rt);
		return NULL;
	}
	return rt;
}

void
routes_free(struct routes *rt)
{
	if (rt == NULL)
		return;
	routes_cancel_all(rt);
	doh_free(rt->doh);
	pending_list_free(rt->pending);
	free(rt);
}
