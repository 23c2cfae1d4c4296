/*
 * resolver/check_live.c - the checks' services in production: the mirror set behind
 * check_mirror_ops (mirror_client.c), the upstream behind check_upstream_ops (resolve.c),
 * the clocks (vutil.c).
 */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check.h"
#include "check_live.h"
#include "log.h"
#include "mirror_client.h"
#include "vutil.h"

struct check_live {
	struct event_base *base;
	struct mirror_set **slot;	/* the daemon's: others read the set through it */
	const uint8_t *secret;
	/* The files the mirror set was read from (bootstrap list, trust store), as stat saw
	 * them: a reload that changes neither them nor the mirror keys keeps the set. */
	struct stat files[2];
};

static int
check_live_configured(void *svc)
{
	return *(struct mirror_set **)svc != NULL;
}

/* No set (none configured, or a reload between two): no mirror, as mirror_set_select says. */
static size_t
check_live_select(void *svc, const uint8_t *qname, size_t qname_len, size_t k,
    struct mirror **out)
{
	return mirror_set_select(*(struct mirror_set **)svc, qname, qname_len, k, out);
}

const struct check_mirror_ops check_live_mirror_ops = {
	.configured = check_live_configured,
	.select = check_live_select,
	.query = mirror_query,
	.get = mirror_get,
	.cancel = mirror_cancel,
	.send_report = mirror_send_report,
	.name = mirror_name,
	.region = mirror_region,
	.id_hex = mirror_id_hex,
	.usable = mirror_usable,
	.note_evidence = mirror_note_evidence,
};

static struct resolve_wait *
check_live_resolve(void *svc, const struct dnsq *q, resolve_cb cb, void *arg)
{
	return resolve_start(svc, q, cb, arg);
}

static struct resolve_wait *
check_live_refresh(void *svc, const struct dnsq *q, resolve_cb cb, void *arg)
{
	return resolve_refresh(svc, q, cb, arg);
}

static int
check_live_replace(void *svc, const struct dnsq *q, const uint8_t *wire, size_t len,
    uint32_t cap, int verified, struct resolve_result *kept)
{
	return resolve_replace(svc, q, wire, len, cap, verified, kept);
}

const struct check_upstream_ops check_live_upstream_ops = {
	.start = check_live_resolve,
	.refresh = check_live_refresh,
	.cancel = resolve_cancel,
	.replace = check_live_replace,
};

const struct check_clock check_live_clock = { .now_ms = now_ms, .wall_s = wall_s };

/* stat of the files a mirror set is read from (vutil_stat). */
static void
check_live_files(const struct config *cfg, struct stat st[2])
{
	vutil_stat(cfg->mirrors_bootstrap, &st[0]);
	vutil_stat(cfg->mirrors_trust_store, &st[1]);
}

/* The set cfg describes into *set (NULL: none); 0, or -1 (err set). */
static int
check_live_make(struct check_live *cl, const struct config *cfg, struct mirror_set **set,
    char *err, size_t errlen)
{
	*set = NULL;
	if (cfg->n_mirrors == 0 && cfg->mirrors_bootstrap == NULL)
		return 0;
	if ((*set = mirror_set_new(cl->base, cfg, cl->secret, err, errlen)) == NULL)
		return -1;
	if (mirror_set_count(*set) == 0) {
		mirror_set_free(*set);
		*set = NULL;
	}
	return 0;
}

struct check_live *
check_live_new(struct event_base *base, const struct config *cfg, struct mirror_set **slot,
    const uint8_t *secret, char *err, size_t errlen)
{
	struct check_live *cl = calloc(1, sizeof(*cl));

	if (cl == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	cl->base = base;
	cl->slot = slot;
	cl->secret = secret;
	check_live_files(cfg, cl->files);
	if (check_live_make(cl, cfg, slot, err, errlen) != 0) {
		free(cl);
		return NULL;
	}
	if (*slot == NULL) {
		if (cfg->n_mirrors > 0 || cfg->mirrors_bootstrap)
			log_warnx(LOG_G_MIRROR, "no mirrors configured: answers are not cross-checked");
		return cl;
	}
	log_info(LOG_G_MIRROR, "%zu mirrors, %lu asked per question", mirror_set_count(*slot),
	    cfg->consensus.mirrors_per_query);
	if (cfg->mirrors_connect_at_start)
		mirror_set_start(*slot);
	return cl;
}

int
check_live_reload(struct check_live *cl, const struct config *cur, const struct config *cfg,
    struct check_ctx *checks, char *err, size_t errlen)
{
	struct mirror_set *set, *old = *cl->slot;
	struct stat files[2];

	/*
	 * Nothing the mirror set is made of changed: keep it, with its connections, their TLS
	 * sessions, its counters and the checks under way. A reload (every night, by logrotate)
	 * then costs no handshake and fails no question.
	 */
	check_live_files(cfg, files);
	if (config_mirrors_same(cur, cfg) && vutil_same_file(&files[0], &cl->files[0]) &&
	    vutil_same_file(&files[1], &cl->files[1])) {
		log_info(LOG_G_MIRROR, "reload: mirrors unchanged, connections kept");
		return 0;
	}
	if (check_live_make(cl, cfg, &set, err, errlen) != 0)
		return -1;
	if (cfg->mirrors_connect_at_start)
		mirror_set_start(set);
	/*
	 * The verdicts the checks hand out now reach waiters and plugins, which may start new
	 * questions: they must find no mirror set rather than the old one about to be freed.
	 */
	*cl->slot = NULL;
	check_mirrors_gone(checks);
	mirror_set_free(old);
	*cl->slot = set;
	memcpy(cl->files, files, sizeof(files));
	return 0;
}

void
check_live_free(struct check_live *cl)
{
	if (cl == NULL)
		return;
	mirror_set_free(*cl->slot);
	*cl->slot = NULL;
	free(cl);
}
