/* tests/unit/test_policy.c - resolver/policy.c: every verdict under every setting; and
 * the per-zone consensus overrides of resolver/config.c. */
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
#include "policy.h"

static struct cons_verdict
verdict(enum cons_outcome o, unsigned asked, unsigned corr, unsigned diss, unsigned failed)
{
	struct cons_verdict v;

	memset(&v, 0, sizeof(v));
	v.outcome = o;
	v.asked = asked;
	v.corroborated = corr;
	v.dissented = diss;
	v.failed = failed;
	v.required = asked > 1 ? asked - 1 : 1;
	v.consensus_mirror = -1;
	return v;
}

/* The table, written out: what each (outcome, mode, on_dissent, on_insufficient) gives. */
static enum policy_action
expected(enum cons_outcome o, enum consensus_mode mode, enum on_dissent od,
    enum on_insufficient oi, int have_consensus)
{
	switch (o) {
	case OUTCOME_AGREE:
		return ACTION_SERVE;
	case OUTCOME_DISSENT:
		if (mode == MODE_MONITOR)
			return ACTION_SERVE_FLAG;
		switch (od) {
		case DISSENT_REFUSE:
			return ACTION_REFUSE;
		case DISSENT_SERVFAIL:
			return ACTION_SERVFAIL;
		case DISSENT_FLAG:
			return ACTION_SERVE_FLAG;
		case DISSENT_CONSENSUS:
			return have_consensus ? ACTION_SERVE_CONSENSUS : ACTION_REFUSE;
		}
		break;
	case OUTCOME_INSUFFICIENT:
		return mode == MODE_ENFORCE && oi == INSUFFICIENT_REFUSE ? ACTION_SERVFAIL
									  : ACTION_SERVE_FLAG;
	}
	return ACTION_SERVE;
}

static void
test_policy_table(void **state)
{
	unsigned checked = 0;

	for (int o = OUTCOME_AGREE; o <= OUTCOME_INSUFFICIENT; o++)
		for (int mode = MODE_ENFORCE; mode <= MODE_MONITOR; mode++)
			for (int od = DISSENT_REFUSE; od <= DISSENT_CONSENSUS; od++)
				for (int oi = INSUFFICIENT_FLAG; oi <= INSUFFICIENT_REFUSE; oi++)
					for (int cm = -1; cm <= 1; cm++) {
						struct consensus_settings s = { .mode = mode,
							.on_dissent = od, .on_insufficient = oi };
						struct cons_verdict v = verdict(o, 3, o == OUTCOME_AGREE ? 3 : 0,
						    o == OUTCOME_DISSENT ? 3 : 0,
						    o == OUTCOME_INSUFFICIENT ? 3 : 0);
						struct policy_decision d;
						v.consensus_mirror = cm;
						policy_decide(&v, &s, "203.0.113.9", &d);
						assert_int_equal(d.action,
						    expected(o, mode, od, oi, cm >= 0));
						/* Agreement is silent; everything else says why. */
						if (o == OUTCOME_AGREE) {
							assert_int_equal(d.ede, -1);
							assert_string_equal(d.text, "");
						} else {
							assert_true(d.ede >= 0);
							assert_true(strncmp(d.text, "vantage: ", 9) == 0);
						}
						checked++;
					}
	assert_int_equal(checked, 3 * 2 * 4 * 2 * 3);
}

static void
test_policy_texts(void **state)
{
	struct consensus_settings s = { .mode = MODE_ENFORCE, .on_dissent = DISSENT_REFUSE };
	struct cons_verdict v = verdict(OUTCOME_DISSENT, 3, 0, 3, 0);
	struct policy_decision d;

	policy_decide(&v, &s, "203.0.113.9", &d);
	assert_int_equal(d.ede, DNS_EDE_OTHER);
	assert_string_equal(d.text, "vantage: 3 of 3 mirrors dissent (local 203.0.113.9)");

	s.on_dissent = DISSENT_CONSENSUS;
	v.consensus_mirror = 1;
	policy_decide(&v, &s, "203.0.113.9", &d);
	assert_int_equal(d.action, ACTION_SERVE_CONSENSUS);
	assert_int_equal(d.ede, DNS_EDE_FORGED_ANSWER);
	assert_non_null(strstr(d.text, "replaced by the mirrors' consensus"));

	/* Nobody reachable: EDE 22. */
	v = verdict(OUTCOME_INSUFFICIENT, 3, 0, 0, 3);
	policy_decide(&v, &s, "x", &d);
	assert_int_equal(d.ede, DNS_EDE_NO_REACHABLE_AUTHORITY);
	assert_string_equal(d.text, "vantage: no mirror reachable (3 asked)");

	/* Pins failed and nothing else answered: EDE 23. */
	v.tls_failures = 1;
	policy_decide(&v, &s, "x", &d);
	assert_int_equal(d.ede, DNS_EDE_NETWORK_ERROR);

	/* Enough mirrors, one region. */
	v = verdict(OUTCOME_INSUFFICIENT, 3, 3, 0, 0);
	v.regions_short = 1;
	policy_decide(&v, &s, "x", &d);
	assert_int_equal(d.ede, DNS_EDE_OTHER);
	assert_non_null(strstr(d.text, "one region"));

	/* Some corroborate, not enough. */
	v = verdict(OUTCOME_INSUFFICIENT, 3, 1, 1, 1);
	policy_decide(&v, &s, "x", &d);
	assert_string_equal(d.text, "vantage: not verified: 1 of 3 mirrors corroborate, 2 needed");
	assert_string_equal(policy_action_name(ACTION_SERVE_FLAG), "flag");
}

static struct config *
load(const char *yaml)
{
	char path[] = "/tmp/test_policy.XXXXXX", err[512];
	int fd = mkstemp(path);
	struct config *c;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, yaml, strlen(yaml)), (ssize_t)strlen(yaml));
	close(fd);
	c = config_load(path, "/dev/null", err, sizeof(err));
	unlink(path);
	if (c == NULL)
		print_message("config: %s\n", err);
	return c;
}

static void
settings_for(const struct config *c, const char *name, struct consensus_settings *s)
{
	uint8_t wire[DNS_MAXNAME];
	size_t n = dnswire_name_from_str(name, wire, sizeof(wire));

	assert_true(n > 0);
	config_consensus_for(c, wire, n, s);
}

static void
test_overrides(void **state)
{
	struct consensus_settings s;
	struct config *c = load("upstreams: [\"192.0.2.53\"]\n"
				"consensus:\n"
				"  on_dissent: flag\n"
				"  overrides:\n"
				"    - { zone: bank.example, on_dissent: servfail, on_insufficient: refuse }\n"
				"    - { zone: www.bank.example, mode: monitor }\n"
				"    - { zone: Cdn.Example.NET., address_match: exact, quorum: 2 }\n");

	assert_non_null(c);
	settings_for(c, "unrelated.example", &s);
	assert_int_equal(s.on_dissent, DISSENT_FLAG);
	assert_int_equal(s.mode, MODE_ENFORCE);
	settings_for(c, "login.bank.example", &s);
	assert_int_equal(s.on_dissent, DISSENT_SERVFAIL);
	assert_int_equal(s.on_insufficient, INSUFFICIENT_REFUSE);
	settings_for(c, "bank.example", &s);
	assert_int_equal(s.on_dissent, DISSENT_SERVFAIL);
	/* The longest zone wins, and changes only what it names. */
	settings_for(c, "a.www.bank.example", &s);
	assert_int_equal(s.mode, MODE_MONITOR);
	assert_int_equal(s.on_dissent, DISSENT_FLAG);
	/* Label boundaries, not string suffixes. */
	settings_for(c, "notbank.example", &s);
	assert_int_equal(s.on_dissent, DISSENT_FLAG);
	/* Case and the trailing dot do not matter. */
	settings_for(c, "img.cdn.example.net", &s);
	assert_int_equal(s.address_match, MATCH_EXACT);
	assert_int_equal(s.quorum, 2);
	config_free(c);

	/* Errors: no zone, nothing changed, the same zone twice, unknown keys. */
	assert_null(load("upstreams: [\"192.0.2.53\"]\nconsensus:\n  overrides:\n    - { mode: monitor }\n"));
	assert_null(load("upstreams: [\"192.0.2.53\"]\nconsensus:\n  overrides:\n    - { zone: a.example }\n"));
	assert_null(load("upstreams: [\"192.0.2.53\"]\nconsensus:\n  overrides:\n"
			 "    - { zone: a.example, mode: monitor }\n    - { zone: A.example., mode: enforce }\n"));
	assert_null(load("upstreams: [\"192.0.2.53\"]\nconsensus:\n  overrides:\n"
			 "    - { zone: a.example, bypass: true }\n"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_policy_table),
		cmocka_unit_test(test_policy_texts),
		cmocka_unit_test(test_overrides),
	};

	return cmocka_run_group_tests_name("policy", tests, NULL, NULL);
}
