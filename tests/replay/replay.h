/* tests/replay/replay.h - the scenario interpreter's state, shared by its files. */
#ifndef VANTAGE_REPLAY_H
#define VANTAGE_REPLAY_H

#include <stddef.h>
#include <stdint.h>

#include "check.h"
#include "check_ca.h"
#include "portal.h"
#include "stats.h"
#include "world.h"

#define REPLAY_MAX_ARGS 64
#define REPLAY_MAX_RECORDS 48	/* in one scripted answer: enough to pass 512 bytes */
#define REPLAY_MAX_QUERIES 64

/* What one client question got. */
struct replay_result {
	char label[32];
	struct dnsq q;
	struct check_wait *cw;
	int checked;			/* check_applies said yes */
	int done;			/* answered (callback, or the verified-cache fast path) */
	int fast;			/* answered by check_cached */
	int calls;			/* callbacks: must end at 1 */
	enum upstream_status status;
	struct policy_decision d;
	int has_verdict;		/* a verdict taken just now */
	enum cons_outcome outcome;
	size_t n_mirrors;
	char answer[256];		/* the served message in short (digest_summary) */
};

struct replay {
	const char *path;
	unsigned lineno;
	int in_config;
	char cfgtext[8192];
	size_t cfglen;
	char dir[64];			/* scratch: config, resolv.conf, dissent log */
	struct event_base *base;
	struct world *w;
	struct config *cfg;
	struct vcache *vc;
	struct vstats st;
	struct dissent *dl;
	struct check_ca_ctx *ca;
	struct check_ctx *cx;
	struct portal *portal;		/* the captive-portal window the checks consult */
	struct replay_clients *clients;	/* the query path and its clients (replay_client.c) */
	struct replay_result res[REPLAY_MAX_QUERIES];
	size_t n_res;
	uint64_t upstream_seen, mirrors_seen;	/* questions counted by the last "expect asked" */
	unsigned tests, failed;
};

/* One step of a story: its verb, whether it needs the world running, and what it does. */
struct replay_cmd {
	const char *verb;
	int needs_world;
	void (*run)(struct replay *rp, int argc, char **argv);
};

/* replay_bail - stop on a broken scenario (TAP "Bail out!"); never returns. */
void replay_bail(struct replay *rp, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));

/* replay_world_start / replay_world_end - the checks' context over the world, and after. */
int replay_world_start(struct replay *rp, char *err, size_t errlen);
void replay_world_end(struct replay *rp);

/* replay_steps.c: query, explain, cancel, answer/timeout/fail, given, probe. */
void replay_query(struct replay *rp, int argc, char **argv);
void replay_explain(struct replay *rp, int argc, char **argv);
void replay_cancel(struct replay *rp, int argc, char **argv);
void replay_answer(struct replay *rp, int argc, char **argv);
void replay_given(struct replay *rp, int argc, char **argv);
void replay_probe(struct replay *rp, int argc, char **argv);

/* replay_client.c: client, tcp close; the query path goes before the checks. */
void replay_client_step(struct replay *rp, int argc, char **argv);
void replay_tcp_step(struct replay *rp, int argc, char **argv);
void replay_clients_end(struct replay *rp);

/*
 * replay_reply_value - key of what client label got (expect LABEL key=value), NULL for an
 * unknown key; *known is 0 when no client has that label.
 */
const char *replay_reply_value(struct replay *rp, const char *label, const char *key,
    char *buf, size_t cap, int *known);

/* replay_expect.c: expect. */
void replay_expect(struct replay *rp, int argc, char **argv);

/* replay_name - a presentation name into q's lower-cased wire form (bails when bad). */
void replay_name(struct replay *rp, const char *name, struct dnsq *q);

/* replay_summary - wire (an answer to q) in short, as digest_summary writes it. */
void replay_summary(const struct dnsq *q, const uint8_t *wire, size_t len, char *out,
    size_t cap);

#endif
