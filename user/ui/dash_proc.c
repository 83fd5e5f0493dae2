// SPDX-License-Identifier: BSD-3-Clause
/* The dashboard's table of local programs (dash_proc.h). */
#include <stdio.h>
#include <string.h>
#include "ui/dash_proc.h"
#include "model/local_id.h"
#include "lib/esc.h"
#include "lib/str.h"

/* esc_term() of a string of at most n bytes; "..." ends it when cut. */
static void esc_cut(char *dst, size_t len, const char *src, size_t n)
{
	char tmp[4 * (2 * LOCAL_NAME_MAX + 2) + 1];

	n = strnlen(src, n);
	if (n > 2 * LOCAL_NAME_MAX + 1)
		n = 2 * LOCAL_NAME_MAX + 1;
	esc_term(tmp, sizeof(tmp), src, n);
	if (strlen(tmp) < len) {
		memcpy(dst, tmp, strlen(tmp) + 1);
		return;
	}
	snprintf(dst, len, "%.*s...", (int)len - 4, tmp);
}

static void proc_name(char *dst, size_t len, const struct local_id *l)
{
	char name[2 * LOCAL_NAME_MAX + 2];

	local_id_process(l, name, sizeof(name));
	esc_cut(dst, len, name, sizeof(name));
}

/* "client pid 1234 curl /usr/bin/curl": which end, and the process itself. */
static void proc_who(char *dst, size_t len, const struct local_id *l, int exe)
{
	char comm[4 * LOCAL_COMM_MAX + 1], path[DASH_NAME];
	int n;

	esc_cut(comm, sizeof(comm), l->comm, sizeof(l->comm));
	n = snprintf(dst, len, "%s pid %u %s", side_name(l->side), l->pid, comm);
	if (!exe || !l->exe[0] || n < 0 || (size_t)n + 2 >= len)
		return;
	esc_cut(path, len - n - 1, l->exe, sizeof(l->exe));
	str_catf(dst, len, n, " %s", path);
}

/* Fewest failures first, then least recently seen: the one to give up. */
static struct dash_proc *weakest(struct dash_model *m)
{
	struct dash_proc *p = &m->procs[0];
	uint32_t i;

	for (i = 1; i < m->n_procs; i++) {
		struct dash_proc *q = &m->procs[i];

		if (q->c.failed != p->c.failed ? q->c.failed < p->c.failed : q->last_ns < p->last_ns)
			p = q;
	}
	return p;
}

static struct dash_proc *proc_get(struct dash_model *m, const char *name)
{
	struct dash_proc *p;
	uint32_t i;

	for (i = 0; i < m->n_procs; i++)
		if (!strcmp(m->procs[i].name, name))
			return &m->procs[i];
	if (m->n_procs < DASH_MAX_PROCS) {
		p = &m->procs[m->n_procs++];
	} else {
		p = weakest(m);
		dash_model_count_fold(&m->procs_other, &p->c);
	}
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", name);
	return p;
}

void dash_proc_record(struct dash_model *m, const struct hs_record *r, const char *label,
		      const char *server, uint64_t t)
{
	char name[DASH_NAME];
	struct dash_proc *p;

	if (!r->local) {
		m->no_proc++;
		return;
	}
	proc_name(name, sizeof(name), r->local);
	if (!name[0]) {
		m->no_proc++;
		return;
	}
	p = proc_get(m, name);
	dash_model_count(&p->c, r, label);
	p->last_ns = t;
	proc_who(p->latest, sizeof(p->latest), r->local, 1);
	if (r->outcome == OUTCOME_FAILED)
		snprintf(p->last_failed, sizeof(p->last_failed), "%s", server);
}

void dash_proc_failure(struct dash_failure *f, const struct hs_record *r)
{
	f->process[0] = f->proc_who[0] = 0;
	if (!r->local)
		return;
	proc_name(f->process, sizeof(f->process), r->local);
	proc_who(f->proc_who, sizeof(f->proc_who), r->local, 0);
}
