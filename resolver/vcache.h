/* resolver/vcache.h - the verified cache: consensus verdicts per (name, type), persisted. */
#ifndef VANTAGED_VCACHE_H
#define VANTAGED_VCACHE_H

#include <stddef.h>
#include <stdint.h>

#include "consensus.h"

struct vcache;
struct vcache_ca;

/* vcache_info.flags: what an INSUFFICIENT verdict needs to say why again. */
#define VCACHE_F_TLS 1		/* a mirror failed its pin */
#define VCACHE_F_REGIONS 2	/* the count was there, the region spread was not */
#define VCACHE_F_CA 4		/* the CA evidence dissented (check_ca.c) */
#define VCACHE_F_STICKY 8	/* too few mirrors, and the answer contradicts the addresses
				 * verified before (check.c, evidence is sticky) */
#define VCACHE_F_CHAIN 16	/* the verdict covered the CNAME chain: it is served as such */
#define VCACHE_F_SHARED 32	/* imported from the fleet (fleet.c): never published again */

/* What is known of one (name, type). Only consensus verdicts get here (DESIGN.md 8). */
struct vcache_info {
	enum cons_outcome outcome;
	enum cons_rule rule;
	uint64_t expire;		/* wall-clock seconds */
	uint64_t canon_hash;		/* hash of the digested answer it judged */
	uint64_t raw_hash;		/* hash of the stored wire answer (cache-hit fast path) */
	unsigned corroborated, dissented, asked;
	unsigned failed;		/* mirrors that gave no usable answer */
	unsigned flags;			/* VCACHE_F_* */
	char summary[64];		/* the local answer, short */
};

/* vcache_new - an empty verified cache of at most max entries; NULL on failure. */
struct vcache *vcache_new(size_t max);

/* vcache_chain_max - the longest hash chain of the verdicts (tests, diagnostics). */
size_t vcache_chain_max(const struct vcache *vc);

/* vcache_free - accepts NULL. */
void vcache_free(struct vcache *vc);

/* vcache_set_max - new bound; the oldest entries go at once. */
void vcache_set_max(struct vcache *vc, size_t max);

/*
 * vcache_lookup - the live verdict on (qname, qtype) at wall-clock now: 1 and *out, or 0.
 * Expired entries are removed.
 */
int vcache_lookup(struct vcache *vc, const uint8_t *qname, size_t qname_len, uint16_t qtype,
    uint64_t now, struct vcache_info *out);

/*
 * vcache_peek - like vcache_lookup, but changes nothing (an expired entry stays for the
 * main loop to drop): what a worker loop calls, under the read lock, on each cached answer.
 */
int vcache_peek(struct vcache *vc, const uint8_t *qname, size_t qname_len, uint16_t qtype,
    uint64_t now, struct vcache_info *out);

/*
 * vcache_store - keep info for (qname, qtype) until info->expire, replacing what was
 * there. Returns 0 or -1 (allocation failure: nothing changes).
 */
int vcache_store(struct vcache *vc, const uint8_t *qname, size_t qname_len, uint16_t qtype,
    const struct vcache_info *info);

/* vcache_set_raw_hash - the same verdict now covers a re-fetched answer of equal content. */
void vcache_set_raw_hash(struct vcache *vc, const uint8_t *qname, size_t qname_len,
    uint16_t qtype, uint64_t raw_hash);

/* vcache_remove - drop (qname, any type) and its CA pairs; returns how many went. */
size_t vcache_remove(struct vcache *vc, const uint8_t *qname, size_t qname_len);

/* vcache_count - live and expired entries held. */
size_t vcache_count(const struct vcache *vc);

/* vcache_flush - drop every verdict and CA pair (histories stay). */
void vcache_flush(struct vcache *vc);

/*
 * vcache_save - write every unexpired entry to path atomically (a temporary file in the
 * same directory, fsync, rename), so a crash or a full disk never leaves a torn file and
 * never loses the previous one; then empties the journal, if one is open. Returns the count
 * written, or -1 with errno set.
 */
int vcache_save(struct vcache *vc, const char *path, uint64_t now);

/*
 * vcache_load - add the unexpired entries of path. Returns the count loaded, 0 when the
 * file does not exist, or -1 when it is unreadable or not a state file (bad lines are
 * skipped and counted in *bad when bad != NULL).
 */
int vcache_load(struct vcache *vc, const char *path, uint64_t now, size_t *bad);

/*
 * vcache_cadata - the (name, address, CA) pairs and CA histories (vcache_ca.h) kept with
 * the verdicts: saved, loaded, bounded and flushed with them (histories are never
 * flushed: they are a record, not a cache). Owned by vc.
 */
struct vcache_ca *vcache_cadata(struct vcache *vc);

/*
 * vcache_journal_open - from now on append every change (verdict stored, pair, history,
 * removal, flush) to path, one line per change, each leaving in one write(2): a crash or
 * SIGKILL then loses nothing already verified (a power cut may still lose what the kernel had
 * not written). vcache_save empties it. At start, vcache_load the state file, then the
 * journal (same format; later lines win), then open it. Returns 0, or -1 with errno set (the
 * cache works on without a journal).
 */
int vcache_journal_open(struct vcache *vc, const char *path);

/* vcache_journal_close - stop journaling (the file stays for the next start to replay). */
void vcache_journal_close(struct vcache *vc);

/* vcache_journal_bytes - the journal's size (to save early when it grows); 0 without one. */
size_t vcache_journal_bytes(const struct vcache *vc);

/*
 * vcache_hash - 64-bit FNV-1a of len bytes, continuing from h (start with VCACHE_HASH_INIT).
 * Unkeyed: for hash-table buckets only, never for evidence (anyone can make collisions).
 */
#define VCACHE_HASH_INIT 0xcbf29ce484222325ull
uint64_t vcache_hash(uint64_t h, const void *p, size_t len);

/* SipHash-2-4 (Aumasson and Bernstein, 2012), 64-bit output, fed in pieces. */
struct vcache_sip {
	uint64_t v0, v1, v2, v3;
	uint64_t tail;			/* the bytes of the unfinished block, little-endian */
	size_t len;			/* bytes fed so far */
};

/* vcache_sip_init / _update / _final - SipHash-2-4 of everything fed, keyed by key. */
void vcache_sip_init(struct vcache_sip *s, const uint8_t key[16]);
void vcache_sip_update(struct vcache_sip *s, const void *p, size_t len);
uint64_t vcache_sip_final(const struct vcache_sip *s);

/* vcache_siphash - SipHash-2-4 of len bytes in one call. */
uint64_t vcache_siphash(const uint8_t key[16], const void *p, size_t len);

/*
 * vcache_set_secret - key the evidence hashes (vcache_canon_hash, vcache_raw_hash) with the
 * install's 32-byte secret (a key derived from it, not the secret itself, which also keys
 * the mirror selection). The secret persists beside the state file, so saved hashes keep
 * matching across restarts. Until it is called the key is all zeroes.
 */
void vcache_set_secret(struct vcache *vc, const uint8_t secret[32]);

/*
 * vcache_canon_hash - keyed hash of a digested answer: its class, and each record of the
 * final set (type, length, canonical rdata) and the CNAME chain, each with its length, so
 * that no two different answers share an encoding. Equal content, equal hash, whatever the
 * TTLs or order. Keyed because a verdict on one answer is reused for another of equal hash:
 * with an unkeyed hash a lying resolver could pick free bytes (a CNAME chain) to collide
 * with an answer the mirrors corroborated.
 */
uint64_t vcache_canon_hash(const struct vcache *vc, const struct cons_answer *a);

/*
 * vcache_raw_hash - keyed hash of a stored message: its flags (bytes 2-3) and everything
 * past its question, which ends at qend. 0 when len < qend.
 */
uint64_t vcache_raw_hash(const struct vcache *vc, const uint8_t *wire, size_t len, size_t qend);

#endif
