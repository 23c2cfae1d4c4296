/*
 * resolver/fleet.c - the fleet's side of Redis: a question's shared verdict (GET), the lock
 * that makes one instance ask the mirrors for a name (taken with a second look at the
 * verdict, atomically), the wait for the owner's verdict (pub/sub), publishing, and the
 * import of what comes back into the verified cache under the trust rules.
 *
 * Redis is an optimisation: every failure (down, slow, refused, garbage) ends an ask with
 * FLEET_ALONE and the check asks its mirrors as it would without a fleet.
 */
#include "autoconf.h"

#include <sys/queue.h>
#include <unistd.h>

#include <event2/event.h>
#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "dnswire.h"
#include "fleet.h"
#include "fleet_load.h"
#include "hlru.h"
#include "log.h"
#include "stats.h"
#include "tls.h"
#include "vcache.h"
#include "vcache_ca.h"
#include "vstore.h"
#include "vutil.h"

/* Asks waiting for a message, by key (a power of two). */
#define FLEET_BUCKETS 256
/* At most FLEET_LOG_BURST lines per FLEET_LOG_EVERY_S seconds about refused values (a
 * planted flood must not fill the log); the next window's first line says how many went
 * unsaid. */
#define FLEET_LOG_EVERY_S 10
#define FLEET_LOG_BURST 20
/* How long an imported agreement's addresses stay sticky evidence, as check_verdict.c's
 * CHECK_STICKY_MIN/MAX for a local one (s). */
#define FLEET_STICKY_MIN 3600
#define FLEET_STICKY_MAX 86400
/* The announcements no ask waits for verified each second, in bytes (plus FLEET_MSG_COST
 * each): each costs the main loop an HMAC, and anyone who may PUBLISH, key or not, can send
 * 16 KB ones as fast as the connection goes (adv_fleet_flood.sh); an honest one is a few
 * hundred bytes. Past it they are dropped unread (the value waits in Redis). */
#define FLEET_UNSOLICITED_BYTES_S (4u << 20)
#define FLEET_MSG_COST 256		/* bytes: what parsing any message costs besides */

/*
 * The verdict and the lock in one atomic step (a publisher that set the value and released
 * its lock just before cannot make us ask the mirrors again). {0, value}: the verdict; {1}:
 * the lock is ours; {2}: someone else's; {3}: ours, taken over from a lock no instance sets
 * (no expiry, or over twice our PX: a writer holding locks for ever would stall questions).
 */
static const char fleet_lock_lua[] =
    "local v = redis.call('GET', KEYS[1]) "
    "if v then return {0, v} end "
    "if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then return {1} end "
    "local t = redis.call('PTTL', KEYS[2]) "
    "if t ~= -1 and t <= 2 * tonumber(ARGV[2]) then return {2} end "
    "redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2]) return {3}";
/* Compare and delete: the lock goes only if it is still this ask's (it may have expired
 * and been taken by another instance since). */
static const char fleet_unlock_lua[] =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end "
    "return 0";

enum fleet_ask_state { ASK_LOCK, ASK_WAIT, ASK_DONE };

struct fleet_ask {
	struct fleet *f;
	enum fleet_ask_state state;
	char key[FLEET_KEY_MAX];
	uint8_t qname[DIGEST_NAME];
	size_t qname_len;
	uint16_t qtype;
	uint32_t lock_ms, wait_ms;
	char token[64];			/* the lock's value: this instance and this ask */
	int lock_sent;			/* the lock may be ours: release it when going */
	int owner;			/* it is ours: tell the waiters when going */
	int linked;			/* in f->waiting */
	uint32_t bucket;
	struct vredis_cmd *cmd;
	struct event *timer;
	fleet_cb cb;
	void *arg;
	LIST_ENTRY(fleet_ask) link;
};

LIST_HEAD(fleet_list, fleet_ask);

struct fleet {
	struct fleet_env env;
	struct vredis *vr;
	char prefix[FLEET_PREFIX_MAX + 1];
	char channel[FLEET_PREFIX_MAX + 16];
	char server[VREDIS_HOST_MAX + VREDIS_PATH_MAX + 16];
	uint8_t *mkey;			/* the MAC key */
	size_t mklen;
	int keyed;
	char id[40];			/* this instance, in lock values */
	uint64_t seq;
	struct fleet_verdict *scratch;	/* decoding target: too large for the stack */
	uint8_t *buf;			/* encoding: value, then message */
	uint64_t log_at;		/* refused values: the window's first second */
	unsigned log_lines;		/* ... lines logged in it */
	unsigned log_quiet;		/* ... and those not logged */
	uint64_t budget_at, budget_used;	/* FLEET_UNSOLICITED_BYTES_S: a second, its bytes */
	uint64_t drop_log_at;		/* the last line about dropped messages */
	struct fleet_list waiting[FLEET_BUCKETS];
	struct fleet_load *load;	/* pairs and histories read at each connection */
};

static void fleet_on_msg(void *arg, const uint8_t *data, size_t len);
static void fleet_take_stored(void *arg, const char *key, const uint8_t *val, size_t len);

/* Connected (again): what the fleet proved while this instance was not listening. */
static void
fleet_on_up(void *arg)
{
	struct fleet *f = arg;

	if (f->load != NULL)
		fleet_load_start(f->load);
}

/* The MAC key: key_file's bytes, else derived from what every instance of the fleet
 * knows (the password and the prefix); without a key_file anyone who may write to that
 * Redis can forge, which the start-up notice says. */
static int
fleet_key_setup(struct fleet *f, const struct config_shared *s)
{
	const char *pw = s->password && s->password[0] ? s->password : s->addr.password;
	size_t pl = strlen(pw), xl = strlen(s->prefix), o = 0;
	static const char label[] = "vantage fleet v1";
	uint8_t *in;

	if (s->key_len) {
		if ((f->mkey = malloc(s->key_len)) == NULL)
			return -1;
		memcpy(f->mkey, s->key, s->key_len);
		f->mklen = s->key_len;
		f->keyed = 1;
		return 0;
	}
	if ((in = malloc(sizeof(label) + pl + xl)) == NULL ||
	    (f->mkey = malloc(TLS_SHA256_LEN)) == NULL) {
		free(in);
		return -1;
	}
	memcpy(in, label, sizeof(label) - 1);
	o = sizeof(label) - 1;
	memcpy(in + o, pw, pl);
	memcpy(in + o + pl, s->prefix, xl);
	tls_sha256(in, o + pl + xl, f->mkey);
	explicit_bzero(in, o + pl + xl);
	free(in);
	f->mklen = TLS_SHA256_LEN;
	return 0;
}

static void
fleet_connect_log(const struct fleet *f)
{
	log_info(LOG_G_SHARED, "fleet: verdicts shared through %s, prefix \"%s\"", f->server,
	    f->prefix);
	if (!f->keyed)
		log_warnx(LOG_G_SHARED, "fleet: no shared.key_file: the values' key is derived "
		    "from the password and prefix, so anyone who can write to this Redis can forge "
		    "verdicts; set shared.key_file (the same 32+ random bytes on every instance)");
}

struct fleet *
fleet_new(const struct fleet_env *env)
{
	const struct config_shared *s = env->shared;
	struct fleet *f = calloc(1, sizeof(*f));
	struct vredis_config vc = { .addr = s->addr, .username = s->username,
		.password = s->password, .timeout_ms = (uint32_t)s->timeout_ms, .log_sub = "shared" };
	uint8_t rnd[8];

	if (f == NULL)
		return NULL;
	f->env = *env;
	f->env.shared = NULL; /* read here only */
	snprintf(f->prefix, sizeof(f->prefix), "%s", s->prefix);
	snprintf(f->channel, sizeof(f->channel), "%sverdicts", s->prefix);
	vredis_describe(&s->addr, f->server, sizeof(f->server));
	random_buf(rnd, sizeof(rnd));
	snprintf(f->id, sizeof(f->id), "%ld-%02x%02x%02x%02x%02x%02x%02x%02x", (long)getpid(),
	    rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5], rnd[6], rnd[7]);
	for (size_t i = 0; i < FLEET_BUCKETS; i++)
		LIST_INIT(&f->waiting[i]);
	vc.channel = f->channel;
	vc.on_up = fleet_on_up;
	vc.on_up_arg = f;
	if (fleet_key_setup(f, s) != 0 || (f->scratch = malloc(sizeof(*f->scratch))) == NULL ||
	    (f->buf = malloc(2 * FLEET_VALUE_MAX + FLEET_KEY_MAX + 2)) == NULL ||
	    (f->vr = vredis_new(env->base, &vc, fleet_on_msg, f)) == NULL ||
	    (f->load = fleet_load_new(&(struct fleet_load_env){ .vr = f->vr, .prefix = f->prefix,
		 .take = fleet_take_stored, .arg = f })) == NULL) {
		explicit_bzero(&vc, sizeof(vc));
		fleet_free(f);
		return NULL;
	}
	explicit_bzero(&vc, sizeof(vc));
	fleet_connect_log(f);
	return f;
}

void
fleet_free(struct fleet *f)
{
	if (f == NULL)
		return;
	fleet_load_free(f->load); /* first: it may have a command out on f->vr */
	vredis_free(f->vr);
	if (f->mkey)
		explicit_bzero(f->mkey, f->mklen);
	free(f->mkey);
	free(f->scratch);
	free(f->buf);
	free(f);
}

int
fleet_up(const struct fleet *f)
{
	return f != NULL && vredis_up(f->vr);
}

void
fleet_status(const struct fleet *f, struct fleet_status *out)
{
	memset(out, 0, sizeof(*out));
	vredis_stats(f->vr, &out->redis);
	snprintf(out->server, sizeof(out->server), "%s", f->server);
	snprintf(out->prefix, sizeof(out->prefix), "%s", f->prefix);
	out->keyed = f->keyed;
	out->loaded = fleet_load_read(f->load);
}

/* A refused value: counted always, logged at most FLEET_LOG_BURST times a window. */
static void
fleet_refused(struct fleet *f, const char *key, const char *why, uint64_t *counter)
{
	uint64_t now = f->env.wall_s();

	(*counter)++;
	if (now >= f->log_at + FLEET_LOG_EVERY_S) {
		if (f->log_quiet)
			log_warnx(LOG_G_SHARED, "fleet: %u more values ignored, not logged",
			    f->log_quiet);
		f->log_at = now;
		f->log_lines = 0;
		f->log_quiet = 0;
	}
	if (f->log_lines >= FLEET_LOG_BURST) {
		f->log_quiet++;
		return;
	}
	f->log_lines++;
	log_warnx(LOG_G_SHARED, "fleet: ignored the value of %.300s: %s", key, why);
}

/* An agreement's addresses become evidence here too, as check_remember_addrs does. */
static void
fleet_import_addrs(struct fleet *f, const struct fleet_verdict *v, uint64_t now)
{
	struct vcache_ca *vc = vcache_cadata(f->env.vcache);
	uint64_t life = v->expire - now;

	life = life < FLEET_STICKY_MIN ? FLEET_STICKY_MIN
	    : life > FLEET_STICKY_MAX  ? FLEET_STICKY_MAX
				       : life;
	if (v->ans.rclass == RCLASS_NODATA &&
	    (v->qtype == DNS_TYPE_A || v->qtype == DNS_TYPE_AAAA))
		(void)vcache_ca_nodata_add(vc, v->qname, v->qname_len,
		    v->qtype == DNS_TYPE_A ? 4 : 6, now, now + life);
	else if (v->ans.rclass == RCLASS_DATA && v->ans.n_addrs > 0)
		(void)vcache_ca_seen_add(vc, v->qname, v->qname_len, v->ans.addrs, v->ans.n_addrs,
		    now, now + life);
}

/*
 * v (decoded and checked) into the verified cache, under the trust rules. 1 when the
 * cache holds it now (imported, or held already: same outcome on the same content), 0
 * when the rules refused it (logged, counted).
 */
static int
fleet_import(struct fleet *f, const struct fleet_verdict *v, const char *key)
{
	struct vcache *vc = f->env.vcache;
	uint64_t now = f->env.wall_s(), canon = vcache_canon_hash(vc, &v->ans);
	struct vcache_info info;

	if (vcache_lookup(vc, v->qname, v->qname_len, v->qtype, now, &info)) {
		if (info.outcome == v->outcome && info.canon_hash == canon)
			return 1;
		/* Common and harmless (a CDN's rotation: two instances verified two answers):
		 * counted, and said at debug level only. */
		f->env.st->shared_ignored++;
		log_debug(LOG_G_SHARED, "fleet: kept the live local verdict on %.300s over the "
		    "fleet's (local evidence wins)", key);
		return 0;
	}
	/* NXDOMAIN or NODATA denies the addresses verified here as surely as others would. */
	if (v->outcome == OUTCOME_AGREE && (v->ans.n_addrs > 0
		? vcache_ca_contradicts(vcache_cadata(vc), v->qname, v->qname_len, v->ans.addrs,
		      v->ans.n_addrs, now, NULL)
		: vcache_ca_denies(vcache_cadata(vc), v->qname, v->qname_len, v->qtype,
		      v->ans.rclass, now))) {
		fleet_refused(f, key, "its addresses contradict the evidence verified here "
		    "(plugins and Redis can lower trust, never raise it)",
		    &f->env.st->shared_ignored);
		return 0;
	}
	memset(&info, 0, sizeof(info));
	info.outcome = v->outcome;
	info.rule = v->rule;
	info.corroborated = v->corroborated;
	info.dissented = v->dissented;
	info.asked = v->asked;
	info.failed = v->failed;
	info.flags = v->flags | VCACHE_F_SHARED;
	info.canon_hash = canon;
	info.expire = v->expire; /* never longer than the publisher's */
	snprintf(info.summary, sizeof(info.summary), "%s", v->summary);
	if (vcache_store(vc, v->qname, v->qname_len, v->qtype, &info) != 0)
		return 0;
	if (v->outcome == OUTCOME_AGREE)
		fleet_import_addrs(f, v, now);
	vstore_touch(f->env.store);
	f->env.st->shared_imported++;
	return 1;
}

/* A value read under key: decoded, checked and imported; 1 when usable. */
static int
fleet_take(struct fleet *f, const char *key, const uint8_t *val, size_t len)
{
	enum fleet_err e = fleet_decode(val, len, key, f->prefix, f->mkey, f->mklen,
	    f->env.wall_s(), f->scratch);

	if (e != FLEET_OK) {
		fleet_refused(f, key, fleet_err_name(e), &f->env.st->shared_invalid);
		return 0;
	}
	return fleet_import(f, f->scratch, key);
}

static uint32_t
fleet_bucket(const char *key)
{
	return hlru_fold(hlru_fnv(HLRU_FNV_INIT, key, strlen(key))) & (FLEET_BUCKETS - 1);
}

/* a is done: nothing of it runs any more; then its check hears o (a may go in there). */
static void
fleet_finish(struct fleet_ask *a, enum fleet_outcome o)
{
	vredis_cancel(a->cmd);
	a->cmd = NULL;
	if (a->timer)
		evtimer_del(a->timer);
	if (a->linked) {
		LIST_REMOVE(a, link);
		a->linked = 0;
	}
	a->state = ASK_DONE;
	a->cb(a->arg, o);
}

/* A command's failure: counted; 1 when there was one. */
static int
fleet_failed(struct fleet *f, enum vredis_status status, const redisReply *r)
{
	if (status == VREDIS_TIMEOUT)
		f->env.st->shared_timeouts++;
	else if (status != VREDIS_OK || r == NULL || r->type == REDIS_REPLY_ERROR)
		f->env.st->shared_errors++;
	else
		return 0;
	return 1;
}

/* A fire-and-forget command's reply: only counted. */
static void
fleet_counted(void *arg, enum vredis_status status, const struct redisReply *r)
{
	(void)fleet_failed(arg, status, r);
}

static void
fleet_send(struct fleet *f, struct fleet_ask *a, vredis_cb cb, int argc, const char **argv,
    const size_t *lens)
{
	struct vredis_cmd *cmd = vredis_command(f->vr, 0, cb, a ? (void *)a : (void *)f, argc,
	    argv, lens);

	if (cmd == NULL)
		f->env.st->shared_errors++;
	if (a)
		a->cmd = cmd;
}

/* The lock is someone else's: its owner's verdict, or nothing, within a->wait_ms. */
static void
fleet_wait_over(evutil_socket_t fd, short what, void *arg)
{
	struct fleet_ask *a = arg;

	(void)fd;
	(void)what;
	a->f->env.st->shared_wait_timeouts++;
	fleet_finish(a, FLEET_ALONE);
}

static void
fleet_wait(struct fleet_ask *a)
{
	struct timeval tv = { a->wait_ms / 1000, (a->wait_ms % 1000) * 1000 };

	a->state = ASK_WAIT;
	a->lock_sent = 0; /* not ours: nothing to release */
	a->f->env.st->shared_lock_waits++;
	if ((a->timer == NULL &&
		(a->timer = evtimer_new(a->f->env.base, fleet_wait_over, a)) == NULL) ||
	    evtimer_add(a->timer, &tv) != 0)
		fleet_finish(a, FLEET_ALONE);
}

/* The lock's reply (fleet_lock_lua): the verdict after all, the lock, or a wait. */
static void
fleet_locked(void *arg, enum vredis_status status, const struct redisReply *r)
{
	struct fleet_ask *a = arg;
	struct fleet *f = a->f;
	const redisReply *e0;

	a->cmd = NULL;
	if (fleet_failed(f, status, r))
		goto alone;
	if (r->type != REDIS_REPLY_ARRAY || r->elements < 1 ||
	    (e0 = r->element[0])->type != REDIS_REPLY_INTEGER) {
		f->env.st->shared_errors++;
		goto alone;
	}
	if (e0->integer != 0)
		f->env.st->shared_misses++;
	if (e0->integer == 1 || e0->integer == 3) {
		if (e0->integer == 3)
			fleet_refused(f, a->key, "its lock was set for longer than any instance "
			    "holds one: taken over", &f->env.st->shared_invalid);
		f->env.st->shared_lock_wins++;
		a->owner = 1;
		fleet_finish(a, FLEET_OWNER);
	} else if (e0->integer == 2 && vredis_subscribed(f->vr))
		fleet_wait(a);
	else if (e0->integer == 2)
		goto alone; /* deaf to the owner's message: waiting would only cost time */
	else if (e0->integer == 0 && r->elements == 2 &&
	    r->element[1]->type == REDIS_REPLY_STRING)
		fleet_finish(a, fleet_take(f, a->key, (const uint8_t *)r->element[1]->str,
				    r->element[1]->len) ? FLEET_IMPORTED : FLEET_ALONE);
	else {
		f->env.st->shared_errors++;
		goto alone;
	}
	return;
alone:
	fleet_finish(a, FLEET_ALONE);
}

/*
 * The first and only look: the shared verdict, else the lock, else who has it, in one
 * atomic round trip (fleet_lock_lua). The ask waits for the message from now on, BEFORE the
 * command goes: a publisher's message overtaking the reply is not lost. 0, or -1 when it
 * cannot go (nothing of a is left linked).
 */
static int
fleet_lock(struct fleet_ask *a)
{
	struct fleet *f = a->f;
	char lock[FLEET_KEY_MAX], ms[16];
	const char *argv[7] = { "EVAL", fleet_lock_lua, "2", a->key, lock, a->token, ms };
	size_t lens[7];

	if (fleet_key(f->prefix, FLEET_KEY_LOCK, a->qname, a->qname_len, a->qtype, lock,
		sizeof(lock)) == 0)
		return -1;
	snprintf(a->token, sizeof(a->token), "%s:%llu", f->id, (unsigned long long)++f->seq);
	snprintf(ms, sizeof(ms), "%u", a->lock_ms);
	for (int i = 0; i < 7; i++)
		lens[i] = strlen(argv[i]);
	LIST_INSERT_HEAD(&f->waiting[a->bucket], a, link);
	a->linked = 1;
	a->state = ASK_LOCK;
	fleet_send(f, a, fleet_locked, 7, argv, lens);
	if (a->cmd == NULL) {
		LIST_REMOVE(a, link);
		a->linked = 0;
		return -1;
	}
	a->lock_sent = 1;
	return 0;
}

struct fleet_ask *
fleet_ask(struct fleet *f, const uint8_t *qname, size_t qname_len, uint16_t qtype,
    uint32_t lock_ms, uint32_t wait_ms, fleet_cb cb, void *arg)
{
	struct fleet_ask *a;

	if (!fleet_up(f) || qname_len == 0 || qname_len > DIGEST_NAME ||
	    (a = calloc(1, sizeof(*a))) == NULL)
		return NULL;
	a->f = f;
	memcpy(a->qname, qname, qname_len);
	a->qname_len = qname_len;
	a->qtype = qtype;
	a->lock_ms = lock_ms;
	a->wait_ms = wait_ms;
	a->cb = cb;
	a->arg = arg;
	if (fleet_key(f->prefix, FLEET_KEY_VERDICT, qname, qname_len, qtype, a->key,
		sizeof(a->key)) == 0) {
		free(a);
		return NULL;
	}
	a->bucket = fleet_bucket(a->key);
	/* No GET first: the lock's script looks at the verdict itself, and a miss then costs
	 * the mirrors one round trip to Redis, not two. */
	if (fleet_lock(a) != 0) {
		free(a);
		return NULL;
	}
	return a;
}

/* Give the lock back, if it is still ours (compare and delete). */
static void
fleet_unlock(struct fleet_ask *a)
{
	char lock[FLEET_KEY_MAX];
	const char *argv[5] = { "EVAL", fleet_unlock_lua, "1", lock, a->token };
	size_t lens[5];

	if (!fleet_up(a->f) || fleet_key(a->f->prefix, FLEET_KEY_LOCK, a->qname, a->qname_len,
				   a->qtype, lock, sizeof(lock)) == 0)
		return; /* it expires by itself */
	for (int i = 0; i < 5; i++)
		lens[i] = strlen(argv[i]);
	fleet_send(a->f, NULL, fleet_counted, 5, argv, lens);
}

/*
 * The owner goes: an empty message on its key tells the instances still waiting that no
 * verdict is coming (the mirrors did not settle it, or it is not one to share), so that they
 * ask their mirrors now rather than at the end of their wait. After the verdict's own
 * message, on the same connection: a waiter has its verdict by then. Anyone may send one;
 * it only ever makes an instance ask its mirrors.
 */
static void
fleet_notice(struct fleet_ask *a)
{
	uint8_t msg[2 + FLEET_KEY_MAX];
	const char *argv[3] = { "PUBLISH", a->f->channel, (const char *)msg };
	size_t lens[3] = { 7, strlen(a->f->channel), 0 };

	if (fleet_up(a->f) && (lens[2] = fleet_msg_encode(a->key, NULL, 0, msg, sizeof(msg))) > 0)
		fleet_send(a->f, NULL, fleet_counted, 3, argv, lens);
}

void
fleet_ask_free(struct fleet_ask *a)
{
	if (a == NULL)
		return;
	vredis_cancel(a->cmd);
	if (a->timer)
		event_free(a->timer);
	if (a->linked)
		LIST_REMOVE(a, link);
	if (a->owner)
		fleet_notice(a);
	if (a->lock_sent)
		fleet_unlock(a);
	free(a);
}

/* Every ask waiting on key hears the news, one at a time (a callback may free others). */
static void
fleet_wake(struct fleet *f, const char *key, int usable)
{
	struct fleet_list *l = &f->waiting[fleet_bucket(key)];

	for (;;) {
		struct fleet_ask *a;
		LIST_FOREACH(a, l, link)
			if (strcmp(a->key, key) == 0)
				break;
		if (a == NULL)
			return;
		if (a->state == ASK_WAIT)
			f->env.st->shared_wait_answered++;
		fleet_finish(a, usable ? FLEET_IMPORTED : FLEET_ALONE);
	}
}

/* A pair announced: imported unless a live one of ours stands or it contradicts. */
static void
fleet_take_pair(struct fleet *f, const char *key, const uint8_t *val, size_t len)
{
	struct vcache_ca *vc = vcache_cadata(f->env.vcache);
	uint64_t now = f->env.wall_s();
	struct fleet_pair p;
	enum fleet_err e;

	if ((e = fleet_pair_decode(val, len, key, f->prefix, f->mkey, f->mklen, now, &p)) !=
	    FLEET_OK) {
		fleet_refused(f, key, fleet_err_name(e), &f->env.st->shared_invalid);
		return;
	}
	if (vcache_ca_pair_lookup(vc, p.qname, p.qname_len, &p.addr, now, NULL))
		return; /* ours (or the same, imported before) stays as it is */
	if (vcache_ca_contradicts(vc, p.qname, p.qname_len, &p.addr, 1, now, NULL)) {
		fleet_refused(f, key, "its address contradicts the evidence verified here "
		    "(plugins and Redis can lower trust, never raise it)",
		    &f->env.st->shared_ignored);
		return;
	}
	if (vcache_ca_pair_store(vc, p.qname, p.qname_len, &p.addr, &p.ca, p.expire) == 0) {
		vstore_touch(f->env.store);
		f->env.st->shared_imported++;
	}
}

/* A CA history announced: taken when there is none here, else only a longer flag. */
static void
fleet_take_history(struct fleet *f, const char *key, const uint8_t *val, size_t len)
{
	struct vcache_ca *vc = vcache_cadata(f->env.vcache);
	struct fleet_history sh;
	struct ca_history h;
	enum fleet_err e;

	if ((e = fleet_history_decode(val, len, key, f->prefix, f->mkey, f->mklen,
		 f->env.wall_s(), &sh)) != FLEET_OK) {
		fleet_refused(f, key, fleet_err_name(e), &f->env.st->shared_invalid);
		return;
	}
	if (vcache_ca_history_get(vc, sh.qname, sh.qname_len, &h)) {
		if (sh.h.flag_until <= h.flag_until)
			return; /* ours says as much or more */
		h.flag_until = sh.h.flag_until;
		h.flag_days = sh.h.flag_days;
	} else
		h = sh.h;
	if (vcache_ca_history_put(vc, sh.qname, sh.qname_len, &h) == 0) {
		vstore_touch(f->env.store);
		f->env.st->shared_imported++;
	}
}

/* Whether a message on key (len bytes) is read: always when an ask waits for it; else within
 * the second's budget and into room to spare only: what nobody here asked for never pushes
 * out what this instance verified (verdicts, addresses, pairs, CA flags), replayed or not. */
static int
fleet_unsolicited(struct fleet *f, const char *key, size_t len)
{
	uint64_t now = f->env.wall_s();
	struct fleet_ask *a;

	LIST_FOREACH(a, &f->waiting[fleet_bucket(key)], link)
		if (strcmp(a->key, key) == 0)
			return 1;
	if (now != f->budget_at) {
		f->budget_at = now;
		f->budget_used = 0;
	}
	if (len + FLEET_MSG_COST > FLEET_UNSOLICITED_BYTES_S - f->budget_used) {
		if (now >= f->drop_log_at + FLEET_LOG_EVERY_S) {
			f->drop_log_at = now;
			log_warnx(LOG_G_SHARED, "fleet: messages dropped unverified: more than %u "
			    "KB/s of announcements on the channel", FLEET_UNSOLICITED_BYTES_S >> 10);
		}
	} else if (!vcache_full(f->env.vcache)) {
		f->budget_used += len + FLEET_MSG_COST;
		return 1;
	}
	f->env.st->shared_dropped++;
	return 0;
}

/* A pair or a history read from Redis (fleet_load.c): as if announced. */
static void
fleet_take_stored(void *arg, const char *key, const uint8_t *val, size_t len)
{
	struct fleet *f = arg;

	if (vcache_full(f->env.vcache)) /* only into room to spare, as fleet_unsolicited */
		f->env.st->shared_dropped++;
	else
		(key[strlen(f->prefix)] == 'p' ? fleet_take_pair : fleet_take_history)(f, key, val, len);
}

/* A message on the channel: a verdict some instance published (maybe this one). */
static void
fleet_on_msg(void *arg, const uint8_t *data, size_t len)
{
	struct fleet *f = arg;
	char key[FLEET_KEY_MAX];
	const uint8_t *val;
	size_t vlen, pl = strlen(f->prefix);

	if (fleet_msg_split(data, len, key, &val, &vlen) != 0 || strncmp(key, f->prefix, pl) != 0 ||
	    (strncmp(key + pl, "v:", 2) != 0 && strncmp(key + pl, "p:", 2) != 0 &&
		strncmp(key + pl, "h:", 2) != 0)) {
		fleet_refused(f, "a message", "malformed", &f->env.st->shared_invalid);
		return;
	}
	if (vlen > 0 && !fleet_unsolicited(f, key, vlen))
		return;
	if (key[pl] == 'p' || key[pl] == 'h') {
		(key[pl] == 'p' ? fleet_take_pair : fleet_take_history)(f, key, val, vlen);
		return;
	}
	if (vlen == 0) {
		fleet_wake(f, key, 0); /* the owner went without a verdict (fleet_notice) */
		return;
	}
	fleet_wake(f, key, fleet_take(f, key, val, vlen));
}

/* SET key val PX (expire - now) s, and PUBLISH it: both fire and forget. */
static void
fleet_share(struct fleet *f, const char *key, size_t n, uint64_t expire, uint64_t now)
{
	uint8_t *msg = f->buf + FLEET_VALUE_MAX;
	char px[24];
	const char *argv[5] = { "SET", key, (const char *)f->buf, "PX", px };
	size_t lens[5] = { 3, strlen(key), n, 2, 0 }, m;

	if ((m = fleet_msg_encode(key, f->buf, n, msg, FLEET_VALUE_MAX + FLEET_KEY_MAX + 2)) == 0)
		return;
	/* Redis forgets it when it ends: no instance ever reads an expired one. */
	lens[4] = (size_t)snprintf(px, sizeof(px), "%llu",
	    (unsigned long long)(expire - now) * 1000);
	fleet_send(f, NULL, fleet_counted, 5, argv, lens);
	argv[0] = "PUBLISH";
	argv[1] = f->channel;
	argv[2] = (const char *)msg;
	lens[0] = 7;
	lens[1] = strlen(f->channel);
	lens[2] = m;
	fleet_send(f, NULL, fleet_counted, 3, argv, lens);
	f->env.st->shared_published++;
}

void
fleet_publish_pair(struct fleet *f, const struct fleet_pair *p)
{
	uint64_t now = f->env.wall_s();
	char key[FLEET_KEY_MAX];
	size_t n;

	if (fleet_up(f) && p->expire > now && fleet_pair_key(f->prefix, p, key, sizeof(key)) > 0 &&
	    (n = fleet_pair_encode(p, key, f->mkey, f->mklen, f->buf, FLEET_VALUE_MAX)) > 0)
		fleet_share(f, key, n, p->expire, now);
}

void
fleet_publish_history(struct fleet *f, const struct fleet_history *h)
{
	uint64_t now = f->env.wall_s();
	char key[FLEET_KEY_MAX];
	size_t n;

	if (fleet_up(f) && fleet_history_key(f->prefix, h->qname, h->qname_len, key, sizeof(key)) &&
	    (n = fleet_history_encode(h, key, f->mkey, f->mklen, f->buf, FLEET_VALUE_MAX)) > 0)
		fleet_share(f, key, n, now + FLEET_HISTORY_TTL_S, now);
}

void
fleet_publish(struct fleet *f, const struct fleet_verdict *v)
{
	uint64_t now = f->env.wall_s();
	char key[FLEET_KEY_MAX];
	size_t n;

	if (fleet_up(f) && v->expire > now &&
	    fleet_key(f->prefix, FLEET_KEY_VERDICT, v->qname, v->qname_len, v->qtype, key,
		sizeof(key)) > 0 &&
	    (n = fleet_encode(v, key, f->mkey, f->mklen, f->buf, FLEET_VALUE_MAX)) > 0)
		fleet_share(f, key, n, v->expire, now);
}
