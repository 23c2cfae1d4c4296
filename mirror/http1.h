/* mirror/http1.h - HTTP/1.1 requests (libevent's evhttp) into the routes. */
#ifndef VANTAGE_MIRROR_HTTP1_H
#define VANTAGE_MIRROR_HTTP1_H

#include <event2/http.h>

/*
 * http1_dispatch - evhttp's generic callback (arg: the struct routes): the request
 * becomes a struct request for routes_handle, and its reply goes back through evhttp.
 * evhttp keeps its request alive until that reply, even when the client has gone.
 */
void http1_dispatch(struct evhttp_request *req, void *arg);

#endif
