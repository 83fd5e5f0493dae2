/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Watching the watched interfaces: an rtnetlink socket, opened before the
 * privilege drop (reading it needs none), tells when one is deleted, moved
 * to another namespace, renamed, or set down and up.  XDP and TCX links
 * survive down/up; a deleted interface takes them along, and attaching to
 * the one that replaces it needs the privileges tlsmon no longer has.
 */
#ifndef TLSMON_LINKWATCH_H
#define TLSMON_LINKWATCH_H

#include <stddef.h>
#include "source/ifaces.h"

struct linkwatch;

/* Watch ifs[0..n).  NULL with a message in err. */
struct linkwatch *linkwatch_open(const struct iface *ifs, size_t n, char *err, size_t errlen);
/*
 * Read what the kernel said since the last call, without waiting; log
 * down/up and renames.  Returns the index in ifs of an interface that went
 * away (its name in gone), or -1.
 */
int linkwatch_check(struct linkwatch *lw, char *gone, size_t len);
void linkwatch_close(struct linkwatch *lw);

#endif
