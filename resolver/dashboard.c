/* resolver/dashboard.c - the web dashboard: pages from memory, capped connections, each request's checks and route. */
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
#include "config.h"
#include "dashboard.h"
#include "dashboard_int.h"
#include "httpsrv.h"
#include "log.h"
#include "report.h"
#include "vutil.h"

/* A request must arrive, and its answer leave, within this (s). */
#define DASH_TIMEOUT 10
/* The pages send small GETs: a browser's headers are 1-2 KiB. */
#define DASH_MAX_HEADERS 8192
/* Only the token-guarded POST has a body, and it needs none. */
#define DASH_MAX_BODY 1024
/* A page file's size, and all of them (bytes). */
#define DASH_MAX_FILE (256 * 1024)
#define DASH_MAX_TOTAL (1024 * 1024)
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

/* The pages' files: names, count and sizes are small and fixed by the tree. */
#define DASH_MAX_FILES 32

struct dash_file {
	char name[48];
	const char *type;
	char *data;
	size_t len;
};

struct dash_newconn;

/* The dashboard while it serves on one address (a reload to another makes a new one). */
struct dash_srv {
	const struct dashboard_env *env;	/* the dashboard's, which outlives it */
	struct evhttp *http;
	struct evconnlistener *lev;
	struct netaddr addr;		/* as configured (maybe port 0) */
	size_t n_conns;
	int paused;			/* the listener is disabled: DASHBOARD_MAX_CONNS reached */
	struct dash_file files[DASH_MAX_FILES];
	size_t n_files;
	struct dash_api api;		/* dashboard_api.c */
	LIST_HEAD(, dash_newconn) hooks;	/* accepted, not yet hooked (dash_conn_hook) */
	struct dash_peer {
		struct evhttp_connection *evcon;
		struct netaddr addr;
	} peers[DASHBOARD_MAX_CONNS];	/* hooked connections and their clients */
};

/* The dashboard: what it was given, and its server while it serves. */
struct dashboard {
	struct dashboard_env env;
	struct dash_srv *srv;		/* NULL: not serving */
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

void
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
void
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

/* ---- requests ---- */

/*
 * Whether the Host header names us in a way DNS rebinding cannot: an IP literal,
 * localhost, or a name the operator listed. A page on another site that rebinds its
 * own name to our address sends that name, and is refused.
 */
static int
dash_host_ok(const struct dash_srv *d, const char *host)
{
	char h[256], *colon;
	struct in6_addr a6;
	struct in_addr a4;
	const struct config *cfg = *d->env->src.cfg;

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
dash_acl_ok(const struct dash_srv *d, struct evhttp_request *req)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	const struct sockaddr *sa = evcon ? evhttp_connection_get_addr(evcon) : NULL;
	struct netaddr peer;
	const struct config *cfg = *d->env->src.cfg;

	if (sa == NULL)
		return 0;
	netaddr_from_sockaddr(&peer, sa,
	    sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in));
	return acl_match(cfg->acl, cfg->n_acl, &peer) == ACL_ALLOW;
}

static void
dash_page(struct dash_srv *d, struct evhttp_request *req, const char *path)
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
dash_route(struct dash_srv *d, struct evhttp_request *req, const char *path,
    struct evkeyvalq *args)
{
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	const char *token = (*d->env->src.cfg)->dashboard.token;

	if (cmd == EVHTTP_REQ_POST && token && strcmp(path, "/api/cache/flush") == 0) {
		dash_api_flush(&d->api, req, args);
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
		if (!dash_api_get(&d->api, req, path + 5, args))
			dash_error(req, HTTP_NOTFOUND, "Not Found", "no such API");
		return;
	}
	dash_page(d, req, path);
}

static void
dash_request(struct evhttp_request *req, void *arg)
{
	struct dash_srv *d = arg;
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
	struct dash_srv *d = arg;

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
dash_conn_track(struct dash_srv *d, struct evhttp_connection *evcon)
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
	LIST_ENTRY(dash_newconn) entry;
	struct dash_srv *d;		/* NULL: the dashboard stopped meanwhile */
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
		LIST_REMOVE(nc, entry);
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
	struct dash_srv *d = arg;
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
	LIST_INSERT_HEAD(&d->hooks, nc, entry);
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

static void dash_stop(struct dash_srv *d);

/* The server on cfg's address, with cfg's pages; NULL after logging why. */
static struct dash_srv *
dash_start(const struct dashboard_env *env, const struct config *cfg)
{
	struct dash_srv *d = calloc(1, sizeof(*d));
	struct httpsrv_conf hc = { .who = "dashboard",
		/* Every method reaches dash_route, which answers 405 itself (with Allow). */
		.methods = EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST | EVHTTP_REQ_PUT |
		    EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH,
		.timeout_s = DASH_TIMEOUT, .max_headers = DASH_MAX_HEADERS,
		.max_body = DASH_MAX_BODY, .backlog = DASHBOARD_MAX_CONNS, .cb = dash_request,
		.arg = d };
	struct netaddr bound;
	char s[NETADDR_STRLEN];
	int fd = -1, n;

	if (d == NULL)
		return NULL;
	d->env = env;
	d->addr = cfg->dashboard.listen;
	LIST_INIT(&d->hooks);
	dash_api_init(&d->api, env);
	if ((n = dash_load(cfg->dashboard.root, d->files)) < 0)
		goto fail;
	d->n_files = (size_t)n;
	if ((d->http = httpsrv_new(env->base, &hc)) == NULL)
		goto fail;
	evhttp_set_bevcb(d->http, dash_bevcb, d);
	if ((fd = httpsrv_socket(&hc, &d->addr, &bound)) < 0)
		goto fail;
	if ((d->lev = evconnlistener_new(env->base, NULL, NULL,
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
dash_stop(struct dash_srv *d)
{
	struct dash_newconn *nc;

	if (d == NULL)
		return;
	/* Pending explains first: their requests die with the connections below. */
	dash_api_stop(&d->api);
	LIST_FOREACH(nc, &d->hooks, entry)
		nc->d = NULL;
	if (d->http)
		evhttp_free(d->http);	/* frees the bound listener too */
	dash_files_free(d->files, d->n_files);
	free(d);
}

int
dashboard_open(const struct dashboard_env *env, struct dashboard **out)
{
	struct dashboard *db;

	if ((*out = db = calloc(1, sizeof(*db))) == NULL)
		return -1;
	db->env = *env;
	if (!(*env->src.cfg)->dashboard.on)
		return 0;
	return (db->srv = dash_start(&db->env, *env->src.cfg)) == NULL ? -1 : 0;
}

void
dashboard_close(struct dashboard *db)
{
	if (db == NULL)
		return;
	dash_stop(db->srv);
	free(db);
}

/* The same address: only the pages are read again (0), or -1 when they cannot be. */
static int
dash_reload_pages(struct dash_srv *d, const struct config *cfg)
{
	struct dash_file files[DASH_MAX_FILES];
	int n = dash_load(cfg->dashboard.root, files);

	if (n < 0)
		return -1;
	dash_files_free(d->files, d->n_files);
	memcpy(d->files, files, sizeof(files));
	d->n_files = (size_t)n;
	return 0;
}

void
dashboard_reload(struct dashboard *db, const struct config *cfg)
{
	struct dash_srv *d;

	if (db == NULL)
		return;
	if (!cfg->dashboard.on) {
		if (db->srv)
			log_info(LOG_G_MAIN, "dashboard: removed from the configuration");
		dash_stop(db->srv);
		db->srv = NULL;
		return;
	}
	if (db->srv && netaddr_equal(&db->srv->addr, &cfg->dashboard.listen)) {
		if (dash_reload_pages(db->srv, cfg) != 0)
			log_warnx(LOG_G_CONFIG, "reload: the dashboard keeps its pages");
		return;
	}
	if ((d = dash_start(&db->env, cfg)) == NULL) {
		log_warnx(LOG_G_CONFIG, "reload: dashboard.listen unchanged%s",
		    db->srv ? " (the old address still serves)" : "");
		return;
	}
	dash_stop(db->srv);
	db->srv = d;
}
