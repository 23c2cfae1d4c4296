/* tests/integration/mirror/doh_dns.h - the ldns half of the test client: build and check messages. */
#ifndef DOH_DNS_H
#define DOH_DNS_H

#include <stddef.h>
#include <stdint.h>

/* doh_dns_query - a recursive query (RD) for name/type with id into out; length or 0. */
size_t doh_dns_query(const char *name, const char *type, uint16_t id, uint8_t *out, size_t cap);

/*
 * doh_dns_check - parse an answer: it must carry id and the question name. Writes
 * "RCODE ANCOUNT rdata,rdata" (A/AAAA/TXT rdata only) into summary. Returns 0 or -1.
 */
int doh_dns_check(const uint8_t *wire, size_t len, uint16_t id, const char *name, char *summary,
    size_t cap);

#endif
