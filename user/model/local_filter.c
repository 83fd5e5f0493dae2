// SPDX-License-Identifier: BSD-3-Clause
#include <string.h>
#include "model/local_filter.h"
#include "model/local_id.h"

int local_filter_any(const struct local_filter *f)
{
	return f && (f->pid || f->cgroup || f->unit);
}

/* path is top or a cgroup below it: "/a" holds "/a/b", not "/ab" */
static int under(const char *path, const char *top)
{
	size_t n = strlen(top);

	while (n > 1 && top[n - 1] == '/')
		n--;
	if (n == 1 && top[0] == '/')
		return path[0] == '/';
	return !strncmp(path, top, n) && (path[n] == 0 || path[n] == '/');
}

/* the unit, or the last part of a nested one ("user@1000.service/app.scope") */
static int unit_is(const char *unit, const char *name)
{
	const char *last = strrchr(unit, '/');

	return !strcmp(unit, name) || (last && !strcmp(last + 1, name));
}

int local_filter_match(const struct local_filter *f, const struct local_id *id)
{
	if (!local_filter_any(f))
		return 1;
	if (!id)
		return 0;
	if (f->pid && id->pid != f->pid)
		return 0;
	if (f->cgroup && !under(id->cgroup_path, f->cgroup))
		return 0;
	if (f->unit && !unit_is(id->unit, f->unit))
		return 0;
	return 1;
}
