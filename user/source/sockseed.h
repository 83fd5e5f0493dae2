/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Listeners older than tlsmon: the tracepoint set names a server at its
 * listen(), which a server started at boot did before the hooks.  At start,
 * after the hooks attach and before the privilege drop, the listening
 * sockets that already exist are put in the sockets map from /proc, in the
 * entry the tracepoint's listen path writes.
 */
#ifndef TLSMON_SOURCE_SOCKSEED_H
#define TLSMON_SOURCE_SOCKSEED_H

#include <stdint.h>
#include "tlsmon_sockid.h"

#define SOCKSEED_MAX_PROCS 65536	/* processes walked */
#define SOCKSEED_MAX_FDS 65536		/* descriptors of one process looked at */
#define SOCKSEED_MAX_LISTENERS 4096	/* listening sockets kept */
#define SOCKSEED_MAX_NETNS 1024		/* network namespaces whose tables are read */
#define SOCKSEED_MAX_LINES (1 << 20)	/* lines of one /proc/PID/net/tcp{,6} */

struct sockseed_stats {
	uint64_t seeded;	/* listeners put in the map */
	uint64_t present;	/* already there: the tracepoint saw their listen() */
	uint64_t ambiguous;	/* one address and port listened in several other namespaces */
	uint64_t vanished;	/* closed while tlsmon read them: stamped closed */
	uint64_t unreadable;	/* processes whose namespace or descriptors could not be read */
	uint64_t skipped;	/* past a bound: processes, descriptors, lines, listeners */
	uint64_t malformed;	/* table lines that did not parse */
	uint64_t failed;	/* entries the map refused */
};

/*
 * One line of /proc/net/tcp (v6 0) or tcp6 (v6 1): 1 a listening socket,
 * its address and port in k (remote end 0, IPv4-mapped for IPv4) and its
 * inode in *inode; 0 a socket in another state; -EINVAL a line that does
 * not have the kernel's shape.
 */
int sockseed_parse_line(const char *line, int v6, struct sockid_key *k, uint64_t *inode);

/*
 * Walk proc (normally "/proc") and put the listeners found in the map
 * map_fd (struct sockid_key -> struct sockid_val), never over an entry
 * already there.  own_netns: tlsmon's network namespace, whose listener
 * wins an address and port several namespaces listen on.  0, or -errno
 * when proc cannot be read at all; counts in *st.
 */
int sockseed_run(int map_fd, const char *proc, uint32_t own_netns, struct sockseed_stats *st);

#endif
