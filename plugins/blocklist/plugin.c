/* plugins/blocklist/plugin.c - listed names and their subtrees: REFUSED or NXDOMAIN, EDE 15. */
#include "plugin_api.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>


/* A list line longer than this is not a domain name (a name is at most 253 characters). */
#define BLOCKLIST_LINE 1024
/* The default EXTRA-TEXT of the EDE 15 (Blocked) that goes with every blocked answer. */
#define BLOCKLIST_TEXT "vantage: blocked by local policy"

enum blocklist_action { BL_REFUSE, BL_NXDOMAIN };
static const char *const blocklist_actions[] = { "refuse", "nxdomain", NULL };
static const char *const blocklist_keys[] = { "files", "names", "action", "text", NULL };

struct blocklist_conf {
	char **files;			/* NULL-terminated */
	size_t n_files;
	char **names;			/* inline names, checked at parse time */
	size_t n_names;
	enum blocklist_action action;
	char *text;
};

/* The set of listed names: open addressing over wire names stored back to back. */
struct blocklist_set {
	uint8_t *store;			/* length byte + wire name, per entry */
	size_t used, cap;
	uint32_t *slot;			/* offset + 1 into store; 0 = empty */
	uint64_t *hash;
	size_t mask;			/* slots - 1 (a power of two) */
	size_t count;
	size_t skipped;			/* lines that were not names */
};

struct blocklist {
	const struct blocklist_conf *conf;
	struct blocklist_set *set;
	uint64_t seed;			/* per instance: nobody can aim names at one bucket */
	uint64_t blocked;
	uint64_t reloads_failed;
};

/* ---- configuration ---- */

static void
blocklist_conf_free(void *p)
{
	struct blocklist_conf *c = p;

	if (c == NULL)
		return;
	yconf_strlist_free(c->files);
	yconf_strlist_free(c->names);
	free(c->text);
	free(c);
}

static int
blocklist_conf_parse(const struct plugin_env *env, struct yconf *y, const yaml_node_t *node,
    void **out)
{
	struct blocklist_conf *c = calloc(1, sizeof(*c));
	yaml_node_t *v;
	int idx;

	*out = c;
	if (c == NULL)
		return yconf_error(y, node, "out of memory");
	c->action = BL_REFUSE;
	if (yconf_is_null(node))
		return yconf_error(y, node, "blocklist: list some 'names' or 'files'");
	if (yconf_check_keys(y, node, "blocklist", blocklist_keys) != 0)
		return -1;
	if ((v = yconf_get(y, node, "files")) && !yconf_is_null(v) &&
	    yconf_strlist(y, v, "files", &c->files, &c->n_files) != 0)
		return -1;
	if ((v = yconf_get(y, node, "names")) && !yconf_is_null(v)) {
		uint8_t wire[255];
		if (yconf_strlist(y, v, "names", &c->names, &c->n_names) != 0)
			return -1;
		for (size_t i = 0; i < c->n_names; i++) {
			/* "." would block everything: almost surely a mistake, and not a list. */
			if (strcmp(c->names[i], ".") == 0 ||
			    env->str2name(c->names[i], wire, sizeof(wire)) == 0)
				return yconf_error(y, v, "names: '%s' is not a domain name",
				    c->names[i]);
		}
	}
	if (c->n_files == 0 && c->n_names == 0)
		return yconf_error(y, node, "blocklist: list some 'names' or 'files'");
	if ((v = yconf_get(y, node, "action"))) {
		if (yconf_enum(y, v, "action", blocklist_actions, &idx) != 0)
			return -1;
		c->action = (enum blocklist_action)idx;
	}
	if ((v = yconf_get(y, node, "text")) && yconf_str(y, v, "text", &c->text) != 0)
		return -1;
	if (c->text && strlen(c->text) > 120)
		return yconf_error(y, v, "text: at most 120 characters (it goes in every answer)");
	return 0;
}

static void
blocklist_print_list(FILE *out, const char *key, char *const *list, size_t n)
{
	fprintf(out, "    %s: [", key);
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%s\"%s\"", i ? ", " : "", list[i]);
	fprintf(out, "]\n");
}

static void
blocklist_conf_print(const void *p, FILE *out)
{
	const struct blocklist_conf *c = p;

	blocklist_print_list(out, "files", c->files, c->n_files);
	blocklist_print_list(out, "names", c->names, c->n_names);
	fprintf(out, "    action: %s\n    text: \"%s\"\n", blocklist_actions[c->action],
	    c->text ? c->text : BLOCKLIST_TEXT);
}

static void
blocklist_paths(const void *p, void (*add)(void *, const char *, int), void *arg)
{
	const struct blocklist_conf *c = p;

	for (size_t i = 0; i < c->n_files; i++)
		add(arg, c->files[i], 0);
}

/* ---- the set ---- */

static uint64_t
blocklist_hash(uint64_t seed, const uint8_t *name, size_t len)
{
	uint64_t h = 14695981039346656037ull ^ seed;

	for (size_t i = 0; i < len; i++) {
		h ^= name[i];
		h *= 1099511628211ull;
	}
	return h ^ (h >> 29);
}

static void
blocklist_set_free(struct blocklist_set *s)
{
	if (s == NULL)
		return;
	free(s->store);
	free(s->slot);
	free(s->hash);
	free(s);
}

static int
blocklist_set_grow(struct blocklist_set *s, uint64_t seed)
{
	size_t nslots = (s->mask + 1) * 2;
	uint32_t *slot = calloc(nslots, sizeof(*slot));
	uint64_t *hash = calloc(nslots, sizeof(*hash));

	if (slot == NULL || hash == NULL) {
		free(slot);
		free(hash);
		return -1;
	}
	for (size_t i = 0; i <= s->mask; i++) {
		size_t j;
		if (s->slot[i] == 0)
			continue;
		for (j = s->hash[i] & (nslots - 1); slot[j]; j = (j + 1) & (nslots - 1))
			;
		slot[j] = s->slot[i];
		hash[j] = s->hash[i];
	}
	free(s->slot);
	free(s->hash);
	s->slot = slot;
	s->hash = hash;
	s->mask = nslots - 1;
	(void)seed;
	return 0;
}

/* Find name; returns its slot index, or the empty slot where it would go (~0 when full). */
static size_t
blocklist_find(const struct blocklist_set *s, uint64_t h, const uint8_t *name, size_t len,
    int *found)
{
	*found = 0;
	for (size_t j = h & s->mask, n = 0; n <= s->mask; j = (j + 1) & s->mask, n++) {
		const uint8_t *e;
		if (s->slot[j] == 0)
			return j;
		e = s->store + s->slot[j] - 1;
		if (s->hash[j] == h && e[0] == len && memcmp(e + 1, name, len) == 0) {
			*found = 1;
			return j;
		}
	}
	return (size_t)-1;
}

static int
blocklist_add(struct blocklist_set *s, uint64_t seed, const uint8_t *name, size_t len)
{
	uint64_t h = blocklist_hash(seed, name, len);
	size_t j;
	int found;

	if ((s->count + 1) * 4 > (s->mask + 1) * 3 && blocklist_set_grow(s, seed) != 0)
		return -1;
	j = blocklist_find(s, h, name, len, &found);
	if (found)
		return 0;
	if (s->used + 1 + len > s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 4096;
		uint8_t *b;
		while (cap < s->used + 1 + len)
			cap *= 2;
		/* Offsets are 32-bit: 4 GiB of names is not a blocklist. */
		if (cap > UINT32_MAX || (b = realloc(s->store, cap)) == NULL)
			return -1;
		s->store = b;
		s->cap = cap;
	}
	s->store[s->used] = (uint8_t)len;
	memcpy(s->store + s->used + 1, name, len);
	s->slot[j] = (uint32_t)(s->used + 1);
	s->hash[j] = h;
	s->used += 1 + len;
	s->count++;
	return 0;
}

/* The longest listed zone that name equals or lies below: walk up one label at a time. */
static int
blocklist_match(const struct blocklist_set *s, uint64_t seed, const uint8_t *name, size_t len,
    size_t *zone_off)
{
	size_t off = 0;

	if (s == NULL || s->count == 0)
		return 0;
	while (off < len && name[off] != 0) {
		int found;
		blocklist_find(s, blocklist_hash(seed, name + off, len - off), name + off, len - off,
		    &found);
		if (found) {
			*zone_off = off;
			return 1;
		}
		off += 1 + (size_t)name[off];
	}
	return 0;
}

/* A name in presentation form to lower-cased wire form, or 0. */
static size_t
blocklist_wire(const struct plugin_env *env, const char *text, uint8_t *wire)
{
	if (strcmp(text, ".") == 0)
		return 0;
	return env->str2name(text, wire, 255);
}

/* Read one list file into s; -1 when it cannot be read (after logging why). */
static int
blocklist_read_file(struct plugin_ctx *ctx, struct blocklist *bl, struct blocklist_set *s,
    const char *path)
{
	const struct plugin_env *env = ctx->env;
	FILE *f = fopen(path, "r");
	char line[BLOCKLIST_LINE];
	unsigned long lineno = 0;
	int rc = 0;

	if (f == NULL) {
		env->log(ctx, PLUGIN_LOG_WARN, "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		char *p = line, *hash, *last = NULL, *tok, *save;
		uint8_t wire[255];
		size_t len;

		lineno++;
		if ((hash = strchr(p, '#')) != NULL)
			*hash = '\0';
		/* One name per line; hosts-file lines ("0.0.0.0 ads.example") give their last
		 * field, so that common published lists work as they are. */
		for (tok = strtok_r(p, " \t\r\n", &save); tok; tok = strtok_r(NULL, " \t\r\n", &save))
			last = tok;
		if (last == NULL)
			continue;
		if ((len = blocklist_wire(env, last, wire)) == 0) {
			if (s->skipped++ < 5)
				env->log(ctx, PLUGIN_LOG_WARN, "%s:%lu: '%.64s' is not a domain name; "
							       "skipped", path, lineno, last);
			continue;
		}
		if (blocklist_add(s, bl->seed, wire, len) != 0) {
			env->log(ctx, PLUGIN_LOG_WARN, "%s: out of memory", path);
			rc = -1;
			break;
		}
	}
	if (ferror(f)) {
		env->log(ctx, PLUGIN_LOG_WARN, "%s: read error", path);
		rc = -1;
	}
	fclose(f);
	return rc;
}

/* A new set from conf: every file and inline name, or NULL when a file failed. */
static struct blocklist_set *
blocklist_build(struct plugin_ctx *ctx, struct blocklist *bl, const struct blocklist_conf *c)
{
	struct blocklist_set *s = calloc(1, sizeof(*s));

	if (s == NULL || (s->slot = calloc(64, sizeof(*s->slot))) == NULL ||
	    (s->hash = calloc(64, sizeof(*s->hash))) == NULL)
		goto fail;
	s->mask = 63;
	for (size_t i = 0; i < c->n_names; i++) {
		uint8_t wire[255];
		size_t len = blocklist_wire(ctx->env, c->names[i], wire);
		if (len && blocklist_add(s, bl->seed, wire, len) != 0)
			goto fail;
	}
	for (size_t i = 0; i < c->n_files; i++)
		if (blocklist_read_file(ctx, bl, s, c->files[i]) != 0)
			goto fail;
	ctx->env->log(ctx, PLUGIN_LOG_INFO, "%zu names blocked (%zu files, %zu inline%s)",
	    s->count, c->n_files, c->n_names, s->skipped ? ", some lines skipped" : "");
	return s;
fail:
	blocklist_set_free(s);
	return NULL;
}

/* ---- instance ---- */

static int
blocklist_init(struct plugin_ctx *ctx, const void *conf, void **inst)
{
	struct blocklist *bl = calloc(1, sizeof(*bl));

	if (bl == NULL)
		return -1;
	bl->seed = ctx->env->now_us() * 0x9e3779b97f4a7c15ull ^ (uint64_t)(uintptr_t)bl;
	bl->conf = conf;
	if ((bl->set = blocklist_build(ctx, bl, conf)) == NULL) {
		free(bl);
		return -1;
	}
	*inst = bl;
	return 0;
}

static void
blocklist_free(void *inst)
{
	struct blocklist *bl = inst;

	if (bl == NULL)
		return;
	blocklist_set_free(bl->set);
	free(bl);
}

static int
blocklist_reload(struct plugin_ctx *ctx, const void *conf)
{
	struct blocklist *bl = ctx->inst;
	struct blocklist_set *s = blocklist_build(ctx, bl, conf);

	if (s == NULL) {
		bl->reloads_failed++;
		ctx->env->log(ctx, PLUGIN_LOG_WARN, "keeping the previous list (%zu names)",
		    bl->set->count);
		return -1;
	}
	blocklist_set_free(bl->set);
	bl->set = s;
	bl->conf = conf;
	return 0;
}

static enum plugin_state
blocklist_on_query(struct plugin_ctx *ctx)
{
	struct blocklist *bl = ctx->inst;
	const struct blocklist_conf *c = bl->conf;
	size_t zone;
	char z[1100];

	if (!blocklist_match(bl->set, bl->seed, ctx->q->qname, ctx->q->qname_len, &zone))
		return PLUGIN_PASS;
	bl->blocked++;
	ctx->env->log(ctx, PLUGIN_LOG_DEBUG, "%s %s from %s: blocked (listed: %s)", ctx->q->name,
	    ctx->q->type, ctx->client ? ctx->client->addr_str : "-",
	    ctx->env->name2str(ctx->q->qname + zone, ctx->q->qname_len - zone, z, sizeof(z)));
	ctx->env->set_ede(ctx, 15, c->text ? c->text : BLOCKLIST_TEXT);
	if (c->action == BL_NXDOMAIN) {
		ctx->env->set_rcode(ctx, 3);
		return PLUGIN_DONE;
	}
	return PLUGIN_REFUSE;
}

static void
blocklist_metrics(struct plugin_ctx *ctx, void *out)
{
	struct blocklist *bl = ctx->inst;

	ctx->env->metrics_printf(out,
	    "# HELP vantaged_plugin_blocklist_blocked_total Questions answered as blocked.\n"
	    "# TYPE vantaged_plugin_blocklist_blocked_total counter\n"
	    "vantaged_plugin_blocklist_blocked_total %llu\n"
	    "# HELP vantaged_plugin_blocklist_names Names on the list (each blocks its subtree).\n"
	    "# TYPE vantaged_plugin_blocklist_names gauge\n"
	    "vantaged_plugin_blocklist_names %zu\n"
	    "# HELP vantaged_plugin_blocklist_reload_failures_total Reloads that kept the old list.\n"
	    "# TYPE vantaged_plugin_blocklist_reload_failures_total counter\n"
	    "vantaged_plugin_blocklist_reload_failures_total %llu\n",
	    (unsigned long long)bl->blocked, bl->set->count,
	    (unsigned long long)bl->reloads_failed);
}

const struct plugin_descriptor plugin_blocklist = {
	.name = "blocklist",
	.api_version = PLUGIN_API_VERSION,
	.description = "answer listed names and their subdomains with REFUSED or NXDOMAIN, EDE 15",
	.config_parse = blocklist_conf_parse,
	.config_free = blocklist_conf_free,
	.config_print = blocklist_conf_print,
	.paths = blocklist_paths,
	.init = blocklist_init,
	.free = blocklist_free,
	.reload = blocklist_reload,
	.on_query = blocklist_on_query,
	.metrics = blocklist_metrics,
};
