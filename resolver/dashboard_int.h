/* resolver/dashboard_int.h - what the dashboard's files share: the API's state in a server, answers. */
#ifndef VANTAGED_DASHBOARD_INT_H
#define VANTAGED_DASHBOARD_INT_H

/*
 * dashboard.c serves: pages from memory, connections counted and capped, the request's
 * checks (ACL, Host, method) and its route. dashboard_api.c answers /api/: the producers
 * of report.c and explain.c, and the one token-guarded POST. Shared names: dash_. This
 * header includes neither side's, so the two files never lean on each other's insides.
 */
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

struct dashboard_env;
struct dash_explain;

/* The API's state in one running server: explains waiting for the mirrors, their bucket. */
struct dash_api {
	const struct dashboard_env *env;	/* the dashboard's, which outlives the server */
	LIST_HEAD(, dash_explain) explains;
	size_t n_explains;
	double tokens;			/* the explain bucket */
	uint64_t tokens_ms;
};

/* dash_headers - the headers every answer carries (CSP, nosniff, ...), type if not NULL;
 * nocache: "no-store" (API) rather than "no-cache" (pages). */
void dash_headers(struct evhttp_request *req, const char *type, int nocache);

/* dash_error - answer code (reason phrase reason) with a short JSON error saying why. */
void dash_error(struct evhttp_request *req, int code, const char *reason, const char *why);

/* dash_api_init - the API's part of a new server, reading through env (the explain bucket
 * starts full). */
void dash_api_init(struct dash_api *a, const struct dashboard_env *env);

/*
 * dash_api_get - answer GET /api/WHAT (what: the part after "/api/"; args: the query).
 * Returns 1 when answered, 0 when there is no such API (the caller answers 404).
 */
int dash_api_get(struct dash_api *a, struct evhttp_request *req, const char *what,
    struct evkeyvalq *args);

/* dash_api_flush - POST /api/cache/flush: the bearer token checked first (401 without). */
void dash_api_flush(struct dash_api *a, struct evhttp_request *req, struct evkeyvalq *args);

/* dash_api_stop - answer every pending explain 503 and cancel it (the server stops). */
void dash_api_stop(struct dash_api *a);

#endif
