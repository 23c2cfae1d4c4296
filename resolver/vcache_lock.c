/*
 * resolver/vcache_lock.c - the verified cache's public calls, each under its table's lock
 * (vcache_int.h says why and in which order).
 */
#include "autoconf.h"

#include "dnswire.h"
#include "vcache.h"
#include "vcache_ca.h"
#include "vcache_int.h"
#include "vutil.h"

/* A lock that cannot be taken is a bug (EDEADLK: this thread holds it), never the network's. */
void
vcache_rdlock(struct vcache *vc)
{
	REQUIRE(pthread_rwlock_rdlock(vcache_lockp(vc)) == 0);
}

void
vcache_wrlock(struct vcache *vc)
{
	REQUIRE(pthread_rwlock_wrlock(vcache_lockp(vc)) == 0);
}

void
vcache_unlock(struct vcache *vc)
{
	pthread_rwlock_unlock(vcache_lockp(vc));
}

void
vcache_ca_rdlock(struct vcache_ca *vc)
{
	REQUIRE(pthread_rwlock_rdlock(vcache_ca_lockp(vc)) == 0);
}

void
vcache_ca_wrlock(struct vcache_ca *vc)
{
	REQUIRE(pthread_rwlock_wrlock(vcache_ca_lockp(vc)) == 0);
}

void
vcache_ca_unlock(struct vcache_ca *vc)
{
	pthread_rwlock_unlock(vcache_ca_lockp(vc));
}

void
vcache_ca_set_max(struct vcache_ca *vc, size_t max)
{
	vcache_ca_wrlock(vc);
	vcache_ca_u_set_max(vc, max);
	vcache_ca_unlock(vc);
}

int
vcache_ca_pair_lookup(struct vcache_ca *vc, const uint8_t *qname, size_t qname_len,
    const struct cons_addr *a, uint64_t now, struct probe_ca *ca)
{
	int rv;

	vcache_ca_wrlock(vc);
	rv = vcache_ca_u_pair_lookup(vc, qname, qname_len, a, now, ca);
	vcache_ca_unlock(vc);
	return rv;
}

int
vcache_ca_pair_store(struct vcache_ca *vc, const uint8_t *qname, size_t qname_len,
    const struct cons_addr *a, const struct probe_ca *ca, uint64_t expire)
{
	int rv;

	vcache_ca_wrlock(vc);
	rv = vcache_ca_u_pair_store(vc, qname, qname_len, a, ca, expire);
	vcache_ca_unlock(vc);
	return rv;
}

int
vcache_ca_history_get(struct vcache_ca *vc, const uint8_t *qname, size_t qname_len,
    struct ca_history *h)
{
	int rv;

	vcache_ca_rdlock(vc);
	rv = vcache_ca_u_history_get(vc, qname, qname_len, h);
	vcache_ca_unlock(vc);
	return rv;
}

int
vcache_ca_history_put(struct vcache_ca *vc, const uint8_t *qname, size_t qname_len,
    const struct ca_history *h)
{
	int rv;

	vcache_ca_wrlock(vc);
	rv = vcache_ca_u_history_put(vc, qname, qname_len, h);
	vcache_ca_unlock(vc);
	return rv;
}

int
vcache_ca_seen_add(struct vcache_ca *vc, const uint8_t *qname, size_t qname_len,
    const struct cons_addr *addrs, size_t n, uint64_t now, uint64_t expire)
{
	int rv;

	vcache_ca_wrlock(vc);
	rv = vcache_ca_u_seen_add(vc, qname, qname_len, addrs, n, now, expire);
	vcache_ca_unlock(vc);
	return rv;
}

int
vcache_ca_nodata_add(struct vcache_ca *vc, const uint8_t *qname, size_t qname_len,
    uint8_t family, uint64_t now, uint64_t expire)
{
	int rv;

	vcache_ca_wrlock(vc);
	rv = vcache_ca_u_nodata_add(vc, qname, qname_len, family, now, expire);
	vcache_ca_unlock(vc);
	return rv;
}

int
vcache_ca_contradicts(struct vcache_ca *vc, const uint8_t *qname, size_t qname_len,
    const struct cons_addr *addrs, size_t n, uint64_t now, size_t *bad)
{
	int rv;

	vcache_ca_wrlock(vc);
	rv = vcache_ca_u_contradicts(vc, qname, qname_len, addrs, n, now, bad);
	vcache_ca_unlock(vc);
	return rv;
}

int
vcache_ca_denies(struct vcache_ca *vc, const uint8_t *qname, size_t qname_len, uint16_t qtype,
    enum cons_rclass rclass, uint64_t now)
{
	/* An address no verified set holds (the broadcast one): any evidence contradicts it. */
	struct cons_addr none = { .family = 4, .bytes = { 255, 255, 255, 255 } };
	int rv;

	if (rclass == RCLASS_NXDOMAIN)
		return vcache_ca_contradicts(vc, qname, qname_len, &none, 1, now, NULL);
	if (rclass != RCLASS_NODATA || (qtype != DNS_TYPE_A && qtype != DNS_TYPE_AAAA))
		return 0;
	vcache_ca_wrlock(vc); /* it drops the expired addresses on the way */
	rv = vcache_ca_u_seen_any(vc, qname, qname_len, qtype == DNS_TYPE_A ? 4 : 6, now);
	vcache_ca_unlock(vc);
	return rv;
}

size_t
vcache_ca_remove(struct vcache_ca *vc, const uint8_t *qname, size_t qname_len)
{
	size_t rv;

	vcache_ca_wrlock(vc);
	rv = vcache_ca_u_remove(vc, qname, qname_len);
	vcache_ca_unlock(vc);
	return rv;
}

size_t
vcache_ca_flush(struct vcache_ca *vc)
{
	size_t rv;

	vcache_ca_wrlock(vc);
	rv = vcache_ca_u_flush(vc);
	vcache_ca_unlock(vc);
	return rv;
}

int
vcache_ca_parse_line(struct vcache_ca *vc, const char *line, uint64_t now)
{
	int rv;

	vcache_ca_wrlock(vc);
	rv = vcache_ca_u_parse_line(vc, line, now);
	vcache_ca_unlock(vc);
	return rv;
}

int
vcache_lookup(struct vcache *vc, const uint8_t *qname, size_t qname_len, uint16_t qtype,
    uint64_t now, struct vcache_info *out)
{
	int rv;

	vcache_wrlock(vc);
	rv = vcache_u_lookup(vc, qname, qname_len, qtype, now, out);
	vcache_unlock(vc);
	return rv;
}

int
vcache_store(struct vcache *vc, const uint8_t *qname, size_t qname_len, uint16_t qtype,
    const struct vcache_info *info)
{
	int rv;

	vcache_wrlock(vc);
	rv = vcache_u_store(vc, qname, qname_len, qtype, info);
	vcache_unlock(vc);
	return rv;
}

void
vcache_set_raw_hash(struct vcache *vc, const uint8_t *qname, size_t qname_len, uint16_t qtype,
    uint64_t raw_hash)
{
	vcache_wrlock(vc);
	vcache_u_set_raw_hash(vc, qname, qname_len, qtype, raw_hash);
	vcache_unlock(vc);
}

size_t
vcache_remove(struct vcache *vc, const uint8_t *qname, size_t qname_len)
{
	size_t rv;

	vcache_wrlock(vc);
	rv = vcache_u_remove(vc, qname, qname_len);
	vcache_unlock(vc);
	return rv;
}

void
vcache_flush(struct vcache *vc)
{
	vcache_wrlock(vc);
	vcache_u_flush(vc);
	vcache_unlock(vc);
}

void
vcache_set_max(struct vcache *vc, size_t max)
{
	vcache_wrlock(vc);
	vcache_u_set_max(vc, max);
	vcache_unlock(vc);
}

int
vcache_load(struct vcache *vc, const char *path, uint64_t now, size_t *bad)
{
	int rv;

	vcache_wrlock(vc);
	rv = vcache_u_load(vc, path, now, bad);
	vcache_unlock(vc);
	return rv;
}
