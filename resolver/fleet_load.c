/* resolver/fleet_load.c - the fleet's pairs and CA histories already in Redis, read at connect. */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "fleet_codec.h"
#include "fleet_load.h"
#include "log.h"
#include "vredis.h"
#include "vutil.h"

/* Keys per SCAN step (a hint to Redis) and so per MGET: a batch's values are checked in
 * one callback, a few milliseconds of the main loop at most. */
#define FLEET_LOAD_BATCH 500
/* A background read may wait longer than a question's shared.timeout. */
#define FLEET_LOAD_TIMEOUT_MS 2000
#define FLEET_LOAD_CURSOR_MAX 24	/* a 64-bit cursor in decimal, and the NUL */
/* At most one read per this many seconds: whoever can cut the connection (a Redis writer
 * with CLIENT KILL, a path that drops it) could otherwise make the main loop check up to
 * FLEET_LOAD_MAX values at every reconnection. What is missed comes on the channel. */
#define FLEET_LOAD_EVERY_S 60

/* Keys taken from one SCAN step at most (Redis may return more than it was asked for): the
 * rest of that step is left for the next connection's read. */
#define FLEET_LOAD_STEP_MAX 4096

struct fleet_load {
	struct fleet_load_env env;
	char prefix[FLEET_PREFIX_MAX + 1];
	char match[2 * FLEET_PREFIX_MAX + 8];	/* the prefix glob-escaped, then "[ph]:*" */
	char cursor[FLEET_LOAD_CURSOR_MAX];
	struct vredis_cmd *cmd;			/* the step under way */
	uint64_t read;				/* keys read by this load */
	uint64_t started;			/* monotonic second of the last start */
	char *keys[FLEET_LOAD_STEP_MAX];	/* the step's keys, for MGET and for take */
	size_t nkeys;
};

static void fleet_load_scan(struct fleet_load *l);

struct fleet_load *
fleet_load_new(const struct fleet_load_env *env)
{
	struct fleet_load *l = calloc(1, sizeof(*l));
	size_t j = 0;

	if (l == NULL)
		return NULL;
	l->env = *env;
	snprintf(l->prefix, sizeof(l->prefix), "%s", env->prefix);
	l->env.prefix = l->prefix;
	/* The prefix is any printable text: what a glob reads as special is escaped. */
	for (const char *p = l->prefix; *p && j + 2 < sizeof(l->match) - 7; p++) {
		if (strchr("*?[]\\^", *p) != NULL)
			l->match[j++] = '\\';
		l->match[j++] = *p;
	}
	snprintf(l->match + j, sizeof(l->match) - j, "[ph]:*");
	return l;
}

static void
fleet_load_clear(struct fleet_load *l)
{
	for (size_t i = 0; i < l->nkeys; i++)
		free(l->keys[i]);
	l->nkeys = 0;
}

void
fleet_load_free(struct fleet_load *l)
{
	if (l == NULL)
		return;
	vredis_cancel(l->cmd);
	fleet_load_clear(l);
	free(l);
}

uint64_t
fleet_load_read(const struct fleet_load *l)
{
	return l->read;
}

static void
fleet_load_stop(struct fleet_load *l, const char *why)
{
	l->cmd = NULL;
	fleet_load_clear(l);
	if (why != NULL)
		log_info(LOG_G_SHARED, "reading the fleet's pairs and CA histories stopped "
		    "after %llu keys: %s (read again at the next connection)",
		    (unsigned long long)l->read, why);
	else
		log_info(LOG_G_SHARED, "read the fleet's pairs and CA histories: %llu keys",
		    (unsigned long long)l->read);
}

/* A key SCAN returned: one of ours (the prefix, then "p:" or "h:"), or skipped. */
static int
fleet_load_key_ok(const struct fleet_load *l, const redisReply *k)
{
	size_t pl = strlen(l->prefix);

	return k->type == REDIS_REPLY_STRING && k->len > pl + 2 && k->len < FLEET_KEY_MAX &&
	    memcmp(k->str, l->prefix, pl) == 0 && (k->str[pl] == 'p' || k->str[pl] == 'h') &&
	    k->str[pl + 1] == ':' && memchr(k->str, '\0', k->len) == NULL;
}

/* MGET's reply: each value goes to take, under its key; then the next SCAN step. */
static void
fleet_load_got(void *arg, enum vredis_status status, const struct redisReply *r)
{
	struct fleet_load *l = arg;

	l->cmd = NULL;
	if (status != VREDIS_OK || r->type != REDIS_REPLY_ARRAY || r->elements != l->nkeys) {
		fleet_load_stop(l, status == VREDIS_OK ? "MGET refused" : "Redis did not answer");
		return;
	}
	for (size_t i = 0; i < r->elements; i++) {
		const redisReply *v = r->element[i];
		if (v->type == REDIS_REPLY_STRING) /* NIL: it expired meanwhile */
			l->env.take(l->env.arg, l->keys[i], (const uint8_t *)v->str, v->len);
	}
	fleet_load_clear(l);
	if (strcmp(l->cursor, "0") == 0 || l->read >= FLEET_LOAD_MAX)
		fleet_load_stop(l, l->read >= FLEET_LOAD_MAX ? "the bound was reached" : NULL);
	else
		fleet_load_scan(l);
}

/* MGET the step's keys. */
static void
fleet_load_mget(struct fleet_load *l)
{
	const char **argv = malloc((l->nkeys + 1) * sizeof(*argv));
	size_t *lens = malloc((l->nkeys + 1) * sizeof(*lens));

	if (argv != NULL && lens != NULL) {
		argv[0] = "MGET";
		lens[0] = 4;
		for (size_t i = 0; i < l->nkeys; i++) {
			argv[i + 1] = l->keys[i];
			lens[i + 1] = strlen(l->keys[i]);
		}
		l->cmd = vredis_command(l->env.vr, FLEET_LOAD_TIMEOUT_MS, fleet_load_got, l,
		    (int)l->nkeys + 1, argv, lens);
	}
	free(argv);
	free(lens);
	if (l->cmd == NULL)
		fleet_load_stop(l, "MGET could not go");
}

/* SCAN's reply: [cursor, [keys...]]: ours kept for MGET. */
static void
fleet_load_scanned(void *arg, enum vredis_status status, const struct redisReply *r)
{
	struct fleet_load *l = arg;
	const redisReply *c, *ks;

	l->cmd = NULL;
	if (status != VREDIS_OK || r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
	    (c = r->element[0])->type != REDIS_REPLY_STRING || c->len == 0 ||
	    c->len >= sizeof(l->cursor) || strspn(c->str, "0123456789") != c->len ||
	    (ks = r->element[1])->type != REDIS_REPLY_ARRAY) {
		fleet_load_stop(l, status == VREDIS_OK ? "SCAN's reply is not one" :
							 "Redis did not answer");
		return;
	}
	memcpy(l->cursor, c->str, c->len);
	l->cursor[c->len] = '\0';
	for (size_t i = 0; i < ks->elements && l->nkeys < FLEET_LOAD_STEP_MAX; i++) {
		if (!fleet_load_key_ok(l, ks->element[i]) ||
		    (l->keys[l->nkeys] = strndup(ks->element[i]->str, ks->element[i]->len)) == NULL)
			continue;
		l->nkeys++;
		l->read++;
	}
	if (l->nkeys > 0)
		fleet_load_mget(l);
	else if (strcmp(l->cursor, "0") == 0)
		fleet_load_stop(l, NULL);
	else
		fleet_load_scan(l);
}

static void
fleet_load_scan(struct fleet_load *l)
{
	char count[16];
	const char *argv[6] = { "SCAN", l->cursor, "MATCH", l->match, "COUNT", count };
	size_t lens[6];

	snprintf(count, sizeof(count), "%d", FLEET_LOAD_BATCH);
	for (int i = 0; i < 6; i++)
		lens[i] = strlen(argv[i]);
	l->cmd = vredis_command(l->env.vr, FLEET_LOAD_TIMEOUT_MS, fleet_load_scanned, l, 6, argv,
	    lens);
	if (l->cmd == NULL)
		fleet_load_stop(l, "SCAN could not go");
}

void
fleet_load_start(struct fleet_load *l)
{
	uint64_t now = now_ms() / 1000;

	if (l->started != 0 && now < l->started + FLEET_LOAD_EVERY_S) {
		log_info(LOG_G_SHARED, "not reading the fleet's pairs and CA histories again "
		    "within %d s of the last read", FLEET_LOAD_EVERY_S);
		return;
	}
	l->started = now ? now : 1;
	vredis_cancel(l->cmd);
	l->cmd = NULL;
	fleet_load_clear(l);
	l->read = 0;
	snprintf(l->cursor, sizeof(l->cursor), "0");
	fleet_load_scan(l);
}
