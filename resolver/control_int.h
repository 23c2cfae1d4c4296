/* resolver/control_int.h - what the control socket's files share: connections and commands. */
#ifndef VANTAGED_CONTROL_INT_H
#define VANTAGED_CONTROL_INT_H

/*
 * control.c holds the socket, the connections and the command table; control_cmd.c the
 * commands that do more than call one producer of report.c. Their shared functions carry
 * the short prefix ctl_.
 */
#include <event2/buffer.h>
#include <sys/queue.h>

#include "explain.h"
#include "jw.h"

struct control;
struct control_env;

/* What a command handler returns. */
enum { CTL_DONE, CTL_ERROR, CTL_PENDING };

/* One client connection: a request, then one answer. */
struct ctl_conn {
	LIST_ENTRY(ctl_conn) entry;
	struct control *ctl;
	const struct control_env *env;	/* the socket's */
	struct bufferevent *bev;
	int dispatched;			/* the request was read */
	char cmd[48];			/* the command's words, echoed in the answer */
	char err[512];			/* CTL_ERROR: why */

	struct explain *ex;		/* explain, while it waits */
};

/*
 * ctl_conn_answer - queue the answer and close after it: fields (the handler's members,
 * each with its leading comma; may be NULL) when err is NULL, else the error.
 */
void ctl_conn_answer(struct ctl_conn *cc, const char *err, struct evbuffer *fields);

/* ctl_conn_free - drop the connection (cancelling a pending explain). */
void ctl_conn_free(struct ctl_conn *cc);

/* ---- the commands (argv: the words after the command's own) ---- */

int ctl_cache_flush(struct ctl_conn *cc, struct jw *w, int argc, char **argv);
int ctl_cache_dump(struct ctl_conn *cc, struct jw *w, int argc, char **argv);
int ctl_reload(struct ctl_conn *cc, struct jw *w, int argc, char **argv);
int ctl_log_level(struct ctl_conn *cc, struct jw *w, int argc, char **argv);
int ctl_explain(struct ctl_conn *cc, struct jw *w, int argc, char **argv);
int ctl_portal(struct ctl_conn *cc, struct jw *w, int argc, char **argv);

/* ctl_explain_cancel - forget a pending explain of cc (no-op when none). */
void ctl_explain_cancel(struct ctl_conn *cc);

#endif
