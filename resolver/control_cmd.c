/* resolver/control_cmd.c - the control commands that do more than call one producer. */
#include "autoconf.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "control.h"
#include "control_int.h"
#include "dnscache.h"
#include "log.h"
#include "portal.h"
#include "report.h"
#include "vcache.h"
#include "vutil.h"

/* `cache dump` lists this many entries unless asked for fewer; never more than the cap,
 * so that one answer stays a few MiB at most. */
#define CTL_DUMP_DEFAULT 1000
#define CTL_DUMP_MAX 100000

/* A pending explain is done: its answer goes out. */
static void
ctl_explained(void *arg, const char *err, struct evbuffer *fields)
{
	struct ctl_conn *cc = arg;

	cc->ex = NULL;
	ctl_conn_answer(cc, err, fields);
}

int
ctl_explain(struct ctl_conn *cc, struct jw *w, int argc, char **argv)
{
	switch (explain_start(&cc->env->src, argv[0], argc == 2 ? argv[1] : NULL, w, ctl_explained, cc,
	    &cc->ex, cc->err, sizeof(cc->err))) {
	case EXPLAIN_DONE:
		return CTL_DONE;
	case EXPLAIN_PENDING:
		return CTL_PENDING;
	default:
		return CTL_ERROR;
	}
}

void
ctl_explain_cancel(struct ctl_conn *cc)
{
	explain_cancel(cc->ex);
	cc->ex = NULL;
}

int
ctl_cache_flush(struct ctl_conn *cc, struct jw *w, int argc, char **argv)
{
	if (report_cache_flush(&cc->env->src, w, argc == 1 ? argv[0] : NULL, cc->err,
		sizeof(cc->err)) != 0)
		return CTL_ERROR;
	return CTL_DONE;
}

struct ctl_dump {
	struct vcache *vc;		/* NULL: no verified cache */
	struct jw *w;
	size_t max, shown;
	uint64_t wall;
};

static int
ctl_dump_entry(void *arg, const struct dnscache_entry_info *e)
{
	struct ctl_dump *d = arg;
	struct jw *w = d->w;
	struct vcache_info vi;
	char name[DNS_MAXNAME * 4 + 1], tb[16];

	if (d->shown == d->max)
		return 1;
	d->shown++;
	dnswire_name2str(e->qname, e->qname_len, name, sizeof(name));
	jw_open(w, NULL, '{');
	jw_str(w, "name", name);
	jw_str(w, "type", dnswire_type2str(e->qtype, tb, sizeof(tb)));
	jw_u64(w, "ttl", e->ttl);
	jw_bool(w, "negative", e->negative);
	jw_bool(w, "do", e->do_bit);
	jw_bool(w, "cd", e->cd_bit);
	jw_u64(w, "bytes", e->len);
	if (d->vc && vcache_lookup(d->vc, e->qname, e->qname_len, e->qtype, d->wall, &vi))
		jw_str(w, "verdict", consensus_outcome_name(vi.outcome));
	else
		jw_null(w, "verdict");
	jw_close(w, '}');
	return w->err;
}

int
ctl_cache_dump(struct ctl_conn *cc, struct jw *w, int argc, char **argv)
{
	const struct report_src *src = &cc->env->src;
	struct dnscache *c = resolve_cache(*src->res);
	struct dnscache_stats cs;
	struct ctl_dump d = { .vc = src->vcache(src->arg), .w = w, .max = CTL_DUMP_DEFAULT,
		.wall = wall_s() };

	if (argc == 1) {
		char *end;
		unsigned long v = strtoul(argv[0], &end, 10);
		if (*argv[0] == '\0' || *end != '\0' || v == 0 || v > CTL_DUMP_MAX) {
			snprintf(cc->err, sizeof(cc->err), "MAX must be 1 to %d", CTL_DUMP_MAX);
			return CTL_ERROR;
		}
		d.max = v;
	}
	dnscache_get_stats(c, &cs);
	jw_open(w, "entries", '[');
	dnscache_walk(c, resolve_clock(*src->res), ctl_dump_entry, &d);
	jw_close(w, ']');
	jw_u64(w, "shown", d.shown);
	jw_u64(w, "total", cs.entries);
	jw_bool(w, "truncated", d.shown < cs.entries && d.shown == d.max);
	return CTL_DONE;
}

int
ctl_reload(struct ctl_conn *cc, struct jw *w, int argc, char **argv)
{
	const struct control_env *env = cc->env;
	const struct report_src *src = &env->src;
	const struct config *before = *src->cfg;
	struct config *probe;
	char err[512];

	(void)argc;
	(void)argv;
	/*
	 * Read the file once more first, only to hand the operator the exact error: the
	 * reload itself logs it, but the person at the terminal should not need the log.
	 */
	if ((probe = config_load(src->config_path, src->resolv_conf, err, sizeof(err))) == NULL) {
		log_warnx(LOG_G_CONFIG, "reload failed, keeping the running configuration: %s", err);
		snprintf(cc->err, sizeof(cc->err), "%.500s", err);
		return CTL_ERROR;
	}
	config_free(probe);
	env->reload(env->arg);
	if (*src->cfg == before) {
		snprintf(cc->err, sizeof(cc->err),
		    "reload failed; the running configuration stays (see the log)");
		return CTL_ERROR;
	}
	jw_str(w, "config", src->config_path);
	report_upstreams(src, w);
	jw_u64(w, "mirrors", report_mirror_count(src));
	return CTL_DONE;
}

static const char *
ctl_level_name(enum log_group g)
{
	return log_enabled(g, LOG_L_DEBUG) ? "debug" : log_enabled(g, LOG_L_INFO) ? "info" : "warn";
}

int
ctl_log_level(struct ctl_conn *cc, struct jw *w, int argc, char **argv)
{
	int group = -1, level;

	if (argc == 1) {
		snprintf(cc->err, sizeof(cc->err), "usage: log level [GROUP LEVEL]");
		return CTL_ERROR;
	}
	if (argc == 2) {
		if (strcmp(argv[0], "all") != 0 && (group = log_group_by_name(argv[0])) < 0) {
			snprintf(cc->err, sizeof(cc->err), "unknown log group '%.40s' (all", argv[0]);
			for (int g = 0; g < LOG_G_COUNT; g++)
				snprintf(cc->err + strlen(cc->err), sizeof(cc->err) - strlen(cc->err),
				    ", %s", log_group_name((enum log_group)g));
			snprintf(cc->err + strlen(cc->err), sizeof(cc->err) - strlen(cc->err), ")");
			return CTL_ERROR;
		}
		if ((level = log_level_by_name(argv[1])) < 0) {
			snprintf(cc->err, sizeof(cc->err),
			    "unknown log level '%.40s' (warn, info, debug)", argv[1]);
			return CTL_ERROR;
		}
		log_set_level(group, (enum log_level)level);
		log_info(LOG_G_CTL, "log level of %s set to %s", group < 0 ? "all groups" : argv[0],
		    argv[1]);
	}
	jw_open(w, "levels", '{');
	for (int g = 0; g < LOG_G_COUNT; g++)
		jw_str(w, log_group_name((enum log_group)g), ctl_level_name((enum log_group)g));
	jw_close(w, '}');
	return CTL_DONE;
}

/*
 * `portal [MINUTES|close]`: open the captive-portal login window (default
 * PORTAL_DEFAULT_MINUTES), or close it; the answer is the portal's state afterwards.
 */
int
ctl_portal(struct ctl_conn *cc, struct jw *w, int argc, char **argv)
{
	struct portal *p = report_portal(&cc->env->src);
	unsigned long minutes = PORTAL_DEFAULT_MINUTES;
	char *end;

	if (argc == 1 && strcmp(argv[0], "close") == 0) {
		jw_bool(w, "closed", portal_close(p, now_ms()));
		portal_json(p, now_ms(), w);
		return CTL_DONE;
	}
	if (argc == 1) {
		minutes = strtoul(argv[0], &end, 10);
		if (*argv[0] < '0' || *argv[0] > '9' || *end != '\0' || minutes == 0 ||
		    minutes > PORTAL_MAX_MINUTES) {
			snprintf(cc->err, sizeof(cc->err), "MINUTES must be 1 to %d (or close)",
			    PORTAL_MAX_MINUTES);
			return CTL_ERROR;
		}
	}
	if (portal_open(p, now_ms(), (unsigned)minutes, cc->err, sizeof(cc->err)) != 0)
		return CTL_ERROR;
	portal_json(p, now_ms(), w);
	return CTL_DONE;
}
