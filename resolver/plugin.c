/* resolver/plugin.c - the plugin chain: instances, the services they get, the hook points. */
#include "autoconf.h"

#include <event2/buffer.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "config.h"
#include "log.h"
#include "plugin.h"
#include "policy.h"
#include "vantaged.h"
#include "vutil.h"

/* Room for one EDE text: dnswire puts it in the OPT record of every reply. */
#define PLUGIN_EDE_TEXT 150

/* One running plugin. */
struct plugin_inst {
	const struct plugin_descriptor *d;
	void *inst;
	int on;
};

/* Directories the sandbox must let through (plugin_sandbox_paths). */
#define PLUGIN_MAX_DIRS 16

struct plugin_chain {
	struct vantaged *vd;
	struct plugin_inst *in;		/* one per plugin_table entry, in chain order */
	size_t n, n_on;
	struct plugin_stats st;
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

struct plugin_wait {
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

static const struct plugin_env plugin_env;

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

/* ---- services ---- */

static void
plugin_env_log(const struct plugin_ctx *ctx, enum plugin_log_level level, const char *fmt, ...)
{
	va_list ap;
	enum log_level l = level == PLUGIN_LOG_WARN ? LOG_L_WARN
	    : level == PLUGIN_LOG_INFO		     ? LOG_L_INFO
						     : LOG_L_DEBUG;

	va_start(ap, fmt);
	log_vsub(LOG_G_PLUGIN, ctx->plugin, l, fmt, ap);
	va_end(ap);
}

static uint64_t
plugin_env_now_us(void)
{
	return now_us();
}

static uint64_t
plugin_env_wall(void)
{
	return (uint64_t)time(NULL);
}

static void
plugin_set_text(struct plugin_req *pr, int code, const char *text)
{
	pr->ede = code;
	snprintf(pr->ede_text, sizeof(pr->ede_text), "%.*s", PLUGIN_EDE_TEXT, text ? text : "");
}

/* A flag on an answer that already carries the daemon's EDE keeps both sentences. */
static void
plugin_add_text(struct plugin_req *pr, int code, const char *text)
{
	size_t o = strlen(pr->ede_text), n;

	if (pr->ede < 0 || o == 0) {
		plugin_set_text(pr, code, text);
		return;
	}
	text = text ? text : "";
	n = strlen(text);
	if (o + 2 + n >= sizeof(pr->ede_text))
		n = o + 2 < sizeof(pr->ede_text) - 1 ? sizeof(pr->ede_text) - 1 - o - 2 : 0;
	if (n == 0)
		return;
	memcpy(pr->ede_text + o, "; ", 2);
	memcpy(pr->ede_text + o + 2, text, n);
	pr->ede_text[o + 2 + n] = '\0';
}

static void
plugin_env_set_ede(struct plugin_ctx *ctx, int code, const char *text)
{
	struct plugin_call *call = ctx->priv;

	if (call->pr == NULL || code < 0 || code > 0xffff)
		return;
	/* Pending until a REFUSE/ERROR is accepted: it must not relabel an answer the plugin
	 * did not lower. */
	call->pr->pend_ede = code;
	snprintf(call->pr->pend_text, sizeof(call->pr->pend_text), "%.*s", PLUGIN_EDE_TEXT,
	    text ? text : "");
}

static void
plugin_env_set_rcode(struct plugin_ctx *ctx, int rcode)
{
	struct plugin_call *call = ctx->priv;

	if (call->pr && rcode >= 0 && rcode <= 15)
		call->pr->rcode = rcode;
}

static void
plugin_raise_refused(struct plugin_chain *ch, const char *name, enum plugin_action cur,
    enum plugin_action want)
{
	ch->st.raise_refused++;
	log_debug(LOG_G_PLUGIN, "%s: asked for action %d on an answer at %d: that raises trust, "
				"ignored", name, (int)want, (int)cur);
}

static int
plugin_flag_req(struct plugin_chain *ch, struct plugin_req *pr, const char *name, int code,
    const char *text)
{
	if (plugin_lower(pr->action, PLUGIN_A_FLAG) != PLUGIN_A_FLAG) {
		plugin_raise_refused(ch, name, pr->action, PLUGIN_A_FLAG);
		return -1;
	}
	pr->action = PLUGIN_A_FLAG;
	plugin_add_text(pr, code < 0 ? DNS_EDE_OTHER : code, text);
	return 0;
}

static int
plugin_env_flag(struct plugin_ctx *ctx, int code, const char *text)
{
	struct plugin_call *call = ctx->priv;

	if (call->pr == NULL || !call->verdict)
		return -1;
	return plugin_flag_req(call->ch, call->pr, ctx->plugin, code, text);
}

static struct plugin_wait *
plugin_env_wait(struct plugin_ctx *ctx, plugin_cancel_cb cancel, void *arg)
{
	struct plugin_call *call = ctx->priv;
	struct plugin_wait *w;

	if (call->pr == NULL || !call->verdict || call->pr->wait != NULL ||
	    call->pr->resume == NULL || (w = calloc(1, sizeof(*w))) == NULL)
		return NULL;
	w->pr = call->pr;
	w->idx = call->idx;
	w->cancel = cancel;
	w->arg = arg;
	w->in_hook = 1;
	call->pr->wait = w;
	return w;
}

static void plugin_resume(struct plugin_wait *w, enum plugin_state state, int ede,
    const char *text);

static void
plugin_env_resume(struct plugin_wait *w, enum plugin_state state, int ede, const char *text)
{
	if (w == NULL)
		return;
	if (w->in_hook) {
		w->early = 1;
		w->early_state = state;
		w->early_ede = ede;
		snprintf(w->early_text, sizeof(w->early_text), "%s", text ? text : "");
		return;
	}
	plugin_resume(w, state, ede, text);
}

/* Names under consensus.bypass never leave the machine, whoever asks. */
static int
plugin_bypassed(const struct config *cfg, const uint8_t *qname, size_t len)
{
	for (size_t i = 0; i < cfg->consensus.n_bypass; i++) {
		const struct config_zone *z = &cfg->consensus.bypass_wire[i];
		if (z->len && dnswire_name_is_sub(qname, len, z->wire, z->len))
			return 1;
	}
	return 0;
}

static void
plugin_ask_done(void *arg, const struct check_result *res)
{
	struct plugin_ask *a = arg;
	struct plugin_ask_result r = { .outcome = PLUGIN_O_FAILED };
	int rcode;

	if (res->status == UPSTREAM_OK && res->wire && res->len >= DNS_HDRLEN) {
		r.wire = res->wire;
		r.len = res->len;
		rcode = dnswire_get16(res->wire + 2) & 0xf;
		if (rcode != DNS_RCODE_NOERROR && rcode != DNS_RCODE_NXDOMAIN)
			r.outcome = PLUGIN_O_FAILED;
		else if (res->verdict == NULL)
			r.outcome = PLUGIN_O_CACHED;
		else {
			r.outcome = res->verdict->outcome == OUTCOME_AGREE ? PLUGIN_O_AGREE
			    : res->verdict->outcome == OUTCOME_DISSENT	    ? PLUGIN_O_DISSENT
									    : PLUGIN_O_INSUFFICIENT;
			r.asked = res->verdict->asked;
			r.corroborated = res->verdict->corroborated;
			r.dissented = res->verdict->dissented;
		}
	}
	a->cb(a->arg, &r);
	free(a);
}

static struct plugin_ask *
plugin_env_ask(struct plugin_ctx *ctx, const uint8_t *qname, size_t qname_len, uint16_t qtype,
    plugin_ask_cb cb, void *arg)
{
	struct plugin_call *call = ctx->priv;
	struct vantaged *vd = call->ch->vd;
	struct plugin_ask *a;
	struct dnsq q;

	if (vd->mirrors == NULL || qname_len == 0 || qname_len > DNS_MAXNAME ||
	    plugin_bypassed(vd->cfg, qname, qname_len))
		return NULL;
	memset(&q, 0, sizeof(q));
	for (size_t i = 0; i < qname_len; i++)
		q.qname[i] = (uint8_t)((qname[i] >= 'A' && qname[i] <= 'Z') ? qname[i] + 32 : qname[i]);
	q.qname_len = (uint8_t)qname_len;
	q.qtype = qtype;
	q.qclass = DNS_CLASS_IN;
	q.flags = DNS_FLAG_RD;
	q.qend = (uint16_t)(DNS_HDRLEN + qname_len + 4);
	if ((a = calloc(1, sizeof(*a))) == NULL)
		return NULL;
	a->ch = call->ch;
	a->cb = cb;
	a->arg = arg;
	if ((a->cw = check_start(vd, &q, NULL, plugin_ask_done, a)) == NULL) {
		free(a);
		return NULL;
	}
	return a;
}

static void
plugin_env_ask_cancel(struct plugin_ask *a)
{
	if (a == NULL)
		return;
	check_cancel(a->cw);
	free(a);
}

static int
plugin_env_rr_next(struct plugin_rr_iter *it, struct plugin_rr *rr)
{
	for (;;) {
		int sec;
		size_t off;

		if (it->failed)
			return 0;
		if (!it->started) {
			size_t qd;
			it->started = 1;
			if (it->wire == NULL || it->len < DNS_HDRLEN)
				goto bad;
			qd = dnswire_get16(it->wire + 4);
			it->left[0] = dnswire_get16(it->wire + 6);
			it->left[1] = dnswire_get16(it->wire + 8);
			it->left[2] = dnswire_get16(it->wire + 10);
			it->off = DNS_HDRLEN;
			for (size_t i = 0; i < qd; i++) {
				uint8_t tmp[DNS_MAXNAME];
				if (dnswire_read_name(it->wire, it->len, &it->off, tmp) == 0 ||
				    it->off + 4 > it->len)
					goto bad;
				it->off += 4;
			}
		}
		for (sec = 0; sec < 3 && it->left[sec] == 0; sec++)
			;
		if (sec == 3)
			return 0;
		it->left[sec]--;
		off = it->off;
		if ((rr->owner_len = dnswire_read_name(it->wire, it->len, &off, rr->owner)) == 0 ||
		    off + 10 > it->len)
			goto bad;
		rr->section = sec + 1;
		rr->type = dnswire_get16(it->wire + off);
		rr->rclass = dnswire_get16(it->wire + off + 2);
		rr->ttl = dnswire_get32(it->wire + off + 4);
		rr->rdlen = dnswire_get16(it->wire + off + 8);
		rr->rdata_off = off + 10;
		if (rr->rdata_off + rr->rdlen > it->len)
			goto bad;
		rr->rdata = it->wire + rr->rdata_off;
		it->off = rr->rdata_off + rr->rdlen;
		if (rr->type != DNS_TYPE_OPT)
			return 1;
	}
bad:
	it->failed = 1;
	return 0;
}

static size_t
plugin_env_rdata_name(const struct plugin_rr_iter *it, const struct plugin_rr *rr, size_t off,
    uint8_t *out)
{
	size_t pos = rr->rdata_off + off;

	if (off >= rr->rdlen)
		return 0;
	/* Within the record: a name may point back into the message, never past its rdata. */
	return dnswire_read_name(it->wire, rr->rdata_off + rr->rdlen, &pos, out);
}

static char *
plugin_env_name2str(const uint8_t *name, size_t len, char *buf, size_t cap)
{
	return dnswire_name2str(name, len, buf, cap);
}

static size_t
plugin_env_str2name(const char *s, uint8_t *out, size_t cap)
{
	return dnswire_name_from_str(s, out, cap);
}

static uint16_t
plugin_env_str2type(const char *s)
{
	return dnswire_str2type(s);
}

static const char *
plugin_env_type2str(uint16_t type, char *buf, size_t cap)
{
	return dnswire_type2str(type, buf, cap);
}

struct plugin_timer {
	struct event *ev;
	void (*cb)(void *);
	void *arg;
};

static void
plugin_timer_fire(evutil_socket_t fd, short what, void *arg)
{
	struct plugin_timer *t = arg;

	t->cb(t->arg);
}

static struct plugin_timer *
plugin_env_timer_new(struct plugin_ctx *ctx, void (*cb)(void *), void *arg)
{
	struct plugin_call *call = ctx->priv;
	struct plugin_timer *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->cb = cb;
	t->arg = arg;
	if ((t->ev = evtimer_new(call->ch->vd->base, plugin_timer_fire, t)) == NULL) {
		free(t);
		return NULL;
	}
	return t;
}

static int
plugin_env_timer_arm(struct plugin_timer *t, uint64_t ms)
{
	struct timeval tv = { (time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000 };

	return t ? evtimer_add(t->ev, &tv) : -1;
}

static void
plugin_env_timer_free(struct plugin_timer *t)
{
	if (t == NULL)
		return;
	event_free(t->ev);
	free(t);
}

static void
plugin_env_metrics_printf(void *out, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	evbuffer_add_vprintf(out, fmt, ap);
	va_end(ap);
}

static const struct plugin_env plugin_env = {
	.log = plugin_env_log,
	.now_us = plugin_env_now_us,
	.wall = plugin_env_wall,
	.set_ede = plugin_env_set_ede,
	.set_rcode = plugin_env_set_rcode,
	.flag = plugin_env_flag,
	.wait = plugin_env_wait,
	.resume = plugin_env_resume,
	.ask = plugin_env_ask,
	.ask_cancel = plugin_env_ask_cancel,
	.rr_next = plugin_env_rr_next,
	.rdata_name = plugin_env_rdata_name,
	.name2str = plugin_env_name2str,
	.str2name = plugin_env_str2name,
	.str2type = plugin_env_str2type,
	.type2str = plugin_env_type2str,
	.timer_new = plugin_env_timer_new,
	.timer_arm = plugin_env_timer_arm,
	.timer_free = plugin_env_timer_free,
	.metrics_printf = plugin_env_metrics_printf,
};

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

static void
plugin_stop(struct plugin_chain *ch, size_t i)
{
	if (!ch->in[i].on)
		return;
	if (ch->in[i].d->free)
		ch->in[i].d->free(ch->in[i].inst);
	ch->in[i].inst = NULL;
	ch->in[i].on = 0;
	ch->n_on--;
}

int
plugin_init(struct vantaged *vd, char *err, size_t errlen)
{
	struct plugin_chain *ch;
	const struct plugin_config *pc = vd->cfg->plugins;
	size_t n = 0;

	if (plugin_check_table(err, errlen) != 0)
		return -1;
	while (plugin_table[n])
		n++;
	if ((ch = calloc(1, sizeof(*ch))) == NULL ||
	    (ch->in = calloc(n + 1, sizeof(*ch->in))) == NULL) {
		free(ch);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	ch->vd = vd;
	ch->n = n;
	vd->plugins = ch;
	for (size_t i = 0; i < n; i++) {
		ch->in[i].d = plugin_table[i];
		if (pc == NULL || i >= pc->n || !pc->slot[i].enabled)
			continue;
		if (plugin_start(ch, i, pc->slot[i].conf) != 0) {
			snprintf(err, errlen, "plugin %s did not start", plugin_table[i]->name);
			plugin_shutdown(vd);
			return -1;
		}
	}
	return 0;
}

void
plugin_reconfigure(struct vantaged *vd, struct config *cfg)
{
	struct plugin_chain *ch = vd->plugins;
	struct plugin_config *np = cfg->plugins, *op = vd->cfg->plugins;

	if (ch == NULL)
		return;
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
plugin_shutdown(struct vantaged *vd)
{
	struct plugin_chain *ch = vd->plugins;

	if (ch == NULL)
		return;
	for (size_t i = 0; i < ch->n; i++)
		plugin_stop(ch, i);
	for (size_t i = 0; i < ch->n_dirs; i++)
		free(ch->dirs[i]);
	free(ch->in);
	free(ch);
	vd->plugins = NULL;
}

static void
plugin_add_path(void *arg, const char *path, int write)
{
	struct plugin_chain *ch = arg;
	const char *slash = path ? strrchr(path, '/') : NULL;
	char dir[4096];

	if (path == NULL)
		return;
	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
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
plugin_sandbox_paths(struct vantaged *vd, const char **read, size_t nread, const char **write,
    size_t nwrite)
{
	struct plugin_chain *ch = vd->plugins;
	const struct plugin_config *pc = vd->cfg->plugins;
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
plugin_active(const struct vantaged *vd)
{
	return vd->plugins != NULL && vd->plugins->n_on > 0;
}

const struct plugin_stats *
plugin_get_stats(const struct vantaged *vd)
{
	static const struct plugin_stats none;

	return vd->plugins ? &vd->plugins->st : &none;
}

/* ---- the hook points ---- */

void
plugin_req_init(struct plugin_req *pr, struct vantaged *vd, const struct dnsq *q,
    const struct netaddr *peer, int tcp)
{
	pr->vd = vd;
	pr->active = plugin_active(vd);
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
	struct plugin_chain *ch = pr->vd->plugins;

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
plugin_on_answer(struct vantaged *vd, const struct dnsq *q, const char *source,
    const char *region, const uint8_t *wire, size_t len)
{
	struct plugin_chain *ch = vd->plugins;
	struct plugin_question pq;
	struct plugin_answer a = { source, region, wire != NULL, wire, wire ? len : 0 };
	char name[DNS_MAXNAME * 4 + 1], type[16];
	int built = 0;

	if (!plugin_active(vd))
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
	struct plugin_chain *ch = pr->vd->plugins;

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
				else if (w->early && w->early_ede >= 0)
					plugin_env_set_ede(&ctx, w->early_ede, w->early_text);
				pr->wait = NULL;
				free(w);
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

static void
plugin_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct plugin_req *pr = arg;
	struct plugin_wait *w = pr->wait;
	struct plugin_chain *ch = pr->vd->plugins;
	char text[PLUGIN_EDE_TEXT];
	const char *name = ch->in[w->idx].d->name;

	event_free(pr->deadline);
	pr->deadline = NULL;
	pr->wait = NULL;
	ch->st.wait_timeouts++;
	if (w->cancel)
		w->cancel(w->arg);
	free(w);
	log_info(LOG_G_PLUGIN, "%s: %s %s: no result before the deadline", name, pr->name,
	    pr->type);
	snprintf(text, sizeof(text), "vantage: plugin %s did not finish in time", name);
	plugin_flag_req(ch, pr, name, DNS_EDE_OTHER, text);
	if (plugin_verdict_run(pr) == PLUGIN_WAIT) {
		struct timeval tv = { (time_t)(pr->vd->cfg->consensus.timeout_ms / 1000),
			(suseconds_t)(pr->vd->cfg->consensus.timeout_ms % 1000) * 1000 };
		if ((pr->deadline = evtimer_new(pr->vd->base, plugin_deadline, pr)) != NULL &&
		    evtimer_add(pr->deadline, &tv) == 0)
			return;
		plugin_req_cancel(pr);
		pr->action = plugin_lower(pr->action, PLUGIN_A_SERVFAIL);
	}
	pr->resume(pr, pr->resume_arg);
}

/* Arm the deadline of a wait; -1 when it cannot be (the wait is then ended). */
static int
plugin_arm(struct plugin_req *pr)
{
	/* The question's budget for cross-checks: what the mirrors get for it. */
	uint64_t ms = pr->vd->cfg->consensus.timeout_ms;
	struct timeval tv = { (time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000 };

	if ((pr->deadline = evtimer_new(pr->vd->base, plugin_deadline, pr)) != NULL &&
	    evtimer_add(pr->deadline, &tv) == 0)
		return 0;
	plugin_req_cancel(pr);
	return -1;
}

static void
plugin_resume(struct plugin_wait *w, enum plugin_state state, int ede, const char *text)
{
	struct plugin_req *pr = w->pr;
	struct plugin_chain *ch = pr->vd->plugins;
	const char *name = ch->in[w->idx].d->name;

	if (pr->deadline) {
		event_free(pr->deadline);
		pr->deadline = NULL;
	}
	pr->wait = NULL;
	free(w);
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
	if (!plugin_verdict_state(ch, pr, name, state) && plugin_verdict_run(pr) == PLUGIN_WAIT) {
		if (plugin_arm(pr) == 0)
			return;
		pr->action = plugin_lower(pr->action, PLUGIN_A_SERVFAIL);
	}
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
	if (plugin_verdict_run(pr) != PLUGIN_WAIT)
		return PLUGIN_PASS;
	if (plugin_arm(pr) != 0) {
		/* No timer, no wait: withhold rather than serve what a plugin did not judge. */
		pr->action = plugin_lower(pr->action, PLUGIN_A_SERVFAIL);
		return PLUGIN_PASS;
	}
	return PLUGIN_WAIT;
}

void
plugin_on_response(struct plugin_req *pr, int rcode, const uint8_t *wire, size_t len)
{
	struct plugin_chain *ch = pr->vd->plugins;
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
	free(w);
}

void
plugin_metrics(struct vantaged *vd, struct evbuffer *out)
{
	struct plugin_chain *ch = vd->plugins;

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
