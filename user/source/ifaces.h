/* SPDX-License-Identifier: BSD-3-Clause */
/* Interfaces to watch: names from the command line or the default route. */
#ifndef TLSMON_IFACES_H
#define TLSMON_IFACES_H

#include <net/if.h>
#include <stddef.h>

#define TLSMON_MAX_IFACES 16

struct iface {
	char name[IF_NAMESIZE];
	unsigned int ifindex;
};

/*
 * Fill out with the comma-separated list, or with the interface of the
 * default route (IPv4, else IPv6) when list is NULL.  Returns the count, or
 * -errno with a message in err.
 */
int ifaces_resolve(const char *list, struct iface *out, size_t max, char *err, size_t errlen);
/* The default route's interface name, or -ENOENT. */
int ifaces_default_route(char *name, size_t len);

#endif
