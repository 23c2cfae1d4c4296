/* tests/unit/test_dissent.c - resolver/dissent.c: the dissent log's line, field by field,
 * and the file it goes to (opened, appended, reopened after logrotate). */
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

#include "check_ca_view.h"
#include "dissent.h"
#include "dnswire.h"

/* Two mirrors dissent (one by data, one by a weak signal), one timed out. */
static void
three_mirrors(struct cons_verdict *v, struct dissent_mirror ms[3])
{
	memset(v, 0, sizeof(*v));
	v->outcome = OUTCOME_DISSENT;
	v->evidence[0] = EVIDENCE_DISSENTS;
	v->why[0] = WHY_DATA;
	v->evidence[1] = EVIDENCE_DISSENTS;
	v->why[1] = WHY_WEAK;
	v->mirror_rule[1] = RULE_PREFIX;
	v->evidence[2] = EVIDENCE_FAILED;
	ms[0] = (struct dissent_mirror){ "m\"1", "eu-west", "93.184.215.14" };
	ms[1] = (struct dissent_mirror){ "m2", "us-east", "185.199.108.1" };
	ms[2] = (struct dissent_mirror){ "m3", "ap-south", "timeout" };
}

static void
test_format(void **state)
{
	struct cons_verdict v;
	struct dissent_mirror ms[3];
	struct dissent_entry e = { "bank.example.", DNS_TYPE_A, "185.199.108.66", &v,
		ACTION_REFUSE, ms, 3, NULL };
	char line[8192];
	size_t n;

	(void)state;
	three_mirrors(&v, ms);
	n = dissent_format(&e, "2026-01-01T00:00:00.000Z", line, sizeof(line));
	assert_int_equal(n, strlen(line));
	assert_string_equal(line,
	    "{\"time\":\"2026-01-01T00:00:00.000Z\",\"name\":\"bank.example.\",\"type\":\"A\","
	    "\"local\":\"185.199.108.66\",\"outcome\":\"dissent\",\"action\":\"refuse\","
	    "\"mirrors\":[{\"mirror\":\"m\\\"1\",\"region\":\"eu-west\",\"answer\":\"93.184.215.14\","
	    "\"evidence\":\"dissents\",\"why\":\"data\"},"
	    "{\"mirror\":\"m2\",\"region\":\"us-east\",\"answer\":\"185.199.108.1\","
	    "\"evidence\":\"dissents\",\"why\":\"weak\",\"weak\":\"prefix\"},"
	    "{\"mirror\":\"m3\",\"region\":\"ap-south\",\"answer\":\"timeout\","
	    "\"evidence\":\"failed\"}]}\n");
	/* Too small a buffer: nothing rather than half a line. */
	assert_int_equal(dissent_format(&e, "t", line, 100), 0);
}

/* The CA evidence goes in as a "ca" member (check_ca_json). */
static void
test_format_ca(void **state)
{
	struct cons_verdict v;
	struct dissent_mirror ms[3];
	struct check_ca_view ca;
	struct dissent_entry e = { "www.example.", DNS_TYPE_AAAA, "2001:db8::1", &v,
		ACTION_SERVE_FLAG, ms, 3, &ca };
	char line[8192];

	(void)state;
	three_mirrors(&v, ms);
	memset(&ca, 0, sizeof(ca));
	ca.source = "tlsa";
	ca.judgement = CA_DISSENT;
	snprintf(ca.text, sizeof(ca.text), "vantage: local 2001:db8::1 presents \"x\"");
	ca.n_probes = 1;
	snprintf(ca.probes[0].addr, sizeof(ca.probes[0].addr), "2001:db8::1");
	ca.probes[0].result = PROBE_OTHER_CA;
	assert_true(dissent_format(&e, "t", line, sizeof(line)) > 0);
	assert_non_null(strstr(line, "\"type\":\"AAAA\""));
	assert_non_null(strstr(line, "\"action\":\"flag\""));
	assert_non_null(strstr(line, ",\"ca\":{\"source\":\"tlsa\""));
	assert_non_null(strstr(line, "presents \\\"x\\\""));
	assert_non_null(strstr(line, "{\"address\":\"2001:db8::1\",\"result\":\"other-ca\""));
	assert_string_equal(line + strlen(line) - 3, "}}\n");
}

static size_t
count_lines(const char *path)
{
	FILE *f = fopen(path, "r");
	size_t n = 0;
	int c;

	if (f == NULL)
		return 0;
	while ((c = fgetc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

static void
test_file(void **state)
{
	char dir[] = "/tmp/test_dissent.XXXXXX", path[64], moved[64];
	struct cons_verdict v;
	struct dissent_mirror ms[3];
	struct dissent_entry e = { "x.example.", DNS_TYPE_A, "185.199.108.66", &v, ACTION_REFUSE,
		ms, 3, NULL };
	struct dissent *dl;

	(void)state;
	three_mirrors(&v, ms);
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/dissent.log", dir);
	snprintf(moved, sizeof(moved), "%s/dissent.log.1", dir);
	/* No path: a log that writes nothing (and no NULL to check for the callers). */
	assert_non_null(dl = dissent_new(NULL));
	dissent_write(dl, &e);
	dissent_free(dl);
	dissent_write(NULL, &e);
	assert_non_null(dl = dissent_new(path));
	dissent_write(dl, &e);
	dissent_write(dl, &e);
	assert_int_equal(count_lines(path), 2);
	/* logrotate moves it away; the reload reopens the path. */
	assert_int_equal(rename(path, moved), 0);
	dissent_reopen(dl, path);
	dissent_write(dl, &e);
	assert_int_equal(count_lines(path), 1);
	assert_int_equal(count_lines(moved), 2);
	dissent_free(dl);
	dissent_free(NULL);
	unlink(path);
	unlink(moved);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_format_ca),
		cmocka_unit_test(test_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
