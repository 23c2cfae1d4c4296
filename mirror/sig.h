/* mirror/sig.h - answer signatures: one hash that equal DNS answers share. */
#ifndef VANTAGE_MIRROR_SIG_H
#define VANTAGE_MIRROR_SIG_H

#include <stddef.h>
#include <stdint.h>

#include "tls.h"

/*
 * sig_answer - the SHA-256 that equal answers share: over the RCODE and the sorted
 * records of the answer section of msg (len bytes), each as type and canonical RDATA
 * (names decompressed and lower-cased), TTLs and order ignored. Writes out and returns 0,
 * or -1 when msg is malformed or has too many records. Pure.
 */
int sig_answer(const uint8_t *msg, size_t len, uint8_t out[TLS_SHA256_LEN]);

#endif
