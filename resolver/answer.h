/* resolver/answer.h - the message served for a checked question, built from verified records. */
#ifndef VANTAGED_ANSWER_H
#define VANTAGED_ANSWER_H

#include <stddef.h>
#include <stdint.h>

#include "digest.h"

/*
 * answer_build - the response to d's question made of what d digested, and nothing else
 * (issue 12: what a liar adds beside the verified records must never reach a client).
 * Written in the stored form (ID 0, no OPT, the question lower-cased) that dnswire_answer()
 * turns into the client's reply (its ID, its spelling of the name, RD/CD, TTL decay, OPT and
 * EDE, truncation), and that the answer cache keeps:
 * - NOERROR with data: the CNAME chain, then the final set at the chain's end. With flatten
 *   (the verdict did not cover the chain) the final set alone, owned by the question name,
 *   its TTL the smallest of the set's and the chain's: no uncorroborated CNAME goes out;
 * - NODATA and NXDOMAIN: no answer records; in authority only d's SOA (an ancestor of the
 *   name, TTL min(TTL, MINIMUM), RFC 2308) when it had one;
 * - SERVFAIL and REFUSED: passed on with no records; every other RCODE, and an answer the
 *   digest found unusable (a contradictory chain), become SERVFAIL with no records.
 * Nothing goes in additional. Every TTL is lowered by age (seconds the answer already spent
 * in a cache), not below 0. AA, AD and TC are never set (vantaged validates no DNSSEC).
 * Returns the length written to out, or 0 when d holds no answer (transport failure, no
 * question) or cap is too small.
 */
size_t answer_build(uint8_t *out, size_t cap, const struct digest *d, int flatten, uint32_t age);

#endif
