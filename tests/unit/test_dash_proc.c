// SPDX-License-Identifier: BSD-3-Clause
/*
 * user/ui/dash_proc.c with dash_model.c and dash_query.c: the dashboard's
 * Processes view without a terminal.  Synthetic records carrying a struct
 * local_id go in; the table of programs (named by local_id_process()),
 * their counts and main reasons, the latest process and failing server,
 * records without an identity counted apart, the cap folding into "other"
 * without losing a count, hostile comms stored escaped, the failure detail
 * naming the process, sort and filter.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "pkt.h"
#include "model/local_id.h"
#include "ui/dash_query.h"

#define SEC 1000000000ull
#define T0 (1700000000ull * SEC)
#define CID "3f2a9c0b1d2e4f5061728394a5b6c7d8e9f00112233445566778899aabbccdd0"

static struct fingerprints fp;
static struct server_fingerprint sfp;
static struct local_id lid;
static uint64_t next_id;

/* A handshake to server:443; with cgroup, its client is a program of this host. */
static void feed(struct dash_model *m, enum outcome oc, enum reason why, const char *server,
		 const char *cgroup, const char *comm, uint32_t pid)
{
	struct hs_record r;

	memset(&r, 0, sizeof(r));
	r.fp = &fp;
	r.sfp = &sfp;
	r.id = ++next_id;
	r.start_ns = r.end_ns = T0 + next_id * SEC;
	r.family = 4;
	assert_int_equal(pkt_addr_rec(r.caddr, "10.77.1.2"), 0);
	assert_int_equal(pkt_addr_rec(r.saddr, server), 0);
	r.cport = 40000;
	r.sport = 443;
	r.outcome = oc;
	r.reason = why;
	r.ev.confidence = oc == OUTCOME_FAILED ? CONFIDENCE_CONFIRMED : CONFIDENCE_NONE;
	if (cgroup) {
		memset(&lid, 0, sizeof(lid));
		lid.side = SIDE_CLIENT;
		lid.pid = pid;
		snprintf(lid.comm, sizeof(lid.comm), "%s", comm);
		snprintf(lid.exe, sizeof(lid.exe), "/usr/bin/%s", comm);
		snprintf(lid.cgroup_path, sizeof(lid.cgroup_path), "%s", cgroup);
		local_id_derive(&lid, NULL);
		r.local = &lid;
	}
	dash_model_record(m, &r);
}

static const struct dash_proc *find(const struct dash_model *m, const char *name)
{
	uint32_t i;

	for (i = 0; i < m->n_procs; i++)
		if (!strcmp(m->procs[i].name, name))
			return &m->procs[i];
	return NULL;
}

static void test_processes_counted(void **state)
{
	struct dash_model *m = dash_model_new();
	const struct dash_proc *p;
	uint32_t idx[DASH_MAX_PROCS];

	(void)state;
	feed(m, OUTCOME_ESTABLISHED, REASON_NONE, "10.77.2.2", "/system.slice/app.service", "java", 10);
	feed(m, OUTCOME_FAILED, REASON_NO_SHARED_CIPHER, "10.77.3.2", "/system.slice/app.service",
	     "java", 11);
	feed(m, OUTCOME_FAILED, REASON_NO_SHARED_CIPHER, "10.77.3.2", "/system.slice/app.service",
	     "java", 11);
	feed(m, OUTCOME_FAILED, REASON_VERSION_MISMATCH, "10.77.3.2",
	     "/system.slice/docker-" CID ".scope", "python3", 20);
	feed(m, OUTCOME_ESTABLISHED, REASON_NONE, "10.77.2.2", "/", "curl", 30);
	feed(m, OUTCOME_ESTABLISHED, REASON_NONE, "10.77.2.2", NULL, NULL, 0);
	feed(m, OUTCOME_FAILED, REASON_NO_SHARED_CIPHER, "10.77.3.2", NULL, NULL, 0);

	assert_int_equal(m->n_procs, 3);
	assert_int_equal(m->no_proc, 2);
	p = find(m, "app.service");
	assert_non_null(p);
	assert_int_equal(p->c.total, 3);
	assert_int_equal(p->c.failed, 2);
	assert_string_equal(dash_query_main_reason(&p->c), "no_shared_cipher");
	assert_string_equal(p->latest, "client pid 11 java /usr/bin/java");
	assert_string_equal(p->last_failed, "10.77.3.2:443");
	p = find(m, "docker:3f2a9c0b1d2e");
	assert_non_null(p);
	assert_int_equal(p->c.failed, 1);
	p = find(m, "curl");
	assert_non_null(p);
	assert_string_equal(p->last_failed, "");

	/* sorted by failures; filters by name, reason, server, pid */
	assert_int_equal(dash_query_procs(m, DASH_SORT_FAILED, "", idx), 3);
	assert_string_equal(m->procs[idx[0]].name, "app.service");
	assert_string_equal(m->procs[idx[2]].name, "curl");
	assert_int_equal(dash_query_procs(m, DASH_SORT_TOTAL, "docker", idx), 1);
	assert_int_equal(dash_query_procs(m, DASH_SORT_TOTAL, "version_mismatch", idx), 1);
	assert_string_equal(m->procs[idx[0]].name, "docker:3f2a9c0b1d2e");
	assert_int_equal(dash_query_procs(m, DASH_SORT_TOTAL, "10.77.3.2", idx), 2);
	assert_int_equal(dash_query_procs(m, DASH_SORT_TOTAL, "pid 30 ", idx), 1);
	assert_int_equal(dash_query_procs(m, DASH_SORT_TOTAL, "nothing-like-it", idx), 0);
	dash_model_free(m);
}

static void test_failure_names_process(void **state)
{
	struct dash_model *m = dash_model_new();
	const struct dash_failure *fl[DASH_MAX_RECENT];

	(void)state;
	feed(m, OUTCOME_FAILED, REASON_NO_SHARED_CIPHER, "10.77.3.2", "/system.slice/app.service",
	     "java", 11);
	feed(m, OUTCOME_FAILED, REASON_NO_SHARED_CIPHER, "10.77.3.2", NULL, NULL, 0);
	assert_int_equal(dash_query_failures(m, 1, "", fl), 2);
	assert_string_equal(fl[0]->process, "app.service");
	assert_string_equal(fl[0]->proc_who, "client pid 11 java");
	assert_string_equal(fl[1]->process, "");
	assert_string_equal(fl[1]->proc_who, "");
	/* the failures view's filter finds a process */
	assert_int_equal(dash_query_failures(m, 1, "app.serv", fl), 1);
	dash_model_free(m);
}

static void test_hostile_comm_escaped(void **state)
{
	struct dash_model *m = dash_model_new();
	const struct dash_failure *fl[DASH_MAX_RECENT];

	(void)state;
	/* a comm is whatever the program set with prctl(PR_SET_NAME) */
	feed(m, OUTCOME_FAILED, REASON_NO_SHARED_CIPHER, "10.77.3.2", "/", "\x1b[2J\x1b]0;x\x07\xff", 5);
	assert_int_equal(m->n_procs, 1);
	assert_string_equal(m->procs[0].name, "\\x1b[2J\\x1b]0;x\\x07\\xff");
	assert_int_equal(dash_query_failures(m, 0, "", fl), 1);
	assert_string_equal(fl[0]->process, "\\x1b[2J\\x1b]0;x\\x07\\xff");
	assert_null(strchr(m->procs[0].latest, 0x1b));
	dash_model_free(m);
}

static void test_procs_bounded(void **state)
{
	struct dash_model *m = dash_model_new();
	uint64_t sum = 0;
	char comm[16];
	unsigned i;

	(void)state;
	/* one failing program first, then many that only succeed */
	feed(m, OUTCOME_FAILED, REASON_NO_SHARED_CIPHER, "10.77.3.2", "/", "failer", 1);
	for (i = 0; i < 3 * DASH_MAX_PROCS; i++) {
		snprintf(comm, sizeof(comm), "ok-%u", i);
		feed(m, OUTCOME_ESTABLISHED, REASON_NONE, "10.77.2.2", "/", comm, 100 + i);
	}
	/* a failing one arriving late still gets its row */
	feed(m, OUTCOME_FAILED, REASON_NO_SHARED_CIPHER, "10.77.3.2", "/", "late", 2);
	assert_int_equal(m->n_procs, DASH_MAX_PROCS);
	assert_non_null(find(m, "failer"));
	assert_non_null(find(m, "late"));
	for (i = 0; i < m->n_procs; i++)
		sum += m->procs[i].c.total;
	assert_int_equal(sum + m->procs_other.total, 3 * DASH_MAX_PROCS + 2);
	assert_int_equal(m->procs_other.failed, 0);
	dash_model_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_processes_counted),
		cmocka_unit_test(test_failure_names_process),
		cmocka_unit_test(test_hostile_comm_escaped),
		cmocka_unit_test(test_procs_bounded),
	};

	return cmocka_run_group_tests_name("dash_proc", tests, NULL, NULL);
}
