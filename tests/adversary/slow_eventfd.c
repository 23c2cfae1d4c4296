/*
 * tests/adversary/slow_eventfd.c - LD_PRELOAD fault injection for adv_workers.sh: every
 * 8-byte read(2) made by a thread other than the main one (a worker loop reading its
 * eventfd) waits 2 ms first. It widens, from a few instructions to milliseconds, the moment
 * between a worker looking whether to park and reading its wake-ups, where a pause's
 * wake-up can land; nothing else in the daemon changes.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>

static pthread_t slow_main;
static ssize_t (*slow_read)(int, void *, size_t);

__attribute__((constructor)) static void
slow_init(void)
{
	slow_main = pthread_self();
	slow_read = (ssize_t (*)(int, void *, size_t))dlsym(RTLD_NEXT, "read");
}

ssize_t
read(int fd, void *buf, size_t n)
{
	struct timespec ts = { 0, 2000000 };

	if (n == 8 && !pthread_equal(pthread_self(), slow_main))
		nanosleep(&ts, NULL);
	return slow_read(fd, buf, n);
}
