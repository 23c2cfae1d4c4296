/* resolver/dashboard_api.c - the dashboard's JSON API: the producers of report.c and explain.c, the one token-guarded POST. */
#include "autoconf.h"

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "dashboard.h"
#include "dashboard_int.h"
#include "explain.h"
#include "log.h"
#include "metrics.h"
#include "report.h"
#include "vutil.h"

/* Explains ask the mirrors afresh: at most this many at once, and a token bucket of
 * DASH_EXPLAIN_RATE a second (burst DASH_EXPLAIN_BURST), so a client on the LAN cannot
 * turn the page into a generator of mirror traffic. */
#define DASH_MAX_EXPLAINS 4
#define DASH_EXPLAIN_RATE 2
#define DASH_EXPLAIN_BURST 6

/* One explain while it waits for the mirrors. */
struct dash_explain {
	LIST_ENTRY(dash_explain) entry;
	struct dash_api *api;
	struct evhttp_request *req;
	struct explain *ex;
};

/* An API answer: the envelope around fields (200), or the error (400). */
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
	LIST_REMOVE(de, entry);
	de->api->n_explains--;
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
dash_explain_allowed(struct dash_api *a)
{
	uint64_t now = now_ms();

	a->tokens += (double)(now - a->tokens_ms) * DASH_EXPLAIN_RATE / 1000.0;
	if (a->tokens > DASH_EXPLAIN_BURST)
		a->tokens = DASH_EXPLAIN_BURST;
	a->tokens_ms = now;
	if (a->n_explains >= DASH_MAX_EXPLAINS || a->tokens < 1.0)
		return 0;
	a->tokens -= 1.0;
	return 1;
}

static void
dash_explain(struct dash_api *a, struct evhttp_request *req, struct evkeyvalq *args)
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
	if (!dash_explain_allowed(a)) {
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
	de->api = a;
	de->req = req;
	switch (explain_start(&a->env->src, name, type, &w, dash_explained, de, &de->ex, err,
	    sizeof(err))) {
	case EXPLAIN_PENDING:
		LIST_INSERT_HEAD(&a->explains, de, entry);
		a->n_explains++;
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
dash_flush_run(struct dash_api *a, struct evhttp_request *req, struct evkeyvalq *args)
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
	if (report_cache_flush(&a->env->src, &w, name && name[0] ? name : NULL, err, sizeof(err)) != 0)
		dash_json(req, "cache flush", err, NULL);
	else {
		/* Not the name itself: it is the client's text, and the log is the operator's. */
		log_info(LOG_G_CTL, "dashboard: cache flush (%s)", name ? "one name" : "everything");
		dash_json(req, "cache flush", w.err ? "out of memory" : NULL, fields);
	}
	evbuffer_free(fields);
}

/* GET /api/NAME: the producer the control command of the same name uses. */
int
dash_api_get(struct dash_api *a, struct evhttp_request *req, const char *what,
    struct evkeyvalq *args)
{
	static const struct {
		const char *path, *cmd;
		void (*run)(const struct report_src *src, struct jw *w);
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
		dash_explain(a, req, args);
		return 1;
	}
	if (strcmp(what, "metrics") == 0) {
		if ((fields = evbuffer_new()) == NULL || metrics_render(&a->env->src, fields) != 0) {
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
		api[i].run(&a->env->src, &w);
		dash_json(req, api[i].cmd, w.err ? "out of memory" : NULL, fields);
		evbuffer_free(fields);
		return 1;
	}
	return 0;
}

void
dash_api_flush(struct dash_api *a, struct evhttp_request *req, struct evkeyvalq *args)
{
	if (!dash_token_ok((*a->env->src.cfg)->dashboard.token,
		evhttp_find_header(evhttp_request_get_input_headers(req), "Authorization"))) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "WWW-Authenticate",
		    "Bearer");
		dash_error(req, 401, "Unauthorized", "this needs dashboard.token");
		return;
	}
	dash_flush_run(a, req, args);
}

void
dash_api_init(struct dash_api *a, const struct dashboard_env *env)
{
	a->env = env;
	LIST_INIT(&a->explains);
	a->tokens = DASH_EXPLAIN_BURST;
	a->tokens_ms = now_ms();
}

void
dash_api_stop(struct dash_api *a)
{
	/* Their requests die with the connections the caller closes next. */
	while (!LIST_EMPTY(&a->explains)) {
		struct dash_explain *de = LIST_FIRST(&a->explains);
		LIST_REMOVE(de, entry);
		explain_cancel(de->ex);
		evhttp_send_error(de->req, HTTP_SERVUNAVAIL, "shutting down");
		free(de);
	}
}
