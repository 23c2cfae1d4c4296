/*
 * tests/unit/test_portal.c - resolver/portal.c: the states (none, unreachable, suspected,
 * window), who may open the window and when it closes, and which verdicts it may change:
 * only one where every mirror asked failed, never a dissent, an agreement or a partial answer.
 */
#include "autoconf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <event2/buffer.h>

#include "dnswire.h"
#include "portal.h"

#define T0 1000000	/* a monotonic start (ms) */
#define WALL 1796000000	/* 2026-11-29, epoch s */

static void
look(struct portal *p, uint64_t now, unsigned mirrors, unsigned reachable)
{
	struct portal_facts f = { .now_ms = now, .wall_s = WALL + (now - T0) / 1000,
		.mirrors = mirrors, .reachable = reachable,
		.why = reachable < mirrors ? "unreachable: connect: Connection refused" : NULL };

	portal_observe(p, &f);
}

static enum portal_state
state(const struct portal *p, uint64_t now)
{
	struct portal_view v;

	portal_get(p, now, &v);
	return v.state;
}

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
	v.consensus_mirror = -1;
	return v;
}

/* The SERVFAIL on_insufficient: refuse gives, which the window may turn into a flag. */
static struct policy_decision
refused(void)
{
	struct policy_decision d = { .action = ACTION_SERVFAIL, .ede = DNS_EDE_NO_REACHABLE_AUTHORITY };

	snprintf(d.text, sizeof(d.text), "vantage: no mirror reachable (3 asked)");
	return d;
}

static void
test_portal_states(void **state_)
{
	struct portal *p = portal_new();
	struct portal_view v;
	const char *name;

	(void)state_;
	assert_non_null(p);
	assert_int_equal(state(p, T0), PORTAL_NONE);
	assert_null(portal_probe_name(p, T0)); /* mirrors not known unreachable: no question */

	/* Every mirror unreachable: the upstream is asked a probe name, then every 10 s. */
	look(p, T0, 3, 0);
	assert_int_equal(state(p, T0), PORTAL_UNREACHABLE);
	assert_non_null(name = portal_probe_name(p, T0));
	assert_string_equal(name, "connectivity-check.ubuntu.com");
	portal_probed(p, T0, name, 0, NULL); /* NXDOMAIN: offline, or a closed network */
	assert_int_equal(state(p, T0 + 1), PORTAL_UNREACHABLE);
	portal_get(p, T0 + 1, &v);
	assert_non_null(strstr(v.say, "no mirror reachable since 2026-"));
	assert_non_null(strstr(v.say, "has no address for connectivity-check.ubuntu.com"));
	assert_null(portal_probe_name(p, T0 + 9999));
	assert_non_null(name = portal_probe_name(p, T0 + 10000));
	assert_string_equal(name, "detectportal.firefox.com"); /* the next one */

	/* The probe name resolves while no mirror is reachable: suspected. */
	portal_probed(p, T0 + 10000, name, 1, "10.0.0.1");
	look(p, T0 + 11000, 3, 0);
	assert_int_equal(state(p, T0 + 11000), PORTAL_SUSPECTED);
	portal_get(p, T0 + 11000, &v);
	assert_non_null(strstr(v.say, "captive portal suspected since "));
	assert_non_null(strstr(v.say, "resolves detectportal.firefox.com to 10.0.0.1"));
	assert_non_null(strstr(v.say, "run `vantagectl portal` to log in"));
	assert_int_equal(v.since_wall, WALL);
	/* A later probe without an address does not hide the sign before it has aged... */
	portal_probed(p, T0 + 20000, "captive.apple.com", 0, NULL);
	assert_int_equal(state(p, T0 + 20000), PORTAL_SUSPECTED);
	/* ... which it does after 30 s without another. */
	assert_int_equal(state(p, T0 + 40000), PORTAL_UNREACHABLE);

	/* One mirror reachable again: nothing in the way, and no more probes. */
	look(p, T0 + 41000, 3, 1);
	assert_int_equal(state(p, T0 + 41000), PORTAL_NONE);
	assert_null(portal_probe_name(p, T0 + 100000));
	portal_get(p, T0 + 41000, &v);
	assert_int_equal(v.since_wall, 0);
	assert_string_equal(v.say, "no captive portal in the way");

	/* No mirror configured: nothing to detect. */
	look(p, T0 + 42000, 0, 0);
	assert_int_equal(state(p, T0 + 42000), PORTAL_NONE);
	portal_free(p);
	portal_free(NULL);
}

static void
test_portal_open(void **state_)
{
	struct portal *p = portal_new();
	char err[256];
	struct portal_view v;

	(void)state_;
	/* Nothing configured, or a mirror reachable: the window is refused. */
	assert_int_equal(portal_open(p, T0, 5, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no mirror is configured"));
	look(p, T0, 3, 2);
	assert_int_equal(portal_open(p, T0, 5, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "a mirror is reachable"));
	assert_int_equal(portal_open(NULL, T0, 5, err, sizeof(err)), -1);

	/* No mirror reachable (suspected or not): opened, for 1 to 15 minutes. */
	look(p, T0, 3, 0);
	assert_int_equal(portal_open(p, T0, 0, err, sizeof(err)), -1);
	assert_int_equal(portal_open(p, T0, PORTAL_MAX_MINUTES + 1, err, sizeof(err)), -1);
	assert_string_equal(err, "MINUTES must be 1 to 15");
	assert_int_equal(portal_open(p, T0, 5, err, sizeof(err)), 0);
	assert_int_equal(state(p, T0 + 1000), PORTAL_WINDOW);
	portal_get(p, T0 + 1000, &v);
	assert_int_equal(v.window_left_s, 299);
	assert_int_equal(v.windows, 1);
	assert_non_null(strstr(v.say, "login window open for 299 s more"));

	/* It ends by itself at its end, even before the next look... */
	assert_int_equal(state(p, T0 + 300000), PORTAL_UNREACHABLE);
	look(p, T0 + 300000, 3, 0);
	assert_int_equal(state(p, T0 + 300000), PORTAL_UNREACHABLE);

	/* ... as soon as a mirror is reachable, even with minutes left... */
	assert_int_equal(portal_open(p, T0 + 301000, 15, err, sizeof(err)), 0);
	look(p, T0 + 302000, 3, 1);
	assert_int_equal(state(p, T0 + 302000), PORTAL_NONE);
	look(p, T0 + 303000, 3, 0); /* and it does not come back with the outage */
	assert_int_equal(state(p, T0 + 303000), PORTAL_UNREACHABLE);

	/* ... when the mirrors are gone from the configuration, or when the operator says so. */
	assert_int_equal(portal_open(p, T0 + 304000, 1, err, sizeof(err)), 0);
	look(p, T0 + 305000, 0, 0);
	assert_int_equal(state(p, T0 + 305000), PORTAL_NONE);
	look(p, T0 + 306000, 3, 0);
	assert_int_equal(portal_open(p, T0 + 306000, 1, err, sizeof(err)), 0);
	assert_int_equal(portal_close(p, T0 + 307000), 1);
	assert_int_equal(portal_close(p, T0 + 307000), 0);
	assert_int_equal(state(p, T0 + 307000), PORTAL_UNREACHABLE);
	portal_get(p, T0 + 307000, &v);
	assert_int_equal(v.windows, 4);
	portal_free(p);
}

static void
test_portal_decide(void **state_)
{
	struct portal *p = portal_new();
	struct policy_decision d;
	struct cons_verdict v;
	char err[256];
	struct portal_view pv;

	(void)state_;
	/* No window: nothing changes. */
	look(p, T0, 3, 0);
	v = verdict(OUTCOME_INSUFFICIENT, 3, 0, 0, 3);
	d = refused();
	assert_int_equal(portal_decide(p, T0, &v, &d), 0);
	assert_int_equal(d.action, ACTION_SERVFAIL);
	assert_int_equal(portal_decide(NULL, T0, &v, &d), 0);

	assert_int_equal(portal_open(p, T0, 5, err, sizeof(err)), 0);
	/* Every mirror asked failed: served, flagged, saying why. */
	assert_int_equal(portal_decide(p, T0 + 1, &v, &d), 1);
	assert_int_equal(d.action, ACTION_SERVE_FLAG);
	assert_int_equal(d.ede, DNS_EDE_NO_REACHABLE_AUTHORITY);
	assert_string_equal(d.text, "vantage: portal window: not verified, no mirror reachable (3 asked)");
	/* TLS failures (a portal answering on 443 with its own certificate) count as failed. */
	v.tls_failures = 1;
	d = refused();
	assert_int_equal(portal_decide(p, T0 + 1, &v, &d), 1);

	/* Any mirror's word, and the window has none: a dissent, an agreement, a partial
	 * answer (one dissent, two failures), one corroboration short of a quorum. */
	static const unsigned cases[][5] = {
		{ OUTCOME_DISSENT, 3, 0, 3, 0 },
		{ OUTCOME_DISSENT, 3, 0, 1, 2 },
		{ OUTCOME_AGREE, 3, 3, 0, 0 },
		{ OUTCOME_INSUFFICIENT, 3, 0, 1, 2 },
		{ OUTCOME_INSUFFICIENT, 3, 1, 0, 2 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct policy_decision before;
		v = verdict((enum cons_outcome)cases[i][0], cases[i][1], cases[i][2], cases[i][3],
		    cases[i][4]);
		d = refused();
		d.action = ACTION_REFUSE;
		before = d;
		assert_int_equal(portal_decide(p, T0 + 1, &v, &d), 0);
		assert_memory_equal(&d, &before, sizeof(d));
	}

	/* Past its end the window changes nothing, looked at or not. */
	v = verdict(OUTCOME_INSUFFICIENT, 3, 0, 0, 3);
	d = refused();
	assert_int_equal(portal_decide(p, T0 + 300000, &v, &d), 0);
	assert_int_equal(d.action, ACTION_SERVFAIL);
	portal_get(p, T0 + 300000, &pv);
	assert_int_equal(pv.served, 2);
	portal_free(p);
}

static void
test_portal_exempt(void **state_)
{
	struct portal *p = portal_new();
	uint8_t wire[DNS_MAXNAME];
	size_t len;
	char err[256];

	(void)state_;
	look(p, T0, 2, 0);
	len = dnswire_name_from_str("captive.apple.com", wire, sizeof(wire));
	assert_int_equal(portal_exempt(p, T0, wire, len), 0); /* no window */
	assert_int_equal(portal_open(p, T0, 1, err, sizeof(err)), 0);
	assert_int_equal(portal_exempt(p, T0, wire, len), 1);
	len = dnswire_name_from_str("NMCheck.GNOME.org.", wire, sizeof(wire));
	assert_int_equal(portal_exempt(p, T0, wire, len), 1);
	/* Only those names: not a name below one, not a bank. */
	len = dnswire_name_from_str("x.captive.apple.com", wire, sizeof(wire));
	assert_int_equal(portal_exempt(p, T0, wire, len), 0);
	len = dnswire_name_from_str("bank.example", wire, sizeof(wire));
	assert_int_equal(portal_exempt(p, T0, wire, len), 0);
	len = dnswire_name_from_str("captive.apple.com", wire, sizeof(wire));
	assert_int_equal(portal_exempt(p, T0 + 60000, wire, len), 0); /* window over */
	assert_int_equal(portal_exempt(NULL, T0, wire, len), 0);
	portal_free(p);
}

static void
test_portal_json(void **state_)
{
	struct evbuffer *b = evbuffer_new();
	struct jw w;
	char *s;
	size_t n;

	(void)state_;
	jw_init(&w, b);
	portal_json(NULL, T0, &w);
	n = evbuffer_get_length(b);
	s = calloc(1, n + 1);
	evbuffer_remove(b, s, n);
	assert_string_equal(s, ",\"portal\":{\"state\":\"none\",\"since\":null,\"window_left_s\":0,"
			       "\"windows\":0,\"served\":0,\"say\":\"no captive portal in the way\"}");
	free(s);
	evbuffer_free(b);
	assert_string_equal(portal_state_name(PORTAL_SUSPECTED), "suspected");
	assert_string_equal(portal_state_name((enum portal_state)9), "?");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_portal_states),
		cmocka_unit_test(test_portal_open),
		cmocka_unit_test(test_portal_decide),
		cmocka_unit_test(test_portal_exempt),
		cmocka_unit_test(test_portal_json),
	};

	return cmocka_run_group_tests_name("portal", tests, NULL, NULL);
}
