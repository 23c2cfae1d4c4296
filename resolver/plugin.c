/* resolver/plugin.c - the plugin chain: the never-raise rule, instances, the hook points. */
#include "autoconf.h"

#include <event2/buffer.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "log.h"
#include "plugin.h"
#include "plugin_int.h"
#include "policy.h"
#include "sandbox.h"
#include "vutil.h"

/* ---- the never-raise rule ---- */

/* Trust ranks: a plugin may move an answer to a lower rank only. FLAG and CONSENSUS share
 * a rank but are different answers: neither may become the other (flagging instead of
 * serving the consensus would serve the dissenting local answer). The three withholding
 * actions are interchangeable. */
static int
plugin_rank(enum plugin_action a)
{
	switch (a) {
	case PLUGIN_A_SERVE:
		return 3;
	case PLUGIN_A_FLAG:
	case PLUGIN_A_CONSENSUS:
		return 2;
	case PLUGIN_A_REFUSE:
	case PLUGIN_A_SERVFAIL:
		return 1;
	case PLUGIN_A_DROP:
		return 0;
	}
	return 0;
}

enum plugin_action
plugin_lower(enum plugin_action cur, enum plugin_action want)
{
	int rc = plugin_rank(cur), rw = plugin_rank(want);

	if (want == cur || rw < rc || (rw == rc && rw <= 1))
		return want;
	return cur;
}

static enum plugin_action
plugin_from_policy(int action)
{
	switch ((enum policy_action)action) {
	case ACTION_SERVE:
		return PLUGIN_A_SERVE;
	case ACTION_SERVE_FLAG:
		return PLUGIN_A_FLAG;
	case ACTION_SERVE_CONSENSUS:
		return PLUGIN_A_CONSENSUS;
	case ACTION_REFUSE:
		return PLUGIN_A_REFUSE;
	case ACTION_SERVFAIL:
		return PLUGIN_A_SERVFAIL;
	}
	return PLUGIN_A_SERVFAIL;
}

/* ---- instances ---- */

static void
plugin_ctx_init(struct plugin_ctx *ctx, struct plugin_call *call, struct plugin_chain *ch,
    size_t i, struct plugin_req *pr)
{
	memset(call, 0, sizeof(*call));
	call->ch = ch;
	call->pr = pr;
	call->idx = i;
	memset(ctx, 0, sizeof(*ctx));
	ctx->env = &plugin_env;
	ctx->inst = ch->in[i].inst;
	ctx->plugin = ch->in[i].d->name;
	ctx->priv = call;
	if (pr && pr->active) {
		ctx->q = &pr->q;
		ctx->client = pr->client.addr ? &pr->client : NULL;
	}
}

static int
plugin_start(struct plugin_chain *ch, size_t i, const void *conf)
{
	struct plugin_ctx ctx;
	struct plugin_call call;
	const struct plugin_descriptor *d = plugin_table[i];

	ch->in[i].d = d;
	ch->in[i].inst = NULL;
	plugin_ctx_init(&ctx, &call, ch, i, NULL);
	if (d->init && d->init(&ctx, conf, &ch->in[i].inst) != 0)
		return -1;
	ch->in[i].on = 1;
	ch->n_on++;
	log_info(LOG_G_PLUGIN, "%s: on (chain position %zu)", d->name, i + 1);
	return 0;
}

static void plugin_abandon(struct plugin_req *pr, const char *why);

static void
plugin_stop(struct plugin_chain *ch, size_t i)
{
	struct plugin_wait *w, *next;

	if (!ch->in[i].on)
		return;
	/* Questions waiting on it go on without it: its instance is about to go. (Only a
	 * wait armed on a question can be here; a plugin resumed inside its hook is not.) */
	for (w = LIST_FIRST(&ch->waits); w; w = next) {
		next = LIST_NEXT(w, link);
		if (w->idx == i && !w->in_hook) {
			plugin_abandon(w->pr, "was stopped");
			next = LIST_FIRST(&ch->waits); /* the list changed under us */
		}
	}
	if (ch->in[i].d->free)
		ch->in[i].d->free(ch->in[i].inst);
	ch->in[i].inst = NULL;
	ch->in[i].on = 0;
	ch->n_on--;
}

struct plugin_chain *
plugin_chain_new(const struct plugin_chain_env *env, char *err, size_t errlen)
{
	struct plugin_chain *ch;
	const struct plugin_config *pc = (*env->cfg)->plugins;
	size_t n = plugin_conf_table_len();

	if (plugin_conf_check_table(err, errlen) != 0)
		return NULL;
	if ((ch = calloc(1, sizeof(*ch))) == NULL ||
	    (ch->in = calloc(n + 1, sizeof(*ch->in))) == NULL) {
		free(ch);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	ch->env = *env;
	LIST_INIT(&ch->waits);
	ch->n = n;
	for (size_t i = 0; i < n; i++) {
		ch->in[i].d = plugin_table[i];
		if (pc == NULL || i >= pc->n || !pc->slot[i].enabled)
			continue;
		if (plugin_start(ch, i, pc->slot[i].conf) != 0) {
			snprintf(err, errlen, "plugin %s did not start", plugin_table[i]->name);
			plugin_chain_free(ch);
			return NULL;
		}
	}
	return ch;
}

void
plugin_reconfigure(struct plugin_chain *ch, struct config *cfg)
{
	struct plugin_config *np = cfg->plugins, *op;

	if (ch == NULL)
		return;
	op = (*ch->env.cfg)->plugins;
	for (size_t i = 0; i < ch->n; i++) {
		int want = np && i < np->n && np->slot[i].enabled;
		struct plugin_ctx ctx;
		struct plugin_call call;

		if (!want) {
			if (ch->in[i].on)
				log_info(LOG_G_PLUGIN, "%s: off", ch->in[i].d->name);
			plugin_stop(ch, i);
			continue;
		}
		if (!ch->in[i].on) {
			if (plugin_start(ch, i, np->slot[i].conf) != 0)
				log_warnx(LOG_G_PLUGIN, "%s: did not start; it stays off",
				    ch->in[i].d->name);
			continue;
		}
		plugin_ctx_init(&ctx, &call, ch, i, NULL);
		if (ch->in[i].d->reload == NULL || ch->in[i].d->reload(&ctx, np->slot[i].conf) == 0)
			continue;
		/* The instance keeps its old configuration: swap it into the new config (so it
		 * lives on) and let the old config take the rejected one away when it is freed. */
		log_warnx(LOG_G_PLUGIN, "%s: reload failed, keeping its running configuration",
		    ch->in[i].d->name);
		if (op && i < op->n && op->slot[i].enabled) {
			void *t = op->slot[i].conf;
			op->slot[i].conf = np->slot[i].conf;
			np->slot[i].conf = t;
		}
	}
}

void
plugin_chain_free(struct plugin_chain *ch)
{
	if (ch == NULL)
		return;
	for (size_t i = 0; i < ch->n; i++)
		plugin_stop(ch, i);
	for (size_t i = 0; i < ch->n_dirs; i++)
		free(ch->dirs[i]);
	free(ch->in);
	free(ch);
}

static void
plugin_add_path(void *arg, const char *path, int write)
{
	struct plugin_chain *ch = arg;
	char dir[4096];

	if (sandbox_dirname(path, dir, sizeof(dir)) == NULL)
		return;
	for (size_t i = 0; i < ch->n_dirs; i++)
		if (strcmp(ch->dirs[i], dir) == 0) {
			ch->dir_write[i] |= write;
			return;
		}
	if (ch->n_dirs == PLUGIN_MAX_DIRS || (ch->dirs[ch->n_dirs] = strdup(dir)) == NULL) {
		ch->n_lost++;
		return;
	}
	ch->dir_write[ch->n_dirs++] = write;
}

size_t
plugin_sandbox_paths(struct plugin_chain *ch, const char **read, size_t nread, const char **write,
    size_t nwrite)
{
	const struct plugin_config *pc = ch ? (*ch->env.cfg)->plugins : NULL;
	size_t lost;

	if (ch == NULL || pc == NULL)
		return 0;
	for (size_t i = 0; i < ch->n && i < pc->n; i++)
		if (ch->in[i].on && ch->in[i].d->paths)
			ch->in[i].d->paths(pc->slot[i].conf, plugin_add_path, ch);
	lost = ch->n_lost;
	for (size_t i = 0; i < ch->n_dirs; i++) {
		const char **slots = ch->dir_write[i] ? write : read;
		size_t n = ch->dir_write[i] ? nwrite : nread, k;
		for (k = 0; k < n && slots[k] != NULL; k++)
			;
		if (k == n)
			lost++;
		else
			slots[k] = ch->dirs[i];
	}
	return lost;
}

int
plugin_active(const struct plugin_chain *ch)
{
	return ch != NULL && ch->n_on > 0;
}

const struct plugin_stats *
plugin_get_stats(const struct plugin_chain *ch)
{
	static const struct plugin_stats none;

	return ch ? &ch->st : &none;
}

/* ---- the hook points ---- */

void
plugin_req_init(struct plugin_req *pr, struct plugin_chain *ch, const struct dnsq *q,
    const struct netaddr *peer, int tcp)
{
	pr->ch = ch;
	pr->active = plugin_active(ch);
	pr->wait = NULL;
	pr->deadline = NULL;
	pr->resume = NULL;
	pr->rcode = DNS_RCODE_NOERROR;
	pr->ede = -1;
	pr->ede_text[0] = '\0';
	pr->pend_ede = -1;
	pr->pend_text[0] = '\0';
	pr->outcome = PLUGIN_O_UNCHECKED;
	pr->action = PLUGIN_A_SERVE;
	if (!pr->active)
		return;
	pr->start_us = now_us();
	memcpy(pr->qname, q->qname, q->qname_len);
	pr->q.qname = pr->qname;
	pr->q.qname_len = q->qname_len;
	pr->q.name = dnswire_name2str(q->qname, q->qname_len, pr->name, sizeof(pr->name));
	pr->q.qtype = q->qtype;
	pr->q.qclass = q->qclass;
	pr->q.type = dnswire_type2str(q->qtype, pr->type, sizeof(pr->type));
	memset(&pr->client, 0, sizeof(pr->client));
	if (peer) {
		pr->client.addr = (const struct sockaddr *)&peer->ss;
		pr->client.addrlen = peer->len;
		pr->client.addr_str = netaddr_ip_str(peer, pr->addr, sizeof(pr->addr));
	} else
		pr->client.addr_str = "";
	pr->client.tcp = tcp;
}

enum plugin_state
plugin_on_query(struct plugin_req *pr)
{
	struct plugin_chain *ch = pr->ch;

	if (!pr->active)
		return PLUGIN_PASS;
	for (size_t i = 0; i < ch->n; i++) {
		struct plugin_ctx ctx;
		struct plugin_call call;
		enum plugin_state st;

		if (!ch->in[i].on || ch->in[i].d->on_query == NULL)
			continue;
		plugin_ctx_init(&ctx, &call, ch, i, pr);
		pr->pend_ede = -1;
		st = ch->in[i].d->on_query(&ctx);
		if (st == PLUGIN_PASS)
			continue;
		if (st == PLUGIN_WAIT) {
			log_warnx(LOG_G_PLUGIN, "%s: on_query cannot wait; answering SERVFAIL",
			    ch->in[i].d->name);
			st = PLUGIN_ERROR;
		}
		ch->st.answered++;
		if (pr->pend_ede >= 0)
			plugin_set_text(pr, pr->pend_ede, pr->pend_text);
		if (st == PLUGIN_REFUSE)
			pr->rcode = DNS_RCODE_REFUSED;
		else if (st == PLUGIN_ERROR)
			pr->rcode = DNS_RCODE_SERVFAIL;
		return st;
	}
	return PLUGIN_PASS;
}

void
plugin_on_answer(struct plugin_chain *ch, const struct dnsq *q, const char *source,
    const char *region, const uint8_t *wire, size_t len)
{
	struct plugin_question pq;
	struct plugin_answer a = { source, region, wire != NULL, wire, wire ? len : 0 };
	char name[DNS_MAXNAME * 4 + 1], type[16];
	int built = 0;

	if (!plugin_active(ch))
		return;
	for (size_t i = 0; i < ch->n; i++) {
		struct plugin_ctx ctx;
		struct plugin_call call;

		if (!ch->in[i].on || ch->in[i].d->on_answer == NULL)
			continue;
		if (!built) {
			pq.qname = q->qname;
			pq.qname_len = q->qname_len;
			pq.name = dnswire_name2str(q->qname, q->qname_len, name, sizeof(name));
			pq.qtype = q->qtype;
			pq.qclass = q->qclass;
			pq.type = dnswire_type2str(q->qtype, type, sizeof(type));
			built = 1;
		}
		plugin_ctx_init(&ctx, &call, ch, i, NULL);
		ctx.q = &pq;
		(void)ch->in[i].d->on_answer(&ctx, &a);
	}
}

/* Apply what one on_verdict said; returns 1 when the chain ends here. */
static int
plugin_verdict_state(struct plugin_chain *ch, struct plugin_req *pr, const char *name,
    enum plugin_state st)
{
	enum plugin_action want;

	switch (st) {
	case PLUGIN_PASS:
	case PLUGIN_WAIT:
		return 0;
	case PLUGIN_DONE:
		return 1;
	case PLUGIN_REFUSE:
		want = PLUGIN_A_REFUSE;
		break;
	case PLUGIN_ERROR:
		want = PLUGIN_A_SERVFAIL;
		break;
	case PLUGIN_DROP:
	default:
		want = PLUGIN_A_DROP;
		break;
	}
	if (plugin_lower(pr->action, want) != want) {
		plugin_raise_refused(ch, name, pr->action, want);
		return 0;
	}
	pr->action = want;
	if (pr->pend_ede >= 0)
		plugin_set_text(pr, pr->pend_ede, pr->pend_text);
	else if (want != PLUGIN_A_DROP) {
		char text[PLUGIN_EDE_TEXT];
		snprintf(text, sizeof(text), "vantage: withheld by plugin %s", name);
		plugin_set_text(pr, DNS_EDE_OTHER, text);
	}
	return 0;
}

static void
plugin_result_view(const struct plugin_req *pr, struct plugin_result *r)
{
	memset(r, 0, sizeof(*r));
	r->outcome = pr->outcome;
	r->action = pr->action;
	r->rcode = -1;
	r->ede = pr->ede;
	r->ede_text = pr->ede_text;
	r->wire = pr->wire;
	r->len = pr->len;
}

/* Run on_verdict from pr->next; PLUGIN_WAIT when a plugin waits, else PLUGIN_PASS. */
static enum plugin_state
plugin_verdict_run(struct plugin_req *pr)
{
	struct plugin_chain *ch = pr->ch;

	for (size_t i = pr->next; ch && i < ch->n; i++) {
		struct plugin_ctx ctx;
		struct plugin_call call;
		struct plugin_result r;
		struct plugin_wait *w;
		enum plugin_state st;

		if (!ch->in[i].on || ch->in[i].d->on_verdict == NULL)
			continue;
		plugin_ctx_init(&ctx, &call, ch, i, pr);
		call.verdict = 1;
		plugin_result_view(pr, &r);
		pr->pend_ede = -1;
		st = ch->in[i].d->on_verdict(&ctx, &r);
		if ((w = pr->wait) != NULL) {
			w->in_hook = 0;
			if (st != PLUGIN_WAIT || w->early) {
				/* Resumed already, or waited for nothing: no wait to arm. */
				if (st == PLUGIN_WAIT)
					st = w->early_state;
				if (w->early && w->early_ede >= 0 && st == PLUGIN_PASS)
					plugin_flag_req(ch, pr, ch->in[i].d->name, w->early_ede,
					    w->early_text);
				else if (w->early && w->early_ede >= 0) {
					pr->pend_ede = w->early_ede;
					snprintf(pr->pend_text, sizeof(pr->pend_text), "%.*s",
					    PLUGIN_EDE_TEXT, w->early_text);
				}
				/* Waited for, then returned without resuming: its work may still
				 * call resume, on a wait about to be freed. Tell it to stop. */
				if (!w->early && w->cancel != NULL)
					w->cancel(w->arg);
				pr->wait = NULL;
				plugin_wait_free(w);
			} else {
				pr->next = i + 1;
				return PLUGIN_WAIT;
			}
		} else if (st == PLUGIN_WAIT) {
			log_warnx(LOG_G_PLUGIN, "%s: returned WAIT without env->wait; ignored",
			    ch->in[i].d->name);
			st = PLUGIN_PASS;
		}
		if (plugin_verdict_state(ch, pr, ch->in[i].d->name, st))
			break;
	}
	pr->next = ch ? ch->n : 0;
	return PLUGIN_PASS;
}

static int plugin_arm(struct plugin_req *pr);

/*
 * End pr's wait without the plugin's word (the deadline passed, or the plugin is being
 * stopped): the plugin's cancel runs, the answer is flagged with why, the chain goes on
 * and the question is answered.
 */
static void
plugin_abandon(struct plugin_req *pr, const char *why)
{
	struct plugin_wait *w = pr->wait;
	struct plugin_chain *ch = pr->ch;
	const char *name = ch->in[w->idx].d->name;
	char text[PLUGIN_EDE_TEXT];

	if (pr->deadline) {
		event_free(pr->deadline);
		pr->deadline = NULL;
	}
	pr->wait = NULL;
	if (w->cancel)
		w->cancel(w->arg);
	plugin_wait_free(w);
	log_info(LOG_G_PLUGIN, "%s: %s %s: %s", name, pr->name, pr->type, why);
	snprintf(text, sizeof(text), "vantage: plugin %s %s", name, why);
	plugin_flag_req(ch, pr, name, DNS_EDE_OTHER, text);
	if (plugin_verdict_run(pr) == PLUGIN_WAIT && plugin_arm(pr) == 0)
		return;
	pr->resume(pr, pr->resume_arg);
}

static void
plugin_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct plugin_req *pr = arg;

	pr->ch->st.wait_timeouts++;
	plugin_abandon(pr, "did not finish in time");
}

/* Arm the deadline of a wait; -1 when it cannot be (the wait is then ended, the answer
 * withheld: better than serving what a plugin did not judge). */
static int
plugin_arm(struct plugin_req *pr)
{
	/* The question's budget for cross-checks: what the mirrors get for it. */
	uint64_t ms = (*pr->ch->env.cfg)->consensus.timeout_ms;
	struct timeval tv = { (time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000 };

	if ((pr->deadline = evtimer_new(pr->ch->env.base, plugin_deadline, pr)) != NULL &&
	    evtimer_add(pr->deadline, &tv) == 0)
		return 0;
	plugin_req_cancel(pr);
	pr->action = plugin_lower(pr->action, PLUGIN_A_SERVFAIL);
	return -1;
}

void
plugin_resume(struct plugin_wait *w, enum plugin_state state, int ede, const char *text)
{
	struct plugin_req *pr = w->pr;
	struct plugin_chain *ch = pr->ch;
	const char *name = ch->in[w->idx].d->name;

	if (pr->deadline) {
		event_free(pr->deadline);
		pr->deadline = NULL;
	}
	pr->wait = NULL;
	plugin_wait_free(w);
	pr->pend_ede = -1;
	if (state == PLUGIN_WAIT)
		state = PLUGIN_PASS;
	if (ede >= 0 && state == PLUGIN_PASS)
		plugin_flag_req(ch, pr, name, ede, text);
	else if (ede >= 0) {
		pr->pend_ede = ede;
		snprintf(pr->pend_text, sizeof(pr->pend_text), "%.*s", PLUGIN_EDE_TEXT,
		    text ? text : "");
	}
	if (!plugin_verdict_state(ch, pr, name, state) && plugin_verdict_run(pr) == PLUGIN_WAIT &&
	    plugin_arm(pr) == 0)
		return;
	pr->resume(pr, pr->resume_arg);
}

enum plugin_state
plugin_on_verdict(struct plugin_req *pr, const uint8_t *wire, size_t len,
    const struct policy_decision *d, enum plugin_outcome outcome,
    void (*resume)(struct plugin_req *, void *), void *arg)
{
	pr->outcome = outcome;
	pr->action = plugin_from_policy(d->action);
	if (d->ede >= 0 && d->action != ACTION_SERVE)
		plugin_set_text(pr, d->ede, d->text);
	else {
		pr->ede = -1;
		pr->ede_text[0] = '\0';
	}
	pr->wire = wire;
	pr->len = len;
	pr->next = 0;
	pr->resume = resume;
	pr->resume_arg = arg;
	if (!pr->active)
		return PLUGIN_PASS;
	if (plugin_verdict_run(pr) != PLUGIN_WAIT || plugin_arm(pr) != 0)
		return PLUGIN_PASS;
	return PLUGIN_WAIT;
}

void
plugin_on_response(struct plugin_req *pr, int rcode, const uint8_t *wire, size_t len)
{
	struct plugin_chain *ch = pr->ch;
	struct plugin_result r;

	if (!pr->active || ch == NULL)
		return;
	plugin_result_view(pr, &r);
	r.rcode = rcode;
	r.wire = wire;
	r.len = wire ? len : 0;
	r.latency_us = now_us() - pr->start_us;
	for (size_t i = 0; i < ch->n; i++) {
		struct plugin_ctx ctx;
		struct plugin_call call;

		if (!ch->in[i].on || ch->in[i].d->on_response == NULL)
			continue;
		plugin_ctx_init(&ctx, &call, ch, i, pr);
		ch->in[i].d->on_response(&ctx, &r);
	}
}

void
plugin_req_cancel(struct plugin_req *pr)
{
	struct plugin_wait *w = pr->wait;

	if (pr->deadline) {
		event_free(pr->deadline);
		pr->deadline = NULL;
	}
	if (w == NULL)
		return;
	pr->wait = NULL;
	if (w->cancel)
		w->cancel(w->arg);
	plugin_wait_free(w);
}

struct plugin_wait *
plugin_wait_new(struct plugin_chain *ch, struct plugin_req *pr, size_t idx)
{
	struct plugin_wait *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return NULL;
	w->pr = pr;
	w->idx = idx;
	LIST_INSERT_HEAD(&ch->waits, w, link);
	return w;
}

void
plugin_wait_free(struct plugin_wait *w)
{
	LIST_REMOVE(w, link);
	free(w);
}

void
plugin_metrics(struct plugin_chain *ch, struct evbuffer *out)
{
	if (ch == NULL)
		return;
	evbuffer_add_printf(out,
	    "# HELP vantaged_plugin_raise_refused_total Plugin requests ignored because they "
	    "would have raised trust.\n# TYPE vantaged_plugin_raise_refused_total counter\n"
	    "vantaged_plugin_raise_refused_total %llu\n"
	    "# HELP vantaged_plugin_wait_timeouts_total Plugin waits ended by the deadline.\n"
	    "# TYPE vantaged_plugin_wait_timeouts_total counter\n"
	    "vantaged_plugin_wait_timeouts_total %llu\n",
	    (unsigned long long)ch->st.raise_refused, (unsigned long long)ch->st.wait_timeouts);
	for (size_t i = 0; i < ch->n; i++) {
		struct plugin_ctx ctx;
		struct plugin_call call;

		if (!ch->in[i].on || ch->in[i].d->metrics == NULL)
			continue;
		plugin_ctx_init(&ctx, &call, ch, i, NULL);
		ch->in[i].d->metrics(&ctx, out);
	}
}
