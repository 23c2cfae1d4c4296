/* lib/log.c - logging by subsystem, in OpenBSD's vocabulary, to stderr or syslog. */
#include "autoconf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static const char *log_progname = "vantage";
static int log_stderr = 1;
static int log_journal;		/* stderr is systemd's journal: lines carry "<prio>" */
static unsigned char log_levels[LOG_G_COUNT];

static const char *const log_group_names[LOG_G_COUNT] = {
	[LOG_G_MAIN] = "main",
	[LOG_G_CONFIG] = "config",
	[LOG_G_LISTEN] = "listen",
	[LOG_G_QUERY] = "query",
	[LOG_G_UPSTREAM] = "upstream",
	[LOG_G_CACHE] = "cache",
	[LOG_G_MIRROR] = "mirror",
	[LOG_G_HTTP] = "http",
	[LOG_G_TLS] = "tls",
	[LOG_G_CONSENSUS] = "consensus",
	[LOG_G_CTL] = "ctl",
	[LOG_G_PLUGIN] = "plugin",
	[LOG_G_SHARED] = "shared",
};

/*
 * Whether stderr is a stream to systemd's journal: systemd says so in JOURNAL_STREAM
 * ("device:inode" of the stream it connected). Checked against stderr itself, because a
 * child that inherited the variable may log elsewhere (a shell redirect, a test's file).
 */
static int
log_is_journal(void)
{
	const char *env = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	char end;

	if (env == NULL || sscanf(env, "%llu:%llu%c", &dev, &ino, &end) != 2)
		return 0;
	if (fstat(STDERR_FILENO, &st) != 0)
		return 0;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void
log_init(const char *progname, int to_stderr, enum log_level level)
{
	log_progname = progname;
	log_stderr = to_stderr;
	log_journal = to_stderr && log_is_journal();
	log_set_level(-1, level);
	if (!to_stderr)
		openlog(progname, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void
log_set_level(int group, enum log_level level)
{
	if (group < 0) {
		for (int i = 0; i < LOG_G_COUNT; i++)
			log_levels[i] = level;
	} else if (group < LOG_G_COUNT)
		log_levels[group] = level;
}

const char *
log_group_name(enum log_group group)
{
	return (unsigned)group < LOG_G_COUNT ? log_group_names[group] : "?";
}

int
log_group_by_name(const char *name)
{
	for (int i = 0; i < LOG_G_COUNT; i++)
		if (strcmp(name, log_group_names[i]) == 0)
			return i;
	return -1;
}

int
log_level_by_name(const char *name)
{
	if (strcasecmp(name, "warn") == 0 || strcasecmp(name, "warning") == 0)
		return LOG_L_WARN;
	if (strcasecmp(name, "info") == 0)
		return LOG_L_INFO;
	if (strcasecmp(name, "debug") == 0)
		return LOG_L_DEBUG;
	return -1;
}

int
log_enabled(enum log_group group, enum log_level level)
{
	return (unsigned)group < LOG_G_COUNT && level <= log_levels[group];
}

static void
log_emit_as(int prio, const char *gname, const char *fmt, va_list ap, const char *err)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_journal) {
		/* journald takes the priority from the "<N>" prefix (as sd-daemon(3) says) and
		 * adds the time, name and PID itself: `journalctl -p warning` shows warnings. */
		fprintf(stderr, "<%d>%s: %s%s%s\n", prio, gname, msg, err ? ": " : "",
		    err ? err : "");
		fflush(stderr);
	} else if (log_stderr) {
		struct timespec ts;
		struct tm tm;
		char stamp[32];

		clock_gettime(CLOCK_REALTIME, &ts);
		localtime_r(&ts.tv_sec, &tm);
		strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
		fprintf(stderr, "%s.%03ld %s[%d]: %s: %s%s%s\n", stamp, ts.tv_nsec / 1000000L,
		    log_progname, (int)getpid(), gname, msg, err ? ": " : "", err ? err : "");
		fflush(stderr);
	} else
		syslog(prio, "%s: %s%s%s", gname, msg, err ? ": " : "", err ? err : "");
}

static void
log_emit(int prio, enum log_group group, const char *fmt, va_list ap, const char *err)
{
	log_emit_as(prio, log_group_name(group), fmt, ap, err);
}

void
log_vsub(enum log_group group, const char *sub, enum log_level level, const char *fmt,
    va_list ap)
{
	static const int prio[] = { LOG_WARNING, LOG_INFO, LOG_DEBUG };
	char gname[64];
	int saved = errno;

	if (!log_enabled(group, level) || (unsigned)level > LOG_L_DEBUG)
		return;
	snprintf(gname, sizeof(gname), "%s/%s", log_group_name(group), sub);
	log_emit_as(prio[level], gname, fmt, ap, NULL);
	errno = saved;
}

#define LOG_FN(fname, prio, lvl, with_errno)                                         \
	void fname(enum log_group group, const char *fmt, ...)                       \
	{                                                                            \
		va_list ap;                                                          \
		int saved = errno;                                                   \
		if (!log_enabled(group, lvl))                                        \
			return;                                                      \
		va_start(ap, fmt);                                                   \
		log_emit(prio, group, fmt, ap, with_errno ? strerror(saved) : NULL); \
		va_end(ap);                                                          \
		errno = saved;                                                       \
	}

LOG_FN(log_warn, LOG_WARNING, LOG_L_WARN, 1)
LOG_FN(log_warnx, LOG_WARNING, LOG_L_WARN, 0)
LOG_FN(log_info, LOG_INFO, LOG_L_INFO, 0)
LOG_FN(log_debug, LOG_DEBUG, LOG_L_DEBUG, 0)

void
fatal(const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	log_emit(LOG_CRIT, LOG_G_MAIN, fmt, ap, strerror(saved));
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_emit(LOG_CRIT, LOG_G_MAIN, fmt, ap, NULL);
	va_end(ap);
	exit(1);
}
