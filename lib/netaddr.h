/* lib/netaddr.h - socket addresses: parsing "ip:port" / "[v6]:port", printing, prefixes. */
#ifndef VANTAGE_NETADDR_H
#define VANTAGE_NETADDR_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* An IPv4 or IPv6 socket address with its length. */
struct netaddr {
	struct sockaddr_storage ss;
	socklen_t len;
};

/* Enough for "[ffff:...:ffff%iface]:65535". */
#define NETADDR_STRLEN 64

/*
 * netaddr_parse - "1.2.3.4", "1.2.3.4:53", "::1", "[::1]:53" into a.
 * default_port is used when the text has none. Numeric addresses only: no DNS lookups.
 * Returns 0, or -1 for text that is not an address (a->len is then 0).
 */
int netaddr_parse(const char *text, uint16_t default_port, struct netaddr *a);

/* netaddr_str - "1.2.3.4:53" or "[::1]:53" into buf (NETADDR_STRLEN bytes); returns buf. */
char *netaddr_str(const struct netaddr *a, char *buf, size_t len);

/* netaddr_list_str - a[0..n-1] as netaddr_str writes them, separated by spaces; returns buf. */
char *netaddr_list_str(const struct netaddr *a, size_t n, char *buf, size_t len);

/* netaddr_ip_str - the address without port; returns buf. */
char *netaddr_ip_str(const struct netaddr *a, char *buf, size_t len);

/* netaddr_port / netaddr_set_port - the port in host order. */
uint16_t netaddr_port(const struct netaddr *a);
void netaddr_set_port(struct netaddr *a, uint16_t port);

/* netaddr_equal - same family, address and port. netaddr_equal_ip ignores the port. */
int netaddr_equal(const struct netaddr *a, const struct netaddr *b);
int netaddr_equal_ip(const struct netaddr *a, const struct netaddr *b);

/* netaddr_from_sockaddr - copy a kernel-filled address (v4-mapped v6 stays v6). */
void netaddr_from_sockaddr(struct netaddr *a, const struct sockaddr *sa, socklen_t len);

/* netaddr_is_loopback / netaddr_is_any - 127/8 or ::1; 0.0.0.0 or ::. */
int netaddr_is_loopback(const struct netaddr *a);
int netaddr_is_any(const struct netaddr *a);

#endif
