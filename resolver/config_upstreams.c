/* resolver/config_upstreams.c - upstreams: a list, or `auto`: the nameservers of the files where
 * the system keeps its resolvers (systemd-resolved's, NetworkManager's, resolv.conf). */
#include "autoconf.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "config_int.h"
#include "vutil.h"
#include "yconf.h"

int
config_upstreams_parse(struct yconf *y, const yaml_node_t *v, struct config *c)
{
	const char *first = NULL;

	if (v->type == YAML_SCALAR_NODE)
		first = (const char *)v->data.scalar.value;
	else if (v->type == YAML_SEQUENCE_NODE && v->data.sequence.items.top -
		v->data.sequence.items.start == 1) {
		yaml_node_t *i0 = yconf_node(y, *v->data.sequence.items.start);
		if (i0 && i0->type == YAML_SCALAR_NODE)
			first = (const char *)i0->data.scalar.value;
	}
	if (first == NULL || strcmp(first, "auto") != 0) {
		c->upstreams_auto = 0;
		return config_addr_list(y, v, "upstreams", 53, c->upstreams, CONFIG_MAX_UPSTREAMS,
		    &c->n_upstreams);
	}
	c->upstreams_auto = 1;
	return 0;
}

/* Where the system keeps its resolvers, in the order `upstreams: auto` asks (vantaged.8). */
static const char *const config_auto_sources[] = {
	"/run/systemd/resolve/resolv.conf",		/* systemd-resolved, every link */
	"/run/NetworkManager/no-stub-resolv.conf",	/* NetworkManager, without a stub */
};

/* upstreams_from when the file does not say: the system's sources, then resolv_conf. */
static void
config_auto_defaults(struct config *c, const char *resolv_conf)
{
	size_t n = 0;

	c->upstreams_from = xcalloc(NELEMS(config_auto_sources) + 2, sizeof(char *));
	/* A test's own resolv.conf stands alone: the machine's files are not the test's. */
	if (strcmp(resolv_conf, CONFIG_RESOLV_CONF) == 0)
		for (size_t i = 0; i < NELEMS(config_auto_sources); i++)
			c->upstreams_from[n++] = xstrdup(config_auto_sources[i]);
	c->upstreams_from[n++] = xstrdup(resolv_conf);
	c->n_upstreams_from = n;
}

int
config_learn_upstreams(const struct config *c, struct netaddr *out, size_t max, size_t *source)
{
	struct netaddr stub, all[CONFIG_MAX_UPSTREAMS];

	netaddr_parse("127.0.0.53:53", 53, &stub);
	for (size_t i = 0; i < c->n_upstreams_from; i++) {
		int n = config_read_resolv_conf(c->upstreams_from[i], c->listen, c->n_listen, all,
		    NELEMS(all));
		size_t k = 0;
		for (int j = 0; j < n && k < max; j++)
			if (!netaddr_equal(&all[j], &stub))
				out[k++] = all[j];
		if (k > 0) {
			*source = i;
			return (int)k;
		}
	}
	return 0;
}

int
config_upstreams_auto(struct yconf *y, const yaml_node_t *at, struct config *c,
    const char *resolv_conf)
{
	int n;

	if (!c->upstreams_auto)
		return 0;
	if (c->upstreams_from == NULL)
		config_auto_defaults(c, resolv_conf);
	/* One place to look (a test's resolv.conf, or the operator's choice): it must be there. */
	if (c->n_upstreams_from == 1 && access(c->upstreams_from[0], R_OK) != 0)
		return yconf_error(y, at, "upstreams: auto: cannot read %s: %s", c->upstreams_from[0],
		    strerror(errno));
	n = config_learn_upstreams(c, c->upstreams, CONFIG_MAX_UPSTREAMS, &c->upstreams_source);
	if (n == 0 && c->n_upstreams_from == 1)
		return yconf_error(y, at,
		    "upstreams: auto: %s names no usable nameserver (other than vantaged itself); "
		    "list the upstreams explicitly", c->upstreams_from[0]);
	/* Several places to look (a laptop booting before its network): start without an
	 * upstream, answer SERVFAIL, and follow the files until one names a resolver. */
	c->n_upstreams = (size_t)n;
	return 0;
}

int
config_read_resolv_conf(const char *path, const struct netaddr *skip, size_t nskip,
    struct netaddr *out, size_t max)
{
	FILE *f = fopen(path, "r");
	char line[512];
	int n = 0;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) && (size_t)n < max) {
		char *p = line, *addr, *save;
		struct netaddr a;
		int ours = 0;

		while (isspace((unsigned char)*p))
			p++;
		if (strncmp(p, "nameserver", 10) != 0 || !isspace((unsigned char)p[10]))
			continue;
		if ((addr = strtok_r(p + 10, " \t\r\n", &save)) == NULL)
			continue;
		/* A link-local address needs its zone, which our addresses cannot carry: skip it
		 * rather than send to an address that goes nowhere. */
		if (strchr(addr, '%') || netaddr_parse(addr, 53, &a) != 0)
			continue;
		for (size_t i = 0; i < nskip; i++)
			if (netaddr_equal(&a, &skip[i]) ||
			    (netaddr_is_any(&skip[i]) && netaddr_port(&skip[i]) == 53 &&
				a.ss.ss_family == skip[i].ss.ss_family))
				ours = 1;
		if (!ours)
			out[n++] = a;
	}
	fclose(f);
	return n;
}


int
config_forward_from_parse(struct yconf *y, const yaml_node_t *v, struct config *c)
{
	if (v == NULL || yconf_is_null(v))
		return 0;
	if (yconf_strlist(y, v, "forward_from", &c->forward_from, &c->n_forward_from) != 0)
		return -1;
	if (c->n_forward_from == 1 && strcmp(c->forward_from[0], "none") == 0) {
		yconf_strlist_free(c->forward_from);
		c->forward_from = NULL;
		c->n_forward_from = 0;
		return 0;
	}
	if (c->n_forward_from > CONFIG_MAX_FORWARD_FROM)
		return yconf_error(y, v, "forward_from: at most %d directories", CONFIG_MAX_FORWARD_FROM);
	for (size_t i = 0; i < c->n_forward_from; i++) {
		if (strcmp(c->forward_from[i], "resolved") == 0) {
			free(c->forward_from[i]);
			c->forward_from[i] = xstrdup(CONFIG_RESOLVED_NETIF);
		} else if (c->forward_from[i][0] != '/')
			return yconf_error(y, v, "forward_from: '%s': `resolved`, `none` or absolute "
						 "directories", c->forward_from[i]);
	}
	if (c->forwards == NULL) /* room for what follow.c learns */
		c->forwards = xcalloc(CONFIG_MAX_FORWARDS, sizeof(*c->forwards));
	return 0;
}
