/* resolver/control_int.h - what the control socket's files share: connections, commands, JSON. */
#ifndef VANTAGED_CONTROL_INT_H
#define VANTAGED_CONTROL_INT_H

/*
 * control.c holds the socket, the connections and the command table; control_cmd.c the
 * commands that answer at once; control_explain.c `explain`, which waits for the mirrors.
 * Their shared functions carry the short prefix ctl_.
 */
#include <event2/buffer.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>

#include "check.h"
#include "json.h"
#include "vantaged.h"
#include "vcache.h"

struct control;

/* What a command handler returns. */
enum { CTL_DONE, CTL_ERROR, CTL_PENDING };

/* One client connection: a request, then one answer. */
struct ctl_conn {
	struct ctl_conn *prev, *next;
	struct control *ctl;
	struct vantaged *vd;
	struct bufferevent *bev;
	int dispatched;			/* the request was read */
	char cmd[48];			/* the command's words, echoed in the answer */
	char err[512];			/* CTL_ERROR: why */

	/* explain, while it waits */
	struct check_wait *cw;
	struct resolve_wait *rw;
	struct dnsq q;
	int checked;
	char reason[160];		/* why the question is not cross-checked */
	int has_cached;
	struct vcache_info cached;
};

/*
 * ctl_conn_answer - queue the answer and close after it: fields (the handler's members,
 * each with its leading comma; may be NULL) when err is NULL, else the error.
 */
void ctl_conn_answer(struct ctl_conn *cc, const char *err, struct evbuffer *fields);

/* ctl_conn_free - drop the connection (cancelling a pending explain). */
void ctl_conn_free(struct ctl_conn *cc);

/* ---- a small JSON writer: members and elements with their commas ---- */

#define JW_MAX_DEPTH 16

struct jw {
	struct evbuffer *b;
	int depth;
	int err;			/* an append failed: the output is incomplete */
	uint8_t first[JW_MAX_DEPTH];
};

/* jw_init - write members into b as if after the first member of an open object. */
static inline void
jw_init(struct jw *w, struct evbuffer *b)
{
	w->b = b;
	w->depth = 0;
	w->err = 0;
	w->first[0] = 0;
}

/* The comma and, inside an object, the key. */
static inline void
jw_sep(struct jw *w, const char *key)
{
	if (!w->first[w->depth])
		w->err |= evbuffer_add(w->b, ",", 1);
	w->first[w->depth] = 0;
	if (key) {
		w->err |= json_str(w->b, key);
		w->err |= evbuffer_add(w->b, ":", 1);
	}
}

/* jw_open - start an object ('{') or an array ('['), as member key or as an element. */
static inline void
jw_open(struct jw *w, const char *key, char c)
{
	jw_sep(w, key);
	w->err |= evbuffer_add(w->b, &c, 1);
	if (w->depth + 1 < JW_MAX_DEPTH)
		w->first[++w->depth] = 1;
	else
		w->err = 1;
}

static inline void
jw_close(struct jw *w, char c)
{
	w->err |= evbuffer_add(w->b, &c, 1);
	if (w->depth > 0)
		w->depth--;
}

/* jw_str - a string member or element; NULL gives null. */
static inline void
jw_str(struct jw *w, const char *key, const char *s)
{
	jw_sep(w, key);
	w->err |= s ? json_str(w->b, s) : evbuffer_add(w->b, "null", 4);
}

static inline void
jw_u64(struct jw *w, const char *key, uint64_t v)
{
	jw_sep(w, key);
	w->err |= evbuffer_add_printf(w->b, "%" PRIu64, v) < 0;
}

static inline void
jw_int(struct jw *w, const char *key, long v)
{
	jw_sep(w, key);
	w->err |= evbuffer_add_printf(w->b, "%ld", v) < 0;
}

static inline void
jw_bool(struct jw *w, const char *key, int v)
{
	jw_sep(w, key);
	w->err |= v ? evbuffer_add(w->b, "true", 4) : evbuffer_add(w->b, "false", 5);
}

static inline void
jw_null(struct jw *w, const char *key)
{
	jw_sep(w, key);
	w->err |= evbuffer_add(w->b, "null", 4);
}

/* ---- the commands (argv: the words after the command's own) ---- */

int ctl_status(struct ctl_conn *cc, struct jw *w, int argc, char **argv);
int ctl_mirrors(struct ctl_conn *cc, struct jw *w, int argc, char **argv);
int ctl_cache_stats(struct ctl_conn *cc, struct jw *w, int argc, char **argv);
int ctl_cache_flush(struct ctl_conn *cc, struct jw *w, int argc, char **argv);
int ctl_cache_dump(struct ctl_conn *cc, struct jw *w, int argc, char **argv);
int ctl_reload(struct ctl_conn *cc, struct jw *w, int argc, char **argv);
int ctl_log_level(struct ctl_conn *cc, struct jw *w, int argc, char **argv);
int ctl_explain(struct ctl_conn *cc, struct jw *w, int argc, char **argv);

/* ctl_explain_cancel - forget a pending explain of cc (no-op when none). */
void ctl_explain_cancel(struct ctl_conn *cc);

/* ctl_rcode_name - "NOERROR", "SERVFAIL", ... or "RCODE12" into buf. */
const char *ctl_rcode_name(int rcode, char *buf, size_t cap);

/* ctl_answer_rrs - the answer section of a stored answer as an array member of w. */
void ctl_answer_rrs(struct jw *w, const char *key, const uint8_t *wire, size_t len);

#endif
