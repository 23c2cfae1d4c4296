/* tests/fuzz/fuzz_config.c - vantaged's YAML configuration (resolver/config.c config_load). */
#define _GNU_SOURCE 1	/* memfd_create */
#include "autoconf.h"

#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config.h"
#include "fuzz.h"

/*
 * The input is a config file. config_load reads a path, so each input is written to a
 * memfd and loaded through /proc/self/fd/N: no file system state between inputs. A
 * config that loads is printed (config_print, as `vantaged -nv` does) to /dev/null.
 * `upstreams: [auto]` reads a fixed resolv.conf written once.
 */

static const char resolv[] = "# fuzz\nnameserver 192.0.2.53\nnameserver 2001:db8::53\n"
			     "nameserver 127.0.0.1\noptions edns0\n";

static int
memfd_with(const char *name, const void *data, size_t size, char *path, size_t cap)
{
	int fd = memfd_create(name, 0);

	if (fd < 0)
		abort();
	if (size && write(fd, data, size) != (ssize_t)size)
		abort();
	snprintf(path, cap, "/proc/self/fd/%d", fd);
	return fd;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char resolv_path[64];
	static FILE *devnull;
	char path[64], err[512];
	struct config *c;
	int fd;

	if (devnull == NULL) {
		if ((devnull = fopen("/dev/null", "w")) == NULL)
			abort();
		(void)memfd_with("resolv.conf", resolv, sizeof(resolv) - 1, resolv_path,
		    sizeof(resolv_path));
	}
	fd = memfd_with("vantaged.yaml", data, size, path, sizeof(path));
	err[0] = '\0';
	if ((c = config_load(path, resolv_path, err, sizeof(err))) != NULL) {
		config_print(c, devnull);
		config_free(c);
	} else if (err[0] == '\0') {
		abort();	/* a rejected config always says why */
	}
	close(fd);
	return 0;
}
