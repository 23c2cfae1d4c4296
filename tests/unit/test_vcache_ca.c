/* tests/unit/test_vcache_ca.c - resolver/vcache_ca.c: pairs and histories, their bounds,
 * flushes, and the state file round trip (version 3, and a version 2 file still loads); the
 * journal of resolver/vcache.c (every change replayed, removals and flushes too, emptied by a
 * save). */
#include "autoconf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "vcache.h"
#include "vcache_ca.h"

static const uint8_t www[] = "\3www\7example\4test";	/* wire form, root label included */
#define WWW_LEN sizeof(www)
static const uint8_t cdn[] = "\3cdn\7example\4test";
#define CDN_LEN sizeof(cdn)

static struct cons_addr
v4(uint8_t last)
{
	struct cons_addr a = { .family = 4, .bytes = { 203, 0, 113, last } };

	return a;
}

static struct probe_ca
ca_of(uint8_t v, uint8_t sel)
{
	struct probe_ca c = { .selector = sel };

	memset(c.sha256, v, sizeof(c.sha256));
	return c;
}

static void
test_pairs(void **state)
{
	struct vcache *vc = vcache_new(10);
	struct vcache_ca *cc = vcache_cadata(vc);
	struct cons_addr a = v4(1), b = v4(2);
	struct probe_ca c = ca_of(0x42, 0), got;
	struct ca_history h = { .set = { .n = 1 }, .since = 100, .seen = 200 };

	(void)state;
	assert_int_equal(vcache_ca_pair_store(cc, www, WWW_LEN, &a, &c, 1000), 0);
	assert_true(vcache_ca_pair_lookup(cc, www, WWW_LEN, &a, 999, &got));
	assert_memory_equal(got.sha256, c.sha256, 32);
	assert_false(vcache_ca_pair_lookup(cc, www, WWW_LEN, &b, 999, NULL)); /* other address */
	assert_false(vcache_ca_pair_lookup(cc, cdn, CDN_LEN, &a, 999, NULL)); /* other name */
	assert_false(vcache_ca_pair_lookup(cc, www, WWW_LEN, &a, 1000, NULL)); /* expired: gone */
	assert_int_equal(vcache_ca_pairs(cc), 0);
	/* Flushing the name drops its pairs, never its history. */
	h.set.cas[0] = c;
	assert_int_equal(vcache_ca_history_put(cc, www, WWW_LEN, &h), 0);
	vcache_ca_pair_store(cc, www, WWW_LEN, &a, &c, 1000);
	vcache_ca_pair_store(cc, www, WWW_LEN, &b, &c, 1000);
	assert_int_equal(vcache_remove(vc, www, WWW_LEN), 2);
	assert_int_equal(vcache_ca_pairs(cc), 0);
	assert_true(vcache_ca_history_get(cc, www, WWW_LEN, &h));
	vcache_ca_pair_store(cc, www, WWW_LEN, &a, &c, 1000);
	vcache_flush(vc);
	assert_int_equal(vcache_ca_pairs(cc), 0);
	assert_true(vcache_ca_history_get(cc, www, WWW_LEN, &h));
	/* Bounded: the oldest go first (live pairs: the clock stands at 1000 by now). */
	for (uint8_t i = 0; i < 20; i++) {
		struct cons_addr x = v4(i);
		vcache_ca_pair_store(cc, cdn, CDN_LEN, &x, &c, 5000);
	}
	assert_true(vcache_ca_pairs(cc) <= 10);
	assert_false(vcache_ca_history_get(cc, www, WWW_LEN, &h)); /* evicted, oldest */
	{
		struct cons_addr x = v4(19);
		assert_true(vcache_ca_pair_lookup(cc, cdn, CDN_LEN, &x, 1, NULL));
	}
	vcache_free(vc);
}

static void
test_state_file(void **state)
{
	char path[] = "/tmp/test_vcache_ca.XXXXXX";
	struct vcache *vc = vcache_new(100), *back = vcache_new(100);
	struct cons_addr a = v4(7), six = { .family = 6, .bytes = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 } };
	struct probe_ca c = ca_of(0x11, 0), s = ca_of(0x22, 1), got;
	struct ca_history h = { .since = 1000, .seen = 2000, .flag_until = 9000, .flag_days = 40 },
			  hb;
	size_t bad = 99;
	int fd = mkstemp(path);
	FILE *f;

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	h.set.cas[h.set.n++] = c;
	h.set.cas[h.set.n++] = s;
	vcache_ca_pair_store(vcache_cadata(vc), www, WWW_LEN, &a, &c, 5000);
	vcache_ca_pair_store(vcache_cadata(vc), www, WWW_LEN, &six, &s, 5000);
	vcache_ca_pair_store(vcache_cadata(vc), cdn, CDN_LEN, &a, &c, 1500); /* expires */
	vcache_ca_history_put(vcache_cadata(vc), www, WWW_LEN, &h);
	assert_int_equal(vcache_save(vc, path, 1600), 3);
	assert_int_equal(vcache_load(back, path, 1600, &bad), 3);
	assert_int_equal(bad, 0);
	assert_true(vcache_ca_pair_lookup(vcache_cadata(back), www, WWW_LEN, &six, 1600, &got));
	assert_int_equal(got.selector, 1);
	assert_memory_equal(got.sha256, s.sha256, 32);
	assert_true(vcache_ca_pair_lookup(vcache_cadata(back), www, WWW_LEN, &a, 1600, NULL));
	assert_false(vcache_ca_pair_lookup(vcache_cadata(back), cdn, CDN_LEN, &a, 1600, NULL));
	assert_true(vcache_ca_history_get(vcache_cadata(back), www, WWW_LEN, &hb));
	assert_int_equal(hb.set.n, 2);
	assert_true(ca_set_has(&hb.set, &s));
	assert_int_equal(hb.since, 1000);
	assert_int_equal(hb.seen, 2000);
	assert_int_equal(hb.flag_until, 9000);
	assert_int_equal(hb.flag_days, 40);
	vcache_free(back);
	/* A version 2 file (no pairs) still loads; a broken CA line is counted, not fatal. */
	assert_non_null(f = fopen(path, "w"));
	fprintf(f, "vantage-state 2\n"
		   "9999 1 0 2 0000000000000001 0000000000000002 3 0 3 0 0 "
		   "03777777076578616d706c650474657374 203.0.113.7\n"
		   "h 1 2 3 4 zz 0:11\n");
	fclose(f);
	back = vcache_new(100);
	assert_int_equal(vcache_load(back, path, 1600, &bad), 1);
	assert_int_equal(bad, 1);
	assert_int_equal(vcache_count(back), 1);
	vcache_free(back);
	vcache_free(vc);
	unlink(path);
}

/* The journal: what a SIGKILLed run leaves is replayed whole; a save empties it. */
static void
test_journal(void **state)
{
	char dir[] = "/tmp/test_vcache_j.XXXXXX", jpath[64], spath[64];
	struct vcache *vc = vcache_new(100), *back;
	struct vcache_info info = { .outcome = OUTCOME_AGREE, .rule = RULE_EQUAL, .expire = 5000,
		.corroborated = 3, .asked = 3 }, out;
	struct cons_addr a = v4(9);
	struct probe_ca c = ca_of(0x33, 0);
	struct ca_history h = { .since = 10, .seen = 20 };
	size_t bad = 99, empty;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(jpath, sizeof(jpath), "%s/state.journal", dir);
	snprintf(spath, sizeof(spath), "%s/state", dir);
	assert_int_equal(vcache_journal_open(vc, jpath), 0);
	empty = vcache_journal_bytes(vc);
	assert_true(empty > 0);		/* the magic line */
	assert_int_equal(vcache_store(vc, www, WWW_LEN, 1, &info), 0);
	assert_int_equal(vcache_store(vc, cdn, CDN_LEN, 1, &info), 0);
	assert_int_equal(vcache_ca_pair_store(vcache_cadata(vc), www, WWW_LEN, &a, &c, 5000), 0);
	h.set.cas[h.set.n++] = c;
	assert_int_equal(vcache_ca_history_put(vcache_cadata(vc), www, WWW_LEN, &h), 0);
	assert_int_equal(vcache_remove(vc, cdn, CDN_LEN), 1);
	assert_true(vcache_journal_bytes(vc) > empty);
	/* A new process reads it back: no save ever happened. */
	back = vcache_new(100);
	assert_int_equal(vcache_load(back, jpath, 100, &bad), 4);
	assert_int_equal(bad, 0);
	assert_true(vcache_lookup(back, www, WWW_LEN, 1, 100, &out));
	assert_int_equal(out.corroborated, 3);
	assert_false(vcache_lookup(back, cdn, CDN_LEN, 1, 100, &out));	/* removed after */
	assert_true(vcache_ca_pair_lookup(vcache_cadata(back), www, WWW_LEN, &a, 100, NULL));
	assert_true(vcache_ca_history_get(vcache_cadata(back), www, WWW_LEN, &h));
	vcache_free(back);
	/* A save holds it all: the journal starts again. */
	assert_int_equal(vcache_save(vc, spath, 100), 3);
	assert_int_equal(vcache_journal_bytes(vc), empty);
	/* A flush is journaled too: replayed after the state file, nothing is left but history. */
	vcache_flush(vc);
	back = vcache_new(100);
	assert_int_equal(vcache_load(back, spath, 100, NULL), 3);
	vcache_load(back, jpath, 100, NULL);
	assert_false(vcache_lookup(back, www, WWW_LEN, 1, 100, &out));
	assert_false(vcache_ca_pair_lookup(vcache_cadata(back), www, WWW_LEN, &a, 100, NULL));
	assert_true(vcache_ca_history_get(vcache_cadata(back), www, WWW_LEN, &h));
	vcache_free(back);
	vcache_free(vc);
	unlink(jpath);
	unlink(spath);
	rmdir(dir);
}

/* Verified addresses: sticky evidence (DESIGN.md section 4), kept, merged, saved, replayed. */
static void
test_seen(void **state)
{
	struct vcache *vc = vcache_new(100);
	struct vcache_ca *cc = vcache_cadata(vc);
	struct cons_addr two[2] = { v4(1), v4(2) }, evil = v4(66), six = { .family = 6 };
	struct cons_addr many[VCACHE_CA_SEEN_MAX + 1];
	struct probe_ca c = ca_of(0x11, 0);
	size_t bad = 99;

	(void)state;
	six.bytes[15] = 1;
	/* Never verified: nothing contradicts anything (on_insufficient decides). */
	assert_false(vcache_ca_contradicts(cc, www, WWW_LEN, &evil, 1, 100, NULL));
	assert_int_equal(vcache_ca_seen_add(cc, www, WWW_LEN, two, 2, 100, 1000), 0);
	assert_false(vcache_ca_contradicts(cc, www, WWW_LEN, two, 2, 100, NULL));
	assert_false(vcache_ca_contradicts(cc, www, WWW_LEN, &two[1], 1, 100, NULL));
	/* The attacker's address, alone or beside the honest ones. */
	assert_true(vcache_ca_contradicts(cc, www, WWW_LEN, &evil, 1, 100, &bad));
	assert_int_equal(bad, 0);
	{
		struct cons_addr mixed[3] = { v4(1), v4(66), v4(2) };
		assert_true(vcache_ca_contradicts(cc, www, WWW_LEN, mixed, 3, 100, &bad));
		assert_int_equal(bad, 1);
	}
	/* Another name: not verified, nothing to contradict. Another family of a verified
	 * name is a contradiction (test_seen_families). */
	assert_false(vcache_ca_contradicts(cc, cdn, CDN_LEN, &evil, 1, 100, NULL));
	assert_true(vcache_ca_contradicts(cc, www, WWW_LEN, &six, 1, 100, NULL));
	/* A CA pair proves an address too. */
	assert_int_equal(vcache_ca_pair_store(cc, www, WWW_LEN, &evil, &c, 900), 0);
	assert_false(vcache_ca_contradicts(cc, www, WWW_LEN, &evil, 1, 100, NULL));
	assert_true(vcache_ca_contradicts(cc, www, WWW_LEN, &evil, 1, 900, NULL)); /* expired */
	/* A later verdict adds to the set; each address keeps its own lifetime. */
	{
		struct cons_addr three = v4(3);
		assert_int_equal(vcache_ca_seen_add(cc, www, WWW_LEN, &three, 1, 200, 2000), 0);
		assert_false(vcache_ca_contradicts(cc, www, WWW_LEN, &two[0], 1, 999, NULL));
		assert_false(vcache_ca_contradicts(cc, www, WWW_LEN, &three, 1, 1500, NULL));
		/* v4(1) expired at 1000; v4(3) still there: the name is still verified. */
		assert_true(vcache_ca_contradicts(cc, www, WWW_LEN, &two[0], 1, 1500, NULL));
		/* Everything expired: never verified again. */
		assert_false(vcache_ca_contradicts(cc, www, WWW_LEN, &evil, 1, 2000, NULL));
	}
	/* Full: the address expiring first goes. */
	for (size_t i = 0; i <= VCACHE_CA_SEEN_MAX; i++)
		many[i] = v4((uint8_t)(100 + i));
	for (size_t i = 0; i <= VCACHE_CA_SEEN_MAX; i++)
		assert_int_equal(vcache_ca_seen_add(cc, cdn, CDN_LEN, &many[i], 1, 100,
		    3000 + i), 0);
	assert_true(vcache_ca_contradicts(cc, cdn, CDN_LEN, &many[0], 1, 100, NULL));
	assert_false(vcache_ca_contradicts(cc, cdn, CDN_LEN, many + 1, VCACHE_CA_SEEN_MAX, 100,
	    NULL));
	vcache_free(vc);
}

/* Verified addresses saved and loaded back (state version 4), expired ones left out. */
static void
test_seen_saved(void **state)
{
	char path[] = "/tmp/test_vcache_seen.XXXXXX";
	struct vcache *vc = vcache_new(100), *back;
	struct vcache_ca *cc = vcache_cadata(vc);
	struct cons_addr two[2] = { v4(1), v4(2) }, evil = v4(66), six = { .family = 6 };
	struct cons_addr many[VCACHE_CA_SEEN_MAX + 1];
	size_t bad = 99;
	int fd;

	(void)state;
	six.bytes[15] = 1;
	for (size_t i = 0; i <= VCACHE_CA_SEEN_MAX; i++) {
		many[i] = v4((uint8_t)(100 + i));
		assert_int_equal(vcache_ca_seen_add(cc, cdn, CDN_LEN, &many[i], 1, 100,
		    3000 + i), 0);
	}
	assert_int_equal(vcache_ca_seen_add(cc, www, WWW_LEN, two, 2, 2000, 5000), 0);
	assert_int_equal(vcache_ca_seen_add(cc, www, WWW_LEN, &six, 1, 2000, 5000), 0);
	assert_true((fd = mkstemp(path)) >= 0);
	close(fd);
	assert_true(vcache_save(vc, path, 2000) >= 3);
	back = vcache_new(100);
	assert_true(vcache_load(back, path, 2000, &bad) >= 3);
	assert_int_equal(bad, 0);
	assert_false(vcache_ca_contradicts(vcache_cadata(back), www, WWW_LEN, two, 2, 2000, NULL));
	assert_false(vcache_ca_contradicts(vcache_cadata(back), www, WWW_LEN, &six, 1, 2000, NULL));
	assert_true(vcache_ca_contradicts(vcache_cadata(back), www, WWW_LEN, &evil, 1, 2000, NULL));
	assert_true(vcache_ca_contradicts(vcache_cadata(back), cdn, CDN_LEN, &evil, 1, 2000, NULL));
	/* Forgetting a name forgets its evidence; so does a flush. */
	vcache_remove(back, www, WWW_LEN);
	assert_false(vcache_ca_contradicts(vcache_cadata(back), www, WWW_LEN, &evil, 1, 2000, NULL));
	vcache_flush(back);
	assert_false(vcache_ca_contradicts(vcache_cadata(back), cdn, CDN_LEN, &evil, 1, 2000, NULL));
	vcache_free(back);
	vcache_free(vc);
	unlink(path);
}

/* Broken "a" lines are counted, not fatal. */
static void
test_seen_bad_lines(void **state)
{
	char path[] = "/tmp/test_vcache_seen.XXXXXX";
	struct cons_addr two[2] = { v4(1), v4(2) };
	struct vcache *back;
	size_t bad = 99;
	int fd;

	(void)state;
	assert_true((fd = mkstemp(path)) >= 0);
	close(fd);
	{
		FILE *f = fopen(path, "w");
		assert_non_null(f);
		fprintf(f, "vantage-state 4\n"
			   "a 03777777076578616d706c650474657374 4 9999:cb007101\n"
			   "a 03777777076578616d706c650474657374 5 9999:cb007101\n"
			   "a 03777777076578616d706c650474657374 4 9999:cb0071\n"
			   "a 03777777076578616d706c650474657374 4 99x9:cb007101\n"
			   "a 03777777076578616d706c650474657374 4\n");
		fclose(f);
	}
	back = vcache_new(100);
	assert_int_equal(vcache_load(back, path, 2000, &bad), 1);
	assert_int_equal(bad, 4);
	assert_false(vcache_ca_contradicts(vcache_cadata(back), www, WWW_LEN, &two[0], 1, 2000, NULL));
	vcache_free(back);
	unlink(path);
}

static struct cons_addr
v6(uint8_t last)
{
	struct cons_addr a = { .family = 6, .bytes = { 0x20, 0x01, 0x0d, 0xb8, [15] = last } };

	return a;
}

/*
 * Evidence spans the families (review finding 4): a name verified over IPv4 only gets no
 * forged AAAA through while the mirrors are blocked, and a verified NODATA is evidence too.
 */
static void
test_seen_families(void **state)
{
	char path[] = "/tmp/test_vcache_fam.XXXXXX";
	struct vcache *vc = vcache_new(100), *back;
	struct vcache_ca *cc = vcache_cadata(vc);
	struct cons_addr a = v4(1), evil4 = v4(66), six = v6(1), evil6 = v6(66);
	struct cons_addr mapped = { .family = 6, .bytes = { [10] = 0xff, [11] = 0xff, 127, 201,
		0, 66 } };
	struct probe_ca c = ca_of(0x11, 0);
	size_t bad = 99;
	int fd;

	(void)state;
	/* A verified, AAAA never asked: a forged AAAA contradicts. */
	assert_int_equal(vcache_ca_seen_add(cc, www, WWW_LEN, &a, 1, 100, 1000), 0);
	assert_true(vcache_ca_contradicts(cc, www, WWW_LEN, &evil6, 1, 100, &bad));
	assert_int_equal(bad, 0);
	assert_true(vcache_ca_contradicts(cc, www, WWW_LEN, &mapped, 1, 100, NULL));
	/* ... unless a CA pair proves it. */
	assert_int_equal(vcache_ca_pair_store(cc, www, WWW_LEN, &evil6, &c, 500), 0);
	assert_false(vcache_ca_contradicts(cc, www, WWW_LEN, &evil6, 1, 100, NULL));
	/* Once the IPv4 evidence expired, nothing is known of the name. */
	assert_false(vcache_ca_contradicts(cc, www, WWW_LEN, &mapped, 1, 1000, NULL));
	/* AAAA verified, A never: a forged A contradicts the other way round. */
	assert_int_equal(vcache_ca_seen_add(cc, cdn, CDN_LEN, &six, 1, 100, 1000), 0);
	assert_true(vcache_ca_contradicts(cc, cdn, CDN_LEN, &evil4, 1, 100, NULL));
	assert_false(vcache_ca_contradicts(cc, cdn, CDN_LEN, &six, 1, 100, NULL));
	/* A verified NODATA of AAAA alone (no address anywhere) is evidence for AAAA only. */
	assert_int_equal(vcache_ca_flush(cc), 1);
	assert_int_equal(vcache_ca_nodata_add(cc, www, WWW_LEN, 6, 100, 1000), 0);
	assert_true(vcache_ca_contradicts(cc, www, WWW_LEN, &evil6, 1, 100, NULL));
	assert_false(vcache_ca_contradicts(cc, www, WWW_LEN, &evil4, 1, 100, NULL));
	assert_false(vcache_ca_contradicts(cc, www, WWW_LEN, &evil6, 1, 1000, NULL)); /* expired */
	/* Addresses verified later replace the NODATA. */
	assert_int_equal(vcache_ca_nodata_add(cc, www, WWW_LEN, 6, 100, 3000), 0);
	assert_int_equal(vcache_ca_seen_add(cc, www, WWW_LEN, &six, 1, 200, 2000), 0);
	assert_false(vcache_ca_contradicts(cc, www, WWW_LEN, &six, 1, 300, NULL));
	assert_false(vcache_ca_contradicts(cc, www, WWW_LEN, &six, 1, 2500, NULL));
	/* Saved and loaded back: the NODATA evidence too ("EXPIRE:-"), alone and beside
	 * addresses of the same family. */
	assert_int_equal(vcache_ca_nodata_add(cc, cdn, CDN_LEN, 6, 100, 5000), 0);
	assert_int_equal(vcache_ca_seen_add(cc, cdn, CDN_LEN, &a, 1, 100, 5000), 0);
	assert_int_equal(vcache_ca_nodata_add(cc, www, WWW_LEN, 4, 100, 5000), 0);
	assert_true((fd = mkstemp(path)) >= 0);
	close(fd);
	assert_true(vcache_save(vc, path, 400) >= 3);
	back = vcache_new(100);
	assert_true(vcache_load(back, path, 400, &bad) >= 3);
	assert_int_equal(bad, 0);
	assert_true(vcache_ca_contradicts(vcache_cadata(back), www, WWW_LEN, &evil4, 1, 4000, NULL));
	assert_true(vcache_ca_contradicts(vcache_cadata(back), cdn, CDN_LEN, &evil6, 1, 4000, NULL));
	assert_false(vcache_ca_contradicts(vcache_cadata(back), cdn, CDN_LEN, &a, 1, 4000, NULL));
	vcache_free(back);
	vcache_free(vc);
	unlink(path);
}

/*
 * The longest "a" line: VCACHE_CA_SEEN_MAX IPv6 addresses with 20-digit expiry times and a
 * NODATA entry (review finding 5: a fixed sscanf width cut lines of 11 or more, and the
 * name lost its evidence at the next start).
 */
static void
test_seen_longest_line(void **state)
{
	char path[] = "/tmp/test_vcache_long.XXXXXX";
	struct vcache *vc = vcache_new(100), *back;
	struct cons_addr many[VCACHE_CA_SEEN_MAX];
	uint64_t far = 18000000000000000000ull;	/* 20 digits */
	size_t bad = 99;
	int fd;

	(void)state;
	for (size_t i = 0; i < VCACHE_CA_SEEN_MAX; i++) {
		many[i] = v6((uint8_t)(i + 1));
		memset(many[i].bytes + 4, 0xab, 11);
	}
	assert_int_equal(vcache_ca_seen_add(vcache_cadata(vc), www, WWW_LEN, many,
	    VCACHE_CA_SEEN_MAX, 100, far), 0);
	assert_true((fd = mkstemp(path)) >= 0);
	close(fd);
	assert_int_equal(vcache_save(vc, path, 100), 1);
	back = vcache_new(100);
	assert_int_equal(vcache_load(back, path, 100, &bad), 1);
	assert_int_equal(bad, 0);
	for (size_t i = 0; i < VCACHE_CA_SEEN_MAX; i++)
		assert_false(vcache_ca_contradicts(vcache_cadata(back), www, WWW_LEN, &many[i], 1,
		    100, NULL));
	vcache_free(back);
	vcache_free(vc);
	unlink(path);
}

/*
 * Review finding 10: the verified addresses share no budget with pairs and histories, and
 * expired records go before live ones, so a churn of names cannot push a bank's evidence out
 * before the attacker blocks the mirrors.
 */
static void
test_seen_budget(void **state)
{
	struct vcache *vc = vcache_new(10);
	struct vcache_ca *cc = vcache_cadata(vc);
	struct cons_addr a = v4(1), evil = v4(66);
	struct probe_ca c = ca_of(0x11, 0);
	struct ca_history h = { .set = { .n = 1 }, .since = 100, .seen = 200 };
	uint8_t name[] = "\4n000\7example\4test";

	(void)state;
	h.set.cas[0] = c;
	assert_int_equal(vcache_ca_seen_add(cc, www, WWW_LEN, &a, 1, 100, 90000), 0);
	assert_int_equal(vcache_ca_pair_store(cc, cdn, CDN_LEN, &a, &c, 90000), 0);
	/* A churn of pairs and histories for other names: the evidence stays. */
	for (unsigned i = 0; i < 100; i++) {
		struct cons_addr x = v4((uint8_t)i);
		snprintf((char *)name + 1, 4, "%03u", i);
		name[4] = 7;
		assert_int_equal(vcache_ca_pair_store(cc, name, sizeof(name), &x, &c, 90000), 0);
		assert_int_equal(vcache_ca_history_put(cc, name, sizeof(name), &h), 0);
	}
	assert_true(vcache_ca_contradicts(cc, www, WWW_LEN, &evil, 1, 200, NULL));
	assert_false(vcache_ca_contradicts(cc, www, WWW_LEN, &a, 1, 200, NULL));
	/* ... and a churn of verified names does not push the pairs out either. */
	assert_int_equal(vcache_ca_pair_store(cc, cdn, CDN_LEN, &a, &c, 90000), 0);
	for (unsigned i = 0; i < 8; i++) {
		snprintf((char *)name + 1, 4, "%03u", i);
		name[4] = 7;
		assert_int_equal(vcache_ca_seen_add(cc, name, sizeof(name), &a, 1, 200, 300), 0);
	}
	assert_true(vcache_ca_pair_lookup(cc, cdn, CDN_LEN, &a, 200, NULL));
	/* The verified names' table is full (www and 8 more, plus one for AAAA below); once
	 * those 8 expired, new names push them out, not the oldest live one (www). */
	assert_int_equal(vcache_ca_nodata_add(cc, www, WWW_LEN, 6, 200, 90000), 0);
	for (unsigned i = 100; i < 108; i++) {
		snprintf((char *)name + 1, 4, "%03u", i);
		name[4] = 7;
		assert_int_equal(vcache_ca_seen_add(cc, name, sizeof(name), &a, 1, 400, 90000), 0);
	}
	assert_true(vcache_ca_contradicts(cc, www, WWW_LEN, &evil, 1, 400, NULL));
	assert_false(vcache_ca_contradicts(cc, www, WWW_LEN, &a, 1, 400, NULL));
	/* Past the budget with live names only, the oldest goes: www. */
	for (unsigned i = 200; i < 202; i++) {
		snprintf((char *)name + 1, 4, "%03u", i);
		name[4] = 7;
		assert_int_equal(vcache_ca_seen_add(cc, name, sizeof(name), &a, 1, 400, 90000), 0);
	}
	assert_false(vcache_ca_contradicts(cc, www, WWW_LEN, &evil, 1, 400, NULL));
	vcache_free(vc);
}

/*
 * The CA tables' chain hash as it was up to this test: FNV-1a of the record's kind (an
 * enum, VCACHE_CA_HISTORY = 1), its name and its address, folded to 32 bits; 4096 chains.
 */
#define FLOOD_BUCKETS 4096u

static uint32_t
flood_unkeyed_history(const uint8_t *name, size_t len)
{
	int kind = 1;
	const uint8_t *t = (const uint8_t *)&kind;
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < sizeof(kind); i++)
		h = (h ^ t[i]) * 0x100000001b3ull;
	for (size_t i = 0; i < len; i++)
		h = (h ^ name[i]) * 0x100000001b3ull;
	return (uint32_t)(h ^ (h >> 32));
}

/*
 * Hash flooding: the names (and addresses) of pairs, histories and verified addresses are
 * a client's to choose (its own zone's). Chosen against the unkeyed chain hash, 64 CA
 * histories shared one chain; keyed per instance, they spread like any others.
 */
static void
test_chain_flood(void **state)
{
	struct vcache_ca *vc = vcache_ca_new(100000);
	struct ca_history h;
	uint8_t name[32];
	uint32_t target = 0;
	size_t n = 0;

	(void)state;
	assert_non_null(vc);
	memset(&h, 0, sizeof(h));
	for (uint32_t i = 0; n < 64; i++) {
		static const uint8_t tail[] = "\007example";
		uint32_t b;
		name[0] = 9;
		snprintf((char *)name + 1, 10, "f%08x", i);
		memcpy(name + 10, tail, sizeof(tail));
		b = flood_unkeyed_history(name, 10 + sizeof(tail)) & (FLOOD_BUCKETS - 1);
		if (n == 0)
			target = b;
		if (b != target)
			continue;
		assert_int_equal(vcache_ca_history_put(vc, name, 10 + sizeof(tail), &h), 0);
		n++;
	}
	/* 64 random picks of 4096 chains: more than 4 in one has odds below 1e-7. */
	assert_true(vcache_ca_chain_max(vc) <= 4);
	vcache_ca_free(vc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pairs),
		cmocka_unit_test(test_state_file),
		cmocka_unit_test(test_journal),
		cmocka_unit_test(test_seen),
		cmocka_unit_test(test_seen_saved),
		cmocka_unit_test(test_seen_bad_lines),
		cmocka_unit_test(test_seen_families),
		cmocka_unit_test(test_seen_longest_line),
		cmocka_unit_test(test_seen_budget),
		cmocka_unit_test(test_chain_flood),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
