/* resolver/control.c - the control socket: vantagectl's requests, one JSON answer each. */
#include "autoconf.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>
#include <grp.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "config.h"
#include "control.h"
#include "control_int.h"
#include "log.h"
#include "report.h"
#include "vutil.h"

/* Clients served at once; more are turned away. vantagectl holds one for a second at most,
 * so this is far above any operator's use and bounds what a stuck script can hold. */
#define CONTROL_MAX_CONNS 64
/* A client must send its request, and read its answer, within this (s). */
#define CONTROL_IO_TIMEOUT 10
/* Words in a request ("log level mirror debug" is the longest command). */
#define CONTROL_MAX_WORDS 8
/* The group allowed to use the socket when the configuration names no user. */
#define CONTROL_GROUP "vantage"

struct control {
	struct control_env env;
	struct evconnlistener *lev;
	char *path;			/* as created: a reload never moves it */
	dev_t dev;			/* the socket file we made, to remove only ours */
	ino_t ino;
	LIST_HEAD(, ctl_conn) conns;
	size_t n_conns;
	uint64_t turned_away;
};

static void ctl_write_cb(struct bufferevent *bev, void *arg);
static void ctl_event_cb(struct bufferevent *bev, short what, void *arg);

void
ctl_conn_free(struct ctl_conn *cc)
{
	ctl_explain_cancel(cc);
	LIST_REMOVE(cc, entry);
	cc->ctl->n_conns--;
	if (cc->bev)
		bufferevent_free(cc->bev);
	free(cc);
}

/*
 * Send the answer: {"ok":true,"command":CMD<fields>}, or the error. fields holds the
 * handler's members, each with its leading comma. The connection closes once it is out.
 */
void
ctl_conn_answer(struct ctl_conn *cc, const char *err, struct evbuffer *fields)
{
	struct evbuffer *out = bufferevent_get_output(cc->bev);
	int rc;

	rc = report_envelope(out, cc->cmd, err, fields);
	rc |= evbuffer_add(out, "\n", 1);
	if (rc != 0) {
		/* Half an answer is worse than none: the client reports a broken connection. */
		log_warnx(LOG_G_CTL, "out of memory answering '%s'", cc->cmd);
		ctl_conn_free(cc);
		return;
	}
	bufferevent_disable(cc->bev, EV_READ);
	bufferevent_setcb(cc->bev, NULL, ctl_write_cb, ctl_event_cb, cc);
	bufferevent_enable(cc->bev, EV_WRITE);
}

static void
ctl_write_cb(struct bufferevent *bev, void *arg)
{
	if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		ctl_conn_free(arg);
}

/* ---- commands ---- */

static int ctl_help(struct ctl_conn *cc, struct jw *w, int argc, char **argv);

/*
 * The command table: words, argument bounds, what answers (a producer of report.c that
 * only reads, or a handler), usage, and whether it changes state.
 */
static const struct ctl_cmd {
	const char *words;
	int min_args, max_args;
	void (*report)(const struct report_src *src, struct jw *w);
	int (*run)(struct ctl_conn *cc, struct jw *w, int argc, char **argv);
	const char *usage;
	int changes;		/* from this many arguments on it changes state, and is logged
				 * with the client's uid; -1: never */
} ctl_cmds[] = {
	{ "status", 0, 0, report_status, NULL, "status", -1 },
	{ "mirrors", 0, 0, report_mirrors, NULL, "mirrors", -1 },
	{ "explain", 1, 2, NULL, ctl_explain, "explain NAME [TYPE]", -1 },
	{ "recent", 0, 0, report_recent, NULL, "recent", -1 },
	{ "clients", 0, 0, report_clients, NULL, "clients", -1 },
	{ "history", 0, 0, report_history, NULL, "history", -1 },
	{ "cache stats", 0, 0, report_cache, NULL, "cache stats", -1 },
	{ "cache flush", 0, 1, NULL, ctl_cache_flush, "cache flush [NAME]", 0 },
	{ "cache dump", 0, 1, NULL, ctl_cache_dump, "cache dump [MAX]", -1 },
	{ "reload", 0, 0, NULL, ctl_reload, "reload", 0 },
	{ "log level", 0, 2, NULL, ctl_log_level, "log level [GROUP LEVEL]", 2 },
	{ "portal", 0, 1, NULL, ctl_portal, "portal [MINUTES|close]", 0 },
	{ "help", 0, 0, NULL, ctl_help, "help", -1 },
};

static int
ctl_help(struct ctl_conn *cc, struct jw *w, int argc, char **argv)
{
	(void)cc;
	(void)argc;
	(void)argv;
	jw_open(w, "commands", '[');
	for (size_t i = 0; i < NELEMS(ctl_cmds); i++)
		jw_str(w, NULL, ctl_cmds[i].usage);
	jw_close(w, ']');
	return CTL_DONE;
}

/* How many leading words of argv spell the command's words; 0 when they do not. */
static int
ctl_cmd_match(const struct ctl_cmd *cmd, int argc, char **argv)
{
	char buf[64], *save = NULL, *word;
	int n = 0;

	snprintf(buf, sizeof(buf), "%s", cmd->words);
	for (word = strtok_r(buf, " ", &save); word; word = strtok_r(NULL, " ", &save)) {
		if (n >= argc || strcmp(argv[n], word) != 0)
			return 0;
		n++;
	}
	return n;
}

/* The client's uid and pid, for the log line of a command that changes something. */
static void
ctl_peer(int fd, char *buf, size_t cap)
{
	struct ucred uc;
	socklen_t len = sizeof(uc);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) == 0)
		snprintf(buf, cap, "uid %u pid %d", (unsigned)uc.uid, (int)uc.pid);
	else
		snprintf(buf, cap, "unknown peer");
}

/* The request's words into argv (NUL-terminated, at most CONTROL_MAX_WORDS); -1 past that. */
static int
ctl_words(char *line, char **argv)
{
	char *save = NULL, *word;
	int argc = 0;

	for (word = strtok_r(line, " \t\r", &save); word; word = strtok_r(NULL, " \t\r", &save)) {
		if (argc == CONTROL_MAX_WORDS)
			return -1;
		argv[argc++] = word;
	}
	argv[argc] = NULL;
	return argc;
}

/* Whatever a client sends, the debug log gets one printable line. */
static void
ctl_log_request(int argc, char **argv)
{
	char shown[CONTROL_MAX_REQUEST + 1];
	size_t o = 0;

	if (!log_enabled(LOG_G_CTL, LOG_L_DEBUG))
		return;
	shown[0] = '\0';
	for (int i = 0; i < argc && o < sizeof(shown); i++)
		o += (size_t)snprintf(shown + o, sizeof(shown) - o, "%s%s", i ? " " : "", argv[i]);
	for (size_t i = 0; i < o && i < sizeof(shown); i++)
		if ((unsigned char)shown[i] < 0x20 || (unsigned char)shown[i] >= 0x7f)
			shown[i] = '?';
	log_debug(LOG_G_CTL, "request: %s", shown);
}

/* Run cmd with the words after its own and answer (unless it answers later). */
static void
ctl_run(struct ctl_conn *cc, const struct ctl_cmd *cmd, int argc, char **argv)
{
	struct evbuffer *fields;
	struct jw w;
	int rc = CTL_DONE;

	if ((fields = evbuffer_new()) == NULL) {
		ctl_conn_answer(cc, "out of memory", NULL);
		return;
	}
	jw_init(&w, fields);
	cc->err[0] = '\0';
	if (cmd->report)
		cmd->report(&cc->env->src, &w);
	else
		rc = cmd->run(cc, &w, argc, argv);
	if (rc == CTL_DONE && w.err)
		ctl_conn_answer(cc, "out of memory", NULL);
	else if (rc == CTL_DONE)
		ctl_conn_answer(cc, NULL, fields);
	else if (rc == CTL_ERROR)
		ctl_conn_answer(cc, cc->err[0] ? cc->err : "failed", NULL);
	/* CTL_PENDING: the handler answers later (explain). */
	evbuffer_free(fields);
}

static void
ctl_dispatch(struct ctl_conn *cc, char *line)
{
	char *argv[CONTROL_MAX_WORDS + 1], peer[64];
	const struct ctl_cmd *cmd = NULL;
	int argc, n = 0;

	if ((argc = ctl_words(line, argv)) < 0) {
		ctl_conn_answer(cc, "too many words in the request", NULL);
		return;
	}
	ctl_log_request(argc, argv);
	for (size_t i = 0; i < NELEMS(ctl_cmds) && cmd == NULL; i++)
		if ((n = ctl_cmd_match(&ctl_cmds[i], argc, argv)) > 0)
			cmd = &ctl_cmds[i];
	if (cmd == NULL) {
		snprintf(cc->cmd, sizeof(cc->cmd), "%.40s", argc ? argv[0] : "");
		ctl_conn_answer(cc, argc ? "unknown command (try: help)" : "empty request", NULL);
		return;
	}
	snprintf(cc->cmd, sizeof(cc->cmd), "%s", cmd->words);
	if (argc - n < cmd->min_args || argc - n > cmd->max_args) {
		char msg[96];
		snprintf(msg, sizeof(msg), "usage: %s", cmd->usage);
		ctl_conn_answer(cc, msg, NULL);
		return;
	}
	if (cmd->changes >= 0 && argc - n >= cmd->changes) {
		ctl_peer(bufferevent_getfd(cc->bev), peer, sizeof(peer));
		log_info(LOG_G_CTL, "%s: %s%s%s", peer, cmd->words, argc > n ? " " : "",
		    argc > n ? argv[n] : "");
	}
	ctl_run(cc, cmd, argc - n, argv + n);
}

/* ---- connections ---- */

static void
ctl_read_cb(struct bufferevent *bev, void *arg)
{
	struct ctl_conn *cc = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t n;
	char *line;

	if ((line = evbuffer_readln(in, &n, EVBUFFER_EOL_LF)) == NULL) {
		if (evbuffer_get_length(in) > CONTROL_MAX_REQUEST)
			ctl_conn_answer(cc, "request too long", NULL);
		return;
	}
	bufferevent_disable(bev, EV_READ);
	cc->dispatched = 1;
	if (n > CONTROL_MAX_REQUEST)
		ctl_conn_answer(cc, "request too long", NULL);
	else
		ctl_dispatch(cc, line);
	free(line);
}

static void
ctl_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct ctl_conn *cc = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t n = evbuffer_get_length(in);

	/* A request without its newline, then the end of the client's writes: take it. */
	if ((what & BEV_EVENT_EOF) && (what & BEV_EVENT_READING) && !cc->dispatched && n > 0 &&
	    n <= CONTROL_MAX_REQUEST) {
		char line[CONTROL_MAX_REQUEST + 1];
		evbuffer_remove(in, line, n);
		line[n] = '\0';
		cc->dispatched = 1;
		bufferevent_disable(bev, EV_READ);
		ctl_dispatch(cc, line);
		return;
	}
	if ((what & BEV_EVENT_EOF) && (what & BEV_EVENT_READING) && cc->dispatched)
		return;	/* it closed its side after the request: the answer still goes out */
	if (what & BEV_EVENT_TIMEOUT)
		log_debug(LOG_G_CTL, "client too slow; closed");
	ctl_conn_free(cc);
}

static void
ctl_accept(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa, int salen,
    void *arg)
{
	struct control *ctl = arg;
	struct ctl_conn *cc;
	struct timeval tv = { CONTROL_IO_TIMEOUT, 0 };

	(void)lev;
	(void)sa;
	(void)salen;
	if (ctl->n_conns >= CONTROL_MAX_CONNS || (cc = calloc(1, sizeof(*cc))) == NULL) {
		if (ctl->turned_away++ % 100 == 0)
			log_warnx(LOG_G_CTL, "%zu control clients at once: turning new ones away",
			    ctl->n_conns);
		close(fd);
		return;
	}
	cc->ctl = ctl;
	cc->env = &ctl->env;
	snprintf(cc->cmd, sizeof(cc->cmd), "?");
	if ((cc->bev = bufferevent_socket_new(ctl->env.base, fd, BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		close(fd);
		free(cc);
		return;
	}
	LIST_INSERT_HEAD(&ctl->conns, cc, entry);
	ctl->n_conns++;
	/* Stop reading past the longest request: a client cannot make us buffer more. */
	bufferevent_setwatermark(cc->bev, EV_READ, 0, CONTROL_MAX_REQUEST + 2);
	bufferevent_set_timeouts(cc->bev, &tv, &tv);
	bufferevent_setcb(cc->bev, ctl_read_cb, NULL, ctl_event_cb, cc);
	bufferevent_enable(cc->bev, EV_READ);
}

/* ---- the socket ---- */

/* The group that may use the socket: cfg->user's, else "vantage"; -1 for none. */
static gid_t
control_group(const struct config *cfg)
{
	struct passwd *pw;
	struct group *gr;

	if (cfg->user && cfg->user[0] && (pw = getpwnam(cfg->user)) != NULL)
		return pw->pw_gid;
	if ((gr = getgrnam(CONTROL_GROUP)) != NULL)
		return gr->gr_gid;
	return (gid_t)-1;
}

/* Make a missing parent directory, owned by the user the daemon becomes (so that it can
 * remove the socket at exit) and by its group (so that the group reaches the socket). */
static void
control_mkparent(const char *path, const struct config *cfg)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct passwd *pw;
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) == NULL || slash == dir)
		return;
	*slash = '\0';
	if (mkdir(dir, 0750) != 0)
		return;	/* exists already (or cannot be made: bind says why) */
	if (geteuid() == 0 && cfg->user && cfg->user[0] && (pw = getpwnam(cfg->user)) != NULL &&
	    chown(dir, pw->pw_uid, pw->pw_gid) != 0)
		log_warn(LOG_G_CTL, "chown %s", dir);
}

/*
 * What is at path: 0 nothing (or a stale socket, now removed), -1 something to keep
 * (logged): a live daemon's socket, or a file that is not a socket.
 */
static int
control_clear_stale(const char *path, const struct sockaddr_un *sun, socklen_t len)
{
	struct stat st;
	int fd, rc;

	if (lstat(path, &st) != 0)
		return 0;
	if (!S_ISSOCK(st.st_mode)) {
		log_warnx(LOG_G_CTL, "%s exists and is not a socket; not touching it", path);
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	rc = connect(fd, (const struct sockaddr *)sun, len);
	close(fd);
	if (rc == 0) {
		log_warnx(LOG_G_CTL, "%s: another vantaged answers on it; stop it first", path);
		return -1;
	}
	log_info(LOG_G_CTL, "removing the stale control socket %s", path);
	if (unlink(path) != 0 && errno != ENOENT) {
		log_warn(LOG_G_CTL, "unlink %s", path);
		return -1;
	}
	return 0;
}

static int
control_bind(struct control *ctl, const struct config *cfg)
{
	const char *path = ctl->path;
	struct sockaddr_un sun;
	socklen_t len;
	struct stat st;
	mode_t old;
	gid_t gid;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		log_warnx(LOG_G_CTL, "control socket path too long (%zu bytes at most): %s",
		    sizeof(sun.sun_path) - 1, path);
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path));
	len = (socklen_t)sizeof(sun);
	control_mkparent(path, cfg);
	if (control_clear_stale(path, &sun, len) != 0)
		return -1;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0) {
		log_warn(LOG_G_CTL, "socket");
		return -1;
	}
	/* Born with mode 0660: no window in which anyone else could connect. */
	old = umask(0117);
	if (bind(fd, (struct sockaddr *)&sun, len) != 0) {
		umask(old);
		log_warn(LOG_G_CTL, "cannot bind the control socket %s", path);
		close(fd);
		return -1;
	}
	umask(old);
	if (chmod(path, 0660) != 0)
		log_warn(LOG_G_CTL, "chmod %s", path);
	gid = control_group(cfg);
	if (geteuid() == 0 && gid != (gid_t)-1 && chown(path, 0, gid) != 0)
		log_warn(LOG_G_CTL, "chown %s", path);
	if (listen(fd, CONTROL_MAX_CONNS) != 0 || stat(path, &st) != 0) {
		log_warn(LOG_G_CTL, "cannot listen on %s", path);
		close(fd);
		unlink(path);
		return -1;
	}
	ctl->dev = st.st_dev;
	ctl->ino = st.st_ino;
	return fd;
}

int
control_open(const struct control_env *env, struct control **out)
{
	const struct config *cfg = *env->src.cfg;
	struct control *ctl;
	int fd;

	*out = NULL;
	if (cfg->control_socket == NULL || cfg->control_socket[0] == '\0')
		return 0;
	if ((ctl = calloc(1, sizeof(*ctl))) == NULL ||
	    (ctl->path = strdup(cfg->control_socket)) == NULL) {
		free(ctl);
		log_warnx(LOG_G_CTL, "out of memory");
		return -1;
	}
	ctl->env = *env;
	LIST_INIT(&ctl->conns);
	if ((fd = control_bind(ctl, cfg)) < 0) {
		free(ctl->path);
		free(ctl);
		return -1;
	}
	ctl->lev = evconnlistener_new(env->base, ctl_accept, ctl,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, -1, fd);
	if (ctl->lev == NULL) {
		log_warnx(LOG_G_CTL, "cannot watch the control socket");
		close(fd);
		unlink(ctl->path);
		free(ctl->path);
		free(ctl);
		return -1;
	}
	*out = ctl;
	log_info(LOG_G_CTL, "control socket %s", ctl->path);
	return 0;
}

void
control_close(struct control *ctl)
{
	struct stat st;

	if (ctl == NULL)
		return;
	while (!LIST_EMPTY(&ctl->conns))
		ctl_conn_free(LIST_FIRST(&ctl->conns));
	evconnlistener_free(ctl->lev);
	/* Only ours: a second daemon started by mistake may have replaced it meanwhile. */
	if (lstat(ctl->path, &st) == 0 && st.st_dev == ctl->dev && st.st_ino == ctl->ino &&
	    unlink(ctl->path) != 0)
		log_debug(LOG_G_CTL, "cannot remove %s (%s); the next start replaces it", ctl->path,
		    strerror(errno));
	free(ctl->path);
	free(ctl);
}

void
control_reload(const struct control *ctl, const struct config *cfg)
{
	const char *now = ctl ? ctl->path : NULL;
	const char *want = cfg->control_socket && cfg->control_socket[0] ? cfg->control_socket : NULL;

	if ((now == NULL) != (want == NULL) || (now && strcmp(now, want) != 0))
		log_warnx(LOG_G_CONFIG, "reload: control.socket changed; it takes effect at the "
					"next restart (still %s)", now ? now : "none");
}
