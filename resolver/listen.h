/* resolver/listen.h - UDP and TCP listeners, and the TCP connections they accept. */
#ifndef VANTAGED_LISTEN_H
#define VANTAGED_LISTEN_H

#include <stddef.h>
#include <stdint.h>

#include "netaddr.h"
#include "vantaged.h"

struct query;

/*
 * listen_open - bind UDP and TCP on every configured address. Port 0 picks one free port
 * used for both. Logs "listen: bound ADDR (udp+tcp)" per address. Returns 0, or -1 after
 * logging why (nothing stays open then).
 */
int listen_open(struct vantaged *vd);

/* listen_close - close every listener and TCP connection (pending queries are dropped). */
void listen_close(struct vantaged *vd);

/* listen_same - whether the configured addresses equal the bound ones (reload check). */
int listen_same(const struct vantaged *vd, const struct config *cfg);

/* listen_udp_reply - send an answer from the socket that got the question. */
void listen_udp_reply(int fd, const struct netaddr *peer, const struct netaddr *local,
    int has_local, const uint8_t *msg, size_t len);

/*
 * tcp_conn_reply - queue a length-prefixed answer on conn. The connection is closed when
 * the client does not read its answers.
 */
void tcp_conn_reply(struct tcp_conn *conn, const uint8_t *msg, size_t len);

/* tcp_conn_attach / tcp_conn_detach - a query waiting on conn, cancelled if conn closes. */
void tcp_conn_attach(struct tcp_conn *conn, struct query *q);
void tcp_conn_detach(struct tcp_conn *conn, struct query *q);

/* listen_bound - the i-th bound address (for status output); NULL past the end. */
const struct netaddr *listen_bound(const struct vantaged *vd, size_t i);

#endif
