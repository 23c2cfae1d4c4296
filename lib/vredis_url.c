/* lib/vredis_url.c - where the fleet's Redis is: "redis://..." and "unix:..." URLs. */
#include "autoconf.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "netaddr.h"
#include "vredis.h"

static int
vredis_err(char *err, size_t errlen, const char *msg)
{
	snprintf(err, errlen, "%s", msg);
	return -1;
}

/* "N" for a database number: 0..15 is Redis's default, but servers may have more. */
static int
vredis_parse_db(const char *s, unsigned *db)
{
	char *end;
	unsigned long v;

	if (*s == '\0' || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > 65535)
		return -1;
	*db = (unsigned)v;
	return 0;
}

static int
vredis_parse_unix(const char *p, struct vredis_addr *out, char *err, size_t errlen)
{
	const char *q = strchr(p, '?');
	size_t n = q ? (size_t)(q - p) : strlen(p);

	while (p[0] == '/' && p[1] == '/') /* "unix:///run/x" as well as "unix:/run/x" */
		p++, n--;
	if (n == 0 || p[0] != '/')
		return vredis_err(err, errlen, "a unix: URL needs an absolute socket path");
	if (n >= sizeof(out->path))
		return vredis_err(err, errlen, "the socket path is too long");
	memcpy(out->path, p, n);
	out->path[n] = '\0';
	out->is_unix = 1;
	if (q != NULL && (strncmp(q, "?db=", 4) != 0 || vredis_parse_db(q + 4, &out->db) != 0))
		return vredis_err(err, errlen, "after the socket path only ?db=N may follow");
	return 0;
}

/* user:password@ (either part may be empty). */
static int
vredis_parse_userinfo(const char *p, size_t n, struct vredis_addr *out, char *err, size_t errlen)
{
	const char *colon = memchr(p, ':', n);
	size_t ulen = colon ? (size_t)(colon - p) : n;
	size_t plen = colon ? n - ulen - 1 : 0;

	if (ulen >= sizeof(out->user) || plen >= sizeof(out->password))
		return vredis_err(err, errlen, "the user or password in the URL is too long");
	memcpy(out->user, p, ulen);
	out->user[ulen] = '\0';
	if (colon)
		memcpy(out->password, colon + 1, plen);
	out->password[plen] = '\0';
	return 0;
}

/* The host must be an address: a name would be looked up with a blocking call on the
 * event loop, through the very resolver vantaged is. "localhost" is 127.0.0.1. */
static int
vredis_parse_host(const char *h, size_t n, struct vredis_addr *out, char *err, size_t errlen)
{
	struct netaddr na;

	if (n >= sizeof(out->host))
		return vredis_err(err, errlen, "the host is too long");
	memcpy(out->host, h, n);
	out->host[n] = '\0';
	if (strcmp(out->host, "localhost") == 0)
		snprintf(out->host, sizeof(out->host), "127.0.0.1");
	if (netaddr_parse(out->host, 0, &na) != 0)
		return vredis_err(err, errlen,
		    "the host must be an IP address or localhost (a name would block the loop)");
	return 0;
}

static int
vredis_parse_port(const char *s, size_t n, uint16_t *port)
{
	unsigned v = 0;

	if (n == 0 || n > 5)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v == 0 || v > 65535)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

/* host[:port] or [v6][:port], n bytes at p. */
static int
vredis_parse_hostport(const char *p, size_t n, struct vredis_addr *out, char *err, size_t errlen)
{
	const char *host = p, *port = NULL;
	size_t hlen = n;

	if (n > 0 && p[0] == '[') {
		const char *close = memchr(p, ']', n);
		if (close == NULL)
			return vredis_err(err, errlen, "an IPv6 address needs its closing ]");
		host = p + 1;
		hlen = (size_t)(close - host);
		if (close + 1 < p + n) {
			if (close[1] != ':')
				return vredis_err(err, errlen, "only :port may follow ]");
			port = close + 2;
		}
	} else {
		const char *colon = memchr(p, ':', n);
		if (colon != NULL) {
			hlen = (size_t)(colon - p);
			port = colon + 1;
		}
	}
	if (hlen == 0)
		return vredis_err(err, errlen, "the URL has no host");
	if (vredis_parse_host(host, hlen, out, err, errlen) != 0)
		return -1;
	out->port = 6379;
	if (port != NULL && vredis_parse_port(port, (size_t)(p + n - port), &out->port) != 0)
		return vredis_err(err, errlen, "the port must be a number from 1 to 65535");
	return 0;
}

int
vredis_parse_url(const char *url, struct vredis_addr *out, char *err, size_t errlen)
{
	const char *p, *at, *slash;

	memset(out, 0, sizeof(*out));
	for (p = url; *p; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f)
			return vredis_err(err, errlen, "the URL has a space or a control character");
	if (strncmp(url, "unix:", 5) == 0)
		return vredis_parse_unix(url + 5, out, err, errlen);
	if (strncmp(url, "redis://", 8) != 0)
		return vredis_err(err, errlen,
		    "expected redis://host[:port][/db] or unix:/path (rediss:// is not supported)");
	p = url + 8;
	slash = strchr(p, '/');
	at = memchr(p, '@', slash ? (size_t)(slash - p) : strlen(p));
	if (at != NULL) {
		if (vredis_parse_userinfo(p, (size_t)(at - p), out, err, errlen) != 0)
			return -1;
		p = at + 1;
	}
	if (vredis_parse_hostport(p, slash ? (size_t)(slash - p) : strlen(p), out, err,
		errlen) != 0)
		return -1;
	if (slash != NULL && slash[1] != '\0' && vredis_parse_db(slash + 1, &out->db) != 0)
		return vredis_err(err, errlen, "the database after / must be a number");
	return 0;
}

void
vredis_describe(const struct vredis_addr *a, char *buf, size_t len)
{
	if (a->is_unix)
		snprintf(buf, len, "unix:%s/%u", a->path, a->db);
	else if (strchr(a->host, ':') != NULL)
		snprintf(buf, len, "[%s]:%u/%u", a->host, a->port, a->db);
	else
		snprintf(buf, len, "%s:%u/%u", a->host, a->port, a->db);
}
