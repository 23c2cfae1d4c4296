/* resolver/query.h - one client question: parse, answer from cache or upstream, reply. */
#ifndef VANTAGED_QUERY_H
#define VANTAGED_QUERY_H

#include <stddef.h>
#include <stdint.h>

#include "netaddr.h"
#include "vantaged.h"

struct query;
struct tcp_conn;

/* Where a question came from and how to answer it. */
struct query_client {
	struct netaddr peer;
	struct tcp_conn *conn;		/* NULL for UDP */
	int udp_fd;			/* UDP: the listening socket */
	struct netaddr local;		/* UDP on a wildcard address: where it arrived */
	int has_local;
};

/*
 * query_handle - answer the message pkt[0..len) from client: at once from the cache or
 * with an error, or later when the upstream answers. Never fails: malformed input is
 * answered with FORMERR or dropped, and counted.
 */
void query_handle(struct vantaged *vd, const uint8_t *pkt, size_t len,
    const struct query_client *client);

/* query_shutdown - drop every pending query without answering (the daemon is stopping). */
void query_shutdown(struct vantaged *vd);

/* query_cancel - forget a pending query whose TCP connection went away (no reply). */
void query_cancel(struct query *q);

/*
 * The list of queries waiting on one TCP connection, threaded through the queries
 * themselves (struct query stays private to query.c): link, unlink and walk.
 */
void query_tcp_link(struct query **head, struct query *q);
void query_tcp_unlink(struct query **head, struct query *q);
struct query *query_tcp_next(struct query *q);

#endif
