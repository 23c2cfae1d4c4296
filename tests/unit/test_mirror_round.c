/* tests/unit/test_mirror_round.c - how a replayed question counts, and a round's counts. */
#include "autoconf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "replay.h"
#include "round.h"

/* Our failure never counts; the peer's failure or lateness is a timeout; else the judge. */
static void
test_outcome(void **state)
{
	(void)state;
	assert_int_equal(round_outcome(0, 1, 10, 1000, REPLAY_AGREE), -1);
	assert_int_equal(round_outcome(0, 0, 10, 1000, REPLAY_DISSENT), -1);
	assert_int_equal(round_outcome(1, 0, 10, 1000, REPLAY_AGREE), REP_TIMEOUT);
	assert_int_equal(round_outcome(1, 1, 1001, 1000, REPLAY_AGREE), REP_TIMEOUT);
	assert_int_equal(round_outcome(1, 1, 1000, 1000, REPLAY_AGREE), REP_AGREE);
	assert_int_equal(round_outcome(1, 1, 10, 1000, REPLAY_DISSENT), REP_DISSENT);
	/* Answers that cannot be compared judge nobody. */
	assert_int_equal(round_outcome(1, 1, 10, 1000, REPLAY_UNUSABLE), -1);
}

static void
test_counts_add(void **state)
{
	struct rep_counts to, c;

	(void)state;
	memset(&to, 0, sizeof(to));
	memset(&c, 0, sizeof(c));
	c.agree = 3;
	c.dissent = 1;
	c.timeout = 2;
	c.responses = 4;
	c.response_ms_sum = 400;
	c.pings = 1;
	c.ping_ms_sum = 20;
	c.ping_fail = 0;
	round_counts_add(&to, &c);
	c.ping_fail = 1;
	c.pings = 0;
	round_counts_add(&to, &c);
	assert_int_equal(to.agree, 6);
	assert_int_equal(to.dissent, 2);
	assert_int_equal(to.timeout, 4);
	assert_int_equal(to.responses, 8);
	assert_int_equal(to.response_ms_sum, 800);
	assert_int_equal(to.pings, 1);
	assert_int_equal(to.ping_fail, 1);
	assert_int_equal(to.ping_ms_sum, 40);
}

/* A peer without a CA is never asked; an idle context expires nothing and frees cleanly. */
static void
test_ctx(void **state)
{
	struct mirror_config cfg, *slot = &cfg;
	struct round_env env;
	struct round_ctx *rc;
	struct peer p;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	memset(&env, 0, sizeof(env));
	memset(&p, 0, sizeof(p));
	env.cfg = &slot;
	assert_non_null(rc = round_ctx_new(&env));
	round_start(rc, &p);
	assert_false(p.round_busy);
	round_expire(rc, 1000000);
	round_ctx_free(rc);
	round_ctx_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_outcome),
		cmocka_unit_test(test_counts_add),
		cmocka_unit_test(test_ctx),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
