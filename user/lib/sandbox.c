// SPDX-License-Identifier: BSD-3-Clause
/*
 * The running collector's system calls, and nothing else.  The list was
 * taken from real runs of every mode (SECURITY.md, "System call filter"):
 * reading the ring buffer and the maps, writing the outputs (the textfile's
 * temporary file and rename, --log reopened on SIGHUP), the dashboard's
 * terminal, the netlink socket that watches the interfaces, and exit.
 */
#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>
#include <linux/bpf.h>
#include "lib/sandbox.h"

/* Allowed whatever their arguments.  Names unknown on this architecture are skipped. */
static const char *const plain[] = {
	/* descriptors already open, and the files the outputs rewrite or reopen */
	"read", "write", "readv", "writev", "pread64", "pwrite64", "lseek", "close",
	"fstat", "newfstatat", "statx", "stat", "lstat", "openat", "open", "fcntl",
	"fsync", "fdatasync", "ftruncate", "fchmod", "rename", "renameat", "renameat2", "unlink",
	"unlinkat", "access", "faccessat", "faccessat2", "getdents64", "dup", "dup2",
	"dup3",
	/*
	 * memory (mmap and mprotect below, without PROT_EXEC); sysinfo: glibc's
	 * qsort (before 2.37) asks for the memory size at its first large sort,
	 * which OpenSSL's trust store makes when it is first used, inside
	 */
	"munmap", "mremap", "brk", "madvise", "sysinfo",
	/* waiting: the ring buffer's epoll, the terminal, the netlink socket */
	"epoll_wait", "epoll_pwait", "epoll_pwait2", "poll", "ppoll", "select", "pselect6",
	"nanosleep", "clock_nanosleep", "clock_gettime", "clock_getres", "gettimeofday",
	"time",
	/*
	 * The netlink socket that watches the interfaces, already open; at exit,
	 * libbpf's netlink socket for the TC filters of kernels before TCX
	 * (socket below; the kernel refuses the removal once unprivileged)
	 */
	"recvfrom", "recvmsg", "sendto", "sendmsg", "bind", "getsockname", "setsockopt",
	/* signals, threads' locks, identity, randomness */
	"rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "sigaltstack", "restart_syscall",
	"futex", "sched_yield", "getrandom", "getpid", "gettid", "getuid", "geteuid",
	"getgid", "getegid",
	"exit", "exit_group",
};

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANDBOX_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define SANDBOX_ASAN 1
#endif

#ifdef SANDBOX_ASAN
/*
 * The ASan build only (the asan test group): LeakSanitizer, at exit, stops
 * the threads from a helper that is a clone of the process and ptraces them,
 * reading /proc/self/task; the runtime toggles the dumpable flag around it;
 * a report is symbolized after readlink of /proc/self/exe.  Seen in the
 * asan group's runs with TLSMON_SECCOMP=log.
 */
static const char *const sanitizer[] = {
	"clone", "wait4", "ptrace", "prctl", "getppid", "getdents", "readlink",
};
#endif

struct arg_rule {
	const char *name;
	unsigned arg;
	scmp_datum_t mask, value;
};

/*
 * Allowed only with these arguments.  A system call named in several rules is
 * allowed when any of them matches.  Commands are compared on their low 32
 * bits, which is all the kernel reads of them.
 */
#define M32 0xffffffffull
static const struct arg_rule by_arg[] = {
	/* the maps through the descriptors held: read, iterate, delete (the sweep
	 * walks the flow map in lookup batches) */
	{ "bpf", 0, M32, BPF_MAP_LOOKUP_ELEM },
	{ "bpf", 0, M32, BPF_MAP_GET_NEXT_KEY },
	/* no new executable memory */
	{ "mmap", 2, PROT_EXEC, 0 },
	{ "mprotect", 2, PROT_EXEC, 0 },
	/* the dashboard's terminal: its modes and size, nothing pushed into its input */
	{ "ioctl", 1, M32, TCGETS },
	{ "ioctl", 1, M32, TCSETS },
	{ "ioctl", 1, M32, TCSETSW },
	{ "ioctl", 1, M32, TCSETSF },
	{ "ioctl", 1, M32, TIOCGWINSZ },
	{ "ioctl", 1, M32, FIONREAD },
	/*
	 * An interface's name from its index (if_indextoname: the records'
	 * interface, the link watch's resync): glibc asks with SIOCGIFNAME on a
	 * datagram socket of its own, AF_UNIX first.
	 */
	{ "ioctl", 1, M32, SIOCGIFNAME },
	{ "socket", 0, M32, AF_UNIX },
	/* removing netlink TC filters at exit (the kernel refuses them unprivileged) */
	{ "socket", 0, M32, AF_NETLINK },
};

/* SANDBOX_F_PROBES (--verify): the probe thread and its TCP connections */
static const char *const probes_plain[] = {
	"connect", "getsockopt", "getpeername", "shutdown", "set_robust_list", "rseq",
};

static const struct arg_rule probes_by_arg[] = {
	{ "socket", 0, M32, AF_INET },
	{ "socket", 0, M32, AF_INET6 },
	/* threads only: a clone without CLONE_THREAD (a new process) still kills */
	{ "clone", 0, CLONE_THREAD, CLONE_THREAD },
};

int sandbox_mode_parse(const char *s)
{
	if (!strcmp(s, "kill"))
		return SANDBOX_KILL;
	if (!strcmp(s, "log"))
		return SANDBOX_LOG;
	if (!strcmp(s, "off"))
		return SANDBOX_OFF;
	return -EINVAL;
}

const char *sandbox_mode_name(enum sandbox_mode m)
{
	return m == SANDBOX_KILL ? "kill" : m == SANDBOX_LOG ? "log" : "off";
}

static int add_plain(scmp_filter_ctx ctx, const char *name, char *err, size_t errlen)
{
	int nr = seccomp_syscall_resolve_name(name), e;

	if (nr == __NR_SCMP_ERROR)
		return 0;
	e = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
	if (e)
		snprintf(err, errlen, "seccomp: cannot allow %s: %s", name, strerror(-e));
	return e;
}

static int add_arg(scmp_filter_ctx ctx, const struct arg_rule *r, char *err, size_t errlen)
{
	int nr = seccomp_syscall_resolve_name(r->name), e;

	if (nr == __NR_SCMP_ERROR)
		return 0;
	e = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
			     SCMP_CMP(r->arg, SCMP_CMP_MASKED_EQ, r->mask, r->value));
	if (e)
		snprintf(err, errlen, "seccomp: cannot allow %s: %s", r->name, strerror(-e));
	return e;
}

/*
 * tgkill only to this process: abort() and the sanitizers signal themselves,
 * and the filter's own SIGSYS must reach us too.
 */
static int add_self_signals(scmp_filter_ctx ctx, char *err, size_t errlen)
{
	int e = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1,
				 SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)getpid()));

	if (e)
		snprintf(err, errlen, "seccomp: cannot allow tgkill: %s", strerror(-e));
	return e;
}

int sandbox_enter(enum sandbox_mode m, unsigned flags, char *err, size_t errlen)
{
	scmp_filter_ctx ctx;
	size_t i;
	int e = 0;

	if (m == SANDBOX_OFF)
		return 0;
	ctx = seccomp_init(m == SANDBOX_KILL ? SCMP_ACT_KILL_PROCESS : SCMP_ACT_LOG);
	if (!ctx) {
		snprintf(err, errlen, "seccomp: cannot set up a filter (out of memory)");
		return -ENOMEM;
	}
	/*
	 * The filter's first test is the call's architecture: numbers mean other
	 * calls in the 32-bit ABI (int $0x80 on x86-64), so a call from any
	 * architecture but the one built for kills, whatever the mode.
	 */
	e = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	if (e)
		snprintf(err, errlen, "seccomp: cannot refuse other architectures: %s", strerror(-e));
	/* every thread already running (--read's record writers) is held to it too */
	if (!e && (e = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1)))
		snprintf(err, errlen, "seccomp: cannot cover every thread: %s", strerror(-e));
	for (i = 0; !e && i < sizeof(plain) / sizeof(plain[0]); i++)
		e = add_plain(ctx, plain[i], err, errlen);
	for (i = 0; !e && i < sizeof(by_arg) / sizeof(by_arg[0]); i++)
		e = add_arg(ctx, &by_arg[i], err, errlen);
#ifdef SANDBOX_ASAN
	for (i = 0; !e && i < sizeof(sanitizer) / sizeof(sanitizer[0]); i++)
		e = add_plain(ctx, sanitizer[i], err, errlen);
#endif
	if (flags & SANDBOX_F_PROBES) {
		for (i = 0; !e && i < sizeof(probes_plain) / sizeof(probes_plain[0]); i++)
			e = add_plain(ctx, probes_plain[i], err, errlen);
		for (i = 0; !e && i < sizeof(probes_by_arg) / sizeof(probes_by_arg[0]); i++)
			e = add_arg(ctx, &probes_by_arg[i], err, errlen);
		/* unreadable flags (a struct): ENOSYS sends the C library to clone */
		if (!e && seccomp_syscall_resolve_name("clone3") != __NR_SCMP_ERROR) {
			e = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS),
					     seccomp_syscall_resolve_name("clone3"), 0);
			if (e)
				snprintf(err, errlen, "seccomp: cannot answer clone3: %s",
					 strerror(-e));
		}
	}
	if (!e)
		e = add_self_signals(ctx, err, errlen);
	if (!e) {
		e = seccomp_load(ctx);
		if (e)
			snprintf(err, errlen, "seccomp: the kernel refused the filter: %s",
				 strerror(-e));
	}
	seccomp_release(ctx);
	return e;
}

int sandbox_selftest(const char *what)
{
	if (!strcmp(what, "execve")) {
		char *const argv[] = { "tlsmon-selftest", NULL };

		execve("/nonexistent/tlsmon-selftest", argv, NULL);
		return -errno;
	}
	if (!strcmp(what, "bpf")) {
		union bpf_attr a = { .map_id = 1 };
		long fd = syscall(__NR_bpf, BPF_MAP_GET_FD_BY_ID, &a, sizeof(a));

		if (fd >= 0)
			close(fd);
		return fd < 0 ? -errno : 0;
	}
	if (!strcmp(what, "socket")) {
		int fd = socket(AF_INET, SOCK_DGRAM, 0);

		if (fd >= 0)
			close(fd);
		return fd < 0 ? -errno : 0;
	}
#ifdef __x86_64__
	if (!strcmp(what, "compat")) {
		long r = 20;	/* getpid in the 32-bit ABI */

		__asm__ volatile("int $0x80" : "+a"(r) : : "memory");
		return r < 0 ? r : 0;
	}
#endif
	if (!strcmp(what, "ioctl")) {
		char c = ' ';

		return ioctl(-1, TIOCSTI, &c) ? -errno : 0;
	}
	return -EINVAL;
}
