/*
 * tests/replay/replay_expect.c - what the story expects: each expect line is one TAP test.
 *
 *   expect LABEL key=value...     a wire client's reply (client LABEL ...): replies=N,
 *                                 rcode=NOERROR|REFUSED|SERVFAIL|..., ede=N (-1: none),
 *                                 text~"substring", answer="127.193.215.14", ancount=N, ttl=N
 *                                 (the first answer's), tc=yes|no, opt=yes|no, do=yes|no,
 *                                 id=echo, case=echo (the question's bytes); "none" for
 *                                 any of them but replies when nothing came
 *   expect LABEL key=value...     what a check's client (query LABEL ...) got: answered=yes|no, via=now|reused|cache,
 *                                 status=ok|fail, action=serve|flag|refuse|servfail|consensus,
 *                                 outcome=agree|dissent|insufficient, answer="127.193.215.14",
 *                                 ede=N, text~"substring", mirrors=N, checked=yes|no
 *   expect asked upstream=N mirrors=N     questions sent since the last "expect asked"
 *   expect pending upstream=N mirrors=N probes=N   questions and probes still out
 *   expect stat NAME=N...                 the counters (resolver/stats.h)
 *   expect mirror NAME asked=N reports=N agreements=N dissents=N
 *   expect dissent-log lines=N contains~"substring"
 */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replay.h"

/* A key and its wanted value; op is '=' or '~' (contains). */
struct replay_want {
	char key[32];
	char op;
	const char *value;
};

static void
replay_want(struct replay *rp, const char *arg, struct replay_want *w)
{
	size_t k = strcspn(arg, "=~");

	if (arg[k] == '\0' || k >= sizeof(w->key))
		replay_bail(rp, "expected key=value or key~value, not '%s'", arg);
	memcpy(w->key, arg, k);
	w->key[k] = '\0';
	w->op = arg[k];
	w->value = arg + k + 1;
}

/* Whether got meets w; on a miss, say so into diag. */
static int
replay_match(const struct replay_want *w, const char *got, char *diag, size_t cap)
{
	int ok = w->op == '~' ? strstr(got, w->value) != NULL : strcmp(got, w->value) == 0;

	if (!ok)
		snprintf(diag, cap, "%s: wanted %s%c\"%s\", got \"%s\"", w->key, w->key, w->op,
		    w->value, got);
	return ok;
}

static const char *
replay_u64(uint64_t v, char *buf, size_t cap)
{
	snprintf(buf, cap, "%llu", (unsigned long long)v);
	return buf;
}

/* The value of key for one client's result, or NULL when the key is unknown. */
static const char *
replay_result_value(const struct replay_result *r, const char *key, char *buf, size_t cap)
{
	if (strcmp(key, "answered") == 0 || strcmp(key, "checked") == 0)
		return (key[0] == 'a' ? r->done : r->checked) ? "yes" : "no";
	if (strcmp(key, "via") == 0)
		return r->fast ? "cache" : r->has_verdict ? "now" : "reused";
	if (strcmp(key, "status") == 0)
		return r->status == UPSTREAM_OK ? "ok" : "fail";
	if (strcmp(key, "action") == 0)
		return policy_action_name(r->d.action);
	if (strcmp(key, "outcome") == 0)
		return r->has_verdict ? consensus_outcome_name(r->outcome) : "none";
	if (strcmp(key, "answer") == 0)
		return r->answer;
	if (strcmp(key, "text") == 0)
		return r->d.text;
	if (strcmp(key, "ede") == 0) {
		snprintf(buf, cap, "%d", r->d.ede);
		return buf;
	}
	if (strcmp(key, "mirrors") == 0)
		return replay_u64(r->n_mirrors, buf, cap);
	if (strcmp(key, "calls") == 0)
		return replay_u64((uint64_t)r->calls, buf, cap);
	return NULL;
}

/* The counter named key, or NULL. */
static const char *
replay_stat(const struct vstats *st, const char *key, char *buf, size_t cap)
{
	static const struct {
		const char *name;
		size_t off;
	} stats[] = {
#define REPLAY_STAT(f) { #f, offsetof(struct vstats, f) }
		REPLAY_STAT(verdict_agree), REPLAY_STAT(verdict_dissent),
		REPLAY_STAT(verdict_insufficient), REPLAY_STAT(verdict_cached),
		REPLAY_STAT(action_refuse), REPLAY_STAT(action_servfail),
		REPLAY_STAT(action_flag), REPLAY_STAT(action_consensus),
		REPLAY_STAT(ca_pair_hits), REPLAY_STAT(ca_pairs_stored),
		REPLAY_STAT(ca_changes_flagged), REPLAY_STAT(queries_udp),
		REPLAY_STAT(queries_tcp), REPLAY_STAT(answers_cache),
		REPLAY_STAT(answers_upstream), REPLAY_STAT(answers_stale), REPLAY_STAT(refused),
		REPLAY_STAT(servfail), REPLAY_STAT(truncated), REPLAY_STAT(prefetches),
		REPLAY_STAT(prefetch_agree), REPLAY_STAT(prefetch_rejected),
#undef REPLAY_STAT
	};

	for (size_t i = 0; i < sizeof(stats) / sizeof(stats[0]); i++)
		if (strcmp(stats[i].name, key) == 0)
			return replay_u64(*(const uint64_t *)((const char *)st + stats[i].off), buf,
			    cap);
	return NULL;
}

static const char *
replay_mirror_value(const struct mirror *m, const char *key, char *buf, size_t cap)
{
	if (strcmp(key, "asked") == 0)
		return replay_u64(m->asked, buf, cap);
	if (strcmp(key, "reports") == 0)
		return replay_u64(m->reports, buf, cap);
	if (strcmp(key, "agreements") == 0)
		return replay_u64(m->agreements, buf, cap);
	if (strcmp(key, "dissents") == 0)
		return replay_u64(m->dissents, buf, cap);
	return NULL;
}

/* Questions out now (pending) or sent since the last look (asked). */
static const char *
replay_traffic(struct replay *rp, int pending, const char *key, char *buf, size_t cap)
{
	uint64_t n = 0;

	if (pending && strcmp(key, "upstream") == 0) {
		struct resolve_wait *rw;
		TAILQ_FOREACH(rw, &rp->w->upstream, link)
			n++;
	} else if (pending && strcmp(key, "mirrors") == 0) {
		struct mirror_req *r;
		TAILQ_FOREACH(r, &rp->w->asked, link)
			n++;
	} else if (pending && strcmp(key, "probes") == 0) {
		struct probe *p;
		TAILQ_FOREACH(p, &rp->w->probes, link)
			n++;
	} else if (strcmp(key, "upstream") == 0)
		n = rp->w->n_upstream_asked - rp->upstream_seen;
	else if (strcmp(key, "mirrors") == 0)
		n = rp->w->n_mirrors_asked - rp->mirrors_seen;
	else
		return NULL;
	return replay_u64(n, buf, cap);
}

/* The dissent log: its line count, or the whole text (contains). */
static const char *
replay_dissent_log(struct replay *rp, const char *key, char *buf, size_t cap)
{
	char path[128];
	FILE *f;
	size_t n, lines = 0;

	snprintf(path, sizeof(path), "%s/dissent.log", rp->dir);
	buf[0] = '\0';
	if ((f = fopen(path, "r")) != NULL) {
		n = fread(buf, 1, cap - 1, f);
		buf[n] = '\0';
		fclose(f);
	}
	for (const char *p = buf; *p; p++)
		lines += *p == '\n';
	if (strcmp(key, "contains") == 0)
		return buf;
	if (strcmp(key, "lines") == 0)
		return replay_u64(lines, buf, cap);
	return NULL;
}

/* The value the subject of an expect line has for key. */
static const char *
replay_value(struct replay *rp, char **argv, const char *key, char *buf, size_t cap)
{
	const char *what = argv[1];
	struct replay_result *r = NULL;
	struct mirror *m;
	const char *v;
	int known;

	if (strcmp(what, "asked") == 0 || strcmp(what, "pending") == 0)
		return replay_traffic(rp, what[0] == 'p', key, buf, cap);
	if (strcmp(what, "stat") == 0)
		return replay_stat(&rp->st, key, buf, cap);
	if (strcmp(what, "dissent-log") == 0)
		return replay_dissent_log(rp, key, buf, cap);
	if (strcmp(what, "mirror") == 0) {
		if ((m = world_mirror(rp->w, argv[2])) == NULL)
			replay_bail(rp, "no mirror %s", argv[2]);
		return replay_mirror_value(m, key, buf, cap);
	}
	if ((v = replay_reply_value(rp, what, key, buf, cap, &known)) != NULL || known)
		return v;
	for (size_t i = 0; i < rp->n_res && r == NULL; i++)
		if (strcmp(rp->res[i].label, what) == 0)
			r = &rp->res[i];
	if (r == NULL)
		replay_bail(rp, "nothing to expect about '%s'", what);
	return replay_result_value(r, key, buf, cap);
}

void
replay_expect(struct replay *rp, int argc, char **argv)
{
	char desc[512] = "", diag[512] = "", buf[8192];
	int first = argc > 2 && strcmp(argv[1], "mirror") == 0 ? 3 : 2, ok = 1;

	if (argc <= first)
		replay_bail(rp, "expect WHAT key=value...");
	for (int i = 1; i < argc; i++)
		snprintf(desc + strlen(desc), sizeof(desc) - strlen(desc), "%s%s", i > 1 ? " " : "",
		    argv[i]);
	for (int i = first; i < argc && ok; i++) {
		struct replay_want w;
		const char *got;
		replay_want(rp, argv[i], &w);
		if ((got = replay_value(rp, argv, w.key, buf, sizeof(buf))) == NULL)
			replay_bail(rp, "unknown key '%s'", w.key);
		ok = replay_match(&w, got, diag, sizeof(diag));
	}
	if (strcmp(argv[1], "asked") == 0) {
		rp->upstream_seen = rp->w->n_upstream_asked;
		rp->mirrors_seen = rp->w->n_mirrors_asked;
	}
	rp->tests++;
	printf("%sok %u - line %u: %s\n", ok ? "" : "not ", rp->tests, rp->lineno, desc);
	if (!ok) {
		rp->failed++;
		printf("# %s\n", diag);
	}
	fflush(stdout);
}
