/* resolver/sandbox.h - after start-up: no new privileges, Landlock, a seccomp allowlist. */
#ifndef VANTAGED_SANDBOX_H
#define VANTAGED_SANDBOX_H

#include <stddef.h>

/* What the running daemon still needs from the file system. NULL entries are skipped. */
struct sandbox_paths {
	/* Files read again later: config, resolv.conf, ... Their directories become readable
	 * (files only), so that a file replaced by rename can still be read. */
	const char *read[24];
	const char *write_dirs[8];	/* directories it writes, creates and removes files in */
};

/* What sandbox_enter managed, for the log line. */
struct sandbox_state {
	int no_new_privs;
	int landlock_abi;		/* 0: not available or not applied */
	int seccomp;			/* 1: the allowlist is loaded; -1: skipped (sanitizer build) */
};

/*
 * sandbox_enter - in this order: PR_SET_NO_NEW_PRIVS; Landlock (best effort, probed at
 * run time: the kernel may lack it), limiting the file system to paths; a seccomp
 * allowlist (when built with libseccomp and want_seccomp), under which anything not
 * listed - execve above all - fails with EPERM. Call once, after binding, dropping
 * privileges and opening every file the daemon keeps open. Fills st; returns 0, or -1
 * when a step that the kernel offers failed (why says which).
 */
int sandbox_enter(const struct sandbox_paths *paths, int want_seccomp, struct sandbox_state *st,
    char *why, size_t whylen);

/*
 * sandbox_selftest_exec - try to run /bin/true from a child; returns the errno execve got
 * in it (EPERM when the sandbox holds), or 0 when it ran. For tests and -v start-up logs.
 */
int sandbox_selftest_exec(void);

/*
 * sandbox_dirname - the directory of path, the unit Landlock rules are written for, into buf
 * (len bytes): "." when path has none, "/" for a file at the root. Returns buf, or NULL when
 * path is NULL (an unset file: nothing to let through) or its directory does not fit.
 */
const char *sandbox_dirname(const char *path, char *buf, size_t len);

#endif
