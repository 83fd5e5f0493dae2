/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Which local program a handshake belongs to: the identity of the socket of
 * this host at one end of it, taken when the socket was created (connect,
 * accept), never guessed from a pid later.  A record whose ends are both
 * remote (a router, a mirror port) has none.
 */
#ifndef TLSMON_LOCAL_ID_H
#define TLSMON_LOCAL_ID_H

#include <stddef.h>
#include <stdint.h>

#define LOCAL_COMM_MAX 16
#define LOCAL_PATH_MAX 256
#define LOCAL_NAME_MAX 128
#define LOCAL_CONTAINER_MAX 72
#define LOCAL_POD_UID_MAX 40

enum local_runtime {
	LOCAL_RT_NONE,
	LOCAL_RT_CONTAINERD,
	LOCAL_RT_CRIO,
	LOCAL_RT_DOCKER,
	LOCAL_RT_PODMAN,
	LOCAL_RT_OTHER,		/* a container ID without a known runtime prefix */
	LOCAL_RT_MAX
};

struct local_id {
	/* taken by the kernel when the socket was created */
	uint8_t side;			/* enum side: the local end is the client or the server */
	uint32_t pid;			/* thread group id (what ps calls the pid) */
	uint32_t tid;
	uint32_t uid;
	uint64_t cgroup_id;		/* cgroup v2 id (the directory's inode) */
	uint64_t sock_cookie;		/* 0 when unknown */
	char comm[LOCAL_COMM_MAX];
	char exe[LOCAL_PATH_MAX];	/* "" when unknown */
	char cgroup_path[LOCAL_PATH_MAX];	/* "/system.slice/nginx.service", "" unknown */

	/* derived from cgroup_path by local_id_derive() */
	char unit[LOCAL_NAME_MAX];		/* "nginx.service", "user@1000.service/app.scope" */
	char container_id[LOCAL_CONTAINER_MAX];	/* hex, "" none */
	enum local_runtime runtime;
	char pod_uid[LOCAL_POD_UID_MAX];	/* "" none */
	char pod_namespace[LOCAL_NAME_MAX];	/* from the kubelet's pod directory, "" unknown */
	char pod_name[LOCAL_NAME_MAX];
};

/*
 * Fill the derived fields (unit, container, pod) from id->cgroup_path; the
 * kubelet's pod directories are looked up under kubelet_root
 * ("/var/lib/kubelet" by default; NULL: do not look; see model/local_pod.h).
 * Each rule matches one whole component of the path:
 *
 *   unit       the last "*.service" or "*.scope" component (systemd's unit
 *              name characters only).  Below a user's service manager
 *              ("user@1000.service") it is named with it:
 *              ".../user@1000.service/app.slice/app.scope" gives
 *              "user@1000.service/app.scope".  A container's scope is a unit
 *              too ("docker-<id>.scope"), and a unit inside a container
 *              (".../docker-<id>.scope/system.slice/nginx.service") is the
 *              inner one.  No unit rather than a cut one.
 *   container  64 lower-case hex, in "cri-containerd-<id>.scope",
 *              "nerdctl-<id>.scope" (containerd), "crio-<id>.scope",
 *              "docker-<id>.scope", "libpod-<id>.scope" (Podman), each also
 *              without ".scope" (cgroupfs drivers); a bare "<id>" below
 *              "docker" (Docker's cgroupfs driver, LOCAL_RT_DOCKER) or below
 *              a pod's directory (kubelet's cgroupfs driver, LOCAL_RT_OTHER:
 *              the runtime does not show).  The monitors ("crio-conmon-<id>",
 *              "libpod-conmon-<id>") are not containers.  Any other length
 *              or character: none.  Nested, the deepest one.
 *   pod_uid    "pod<uid>" below a "kubepods" directory (cgroupfs), or
 *              "...kubepods[-burstable|-besteffort]-pod<uid>.slice"
 *              (systemd, its '_' given back as '-'); a UUID, or 32 hex for
 *              a static pod.
 *
 * A path cut short by the kernel's copy ends in a partial component, which
 * matches nothing (all lengths are exact).
 */
void local_id_derive(struct local_id *id, const char *kubelet_root);

/* "containerd", "cri-o", "docker", "podman", "other", "" */
const char *local_runtime_name(enum local_runtime rt);

/*
 * The name aggregation shows for a process, the first known of: the pod's
 * "namespace/name" ("?/name" without a namespace), the container as
 * "<runtime>:<first 12 hex>" ("containerd:3f2a9c0b1d2e", "container:..."
 * for LOCAL_RT_OTHER), "pod:<uid>", the unit ("nginx.service"), the comm.
 * NULL id: "".  Into buf; returns buf.
 */
const char *local_id_process(const struct local_id *id, char *buf, size_t len);

#endif
