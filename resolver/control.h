/* resolver/control.h - the control socket: vantagectl's requests, one JSON answer each. */
#ifndef VANTAGED_CONTROL_H
#define VANTAGED_CONTROL_H

#include <event2/event.h>

#include "report.h"

/*
 * The protocol (doc/vantagectl.8): a client connects to the UNIX stream socket, sends one
 * request line of words ("status", "explain www.example.com AAAA", "cache flush NAME"),
 * at most CONTROL_MAX_REQUEST bytes ending in a newline (or the end of its writes), and
 * reads one JSON object ending in a newline; then the daemon closes the connection.
 * Every answer has "ok": true, or "ok": false with "error".
 */
#define CONTROL_MAX_REQUEST 1024

struct control;

/* What the control socket is given: its loop, the view of the daemon it reports, and the
 * one command that acts on the daemon as a whole. */
struct control_env {
	struct event_base *base;
	struct report_src src;		/* copied; *src.cfg names the socket */
	/* `reload`: read the configuration file again and apply it (vantaged_reload). */
	void (*reload)(void *arg);
	void *arg;
};

/*
 * control_open - create the socket at cfg->control_socket (nothing when unset: *out is
 * then NULL) and start accepting on env->base; *out holds it. Call it as root before the
 * privilege drop: the socket is made mode 0660, owned by root and by the group of
 * cfg->user (or the group "vantage" when it exists; best effort). A stale socket left by
 * a crash is replaced; a socket a running daemon answers on, or a file that is not a
 * socket, is not. A missing parent directory is created (mode 0750, owned by cfg->user)
 * so that the unprivileged daemon can remove the socket at exit. env is copied.
 * Returns 0, or -1 after logging why (*out NULL).
 */
int control_open(const struct control_env *env, struct control **out);

/*
 * control_close - stop accepting, drop every connection (pending explains are cancelled)
 * and remove the socket file when it is still ours. Call before the check room shuts
 * down. Accepts NULL.
 */
void control_close(struct control *ctl);

/*
 * control_reload - a reload brings cfg: the socket is not moved (the daemon no longer has
 * the privileges to create it where root could), so a changed path is logged as taking
 * effect at the next restart. ctl may be NULL (no socket now).
 */
void control_reload(const struct control *ctl, const struct config *cfg);

#endif
