/* lib/vutil.h - assertions, small helpers and monotonic time shared by every program. */
#ifndef VANTAGE_VUTIL_H
#define VANTAGE_VUTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>

#include "log.h"

/* REQUIRE: always-on check of a programming error, for start-up paths: it aborts. */
#define REQUIRE(x)                                                                   \
	do {                                                                         \
		if (!(x))                                                            \
			fatalx("%s:%d: requirement failed: %s", __FILE__, __LINE__, #x); \
	} while (0)

/*
 * CHECK_FAILED: recoverable check for hot paths. Logs the broken invariant and evaluates
 * to 1 so that the caller can drop the one query instead of the whole daemon.
 */
#define CHECK_FAILED(x)                                                              \
	(!(x) ? (log_warnx(LOG_G_MAIN, "%s:%d: check failed: %s", __FILE__, __LINE__, \
		     #x), 1)                                                         \
	      : 0)

#define NELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* now_ms - monotonic milliseconds since an arbitrary origin. */
static inline uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* wall_s - seconds since the epoch (the wall clock: expiries kept on disk, log times). */
static inline uint64_t
wall_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec;
}

/* now_us - monotonic microseconds since an arbitrary origin. */
static inline uint64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/*
 * vutil_stat - stat path into st, or all zeros for a file that is not there (so that its
 * appearance reads as a change). vutil_same_file - the same file as far as stat tells: one
 * replaced by rename (another inode) or edited (size, mtime) is not.
 */
void vutil_stat(const char *path, struct stat *st);
int vutil_same_file(const struct stat *a, const struct stat *b);

/* Room for vutil_rfc3339's "2026-12-04T23:50:01.123Z" and its NUL. */
#define VUTIL_RFC3339_LEN 32

/*
 * vutil_rfc3339 - the wall-clock time now in UTC, RFC 3339 with milliseconds: the one time
 * format of vantaged's JSON logs (the dissent log; the querylog plugin writes the same).
 */
void vutil_rfc3339(char buf[VUTIL_RFC3339_LEN]);

/* xmalloc, xcalloc, xstrdup: for start-up and configuration only; they fatal() on failure. */
void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
char *xstrdup(const char *s);

/* random_buf, random_uniform: unpredictable numbers (query IDs, selection keys). */
void random_buf(void *buf, size_t len);
uint32_t random_uniform(uint32_t upper_bound);

/* vutil_hexval - the value of one hexadecimal digit (either case), or -1. */
static inline int
vutil_hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

#endif
