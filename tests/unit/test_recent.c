/* tests/unit/test_recent.c - resolver/recent.c: bounded ring, bounded client table, history. */
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
#include <event2/event.h>

#include "check.h"
#include "policy.h"
#include "recent.h"

static struct vstats st;

/* The JSON a producer writes, NUL-terminated (free it). */
static char *
json(const struct recent *r, void (*fn)(const struct recent *, struct jw *))
{
	struct evbuffer *b = evbuffer_new();
	struct jw w;
	size_t n;
	char *s;

	jw_init(&w, b);
	fn(r, &w);
	assert_false(w.err);
	n = evbuffer_get_length(b);
	s = malloc(n + 1);
	evbuffer_remove(b, s, n);
	s[n] = '\0';
	evbuffer_free(b);
	return s;
}

static void
peer(struct netaddr *a, unsigned i)
{
	char s[32];

	snprintf(s, sizeof(s), "127.77.%u.%u", i / 250, i % 250 + 1);
	assert_int_equal(netaddr_parse(s, 53, a), 0);
}

static void
question(struct dnsq *q, const char *name)
{
	memset(q, 0, sizeof(*q));
	q->qname_len = (uint8_t)dnswire_name_from_str(name, q->qname, sizeof(q->qname));
	assert_true(q->qname_len > 0);
	q->qtype = DNS_TYPE_A;
}

/* 100 refusals keep the last 64, newest first; a served answer is not kept. */
static void
test_ring_bounded(void **state)
{
	struct event_base *base = event_base_new();
	struct recent *r = recent_new(base, &st);
	struct policy_decision refuse = { .action = ACTION_REFUSE, .ede = 0, .text = "t" };
	struct policy_decision serve = { .action = ACTION_SERVE, .ede = -1 };
	struct netaddr a;
	struct dnsq q;
	char name[64], *s;

	(void)state;
	peer(&a, 1);
	for (int i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "n%d.example.", i);
		question(&q, name);
		recent_note(r, &a, &q, &refuse, NULL);
	}
	question(&q, "served.example.");
	recent_note(r, &a, &q, &serve, NULL);
	s = json(r, recent_events_json);
	assert_non_null(strstr(s, "\"total\":100"));
	assert_true(strstr(s, "n99.example.") < strstr(s, "n36.example."));
	assert_null(strstr(s, "n35.example."));
	assert_null(strstr(s, "served.example."));
	free(s);
	recent_free(r);
	event_base_free(base);
}

/* A name carrying markup and quotes is kept as text and JSON-escaped, nothing more. */
static void
test_ring_escapes(void **state)
{
	struct event_base *base = event_base_new();
	struct recent *r = recent_new(base, &st);
	struct policy_decision flag = { .action = ACTION_SERVE_FLAG, .ede = -1 };
	struct netaddr a;
	struct dnsq q;
	char *s;

	(void)state;
	peer(&a, 2);
	question(&q, "<img/src/onerror=\"x\">.example.");
	recent_note(r, &a, &q, &flag, NULL);
	s = json(r, recent_events_json);
	assert_non_null(strstr(s, "\"name\":\"<img/src/onerror=\\\"x\\\">.example.\""));
	assert_non_null(strstr(s, "\"action\":\"flag\""));
	free(s);
	recent_free(r);
	event_base_free(base);
}

/* 600 clients: 256 kept, the busiest stays first, the rest are evicted and counted. */
static void
test_clients_bounded(void **state)
{
	struct event_base *base = event_base_new();
	struct recent *r = recent_new(base, &st);
	struct netaddr busy, a;
	char *s, *p;
	int n = 0;

	(void)state;
	peer(&busy, 1000);
	for (int i = 0; i < 50; i++)
		recent_query(r, &busy);
	for (unsigned i = 0; i < 600; i++) {
		peer(&a, i);
		recent_query(r, &a);
	}
	s = json(r, recent_clients_json);
	for (p = s; (p = strstr(p, "\"address\"")) != NULL; p++)
		n++;
	assert_int_equal(n, RECENT_CLIENTS);
	assert_non_null(strstr(s, "\"clients\":[{\"address\":\"127.77.4.1\",\"queries\":50"));
	assert_non_null(strstr(s, "\"evicted\":345"));
	free(s);
	recent_free(r);
	event_base_free(base);
}

/* The minute under way counts what the daemon's counters gained since it began. */
static void
test_history_current(void **state)
{
	struct event_base *base = event_base_new();
	struct recent *r;
	char *s;

	(void)state;
	memset(&st, 0, sizeof(st));
	st.verdict_agree = 10;
	r = recent_new(base, &st);
	st.verdict_agree = 13;
	st.verdict_dissent = 2;
	st.action_refuse = 1;
	st.action_servfail = 1;
	s = json(r, recent_history_json);
	assert_non_null(strstr(s, "\"minutes\":[]"));
	assert_non_null(strstr(s, "\"agree\":3,\"dissent\":2,\"insufficient\":0,\"cached\":0,"
				  "\"refused\":2,\"flagged\":0}"));
	free(s);
	recent_free(r);
	event_base_free(base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ring_bounded),
		cmocka_unit_test(test_ring_escapes),
		cmocka_unit_test(test_clients_bounded),
		cmocka_unit_test(test_history_current),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
