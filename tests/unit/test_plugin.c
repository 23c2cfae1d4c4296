/* tests/unit/test_plugin.c - resolver/plugin.c and plugin_conf.c: chain order, states, the
 * never-raise rule, waiting (resume, deadline, cancel), the plugins: section. Three fake
 * plugins (a, b, c) stand in for the compiled-in table and record what they were called
 * with. */
#include "autoconf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "check.h"
#include "config.h"
#include "dnswire.h"
#include "plugin.h"
#include "policy.h"
#include "vantaged.h"

/* ---- what the fake plugins do, set by each test ---- */

struct fake_script {
	enum plugin_state q_state;	/* on_query */
	int q_rcode, q_ede;
	enum plugin_state v_state;	/* on_verdict */
	int v_flag;			/* call env->flag first (EDE 0, "flag NAME") */
	int v_flag_rc;
	int v_wait;			/* env->wait, return WAIT */
	int v_resume_now;		/* ... and resume inside the hook */
	int v_set_ede;			/* env->set_ede(7, "ede NAME") before returning */
};

static struct fake_script script[3];
static char trace[256];
static struct plugin_wait *waiting;
static const struct plugin_env *env_seen;
static int cancelled;
static char answer_seen[128];
static uint64_t latency_seen;
static int rcode_seen;

static int
idx_of(const struct plugin_ctx *ctx)
{
	return ctx->plugin[0] - 'a';
}

static void
note(const struct plugin_ctx *ctx, char what)
{
	size_t n = strlen(trace);

	if (n + 2 < sizeof(trace)) {
		trace[n] = what;
		trace[n + 1] = ctx->plugin[0];
		trace[n + 2] = '\0';
	}
}

static int
fake_parse(const struct plugin_env *env, struct yconf *y, const yaml_node_t *node, void **conf)
{
	static const char *const keys[] = { "x", NULL };

	*conf = strdup("conf");
	if (!yconf_is_null(node) && yconf_check_keys(y, node, "fake", keys) != 0)
		return -1;
	return 0;
}

static void
fake_conf_free(void *conf)
{
	free(conf);
}

static int
fake_init(struct plugin_ctx *ctx, const void *conf, void **inst)
{
	*inst = (void *)ctx->plugin;
	env_seen = ctx->env;
	return 0;
}

static enum plugin_state
fake_on_query(struct plugin_ctx *ctx)
{
	struct fake_script *s = &script[idx_of(ctx)];

	note(ctx, 'q');
	assert_string_equal(ctx->q->name, "www.example.test.");
	assert_string_equal(ctx->q->type, "A");
	assert_string_equal(ctx->client->addr_str, "192.0.2.7");
	if (s->q_ede >= 0)
		ctx->env->set_ede(ctx, s->q_ede, "blocked here");
	if (s->q_rcode >= 0)
		ctx->env->set_rcode(ctx, s->q_rcode);
	return s->q_state;
}

static enum plugin_state
fake_on_answer(struct plugin_ctx *ctx, const struct plugin_answer *a)
{
	note(ctx, 'a');
	snprintf(answer_seen, sizeof(answer_seen), "%s %s %s %d %zu", ctx->q->name, a->source,
	    a->region ? a->region : "-", a->ok, a->len);
	return PLUGIN_PASS;
}

static void
fake_cancel(void *arg)
{
	cancelled++;
}

static enum plugin_state
fake_on_verdict(struct plugin_ctx *ctx, const struct plugin_result *r)
{
	struct fake_script *s = &script[idx_of(ctx)];
	char text[32];

	note(ctx, 'v');
	if (s->v_flag) {
		snprintf(text, sizeof(text), "flag %s", ctx->plugin);
		s->v_flag_rc = ctx->env->flag(ctx, 0, text);
	}
	if (s->v_set_ede) {
		snprintf(text, sizeof(text), "ede %s", ctx->plugin);
		ctx->env->set_ede(ctx, 7, text);
	}
	if (s->v_wait) {
		waiting = ctx->env->wait(ctx, fake_cancel, NULL);
		assert_non_null(waiting);
		if (s->v_resume_now)
			ctx->env->resume(waiting, PLUGIN_REFUSE, 9, "now");
		return PLUGIN_WAIT;
	}
	return s->v_state;
}

static void
fake_on_response(struct plugin_ctx *ctx, const struct plugin_result *r)
{
	note(ctx, 'r');
	latency_seen = r->latency_us;
	rcode_seen = r->rcode;
}

#define FAKE(letter)                                                                  \
	{ .name = letter, .api_version = PLUGIN_API_VERSION, .description = "fake " letter, \
		.config_parse = fake_parse, .config_free = fake_conf_free, .init = fake_init, \
		.on_query = fake_on_query, .on_answer = fake_on_answer,               \
		.on_verdict = fake_on_verdict, .on_response = fake_on_response }

static const struct plugin_descriptor fake_a = FAKE("a");
static const struct plugin_descriptor fake_b = FAKE("b");
static struct plugin_descriptor fake_c = FAKE("c");	/* its API version is changed below */

const struct plugin_descriptor *const plugin_table[] = { &fake_a, &fake_b, &fake_c, NULL };

/* plugin.c's ask service goes through check.c: not exercised here. */
struct check_wait *
check_start(struct check_ctx *cx, const struct dnsq *q, const struct resolve_result *local,
    check_cb cb, void *arg)
{
	return NULL;
}

void
check_cancel(struct check_wait *w)
{
}

/* ---- the world ---- */

struct world {
	struct vantaged vd;
	struct config cfg;
	struct dnsq q;
	struct netaddr peer;
	struct plugin_req pr;
	int resumed;
};

static struct plugin_config *
parse(const char *yaml, char *err, size_t errlen)
{
	struct yconf y = { 0 };
	struct plugin_config *pc = NULL;

	y.max_nodes = 0;
	if (yconf_load_buffer(&y, "t.yaml", yaml, strlen(yaml)) == 0)
		plugin_config_parse(&y, yconf_get(&y, yconf_root(&y), "plugins"), &pc);
	snprintf(err, errlen, "%s", y.err);
	yconf_free(&y);
	return pc;
}

static void
world_init(struct world *w, const char *plugins)
{
	char err[512];

	memset(w, 0, sizeof(*w));
	memset(script, 0, sizeof(script));
	for (int i = 0; i < 3; i++)
		script[i].q_rcode = script[i].q_ede = -1;
	trace[0] = '\0';
	waiting = NULL;
	cancelled = 0;
	w->cfg.consensus.timeout_ms = 30;
	w->cfg.plugins = parse(plugins, err, sizeof(err));
	assert_non_null(w->cfg.plugins);
	w->vd.cfg = &w->cfg;
	w->vd.base = event_base_new();
	assert_non_null(w->vd.base);
	assert_int_equal(plugin_init(&w->vd, err, sizeof(err)), 0);
	w->q.qname_len = (uint8_t)dnswire_name_from_str("www.example.test", w->q.qname,
	    sizeof(w->q.qname));
	w->q.qtype = DNS_TYPE_A;
	w->q.qclass = DNS_CLASS_IN;
	netaddr_parse("192.0.2.7:5353", 53, &w->peer);
	plugin_req_init(&w->pr, &w->vd, &w->q, &w->peer, 0);
}

static void
world_free(struct world *w)
{
	plugin_req_cancel(&w->pr);
	plugin_shutdown(&w->vd);
	plugin_config_free(w->cfg.plugins);
	event_base_free(w->vd.base);
}

static void
resumed_cb(struct plugin_req *pr, void *arg)
{
	((struct world *)arg)->resumed++;
}

static enum plugin_state
verdict(struct world *w, enum policy_action action, int ede, const char *text)
{
	struct policy_decision d = { .action = action, .ede = ede };
	static const uint8_t wire[DNS_HDRLEN] = { 0 };

	snprintf(d.text, sizeof(d.text), "%s", text ? text : "");
	return plugin_on_verdict(&w->pr, wire, sizeof(wire), &d, PLUGIN_O_AGREE, resumed_cb, w);
}

/* ---- tests ---- */

static void
test_table_and_version(void **state)
{
	char err[256], *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	plugin_print_version(f);
	fclose(f);
	assert_non_null(strstr(buf, "plugins (chain order, API 1):\n  1. a (API 1) - fake a\n"
				    "  2. b (API 1) - fake b\n  3. c (API 1) - fake c\n"));
	free(buf);
	assert_int_equal(plugin_check_table(err, sizeof(err)), 0);
	fake_c.api_version = PLUGIN_API_VERSION + 1;
	assert_int_equal(plugin_check_table(err, sizeof(err)), -1);
	assert_string_equal(err, "plugin c: written for plugin API 2, this vantaged offers 1");
	fake_c.api_version = PLUGIN_API_VERSION;
}

static void
test_config_section(void **state)
{
	char err[512];
	struct plugin_config *pc;

	pc = parse("plugins:\n  c: {}\n  a:\n", err, sizeof(err));
	assert_non_null(pc);
	assert_int_equal(pc->n, 3);
	assert_true(pc->slot[0].enabled);	/* `a:` with nothing: on, with defaults */
	assert_false(pc->slot[1].enabled);	/* absent: off */
	assert_true(pc->slot[2].enabled);
	plugin_config_free(pc);
	assert_null(parse("plugins:\n  a: {}\n  nope: {}\n", err, sizeof(err)));
	assert_string_equal(err, "t.yaml:3: unknown plugin 'nope' (compiled in: a, b, c)");
	assert_null(parse("plugins:\n  b:\n    x: 1\n    y: 2\n", err, sizeof(err)));
	assert_string_equal(err, "t.yaml:4: unknown key 'y' in fake");
	assert_null(parse("plugins: [a, b]\n", err, sizeof(err)));
	assert_string_equal(err, "t.yaml:1: plugins: expected a mapping of plugin names");
	pc = parse("listen: []\n", err, sizeof(err));	/* no plugins: key: every plugin off */
	assert_non_null(pc);
	assert_false(pc->slot[0].enabled || pc->slot[1].enabled || pc->slot[2].enabled);
	plugin_config_free(pc);
}

static void
test_query_order_and_states(void **state)
{
	struct world w;

	/* Chain order is the table's, not the config's; a disabled plugin is skipped. */
	world_init(&w, "plugins:\n  c: {}\n  a: {}\n");
	assert_int_equal(plugin_on_query(&w.pr), PLUGIN_PASS);
	assert_string_equal(trace, "qaqc");
	world_free(&w);

	/* REFUSE ends the chain: b answers REFUSED with its EDE; c is never asked. */
	world_init(&w, "plugins:\n  a: {}\n  b: {}\n  c: {}\n");
	script[1].q_state = PLUGIN_REFUSE;
	script[1].q_ede = 15;
	assert_int_equal(plugin_on_query(&w.pr), PLUGIN_REFUSE);
	assert_string_equal(trace, "qaqb");
	assert_int_equal(w.pr.rcode, DNS_RCODE_REFUSED);
	assert_int_equal(w.pr.ede, 15);
	assert_string_equal(w.pr.ede_text, "blocked here");
	world_free(&w);

	/* DONE answers with the RCODE the plugin set; ERROR is SERVFAIL; DROP is nothing. */
	world_init(&w, "plugins:\n  a: {}\n");
	script[0].q_state = PLUGIN_DONE;
	script[0].q_rcode = DNS_RCODE_NXDOMAIN;
	assert_int_equal(plugin_on_query(&w.pr), PLUGIN_DONE);
	assert_int_equal(w.pr.rcode, DNS_RCODE_NXDOMAIN);
	assert_int_equal(w.pr.ede, -1);
	script[0].q_state = PLUGIN_ERROR;
	assert_int_equal(plugin_on_query(&w.pr), PLUGIN_ERROR);
	assert_int_equal(w.pr.rcode, DNS_RCODE_SERVFAIL);
	script[0].q_state = PLUGIN_DROP;
	assert_int_equal(plugin_on_query(&w.pr), PLUGIN_DROP);
	/* WAIT is not allowed before the cache: it becomes an error, not a hang. */
	script[0].q_state = PLUGIN_WAIT;
	assert_int_equal(plugin_on_query(&w.pr), PLUGIN_ERROR);
	assert_int_equal(plugin_get_stats(&w.vd)->answered, 4);
	world_free(&w);
}

static void
test_lower_rule(void **state)
{
	/* rank: SERVE 3; FLAG, CONSENSUS 2 (different answers); REFUSE, SERVFAIL 1; DROP 0 */
	static const int rank[] = { 3, 2, 2, 1, 1, 0 };

	for (int cur = PLUGIN_A_SERVE; cur <= PLUGIN_A_DROP; cur++)
		for (int want = PLUGIN_A_SERVE; want <= PLUGIN_A_DROP; want++) {
			int allowed = want == cur || rank[want] < rank[cur] ||
			    (rank[want] == rank[cur] && rank[want] <= 1);
			assert_int_equal(plugin_lower((enum plugin_action)cur,
					     (enum plugin_action)want),
			    allowed ? want : cur);
		}
	assert_int_equal(plugin_lower(PLUGIN_A_REFUSE, PLUGIN_A_SERVE), PLUGIN_A_REFUSE);
	assert_int_equal(plugin_lower(PLUGIN_A_CONSENSUS, PLUGIN_A_FLAG), PLUGIN_A_CONSENSUS);
	assert_int_equal(plugin_lower(PLUGIN_A_SERVE, PLUGIN_A_FLAG), PLUGIN_A_FLAG);
}

static void
test_verdict_never_raises(void **state)
{
	struct world w;

	/* A served answer: a flags it (EDE 0 + text), b refuses it with its own EDE. */
	world_init(&w, "plugins:\n  a: {}\n  b: {}\n");
	script[0].v_flag = 1;
	script[1].v_state = PLUGIN_REFUSE;
	script[1].v_set_ede = 1;
	assert_int_equal(verdict(&w, ACTION_SERVE, -1, NULL), PLUGIN_PASS);
	assert_int_equal(script[0].v_flag_rc, 0);
	assert_int_equal(w.pr.action, PLUGIN_A_REFUSE);
	assert_int_equal(w.pr.ede, 7);
	assert_string_equal(w.pr.ede_text, "ede b");
	assert_string_equal(trace, "vavb");
	world_free(&w);

	/* An answer the consensus refused: a flag (would serve it) is refused and counted; a
	 * servfail (as withholding) is taken. */
	world_init(&w, "plugins:\n  a: {}\n  b: {}\n");
	script[0].v_flag = 1;
	script[1].v_state = PLUGIN_ERROR;
	verdict(&w, ACTION_REFUSE, 0, "vantage: 2 of 3 mirrors dissent");
	assert_int_equal(script[0].v_flag_rc, -1);
	assert_int_equal(plugin_get_stats(&w.vd)->raise_refused, 1);
	assert_int_equal(w.pr.action, PLUGIN_A_SERVFAIL);
	assert_string_equal(w.pr.ede_text, "vantage: withheld by plugin b");
	world_free(&w);

	/* The consensus answer replaces a dissenting one: flagging would serve the local
	 * answer, so it is refused; the EDE stays the daemon's. */
	world_init(&w, "plugins:\n  a: {}\n");
	script[0].v_flag = 1;
	verdict(&w, ACTION_SERVE_CONSENSUS, DNS_EDE_FORGED_ANSWER, "replaced");
	assert_int_equal(w.pr.action, PLUGIN_A_CONSENSUS);
	assert_int_equal(w.pr.ede, DNS_EDE_FORGED_ANSWER);
	assert_string_equal(w.pr.ede_text, "replaced");
	world_free(&w);

	/* A flagged answer flagged again keeps both sentences. DONE ends the chain. */
	world_init(&w, "plugins:\n  a: {}\n  b: {}\n");
	script[0].v_flag = 1;
	script[0].v_state = PLUGIN_DONE;
	script[1].v_state = PLUGIN_REFUSE;
	verdict(&w, ACTION_SERVE_FLAG, 0, "vantage: not verified");
	assert_int_equal(w.pr.action, PLUGIN_A_FLAG);
	assert_string_equal(w.pr.ede_text, "vantage: not verified; flag a");
	assert_string_equal(trace, "va");
	world_free(&w);
}

static void
test_wait_resume(void **state)
{
	struct world w;

	/* a waits; the chain stops there until resume, then b runs, then the callback. */
	world_init(&w, "plugins:\n  a: {}\n  b: {}\n");
	script[0].v_wait = 1;
	assert_int_equal(verdict(&w, ACTION_SERVE, -1, NULL), PLUGIN_WAIT);
	assert_string_equal(trace, "va");
	assert_int_equal(w.resumed, 0);
	env_seen->resume(waiting, PLUGIN_PASS, 0, "late flag");
	assert_int_equal(w.resumed, 1);
	assert_string_equal(trace, "vavb");
	assert_int_equal(w.pr.action, PLUGIN_A_FLAG);
	assert_string_equal(w.pr.ede_text, "late flag");
	assert_int_equal(cancelled, 0);
	world_free(&w);

	/* Resumed from inside the hook: no wait at all. */
	world_init(&w, "plugins:\n  a: {}\n");
	script[0].v_wait = 1;
	script[0].v_resume_now = 1;
	assert_int_equal(verdict(&w, ACTION_SERVE, -1, NULL), PLUGIN_PASS);
	assert_int_equal(w.pr.action, PLUGIN_A_REFUSE);
	assert_int_equal(w.pr.ede, 9);
	assert_string_equal(w.pr.ede_text, "now");
	assert_int_equal(w.resumed, 0);
	world_free(&w);

	/* The client goes away: the plugin's cancel runs, the callback never does. */
	world_init(&w, "plugins:\n  a: {}\n");
	script[0].v_wait = 1;
	assert_int_equal(verdict(&w, ACTION_SERVE, -1, NULL), PLUGIN_WAIT);
	plugin_req_cancel(&w.pr);
	assert_int_equal(cancelled, 1);
	assert_int_equal(w.resumed, 0);
	world_free(&w);
}

static void
test_wait_deadline(void **state)
{
	struct world w;

	/* Nobody resumes: after consensus.timeout (30 ms here) the answer goes out flagged. */
	world_init(&w, "plugins:\n  a: {}\n  b: {}\n");
	script[0].v_wait = 1;
	assert_int_equal(verdict(&w, ACTION_SERVE, -1, NULL), PLUGIN_WAIT);
	event_base_dispatch(w.vd.base);
	assert_int_equal(w.resumed, 1);
	assert_int_equal(cancelled, 1);
	assert_int_equal(w.pr.action, PLUGIN_A_FLAG);
	assert_string_equal(w.pr.ede_text, "vantage: plugin a did not finish in time");
	assert_string_equal(trace, "vavb");
	assert_int_equal(plugin_get_stats(&w.vd)->wait_timeouts, 1);
	world_free(&w);
}

static void
test_wait_plugin_stopped(void **state)
{
	struct world w;
	struct config next = { 0 };
	char err[256];

	/* A reload turns a off while a question waits on it: a's cancel runs and the question
	 * is answered, flagged, after the rest of the chain. */
	world_init(&w, "plugins:\n  a: {}\n  b: {}\n");
	script[0].v_wait = 1;
	assert_int_equal(verdict(&w, ACTION_SERVE, -1, NULL), PLUGIN_WAIT);
	next.consensus.timeout_ms = 30;
	next.plugins = parse("plugins:\n  b: {}\n", err, sizeof(err));
	plugin_reconfigure(&w.vd, &next);
	assert_int_equal(cancelled, 1);
	assert_int_equal(w.resumed, 1);
	assert_int_equal(w.pr.action, PLUGIN_A_FLAG);
	assert_string_equal(w.pr.ede_text, "vantage: plugin a was stopped");
	assert_string_equal(trace, "vavb");
	plugin_config_free(w.cfg.plugins);	/* what vantaged_reload does with the old config */
	w.cfg.plugins = next.plugins;
	w.vd.cfg = &w.cfg;
	world_free(&w);
}

static void
test_answer_and_response(void **state)
{
	struct world w;
	static const uint8_t wire[40] = { 0 };

	world_init(&w, "plugins:\n  b: {}\n");
	plugin_on_answer(&w.vd, &w.q, "m1", "eu", wire, sizeof(wire));
	assert_string_equal(answer_seen, "www.example.test. m1 eu 1 40");
	plugin_on_answer(&w.vd, &w.q, "upstream", NULL, NULL, 0);
	assert_string_equal(answer_seen, "www.example.test. upstream - 0 0");
	plugin_on_response(&w.pr, DNS_RCODE_NXDOMAIN, NULL, 0);
	assert_int_equal(rcode_seen, DNS_RCODE_NXDOMAIN);
	assert_true(latency_seen < 10000000);
	assert_string_equal(trace, "ababrb");
	world_free(&w);

	/* No plugin on: nothing runs, nothing is allocated. */
	world_init(&w, "listen: []\n");
	assert_false(plugin_active(&w.vd));
	assert_int_equal(plugin_on_query(&w.pr), PLUGIN_PASS);
	assert_int_equal(verdict(&w, ACTION_REFUSE, 0, "x"), PLUGIN_PASS);
	assert_int_equal(w.pr.action, PLUGIN_A_REFUSE);
	assert_string_equal(trace, "");
	world_free(&w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_and_version),
		cmocka_unit_test(test_config_section),
		cmocka_unit_test(test_query_order_and_states),
		cmocka_unit_test(test_lower_rule),
		cmocka_unit_test(test_verdict_never_raises),
		cmocka_unit_test(test_wait_resume),
		cmocka_unit_test(test_wait_deadline),
		cmocka_unit_test(test_wait_plugin_stopped),
		cmocka_unit_test(test_answer_and_response),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
