// SPDX-License-Identifier: BSD-3-Clause
/*
 * user/model/local_id.c and local_pod.c: names from cgroup v2 paths as
 * systemd, containerd, CRI-O, Docker, Podman and the kubelet make them, the
 * shapes that must not match (monitors, cut or mis-sized IDs, look-alike
 * directories, overlong and unterminated paths), the process name, and a
 * pod's namespace/name from a kubelet root made in a temporary directory.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "model/local_id.h"
#include "model/local_pod.h"

#define CID "3f2a9c0b1d2e4f5061728394a5b6c7d8e9f00112233445566778899aabbccdde"
#define CID2 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define UID "8dbc5577-d0e2-4706-8787-57d52c03ddf2"
#define UID_SD "8dbc5577_d0e2_4706_8787_57d52c03ddf2"
#define STATIC_UID "2d3c8a5f6e2b5b4e0f1f57f8c1bf5b7a"

static struct local_id id;

static const struct local_id *derive_root(const char *path, const char *root)
{
	memset(&id, 0, sizeof(id));
	snprintf(id.comm, sizeof(id.comm), "curl");
	assert_true(strlen(path) < sizeof(id.cgroup_path));
	snprintf(id.cgroup_path, sizeof(id.cgroup_path), "%s", path);
	local_id_derive(&id, root);
	return &id;
}

static const struct local_id *derive(const char *path)
{
	return derive_root(path, NULL);
}

static void expect(const char *path, const char *unit, const char *cid, enum local_runtime rt,
		   const char *pod)
{
	const struct local_id *l = derive(path);

	assert_string_equal(l->unit, unit);
	assert_string_equal(l->container_id, cid);
	assert_int_equal(l->runtime, rt);
	assert_string_equal(l->pod_uid, pod);
	assert_string_equal(l->pod_namespace, "");
	assert_string_equal(l->pod_name, "");
}

static void test_systemd_units(void **state)
{
	(void)state;
	expect("/system.slice/nginx.service", "nginx.service", "", LOCAL_RT_NONE, "");
	expect("/init.scope", "init.scope", "", LOCAL_RT_NONE, "");
	expect("/user.slice/user-1000.slice/session-3.scope", "session-3.scope", "",
	       LOCAL_RT_NONE, "");
	expect("/user.slice/user-1000.slice/user@1000.service/app.slice/app.scope",
	       "user@1000.service/app.scope", "", LOCAL_RT_NONE, "");
	expect("/user.slice/user-1000.slice/user@1000.service/app.slice/"
	       "app-org.gnome.Terminal.slice/vte-spawn-6f1f.scope",
	       "user@1000.service/vte-spawn-6f1f.scope", "", LOCAL_RT_NONE, "");
	expect("/user.slice/user-1000.slice/user@1000.service/init.scope",
	       "user@1000.service/init.scope", "", LOCAL_RT_NONE, "");
	expect("/user.slice/user-1000.slice/user@1000.service", "user@1000.service", "",
	       LOCAL_RT_NONE, "");
	/* systemd escapes in unit names stay as written */
	expect("/system.slice/system-getty.slice/getty@tty1.service", "getty@tty1.service", "",
	       LOCAL_RT_NONE, "");
	expect("/system.slice/dev-disk-by\\x2duuid-1.service", "dev-disk-by\\x2duuid-1.service",
	       "", LOCAL_RT_NONE, "");
	/* a process's own sub-cgroup below its service is still the service */
	expect("/system.slice/nginx.service/workers", "nginx.service", "", LOCAL_RT_NONE, "");
}

static void test_not_units(void **state)
{
	(void)state;
	expect("", "", "", LOCAL_RT_NONE, "");
	expect("/", "", "", LOCAL_RT_NONE, "");
	expect("//", "", "", LOCAL_RT_NONE, "");
	expect("/system.slice", "", "", LOCAL_RT_NONE, "");
	expect("/system.slice/.service", "", "", LOCAL_RT_NONE, "");
	expect("/system.slice/.scope", "", "", LOCAL_RT_NONE, "");
	expect("/system.slice/nginx.service.d", "", "", LOCAL_RT_NONE, "");
	expect("/system.slice/ev il.service", "", "", LOCAL_RT_NONE, "");
	expect("/system.slice/evil\n.service", "", "", LOCAL_RT_NONE, "");
	expect("/system.slice/\xc3\xa9t\xc3\xa9.service", "", "", LOCAL_RT_NONE, "");
	/* a user@ that is not a uid is an ordinary unit, not a manager */
	expect("/user.slice/user@x.service/app.scope", "app.scope", "", LOCAL_RT_NONE, "");
}

static void test_containerd_kubepods_systemd(void **state)
{
	(void)state;
	expect("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_SD
	       ".slice/cri-containerd-" CID ".scope",
	       "cri-containerd-" CID ".scope", CID, LOCAL_RT_CONTAINERD, UID);
	expect("/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID_SD
	       ".slice/cri-containerd-" CID ".scope",
	       "cri-containerd-" CID ".scope", CID, LOCAL_RT_CONTAINERD, UID);
	/* guaranteed pods sit right below kubepods.slice */
	expect("/kubepods.slice/kubepods-pod" UID_SD ".slice/cri-containerd-" CID ".scope",
	       "cri-containerd-" CID ".scope", CID, LOCAL_RT_CONTAINERD, UID);
	/* kubelet --cgroup-root=/kubelet (kind) */
	expect("/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice/"
	       "kubelet-kubepods-besteffort-pod" UID_SD ".slice/cri-containerd-" CID ".scope",
	       "cri-containerd-" CID ".scope", CID, LOCAL_RT_CONTAINERD, UID);
	/* a static pod's UID is a hash */
	expect("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" STATIC_UID
	       ".slice/cri-containerd-" CID ".scope",
	       "cri-containerd-" CID ".scope", CID, LOCAL_RT_CONTAINERD, STATIC_UID);
	/* the pod's own slice, no container (the pause process's parent) */
	expect("/kubepods.slice/kubepods-pod" UID_SD ".slice", "", "", LOCAL_RT_NONE, UID);
	expect("/system.slice/nerdctl-" CID ".scope", "nerdctl-" CID ".scope", CID,
	       LOCAL_RT_CONTAINERD, "");
}

static void test_crio(void **state)
{
	(void)state;
	expect("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_SD
	       ".slice/crio-" CID ".scope",
	       "crio-" CID ".scope", CID, LOCAL_RT_CRIO, UID);
	/* conmon, the monitor of a container, is not the container */
	expect("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_SD
	       ".slice/crio-conmon-" CID ".scope",
	       "crio-conmon-" CID ".scope", "", LOCAL_RT_NONE, UID);
	/* CRI-O with the cgroupfs driver */
	expect("/kubepods/besteffort/pod" UID "/crio-" CID, "", CID, LOCAL_RT_CRIO, UID);
}

static void test_docker(void **state)
{
	(void)state;
	expect("/system.slice/docker-" CID ".scope", "docker-" CID ".scope", CID,
	       LOCAL_RT_DOCKER, "");
	expect("/docker/" CID, "", CID, LOCAL_RT_DOCKER, "");
	/* docker in docker: the inner container */
	expect("/docker/" CID "/docker/" CID2, "", CID2, LOCAL_RT_DOCKER, "");
	/* systemd inside the container: its unit, the outer container */
	expect("/system.slice/docker-" CID ".scope/system.slice/nginx.service", "nginx.service",
	       CID, LOCAL_RT_DOCKER, "");
	/* dockerd itself is not a container */
	expect("/system.slice/docker.service", "docker.service", "", LOCAL_RT_NONE, "");
}

static void test_podman(void **state)
{
	(void)state;
	expect("/machine.slice/libpod-" CID ".scope", "libpod-" CID ".scope", CID,
	       LOCAL_RT_PODMAN, "");
	expect("/machine.slice/libpod-" CID ".scope/container", "libpod-" CID ".scope", CID,
	       LOCAL_RT_PODMAN, "");
	expect("/machine.slice/libpod-conmon-" CID ".scope", "libpod-conmon-" CID ".scope", "",
	       LOCAL_RT_NONE, "");
	/* rootless, below the user's manager */
	expect("/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" CID ".scope",
	       "user@1000.service/libpod-" CID ".scope", CID, LOCAL_RT_PODMAN, "");
	/* cgroupfs driver */
	expect("/libpod_parent/libpod-" CID, "", CID, LOCAL_RT_PODMAN, "");
}

static void test_kubepods_cgroupfs(void **state)
{
	(void)state;
	expect("/kubepods/burstable/pod" UID "/" CID, "", CID, LOCAL_RT_OTHER, UID);
	expect("/kubepods/besteffort/pod" UID "/" CID, "", CID, LOCAL_RT_OTHER, UID);
	expect("/kubepods/pod" UID "/" CID, "", CID, LOCAL_RT_OTHER, UID);
	expect("/kubepods/burstable/pod" STATIC_UID "/" CID, "", CID, LOCAL_RT_OTHER, STATIC_UID);
	expect("/kubelet/kubepods/burstable/pod" UID "/" CID, "", CID, LOCAL_RT_OTHER, UID);
	expect("/kubepods/burstable/pod" UID, "", "", LOCAL_RT_NONE, UID);
}

static void test_ids_that_do_not_match(void **state)
{
	static const char *const bad[] = {
		/* 63, 65 hex; upper case; not hex; a 12-hex short ID */
		"/system.slice/docker-" "3f2a9c0b1d2e4f5061728394a5b6c7d8e9f00112233445566778899aabbccdd"
		".scope",
		"/system.slice/docker-" CID "e.scope",
		"/system.slice/docker-" "3F2A9C0B1D2E4F5061728394A5B6C7D8E9F00112233445566778899AABBCCDDE"
		".scope",
		"/system.slice/docker-" "3f2a9c0b1d2e4f5061728394a5b6c7d8e9f00112233445566778899aabbccdgg"
		".scope",
		"/docker/3f2a9c0b1d2e",
		"/system.slice/cri-containerd-" CID ".scop",
		"/system.slice/cri-containerd-.scope",
		/* a bare ID that is below neither docker nor a pod */
		"/mygroup/" CID,
		"/kubepods/burstable/" CID,
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const struct local_id *l = derive(bad[i]);

		assert_string_equal(l->container_id, "");
		assert_int_equal(l->runtime, LOCAL_RT_NONE);
	}
}

static void test_pods_that_do_not_match(void **state)
{
	static const char *const bad[] = {
		"/mygroup/pod" UID "/" CID,	/* not below kubepods */
		"/kubepods/burstable/pod8dbc5577-d0e2-4706-8787-57d52c03ddf",	/* 35 */
		"/kubepods/burstable/pod8dbc5577-d0e2-4706-8787-57d52c03ddf2a",	/* 37 */
		"/kubepods/burstable/pod8dbc5577d0e2-4706-8787-57d52c03ddf2-",	/* dashes moved */
		"/kubepods/burstable/pod8DBC5577-D0E2-4706-8787-57D52C03DDF2",
		"/kubepods/burstable/pod" UID_SD,	/* systemd spelling under cgroupfs */
		"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID ".slice",
		"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_SD ".scope",
		"/kubepods.slice/xkubepods-pod" UID_SD ".slice",
		"/kubepods.slice/kubepods-guaranteed-pod" UID_SD ".slice",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_string_equal(derive(bad[i])->pod_uid, "");
}

static void test_deep_overlong_and_unterminated(void **state)
{
	char path[LOCAL_PATH_MAX];
	const char *tail = "/nginx.service";
	size_t n = 0;

	(void)state;
	/* 120 components, then the unit */
	while (n + 2 + strlen(tail) < sizeof(path) - 1)
		n += snprintf(path + n, sizeof(path) - n, "/a");
	snprintf(path + n, sizeof(path) - n, "%s", tail);
	assert_string_equal(derive(path)->unit, "nginx.service");

	/* a unit longer than the field: none rather than cut */
	memset(path, 'a', sizeof(path));
	path[0] = '/';
	memcpy(path + sizeof(path) - 1 - strlen(".service"), ".service", strlen(".service") + 1);
	assert_string_equal(derive(path)->unit, "");

	/* a manager's name with a long unit that together do not fit */
	n = snprintf(path, sizeof(path), "/user.slice/user@1000.service/");
	memset(path + n, 'b', 120);
	snprintf(path + n + 120, sizeof(path) - n - 120, ".scope");
	assert_string_equal(derive(path)->unit, "");

	/*
	 * A field the kernel filled to the last byte with no NUL: its last
	 * component may be cut, so it is not used, and nothing is read past it.
	 */
	memset(&id, 0, sizeof(id));
	memset(id.cgroup_path, 'x', sizeof(id.cgroup_path));
	n = sizeof(id.cgroup_path) - strlen("/docker/" CID);
	memcpy(id.cgroup_path, "/system.slice/nginx.service/", 28);
	id.cgroup_path[n - 1] = '/';
	memcpy(id.cgroup_path + n, "/docker/" CID, strlen("/docker/" CID));
	local_id_derive(&id, NULL);
	assert_string_equal(id.container_id, "");
	assert_string_equal(id.unit, "nginx.service");
}

/* The derived fields hold only what their rules allow, whatever the path. */
static void check_invariants(const struct local_id *l)
{
	size_t n = strlen(l->container_id), u = strlen(l->pod_uid);

	assert_true(n == 0 || (n == 64 && strspn(l->container_id, "0123456789abcdef") == 64));
	assert_true((n == 0) == (l->runtime == LOCAL_RT_NONE));
	assert_true(u == 0 || (u == 32 && strspn(l->pod_uid, "0123456789abcdef") == 32) ||
		    (u == 36 && strspn(l->pod_uid, "0123456789abcdef-") == 36));
	assert_true(strlen(l->unit) < sizeof(l->unit));
	assert_true(strspn(l->unit, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
				    "0123456789:-_.\\@/") == strlen(l->unit));
}

static void test_random_paths(void **state)
{
	static const char *const tok[] = {
		"/", "/", "docker-", "cri-containerd-", "crio-", "crio-conmon-", "libpod-", ".scope",
		".service", ".slice", "pod", "kubepods", "kubepods-burstable-pod", "user@1000.service",
		"docker", "-", "_", "0123456789abcdef", "0123456789abcdef0123456789abcdef",
		"8dbc5577_d0e2_4706_8787_57d52c03ddf2", "8dbc5577-d0e2-4706-8787-57d52c03ddf2",
		"\xff", "\n", " ", "..", "",
	};
	unsigned seed = 21, i, k;
	size_t n;

	(void)state;
	for (i = 0; i < 200000; i++) {
		memset(&id, 0, sizeof(id));
		for (n = 0, k = rand_r(&seed) % 24; k; k--) {
			const char *t = tok[rand_r(&seed) % (sizeof(tok) / sizeof(tok[0]))];
			size_t tl = strlen(t);

			if (n + tl > sizeof(id.cgroup_path))
				break;
			memcpy(id.cgroup_path + n, t, tl);
			n += tl;
		}
		/* every other one fills the field to the last byte, without a NUL */
		if (i % 2)
			while (n < sizeof(id.cgroup_path))
				id.cgroup_path[n++] = "0123456789abcdef/"[rand_r(&seed) % 17];
		local_id_derive(&id, NULL);
		check_invariants(&id);
	}
}

static void test_derived_fields_reset(void **state)
{
	(void)state;
	derive("/system.slice/docker-" CID ".scope");
	assert_string_equal(id.container_id, CID);
	snprintf(id.cgroup_path, sizeof(id.cgroup_path), "/");
	local_id_derive(&id, NULL);
	assert_string_equal(id.container_id, "");
	assert_string_equal(id.unit, "");
	assert_int_equal(id.runtime, LOCAL_RT_NONE);
}

static void test_process_name(void **state)
{
	char buf[LOCAL_NAME_MAX * 2 + 2];

	(void)state;
	assert_string_equal(local_id_process(NULL, buf, sizeof(buf)), "");
	assert_string_equal(local_id_process(derive("/"), buf, sizeof(buf)), "curl");
	assert_string_equal(local_id_process(derive("/system.slice/nginx.service"), buf,
					     sizeof(buf)), "nginx.service");
	assert_string_equal(local_id_process(derive("/system.slice/docker-" CID ".scope"), buf,
					     sizeof(buf)), "docker:3f2a9c0b1d2e");
	assert_string_equal(local_id_process(derive("/kubepods/pod" UID "/" CID), buf,
					     sizeof(buf)), "container:3f2a9c0b1d2e");
	assert_string_equal(local_id_process(derive("/kubepods/pod" UID), buf, sizeof(buf)),
			    "pod:" UID);
	derive("/kubepods/pod" UID "/" CID);
	snprintf(id.pod_name, sizeof(id.pod_name), "web-0");
	assert_string_equal(local_id_process(&id, buf, sizeof(buf)), "?/web-0");
	snprintf(id.pod_namespace, sizeof(id.pod_namespace), "shop");
	assert_string_equal(local_id_process(&id, buf, sizeof(buf)), "shop/web-0");
	/* a comm of 16 bytes without a NUL, and a short buffer */
	derive("/");
	memset(id.comm, 'c', sizeof(id.comm));
	assert_int_equal(strlen(local_id_process(&id, buf, sizeof(buf))), LOCAL_COMM_MAX);
	assert_string_equal(local_id_process(&id, buf, 4), "ccc");
	assert_string_equal(local_runtime_name(LOCAL_RT_CRIO), "cri-o");
	assert_string_equal(local_runtime_name(LOCAL_RT_MAX), "");
}

/* ---- a kubelet root in a temporary directory ---- */

static char root[64];

static void put(const char *rel, const char *text, size_t n)
{
	char path[512], *slash;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (slash = strchr(path + strlen(root) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = 0;
		mkdir(path, 0755);
		*slash = '/';
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, n), (ssize_t)n);
	close(fd);
}

#define PUT(rel, lit) put(rel, lit, sizeof(lit) - 1)

#define HOSTS_HEAD                                   \
	"# Kubernetes-managed hosts file.\n"         \
	"127.0.0.1\tlocalhost\n"                     \
	"::1\tlocalhost ip6-localhost ip6-loopback\n" \
	"fe00::0\tip6-localnet\n"                    \
	"fe00::0\tip6-mcastprefix\n"                 \
	"fe00::1\tip6-allnodes\n"                    \
	"fe00::2\tip6-allrouters\n"

/* the service-account volume as the kubelet's atomic writer lays it out */
static void token_volume(const char *uid, const char *vol, const char *ns, size_t n)
{
	char rel[256], target[512], link[512];

	snprintf(rel, sizeof(rel), "pods/%s/volumes/kubernetes.io~projected/%s/..2026_12_06/namespace",
		 uid, vol);
	put(rel, ns, n);
	snprintf(target, sizeof(target), "%s/pods/%s/volumes/kubernetes.io~projected/%s/..data",
		 root, uid, vol);
	assert_int_equal(symlink("..2026_12_06", target), 0);
	snprintf(link, sizeof(link), "%s/pods/%s/volumes/kubernetes.io~projected/%s/namespace",
		 root, uid, vol);
	assert_int_equal(symlink("..data/namespace", link), 0);
}

static int mkroot(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "/tmp/tlsmon-kubelet-XXXXXX");
	assert_non_null(mkdtemp(root));
	local_pod_forget();
	return 0;
}

static int rmroot(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
	local_pod_forget();
	return 0;
}

#define U1 "11111111-2222-4333-8444-555555555555"
#define U2 "21111111-2222-4333-8444-555555555555"
#define U3 "31111111-2222-4333-8444-555555555555"
#define U4 "41111111-2222-4333-8444-555555555555"
#define U5 "51111111-2222-4333-8444-555555555555"
#define U6 "61111111-2222-4333-8444-555555555555"
#define U1_SD "11111111_2222_4333_8444_555555555555"

static const struct local_id *pod(const char *uid)
{
	char path[LOCAL_PATH_MAX];

	snprintf(path, sizeof(path), "/kubepods/burstable/pod%s/" CID, uid);
	return derive_root(path, root);
}

static void test_kubelet_pod_named(void **state)
{
	const struct local_id *l;
	char buf[LOCAL_NAME_MAX * 2 + 2];

	(void)state;
	PUT("pods/" U1 "/etc-hosts", HOSTS_HEAD "10.244.1.17\tcheckout-7d9f8b6c5-x2x9q\n");
	token_volume(U1, "kube-api-access-x7k2p", "shop", 4);
	/* the systemd spelling of the same pod */
	l = derive_root("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" U1_SD
			".slice/cri-containerd-" CID ".scope", root);
	assert_string_equal(l->pod_uid, U1);
	assert_string_equal(l->pod_namespace, "shop");
	assert_string_equal(l->pod_name, "checkout-7d9f8b6c5-x2x9q");
	assert_string_equal(local_id_process(l, buf, sizeof(buf)), "shop/checkout-7d9f8b6c5-x2x9q");

	/* a subdomain: "<ip>\t<host>.<sub...>\t<host>", two stacks; HostAliases after */
	PUT("pods/" U2 "/etc-hosts",
	    HOSTS_HEAD "10.244.1.18\tweb-0.web.shop.svc.cluster.local\tweb-0\n"
		       "fd00::12\tweb-0.web.shop.svc.cluster.local\tweb-0\n"
		       "\n# Entries added by HostAliases.\n10.0.0.1\tevil\n");
	l = pod(U2);
	assert_string_equal(l->pod_name, "web-0");
	assert_string_equal(l->pod_namespace, "");
	assert_string_equal(local_id_process(l, buf, sizeof(buf)), "?/web-0");
}

static void test_kubelet_pod_unknown(void **state)
{
	const struct local_id *l;

	(void)state;
	/* no such pod directory, no kubelet root at all */
	l = pod(U3);
	assert_string_equal(l->pod_uid, U3);
	assert_string_equal(l->pod_name, "");
	assert_string_equal(l->pod_namespace, "");
	assert_int_equal(local_pod_lookup("/nonexistent/kubelet", U3, id.pod_namespace,
					  sizeof(id.pod_namespace), id.pod_name,
					  sizeof(id.pod_name)), -ENOENT);

	/* a host-network pod's file is the node's: no name from it */
	PUT("pods/" U4 "/etc-hosts",
	    "# Kubernetes-managed hosts file (host network).\n127.0.0.1\tlocalhost\n"
	    "10.0.0.5\tnode-1\n");
	/* a HostAliases-only tail and the pod's own projected volume claiming a namespace */
	token_volume(U4, "my-config", "kube-system", 11);
	l = pod(U4);
	assert_string_equal(l->pod_name, "");
	assert_string_equal(l->pod_namespace, "");
}

static void test_kubelet_hostile_files(void **state)
{
	char big[8192];
	const struct local_id *l;

	(void)state;
	/* a non-printable namespace, a name with upper case and a newline inside */
	PUT("pods/" U5 "/etc-hosts", HOSTS_HEAD "10.244.1.19\tEvil\x1b[2J\n");
	token_volume(U5, "kube-api-access-aaaaa", "sh\x07op", 5);
	l = pod(U5);
	assert_string_equal(l->pod_name, "");
	assert_string_equal(l->pod_namespace, "");

	/* overlong: a 64-byte label, and a file far longer than is read */
	memset(big, 'a', sizeof(big));
	memcpy(big, HOSTS_HEAD, strlen(HOSTS_HEAD));
	memcpy(big + strlen(HOSTS_HEAD), "10.244.1.20\t", 12);
	put("pods/" U6 "/etc-hosts", big, sizeof(big));
	token_volume(U6, "kube-api-access-bbbbb",
		     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 64);
	l = pod(U6);
	assert_string_equal(l->pod_name, "");
	assert_string_equal(l->pod_namespace, "");
}

static void test_kubelet_fifo_does_not_block(void **state)
{
	char path[512];
	const struct local_id *l;

	(void)state;
	snprintf(path, sizeof(path), "%s/pods/%s", root, STATIC_UID);
	PUT("pods/" STATIC_UID "/volumes/kubernetes.io~projected/kube-api-access-ccccc/x", "");
	snprintf(path, sizeof(path), "%s/pods/%s/etc-hosts", root, STATIC_UID);
	assert_int_equal(mkfifo(path, 0644), 0);
	snprintf(path, sizeof(path),
		 "%s/pods/%s/volumes/kubernetes.io~projected/kube-api-access-ccccc/namespace", root,
		 STATIC_UID);
	assert_int_equal(mkfifo(path, 0644), 0);
	l = pod(STATIC_UID);
	assert_string_equal(l->pod_uid, STATIC_UID);
	assert_string_equal(l->pod_name, "");
	assert_string_equal(l->pod_namespace, "");
}

static void test_kubelet_cache(void **state)
{
	const struct local_id *l;

	(void)state;
	PUT("pods/" U1 "/etc-hosts", HOSTS_HEAD "10.244.1.17\tfirst\n");
	token_volume(U1, "kube-api-access-x7k2p", "shop", 4);
	assert_string_equal(pod(U1)->pod_name, "first");
	/* a complete answer is kept: the UID names one pod for its life */
	PUT("pods/" U1 "/etc-hosts", HOSTS_HEAD "10.244.1.17\tsecond\n");
	assert_string_equal(pod(U1)->pod_name, "first");
	/* a pod not there yet is not asked again at once */
	l = pod(U2);
	assert_string_equal(l->pod_name, "");
	PUT("pods/" U2 "/etc-hosts", HOSTS_HEAD "10.244.1.18\tlate\n");
	assert_string_equal(pod(U2)->pod_name, "");
	local_pod_forget();
	assert_string_equal(pod(U1)->pod_name, "second");
	assert_string_equal(pod(U2)->pod_name, "late");
	/* another kubelet root is another set of pods */
	assert_string_equal(derive_root("/kubepods/pod" U1 "/" CID, "/nonexistent")->pod_name, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_systemd_units),
		cmocka_unit_test(test_not_units),
		cmocka_unit_test(test_containerd_kubepods_systemd),
		cmocka_unit_test(test_crio),
		cmocka_unit_test(test_docker),
		cmocka_unit_test(test_podman),
		cmocka_unit_test(test_kubepods_cgroupfs),
		cmocka_unit_test(test_ids_that_do_not_match),
		cmocka_unit_test(test_pods_that_do_not_match),
		cmocka_unit_test(test_deep_overlong_and_unterminated),
		cmocka_unit_test(test_random_paths),
		cmocka_unit_test(test_derived_fields_reset),
		cmocka_unit_test(test_process_name),
		cmocka_unit_test_setup_teardown(test_kubelet_pod_named, mkroot, rmroot),
		cmocka_unit_test_setup_teardown(test_kubelet_pod_unknown, mkroot, rmroot),
		cmocka_unit_test_setup_teardown(test_kubelet_hostile_files, mkroot, rmroot),
		cmocka_unit_test_setup_teardown(test_kubelet_fifo_does_not_block, mkroot, rmroot),
		cmocka_unit_test_setup_teardown(test_kubelet_cache, mkroot, rmroot),
	};

	return cmocka_run_group_tests_name("local_id", tests, NULL, NULL);
}
