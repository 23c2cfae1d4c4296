/* resolver/jw.h - a small JSON writer onto an evbuffer: members and elements with their commas. */
#ifndef VANTAGED_JW_H
#define VANTAGED_JW_H

/*
 * Shared by the control socket and the dashboard's JSON API (report.c writes both from
 * one set of producers), so that the two always say the same thing.
 */
#include <event2/buffer.h>
#include <inttypes.h>
#include <stdint.h>

#include "json.h"

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

#endif
