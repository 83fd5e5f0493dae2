/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The system call allowlist the collector runs under once its sources and
 * outputs are open and its privileges dropped (seccomp, through libseccomp).
 * A call outside it kills the process with SIGSYS, so a violation is loud.
 */
#ifndef TLSMON_SANDBOX_H
#define TLSMON_SANDBOX_H

#include <stddef.h>

enum sandbox_mode {
	SANDBOX_OFF,	/* no filter */
	SANDBOX_LOG,	/* calls outside the list are logged by the kernel (audit), and run */
	SANDBOX_KILL,	/* calls outside the list kill the process (SIGSYS) */
};

/* "kill", "log" or "off" (TLSMON_SECCOMP); -EINVAL for anything else. */
int sandbox_mode_parse(const char *s);
const char *sandbox_mode_name(enum sandbox_mode m);
/*
 * --verify: the probe thread, started after the filter, makes TCP connections
 * (INET and INET6 sockets, connect, getsockopt, getpeername) and the thread
 * itself (clone with CLONE_THREAD; clone3 answers ENOSYS, so the C library
 * falls back to clone, whose flags a filter can read).
 */
#define SANDBOX_F_PROBES 1u

/*
 * Load the filter for the rest of the process's life (threads started later
 * inherit it), with the SANDBOX_F_* additions in flags.  SANDBOX_OFF does
 * nothing.  0, or -errno with a message.
 */
int sandbox_enter(enum sandbox_mode m, unsigned flags, char *err, size_t errlen);
/*
 * For the tests (TLSMON_SANDBOX_SELFTEST): make a call the filter forbids.
 * Each is harmless when it runs: "execve" of a file that does not exist;
 * "bpf": a BPF map's descriptor by id (refused without CAP_SYS_ADMIN);
 * "socket": an INET socket, closed at once; "ioctl": TIOCSTI (push a byte
 * into a terminal's input) on no descriptor; "compat" (x86-64): getpid
 * through the 32-bit ABI.  Under SANDBOX_KILL this does not return.
 * Returns the call's result (-errno) when it ran; -EINVAL for an unknown
 * name.
 */
int sandbox_selftest(const char *what);

#endif
