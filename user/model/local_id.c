// SPDX-License-Identifier: BSD-3-Clause
/*
 * Names from a cgroup v2 path: the systemd unit, the container and the pod
 * (the rules are in local_id.h).  The path comes from the kernel, but any
 * process allowed to make cgroups can name a directory as it likes, so
 * every match is on a whole component with exact lengths and character
 * sets, and nothing is copied that was not checked to fit.
 */
#include <stdio.h>
#include <string.h>
#include "model/local_id.h"
#include "model/local_pod.h"

#define CONTAINER_HEX 64	/* every runtime here names a container by 256 bits */
#define SHORT_ID 12		/* how `docker ps` and `crictl ps` shorten one */

struct comp {
	const char *s;
	size_t n;
};

static int comp_is(struct comp c, const char *lit)
{
	return c.n == strlen(lit) && !memcmp(c.s, lit, c.n);
}

static int has_prefix(struct comp c, const char *p)
{
	size_t n = strlen(p);

	return c.n >= n && !memcmp(c.s, p, n);
}

static int has_suffix(struct comp c, const char *p)
{
	size_t n = strlen(p);

	return c.n >= n && !memcmp(c.s + c.n - n, p, n);
}

static int all_of(const char *s, size_t n, const char *set)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!s[i] || !strchr(set, s[i]))
			return 0;
	return 1;
}

#define HEX "0123456789abcdef"
/* what systemd allows in a unit name (unit_name_is_valid()) */
#define UNIT_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789:-_.\\@"

/*
 * A pod UID: a UUID (8-4-4-4-12 lower-case hex; the systemd driver writes
 * its dashes as sep '_'), or 32 hex for a static pod (a hash of its file).
 */
static int pod_uid_ok(const char *s, size_t n, char sep)
{
	size_t i;

	if (n == 32)
		return all_of(s, n, HEX);
	if (n != 36)
		return 0;
	for (i = 0; i < n; i++) {
		int dash = i == 8 || i == 13 || i == 18 || i == 23;

		if (dash ? s[i] != sep : !s[i] || !strchr(HEX, s[i]))
			return 0;
	}
	return 1;
}

/* The runtimes' own scope prefixes ("<prefix><64 hex>" and ".scope" or not). */
static const struct {
	const char *prefix;
	enum local_runtime rt;
} runtime_prefixes[] = {
	{ "cri-containerd-", LOCAL_RT_CONTAINERD },
	{ "nerdctl-", LOCAL_RT_CONTAINERD },
	{ "crio-", LOCAL_RT_CRIO },	/* "crio-conmon-<id>" is not hex: the monitor, no match */
	{ "docker-", LOCAL_RT_DOCKER },
	{ "libpod-", LOCAL_RT_PODMAN },	/* "libpod-conmon-<id>" likewise */
};

struct parse {
	struct comp parent;
	int in_kubepods;	/* below a kubepods tree (cgroupfs driver) */
	int pod_parent;		/* the parent is the pod's directory */
	struct comp user_mgr;	/* user@<uid>.service, the user's own service manager */
	struct comp unit;
	int unit_below_mgr;
	struct comp container;
	enum local_runtime rt;
	struct comp pod;	/* the UID as written: dashes or underscores */
};

static int match_container(struct parse *p, struct comp c)
{
	struct comp id = c;
	size_t i;

	for (i = 0; i < sizeof(runtime_prefixes) / sizeof(runtime_prefixes[0]); i++) {
		size_t k = strlen(runtime_prefixes[i].prefix);

		if (!has_prefix(c, runtime_prefixes[i].prefix))
			continue;
		id = (struct comp){ c.s + k, c.n - k };
		if (has_suffix(id, ".scope"))
			id.n -= strlen(".scope");
		if (id.n != CONTAINER_HEX || !all_of(id.s, id.n, HEX))
			return 0;
		p->container = id;
		p->rt = runtime_prefixes[i].rt;
		return 1;
	}
	/* cgroupfs drivers: a bare ID below /docker/ or below a pod's directory */
	if (c.n != CONTAINER_HEX || !all_of(c.s, c.n, HEX))
		return 0;
	if (comp_is(p->parent, "docker"))
		p->rt = LOCAL_RT_DOCKER;
	else if (p->pod_parent)
		p->rt = LOCAL_RT_OTHER;
	else
		return 0;
	p->container = c;
	return 1;
}

/*
 * systemd driver: "<prefix>-pod<uid, '-' as '_'>.slice" where the prefix
 * ends in a kubepods QoS slice ("kubepods", "kubepods-burstable",
 * "kubepods-besteffort"; "kubelet-kubepods..." under a --cgroup-root).
 * cgroupfs driver: "pod<uid>" anywhere below a "kubepods" directory.
 */
static int match_pod(struct parse *p, struct comp c)
{
	static const char *const qos[] = { "kubepods-pod", "kubepods-burstable-pod",
					   "kubepods-besteffort-pod" };
	struct comp uid;
	size_t i;

	if (has_suffix(c, ".slice")) {
		c.n -= strlen(".slice");
		for (i = 0; i < sizeof(qos) / sizeof(qos[0]); i++) {
			const char *at = memmem(c.s, c.n, qos[i], strlen(qos[i]));

			if (!at || (at != c.s && at[-1] != '-'))
				continue;
			uid.s = at + strlen(qos[i]);
			uid.n = c.n - (uid.s - c.s);
			if (pod_uid_ok(uid.s, uid.n, '_'))
				break;
		}
		if (i == sizeof(qos) / sizeof(qos[0]))
			return 0;
	} else {
		if (!p->in_kubepods || !has_prefix(c, "pod"))
			return 0;
		uid = (struct comp){ c.s + 3, c.n - 3 };
		if (!pod_uid_ok(uid.s, uid.n, '-'))
			return 0;
	}
	p->pod = uid;
	return 1;
}

static int unit_ok(struct comp c)
{
	if (!has_suffix(c, ".service") && !has_suffix(c, ".scope"))
		return 0;
	/* a name before the suffix, not just ".scope" */
	if (c.n <= strlen(".scope") || c.s[0] == '.')
		return 0;
	return all_of(c.s, c.n, UNIT_CHARS);
}

/* user@<digits>.service */
static int is_user_manager(struct comp c)
{
	struct comp d;

	if (!has_prefix(c, "user@") || !has_suffix(c, ".service"))
		return 0;
	d = (struct comp){ c.s + 5, c.n - 5 - strlen(".service") };
	return d.n > 0 && d.n <= 10 && all_of(d.s, d.n, "0123456789");
}

static void parse_comp(struct parse *p, struct comp c)
{
	int was_pod_parent = 0;

	if (match_pod(p, c)) {
		was_pod_parent = 1;
	} else if (match_container(p, c)) {
		/* the deepest container wins: docker-in-docker names the inner one */
	}
	if (unit_ok(c)) {
		p->unit = c;
		p->unit_below_mgr = p->user_mgr.n > 0 && !is_user_manager(c);
		if (is_user_manager(c))
			p->user_mgr = c;
	}
	if (comp_is(c, "kubepods") || has_suffix(c, "-kubepods") ||
	    comp_is(c, "kubepods.slice"))
		p->in_kubepods = 1;
	p->pod_parent = was_pod_parent;
	p->parent = c;
}

static void copy_comp(char *dst, size_t len, struct comp c)
{
	if (c.n < len) {
		memcpy(dst, c.s, c.n);
		dst[c.n] = 0;
	}
}

static void fill_unit(struct local_id *id, const struct parse *p)
{
	if (!p->unit.n)
		return;
	if (!p->unit_below_mgr) {
		copy_comp(id->unit, sizeof(id->unit), p->unit);
		return;
	}
	/* too long for the field: no unit rather than a cut one */
	if (p->user_mgr.n + 1 + p->unit.n < sizeof(id->unit))
		snprintf(id->unit, sizeof(id->unit), "%.*s/%.*s", (int)p->user_mgr.n,
			 p->user_mgr.s, (int)p->unit.n, p->unit.s);
}

static void fill_pod(struct local_id *id, const struct parse *p, const char *kubelet_root)
{
	size_t i;

	if (!p->pod.n)
		return;
	for (i = 0; i < p->pod.n && i < sizeof(id->pod_uid) - 1; i++)
		id->pod_uid[i] = p->pod.s[i] == '_' ? '-' : p->pod.s[i];
	id->pod_uid[i] = 0;
	if (kubelet_root)
		local_pod_lookup(kubelet_root, id->pod_uid, id->pod_namespace,
				 sizeof(id->pod_namespace), id->pod_name, sizeof(id->pod_name));
}

void local_id_derive(struct local_id *id, const char *kubelet_root)
{
	const char *path = id->cgroup_path;
	size_t len = strnlen(path, sizeof(id->cgroup_path));
	struct parse p = { .rt = LOCAL_RT_NONE };
	size_t i = 0;

	id->unit[0] = 0;
	id->container_id[0] = 0;
	id->runtime = LOCAL_RT_NONE;
	id->pod_uid[0] = 0;
	id->pod_namespace[0] = 0;
	id->pod_name[0] = 0;

	while (i < len) {
		struct comp c = { path + i, 0 };

		while (i + c.n < len && path[i + c.n] != '/')
			c.n++;
		/* no NUL in the field: its last component may be cut, so skip it */
		if (i + c.n == sizeof(id->cgroup_path))
			break;
		if (c.n)
			parse_comp(&p, c);
		i += c.n + 1;
	}
	fill_unit(id, &p);
	if (p.container.n) {
		copy_comp(id->container_id, sizeof(id->container_id), p.container);
		id->runtime = p.rt;
	}
	fill_pod(id, &p, kubelet_root);
}

const char *local_runtime_name(enum local_runtime rt)
{
	switch (rt) {
	case LOCAL_RT_CONTAINERD:
		return "containerd";
	case LOCAL_RT_CRIO:
		return "cri-o";
	case LOCAL_RT_DOCKER:
		return "docker";
	case LOCAL_RT_PODMAN:
		return "podman";
	case LOCAL_RT_OTHER:
		return "other";
	default:
		return "";
	}
}

const char *local_id_process(const struct local_id *id, char *buf, size_t len)
{
	if (!len)
		return buf;
	buf[0] = 0;
	if (!id)
		return buf;
	if (id->pod_name[0])
		snprintf(buf, len, "%s/%s", id->pod_namespace[0] ? id->pod_namespace : "?",
			 id->pod_name);
	else if (id->container_id[0])
		snprintf(buf, len, "%s:%.*s",
			 id->runtime == LOCAL_RT_OTHER ? "container" : local_runtime_name(id->runtime),
			 SHORT_ID, id->container_id);
	else if (id->pod_uid[0])
		snprintf(buf, len, "pod:%s", id->pod_uid);
	else if (id->unit[0])
		snprintf(buf, len, "%s", id->unit);
	else
		snprintf(buf, len, "%.*s", (int)strnlen(id->comm, sizeof(id->comm)), id->comm);
	return buf;
}
