/*
 * resolver/tcp_admit.h - the TCP connection limits of the whole instance (tcp.max_connections,
 * tcp.max_per_client): every event loop accepts on its own sockets, and takes a place here
 * first, so that N loops do not make N times the limits.
 */
#ifndef VANTAGED_TCP_ADMIT_H
#define VANTAGED_TCP_ADMIT_H

#include "netaddr.h"

struct tcp_admit;

/* Why a connection was not admitted. */
enum tcp_admit_refusal { TCP_ADMIT_OK = 0, TCP_ADMIT_FULL, TCP_ADMIT_PER_CLIENT };

/* tcp_admit_new - no connection yet; NULL when out of memory. */
struct tcp_admit *tcp_admit_new(void);

/* tcp_admit_free - accepts NULL. */
void tcp_admit_free(struct tcp_admit *ta);

/*
 * tcp_admit_take - a place for one more connection from peer under the limits (max_total
 * in all, max_per_client from one address): TCP_ADMIT_OK (give it back with
 * tcp_admit_give when the connection goes), or why not. Thread-safe.
 */
enum tcp_admit_refusal tcp_admit_take(struct tcp_admit *ta, const struct netaddr *peer,
    unsigned long max_total, unsigned long max_per_client);

/* tcp_admit_give - peer's connection went. Thread-safe. */
void tcp_admit_give(struct tcp_admit *ta, const struct netaddr *peer);

#endif
