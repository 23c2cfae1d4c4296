/* resolver/dashboard.c - the web dashboard: read-only pages and a JSON API on an address of its own. */
#include "autoconf.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <fcntl.h>
#include <sys/queue.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "acl.h"
#include "dashboard.h"
#include "dnscache.h"
#include "explain.h"
#include "log.h"
#include "metrics.h"
#include "report.h"
#include "vcache.h"
#include "vutil.h"

/* A request must arrive, and its answer leave, within this (s). */
#define DASH_TIMEOUT 10
/* The pages send small GETs: a browser's headers are 1-2 KiB. */
#define DASH_MAX_HEADERS 8192
/* Only the token-guarded POST has a body, and it needs none. */
#define DASH_MAX_BODY 1024
/* The pages' files: names, count and sizes are small and fixed by the tree. */
#define DASH_MAX_FILES 32
#define DASH_MAX_FILE (256 * 1024)
#define DASH_MAX_TOTAL (1024 * 1024)
/* Explains ask the mirrors afresh: at most this many at once, and a token bucket of
 * DASH_EXPLAIN_RATE a second (burst DASH_EXPLAIN_BURST), so a client on the LAN cannot
 * turn the page into a generator of mirror traffic. */
#define DASH_MAX_EXPLAINS 4
#define DASH_EXPLAIN_RATE 2
#define DASH_EXPLAIN_BURST 6
/* Connections one client address may hold: a browser opens 6 per host. More from one
 * address would let a single device (or one the ACL refuses, before its 403) hold every
 * slot of DASHBOARD_MAX_CONNS. */
#define DASH_MAX_PER_CLIENT 8
/* Longest query string taken (a name is 1,004 bytes in presentation form at most). */
#define DASH_MAX_QUERY 2048

/* Every answer: what a browser may do with it. Scripts, styles, images and fetches from
 * the dashboard itself only; no framing (clickjacking); no referrer to other sites. */
#define DASH_CSP "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; " \
		 "form-action 'self'"

struct dash_file {
	char name[48];
	const char *type;
	char *data;
	size_t len;
};

struct dash_explain {
	struct dash_explain *next;
	struct dashboard *d;
	struct evhttp_request *req;
	struct explain *ex;
};

struct dashboard {
	struct vantaged *vd;
	struct evhttp *http;
	struct evconnlistener *lev;
	struct netaddr addr;		/* as configured (maybe port 0) */
	size_t n_conns;
	int paused;			/* the listener is disabled: DASHBOARD_MAX_CONNS reached */
	struct dash_file files[DASH_MAX_FILES];
	size_t n_files;
	struct dash_explain *explains;
	size_t n_explains;
	struct dash_newconn *hooks;	/* accepted, not yet hooked (dash_conn_hook) */
	struct dash_peer {
		struct evhttp_connection *evcon;
		struct netaddr addr;
	} peers[DASHBOARD_MAX_CONNS];	/* hooked connections and their clients */
	double tokens;			/* the explain bucket */
	uint64_t tokens_ms;
};

/* ---- the pages, read into memory ---- */

static const char *
dash_type(const char *name)
{
	static const struct {
		const char *ext, *type;
	} types[] = {
		{ ".html", "text/html; charset=utf-8" },
		{ ".css", "text/css; charset=utf-8" },
		{ ".js", "text/javascript; charset=utf-8" },
		{ ".svg", "image/svg+xml" },
		{ ".png", "image/png" },
		{ ".ico", "image/x-icon" },
	};
	const char *dot = strrchr(name, '.');

	for (size_t i = 0; dot && i < NELEMS(types); i++)
		if (strcmp(dot, types[i].ext) == 0)
			return types[i].type;
	return NULL;
}

/* A name a page may have: [a-z0-9_-]+ then one known extension. No dots before it, no
 * slashes: a request can only ever name one of these, never a path. */
static int
dash_name_ok(const char *name)
{
	const char *dot = strrchr(name, '.');

	if (dot == NULL || dot == name || strlen(name) >= sizeof(((struct dash_file *)0)->name))
		return 0;
	for (const char *p = name; p < dot; p++)
		if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '-' ||
			*p == '_'))
			return 0;
	return dash_type(name) != NULL;
}

static void
dash_files_free(struct dash_file *files, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(files[i].data);
}

/* Read one regular file (no symlink followed) of at most DASH_MAX_FILE bytes. */
static char *
dash_read(int dirfd, const char *name, size_t *len)
{
	struct stat st;
	char *buf = NULL;
	ssize_t r;
	size_t o = 0;
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > DASH_MAX_FILE ||
	    (buf = malloc((size_t)st.st_size + 1)) == NULL)
		goto fail;
	while (o < (size_t)st.st_size && (r = read(fd, buf + o, (size_t)st.st_size - o)) > 0)
		o += (size_t)r;
	if (o != (size_t)st.st_size)
		goto fail;
	close(fd);
	*len = o;
	return buf;
fail:
	free(buf);
	close(fd);
	return NULL;
}

/*
 * Every page file of root into files. Returns the count, or -1 after logging why (no
 * index.html, unreadable directory, too much). Names that are not page names are skipped.
 */
static int
dash_load(const char *root, struct dash_file *files)
{
	DIR *dir = opendir(root);
	struct dirent *de;
	size_t n = 0, total = 0;
	int index = 0;

	if (dir == NULL) {
		log_warn(LOG_G_MAIN, "dashboard: cannot read the pages in %s", root);
		return -1;
	}
	while ((de = readdir(dir)) != NULL) {
		if (!dash_name_ok(de->d_name))
			continue;
		if (n == DASH_MAX_FILES) {
			log_warnx(LOG_G_MAIN, "dashboard: more than %d pages in %s", DASH_MAX_FILES, root);
			goto fail;
		}
		if ((files[n].data = dash_read(dirfd(dir), de->d_name, &files[n].len)) == NULL ||
		    (total += files[n].len) > DASH_MAX_TOTAL) {
			log_warnx(LOG_G_MAIN, "dashboard: cannot take %s/%s (not a regular file, or "
					      "too large)", root, de->d_name);
			n += files[n].data != NULL;
			goto fail;
		}
		snprintf(files[n].name, sizeof(files[n].name), "%s", de->d_name);
		files[n].type = dash_type(de->d_name);
		index |= strcmp(de->d_name, "index.html") == 0;
		n++;
	}
	closedir(dir);
	if (!index) {
		log_warnx(LOG_G_MAIN, "dashboard: no index.html in %s", root);
		dash_files_free(files, n);
		return -1;
	}
	return (int)n;
fail:
	closedir(dir);
	dash_files_free(files, n);
	return -1;
}

/* ---- answers ---- */

static void
dash_headers(struct evhttp_request *req, const char *type, int nocache)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);

	evhttp_add_header(h, "Content-Security-Policy", DASH_CSP);
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	evhttp_add_header(h, "X-Frame-Options", "DENY");
	evhttp_add_header(h, "Referrer-Policy", "no-referrer");
	evhttp_add_header(h, "Cross-Origin-Resource-Policy", "same-origin");
	evhttp_add_header(h, "Cache-Control", nocache ? "no-store" : "no-cache");
	if (type)
		evhttp_add_header(h, "Content-Type", type);
}

/* A short error as JSON (every refusal says why; no page content). */
static void
dash_error(struct evhttp_request *req, int code, const char *reason, const char *why)
{
	struct evbuffer *b = evbuffer_new();

	if (b == NULL) {
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
	dash_headers(req, "application/json", 1);
	if (report_envelope(b, "http", why, NULL) == 0)
		evbuffer_add(b, "\n", 1);
	evhttp_send_reply(req, code, reason, b);
	evbuffer_free(b);
}

static void
dash_json(struct evhttp_request *req, const char *cmd, const char *err, struct evbuffer *fields)
{
	struct evbuffer *b = evbuffer_new();

	if (b == NULL || report_envelope(b, cmd, err, fields) != 0 || evbuffer_add(b, "\n", 1)) {
		evbuffer_free(b);
		dash_error(req, HTTP_INTERNAL, "Internal Server Error", "out of memory");
		return;
	}
	dash_headers(req, "application/json", 1);
	evhttp_send_reply(req, err ? HTTP_BADREQUEST : HTTP_OK, err ? "Bad Request" : "OK", b);
	evbuffer_free(b);
}

/* ---- explain: answered when the mirrors have ---- */

static void
dash_explain_unlink(struct dash_explain *de)
{
	struct dash_explain **pp = &de->d->explains;

	while (*pp && *pp != de)
		pp = &(*pp)->next;
	if (*pp)
		*pp = de->next;
	de->d->n_explains--;
}

static void
dash_explained(void *arg, const char *err, struct evbuffer *fields)
{
	struct dash_explain *de = arg;

	dash_explain_unlink(de);
	/* The browser may have gone: libevent then keeps the request, detached, and frees it
	 * when we answer. */
	dash_json(de->req, "explain", err, fields);
	free(de);
}

/* One more explain now? The bucket refills at DASH_EXPLAIN_RATE a second. */
static int
dash_explain_allowed(struct dashboard *d)
{
	uint64_t now = now_ms();

	d->tokens += (double)(now - d->tokens_ms) * DASH_EXPLAIN_RATE / 1000.0;
	if (d->tokens > DASH_EXPLAIN_BURST)
		d->tokens = DASH_EXPLAIN_BURST;
	d->tokens_ms = now;
	if (d->n_explains >= DASH_MAX_EXPLAINS || d->tokens < 1.0)
		return 0;
	d->tokens -= 1.0;
	return 1;
}

static void
dash_explain(struct dashboard *d, struct evhttp_request *req, struct evkeyvalq *args)
{
	const char *name = evhttp_find_header(args, "name"), *type = evhttp_find_header(args, "type");
	struct evbuffer *fields;
	struct dash_explain *de;
	struct jw w;
	char err[512];

	if (name == NULL || name[0] == '\0') {
		dash_error(req, HTTP_BADREQUEST, "Bad Request", "usage: /api/explain?name=NAME&type=TYPE");
		return;
	}
	if (type && type[0] == '\0')
		type = NULL;
	if (!dash_explain_allowed(d)) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After", "1");
		dash_error(req, 429, "Too Many Requests", "too many explains at once; try again");
		return;
	}
	if ((fields = evbuffer_new()) == NULL || (de = calloc(1, sizeof(*de))) == NULL) {
		evbuffer_free(fields);
		dash_error(req, HTTP_INTERNAL, "Internal Server Error", "out of memory");
		return;
	}
	jw_init(&w, fields);
	de->d = d;
	de->req = req;
	switch (explain_start(d->vd, name, type, &w, dash_explained, de, &de->ex, err, sizeof(err))) {
	case EXPLAIN_PENDING:
		de->next = d->explains;
		d->explains = de;
		d->n_explains++;
		break;
	case EXPLAIN_DONE:
		dash_json(req, "explain", w.err ? "out of memory" : NULL, fields);
		free(de);
		break;
	default:
		dash_json(req, "explain", err, NULL);
		free(de);
		break;
	}
	evbuffer_free(fields);
}

/* ---- the one request that changes state ---- */

/* Constant-time comparison: the token must not leak byte by byte through timing. */
static int
dash_token_ok(const char *want, const char *auth)
{
	size_t wl = strlen(want), al;
	unsigned char diff = 0;

	if (auth == NULL || strncmp(auth, "Bearer ", 7) != 0)
		return 0;
	auth += 7;
	al = strlen(auth);
	for (size_t i = 0; i < wl; i++)
		diff |= (unsigned char)want[i] ^ (unsigned char)(i < al ? auth[i] : 0);
	return diff == 0 && al == wl;
}

static void
dash_flush(struct dashboard *d, struct evhttp_request *req, struct evkeyvalq *args)
{
	const char *name = evhttp_find_header(args, "name");
	struct evbuffer *fields = evbuffer_new();
	struct jw w;
	char err[256];

	if (fields == NULL) {
		dash_error(req, HTTP_INTERNAL, "Internal Server Error", "out of memory");
		return;
	}
	jw_init(&w, fields);
	if (report_cache_flush(d->vd, &w, name && name[0] ? name : NULL, err, sizeof(err)) != 0)
		dash_json(req, "cache flush", err, NULL);
	else {
		/* Not the name itself: it is the client's text, and the log is the operator's. */
		log_info(LOG_G_CTL, "dashboard: cache flush (%s)", name ? "one name" : "everything");
		dash_json(req, "cache flush", w.err ? "out of memory" : NULL, fields);
	}
	evbuffer_free(fields);
}

/* ---- requests ---- */

/*
 * Whether the Host header names us in a way DNS rebinding cannot: an IP literal,
 * localhost, or a name the operator listed. A page on another site that rebinds its
 * own name to our address sends that name, and is refused.
 */
static int
dash_host_ok(const struct dashboard *d, const char *host)
{
	char h[256], *colon;
	struct in6_addr a6;
	struct in_addr a4;
	const struct config *cfg = d->vd->cfg;

	if (host == NULL || strlen(host) >= sizeof(h))
		return 0;
	snprintf(h, sizeof(h), "%s", host);
	if (h[0] == '[') {
		char *end = strchr(h, ']');
		if (end == NULL || (end[1] != '\0' && end[1] != ':'))
			return 0;
		*end = '\0';
		return inet_pton(AF_INET6, h + 1, &a6) == 1;
	}
	if ((colon = strchr(h, ':')) != NULL)
		*colon = '\0';
	if (inet_pton(AF_INET, h, &a4) == 1 || strcasecmp(h, "localhost") == 0)
		return 1;
	for (size_t i = 0; i < cfg->dashboard.n_hostnames; i++)
		if (strcasecmp(h, cfg->dashboard.hostnames[i]) == 0)
			return 1;
	return 0;
}

static int
dash_acl_ok(const struct dashboard *d, struct evhttp_request *req)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	const struct sockaddr *sa = evcon ? evhttp_connection_get_addr(evcon) : NULL;
	struct netaddr peer;

	if (sa == NULL)
		return 0;
	netaddr_from_sockaddr(&peer, sa,
	    sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in));
	return acl_match(d->vd->cfg->acl, d->vd->cfg->n_acl, &peer) == ACL_ALLOW;
}

/* GET /api/NAME: the producer the control command of the same name uses. */
static int
dash_api_get(struct dashboard *d, struct evhttp_request *req, const char *what,
    struct evkeyvalq *args)
{
	static const struct {
		const char *path, *cmd;
		void (*run)(struct vantaged *vd, struct jw *w);
	} api[] = {
		{ "status", "status", report_status },
		{ "mirrors", "mirrors", report_mirrors },
		{ "cache", "cache stats", report_cache },
		{ "recent", "recent", report_recent },
		{ "dissents", "recent", report_recent },
		{ "clients", "clients", report_clients },
		{ "history", "history", report_history },
	};
	struct evbuffer *fields;
	struct jw w;

	if (strcmp(what, "explain") == 0) {
		dash_explain(d, req, args);
		return 1;
	}
	if (strcmp(what, "metrics") == 0) {
		if ((fields = evbuffer_new()) == NULL || metrics_render(d->vd, fields) != 0) {
			evbuffer_free(fields);
			dash_error(req, HTTP_INTERNAL, "Internal Server Error", "out of memory");
			return 1;
		}
		dash_headers(req, "text/plain; version=0.0.4; charset=utf-8", 1);
		evhttp_send_reply(req, HTTP_OK, "OK", fields);
		evbuffer_free(fields);
		return 1;
	}
	for (size_t i = 0; i < NELEMS(api); i++) {
		if (strcmp(what, api[i].path) != 0)
			continue;
		if ((fields = evbuffer_new()) == NULL) {
			dash_error(req, HTTP_INTERNAL, "Internal Server Error", "out of memory");
			return 1;
		}
		jw_init(&w, fields);
		api[i].run(d->vd, &w);
		dash_json(req, api[i].cmd, w.err ? "out of memory" : NULL, fields);
		evbuffer_free(fields);
		return 1;
	}
	return 0;
}

static void
dash_page(struct dashboard *d, struct evhttp_request *req, const char *path)
{
	const char *name = strcmp(path, "/") == 0 ? "index.html" : path + 1;
	struct evbuffer *b;

	for (size_t i = 0; i < d->n_files; i++) {
		if (strcmp(d->files[i].name, name) != 0)
			continue;
		if ((b = evbuffer_new()) == NULL ||
		    evbuffer_add(b, d->files[i].data, d->files[i].len) != 0) {
			evbuffer_free(b);
			dash_error(req, HTTP_INTERNAL, "Internal Server Error", "out of memory");
			return;
		}
		dash_headers(req, d->files[i].type, 0);
		evhttp_send_reply(req, HTTP_OK, "OK", b);
		evbuffer_free(b);
		return;
	}
	dash_error(req, HTTP_NOTFOUND, "Not Found", "no such page");
}

/* Method, token, then the route. path and args come from the parsed URI. */
static void
dash_route(struct dashboard *d, struct evhttp_request *req, const char *path,
    struct evkeyvalq *args)
{
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	const char *token = d->vd->cfg->dashboard.token;

	if (cmd == EVHTTP_REQ_POST && token && strcmp(path, "/api/cache/flush") == 0) {
		if (!dash_token_ok(token, evhttp_find_header(evhttp_request_get_input_headers(req),
						"Authorization"))) {
			evhttp_add_header(evhttp_request_get_output_headers(req), "WWW-Authenticate",
			    "Bearer");
			dash_error(req, 401, "Unauthorized", "this needs dashboard.token");
			return;
		}
		dash_flush(d, req, args);
		return;
	}
	if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "Allow",
		    token ? "GET, HEAD, POST" : "GET, HEAD");
		dash_error(req, 405, "Method Not Allowed",
		    token ? "only GET and HEAD, and POST /api/cache/flush with the token"
			  : "the dashboard is read-only (GET and HEAD)");
		return;
	}
	if (strncmp(path, "/api/", 5) == 0) {
		if (!dash_api_get(d, req, path + 5, args))
			dash_error(req, HTTP_NOTFOUND, "Not Found", "no such API");
		return;
	}
	dash_page(d, req, path);
}

static void
dash_request(struct evhttp_request *req, void *arg)
{
	struct dashboard *d = arg;
	const char *uri = evhttp_request_get_uri(req);
	struct evhttp_uri *u = NULL;
	struct evkeyvalq args;
	const char *path, *query;

	TAILQ_INIT(&args);
	if (!dash_acl_ok(d, req)) {
		dash_error(req, 403, "Forbidden", "this address may not use the dashboard (acl)");
		return;
	}
	if (!dash_host_ok(d, evhttp_find_header(evhttp_request_get_input_headers(req), "Host"))) {
		dash_error(req, 421, "Misdirected Request",
		    "unknown Host: use the address, or list the name in dashboard.hostnames");
		return;
	}
	/* Only origin-form targets ("/path?query"): no absolute URIs, no oddities. */
	if (uri == NULL || uri[0] != '/' || (u = evhttp_uri_parse(uri)) == NULL ||
	    (path = evhttp_uri_get_path(u)) == NULL ||
	    ((query = evhttp_uri_get_query(u)) != NULL &&
		(strlen(query) > DASH_MAX_QUERY || evhttp_parse_query_str(query, &args) != 0))) {
		dash_error(req, HTTP_BADREQUEST, "Bad Request", "bad request target");
		goto out;
	}
	dash_route(d, req, path, &args);
out:
	evhttp_clear_headers(&args);
	if (u)
		evhttp_uri_free(u);
}

/* ---- connections: counted, capped ---- */

static void
dash_conn_closed(struct evhttp_connection *evcon, void *arg)
{
	struct dashboard *d = arg;

	for (size_t i = 0; evcon && i < DASHBOARD_MAX_CONNS; i++)
		if (d->peers[i].evcon == evcon)
			d->peers[i].evcon = NULL;
	if (d->n_conns > 0)
		d->n_conns--;
	if (d->paused && d->n_conns < DASHBOARD_MAX_CONNS) {
		evconnlistener_enable(d->lev);
		d->paused = 0;
	}
}

/*
 * Count a new connection against its client; past DASH_MAX_PER_CLIENT it is closed at
 * once. Its close counts it down (dash_conn_closed).
 */
static void
dash_conn_track(struct dashboard *d, struct evhttp_connection *evcon)
{
	const struct sockaddr *sa = evhttp_connection_get_addr(evcon);
	struct dash_peer *slot = NULL;
	struct netaddr peer;
	size_t same = 0;

	evhttp_connection_set_closecb(evcon, dash_conn_closed, d);
	if (sa == NULL)
		return;
	netaddr_from_sockaddr(&peer, sa, sa->sa_family == AF_INET6 ?
	    sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in));
	for (size_t i = 0; i < DASHBOARD_MAX_CONNS; i++) {
		if (d->peers[i].evcon == NULL)
			slot = slot ? slot : &d->peers[i];
		else
			same += netaddr_equal_ip(&d->peers[i].addr, &peer);
	}
	if (same >= DASH_MAX_PER_CLIENT || slot == NULL) {
		log_debug(LOG_G_MAIN, "dashboard: a client holds %zu connections; closing another",
		    same);
		evhttp_connection_free(evcon);	/* runs dash_conn_closed */
		return;
	}
	slot->evcon = evcon;
	slot->addr = peer;
}

struct dash_newconn {
	struct dash_newconn *next;
	struct dashboard *d;		/* NULL: the dashboard stopped meanwhile */
	struct bufferevent *bev;
};

/*
 * One loop turn after the accept: evhttp has made its connection object and set it as
 * the bufferevent's callback argument; we hook its close to count it down. When evhttp
 * dropped it already (its callbacks are cleared), count it down at once. Our reference
 * keeps the bufferevent valid until here.
 */
static void
dash_conn_hook(evutil_socket_t fd, short what, void *arg)
{
	struct dash_newconn *nc = arg;
	bufferevent_data_cb rcb, wcb;
	bufferevent_event_cb ecb;
	void *cbarg = NULL;

	(void)fd;
	(void)what;
	if (nc->d) {
		struct dash_newconn **pp = &nc->d->hooks;
		while (*pp && *pp != nc)
			pp = &(*pp)->next;
		if (*pp)
			*pp = nc->next;
		bufferevent_getcb(nc->bev, &rcb, &wcb, &ecb, &cbarg);
		if (ecb != NULL && cbarg != NULL)
			dash_conn_track(nc->d, cbarg);
		else
			dash_conn_closed(NULL, nc->d);
	}
	bufferevent_decref(nc->bev);
	free(nc);
}

/* evhttp asks us for each new connection's bufferevent: count it, pause at the cap. */
static struct bufferevent *
dash_bevcb(struct event_base *base, void *arg)
{
	struct dashboard *d = arg;
	struct bufferevent *bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	struct dash_newconn *nc = calloc(1, sizeof(*nc));

	if (bev == NULL || nc == NULL) {
		free(nc);
		return bev;	/* evhttp copes with NULL (makes its own); uncounted, rare */
	}
	nc->d = d;
	nc->bev = bev;
	bufferevent_incref(bev);
	if (event_base_once(base, -1, EV_TIMEOUT, dash_conn_hook, nc, NULL) != 0) {
		bufferevent_decref(bev);
		free(nc);
		return bev;
	}
	nc->next = d->hooks;
	d->hooks = nc;
	if (++d->n_conns >= DASHBOARD_MAX_CONNS && !d->paused) {
		/* The kernel's backlog holds the rest; no descriptor is taken for them. */
		evconnlistener_disable(d->lev);
		d->paused = 1;
		log_debug(LOG_G_MAIN, "dashboard: %d connections: not accepting more for now",
		    DASHBOARD_MAX_CONNS);
	}
	return bev;
}

/* ---- the listener ---- */

static int
dash_socket(const struct netaddr *a, struct netaddr *bound)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int fd, on = 1;
	char s[NETADDR_STRLEN];

	if ((fd = socket(a->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0) {
		log_warn(LOG_G_MAIN, "dashboard: socket");
		return -1;
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (a->ss.ss_family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
	if (bind(fd, (const struct sockaddr *)&a->ss, a->len) != 0 ||
	    listen(fd, DASHBOARD_MAX_CONNS) != 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &len) != 0) {
		log_warn(LOG_G_MAIN, "dashboard: cannot listen on %s", netaddr_str(a, s, sizeof(s)));
		close(fd);
		return -1;
	}
	netaddr_from_sockaddr(bound, (struct sockaddr *)&ss, len);
	return fd;
}

static void dash_stop(struct dashboard *d);

static struct dashboard *
dash_start(struct vantaged *vd, const struct config *cfg)
{
	struct dashboard *d = calloc(1, sizeof(*d));
	struct netaddr bound;
	char s[NETADDR_STRLEN];
	int fd = -1, n;

	if (d == NULL)
		return NULL;
	d->vd = vd;
	d->addr = cfg->dashboard.listen;
	d->tokens = DASH_EXPLAIN_BURST;
	d->tokens_ms = now_ms();
	if ((n = dash_load(cfg->dashboard.root, d->files)) < 0)
		goto fail;
	d->n_files = (size_t)n;
	if ((d->http = evhttp_new(vd->base)) == NULL)
		goto fail;
	/* Every method reaches dash_route, which answers 405 itself (with Allow). */
	evhttp_set_allowed_methods(d->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST |
	    EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH);
	evhttp_set_timeout(d->http, DASH_TIMEOUT);
	evhttp_set_max_headers_size(d->http, DASH_MAX_HEADERS);
	evhttp_set_max_body_size(d->http, DASH_MAX_BODY);
	evhttp_set_gencb(d->http, dash_request, d);
	evhttp_set_bevcb(d->http, dash_bevcb, d);
	if ((fd = dash_socket(&d->addr, &bound)) < 0)
		goto fail;
	if ((d->lev = evconnlistener_new(vd->base, NULL, NULL,
		 LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, -1, fd)) == NULL) {
		close(fd);
		goto fail;
	}
	if (evhttp_bind_listener(d->http, d->lev) == NULL) {
		evconnlistener_free(d->lev);
		d->lev = NULL;
		goto fail;
	}
	log_info(LOG_G_MAIN, "dashboard: serving http://%s/ (%zu files from %s)",
	    netaddr_str(&bound, s, sizeof(s)), d->n_files, cfg->dashboard.root);
	return d;
fail:
	log_warnx(LOG_G_MAIN, "dashboard: not started");
	dash_stop(d);
	return NULL;
}

static void
dash_stop(struct dashboard *d)
{
	if (d == NULL)
		return;
	/* Pending explains first: their requests die with the connections below. */
	while (d->explains) {
		struct dash_explain *de = d->explains;
		d->explains = de->next;
		explain_cancel(de->ex);
		evhttp_send_error(de->req, HTTP_SERVUNAVAIL, "shutting down");
		free(de);
	}
	for (struct dash_newconn *nc = d->hooks; nc; nc = nc->next)
		nc->d = NULL;
	if (d->http)
		evhttp_free(d->http);	/* frees the bound listener too */
	dash_files_free(d->files, d->n_files);
	free(d);
}

int
dashboard_open(struct vantaged *vd)
{
	if (!vd->cfg->dashboard.on)
		return 0;
	if ((vd->dashboard = dash_start(vd, vd->cfg)) == NULL)
		return -1;
	return 0;
}

void
dashboard_close(struct vantaged *vd)
{
	dash_stop(vd->dashboard);
	vd->dashboard = NULL;
}

void
dashboard_reload(struct vantaged *vd, const struct config *cfg)
{
	struct dashboard *d;

	if (!cfg->dashboard.on) {
		if (vd->dashboard)
			log_info(LOG_G_MAIN, "dashboard: removed from the configuration");
		dashboard_close(vd);
		return;
	}
	if (vd->dashboard && netaddr_equal(&vd->dashboard->addr, &cfg->dashboard.listen)) {
		struct dash_file files[DASH_MAX_FILES];
		int n = dash_load(cfg->dashboard.root, files);
		if (n < 0) {
			log_warnx(LOG_G_CONFIG, "reload: the dashboard keeps its pages");
			return;
		}
		dash_files_free(vd->dashboard->files, vd->dashboard->n_files);
		memcpy(vd->dashboard->files, files, sizeof(files));
		vd->dashboard->n_files = (size_t)n;
		return;
	}
	if ((d = dash_start(vd, cfg)) == NULL) {
		log_warnx(LOG_G_CONFIG, "reload: dashboard.listen unchanged%s",
		    vd->dashboard ? " (the old address still serves)" : "");
		return;
	}
	dashboard_close(vd);
	vd->dashboard = d;
}
