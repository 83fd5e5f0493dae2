// SPDX-License-Identifier: BSD-3-Clause
/*
 * user/model/local_filter.c, what --pid, --cgroup and --unit keep: a pid
 * exactly; a cgroup and what is below it, whole components only ("/a"
 * holds "/a/b", not "/ab"), a trailing slash or "/" alike; a unit by its
 * name or a nested one's last part; all given must match; a record without
 * a local program passes only when no filter is given.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "model/local_filter.h"
#include "model/local_id.h"

static struct local_id id_of(uint32_t pid, const char *cg, const char *unit)
{
	struct local_id id;

	memset(&id, 0, sizeof(id));
	id.pid = pid;
	strcpy(id.cgroup_path, cg);
	strcpy(id.unit, unit);
	return id;
}

static void test_none(void **state)
{
	struct local_filter f = { 0 };
	struct local_id id = id_of(1, "/", "");

	(void)state;
	assert_false(local_filter_any(&f));
	assert_false(local_filter_any(NULL));
	assert_true(local_filter_match(&f, NULL));
	assert_true(local_filter_match(&f, &id));
	f.pid = 1;
	assert_false(local_filter_match(&f, NULL));
}

static void test_pid(void **state)
{
	struct local_filter f = { .pid = 42 };
	struct local_id a = id_of(42, "/x", ""), b = id_of(43, "/x", "");

	(void)state;
	assert_true(local_filter_match(&f, &a));
	assert_false(local_filter_match(&f, &b));
}

static void test_cgroup(void **state)
{
	static const struct {
		const char *filter, *path;
		int match;
	} t[] = {
		{ "/system.slice/nginx.service", "/system.slice/nginx.service", 1 },
		{ "/system.slice", "/system.slice/nginx.service", 1 },
		{ "/system.slice/", "/system.slice/nginx.service", 1 },
		{ "/system.slice", "/system.slicex/nginx.service", 0 },
		{ "/system.slice/nginx.service", "/system.slice", 0 },
		{ "/", "/user.slice", 1 },
		{ "/", "/", 1 },
		{ "/a", "", 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct local_filter f = { .cgroup = t[i].filter };
		struct local_id id = id_of(1, t[i].path, "");

		if (local_filter_match(&f, &id) != t[i].match)
			fail_msg("--cgroup %s, cgroup %s: %d expected", t[i].filter, t[i].path,
				 t[i].match);
	}
}

static void test_unit(void **state)
{
	struct local_filter f = { .unit = "app.scope" };
	struct local_id nested = id_of(1, "/", "user@1000.service/app.scope");
	struct local_id plain = id_of(1, "/", "app.scope");
	struct local_id other = id_of(1, "/", "xapp.scope");
	struct local_id none = id_of(1, "/", "");

	(void)state;
	assert_true(local_filter_match(&f, &nested));
	assert_true(local_filter_match(&f, &plain));
	assert_false(local_filter_match(&f, &other));
	assert_false(local_filter_match(&f, &none));
	f.unit = "user@1000.service/app.scope";
	assert_true(local_filter_match(&f, &nested));
}

static void test_all_must_match(void **state)
{
	struct local_filter f = { .pid = 7, .cgroup = "/a", .unit = "u.service" };
	struct local_id ok = id_of(7, "/a/b", "u.service");
	struct local_id bad_pid = id_of(8, "/a/b", "u.service");
	struct local_id bad_cg = id_of(7, "/b", "u.service");
	struct local_id bad_unit = id_of(7, "/a", "v.service");

	(void)state;
	assert_true(local_filter_match(&f, &ok));
	assert_false(local_filter_match(&f, &bad_pid));
	assert_false(local_filter_match(&f, &bad_cg));
	assert_false(local_filter_match(&f, &bad_unit));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_none),
		cmocka_unit_test(test_pid),
		cmocka_unit_test(test_cgroup),
		cmocka_unit_test(test_unit),
		cmocka_unit_test(test_all_must_match),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
