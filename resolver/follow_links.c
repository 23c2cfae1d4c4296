/*
 * resolver/follow_links.c - split DNS learned from the links: systemd-resolved keeps each
 * link's DNS servers and domains in /run/systemd/resolve/netif/<ifindex> (what
 * NetworkManager, a VPN's hook or resolvectl set on it), systemd-networkd its own in
 * /run/systemd/netif/links/<ifindex>. A link with its own servers and a domain (a VPN with
 * DOMAINS=corp.example, or route-only ~corp.example) makes that domain a forward zone: its
 * names go to the link's servers and never to the mirrors, like a configured forward:.
 */
#include "autoconf.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "dnswire.h"
#include "follow.h"
#include "log.h"
#include "vutil.h"

/* One space-separated server: "1.2.3.4", "1.2.3.4:53", "[::1]:53", "...#name" (DoT name). */
static void
follow_link_server(struct follow_link *l, char *tok)
{
	char *hash = strchr(tok, '#');
	struct netaddr a;

	if (hash)
		*hash = '\0';
	/* A link-local address needs its zone, which our addresses cannot carry. */
	if (strchr(tok, '%') || netaddr_parse(tok, 53, &a) != 0)
		return;
	if (l->n_servers < NELEMS(l->servers))
		l->servers[l->n_servers++] = a;
}

/* One domain: "corp.example", route-only "~corp.example"; "~." is the default route. */
static void
follow_link_domain(struct follow_link *l, const char *tok)
{
	uint8_t wire[255];

	if (*tok == '~')
		tok++;
	if (strcmp(tok, ".") == 0 || *tok == '\0') {
		l->default_route = 1;
		return;
	}
	if (dnswire_name_from_str(tok, wire, sizeof(wire)) <= 1 ||
	    l->n_domains >= NELEMS(l->domains) || strlen(tok) >= sizeof(l->domains[0]))
		return;
	snprintf(l->domains[l->n_domains++], sizeof(l->domains[0]), "%s", tok);
}

void
follow_link_parse(char *text, struct follow_link *l)
{
	char *line, *save;

	memset(l, 0, sizeof(*l));
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(line, '='), *tok, *s2;
		int servers, domains;

		if (eq == NULL || line[0] == '#')
			continue;
		*eq = '\0';
		/* resolved: SERVERS=, DOMAINS= (~ for route-only); networkd: DNS=, DOMAINS=,
		 * ROUTE_DOMAINS=. */
		servers = strcmp(line, "SERVERS") == 0 || strcmp(line, "DNS") == 0;
		domains = strcmp(line, "DOMAINS") == 0 || strcmp(line, "ROUTE_DOMAINS") == 0;
		for (tok = strtok_r(eq + 1, " \t\r", &s2); tok && (servers || domains);
		     tok = strtok_r(NULL, " \t\r", &s2)) {
			if (servers)
				follow_link_server(l, tok);
			else
				follow_link_domain(l, tok);
		}
	}
}

/* path's text into buf (NUL-terminated); 0, or -1 when it cannot be read. */
static int
follow_link_read(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (f == NULL)
		return -1;
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
	return 0;
}

/* Whether zone is at or below a configured forward: zone (the configuration wins). */
static int
follow_links_configured(const struct config *c, const uint8_t *wire, size_t len)
{
	for (size_t i = 0; i < c->n_forwards_conf; i++)
		if (dnswire_name_is_sub(wire, len, c->forwards[i].wire, c->forwards[i].len))
			return 1;
	return 0;
}

/* Add link l's zones (its usable servers) to ls; a zone two links name gets both's servers. */
static void
follow_links_add(const struct config *c, const struct follow_link *l, const struct netaddr *to,
    size_t n_to, struct follow_learned *ls)
{
	for (size_t d = 0; d < l->n_domains; d++) {
		struct config_forward z = { 0 }, *f = NULL;
		z.len = dnswire_name_from_str(l->domains[d], z.wire, sizeof(z.wire));
		if (z.len <= 1 || follow_links_configured(c, z.wire, z.len))
			continue;
		for (size_t i = 0; i < ls->n && f == NULL; i++)
			if (ls->z[i].len == z.len && memcmp(ls->z[i].wire, z.wire, z.len) == 0)
				f = &ls->z[i];
		if (f == NULL) {
			if (ls->n >= NELEMS(ls->z) || c->n_forwards_conf + ls->n >= CONFIG_MAX_FORWARDS)
				continue;
			f = &ls->z[ls->n++];
			*f = z;
			f->zone = xstrdup(l->domains[d]);
		}
		for (size_t i = 0; i < n_to && f->n_to < CONFIG_MAX_FORWARD_TO; i++)
			f->to[f->n_to++] = to[i];
	}
}

/* One link file: its zones into ls, its servers that would loop refused with a log line. */
static void
follow_links_file(const struct config *c, const char *path, const struct follow_refuse *r,
    struct follow_learned *ls)
{
	char text[8192], why[64], a[NETADDR_STRLEN];
	struct follow_link l;
	struct netaddr to[NELEMS(l.servers)];
	size_t n_to = 0;

	if (follow_link_read(path, text, sizeof(text)) != 0)
		return;
	follow_link_parse(text, &l);
	if (l.n_domains == 0)
		return; /* a default route only, or no domain: upstreams: auto's business */
	for (size_t i = 0; i < l.n_servers; i++) {
		if (r->refuse(r->arg, &l.servers[i], why, sizeof(why)))
			log_warnx(LOG_G_UPSTREAM, "%s: not forwarding %s to %s: %s (a loop)", path,
			    l.domains[0], netaddr_str(&l.servers[i], a, sizeof(a)), why);
		else
			to[n_to++] = l.servers[i];
	}
	if (n_to > 0)
		follow_links_add(c, &l, to, n_to, ls);
}

static int
follow_links_cmp(const void *a, const void *b)
{
	const struct config_forward *x = a, *y = b;
	int d = memcmp(x->wire, y->wire, x->len < y->len ? x->len : y->len);

	return d ? d : (x->len > y->len) - (x->len < y->len);
}

void
follow_links_learn(const struct config *c, const struct follow_refuse *r,
    struct follow_learned *ls)
{
	char path[4096];

	ls->n = 0;
	for (size_t i = 0; i < c->n_forward_from; i++) {
		DIR *d = opendir(c->forward_from[i]);
		struct dirent *e;
		if (d == NULL) {
			/* ENOENT: no link has settings yet. Else say why nothing is learned
			 * (resolved may make netif/ 0700 for its own user). */
			if (errno != ENOENT)
				log_warnx(LOG_G_UPSTREAM, "forward_from: cannot read %s: %s",
				    c->forward_from[i], strerror(errno));
			continue;
		}
		while ((e = readdir(d)) != NULL) {
			/* <ifindex>: resolved's temporary files (".#...") are not links yet */
			if (!isdigit((unsigned char)e->d_name[0]) ||
			    strspn(e->d_name, "0123456789") != strlen(e->d_name))
				continue;
			snprintf(path, sizeof(path), "%s/%s", c->forward_from[i], e->d_name);
			follow_links_file(c, path, r, ls);
		}
		closedir(d);
	}
	/* readdir's order is the directory's: sorted, the same links compare equal. */
	qsort(ls->z, ls->n, sizeof(ls->z[0]), follow_links_cmp);
}

void
follow_learned_clear(struct follow_learned *ls)
{
	for (size_t i = 0; i < ls->n; i++)
		free(ls->z[i].zone);
	ls->n = 0;
}

char *
follow_learned_str(const struct config_forward *z, size_t n, char *buf, size_t len)
{
	size_t off = 0;

	snprintf(buf, len, "none");
	for (size_t i = 0; i < n && off < len; i++) {
		char to[CONFIG_MAX_FORWARD_TO * (NETADDR_STRLEN + 1)];
		netaddr_list_str(z[i].to, z[i].n_to, to, sizeof(to));
		int k = snprintf(buf + off, len - off, "%s%s to %s", i ? ", " : "", z[i].zone, to);
		if (k < 0)
			break;
		off += (size_t)k;
	}
	return buf;
}
