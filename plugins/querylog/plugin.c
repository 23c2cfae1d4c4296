/* plugins/querylog/plugin.c - one JSON line per answered question, buffered, reopened on SIGHUP. */
#include "plugin_api.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>


/* Defaults: a 64 KiB buffer holds some 300 lines; one second bounds how stale the file is. */
#define QUERYLOG_BUFFER (64 * 1024)
#define QUERYLOG_FLUSH_MS 1000
/* One line is at most this long (a 255-byte name escaped, an EDE text, the fixed fields). */
#define QUERYLOG_LINE 2048

static const char *const querylog_keys[] = { "file", "buffer", "flush", NULL };

struct querylog_conf {
	char *file;
	unsigned long buffer;		/* bytes held before a write */
	uint64_t flush_ms;		/* longest a line waits in the buffer */
};

struct querylog {
	struct plugin_ctx ctx;		/* for log calls outside hooks (the timer): env + name */
	const struct querylog_conf *conf;
	int fd;
	char *buf;
	size_t used, cap;
	struct plugin_timer *timer;
	int armed;
	int failing;			/* the last write failed: logged once, until one works */
	uint64_t lines, dropped, write_errors;
};

/* ---- configuration ---- */

static void
querylog_conf_free(void *p)
{
	struct querylog_conf *c = p;

	if (c == NULL)
		return;
	free(c->file);
	free(c);
}

static int
querylog_conf_parse(const struct plugin_env *env, struct yconf *y, const yaml_node_t *node,
    void **out)
{
	struct querylog_conf *c = calloc(1, sizeof(*c));
	yaml_node_t *v;

	*out = c;
	if (c == NULL)
		return yconf_error(y, node, "out of memory");
	c->buffer = QUERYLOG_BUFFER;
	c->flush_ms = QUERYLOG_FLUSH_MS;
	if (yconf_is_null(node))
		return yconf_error(y, node, "querylog: 'file' is required");
	if (yconf_check_keys(y, node, "querylog", querylog_keys) != 0)
		return -1;
	if ((v = yconf_get(y, node, "file")) == NULL)
		return yconf_error(y, node, "querylog: 'file' is required");
	if (yconf_str(y, v, "file", &c->file) != 0)
		return -1;
	if (c->file[0] != '/')
		return yconf_error(y, v, "file: '%s' is not an absolute path", c->file);
	if ((v = yconf_get(y, node, "buffer")) &&
	    yconf_uint(y, v, "buffer", 0, 16u << 20, &c->buffer) != 0)
		return -1;
	if ((v = yconf_get(y, node, "flush")) &&
	    yconf_duration_ms(y, v, "flush", 10, 60000, &c->flush_ms) != 0)
		return -1;
	return 0;
}

static void
querylog_conf_print(const void *p, FILE *out)
{
	const struct querylog_conf *c = p;

	fprintf(out, "    file: \"%s\"\n    buffer: %lu\n    flush: %llums\n", c->file, c->buffer,
	    (unsigned long long)c->flush_ms);
}

static void
querylog_paths(const void *p, void (*add)(void *, const char *, int), void *arg)
{
	add(arg, ((const struct querylog_conf *)p)->file, 1);
}

/* ---- the file ---- */

static int
querylog_open(const char *path)
{
	return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
}

/*
 * Write the buffer out. A failure (a full disk) is logged once and the lines are dropped
 * and counted: the log must never hold the resolver up or grow without bound.
 */
static void
querylog_flush(struct querylog *ql)
{
	size_t off = 0;

	while (off < ql->used) {
		ssize_t n = write(ql->fd, ql->buf + off, ql->used - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			size_t lost = 0;
			for (size_t i = off; i < ql->used; i++)
				lost += ql->buf[i] == '\n';
			ql->dropped += lost;
			ql->write_errors++;
			if (!ql->failing)
				ql->ctx.env->log(&ql->ctx, PLUGIN_LOG_WARN,
				    "cannot write %s: %s; dropping lines until writes work again",
				    ql->conf->file, n < 0 ? strerror(errno) : "short write");
			ql->failing = 1;
			break;
		}
		off += (size_t)n;
	}
	if (off == ql->used && ql->failing && ql->used > 0) {
		ql->ctx.env->log(&ql->ctx, PLUGIN_LOG_INFO, "writing %s again", ql->conf->file);
		ql->failing = 0;
	}
	ql->used = 0;
}

static void
querylog_timer(void *arg)
{
	struct querylog *ql = arg;

	ql->armed = 0;
	querylog_flush(ql);
}

/* ---- instance ---- */

static int
querylog_setup(struct querylog *ql, const struct querylog_conf *c)
{
	size_t cap = c->buffer + QUERYLOG_LINE;
	char *b;

	if (cap != ql->cap) {
		if ((b = realloc(ql->buf, cap)) == NULL)
			return -1;
		ql->buf = b;
		ql->cap = cap;
	}
	ql->conf = c;
	return 0;
}

static int
querylog_init(struct plugin_ctx *ctx, const void *conf, void **inst)
{
	const struct querylog_conf *c = conf;
	struct querylog *ql = calloc(1, sizeof(*ql));

	if (ql == NULL)
		return -1;
	ql->ctx = *ctx;
	ql->ctx.priv = NULL;
	if ((ql->fd = querylog_open(c->file)) < 0) {
		ctx->env->log(ctx, PLUGIN_LOG_WARN, "cannot open %s: %s", c->file, strerror(errno));
		free(ql);
		return -1;
	}
	if (querylog_setup(ql, c) != 0 || (ql->timer = ctx->env->timer_new(ctx, querylog_timer,
						ql)) == NULL) {
		close(ql->fd);
		free(ql->buf);
		free(ql);
		return -1;
	}
	ctx->env->log(ctx, PLUGIN_LOG_INFO, "writing %s", c->file);
	*inst = ql;
	return 0;
}

static void
querylog_free(void *inst)
{
	struct querylog *ql = inst;

	if (ql == NULL)
		return;
	querylog_flush(ql);
	ql->ctx.env->timer_free(ql->timer);
	close(ql->fd);
	free(ql->buf);
	free(ql);
}

/* SIGHUP: flush, then reopen the file by name (logrotate moved the old one away). */
static int
querylog_reload(struct plugin_ctx *ctx, const void *conf)
{
	struct querylog *ql = ctx->inst;
	const struct querylog_conf *c = conf;
	int fd;

	querylog_flush(ql);
	if ((fd = querylog_open(c->file)) < 0) {
		ctx->env->log(ctx, PLUGIN_LOG_WARN, "cannot open %s: %s; still writing %s", c->file,
		    strerror(errno), ql->conf->file);
		return -1;
	}
	if (querylog_setup(ql, c) != 0) {
		close(fd);
		return -1;
	}
	close(ql->fd);
	ql->fd = fd;
	ql->failing = 0;
	ctx->env->log(ctx, PLUGIN_LOG_INFO, "reopened %s", c->file);
	return 0;
}

static const char *
querylog_rcode(int rcode, char *buf, size_t cap)
{
	static const char *const names[] = { "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
		"NOTIMP", "REFUSED" };

	if (rcode < 0)
		return "DROPPED";
	if ((size_t)rcode < sizeof(names) / sizeof(names[0]))
		return names[rcode];
	snprintf(buf, cap, "RCODE%d", rcode);
	return buf;
}

static void
querylog_on_response(struct plugin_ctx *ctx, const struct plugin_result *r)
{
	static const char *const outcomes[] = { "unchecked", "agree", "dissent", "insufficient",
		"cached", "failed" };
	static const char *const actions[] = { "serve", "flag", "consensus", "refuse", "servfail",
		"drop" };
	struct querylog *ql = ctx->inst;
	char name[1100], text[700], stamp[40], rc[16];
	struct timespec ts;
	struct tm tm;
	int n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	/* Names come from the network: the daemon's one JSON rule escapes what is unusual. */
	ctx->env->json_escape(name, sizeof(name), ctx->q->name);
	ctx->env->json_escape(text, sizeof(text), r->ede_text ? r->ede_text : "");
	n = snprintf(ql->buf + ql->used, ql->cap - ql->used,
	    "{\"time\":\"%s.%03ldZ\",\"client\":\"%s\",\"proto\":\"%s\",\"qname\":\"%s\","
	    "\"qtype\":\"%s\",\"rcode\":\"%s\",\"verdict\":\"%s\",\"action\":\"%s\",",
	    stamp, ts.tv_nsec / 1000000L, ctx->client ? ctx->client->addr_str : "",
	    ctx->client && ctx->client->tcp ? "tcp" : "udp", name, ctx->q->type,
	    querylog_rcode(r->rcode, rc, sizeof(rc)), outcomes[r->outcome], actions[r->action]);
	if (n > 0 && (size_t)n < ql->cap - ql->used) {
		size_t o = ql->used + (size_t)n;
		int m;
		if (r->ede >= 0)
			m = snprintf(ql->buf + o, ql->cap - o,
			    "\"ede\":%d,\"ede_text\":\"%s\",\"latency_us\":%llu}\n", r->ede, text,
			    (unsigned long long)r->latency_us);
		else
			m = snprintf(ql->buf + o, ql->cap - o,
			    "\"ede\":null,\"ede_text\":null,\"latency_us\":%llu}\n",
			    (unsigned long long)r->latency_us);
		if (m > 0 && (size_t)m < ql->cap - o) {
			ql->used = o + (size_t)m;
			ql->lines++;
		} else
			ql->dropped++;
	} else
		ql->dropped++;
	if (ql->used >= ql->conf->buffer)
		querylog_flush(ql);
	else if (!ql->armed && ql->used > 0 &&
	    ctx->env->timer_arm(ql->timer, ql->conf->flush_ms) == 0)
		ql->armed = 1;
}

static void
querylog_metrics(struct plugin_ctx *ctx, void *out)
{
	struct querylog *ql = ctx->inst;

	ctx->env->metrics_printf(out,
	    "# HELP vantaged_plugin_querylog_lines_total Lines put in the query log.\n"
	    "# TYPE vantaged_plugin_querylog_lines_total counter\n"
	    "vantaged_plugin_querylog_lines_total %llu\n"
	    "# HELP vantaged_plugin_querylog_dropped_total Lines lost (write errors, overlong).\n"
	    "# TYPE vantaged_plugin_querylog_dropped_total counter\n"
	    "vantaged_plugin_querylog_dropped_total %llu\n"
	    "# HELP vantaged_plugin_querylog_write_errors_total Failed writes of the buffer.\n"
	    "# TYPE vantaged_plugin_querylog_write_errors_total counter\n"
	    "vantaged_plugin_querylog_write_errors_total %llu\n",
	    (unsigned long long)ql->lines, (unsigned long long)ql->dropped,
	    (unsigned long long)ql->write_errors);
}

const struct plugin_descriptor plugin_querylog = {
	.name = "querylog",
	.api_version = PLUGIN_API_VERSION,
	.description = "one JSON line per answered question, reopened on SIGHUP",
	.config_parse = querylog_conf_parse,
	.config_free = querylog_conf_free,
	.config_print = querylog_conf_print,
	.paths = querylog_paths,
	.init = querylog_init,
	.free = querylog_free,
	.reload = querylog_reload,
	.on_response = querylog_on_response,
	.metrics = querylog_metrics,
};
