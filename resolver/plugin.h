/* resolver/plugin.h - the plugin chain: configuration, instances, and the hook points. */
#ifndef VANTAGED_PLUGIN_H
#define VANTAGED_PLUGIN_H

#include <event2/buffer.h>
#include <event2/event.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dnswire.h"
#include "netaddr.h"
#include "plugin_api.h"
#include "yconf.h"

struct vantaged;
struct config;
struct policy_decision;

/* The compiled-in plugins in chain order, NULL-terminated: generated from plugins/PLUGINS
 * (plugins/plugin_table.c). */
extern const struct plugin_descriptor *const plugin_table[];

/* The parsed plugins: section: one slot per plugin_table entry. */
struct plugin_config {
	size_t n;
	struct plugin_config_slot {
		int enabled;		/* the key is present */
		void *conf;		/* the plugin's parse result */
		unsigned long line;
	} *slot;
};

/*
 * plugin_config_parse - the plugins: mapping (node, NULL when absent) into *out: one key per
 * plugin name, each subtree handed to that plugin's config_parse. An unknown name is a
 * file:line error. Returns 0, or -1 after recording the error in y (*out then NULL).
 */
int plugin_config_parse(struct yconf *y, const yaml_node_t *node, struct plugin_config **out);

/* plugin_config_free - accepts NULL. */
void plugin_config_free(struct plugin_config *pc);

/* plugin_config_print - the plugins: section of vantaged -nv (nothing when none is on). */
void plugin_config_print(const struct plugin_config *pc, FILE *out);

/*
 * plugin_check_table - every descriptor is complete and speaks PLUGIN_API_VERSION, and no
 * name appears twice. Returns 0, or -1 with the first problem in err.
 */
int plugin_check_table(char *err, size_t errlen);

/* plugin_print_version - vantaged -V: the chain in order, one line per plugin. */
void plugin_print_version(FILE *out);

/*
 * One client question as the chain sees it, from on_query to on_response. It lives in the
 * daemon's struct query (or on the stack when nothing can wait), and must not move while a
 * plugin waits.
 */
struct plugin_req {
	struct vantaged *vd;
	int active;			/* the chain had plugins when the question came */
	struct plugin_question q;
	struct plugin_client client;
	char name[DNS_MAXNAME * 4 + 1];
	char type[16];
	char addr[NETADDR_STRLEN];
	uint8_t qname[DNS_MAXNAME];
	uint64_t start_us;
	/* What the answer will be. */
	int rcode;			/* on_query DONE */
	int ede;
	char ede_text[160];
	int pend_ede;			/* set by a plugin, applied when its lowering is */
	char pend_text[160];
	enum plugin_outcome outcome;
	enum plugin_action action;
	const uint8_t *wire;		/* the answer on_verdict judges; see plugin_req_rewire */
	size_t len;
	/* A waiting on_verdict. */
	size_t next;			/* the chain position to go on from */
	struct plugin_wait *wait;
	struct event *deadline;
	void (*resume)(struct plugin_req *pr, void *arg);
	void *resume_arg;
};

/*
 * plugin_init - start the instances of the plugins vd->cfg enables (vd->plugins). Returns 0,
 * or -1 with err set (an instance failed to start; vantaged stops).
 */
int plugin_init(struct vantaged *vd, char *err, size_t errlen);

/*
 * plugin_reconfigure - SIGHUP: every running instance gets cfg's configuration (reload),
 * newly enabled plugins start, disabled ones stop. A plugin that fails keeps running on its
 * old configuration (it logs why). Call before vd->cfg becomes cfg.
 */
void plugin_reconfigure(struct vantaged *vd, struct config *cfg);

/* plugin_shutdown - stop every instance (waiting questions must be gone). */
void plugin_shutdown(struct vantaged *vd);

/* plugin_active - whether any plugin runs: the query path skips the chain otherwise. */
int plugin_active(const struct vantaged *vd);

/*
 * plugin_req_init - prepare pr for the client question q from peer (tcp: over TCP).
 * Cheap when no plugin runs.
 */
void plugin_req_init(struct plugin_req *pr, struct vantaged *vd, const struct dnsq *q,
    const struct netaddr *peer, int tcp);

/*
 * plugin_on_query - run on_query along the chain. PLUGIN_PASS: go on; DONE/REFUSE/ERROR:
 * answer with pr->rcode (set accordingly) and pr->ede/ede_text; DROP: nothing.
 */
enum plugin_state plugin_on_query(struct plugin_req *pr);

/*
 * plugin_on_answer - one answer for the cross-checked question q arrived: from the upstream
 * (region NULL) or from the mirror source in region; wire NULL when it failed.
 */
void plugin_on_answer(struct vantaged *vd, const struct dnsq *q, const char *source,
    const char *region, const uint8_t *wire, size_t len);

/*
 * plugin_on_verdict - run on_verdict along the chain for the answer wire[0..len) under
 * decision d (outcome: how it was judged). On return other than PLUGIN_WAIT, pr->action,
 * pr->ede and pr->ede_text hold the (never raised) result. PLUGIN_WAIT: a plugin waits;
 * wire and pr must stay in place until resume(pr, arg) runs, once, when the chain is done
 * (never from inside this call), or until plugin_req_cancel.
 */
enum plugin_state plugin_on_verdict(struct plugin_req *pr, const uint8_t *wire, size_t len,
    const struct policy_decision *d, enum plugin_outcome outcome,
    void (*resume)(struct plugin_req *, void *), void *arg);

/*
 * plugin_on_response - the answer went out with rcode (-1: dropped); wire is what was
 * served (NULL for an error). Runs on_response along the chain.
 */
void plugin_on_response(struct plugin_req *pr, int rcode, const uint8_t *wire, size_t len);

/* plugin_req_cancel - the question is abandoned (client gone, shutdown): end any wait. */
void plugin_req_cancel(struct plugin_req *pr);

/*
 * plugin_lower - the never-raise rule: the action that results when a plugin asks for want
 * while the answer stands at cur. Returns want when it lowers trust (or equals cur), else
 * cur.
 */
enum plugin_action plugin_lower(enum plugin_action cur, enum plugin_action want);

/*
 * plugin_sandbox_paths - add the directories of the files the running plugins read and
 * write after start-up to the free slots of read and write (NULL entries; nread and nwrite
 * slots), once each; they stay valid until plugin_shutdown. Returns how many did not fit.
 */
size_t plugin_sandbox_paths(struct vantaged *vd, const char **read, size_t nread,
    const char **write, size_t nwrite);

/* plugin_metrics - the chain's counters and every running plugin's metrics text into out. */
void plugin_metrics(struct vantaged *vd, struct evbuffer *out);

/* Counters of the chain itself (metrics and tests). */
struct plugin_stats {
	uint64_t raise_refused;		/* on_verdict requests that would have raised trust */
	uint64_t wait_timeouts;		/* waits the deadline ended */
	uint64_t answered;		/* questions on_query answered or dropped */
};
const struct plugin_stats *plugin_get_stats(const struct vantaged *vd);

#endif
