/* lib/statefile.h - durable state files (mirror state_dir, vantaged learned mirrors): written atomically, read strictly. */
#ifndef VANTAGE_STATEFILE_H
#define VANTAGE_STATEFILE_H

#include <event2/buffer.h>
#include <stddef.h>

#include "yconf.h"

/*
 * statefile_write - replace dir/name with the contents of b (drained) atomically: a
 * temporary file, fsync, rename, fsync of the directory, so that a crash leaves the old
 * or the new file, never a torn one. Returns 0, or -1 after logging why.
 */
int statefile_write(const char *dir, const char *name, struct evbuffer *b);

/*
 * statefile_write_path - statefile_write for a whole path ("state.mirrors" is in ".",
 * "/x" in "/"). b is drained and stays the caller's. Returns 0, or -1 after logging why
 * (or without memory).
 */
int statefile_write_path(const char *path, struct evbuffer *b);

/* Called for each item of a state file's list; returns 0, or -1 after yconf_error(). */
typedef int (*statefile_item_cb)(struct yconf *y, const yaml_node_t *item, void *arg);

/*
 * statefile_load_list - read the state file at path: a mapping whose keys are all in keys,
 * with a list under listkey, each item handed to cb. A missing file is an empty state
 * (returns 0). Returns 0, or -1 with "path:line: message" in err.
 */
int statefile_load_list(const char *path, const char *const keys[], const char *listkey,
    statefile_item_cb cb, void *arg, char *err, size_t errlen);

/* statefile_path - dir/name in a new string (the caller frees it); NULL without memory. */
char *statefile_path(const char *dir, const char *name);

#endif
