/* tests/fuzz/fuzz_fleet.c - what Redis hands vantaged (resolver/fleet_codec.c): values under a
 * key, and messages on the channel. */
#include "autoconf.h"

#include <stdio.h>

#include "fleet_codec.h"
#include "fuzz.h"

/*
 * Input: a control byte, then the bytes.
 *   byte 0: bit 0 the bytes are a message (key and value) rather than a value; bit 1 sign
 *           the value with the fleet key first (a MAC appended), so that the fuzzer reaches
 *           the parser behind the MAC, as a holder of the key (or a bug in us) would;
 *           bit 2 read it as a proven pair rather than a verdict, bit 3 as a CA history
 * The value is read as the one of www.example.com A, at a fixed clock. Whatever it holds,
 * a decoded verdict must stay within the bounds the importer relies on.
 */

#define FUZZ_NOW 1700000000ull

static const uint8_t mkey[32] = { 7, 7, 7 };
static struct fleet_verdict v;
static struct fleet_pair pr;
static struct fleet_history hi;
static int as_pair, as_history;

static void
fuzz_fleet_value(const char *key, const uint8_t *p, size_t n, int sign)
{
	uint8_t *val = malloc(n + FLEET_MAC_LEN + 1), head[2 + FLEET_KEY_MAX];
	size_t kl = strlen(key);

	if (val == NULL)
		abort();
	memcpy(val, p, n);
	if (sign) {
		head[0] = (uint8_t)(kl >> 8);
		head[1] = (uint8_t)kl;
		memcpy(head + 2, key, kl);
		if (fleet_hmac(mkey, sizeof(mkey), head, 2 + kl, val, n, val + n) != 0)
			abort();
		n += FLEET_MAC_LEN;
	}
	if (as_history) {
		if (fleet_history_decode(val, n, key, "vantage:", mkey, sizeof(mkey), FUZZ_NOW,
			&hi) == FLEET_OK &&
		    (hi.h.set.n == 0 || hi.h.set.n > CA_MAX || hi.h.since > hi.h.seen ||
			hi.h.flag_until > FUZZ_NOW + FLEET_HISTORY_FLAG_MAX_S))
			abort();
	} else if (as_pair) {
		if (fleet_pair_decode(val, n, key, "vantage:", mkey, sizeof(mkey), FUZZ_NOW, &pr) ==
			FLEET_OK &&
		    ((pr.addr.family != 4 && pr.addr.family != 6) || pr.expire <= FUZZ_NOW ||
			pr.qname_len == 0 || pr.qname_len > sizeof(pr.qname)))
			abort();
	} else if (fleet_decode(val, n, key, "vantage:", mkey, sizeof(mkey), FUZZ_NOW, &v) ==
		FLEET_OK &&
	    (v.ans.n_rrs > DIGEST_MAX_RRS || v.ans.n_addrs > CONSENSUS_MAX_ADDRS ||
		v.ans.chain_len > sizeof(v.chain) || v.n_mirrors > CONSENSUS_MAX_MIRRORS ||
		v.asked > CONSENSUS_MAX_MIRRORS || v.expire <= FUZZ_NOW ||
		(v.outcome != OUTCOME_AGREE && v.outcome != OUTCOME_DISSENT)))
		abort();
	free(val);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t www[] = "\3www\7example\3com";
	char key[FLEET_KEY_MAX], mkeyname[FLEET_KEY_MAX];
	const uint8_t *val;
	size_t vlen;

	if (size < 1 || size > FLEET_VALUE_MAX + FLEET_KEY_MAX)
		return 0;
	as_pair = (data[0] & 4) != 0;
	as_history = (data[0] & 8) != 0;
	if (fleet_key("vantage:", FLEET_KEY_VERDICT, www, sizeof(www), 1, key, sizeof(key)) == 0)
		abort();
	if (data[0] & 1) {
		if (fleet_msg_split(data + 1, size - 1, mkeyname, &val, &vlen) == 0) {
			if (strlen(mkeyname) >= FLEET_KEY_MAX || val + vlen != data + size)
				abort();
			fuzz_fleet_value(mkeyname, val, vlen, data[0] & 2);
		}
		return 0;
	}
	fuzz_fleet_value(key, data + 1, size - 1, data[0] & 2);
	return 0;
}
