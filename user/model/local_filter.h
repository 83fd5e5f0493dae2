/* SPDX-License-Identifier: BSD-3-Clause */
/* --pid, --cgroup, --unit: which local programs' handshakes are reported. */
#ifndef TLSMON_LOCAL_FILTER_H
#define TLSMON_LOCAL_FILTER_H

#include <stdint.h>

struct local_id;

/* A handshake is kept when its local end matches every one given. */
struct local_filter {
	uint32_t pid;		/* 0: any */
	const char *cgroup;	/* a cgroup v2 path and what is below it; NULL any */
	const char *unit;	/* a systemd unit (or a nested one's last part); NULL any */
};

/* Nonzero when any is given. */
int local_filter_any(const struct local_filter *f);
/* Nonzero when id (NULL: no local program) passes f; everything passes no filter. */
int local_filter_match(const struct local_filter *f, const struct local_id *id);

#endif
