/* resolver/plugin_int.h - what plugin.c (the chain) and plugin_env.c (the services) share. */
#ifndef VANTAGED_PLUGIN_INT_H
#define VANTAGED_PLUGIN_INT_H

#include <sys/queue.h>

#include "plugin_conf.h"
#include "plugin_types.h"

/* Room for one EDE text: dnswire puts it in the OPT record of every reply. */
#define PLUGIN_EDE_TEXT 150
/* Directories the sandbox must let through (plugin_sandbox_paths). */
#define PLUGIN_MAX_DIRS 16

/* One running plugin. */
struct plugin_inst {
	const struct plugin_descriptor *d;
	void *inst;
	int on;
};

struct plugin_chain {
	struct plugin_chain_env env;
	struct plugin_inst *in;		/* one per plugin_table entry, in chain order */
	size_t n, n_on;
	struct plugin_stats st;
	LIST_HEAD(, plugin_wait) waits;	/* every wait handed out and not ended */
	char *dirs[PLUGIN_MAX_DIRS];
	int dir_write[PLUGIN_MAX_DIRS];
	size_t n_dirs, n_lost;
};

/* What ctx->priv points to during a call. */
struct plugin_call {
	struct plugin_chain *ch;
	struct plugin_req *pr;		/* NULL outside a client question */
	size_t idx;
	int verdict;			/* in on_verdict: flag is allowed */
};

/* A handle of env->wait: owned by the chain, on ch->waits until it ends. */
struct plugin_wait {
	LIST_ENTRY(plugin_wait) link;	/* on ch->waits */
	struct plugin_req *pr;
	size_t idx;
	plugin_cancel_cb cancel;
	void *arg;
	int in_hook;			/* resume before the hook returned WAIT */
	int early;
	enum plugin_state early_state;
	int early_ede;
	char early_text[PLUGIN_EDE_TEXT + 1];
};

struct plugin_ask {
	struct plugin_chain *ch;
	struct check_wait *cw;
	plugin_ask_cb cb;
	void *arg;
};

/* plugin_env - the services table every plugin gets (plugin_env.c). */
extern const struct plugin_env plugin_env;

/* plugin_set_text - the answer's EDE becomes code and text (truncated). */
void plugin_set_text(struct plugin_req *pr, int code, const char *text);

/* plugin_flag_req - flag pr's answer for plugin name; 0, or -1 (would raise: counted). */
int plugin_flag_req(struct plugin_chain *ch, struct plugin_req *pr, const char *name, int code,
    const char *text);

/* plugin_raise_refused - count (and debug-log) a request that would have raised trust. */
void plugin_raise_refused(struct plugin_chain *ch, const char *name, enum plugin_action cur,
    enum plugin_action want);

/* plugin_wait_new / plugin_wait_free - a wait handle on ch->waits, and its end. */
struct plugin_wait *plugin_wait_new(struct plugin_chain *ch, struct plugin_req *pr, size_t idx);
void plugin_wait_free(struct plugin_wait *w);

/* plugin_resume - a waiting on_verdict is done (env->resume outside the hook). */
void plugin_resume(struct plugin_wait *w, enum plugin_state state, int ede, const char *text);

#endif
