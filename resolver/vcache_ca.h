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

/* vcache_ca_new - empty tables of at most max pairs and max histories; NULL on failure. */
struct vcache_ca *vcache_ca_new(size_t max);

/* vcache_ca_free - accepts NULL. */
void vcache_ca_free(struct vcache_ca *vc);

/* vcache_ca_set_max - new bound; the oldest records go at once. */
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

/* vcache_ca_remove - drop qname's pairs (its history stays: it is no cache); the count. */
size_t vcache_ca_remove(struct vcache_ca *vc, const uint8_t *qname, size_t qname_len);

/* vcache_ca_flush - drop every pair; the count dropped. Histories stay. */
size_t vcache_ca_flush(struct vcache_ca *vc);

/* vcache_ca_pairs - how many pairs are held (live or expired). */
size_t vcache_ca_pairs(const struct vcache_ca *vc);

/*
 * vcache_ca_set_journal - append each pair stored and history put from now on to f as one
 * state-file line (vcache.c's journal); NULL stops.
 */
void vcache_ca_set_journal(struct vcache_ca *vc, FILE *f);

/* vcache_ca_save - one state-file line per live pair and per history; the count. */
int vcache_ca_save(const struct vcache_ca *vc, FILE *f, uint64_t now);

/*
 * vcache_ca_parse_line - a state-file line starting "p " (pair) or "h " (history): 1 when
 * kept, 0 when expired, -1 when unreadable.
 */
int vcache_ca_parse_line(struct vcache_ca *vc, const char *line, uint64_t now);

#endif
