/*
 * resolver/vcache_ca.h - the verified (name, address, CA fingerprint) pairs and each name's
 * CA history: part of the verified cache, persisted in its state file.
 */
#ifndef VANTAGED_VCACHE_CA_H
#define VANTAGED_VCACHE_CA_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ca.h"
#include "consensus.h"

struct vcache_ca;

/* Verified addresses kept per (name, family): a CDN's rotation, not its whole pool. */
#define VCACHE_CA_SEEN_MAX 16

/*
 * vcache_ca_new - empty tables of at most max pairs and histories together, and apart from
 * them at most max verified-address records (one per name and family); expired records are
 * evicted before live ones. NULL on failure.
 */
struct vcache_ca *vcache_ca_new(size_t max);

/* vcache_ca_free - accepts NULL. */
void vcache_ca_free(struct vcache_ca *vc);

/* vcache_ca_set_max - new bound (per table, as vcache_ca_new); the excess goes at once,
 * expired records first, then the oldest. */
void vcache_ca_set_max(struct vcache_ca *vc, size_t max);

/*
 * vcache_ca_pair_lookup - the CA that address a proved for qname (lower-cased wire form),
 * when that pair is live at wall-clock now: 1 and *ca (may be NULL), or 0.
 */
int vcache_ca_pair_lookup(struct vcache_ca *vc, const uint8_t *qname, size_t qname_len,
    const struct cons_addr *a, uint64_t now, struct probe_ca *ca);

/* vcache_ca_pair_store - keep (qname, a, ca) until expire; 0, or -1 on allocation failure. */
int vcache_ca_pair_store(struct vcache_ca *vc, const uint8_t *qname, size_t qname_len,
    const struct cons_addr *a, const struct probe_ca *ca, uint64_t expire);

/* vcache_ca_history_get - qname's CA history: 1 and *h, or 0 when there is none. */
int vcache_ca_history_get(struct vcache_ca *vc, const uint8_t *qname, size_t qname_len,
    struct ca_history *h);

/* vcache_ca_history_put - replace qname's CA history; 0, or -1 on allocation failure. */
int vcache_ca_history_put(struct vcache_ca *vc, const uint8_t *qname, size_t qname_len,
    const struct ca_history *h);

/*
 * vcache_ca_seen_add - remember addrs[0..n-1] as verified for qname (a verdict agreed on
 * them, by the mirrors or the CA evidence) until expire, beside those already kept for it
 * (expired ones, and past VCACHE_CA_SEEN_MAX the ones expiring first, go). now is the
 * wall clock. Returns 0, or -1 on allocation failure.
 */
int vcache_ca_seen_add(struct vcache_ca *vc, const uint8_t *qname, size_t qname_len,
    const struct cons_addr *addrs, size_t n, uint64_t now, uint64_t expire);

/*
 * vcache_ca_nodata_add - remember that a verdict agreed qname has no address of family (4
 * or 6: a NODATA answer to A or AAAA) until expire; now is the wall clock. Addresses of that
 * family verified later replace it. Returns 0, or -1 on allocation failure.
 */
int vcache_ca_nodata_add(struct vcache_ca *vc, const uint8_t *qname, size_t qname_len,
    uint8_t family, uint64_t now, uint64_t expire);

/*
 * vcache_ca_contradicts - whether the answer addrs[0..n-1] for qname contradicts what was
 * verified for it (DESIGN.md section 4: evidence is sticky): some address is neither one
 * verified for its family nor proven by a live CA pair, while the name has evidence: live
 * verified addresses of either family (a name verified over IPv4 only gets no forged AAAA
 * through), or a live verified NODATA of the address's family. 1 and *bad (may be NULL) =
 * its index; 0 when nothing contradicts, or nothing was verified.
 */
int vcache_ca_contradicts(struct vcache_ca *vc, const uint8_t *qname, size_t qname_len,
    const struct cons_addr *addrs, size_t n, uint64_t now, size_t *bad);

/*
 * vcache_ca_denies - whether an answer of class rclass without addresses, to qtype, denies
 * what was verified for qname: an NXDOMAIN any evidence that the name exists (live verified
 * addresses of either family, or a live verified NODATA to A), a NODATA to A or AAAA the live
 * verified addresses of that family. 0 for any other answer.
 */
int vcache_ca_denies(struct vcache_ca *vc, const uint8_t *qname, size_t qname_len, uint16_t qtype,
    enum cons_rclass rclass, uint64_t now);

/*
 * vcache_ca_remove - drop qname's pairs and verified addresses (its history stays: it is no
 * cache); the count of pairs dropped.
 */
size_t vcache_ca_remove(struct vcache_ca *vc, const uint8_t *qname, size_t qname_len);

/* vcache_ca_flush - drop every pair and verified address; the count of pairs dropped.
 * Histories stay. */
size_t vcache_ca_flush(struct vcache_ca *vc);

/* vcache_ca_chain_max - the longest hash chain of either table (tests, diagnostics). */
size_t vcache_ca_chain_max(const struct vcache_ca *vc);

/* vcache_ca_pairs - how many pairs are held (live or expired). */
size_t vcache_ca_pairs(const struct vcache_ca *vc);

/*
 * vcache_ca_full - 1 when a list (pairs and histories, or verified addresses) holds its
 * bound: one more record would push out the oldest. Main loop (the only writer).
 */
int vcache_ca_full(const struct vcache_ca *vc);

/*
 * vcache_ca_set_journal - append each pair stored and history put from now on to f as one
 * state-file line (vcache.c's journal); NULL stops.
 */
void vcache_ca_set_journal(struct vcache_ca *vc, FILE *f);

/*
 * vcache_ca_save - one state-file line per live pair, per history and per name and family
 * with live verified addresses (expired ones are dropped on the way); the count.
 */
int vcache_ca_save(struct vcache_ca *vc, FILE *f, uint64_t now);

/*
 * vcache_ca_parse_line - a state-file line starting "p " (pair), "h " (history) or "a "
 * (verified addresses): 1 when kept, 0 when expired, -1 when unreadable.
 */
int vcache_ca_parse_line(struct vcache_ca *vc, const char *line, uint64_t now);

#endif
