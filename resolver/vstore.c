/* resolver/vstore.c - the verified cache's persistence: state file, journal, save timer. */
#include "autoconf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "log.h"
#include "secret.h"
#include "vcache.h"
#include "vstore.h"
#include "vutil.h"

/*
 * The verified cache is saved whole every VSTORE_SAVE_INTERVAL seconds when something changed,
 * and sooner when its journal passes VSTORE_JOURNAL_MAX bytes (a busy resolver verifies
 * thousands of names a minute; the journal must not grow for five minutes at that rate).
 * Between saves the journal alone keeps verdicts across a crash. The timer ticks every
 * VSTORE_SAVE_TICK seconds to look.
 */
#define VSTORE_SAVE_INTERVAL 300
#define VSTORE_SAVE_TICK 10
#define VSTORE_JOURNAL_MAX (16u * 1024 * 1024)
/* A journal holding only its magic line has nothing to save. */
#define VSTORE_JOURNAL_EMPTY 32
/* Past this, with saves failing, journaling stops rather than fill the disk (bytes). */
#define VSTORE_JOURNAL_CAP (4u * VSTORE_JOURNAL_MAX)

struct vstore {
	struct vstore_env env;
	struct vcache *vc;
	uint8_t secret[SECRET_LEN];
	struct event *save_timer;
	int dirty;			/* changed since the last save */
	uint64_t saved;			/* monotonic seconds of the last save */
};

static const char *
vstore_path(const struct vstore *vs)
{
	return (*vs->env.cfg)->cache.state_file;
}

int
vstore_save(struct vstore *vs)
{
	const char *path = vstore_path(vs);
	int n;

	if (path == NULL)
		return 0;
	if ((n = vcache_save(vs->vc, path, wall_s())) < 0) {
		log_warn(LOG_G_CACHE, "cannot save the verified cache to %s (the previous file is kept)",
		    path);
		return -1;
	}
	vs->dirty = 0;
	vs->saved = now_us() / 1000000;
	log_debug(LOG_G_CACHE, "saved %d verified entries to %s", n, path);
	return 0;
}

static void
vstore_tick(evutil_socket_t fd, short what, void *arg)
{
	struct vstore *vs = arg;
	size_t jb = vcache_journal_bytes(vs->vc);
	int due = now_us() / 1000000 - vs->saved >= VSTORE_SAVE_INTERVAL;

	(void)fd;
	(void)what;
	if ((jb > VSTORE_JOURNAL_MAX || (due && (vs->dirty || jb > VSTORE_JOURNAL_EMPTY))) &&
	    vstore_save(vs) != 0 && jb > VSTORE_JOURNAL_CAP) {
		vcache_journal_close(vs->vc);
		log_warnx(LOG_G_CACHE, "the journal passed %u MiB and the state file cannot be "
		    "saved: journaling stops; verdicts are kept in memory and saved when a save "
		    "succeeds", VSTORE_JOURNAL_CAP >> 20);
	}
}

/*
 * Replay the journal of changes made after the last save (a crash or SIGKILL ended that run),
 * save the result at once, and keep journaling. Without a journal vantaged works on and, as
 * before, a crash loses the verdicts of the last VSTORE_SAVE_INTERVAL at most.
 */
static void
vstore_journal_open(struct vstore *vs)
{
	char path[4096];
	size_t bad = 0;
	int n;

	if (snprintf(path, sizeof(path), "%s.journal", vstore_path(vs)) >= (int)sizeof(path))
		return;
	n = vcache_load(vs->vc, path, wall_s(), &bad);
	if (n < 0 && errno != ENOENT)
		log_warn(LOG_G_CACHE, "cannot replay the journal %s", path);
	else if (n > 0 || bad > 0)
		log_info(LOG_G_CACHE, "replayed %d changes from %s (the last run did not save)%s", n,
		    path, bad ? "; some lines were unreadable" : "");
	if (vcache_journal_open(vs->vc, path) != 0) {
		log_warn(LOG_G_CACHE, "cannot open the journal %s; verdicts are saved every %d s "
		    "only", path, VSTORE_SAVE_INTERVAL);
		return;
	}
	if (n > 0)
		(void)vstore_save(vs);
}

/* The state file, then its journal. */
static void
vstore_load(struct vstore *vs)
{
	const char *path = vstore_path(vs);
	size_t bad = 0;
	int n;

	if (path == NULL)
		return;
	n = vcache_load(vs->vc, path, wall_s(), &bad);
	if (n < 0)
		log_warn(LOG_G_CACHE, "cannot read the state file %s; starting empty", path);
	else if (n > 0 || bad > 0)
		log_info(LOG_G_CACHE, "loaded %d verified entries from %s%s", n, path,
		    bad ? " (some lines were unreadable)" : "");
	vstore_journal_open(vs);
}

struct vstore *
vstore_new(const struct vstore_env *env, char *err, size_t errlen)
{
	struct timeval tv = { VSTORE_SAVE_TICK, 0 };
	struct vstore *vs = calloc(1, sizeof(*vs));

	if (vs == NULL || (vs->vc = vcache_new((*env->cfg)->cache.max_entries)) == NULL) {
		free(vs);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	vs->env = *env;
	(void)secret_load((*env->cfg)->cache.state_file, vs->secret);
	vcache_set_secret(vs->vc, vs->secret);
	vstore_load(vs);
	vs->saved = now_us() / 1000000;
	if (env->base != NULL &&
	    (vs->save_timer = event_new(env->base, -1, EV_PERSIST, vstore_tick, vs)) != NULL)
		event_add(vs->save_timer, &tv);
	return vs;
}

void
vstore_free(struct vstore *vs)
{
	if (vs == NULL)
		return;
	(void)vstore_save(vs);
	if (vs->save_timer)
		event_free(vs->save_timer);
	vcache_free(vs->vc);
	free(vs);
}

struct vcache *
vstore_vcache(struct vstore *vs)
{
	return vs->vc;
}

const uint8_t *
vstore_secret(const struct vstore *vs)
{
	return vs->secret;
}

void
vstore_touch(struct vstore *vs)
{
	if (vs != NULL)
		vs->dirty = 1;
}

void
vstore_reconfigure(struct vstore *vs, const struct config *cfg)
{
	vcache_set_max(vs->vc, cfg->cache.max_entries);
}
