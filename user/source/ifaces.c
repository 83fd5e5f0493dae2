// SPDX-License-Identifier: BSD-3-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "source/ifaces.h"

static int route4(char *name, size_t len)
{
	FILE *f = fopen("/proc/net/route", "r");
	char line[512], ifn[IF_NAMESIZE + 1];
	unsigned long dst, mask;
	unsigned flags;
	int found = -ENOENT;

	if (!f)
		return -errno;
	if (!fgets(line, sizeof(line), f)) {
		fclose(f);
		return -ENOENT;
	}
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%16s %lx %*x %x %*d %*d %*d %lx", ifn, &dst, &flags, &mask) != 4)
			continue;
		/* RTF_UP, destination and mask 0: the default route */
		if ((flags & 1) && dst == 0 && mask == 0) {
			snprintf(name, len, "%s", ifn);
			found = 0;
			break;
		}
	}
	fclose(f);
	return found;
}

static int route6(char *name, size_t len)
{
	FILE *f = fopen("/proc/net/ipv6_route", "r");
	char line[512], dst[33], ifn[IF_NAMESIZE + 1];
	unsigned plen, flags;
	int found = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%32s %x %*s %*x %*s %*x %*x %*x %x %16s", dst, &plen, &flags, ifn) != 4)
			continue;
		if (plen == 0 && !strcmp(dst, "00000000000000000000000000000000") && (flags & 1) &&
		    strcmp(ifn, "lo")) {
			snprintf(name, len, "%s", ifn);
			found = 0;
			break;
		}
	}
	fclose(f);
	return found;
}

int ifaces_default_route(char *name, size_t len)
{
	return route4(name, len) == 0 ? 0 : route6(name, len);
}

int ifaces_resolve(const char *list, struct iface *out, size_t max, char *err, size_t errlen)
{
	char buf[1024], *tok, *save = NULL;
	size_t n = 0, i;

	if (!list) {
		if (ifaces_default_route(buf, sizeof(buf))) {
			snprintf(err, errlen, "no default route to take the interface from; "
					      "name one with -i IFACE");
			return -ENOENT;
		}
	} else {
		if (strlen(list) >= sizeof(buf)) {
			snprintf(err, errlen, "interface list too long");
			return -EINVAL;
		}
		strcpy(buf, list);
	}
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (!*tok)
			continue;
		if (n == max) {
			snprintf(err, errlen, "at most %zu interfaces", max);
			return -E2BIG;
		}
		if (strlen(tok) >= IF_NAMESIZE) {
			snprintf(err, errlen, "interface name too long: %s", tok);
			return -EINVAL;
		}
		out[n].ifindex = if_nametoindex(tok);
		if (!out[n].ifindex) {
			snprintf(err, errlen, "no such interface: %s (see 'ip link')", tok);
			return -ENODEV;
		}
		snprintf(out[n].name, sizeof(out[n].name), "%s", tok);
		for (i = 0; i < n; i++)
			if (out[i].ifindex == out[n].ifindex)
				break;
		if (i == n)
			n++;
	}
	if (!n) {
		snprintf(err, errlen, "no interface given");
		return -EINVAL;
	}
	return (int)n;
}
