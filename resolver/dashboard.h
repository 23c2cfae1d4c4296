/* resolver/dashboard.h - the web dashboard: read-only pages and a JSON API on an address of its own. */
#ifndef VANTAGED_DASHBOARD_H
#define VANTAGED_DASHBOARD_H

#include <event2/event.h>

#include "report.h"

/*
 * The dashboard faces a LAN (on a router, every device on it), so it is built as an
 * attacker would probe it: the ACL of the DNS listeners applies (a client it does not
 * allow gets 403); at most DASHBOARD_MAX_CONNS connections at once (past that the
 * listener stops accepting until one closes, so a flood of idle connections cannot take
 * the daemon's file descriptors); bounded headers and bodies (413), GET and HEAD only
 * (405) unless dashboard.token is set and given as "Authorization: Bearer TOKEN" to the
 * one request that changes state (POST /api/cache/flush); a Host header that is neither
 * an IP literal, localhost nor one of dashboard.hostnames is refused (421), which stops
 * DNS rebinding from turning a web page the user visits into a reader of the dashboard;
 * pages come from memory (the files of dashboard.root are read at start and reload; a
 * request names a table entry, never a path); every answer carries a Content-Security-
 * Policy of 'self' only, nosniff, no CORS headers.
 *
 * The API (doc/vantaged.8, DASHBOARD): /api/status, /api/mirrors, /api/cache,
 * /api/recent (also /api/dissents), /api/clients, /api/history, /api/explain?name=&type=
 * each answer exactly what `vantagectl` answers for the same command (report.c and
 * explain.c produce both); /api/metrics is the Prometheus text of /metrics.
 */
#define DASHBOARD_MAX_CONNS 32

struct dashboard;

/* What the dashboard is given: its loop and the view of the daemon its API reports. */
struct dashboard_env {
	struct event_base *base;
	struct report_src src;		/* copied; *src.cfg holds dashboard.* and the ACL */
};

/*
 * dashboard_open - the dashboard into *out (env copied), serving on cfg->dashboard.listen
 * when it is set (nothing otherwise; a reload may start it). Logs "dashboard: serving
 * http://ADDR:PORT/". Returns 0, or -1 after logging why (*out is then still set when
 * memory allowed, so that a reload can try again).
 */
int dashboard_open(const struct dashboard_env *env, struct dashboard **out);

/* dashboard_close - stop serving (pending explains are cancelled, connections closed) and
 * free; accepts NULL. */
void dashboard_close(struct dashboard *db);

/*
 * dashboard_reload - apply cfg: the pages are read again; a new address is bound first
 * and the old one closed only when that worked; no address stops the dashboard. Accepts
 * NULL.
 */
void dashboard_reload(struct dashboard *db, const struct config *cfg);

#endif
