/*
 * resolver/vcache_ca.c - the verified (name, address, CA fingerprint) pairs and each name's
 * CA history: part of the verified cache, persisted in its state file.
 */
#include "autoconf.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "hlru.h"
#include "tls.h"
#include "vcache_ca.h"
#include "vcache_int.h"
#include "vutil.h"

/* Buckets: a power of two; one pair per address of a probed name, one history per name. */
#define VCACHE_CA_BUCKETS 4096

/*
 * VCACHE_CA_SEEN: the addresses verified for a name, one record per (name, family), keyed
 * like a pair whose address is all zeroes. It outlives the verdicts (which an INSUFFICIENT
 * or DISSENT verdict replaces), so that an attacker who blocks the mirrors cannot make a
 * name "never verified" again (DESIGN.md section 4: evidence is sticky).
 */
enum vcache_ca_kind { VCACHE_CA_PAIR, VCACHE_CA_HISTORY, VCACHE_CA_SEEN };

/* One verified address and until when it counts (wall-clock seconds). */
struct vcache_ca_seen_addr {
	struct cons_addr a;
	uint64_t expire;
};

struct vcache_ca_rec {
	struct hlru_node node;			/* never touched: insertion order, for eviction */
	enum vcache_ca_kind kind;
	struct cons_addr addr;			/* pairs; zero for histories */
	struct probe_ca ca;			/* pairs */
	uint64_t expire;			/* pairs */
	struct ca_history hist;			/* histories */
	struct vcache_ca_seen_addr *seen;	/* seen records: VCACHE_CA_SEEN_MAX, owned */
	size_t n_seen;
	uint64_t nodata_expire;			/* seen: a verified NODATA's end (wall s), 0 none */
	uint8_t qname_len;
	uint8_t qname[];
};

#define VCACHE_CA_R(n) HLRU_ENTRY(n, struct vcache_ca_rec, node)

/* What vcache_ca_find looks for; a NULL addr: histories. */
struct vcache_ca_key {
	enum vcache_ca_kind kind;
	const uint8_t *qname;
	size_t len;
	const struct cons_addr *a;
};

/*
 * One table in insertion order and its budget. The verified addresses have their own (list
 * 1), apart from pairs and histories (list 0): a churn of names that the attacker drives
 * through one kind must not push out the other, least of all a name's sticky evidence just
 * before the mirrors are blocked. Unbounded for lib/hlru: vcache_ca_trim evicts, expired first.
 */
struct vcache_ca_list {
	struct hlru *t;
	size_t sweep_wait;		/* evictions before the next sweep for expired records */
};

struct vcache_ca {
	struct vcache_ca_list lists[2];	/* [0] pairs and histories, [1] verified addresses */
	size_t pairs, max;		/* max: per list */
	uint64_t clock;			/* the latest wall clock a caller passed in */
	uint64_t seed;			/* keys the chain hash: random, this instance's */
	FILE *journal;			/* vcache_ca_set_journal: changes appended here */
	pthread_rwlock_t lock;		/* vcache_int.h */
};

/* A sweep for expired records walks a whole list; when it finds none, the next ones wait for
 * this fraction of the budget of evictions: a full table of live records costs a constant. */
#define VCACHE_CA_SWEEP_BACKOFF 16

static void vcache_ca_write_rec(FILE *f, const struct vcache_ca_rec *r);
static int vcache_ca_seen_live(struct vcache_ca_rec *r, uint64_t now);
static struct vcache_ca_rec *vcache_ca_seen_rec(struct vcache_ca *vc, const uint8_t *qname,
    size_t qname_len, uint8_t family);

/* Note wall clock now (the callers' clock; this file reads none). */
static void
vcache_ca_tick(struct vcache_ca *vc, uint64_t now)
{
	if (now > vc->clock)
		vc->clock = now;
}

/*
 * The chain of key k, keyed by this instance's random seed (hlru_fold): the names and
 * addresses are a client's choice (its own zone's), and must not be aimable at one chain.
 */
static uint32_t
vcache_ca_key(const struct vcache_ca *vc, const struct vcache_ca_key *k)
{
	uint64_t h = hlru_fnv(HLRU_FNV_INIT ^ vc->seed, &k->kind, sizeof(k->kind));

	h = hlru_fnv(h, k->qname, k->len);
	if (k->a)
		h = hlru_fnv(h, k->a->bytes, k->a->family == 4 ? 4 : 16);
	return hlru_fold(h);
}

static int
vcache_ca_same_addr(const struct cons_addr *a, const struct cons_addr *b)
{
	return a->family == b->family && memcmp(a->bytes, b->bytes, a->family == 4 ? 4 : 16) == 0;
}

static int
vcache_ca_same(void *arg, const struct hlru_node *n, const void *key)
{
	const struct vcache_ca_rec *r = HLRU_ENTRY(n, const struct vcache_ca_rec, node);
	const struct vcache_ca_key *k = key;

	(void)arg;
	return r->kind == k->kind && r->qname_len == k->len &&
	    memcmp(r->qname, k->qname, k->len) == 0 &&
	    (k->a == NULL || vcache_ca_same_addr(&r->addr, k->a));
}

static void
vcache_ca_drop(void *arg, struct hlru_node *n)
{
	struct vcache_ca *vc = arg;
	struct vcache_ca_rec *r = VCACHE_CA_R(n);

	vc->pairs -= r->kind == VCACHE_CA_PAIR;
	free(r->seen);
	free(r);
}

/* The table of r's kind. */
static struct vcache_ca_list *
vcache_ca_list(struct vcache_ca *vc, enum vcache_ca_kind kind)
{
	return &vc->lists[kind == VCACHE_CA_SEEN];
}

struct vcache_ca *
vcache_ca_new(size_t max)
{
	struct vcache_ca *vc = calloc(1, sizeof(*vc));

	if (vc == NULL)
		return NULL;
	REQUIRE(pthread_rwlock_init(&vc->lock, NULL) == 0);
	vc->max = max;
	random_buf(&vc->seed, sizeof(vc->seed));
	for (size_t i = 0; i < 2; i++)
		if ((vc->lists[i].t = hlru_new(VCACHE_CA_BUCKETS, vcache_ca_same, vcache_ca_drop,
		    vc)) == NULL) {
			vcache_ca_free(vc);
			return NULL;
		}
	return vc;
}

static void
vcache_ca_unlink(struct vcache_ca *vc, struct vcache_ca_rec *r)
{
	hlru_remove(vcache_ca_list(vc, r->kind)->t, &r->node);
}

void
vcache_ca_free(struct vcache_ca *vc)
{
	if (vc == NULL)
		return;
	for (size_t i = 0; i < 2; i++)
		hlru_free(vc->lists[i].t);
	pthread_rwlock_destroy(&vc->lock);
	free(vc);
}

/* Whether r is of no use at vc->clock: an expired pair, or addresses all expired. */
static int
vcache_ca_expired(struct vcache_ca *vc, struct vcache_ca_rec *r)
{
	if (r->kind == VCACHE_CA_PAIR)
		return r->expire <= vc->clock;
	if (r->kind == VCACHE_CA_SEEN)
		return !vcache_ca_seen_live(r, vc->clock);
	return 0; /* a history is no cache: it never expires */
}

/*
 * Bring list l within vc->max, never dropping keep1 or keep2 (may be NULL). Expired records
 * go first; only then the oldest live ones.
 */
static void
vcache_ca_trim(struct vcache_ca *vc, struct vcache_ca_list *l, const struct vcache_ca_rec *keep1,
    const struct vcache_ca_rec *keep2)
{
	struct hlru_node *n, *next;

	if (hlru_count(l->t) <= vc->max)
		return;
	if (l->sweep_wait == 0) {
		size_t freed = 0;
		for (n = hlru_oldest(l->t); n; n = next) {
			struct vcache_ca_rec *r = VCACHE_CA_R(n);
			next = hlru_newer(l->t, n);
			if (r != keep1 && r != keep2 && vcache_ca_expired(vc, r)) {
				hlru_remove(l->t, n);
				freed++;
			}
		}
		if (freed == 0)
			l->sweep_wait = vc->max / VCACHE_CA_SWEEP_BACKOFF + 1;
	}
	while (hlru_count(l->t) > vc->max) {
		for (n = hlru_oldest(l->t); n && (VCACHE_CA_R(n) == keep1 || VCACHE_CA_R(n) == keep2);)
			n = hlru_newer(l->t, n);
		if (n == NULL)
			break;
		hlru_remove(l->t, n);
		if (l->sweep_wait > 0)
			l->sweep_wait--;
	}
}

void
vcache_ca_u_set_max(struct vcache_ca *vc, size_t max)
{
	vc->max = max;
	for (size_t i = 0; i < 2; i++)
		vcache_ca_trim(vc, &vc->lists[i], NULL, NULL);
}

static struct vcache_ca_rec *
vcache_ca_find(struct vcache_ca *vc, enum vcache_ca_kind kind, const uint8_t *qname,
    size_t len, const struct cons_addr *a)
{
	struct vcache_ca_key k = { kind, qname, len, a };
	struct hlru_node *n = hlru_find(vcache_ca_list(vc, kind)->t, vcache_ca_key(vc, &k), &k);

	return n ? VCACHE_CA_R(n) : NULL;
}

/*
 * A new record with the key (kind, qname, a); NULL on allocation failure. The record of the
 * same key goes to *oldp when oldp != NULL (the caller takes what it needs and unlinks it;
 * it is then never the one evicted), else it is dropped at once.
 */
static struct vcache_ca_rec *
vcache_ca_insert_keep(struct vcache_ca *vc, enum vcache_ca_kind kind, const uint8_t *qname,
    size_t len, const struct cons_addr *a, struct vcache_ca_rec **oldp)
{
	struct vcache_ca_rec *r, *old;
	struct vcache_ca_list *l;

	if (oldp)
		*oldp = NULL;
	if (len == 0 || len > 255 || vc->max == 0)
		return NULL;
	if ((r = calloc(1, sizeof(*r) + len)) == NULL)
		return NULL;
	if ((old = vcache_ca_find(vc, kind, qname, len, a)) != NULL) {
		if (oldp)
			*oldp = old;
		else {
			vcache_ca_unlink(vc, old);
			old = NULL;
		}
	}
	r->kind = kind;
	if (a)
		r->addr = *a;
	r->qname_len = (uint8_t)len;
	memcpy(r->qname, qname, len);
	l = vcache_ca_list(vc, kind);
	hlru_insert(l->t, &r->node, vcache_ca_key(vc, &(struct vcache_ca_key){ kind, qname, len, a }), 0);
	vc->pairs += kind == VCACHE_CA_PAIR;
	vcache_ca_trim(vc, l, r, old);
	return r;
}

static struct vcache_ca_rec *
vcache_ca_insert(struct vcache_ca *vc, enum vcache_ca_kind kind, const uint8_t *qname,
    size_t len, const struct cons_addr *a)
{
	return vcache_ca_insert_keep(vc, kind, qname, len, a, NULL);
}

int
vcache_ca_u_pair_lookup(struct vcache_ca *vc, const uint8_t *qname, size_t qname_len,
    const struct cons_addr *a, uint64_t now, struct probe_ca *ca)
{
	struct vcache_ca_rec *r = vcache_ca_find(vc, VCACHE_CA_PAIR, qname, qname_len, a);

	vcache_ca_tick(vc, now);
	if (r == NULL)
		return 0;
	if (r->expire <= now) {
		vcache_ca_unlink(vc, r);
		return 0;
	}
	if (ca)
		*ca = r->ca;
	return 1;
}

int
vcache_ca_u_pair_store(struct vcache_ca *vc, const uint8_t *qname, size_t qname_len,
    const struct cons_addr *a, const struct probe_ca *ca, uint64_t expire)
{
	struct vcache_ca_rec *r;

	if (vc->max == 0)
		return 0;
	if ((r = vcache_ca_insert(vc, VCACHE_CA_PAIR, qname, qname_len, a)) == NULL)
		return -1;
	r->ca = *ca;
	r->expire = expire;
	if (vc->journal != NULL)
		vcache_ca_write_rec(vc->journal, r);
	return 0;
}

int
vcache_ca_u_history_get(struct vcache_ca *vc, const uint8_t *qname, size_t qname_len,
    struct ca_history *h)
{
	struct vcache_ca_rec *r = vcache_ca_find(vc, VCACHE_CA_HISTORY, qname, qname_len, NULL);

	if (r == NULL)
		return 0;
	*h = r->hist;
	return 1;
}

int
vcache_ca_u_history_put(struct vcache_ca *vc, const uint8_t *qname, size_t qname_len,
    const struct ca_history *h)
{
	struct vcache_ca_rec *r;

	if (vc->max == 0)
		return 0;
	if ((r = vcache_ca_insert(vc, VCACHE_CA_HISTORY, qname, qname_len, NULL)) == NULL)
		return -1;
	r->hist = *h;
	if (vc->journal != NULL)
		vcache_ca_write_rec(vc->journal, r);
	return 0;
}

/* The key of a seen record: the family alone (the bytes all zero). */
#define vcache_ca_seen_key(fam) ((struct cons_addr){ .family = (fam) })

/* Drop the addresses of r expired at now; the count left. */
static size_t
vcache_ca_seen_prune(struct vcache_ca_rec *r, uint64_t now)
{
	size_t o = 0;

	for (size_t i = 0; i < r->n_seen; i++)
		if (r->seen[i].expire > now)
			r->seen[o++] = r->seen[i];
	r->n_seen = o;
	return o;
}

/* Add or extend address a in r until expire; when full, the one expiring first goes. */
static void
vcache_ca_seen_put(struct vcache_ca_rec *r, const struct cons_addr *a, uint64_t expire)
{
	size_t i, first = 0;

	for (i = 0; i < r->n_seen; i++)
		if (vcache_ca_same_addr(&r->seen[i].a, a)) {
			if (r->seen[i].expire < expire)
				r->seen[i].expire = expire;
			return;
		}
	if (r->n_seen < VCACHE_CA_SEEN_MAX) {
		r->seen[r->n_seen].a = *a;
		r->seen[r->n_seen++].expire = expire;
		return;
	}
	for (i = 1; i < r->n_seen; i++)
		if (r->seen[i].expire < r->seen[first].expire)
			first = i;
	r->seen[first].a = *a;
	r->seen[first].expire = expire;
}

int
vcache_ca_u_seen_add(struct vcache_ca *vc, const uint8_t *qname, size_t qname_len,
    const struct cons_addr *addrs, size_t n, uint64_t now, uint64_t expire)
{
	vcache_ca_tick(vc, now);
	for (uint8_t family = 4; family <= 6; family += 2) {
		struct vcache_ca_rec *r;
		size_t keep = 0;

		for (size_t i = 0; i < n; i++)
			keep += addrs[i].family == family;
		if (keep == 0 || vc->max == 0)
			continue;
		/* Re-inserted, not updated in place: the name becomes the newest, and the
		 * oldest names are the ones evicted. */
		if ((r = vcache_ca_seen_rec(vc, qname, qname_len, family)) == NULL)
			return -1;
		r->nodata_expire = 0; /* the family has addresses now */
		vcache_ca_seen_prune(r, now);
		for (size_t i = 0; i < n; i++)
			if (addrs[i].family == family)
				vcache_ca_seen_put(r, &addrs[i], expire);
		if (vc->journal != NULL)
			vcache_ca_write_rec(vc->journal, r);
	}
	return 0;
}

/* The (qname, family) seen record, a new one when there is none; NULL on failure. */
static struct vcache_ca_rec *
vcache_ca_seen_rec(struct vcache_ca *vc, const uint8_t *qname, size_t qname_len,
    uint8_t family)
{
	struct cons_addr key = vcache_ca_seen_key(family);
	struct vcache_ca_rec *r, *old;

	if ((r = vcache_ca_insert_keep(vc, VCACHE_CA_SEEN, qname, qname_len, &key, &old)) == NULL)
		return NULL;
	if (old != NULL) {
		r->seen = old->seen;
		r->n_seen = old->n_seen;
		r->nodata_expire = old->nodata_expire;
		old->seen = NULL;
		vcache_ca_unlink(vc, old);
	} else if ((r->seen = calloc(VCACHE_CA_SEEN_MAX, sizeof(*r->seen))) == NULL) {
		vcache_ca_unlink(vc, r);
		return NULL;
	}
	return r;
}

int
vcache_ca_u_nodata_add(struct vcache_ca *vc, const uint8_t *qname, size_t qname_len,
    uint8_t family, uint64_t now, uint64_t expire)
{
	struct vcache_ca_rec *r;

	vcache_ca_tick(vc, now);
	if ((family != 4 && family != 6) || vc->max == 0)
		return 0;
	if ((r = vcache_ca_seen_rec(vc, qname, qname_len, family)) == NULL)
		return -1;
	vcache_ca_seen_prune(r, now);
	if (r->nodata_expire < expire)
		r->nodata_expire = expire;
	if (vc->journal != NULL)
		vcache_ca_write_rec(vc->journal, r);
	return 0;
}

/* Whether r (may be NULL) holds live evidence at now: addresses, or a NODATA. */
static int
vcache_ca_seen_live(struct vcache_ca_rec *r, uint64_t now)
{
	if (r == NULL)
		return 0;
	if (r->nodata_expire <= now)
		r->nodata_expire = 0;
	return vcache_ca_seen_prune(r, now) > 0 || r->nodata_expire > 0;
}

int
vcache_ca_u_seen_any(struct vcache_ca *vc, const uint8_t *qname, size_t qname_len,
    uint8_t family, uint64_t now)
{
	struct cons_addr k = vcache_ca_seen_key(family);
	struct vcache_ca_rec *r = vcache_ca_find(vc, VCACHE_CA_SEEN, qname, qname_len, &k);

	return vcache_ca_seen_live(r, now) && r->n_seen > 0;
}

int
vcache_ca_u_contradicts(struct vcache_ca *vc, const uint8_t *qname, size_t qname_len,
    const struct cons_addr *addrs, size_t n, uint64_t now, size_t *bad)
{
	struct cons_addr k4 = vcache_ca_seen_key(4), k6 = vcache_ca_seen_key(6);
	struct vcache_ca_rec *r4 = vcache_ca_find(vc, VCACHE_CA_SEEN, qname, qname_len, &k4);
	struct vcache_ca_rec *r6 = vcache_ca_find(vc, VCACHE_CA_SEEN, qname, qname_len, &k6);
	int live4 = vcache_ca_seen_live(r4, now), live6 = vcache_ca_seen_live(r6, now);
	/* Addresses verified in either family: a name known over IPv4 only is no blank page
	 * for a forged AAAA (glibc asks both and prefers IPv6). */
	int named = (r4 && r4->n_seen > 0) || (r6 && r6->n_seen > 0);

	vcache_ca_tick(vc, now);

	for (size_t i = 0; i < n; i++) {
		struct vcache_ca_rec *r = addrs[i].family == 4 ? r4 : r6;
		int known = 0;

		/* Evidence for this name: verified addresses of either family, or a verified
		 * NODATA of this one (an address where the mirrors agreed there is none). */
		if (!named && !(addrs[i].family == 4 ? live4 : live6))
			continue; /* never verified (or long ago): on_insufficient decides */
		for (size_t k = 0; r != NULL && k < r->n_seen && !known; k++)
			known = vcache_ca_same_addr(&r->seen[k].a, &addrs[i]);
		if (!known && !vcache_ca_u_pair_lookup(vc, qname, qname_len, &addrs[i], now, NULL)) {
			if (bad)
				*bad = i;
			return 1;
		}
	}
	return 0;
}

/* Drop the pairs and verified addresses of qname, or of every name when qname is NULL
 * (histories stay: they are no cache); the count of pairs dropped. */
static size_t
vcache_ca_drop_names(struct vcache_ca *vc, const uint8_t *qname, size_t qname_len)
{
	size_t n = 0;

	for (size_t i = 0; i < 2; i++)
		for (struct hlru_node *nd = hlru_oldest(vc->lists[i].t), *next; nd; nd = next) {
			struct vcache_ca_rec *r = VCACHE_CA_R(nd);
			next = hlru_newer(vc->lists[i].t, nd);
			if (r->kind == VCACHE_CA_HISTORY || (qname != NULL &&
			    (r->qname_len != qname_len || memcmp(r->qname, qname, qname_len) != 0)))
				continue;
			n += r->kind == VCACHE_CA_PAIR;
			vcache_ca_unlink(vc, r);
		}
	return n;
}

size_t
vcache_ca_u_remove(struct vcache_ca *vc, const uint8_t *qname, size_t qname_len)
{
	return vcache_ca_drop_names(vc, qname, qname_len);
}

size_t
vcache_ca_u_flush(struct vcache_ca *vc)
{
	return vcache_ca_drop_names(vc, NULL, 0);
}

size_t
vcache_ca_chain_max(const struct vcache_ca *vc)
{
	size_t a = hlru_chain_max(vc->lists[0].t), b = hlru_chain_max(vc->lists[1].t);

	return a > b ? a : b;
}

size_t
vcache_ca_pairs(const struct vcache_ca *vc)
{
	return vc->pairs;
}

int
vcache_ca_full(const struct vcache_ca *vc)
{
	return hlru_count(vc->lists[0].t) >= vc->max || hlru_count(vc->lists[1].t) >= vc->max;
}

static void
vcache_ca_put_hex(FILE *f, const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		fprintf(f, "%02x", p[i]);
}

/*
 * One record as one line:
 * Pairs:     p EXPIRE NAME-HEX FAMILY ADDR-HEX SELECTOR SHA256-HEX
 * Histories: h SINCE SEEN FLAG-UNTIL FLAG-DAYS NAME-HEX SELECTOR:SHA256-HEX[,...]
 * Verified addresses (state version 4): a NAME-HEX FAMILY EXPIRE:ADDR-HEX[,...]; an
 * ADDR-HEX of "-" is a verified NODATA of the family.
 */
static void
vcache_ca_write_rec(FILE *f, const struct vcache_ca_rec *r)
{
	if (r->kind == VCACHE_CA_SEEN) {
		fputs("a ", f);
		vcache_ca_put_hex(f, r->qname, r->qname_len);
		fprintf(f, " %u", r->addr.family);
		for (size_t i = 0; i < r->n_seen; i++) {
			fprintf(f, "%c%llu:", i ? ',' : ' ', (unsigned long long)r->seen[i].expire);
			vcache_ca_put_hex(f, r->seen[i].a.bytes, r->addr.family == 4 ? 4 : 16);
		}
		if (r->nodata_expire > 0)
			fprintf(f, "%c%llu:-", r->n_seen ? ',' : ' ',
			    (unsigned long long)r->nodata_expire);
	} else if (r->kind == VCACHE_CA_PAIR) {
		fprintf(f, "p %llu ", (unsigned long long)r->expire);
		vcache_ca_put_hex(f, r->qname, r->qname_len);
		fprintf(f, " %u ", r->addr.family);
		vcache_ca_put_hex(f, r->addr.bytes, r->addr.family == 4 ? 4 : 16);
		fprintf(f, " %u ", r->ca.selector);
		vcache_ca_put_hex(f, r->ca.sha256, TLS_SHA256_LEN);
	} else {
		fprintf(f, "h %llu %llu %llu %u ", (unsigned long long)r->hist.since,
		    (unsigned long long)r->hist.seen, (unsigned long long)r->hist.flag_until,
		    r->hist.flag_days);
		vcache_ca_put_hex(f, r->qname, r->qname_len);
		for (size_t i = 0; i < r->hist.set.n; i++) {
			fprintf(f, "%c%u:", i ? ',' : ' ', r->hist.set.cas[i].selector);
			vcache_ca_put_hex(f, r->hist.set.cas[i].sha256, TLS_SHA256_LEN);
		}
	}
	fputc('\n', f);
}

int
vcache_ca_save(struct vcache_ca *vc, FILE *f, uint64_t now)
{
	int n = 0;

	vcache_ca_tick(vc, now);
	for (size_t i = 0; i < 2; i++)
		for (struct hlru_node *nd = hlru_oldest(vc->lists[i].t); nd;
		    nd = hlru_newer(vc->lists[i].t, nd)) {
			struct vcache_ca_rec *r = VCACHE_CA_R(nd);
			if (r->kind == VCACHE_CA_PAIR && r->expire <= now)
				continue;
			if (r->kind == VCACHE_CA_SEEN && !vcache_ca_seen_live(r, now))
				continue;
			vcache_ca_write_rec(f, r);
			n++;
		}
	return n;
}

void
vcache_ca_set_journal(struct vcache_ca *vc, FILE *f)
{
	vc->journal = f;
}

/* Hex of at most cap bytes into out; the byte count, or -1. */
static int
vcache_ca_unhex(const char *hex, uint8_t *out, size_t cap)
{
	size_t hl = strlen(hex);

	if (hl == 0 || hl % 2 || hl / 2 > cap || tls_unhex(hex, out, hl / 2) != 0)
		return -1;
	return (int)(hl / 2);
}

static int
vcache_ca_parse_pair(struct vcache_ca *vc, const char *line, uint64_t now)
{
	unsigned long long expire;
	unsigned family, sel;
	char nhex[520], ahex[40], shex[80];
	uint8_t qname[255];
	struct cons_addr a;
	struct probe_ca ca;
	int ql;

	memset(&a, 0, sizeof(a));
	char fmt[48];

	snprintf(fmt, sizeof(fmt), "p %%llu %%%zus %%u %%%zus %%u %%%zus", sizeof(nhex) - 1,
	    sizeof(ahex) - 1, sizeof(shex) - 1);
	if (sscanf(line, fmt, &expire, nhex, &family, ahex, &sel, shex) != 6 ||
	    (family != 4 && family != 6) || sel > 1)
		return -1;
	if ((ql = vcache_ca_unhex(nhex, qname, sizeof(qname))) < 0 ||
	    vcache_ca_unhex(ahex, a.bytes, sizeof(a.bytes)) != (family == 4 ? 4 : 16) ||
	    vcache_ca_unhex(shex, ca.sha256, sizeof(ca.sha256)) != TLS_SHA256_LEN)
		return -1;
	if (expire <= now)
		return 0;
	a.family = (uint8_t)family;
	ca.selector = (uint8_t)sel;
	return vcache_ca_u_pair_store(vc, qname, (size_t)ql, &a, &ca, expire) == 0 ? 1 : -1;
}

static int
vcache_ca_parse_history(struct vcache_ca *vc, const char *line)
{
	unsigned long long since, seen, until;
	unsigned days;
	char nhex[520], list[CA_MAX * 70 + 8], *p, *save;
	uint8_t qname[255];
	struct ca_history h;
	int ql;

	memset(&h, 0, sizeof(h));
	char fmt[48];

	snprintf(fmt, sizeof(fmt), "h %%llu %%llu %%llu %%u %%%zus %%%zus", sizeof(nhex) - 1,
	    sizeof(list) - 1);
	if (sscanf(line, fmt, &since, &seen, &until, &days, nhex, list) != 6 ||
	    (ql = vcache_ca_unhex(nhex, qname, sizeof(qname))) < 0)
		return -1;
	for (p = strtok_r(list, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		struct probe_ca ca;
		if ((p[0] != '0' && p[0] != '1') || p[1] != ':' ||
		    vcache_ca_unhex(p + 2, ca.sha256, sizeof(ca.sha256)) != TLS_SHA256_LEN)
			return -1;
		ca.selector = (uint8_t)(p[0] - '0');
		ca_set_add(&h.set, &ca);
	}
	if (h.set.n == 0)
		return -1;
	h.since = since;
	h.seen = seen;
	h.flag_until = until;
	h.flag_days = days;
	return vcache_ca_u_history_put(vc, qname, (size_t)ql, &h) == 0 ? 1 : -1;
}

/* "a NAME-HEX FAMILY EXPIRE:ADDR-HEX[,...]": the live addresses go back into the table. */
static int
vcache_ca_parse_seen(struct vcache_ca *vc, const char *line, uint64_t now)
{
	/* Per entry: ",", 20 digits, ":", 32 hex digits; one more for the NODATA entry. */
	char nhex[520], list[(VCACHE_CA_SEEN_MAX + 1) * 56 + 8], *p, *save;
	struct cons_addr addrs[VCACHE_CA_SEEN_MAX];
	uint64_t exp[VCACHE_CA_SEEN_MAX], nodata = 0;
	uint8_t qname[255];
	unsigned family;
	size_t n = 0;
	int ql;

	char fmt[32];

	/*
	 * The widths follow the buffers: a fixed width once cut a line of 11 or more IPv6
	 * addresses, the line was dropped, and a big CDN name became "never verified" after a
	 * restart (the sticky evidence lost).
	 */
	snprintf(fmt, sizeof(fmt), "a %%%zus %%u %%%zus", sizeof(nhex) - 1, sizeof(list) - 1);
	if (sscanf(line, fmt, nhex, &family, list) != 3 ||
	    (family != 4 && family != 6) || (ql = vcache_ca_unhex(nhex, qname, sizeof(qname))) < 0)
		return -1;
	for (p = strtok_r(list, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		char *colon = strchr(p, ':'), *end;
		unsigned long long e;
		if (colon == NULL)
			return -1;
		*colon = '\0';
		e = strtoull(p, &end, 10);
		if (end != colon)
			return -1;
		if (strcmp(colon + 1, "-") == 0) {
			nodata = e;
			continue;
		}
		if (n == VCACHE_CA_SEEN_MAX)
			return -1;
		memset(&addrs[n], 0, sizeof(addrs[n]));
		if (vcache_ca_unhex(colon + 1, addrs[n].bytes, sizeof(addrs[n].bytes)) !=
		    (family == 4 ? 4 : 16))
			return -1;
		addrs[n].family = (uint8_t)family;
		exp[n] = e;
		n++;
	}
	if (n == 0 && nodata == 0)
		return -1;
	/* One address at a time: each keeps its own lifetime. */
	for (size_t i = 0; i < n; i++)
		if (exp[i] > now &&
		    vcache_ca_u_seen_add(vc, qname, (size_t)ql, &addrs[i], 1, now, exp[i]) != 0)
			return -1;
	if (nodata > now &&
	    vcache_ca_u_nodata_add(vc, qname, (size_t)ql, (uint8_t)family, now, nodata) != 0)
		return -1;
	return 1;
}

int
vcache_ca_u_parse_line(struct vcache_ca *vc, const char *line, uint64_t now)
{
	vcache_ca_tick(vc, now);
	if (line[0] == 'a' && line[1] == ' ')
		return vcache_ca_parse_seen(vc, line, now);
	if (line[0] == 'p' && line[1] == ' ')
		return vcache_ca_parse_pair(vc, line, now);
	if (line[0] == 'h' && line[1] == ' ')
		return vcache_ca_parse_history(vc, line);
	return -1;
}

pthread_rwlock_t *
vcache_ca_lockp(struct vcache_ca *vc)
{
	return &vc->lock;
}
