/*
 * resolver/mirror_chains.c - what each webpki mirror presented, kept beside the state file
 * (<cache.state_file>.chains), so that a change of a public resolver's CA is noticed across
 * restarts too: an interception that starts while vantaged is down would otherwise look like
 * the first chain ever seen.
 */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "log.h"
#include "mirror_client.h"
#include "mirror_int.h"
#include "statefile.h"
#include "yconf.h"

static const char *const chains_keys[] = { "version", "chains", NULL };
static const char *const chains_item_keys[] = { "id", "address", "ca", NULL };

/* One entry: the webpki mirror with that id and address gets its known CA. */
static int
mirror_chains_item(struct yconf *y, const yaml_node_t *item, void *arg)
{
	struct mirror_set *set = arg;
	const yaml_node_t *id, *addr, *ca;
	uint8_t fp[TLS_SHA256_LEN];

	if (item->type != YAML_MAPPING_NODE ||
	    yconf_check_keys(y, item, "chain", chains_item_keys) != 0)
		return item->type != YAML_MAPPING_NODE ? yconf_error(y, item, "expected a mapping")
		    : -1;
	if ((id = yconf_get(y, item, "id")) == NULL || id->type != YAML_SCALAR_NODE ||
	    (addr = yconf_get(y, item, "address")) == NULL || addr->type != YAML_SCALAR_NODE ||
	    (ca = yconf_get(y, item, "ca")) == NULL || ca->type != YAML_SCALAR_NODE ||
	    tls_unhex((const char *)ca->data.scalar.value, fp, sizeof(fp)) != 0)
		return yconf_error(y, item, "chain: expected id, address and ca (64 hex digits)");
	for (size_t i = 0; i < set->n; i++) {
		struct mirror *m = set->mirrors[i];

		if (m->verify == VERIFY_WEBPKI &&
		    strcmp(m->id_hex, (const char *)id->data.scalar.value) == 0 &&
		    strcmp(m->addr_str, (const char *)addr->data.scalar.value) == 0) {
			memcpy(m->known_ca, fp, sizeof(fp));
			m->has_known_ca = 1;
		}
	}
	return 0;
}

void
mirror_chains_load(struct mirror_set *set, const char *path)
{
	char err[512];

	if (path == NULL || (set->chains_path = strdup(path)) == NULL)
		return;
	if (statefile_load_list(path, chains_keys, "chains", mirror_chains_item, set, err,
	    sizeof(err)) != 0)
		log_warnx(LOG_G_MIRROR, "%s (the CAs mirrors presented before are forgotten)", err);
}

void
mirror_chains_save(struct mirror_set *set)
{
	struct evbuffer *b;
	char hex[TLS_SHA256_HEX];

	if (set->chains_path == NULL || (b = evbuffer_new()) == NULL)
		return;
	evbuffer_add_printf(b, "# vantaged: the CA each public DoH resolver (webpki mirror) "
	    "presented last\nversion: 1\nchains:\n");
	for (size_t i = 0; i < set->n; i++) {
		struct mirror *m = set->mirrors[i];

		if (m->verify == VERIFY_WEBPKI && m->has_known_ca)
			evbuffer_add_printf(b, "  - { id: \"%s\", address: \"%s\", ca: \"%s\" }\n",
			    m->id_hex, m->addr_str, tls_hex(m->known_ca, TLS_SHA256_LEN, hex));
	}
	(void)statefile_write_path(set->chains_path, b);
	evbuffer_free(b);
}
