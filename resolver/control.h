/* resolver/control.h - the control socket: vantagectl's requests, one JSON answer each. */
#ifndef VANTAGED_CONTROL_H
#define VANTAGED_CONTROL_H

#include "config.h"
#include "vantaged.h"

/*
 * The protocol (doc/vantagectl.8): a client connects to the UNIX stream socket, sends one
 * request line of words ("status", "explain www.example.com AAAA", "cache flush NAME"),
 * at most CONTROL_MAX_REQUEST bytes ending in a newline (or the end of its writes), and
 * reads one JSON object ending in a newline; then the daemon closes the connection.
 * Every answer has "ok": true, or "ok": false with "error".
 */
#define CONTROL_MAX_REQUEST 1024

/*
 * control_open - create the socket at vd->cfg->control_socket (nothing when unset) and
 * start accepting on vd->base; vd->control holds it. Call it as root before the privilege
 * drop: the socket is made mode 0660, owned by root and by the group of cfg->user (or the
 * group "vantage" when it exists; best effort). A stale socket left by a crash is
 * replaced; a socket a running daemon answers on, or a file that is not a socket, is not.
 * A missing parent directory is created (mode 0750, owned by cfg->user) so that the
 * unprivileged daemon can remove the socket at exit.
 * Returns 0, or -1 after logging why.
 */
int control_open(struct vantaged *vd);

/*
 * control_close - stop accepting, drop every connection (pending explains are cancelled)
 * and remove the socket file when it is still ours. Call before check_shutdown. Safe
 * when control_open did nothing.
 */
void control_close(struct vantaged *vd);

/*
 * control_reload - a reload brings cfg: the socket is not moved (the daemon no longer has
 * the privileges to create it where root could), so a changed path is logged as taking
 * effect at the next restart.
 */
void control_reload(struct vantaged *vd, const struct config *cfg);

#endif
