/* lib/vutil.c - small helpers shared by every program. */
#include "autoconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "vutil.h"

void *
xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (p == NULL)
		fatal("malloc %zu", size);
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		fatal("calloc %zu*%zu", n, size);
	return p;
}

char *
xstrdup(const char *s)
{
	char *p = strdup(s);

	if (p == NULL)
		fatal("strdup");
	return p;
}

void
random_buf(void *buf, size_t len)
{
#ifdef HAVE_ARC4RANDOM_BUF
	arc4random_buf(buf, len);
#else
	uint8_t *p = buf;

	while (len > 0) {
		ssize_t n = getrandom(p, len, 0);
		if (n <= 0)
			fatal("getrandom");
		p += n;
		len -= (size_t)n;
	}
#endif
}

uint32_t
random_uniform(uint32_t upper_bound)
{
#ifdef HAVE_ARC4RANDOM_UNIFORM
	return arc4random_uniform(upper_bound);
#else
	uint32_t r, min;

	if (upper_bound < 2)
		return 0;
	min = -upper_bound % upper_bound;
	do
		random_buf(&r, sizeof(r));
	while (r < min);
	return r % upper_bound;
#endif
}

void
vutil_rfc3339(char buf[VUTIL_RFC3339_LEN])
{
	struct timespec ts;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(buf, VUTIL_RFC3339_LEN, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, VUTIL_RFC3339_LEN - n, ".%03ldZ", ts.tv_nsec / 1000000L);
}

void
vutil_stat(const char *path, struct stat *st)
{
	if (path == NULL || stat(path, st) != 0)
		memset(st, 0, sizeof(*st));
}

int
vutil_same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
	    a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}
