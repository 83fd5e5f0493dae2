/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A pod's namespace and name from the kubelet's pod directory
 * (<kubelet_root>/pods/<uid>/), for the cgroup paths that carry a pod UID.
 *
 *   name       the host name in its etc-hosts, which the kubelet writes as
 *              "# Kubernetes-managed hosts file." and then, after the fixed
 *              localhost lines, "<pod ip>\t<hostname>" (or
 *              "<ip>\t<hostname>.<subdomain...>\t<hostname>").  That is the
 *              pod's name unless the pod sets spec.hostname, and it is cut
 *              at 63 characters as the kubelet cuts it.  A host-network pod
 *              gets a copy of the node's file ("...(host network)."): no name.
 *   namespace  the "namespace" file of the service-account token volume the
 *              control plane mounts into the pod,
 *              volumes/kubernetes.io~projected/kube-api-access-<x>/namespace.
 *              Other projected volumes are the pod's own and could claim any
 *              namespace: not read.  A pod without a token: no namespace.
 *
 * Both are what the pod is configured with, read from files; they are read
 * with bounded lengths, never block (O_NONBLOCK, regular files only) and are
 * kept only when they are valid Kubernetes names.  A missing directory or
 * file is simply unknown ("").  Results are cached by UID; one without both
 * names is asked again after LOCAL_POD_RETRY_MS (a pod being created has no
 * files yet), at most that often.  Thread-safe.
 */
#ifndef TLSMON_LOCAL_POD_H
#define TLSMON_LOCAL_POD_H

#include <stddef.h>

#define LOCAL_POD_CACHE 256
#define LOCAL_POD_RETRY_MS 10000

/*
 * ns and name (either may stay "") for the pod uid under kubelet_root.
 * Returns 0 when the pod's directory was found, -ENOENT if not.
 */
int local_pod_lookup(const char *kubelet_root, const char *uid, char *ns, size_t nslen,
		     char *name, size_t namelen);

/* Empty the cache (a test changing the files, a new kubelet root). */
void local_pod_forget(void);

#endif
