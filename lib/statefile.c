/* lib/statefile.c - durable state files: written atomically, read strictly. */
#include "autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "statefile.h"

char *
statefile_path(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = malloc(n);

	if (p != NULL)
		snprintf(p, n, "%s/%s", dir, name);
	return p;
}

int
statefile_write(const char *dir, const char *name, struct evbuffer *b)
{
	char *path = statefile_path(dir, name), *tmp = NULL;
	int fd = -1, dfd, rc = -1;

	if (path == NULL || (tmp = malloc(strlen(path) + 5)) == NULL)
		goto out;
	snprintf(tmp, strlen(path) + 5, "%s.tmp", path);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) {
		log_warn(LOG_G_MIRROR, "state: %s", tmp);
		goto out;
	}
	while (evbuffer_get_length(b) > 0)
		if (evbuffer_write(b, fd) < 0 && errno != EINTR) {
			log_warn(LOG_G_MIRROR, "state: %s", tmp);
			goto out;
		}
	if (fsync(fd) != 0) {
		log_warn(LOG_G_MIRROR, "state: fsync %s", tmp);
		goto out;
	}
	close(fd);
	fd = -1;
	if (rename(tmp, path) != 0) {
		log_warn(LOG_G_MIRROR, "state: rename to %s", path);
		unlink(tmp);
		goto out;
	}
	/* The rename itself is durable only once the directory is synced. */
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		fsync(dfd);
		close(dfd);
	}
	rc = 0;
out:
	if (fd >= 0) {
		close(fd);
		unlink(tmp);
	}
	free(tmp);
	free(path);
	return rc;
}

int
statefile_load_list(const char *path, const char *const keys[], const char *listkey,
    statefile_item_cb cb, void *arg, char *err, size_t errlen)
{
	yaml_node_t *root, *v, *item;
	struct yconf y;
	int rc = -1;

	memset(&y, 0, sizeof(y));
	if (access(path, F_OK) != 0 && errno == ENOENT)
		return 0;
	if (yconf_load_file(&y, path) != 0)
		goto out;
	if ((root = yconf_root_keys(&y, "state file", "state", keys)) == NULL)
		goto out;
	if ((v = yconf_get(&y, root, listkey)) == NULL || v->type != YAML_SEQUENCE_NODE) {
		yconf_error(&y, root, "%s: expected a list", listkey);
		goto out;
	}
	YCONF_SEQ_FOREACH(&y, v, item)
		if (cb(&y, item, arg) != 0)
			goto out;
	rc = 0;
out:
	return yconf_done(&y, rc, err, errlen);
}

int
statefile_write_path(const char *path, struct evbuffer *b)
{
	char *dir, *slash;
	int rc;

	if ((dir = strdup(path)) == NULL)
		return -1;
	if ((slash = strrchr(dir, '/')) != NULL) {
		*slash = '\0';
		rc = statefile_write(dir[0] ? dir : "/", slash + 1, b);
	} else
		rc = statefile_write(".", dir, b);
	free(dir);
	return rc;
}
