/* plugins/plugin_conf.h - the compiled-in plugin table and the plugins: section: parsing,
 * printing (vantaged -nv), the table's check and vantaged -V. Pure: no daemon needed. */
#ifndef VANTAGE_PLUGIN_CONF_H
#define VANTAGE_PLUGIN_CONF_H

#include <stddef.h>
#include <stdio.h>

#include "plugin_api.h"
#include "yconf.h"

/* The compiled-in plugins in chain order, NULL-terminated: generated from plugins/PLUGINS
 * (plugins/plugin_table.c). */
extern const struct plugin_descriptor *const plugin_table[];

/* plugin_conf_any - whether pc turns on at least one plugin (NULL: none). */
struct plugin_config;
int plugin_conf_any(const struct plugin_config *pc);

/* The parsed plugins: section: one slot per plugin_table entry. */
struct plugin_config {
	size_t n;
	struct plugin_config_slot {
		int enabled;		/* the key is present */
		void *conf;		/* the plugin's parse result */
		unsigned long line;
	} *slot;
};

/*
 * plugin_conf_parse - the plugins: mapping (node, NULL when absent) into *out: one key per
 * plugin name, each subtree handed to that plugin's config_parse. An unknown name is a
 * file:line error. Returns 0, or -1 after recording the error in y (*out then NULL).
 */
int plugin_conf_parse(struct yconf *y, const yaml_node_t *node, struct plugin_config **out);

/* plugin_conf_free - free what plugin_conf_parse made; accepts NULL. */
void plugin_conf_free(struct plugin_config *pc);

/* plugin_conf_print - the plugins: section of vantaged -nv (nothing when none is on). */
void plugin_conf_print(const struct plugin_config *pc, FILE *out);

/*
 * plugin_conf_check_table - every descriptor is complete and speaks PLUGIN_API_VERSION, and
 * no name appears twice. Returns 0, or -1 with the first problem in err (errlen bytes).
 */
int plugin_conf_check_table(char *err, size_t errlen);

/* plugin_conf_print_version - vantaged -V: the chain in order, one line per plugin. */
void plugin_conf_print_version(FILE *out);

/* plugin_conf_table_len - how many plugins plugin_table holds. */
size_t plugin_conf_table_len(void);

#endif
