/* resolver/sandbox.c - after start-up: no new privileges, Landlock, a seccomp allowlist. */
#include "autoconf.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef HAVE_SECCOMP
#include <seccomp.h>
#endif

#include "sandbox.h"

#ifndef LANDLOCK_CREATE_RULESET_VERSION
#define LANDLOCK_CREATE_RULESET_VERSION (1U << 0)
#endif

/* The ABI 1 file rights: what every Landlock kernel knows. Later rights (refer, truncate)
 * are left unhandled, hence allowed: renames stay within one directory anyway. */
#define SANDBOX_FS_ALL                                                                 \
	(LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE |                   \
	    LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR |                \
	    LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE |            \
	    LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_DIR |                \
	    LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SOCK |                \
	    LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_BLOCK |              \
	    LANDLOCK_ACCESS_FS_MAKE_SYM)
/* Listing too, for a directory among the files read (a trust store directory); a rule on a
 * regular file keeps its file rights only (sandbox_landlock_rule). */
#define SANDBOX_FS_READ (LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR)
#define SANDBOX_FS_RW                                                                  \
	(LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_WRITE_FILE |                 \
	    LANDLOCK_ACCESS_FS_READ_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE |              \
	    LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SOCK)

static int
sandbox_landlock_rule(int ruleset, const char *path, uint64_t rights)
{
	struct landlock_path_beneath_attr pb = { 0 };
	int fd, rc;

	if ((fd = open(path, O_PATH | O_CLOEXEC)) < 0)
		return errno == ENOENT ? 0 : -1; /* a file that is not there needs no rule */
	pb.parent_fd = fd;
	pb.allowed_access = rights;
	/* A rule on a regular file may carry only file rights. */
	{
		struct stat st;
		if (fstat(fd, &st) == 0 && !S_ISDIR(st.st_mode))
			pb.allowed_access &= LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_WRITE_FILE;
	}
	rc = (int)syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &pb, 0);
	close(fd);
	return rc;
}

/*
 * Read access to path for as long as the daemon runs. Landlock rules hold inodes, not names:
 * a rule on the file itself would not cover the file that an atomic edit puts in its place
 * (sed -i, dpkg's conffile handling, config management, NetworkManager renaming a new
 * resolv.conf over the old one), and the reload would fail with EACCES. So the rule is on
 * its directory, read-only (files only, not listing); a directory path gets its own rule.
 * The daemon's unprivileged user still needs the file permissions to read anything there.
 */
static int
sandbox_landlock_read(int ruleset, const char *path)
{
	char dir[4096];
	struct stat st;

	if ((stat(path, &st) == 0 && S_ISDIR(st.st_mode)) ||
	    sandbox_dirname(path, dir, sizeof(dir)) == NULL)
		return sandbox_landlock_rule(ruleset, path, SANDBOX_FS_READ);
	return sandbox_landlock_rule(ruleset, dir, LANDLOCK_ACCESS_FS_READ_FILE);
}

static int
sandbox_landlock(const struct sandbox_paths *p, struct sandbox_state *st, char *why, size_t len)
{
	struct landlock_ruleset_attr attr = { .handled_access_fs = SANDBOX_FS_ALL };
	int abi, ruleset;

	abi = (int)syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
	if (abi < 1)
		return 0; /* no Landlock in this kernel (or disabled): best effort */
	if ((ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0)) < 0) {
		snprintf(why, len, "landlock ruleset: %s", strerror(errno));
		return -1;
	}
	/* wolfSSL seeds every new connection's RNG from /dev/urandom. */
	if (sandbox_landlock_rule(ruleset, "/dev/urandom", SANDBOX_FS_READ) != 0)
		goto fail;
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
	/* LeakSanitizer reads /proc/self/{task,maps} at exit (sanitizer builds only). */
	if (sandbox_landlock_rule(ruleset, "/proc", LANDLOCK_ACCESS_FS_READ_FILE |
		LANDLOCK_ACCESS_FS_READ_DIR) != 0)
		goto fail;
#endif
	for (size_t i = 0; i < sizeof(p->read) / sizeof(p->read[0]); i++)
		if (p->read[i] && sandbox_landlock_read(ruleset, p->read[i]) != 0)
			goto fail;
	for (size_t i = 0; i < sizeof(p->write_dirs) / sizeof(p->write_dirs[0]); i++)
		if (p->write_dirs[i] &&
		    sandbox_landlock_rule(ruleset, p->write_dirs[i], SANDBOX_FS_RW) != 0)
			goto fail;
	if (syscall(SYS_landlock_restrict_self, ruleset, 0) != 0)
		goto fail;
	close(ruleset);
	st->landlock_abi = abi;
	return 0;
fail:
	snprintf(why, len, "landlock: %s", strerror(errno));
	close(ruleset);
	return -1;
}

#ifdef HAVE_SECCOMP
/*
 * What the event loop, sockets, TLS, logging, the state file and reloads need. Anything
 * else fails with EPERM rather than killing the process: a path we missed degrades one
 * feature, it does not take name resolution down with it.
 */
static const int sandbox_syscalls[] = {
	SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(readv), SCMP_SYS(writev), SCMP_SYS(pread64),
	SCMP_SYS(pwrite64), SCMP_SYS(open), SCMP_SYS(openat), SCMP_SYS(close), SCMP_SYS(fstat),
	SCMP_SYS(newfstatat), SCMP_SYS(statx), SCMP_SYS(stat), SCMP_SYS(lstat), SCMP_SYS(lseek),
	SCMP_SYS(access), SCMP_SYS(faccessat), SCMP_SYS(faccessat2), SCMP_SYS(readlink),
	SCMP_SYS(readlinkat), SCMP_SYS(getdents64), SCMP_SYS(rename), SCMP_SYS(renameat),
	SCMP_SYS(renameat2), SCMP_SYS(unlink), SCMP_SYS(unlinkat), SCMP_SYS(mkdir),
	SCMP_SYS(mkdirat), SCMP_SYS(fsync), SCMP_SYS(fdatasync), SCMP_SYS(ftruncate),
	SCMP_SYS(fchmod), SCMP_SYS(fchown), SCMP_SYS(umask), SCMP_SYS(mmap), SCMP_SYS(munmap),
	SCMP_SYS(mremap), SCMP_SYS(mprotect), SCMP_SYS(madvise), SCMP_SYS(brk),
	SCMP_SYS(rt_sigaction), SCMP_SYS(rt_sigprocmask), SCMP_SYS(rt_sigreturn),
	SCMP_SYS(sigaltstack), SCMP_SYS(ioctl), SCMP_SYS(fcntl), SCMP_SYS(dup), SCMP_SYS(dup2),
	SCMP_SYS(dup3), SCMP_SYS(pipe), SCMP_SYS(pipe2), SCMP_SYS(eventfd2),
	SCMP_SYS(epoll_create1), SCMP_SYS(epoll_ctl), SCMP_SYS(epoll_wait), SCMP_SYS(epoll_pwait),
	SCMP_SYS(poll), SCMP_SYS(ppoll), SCMP_SYS(select), SCMP_SYS(pselect6), SCMP_SYS(socket),
	SCMP_SYS(socketpair), SCMP_SYS(connect), SCMP_SYS(accept), SCMP_SYS(accept4),
	SCMP_SYS(bind), SCMP_SYS(listen), SCMP_SYS(getsockname), SCMP_SYS(getpeername),
	SCMP_SYS(getsockopt), SCMP_SYS(setsockopt), SCMP_SYS(sendto), SCMP_SYS(recvfrom),
	SCMP_SYS(sendmsg), SCMP_SYS(recvmsg), SCMP_SYS(sendmmsg), SCMP_SYS(recvmmsg),
	SCMP_SYS(shutdown), SCMP_SYS(clock_gettime), SCMP_SYS(clock_getres),
	SCMP_SYS(gettimeofday), SCMP_SYS(time), SCMP_SYS(nanosleep), SCMP_SYS(clock_nanosleep),
	SCMP_SYS(getrandom), SCMP_SYS(getpid), SCMP_SYS(getppid), SCMP_SYS(gettid),
	SCMP_SYS(getuid), SCMP_SYS(geteuid), SCMP_SYS(getgid), SCMP_SYS(getegid),
	SCMP_SYS(getgroups), SCMP_SYS(exit), SCMP_SYS(exit_group), SCMP_SYS(futex),
	SCMP_SYS(set_robust_list), SCMP_SYS(rseq), SCMP_SYS(uname), SCMP_SYS(sysinfo),
	SCMP_SYS(prlimit64), SCMP_SYS(getrlimit), SCMP_SYS(restart_syscall), SCMP_SYS(tgkill),
	SCMP_SYS(kill), SCMP_SYS(sched_yield), SCMP_SYS(sched_getaffinity),
	SCMP_SYS(timerfd_create), SCMP_SYS(timerfd_settime), SCMP_SYS(timerfd_gettime),
	/* The exec self-test forks a child that must fail to exec; a fork alone runs nothing
	 * new, and it keeps this filter. */
	SCMP_SYS(clone), SCMP_SYS(clone3), SCMP_SYS(fork), SCMP_SYS(vfork), SCMP_SYS(wait4),
	SCMP_SYS(set_tid_address),
};

static int
sandbox_seccomp(struct sandbox_state *st, char *why, size_t len)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
	int rc;

	if (ctx == NULL) {
		snprintf(why, len, "seccomp_init failed");
		return -1;
	}
	for (size_t i = 0; i < sizeof(sandbox_syscalls) / sizeof(sandbox_syscalls[0]); i++)
		if (sandbox_syscalls[i] >= 0 &&
		    (rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, sandbox_syscalls[i], 0)) != 0 &&
		    rc != -EDOM) {
			snprintf(why, len, "seccomp_rule_add: %s", strerror(-rc));
			seccomp_release(ctx);
			return -1;
		}
	if ((rc = seccomp_load(ctx)) != 0) {
		snprintf(why, len, "seccomp_load: %s", strerror(-rc));
		seccomp_release(ctx);
		return -1;
	}
	seccomp_release(ctx);
	st->seccomp = 1;
	return 0;
}
#endif

int
sandbox_enter(const struct sandbox_paths *paths, int want_seccomp, struct sandbox_state *st,
    char *why, size_t whylen)
{
	memset(st, 0, sizeof(*st));
	why[0] = '\0';
	/* First: nothing this process runs from now on can gain privileges. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		snprintf(why, whylen, "no_new_privs: %s", strerror(errno));
		return -1;
	}
	st->no_new_privs = 1;
	if (sandbox_landlock(paths, st, why, whylen) != 0)
		return -1;
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
	/* LeakSanitizer's exit-time check needs ptrace: a sanitizer build (tests only) runs
	 * without the allowlist rather than fail every exit. */
	if (want_seccomp) {
		st->seccomp = -1;
		want_seccomp = 0;
	}
#endif
#ifdef HAVE_SECCOMP
	if (want_seccomp && sandbox_seccomp(st, why, whylen) != 0)
		return -1;
#else
	(void)want_seccomp;
#endif
	return 0;
}

int
sandbox_selftest_exec(void)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return errno;
	if (pid == 0) {
		char *const argv[] = { (char *)"true", NULL };
		execv("/bin/true", argv);
		_exit(errno > 0 && errno < 126 ? errno : 125);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

const char *
sandbox_dirname(const char *path, char *buf, size_t len)
{
	const char *slash = path ? strrchr(path, '/') : NULL;

	if (path == NULL || len < 2)
		return NULL;
	if (slash == NULL)
		snprintf(buf, len, ".");
	else if (slash == path)
		snprintf(buf, len, "/");
	else if ((size_t)(slash - path) < len)
		snprintf(buf, len, "%.*s", (int)(slash - path), path);
	else
		return NULL;
	return buf;
}
