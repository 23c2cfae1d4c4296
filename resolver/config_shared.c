/*
 * resolver/config_shared.c - shared: the Redis server a fleet of vantaged instances shares
 * its verdicts through (fleet.c). Absent, or without redis, the fleet is off.
 */
#include "autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "config_int.h"
#include "log.h"
#include "vutil.h"

static const char *const config_shared_keys[] = { "redis", "password", "username", "prefix",
	"timeout", "key_file", NULL };

/* A prefix is part of every key and of the channel: printable, no spaces, not too long. */
static int
config_shared_prefix(struct yconf *y, const yaml_node_t *v, struct config_shared *s)
{
	free(s->prefix);
	s->prefix = NULL;
	if (yconf_str(y, v, "prefix", &s->prefix) != 0)
		return -1;
	if (s->prefix[0] == '\0' || strlen(s->prefix) > 64)
		return yconf_error(y, v, "shared.prefix: 1 to 64 characters");
	for (const char *p = s->prefix; *p; p++)
		if (*p <= ' ' || *p >= 0x7f)
			return yconf_error(y, v,
			    "shared.prefix: printable characters only, no spaces");
	return 0;
}

/*
 * key_file's bytes, as they are (a trailing newline included: every instance reads the same
 * file). Read with the configuration, so that `vantaged -n` finds a missing or short one.
 */
static int
config_shared_key(struct yconf *y, const yaml_node_t *v, struct config_shared *s)
{
	uint8_t buf[CONFIG_SHARED_KEY_MAX + 1];
	ssize_t n;
	size_t len = 0;
	int fd;

	if ((fd = open(s->key_file, O_RDONLY | O_CLOEXEC)) < 0)
		return yconf_error(y, v, "shared.key_file: cannot read %s: %s", s->key_file,
		    strerror(errno));
	while (len < sizeof(buf) && (n = read(fd, buf + len, sizeof(buf) - len)) > 0)
		len += (size_t)n;
	close(fd);
	if (len < CONFIG_SHARED_KEY_MIN || len > CONFIG_SHARED_KEY_MAX) {
		explicit_bzero(buf, sizeof(buf));
		return yconf_error(y, v, "shared.key_file: %s holds %zu bytes; %d to %d needed",
		    s->key_file, len, CONFIG_SHARED_KEY_MIN, CONFIG_SHARED_KEY_MAX);
	}
	s->key = xcalloc(1, len);
	memcpy(s->key, buf, len);
	s->key_len = len;
	explicit_bzero(buf, sizeof(buf));
	return 0;
}

/* The optional keys beside redis. */
static int
config_shared_rest(struct yconf *y, const yaml_node_t *n, struct config_shared *s)
{
	yaml_node_t *v;

	if ((v = yconf_get(y, n, "password")) &&
	    config_opt_str(y, v, "password", &s->password) != 0)
		return -1;
	if ((v = yconf_get(y, n, "username")) &&
	    config_opt_str(y, v, "username", &s->username) != 0)
		return -1;
	if ((v = yconf_get(y, n, "prefix")) && config_shared_prefix(y, v, s) != 0)
		return -1;
	if ((v = yconf_get(y, n, "timeout")) &&
	    yconf_duration_ms(y, v, "timeout", 1, 1000, &s->timeout_ms) != 0)
		return -1;
	if ((v = yconf_get(y, n, "key_file")) && !yconf_is_null(v) &&
	    (yconf_str(y, v, "key_file", &s->key_file) != 0 || config_shared_key(y, v, s) != 0))
		return -1;
	return 0;
}

int
config_shared_parse(struct yconf *y, const yaml_node_t *n, struct config *c)
{
	struct config_shared *s = &c->shared;
	yaml_node_t *v;
	char err[256];

	if (yconf_is_null(n))
		return 0;
	if (yconf_check_keys(y, n, "shared", config_shared_keys) != 0)
		return -1;
	s->prefix = xstrdup(CONFIG_SHARED_PREFIX);
	s->timeout_ms = CONFIG_SHARED_TIMEOUT_MS;
	if (config_shared_rest(y, n, s) != 0)
		return -1;
	if ((v = yconf_get(y, n, "redis")) == NULL || yconf_is_null(v))
		return 0; /* the other keys checked, the fleet off */
	if (yconf_str(y, v, "redis", &s->redis) != 0)
		return -1;
	if (vredis_parse_url(s->redis, &s->addr, err, sizeof(err)) != 0)
		return yconf_error(y, v, "shared.redis: %s", err);
	s->on = 1;
	return 0;
}

void
config_shared_free(struct config *c)
{
	struct config_shared *s = &c->shared;

	if (s->key)
		explicit_bzero(s->key, s->key_len);
	free(s->key);
	free(s->redis);
	free(s->password);
	free(s->username);
	free(s->prefix);
	free(s->key_file);
	explicit_bzero(&s->addr, sizeof(s->addr)); /* the URL's password, if any */
	memset(s, 0, sizeof(*s));
}

static int
config_shared_str_same(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

int
config_shared_same(const struct config *a, const struct config *b)
{
	const struct config_shared *x = &a->shared, *y = &b->shared;

	return x->on == y->on && config_shared_str_same(x->redis, y->redis) &&
	    config_shared_str_same(x->password, y->password) &&
	    config_shared_str_same(x->username, y->username) &&
	    config_shared_str_same(x->prefix, y->prefix) && x->timeout_ms == y->timeout_ms &&
	    config_shared_str_same(x->key_file, y->key_file) && x->key_len == y->key_len &&
	    (x->key_len == 0 || memcmp(x->key, y->key, x->key_len) == 0);
}

void
config_shared_keep(struct config *running, struct config *next)
{
	struct config_shared t = running->shared;

	if (config_shared_same(running, next))
		return;
	log_warnx(LOG_G_CONFIG, "reload: shared: changed; it takes effect at the next restart");
	running->shared = next->shared;
	next->shared = t;
}

/* The server as a URL without its password: "redis://host:port/db", "unix:/path?db=N". */
static void
config_shared_url(const struct vredis_addr *a, char *buf, size_t cap)
{
	if (a->is_unix)
		snprintf(buf, cap, "unix:%s?db=%u", a->path, a->db);
	else if (strchr(a->host, ':') != NULL)
		snprintf(buf, cap, "redis://[%s]:%u/%u", a->host, a->port, a->db);
	else
		snprintf(buf, cap, "redis://%s:%u/%u", a->host, a->port, a->db);
}

void
config_shared_print(const struct config *c, FILE *out)
{
	const struct config_shared *s = &c->shared;
	const char *user = s->username ? s->username : s->addr.user;
	int pass = (s->password && s->password[0]) || s->addr.password[0];
	char url[VREDIS_HOST_MAX + VREDIS_PATH_MAX + 32];

	if (!s->on) {
		fprintf(out, "shared: ~\n");
		return;
	}
	config_shared_url(&s->addr, url, sizeof(url));
	/* The password is never printed: -nv output ends up in bug reports. */
	fprintf(out, "shared:\n  redis: \"%s\"\n  password: %s\n  username: ", url,
	    pass ? "\"(set)\"" : "~");
	if (user && user[0])
		fprintf(out, "\"%s\"\n", user);
	else
		fprintf(out, "~\n");
	fprintf(out, "  prefix: \"%s\"\n  timeout: %llums\n  key_file: %s\n", s->prefix,
	    (unsigned long long)s->timeout_ms, s->key_file ? s->key_file : "~");
}
