/* lib/netaddr.c - socket addresses: parsing "ip:port" / "[v6]:port", printing, prefixes. */
#include "autoconf.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netaddr.h"

static int
netaddr_parse_port(const char *s, uint16_t *port)
{
	char *end;
	unsigned long p;

	if (*s < '0' || *s > '9')
		return -1;
	p = strtoul(s, &end, 10);
	if (*end != '\0' || p > 65535)
		return -1;
	*port = (uint16_t)p;
	return 0;
}

int
netaddr_parse(const char *text, uint16_t default_port, struct netaddr *a)
{
	char host[NETADDR_STRLEN];
	const char *portstr = NULL;
	uint16_t port = default_port;
	struct sockaddr_in *sin = (struct sockaddr_in *)&a->ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&a->ss;

	memset(a, 0, sizeof(*a));
	if (text == NULL || strlen(text) >= sizeof(host))
		return -1;
	if (text[0] == '[') {
		const char *close = strchr(text, ']');
		if (close == NULL || (size_t)(close - text - 1) >= sizeof(host))
			return -1;
		memcpy(host, text + 1, (size_t)(close - text - 1));
		host[close - text - 1] = '\0';
		if (close[1] == ':')
			portstr = close + 2;
		else if (close[1] != '\0')
			return -1;
	} else {
		const char *colon = strchr(text, ':');
		strcpy(host, text);
		/* One colon: v4 with port. Several: a bare IPv6 address, no port. */
		if (colon && strchr(colon + 1, ':') == NULL) {
			host[colon - text] = '\0';
			portstr = colon + 1;
		}
	}
	if (portstr && netaddr_parse_port(portstr, &port) != 0)
		return -1;
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		a->len = sizeof(*sin);
		return 0;
	}
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		a->len = sizeof(*sin6);
		return 0;
	}
	memset(a, 0, sizeof(*a));
	return -1;
}

char *
netaddr_ip_str(const struct netaddr *a, char *buf, size_t len)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)&a->ss;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&a->ss;

	if (a->ss.ss_family == AF_INET)
		inet_ntop(AF_INET, &sin->sin_addr, buf, (socklen_t)len);
	else if (a->ss.ss_family == AF_INET6)
		inet_ntop(AF_INET6, &sin6->sin6_addr, buf, (socklen_t)len);
	else
		snprintf(buf, len, "?");
	return buf;
}

char *
netaddr_str(const struct netaddr *a, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];

	netaddr_ip_str(a, ip, sizeof(ip));
	if (a->ss.ss_family == AF_INET6)
		snprintf(buf, len, "[%s]:%u", ip, netaddr_port(a));
	else
		snprintf(buf, len, "%s:%u", ip, netaddr_port(a));
	return buf;
}

uint16_t
netaddr_port(const struct netaddr *a)
{
	if (a->ss.ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)&a->ss)->sin_port);
	if (a->ss.ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)&a->ss)->sin6_port);
	return 0;
}

void
netaddr_set_port(struct netaddr *a, uint16_t port)
{
	if (a->ss.ss_family == AF_INET)
		((struct sockaddr_in *)&a->ss)->sin_port = htons(port);
	else if (a->ss.ss_family == AF_INET6)
		((struct sockaddr_in6 *)&a->ss)->sin6_port = htons(port);
}

int
netaddr_equal_ip(const struct netaddr *a, const struct netaddr *b)
{
	if (a->ss.ss_family != b->ss.ss_family)
		return 0;
	if (a->ss.ss_family == AF_INET)
		return ((const struct sockaddr_in *)&a->ss)->sin_addr.s_addr ==
		    ((const struct sockaddr_in *)&b->ss)->sin_addr.s_addr;
	if (a->ss.ss_family == AF_INET6)
		return memcmp(&((const struct sockaddr_in6 *)&a->ss)->sin6_addr,
			   &((const struct sockaddr_in6 *)&b->ss)->sin6_addr, 16) == 0;
	return 0;
}

int
netaddr_equal(const struct netaddr *a, const struct netaddr *b)
{
	return netaddr_equal_ip(a, b) && netaddr_port(a) == netaddr_port(b);
}

void
netaddr_from_sockaddr(struct netaddr *a, const struct sockaddr *sa, socklen_t len)
{
	memset(a, 0, sizeof(*a));
	if (len > sizeof(a->ss))
		len = sizeof(a->ss);
	memcpy(&a->ss, sa, len);
	a->len = len;
}

int
netaddr_is_loopback(const struct netaddr *a)
{
	if (a->ss.ss_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)&a->ss)->sin_addr.s_addr) >> 24) == 127;
	if (a->ss.ss_family == AF_INET6)
		return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)&a->ss)->sin6_addr);
	return 0;
}

int
netaddr_is_any(const struct netaddr *a)
{
	if (a->ss.ss_family == AF_INET)
		return ((const struct sockaddr_in *)&a->ss)->sin_addr.s_addr == htonl(INADDR_ANY);
	if (a->ss.ss_family == AF_INET6)
		return IN6_IS_ADDR_UNSPECIFIED(&((const struct sockaddr_in6 *)&a->ss)->sin6_addr);
	return 0;
}

char *
netaddr_list_str(const struct netaddr *a, size_t n, char *buf, size_t len)
{
	char s[NETADDR_STRLEN];
	size_t used = 0;

	if (len > 0)
		buf[0] = '\0';
	for (size_t i = 0; i < n && used + 1 < len; i++) {
		int w = snprintf(buf + used, len - used, "%s%s", i ? " " : "",
		    netaddr_str(&a[i], s, sizeof(s)));
		if (w < 0)
			break;
		used += (size_t)w < len - used ? (size_t)w : len - used - 1;
	}
	return buf;
}
