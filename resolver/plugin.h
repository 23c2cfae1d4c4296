/* resolver/plugin.h - the plugin chain: its instances and the hook points (the plugins: section
 * and the compiled-in table are plugins/plugin_conf.h). */
#ifndef VANTAGED_PLUGIN_H
#define VANTAGED_PLUGIN_H

#include <event2/buffer.h>
#include <stddef.h>
#include <stdint.h>

#include "dnswire.h"
#include "netaddr.h"
#include "plugin_api.h"
#include "plugin_types.h"

struct config;
struct policy_decision;

/*
 * plugin_chain_new - the chain on env (copied), with the instances of the plugins the current
 * config (*env->cfg) enables started. Returns the chain to free with plugin_chain_free, or
 * NULL with err set (a descriptor is unfit, memory, or an instance failed to start; vantaged
 * stops).
 */
struct plugin_chain *plugin_chain_new(const struct plugin_chain_env *env, char *err,
    size_t errlen);

/*
 * plugin_reconfigure - SIGHUP: every running instance gets cfg's configuration (reload),
 * newly enabled plugins start, disabled ones stop. A plugin that fails keeps running on its
 * old configuration (it logs why). Call before the config slot holds cfg.
 */
void plugin_reconfigure(struct plugin_chain *ch, struct config *cfg);

/* plugin_chain_free - stop every instance (waiting questions must be gone); accepts NULL. */
void plugin_chain_free(struct plugin_chain *ch);

/* plugin_active - whether any plugin runs (ch may be NULL): the query path skips the chain
 * otherwise. */
int plugin_active(const struct plugin_chain *ch);

/*
 * plugin_req_init - prepare pr for the client question q from peer (tcp: over TCP) on chain
 * ch (may be NULL: no plugin). Cheap when no plugin runs.
 */
void plugin_req_init(struct plugin_req *pr, struct plugin_chain *ch, const struct dnsq *q,
    const struct netaddr *peer, int tcp);

/*
 * plugin_on_query - run on_query along the chain. PLUGIN_PASS: go on; DONE/REFUSE/ERROR:
 * answer with pr->rcode (set accordingly) and pr->ede/ede_text; DROP: nothing.
 */
enum plugin_state plugin_on_query(struct plugin_req *pr);

/*
 * plugin_on_answer - one answer for the cross-checked question q arrived: from the upstream
 * (region NULL) or from the mirror source in region; wire NULL when it failed. ch may be
 * NULL.
 */
void plugin_on_answer(struct plugin_chain *ch, const struct dnsq *q, const char *source,
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
size_t plugin_sandbox_paths(struct plugin_chain *ch, const char **read, size_t nread,
    const char **write, size_t nwrite);

/* plugin_metrics - the chain's counters and every running plugin's metrics text into out. */
void plugin_metrics(struct plugin_chain *ch, struct evbuffer *out);

/* plugin_get_stats - the chain's counters (all zero when ch is NULL). */
const struct plugin_stats *plugin_get_stats(const struct plugin_chain *ch);

#endif
