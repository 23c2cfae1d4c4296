/* resolver/dashboard.h - the web dashboard: read-only pages and a JSON API on an address of its own. */
#ifndef VANTAGED_DASHBOARD_H
#define VANTAGED_DASHBOARD_H

#include "config.h"
#include "vantaged.h"

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

/*
 * dashboard_open - serve on vd->cfg->dashboard.listen when it is set (nothing otherwise);
 * vd->dashboard holds it. Logs "dashboard: serving http://ADDR:PORT/". Returns 0, or -1
 * after logging why.
 */
int dashboard_open(struct vantaged *vd);

/* dashboard_close - stop serving: pending explains are cancelled, connections closed. */
void dashboard_close(struct vantaged *vd);

/*
 * dashboard_reload - apply cfg: the pages are read again; a new address is bound first
 * and the old one closed only when that worked; no address stops the dashboard.
 */
void dashboard_reload(struct vantaged *vd, const struct config *cfg);

#endif
