/* resolver/vcache.c - the verified cache: consensus verdicts per (name, type), persisted. */
#include "autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hlru.h"
#include "log.h"
#include "tls.h"
#include "vcache.h"
#include "vcache_ca.h"
#include "vcache_int.h"
#include "vutil.h"

/* Buckets: a power of two; chains stay short up to a few hundred thousand names. */
#define VCACHE_BUCKETS 65536
/*
 * Version 4 adds the verified addresses ("a" lines, vcache_ca.c); version 3 added the CA
 * pairs and histories. Version 2 and 3 files still load; an older vantaged refuses a
 * version 4 file rather than misread it.
 */
#define VCACHE_MAGIC "vantage-state 4"
#define VCACHE_MAGIC_V3 "vantage-state 3"
#define VCACHE_MAGIC_V2 "vantage-state 2"

struct vcache_entry {
	struct hlru_node node;			/* never touched: insertion order, for eviction */
	struct vcache_info info;
	uint16_t qtype;
	uint8_t qname_len;
	uint8_t qname[];
};

/* What vcache_find looks for. */
struct vcache_key {
	const uint8_t *qname;
	size_t len;
	uint16_t qtype;
};

#define VCACHE_E(n) HLRU_ENTRY(n, struct vcache_entry, node)

struct vcache {
	struct hlru *table;
	size_t max;
	struct vcache_ca *ca;			/* pairs and CA histories */
	FILE *journal;				/* every change since the last save, or NULL */
	char *journal_path;
	int journal_failing;			/* the last append failed (logged once) */
	uint8_t ekey[16];			/* keys the evidence hashes (vcache_set_secret) */
	uint8_t tkey[16];			/* keys the chain hash: random, this instance's */
	pthread_rwlock_t lock;			/* vcache_int.h */
};

static void vcache_journal_sync(struct vcache *vc);
static void vcache_write_entry(FILE *f, const struct vcache_entry *e);

uint64_t
vcache_hash(uint64_t h, const void *p, size_t len)
{
	return hlru_fnv(h, p, len);
}

#define VCACHE_ROTL(x, b) (((x) << (b)) | ((x) >> (64 - (b))))

static uint64_t
vcache_le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static void
vcache_sip_round(struct vcache_sip *s)
{
	s->v0 += s->v1;
	s->v1 = VCACHE_ROTL(s->v1, 13);
	s->v1 ^= s->v0;
	s->v0 = VCACHE_ROTL(s->v0, 32);
	s->v2 += s->v3;
	s->v3 = VCACHE_ROTL(s->v3, 16);
	s->v3 ^= s->v2;
	s->v0 += s->v3;
	s->v3 = VCACHE_ROTL(s->v3, 21);
	s->v3 ^= s->v0;
	s->v2 += s->v1;
	s->v1 = VCACHE_ROTL(s->v1, 17);
	s->v1 ^= s->v2;
	s->v2 = VCACHE_ROTL(s->v2, 32);
}

/* One 8-byte block m: two compression rounds (the "2" of SipHash-2-4). */
static void
vcache_sip_block(struct vcache_sip *s, uint64_t m)
{
	s->v3 ^= m;
	vcache_sip_round(s);
	vcache_sip_round(s);
	s->v0 ^= m;
}

void
vcache_sip_init(struct vcache_sip *s, const uint8_t key[16])
{
	uint64_t k0 = vcache_le64(key), k1 = vcache_le64(key + 8);

	s->v0 = k0 ^ 0x736f6d6570736575ull;
	s->v1 = k1 ^ 0x646f72616e646f6dull;
	s->v2 = k0 ^ 0x6c7967656e657261ull;
	s->v3 = k1 ^ 0x7465646279746573ull;
	s->tail = 0;
	s->len = 0;
}

void
vcache_sip_update(struct vcache_sip *s, const void *p, size_t len)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < len; i++) {
		s->tail |= (uint64_t)b[i] << (8 * (s->len % 8));
		if (++s->len % 8 == 0) {
			vcache_sip_block(s, s->tail);
			s->tail = 0;
		}
	}
}

uint64_t
vcache_sip_final(const struct vcache_sip *st)
{
	struct vcache_sip s = *st;

	/* The last block: the bytes left over, the length's low byte on top. */
	vcache_sip_block(&s, s.tail | ((uint64_t)(s.len & 0xff) << 56));
	s.v2 ^= 0xff;
	for (int i = 0; i < 4; i++) /* four finalisation rounds (the "4") */
		vcache_sip_round(&s);
	return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

uint64_t
vcache_siphash(const uint8_t key[16], const void *p, size_t len)
{
	struct vcache_sip s;

	vcache_sip_init(&s, key);
	vcache_sip_update(&s, p, len);
	return vcache_sip_final(&s);
}

void
vcache_set_secret(struct vcache *vc, const uint8_t secret[32])
{
	static const char tag[] = "vantage evidence hash key";
	uint8_t msg[sizeof(tag) + 16 + 1];
	uint64_t k[2];

	/* Each half: SipHash keyed by the secret's first half over a tag, its second half and
	 * the index. A key of its own: nothing here can tell about the mirror selection's. */
	memcpy(msg, tag, sizeof(tag));
	memcpy(msg + sizeof(tag), secret + 16, 16);
	for (int i = 0; i < 2; i++) {
		msg[sizeof(msg) - 1] = (uint8_t)i;
		k[i] = vcache_siphash(secret, msg, sizeof(msg));
	}
	for (int i = 0; i < 8; i++) {
		vc->ekey[i] = (uint8_t)(k[0] >> (8 * i));
		vc->ekey[8 + i] = (uint8_t)(k[1] >> (8 * i));
	}
}

static void
vcache_sip_u16(struct vcache_sip *s, size_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	vcache_sip_update(s, b, sizeof(b));
}

uint64_t
vcache_canon_hash(const struct vcache *vc, const struct cons_answer *a)
{
	struct vcache_sip s;
	uint8_t head[5] = { 'c', (uint8_t)((unsigned)a->rclass >> 24),
		(uint8_t)((unsigned)a->rclass >> 16), (uint8_t)((unsigned)a->rclass >> 8),
		(uint8_t)a->rclass };

	/* Every variable part carries its length: a record's rdata cannot run into the next
	 * record or into the chain (unframed, "rdata R + chain C" equals "rdata R||C"). */
	vcache_sip_init(&s, vc->ekey);
	vcache_sip_update(&s, head, sizeof(head));
	vcache_sip_u16(&s, a->n_rrs);
	for (size_t i = 0; i < a->n_rrs; i++) {
		vcache_sip_u16(&s, a->rrs[i].type);
		vcache_sip_u16(&s, a->rrs[i].len);
		vcache_sip_update(&s, a->rrs[i].rdata, a->rrs[i].len);
	}
	/* The CNAME chain is served too: an answer reaching the same records another way is
	 * other content, and must not reuse the verdict on the first. */
	vcache_sip_u16(&s, a->chain_len);
	if (a->chain_len > 0)
		vcache_sip_update(&s, a->chain, a->chain_len);
	return vcache_sip_final(&s);
}

uint64_t
vcache_raw_hash(const struct vcache *vc, const uint8_t *wire, size_t len, size_t qend)
{
	struct vcache_sip s;

	if (len < qend || len < 4)
		return 0;
	/* A tag of its own ('r', never 'c'); the rest is its own length's. */
	vcache_sip_init(&s, vc->ekey);
	vcache_sip_update(&s, "r", 1);
	vcache_sip_update(&s, wire + 2, 2);
	vcache_sip_update(&s, wire + qend, len - qend);
	return vcache_sip_final(&s);
}

/*
 * The chain of key k: SipHash under this instance's random key, so that names chosen by a
 * client (its own zone's, verified on its asking) cannot be aimed at one chain, as they
 * could at the unkeyed FNV-1a this was (the answer cache's chains are keyed the same way).
 */
static uint32_t
vcache_key(const struct vcache *vc, const struct vcache_key *k)
{
	struct vcache_sip s;
	uint64_t h;

	vcache_sip_init(&s, vc->tkey);
	vcache_sip_update(&s, k->qname, k->len);
	vcache_sip_update(&s, &k->qtype, sizeof(k->qtype));
	h = vcache_sip_final(&s);
	return (uint32_t)(h ^ (h >> 32));
}

static int
vcache_same(void *arg, const struct hlru_node *n, const void *key)
{
	const struct vcache_entry *e = HLRU_ENTRY(n, const struct vcache_entry, node);
	const struct vcache_key *k = key;

	(void)arg;
	return e->qtype == k->qtype && e->qname_len == k->len &&
	    memcmp(e->qname, k->qname, k->len) == 0;
}

static void
vcache_drop(void *arg, struct hlru_node *n)
{
	(void)arg;
	free(VCACHE_E(n));
}

struct vcache *
vcache_new(size_t max)
{
	struct vcache *vc = calloc(1, sizeof(*vc));

	if (vc == NULL)
		return NULL;
	REQUIRE(pthread_rwlock_init(&vc->lock, NULL) == 0);
	vc->max = max;
	random_buf(vc->tkey, sizeof(vc->tkey));
	if ((vc->table = hlru_new(VCACHE_BUCKETS, vcache_same, vcache_drop, NULL)) == NULL ||
	    (vc->ca = vcache_ca_new(max)) == NULL) {
		hlru_free(vc->table);
		pthread_rwlock_destroy(&vc->lock);
		free(vc);
		return NULL;
	}
	hlru_set_bounds(vc->table, max, HLRU_UNBOUNDED);
	return vc;
}

void
vcache_u_flush(struct vcache *vc)
{
	hlru_clear(vc->table);
	vcache_ca_flush(vc->ca);
	if (vc->journal != NULL) {
		fputs("X\n", vc->journal);
		vcache_journal_sync(vc);
	}
}

void
vcache_free(struct vcache *vc)
{
	if (vc == NULL)
		return;
	vcache_journal_close(vc);
	hlru_free(vc->table);
	vcache_ca_free(vc->ca);
	free(vc->journal_path);
	pthread_rwlock_destroy(&vc->lock);
	free(vc);
}

void
vcache_u_set_max(struct vcache *vc, size_t max)
{
	vc->max = max;
	hlru_set_bounds(vc->table, max, HLRU_UNBOUNDED);
	hlru_trim(vc->table);
	vcache_ca_set_max(vc->ca, max);
}

struct vcache_ca *
vcache_cadata(struct vcache *vc)
{
	return vc->ca;
}

static struct vcache_entry *
vcache_find(struct vcache *vc, const uint8_t *qname, size_t len, uint16_t qtype)
{
	struct vcache_key k = { qname, len, qtype };
	struct hlru_node *n = hlru_find(vc->table, vcache_key(vc, &k), &k);

	return n ? VCACHE_E(n) : NULL;
}

int
vcache_u_lookup(struct vcache *vc, const uint8_t *qname, size_t qname_len, uint16_t qtype,
    uint64_t now, struct vcache_info *out)
{
	struct vcache_entry *e = vcache_find(vc, qname, qname_len, qtype);

	if (e == NULL)
		return 0;
	if (e->info.expire <= now) {
		hlru_remove(vc->table, &e->node);
		return 0;
	}
	*out = e->info;
	return 1;
}

int
vcache_u_store(struct vcache *vc, const uint8_t *qname, size_t qname_len, uint16_t qtype,
    const struct vcache_info *info)
{
	struct vcache_key k = { qname, qname_len, qtype };
	struct vcache_entry *e, *old;

	if (vc->max == 0 || qname_len == 0 || qname_len > 255)
		return 0;
	if ((e = calloc(1, sizeof(*e) + qname_len)) == NULL)
		return -1;
	if ((old = vcache_find(vc, qname, qname_len, qtype)) != NULL)
		hlru_remove(vc->table, &old->node);
	e->info = *info;
	e->qtype = qtype;
	e->qname_len = (uint8_t)qname_len;
	memcpy(e->qname, qname, qname_len);
	hlru_insert(vc->table, &e->node, vcache_key(vc, &k), 0);
	hlru_trim(vc->table); /* the oldest go, never e: the bound is at least 1 here */
	if (vc->journal != NULL) {
		vcache_write_entry(vc->journal, e);
		vcache_journal_sync(vc);
	}
	return 0;
}

void
vcache_u_set_raw_hash(struct vcache *vc, const uint8_t *qname, size_t qname_len, uint16_t qtype,
    uint64_t raw_hash)
{
	struct vcache_entry *e = vcache_find(vc, qname, qname_len, qtype);

	if (e)
		e->info.raw_hash = raw_hash;
}

size_t
vcache_u_remove(struct vcache *vc, const uint8_t *qname, size_t qname_len)
{
	size_t n = 0;

	for (struct hlru_node *nd = hlru_oldest(vc->table), *next; nd; nd = next) {
		struct vcache_entry *e = VCACHE_E(nd);
		next = hlru_newer(vc->table, nd);
		if (e->qname_len == qname_len && memcmp(e->qname, qname, qname_len) == 0) {
			hlru_remove(vc->table, nd);
			n++;
		}
	}
	n += vcache_ca_remove(vc->ca, qname, qname_len);
	if (vc->journal != NULL) {
		fputs("x ", vc->journal);
		for (size_t i = 0; i < qname_len; i++)
			fprintf(vc->journal, "%02x", qname[i]);
		fputc('\n', vc->journal);
		vcache_journal_sync(vc);
	}
	return n;
}

size_t
vcache_chain_max(const struct vcache *vc)
{
	return hlru_chain_max(vc->table);
}

size_t
vcache_count(const struct vcache *vc)
{
	return hlru_count(vc->table);
}

int
vcache_full(const struct vcache *vc)
{
	return hlru_count(vc->table) >= vc->max || vcache_ca_full(vc->ca);
}

/*
 * One line per entry: expire qtype outcome rule canon_hash raw_hash corroborated dissented asked
 * failed flags
 * qname-hex summary. Hex for the name keeps any label byte safe in a text file.
 * The journal adds "x NAME-HEX" (the name removed) and "X" (everything flushed).
 */
static void
vcache_write_entry(FILE *f, const struct vcache_entry *e)
{
	fprintf(f, "%llu %u %u %u %016llx %016llx %u %u %u %u %u ",
	    (unsigned long long)e->info.expire, e->qtype, e->info.outcome, e->info.rule,
	    (unsigned long long)e->info.canon_hash, (unsigned long long)e->info.raw_hash,
	    e->info.corroborated, e->info.dissented, e->info.asked, e->info.failed,
	    e->info.flags);
	for (size_t i = 0; i < e->qname_len; i++)
		fprintf(f, "%02x", e->qname[i]);
	fprintf(f, " %s\n", e->info.summary[0] ? e->info.summary : "-");
}

/*
 * The journal is line-buffered: each change leaves in one write(2) when its line ends, so
 * a SIGKILL loses nothing already written and tears no line. A failed append (a full disk)
 * is logged once; the change stays in memory and goes out with the next save.
 */
static void
vcache_journal_sync(struct vcache *vc)
{
	if (!ferror(vc->journal)) {
		if (vc->journal_failing)
			log_info(LOG_G_CACHE, "journal %s: appending again", vc->journal_path);
		vc->journal_failing = 0;
		return;
	}
	if (!vc->journal_failing)
		log_warnx(LOG_G_CACHE, "journal %s: append failed; verdicts since the last save are "
		    "kept in memory until the next save succeeds", vc->journal_path);
	vc->journal_failing = 1;
	clearerr(vc->journal);
}

/* Empty the journal and start it again with the magic line; 0 or -1. */
static int
vcache_journal_reset(struct vcache *vc)
{
	fflush(vc->journal);
	clearerr(vc->journal);
	if (ftruncate(fileno(vc->journal), 0) != 0)
		return -1;
	fprintf(vc->journal, "%s\n", VCACHE_MAGIC);
	vcache_journal_sync(vc);
	return 0;
}

int
vcache_journal_open(struct vcache *vc, const char *path)
{
	int fd;

	if ((vc->journal_path = strdup(path)) == NULL)
		return -1;
	if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600)) < 0)
		goto fail;
	if ((vc->journal = fdopen(fd, "a")) == NULL) {
		close(fd);
		goto fail;
	}
	setvbuf(vc->journal, NULL, _IOLBF, 8192);
	if (lseek(fd, 0, SEEK_END) == 0) {
		fprintf(vc->journal, "%s\n", VCACHE_MAGIC);
		vcache_journal_sync(vc);
	}
	vcache_ca_set_journal(vc->ca, vc->journal);
	return 0;
fail:
	free(vc->journal_path);
	vc->journal_path = NULL;
	return -1;
}

void
vcache_journal_close(struct vcache *vc)
{
	vcache_ca_set_journal(vc->ca, NULL);
	if (vc->journal != NULL)
		fclose(vc->journal);
	vc->journal = NULL;
}

size_t
vcache_journal_bytes(const struct vcache *vc)
{
	off_t off;

	if (vc->journal == NULL || (off = lseek(fileno(vc->journal), 0, SEEK_END)) < 0)
		return 0;
	return (size_t)off;
}

int
vcache_save(struct vcache *vc, const char *path, uint64_t now)
{
	char tmp[4096];
	FILE *f;
	int fd, n = 0, saved;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid()) >= (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0)
		return -1;
	if ((f = fdopen(fd, "w")) == NULL) {
		saved = errno;
		close(fd);
		unlink(tmp);
		errno = saved;
		return -1;
	}
	fprintf(f, "%s\n", VCACHE_MAGIC);
	for (const struct hlru_node *nd = hlru_oldest(vc->table); nd; nd = hlru_newer(vc->table, nd)) {
		const struct vcache_entry *e = HLRU_ENTRY(nd, const struct vcache_entry, node);
		if (e->info.expire <= now)
			continue;
		vcache_write_entry(f, e);
		n++;
	}
	n += vcache_ca_save(vc->ca, f, now);
	if (fflush(f) != 0 || fsync(fd) != 0 || ferror(f)) {
		saved = errno;
		fclose(f);
		unlink(tmp);
		errno = saved ? saved : EIO;
		return -1;
	}
	if (fclose(f) != 0 || rename(tmp, path) != 0) {
		saved = errno;
		unlink(tmp);
		errno = saved;
		return -1;
	}
	/* Everything is in the new file: the journal starts again (a crash before this line
	 * only replays changes the file already holds). */
	if (vc->journal != NULL && vcache_journal_reset(vc) != 0)
		log_warn(LOG_G_CACHE, "journal %s: cannot empty it", vc->journal_path);
	return n;
}

static int
vcache_parse_line(char *line, struct vcache_info *info, uint16_t *qtype, uint8_t *qname,
    size_t *qlen)
{
	unsigned long long expire, ch, rh;
	unsigned t, outcome, rule, corr, diss, asked, failed, flags;
	char hex[600], summary[64];
	size_t hl;

	summary[0] = '\0';
	if (sscanf(line, "%llu %u %u %u %llx %llx %u %u %u %u %u %599s %63[^\n]", &expire, &t,
		&outcome, &rule, &ch, &rh, &corr, &diss, &asked, &failed, &flags, hex, summary) < 12)
		return -1;
	hl = strlen(hex);
	if (t > 65535 || outcome > OUTCOME_INSUFFICIENT || rule > RULE_ADDRS || hl % 2 || hl == 0 ||
	    hl / 2 > 255)
		return -1;
	for (size_t i = 0; i < hl / 2; i++) {
		unsigned b;
		if (sscanf(hex + 2 * i, "%2x", &b) != 1)
			return -1;
		qname[i] = (uint8_t)b;
	}
	memset(info, 0, sizeof(*info));
	info->expire = expire;
	info->outcome = (enum cons_outcome)outcome;
	info->rule = (enum cons_rule)rule;
	info->canon_hash = ch;
	info->raw_hash = rh;
	info->corroborated = corr;
	info->dissented = diss;
	info->failed = failed;
	info->flags = flags;
	info->asked = asked;
	if (strcmp(summary, "-") != 0)
		snprintf(info->summary, sizeof(info->summary), "%s", summary);
	*qtype = (uint16_t)t;
	*qlen = hl / 2;
	return 0;
}

/*
 * One line of a state file or journal past its magic line: a removal ("x"), a flush ("X"),
 * a CA line (vcache_ca.c) or a verdict. Returns 1 when something was kept, 0 when not, -1
 * when the line is unreadable.
 */
static int
vcache_load_line(struct vcache *vc, char *line, uint64_t now)
{
	struct vcache_info info;
	uint8_t qname[256];
	size_t qlen;
	uint16_t qtype;

	if (line[0] == 'X' && line[1] == '\n') {
		vcache_u_flush(vc);
		return 0;
	}
	if (line[0] == 'x' && line[1] == ' ') {
		size_t hl = strcspn(line + 2, " \n");

		line[2 + hl] = '\0';	/* tls_unhex wants the digits alone */
		if (hl == 0 || hl % 2 || hl / 2 > 255 || tls_unhex(line + 2, qname, hl / 2) != 0)
			return -1;
		vcache_u_remove(vc, qname, hl / 2);
		return 0;
	}
	if ((line[0] == 'p' || line[0] == 'h' || line[0] == 'a') && line[1] == ' ')
		return vcache_ca_parse_line(vc->ca, line, now);
	if (vcache_parse_line(line, &info, &qtype, qname, &qlen) != 0)
		return -1;
	if (info.expire <= now)
		return 0;
	/* An agreement by overlap, prefix or CNAME tail (files written before those became
	 * weak signals) may be a forgery the old ladder let through: judge the name again
	 * rather than serve it from the file. */
	if (info.outcome == OUTCOME_AGREE &&
	    (info.rule == RULE_OVERLAP || info.rule == RULE_PREFIX || info.rule == RULE_CNAME))
		return 0;
	return vcache_u_store(vc, qname, qlen, qtype, &info) == 0;
}

/* Whether line is the magic line of a state file this version reads. */
static int
vcache_magic_ok(const char *line)
{
	static const char *const magic[] = { VCACHE_MAGIC, VCACHE_MAGIC_V3, VCACHE_MAGIC_V2 };

	for (size_t i = 0; i < NELEMS(magic); i++)
		if (strncmp(line, magic[i], strlen(magic[i])) == 0)
			return 1;
	return 0;
}

int
vcache_u_load(struct vcache *vc, const char *path, uint64_t now, size_t *bad)
{
	FILE *f = fopen(path, "r"), *journal;
	char line[2048];
	int n = 0, kept;

	if (bad)
		*bad = 0;
	if (f == NULL)
		return errno == ENOENT ? 0 : -1;
	/* What is read back is not a change: nothing of it goes to the journal. */
	journal = vc->journal;
	vc->journal = NULL;
	vcache_ca_set_journal(vc->ca, NULL);
	if (fgets(line, sizeof(line), f) == NULL || !vcache_magic_ok(line))
		n = -1;
	else
		while (fgets(line, sizeof(line), f))
			if ((kept = vcache_load_line(vc, line, now)) < 0 && bad)
				(*bad)++;
			else
				n += kept > 0;
	fclose(f);
	if (n < 0)
		errno = EINVAL;
	vc->journal = journal;
	vcache_ca_set_journal(vc->ca, journal);
	return n;
}

int
vcache_peek(struct vcache *vc, const uint8_t *qname, size_t qname_len, uint16_t qtype,
    uint64_t now, struct vcache_info *out)
{
	struct vcache_entry *e;
	int found;

	vcache_rdlock(vc);
	e = vcache_find(vc, qname, qname_len, qtype);
	if ((found = e != NULL && e->info.expire > now))
		*out = e->info;
	vcache_unlock(vc);
	return found;
}

pthread_rwlock_t *
vcache_lockp(struct vcache *vc)
{
	return &vc->lock;
}
