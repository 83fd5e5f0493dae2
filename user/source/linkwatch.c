// SPDX-License-Identifier: BSD-3-Clause
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "source/linkwatch.h"
#include "lib/log.h"

struct link {
	struct iface ifc;
	unsigned int flags;	/* IFF_UP, IFF_LOWER_UP as last seen */
	int gone;
};

struct linkwatch {
	int fd;
	size_t n;
	struct link l[TLSMON_MAX_IFACES];
};

/* <linux/if.h> has it, but does not mix with <net/if.h> */
#ifndef IFF_LOWER_UP
#define IFF_LOWER_UP 0x10000
#endif
#define LINK_STATE (IFF_UP | IFF_LOWER_UP)

struct linkwatch *linkwatch_open(const struct iface *ifs, size_t n, char *err, size_t errlen)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = RTMGRP_LINK };
	struct linkwatch *lw;
	size_t i;

	if (n > TLSMON_MAX_IFACES) {
		snprintf(err, errlen, "at most %d interfaces", TLSMON_MAX_IFACES);
		return NULL;
	}
	lw = calloc(1, sizeof(*lw));
	if (!lw) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	lw->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (lw->fd < 0 || bind(lw->fd, (struct sockaddr *)&sa, sizeof(sa))) {
		snprintf(err, errlen, "cannot watch interface changes (rtnetlink): %s",
			 strerror(errno));
		linkwatch_close(lw);
		return NULL;
	}
	lw->n = n;
	for (i = 0; i < n; i++) {
		lw->l[i].ifc = ifs[i];
		lw->l[i].flags = LINK_STATE;
	}
	return lw;
}

void linkwatch_close(struct linkwatch *lw)
{
	if (!lw)
		return;
	if (lw->fd >= 0)
		close(lw->fd);
	free(lw);
}

static struct link *find(struct linkwatch *lw, int ifindex)
{
	size_t i;

	for (i = 0; i < lw->n; i++)
		if ((int)lw->l[i].ifc.ifindex == ifindex && !lw->l[i].gone)
			return &lw->l[i];
	return NULL;
}

/* The name the kernel now gives the link; NULL when the message has none. */
static const char *msg_name(struct nlmsghdr *h, struct ifinfomsg *ifi)
{
	int len = h->nlmsg_len - NLMSG_LENGTH(sizeof(*ifi));
	struct rtattr *a;

	for (a = IFLA_RTA(ifi); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		/* the kernel's bytes, yet re-check: the name must end inside the attribute */
		if (a->rta_type == IFLA_IFNAME && RTA_PAYLOAD(a) > 0 &&
		    memchr(RTA_DATA(a), 0, RTA_PAYLOAD(a)))
			return RTA_DATA(a);
	}
	return NULL;
}

static void link_changed(struct link *l, struct nlmsghdr *h, struct ifinfomsg *ifi)
{
	unsigned int now = ifi->ifi_flags & LINK_STATE;
	const char *name = msg_name(h, ifi);

	if (name && strcmp(name, l->ifc.name) && strlen(name) < sizeof(l->ifc.name)) {
		pr_info("%s is now called %s; still watching it", l->ifc.name, name);
		snprintf(l->ifc.name, sizeof(l->ifc.name), "%s", name);
	}
	if (now == l->flags)
		return;
	if (!(now & IFF_UP))
		pr_warn("%s is down: nothing to see until it is up again (tlsmon stays attached)",
			l->ifc.name);
	else if (!(now & IFF_LOWER_UP))
		pr_warn("%s has no carrier: nothing to see until it has (tlsmon stays attached)",
			l->ifc.name);
	else
		pr_info("%s is up again", l->ifc.name);
	l->flags = now;
}

/* Messages were lost: ask the kernel directly which links still exist. */
static void resync(struct linkwatch *lw)
{
	char name[IF_NAMESIZE];
	size_t i;

	for (i = 0; i < lw->n; i++)
		if (!lw->l[i].gone && !if_indextoname(lw->l[i].ifc.ifindex, name) && errno == ENXIO)
			lw->l[i].gone = 1;
}

static int first_gone(struct linkwatch *lw, char *gone, size_t len)
{
	size_t i;

	for (i = 0; i < lw->n; i++) {
		if (lw->l[i].gone) {
			snprintf(gone, len, "%s", lw->l[i].ifc.name);
			return (int)i;
		}
	}
	return -1;
}

int linkwatch_check(struct linkwatch *lw, char *gone, size_t len)
{
	char buf[16384] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct nlmsghdr *h;
	struct ifinfomsg *ifi;
	struct link *l;
	ssize_t n;
	int round;

	/* bounded: a storm of link messages is read over several calls */
	for (round = 0; round < 64; round++) {
		n = recv(lw->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0) {
			if (errno == ENOBUFS)
				resync(lw);
			else if (errno != EAGAIN && errno != EINTR)
				pr_debug("rtnetlink: %s", strerror(errno));
			if (errno != ENOBUFS)
				break;
			continue;
		}
		if (n == 0)
			break;
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_type != RTM_NEWLINK && h->nlmsg_type != RTM_DELLINK)
				continue;
			if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*ifi)))
				continue;
			ifi = NLMSG_DATA(h);
			l = find(lw, ifi->ifi_index);
			if (!l)
				continue;
			if (h->nlmsg_type == RTM_DELLINK)
				l->gone = 1;
			else
				link_changed(l, h, ifi);
		}
	}
	return first_gone(lw, gone, len);
}
