/* tests/fuzz/fuzz_mirror_http.c - what vantage-mirror parses of a request (mirror/routes.c). */
#include "autoconf.h"

#include <event2/http.h>
#include <sys/queue.h>

#include <event2/keyvalq_struct.h>
#include <stdio.h>

#include "dnswire.h"
#include "fuzz.h"
#include "json.h"
#include "netaddr.h"
#include "observe.h"
#include "reports.h"
#include "routes.h"

/*
 * The input is taken, in turn, as every untrusted string routes_handle hands to a
 * pure parser: the query string of GET /dns-query (routes_dns_param, then the decoded
 * message through dnswire_parse_query as routes_dns does), a Content-Type header value
 * (routes_content_type_is), the query string of GET /v1/observe (evhttp_parse_query_str,
 * observe_name_ok, netaddr_parse, observe_addr_is_public), and the body of
 * POST /v1/report (report_parse, then the tallies of reports_record).
 */

static void
dns_param(const char *query)
{
	uint8_t *msg = malloc(ROUTES_MAX_DNS), *again;
	const char *why = NULL;
	char *b64;
	long n, m;
	struct dnsq q;

	if (msg == NULL)
		abort();
	n = routes_dns_param(query, msg, ROUTES_MAX_DNS, &why);
	if (n < 0) {
		if (why == NULL)
			abort();	/* a refusal always says why */
	} else {
		if (n > ROUTES_MAX_DNS)
			abort();
		(void)dnswire_parse_query(msg, (size_t)n, &q);
		/* What we decoded encodes back and decodes to the same bytes. */
		b64 = malloc((size_t)n / 3 * 4 + 8);
		again = malloc((size_t)n + 1);
		if (b64 == NULL || again == NULL)
			abort();
		if (base64url_encode(msg, (size_t)n, b64, (size_t)n / 3 * 4 + 8) < 0 ||
		    (m = base64url_decode(b64, strlen(b64), again, (size_t)n + 1)) != n ||
		    memcmp(msg, again, (size_t)n) != 0)
			abort();
		free(again);
		free(b64);
	}
	free(msg);
}

static void
observe_params(const char *query)
{
	struct evkeyvalq params;
	const char *name, *ip;
	struct netaddr a;

	TAILQ_INIT(&params);
	if (evhttp_parse_query_str(query, &params) == 0) {
		if ((name = evhttp_find_header(&params, "name")) != NULL)
			(void)observe_name_ok(name);
		if ((ip = evhttp_find_header(&params, "ip")) != NULL &&
		    netaddr_parse(ip, 0, &a) == 0)
			(void)observe_addr_is_public(&a);
	}
	evhttp_clear_headers(&params);
	(void)observe_name_ok(query);
}

static void
report(const uint8_t *body, size_t len)
{
	struct report *rep = malloc(sizeof(*rep));
	struct reports *tallies;
	char err[512];

	if (rep == NULL)
		abort();
	if (report_parse(body, len, rep, err, sizeof(err)) == 0) {
		if (rep->n_results == 0 || rep->n_results > REPORT_MAX_RESULTS ||
		    memchr(rep->name, '\0', sizeof(rep->name)) == NULL)
			abort();
		/* An empty tally set, never saved: the state dir does not exist. */
		if ((tallies = reports_open("/nonexistent/vantage-fuzz", err, sizeof(err))) == NULL)
			abort();
		if (reports_record(tallies, rep, 1700000000) != rep->n_results ||
		    reports_find(tallies, rep->results[0].mirror) == NULL)
			abort();
		reports_free(tallies);
	} else if (err[0] == '\0') {
		abort();	/* a rejection always says why */
	}
	free(rep);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = (char *)fuzz_dup(data, size, 1);
	uint8_t *body = fuzz_dup(data, size, 0);

	dns_param(s);
	(void)routes_content_type_is(s, "application/dns-message");
	(void)routes_content_type_is(s, "application/json");
	observe_params(s);
	report(body, size);
	free(body);
	free(s);
	return 0;
}
