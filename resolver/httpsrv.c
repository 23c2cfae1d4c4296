/* resolver/httpsrv.c - what the metrics endpoint and the dashboard share: an evhttp on a TCP listener of their own. */
#include "autoconf.h"

#include <sys/socket.h>
#include <unistd.h>

#include "httpsrv.h"
#include "log.h"

struct evhttp *
httpsrv_new(struct event_base *base, const struct httpsrv_conf *c)
{
	struct evhttp *http = evhttp_new(base);

	if (http == NULL)
		return NULL;
	evhttp_set_allowed_methods(http, (ev_uint16_t)c->methods);
	evhttp_set_timeout(http, c->timeout_s);
	evhttp_set_max_headers_size(http, (ev_ssize_t)c->max_headers);
	evhttp_set_max_body_size(http, (ev_ssize_t)c->max_body);
	evhttp_set_gencb(http, c->cb, c->arg);
	return http;
}

int
httpsrv_socket(const struct httpsrv_conf *c, const struct netaddr *a, struct netaddr *bound)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int fd, on = 1;
	char s[NETADDR_STRLEN];

	if ((fd = socket(a->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0) {
		log_warn(LOG_G_MAIN, "%s: socket", c->who);
		return -1;
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (a->ss.ss_family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on));
	if (bind(fd, (const struct sockaddr *)&a->ss, a->len) != 0 || listen(fd, c->backlog) != 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &len) != 0) {
		log_warn(LOG_G_MAIN, "%s: cannot listen on %s", c->who, netaddr_str(a, s, sizeof(s)));
		close(fd);
		return -1;
	}
	netaddr_from_sockaddr(bound, (struct sockaddr *)&ss, len);
	return fd;
}
