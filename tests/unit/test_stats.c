/* tests/unit/test_stats.c - resolver/stats.c: the one counter table status and metrics render. */
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

#include "stats.h"
#include "upstream.h"

#define N_FIELDS (sizeof(struct vstats) / sizeof(uint64_t))

/* Every field its own value: field i holds 1000 + i. */
static void
fill(struct vstats *st)
{
	uint64_t v[N_FIELDS];

	for (size_t i = 0; i < N_FIELDS; i++)
		v[i] = 1000 + i;
	memcpy(st, v, sizeof(*st));
}

/* The members stats_status writes for group, NUL-terminated (free it). */
static char *
status(const struct vstats *st, const char *group)
{
	struct evbuffer *b = evbuffer_new();
	struct jw w;
	size_t n;
	char *s;

	jw_init(&w, b);
	stats_status(st, &w, group);
	assert_false(w.err);
	n = evbuffer_get_length(b);
	s = malloc(n + 1);
	evbuffer_remove(b, s, n);
	s[n] = '\0';
	evbuffer_free(b);
	return s;
}

/* The status groups list their keys in the order `vantagectl status` always had. */
static void
test_status_order(void **state)
{
	struct vstats st;
	char *s;

	(void)state;
	memset(&st, 0, sizeof(st));
	st.queries_udp = 7;
	st.tcp_refused = 3;
	st.ca_probes[5] = 9;
	s = status(&st, "queries");
	assert_string_equal(s, ",\"udp\":7,\"tcp\":0,\"tcp_connections\":0,\"tcp_refused\":3");
	free(s);
	s = status(&st, "answers");
	assert_string_equal(s, ",\"cache\":0,\"stale\":0,\"upstream\":0,\"truncated\":0,\"formerr\":0,"
			       "\"notimp\":0,\"refused\":0,\"servfail\":0,\"dropped\":0,"
			       "\"acl_refused\":0,\"acl_dropped\":0,\"ratelimited\":0");
	free(s);
	s = status(&st, "verdicts");
	assert_string_equal(s, ",\"agree\":0,\"dissent\":0,\"insufficient\":0,\"cached\":0,\"bypassed\":0,"
			       "\"prefetches\":0,\"prefetch_agree\":0,\"prefetch_rejected\":0");
	free(s);
	s = status(&st, "actions");
	assert_string_equal(s, ",\"refuse\":0,\"servfail\":0,\"flag\":0,\"consensus\":0");
	free(s);
	s = status(&st, "ca.probes");
	assert_string_equal(s, ",\"ok\":0,\"other-ca\":0,\"bad-chain\":0,\"bad-name\":0,"
			       "\"unreachable\":0,\"busy\":9");
	free(s);
	s = status(&st, "ca");
	assert_string_equal(s, ",\"pairs_stored\":0,\"pair_hits\":0,\"changes_flagged\":0");
	free(s);
	s = status(&st, "nonesuch");
	assert_string_equal(s, "");
	free(s);
}

/*
 * Each family's series are numbered from 0 without gaps; labelled families name a value
 * for each, unlabelled ones have exactly one; counters end in _total. Every field of
 * struct vstats but tcp_per_client_refused is in exactly one family.
 */
static void
test_families_cover_the_struct(void **state)
{
	unsigned seen[N_FIELDS] = { 0 };
	struct vstats st;

	(void)state;
	fill(&st);
	for (int f = 0; f < STATS_F_COUNT; f++) {
		const struct stats_family_desc *fd = &stats_families[f];
		const struct stats_counter *c;
		unsigned pos;

		assert_non_null(fd->name);
		assert_non_null(fd->help);
		assert_string_equal(fd->type, "counter");
		assert_non_null(strstr(fd->name, "_total"));
		for (pos = 0; (c = stats_find((enum stats_family)f, pos)) != NULL; pos++) {
			size_t i = c->off / sizeof(uint64_t);
			assert_true(i < N_FIELDS);
			assert_int_equal(stats_value(&st, c), 1000 + i);
			seen[i]++;
			if (fd->label)
				assert_non_null(c->value);
			else
				assert_null(c->value);
		}
		assert_true(pos >= 1);
		if (fd->label == NULL)
			assert_int_equal(pos, 1);
	}
	for (size_t i = 0; i < N_FIELDS; i++)
		assert_int_equal(seen[i],
		    i == offsetof(struct vstats, tcp_per_client_refused) / sizeof(uint64_t) ? 0 : 1);
}

/* The series /metrics lists in the families whose order differs from status's. */
static void
test_metric_order(void **state)
{
	(void)state;
	assert_string_equal(stats_find(STATS_F_ANSWERS, 0)->value, "cache");
	assert_string_equal(stats_find(STATS_F_ANSWERS, 1)->value, "upstream");
	assert_string_equal(stats_find(STATS_F_ANSWERS, 2)->value, "stale");
	assert_null(stats_find(STATS_F_ANSWERS, 3));
	assert_string_equal(stats_find(STATS_F_DROPPED, 0)->value, "malformed");
	assert_string_equal(stats_find(STATS_F_DROPPED, 1)->value, "acl");
	assert_string_equal(stats_find(STATS_F_DROPPED, 2)->value, "ratelimit");
	assert_string_equal(stats_families[STATS_F_ERRORS].label, "rcode");
	assert_string_equal(stats_find(STATS_F_ERRORS, 3)->value, "SERVFAIL");
}

/* The per-upstream counters: status's keys in its order, each named after its key in
 * /metrics, read from the right field. */
static void
test_upstream_items(void **state)
{
	static const char *const keys[] = { "queries", "answers", "timeouts", "errors",
		"tcp_retries", "mismatches" };
	struct upstream_stats us = { .queries = 1, .answers = 2, .timeouts = 3, .errors = 4,
		.tcp_retries = 5, .mismatches = 6 };
	const struct stats_item *c;
	char name[64];
	size_t n;

	(void)state;
	c = stats_upstream(&n);
	assert_int_equal(n, sizeof(keys) / sizeof(keys[0]));
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(c[i].key, keys[i]);
		snprintf(name, sizeof(name), "vantaged_upstream_%s_total", keys[i]);
		assert_string_equal(c[i].metric, name);
		assert_int_equal(stats_item_value(&us, &c[i]), i + 1);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_order),
		cmocka_unit_test(test_families_cover_the_struct),
		cmocka_unit_test(test_metric_order),
		cmocka_unit_test(test_upstream_items),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
