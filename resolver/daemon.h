/* resolver/daemon.h - being a Unix daemon: systemd's notify socket, dropping root, detaching. */
#ifndef VANTAGED_DAEMON_H
#define VANTAGED_DAEMON_H

/* daemon_notify - tell systemd (Type=notify) about a state change, e.g. "READY=1". */
void daemon_notify(const char *state);

/* daemon_drop_privileges - become user for good (its group only); nothing when not root or
 * user is empty. Exits when the user does not exist or the change fails. */
void daemon_drop_privileges(const char *user);

/* daemon_detach - fork into the background, a new session, stdio on /dev/null. */
void daemon_detach(void);

#endif
