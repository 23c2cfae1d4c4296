/* resolver/plugin_env.c - the services a plugin gets (struct plugin_env): logging, EDE, flag,
 * wait/resume, questions through the consensus, records, names, timers, metrics text. */
#include "autoconf.h"

#include <event2/buffer.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "config.h"
#include "log.h"
#include "plugin_int.h"
#include "vantaged.h"
#include "vutil.h"

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


void
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

void
plugin_raise_refused(struct plugin_chain *ch, const char *name, enum plugin_action cur,
    enum plugin_action want)
{
	ch->st.raise_refused++;
	log_debug(LOG_G_PLUGIN, "%s: asked for action %d on an answer at %d: that raises trust, "
				"ignored", name, (int)want, (int)cur);
}

int
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
	    call->pr->resume == NULL || (w = plugin_wait_new(call->ch, call->pr, call->idx)) == NULL)
		return NULL;
	w->cancel = cancel;
	w->arg = arg;
	w->in_hook = 1;
	call->pr->wait = w;
	return w;
}

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
	if ((a->cw = check_start(vd->checks, &q, NULL, plugin_ask_done, a)) == NULL) {
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

const struct plugin_env plugin_env = {
	.log = plugin_env_log,
	.now_us = plugin_env_now_us,
	.wall = wall_s,
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
