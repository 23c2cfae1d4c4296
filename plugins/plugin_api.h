/* plugins/plugin_api.h - the one header a vantaged plugin includes: descriptor, hooks, services. */
#ifndef VANTAGE_PLUGIN_API_H
#define VANTAGE_PLUGIN_API_H

/*
 * A plugin is a directory plugins/NAME with plugin.c (which defines
 * `const struct plugin_descriptor plugin_NAME`), README.md and tests; plugins/PLUGINS lists
 * the chain in order. A plugin sees the daemon only through what this header gives it: the
 * services table (struct plugin_env) and the per-call context (struct plugin_ctx). It keeps
 * its state in the instance its init returns, never in globals.
 *
 * The only library a plugin uses directly is lib/yconf (the strict YAML layer), to parse its
 * own configuration subtree with file:line errors.
 *
 * Hooks, in the order of a question's life:
 *   on_query    before the cache. PASS goes on; DONE answers now with the RCODE set by
 *               env->set_rcode (NOERROR, no records, by default); REFUSE answers REFUSED;
 *               ERROR answers SERVFAIL; DROP sends nothing. Any EDE set by env->set_ede
 *               goes with the answer. The first state other than PASS ends the chain.
 *   on_answer   each answer the daemon receives for a cross-checked question: the upstream's
 *               and each mirror's. Observe only (the return value is ignored).
 *   on_verdict  before the answer goes out, for every answer (cross-checked or not). A plugin
 *               may only lower trust: env->flag (serve, with an EDE), REFUSE, ERROR
 *               (SERVFAIL) or DROP. The daemon enforces this: a request that would raise
 *               trust (serve a refused answer, flag instead of serving the mirrors'
 *               consensus answer) is ignored and counted. DONE ends the chain here. WAIT:
 *               the plugin called env->wait and resumes later with env->resume.
 *   on_response after the answer went out (or was dropped): observe (logging, metrics).
 *
 * Everything a hook is handed (the context, the question, the answer bytes) lives only during
 * the call; copy what must outlive it.
 */

/* First: the build's feature macros (POSIX and GNU functions under -std=c11). A plugin
 * includes this header before any system header. */
#include "autoconf.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include "yconf.h"

/* The version of this interface; a descriptor built for another one is refused at start. */
#define PLUGIN_API_VERSION 1

/* What a hook tells the daemon (Knot Resolver's KR_STATE_*, plus WAIT). */
enum plugin_state {
	PLUGIN_PASS = 0,	/* nothing to say: the next plugin */
	PLUGIN_DONE,		/* answered (on_query) / settled (on_verdict): the chain ends */
	PLUGIN_REFUSE,		/* REFUSED */
	PLUGIN_DROP,		/* no answer at all */
	PLUGIN_ERROR,		/* SERVFAIL */
	PLUGIN_WAIT		/* on_verdict only: env->wait was called, env->resume follows */
};

/* Log levels of env->log (the daemon's warn/info/debug, group plugin/NAME). */
enum plugin_log_level { PLUGIN_LOG_WARN, PLUGIN_LOG_INFO, PLUGIN_LOG_DEBUG };

/* How the daemon judged an answer, as on_verdict and on_response see it. */
enum plugin_outcome {
	PLUGIN_O_UNCHECKED,	/* not a cross-checked question (type, bypass, no mirrors) */
	PLUGIN_O_AGREE,		/* a quorum of mirrors corroborates it */
	PLUGIN_O_DISSENT,	/* the mirrors dissent */
	PLUGIN_O_INSUFFICIENT,	/* not enough mirrors answered */
	PLUGIN_O_CACHED,	/* a verdict from the verified cache, or served before the verdict */
	PLUGIN_O_FAILED		/* no usable answer (upstream failure, SERVFAIL) */
};

/* What the client gets, from most to least trusting. */
enum plugin_action {
	PLUGIN_A_SERVE,		/* the answer as is */
	PLUGIN_A_FLAG,		/* the answer with an EDE saying what is wrong */
	PLUGIN_A_CONSENSUS,	/* the mirrors' answer instead of the local one (EDE 4) */
	PLUGIN_A_REFUSE,	/* REFUSED + EDE */
	PLUGIN_A_SERVFAIL,	/* SERVFAIL + EDE */
	PLUGIN_A_DROP		/* nothing */
};

/* The question a call is about. */
struct plugin_question {
	const uint8_t *qname;		/* wire form, lower-cased, root label included */
	size_t qname_len;
	const char *name;		/* presentation form, "www.example.com." */
	uint16_t qtype, qclass;
	const char *type;		/* "A", "MX", "TYPE65534" */
};

/* Who asked (on_query, on_verdict, on_response; NULL in on_answer, shared by clients). */
struct plugin_client {
	const struct sockaddr *addr;
	socklen_t addrlen;
	const char *addr_str;		/* "192.0.2.1", "2001:db8::1" (no port) */
	int tcp;
};

/* One answer received (on_answer). */
struct plugin_answer {
	const char *source;		/* "upstream", or the mirror's name */
	const char *region;		/* the mirror's region; NULL for the upstream */
	int ok;				/* 0: timeout or error, wire is NULL */
	const uint8_t *wire;		/* the DNS message */
	size_t len;
};

/* The answer about to go out (on_verdict) or gone (on_response). */
struct plugin_result {
	enum plugin_outcome outcome;
	enum plugin_action action;
	int rcode;			/* on_response: the RCODE sent (-1: dropped) */
	int ede;			/* the EDE INFO-CODE, -1 for none */
	const char *ede_text;		/* "" for none */
	const uint8_t *wire;		/* the answer (no OPT record); NULL for errors */
	size_t len;
	uint64_t latency_us;		/* on_response: from arrival to reply */
};

/* One resource record, as the iterator returns it. */
struct plugin_rr {
	int section;			/* 1 answer, 2 authority, 3 additional */
	uint8_t owner[255];		/* wire form, lower-cased */
	size_t owner_len;
	uint16_t type, rclass;
	uint32_t ttl;
	const uint8_t *rdata;		/* into the message */
	size_t rdlen;
	size_t rdata_off;		/* offset of rdata in the message (for env->rdata_name) */
};

/* Iterator state over a message's records; zero-initialise, then call env->rr_next. */
struct plugin_rr_iter {
	const uint8_t *wire;
	size_t len, off;
	unsigned left[3];
	int started, failed;
};

/* The result of a question asked through env->ask. */
struct plugin_ask_result {
	enum plugin_outcome outcome;	/* AGREE/DISSENT/INSUFFICIENT/CACHED, or FAILED */
	unsigned asked, corroborated, dissented;	/* when a verdict was taken just now */
	const uint8_t *wire;		/* the local answer; NULL when FAILED */
	size_t len;
};

struct plugin_ctx;
struct plugin_wait;
struct plugin_ask;
struct plugin_env;
struct plugin_timer;

typedef void (*plugin_ask_cb)(void *arg, const struct plugin_ask_result *res);
typedef void (*plugin_cancel_cb)(void *arg);

/*
 * The context of one hook call. inst is what the plugin's init returned; q, client and the
 * hook's own argument describe the call. Pass ctx back to the env functions that take it.
 */
struct plugin_ctx {
	const struct plugin_env *env;
	void *inst;
	const char *plugin;		/* the plugin's name */
	const struct plugin_question *q;	/* NULL outside a question (metrics, reload) */
	const struct plugin_client *client;	/* NULL when no client is involved */
	void *priv;			/* the daemon's; do not touch */
};

/* The services the daemon gives every plugin (Unbound's module_env). */
struct plugin_env {
	/* Log under group plugin/NAME (NAME = ctx->plugin). */
	void (*log)(const struct plugin_ctx *ctx, enum plugin_log_level level, const char *fmt,
	    ...) __attribute__((format(printf, 3, 4)));
	/* Monotonic time (us) and wall clock (s). */
	uint64_t (*now_us)(void);
	uint64_t (*wall)(void);

	/* on_query and on_verdict: the EDE the answer carries (text copied, <= 150 bytes). */
	void (*set_ede)(struct plugin_ctx *ctx, int code, const char *text);
	/* on_query with DONE: the RCODE of the answer (e.g. 3, NXDOMAIN). */
	void (*set_rcode)(struct plugin_ctx *ctx, int rcode);
	/* on_verdict: serve the answer with an EDE (code, text) instead of plainly. Returns 0,
	 * or -1 when that would raise trust (the answer is already withheld): ignored. */
	int (*flag)(struct plugin_ctx *ctx, int code, const char *text);

	/*
	 * on_verdict: prepare to return PLUGIN_WAIT. Returns a handle for env->resume, or NULL
	 * (then do not wait). The daemon gives up after the question's deadline or when the
	 * client goes away: it calls cancel(arg) (the handle is dead from then on) and goes on
	 * with the answer flagged (EDE 0, "plugin NAME did not finish in time").
	 */
	struct plugin_wait *(*wait)(struct plugin_ctx *ctx, plugin_cancel_cb cancel, void *arg);
	/* Resume a waiting on_verdict with the state it would have returned (not WAIT), and
	 * optionally an EDE to go with REFUSE/ERROR or a flag (code < 0: none). */
	void (*resume)(struct plugin_wait *w, enum plugin_state state, int flag_ede,
	    const char *text);

	/*
	 * Ask a question of the daemon, cross-checked with the mirrors like a client's
	 * (whatever consensus.check_types says; class IN). qname: wire form. cb runs once,
	 * later, unless cancelled. Returns NULL when it cannot be asked (no mirrors, memory).
	 */
	struct plugin_ask *(*ask)(struct plugin_ctx *ctx, const uint8_t *qname, size_t qname_len,
	    uint16_t qtype, plugin_ask_cb cb, void *arg);
	/* Forget a question asked (not from inside its callback). */
	void (*ask_cancel)(struct plugin_ask *a);

	/* Records: rr_next fills rr with the next record of the message (OPT skipped);
	 * returns 1, or 0 at the end or on a malformed message (it->failed then set). */
	int (*rr_next)(struct plugin_rr_iter *it, struct plugin_rr *rr);
	/* The (possibly compressed) name at rdata offset off of rr into out (255 bytes, wire,
	 * lower-cased); returns its length, 0 if malformed. */
	size_t (*rdata_name)(const struct plugin_rr_iter *it, const struct plugin_rr *rr,
	    size_t off, uint8_t *out);
	/* Name conversions: wire to text (returns buf), text to wire (length or 0). */
	char *(*name2str)(const uint8_t *name, size_t len, char *buf, size_t cap);
	size_t (*str2name)(const char *s, uint8_t *out, size_t cap);
	/* Type name to number (0 when unknown), and number to name into buf. */
	uint16_t (*str2type)(const char *s);
	const char *(*type2str)(uint16_t type, char *buf, size_t cap);

	/* A one-shot timer on the daemon's event loop (init, reload, hooks): new gives a
	 * stopped timer, arm (re)starts it for ms milliseconds, free stops and frees it. */
	struct plugin_timer *(*timer_new)(struct plugin_ctx *ctx, void (*cb)(void *arg), void *arg);
	int (*timer_arm)(struct plugin_timer *t, uint64_t ms);
	void (*timer_free)(struct plugin_timer *t);

	/* metrics: append Prometheus text to out (the opaque argument of the metrics hook). */
	void (*metrics_printf)(void *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

	/* The body of a JSON string literal for s (no quotes) into out (cap bytes, always
	 * NUL-terminated), by the daemon's one rule (lib/json.h json_escape): ", \ and control
	 * characters escaped, valid UTF-8 raw, anything else U+FFFD; a character that does not
	 * fit whole is left out with all after it. Returns the length written. */
	size_t (*json_escape)(char *out, size_t cap, const char *s);
};

/*
 * The descriptor: what plugins/NAME/plugin.c exports as `plugin_NAME`. Every function may
 * be NULL except config_parse and config_free.
 */
struct plugin_descriptor {
	const char *name;		/* the key under plugins: and the log group plugin/NAME */
	unsigned api_version;		/* PLUGIN_API_VERSION the plugin was written for */
	const char *description;	/* one line, for vantaged -V */

	/*
	 * Parse this plugin's subtree (node: its value under plugins:, a null scalar when
	 * written as `NAME:` with nothing: test with yconf_is_null) into *conf. Reject unknown keys (yconf_check_keys) and record
	 * every error with yconf_error (file:line). env offers only the pure helpers here
	 * (names and types; no log, no questions). Returns 0, or -1 (then *conf is freed by
	 * config_free, which must accept what a failed parse left, and NULL).
	 */
	int (*config_parse)(const struct plugin_env *env, struct yconf *y, const yaml_node_t *node,
	    void **conf);
	void (*config_free)(void *conf);
	/* Print the normalised subtree (indented by four spaces) for vantaged -nv. */
	void (*config_print)(const void *conf, FILE *out);
	/*
	 * The files conf makes the daemon read after start-up (lists re-read on SIGHUP) and
	 * the files it writes (a log reopened on SIGHUP): add(arg, path, write) for each. The
	 * sandbox lets their directories through and nothing else.
	 */
	void (*paths)(const void *conf, void (*add)(void *arg, const char *path, int write),
	    void *arg);

	/*
	 * Start an instance on conf (which lives until the next reload or the end). Returns 0
	 * and *inst, or -1 after logging why (vantaged then refuses to start).
	 */
	int (*init)(struct plugin_ctx *ctx, const void *conf, void **inst);
	void (*free)(void *inst);
	/*
	 * SIGHUP: take conf (the old one is freed after this returns). Reopen files, re-read
	 * lists. Returns 0, or -1 after logging why: the instance keeps what it had.
	 */
	int (*reload)(struct plugin_ctx *ctx, const void *conf);

	enum plugin_state (*on_query)(struct plugin_ctx *ctx);
	enum plugin_state (*on_answer)(struct plugin_ctx *ctx, const struct plugin_answer *a);
	enum plugin_state (*on_verdict)(struct plugin_ctx *ctx, const struct plugin_result *r);
	void (*on_response)(struct plugin_ctx *ctx, const struct plugin_result *r);

	/* Append this plugin's metrics (vantaged_plugin_NAME_*) with env->metrics_printf. */
	void (*metrics)(struct plugin_ctx *ctx, void *out);
};

#endif
