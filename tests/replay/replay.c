/*
 * tests/replay/replay.c - runs one scenario (tests/replay/NAME.rpl) against the cross-check
 * (resolver/check.c and what it uses) in the scripted world of world.c: the scenario says
 * who asks what, what the upstream and each mirror answer and when, how the clock moves,
 * and what each client must get. Each expect line is one TAP test.
 *
 * usage: replay SCENARIO.rpl
 */
#include "autoconf.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "replay.h"

static const struct replay_cmd *replay_find(const char *verb);

/* A scenario error: the scenario is wrong, not the code under test. */
void
replay_bail(struct replay *rp, const char *fmt, ...)
{
	va_list ap;

	printf("Bail out! %s:%u: ", rp->path, rp->lineno);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (rp->dir[0] != '\0') { /* the scratch directory goes too */
		char path[128];
		snprintf(path, sizeof(path), "%s/dissent.log", rp->dir);
		unlink(path);
		rmdir(rp->dir);
	}
	exit(1);
}

/* Split line into words in place; "quoted" or 'quoted' parts keep their spaces (and the
 * other quote). Returns the count. */
static int
replay_split(char *line, char **argv, int max)
{
	int argc = 0;
	char *p = line;

	while (*p && argc < max) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0' || *p == '#')
			break;
		argv[argc++] = p;
		/* q: the quote character of the quoted part under way ('"' or '\''), or 0. */
		for (char q = 0; *p && (q || (*p != ' ' && *p != '\t')); p++)
			if ((q == 0 && (*p == '"' || *p == '\'')) || *p == q) {
				q = q ? 0 : *p;
				memmove(p, p + 1, strlen(p));
				p--;
			}
		if (*p)
			*p++ = '\0';
	}
	return argc;
}

/* Make the context the first time the story needs it: the config is complete then. */
static void
replay_start(struct replay *rp)
{
	char err[512];

	if (rp->cx != NULL)
		return;
	if (replay_world_start(rp, err, sizeof(err)) != 0)
		replay_bail(rp, "%s", err);
}

/* Run what the event loop has due (a check's kick): once per step, as the daemon would. */
static void
replay_pump(struct replay *rp)
{
	for (int i = 0; i < 4; i++)
		event_base_loop(rp->base, EVLOOP_NONBLOCK);
}

static void
replay_line(struct replay *rp, char *line)
{
	char *argv[REPLAY_MAX_ARGS];
	const struct replay_cmd *cmd;
	int argc;

	if (rp->in_config) {
		if (strcmp(line, "end") == 0) {
			rp->in_config = 0;
			return;
		}
		if (rp->cfglen + strlen(line) + 2 >= sizeof(rp->cfgtext))
			replay_bail(rp, "config too long");
		rp->cfglen += (size_t)snprintf(rp->cfgtext + rp->cfglen,
		    sizeof(rp->cfgtext) - rp->cfglen, "%s\n", line);
		return;
	}
	if ((argc = replay_split(line, argv, REPLAY_MAX_ARGS)) == 0)
		return;
	if ((cmd = replay_find(argv[0])) == NULL)
		replay_bail(rp, "unknown step '%s'", argv[0]);
	if (cmd->needs_world)
		replay_start(rp);
	cmd->run(rp, argc, argv);
	if (rp->cx != NULL)
		replay_pump(rp);
}

static void
replay_config(struct replay *rp, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	if (rp->cx != NULL)
		replay_bail(rp, "config after the story started");
	rp->in_config = 1;
}

static void
replay_mirror(struct replay *rp, int argc, char **argv)
{
	struct mirror *m;

	if (argc == 3 && strcmp(argv[2], "down") == 0) {
		if ((m = world_mirror(rp->w, argv[1])) == NULL)
			replay_bail(rp, "no mirror %s", argv[1]);
		m->down = 1;
		return;
	}
	if (argc != 3 || rp->cx != NULL)
		replay_bail(rp, "mirror NAME REGION, before the story starts");
	if (world_add_mirror(rp->w, argv[1], argv[2]) == NULL)
		replay_bail(rp, "too many mirrors");
}

static void
replay_clock(struct replay *rp, int argc, char **argv)
{
	char *end;
	double s;

	if (argc != 2 || argv[1][0] != '+' || (s = strtod(argv[1] + 1, &end)) < 0 ||
	    (*end != '\0' && strcmp(end, "s") != 0 && strcmp(end, "ms") != 0))
		replay_bail(rp, "clock +SECONDS (or +Nms)");
	world_advance(rp->w, (uint64_t)(strcmp(end, "ms") == 0 ? s : s * 1000));
}

/* forget answers: the answer cache loses everything (evicted, or a restart that kept the
 * verified cache in its state file). */
static void
replay_forget(struct replay *rp, int argc, char **argv)
{
	if (argc != 2 || strcmp(argv[1], "answers") != 0)
		replay_bail(rp, "forget answers");
	memset(rp->w->cache, 0, sizeof(rp->w->cache));
}

/* reload mirrors: a reload replaced the mirror set (same mirrors, new handles). While the
 * checks let go of the old set, no mirror is configured, as check_live.c does it. */
static void
replay_reload(struct replay *rp, int argc, char **argv)
{
	size_t n = rp->w->n_mirrors;

	if (argc != 2 || strcmp(argv[1], "mirrors") != 0)
		replay_bail(rp, "reload mirrors");
	rp->w->n_mirrors = 0;
	check_mirrors_gone(rp->cx);
	rp->w->n_mirrors = n;
}

/*
 * portal open MINUTES | portal reachable | portal close: every mirror seen unreachable and the
 * login window opened (vantagectl portal), a mirror seen reachable again, or the window
 * closed by the operator (portal.c; portal_live.c does the looking in the daemon).
 */
static void
replay_portal(struct replay *rp, int argc, char **argv)
{
	struct portal_facts f = { .now_ms = world_clock.now_ms(), .wall_s = world_clock.wall_s(),
		.mirrors = (unsigned)rp->w->n_mirrors, .why = "unreachable: replay" };
	char err[256];

	if (argc == 3 && strcmp(argv[1], "open") == 0) {
		portal_observe(rp->portal, &f);
		if (portal_open(rp->portal, f.now_ms, (unsigned)atoi(argv[2]), err, sizeof(err)) != 0)
			replay_bail(rp, "portal open: %s", err);
	} else if (argc == 2 && strcmp(argv[1], "reachable") == 0) {
		f.reachable = 1;
		portal_observe(rp->portal, &f);
	} else if (argc == 2 && strcmp(argv[1], "close") == 0)
		portal_close(rp->portal, f.now_ms);
	else
		replay_bail(rp, "portal open MINUTES | portal reachable | portal close");
}

static const struct replay_cmd replay_cmds[] = {
	{ "config", 0, replay_config },
	{ "mirror", 0, replay_mirror },
	{ "clock", 1, replay_clock },
	{ "query", 1, replay_query },
	{ "explain", 1, replay_explain },
	{ "cancel", 1, replay_cancel },
	{ "answer", 1, replay_answer },
	{ "timeout", 1, replay_answer },
	{ "fail", 1, replay_answer },
	{ "given", 1, replay_given },
	{ "forget", 1, replay_forget },
	{ "probe", 1, replay_probe },
	{ "reload", 1, replay_reload },
	{ "portal", 1, replay_portal },
	{ "client", 1, replay_client_step },
	{ "tcp", 1, replay_tcp_step },
	{ "expect", 1, replay_expect },
	{ NULL, 0, NULL },
};

static const struct replay_cmd *
replay_find(const char *verb)
{
	for (const struct replay_cmd *c = replay_cmds; c->verb; c++)
		if (strcmp(c->verb, verb) == 0)
			return c;
	return NULL;
}

int
main(int argc, char **argv)
{
	struct replay rp;
	char line[1024];
	FILE *f;

	if (argc != 2) {
		fprintf(stderr, "usage: replay SCENARIO.rpl\n");
		return 2;
	}
	memset(&rp, 0, sizeof(rp));
	rp.path = argv[1];
	if ((f = fopen(rp.path, "r")) == NULL) {
		printf("Bail out! cannot open %s\n", rp.path);
		return 1;
	}
	if ((rp.base = event_base_new()) == NULL || (rp.w = world_new(rp.base)) == NULL) {
		printf("Bail out! out of memory\n");
		return 1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		rp.lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		replay_line(&rp, line);
	}
	fclose(f);
	printf("1..%u\n", rp.tests);
	replay_world_end(&rp);
	return rp.failed ? 1 : 0;
}
