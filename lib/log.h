/* lib/log.h - logging by subsystem, in OpenBSD's vocabulary, to stderr or syslog. */
#ifndef VANTAGE_LOG_H
#define VANTAGE_LOG_H

#include <stdarg.h>

/* Subsystems; each can have its own level (vantagectl log level GROUP LEVEL). */
enum log_group {
	LOG_G_MAIN,
	LOG_G_CONFIG,
	LOG_G_LISTEN,
	LOG_G_QUERY,
	LOG_G_UPSTREAM,
	LOG_G_CACHE,
	LOG_G_MIRROR,
	LOG_G_HTTP,
	LOG_G_TLS,
	LOG_G_CONSENSUS,
	LOG_G_CTL,
	LOG_G_PLUGIN,
	LOG_G_SHARED,		/* the fleet's Redis (lib/vredis.c and its users) */
	LOG_G_COUNT
};

enum log_level {
	LOG_L_WARN = 0,
	LOG_L_INFO = 1,
	LOG_L_DEBUG = 2
};

/*
 * log_init - start logging.
 * progname: the name put in front of every line (not copied: keep it alive).
 * to_stderr: 1 logs to stderr with a timestamp (-d), 0 to syslog (daemon facility). When
 * stderr is systemd's journal (JOURNAL_STREAM names it), lines carry their syslog priority
 * as a "<N>" prefix instead of the timestamp, which journald adds.
 * level: the level of every group until log_set_level changes one.
 */
void log_init(const char *progname, int to_stderr, enum log_level level);

/* log_set_level - set the level of one group, or of all groups when group is -1. */
void log_set_level(int group, enum log_level level);

/* log_group_name, log_group_by_name - the group's name, or -1 for an unknown name. */
const char *log_group_name(enum log_group group);
int log_group_by_name(const char *name);

/* log_level_by_name - "warn", "info" or "debug" to its level; -1 for anything else. */
int log_level_by_name(const char *name);

/* log_enabled - whether a message of this level in this group would be printed. */
int log_enabled(enum log_group group, enum log_level level);

/* log_warn appends strerror(errno); log_warnx does not. */
void log_warn(enum log_group group, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void log_warnx(enum log_group group, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void log_info(enum log_group group, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void log_debug(enum log_group group, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * log_vsub - log in a sub-group of group, shown as "GROUP/SUB" (plugin/blocklist); the
 * level check is the group's. level is LOG_L_WARN, LOG_L_INFO or LOG_L_DEBUG.
 */
void log_vsub(enum log_group group, const char *sub, enum log_level level, const char *fmt,
    va_list ap);

/* fatal/fatalx: for impossible states at start-up only; they log and exit(1). */
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
