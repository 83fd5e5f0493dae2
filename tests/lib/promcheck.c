// SPDX-License-Identifier: BSD-3-Clause
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "output/out_prom.h"
#include "promcheck.h"

int promcheck_agg(const struct agg *a, const struct run_stats *st)
{
	char dir[] = "/tmp/tlsmon-promcheck-XXXXXX", cmd[256], msg[1024];
	size_t len = sizeof(msg), n = 0;
	struct out_prom *o = NULL;
	FILE *p;
	int rc = -1;

	msg[0] = 0;
	if (system("command -v promtool >/dev/null 2>&1"))
		return 1;
	if (!mkdtemp(dir)) {
		snprintf(msg, len, "mkdtemp failed");
		return -1;
	}
	o = out_prom_new(dir, a);
	if (!o || out_prom_write(o, st)) {
		snprintf(msg, len, "out_prom_write failed");
		goto out;
	}
	snprintf(cmd, sizeof(cmd), "promtool check metrics < %s 2>&1", out_prom_path(o));
	p = popen(cmd, "r");
	if (!p) {
		snprintf(msg, len, "cannot run promtool");
		goto out;
	}
	n = fread(msg, 1, len - 1, p);
	msg[n] = 0;
	rc = pclose(p) || n ? -1 : 0;
out:
	if (rc)
		fprintf(stderr, "promtool: %s\n", msg);
	if (o)
		unlink(out_prom_path(o));
	rmdir(dir);
	out_prom_free(o);
	return rc;
}
