/*
 * resolver/fleet_codec.h - what a fleet of vantaged instances writes to Redis: the keys, a
 * shared verdict's value (binary, versioned, authenticated with HMAC-SHA256) and the
 * message that announces it. Pure: no I/O, no clock (time is passed in), no allocation but
 * the HMAC's scratch buffer.
 */
#ifndef VANTAGED_FLEET_CODEC_H
#define VANTAGED_FLEET_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "ca.h"
#include "consensus.h"
#include "digest.h"
#include "probe.h"

/* The value's format: a new layout is a new version, and an old instance reads it as a
 * miss (counted invalid), never as something else. */
#define FLEET_VERSION 1
#define FLEET_MAC_LEN 32		/* HMAC-SHA256 */
/* The longest value accepted (bytes): the largest honest one (64 records of a checked
 * type, a chain of 16 names, 16 mirror names) is well under it; past it is garbage. */
#define FLEET_VALUE_MAX 16384
/* The longest key: the prefix, "v:", a type, ":" and a name of 255 wire bytes escaped. */
#define FLEET_PREFIX_MAX 64
#define FLEET_KEY_MAX (FLEET_PREFIX_MAX + 16 + 4 * 255 + 1)
#define FLEET_NAME_MAX 64		/* a mirror's name in a value */
/*
 * How far in the future a shared verdict's expiry may be (s): an agreement is kept at most
 * a day (CHECK_AGREE_TTL_MAX), a dissent 30 s (CHECK_DISSENT_TTL); FLEET_SKEW_S more for
 * the instances' clocks, which NTP keeps within milliseconds but not always.
 */
#define FLEET_AGREE_MAX_S 86400
#define FLEET_DISSENT_MAX_S 30
#define FLEET_SKEW_S 5

/* Which key (fleet_key). */
enum fleet_key_kind {
	FLEET_KEY_VERDICT,		/* <prefix>v:<TYPE>:<name>: the value */
	FLEET_KEY_LOCK			/* <prefix>l:<TYPE>:<name>: who asks the mirrors now */
};

/* A (name, address, CA) pair a TLS probe proved (vcache_ca.h), as shared. */
#define FLEET_PAIR_MAX_S 86400		/* CHECK_CA_PAIR_TTL: a pair is kept at most a day */
struct fleet_pair {
	uint8_t qname[DIGEST_NAME];	/* lower-cased wire form */
	size_t qname_len;
	struct cons_addr addr;
	struct probe_ca ca;		/* the CA the chain verified up to */
	uint64_t expire;		/* wall-clock seconds */
};

/* A shared verdict, decoded (or to encode). Pointers into it stay valid while it lives. */
struct fleet_verdict {
	uint8_t qname[DIGEST_NAME];	/* lower-cased wire form */
	size_t qname_len;
	uint16_t qtype;
	enum cons_outcome outcome;	/* AGREE or DISSENT: nothing else is ever shared */
	enum cons_rule rule;
	unsigned flags;			/* VCACHE_F_* */
	unsigned corroborated, dissented, asked, failed;
	uint64_t expire;		/* wall-clock seconds */
	/* The content judged (struct digest's meaning): what vcache_canon_hash is taken of. */
	struct cons_answer ans;
	struct cons_rr rrs[DIGEST_MAX_RRS];
	uint8_t buf[DIGEST_BUF];
	uint8_t chain[DIGEST_MAX_CHAIN * DIGEST_NAME];
	unsigned n_mirrors;		/* the mirrors that were asked, by name */
	char mirrors[CONSENSUS_MAX_MIRRORS][FLEET_NAME_MAX + 1];
	char summary[64];		/* the answer, short (vcache_info.summary) */
};

/* What fleet_decode found wrong (the log line says it in words: fleet_err_name). */
enum fleet_err {
	FLEET_OK,
	FLEET_E_SIZE,			/* too short, too long, or bytes left over */
	FLEET_E_MAGIC,			/* not a value of ours */
	FLEET_E_VERSION,
	FLEET_E_MAC,			/* not written with this fleet's key (or altered) */
	FLEET_E_NAME,			/* the value is about another name or type than its key */
	FLEET_E_FIELD,			/* a field out of range (outcome, rule, counts, ...) */
	FLEET_E_CONTENT,		/* records, addresses or chain malformed */
	FLEET_E_EXPIRY			/* expired, or further in the future than allowed */
};

/*
 * fleet_key - the key of kind for (qname, qtype) under prefix into out (cap bytes; at
 * least FLEET_KEY_MAX): "<prefix>v:A:www.example.com." Returns its length, 0 when it does
 * not fit.
 */
size_t fleet_key(const char *prefix, enum fleet_key_kind kind, const uint8_t *qname,
    size_t qname_len, uint16_t qtype, char *out, size_t cap);

/*
 * fleet_hmac - HMAC-SHA256 (RFC 2104) of the pieces a[0..alen) and b[0..blen) under key
 * (klen bytes, any length). Returns 0, or -1 when memory runs out.
 */
int fleet_hmac(const uint8_t *key, size_t klen, const void *a, size_t alen, const void *b,
    size_t blen, uint8_t out[FLEET_MAC_LEN]);

/*
 * fleet_encode - v as a value for key (its MAC covers the key: a value copied under
 * another key does not verify) into out (cap bytes). v->ans, its records and chain are
 * read (they may point anywhere); the mirror names and summary are cut to their limits.
 * Returns the length, or 0 when it does not fit or v is not shareable (INSUFFICIENT).
 */
size_t fleet_encode(const struct fleet_verdict *v, const char *key, const uint8_t *mkey,
    size_t mklen, uint8_t *out, size_t cap);

/*
 * fleet_decode - the value p[0..len) read under key, checked as strictly as network input:
 * its MAC under mkey, its version, every size and bound, its name and type against the
 * key's, its expiry against now (wall-clock seconds). FLEET_OK and *v (its answer's
 * pointers into v), or what was wrong.
 */
enum fleet_err fleet_decode(const uint8_t *p, size_t len, const char *key, const char *prefix,
    const uint8_t *mkey, size_t mklen, uint64_t now, struct fleet_verdict *v);

/*
 * fleet_pair_key - "<prefix>p:<name>:<address>" for p into out (cap bytes; at least
 * FLEET_KEY_MAX). Its length, 0 when it does not fit.
 */
size_t fleet_pair_key(const char *prefix, const struct fleet_pair *p, char *out, size_t cap);

/*
 * fleet_pair_encode - p as a value for key ("VP", version, the name, the address, the CA,
 * the expiry, the MAC as fleet_encode's) into out (cap bytes). Its length, or 0.
 */
size_t fleet_pair_encode(const struct fleet_pair *p, const char *key, const uint8_t *mkey,
    size_t mklen, uint8_t *out, size_t cap);

/*
 * fleet_pair_decode - the pair p[0..len) read under key, checked as fleet_decode checks a
 * verdict (MAC first; the name and address against the key; the family, the selector, the
 * expiry within FLEET_PAIR_MAX_S of now). FLEET_OK and *out, or what was wrong.
 */
enum fleet_err fleet_pair_decode(const uint8_t *p, size_t len, const char *key,
    const char *prefix, const uint8_t *mkey, size_t mklen, uint64_t now, struct fleet_pair *out);

/* A name's CA history (ca.h), as shared: how long Redis keeps it (s), and its bounds. */
#define FLEET_HISTORY_TTL_S (30 * 86400)
#define FLEET_HISTORY_FLAG_MAX_S (366 * 86400)	/* a flag ends within a year */
struct fleet_history {
	uint8_t qname[DIGEST_NAME];	/* lower-cased wire form */
	size_t qname_len;
	struct ca_history h;
};

/* fleet_history_key - "<prefix>h:<name>" into out (cap bytes); its length, or 0. */
size_t fleet_history_key(const char *prefix, const uint8_t *qname, size_t qname_len, char *out,
    size_t cap);

/*
 * fleet_history_encode - h as a value for key ("VH", version, the name, the CA set, since,
 * seen, flag_until, flag_days, the MAC) into out (cap bytes). Its length, or 0.
 */
size_t fleet_history_encode(const struct fleet_history *h, const char *key, const uint8_t *mkey,
    size_t mklen, uint8_t *out, size_t cap);

/*
 * fleet_history_decode - the history p[0..len) read under key, checked (MAC first; the name
 * against the key; 1 to CA_MAX CAs; since <= seen <= now; a flag ending within
 * FLEET_HISTORY_FLAG_MAX_S). FLEET_OK and *out, or what was wrong.
 */
enum fleet_err fleet_history_decode(const uint8_t *p, size_t len, const char *key,
    const char *prefix, const uint8_t *mkey, size_t mklen, uint64_t now,
    struct fleet_history *out);

/*
 * fleet_msg_encode - the message published for a value: its key's length (2 bytes), the
 * key, the value (none: the owner of the key's lock went without a verdict). Into out (cap
 * bytes); the length, or 0 when it does not fit.
 */
size_t fleet_msg_encode(const char *key, const uint8_t *val, size_t vlen, uint8_t *out,
    size_t cap);

/*
 * fleet_msg_split - the key (NUL-terminated into key, FLEET_KEY_MAX bytes) and the value
 * (*val, *vlen: inside p) of a message. 0, or -1 when it is malformed.
 */
int fleet_msg_split(const uint8_t *p, size_t len, char key[FLEET_KEY_MAX], const uint8_t **val,
    size_t *vlen);

/* fleet_err_name - "bad MAC", "expired"...: for the log line. */
const char *fleet_err_name(enum fleet_err e);

#endif
