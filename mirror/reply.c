/* mirror/reply.c - the shapes of every answer: headers, JSON bodies, the protocol's errors. */
#include "autoconf.h"

#include "json.h"
#include "log.h"
#include "reply.h"
#include "request.h"

#define CT_JSON "application/json"

void
reply_send(struct request *req, const char *ident, int code, const char *ctype,
    struct evbuffer *body)
{
	request_header(req, "Content-Type", ctype);
	request_header(req, "X-Vantage-Mirror", ident);
	request_reply(req, code, body);
}

void
reply_error(struct request *req, const char *ident, int code, const char *error,
    const char *detail)
{
	struct evbuffer *b = evbuffer_new();

	if (b == NULL) {
		request_reply(req, 500, NULL);
		return;
	}
	evbuffer_add(b, "{", 1);
	json_kv_str(b, 1, "error", error);
	json_kv_str(b, 0, "detail", detail);
	evbuffer_add(b, "}\n", 2);
	request_header(req, "Cache-Control", "no-store");
	reply_send(req, ident, code, CT_JSON, b);
	evbuffer_free(b);
	log_debug(LOG_G_HTTP, "%d %s: %s", code, error, detail);
}

void
reply_json(struct request *req, const char *ident, struct evbuffer *b)
{
	request_header(req, "Cache-Control", "no-store");
	reply_send(req, ident, 200, CT_JSON, b);
}
