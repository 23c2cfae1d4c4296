/* mirror/replica.c - replicas of one mirror share peers, votes and counts through Redis. */
#include "autoconf.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <hiredis/hiredis.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json.h"
#include "log.h"
#include "observe.h"
#include "peers.h"
#include "replica.h"
#include "replica_int.h"
#include "replica_row.h"
#include "reports.h"
#include "reputation.h"
#include "vredis.h"
#include "vutil.h"

/*
 * How often changes here are written (ms): a join or a state change reaches the other
 * replicas this much later at most; each tick walks the tables once.
 */
#define REPLICA_TICK_MS 250
/* Rows written per tick at most: a reload of thousands goes out over a few ticks. */
#define REPLICA_PUSH_MAX 256
/* The TLS key file is read to key the seal; a key file is far smaller. */
#define REPLICA_KEYFILE_MAX 65536
/* Ticks up without a subscription before the shared state is read all the same. */
#define REPLICA_UNSUB_TICKS 8
/* The deadline of a full read of a table (ms), whatever shared.timeout says. */
#define REPLICA_READ_MS 5000
/*
 * Counter notices make the counter tables read at most this often (ms). Each read walks
 * both tables whole, and anyone who can PUBLISH on the channel can send notices: one every
 * tick made every replica read tables a Redis writer had grown to 60,000 fields (~100 ms of
 * loop each) four times a second. The counts are advisory; a second or two late is fine.
 */
#define REPLICA_COUNTS_READ_MS 2000
/*
 * A table whose full read failed this many times in a row is skipped at the next
 * connection: a key grown past what vredis takes (16 MiB) drops the connection at each
 * read, and a replica that must read before it writes would never write again.
 */
#define REPLICA_READ_TRIES 3
/* Refused values logged per minute at most (all are counted). */
#define REPLICA_LOG_PER_MIN 10

/* A row write in flight: sent again later when it failed. */
struct replica_push {
	struct replica_ctx base;
	uint8_t id[TLS_SHA256_LEN];
};

const struct mirror_config *
replica_cfg(const struct replica *rp)
{
	return *rp->env.cfg;
}

/* A value from Redis refused: counted always, logged a few times a minute. */
void
replica_refuse(struct replica *rp, const char *where, const char *why)
{
	uint64_t minute = wall_s() / 60;

	rp->st.invalid++;
	if (minute != rp->log_minute) {
		rp->log_minute = minute;
		rp->logged = 0;
	}
	if (rp->logged++ < REPLICA_LOG_PER_MIN)
		log_warnx(LOG_G_SHARED, "%s skipped: %s", where, why);
}

/* A command's outcome is usable (a reply, not an error reply). */
int
replica_ok(struct replica *rp, enum vredis_status status, const struct redisReply *r)
{
	if (status == VREDIS_OK && r != NULL && r->type != REDIS_REPLY_ERROR)
		return 1;
	rp->st.errors++;
	if (status == VREDIS_OK && r != NULL && r->type == REDIS_REPLY_ERROR)
		log_warnx(LOG_G_SHARED, "Redis said: %.*s", (int)(r->len < 200 ? r->len :
		    200), r->str ? r->str : "");
	return 0;
}

void *
replica_ctx_new(struct replica *rp, size_t size)
{
	struct replica_ctx *c = calloc(1, size);

	if (c == NULL)
		return NULL;
	c->rp = rp;
	LIST_INSERT_HEAD(&rp->ctxs, c, link);
	return c;
}

void
replica_ctx_free(void *ctx)
{
	struct replica_ctx *c = ctx;

	LIST_REMOVE(c, link);
	free(c);
}

void
replica_changed(struct replica *rp)
{
	if (rp->env.save != NULL)
		rp->env.save(rp->env.save_arg);
}

/* Short commands only (rows and rings give their lengths to vredis_command themselves). */
#define REPLICA_SEND_MAX 8

struct vredis_cmd *
replica_send(struct replica *rp, vredis_cb cb, void *arg, int argc, const char *const *argv)
{
	size_t l[REPLICA_SEND_MAX];
	int i;

	if (argc > REPLICA_SEND_MAX)
		return NULL;	/* a programming error: the command is refused, as when down */
	for (i = 0; i < argc; i++)
		l[i] = strlen(argv[i]);
	return vredis_command(rp->vr, 0, cb, arg, argc, argv, l);
}

/* The wall clock in ms: revs order rows written by different hosts. */
static uint64_t
replica_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- peers ---- */

/* A peer another replica accepted: added here with its row's state. */
static struct peer *
replica_peer_new(struct replica *rp, const struct peerfile_row *r)
{
	struct peer *p;

	if (memcmp(r->id, replica_cfg(rp)->id, TLS_SHA256_LEN) == 0)
		return NULL;	/* ourselves, as another mirror listed us: never a peer */
	/* The join's address rule, as here configured: a row does not get round it. */
	if (!replica_cfg(rp)->network.allow_private && !observe_addr_is_public(&r->addr)) {
		replica_refuse(rp, "peer row", "a private address (network.allow_private is off)");
		return NULL;
	}
	if ((p = peers_add(rp->env.peers, r->id, r->name, &r->addr, r->region, r->pem)) == NULL)
		return NULL;
	p->state = (enum peer_state)r->st;
	if (p->state == PEER_CANDIDATE)
		peers_start_trial(p, TRIAL_JOIN);
	log_info(LOG_G_SHARED, "peer %s (%s, %s) from another replica: %s", p->name,
	    p->addr_str, p->idhex, peers_state_name(p->state));
	return p;
}

/*
 * A row for a peer we do not know, inactive and unreachable past network.forget_after:
 * audit.c deletes such a peer (it deleted it here, or would at once), so the row is not a
 * peer to add back but a leftover, and goes from Redis too.
 */
static int
replica_row_forgotten(const struct replica *rp, const struct peerfile_row *r)
{
	uint64_t seen = r->last_ok > r->since ? r->last_ok : r->since;

	return r->st == PEER_INACTIVE &&
	    seen + replica_cfg(rp)->network.forget_after_ms / 1000 <= wall_s();
}

static void
replica_forget(struct replica *rp, const char *idhex)
{
	const char *argv[3] = { "HDEL", rp->k_peers, idhex };

	log_info(LOG_G_SHARED, "peer %s: forgotten (unreachable past forget_after): its row "
	    "goes from Redis", idhex);
	(void)replica_send(rp, replica_done, rp, 3, argv);
}

void
replica_peer_deleted(struct replica *rp, const uint8_t *id)
{
	char hex[TLS_SHA256_HEX];

	/* Down now: the next reader after a reconnection sees the stale row and deletes it. */
	if (rp != NULL && vredis_up(rp->vr))
		replica_forget(rp, tls_hex(id, TLS_SHA256_LEN, hex));
}

/* Take v (from a row newer than ours) into p. */
static void
replica_take(struct replica *rp, struct peer *p, const struct peerfile_row *r,
    const struct replica_view *v)
{
	enum peer_state st = (enum peer_state)v->state;
	struct replica_view now;

	if (st != p->state || strcmp(v->reason, p->reason) != 0)
		peers_set_state(rp->env.peers, p, st, v->reason);
	/* The other replica's trial decided: ours would only repeat it. */
	if (st != PEER_CANDIDATE && p->trial == TRIAL_JOIN)
		p->trial = TRIAL_NONE;
	else if (st == PEER_CANDIDATE && p->trial == TRIAL_NONE)
		peers_start_trial(p, TRIAL_JOIN);
	p->since = v->since;
	p->hops = v->hops;
	p->forwarded |= v->forwarded;
	if (r->last_ok > p->last_ok)
		p->last_ok = r->last_ok;
	if (p->finding != VOTE_PENDING && v->finding != VOTE_NONE) {
		p->finding = (enum audit_vote)v->finding;
		snprintf(p->finding_reason, sizeof(p->finding_reason), "%s", v->finding_reason);
	}
	/* Ours now, as far as the view goes (a finding of our own audit stays ours). */
	p->shared_rev = r->rev;
	replica_view_of(p, &now);
	p->shared_digest = replica_view_digest(&now);
	p->shared_unsent = 0;
	rp->st.rows_taken++;
	replica_changed(rp);
}

/*
 * One row (from a read of the hash, field the id it is filed under, or from the channel,
 * field NULL): checked as network input, then taken when it is newer than ours
 * (replica_row_newer).
 */
static void
replica_row_apply(struct replica *rp, const char *field, size_t flen, const char *val,
    size_t len)
{
	struct peerfile_row r;
	struct replica_view v;
	struct peer *p;
	uint64_t d;
	char err[256] = "", hex[TLS_SHA256_HEX];

	/* Sealed but misfiled: said before the costly parse (replica_row_filed). */
	if (field != NULL && replica_row_unseal(rp->key, val, len, err, sizeof(err)) == 0 &&
	    !replica_row_filed(field, flen, val, len)) {
		replica_refuse(rp, "peer row", "filed under another id");
		return;
	}
	if (replica_row_decode(rp->key, val, len, &r, err, sizeof(err)) != 0 ||
	    replica_view_of_row(&r, &v) != 0) {
		replica_refuse(rp, field ? "peer row" : "announced row", err[0] ? err :
		    "bad finding");
		goto out;
	}
	tls_hex(r.id, TLS_SHA256_LEN, hex);
	if (field != NULL && (flen != strlen(hex) || memcmp(field, hex, flen) != 0)) {
		replica_refuse(rp, "peer row", "filed under another id");
		goto out;
	}
	d = replica_view_digest(&v);
	if ((p = peers_find(rp->env.peers, r.id)) == NULL) {
		if (replica_row_forgotten(rp, &r)) {
			replica_forget(rp, hex);
			goto out;
		}
		if ((p = replica_peer_new(rp, &r)) == NULL)
			goto out;
		p->shared_rev = 0;
	} else if (r.rev == p->shared_rev && d == p->shared_digest) {
		p->shared_unsent = 0;	/* Redis has ours */
		goto out;
	}
	if (replica_row_newer(r.rev, d, p->shared_rev, p->shared_digest))
		replica_take(rp, p, &r, &v);
	else
		p->shared_unsent = 1;	/* Redis holds an older row than ours: ours again */
out:
	peerfile_row_free(&r);
}

static void
replica_pushed(void *arg, enum vredis_status status, const struct redisReply *r)
{
	struct replica_push *pu = arg;
	struct replica *rp = pu->base.rp;
	struct peer *p;

	if (!replica_ok(rp, status, r) && (p = peers_find(rp->env.peers, pu->id)) != NULL)
		p->shared_unsent = 1;
	replica_ctx_free(pu);
}

/* A command whose outcome only counts (an announcement). */
void
replica_done(void *arg, enum vredis_status status, const struct redisReply *r)
{
	(void)replica_ok(arg, status, r);
}

/*
 * Write p's row into the hash and announce it on the channel: 0, -1 when it cannot go now,
 * -2 when it never can (too large a row: the peer stays this replica's alone).
 */
static int
replica_push_row(struct replica *rp, struct peer *p, struct evbuffer *b)
{
	const char *argv[4];
	size_t len[4];
	struct replica_push *pu;
	const char *msg;
	size_t mlen;

	evbuffer_drain(b, evbuffer_get_length(b));
	evbuffer_add(b, "peer ", 5);
	if (replica_row_encode(rp->key, p, b) != 0) {
		log_warnx(LOG_G_SHARED, "peer %s (%s): its row is over %d bytes: not shared",
		    p->name, p->addr_str, REPLICA_ROW_MAX);
		return -2;
	}
	if ((msg = (const char *)evbuffer_pullup(b, -1)) == NULL ||
	    (pu = replica_ctx_new(rp, sizeof(*pu))) == NULL)
		return -1;
	mlen = evbuffer_get_length(b);
	memcpy(pu->id, p->id, TLS_SHA256_LEN);
	argv[0] = "HSET", argv[1] = rp->k_peers, argv[2] = p->idhex, argv[3] = msg + 5;
	len[0] = 4, len[1] = strlen(rp->k_peers), len[2] = strlen(p->idhex), len[3] = mlen - 5;
	if (vredis_command(rp->vr, 0, replica_pushed, pu, 4, argv, len) == NULL) {
		replica_ctx_free(pu);
		return -1;
	}
	/* The row itself travels: the others need no read to take it. */
	argv[0] = "PUBLISH", argv[1] = rp->channel, argv[2] = msg;
	len[0] = 7, len[1] = strlen(rp->channel), len[2] = mlen;
	(void)vredis_command(rp->vr, 0, replica_done, rp, 3, argv, len);
	rp->st.rows_pushed++;
	return 0;
}

/*
 * Rows of ours that changed, or that Redis lacks, written (REPLICA_PUSH_MAX per tick).
 * A change gets a new rev: the wall clock in ms, past the last one.
 */
static void
replica_push_peers(struct replica *rp)
{
	struct replica_view v;
	struct evbuffer *b;
	struct peer *p;
	uint64_t d, now = replica_wall_ms();
	size_t sent = 0;
	int rc;

	if ((b = evbuffer_new()) == NULL)
		return;
	for (p = peers_first(rp->env.peers); p != NULL; p = peers_next(p)) {
		if (p->ca_pem == NULL)
			continue;	/* known by pin only: configured alike on every replica */
		replica_view_of(p, &v);
		if ((d = replica_view_digest(&v)) != p->shared_digest) {
			p->shared_digest = d;
			p->shared_rev = now > p->shared_rev ? now : p->shared_rev + 1;
			p->shared_unsent = 1;
		}
		if (!p->shared_unsent || sent >= REPLICA_PUSH_MAX)
			continue;
		if ((rc = replica_push_row(rp, p, b)) == -1)
			break;
		p->shared_unsent = 0;
		sent += rc == 0;
	}
	evbuffer_free(b);
}

/* ---- reading the shared state ---- */

/* What one HGETALL is for. */
enum replica_read { RR_PEERS, RR_REPORTS, RR_REP, RR_RING };

struct replica_readctx {
	struct replica_ctx base;
	enum replica_read what;
	int full;			/* part of a full read (a connection), not a notice */
};

static void
replica_read_one(struct replica *rp, enum replica_read what, const struct redisReply *r)
{
	const struct redisReply *f, *v;
	size_t i;

	if (what == RR_RING) {
		replica_ring_read(rp, r);
		return;
	}
	if (r->type != REDIS_REPLY_ARRAY || r->elements % 2 != 0) {
		replica_refuse(rp, what == RR_PEERS ? "peer table" : "counter table",
		    "not a hash");
		return;
	}
	for (i = 0; i + 1 < r->elements; i += 2) {
		f = r->element[i];
		v = r->element[i + 1];
		if (f == NULL || v == NULL)
			continue;
		if (what != RR_PEERS) {
			replica_count_apply(rp, what == RR_REPORTS ? RK_REPORTS : RK_REP, f, v);
		} else if (f->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING) {
			replica_refuse(rp, "peer row", "not a string");
		} else {
			rp->st.rows_loaded++;
			replica_row_apply(rp, f->str, f->len, v->str, v->len);
		}
	}
}

static void
replica_read_done(void *arg, enum vredis_status status, const struct redisReply *r)
{
	struct replica_readctx *c = arg;
	struct replica *rp = c->base.rp;

	/*
	 * An error reply (a key of another type: planted, or another program's) is garbage
	 * like any other, skipped; only a read that never came back is tried again, else
	 * such a key would keep this replica from ever writing.
	 */
	if (c->full && status == VREDIS_OK)
		rp->read_fails[c->what] = 0;
	if (replica_ok(rp, status, r))
		replica_read_one(rp, c->what, r);
	else if (status == VREDIS_OK)
		replica_refuse(rp, "shared table", "Redis refused the read");
	else if (c->full) {
		/* Replies come in order: the first lost is the culprit, the rest went with it. */
		if (!rp->load_failed)
			rp->read_fails[c->what]++;
		rp->load_failed = 1;
	}
	if (c->full && --rp->loading == 0) {
		if (rp->load_failed) {
			log_warnx(LOG_G_SHARED, "reading the shared state failed; will "
			    "try again");
		} else {
			rp->loaded = 1;
			rp->st.loads++;
			log_info(LOG_G_SHARED, "state read from Redis (%zu peers here now; "
			    "%" PRIu64 " values refused so far)", peers_total(rp->env.peers),
			    rp->st.invalid);
		}
	}
	replica_ctx_free(c);
}

/* HGETALL the hash for what (LRANGE for the ring); 0, or -1 when it cannot go. */
static int
replica_read(struct replica *rp, enum replica_read what, int full)
{
	const char *argv[4] = { "HGETALL", what == RR_PEERS ? rp->k_peers : what == RR_REPORTS ?
		rp->k_reports : what == RR_REP ? rp->k_rep : rp->k_ring, "0", NULL };
	struct replica_readctx *c = replica_ctx_new(rp, sizeof(*c));
	uint32_t tmo = (uint32_t)replica_cfg(rp)->shared.timeout_ms;
	size_t len[4];
	char top[24];
	int i;

	if (c == NULL)
		return -1;
	c->what = what;
	c->full = full;
	snprintf(top, sizeof(top), "%zu", replica_cfg(rp)->network.recent_questions - 1);
	if (what == RR_RING)
		argv[0] = "LRANGE", argv[3] = top;
	for (i = 0; i < 4; i++)
		len[i] = argv[i] ? strlen(argv[i]) : 0;
	/* Nothing waits on a read: a table of thousands of rows may take its time. */
	if (vredis_command(rp->vr, REPLICA_READ_MS > tmo ? REPLICA_READ_MS : tmo,
	    replica_read_done, c, what == RR_RING ? 4 : 2, argv, len) == NULL) {
		replica_ctx_free(c);
		return -1;
	}
	if (full)
		rp->loading++;
	return 0;
}

/*
 * A (re)connection: read everything, peers first, since counters are only taken for
 * known peers. Until it is read nothing is written: a replica restarted with old files
 * must not pass its old rows off as news (rows carry their rev, counts their base).
 */
static void
replica_load(struct replica *rp)
{
	const char *keys[4] = { rp->k_peers, rp->k_reports, rp->k_rep, rp->k_ring };
	struct peer *p;
	int what;

	for (p = peers_first(rp->env.peers); p != NULL; p = peers_next(p))
		p->shared_unsent = 1;	/* until Redis shows it has our row */
	rp->load_failed = 0;
	for (what = RR_PEERS; what <= RR_RING; what++) {
		/* Written unread: newer rows elsewhere win all the same (their replicas write
		 * them again over ours), and counters are increments. */
		if (rp->read_fails[what] >= REPLICA_READ_TRIES) {
			log_warnx(LOG_G_SHARED, "%s could not be read %u times in a row (too "
			    "large?): not read this time", keys[what], rp->read_fails[what]);
			rp->read_fails[what] = 0;
		} else if (replica_read(rp, (enum replica_read)what, 1) != 0)
			rp->load_failed = 1;	/* the others still come back; tried again after */
	}
	if (rp->loading == 0 && !rp->load_failed)
		rp->loaded = 1;		/* nothing was read: every table was skipped */
	rp->counts_stale = 0;
}

/* An announcement on the channel: a row, or "counts <replica>". Untrusted bytes. */
static void
replica_message(void *arg, const uint8_t *data, size_t len)
{
	struct replica *rp = arg;

	rp->st.events++;
	/*
	 * Taken even while a read is out: a row written after the read was served may be
	 * announced before the read's reply comes, and rows are ordered by rev, not arrival.
	 */
	if (len > 5 && memcmp(data, "peer ", 5) == 0)
		replica_row_apply(rp, NULL, 0, (const char *)data + 5, len - 5);
	else if (len > 5 && memcmp(data, "ring ", 5) == 0)
		replica_ring_message(rp, data, len); else if (len == 7 + sizeof(rp->rid) - 1 && memcmp(data, "counts ", 7) == 0) {
		if (memcmp(data + 7, rp->rid, sizeof(rp->rid) - 1) != 0)
			rp->counts_stale = 1;
	} else {
		replica_refuse(rp, "announcement", "not one of ours");
	}
}

/* ---- the tick ---- */

/* Connection changes: say so, and read everything again after any. */
static void
replica_watch(struct replica *rp)
{
	int up = vredis_up(rp->vr), sub = vredis_subscribed(rp->vr);

	if (up && !rp->was_up)
		log_info(LOG_G_SHARED, "Redis up: reading the shared state");
	else if (!up && rp->was_up)
		log_warnx(LOG_G_SHARED, "Redis unreachable: serving from local state, "
		    "changes are written when it is back");
	/* Announcements were lost while unsubscribed: read it all again. */
	if (!up || (up && !rp->was_up) || (sub && !rp->was_sub))
		rp->loaded = 0;
	rp->was_up = up;
	rp->was_sub = sub;
}

static void
replica_tick(evutil_socket_t fd, short what, void *arg)
{
	struct replica *rp = arg;
	struct timeval tv = { 0, REPLICA_TICK_MS * 1000 };

	(void)fd;
	(void)what;
	replica_watch(rp);
	rp->unsub_ticks = rp->was_up && !rp->was_sub ? rp->unsub_ticks + 1 : 0;
	/*
	 * Read once subscribed, so that nothing announced between the read and the
	 * subscription is missed (and the read is not made twice); without a subscription
	 * after a while, read all the same: the replica must not stop writing for want of it.
	 */
	if (rp->was_up && !rp->loaded && rp->loading == 0 &&
	    (rp->was_sub || rp->unsub_ticks > REPLICA_UNSUB_TICKS))
		replica_load(rp);
	if (rp->was_up && rp->loaded) {
		replica_push_peers(rp);
		replica_count_push(rp);
		replica_ring_push(rp);
		/* At most one read per interval, however many notices came. */
		if (rp->counts_stale && now_ms() - rp->counts_read_ms >= REPLICA_COUNTS_READ_MS) {
			rp->counts_stale = 0;
			rp->counts_read_ms = now_ms();
			(void)replica_read(rp, RR_REPORTS, 0);
			(void)replica_read(rp, RR_REP, 0);
		}
	}
	evtimer_add(rp->tick, &tv);
}

/* ---- life ---- */

/* The seal's key, from the TLS private key file every replica of the mirror holds. */
static int
replica_keyed(struct replica *rp, const struct mirror_config *c, char *err, size_t errlen)
{
	FILE *f = fopen(c->tls_key, "rb");
	char *buf;
	size_t n;
	int rc = -1;

	if (f == NULL) {
		snprintf(err, errlen, "shared: cannot read %s: %s", c->tls_key, strerror(errno));
		return -1;
	}
	buf = xmalloc(REPLICA_KEYFILE_MAX);
	n = fread(buf, 1, REPLICA_KEYFILE_MAX, f);
	if (ferror(f) || n == 0 || n == REPLICA_KEYFILE_MAX)
		snprintf(err, errlen, "shared: cannot use %s to key the shared rows", c->tls_key);
	else
		rc = replica_row_key(c->shared.prefix, buf, n, rp->key);
	if (rc == 0)
		replica_ring_key(rp);
	if (rc != 0 && err[0] == '\0')
		snprintf(err, errlen, "out of memory");
	memset(buf, 0, REPLICA_KEYFILE_MAX);
	free(buf);
	fclose(f);
	return rc;
}

/*
 * What is in the tables now counts as shared: the rows carry the time of their last
 * change as rev, the counts are their own base. A restart with its files then takes
 * what others did since, and adds nothing twice.
 */
static void
replica_baseline(struct replica *rp)
{
	struct replica_view v;
	struct peer *p;

	for (p = peers_first(rp->env.peers); p != NULL; p = peers_next(p)) {
		replica_view_of(p, &v);
		p->shared_digest = replica_view_digest(&v);
		p->shared_rev = p->since * 1000;
	}
	replica_count_baseline(rp);
}

static char *
replica_keyname(const struct mirror_config *c, const char *name)
{
	char *s = xmalloc(strlen(c->shared.prefix) + strlen(name) + 1);

	strcpy(s, c->shared.prefix);
	strcat(s, name);
	return s;
}

struct replica *
replica_new(const struct replica_env *env, char *err, size_t errlen)
{
	const struct mirror_config *c = *env->cfg;
	struct vredis_config vc;
	struct replica *rp = xcalloc(1, sizeof(*rp));
	struct timeval tv = { 0, REPLICA_TICK_MS * 1000 };
	uint8_t r[8];

	rp->env = *env;
	LIST_INIT(&rp->ctxs);
	err[0] = '\0';
	if (replica_keyed(rp, c, err, errlen) != 0)
		goto fail;
	random_buf(r, sizeof(r));
	tls_hex(r, sizeof(r), rp->rid);
	rp->k_peers = replica_keyname(c, "peers");
	rp->k_reports = replica_keyname(c, "reports");
	rp->k_rep = replica_keyname(c, "reputation");
	rp->k_ring = replica_keyname(c, "ring");
	rp->ring_out = evbuffer_new();
	rp->channel = replica_keyname(c, "events");
	replica_baseline(rp);
	memset(&vc, 0, sizeof(vc));
	vc.addr = c->shared.addr;
	vc.username = c->shared.username;
	vc.password = c->shared.password;
	vc.timeout_ms = (uint32_t)c->shared.timeout_ms;
	vc.channel = rp->channel;
	vc.log_sub = "replica";
	if (rp->ring_out == NULL ||
	    (rp->vr = vredis_new(env->base, &vc, replica_message, rp)) == NULL ||
	    (rp->tick = evtimer_new(env->base, replica_tick, rp)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	evtimer_add(rp->tick, &tv);
	return rp;
fail:
	replica_free(rp);
	return NULL;
}

void
replica_free(struct replica *rp)
{
	if (rp == NULL)
		return;
	/* First: no callback of a command still out may run once we are gone. */
	vredis_free(rp->vr);
	while (!LIST_EMPTY(&rp->ctxs))
		replica_ctx_free(LIST_FIRST(&rp->ctxs));
	if (rp->tick != NULL)
		event_free(rp->tick);
	free(rp->k_peers);
	free(rp->k_reports);
	free(rp->k_rep);
	free(rp->k_ring);
	free(rp->channel);
	if (rp->ring_out != NULL)
		evbuffer_free(rp->ring_out);
	memset(rp->key, 0, sizeof(rp->key));
	memset(rp->ring_key, 0, sizeof(rp->ring_key));
	free(rp);
}

void
replica_stats(const struct replica *rp, struct replica_stats *out)
{
	*out = rp->st;
}

void
replica_health_json(const struct replica *rp, struct evbuffer *b)
{
	struct vredis_stats vs;
	const struct replica_stats *s;

	if (rp == NULL) {
		evbuffer_add_printf(b, ",\"shared\":{\"state\":\"off\"}");
		return;
	}
	s = &rp->st;
	vredis_stats(rp->vr, &vs);
	evbuffer_add_printf(b, ",\"shared\":{");
	json_kv_str(b, 1, "state", vredis_state_name(vs.state));
	evbuffer_add_printf(b, ",\"subscribed\":%s,\"loaded\":%s", vs.subscribed ? "true" :
	    "false", rp->loaded ? "true" : "false");
	json_kv_u64(b, 0, "since", vs.since);
	json_kv_u64(b, 0, "loads", s->loads);
	json_kv_u64(b, 0, "rows_loaded", s->rows_loaded);
	json_kv_u64(b, 0, "rows_taken", s->rows_taken);
	json_kv_u64(b, 0, "rows_pushed", s->rows_pushed);
	json_kv_u64(b, 0, "counts_pushed", s->counts_pushed);
	json_kv_u64(b, 0, "counts_taken", s->counts_taken);
	json_kv_u64(b, 0, "events", s->events);
	json_kv_u64(b, 0, "invalid", s->invalid);
	json_kv_u64(b, 0, "errors", s->errors);
	json_kv_u64(b, 0, "ring_pushed", s->ring_pushed);
	json_kv_u64(b, 0, "ring_taken", s->ring_taken);
	json_kv_u64(b, 0, "ring_dropped", s->ring_dropped);
	json_kv_u64(b, 0, "timeouts", vs.timeouts);
	json_kv_u64(b, 0, "reconnects", vs.connects);
	json_kv_str(b, 0, "last_error", vs.last_error[0] ? vs.last_error : NULL);
	evbuffer_add(b, "}", 1);
}
