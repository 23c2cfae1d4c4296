/* tests/fuzz/fuzz_mirror_list.c - mirror entries (config_mirror_parse), as in a bootstrap file. */
#include "autoconf.h"

#include "config.h"
#include "fuzz.h"
#include "yconf.h"

/*
 * The input is a bootstrap mirror list (etc/mirrors.yaml: a sequence of entries), or a
 * mapping whose "list" is one (the mirrors: section of vantaged.yaml). Every entry goes
 * through config_mirror_parse and config_mirror_clear, all or nothing, the way
 * resolver/mirror_client.c reads the bootstrap file.
 */

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct yconf y;
	yaml_node_t *root, *list, *item;
	struct config_mirror *es = NULL;
	size_t n = 0, cap;

	memset(&y, 0, sizeof(y));
	y.max_nodes = 100000;
	if (yconf_load_buffer(&y, "mirrors.yaml", data, size) != 0) {
		if (y.err[0] == '\0')
			abort();
		goto out;
	}
	if ((root = yconf_root(&y)) == NULL || yconf_is_null(root))
		goto out;
	list = root;
	if (root->type == YAML_MAPPING_NODE && (list = yconf_get(&y, root, "list")) == NULL)
		goto out;
	if (list->type != YAML_SEQUENCE_NODE)
		goto out;
	cap = (size_t)(list->data.sequence.items.top - list->data.sequence.items.start);
	if ((es = calloc(cap ? cap : 1, sizeof(*es))) == NULL)
		abort();
	YCONF_SEQ_FOREACH(&y, list, item)
	{
		if (n == cap)
			abort();
		if (config_mirror_parse(&y, item, &es[n++]) != 0) {
			if (y.err[0] == '\0')
				abort();
			break;
		}
	}
out:
	for (size_t i = 0; i < n; i++)
		config_mirror_clear(&es[i]);
	free(es);
	yconf_free(&y);
	return 0;
}
