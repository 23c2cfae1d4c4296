/* lib/jw.h - a small JSON writer onto an evbuffer: members and elements with their commas. */
#ifndef VANTAGE_JW_H
#define VANTAGE_JW_H

/*
 * The one writer of JSON documents (strings by json_str's rule, lib/json.c): the control
 * socket and the dashboard's JSON API write through it (resolver/report.c holds their
 * shared producers), so the two always say the same thing. Errors are sticky: check
 * w->err once at the end instead of after every member.
 */
#include <event2/buffer.h>
#include <inttypes.h>
#include <stdint.h>

#include "json.h"

/* Nesting levels one writer follows; deeper documents set err. */
#define JW_MAX_DEPTH 16

/* One document being written: its buffer, the nesting and whether each level is empty. */
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

/* jw_sep - the comma before a member or element and, inside an object, its key (NULL in
 * an array). The writers below call it; call it yourself only to write a raw value. */
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

/* jw_close - end the object ('}') or array (']') jw_open started. */
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

/* jw_u64 - an unsigned integer member or element. */
static inline void
jw_u64(struct jw *w, const char *key, uint64_t v)
{
	jw_sep(w, key);
	w->err |= evbuffer_add_printf(w->b, "%" PRIu64, v) < 0;
}

/* jw_int - a signed integer member or element. */
static inline void
jw_int(struct jw *w, const char *key, long v)
{
	jw_sep(w, key);
	w->err |= evbuffer_add_printf(w->b, "%ld", v) < 0;
}

/* jw_bool - true (v non-zero) or false. */
static inline void
jw_bool(struct jw *w, const char *key, int v)
{
	jw_sep(w, key);
	w->err |= v ? evbuffer_add(w->b, "true", 4) : evbuffer_add(w->b, "false", 5);
}

/* jw_null - a null member or element. */
static inline void
jw_null(struct jw *w, const char *key)
{
	jw_sep(w, key);
	w->err |= evbuffer_add(w->b, "null", 4);
}

#endif
