/* resolver/secret.c - the per-install secret: random once, kept beside the state file. */
#include "autoconf.h"

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "log.h"
#include "secret.h"
#include "vutil.h"

int
secret_load(const char *state_file, uint8_t key[SECRET_LEN])
{
	char path[4096];
	int fd;
	ssize_t n;

	random_buf(key, SECRET_LEN);
	if (state_file == NULL)
		return 0; /* no state: a fresh secret each start */
	snprintf(path, sizeof(path), "%s.key", state_file);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0) {
		n = read(fd, key, SECRET_LEN);
		close(fd);
		if (n == (ssize_t)SECRET_LEN)
			return 1;
		log_warnx(LOG_G_CONSENSUS, "%s: short key file; making a new one", path);
		random_buf(key, SECRET_LEN);
	}
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0 ||
	    write(fd, key, SECRET_LEN) != (ssize_t)SECRET_LEN) {
		/* Not fatal: selection stays unpredictable, only less stable across restarts. */
		log_warn(LOG_G_CONSENSUS, "cannot keep the selection key in %s", path);
	}
	if (fd >= 0)
		close(fd);
	return 0;
}
