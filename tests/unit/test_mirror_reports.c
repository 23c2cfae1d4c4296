/* tests/unit/test_mirror_reports.c - report bodies: strict validation, limits, durable tallies. */
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

#include "reports.h"

#define ID_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define ID_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define DIG "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static const char good[] =
    "{\"version\":1,\"question\":{\"name\":\"www.example.com.\",\"type\":\"AAAA\"},\n"
    "\"results\":[{\"mirror\":\"" ID_A "\",\"digest\":\"" DIG "\",\"outcome\":\"agree\"},\n"
    "{\"mirror\":\"" ID_B "\",\"digest\":\"" DIG "\",\"outcome\":\"dissent\"},\n"
    "{\"mirror\":\"" DIG "\",\"outcome\":\"timeout\",\"digest\":null}]}";

static int
parse(const char *body, char *err)
{
	struct report rep;

	return report_parse(body, strlen(body), &rep, err, 512);
}

static void
test_good(void **state)
{
	struct report rep;
	char err[512];

	(void)state;
	assert_int_equal(report_parse(good, strlen(good), &rep, err, sizeof(err)), 0);
	assert_string_equal(rep.name, "www.example.com.");
	assert_int_equal(rep.qtype, 28);
	assert_int_equal(rep.n_results, 3);
	assert_int_equal(rep.results[0].outcome, REPORT_AGREE);
	assert_int_equal(rep.results[1].outcome, REPORT_DISSENT);
	assert_int_equal(rep.results[2].outcome, REPORT_TIMEOUT);
	assert_false(rep.results[2].has_digest);
	assert_int_equal(rep.results[0].mirror[0], 0xaa);
}

/* Each case: a substitution of good and the error it must produce. */
static void
expect_error(const char *from, const char *to, const char *msg)
{
	char body[4096], err[512];
	const char *p = strstr(good, from);

	assert_non_null(p);
	snprintf(body, sizeof(body), "%.*s%s%s", (int)(p - good), good, to, p + strlen(from));
	assert_int_equal(parse(body, err), -1);
	if (strstr(err, msg) == NULL)
		fail_msg("error '%s' lacks '%s' (body %s)", err, msg, body);
}

static void
test_bad(void **state)
{
	(void)state;
	expect_error("\"version\":1", "\"version\":2", "body:1: version: 2 is out of range");
	expect_error("\"version\":1,", "", "missing version");
	expect_error("\"type\":\"AAAA\"", "\"type\":\"BOGUS\"", "type: unknown type 'BOGUS'");
	expect_error("www.example.com.", "www..example", "name: not a domain name");
	expect_error("\"outcome\":\"agree\"", "\"outcome\":\"yes\"", "body:2: outcome:");
	expect_error("\"digest\":\"" DIG "\",\"outcome\":\"agree\"", "\"outcome\":\"agree\"",
	    "agree needs a digest");
	expect_error("\"outcome\":\"timeout\",\"digest\":null", "\"outcome\":\"timeout\",\"digest\":\"" DIG "\"",
	    "digest: not allowed with outcome timeout");
	expect_error(ID_B, ID_A, "body:3: results: mirror listed twice");
	expect_error(ID_B, "bbbb", "mirror: expected a string of 64 hex digits");
	expect_error("\"results\":[", "\"extra\":1,\"results\":[", "unknown key 'extra' in report");
	expect_error("\"question\":{", "\"question\":{\"name\":\"x.\",", "duplicate key 'name'");
}

static void
test_limits(void **state)
{
	char *body = malloc(100000), err[512];
	size_t off;
	int i;

	(void)state;
	/* 65 results: one over the limit. */
	off = (size_t)sprintf(body, "{\"version\":1,\"question\":{\"name\":\"a.\",\"type\":\"A\"},\"results\":[");
	for (i = 0; i < 65; i++)
		off += (size_t)sprintf(body + off, "%s{\"mirror\":\"%064x\",\"outcome\":\"error\"}",
		    i ? "," : "", i);
	strcpy(body + off, "]}");
	assert_int_equal(parse(body, err), -1);
	assert_non_null(strstr(err, "at most 64"));
	/* A node bomb: far more nodes than a report can need is refused before walking. */
	off = (size_t)sprintf(body, "[");
	for (i = 0; i < 5000; i++)
		off += (size_t)sprintf(body + off, "%s1", i ? "," : "");
	strcpy(body + off, "]");
	assert_int_equal(parse(body, err), -1);
	/* Deep nesting, empty body, not JSON at all. */
	memset(body, '[', 5000);
	body[5000] = '\0';
	assert_int_equal(parse(body, err), -1);
	assert_int_equal(parse("", err), -1);
	assert_int_equal(parse("\x01\x02garbage: [", err), -1);
	free(body);
}

static void
test_tallies_persist(void **state)
{
	char dir[] = "/tmp/test_mirror_reports.XXXXXX", err[512], path[600];
	struct reports *r;
	struct report rep;
	const struct report_tally *t;
	uint8_t id[TLS_SHA256_LEN];
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_non_null(r = reports_open(dir, err, sizeof(err)));
	assert_int_equal(reports_count(r), 0);
	assert_int_equal(report_parse(good, strlen(good), &rep, err, sizeof(err)), 0);
	assert_int_equal(reports_record(r, &rep, 1000), 3);
	assert_int_equal(reports_record(r, &rep, 2000), 3);
	assert_true(reports_dirty(r));
	assert_int_equal(reports_save(r), 0);
	assert_false(reports_dirty(r));
	reports_free(r);

	assert_non_null(r = reports_open(dir, err, sizeof(err)));
	assert_int_equal(reports_count(r), 3);
	tls_unhex(ID_B, id, sizeof(id));
	assert_non_null(t = reports_find(r, id));
	assert_int_equal(t->counts[REPORT_DISSENT], 2);
	assert_int_equal(t->counts[REPORT_AGREE], 0);
	assert_int_equal(t->last, 2000);
	reports_free(r);

	/* A corrupt file stops start-up rather than being overwritten. */
	snprintf(path, sizeof(path), "%s/%s", dir, REPORTS_FILE);
	f = fopen(path, "w");
	fputs("{\"version\":1,\"mirrors\":[{\"id\":\"zz\"}]}", f);
	fclose(f);
	assert_null(reports_open(dir, err, sizeof(err)));
	assert_non_null(strstr(err, "reports.json:1:"));
	unlink(path);
	rmdir(dir);
}

/* A report naming n ids from base on (big-endian in the first 4 bytes), all "error". */
static void
flood_report(struct report *rep, uint32_t base, size_t n)
{
	size_t i;

	memset(rep, 0, sizeof(*rep));
	snprintf(rep->name, sizeof(rep->name), "flood.example.");
	rep->qtype = 1;
	for (i = 0; i < n; i++) {
		uint32_t v = base + (uint32_t)i;

		rep->results[i].mirror[0] = (uint8_t)(v >> 24);
		rep->results[i].mirror[1] = (uint8_t)(v >> 16);
		rep->results[i].mirror[2] = (uint8_t)(v >> 8);
		rep->results[i].mirror[3] = (uint8_t)v;
		rep->results[i].mirror[31] = 0xf1;
		rep->results[i].outcome = REPORT_ERROR;
	}
	rep->n_results = n;
}

/* A flood of made-up ids does not fill the table for good (issue 12, finding 8). */
static void
test_tallies_evict(void **state)
{
	char dir[] = "/tmp/test_mirror_reports.XXXXXX", err[512], path[600];
	struct reports *r;
	struct report rep, fresh;
	uint8_t id_a[TLS_SHA256_LEN];
	uint32_t k;
	int i;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_non_null(r = reports_open(dir, err, sizeof(err)));
	/* A real mirror, reported again and again before the flood. */
	assert_int_equal(report_parse(good, strlen(good), &rep, err, sizeof(err)), 0);
	for (i = 0; i < 5; i++)
		assert_int_equal(reports_record(r, &rep, 1000 + (uint64_t)i), 3);
	/* Twice the table's size in distinct one-off ids, 64 per report. */
	for (k = 0; k < 2 * REPORTS_MAX_MIRRORS; k += REPORT_MAX_RESULTS) {
		flood_report(&rep, k, REPORT_MAX_RESULTS);
		assert_int_equal(reports_record(r, &rep, 2000), REPORT_MAX_RESULTS);
	}
	assert_int_equal(reports_count(r), REPORTS_MAX_MIRRORS);
	assert_true(reports_evicted(r) >= REPORTS_MAX_MIRRORS);
	/* A new mirror is still counted, and kept ... */
	flood_report(&fresh, 0x7f000000u, 1);
	assert_int_equal(reports_record(r, &fresh, 2001), 1);
	assert_non_null(reports_find(r, fresh.results[0].mirror));
	/* ... and the mirror that clients kept reporting outlived the flood. */
	tls_unhex(ID_A, id_a, sizeof(id_a));
	assert_non_null(reports_find(r, id_a));
	assert_int_equal(reports_find(r, id_a)->counts[REPORT_AGREE], 5);
	/* Tallies not reported for REPORTS_MAX_AGE go first. */
	flood_report(&rep, 0x7e000000u, 1);
	assert_int_equal(reports_record(r, &rep, 1004 + REPORTS_MAX_AGE + 1), 1);
	assert_null(reports_find(r, id_a));
	reports_free(r);
	snprintf(path, sizeof(path), "%s/%s", dir, REPORTS_FILE);
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_tallies_persist),
		cmocka_unit_test(test_tallies_evict),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
