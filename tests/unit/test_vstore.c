/* tests/unit/test_vstore.c - resolver/vstore.c: the verified cache survives a clean stop
 * (state file) and a crash (journal), keyed by the same secret across runs. */
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

#include "config.h"
#include "dnswire.h"
#include "vcache.h"
#include "vstore.h"
#include "vutil.h"

static char dir[] = "/tmp/test_vstore.XXXXXX";
static char state_file[64];
static const uint8_t qname[] = "\003www\007example\000";

/* Only what the store reads of a configuration: the state file and the cache size. */
static struct config *
config_for(const char *path)
{
	struct config *c = calloc(1, sizeof(*c));

	assert_non_null(c);
	c->cache.state_file = (char *)path;
	c->cache.max_entries = 1000;
	return c;
}

static void
remember(struct vstore *vs, uint64_t canon)
{
	struct vcache_info info;

	memset(&info, 0, sizeof(info));
	info.outcome = OUTCOME_AGREE;
	info.rule = RULE_EQUAL;
	info.asked = 3;
	info.corroborated = 2;
	info.canon_hash = canon;
	info.expire = wall_s() + 3600;
	snprintf(info.summary, sizeof(info.summary), "93.184.215.14");
	assert_int_equal(vcache_store(vstore_vcache(vs), qname, sizeof(qname) - 1, DNS_TYPE_A,
	    &info), 0);
	vstore_touch(vs);
}

static int
knows(struct vstore *vs, uint64_t canon)
{
	struct vcache_info info;

	return vcache_lookup(vstore_vcache(vs), qname, sizeof(qname) - 1, DNS_TYPE_A, wall_s(),
		   &info) && info.canon_hash == canon && info.outcome == OUTCOME_AGREE &&
	    strcmp(info.summary, "93.184.215.14") == 0;
}

static void
test_round_trip(void **state)
{
	struct config *c = config_for(state_file);
	struct vstore_env env = { NULL, &c };
	struct vstore *vs;
	char err[128];
	uint8_t secret[32];

	(void)state;
	assert_non_null(vs = vstore_new(&env, err, sizeof(err)));
	assert_false(knows(vs, 42));
	remember(vs, 42);
	memcpy(secret, vstore_secret(vs), sizeof(secret));
	assert_int_equal(vstore_save(vs), 0);
	vstore_free(vs);
	/* The next run reads it back, with the same secret. */
	assert_non_null(vs = vstore_new(&env, err, sizeof(err)));
	assert_true(knows(vs, 42));
	assert_memory_equal(vstore_secret(vs), secret, sizeof(secret));
	vstore_free(vs);
	free(c);
}

static void
test_crash(void **state)
{
	struct config *c = config_for(state_file);
	struct vstore_env env = { NULL, &c };
	struct vstore *crashed, *vs;
	char err[128];

	(void)state;
	assert_non_null(crashed = vstore_new(&env, err, sizeof(err)));
	remember(crashed, 7);
	/* Killed before any save: the next run finds the change in the journal. */
	assert_non_null(vs = vstore_new(&env, err, sizeof(err)));
	assert_true(knows(vs, 7));
	vstore_free(vs);
	vstore_free(crashed);
	free(c);
}

static void
test_no_state(void **state)
{
	struct config *c = config_for(NULL);
	struct vstore_env env = { NULL, &c };
	struct vstore *vs;
	char err[128];

	(void)state;
	assert_non_null(vs = vstore_new(&env, err, sizeof(err)));
	remember(vs, 1);
	assert_int_equal(vstore_save(vs), 0); /* nothing to save to: no error */
	vstore_free(vs);
	vstore_touch(NULL);
	vstore_free(NULL);
	free(c);
}

static int
setup(void **state)
{
	(void)state;
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(state_file, sizeof(state_file), "%s/state", dir);
	return 0;
}

static int
teardown(void **state)
{
	char path[96];
	const char *suffix[] = { "", ".key", ".journal", ".tmp" };

	(void)state;
	for (size_t i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", state_file, suffix[i]);
		unlink(path);
	}
	return rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_crash),
		cmocka_unit_test(test_no_state),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
