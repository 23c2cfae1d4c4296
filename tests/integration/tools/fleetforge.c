/*
 * tests/integration/tools/fleetforge.c - a fleet value or message (resolver/fleet_codec.c)
 * written to stdout, signed with whatever key the attacker has, for tests/adversary/adv_fleet.sh
 * to plant in Redis with redis-cli -x.
 *
 *   fleetforge [-m] [-P] [-p PREFIX] [-k KEYFILE | -w PASSWORD] [-u KEYNAME] -n NAME
 *              [-t TYPE] [-o agree|dissent] [-e SECONDS] [ADDRESS...]
 *
 * -m writes the message published on PREFIX"verdicts" instead of the value; -k signs with the
 * key file's bytes, -w with the key an instance without key_file derives (the default: no
 * password); -u computes the MAC (and, with -m, the message's key) for KEYNAME's key while
 * the value speaks of NAME; ADDRESS... are the final set (A: IPv4, AAAA: IPv6). -P makes a
 * proven pair instead: NAME, the first ADDRESS, a CA of SHA-256 ab..ab; -H a CA history of
 * NAME: that CA, stable for 100 days, flagged for the next SECONDS.
 */
#include "autoconf.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dnswire.h"
#include "fleet_codec.h"
#include "tls.h"

static uint8_t key[4096];
static size_t klen;

static const uint8_t *
key_bytes(void)
{
	return key;
}

/* -H: a history for name, flagged for ttl seconds. */
static size_t
forge_history(const char *prefix, const char *name, long ttl, int m, uint8_t *out, size_t cap)
{
	static struct fleet_history fh;
	char hkey[FLEET_KEY_MAX];
	uint8_t val[512];
	uint64_t now = (uint64_t)time(NULL);
	size_t n;

	fh.qname_len = dnswire_name_from_str(name, fh.qname, sizeof(fh.qname));
	fh.h.set.n = 1;
	fh.h.set.cas[0].selector = 1;
	memset(fh.h.set.cas[0].sha256, 0xab, sizeof(fh.h.set.cas[0].sha256));
	fh.h.since = now - 100 * 86400;
	fh.h.seen = now;
	fh.h.flag_until = now + (uint64_t)ttl;
	fh.h.flag_days = 100;
	if (fleet_history_key(prefix, fh.qname, fh.qname_len, hkey, sizeof(hkey)) == 0 ||
	    (n = fleet_history_encode(&fh, hkey, key, klen, val, sizeof(val))) == 0)
		return 0;
	if (!m) {
		memcpy(out, val, n);
		return n;
	}
	return fleet_msg_encode(hkey, val, n, out, cap);
}
static struct fleet_verdict v;
static uint8_t addrs[64][16];
static struct fleet_pair pair;

/* -P: a pair for name and addr (the key and the message are its own). */
static size_t
forge_pair(const char *prefix, const char *name, const char *addr, long ttl, int m,
    uint8_t *out, size_t cap)
{
	char pkey[FLEET_KEY_MAX];
	uint8_t val[512];
	size_t n;

	pair.qname_len = dnswire_name_from_str(name, pair.qname, sizeof(pair.qname));
	pair.addr.family = strchr(addr, ':') ? 6 : 4;
	if (inet_pton(pair.addr.family == 6 ? AF_INET6 : AF_INET, addr, pair.addr.bytes) != 1)
		return 0;
	pair.ca.selector = 1;
	memset(pair.ca.sha256, 0xab, sizeof(pair.ca.sha256));
	pair.expire = (uint64_t)time(NULL) + (uint64_t)ttl;
	if (fleet_pair_key(prefix, &pair, pkey, sizeof(pkey)) == 0 ||
	    (n = fleet_pair_encode(&pair, pkey, key_bytes(), klen, val, sizeof(val))) == 0)
		return 0;
	if (!m) {
		memcpy(out, val, n);
		return n;
	}
	return fleet_msg_encode(pkey, val, n, out, cap);
}

static void
usage(void)
{
	fprintf(stderr, "usage: fleetforge [-m] [-p PREFIX] [-k KEYFILE | -w PASSWORD] "
			"[-u KEYNAME] -n NAME [-t TYPE] [-o agree|dissent] [-e SECONDS] [ADDRESS...]\n");
	exit(2);
}

static void
derive(const char *pw, const char *prefix)
{
	char in[1024];
	int n = snprintf(in, sizeof(in), "vantage fleet v1%s%s", pw, prefix);

	tls_sha256(in, (size_t)n, key);
	klen = 32;
}

static void
final_set(int argc, char **argv)
{
	v.ans.rclass = argc > 0 ? RCLASS_DATA : RCLASS_NXDOMAIN;
	for (int i = 0; i < argc && i < 64; i++) {
		int six = v.qtype == DNS_TYPE_AAAA;
		if (inet_pton(six ? AF_INET6 : AF_INET, argv[i], addrs[i]) != 1)
			usage();
		v.rrs[i] = (struct cons_rr){ v.qtype, (uint16_t)(six ? 16 : 4), addrs[i] };
		v.ans.n_rrs++;
	}
	v.ans.rrs = v.rrs;
}

int
main(int argc, char **argv)
{
	const char *prefix = "vantage:", *keyname = NULL, *name = NULL, *kf = NULL, *pw = "";
	char keystr[FLEET_KEY_MAX];
	uint8_t val[FLEET_VALUE_MAX], msg[FLEET_VALUE_MAX + FLEET_KEY_MAX + 2], kwire[256];
	size_t n, kwl;
	int ch, m = 0, pr = 0, hist = 0;
	long ttl = 300;

	v.qtype = DNS_TYPE_A;
	v.outcome = OUTCOME_AGREE;
	while ((ch = getopt(argc, argv, "mPHp:k:w:u:n:t:o:e:")) != -1) {
		switch (ch) {
		case 'm': m = 1; break;
		case 'P': pr = 1; break;
		case 'H': hist = 1; break;
		case 'p': prefix = optarg; break;
		case 'k': kf = optarg; break;
		case 'w': pw = optarg; break;
		case 'u': keyname = optarg; break;
		case 'n': name = optarg; break;
		case 't': v.qtype = dnswire_str2type(optarg); break;
		case 'o': v.outcome = strcmp(optarg, "dissent") == 0 ? OUTCOME_DISSENT : OUTCOME_AGREE; break;
		case 'e': ttl = atol(optarg); break;
		default: usage();
		}
	}
	if (name == NULL || v.qtype == 0)
		usage();
	if (kf) {
		FILE *f = fopen(kf, "rb");
		if (f == NULL)
			usage();
		klen = fread(key, 1, sizeof(key), f);
		fclose(f);
	} else
		derive(pw, prefix);
	if (hist) {
		if ((n = forge_history(prefix, name, ttl, m, msg, sizeof(msg))) == 0)
			usage();
		fwrite(msg, 1, n, stdout);
		return 0;
	}
	if (pr) {
		if (optind >= argc || (n = forge_pair(prefix, name, argv[optind], ttl, m, msg,
					   sizeof(msg))) == 0)
			usage();
		fwrite(msg, 1, n, stdout);
		return 0;
	}
	v.qname_len = dnswire_name_from_str(name, v.qname, sizeof(v.qname));
	v.rule = v.outcome == OUTCOME_AGREE ? RULE_EQUAL : RULE_NONE;
	v.asked = 3;
	v.corroborated = v.outcome == OUTCOME_AGREE ? 3 : 0;
	v.dissented = v.outcome == OUTCOME_AGREE ? 0 : 3;
	v.expire = (uint64_t)time(NULL) + (uint64_t)ttl;
	v.n_mirrors = 3;
	snprintf(v.mirrors[0], sizeof(v.mirrors[0]), "eu");
	snprintf(v.mirrors[1], sizeof(v.mirrors[1]), "us");
	snprintf(v.mirrors[2], sizeof(v.mirrors[2]), "ap");
	snprintf(v.summary, sizeof(v.summary), "forged");
	final_set(argc - optind, argv + optind);
	kwl = dnswire_name_from_str(keyname ? keyname : name, kwire, sizeof(kwire));
	if (v.qname_len == 0 || kwl == 0 ||
	    fleet_key(prefix, FLEET_KEY_VERDICT, kwire, kwl, v.qtype, keystr, sizeof(keystr)) == 0 ||
	    (n = fleet_encode(&v, keystr, key, klen, val, sizeof(val))) == 0)
		usage();
	if (m && (n = fleet_msg_encode(keystr, val, n, msg, sizeof(msg))) == 0)
		usage();
	fwrite(m ? msg : val, 1, n, stdout);
	return 0;
}
