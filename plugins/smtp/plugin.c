/* plugins/smtp/plugin.c - MX answers wait for the mirrors' word on the relays' TLSA and MTA-STS. */
#include "plugin_api.h"

#include <stdlib.h>
#include <string.h>


#define SMTP_TYPE_MX 15
#define SMTP_TYPE_TXT 16
#define SMTP_TYPE_TLSA 52
/* MX hosts checked per answer at most (lowest preference first): a domain with more relays
 * gets its first few checked, and nobody can make one answer cost a hundred questions. */
#define SMTP_MAX_HOSTS 8
/* Results remembered, per MX domain (direct-mapped: a collision only costs a re-check). */
#define SMTP_CACHE_SLOTS 1024

enum smtp_on_dissent { SMTP_FLAG, SMTP_REFUSE, SMTP_SERVFAIL };
static const char *const smtp_on_dissents[] = { "flag", "refuse", "servfail", NULL };
static const char *const smtp_keys[] = { "on_dissent", "tlsa", "mta_sts", "max_hosts", "cache",
	NULL };

struct smtp_conf {
	enum smtp_on_dissent on_dissent;
	int tlsa;			/* check _25._tcp.<mx> TLSA */
	int mta_sts;			/* check _mta-sts.<domain> TXT */
	unsigned long max_hosts;
	uint64_t cache_ms;
};

/* A domain's result, remembered for cache_ms. */
struct smtp_entry {
	uint8_t domain[255];
	size_t len;
	uint64_t expire_us;
	int dissent;
	char text[120];
};

struct smtp {
	const struct smtp_conf *conf;
	struct smtp_entry *cache;
	uint64_t checks, dissents, cache_hits, unverified;
};

/* One MX answer being judged: the sub-questions in flight. */
struct smtp_job {
	struct smtp *s;
	const struct plugin_env *env;
	struct plugin_ctx lctx;		/* env + name, for logging from callbacks */
	struct plugin_wait *w;
	uint8_t domain[255];
	size_t dlen;
	size_t n, pending;
	struct smtp_sub {
		struct smtp_job *job;
		struct plugin_ask *ask;
		uint8_t qname[255];
		size_t qlen;
		uint16_t qtype;
		enum plugin_outcome outcome;
	} sub[SMTP_MAX_HOSTS + 1];
};

/* ---- configuration ---- */

static void
smtp_conf_free(void *p)
{
	free(p);
}

static int
smtp_conf_parse(const struct plugin_env *env, struct yconf *y, const yaml_node_t *node,
    void **out)
{
	struct smtp_conf *c = calloc(1, sizeof(*c));
	yaml_node_t *v;
	int idx;

	*out = c;
	if (c == NULL)
		return yconf_error(y, node, "out of memory");
	c->on_dissent = SMTP_FLAG;
	c->tlsa = c->mta_sts = 1;
	c->max_hosts = 4;
	c->cache_ms = 300000;
	if (yconf_is_null(node))
		return 0;
	if (yconf_check_keys(y, node, "smtp", smtp_keys) != 0)
		return -1;
	if ((v = yconf_get(y, node, "on_dissent"))) {
		if (yconf_enum(y, v, "on_dissent", smtp_on_dissents, &idx) != 0)
			return -1;
		c->on_dissent = (enum smtp_on_dissent)idx;
	}
	if ((v = yconf_get(y, node, "tlsa")) && yconf_bool(y, v, "tlsa", &c->tlsa) != 0)
		return -1;
	if ((v = yconf_get(y, node, "mta_sts")) && yconf_bool(y, v, "mta_sts", &c->mta_sts) != 0)
		return -1;
	if ((v = yconf_get(y, node, "max_hosts")) &&
	    yconf_uint(y, v, "max_hosts", 1, SMTP_MAX_HOSTS, &c->max_hosts) != 0)
		return -1;
	if ((v = yconf_get(y, node, "cache")) &&
	    yconf_duration_ms(y, v, "cache", 0, 86400000, &c->cache_ms) != 0)
		return -1;
	if (!c->tlsa && !c->mta_sts)
		return yconf_error(y, node, "smtp: with tlsa and mta_sts both off it checks nothing");
	return 0;
}

static void
smtp_conf_print(const void *p, FILE *out)
{
	const struct smtp_conf *c = p;

	fprintf(out, "    on_dissent: %s\n    tlsa: %s\n    mta_sts: %s\n    max_hosts: %lu\n"
		     "    cache: %llums\n",
	    smtp_on_dissents[c->on_dissent], c->tlsa ? "true" : "false",
	    c->mta_sts ? "true" : "false", c->max_hosts, (unsigned long long)c->cache_ms);
}

/* ---- the result cache ---- */

static struct smtp_entry *
smtp_slot(struct smtp *s, const uint8_t *domain, size_t len)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++)
		h = (h ^ domain[i]) * 16777619u;
	return &s->cache[h % SMTP_CACHE_SLOTS];
}

static const struct smtp_entry *
smtp_cached(struct smtp *s, const uint8_t *domain, size_t len, uint64_t now)
{
	const struct smtp_entry *e = smtp_slot(s, domain, len);

	if (e->len == len && memcmp(e->domain, domain, len) == 0 && e->expire_us > now)
		return e;
	return NULL;
}

/* ---- instance ---- */

static int
smtp_init(struct plugin_ctx *ctx, const void *conf, void **inst)
{
	struct smtp *s = calloc(1, sizeof(*s));

	if (s == NULL || (s->cache = calloc(SMTP_CACHE_SLOTS, sizeof(*s->cache))) == NULL) {
		free(s);
		return -1;
	}
	s->conf = conf;
	*inst = s;
	return 0;
}

static void
smtp_free(void *inst)
{
	struct smtp *s = inst;

	if (s == NULL)
		return;
	free(s->cache);
	free(s);
}

/* A new configuration: forget what the old one concluded (on_dissent may differ). */
static int
smtp_reload(struct plugin_ctx *ctx, const void *conf)
{
	struct smtp *s = ctx->inst;

	s->conf = conf;
	memset(s->cache, 0, SMTP_CACHE_SLOTS * sizeof(*s->cache));
	return 0;
}

/* The state and EDE text for a dissent under the configuration. */
static enum plugin_state
smtp_dissent_state(const struct smtp_conf *c)
{
	return c->on_dissent == SMTP_REFUSE ? PLUGIN_REFUSE
	    : c->on_dissent == SMTP_SERVFAIL ? PLUGIN_ERROR
					     : PLUGIN_PASS;
}

static void
smtp_job_free(struct smtp_job *job)
{
	for (size_t i = 0; i < job->n; i++)
		if (job->sub[i].ask)
			job->env->ask_cancel(job->sub[i].ask);
	free(job);
}

/* The deadline came or the client left: the daemon goes on without us. */
static void
smtp_cancel(void *arg)
{
	smtp_job_free(arg);
}

static void
smtp_conclude(struct smtp_job *job)
{
	struct smtp *s = job->s;
	struct smtp_entry *e = smtp_slot(s, job->domain, job->dlen);
	const struct smtp_sub *bad = NULL;
	char name[1100], type[16], text[120];
	size_t unverified = 0;

	for (size_t i = 0; i < job->n; i++) {
		if (job->sub[i].outcome == PLUGIN_O_DISSENT && bad == NULL)
			bad = &job->sub[i];
		if (job->sub[i].outcome == PLUGIN_O_INSUFFICIENT ||
		    job->sub[i].outcome == PLUGIN_O_FAILED)
			unverified++;
	}
	if (unverified)
		s->unverified++;
	text[0] = '\0';
	if (bad) {
		char dom[1100];
		s->dissents++;
		job->env->name2str(bad->qname, bad->qlen, name, sizeof(name));
		snprintf(text, sizeof(text), "vantage: mirrors dissent on %.80s %s (smtp)", name,
		    job->env->type2str(bad->qtype, type, sizeof(type)));
		job->env->log(&job->lctx, PLUGIN_LOG_INFO, "%s MX: %s",
		    job->env->name2str(job->domain, job->dlen, dom, sizeof(dom)), text);
	}
	/* Remember it: the next MX answer for the domain is judged without new questions. */
	if (s->conf->cache_ms) {
		memcpy(e->domain, job->domain, job->dlen);
		e->len = job->dlen;
		e->expire_us = job->env->now_us() + s->conf->cache_ms * 1000;
		e->dissent = bad != NULL;
		snprintf(e->text, sizeof(e->text), "%s", text);
	}
	/* Resuming answers the client; the handle is dead after this call. */
	if (bad)
		job->env->resume(job->w, smtp_dissent_state(s->conf), 0, text);
	else
		job->env->resume(job->w, PLUGIN_PASS, -1, NULL);
	job->w = NULL;
}

static void
smtp_answered(void *arg, const struct plugin_ask_result *r)
{
	struct smtp_sub *sub = arg;
	struct smtp_job *job = sub->job;

	sub->ask = NULL; /* freed by the daemon after this returns */
	sub->outcome = r->outcome;
	if (--job->pending > 0)
		return;
	smtp_conclude(job);
	free(job);
}

/* The MX exchanges of the answer (lowest preference first), at most max into hosts. */
static size_t
smtp_hosts(const struct plugin_env *env, const struct plugin_result *r, size_t max,
    uint8_t hosts[][255], size_t *lens)
{
	struct plugin_rr_iter it = { .wire = r->wire, .len = r->len };
	struct plugin_rr rr;
	uint16_t pref[SMTP_MAX_HOSTS];
	size_t n = 0;

	while (env->rr_next(&it, &rr)) {
		uint8_t host[255];
		size_t len, at;
		uint16_t p;

		if (rr.section != 1 || rr.type != SMTP_TYPE_MX || rr.rdlen < 3)
			continue;
		p = (uint16_t)(rr.rdata[0] << 8 | rr.rdata[1]);
		/* "MX 0 ." (RFC 7505): the domain takes no mail; nothing to check. */
		if ((len = env->rdata_name(&it, &rr, 2, host)) <= 1)
			continue;
		for (at = 0; at < n && pref[at] <= p; at++)
			;
		if (at == max)
			continue;
		if (n == max)
			n--;
		memmove(&pref[at + 1], &pref[at], (n - at) * sizeof(pref[0]));
		memmove(hosts[at + 1], hosts[at], (n - at) * sizeof(hosts[0]));
		memmove(&lens[at + 1], &lens[at], (n - at) * sizeof(lens[0]));
		pref[at] = p;
		memcpy(hosts[at], host, len);
		lens[at] = len;
		n++;
	}
	return n;
}

/* prefix + name in wire form into out (255 bytes); 0 when it would be too long. */
static size_t
smtp_prefixed(const char *l1, const char *l2, const uint8_t *name, size_t len, uint8_t *out)
{
	size_t o = 0;

	for (const char *l = l1; l; l = (l == l1 ? l2 : NULL)) {
		size_t n = strlen(l);
		if (o + 1 + n > 255)
			return 0;
		out[o++] = (uint8_t)n;
		memcpy(out + o, l, n);
		o += n;
	}
	if (o + len > 255)
		return 0;
	memcpy(out + o, name, len);
	return o + len;
}

static void
smtp_add(struct smtp_job *job, const uint8_t *qname, size_t qlen, uint16_t qtype)
{
	struct smtp_sub *sub = &job->sub[job->n];

	if (qlen == 0 || job->n == SMTP_MAX_HOSTS + 1)
		return;
	memcpy(sub->qname, qname, qlen);
	sub->qlen = qlen;
	sub->qtype = qtype;
	sub->job = job;
	job->n++;
}

/* The questions an MX answer r to q calls for, or NULL when there are none. */
static struct smtp_job *
smtp_job_new(struct smtp *s, const struct plugin_env *env, const struct plugin_question *mx,
    const struct plugin_result *r)
{
	const struct smtp_conf *c = s->conf;
	uint8_t hosts[SMTP_MAX_HOSTS][255], q[255];
	size_t lens[SMTP_MAX_HOSTS], nh = smtp_hosts(env, r, c->max_hosts, hosts, lens);
	struct smtp_job *job;

	if (nh == 0 || (job = calloc(1, sizeof(*job))) == NULL)
		return NULL;
	job->s = s;
	job->env = env;
	memcpy(job->domain, mx->qname, mx->qname_len);
	job->dlen = mx->qname_len;
	if (c->tlsa)
		for (size_t i = 0; i < nh; i++)
			smtp_add(job, q, smtp_prefixed("_25", "_tcp", hosts[i], lens[i], q),
			    SMTP_TYPE_TLSA);
	if (c->mta_sts)
		smtp_add(job, q, smtp_prefixed("_mta-sts", NULL, job->domain, job->dlen, q),
		    SMTP_TYPE_TXT);
	if (job->n == 0) {
		free(job);
		return NULL;
	}
	return job;
}

static enum plugin_state
smtp_on_verdict(struct plugin_ctx *ctx, const struct plugin_result *r)
{
	struct smtp *s = ctx->inst;
	const struct smtp_conf *c = s->conf;
	const struct plugin_env *env = ctx->env;
	const struct smtp_entry *e;
	struct smtp_job *job;
	size_t started = 0;

	/* Only MX answers that are about to be served; a withheld one needs no more doubt. */
	if (ctx->q->qtype != SMTP_TYPE_MX || r->wire == NULL ||
	    (r->action != PLUGIN_A_SERVE && r->action != PLUGIN_A_FLAG))
		return PLUGIN_PASS;
	if ((e = smtp_cached(s, ctx->q->qname, ctx->q->qname_len, env->now_us())) != NULL) {
		s->cache_hits++;
		if (!e->dissent)
			return PLUGIN_PASS;
		env->set_ede(ctx, 0, e->text);
		if (c->on_dissent == SMTP_FLAG) {
			env->flag(ctx, 0, e->text);
			return PLUGIN_PASS;
		}
		return smtp_dissent_state(c);
	}
	if ((job = smtp_job_new(s, env, ctx->q, r)) == NULL)
		return PLUGIN_PASS;
	s->checks++;
	job->pending = job->n;
	for (size_t i = 0; i < job->n; i++) {
		job->sub[i].ask = env->ask(ctx, job->sub[i].qname, job->sub[i].qlen,
		    job->sub[i].qtype, smtp_answered, &job->sub[i]);
		if (job->sub[i].ask == NULL) {
			job->sub[i].outcome = PLUGIN_O_FAILED;
			job->pending--;
		} else
			started++;
	}
	if (started == 0) {
		/* No mirrors, or a bypassed name: nothing can be cross-checked. */
		s->unverified++;
		free(job);
		return PLUGIN_PASS;
	}
	if ((job->w = env->wait(ctx, smtp_cancel, job)) == NULL) {
		smtp_job_free(job);
		return PLUGIN_PASS;
	}
	job->lctx = *ctx;		/* env and name, for logging from the callbacks */
	job->lctx.priv = NULL;
	job->lctx.q = NULL;
	job->lctx.client = NULL;
	env->log(ctx, PLUGIN_LOG_DEBUG, "%s: %zu TLSA and MTA-STS questions to the mirrors",
	    ctx->q->name, job->n);
	return PLUGIN_WAIT;
}

static void
smtp_metrics(struct plugin_ctx *ctx, void *out)
{
	struct smtp *s = ctx->inst;

	ctx->env->metrics_printf(out,
	    "# HELP vantaged_plugin_smtp_checks_total MX answers whose relays were cross-checked.\n"
	    "# TYPE vantaged_plugin_smtp_checks_total counter\n"
	    "vantaged_plugin_smtp_checks_total %llu\n"
	    "# HELP vantaged_plugin_smtp_dissents_total Checks where mirrors dissented on a TLSA "
	    "or MTA-STS record.\n"
	    "# TYPE vantaged_plugin_smtp_dissents_total counter\n"
	    "vantaged_plugin_smtp_dissents_total %llu\n"
	    "# HELP vantaged_plugin_smtp_cache_hits_total MX answers judged from a remembered "
	    "result.\n"
	    "# TYPE vantaged_plugin_smtp_cache_hits_total counter\n"
	    "vantaged_plugin_smtp_cache_hits_total %llu\n"
	    "# HELP vantaged_plugin_smtp_unverified_total Checks where some record could not be "
	    "verified (too few mirrors, failures).\n"
	    "# TYPE vantaged_plugin_smtp_unverified_total counter\n"
	    "vantaged_plugin_smtp_unverified_total %llu\n",
	    (unsigned long long)s->checks, (unsigned long long)s->dissents,
	    (unsigned long long)s->cache_hits, (unsigned long long)s->unverified);
}

const struct plugin_descriptor plugin_smtp = {
	.name = "smtp",
	.api_version = PLUGIN_API_VERSION,
	.description = "MX answers: relays' _25._tcp TLSA and the _mta-sts TXT must agree among mirrors",
	.config_parse = smtp_conf_parse,
	.config_free = smtp_conf_free,
	.config_print = smtp_conf_print,
	.init = smtp_init,
	.free = smtp_free,
	.reload = smtp_reload,
	.on_verdict = smtp_on_verdict,
	.metrics = smtp_metrics,
};
