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
#include "guard.h"
#include "json.h"
#include "log.h"
#include "observe.h"
#include "peers.h"
#include "reports.h"
#include "reputation.h"
#include "request.h"
#include "routes.h"
#include "server.h"
#include "vutil.h"

#define CT_DNS "application/dns-message"
#define CT_JSON "application/json"
/* base64url of ROUTES_MAX_DNS bytes, unpadded. */
#define ROUTES_MAX_B64 87380

/* A request answered later: by the resolver or by the notary. */
struct pending {
	TAILQ_ENTRY(pending) entry;
	struct server *s;
	struct request *req;
	struct resolve_wait *rw;
	struct observe_job *oj;
	char name[256];
	char ip[NETADDR_STRLEN];
	uint16_t port;
	struct dnsq q;
	uint8_t key[9];		/* the client: routes_client_key */
	size_t len;
	uint8_t msg[];		/* the client's query, for the answer's header and question */
};

static void
routes_reply(struct server *s, struct request *req, int code, const char *ctype,
    struct evbuffer *body)
{
	request_header(req, "Content-Type", ctype);
	request_header(req, "X-Vantage-Mirror", s->mirror_header);
	request_reply(req, code, body);
}

/* Every error is {"error":"code","detail":"text"} with the status it goes with. */
static void
routes_error(struct server *s, struct request *req, int code, const char *error,
    const char *detail)
{
	struct evbuffer *b = evbuffer_new();

	if (b == NULL) {
		request_reply(req, 500, NULL);
		return;
	}
	evbuffer_add(b, "{", 1);
	json_kv_str(b, 1, "error", error);
	json_kv_str(b, 0, "detail", detail);
	evbuffer_add(b, "}\n", 2);
	request_header(req, "Cache-Control", "no-store");
	routes_reply(s, req, code, CT_JSON, b);
	evbuffer_free(b);
	log_debug(LOG_G_HTTP, "%d %s: %s", code, error, detail);
}

void
routes_fail(struct server *s, struct request *req, int code, const char *error,
    const char *detail)
{
	routes_error(s, req, code, error, detail);
}

static void
routes_json(struct server *s, struct request *req, struct evbuffer *b)
{
	request_header(req, "Cache-Control", "no-store");
	routes_reply(s, req, 200, CT_JSON, b);
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

static void routes_pending_cancel(void *arg);

/* An IPv4 address or the /64 of an IPv6 one (tag byte, then the bytes); zeros: unknown. */
static void
routes_client_key(const struct request *req, uint8_t key[9])
{
	const struct sockaddr_storage *ss = &req->client.ss;

	memset(key, 0, 9);
	if (!req->has_client)
		return;
	if (ss->ss_family == AF_INET) {
		key[0] = 4;
		memcpy(key + 1, &((const struct sockaddr_in *)ss)->sin_addr, 4);
	} else if (ss->ss_family == AF_INET6) {
		key[0] = 6;
		memcpy(key + 1, &((const struct sockaddr_in6 *)ss)->sin6_addr, 8);
	}
}

/*
 * Room for one more waiting request of req's client? 0, or -1 after answering 429 (this
 * client) or 503 (all clients). Linear, but over at most ROUTES_PENDING_MAX entries.
 */
static int
routes_pending_admit(struct server *s, struct request *req, uint8_t key[9])
{
	const struct pending *p;
	size_t all = 0, mine = 0;

	routes_client_key(req, key);
	TAILQ_FOREACH(p, &s->pending, entry) {
		all++;
		if (key[0] != 0 && memcmp(p->key, key, 9) == 0)
			mine++;
	}
	if (mine >= ROUTES_PENDING_PER_CLIENT) {
		request_header(req, "Retry-After", "1");
		routes_error(s, req, 429, "too-many-requests",
		    "too many requests waiting for this client");
		return -1;
	}
	if (all >= ROUTES_PENDING_MAX) {
		request_header(req, "Retry-After", "1");
		routes_error(s, req, 503, "busy", "too many requests waiting");
		return -1;
	}
	return 0;
}

/* A waiting request, or NULL after answering (a cap of routes_pending_admit, memory). */
static struct pending *
routes_pending_new(struct server *s, struct request *req, size_t msglen)
{
	struct pending *p;
	uint8_t key[9];

	if (routes_pending_admit(s, req, key) != 0)
		return NULL;
	if ((p = calloc(1, sizeof(*p) + msglen)) == NULL) {
		routes_error(s, req, 500, "internal", "out of memory");
		return NULL;
	}
	p->s = s;
	p->req = req;
	p->len = msglen;
	memcpy(p->key, key, sizeof(p->key));
	TAILQ_INSERT_TAIL(&s->pending, p, entry);
	request_on_cancel(req, routes_pending_cancel, p);
	return p;
}

/*
 * The work is done: free p and return its request, to be answered now (the cancel hook
 * is cleared first, so that nothing reaches p afterwards).
 */
static struct request *
routes_pending_take(struct pending *p)
{
	struct request *req = p->req;

	request_on_cancel(req, NULL, NULL);
	p->req = NULL;
	TAILQ_REMOVE(&p->s->pending, p, entry);
	free(p);
	return req;
}

/* Forget p (its request is still to be answered, by the caller). */
static void
routes_pending_free(struct pending *p)
{
	if (p->req != NULL)
		request_on_cancel(p->req, NULL, NULL);
	TAILQ_REMOVE(&p->s->pending, p, entry);
	free(p);
}

/*
 * The client went away first (an HTTP/2 stream reset, a closed connection): stop the
 * lookup or the observation. Why: a client that asks and resets at once (CVE-2023-44487,
 * "rapid reset") would otherwise leave the work running with nobody to answer.
 */
static void
routes_pending_cancel(void *arg)
{
	struct pending *p = arg;
	struct request *req = p->req;

	/* Nobody else waiting: the upstream query stops too (it would hold its sockets). */
	if (p->rw != NULL)
		resolve_abandon(p->rw);
	if (p->oj != NULL)
		observe_cancel(p->oj);
	routes_pending_free(p);
	request_drop(req);
}

/* Send a DNS message with the HTTP caching lifetime RFC 8484 section 5.1 asks for. */
static void
routes_dns_reply(struct server *s, struct request *req, const uint8_t *wire, size_t len,
    uint32_t max_age)
{
	struct evbuffer *b = evbuffer_new();
	char cc[32];

	if (b == NULL || evbuffer_add(b, wire, len) != 0) {
		if (b != NULL)
			evbuffer_free(b);
		routes_error(s, req, 500, "internal", "out of memory");
		return;
	}
	snprintf(cc, sizeof(cc), "max-age=%u", max_age);
	request_header(req, "Cache-Control", cc);
	routes_reply(s, req, 200, CT_DNS, b);
	evbuffer_free(b);
}

static void
routes_dns_error(struct server *s, struct request *req, const uint8_t *msg,
    const struct dnsq *q, int rcode, const struct dnswire_ede *ede)
{
	uint8_t out[1024];
	size_t n = dnswire_error(out, sizeof(out), msg, q, rcode, ede);

	if (n == 0) {
		routes_error(s, req, 400, "bad-dns-message", "cannot answer this message");
		return;
	}
	routes_dns_reply(s, req, out, n, 0);
}

static void
routes_dns_answer(struct server *s, struct request *req, const uint8_t *msg,
    const struct dnsq *q, const struct resolve_result *res)
{
	static const struct dnswire_ede timeout_ede = { DNS_EDE_NO_REACHABLE_AUTHORITY,
		"upstream timeout" };
	static const struct dnswire_ede error_ede = { DNS_EDE_NETWORK_ERROR, "upstream error" };
	uint8_t *out;
	size_t n;

	if (res->status != UPSTREAM_OK) {
		routes_dns_error(s, req, msg, q, DNS_RCODE_SERVFAIL,
		    res->status == UPSTREAM_TIMEOUT ? &timeout_ede : &error_ede);
		return;
	}
	if ((out = malloc(DNS_MAXMSG)) == NULL) {
		routes_error(s, req, 500, "internal", "out of memory");
		return;
	}
	/* tcp = 1: HTTP has no datagram limit, so never truncate. */
	n = dnswire_answer(out, DNS_MAXMSG, res->wire, res->len, res->age, msg, q, 1, NULL);
	if (n == 0)
		routes_dns_error(s, req, msg, q, DNS_RCODE_SERVFAIL, NULL);
	else
		routes_dns_reply(s, req, out, n, res->ttl);
	free(out);
}

static void
routes_dns_done(void *arg, const struct resolve_result *res)
{
	struct pending *p = arg;

	struct request *req = p->req;

	/* p's msg is needed for the answer: p goes after it, the request with the reply. */
	p->rw = NULL;
	request_on_cancel(req, NULL, NULL);
	p->req = NULL;
	routes_dns_answer(p->s, req, p->msg, &p->q, res);
	routes_pending_free(p);
}

static int routes_client(struct request *req, struct netaddr *client);

/* The common part of GET and POST /dns-query. */
static void
routes_dns(struct server *s, struct request *req, const uint8_t *msg, size_t len)
{
	struct resolve_result res;
	struct netaddr client;
	struct pending *p;
	struct dnsq q;

	s->stats.dns_queries++;
	switch (dnswire_parse_query(msg, len, &q)) {
	case DNSWIRE_OK:
		break;
	case DNSWIRE_DROP:
		routes_error(s, req, 400, "bad-dns-message", "not a DNS query");
		return;
	case DNSWIRE_FORMERR:
		routes_dns_error(s, req, msg, &q, DNS_RCODE_FORMERR, NULL);
		return;
	case DNSWIRE_NOTIMP:
		routes_dns_error(s, req, msg, &q, DNS_RCODE_NOTIMP, NULL);
		return;
	case DNSWIRE_BADVERS:
		routes_dns_error(s, req, msg, &q, DNS_RCODE_BADVERS, NULL);
		return;
	case DNSWIRE_REFUSED:
	default:
		routes_dns_error(s, req, msg, &q, DNS_RCODE_REFUSED, NULL);
		return;
	}
	audit_note_question(s->audit, &q, routes_client(req, &client) == 0 ? &client : NULL);
	if (resolve_lookup(s->resolve, &q, &res)) {
		routes_dns_answer(s, req, msg, &q, &res);
		return;
	}
	if (resolve_in_flight(s->resolve) >= ROUTES_UPSTREAM_MAX) {
		request_header(req, "Retry-After", "1");
		routes_error(s, req, 503, "busy", "too many questions in flight upstream");
		return;
	}
	if ((p = routes_pending_new(s, req, len)) == NULL)
		return;
	memcpy(p->msg, msg, len);
	p->q = q;
	if ((p->rw = resolve_start(s->resolve, &q, routes_dns_done, p)) == NULL) {
		routes_pending_free(p);
		routes_error(s, req, 500, "internal", "cannot start the lookup");
	}
}

static void
routes_dns_get(struct server *s, struct request *req, const char *query)
{
	const char *why;
	uint8_t *msg;
	long n;

	if ((msg = malloc(ROUTES_MAX_DNS)) == NULL) {
		routes_error(s, req, 500, "internal", "out of memory");
		return;
	}
	if ((n = routes_dns_param(query, msg, ROUTES_MAX_DNS, &why)) < 0)
		routes_error(s, req, 400, "bad-request", why);
	else if (n > ROUTES_MAX_QUERY)
		routes_error(s, req, 414, "too-large", "a DNS query is at most 4096 bytes");
	else
		routes_dns(s, req, msg, (size_t)n);
	free(msg);
}

static void
routes_dns_post(struct server *s, struct request *req, const char *query)
{
	(void)query;
	size_t len = req->body_len;

	if (!routes_content_type_is(req->content_type, CT_DNS)) {
		routes_error(s, req, 415, "unsupported-media-type",
		    "POST /dns-query takes Content-Type: application/dns-message");
		return;
	}
	if (len == 0) {
		routes_error(s, req, 400, "bad-request", "empty body");
		return;
	}
	if (len > ROUTES_MAX_QUERY) {
		routes_error(s, req, 413, "too-large", "a DNS query is at most 4096 bytes");
		return;
	}
	routes_dns(s, req, req->body, len);
}

/* One entry of /v1/mirrors; p is NULL for this mirror itself. */
static void
routes_mirror_entry(struct server *s, struct evbuffer *b, int first, const char *name,
    const struct netaddr *addr, const char *region, const uint8_t *id, const char *state,
    const char *ca_pem, const struct peer *p)
{
	const struct report_tally *t = reports_find(s->reports, id);
	const struct rep *r = p ? reputation_find(s->rep, id) : NULL;
	char hex[TLS_SHA256_HEX], ip[NETADDR_STRLEN];
	int i;

	evbuffer_add_printf(b, "%s{", first ? "" : ",");
	json_kv_str(b, 1, "id", tls_hex(id, TLS_SHA256_LEN, hex));
	json_kv_str(b, 0, "name", name);
	json_kv_str(b, 0, "address", netaddr_ip_str(addr, ip, sizeof(ip)));
	json_kv_u64(b, 0, "port", netaddr_port(addr));
	json_kv_str(b, 0, "region", region);
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
routes_mirrors_filter(struct server *s, struct request *req, const char *query,
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
			routes_error(s, req, 400, "bad-request", "id: 64 hex digits are required");
			rc = -1;
		}
	}
	evhttp_clear_headers(&params);
	return rc;
}

static void
routes_mirrors(struct server *s, struct request *req, const char *query)
{
	const struct mirror_config *c = s->cfg;
	const struct netaddr *self = c->address.len ? &c->address : &s->bound[0];
	const struct peer *p;
	uint8_t id[TLS_SHA256_LEN];
	struct evbuffer *b;
	int filtered, first = 1;

	if (routes_mirrors_filter(s, req, query, id, &filtered) != 0)
		return;
	if ((b = evbuffer_new()) == NULL) {
		routes_error(s, req, 500, "internal", "out of memory");
		return;
	}
	evbuffer_add_printf(b, "{\"version\":1,\"mirrors\":[");
	if (!filtered || memcmp(id, c->id, TLS_SHA256_LEN) == 0) {
		routes_mirror_entry(s, b, 1, c->name, self, c->region, c->id, "self", c->ca_pem,
		    NULL);
		first = 0;
	}
	TAILQ_FOREACH(p, &s->peers->list, entry) {
		if (filtered && memcmp(id, p->id, TLS_SHA256_LEN) != 0)
			continue;
		routes_mirror_entry(s, b, first, p->name, &p->addr, p->region, p->id,
		    peers_state_name(p->state), p->ca_pem, p);
		first = 0;
	}
	evbuffer_add_printf(b, "]}\n");
	routes_json(s, req, b);
	evbuffer_free(b);
}

/* What the guard did against greedy and slow clients (since 1.1, additive). */
static void
routes_health_guard(struct server *s, struct evbuffer *b)
{
	const struct guard_stats *g = guard_stats(s->guard);

	evbuffer_add_printf(b, ",\"guard\":{\"refused\":%llu,\"handshake_timeouts\":%llu,"
	    "\"header_timeouts\":%llu,\"body_timeouts\":%llu}", (unsigned long long)g->refused,
	    (unsigned long long)g->handshake_timeouts, (unsigned long long)g->header_timeouts,
	    (unsigned long long)g->body_timeouts);
}

static void
routes_health(struct server *s, struct request *req, const char *query)
{
	(void)query;
	struct evbuffer *b = evbuffer_new();

	if (b == NULL) {
		routes_error(s, req, 500, "internal", "out of memory");
		return;
	}
	evbuffer_add(b, "{", 1);
	json_kv_str(b, 1, "status", "ok");
	json_kv_str(b, 0, "version", PACKAGE_VERSION);
	json_kv_u64(b, 0, "protocol", 1);
	json_kv_str(b, 0, "id", s->id_hex);
	json_kv_str(b, 0, "name", s->cfg->name);
	json_kv_str(b, 0, "region", s->cfg->region);
	json_kv_u64(b, 0, "uptime", (now_ms() - s->started_ms) / 1000);
	json_kv_u64(b, 0, "connections", s->n_conns);
	json_kv_u64(b, 0, "accepted", s->stats.connections);
	json_kv_u64(b, 0, "dns_queries", s->stats.dns_queries);
	json_kv_u64(b, 0, "reports", s->stats.reports);
	routes_health_guard(s, b);
	audit_health_json(s->audit, b);
	evbuffer_add(b, "}\n", 2);
	routes_json(s, req, b);
	evbuffer_free(b);
}

static void
routes_report(struct server *s, struct request *req, const char *query)
{
	(void)query;
	struct evbuffer *b;
	size_t len = req->body_len, n;
	struct report *rep;
	char err[512];
	const void *body;

	if (!routes_content_type_is(req->content_type, CT_JSON)) {
		routes_error(s, req, 415, "unsupported-media-type",
		    "POST /v1/report takes Content-Type: application/json");
		return;
	}
	if ((rep = malloc(sizeof(*rep))) == NULL || (b = evbuffer_new()) == NULL) {
		free(rep);
		routes_error(s, req, 500, "internal", "out of memory");
		return;
	}
	body = len ? (const void *)req->body : (const void *)"";
	if (report_parse(body, len, rep, err, sizeof(err)) != 0) {
		routes_error(s, req, 400, "bad-report", err);
	} else {
		n = reports_record(s->reports, rep, wall_s());
		audit_report_hint(s->audit, rep);
		s->stats.reports++;
		server_schedule_save(s);
		evbuffer_add(b, "{", 1);
		json_kv_u64(b, 1, "accepted", n);
		evbuffer_add(b, "}\n", 2);
		routes_json(s, req, b);
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
routes_json_body(struct server *s, struct request *req, const char *what, size_t *len,
    struct netaddr *client)
{
	const void *body;
	char detail[96];

	if (!routes_content_type_is(req->content_type, CT_JSON)) {
		snprintf(detail, sizeof(detail), "POST %s takes Content-Type: application/json",
		    what);
		routes_error(s, req, 415, "unsupported-media-type", detail);
		return NULL;
	}
	if (routes_client(req, client) != 0) {
		routes_error(s, req, 500, "internal", "no client address");
		return NULL;
	}
	*len = req->body_len;
	body = *len ? (const void *)req->body : (const void *)"";
	return body;
}

/* POST /v1/join: a mirror asks to join; it becomes a candidate (protocol 5.2). */
static void
routes_join(struct server *s, struct request *req, const char *query)
{
	(void)query;
	struct peers_join_result res;
	struct netaddr client;
	struct evbuffer *b;
	const void *body;
	size_t len;

	if ((body = routes_json_body(s, req, "/v1/join", &len, &client)) == NULL)
		return;
	peers_join(s->peers, body, len, &client, &res);
	if (res.http != 200) {
		if (res.http == 429 || res.http == 503)
			request_header(req, "Retry-After", "60");
		routes_error(s, req, res.http, res.error, res.detail);
		return;
	}
	if ((b = evbuffer_new()) == NULL) {
		routes_error(s, req, 500, "internal", "out of memory");
		return;
	}
	evbuffer_add(b, "{", 1);
	json_kv_str(b, 1, "state", res.state);
	evbuffer_add(b, "}\n", 2);
	routes_json(s, req, b);
	evbuffer_free(b);
}

/* POST /v1/remove and /v1/notice share their shape: a request, a status. */
static void
routes_audit_post(struct server *s, struct request *req, int notice)
{
	struct audit_result res;
	struct netaddr client;
	struct evbuffer *b;
	const void *body;
	size_t len;

	if ((body = routes_json_body(s, req, notice ? "/v1/notice" : "/v1/remove", &len,
	    &client)) == NULL)
		return;
	if (notice)
		audit_notice(s->audit, body, len, &client, &res);
	else
		audit_remove(s->audit, body, len, &client, &res);
	if (res.http != 200) {
		if (res.http == 429)
			request_header(req, "Retry-After", "60");
		routes_error(s, req, res.http, res.error, res.detail);
		return;
	}
	if ((b = evbuffer_new()) == NULL) {
		routes_error(s, req, 500, "internal", "out of memory");
		return;
	}
	evbuffer_add(b, "{", 1);
	json_kv_str(b, 1, notice ? "notice" : "audit", res.status);
	evbuffer_add(b, "}\n", 2);
	routes_json(s, req, b);
	evbuffer_free(b);
}

/* GET /v1/audit?id=: our vote on a mirror, pulled by whoever runs a vote. */
static void
routes_remove(struct server *s, struct request *req, const char *query)
{
	(void)query;
	routes_audit_post(s, req, 0);
}

static void
routes_notice(struct server *s, struct request *req, const char *query)
{
	(void)query;
	routes_audit_post(s, req, 1);
}

static void
routes_audit_get(struct server *s, struct request *req, const char *query)
{
	struct evkeyvalq params;
	uint8_t id[TLS_SHA256_LEN];
	struct evbuffer *b;
	const char *v;

	TAILQ_INIT(&params);
	if (query == NULL || evhttp_parse_query_str(query, &params) != 0 ||
	    (v = evhttp_find_header(&params, "id")) == NULL || tls_unhex(v, id, sizeof(id)) != 0) {
		routes_error(s, req, 400, "bad-request", "id: 64 hex digits are required");
		goto out;
	}
	if ((b = evbuffer_new()) == NULL) {
		routes_error(s, req, 500, "internal", "out of memory");
		goto out;
	}
	audit_vote_json(s->audit, id, b);
	routes_json(s, req, b);
	evbuffer_free(b);
out:
	evhttp_clear_headers(&params);
}

static void
routes_observe_done(void *arg, const struct observe_result *res)
{
	struct pending *p = arg;
	struct server *s = p->s;
	char name[sizeof(p->name)], ip[sizeof(p->ip)], hex[TLS_SHA256_HEX];
	uint16_t port = p->port;
	struct request *req;
	struct evbuffer *b;
	size_t i;

	memcpy(name, p->name, sizeof(name));
	memcpy(ip, p->ip, sizeof(ip));
	p->oj = NULL;
	req = routes_pending_take(p);
	if (res->http != 200) {
		routes_error(s, req, res->http, res->error, res->detail);
		return;
	}
	if ((b = evbuffer_new()) == NULL) {
		routes_error(s, req, 500, "internal", "out of memory");
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
	routes_json(s, req, b);
	evbuffer_free(b);
}

static void
routes_observe(struct server *s, struct request *req, const char *query)
{
	struct evkeyvalq params;
	const char *name, *ip, *port;
	struct netaddr target, client;
	unsigned long pn = 443;
	struct pending *p;
	char *end;

	TAILQ_INIT(&params);
	if (query == NULL || evhttp_parse_query_str(query, &params) != 0) {
		routes_error(s, req, 400, "bad-request", "cannot parse the query string");
		goto out;
	}
	name = evhttp_find_header(&params, "name");
	ip = evhttp_find_header(&params, "ip");
	port = evhttp_find_header(&params, "port");
	if (name == NULL || !observe_name_ok(name)) {
		routes_error(s, req, 400, "bad-request", "name: a host name is required");
		goto out;
	}
	/* A bare address: a port belongs in port=, and "[v6]:port" forms are refused. */
	if (ip == NULL || strchr(ip, '[') != NULL || netaddr_parse(ip, 0, &target) != 0 ||
	    netaddr_port(&target) != 0) {
		routes_error(s, req, 400, "bad-request", "ip: a numeric IPv4 or IPv6 address is required");
		goto out;
	}
	if (port != NULL && (pn = strtoul(port, &end, 10), *port < '0' || *port > '9' ||
	    *end != '\0' || pn == 0 || pn > 65535)) {
		routes_error(s, req, 400, "bad-request", "port: 1..65535");
		goto out;
	}
	if (!mirror_observe_port_allowed(&s->cfg->observe, (uint16_t)pn)) {
		routes_error(s, req, 403, "port-not-allowed",
		    "this mirror observes only its configured TLS ports");
		goto out;
	}
	netaddr_set_port(&target, (uint16_t)pn);
	if (!s->cfg->observe.allow_private && !observe_addr_is_public(&target)) {
		routes_error(s, req, 403, "address-not-allowed",
		    "private, loopback and special-purpose addresses are not observed");
		goto out;
	}
	if (routes_client(req, &client) != 0) {
		routes_error(s, req, 500, "internal", "no client address");
		goto out;
	}
	if ((p = routes_pending_new(s, req, 0)) == NULL)
		goto out;
	snprintf(p->name, sizeof(p->name), "%s", name);
	netaddr_ip_str(&target, p->ip, sizeof(p->ip));
	p->port = (uint16_t)pn;
	switch (observe_start(s->observe, &client, name, &target, &s->cfg->observe,
	    routes_observe_done, p, &p->oj)) {
	case OBSERVE_STARTED:
		s->stats.observes++;
		break;
	case OBSERVE_BUSY_CLIENT:
		routes_pending_free(p);
		request_header(req, "Retry-After", "1");
		routes_error(s, req, 429, "too-many-requests", "too many observations in flight for this client");
		break;
	case OBSERVE_BUSY:
		routes_pending_free(p);
		request_header(req, "Retry-After", "1");
		routes_error(s, req, 503, "busy", "too many observations in progress");
		break;
	default:
		routes_pending_free(p);
		routes_error(s, req, 500, "internal", "cannot start the observation");
		break;
	}
out:
	evhttp_clear_headers(&params);
}

void
routes_cancel_all(struct server *s)
{
	struct pending *p;

	while ((p = TAILQ_FIRST(&s->pending)) != NULL) {
		if (p->rw != NULL)
			resolve_cancel(p->rw);
		if (p->oj != NULL)
			observe_cancel(p->oj);
		routes_error(s, routes_pending_take(p), 503, "shutting-down",
		    "the mirror is stopping");
	}
}

static void
routes_method(struct server *s, struct request *req, const char *allow)
{
	request_header(req, "Allow", allow);
	routes_error(s, req, 405, "method-not-allowed", allow);
}

/* The endpoints of protocol v1/v1.1: one row each, the handler per method. */
typedef void (*route_fn)(struct server *s, struct request *req, const char *query);
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
routes_handle(struct server *s, struct request *req)
{
	s->stats.requests++;
	for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
		const struct route *r = &routes[i];
		if (strcmp(req->path, r->path) != 0)
			continue;
		if (req->method == REQUEST_GET && r->get)
			r->get(s, req, req->query);
		else if (req->method == REQUEST_POST && r->post)
			r->post(s, req, req->query);
		else
			routes_method(s, req, r->allow);
		return;
	}
	routes_error(s, req, 404, "not-found", "no such endpoint in protocol v1");
}
