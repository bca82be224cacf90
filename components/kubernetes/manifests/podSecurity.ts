/**
 * Pod Security: the security contexts of the layer's pods and the Pod Security Admission labels of its namespaces.
 * The rules are the Pod Security Standards (kubernetes/website content/en/docs/concepts/security/
 * pod-security-standards.md): `restricted` asks for runAsNonRoot, allowPrivilegeEscalation false, every capability
 * dropped (NET_BIND_SERVICE may be added back), a RuntimeDefault or Localhost seccomp profile, and only
 * configMap/emptyDir/projected/secret/downwardAPI/ephemeral/persistentVolumeClaim/csi volumes; `baseline` forbids
 * host namespaces, privileged containers, added capabilities beyond the default set and hostPath volumes.
 */

/** A Pod Security Standard level, as the `pod-security.kubernetes.io/*` namespace labels spell it. */
export type PodSecurityLevel = "privileged" | "baseline" | "restricted";

/**
 * The Pod Security Admission labels of a namespace: enforce `level`, and warn and audit at `restricted` so a pod
 * below it is reported (kubernetes docs, "Enforce Pod Security Standards with Namespace Labels").
 */
export function podSecurityLabels(level: PodSecurityLevel): Record<string, string> {
  return {
    "pod-security.kubernetes.io/enforce": level,
    "pod-security.kubernetes.io/warn": "restricted",
    "pod-security.kubernetes.io/audit": "restricted",
  };
}

/**
 * Pod-level securityContext of a restricted pod running as `uid`/`gid`. fsGroup `gid` makes emptyDir and
 * persistent volumes writable by that group; OnRootMismatch skips the recursive chown of a volume already owned.
 */
export function restrictedPodSecurityContext(uid: number, gid = uid) {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: gid,
    fsGroup: gid,
    fsGroupChangePolicy: "OnRootMismatch",
    seccompProfile: { type: "RuntimeDefault" },
  };
}

/**
 * Container-level securityContext of a restricted container: no privilege escalation, every capability dropped,
 * and a read-only root filesystem when the image writes only to mounted volumes (`readOnlyRoot`).
 */
export function restrictedContainerSecurityContext(readOnlyRoot: boolean) {
  return {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ["ALL"] },
    readOnlyRootFilesystem: readOnlyRoot,
  };
}

/** An emptyDir volume and its mount, for a path a read-only-root container must write to. */
export function scratchVolume(name: string, mountPath: string, sizeLimit: string) {
  return {
    volume: { name, emptyDir: { sizeLimit } },
    mount: { name, mountPath },
  };
}
