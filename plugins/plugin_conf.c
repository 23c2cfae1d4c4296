/* plugins/plugin_conf.c - the plugins: section, the compiled-in table and vantaged -V. */
#include "autoconf.h"

#include <stdlib.h>
#include <string.h>

#include "dnswire.h"
#include "plugin_conf.h"
#include "yconf.h"

/* What config_parse gets: the pure helpers only (the daemon may not even run: -n). */
static const struct plugin_env plugin_conf_env = {
	.name2str = dnswire_name2str,
	.str2name = dnswire_name_from_str,
	.str2type = dnswire_str2type,
	.type2str = dnswire_type2str,
};

size_t
plugin_conf_table_len(void)
{
	size_t n = 0;

	while (plugin_table[n])
		n++;
	return n;
}

int
plugin_conf_check_table(char *err, size_t errlen)
{
	for (size_t i = 0; plugin_table[i]; i++) {
		const struct plugin_descriptor *d = plugin_table[i];
		if (d->name == NULL || d->config_parse == NULL || d->config_free == NULL) {
			snprintf(err, errlen, "plugin #%zu: incomplete descriptor", i + 1);
			return -1;
		}
		if (d->api_version != PLUGIN_API_VERSION) {
			snprintf(err, errlen,
			    "plugin %s: written for plugin API %u, this vantaged offers %u",
			    d->name, d->api_version, PLUGIN_API_VERSION);
			return -1;
		}
		for (size_t j = 0; j < i; j++)
			if (strcmp(plugin_table[j]->name, d->name) == 0) {
				snprintf(err, errlen, "plugin %s: listed twice in plugins/PLUGINS",
				    d->name);
				return -1;
			}
	}
	return 0;
}

void
plugin_conf_print_version(FILE *out)
{
	size_t n = plugin_conf_table_len();

	fprintf(out, "plugins (chain order, API %u):%s\n", PLUGIN_API_VERSION, n ? "" : " none");
	for (size_t i = 0; i < n; i++)
		fprintf(out, "  %zu. %s (API %u) - %s\n", i + 1, plugin_table[i]->name,
		    plugin_table[i]->api_version,
		    plugin_table[i]->description ? plugin_table[i]->description : "");
}

void
plugin_conf_free(struct plugin_config *pc)
{
	if (pc == NULL)
		return;
	for (size_t i = 0; i < pc->n; i++)
		if (pc->slot[i].enabled)
			plugin_table[i]->config_free(pc->slot[i].conf);
	free(pc->slot);
	free(pc);
}

int
plugin_conf_parse(struct yconf *y, const yaml_node_t *node, struct plugin_config **out)
{
	struct plugin_config *pc;

	*out = NULL;
	if ((pc = calloc(1, sizeof(*pc))) == NULL ||
	    (pc->slot = calloc(plugin_conf_table_len() + 1, sizeof(*pc->slot))) == NULL) {
		free(pc);
		return yconf_error(y, node, "out of memory");
	}
	pc->n = plugin_conf_table_len();
	if (node == NULL || yconf_is_null(node)) {
		*out = pc;
		return 0;
	}
	if (node->type != YAML_MAPPING_NODE) {
		plugin_conf_free(pc);
		return yconf_error(y, node, "plugins: expected a mapping of plugin names");
	}
	for (yaml_node_pair_t *p = node->data.mapping.pairs.start; p < node->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = yconf_node(y, p->key), *v = yconf_node(y, p->value);
		const char *name = (const char *)k->data.scalar.value;
		size_t i;

		for (i = 0; i < pc->n && strcmp(plugin_table[i]->name, name) != 0; i++)
			;
		if (i == pc->n) {
			char known[256] = "";
			for (size_t j = 0; j < pc->n; j++)
				snprintf(known + strlen(known), sizeof(known) - strlen(known), "%s%s",
				    j ? ", " : "", plugin_table[j]->name);
			yconf_error(y, k, "unknown plugin '%s' (compiled in: %s)", name,
			    pc->n ? known : "none");
			plugin_conf_free(pc);
			return -1;
		}
		/* `NAME:` with nothing after it is that plugin with its defaults. */
		pc->slot[i].enabled = 1;
		pc->slot[i].line = yconf_line(k);
		if (plugin_table[i]->config_parse(&plugin_conf_env, y, v,
			&pc->slot[i].conf) != 0) {
			if (y->err[0] == '\0')
				yconf_error(y, v, "plugins: %s: invalid configuration", name);
			plugin_conf_free(pc);
			return -1;
		}
	}
	*out = pc;
	return 0;
}

void
plugin_conf_print(const struct plugin_config *pc, FILE *out)
{
	int any = 0;

	if (pc == NULL)
		return;
	for (size_t i = 0; i < pc->n; i++) {
		if (!pc->slot[i].enabled)
			continue;
		if (!any)
			fprintf(out, "plugins:\n");
		any = 1;
		fprintf(out, "  %s:\n", plugin_table[i]->name);
		if (plugin_table[i]->config_print)
			plugin_table[i]->config_print(pc->slot[i].conf, out);
	}
}

int
plugin_conf_any(const struct plugin_config *pc)
{
	for (size_t i = 0; pc != NULL && i < pc->n; i++)
		if (pc->slot[i].enabled)
			return 1;
	return 0;
}
