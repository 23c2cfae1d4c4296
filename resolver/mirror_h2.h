/* resolver/mirror_h2.h - an HTTP/2 client session (libnghttp2) on a mirror's TLS bufferevent. */
#ifndef VANTAGED_MIRROR_H2_H
#define VANTAGED_MIRROR_H2_H

#include <event2/bufferevent.h>
#include <stddef.h>
#include <stdint.h>

#include "http.h"

/*
 * Streams we keep open on one connection at most, whatever the server allows: a DoH
 * stream costs the server a resolution, and 100 is what RFC 9113 section 6.5.2 asks a
 * server to allow at least; 100 concurrent cold questions per mirror is ~5,000 a second
 * at a 20 ms upstream, well past a home or office network's cold rate.
 */
#define MIRROR_H2_MAX_STREAMS 100

struct mirror_h2;

/*
 * Called once per request not cancelled: with the response (status >= 200, the
 * Content-Type as its only header, the body), or a failure of this stream alone (status
 * 0, error set). retry is 1 when the server refused the stream before working on it
 * (REFUSED_STREAM, or above the last stream of a GOAWAY): sending it again elsewhere is
 * safe. Everything is valid during the call only. A connection that ends calls none of
 * these: its close hook runs instead, and the owner still holds what was in flight.
 */
typedef void (*mirror_h2_cb)(void *arg, const struct http_response *resp, int retry);

/*
 * mirror_h2_new - take over bev (its callbacks and lifetime: mirror_h2_free frees it), an
 * established TLS connection whose ALPN said h2, and start an HTTP/2 client session on it
 * (server push off, bounded headers, CONTINUATION and SETTINGS floods refused). Input
 * already buffered is read at once. authority is the :authority (copied). NULL with err
 * set on failure (bev is then not taken).
 */
struct mirror_h2 *mirror_h2_new(struct bufferevent *bev, const char *authority, char *err,
    size_t errlen);

/* mirror_h2_set_close_cb - the connection-end hook (why: one phrase) and its argument. */
void mirror_h2_set_close_cb(struct mirror_h2 *h, http_close_cb cb, void *arg);

/*
 * mirror_h2_request - open a stream: method and path, an Accept header when accept is not
 * NULL, a body (len bytes, copied) with content_type when len > 0 or the method is POST;
 * no other header (no User-Agent: nothing that identifies us). The response body is bounded
 * by max_body (bytes; longer: the stream fails). cb runs later, never from inside this
 * call. Returns the stream id (> 0), or -1 when the session takes no new stream (closed,
 * going away, no memory).
 */
int32_t mirror_h2_request(struct mirror_h2 *h, const char *method, const char *path,
    const char *accept, const char *content_type, const void *body, size_t len,
    size_t max_body, mirror_h2_cb cb, void *arg);

/*
 * mirror_h2_cancel - give up on stream sid: its callback will not run. While few are, the
 * stream is only forgotten (its late answer is read and dropped; no RST_STREAM, which a
 * server counts towards rapid reset); else it is reset (RST_STREAM CANCEL).
 */
void mirror_h2_cancel(struct mirror_h2 *h, int32_t sid);

/*
 * mirror_h2_max_streams - how many streams may be open at once now: the server's
 * SETTINGS_MAX_CONCURRENT_STREAMS, at most MIRROR_H2_MAX_STREAMS, less the streams
 * forgotten (mirror_h2_cancel) and still open.
 */
size_t mirror_h2_max_streams(const struct mirror_h2 *h);

/*
 * mirror_h2_answer_us - when (now_us) the server last sent a response frame (HEADERS or
 * DATA, accepted by nghttp2) on a stream we still hold, also one we forgot; 0 never.
 */
uint64_t mirror_h2_answer_us(const struct mirror_h2 *h);

/* mirror_h2_draining - 1 once the server sent GOAWAY (or the session ended): no new stream. */
int mirror_h2_draining(const struct mirror_h2 *h);

/*
 * mirror_h2_stall_why - one phrase for a connection whose streams get no answer: whether
 * the server keeps its flow-control window closed, or just does not answer.
 */
const char *mirror_h2_stall_why(const struct mirror_h2 *h);

/*
 * mirror_h2_free - end the session, close the connection and free h; no callback runs.
 * Safe from inside h's callbacks. Accepts NULL.
 */
void mirror_h2_free(struct mirror_h2 *h);

#endif
