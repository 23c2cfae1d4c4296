/* tests/unit/test_mirror_vote.c - removal votes: the majority rule and the /v1/audit answer. */
#include "autoconf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vote.h"

/* More remove than keep removes; ties, abstentions and silence keep. */
static void
test_majority(void **state)
{
	const enum audit_vote rkk[] = { VOTE_REMOVE, VOTE_KEEP, VOTE_KEEP },
	    rrk[] = { VOTE_REMOVE, VOTE_REMOVE, VOTE_KEEP },
	    rk[] = { VOTE_REMOVE, VOTE_KEEP },
	    rpa[] = { VOTE_REMOVE, VOTE_PENDING, VOTE_ABSTAIN },
	    pa[] = { VOTE_PENDING, VOTE_ABSTAIN, VOTE_NONE };
	const char *const why3[] = { "lies", "", "late" }, *why = "own";
	unsigned rm, keep;

	(void)state;
	assert_false(vote_decide_count(rkk, NULL, 3, &rm, &keep, NULL));
	assert_int_equal(rm, 1);
	assert_int_equal(keep, 2);
	assert_true(vote_decide_count(rrk, why3, 3, &rm, &keep, &why));
	assert_int_equal(rm, 2);
	assert_int_equal(keep, 1);
	/* The last remove finding with a reason gives it; an empty one does not. */
	assert_string_equal(why, "lies");
	assert_false(vote_decide_count(rk, NULL, 2, &rm, &keep, NULL));
	/* One auditor that found for removal and nobody against: removed. */
	assert_true(vote_decide_count(rpa, NULL, 3, &rm, &keep, NULL));
	assert_false(vote_decide_count(pa, NULL, 3, &rm, &keep, NULL));
	assert_int_equal(rm + keep, 0);
	assert_false(vote_decide_count(NULL, NULL, 0, &rm, &keep, NULL));
}

static int
parse(int status, const char *body, enum audit_vote *v, char *reason, char *st)
{
	struct http_response r;

	memset(&r, 0, sizeof(r));
	r.status = status;
	r.body = (const uint8_t *)body;
	r.body_len = strlen(body);
	return vote_parse(&r, v, reason, 200, st, 32);
}

static void
test_parse(void **state)
{
	char reason[200], st[32];
	enum audit_vote v;

	(void)state;
	assert_int_equal(parse(200, "{\"version\":1,\"vote\":\"remove\",\"vote_reason\":\"90% "
	    "dissent\",\"state\":\"active\",\"state_reason\":null}", &v, reason, st), 0);
	assert_int_equal(v, VOTE_REMOVE);
	assert_string_equal(reason, "90% dissent");
	assert_string_equal(st, "active");
	/* Inactive there: the state's reason is the one that tells why. */
	assert_int_equal(parse(200, "{\"vote\":\"keep\",\"vote_reason\":\"fine\",\"state\":"
	    "\"inactive\",\"state_reason\":\"removed by vote\"}", &v, reason, st), 0);
	assert_int_equal(v, VOTE_KEEP);
	assert_string_equal(reason, "removed by vote");
	assert_string_equal(st, "inactive");
	/* A vote is required, from the known names; and a 200. */
	assert_int_equal(parse(200, "{\"state\":\"active\"}", &v, reason, st), -1);
	assert_int_equal(parse(200, "{\"vote\":\"maybe\"}", &v, reason, st), -1);
	assert_int_equal(parse(404, "{\"vote\":\"keep\"}", &v, reason, st), -1);
	assert_int_equal(parse(200, "[", &v, reason, st), -1);
}

static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(vote_name(VOTE_NONE), "none");
	assert_string_equal(vote_name(VOTE_PENDING), "pending");
	assert_string_equal(vote_name(VOTE_REMOVE), "remove");
	assert_string_equal(vote_name(VOTE_KEEP), "keep");
	assert_string_equal(vote_name(VOTE_ABSTAIN), "abstain");
	assert_string_equal(vote_name((enum audit_vote)42), "?");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_majority),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
