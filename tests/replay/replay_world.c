/* tests/replay/replay_world.c - the checks' context over the scripted world, and its end. */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dissent.h"
#include "log.h"
#include "replay.h"
#include "vcache.h"
#include "yconf.h"

/* What every scenario's configuration starts from: the scenario's own lines follow. */
static const char replay_base_config[] = "upstreams: [127.0.0.53]\n";

/*
 * Whether the scenario's own lines set consensus.allow_private. Every address a story hands
 * out is on 127/8, which the ladder counts as private: with allow_private false, "a private
 * address only the local answer has" would be dissent by that rule alone, and the stories of
 * the other rules (weak signals, CA evidence) would pass for the wrong reason. So the world
 * runs with allow_private: true, as tests/adversary and tests/integration/consensus do,
 * unless the story says otherwise (private.rpl). Read with the parser config_load uses, so
 * that "set" means what the loaded configuration will have read.
 */
static int
replay_sets_allow_private(const struct replay *rp)
{
	struct yconf y = { 0 };
	yaml_node_t *root, *cons;
	int set = 0;

	if (yconf_load_buffer(&y, "config", rp->cfgtext, rp->cfglen) == 0 &&
	    (root = yconf_root(&y)) != NULL && (cons = yconf_get(&y, root, "consensus")) != NULL)
		set = yconf_get(&y, cons, "allow_private") != NULL;
	yconf_free(&y);
	return set;
}

static int
replay_write(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		return -1;
	fputs(text, f);
	return fclose(f);
}

/* The scenario's configuration, loaded as vantaged loads its file. */
static struct config *
replay_load_config(struct replay *rp, char *err, size_t errlen)
{
	char cfg_path[128], resolv_path[128], *text;
	struct config *cfg;
	size_t n = sizeof(replay_base_config) + rp->cfglen + 128;

	snprintf(rp->dir, sizeof(rp->dir), "%s/replay.XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(rp->dir) == NULL || (text = malloc(n)) == NULL) {
		snprintf(err, errlen, "no scratch directory");
		return NULL;
	}
	snprintf(text, n, "%slog: { dissent_log: %s/dissent.log }\n%s", replay_base_config, rp->dir,
	    rp->cfgtext);
	snprintf(cfg_path, sizeof(cfg_path), "%s/vantaged.yaml", rp->dir);
	snprintf(resolv_path, sizeof(resolv_path), "%s/resolv.conf", rp->dir);
	if (replay_write(cfg_path, text) != 0 ||
	    replay_write(resolv_path, "nameserver 127.0.0.53\n") != 0) {
		free(text);
		snprintf(err, errlen, "cannot write the configuration");
		return NULL;
	}
	free(text);
	cfg = config_load(cfg_path, resolv_path, err, errlen);
	unlink(cfg_path);
	unlink(resolv_path);
	/* Set on the loaded configuration rather than merged into the story's consensus: line,
	 * which yconf would reject as a duplicate key; nothing reads it before the checks do. */
	if (cfg != NULL && !replay_sets_allow_private(rp))
		cfg->consensus.allow_private = 1;
	return cfg;
}

int
replay_world_start(struct replay *rp, char *err, size_t errlen)
{
	struct check_ca_env ce = { .base = rp->base, .cfg = &rp->cfg, .st = &rp->st,
		.mirrors = &world_mirror_ops, .probes = &world_probe_ops, .probes_svc = rp->w,
		.clock = world_clock };
	struct check_env env = { .base = rp->base, .cfg = &rp->cfg, .st = &rp->st,
		.mirrors = &world_mirror_ops, .mirrors_svc = rp->w,
		.upstream = &world_upstream_ops, .upstream_svc = rp->w, .clock = world_clock };
	static const uint8_t secret[32] = "replay: a fixed secret, no file";

	log_init("replay", 1, getenv("REPLAY_DEBUG") ? LOG_L_DEBUG : LOG_L_WARN);
	if ((rp->cfg = replay_load_config(rp, err, errlen)) == NULL)
		return -1;
	if ((rp->vc = vcache_new(rp->cfg->cache.max_entries)) == NULL)
		goto oom;
	vcache_set_secret(rp->vc, secret);
	ce.vcache = env.vcache = rp->vc;
	env.dissent = rp->dl = dissent_new(rp->cfg->dissent_log);
	env.ca = rp->ca = check_ca_new(&ce);
	env.portal = rp->portal = portal_new();
	if (rp->dl == NULL || rp->ca == NULL || rp->portal == NULL ||
	    (rp->cx = check_new(&env)) == NULL)
		goto oom;
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
	return -1;
}

void
replay_world_end(struct replay *rp)
{
	char path[128];

	replay_clients_end(rp);
	check_free(rp->cx);
	portal_free(rp->portal);
	check_ca_free(rp->ca);
	dissent_free(rp->dl);
	vcache_free(rp->vc);
	world_free(rp->w);
	if (rp->cfg) {
		config_free(rp->cfg);
		snprintf(path, sizeof(path), "%s/dissent.log", rp->dir);
		unlink(path);
		rmdir(rp->dir);
	}
	event_base_free(rp->base);
}
