/*
 * resolver/vcache_int.h - private to vcache.c, vcache_ca.c and vcache_lock.c: the unlocked
 * bodies of the public calls, and the locks vcache_lock.c wraps them in.
 *
 * The verified cache is vantaged's one verified truth: the main loop's checks write it, and
 * every worker loop reads it on each cached answer (vcache_peek, vcache_ca_history_get). Each
 * table has its own read-write lock; a call holds it for its whole length, and the only
 * nesting is a verified-cache call taking its CA table's lock (never the other way round).
 */
#ifndef VANTAGED_VCACHE_INT_H
#define VANTAGED_VCACHE_INT_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

/* Declarations only: vcache.h and vcache_ca.h include each other's users, not this. */
struct ca_history;
struct cons_addr;
struct probe_ca;
struct vcache;
struct vcache_ca;
struct vcache_info;

/* Each table's lock (vcache_lock.c takes and lets go of them). */
pthread_rwlock_t *vcache_lockp(struct vcache *vc);
pthread_rwlock_t *vcache_ca_lockp(struct vcache_ca *vc);
void vcache_rdlock(struct vcache *vc);
void vcache_wrlock(struct vcache *vc);
void vcache_unlock(struct vcache *vc);
void vcache_ca_rdlock(struct vcache_ca *vc);
void vcache_ca_wrlock(struct vcache_ca *vc);
void vcache_ca_unlock(struct vcache_ca *vc);

void vcache_ca_u_set_max(struct vcache_ca *vc, size_t max);
int vcache_ca_u_pair_lookup(struct vcache_ca *vc, const uint8_t *qname, size_t qname_len,
    const struct cons_addr *a, uint64_t now, struct probe_ca *ca);
int vcache_ca_u_pair_store(struct vcache_ca *vc, const uint8_t *qname, size_t qname_len,
    const struct cons_addr *a, const struct probe_ca *ca, uint64_t expire);
int vcache_ca_u_history_get(struct vcache_ca *vc, const uint8_t *qname, size_t qname_len,
    struct ca_history *h);
int vcache_ca_u_history_put(struct vcache_ca *vc, const uint8_t *qname, size_t qname_len,
    const struct ca_history *h);
int vcache_ca_u_seen_add(struct vcache_ca *vc, const uint8_t *qname, size_t qname_len,
    const struct cons_addr *addrs, size_t n, uint64_t now, uint64_t expire);
int vcache_ca_u_nodata_add(struct vcache_ca *vc, const uint8_t *qname, size_t qname_len,
    uint8_t family, uint64_t now, uint64_t expire);
int vcache_ca_u_seen_any(struct vcache_ca *vc, const uint8_t *qname, size_t qname_len,
    uint8_t family, uint64_t now);
int vcache_ca_u_contradicts(struct vcache_ca *vc, const uint8_t *qname, size_t qname_len,
    const struct cons_addr *addrs, size_t n, uint64_t now, size_t *bad);
size_t vcache_ca_u_remove(struct vcache_ca *vc, const uint8_t *qname, size_t qname_len);
size_t vcache_ca_u_flush(struct vcache_ca *vc);
int vcache_ca_u_parse_line(struct vcache_ca *vc, const char *line, uint64_t now);

int vcache_u_lookup(struct vcache *vc, const uint8_t *qname, size_t qname_len, uint16_t qtype,
    uint64_t now, struct vcache_info *out);
int vcache_u_store(struct vcache *vc, const uint8_t *qname, size_t qname_len, uint16_t qtype,
    const struct vcache_info *info);
void vcache_u_set_raw_hash(struct vcache *vc, const uint8_t *qname, size_t qname_len, uint16_t qtype,
    uint64_t raw_hash);
size_t vcache_u_remove(struct vcache *vc, const uint8_t *qname, size_t qname_len);
void vcache_u_flush(struct vcache *vc);
void vcache_u_set_max(struct vcache *vc, size_t max);
int vcache_u_load(struct vcache *vc, const char *path, uint64_t now, size_t *bad);

#endif
