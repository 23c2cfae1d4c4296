/* mirror/reply.h - the shapes of every answer: headers, JSON bodies, the protocol's errors. */
#ifndef VANTAGE_MIRROR_REPLY_H
#define VANTAGE_MIRROR_REPLY_H

#include <event2/buffer.h>

struct request;

/*
 * reply_send - answer req with code, Content-Type ctype, X-Vantage-Mirror ident and body
 * (may be NULL; not taken). Frees req.
 */
void reply_send(struct request *req, const char *ident, int code, const char *ctype,
    struct evbuffer *body);

/*
 * reply_error - answer req with code and {"error":error,"detail":detail}, not to be
 * cached, and log it at debug level. Frees req.
 */
void reply_error(struct request *req, const char *ident, int code, const char *error,
    const char *detail);

/* reply_json - answer req with 200 and the JSON body b, not to be cached. Frees req. */
void reply_json(struct request *req, const char *ident, struct evbuffer *b);

#endif
